//! The schema and its migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`. [`MIGRATIONS`] lists the steps in
//! order: step `i` (0-based) takes a database from version `i` to `i + 1`. Opening a database
//! runs the steps it lacks, each in its own `BEGIN IMMEDIATE` transaction together with the
//! bump of `user_version`, so a failed or interrupted step leaves the database at the version
//! before it. A database whose version is newer than [`SCHEMA_VERSION`] is refused with
//! [`SqliteError::SchemaTooNew`] and not touched. The file's `application_id` must be
//! gridserve's [`APPLICATION_ID`]; a file with id 0 is taken only when it is empty or holds
//! gridserve's schema (written before the id was checked; stamped on open), and any other
//! file is refused with [`SqliteError::ForeignDatabase`] and not touched. Steps are never edited once released; a
//! change of schema is a new step at the end.
//!
//! # Version 1
//!
//! ```sql
//! streams  (name PK, version)                       -- one row per event stream
//! events   (stream, version, event_type, payload,   -- the append-only log
//!           actor, at, at_ns, PK (stream, version))
//! outbox   (id INTEGER PK AUTOINCREMENT,            -- one row per notice, never deleted
//!           dedupe_key UNIQUE,                       -- the durable dedupe guard
//!           stream, stream_version, channel, address, supersede_key,
//!           message,                                 -- the OutboundMessage as JSON
//!           status CHECK IN (pending, sent, dead, suppressed),
//!           attempts, next_attempt_at, next_attempt_ns, expires_ns,
//!           last_error, provider_msg_id, sent_at, receipt)
//! opt_outs (channel, address, at, reason, PK (channel, address))
//! ```
//!
//! # Version 2
//!
//! ```sql
//! snapshots (version INTEGER PK AUTOINCREMENT,        -- monotonic, never reused after a delete
//!            taken_at, taken_ns, label,
//!            watermarks,                              -- the sources' watermarks as JSON
//!            points, lines, customers, bytes,         -- for listing without decoding
//!            body BLOB)                               -- the snapshot in gridserve's binary form
//! ```
//!
//! `body` is the encoding of `gridserve_core::persist` (kind `snapshot`: a 28-byte header with
//! magic, format version, kind, lengths and CRC-32, then the LZ4-compressed MessagePack of
//! the snapshot): one row per snapshot, not one per record.
//!
//! Times are stored twice where they are queried: as RFC 3339 text with the writer's offset
//! (read back exactly) and as nanoseconds since the Unix epoch (`*_ns`, compared in queries;
//! times outside 1677–2262 saturate). Partial indexes on pending rows serve `due` (by next
//! attempt, then id), expiry and supersede keys without touching delivered rows.

use rusqlite::Connection;

use crate::SqliteError;

/// gridserve's SQLite `application_id` ("GRDS"), written by the first migration.
pub const APPLICATION_ID: i32 = 0x4752_4453;

/// The schema steps, in order: step `i` takes version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: event log, outbox, opt-outs.
    "
    PRAGMA application_id = 1196573779;
    CREATE TABLE streams (
        name    TEXT    NOT NULL PRIMARY KEY,
        version INTEGER NOT NULL CHECK (version >= 0)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        stream     TEXT    NOT NULL,
        version    INTEGER NOT NULL CHECK (version >= 1),
        event_type TEXT    NOT NULL,
        payload    TEXT    NOT NULL,
        actor      TEXT    NOT NULL,
        at         TEXT    NOT NULL,
        at_ns      INTEGER NOT NULL,
        PRIMARY KEY (stream, version)
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key      TEXT    NOT NULL UNIQUE,
        stream          TEXT    NOT NULL,
        stream_version  INTEGER NOT NULL,
        channel         TEXT    NOT NULL,
        address         TEXT    NOT NULL,
        supersede_key   TEXT,
        message         TEXT    NOT NULL,
        status          TEXT    NOT NULL
                        CHECK (status IN ('pending', 'sent', 'dead', 'suppressed')),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT    NOT NULL,
        next_attempt_ns INTEGER NOT NULL,
        expires_ns      INTEGER,
        last_error      TEXT,
        provider_msg_id TEXT,
        sent_at         TEXT,
        receipt         TEXT
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_ns, id) WHERE status = 'pending';
    CREATE INDEX outbox_expiry ON outbox (expires_ns)
        WHERE status = 'pending' AND expires_ns IS NOT NULL;
    CREATE INDEX outbox_supersede ON outbox (supersede_key)
        WHERE status = 'pending' AND supersede_key IS NOT NULL;
    CREATE INDEX outbox_status ON outbox (status, id);
    CREATE INDEX outbox_provider ON outbox (provider_msg_id) WHERE provider_msg_id IS NOT NULL;
    CREATE TABLE opt_outs (
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        at      TEXT NOT NULL,
        reason  TEXT NOT NULL,
        PRIMARY KEY (channel, address)
    ) WITHOUT ROWID;
    ",
    // 2: fused snapshots of the source systems.
    "
    CREATE TABLE snapshots (
        version    INTEGER PRIMARY KEY AUTOINCREMENT,
        taken_at   TEXT    NOT NULL,
        taken_ns   INTEGER NOT NULL,
        label      TEXT,
        watermarks TEXT    NOT NULL,
        points     INTEGER NOT NULL CHECK (points >= 0),
        lines      INTEGER NOT NULL CHECK (lines >= 0),
        customers  INTEGER NOT NULL CHECK (customers >= 0),
        bytes      INTEGER NOT NULL CHECK (bytes >= 0),
        body       BLOB    NOT NULL
    );
    ",
];

/// The schema version this build writes: the number of [`MIGRATIONS`].
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads `PRAGMA user_version`.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// The tables of schema version 1: a file with application id 0 is gridserve's when it has
/// all of them (an earlier version left the id unset).
const GRIDSERVE_TABLES: [&str; 4] = ["streams", "events", "outbox", "opt_outs"];

/// A file with `application_id` 0: empty (new), gridserve's from before the id was checked
/// (stamped now), or another application's (refused, left untouched).
fn adopt(conn: &Connection, path: &str) -> Result<(), SqliteError> {
    let open_err = |e: rusqlite::Error| SqliteError::Open {
        path: path.to_string(),
        detail: e.to_string(),
    };
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(open_err)?;
    if tables.is_empty() {
        return Ok(());
    }
    let ours = GRIDSERVE_TABLES
        .iter()
        .all(|t| tables.iter().any(|x| x == t))
        && user_version(conn).map_err(open_err)? >= 1;
    if !ours {
        return Err(SqliteError::ForeignDatabase {
            path: path.to_string(),
            found: 0,
        });
    }
    conn.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
        .map_err(open_err)
}

/// Brings the database to [`SCHEMA_VERSION`] (or refuses a newer one).
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<(), SqliteError> {
    migrate_steps(conn, path, MIGRATIONS)
}

/// [`migrate`] with an explicit list of steps (tests add a step of their own).
pub(crate) fn migrate_steps(
    conn: &mut Connection,
    path: &str,
    steps: &[&str],
) -> Result<(), SqliteError> {
    let supported = steps.len() as i64;
    let open_err = |e: rusqlite::Error| SqliteError::Open {
        path: path.to_string(),
        detail: e.to_string(),
    };
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(open_err)?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(SqliteError::ForeignDatabase {
            path: path.to_string(),
            found: app_id,
        });
    }
    if app_id == 0 {
        adopt(conn, path)?;
    }
    loop {
        let found = user_version(conn).map_err(open_err)?;
        if found > supported {
            return Err(SqliteError::SchemaTooNew {
                path: path.to_string(),
                found,
                supported,
            });
        }
        if found == supported {
            return Ok(());
        }
        let to_version = found + 1;
        let fail = |e: rusqlite::Error| SqliteError::Migration {
            to_version,
            detail: e.to_string(),
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        // Another process may have migrated between the read above and the lock.
        if user_version(&tx).map_err(fail)? != found {
            continue;
        }
        let step = usize::try_from(found)
            .ok()
            .and_then(|i| steps.get(i))
            .ok_or_else(|| SqliteError::Migration {
                to_version,
                detail: format!("no step from version {found}"),
            })?;
        tx.execute_batch(step).map_err(fail)?;
        tx.execute_batch(&format!("PRAGMA user_version = {to_version}"))
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
}
