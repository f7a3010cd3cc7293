//! The event log and transactional outbox of gridserve on PostgreSQL ([`PostgresStore`],
//! implementing the core's [`EventStore`](gridserve_core::ports::EventStore) and
//! [`OutboxStore`](gridserve_core::ports::OutboxStore)), for a utility that runs several
//! application instances on one server database. SQLite (`gridserve-sqlite`) stays the
//! embedded default.
//!
//! # Guarantees
//!
//! - **One transaction per append.** An append writes a workflow's events and the notices
//!   they cause in one transaction: when it returns `Ok` all of it is committed, and on any
//!   error (a version conflict, a lost connection, a killed process) none of it is.
//!   [`PostgresStore::append_many`] does the same for a batch of streams; a storm of notices
//!   is two statements and one commit.
//! - **Optimistic concurrency per stream.** The stream's version moves from the expected to
//!   the new one in a conditional `UPDATE` (or an `INSERT … ON CONFLICT DO NOTHING` for a new
//!   stream), which PostgreSQL serialises on the stream's row: of two writers that read the
//!   same version, one appends and the other gets `StoreError::VersionConflict` with nothing
//!   written. The primary key `(stream, version)` of the events backs this up.
//! - **Dispatch leases.** `due` takes due entries with `FOR UPDATE SKIP LOCKED` and leases
//!   them to the calling instance until `now + lease_ms`: two dispatchers on one database
//!   never get the same entry while its lease holds; an instance that dies leaves its leased
//!   entries to the others when the lease runs out. See [`PostgresStore`] and
//!   [`PgOptions::lease_ms`].
//! - **Durable dedupe, supersede and expiry** as in the SQLite store: `dedupe_key` is
//!   `UNIQUE` and outbox rows are never deleted; a notice with a supersede key replaces the
//!   older pending ones with that key; expired pending notices are suppressed by `due`.
//! - **Schema migrations** with a version table and an advisory lock, so instances that
//!   start together migrate once; see [`schema`].
//!
//! # Running the tests
//!
//! The tests need a server. With `GRIDSERVE_PG_URL` set (a role that may `CREATE DATABASE`)
//! they use it; otherwise they start a private throwaway cluster with [`TempCluster`] from
//! Debian's `postgresql` package (`apt-get install -y postgresql`). See `docs/postgres.md`.

#[cfg(unix)]
mod cluster;
mod error;
pub mod schema;
mod store;

#[cfg(unix)]
pub use cluster::TempCluster;
pub use error::PgError;
pub use gridserve_core::ports::{AppendRequest, OutboxCounts};
pub use store::{Lease, PgOptions, PostgresStore};
