//! What only the SQLite store has: durability settings, reopening a file, in-memory
//! databases.

use gridserve_core::ports::{Channel, EventStore, OptOuts, OutboxDelivery, OutboxQueries};
use gridserve_sqlite::{SqliteOptions, SqliteStore, Synchronous};

use crate::{event, notice, t};

#[test]
fn data_survives_reopening_and_normal_sync_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let opts = SqliteOptions {
        synchronous: Synchronous::Normal,
        ..SqliteOptions::default()
    };
    {
        let mut s = SqliteStore::open_with(&path, &opts).unwrap();
        s.append("s", 0, &[event("e", t(0))], &[notice("k", "s", 1, "a")])
            .unwrap();
        s.set_opt_out(Channel::App, "inbox-1", t(0), "user choice")
            .unwrap();
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.version("s").unwrap(), 1);
    assert_eq!(
        s.by_dedupe_key("k").unwrap().unwrap().message,
        notice("k", "s", 1, "a")
    );
    assert!(s.is_opted_out(Channel::App, "inbox-1").unwrap());
    s.integrity_check().unwrap();
}

#[test]
fn in_memory_store_works() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    s.append("m", 0, &[event("e", t(0))], &[notice("k", "m", 1, "a")])
        .unwrap();
    assert_eq!(s.due(t(0), 5).unwrap().len(), 1);
    assert_eq!(s.path(), ":memory:");
}

#[test]
fn a_longer_log_between_checkpoints_keeps_every_row_and_options_refuse_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long-log.db");
    let opts = SqliteOptions {
        cache_kib: 65_536,
        wal_autocheckpoint_pages: 50_000,
        ..SqliteOptions::default()
    };
    {
        let mut s = SqliteStore::open_with(&path, &opts).unwrap();
        let notices: Vec<_> = (0..2_000)
            .map(|i| notice(&format!("k{i}"), "s", 1, &format!("a{i}")))
            .collect();
        s.append("s", 0, &[event("e", t(0))], &notices).unwrap();
        assert_eq!(s.options(), &opts);
    }
    // Reopened with the defaults: the rows still in the log are read back.
    let mut s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.due(t(0), 5_000).unwrap().len(), 2_000);
    s.integrity_check().unwrap();
    // The settings as data: a misspelt key is refused by name, never dropped.
    let err = serde_json::from_str::<SqliteOptions>(r#"{"wal_autocheckpoint": 10}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("wal_autocheckpoint"), "{err}");
    let back: SqliteOptions = serde_json::from_str(&serde_json::to_string(&opts).unwrap()).unwrap();
    assert_eq!(back, opts);
}
