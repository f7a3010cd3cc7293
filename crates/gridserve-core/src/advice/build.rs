//! Building reports for a whole customer set: bills, findings, indicators, weights, score.
//!
//! [`build_reports`] takes the customers of one peer group (billed under one [`Tariff`]), and
//! for each:
//! 1. bills every month of its history with the tariff — the one in force for the period the
//!    advice is for, so that savings are estimated at today's prices (a month's total can
//!    differ from the bill issued at the time under an older price table);
//! 2. applies the four rules: (1) each transformer against GB 20052 (savings priced at the
//!    customer's average energy price of the window), (2) the basic-charge comparison for the
//!    coming quarter, (3) the power-factor finding, (4) the TOU finding;
//! 3. computes the indicators of every customer ([`AdviceRules::indicators`]) into one decision
//!    matrix, weighs them ([`AdviceRules::weights`]) and scores them with TOPSIS (vector
//!    normalisation), giving each customer its closeness, rank and percentile among the peers
//!    and the peers' median of each indicator. A group of one customer gets its indicators
//!    without weights or a score.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::AdviceError;
use super::report::{
    CustomerInfo, EnergyReport, IndicatorDirection, IndicatorEntry, MonthSummary, PeriodEnergy,
    ScoreEntry,
};
use super::rules::{self, AdviceRules, WeightSpec};
use super::transformer::{self, LossTable, TransformerInput};
use crate::progress::Progress;
use crate::scoring::{
    CombineMethod, DecisionMatrix, Direction, EntropyNormalisation, TopsisOptions, UsageRecord,
    combine_weights, compute_indicators, entropy_weights_matrix, g1_weights, topsis,
};
use crate::tariff::{Bill, MonthlyUsage, Period, Tariff, pf_finding, tou_finding};

/// Everything the report needs about one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// Who the customer is.
    pub info: CustomerInfo,
    /// The months of the analysis window (usually twelve), in any order.
    pub history: Vec<MonthlyUsage>,
    /// The customer's transformers.
    #[serde(default)]
    pub transformers: Vec<TransformerInput>,
    /// The indicator inputs over the window (loads, energies, capacity …); its `id` must be
    /// the customer number.
    pub usage: UsageRecord,
    /// The annual saving A of a customer trading directly on the power market, if it does.
    #[serde(default, deserialize_with = "crate::tariff::exact::de_opt")]
    pub direct_trading_saving_yuan: Option<Decimal>,
}

fn to_f64(d: Decimal) -> f64 {
    f64::try_from(d).unwrap_or(f64::NAN)
}

fn month_summary(usage: &MonthlyUsage, bill: &Bill) -> MonthSummary {
    let e = |p| to_f64(usage.energy_kwh.get(p));
    MonthSummary {
        month: NaiveDate::from_ymd_opt(usage.year, usage.month, 1).unwrap_or_default(),
        energy: PeriodEnergy {
            sharp_kwh: e(Period::Sharp),
            peak_kwh: e(Period::Peak),
            flat_kwh: e(Period::Flat),
            valley_kwh: e(Period::Valley),
            deep_valley_kwh: e(Period::DeepValley),
        },
        max_demand_kw: usage.max_demand_kw.map(to_f64),
        capacity_kva: to_f64(usage.capacity_kva),
        contract_demand_kw: usage.contract_demand_kw.map(to_f64),
        power_factor: bill.pf.power_factor.map(to_f64),
        pf_standard: bill.pf.standard.value().map(to_f64),
        bill_total_yuan: Some(bill.total_yuan),
    }
}

fn weights(matrix: &DecisionMatrix, spec: &WeightSpec) -> Result<Vec<f64>, AdviceError> {
    let m = matrix.cols();
    Ok(match spec {
        WeightSpec::Given { weights } => {
            if weights.len() != m {
                return Err(AdviceError::InvalidRule {
                    rule: "advice rules".into(),
                    field: "weights.weights".into(),
                    value: format!("{} weights", weights.len()),
                    reason: format!("one weight per indicator is needed ({m})"),
                });
            }
            weights.clone()
        }
        WeightSpec::G1 { order, ratios } => g1_weights(order, ratios)?,
        WeightSpec::Entropy => entropy_weights_matrix(matrix, EntropyNormalisation::MinMax)?,
        WeightSpec::G1Entropy {
            order,
            ratios,
            alpha,
        } => {
            let g1 = g1_weights(order, ratios)?;
            let en = entropy_weights_matrix(matrix, EntropyNormalisation::MinMax)?;
            combine_weights(&[&g1, &en], &CombineMethod::linear(*alpha))?.weights
        }
    })
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Builds the report of every customer of one peer group.
///
/// # Errors
/// The errors of [`AdviceRules::validate`]; [`AdviceError::InvalidInput`] for a customer without history or whose usage record belongs
/// to another customer; tariff errors (a month that cannot be billed) and scoring errors (an
/// indicator whose inputs are missing) naming the record; [`AdviceError::InvalidRule`] for
/// weights that do not fit the indicators.
pub fn build_reports(
    customers: &[CustomerInput],
    tariff: &Tariff,
    rules: &AdviceRules,
    losses: &LossTable,
    issued: NaiveDate,
) -> Result<Vec<EnergyReport>, AdviceError> {
    build_reports_tracked(customers, tariff, rules, losses, issued, None)
}

/// [`build_reports`], reporting the customers done to `progress` (every 1 % or 65,536
/// customers, then once at the end); the callback's `false` stops with
/// [`AdviceError::Cancelled`].
///
/// # Errors
/// As [`build_reports`], and [`AdviceError::Cancelled`].
pub fn build_reports_tracked(
    customers: &[CustomerInput],
    tariff: &Tariff,
    rules: &AdviceRules,
    losses: &LossTable,
    issued: NaiveDate,
    mut progress: Option<&mut Progress<'_>>,
) -> Result<Vec<EnergyReport>, AdviceError> {
    rules.validate()?;
    let mut reports = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        if let Some(p) = progress.as_deref_mut() {
            p.report(i)?;
        }
        if c.history.is_empty() {
            return Err(AdviceError::InvalidInput {
                record: c.info.number.clone(),
                field: "history".into(),
                value: "0 months".into(),
                reason: "needs at least one month".into(),
            });
        }
        if c.usage.id != c.info.number {
            return Err(AdviceError::InvalidInput {
                record: c.info.number.clone(),
                field: "usage.id".into(),
                value: c.usage.id.clone(),
                reason: "is not the customer's number".into(),
            });
        }
        let mut history = c.history.clone();
        history.sort_by_key(|u| (u.year, u.month));
        let bills = history
            .iter()
            .map(|u| tariff.bill_what_if(u))
            .collect::<Result<Vec<_>, _>>()?;
        let months: Vec<MonthSummary> = history
            .iter()
            .zip(&bills)
            .map(|(u, b)| month_summary(u, b))
            .collect();

        let energy_kwh: Decimal = bills.iter().map(|b| b.energy_kwh).sum();
        let energy_yuan: Decimal = bills.iter().map(|b| b.energy_yuan).sum();
        let avg_price = if energy_kwh > Decimal::ZERO {
            (energy_yuan / energy_kwh).round_dp(4)
        } else {
            tariff.unit_price(Period::Flat).unwrap_or_default()
        };
        let evaluation_year = history.last().map_or(issued.year(), |u| u.year);

        let mut findings = Vec::new();
        for t in &c.transformers {
            let f =
                transformer::evaluate(t, losses, &rules.transformer, evaluation_year, avg_price)?;
            findings.push(transformer_finding(&f, avg_price));
        }
        let cmp = tariff.compare_basic_methods(&history, rules.contract_step_kw)?;
        findings.push(rules::basic_charge(&cmp));
        let pf = pf_finding(&bills, rules.pf_target, rules.pf_hours_per_day);
        findings.push(rules::power_factor(&pf, rules));
        let tou = tou_finding(&bills);
        findings.push(rules::time_of_use(
            &tou,
            bills.len(),
            c.direct_trading_saving_yuan,
            rules,
        ));

        reports.push(EnergyReport {
            customer: c.info.clone(),
            issued,
            months,
            indicators: Vec::new(),
            score: None,
            findings,
        });
    }

    if !customers.is_empty() && !rules.indicators.is_empty() {
        let records: Vec<UsageRecord> = customers.iter().map(|c| c.usage.clone()).collect();
        let matrix = compute_indicators(&records, &rules.indicators, &rules.indicator_options)?;
        // A peer group of one has nothing to be ranked against: its indicators are reported,
        // without weights or a score.
        let scored = if customers.len() >= 2 {
            let w = weights(&matrix, &rules.weights)?;
            let result = topsis(&matrix, &w, &TopsisOptions::default())?;
            Some((w, result))
        } else {
            None
        };
        let medians: Vec<Option<f64>> = (0..matrix.cols())
            .map(|j| matrix.column(j).and_then(median))
            .collect();
        let w_sum: f64 = scored.as_ref().map_or(0.0, |(w, _)| w.iter().sum());
        for (i, report) in reports.iter_mut().enumerate() {
            report.indicators = matrix
                .criteria()
                .iter()
                .enumerate()
                .map(|(j, crit)| IndicatorEntry {
                    key: crit.name.clone(),
                    name: rules
                        .indicators
                        .get(j)
                        .map_or_else(|| crit.name.clone(), |ind| ind.label_zh().to_string()),
                    unit: crit.unit.clone(),
                    direction: match crit.direction {
                        Direction::Benefit => IndicatorDirection::Benefit,
                        Direction::Cost => IndicatorDirection::Cost,
                        Direction::Interval { lo, hi } => {
                            let [low, high] = matrix.range_of(i, j).unwrap_or([lo, hi]);
                            IndicatorDirection::Interval { low, high }
                        }
                    },
                    value: matrix
                        .column(j)
                        .and_then(|c| c.get(i))
                        .copied()
                        .unwrap_or(f64::NAN),
                    peer_median: medians.get(j).copied().flatten(),
                    weight: scored
                        .as_ref()
                        .and_then(|(w, _)| w.get(j))
                        .map(|x| if w_sum > 0.0 { x / w_sum } else { *x }),
                })
                .collect();
            report.score = scored
                .as_ref()
                .and_then(|(_, r)| r.score(i))
                .map(|s| ScoreEntry {
                    closeness: s.closeness,
                    rank: s.rank as usize,
                    peers: s.peers,
                    percentile: s.percentile,
                });
        }
    }
    if let Some(p) = progress {
        p.finish()?;
    }
    Ok(reports)
}

fn transformer_finding(f: &transformer::TransformerFinding, price: Decimal) -> super::Finding {
    use super::report::RuleKind;
    let mut inputs = vec![
        ("设备".to_string(), f.asset.clone()),
        ("系列".to_string(), f.series.clone()),
        ("负载率".to_string(), format!("{:.2}", f.load_ratio)),
    ];
    if let Some((l, _)) = &f.losses {
        inputs.push((
            "空载/负载损耗".to_string(),
            format!("{} / {} kW", l.p0_kw, l.pk_kw),
        ));
    }
    if let Some(age) = f.age_years {
        inputs.push(("投运年限".to_string(), format!("{age} 年")));
    }
    inputs.push(("平均电价".to_string(), format!("{price} 元/kWh")));
    let red = f.status == transformer::Status::Red;
    super::Finding {
        rule: RuleKind::Transformer,
        status: f.status,
        headline: match f.status {
            transformer::Status::Red => format!("{} {} 系列为高耗能变压器", f.asset, f.series),
            transformer::Status::Yellow => format!("{} 需加强监测", f.asset),
            transformer::Status::Green => format!("{} 能效正常", f.asset),
        },
        advice: f.advice.clone(),
        // Only a red unit is advised to be replaced, so only its saving counts.
        saving_yuan_per_year: if red {
            f.replacement.as_ref().map(|r| r.saving_yuan_per_year)
        } else {
            None
        },
        formula: if red {
            f.replacement.as_ref().map(|r| r.formula.clone())
        } else {
            None
        },
        inputs,
    }
}
