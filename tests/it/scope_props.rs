//! Property tests: on thousands of random radial and meshed networks, with random states and
//! random operations, every answer of the index equals the plain breadth-first reference,
//! element for element.

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use gridserve::network::{
    Condition, ElementId, ExposureKind, LineId, Network, NetworkState, Operation, PointId,
    Topology, Trip,
};
use proptest::prelude::*;

use gridserve::synth::SplitMix64 as Rng;
use gridserve::synth::reference::{diff, energized, random_network, random_ops};

struct Case {
    net: Arc<Network>,
    state: NetworkState,
    rng: Rng,
}

fn case(seed: u64, points: usize, extra: usize) -> Case {
    let mut rng = Rng::new(seed);
    let data = random_network(&mut rng, points, extra);
    let net = Arc::new(Network::from_data(&data).expect("random networks are valid"));
    let mut state = NetworkState::normal(&net);
    let ops = random_ops(&mut rng, &net, &state, 4);
    state
        .apply(&net, &ops)
        .expect("random_ops returns valid operations");
    Case { net, state, rng }
}

fn ids(v: impl IntoIterator<Item = u32>) -> BTreeSet<u32> {
    v.into_iter().collect()
}

fn check_scope(
    seed: u64,
    points: usize,
    extra: usize,
    max_ops: usize,
) -> Result<(), TestCaseError> {
    let Case {
        net,
        state,
        mut rng,
    } = case(seed, points, extra);
    let topo = Topology::new(net.clone(), state.clone()).unwrap();
    let e0 = energized(&net, &state);
    prop_assert_eq!(&ids(topo.energized_points().map(|p| p.0)), &e0);
    prop_assert_eq!(topo.energized_count(), e0.len());

    let ops = random_ops(&mut rng, &net, &state, max_ops);
    let scope = topo.scope(&ops).unwrap();
    let mut after = state.clone();
    after.apply(&net, &ops).unwrap();
    let d = diff(&net, &state, &after);

    prop_assert_eq!(
        &ids(scope.point_ids(&topo).unwrap().into_iter().map(|p| p.0)),
        &d.lost
    );
    prop_assert_eq!(
        &ids(scope.restored_ids().into_iter().map(|p| p.0)),
        &d.restored
    );
    let s = scope.summary();
    prop_assert_eq!(s.points, d.lost.len());
    prop_assert_eq!(s.restored_points, d.restored.len());
    prop_assert_eq!(
        &ids(scope
            .transformer_ids(&topo)
            .unwrap()
            .into_iter()
            .map(|l| l.0)),
        &d.lost_transformers
    );
    prop_assert_eq!(s.transformers, d.lost_transformers.len());

    let lost_customers: BTreeSet<u32> = net
        .customers()
        .filter(|c| d.lost.contains(&c.point().0))
        .map(|c| c.id().0)
        .collect();
    prop_assert_eq!(
        &ids(scope.customer_ids(&topo).unwrap().into_iter().map(|c| c.0)),
        &lost_customers
    );
    prop_assert_eq!(s.customers, lost_customers.len());
    let critical = lost_customers
        .iter()
        .filter(|&&c| {
            net.customer(gridserve::network::CustomerId(c))
                .importance()
                .is_critical()
        })
        .count();
    prop_assert_eq!(s.critical_customers, critical);
    prop_assert_eq!(scope.critical_customer_ids(&topo).unwrap().len(), critical);
    let load: f64 = lost_customers
        .iter()
        .map(|&c| net.customer(gridserve::network::CustomerId(c)).load_kw())
        .sum();
    prop_assert!(
        (s.load_kw - load).abs() < 1e-6,
        "load {} vs {}",
        s.load_kw,
        load
    );

    // Boundary: lines with one end lost and the other energized after.
    let mut expect = BTreeSet::new();
    for l in net.line_ids() {
        let (a, b) = net.line_ends(l);
        for (x, y) in [(a.0, b.0), (b.0, a.0)] {
            if d.lost.contains(&x) && d.after.contains(&y) {
                expect.insert((l.0, x));
            }
        }
    }
    let got: BTreeSet<(u32, u32)> = scope
        .boundary(&topo)
        .unwrap()
        .into_iter()
        .map(|b| (b.line.0, b.lost_end.0))
        .collect();
    prop_assert_eq!(got, expect);

    // The batch form lists every point unsupplied after the operations.
    let batch = topo.unsupplied_batch([ops.as_slice(), &[]]).unwrap();
    let all: BTreeSet<u32> = (0..net.point_count() as u32).collect();
    let unsupplied_after: BTreeSet<u32> = all.difference(&d.after).copied().collect();
    prop_assert_eq!(
        &ids(batch.scenario(0).unwrap().iter().map(|p| p.0)),
        &unsupplied_after
    );
    prop_assert_eq!(
        &ids(batch.scenario(1).unwrap().iter().map(|p| p.0)),
        &all.difference(&e0).copied().collect()
    );
    prop_assert_eq!(batch.len(), 2);

    // The index after applying the operations, rebuilt only where touched, answers like a
    // fresh index of the new state.
    let mut moved = topo;
    moved.apply(&ops).unwrap();
    prop_assert_eq!(moved.state(), &after);
    prop_assert_eq!(&ids(moved.energized_points().map(|p| p.0)), &d.after);
    let fresh = Topology::new(net.clone(), after.clone()).unwrap();
    prop_assert_eq!(moved.exposure(), fresh.exposure());
    prop_assert_eq!(moved.loops(), fresh.loops());
    // A scope of an older version is refused; operations that cancel out keep the version.
    prop_assert_eq!(scope.point_ids(&moved).is_err(), after != state);
    let ops2 = random_ops(&mut rng, &net, &after, 3);
    let (a, b) = (moved.scope(&ops2).unwrap(), fresh.scope(&ops2).unwrap());
    prop_assert_eq!(a.point_ids(&moved).unwrap(), b.point_ids(&fresh).unwrap());
    prop_assert_eq!(a.summary(), b.summary());
    Ok(())
}

/// The fault rule written plainly: the zone of points reached from the fault through passing
/// non-protective lines; every passing protective switch bounding it whose far side still
/// reaches a source with the zone cut out trips; every passing source in the zone trips.
fn reference_trips(net: &Network, state: &NetworkState, element: ElementId) -> BTreeSet<Trip> {
    let e0 = energized(net, state);
    let mut zone = BTreeSet::new();
    let mut queue = VecDeque::new();
    let mut skip = None;
    match element {
        ElementId::Point(p) => {
            if e0.contains(&p.0) {
                zone.insert(p.0);
                queue.push_back(p.0);
            }
        }
        ElementId::Line(l) => {
            skip = Some(l.0);
            if state.line_passes(l) {
                let (a, b) = net.line_ends(l);
                for x in [a.0, b.0] {
                    if e0.contains(&x) && zone.insert(x) {
                        queue.push_back(x);
                    }
                }
            }
        }
        ElementId::Source(s) => {
            let p = net.source(s).point;
            return if state.source_passes(s) && e0.contains(&p.0) {
                [Trip::Source(s)].into()
            } else {
                BTreeSet::new()
            };
        }
    }
    let mut boundary = Vec::new();
    while let Some(p) = queue.pop_front() {
        for &(w, l) in net.neighbours(PointId(p)) {
            if Some(l) == skip || !state.line_passes(LineId(l)) || !e0.contains(&w) {
                continue;
            }
            if net.line(LineId(l)).is_protective() {
                boundary.push((l, w));
            } else if zone.insert(w) {
                queue.push_back(w);
            }
        }
    }
    let mut cut = state.clone();
    for &p in &zone {
        let _ = cut.apply(net, &[Operation::fault(ElementId::Point(PointId(p)))]);
    }
    let e_cut = energized(net, &cut);
    let mut trips: BTreeSet<Trip> = boundary
        .into_iter()
        .filter(|&(_, w)| !zone.contains(&w) && e_cut.contains(&w))
        .map(|(l, _)| Trip::Switch(LineId(l)))
        .collect();
    for s in net.source_ids() {
        if state.source_passes(s) && zone.contains(&net.source(s).point.0) {
            trips.insert(Trip::Source(s));
        }
    }
    trips
}

fn check_fault_and_outage(seed: u64, points: usize, extra: usize) -> Result<(), TestCaseError> {
    let Case {
        net,
        state,
        mut rng,
    } = case(seed, points, extra);
    let topo = Topology::new(net.clone(), state.clone()).unwrap();
    let e0 = energized(&net, &state);
    for _ in 0..4 {
        let element = gridserve::synth::reference::random_op(&mut rng, &net).element;
        match topo.fault(element) {
            Err(_) => prop_assert!(
                state.condition(element).faulted,
                "only a faulted element is refused"
            ),
            Ok(out) => {
                let expect = reference_trips(&net, &state, element);
                prop_assert_eq!(
                    &out.tripped.iter().copied().collect::<BTreeSet<_>>(),
                    &expect
                );
                let mut after = state.clone();
                after.apply(&net, &[Operation::fault(element)]).unwrap();
                for t in &expect {
                    let (e, c) = match *t {
                        Trip::Switch(l) => (
                            ElementId::Line(l),
                            Condition {
                                open: true,
                                ..after.condition(ElementId::Line(l))
                            },
                        ),
                        Trip::Source(s) => (
                            ElementId::Source(s),
                            Condition {
                                out_of_service: true,
                                ..after.condition(ElementId::Source(s))
                            },
                        ),
                    };
                    let op = if c.open {
                        Operation::open(match e {
                            ElementId::Line(l) => l,
                            _ => unreachable!(),
                        })
                    } else {
                        Operation::take_out(e)
                    };
                    if after.condition(e) != c {
                        after.apply(&net, &[op]).unwrap();
                    }
                }
                let d = diff(&net, &state, &after);
                prop_assert_eq!(
                    &ids(out.scope.point_ids(&topo).unwrap().into_iter().map(|p| p.0)),
                    &d.lost
                );
                prop_assert_eq!(out.scope.summary().transformers, d.lost_transformers.len());
            }
        }
        match topo.planned_outage(element) {
            Err(_) => prop_assert!(state.condition(element).out_of_service),
            Ok(plan) => {
                let mut after = state.clone();
                after.apply(&net, &plan.operations).unwrap();
                let e1 = energized(&net, &after);
                let dead: Vec<u32> = match element {
                    ElementId::Point(p) => vec![p.0],
                    ElementId::Line(l) => {
                        let (a, b) = net.line_ends(l);
                        vec![a.0, b.0]
                    }
                    ElementId::Source(_) => vec![],
                };
                for p in dead {
                    prop_assert!(!e1.contains(&p), "the work zone is de-energized");
                }
                for &l in &plan.isolators {
                    prop_assert!(state.line_passes(l));
                }
                let d = diff(&net, &state, &after);
                prop_assert_eq!(
                    &ids(plan
                        .scope
                        .point_ids(&topo)
                        .unwrap()
                        .into_iter()
                        .map(|p| p.0)),
                    &d.lost
                );
            }
        }
    }
    // Exposure of every switch equals opening it alone.
    let x = topo.exposure();
    for (i, &l) in x.switches.iter().enumerate() {
        let mut after = state.clone();
        let lost = if after.apply(&net, &[Operation::open(l)]).is_ok() {
            diff(&net, &state, &after).lost
        } else {
            BTreeSet::new()
        };
        prop_assert_eq!(x.points[i] as usize, lost.len(), "switch {}", l.0);
        let customers = net
            .customers()
            .filter(|c| lost.contains(&c.point().0))
            .count();
        prop_assert_eq!(x.customers[i] as usize, customers);
        let passes = state.line_passes(l);
        let (a, b) = net.line_ends(l);
        let kind_ok = match x.kinds[i] {
            ExposureKind::NotPassing => !passes,
            ExposureKind::Deenergized => passes && !(e0.contains(&a.0) && e0.contains(&b.0)),
            ExposureKind::Meshed => passes && lost.is_empty(),
            ExposureKind::Radial => passes && !lost.is_empty(),
        };
        prop_assert!(kind_ok, "exposure kind {:?} of switch {}", x.kinds[i], l.0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn scope_equals_search_on_radial_networks(seed in any::<u64>(), points in 2usize..40) {
        check_scope(seed, points, 0, 5)?;
    }

    #[test]
    fn scope_equals_search_on_meshed_networks(seed in any::<u64>(), points in 2usize..40, extra in 1usize..8) {
        check_scope(seed, points, extra, 5)?;
    }

    /// Long operation lists (more than 16 touch the indexed path of `NetworkState::changes`).
    #[test]
    fn scope_equals_search_with_many_operations(seed in any::<u64>(), points in 20usize..60, extra in 0usize..6) {
        check_scope(seed, points, extra, 60)?;
    }

    #[test]
    fn faults_outages_and_exposure_equal_the_plain_rules(seed in any::<u64>(), points in 2usize..30, extra in 0usize..5) {
        check_fault_and_outage(seed, points, extra)?;
    }
}

/// The random cases above reach every path of the index: wholesale cuts, the meshed search,
/// restoration by closing, radial and zone-searched faults.
#[test]
fn random_cases_exercise_every_path() {
    let (mut lost, mut meshed, mut restored, mut simple) = (0, 0, 0, 0);
    let (mut radial_faults, mut zone_faults, mut trips) = (0, 0, 0);
    for seed in 0..400u64 {
        let Case {
            net,
            state,
            mut rng,
        } = case(seed, 25, (seed % 4) as usize);
        let topo = Topology::new(net.clone(), state.clone()).unwrap();
        let ops = random_ops(&mut rng, &net, &state, 5);
        let scope = topo.scope(&ops).unwrap();
        lost += usize::from(scope.summary().points > 0);
        restored += usize::from(scope.summary().restored_points > 0);
        if scope.is_meshed() {
            meshed += 1;
        } else if scope.summary().points > 0 {
            simple += 1;
        }
        let element = gridserve::synth::reference::random_op(&mut rng, &net).element;
        if let Ok(out) = topo.fault(element) {
            trips += usize::from(!out.tripped.is_empty());
            if out.meshed {
                zone_faults += 1;
            } else if !out.tripped.is_empty() {
                radial_faults += 1;
            }
        }
    }
    for (what, n) in [
        ("lost", lost),
        ("meshed", meshed),
        ("restored", restored),
        ("simple", simple),
        ("radial faults", radial_faults),
        ("zone faults", zone_faults),
        ("trips", trips),
    ] {
        assert!(n >= 20, "only {n} of 400 cases with {what}");
    }
}
