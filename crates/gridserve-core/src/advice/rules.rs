//! Rules (2), (3) and (4) of the report, turning the tariff engine's decisions into findings.
//!
//! | rule | input | green | yellow | red |
//! |---|---|---|---|---|
//! | (2) basic charge | [`BasicMethodComparison`] for the coming quarter | the current method is the cheapest | another method (or contract demand) is cheaper: switch | — |
//! | (3) power factor | [`PfFinding`] over the analysis window | no month paid a surcharge: keep | surcharge in fewer than [`AdviceRules::pf_red_surcharge_months`] months | surcharge in that many months or more: inspect or replace the compensation |
//! | (4) time of use | [`TouFinding`] and the direct-trading saving A | valley charge ≥ peak + sharp charge, or trading directly | otherwise: shift production to the valley or trade directly | — |
//!
//! Savings are estimates per year, with the working in [`Finding::formula`]:
//! * (2): the coming quarter's saving × 4 (the quarter's pattern assumed for the year);
//! * (3): the surcharges paid in the window, scaled to twelve months;
//! * (4): moving [`AdviceRules::tou_shift_share`] of the peak + sharp energy to the valley,
//!   priced at the window's average peak + sharp and valley unit prices, scaled to twelve months.
//!   A direct-trading customer's saving A is reported in the headline, not added to the total,
//!   since it is already realised.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AdviceError;
use super::report::{Finding, RuleKind};
use super::transformer::{Status, TransformerRules};
use crate::scoring::{IndicatorOptions, indicators::Indicator};
use crate::tariff::{BasicMethodComparison, BillingMethod, PfFinding, TouFinding};

/// How the weights of the score are obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum WeightSpec {
    /// Weights given directly, one per indicator (scaled to sum 1).
    Given {
        /// The weights.
        weights: Vec<f64>,
    },
    /// G1 (order-relation) weights: `order` lists indicator positions from most to least
    /// important, `ratios[k]` = w_{k−1}/w_k for k = 2..m.
    G1 {
        /// Indicator positions, most important first.
        order: Vec<usize>,
        /// The m − 1 importance ratios, each in [1.0, 1.8].
        ratios: Vec<f64>,
    },
    /// Entropy weights of the peer group's data (direction-aware min-max).
    Entropy,
    /// α·G1 + (1 − α)·entropy.
    G1Entropy {
        /// Indicator positions, most important first.
        order: Vec<usize>,
        /// The m − 1 importance ratios.
        ratios: Vec<f64>,
        /// The G1 share α in [0, 1].
        alpha: f64,
    },
}

/// The thresholds and choices of the report's rules, as data with defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdviceRules {
    /// Rule (1) thresholds.
    pub transformer: TransformerRules,
    /// The step of contract demands tried by rule (2), kW (default 1).
    #[serde(deserialize_with = "crate::tariff::exact::de")]
    pub contract_step_kw: Decimal,
    /// Rule (3): red at this many surcharge months or more, else yellow (default 2).
    pub pf_red_surcharge_months: usize,
    /// Rule (3): the power factor the compensation should reach (default: the lowest one with
    /// the full reduction of the standard).
    #[serde(deserialize_with = "crate::tariff::exact::de_opt")]
    pub pf_target: Option<Decimal>,
    /// Rule (3): operating hours per day for the average power (default 24).
    pub pf_hours_per_day: Option<f64>,
    /// Rule (4): the share of peak + sharp energy assumed movable to the valley (default 0.10).
    #[serde(deserialize_with = "crate::tariff::exact::de")]
    pub tou_shift_share: Decimal,
    /// The indicators scored, in order (default: load factor, minimum load ratio, peak–valley
    /// difference rate, power factor, valley share, kWh per kVA, demand utilisation).
    pub indicators: Vec<Indicator>,
    /// Indicator formula options.
    pub indicator_options: IndicatorOptions,
    /// The weights (default: entropy of the peer group).
    pub weights: WeightSpec,
}

impl Default for AdviceRules {
    fn default() -> Self {
        Self {
            transformer: TransformerRules::default(),
            contract_step_kw: Decimal::ONE,
            pf_red_surcharge_months: 2,
            pf_target: None,
            pf_hours_per_day: None,
            tou_shift_share: Decimal::new(10, 2),
            indicators: vec![
                Indicator::LoadFactor,
                Indicator::MinLoadRatio,
                Indicator::PeakValleyDifferenceRate,
                Indicator::PowerFactor,
                Indicator::ValleyEnergyShare,
                Indicator::KwhPerKva,
                Indicator::DemandUtilisation,
            ],
            indicator_options: IndicatorOptions::default(),
            weights: WeightSpec::Entropy,
        }
    }
}

impl AdviceRules {
    /// Reads rules from JSON (the serde layout of this type; absent fields take the defaults)
    /// and validates them.
    ///
    /// # Errors
    /// [`AdviceError::Parse`] for malformed JSON, and the errors of [`AdviceRules::validate`].
    pub fn from_json(text: &str) -> Result<Self, AdviceError> {
        let rules: AdviceRules =
            crate::tariff::exact::from_json_text(text).map_err(|detail| AdviceError::Parse {
                what: "advice rules".into(),
                detail,
            })?;
        rules.validate()?;
        Ok(rules)
    }

    /// Checks every value is in its domain: the contract step > 0, the red threshold ≥ 1
    /// month, the target power factor in (0, 1], hours per day in (0, 24], the TOU shift share
    /// in [0, 1], and a G1 share α in [0, 1]. (Weights and indicators are checked against the
    /// data when reports are built.)
    ///
    /// # Errors
    /// [`AdviceError::InvalidRule`] naming the field and value.
    pub fn validate(&self) -> Result<(), AdviceError> {
        let bad = |field: &str, value: String, reason: &str| AdviceError::InvalidRule {
            rule: "advice rules".into(),
            field: field.into(),
            value,
            reason: reason.into(),
        };
        if self.contract_step_kw <= Decimal::ZERO {
            return Err(bad(
                "contract_step_kw",
                self.contract_step_kw.to_string(),
                "must be > 0",
            ));
        }
        if self.pf_red_surcharge_months == 0 {
            return Err(bad("pf_red_surcharge_months", "0".into(), "must be ≥ 1"));
        }
        if let Some(t) = self.pf_target
            && !(t > Decimal::ZERO && t <= Decimal::ONE)
        {
            return Err(bad("pf_target", t.to_string(), "must be within (0, 1]"));
        }
        if let Some(h) = self.pf_hours_per_day
            && !(h > 0.0 && h <= 24.0)
        {
            return Err(bad(
                "pf_hours_per_day",
                h.to_string(),
                "must be within (0, 24]",
            ));
        }
        if self.tou_shift_share < Decimal::ZERO || self.tou_shift_share > Decimal::ONE {
            return Err(bad(
                "tou_shift_share",
                self.tou_shift_share.to_string(),
                "must be within [0, 1]",
            ));
        }
        if let WeightSpec::G1Entropy { alpha, .. } = self.weights
            && !(0.0..=1.0).contains(&alpha)
        {
            return Err(bad(
                "weights.alpha",
                alpha.to_string(),
                "must be within [0, 1]",
            ));
        }
        Ok(())
    }
}

/// The Chinese name of a billing method, as printed on bills.
pub fn method_name(m: BillingMethod) -> &'static str {
    match m {
        BillingMethod::Capacity => "按变压器容量",
        BillingMethod::ContractDemand => "按合同最大需量",
        BillingMethod::ActualDemand => "按实际最大需量",
        BillingMethod::None => "不计基本电费（单一制）",
    }
}

fn yuan(d: Decimal) -> String {
    super::report::format_yuan(d)
}

/// Rule (2): the basic-charge method.
pub fn basic_charge(cmp: &BasicMethodComparison) -> Finding {
    let best = [&cmp.capacity, &cmp.actual_demand, &cmp.contract_demand]
        .into_iter()
        .find(|o| o.method == cmp.cheapest)
        .unwrap_or(&cmp.current);
    let mut inputs = vec![
        ("容量".to_string(), format!("{} kVA", cmp.capacity_kva)),
        (
            "预计最大需量".to_string(),
            cmp.expected_demand_kw
                .iter()
                .map(|d| format!("{} kW", d.round_dp(1)))
                .collect::<Vec<_>>()
                .join(" / "),
        ),
    ];
    if let Some(d) = cmp.break_even_kw {
        inputs.push((
            "盈亏平衡需量 D*".to_string(),
            format!("{} kW", d.round_dp(1)),
        ));
    }
    if let Some(d) = cmp.break_even_discounted_kw {
        inputs.push((
            "D*（需量电价九折时）".to_string(),
            format!("{} kW", d.round_dp(1)),
        ));
    }
    let describe = |o: &crate::tariff::MethodOption| match o.contract_demand_kw {
        Some(c) if o.method == BillingMethod::ContractDemand => {
            format!("{}（{} kW）", method_name(o.method), c)
        }
        _ => method_name(o.method).to_string(),
    };
    if cmp.saving_yuan.is_zero() {
        return Finding {
            rule: RuleKind::BasicCharge,
            status: Status::Green,
            headline: format!("现行{}计收方式合理", describe(&cmp.current)),
            advice: "保持现行基本电费计收方式".into(),
            saving_yuan_per_year: None,
            formula: Some(format!(
                "下季度基本电费：现行 {} 元；按容量 {} 元，按实际需量 {} 元，按合同需量 {} 元",
                yuan(cmp.current.quarter_yuan),
                yuan(cmp.capacity.quarter_yuan),
                yuan(cmp.actual_demand.quarter_yuan),
                yuan(cmp.contract_demand.quarter_yuan)
            )),
            inputs,
        };
    }
    let per_year = cmp.saving_yuan * Decimal::from(4);
    Finding {
        rule: RuleKind::BasicCharge,
        status: Status::Yellow,
        headline: format!("建议改为{}计收基本电费", describe(best)),
        advice: format!(
            "下季度由{}改为{}，预计节约基本电费 {} 元",
            describe(&cmp.current),
            describe(best),
            yuan(cmp.saving_yuan)
        ),
        saving_yuan_per_year: Some(per_year.round_dp(2)),
        formula: Some(format!(
            "下季度：现行 {} 元 − {} {} 元 = {} 元；× 4 个季度 = {} 元/年（按下季度用电情况外推）",
            yuan(cmp.current.quarter_yuan),
            describe(best),
            yuan(best.quarter_yuan),
            yuan(cmp.saving_yuan),
            yuan(per_year)
        )),
        inputs,
    }
}

/// Rule (3): the power-factor adjustment.
pub fn power_factor(pf: &PfFinding, rules: &AdviceRules) -> Finding {
    let months = pf.months.len().max(1);
    let surcharged: Vec<String> = pf
        .months
        .iter()
        .filter(|m| m.surcharge)
        .map(|m| {
            format!(
                "{}月 {}（+{} 元）",
                m.month,
                m.power_factor
                    .map_or_else(|| "—".to_string(), |p| p.to_string()),
                yuan(m.adjustment_yuan)
            )
        })
        .collect();
    let paid: Decimal = pf
        .months
        .iter()
        .filter(|m| m.surcharge)
        .map(|m| m.adjustment_yuan)
        .sum();
    let mut inputs = vec![(
        "考核月数".to_string(),
        format!(
            "{} 个月，增收 {} 个月",
            pf.months.len(),
            pf.surcharge_months
        ),
    )];
    if let Some(t) = pf.target_pf {
        inputs.push(("补偿目标功率因数".to_string(), t.to_string()));
    }
    if pf.keep {
        return Finding {
            rule: RuleKind::PowerFactor,
            status: Status::Green,
            headline: "功率因数达标，无力调电费增收".into(),
            advice: "保持现有无功补偿装置运行".into(),
            saving_yuan_per_year: None,
            formula: Some(format!(
                "分析期力调电费合计 {} 元（负值为减收）",
                yuan(pf.total_adjustment_yuan)
            )),
            inputs,
        };
    }
    let status = if pf.surcharge_months >= rules.pf_red_surcharge_months {
        Status::Red
    } else {
        Status::Yellow
    };
    let per_year = paid * Decimal::from(12) / Decimal::from(months);
    inputs.push(("增收月份".to_string(), surcharged.join("；")));
    Finding {
        rule: RuleKind::PowerFactor,
        status,
        headline: format!("{} 个月功率因数未达标，被增收力调电费", pf.surcharge_months),
        advice: format!(
            "检查或更换无功补偿装置，建议补偿容量约 {:.0} kvar",
            pf.max_compensation_kvar
        ),
        saving_yuan_per_year: Some(per_year.round_dp(2)),
        formula: Some(format!(
            "分析期增收 {} 元 × 12 / {} 个月 = {} 元/年；补偿容量 Q_c = P·(tanφ1 − tanφ2)，最大月 {:.0} kvar",
            yuan(paid),
            months,
            yuan(per_year),
            pf.max_compensation_kvar
        )),
        inputs,
    }
}

/// Rule (4): time of use. `months` is the number of months the finding covers;
/// `direct_trading_saving_yuan` is the annual saving A of a customer trading directly.
pub fn time_of_use(
    tou: &TouFinding,
    months: usize,
    direct_trading_saving_yuan: Option<Decimal>,
    rules: &AdviceRules,
) -> Finding {
    let months = months.max(1);
    let mut inputs = vec![
        (
            "低谷电费（含深谷）".to_string(),
            format!("{} 元", yuan(tou.valley_yuan)),
        ),
        (
            "高峰 + 尖峰电费".to_string(),
            format!("{} 元", yuan(tou.peak_sharp_yuan)),
        ),
        (
            "低谷电量占比".to_string(),
            format!("{}%", (tou.valley_share * Decimal::from(100)).round_dp(1)),
        ),
    ];
    if let Some(a) = direct_trading_saving_yuan {
        return Finding {
            rule: RuleKind::TimeOfUse,
            status: Status::Green,
            headline: format!("已参与电力市场直接交易，年节约 {} 元", yuan(a)),
            advice: if tou.excellent {
                "峰谷用电优秀，保持现有生产安排".into()
            } else {
                "可进一步将高峰时段生产转移至低谷时段".into()
            },
            saving_yuan_per_year: None,
            formula: None,
            inputs,
        };
    }
    if tou.excellent {
        return Finding {
            rule: RuleKind::TimeOfUse,
            status: Status::Green,
            headline: "低谷电费不低于高峰与尖峰电费之和，峰谷用电优秀".into(),
            advice: "保持现有生产安排；可评估参与电力市场直接交易".into(),
            saving_yuan_per_year: None,
            formula: None,
            inputs,
        };
    }
    // Moving a share s of peak + sharp energy to the valley saves s·(E_ps·p_ps − E_ps·p_v).
    let shift = rules.tou_shift_share;
    let saving = if tou.peak_sharp_kwh > Decimal::ZERO && tou.valley_kwh > Decimal::ZERO {
        let p_ps = tou.peak_sharp_yuan / tou.peak_sharp_kwh;
        let p_v = tou.valley_yuan / tou.valley_kwh;
        let moved = shift * tou.peak_sharp_kwh;
        let window = moved * (p_ps - p_v);
        let per_year = window * Decimal::from(12) / Decimal::from(months);
        inputs.push((
            "高峰尖峰均价 / 低谷均价".to_string(),
            format!("{} / {} 元/kWh", p_ps.round_dp(4), p_v.round_dp(4)),
        ));
        Some((moved, p_ps, p_v, per_year))
    } else {
        None
    };
    Finding {
        rule: RuleKind::TimeOfUse,
        status: Status::Yellow,
        headline: "低谷电费低于高峰与尖峰电费之和".into(),
        advice: format!(
            "建议参与电力市场直接交易，或将 {}% 的高峰尖峰生产转移至低谷时段",
            (shift * Decimal::from(100)).round_dp(0)
        ),
        saving_yuan_per_year: saving.map(|(.., y)| y.round_dp(2)),
        formula: saving.map(|(moved, p_ps, p_v, y)| {
            format!(
                "{} × {} kWh = {} kWh 移至低谷 × ({} − {}) 元/kWh × 12 / {} 个月 = {} 元/年",
                shift,
                tou.peak_sharp_kwh.round_dp(0),
                moved.round_dp(0),
                p_ps.round_dp(4),
                p_v.round_dp(4),
                months,
                yuan(y)
            )
        }),
        inputs,
    }
}
