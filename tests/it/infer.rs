//! Outage inference on the hand-built feeders of `feeders` (every expected device worked out
//! from the drawing there) and on random outages of synthetic networks.

use std::collections::BTreeSet;
use std::sync::Arc;

use gridserve::network::infer::{Evidence, EvidenceKind, Inference, InferenceOptions};
use gridserve::network::{
    ElementId, Network, NetworkError, NetworkState, Operation, Topology, Trip,
};
use gridserve::synth::{SplitMix64, SynthConfig, generate};

use crate::feeders::three_feeders;

use EvidenceKind::*;

fn setup() -> (Arc<Network>, Topology) {
    let net = Arc::new(Network::from_data(&three_feeders()).unwrap());
    let topo = Topology::normal(net.clone());
    (net, topo)
}

fn devices(net: &Network, inf: &Inference) -> Vec<String> {
    inf.outages
        .iter()
        .map(|o| match o.device {
            Trip::Switch(l) => net.line_asset(l).to_owned(),
            Trip::Source(s) => net.source_asset(s).to_owned(),
        })
        .collect()
}

fn infer(topo: &Topology, ev: &[Evidence]) -> Inference {
    topo.infer(ev, &InferenceOptions::default()).unwrap()
}

#[test]
fn reports_below_a_switch_roll_up_to_it_and_no_further() {
    let (net, topo) = setup();
    // A4, A6 and A7 report. Their lowest devices: S1 (A4 hangs from LA2 below S1), S2 (A6) and
    // F4 (A7). S2 and F4 each explain one report; S1 covers A4, A6, A7 (3 customers) with
    // 3 reports, more than either, so both roll up to S1. CBA covers A2 too but explains no
    // more reports (3), so the lower S1 is preferred.
    let ev = [
        Evidence::customer(PowerOff, "C-A4"),
        Evidence::customer(Call, "C-A6"),
        Evidence::customer(PowerOff, "C-A7"),
    ];
    let inf = infer(&topo, &ev);
    assert_eq!(devices(&net, &inf), ["S1"]);
    let o = &inf.outages[0];
    assert_eq!((o.customers, o.reports_off, o.reports_on), (3, 3, 0));
    assert_eq!(o.evidence, [0, 1, 2]);
    // Confidence: min(1, 3 / (0.5 × 3)) × 3 / 3 = 1.
    assert_eq!(o.confidence, 1.0);
    // Adding A2 makes CBA explain more reports (4 of 4): it is the device.
    let mut more = ev.to_vec();
    more.push(Evidence::asset(PowerOff, "A2"));
    assert_eq!(devices(&net, &infer(&topo, &more)), ["CBA"]);
}

#[test]
fn partial_evidence_still_finds_the_device() {
    let (net, topo) = setup();
    // Only A6 and A2 report (2 of the 4 customers of feeder A). Lowest devices S2 (A6) and CBA
    // (A2). S2: N 1, k 1. S1: N 3, k 1 (not more reports than S2). CBA: N 4, k 2 ≥ 0.5 × 0.5
    // × 4 = 1, and more reports than S2: CBA. Confidence min(1, 2 / (0.5 × 4)) = 1.
    let inf = infer(
        &topo,
        &[
            Evidence::customer(PowerOff, "C-A6"),
            Evidence::customer(PowerOff, "C-A2"),
        ],
    );
    assert_eq!(devices(&net, &inf), ["CBA"]);
    assert_eq!(inf.outages[0].confidence, 1.0);
}

#[test]
fn two_simultaneous_outages_give_two_devices() {
    let (net, topo) = setup();
    // A7 below F4 (N 1, k 1; S1 above has k 1, no more) and C2 below CBC (N 1, k 1).
    // Equal customers: by device id, F4 (switch 4) before CBC (switch 6).
    let inf = infer(
        &topo,
        &[
            Evidence::customer(PowerOff, "C-A7"),
            Evidence::customer(Call, "C-C2"),
        ],
    );
    assert_eq!(devices(&net, &inf), ["F4", "CBC"]);
    assert_eq!(inf.outages[0].evidence, [0]);
    assert_eq!(inf.outages[1].evidence, [1]);
}

#[test]
fn contradicting_power_on_lowers_confidence_and_is_listed() {
    let (net, topo) = setup();
    // A4 off, A6 on. S1 (lowest device of A4): k 1, j 1 > 0.1 × 1: contradicted; CBA likewise.
    // No device explains it, so the lowest device S1 is given with confidence
    // min(1, 1 / (0.5 × 3)) × 1 / 2 = 1/3, and the power-on report is contradicting.
    let inf = infer(
        &topo,
        &[
            Evidence::customer(PowerOff, "C-A4"),
            Evidence::customer(PowerOn, "C-A6"),
        ],
    );
    assert_eq!(devices(&net, &inf), ["S1"]);
    assert!((inf.outages[0].confidence - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(inf.outages[0].reports_on, 1);
    assert_eq!(inf.contradicting, [1]);
}

#[test]
fn da_trip_names_its_device_and_explains_reports_below() {
    let (net, topo) = setup();
    let inf = infer(
        &topo,
        &[
            Evidence::customer(Call, "C-A6"),
            Evidence::asset(Trip, "S2"),
        ],
    );
    assert_eq!(devices(&net, &inf), ["S2"]);
    assert!(inf.outages[0].tripped);
    assert_eq!(inf.outages[0].evidence, [0, 1]);
    assert_eq!(inf.outages[0].confidence, 1.0);
}

#[test]
fn a_lone_fault_indicator_names_the_protector_upstream() {
    let (net, topo) = setup();
    // A fault indicator on LA2 (A3→A4): the nearest protective device above A4 is CBA (S1 is
    // a load-break switch, not protective). No reports: confidence is the indicator floor 0.8.
    let inf = infer(&topo, &[Evidence::asset(FaultIndicator, "LA2")]);
    assert_eq!(devices(&net, &inf), ["CBA"]);
    assert_eq!(inf.outages[0].confidence, 0.8);
    assert_eq!(inf.outages[0].evidence, [0]);
}

#[test]
fn reports_from_points_already_out_are_set_apart() {
    let net = Arc::new(Network::from_data(&three_feeders()).unwrap());
    let mut state = NetworkState::normal(&net);
    state
        .apply(&net, &[Operation::open(net.line_id("S2").unwrap())])
        .unwrap();
    let topo = Topology::new(net.clone(), state).unwrap();
    let inf = infer(
        &topo,
        &[
            Evidence::customer(PowerOff, "C-A6"),
            Evidence::customer(PowerOn, "C-A6"),
        ],
    );
    assert!(inf.outages.is_empty());
    assert_eq!(inf.already_out, [0]);
    assert_eq!(inf.contradicting, [1]);
}

#[test]
fn bad_evidence_and_options_are_typed_errors() {
    let (_, topo) = setup();
    let opt = InferenceOptions::default();
    let err = |ev: Evidence| topo.infer(&[ev], &opt).unwrap_err();
    assert!(matches!(
        err(Evidence::customer(PowerOff, "NOBODY")),
        NetworkError::UnknownCustomer { .. }
    ));
    assert!(matches!(
        err(Evidence::asset(Trip, "K404")),
        NetworkError::UnknownElement { .. }
    ));
    match err(Evidence::asset(Trip, "LA1")) {
        NetworkError::InvalidEvidence { index, field, .. } => {
            assert_eq!((index, field), (0, "asset"))
        }
        e => panic!("{e:?}"),
    }
    match err(Evidence::asset(Call, "A2")) {
        NetworkError::InvalidEvidence { field, .. } => assert_eq!(field, "asset"),
        e => panic!("{e:?}"),
    }
    match err(Evidence {
        kind: PowerOff,
        customer: Some("C-A2".into()),
        asset: Some("A2".into()),
    }) {
        NetworkError::InvalidEvidence { field, .. } => assert_eq!(field, "kind"),
        e => panic!("{e:?}"),
    }
    let long = "x".repeat(100_000);
    let msg = err(Evidence::asset(PowerOff, &long)).to_string();
    assert!(msg.len() < 300);
    for (json, field) in [
        (r#"{"report_rate": 0}"#, "report_rate"),
        (r#"{"rollup_threshold": 2}"#, "rollup_threshold"),
        (
            r#"{"contradiction_tolerance": -0.1}"#,
            "contradiction_tolerance",
        ),
        (
            r#"{"fault_indicator_confidence": 1.5}"#,
            "fault_indicator_confidence",
        ),
    ] {
        let o: InferenceOptions = serde_json::from_str(json).unwrap();
        match topo.infer(&[], &o) {
            Err(NetworkError::InvalidOption { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{json}: {other:?}"),
        }
    }
    assert!(serde_json::from_str::<InferenceOptions>(r#"{"report_rat": 0.5}"#).is_err());
    assert!(serde_json::from_str::<Evidence>(r#"{"kind": "power_off", "meter": "M1"}"#).is_err());
}

/// The customers (ids) below a device in the normal state: the scope of opening it.
fn customers_of(topo: &Topology, device: Trip) -> BTreeSet<u32> {
    let op = match device {
        Trip::Switch(l) => Operation::open(l),
        Trip::Source(s) => Operation::take_out(ElementId::Source(s)),
    };
    let scope = topo.scope(&[op]).unwrap();
    scope
        .customer_ids(topo)
        .unwrap()
        .into_iter()
        .map(|c| c.0)
        .collect()
}

#[test]
fn random_single_and_double_outages_with_evidence_loss() {
    // For each case: pick one or two switches (closed, energized, with customers below and not
    // nested in each other); every customer below reports power off with probability 0.6 (40 %
    // of the evidence is lost), and five random energized customers outside report power on.
    // The inference must name devices whose customers are exactly those of the operated
    // devices that left at least one report (two devices with the same customers cannot be told
    // apart) in at least 95 % of single and 90 % of double outages, and every named device must
    // rest on a report below it. Measured with seed 99: 97 % single, 92 % double.
    let net =
        Arc::new(Network::from_data(&generate(&SynthConfig::with_points(4_000, 21))).unwrap());
    let topo = Topology::normal(net.clone());
    let switches: Vec<_> = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_some() && topo.state().line_passes(l))
        .filter(|&l| !customers_of(&topo, Trip::Switch(l)).is_empty())
        .collect();
    let mut rng = SplitMix64::new(99);
    let cases: u32 = 200;
    for outages in [1usize, 2] {
        let mut hits = 0u32;
        for _ in 0..cases {
            let mut picked: Vec<BTreeSet<u32>> = Vec::new();
            let mut devices = Vec::new();
            while devices.len() < outages {
                let d = switches[rng.below(switches.len())];
                let below = customers_of(&topo, Trip::Switch(d));
                if picked.iter().any(|p| !p.is_disjoint(&below)) {
                    continue;
                }
                picked.push(below);
                devices.push(d);
            }
            let out: BTreeSet<u32> = picked.iter().flatten().copied().collect();
            let mut ev = Vec::new();
            let mut reported = BTreeSet::new();
            for &c in &out {
                if rng.below(10) < 6 {
                    let number = net.customer(gridserve::network::CustomerId(c)).number();
                    ev.push(Evidence::customer(PowerOff, number));
                    reported.insert(c);
                }
            }
            // An outage whose every report was lost leaves no trace: it is not expected.
            picked.retain(|p| !p.is_disjoint(&reported));
            let mut on = 0;
            while on < 5 {
                let c = rng.below(net.customer_count()) as u32;
                if !out.contains(&c) {
                    let number = net.customer(gridserve::network::CustomerId(c)).number();
                    ev.push(Evidence::customer(PowerOn, number));
                    on += 1;
                }
            }
            let inf = infer(&topo, &ev);
            for o in &inf.outages {
                assert!(!o.evidence.is_empty(), "a device without evidence");
                assert!(
                    o.evidence.iter().any(|&i| ev[i].kind == PowerOff),
                    "a device explaining no report"
                );
            }
            let mut found: Vec<BTreeSet<u32>> = inf
                .outages
                .iter()
                .map(|o| customers_of(&topo, o.device))
                .collect();
            found.sort();
            picked.sort();
            if found == picked {
                hits += 1;
            }
        }
        let rate = f64::from(hits) / f64::from(cases);
        let floor = if outages == 1 { 0.95 } else { 0.90 };
        assert!(rate >= floor, "{outages} outage(s): recovered {rate}");
        eprintln!("{outages} outage(s): recovered {rate}");
    }
}
