//! Predictive reliability on the hand-built feeders of `feeders`, worked by hand from the
//! plans of `flisr` (the same faults), and a what-if: making S2 remote-operable.

use std::sync::Arc;

use gridserve::network::predict::{FailureRates, Indices, ReliabilityPrediction};
use gridserve::network::restore::RestorationOptions;
use gridserve::network::{Network, NetworkError, Topology};

use crate::feeders::three_feeders;

/// Only overhead segments fail, 0.1 per km-year: every segment (1 km) 0.1 a year. Sections
/// with a rate: {A1, A2}, {A3, A4}, {A5, A6} (0.1 each), {B1, B2, B3} (0.2), {C1, C2} (0.1).
fn rates() -> FailureRates {
    FailureRates {
        overhead_per_km_year: 0.1,
        cable_per_km_year: 0.0,
        transformer_per_year: 0.0,
        switch_per_year: 0.0,
        repair_h: 4.0,
        remote_switch_min: 3.0,
        manual_switch_min: 60.0,
        momentary_max_min: 5.0,
    }
}

fn predict(data: &gridserve::network::records::NetworkData) -> ReliabilityPrediction {
    let net = Arc::new(Network::from_data(data).unwrap());
    Topology::normal(net)
        .predict_reliability(&rates(), &RestorationOptions::default())
        .unwrap()
}

fn near(a: Indices, saifi: f64, saidi: f64, ens: f64) {
    assert!(
        (a.saifi - saifi).abs() < 1e-9,
        "SAIFI {} vs {saifi}",
        a.saifi
    );
    assert!(
        (a.saidi_min - saidi).abs() < 1e-9,
        "SAIDI {} vs {saidi}",
        a.saidi_min
    );
    assert!((a.ens_kwh - ens).abs() < 1e-9, "ENS {} vs {ens}", a.ens_kwh);
}

#[test]
fn feeder_indices_without_and_with_flisr_worked_by_hand() {
    let p = predict(&three_feeders());
    assert_eq!(p.sections, 5);
    let a = p.feeders[0];
    assert_eq!(a.without_flisr.customers, 4);
    // Without FLISR, each of feeder A's three sections (0.1 a year) trips CBA: 4 customers,
    // 500 kW out for 240 min. CI = 0.3 × 4 = 1.2, SAIFI 0.3; SAIDI 0.3 × 240 = 72;
    // ENS 0.3 × 500 × 4 = 600 kWh.
    near(a.without_flisr, 0.3, 72.0, 600.0);
    // With FLISR (remote 3 min, manual 60, one after another; repair 240):
    // {A1, A2}: S1 3, S2 63, T2 123 (2 customers, 250 kW), T1 126 (1, 150 kW); A2 waits
    //   240 (100 kW). CMI 0.1 × (246 + 126 + 240) = 61.2; ENS 0.1 × (512.5 + 315 + 400).
    // {A3, A4}: S1 3, S2 63, F4 123, CBA 126 (1, 100 kW), T1 129 (1, 150 kW); A4 and A7 wait
    //   (250 kW). CMI 0.1 × (126 + 129 + 480) = 73.5; ENS 0.1 × (210 + 322.5 + 1000).
    // {A5, A6}: S2 60, CBA 63 (3, 350 kW); A6 waits (150 kW). CMI 0.1 × (189 + 240) = 42.9;
    //   ENS 0.1 × (367.5 + 600).
    // Every interruption is longer than 5 min: CI stays 1.2. CMI 177.6 / 4 = 44.4.
    near(a.with_flisr, 0.3, 44.4, 122.75 + 153.25 + 96.75);
    // B and C have no tie that helps: the same with and without. B: 0.2 × 1 customer,
    // 48 min, 0.2 × 300 × 4 = 240 kWh. C: 0.1, 24 min, 40 kWh.
    near(p.feeders[1].without_flisr, 0.2, 48.0, 240.0);
    near(p.feeders[1].with_flisr, 0.2, 48.0, 240.0);
    near(p.feeders[2].with_flisr, 0.1, 24.0, 40.0);
    // System: 6 customers. Without: CI 1.5, CMI 360, ENS 880. With: CMI 249.6, ENS 652.75.
    near(p.system_without_flisr, 0.25, 60.0, 880.0);
    near(p.system_with_flisr, 0.25, 41.6, 652.75);
}

#[test]
fn what_if_a_remote_switch_at_s2() {
    let mut data = three_feeders();
    for s in &mut data.switches {
        if s.asset == "S2" {
            s.remote = true;
        }
    }
    let p = predict(&data);
    // {A1, A2}: S1 3, S2 6, T2 66 (2), T1 69 (1), A2 240: CMI 0.1 × (132 + 69 + 240) = 44.1.
    // {A3, A4}: S1 3, S2 6, F4 66, CBA 69 (1), T1 72 (1), 2 wait: 0.1 × (69 + 72 + 480) = 62.1.
    // {A5, A6}: S2 3, CBA 6 (3), A6 waits: 0.1 × (18 + 240) = 25.8.
    // SAIDI with FLISR: (44.1 + 62.1 + 25.8) / 4 = 33.0, down from 44.4.
    assert!((p.feeders[0].with_flisr.saidi_min - 33.0).abs() < 1e-9);
    // Without FLISR nothing changes.
    assert!((p.feeders[0].without_flisr.saidi_min - 72.0).abs() < 1e-9);
}

#[test]
fn restorations_within_five_minutes_are_momentary() {
    // Remote switching 1 min: in {A5, A6} with S2 remote, CBA re-closes at 2 min: the three
    // customers it restores had a momentary interruption, not counted in SAIFI or SAIDI.
    // Only LA3 fails on feeder A: LA1 and LA2 get zero length.
    let mut data2 = three_feeders();
    for s in &mut data2.switches {
        if s.asset == "S2" {
            s.remote = true;
        }
    }
    for s in &mut data2.segments {
        if s.asset == "LA1" || s.asset == "LA2" {
            s.length_m = 0.0;
        }
    }
    let net = Arc::new(Network::from_data(&data2).unwrap());
    let r = FailureRates {
        remote_switch_min: 1.0,
        ..rates()
    };
    let p = Topology::normal(net)
        .predict_reliability(&r, &RestorationOptions::default())
        .unwrap();
    // Only A6 (waiting 240 min) is a sustained interruption: CI 0.1, SAIFI 0.025,
    // SAIDI 0.1 × 240 / 4 = 6. ENS still counts the 2 minutes: 0.1 × (350 × 2 / 60 + 600).
    let a = p.feeders[0].with_flisr;
    near(a, 0.025, 6.0, 0.1 * (350.0 * 2.0 / 60.0 + 600.0));
}

#[test]
fn flisr_never_worsens_a_feeder_of_the_demo_county() {
    use gridserve::synth::{SynthConfig, generate};
    let net = Arc::new(Network::from_data(&generate(&SynthConfig::county(2024))).unwrap());
    let p = Topology::normal(net)
        .predict_reliability(&FailureRates::default(), &RestorationOptions::default())
        .unwrap();
    assert_eq!(p.feeders.len(), 64);
    for f in &p.feeders {
        assert!(f.with_flisr.saidi_min <= f.without_flisr.saidi_min + 1e-9);
        assert!(f.with_flisr.saifi <= f.without_flisr.saifi + 1e-12);
        assert!(f.with_flisr.ens_kwh <= f.without_flisr.ens_kwh + 1e-9);
        assert!(f.without_flisr.saifi > 0.0);
    }
    // Ties and remote switches help the system as a whole.
    assert!(p.system_with_flisr.saidi_min < p.system_without_flisr.saidi_min);
    eprintln!(
        "county: SAIDI {:.1} → {:.1} min, SAIFI {:.3} → {:.3}, {} sections",
        p.system_without_flisr.saidi_min,
        p.system_with_flisr.saidi_min,
        p.system_without_flisr.saifi,
        p.system_with_flisr.saifi,
        p.sections
    );
}

#[test]
fn bad_rates_are_typed_errors() {
    let net = Arc::new(Network::from_data(&three_feeders()).unwrap());
    let topo = Topology::normal(net);
    for (json, field) in [
        (r#"{"repair_h": 0}"#, "repair_h"),
        (r#"{"overhead_per_km_year": -1}"#, "overhead_per_km_year"),
        (r#"{"manual_switch_min": 1e400}"#, "manual_switch_min"),
    ] {
        let r: Result<FailureRates, _> = serde_json::from_str(json);
        let Ok(r) = r else {
            continue; // 1e400 is refused by the JSON parser itself
        };
        match topo.predict_reliability(&r, &RestorationOptions::default()) {
            Err(NetworkError::InvalidOption { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{json}: {other:?}"),
        }
    }
    let nan = FailureRates {
        switch_per_year: f64::NAN,
        ..FailureRates::default()
    };
    assert!(matches!(
        topo.predict_reliability(&nan, &RestorationOptions::default()),
        Err(NetworkError::InvalidOption {
            field: "switch_per_year",
            ..
        })
    ));
    assert!(serde_json::from_str::<FailureRates>(r#"{"repair_hours": 4}"#).is_err());
}
