//! The errors of the SQLite store.

use gridserve_core::ports::StoreError;

/// Why the SQLite store could not be opened, migrated or checked.
///
/// The [`EventStore`](gridserve_core::ports::EventStore) and
/// [`OutboxStore`](gridserve_core::ports::OutboxStore) methods return the core's
/// [`StoreError`]; this enum covers what only this crate does (opening a file, configuring
/// SQLite, migrating the schema, checking integrity) and converts into [`StoreError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The database file could not be opened or created.
    #[error("cannot open database {path}: {detail}")]
    Open {
        /// The path given.
        path: String,
        /// SQLite's message.
        detail: String,
    },
    /// A setting could not be applied (for example WAL on a read-only medium).
    #[error("cannot apply PRAGMA {pragma} = {value}: {detail}")]
    Configure {
        /// The pragma.
        pragma: String,
        /// The value asked for.
        value: String,
        /// SQLite's message, or what it answered instead.
        detail: String,
    },
    /// The file belongs to another application: its `application_id` is not gridserve's, or
    /// it is 0 and the file holds tables but not gridserve's schema.
    #[error("database {path} belongs to another application (application_id {found:#x})")]
    ForeignDatabase {
        /// The path given.
        path: String,
        /// The application id found in the file.
        found: i32,
    },
    /// The file was written by a newer gridserve whose schema this version does not know; it
    /// is left untouched.
    #[error(
        "database {path} has schema version {found}, newer than {supported}, the newest this version of gridserve-sqlite knows"
    )]
    SchemaTooNew {
        /// The path given.
        path: String,
        /// The schema version in the file (`PRAGMA user_version`).
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// A migration step failed; the database stays at the version before that step.
    #[error("migration to schema version {to_version} failed: {detail}")]
    Migration {
        /// The version the failed step leads to.
        to_version: i64,
        /// SQLite's message.
        detail: String,
    },
    /// `PRAGMA integrity_check` found problems.
    #[error("integrity check failed: {}", problems.join("; "))]
    Integrity {
        /// The problems SQLite listed.
        problems: Vec<String>,
    },
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SqliteError> for StoreError {
    fn from(e: SqliteError) -> Self {
        match e {
            SqliteError::Store(inner) => inner,
            SqliteError::Integrity { problems } => StoreError::Corrupt {
                what: "database".into(),
                detail: problems.join("; "),
            },
            other => StoreError::Backend {
                detail: other.to_string(),
            },
        }
    }
}

/// Maps a rusqlite error to the core's store error: corruption and unreadable values become
/// [`StoreError::Corrupt`], everything else (I/O, busy beyond the timeout, disk full)
/// [`StoreError::Backend`].
#[allow(clippy::needless_pass_by_value)] // used as `map_err(|e| store_err(.., e))`
pub(crate) fn store_err(what: &str, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let corrupt = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    ) || matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::InvalidColumnType(..)
    );
    if corrupt {
        StoreError::Corrupt {
            what: what.to_string(),
            detail: e.to_string(),
        }
    } else {
        StoreError::Backend {
            detail: format!("{what}: {e}"),
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
