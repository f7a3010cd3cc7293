//! The traits a host application implements to plug gridserve into its own systems, and the
//! plain data that crosses them.
//!
//! The core decides; adapters do I/O. Workflows turn commands into events and the notices those
//! events cause; an [`EventStore`] writes both in one transaction (the transactional outbox); a
//! dispatcher takes due notices from the [`OutboxStore`] (delivery, queries and opt-outs,
//! three traits) and hands them to a [`Messenger`] per
//! [`Channel`], reading time from a [`Clock`].
//!
//! gridserve ships implementations: in memory (for tests), SQLite (`gridserve-sqlite`, the
//! embedded default), and file, console and HTTP-webhook messengers.
//!
//! All traits are synchronous. A host running an async runtime calls them from a blocking task;
//! every operation is short except [`Messenger::send`], whose implementations bound it with a
//! timeout.

pub mod clock;
pub mod memory;
pub mod messenger;
pub mod outbox;
pub mod store;

pub use clock::{
    Clock, ManualClock, SystemClock, Timestamp, china_offset, parse_stored_text, stored_nanos,
    stored_text,
};
pub use messenger::{
    Channel, MessageCategory, Messenger, OutboundMessage, ReceiptStatus, SendError, SendOutcome,
};
pub use outbox::{
    AttemptResult, OptOuts, OutboxDelivery, OutboxEntry, OutboxQueries, OutboxStatus, OutboxStore,
};
pub use store::{Appended, EventStore, NewEvent, StoreError, StoredEvent};
// Batches and counts shared by the SQLite and PostgreSQL stores.
pub use outbox::{OutboxCounts, StoredEntry};
pub use store::AppendRequest;
