//! Reliability indices and statistics: the reference vectors R1 and R2, the boundary cases,
//! refused inputs, records from the network model, and invariants.
//!
//! R1 and R2 come from `reliability_vectors.py` of the project's research notes on reliability
//! statistics (a synthetic, self-consistent vector with hand-checkable arithmetic, not taken
//! from the standard); the numbers quoted below are that script's output.

use std::sync::Arc;

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use gridserve::network::{ElementId, Network, Topology};
use gridserve::reliability::*;
use gridserve::synth;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::validation::small;

fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<FixedOffset> {
    CHINA_STANDARD_TIME
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
}

fn close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{a} differs from the expected {b}"
    );
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn feeder(name: &str, sub: &str, customers: u64, load_kva: f64) -> FeederService {
    FeederService {
        feeder: name.into(),
        substation: sub.into(),
        customers,
        load_kva,
    }
}

fn rec(
    id: &str,
    start: DateTime<FixedOffset>,
    minutes: i64,
    customers: Vec<String>,
    kva: f64,
) -> OutageRecord {
    let mut r = OutageRecord::new(
        id,
        start,
        start + Duration::minutes(minutes),
        "F",
        CustomersInterrupted::List(customers),
    );
    r.load_kva = kva;
    r.cause = "fault".into();
    r.device = "K1".into();
    r
}

/// Vector R1: N_T = 1000, L_T = 5000 kVA, groups A = 100, B = 200, C = 50, D = 650 customers;
/// sustained A+B 90 min 1200 kVA, A 30 min 400 kVA, C 480 min 600 kVA, A 120 min 400 kVA;
/// momentary B (2 operations), C (1 operation). Over 2023 (365 days).
fn r1() -> OutageTable {
    let (a, b, c) = (names("A", 100), names("B", 200), names("C", 50));
    let ab: Vec<String> = a.iter().chain(&b).cloned().collect();
    let mut m1 = rec("M1", t(2023, 6, 1, 8, 0), 2, b, 0.0);
    m1.operations = 2;
    let m2 = rec("M2", t(2023, 6, 2, 8, 0), 1, c.clone(), 0.0);
    let records = vec![
        rec("S1", t(2023, 2, 1, 8, 0), 90, ab, 1200.0),
        rec("S2", t(2023, 3, 1, 8, 0), 30, a.clone(), 400.0),
        rec("S3", t(2023, 4, 1, 8, 0), 480, c, 600.0),
        rec("S4", t(2023, 5, 1, 8, 0), 120, a, 400.0),
        m1,
        m2,
    ];
    let base = ServiceBase::new(vec![feeder("F", "S", 1000, 5000.0)]).unwrap();
    OutageTable::new(&records, base).unwrap()
}

#[test]
fn vector_r1_ieee_1366() {
    let table = r1();
    let options = IndexOptions {
        cemi_n: vec![1, 2, 3],
        cemsmi_n: vec![1, 2],
        celid_single_min: vec![360.0],
        celid_total_min: vec![180.0],
        ..IndexOptions::default()
    };
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let x = system_indices(&table, &year, &options).unwrap();
    // reliability_vectors.py: CI = 550, CMI = 66000, CN = 350.
    assert_eq!(x.customer_interruptions, 550);
    close(x.customer_minutes, 66_000.0);
    assert_eq!(x.period_hours, 8760.0);
    close(x.saifi, 0.55);
    close(x.saidi_min, 66.0);
    close(x.caidi_min.unwrap(), 120.0);
    close(x.asai, 0.999_874_429_2);
    close(x.asifi.unwrap(), 0.52);
    close(x.asidi_min.unwrap(), 91.2);
    close(x.maifi, 0.45);
    close(x.maifi_e, 0.25);
    let c = x.customer_indices().unwrap();
    assert_eq!(c.customers_interrupted, 350);
    close(c.caifi.unwrap(), 1.571_428_571_428_571_4); // 550 / 350
    close(c.ctaidi_min.unwrap(), 188.571_428_571_428_57); // 66000 / 350
    let cemi: Vec<f64> = c.cemi.iter().map(|k| k.value).collect();
    assert_eq!(cemi, [0.10, 0.10, 0.0]);
    let cemsmi: Vec<f64> = c.cemsmi.iter().map(|k| k.value).collect();
    assert_eq!(cemsmi, [0.35, 0.10]);
    close(c.celid_single[0].value, 0.05);
    close(c.celid_total[0].value, 0.15);
}

#[test]
fn vector_r1_dlt836() {
    let table = r1();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let d = dlt836_indices(
        &table,
        &year,
        &IndexOptions::default(),
        &DltOptions::default(),
    )
    .unwrap();
    // reliability_vectors.py: AIHC-1 = 1.1 h, AITC-1 = 0.55, RS-1 = 99.98744292 %.
    close(d.aihc1_h, 1.1);
    close(d.aitc1, 0.55);
    assert!((d.rs1_pct - 99.987_442_92).abs() < 5e-9);
    // No external or shortage causes: the variants equal RS-1; all of it is fault time.
    close(d.rs2_pct, d.rs1_pct);
    close(d.rs3_pct, d.rs1_pct);
    close(d.aihc_fault_h, 1.1);
    close(d.aihc_planned_h, 0.0);
}

#[test]
fn dlt836_variants_leave_out_their_causes() {
    let base = ServiceBase::new(vec![feeder("F", "S", 100, 0.0)]).unwrap();
    let mut a = rec("A", t(2023, 1, 2, 8, 0), 60, names("x", 10), 0.0);
    a.cause = "外部影响".into();
    let mut b = rec("B", t(2023, 1, 3, 8, 0), 120, names("x", 20), 0.0);
    b.cause = "系统电源不足限电".into();
    b.planned = true;
    let table = OutageTable::new(&[a, b], base).unwrap();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let d = dlt836_indices(
        &table,
        &year,
        &IndexOptions::default(),
        &DltOptions::default(),
    )
    .unwrap();
    // By hand: AIHC-1 = (1 h·10 + 2 h·20)/100 = 0.5; without external 0.4; without shortage 0.1.
    close(d.aihc1_h, 0.5);
    close(d.aihc2_h, 0.4);
    close(d.aihc3_h, 0.1);
    close(d.rs2_pct, (1.0 - 0.4 / 8760.0) * 100.0);
    close(d.aihc_planned_h, 0.4);
    close(d.aitc_planned, 0.2);
    close(d.aitc_fault, 0.1);
}

#[test]
fn vector_r2_med_threshold() {
    // reliability_vectors.py: n = 10, α = 0.5087596335, β = 1.115783606 (sample) or
    // 1.058525271 (population); T_MED = 27.06438479 or 23.45474482.
    let daily = [
        0.0, 0.5, 1.0, 0.0, 2.0, 4.0, 8.0, 0.25, 3.0, 1.5, 0.0, 0.75, 6.0,
    ];
    let s = MedThreshold::from_daily_saidi(&daily, &MedOptions::default()).unwrap();
    assert_eq!((s.days_used, s.zero_days), (10, 3));
    assert!((s.alpha - 0.508_759_633_5).abs() < 1e-10);
    assert!((s.beta - 1.115_783_606).abs() < 1e-9);
    assert!((s.t_med_min - 27.064_384_79).abs() < 1e-8);
    let p = MedThreshold::from_daily_saidi(
        &daily,
        &MedOptions {
            std_dev: StdDev::Population,
            ..MedOptions::default()
        },
    )
    .unwrap();
    assert!((p.beta - 1.058_525_271).abs() < 1e-9);
    assert!((p.t_med_min - 23.454_744_82).abs() < 1e-8);
    // Strictly above: a day at exactly T_MED is not major.
    assert!(!s.is_major(s.t_med_min));
    assert!(s.is_major(s.t_med_min * (1.0 + 1e-12)));
}

#[test]
fn med_history_is_refused_when_too_short_or_invalid() {
    let o = MedOptions::default();
    assert!(matches!(
        MedThreshold::from_daily_saidi(&[0.0, 3.0, 0.0], &o),
        Err(ReliabilityError::NotEnoughHistory {
            nonzero_days: 1,
            needed: 2
        })
    ));
    assert!(matches!(
        MedThreshold::from_daily_saidi(&[1.0, -2.0], &o),
        Err(ReliabilityError::InvalidDailyValue { index: 1, .. })
    ));
    assert!(matches!(
        MedThreshold::from_daily_saidi(&[1.0, f64::NAN], &o),
        Err(ReliabilityError::InvalidDailyValue { index: 1, .. })
    ));
}

/// The R2 daily values as outages over 13 days of March 2022 (one feeder, 100 customers): a day
/// of SAIDI s is one outage of 20 customers lasting 5·s minutes (20 · 5·s / 100 = s). The
/// shortest (s = 0.25) lasts 75 s, so the momentary threshold is set to 1 minute here.
#[test]
fn major_event_days_end_to_end() {
    let daily = [
        0.0, 0.5, 1.0, 0.0, 2.0, 4.0, 8.0, 0.25, 3.0, 1.5, 0.0, 0.75, 6.0,
    ];
    let base = ServiceBase::new(vec![feeder("F", "S", 100, 0.0)]).unwrap();
    let all = names("c", 100);
    let outage = |id: String, start: DateTime<FixedOffset>, s: f64, cause: &str| {
        let mut r = OutageRecord::new(
            id,
            start,
            start + Duration::seconds((5.0 * s * 60.0) as i64),
            "F",
            CustomersInterrupted::List(all[..20].to_vec()),
        );
        r.cause = cause.into();
        r
    };
    let mut records: Vec<OutageRecord> = daily
        .iter()
        .enumerate()
        .filter(|(_, s)| **s > 0.0)
        .map(|(k, &s)| outage(format!("H{k}"), t(2022, 3, 1 + k as u32, 10, 0), s, "fault"))
        .collect();
    let options = IndexOptions {
        momentary_max_min: 1.0,
        ..IndexOptions::default()
    };
    // The period: 2023. Day 1: SAIDI 30 (> 27.06, major); day 2: 27 (below); day 3: 5. Each
    // starts at 23:00 and crosses midnight, and still counts on the day it began.
    for (k, s) in [(1u32, 30.0), (2, 27.0), (3, 5.0)] {
        records.push(outage(format!("P{k}"), t(2023, 1, k, 23, 0), s, "storm"));
    }
    let table = OutageTable::new(&records, base).unwrap();
    let history = Period::year(2022, CHINA_STANDARD_TIME).unwrap();
    let period = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let days = daily_saidi(&table, &history, &options).unwrap();
    assert_eq!(days.len(), 365);
    close(days[59 + 1].saidi_min, 0.5); // 1 March 2022 is day 59 (0-based); k = 1
    let m = major_event_days(&table, &history, &period, &options, &MedOptions::default()).unwrap();
    // History: the R2 values plus 352 zero days; zeros are dropped, so T_MED is R2's.
    assert!((m.threshold.t_med_min - 27.064_384_79).abs() < 1e-8);
    assert_eq!(m.threshold.zero_days, 365 - 10);
    assert_eq!(m.major_event_days.len(), 1);
    assert_eq!(m.major_event_days[0].date.to_string(), "2023-01-01");
    close(m.major_event_days[0].saidi_min, 30.0);
    // With: SAIDI 30 + 27 + 5 = 62; without the MED: 32.
    close(m.with_meds.saidi_min, 62.0);
    close(m.without_meds.saidi_min, 32.0);
    assert_eq!(m.without_meds.sustained_interruptions, 2);
}

fn one_feeder(customers: u64) -> ServiceBase {
    ServiceBase::new(vec![feeder("F", "S", customers, 1000.0)]).unwrap()
}

#[test]
fn exactly_five_minutes_is_momentary() {
    let start = t(2024, 4, 1, 8, 0);
    let mk = |id: &str, ms: i64| {
        OutageRecord::new(
            id,
            start,
            start + Duration::milliseconds(ms),
            "F",
            CustomersInterrupted::Count(10),
        )
    };
    let table = OutageTable::new(
        &[mk("five", 300_000), mk("five+1ms", 300_001)],
        one_feeder(100),
    )
    .unwrap();
    let year = Period::year(2024, CHINA_STANDARD_TIME).unwrap();
    let x = system_indices(&table, &year, &IndexOptions::default()).unwrap();
    assert_eq!((x.momentary_events, x.sustained_interruptions), (1, 1));
    close(x.maifi_e, 0.1);
    close(x.saifi, 0.1);
    // A 3-minute threshold (EN 50160) makes both sustained.
    let en = IndexOptions {
        momentary_max_min: 3.0,
        ..IndexOptions::default()
    };
    let x = system_indices(&table, &year, &en).unwrap();
    assert_eq!((x.momentary_events, x.sustained_interruptions), (0, 2));
}

#[test]
fn an_outage_across_midnight_counts_on_the_day_and_in_the_year_it_began() {
    // 23:00 on 31 Dec 2023 to 03:00 on 1 Jan 2024: 240 minutes, all in 2023.
    let r = OutageRecord::new(
        "X",
        t(2023, 12, 31, 23, 0),
        t(2024, 1, 1, 3, 0),
        "F",
        CustomersInterrupted::Count(50),
    );
    let table = OutageTable::new(&[r], one_feeder(100)).unwrap();
    let o = IndexOptions::default();
    let y23 = system_indices(
        &table,
        &Period::year(2023, CHINA_STANDARD_TIME).unwrap(),
        &o,
    )
    .unwrap();
    let y24 = system_indices(
        &table,
        &Period::year(2024, CHINA_STANDARD_TIME).unwrap(),
        &o,
    )
    .unwrap();
    close(y23.saidi_min, 120.0); // 240 × 50 / 100
    close(y24.saidi_min, 0.0);
    let dec = Period::month(2023, 12, CHINA_STANDARD_TIME).unwrap();
    let days = daily_saidi(&table, &dec, &o).unwrap();
    assert_eq!(days.len(), 31);
    close(days[30].saidi_min, 120.0);
    // In UTC the outage began at 15:00 on 31 Dec: the same day; at UTC+9 it began on 1 Jan.
    let tokyo = IndexOptions {
        utc_offset_min: 540,
        ..IndexOptions::default()
    };
    let jan = Period::new(
        t(2023, 12, 31, 23, 0) - Duration::hours(1),
        t(2024, 1, 2, 0, 0),
    )
    .unwrap();
    let days = daily_saidi(&table, &jan, &tokyo).unwrap();
    assert_eq!(days[0].date.to_string(), "2023-12-31");
    assert_eq!(days[1].date.to_string(), "2024-01-01");
    close(days[1].saidi_min, 120.0);
}

#[test]
fn asai_uses_the_real_hours_of_a_leap_year() {
    let r = OutageRecord::new(
        "X",
        t(2024, 2, 29, 8, 0),
        t(2024, 2, 29, 9, 0),
        "F",
        CustomersInterrupted::Count(100),
    );
    let table = OutageTable::new(&[r], one_feeder(100)).unwrap();
    let x = system_indices(
        &table,
        &Period::year(2024, CHINA_STANDARD_TIME).unwrap(),
        &IndexOptions::default(),
    )
    .unwrap();
    assert_eq!(x.period_hours, 8784.0);
    // By hand: every customer out for 1 h of 8784.
    close(x.asai, 1.0 - 1.0 / 8784.0);
    let feb = Period::month(2024, 2, CHINA_STANDARD_TIME).unwrap();
    assert_eq!(feb.hours(), 29.0 * 24.0);
}

#[test]
fn a_customer_interrupted_twice_counts_once_in_cn_and_caifi() {
    let table = OutageTable::new(
        &[
            rec(
                "1",
                t(2023, 1, 5, 8, 0),
                60,
                vec!["a".into(), "b".into()],
                0.0,
            ),
            rec("2", t(2023, 1, 6, 8, 0), 30, vec!["a".into()], 0.0),
        ],
        one_feeder(10),
    )
    .unwrap();
    let x = system_indices(
        &table,
        &Period::year(2023, CHINA_STANDARD_TIME).unwrap(),
        &IndexOptions::default(),
    )
    .unwrap();
    let c = x.customer_indices().unwrap();
    // CI = 3, CN = 2 (a and b), CMI = 60·2 + 30 = 150.
    assert_eq!(c.customers_interrupted, 2);
    close(c.caifi.unwrap(), 1.5);
    close(c.ctaidi_min.unwrap(), 75.0);
    // CEMI₁ (more than one): only a, so 1/10; "at least 1" counts a and b.
    close(c.cemi[0].value, 0.1);
    let at_least = IndexOptions {
        cemi_rule: CountRule::AtLeast,
        ..IndexOptions::default()
    };
    let y = system_indices(
        &table,
        &Period::year(2023, CHINA_STANDARD_TIME).unwrap(),
        &at_least,
    )
    .unwrap();
    close(y.customer_indices().unwrap().cemi[0].value, 0.2);
}

#[test]
fn celid_boundary_follows_the_rule() {
    // One customer out for exactly 420 minutes: "at least" counts it, "more than" does not.
    let table = OutageTable::new(
        &[rec("1", t(2023, 1, 5, 8, 0), 420, vec!["a".into()], 0.0)],
        one_feeder(4),
    )
    .unwrap();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let x = system_indices(&table, &year, &IndexOptions::default()).unwrap();
    close(x.customer_indices().unwrap().celid_single[0].value, 0.25);
    let strict = IndexOptions {
        celid_rule: DurationRule::MoreThan,
        ..IndexOptions::default()
    };
    let y = system_indices(&table, &year, &strict).unwrap();
    close(y.customer_indices().unwrap().celid_single[0].value, 0.0);
}

#[test]
fn per_customer_indices_need_lists() {
    let table = OutageTable::new(
        &[
            rec("listed", t(2023, 1, 5, 8, 0), 60, vec!["a".into()], 0.0),
            OutageRecord::new(
                "counted",
                t(2023, 1, 6, 8, 0),
                t(2023, 1, 6, 9, 0),
                "F",
                CustomersInterrupted::Count(3),
            ),
        ],
        one_feeder(10),
    )
    .unwrap();
    let x = system_indices(
        &table,
        &Period::year(2023, CHINA_STANDARD_TIME).unwrap(),
        &IndexOptions::default(),
    )
    .unwrap();
    close(x.saifi, 0.4);
    match x.customer_indices() {
        Err(ReliabilityError::NeedsCustomerLists { record, .. }) => assert_eq!(record, "counted"),
        other => panic!("expected NeedsCustomerLists, got {other:?}"),
    }
}

fn problems(err: ReliabilityError) -> Vec<(String, &'static str, String, ProblemKind)> {
    match err {
        ReliabilityError::InvalidRecords { problems } => problems
            .0
            .into_iter()
            .map(|p| (p.record, p.field, p.value, p.kind))
            .collect(),
        other => panic!("expected InvalidRecords, got {other}"),
    }
}

#[test]
fn invalid_records_are_refused_with_record_field_and_value() {
    let start = t(2023, 5, 1, 8, 0);
    let mut backwards = OutageRecord::new(
        "backwards",
        start,
        start - Duration::minutes(1),
        "F",
        CustomersInterrupted::Count(1),
    );
    backwards.load_kw = -5.0;
    let too_many = OutageRecord::new(
        "too-many",
        start,
        start + Duration::hours(1),
        "F",
        CustomersInterrupted::Count(11),
    );
    let unknown = OutageRecord::new(
        "unknown",
        start,
        start + Duration::hours(1),
        "G",
        CustomersInterrupted::Count(1),
    );
    let twice = rec("twice", start, 60, vec!["a".into(), "a".into()], 0.0);
    let mut stages = rec("stages", start, 60, vec!["b".into()], 0.0);
    stages.reported = Some(start);
    stages.dispatched = Some(start - Duration::minutes(5));
    let dup = rec("twice", start, 60, vec!["c".into()], 0.0);
    let err = OutageTable::new(
        &[backwards, too_many, unknown, twice, stages, dup],
        one_feeder(10),
    )
    .unwrap_err();
    let p = problems(err);
    let kinds: Vec<(&str, &str, ProblemKind)> =
        p.iter().map(|(r, f, _, k)| (r.as_str(), *f, *k)).collect();
    assert_eq!(
        kinds,
        [
            ("backwards", "end", ProblemKind::EndBeforeStart),
            ("backwards", "load_kw", ProblemKind::Negative),
            ("too-many", "customers", ProblemKind::MoreThanServed),
            ("unknown", "feeder", ProblemKind::UnknownFeeder),
            ("twice", "customers", ProblemKind::DuplicateCustomer),
            ("stages", "dispatched", ProblemKind::StageOutOfOrder),
            ("twice", "id", ProblemKind::DuplicateId),
        ]
    );
    assert_eq!(p[2].2, "11");
    assert_eq!(p[3].2, "G");
}

#[test]
fn negative_counts_are_refused_in_columns_and_csv() {
    let cols = OutageColumns {
        id: vec!["n".into()],
        start_ms: vec![Some(1_700_000_000_000)],
        end_ms: vec![Some(1_700_000_600_000)],
        cause: vec![String::new()],
        planned: vec![Some(false)],
        device: vec![String::new()],
        feeder: vec!["F".into()],
        customers_count: vec![Some(-3)],
        load_kva: vec![0.0],
        load_kw: vec![0.0],
        ..OutageColumns::default()
    };
    let p = problems(OutageTable::from_columns(&cols, one_feeder(10)).unwrap_err());
    assert_eq!(
        p,
        [("n".into(), "customers", "-3".into(), ProblemKind::Negative)]
    );

    let csv = "id,start,end,cause,device,feeder,customers_count\n\
               n,2023-05-01 08:00,2023-05-01 09:00,fault,K1,F,-3\n";
    match record::read_csv(csv.as_bytes(), "outages.csv", CHINA_STANDARD_TIME) {
        Err(ReliabilityError::Parse { line, field, .. }) => {
            assert_eq!((line, field.as_deref()), (2, Some("customers_count")));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let short = OutageColumns {
        start_ms: vec![],
        ..cols
    };
    assert!(matches!(
        OutageTable::from_columns(&short, one_feeder(10)),
        Err(ReliabilityError::ColumnLength {
            column: "start_ms",
            ..
        })
    ));
}

#[test]
fn csv_round_trip_and_local_times() {
    let csv = "id,start,end,cause,planned,device,feeder,customers,load_kva,load_kw,reported,restored\n\
               a,2023-05-01 08:00,2023-05-01 09:30,外力破坏,false,K1,F,c1;c2;c3,300,120,2023-05-01 08:05,2023-05-01 09:30\n\
               b,2023-05-02T10:00:00+08:00,2023-05-02T16:00:00+08:00,计划检修,true,K2,F,,0,0,,\n";
    let records = record::read_csv(csv.as_bytes(), "x.csv", CHINA_STANDARD_TIME).unwrap();
    // An empty load cell in a present column is refused by name (it used to be read as 0,
    // which DataFrames already refused): the table spec's rule for every reader.
    let empty_load = csv.replace("F,,0,0,,", "F,,,0,,");
    match record::read_csv(empty_load.as_bytes(), "x.csv", CHINA_STANDARD_TIME) {
        Err(ReliabilityError::Parse { line, field, .. }) => {
            assert_eq!((line, field.as_deref()), (3, Some("load_kva")));
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(records[0].start, t(2023, 5, 1, 8, 0));
    assert_eq!(records[0].customers.count(), 3);
    assert_eq!(records[1].customers, CustomersInterrupted::List(vec![]));
    assert!(records[1].planned);
    let mut out = Vec::new();
    record::write_csv(&mut out, &records).unwrap();
    let again = record::read_csv(out.as_slice(), "y.csv", CHINA_STANDARD_TIME).unwrap();
    assert_eq!(again, records);
    let json = serde_json::to_string(&records).unwrap();
    let back: Vec<OutageRecord> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, records);
    match record::read_csv(
        "id,start,end,cause,device,feeder,customers,colour\n".as_bytes(),
        "z",
        CHINA_STANDARD_TIME,
    ) {
        Err(ReliabilityError::Parse { field, .. }) => assert_eq!(field.as_deref(), Some("colour")),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn groupings_by_feeder_substation_cause_and_planned() {
    let base = ServiceBase::new(vec![
        feeder("F1", "S1", 100, 0.0),
        feeder("F2", "S1", 300, 0.0),
        feeder("F3", "S2", 600, 0.0),
    ])
    .unwrap();
    let mk = |id: &str, f: &str, n: u64, min: i64, cause: &str, planned: bool| {
        let s = t(2023, 8, 1, 8, 0);
        let mut r = OutageRecord::new(
            id,
            s,
            s + Duration::minutes(min),
            f,
            CustomersInterrupted::Count(n),
        );
        r.cause = cause.into();
        r.planned = planned;
        r
    };
    let table = OutageTable::new(
        &[
            mk("1", "F1", 50, 60, "tree", false),
            mk("2", "F2", 100, 30, "work", true),
            mk("3", "F3", 300, 10, "tree", false),
        ],
        base,
    )
    .unwrap();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let o = IndexOptions::default();
    let by = |g| -> Vec<(String, f64)> {
        indices(&table, &year, g, &o)
            .unwrap()
            .into_iter()
            .map(|g| (g.key, g.indices.saidi_min))
            .collect()
    };
    // By hand: F1 60·50/100 = 30; F2 30·100/300 = 10; F3 10·300/600 = 5.
    assert_eq!(
        by(Grouping::Feeder),
        [("F1".into(), 30.0), ("F2".into(), 10.0), ("F3".into(), 5.0)]
    );
    // S1: (3000 + 3000)/400 = 15; S2: 5.
    assert_eq!(
        by(Grouping::Substation),
        [("S1".into(), 15.0), ("S2".into(), 5.0)]
    );
    // Causes over N_T = 1000: tree (3000 + 3000)/1000 = 6, work 3.
    assert_eq!(
        by(Grouping::Cause),
        [("tree".into(), 6.0), ("work".into(), 3.0)]
    );
    assert_eq!(
        by(Grouping::Planned),
        [("unplanned".into(), 6.0), ("planned".into(), 3.0)]
    );
    close(system_indices(&table, &year, &o).unwrap().saidi_min, 9.0);
}

#[test]
fn statistics_by_hour_month_stage_and_lost_sales() {
    let base = one_feeder(100);
    let mut a = rec("a", t(2023, 1, 10, 8, 15), 90, vec!["x".into()], 0.0);
    a.load_kw = 100.0;
    a.reported = Some(t(2023, 1, 10, 8, 20));
    a.dispatched = Some(t(2023, 1, 10, 8, 30));
    a.arrived = Some(t(2023, 1, 10, 9, 0));
    a.restored = Some(t(2023, 1, 10, 9, 45));
    let mut b = rec("b", t(2023, 3, 5, 8, 50), 30, vec!["y".into()], 0.0);
    b.load_kw = 40.0;
    b.device = "K2".into();
    b.reported = Some(t(2023, 3, 5, 9, 0));
    b.dispatched = Some(t(2023, 3, 5, 9, 20));
    let mut c = rec("c", t(2023, 3, 6, 23, 0), 3, vec!["y".into()], 0.0); // momentary
    c.reported = Some(t(2023, 3, 6, 23, 0));
    c.dispatched = Some(t(2023, 3, 6, 23, 30));
    let mut d = rec("d", t(2023, 3, 7, 1, 0), 60, vec!["z".into()], 0.0);
    d.reported = Some(t(2023, 3, 7, 1, 0));
    d.dispatched = Some(t(2023, 3, 7, 1, 40));
    let table = OutageTable::new(&[a, b, c, d], base).unwrap();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let o = IndexOptions::default();

    let hours = frequency_duration(&table, &year, StatKey::HourOfDay, &o).unwrap();
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[8].outages, 2);
    assert_eq!((hours[23].outages, hours[23].momentary), (1, 1));
    close(hours[8].duration_mean_min, 60.0);
    close(hours[8].duration_max_min, 90.0);
    let months = frequency_duration(&table, &year, StatKey::Month, &o).unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[2].key, "2023-03");
    assert_eq!((months[0].outages, months[2].outages), (1, 3));
    close(months[0].energy_kwh, 150.0); // 100 kW × 1.5 h

    // Report → dispatch: 10, 20, 30, 40 minutes. Type-7 percentiles by hand:
    // p50: h = 1.5 → 25; p90: h = 2.7 → 30 + 0.7·10 = 37.
    let st = stage_durations(
        &table,
        &year,
        &[StageSpan::new(StageTime::Reported, StageTime::Dispatched)],
        &[50.0, 90.0],
    )
    .unwrap();
    assert_eq!(st[0].count, 4);
    close(st[0].mean_min.unwrap(), 25.0);
    close(st[0].percentiles_min[0].1, 25.0);
    close(st[0].percentiles_min[1].1, 37.0);
    let full = stage_durations(&table, &year, &StageSpan::DEFAULT, &[50.0]).unwrap();
    let report_restore = full.last().unwrap();
    assert_eq!(report_restore.count, 1);
    close(report_restore.max_min.unwrap(), 85.0);

    // 100 kW × 1.5 h + 40 kW × 0.5 h = 170 kWh; at 0.5683 yuan/kWh = 96.611 → 96.61.
    let ls = lost_sales(&table, &year, Decimal::new(5683, 4)).unwrap();
    close(ls.energy_kwh, 170.0);
    assert_eq!(ls.sales_yuan, Decimal::new(9661, 2));
    // 150 kWh at 0.5683 = 85.245 → 85.25 (half away from zero).
    let jan = Period::month(2023, 1, CHINA_STANDARD_TIME).unwrap();
    assert_eq!(
        lost_sales(&table, &jan, Decimal::new(5683, 4))
            .unwrap()
            .sales_yuan,
        Decimal::new(8525, 2)
    );

    let w = worst(&table, &year, StatKey::Device, WorstBy::Outages, 1, &o).unwrap();
    assert_eq!((w[0].key.as_str(), w[0].outages), ("K1", 3));
    let w = worst(&table, &year, StatKey::Device, WorstBy::EnergyKwh, 5, &o).unwrap();
    assert_eq!(
        w.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ["K1", "K2"]
    );
}

#[test]
fn records_from_a_fault_and_a_planned_outage_on_the_small_network() {
    let net = Arc::new(Network::from_data(&small()).unwrap());
    let topo = Topology::normal(net.clone());
    let feeders = NetworkFeeders::new(&topo, |_, _| "BUS".into()).unwrap();
    // Drawn in validation.rs: S1 feeds C1 (400 kVA) and C2 (400 kVA); S2 feeds nobody.
    let base: Vec<(String, u64, f64)> = feeders
        .base()
        .feeders()
        .iter()
        .map(|f| (f.feeder.clone(), f.customers, f.load_kva))
        .collect();
    assert_eq!(base, [("S1".into(), 2, 800.0), ("S2".into(), 0, 0.0)]);
    let event = OutageEvent {
        id: "E1".into(),
        start: t(2023, 6, 1, 10, 0),
        end: t(2023, 6, 1, 12, 0),
        cause: "cable".into(),
        planned: false,
    };
    // A fault on L2 trips the feeder breaker CB1: both customers out, 350 kW.
    let l2 = net.line_id("L2").unwrap();
    let outcome = topo.fault(ElementId::Line(l2)).unwrap();
    let recs = feeders.fault_records(&topo, &outcome, &event).unwrap();
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(
        (r.id.as_str(), r.device.as_str(), r.feeder.as_str()),
        ("E1", "CB1", "S1")
    );
    assert_eq!(
        r.customers,
        CustomersInterrupted::List(vec!["C1".into(), "C2".into()])
    );
    assert_eq!((r.load_kw, r.load_kva), (350.0, 800.0));
    // Planned work on T1 isolates only C2 (300 kW).
    let t1 = net.line_id("T1").unwrap();
    let plan = topo.planned_outage(ElementId::Line(t1)).unwrap();
    let recs = feeders
        .planned_records(
            &topo,
            &plan,
            &OutageEvent {
                id: "E2".into(),
                planned: true,
                ..event.clone()
            },
        )
        .unwrap();
    assert_eq!(
        recs[0].customers,
        CustomersInterrupted::List(vec!["C2".into()])
    );
    assert_eq!((recs[0].device.as_str(), recs[0].load_kw), ("T1", 300.0));
    // The records validate against the base and give SAIFI 1 + 0.5.
    let mut all = feeders.fault_records(&topo, &outcome, &event).unwrap();
    all.extend(recs);
    let table = OutageTable::new(&all, feeders.base().clone()).unwrap();
    let x = system_indices(
        &table,
        &Period::year(2023, CHINA_STANDARD_TIME).unwrap(),
        &IndexOptions::default(),
    )
    .unwrap();
    close(x.saifi, 1.5);
}

#[test]
fn records_from_faults_on_the_synthetic_county() {
    let data = synth::generate(&synth::SynthConfig::county(11));
    let net = Arc::new(Network::from_data(&data).unwrap());
    let topo = Topology::normal(net.clone());
    let feeders = NetworkFeeders::new(&topo, |_, _| String::new()).unwrap();
    assert_eq!(feeders.base().customers() as usize, net.customer_count());
    let mut records = Vec::new();
    for (k, seg) in data.segments.iter().enumerate().step_by(97) {
        let line = net.line_id(&seg.asset).unwrap();
        let outcome = topo.fault(ElementId::Line(line)).unwrap();
        let start = t(2023, 1, 1, 0, 0) + Duration::hours(k as i64);
        let event = OutageEvent {
            id: format!("F{k}"),
            start,
            end: start + Duration::minutes(45),
            cause: "fault".into(),
            planned: false,
        };
        let recs = feeders.fault_records(&topo, &outcome, &event).unwrap();
        // The records list exactly the scope's customers, each under its own feeder.
        let total: u64 = recs.iter().map(|r| r.customers.count()).sum();
        assert_eq!(total as usize, outcome.scope.summary().customers);
        let kw: f64 = recs.iter().map(|r| r.load_kw).sum();
        assert!((kw - outcome.scope.summary().load_kw).abs() < 1e-6);
        for r in &recs {
            if let CustomersInterrupted::List(v) = &r.customers {
                for c in v {
                    let id = net.customer_id(c).unwrap();
                    assert_eq!(feeders.feeder_of(id), Some(r.feeder.as_str()));
                }
            }
        }
        records.extend(recs);
    }
    assert!(!records.is_empty());
    let table = OutageTable::new(&records, feeders.base().clone()).unwrap();
    let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
    let x = system_indices(&table, &year, &IndexOptions::default()).unwrap();
    // Every outage lasts 45 minutes: CAIDI is exactly 45, and SAIDI = 45 · SAIFI.
    close(x.caidi_min.unwrap(), 45.0);
    close(x.saidi_min, 45.0 * x.saifi);
}

fn random_records(seed: u64, n: usize) -> (Vec<OutageRecord>, ServiceBase) {
    let mut s = seed | 1;
    let mut next = move |m: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % m
    };
    let base = ServiceBase::new(vec![
        feeder("F1", "S1", 40, 400.0),
        feeder("F2", "S1", 60, 600.0),
        feeder("F3", "S2", 30, 300.0),
    ])
    .unwrap();
    let sizes = [("F1", 40u64), ("F2", 60), ("F3", 30)];
    let records = (0..n)
        .map(|i| {
            let (f, size) = sizes[next(3) as usize];
            let k = 1 + next(size.min(8));
            let first = next(size - k + 1);
            let list = (first..first + k).map(|c| format!("{f}-{c}")).collect();
            let start = t(2023, 1, 1, 0, 0) + Duration::minutes(next(365 * 24 * 60) as i64);
            let mut r = OutageRecord::new(
                format!("r{i}"),
                start,
                start + Duration::minutes(next(600) as i64),
                f,
                CustomersInterrupted::List(list),
            );
            r.cause = ["tree", "animal", "work"][next(3) as usize].into();
            r.planned = r.cause == "work";
            r.load_kva = k as f64 * 10.0;
            r
        })
        .collect();
    (records, base)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn indices_are_consistent_and_independent_of_record_order(seed in 1u64.., n in 1usize..60, rot in 0usize..60) {
        let (mut records, base) = random_records(seed, n);
        let year = Period::year(2023, CHINA_STANDARD_TIME).unwrap();
        let o = IndexOptions::default();
        let table = OutageTable::new(&records, base.clone()).unwrap();
        let x = system_indices(&table, &year, &o).unwrap();
        if let Some(caidi) = x.caidi_min {
            prop_assert!((x.saidi_min - x.saifi * caidi).abs() < 1e-9 * x.saidi_min.max(1.0));
        }
        let c = x.customer_indices().unwrap();
        // SAIDI/CTAIDI = SAIFI/CAIFI (both equal CN/N_T).
        if let (Some(caifi), Some(ctaidi)) = (c.caifi, c.ctaidi_min) {
            prop_assert!((x.saifi / caifi - x.saidi_min / ctaidi).abs() < 1e-9);
            prop_assert!(caifi >= 1.0 - 1e-12);
        }
        // CEMI is non-increasing in n, and CEMI₀ (more than 0) = CN / N_T.
        prop_assert!(c.cemi.windows(2).all(|w| w[0].value >= w[1].value));
        // The cause groups add up to the system.
        let by_cause: f64 = indices(&table, &year, Grouping::Cause, &o).unwrap().iter().map(|g| g.indices.saidi_min).sum();
        prop_assert!((by_cause - x.saidi_min).abs() < 1e-9 * x.saidi_min.max(1.0));
        // Order does not matter.
        let k = rot % records.len();
        records.rotate_left(k);
        records.reverse();
        let y = system_indices(&OutageTable::new(&records, base).unwrap(), &year, &o).unwrap();
        prop_assert!((x.saidi_min - y.saidi_min).abs() < 1e-9 * x.saidi_min.max(1.0));
        prop_assert_eq!(x.customer_interruptions, y.customer_interruptions);
        prop_assert_eq!(&x.customer, &y.customer);
    }
}

/// Two valid rows of one feeder, with every column that has a default left empty.
fn minimal_columns() -> OutageColumns {
    OutageColumns {
        id: vec!["a".into(), "b".into()],
        start_ms: vec![Some(1_700_000_000_000), Some(1_700_100_000_000)],
        end_ms: vec![Some(1_700_000_600_000), Some(1_700_100_600_000)],
        feeder: vec!["F".into(), "F".into()],
        customers_count: vec![Some(3), Some(4)],
        ..OutageColumns::default()
    }
}

#[test]
fn columns_left_empty_take_the_record_defaults() {
    // The defaults of OutageRecord::new: no cause or device, not planned, load 0, one
    // operation. The same two records built as records must give the same table.
    let table = OutageTable::from_columns(&minimal_columns(), one_feeder(10)).unwrap();
    let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap().fixed_offset();
    let records = [
        OutageRecord::new(
            "a",
            at(1_700_000_000_000),
            at(1_700_000_600_000),
            "F",
            CustomersInterrupted::Count(3),
        ),
        OutageRecord::new(
            "b",
            at(1_700_100_000_000),
            at(1_700_100_600_000),
            "F",
            CustomersInterrupted::Count(4),
        ),
    ];
    let same = OutageTable::new(&records, one_feeder(10)).unwrap();
    let p = Period::new(at(1_699_000_000_000), at(1_701_000_000_000)).unwrap();
    let o = IndexOptions::default();
    assert_eq!(
        system_indices(&table, &p, &o).unwrap(),
        system_indices(&same, &p, &o).unwrap()
    );
    assert_eq!(table.causes(), [""]);
    assert_eq!(table.devices(), [""]);
}

#[test]
fn missing_cells_in_columns_are_refused_by_name() {
    // A missing start (pandas NaT) used to fall out of every period; a missing end or count
    // used to read as i64::MIN ("-9223372036854775808 lies before the start").
    let mut c = minimal_columns();
    c.start_ms[0] = None;
    c.end_ms[1] = None;
    let p = problems(OutageTable::from_columns(&c, one_feeder(10)).unwrap_err());
    assert_eq!(
        p,
        [
            ("a".into(), "start", String::new(), ProblemKind::Missing),
            ("b".into(), "end", String::new(), ProblemKind::Missing),
        ]
    );
    let mut c = minimal_columns();
    c.customers_count[1] = None;
    c.planned = vec![None, Some(true)];
    c.operations = vec![Some(1), None];
    c.load_kva = vec![f64::NAN, 0.0];
    let p = problems(OutageTable::from_columns(&c, one_feeder(10)).unwrap_err());
    assert_eq!(
        p,
        [
            ("a".into(), "planned", String::new(), ProblemKind::Missing),
            ("a".into(), "load_kva", "NaN".into(), ProblemKind::NotFinite),
            (
                "b".into(),
                "customers_count",
                String::new(),
                ProblemKind::Missing
            ),
            (
                "b".into(),
                "operations",
                String::new(),
                ProblemKind::Missing
            ),
        ]
    );
    // A timestamp outside chrono's range is malformed, not "before the start".
    let mut c = minimal_columns();
    c.end_ms[0] = Some(i64::MAX);
    let p = problems(OutageTable::from_columns(&c, one_feeder(10)).unwrap_err());
    assert_eq!(p[0].1, "end");
    assert_eq!(p[0].3, ProblemKind::Malformed);
    // An optional column given with the wrong length is still a length error.
    let mut c = minimal_columns();
    c.load_kw = vec![1.0];
    assert!(matches!(
        OutageTable::from_columns(&c, one_feeder(10)),
        Err(ReliabilityError::ColumnLength {
            column: "load_kw",
            len: 1,
            expected: 2
        })
    ));
}

#[test]
fn a_count_that_differs_from_the_list_is_refused_on_every_path() {
    // The CSV reader refuses "2" next to three customers; the columns must too (the frame
    // reader used to overwrite the count with the list's length).
    let csv = "id,start,end,cause,device,feeder,customers_count,customers\n\
               a,2023-05-01 08:00,2023-05-01 09:00,fault,K1,F,2,c1;c2;c3\n";
    assert!(matches!(
        record::read_csv(csv.as_bytes(), "x.csv", CHINA_STANDARD_TIME),
        Err(ReliabilityError::Parse { .. })
    ));
    let mut c = minimal_columns();
    c.customers_count = vec![Some(2), None];
    c.list_offsets = vec![0, 3, 5];
    c.has_list = vec![true, true];
    c.customer_numbers = ["c1", "c2", "c3", "c4", "c5"].map(String::from).to_vec();
    let p = problems(OutageTable::from_columns(&c, one_feeder(10)).unwrap_err());
    assert_eq!(
        p,
        [(
            "a".into(),
            "customers_count",
            "2".into(),
            ProblemKind::CountMismatch
        )]
    );
    // A row without a count takes its list's length.
    c.customers_count[0] = Some(3);
    let table = OutageTable::from_columns(&c, one_feeder(10)).unwrap();
    assert_eq!(table.len(), 2);
}

#[test]
fn option_structs_refuse_unknown_fields() {
    // `momentary_max` for `momentary_max_min` used to be ignored and the default used.
    let e = serde_json::from_str::<IndexOptions>(r#"{"momentary_max": 3}"#).unwrap_err();
    assert!(
        e.to_string().contains("unknown field `momentary_max`"),
        "{e}"
    );
    let ok: IndexOptions = serde_json::from_str(r#"{"momentary_max_min": 3}"#).unwrap();
    assert_eq!(ok.momentary_max_min, 3.0);
    for (what, text) in [
        ("med", r#"{"std_dev": "sample", "beta": 2.5}"#),
        ("dlt", r#"{"external_cause": ["外部影响"]}"#),
        ("feeder", r#"[{"feeder": "F", "customers": 1, "load": 3}]"#),
        (
            "columns",
            r#"{"id": [], "start_ms": [], "end_ms": [], "feeder": [], "x": []}"#,
        ),
    ] {
        let refused = match what {
            "med" => serde_json::from_str::<MedOptions>(text).is_err(),
            "dlt" => serde_json::from_str::<DltOptions>(text).is_err(),
            "feeder" => serde_json::from_str::<ServiceBase>(text).is_err(),
            _ => serde_json::from_str::<OutageColumns>(text).is_err(),
        };
        assert!(refused, "{what}: {text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// A missing or non-finite cell in any value column, or a non-finite daily SAIDI: an error
    /// naming the record (or the day), never a number and never a panic.
    #[test]
    fn missing_and_non_finite_cells_are_refused(
        row in 0usize..2,
        column in 0usize..7,
        bad in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
    ) {
        let mut c = minimal_columns();
        let field = match column {
            0 => { c.start_ms[row] = None; "start" }
            1 => { c.end_ms[row] = None; "end" }
            2 => { c.customers_count[row] = None; "customers_count" }
            3 => { c.planned = vec![Some(true); 2]; c.planned[row] = None; "planned" }
            4 => { c.operations = vec![Some(1); 2]; c.operations[row] = None; "operations" }
            5 => { c.load_kva = vec![1.0; 2]; c.load_kva[row] = bad; "load_kva" }
            _ => { c.load_kw = vec![1.0; 2]; c.load_kw[row] = bad; "load_kw" }
        };
        let p = problems(OutageTable::from_columns(&c, one_feeder(10)).unwrap_err());
        prop_assert_eq!(p.len(), 1);
        prop_assert_eq!(&p[0].0, &c.id[row]);
        prop_assert_eq!(p[0].1, field);
        let mut daily = vec![1.0, 2.0, 3.0, 0.5];
        daily[row] = bad;
        prop_assert!(MedThreshold::from_daily_saidi(&daily, &MedOptions::default()).is_err());
    }
}
