//! The report's rules and `build_reports` on a two-customer peer group whose bills, findings
//! and scores are worked by hand below.

use chrono::NaiveDate;
use gridserve::advice::report::{CustomerInfo, RuleKind};
use gridserve::advice::transformer::{LossTable, Status, TransformerInput};
use gridserve::advice::{AdviceError, AdviceRules, CustomerInput, WeightSpec, build_reports};
use gridserve::scoring::UsageRecord;
use gridserve::scoring::indicators::Indicator;
use gridserve::tariff::{self, MonthlyUsage, Tariff, TariffBook};
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// One season all year: valley 0–8, flat 8–18 and 22–24, peak 18–22; energy 1.0 / 0.6 / 0.3
/// yuan/kWh, no funds; 20 yuan/kVA·month, 32 yuan/kW·month; standard 0.90; contract floor 40 %,
/// band 105 %, overrun ×2 on the excess over the band (variant B).
const BOOK: &str = r#"{
  "schedules": [{
    "name": "one season", "effective_from": "2025-01-01",
    "seasons": [{"name": "all", "months": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
       "periods": [{"period": "valley", "hours": [[0, 8]]}, {"period": "flat", "hours": [[8, 18], [22, 24]]},
                   {"period": "peak", "hours": [[18, 22]]}]}]}],
  "prices": [{
    "name": "test", "category": "industry", "voltage": "10kV", "effective_from": "2025-01-01",
    "energy": [{"name": "all-in", "price": {"kind": "per_period",
                "yuan_per_kwh": {"peak": "1.0", "flat": "0.6", "valley": "0.3"}}}],
    "funds": [],
    "capacity_price_yuan_per_kva_month": "20",
    "demand_price_yuan_per_kw_month": "32",
    "pf_standard": "0.90",
    "contract": {"floor_ratio": "0.4", "band_ratio": "1.05", "overrun_multiplier": "2", "overrun_variant": "b"}
  }]
}"#;

fn tariff() -> Tariff {
    let book = TariffBook::from_json(BOOK).unwrap();
    book.tariff_for(
        "industry",
        "10kV",
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    )
    .unwrap()
}

fn month(json: &str) -> MonthlyUsage {
    tariff::from_json("usage", json).unwrap()
}

/// Customer A: 1000 kVA billed by capacity; each month peak 30 000, flat 50 000, valley
/// 20 000 kWh, demand 500 kW; kvarh 60 000 in January and February (pf 0.86), 40 000 in March
/// (pf 0.93); an S9 630 kVA unit at β = 0.5.
fn customer_a() -> CustomerInput {
    let history = [(1, 60_000), (2, 60_000), (3, 40_000)]
        .iter()
        .map(|(m, kvarh)| {
            month(&format!(
                r#"{{"customer": "A", "year": 2026, "month": {m}, "capacity_kva": "1000",
                    "energy_kwh": {{"peak": "30000", "flat": "50000", "valley": "20000"}},
                    "kvarh_forward": "{kvarh}", "max_demand_kw": "500", "method": "capacity"}}"#
            ))
        })
        .collect();
    CustomerInput {
        info: CustomerInfo {
            number: "A".into(),
            name: "甲厂".into(),
            category: "大工业".into(),
            voltage_kv: 10.0,
            capacity_kva: 1000.0,
        },
        history,
        transformers: vec![TransformerInput {
            asset: "T-A1".into(),
            model: "S9-630/10".into(),
            capacity_kva: 630.0,
            in_service_year: Some(2005),
            p0_kw: None,
            pk_kw: None,
            load_ratio: 0.5,
            hours_per_year: None,
        }],
        // Jan–Mar 2026: 90 days = 2160 h; 300 000 kWh; 160 000 kvarh.
        usage: UsageRecord {
            id: "A".into(),
            period_hours: 2160.0,
            energy_kwh: 300_000.0,
            peak_kwh: Some(90_000.0),
            flat_kwh: Some(150_000.0),
            valley_kwh: Some(60_000.0),
            reactive_kvarh: Some(160_000.0),
            max_load_kw: Some(500.0),
            min_load_kw: Some(50.0),
            ..UsageRecord::default()
        },
        direct_trading_saving_yuan: None,
    }
}

/// Customer B: 400 kVA on a 200 kW contract demand; each month peak 20 000, flat 10 000,
/// valley 70 000 kWh, demand 190 kW, kvarh 25 000 (pf 0.97).
fn customer_b() -> CustomerInput {
    let history = (1..=3)
        .map(|m| {
            month(&format!(
                r#"{{"customer": "B", "year": 2026, "month": {m}, "capacity_kva": "400",
                    "energy_kwh": {{"peak": "20000", "flat": "10000", "valley": "70000"}},
                    "kvarh_forward": "25000", "max_demand_kw": "190",
                    "method": "contract_demand", "contract_demand_kw": "200"}}"#
            ))
        })
        .collect();
    CustomerInput {
        info: CustomerInfo {
            number: "B".into(),
            name: "乙厂".into(),
            category: "大工业".into(),
            voltage_kv: 10.0,
            capacity_kva: 400.0,
        },
        history,
        transformers: vec![],
        usage: UsageRecord {
            id: "B".into(),
            period_hours: 2160.0,
            energy_kwh: 300_000.0,
            peak_kwh: Some(60_000.0),
            flat_kwh: Some(30_000.0),
            valley_kwh: Some(210_000.0),
            power_factor: Some(0.96),
            max_load_kw: Some(200.0),
            min_load_kw: Some(100.0),
            ..UsageRecord::default()
        },
        direct_trading_saving_yuan: None,
    }
}

fn rules() -> AdviceRules {
    AdviceRules {
        indicators: vec![
            Indicator::LoadFactor,
            Indicator::PowerFactor,
            Indicator::ValleyEnergyShare,
            Indicator::PeakValleyDifferenceRate,
        ],
        ..AdviceRules::default()
    }
}

fn issued() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 5).unwrap()
}

pub(crate) fn build() -> Vec<gridserve::advice::EnergyReport> {
    build_reports(
        &[customer_a(), customer_b()],
        &tariff(),
        &rules(),
        &LossTable::gb20052(),
        issued(),
    )
    .unwrap()
}

fn finding(
    r: &gridserve::advice::EnergyReport,
    kind: RuleKind,
) -> &gridserve::advice::report::Finding {
    r.findings.iter().find(|f| f.rule == kind).unwrap()
}

#[test]
fn bills_of_each_month() {
    let reports = build();
    let a = &reports[0];
    // January: energy 30 000 × 1.0 + 50 000 × 0.6 + 20 000 × 0.3 = 66 000; capacity
    // 1000 × 20 = 20 000; pf 1/√(1 + 0.6²) = 0.857 → 0.86, +2.0 % of 86 000 = 1 720
    // → 87 720. March: pf 1/√(1 + 0.4²) = 0.928 → 0.93, −0.45 % → −387 → 85 613.
    let totals: Vec<Decimal> = a
        .months
        .iter()
        .map(|m| m.bill_total_yuan.unwrap())
        .collect();
    assert_eq!(totals, vec![d("87720"), d("87720"), d("85613")]);
    assert_eq!(a.months[0].power_factor, Some(0.86));
    assert_eq!(a.months[2].power_factor, Some(0.93));
    assert_eq!(a.months[0].energy.valley_kwh, 20_000.0);
    // B: 66 000 → 20 000 + 6 000 + 21 000 = 47 000 energy; contract 200 × 32 = 6 400 (190 is
    // inside the band); pf 1/√(1 + 0.25²) = 0.970 → −0.75 % of 53 400 = −400.50 → 52 999.50.
    let b = &reports[1];
    assert_eq!(b.months[0].bill_total_yuan, Some(d("52999.50")));
}

#[test]
fn rule_2_basic_charge() {
    let reports = build();
    // A: capacity 60 000 a quarter; actual demand 500 × 32 × 3 = 48 000; contract demand: the
    // charge D_c·32 + 64·max(0, 500 − 1.05·D_c) falls until D_c = 500/1.05 = 476.19, so
    // 476 kW: 15 232 + 64 × 0.2 = 15 244.80 a month, 45 734.40 a quarter (477 kW: 15 264).
    // Saving 60 000 − 45 734.40 = 14 265.60 a quarter, × 4 = 57 062.40 a year.
    let f = finding(&reports[0], RuleKind::BasicCharge);
    assert_eq!(f.status, Status::Yellow);
    assert_eq!(f.saving_yuan_per_year, Some(d("57062.40")));
    assert!(f.headline.contains("476"), "{}", f.headline);
    // D* = 1000 × 20 / 32 = 625 kW.
    assert!(
        f.inputs
            .iter()
            .any(|(k, v)| k.contains("D*") && v == "625 kW"),
        "{:?}",
        f.inputs
    );
    // B: 200 kW now (6 400 a month); D = 190: D_c = 181 → 5 792 (band 190.05), D_c = 180 →
    // 5 760 + 64 × 1 = 5 824. Saving (6 400 − 5 792) × 3 = 1 824 a quarter, 7 296 a year.
    let f = finding(&reports[1], RuleKind::BasicCharge);
    assert_eq!(f.saving_yuan_per_year, Some(d("7296")));
    assert!(f.headline.contains("181"), "{}", f.headline);
}

#[test]
fn rule_3_power_factor() {
    let reports = build();
    // A pays +1 720 in January and February (2 months ≥ the red threshold of 2):
    // 3 440 × 12 / 3 = 13 760 a year.
    let f = finding(&reports[0], RuleKind::PowerFactor);
    assert_eq!(f.status, Status::Red);
    assert_eq!(f.saving_yuan_per_year, Some(d("13760")));
    // The compensation to 0.95 (the lowest factor with the full −0.75 %): February, 672 h,
    // P = 100 000 / 672 = 148.81 kW; tan φ1 = 60 000 / 100 000 = 0.6, tan φ2 = √(1 − 0.95²) /
    // 0.95 = 0.32868; Q_c = 148.81 × 0.27132 = 40.4 kvar.
    assert!(f.advice.contains("40 kvar"), "{}", f.advice);
    // With one surcharge month it would be yellow.
    let mut one = rules();
    one.pf_red_surcharge_months = 3;
    let r = build_reports(
        &[customer_a()],
        &tariff(),
        &one,
        &LossTable::gb20052(),
        issued(),
    )
    .unwrap();
    assert_eq!(finding(&r[0], RuleKind::PowerFactor).status, Status::Yellow);
    // B never pays a surcharge: keep.
    let f = finding(&reports[1], RuleKind::PowerFactor);
    assert_eq!(f.status, Status::Green);
    assert_eq!(f.saving_yuan_per_year, None);
}

#[test]
fn rule_4_time_of_use() {
    let reports = build();
    // A: valley 20 000 × 0.3 = 6 000 < peak 30 000 × 1.0 a month: shift 10 % of 90 000 kWh =
    // 9 000 kWh × (1.0 − 0.3) = 6 300 over 3 months → 25 200 a year.
    let f = finding(&reports[0], RuleKind::TimeOfUse);
    assert_eq!(f.status, Status::Yellow);
    assert_eq!(f.saving_yuan_per_year, Some(d("25200")));
    // B: valley 70 000 × 0.3 = 21 000 ≥ peak 20 000 × 1.0: excellent.
    let f = finding(&reports[1], RuleKind::TimeOfUse);
    assert_eq!(f.status, Status::Green);
    // A direct-trading customer's saving A is stated, not counted again.
    let mut a = customer_a();
    a.direct_trading_saving_yuan = Some(d("120000"));
    let r = build_reports(&[a], &tariff(), &rules(), &LossTable::gb20052(), issued()).unwrap();
    let f = finding(&r[0], RuleKind::TimeOfUse);
    assert_eq!(f.status, Status::Green);
    assert!(
        f.headline.contains("年节约 120,000.00 元"),
        "{}",
        f.headline
    );
    assert_eq!(f.saving_yuan_per_year, None);
}

#[test]
fn rule_1_transformer_priced_at_the_average_price() {
    let reports = build();
    let f = finding(&reports[0], RuleKind::Transformer);
    // S9 is on the phase-out list: red. The window's average energy price is
    // 198 000 / 300 000 = 0.66 yuan/kWh.
    assert_eq!(f.status, Status::Red);
    assert!(
        f.inputs.iter().any(|(_, v)| v == "0.66 元/kWh"),
        "{:?}",
        f.inputs
    );
    // The energy saved replacing an S9-630 at β = 0.5 by a grade-1 unit is about 10 300 kWh
    // a year (reference tariff.md §4 worked example), so 6 700 to 6 900 yuan at 0.66.
    let saving = f.saving_yuan_per_year.unwrap();
    assert!(saving > d("6700") && saving < d("6900"), "{saving}");
    // B has no transformers listed: no transformer finding.
    assert!(
        reports[1]
            .findings
            .iter()
            .all(|f| f.rule != RuleKind::Transformer)
    );
}

#[test]
fn score_rank_and_peer_medians() {
    let reports = build();
    let (a, b) = (&reports[0], &reports[1]);
    // B is better on every indicator: load factor 138.9/200 = 0.694 vs 138.9/500 = 0.278;
    // pf 0.96 vs 300 000/√(300 000² + 160 000²) = 0.882; valley share 0.7 vs 0.2;
    // peak–valley difference (200 − 100)/200 = 0.5 vs (500 − 50)/500 = 0.9 (cost).
    // So B is the ideal and A the anti-ideal: closeness 1 and 0.
    let (sa, sb) = (a.score.as_ref().unwrap(), b.score.as_ref().unwrap());
    assert_eq!((sb.rank, sa.rank), (1, 2));
    assert_eq!(sb.peers, 2);
    assert!((sb.closeness - 1.0).abs() < 1e-12 && sa.closeness.abs() < 1e-12);
    // Entropy weights of two alternatives that differ in every column: each min-max column is
    // (0, 1), entropy 0, so the weights are equal.
    for ind in &a.indicators {
        assert!((ind.weight.unwrap() - 0.25).abs() < 1e-12, "{ind:?}");
    }
    let lf = &a.indicators[0];
    assert_eq!(lf.key, "load_factor");
    assert!((lf.value - 300_000.0 / 2160.0 / 500.0).abs() < 1e-12);
    // The median of two peers is their mean.
    let median = (300_000.0 / 2160.0 / 500.0 + 300_000.0 / 2160.0 / 200.0) / 2.0;
    assert!((lf.peer_median.unwrap() - median).abs() < 1e-12);
}

#[test]
fn g1_weights_from_the_rules() {
    // G1 order: power factor, load factor, valley share, peak–valley; ratios 1.2, 1.2, 1.4.
    // w_4 = 1/(1 + 1.4 + 1.4·1.2 + 1.4·1.2·1.2) = 1/6.096; w_3 = 1.4 w_4, w_2 = 1.2 w_3,
    // w_1 = 1.2 w_2.
    let mut r = rules();
    r.weights = WeightSpec::G1 {
        order: vec![1, 0, 2, 3],
        ratios: vec![1.2, 1.2, 1.4],
    };
    let reports = build_reports(
        &[customer_a(), customer_b()],
        &tariff(),
        &r,
        &LossTable::gb20052(),
        issued(),
    )
    .unwrap();
    let w: Vec<f64> = reports[0]
        .indicators
        .iter()
        .map(|i| i.weight.unwrap())
        .collect();
    let w4 = 1.0 / 6.096;
    let expected = [1.2 * 1.4 * w4, 1.2 * 1.2 * 1.4 * w4, 1.4 * w4, w4];
    for (got, want) in w.iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{w:?}");
    }
}

#[test]
fn refused_inputs() {
    let t = tariff();
    let losses = LossTable::gb20052();
    // No history.
    let mut a = customer_a();
    a.history.clear();
    let e = build_reports(&[a], &t, &rules(), &losses, issued()).unwrap_err();
    assert!(
        matches!(&e, AdviceError::InvalidInput { record, field, .. } if record == "A" && field == "history"),
        "{e}"
    );
    // A usage record of another customer.
    let mut a = customer_a();
    a.usage.id = "B".into();
    let e = build_reports(&[a], &t, &rules(), &losses, issued()).unwrap_err();
    assert!(e.to_string().contains("usage.id"), "{e}");
    // Given weights that do not fit the indicators.
    let mut r = rules();
    r.weights = WeightSpec::Given {
        weights: vec![1.0, 1.0],
    };
    let e = build_reports(&[customer_a(), customer_b()], &t, &r, &losses, issued()).unwrap_err();
    assert!(matches!(e, AdviceError::InvalidRule { .. }), "{e}");
    // A month that cannot be billed: negative energy, reported by the tariff engine.
    let mut a = customer_a();
    a.history[1] = month(
        r#"{"customer": "A", "year": 2026, "month": 2, "capacity_kva": "1000",
            "energy_kwh": {"peak": "-1"}, "method": "capacity"}"#,
    );
    let e = build_reports(&[a], &t, &rules(), &losses, issued()).unwrap_err();
    assert!(matches!(e, AdviceError::Tariff(_)), "{e}");
    assert!(e.to_string().contains("energy_kwh.peak"), "{e}");
    // An indicator whose inputs are missing: the scoring error names the record.
    let mut b = customer_b();
    b.usage.max_load_kw = None;
    let e = build_reports(&[customer_a(), b], &t, &rules(), &losses, issued()).unwrap_err();
    assert!(matches!(e, AdviceError::Scoring(_)), "{e}");
    assert!(e.to_string().contains('B'), "{e}");
}

#[test]
fn rules_round_trip_as_json() {
    let r = AdviceRules {
        weights: WeightSpec::G1Entropy {
            order: vec![0, 1],
            ratios: vec![1.4],
            alpha: 0.5,
        },
        ..AdviceRules::default()
    };
    let json = serde_json::to_string(&r).unwrap();
    let back: AdviceRules = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    // Defaults fill what a rules file leaves out.
    let partial: AdviceRules = serde_json::from_str(r#"{"tou_shift_share": "0.2"}"#).unwrap();
    assert_eq!(partial.tou_shift_share, d("0.2"));
    assert_eq!(partial.pf_red_surcharge_months, 2);
    assert_eq!(partial.weights, WeightSpec::Entropy);
}

#[test]
fn a_peer_group_of_one_is_not_scored() {
    let r = build_reports(
        &[customer_a()],
        &tariff(),
        &rules(),
        &LossTable::gb20052(),
        issued(),
    )
    .unwrap();
    assert!(r[0].score.is_none());
    assert_eq!(r[0].indicators.len(), 4);
    assert!(r[0].indicators.iter().all(|i| i.weight.is_none()));
    // Its own value is the median of a group of one.
    let lf = &r[0].indicators[0];
    assert_eq!(lf.peer_median, Some(lf.value));
    // An empty group gives no reports.
    let none = build_reports(&[], &tariff(), &rules(), &LossTable::gb20052(), issued()).unwrap();
    assert!(none.is_empty());
}

#[test]
fn rules_out_of_their_domain_are_refused() {
    for (json, field) in [
        (r#"{"tou_shift_share": "1.5"}"#, "tou_shift_share"),
        (r#"{"contract_step_kw": "0"}"#, "contract_step_kw"),
        (
            r#"{"pf_red_surcharge_months": 0}"#,
            "pf_red_surcharge_months",
        ),
        (r#"{"pf_target": "1.2"}"#, "pf_target"),
        (r#"{"pf_hours_per_day": 30}"#, "pf_hours_per_day"),
        (
            r#"{"weights": {"kind": "g1_entropy", "order": [0], "ratios": [], "alpha": 2}}"#,
            "weights.alpha",
        ),
    ] {
        let e = AdviceRules::from_json(json).unwrap_err();
        assert!(
            matches!(&e, AdviceError::InvalidRule { field: f, .. } if f == field),
            "{json}: {e}"
        );
    }
    let e = AdviceRules::from_json("{\"tou_shift_share\": ").unwrap_err();
    assert!(matches!(e, AdviceError::Parse { .. }), "{e}");
    // build_reports checks the rules too.
    let mut r = rules();
    r.tou_shift_share = d("-0.1");
    let e = build_reports(
        &[customer_a()],
        &tariff(),
        &r,
        &LossTable::gb20052(),
        issued(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("tou_shift_share"), "{e}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// A non-finite number in any numeric field of a transformer: an error naming the asset
    /// and the field, never a finding and never a panic.
    #[test]
    fn non_finite_transformer_inputs_are_refused(
        field in 0usize..5,
        bad in proptest::prop_oneof![
            proptest::strategy::Just(f64::NAN),
            proptest::strategy::Just(f64::INFINITY),
            proptest::strategy::Just(f64::NEG_INFINITY)
        ],
    ) {
        use gridserve::advice::transformer::{TransformerRules, evaluate};
        let mut t = TransformerInput {
            asset: "T-1".into(),
            model: "S9-630/10".into(),
            capacity_kva: 630.0,
            in_service_year: Some(2005),
            p0_kw: Some(1.2),
            pk_kw: Some(6.2),
            load_ratio: 0.5,
            hours_per_year: Some(8760.0),
        };
        let name = match field {
            0 => { t.capacity_kva = bad; "capacity_kva" }
            1 => { t.load_ratio = bad; "load_ratio" }
            2 => { t.p0_kw = Some(bad); "p0_kw" }
            3 => { t.pk_kw = Some(bad); "pk_kw" }
            _ => { t.hours_per_year = Some(bad); "hours_per_year" }
        };
        let r = evaluate(&t, &LossTable::gb20052(), &TransformerRules::default(), 2026, d("0.6"));
        match r {
            Err(AdviceError::InvalidInput { record, field, .. }) => {
                proptest::prop_assert_eq!(record, "T-1");
                proptest::prop_assert_eq!(field, name);
            }
            other => proptest::prop_assert!(false, "{:?}", other),
        }
    }
}
