//! A month's usage → a bill, line by line.
//!
//! About 810 lines of code: the bill and its basic-charge rules belong together (each line of
//! the bill is checked against the same pro-rating and overflow rules).
//!
//! Basic charge (reference tariff.md §1.2, 发改办价格〔2016〕1583号):
//!
//! ```text
//! capacity:         B = p_c · Σ_days S_day / days_in_month               (= p_c · S for a full month)
//! contract demand:  D_eff = max(D_c, floor · S̄)
//!                   D_act ≤ band · D_eff:  B = D_eff · p_d
//!                   else variant A:        B = band · D_eff · p_d + m · p_d · (D_act − band · D_eff)
//!                        variant B:        B = D_eff · p_d        + m · p_d · (D_act − band · D_eff)
//! actual demand:    B = D_act · p_d   (D_act raised to floor · S̄ if the table says so)
//! ```
//!
//! with floor = 0.40, band = 1.05, m = 2 by default. S_day is the capacity in service on a day
//! (the contract capacity less what is sealed under suspension 暂停 or reduction 减容), S̄ its
//! average over the days in service. Demand charges of a partial month (service starting or
//! ending within it, or days with everything sealed) are pro-rated by the days in service over
//! the days of the month (1583号 §7 as recalled in the reference, confidence M). In a month whose
//! total kWh / contract capacity reaches the discount threshold (260 kWh/kVA) the demand price is
//! p_d × 0.9 (526号 era, reference §1.3), when the table enables it.
//!
//! Power-factor adjustment (reference §2.2): base = basic charge + the pf-adjusted part of the
//! energy charge (funds excluded); adjustment = base × table% / 100.
//!
//! Rounding: see [the module documentation](super#rounding).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::prices::{OverrunVariant, PriceTable};
use super::schedule::{CompiledSchedule, TouSchedule};
use super::{Period, PeriodValues, PfStandard, TariffError, power_factor, round_yuan};

/// The largest quantity (kWh, kvarh, kW, kVA) a usage record may hold.
const MAX_QUANTITY: i64 = 1_000_000_000_000_000;

/// How the basic charge is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingMethod {
    /// By transformer (and HV-motor) capacity: S · p_c.
    #[default]
    Capacity,
    /// By contract maximum demand with the 40 % floor and the 105 % band.
    ContractDemand,
    /// By the month's actual maximum demand.
    ActualDemand,
    /// No basic charge (single-part price).
    None,
}

impl BillingMethod {
    /// The snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capacity => "capacity",
            Self::ContractDemand => "contract_demand",
            Self::ActualDemand => "actual_demand",
            Self::None => "none",
        }
    }
}

/// Capacity sealed (suspended 暂停 or reduced 减容) on the days `from..=until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedCapacity {
    /// The capacity sealed (kVA).
    #[serde(deserialize_with = "super::exact::de")]
    pub capacity_kva: Decimal,
    /// First day sealed.
    pub from: NaiveDate,
    /// Last day sealed (inclusive).
    pub until: NaiveDate,
    /// Suspension, reduction, ... (free text for the bill).
    #[serde(default)]
    pub reason: Option<String>,
}

/// One customer's usage in one billing month (a calendar month; China Standard Time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthlyUsage {
    /// Customer number (户号).
    pub customer: String,
    /// Year of the billing month.
    pub year: i32,
    /// Billing month (1–12).
    pub month: u32,
    /// Active energy per TOU period (kWh).
    #[serde(default)]
    pub energy_kwh: PeriodValues<Decimal>,
    /// Forward (inductive) reactive energy (kvarh); its absolute value counts.
    #[serde(default, deserialize_with = "super::exact::de")]
    pub kvarh_forward: Decimal,
    /// Reverse (capacitive) reactive energy (kvarh); its absolute value counts.
    #[serde(default, deserialize_with = "super::exact::de")]
    pub kvarh_reverse: Decimal,
    /// The month's maximum demand: highest 15-minute average active power (kW).
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub max_demand_kw: Option<Decimal>,
    /// Contract capacity: transformers plus HV motors bypassing a transformer (kVA, kW as kVA).
    #[serde(deserialize_with = "super::exact::de")]
    pub capacity_kva: Decimal,
    /// Capacity sealed during the month.
    #[serde(default)]
    pub sealed: Vec<SealedCapacity>,
    /// First billed day when service starts within the month.
    #[serde(default)]
    pub billing_from: Option<NaiveDate>,
    /// Last billed day when service ends within the month.
    #[serde(default)]
    pub billing_until: Option<NaiveDate>,
    /// The basic-charge method.
    #[serde(default)]
    pub method: BillingMethod,
    /// Contract maximum demand (kW), for [`BillingMethod::ContractDemand`].
    #[serde(default, deserialize_with = "super::exact::de_opt")]
    pub contract_demand_kw: Option<Decimal>,
}

impl MonthlyUsage {
    /// A usage record with no energy, billed by capacity.
    #[must_use]
    pub fn new(customer: &str, year: i32, month: u32, capacity_kva: Decimal) -> Self {
        Self {
            customer: customer.to_owned(),
            year,
            month,
            energy_kwh: PeriodValues::default(),
            kvarh_forward: Decimal::ZERO,
            kvarh_reverse: Decimal::ZERO,
            max_demand_kw: None,
            capacity_kva,
            sealed: Vec::new(),
            billing_from: None,
            billing_until: None,
            method: BillingMethod::Capacity,
            contract_demand_kw: None,
        }
    }

    /// `customer "C1" 2026-02`, used in error messages.
    #[must_use]
    pub fn record(&self) -> String {
        format!(
            "customer {:?} {}-{:02}",
            self.customer, self.year, self.month
        )
    }

    /// Refuses negative quantities ([`TariffError::NegativeQuantity`]) and quantities above
    /// 10^15 ([`TariffError::InvalidValue`]), which keeps every product on a bill inside the
    /// range of exact decimals. Reverse kvarh may be recorded negative (its absolute value
    /// counts).
    ///
    /// # Errors
    /// As above.
    pub fn check_quantities(&self) -> Result<(), TariffError> {
        let limit = Decimal::from(MAX_QUANTITY);
        let check = |field: &dyn Fn() -> String, v: Decimal, signed: bool| {
            if !signed && v.is_sign_negative() && !v.is_zero() {
                return Err(TariffError::NegativeQuantity {
                    record: self.record(),
                    field: field(),
                    value: v,
                });
            }
            if v.abs() > limit {
                return Err(TariffError::InvalidValue {
                    record: self.record(),
                    field: "quantity",
                    value: format!("{} = {v}", field()),
                    reason: "is above 10^15",
                });
            }
            Ok(())
        };
        for (p, e) in self.energy_kwh.iter() {
            check(&|| format!("energy_kwh.{p}"), e, false)?;
        }
        check(&|| "kvarh_forward".into(), self.kvarh_forward, false)?;
        check(&|| "kvarh_reverse".into(), self.kvarh_reverse, true)?;
        check(&|| "capacity_kva".into(), self.capacity_kva, false)?;
        if let Some(d) = self.max_demand_kw {
            check(&|| "max_demand_kw".into(), d, false)?;
        }
        if let Some(d) = self.contract_demand_kw {
            check(&|| "contract_demand_kw".into(), d, false)?;
        }
        for s in &self.sealed {
            check(&|| "sealed.capacity_kva".into(), s.capacity_kva, false)?;
        }
        Ok(())
    }

    /// Total active energy (kWh).
    #[must_use]
    pub fn total_kwh(&self) -> Decimal {
        self.energy_kwh.total()
    }
}

/// The energy charge of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyLine {
    /// The period.
    pub period: Period,
    /// Energy (kWh).
    pub energy_kwh: Decimal,
    /// Unit price, all energy components (yuan/kWh).
    pub unit_price_yuan_per_kwh: Decimal,
    /// energy × unit price, rounded to 0.01.
    pub amount_yuan: Decimal,
    /// The part of the amount in the pf base (energy × pf-adjusted price, rounded).
    pub pf_base_yuan: Decimal,
}

/// The basic charge and how it was determined ([`BasicCharge::describe`] says it in words;
/// the JSON form carries that text as `basis`).
#[derive(Debug, Clone, PartialEq)]
pub struct BasicCharge {
    /// The method.
    pub method: BillingMethod,
    /// Days of the month.
    pub days_in_month: u32,
    /// Days billed with some capacity in service.
    pub days_in_service: u32,
    /// Contract capacity (kVA).
    pub capacity_kva: Decimal,
    /// Σ over the month's days of the capacity in service (kVA·day).
    pub capacity_kva_days: Decimal,
    /// Average capacity in service over the days in service (kVA).
    pub capacity_in_service_kva: Decimal,
    /// The unit price used: p_c (yuan/kVA·month) or p_d after any discount (yuan/kW·month).
    pub unit_price: Decimal,
    /// Total kWh / contract capacity.
    pub kwh_per_kva: Option<Decimal>,
    /// Whether the high-utilisation demand-price discount applied.
    pub discount_applied: bool,
    /// The month's maximum demand (kW).
    pub actual_demand_kw: Option<Decimal>,
    /// The declared contract demand (kW).
    pub contract_demand_kw: Option<Decimal>,
    /// floor_ratio × capacity in service (kW).
    pub floor_kw: Option<Decimal>,
    /// The demand billed at the normal price: D_eff for contract demand, D for actual demand (kW).
    pub billing_demand_kw: Option<Decimal>,
    /// band × D_eff (kW).
    pub band_kw: Option<Decimal>,
    /// Demand above the band (kW), charged at the overrun multiplier.
    pub overrun_kw: Option<Decimal>,
    /// The overrun formula used.
    pub overrun_variant: Option<OverrunVariant>,
    /// The price multiplier above the band.
    pub overrun_multiplier: Option<Decimal>,
    /// The charge at the normal price before rounding, after pro-rating (yuan).
    pub normal_part_yuan: Decimal,
    /// The overrun charge before rounding, after pro-rating (yuan).
    pub overrun_part_yuan: Decimal,
    /// The basic charge, rounded to 0.01 (yuan).
    pub amount_yuan: Decimal,
}

impl BasicCharge {
    /// How the charge was determined, in words (built on demand: billing does not format text).
    #[must_use]
    pub fn describe(&self) -> String {
        let discount = if self.discount_applied {
            format!(
                " (discounted for {} kWh/kVA)",
                self.kwh_per_kva.unwrap_or_default().round_dp(2)
            )
        } else {
            String::new()
        };
        let mut text = match self.method {
            BillingMethod::None => "no basic charge (single-part price)".to_owned(),
            BillingMethod::Capacity => {
                if self.days_in_service == self.days_in_month
                    && self.capacity_kva_days
                        == self.capacity_kva * Decimal::from(self.days_in_month)
                {
                    format!(
                        "{} kVA × {} yuan/kVA·month",
                        self.capacity_kva, self.unit_price
                    )
                } else {
                    format!(
                        "{} kVA·day / {} days × {} yuan/kVA·month (pro-rated by days in service)",
                        self.capacity_kva_days, self.days_in_month, self.unit_price
                    )
                }
            }
            BillingMethod::ActualDemand => format!(
                "actual maximum demand {} kW × {} yuan/kW·month{discount}",
                self.billing_demand_kw.unwrap_or_default(),
                self.unit_price
            ),
            BillingMethod::ContractDemand => {
                let d_eff = self.billing_demand_kw.unwrap_or_default();
                let band = self.band_kw.unwrap_or_default();
                let d_act = self.actual_demand_kw.unwrap_or_default();
                let excess = self.overrun_kw.unwrap_or_default();
                if excess.is_zero() {
                    format!(
                        "contract demand {d_eff} kW (declared {}, floor {}) × {} yuan/kW·month{discount}; actual {d_act} kW within {band} kW",
                        self.contract_demand_kw.unwrap_or_default(),
                        self.floor_kw.unwrap_or_default(),
                        self.unit_price
                    )
                } else {
                    let (normal, variant) = match self.overrun_variant {
                        Some(OverrunVariant::B) => (d_eff, "B"),
                        _ => (band, "A"),
                    };
                    format!(
                        "actual {d_act} kW above {band} kW (band × contract {d_eff} kW): {normal} kW × {p} + {excess} kW × {m} × {p} (variant {variant}){discount}",
                        p = self.unit_price,
                        m = self.overrun_multiplier.unwrap_or_default(),
                    )
                }
            }
        };
        if self.method != BillingMethod::None
            && self.method != BillingMethod::Capacity
            && self.days_in_service != self.days_in_month
        {
            text.push_str(&format!(
                "; pro-rated {} of {} days",
                self.days_in_service, self.days_in_month
            ));
        }
        text
    }
}

impl Serialize for BasicCharge {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("BasicCharge", 24)?;
        st.serialize_field("method", &self.method)?;
        st.serialize_field("days_in_month", &self.days_in_month)?;
        st.serialize_field("days_in_service", &self.days_in_service)?;
        st.serialize_field("capacity_kva", &self.capacity_kva)?;
        st.serialize_field("capacity_kva_days", &self.capacity_kva_days)?;
        st.serialize_field("capacity_in_service_kva", &self.capacity_in_service_kva)?;
        st.serialize_field("unit_price", &self.unit_price)?;
        st.serialize_field("kwh_per_kva", &self.kwh_per_kva)?;
        st.serialize_field("discount_applied", &self.discount_applied)?;
        st.serialize_field("actual_demand_kw", &self.actual_demand_kw)?;
        st.serialize_field("contract_demand_kw", &self.contract_demand_kw)?;
        st.serialize_field("floor_kw", &self.floor_kw)?;
        st.serialize_field("billing_demand_kw", &self.billing_demand_kw)?;
        st.serialize_field("band_kw", &self.band_kw)?;
        st.serialize_field("overrun_kw", &self.overrun_kw)?;
        st.serialize_field("overrun_variant", &self.overrun_variant)?;
        st.serialize_field("overrun_multiplier", &self.overrun_multiplier)?;
        st.serialize_field("normal_part_yuan", &self.normal_part_yuan)?;
        st.serialize_field("overrun_part_yuan", &self.overrun_part_yuan)?;
        st.serialize_field("amount_yuan", &self.amount_yuan)?;
        st.serialize_field("basis", &self.describe())?;
        st.end()
    }
}

/// The power-factor adjustment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PfLine {
    /// The standard applied.
    pub standard: PfStandard,
    /// Active energy (kWh).
    pub energy_kwh: Decimal,
    /// |forward| + |reverse| kvarh.
    pub kvarh: Decimal,
    /// The month's power factor, 2 decimals (`None` when there was no energy).
    pub power_factor: Option<Decimal>,
    /// Table percentage (+ surcharge, − reduction).
    pub adjustment_pct: Decimal,
    /// The base the percentage applies to: basic + pf-adjusted energy charge (yuan).
    pub base_yuan: Decimal,
    /// base × pct / 100, rounded (yuan).
    pub amount_yuan: Decimal,
}

/// A fund or surcharge line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FundLine {
    /// The fund.
    pub name: String,
    /// Energy it is levied on (kWh).
    pub energy_kwh: Decimal,
    /// Rate (yuan/kWh).
    pub yuan_per_kwh: Decimal,
    /// Amount, rounded (yuan).
    pub amount_yuan: Decimal,
}

/// A month's bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bill {
    /// Customer number.
    pub customer: String,
    /// Year.
    pub year: i32,
    /// Month.
    pub month: u32,
    /// The price table applied.
    pub price_table: String,
    /// Energy charge per period.
    pub energy: Vec<EnergyLine>,
    /// Total energy (kWh).
    pub energy_kwh: Decimal,
    /// Σ energy lines (yuan).
    pub energy_yuan: Decimal,
    /// The basic charge.
    pub basic: BasicCharge,
    /// The power-factor adjustment.
    pub pf: PfLine,
    /// Funds and surcharges.
    pub funds: Vec<FundLine>,
    /// Σ fund lines (yuan).
    pub funds_yuan: Decimal,
    /// energy + basic + pf adjustment + funds (yuan).
    pub total_yuan: Decimal,
}

impl Bill {
    /// The energy charge of a period (zero when the bill has no line for it).
    #[must_use]
    pub fn energy_charge(&self, period: Period) -> Decimal {
        self.energy
            .iter()
            .filter(|l| l.period == period)
            .map(|l| l.amount_yuan)
            .sum()
    }
}

/// A TOU schedule and a price table validated together: the thing that bills.
#[derive(Debug, Clone, PartialEq)]
pub struct Tariff {
    schedule: TouSchedule,
    compiled: CompiledSchedule,
    prices: PriceTable,
    unit: [(Decimal, Decimal); 5],
}

/// The inputs of a basic-charge computation (also used by the decisions).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BasicInputs {
    pub(crate) method: BillingMethod,
    pub(crate) days_in_month: u32,
    pub(crate) days_in_service: u32,
    pub(crate) capacity_kva: Decimal,
    pub(crate) kva_days: Decimal,
    pub(crate) total_kwh: Decimal,
    pub(crate) max_demand_kw: Option<Decimal>,
    pub(crate) contract_demand_kw: Option<Decimal>,
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from((next - first).num_days()).ok()
}

impl Tariff {
    /// Validates a schedule and a price table together.
    ///
    /// # Errors
    /// The schedule's errors ([`TouSchedule::compile`]) and the price table's
    /// ([`PriceTable::unit_prices`]), e.g. [`TariffError::PriceMissingPeriod`].
    pub fn new(schedule: TouSchedule, prices: PriceTable) -> Result<Self, TariffError> {
        let compiled = schedule.compile()?;
        let unit = prices.unit_prices(&compiled)?;
        Ok(Self {
            schedule,
            compiled,
            prices,
            unit,
        })
    }

    /// The schedule.
    #[must_use]
    pub fn schedule(&self) -> &TouSchedule {
        &self.schedule
    }

    /// The compiled schedule (period lookup).
    #[must_use]
    pub fn compiled(&self) -> &CompiledSchedule {
        &self.compiled
    }

    /// The price table.
    #[must_use]
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }

    /// The unit energy price of a period, all components (yuan/kWh); `None` when the schedule
    /// does not use the period.
    #[must_use]
    pub fn unit_price(&self, period: Period) -> Option<Decimal> {
        self.compiled
            .uses(period)
            .then(|| self.unit[period.index()].0)
    }

    /// Bills a month. The billed days must lie within the validity of the schedule and the
    /// price table (`effective_from` ..= `effective_until`).
    ///
    /// # Errors
    /// [`TariffError::OutsideValidity`] for a month outside the tariff's validity,
    /// [`TariffError::NegativeQuantity`], [`TariffError::DemandWithoutCapacity`],
    /// [`TariffError::MissingField`], [`TariffError::NoBasicPrice`],
    /// [`TariffError::PriceMissingPeriod`] (energy in a period the tariff does not price),
    /// [`TariffError::PfZeroEnergy`] (reactive but no active energy), [`TariffError::InvalidDate`]
    /// (billing or sealed dates outside the month), [`TariffError::InvalidValue`] (sealed
    /// capacity above the capacity, a capacity of 0 kVA with a two-part method, quantities
    /// above 10^15), [`TariffError::Overflow`].
    pub fn bill(&self, usage: &MonthlyUsage) -> Result<Bill, TariffError> {
        self.bill_inner(usage, true)
    }

    /// Bills a month at this tariff's prices and schedule whether or not they are in force in
    /// that month: a what-if (e.g. last year's usage at today's prices). Everything else is
    /// checked as in [`Tariff::bill`].
    ///
    /// # Errors
    /// As [`Tariff::bill`], except [`TariffError::OutsideValidity`].
    pub fn bill_what_if(&self, usage: &MonthlyUsage) -> Result<Bill, TariffError> {
        self.bill_inner(usage, false)
    }

    /// Refuses billed days outside the validity of the schedule or the price table.
    fn check_in_force(
        &self,
        record: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<(), TariffError> {
        let window = |f: NaiveDate, u: Option<NaiveDate>| match u {
            Some(u) => format!("{f} to {u}"),
            None => format!("from {f}"),
        };
        let s = &self.schedule;
        let p = &self.prices;
        for (what, name, ef, eu) in [
            ("schedule", &s.name, s.effective_from, s.effective_until),
            ("price table", &p.name, p.effective_from, p.effective_until),
        ] {
            let inside = |d: NaiveDate| ef <= d && eu.is_none_or(|u| d <= u);
            if let Some(d) = [from, until].into_iter().find(|d| !inside(*d)) {
                return Err(TariffError::OutsideValidity {
                    record: record.to_owned(),
                    what,
                    name: name.clone(),
                    valid: window(ef, eu),
                    date: d.to_string(),
                });
            }
        }
        Ok(())
    }

    fn bill_inner(&self, usage: &MonthlyUsage, in_force: bool) -> Result<Bill, TariffError> {
        usage.check_quantities()?;
        let record = usage.record();
        for (p, e) in usage.energy_kwh.iter() {
            if !e.is_zero() && !self.compiled.uses(p) {
                return Err(TariffError::PriceMissingPeriod {
                    table: self.prices.name.clone(),
                    component: format!("schedule {:?}", self.schedule.name),
                    period: p,
                });
            }
        }
        let (dim, days_in_service, kva_days, from, until) = self.service_days(usage, &record)?;
        if in_force {
            self.check_in_force(&record, from, until)?;
        }
        if usage.capacity_kva.is_zero() {
            for (field, v) in [
                ("max_demand_kw", usage.max_demand_kw),
                ("contract_demand_kw", usage.contract_demand_kw),
            ] {
                if let Some(d) = v.filter(|d| !d.is_zero()) {
                    return Err(TariffError::DemandWithoutCapacity {
                        record,
                        field,
                        demand_kw: d,
                    });
                }
            }
            // A two-part customer has capacity (the basic charge is S·p_c, and the 40 % floor
            // of demand billing is a share of S; reference §1.1–1.2): 0 kVA would bill a basic
            // charge of 0.00. Single-part customers use the method `none`.
            if usage.method != BillingMethod::None {
                return Err(TariffError::InvalidValue {
                    record,
                    field: "capacity_kva",
                    value: format!("0 with method {}", usage.method.as_str()),
                    reason: "is not a capacity for a two-part (basic-charge) method; use method \"none\" for a single-part price",
                });
            }
        }

        let ck = super::Checked {
            record: &record,
            what: "bill",
        };
        let total_kwh = ck.sum(usage.energy_kwh.0)?;
        let mut energy = Vec::with_capacity(5);
        let (mut energy_yuan, mut energy_pf_base) = (Decimal::ZERO, Decimal::ZERO);
        for p in Period::ALL {
            if !self.compiled.uses(p) {
                continue;
            }
            let kwh = usage.energy_kwh.get(p);
            let (price, adjusted) = self.unit[p.index()];
            let overflow = || TariffError::Overflow {
                record: record.clone(),
                what: "energy charge",
            };
            let amount = round_yuan(kwh.checked_mul(price).ok_or_else(overflow)?);
            let pf_base = round_yuan(kwh.checked_mul(adjusted).ok_or_else(overflow)?);
            energy_yuan = ck.add(energy_yuan, amount)?;
            energy_pf_base = ck.add(energy_pf_base, pf_base)?;
            energy.push(EnergyLine {
                period: p,
                energy_kwh: kwh,
                unit_price_yuan_per_kwh: price,
                amount_yuan: amount,
                pf_base_yuan: pf_base,
            });
        }

        let basic = self.basic_charge(
            &BasicInputs {
                method: usage.method,
                days_in_month: dim,
                days_in_service,
                capacity_kva: usage.capacity_kva,
                kva_days,
                total_kwh,
                max_demand_kw: usage.max_demand_kw,
                contract_demand_kw: usage.contract_demand_kw,
            },
            &record,
        )?;

        let kvarh = ck.add(usage.kvarh_forward.abs(), usage.kvarh_reverse.abs())?;
        let standard = self.prices.pf_standard;
        // No energy at all (or no energy and no standard): nothing to adjust.
        let pf_value = if total_kwh.is_zero() && (kvarh.is_zero() || standard == PfStandard::None) {
            None
        } else {
            Some(power_factor(
                total_kwh,
                usage.kvarh_forward,
                usage.kvarh_reverse,
                &record,
            )?)
        };
        let pct = pf_value.map_or(Decimal::ZERO, |pf| super::adjustment_pct(standard, pf));
        let base = ck.add(basic.amount_yuan, energy_pf_base)?;
        let pf_amount = round_yuan(ck.mul(base, pct)? / Decimal::ONE_HUNDRED);
        let pf = PfLine {
            standard,
            energy_kwh: total_kwh,
            kvarh,
            power_factor: pf_value,
            adjustment_pct: pct,
            base_yuan: base,
            amount_yuan: pf_amount,
        };

        let funds = self
            .prices
            .funds
            .iter()
            .map(|f| {
                Ok(FundLine {
                    name: f.name.clone(),
                    energy_kwh: total_kwh,
                    yuan_per_kwh: f.yuan_per_kwh,
                    amount_yuan: round_yuan(ck.mul(total_kwh, f.yuan_per_kwh)?),
                })
            })
            .collect::<Result<Vec<FundLine>, TariffError>>()?;
        let funds_yuan = ck.sum(funds.iter().map(|f| f.amount_yuan))?;
        let total_yuan = ck.sum([energy_yuan, basic.amount_yuan, pf.amount_yuan, funds_yuan])?;
        Ok(Bill {
            customer: usage.customer.clone(),
            year: usage.year,
            month: usage.month,
            price_table: self.prices.name.clone(),
            energy,
            energy_kwh: total_kwh,
            energy_yuan,
            basic,
            pf,
            funds,
            funds_yuan,
            total_yuan,
        })
    }

    /// Days of the month, days with capacity in service within the billing window,
    /// Σ capacity in service over those days (kVA·day), and the billing window.
    fn service_days(
        &self,
        usage: &MonthlyUsage,
        record: &str,
    ) -> Result<(u32, u32, Decimal, NaiveDate, NaiveDate), TariffError> {
        let bad_date = |field, value: String, reason| TariffError::InvalidDate {
            record: record.to_owned(),
            field,
            value,
            reason,
        };
        let dim = days_in_month(usage.year, usage.month)
            .ok_or_else(|| bad_date("month", usage.month.to_string(), "is not a month (1–12)"))?;
        let first = NaiveDate::from_ymd_opt(usage.year, usage.month, 1)
            .ok_or_else(|| bad_date("year", usage.year.to_string(), "is out of range"))?;
        let last = first + chrono::Days::new(u64::from(dim - 1));
        let from = usage.billing_from.unwrap_or(first);
        let until = usage.billing_until.unwrap_or(last);
        for (field, d) in [("billing_from", from), ("billing_until", until)] {
            if d < first || d > last {
                return Err(bad_date(
                    field,
                    d.to_string(),
                    "is outside the billing month",
                ));
            }
        }
        if from > until {
            return Err(bad_date(
                "billing_until",
                until.to_string(),
                "is before billing_from",
            ));
        }
        for s in &usage.sealed {
            if s.capacity_kva.is_sign_negative() && !s.capacity_kva.is_zero() {
                return Err(TariffError::NegativeQuantity {
                    record: record.to_owned(),
                    field: "sealed.capacity_kva".into(),
                    value: s.capacity_kva,
                });
            }
            if s.until < s.from {
                return Err(bad_date(
                    "sealed.until",
                    s.until.to_string(),
                    "is before sealed.from",
                ));
            }
            // A sealing that does not touch the month is a record of another month: billing
            // it here would silently ignore it.
            if s.until < first {
                return Err(bad_date(
                    "sealed.until",
                    s.until.to_string(),
                    "is before the billing month (the sealing lies wholly outside it)",
                ));
            }
            if s.from > last {
                return Err(bad_date(
                    "sealed.from",
                    s.from.to_string(),
                    "is after the billing month (the sealing lies wholly outside it)",
                ));
            }
        }
        let ck = super::Checked {
            record,
            what: "capacity in service",
        };
        if usage.sealed.is_empty() {
            // Nothing sealed: every billed day has the full capacity.
            let days = u32::try_from((until - from).num_days() + 1).unwrap_or(0);
            if usage.capacity_kva.is_zero() {
                return Ok((dim, 0, Decimal::ZERO, from, until));
            }
            let kva_days = ck.mul(usage.capacity_kva, Decimal::from(days))?;
            return Ok((dim, days, kva_days, from, until));
        }
        let (mut days, mut kva_days) = (0u32, Decimal::ZERO);
        let mut day = from;
        while day <= until {
            let sealed = ck.sum(
                usage
                    .sealed
                    .iter()
                    .filter(|s| s.from <= day && day <= s.until)
                    .map(|s| s.capacity_kva),
            )?;
            let in_service = ck.sub(usage.capacity_kva, sealed)?;
            if in_service.is_sign_negative() && !in_service.is_zero() {
                return Err(TariffError::InvalidValue {
                    record: record.to_owned(),
                    field: "sealed.capacity_kva",
                    value: format!("{sealed} on {day}"),
                    reason: "exceeds capacity_kva",
                });
            }
            if !in_service.is_zero() {
                days += 1;
                kva_days = ck.add(kva_days, in_service)?;
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        Ok((dim, days, kva_days, from, until))
    }

    /// The demand price for a month: p_d, or p_d × factor when the month reaches the
    /// high-utilisation threshold. Returns (price, kWh per kVA, discount applied).
    pub(crate) fn demand_price(
        &self,
        p_d: Decimal,
        total_kwh: Decimal,
        capacity_kva: Decimal,
        record: &str,
    ) -> Result<(Decimal, Option<Decimal>, bool), TariffError> {
        let ck = super::Checked {
            record,
            what: "demand price discount",
        };
        let kwh_per_kva = if capacity_kva.is_zero() {
            None
        } else {
            Some(ck.div(total_kwh, capacity_kva)?)
        };
        Ok(match (&self.prices.demand_discount, kwh_per_kva) {
            (Some(dd), Some(r)) if r >= dd.min_kwh_per_kva => {
                (ck.mul(p_d, dd.factor)?, kwh_per_kva, true)
            }
            _ => (p_d, kwh_per_kva, false),
        })
    }

    pub(crate) fn basic_charge(
        &self,
        i: &BasicInputs,
        record: &str,
    ) -> Result<BasicCharge, TariffError> {
        let rules = &self.prices.contract;
        let ck = super::Checked {
            record,
            what: "basic charge",
        };
        let s_avg = if i.days_in_service == 0 {
            Decimal::ZERO
        } else {
            ck.div(i.kva_days, Decimal::from(i.days_in_service))?
        };
        let frac = Decimal::from(i.days_in_service) / Decimal::from(i.days_in_month.max(1));
        let mut out = BasicCharge {
            method: i.method,
            days_in_month: i.days_in_month,
            days_in_service: i.days_in_service,
            capacity_kva: i.capacity_kva,
            capacity_kva_days: i.kva_days,
            capacity_in_service_kva: s_avg,
            unit_price: Decimal::ZERO,
            kwh_per_kva: None,
            discount_applied: false,
            actual_demand_kw: i.max_demand_kw,
            contract_demand_kw: i.contract_demand_kw,
            floor_kw: None,
            billing_demand_kw: None,
            band_kw: None,
            overrun_kw: None,
            overrun_variant: None,
            overrun_multiplier: None,
            normal_part_yuan: Decimal::ZERO,
            overrun_part_yuan: Decimal::ZERO,
            amount_yuan: Decimal::ZERO,
        };
        let method = i.method.as_str();
        let no_price = |field| TariffError::NoBasicPrice {
            table: self.prices.name.clone(),
            record: record.to_owned(),
            method,
            field,
        };
        let missing = |field| TariffError::MissingField {
            record: record.to_owned(),
            method,
            field,
        };
        match i.method {
            BillingMethod::None => {}
            BillingMethod::Capacity => {
                let p_c = self
                    .prices
                    .capacity_price_yuan_per_kva_month
                    .ok_or_else(|| no_price("capacity_price_yuan_per_kva_month"))?;
                out.unit_price = p_c;
                let raw = ck.div(
                    ck.mul(p_c, i.kva_days)?,
                    Decimal::from(i.days_in_month.max(1)),
                )?;
                out.normal_part_yuan = raw;
                out.amount_yuan = round_yuan(raw);
            }
            BillingMethod::ContractDemand | BillingMethod::ActualDemand => {
                let p_d = self
                    .prices
                    .demand_price_yuan_per_kw_month
                    .ok_or_else(|| no_price("demand_price_yuan_per_kw_month"))?;
                let d_act = i.max_demand_kw.ok_or_else(|| missing("max_demand_kw"))?;
                let (price, kwh_per_kva, discounted) =
                    self.demand_price(p_d, i.total_kwh, i.capacity_kva, record)?;
                out.unit_price = price;
                out.kwh_per_kva = kwh_per_kva;
                out.discount_applied = discounted;
                let floor = ck.mul(rules.floor_ratio, s_avg)?;
                out.floor_kw = Some(floor);
                let (normal, over);
                if i.method == BillingMethod::ContractDemand {
                    let d_c = i
                        .contract_demand_kw
                        .ok_or_else(|| missing("contract_demand_kw"))?;
                    let d_eff = d_c.max(floor);
                    let band = ck.mul(rules.band_ratio, d_eff)?;
                    out.billing_demand_kw = Some(d_eff);
                    out.band_kw = Some(band);
                    out.overrun_variant = Some(rules.overrun_variant);
                    out.overrun_multiplier = Some(rules.overrun_multiplier);
                    if d_act <= band {
                        normal = ck.mul(d_eff, price)?;
                        over = Decimal::ZERO;
                        out.overrun_kw = Some(Decimal::ZERO);
                    } else {
                        let excess = ck.sub(d_act, band)?;
                        out.overrun_kw = Some(excess);
                        normal = match rules.overrun_variant {
                            OverrunVariant::A => ck.mul(band, price)?,
                            OverrunVariant::B => ck.mul(d_eff, price)?,
                        };
                        over = ck.mul(ck.mul(rules.overrun_multiplier, price)?, excess)?;
                    }
                } else {
                    let d = if rules.floor_applies_to_actual_demand {
                        d_act.max(floor)
                    } else {
                        d_act
                    };
                    out.billing_demand_kw = Some(d);
                    normal = ck.mul(d, price)?;
                    over = Decimal::ZERO;
                }
                out.normal_part_yuan = ck.mul(normal, frac)?;
                out.overrun_part_yuan = ck.mul(over, frac)?;
                out.amount_yuan = round_yuan(ck.add(out.normal_part_yuan, out.overrun_part_yuan)?);
            }
        }
        Ok(out)
    }

    /// The basic charge a full month would cost with `method` (no sealed capacity), used to
    /// compare methods.
    pub(crate) fn full_month_basic(
        &self,
        method: BillingMethod,
        capacity_kva: Decimal,
        total_kwh: Decimal,
        max_demand_kw: Decimal,
        contract_demand_kw: Option<Decimal>,
        record: &str,
    ) -> Result<BasicCharge, TariffError> {
        self.basic_charge(
            &BasicInputs {
                method,
                days_in_month: 30,
                days_in_service: 30,
                capacity_kva,
                kva_days: super::Checked {
                    record,
                    what: "basic charge",
                }
                .mul(capacity_kva, Decimal::from(30))?,
                total_kwh,
                max_demand_kw: Some(max_demand_kw),
                contract_demand_kw,
            },
            record,
        )
    }

    /// The month's first day, for callers that pick a tariff by date.
    #[must_use]
    pub fn month_start(year: i32, month: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, month, 1)
    }
}

/// Days in a month (28–31), `None` for an invalid month.
#[must_use]
pub fn month_days(year: i32, month: u32) -> Option<u32> {
    days_in_month(year, month)
}
