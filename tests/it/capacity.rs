//! Loading of sources and rated lines: the hand-built feeders of `feeders`, and the demo county
//! of the synthetic generator in its normal state.

use std::sync::Arc;

use gridserve::network::capacity::{CapacityOptions, Loading};
use gridserve::network::{Network, NetworkError, Topology};
use gridserve::synth::{SynthConfig, generate};

use crate::feeders::three_feeders;

fn loading(net: &Arc<Network>) -> Loading {
    Topology::normal(net.clone())
        .loading(&CapacityOptions::default())
        .unwrap()
}

#[test]
fn hand_built_feeders_load_worked_by_hand() {
    let net = Arc::new(Network::from_data(&three_feeders()).unwrap());
    let l = loading(&net);
    // SA: 100 + 200 + 150 + 50 = 500 kW → 555.6 kVA at pf 0.9 of 1000 kVA.
    // SB: 300 kW → 333.3 kVA of 1000. SC: 100 kW → 111.1 kVA of 500.
    let by_source: Vec<(String, f64, f64)> = l
        .sources
        .iter()
        .map(|s| {
            (
                net.source_asset(s.source).to_owned(),
                s.load_kw,
                s.utilisation,
            )
        })
        .collect();
    let expected = [
        ("SA", 500.0, 500.0 / 0.9 / 1000.0),
        ("SB", 300.0, 300.0 / 0.9 / 1000.0),
        ("SC", 100.0, 100.0 / 0.9 / 500.0),
    ];
    for ((a, kw, u), (ea, ekw, eu)) in by_source.iter().zip(expected) {
        assert_eq!((a.as_str(), *kw), (ea, ekw));
        assert!((u - eu).abs() < 1e-12);
    }
    // LA2 (A3→A4) carries A4 + A5/A6 + A7 = 200 + 150 + 50 = 400 kW → 444.4 kVA of
    // √3 × 10 kV × 100 A = 1732.05 kVA. LB2 (B2→B3) carries nothing (B3 has no customer).
    let la2 = net.line_id("LA2").unwrap();
    let line = l.lines.iter().find(|x| x.line == la2).unwrap();
    assert!((line.flow_kva - 400.0 / 0.9).abs() < 1e-9);
    assert!((line.limit_kva - 3f64.sqrt() * 1000.0).abs() < 1e-9);
    assert_eq!(l.overloaded_sources().count(), 0);
    assert_eq!(l.overloaded_lines().count(), 0);
}

#[test]
fn no_feeder_of_the_demo_county_is_over_capacity_in_the_normal_state() {
    // The issue found 32 of 64 feeders of the demo county over capacity before sizing.
    let net = Arc::new(Network::from_data(&generate(&SynthConfig::county(2024))).unwrap());
    let l = loading(&net);
    assert_eq!(l.sources.len(), 64);
    for s in &l.sources {
        assert!(
            (0.25..0.70).contains(&s.utilisation),
            "{} at {}",
            net.source_asset(s.source),
            s.utilisation
        );
    }
    // No segment is over its ampacity. Distribution transformers are not sized to their
    // residents by the generator (nor by the rules it follows): a few small public ones may be
    // over their rating, as in real networks, but not more than one in a thousand.
    let over_segments: Vec<_> = l
        .overloaded_lines()
        .filter(|x| !net.line(x.line).is_transformer())
        .map(|x| (net.line_asset(x.line), x.flow_kva, x.limit_kva))
        .collect();
    assert!(over_segments.is_empty(), "{over_segments:?}");
    let transformers = net
        .line_ids()
        .filter(|&x| net.line(x).is_transformer())
        .count();
    assert!(l.overloaded_lines().count() * 1000 < transformers);
    assert!(l.lines.len() > transformers);
}

#[test]
fn capacity_options_out_of_range_are_typed_errors() {
    let net = Arc::new(Network::from_data(&three_feeders()).unwrap());
    let topo = Topology::normal(net);
    for (json, field) in [
        (r#"{"power_factor": 0}"#, "power_factor"),
        (r#"{"power_factor": 1.5}"#, "power_factor"),
        (r#"{"nominal_kv": -10}"#, "nominal_kv"),
        (r#"{"reserve_margin": 1}"#, "reserve_margin"),
    ] {
        let o: CapacityOptions = serde_json::from_str(json).unwrap();
        match topo.loading(&o) {
            Err(NetworkError::InvalidOption { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{json}: {other:?}"),
        }
    }
    let nan = CapacityOptions {
        reserve_margin: f64::NAN,
        ..CapacityOptions::default()
    };
    assert!(matches!(
        topo.loading(&nan),
        Err(NetworkError::InvalidOption {
            field: "reserve_margin",
            ..
        })
    ));
    assert!(serde_json::from_str::<CapacityOptions>(r#"{"power_factr": 0.9}"#).is_err());
}
