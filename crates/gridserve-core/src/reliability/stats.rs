//! Outage statistics for the back office: frequency and duration by feeder, substation,
//! cause, device, planned/unplanned, month and hour of day; the durations of the handling
//! stages with percentiles; lost energy sales; the worst feeders and devices.
//!
//! Every statistic counts the records that **began** in the period, in the zone of the
//! [`IndexOptions`]; momentary and sustained follow its threshold.

use chrono::{DateTime, Datelike};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;
use super::indices::{Grouping, IndexOptions, Period, group_of, groups};
use super::table::{NO_TIME, OutageTable, StageTime};

/// What statistics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatKey {
    /// Every feeder of the service base.
    Feeder,
    /// Every substation of the service base.
    Substation,
    /// The causes, in order of first appearance.
    Cause,
    /// The interrupting devices, in order of first appearance.
    Device,
    /// `unplanned`, `planned`.
    Planned,
    /// Every calendar month of the period, `YYYY-MM`.
    Month,
    /// The hour of day the outage began, `00` to `23`.
    HourOfDay,
}

/// Frequency and duration of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreqDur {
    /// The group's key.
    pub key: String,
    /// Outages (records) that began in the period.
    pub outages: u64,
    /// Of which sustained.
    pub sustained: u64,
    /// Of which momentary.
    pub momentary: u64,
    /// Customer interruptions of the sustained outages (ΣNᵢ).
    pub customer_interruptions: u64,
    /// Customer-minutes of the sustained outages (ΣrᵢNᵢ).
    pub customer_minutes: f64,
    /// Total duration of the outages, minutes.
    pub duration_total_min: f64,
    /// Mean duration, minutes (0 without outages).
    pub duration_mean_min: f64,
    /// Longest duration, minutes.
    pub duration_max_min: f64,
    /// Energy not supplied, kWh: Σ load_kw × duration in hours, over every outage.
    pub energy_kwh: f64,
}

/// Frequency and duration of every group of `key` over `period`.
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for options out of range.
pub fn frequency_duration(
    table: &OutageTable,
    period: &Period,
    key: StatKey,
    options: &IndexOptions,
) -> Result<Vec<FreqDur>, ReliabilityError> {
    options.check()?;
    let (lo, hi) = period.ms();
    let off = options.offset_ms();
    let mom = options.momentary_max_ms();
    let (keys, first_month) = stat_keys(table, period, key, off);
    let mut rows: Vec<FreqDur> = keys
        .into_iter()
        .map(|key| FreqDur {
            key,
            outages: 0,
            sustained: 0,
            momentary: 0,
            customer_interruptions: 0,
            customer_minutes: 0.0,
            duration_total_min: 0.0,
            duration_mean_min: 0.0,
            duration_max_min: 0.0,
            energy_kwh: 0.0,
        })
        .collect();
    for row in 0..table.len() {
        let s = table.start_ms[row];
        if s < lo || s >= hi {
            continue;
        }
        let g = stat_group(table, key, row, off, first_month);
        let Some(x) = rows.get_mut(g) else { continue };
        let d_ms = table.duration_ms(row);
        let d = d_ms as f64 / 60_000.0;
        x.outages += 1;
        if d_ms as f64 <= mom {
            x.momentary += 1;
        } else {
            x.sustained += 1;
            x.customer_interruptions += table.customers[row];
            x.customer_minutes += d * table.customers[row] as f64;
        }
        x.duration_total_min += d;
        x.duration_max_min = x.duration_max_min.max(d);
        x.energy_kwh += table.load_kw[row] * d / 60.0;
    }
    for x in &mut rows {
        if x.outages > 0 {
            x.duration_mean_min = x.duration_total_min / x.outages as f64;
        }
    }
    Ok(rows)
}

fn month_index(ms: i64) -> i64 {
    DateTime::from_timestamp_millis(ms)
        .map_or(0, |d| i64::from(d.year()) * 12 + i64::from(d.month0()))
}

fn stat_keys(table: &OutageTable, period: &Period, key: StatKey, off: i64) -> (Vec<String>, i64) {
    let grouped = |g| groups(table, g).keys;
    match key {
        StatKey::Feeder => (grouped(Grouping::Feeder), 0),
        StatKey::Substation => (grouped(Grouping::Substation), 0),
        StatKey::Cause => (grouped(Grouping::Cause), 0),
        StatKey::Planned => (grouped(Grouping::Planned), 0),
        StatKey::Device => (table.devices.clone(), 0),
        StatKey::HourOfDay => ((0..24).map(|h| format!("{h:02}")).collect(), 0),
        StatKey::Month => {
            let (lo, hi) = period.ms();
            let first = month_index(lo + off);
            let last = month_index(hi - 1 + off);
            let keys = (first..=last)
                .map(|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
                .collect();
            (keys, first)
        }
    }
}

fn stat_group(table: &OutageTable, key: StatKey, row: usize, off: i64, first_month: i64) -> usize {
    let s = table.start_ms[row] + off;
    match key {
        StatKey::Feeder => group_of(table, Grouping::Feeder, row),
        StatKey::Substation => group_of(table, Grouping::Substation, row),
        StatKey::Cause => group_of(table, Grouping::Cause, row),
        StatKey::Planned => group_of(table, Grouping::Planned, row),
        StatKey::Device => table.device[row] as usize,
        StatKey::HourOfDay => (s.rem_euclid(86_400_000) / 3_600_000) as usize,
        StatKey::Month => usize::try_from(month_index(s) - first_month).unwrap_or(usize::MAX),
    }
}

/// What "worst" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorstBy {
    /// Most customer-minutes (the group's contribution to SAIDI).
    CustomerMinutes,
    /// Most customer interruptions (contribution to SAIFI).
    CustomerInterruptions,
    /// Most outages.
    Outages,
    /// Most energy not supplied.
    EnergyKwh,
}

/// The `n` worst groups of `key` (usually feeders or devices) by `by`, worst first (ties by
/// key); groups without outages are left out.
///
/// # Errors
/// As [`frequency_duration`].
pub fn worst(
    table: &OutageTable,
    period: &Period,
    key: StatKey,
    by: WorstBy,
    n: usize,
    options: &IndexOptions,
) -> Result<Vec<FreqDur>, ReliabilityError> {
    let mut rows = frequency_duration(table, period, key, options)?;
    rows.retain(|r| r.outages > 0);
    let metric = |r: &FreqDur| match by {
        WorstBy::CustomerMinutes => r.customer_minutes,
        WorstBy::CustomerInterruptions => r.customer_interruptions as f64,
        WorstBy::Outages => r.outages as f64,
        WorstBy::EnergyKwh => r.energy_kwh,
    };
    rows.sort_by(|a, b| {
        metric(b)
            .total_cmp(&metric(a))
            .then_with(|| a.key.cmp(&b.key))
    });
    rows.truncate(n);
    Ok(rows)
}

/// A span between two stage timestamps, e.g. report → dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpan {
    /// The earlier stage.
    pub from: StageTime,
    /// The later stage.
    pub to: StageTime,
}

impl StageSpan {
    /// The spans reported by default: report → dispatch, dispatch → arrival, arrival →
    /// location, location → restoration, arrival → restoration and report → restoration.
    pub const DEFAULT: [Self; 6] = [
        Self::new(StageTime::Reported, StageTime::Dispatched),
        Self::new(StageTime::Dispatched, StageTime::Arrived),
        Self::new(StageTime::Arrived, StageTime::Located),
        Self::new(StageTime::Located, StageTime::Restored),
        Self::new(StageTime::Arrived, StageTime::Restored),
        Self::new(StageTime::Reported, StageTime::Restored),
    ];

    /// A span.
    #[must_use]
    pub const fn new(from: StageTime, to: StageTime) -> Self {
        Self { from, to }
    }
}

/// The durations of one stage span over the records that have both timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageStats {
    /// The span.
    pub span: StageSpan,
    /// Records with both timestamps.
    pub count: usize,
    /// Mean, minutes (`None` without records).
    pub mean_min: Option<f64>,
    /// Shortest, minutes.
    pub min_min: Option<f64>,
    /// Longest, minutes.
    pub max_min: Option<f64>,
    /// `(p, value)` for each requested percentile *p* ∈ [0, 100], minutes.
    pub percentiles_min: Vec<(f64, f64)>,
}

/// The percentile `p` (0–100) of sorted values by linear interpolation between closest ranks:
/// h = (n − 1)·p/100, x = v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]) (Hyndman–Fan type 7, the
/// default of numpy and R). `None` for an empty slice.
#[must_use]
pub fn percentile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * (p / 100.0).clamp(0.0, 1.0);
    let i = h.floor() as usize;
    let lo = sorted[i.min(n - 1)];
    let hi = sorted[(i + 1).min(n - 1)];
    Some(lo + (h - i as f64) * (hi - lo))
}

/// Stage durations over `period` (records that began in it and have both timestamps of a
/// span), with the percentiles `percentiles` (0–100; e.g. `[50.0, 90.0, 95.0]`) by
/// [`percentile_sorted`].
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for a percentile outside [0, 100].
pub fn stage_durations(
    table: &OutageTable,
    period: &Period,
    spans: &[StageSpan],
    percentiles: &[f64],
) -> Result<Vec<StageStats>, ReliabilityError> {
    if let Some(p) = percentiles.iter().find(|p| !(0.0..=100.0).contains(*p)) {
        return Err(ReliabilityError::InvalidOption {
            field: "percentiles",
            value: p.to_string(),
            reason: "percentiles lie in [0, 100]",
        });
    }
    let (lo, hi) = period.ms();
    let mut out = Vec::with_capacity(spans.len());
    let mut v: Vec<f64> = Vec::new();
    for &span in spans {
        v.clear();
        let (a, b) = (
            &table.stages[span.from as usize],
            &table.stages[span.to as usize],
        );
        for row in 0..table.len() {
            let s = table.start_ms[row];
            if s < lo || s >= hi || a[row] == NO_TIME || b[row] == NO_TIME {
                continue;
            }
            v.push((b[row] - a[row]) as f64 / 60_000.0);
        }
        v.sort_unstable_by(f64::total_cmp);
        let count = v.len();
        out.push(StageStats {
            span,
            count,
            mean_min: (count > 0).then(|| v.iter().sum::<f64>() / count as f64),
            min_min: v.first().copied(),
            max_min: v.last().copied(),
            percentiles_min: percentiles
                .iter()
                .filter_map(|&p| percentile_sorted(&v, p).map(|x| (p, x)))
                .collect(),
        });
    }
    Ok(out)
}

/// Lost energy sales of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostSales {
    /// Outages counted.
    pub outages: u64,
    /// Energy not supplied, kWh (Σ load_kw × duration in hours, every outage).
    pub energy_kwh: f64,
    /// The price applied, yuan/kWh.
    pub price_yuan_per_kwh: Decimal,
    /// Sales lost, yuan.
    pub sales_yuan: Decimal,
}

/// Lost energy sales over `period`: energy not supplied (Σ interrupted load_kw × duration in
/// hours, over every outage that began in the period, momentary ones included), times an
/// average price.
///
/// Rounding, the one documented step: the energy is rounded to 0.001 kWh when it becomes a
/// `Decimal`, the product with the price is rounded to 0.01 yuan, half away from zero.
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for a negative price.
pub fn lost_sales(
    table: &OutageTable,
    period: &Period,
    price_yuan_per_kwh: Decimal,
) -> Result<LostSales, ReliabilityError> {
    if price_yuan_per_kwh.is_sign_negative() && !price_yuan_per_kwh.is_zero() {
        return Err(ReliabilityError::InvalidOption {
            field: "price_yuan_per_kwh",
            value: price_yuan_per_kwh.to_string(),
            reason: "a price is zero or more",
        });
    }
    let (lo, hi) = period.ms();
    let mut outages = 0;
    let mut energy_kwh = 0.0;
    for row in 0..table.len() {
        let s = table.start_ms[row];
        if s < lo || s >= hi {
            continue;
        }
        outages += 1;
        energy_kwh += table.load_kw[row] * table.duration_ms(row) as f64 / 3_600_000.0;
    }
    let energy = Decimal::from_f64_retain(energy_kwh)
        .unwrap_or_default()
        .round_dp_with_strategy(3, RoundingStrategy::MidpointAwayFromZero);
    let sales_yuan = (energy * price_yuan_per_kwh)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    Ok(LostSales {
        outages,
        energy_kwh,
        price_yuan_per_kwh,
        sales_yuan,
    })
}
