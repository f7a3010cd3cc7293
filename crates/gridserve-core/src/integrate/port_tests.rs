//! Tests of the data-source port: an in-memory source with real deltas, the file source on
//! the shipped sample county, errors naming their table, watermarks through serde.

use std::path::PathBuf;

use super::*;

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/county-sources")
}

/// A fresh folder under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gridserve-port-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_sample(to: &std::path::Path) {
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn pms(asset: &str, name: &str) -> PmsEquipment {
    PmsEquipment {
        asset: asset.into(),
        kind: EquipmentType::Segment,
        name: Some(name.into()),
        model: None,
        rated_kva: None,
        year: None,
        feeder: None,
        substation: None,
        status: EquipmentStatus::InService,
        row: 0,
    }
}

fn contact(customer: &str, phone: &str, level: u8) -> Sg186Contact {
    Sg186Contact {
        customer: customer.into(),
        name: Some("张三".into()),
        phone: Some(phone.into()),
        role: crate::network::records::ContactRole::default(),
        level,
        wechat_openid: None,
        channels: vec![ContactChannel::Sms],
        row: 0,
    }
}

/// An in-memory source with a history: every `commit` is a new sequence number, and
/// `changes_since(n)` computes the delta from state `n` to now key by key (what a change log
/// would give), deletions included.
struct MemorySource {
    history: Vec<Sources>,
    fail_on: Option<SourceTable>,
    asked: Vec<(SourceTable, Option<u64>)>,
}

impl MemorySource {
    fn new(first: Sources) -> Self {
        Self {
            history: vec![first],
            fail_on: None,
            asked: Vec::new(),
        }
    }

    fn commit(&mut self, change: impl FnOnce(&mut Sources)) {
        let mut next = self.history.last().unwrap().clone();
        change(&mut next);
        self.history.push(next);
    }

    fn now(&self) -> &Sources {
        self.history.last().unwrap()
    }
}

fn delta<T: Keyed + Clone + PartialEq>(old: &[T], new: &[T]) -> (Vec<T>, Vec<String>) {
    let group = |rows: &[T]| {
        let mut m: std::collections::BTreeMap<String, Vec<T>> = Default::default();
        for r in rows {
            m.entry(r.change_key().into_owned())
                .or_default()
                .push(r.clone());
        }
        m
    };
    let (o, n) = (group(old), group(new));
    let mut upserted = Vec::new();
    // New order, so that merging keeps the source's order.
    let mut seen = hashbrown::HashSet::new();
    for r in new {
        let k = r.change_key().into_owned();
        if seen.insert(k.clone()) && o.get(&k) != n.get(&k) {
            upserted.extend(n[&k].iter().cloned());
        }
    }
    let deleted = o.keys().filter(|k| !n.contains_key(*k)).cloned().collect();
    (upserted, deleted)
}

impl DataSource for MemorySource {
    fn snapshot(&mut self, table: SourceTable) -> Result<TablePull, IntegrateError> {
        self.asked.push((table, None));
        if self.fail_on == Some(table) {
            return Err(IntegrateError::Source {
                table: String::new(),
                message: "connection refused".into(),
            });
        }
        let mut s = self.now().clone();
        Ok(TablePull {
            rows: TableRows::take(&mut s, table),
            findings: Vec::new(),
            watermark: Watermark::Sequence(self.history.len() as u64 - 1),
        })
    }

    fn changes_since(
        &mut self,
        table: SourceTable,
        since: &Watermark,
    ) -> Result<TableChanges, IntegrateError> {
        let Watermark::Sequence(n) = since else {
            return Err(IntegrateError::source(table, "not my watermark"));
        };
        self.asked.push((table, Some(*n)));
        if self.fail_on == Some(table) {
            return Err(IntegrateError::source(table, "connection refused"));
        }
        let old = &self.history[*n as usize];
        let new = self.now();
        let (upserted, deleted) = match table {
            SourceTable::PmsEquipment => {
                let (u, d) = delta(&old.pms, &new.pms);
                (TableRows::PmsEquipment(u), d)
            }
            SourceTable::GisConnectivity => {
                let (u, d) = delta(&old.gis, &new.gis);
                (TableRows::GisConnectivity(u), d)
            }
            SourceTable::Sg186Customers => {
                let (u, d) = delta(&old.customers, &new.customers);
                (TableRows::Sg186Customers(u), d)
            }
            SourceTable::Sg186Contacts => {
                let (u, d) = delta(&old.contacts, &new.contacts);
                (TableRows::Sg186Contacts(u), d)
            }
            SourceTable::Sg186Meters => {
                let (u, d) = delta(&old.meters, &new.meters);
                (TableRows::Sg186Meters(u), d)
            }
            SourceTable::AmiEvents => {
                let (u, d) = delta(&old.ami_events, &new.ami_events);
                (TableRows::AmiEvents(u), d)
            }
            SourceTable::DaEvents => {
                let (u, d) = delta(&old.da_events, &new.da_events);
                (TableRows::DaEvents(u), d)
            }
        };
        Ok(TableChanges {
            upserted,
            deleted,
            full: false,
            findings: Vec::new(),
            watermark: Watermark::Sequence(self.history.len() as u64 - 1),
        })
    }
}

fn sample_sources() -> Sources {
    let (sources, _) = read_sources(
        &SourcePaths {
            pms: Some(sample_dir().join("pms_equipment.csv")),
            gis: Some(sample_dir().join("gis_connectivity.csv")),
            customers: Some(sample_dir().join("sg186_customers.csv")),
            contacts: Some(sample_dir().join("sg186_contacts.csv")),
            meters: Some(sample_dir().join("sg186_meters.csv")),
            ami_events: Some(sample_dir().join("ami_events.csv")),
            da_events: Some(sample_dir().join("da_events.csv")),
        },
        &ReadOptions::default(),
    )
    .unwrap();
    sources
}

#[test]
fn memory_source_snapshot_then_two_rounds_of_changes() {
    let first = Sources {
        pms: vec![pms("A1", "one"), pms("A2", "two"), pms("A3", "three")],
        contacts: vec![
            contact("C1", "13800000001", 1),
            contact("C1", "13800000002", 2),
            contact("C2", "13800000003", 1),
        ],
        ..Sources::default()
    };
    let mut source = MemorySource::new(first.clone());
    let mut pulled = pull(&mut source).unwrap();
    assert_eq!(pulled.sources, first);
    assert!(
        pulled
            .watermarks
            .values()
            .all(|w| *w == Watermark::Sequence(0))
    );

    // Round 1: A2 renamed, A3 deleted, A4 added; C1 loses its second contact.
    source.commit(|s| {
        s.pms[1].name = Some("two, renamed".into());
        s.pms.remove(2);
        s.pms.push(pms("A4", "four"));
        s.contacts.remove(1);
    });
    let report = refresh(&mut source, &mut pulled).unwrap();
    // Every table was asked from its watermark, none pulled whole.
    assert!(source.asked[7..].iter().all(|(_, since)| *since == Some(0)));
    let pms_report = report[&SourceTable::PmsEquipment];
    // A2 (changed) and A4 (new) upserted, A3 deleted.
    assert_eq!(
        (pms_report.upserted, pms_report.deleted, pms_report.full),
        (2, 1, false)
    );
    // C1's group (now one contact) is the upsert.
    assert_eq!(report[&SourceTable::Sg186Contacts].upserted, 1);
    assert_eq!(pulled.sources, *source.now());

    // Round 2: C2 deleted entirely, C1 gets a new phone, A1 deleted.
    source.commit(|s| {
        s.contacts.retain(|c| c.customer != "C2");
        s.contacts[0].phone = Some("13900000009".into());
        s.pms.remove(0);
    });
    let report = refresh(&mut source, &mut pulled).unwrap();
    assert_eq!(report[&SourceTable::Sg186Contacts].deleted, 1);
    assert_eq!(report[&SourceTable::PmsEquipment].deleted, 1);
    assert_eq!(pulled.sources, *source.now());
    assert!(
        pulled
            .watermarks
            .values()
            .all(|w| *w == Watermark::Sequence(2))
    );
    // Nothing changed: a refresh is a no-op.
    let report = refresh(&mut source, &mut pulled).unwrap();
    assert!(report.values().all(|r| r.upserted == 0 && r.deleted == 0));
    assert_eq!(pulled.sources, *source.now());
}

#[test]
fn refresh_of_the_sample_through_memory_fuses_as_a_fresh_pull() {
    let mut source = MemorySource::new(sample_sources());
    let (mut pulled, _) = integrate_source(&mut source, &IntegrateOptions::default()).unwrap();
    source.commit(|s| {
        s.customers[5].contracted_kva = 999.0;
        let gone = s.meters.remove(3).meter;
        s.ami_events.retain(|e| e.meter != gone);
    });
    refresh(&mut source, &mut pulled).unwrap();
    let refreshed = pulled.integrate(&IntegrateOptions::default()).unwrap();
    let fresh = integrate(source.now(), Vec::new(), &IntegrateOptions::default()).unwrap();
    assert_eq!(refreshed.network, fresh.network);
    assert_eq!(refreshed.findings, fresh.findings);
}

#[test]
fn a_failing_source_names_its_table_and_leaves_the_pull_as_it_was() {
    let mut source = MemorySource::new(sample_sources());
    source.fail_on = Some(SourceTable::Sg186Contacts);
    let err = pull(&mut source).unwrap_err();
    assert_eq!(
        err,
        IntegrateError::Source {
            table: "sg186_contacts".into(),
            message: "connection refused".into()
        }
    );
    assert!(err.to_string().contains("sg186_contacts"));

    source.fail_on = None;
    let mut pulled = pull(&mut source).unwrap();
    let before = pulled.clone();
    source.commit(|s| s.pms.truncate(10));
    source.fail_on = Some(SourceTable::DaEvents);
    let err = refresh(&mut source, &mut pulled).unwrap_err();
    assert!(matches!(&err, IntegrateError::Source { table, .. } if table == "da_events"));
    // PMS changed and was asked before DA failed, but nothing was applied.
    assert_eq!(pulled, before);
}

#[test]
fn file_source_reads_the_sample_as_the_path_reader_does() {
    let mut files = FileSource::new(sample_dir(), ReadOptions::default()).unwrap();
    let (pulled, fused) = integrate_source(&mut files, &IntegrateOptions::default()).unwrap();
    assert_eq!(pulled.sources, sample_sources());
    // The README of the sample lists 2,400 points and 2,043 customers.
    assert_eq!(fused.customers.len(), 2043);
    let by_paths = integrate(&sample_sources(), Vec::new(), &IntegrateOptions::default()).unwrap();
    assert_eq!(fused.network, by_paths.network);
    // The planted normalised keys (README: L0000200, L0000383) come through the port.
    let normalised: Vec<_> = pulled
        .read_findings()
        .into_iter()
        .filter(|f| f.kind == FindingKind::NormalisedKey)
        .map(|f| f.record)
        .collect();
    assert_eq!(normalised, ["L0000200", "L0000383"]);
    assert!(
        pulled
            .watermarks
            .values()
            .all(|w| matches!(w, Watermark::Text(t) if t.contains(".csv:")))
    );
}

#[test]
fn file_source_gives_a_whole_table_when_its_file_changed_and_nothing_otherwise() {
    let dir = scratch("refresh");
    copy_sample(&dir);
    let mut files = FileSource::new(&dir, ReadOptions::default()).unwrap();
    let mut pulled = pull(&mut files).unwrap();
    let report = refresh(&mut files, &mut pulled).unwrap();
    assert!(report.values().all(|r| *r == TableRefresh::default()));

    let meters = dir.join("sg186_meters.csv");
    let mut text = std::fs::read_to_string(&meters).unwrap();
    text.push_str("MNEW0001,1000000000,40\n");
    std::fs::write(&meters, text).unwrap();
    std::fs::remove_file(dir.join("da_events.csv")).unwrap();
    let report = refresh(&mut files, &mut pulled).unwrap();
    let m = report[&SourceTable::Sg186Meters];
    assert!(m.full);
    assert_eq!(m.upserted, sample_sources().meters.len() + 1);
    // A removed file is a changed (now empty) table.
    assert!(report[&SourceTable::DaEvents].full);
    assert_eq!(
        pulled.watermarks[&SourceTable::DaEvents],
        Watermark::Text("absent".into())
    );
    for t in [SourceTable::PmsEquipment, SourceTable::Sg186Contacts] {
        assert!(!report[&t].full);
        assert_eq!(report[&t].upserted, 0);
    }
    assert_eq!(pulled.sources.meters.last().unwrap().meter, "MNEW0001");
    assert!(
        files
            .changes_since(SourceTable::PmsEquipment, &Watermark::Sequence(3))
            .is_err()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn file_source_errors_name_the_file_and_line() {
    let dir = scratch("bad");
    copy_sample(&dir);
    std::fs::write(
        dir.join("gis_connectivity.csv"),
        "asset,type,node_a,node_b,normal_open,length_m\nL1,segment,N1,N2,maybe,10\n",
    )
    .unwrap();
    let mut files = FileSource::new(&dir, ReadOptions::default()).unwrap();
    let err = pull(&mut files).unwrap_err();
    match &err {
        IntegrateError::Table(crate::table::TableError::Parse {
            file, line, field, ..
        }) => {
            assert!(file.ends_with("gis_connectivity.csv"), "{file}");
            assert_eq!(*line, 2);
            assert_eq!(field.as_deref(), Some("normal_open"));
        }
        other => panic!("{other:?}"),
    }
    std::fs::write(dir.join("gis_connectivity.parquet"), b"PAR1").unwrap();
    let err = pull(&mut files).unwrap_err();
    assert!(matches!(&err, IntegrateError::Source { table, .. } if table == "gis_connectivity"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn watermarks_and_pulls_round_trip_through_serde() {
    let marks = [
        Watermark::Sequence(42),
        Watermark::Time(chrono::DateTime::parse_from_rfc3339("2026-07-01T02:00:00+08:00").unwrap()),
        Watermark::Text("pms_equipment.csv:123:0badf00d".into()),
    ];
    for w in &marks {
        let json = serde_json::to_string(w).unwrap();
        assert_eq!(&serde_json::from_str::<Watermark>(&json).unwrap(), w);
    }
    assert_eq!(
        serde_json::to_string(&marks[0]).unwrap(),
        r#"{"sequence":42}"#
    );
    // A pull stored and restored resumes where it was: nothing has changed since.
    let mut files = FileSource::new(sample_dir(), ReadOptions::default()).unwrap();
    let pulled = pull(&mut files).unwrap();
    let mut back: Pulled = serde_json::from_str(&serde_json::to_string(&pulled).unwrap()).unwrap();
    assert_eq!(back, pulled);
    let report = refresh(&mut files, &mut back).unwrap();
    assert!(report.values().all(|r| !r.full && r.upserted == 0));
}
