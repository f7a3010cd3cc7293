//! Shipped defaults: Guangdong's TOU schedule and Huizhou's two-part prices, as embedded JSON.
//!
//! - [`GUANGDONG_TOU_JSON`]: 粤发改价格〔2021〕331号 — valley 0–8, flat 8–10, 12–14, 19–24,
//!   peak 10–12, 14–19 all year; sharp 11–12 and 15–17 inside the peak hours every day of
//!   July–September and on declared heat days (reference tariff.md §3.3).
//! - [`HUIZHOU_PRICES_JSON`]: large-industry two-part prices for 1–10 kV, 35–110 kV and
//!   ≥ 220 kV (demand 36.1 / 31.0 / 26.1 yuan/kW·month, capacity 22.6 / 19.4 / 16.3
//!   yuan/kVA·month, February 2026, reference §1.5), multipliers 2.125 : 1.7 : 1 : 0.38, pf
//!   standard 0.90, the 1583号 contract rules (variant A) and the 260 kWh/kVA discount.
//!
//! **The energy price in the shipped tables (0.65 yuan/kWh flat, floating) is an example, not
//! a published price**, and the tables carry no funds: the agency-purchase price and the funds
//! change every month. Replace them (edit the JSON, or change [`PriceTable::energy`] and
//! [`PriceTable::funds`]) before billing real customers. Every other value can be overridden
//! the same way.

use super::prices::{PriceTable, TariffBook};
use super::schedule::TouSchedule;
use super::{TariffError, from_json};

/// Guangdong's TOU schedule as JSON.
pub const GUANGDONG_TOU_JSON: &str = include_str!("data/guangdong_tou_2021.json");

/// Huizhou's large-industry price tables as a JSON array.
pub const HUIZHOU_PRICES_JSON: &str = include_str!("data/huizhou_prices_2026_02.json");

/// The Guangdong schedule.
///
/// # Errors
/// Only if the embedded JSON were malformed (tested).
pub fn guangdong_schedule() -> Result<TouSchedule, TariffError> {
    from_json("default Guangdong schedule", GUANGDONG_TOU_JSON)
}

/// The Huizhou price tables (voltages `1-10kV`, `35-110kV`, `220kV+`, category
/// `large_industry`).
///
/// # Errors
/// Only if the embedded JSON were malformed (tested).
pub fn huizhou_prices() -> Result<Vec<PriceTable>, TariffError> {
    from_json("default Huizhou prices", HUIZHOU_PRICES_JSON)
}

/// A book with the Guangdong schedule and the Huizhou prices.
///
/// ```
/// let book = gridserve_core::tariff::defaults::guangdong_huizhou()?;
/// let date = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
/// let tariff = book.tariff_for("large_industry", "35-110kV", date)?;
/// assert_eq!(tariff.prices().capacity_price_yuan_per_kva_month, Some("19.4".parse().unwrap()));
/// # Ok::<(), gridserve_core::tariff::TariffError>(())
/// ```
///
/// # Errors
/// Only if the embedded JSON were malformed (tested).
pub fn guangdong_huizhou() -> Result<TariffBook, TariffError> {
    Ok(TariffBook {
        schedules: vec![guangdong_schedule()?],
        prices: huizhou_prices()?,
    })
}
