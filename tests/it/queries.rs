//! Hand-worked queries on the small network of `validation::small` (drawn there): every
//! expected value below is read off that drawing.

use std::sync::Arc;

use gridserve::network::records::{Importance, SwitchKind};
use gridserve::network::{
    ElementId, ExposureKind, Network, NetworkState, Operation, Topology, Trip,
};

use crate::validation::small;

fn setup() -> (Arc<Network>, Topology) {
    let net = Arc::new(Network::from_data(&small()).unwrap());
    let topo = Topology::normal(net.clone());
    (net, topo)
}

fn assets(net: &Network, ids: &[gridserve::network::PointId]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|&p| net.point_asset(p).to_owned()).collect();
    v.sort();
    v
}

#[test]
fn normal_state_energizes_everything_but_nothing_loops() {
    let (_, topo) = setup();
    assert_eq!(topo.energized_count(), 9);
    assert!(!topo.is_meshed());
    assert!(topo.loops().is_empty());
}

#[test]
fn opening_the_sectionalizer_loses_c_d_lv_and_the_critical_customer() {
    let (net, topo) = setup();
    let sw1 = net.line_id("SW1").unwrap();
    let scope = topo.scope(&[Operation::open(sw1)]).unwrap();
    let s = scope.summary();
    assert_eq!(
        (s.points, s.customers, s.critical_customers, s.transformers),
        (3, 1, 1, 1)
    );
    assert_eq!(s.load_kw, 300.0);
    assert!(!scope.is_meshed());
    assert_eq!(
        assets(&net, &scope.point_ids(&topo).unwrap()),
        ["C", "D", "LV"]
    );
    let report = scope.report(&topo).unwrap();
    assert_eq!(report.transformers, ["T1"]);
    assert_eq!(report.customers[0].number, "C2");
    assert_eq!(report.customers[0].contacts[0].phone, "13800000001");
    // Boundary: the opened switch (live end B) and the open tie to the other feeder (live X).
    let b: Vec<(String, String, bool)> = report
        .boundary
        .iter()
        .map(|b| (b.asset.clone(), b.live_end.clone(), b.passes_after))
        .collect();
    assert_eq!(
        b,
        [
            ("SW1".to_owned(), "B".to_owned(), false),
            ("TIE".to_owned(), "X".to_owned(), false)
        ]
    );
}

#[test]
fn transferring_load_through_the_tie_loses_nothing_downstream() {
    let (net, topo) = setup();
    let ops = [
        Operation::close(net.line_id("TIE").unwrap()),
        Operation::open(net.line_id("SW1").unwrap()),
    ];
    let scope = topo.scope(&ops).unwrap();
    assert!(scope.is_empty());
    assert!(
        scope.is_meshed(),
        "closing anything needs the general search"
    );
    // Closing the tie alone makes a loop through both sources; the index reports it.
    let mut looped = topo;
    looped.apply(&ops[..1]).unwrap();
    assert!(looped.is_meshed());
    assert_eq!(
        looped.loops(),
        [ElementId::Source(net.source_id("S2").unwrap())]
    );
    assert_eq!(looped.feeding_sources(net.point_id("D").unwrap()).len(), 2);
    // Now opening SW1 cuts nothing: D is fed through the tie.
    let s = looped
        .scope(&[Operation::open(net.line_id("SW1").unwrap())])
        .unwrap();
    assert!(s.is_empty());
}

#[test]
fn a_fault_on_l2_trips_the_feeder_breaker_not_the_fuse() {
    let (net, topo) = setup();
    let l2 = net.line_id("L2").unwrap();
    let out = topo.fault(ElementId::Line(l2)).unwrap();
    assert_eq!(out.tripped, [Trip::Switch(net.line_id("CB1").unwrap())]);
    assert!(!out.meshed);
    // Everything below CB1: A B C D LV E.
    assert_eq!(out.scope.summary().points, 6);
    assert_eq!(out.scope.summary().customers, 2);
    assert_eq!(out.scope.summary().load_kw, 350.0);
}

#[test]
fn a_fault_behind_the_fuse_blows_only_the_fuse() {
    let (net, topo) = setup();
    let e = net.point_id("E").unwrap();
    let out = topo.fault(ElementId::Point(e)).unwrap();
    assert_eq!(out.tripped, [Trip::Switch(net.line_id("F1").unwrap())]);
    assert_eq!(assets(&net, &out.scope.point_ids(&topo).unwrap()), ["E"]);
}

#[test]
fn a_fault_on_the_bus_takes_out_the_source() {
    let (net, topo) = setup();
    let out = topo
        .fault(ElementId::Point(net.point_id("BUS").unwrap()))
        .unwrap();
    assert_eq!(out.tripped, [Trip::Source(net.source_id("S1").unwrap())]);
    assert_eq!(out.scope.summary().points, 7);
}

#[test]
fn a_fault_on_a_closed_loop_trips_both_feeding_breakers() {
    let (net, topo) = setup();
    let mut looped = topo;
    looped
        .apply(&[Operation::close(net.line_id("TIE").unwrap())])
        .unwrap();
    let out = looped
        .fault(ElementId::Line(net.line_id("L2").unwrap()))
        .unwrap();
    assert!(out.meshed);
    let mut tripped = out.tripped.clone();
    tripped.sort();
    assert_eq!(
        tripped,
        [
            Trip::Switch(net.line_id("CB1").unwrap()),
            Trip::Switch(net.line_id("CB2").unwrap())
        ]
    );
    assert_eq!(out.scope.summary().points, 7); // A B C D LV E X
}

#[test]
fn planned_work_on_l2_opens_sw1_and_lists_the_open_tie() {
    let (net, topo) = setup();
    let plan = topo
        .planned_outage(ElementId::Line(net.line_id("L2").unwrap()))
        .unwrap();
    let iso: Vec<&str> = plan.isolators.iter().map(|&l| net.line_asset(l)).collect();
    assert_eq!(iso, ["SW1"]);
    let open: Vec<&str> = plan
        .already_open
        .iter()
        .map(|&l| net.line_asset(l))
        .collect();
    assert_eq!(open, ["TIE"]);
    assert_eq!(plan.scope.summary().points, 3); // C D LV
    assert!(plan.downstream.is_empty());
    // Work on L1: only CB1 feeds the zone {A, B}; SW1 and F1 lead to parts with no other supply.
    let plan = topo
        .planned_outage(ElementId::Line(net.line_id("L1").unwrap()))
        .unwrap();
    let names = |v: &[gridserve::network::LineId]| {
        v.iter()
            .map(|&l| net.line_asset(l).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&plan.isolators), ["CB1"]);
    assert_eq!(names(&plan.downstream), ["SW1", "F1"]);
    assert_eq!(plan.scope.summary().points, 6);
    let plan = topo
        .planned_outage(ElementId::Line(net.line_id("T1").unwrap()))
        .unwrap();
    let iso: Vec<&str> = plan.isolators.iter().map(|&l| net.line_asset(l)).collect();
    assert_eq!(iso, ["SW1"], "no switch between T1 and SW1");
}

#[test]
fn exposure_of_every_switch() {
    let (net, topo) = setup();
    let x = topo.exposure();
    let row = |asset: &str| {
        let l = net.line_id(asset).unwrap();
        let i = x.switches.iter().position(|&s| s == l).unwrap();
        (x.kinds[i], x.points[i], x.customers[i], x.load_kw[i])
    };
    assert_eq!(row("CB1"), (ExposureKind::Radial, 6, 2, 350.0));
    assert_eq!(row("SW1"), (ExposureKind::Radial, 3, 1, 300.0));
    assert_eq!(row("F1"), (ExposureKind::Radial, 1, 1, 50.0));
    assert_eq!(row("TIE"), (ExposureKind::NotPassing, 0, 0, 0.0));
    assert_eq!(row("CB2"), (ExposureKind::Radial, 1, 0, 0.0));
    assert_eq!(x.switches.len(), 5);
}

#[test]
fn apply_rebuilds_only_the_touched_feeder() {
    let (net, mut topo) = setup();
    let applied = topo
        .apply(&[Operation::open(net.line_id("F1").unwrap())])
        .unwrap();
    assert_eq!(applied.changed_elements, 1);
    assert_eq!(applied.rebuilt_components, 1);
    assert_eq!(
        applied.rebuilt_points, 6,
        "feeder 1 without E; feeder 2 untouched"
    );
    assert!(!topo.is_energized(net.point_id("E").unwrap()));
    assert_eq!(topo.energized_count(), 8);
    let mut state = NetworkState::normal(&net);
    state
        .apply(&net, &[Operation::open(net.line_id("F1").unwrap())])
        .unwrap();
    assert_eq!(topo.state(), &state);
}

#[test]
fn critical_customers_come_first_in_reports() {
    let mut d = small();
    d.customers[0].importance = Importance::Normal;
    d.customers
        .push(gridserve::network::records::CustomerRecord {
            importance: Importance::SpecialClass,
            number: "C0".into(),
            ..d.customers[0].clone()
        });
    let net = Arc::new(Network::from_data(&d).unwrap());
    let topo = Topology::normal(net.clone());
    let out = topo
        .fault(ElementId::Line(net.line_id("L1").unwrap()))
        .unwrap();
    let r = out.scope.report(&topo).unwrap();
    let order: Vec<(&str, Importance)> = r
        .customers
        .iter()
        .map(|c| (c.number.as_str(), c.importance))
        .collect();
    assert_eq!(
        order,
        [
            ("C0", Importance::SpecialClass),
            ("C2", Importance::FirstClass),
            ("C1", Importance::Normal)
        ]
    );
    let sk = net
        .line(net.line_id("F1").unwrap())
        .as_switch()
        .unwrap()
        .kind;
    assert_eq!(sk, SwitchKind::Fuse);
}
