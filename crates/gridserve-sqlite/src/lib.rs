//! The embedded default store of gridserve: the event log and the transactional outbox in one
//! SQLite database ([`SqliteStore`], implementing the core's
//! [`EventStore`](gridserve_core::ports::EventStore) and
//! [`OutboxStore`](gridserve_core::ports::OutboxStore)).
//!
//! # Guarantees
//!
//! - **One transaction per append.** [`EventStore::append`](gridserve_core::ports::EventStore::append)
//!   writes a workflow's events and the notices they cause in one `BEGIN IMMEDIATE`
//!   transaction; when it returns `Ok` all of it is committed, and on any error (a version
//!   conflict, a full disk, a killed process) none of it is. [`SqliteStore::append_many`] does
//!   the same for a whole batch of streams, so a storm of notices costs one commit.
//! - **Optimistic concurrency.** The stream's version is read inside the write transaction
//!   (which holds SQLite's write lock), so two writers that read the same version cannot both
//!   append; the loser gets `StoreError::VersionConflict` and nothing of its append is written.
//!   The primary key `(stream, version)` of the events table backs this up.
//! - **Durable dedupe.** `outbox.dedupe_key` is `UNIQUE` and outbox rows are never deleted, so
//!   a notice whose key was ever enqueued is skipped (counted as a duplicate) however often a
//!   workflow step is retried.
//! - **Supersede and expiry.** Enqueuing a notice with a supersede key marks every older
//!   *pending* notice with that key suppressed ("superseded by …") in the same transaction;
//!   [`OutboxStore::due`](gridserve_core::ports::OutboxStore::due) marks pending notices whose
//!   `expires_at` has passed suppressed ("expired …") before it returns the due ones.
//! - **Durability.** WAL journal with `synchronous = FULL` by default: an acknowledged append
//!   survives a crash of the process and of the machine. [`Synchronous::Normal`] trades the
//!   latter for speed (see there). A busy timeout (5 s by default) lets several connections
//!   and processes share the file.
//! - **Receipts and opt-outs.** Receipts are stored on the entry found by the provider's
//!   message id; opt-outs live in their own table keyed by channel and address.
//! - **Snapshots.** Fused snapshots of the source systems ([`SqliteStore::store_snapshot`],
//!   [`SqliteStore::snapshots`], [`SqliteStore::load_snapshot`],
//!   [`SqliteStore::delete_snapshot`], [`SqliteStore::diff_snapshots`]): one row each, the
//!   body in gridserve's binary form; versions are monotonic and never reused.
//!
//! The dispatcher that sends the notices is [`gridserve_core::outbox`]; the guarantees of
//! delivery (retries, dead letters, the window between a send and its record) are described
//! there.
//!
//! # Schema
//!
//! Versioned with `PRAGMA user_version` and ordered migration steps; see [`schema`]. A
//! database written by a newer version is refused with [`SqliteError::SchemaTooNew`].

mod error;
pub mod schema;
mod snapshots;
mod store;

pub use error::SqliteError;
pub use snapshots::SnapshotInfo;
pub use store::{AppendRequest, OutboxCounts, SqliteOptions, SqliteStore, Synchronous};
