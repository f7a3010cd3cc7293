//! Helpers of the store tests, shared by the SQLite and PostgreSQL stores' test binaries
//! (`gridserve-postgres` includes this file and `semantics.rs` by path).

use chrono::TimeZone;
use gridserve_core::ports::{
    Channel, EventStore, MessageCategory, NewEvent, OutboundMessage, OutboxEntry, OutboxStatus,
    OutboxStore, StoredEvent, Timestamp, china_offset,
};

/// 2026-03-01 08:00:00 +08:00 plus `secs`.
pub(crate) fn t(secs: i64) -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .expect("a valid fixed time")
        + chrono::Duration::seconds(secs)
}

pub(crate) fn event(kind: &str, at: Timestamp) -> NewEvent {
    NewEvent {
        event_type: kind.to_string(),
        payload_json: format!(r#"{{"kind":"{kind}"}}"#),
        actor: "dispatcher-1".to_string(),
        at,
    }
}

pub(crate) fn notice(key: &str, stream: &str, version: u64, address: &str) -> OutboundMessage {
    OutboundMessage {
        dedupe_key: key.to_string(),
        stream: stream.to_string(),
        stream_version: version,
        channel: Channel::Sms,
        address: address.to_string(),
        customer: Some("0100001".to_string()),
        template: "outage.progress".to_string(),
        fields: vec![("phrase1".into(), "抢修中".into())],
        text: Some("您所在区域停电抢修中".into()),
        link: None,
        category: MessageCategory::Urgent,
        not_before: t(0),
        expires_at: None,
        supersede_key: None,
    }
}

/// Everything the public API can see, for "nothing changed" comparisons.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    streams: Vec<(String, u64, Vec<StoredEvent>)>,
    entries: Vec<OutboxEntry>,
}

pub(crate) fn snapshot<S: EventStore + OutboxStore>(store: &S) -> Snapshot {
    let streams = store
        .streams("")
        .expect("streams")
        .into_iter()
        .map(|s| {
            let v = store.version(&s).expect("version");
            let ev = store.load(&s, 0).expect("load");
            (s, v, ev)
        })
        .collect();
    let mut entries = Vec::new();
    for st in [
        OutboxStatus::Pending,
        OutboxStatus::Sent,
        OutboxStatus::Dead,
        OutboxStatus::Suppressed,
    ] {
        entries.extend(store.list(st, usize::MAX).expect("list"));
    }
    entries.sort_by_key(|e| e.id);
    Snapshot { streams, entries }
}
