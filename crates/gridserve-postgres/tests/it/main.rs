//! Integration tests of gridserve-postgres, against a real PostgreSQL server (one binary,
//! many modules).
//!
//! The server: `GRIDSERVE_PG_URL` when set (a role that may `CREATE DATABASE`), otherwise a
//! private throwaway cluster ([`gridserve_postgres::TempCluster`]) started once for the
//! binary from Debian's `postgresql` package. Without either the tests fail with a message
//! saying how to provide one; they never pass without a server. Every test gets a database of
//! its own, dropped when it ends.
//!
//! `semantics` is the SQLite store's file of shared semantics, run here against
//! [`backend`]; `support` its helpers.

#[path = "../../../gridserve-sqlite/tests/it/crash.rs"]
mod crash;
#[path = "../../../gridserve-sqlite/tests/it/semantics.rs"]
mod semantics;
#[path = "../../../gridserve-sqlite/tests/it/support.rs"]
mod support;

mod concurrency;
mod dispatchers;
mod migrations;
mod model;
mod postgres_only;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use gridserve_postgres::{PgOptions, PostgresStore, TempCluster};

pub(crate) use support::*;

/// The environment variable naming an existing server.
pub(crate) const URL_ENV: &str = "GRIDSERVE_PG_URL";

enum Server {
    External(String),
    Private(TempCluster),
}

impl Server {
    /// A connection string for `database` on the server.
    fn url(&self, database: &str) -> String {
        match self {
            Server::Private(c) => c.url(database),
            Server::External(url) => with_database(url, database),
        }
    }
}

/// `url` with its database replaced by `database` (URL or `key=value` form).
fn with_database(url: &str, database: &str) -> String {
    for scheme in ["postgres://", "postgresql://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            let (main, query) = match rest.split_once('?') {
                Some((m, q)) => (m, Some(q)),
                None => (rest, None),
            };
            let authority = main.split_once('/').map_or(main, |(a, _)| a);
            return match query {
                Some(q) => format!("{scheme}{authority}/{database}?{q}"),
                None => format!("{scheme}{authority}/{database}"),
            };
        }
    }
    format!("{url} dbname={database}")
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    let got = SERVER.get_or_init(|| match std::env::var(URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Ok(Server::External(url)),
        _ => TempCluster::start()
            .map(Server::Private)
            .map_err(|e| e.to_string()),
    });
    match got {
        Ok(s) => s,
        Err(why) => panic!(
            "the PostgreSQL tests need a server and none could be had: {why}. \
             Either set {URL_ENV}=postgres://USER@HOST:PORT/DATABASE (a role that may CREATE \
             DATABASE), or install Debian's PostgreSQL (apt-get install -y postgresql) so the \
             tests can start a private throwaway cluster (as root they run it as the user \
             `postgres`, or GRIDSERVE_PG_OS_USER)."
        ),
    }
}

/// A database of its own for one test, dropped at the end.
pub(crate) struct TestDb {
    name: String,
    url: String,
}

impl TestDb {
    /// Creates a new, empty database.
    pub(crate) fn new() -> Self {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "gs_test_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = admin();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let url = server().url(&name);
        Self { name, url }
    }

    /// Its connection string.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A store on it with the default options.
    pub(crate) fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url).expect("connect")
    }

    /// A store on it with `options`.
    pub(crate) fn store_with(&self, options: &PgOptions) -> PostgresStore {
        PostgresStore::connect_with(&self.url, options).expect("connect")
    }

    /// A raw client on it, for looking under the store.
    pub(crate) fn raw(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("raw connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = std::panic::catch_unwind(admin) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A client on the server's maintenance database.
fn admin() -> postgres::Client {
    let url = match server() {
        Server::Private(c) => c.url("postgres"),
        Server::External(url) => url.clone(),
    };
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"))
}

/// The store under test, for `semantics`.
pub(crate) mod backend {
    pub(crate) use gridserve_postgres::PostgresStore as Store;
    pub(crate) use gridserve_postgres::{AppendRequest, OutboxCounts};

    /// What keeps a store's database alive.
    pub(crate) type Guard = super::TestDb;

    /// A store on a new, empty database.
    pub(crate) fn fresh_store() -> (Guard, Store) {
        let db = super::TestDb::new();
        let store = db.store();
        (db, store)
    }

    /// A second store (another connection, another instance) on the database of `guard`.
    pub(crate) fn second_store(guard: &Guard) -> Store {
        guard.store()
    }

    /// Where the database of `guard` is, for another process: its connection URL.
    pub(crate) fn location(guard: &Guard) -> String {
        guard.url().to_string()
    }

    /// A store on the database at `location`.
    pub(crate) fn open_at(location: &str) -> Store {
        Store::connect(location).expect("connect")
    }

    /// Checks after a writer was killed: the server ends the killed client's session (rolling
    /// back the transaction it was in, releasing its locks) within 10 s.
    pub(crate) fn after_crash(guard: &Guard, _store: &Store) {
        let mut raw = guard.raw();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let others: i64 = raw
                .query_one(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND application_name = 'gridserve' \
                     AND state <> 'idle'",
                    &[],
                )
                .expect("pg_stat_activity")
                .get(0);
            if others == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the killed writer's session is still busy after 10 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

#[test]
fn urls_get_the_test_database() {
    assert_eq!(
        with_database("postgres://u:p@h:5/db?sslmode=disable", "x"),
        "postgres://u:p@h:5/x?sslmode=disable"
    );
    assert_eq!(with_database("postgresql://u@h", "x"), "postgresql://u@h/x");
    assert_eq!(
        with_database("host=h user=u", "x"),
        "host=h user=u dbname=x"
    );
}
