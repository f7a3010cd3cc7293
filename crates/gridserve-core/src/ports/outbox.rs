//! The outbox as the dispatcher sees it: entries, attempt results and the store traits,
//! split by concern: [`OutboxDelivery`] (take due entries, record attempts and receipts),
//! [`OutboxQueries`] (read entries) and [`OptOuts`] (who refuses which channel).
//! [`OutboxStore`] is all three; every type implementing them is one.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Channel, OutboundMessage, ReceiptStatus, StoreError, Timestamp};

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

impl OutboxStatus {
    /// The name stores keep: `pending`, `sent`, `dead` or `suppressed` (as serde writes it).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Suppressed => "suppressed",
        }
    }

    /// The status a store wrote with [`OutboxStatus::as_str`].
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for any other text.
    pub fn from_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(Self::Pending),
            "sent" => Ok(Self::Sent),
            "dead" => Ok(Self::Dead),
            "suppressed" => Ok(Self::Suppressed),
            other => Err(StoreError::Corrupt {
                what: "outbox status".to_owned(),
                detail: format!("{other:?}"),
            }),
        }
    }
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

/// An outbox row as the SQL stores keep it, column for column, before it is checked: the
/// one conversion the SQLite and PostgreSQL stores share ([`StoredEntry::into_entry`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The row id.
    pub id: i64,
    /// The notice as JSON.
    pub message: String,
    /// [`OutboxStatus::as_str`].
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// [`stored_text`](super::stored_text) of the next attempt's time.
    pub next_attempt_at: String,
    /// The last failure or reason.
    pub last_error: Option<String>,
    /// The provider's message id.
    pub provider_msg_id: Option<String>,
    /// [`stored_text`](super::stored_text) of the send time.
    pub sent_at: Option<String>,
    /// The last receipt as JSON.
    pub receipt: Option<String>,
}

impl StoredEntry {
    /// The entry the row holds.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] naming the entry for a value that does not read back.
    pub fn into_entry(self) -> Result<OutboxEntry, StoreError> {
        let what = format!("outbox entry {}", self.id);
        let corrupt = |detail: String| StoreError::Corrupt {
            what: what.clone(),
            detail,
        };
        let id = self.id;
        let attempts = self.attempts;
        Ok(OutboxEntry {
            id: u64::try_from(id).map_err(|_| corrupt(format!("id {id}")))?,
            message: serde_json::from_str(&self.message).map_err(|e| corrupt(e.to_string()))?,
            status: OutboxStatus::from_stored(&self.status)?,
            attempts: u32::try_from(attempts)
                .map_err(|_| corrupt(format!("attempts {attempts}")))?,
            next_attempt_at: super::parse_stored_text(&what, &self.next_attempt_at)?,
            last_error: self.last_error,
            provider_msg_id: self.provider_msg_id,
            sent_at: self
                .sent_at
                .as_deref()
                .map(|t| super::parse_stored_text(&what, t))
                .transpose()?,
            receipt: self
                .receipt
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
        })
    }
}

/// How many outbox entries are in each status (`counts` of the SQLite and PostgreSQL stores).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxCounts {
    /// Waiting to be sent or retried.
    pub pending: u64,
    /// Handed to their channel.
    pub sent: u64,
    /// Dead-lettered.
    pub dead: u64,
    /// Not sent on purpose.
    pub suppressed: u64,
}

impl OutboxCounts {
    /// The counts of a `status, COUNT(*) … GROUP BY status` query, as the SQL stores run it.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for a status that is not one [`OutboxStatus::as_str`] writes.
    pub fn from_stored(rows: impl IntoIterator<Item = (String, i64)>) -> Result<Self, StoreError> {
        let mut counts = Self::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match OutboxStatus::from_stored(&status)? {
                OutboxStatus::Pending => counts.pending = n,
                OutboxStatus::Sent => counts.sent = n,
                OutboxStatus::Dead => counts.dead = n,
                OutboxStatus::Suppressed => counts.suppressed = n,
            }
        }
        Ok(counts)
    }
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

/// The delivery side of the outbox: what a dispatcher needs.
pub trait OutboxDelivery {
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

    /// Records the results of several attempts, as [`OutboxDelivery::record`] does for each, in
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
}

/// Reading the outbox: entries by id, dedupe key and status (for views, exports and audits).
pub trait OutboxQueries {
    /// The entry with this id, if there is one. The default searches [`OutboxQueries::list`] in
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
}

/// The opt-outs: which addresses refuse notices on which channel.
pub trait OptOuts {
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

    /// Which of `addresses` have opted out of `channel` (the dispatcher asks once per round
    /// and channel). The default asks [`OptOuts::is_opted_out`] for each; stores with a
    /// round trip per query answer in one.
    ///
    /// # Errors
    /// A backend error.
    fn opted_out_among(
        &self,
        channel: Channel,
        addresses: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let mut out = HashSet::new();
        for a in addresses {
            if !out.contains(*a) && self.is_opted_out(channel, a)? {
                out.insert((*a).to_owned());
            }
        }
        Ok(out)
    }
}

/// The whole outbox: delivery, queries and opt-outs. Implemented for every type that
/// implements the three, so a store implements those and a caller that needs all of them
/// asks for an `OutboxStore`.
pub trait OutboxStore: OutboxDelivery + OutboxQueries + OptOuts {}

impl<T: OutboxDelivery + OutboxQueries + OptOuts + ?Sized> OutboxStore for T {}

#[cfg(test)]
mod stored_form_tests {
    use super::*;
    use crate::ports::{parse_stored_text, stored_nanos, stored_text};

    #[test]
    fn statuses_and_times_read_back_as_written() {
        for s in [
            OutboxStatus::Pending,
            OutboxStatus::Sent,
            OutboxStatus::Dead,
            OutboxStatus::Suppressed,
        ] {
            // The stored name is serde's name, so JSON exports and the tables agree.
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(OutboxStatus::from_stored(s.as_str()).unwrap(), s);
        }
        assert!(matches!(
            OutboxStatus::from_stored("Sent"),
            Err(StoreError::Corrupt { .. })
        ));
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-01T08:00:00.25+08:00").unwrap();
        assert_eq!(stored_text(&t), "2026-03-01T08:00:00.250+08:00");
        assert_eq!(parse_stored_text("t", &stored_text(&t)).unwrap(), t);
        // 2026-03-01T00:00:00.25Z is 1,772,323,200.25 s after the epoch.
        assert_eq!(stored_nanos(&t), 1_772_323_200_250_000_000);
        let far = chrono::DateTime::parse_from_rfc3339("2300-01-01T00:00:00+08:00").unwrap();
        assert_eq!(stored_nanos(&far), i64::MAX);
        assert!(parse_stored_text("t", "yesterday").is_err());
    }

    fn row() -> StoredEntry {
        StoredEntry {
            id: 7,
            message: serde_json::to_string(&OutboundMessage {
                dedupe_key: "outage/O-1/1/139/sms".into(),
                stream: "outage/O-1".into(),
                stream_version: 1,
                channel: Channel::Sms,
                address: "13900000000".into(),
                customer: None,
                template: "outage.detected".into(),
                fields: Vec::new(),
                text: Some("停电通知".into()),
                link: None,
                category: crate::ports::MessageCategory::Service,
                not_before: parse_stored_text("t", "2026-07-14T15:30:00+08:00").unwrap(),
                expires_at: None,
                supersede_key: None,
            })
            .unwrap(),
            status: "sent".into(),
            attempts: 2,
            next_attempt_at: "2026-07-14T15:30:00+08:00".into(),
            last_error: None,
            provider_msg_id: Some("m-1".into()),
            sent_at: Some("2026-07-14T15:31:00.5+08:00".into()),
            receipt: None,
        }
    }

    #[test]
    fn a_stored_row_reads_back_and_a_bad_one_names_its_entry() {
        let e = row().into_entry().unwrap();
        assert_eq!((e.id, e.status, e.attempts), (7, OutboxStatus::Sent, 2));
        assert_eq!(
            e.sent_at.unwrap(),
            parse_stored_text("t", "2026-07-14T15:31:00.5+08:00").unwrap()
        );
        let bad: [fn(&mut StoredEntry); 5] = [
            |r| r.id = -1,
            |r| r.attempts = i64::from(u32::MAX) + 1,
            |r| r.message = "{".into(),
            |r| r.sent_at = Some("noon".into()),
            |r| r.receipt = Some("\"nonsense\"".into()),
        ];
        for (i, spoil) in bad.iter().enumerate() {
            let mut r = row();
            spoil(&mut r);
            let named = format!("outbox entry {}", r.id);
            match r.into_entry() {
                Err(StoreError::Corrupt { what, .. }) => assert_eq!(what, named, "case {i}"),
                other => panic!("case {i}: {other:?}"),
            }
        }
        let mut r = row();
        r.status = "lost".into();
        assert!(matches!(r.into_entry(), Err(StoreError::Corrupt { .. })));
        let counts =
            OutboxCounts::from_stored([("pending".to_owned(), 3), ("dead".to_owned(), 1)]).unwrap();
        assert_eq!((counts.pending, counts.dead, counts.sent), (3, 1, 0));
        assert!(OutboxCounts::from_stored([("gone".to_owned(), 1)]).is_err());
    }
}
