//! The messengers of gridserve that do I/O, implementing the core's
//! [`Messenger`](gridserve_core::ports::Messenger):
//!
//! - [`JsonLinesMessenger`]: one JSON object per line to a file, standard output or any
//!   writer; for examples, demos and audit copies.
//! - [`WebhookMessenger`] (feature `webhook`, on by default): a JSON `POST` of each
//!   [`OutboundMessage`](gridserve_core::ports::OutboundMessage) to the host application's
//!   URL, with connect and response timeouts and the answer classified into the core's
//!   [`SendError`](gridserve_core::ports::SendError) classes; optionally many notices per
//!   post under its batch contract ([`WebhookConfig::batch_size`]). HTTPS needs the `tls`
//!   feature.
//! - [`receiver::WebhookReceiver`] (feature `webhook`): a minimal HTTP/1.1 receiver on
//!   127.0.0.1 that records what it is sent and answers as scripted, for tests, examples and
//!   benchmarks of the webhook path (not a production server).
//!
//! - [`WechatMessenger`] (feature `webhook`): WeChat official-account template messages and
//!   subscription notices, with the access token cached and refreshed and every documented
//!   errcode classified.
//! - [`SmsMessenger`] (feature `webhook`): an SMS gateway of the signature + template-code kind
//!   common to mainland gateways (Aliyun-like `SignName`, `TemplateCode`, `TemplateParam`).
//! - [`inbound`]: what comes back: WeChat event pushes (signature checked, replays refused)
//!   and SMS replies and delivery reports, parsed into typed [`inbound::Inbound`] items.
//!
//! The core's [`MemoryMessenger`](gridserve_core::outbox::MemoryMessenger) covers tests
//! without I/O.

mod error;
#[cfg(feature = "webhook")]
mod http;
pub mod inbound;
mod jsonl;
#[cfg(feature = "webhook")]
pub mod receiver;
#[cfg(feature = "webhook")]
mod sms;
#[cfg(feature = "webhook")]
mod webhook;
#[cfg(feature = "webhook")]
mod wechat;

pub use error::MessengerError;
#[cfg(feature = "webhook")]
pub use http::ErrorClass;
pub use jsonl::JsonLinesMessenger;
#[cfg(feature = "webhook")]
pub use sms::{SmsConfig, SmsMessenger, SmsTemplate, sms_error_classes};
#[cfg(feature = "webhook")]
pub use webhook::{
    BatchItemAnswer, BatchItemStatus, MAX_WEBHOOK_BATCH, WebhookConfig, WebhookMessenger,
    classify_status, parse_retry_after,
};
#[cfg(feature = "webhook")]
pub use wechat::{
    PagePathField, TokenApi, WechatConfig, WechatKind, WechatLink, WechatMessenger,
    wechat_error_classes,
};

/// Checks a provider's base URL: `http://host…`, or `https://host…` with the `tls` feature.
#[cfg(feature = "webhook")]
pub(crate) fn check_base_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("http://") {
        rest
    } else if let Some(rest) = lower.strip_prefix("https://") {
        if !cfg!(feature = "tls") {
            return Err("https needs the `tls` feature of gridserve-messengers".to_owned());
        }
        rest
    } else {
        return Err("must start with http:// or https://".to_owned());
    };
    if rest.is_empty() || rest.starts_with('/') {
        return Err("has no host".to_owned());
    }
    url.parse::<ureq::http::Uri>()
        .map(|_| ())
        .map_err(|e| e.to_string())
}
