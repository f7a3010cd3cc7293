//! Tests of schedules, bills, errors, interval aggregation and decisions. Every expected number
//! is computed by hand in the comment next to it (or taken from the reference's worked
//! examples, reference = shared tariff notes §1.5 and §2.4).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::interval::{CustomerTerms, aggregate, bill_batch};
use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn date(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn huizhou_10kv() -> Tariff {
    defaults::guangdong_huizhou()
        .unwrap()
        .tariff_for("large_industry", "1-10kV", date(2026, 2, 1))
        .unwrap()
}

/// A one-period schedule (flat all day) with simple round prices for hand computation:
/// energy 0.5 yuan/kWh fixed, p_c = 25, p_d = 40, pf 0.90, 1583号 rules.
fn simple(variant: OverrunVariant) -> Tariff {
    let schedule: TouSchedule = from_json(
        "schedule",
        r#"{"name": "flat", "effective_from": "2020-01-01", "seasons": [{"name": "all",
            "months": [1,2,3,4,5,6,7,8,9,10,11,12], "periods": [{"period": "flat", "hours": [[0, 24]]}]}]}"#,
    )
    .unwrap();
    let prices = PriceTable {
        name: "simple".into(),
        category: "large_industry".into(),
        voltage: "10kV".into(),
        note: None,
        effective_from: date(2020, 1, 1),
        effective_until: None,
        energy: vec![EnergyComponent {
            name: "energy".into(),
            price: EnergyPrice::Fixed {
                yuan_per_kwh: d("0.5"),
            },
            pf_adjusted: true,
        }],
        multipliers: Default::default(),
        price_decimals: 4,
        funds: vec![],
        capacity_price_yuan_per_kva_month: Some(d("25")),
        demand_price_yuan_per_kw_month: Some(d("40")),
        pf_standard: PfStandard::P090,
        contract: ContractRules {
            overrun_variant: variant,
            ..ContractRules::default()
        },
        demand_discount: Some(DemandDiscount {
            min_kwh_per_kva: d("260"),
            factor: d("0.9"),
        }),
    };
    Tariff::new(schedule, prices).unwrap()
}

fn usage(
    method: BillingMethod,
    kwh: &str,
    demand: Option<&str>,
    contract: Option<&str>,
) -> MonthlyUsage {
    // April 2026: 30 days.
    let mut u = MonthlyUsage::new("C1", 2026, 4, d("1000"));
    u.energy_kwh.set(Period::Flat, d(kwh));
    u.method = method;
    u.max_demand_kw = demand.map(d);
    u.contract_demand_kw = contract.map(d);
    u
}

// ---------------------------------------------------------------- schedules

#[test]
fn guangdong_periods() {
    let t = huizhou_10kv();
    let s = t.compiled();
    let at = |y, m, day, h, min| date(y, m, day).and_hms_opt(h, min, 0).unwrap();
    let cal = Calendar::default();
    // 331号: valley 0–8, flat 8–10, 12–14, 19–24, peak 10–12, 14–19; sharp 11–12, 15–17 in Jul–Sep.
    assert_eq!(s.period_at(at(2026, 2, 10, 7, 59), &cal), Period::Valley);
    assert_eq!(s.period_at(at(2026, 2, 10, 8, 0), &cal), Period::Flat);
    assert_eq!(s.period_at(at(2026, 2, 10, 11, 30), &cal), Period::Peak);
    assert_eq!(s.period_at(at(2026, 7, 15, 11, 30), &cal), Period::Sharp);
    assert_eq!(s.period_at(at(2026, 7, 15, 10, 59), &cal), Period::Peak);
    assert_eq!(s.period_at(at(2026, 7, 15, 16, 59), &cal), Period::Sharp);
    assert_eq!(s.period_at(at(2026, 7, 15, 17, 0), &cal), Period::Peak);
    assert_eq!(s.period_at(at(2026, 7, 15, 13, 0), &cal), Period::Flat);
    assert_eq!(s.period_at(at(2026, 9, 30, 23, 59), &cal), Period::Flat);
    // A declared heat day in May turns the sharp hours sharp.
    let hot = Calendar {
        sharp_days: vec![date(2026, 5, 20)],
        ..Calendar::default()
    };
    assert_eq!(s.period_at(at(2026, 5, 20, 15, 30), &hot), Period::Sharp);
    assert_eq!(s.period_at(at(2026, 5, 21, 15, 30), &hot), Period::Peak);
    // Unit prices: flat 0.65; peak 0.65 × 1.7 = 1.105; valley 0.65 × 0.38 = 0.247;
    // sharp 0.65 × 2.125 = 1.38125 → 1.3813 at 4 decimals, half-up.
    assert_eq!(t.unit_price(Period::Sharp), Some(d("1.3813")));
    assert_eq!(t.unit_price(Period::Peak), Some(d("1.105")));
    assert_eq!(t.unit_price(Period::Valley), Some(d("0.247")));
    assert_eq!(t.unit_price(Period::DeepValley), None);
}

fn schedule_with(periods: &str) -> TouSchedule {
    from_json(
        "schedule",
        &format!(
            r#"{{"name": "t", "effective_from": "2024-01-01", "seasons": [{{"name": "s",
            "months": [1,2,3,4,5,6,7,8,9,10,11,12], "periods": {periods}}}]}}"#
        ),
    )
    .unwrap()
}

#[test]
fn schedule_gap_is_refused_with_the_interval() {
    let s = schedule_with(
        r#"[{"period": "valley", "hours": [[0, 8]]}, {"period": "flat", "hours": [[8, 10], [19, 24]]},
            {"period": "peak", "hours": [[10, 12], [14, 19]]}]"#,
    );
    match s.compile() {
        Err(TariffError::ScheduleGap {
            from, to, season, ..
        }) => {
            assert_eq!(
                (from.as_str(), to.as_str(), season.as_str()),
                ("12:00", "14:00", "s")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn schedule_overlap_is_refused_with_the_interval() {
    let s = schedule_with(
        r#"[{"period": "valley", "hours": [[0, 8]]}, {"period": "flat", "hours": [[8, 10.5], [12, 24]]},
            {"period": "peak", "hours": [[10, 12]]}]"#,
    );
    match s.compile() {
        Err(TariffError::ScheduleOverlap {
            first,
            second,
            from,
            to,
            ..
        }) => {
            assert_eq!((first, second), (Period::Flat, Period::Peak));
            assert_eq!((from.as_str(), to.as_str()), ("10:00", "10:30"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn half_hour_boundaries_and_season_coverage() {
    // 30-minute boundaries are allowed.
    let s = schedule_with(
        r#"[{"period": "valley", "hours": [[0, 7.5]]}, {"period": "flat", "hours": [[7.5, 24]]}]"#,
    );
    let c = s.compile().unwrap();
    let t = date(2024, 1, 2).and_hms_opt(7, 29, 0).unwrap();
    assert_eq!(c.period_at(t, &Calendar::default()), Period::Valley);
    // Quarter hours are not.
    let bad = schedule_with(r#"[{"period": "flat", "hours": [[0, 7.25], [7.25, 24]]}]"#);
    assert!(matches!(
        bad.compile(),
        Err(TariffError::InvalidValue { field: "hours", .. })
    ));
    // A season list missing December on weekends.
    let mut s2 = s.clone();
    s2.seasons[0].day_types = vec![DayType::Workday, DayType::Holiday];
    assert!(matches!(
        s2.compile(),
        Err(TariffError::SeasonGap {
            month: 1,
            day_type: "weekend",
            ..
        })
    ));
    // Two seasons on the same month.
    let mut s3 = s.clone();
    let mut other = s.seasons[0].clone();
    other.name = "second".into();
    other.months = vec![6];
    s3.seasons.push(other);
    assert!(matches!(
        s3.compile(),
        Err(TariffError::SeasonOverlap { month: 6, .. })
    ));
}

#[test]
fn sharp_outside_its_base_is_refused() {
    let mut s = defaults::guangdong_schedule().unwrap();
    // 13–14 is flat in Guangdong, so a sharp hour there is outside the peak.
    s.sharp
        .as_mut()
        .unwrap()
        .hours
        .push(HourRange::new(13.0, 14.0));
    match s.compile() {
        Err(TariffError::SharpOutsideBase {
            from, to, month, ..
        }) => {
            assert_eq!((from.as_str(), to.as_str(), month), ("13:00", "14:00", 7));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_period_names_are_typed_errors() {
    // In a schedule.
    let e = from_json::<TouSchedule>(
        "schedule",
        r#"{"name": "x", "effective_from": "2024-01-01", "seasons": [{"name": "s", "months": [1],
            "periods": [{"period": "shoulder", "hours": [[0, 24]]}]}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        e,
        TariffError::UnknownPeriod {
            context: "schedule".into(),
            name: "shoulder".into()
        }
    );
    // In a price table's multipliers.
    let mut v: serde_json::Value = serde_json::from_str(defaults::HUIZHOU_PRICES_JSON).unwrap();
    v[0]["multipliers"]["super_peak"] = serde_json::json!("3");
    let e = from_json_value::<Vec<PriceTable>>("prices", v).unwrap_err();
    assert!(
        matches!(e, TariffError::UnknownPeriod { ref name, .. } if name == "super_peak"),
        "{e:?}"
    );
    // In a usage record.
    let e = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 2, "capacity_kva": "3200",
            "energy_kwh": {"peak": "10", "midpeak": "5"}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(e, TariffError::UnknownPeriod { ref name, .. } if name == "midpeak"),
        "{e:?}"
    );
    // Period::from_str.
    assert!(matches!(
        "noon".parse::<Period>(),
        Err(TariffError::UnknownPeriod { .. })
    ));
}

#[test]
fn prices_missing_a_period_are_refused() {
    let schedule = defaults::guangdong_schedule().unwrap();
    // Guangdong uses sharp; multipliers without sharp cannot price it.
    let mut prices = defaults::huizhou_prices().unwrap().remove(0);
    prices.multipliers.remove(&Period::Sharp);
    assert!(matches!(
        Tariff::new(schedule.clone(), prices),
        Err(TariffError::PriceMissingPeriod {
            period: Period::Sharp,
            ..
        })
    ));
    // A per-period component without valley.
    let mut prices = defaults::huizhou_prices().unwrap().remove(0);
    prices.energy.push(EnergyComponent {
        name: "tnd".into(),
        price: EnergyPrice::PerPeriod {
            yuan_per_kwh: [
                (Period::Sharp, d("0.1")),
                (Period::Peak, d("0.1")),
                (Period::Flat, d("0.1")),
            ]
            .into_iter()
            .collect(),
        },
        pf_adjusted: true,
    });
    match Tariff::new(schedule, prices) {
        Err(TariffError::PriceMissingPeriod {
            component, period, ..
        }) => {
            assert_eq!((component.as_str(), period), ("tnd", Period::Valley));
        }
        other => panic!("{other:?}"),
    }
    // Energy in a period the schedule does not have.
    let mut u = usage(BillingMethod::Capacity, "100", None, None);
    u.energy_kwh.set(Period::DeepValley, d("5"));
    assert!(matches!(
        simple(OverrunVariant::A).bill(&u),
        Err(TariffError::PriceMissingPeriod {
            period: Period::DeepValley,
            ..
        })
    ));
}

// ---------------------------------------------------------------- bills

/// Reference §1.5: S = 3200 kVA at 10 kV in Huizhou, peaking at 1800 kW.
#[test]
fn huizhou_customer_full_bill_by_capacity() {
    let t = huizhou_10kv();
    let mut u = MonthlyUsage::new("HZ-3200", 2026, 2, d("3200"));
    u.energy_kwh.set(Period::Peak, d("300000"));
    u.energy_kwh.set(Period::Flat, d("400000"));
    u.energy_kwh.set(Period::Valley, d("300000"));
    u.kvarh_forward = d("700000");
    u.kvarh_reverse = d("-50000"); // |−50 000| adds: Q = 750 000 → pf = 1e6 / 1.25e6 = 0.80
    u.max_demand_kw = Some(d("1800"));
    let b = t.bill(&u).unwrap();
    // Energy: 300 000 × 1.105 = 331 500; 400 000 × 0.65 = 260 000; 300 000 × 0.247 = 74 100.
    assert_eq!(b.energy_charge(Period::Peak), d("331500"));
    assert_eq!(b.energy_charge(Period::Flat), d("260000"));
    assert_eq!(b.energy_charge(Period::Valley), d("74100"));
    assert_eq!(b.energy_charge(Period::Sharp), d("0"));
    assert_eq!(b.energy_yuan, d("665600"));
    // Basic: 3200 × 22.6 = 72 320 (reference §1.5).
    assert_eq!(b.basic.amount_yuan, d("72320"));
    // pf 0.80 under standard 0.90 → +5 %; base 72 320 + 665 600 = 737 920 → 36 896.
    assert_eq!(b.pf.power_factor, Some(d("0.80")));
    assert_eq!(b.pf.adjustment_pct, d("5"));
    assert_eq!(b.pf.base_yuan, d("737920"));
    assert_eq!(b.pf.amount_yuan, d("36896"));
    // Total 665 600 + 72 320 + 36 896 = 774 816.
    assert_eq!(b.total_yuan, d("774816"));
}

#[test]
fn huizhou_customer_demand_methods() {
    let t = huizhou_10kv();
    let mut u = MonthlyUsage::new("HZ-3200", 2026, 2, d("3200"));
    // 800 000 kWh / 3200 kVA = 250 kWh/kVA < 260: no discount.
    u.energy_kwh.set(Period::Flat, d("800000"));
    u.max_demand_kw = Some(d("1800"));
    u.method = BillingMethod::ActualDemand;
    // Reference §1.5: 1800 × 36.1 = 64 980.
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("64980"));
    // Contract 1715 kW (1800 / 1.05 = 1714.29 rounded up): band 1800.75 ≥ 1800 →
    // 1715 × 36.1 = 61 911.50 (reference: ≈ 61 886 with the unrounded 1714.29).
    u.method = BillingMethod::ContractDemand;
    u.contract_demand_kw = Some(d("1715"));
    let b = t.bill(&u).unwrap();
    assert_eq!(b.basic.amount_yuan, d("61911.50"));
    assert_eq!(b.basic.overrun_kw, Some(d("0")));
    // 1714 kW: band 1799.7 < 1800 → variant A: 1799.7 × 36.1 + 2 × 36.1 × 0.3
    // = 64 969.17 + 21.66 = 64 990.83.
    u.contract_demand_kw = Some(d("1714"));
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("64990.83"));
    // With 900 000 kWh (281.25 kWh/kVA ≥ 260) the demand price is 36.1 × 0.9 = 32.49:
    // 1715 × 32.49 = 55 720.35.
    u.energy_kwh.set(Period::Flat, d("900000"));
    u.contract_demand_kw = Some(d("1715"));
    let b = t.bill(&u).unwrap();
    assert!(b.basic.discount_applied);
    assert_eq!(b.basic.amount_yuan, d("55720.35"));
}

#[test]
fn contract_demand_rules_and_variants() {
    let a = simple(OverrunVariant::A);
    let b = simple(OverrunVariant::B);
    let basic = |t: &Tariff, u: &MonthlyUsage| t.bill(u).unwrap().basic.amount_yuan;
    // S = 1000 kVA, p_d = 40. Within the band: D_c 500, D_act 520 ≤ 525 → 500 × 40 = 20 000.
    let u = usage(
        BillingMethod::ContractDemand,
        "1000",
        Some("520"),
        Some("500"),
    );
    assert_eq!(basic(&a, &u), d("20000"));
    // Exactly at the band (525) still pays the contract demand.
    let u = usage(
        BillingMethod::ContractDemand,
        "1000",
        Some("525"),
        Some("500"),
    );
    assert_eq!(basic(&a, &u), d("20000"));
    // Below the 40 % floor: D_c 300 → 400; D_act 410 ≤ 420 → 400 × 40 = 16 000.
    let u = usage(
        BillingMethod::ContractDemand,
        "1000",
        Some("410"),
        Some("300"),
    );
    let bill = a.bill(&u).unwrap();
    assert_eq!(bill.basic.billing_demand_kw, Some(d("400")));
    assert_eq!(bill.basic.amount_yuan, d("16000"));
    // Overrun: D_c 500, D_act 600, band 525, excess 75.
    // A: 525 × 40 + 2 × 40 × 75 = 21 000 + 6 000 = 27 000.
    // B: 500 × 40 + 2 × 40 × 75 = 20 000 + 6 000 = 26 000.
    let u = usage(
        BillingMethod::ContractDemand,
        "1000",
        Some("600"),
        Some("500"),
    );
    assert_eq!(basic(&a, &u), d("27000"));
    assert_eq!(basic(&b, &u), d("26000"));
    assert_eq!(a.bill(&u).unwrap().basic.overrun_kw, Some(d("75")));
    // Actual demand: 600 × 40 = 24 000; below the floor, 300 × 40 = 12 000 unless the table
    // raises actual demand to the floor: 400 × 40 = 16 000.
    let u = usage(BillingMethod::ActualDemand, "1000", Some("600"), None);
    assert_eq!(basic(&a, &u), d("24000"));
    let u = usage(BillingMethod::ActualDemand, "1000", Some("300"), None);
    assert_eq!(basic(&a, &u), d("12000"));
    let mut prices = a.prices().clone();
    prices.contract.floor_applies_to_actual_demand = true;
    let floored = Tariff::new(a.schedule().clone(), prices).unwrap();
    assert_eq!(basic(&floored, &u), d("16000"));
    // Discount boundary: 260 000 kWh / 1000 kVA = 260 → 40 × 0.9 = 36: 600 × 36 = 21 600;
    // 259 999 kWh → no discount: 24 000.
    let u = usage(BillingMethod::ActualDemand, "260000", Some("600"), None);
    assert_eq!(basic(&a, &u), d("21600"));
    let u = usage(BillingMethod::ActualDemand, "259999", Some("600"), None);
    assert_eq!(basic(&a, &u), d("24000"));
    // Capacity: 1000 × 25 = 25 000; none: 0.
    let u = usage(BillingMethod::Capacity, "1000", Some("600"), None);
    assert_eq!(basic(&a, &u), d("25000"));
    let u = usage(BillingMethod::None, "1000", None, None);
    assert_eq!(basic(&a, &u), d("0"));
}

#[test]
fn partial_months_and_sealed_capacity() {
    let t = simple(OverrunVariant::A);
    // Service from 11 April: 20 of 30 days. Capacity: 25 × 1000 × 20 / 30 = 16 666.666… → 16 666.67.
    let mut u = usage(BillingMethod::Capacity, "1000", None, None);
    u.billing_from = Some(date(2026, 4, 11));
    let b = t.bill(&u).unwrap();
    assert_eq!(b.basic.days_in_service, 20);
    assert_eq!(b.basic.amount_yuan, d("16666.67"));
    // Contract demand 500 kW within the band, same 20 days: 20 000 × 20 / 30 = 13 333.33.
    let mut u = usage(
        BillingMethod::ContractDemand,
        "1000",
        Some("500"),
        Some("500"),
    );
    u.billing_from = Some(date(2026, 4, 11));
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("13333.33"));
    // Service ending 10 April: 10 days → 25 000 × 10 / 30 = 8 333.33.
    let mut u = usage(BillingMethod::Capacity, "1000", None, None);
    u.billing_until = Some(date(2026, 4, 10));
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("8333.33"));
    // 400 kVA suspended 1–15 April: 15 × 600 + 15 × 1000 = 24 000 kVA·day →
    // 25 × 24 000 / 30 = 20 000.
    let mut u = usage(BillingMethod::Capacity, "1000", None, None);
    u.sealed.push(SealedCapacity {
        capacity_kva: d("400"),
        from: date(2026, 4, 1),
        until: date(2026, 4, 15),
        reason: Some("suspension".into()),
    });
    let b = t.bill(&u).unwrap();
    assert_eq!(b.basic.capacity_kva_days, d("24000"));
    assert_eq!(b.basic.amount_yuan, d("20000"));
    // Same seal under contract demand: average capacity 800 kVA → floor 320; D_c 300 → 320;
    // D_act 330 ≤ 336 → 320 × 40 = 12 800 (all 30 days in service).
    u.method = BillingMethod::ContractDemand;
    u.contract_demand_kw = Some(d("300"));
    u.max_demand_kw = Some(d("330"));
    let b = t.bill(&u).unwrap();
    assert_eq!(b.basic.floor_kw, Some(d("320")));
    assert_eq!(b.basic.amount_yuan, d("12800"));
    // Everything sealed all month: no basic charge.
    let mut u = usage(BillingMethod::Capacity, "0", None, None);
    u.sealed.push(SealedCapacity {
        capacity_kva: d("1000"),
        from: date(2026, 4, 1),
        until: date(2026, 4, 30),
        reason: None,
    });
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("0"));
    // A seal above the capacity is refused.
    u.sealed[0].capacity_kva = d("1200");
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::InvalidValue {
            field: "sealed.capacity_kva",
            ..
        })
    ));
    // Dates outside the month are refused.
    let mut u = usage(BillingMethod::Capacity, "1000", None, None);
    u.billing_from = Some(date(2026, 5, 1));
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::InvalidDate {
            field: "billing_from",
            ..
        })
    ));
}

/// Reference §2.4: standard 0.90, base 500 000 yuan; pf 0.82 → +4 % = 20 000 surcharge;
/// pf 0.95 → −0.75 % = 3 750 reduction; a 23 750 swing.
#[test]
fn pf_worked_example() {
    let t = simple(OverrunVariant::A);
    // 1 000 000 kWh × 0.5 = 500 000 yuan, no basic charge → base 500 000.
    let mut u = usage(BillingMethod::None, "1000000", None, None);
    // Q = 698 000 → cos φ = 0.820002 → 0.82.
    u.kvarh_forward = d("698000");
    let b82 = t.bill(&u).unwrap();
    assert_eq!(b82.pf.power_factor, Some(d("0.82")));
    assert_eq!(b82.pf.base_yuan, d("500000"));
    assert_eq!(b82.pf.amount_yuan, d("20000"));
    // Q = 328 000 → cos φ = 0.950193 → 0.95.
    u.kvarh_forward = d("328000");
    let b95 = t.bill(&u).unwrap();
    assert_eq!(b95.pf.power_factor, Some(d("0.95")));
    assert_eq!(b95.pf.amount_yuan, d("-3750"));
    assert_eq!(b82.pf.amount_yuan - b95.pf.amount_yuan, d("23750"));
}

#[test]
fn pf_standards_funds_and_unadjusted_components_in_a_bill() {
    let t = simple(OverrunVariant::A);
    let mut prices = t.prices().clone();
    prices.funds.push(Fund {
        name: "funds".into(),
        yuan_per_kwh: d("0.02"),
    });
    prices.energy.push(EnergyComponent {
        name: "not adjusted".into(),
        price: EnergyPrice::Fixed {
            yuan_per_kwh: d("0.1"),
        },
        pf_adjusted: false,
    });
    for (std, pct) in [
        (PfStandard::P090, "5"),
        (PfStandard::P085, "2.5"),
        (PfStandard::P080, "0"),
    ] {
        prices.pf_standard = std;
        let t = Tariff::new(t.schedule().clone(), prices.clone()).unwrap();
        // 100 000 kWh, Q = 75 000 → pf 0.80.
        let mut u = usage(BillingMethod::Capacity, "100000", None, None);
        u.kvarh_forward = d("75000");
        let b = t.bill(&u).unwrap();
        // Energy 100 000 × 0.6 = 60 000, of which 100 000 × 0.5 = 50 000 is adjusted;
        // basic 25 000; base 75 000; funds 100 000 × 0.02 = 2 000.
        assert_eq!(b.energy_yuan, d("60000"));
        assert_eq!(b.pf.base_yuan, d("75000"));
        assert_eq!(b.funds_yuan, d("2000"));
        assert_eq!(b.pf.adjustment_pct, d(pct));
        // 0.90: 75 000 × 5 % = 3 750; 0.85: 1 875; 0.80: 0.
        let adj = d("75000") * d(pct) / d("100");
        assert_eq!(b.pf.amount_yuan, adj);
        assert_eq!(b.total_yuan, d("60000") + d("25000") + d("2000") + adj);
    }
}

#[test]
fn rounding_is_per_line_half_up() {
    let t = simple(OverrunVariant::A);
    // 0.01 kWh × 0.5 = 0.005 → 0.01 (half away from zero); 0.009 kWh → 0.0045 → 0.00.
    let u = usage(BillingMethod::None, "0.01", None, None);
    assert_eq!(t.bill(&u).unwrap().energy_yuan, d("0.01"));
    let u = usage(BillingMethod::None, "0.009", None, None);
    assert_eq!(t.bill(&u).unwrap().energy_yuan, d("0.00"));
}

#[test]
fn refused_usage() {
    let t = simple(OverrunVariant::A);
    // Negative energy.
    let u = usage(BillingMethod::Capacity, "-5", None, None);
    match t.bill(&u) {
        Err(TariffError::NegativeQuantity {
            field,
            value,
            record,
        }) => {
            assert_eq!(field, "energy_kwh.flat");
            assert_eq!(value, d("-5"));
            assert_eq!(record, "customer \"C1\" 2026-04");
        }
        other => panic!("{other:?}"),
    }
    // Reactive energy without active energy: pf undefined.
    let mut u = usage(BillingMethod::Capacity, "0", None, None);
    u.kvarh_forward = d("10");
    assert!(matches!(t.bill(&u), Err(TariffError::PfZeroEnergy { .. })));
    // ... but a month without any energy bills (no pf adjustment).
    let u = usage(BillingMethod::Capacity, "0", None, None);
    let b = t.bill(&u).unwrap();
    assert_eq!((b.pf.power_factor, b.pf.amount_yuan), (None, d("0")));
    // Demand without capacity.
    let mut u = usage(BillingMethod::ActualDemand, "100", Some("50"), None);
    u.capacity_kva = d("0");
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::DemandWithoutCapacity {
            field: "max_demand_kw",
            ..
        })
    ));
    // Demand billing without a demand, contract billing without a contract demand.
    let u = usage(BillingMethod::ActualDemand, "100", None, None);
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::MissingField {
            field: "max_demand_kw",
            ..
        })
    ));
    let u = usage(BillingMethod::ContractDemand, "100", Some("50"), None);
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::MissingField {
            field: "contract_demand_kw",
            ..
        })
    ));
    // A single-part table cannot bill a basic charge.
    let mut prices = t.prices().clone();
    prices.capacity_price_yuan_per_kva_month = None;
    let single = Tariff::new(t.schedule().clone(), prices).unwrap();
    let u = usage(BillingMethod::Capacity, "100", None, None);
    assert!(matches!(
        single.bill(&u),
        Err(TariffError::NoBasicPrice { .. })
    ));
    // Absurd magnitudes are refused instead of overflowing exact decimals.
    let u = usage(BillingMethod::Capacity, "1e20", None, None);
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::InvalidValue {
            field: "quantity",
            ..
        })
    ));
    let mut prices = t.prices().clone();
    prices.demand_price_yuan_per_kw_month = Some(d("1e9"));
    assert!(matches!(
        Tariff::new(t.schedule().clone(), prices),
        Err(TariffError::InvalidValue { .. })
    ));
    // Invalid month.
    let mut u = usage(BillingMethod::Capacity, "100", None, None);
    u.month = 13;
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::InvalidDate { field: "month", .. })
    ));
}

#[test]
fn book_picks_the_version_in_force() {
    let mut book = defaults::guangdong_huizhou().unwrap();
    let mut march = book.prices[0].clone();
    march.name = "march".into();
    march.effective_from = date(2026, 3, 1);
    march.capacity_price_yuan_per_kva_month = Some(d("23"));
    book.prices.push(march);
    let feb = book
        .tariff_for("large_industry", "1-10kV", date(2026, 2, 15))
        .unwrap();
    let mar = book
        .tariff_for("large_industry", "1-10kV", date(2026, 3, 15))
        .unwrap();
    assert_eq!(
        feb.prices().capacity_price_yuan_per_kva_month,
        Some(d("22.6"))
    );
    assert_eq!(mar.prices().name, "march");
    assert!(matches!(
        book.tariff_for("large_industry", "1-10kV", date(2025, 1, 1)),
        Err(TariffError::NotInForce {
            what: "price table",
            ..
        })
    ));
    assert!(matches!(
        book.tariff_for("general", "1-10kV", date(2026, 3, 1)),
        Err(TariffError::NotInForce { .. })
    ));
    // The book round-trips through JSON.
    let json = serde_json::to_string(&book).unwrap();
    assert_eq!(TariffBook::from_json(&json).unwrap(), book);
}

// ---------------------------------------------------------------- interval data

fn layout(t: &Tariff, y: i32, m: u32, days: usize) -> IntervalLayout {
    IntervalLayout::new(
        t.compiled(),
        &Calendar::default(),
        date(y, m, 1).and_hms_opt(0, 0, 0).unwrap(),
        15,
        days * 96,
    )
    .unwrap()
}

#[test]
fn interval_aggregation_by_hand() {
    let t = huizhou_10kv();
    // February 2026: 28 days × 96 intervals.
    let l = layout(&t, 2026, 2, 28);
    let n = l.intervals();
    // Customer 0: 100 kWh every 15 minutes (400 kW). Customer 1: the same plus 150 kWh more at
    // 11:00 on 1 February (interval 44, peak), i.e. 1000 kW.
    let mut e = vec![100.0; 2 * n];
    e[n + 44] += 150.0;
    let batch = IntervalBatch {
        customers: 2,
        energy_kwh: &e,
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: None,
    };
    let tot = aggregate(&l, &batch).unwrap();
    // Per day: valley 8 h × 400 = 3200 kWh; flat 9 h → 3600; peak 7 h → 2800 (no sharp in Feb).
    // × 28 days: valley 89 600, flat 100 800, peak 78 400; total 268 800.
    assert_eq!(
        &tot.energy_kwh[0..5],
        &[0.0, 78_400.0, 100_800.0, 89_600.0, 0.0]
    );
    assert_eq!(tot.total_kwh[0], 268_800.0);
    assert_eq!(tot.max_demand_kw[0], 400.0);
    assert!((tot.load_factor[0] - 1.0).abs() < 1e-12);
    // Peak share 78 400 / 268 800 = 0.291666…; valley share 89 600 / 268 800 = 0.333….
    assert!((tot.peak_share[0] - 78_400.0 / 268_800.0).abs() < 1e-12);
    assert!((tot.valley_share[0] - 1.0 / 3.0).abs() < 1e-12);
    // Customer 1: peak 78 550, max 250 × 4 = 1000 kW; load factor 268 950 / 672 h / 1000 kW.
    assert_eq!(tot.energy_kwh[5 + 1], 78_550.0);
    assert_eq!(tot.max_demand_kw[1], 1000.0);
    assert!((tot.load_factor[1] - 268_950.0 / 672.0 / 1000.0).abs() < 1e-12);
    // July has sharp hours: 3 h/day × 4 × 100 = 1200 kWh/day → 31 × 1200 = 37 200;
    // peak 4 h → 49 600.
    let l7 = layout(&t, 2026, 7, 31);
    let e7 = vec![100.0; l7.intervals()];
    let tot7 = aggregate(
        &l7,
        &IntervalBatch {
            customers: 1,
            energy_kwh: &e7,
            kvarh_forward: None,
            kvarh_reverse: None,
            ids: None,
        },
    )
    .unwrap();
    assert_eq!(tot7.energy_kwh[0], 37_200.0);
    assert_eq!(tot7.energy_kwh[1], 49_600.0);
}

#[test]
fn interval_batch_equals_a_plain_loop_and_bills() {
    let t = huizhou_10kv();
    let l = layout(&t, 2026, 8, 31);
    let n = l.intervals();
    let customers = 300; // above the threshold for splitting over threads
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let e: Vec<f64> = (0..customers * n).map(|_| next() * 50.0).collect();
    let q: Vec<f64> = (0..customers * n).map(|_| next() * 20.0).collect();
    let batch = IntervalBatch {
        customers,
        energy_kwh: &e,
        kvarh_forward: Some(&q),
        kvarh_reverse: None,
        ids: None,
    };
    let tot = aggregate(&l, &batch).unwrap();
    for c in [0, 1, 149, 150, 151, 299] {
        let mut acc = [0.0f64; 5];
        let mut mx = 0.0f64;
        for i in 0..n {
            let x = e[c * n + i];
            acc[l.period_of(i).unwrap().index()] += x;
            mx = mx.max(x * 4.0);
        }
        for (p, want) in acc.iter().enumerate() {
            assert!((tot.energy_kwh[c * 5 + p] - want).abs() < 1e-6 * (1.0 + want));
        }
        assert_eq!(tot.max_demand_kw[c], mx);
        let qs: f64 = q[c * n..(c + 1) * n].iter().sum();
        assert!((tot.kvarh_forward[c] - qs).abs() < 1e-6 * qs);
    }
    // Bills of the batch equal bills of the usages built one by one.
    let terms: Vec<CustomerTerms> = (0..customers)
        .map(|c| CustomerTerms {
            customer: format!("C{c}"),
            capacity_kva: d("630"),
            method: if c % 2 == 0 {
                BillingMethod::Capacity
            } else {
                BillingMethod::ActualDemand
            },
            contract_demand_kw: None,
            kvarh_forward: None,
            kvarh_reverse: None,
        })
        .collect();
    let opts = IntervalOptions::default();
    let bills = bill_batch(&t, &tot, &l, &terms, opts).unwrap();
    assert_eq!(bills.len(), customers);
    for c in [0, 151, 299] {
        let u = tot.usage(c, 2026, 8, &terms[c], opts).unwrap();
        assert_eq!(bills[c], t.bill(&u).unwrap());
        assert_eq!(bills[c].customer, format!("C{c}"));
    }
}

#[test]
fn interval_refusals() {
    let t = huizhou_10kv();
    let l = layout(&t, 2026, 2, 1);
    let n = l.intervals();
    let mut e = vec![1.0; 3 * n];
    e[2 * n + 7] = -0.5;
    e[2 * n + 9] = f64::NAN;
    let ids = vec!["A".to_owned(), "B".to_owned(), "C".to_owned()];
    let batch = IntervalBatch {
        customers: 3,
        energy_kwh: &e,
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: Some(&ids),
    };
    match aggregate(&l, &batch) {
        Err(TariffError::BadReading {
            customer,
            row,
            interval,
            value,
            ..
        }) => {
            assert_eq!((customer.as_str(), row, interval, value), ("C", 2, 7, -0.5));
        }
        other => panic!("{other:?}"),
    }
    let short = &e[..3 * n - 1];
    assert!(matches!(
        aggregate(
            &l,
            &IntervalBatch {
                energy_kwh: short,
                ..batch
            }
        ),
        Err(TariffError::ShapeMismatch {
            quantity: "energy_kwh",
            ..
        })
    ));
    // Interval length, alignment and month span.
    let start = date(2026, 2, 1).and_hms_opt(0, 0, 0).unwrap();
    let cal = Calendar::default();
    assert!(matches!(
        IntervalLayout::new(t.compiled(), &cal, start, 7, 10),
        Err(TariffError::BadLayout { .. })
    ));
    let odd = date(2026, 2, 1).and_hms_opt(0, 5, 0).unwrap();
    assert!(matches!(
        IntervalLayout::new(t.compiled(), &cal, odd, 15, 10),
        Err(TariffError::BadLayout { .. })
    ));
    assert!(matches!(
        IntervalLayout::new(t.compiled(), &cal, start, 15, 29 * 96),
        Err(TariffError::BadLayout { .. })
    ));
    // Hourly intervals work with Guangdong (no change inside an hour) ...
    assert!(IntervalLayout::new(t.compiled(), &cal, start, 60, 28 * 24).is_ok());
    // ... but not with a schedule that changes at :30.
    let half = schedule_with(
        r#"[{"period": "valley", "hours": [[0, 7.5]]}, {"period": "flat", "hours": [[7.5, 24]]}]"#,
    )
    .compile()
    .unwrap();
    assert!(matches!(
        IntervalLayout::new(&half, &cal, start, 60, 24),
        Err(TariffError::BadLayout { .. })
    ));
}

#[test]
fn interval_lengths_and_day_types() {
    let t = huizhou_10kv();
    let start = date(2026, 2, 1).and_hms_opt(0, 0, 0).unwrap();
    let cal = Calendar::default();
    // The same constant 400 kW read at 5, 15, 30 and 60 minutes gives the same period energy:
    // per day valley 3200, flat 3600, peak 2800 kWh (see interval_aggregation_by_hand).
    for (minutes, per_interval) in [(5u32, 400.0 / 12.0), (15, 100.0), (30, 200.0), (60, 400.0)] {
        let n = (24 * 60 / minutes) as usize;
        let l = IntervalLayout::new(t.compiled(), &cal, start, minutes, n).unwrap();
        let e = vec![per_interval; n];
        let tot = aggregate(
            &l,
            &IntervalBatch {
                customers: 1,
                energy_kwh: &e,
                kvarh_forward: None,
                kvarh_reverse: None,
                ids: None,
            },
        )
        .unwrap();
        for (got, want) in tot
            .energy_kwh
            .iter()
            .zip([0.0, 2800.0, 3600.0, 3200.0, 0.0])
        {
            assert!(
                (got - want).abs() < 1e-6,
                "{minutes} min: {:?}",
                tot.energy_kwh
            );
        }
        assert!((tot.max_demand_kw[0] - 400.0).abs() < 1e-9);
    }
    // Day types: a weekend season that is flat all day; a holiday and a make-up workday.
    let mut s = defaults::guangdong_schedule().unwrap();
    s.sharp = None;
    s.seasons[0].day_types = vec![DayType::Workday];
    s.seasons.push(Season {
        name: "rest days".into(),
        months: (1..=12).collect(),
        day_types: vec![DayType::Weekend, DayType::Holiday],
        periods: vec![schedule::SeasonPeriod {
            period: Period::Flat,
            hours: vec![HourRange::new(0.0, 24.0)],
        }],
    });
    let c = s.compile().unwrap();
    let cal = Calendar {
        holidays: vec![date(2026, 10, 1)],  // a Thursday
        workdays: vec![date(2026, 10, 10)], // a Saturday worked
        sharp_days: vec![],
    };
    let at = |y, m, dd, h| date(y, m, dd).and_hms_opt(h, 0, 0).unwrap();
    assert_eq!(c.period_at(at(2026, 10, 8, 11), &cal), Period::Peak); // Thursday
    assert_eq!(c.period_at(at(2026, 10, 1, 11), &cal), Period::Flat); // holiday
    assert_eq!(c.period_at(at(2026, 10, 3, 11), &cal), Period::Flat); // Saturday
    assert_eq!(c.period_at(at(2026, 10, 10, 11), &cal), Period::Peak); // make-up workday
    assert_eq!(cal.day_type(date(2026, 10, 1)), DayType::Holiday);
}

// ---------------------------------------------------------------- decisions

fn history(peaks: [&str; 12], kwh: &str, method: BillingMethod) -> Vec<MonthlyUsage> {
    // July 2025 … June 2026.
    (0..12)
        .map(|k| {
            let (y, m) = if k < 6 {
                (2025, 7 + k as u32)
            } else {
                (2026, k as u32 - 5)
            };
            let mut u = MonthlyUsage::new("HZ-3200", y, m, d("3200"));
            u.energy_kwh.set(Period::Flat, d(kwh));
            u.max_demand_kw = Some(d(peaks[k]));
            u.method = method;
            u
        })
        .collect()
}

#[test]
fn basic_method_comparison_huizhou() {
    let t = huizhou_10kv();
    // Reference §1.5: 1800 kW every month, 800 000 kWh (250 kWh/kVA, no discount), billed by
    // capacity now. Quarter Jul–Sep 2026:
    // capacity 3 × 72 320 = 216 960; actual 3 × 64 980 = 194 940;
    // contract 1715 kW (1800/1.05 = 1714.29 rounded up to 1 kW) 3 × 61 911.50 = 185 734.50.
    let h = history(["1800"; 12], "800000", BillingMethod::Capacity);
    let c = t.compare_basic_methods(&h, d("1")).unwrap();
    assert_eq!(c.months, vec![(2026, 7), (2026, 8), (2026, 9)]);
    assert_eq!(c.capacity.quarter_yuan, d("216960"));
    assert_eq!(c.actual_demand.quarter_yuan, d("194940"));
    assert_eq!(c.contract_demand.contract_demand_kw, Some(d("1715")));
    assert_eq!(c.contract_demand.quarter_yuan, d("185734.50"));
    assert_eq!(c.cheapest, BillingMethod::ContractDemand);
    // Saving 216 960 − 185 734.50 = 31 225.50.
    assert_eq!(c.saving_yuan, d("31225.50"));
    // D* = 72 320 / 36.1 = 2003.32; with the discount 72 320 / 32.49 = 2225.92.
    assert_eq!(c.break_even_kw.unwrap().round_dp(2), d("2003.32"));
    assert_eq!(
        c.break_even_discounted_kw.unwrap().round_dp(2),
        d("2225.92")
    );
}

#[test]
fn basic_method_comparison_with_a_summer_peak() {
    let t = huizhou_10kv();
    // July 2025 peaked at 2100 kW, every other month at 1500 kW. Quarter Jul–Sep 2026 expects
    // 2100, 1500, 1500 (same months last year).
    // actual: 2100 × 36.1 + 2 × 1500 × 36.1 = 75 810 + 108 300 = 184 110.
    // contract, best candidate 1429 (1500/1.05 = 1428.57 up): band 1500.45;
    //   Aug, Sep: 1429 × 36.1 = 51 586.90 each; Jul (variant A):
    //   1500.45 × 36.1 + 2 × 36.1 × 599.55 = 54 166.245 + 43 287.51 = 97 453.755 → 97 453.76;
    //   quarter 200 627.56 (2000 kW: 3 × 72 200 = 216 600; floor 1280: 222 664.80; 1428: 205 834.98).
    // capacity 216 960 → actual demand is cheapest; saving 216 960 − 184 110 = 32 850.
    let mut peaks = ["1500"; 12];
    peaks[0] = "2100";
    let h = history(peaks, "600000", BillingMethod::Capacity);
    let c = t.compare_basic_methods(&h, d("1")).unwrap();
    assert_eq!(c.expected_demand_kw, vec![d("2100"), d("1500"), d("1500")]);
    assert_eq!(c.actual_demand.quarter_yuan, d("184110"));
    assert_eq!(c.contract_demand.contract_demand_kw, Some(d("1429")));
    assert_eq!(c.contract_demand.quarter_yuan, d("200627.56"));
    assert_eq!(c.cheapest, BillingMethod::ActualDemand);
    assert_eq!(c.saving_yuan, d("32850"));
    // Empty history is refused.
    assert!(matches!(
        t.compare_basic_methods(&[], d("1")),
        Err(TariffError::InvalidValue { .. })
    ));
}

#[test]
fn pf_and_tou_findings() {
    let t = huizhou_10kv();
    // April 2026 (30 days): 720 000 kWh → average 1000 kW. pf 0.80 (Q = 540 000) → surcharge;
    // compensation to 0.95: 1000 × (0.75 − 0.328684) = 421.32 kvar.
    let mut u = MonthlyUsage::new("C", 2026, 4, d("3200"));
    u.energy_kwh.set(Period::Peak, d("200000"));
    u.energy_kwh.set(Period::Flat, d("220000"));
    u.energy_kwh.set(Period::Valley, d("300000"));
    u.kvarh_forward = d("540000");
    let b1 = t.bill(&u).unwrap();
    u.month = 5;
    u.kvarh_forward = d("0"); // pf 1.00 → reduction
    let b2 = t.bill(&u).unwrap();
    let f = decision::pf_finding(&[b1.clone(), b2.clone()], None, None);
    assert_eq!(f.target_pf, Some(d("0.95")));
    assert_eq!(f.surcharge_months, 1);
    assert!(!f.keep);
    assert!((f.months[0].average_kw - 1000.0).abs() < 1e-9);
    assert!((f.months[0].compensation_kvar - 421.316).abs() < 0.01);
    assert!(f.months[1].compensation_kvar.abs() < f64::EPSILON);
    assert_eq!(
        f.total_adjustment_yuan,
        b1.pf.amount_yuan + b2.pf.amount_yuan
    );
    // TOU: valley 300 000 × 0.247 = 74 100 per bill; peak 200 000 × 1.105 = 221 000 per bill.
    let tou = decision::tou_finding(&[b1, b2]);
    assert_eq!(tou.valley_yuan, d("148200"));
    assert_eq!(tou.peak_sharp_yuan, d("442000"));
    assert!(!tou.excellent);
    // 600 000 / 1 440 000 = 0.41666…
    assert_eq!(tou.valley_share.round_dp(4), d("0.4167"));
}

// ---------------------------------------------------------------- properties

mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The cheapest contract demand found from the kinks is no dearer than any whole-kW
        /// contract demand from the floor to above the highest demand (brute force).
        #[test]
        fn contract_optimum_beats_brute_force(
            peaks in proptest::collection::vec(300u32..1500, 3),
            variant_b in any::<bool>(),
        ) {
            let t = simple(if variant_b { OverrunVariant::B } else { OverrunVariant::A });
            // History April–June 2026 (the quarter after is Jul–Sep, expected = history max).
            let history: Vec<MonthlyUsage> = peaks
                .iter()
                .enumerate()
                .map(|(k, p)| {
                    let mut u = usage(BillingMethod::Capacity, "1000", Some(&p.to_string()), None);
                    u.month = 4 + k as u32;
                    u
                })
                .collect();
            let c = t.compare_basic_methods(&history, d("1")).unwrap();
            let best = c.contract_demand.quarter_yuan;
            let top = *peaks.iter().max().unwrap();
            for dc in 400..=top + 2 {
                let mut total = Decimal::ZERO;
                for dm in &c.expected_demand_kw {
                    let u = usage(BillingMethod::ContractDemand, "1000", Some(&dm.to_string()), Some(&dc.to_string()));
                    total += t.bill(&u).unwrap().basic.amount_yuan;
                }
                prop_assert!(best <= total, "D_c {} costs {} < {}", dc, total, best);
            }
        }

        /// A bill's total is the sum of its lines, and the pf base is basic + energy.
        #[test]
        fn bill_total_is_the_sum_of_lines(
            peak in 0u64..2_000_000, flat in 0u64..2_000_000, valley in 0u64..2_000_000,
            kvarh in 0u64..3_000_000, demand in 1u32..3000, method in 0usize..3,
        ) {
            let t = huizhou_10kv();
            let mut u = MonthlyUsage::new("P", 2026, 8, d("3200"));
            u.energy_kwh.set(Period::Peak, Decimal::from(peak));
            u.energy_kwh.set(Period::Flat, Decimal::from(flat));
            u.energy_kwh.set(Period::Valley, Decimal::from(valley));
            u.kvarh_forward = Decimal::from(kvarh);
            u.max_demand_kw = Some(Decimal::from(demand));
            u.contract_demand_kw = Some(d("1500"));
            u.method = [BillingMethod::Capacity, BillingMethod::ContractDemand, BillingMethod::ActualDemand][method];
            match t.bill(&u) {
                Ok(b) => {
                    let lines: Decimal = b.energy.iter().map(|l| l.amount_yuan).sum();
                    prop_assert_eq!(lines, b.energy_yuan);
                    prop_assert_eq!(b.total_yuan, b.energy_yuan + b.basic.amount_yuan + b.pf.amount_yuan + b.funds_yuan);
                    prop_assert_eq!(b.pf.base_yuan, b.basic.amount_yuan + b.energy_yuan);
                }
                Err(e) => {
                    // Only reactive energy without active energy is refused here.
                    prop_assert!(peak + flat + valley == 0, "{e:?}");
                    prop_assert!(matches!(e, TariffError::PfZeroEnergy { .. }), "{:?}", e);
                }
            }
        }

        /// The exact power factor agrees with floating point away from the rounding boundaries.
        #[test]
        fn power_factor_matches_float_away_from_boundaries(p in 1u64..10_000_000, q in 0u64..10_000_000) {
            let exact = power_factor(Decimal::from(p), Decimal::from(q), Decimal::ZERO, "x").unwrap();
            let f = p as f64 / (p as f64).hypot(q as f64) * 100.0;
            if (f - f.floor() - 0.5).abs() > 1e-6 {
                prop_assert_eq!(exact, Decimal::new(f.round() as i64, 2));
            }
        }
    }
}

// ---------------------------------------------------------------- hardening (issue 14)

#[test]
fn month_outside_validity_is_refused_and_what_if_bills_it() {
    let t = huizhou_10kv(); // schedule from 2021-10-01, prices from 2026-02-01
    let mut u = MonthlyUsage::new("C9", 2025, 6, d("3200"));
    u.energy_kwh.set(Period::Flat, d("1000"));
    match t.bill(&u) {
        Err(TariffError::OutsideValidity {
            record, what, date, ..
        }) => {
            assert_eq!(what, "price table");
            assert_eq!(date, "2025-06-01");
            assert!(record.contains("C9"), "{record}");
        }
        other => panic!("{other:?}"),
    }
    // Before the schedule too: the schedule is named first.
    u.year = 2020;
    assert!(matches!(
        t.bill(&u),
        Err(TariffError::OutsideValidity {
            what: "schedule",
            ..
        })
    ));
    // The what-if bills June 2025 as June 2026 (same 30 days, same season).
    u.year = 2025;
    let what_if = t.bill_what_if(&u).unwrap();
    u.year = 2026;
    assert_eq!(what_if.total_yuan, t.bill(&u).unwrap().total_yuan);
    // A table that ends mid-month: the billed days past its end are refused, the days within
    // are billed.
    let mut book = defaults::guangdong_huizhou().unwrap();
    for p in &mut book.prices {
        p.effective_until = Some(date(2026, 3, 15));
    }
    let t = book
        .tariff_for("large_industry", "1-10kV", date(2026, 3, 1))
        .unwrap();
    let mut u = MonthlyUsage::new("C9", 2026, 3, d("3200"));
    assert!(
        matches!(t.bill(&u), Err(TariffError::OutsideValidity { ref date, .. }) if date == "2026-03-31")
    );
    u.billing_until = Some(date(2026, 3, 15));
    assert!(t.bill(&u).is_ok());
}

#[test]
fn zero_capacity_with_a_two_part_method_is_refused() {
    let t = simple(OverrunVariant::A);
    for method in [
        BillingMethod::Capacity,
        BillingMethod::ContractDemand,
        BillingMethod::ActualDemand,
    ] {
        let mut u = usage(method, "1000", Some("0"), Some("0"));
        u.capacity_kva = Decimal::ZERO;
        match t.bill(&u) {
            Err(TariffError::InvalidValue { field, value, .. }) => {
                assert_eq!(field, "capacity_kva");
                assert!(value.contains(method.as_str()), "{value}");
            }
            other => panic!("{method:?}: {other:?}"),
        }
    }
    // A single-part customer has no capacity charge: 1000 kWh × 0.5 = 500.00.
    let mut u = usage(BillingMethod::None, "1000", None, None);
    u.capacity_kva = Decimal::ZERO;
    let b = t.bill(&u).unwrap();
    assert_eq!(b.basic.amount_yuan, d("0.00"));
    assert_eq!(b.energy_yuan, d("500.00"));
    // Capacity sealed for the whole month is not 0 kVA: the customer pays no basic charge.
    let mut u = usage(BillingMethod::Capacity, "1000", None, None);
    u.sealed.push(SealedCapacity {
        capacity_kva: d("1000"),
        from: date(2026, 4, 1),
        until: date(2026, 4, 30),
        reason: None,
    });
    assert_eq!(t.bill(&u).unwrap().basic.amount_yuan, d("0.00"));
}

#[test]
fn sealed_capacity_wholly_outside_the_month_is_refused() {
    let t = simple(OverrunVariant::A);
    let sealed = |from, until| {
        let mut u = usage(BillingMethod::Capacity, "1000", None, None);
        u.sealed.push(SealedCapacity {
            capacity_kva: d("400"),
            from,
            until,
            reason: None,
        });
        u
    };
    for (from, until, field, value) in [
        (
            date(2026, 3, 1),
            date(2026, 3, 31),
            "sealed.until",
            "2026-03-31",
        ),
        (
            date(2026, 5, 1),
            date(2026, 5, 2),
            "sealed.from",
            "2026-05-01",
        ),
    ] {
        match t.bill(&sealed(from, until)) {
            Err(TariffError::InvalidDate {
                field: f, value: v, ..
            }) => {
                assert_eq!(f, field);
                assert_eq!(v, value);
            }
            other => panic!("{other:?}"),
        }
    }
    // Overlapping the month at either end is billed: 20 March – 10 April seals 400 kVA on
    // 10 days → 10 × 600 + 20 × 1000 = 26 000 kVA·day → 25 × 26 000 / 30 = 21 666.67.
    let b = t
        .bill(&sealed(date(2026, 3, 20), date(2026, 4, 10)))
        .unwrap();
    assert_eq!(b.basic.amount_yuan, d("21666.67"));
}

#[test]
fn exact_decimal_inputs() {
    use super::exact::parse_decimal;
    for (text, want) in [
        ("1.50", "1.50"),
        ("2.5e3", "2500"),
        ("-0.5", "-0.5"),
        (".5", "0.5"),
        ("1E-2", "0.01"),
        ("1000", "1000"),
        (
            "0.0000000000000000000000000001",
            "0.0000000000000000000000000001",
        ),
        // 28 significant digits are held exactly.
        (
            "1234567890123456789012345678",
            "1234567890123456789012345678",
        ),
    ] {
        assert_eq!(parse_decimal(text).unwrap().to_string(), want, "{text}");
    }
    for text in [
        "1.0000000000000000000000000001", // 29 significant digits
        "12345678901234567890123456789",  // 29 digits
        "1e-29",
        "1e29",
        "1e999999999999",
        "NaN",
        "inf",
        "",
        ".",
        "1.2.3",
        "--1",
    ] {
        assert!(parse_decimal(text).is_err(), "{text}");
    }
    // rust_decimal's own parser rounds the 29-digit value; the tariff's JSON refuses it,
    // naming the field.
    let e = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 4,
            "capacity_kva": "1000.0000000000000000000000001"}"#,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("capacity_kva") && msg.contains("significant digits"),
        "{msg}"
    );
    let e = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 4, "capacity_kva": "1000",
            "energy_kwh": {"peak": "0.12345678901234567890123456789"}}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("energy_kwh.peak"), "{e}");
    let e = from_json::<PriceTable>(
        "price table",
        r#"{"name": "x", "category": "c", "voltage": "v", "effective_from": "2026-01-01",
            "pf_standard": "0.90", "energy": [{"name": "e", "price": {"kind": "fixed",
            "yuan_per_kwh": "0.12345678901234567890123456789"}}]}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("energy[0].price"), "{e}");
}

#[test]
fn long_json_number_literals_reach_decimal_fields_exactly() {
    // 1234.5678901234567891 has 20 significant digits; as a binary f64 it would read back as
    // 1234.5678901234568 (17 digits), so the bill would use a value the customer never gave.
    let u = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 4, "capacity_kva": 1000,
            "energy_kwh": {"flat": 1234.5678901234567891},
            "kvarh_forward": 0.1000000000000000055511151231}"#,
    )
    .unwrap();
    assert_eq!(
        u.energy_kwh.get(Period::Flat).to_string(),
        "1234.5678901234567891"
    );
    // 28 digits of the exact binary value of 0.1: its nearest f64 reads back as 0.1.
    assert_eq!(
        u.kvarh_forward.to_string(),
        "0.1000000000000000055511151231"
    );
    // 29 significant digits as a JSON number: refused by name, as the same text in a string is.
    let e = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 4,
            "capacity_kva": 1000.0000000000000000000000001}"#,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("capacity_kva") && msg.contains("significant digits"),
        "{msg}"
    );
    // An underflow that a binary f64 would silently make 0 is refused as too small.
    let e = from_json::<MonthlyUsage>(
        "usage",
        r#"{"customer": "C1", "year": 2026, "month": 4, "capacity_kva": 1e-400}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("capacity_kva"), "{e}");
    // A binary-float field (the schedule's hours) given more digits than an f64 carries is
    // refused with the field named and the reason, not silently rounded to 7.
    let e = from_json::<TouSchedule>(
        "schedule",
        r#"{"name": "flat", "effective_from": "2020-01-01", "seasons": [{"name": "all",
            "months": [1,2,3,4,5,6,7,8,9,10,11,12], "periods": [{"period": "flat",
            "hours": [[0, 7.00000000000000000001], [7, 24]]}]}]}"#,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("seasons[0].periods[0].hours") && msg.contains("binary floating-point"),
        "{msg}"
    );
}

#[test]
fn json_errors_name_the_field() {
    let base = r#""customer": "C1", "year": 2026, "month": 4, "capacity_kva": "1000""#;
    let e = from_json::<MonthlyUsage>("usage", &format!(r#"{{{base}, "method": "by_magic"}}"#))
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("`method`") && msg.contains("by_magic"),
        "{msg}"
    );
    let e = from_json::<MonthlyUsage>("usage", &format!(r#"{{{base}, "kvarh_forwrd": 1}}"#))
        .unwrap_err();
    assert!(e.to_string().contains("kvarh_forwrd"), "{e}");
    let e = from_json::<MonthlyUsage>(
        "usage",
        &format!(r#"{{{base}, "sealed": [{{"capacity_kva": 1, "from": "2026-04-01", "until": "2026-04-02", "reson": "x"}}]}}"#),
    )
    .unwrap_err();
    assert!(e.to_string().contains("reson"), "{e}");
    let e = from_json::<IntervalOptions>("options", r#"{"energy_decimal": 2}"#).unwrap_err();
    assert!(e.to_string().contains("energy_decimal"), "{e}");
    // A string that is not a number names its field.
    let e = from_json::<MonthlyUsage>("usage", &format!(r#"{{{base}, "kvarh_forward": "NaN"}}"#))
        .unwrap_err();
    assert!(e.to_string().contains("kvarh_forward"), "{e}");
}

#[test]
fn decision_arithmetic_is_checked() {
    let big = d("6e16");
    // 6e16 × 6e16 = 3.6e33 does not fit a decimal (< 7.9e28): an error, not a panic.
    assert!(matches!(
        break_even_demand_kw(big, big, big, None),
        Err(TariffError::Overflow { .. })
    ));
    // A discount factor must be a factor in (0, 1].
    assert!(matches!(
        break_even_demand_kw(big, big, big, Some(big)),
        Err(TariffError::InvalidValue {
            field: "discount_factor",
            ..
        })
    ));
    // 1e15 × 1e15 = 1e30 overflows too: an error, not `None`.
    assert!(matches!(
        break_even_demand_kw(d("1e15"), d("1e15"), d("1"), None),
        Err(TariffError::Overflow { .. })
    ));
    // `None` only for a zero demand price.
    assert_eq!(
        break_even_demand_kw(d("3200"), d("22.6"), Decimal::ZERO, None).unwrap(),
        None
    );
    assert!(matches!(
        break_even_demand_kw(d("-1"), d("22.6"), d("36.1"), None),
        Err(TariffError::NegativeQuantity { .. })
    ));
    // A tiny contract-demand step would overflow the candidate search: refused by name.
    let t = simple(OverrunVariant::A);
    let mut u = usage(BillingMethod::Capacity, "1000", Some("1e15"), None);
    u.capacity_kva = d("1e15");
    assert!(matches!(
        t.compare_basic_methods(&[u], d("1e-28")),
        Err(TariffError::Overflow { .. })
    ));
}

mod hardening_props {
    use proptest::prelude::*;

    use super::*;

    fn extreme() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(Decimal::ZERO),
            Just(d("1e15")),
            Just(d("999999999999999.999")),
            (0u64..1_000_000_000_000_000).prop_map(Decimal::from),
            (0i64..1_000_000_000, 0u32..10).prop_map(|(m, s)| Decimal::new(m, s)),
        ]
    }

    fn price() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            Just(d("1000000")),
            Just(Decimal::ZERO),
            (0i64..1_000_000_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m, s).min(d("1000000"))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any quantities up to the 10^15 limit with any prices up to the 10^6 limit: a bill or
        /// a typed error, never a panic.
        #[test]
        fn bills_at_the_limits_never_panic(
            kwh in extreme(), kvarh in extreme(), cap in extreme(), dem in extreme(),
            dc in extreme(), p_e in price(), p_c in price(), p_d in price(), band in price(),
            mult in price(), method in 0usize..4,
        ) {
            let mut t = simple(OverrunVariant::A);
            let mut prices = t.prices().clone();
            prices.energy[0].price = EnergyPrice::Fixed { yuan_per_kwh: p_e };
            prices.capacity_price_yuan_per_kva_month = Some(p_c);
            prices.demand_price_yuan_per_kw_month = Some(p_d);
            prices.contract.band_ratio = band.max(Decimal::ONE);
            prices.contract.overrun_multiplier = mult;
            prices.funds = vec![Fund { name: "f".into(), yuan_per_kwh: p_e }];
            t = Tariff::new(t.schedule().clone(), prices).unwrap();
            let mut u = MonthlyUsage::new("P", 2026, 4, cap);
            u.energy_kwh.set(Period::Flat, kwh);
            u.kvarh_forward = kvarh;
            u.max_demand_kw = Some(dem);
            u.contract_demand_kw = Some(dc);
            u.method = [BillingMethod::Capacity, BillingMethod::ContractDemand,
                        BillingMethod::ActualDemand, BillingMethod::None][method];
            let _ = t.bill(&u);
            let _ = t.compare_basic_methods(&[u], d("1"));
        }

        /// A usage record with a random key added is refused, naming the key.
        #[test]
        fn unknown_keys_are_refused(key in "[a-z_]{1,12}") {
            let known = ["customer", "year", "month", "energy_kwh", "kvarh_forward",
                "kvarh_reverse", "max_demand_kw", "capacity_kva", "sealed", "billing_from",
                "billing_until", "method", "contract_demand_kw"];
            prop_assume!(!known.contains(&key.as_str()));
            let text = format!(
                r#"{{"customer": "C1", "year": 2026, "month": 4, "capacity_kva": "1000", "{key}": 1}}"#
            );
            let e = from_json::<MonthlyUsage>("usage", &text).unwrap_err();
            prop_assert!(e.to_string().contains(&format!("`{key}`")), "{}", e);
            // Price tables and customer terms likewise.
            let text = format!(r#"{{"customer": "C1", "capacity_kva": "1000", "{key}": 1}}"#);
            let terms_known = ["customer", "capacity_kva", "method", "contract_demand_kw",
                "kvarh_forward", "kvarh_reverse"];
            if !terms_known.contains(&key.as_str()) {
                let e = from_json::<CustomerTerms>("terms", &text).unwrap_err();
                prop_assert!(e.to_string().contains(&format!("`{key}`")), "{}", e);
            }
        }

        /// Any numeric field of a usage record given as NaN, infinity, null where a number is
        /// needed, or a non-number is refused naming the field: never a bill.
        #[test]
        fn non_numbers_in_usage_are_refused(
            field in prop::sample::select(vec!["kvarh_forward", "kvarh_reverse", "capacity_kva",
                "max_demand_kw", "contract_demand_kw", "energy_kwh.peak", "energy_kwh.flat"]),
            bad in prop::sample::select(vec!["\"NaN\"", "\"nan\"", "\"inf\"", "\"-inf\"",
                "\"\"", "\"1,5\"", "NaN", "\"1e400\"", "[]", "{}", "true"]),
        ) {
            let mut fields = vec![
                ("capacity_kva".to_owned(), "\"3200\"".to_owned()),
                ("method".to_owned(), "\"actual_demand\"".to_owned()),
                ("max_demand_kw".to_owned(), "\"1800\"".to_owned()),
            ];
            let energy = if let Some(p) = field.strip_prefix("energy_kwh.") {
                format!(r#"{{"{p}": {bad}}}"#)
            } else {
                fields.retain(|(k, _)| k != field);
                fields.push((field.to_owned(), bad.to_owned()));
                r#"{"flat": "1000"}"#.to_owned()
            };
            let body: Vec<String> = fields.iter().map(|(k, v)| format!(r#""{k}": {v}"#)).collect();
            let text = format!(
                r#"{{"customer": "C1", "year": 2026, "month": 4, "energy_kwh": {energy}, {}}}"#,
                body.join(", ")
            );
            let t = simple(OverrunVariant::A);
            match from_json::<MonthlyUsage>("usage", &text) {
                Ok(u) => prop_assert!(false, "{} = {} read as {:?}, billed {:?}", field, bad, u, t.bill(&u)),
                Err(e) => {
                    let leaf = field.rsplit('.').next().unwrap();
                    prop_assert!(e.to_string().contains(leaf) || bad == "NaN", "{}", e);
                }
            }
        }
    }
}

#[test]
fn interval_sums_are_exact_decimals() {
    // The simple tariff (flat all day, 0.5 yuan/kWh, no funds), April 2026, one customer with
    // two 15-minute readings 1.14 and 0.005 kWh. Exact sum 1.145 kWh → 1.15 kWh at 0.01 kWh
    // (half away from zero) → 1.15 × 0.5 = 0.575 → 0.58 yuan. In binary floating point
    // 1.14 + 0.005 = 1.1449999999999998, which would bill 1.14 kWh and 0.57 yuan.
    let (a, b) = (
        std::hint::black_box(1.14f64),
        std::hint::black_box(0.005f64),
    );
    assert!(a + b < 1.145);
    let t = simple(OverrunVariant::A);
    let start = date(2026, 4, 1).and_hms_opt(0, 0, 0).unwrap();
    let l = IntervalLayout::new(t.compiled(), &Calendar::default(), start, 15, 2).unwrap();
    let terms = vec![CustomerTerms {
        customer: "X".into(),
        capacity_kva: d("1000"),
        method: BillingMethod::None,
        contract_demand_kw: None,
        kvarh_forward: Some(Decimal::ZERO),
        kvarh_reverse: Some(Decimal::ZERO),
    }];
    let bill_of = |e: &[f64], options: IntervalOptions| {
        let batch = IntervalBatch {
            customers: 1,
            energy_kwh: e,
            kvarh_forward: Some(e),
            kvarh_reverse: None,
            ids: None,
        };
        let tot = interval::aggregate_with(&l, &batch, options).unwrap();
        let b = bill_batch(&t, &tot, &l, &terms, options).unwrap().remove(0);
        (tot, b)
    };
    let (tot, b) = bill_of(&[1.14, 0.005], IntervalOptions::default());
    assert_eq!(tot.exact_energy_kwh[2], d("1.145"));
    assert_eq!(tot.exact_kvarh_forward[0], d("1.145"));
    assert_eq!(tot.energy_kwh[2], 1.145); // the double nearest to the exact sum
    assert_eq!(b.energy_kwh, d("1.15"));
    assert_eq!(b.energy_yuan, d("0.58"));
    // Maximum demand from the exact reading: 1.14 kWh × 60 / 15 = 4.56 kW.
    assert_eq!(b.basic.actual_demand_kw, Some(d("4.560")));
    // Readings off the 0.001 grid (0.0005 kWh) take the decimal path: 1.1445 + 0.0005 =
    // 1.145 exactly.
    let (tot, b) = bill_of(&[1.1445, 0.0005], IntervalOptions::default());
    assert_eq!(tot.exact_energy_kwh[2], d("1.145"));
    assert_eq!(b.energy_yuan, d("0.58"));
    // … and the same readings on a 0.0001 grid take the integer path to the same sums.
    let fine = IntervalOptions {
        reading_decimals: 4,
        ..IntervalOptions::default()
    };
    let (tot, _) = bill_of(&[1.1445, 0.0005], fine);
    assert_eq!(tot.exact_energy_kwh[2], d("1.145"));
    let bad = IntervalOptions {
        reading_decimals: 7,
        ..IntervalOptions::default()
    };
    let batch = IntervalBatch {
        customers: 1,
        energy_kwh: &[1.0, 1.0],
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: None,
    };
    assert!(matches!(
        interval::aggregate_with(&l, &batch, bad),
        Err(TariffError::BadLayout { .. })
    ));
}

#[test]
fn a_month_of_grid_readings_sums_exactly() {
    // 30 days × 96 readings of k/1000 kWh for k = 1, 2, …: the exact sum per period is an
    // integer sum divided by 1000, computed here independently in i64 from the period of each
    // interval; the f64 sum of the same readings differs from it (checked below).
    let t = huizhou_10kv();
    let l = layout(&t, 2026, 9, 30);
    let n = l.intervals();
    let milli: Vec<i64> = (0..n as i64).map(|i| 1 + (i * 7919) % 100_003).collect();
    let e: Vec<f64> = milli.iter().map(|&m| m as f64 / 1000.0).collect();
    let mut want = [0i64; 5];
    let mut float = [0.0f64; 5];
    for (i, (&m, &x)) in milli.iter().zip(&e).enumerate() {
        let p = l.period_of(i).unwrap().index();
        want[p] += m;
        float[p] += x;
    }
    let batch = IntervalBatch {
        customers: 1,
        energy_kwh: &e,
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: None,
    };
    let tot = aggregate(&l, &batch).unwrap();
    let mut float_is_off = false;
    for p in 0..5 {
        let exact = Decimal::new(want[p], 3);
        assert_eq!(tot.exact_energy_kwh[p], exact, "period {p}");
        float_is_off |= Decimal::from_f64_retain(float[p]).unwrap() != exact;
    }
    assert!(
        float_is_off,
        "the example should show a binary rounding error"
    );
}

mod interval_props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// A NaN, infinity or negative reading anywhere in any column is an error naming the
        /// quantity, the customer and the interval: never a number.
        #[test]
        fn bad_readings_are_always_refused(
            customers in 1usize..4, row in 0usize..4, at in 0usize..192,
            column in 0usize..3, bad in prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.001, -1e300]),
            values in prop::collection::vec(0u32..100_000, 1..50),
        ) {
            let row = row % customers;
            let t = huizhou_10kv();
            let l = layout(&t, 2026, 9, 2);
            let n = l.intervals();
            let mut cols: Vec<Vec<f64>> = (0..3)
                .map(|k| (0..customers * n).map(|i| f64::from(values[(i + k) % values.len()]) / 1000.0).collect())
                .collect();
            cols[column][row * n + at] = bad;
            let ids: Vec<String> = (0..customers).map(|c| format!("C{c}")).collect();
            let batch = IntervalBatch {
                customers,
                energy_kwh: &cols[0],
                kvarh_forward: Some(&cols[1]),
                kvarh_reverse: Some(&cols[2]),
                ids: Some(&ids),
            };
            match aggregate(&l, &batch) {
                Err(TariffError::BadReading { quantity, customer, row: r, interval, .. }) => {
                    prop_assert_eq!(quantity, ["energy_kwh", "kvarh_forward", "kvarh_reverse"][column]);
                    prop_assert_eq!(customer, format!("C{row}"));
                    prop_assert_eq!(r, row);
                    prop_assert_eq!(interval, at);
                }
                other => prop_assert!(false, "{:?}", other.map(|t| t.total_kwh)),
            }
        }

        /// Readings on the 0.001 grid sum to the integer sum of their thousandths.
        #[test]
        fn grid_sums_equal_integer_sums(values in prop::collection::vec(0u64..10_000_000_000, 192)) {
            let t = huizhou_10kv();
            let l = layout(&t, 2026, 9, 2);
            let e: Vec<f64> = values.iter().map(|&m| m as f64 / 1000.0).collect();
            let batch = IntervalBatch { customers: 1, energy_kwh: &e, kvarh_forward: Some(&e), kvarh_reverse: None, ids: None };
            let tot = aggregate(&l, &batch).unwrap();
            let total: u64 = values.iter().sum();
            let exact: Decimal = tot.exact_energy_kwh.iter().copied().sum();
            prop_assert_eq!(exact, Decimal::new(total as i64, 3));
            prop_assert_eq!(tot.exact_kvarh_forward[0], Decimal::new(total as i64, 3));
        }
    }
}

// ---------------------------------------------------------------- progress

/// 1,000 customers × 31 days of readings and their terms (enough rows for several threads and
/// several reports).
fn progress_batch(t: &Tariff) -> (IntervalLayout, Vec<f64>, Vec<CustomerTerms>) {
    let l = layout(t, 2026, 8, 31);
    let n = l.intervals();
    let customers = 1_000;
    let e: Vec<f64> = (0..customers * n)
        .map(|i| ((i * 7_919) % 1_000) as f64 / 40.0)
        .collect();
    let terms = (0..customers)
        .map(|c| CustomerTerms {
            customer: format!("C{c}"),
            capacity_kva: d("630"),
            method: BillingMethod::Capacity,
            contract_demand_kw: None,
            kvarh_forward: None,
            kvarh_reverse: None,
        })
        .collect();
    (l, e, terms)
}

#[test]
fn progress_reports_customers_in_both_passes_and_changes_no_result() {
    let t = huizhou_10kv();
    let (l, e, terms) = progress_batch(&t);
    let batch = IntervalBatch {
        customers: terms.len(),
        energy_kwh: &e,
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: None,
    };
    let opts = IntervalOptions::default();
    let plain_totals = aggregate(&l, &batch).unwrap();
    let plain = bill_batch(&t, &plain_totals, &l, &terms, opts).unwrap();

    let mut seen: Vec<(usize, usize)> = Vec::new();
    let mut cb = |done: usize, total: usize| {
        seen.push((done, total));
        true
    };
    let mut p = crate::progress::Progress::with_phases(&mut cb, terms.len(), 2);
    let totals = super::interval::aggregate_tracked(&l, &batch, opts, Some(&mut p)).unwrap();
    p.next_phase();
    let bills =
        super::interval::bill_batch_tracked(&t, &totals, &l, &terms, opts, Some(&mut p)).unwrap();
    p.finish().unwrap();
    assert_eq!(bills, plain);
    assert_eq!(totals.total_kwh, plain_totals.total_kwh);
    // Never per item: at most one report per 1 % plus the end; counts only grow; the end once.
    assert!(seen.len() <= 102, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert!(seen.iter().all(|&(_, total)| total == 1_000));
    assert_eq!(seen.last(), Some(&(1_000, 1_000)));
    // The aggregation pass counts up to half the customers while its threads run.
    assert!(
        seen.iter().any(|&(done, _)| done > 0 && done <= 500),
        "{seen:?}"
    );
}

#[test]
fn a_false_from_the_callback_cancels() {
    let t = huizhou_10kv();
    let (l, e, terms) = progress_batch(&t);
    let batch = IntervalBatch {
        customers: terms.len(),
        energy_kwh: &e,
        kvarh_forward: None,
        kvarh_reverse: None,
        ids: None,
    };
    let mut calls = 0;
    let mut stop_at_once = |_: usize, _: usize| {
        calls += 1;
        false
    };
    let mut p = crate::progress::Progress::new(&mut stop_at_once, terms.len());
    let r =
        super::interval::aggregate_tracked(&l, &batch, IntervalOptions::default(), Some(&mut p));
    assert!(
        matches!(r, Err(TariffError::Cancelled { total: 1_000, .. })),
        "{r:?}"
    );
    assert_eq!(calls, 1);
}
