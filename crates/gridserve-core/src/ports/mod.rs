//! The traits a host application implements to plug gridserve into its own systems, and the
//! plain data that crosses them.
//!
//! The core decides; adapters do I/O. Workflows turn commands into events and the notices those
//! events cause; an [`EventStore`] writes both in one transaction (the transactional outbox); a
//! dispatcher takes due notices from the [`OutboxStore`] and hands them to a [`Messenger`] per
//! [`Channel`], reading time from a [`Clock`].
//!
//! gridserve ships implementations: in memory (for tests), SQLite (`gridserve-sqlite`, the
//! embedded default), and file, console and HTTP-webhook messengers.
//!
//! All traits are synchronous. A host running an async runtime calls them from a blocking task;
//! every operation is short except [`Messenger::send`], whose implementations bound it with a
//! timeout.

use std::fmt;
use std::time::Duration;

pub mod memory;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A point in time with its UTC offset. gridserve writes China Standard Time (UTC+08:00, no
/// daylight saving) unless the host gives another offset.
pub type Timestamp = DateTime<FixedOffset>;

/// The source of the current time. Core logic never reads the system clock itself.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock, reporting in a fixed offset (China Standard Time by default).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    offset: FixedOffset,
}

impl SystemClock {
    /// China Standard Time, UTC+08:00.
    pub fn china() -> Self {
        Self {
            offset: china_offset(),
        }
    }

    /// The system clock reported in `offset`.
    pub fn with_offset(offset: FixedOffset) -> Self {
        Self { offset }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::china()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now().with_timezone(&self.offset)
    }
}

/// UTC+08:00, China Standard Time.
pub fn china_offset() -> FixedOffset {
    // A constant within chrono's ±24 h range: this cannot fail.
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A clock that stands still until moved: for tests, simulations and replays.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: std::sync::Mutex::new(start),
        }
    }

    /// Sets the time.
    pub fn set(&self, to: Timestamp) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = to;
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Notices
// ---------------------------------------------------------------------------------------------

/// A delivery channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// WeChat official-account template message (模板消息).
    WechatTemplate,
    /// WeChat subscription notice (订阅通知).
    WechatSubscribe,
    /// SMS through a gateway.
    Sms,
    /// A webhook of the host application (JSON over HTTP).
    Webhook,
    /// The host application's own inbox (web console, app).
    App,
}

impl Channel {
    /// Every channel, in a fixed order.
    pub const ALL: [Channel; 5] = [
        Channel::WechatTemplate,
        Channel::WechatSubscribe,
        Channel::Sms,
        Channel::Webhook,
        Channel::App,
    ];

    /// The channel's stable name (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WechatTemplate => "wechat_template",
            Channel::WechatSubscribe => "wechat_subscribe",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
            Channel::App => "app",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of notice this is; decides the quiet-hour policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageCategory {
    /// Ordinary service notices (bills, invoices, defect notices): held during quiet hours.
    Service,
    /// Urgent safety or outage notices: sent during quiet hours.
    Urgent,
}

/// A notice rendered for one channel and one recipient, ready to send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// The durable dedupe key: a notice with a key that was ever enqueued before is never
    /// enqueued or sent again. Derived deterministically from the workflow stream, the event's
    /// version, the recipient and the channel.
    pub dedupe_key: String,
    /// The workflow stream whose event caused the notice.
    pub stream: String,
    /// The version of that event in its stream.
    pub stream_version: u64,
    /// Where it goes.
    pub channel: Channel,
    /// The address on that channel: a WeChat openid, a phone number, a URL key or an inbox id.
    pub address: String,
    /// The customer number the recipient belongs to, if any (for receipts, opt-outs and audit).
    pub customer: Option<String>,
    /// The logical template (mapped to the channel's template id by the messenger).
    pub template: String,
    /// The template's fields in order, already checked against the channel's limits.
    pub fields: Vec<(String, String)>,
    /// The full text for channels that send text (SMS, app inbox).
    pub text: Option<String>,
    /// A link to the details page, if any.
    pub link: Option<String>,
    /// Service or urgent.
    pub category: MessageCategory,
    /// Not to be sent before this time (quiet hours, scheduled reminders).
    pub not_before: Timestamp,
    /// If still unsent at this time, it is dropped as superseded or expired (e.g. a progress
    /// update that a later one replaced); `None` keeps it until sent or dead-lettered.
    pub expires_at: Option<Timestamp>,
    /// A key under which a later notice replaces this one while both are unsent (e.g.
    /// `"outage/O-17/13800000000/progress"`), so a recipient gets only the latest progress.
    pub supersede_key: Option<String>,
}

/// A successful hand-over to a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendOutcome {
    /// The provider accepted it; delivery is confirmed later by a receipt carrying this id.
    Accepted {
        /// The provider's message id (e.g. WeChat `msgid`).
        provider_msg_id: String,
    },
    /// Delivered synchronously (file, console, webhook with a 2xx answer).
    Delivered,
}

/// Why a send failed, classified so the dispatcher knows what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SendError {
    /// A passing failure (network, provider busy, 5xx): retried with backoff.
    #[error("transient failure: {detail}")]
    Transient {
        /// What went wrong.
        detail: String,
        /// The provider's requested delay, if it gave one.
        retry_after: Option<Duration>,
    },
    /// The provider's rate limit or daily quota: retried after the given delay.
    #[error("throttled: {detail}")]
    Throttled {
        /// What went wrong.
        detail: String,
        /// When to try again, if known.
        retry_after: Option<Duration>,
    },
    /// The recipient cannot be reached on this channel (not following, bad openid): not
    /// retried; a fallback channel may be tried.
    #[error("recipient unreachable: {detail}")]
    RecipientUnreachable {
        /// What went wrong.
        detail: String,
    },
    /// The recipient refused messages on this channel: suppressed and recorded as an opt-out.
    #[error("recipient opted out: {detail}")]
    OptedOut {
        /// What went wrong.
        detail: String,
    },
    /// The message itself is wrong (a field over its limit, an unknown template): dead-lettered.
    #[error("invalid message{}: {detail}", field.as_deref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    Invalid {
        /// The offending field, if the provider named it.
        field: Option<String>,
        /// What went wrong.
        detail: String,
    },
    /// Credentials were refused: retried (after the messenger refreshed them) a bounded number
    /// of times, then dead-lettered.
    #[error("authentication failed: {detail}")]
    Auth {
        /// What went wrong.
        detail: String,
    },
}

/// Sends rendered notices on one channel. Implementations must bound `send` with a timeout.
pub trait Messenger: Send + Sync {
    /// The channel this messenger serves.
    fn channel(&self) -> Channel;

    /// Sends one message.
    ///
    /// # Errors
    /// A [`SendError`] classifying the failure.
    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError>;
}

/// A delivery receipt reported later by a provider (e.g. WeChat `TEMPLATESENDJOBFINISH`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Delivered to the recipient.
    Delivered,
    /// The recipient blocks the sender: recorded as an opt-out on that channel.
    UserBlocked,
    /// The provider failed to deliver; the text says why.
    Failed(String),
}

// ---------------------------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------------------------

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

/// The state of an outbox entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting to be sent (or retried).
    Pending,
    /// Handed to the channel; see the receipt, if any.
    Sent,
    /// Given up: see the reason.
    Dead,
    /// Not sent on purpose (opted out, superseded, expired): see the reason.
    Suppressed,
}

/// One notice in the outbox with its delivery bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The store's id for the entry (increasing in enqueue order).
    pub id: u64,
    /// The notice.
    pub message: OutboundMessage,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Send attempts made so far.
    pub attempts: u32,
    /// The earliest time of the next attempt (for pending entries).
    pub next_attempt_at: Timestamp,
    /// The last failure, or the reason it was dead-lettered or suppressed.
    pub last_error: Option<String>,
    /// The provider's message id once accepted.
    pub provider_msg_id: Option<String>,
    /// When it was sent.
    pub sent_at: Option<Timestamp>,
    /// The last delivery receipt.
    pub receipt: Option<ReceiptStatus>,
}

/// What became of one attempt, reported back to the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttemptResult {
    /// Sent; `provider_msg_id` when the provider gave one.
    Sent {
        /// When it was sent.
        at: Timestamp,
        /// The provider's id, for receipts.
        provider_msg_id: Option<String>,
    },
    /// Failed for now; try again at `next_attempt_at`.
    Retry {
        /// When to try again.
        next_attempt_at: Timestamp,
        /// What went wrong.
        error: String,
    },
    /// Given up for good.
    Dead {
        /// Why.
        reason: String,
    },
    /// Not sent on purpose.
    Suppressed {
        /// Why.
        reason: String,
    },
}

/// The delivery side of the outbox.
pub trait OutboxStore {
    /// Up to `limit` pending entries due at `now` (`not_before` and `next_attempt_at` passed),
    /// oldest first. Entries past their `expires_at` are marked suppressed instead of returned.
    ///
    /// # Errors
    /// A backend error.
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records the result of one attempt on entry `id` (and counts the attempt). Only a
    /// pending entry takes an attempt.
    ///
    /// # Errors
    /// [`StoreError::UnknownEntry`], [`StoreError::NotPending`] or a backend error.
    fn record(&mut self, id: u64, result: &AttemptResult) -> Result<(), StoreError>;

    /// Records the results of several attempts, as [`OutboxStore::record`] does for each, in
    /// order. Stores that can should write them in one transaction (all or none); the default
    /// calls `record` for each and stops at the first error.
    ///
    /// # Errors
    /// [`StoreError::UnknownEntry`] or a backend error.
    fn record_many(&mut self, results: &[(u64, AttemptResult)]) -> Result<(), StoreError> {
        for (id, result) in results {
            self.record(*id, result)?;
        }
        Ok(())
    }

    /// The entry with this id, if there is one. The default searches [`OutboxStore::list`] in
    /// every status; stores with an index by id override it.
    ///
    /// # Errors
    /// A backend error.
    fn entry(&self, id: u64) -> Result<Option<OutboxEntry>, StoreError> {
        for status in [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Dead,
            OutboxStatus::Suppressed,
        ] {
            if let Some(found) = self
                .list(status, usize::MAX)?
                .into_iter()
                .find(|e| e.id == id)
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// Records a delivery receipt for the entry sent with `provider_msg_id`; returns the entry's
    /// id, or `None` if no entry has that provider id.
    ///
    /// # Errors
    /// A backend error.
    fn receipt(
        &mut self,
        provider_msg_id: &str,
        status: &ReceiptStatus,
    ) -> Result<Option<u64>, StoreError>;

    /// The entry with this dedupe key, if it was ever enqueued.
    ///
    /// # Errors
    /// A backend error.
    fn by_dedupe_key(&self, dedupe_key: &str) -> Result<Option<OutboxEntry>, StoreError>;

    /// The entries in `status`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// A backend error.
    fn list(&self, status: OutboxStatus, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records that `address` refuses notices on `channel` (a `SendError::OptedOut`, a
    /// `ReceiptStatus::UserBlocked`, or the customer's own choice). Later notices to it are
    /// suppressed.
    ///
    /// # Errors
    /// A backend error.
    fn set_opt_out(
        &mut self,
        channel: Channel,
        address: &str,
        at: Timestamp,
        reason: &str,
    ) -> Result<(), StoreError>;

    /// Withdraws an opt-out (the customer subscribed again).
    ///
    /// # Errors
    /// A backend error.
    fn clear_opt_out(&mut self, channel: Channel, address: &str) -> Result<(), StoreError>;

    /// Whether `address` has opted out of `channel`.
    ///
    /// # Errors
    /// A backend error.
    fn is_opted_out(&self, channel: Channel, address: &str) -> Result<bool, StoreError>;
}

crate::impl_error_info! {
    StoreError {
        VersionConflict => ("version_conflict", "VersionConflictError"),
        UnknownEntry => ("unknown_entry", "UnknownOutboxEntryError"),
        NotPending => ("not_pending", "OutboxEntryNotPendingError"),
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
                status: OutboxStatus::Sent,
            },
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
