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
