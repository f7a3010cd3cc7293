//! Two-part tariff bills: time-of-use energy charges, the basic charge by capacity or demand,
//! the power-factor adjustment and funds, in exact decimal money.
//!
//! A large industrial customer (大工业, a high-voltage dedicated-transformer customer) in China
//! pays a two-part tariff (两部制电价) each month:
//!
//! ```text
//! bill = Σ_period  kWh_period × price_period              energy charge (电度电费), TOU-adjusted
//!      + basic charge (基本电费)                           by capacity, contract demand or actual demand
//!      + (basic + energy) × pf% / 100                     power-factor adjustment (力调电费)
//!      + Σ_funds kWh_total × fund                          government funds and surcharges (no float, no pf)
//! ```
//!
//! - [`schedule`]: TOU schedules (sharp/peak/flat/valley/deep-valley over half-open hour ranges,
//!   seasons by month and day type, a sharp-peak overlay with extra days), validated so that
//!   every half hour of every month and day type has exactly one period; a gap or an overlap is
//!   refused with its exact interval. National basis: 发改价格〔2021〕1093号.
//! - [`prices`]: price tables per customer category and voltage level: energy components
//!   (floating with the TOU multipliers, fixed, or priced per period), funds, the capacity price
//!   p_c (yuan/kVA·month), the demand price p_d (yuan/kW·month), the pf standard, the contract-demand
//!   rules of 发改办价格〔2016〕1583号 (40 % floor, 105 % band, double price above it, variants A/B)
//!   and the 260 kWh/kVA → 90 % demand-price discount (526号 era, optional). [`TariffBook`] holds
//!   them versioned by effective date.
//! - [`power_factor`](mod@power_factor): cos φ = kWh / √(kWh² + (|fwd| + |rev|)²) rounded half-up to 0.01 (exactly,
//!   without floating point at the boundaries) and the adjustment percentage of
//!   (83)水电财字第215号 for the standards 0.90, 0.85 and 0.80 in closed form (checked in the tests
//!   against the full table shipped as `data/pf_adjustment_1983.csv`).
//! - [`bill`]: [`MonthlyUsage`] → [`Bill`], line by line.
//! - [`interval`]: 15-minute data → per-period energy, maximum demand, load factor and shares;
//!   a columnar batch over many customers (one contiguous slice per quantity).
//! - [`decision`]: the numbers the energy report needs: break-even demand, the cheapest basic
//!   charge method and contract demand for the coming quarter, months with a pf surcharge and the
//!   compensation that would remove it, valley vs peak + sharp charges.
//! - [`defaults`]: Guangdong's published TOU schedule (粤发改价格〔2021〕331号) and Huizhou's
//!   two-part prices (February 2026) as embedded JSON.
//!
//! # Rounding
//!
//! Money is [`rust_decimal::Decimal`] in yuan. Per-period unit prices derived from a flat price
//! and a multiplier are rounded half-up to the price table's `price_decimals` (4 by default:
//! 0.01 fen/kWh, as published tables print them). Every bill line (each period's energy
//! charge, the basic charge, the pf adjustment, each fund) is rounded half-up (half away from
//! zero, 四舍五入) to 0.01 yuan; the pf base and the total are sums of rounded lines. Nothing
//! else is rounded.
//!
//! # Example
//!
//! ```
//! use gridserve_core::tariff::{defaults, BillingMethod, MonthlyUsage, Period};
//! use rust_decimal::Decimal;
//!
//! let book = defaults::guangdong_huizhou()?;
//! let tariff = book.tariff_for("large_industry", "1-10kV", chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap())?;
//! let mut usage = MonthlyUsage::new("C001", 2026, 2, Decimal::from(3200));
//! usage.energy_kwh.set(Period::Peak, Decimal::from(300_000));
//! usage.energy_kwh.set(Period::Flat, Decimal::from(400_000));
//! usage.energy_kwh.set(Period::Valley, Decimal::from(300_000));
//! usage.kvarh_forward = Decimal::from(484_322);
//! usage.max_demand_kw = Some(Decimal::from(1800));
//! usage.method = BillingMethod::Capacity;
//! let bill = tariff.bill(&usage)?;
//! // Capacity billing: 3200 kVA × 22.6 yuan/kVA·month = 72 320 yuan (reference §1.5).
//! assert_eq!(bill.basic.amount_yuan, Decimal::from(72_320));
//! # Ok::<(), gridserve_core::tariff::TariffError>(())
//! ```

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod bill;
pub mod decision;
pub mod defaults;
pub mod error;
pub mod exact;
pub mod interval;
pub mod power_factor;
pub mod prices;
pub mod schedule;

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use bill::{
    BasicCharge, Bill, BillingMethod, EnergyLine, FundLine, MonthlyUsage, PfLine, SealedCapacity,
    Tariff,
};
pub use decision::{
    BasicMethodComparison, MethodOption, PfFinding, PfMonth, TouFinding, break_even_demand_kw,
    pf_finding, tou_finding,
};
pub use error::TariffError;
pub use interval::{
    CustomerTerms, IntervalBatch, IntervalLayout, IntervalOptions, IntervalTotals, aggregate,
    aggregate_tracked, bill_batch, bill_batch_tracked,
};
pub use power_factor::{PfStandard, adjustment_pct, compensation_kvar, power_factor};
pub use prices::{
    ContractRules, DemandDiscount, EnergyComponent, EnergyPrice, Fund, OverrunVariant, PriceTable,
    TariffBook,
};
pub use schedule::{Calendar, DayType, HourRange, Season, SharpOverlay, TouSchedule};

/// A time-of-use period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// 尖峰: sharp (critical) peak.
    Sharp,
    /// 高峰: peak.
    Peak,
    /// 平段: flat (shoulder).
    Flat,
    /// 低谷: valley (off-peak).
    Valley,
    /// 深谷: deep valley.
    DeepValley,
}

impl Period {
    /// All periods in bill order.
    pub const ALL: [Period; 5] = [
        Period::Sharp,
        Period::Peak,
        Period::Flat,
        Period::Valley,
        Period::DeepValley,
    ];

    /// The dense index of the period (bill order, 0–4).
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sharp => "sharp",
            Self::Peak => "peak",
            Self::Flat => "flat",
            Self::Valley => "valley",
            Self::DeepValley => "deep_valley",
        }
    }

    /// Parses a period name, saying where it came from when it is unknown.
    ///
    /// # Errors
    /// [`TariffError::UnknownPeriod`] for any other name.
    pub fn parse(name: &str, context: &str) -> Result<Self, TariffError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| TariffError::UnknownPeriod {
                context: context.to_owned(),
                name: name.to_owned(),
            })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Period {
    type Err = TariffError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s, "period")
    }
}

/// Marks a serde error raised for an unknown period name, so that [`from_json`] can return the
/// typed [`TariffError::UnknownPeriod`].
const UNKNOWN_PERIOD_TAG: &str = "unknown period name: ";

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Period::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("{UNKNOWN_PERIOD_TAG}{name}\u{1}")))
    }
}

/// One value per period (energy in kWh, charges in yuan), in JSON a map from period name to
/// value where absent periods are zero.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeriodValues<T>(pub [T; 5]);

impl<T: Copy> PeriodValues<T> {
    /// The value of a period.
    #[must_use]
    pub fn get(&self, p: Period) -> T {
        self.0[p.index()]
    }
    /// Sets the value of a period.
    pub fn set(&mut self, p: Period, v: T) {
        self.0[p.index()] = v;
    }
    /// `(period, value)` pairs in bill order.
    pub fn iter(&self) -> impl Iterator<Item = (Period, T)> + '_ {
        Period::ALL.into_iter().map(|p| (p, self.get(p)))
    }
}

impl PeriodValues<Decimal> {
    /// The sum over all periods.
    #[must_use]
    pub fn total(&self) -> Decimal {
        self.0.iter().copied().sum()
    }
}

impl<T: Serialize + Copy + Default + PartialEq> Serialize for PeriodValues<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (p, v) in self.iter() {
            m.serialize_entry(p.as_str(), &v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for PeriodValues<Decimal> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = exact::de_map(d)?;
        let mut out = PeriodValues([Decimal::ZERO; 5]);
        for (p, v) in map {
            out.set(p, v);
        }
        Ok(out)
    }
}

/// Reads JSON into `T`, mapping an unknown period name to [`TariffError::UnknownPeriod`] and any
/// other problem to [`TariffError::Json`], whose message names the path of the offending
/// field (`sealed[0].capacity_kva`, `method`, ...).
///
/// # Errors
/// As above.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, TariffError> {
    // Number literals a binary f64 would change reach the decimal fields as exact text.
    let exact = exact::quote_inexact_numbers(text);
    let mut de = serde_json::Deserializer::from_str(&exact.text);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| json_error(what, &e, Some(&exact)))?;
    // Trailing characters after the value are refused as serde_json::from_str does.
    de.end().map_err(|e| TariffError::Json {
        what: what.to_owned(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Converts a JSON value into `T` with the errors of [`from_json`].
///
/// # Errors
/// As [`from_json`].
pub fn from_json_value<T: serde::de::DeserializeOwned>(
    what: &str,
    value: serde_json::Value,
) -> Result<T, TariffError> {
    serde_path_to_error::deserialize(value).map_err(|e| json_error(what, &e, None))
}

/// The error of [`from_json`]: an unknown period by name, else the message with the field's path
/// (a literal `exact` turned into text, reaching a binary-float field, explained as such).
fn json_error(
    what: &str,
    e: &serde_path_to_error::Error<serde_json::Error>,
    exact: Option<&exact::ExactJson<'_>>,
) -> TariffError {
    let inner = e.inner().to_string();
    let message = exact.and_then(|x| x.explain(&inner)).unwrap_or(inner);
    if let Some(start) = message.find(UNKNOWN_PERIOD_TAG) {
        let rest = &message[start + UNKNOWN_PERIOD_TAG.len()..];
        let name = rest.split('\u{1}').next().unwrap_or(rest);
        return TariffError::UnknownPeriod {
            context: what.to_owned(),
            name: exact::excerpt(name),
        };
    }
    let path = e.path().to_string();
    TariffError::Json {
        what: what.to_owned(),
        message: if path == "." {
            message
        } else {
            format!("field `{path}`: {message}")
        },
    }
}

/// Checked decimal arithmetic that names the record and the computation on overflow.
#[derive(Clone, Copy)]
pub(crate) struct Checked<'a> {
    pub(crate) record: &'a str,
    pub(crate) what: &'static str,
}

impl Checked<'_> {
    fn overflow(self) -> TariffError {
        TariffError::Overflow {
            record: self.record.to_owned(),
            what: self.what,
        }
    }
    pub(crate) fn mul(self, a: Decimal, b: Decimal) -> Result<Decimal, TariffError> {
        a.checked_mul(b).ok_or_else(|| self.overflow())
    }
    pub(crate) fn add(self, a: Decimal, b: Decimal) -> Result<Decimal, TariffError> {
        a.checked_add(b).ok_or_else(|| self.overflow())
    }
    pub(crate) fn sub(self, a: Decimal, b: Decimal) -> Result<Decimal, TariffError> {
        a.checked_sub(b).ok_or_else(|| self.overflow())
    }
    pub(crate) fn div(self, a: Decimal, b: Decimal) -> Result<Decimal, TariffError> {
        a.checked_div(b).ok_or_else(|| self.overflow())
    }
    pub(crate) fn sum(
        self,
        items: impl IntoIterator<Item = Decimal>,
    ) -> Result<Decimal, TariffError> {
        items
            .into_iter()
            .try_fold(Decimal::ZERO, |acc, v| self.add(acc, v))
    }
}

/// Rounds money half away from zero (四舍五入) to 0.01 yuan.
/// The result always carries two decimals (`72320.00`), so amounts print alike.
pub(crate) fn round_yuan(v: Decimal) -> Decimal {
    let mut r = v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    r
}

#[cfg(test)]
mod tests;
