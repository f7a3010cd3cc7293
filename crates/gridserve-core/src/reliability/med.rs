//! Major event days by the 2.5β method of IEEE Std 1366 (annex B, "short version" \[V\]):
//!
//! 1. Take the daily SAIDI of the five most recent years (or as many as there are).
//! 2. Discard the days with SAIDI = 0.
//! 3. Take the natural logarithm of each value.
//! 4. α = their mean, β = their standard deviation.
//! 5. T_MED = exp(α + 2.5·β).
//! 6. Any day of the next year with SAIDI **>** T_MED is a major event day.
//!
//! The standard does not say whether β is the sample (n − 1) or the population (n) deviation;
//! [`StdDev`] chooses, with the sample deviation as the default (Excel's `STDEV`, as working-group
//! spreadsheets commonly use \[M\]). An interruption counts towards the day on which it began.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;
use super::indices::{Grouping, IndexOptions, Indices, Period, compute};
use super::table::OutageTable;

/// Which standard deviation β is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StdDev {
    /// The sample deviation, dividing by n − 1 (the default).
    #[default]
    Sample,
    /// The population deviation, dividing by n.
    Population,
}

/// The options of the major-event-day method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MedOptions {
    /// Which deviation β is (default: sample).
    pub std_dev: StdDev,
    /// The multiplier of β (default 2.5).
    pub beta_multiplier: f64,
}

impl Default for MedOptions {
    fn default() -> Self {
        Self {
            std_dev: StdDev::Sample,
            beta_multiplier: 2.5,
        }
    }
}

/// The threshold of major event days and what it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MedThreshold {
    /// α: the mean of ln(daily SAIDI) over the days above zero.
    pub alpha: f64,
    /// β: their standard deviation.
    pub beta: f64,
    /// T_MED = exp(α + k·β), minutes of SAIDI per day.
    pub t_med_min: f64,
    /// The days above zero used.
    pub days_used: usize,
    /// The days discarded for a SAIDI of zero.
    pub zero_days: usize,
}

impl MedThreshold {
    /// Computes the threshold from daily SAIDI values in minutes (zeros are discarded).
    ///
    /// ```
    /// use gridserve_core::reliability::{MedOptions, MedThreshold, StdDev};
    /// // Vector R2 of the reference: T_MED = 27.06438479 with the sample deviation.
    /// let daily = [0.0, 0.5, 1.0, 0.0, 2.0, 4.0, 8.0, 0.25, 3.0, 1.5, 0.0, 0.75, 6.0];
    /// let t = MedThreshold::from_daily_saidi(&daily, &MedOptions::default())?;
    /// assert!((t.t_med_min - 27.06438479).abs() < 1e-7);
    /// # Ok::<(), gridserve_core::reliability::ReliabilityError>(())
    /// ```
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidDailyValue`] for a negative or non-finite value,
    /// [`ReliabilityError::NotEnoughHistory`] with fewer than 2 days above zero (1 for the
    /// population deviation), [`ReliabilityError::InvalidOption`] for a non-finite multiplier.
    pub fn from_daily_saidi(
        daily_min: &[f64],
        options: &MedOptions,
    ) -> Result<Self, ReliabilityError> {
        if !options.beta_multiplier.is_finite() {
            return Err(ReliabilityError::InvalidOption {
                field: "beta_multiplier",
                value: options.beta_multiplier.to_string(),
                reason: "must be finite",
            });
        }
        let mut sum = 0.0;
        let mut n = 0usize;
        for (index, &v) in daily_min.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ReliabilityError::InvalidDailyValue { index, value: v });
            }
            if v > 0.0 {
                sum += v.ln();
                n += 1;
            }
        }
        let needed = match options.std_dev {
            StdDev::Sample => 2,
            StdDev::Population => 1,
        };
        if n < needed {
            return Err(ReliabilityError::NotEnoughHistory {
                nonzero_days: n,
                needed,
            });
        }
        let alpha = sum / n as f64;
        let ss: f64 = daily_min
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|&v| (v.ln() - alpha).powi(2))
            .sum();
        let div = match options.std_dev {
            StdDev::Sample => (n - 1) as f64,
            StdDev::Population => n as f64,
        };
        let beta = (ss / div).sqrt();
        Ok(Self {
            alpha,
            beta,
            t_med_min: (alpha + options.beta_multiplier * beta).exp(),
            days_used: n,
            zero_days: daily_min.len() - n,
        })
    }

    /// Whether a day with this SAIDI is a major event day (strictly above T_MED).
    #[must_use]
    pub fn is_major(&self, saidi_min: f64) -> bool {
        saidi_min > self.t_med_min
    }
}

/// The SAIDI of one day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DailySaidi {
    /// The day, in the zone of the options.
    pub date: NaiveDate,
    /// SAIDI of the sustained interruptions that began that day, minutes.
    pub saidi_min: f64,
}

/// The SAIDI of every day of `period` (days without interruptions included, with 0), over the
/// whole system: sustained interruptions, attributed to the day they began in the zone of
/// `options`.
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for options out of range.
pub fn daily_saidi(
    table: &OutageTable,
    period: &Period,
    options: &IndexOptions,
) -> Result<Vec<DailySaidi>, ReliabilityError> {
    options.check()?;
    let (lo, hi) = period.ms();
    let off = options.offset_ms();
    let day_of = |ms: i64| (ms + off).div_euclid(86_400_000);
    let first = day_of(lo);
    let last = day_of(hi - 1);
    let days = usize::try_from(last - first + 1).unwrap_or(0);
    let mut cmi = vec![0.0; days];
    let mom = options.momentary_max_ms();
    for row in 0..table.len() {
        let s = table.start_ms[row];
        if s < lo || s >= hi {
            continue;
        }
        let d = table.duration_ms(row);
        if d as f64 <= mom {
            continue;
        }
        let k = (day_of(s) - first) as usize;
        cmi[k] += d as f64 / 60_000.0 * table.customers[row] as f64;
    }
    let nt = table.base.customers() as f64;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    Ok(cmi
        .into_iter()
        .enumerate()
        .map(|(k, c)| DailySaidi {
            date: epoch + Duration::days(first + k as i64),
            saidi_min: if nt > 0.0 { c / nt } else { 0.0 },
        })
        .collect())
}

/// The outcome of the major-event-day method for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedAnalysis {
    /// The threshold, from the history.
    pub threshold: MedThreshold,
    /// The major event days of the period, with their SAIDI, in date order.
    pub major_event_days: Vec<DailySaidi>,
    /// The system indices over the period with every interruption.
    pub with_meds: Indices,
    /// The system indices over the period without the interruptions that began on a major
    /// event day.
    pub without_meds: Indices,
}

/// Finds the major event days of `period` with the threshold from the daily SAIDI of `history`
/// (normally the five years before `period`; see [`Period::years`]), and computes the system
/// indices with and without them.
///
/// # Errors
/// As [`MedThreshold::from_daily_saidi`] and [`daily_saidi`].
pub fn major_event_days(
    table: &OutageTable,
    history: &Period,
    period: &Period,
    options: &IndexOptions,
    med: &MedOptions,
) -> Result<MedAnalysis, ReliabilityError> {
    let hist: Vec<f64> = daily_saidi(table, history, options)?
        .into_iter()
        .map(|d| d.saidi_min)
        .collect();
    let threshold = MedThreshold::from_daily_saidi(&hist, med)?;
    let days = daily_saidi(table, period, options)?;
    let (lo, _) = period.ms();
    let off = options.offset_ms();
    let first = (lo + off).div_euclid(86_400_000);
    let major: Vec<bool> = days
        .iter()
        .map(|d| threshold.is_major(d.saidi_min))
        .collect();
    let major_event_days = days
        .iter()
        .zip(&major)
        .filter(|(_, m)| **m)
        .map(|(d, _)| *d)
        .collect();
    let pick = |v: Vec<super::indices::GroupIndices>| v.into_iter().next().map(|g| g.indices);
    let with_meds = pick(compute(table, period, Grouping::System, options, |_| true)?);
    let without_meds = pick(compute(table, period, Grouping::System, options, |row| {
        let k = (table.start_ms[row] + off).div_euclid(86_400_000) - first;
        usize::try_from(k)
            .ok()
            .and_then(|k| major.get(k))
            .is_none_or(|m| !m)
    })?);
    match (with_meds, without_meds) {
        (Some(with_meds), Some(without_meds)) => Ok(MedAnalysis {
            threshold,
            major_event_days,
            with_meds,
            without_meds,
        }),
        _ => Err(ReliabilityError::InvalidPeriod {
            start: period.start.to_rfc3339(),
            end: period.end.to_rfc3339(),
        }),
    }
}
