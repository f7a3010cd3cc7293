//! Notices as they leave: channels, the rendered [`OutboundMessage`], the [`Messenger`] port
//! that sends them, and what a send or a later receipt reports.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Timestamp;

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

    /// The most messages this messenger hands over in one [`Messenger::send_batch`] call
    /// (one provider request); 1 (the default) means one request per message. The
    /// dispatcher groups a channel's due messages into batches of this size.
    fn max_batch(&self) -> usize {
        1
    }

    /// Sends several messages, as one provider request where the channel has a batch API.
    /// Returns one result per message, in the order given; a failure of the whole request
    /// (the provider busy, a connection error) is that failure for every message. The
    /// default sends them one by one through [`Messenger::send`].
    ///
    /// The dispatcher never passes more than [`Messenger::max_batch`] messages. A result
    /// list of the wrong length is a messenger bug: the dispatcher records each message
    /// without a result as a transient failure (retried) and ignores extra results.
    fn send_batch(&self, messages: &[&OutboundMessage]) -> Vec<Result<SendOutcome, SendError>> {
        messages.iter().map(|m| self.send(m)).collect()
    }
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
    /// The recipient opened the notice's details page (reported by the host's page through
    /// the notice's link; providers' pushes report delivery, not reading).
    Read,
}
