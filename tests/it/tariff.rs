//! Tariff through the facade: JSON rules in, bills and findings out, errors through
//! `gridserve::Error`.

use gridserve::tariff::{
    self, BillingMethod, MonthlyUsage, Period, PfStandard, TariffBook, TariffError, defaults,
};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A customer's own rules from JSON: a two-season schedule with a deep valley and per-period
/// prices, standard 0.85, variant B, no discount.
const BOOK: &str = r#"{
  "schedules": [{
    "name": "two seasons", "effective_from": "2025-01-01",
    "seasons": [
      {"name": "summer", "months": [6, 7, 8],
       "periods": [{"period": "deep_valley", "hours": [[0, 6]]}, {"period": "valley", "hours": [[6, 8]]},
                   {"period": "flat", "hours": [[8, 18], [22, 24]]}, {"period": "peak", "hours": [[18, 22]]}]},
      {"name": "rest", "months": [1, 2, 3, 4, 5, 9, 10, 11, 12],
       "periods": [{"period": "valley", "hours": [[0, 8]]}, {"period": "flat", "hours": [[8, 18], [22, 24]]},
                   {"period": "peak", "hours": [[18, 22]]}]}
    ]}],
  "prices": [{
    "name": "custom", "category": "industry", "voltage": "10kV", "effective_from": "2025-01-01",
    "energy": [{"name": "all-in", "price": {"kind": "per_period",
                "yuan_per_kwh": {"peak": "1.2", "flat": "0.7", "valley": "0.3", "deep_valley": "0.1"}}}],
    "funds": [{"name": "funds", "yuan_per_kwh": "0.03"}],
    "capacity_price_yuan_per_kva_month": "20",
    "demand_price_yuan_per_kw_month": "32",
    "pf_standard": "0.85",
    "contract": {"floor_ratio": "0.4", "band_ratio": "1.05", "overrun_multiplier": "2", "overrun_variant": "b"}
  }]
}"#;

#[test]
fn bill_from_json_rules() {
    let book = TariffBook::from_json(BOOK).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
    let t = book.tariff_for("industry", "10kV", date).unwrap();
    let usage: MonthlyUsage = tariff::from_json(
        "usage",
        r#"{"customer": "X1", "year": 2025, "month": 7, "capacity_kva": "800",
            "energy_kwh": {"peak": "20000", "flat": "50000", "valley": "10000", "deep_valley": "20000"},
            "kvarh_forward": "48000", "kvarh_reverse": "0",
            "max_demand_kw": "500", "method": "contract_demand", "contract_demand_kw": "400"}"#,
    )
    .unwrap();
    let b = t.bill(&usage).unwrap();
    // Energy: 20 000 × 1.2 = 24 000; 50 000 × 0.7 = 35 000; 10 000 × 0.3 = 3 000;
    // 20 000 × 0.1 = 2 000 → 64 000.
    assert_eq!(b.energy_yuan, d("64000"));
    assert_eq!(b.energy_charge(Period::DeepValley), d("2000"));
    // Basic, variant B: floor 320 < 400; band 420; excess 80 → 400 × 32 + 2 × 32 × 80
    // = 12 800 + 5 120 = 17 920.
    assert_eq!(b.basic.amount_yuan, d("17920"));
    // pf: 100 000 kWh, 48 000 kvarh → 1/√(1 + 0.2304) = 0.90149 → 0.90; standard 0.85 → −0.50 %.
    // Base 64 000 + 17 920 = 81 920 → −409.60.
    assert_eq!(b.pf.standard, PfStandard::P085);
    assert_eq!(b.pf.adjustment_pct, d("-0.5"));
    assert_eq!(b.pf.amount_yuan, d("-409.60"));
    // Funds 100 000 × 0.03 = 3 000. Total 64 000 + 17 920 − 409.60 + 3 000 = 84 510.40.
    assert_eq!(b.funds_yuan, d("3000"));
    assert_eq!(b.total_yuan, d("84510.40"));
    // The bill serializes with money as strings and the basis in words.
    let json = serde_json::to_value(&b).unwrap();
    assert_eq!(json["total_yuan"], "84510.40");
    assert!(
        json["basic"]["basis"]
            .as_str()
            .unwrap()
            .contains("variant B")
    );
    // The bill takes the meter's registers as they are: a deep-valley register in April (a
    // month without deep valley) is still priced, since the table prices the period.
    let mut april = usage;
    april.month = 4;
    assert_eq!(
        t.bill(&april).unwrap().energy_charge(Period::DeepValley),
        d("2000")
    );
}

#[test]
fn errors_reach_the_crate_error() {
    let book = defaults::guangdong_huizhou().unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let t = book.tariff_for("large_industry", "1-10kV", date).unwrap();
    let mut u = MonthlyUsage::new("N1", 2026, 2, d("630"));
    u.energy_kwh.set(Period::Flat, d("-1"));
    let e: gridserve::Error = t.bill(&u).unwrap_err().into();
    assert!(matches!(
        e,
        gridserve::Error::Tariff(TariffError::NegativeQuantity { .. })
    ));
    assert!(e.to_string().contains("energy_kwh.flat"));
    u.energy_kwh.set(Period::Flat, d("1"));
    u.method = BillingMethod::ActualDemand;
    assert!(matches!(t.bill(&u), Err(TariffError::MissingField { .. })));
}
