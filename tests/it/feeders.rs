//! Hand-built feeders shared by the capacity, restoration and inference tests.
//!
//! ```text
//!  SA (1000 kVA)
//!  BUSA -CBA- A1 -LA1- A2 -S1- A3 -LA2- A4 -S2- A5 -LA3- A6
//!                 (100 kW)         (200 kW)          (150 kW)
//!                                   |                  |
//!                                  T2 (open, manual)  T1 (open, remote)
//!                                   |                  |
//!  SC (500 kVA)                     |                  |
//!  BUSC -CBC- C1 -LC1- C2 ----------+                  |
//!                      (100 kW)                        |
//!  SB (1000 kVA)                                       |
//!  BUSB -CBB- B1 -LB1- B2 -LB2- B3 --------------------+
//!                      (300 kW)
//! ```
//!
//! Breakers CBA, CBB, CBC are protective and remote; S1 is a remote load-break switch, S2 a
//! manual one; A4 also has a fused tap F4 to A7 (50 kW). Customers sit on the points shown, one
//! per point (numbers `C-<point>`). Every segment is rated 100 A (1,732.05 kVA at 10 kV) except
//! LB2, rated 20 A (346.41 kVA at 10 kV).

use gridserve::network::records::*;

fn point(asset: &str, kind: PointKind) -> PointRecord {
    PointRecord {
        asset: asset.into(),
        kind,
        name: None,
        in_service: true,
    }
}

fn segment(asset: &str, from: &str, to: &str, rated_a: f64) -> SegmentRecord {
    SegmentRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        kind: SegmentKind::Overhead,
        length_m: 1000.0,
        rated_current_a: Some(rated_a),
        in_service: true,
    }
}

pub(crate) fn switch(
    asset: &str,
    from: &str,
    to: &str,
    kind: SwitchKind,
    normally_open: bool,
    remote: bool,
) -> SwitchRecord {
    SwitchRecord {
        asset: asset.into(),
        from: from.into(),
        to: to.into(),
        kind,
        normally_open,
        protective: kind.protective_by_default(),
        remote,
        in_service: true,
    }
}

fn customer(point: &str, load_kw: f64) -> CustomerRecord {
    CustomerRecord {
        number: format!("C-{point}"),
        name: None,
        point: point.into(),
        contracted_kva: load_kw * 2.0,
        load_kw,
        importance: Importance::Normal,
        contacts: Vec::new(),
    }
}

fn source(asset: &str, point: &str, capacity_kva: f64) -> SourceRecord {
    SourceRecord {
        asset: asset.into(),
        point: point.into(),
        name: None,
        capacity_kva,
        in_service: true,
    }
}

/// The three feeders drawn in the module documentation.
pub(crate) fn three_feeders() -> NetworkData {
    use SwitchKind::*;
    let mut points: Vec<PointRecord> = ["BUSA", "BUSB", "BUSC"]
        .iter()
        .map(|a| point(a, PointKind::SubstationBus))
        .collect();
    for a in [
        "A1", "A2", "A3", "A4", "A5", "A6", "A7", "B1", "B2", "B3", "C1", "C2",
    ] {
        points.push(point(a, PointKind::Pole));
    }
    NetworkData {
        points,
        segments: vec![
            segment("LA1", "A1", "A2", 100.0),
            segment("LA2", "A3", "A4", 100.0),
            segment("LA3", "A5", "A6", 100.0),
            segment("LB1", "B1", "B2", 100.0),
            segment("LB2", "B2", "B3", 20.0),
            segment("LC1", "C1", "C2", 100.0),
        ],
        switches: vec![
            switch("CBA", "BUSA", "A1", Breaker, false, true),
            switch("S1", "A2", "A3", LoadBreakSwitch, false, true),
            switch("S2", "A4", "A5", LoadBreakSwitch, false, false),
            switch("F4", "A4", "A7", Fuse, false, false),
            switch("CBB", "BUSB", "B1", Breaker, false, true),
            switch("CBC", "BUSC", "C1", Breaker, false, true),
            switch("T1", "A6", "B3", LoadBreakSwitch, true, true),
            switch("T2", "A4", "C2", LoadBreakSwitch, true, false),
        ],
        sources: vec![
            source("SA", "BUSA", 1000.0),
            source("SB", "BUSB", 1000.0),
            source("SC", "BUSC", 500.0),
        ],
        customers: vec![
            customer("A2", 100.0),
            customer("A4", 200.0),
            customer("A6", 150.0),
            customer("A7", 50.0),
            customer("B2", 300.0),
            customer("C2", 100.0),
        ],
        ..NetworkData::default()
    }
}
