//! The outage storm the outbox benchmarks enqueue and dispatch (the SQLite benchmarks in
//! `benches/outbox.rs` and the PostgreSQL ones of `gridserve-postgres`): one outage's progress
//! events and one urgent WeChat-template notice per affected customer, with the fields and
//! sizes of a real outage notice, so both stores are measured on the same rows.

use chrono::TimeZone;
use gridserve_core::ports::{
    Channel, MessageCategory, NewEvent, OutboundMessage, Timestamp, china_offset,
};

/// The storm's start: 2026-07-14 15:30 China Standard Time.
pub fn storm_start() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 7, 14, 15, 30, 0)
        .single()
        .expect("a valid time")
}

/// Progress event number `step` of the storm's outage `O-17`, at [`storm_start`].
pub fn storm_event(step: u64) -> NewEvent {
    NewEvent {
        event_type: "outage.progress".into(),
        payload_json: format!(
            r#"{{"outage":"O-17","step":{step},"etr":"2026-07-14T18:00:00+08:00"}}"#
        ),
        actor: "system".into(),
        at: storm_start(),
    }
}

/// The notice to affected customer number `i` (phone `139` + eight digits, customer `01` +
/// eight digits) for event `version` of `stream`: channel webhook, template
/// `outage.detected` with three keyword fields, a link, urgent, due at [`storm_start`], with a
/// dedupe key and a supersede key unique to the customer.
pub fn storm_notice(stream: &str, version: u64, i: usize) -> OutboundMessage {
    let address = format!("139{i:08}");
    OutboundMessage {
        dedupe_key: format!("{stream}/{version}/{address}/webhook"),
        stream: stream.into(),
        stream_version: version,
        channel: Channel::Webhook,
        address,
        customer: Some(format!("01{i:08}")),
        template: "outage.detected".into(),
        fields: vec![
            ("thing1".into(), "城关镇10kV城东线".into()),
            ("phrase2".into(), "故障停电".into()),
            ("time3".into(), "2026年7月14日 18:00".into()),
        ],
        text: None,
        link: Some("https://example.invalid/outage/O-17".into()),
        category: MessageCategory::Urgent,
        not_before: storm_start(),
        expires_at: None,
        supersede_key: Some(format!("O-17/{i}/progress")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_unique_per_customer_and_due_at_the_start() {
        let a = storm_notice("outage/O-17", 1, 7);
        let b = storm_notice("outage/O-17", 1, 8);
        assert_eq!(a.address, "13900000007");
        assert_eq!(a.customer.as_deref(), Some("0100000007"));
        assert_ne!(a.dedupe_key, b.dedupe_key);
        assert_ne!(a.supersede_key, b.supersede_key);
        assert_eq!(a.not_before, storm_start());
        assert_eq!(storm_start().to_rfc3339(), "2026-07-14T15:30:00+08:00");
        assert!(storm_event(3).payload_json.contains(r#""step":3"#));
    }
}
