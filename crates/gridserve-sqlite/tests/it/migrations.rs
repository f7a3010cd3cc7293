//! Schema versioning: fresh databases, reopening, newer and foreign databases.

use gridserve_core::ports::EventStore;
use gridserve_sqlite::schema::{APPLICATION_ID, SCHEMA_VERSION};
use gridserve_sqlite::{SqliteError, SqliteStore};

use crate::{event, t};

#[test]
fn a_fresh_database_gets_the_current_schema_and_reopens_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        s.append("s", 0, &[event("e", t(0))], &[]).unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.version("s").unwrap(), 1);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let app: i32 = raw
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    drop(SqliteStore::open(&path).unwrap());
    let newer = SCHEMA_VERSION + 1;
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(&format!("PRAGMA user_version = {newer}"))
            .unwrap();
    }
    match SqliteStore::open(&path) {
        Err(SqliteError::SchemaTooNew {
            found, supported, ..
        }) => {
            assert_eq!(found, newer);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, newer);
}

#[test]
fn a_foreign_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch("PRAGMA application_id = 42; CREATE TABLE t (x);")
            .unwrap();
    }
    assert!(matches!(
        SqliteStore::open(&path),
        Err(SqliteError::ForeignDatabase { found: 42, .. })
    ));
}

#[test]
fn a_failed_migration_step_leaves_the_previous_version() {
    // A version-0 gridserve database that already has a table named `streams`: step 1 fails on it and
    // must roll back entirely (no half-created tables, user_version still 0).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; CREATE TABLE streams (x)"
        ))
        .unwrap();
    }
    assert!(matches!(
        SqliteStore::open(&path),
        Err(SqliteError::Migration { to_version: 1, .. })
    ));
    let raw = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 0);
    let tables: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'outbox')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

#[test]
fn an_unopenable_path_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("g.db");
    assert!(matches!(
        SqliteStore::open(&path),
        Err(SqliteError::Open { .. })
    ));
}

#[test]
fn another_applications_file_with_id_zero_is_refused_and_untouched() {
    // Most SQLite files never set an application id: tables that are not gridserve's schema
    // make the file another application's, whatever its id.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch("CREATE TABLE customers (id, name); PRAGMA user_version = 3;")
            .unwrap();
    }
    assert!(matches!(
        SqliteStore::open(&path),
        Err(SqliteError::ForeignDatabase { found: 0, .. })
    ));
    let raw = rusqlite::Connection::open(&path).unwrap();
    let tables: Vec<String> = raw
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["customers"]);
    let app: i32 = raw
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, 0);
}

#[test]
fn a_gridserve_file_without_the_id_is_adopted_and_stamped() {
    // A file written before the id was set: gridserve's schema, user_version 1, id 0.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        s.append("s", 0, &[event("e", t(0))], &[]).unwrap();
    }
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.execute_batch("PRAGMA application_id = 0").unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.version("s").unwrap(), 1);
    drop(s);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let app: i32 = raw
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
}

#[test]
fn a_bit_flipped_file_fails_the_integrity_check_and_is_refused_on_open_when_asked() {
    use gridserve_sqlite::SqliteOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    {
        let mut s = SqliteStore::open(&path).unwrap();
        for i in 0..400 {
            s.append(&format!("stream-{i:04}"), 0, &[event("e", t(i))], &[])
                .unwrap();
        }
        s.integrity_check().unwrap();
    }
    // Closing the last connection checkpointed the log into the file. Flip bits in the
    // middle of the last page (a leaf of the events table or of an index), as a failing disk
    // or a bad copy would.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() >= 8 * page, "{} bytes", bytes.len());
    let start = bytes.len() - page + 1000;
    for b in &mut bytes[start..start + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();

    let damaged = |r: &Result<(), SqliteError>| {
        matches!(
            r,
            Err(SqliteError::Integrity { .. })
                | Err(SqliteError::Store(
                    gridserve_core::ports::StoreError::Corrupt { .. }
                ))
        )
    };
    // Opened without the check, the damage is found when asked for.
    let s = SqliteStore::open(&path).unwrap();
    let checked = s.integrity_check();
    assert!(damaged(&checked), "{checked:?}");
    drop(s);
    // Asked for on open, the file is refused.
    let options = SqliteOptions {
        check_integrity_on_open: true,
        ..SqliteOptions::default()
    };
    let opened = SqliteStore::open_with(&path, &options).map(drop);
    assert!(damaged(&opened), "{opened:?}");
}
