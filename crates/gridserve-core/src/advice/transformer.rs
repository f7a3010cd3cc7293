//! Rule (1) of the report: a distribution transformer's energy use, red / yellow / green.
//!
//! The rule follows the reference tariff notes §4 and the seed paper:
//!
//! * **red** — the series is on the phase-out lists (MIIT 《高耗能落后机电设备（产品）淘汰目录》:
//!   SJ, SJL, SL, SL1, S7, SL7, S8, the 64 and 73 series), **or** the no-load loss P0 is more than
//!   [`TransformerRules::red_p0_ratio`] (default 1.6) × the GB 20052 grade-3 P0 of its rating
//!   (S9 ≈ 2×, S7 ≈ 2.2×, S11 ≈ 1.4×, so 1.6 separates them and catches S9). In strict mode any P0
//!   above grade 3 is red. Advice: replace, with the annual saving of a grade-1 unit.
//! * **yellow** — not red, but P0 above grade 3 (non-strict mode: the S11 case), or in service for
//!   [`TransformerRules::yellow_service_years`] years or more (default 20; the reference suggests
//!   15–20 against a 30-year design life). Advice: monitor and test (oil chromatography,
//!   insulation, loss measurement).
//! * **green** — otherwise: routine testing.
//!
//! Losses at a load ratio β = S/S_N: ΔP = P0 + β²·Pk (kW). Energy over T hours:
//! ΔA = (P0 + K_T·β²·Pk)·T, with β the RMS load ratio and K_T the load-shape factor
//! ([`TransformerRules::load_shape_factor`], default 1.0; GB/T 13462 suggests ≈ 1.05 when β is the
//! average rather than the RMS ratio). The replacement saving is ΔA(current) − ΔA(grade 1) at the
//! same β and hours, priced at the caller's average energy price and rounded to 0.01 yuan.
//!
//! The loss table is data ([`LossTable`]); the shipped default is GB 20052-2024 Table 1 for
//! 10 kV oil-immersed units (315–1600 kVA), with reference series values for S11 (medium
//! confidence) and S9/S7 (low confidence, from old catalogues). Nameplate or test-report losses,
//! when given, always take precedence over the series table.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AdviceError;

/// No-load and load losses of a transformer, in kW.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "[f64; 2]", into = "[f64; 2]")]
pub struct Losses {
    /// No-load (iron) loss P0, kW.
    pub p0_kw: f64,
    /// Load (copper) loss at rated current Pk, kW.
    pub pk_kw: f64,
}

impl From<[f64; 2]> for Losses {
    fn from([p0_kw, pk_kw]: [f64; 2]) -> Self {
        Self { p0_kw, pk_kw }
    }
}

impl From<Losses> for [f64; 2] {
    fn from(l: Losses) -> Self {
        [l.p0_kw, l.pk_kw]
    }
}

impl Losses {
    /// Active power loss at load ratio `beta`: P0 + β²·Pk (kW).
    pub fn at_load_ratio_kw(&self, beta: f64) -> f64 {
        self.p0_kw + beta * beta * self.pk_kw
    }

    /// Energy loss over `hours` at RMS load ratio `beta` with load-shape factor `k_t`:
    /// (P0 + K_T·β²·Pk)·T (kWh).
    pub fn energy_kwh(&self, beta: f64, hours: f64, k_t: f64) -> f64 {
        (self.p0_kw + k_t * beta * beta * self.pk_kw) * hours
    }

    /// The loss-minimising load ratio β_j = √(P0/Pk); `None` when Pk is zero.
    pub fn economic_load_ratio(&self) -> Option<f64> {
        (self.pk_kw > 0.0).then(|| (self.p0_kw / self.pk_kw).sqrt())
    }
}

/// The grade values of one rated capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRow {
    /// Rated capacity, kVA.
    pub capacity_kva: u32,
    /// Grade 1 (most efficient) P0 / Pk.
    pub grade1: Losses,
    /// Grade 2 P0 / Pk.
    pub grade2: Losses,
    /// Grade 3 (the minimum allowed, 能效限定值) P0 / Pk.
    pub grade3: Losses,
}

/// Typical losses of an older series, by rated capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesRow {
    /// The series name as on the nameplate model (e.g. `S9`).
    pub series: String,
    /// How sure the source is (`high`, `medium`, `low`).
    pub confidence: String,
    /// Losses by rated capacity (kVA, as a string key in JSON).
    pub losses: BTreeMap<u32, Losses>,
}

/// The transformer loss table: efficiency grades by rating, and typical losses of old series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossTable {
    /// The standard the grades come from.
    pub standard: String,
    /// The date the standard took effect.
    pub effective_from: chrono::NaiveDate,
    /// Provenance and caveats.
    pub note: String,
    /// Grade values by rating, ascending capacity.
    pub ratings: Vec<RatingRow>,
    /// Typical losses of series that are no longer made.
    pub series: Vec<SeriesRow>,
}

const GB20052_JSON: &str = include_str!("data/transformer_losses.json");

impl LossTable {
    /// The shipped table: GB 20052-2024 grades for 10 kV oil-immersed units, 315–1600 kVA,
    /// plus S11/S9/S7 series values.
    pub fn gb20052() -> Self {
        // The embedded table is checked by a unit test; failing to parse it is a build defect.
        Self::from_json(GB20052_JSON).expect("the embedded transformer loss table is valid")
    }

    /// Reads and validates a table from JSON (the layout of the shipped default).
    ///
    /// # Errors
    /// [`AdviceError::Parse`] for malformed JSON, [`AdviceError::InvalidRule`] for a negative or
    /// non-finite loss, grades out of order (grade 1 must not exceed grade 2, nor 2 exceed 3) or
    /// duplicate ratings.
    pub fn from_json(text: &str) -> Result<Self, AdviceError> {
        let table: LossTable = serde_json::from_str(text).map_err(|e| AdviceError::Parse {
            what: "transformer loss table".into(),
            detail: e.to_string(),
        })?;
        table.validate()?;
        Ok(table)
    }

    fn validate(&self) -> Result<(), AdviceError> {
        let bad = |field: String, value: String, reason: &str| AdviceError::InvalidRule {
            rule: "transformer loss table".into(),
            field,
            value,
            reason: reason.into(),
        };
        let mut last = 0;
        for row in &self.ratings {
            if row.capacity_kva <= last {
                return Err(bad(
                    format!("ratings[{}].capacity_kva", row.capacity_kva),
                    row.capacity_kva.to_string(),
                    "ratings must be unique and in ascending capacity",
                ));
            }
            last = row.capacity_kva;
            for (name, l) in [
                ("grade1", row.grade1),
                ("grade2", row.grade2),
                ("grade3", row.grade3),
            ] {
                check_losses(&l).map_err(|reason| {
                    bad(
                        format!("ratings[{}].{name}", row.capacity_kva),
                        format!("{:?}", [l.p0_kw, l.pk_kw]),
                        reason,
                    )
                })?;
            }
            if row.grade1.p0_kw > row.grade2.p0_kw || row.grade2.p0_kw > row.grade3.p0_kw {
                return Err(bad(
                    format!("ratings[{}].p0", row.capacity_kva),
                    format!(
                        "{} / {} / {}",
                        row.grade1.p0_kw, row.grade2.p0_kw, row.grade3.p0_kw
                    ),
                    "grade 1 P0 ≤ grade 2 P0 ≤ grade 3 P0 is required",
                ));
            }
        }
        for s in &self.series {
            for (cap, l) in &s.losses {
                check_losses(l).map_err(|reason| {
                    bad(
                        format!("series[{}].losses[{cap}]", s.series),
                        format!("{:?}", [l.p0_kw, l.pk_kw]),
                        reason,
                    )
                })?;
            }
        }
        Ok(())
    }

    /// The grade row of a rated capacity, if the table has it (capacities match to 0.5 kVA).
    pub fn rating(&self, capacity_kva: f64) -> Option<&RatingRow> {
        self.ratings
            .iter()
            .find(|r| (f64::from(r.capacity_kva) - capacity_kva).abs() < 0.5)
    }

    /// Typical losses of `series` at `capacity_kva`, with the source's confidence.
    pub fn series_losses(&self, series: &str, capacity_kva: f64) -> Option<(Losses, &str)> {
        let row = self
            .series
            .iter()
            .find(|s| s.series.eq_ignore_ascii_case(series))?;
        row.losses
            .iter()
            .find(|(cap, _)| (f64::from(**cap) - capacity_kva).abs() < 0.5)
            .map(|(_, l)| (*l, row.confidence.as_str()))
    }
}

fn check_losses(l: &Losses) -> Result<(), &'static str> {
    if !(l.p0_kw.is_finite() && l.pk_kw.is_finite()) {
        return Err("losses must be finite numbers");
    }
    if l.p0_kw < 0.0 || l.pk_kw < 0.0 {
        return Err("losses must not be negative");
    }
    Ok(())
}

/// The thresholds of the red / yellow / green rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformerRules {
    /// Series on the phase-out lists (matched case-insensitively against the model's series).
    pub phase_out_series: Vec<String>,
    /// Red when P0 exceeds this multiple of the grade-3 P0 of the rating.
    pub red_p0_ratio: f64,
    /// Strict mode: any P0 above grade 3 is red (also catches S11).
    pub strict: bool,
    /// Yellow at or beyond this many years in service.
    pub yellow_service_years: u32,
    /// Tolerance on "above grade 3": P0 must exceed grade 3 by more than this fraction (default
    /// 0.0; nameplate values are exact, measured ones may warrant a few percent).
    pub grade3_tolerance: f64,
    /// K_T, the load-shape loss factor applied to the load loss in energy terms.
    pub load_shape_factor: f64,
    /// Operating hours per year used when the input gives none.
    pub hours_per_year: f64,
}

impl Default for TransformerRules {
    fn default() -> Self {
        Self {
            phase_out_series: ["SJ", "SJL", "SL", "SL1", "S7", "SL7", "S8", "64", "73"]
                .into_iter()
                .map(String::from)
                .collect(),
            red_p0_ratio: 1.6,
            strict: false,
            yellow_service_years: 20,
            grade3_tolerance: 0.0,
            load_shape_factor: 1.0,
            hours_per_year: 8760.0,
        }
    }
}

impl TransformerRules {
    fn validate(&self) -> Result<(), AdviceError> {
        let bad = |field: &str, value: f64, reason: &str| AdviceError::InvalidRule {
            rule: "transformer rules".into(),
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        };
        if !(self.red_p0_ratio.is_finite() && self.red_p0_ratio >= 1.0) {
            return Err(bad("red_p0_ratio", self.red_p0_ratio, "must be ≥ 1"));
        }
        if !(self.grade3_tolerance.is_finite() && self.grade3_tolerance >= 0.0) {
            return Err(bad(
                "grade3_tolerance",
                self.grade3_tolerance,
                "must be ≥ 0",
            ));
        }
        if !(self.load_shape_factor.is_finite() && self.load_shape_factor > 0.0) {
            return Err(bad(
                "load_shape_factor",
                self.load_shape_factor,
                "must be > 0",
            ));
        }
        if !(self.hours_per_year.is_finite() && (0.0..=8784.0).contains(&self.hours_per_year)) {
            return Err(bad(
                "hours_per_year",
                self.hours_per_year,
                "must be within 0..=8784",
            ));
        }
        Ok(())
    }
}

/// One transformer as the rule sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerInput {
    /// Asset number (设备资产编号).
    pub asset: String,
    /// The nameplate model, e.g. `S9-M-630/10`; the series is the part before the first `-`.
    pub model: String,
    /// Rated capacity, kVA.
    pub capacity_kva: f64,
    /// Year put into service, if known.
    pub in_service_year: Option<i32>,
    /// Nameplate or measured no-load loss, kW (else the series table is used).
    pub p0_kw: Option<f64>,
    /// Nameplate or measured load loss, kW (else the series table is used).
    pub pk_kw: Option<f64>,
    /// RMS load ratio β = S/S_N over the analysis year.
    pub load_ratio: f64,
    /// Operating hours per year (else the rules' default).
    pub hours_per_year: Option<f64>,
}

/// Red, yellow or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fine.
    Green,
    /// Watch and test.
    Yellow,
    /// Act.
    Red,
}

/// Why a status was given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The series is on a phase-out list.
    PhaseOutSeries {
        /// The series.
        series: String,
    },
    /// P0 is more than the red ratio × grade 3.
    HighNoLoadLoss {
        /// The P0 used, kW.
        p0_kw: f64,
        /// Grade-3 P0 of the rating, kW.
        grade3_p0_kw: f64,
        /// P0 / grade-3 P0.
        ratio: f64,
        /// The red threshold ratio.
        threshold: f64,
    },
    /// P0 above grade 3 (red in strict mode, yellow otherwise).
    BelowGrade3 {
        /// The P0 used, kW.
        p0_kw: f64,
        /// Grade-3 P0 of the rating, kW.
        grade3_p0_kw: f64,
    },
    /// Long in service.
    LongService {
        /// Years in service.
        years: i32,
        /// The threshold.
        threshold: u32,
    },
    /// The table has no grade values for this rating, so P0 could not be graded.
    NoGradeReference {
        /// The rating, kVA.
        capacity_kva: f64,
    },
    /// Neither nameplate losses nor series values are known, so losses could not be judged.
    LossesUnknown,
    /// The year in service is unknown, so age could not be judged.
    AgeUnknown,
}

/// Where the losses used came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LossSource {
    /// Nameplate or test report (given in the input).
    Nameplate,
    /// The series table, with its confidence.
    SeriesTable {
        /// The table's confidence for this series.
        confidence: String,
    },
}

/// The saving of replacing the unit with a grade-1 one of the same rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplacementSaving {
    /// Grade-1 losses of the rating.
    pub grade1: Losses,
    /// Current loss at the load ratio, kW (P0 + β²·Pk).
    pub loss_now_kw: f64,
    /// Grade-1 loss at the same load ratio, kW.
    pub loss_grade1_kw: f64,
    /// ΔA(current) − ΔA(grade 1) per year, kWh.
    pub energy_kwh_per_year: f64,
    /// The price used, yuan/kWh.
    pub price_yuan_per_kwh: Decimal,
    /// The saving per year, yuan (energy rounded to 0.01 kWh, times price, rounded to 0.01).
    pub saving_yuan_per_year: Decimal,
    /// The formula with the numbers filled in.
    pub formula: String,
}

/// The finding of rule (1) for one transformer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformerFinding {
    /// Asset number.
    pub asset: String,
    /// The series read from the model.
    pub series: String,
    /// Red, yellow or green.
    pub status: Status,
    /// Every reason found (a green unit may carry `AgeUnknown`-type notes).
    pub reasons: Vec<Reason>,
    /// The losses used and where they came from, if known.
    pub losses: Option<(Losses, LossSource)>,
    /// Grade-3 losses of the rating, if the table has it.
    pub grade3: Option<Losses>,
    /// Years in service at the evaluation year.
    pub age_years: Option<i32>,
    /// The load ratio used.
    pub load_ratio: f64,
    /// The loss-minimising load ratio √(P0/Pk) of this unit.
    pub economic_load_ratio: Option<f64>,
    /// The saving of a grade-1 replacement (computed whenever losses and the grade-1 reference
    /// are known and it is positive; the advice recommends replacement only for red).
    pub replacement: Option<ReplacementSaving>,
    /// The advice in one sentence.
    pub advice: String,
}

/// The series of a nameplate model: the text before the first `-`, trimmed and upper-cased
/// (`S9-M-630/10` → `S9`, `scb10-800/10` → `SCB10`).
pub fn series_of(model: &str) -> String {
    model
        .split(['-', ' ', '/'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase()
}

/// Applies rule (1) to one transformer in `evaluation_year`, pricing savings at
/// `price_yuan_per_kwh`.
///
/// # Errors
/// [`AdviceError::InvalidInput`] naming the asset, field and value for a non-positive capacity,
/// a negative or non-finite load ratio, loss or hours, or a year in service after the evaluation
/// year; [`AdviceError::InvalidRule`] for rules out of range.
///
/// # Example
/// ```
/// use gridserve_core::advice::transformer::{evaluate, LossTable, Status, TransformerInput, TransformerRules};
/// use rust_decimal::Decimal;
///
/// let unit = TransformerInput {
///     asset: "T-0001".into(), model: "S9-M-630/10".into(), capacity_kva: 630.0,
///     in_service_year: Some(2004), p0_kw: None, pk_kw: None, load_ratio: 0.5, hours_per_year: None,
/// };
/// let f = evaluate(&unit, &LossTable::gb20052(), &TransformerRules::default(), 2026, Decimal::new(65, 2))?;
/// assert_eq!(f.status, Status::Red);
/// // (1.2 − 0.46) + 0.25 × (6.2 − 4.46) = 1.175 kW, × 8760 h = 10,293 kWh a year.
/// assert_eq!(f.replacement.unwrap().energy_kwh_per_year.round(), 10293.0);
/// # Ok::<(), gridserve_core::advice::AdviceError>(())
/// ```
pub fn evaluate(
    input: &TransformerInput,
    table: &LossTable,
    rules: &TransformerRules,
    evaluation_year: i32,
    price_yuan_per_kwh: Decimal,
) -> Result<TransformerFinding, AdviceError> {
    rules.validate()?;
    let bad = |field: &str, value: String, reason: &str| AdviceError::InvalidInput {
        record: input.asset.clone(),
        field: field.into(),
        value,
        reason: reason.into(),
    };
    if !(input.capacity_kva.is_finite() && input.capacity_kva > 0.0) {
        return Err(bad(
            "capacity_kva",
            input.capacity_kva.to_string(),
            "must be a positive number",
        ));
    }
    if !(input.load_ratio.is_finite() && input.load_ratio >= 0.0) {
        return Err(bad(
            "load_ratio",
            input.load_ratio.to_string(),
            "must be a number ≥ 0",
        ));
    }
    for (field, v) in [("p0_kw", input.p0_kw), ("pk_kw", input.pk_kw)] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(bad(field, v.to_string(), "must be a number ≥ 0"));
        }
    }
    let hours = input.hours_per_year.unwrap_or(rules.hours_per_year);
    if !(hours.is_finite() && (0.0..=8784.0).contains(&hours)) {
        return Err(bad(
            "hours_per_year",
            hours.to_string(),
            "must be within 0..=8784",
        ));
    }
    if let Some(y) = input.in_service_year
        && y > evaluation_year
    {
        return Err(bad(
            "in_service_year",
            y.to_string(),
            "is after the evaluation year",
        ));
    }
    if price_yuan_per_kwh.is_sign_negative() {
        return Err(bad(
            "price_yuan_per_kwh",
            price_yuan_per_kwh.to_string(),
            "must not be negative",
        ));
    }

    let series = series_of(&input.model);
    let rating = table.rating(input.capacity_kva);
    let losses = match (input.p0_kw, input.pk_kw) {
        (Some(p0), Some(pk)) => Some((
            Losses {
                p0_kw: p0,
                pk_kw: pk,
            },
            LossSource::Nameplate,
        )),
        (p0, pk) => table
            .series_losses(&series, input.capacity_kva)
            .map(|(l, conf)| {
                // A nameplate value given for one of the two overrides the table's.
                let used = Losses {
                    p0_kw: p0.unwrap_or(l.p0_kw),
                    pk_kw: pk.unwrap_or(l.pk_kw),
                };
                let source = if p0.is_some() || pk.is_some() {
                    LossSource::Nameplate
                } else {
                    LossSource::SeriesTable {
                        confidence: conf.to_string(),
                    }
                };
                (used, source)
            })
            .or_else(|| {
                // Only P0 known and no series row: grade it, but the load loss is unknown.
                p0.map(|p0_kw| {
                    (
                        Losses {
                            p0_kw,
                            pk_kw: rating.map_or(0.0, |r| r.grade3.pk_kw),
                        },
                        LossSource::Nameplate,
                    )
                })
            }),
    };

    let mut reasons = Vec::new();
    let mut status = Status::Green;
    if rules
        .phase_out_series
        .iter()
        .any(|s| s.eq_ignore_ascii_case(&series))
    {
        reasons.push(Reason::PhaseOutSeries {
            series: series.clone(),
        });
        status = Status::Red;
    }
    match (&losses, rating) {
        (Some((l, _)), Some(r)) => {
            let ratio = l.p0_kw / r.grade3.p0_kw;
            if ratio > rules.red_p0_ratio {
                reasons.push(Reason::HighNoLoadLoss {
                    p0_kw: l.p0_kw,
                    grade3_p0_kw: r.grade3.p0_kw,
                    ratio,
                    threshold: rules.red_p0_ratio,
                });
                status = Status::Red;
            } else if ratio > 1.0 + rules.grade3_tolerance {
                reasons.push(Reason::BelowGrade3 {
                    p0_kw: l.p0_kw,
                    grade3_p0_kw: r.grade3.p0_kw,
                });
                status = status.max(if rules.strict {
                    Status::Red
                } else {
                    Status::Yellow
                });
            }
        }
        (Some(_), None) => reasons.push(Reason::NoGradeReference {
            capacity_kva: input.capacity_kva,
        }),
        (None, _) => reasons.push(Reason::LossesUnknown),
    }
    let age_years = input.in_service_year.map(|y| evaluation_year - y);
    match age_years {
        Some(years) if years >= 0 && years.unsigned_abs() >= rules.yellow_service_years => {
            reasons.push(Reason::LongService {
                years,
                threshold: rules.yellow_service_years,
            });
            status = status.max(Status::Yellow);
        }
        Some(_) => {}
        None => reasons.push(Reason::AgeUnknown),
    }

    let beta = input.load_ratio;
    let replacement = match (&losses, rating) {
        (Some((l, _)), Some(r)) => {
            let k = rules.load_shape_factor;
            let energy = l.energy_kwh(beta, hours, k) - r.grade1.energy_kwh(beta, hours, k);
            (energy > 0.0).then(|| {
                let energy_dec = Decimal::from_f64_retain(energy)
                    .unwrap_or_default()
                    .round_dp(2);
                let saving = (energy_dec * price_yuan_per_kwh).round_dp(2);
                ReplacementSaving {
                    grade1: r.grade1,
                    loss_now_kw: l.at_load_ratio_kw(beta),
                    loss_grade1_kw: r.grade1.at_load_ratio_kw(beta),
                    energy_kwh_per_year: energy,
                    price_yuan_per_kwh,
                    saving_yuan_per_year: saving,
                    formula: format!(
                        "[({p0} − {g1p0}) + {k}·{beta}²·({pk} − {g1pk})] kW × {hours} h = {energy_dec} kWh; × {price_yuan_per_kwh} yuan/kWh = {saving} yuan",
                        p0 = l.p0_kw,
                        g1p0 = r.grade1.p0_kw,
                        pk = l.pk_kw,
                        g1pk = r.grade1.pk_kw,
                    ),
                }
            })
        }
        _ => None,
    };

    let advice = match status {
        Status::Red => match &replacement {
            Some(s) => format!(
                "高耗能变压器，建议更换为一级能效变压器，预计年节约电量 {:.0} kWh、电费 {} 元",
                s.energy_kwh_per_year,
                super::report::format_yuan(s.saving_yuan_per_year)
            ),
            None => "高耗能变压器，建议更换为一级能效变压器".to_string(),
        },
        Status::Yellow => "建议加强运行监测并开展油色谱、绝缘及损耗测试，评估更换时机".to_string(),
        Status::Green => "运行正常，按周期开展例行试验".to_string(),
    };

    Ok(TransformerFinding {
        asset: input.asset.clone(),
        series,
        status,
        reasons,
        economic_load_ratio: losses.as_ref().and_then(|(l, _)| l.economic_load_ratio()),
        losses,
        grade3: rating.map(|r| r.grade3),
        age_years,
        load_ratio: beta,
        replacement,
        advice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(model: &str, cap: f64, year: Option<i32>) -> TransformerInput {
        TransformerInput {
            asset: "T-1".into(),
            model: model.into(),
            capacity_kva: cap,
            in_service_year: year,
            p0_kw: None,
            pk_kw: None,
            load_ratio: 0.5,
            hours_per_year: None,
        }
    }

    fn eval(u: &TransformerInput) -> TransformerFinding {
        evaluate(
            u,
            &LossTable::gb20052(),
            &TransformerRules::default(),
            2026,
            Decimal::new(6, 1),
        )
        .unwrap()
    }

    #[test]
    fn embedded_table_is_valid_and_matches_reference_rows() {
        let t = LossTable::gb20052();
        assert_eq!(t.ratings.len(), 8);
        let r = t.rating(630.0).unwrap();
        // Reference §4.2, 630 kVA row: grade 1 0.46/4.46, grade 3 0.57/6.2.
        assert_eq!(
            r.grade1,
            Losses {
                p0_kw: 0.46,
                pk_kw: 4.46
            }
        );
        assert_eq!(
            r.grade3,
            Losses {
                p0_kw: 0.57,
                pk_kw: 6.2
            }
        );
        assert_eq!(t.series_losses("s9", 630.0).unwrap().0.p0_kw, 1.2);
    }

    #[test]
    fn reference_replacement_example_s9_630() {
        // Reference §4.4: 630 kVA, β = 0.5, 8760 h: S9 2.750 kW → grade 1 1.575 kW;
        // ΔA = 1.175 × 8760 = 10,293 kWh a year; at 0.6 yuan/kWh, 6,175.80 yuan.
        let f = eval(&unit("S9-M-630/10", 630.0, Some(2010)));
        assert_eq!(f.status, Status::Red);
        let s = f.replacement.unwrap();
        assert!((s.loss_now_kw - 2.75).abs() < 1e-12);
        assert!((s.loss_grade1_kw - 1.575).abs() < 1e-12);
        assert!((s.energy_kwh_per_year - 10_293.0).abs() < 1e-6);
        assert_eq!(s.saving_yuan_per_year, Decimal::new(617_580, 2));
        assert!(matches!(f.reasons[0], Reason::HighNoLoadLoss { .. }));
    }

    #[test]
    fn s11_is_yellow_unless_strict_and_s13_is_green() {
        // S11 P0 / grade-3 P0 at 630 kVA = 0.81 / 0.57 = 1.42: above grade 3, below 1.6.
        let f = eval(&unit("S11-M-630/10", 630.0, Some(2020)));
        assert_eq!(f.status, Status::Yellow);
        assert!(matches!(f.reasons[0], Reason::BelowGrade3 { .. }));
        let strict = TransformerRules {
            strict: true,
            ..TransformerRules::default()
        };
        let f = evaluate(
            &unit("S11-M-630/10", 630.0, Some(2020)),
            &LossTable::gb20052(),
            &strict,
            2026,
            Decimal::ONE,
        )
        .unwrap();
        assert_eq!(f.status, Status::Red);
        // An S13 with grade-3 nameplate values, six years old: green.
        let mut s13 = unit("S13-M-630/10", 630.0, Some(2020));
        s13.p0_kw = Some(0.57);
        s13.pk_kw = Some(6.2);
        assert_eq!(eval(&s13).status, Status::Green);
    }

    #[test]
    fn red_ratio_boundary_is_strictly_greater() {
        // P0 exactly 1.6 × grade 3 (0.41 × 1.6 = 0.656 at 400 kVA) is not red; just above is.
        let mut u = unit("S13-400/10", 400.0, Some(2020));
        u.p0_kw = Some(0.41 * 1.6);
        u.pk_kw = Some(4.52);
        assert_eq!(eval(&u).status, Status::Yellow);
        u.p0_kw = Some(0.41 * 1.6 + 1e-9);
        assert_eq!(eval(&u).status, Status::Red);
    }

    #[test]
    fn phase_out_series_is_red_without_losses_and_age_drives_yellow() {
        let f = eval(&unit("SL7-250/10", 250.0, Some(1995)));
        assert_eq!(f.status, Status::Red);
        assert!(f.reasons.contains(&Reason::PhaseOutSeries {
            series: "SL7".into()
        }));
        assert!(f.reasons.contains(&Reason::LossesUnknown));
        assert!(f.replacement.is_none());
        // 20 years in service with grade-3 losses: yellow; 19 years: green.
        let mut u = unit("S13-400/10", 400.0, Some(2006));
        u.p0_kw = Some(0.41);
        u.pk_kw = Some(4.52);
        assert_eq!(eval(&u).status, Status::Yellow);
        u.in_service_year = Some(2007);
        assert_eq!(eval(&u).status, Status::Green);
        u.in_service_year = None;
        let f = eval(&u);
        assert_eq!(f.status, Status::Green);
        assert!(f.reasons.contains(&Reason::AgeUnknown));
    }

    #[test]
    fn bad_input_is_refused_with_field_and_value() {
        let table = LossTable::gb20052();
        let rules = TransformerRules::default();
        for (mutate, field) in [
            (
                Box::new(|u: &mut TransformerInput| u.capacity_kva = 0.0)
                    as Box<dyn Fn(&mut TransformerInput)>,
                "capacity_kva",
            ),
            (Box::new(|u| u.load_ratio = f64::NAN), "load_ratio"),
            (Box::new(|u| u.p0_kw = Some(-1.0)), "p0_kw"),
            (
                Box::new(|u| u.hours_per_year = Some(9000.0)),
                "hours_per_year",
            ),
            (
                Box::new(|u| u.in_service_year = Some(2030)),
                "in_service_year",
            ),
        ] {
            let mut u = unit("S9-630/10", 630.0, Some(2000));
            mutate(&mut u);
            match evaluate(&u, &table, &rules, 2026, Decimal::ONE) {
                Err(AdviceError::InvalidInput {
                    record, field: f, ..
                }) => {
                    assert_eq!(record, "T-1");
                    assert_eq!(f, field);
                }
                other => panic!("{field}: expected InvalidInput, got {other:?}"),
            }
        }
    }

    #[test]
    fn table_validation_refuses_out_of_order_grades() {
        let text = GB20052_JSON.replacen("[0.27, 2.76]", "[0.9, 2.76]", 1);
        assert!(matches!(
            LossTable::from_json(&text),
            Err(AdviceError::InvalidRule { .. })
        ));
        assert!(matches!(
            LossTable::from_json("{"),
            Err(AdviceError::Parse { .. })
        ));
    }

    #[test]
    fn series_parsing() {
        assert_eq!(series_of("S9-M-630/10"), "S9");
        assert_eq!(series_of("scb10-800/10"), "SCB10");
        assert_eq!(series_of("SH15-M-400/10"), "SH15");
        assert_eq!(series_of(""), "");
    }
}
