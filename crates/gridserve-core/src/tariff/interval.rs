//! 15-minute interval data → monthly usage, for one customer or a columnar batch of many.
//!
//! A batch is one month of readings for `customers` customers with the same interval layout:
//! each quantity is one contiguous `&[f64]` of `customers × intervals` values, row-major (a
//! customer's intervals are adjacent), as a C-ordered 2-D numpy array gives it. The period of
//! each interval is computed once per layout ([`IntervalLayout`]) and stored as runs of equal
//! periods, so aggregating a customer is a sum and a maximum over a few hundred contiguous
//! slices: no allocation per reading or per customer, and the batch is split over the
//! available cores with scoped threads.
//!
//! Per customer: energy per period (kWh), total, maximum demand = the highest interval average
//! power (kWh × 60 / interval minutes, kW; with 15-minute intervals the meter's 15-minute
//! demand without the sliding window), load factor = average kW / maximum kW, peak share =
//! (peak + sharp) / total and valley share = (valley + deep valley) / total.
//!
//! Sums are in `f64`; [`IntervalTotals::usage`] rounds them to the [`IntervalOptions`] decimals
//! (0.01 kWh and 0.001 kW by default) when it makes the exact [`MonthlyUsage`] a bill needs.

use std::num::NonZeroUsize;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::bill::{Bill, BillingMethod, MonthlyUsage, Tariff};
use super::schedule::{Calendar, CompiledSchedule};
use super::{Period, PeriodValues, TariffError};

/// Rounding of interval sums when they become a [`MonthlyUsage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalOptions {
    /// Decimals of energies (kWh, kvarh); 2 by default, as meters register 0.01 kWh.
    pub energy_decimals: u32,
    /// Decimals of the maximum demand (kW); 3 by default.
    pub demand_decimals: u32,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        Self {
            energy_decimals: 2,
            demand_decimals: 3,
        }
    }
}

/// The period of every interval of one month, as runs of equal periods.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalLayout {
    start: NaiveDateTime,
    interval_min: u32,
    intervals: usize,
    /// (first interval, number of intervals, period index)
    runs: Vec<(usize, usize, u8)>,
}

impl IntervalLayout {
    /// The layout of `intervals` readings of `interval_min` minutes starting at `start` (China
    /// Standard Time wall clock), all in one calendar month.
    ///
    /// `interval_min` must divide 30, or be 60 when the schedule has no period change inside an
    /// hour; `start` must fall on an interval boundary.
    ///
    /// # Errors
    /// [`TariffError::BadLayout`] naming the offending value.
    pub fn new(
        schedule: &CompiledSchedule,
        calendar: &Calendar,
        start: NaiveDateTime,
        interval_min: u32,
        intervals: usize,
    ) -> Result<Self, TariffError> {
        let bad = |reason: String| TariffError::BadLayout { reason };
        if interval_min == 0 || (30 % interval_min != 0 && interval_min != 60) {
            return Err(bad(format!(
                "interval_min = {interval_min} must divide 30 or be 60"
            )));
        }
        if start.second() != 0
            || start.nanosecond() != 0
            || !start.minute().is_multiple_of(interval_min)
        {
            return Err(bad(format!(
                "start {start} is not on a {interval_min}-minute boundary"
            )));
        }
        if intervals == 0 {
            return Err(bad("no intervals".into()));
        }
        let step = Duration::minutes(i64::from(interval_min));
        let last_start = i64::try_from(intervals - 1)
            .ok()
            .and_then(|n| step.checked_mul(i32::try_from(n).ok()?))
            .and_then(|d| start.checked_add_signed(d))
            .ok_or_else(|| bad(format!("{intervals} intervals are too many")))?;
        if (last_start.year(), last_start.month()) != (start.year(), start.month()) {
            return Err(bad(format!(
                "{intervals} intervals of {interval_min} min from {start} run into {}; give one month per batch",
                last_start.date()
            )));
        }
        let per_slot = 30 / interval_min.min(30) as usize;
        let mut runs: Vec<(usize, usize, u8)> = Vec::new();
        let mut t = start;
        let mut i = 0usize;
        while i < intervals {
            let day = schedule.day(t.date(), calendar);
            let mut slot = (t.hour() * 2 + t.minute() / 30) as usize;
            let mut sub = ((t.minute() % 30) / interval_min.min(30)) as usize;
            while slot < day.len() && i < intervals {
                let p = day[slot];
                if interval_min == 60 {
                    let second = day.get(slot + 1).copied().unwrap_or(p);
                    if second != p {
                        return Err(bad(format!(
                            "the hour from {t} holds {p} and {second}; use 30-minute or shorter intervals with this schedule"
                        )));
                    }
                }
                let pi = p.index() as u8;
                match runs.last_mut() {
                    Some((_, len, q)) if *q == pi => *len += 1,
                    _ => runs.push((i, 1, pi)),
                }
                i += 1;
                t += step;
                if interval_min == 60 {
                    slot += 2;
                } else {
                    sub += 1;
                    if sub == per_slot {
                        sub = 0;
                        slot += 1;
                    }
                }
            }
        }
        Ok(Self {
            start,
            interval_min,
            intervals,
            runs,
        })
    }

    /// Number of intervals per customer.
    #[must_use]
    pub fn intervals(&self) -> usize {
        self.intervals
    }

    /// Interval length (minutes).
    #[must_use]
    pub fn interval_min(&self) -> u32 {
        self.interval_min
    }

    /// The first interval's start.
    #[must_use]
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// The period of interval `i` (`None` past the end).
    #[must_use]
    pub fn period_of(&self, i: usize) -> Option<Period> {
        let k = self.runs.partition_point(|r| r.0 <= i).checked_sub(1)?;
        let (s, len, p) = self.runs[k];
        (i < s + len).then(|| Period::ALL[usize::from(p)])
    }
}

/// One month of interval readings for many customers, columnar.
#[derive(Debug, Clone, Copy)]
pub struct IntervalBatch<'a> {
    /// Number of customers (rows).
    pub customers: usize,
    /// Active energy per interval (kWh), `customers × intervals`, row-major.
    pub energy_kwh: &'a [f64],
    /// Forward reactive energy per interval (kvarh), same shape, if metered.
    pub kvarh_forward: Option<&'a [f64]>,
    /// Reverse reactive energy per interval (kvarh), same shape, if metered.
    pub kvarh_reverse: Option<&'a [f64]>,
    /// Customer numbers for messages (row numbers are used when absent).
    pub ids: Option<&'a [String]>,
}

/// Per-customer monthly figures of a batch, columnar (one `Vec` per quantity, row `i` is
/// customer `i`; `energy_kwh` holds 5 values per customer in period order).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IntervalTotals {
    /// Customers.
    pub customers: usize,
    /// kWh per period, `customers × 5` (sharp, peak, flat, valley, deep valley).
    pub energy_kwh: Vec<f64>,
    /// Total kWh.
    pub total_kwh: Vec<f64>,
    /// Maximum interval-average demand (kW).
    pub max_demand_kw: Vec<f64>,
    /// Average kW / maximum kW (0 when the maximum is 0).
    pub load_factor: Vec<f64>,
    /// (peak + sharp) / total (0 when the total is 0).
    pub peak_share: Vec<f64>,
    /// (valley + deep valley) / total (0 when the total is 0).
    pub valley_share: Vec<f64>,
    /// Σ forward kvarh (0 when not metered).
    pub kvarh_forward: Vec<f64>,
    /// Σ reverse kvarh (0 when not metered).
    pub kvarh_reverse: Vec<f64>,
}

/// The contract terms of a customer for billing from interval totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerTerms {
    /// Customer number.
    pub customer: String,
    /// Contract capacity (kVA).
    #[serde(deserialize_with = "super::exact::de")]
    pub capacity_kva: Decimal,
    /// Basic-charge method.
    #[serde(default)]
    pub method: BillingMethod,
    /// Contract demand (kW), for contract-demand billing.
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub contract_demand_kw: Option<Decimal>,
    /// The month's forward kvarh from the meter register (overrides the interval sum).
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub kvarh_forward: Option<Decimal>,
    /// The month's reverse kvarh from the meter register (overrides the interval sum).
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub kvarh_reverse: Option<Decimal>,
}

/// `v` rounded half away from zero to `dp` decimals. Sums of interval readings are binary
/// floating point already; scaling by 10^dp and rounding in `f64` is exact for the integer part
/// below 2^52 and is used there, the exact binary-to-decimal conversion elsewhere.
fn dec(v: f64, dp: u32) -> Decimal {
    if dp <= 9 {
        let scaled = v * 10f64.powi(dp as i32);
        if scaled.abs() < 4.5e15 {
            #[allow(clippy::cast_possible_truncation)]
            return Decimal::new(scaled.round() as i64, dp);
        }
    }
    Decimal::from_f64_retain(v)
        .unwrap_or_default()
        .round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

impl IntervalTotals {
    /// Customer `row`'s [`MonthlyUsage`] with its terms; energies and demand rounded as
    /// `options` says. `None` when `row` is out of range.
    #[must_use]
    pub fn usage(
        &self,
        row: usize,
        year: i32,
        month: u32,
        terms: &CustomerTerms,
        options: IntervalOptions,
    ) -> Option<MonthlyUsage> {
        let e = self.energy_kwh.get(row * 5..row * 5 + 5)?;
        let mut energy = PeriodValues::<Decimal>::default();
        for p in Period::ALL {
            energy.set(p, dec(e[p.index()], options.energy_decimals));
        }
        let mut u = MonthlyUsage::new(&terms.customer, year, month, terms.capacity_kva);
        u.energy_kwh = energy;
        u.kvarh_forward = terms
            .kvarh_forward
            .unwrap_or_else(|| dec(self.kvarh_forward[row], options.energy_decimals));
        u.kvarh_reverse = terms
            .kvarh_reverse
            .unwrap_or_else(|| dec(self.kvarh_reverse[row], options.energy_decimals));
        u.max_demand_kw = Some(dec(self.max_demand_kw[row], options.demand_decimals));
        u.method = terms.method;
        u.contract_demand_kw = terms.contract_demand_kw;
        Some(u)
    }
}

/// Sum of a short slice with four independent accumulators (vectorizable).
#[inline]
fn sum4(xs: &[f64]) -> f64 {
    let mut s = [0.0f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            s[k] += c[k];
        }
    }
    let mut tail = 0.0;
    for &x in rest {
        tail += x;
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + tail
}

/// Maximum and minimum of a slice, eight lanes. Comparisons written as selects so that they
/// compile to packed max/min; NaN is caught by the caller through the sums.
#[inline]
fn max_min(xs: &[f64]) -> (f64, f64) {
    let mut mx = [f64::NEG_INFINITY; 8];
    let mut mn = [f64::INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            mx[k] = if c[k] > mx[k] { c[k] } else { mx[k] };
            mn[k] = if c[k] < mn[k] { c[k] } else { mn[k] };
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        mx[k] = if x > mx[k] { x } else { mx[k] };
        mn[k] = if x < mn[k] { x } else { mn[k] };
    }
    let hi = mx
        .iter()
        .fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    let lo = mn
        .iter()
        .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    (hi, lo)
}

/// Sum, maximum and minimum of a slice.
fn sum_max_min(xs: &[f64]) -> (f64, f64, f64) {
    let (hi, lo) = max_min(xs);
    (sum4(xs), hi, lo)
}

fn threads_for(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if rows < 256 { 1 } else { cores.min(rows) }
}

struct Out<'a> {
    energy: &'a mut [f64],
    total: &'a mut [f64],
    max: &'a mut [f64],
    lf: &'a mut [f64],
    peak: &'a mut [f64],
    valley: &'a mut [f64],
    qf: &'a mut [f64],
    qr: &'a mut [f64],
}

fn first_bad(
    quantity: &'static str,
    data: &[f64],
    row0: usize,
    n: usize,
    ids: Option<&[String]>,
) -> Option<TariffError> {
    let k = data.iter().position(|x| !(x.is_finite() && *x >= 0.0))?;
    let row = row0 + k / n;
    Some(TariffError::BadReading {
        quantity,
        customer: ids
            .and_then(|ids| ids.get(row).cloned())
            .unwrap_or_else(|| format!("#{row}")),
        row,
        interval: k % n,
        value: data[k],
    })
}

/// Aggregates a batch with a layout: per-period energy, maximum demand, load factor, shares.
///
/// # Errors
/// [`TariffError::ShapeMismatch`] for a column of the wrong length, [`TariffError::BadReading`]
/// for the first negative, NaN or infinite reading (lowest row, then interval).
pub fn aggregate(
    layout: &IntervalLayout,
    batch: &IntervalBatch<'_>,
) -> Result<IntervalTotals, TariffError> {
    let n = layout.intervals;
    let c = batch.customers;
    let expected = c.checked_mul(n).ok_or_else(|| TariffError::BadLayout {
        reason: format!("{c} customers × {n} intervals overflow"),
    })?;
    let check = |quantity, got: usize| {
        if got == expected {
            Ok(())
        } else {
            Err(TariffError::ShapeMismatch {
                quantity,
                got,
                expected,
                customers: c,
                intervals: n,
            })
        }
    };
    check("energy_kwh", batch.energy_kwh.len())?;
    if let Some(q) = batch.kvarh_forward {
        check("kvarh_forward", q.len())?;
    }
    if let Some(q) = batch.kvarh_reverse {
        check("kvarh_reverse", q.len())?;
    }
    if let Some(ids) = batch.ids {
        check("ids", ids.len() * n)?;
    }
    let c5 = c.checked_mul(5).ok_or_else(|| TariffError::BadLayout {
        reason: format!("{c} customers overflow"),
    })?;
    let mut t = IntervalTotals {
        customers: c,
        energy_kwh: vec![0.0; c5],
        total_kwh: vec![0.0; c],
        max_demand_kw: vec![0.0; c],
        load_factor: vec![0.0; c],
        peak_share: vec![0.0; c],
        valley_share: vec![0.0; c],
        kvarh_forward: vec![0.0; c],
        kvarh_reverse: vec![0.0; c],
    };
    let threads = threads_for(c);
    let per = c.div_ceil(threads.max(1)).max(1);
    let to_kw = 60.0 / f64::from(layout.interval_min);
    let hours = n as f64 * f64::from(layout.interval_min) / 60.0;
    let work = |row0: usize, o: Out<'_>| -> Result<(), TariffError> {
        let rows = o.total.len();
        for r in 0..rows {
            let base = (row0 + r) * n;
            let row = &batch.energy_kwh[base..base + n];
            let mut acc = [0.0f64; 5];
            for &(s, len, p) in &layout.runs {
                acc[usize::from(p)] += sum4(&row[s..s + len]);
            }
            // The row is in cache now: a second, packed pass for the extremes.
            let (hi, mn) = max_min(row);
            let mx = hi.max(0.0);
            let total: f64 = acc.iter().sum();
            if !(total.is_finite() && mn >= 0.0) {
                return Err(
                    first_bad("energy_kwh", row, row0 + r, n, batch.ids).unwrap_or(
                        TariffError::BadLayout {
                            reason: format!("row {} sums to {total}", row0 + r),
                        },
                    ),
                );
            }
            if total > 1e15 {
                return Err(TariffError::BadLayout {
                    reason: format!(
                        "row {} sums to {total} kWh, above the 10^15 kWh a bill accepts",
                        row0 + r
                    ),
                });
            }
            o.energy[r * 5..r * 5 + 5].copy_from_slice(&acc);
            o.total[r] = total;
            let max_kw = mx * to_kw;
            o.max[r] = max_kw;
            o.lf[r] = if max_kw > 0.0 {
                total / hours / max_kw
            } else {
                0.0
            };
            if total > 0.0 {
                o.peak[r] = (acc[0] + acc[1]) / total;
                o.valley[r] = (acc[3] + acc[4]) / total;
            }
            for (q, name, dst) in [
                (batch.kvarh_forward, "kvarh_forward", &mut o.qf[r]),
                (batch.kvarh_reverse, "kvarh_reverse", &mut o.qr[r]),
            ] {
                if let Some(q) = q {
                    let (sum, _, lo) = sum_max_min(&q[base..base + n]);
                    if !(sum.is_finite() && lo >= 0.0) {
                        return Err(first_bad(name, &q[base..base + n], row0 + r, n, batch.ids)
                            .unwrap_or(TariffError::BadLayout {
                                reason: format!("row {} {name} sums to {sum}", row0 + r),
                            }));
                    }
                    *dst = sum;
                }
            }
        }
        Ok(())
    };
    let results: Vec<Result<(), TariffError>> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        let chunks = t
            .energy_kwh
            .chunks_mut(per * 5)
            .zip(t.total_kwh.chunks_mut(per))
            .zip(t.max_demand_kw.chunks_mut(per))
            .zip(t.load_factor.chunks_mut(per))
            .zip(t.peak_share.chunks_mut(per))
            .zip(t.valley_share.chunks_mut(per))
            .zip(t.kvarh_forward.chunks_mut(per))
            .zip(t.kvarh_reverse.chunks_mut(per));
        for (k, (((((((energy, total), max), lf), peak), valley), qf), qr)) in chunks.enumerate() {
            let o = Out {
                energy,
                total,
                max,
                lf,
                peak,
                valley,
                qf,
                qr,
            };
            let work = &work;
            if threads == 1 {
                handles.push(Err(work(k * per, o)));
            } else {
                handles.push(Ok(scope.spawn(move || work(k * per, o))));
            }
        }
        handles
            .into_iter()
            .map(|h| match h {
                Err(r) => r,
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(TariffError::BadLayout {
                        reason: "a worker thread panicked".into(),
                    })
                }),
            })
            .collect()
    });
    // The first error in row order.
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(t)
}

/// Bills every customer of a batch from its interval totals (in parallel). `terms[i]` belongs to
/// row `i`.
///
/// # Errors
/// [`TariffError::ShapeMismatch`] when `terms` and the totals differ in length, and the first
/// error of [`Tariff::bill`] in row order.
pub fn bill_batch(
    tariff: &Tariff,
    totals: &IntervalTotals,
    layout: &IntervalLayout,
    terms: &[CustomerTerms],
    options: IntervalOptions,
) -> Result<Vec<Bill>, TariffError> {
    if terms.len() != totals.customers {
        return Err(TariffError::ShapeMismatch {
            quantity: "terms",
            got: terms.len(),
            expected: totals.customers,
            customers: totals.customers,
            intervals: layout.intervals,
        });
    }
    let (year, month) = (layout.start.year(), layout.start.month());
    let threads = threads_for(terms.len());
    let per = terms.len().div_ceil(threads.max(1)).max(1);
    let bill_rows = |row0: usize, terms: &[CustomerTerms]| -> Result<Vec<Bill>, TariffError> {
        let mut out = Vec::with_capacity(terms.len());
        for (k, term) in terms.iter().enumerate() {
            let usage = totals
                .usage(row0 + k, year, month, term, options)
                .ok_or_else(|| TariffError::BadLayout {
                    reason: format!("row {} is outside the totals", row0 + k),
                })?;
            out.push(tariff.bill(&usage)?);
        }
        Ok(out)
    };
    let parts: Vec<Result<Vec<Bill>, TariffError>> = std::thread::scope(|scope| {
        let bill_rows = &bill_rows;
        let handles: Vec<_> = terms
            .chunks(per)
            .enumerate()
            .map(|(k, chunk)| scope.spawn(move || bill_rows(k * per, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(TariffError::BadLayout {
                        reason: "a worker thread panicked".into(),
                    })
                })
            })
            .collect()
    });
    let mut bills = Vec::with_capacity(terms.len());
    for p in parts {
        bills.extend(p?);
    }
    Ok(bills)
}
