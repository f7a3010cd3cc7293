//! What comes back from customers and providers, parsed into typed [`Inbound`] items:
//! delivery receipts, customer replies (a bill "paid", an invoice "received", an outage
//! "still out", unsubscribe), subscribe / unsubscribe events, and reads reported by the
//! details page ([`read_receipt`]).
//!
//! Sources:
//! - **WeChat event pushes** (the official account's server URL): [`PushGuard`] checks the
//!   signature (`signature` = hex SHA-1 of the token, `timestamp` and `nonce` sorted and
//!   joined) and refuses stale or replayed pushes (a timestamp outside the window, or a
//!   `(timestamp, nonce)` pair seen before); [`parse_wechat_push`] reads the XML message:
//!   `TEMPLATESENDJOBFINISH` receipts (`success`, `failed:user block`, `failed: system
//!   failed`), `subscribe_msg_sent_event` receipts, `subscribe` / `unsubscribe` events and
//!   text messages (replies).
//! - **SMS gateway pushes** (Aliyun-like JSON arrays): [`parse_sms_reports`] for delivery
//!   reports (`biz_id`, `success`, `err_code`) and [`parse_sms_replies`] for replies
//!   (`phone_number`, `content`, `send_time`).
//!
//! [`apply`] routes the items that change the outbox (receipts through the dispatcher,
//! unsubscribe and subscribe through the [`OptOuts`] port) and hands back the ones for the
//! workflows ([`Reply`], with a [`CustomerCall`] evidence item for "still out").
//!
//! Personal data stays out of errors and `Debug`: openids and phone numbers are masked.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Mutex;

use chrono::{NaiveDateTime, TimeZone};
use gridserve_core::access::{mask_phone, mask_text};
use gridserve_core::outbox::{Dispatcher, OutboxError};
use gridserve_core::ports::{
    Channel, OptOuts, OutboxStore, ReceiptStatus, Timestamp, china_offset,
};
use serde::{Deserialize, Serialize};

/// The largest push body read (WeChat messages are a few hundred bytes; gateway batches a
/// few hundred items).
pub const MAX_PUSH_BYTES: usize = 1 << 20;

/// Why a push was refused.
///
/// Serialises as its fields (see [`ErrorInfo`](gridserve_core::ErrorInfo)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InboundError {
    /// The signature does not match: not from the provider, or the token is wrong.
    #[error("push signature does not match")]
    BadSignature,
    /// The timestamp is outside the accepted window around now.
    #[error("push timestamp {timestamp} is {skew_s} s from now, outside the {window_s} s window")]
    Stale {
        /// The push's timestamp (Unix seconds).
        timestamp: i64,
        /// How far from now, in seconds.
        skew_s: i64,
        /// The window, in seconds.
        window_s: i64,
    },
    /// The same `(timestamp, nonce)` was accepted before: a replay.
    #[error("push replayed (timestamp {timestamp}, nonce seen before)")]
    Replayed {
        /// The push's timestamp (Unix seconds).
        timestamp: i64,
    },
    /// The body is larger than [`MAX_PUSH_BYTES`].
    #[error("push body of {bytes} bytes is over the limit of {limit}")]
    TooLarge {
        /// The body's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A field is missing or unreadable.
    #[error("{source_kind} field {field}: {problem}")]
    Malformed {
        /// What was being read (`wechat push`, `sms report`, `sms reply`).
        source_kind: &'static str,
        /// The field, e.g. `CreateTime` or `[3].biz_id`.
        field: String,
        /// What is wrong, with at most a short masked excerpt of the value.
        problem: String,
    },
}

gridserve_core::impl_error_info! {
    InboundError {
        BadSignature => ("bad_signature", "PushSignatureError"),
        Stale => ("stale", "StalePushError"),
        Replayed => ("replayed", "ReplayedPushError"),
        TooLarge => ("too_large", "PushTooLargeError"),
        Malformed => ("malformed", "MalformedPushError"),
    }
    delegate {}
}

impl InboundError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::BadSignature,
            Self::Stale {
                timestamp: 1_700_000_000,
                skew_s: 301,
                window_s: 300,
            },
            Self::Replayed {
                timestamp: 1_700_000_000,
            },
            Self::TooLarge {
                bytes: 2_000_000,
                limit: MAX_PUSH_BYTES,
            },
            Self::Malformed {
                source_kind: "sms reply",
                field: "[0].phone_number".into(),
                problem: "missing".into(),
            },
        ]
    }
}

fn malformed(
    source_kind: &'static str,
    field: impl Into<String>,
    problem: impl Into<String>,
) -> InboundError {
    InboundError::Malformed {
        source_kind,
        field: field.into(),
        problem: problem.into(),
    }
}

/// A short, masked excerpt of an outside value for an error message.
fn shown(value: &str) -> String {
    mask_text(&gridserve_core::excerpt(value))
}

/// What a customer's reply asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplyCommand {
    /// The bill is paid (feedback to the bill workflow; the payment system confirms).
    BillPaid,
    /// The paper invoice was received (closes the invoice workflow's pickup).
    InvoiceReceived,
    /// The power is still out (evidence for outage inference, see [`CustomerCall`]).
    StillOut,
    /// No more notices on this channel (an opt-out).
    Unsubscribe,
    /// None of the keywords: left to a person (the text, phone numbers masked).
    Unrecognised {
        /// The reply's text with digit runs that may be phone numbers masked, cut short.
        text: String,
    },
}

/// The keywords of each reply command, as data. A reply matches a command when, after
/// normalising (full-width ASCII to half-width, ASCII upper-cased, surrounding spaces and
/// punctuation trimmed), it equals one of the command's keywords, or contains one of its
/// keywords of two or more CJK characters not directly after a negation (`没`, `未`, `不`,
/// `无`), so `还没收到` is not "received", and, for a keyword ending in `电`, not directly
/// before `费`, `话`, `价` or `表` (电费, 电话, 电价, 电表 are other words: `他没来电话` is not
/// "still out"). Commands are tried in the order unsubscribe, still out, paid, received.
///
/// The defaults follow the utility practice the messaging reference §4.3 cites ("reply OUT",
/// "STOP") and the usual Chinese replies (`退订`/`TD`, `还停电`, `已缴费`, `发票已收到`). A bare
/// `收到` ("got it") is an acknowledgement of any notice, not "invoice received".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplyKeywords {
    /// Unsubscribe keywords.
    pub unsubscribe: Vec<String>,
    /// Still-out keywords.
    pub still_out: Vec<String>,
    /// Bill-paid keywords.
    pub paid: Vec<String>,
    /// Invoice-received keywords.
    pub received: Vec<String>,
}

impl Default for ReplyKeywords {
    fn default() -> Self {
        let v = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect();
        Self {
            unsubscribe: v(&["TD", "T", "STOP", "UNSUBSCRIBE", "退订", "取消订阅"]),
            still_out: v(&[
                "OUT",
                "STILL OUT",
                "还停电",
                "仍停电",
                "还是停电",
                "还没来电",
                "没来电",
                "仍未来电",
                "没有电",
                "仍未恢复",
                "还没恢复",
            ]),
            paid: v(&[
                "PAID",
                "已缴费",
                "已缴",
                "已交费",
                "已交",
                "缴过了",
                "交过了",
            ]),
            // A bare 收到 is how people acknowledge any message, so "received" needs the
            // invoice named or the pickup word.
            received: v(&[
                "RECEIVED",
                "发票已收到",
                "发票收到",
                "已领取",
                "发票已领",
                "已取发票",
            ]),
        }
    }
}

fn normalise(text: &str) -> String {
    let half: String = text
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect();
    half.trim_matches(|c: char| {
        c.is_whitespace() || c.is_ascii_punctuation() || "。，！？、～…".contains(c)
    })
    .to_ascii_uppercase()
}

fn is_cjk(c: char) -> bool {
    gridserve_core::notify::channel::is_cjk(c)
}

impl ReplyKeywords {
    /// The command a reply's text asks for.
    ///
    /// ```
    /// use gridserve_messengers::inbound::{ReplyCommand, ReplyKeywords};
    /// let k = ReplyKeywords::default();
    /// assert_eq!(k.classify("td"), ReplyCommand::Unsubscribe);
    /// assert_eq!(k.classify("我家还停电！"), ReplyCommand::StillOut);
    /// assert_eq!(k.classify("发票已收到，谢谢"), ReplyCommand::InvoiceReceived);
    /// assert!(matches!(k.classify("发票还没收到"), ReplyCommand::Unrecognised { .. }));
    /// ```
    pub fn classify(&self, text: &str) -> ReplyCommand {
        let t = normalise(text);
        let matches = |words: &[String]| {
            words.iter().any(|w| {
                let w = normalise(w);
                if w.is_empty() {
                    return false;
                }
                if t == w {
                    return true;
                }
                if w.chars().count() < 2 || !w.chars().all(is_cjk) {
                    return false;
                }
                t.match_indices(w.as_str()).any(|(i, m)| {
                    let negated = t[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| "没未不无".contains(c));
                    // 电 followed by 费, 话, 价 or 表 is another word (bill, phone, price,
                    // meter): 没来电话 is "did not call", not "no power".
                    let compound = w.ends_with('电')
                        && t[i + m.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| "费话价表".contains(c));
                    !negated && !compound
                })
            })
        };
        if matches(&self.unsubscribe) {
            ReplyCommand::Unsubscribe
        } else if matches(&self.still_out) {
            ReplyCommand::StillOut
        } else if matches(&self.paid) {
            ReplyCommand::BillPaid
        } else if matches(&self.received) {
            ReplyCommand::InvoiceReceived
        } else {
            ReplyCommand::Unrecognised {
                text: shown(text.trim()),
            }
        }
    }
}

/// A customer's reply on a channel.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The channel it came on (`wechat_template` for messages to the official account, `sms`).
    pub channel: Channel,
    /// Who sent it: the openid or the phone number.
    pub address: String,
    /// The customer the address belongs to, if the address book knows it.
    pub customer: Option<String>,
    /// When it was sent.
    pub at: Timestamp,
    /// What it asks for.
    pub command: ReplyCommand,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("channel", &self.channel)
            .field("address", &mask_phone(&self.address))
            .field("customer", &self.customer)
            .field("at", &self.at)
            .field("command", &self.command)
            .finish()
    }
}

/// A customer's report that the power is out, as evidence for outage inference: which
/// customer, when, and on which channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CustomerCall {
    /// The customer number.
    pub customer: String,
    /// When the customer reported it.
    pub at: Timestamp,
    /// The channel of the report.
    pub channel: Channel,
}

impl Reply {
    /// The outage evidence of a "still out" reply from a known customer; `None` for other
    /// replies or an address no customer is known by.
    pub fn customer_call(&self) -> Option<CustomerCall> {
        match (&self.command, &self.customer) {
            (ReplyCommand::StillOut, Some(customer)) => Some(CustomerCall {
                customer: customer.clone(),
                at: self.at,
                channel: self.channel,
            }),
            _ => None,
        }
    }
}

/// One item that came back. Its `Debug` masks the address. It serialises with its variant
/// in `kind` (`{"kind": "receipt", "provider_msg_id": …}`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Inbound {
    /// A delivery receipt for the message the provider knows by `provider_msg_id`.
    Receipt {
        /// The channel.
        channel: Channel,
        /// The provider's message id (WeChat `MsgID`, the gateway's `BizId`).
        provider_msg_id: String,
        /// What became of it.
        status: ReceiptStatus,
        /// When the provider reported it.
        at: Timestamp,
    },
    /// The customer opened the notice's details page: the page reports the notice named in
    /// its link (see `read_param` of the WeChat messenger's configuration) with
    /// [`read_receipt`].
    Read {
        /// The notice's dedupe key.
        dedupe_key: String,
        /// When the page was opened.
        at: Timestamp,
    },
    /// A customer's reply.
    Reply(Reply),
    /// The customer followed the account again: a WeChat opt-out is withdrawn.
    Subscribed {
        /// The channel.
        channel: Channel,
        /// The openid.
        address: String,
        /// When.
        at: Timestamp,
    },
    /// A push that needs nothing (menu clicks, location reports …): its type.
    Ignored {
        /// The message or event type.
        push_type: String,
    },
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Receipt {
                channel,
                provider_msg_id,
                status,
                at,
            } => f
                .debug_struct("Receipt")
                .field("channel", channel)
                .field("provider_msg_id", provider_msg_id)
                .field("status", status)
                .field("at", at)
                .finish(),
            Self::Read { dedupe_key, at } => f
                .debug_struct("Read")
                .field("dedupe_key", dedupe_key)
                .field("at", at)
                .finish(),
            Self::Reply(r) => f.debug_tuple("Reply").field(r).finish(),
            Self::Subscribed {
                channel,
                address,
                at,
            } => f
                .debug_struct("Subscribed")
                .field("channel", channel)
                .field("address", &mask_phone(address))
                .field("at", at)
                .finish(),
            Self::Ignored { push_type } => f
                .debug_struct("Ignored")
                .field("push_type", push_type)
                .finish(),
        }
    }
}

impl Inbound {
    /// The item with its address masked, for logs and exports.
    #[must_use]
    pub fn masked(&self) -> Self {
        match self {
            Self::Reply(r) => Self::Reply(Reply {
                address: mask_phone(&r.address),
                ..r.clone()
            }),
            Self::Subscribed {
                channel,
                address,
                at,
            } => Self::Subscribed {
                channel: *channel,
                address: mask_phone(address),
                at: *at,
            },
            other => other.clone(),
        }
    }
}

/// Checks WeChat pushes: the signature, the timestamp window and the nonces seen (replays).
///
/// ```
/// use gridserve_messengers::inbound::{PushGuard, wechat_signature};
///
/// use chrono::TimeZone;
/// use gridserve_core::ports::china_offset;
///
/// let guard = PushGuard::new("my-token", 300);
/// let now = china_offset().timestamp_opt(1_700_000_010, 0).unwrap();
/// let signature = wechat_signature("my-token", "1700000000", "n-1");
/// assert!(guard.check(&signature, "1700000000", "n-1", now).is_ok());
/// // The same push again is a replay.
/// assert!(guard.check(&signature, "1700000000", "n-1", now).is_err());
/// ```
pub struct PushGuard {
    token: String,
    window_s: i64,
    max_nonces: usize,
    seen: Mutex<Seen>,
}

impl std::fmt::Debug for PushGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushGuard")
            .field("window_s", &self.window_s)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Seen {
    set: HashSet<(i64, String)>,
    order: VecDeque<(i64, String)>,
}

/// The WeChat push signature: the hex SHA-1 of `token`, `timestamp` and `nonce` sorted as
/// strings and joined.
pub fn wechat_signature(token: &str, timestamp: &str, nonce: &str) -> String {
    let mut parts = [token, timestamp, nonce];
    parts.sort_unstable();
    let mut h = sha1_smol::Sha1::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    h.digest().to_string()
}

/// Compares without stopping at the first difference (the time taken does not reveal how
/// much of a forged signature was right).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y.to_ascii_lowercase()))
            == 0
}

impl PushGuard {
    /// A guard for the official account's `token` accepting timestamps within `window_s`
    /// seconds of now (300 is usual; WeChat retries a push within 15 s).
    pub fn new(token: impl Into<String>, window_s: u32) -> Self {
        Self {
            token: token.into(),
            window_s: i64::from(window_s.max(1)),
            max_nonces: 1_000_000,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Checks a push's query parameters at `now`; records its nonce when it passes.
    ///
    /// # Errors
    /// [`InboundError::BadSignature`], [`InboundError::Malformed`] for a timestamp that is
    /// not a number, [`InboundError::Stale`] or [`InboundError::Replayed`].
    pub fn check(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        now: Timestamp,
    ) -> Result<(), InboundError> {
        let now_unix_s = now.timestamp();
        if !same(&wechat_signature(&self.token, timestamp, nonce), signature) {
            return Err(InboundError::BadSignature);
        }
        let ts: i64 = timestamp.trim().parse().map_err(|_| {
            malformed(
                "wechat push",
                "timestamp",
                format!("{:?} is not a number", shown(timestamp)),
            )
        })?;
        let skew_s = now_unix_s.saturating_sub(ts);
        if skew_s.unsigned_abs() > self.window_s.unsigned_abs() {
            return Err(InboundError::Stale {
                timestamp: ts,
                skew_s,
                window_s: self.window_s,
            });
        }
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget nonces whose timestamps left the window: a replay of them is stale anyway.
        while let Some((t, _)) = seen.order.front() {
            if now_unix_s.saturating_sub(*t) > self.window_s || seen.order.len() >= self.max_nonces
            {
                if let Some(old) = seen.order.pop_front() {
                    seen.set.remove(&old);
                }
            } else {
                break;
            }
        }
        let key = (ts, nonce.to_owned());
        if !seen.set.insert(key.clone()) {
            return Err(InboundError::Replayed { timestamp: ts });
        }
        seen.order.push_back(key);
        Ok(())
    }

    /// The server-URL check WeChat makes when the URL is configured (a `GET` with `echostr`):
    /// the `echostr` to answer when the signature is right.
    ///
    /// # Errors
    /// As [`PushGuard::check`].
    pub fn verify_url<'a>(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &'a str,
        now: Timestamp,
    ) -> Result<&'a str, InboundError> {
        self.check(signature, timestamp, nonce, now)?;
        Ok(echostr)
    }
}

/// Parses one WeChat push (XML, plain mode) into an [`Inbound`] item. `customer_of` finds the
/// customer of an openid (from the contacts' `wechat_openid`); `keywords` classify text
/// replies. Check the push with a [`PushGuard`] first.
///
/// # Errors
/// [`InboundError::TooLarge`], or [`InboundError::Malformed`] naming the missing or bad field.
pub fn parse_wechat_push(
    xml: &str,
    keywords: &ReplyKeywords,
    customer_of: &dyn Fn(Channel, &str) -> Option<String>,
) -> Result<Inbound, InboundError> {
    const SRC: &str = "wechat push";
    if xml.len() > MAX_PUSH_BYTES {
        return Err(InboundError::TooLarge {
            bytes: xml.len(),
            limit: MAX_PUSH_BYTES,
        });
    }
    let doc = roxmltree::Document::parse(xml)
        .map_err(|e| malformed(SRC, "xml", format!("not XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "xml" {
        return Err(malformed(SRC, "xml", "the root element is not <xml>"));
    }
    let get = |name: &str| -> Option<String> {
        root.children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .map(|n| n.text().unwrap_or("").trim().to_owned())
    };
    let need = |name: &str| {
        get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| malformed(SRC, name, "missing"))
    };
    let created: i64 = need("CreateTime")?
        .parse()
        .map_err(|_| malformed(SRC, "CreateTime", "not a number"))?;
    let at = china_offset()
        .timestamp_opt(created, 0)
        .single()
        .ok_or_else(|| malformed(SRC, "CreateTime", "out of range"))?;
    let msg_type = need("MsgType")?;
    let channel = Channel::WechatTemplate;
    match msg_type.as_str() {
        "text" => {
            let from = need("FromUserName")?;
            let content = get("Content").unwrap_or_default();
            Ok(Inbound::Reply(Reply {
                customer: customer_of(channel, &from),
                channel,
                address: from,
                at,
                command: keywords.classify(&content),
            }))
        }
        "event" => {
            let event = need("Event")?;
            match event.as_str() {
                "TEMPLATESENDJOBFINISH" => {
                    let id = get("MsgID")
                        .or_else(|| get("MsgId"))
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| malformed(SRC, "MsgID", "missing"))?;
                    let status = need("Status")?;
                    Ok(Inbound::Receipt {
                        channel,
                        provider_msg_id: id,
                        status: wechat_receipt_status(&status),
                        at,
                    })
                }
                "subscribe_msg_sent_event" => {
                    // <SubscribeMsgSentEvent><List><TemplateId/><MsgID/><ErrorCode/>
                    // <ErrorStatus/></List></SubscribeMsgSentEvent>
                    let list = root
                        .descendants()
                        .find(|n| n.is_element() && n.tag_name().name() == "List")
                        .ok_or_else(|| malformed(SRC, "SubscribeMsgSentEvent.List", "missing"))?;
                    let field = |name: &str| {
                        list.children()
                            .find(|n| n.is_element() && n.tag_name().name() == name)
                            .and_then(|n| n.text())
                            .map(|t| t.trim().to_owned())
                            .filter(|t| !t.is_empty())
                    };
                    let id =
                        field("MsgID").ok_or_else(|| malformed(SRC, "List.MsgID", "missing"))?;
                    let code = field("ErrorCode").unwrap_or_else(|| "0".to_owned());
                    let status = match code.as_str() {
                        "0" => ReceiptStatus::Delivered,
                        "43101" => ReceiptStatus::UserBlocked,
                        other => ReceiptStatus::Failed(format!(
                            "errcode {}: {}",
                            shown(other),
                            shown(&field("ErrorStatus").unwrap_or_default())
                        )),
                    };
                    Ok(Inbound::Receipt {
                        channel: Channel::WechatSubscribe,
                        provider_msg_id: id,
                        status,
                        at,
                    })
                }
                "unsubscribe" => {
                    let from = need("FromUserName")?;
                    Ok(Inbound::Reply(Reply {
                        customer: customer_of(channel, &from),
                        channel,
                        address: from,
                        at,
                        command: ReplyCommand::Unsubscribe,
                    }))
                }
                "subscribe" => Ok(Inbound::Subscribed {
                    channel,
                    address: need("FromUserName")?,
                    at,
                }),
                other => Ok(Inbound::Ignored {
                    push_type: format!("event {}", gridserve_core::excerpt(other)),
                }),
            }
        }
        other => Ok(Inbound::Ignored {
            push_type: gridserve_core::excerpt(other),
        }),
    }
}

/// The longest notice key a read receipt accepts.
const MAX_KEY_CHARS: usize = 512;

/// A read receipt from the details page: `notice` is the value of the link's read parameter
/// (the notice's dedupe key, already percent-decoded by the host's web framework).
///
/// # Errors
/// [`InboundError::Malformed`] for an empty key, one longer than 512 characters, or one with
/// control characters.
pub fn read_receipt(notice: &str, at: Timestamp) -> Result<Inbound, InboundError> {
    const SRC: &str = "read receipt";
    let key = notice.trim();
    if key.is_empty() {
        return Err(malformed(SRC, "notice", "missing"));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(malformed(
            SRC,
            "notice",
            format!("longer than {MAX_KEY_CHARS} characters"),
        ));
    }
    if key.chars().any(char::is_control) {
        return Err(malformed(SRC, "notice", "has control characters"));
    }
    Ok(Inbound::Read {
        dedupe_key: key.to_owned(),
        at,
    })
}

/// The receipt status of a `TEMPLATESENDJOBFINISH` `Status`: `success`, `failed:user block`
/// (an opt-out), anything else a failure with its text (`failed: system failed`,
/// `failed:freq limit`).
pub fn wechat_receipt_status(status: &str) -> ReceiptStatus {
    let s = status.trim();
    if s.eq_ignore_ascii_case("success") {
        ReceiptStatus::Delivered
    } else if s
        .strip_prefix("failed:")
        .is_some_and(|r| r.trim().eq_ignore_ascii_case("user block"))
    {
        ReceiptStatus::UserBlocked
    } else {
        ReceiptStatus::Failed(gridserve_core::excerpt(s))
    }
}

/// One gateway delivery report (Aliyun `SmsReport` shape).
#[derive(Debug, Deserialize)]
struct SmsReport {
    biz_id: Option<String>,
    success: Option<bool>,
    #[serde(default)]
    err_code: String,
    report_time: Option<String>,
}

/// One gateway reply (Aliyun `SmsUp` shape).
#[derive(Deserialize)]
struct SmsUp {
    phone_number: Option<String>,
    content: Option<String>,
    send_time: Option<String>,
}

/// Reads a gateway time: `2026-03-01 08:00:00` in China Standard Time, or RFC 3339.
fn gateway_time(src: &'static str, field: &str, value: &str) -> Result<Timestamp, InboundError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(t);
    }
    NaiveDateTime::parse_from_str(value.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .and_then(|n| china_offset().from_local_datetime(&n).single())
        .ok_or_else(|| malformed(src, field, format!("{:?} is not a time", shown(value))))
}

fn json_array<T: serde::de::DeserializeOwned>(
    src: &'static str,
    body: &str,
) -> Result<Vec<T>, InboundError> {
    if body.len() > MAX_PUSH_BYTES {
        return Err(InboundError::TooLarge {
            bytes: body.len(),
            limit: MAX_PUSH_BYTES,
        });
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(body)
        .map_err(|e| malformed(src, "body", format!("not a JSON array: {e}")))?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| malformed(src, format!("[{i}]"), shown(&e.to_string())))
        })
        .collect()
}

/// Parses a gateway's delivery-report push (a JSON array of `{biz_id, success, err_code,
/// report_time, …}`) into receipts: `success` true is delivered; an `err_code` listed in
/// `blocked_codes` (the gateway's codes for a number that refuses the sender) is
/// [`ReceiptStatus::UserBlocked`]; any other is a failure with its code.
///
/// # Errors
/// [`InboundError::TooLarge`] or [`InboundError::Malformed`] naming the item and field.
pub fn parse_sms_reports(
    body: &str,
    blocked_codes: &[String],
) -> Result<Vec<Inbound>, InboundError> {
    const SRC: &str = "sms report";
    json_array::<SmsReport>(SRC, body)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r
                .biz_id
                .filter(|b| !b.is_empty())
                .ok_or_else(|| malformed(SRC, format!("[{i}].biz_id"), "missing"))?;
            let success = r
                .success
                .ok_or_else(|| malformed(SRC, format!("[{i}].success"), "missing"))?;
            let at = gateway_time(
                SRC,
                &format!("[{i}].report_time"),
                r.report_time.as_deref().unwrap_or(""),
            )?;
            let status = if success {
                ReceiptStatus::Delivered
            } else if blocked_codes.iter().any(|c| c == &r.err_code) {
                ReceiptStatus::UserBlocked
            } else {
                ReceiptStatus::Failed(gridserve_core::excerpt(&r.err_code))
            };
            Ok(Inbound::Receipt {
                channel: Channel::Sms,
                provider_msg_id: id,
                status,
                at,
            })
        })
        .collect()
}

/// Parses a gateway's reply push (a JSON array of `{phone_number, content, send_time, …}`)
/// into replies classified by `keywords`, each with its customer from `customer_of`.
///
/// # Errors
/// [`InboundError::TooLarge`] or [`InboundError::Malformed`] naming the item and field (the
/// phone number never appears in the message).
pub fn parse_sms_replies(
    body: &str,
    keywords: &ReplyKeywords,
    customer_of: &dyn Fn(Channel, &str) -> Option<String>,
) -> Result<Vec<Inbound>, InboundError> {
    const SRC: &str = "sms reply";
    json_array::<SmsUp>(SRC, body)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let phone = r
                .phone_number
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .ok_or_else(|| malformed(SRC, format!("[{i}].phone_number"), "missing"))?;
            let content = r.content.unwrap_or_default();
            let at = gateway_time(
                SRC,
                &format!("[{i}].send_time"),
                r.send_time.as_deref().unwrap_or(""),
            )?;
            Ok(Inbound::Reply(Reply {
                customer: customer_of(Channel::Sms, &phone),
                channel: Channel::Sms,
                address: phone,
                at,
                command: keywords.classify(&content),
            }))
        })
        .collect()
}

/// What [`apply`] did with one item.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// A receipt stored on the outbox entry with this id (a `UserBlocked` one also recorded
    /// an opt-out).
    Receipt(u64),
    /// A receipt for a message the outbox does not know (sent by another system, purged, or a
    /// read of a notice the provider gave no id).
    UnknownReceipt,
    /// The address was recorded as opted out of the channel.
    OptedOut,
    /// The address's opt-out of the channel was withdrawn.
    OptOutWithdrawn,
    /// A reply for the workflows (paid, received, still out, unrecognised): nothing stored.
    ForWorkflow(Reply),
    /// Nothing to do.
    Nothing,
}

/// Applies one item to the outbox: a receipt through [`Dispatcher::on_receipt`] (which also
/// records the opt-out of a `UserBlocked` receipt), a read as a [`ReceiptStatus::Read`]
/// receipt on the notice it names (unknown when the notice was never accepted with a provider
/// id), an unsubscribe as an opt-out of the
/// reply's channel (an unfollow is an opt-out of WeChat template messages), a subscribe as
/// the opt-out withdrawn; other replies come back as [`Applied::ForWorkflow`].
///
/// # Errors
/// [`OutboxError::Store`] when the store fails.
pub fn apply<S: OutboxStore + ?Sized>(
    item: &Inbound,
    dispatcher: &mut Dispatcher,
    store: &mut S,
) -> Result<Applied, OutboxError> {
    match item {
        Inbound::Receipt {
            provider_msg_id,
            status,
            at,
            ..
        } => Ok(
            match dispatcher.on_receipt(store, provider_msg_id, status, *at)? {
                Some(id) => Applied::Receipt(id),
                None => Applied::UnknownReceipt,
            },
        ),
        Inbound::Read { dedupe_key, at } => {
            let provider_msg_id = store
                .by_dedupe_key(dedupe_key)?
                .and_then(|e| e.provider_msg_id);
            Ok(match provider_msg_id {
                Some(pid) => {
                    match dispatcher.on_receipt(store, &pid, &ReceiptStatus::Read, *at)? {
                        Some(id) => Applied::Receipt(id),
                        None => Applied::UnknownReceipt,
                    }
                }
                None => Applied::UnknownReceipt,
            })
        }
        Inbound::Reply(r) if r.command == ReplyCommand::Unsubscribe => {
            OptOuts::set_opt_out(store, r.channel, &r.address, r.at, "customer unsubscribed")?;
            Ok(Applied::OptedOut)
        }
        Inbound::Reply(r) => Ok(Applied::ForWorkflow(r.clone())),
        Inbound::Subscribed {
            channel, address, ..
        } => {
            OptOuts::clear_opt_out(store, *channel, address)?;
            Ok(Applied::OptOutWithdrawn)
        }
        Inbound::Ignored { .. } => Ok(Applied::Nothing),
    }
}

/// An address book from `(channel, address)` to customer, for the parsers' `customer_of`.
pub fn address_book(
    entries: &BTreeMap<(Channel, String), String>,
) -> impl Fn(Channel, &str) -> Option<String> + '_ {
    move |channel, address| entries.get(&(channel, address.to_owned())).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_sha1_of_the_sorted_parts() {
        // Independent computation: printf '%s' 1409304348nonce-1token | sha1sum
        // ("1409304348" < "nonce-1" < "token" in byte order).
        let expected = "91b6014e05fb09f506fff3dd62d64f5c82213001";
        assert_eq!(wechat_signature("token", "1409304348", "nonce-1"), expected);
        // The order given does not matter.
        assert_eq!(wechat_signature("nonce-1", "token", "1409304348"), expected);
    }

    #[test]
    fn every_error_kind_has_one_example_tagged_with_it() {
        use gridserve_core::{ErrorInfo, FieldsOf};
        let examples = InboundError::examples();
        let kinds: Vec<&str> = examples.iter().map(ErrorInfo::kind).collect();
        assert_eq!(kinds, InboundError::KINDS);
        for e in &examples {
            let v = serde_json::to_value(FieldsOf(e)).unwrap();
            let tag = match &v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
                other => panic!("{other}"),
            };
            assert_eq!(tag, e.kind());
            assert!(e.class().ends_with("Error"));
        }
    }

    #[test]
    fn receipt_statuses() {
        assert_eq!(wechat_receipt_status("success"), ReceiptStatus::Delivered);
        assert_eq!(
            wechat_receipt_status("failed:user block"),
            ReceiptStatus::UserBlocked
        );
        assert_eq!(
            wechat_receipt_status("failed: system failed"),
            ReceiptStatus::Failed("failed: system failed".into())
        );
    }
}
