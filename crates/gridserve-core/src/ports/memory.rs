//! An in-memory [`EventStore`] and [`OutboxStore`]: for tests, examples, scripting and
//! simulations. Nothing survives the process; the semantics are those the traits document, so a
//! test written against [`MemoryStore`] holds for the durable stores too.
//!
//! ```
//! use gridserve_core::ports::memory::MemoryStore;
//! use gridserve_core::ports::{china_offset, EventStore, NewEvent, StoreError};
//! use chrono::TimeZone;
//!
//! let at = china_offset().with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
//! let event = NewEvent {
//!     event_type: "defect.recorded".into(),
//!     payload_json: "{}".into(),
//!     actor: "inspector-7".into(),
//!     at,
//! };
//! let mut store = MemoryStore::new();
//! assert_eq!(store.append("defect/D-1", 0, &[event.clone()], &[])?.version, 1);
//! // A writer that read version 0 is refused, and nothing is written.
//! let stale = store.append("defect/D-1", 0, &[event], &[]);
//! assert!(matches!(stale, Err(StoreError::VersionConflict { actual: 1, .. })));
//! assert_eq!(store.version("defect/D-1")?, 1);
//! # Ok::<(), StoreError>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{
    Appended, AttemptResult, Channel, EventStore, NewEvent, OptOuts, OutboundMessage,
    OutboxDelivery, OutboxEntry, OutboxQueries, OutboxStatus, ReceiptStatus, StoreError,
    StoredEvent, Timestamp,
};

/// An opt-out as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OptOut {
    at: Timestamp,
    reason: String,
}

/// Events and outbox in memory. Cloning takes a snapshot (handy for "nothing changed" checks).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryStore {
    streams: BTreeMap<String, Vec<StoredEvent>>,
    /// Entry `id` is at index `id - 1`.
    entries: Vec<OutboxEntry>,
    /// Every dedupe key ever enqueued → entry id.
    by_dedupe: HashMap<String, u64>,
    /// Supersede key → the pending entry holding it.
    by_supersede: HashMap<String, u64>,
    /// Provider message id → entry id.
    by_provider: HashMap<String, u64>,
    /// Ids of pending entries, in enqueue order.
    pending: BTreeSet<u64>,
    opt_outs: HashMap<(Channel, String), OptOut>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of streams.
    #[must_use]
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// The number of outbox entries ever enqueued (every status).
    #[must_use]
    pub fn outbox_len(&self) -> usize {
        self.entries.len()
    }

    /// Every outbox entry, in enqueue order (every status).
    #[must_use]
    pub fn entries(&self) -> &[OutboxEntry] {
        &self.entries
    }

    /// The entry with this id.
    #[must_use]
    pub fn entry(&self, id: u64) -> Option<&OutboxEntry> {
        id.checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.entries.get(i))
    }

    fn entry_mut(&mut self, id: u64) -> Result<&mut OutboxEntry, StoreError> {
        id.checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.entries.get_mut(i))
            .ok_or(StoreError::UnknownEntry { id })
    }

    /// Moves pending entry `id` to a settled status (bookkeeping of the indexes).
    fn settle(&mut self, id: u64, status: OutboxStatus, reason: Option<String>) {
        self.pending.remove(&id);
        let Ok(entry) = self.entry_mut(id) else {
            return;
        };
        entry.status = status;
        if reason.is_some() {
            entry.last_error = reason;
        }
        if let Some(key) = entry.message.supersede_key.clone()
            && self.by_supersede.get(&key) == Some(&id)
        {
            self.by_supersede.remove(&key);
        }
    }
}

impl EventStore for MemoryStore {
    fn append(
        &mut self,
        stream: &str,
        expected_version: u64,
        events: &[NewEvent],
        notices: &[OutboundMessage],
    ) -> Result<Appended, StoreError> {
        // Everything that can refuse is checked before anything changes: the append is atomic.
        let actual = self.streams.get(stream).map_or(0, |s| s.len() as u64);
        if actual != expected_version {
            return Err(StoreError::VersionConflict {
                stream: stream.to_owned(),
                expected: expected_version,
                actual,
            });
        }
        if !events.is_empty() {
            let log = self.streams.entry(stream.to_owned()).or_default();
            for (i, e) in events.iter().enumerate() {
                log.push(StoredEvent {
                    stream: stream.to_owned(),
                    version: actual + i as u64 + 1,
                    event_type: e.event_type.clone(),
                    payload_json: e.payload_json.clone(),
                    actor: e.actor.clone(),
                    at: e.at,
                });
            }
        }
        let mut out = Appended {
            version: actual + events.len() as u64,
            enqueued: 0,
            duplicates: 0,
            superseded: 0,
        };
        for n in notices {
            if self.by_dedupe.contains_key(&n.dedupe_key) {
                out.duplicates += 1;
                continue;
            }
            let id = self.entries.len() as u64 + 1;
            if let Some(key) = &n.supersede_key
                && let Some(&old) = self.by_supersede.get(key)
            {
                self.settle(
                    old,
                    OutboxStatus::Suppressed,
                    Some(format!("superseded by {}", n.dedupe_key)),
                );
                out.superseded += 1;
            }
            self.entries.push(OutboxEntry {
                id,
                message: n.clone(),
                status: OutboxStatus::Pending,
                attempts: 0,
                next_attempt_at: n.not_before,
                last_error: None,
                provider_msg_id: None,
                sent_at: None,
                receipt: None,
            });
            self.by_dedupe.insert(n.dedupe_key.clone(), id);
            if let Some(key) = &n.supersede_key {
                self.by_supersede.insert(key.clone(), id);
            }
            self.pending.insert(id);
            out.enqueued += 1;
        }
        Ok(out)
    }

    fn load(&self, stream: &str, after_version: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let Some(log) = self.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = usize::try_from(after_version).unwrap_or(usize::MAX);
        Ok(log.iter().skip(skip).cloned().collect())
    }

    fn version(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(self.streams.get(stream).map_or(0, |s| s.len() as u64))
    }

    fn streams(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .streams
            .range(prefix.to_owned()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, _)| k.clone())
            .collect())
    }
}

impl OutboxDelivery for MemoryStore {
    fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        let mut settle = Vec::new();
        for &id in &self.pending {
            if out.len() >= limit {
                break;
            }
            let Some(e) = self.entry(id) else { continue };
            let m = &e.message;
            if m.expires_at.is_some_and(|x| x <= now) {
                settle.push((id, "expired unsent".to_owned()));
            } else if let Some(o) = self.opt_outs.get(&(m.channel, m.address.clone())) {
                settle.push((id, format!("recipient opted out: {}", o.reason)));
            } else if m.not_before <= now && e.next_attempt_at <= now {
                out.push(e.clone());
            }
        }
        for (id, reason) in settle {
            self.settle(id, OutboxStatus::Suppressed, Some(reason));
        }
        Ok(out)
    }

    fn record(&mut self, id: u64, result: &AttemptResult) -> Result<(), StoreError> {
        let entry = self.entry_mut(id)?;
        if entry.status != OutboxStatus::Pending {
            return Err(StoreError::NotPending {
                id,
                status: entry.status,
            });
        }
        entry.attempts = entry.attempts.saturating_add(1);
        match result {
            AttemptResult::Sent {
                at,
                provider_msg_id,
            } => {
                entry.sent_at = Some(*at);
                entry.provider_msg_id.clone_from(provider_msg_id);
                if let Some(p) = provider_msg_id {
                    self.by_provider.insert(p.clone(), id);
                }
                self.settle(id, OutboxStatus::Sent, None);
            }
            AttemptResult::Retry {
                next_attempt_at,
                error,
            } => {
                entry.next_attempt_at = *next_attempt_at;
                entry.last_error = Some(error.clone());
            }
            AttemptResult::Dead { reason } => {
                self.settle(id, OutboxStatus::Dead, Some(reason.clone()));
            }
            AttemptResult::Suppressed { reason } => {
                self.settle(id, OutboxStatus::Suppressed, Some(reason.clone()));
            }
        }
        Ok(())
    }

    fn receipt(
        &mut self,
        provider_msg_id: &str,
        status: &ReceiptStatus,
    ) -> Result<Option<u64>, StoreError> {
        let Some(&id) = self.by_provider.get(provider_msg_id) else {
            return Ok(None);
        };
        let entry = self.entry_mut(id)?;
        entry.receipt = Some(status.clone());
        if *status == ReceiptStatus::UserBlocked {
            let (channel, address) = (entry.message.channel, entry.message.address.clone());
            let at = entry.sent_at.unwrap_or(entry.next_attempt_at);
            self.opt_outs.insert(
                (channel, address),
                OptOut {
                    at,
                    reason: "delivery receipt: user block".to_owned(),
                },
            );
        }
        Ok(Some(id))
    }
}

impl OutboxQueries for MemoryStore {
    fn by_dedupe_key(&self, dedupe_key: &str) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self
            .by_dedupe
            .get(dedupe_key)
            .and_then(|&id| self.entry(id))
            .cloned())
    }

    fn list(&self, status: OutboxStatus, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        Ok(self
            .entries
            .iter()
            .filter(|e| e.status == status)
            .take(limit)
            .cloned()
            .collect())
    }
}

impl OptOuts for MemoryStore {
    fn set_opt_out(
        &mut self,
        channel: Channel,
        address: &str,
        at: Timestamp,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.opt_outs.insert(
            (channel, address.to_owned()),
            OptOut {
                at,
                reason: reason.to_owned(),
            },
        );
        Ok(())
    }

    fn clear_opt_out(&mut self, channel: Channel, address: &str) -> Result<(), StoreError> {
        self.opt_outs.remove(&(channel, address.to_owned()));
        Ok(())
    }

    fn is_opted_out(&self, channel: Channel, address: &str) -> Result<bool, StoreError> {
        Ok(self.opt_outs.contains_key(&(channel, address.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::ports::{MessageCategory, china_offset};

    fn t(h: u32) -> Timestamp {
        china_offset()
            .with_ymd_and_hms(2026, 3, 1, h, 0, 0)
            .single()
            .unwrap_or_else(|| unreachable!())
    }

    fn ev(kind: &str) -> NewEvent {
        NewEvent {
            event_type: kind.into(),
            payload_json: "{}".into(),
            actor: "a".into(),
            at: t(9),
        }
    }

    fn msg(key: &str, address: &str, supersede: Option<&str>) -> OutboundMessage {
        OutboundMessage {
            dedupe_key: key.into(),
            stream: "s".into(),
            stream_version: 1,
            channel: Channel::Sms,
            address: address.into(),
            customer: None,
            template: "t".into(),
            fields: vec![],
            text: Some("hi".into()),
            link: None,
            category: MessageCategory::Service,
            not_before: t(9),
            expires_at: None,
            supersede_key: supersede.map(str::to_owned),
        }
    }

    #[test]
    fn append_is_all_or_nothing_and_versions_are_contiguous() {
        let mut s = MemoryStore::new();
        let a = s
            .append("x/1", 0, &[ev("a"), ev("b")], &[msg("k1", "1", None)])
            .unwrap();
        assert_eq!((a.version, a.enqueued), (2, 1));
        let before = s.clone();
        let err = s
            .append("x/1", 1, &[ev("c")], &[msg("k2", "1", None)])
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            }
        ));
        assert_eq!(s, before, "a refused append changes nothing");
        let versions: Vec<u64> = s
            .load("x/1", 0)
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(s.load("x/1", 1).unwrap().len(), 1);
        assert_eq!(s.version("nope").unwrap(), 0);
    }

    #[test]
    fn dedupe_keys_are_durable_even_after_sending() {
        let mut s = MemoryStore::new();
        s.append("x/1", 0, &[ev("a")], &[msg("k", "1", None)])
            .unwrap();
        let due = s.due(t(10), 10).unwrap();
        s.record(
            due[0].id,
            &AttemptResult::Sent {
                at: t(10),
                provider_msg_id: Some("p1".into()),
            },
        )
        .unwrap();
        // The same key again (a retried command, a second batch): skipped.
        let a = s
            .append(
                "x/1",
                1,
                &[ev("b")],
                &[msg("k", "1", None), msg("k", "1", None)],
            )
            .unwrap();
        assert_eq!((a.enqueued, a.duplicates), (0, 2));
        assert_eq!(s.outbox_len(), 1);
        assert!(s.due(t(11), 10).unwrap().is_empty());
        assert_eq!(
            s.by_dedupe_key("k").unwrap().unwrap().status,
            OutboxStatus::Sent
        );
    }

    #[test]
    fn supersede_replaces_only_unsent() {
        let mut s = MemoryStore::new();
        s.append("o/1", 0, &[ev("a")], &[msg("k1", "1", Some("o/1/1"))])
            .unwrap();
        let a = s
            .append("o/1", 1, &[ev("b")], &[msg("k2", "1", Some("o/1/1"))])
            .unwrap();
        assert_eq!(a.superseded, 1);
        let e1 = s.by_dedupe_key("k1").unwrap().unwrap();
        assert_eq!(e1.status, OutboxStatus::Suppressed);
        assert!(e1.last_error.unwrap().contains("superseded by k2"));
        // k2 is sent; a later k3 supersedes nothing.
        let due = s.due(t(10), 10).unwrap();
        assert_eq!(due.len(), 1);
        s.record(
            due[0].id,
            &AttemptResult::Sent {
                at: t(10),
                provider_msg_id: None,
            },
        )
        .unwrap();
        let a = s
            .append("o/1", 2, &[ev("c")], &[msg("k3", "1", Some("o/1/1"))])
            .unwrap();
        assert_eq!(a.superseded, 0);
    }

    #[test]
    fn due_respects_times_expiry_and_opt_outs() {
        let mut s = MemoryStore::new();
        let mut later = msg("later", "1", None);
        later.not_before = t(12);
        let mut expiring = msg("exp", "2", None);
        expiring.expires_at = Some(t(10));
        let blocked = msg("blocked", "3", None);
        s.append("x/1", 0, &[ev("a")], &[later, expiring, blocked])
            .unwrap();
        s.set_opt_out(Channel::Sms, "3", t(9), "STOP").unwrap();
        assert!(s.is_opted_out(Channel::Sms, "3").unwrap());
        assert!(!s.is_opted_out(Channel::WechatTemplate, "3").unwrap());
        // At 10:00: "later" is not due, "exp" expired, "blocked" opted out.
        assert!(s.due(t(10), 10).unwrap().is_empty());
        let sup = s.list(OutboxStatus::Suppressed, 10).unwrap();
        assert_eq!(sup.len(), 2);
        assert_eq!(sup[0].last_error.as_deref(), Some("expired unsent"));
        assert!(sup[1].last_error.as_deref().unwrap().contains("STOP"));
        let due = s.due(t(12), 10).unwrap();
        assert_eq!(due.len(), 1);
        // Retry moves the next attempt; not due before it.
        s.record(
            due[0].id,
            &AttemptResult::Retry {
                next_attempt_at: t(13),
                error: "busy".into(),
            },
        )
        .unwrap();
        assert!(s.due(t(12), 10).unwrap().is_empty());
        let again = s.due(t(13), 10).unwrap();
        assert_eq!(again[0].attempts, 1);
        s.record(
            again[0].id,
            &AttemptResult::Dead {
                reason: "invalid".into(),
            },
        )
        .unwrap();
        assert!(matches!(
            s.record(again[0].id, &AttemptResult::Dead { reason: "x".into() }),
            Err(StoreError::NotPending { .. })
        ));
        assert!(matches!(
            s.record(99, &AttemptResult::Dead { reason: "x".into() }),
            Err(StoreError::UnknownEntry { id: 99 })
        ));
        assert_eq!(s.list(OutboxStatus::Dead, 10).unwrap().len(), 1);
        s.clear_opt_out(Channel::Sms, "3").unwrap();
        assert!(!s.is_opted_out(Channel::Sms, "3").unwrap());
    }

    #[test]
    fn due_honours_limit_and_order() {
        let mut s = MemoryStore::new();
        let msgs: Vec<_> = (0..5).map(|i| msg(&format!("k{i}"), "1", None)).collect();
        s.append("x/1", 0, &[ev("a")], &msgs).unwrap();
        let due = s.due(t(10), 3).unwrap();
        let ids: Vec<u64> = due.iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[test]
    fn receipts_and_user_block() {
        let mut s = MemoryStore::new();
        s.append("x/1", 0, &[ev("a")], &[msg("k", "139", None)])
            .unwrap();
        s.record(
            1,
            &AttemptResult::Sent {
                at: t(10),
                provider_msg_id: Some("m-1".into()),
            },
        )
        .unwrap();
        assert_eq!(s.receipt("m-404", &ReceiptStatus::Delivered).unwrap(), None);
        assert_eq!(
            s.receipt("m-1", &ReceiptStatus::UserBlocked).unwrap(),
            Some(1)
        );
        assert_eq!(
            s.entry(1).unwrap().receipt,
            Some(ReceiptStatus::UserBlocked)
        );
        assert!(s.is_opted_out(Channel::Sms, "139").unwrap());
        // A later notice to the blocked address is suppressed, not sent.
        let mut m = msg("k2", "139", None);
        m.not_before = t(10) + Duration::minutes(1);
        s.append("x/1", 1, &[ev("b")], &[m]).unwrap();
        assert!(s.due(t(11), 10).unwrap().is_empty());
        assert_eq!(s.entry(2).unwrap().status, OutboxStatus::Suppressed);
    }

    #[test]
    fn streams_by_prefix() {
        let mut s = MemoryStore::new();
        for name in ["defect/2", "bill/1", "defect/1", "defectx/1"] {
            s.append(name, 0, &[ev("a")], &[]).unwrap();
        }
        assert_eq!(s.streams("defect/").unwrap(), ["defect/1", "defect/2"]);
        assert_eq!(s.streams("").unwrap().len(), 4);
    }
}
