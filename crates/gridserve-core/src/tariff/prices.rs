//! Price tables per customer category and voltage level, and the book that versions them.
//!
//! A price table (reference tariff.md §1, §3) holds:
//! - the energy components: `floating` ones are a flat price multiplied by the table's period
//!   multipliers (e.g. Guangdong peak : flat : valley = 1.7 : 1 : 0.38, sharp = peak × 1.25);
//!   `fixed` ones are the same in every period (components that do not float, e.g. T&D energy
//!   price in provinces where it does not float); `per_period` ones list a price per period;
//! - the funds and surcharges per kWh (政府性基金及附加): never float, never pf-adjusted;
//! - the capacity price p_c (yuan/kVA·month) and demand price p_d (yuan/kW·month), absent for
//!   single-part prices;
//! - the power-factor standard, the contract-demand rules (1583号) and the optional
//!   260 kWh/kVA → 90 % demand-price discount.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::schedule::{CompiledSchedule, TouSchedule};
use super::{Period, PfStandard, TariffError};

/// How an energy component is priced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EnergyPrice {
    /// A flat price multiplied by the table's period multiplier (floats with TOU).
    Floating {
        /// The flat-period price (yuan/kWh).
        #[serde(deserialize_with = "super::exact::de")]
        flat_yuan_per_kwh: Decimal,
    },
    /// The same price in every period (does not float).
    Fixed {
        /// The price (yuan/kWh).
        #[serde(deserialize_with = "super::exact::de")]
        yuan_per_kwh: Decimal,
    },
    /// An explicit price per period.
    PerPeriod {
        /// Price per period (yuan/kWh); every period the schedule uses must be present.
        #[serde(deserialize_with = "super::exact::de_map")]
        yuan_per_kwh: BTreeMap<Period, Decimal>,
    },
}

/// One component of the energy price (purchase price, line-loss charge, T&D energy price,
/// system operation charge, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyComponent {
    /// The component's name.
    pub name: String,
    /// Its price.
    pub price: EnergyPrice,
    /// Whether it is part of the power-factor adjustment base (default true; which post-2021
    /// components join the base varies by province, reference §2.2 and §8.4).
    #[serde(default = "yes")]
    pub pf_adjusted: bool,
}

fn yes() -> bool {
    true
}

/// A government fund or surcharge collected per kWh; never floats and is never pf-adjusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fund {
    /// The fund's name.
    pub name: String,
    /// yuan per kWh of total energy.
    #[serde(deserialize_with = "super::exact::de")]
    pub yuan_per_kwh: Decimal,
}

/// Which overrun formula applies above 105 % of the contract demand (reference §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrunVariant {
    /// B = band·D_eff·p_d + m·p_d·(D_act − band·D_eff): the whole band at the normal price
    /// (common billing-system implementation; the default).
    A,
    /// B = D_eff·p_d + m·p_d·(D_act − band·D_eff): continuous at the band boundary.
    B,
}

/// Contract-demand rules of 发改办价格〔2016〕1583号 (reference §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRules {
    /// The floor as a share of the capacity (0.40): a contract demand below it is raised to it.
    #[serde(deserialize_with = "super::exact::de")]
    pub floor_ratio: Decimal,
    /// The band (1.05): up to band × contract demand the contract demand is paid.
    #[serde(deserialize_with = "super::exact::de")]
    pub band_ratio: Decimal,
    /// The price multiplier above the band (2: 加一倍收取).
    #[serde(deserialize_with = "super::exact::de")]
    pub overrun_multiplier: Decimal,
    /// Variant A or B of the overrun formula.
    pub overrun_variant: OverrunVariant,
    /// Whether actual-demand billing is also raised to the floor (default false; provinces
    /// differ).
    #[serde(default)]
    pub floor_applies_to_actual_demand: bool,
}

impl Default for ContractRules {
    fn default() -> Self {
        Self {
            floor_ratio: Decimal::new(40, 2),
            band_ratio: Decimal::new(105, 2),
            overrun_multiplier: Decimal::TWO,
            overrun_variant: OverrunVariant::A,
            floor_applies_to_actual_demand: false,
        }
    }
}

/// The high-utilisation demand-price discount (526号 era, reference §1.3): in a month with
/// total kWh / capacity ≥ `min_kwh_per_kva`, demand billing uses `factor` × p_d.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandDiscount {
    /// Threshold in kWh per kVA of capacity (260).
    #[serde(deserialize_with = "super::exact::de")]
    pub min_kwh_per_kva: Decimal,
    /// The factor on the demand price (0.9).
    #[serde(deserialize_with = "super::exact::de")]
    pub factor: Decimal,
}

/// The prices for one customer category at one voltage level, in force between two dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// The table's name.
    pub name: String,
    /// Customer category (e.g. `"large_industry"`).
    pub category: String,
    /// Voltage level (e.g. `"1-10kV"`).
    pub voltage: String,
    /// Notes on the source and what is unverified.
    #[serde(default)]
    pub note: Option<String>,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force (open-ended when omitted).
    #[serde(default)]
    pub effective_until: Option<NaiveDate>,
    /// Energy price components.
    pub energy: Vec<EnergyComponent>,
    /// Multipliers on the flat price per period for `floating` components.
    #[serde(default, deserialize_with = "super::exact::de_map")]
    pub multipliers: BTreeMap<Period, Decimal>,
    /// Decimals of a derived per-period unit price (4 = 0.01 fen/kWh).
    #[serde(default = "four")]
    pub price_decimals: u32,
    /// Funds and surcharges.
    #[serde(default)]
    pub funds: Vec<Fund>,
    /// Capacity price p_c (yuan/kVA·month); `None` for a single-part price.
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub capacity_price_yuan_per_kva_month: Option<Decimal>,
    /// Demand price p_d (yuan/kW·month); `None` for a single-part price.
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub demand_price_yuan_per_kw_month: Option<Decimal>,
    /// The power-factor standard.
    pub pf_standard: PfStandard,
    /// Contract-demand rules.
    #[serde(default)]
    pub contract: ContractRules,
    /// The high-utilisation discount, if it applies.
    #[serde(default)]
    pub demand_discount: Option<DemandDiscount>,
}

/// The largest price, multiplier or ratio a table may hold.
const MAX_PRICE: i64 = 1_000_000;

fn four() -> u32 {
    4
}

impl PriceTable {
    /// Whether the table is in force on `date`.
    #[must_use]
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_until.is_none_or(|u| date <= u)
    }

    /// Checks the values and that every period `schedule` uses has a price; returns the unit
    /// prices per period: (total, the pf-adjusted part), in yuan/kWh.
    ///
    /// # Errors
    /// [`TariffError::PriceMissingPeriod`], [`TariffError::InvalidValue`] for negative prices,
    /// multipliers or rules out of range.
    pub fn unit_prices(
        &self,
        schedule: &CompiledSchedule,
    ) -> Result<[(Decimal, Decimal); 5], TariffError> {
        let record = format!("price table {:?}", self.name);
        let invalid = |field, value: Decimal, reason| TariffError::InvalidValue {
            record: record.clone(),
            field,
            value: value.to_string(),
            reason,
        };
        // Prices, multipliers and ratios are bounded so that no product on a bill can leave
        // the range of exact decimals (usage quantities are bounded likewise).
        let non_negative = |field, v: Decimal| {
            if v.is_sign_negative() && !v.is_zero() {
                Err(invalid(field, v, "is negative"))
            } else if v > Decimal::from(MAX_PRICE) {
                Err(invalid(field, v, "is above 1 000 000"))
            } else {
                Ok(())
            }
        };
        let r = &self.contract;
        non_negative("contract.band_ratio", r.band_ratio)?;
        if !(Decimal::ZERO..=Decimal::ONE).contains(&r.floor_ratio) {
            return Err(invalid(
                "contract.floor_ratio",
                r.floor_ratio,
                "is not in 0–1",
            ));
        }
        if r.band_ratio < Decimal::ONE {
            return Err(invalid("contract.band_ratio", r.band_ratio, "is below 1"));
        }
        non_negative("contract.overrun_multiplier", r.overrun_multiplier)?;
        if let Some(p) = self.capacity_price_yuan_per_kva_month {
            non_negative("capacity_price_yuan_per_kva_month", p)?;
        }
        if let Some(p) = self.demand_price_yuan_per_kw_month {
            non_negative("demand_price_yuan_per_kw_month", p)?;
        }
        if let Some(dd) = &self.demand_discount {
            non_negative("demand_discount.min_kwh_per_kva", dd.min_kwh_per_kva)?;
            if !(Decimal::ZERO..=Decimal::ONE).contains(&dd.factor) {
                return Err(invalid(
                    "demand_discount.factor",
                    dd.factor,
                    "is not in 0–1",
                ));
            }
        }
        for f in &self.funds {
            non_negative("funds.yuan_per_kwh", f.yuan_per_kwh)?;
        }
        for m in self.multipliers.values() {
            non_negative("multipliers", *m)?;
        }
        if self.price_decimals > 10 {
            return Err(invalid(
                "price_decimals",
                self.price_decimals.into(),
                "is above 10",
            ));
        }
        let mut out = [(Decimal::ZERO, Decimal::ZERO); 5];
        for p in Period::ALL {
            if !schedule.uses(p) {
                continue;
            }
            let (mut total, mut adjusted) = (Decimal::ZERO, Decimal::ZERO);
            for c in &self.energy {
                let price =
                    match &c.price {
                        EnergyPrice::Fixed { yuan_per_kwh } => *yuan_per_kwh,
                        EnergyPrice::Floating { flat_yuan_per_kwh } => {
                            non_negative("flat_yuan_per_kwh", *flat_yuan_per_kwh)?;
                            let m = self.multipliers.get(&p).ok_or_else(|| {
                                TariffError::PriceMissingPeriod {
                                    table: self.name.clone(),
                                    component: format!("multipliers (for {})", c.name),
                                    period: p,
                                }
                            })?;
                            (flat_yuan_per_kwh * m).round_dp_with_strategy(
                                self.price_decimals,
                                rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                            )
                        }
                        EnergyPrice::PerPeriod { yuan_per_kwh } => *yuan_per_kwh
                            .get(&p)
                            .ok_or_else(|| TariffError::PriceMissingPeriod {
                                table: self.name.clone(),
                                component: c.name.clone(),
                                period: p,
                            })?,
                    };
                non_negative("energy price", price)?;
                total += price;
                if c.pf_adjusted {
                    adjusted += price;
                }
            }
            out[p.index()] = (total.normalize(), adjusted.normalize());
        }
        Ok(out)
    }
}

/// Schedules and price tables, each versioned by effective date; picks the ones in force.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffBook {
    /// TOU schedules (the one in force on a date applies to every table of the book).
    pub schedules: Vec<TouSchedule>,
    /// Price tables.
    pub prices: Vec<PriceTable>,
}

impl TariffBook {
    /// Reads a book from JSON (`{"schedules": [...], "prices": [...]}`).
    ///
    /// # Errors
    /// [`TariffError::Json`] or [`TariffError::UnknownPeriod`].
    pub fn from_json(text: &str) -> Result<Self, TariffError> {
        super::from_json("tariff book", text)
    }

    /// The schedule in force on `date` (the latest `effective_from` among those in force).
    #[must_use]
    pub fn schedule_at(&self, date: NaiveDate) -> Option<&TouSchedule> {
        self.schedules
            .iter()
            .filter(|s| s.in_force(date))
            .max_by_key(|s| s.effective_from)
    }

    /// The price table for a category and voltage level in force on `date`.
    #[must_use]
    pub fn prices_at(&self, category: &str, voltage: &str, date: NaiveDate) -> Option<&PriceTable> {
        self.prices
            .iter()
            .filter(|p| p.category == category && p.voltage == voltage && p.in_force(date))
            .max_by_key(|p| p.effective_from)
    }

    /// The tariff (schedule + price table, validated together) in force on `date`.
    ///
    /// # Errors
    /// [`TariffError::NotInForce`] when either is missing, and the errors of
    /// [`super::Tariff::new`].
    pub fn tariff_for(
        &self,
        category: &str,
        voltage: &str,
        date: NaiveDate,
    ) -> Result<super::Tariff, TariffError> {
        let missing = |what| TariffError::NotInForce {
            what,
            category: category.to_owned(),
            voltage: voltage.to_owned(),
            date: date.to_string(),
        };
        let schedule = self.schedule_at(date).ok_or_else(|| missing("schedule"))?;
        let prices = self
            .prices_at(category, voltage, date)
            .ok_or_else(|| missing("price table"))?;
        super::Tariff::new(schedule.clone(), prices.clone())
    }
}
