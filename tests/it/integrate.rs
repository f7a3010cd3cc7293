//! Data integration end to end: a synthetic network written as the five sources, read back
//! through the CSV and Parquet readers, fused and reconciled.

use std::collections::BTreeSet;
use std::sync::Arc;

use gridserve::integrate::{
    self, FindingKind, IntegrateOptions, ReadOptions, SOURCE_TABLES, Sources,
};
use gridserve::network::records::NetworkData;
use gridserve::network::{Action, Network, Operation, Topology};
use gridserve::synth::sources::{INJECTABLE, Injected, inject_counts, to_sources};
use gridserve::synth::{SynthConfig, generate};
use proptest::prelude::*;

/// The sources written as CSV text and read back through the reader (so keys are normalised
/// and rows numbered as from files).
fn through_csv(sources: &Sources) -> (Sources, Vec<integrate::Finding>) {
    let mut back = Sources::default();
    let mut findings = Vec::new();
    for spec in SOURCE_TABLES {
        let mut text = Vec::new();
        integrate::write_csv_table(sources, spec.name, &mut text).unwrap();
        findings.extend(
            integrate::read_csv_table(
                &mut back,
                spec.name,
                text.as_slice(),
                spec.name,
                &ReadOptions::default(),
            )
            .unwrap(),
        );
    }
    (back, findings)
}

fn fuse(sources: &Sources) -> integrate::Integrated {
    let (back, findings) = through_csv(sources);
    integrate::integrate(&back, findings, &IntegrateOptions::default()).unwrap()
}

/// The customers out of supply when one switch opens, sorted.
fn customers_out(topo: &Topology, asset: &str) -> Vec<String> {
    let net = topo.network();
    let op = Operation::on(net, Action::Open, asset).unwrap();
    let scope = topo.scope(&[op]).unwrap();
    let mut out: Vec<String> = scope
        .customer_ids(topo)
        .unwrap()
        .into_iter()
        .map(|c| net.customer(c).number().to_owned())
        .collect();
    out.sort();
    out
}

/// The carried fields of each record type, sorted (what the source layouts hold).
fn carried(data: &NetworkData) -> Vec<String> {
    let mut out = Vec::new();
    for p in &data.points {
        out.push(format!("point {} {:?} {}", p.asset, p.name, p.in_service));
    }
    for s in &data.segments {
        out.push(format!(
            "segment {} {} {} {}",
            s.asset, s.from, s.to, s.length_m
        ));
    }
    for s in &data.switches {
        out.push(format!(
            "switch {} {} {} {:?} {}",
            s.asset, s.from, s.to, s.kind, s.normally_open
        ));
    }
    for t in &data.transformers {
        out.push(format!(
            "transformer {} {} {} {} {} {:?}",
            t.asset, t.from, t.to, t.rated_kva, t.model, t.year_in_service
        ));
    }
    for s in &data.sources {
        out.push(format!(
            "source {} {} {:?} {}",
            s.asset, s.point, s.name, s.capacity_kva
        ));
    }
    for c in &data.customers {
        out.push(format!(
            "customer {} {:?} {} {} {:?} {:?}",
            c.number, c.name, c.point, c.contracted_kva, c.importance, c.contacts
        ));
    }
    out.sort();
    out
}

#[test]
fn a_network_round_trips_through_the_five_sources_scope_for_scope() {
    let mut config = SynthConfig::with_points(1_500, 11);
    config.closed_tie_fraction = 0.3;
    let data = generate(&config);
    let fused = fuse(&to_sources(&data));
    assert!(
        fused.findings.is_empty(),
        "{:?}",
        &fused.findings[..3.min(fused.findings.len())]
    );
    assert_eq!(carried(&fused.network), carried(&data));
    let original = Topology::normal(Arc::new(Network::from_data(&data).unwrap()));
    let back = Topology::normal(Arc::new(Network::from_data(&fused.network).unwrap()));
    assert_eq!(original.energized_count(), back.energized_count());
    for s in &data.switches {
        assert_eq!(
            customers_out(&original, &s.asset),
            customers_out(&back, &s.asset),
            "opening {}",
            s.asset
        );
    }
}

#[test]
fn the_gis_side_can_come_from_a_cim_file_scope_for_scope() {
    // The same network's connectivity written as CIM RDF/XML (the generator's writer, names
    // carrying the asset numbers) instead of the gis_connectivity table: the fused network is
    // the same, switch for switch.
    let mut config = SynthConfig::with_points(1_500, 12);
    config.closed_tie_fraction = 0.3;
    let data = generate(&config);
    let mut sources = to_sources(&data);
    let mut xml = Vec::new();
    gridserve::synth::cim::write_cim(&data, &mut xml).unwrap();
    let model = gridserve::cim::read_cim(
        xml.as_slice(),
        "gis.xml",
        &gridserve::cim::CimOptions::default(),
    )
    .unwrap();
    let (gis, notes) = integrate::gis_from_cim(&model, &integrate::Conventions::default());
    // Every device but the consumers is a GIS row; the generator's keys need no normalising.
    assert_eq!(gis.len(), sources.gis.len());
    assert!(notes.is_empty(), "{:?}", &notes[..notes.len().min(3)]);
    // Rows come with their line in the file, for findings.
    assert!(gis.iter().all(|r| r.row > 0));
    sources.gis = gis;
    let (back, findings) = through_csv(&sources);
    let fused = integrate::integrate(&back, findings, &IntegrateOptions::default()).unwrap();
    assert!(
        fused.findings.is_empty(),
        "{:?}",
        &fused.findings[..3.min(fused.findings.len())]
    );
    // Lengths pass through kilometres in the file: equal to within rounding.
    for (a, b) in data.segments.iter().zip(&fused.network.segments) {
        assert_eq!(a.asset, b.asset);
        assert!((a.length_m - b.length_m).abs() <= 1e-9 * a.length_m.max(1.0));
    }
    let original = Topology::normal(Arc::new(Network::from_data(&data).unwrap()));
    let back = Topology::normal(Arc::new(Network::from_data(&fused.network).unwrap()));
    assert_eq!(original.energized_count(), back.energized_count());
    for s in data.switches.iter().filter(|s| !s.normally_open) {
        assert_eq!(
            customers_out(&original, &s.asset),
            customers_out(&back, &s.asset),
            "opening {}",
            s.asset
        );
    }
    // A key written full-width in the GIS is normalised and reported once, with its line.
    let mut odd = model;
    let d = odd
        .devices
        .iter_mut()
        .find(|d| d.kind == gridserve::cim::DeviceType::Segment)
        .unwrap();
    let plain = d.asset.clone();
    d.asset = format!(" {} ", plain.to_lowercase());
    let line = d.line;
    let (rows, notes) = integrate::gis_from_cim(&odd, &integrate::Conventions::default());
    assert!(rows.iter().any(|r| r.asset == plain && r.row == line));
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].kind, notes[0].row, notes[0].field.as_deref()),
        (FindingKind::NormalisedKey, Some(line), Some("asset"))
    );
}

/// The (kind, record) pairs of the findings, informational normalisation findings of other
/// records included.
fn found(fused: &integrate::Integrated) -> BTreeSet<(FindingKind, String)> {
    fused
        .findings
        .iter()
        .map(|f| (f.kind, f.record.clone()))
        .collect()
}

#[test]
fn each_planted_disagreement_gives_exactly_its_finding() {
    let data = generate(&SynthConfig::with_points(600, 5));
    let clean = to_sources(&data);
    for kind in INJECTABLE {
        let mut sources = clean.clone();
        let planted = inject_counts(&mut sources, &[(kind, 1)], 9);
        assert_eq!(planted.len(), 1, "{kind:?}");
        let fused = fuse(&sources);
        let got = found(&fused);
        let want: BTreeSet<(FindingKind, String)> =
            planted.iter().map(|i| (i.kind, i.record.clone())).collect();
        assert_eq!(got, want, "{kind:?}: {:?}", fused.findings);
        assert_eq!(fused.findings.len(), 1, "{kind:?}: {:?}", fused.findings);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn every_injected_disagreement_is_found(
        seed in 0u64..1_000,
        counts in proptest::collection::vec(0usize..3, INJECTABLE.len()),
    ) {
        let data = generate(&SynthConfig::with_points(500, seed));
        let mut sources = to_sources(&data);
        let plan: Vec<(FindingKind, usize)> =
            INJECTABLE.iter().copied().zip(counts).collect();
        let planted: Vec<Injected> = inject_counts(&mut sources, &plan, seed);
        let fused = fuse(&sources);
        let got = found(&fused);
        for i in &planted {
            prop_assert!(got.contains(&(i.kind, i.record.clone())), "{:?} not found", i);
        }
        // Nothing else is found: every finding is one that was planted.
        let want: BTreeSet<(FindingKind, String)> =
            planted.iter().map(|i| (i.kind, i.record.clone())).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn clean_sources_give_no_finding(seed in 0u64..1_000) {
        let data = generate(&SynthConfig::with_points(400, seed));
        let fused = fuse(&to_sources(&data));
        prop_assert!(fused.findings.is_empty(), "{:?}", fused.findings.first());
    }
}
