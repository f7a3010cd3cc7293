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

/// The fast prediction (from the switch-section tree) against the reference that builds a full
/// restoration plan for every section: the same sections, customers and indices, feeder by
/// feeder and for the system, with and without FLISR, to float rounding.
mod fast_equals_reference {
    use super::*;
    use gridserve::network::records::{NetworkData, SwitchKind, SwitchRecord};
    use gridserve::network::{NetworkState, PointId};
    use gridserve::synth::reference::{random_network, random_ops};
    use gridserve::synth::{SplitMix64, SynthConfig, generate};
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    fn same_indices(a: Indices, b: Indices, what: &str) -> Result<(), String> {
        if a.customers != b.customers
            || !close(a.saifi, b.saifi)
            || !close(a.saidi_min, b.saidi_min)
            || !close(a.ens_kwh, b.ens_kwh)
        {
            return Err(format!("{what}: fast {a:?} vs reference {b:?}"));
        }
        Ok(())
    }

    /// Compares the two predictions; returns how many sections fell back to a full plan.
    fn compare(topo: &Topology, rates: &FailureRates, opt: &RestorationOptions) -> usize {
        let (fast, fallbacks) = topo.predict_reliability_with_fallbacks(rates, opt).unwrap();
        let reference = topo.predict_reliability_reference(rates, opt).unwrap();
        assert_eq!(fast, topo.predict_reliability(rates, opt).unwrap());
        if let Err(e) = check(&fast, &reference) {
            panic!("{e}");
        }
        fallbacks
    }

    fn check(
        fast: &ReliabilityPrediction,
        reference: &ReliabilityPrediction,
    ) -> Result<(), String> {
        if fast.sections != reference.sections || fast.feeders.len() != reference.feeders.len() {
            return Err(format!(
                "sections {} vs {}, feeders {} vs {}",
                fast.sections,
                reference.sections,
                fast.feeders.len(),
                reference.feeders.len()
            ));
        }
        for (f, r) in fast.feeders.iter().zip(&reference.feeders) {
            if f.source != r.source {
                return Err(format!("feeder {:?} vs {:?}", f.source, r.source));
            }
            same_indices(
                f.without_flisr,
                r.without_flisr,
                &format!("{:?} without", f.source),
            )?;
            same_indices(f.with_flisr, r.with_flisr, &format!("{:?} with", f.source))?;
        }
        same_indices(
            fast.system_without_flisr,
            reference.system_without_flisr,
            "system without",
        )?;
        same_indices(
            fast.system_with_flisr,
            reference.system_with_flisr,
            "system with",
        )
    }

    fn synth(points: usize, seed: u64, tie_fraction: f64, closed_tie_fraction: f64) -> NetworkData {
        generate(&SynthConfig {
            tie_fraction,
            closed_tie_fraction,
            ..SynthConfig::with_points(points, seed)
        })
    }

    /// Options that make the capacity checks bind: a large reserve margin leaves the ties
    /// little headroom, so plans split the dead area and the line checks inside it matter.
    fn tight() -> RestorationOptions {
        let mut o = RestorationOptions::default();
        o.capacity.reserve_margin = 0.6;
        o
    }

    #[test]
    fn on_synthetic_networks_of_several_seeds_and_sizes() {
        let mut fallbacks = 0;
        for (points, seed) in [(3_000, 1), (6_000, 2), (12_000, 3)] {
            for tie_fraction in [0.6, 1.0] {
                let net =
                    Arc::new(Network::from_data(&synth(points, seed, tie_fraction, 0.0)).unwrap());
                let topo = Topology::normal(net);
                for opt in [RestorationOptions::default(), tight()] {
                    fallbacks += compare(&topo, &FailureRates::default(), &opt);
                }
            }
        }
        // Every component is radial with one source: nothing falls back.
        assert_eq!(fallbacks, 0);
    }

    #[test]
    fn with_closed_ties_the_meshed_feeders_fall_back_and_still_agree() {
        let net = Arc::new(Network::from_data(&synth(5_000, 4, 1.0, 0.5)).unwrap());
        let topo = Topology::normal(net);
        assert!(topo.is_meshed());
        let fallbacks = compare(
            &topo,
            &FailureRates::default(),
            &RestorationOptions::default(),
        );
        assert!(fallbacks > 0);
        let loops = RestorationOptions {
            allow_loops: true,
            ..RestorationOptions::default()
        };
        compare(&topo, &FailureRates::default(), &loops);
    }

    #[test]
    fn with_zero_rate_parts_and_de_energized_parts() {
        let data = synth(6_000, 5, 1.0, 0.0);
        let net = Arc::new(Network::from_data(&data).unwrap());
        // Only cables and switches fail: overhead sections and transformers have no rate.
        let rates = FailureRates {
            overhead_per_km_year: 0.0,
            transformer_per_year: 0.0,
            ..FailureRates::default()
        };
        compare(&Topology::normal(net.clone()), &rates, &tight());
        // Open every 40th closed switch and take every 97th point out: whole laterals and
        // parts of trunks are de-energized.
        let mut state = NetworkState::normal(&net);
        let mut ops = Vec::new();
        for (i, l) in net
            .line_ids()
            .filter(|&l| net.line(l).as_switch().is_some() && state.line_passes(l))
            .enumerate()
        {
            if i % 40 == 7 {
                ops.push(gridserve::network::Operation::open(l));
            }
        }
        for p in (0..net.point_count() as u32).step_by(97) {
            ops.push(gridserve::network::Operation::take_out(
                gridserve::network::ElementId::Point(PointId(p)),
            ));
        }
        state.apply(&net, &ops).unwrap();
        let topo = Topology::new(net.clone(), state).unwrap();
        assert!(topo.energized_count() < net.point_count() * 9 / 10);
        compare(
            &topo,
            &FailureRates::default(),
            &RestorationOptions::default(),
        );
        compare(&topo, &rates, &tight());
    }

    /// What-if studies: making switches remote-operable and adding a tie change the plans;
    /// the fast prediction follows the reference on the changed network.
    #[test]
    fn what_if_remote_switches_and_a_new_tie() {
        let base = synth(6_000, 6, 0.6, 0.0);
        let mut rng = SplitMix64::new(66);
        let mut remote = base.clone();
        for s in &mut remote.switches {
            if !s.normally_open && rng.below(3) == 0 {
                s.remote = true;
            }
        }
        // A new normally-open tie between the ends of two feeders' last points of their
        // trunks' laterals: from a point of the first feeder to a point of another.
        let mut tied = base.clone();
        let net = Arc::new(Network::from_data(&base).unwrap());
        let topo = Topology::normal(net.clone());
        let feeder = |p: u32| topo.feeding_sources(PointId(p)).first().copied();
        let n = net.point_count() as u32;
        let a = (0..n).rev().find(|&p| feeder(p).is_some()).unwrap();
        let b = (0..n)
            .rev()
            .find(|&p| feeder(p).is_some() && feeder(p) != feeder(a))
            .unwrap();
        tied.switches.push(SwitchRecord {
            asset: "NEW-TIE".into(),
            from: net.point_asset(PointId(a)).into(),
            to: net.point_asset(PointId(b)).into(),
            kind: SwitchKind::LoadBreakSwitch,
            normally_open: true,
            protective: false,
            remote: true,
            in_service: true,
        });
        for data in [&base, &remote, &tied] {
            let net = Arc::new(Network::from_data(data).unwrap());
            let topo = Topology::normal(net);
            compare(
                &topo,
                &FailureRates::default(),
                &RestorationOptions::default(),
            );
            compare(&topo, &FailureRates::default(), &tight());
        }
        let before = Topology::normal(Arc::new(Network::from_data(&base).unwrap()))
            .predict_reliability(&FailureRates::default(), &RestorationOptions::default())
            .unwrap();
        let after = Topology::normal(Arc::new(Network::from_data(&remote).unwrap()))
            .predict_reliability(&FailureRates::default(), &RestorationOptions::default())
            .unwrap();
        assert!(after.system_with_flisr.saidi_min < before.system_with_flisr.saidi_min);
    }

    #[test]
    fn on_the_hand_built_feeders_and_their_what_if() {
        let data = three_feeders();
        let mut s2 = data.clone();
        for s in &mut s2.switches {
            if s.asset == "S2" {
                s.remote = true;
            }
        }
        for d in [&data, &s2] {
            let topo = Topology::normal(Arc::new(Network::from_data(d).unwrap()));
            for opt in [RestorationOptions::default(), tight()] {
                assert_eq!(compare(&topo, &rates(), &opt), 0);
                compare(&topo, &FailureRates::default(), &opt);
            }
        }
    }

    /// Small random networks in random states: several sources, intra-feeder ties, loops,
    /// parallel lines, open, faulted and out-of-service elements, equal loads (ties between
    /// equally good ties are broken the planner's way) and tight transformer ratings.
    fn random_case(
        seed: u64,
        points: usize,
        extra: usize,
        margin: f64,
    ) -> Result<(), TestCaseError> {
        let mut rng = SplitMix64::new(seed);
        let data = random_network(&mut rng, points, extra);
        let net = Arc::new(Network::from_data(&data).unwrap());
        let mut state = NetworkState::normal(&net);
        let ops = random_ops(&mut rng, &net, &state, 3);
        state.apply(&net, &ops).unwrap();
        for st in [NetworkState::normal(&net), state] {
            let topo = Topology::new(net.clone(), st).unwrap();
            let mut opt = RestorationOptions::default();
            opt.capacity.reserve_margin = margin;
            for allow_loops in [false, true] {
                opt.allow_loops = allow_loops;
                let fast = topo
                    .predict_reliability(&FailureRates::default(), &opt)
                    .unwrap();
                let reference = topo
                    .predict_reliability_reference(&FailureRates::default(), &opt)
                    .unwrap();
                if let Err(e) = check(&fast, &reference) {
                    return Err(TestCaseError::fail(format!("seed {seed}: {e}")));
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn on_random_networks(
            seed in any::<u64>(),
            points in 8usize..70,
            extra in prop_oneof![Just(0usize), 0usize..4],
            margin in prop_oneof![Just(0.1), 0.0f64..0.95],
        ) {
            random_case(seed, points, extra, margin)?;
        }
    }
}
