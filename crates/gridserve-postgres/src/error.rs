//! The errors of the PostgreSQL store.

use gridserve_core::ports::StoreError;
use serde::Serialize;

/// Why the PostgreSQL store could not be opened, configured or migrated.
///
/// The [`EventStore`](gridserve_core::ports::EventStore) and
/// [`OutboxStore`](gridserve_core::ports::OutboxStore) methods return the core's
/// [`StoreError`]; this enum covers what only this crate does (connecting to a server,
/// checking options, migrating the schema) and converts into [`StoreError`]. Messages name
/// the server as `user@host:port/database` and never repeat a password.
///
/// Serialises as its fields (see [`ErrorInfo`](gridserve_core::ErrorInfo)).
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PgError {
    /// The connection string does not parse, or names no host.
    #[error("invalid PostgreSQL connection string: {detail}")]
    InvalidUrl {
        /// What is wrong with it (the string itself is not repeated: it may hold a password).
        detail: String,
    },
    /// An option is unusable (for example a schema name that is not a plain identifier).
    #[error("option {field} = {}: {reason}", gridserve_core::excerpt(value))]
    InvalidOption {
        /// The option, e.g. `schema`.
        field: String,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {server}: {detail}")]
    Connect {
        /// `user@host:port/database`, without the password.
        server: String,
        /// The client's or the server's message.
        detail: String,
    },
    /// The schema holds tables but not gridserve's version table: it belongs to another
    /// application and is left untouched.
    #[error(
        "schema {schema} belongs to another application (it holds {tables} tables and no gridserve_migrations table)"
    )]
    ForeignSchema {
        /// The schema.
        schema: String,
        /// How many tables it holds.
        tables: i64,
    },
    /// The schema was written by a newer gridserve whose steps this version does not know; it
    /// is left untouched.
    #[error(
        "schema {schema} is at version {found}, newer than {supported}, the newest this version of gridserve-postgres knows"
    )]
    SchemaTooNew {
        /// The schema.
        schema: String,
        /// The version recorded in it.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A migration step failed; the schema stays at the version before that step.
    #[error("migration to schema version {to_version} failed: {detail}")]
    Migration {
        /// The version the failed step leads to.
        to_version: i64,
        /// The server's message.
        detail: String,
    },
    /// A throwaway cluster ([`TempCluster`](crate::TempCluster)) could not be set up.
    #[error("cannot start a throwaway PostgreSQL cluster: {step}: {detail}")]
    Cluster {
        /// The step that failed (finding the binaries, `initdb`, `pg_ctl start`, …).
        step: String,
        /// What went wrong, with the end of the tool's output.
        detail: String,
    },
    /// A store operation failed.
    #[error(transparent)]
    #[serde(skip_serializing)]
    Store(#[from] StoreError),
}

gridserve_core::impl_error_info! {
    PgError {
        InvalidUrl => ("invalid_url", "InvalidArgumentError"),
        InvalidOption => ("invalid_option", "InvalidOptionError"),
        Connect => ("connect", "EventStoreError"),
        ForeignSchema => ("foreign_schema", "EventStoreError"),
        SchemaTooNew => ("schema_too_new", "EventStoreError"),
        Migration => ("migration", "EventStoreError"),
        Cluster => ("cluster", "EventStoreError"),
    }
    delegate { Store }
}

impl PgError {
    /// One error of every kind, for tests of the error bridge.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::InvalidUrl {
                detail: "unexpected EOF".into(),
            },
            Self::InvalidOption {
                field: "schema".into(),
                value: "grid serve".into(),
                reason: "not a plain identifier".into(),
            },
            Self::Connect {
                server: "gridserve@127.0.0.1:5432/gridserve".into(),
                detail: "connection refused".into(),
            },
            Self::ForeignSchema {
                schema: "public".into(),
                tables: 3,
            },
            Self::SchemaTooNew {
                schema: "gridserve".into(),
                found: 3,
                supported: 1,
            },
            Self::Migration {
                to_version: 1,
                detail: "permission denied for database gridserve".into(),
            },
            Self::Cluster {
                step: "initdb".into(),
                detail: "initdb: cannot be run as root".into(),
            },
        ]
    }
}

impl From<PgError> for StoreError {
    fn from(e: PgError) -> Self {
        match e {
            PgError::Store(inner) => inner,
            other => StoreError::Backend {
                detail: other.to_string(),
            },
        }
    }
}

/// Maps a client error to the core's store error: data corruption reported by the server
/// (SQLSTATE class XX001/XX002) and values that do not convert become
/// [`StoreError::Corrupt`]; everything else (a lost connection, a lock or statement timeout,
/// a full disk) [`StoreError::Backend`], with the server's message.
#[allow(clippy::needless_pass_by_value)] // used as `map_err(|e| store_err(.., e))`
pub(crate) fn store_err(what: &str, e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    let corrupt_state = e
        .code()
        .is_some_and(|c| *c == SqlState::DATA_CORRUPTED || *c == SqlState::INDEX_CORRUPTED);
    // A value of an unexpected type or NULL where none may be is a conversion error of the
    // client (no SQLSTATE and a source error that is not I/O).
    let conversion = e.code().is_none()
        && !e.is_closed()
        && std::error::Error::source(&e).is_some_and(|s| !s.is::<std::io::Error>());
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    };
    if corrupt_state || conversion {
        StoreError::Corrupt {
            what: what.to_string(),
            detail,
        }
    } else {
        StoreError::Backend {
            detail: format!("{what}: {detail}"),
        }
    }
}

/// A stored value that does not parse back.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use gridserve_core::{ErrorInfo, FieldsOf};

    use super::PgError;

    #[test]
    fn every_pg_error_has_one_example_a_class_and_its_serde_tag_as_kind() {
        let examples = PgError::examples();
        let kinds: BTreeSet<&str> = examples.iter().map(ErrorInfo::kind).collect();
        let declared: BTreeSet<&str> = PgError::KINDS.iter().copied().collect();
        assert_eq!(kinds, declared);
        assert_eq!(examples.len(), declared.len());
        for e in &examples {
            let v = serde_json::to_value(FieldsOf(e)).unwrap();
            let serde_json::Value::Object(m) = &v else {
                panic!("{}: {v}", e.kind())
            };
            assert_eq!(m.keys().next().map(String::as_str), Some(e.kind()));
            assert!(e.class().ends_with("Error"));
            assert!(e.to_string().chars().count() < 400);
        }
        // A wrapped store error reports itself.
        let inner = PgError::Store(gridserve_core::ports::StoreError::UnknownEntry { id: 7 });
        assert_eq!(inner.kind(), "unknown_entry");
        assert_eq!(inner.class(), "UnknownOutboxEntryError");
    }

    #[test]
    fn a_long_option_value_is_cut_in_the_message() {
        let e = PgError::InvalidOption {
            field: "schema".into(),
            value: "x".repeat(10_000),
            reason: "too long".into(),
        };
        assert!(e.to_string().chars().count() < 200, "{e}");
    }
}
