//! Notices: templates as data rendered per channel within that channel's limits, recipients
//! resolved from a customer's contacts by role, level and permission, opt-outs, quiet hours,
//! deterministic dedupe and supersede keys, and personal data masked by the reader's role.
//!
//! A workflow event says *what* to tell *whom* as a [`NoticeRequest`] (a template name, an
//! [`Audience`] and the variables); the [`Notifier`] turns it into one
//! [`OutboundMessage`] per recipient, ready for the transactional outbox:
//!
//! 1. contacts of the customer from the network model ([`crate::network::Network`]);
//! 2. filtered by the [`RecipientPolicy`] (which contact roles may receive the topic) and the
//!    audience's levels; muted topics and opted-out channels from the [`ContactBook`] left out;
//! 3. one channel per contact: the first of its channels the template has a form for;
//! 4. rendered with [`TemplateSet::render`], checking WeChat keyword types and SMS length
//!    ([`channel`]); a value that does not fit is a [`NotifyError`] naming template, field and
//!    value (only `thing` fields marked `truncate` are cut);
//! 5. quiet hours: a service notice due inside the contact's window gets `not_before` moved to
//!    the window's end; urgent notices (outages, safety) go at once;
//! 6. keys: `dedupe_key` from stream, event version, template, channel and address (the
//!    address hashed, so keys carry no phone numbers into logs); `supersede_key` from stream,
//!    topic, channel and address for progress notices, so a recipient only gets the latest.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::network::Network;
use crate::network::records::Contact;
use crate::ports::{OutboundMessage, Timestamp};

pub mod channel;
mod error;
pub mod masking;
pub mod recipients;
pub mod template;

pub use channel::{FieldKind, Overflow, SmsRules, WechatLimits};
pub use error::NotifyError;
pub use masking::{MaskedMessage, Masking, MaskingPolicy};
pub use recipients::{
    Audience, ChannelAddress, ContactBook, ContactSettings, Levels, QuietHours, Recipient,
    RecipientPolicy,
};
pub use template::{Rendered, Template, TemplateSet, WechatField};

/// All notice rules as one serde value with shipped defaults: templates, channel limits,
/// recipient permissions and the masking policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticeRules {
    /// The templates.
    pub templates: TemplateSet,
    /// WeChat keyword limits.
    pub wechat: WechatLimits,
    /// SMS rules (signature, lengths).
    pub sms: SmsRules,
    /// Which contact roles receive which topics.
    pub recipients: RecipientPolicy,
    /// Which reader roles see personal data in the clear.
    pub masking: MaskingPolicy,
}

impl Default for TemplateSet {
    fn default() -> Self {
        Self::defaults()
    }
}

/// What a workflow event asks to be told, to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRequest {
    /// The template's name.
    pub template: String,
    /// The customer and contact levels.
    pub audience: Audience,
    /// The template variables (`customer` and `customer_name` are added from the network
    /// model when absent).
    pub vars: BTreeMap<String, String>,
    /// Not before this time (the event's time, or a scheduled time).
    pub not_before: Timestamp,
    /// Dropped if still unsent at this time.
    pub expires_at: Option<Timestamp>,
    /// A topic under which a later notice of the same stream replaces an unsent earlier one
    /// for the same recipient and channel (e.g. `"progress"`).
    pub supersede_topic: Option<String>,
    /// Urgent whatever the template's category (a critical safety defect): sent at once in
    /// quiet hours and to contacts who muted the topic.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
}

/// Why a notice reached nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UnreachedReason {
    /// The customer has no contact at all.
    NoContact,
    /// The customer has contacts, but none is permitted, at the asked levels or the asked
    /// phone, unmuted and with a channel the template has a form for and it has not refused.
    NoPermittedContact,
}

/// A notice that resolved to no recipient: reported to the caller (in
/// [`crate::workflow::Executed`] and the tick's report), never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unreached {
    /// The stream whose event caused the notice.
    pub stream: String,
    /// The event's version.
    pub version: u64,
    /// The template.
    pub template: String,
    /// The customer.
    pub customer: String,
    /// Why nobody.
    pub reason: UnreachedReason,
}

/// The messages a notice request renders to, or why it reaches nobody.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedNotice {
    /// One message per recipient.
    pub messages: Vec<OutboundMessage>,
    /// Set when `messages` is empty: why.
    pub unreached: Option<Unreached>,
}

/// FNV-1a, 128 bits: a stable hash (unlike the standard library's, it never changes between
/// releases), so keys stay the same across processes and versions.
fn fnv1a128(s: &str) -> u128 {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in s.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    h
}

/// The durable dedupe key of the notice of template `template` caused by event `version` of
/// `stream`, to `address` on `channel`: `"{stream}#{version}/{template}/{channel}/{hash}"`,
/// the address hashed (FNV-1a 128) so the key carries no personal data.
///
/// ```
/// use gridserve_core::notify::dedupe_key;
/// use gridserve_core::ports::Channel;
/// let k = dedupe_key("outage/O-1", 3, "outage.progress", Channel::Sms, "13800000000");
/// assert!(k.starts_with("outage/O-1#3/outage.progress/sms/"));
/// assert!(!k.contains("13800000000"));
/// assert_eq!(k, dedupe_key("outage/O-1", 3, "outage.progress", Channel::Sms, "13800000000"));
/// ```
#[must_use]
pub fn dedupe_key(
    stream: &str,
    version: u64,
    template: &str,
    channel: crate::ports::Channel,
    address: &str,
) -> String {
    format!(
        "{stream}#{version}/{template}/{channel}/{:032x}",
        fnv1a128(address)
    )
}

/// The supersede key of `topic` notices of `stream` to `address` on `channel`.
#[must_use]
pub fn supersede_key(
    stream: &str,
    topic: &str,
    channel: crate::ports::Channel,
    address: &str,
) -> String {
    format!("{stream}/{topic}/{channel}/{:032x}", fnv1a128(address))
}

/// Formats a time for notices: `2026年3月1日 09:05` (local time of the timestamp).
#[must_use]
pub fn format_time(t: Timestamp) -> String {
    t.format("%Y年%-m月%-d日 %H:%M").to_string()
}

/// Formats a date for notices: `2026年3月1日`.
#[must_use]
pub fn format_date(t: Timestamp) -> String {
    t.format("%Y年%-m月%-d日").to_string()
}

/// Renders notice requests into outbound messages for the customers of a network.
#[derive(Debug, Clone)]
pub struct Notifier {
    /// The rules.
    pub rules: NoticeRules,
    /// Contact settings (channels, quiet hours, opt-outs).
    pub book: ContactBook,
    network: Arc<Network>,
}

impl Notifier {
    /// A notifier over `network`'s customers with the shipped rules and no contact settings
    /// (every contact gets SMS at its phone, no quiet hours).
    #[must_use]
    pub fn new(network: Arc<Network>) -> Self {
        Self {
            rules: NoticeRules::default(),
            book: ContactBook::default(),
            network,
        }
    }

    /// With these rules.
    #[must_use]
    pub fn with_rules(mut self, rules: NoticeRules) -> Self {
        self.rules = rules;
        self
    }

    /// With these contact settings.
    #[must_use]
    pub fn with_book(mut self, book: ContactBook) -> Self {
        self.book = book;
        self
    }

    /// The network model.
    #[must_use]
    pub fn network(&self) -> &Arc<Network> {
        &self.network
    }

    /// The contacts and name of customer `number`.
    ///
    /// # Errors
    /// [`NotifyError::UnknownCustomer`].
    pub fn customer(&self, number: &str) -> Result<(Vec<Contact>, Option<String>), NotifyError> {
        let id = self
            .network
            .customer_id(number)
            .map_err(|_| NotifyError::UnknownCustomer {
                number: number.to_owned(),
            })?;
        let c = self.network.customer(id);
        Ok((
            c.contacts().map(|k| k.to_contact()).collect(),
            c.name().map(str::to_owned),
        ))
    }

    /// An outbox entry as JSON for an export or a view, personal data masked per `masking`:
    /// the address, phone numbers in the texts and the last error
    /// ([`masking::export_entry`]), and the names of the entry's customer and of its
    /// contacts wherever they appear in those texts.
    #[must_use]
    pub fn export_entry(
        &self,
        entry: &crate::ports::OutboxEntry,
        masking: Masking,
    ) -> serde_json::Value {
        let mut v = masking::export_entry(entry, masking);
        if masking == Masking::Clear {
            return v;
        }
        let Some(number) = entry.message.customer.as_deref() else {
            return v;
        };
        let Ok((contacts, name)) = self.customer(number) else {
            return v;
        };
        let names: Vec<&str> = contacts
            .iter()
            .map(|c| c.name.as_str())
            .chain(name.as_deref())
            .filter(|n| n.chars().count() >= 2)
            .collect();
        masking::mask_names(&mut v, &names);
        v
    }

    /// The messages for `request`, caused by event `version` of `stream`: one per resolved
    /// recipient (none when the customer has no permitted, reachable contact; see
    /// [`Notifier::render_notice`] for the reason).
    ///
    /// # Errors
    /// [`NotifyError`]: unknown customer or template, a value that does not fit its field.
    pub fn render(
        &self,
        stream: &str,
        version: u64,
        request: &NoticeRequest,
    ) -> Result<Vec<OutboundMessage>, NotifyError> {
        Ok(self.render_notice(stream, version, request)?.messages)
    }

    /// The messages for `request`, caused by event `version` of `stream`, and when there is
    /// no recipient, why ([`Unreached`]).
    ///
    /// # Errors
    /// [`NotifyError`]: unknown customer or template, a value that does not fit its field.
    pub fn render_notice(
        &self,
        stream: &str,
        version: u64,
        request: &NoticeRequest,
    ) -> Result<RenderedNotice, NotifyError> {
        let (contacts, name) = self.customer(&request.audience.customer)?;
        let template = self.rules.templates.get(&request.template)?;
        let category = if request.urgent {
            crate::ports::MessageCategory::Urgent
        } else {
            template.category
        };
        let recipients = recipients::resolve(
            &request.template,
            category,
            &request.audience,
            &contacts,
            &self.rules.recipients,
            &self.book,
            |c| template.supports(c),
        );
        let mut vars = request.vars.clone();
        vars.entry("customer".to_owned())
            .or_insert_with(|| request.audience.customer.clone());
        vars.entry("customer_name".to_owned()).or_insert_with(|| {
            name.clone()
                .unwrap_or_else(|| request.audience.customer.clone())
        });
        // Render once per channel; recipients on the same channel share the rendering.
        let mut cache: BTreeMap<crate::ports::Channel, Rendered> = BTreeMap::new();
        let mut out = Vec::with_capacity(recipients.len());
        for r in recipients {
            let rendered = match cache.get(&r.channel) {
                Some(x) => x.clone(),
                None => {
                    let x = self.rules.templates.render(
                        &request.template,
                        r.channel,
                        &vars,
                        &self.rules.wechat,
                        &self.rules.sms,
                    )?;
                    cache.insert(r.channel, x.clone());
                    x
                }
            };
            let not_before = match (category, r.quiet_hours) {
                (crate::ports::MessageCategory::Service, Some(q)) => q.release(request.not_before),
                _ => request.not_before,
            };
            out.push(OutboundMessage {
                dedupe_key: dedupe_key(stream, version, &request.template, r.channel, &r.address),
                stream: stream.to_owned(),
                stream_version: version,
                channel: r.channel,
                customer: Some(r.customer),
                template: request.template.clone(),
                fields: rendered.fields,
                text: rendered.text,
                link: rendered.link,
                category,
                not_before,
                expires_at: request.expires_at,
                supersede_key: request
                    .supersede_topic
                    .as_deref()
                    .map(|t| supersede_key(stream, t, r.channel, &r.address)),
                address: r.address,
            });
        }
        let unreached = out.is_empty().then(|| Unreached {
            stream: stream.to_owned(),
            version,
            template: request.template.clone(),
            customer: request.audience.customer.clone(),
            reason: if contacts.is_empty() {
                UnreachedReason::NoContact
            } else {
                UnreachedReason::NoPermittedContact
            },
        });
        Ok(RenderedNotice {
            messages: out,
            unreached,
        })
    }
}
