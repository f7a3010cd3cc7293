//! Integration tests of gridserve-sqlite (one binary, many modules).
//!
//! `semantics` holds every semantic of the store traits, written against the `backend`
//! module below, and so is `crash`; the PostgreSQL store's tests run the same files against
//! their own `backend`.

mod crash;
mod migrations;
mod options;
mod semantics;
mod snapshots;
mod support;

pub(crate) use support::*;

/// The store under test, for `semantics`.
pub(crate) mod backend {
    pub(crate) use gridserve_sqlite::SqliteStore as Store;
    pub(crate) use gridserve_sqlite::{AppendRequest, OutboxCounts};

    /// What keeps a store's database alive (here: its temporary directory).
    pub(crate) type Guard = tempfile::TempDir;

    /// A store on a new, empty database.
    pub(crate) fn fresh_store() -> (Guard, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("g.db")).expect("open");
        (dir, store)
    }

    /// A second store (another connection) on the database of `guard`.
    pub(crate) fn second_store(guard: &Guard) -> Store {
        open_at(&location(guard))
    }

    /// Where the database of `guard` is, for another process: its path.
    pub(crate) fn location(guard: &Guard) -> String {
        guard.path().join("g.db").display().to_string()
    }

    /// A store on the database at `location`.
    pub(crate) fn open_at(location: &str) -> Store {
        Store::open(location).expect("open")
    }

    /// Checks after a writer was killed: the file passes SQLite's integrity check.
    pub(crate) fn after_crash(_guard: &Guard, store: &Store) {
        store
            .integrity_check()
            .expect("integrity check after the crash");
    }
}
