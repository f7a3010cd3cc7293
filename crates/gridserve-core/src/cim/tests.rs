//! The CIM reader on a small feeder worked by hand, and on each kind of bad input.

use super::*;
use crate::ErrorInfo;
use crate::network::{Operation, Topology};

/// A 10 kV feeder, drawn:
///
/// ```text
///  SRC-1 (8 MW) ─ BUS ─[CB-1]─ N1 ──L-1 (0.85 km)── N2 ─[LBS-1, normally open]─ N3 ─ G-1 (machine)
///                                                   │
///                                                  T-1 (end 1: 10.5 kV, 0.4 MVA) ─ LV1 ─ C-1 (120 kW)
/// ```
///
/// Traps a reader must get right, each on purpose: LBS-1's terminals come in the file in the
/// order of sequence numbers 2 then 1; T-1's low-voltage end is written before its high-voltage
/// end; CB-1 sits in a bay of a voltage level of SUB-1, L-1 in feeder F-10 energised from SUB-1;
/// the BaseVoltage and the shunt (with its terminal) are outside the subset; an entity (`&amp;`)
/// is in a name.
pub(crate) const FEEDER: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/2013/CIM-schema-cim16#">
  <cim:Substation rdf:ID="_SUB"><cim:IdentifiedObject.name>SUB-1</cim:IdentifiedObject.name></cim:Substation>
  <cim:VoltageLevel rdf:ID="_VL"><cim:IdentifiedObject.name>VL-10</cim:IdentifiedObject.name>
    <cim:VoltageLevel.Substation rdf:resource="#_SUB"/></cim:VoltageLevel>
  <cim:Bay rdf:ID="_BAY"><cim:IdentifiedObject.name>BAY-1</cim:IdentifiedObject.name>
    <cim:Bay.VoltageLevel rdf:resource="#_VL"/></cim:Bay>
  <cim:Feeder rdf:ID="_F10"><cim:IdentifiedObject.name>F-10</cim:IdentifiedObject.name>
    <cim:Feeder.NormalEnergizingSubstation rdf:resource="#_SUB"/></cim:Feeder>
  <cim:BaseVoltage rdf:ID="_BV10"><cim:BaseVoltage.nominalVoltage>10</cim:BaseVoltage.nominalVoltage></cim:BaseVoltage>
  <cim:ConnectivityNode rdf:ID="_BUS"><cim:IdentifiedObject.name>BUS</cim:IdentifiedObject.name>
    <cim:ConnectivityNode.ConnectivityNodeContainer rdf:resource="#_VL"/></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_N1"><cim:IdentifiedObject.name>N1</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_N2"><cim:IdentifiedObject.name>N2</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_N3"><cim:IdentifiedObject.name>N3</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_LV1"><cim:IdentifiedObject.name>LV1</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ExternalNetworkInjection rdf:ID="_SRC"><cim:IdentifiedObject.name>SRC-1</cim:IdentifiedObject.name>
    <cim:ExternalNetworkInjection.maxP>8</cim:ExternalNetworkInjection.maxP>
    <cim:Equipment.EquipmentContainer rdf:resource="#_VL"/></cim:ExternalNetworkInjection>
  <cim:Terminal rdf:ID="_SRC_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_SRC"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_BUS"/></cim:Terminal>
  <cim:Breaker rdf:ID="_CB1"><cim:IdentifiedObject.name>CB-1</cim:IdentifiedObject.name>
    <cim:Switch.normalOpen>false</cim:Switch.normalOpen>
    <cim:Equipment.EquipmentContainer rdf:resource="#_BAY"/></cim:Breaker>
  <cim:Terminal rdf:ID="_CB1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_CB1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_BUS"/>
    <cim:ACDCTerminal.sequenceNumber>1</cim:ACDCTerminal.sequenceNumber></cim:Terminal>
  <cim:Terminal rdf:ID="_CB1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_CB1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N1"/>
    <cim:ACDCTerminal.sequenceNumber>2</cim:ACDCTerminal.sequenceNumber></cim:Terminal>
  <cim:ACLineSegment rdf:ID="_L1"><cim:IdentifiedObject.name>L-1</cim:IdentifiedObject.name>
    <cim:Conductor.length>0.85</cim:Conductor.length>
    <cim:Equipment.EquipmentContainer rdf:resource="#_F10"/></cim:ACLineSegment>
  <cim:Terminal rdf:ID="_L1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
  <cim:Terminal rdf:ID="_L1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
  <cim:LoadBreakSwitch rdf:ID="_LBS1"><cim:IdentifiedObject.name>LBS-1</cim:IdentifiedObject.name>
    <cim:Switch.normalOpen>true</cim:Switch.normalOpen>
    <cim:Equipment.EquipmentContainer rdf:resource="#_F10"/></cim:LoadBreakSwitch>
  <cim:Terminal rdf:ID="_LBS1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_LBS1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N3"/>
    <cim:ACDCTerminal.sequenceNumber>2</cim:ACDCTerminal.sequenceNumber></cim:Terminal>
  <cim:Terminal rdf:ID="_LBS1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_LBS1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N2"/>
    <cim:ACDCTerminal.sequenceNumber>1</cim:ACDCTerminal.sequenceNumber></cim:Terminal>
  <cim:PowerTransformer rdf:ID="_T1"><cim:IdentifiedObject.name>T-1 Elm &amp; Oak</cim:IdentifiedObject.name>
    <cim:Equipment.EquipmentContainer rdf:resource="#_F10"/></cim:PowerTransformer>
  <cim:Terminal rdf:ID="_T1_LV"><cim:Terminal.ConductingEquipment rdf:resource="#_T1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_LV1"/></cim:Terminal>
  <cim:Terminal rdf:ID="_T1_HV"><cim:Terminal.ConductingEquipment rdf:resource="#_T1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
  <cim:PowerTransformerEnd rdf:ID="_T1_E2"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_T1"/>
    <cim:TransformerEnd.Terminal rdf:resource="#_T1_LV"/><cim:TransformerEnd.endNumber>2</cim:TransformerEnd.endNumber>
    <cim:PowerTransformerEnd.ratedS>0.4</cim:PowerTransformerEnd.ratedS><cim:PowerTransformerEnd.ratedU>0.4</cim:PowerTransformerEnd.ratedU></cim:PowerTransformerEnd>
  <cim:PowerTransformerEnd rdf:ID="_T1_E1"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_T1"/>
    <cim:TransformerEnd.Terminal rdf:resource="#_T1_HV"/><cim:TransformerEnd.endNumber>1</cim:TransformerEnd.endNumber>
    <cim:PowerTransformerEnd.ratedS>0.4</cim:PowerTransformerEnd.ratedS><cim:PowerTransformerEnd.ratedU>10.5</cim:PowerTransformerEnd.ratedU></cim:PowerTransformerEnd>
  <cim:EnergyConsumer rdf:ID="_C1"><cim:IdentifiedObject.name>C-1</cim:IdentifiedObject.name>
    <cim:EnergyConsumer.pfixed>0.12</cim:EnergyConsumer.pfixed></cim:EnergyConsumer>
  <cim:Terminal rdf:ID="_C1_T"><cim:Terminal.ConductingEquipment rdf:resource="#_C1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_LV1"/></cim:Terminal>
  <cim:SynchronousMachine rdf:ID="_G1"><cim:IdentifiedObject.name>G-1</cim:IdentifiedObject.name>
    <cim:RotatingMachine.ratedS>0.5</cim:RotatingMachine.ratedS></cim:SynchronousMachine>
  <cim:Terminal rdf:ID="_G1_T"><cim:Terminal.ConductingEquipment rdf:resource="#_G1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N3"/></cim:Terminal>
  <cim:LinearShuntCompensator rdf:ID="_SH1"><cim:IdentifiedObject.name>SH-1</cim:IdentifiedObject.name></cim:LinearShuntCompensator>
  <cim:Terminal rdf:ID="_SH1_T"><cim:Terminal.ConductingEquipment rdf:resource="#_SH1"/>
    <cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
</rdf:RDF>
"##;

fn read(xml: &str) -> Result<CimModel, CimError> {
    read_cim(xml.as_bytes(), "feeder.xml", &CimOptions::default())
}

/// The line (1-based) of the first line of `xml` containing `needle`.
fn line_of(xml: &str, needle: &str) -> u64 {
    xml.lines()
        .position(|l| l.contains(needle))
        .expect("needle") as u64
        + 1
}

fn row(m: &CimModel, asset: &str) -> CimDevice {
    m.devices
        .iter()
        .find(|d| d.asset == asset)
        .cloned()
        .expect(asset)
}

#[test]
fn the_hand_worked_feeder_reads_row_for_row() {
    let m = read(FEEDER).unwrap();
    let assets: Vec<&str> = m.devices.iter().map(|d| d.asset.as_str()).collect();
    // File order; G-1 (a machine) and SH-1 (a shunt) are not read by default.
    assert_eq!(
        assets,
        ["SRC-1", "CB-1", "L-1", "LBS-1", "T-1 Elm & Oak", "C-1"]
    );
    let nodes: Vec<&str> = m.nodes.iter().map(|n| n.asset.as_str()).collect();
    assert_eq!(nodes, ["BUS", "N1", "N2", "N3", "LV1"]);

    let src = row(&m, "SRC-1");
    assert_eq!(
        (src.kind, src.node_a.as_str(), src.node_b.as_deref()),
        (DeviceType::Source, "BUS", None)
    );
    assert_eq!(src.rated_kva, Some(8000.0)); // maxP 8 MW
    assert_eq!(src.substation.as_deref(), Some("SUB-1")); // VL-10 → SUB-1

    let cb = row(&m, "CB-1");
    assert_eq!(
        (cb.node_a.as_str(), cb.node_b.as_deref()),
        ("BUS", Some("N1"))
    );
    assert_eq!(cb.normal_open, Some(false));
    // BAY-1 → VL-10 → SUB-1; no feeder on that chain.
    assert_eq!((cb.feeder, cb.substation.as_deref()), (None, Some("SUB-1")));
    assert_eq!((cb.mrid.as_str(), cb.class.as_str()), ("CB1", "Breaker"));
    assert_eq!(cb.line, line_of(FEEDER, "rdf:ID=\"_CB1\""));

    let l1 = row(&m, "L-1");
    assert_eq!((l1.kind, l1.length_m), (DeviceType::Segment, Some(850.0))); // 0.85 km
    assert_eq!(
        (l1.feeder.as_deref(), l1.substation.as_deref()),
        (Some("F-10"), Some("SUB-1"))
    );
    assert_eq!(l1.normal_open, None);

    // Terminals in file order are seq 2 (N3), then seq 1 (N2): node_a is sequence number 1.
    let lbs = row(&m, "LBS-1");
    assert_eq!(
        (lbs.node_a.as_str(), lbs.node_b.as_deref()),
        ("N2", Some("N3"))
    );
    assert_eq!(
        (lbs.kind, lbs.normal_open),
        (DeviceType::LoadBreakSwitch, Some(true))
    );

    // The LV end comes first in the file; the HV end (10.5 kV > 0.4 kV, endNumber 1) is node_a.
    let t1 = row(&m, "T-1 Elm & Oak");
    assert_eq!(
        (t1.node_a.as_str(), t1.node_b.as_deref()),
        ("N2", Some("LV1"))
    );
    assert_eq!(t1.rated_kva, Some(400.0)); // 0.4 MVA

    let c1 = row(&m, "C-1");
    assert_eq!(
        (c1.kind, c1.node_a.as_str(), c1.load_kw),
        (DeviceType::Consumer, "LV1", Some(120.0))
    );
}

#[test]
fn the_feeder_builds_a_network_whose_scope_is_worked_by_hand() {
    let m = read(FEEDER).unwrap();
    let data = m.to_network_data(&CimOptions::default()).unwrap();
    assert_eq!(data.points.len(), 5);
    assert_eq!(
        (
            data.segments.len(),
            data.switches.len(),
            data.transformers.len()
        ),
        (1, 2, 1)
    );
    assert_eq!(data.customers[0].point, "LV1");
    assert!(
        data.switches
            .iter()
            .any(|s| s.asset == "LBS-1" && s.normally_open && !s.protective)
    );
    assert!(
        data.switches
            .iter()
            .any(|s| s.asset == "CB-1" && s.protective)
    );
    let net = std::sync::Arc::new(m.to_network(&CimOptions::default()).unwrap());
    let topo = Topology::normal(net.clone());
    // Normally: BUS, N1, N2, LV1 energised; N3 lies behind the open LBS-1.
    let on: Vec<&str> = topo
        .energized_points()
        .map(|p| net.point_asset(p))
        .collect();
    assert_eq!(on.len(), 4);
    assert!(!topo.is_energized(net.point_id("N3").unwrap()));
    // Opening CB-1 cuts N1, N2 and LV1, and C-1 with them.
    let cb = net.line_id("CB-1").unwrap();
    let scope = topo.scope(&[Operation::open(cb)]).unwrap();
    let mut cut: Vec<&str> = scope
        .point_ids(&topo)
        .unwrap()
        .into_iter()
        .map(|p| net.point_asset(p))
        .collect();
    cut.sort_unstable();
    assert_eq!(cut, ["LV1", "N1", "N2"]);
    assert_eq!(scope.customer_ids(&topo).unwrap().len(), 1);
}

#[test]
fn machines_are_sources_only_when_asked() {
    let options = CimOptions {
        machines_as_sources: true,
        ..CimOptions::default()
    };
    let m = read_cim(FEEDER.as_bytes(), "feeder.xml", &options).unwrap();
    let g = row(&m, "G-1");
    assert_eq!(
        (g.kind, g.node_a.as_str(), g.rated_kva),
        (DeviceType::Source, "N3", Some(500.0))
    );
    assert_eq!(m.to_network_data(&options).unwrap().sources.len(), 2);
}

#[test]
fn the_mrid_can_be_the_asset_number() {
    let options = CimOptions {
        asset_id: AssetId::Mrid,
        ..CimOptions::default()
    };
    let m = read_cim(FEEDER.as_bytes(), "feeder.xml", &options).unwrap();
    let t = m.devices.iter().find(|d| d.mrid == "T1").unwrap();
    assert_eq!(
        (t.asset.as_str(), t.node_a.as_str(), t.node_b.as_deref()),
        ("T1", "N2", Some("LV1"))
    );
    assert_eq!(t.name.as_deref(), Some("T-1 Elm & Oak"));
}

#[test]
fn a_source_without_capacity_needs_a_default() {
    let xml = FEEDER.replace(
        "<cim:ExternalNetworkInjection.maxP>8</cim:ExternalNetworkInjection.maxP>",
        "",
    );
    let m = read(&xml).unwrap();
    match m.to_network_data(&CimOptions::default()) {
        Err(CimError::Missing { attribute, id, .. }) => {
            assert_eq!(
                (&*attribute, &*id),
                ("ExternalNetworkInjection.maxP", "SRC")
            );
        }
        other => panic!("{other:?}"),
    }
    let options = CimOptions {
        source_capacity_kva: Some(5000.0),
        ..CimOptions::default()
    };
    assert_eq!(
        m.to_network_data(&options).unwrap().sources[0].capacity_kva,
        5000.0
    );
    let bad = CimOptions {
        source_capacity_kva: Some(f64::NAN),
        ..CimOptions::default()
    };
    assert!(matches!(
        m.to_network_data(&bad),
        Err(CimError::InvalidOption { .. })
    ));
}

#[test]
fn a_malformed_element_names_its_line() {
    // An end tag that does not match: the breaker's normalOpen closes as something else.
    let xml = FEEDER.replace(
        "<cim:Switch.normalOpen>false</cim:Switch.normalOpen>",
        "<cim:Switch.normalOpen>false</cim:Switch.normalOpn>",
    );
    match read(&xml) {
        Err(CimError::Xml {
            file,
            line,
            element,
            ..
        }) => {
            assert_eq!(&*file, "feeder.xml");
            assert_eq!(line, line_of(&xml, "normalOpn"));
            assert_eq!(&*element, "Breaker");
        }
        other => panic!("{other:?}"),
    }
    // An attribute without quotes.
    let xml = FEEDER.replace("rdf:ID=\"_N2\"", "rdf:ID=_N2");
    match read(&xml) {
        Err(CimError::Xml { line, .. }) => assert_eq!(line, line_of(&xml, "rdf:ID=_N2")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_terminal_at_an_unknown_node_is_named() {
    let xml = FEEDER.replace(
        "<cim:Terminal.ConnectivityNode rdf:resource=\"#_N2\"/></cim:Terminal>\n  <cim:LoadBreakSwitch",
        "<cim:Terminal.ConnectivityNode rdf:resource=\"#_N9\"/></cim:Terminal>\n  <cim:LoadBreakSwitch",
    );
    match read(&xml) {
        Err(CimError::UnknownReference {
            line,
            element,
            id,
            attribute,
            target,
            ..
        }) => {
            assert_eq!(line, line_of(&xml, "rdf:ID=\"_L1_T2\""));
            assert_eq!((&*element, &*id), ("Terminal", "L1_T2"));
            assert_eq!((&*attribute, &*target), ("Terminal.ConnectivityNode", "N9"));
        }
        other => panic!("{other:?}"),
    }
    // A terminal at a device instead of a node.
    let xml = FEEDER.replace("<cim:Terminal.ConnectivityNode rdf:resource=\"#_LV1\"/></cim:Terminal>\n  <cim:SynchronousMachine",
        "<cim:Terminal.ConnectivityNode rdf:resource=\"#_L1\"/></cim:Terminal>\n  <cim:SynchronousMachine");
    match read(&xml) {
        Err(CimError::UnknownReference { reason, .. }) => {
            assert!(reason.contains("ACLineSegment"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_device_with_three_terminals_is_refused() {
    let extra = "  <cim:Terminal rdf:ID=\"_CB1_T3\"><cim:Terminal.ConductingEquipment rdf:resource=\"#_CB1\"/>\n    <cim:Terminal.ConnectivityNode rdf:resource=\"#_N3\"/></cim:Terminal>\n</rdf:RDF>";
    let xml = FEEDER.replace("</rdf:RDF>", extra);
    match read(&xml) {
        Err(e @ CimError::WrongCount { .. }) => {
            let CimError::WrongCount {
                line,
                element,
                id,
                what,
                count,
                expected,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*line, line_of(&xml, "rdf:ID=\"_CB1\""));
            assert_eq!((&**element, &**id, *what), ("Breaker", "CB1", "terminals"));
            assert_eq!((*count, *expected), (3, 2));
            assert_eq!(
                e.to_string(),
                format!("feeder.xml:{line}: Breaker \"CB1\": 3 terminals, 2 expected")
            );
        }
        other => panic!("{other:?}"),
    }
    // A segment with one terminal.
    let xml = FEEDER.replace("<cim:Terminal rdf:ID=\"_L1_T2\"><cim:Terminal.ConductingEquipment rdf:resource=\"#_L1\"/>", "<cim:Terminal rdf:ID=\"_L1_T2\"><cim:Terminal.ConductingEquipment rdf:resource=\"#_CB1\"/>");
    assert!(matches!(
        read(&xml),
        Err(CimError::WrongCount { count: 3, .. })
    ));
}

#[test]
fn a_duplicate_mrid_names_both_lines() {
    let xml = FEEDER.replace("rdf:ID=\"_LBS1\"", "rdf:ID=\"_CB1\"");
    match read(&xml) {
        Err(CimError::DuplicateId {
            line,
            element,
            id,
            first_element,
            first_line,
            ..
        }) => {
            assert_eq!(line, line_of(&xml, "<cim:LoadBreakSwitch"));
            assert_eq!(first_line, line_of(&xml, "<cim:Breaker"));
            assert_eq!(
                (&*element, &*id, &*first_element),
                ("LoadBreakSwitch", "CB1", "Breaker")
            );
        }
        other => panic!("{other:?}"),
    }
    // rdf:about="#_x" names the same object as rdf:ID="_x".
    let xml = FEEDER.replace("rdf:ID=\"_LBS1\"", "rdf:about=\"#_N1\"");
    assert!(matches!(read(&xml), Err(CimError::DuplicateId { .. })));
}

#[test]
fn a_non_numeric_length_names_element_and_attribute() {
    let xml = FEEDER.replace("<cim:Conductor.length>0.85<", "<cim:Conductor.length>0,85<");
    match read(&xml) {
        Err(e @ CimError::Value { .. }) => {
            let CimError::Value {
                line,
                element,
                id,
                attribute,
                value,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*line, line_of(&xml, "Conductor.length"));
            assert_eq!((&**element, &**id), ("ACLineSegment", "L1"));
            assert_eq!((&**attribute, &**value), ("Conductor.length", "0,85"));
            assert_eq!(e.kind(), "value");
            assert_eq!(e.class(), "ParseError");
        }
        other => panic!("{other:?}"),
    }
    for bad in ["NaN", "-1", "inf", ""] {
        let xml = FEEDER.replace(
            "<cim:Conductor.length>0.85<",
            &format!("<cim:Conductor.length>{bad}<"),
        );
        assert!(matches!(read(&xml), Err(CimError::Value { .. })), "{bad}");
    }
    // A rating whose kVA would overflow (Java's Double.MAX_VALUE, written by some tools for
    // "unlimited").
    let xml = FEEDER.replace(
        "<cim:RotatingMachine.ratedS>0.5<",
        "<cim:RotatingMachine.ratedS>1.7976931348623157E308<",
    );
    match read(&xml) {
        Err(CimError::Value { attribute, id, .. }) => {
            assert_eq!((&*attribute, &*id), ("RotatingMachine.ratedS", "G1"));
        }
        other => panic!("{other:?}"),
    }
    let xml = FEEDER.replace(
        "<cim:Switch.normalOpen>true<",
        "<cim:Switch.normalOpen>yes please<",
    );
    assert!(matches!(read(&xml), Err(CimError::Value { .. })));
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    // Cut the file at every byte: each prefix short of the whole file is an error (the root
    // is closed only by the final `</rdf:RDF>`), and none panics.
    let end = FEEDER.rfind("</rdf:RDF>").unwrap();
    for cut in (0..end).filter(|&i| FEEDER.is_char_boundary(i)) {
        assert!(read(&FEEDER[..cut]).is_err(), "cut at {cut}");
    }
    match read(&FEEDER[..FEEDER.find("<cim:PowerTransformer ").unwrap()]) {
        Err(CimError::Xml { message, line, .. }) => {
            assert!(message.contains("truncated"), "{message}");
            assert_eq!(line, line_of(FEEDER, "<cim:PowerTransformer "));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_bad_documents_are_refused() {
    assert!(matches!(read(""), Err(CimError::Xml { .. })));
    assert!(matches!(read("<root/>"), Err(CimError::Xml { .. })));
    // An object without an id.
    let xml = FEEDER.replace(
        "<cim:ConnectivityNode rdf:ID=\"_N3\">",
        "<cim:ConnectivityNode>",
    );
    assert!(matches!(read(&xml), Err(CimError::Xml { .. })));
    // A terminal without its node.
    let xml = FEEDER.replace(
        "<cim:Terminal.ConnectivityNode rdf:resource=\"#_BUS\"/></cim:Terminal>\n  <cim:Breaker",
        "</cim:Terminal>\n  <cim:Breaker",
    );
    assert!(matches!(read(&xml), Err(CimError::Missing { .. })));
    // An unknown entity.
    let xml = FEEDER.replace("&amp;", "&nbsp;");
    assert!(matches!(read(&xml), Err(CimError::Xml { .. })));
    // Name mode with a nameless node.
    let xml = FEEDER.replace(
        "<cim:IdentifiedObject.name>N3</cim:IdentifiedObject.name>",
        "",
    );
    assert!(matches!(read(&xml), Err(CimError::Missing { .. })));
}

#[test]
fn a_transformer_with_three_ends_is_refused() {
    let extra = "  <cim:PowerTransformerEnd rdf:ID=\"_T1_E3\"><cim:PowerTransformerEnd.PowerTransformer rdf:resource=\"#_T1\"/></cim:PowerTransformerEnd>\n</rdf:RDF>";
    let xml = FEEDER.replace("</rdf:RDF>", extra);
    assert!(matches!(
        read(&xml),
        Err(CimError::WrongCount {
            what: "ends",
            count: 3,
            ..
        })
    ));
}

#[test]
fn the_error_family_is_complete() {
    crate::error_info::tests::check_examples(&CimError::examples());
}

/// A file of `text` in the system's temporary folder, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "gridserve-cim-{}-{name}-{:?}.xml",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_file_read_in_two_parts_equals_one_pass_wherever_it_is_split() {
    // The hand-worked feeder (objects over several lines, references forward and back, classes
    // outside the subset, an entity) and a generated network, each split at 39 places: the
    // records (ids, classes, lines, references) are those of one pass, symbol for symbol.
    let data = gridserve_synth::generate(&gridserve_synth::SynthConfig::with_points(400, 7));
    let mut synth = Vec::new();
    gridserve_synth::write_cim(&data, &mut synth).unwrap();
    let synth = String::from_utf8(synth).unwrap();
    let crlf = FEEDER.replace('\n', "\r\n");
    for (name, text, least) in [
        ("feeder", FEEDER, 30),
        ("crlf", crlf.as_str(), 30),
        ("synth", synth.as_str(), 39),
    ] {
        let file = TempFile::new(name, text);
        let whole = format!("{:?}", parse::parse(text.as_bytes(), "f.xml", 0).unwrap());
        let mut splits = 0;
        for k in 1..40u64 {
            let from = text.len() as u64 * k / 40;
            if let Some(raw) = parse::parse_split(&file.0, "f.xml", 64, from) {
                assert_eq!(format!("{raw:?}"), whole, "{name}, split from byte {from}");
                splits += 1;
            }
        }
        assert!(splits >= least, "{name}: only {splits} splits");
    }
}

#[test]
fn a_split_that_cannot_serve_falls_back_to_one_pass() {
    // An id defined before and after the split point: the two-part read gives up (one pass
    // reports the duplicate with both lines).
    let dup = FEEDER.replace(
        "</rdf:RDF>",
        "  <cim:ConnectivityNode rdf:ID=\"_N1\"><cim:IdentifiedObject.name>N1</cim:IdentifiedObject.name></cim:ConnectivityNode>\n</rdf:RDF>",
    );
    let file = TempFile::new("dup", &dup);
    let from = dup.len() as u64 / 2;
    assert!(parse::parse_split(&file.0, "f.xml", 0, from).is_none());
    assert!(matches!(
        read_cim_file(&file.0, &CimOptions::default()),
        Err(CimError::DuplicateId { .. })
    ));
    // A line that looks like an object's start inside a comment: the first part ends inside
    // the comment, so the split is refused.
    let commented = FEEDER.replace(
        "  <cim:ConnectivityNode rdf:ID=\"_N2\">",
        "  <!-- moved:\n  <cim:ConnectivityNode rdf:ID=\"_OLD\"/>\n  -->\n  <cim:ConnectivityNode rdf:ID=\"_N2\">",
    );
    let file = TempFile::new("comment", &commented);
    let at = commented
        .find("<cim:ConnectivityNode rdf:ID=\"_OLD\"")
        .unwrap() as u64
        - 3;
    assert!(parse::parse_split(&file.0, "f.xml", 0, at).is_none());
    // A file whose objects are not on lines of their own cannot be split at all.
    let one_line = FEEDER.replace('\n', "");
    let file = TempFile::new("one-line", &one_line);
    assert!(parse::parse_split(&file.0, "f.xml", 0, 10).is_none());
    // A DOCTYPE or an encoding other than UTF-8 keeps the one-pass read.
    let doctype = FEEDER.replacen("\n", "\n<!DOCTYPE rdf:RDF>\n", 1);
    let file = TempFile::new("doctype", &doctype);
    assert!(parse::parse_split(&file.0, "f.xml", 0, 300).is_none());
}

const CIM_NS: &str = "http://iec.ch/TC57/2013/CIM-schema-cim16#";
const ROOT_NAMESPACES: &str = "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:cim=\"http://iec.ch/TC57/2013/CIM-schema-cim16#\"";

/// The feeder written with other prefixes, a default namespace, or its namespaces declared on
/// inner elements: the same document for a namespace-aware reader, line for line.
fn feeder_namespace_variants() -> Vec<(&'static str, String)> {
    assert!(FEEDER.contains(ROOT_NAMESPACES));
    // Prefixes other than rdf and cim.
    let renamed = FEEDER
        .replace("xmlns:rdf=", "xmlns:r=")
        .replace("xmlns:cim=", "xmlns:c=")
        .replace("rdf:", "r:")
        .replace("cim:", "c:");
    // CIM as the default namespace (element names without a prefix; attributes keep theirs).
    let default = FEEDER.replace("xmlns:cim=", "xmlns=").replace("cim:", "");
    // The root declares only rdf; every object declares cim on itself.
    let inner = FEEDER
        .replace(
            ROOT_NAMESPACES,
            "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"",
        )
        .replace(" rdf:ID=\"", &format!(" xmlns:cim=\"{CIM_NS}\" rdf:ID=\""));
    // Properties that rebind cim to another namespace for themselves (one with content, one
    // empty) and are skipped; the binding of the object around them holds again after them.
    let rebound = FEEDER.replace(
        "<cim:ConnectivityNode rdf:ID=\"_N3\">",
        "<cim:ConnectivityNode rdf:ID=\"_N3\"><cim:IdentifiedObject.name xmlns:cim=\"http://example.com/other#\">X</cim:IdentifiedObject.name><cim:IdentifiedObject.mRID xmlns:cim=\"http://example.com/other#\"/>",
    );
    vec![
        ("renamed", renamed),
        ("default", default),
        ("inner", inner),
        ("rebound", rebound),
    ]
}

#[test]
fn namespaces_are_resolved_wherever_they_are_declared() {
    let expected = read(FEEDER).unwrap();
    for (name, xml) in feeder_namespace_variants() {
        assert_ne!(xml, FEEDER, "{name}");
        assert_eq!(read(&xml).unwrap(), expected, "{name}");
    }
    // A prefix declared on an object is unknown after it: the next object's name is refused.
    let xml = FEEDER
        .replace(
            "<cim:ConnectivityNode rdf:ID=\"_N3\">",
            "<cim:ConnectivityNode xmlns:x=\"http://iec.ch/TC57/2013/CIM-schema-cim16#\" rdf:ID=\"_N3\">",
        )
        .replace(
            "<cim:ACLineSegment rdf:ID=\"_L1\">",
            "<x:ACLineSegment rdf:ID=\"_L1\">",
        )
        .replace("</cim:ACLineSegment>", "</x:ACLineSegment>");
    let err = read(&xml).unwrap_err();
    assert!(
        matches!(&err, CimError::Xml { line, message, .. }
            if *line == line_of(&xml, "<x:ACLineSegment") && message.contains("unknown namespace prefix \"x\"")),
        "{err:?}"
    );
    // The same prefix declared on the object itself reads.
    let xml = xml.replace(
        "<x:ACLineSegment rdf:ID=\"_L1\">",
        &format!("<x:ACLineSegment xmlns:x=\"{CIM_NS}\" rdf:ID=\"_L1\">"),
    );
    assert_eq!(read(&xml).unwrap(), expected);
    // A declaration the namespace rules forbid is an error on its element's line.
    let xml = FEEDER.replace(
        "<cim:ConnectivityNode rdf:ID=\"_N3\">",
        "<cim:ConnectivityNode xmlns:xml=\"http://example.com/\" rdf:ID=\"_N3\">",
    );
    assert!(matches!(
        read(&xml),
        Err(CimError::Xml { line, .. }) if line == line_of(&xml, "xmlns:xml=")
    ));
}

#[test]
fn a_document_nested_beyond_the_resolver_limit_is_refused() {
    // 65,535 open elements is the namespace resolver's limit: one more is an error, not a
    // stack of scopes without end.
    let depth = usize::from(u16::MAX);
    let mut xml = FEEDER.replace(
        "<cim:ConnectivityNode rdf:ID=\"_N3\">",
        "<cim:ConnectivityNode rdf:ID=\"_N3\"><cim:Other.deep>",
    );
    let at = xml.find("<cim:Other.deep>").unwrap() + "<cim:Other.deep>".len();
    xml.insert_str(at, &"<q>".repeat(depth - 3));
    let err = read(&xml).unwrap_err();
    assert!(
        matches!(&err, CimError::Xml { message, .. } if message.contains("deeper than")),
        "{err:?}"
    );
}

#[test]
fn namespace_variants_read_in_two_parts_equal_one_pass() {
    for (name, text) in feeder_namespace_variants() {
        let file = TempFile::new(name, &text);
        let whole = format!("{:?}", parse::parse(text.as_bytes(), "f.xml", 0).unwrap());
        let mut splits = 0;
        for k in 1..40u64 {
            let from = text.len() as u64 * k / 40;
            if let Some(raw) = parse::parse_split(&file.0, "f.xml", 64, from) {
                assert_eq!(format!("{raw:?}"), whole, "{name}, split from byte {from}");
                splits += 1;
            }
        }
        assert!(splits >= 30, "{name}: only {splits} splits");
    }
}

#[test]
fn the_model_built_on_two_threads_equals_one_thread() {
    // Results and first errors (a nameless node, a terminal without its node, a nameless
    // device, the two together: the node's error comes first) are the same either way.
    let data = gridserve_synth::generate(&gridserve_synth::SynthConfig::with_points(400, 3));
    let mut synth = Vec::new();
    gridserve_synth::write_cim(&data, &mut synth).unwrap();
    let synth = String::from_utf8(synth).unwrap();
    let nameless_node = FEEDER.replace(
        "<cim:IdentifiedObject.name>N3</cim:IdentifiedObject.name>",
        "",
    );
    let no_node = FEEDER.replace(
        "<cim:Terminal.ConnectivityNode rdf:resource=\"#_BUS\"/></cim:Terminal>\n  <cim:Breaker",
        "</cim:Terminal>\n  <cim:Breaker",
    );
    let nameless_device = FEEDER.replace(
        "<cim:IdentifiedObject.name>L-1</cim:IdentifiedObject.name>",
        "",
    );
    let both = nameless_device.replace(
        "<cim:IdentifiedObject.name>N3</cim:IdentifiedObject.name>",
        "",
    );
    let mut errors = 0;
    for (name, text) in [
        ("feeder", FEEDER.to_owned()),
        ("synth", synth),
        ("nameless node", nameless_node),
        ("no node", no_node),
        ("nameless device", nameless_device),
        ("both", both),
    ] {
        let raw = parse::parse(text.as_bytes(), "f.xml", 0).unwrap();
        for options in [
            CimOptions::default(),
            CimOptions {
                asset_id: AssetId::Mrid,
                machines_as_sources: true,
                ..CimOptions::default()
            },
        ] {
            let one = resolve::resolve_with(&raw, "f.xml", &options, false);
            let two = resolve::resolve_with(&raw, "f.xml", &options, true);
            errors += usize::from(one.is_err());
            assert_eq!(format!("{two:?}"), format!("{one:?}"), "{name}");
        }
    }
    // Each bad document fails under the name rule; the terminal also under the mRID rule.
    assert_eq!(errors, 5);
}
