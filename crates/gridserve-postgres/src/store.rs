//! [`PostgresStore`]: the event store and outbox in one PostgreSQL schema.
//!
//! About 1,060 lines of code: one type implements the four store traits over one connection
//! and one set of prepared statements, and each statement's SQL sits next to the code that
//! binds its parameters and reads its rows.

use std::borrow::Cow;
use std::cell::{RefCell, RefMut};
use std::str::FromStr;
use std::time::Duration;

use gridserve_core::excerpt;
use gridserve_core::ports::{
    AppendRequest, Appended, AttemptResult, Channel, EventStore, NewEvent, OptOuts,
    OutboundMessage, OutboxCounts, OutboxDelivery, OutboxEntry, OutboxQueries, OutboxStatus,
    ReceiptStatus, StoreError, StoredEntry, StoredEvent, Timestamp, parse_stored_text,
    stored_nanos, stored_text,
};
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Row, Statement, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{corrupt, store_err};
use crate::{PgError, schema};

/// Settings of a [`PostgresStore`], as serde data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PgOptions {
    /// The PostgreSQL schema that holds gridserve's tables (default `gridserve`): a plain
    /// lower-case identifier. Created on first open.
    pub schema: String,
    /// How long a dispatch lease lasts (milliseconds of the dispatcher's clock; default
    /// 300,000 = 5 minutes). An entry returned by `due` is not returned to another store
    /// instance until its result is recorded or the lease runs out, so the lease must be
    /// longer than a dispatch round takes (its batch times the messenger's send timeout); an
    /// instance that dies mid-round leaves its entries to the others after this long.
    pub lease_ms: u64,
    /// The name this instance leases entries under (default: the client's process id and a
    /// random suffix, different for every open). Two stores open at once must never share
    /// a name: they would take each other's leases.
    pub instance: Option<String>,
    /// How long connecting may take (milliseconds; default 10,000), unless the connection
    /// string sets `connect_timeout`.
    pub connect_timeout_ms: u64,
    /// How long a statement waits for a lock held by another transaction before it fails
    /// with `StoreError::Backend` (milliseconds; default 10,000; 0 waits without limit).
    pub lock_timeout_ms: u64,
    /// The longest a statement may run (milliseconds; default 0: no limit, the server's
    /// setting). A storm of 200,000 notices is one statement.
    pub statement_timeout_ms: u64,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            schema: "gridserve".into(),
            lease_ms: 300_000,
            instance: None,
            connect_timeout_ms: 10_000,
            lock_timeout_ms: 10_000,
            statement_timeout_ms: 0,
        }
    }
}

impl PgOptions {
    fn validate(&self) -> Result<(), PgError> {
        let invalid = |field: &str, value: String, reason: &str| PgError::InvalidOption {
            field: field.into(),
            value,
            reason: reason.into(),
        };
        if !schema::is_plain_identifier(&self.schema) {
            return Err(invalid(
                "schema",
                self.schema.clone(),
                "must be a lower-case identifier (a-z, 0-9, _; not starting with a digit or pg_; at most 63 bytes)",
            ));
        }
        if self.lease_ms == 0 {
            return Err(invalid(
                "lease_ms",
                "0".into(),
                "must be at least 1 (a lease that never holds lets two dispatchers send the same notice)",
            ));
        }
        if i64::try_from(self.lease_ms).is_err() {
            return Err(invalid(
                "lease_ms",
                self.lease_ms.to_string(),
                "must fit in 63 bits",
            ));
        }
        if let Some(name) = &self.instance
            && (name.is_empty() || name.len() > 200 || name.contains('\0'))
        {
            return Err(invalid(
                "instance",
                name.clone(),
                "must be 1 to 200 bytes without NUL characters",
            ));
        }
        for (field, v) in [
            ("lock_timeout_ms", self.lock_timeout_ms),
            ("statement_timeout_ms", self.statement_timeout_ms),
        ] {
            if i32::try_from(v).is_err() {
                return Err(invalid(
                    field,
                    v.to_string(),
                    "must be at most 2,147,483,647 (PostgreSQL's limit)",
                ));
            }
        }
        Ok(())
    }
}

/// A dispatch lease on an outbox entry, as [`PostgresStore::lease`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The instance holding it ([`PostgresStore::instance`] of the store that took it).
    pub owner: String,
    /// When it runs out, in nanoseconds since the Unix epoch of the dispatcher's clock.
    pub until_ns: i64,
}

/// The prepared statements of one connection.
struct Statements {
    version: Statement,
    version_share: Statement,
    bump: Statement,
    create: Statement,
    events: Statement,
    enqueue: Statement,
    supersede: Statement,
    load: Statement,
    streams_all: Statement,
    streams_from: Statement,
    streams_range: Statement,
    expire: Statement,
    due: Statement,
    record: Statement,
    status_of: Statement,
    receipt: Statement,
    entry: Statement,
    by_key: Statement,
    list: Statement,
    counts: Statement,
    opt_set: Statement,
    opt_clear: Statement,
    opt_is: Statement,
    opt_among: Statement,
    lease: Statement,
}

const ENTRY_COLUMNS: &str = "id, message, status, attempts, next_attempt_at, last_error, \
                             provider_msg_id, sent_at, receipt";

impl Statements {
    fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        let mut p = |sql: &str| client.prepare(sql);
        Ok(Self {
            version: p("SELECT version FROM streams WHERE name = $1")?,
            version_share: p("SELECT version FROM streams WHERE name = $1 FOR SHARE")?,
            bump: p("UPDATE streams SET version = $3 WHERE name = $1 AND version = $2")?,
            create: p(
                "INSERT INTO streams (name, version) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )?,
            events: p(
                "INSERT INTO events (stream, version, event_type, payload, actor, at, at_ns) \
                 SELECT $1, v, t, p, a, at, ns FROM unnest($2::BIGINT[], $3::TEXT[], \
                 $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::BIGINT[]) AS u(v, t, p, a, at, ns)",
            )?,
            // ORDER BY the input position: ids follow the order of the notices.
            enqueue: p(
                "INSERT INTO outbox (dedupe_key, stream, stream_version, channel, address, \
                 supersede_key, message, status, next_attempt_at, next_attempt_ns, expires_ns) \
                 SELECT dk, st, sv, ch, ad, sk, msg, 'pending', na, nn, ex \
                 FROM unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], \
                 $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::BIGINT[], $10::BIGINT[]) \
                 WITH ORDINALITY AS u(dk, st, sv, ch, ad, sk, msg, na, nn, ex, ord) \
                 ORDER BY ord \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )?,
            // Every pending notice with one of the keys is superseded by the next newer
            // pending one with its key (an append's own notices included).
            supersede: p("UPDATE outbox o SET status = 'suppressed', \
                 last_error = 'superseded by ' || v.newer, lease_owner = NULL, \
                 lease_until_ns = NULL \
                 FROM (SELECT id, lead(dedupe_key) OVER (PARTITION BY supersede_key ORDER BY id) \
                       AS newer FROM outbox \
                       WHERE status = 'pending' AND supersede_key = ANY($1::TEXT[])) v \
                 WHERE o.id = v.id AND v.newer IS NOT NULL")?,
            load: p(
                "SELECT version, event_type, payload, actor, at FROM events \
                 WHERE stream = $1 AND version > $2 ORDER BY version",
            )?,
            streams_all: p("SELECT name FROM streams ORDER BY name")?,
            streams_from: p("SELECT name FROM streams WHERE name >= $1 ORDER BY name")?,
            streams_range: p(
                "SELECT name FROM streams WHERE name >= $1 AND name < $2 ORDER BY name",
            )?,
            expire: p(
                "UPDATE outbox SET status = 'suppressed', last_error = $2, lease_owner = NULL, \
                 lease_until_ns = NULL \
                 WHERE id = ANY(ARRAY(SELECT id FROM outbox WHERE status = 'pending' \
                 AND expires_ns <= $1 FOR UPDATE SKIP LOCKED))",
            )?,
            due: p(&format!(
                "UPDATE outbox SET lease_owner = $3, lease_until_ns = $4 \
                 WHERE id = ANY(ARRAY(SELECT id FROM outbox WHERE status = 'pending' \
                 AND next_attempt_ns <= $1 \
                 AND (lease_owner IS NULL OR lease_owner = $3 OR lease_until_ns <= $1) \
                 ORDER BY next_attempt_ns, id LIMIT $2 FOR UPDATE SKIP LOCKED)) \
                 RETURNING {ENTRY_COLUMNS}, next_attempt_ns"
            ))?,
            record: p(
                "UPDATE outbox o SET status = u.status, attempts = o.attempts + 1, \
                 sent_at = CASE WHEN u.status = 'sent' THEN u.sent_at ELSE o.sent_at END, \
                 provider_msg_id = CASE WHEN u.status = 'sent' THEN u.pmid \
                                   ELSE o.provider_msg_id END, \
                 next_attempt_at = COALESCE(u.next_at, o.next_attempt_at), \
                 next_attempt_ns = COALESCE(u.next_ns, o.next_attempt_ns), \
                 last_error = CASE WHEN u.status = 'sent' THEN o.last_error ELSE u.err END, \
                 lease_owner = CASE WHEN u.status <> 'pending' OR o.lease_owner = $8 \
                               THEN NULL ELSE o.lease_owner END, \
                 lease_until_ns = CASE WHEN u.status <> 'pending' OR o.lease_owner = $8 \
                                  THEN NULL ELSE o.lease_until_ns END \
                 FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
                 $6::BIGINT[], $7::TEXT[]) AS u(id, status, sent_at, pmid, next_at, next_ns, err) \
                 WHERE o.id = u.id AND o.status = 'pending' RETURNING o.id",
            )?,
            status_of: p("SELECT id, status FROM outbox WHERE id = ANY($1::BIGINT[])")?,
            receipt: p(
                "UPDATE outbox SET receipt = $2 WHERE id = (SELECT id FROM outbox \
                 WHERE provider_msg_id = $1 ORDER BY id DESC LIMIT 1) RETURNING id",
            )?,
            entry: p(&format!("SELECT {ENTRY_COLUMNS} FROM outbox WHERE id = $1"))?,
            by_key: p(&format!(
                "SELECT {ENTRY_COLUMNS} FROM outbox WHERE dedupe_key = $1"
            ))?,
            list: p(&format!(
                "SELECT {ENTRY_COLUMNS} FROM outbox WHERE status = $1 ORDER BY id LIMIT $2"
            ))?,
            counts: p("SELECT status, COUNT(*) FROM outbox GROUP BY status")?,
            opt_set: p(
                "INSERT INTO opt_outs (channel, address, at, reason) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (channel, address) DO UPDATE SET at = excluded.at, \
                 reason = excluded.reason",
            )?,
            opt_clear: p("DELETE FROM opt_outs WHERE channel = $1 AND address = $2")?,
            opt_is: p("SELECT 1 FROM opt_outs WHERE channel = $1 AND address = $2")?,
            opt_among: p(
                "SELECT address FROM opt_outs WHERE channel = $1 AND address = ANY($2::TEXT[])",
            )?,
            lease: p("SELECT lease_owner, lease_until_ns FROM outbox WHERE id = $1")?,
        })
    }
}

/// One connection with its statements.
struct Conn {
    client: Client,
    st: Statements,
}

/// The event log and transactional outbox in one PostgreSQL schema, for several
/// application instances on one database.
///
/// One value holds one connection; it is `Send` but not `Sync`. Any number of values, in
/// any number of processes and machines, may use the same schema at once:
///
/// - **appends** are optimistic per stream: the stream's version moves from the expected
///   one to the new one in a conditional update, so of two writers that read the same
///   version one appends and the other gets `StoreError::VersionConflict` with nothing
///   written;
/// - **dispatch** is leased: [`OutboxDelivery::due`] takes the due entries with
///   `FOR UPDATE SKIP LOCKED` and marks them leased by this instance until
///   `now + lease_ms`, so two dispatchers never get the same entry while its lease holds (see
///   [`PgOptions::lease_ms`]); recording a result ends the lease. An entry leased by an
///   instance that died is taken by another one once the lease runs out; it may then be
///   sent a second time if the dead one had sent it without recording it, the one window
///   [`gridserve_core::outbox`] describes.
///
/// A lost connection is opened again on the next call (the call that saw it fails with
/// `StoreError::Backend`; the transaction it was in is rolled back by the server).
/// Durability is the server's: with PostgreSQL's default `synchronous_commit = on`, an
/// acknowledged append survives a crash of the process and of the server.
///
/// Differences from the SQLite store: PostgreSQL text cannot hold the NUL character, so a
/// stream name, event, dedupe key, address or supersede key containing one is refused with
/// `StoreError::Backend` (naming the field), reads with one find nothing, and in free texts
/// (error reasons, provider ids) it is replaced by U+FFFD. Two appends to different streams
/// that commit at the same moment with the same supersede key do not see each other's notice,
/// so both stay pending until the next notice with that key supersedes them (appends to one
/// stream are serialised by the stream's row). There is no TLS support built in: connect over
/// a Unix socket or the loopback, or through a tunnel.
///
/// ```no_run
/// use gridserve_core::ports::{EventStore, NewEvent, china_offset};
/// use gridserve_postgres::PostgresStore;
///
/// let mut store = PostgresStore::connect("postgres://gridserve@127.0.0.1:5432/utility")?;
/// let at = chrono::Utc::now().with_timezone(&china_offset());
/// let event = NewEvent {
///     event_type: "defect.recorded".into(),
///     payload_json: r#"{"device":"T0000042"}"#.into(),
///     actor: "inspector-7".into(),
///     at,
/// };
/// let done = store.append("defect/D-1", store.version("defect/D-1")?, &[event], &[])?;
/// assert!(done.version >= 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresStore {
    conn: RefCell<Conn>,
    config: Config,
    server: String,
    options: PgOptions,
    instance: String,
    lease_ns: i64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.server)
            .field("options", &self.options)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// `user@host:port/database` of a configuration, without the password.
fn describe(config: &Config) -> String {
    use postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().or(config.get_user()).unwrap_or("?")
    )
}

/// Connects, sets the session up (schema on the search path, timeouts) and prepares the
/// statements. Does not migrate.
fn open_conn(
    config: &Config,
    server: &str,
    options: &PgOptions,
    prepare: bool,
) -> Result<(Client, Option<Statements>), PgError> {
    let connect_err = |e: postgres::Error| PgError::Connect {
        server: server.to_string(),
        detail: match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        },
    };
    let mut client = config.connect(NoTls).map_err(connect_err)?;
    client
        .batch_execute(&format!(
            "SET search_path TO {}, pg_catalog; SET lock_timeout = {}; SET statement_timeout = {}",
            schema::quote_ident(&options.schema),
            options.lock_timeout_ms,
            options.statement_timeout_ms
        ))
        .map_err(connect_err)?;
    let st = if prepare {
        Some(
            Statements::prepare(&mut client)
                .map_err(|e| PgError::Store(store_err("prepare", e)))?,
        )
    } else {
        None
    };
    Ok((client, st))
}

impl PostgresStore {
    /// Connects to the server named by `url` (`postgres://user:password@host:port/database`
    /// or `host=… user=… dbname=…`) with the default [`PgOptions`], and migrates the schema.
    ///
    /// # Errors
    /// [`PgError::InvalidUrl`], [`PgError::Connect`], [`PgError::ForeignSchema`],
    /// [`PgError::SchemaTooNew`] or [`PgError::Migration`].
    pub fn connect(url: &str) -> Result<Self, PgError> {
        Self::connect_with(url, &PgOptions::default())
    }

    /// Connects with `options`, and migrates the schema.
    ///
    /// # Errors
    /// As [`PostgresStore::connect`], and [`PgError::InvalidOption`].
    pub fn connect_with(url: &str, options: &PgOptions) -> Result<Self, PgError> {
        Self::connect_steps(url, options, schema::MIGRATIONS)
    }

    /// [`PostgresStore::connect_with`] with an explicit list of schema steps (for tests of
    /// the migration machinery).
    #[doc(hidden)]
    pub fn connect_steps(
        url: &str,
        options: &PgOptions,
        steps: &[schema::Step],
    ) -> Result<Self, PgError> {
        options.validate()?;
        let mut config = Config::from_str(url).map_err(|e| PgError::InvalidUrl {
            detail: e.to_string(),
        })?;
        if config.get_hosts().is_empty() {
            return Err(PgError::InvalidUrl {
                detail: "no host given".into(),
            });
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_millis(options.connect_timeout_ms));
        }
        if config.get_application_name().is_none() {
            config.application_name("gridserve");
        }
        let server = describe(&config);
        let (mut client, _) = open_conn(&config, &server, options, false)?;
        schema::migrate_steps(&mut client, &options.schema, steps)?;
        let st = Statements::prepare(&mut client).map_err(|e| store_err("prepare", e))?;
        let instance = match &options.instance {
            Some(name) => name.clone(),
            None => {
                let row = client
                    .query_one(
                        "SELECT md5(random()::text || clock_timestamp()::text \
                         || pg_backend_pid()::text)",
                        &[],
                    )
                    .map_err(|e| store_err("instance name", e))?;
                let suffix: String = row.try_get(0).map_err(|e| store_err("instance name", e))?;
                format!("{}-{}", std::process::id(), &suffix[..suffix.len().min(12)])
            }
        };
        let lease_ns = i64::try_from(options.lease_ms)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        Ok(Self {
            conn: RefCell::new(Conn { client, st }),
            config,
            server,
            options: options.clone(),
            instance,
            lease_ns,
        })
    }

    /// The server as `user@host:port/database` (no password).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &PgOptions {
        &self.options
    }

    /// The name this store leases outbox entries under.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The schema version in the database (see [`schema`]).
    ///
    /// # Errors
    /// A backend error.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let mut c = self.conn()?;
        schema::current_version(&mut c.client, &self.options.schema)
            .map_err(|e| store_err("schema version", e))
    }

    /// The dispatch lease on entry `id`, if one was taken and not ended by a record.
    ///
    /// # Errors
    /// A backend error.
    pub fn lease(&self, id: u64) -> Result<Option<Lease>, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(&st.lease, &[&id])
            .map_err(|e| store_err("lease", e))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let owner: Option<String> = row.try_get(0).map_err(|e| store_err("lease", e))?;
        let until: Option<i64> = row.try_get(1).map_err(|e| store_err("lease", e))?;
        Ok(owner
            .zip(until)
            .map(|(owner, until_ns)| Lease { owner, until_ns }))
    }

    /// Appends to several streams and enqueues their notices in one transaction: all of the
    /// batch is durable when this returns `Ok`, or none of it (a version conflict in any
    /// request rolls back the whole batch). Requests on the same stream apply in order, so the
    /// second one expects the version the first leaves. The fast path for storms: one commit
    /// for hundreds of thousands of notices.
    ///
    /// # Errors
    /// As [`EventStore::append`].
    pub fn append_many(&mut self, batch: &[AppendRequest]) -> Result<Vec<Appended>, StoreError> {
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let mut tx = client.transaction().map_err(|e| store_err("begin", e))?;
        let mut out = Vec::with_capacity(batch.len());
        for r in batch {
            out.push(append_in(
                &mut tx,
                st,
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
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let err = |e| store_err("outbox counts", e);
        let rows = client.query(&st.counts, &[]).map_err(err)?;
        OutboxCounts::from_stored(
            rows.iter()
                .map(|row| Ok((row.try_get(0).map_err(err)?, row.try_get(1).map_err(err)?)))
                .collect::<Result<Vec<_>, StoreError>>()?,
        )
    }

    /// The connection, opened again first if it was lost.
    fn conn(&self) -> Result<RefMut<'_, Conn>, StoreError> {
        let mut c = self
            .conn
            .try_borrow_mut()
            .map_err(|_| StoreError::Backend {
                detail: "the store's connection is in use by another call on this thread".into(),
            })?;
        if c.client.is_closed() {
            let (client, st) = open_conn(&self.config, &self.server, &self.options, true)?;
            if let Some(st) = st {
                *c = Conn { client, st };
            }
        }
        Ok(c)
    }
}

fn to_i64(what: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Backend {
        detail: format!("{what} {v} exceeds the largest value PostgreSQL's BIGINT stores"),
    })
}

fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Refuses a NUL character in a text PostgreSQL is to store as an identity (a name, key or
/// address). `record` names the record; the value is not repeated (it may be an address).
fn no_nul(record: &str, field: &str, value: &str) -> Result<(), StoreError> {
    if value.contains('\0') {
        return Err(StoreError::Backend {
            detail: format!(
                "{record}: {field} contains a NUL character (U+0000), which PostgreSQL text cannot store"
            ),
        });
    }
    Ok(())
}

/// A free text (a reason, an error, a provider id) with NUL characters replaced by U+FFFD.
fn clean(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn entry_from_row(row: &Row) -> Result<OutboxEntry, StoreError> {
    let get = |e| store_err("outbox entry", e);
    StoredEntry {
        id: row.try_get(0).map_err(get)?,
        message: row.try_get(1).map_err(get)?,
        status: row.try_get(2).map_err(get)?,
        attempts: i64::from(row.try_get::<_, i32>(3).map_err(get)?),
        next_attempt_at: row.try_get(4).map_err(get)?,
        last_error: row.try_get(5).map_err(get)?,
        provider_msg_id: row.try_get(6).map_err(get)?,
        sent_at: row.try_get(7).map_err(get)?,
        receipt: row.try_get(8).map_err(get)?,
    }
    .into_entry()
}

fn entries(rows: &[Row]) -> Result<Vec<OutboxEntry>, StoreError> {
    rows.iter().map(entry_from_row).collect()
}

fn version_of(
    client: &mut impl postgres::GenericClient,
    stmt: &Statement,
    stream: &str,
) -> Result<u64, StoreError> {
    let rows = client
        .query(stmt, &[&stream])
        .map_err(|e| store_err("stream version", e))?;
    match rows.first() {
        None => Ok(0),
        Some(row) => {
            let v: i64 = row.try_get(0).map_err(|e| store_err("stream version", e))?;
            u64::try_from(v).map_err(|_| corrupt("stream version", v))
        }
    }
}

/// The body of one append inside an open transaction.
fn append_in(
    tx: &mut Transaction<'_>,
    st: &Statements,
    stream: &str,
    expected_version: u64,
    events: &[NewEvent],
    notices: &[OutboundMessage],
) -> Result<Appended, StoreError> {
    no_nul(&format!("stream {}", excerpt(stream)), "name", stream)?;
    let conflict = |tx: &mut Transaction<'_>| -> StoreError {
        match version_of(tx, &st.version, stream) {
            Ok(actual) => StoreError::VersionConflict {
                stream: stream.to_string(),
                expected: expected_version,
                actual,
            },
            Err(e) => e,
        }
    };
    let expected_i = to_i64("version", expected_version)?;
    let mut version = expected_version;
    if events.is_empty() {
        // Notices only: the stream must be at the expected version, held there until commit.
        let actual = version_of(tx, &st.version_share, stream)?;
        if actual != expected_version {
            return Err(StoreError::VersionConflict {
                stream: stream.to_string(),
                expected: expected_version,
                actual,
            });
        }
    } else {
        let n = u64::try_from(events.len()).unwrap_or(u64::MAX);
        version = expected_version
            .checked_add(n)
            .ok_or_else(|| StoreError::Backend {
                detail: format!(
                    "stream {} is full at version {expected_version}",
                    excerpt(stream)
                ),
            })?;
        let version_i = to_i64("version", version)?;
        // The conditional move of the version is the optimistic-concurrency check: a
        // concurrent writer that moved the stream first makes it change nothing.
        let moved = if expected_version == 0 {
            tx.execute(&st.create, &[&stream, &version_i])
        } else {
            tx.execute(&st.bump, &[&stream, &expected_i, &version_i])
        }
        .map_err(|e| store_err("stream version", e))?;
        if moved != 1 {
            return Err(conflict(tx));
        }
        let mut versions = Vec::with_capacity(events.len());
        let (mut types, mut payloads, mut actors, mut ats, mut at_ns) = (
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
            Vec::with_capacity(events.len()),
        );
        for (i, ev) in events.iter().enumerate() {
            let v = expected_i.saturating_add(i64::try_from(i).unwrap_or(i64::MAX) + 1);
            let record = format!("event {}@{v}", excerpt(stream));
            no_nul(&record, "event_type", &ev.event_type)?;
            no_nul(&record, "payload_json", &ev.payload_json)?;
            no_nul(&record, "actor", &ev.actor)?;
            versions.push(v);
            types.push(ev.event_type.as_str());
            payloads.push(ev.payload_json.as_str());
            actors.push(ev.actor.as_str());
            ats.push(stored_text(&ev.at));
            at_ns.push(stored_nanos(&ev.at));
        }
        tx.execute(
            &st.events,
            &[&stream, &versions, &types, &payloads, &actors, &ats, &at_ns],
        )
        .map_err(|e| store_err("append event", e))?;
    }
    let (enqueued, duplicates, superseded) = enqueue_in(tx, st, stream, notices)?;
    Ok(Appended {
        version,
        enqueued,
        duplicates,
        superseded,
    })
}

/// Enqueues `notices` (the ones whose dedupe key is new) and supersedes older pending notices
/// with their supersede keys: two statements whatever the number of notices.
fn enqueue_in(
    tx: &mut Transaction<'_>,
    st: &Statements,
    stream: &str,
    notices: &[OutboundMessage],
) -> Result<(usize, usize, usize), StoreError> {
    if notices.is_empty() {
        return Ok((0, 0, 0));
    }
    let n = notices.len();
    let mut keys = Vec::with_capacity(n);
    let mut streams = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut channels = Vec::with_capacity(n);
    let mut addresses = Vec::with_capacity(n);
    let mut supersede: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut messages = Vec::with_capacity(n);
    let mut next_at = Vec::with_capacity(n);
    let mut next_ns = Vec::with_capacity(n);
    let mut expires: Vec<Option<i64>> = Vec::with_capacity(n);
    let mut supersede_keys: Vec<&str> = Vec::new();
    for (i, m) in notices.iter().enumerate() {
        // Named by position: a dedupe key or address may hold a phone number.
        let record = format!("notice #{} of the append to {}", i + 1, excerpt(stream));
        no_nul(&record, "dedupe_key", &m.dedupe_key)?;
        no_nul(&record, "stream", &m.stream)?;
        no_nul(&record, "address", &m.address)?;
        if let Some(k) = &m.supersede_key {
            no_nul(&record, "supersede_key", k)?;
            supersede_keys.push(k);
        }
        let json = serde_json::to_string(m).map_err(|e| StoreError::Backend {
            detail: format!("{record}: cannot serialize: {e}"),
        })?;
        keys.push(m.dedupe_key.as_str());
        streams.push(m.stream.as_str());
        versions.push(to_i64("stream version", m.stream_version)?);
        channels.push(m.channel.as_str());
        addresses.push(m.address.as_str());
        supersede.push(m.supersede_key.as_deref());
        messages.push(json);
        next_at.push(stored_text(&m.not_before));
        next_ns.push(stored_nanos(&m.not_before));
        expires.push(m.expires_at.as_ref().map(stored_nanos));
    }
    let err = |e| store_err("enqueue notice", e);
    let params: [&(dyn ToSql + Sync); 10] = [
        &keys, &streams, &versions, &channels, &addresses, &supersede, &messages, &next_at,
        &next_ns, &expires,
    ];
    let enqueued = tx.query(&st.enqueue, &params).map_err(err)?.len();
    let superseded = if supersede_keys.is_empty() || enqueued == 0 {
        0
    } else {
        supersede_keys.sort_unstable();
        supersede_keys.dedup();
        let changed = tx.execute(&st.supersede, &[&supersede_keys]).map_err(err)?;
        usize::try_from(changed).unwrap_or(usize::MAX)
    };
    Ok((enqueued, n - enqueued, superseded))
}

/// The columns of one batch of results, for the `record` statement.
#[derive(Default)]
struct RecordColumns {
    ids: Vec<i64>,
    status: Vec<&'static str>,
    sent_at: Vec<Option<String>>,
    pmid: Vec<Option<String>>,
    next_at: Vec<Option<String>>,
    next_ns: Vec<Option<i64>>,
    err: Vec<Option<String>>,
}

/// Records `results` inside an open transaction: one statement for the batch; the first
/// result (in order) whose entry is unknown or settled fails the whole batch.
fn record_in(
    tx: &mut Transaction<'_>,
    st: &Statements,
    instance: &str,
    results: &[(u64, AttemptResult)],
) -> Result<(), StoreError> {
    let mut cols = RecordColumns::default();
    for (id, result) in results {
        let Ok(id_i) = i64::try_from(*id) else {
            return Err(StoreError::UnknownEntry { id: *id });
        };
        cols.ids.push(id_i);
        let (status, sent_at, pmid, next_at, next_ns, err) = match result {
            AttemptResult::Sent {
                at,
                provider_msg_id,
            } => (
                "sent",
                Some(stored_text(at)),
                provider_msg_id.as_deref().map(|p| clean(p).into_owned()),
                None,
                None,
                None,
            ),
            AttemptResult::Retry {
                next_attempt_at,
                error,
            } => (
                "pending",
                None,
                None,
                Some(stored_text(next_attempt_at)),
                Some(stored_nanos(next_attempt_at)),
                Some(clean(error).into_owned()),
            ),
            AttemptResult::Dead { reason } => (
                "dead",
                None,
                None,
                None,
                None,
                Some(clean(reason).into_owned()),
            ),
            AttemptResult::Suppressed { reason } => (
                "suppressed",
                None,
                None,
                None,
                None,
                Some(clean(reason).into_owned()),
            ),
        };
        cols.status.push(status);
        cols.sent_at.push(sent_at);
        cols.pmid.push(pmid);
        cols.next_at.push(next_at);
        cols.next_ns.push(next_ns);
        cols.err.push(err);
    }
    let err = |e| store_err("record attempt", e);
    let mut sorted = cols.ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() < cols.ids.len() {
        // The same entry twice in one batch: apply one at a time, in order, as `record`
        // would (the second attempt finds the entry settled unless the first was a retry).
        for i in 0..cols.ids.len() {
            let one = RecordColumns {
                ids: vec![cols.ids[i]],
                status: vec![cols.status[i]],
                sent_at: vec![cols.sent_at[i].clone()],
                pmid: vec![cols.pmid[i].clone()],
                next_at: vec![cols.next_at[i].clone()],
                next_ns: vec![cols.next_ns[i]],
                err: vec![cols.err[i].clone()],
            };
            record_columns(tx, st, instance, &one, &[cols.ids[i]])?;
        }
        return Ok(());
    }
    record_columns(tx, st, instance, &cols, &sorted).map_err(|e| match e {
        RecordFailure::Store(e) => e,
        RecordFailure::Client(e) => err(e),
    })
}

enum RecordFailure {
    Store(StoreError),
    Client(postgres::Error),
}

impl From<RecordFailure> for StoreError {
    fn from(e: RecordFailure) -> Self {
        match e {
            RecordFailure::Store(e) => e,
            RecordFailure::Client(e) => store_err("record attempt", e),
        }
    }
}

fn record_columns(
    tx: &mut Transaction<'_>,
    st: &Statements,
    instance: &str,
    cols: &RecordColumns,
    sorted_ids: &[i64],
) -> Result<(), RecordFailure> {
    let params: [&(dyn ToSql + Sync); 8] = [
        &cols.ids,
        &cols.status,
        &cols.sent_at,
        &cols.pmid,
        &cols.next_at,
        &cols.next_ns,
        &cols.err,
        &instance,
    ];
    let changed = tx
        .query(&st.record, &params)
        .map_err(RecordFailure::Client)?;
    if changed.len() == sorted_ids.len() {
        return Ok(());
    }
    // Some entry is unknown or settled: name the first in the batch's order.
    let mut done = Vec::with_capacity(changed.len());
    for row in &changed {
        done.push(row.try_get::<_, i64>(0).map_err(RecordFailure::Client)?);
    }
    done.sort_unstable();
    let statuses = tx
        .query(&st.status_of, &[&cols.ids])
        .map_err(RecordFailure::Client)?;
    for id in &cols.ids {
        if done.binary_search(id).is_ok() {
            continue;
        }
        let id_u = u64::try_from(*id).unwrap_or(0);
        let status = statuses
            .iter()
            .find(|r| r.try_get::<_, i64>(0).ok() == Some(*id))
            .map(|r| r.try_get::<_, String>(1))
            .transpose()
            .map_err(RecordFailure::Client)?;
        return Err(RecordFailure::Store(match status {
            None => StoreError::UnknownEntry { id: id_u },
            Some(s) => match OutboxStatus::from_stored(&s) {
                Ok(status) => StoreError::NotPending { id: id_u, status },
                Err(e) => e,
            },
        }));
    }
    Ok(())
}

impl EventStore for PostgresStore {
    fn append(
        &mut self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        notices: &[OutboundMessage],
    ) -> Result<Appended, StoreError> {
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let mut tx = client.transaction().map_err(|e| store_err("begin", e))?;
        let appended = append_in(&mut tx, st, stream, expected_version, events, notices)?;
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(appended)
    }

    fn load(&self, stream: &str, after_version: u64) -> Result<Vec<StoredEvent>, StoreError> {
        if stream.contains('\0') {
            return Ok(Vec::new());
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let err = |e| store_err("load events", e);
        let after = i64::try_from(after_version).unwrap_or(i64::MAX);
        let rows = client.query(&st.load, &[&stream, &after]).map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let version: i64 = row.try_get(0).map_err(err)?;
            let at: String = row.try_get(4).map_err(err)?;
            let what = format!("event {}@{version}", excerpt(stream));
            out.push(StoredEvent {
                stream: stream.to_string(),
                version: u64::try_from(version).map_err(|_| corrupt(&what, "negative version"))?,
                event_type: row.try_get(1).map_err(err)?,
                payload_json: row.try_get(2).map_err(err)?,
                actor: row.try_get(3).map_err(err)?,
                at: parse_stored_text(&what, &at)?,
            });
        }
        Ok(out)
    }

    fn version(&self, stream: &str) -> Result<u64, StoreError> {
        if stream.contains('\0') {
            return Ok(0);
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        version_of(client, &st.version, stream)
    }

    fn streams(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        if prefix.contains('\0') {
            return Ok(Vec::new());
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let err = |e| store_err("streams", e);
        // Names sort by their UTF-8 bytes (collation "C"), so the names with the prefix are
        // the run from the prefix up to its successor.
        let rows = if prefix.is_empty() {
            client.query(&st.streams_all, &[])
        } else if let Some(upper) = successor(prefix) {
            client.query(&st.streams_range, &[&prefix, &upper])
        } else {
            client.query(&st.streams_from, &[&prefix])
        }
        .map_err(err)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = row.try_get(0).map_err(err)?;
            if name.starts_with(prefix) {
                out.push(name);
            }
        }
        Ok(out)
    }
}

/// The least string greater than every string that starts with `prefix` (in code point
/// order, which is UTF-8 byte order): the prefix with its last character that can be
/// increased increased and the rest dropped; `None` when every character is `char::MAX`.
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

impl OutboxDelivery for PostgresStore {
    /// Pending entries with `next_attempt_at <= now` that no other instance holds a live
    /// lease on, earliest next attempt first and then in enqueue order, leased to this
    /// instance until `now + lease_ms`; entries with `expires_at <= now` are first marked
    /// suppressed, in the same transaction. Entries this instance already leases are returned
    /// again (a round that did not record them may take them again).
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let now_ns = stored_nanos(&now);
        let until = now_ns.saturating_add(self.lease_ns);
        let instance = self.instance.clone();
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let mut tx = client.transaction().map_err(|e| store_err("begin", e))?;
        let reason = format!("expired unsent at {}", stored_text(&now));
        tx.execute(&st.expire, &[&now_ns, &reason])
            .map_err(|e| store_err("expire notices", e))?;
        let rows = tx
            .query(&st.due, &[&now_ns, &limit_i64(limit), &instance, &until])
            .map_err(|e| store_err("due notices", e))?;
        let mut keyed = Vec::with_capacity(rows.len());
        for row in &rows {
            let next_ns: i64 = row.try_get(9).map_err(|e| store_err("due notices", e))?;
            let entry = entry_from_row(row)?;
            keyed.push((next_ns, entry));
        }
        tx.commit().map_err(|e| store_err("commit", e))?;
        // RETURNING gives no order: restore the one the lease was taken in.
        keyed.sort_by_key(|(next, e)| (*next, e.id));
        Ok(keyed.into_iter().map(|(_, e)| e).collect())
    }

    fn record(&mut self, id: u64, result: &AttemptResult) -> Result<(), StoreError> {
        self.record_many(&[(id, result.clone())])
    }

    /// All results in one transaction and one statement: all are recorded, or none (an
    /// unknown or settled entry rolls back the batch). A result ends this instance's lease
    /// on the entry; a retry recorded by an instance whose lease ran out leaves the new
    /// holder's lease in place.
    fn record_many(&mut self, results: &[(u64, AttemptResult)]) -> Result<(), StoreError> {
        if results.is_empty() {
            return Ok(());
        }
        let instance = self.instance.clone();
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let mut tx = client.transaction().map_err(|e| store_err("begin", e))?;
        record_in(&mut tx, st, &instance, results)?;
        tx.commit().map_err(|e| store_err("commit", e))
    }

    fn receipt(
        &mut self,
        provider_msg_id: &str,
        status: &ReceiptStatus,
    ) -> Result<Option<u64>, StoreError> {
        let json = serde_json::to_string(status).map_err(|e| StoreError::Backend {
            detail: format!("receipt: cannot serialize: {e}"),
        })?;
        let pmid = clean(provider_msg_id);
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(&st.receipt, &[&pmid.as_ref(), &json])
            .map_err(|e| store_err("receipt", e))?;
        match rows.first() {
            None => Ok(None),
            Some(row) => {
                let id: i64 = row.try_get(0).map_err(|e| store_err("receipt", e))?;
                Ok(u64::try_from(id).ok())
            }
        }
    }
}

impl OutboxQueries for PostgresStore {
    fn entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(&st.entry, &[&id])
            .map_err(|e| store_err("outbox", e))?;
        Ok(entries(&rows)?.into_iter().next())
    }

    fn by_dedupe_key(&self, dedupe_key: &str) -> Result<Option<OutboxEntry>, StoreError> {
        if dedupe_key.contains('\0') {
            return Ok(None);
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(&st.by_key, &[&dedupe_key])
            .map_err(|e| store_err("outbox", e))?;
        Ok(entries(&rows)?.into_iter().next())
    }

    fn list(&self, status: OutboxStatus, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(
                &st.list,
                &[&OutboxStatus::as_str(status), &limit_i64(limit)],
            )
            .map_err(|e| store_err("outbox", e))?;
        entries(&rows)
    }
}

impl OptOuts for PostgresStore {
    fn set_opt_out(
        &mut self,
        channel: Channel,
        address: &str,
        at: Timestamp,
        reason: &str,
    ) -> Result<(), StoreError> {
        no_nul(&format!("opt-out from {channel}"), "address", address)?;
        let reason = clean(reason);
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        client
            .execute(
                &st.opt_set,
                &[
                    &channel.as_str(),
                    &address,
                    &stored_text(&at),
                    &reason.as_ref(),
                ],
            )
            .map_err(|e| store_err("opt-out", e))?;
        Ok(())
    }

    fn clear_opt_out(&mut self, channel: Channel, address: &str) -> Result<(), StoreError> {
        if address.contains('\0') {
            return Ok(());
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        client
            .execute(&st.opt_clear, &[&channel.as_str(), &address])
            .map_err(|e| store_err("opt-out", e))?;
        Ok(())
    }

    fn is_opted_out(&self, channel: Channel, address: &str) -> Result<bool, StoreError> {
        if address.contains('\0') {
            return Ok(false);
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let rows = client
            .query(&st.opt_is, &[&channel.as_str(), &address])
            .map_err(|e| store_err("opt-out", e))?;
        Ok(!rows.is_empty())
    }

    /// One query for all of `addresses`.
    fn opted_out_among(
        &self,
        channel: Channel,
        addresses: &[&str],
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let list: Vec<&str> = addresses
            .iter()
            .copied()
            .filter(|a| !a.contains('\0'))
            .collect();
        if list.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        let mut c = self.conn()?;
        let Conn { client, st } = &mut *c;
        let err = |e| store_err("opt-out", e);
        let rows = client
            .query(&st.opt_among, &[&channel.as_str(), &list])
            .map_err(err)?;
        rows.iter()
            .map(|r| r.try_get::<_, String>(0).map_err(err))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_can_move_to_another_thread() {
        fn send<T: Send>() {}
        send::<PostgresStore>();
        send::<PgError>();
    }

    #[test]
    fn successor_bounds_exactly_the_strings_with_the_prefix() {
        assert_eq!(successor("defect/").as_deref(), Some("defect0"));
        assert_eq!(successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(successor("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(successor("\u{10FFFF}"), None);
        let p = "停电/";
        let s = successor(p).unwrap();
        for name in ["停电/", "停电/A-1", "停电/\u{10FFFF}x"] {
            assert!(name >= p && name < s.as_str(), "{name}");
        }
        for name in ["停电", "停电0", "停电0/x", "停"] {
            assert!(!(name >= p && name < s.as_str()), "{name}");
        }
    }

    #[test]
    fn options_are_checked() {
        assert!(PgOptions::default().validate().is_ok());
        let bad = [
            PgOptions {
                schema: "Grid Serve".into(),
                ..PgOptions::default()
            },
            PgOptions {
                lease_ms: 0,
                ..PgOptions::default()
            },
            PgOptions {
                lease_ms: u64::MAX,
                ..PgOptions::default()
            },
            PgOptions {
                instance: Some(String::new()),
                ..PgOptions::default()
            },
            PgOptions {
                lock_timeout_ms: u64::from(u32::MAX),
                ..PgOptions::default()
            },
        ];
        for o in bad {
            assert!(
                matches!(o.validate(), Err(PgError::InvalidOption { .. })),
                "{o:?}"
            );
        }
        let json = r#"{"schema": "gs", "lease_secs": 5}"#;
        assert!(serde_json::from_str::<PgOptions>(json).is_err());
    }

    #[test]
    fn free_texts_lose_nul_and_identities_refuse_it() {
        assert_eq!(clean("a\0b"), "a\u{FFFD}b");
        assert!(matches!(clean("ab"), Cow::Borrowed("ab")));
        let e = no_nul("notice #2", "address", "1380\0").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("notice #2") && text.contains("address"),
            "{text}"
        );
        assert!(!text.contains("1380"), "the value is not repeated: {text}");
    }

    #[test]
    fn a_malformed_url_is_a_typed_error_without_the_password() {
        for url in [
            "postgres://u:secret@",
            "host=x port=notaport password=secret",
            "",
        ] {
            match PostgresStore::connect(url) {
                Err(e @ PgError::InvalidUrl { .. }) => {
                    assert!(!e.to_string().contains("secret"), "{e}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
    }
}
