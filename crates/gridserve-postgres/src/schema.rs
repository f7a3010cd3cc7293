//! The schema and its migrations.
//!
//! Everything gridserve stores lives in one PostgreSQL schema (`gridserve` by default, see
//! [`PgOptions::schema`](crate::PgOptions::schema)), so it never collides with another
//! application's tables in the same database, and several deployments can share a database
//! under different schema names.
//!
//! The schema's version is the highest `version` in its table `gridserve_migrations`
//! (`version`, `description`, `applied_at`), one row per applied step. [`MIGRATIONS`] lists the
//! steps in order: step `i` (0-based) takes the schema from version `i` to `i + 1`. Opening a
//! store runs the steps it lacks, each in its own transaction together with its row in
//! `gridserve_migrations`, so a failed step leaves the schema at the version before it
//! (PostgreSQL's DDL is transactional). Each transaction first takes a transaction-scoped
//! advisory lock ([`ADVISORY_LOCK_CLASS`] and a hash of the schema name) and re-reads the
//! version, so instances that start together migrate once: the others wait for the lock and
//! find the work done. A schema whose version is newer than [`SCHEMA_VERSION`] is refused with
//! [`PgError::SchemaTooNew`] and not touched; a schema that holds tables but no
//! `gridserve_migrations` is another application's and is refused with
//! [`PgError::ForeignSchema`]. Steps are never edited once released; a change of schema is a
//! new step at the end.
//!
//! # Version 1
//!
//! ```sql
//! streams  (name PK COLLATE "C", version)                -- one row per event stream
//! events   (stream COLLATE "C", version, event_type,      -- the append-only log
//!           payload, actor, at, at_ns, PK (stream, version))
//! outbox   (id BIGINT IDENTITY PK,                        -- one row per notice, never deleted
//!           dedupe_key UNIQUE,                            -- the durable dedupe guard
//!           stream, stream_version, channel, address, supersede_key,
//!           message,                                      -- the OutboundMessage as JSON text
//!           status CHECK IN (pending, sent, dead, suppressed),
//!           attempts, next_attempt_at, next_attempt_ns, expires_ns,
//!           last_error, provider_msg_id, sent_at, receipt,
//!           lease_owner, lease_until_ns)                  -- the dispatch lease
//! opt_outs (channel, address, at, reason, PK (channel, address))
//! ```
//!
//! As in the SQLite store, times are stored twice where they are queried: as RFC 3339 text
//! with the writer's offset (read back exactly) and as nanoseconds since the Unix epoch
//! (`*_ns`, compared in queries; times outside 1677–2262 saturate). Stream names use the "C"
//! collation, so they sort by their UTF-8 bytes whatever the database's locale. Partial
//! indexes on pending rows serve `due`, expiry and supersede keys without touching delivered
//! rows.

use postgres::Client;

use crate::PgError;

/// The first key of the advisory lock that serialises migrations (`"GRDS"`, as the SQLite
/// store's application id); the second is `hashtext(schema)`.
pub const ADVISORY_LOCK_CLASS: i32 = 0x4752_4453;

/// The name of the version table inside the schema.
pub const VERSION_TABLE: &str = "gridserve_migrations";

/// One schema step: what it does, and its SQL (run with the store's schema first on the
/// `search_path`).
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// A one-line description, stored in `gridserve_migrations`.
    pub description: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The schema steps, in order: step `i` takes version `i` to `i + 1`.
pub const MIGRATIONS: &[Step] = &[Step {
    description: "event log, outbox with dispatch leases, opt-outs",
    sql: r#"
    CREATE TABLE streams (
        name    TEXT COLLATE "C" NOT NULL PRIMARY KEY,
        version BIGINT NOT NULL CHECK (version >= 0)
    );
    CREATE TABLE events (
        stream     TEXT COLLATE "C" NOT NULL,
        version    BIGINT NOT NULL CHECK (version >= 1),
        event_type TEXT   NOT NULL,
        payload    TEXT   NOT NULL,
        actor      TEXT   NOT NULL,
        at         TEXT   NOT NULL,
        at_ns      BIGINT NOT NULL,
        PRIMARY KEY (stream, version)
    );
    CREATE TABLE outbox (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dedupe_key      TEXT    NOT NULL UNIQUE,
        stream          TEXT    NOT NULL,
        stream_version  BIGINT  NOT NULL,
        channel         TEXT    NOT NULL,
        address         TEXT    NOT NULL,
        supersede_key   TEXT,
        message         TEXT    NOT NULL,
        status          TEXT    NOT NULL
                        CHECK (status IN ('pending', 'sent', 'dead', 'suppressed')),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT    NOT NULL,
        next_attempt_ns BIGINT  NOT NULL,
        expires_ns      BIGINT,
        last_error      TEXT,
        provider_msg_id TEXT,
        sent_at         TEXT,
        receipt         TEXT,
        lease_owner     TEXT,
        lease_until_ns  BIGINT
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_ns, id) WHERE status = 'pending';
    CREATE INDEX outbox_expiry ON outbox (expires_ns)
        WHERE status = 'pending' AND expires_ns IS NOT NULL;
    CREATE INDEX outbox_supersede ON outbox (supersede_key, id)
        WHERE status = 'pending' AND supersede_key IS NOT NULL;
    CREATE INDEX outbox_status ON outbox (status, id);
    CREATE INDEX outbox_provider ON outbox (provider_msg_id) WHERE provider_msg_id IS NOT NULL;
    CREATE TABLE opt_outs (
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        at      TEXT NOT NULL,
        reason  TEXT NOT NULL,
        PRIMARY KEY (channel, address)
    );
    "#,
}];

/// The schema version this build writes: the number of [`MIGRATIONS`].
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `"name"`: a schema name as an SQL identifier (names are checked to be plain identifiers
/// before they get here; the quotes keep it exact).
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Whether `name` is a plain lower-case identifier PostgreSQL takes as is (at most 63 bytes).
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
        && !name.starts_with("pg_")
}

/// The schema's current version: the highest applied step, 0 when the version table is
/// missing.
///
/// # Errors
/// The client's error.
pub(crate) fn current_version(
    client: &mut impl postgres::GenericClient,
    schema: &str,
) -> Result<i64, postgres::Error> {
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables \
             WHERE schemaname = $1 AND tablename = $2)",
            &[&schema, &VERSION_TABLE],
        )?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COALESCE(MAX(version), 0)::BIGINT FROM {}.{VERSION_TABLE}",
        quote_ident(schema)
    );
    Ok(client.query_one(&sql, &[])?.get(0))
}

/// Brings `schema` to the version `steps` lead to (or refuses a newer or foreign one).
pub(crate) fn migrate_steps(
    client: &mut Client,
    schema: &str,
    steps: &[Step],
) -> Result<(), PgError> {
    let supported = steps.len() as i64;
    let quoted = quote_ident(schema);
    let fail = |to_version: i64, e: postgres::Error| PgError::Migration {
        to_version,
        detail: match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        },
    };
    loop {
        let read_err = |e| PgError::Store(crate::error::store_err("schema version", e));
        let mut tx = client.transaction().map_err(read_err)?;
        tx.execute(
            "SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))",
            &[&ADVISORY_LOCK_CLASS, &schema],
        )
        .map_err(read_err)?;
        let found = current_version(&mut tx, schema).map_err(read_err)?;
        if found > supported {
            return Err(PgError::SchemaTooNew {
                schema: schema.to_string(),
                found,
                supported,
            });
        }
        if found == supported {
            tx.commit().map_err(read_err)?;
            return Ok(());
        }
        let to_version = found + 1;
        if found == 0 {
            let tables: i64 = tx
                .query_one(
                    "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1",
                    &[&schema],
                )
                .map_err(|e| fail(to_version, e))?
                .get(0);
            if tables > 0 {
                return Err(PgError::ForeignSchema {
                    schema: schema.to_string(),
                    tables,
                });
            }
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {quoted}; \
                 CREATE TABLE {quoted}.{VERSION_TABLE} ( \
                     version     INTEGER PRIMARY KEY CHECK (version >= 1), \
                     description TEXT NOT NULL, \
                     applied_at  TIMESTAMPTZ NOT NULL DEFAULT now())"
            ))
            .map_err(|e| fail(to_version, e))?;
        }
        let step = usize::try_from(found)
            .ok()
            .and_then(|i| steps.get(i))
            .ok_or_else(|| PgError::Migration {
                to_version,
                detail: format!("no step from version {found}"),
            })?;
        // The step's unqualified names land in the store's schema, for this transaction only.
        tx.batch_execute(&format!("SET LOCAL search_path TO {quoted}, pg_catalog"))
            .map_err(|e| fail(to_version, e))?;
        tx.batch_execute(step.sql)
            .map_err(|e| fail(to_version, e))?;
        let version_i32 = i32::try_from(to_version).unwrap_or(i32::MAX);
        tx.execute(
            &format!("INSERT INTO {quoted}.{VERSION_TABLE} (version, description) VALUES ($1, $2)"),
            &[&version_i32, &step.description],
        )
        .map_err(|e| fail(to_version, e))?;
        tx.commit().map_err(|e| fail(to_version, e))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers() {
        for ok in ["gridserve", "_x", "gs_test_12", &"a".repeat(63)] {
            assert!(is_plain_identifier(ok), "{ok}");
        }
        for bad in [
            "",
            "Gridserve",
            "1abc",
            "grid serve",
            "a\"b",
            "pg_temp",
            "网格",
            &"a".repeat(64),
        ] {
            assert!(!is_plain_identifier(bad), "{bad}");
        }
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
