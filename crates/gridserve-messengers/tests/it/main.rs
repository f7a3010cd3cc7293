//! Integration tests of gridserve-messengers (one binary, many modules).

mod inbound;
mod jsonl;
mod sms;
mod webhook;
mod wechat;

use chrono::TimeZone;
use gridserve_core::ports::{Channel, MessageCategory, OutboundMessage, china_offset};

pub(crate) fn message(key: &str) -> OutboundMessage {
    let at = china_offset()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .expect("a valid time");
    OutboundMessage {
        dedupe_key: key.to_string(),
        stream: "outage/O-17".into(),
        stream_version: 3,
        channel: Channel::Webhook,
        address: "crm-inbox-42".into(),
        customer: Some("0100042".into()),
        template: "outage.progress".into(),
        fields: vec![
            ("thing1".into(), "城关10kV线".into()),
            ("phrase2".into(), "抢修中".into()),
        ],
        text: None,
        link: Some("https://example.invalid/o/17".into()),
        category: MessageCategory::Urgent,
        not_before: at,
        expires_at: None,
        supersede_key: Some("O-17/0100042/progress".into()),
    }
}
