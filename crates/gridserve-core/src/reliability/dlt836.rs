//! Reliability indices under the names of DL/T 836 (供电可靠性评价规程), in hours as the
//! Chinese reports give them.
//!
//! | name | definition | tag |
//! |---|---|---|
//! | AIHC-1 用户平均停电时间 | Σ(每次停电持续时间 × 每次停电用户数) / 总用户数, h/户 | \[S\] |
//! | AITC-1 用户平均停电次数 | Σ(每次停电用户数) / 总用户数, 次/户 | \[S\] |
//! | RS-1 供电可靠率 | (1 − AIHC-1 / 统计期间时间) × 100 % | \[S\] |
//! | RS-2 | RS-1 without the interruptions of external influence (外部影响) | \[M\] |
//! | RS-3 | RS-1 without the interruptions for system supply shortage (系统电源不足限电) | \[M\] |
//!
//! Caveats kept from the reference:
//!
//! - These are the DL/T 836-2012 names. DL/T 836.1-2016 extends the evaluation to low-voltage
//!   customers and is said to rename the indices after IEEE (SAIDI-1, SAIFI-1, ASAI-1, …) \[M\];
//!   check its 附录C against the names before publishing them.
//! - The classification of RS-2 and RS-3 is by cause here: the cause texts that mean external
//!   influence and supply shortage are options ([`DltOptions`]), defaulting to the Chinese
//!   category names.
//! - Which interruptions DL/T 836 counts (its short-interruption threshold) was not verified;
//!   the momentary threshold of the [`IndexOptions`] applies (5 minutes by default), so these
//!   figures count the same sustained interruptions as SAIFI and SAIDI.
//! - IEEE 1366 defines no energy index; lost energy is in [`stats`](super::stats).

use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;
use super::indices::{Grouping, IndexOptions, Period, compute};
use super::table::OutageTable;

/// Which causes RS-2 and RS-3 leave out. Serde data with defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DltOptions {
    /// Causes of external influence (外部影响), left out of RS-2 and AIHC-2.
    pub external_causes: Vec<String>,
    /// Causes of system supply shortage (系统电源不足限电), left out of RS-3 and AIHC-3.
    pub supply_shortage_causes: Vec<String>,
}

impl Default for DltOptions {
    fn default() -> Self {
        Self {
            external_causes: vec!["外部影响".into()],
            supply_shortage_causes: vec!["系统电源不足限电".into()],
        }
    }
}

/// DL/T 836 indices of the whole system over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DltIndices {
    /// 总用户数.
    pub customers: u64,
    /// 统计期间时间, hours.
    pub period_hours: f64,
    /// AIHC-1 用户平均停电时间, h/户.
    pub aihc1_h: f64,
    /// AITC-1 用户平均停电次数, 次/户.
    pub aitc1: f64,
    /// RS-1 供电可靠率, %.
    pub rs1_pct: f64,
    /// AIHC-2: without external influence, h/户.
    pub aihc2_h: f64,
    /// RS-2, %.
    pub rs2_pct: f64,
    /// AIHC-3: without system supply shortage, h/户.
    pub aihc3_h: f64,
    /// RS-3, %.
    pub rs3_pct: f64,
    /// The part of AIHC-1 from planned outages (计划停电), h/户.
    pub aihc_planned_h: f64,
    /// The part of AIHC-1 from faults (故障停电), h/户.
    pub aihc_fault_h: f64,
    /// The part of AITC-1 from planned outages, 次/户.
    pub aitc_planned: f64,
    /// The part of AITC-1 from faults, 次/户.
    pub aitc_fault: f64,
}

/// Computes the DL/T 836 indices of the system over `period`.
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for index options out of range.
pub fn dlt836_indices(
    table: &OutageTable,
    period: &Period,
    options: &IndexOptions,
    dlt: &DltOptions,
) -> Result<DltIndices, ReliabilityError> {
    let flags = |names: &[String]| -> Vec<bool> {
        table.causes.iter().map(|c| names.contains(c)).collect()
    };
    let external = flags(&dlt.external_causes);
    let shortage = flags(&dlt.supply_shortage_causes);
    let saidi_h = |keep: &dyn Fn(usize) -> bool| -> Result<(f64, f64), ReliabilityError> {
        let v = compute(table, period, Grouping::System, options, keep)?;
        Ok(v.first().map_or((0.0, 0.0), |g| {
            (g.indices.saidi_min / 60.0, g.indices.saifi)
        }))
    };
    let (aihc1, aitc1) = saidi_h(&|_| true)?;
    let (aihc2, _) = saidi_h(&|r| !external[table.cause[r] as usize])?;
    let (aihc3, _) = saidi_h(&|r| !shortage[table.cause[r] as usize])?;
    let split = compute(table, period, Grouping::Planned, options, |_| true)?;
    let part = |k: usize| {
        split.get(k).map_or((0.0, 0.0), |g| {
            (g.indices.saidi_min / 60.0, g.indices.saifi)
        })
    };
    let (aihc_fault, aitc_fault) = part(0);
    let (aihc_planned, aitc_planned) = part(1);
    let hours = period.hours();
    let rs = |aihc: f64| (1.0 - aihc / hours) * 100.0;
    Ok(DltIndices {
        customers: table.base.customers(),
        period_hours: hours,
        aihc1_h: aihc1,
        aitc1,
        rs1_pct: rs(aihc1),
        aihc2_h: aihc2,
        rs2_pct: rs(aihc2),
        aihc3_h: aihc3,
        rs3_pct: rs(aihc3),
        aihc_planned_h: aihc_planned,
        aihc_fault_h: aihc_fault,
        aitc_planned,
        aitc_fault,
    })
}
