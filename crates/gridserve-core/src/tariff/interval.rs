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
//! Sums are exact decimals. Meter readings lie on a decimal grid (0.001 kWh by default,
//! [`IntervalOptions::reading_decimals`]): each reading x is taken as the integer
//! u = round(x·10^d) and the u are added in `f64`, where integers below 2^53 add without
//! rounding, so a customer's sums are exact integers of 0.001 kWh (binary floating point
//! would add 0.1 + 0.2 as 0.30000000000000004 and can bill 0.01 kWh off the decimal sum). A
//! reading counts as on the grid when u / 10^d reads back as exactly the same `f64`, i.e. when
//! its shortest decimal form has at most d decimals. A row with a reading off the grid (or with
//! sums of 2^53 units or more) is summed in [`Decimal`] instead, each reading taken as its
//! shortest decimal form: slower, as exact. [`IntervalTotals::usage`] then rounds the exact
//! sums to the [`IntervalOptions`] decimals (0.01 kWh and 0.001 kW by default) when it makes the
//! [`MonthlyUsage`] a bill needs.

use std::num::NonZeroUsize;

use chrono::{Datelike, Duration, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::bill::{Bill, BillingMethod, MonthlyUsage, Tariff};
use super::schedule::{Calendar, CompiledSchedule};
use super::{Period, PeriodValues, TariffError};
use crate::progress::{Progress, Tracker, rows_per_tick, watch};

/// The decimal grid of interval readings and the rounding of their sums when they become a
/// [`MonthlyUsage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalOptions {
    /// Decimals of energies (kWh, kvarh) on a bill; 2 by default, as meters register 0.01 kWh.
    #[serde(default = "two")]
    pub energy_decimals: u32,
    /// Decimals of the maximum demand (kW); 3 by default.
    #[serde(default = "three")]
    pub demand_decimals: u32,
    /// Decimals of the readings' grid (0–6); 3 by default (0.001 kWh). Readings on the grid
    /// are added as exact integers (the fast path); others exactly in [`Decimal`].
    #[serde(default = "three")]
    pub reading_decimals: u32,
}

fn two() -> u32 {
    2
}

fn three() -> u32 {
    3
}

impl Default for IntervalOptions {
    fn default() -> Self {
        Self {
            energy_decimals: 2,
            demand_decimals: 3,
            reading_decimals: 3,
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
/// customer `i`; `energy_kwh` holds 5 values per customer in period order). The `f64` columns
/// are the nearest doubles to the exact sums, which are kept as [`Decimal`] in the `exact_*`
/// columns for billing.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IntervalTotals {
    /// Customers.
    pub customers: usize,
    /// Interval length (minutes), for the maximum demand.
    pub interval_min: u32,
    /// Exact kWh per period, `customers × 5`.
    pub exact_energy_kwh: Vec<Decimal>,
    /// Exact Σ forward kvarh (0 when not metered).
    pub exact_kvarh_forward: Vec<Decimal>,
    /// Exact Σ reverse kvarh (0 when not metered).
    pub exact_kvarh_reverse: Vec<Decimal>,
    /// The highest interval reading, exactly (kWh).
    pub exact_max_reading_kwh: Vec<Decimal>,
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

/// `v` rounded half away from zero (四舍五入) to `dp` decimals.
fn round_dp(v: Decimal, dp: u32) -> Decimal {
    v.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
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
        let e = self.exact_energy_kwh.get(row * 5..row * 5 + 5)?;
        let mut energy = PeriodValues::<Decimal>::default();
        for p in Period::ALL {
            energy.set(p, round_dp(e[p.index()], options.energy_decimals));
        }
        let mut u = MonthlyUsage::new(&terms.customer, year, month, terms.capacity_kva);
        u.energy_kwh = energy;
        u.kvarh_forward = terms
            .kvarh_forward
            .unwrap_or_else(|| round_dp(self.exact_kvarh_forward[row], options.energy_decimals));
        u.kvarh_reverse = terms
            .kvarh_reverse
            .unwrap_or_else(|| round_dp(self.exact_kvarh_reverse[row], options.energy_decimals));
        // kW = kWh × 60 / minutes, exactly (the reading is at most 10^15 kWh).
        let max_kw = self
            .exact_max_reading_kwh
            .get(row)?
            .checked_mul(Decimal::from(60))?
            / Decimal::from(self.interval_min.max(1));
        u.max_demand_kw = Some(round_dp(max_kw, options.demand_decimals));
        u.method = terms.method;
        u.contract_demand_kw = terms.contract_demand_kw;
        Some(u)
    }
}

/// 1.5 × 2^52: for |y| < 2^51, `(y + MAGIC) - MAGIC` is y rounded to an integer (ties to even)
/// with plain SSE2 arithmetic, which vectorises where `f64::round` would call libm.
const MAGIC: f64 = 6_755_399_441_055_744.0;
/// 2^53: integers below it are exact in `f64`, and so are their sums while below it.
const EXACT_UNITS: f64 = 9_007_199_254_740_992.0;

/// Σ round(x·scale) over a slice, and the number of readings off the grid (those x for which
/// round(x·scale) / scale is not x again), with four independent accumulators (vectorises).
/// A NaN or infinite reading makes the sum NaN or infinite; a reading of 2^51 units or more
/// counts as off the grid, so its row takes the exact decimal path.
#[inline]
fn grid_sum(xs: &[f64], scale: f64) -> (f64, f64) {
    let mut s = [0.0f64; 4];
    let mut off = [0.0f64; 4];
    let chunks = xs.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            let u = (c[k] * scale + MAGIC) - MAGIC;
            s[k] += u;
            off[k] += if u / scale == c[k] { 0.0 } else { 1.0 };
        }
    }
    let (mut tail, mut tail_off) = (0.0, 0.0);
    for &x in rest {
        let u = (x * scale + MAGIC) - MAGIC;
        tail += u;
        tail_off += if u / scale == x { 0.0 } else { 1.0 };
    }
    (
        ((s[0] + s[1]) + (s[2] + s[3])) + tail,
        ((off[0] + off[1]) + (off[2] + off[3])) + tail_off,
    )
}

/// The shortest decimal that reads back as `x` (finite, non-negative), exactly.
fn reading_decimal(
    x: f64,
    quantity: &'static str,
    customer: &dyn Fn() -> String,
) -> Result<Decimal, TariffError> {
    super::exact::parse_decimal(&format!("{x:e}")).map_err(|_| TariffError::InvalidValue {
        record: customer(),
        field: quantity,
        value: format!("{x:e}"),
        reason: "has no exact decimal of at most 28 digits and 28 decimals",
    })
}

/// Exact sums per run (or of the whole slice when `runs` is `None`) of readings as their
/// shortest decimals: the path of rows with readings off the grid.
fn decimal_sums(
    row: &[f64],
    runs: Option<&[(usize, usize, u8)]>,
    quantity: &'static str,
    customer: &dyn Fn() -> String,
) -> Result<[Decimal; 5], TariffError> {
    let record = customer();
    let ck = super::Checked {
        record: &record,
        what: "interval sum",
    };
    let mut acc = [Decimal::ZERO; 5];
    let whole = [(0, row.len(), 0u8)];
    for &(s, len, p) in runs.unwrap_or(&whole) {
        for &x in &row[s..s + len] {
            let v = reading_decimal(x, quantity, customer)?;
            acc[usize::from(p)] = ck.add(acc[usize::from(p)], v)?;
        }
    }
    Ok(acc)
}

/// The exact decimal of the grid integer `units` (below 2^53) at `dp` decimals.
#[allow(clippy::cast_possible_truncation)]
fn units_decimal(units: f64, dp: u32) -> Decimal {
    Decimal::new(units as i64, dp)
}

/// The exact decimal of the largest reading: from the grid when it lies on it.
fn max_decimal(
    hi: f64,
    scale: f64,
    dp: u32,
    quantity: &'static str,
    customer: &dyn Fn() -> String,
) -> Result<Decimal, TariffError> {
    let u = (hi * scale + MAGIC) - MAGIC;
    if u / scale == hi && u < EXACT_UNITS {
        Ok(units_decimal(u, dp))
    } else {
        reading_decimal(hi, quantity, customer)
    }
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

fn threads_for(rows: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if rows < 256 { 1 } else { cores.min(rows) }
}

struct Out<'a> {
    exact_energy: &'a mut [Decimal],
    exact_qf: &'a mut [Decimal],
    exact_qr: &'a mut [Decimal],
    exact_max: &'a mut [Decimal],
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

/// Aggregates a batch with a layout and the default [`IntervalOptions`] (readings on a
/// 0.001 kWh grid take the fast path): see [`aggregate_with`].
///
/// # Errors
/// As [`aggregate_with`].
pub fn aggregate(
    layout: &IntervalLayout,
    batch: &IntervalBatch<'_>,
) -> Result<IntervalTotals, TariffError> {
    aggregate_with(layout, batch, IntervalOptions::default())
}

/// Aggregates a batch with a layout: exact per-period energy, maximum demand, load factor,
/// shares; readings on the grid of `options.reading_decimals` are added as exact integers.
///
/// # Errors
/// [`TariffError::ShapeMismatch`] for a column of the wrong length, [`TariffError::BadReading`]
/// for the first negative, NaN or infinite reading (lowest row, then interval),
/// [`TariffError::BadLayout`] for a row above 10^15 kWh or `reading_decimals` above 6.
pub fn aggregate_with(
    layout: &IntervalLayout,
    batch: &IntervalBatch<'_>,
    options: IntervalOptions,
) -> Result<IntervalTotals, TariffError> {
    aggregate_tracked(layout, batch, options, None)
}

/// [`aggregate_with`], reporting the rows summed to `progress` (in its current pass) while the
/// worker threads run; the callback's `false` stops them with [`TariffError::Cancelled`].
///
/// # Errors
/// As [`aggregate_with`], and [`TariffError::Cancelled`].
pub fn aggregate_tracked(
    layout: &IntervalLayout,
    batch: &IntervalBatch<'_>,
    options: IntervalOptions,
    mut progress: Option<&mut Progress<'_>>,
) -> Result<IntervalTotals, TariffError> {
    if options.reading_decimals > 6 {
        return Err(TariffError::BadLayout {
            reason: format!(
                "reading_decimals = {} must be at most 6",
                options.reading_decimals
            ),
        });
    }
    let dp = options.reading_decimals;
    #[allow(clippy::cast_possible_wrap)]
    let scale = 10f64.powi(dp as i32);
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
        interval_min: layout.interval_min,
        exact_energy_kwh: vec![Decimal::ZERO; c5],
        exact_kvarh_forward: vec![Decimal::ZERO; c],
        exact_kvarh_reverse: vec![Decimal::ZERO; c],
        exact_max_reading_kwh: vec![Decimal::ZERO; c],
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
    let tracker = progress.is_some().then(Tracker::new);
    let tracker = tracker.as_ref();
    let tick = rows_per_tick(n);
    let work = |row0: usize, o: Out<'_>| -> Result<(), TariffError> {
        let rows = o.total.len();
        for r in 0..rows {
            if let Some(tr) = tracker
                && r % tick == 0
                && r > 0
            {
                tr.add(tick);
                if tr.stopped() {
                    return Err(TariffError::Cancelled {
                        done: tr.done(),
                        total: c,
                    });
                }
            }
            let base = (row0 + r) * n;
            let row = &batch.energy_kwh[base..base + n];
            let customer = || {
                let k = row0 + r;
                batch
                    .ids
                    .and_then(|ids| ids.get(k).cloned())
                    .unwrap_or_else(|| format!("#{k}"))
            };
            let mut units = [0.0f64; 5];
            let mut off = 0.0;
            for &(s, len, p) in &layout.runs {
                let (u, o) = grid_sum(&row[s..s + len], scale);
                units[usize::from(p)] += u;
                off += o;
            }
            // The row is in cache now: a second, packed pass for the extremes.
            let (hi, mn) = max_min(row);
            let total_units: f64 = units.iter().sum();
            if !(total_units.is_finite() && mn >= 0.0) {
                return Err(
                    first_bad("energy_kwh", row, row0 + r, n, batch.ids).unwrap_or(
                        TariffError::BadLayout {
                            reason: format!("row {} sums to {total_units} units", row0 + r),
                        },
                    ),
                );
            }
            let exact = &mut o.exact_energy[r * 5..r * 5 + 5];
            let mut acc = [0.0f64; 5];
            if off == 0.0 && total_units < EXACT_UNITS {
                for ((e, a), u) in exact.iter_mut().zip(&mut acc).zip(units) {
                    *e = units_decimal(u, dp);
                    *a = u / scale;
                }
            } else {
                exact.copy_from_slice(&decimal_sums(
                    row,
                    Some(&layout.runs),
                    "energy_kwh",
                    &customer,
                )?);
                for (a, e) in acc.iter_mut().zip(exact.iter()) {
                    *a = e.to_f64().unwrap_or(f64::NAN);
                }
            }
            let exact_total = exact
                .iter()
                .try_fold(Decimal::ZERO, |a, v| a.checked_add(*v))
                .filter(|t| *t <= Decimal::from(1_000_000_000_000_000_i64))
                .ok_or_else(|| TariffError::BadLayout {
                    reason: format!(
                        "row {} ({}) sums to more than the 10^15 kWh a bill accepts",
                        row0 + r,
                        customer()
                    ),
                })?;
            let total = if off == 0.0 && total_units < EXACT_UNITS {
                total_units / scale
            } else {
                exact_total.to_f64().unwrap_or(f64::NAN)
            };
            let mx = hi.max(0.0);
            o.exact_max[r] = max_decimal(mx, scale, dp, "energy_kwh", &customer)?;
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
            for (q, name, dst, exact) in [
                (
                    batch.kvarh_forward,
                    "kvarh_forward",
                    &mut o.qf[r],
                    &mut o.exact_qf[r],
                ),
                (
                    batch.kvarh_reverse,
                    "kvarh_reverse",
                    &mut o.qr[r],
                    &mut o.exact_qr[r],
                ),
            ] {
                if let Some(q) = q {
                    let q = &q[base..base + n];
                    let (units, off) = grid_sum(q, scale);
                    let (_, lo) = max_min(q);
                    if !(units.is_finite() && lo >= 0.0) {
                        return Err(first_bad(name, q, row0 + r, n, batch.ids).unwrap_or(
                            TariffError::BadLayout {
                                reason: format!("row {} {name} sums to {units} units", row0 + r),
                            },
                        ));
                    }
                    *exact = if off == 0.0 && units < EXACT_UNITS {
                        units_decimal(units, dp)
                    } else {
                        decimal_sums(q, None, name, &customer)?[0]
                    };
                    *dst = if off == 0.0 && units < EXACT_UNITS {
                        units / scale
                    } else {
                        exact.to_f64().unwrap_or(f64::NAN)
                    };
                }
            }
        }
        if let Some(tr) = tracker {
            tr.add(rows - (rows.saturating_sub(1) / tick) * tick);
            tr.wake();
        }
        Ok(())
    };
    let results: Vec<Result<(), TariffError>> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        let exact = t
            .exact_energy_kwh
            .chunks_mut(per * 5)
            .zip(t.exact_kvarh_forward.chunks_mut(per))
            .zip(t.exact_kvarh_reverse.chunks_mut(per))
            .zip(t.exact_max_reading_kwh.chunks_mut(per));
        let chunks = t
            .energy_kwh
            .chunks_mut(per * 5)
            .zip(t.total_kwh.chunks_mut(per))
            .zip(t.max_demand_kw.chunks_mut(per))
            .zip(t.load_factor.chunks_mut(per))
            .zip(t.peak_share.chunks_mut(per))
            .zip(t.valley_share.chunks_mut(per))
            .zip(t.kvarh_forward.chunks_mut(per))
            .zip(t.kvarh_reverse.chunks_mut(per))
            .zip(exact);
        for (k, ((((((((energy, total), max), lf), peak), valley), qf), qr), xs)) in
            chunks.enumerate()
        {
            let (((exact_energy, exact_qf), exact_qr), exact_max) = xs;
            let o = Out {
                exact_energy,
                exact_qf,
                exact_qr,
                exact_max,
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
            // With progress, the calling thread watches instead of working.
            if threads == 1 && tracker.is_none() {
                handles.push(Err(work(k * per, o)));
            } else {
                handles.push(Ok(scope.spawn(move || work(k * per, o))));
            }
        }
        if let (Some(tr), Some(p)) = (tracker, progress.as_deref_mut()) {
            watch(tr, p, || {
                handles
                    .iter()
                    .all(|h| h.as_ref().map_or(true, |h| h.is_finished()))
            });
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
    if let Some(cancelled) = progress.as_ref().and_then(|p| p.cancelled()) {
        return Err(cancelled.into());
    }
    // The first error in row order.
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    if let Some(p) = progress {
        p.report(c)?;
    }
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
    bill_batch_tracked(tariff, totals, layout, terms, options, None)
}

/// Rows billed between two counts of a [`Tracker`].
const BILLS_PER_TICK: usize = 256;

/// [`bill_batch`], reporting the customers billed to `progress` (in its current pass) while the
/// worker threads run; the callback's `false` stops them with [`TariffError::Cancelled`].
///
/// # Errors
/// As [`bill_batch`], and [`TariffError::Cancelled`].
pub fn bill_batch_tracked(
    tariff: &Tariff,
    totals: &IntervalTotals,
    layout: &IntervalLayout,
    terms: &[CustomerTerms],
    options: IntervalOptions,
    mut progress: Option<&mut Progress<'_>>,
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
    let tracker = progress.is_some().then(Tracker::new);
    let tracker = tracker.as_ref();
    let all = terms.len();
    let bill_rows = |row0: usize, terms: &[CustomerTerms]| -> Result<Vec<Bill>, TariffError> {
        let mut out = Vec::with_capacity(terms.len());
        for (k, term) in terms.iter().enumerate() {
            if let Some(tr) = tracker
                && k % BILLS_PER_TICK == 0
                && k > 0
            {
                tr.add(BILLS_PER_TICK);
                if tr.stopped() {
                    return Err(TariffError::Cancelled {
                        done: tr.done(),
                        total: all,
                    });
                }
            }
            let usage = totals
                .usage(row0 + k, year, month, term, options)
                .ok_or_else(|| TariffError::BadLayout {
                    reason: format!("row {} is outside the totals", row0 + k),
                })?;
            out.push(tariff.bill(&usage)?);
        }
        if let Some(tr) = tracker {
            let n = terms.len();
            tr.add(n - (n.saturating_sub(1) / BILLS_PER_TICK) * BILLS_PER_TICK);
            tr.wake();
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
        if let (Some(tr), Some(p)) = (tracker, progress.as_deref_mut()) {
            watch(tr, p, || handles.iter().all(|h| h.is_finished()));
        }
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
    if let Some(cancelled) = progress.as_ref().and_then(|p| p.cancelled()) {
        return Err(cancelled.into());
    }
    let mut bills = Vec::with_capacity(terms.len());
    for p in parts {
        bills.extend(p?);
    }
    if let Some(p) = progress {
        p.report(all)?;
    }
    Ok(bills)
}
