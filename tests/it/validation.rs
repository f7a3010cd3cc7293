//! Every validation problem and every refused operation, one test each.

use std::sync::Arc;

use gridserve::network::records::*;
use gridserve::network::{
    Action, ElementId, LineId, Network, NetworkError, NetworkState, Operation, PointId, Problem,
    ProblemKind, RecordKind, Refusal, SourceId, Topology, ValidationOptions,
};

fn point(asset: &str) -> PointRecord {
    PointRecord {
        asset: asset.into(),
        kind: PointKind::Pole,
        name: None,
        in_service: true,
    }
}

fn segment(asset: &str, from: &str, to: &str) -> SegmentRecord {
    SegmentRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        kind: SegmentKind::Overhead,
        length_m: 100.0,
        rated_current_a: Some(400.0),
        in_service: true,
    }
}

fn switch(asset: &str, from: &str, to: &str, protective: bool) -> SwitchRecord {
    SwitchRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        kind: if protective {
            SwitchKind::Breaker
        } else {
            SwitchKind::LoadBreakSwitch
        },
        normally_open: false,
        protective,
        remote: true,
        in_service: true,
    }
}

fn transformer(asset: &str, from: &str, to: &str) -> TransformerRecord {
    TransformerRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        rated_kva: 400.0,
        model: "S11-M-400/10".into(),
        year_in_service: Some(2012),
        usage: TransformerUsage::Dedicated,
        in_service: true,
    }
}

fn source(asset: &str, point: &str) -> SourceRecord {
    SourceRecord {
        asset: asset.into(),
        point: point.into(),
        name: Some("10kV 城关线".into()),
        capacity_kva: 8000.0,
        in_service: true,
    }
}

fn customer(number: &str, point: &str, load_kw: f64, importance: Importance) -> CustomerRecord {
    CustomerRecord {
        number: number.into(),
        name: Some(format!("客户{number}")),
        point: point.into(),
        contracted_kva: 400.0,
        load_kw,
        importance,
        contacts: vec![Contact {
            name: "王工".into(),
            phone: "13800000001".into(),
            role: ContactRole::Electrician,
            level: 1,
        }],
    }
}

/// BUS -CB1(breaker)- A -L1- B -SW1(load-break)- C -L2- D -T1- LV (customer C2, critical)
///                                     B -F1(fuse)- E (customer C1)
/// and a normally-open tie TIE between D and a second feeder BUS2 -CB2- X.
pub(crate) fn small() -> NetworkData {
    let mut tie = switch("TIE", "D", "X", false);
    tie.normally_open = true;
    let mut fuse = switch("F1", "B", "E", true);
    fuse.kind = SwitchKind::Fuse;
    fuse.remote = false;
    NetworkData {
        points: ["BUS", "A", "B", "C", "D", "LV", "E", "BUS2", "X"]
            .into_iter()
            .map(point)
            .collect(),
        segments: vec![segment("L1", "A", "B"), segment("L2", "C", "D")],
        switches: vec![
            switch("CB1", "BUS", "A", true),
            switch("SW1", "B", "C", false),
            fuse,
            tie,
            switch("CB2", "BUS2", "X", true),
        ],
        transformers: vec![transformer("T1", "D", "LV")],
        sources: vec![source("S1", "BUS"), source("S2", "BUS2")],
        customers: vec![
            customer("C1", "E", 50.0, Importance::Normal),
            customer("C2", "LV", 300.0, Importance::FirstClass),
        ],
    }
}

fn problems(data: &NetworkData) -> Vec<Problem> {
    match Network::from_data(data) {
        Err(NetworkError::Invalid { problems }) => problems.0,
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn only(data: &NetworkData) -> Problem {
    let p = problems(data);
    assert_eq!(p.len(), 1, "{p:#?}");
    p.into_iter().next().unwrap()
}

#[test]
fn the_small_network_is_valid() {
    let net = Network::from_data(&small()).unwrap();
    assert_eq!(net.point_count(), 9);
    assert_eq!(net.line_count(), 8);
    assert_eq!(net.to_data(), small());
}

#[test]
fn duplicate_asset_numbers_across_element_types() {
    let mut d = small();
    d.segments.push(segment("B", "A", "C")); // a line named like a point
    let p = only(&d);
    assert_eq!(
        (p.record, p.id.as_str(), p.field, p.kind),
        (RecordKind::Segment, "B", "asset", ProblemKind::DuplicateId)
    );
    assert_eq!(p.index, 2);

    let mut d = small();
    d.sources.push(source("CB1", "BUS")); // a source named like a switch
    let p = only(&d);
    assert_eq!(
        (p.record, p.value.as_str(), p.kind),
        (RecordKind::Source, "CB1", ProblemKind::DuplicateId)
    );
}

#[test]
fn duplicate_customer_numbers() {
    let mut d = small();
    d.customers
        .push(customer("C1", "E", 1.0, Importance::Normal));
    let p = only(&d);
    assert_eq!(
        (p.record, p.field, p.value.as_str(), p.kind),
        (
            RecordKind::Customer,
            "number",
            "C1",
            ProblemKind::DuplicateId
        )
    );
}

#[test]
fn empty_ids() {
    let mut d = small();
    d.points.push(point(""));
    d.segments.push(segment("L9", "A", ""));
    let p = only(&d);
    assert_eq!(
        (p.record, p.index, p.field, p.kind),
        (RecordKind::Point, 9, "asset", ProblemKind::EmptyId)
    );
    let mut d = small();
    d.segments.push(segment("L9", "A", "")); // an end naming nothing
    let p = only(&d);
    assert_eq!(
        (p.record, p.field, p.value.as_str(), p.kind),
        (RecordKind::Segment, "to", "", ProblemKind::UnknownPoint)
    );
    let mut d = small();
    d.customers[1].number = String::new();
    let p = only(&d);
    assert_eq!(
        (p.record, p.index, p.field, p.kind),
        (RecordKind::Customer, 1, "number", ProblemKind::EmptyId)
    );
}

#[test]
fn dangling_line_ends_name_the_field_and_value() {
    let mut d = small();
    d.switches.push(switch("K9", "NOWHERE", "A", false));
    let p = only(&d);
    assert_eq!(
        (p.record, p.id.as_str(), p.field, p.value.as_str(), p.kind),
        (
            RecordKind::Switch,
            "K9",
            "from",
            "NOWHERE",
            ProblemKind::UnknownPoint
        )
    );
}

#[test]
fn self_loops() {
    let mut d = small();
    d.transformers.push(transformer("T9", "A", "A"));
    let p = only(&d);
    assert_eq!(
        (p.record, p.id.as_str(), p.kind),
        (RecordKind::Transformer, "T9", ProblemKind::SelfLoop)
    );
}

#[test]
fn customers_and_sources_on_unknown_points() {
    let mut d = small();
    d.customers
        .push(customer("C9", "MISSING", 1.0, Importance::Normal));
    d.sources.push(source("S9", "ALSO-MISSING"));
    let p = problems(&d);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(
        p.iter()
            .any(|p| p.record == RecordKind::Customer && p.value == "MISSING")
    );
    assert!(p.iter().any(|p| p.record == RecordKind::Source
        && p.field == "point"
        && p.value == "ALSO-MISSING"));
}

#[test]
fn sources_with_nothing_attached_and_isolated_points() {
    let mut d = small();
    d.points.push(point("LONELY"));
    d.sources.push(source("S9", "LONELY"));
    let p = only(&d);
    assert_eq!(
        (p.record, p.kind),
        (RecordKind::Source, ProblemKind::SourceFeedsNothing)
    );

    let mut d = small();
    d.points.push(point("ISLAND"));
    let p = only(&d);
    assert_eq!(
        (p.record, p.id.as_str(), p.kind),
        (RecordKind::Point, "ISLAND", ProblemKind::DanglingPoint)
    );
    let net = Network::from_data_with(
        &d,
        ValidationOptions {
            allow_isolated_points: true,
        },
    )
    .unwrap();
    let topo = Topology::normal(Arc::new(net));
    assert!(!topo.is_energized(topo.network().point_id("ISLAND").unwrap()));
}

#[test]
fn negative_nan_and_infinite_numbers() {
    let mut d = small();
    d.segments[0].length_m = -1.0;
    d.segments[1].rated_current_a = Some(0.0);
    d.transformers[0].rated_kva = f64::NAN;
    d.sources[0].capacity_kva = f64::INFINITY;
    d.customers[0].load_kw = -5.0;
    d.customers[1].contracted_kva = f64::NAN;
    let p = problems(&d);
    let got: Vec<(&str, &str, ProblemKind)> =
        p.iter().map(|p| (p.id.as_str(), p.field, p.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("L1", "length_m", ProblemKind::Negative),
            ("L2", "rated_current_a", ProblemKind::NotPositive),
            ("T1", "rated_kva", ProblemKind::NotFinite),
            ("S1", "capacity_kva", ProblemKind::NotFinite),
            ("C1", "load_kw", ProblemKind::Negative),
            ("C2", "contracted_kva", ProblemKind::NotFinite),
        ]
    );
    assert_eq!(p[0].value, "-1");
    assert_eq!(p[2].value, "NaN");
}

#[test]
fn contacts_need_a_name_a_phone_and_a_level() {
    let mut d = small();
    d.customers[0].contacts.push(Contact {
        name: " ".into(),
        phone: String::new(),
        role: ContactRole::Finance,
        level: 0,
    });
    let p = problems(&d);
    let got: Vec<(&str, &str, ProblemKind)> =
        p.iter().map(|p| (p.id.as_str(), p.field, p.kind)).collect();
    assert_eq!(
        got,
        vec![
            ("C1#2", "name", ProblemKind::Empty),
            ("C1#2", "phone", ProblemKind::Empty),
            ("C1#2", "level", ProblemKind::OutOfRange),
        ]
    );
}

#[test]
fn all_problems_are_reported_at_once_and_displayed() {
    let mut d = small();
    d.segments.push(segment("L1", "A", "A"));
    d.customers
        .push(customer("C1", "ZZ", f64::NAN, Importance::Normal));
    let err = Network::from_data(&d).unwrap_err();
    let NetworkError::Invalid { problems } = &err else {
        panic!()
    };
    assert_eq!(problems.0.len(), 5, "{problems}");
    let text = err.to_string();
    assert!(
        text.contains("segment \"L1\" (record 3): asset = \"L1\" is already used"),
        "{text}"
    );
    assert!(
        text.contains("customer \"C1\" (record 3): point = \"ZZ\" names no known point"),
        "{text}"
    );
}

#[test]
fn lookups_refuse_unknown_ids() {
    let net = Network::from_data(&small()).unwrap();
    assert!(
        matches!(net.element("NOPE"), Err(NetworkError::UnknownElement { asset }) if asset == "NOPE")
    );
    assert!(matches!(
        net.customer_id("C404"),
        Err(NetworkError::UnknownCustomer { .. })
    ));
    assert_eq!(net.element("S2").unwrap(), ElementId::Source(SourceId(1)));
    assert!(matches!(
        net.check(ElementId::Line(LineId(99))),
        Err(NetworkError::IdOutOfRange {
            kind: "line",
            id: 99,
            len: 8
        })
    ));
}

fn refused(net: &Network, state: &NetworkState, action: Action, asset: &str) -> Refusal {
    let op = Operation::on(net, action, asset).unwrap();
    let mut s = state.clone();
    match s.apply(net, &[op]) {
        Err(NetworkError::Refused {
            reason,
            asset: a,
            action: act,
        }) => {
            assert_eq!((a.as_str(), act), (asset, action));
            assert_eq!(&s, state, "a refused operation changes nothing");
            reason
        }
        other => panic!("{action} {asset}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_impossible_operation_is_refused_and_changes_nothing() {
    let net = Network::from_data(&small()).unwrap();
    let mut state = NetworkState::normal(&net);
    assert_eq!(
        refused(&net, &state, Action::Open, "L1"),
        Refusal::NotASwitch
    );
    assert_eq!(
        refused(&net, &state, Action::Close, "A"),
        Refusal::NotASwitch
    );
    assert_eq!(
        refused(&net, &state, Action::Open, "S1"),
        Refusal::NotApplicableToSource
    );
    assert_eq!(
        refused(&net, &state, Action::Open, "TIE"),
        Refusal::AlreadyOpen
    );
    assert_eq!(
        refused(&net, &state, Action::Close, "CB1"),
        Refusal::AlreadyClosed
    );
    assert_eq!(
        refused(&net, &state, Action::Repair, "L2"),
        Refusal::NotFaulted
    );
    assert_eq!(
        refused(&net, &state, Action::Restore, "T1"),
        Refusal::AlreadyInService
    );
    let sw = ElementId::Line(net.line_id("SW1").unwrap());
    state
        .apply(
            &net,
            &[
                Operation::open(net.line_id("SW1").unwrap()),
                Operation::fault(sw),
            ],
        )
        .unwrap();
    assert_eq!(
        refused(&net, &state, Action::Fault, "SW1"),
        Refusal::AlreadyFaulted
    );
    assert_eq!(
        refused(&net, &state, Action::Close, "SW1"),
        Refusal::ClosingOntoFault
    );
    state
        .apply(&net, &[Operation::take_out(ElementId::Point(PointId(1)))])
        .unwrap();
    assert_eq!(
        refused(&net, &state, Action::TakeOut, "A"),
        Refusal::AlreadyOutOfService
    );
    // A list is applied whole or not at all.
    let before = state.clone();
    let ok = Operation::open(net.line_id("CB2").unwrap());
    let bad = Operation::on(&net, Action::Open, "L2").unwrap();
    assert!(state.apply(&net, &[ok, bad]).is_err());
    assert_eq!(state, before);
    // Ids from another network and states of another network are refused too.
    let other = Operation::open(LineId(1000));
    assert!(matches!(
        state.apply(&net, &[other]),
        Err(NetworkError::IdOutOfRange { .. })
    ));
    let mut bigger = small();
    bigger.points.push(point("EXTRA"));
    bigger.segments.push(segment("L9", "A", "EXTRA"));
    let big = Network::from_data(&bigger).unwrap();
    assert!(matches!(
        Topology::new(Arc::new(big), state),
        Err(NetworkError::StateMismatch { .. })
    ));
}

#[test]
fn an_empty_points_table_with_lines_is_a_problem_list_not_a_panic() {
    // Every line, source and customer names a point that does not exist: each is reported,
    // and nothing is built from the unknown ends (which used to index an empty graph).
    let data = NetworkData {
        segments: vec![segment("L1", "A", "B")],
        switches: vec![switch("K1", "A", "B", true)],
        transformers: vec![transformer("T1", "A", "B")],
        sources: vec![source("S1", "A")],
        customers: vec![customer("C1", "B", 10.0, Importance::Normal)],
        ..NetworkData::default()
    };
    let found: Vec<(RecordKind, String, &str, String, ProblemKind)> = problems(&data)
        .into_iter()
        .map(|p| (p.record, p.id, p.field, p.value, p.kind))
        .collect();
    let unknown = |record, id: &str, field, value: &str| {
        (
            record,
            id.to_owned(),
            field,
            value.to_owned(),
            ProblemKind::UnknownPoint,
        )
    };
    assert_eq!(
        found,
        [
            unknown(RecordKind::Segment, "L1", "from", "A"),
            unknown(RecordKind::Segment, "L1", "to", "B"),
            unknown(RecordKind::Switch, "K1", "from", "A"),
            unknown(RecordKind::Switch, "K1", "to", "B"),
            unknown(RecordKind::Transformer, "T1", "from", "A"),
            unknown(RecordKind::Transformer, "T1", "to", "B"),
            unknown(RecordKind::Source, "S1", "point", "A"),
            unknown(RecordKind::Customer, "C1", "point", "B"),
        ]
    );
    // A line with one known end on a one-point network: the same, no panic.
    let data = NetworkData {
        points: vec![point("A")],
        segments: vec![segment("L1", "A", "Z")],
        ..NetworkData::default()
    };
    let p = only(&data);
    assert_eq!(
        (p.id.as_str(), p.field, p.value.as_str()),
        ("L1", "to", "Z")
    );
    assert_eq!(p.kind, ProblemKind::UnknownPoint);
}

#[test]
fn a_duplicated_point_does_not_shift_what_later_names_resolve_to() {
    // Points P1, P1 (again), P2. Before the fix the repeated P1 took no id, so every later
    // asset number resolved one place early: P2 resolved to the record of the repeated P1 and
    // the segment L1 counted as a point, so L2's end "L1" was accepted. Now the repeat is the
    // only point problem and L2's "L1" end is an unknown point, named as such.
    let data = NetworkData {
        points: vec![point("P1"), point("P1"), point("P2")],
        segments: vec![segment("L1", "P1", "P2"), segment("L2", "P2", "L1")],
        sources: vec![source("S1", "P1")],
        ..NetworkData::default()
    };
    let found: Vec<(RecordKind, String, usize, &str, String, ProblemKind)> = problems(&data)
        .into_iter()
        .map(|p| (p.record, p.id, p.index, p.field, p.value, p.kind))
        .collect();
    assert_eq!(
        found,
        [
            (
                RecordKind::Point,
                "P1".to_owned(),
                1,
                "asset",
                "P1".to_owned(),
                ProblemKind::DuplicateId
            ),
            (
                RecordKind::Segment,
                "L2".to_owned(),
                1,
                "to",
                "L1".to_owned(),
                ProblemKind::UnknownPoint
            ),
            // The repeated record itself has nothing attached: names find the first P1.
            (
                RecordKind::Point,
                "P1".to_owned(),
                1,
                "asset",
                "P1".to_owned(),
                ProblemKind::DanglingPoint
            ),
        ]
    );
    // The same with a duplicated line: the source after it still resolves its point.
    let data = NetworkData {
        points: vec![point("P1"), point("P2")],
        segments: vec![segment("L1", "P1", "P2"), segment("L1", "P1", "P2")],
        sources: vec![source("S1", "P2")],
        ..NetworkData::default()
    };
    let p = only(&data);
    assert_eq!(
        (p.record, p.index, p.kind),
        (RecordKind::Segment, 1, ProblemKind::DuplicateId)
    );
}
