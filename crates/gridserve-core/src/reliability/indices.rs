//! IEEE Std 1366 indices over a period and a grouping.
//!
//! Symbols (IEEE 1366): Nᵢ customers interrupted by sustained interruption *i*, rᵢ its duration,
//! Nₜ customers served, CN distinct customers with at least one sustained interruption, Lᵢ kVA
//! interrupted, Lₜ kVA served, IMᵢ device operations of momentary event *i*, Nₘᵢ customers it
//! interrupted, N_H the period's hours. Confidence tags: **\[V\]** verified in a cited source,
//! **\[S\]** secondary sources agree, **\[M\]** from the standard's text as commonly quoted but not
//! verified against it.
//!
//! | index | formula | tag |
//! |---|---|---|
//! | SAIFI | ΣNᵢ / Nₜ | \[V\] (IEC IEV 692-08-01; GridLAB-D `power_metrics.cpp`) |
//! | SAIDI | ΣrᵢNᵢ / Nₜ, minutes | \[V\] (GridLAB-D `calc_SAIDI`) |
//! | CAIDI | ΣrᵢNᵢ / ΣNᵢ = SAIDI / SAIFI, minutes | \[V\] (IEC IEV 692-08-05) |
//! | CAIFI | ΣNᵢ / CN | \[V\] (IEC IEV 692-08-02: each customer counted once) |
//! | CTAIDI | ΣrᵢNᵢ / CN, minutes | \[V\] |
//! | ASAI | (Nₜ·N_H − ΣrᵢNᵢ/60) / (Nₜ·N_H), N_H = the period's real hours (8784 in a leap year) | \[V\] formula, \[M\] real hours |
//! | ASIFI | ΣLᵢ / Lₜ | \[M\] |
//! | ASIDI | ΣrᵢLᵢ / Lₜ, minutes | \[M\] |
//! | MAIFI | Σ IMᵢ·Nₘᵢ / Nₜ | \[S\] |
//! | MAIFIₑ | Σ Nₘᵢ / Nₜ (one per momentary event) | \[M\] |
//! | CEMIₙ | customers with more than *n* sustained interruptions / Nₜ | \[M\] |
//! | CEMSMIₙ | customers with more than *n* sustained interruptions and momentary events / Nₜ | \[M\] |
//! | CELID-s | customers with a single sustained interruption of at least *s* / Nₜ | \[M\] |
//! | CELID-t | customers whose sustained interruptions total at least *t* / Nₜ | \[M\] |
//!
//! Rules:
//!
//! - An interruption lasting [`IndexOptions::momentary_max_min`] (5 minutes) **or less** is
//!   momentary; longer is sustained (IEEE 1366 \[M\]; GridLAB-D counts exactly 300 s in neither
//!   bucket, here it is momentary).
//! - A record belongs to the period (and, for daily figures, to the day) in which it **began**,
//!   even if it ends after it; its whole duration counts there (IEEE 1366 MED definition \[M\];
//!   Christie's white paper \[V\]).
//! - One record is one momentary *event* with [`OutageRecord::operations`](super::OutageRecord)
//!   device operations: MAIFI weighs it by the operations, MAIFIₑ counts it once. Log the
//!   recloses of one event (all within 5 minutes of the first) as one record.
//! - Where the standard is ambiguous the choice is an option with a documented default:
//!   "more than" *n* for CEMIₙ/CEMSMIₙ ([`CountRule`]), "at least" for CELID
//!   ([`DurationRule`]).
//! - Grouping by feeder or substation uses that group's Nₜ and Lₜ; grouping by cause or by
//!   planned/unplanned uses the system's, so those groups are contributions that add up to the
//!   system index (for additive indices: SAIFI, SAIDI, ASIFI, ASIDI, MAIFI, MAIFIₑ).

use chrono::{DateTime, Datelike, FixedOffset, TimeZone};
use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;
use super::table::OutageTable;

/// A period of time, `[start, end)`. A record belongs to it if it **began** in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The first instant.
    pub start: DateTime<FixedOffset>,
    /// The first instant after the period.
    pub end: DateTime<FixedOffset>,
}

impl Period {
    /// A period from `start` to `end`.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidPeriod`] unless `start < end`.
    pub fn new(
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> Result<Self, ReliabilityError> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(ReliabilityError::InvalidPeriod {
                start: start.to_rfc3339(),
                end: end.to_rfc3339(),
            })
        }
    }

    /// The calendar year `year` in `zone` (8,760 hours, or 8,784 in a leap year).
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidPeriod`] for a year chrono cannot represent.
    pub fn year(year: i32, zone: FixedOffset) -> Result<Self, ReliabilityError> {
        Self::years(year, 1, zone)
    }

    /// `count` calendar years from 1 January of `first` in `zone`.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidPeriod`] for years chrono cannot represent or `count` = 0.
    pub fn years(first: i32, count: u32, zone: FixedOffset) -> Result<Self, ReliabilityError> {
        let bad = || ReliabilityError::InvalidPeriod {
            start: format!("{first}-01-01"),
            end: format!("+{count} years"),
        };
        let last = i32::try_from(count)
            .ok()
            .and_then(|c| first.checked_add(c))
            .ok_or_else(bad)?;
        let start = zone
            .with_ymd_and_hms(first, 1, 1, 0, 0, 0)
            .single()
            .ok_or_else(bad)?;
        let end = zone
            .with_ymd_and_hms(last, 1, 1, 0, 0, 0)
            .single()
            .ok_or_else(bad)?;
        Self::new(start, end)
    }

    /// The month `month` (1–12) of `year` in `zone`.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidPeriod`] for a month out of range.
    pub fn month(year: i32, month: u32, zone: FixedOffset) -> Result<Self, ReliabilityError> {
        let bad = || ReliabilityError::InvalidPeriod {
            start: format!("{year}-{month:02}"),
            end: "+1 month".into(),
        };
        let start = zone
            .with_ymd_and_hms(year, month, 1, 0, 0, 0)
            .single()
            .ok_or_else(bad)?;
        let (ny, nm) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        let end = zone
            .with_ymd_and_hms(ny, nm, 1, 0, 0, 0)
            .single()
            .ok_or_else(bad)?;
        Self::new(start, end)
    }

    /// The period's length in hours (N_H), from its real length.
    #[must_use]
    pub fn hours(&self) -> f64 {
        (self.end - self.start).num_milliseconds() as f64 / 3_600_000.0
    }

    pub(crate) fn ms(&self) -> (i64, i64) {
        (self.start.timestamp_millis(), self.end.timestamp_millis())
    }

    /// The year of the start, for messages.
    #[must_use]
    pub fn start_year(&self) -> i32 {
        self.start.year()
    }
}

/// How CEMIₙ and CEMSMIₙ compare a customer's count with *n*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountRule {
    /// More than *n* (IEEE 1366 as commonly quoted \[M\]; the default).
    #[default]
    MoreThan,
    /// *n* or more (as some utilities report, e.g. "3 or more interruptions").
    AtLeast,
}

impl CountRule {
    fn holds(self, k: u32, n: u32) -> bool {
        match self {
            Self::MoreThan => k > n,
            Self::AtLeast => k >= n,
        }
    }
}

/// How CELID compares a duration with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationRule {
    /// At least the threshold (the default \[M\]; e.g. "7 hours or more").
    #[default]
    AtLeast,
    /// Strictly longer than the threshold.
    MoreThan,
}

impl DurationRule {
    fn holds(self, d: f64, t: f64) -> bool {
        match self {
            Self::AtLeast => d >= t,
            Self::MoreThan => d > t,
        }
    }
}

/// The choices behind the indices. Serde data; every field has a documented default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexOptions {
    /// An interruption lasting this many minutes or less is momentary (default 5, IEEE 1366;
    /// EN 50160 uses 3, some utilities 1).
    pub momentary_max_min: f64,
    /// The offset from UTC, in minutes, of the zone in which days, months and hours of day are
    /// counted (default 480, China Standard Time).
    pub utc_offset_min: i32,
    /// The *n* of CEMIₙ to report (default 1, 2, 3).
    pub cemi_n: Vec<u32>,
    /// The *n* of CEMSMIₙ to report (default 1, 2, 3).
    pub cemsmi_n: Vec<u32>,
    /// How CEMIₙ and CEMSMIₙ compare (default: more than *n*).
    pub cemi_rule: CountRule,
    /// The thresholds of CELID-s, minutes (default 420, the "7 hours or more" of a utility
    /// dashboard; IEEE 1366 sets no value).
    pub celid_single_min: Vec<f64>,
    /// The thresholds of CELID-t, minutes (default 420).
    pub celid_total_min: Vec<f64>,
    /// How CELID compares (default: at least the threshold).
    pub celid_rule: DurationRule,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            momentary_max_min: 5.0,
            utc_offset_min: 480,
            cemi_n: vec![1, 2, 3],
            cemsmi_n: vec![1, 2, 3],
            cemi_rule: CountRule::MoreThan,
            celid_single_min: vec![420.0],
            celid_total_min: vec![420.0],
            celid_rule: DurationRule::AtLeast,
        }
    }
}

impl IndexOptions {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidOption`] for a negative or non-finite threshold or an offset
    /// beyond ±24 hours.
    pub fn check(&self) -> Result<(), ReliabilityError> {
        let bad = |field, value: String, reason| {
            Err(ReliabilityError::InvalidOption {
                field,
                value,
                reason,
            })
        };
        if !(self.momentary_max_min.is_finite() && self.momentary_max_min >= 0.0) {
            return bad(
                "momentary_max_min",
                self.momentary_max_min.to_string(),
                "must be a finite number of minutes, zero or more",
            );
        }
        if self.utc_offset_min.unsigned_abs() >= 24 * 60 {
            return bad(
                "utc_offset_min",
                self.utc_offset_min.to_string(),
                "must lie within ±1439 minutes",
            );
        }
        for (field, v) in [
            ("celid_single_min", &self.celid_single_min),
            ("celid_total_min", &self.celid_total_min),
        ] {
            if let Some(t) = v.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
                return bad(
                    field,
                    t.to_string(),
                    "thresholds must be finite, zero or more",
                );
            }
        }
        Ok(())
    }

    pub(crate) fn momentary_max_ms(&self) -> f64 {
        self.momentary_max_min * 60_000.0
    }

    pub(crate) fn offset_ms(&self) -> i64 {
        i64::from(self.utc_offset_min) * 60_000
    }

    /// The zone of [`IndexOptions::utc_offset_min`].
    #[must_use]
    pub fn zone(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_min * 60).unwrap_or(super::CHINA_STANDARD_TIME)
    }
}

/// How records are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One group: the whole system (key `system`).
    System,
    /// By feeder: every feeder of the service base, with its own Nₜ and Lₜ.
    Feeder,
    /// By substation: every substation of the service base, with the sum of its feeders.
    Substation,
    /// By cause, with the system's Nₜ (contributions to the system index).
    Cause,
    /// Planned and unplanned (keys `planned`, `unplanned`), with the system's Nₜ.
    Planned,
}

/// CEMIₙ or CEMSMIₙ for one *n*.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountIndex {
    /// *n*.
    pub n: u32,
    /// Customers meeting the rule.
    pub customers: u64,
    /// Their share of Nₜ.
    pub value: f64,
}

/// CELID-s or CELID-t for one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DurationIndex {
    /// The threshold, minutes.
    pub threshold_min: f64,
    /// Customers meeting the rule.
    pub customers: u64,
    /// Their share of Nₜ.
    pub value: f64,
}

/// The indices that count distinct customers; they need every record's customer list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerIndices {
    /// CN: distinct customers with at least one sustained interruption.
    pub customers_interrupted: u64,
    /// Distinct customers with at least one momentary event.
    pub customers_momentary: u64,
    /// CAIFI = ΣNᵢ / CN (`None` if CN = 0).
    pub caifi: Option<f64>,
    /// CTAIDI = ΣrᵢNᵢ / CN, minutes (`None` if CN = 0).
    pub ctaidi_min: Option<f64>,
    /// CEMIₙ for each requested *n*.
    pub cemi: Vec<CountIndex>,
    /// CEMSMIₙ for each requested *n*.
    pub cemsmi: Vec<CountIndex>,
    /// CELID-s for each requested threshold.
    pub celid_single: Vec<DurationIndex>,
    /// CELID-t for each requested threshold.
    pub celid_total: Vec<DurationIndex>,
}

/// The IEEE 1366 indices of one group over one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indices {
    /// Nₜ.
    pub customers_served: u64,
    /// Lₜ, kVA.
    pub load_served_kva: f64,
    /// N_H: the period's hours.
    pub period_hours: f64,
    /// Sustained interruptions (records).
    pub sustained_interruptions: u64,
    /// Momentary events (records).
    pub momentary_events: u64,
    /// CI = ΣNᵢ over sustained interruptions.
    pub customer_interruptions: u64,
    /// CMI = ΣrᵢNᵢ, customer-minutes.
    pub customer_minutes: f64,
    /// ΣLᵢ, kVA.
    pub kva_interrupted: f64,
    /// ΣrᵢLᵢ, kVA-minutes.
    pub kva_minutes: f64,
    /// SAIFI (0 when Nₜ = 0).
    pub saifi: f64,
    /// SAIDI, minutes.
    pub saidi_min: f64,
    /// CAIDI, minutes (`None` without sustained interruptions).
    pub caidi_min: Option<f64>,
    /// ASAI, a fraction.
    pub asai: f64,
    /// ASIFI (`None` when Lₜ is unknown, i.e. 0).
    pub asifi: Option<f64>,
    /// ASIDI, minutes (`None` when Lₜ is unknown).
    pub asidi_min: Option<f64>,
    /// MAIFI.
    pub maifi: f64,
    /// MAIFIₑ.
    pub maifi_e: f64,
    /// The per-customer indices, if every record of the group lists its customers.
    pub customer: Option<CustomerIndices>,
    /// The first record of the group that gives only a count (why `customer` is `None`).
    pub count_only_record: Option<String>,
}

impl Indices {
    /// The per-customer indices (CAIFI, CTAIDI, CEMIₙ, CEMSMIₙ, CELID).
    ///
    /// # Errors
    /// [`ReliabilityError::NeedsCustomerLists`] naming the first record that gives only a
    /// count.
    pub fn customer_indices(&self) -> Result<&CustomerIndices, ReliabilityError> {
        self.customer
            .as_ref()
            .ok_or_else(|| ReliabilityError::NeedsCustomerLists {
                index: "CAIFI, CTAIDI, CEMIn, CEMSMIn and CELID",
                record: self.count_only_record.clone().unwrap_or_default(),
            })
    }
}

/// The indices of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupIndices {
    /// The group's key (feeder, substation, cause, `planned`/`unplanned`, or `system`).
    pub key: String,
    /// Its indices.
    pub indices: Indices,
}

#[derive(Default, Clone)]
struct Acc {
    sustained: u64,
    momentary: u64,
    ci: u64,
    cmi: f64,
    kva: f64,
    kva_min: f64,
    mom_ops_n: f64,
    mom_n: f64,
}

/// The indices of the whole system over `period`.
///
/// ```
/// # use gridserve_core::reliability::*;
/// # use chrono::TimeZone;
/// let base = ServiceBase::new(vec![FeederService {
///     feeder: "F1".into(), substation: "S1".into(), customers: 1000, load_kva: 5000.0,
/// }])?;
/// let t = |d, h| CHINA_STANDARD_TIME.with_ymd_and_hms(2023, 5, d, h, 0, 0).unwrap();
/// let outage = OutageRecord::new("O1", t(1, 8), t(1, 10), "F1", CustomersInterrupted::Count(300));
/// let table = OutageTable::new(&[outage], base)?;
/// let x = system_indices(&table, &Period::year(2023, CHINA_STANDARD_TIME)?, &IndexOptions::default())?;
/// assert!((x.saifi - 0.3).abs() < 1e-12);      // 300 / 1000
/// assert!((x.saidi_min - 36.0).abs() < 1e-12); // 120 min × 300 / 1000
/// # Ok::<(), ReliabilityError>(())
/// ```
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for options out of range.
pub fn system_indices(
    table: &OutageTable,
    period: &Period,
    options: &IndexOptions,
) -> Result<Indices, ReliabilityError> {
    let mut v = indices(table, period, Grouping::System, options)?;
    Ok(v.pop().map(|g| g.indices).unwrap_or_else(unreachable_group))
}

fn unreachable_group() -> Indices {
    // `Grouping::System` always yields one group; an empty default keeps this total.
    Indices {
        customers_served: 0,
        load_served_kva: 0.0,
        period_hours: 0.0,
        sustained_interruptions: 0,
        momentary_events: 0,
        customer_interruptions: 0,
        customer_minutes: 0.0,
        kva_interrupted: 0.0,
        kva_minutes: 0.0,
        saifi: 0.0,
        saidi_min: 0.0,
        caidi_min: None,
        asai: 1.0,
        asifi: None,
        asidi_min: None,
        maifi: 0.0,
        maifi_e: 0.0,
        customer: None,
        count_only_record: None,
    }
}

/// The indices of every group of `grouping` over `period` (records that began in it).
///
/// Feeder and substation groupings list every feeder (substation) of the service base, in its
/// order; cause groups are the causes of the table, in order of first appearance; the planned
/// grouping gives `unplanned` then `planned`.
///
/// # Errors
/// [`ReliabilityError::InvalidOption`] for options out of range.
pub fn indices(
    table: &OutageTable,
    period: &Period,
    grouping: Grouping,
    options: &IndexOptions,
) -> Result<Vec<GroupIndices>, ReliabilityError> {
    compute(table, period, grouping, options, |_| true)
}

/// Group id of a row, the number of groups, their keys and served totals.
pub(crate) struct Groups {
    pub(crate) keys: Vec<String>,
    pub(crate) customers: Vec<u64>,
    pub(crate) load_kva: Vec<f64>,
}

pub(crate) fn groups(table: &OutageTable, grouping: Grouping) -> Groups {
    let base = &table.base;
    let (nt, lt) = (base.customers(), base.load_kva());
    match grouping {
        Grouping::System => Groups {
            keys: vec!["system".into()],
            customers: vec![nt],
            load_kva: vec![lt],
        },
        Grouping::Feeder => Groups {
            keys: base.feeders().iter().map(|f| f.feeder.clone()).collect(),
            customers: base.feeders().iter().map(|f| f.customers).collect(),
            load_kva: base.feeders().iter().map(|f| f.load_kva).collect(),
        },
        Grouping::Substation => {
            let n = base.substations().len();
            let mut customers = vec![0; n];
            let mut load_kva = vec![0.0; n];
            for (i, f) in base.feeders().iter().enumerate() {
                let s = base.substation_of(i as u32) as usize;
                customers[s] += f.customers;
                load_kva[s] += f.load_kva;
            }
            Groups {
                keys: base.substations().to_vec(),
                customers,
                load_kva,
            }
        }
        Grouping::Cause => {
            let n = table.causes.len();
            Groups {
                keys: table.causes.clone(),
                customers: vec![nt; n],
                load_kva: vec![lt; n],
            }
        }
        Grouping::Planned => Groups {
            keys: vec!["unplanned".into(), "planned".into()],
            customers: vec![nt; 2],
            load_kva: vec![lt; 2],
        },
    }
}

pub(crate) fn group_of(table: &OutageTable, grouping: Grouping, row: usize) -> usize {
    match grouping {
        Grouping::System => 0,
        Grouping::Feeder => table.feeder[row] as usize,
        Grouping::Substation => table.base.substation_of(table.feeder[row]) as usize,
        Grouping::Cause => table.cause[row] as usize,
        Grouping::Planned => usize::from(table.planned[row]),
    }
}

fn ratio(x: f64, d: f64) -> f64 {
    if d > 0.0 { x / d } else { 0.0 }
}

fn some_ratio(x: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| x / d)
}

/// The engine: indices of every group over the rows that began in `period` and pass `keep`.
#[allow(clippy::too_many_lines)]
pub(crate) fn compute(
    table: &OutageTable,
    period: &Period,
    grouping: Grouping,
    options: &IndexOptions,
    keep: impl Fn(usize) -> bool,
) -> Result<Vec<GroupIndices>, ReliabilityError> {
    options.check()?;
    let (lo, hi) = period.ms();
    let mom_ms = options.momentary_max_ms();
    let g = groups(table, grouping);
    let ng = g.keys.len();
    let n = table.len();

    // Rows of the period, bucketed by group (counting sort), with the sums on the way.
    let mut acc = vec![Acc::default(); ng];
    let mut count_only: Vec<Option<usize>> = vec![None; ng];
    let mut bucket_len = vec![0usize; ng + 1];
    let mut selected: Vec<u32> = Vec::new();
    for row in 0..n {
        let s = table.start_ms[row];
        if s < lo || s >= hi || !keep(row) {
            continue;
        }
        let gi = group_of(table, grouping, row);
        selected.push(row as u32);
        bucket_len[gi + 1] += 1;
        if !table.has_list[row] && count_only[gi].is_none() {
            count_only[gi] = Some(row);
        }
        let a = &mut acc[gi];
        let d_ms = table.duration_ms(row);
        let ni = table.customers[row];
        if d_ms as f64 <= mom_ms {
            a.momentary += 1;
            a.mom_n += ni as f64;
            a.mom_ops_n += f64::from(table.operations[row]) * ni as f64;
        } else {
            let r = d_ms as f64 / 60_000.0;
            a.sustained += 1;
            a.ci += ni;
            a.cmi += r * ni as f64;
            a.kva += table.load_kva[row];
            a.kva_min += r * table.load_kva[row];
        }
    }
    for i in 0..ng {
        bucket_len[i + 1] += bucket_len[i];
    }
    let starts = bucket_len;
    let mut fill = starts.clone();
    let mut order = vec![0u32; selected.len()];
    for &row in &selected {
        let gi = group_of(table, grouping, row as usize);
        order[fill[gi]] = row;
        fill[gi] += 1;
    }
    drop(selected);

    // Per-customer pass, group by group; arrays are reset through the touched list.
    let nc = table.customer_numbers.len();
    let any_lists = (0..ng).any(|gi| count_only[gi].is_none() && starts[gi + 1] > starts[gi]);
    let (mut ks, mut km, mut tot, mut mx) = if any_lists {
        (
            vec![0u32; nc],
            vec![0u32; nc],
            vec![0f64; nc],
            vec![0f64; nc],
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new(), Vec::new())
    };
    let mut touched: Vec<u32> = Vec::new();
    let hours = period.hours();
    let mut out = Vec::with_capacity(ng);
    for gi in 0..ng {
        let a = &acc[gi];
        let nt = g.customers[gi];
        let ntf = nt as f64;
        let lt = g.load_kva[gi];
        let customer = if count_only[gi].is_some() {
            None
        } else {
            for &row in &order[starts[gi]..starts[gi + 1]] {
                let row = row as usize;
                let d_ms = table.duration_ms(row);
                let momentary = d_ms as f64 <= mom_ms;
                let r = d_ms as f64 / 60_000.0;
                for &c in table.list_of(row) {
                    let c = c as usize;
                    if ks[c] == 0 && km[c] == 0 {
                        touched.push(c as u32);
                    }
                    if momentary {
                        km[c] += 1;
                    } else {
                        ks[c] += 1;
                        tot[c] += r;
                        mx[c] = mx[c].max(r);
                    }
                }
            }
            let cn = touched.iter().filter(|&&c| ks[c as usize] > 0).count() as u64;
            let cm = touched.iter().filter(|&&c| km[c as usize] > 0).count() as u64;
            let count_index = |ns: &[u32], both: bool| -> Vec<CountIndex> {
                ns.iter()
                    .map(|&k| {
                        let customers = if !options.cemi_rule.holds(0, k) {
                            touched
                                .iter()
                                .filter(|&&c| {
                                    let c = c as usize;
                                    let x = if both { ks[c] + km[c] } else { ks[c] };
                                    options.cemi_rule.holds(x, k)
                                })
                                .count() as u64
                        } else {
                            // Every customer served meets "at least 0".
                            nt
                        };
                        CountIndex {
                            n: k,
                            customers,
                            value: ratio(customers as f64, ntf),
                        }
                    })
                    .collect()
            };
            let duration_index = |ts: &[f64], total: bool| -> Vec<DurationIndex> {
                ts.iter()
                    .map(|&t| {
                        let customers = touched
                            .iter()
                            .filter(|&&c| {
                                let c = c as usize;
                                ks[c] > 0
                                    && options
                                        .celid_rule
                                        .holds(if total { tot[c] } else { mx[c] }, t)
                            })
                            .count() as u64;
                        DurationIndex {
                            threshold_min: t,
                            customers,
                            value: ratio(customers as f64, ntf),
                        }
                    })
                    .collect()
            };
            let ci = CustomerIndices {
                customers_interrupted: cn,
                customers_momentary: cm,
                caifi: some_ratio(a.ci as f64, cn as f64),
                ctaidi_min: some_ratio(a.cmi, cn as f64),
                cemi: count_index(&options.cemi_n, false),
                cemsmi: count_index(&options.cemsmi_n, true),
                celid_single: duration_index(&options.celid_single_min, false),
                celid_total: duration_index(&options.celid_total_min, true),
            };
            for &c in &touched {
                let c = c as usize;
                ks[c] = 0;
                km[c] = 0;
                tot[c] = 0.0;
                mx[c] = 0.0;
            }
            touched.clear();
            Some(ci)
        };
        let saidi = ratio(a.cmi, ntf);
        out.push(GroupIndices {
            key: g.keys[gi].clone(),
            indices: Indices {
                customers_served: nt,
                load_served_kva: lt,
                period_hours: hours,
                sustained_interruptions: a.sustained,
                momentary_events: a.momentary,
                customer_interruptions: a.ci,
                customer_minutes: a.cmi,
                kva_interrupted: a.kva,
                kva_minutes: a.kva_min,
                saifi: ratio(a.ci as f64, ntf),
                saidi_min: saidi,
                caidi_min: some_ratio(a.cmi, a.ci as f64),
                asai: if nt > 0 && hours > 0.0 {
                    (ntf * hours - a.cmi / 60.0) / (ntf * hours)
                } else {
                    1.0
                },
                asifi: some_ratio(a.kva, lt),
                asidi_min: some_ratio(a.kva_min, lt),
                maifi: ratio(a.mom_ops_n, ntf),
                maifi_e: ratio(a.mom_n, ntf),
                customer,
                count_only_record: count_only[gi].map(|r| table.id_of(r)),
            },
        });
    }
    Ok(out)
}
