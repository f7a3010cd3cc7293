//! CIM import checked against an independent tool: the EQ files of `tests/data/cim/` were
//! written by pypowsybl from networks it bundles, and the JSON beside each holds pypowsybl's own
//! connectivity of the same network, taken from its network model (see the README there and
//! `scripts/make_cim_fixtures.py`). Each test reads the EQ file with the CIM reader and asserts
//! that the terminals of lines, transformers, loads and generators are grouped exactly as
//! pypowsybl groups them: by connectivity node, by bus (nodes merged through closed switches),
//! and by bus again after opening each closed switch in turn.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use gridserve::cim::{AssetId, CimDevice, CimModel, CimOptions, DeviceType, read_cim_file};
use serde_json::Value;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cim")
        .join(file)
}

fn options() -> CimOptions {
    // pypowsybl writes the IIDM id as the mRID; generators are SynchronousMachines.
    CimOptions {
        asset_id: AssetId::Mrid,
        machines_as_sources: true,
        ..CimOptions::default()
    }
}

/// Terminal key (`"<mrid>:<side>"`, a transformer's sides `hv` and `lv`) → connectivity node,
/// for every non-switch device.
fn terminal_nodes(model: &CimModel) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for d in model.devices.iter().filter(|d| !d.kind.is_switch()) {
        let (a, b) = if d.kind == DeviceType::Transformer {
            ("hv", "lv")
        } else {
            ("1", "2")
        };
        out.insert(format!("{}:{a}", d.mrid), d.node_a.clone());
        if let Some(node) = &d.node_b {
            out.insert(format!("{}:{b}", d.mrid), node.clone());
        }
    }
    out
}

/// Node → its bus: nodes merged through the closed switches other than `opened`.
fn buses(model: &CimModel, opened: Option<&str>) -> HashMap<String, String> {
    let mut parent: HashMap<String, String> = model
        .nodes
        .iter()
        .map(|n| (n.asset.clone(), n.asset.clone()))
        .collect();
    fn find(parent: &mut HashMap<String, String>, x: &str) -> String {
        let mut root = x.to_owned();
        while parent[&root] != root {
            root = parent[&root].clone();
        }
        parent.insert(x.to_owned(), root.clone());
        root
    }
    let closed = |d: &&CimDevice| {
        d.kind.is_switch() && d.normal_open == Some(false) && Some(d.mrid.as_str()) != opened
    };
    for d in model.devices.iter().filter(closed) {
        let a = find(&mut parent, &d.node_a);
        let b = find(&mut parent, d.node_b.as_deref().unwrap());
        parent.insert(a, b);
    }
    let keys: Vec<String> = parent.keys().cloned().collect();
    keys.into_iter()
        .map(|k| {
            let r = find(&mut parent, &k);
            (k, r)
        })
        .collect()
}

/// The groups of keys sharing a label.
fn groups<'a>(labels: impl Iterator<Item = (&'a String, &'a String)>) -> BTreeSet<Vec<String>> {
    let mut by: BTreeMap<&String, Vec<String>> = BTreeMap::new();
    for (k, l) in labels {
        by.entry(l).or_default().push(k.clone());
    }
    by.into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect()
}

/// Our bus of each terminal against pypowsybl's: the same groups of the terminals pypowsybl
/// puts on a bus; a terminal it puts on none (`""`, isolated by open switches) shares our bus
/// with no terminal it does put on one.
fn assert_same_buses(
    name: &str,
    ours: &BTreeMap<String, String>,
    theirs: &BTreeMap<String, String>,
) {
    let on_bus: BTreeMap<&String, &String> = theirs.iter().filter(|(_, b)| !b.is_empty()).collect();
    let expected = groups(on_bus.iter().map(|(k, b)| (*k, *b)));
    let got = groups(ours.iter().filter(|(k, _)| on_bus.contains_key(k)));
    assert_eq!(got, expected, "{name}: buses differ");
    for (k, b) in theirs {
        if b.is_empty() {
            let mine = &ours[k];
            for (other, ob) in ours {
                if ob == mine && on_bus.contains_key(other) {
                    panic!("{name}: {k} is isolated for pypowsybl but shares a bus with {other}");
                }
            }
        }
    }
}

fn check(name: &str) {
    let model = read_cim_file(data(&format!("{name}_EQ.xml")), &options()).unwrap();
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data(&format!("{name}.json"))).unwrap())
            .unwrap();
    let nodes = terminal_nodes(&model);
    let field = |t: &Value, f: &str| -> BTreeMap<String, String> {
        t.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v[f].as_str().unwrap().to_owned()))
            .collect()
    };
    let terminals = &reference["terminals"];
    let ref_nodes = field(terminals, "node");
    // The same terminals: every line, transformer, load and generator, no more.
    assert_eq!(
        nodes.keys().collect::<Vec<_>>(),
        ref_nodes.keys().collect::<Vec<_>>(),
        "{name}: terminals"
    );
    // Node for node (modulo naming): the same groups of terminals per connectivity node.
    assert_eq!(
        groups(nodes.iter()),
        groups(ref_nodes.iter()),
        "{name}: nodes differ"
    );

    // Switches: the same set, kinds and normal states.
    let switches: BTreeMap<&str, &CimDevice> = model
        .devices
        .iter()
        .filter(|d| d.kind.is_switch())
        .map(|d| (d.mrid.as_str(), d))
        .collect();
    let ref_switches = reference["switches"].as_array().unwrap();
    assert_eq!(switches.len(), ref_switches.len(), "{name}: switch count");
    for s in ref_switches {
        let d = switches[s["id"].as_str().unwrap()];
        assert_eq!(d.normal_open, s["open"].as_bool(), "{name}: {}", d.mrid);
        let kind = match s["kind"].as_str().unwrap() {
            "BREAKER" => DeviceType::Breaker,
            "DISCONNECTOR" => DeviceType::Disconnector,
            "LOAD_BREAK_SWITCH" => DeviceType::LoadBreakSwitch,
            other => panic!("{other}"),
        };
        assert_eq!(d.kind, kind, "{name}: {}", d.mrid);
    }

    // The file alone makes a network: a point per node, a line per two-terminal device.
    let net = model
        .to_network(&CimOptions {
            // pypowsybl's generators carry no ratedS when the IIDM generator has none.
            source_capacity_kva: Some(100_000.0),
            // Nor do its lines have a length.
            segment_length_m: Some(1000.0),
            ..options()
        })
        .unwrap();
    assert_eq!(net.point_count(), model.nodes.len(), "{name}");
    let two_terminal = model.devices.iter().filter(|d| d.node_b.is_some()).count();
    assert_eq!(net.line_count(), two_terminal, "{name}");

    // Buses in the normal state, then after opening each closed switch.
    let bus_of = |opened: Option<&str>| -> BTreeMap<String, String> {
        let b = buses(&model, opened);
        nodes
            .iter()
            .map(|(k, n)| (k.clone(), b[n].clone()))
            .collect()
    };
    assert_same_buses(name, &bus_of(None), &field(terminals, "bus"));
    let after = reference["after_opening"].as_object().unwrap();
    for (switch, theirs) in after {
        let theirs: BTreeMap<String, String> = theirs
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        assert_same_buses(
            &format!("{name} with {switch} open"),
            &bus_of(Some(switch)),
            &theirs,
        );
    }
}

#[test]
fn ieee14_connectivity_equals_pypowsybl() {
    check("ieee14");
}

#[test]
fn eurostag_example_connectivity_equals_pypowsybl() {
    check("eurostag");
}

#[test]
fn four_substations_node_breaker_connectivity_equals_pypowsybl() {
    check("four_substations");
}

mod round_trip {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use gridserve::cim::{CimOptions, read_cim};
    use gridserve::network::records::NetworkData;
    use gridserve::network::{Network, Operation, Topology};
    use gridserve::synth::{SynthConfig, generate, write_cim};

    /// The points and customers a set of operations cuts off, by asset and customer number.
    fn cut(topo: &Topology, ops: &[Operation]) -> (BTreeSet<String>, BTreeSet<String>) {
        let net = topo.network();
        let scope = topo.scope(ops).unwrap();
        let points = scope
            .point_ids(topo)
            .unwrap()
            .into_iter()
            .map(|p| net.point_asset(p).to_owned())
            .collect();
        let customers = scope
            .customer_ids(topo)
            .unwrap()
            .into_iter()
            .map(|c| net.customer(c).number().to_owned())
            .collect();
        (points, customers)
    }

    fn energized(topo: &Topology) -> BTreeSet<String> {
        let net = topo.network();
        topo.energized_points()
            .map(|p| net.point_asset(p).to_owned())
            .collect()
    }

    #[test]
    fn synth_to_cim_to_network_gives_the_same_scope_for_every_single_switching() {
        let mut config = SynthConfig::with_points(400, 11);
        // Every feeder tied to another, some ties closed: open and closed switches of each kind.
        config.tie_fraction = 1.0;
        config.closed_tie_fraction = 0.3;
        let data = generate(&config);
        let mut xml = Vec::new();
        write_cim(&data, &mut xml).unwrap();
        let model = read_cim(xml.as_slice(), "synth.xml", &CimOptions::default()).unwrap();
        let back: NetworkData = model.to_network_data(&CimOptions::default()).unwrap();

        // Element for element, what CIM carries.
        assert_eq!(back.points.len(), data.points.len());
        assert_eq!(back.segments.len(), data.segments.len());
        for (a, b) in data.segments.iter().zip(&back.segments) {
            assert_eq!((&a.asset, &a.from, &a.to), (&b.asset, &b.from, &b.to));
            assert!((a.length_m - b.length_m).abs() <= 1e-9 * a.length_m.max(1.0));
        }
        for (a, b) in data.switches.iter().zip(&back.switches) {
            assert_eq!(
                (&a.asset, &a.from, &a.to, a.kind, a.normally_open),
                (&b.asset, &b.from, &b.to, b.kind, b.normally_open)
            );
        }
        for (a, b) in data.transformers.iter().zip(&back.transformers) {
            assert_eq!((&a.asset, &a.from, &a.to), (&b.asset, &b.from, &b.to));
            assert!((a.rated_kva - b.rated_kva).abs() <= 1e-9 * a.rated_kva);
        }
        assert_eq!(back.sources.len(), data.sources.len());
        assert_eq!(back.customers.len(), data.customers.len());
        for (a, b) in data.customers.iter().zip(&back.customers) {
            assert_eq!((&a.number, &a.point), (&b.number, &b.point));
        }

        let original = Topology::normal(Arc::new(Network::from_data(&data).unwrap()));
        let read = Topology::normal(Arc::new(Network::from_data(&back).unwrap()));
        assert_eq!(energized(&original), energized(&read));
        let mut checked = 0;
        for s in &data.switches {
            let op = |topo: &Topology| {
                let id = topo.network().line_id(&s.asset).unwrap();
                if s.normally_open {
                    Operation::close(id)
                } else {
                    Operation::open(id)
                }
            };
            let expected = cut(&original, &[op(&original)]);
            assert_eq!(cut(&read, &[op(&read)]), expected, "switching {}", s.asset);
            checked += usize::from(!expected.0.is_empty());
        }
        // The comparison is not vacuous: most openings cut something off.
        assert!(checked * 2 > data.switches.len(), "{checked}");
    }
}
