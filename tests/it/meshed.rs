//! The meshed fast path: removing lines that lie on loops, none of them a bridge and no subset
//! of them a cut, loses nothing and is answered without a search. Every answer here is checked
//! against the plain breadth-first reference.

use std::collections::BTreeSet;
use std::sync::Arc;

use gridserve::network::records::*;
use gridserve::network::{ElementId, LineId, Network, NetworkState, Operation, Topology};
use gridserve::synth::SplitMix64;
use gridserve::synth::reference::{diff, energized, random_network};
use proptest::prelude::*;

fn point(a: &str) -> PointRecord {
    PointRecord {
        asset: a.into(),
        kind: PointKind::Pole,
        name: None,
        in_service: true,
    }
}

fn seg(asset: &str, from: &str, to: &str) -> SegmentRecord {
    SegmentRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        kind: SegmentKind::Overhead,
        length_m: 10.0,
        rated_current_a: None,
        in_service: true,
    }
}

/// Two rings sharing the point R: S → A; ring 1 A–B–C–A (L1 A-B, L2 B-C, L3 C-A), a bridge
/// L4 A–R, ring 2 R–D–E–R (L5 R-D, L6 D-E, L7 E-R).
fn two_rings() -> Arc<Network> {
    let data = NetworkData {
        points: ["A", "B", "C", "R", "D", "E"]
            .into_iter()
            .map(point)
            .collect(),
        segments: vec![
            seg("L1", "A", "B"),
            seg("L2", "B", "C"),
            seg("L3", "C", "A"),
            seg("L4", "A", "R"),
            seg("L5", "R", "D"),
            seg("L6", "D", "E"),
            seg("L7", "E", "R"),
        ],
        sources: vec![SourceRecord {
            asset: "S".into(),
            point: "A".into(),
            name: None,
            capacity_kva: 1000.0,
            in_service: true,
        }],
        ..NetworkData::default()
    };
    Arc::new(Network::from_data(&data).unwrap())
}

fn lost(net: &Network, topo: &Topology, assets: &[&str]) -> Vec<String> {
    let ops: Vec<Operation> = assets
        .iter()
        .map(|a| Operation::take_out(ElementId::Line(net.line_id(a).unwrap())))
        .collect();
    let scope = topo.scope(&ops).unwrap();
    let mut v: Vec<String> = scope
        .point_ids(topo)
        .unwrap()
        .into_iter()
        .map(|p| net.point_asset(p).to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn lines_on_loops_cut_nothing_unless_they_form_a_cut() {
    let net = two_rings();
    let topo = Topology::normal(net.clone());
    // Any one line of a ring, or one line of each ring: nothing lost.
    for set in [&["L1"][..], &["L2"], &["L6"], &["L1", "L6"], &["L3", "L5"]] {
        assert!(lost(&net, &topo, set).is_empty(), "{set:?}");
    }
    // Two lines of ring 2 around D: D is cut off. Two lines of ring 1 around B: B.
    assert_eq!(lost(&net, &topo, &["L5", "L6"]), ["D"]);
    assert_eq!(lost(&net, &topo, &["L1", "L2"]), ["B"]);
    // The bridge: the whole second ring.
    assert_eq!(lost(&net, &topo, &["L4"]), ["D", "E", "R"]);
    // Both lines at R in ring 2 cut D and E.
    assert_eq!(lost(&net, &topo, &["L5", "L7"]), ["D", "E"]);
}

/// Removes up to `k` random energized lines and compares the scope with the reference.
fn check(seed: u64, points: usize, extra: usize, k: usize) -> Result<(), TestCaseError> {
    let mut rng = SplitMix64::new(seed);
    let data = random_network(&mut rng, points, extra);
    let net = Arc::new(Network::from_data(&data).unwrap());
    let state = NetworkState::normal(&net);
    let topo = Topology::new(net.clone(), state.clone()).unwrap();
    let on = energized(&net, &state);
    let live: Vec<LineId> = net
        .line_ids()
        .filter(|&l| {
            let (a, b) = net.line_ends(l);
            state.line_passes(l) && on.contains(&a.0) && on.contains(&b.0)
        })
        .collect();
    if live.is_empty() {
        return Ok(());
    }
    let mut chosen = BTreeSet::new();
    for _ in 0..1 + rng.below(k) {
        chosen.insert(live[rng.below(live.len())]);
    }
    let ops: Vec<Operation> = chosen
        .iter()
        .map(|&l| Operation::take_out(ElementId::Line(l)))
        .collect();
    let scope = topo.scope(&ops).unwrap();
    let mut after = state.clone();
    after.apply(&net, &ops).unwrap();
    let d = diff(&net, &state, &after);
    let got: BTreeSet<u32> = scope
        .point_ids(&topo)
        .unwrap()
        .into_iter()
        .map(|p| p.0)
        .collect();
    prop_assert_eq!(&got, &d.lost);
    prop_assert_eq!(scope.summary().points, d.lost.len());
    prop_assert_eq!(scope.summary().transformers, d.lost_transformers.len());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn removing_lines_on_meshed_networks_equals_the_plain_search(
        seed in any::<u64>(), points in 3usize..40, extra in 2usize..20, k in 1usize..5,
    ) {
        check(seed, points, extra, k)?;
    }
}
