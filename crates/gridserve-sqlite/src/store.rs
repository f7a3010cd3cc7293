//! [`SqliteStore`]: the event store and outbox in one SQLite database.

use std::path::Path;
use std::time::Duration;

use gridserve_core::ports::{
    Appended, AttemptResult, Channel, EventStore, NewEvent, OptOuts, OutboundMessage,
    OutboxDelivery, OutboxEntry, OutboxQueries, OutboxStatus, ReceiptStatus, StoreError,
    StoredEntry, StoredEvent, Timestamp, parse_stored_text, stored_nanos, stored_text,
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

pub use gridserve_core::ports::{AppendRequest, OutboxCounts};

use crate::error::{corrupt, store_err};
use crate::{SqliteError, schema};

/// How hard SQLite works to make a commit survive a crash of the machine.
///
/// Both modes survive a crash of the *process* (a kill, a panic): a commit has reached the
/// operating system before `append` returns. They differ on a crash of the *machine* (power
/// loss, kernel panic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    /// `PRAGMA synchronous = FULL` (the default): every commit waits until the write-ahead log
    /// is on stable storage. What `append` acknowledged survives a power loss.
    #[default]
    Full,
    /// `PRAGMA synchronous = NORMAL`: the log is synced only at checkpoints. Several times
    /// faster per commit; the database stays consistent after a power loss, but the last
    /// commits before it may be rolled back: acknowledged events and notices may vanish, and
    /// a notice recorded as sent may be pending again and sent a second time.
    Normal,
}

impl Synchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// Settings of a [`SqliteStore`], as serde data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteOptions {
    /// Durability of a commit; [`Synchronous::Full`] by default.
    pub synchronous: Synchronous,
    /// How long a writer waits for another connection's write lock before failing with
    /// `StoreError::Backend` (milliseconds; default 5,000).
    pub busy_timeout_ms: u64,
    /// Prepared statements kept per connection (default 64).
    pub statement_cache: usize,
    /// Run `PRAGMA integrity_check` when opening and refuse a damaged file with
    /// [`SqliteError::Integrity`] (default `false`: the check reads the whole file).
    pub check_integrity_on_open: bool,
    /// The page cache per connection in KiB (`PRAGMA cache_size = -N`; default 2,000,
    /// SQLite's own). A dispatcher recording thousands of results per transaction touches
    /// more pages than that; a larger cache keeps them in memory until the commit instead of
    /// spilling them to the log mid-transaction and reading them back.
    pub cache_kib: u32,
    /// Pages the write-ahead log may hold before a commit copies them into the database file
    /// (`PRAGMA wal_autocheckpoint`; default 1,000, SQLite's own; at least 1). Each such
    /// checkpoint writes and syncs the database file; a storm that records hundreds of
    /// thousands of results checkpoints less often with a larger value, at the cost of a
    /// longer log (read by every reader) until the next checkpoint.
    pub wal_autocheckpoint_pages: u32,
}

fn default_cache_kib() -> u32 {
    2_000
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            busy_timeout_ms: 5_000,
            statement_cache: 64,
            check_integrity_on_open: false,
            cache_kib: default_cache_kib(),
            wal_autocheckpoint_pages: 1_000,
        }
    }
}

/// The event log and transactional outbox in one SQLite database (WAL mode).
///
/// One value holds one connection; it is `Send` but not `Sync`. Several values (threads or
/// processes) may open the same file: readers never block, writers take turns, waiting up to
/// the busy timeout. Run one dispatcher per database: `due` does not lease entries, so two
/// dispatchers would send the same entry twice.
///
/// ```
/// use gridserve_core::ports::{EventStore, NewEvent, OutboxQueries, OutboxStatus, china_offset};
/// use gridserve_sqlite::SqliteStore;
///
/// let dir = tempfile::tempdir()?;
/// let mut store = SqliteStore::open(dir.path().join("gridserve.db"))?;
/// let at = chrono::Utc::now().with_timezone(&china_offset());
/// let event = NewEvent {
///     event_type: "defect.recorded".into(),
///     payload_json: r#"{"device":"T0000042"}"#.into(),
///     actor: "inspector-7".into(),
///     at,
/// };
/// let done = store.append("defect/D-1", 0, &[event], &[])?;
/// assert_eq!(done.version, 1);
/// assert_eq!(store.load("defect/D-1", 0)?.len(), 1);
/// assert!(store.list(OutboxStatus::Pending, 10)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    pub(crate) conn: Connection,
    path: String,
    options: SqliteOptions,
}

/// `PRAGMA integrity_check` on `conn`: `Ok` when SQLite answers only `ok`.
fn integrity_check(conn: &Connection) -> Result<(), SqliteError> {
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .map_err(|e| store_err("integrity check", e))?;
    let problems = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| store_err("integrity check", e))?;
    if problems.len() == 1 && problems.first().is_some_and(|p| p == "ok") {
        Ok(())
    } else {
        Err(SqliteError::Integrity { problems })
    }
}

const ENTRY_COLUMNS: &str = "id, message, status, attempts, next_attempt_at, last_error, \
                             provider_msg_id, sent_at, receipt";

impl SqliteStore {
    /// Opens (or creates) the database at `path` with the default [`SqliteOptions`], and
    /// migrates it to the current schema.
    ///
    /// # Errors
    /// [`SqliteError::Open`], [`SqliteError::Configure`], [`SqliteError::ForeignDatabase`],
    /// [`SqliteError::SchemaTooNew`], [`SqliteError::Migration`], or with
    /// [`SqliteOptions::check_integrity_on_open`] [`SqliteError::Integrity`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SqliteError> {
        Self::open_with(path, &SqliteOptions::default())
    }

    /// Opens (or creates) the database at `path` with `options`.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, SqliteError> {
        let shown = path.as_ref().display().to_string();
        let conn = Connection::open(path.as_ref()).map_err(|e| SqliteError::Open {
            path: shown.clone(),
            detail: e.to_string(),
        })?;
        Self::setup(conn, shown, options, true)
    }

    /// A private in-memory database (for tests and scratch work; nothing is durable).
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_in_memory() -> Result<Self, SqliteError> {
        let conn = Connection::open_in_memory().map_err(|e| SqliteError::Open {
            path: ":memory:".into(),
            detail: e.to_string(),
        })?;
        Self::setup(conn, ":memory:".into(), &SqliteOptions::default(), false)
    }

    fn setup(
        mut conn: Connection,
        path: String,
        options: &SqliteOptions,
        wal: bool,
    ) -> Result<Self, SqliteError> {
        let configure = |pragma: &str, value: &str, e: rusqlite::Error| SqliteError::Configure {
            pragma: pragma.into(),
            value: value.into(),
            detail: e.to_string(),
        };
        conn.busy_timeout(Duration::from_millis(options.busy_timeout_ms))
            .map_err(|e| configure("busy_timeout", &options.busy_timeout_ms.to_string(), e))?;
        conn.set_prepared_statement_cache_capacity(options.statement_cache);
        if wal {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(|e| configure("journal_mode", "WAL", e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(SqliteError::Configure {
                    pragma: "journal_mode".into(),
                    value: "WAL".into(),
                    detail: format!("SQLite kept journal mode {mode}"),
                });
            }
        }
        let cache = format!("-{}", options.cache_kib.max(1));
        conn.execute_batch(&format!("PRAGMA cache_size = {cache}"))
            .map_err(|e| configure("cache_size", &cache, e))?;
        let pages = options.wal_autocheckpoint_pages.max(1).to_string();
        conn.execute_batch(&format!("PRAGMA wal_autocheckpoint = {pages}"))
            .map_err(|e| configure("wal_autocheckpoint", &pages, e))?;
        let sync = options.synchronous.pragma_value();
        conn.execute_batch(&format!("PRAGMA synchronous = {sync}"))
            .map_err(|e| configure("synchronous", sync, e))?;
        if options.check_integrity_on_open {
            // Before the migration, so a damaged file is refused before anything is written.
            integrity_check(&conn)?;
        }
        schema::migrate(&mut conn, &path)?;
        Ok(Self {
            conn,
            path,
            options: options.clone(),
        })
    }

    /// The path the store was opened with (`:memory:` for an in-memory one).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &SqliteOptions {
        &self.options
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    ///
    /// # Errors
    /// A backend error.
    pub fn schema_version(&self) -> Result<i64, SqliteError> {
        schema::user_version(&self.conn).map_err(|e| store_err("schema version", e).into())
    }

    /// Runs `PRAGMA integrity_check` over the whole database.
    ///
    /// # Errors
    /// [`SqliteError::Integrity`] with SQLite's list of problems, or a backend error.
    pub fn integrity_check(&self) -> Result<(), SqliteError> {
        integrity_check(&self.conn)
    }

    /// Appends to several streams and enqueues their notices in one transaction: all of the
    /// batch is durable when this returns `Ok`, or none of it (a version conflict in any
    /// request rolls back the whole batch). Requests on the same stream apply in order, so the
    /// second one expects the version the first leaves. This is the fast path for storms: one
    /// commit (one sync) for hundreds of thousands of notices.
    ///
    /// # Errors
    /// As [`EventStore::append`].
    pub fn append_many(&mut self, batch: &[AppendRequest]) -> Result<Vec<Appended>, StoreError> {
        let tx = self.write_tx()?;
        let mut out = Vec::with_capacity(batch.len());
        for r in batch {
            out.push(append_in(
                &tx,
                &r.stream,
                r.expected_version,
                &r.events,
                &r.notices,
            )?);
        }
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(out)
    }

    /// How many outbox entries are in each status.
    ///
    /// # Errors
    /// A backend error.
    pub fn counts(&self) -> Result<OutboxCounts, StoreError> {
        let err = |e| store_err("outbox counts", e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(err)?
            .collect::<Result<Vec<(String, i64)>, _>>()
            .map_err(err)?;
        OutboxCounts::from_stored(rows)
    }

    pub(crate) fn write_tx(&mut self) -> Result<Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| store_err("begin", e))
    }

    fn query_entries(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        query_entries(&self.conn, sql, params)
    }
}

fn query_entries(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut stmt = conn
        .prepare_cached(sql)
        .map_err(|e| store_err("outbox", e))?;
    let mut rows = stmt.query(params).map_err(|e| store_err("outbox", e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| store_err("outbox", e))? {
        out.push(entry_from_row(row)?);
    }
    Ok(out)
}

fn to_i64(what: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend {
        detail: format!("{what} {v} exceeds the largest value SQLite stores"),
    })
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> Result<OutboxEntry, StoreError> {
    let get = |e| store_err("outbox entry", e);
    StoredEntry {
        id: row.get(0).map_err(get)?,
        message: row.get(1).map_err(get)?,
        status: row.get(2).map_err(get)?,
        attempts: row.get(3).map_err(get)?,
        next_attempt_at: row.get(4).map_err(get)?,
        last_error: row.get(5).map_err(get)?,
        provider_msg_id: row.get(6).map_err(get)?,
        sent_at: row.get(7).map_err(get)?,
        receipt: row.get(8).map_err(get)?,
    }
    .into_entry()
}

fn stream_version(conn: &Connection, stream: &str) -> Result<u64, StoreError> {
    let v: Option<i64> = conn
        .prepare_cached("SELECT version FROM streams WHERE name = ?1")
        .and_then(|mut s| s.query_row([stream], |r| r.get(0)).optional())
        .map_err(|e| store_err("stream version", e))?;
    match v {
        None => Ok(0),
        Some(v) => u64::try_from(v).map_err(|_| corrupt("stream version", v)),
    }
}

/// The body of one append inside an open write transaction.
fn append_in(
    tx: &Transaction<'_>,
    stream: &str,
    expected_version: u64,
    events: &[NewEvent],
    notices: &[OutboundMessage],
) -> Result<Appended, StoreError> {
    let actual = stream_version(tx, stream)?;
    if actual != expected_version {
        return Err(StoreError::VersionConflict {
            stream: stream.to_string(),
            expected: expected_version,
            actual,
        });
    }
    let mut version = expected_version;
    if !events.is_empty() {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (stream, version, event_type, payload, actor, at, at_ns) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(|e| store_err("append event", e))?;
        for ev in events {
            version = version.checked_add(1).ok_or_else(|| StoreError::Backend {
                detail: format!("stream {stream} is full at version {version}"),
            })?;
            insert
                .execute(params![
                    stream,
                    to_i64("version", version)?,
                    ev.event_type,
                    ev.payload_json,
                    ev.actor,
                    stored_text(&ev.at),
                    stored_nanos(&ev.at),
                ])
                .map_err(|e| store_err("append event", e))?;
        }
        let version_i = to_i64("version", version)?;
        tx.prepare_cached(
            "INSERT INTO streams (name, version) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut s| s.execute(params![stream, version_i]))
        .map_err(|e| store_err("stream version", e))?;
    }
    let (enqueued, duplicates, superseded) = enqueue_in(tx, notices)?;
    Ok(Appended {
        version,
        enqueued,
        duplicates,
        superseded,
    })
}

fn enqueue_in(
    tx: &Transaction<'_>,
    notices: &[OutboundMessage],
) -> Result<(usize, usize, usize), StoreError> {
    if notices.is_empty() {
        return Ok((0, 0, 0));
    }
    let err = |e| store_err("enqueue notice", e);
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO outbox (dedupe_key, stream, stream_version, channel, address, \
             supersede_key, message, status, next_attempt_at, next_attempt_ns, expires_ns) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8, ?9, ?10) \
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .map_err(err)?;
    let mut supersede = tx
        .prepare_cached(
            "UPDATE outbox SET status = 'suppressed', last_error = ?3 \
             WHERE supersede_key = ?1 AND status = 'pending' AND id < ?2",
        )
        .map_err(err)?;
    let (mut enqueued, mut duplicates, mut superseded) = (0, 0, 0);
    let mut json = Vec::with_capacity(512);
    for n in notices {
        json.clear();
        serde_json::to_writer(&mut json, n).map_err(|e| StoreError::Backend {
            detail: format!("notice {}: cannot serialize: {e}", n.dedupe_key),
        })?;
        let json_text = std::str::from_utf8(&json).map_err(|e| StoreError::Backend {
            detail: format!("notice {}: {e}", n.dedupe_key),
        })?;
        let inserted = insert
            .execute(params![
                n.dedupe_key,
                n.stream,
                to_i64("stream version", n.stream_version)?,
                n.channel.as_str(),
                n.address,
                n.supersede_key,
                json_text,
                stored_text(&n.not_before),
                stored_nanos(&n.not_before),
                n.expires_at.as_ref().map(stored_nanos),
            ])
            .map_err(err)?;
        if inserted == 0 {
            duplicates += 1;
            continue;
        }
        enqueued += 1;
        if let Some(key) = &n.supersede_key {
            let id = tx.last_insert_rowid();
            superseded += supersede
                .execute(params![key, id, format!("superseded by {}", n.dedupe_key)])
                .map_err(err)?;
        }
    }
    Ok((enqueued, duplicates, superseded))
}

fn record_in(tx: &Transaction<'_>, id: u64, result: &AttemptResult) -> Result<(), StoreError> {
    let err = |e| store_err("record attempt", e);
    let id_i = to_i64("entry id", id)?;
    let changed = match result {
        AttemptResult::Sent {
            at,
            provider_msg_id,
        } => tx
            .prepare_cached(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?2, \
                 provider_msg_id = ?3 WHERE id = ?1 AND status = 'pending'",
            )
            .and_then(|mut s| s.execute(params![id_i, stored_text(at), provider_msg_id])),
        AttemptResult::Retry {
            next_attempt_at,
            error,
        } => tx
            .prepare_cached(
                "UPDATE outbox SET status = 'pending', attempts = attempts + 1, \
                 next_attempt_at = ?2, next_attempt_ns = ?3, last_error = ?4 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id_i,
                    stored_text(next_attempt_at),
                    stored_nanos(next_attempt_at),
                    error
                ])
            }),
        AttemptResult::Dead { reason } | AttemptResult::Suppressed { reason } => {
            let status = if matches!(result, AttemptResult::Dead { .. }) {
                OutboxStatus::Dead
            } else {
                OutboxStatus::Suppressed
            };
            tx.prepare_cached(
                "UPDATE outbox SET status = ?2, attempts = attempts + 1, last_error = ?3 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .and_then(|mut s| s.execute(params![id_i, OutboxStatus::as_str(status), reason]))
        }
    }
    .map_err(err)?;
    if changed == 0 {
        // Either no such entry, or it is settled: a settled entry is never re-opened.
        let status: Option<String> = tx
            .prepare_cached("SELECT status FROM outbox WHERE id = ?1")
            .and_then(|mut s| s.query_row(params![id_i], |r| r.get(0)).optional())
            .map_err(err)?;
        return Err(match status {
            None => StoreError::UnknownEntry { id },
            Some(status) => StoreError::NotPending {
                id,
                status: OutboxStatus::from_stored(&status)?,
            },
        });
    }
    Ok(())
}

impl EventStore for SqliteStore {
    fn append(
        &mut self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        notices: &[OutboundMessage],
    ) -> Result<Appended, StoreError> {
        let tx = self.write_tx()?;
        let appended = append_in(&tx, stream, expected_version, events, notices)?;
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(appended)
    }

    fn load(&self, stream: &str, after_version: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let err = |e| store_err("load events", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version, event_type, payload, actor, at FROM events \
                 WHERE stream = ?1 AND version > ?2 ORDER BY version",
            )
            .map_err(err)?;
        let after = i64::try_from(after_version).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![stream, after]).map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let version: i64 = row.get(0).map_err(err)?;
            let at: String = row.get(4).map_err(err)?;
            let what = format!("event {stream}@{version}");
            out.push(StoredEvent {
                stream: stream.to_string(),
                version: u64::try_from(version).map_err(|_| corrupt(&what, "negative version"))?,
                event_type: row.get(1).map_err(err)?,
                payload_json: row.get(2).map_err(err)?,
                actor: row.get(3).map_err(err)?,
                at: parse_stored_text(&what, &at)?,
            });
        }
        Ok(out)
    }

    fn version(&self, stream: &str) -> Result<u64, StoreError> {
        stream_version(&self.conn, stream)
    }

    fn streams(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let err = |e| store_err("streams", e);
        // Names sort by their UTF-8 bytes, so the names with the prefix form one run that
        // starts at the first name >= prefix.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM streams WHERE name >= ?1 ORDER BY name")
            .map_err(err)?;
        let mut rows = stmt.query([prefix]).map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let name: String = row.get(0).map_err(err)?;
            if !name.starts_with(prefix) {
                break;
            }
            out.push(name);
        }
        Ok(out)
    }
}

impl OutboxDelivery for SqliteStore {
    /// Pending entries with `next_attempt_at <= now` (a new entry's first attempt is its
    /// `not_before`), earliest next attempt first and then in enqueue order; entries with
    /// `expires_at <= now` are first marked suppressed, in the same transaction.
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let now_ns = stored_nanos(&now);
        let tx = self.write_tx()?;
        tx.prepare_cached(
            "UPDATE outbox SET status = 'suppressed', last_error = ?2 \
             WHERE status = 'pending' AND expires_ns IS NOT NULL AND expires_ns <= ?1",
        )
        .and_then(|mut s| {
            s.execute(params![
                now_ns,
                format!("expired unsent at {}", stored_text(&now))
            ])
        })
        .map_err(|e| store_err("expire notices", e))?;
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM outbox INDEXED BY outbox_due \
             WHERE status = 'pending' AND next_attempt_ns <= ?1 \
             ORDER BY next_attempt_ns, id LIMIT ?2"
        );
        let entries = query_entries(&tx, &sql, params![now_ns, limit_i64(limit)])?;
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(entries)
    }

    fn record(&mut self, id: u64, result: &AttemptResult) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        record_in(&tx, id, result)?;
        tx.commit().map_err(|e| store_err("commit", e))
    }

    /// All results in one transaction: all are recorded, or none (an unknown id rolls back
    /// the batch).
    fn record_many(&mut self, results: &[(u64, AttemptResult)]) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        for (id, result) in results {
            record_in(&tx, *id, result)?;
        }
        tx.commit().map_err(|e| store_err("commit", e))
    }

    fn receipt(
        &mut self,
        provider_msg_id: &str,
        status: &ReceiptStatus,
    ) -> Result<Option<u64>, StoreError> {
        let err = |e| store_err("receipt", e);
        let json = serde_json::to_string(status).map_err(|e| StoreError::Backend {
            detail: format!("receipt: cannot serialize: {e}"),
        })?;
        let tx = self.write_tx()?;
        let id: Option<i64> = tx
            .prepare_cached(
                "SELECT id FROM outbox WHERE provider_msg_id = ?1 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([provider_msg_id], |r| r.get(0)).optional())
            .map_err(err)?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.prepare_cached("UPDATE outbox SET receipt = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, json]))
            .map_err(err)?;
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(u64::try_from(id).ok())
    }
}

impl OutboxQueries for SqliteStore {
    fn entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = ?1");
        Ok(self.query_entries(&sql, [id])?.into_iter().next())
    }

    fn by_dedupe_key(&self, dedupe_key: &str) -> Result<Option<OutboxEntry>, StoreError> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE dedupe_key = ?1");
        Ok(self.query_entries(&sql, [dedupe_key])?.into_iter().next())
    }

    fn list(&self, status: OutboxStatus, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE status = ?1 ORDER BY id LIMIT ?2");
        self.query_entries(
            &sql,
            params![OutboxStatus::as_str(status), limit_i64(limit)],
        )
    }
}

impl OptOuts for SqliteStore {
    fn set_opt_out(
        &mut self,
        channel: Channel,
        address: &str,
        at: Timestamp,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO opt_outs (channel, address, at, reason) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (channel, address) DO UPDATE SET at = excluded.at, \
                 reason = excluded.reason",
            )
            .and_then(|mut s| {
                s.execute(params![channel.as_str(), address, stored_text(&at), reason])
            })
            .map_err(|e| store_err("opt-out", e))?;
        Ok(())
    }

    fn clear_opt_out(&mut self, channel: Channel, address: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM opt_outs WHERE channel = ?1 AND address = ?2")
            .and_then(|mut s| s.execute(params![channel.as_str(), address]))
            .map_err(|e| store_err("opt-out", e))?;
        Ok(())
    }

    fn is_opted_out(&self, channel: Channel, address: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM opt_outs WHERE channel = ?1 AND address = ?2")
            .and_then(|mut s| s.exists(params![channel.as_str(), address]))
            .map_err(|e| store_err("opt-out", e))
    }
}
