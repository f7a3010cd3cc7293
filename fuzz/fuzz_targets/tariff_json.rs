//! Tariff data as JSON: a tariff book (schedules and price tables), then a month's usage billed
//! at the book's tariff for the usage's category and voltage, or at the shipped defaults.
#![no_main]

use chrono::NaiveDate;
use gridserve_core::tariff::exact::quote_inexact_numbers;
use gridserve_core::tariff::{MonthlyUsage, PriceTable, TariffBook, TouSchedule, defaults};
use gridserve_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 4);
    // Preparing number literals never turns invalid JSON into valid JSON or the reverse, and
    // only ever turns numbers into strings.
    if let Some(t) = text(&p, 0) {
        let prepared = quote_inexact_numbers(t);
        let before = serde_json::from_str::<serde_json::Value>(t);
        let after = serde_json::from_str::<serde_json::Value>(&prepared.text);
        assert_eq!(before.is_ok(), after.is_ok(), "{t:?} -> {:?}", prepared.text);
        let _ = gridserve_core::tariff::from_json::<MonthlyUsage>("usage", t);
    }
    let book = text(&p, 0).and_then(|t| TariffBook::from_json(t).ok());
    let _ = text(&p, 1).map(serde_json::from_str::<TouSchedule>);
    let _ = text(&p, 1).map(serde_json::from_str::<PriceTable>);
    let Some(usage) = text(&p, 2).and_then(|t| serde_json::from_str::<MonthlyUsage>(t).ok()) else {
        return;
    };
    let Some(date) = NaiveDate::from_ymd_opt(usage.year, usage.month.clamp(1, 12), 1) else {
        return;
    };
    let (category, voltage) = text(&p, 3)
        .and_then(|t| t.split_once(','))
        .unwrap_or(("large_industry", "1-10kV"));
    let book = match book {
        Some(b) => b,
        None => match defaults::guangdong_huizhou() {
            Ok(b) => b,
            Err(_) => return,
        },
    };
    if let Ok(tariff) = book.tariff_for(category, voltage, date) {
        let _ = tariff.bill(&usage);
        let _ = tariff.bill_what_if(&usage);
    }
});
