//! Energy-use indicators of industrial customers, computed from plain usage and equipment
//! numbers of one period (a month, usually).
//!
//! | Indicator | Formula | Direction | Source |
//! |---|---|---|---|
//! | `load_factor` 负荷率 | P_avg / P_max | benefit | load-analysis software (tariff reference §5.1) |
//! | `min_load_ratio` 最小负荷率 | P_min / P_max | benefit | idem |
//! | `peak_valley_difference_rate` 峰谷差率 | (P_max − P_min) / P_max | cost | idem |
//! | `power_factor` 功率因数 | E_P / √(E_P² + E_Q²), E_Q = \|forward\| + \|reverse\| kvarh | benefit | 1983 power-factor rules (§2.2) |
//! | `transformer_load_rate` 平均负载率 | β = S_avg / S_N, S_avg = P_avg / cos φ | interval [1.33 β_JZ², 0.75] | GB/T 13462 (§4.4) |
//! | `valley_energy_share` 谷电量占比 | (E_valley + E_deep_valley) / E | benefit | report rule 4 (§5.1) |
//! | `peak_energy_share` 峰电量占比 | (E_sharp + E_peak) / E | cost | idem |
//! | `kwh_per_kva` 每千伏安用电量 | E / S_N | benefit | 526号 260 kWh/kVA rule (§1.3) |
//! | `transformer_loss_rate` 变损率 | ΔA / E, ΔA = (P0 + K_T β² Pk) · T | cost | §4.4 |
//! | `demand_utilisation` 需量利用率 | D_max / D_c (contract demand) or D_max / S_N | benefit | §1.3, §5.1 |
//! | `unit_output_consumption` 单位产值电耗 | E / output | cost | PSR paper R1 (§5.2) |
//!
//! P_avg is `avg_load_kw` when given, else E / T (T = `period_hours`).
//!
//! **Transformer load rate and its best range.** β is the ratio of the average apparent load
//! to the rated capacity. β_JZ is the *comprehensive economic load ratio* of GB/T 13462: the
//! load ratio at which the transformer's no-load and load losses are equal once reactive
//! losses are counted at K_Q kW per kvar, β_JZ = √(P0Z / PkZ) with
//! P0Z = P0 + K_Q · I0% · S_N / 100 and PkZ = Pk + K_Q · Uk% · S_N / 100. Without I0% and Uk%
//! it falls back to the active-only β_j = √(P0 / Pk) (the loss-minimising load ratio,
//! dη/dβ = 0). GB/T 13462's best operating range is 1.33 · β_JZ² ≤ β ≤ 0.75; the factor 1.33
//! and the upper end 0.75 are [`IndicatorOptions`] with these defaults. Since β_JZ depends on
//! the transformer, each customer gets its own best range (stored as the row's range of the
//! interval criterion, see [`DecisionMatrix::set_row_ranges`]); a customer without P0/Pk uses
//! [`IndicatorOptions::default_load_rate_range`] when set.
//!
//! **Loss rate.** ΔA = (P0 + K_T · β² · Pk) · T with K_T the load-shape factor (default 1.05,
//! GB/T 13462; unverified, overridable) and T the period's hours.
//!
//! **Demand utilisation** compares the month's maximum demand with what the basic charge pays
//! for: the contract demand when the record has one, else the transformer capacity (kVA taken
//! as kW at unity power factor). A scorer who mixes both kinds of customers and prefers one
//! basis can leave the other out by building the column as a user indicator.

use serde::{Deserialize, Serialize};

use super::error::{Result, ScoringError};
use super::matrix::{Criterion, DecisionMatrix, Direction};

/// The usage and equipment numbers of one customer for one period. Energies in kWh over the
/// period, loads in kW, capacity in kVA. Optional fields are needed only by the indicators that
/// use them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsageRecord {
    /// Customer number (户号).
    pub id: String,
    /// Length of the period in hours (a 30-day month: 720).
    pub period_hours: f64,
    /// Active energy of the period, all time-of-use periods together.
    pub energy_kwh: f64,
    /// Sharp-peak (尖峰) energy.
    pub sharp_kwh: Option<f64>,
    /// Peak (峰) energy.
    pub peak_kwh: Option<f64>,
    /// Flat (平) energy.
    pub flat_kwh: Option<f64>,
    /// Valley (谷) energy.
    pub valley_kwh: Option<f64>,
    /// Deep-valley (深谷) energy.
    pub deep_valley_kwh: Option<f64>,
    /// Reactive energy, |forward| + |reverse| kvarh.
    pub reactive_kvarh: Option<f64>,
    /// Power factor measured directly; wins over the one from kWh and kvarh.
    pub power_factor: Option<f64>,
    /// Maximum load.
    pub max_load_kw: Option<f64>,
    /// Minimum load.
    pub min_load_kw: Option<f64>,
    /// Average load (default: energy / period hours).
    pub avg_load_kw: Option<f64>,
    /// Rated capacity of the customer's transformers in service.
    pub capacity_kva: Option<f64>,
    /// Transformer no-load loss P0.
    pub transformer_p0_kw: Option<f64>,
    /// Transformer load loss Pk at rated current.
    pub transformer_pk_kw: Option<f64>,
    /// Transformer no-load current I0 in % of rated current.
    pub transformer_i0_pct: Option<f64>,
    /// Transformer short-circuit impedance Uk in %.
    pub transformer_uk_pct: Option<f64>,
    /// Maximum demand of the period.
    pub max_demand_kw: Option<f64>,
    /// Contract demand, for customers billed by contract demand.
    pub contract_demand_kw: Option<f64>,
    /// Output of the period (10,000 yuan of output value, or product units).
    pub output: Option<f64>,
}

impl UsageRecord {
    /// The numeric fields by name (absent optional ones as `None`).
    fn fields(&self) -> [(&'static str, Option<f64>); 20] {
        [
            ("period_hours", Some(self.period_hours)),
            ("energy_kwh", Some(self.energy_kwh)),
            ("sharp_kwh", self.sharp_kwh),
            ("peak_kwh", self.peak_kwh),
            ("flat_kwh", self.flat_kwh),
            ("valley_kwh", self.valley_kwh),
            ("deep_valley_kwh", self.deep_valley_kwh),
            ("reactive_kvarh", self.reactive_kvarh),
            ("power_factor", self.power_factor),
            ("max_load_kw", self.max_load_kw),
            ("min_load_kw", self.min_load_kw),
            ("avg_load_kw", self.avg_load_kw),
            ("capacity_kva", self.capacity_kva),
            ("transformer_p0_kw", self.transformer_p0_kw),
            ("transformer_pk_kw", self.transformer_pk_kw),
            ("transformer_i0_pct", self.transformer_i0_pct),
            ("transformer_uk_pct", self.transformer_uk_pct),
            ("max_demand_kw", self.max_demand_kw),
            ("contract_demand_kw", self.contract_demand_kw),
            ("output", self.output),
        ]
    }

    /// Refuses a NaN or infinite value in any field that is given, whether or not an
    /// indicator asked for reads it: a missing value is `None`, never NaN.
    ///
    /// # Errors
    /// [`ScoringError::InvalidInput`] naming `record` (the record's position), the id and the
    /// field.
    pub fn check_finite(&self, record: usize) -> Result<()> {
        match self
            .fields()
            .into_iter()
            .find_map(|(f, v)| v.filter(|v| !v.is_finite()).map(|v| (f, v)))
        {
            None => Ok(()),
            Some((field, value)) => Err(ScoringError::InvalidInput {
                record,
                id: self.id.clone(),
                field,
                value,
                problem: "is not finite",
            }),
        }
    }
}

/// Parameters of the indicator formulas, with the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndicatorOptions {
    /// K_T, the load-shape loss factor in ΔA = (P0 + K_T β² Pk) T (default 1.05).
    pub loss_shape_factor: f64,
    /// K_Q, the reactive economic equivalent in kW/kvar for β_JZ (default 0.1; 0.02–0.1 in
    /// GB/T 13462 practice; used only when I0% and Uk% are given).
    pub reactive_equivalent_kw_per_kvar: f64,
    /// The factor of the best range's lower end, lo = factor · β_JZ² (default 1.33).
    pub best_load_rate_factor: f64,
    /// The best range's upper end (default 0.75).
    pub best_load_rate_upper: f64,
    /// The best range of customers without P0/Pk (default none: such a customer is an error
    /// when the load rate is asked for).
    pub default_load_rate_range: Option<[f64; 2]>,
    /// The unit shown for unit-output consumption (default `"kWh/unit"`).
    pub output_unit: String,
}

impl Default for IndicatorOptions {
    fn default() -> Self {
        Self {
            loss_shape_factor: 1.05,
            reactive_equivalent_kw_per_kvar: 0.1,
            best_load_rate_factor: 1.33,
            best_load_rate_upper: 0.75,
            default_load_rate_range: None,
            output_unit: "kWh/unit".into(),
        }
    }
}

/// The built-in indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// P_avg / P_max.
    LoadFactor,
    /// P_min / P_max.
    MinLoadRatio,
    /// (P_max − P_min) / P_max.
    PeakValleyDifferenceRate,
    /// E_P / √(E_P² + E_Q²).
    PowerFactor,
    /// S_avg / S_N with the best range [1.33 β_JZ², 0.75].
    TransformerLoadRate,
    /// (E_valley + E_deep_valley) / E.
    ValleyEnergyShare,
    /// (E_sharp + E_peak) / E.
    PeakEnergyShare,
    /// E / S_N.
    KwhPerKva,
    /// ΔA / E.
    TransformerLossRate,
    /// D_max / D_contract (or / S_N).
    DemandUtilisation,
    /// E / output.
    UnitOutputConsumption,
}

impl Indicator {
    /// Every built-in indicator, in the order of the module table.
    pub const ALL: [Self; 11] = [
        Self::LoadFactor,
        Self::MinLoadRatio,
        Self::PeakValleyDifferenceRate,
        Self::PowerFactor,
        Self::TransformerLoadRate,
        Self::ValleyEnergyShare,
        Self::PeakEnergyShare,
        Self::KwhPerKva,
        Self::TransformerLossRate,
        Self::DemandUtilisation,
        Self::UnitOutputConsumption,
    ];

    /// The snake_case name (the criterion's name).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::LoadFactor => "load_factor",
            Self::MinLoadRatio => "min_load_ratio",
            Self::PeakValleyDifferenceRate => "peak_valley_difference_rate",
            Self::PowerFactor => "power_factor",
            Self::TransformerLoadRate => "transformer_load_rate",
            Self::ValleyEnergyShare => "valley_energy_share",
            Self::PeakEnergyShare => "peak_energy_share",
            Self::KwhPerKva => "kwh_per_kva",
            Self::TransformerLossRate => "transformer_loss_rate",
            Self::DemandUtilisation => "demand_utilisation",
            Self::UnitOutputConsumption => "unit_output_consumption",
        }
    }

    /// The Chinese label used in reports.
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::LoadFactor => "负荷率",
            Self::MinLoadRatio => "最小负荷率",
            Self::PeakValleyDifferenceRate => "峰谷差率",
            Self::PowerFactor => "功率因数",
            Self::TransformerLoadRate => "变压器负载率",
            Self::ValleyEnergyShare => "谷电量占比",
            Self::PeakEnergyShare => "峰电量占比",
            Self::KwhPerKva => "每千伏安用电量",
            Self::TransformerLossRate => "变损率",
            Self::DemandUtilisation => "需量利用率",
            Self::UnitOutputConsumption => "单位产值电耗",
        }
    }

    /// Parses a snake_case name.
    ///
    /// # Errors
    /// [`ScoringError::Unknown`].
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|i| i.name() == name.trim())
            .ok_or_else(|| ScoringError::Unknown {
                what: "indicator",
                name: name.to_owned(),
            })
    }

    /// The unit.
    #[must_use]
    pub fn unit(self, options: &IndicatorOptions) -> String {
        match self {
            Self::KwhPerKva => "kWh/kVA".into(),
            Self::UnitOutputConsumption => options.output_unit.clone(),
            _ => "1".into(),
        }
    }

    /// The default direction (the load rate's column range is
    /// [`IndicatorOptions::default_load_rate_range`] or [0, upper]; each row gets its own).
    #[must_use]
    pub fn direction(self, options: &IndicatorOptions) -> Direction {
        match self {
            Self::LoadFactor
            | Self::MinLoadRatio
            | Self::PowerFactor
            | Self::ValleyEnergyShare
            | Self::KwhPerKva
            | Self::DemandUtilisation => Direction::Benefit,
            Self::PeakValleyDifferenceRate
            | Self::PeakEnergyShare
            | Self::TransformerLossRate
            | Self::UnitOutputConsumption => Direction::Cost,
            Self::TransformerLoadRate => {
                let [lo, hi] = options
                    .default_load_rate_range
                    .unwrap_or([0.0, options.best_load_rate_upper]);
                Direction::Interval { lo, hi }
            }
        }
    }

    /// This indicator's value for one record (and, for the load rate, the record's best range).
    ///
    /// # Errors
    /// [`ScoringError::MissingInput`] or [`ScoringError::InvalidInput`] naming `record` (the
    /// record's position, used in the error) and the field.
    pub fn compute(
        self,
        record: usize,
        u: &UsageRecord,
        options: &IndicatorOptions,
    ) -> Result<(f64, Option<[f64; 2]>)> {
        let cx = Cx {
            record,
            u,
            ind: self.name(),
        };
        let value = match self {
            Self::LoadFactor => cx.avg_load_kw()? / cx.max_load_kw()?,
            Self::MinLoadRatio => {
                let min = cx.non_negative("min_load_kw", u.min_load_kw)?;
                min / cx.max_load_kw()?
            }
            Self::PeakValleyDifferenceRate => {
                let max = cx.max_load_kw()?;
                let min = cx.non_negative("min_load_kw", u.min_load_kw)?;
                (max - min) / max
            }
            Self::PowerFactor => cx.power_factor()?,
            Self::TransformerLoadRate => {
                let beta = cx.load_rate()?;
                return Ok((beta, Some(cx.best_range(options)?)));
            }
            Self::ValleyEnergyShare => {
                let valley = cx.non_negative("valley_kwh", u.valley_kwh)?;
                let deep = cx.optional_non_negative("deep_valley_kwh", u.deep_valley_kwh)?;
                (valley + deep) / cx.energy_positive()?
            }
            Self::PeakEnergyShare => {
                let peak = cx.non_negative("peak_kwh", u.peak_kwh)?;
                let sharp = cx.optional_non_negative("sharp_kwh", u.sharp_kwh)?;
                (peak + sharp) / cx.energy_positive()?
            }
            Self::KwhPerKva => cx.energy()? / cx.capacity_kva()?,
            Self::TransformerLossRate => {
                let beta = cx.load_rate()?;
                let p0 = cx.non_negative("transformer_p0_kw", u.transformer_p0_kw)?;
                let pk = cx.non_negative("transformer_pk_kw", u.transformer_pk_kw)?;
                let kt = options.loss_shape_factor;
                let loss_kwh = (p0 + kt * beta * beta * pk) * cx.hours()?;
                loss_kwh / cx.energy_positive()?
            }
            Self::DemandUtilisation => {
                let d = cx.non_negative("max_demand_kw", u.max_demand_kw)?;
                let basis = match u.contract_demand_kw {
                    Some(c) => cx.positive("contract_demand_kw", Some(c))?,
                    None => cx.capacity_kva()?,
                };
                d / basis
            }
            Self::UnitOutputConsumption => cx.energy()? / cx.positive("output", u.output)?,
        };
        Ok((value, None))
    }
}

struct Cx<'a> {
    record: usize,
    u: &'a UsageRecord,
    ind: &'static str,
}

impl Cx<'_> {
    fn missing(&self, field: &'static str) -> ScoringError {
        ScoringError::MissingInput {
            record: self.record,
            id: self.u.id.clone(),
            indicator: self.ind,
            field,
        }
    }

    fn invalid(&self, field: &'static str, value: f64, problem: &'static str) -> ScoringError {
        ScoringError::InvalidInput {
            record: self.record,
            id: self.u.id.clone(),
            field,
            value,
            problem,
        }
    }

    fn finite(&self, field: &'static str, v: f64) -> Result<f64> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.invalid(field, v, "is not finite"))
        }
    }

    fn non_negative(&self, field: &'static str, v: Option<f64>) -> Result<f64> {
        let v = self.finite(field, v.ok_or_else(|| self.missing(field))?)?;
        if v < 0.0 {
            return Err(self.invalid(field, v, "is negative"));
        }
        Ok(v)
    }

    fn optional_non_negative(&self, field: &'static str, v: Option<f64>) -> Result<f64> {
        v.map_or(Ok(0.0), |v| self.non_negative(field, Some(v)))
    }

    fn positive(&self, field: &'static str, v: Option<f64>) -> Result<f64> {
        let v = self.non_negative(field, v)?;
        if v == 0.0 {
            return Err(self.invalid(field, v, "must be greater than zero"));
        }
        Ok(v)
    }

    fn energy(&self) -> Result<f64> {
        self.non_negative("energy_kwh", Some(self.u.energy_kwh))
    }

    fn energy_positive(&self) -> Result<f64> {
        self.positive("energy_kwh", Some(self.u.energy_kwh))
    }

    fn hours(&self) -> Result<f64> {
        self.positive("period_hours", Some(self.u.period_hours))
    }

    fn capacity_kva(&self) -> Result<f64> {
        self.positive("capacity_kva", self.u.capacity_kva)
    }

    fn max_load_kw(&self) -> Result<f64> {
        self.positive("max_load_kw", self.u.max_load_kw)
    }

    fn avg_load_kw(&self) -> Result<f64> {
        match self.u.avg_load_kw {
            Some(v) => self.non_negative("avg_load_kw", Some(v)),
            None => Ok(self.energy()? / self.hours()?),
        }
    }

    fn power_factor(&self) -> Result<f64> {
        if let Some(pf) = self.u.power_factor {
            let pf = self.finite("power_factor", pf)?;
            if !(pf > 0.0 && pf <= 1.0) {
                return Err(self.invalid("power_factor", pf, "is outside (0, 1]"));
            }
            return Ok(pf);
        }
        let q = self.non_negative("reactive_kvarh", self.u.reactive_kvarh)?;
        let p = self.energy()?;
        if p == 0.0 {
            return Err(self.invalid("energy_kwh", p, "must be greater than zero"));
        }
        // hypot avoids overflow of p² + q².
        Ok(p / p.hypot(q))
    }

    fn load_rate(&self) -> Result<f64> {
        let p = self.avg_load_kw()?;
        let pf = self.power_factor()?;
        Ok(p / pf / self.capacity_kva()?)
    }

    fn best_range(&self, o: &IndicatorOptions) -> Result<[f64; 2]> {
        let u = self.u;
        let (p0, pk) = match (u.transformer_p0_kw, u.transformer_pk_kw) {
            (Some(p0), Some(pk)) => (
                self.non_negative("transformer_p0_kw", Some(p0))?,
                self.positive("transformer_pk_kw", Some(pk))?,
            ),
            _ => {
                return o.default_load_rate_range.ok_or_else(|| {
                    self.missing(if u.transformer_p0_kw.is_none() {
                        "transformer_p0_kw"
                    } else {
                        "transformer_pk_kw"
                    })
                });
            }
        };
        let (p0z, pkz) = match (u.transformer_i0_pct, u.transformer_uk_pct) {
            (Some(i0), Some(uk)) => {
                let i0 = self.non_negative("transformer_i0_pct", Some(i0))?;
                let uk = self.non_negative("transformer_uk_pct", Some(uk))?;
                let s = self.capacity_kva()?;
                let kq = o.reactive_equivalent_kw_per_kvar;
                (p0 + kq * i0 * s / 100.0, pk + kq * uk * s / 100.0)
            }
            _ => (p0, pk),
        };
        // β_JZ² = P0Z / PkZ.
        let lo = o.best_load_rate_factor * p0z / pkz;
        let hi = o.best_load_rate_upper;
        if !(lo.is_finite() && lo <= hi) {
            return Err(self.invalid(
                "transformer_p0_kw",
                p0,
                "gives a best load-rate range whose lower end exceeds the upper end",
            ));
        }
        Ok([lo, hi])
    }
}

fn check_options(o: &IndicatorOptions) -> Result<()> {
    let checks = [
        ("loss_shape_factor", o.loss_shape_factor),
        (
            "reactive_equivalent_kw_per_kvar",
            o.reactive_equivalent_kw_per_kvar,
        ),
        ("best_load_rate_factor", o.best_load_rate_factor),
        ("best_load_rate_upper", o.best_load_rate_upper),
    ];
    for (option, value) in checks {
        if !(value.is_finite() && value >= 0.0) {
            return Err(ScoringError::InvalidOption {
                option,
                value,
                problem: "must be finite and >= 0",
            });
        }
    }
    if let Some([lo, hi]) = o.default_load_rate_range
        && !(lo.is_finite() && hi.is_finite() && lo <= hi)
    {
        return Err(ScoringError::InvalidOption {
            option: "default_load_rate_range",
            value: lo,
            problem: "must be a finite range with lo <= hi",
        });
    }
    Ok(())
}

/// Computes the chosen indicators for every record: a decision matrix with one row per record
/// (named by `id`) and one column per indicator, in the order given. The transformer load
/// rate's per-customer best ranges become the column's row ranges. Add user indicators with
/// [`DecisionMatrix::push_column`].
///
/// # Errors
/// [`ScoringError::Empty`] (no records), [`ScoringError::DuplicateCriterion`] (an indicator
/// asked twice), [`ScoringError::MissingInput`] / [`ScoringError::InvalidInput`] for the first
/// record that lacks what an indicator needs, [`ScoringError::InvalidOption`].
///
/// # Example
///
/// ```
/// use gridserve_core::scoring::{compute_indicators, Indicator, IndicatorOptions, UsageRecord};
/// let r = UsageRecord {
///     id: "0301".into(),
///     period_hours: 720.0,
///     energy_kwh: 144_000.0, // 200 kW on average
///     max_load_kw: Some(400.0),
///     min_load_kw: Some(50.0),
///     ..Default::default()
/// };
/// let m = compute_indicators(&[r], &[Indicator::LoadFactor, Indicator::PeakValleyDifferenceRate],
///                            &IndicatorOptions::default())?;
/// assert_eq!(m.column(0), Some(&[0.5][..]));      // 200 / 400
/// assert_eq!(m.column(1), Some(&[0.875][..]));    // (400 − 50) / 400
/// # Ok::<(), gridserve_core::scoring::ScoringError>(())
/// ```
pub fn compute_indicators(
    records: &[UsageRecord],
    indicators: &[Indicator],
    options: &IndicatorOptions,
) -> Result<DecisionMatrix> {
    check_options(options)?;
    for (i, r) in records.iter().enumerate() {
        r.check_finite(i)?;
    }
    let mut m = DecisionMatrix::new(records.iter().map(|r| r.id.clone()).collect())?;
    let mut values = Vec::with_capacity(records.len());
    for &ind in indicators {
        values.clear();
        let mut ranges = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let (v, range) = ind.compute(i, r, options)?;
            if !v.is_finite() {
                return Err(ScoringError::InvalidInput {
                    record: i,
                    id: r.id.clone(),
                    field: ind.name(),
                    value: v,
                    problem: "is not finite (check the inputs' magnitudes)",
                });
            }
            values.push(v);
            if let Some(range) = range {
                ranges.push(range);
            }
        }
        m.push_column(
            Criterion::new(ind.name(), ind.unit(options), ind.direction(options)),
            &values,
        )?;
        if ranges.len() == records.len() && !ranges.is_empty() {
            m.set_row_ranges(ind.name(), ranges)?;
        }
    }
    Ok(m)
}
