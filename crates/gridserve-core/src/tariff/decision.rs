//! The numbers the energy report's rules need (reference tariff.md §0, §1.4, §2.4, §3.5).
//!
//! - [`break_even_demand_kw`]: D* = S·p_c/p_d, or S·p_c/(f·p_d) in a month with the
//!   high-utilisation discount factor f (0.9).
//! - [`Tariff::compare_basic_methods`]: capacity vs actual demand vs contract demand (with the
//!   cheapest contract demand) for the coming quarter, from a year of history.
//! - [`pf_finding`]: the months with a power-factor surcharge and the compensation
//!   Q_c = P·(tan φ1 − tan φ2) that would reach the target power factor.
//! - [`tou_finding`]: valley (+ deep valley) charges vs peak + sharp charges.

use rust_decimal::Decimal;
use serde::Serialize;

use super::bill::{Bill, BillingMethod, MonthlyUsage, Tariff, month_days};
use super::power_factor::compensation_kvar;
use super::{Period, PfStandard, TariffError};

/// The demand D* (kW) at which demand billing costs as much as capacity billing:
/// D* = S·p_c / (f·p_d) with f = `discount_factor` (1 without the discount). `Ok(None)` only
/// when the demand price p_d is zero (demand billing is then always cheaper).
///
/// ```
/// use gridserve_core::tariff::break_even_demand_kw;
/// use rust_decimal::Decimal;
/// // Reference §1.5: S = 3200 kVA, p_c = 22.6, p_d = 36.1 → D* = 72320 / 36.1 = 2003.3 kW.
/// let d = break_even_demand_kw(Decimal::from(3200), Decimal::new(226, 1), Decimal::new(361, 1), None)?.unwrap();
/// assert_eq!(d.round_dp(1), Decimal::new(20033, 1));
/// # Ok::<(), gridserve_core::tariff::TariffError>(())
/// ```
///
/// # Errors
/// [`TariffError::NegativeQuantity`] for a negative capacity or price,
/// [`TariffError::InvalidValue`] for a discount factor outside (0, 1], and
/// [`TariffError::Overflow`] when S·p_c or f·p_d leaves the range of exact decimals.
pub fn break_even_demand_kw(
    capacity_kva: Decimal,
    capacity_price: Decimal,
    demand_price: Decimal,
    discount_factor: Option<Decimal>,
) -> Result<Option<Decimal>, TariffError> {
    const RECORD: &str = "break_even_demand_kw";
    for (field, v) in [
        ("capacity_kva", capacity_kva),
        ("capacity_price", capacity_price),
        ("demand_price", demand_price),
    ] {
        if v.is_sign_negative() && !v.is_zero() {
            return Err(TariffError::NegativeQuantity {
                record: RECORD.into(),
                field: field.into(),
                value: v,
            });
        }
    }
    if let Some(f) = discount_factor
        && (f <= Decimal::ZERO || f > Decimal::ONE)
    {
        return Err(TariffError::InvalidValue {
            record: RECORD.into(),
            field: "discount_factor",
            value: f.to_string(),
            reason: "is not in (0, 1]",
        });
    }
    let ck = super::Checked {
        record: RECORD,
        what: "break-even demand",
    };
    if demand_price.is_zero() {
        return Ok(None);
    }
    let p = ck.mul(demand_price, discount_factor.unwrap_or(Decimal::ONE))?;
    let cost = ck.mul(capacity_kva, capacity_price)?;
    ck.div(cost, p).map(Some)
}

/// One basic-charge option over the coming quarter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodOption {
    /// The method.
    pub method: BillingMethod,
    /// The contract demand (kW) for contract-demand billing.
    pub contract_demand_kw: Option<Decimal>,
    /// The basic charge of each month of the quarter (yuan).
    pub monthly_yuan: Vec<Decimal>,
    /// Their sum (yuan).
    pub quarter_yuan: Decimal,
}

/// Capacity vs demand billing for the coming quarter (report rule 2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BasicMethodComparison {
    /// Customer number.
    pub customer: String,
    /// Contract capacity (kVA), from the latest month.
    pub capacity_kva: Decimal,
    /// The quarter's months as `(year, month)`.
    pub months: Vec<(i32, u32)>,
    /// Expected maximum demand of each month (kW): the same calendar month of the history, else
    /// the history's highest.
    pub expected_demand_kw: Vec<Decimal>,
    /// Expected kWh of each month (same rule), for the utilisation discount.
    pub expected_kwh: Vec<Decimal>,
    /// D* without the discount (kW).
    pub break_even_kw: Option<Decimal>,
    /// D* with the discount, if the table has one (kW).
    pub break_even_discounted_kw: Option<Decimal>,
    /// The current method (latest month) over the quarter.
    pub current: MethodOption,
    /// Capacity billing.
    pub capacity: MethodOption,
    /// Actual-demand billing.
    pub actual_demand: MethodOption,
    /// Contract-demand billing at the cheapest contract demand (a multiple of the step).
    pub contract_demand: MethodOption,
    /// The cheapest option's method.
    pub cheapest: BillingMethod,
    /// The cheapest option's contract demand, if any (kW).
    pub cheapest_contract_demand_kw: Option<Decimal>,
    /// current − cheapest over the quarter (yuan, ≥ 0).
    pub saving_yuan: Decimal,
}

/// One month of the power-factor finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PfMonth {
    /// Year.
    pub year: i32,
    /// Month.
    pub month: u32,
    /// The month's power factor.
    pub power_factor: Option<Decimal>,
    /// Table percentage.
    pub adjustment_pct: Decimal,
    /// Adjustment (yuan, + surcharge).
    pub adjustment_yuan: Decimal,
    /// Whether the month paid a surcharge.
    pub surcharge: bool,
    /// Average active power over the month (kW) = kWh / hours.
    pub average_kw: f64,
    /// Compensation to reach the target power factor from the measured cos φ (kWh and kvarh,
    /// not the bill's rounded factor), kvar; 0 when already there.
    pub compensation_kvar: f64,
}

/// Power-factor months with a surcharge and the compensation needed (report rule 3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PfFinding {
    /// The target power factor of the compensation.
    pub target_pf: Option<Decimal>,
    /// Every month.
    pub months: Vec<PfMonth>,
    /// Months with a surcharge.
    pub surcharge_months: usize,
    /// Σ adjustments (yuan, + net surcharge).
    pub total_adjustment_yuan: Decimal,
    /// The largest compensation of any month (kvar).
    pub max_compensation_kvar: f64,
    /// True when no month paid a surcharge (keep the compensation as it is).
    pub keep: bool,
}

/// Valley vs peak + sharp energy charges (report rule 4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouFinding {
    /// Valley + deep-valley energy charges (yuan).
    pub valley_yuan: Decimal,
    /// Peak + sharp energy charges (yuan).
    pub peak_sharp_yuan: Decimal,
    /// Valley + deep-valley energy (kWh).
    pub valley_kwh: Decimal,
    /// Peak + sharp energy (kWh).
    pub peak_sharp_kwh: Decimal,
    /// All energy (kWh).
    pub total_kwh: Decimal,
    /// valley_kwh / total (0 without energy).
    pub valley_share: Decimal,
    /// peak_sharp_kwh / total (0 without energy).
    pub peak_share: Decimal,
    /// valley charge ≥ peak + sharp charge: TOU use is excellent.
    pub excellent: bool,
}

fn next_month(y: i32, m: u32) -> (i32, u32) {
    if m >= 12 { (y + 1, 1) } else { (y, m + 1) }
}

impl Tariff {
    /// Compares the basic-charge methods for the three months after the latest month of
    /// `history`; contract demands are multiples of `step_kw` (e.g. 1 kW).
    ///
    /// The method can change only once a quarter, so each option is priced with each month's
    /// expected maximum demand (reference §1.4). The cheapest contract demand is found exactly:
    /// the quarter's charge is piecewise linear and convex in D_c, so its minimum lies at the
    /// floor or at some D_month / band, each rounded up and down to the step.
    ///
    /// # Errors
    /// [`TariffError::InvalidValue`] for an empty history or a non-positive step, and the
    /// errors of billing (missing prices, negative values).
    pub fn compare_basic_methods(
        &self,
        history: &[MonthlyUsage],
        step_kw: Decimal,
    ) -> Result<BasicMethodComparison, TariffError> {
        let latest = history
            .iter()
            .max_by_key(|u| (u.year, u.month))
            .ok_or_else(|| TariffError::InvalidValue {
                record: "history".into(),
                field: "months",
                value: "0".into(),
                reason: "is empty",
            })?;
        if step_kw <= Decimal::ZERO {
            return Err(TariffError::InvalidValue {
                record: latest.record(),
                field: "step_kw",
                value: step_kw.to_string(),
                reason: "is not positive",
            });
        }
        let record = latest.record();
        let s = latest.capacity_kva;
        for u in history {
            u.check_quantities()?;
        }
        let highest = history
            .iter()
            .filter_map(|u| u.max_demand_kw)
            .max()
            .ok_or_else(|| TariffError::MissingField {
                record: record.clone(),
                method: "comparison",
                field: "max_demand_kw",
            })?;
        let n = Decimal::from(history.len());
        let avg_kwh = history.iter().map(MonthlyUsage::total_kwh).sum::<Decimal>() / n;
        let mut months = Vec::with_capacity(3);
        let (mut y, mut m) = (latest.year, latest.month);
        for _ in 0..3 {
            (y, m) = next_month(y, m);
            months.push((y, m));
        }
        let same_month = |m: u32| {
            history
                .iter()
                .filter(|u| u.month == m)
                .max_by_key(|u| (u.year, u.month))
        };
        let expected_demand_kw: Vec<Decimal> = months
            .iter()
            .map(|&(_, m)| {
                same_month(m)
                    .and_then(|u| u.max_demand_kw)
                    .unwrap_or(highest)
            })
            .collect();
        let expected_kwh: Vec<Decimal> = months
            .iter()
            .map(|&(_, m)| same_month(m).map_or(avg_kwh, MonthlyUsage::total_kwh))
            .collect();

        let option =
            |method: BillingMethod, d_c: Option<Decimal>| -> Result<MethodOption, TariffError> {
                let mut monthly = Vec::with_capacity(3);
                for (d, kwh) in expected_demand_kw.iter().zip(&expected_kwh) {
                    let b = self.full_month_basic(method, s, *kwh, *d, d_c, &record)?;
                    monthly.push(b.amount_yuan);
                }
                let quarter_yuan = super::Checked {
                    record: &record,
                    what: "quarter basic charge",
                }
                .sum(monthly.iter().copied())?;
                Ok(MethodOption {
                    method,
                    contract_demand_kw: d_c,
                    quarter_yuan,
                    monthly_yuan: monthly,
                })
            };
        let capacity = option(BillingMethod::Capacity, None)?;
        let actual_demand = option(BillingMethod::ActualDemand, None)?;
        let rules = &self.prices().contract;
        let ck = super::Checked {
            record: &record,
            what: "contract demand candidates",
        };
        let floor = ck.mul(rules.floor_ratio, s)?;
        let mut candidates = vec![floor];
        for d in &expected_demand_kw {
            let kink = ck.div(*d, rules.band_ratio)?;
            let down = ck.mul(ck.div(kink, step_kw)?.floor(), step_kw)?;
            candidates.extend([down, ck.add(down, step_kw)?]);
        }
        let up_floor = ck.mul(ck.div(floor, step_kw)?.ceil(), step_kw)?;
        candidates.push(up_floor);
        candidates.retain(|c| *c >= floor || *c == up_floor);
        candidates.sort();
        candidates.dedup();
        let mut contract: Option<MethodOption> = None;
        for c in candidates {
            let o = option(BillingMethod::ContractDemand, Some(c))?;
            if contract
                .as_ref()
                .is_none_or(|b| o.quarter_yuan < b.quarter_yuan)
            {
                contract = Some(o);
            }
        }
        let contract_demand = match contract {
            Some(c) => c,
            None => option(BillingMethod::ContractDemand, Some(up_floor))?,
        };
        let current = match latest.method {
            BillingMethod::ContractDemand => {
                option(BillingMethod::ContractDemand, latest.contract_demand_kw)?
            }
            m => option(m, None)?,
        };
        let best = [&capacity, &actual_demand, &contract_demand]
            .into_iter()
            .min_by_key(|o| o.quarter_yuan)
            .unwrap_or(&capacity);
        let p_c = self.prices().capacity_price_yuan_per_kva_month;
        let p_d = self.prices().demand_price_yuan_per_kw_month;
        let (be, be_disc) = match (p_c, p_d) {
            (Some(p_c), Some(p_d)) => (
                break_even_demand_kw(s, p_c, p_d, None)?,
                match self.prices().demand_discount {
                    // A factor of 0 (allowed by the table) makes demand billing free.
                    Some(dd) if !dd.factor.is_zero() => {
                        break_even_demand_kw(s, p_c, p_d, Some(dd.factor))?
                    }
                    _ => None,
                },
            ),
            _ => (None, None),
        };
        Ok(BasicMethodComparison {
            customer: latest.customer.clone(),
            capacity_kva: s,
            months,
            expected_demand_kw,
            expected_kwh,
            break_even_kw: be,
            break_even_discounted_kw: be_disc,
            cheapest: best.method,
            cheapest_contract_demand_kw: best.contract_demand_kw,
            saving_yuan: (current.quarter_yuan - best.quarter_yuan).max(Decimal::ZERO),
            current,
            capacity: capacity.clone(),
            actual_demand: actual_demand.clone(),
            contract_demand: contract_demand.clone(),
        })
    }
}

/// The power-factor finding over a run of bills: every month's adjustment, the surcharge
/// months, and the compensation Q_c = P·(tan φ1 − tan φ2) that brings each month to
/// `target_pf` (default: the lowest power factor with the full reduction of the bills'
/// standard: 0.95 for 0.90, 0.94 for 0.85, 0.92 for 0.80). P is the month's average power
/// kWh / (days × `hours_per_day`), `hours_per_day` = 24 unless the plant runs fewer hours.
#[must_use]
pub fn pf_finding(
    bills: &[Bill],
    target_pf: Option<Decimal>,
    hours_per_day: Option<f64>,
) -> PfFinding {
    let standard = bills.first().map_or(PfStandard::None, |b| b.pf.standard);
    let target = target_pf.or_else(|| standard.full_reduction_pf());
    let tf = target.and_then(|t| f64::try_from(t).ok());
    let hpd = hours_per_day
        .filter(|h| h.is_finite() && *h > 0.0)
        .unwrap_or(24.0);
    let mut months = Vec::with_capacity(bills.len());
    for b in bills {
        let hours = f64::from(month_days(b.year, b.month).unwrap_or(30)) * hpd;
        let kwh = f64::try_from(b.pf.energy_kwh).unwrap_or(0.0);
        let average_kw = kwh / hours;
        // The compensation starts from the measured cos φ1 = kWh / √(kWh² + kvarh²), not the
        // bill's value rounded to 0.01, which can be off by up to 0.005 (about 2 % of Q_c).
        let kvarh = f64::try_from(b.pf.kvarh).unwrap_or(0.0);
        let pf = (kwh > 0.0 && b.pf.power_factor.is_some()).then(|| kwh / kwh.hypot(kvarh));
        let comp = match (pf, tf) {
            (Some(p), Some(t)) => compensation_kvar(average_kw, p, t),
            _ => 0.0,
        };
        months.push(PfMonth {
            year: b.year,
            month: b.month,
            power_factor: b.pf.power_factor,
            adjustment_pct: b.pf.adjustment_pct,
            adjustment_yuan: b.pf.amount_yuan,
            surcharge: b.pf.amount_yuan > Decimal::ZERO,
            average_kw,
            compensation_kvar: comp,
        });
    }
    let surcharge_months = months.iter().filter(|m| m.surcharge).count();
    PfFinding {
        target_pf: target,
        surcharge_months,
        total_adjustment_yuan: months.iter().map(|m| m.adjustment_yuan).sum(),
        max_compensation_kvar: months
            .iter()
            .map(|m| m.compensation_kvar)
            .fold(0.0, f64::max),
        keep: surcharge_months == 0,
        months,
    }
}

/// Valley vs peak + sharp energy charges over a run of bills (the energy charge after the TOU
/// float, before funds; deep valley counts as valley; reference §3.5).
#[must_use]
pub fn tou_finding(bills: &[Bill]) -> TouFinding {
    let mut f = TouFinding {
        valley_yuan: Decimal::ZERO,
        peak_sharp_yuan: Decimal::ZERO,
        valley_kwh: Decimal::ZERO,
        peak_sharp_kwh: Decimal::ZERO,
        total_kwh: Decimal::ZERO,
        valley_share: Decimal::ZERO,
        peak_share: Decimal::ZERO,
        excellent: false,
    };
    for line in bills.iter().flat_map(|b| &b.energy) {
        f.total_kwh += line.energy_kwh;
        match line.period {
            Period::Valley | Period::DeepValley => {
                f.valley_yuan += line.amount_yuan;
                f.valley_kwh += line.energy_kwh;
            }
            Period::Peak | Period::Sharp => {
                f.peak_sharp_yuan += line.amount_yuan;
                f.peak_sharp_kwh += line.energy_kwh;
            }
            Period::Flat => {}
        }
    }
    if !f.total_kwh.is_zero() {
        f.valley_share = f.valley_kwh / f.total_kwh;
        f.peak_share = f.peak_sharp_kwh / f.total_kwh;
    }
    f.excellent = f.valley_yuan >= f.peak_sharp_yuan;
    f
}
