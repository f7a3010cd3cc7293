//! The append-only event log with its transactional outbox: the [`EventStore`] port.

use serde::{Deserialize, Serialize};

use super::{OutboundMessage, OutboxStatus, Timestamp};

/// An event about to be appended to a stream (one workflow instance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// The event's type name, e.g. `"defect.recorded"`.
    pub event_type: String,
    /// The event's body as JSON text (the workflow's serialized event).
    pub payload_json: String,
    /// Who caused it: a user id, or `"system"` for deadlines and automatic steps.
    pub actor: String,
    /// When it happened (the command's time, or the tick's).
    pub at: Timestamp,
}

/// An event as stored: a [`NewEvent`] with its stream and position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The stream it belongs to, e.g. `"defect/D-2026-0001"`.
    pub stream: String,
    /// Its position in the stream, 1 for the first event.
    pub version: u64,
    /// The event's type name.
    pub event_type: String,
    /// The event's body as JSON text.
    pub payload_json: String,
    /// Who caused it.
    pub actor: String,
    /// When it happened.
    pub at: Timestamp,
}

/// Why a store refused or failed an operation.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StoreError {
    /// Optimistic concurrency: the stream is not at the version the writer read.
    #[error("stream {stream} is at version {actual}, not the expected {expected}")]
    VersionConflict {
        /// The stream.
        stream: String,
        /// The version the writer expected.
        expected: u64,
        /// The version found.
        actual: u64,
    },
    /// No outbox entry has this id.
    #[error("no outbox entry with id {id}")]
    UnknownEntry {
        /// The id asked for.
        id: u64,
    },
    /// An attempt was recorded on an entry that is no longer pending (already sent, dead or
    /// suppressed): recording it would re-open a settled entry and could send it twice.
    #[error("outbox entry {id} is {status:?}, not pending")]
    NotPending {
        /// The entry.
        id: u64,
        /// Its current status.
        status: OutboxStatus,
    },
    /// No stored snapshot has this version (never stored, or deleted).
    #[error("no snapshot with version {version}")]
    UnknownSnapshot {
        /// The version asked for.
        version: u64,
    },
    /// Stored data could not be read back (a corrupt row, an unknown channel name).
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The storage backend failed (I/O, database busy beyond its timeout, disk full).
    #[error("storage backend failed: {detail}")]
    Backend {
        /// The backend's message.
        detail: String,
    },
}

/// What an append wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appended {
    /// The stream's version after the append.
    pub version: u64,
    /// Notices enqueued.
    pub enqueued: usize,
    /// Notices skipped because their dedupe key had been enqueued before.
    pub duplicates: usize,
    /// Unsent notices replaced by a newer one with the same supersede key.
    pub superseded: usize,
}

/// One append of a batch, for stores that write several appends in one transaction
/// (`append_many` of the SQLite and PostgreSQL stores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppendRequest {
    /// The stream.
    pub stream: String,
    /// The version the caller decided on (0 for a new stream).
    pub expected_version: u64,
    /// The events to append.
    pub events: Vec<NewEvent>,
    /// The notices they cause.
    pub notices: Vec<OutboundMessage>,
}

/// The append-only event log with its transactional outbox.
pub trait EventStore {
    /// Appends `events` to `stream` and enqueues `notices`, all in one transaction: either all
    /// of it is durable when this returns `Ok`, or none of it is.
    ///
    /// `expected_version` is the stream's version the caller decided on (0 for a new stream).
    /// Notices whose dedupe key was ever enqueued are skipped (counted in
    /// [`Appended::duplicates`]); an unsent notice with the same supersede key as a new one is
    /// dropped (counted in [`Appended::superseded`]).
    ///
    /// # Errors
    /// [`StoreError::VersionConflict`] when the stream moved on (nothing is written), or a
    /// backend error.
    fn append(
        &mut self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        notices: &[OutboundMessage],
    ) -> Result<Appended, StoreError>;

    /// The events of `stream` after `after_version` (0 for all), in order.
    ///
    /// # Errors
    /// A backend error.
    fn load(&self, stream: &str, after_version: u64) -> Result<Vec<StoredEvent>, StoreError>;

    /// The current version of `stream` (0 if it does not exist).
    ///
    /// # Errors
    /// A backend error.
    fn version(&self, stream: &str) -> Result<u64, StoreError>;

    /// The names of the streams that start with `prefix`, in name order.
    ///
    /// # Errors
    /// A backend error.
    fn streams(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
}

crate::impl_error_info! {
    StoreError {
        VersionConflict => ("version_conflict", "VersionConflictError"),
        UnknownEntry => ("unknown_entry", "UnknownOutboxEntryError"),
        NotPending => ("not_pending", "OutboxEntryNotPendingError"),
        UnknownSnapshot => ("unknown_snapshot", "UnknownSnapshotError"),
        Corrupt => ("corrupt", "CorruptStoreError"),
        Backend => ("backend", "EventStoreError"),
    }
    delegate {}
}

impl StoreError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::VersionConflict {
                stream: "complaint-1".into(),
                expected: 1,
                actual: 2,
            },
            Self::UnknownEntry { id: 7 },
            Self::NotPending {
                id: 7,
                status: super::OutboxStatus::Sent,
            },
            Self::UnknownSnapshot { version: 3 },
            Self::Corrupt {
                what: "event".into(),
                detail: "bad json".into(),
            },
            Self::Backend {
                detail: "disk full".into(),
            },
        ]
    }
}

#[cfg(test)]
mod error_info_tests {
    #[test]
    fn every_store_error_has_an_example_class_and_kind() {
        crate::error_info::tests::check_examples(&super::StoreError::examples());
    }
}
