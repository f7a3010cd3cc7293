//! Fused snapshots in the SQLite store: round trip, versions, corrupt bodies, the migration
//! from schema version 1, and a nightly refresh of the sample county.

use std::path::{Path, PathBuf};

use gridserve_core::access::Masking;
use gridserve_core::integrate::{
    self, ChangeKind, FileSource, IntegrateOptions, KindCounts, ReadOptions, RecordKind, Snapshot,
    SourceTable,
};
use gridserve_core::ports::{EventStore, StoreError};
use gridserve_sqlite::SqliteStore;
use gridserve_sqlite::schema::{MIGRATIONS, SCHEMA_VERSION};

use crate::{event, t};

fn sample_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/data/county-sources")
}

fn copy_sample(to: &Path) {
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "csv") {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

fn sample() -> Snapshot {
    let mut files = FileSource::new(sample_dir(), ReadOptions::default()).unwrap();
    let (pulled, fused) =
        integrate::integrate_source(&mut files, &IntegrateOptions::default()).unwrap();
    Snapshot::of(&fused).with_watermarks(pulled.watermarks)
}

/// Sets `column` of the row keyed `key` (first cell) in a CSV file without quoted cells.
fn edit(path: &Path, key: &str, column: &str, value: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let col = lines[0].split(',').position(|c| c == column).unwrap();
    let row = lines
        .iter()
        .position(|l| l.split(',').next() == Some(key))
        .unwrap();
    let mut cells: Vec<&str> = lines[row].split(',').collect();
    cells[col] = value;
    lines[row] = cells.join(",");
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Removes the row keyed `key`.
fn delete_row(path: &Path, key: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.split(',').next() != Some(key))
        .collect();
    std::fs::write(path, kept.join("\n") + "\n").unwrap();
}

#[test]
fn a_stored_snapshot_loads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("g.db")).unwrap();
    let snap = sample();
    let info = store
        .store_snapshot(&snap, Some("nightly 2026-03-01"), t(0))
        .unwrap();
    assert_eq!(info.version, 1);
    // The sample README: 2,400 points… in the network; 2,043 customers.
    assert_eq!(info.customers, 2043);
    assert_eq!(info.points, snap.network.points.len() as u64);
    assert_eq!(info.watermarks.len(), 7);
    assert!(info.bytes > 0);
    let back = store.load_snapshot(1).unwrap();
    assert_eq!(back, snap);
    // A second connection reads the same listing.
    let other = SqliteStore::open(dir.path().join("g.db")).unwrap();
    assert_eq!(other.snapshots().unwrap(), vec![info.clone()]);
    assert_eq!(other.snapshot_info(1).unwrap(), info);
    assert!(
        other
            .diff_snapshots(1, 1, Masking::Clear)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn versions_are_monotonic_and_never_reused_after_a_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let snap = sample();
    let mut store = SqliteStore::open(&path).unwrap();
    let v: Vec<u64> = (0..3)
        .map(|i| store.store_snapshot(&snap, None, t(i)).unwrap().version)
        .collect();
    assert_eq!(v, [1, 2, 3]);
    store.delete_snapshot(3).unwrap();
    store.delete_snapshot(1).unwrap();
    assert!(matches!(
        store.delete_snapshot(1),
        Err(StoreError::UnknownSnapshot { version: 1 })
    ));
    assert!(matches!(
        store.load_snapshot(3),
        Err(StoreError::UnknownSnapshot { version: 3 })
    ));
    // The deleted highest version is not given again, not even by another connection.
    drop(store);
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.store_snapshot(&snap, None, t(9)).unwrap().version, 4);
    let listed: Vec<u64> = store
        .snapshots()
        .unwrap()
        .iter()
        .map(|s| s.version)
        .collect();
    assert_eq!(listed, [2, 4]);
    assert!(matches!(
        store.load_snapshot(u64::MAX),
        Err(StoreError::UnknownSnapshot { .. })
    ));
}

#[test]
fn a_corrupt_or_foreign_body_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let snap = sample();
    store.store_snapshot(&snap, None, t(0)).unwrap();
    store.store_snapshot(&snap, None, t(1)).unwrap();
    store.store_snapshot(&snap, None, t(2)).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    // 1: one byte of the body flipped.
    let mut body: Vec<u8> = raw
        .query_row("SELECT body FROM snapshots WHERE version = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mid = body.len() / 2;
    body[mid] ^= 0xff;
    raw.execute(
        "UPDATE snapshots SET body = ?1 WHERE version = 1",
        rusqlite::params![body],
    )
    .unwrap();
    // 2: another gridserve object (a tariff book).
    let book = gridserve_core::tariff::defaults::guangdong_huizhou().unwrap();
    raw.execute(
        "UPDATE snapshots SET body = ?1 WHERE version = 2",
        rusqlite::params![gridserve_core::persist::to_bytes(&book).unwrap()],
    )
    .unwrap();
    // 3: not gridserve's at all.
    raw.execute(
        "UPDATE snapshots SET body = x'89504e470d0a1a0a' WHERE version = 3",
        [],
    )
    .unwrap();
    for (version, says) in [(1, "checksum"), (2, "tariff_book"), (3, "not a gridserve")] {
        match store.load_snapshot(version) {
            Err(StoreError::Corrupt { what, detail }) => {
                assert_eq!(what, format!("snapshot {version}"));
                assert!(detail.contains(says), "{version}: {detail}");
            }
            other => panic!("{version}: {other:?}"),
        }
    }
    // The listing still works: it does not read bodies.
    assert_eq!(store.snapshots().unwrap().len(), 3);
}

#[test]
fn a_version_1_database_migrates_to_the_snapshot_schema() {
    assert_eq!(SCHEMA_VERSION, 2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    {
        // A database as version 1 of the schema left it, with one event.
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(MIGRATIONS[0]).unwrap();
        raw.execute_batch("PRAGMA user_version = 1").unwrap();
    }
    {
        // Written through a store that knows only version 1 would be the same rows: insert
        // the event by hand.
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(
            "INSERT INTO streams VALUES ('s', 1);
             INSERT INTO events VALUES ('s', 1, 'e', '{}', 'a', '2026-03-01T08:00:00+08:00', 0);",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    assert_eq!(store.version("s").unwrap(), 1);
    assert!(store.snapshots().unwrap().is_empty());
    assert_eq!(
        store.store_snapshot(&sample(), None, t(0)).unwrap().version,
        1
    );
    store.append("s", 1, &[event("e2", t(1))], &[]).unwrap();
}

/// The nightly job: fuse the sources, store; the sources change a few rows; pull the changes,
/// fuse, store; the diff names exactly those changes.
#[test]
fn a_nightly_refresh_of_the_sample_county_diffs_to_the_changed_rows() {
    let work = tempfile::tempdir().unwrap();
    let sources = work.path().join("sources");
    std::fs::create_dir(&sources).unwrap();
    copy_sample(&sources);
    let mut store = SqliteStore::open(work.path().join("g.db")).unwrap();
    let options = IntegrateOptions::default();
    let mut files = FileSource::new(&sources, ReadOptions::default()).unwrap();
    let (mut pulled, fused) = integrate::integrate_source(&mut files, &options).unwrap();
    let night1 = store
        .store_snapshot(
            &Snapshot::of(&fused).with_watermarks(pulled.watermarks.clone()),
            Some("night 1"),
            t(0),
        )
        .unwrap();

    // During the day: the ledger re-rates a transformer, the GIS re-measures a segment, a
    // customer's contract changes, a contact's phone changes, a meter is retired and another
    // installed.
    edit(
        &sources.join("pms_equipment.csv"),
        "T0000005",
        "rated_kva",
        "160",
    );
    edit(
        &sources.join("gis_connectivity.csv"),
        "L0000003",
        "length_m",
        "50",
    );
    edit(
        &sources.join("sg186_customers.csv"),
        "1000000010",
        "contracted_kva",
        "30",
    );
    edit(
        &sources.join("sg186_contacts.csv"),
        "1000000010",
        "phone",
        "13900001111",
    );
    delete_row(&sources.join("sg186_meters.csv"), "M1000000003");
    let mut meters = std::fs::read_to_string(sources.join("sg186_meters.csv")).unwrap();
    meters.push_str("M2000000001,1000000003,1\n");
    std::fs::write(sources.join("sg186_meters.csv"), meters).unwrap();

    let report = integrate::refresh(&mut files, &mut pulled).unwrap();
    // Files give no deltas: the five changed tables are re-read whole, the others not at all.
    let full: Vec<SourceTable> = report
        .iter()
        .filter(|(_, r)| r.full)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(
        full,
        [
            SourceTable::PmsEquipment,
            SourceTable::GisConnectivity,
            SourceTable::Sg186Customers,
            SourceTable::Sg186Contacts,
            SourceTable::Sg186Meters,
        ]
    );
    // Nothing refused: fusion builds the refreshed model.
    let fused2 = pulled.integrate(&options).unwrap();
    let night2 = store
        .store_snapshot(
            &Snapshot::of(&fused2).with_watermarks(pulled.watermarks.clone()),
            Some("night 2"),
            t(86_400),
        )
        .unwrap();
    assert_eq!(night2.version, night1.version + 1);
    assert_ne!(night2.watermarks, night1.watermarks);

    let d = store
        .diff_snapshots(night1.version, night2.version, Masking::Clear)
        .unwrap();
    let named: Vec<(RecordKind, &str, ChangeKind, Vec<&str>)> = d
        .changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.key.as_str(),
                c.change,
                c.fields.iter().map(|f| f.field.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (
                RecordKind::Line,
                "L0000003",
                ChangeKind::Changed,
                vec!["length_m"]
            ),
            (
                RecordKind::Line,
                "T0000005",
                ChangeKind::Changed,
                vec!["rated_kva"]
            ),
            (
                RecordKind::Customer,
                "1000000010",
                ChangeKind::Changed,
                vec!["contracted_kva"]
            ),
            (
                RecordKind::Contact,
                "1000000010/1",
                ChangeKind::Changed,
                vec!["phone"]
            ),
            (
                RecordKind::Meter,
                "M1000000003",
                ChangeKind::Removed,
                vec![]
            ),
            (RecordKind::Meter, "M2000000001", ChangeKind::Added, vec![]),
        ]
    );
    let line = d.get(RecordKind::Line, "T0000005").unwrap();
    // The sample's ledger rates T0000005 at 100 kVA.
    assert_eq!(line.fields[0].old, 100.0);
    assert_eq!(line.fields[0].new, 160.0);
    assert_eq!(
        d.counts[&RecordKind::Meter],
        KindCounts {
            added: 1,
            removed: 1,
            changed: 0
        }
    );
    // By default the phone is masked.
    let masked = store
        .diff_snapshots(night1.version, night2.version, Masking::default())
        .unwrap();
    let phone = &masked
        .get(RecordKind::Contact, "1000000010/1")
        .unwrap()
        .fields[0];
    assert_eq!(phone.new, "139****1111");
    assert_eq!(phone.old, "135****0963");
}
