//! [`WebhookMessenger`]: notices as JSON `POST`s to the host application.

use std::time::Duration;

use gridserve_core::ports::{Channel, Messenger, OutboundMessage, SendError, SendOutcome};
use serde::{Deserialize, Serialize};

use crate::MessengerError;

/// Where and how the webhook messenger posts, as serde data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The URL to post to (`http://`, or `https://` with the `tls` feature).
    pub url: String,
    /// The channel this messenger serves (default `webhook`; a host may route SMS or WeChat
    /// through its own gateway this way).
    #[serde(default = "default_channel")]
    pub channel: Channel,
    /// Time allowed to connect, in milliseconds (default 2,000).
    #[serde(default = "default_connect_ms")]
    pub connect_timeout_ms: u64,
    /// Time allowed for the whole exchange (connect, send, answer), in milliseconds
    /// (default 10,000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Idle keep-alive connections kept open to the provider for reuse (default 64). Set it
    /// to at least the dispatcher's in-flight limit for this channel, or concurrent sends
    /// open a new connection each time the pool is full.
    #[serde(default = "default_idle_connections")]
    pub max_idle_connections: usize,
    /// Extra headers sent with every request (for example an `Authorization` token).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Notices per request (default 1: one `POST` of one JSON object per notice). Above 1
    /// the messenger posts JSON arrays of up to this many notices under the batch contract
    /// (see [`WebhookMessenger`]); the receiver must implement it. At most
    /// [`MAX_WEBHOOK_BATCH`].
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Where batches are posted, if not to [`WebhookConfig::url`] (a host may keep its
    /// one-notice endpoint and add a batch endpoint). Single notices still go to `url`.
    #[serde(default)]
    pub batch_url: Option<String>,
}

/// The most notices [`WebhookConfig::batch_size`] allows in one request.
pub const MAX_WEBHOOK_BATCH: usize = 10_000;

fn default_channel() -> Channel {
    Channel::Webhook
}
fn default_connect_ms() -> u64 {
    2_000
}
fn default_timeout_ms() -> u64 {
    10_000
}
fn default_idle_connections() -> usize {
    64
}
fn default_batch_size() -> usize {
    1
}

impl WebhookConfig {
    /// A configuration for `url` with the defaults.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            channel: default_channel(),
            connect_timeout_ms: default_connect_ms(),
            timeout_ms: default_timeout_ms(),
            max_idle_connections: default_idle_connections(),
            headers: Vec::new(),
            batch_size: default_batch_size(),
            batch_url: None,
        }
    }
}

/// Posts each message as JSON (the serde form of [`OutboundMessage`]) with the headers
/// `Content-Type: application/json` and `Idempotency-Key: <dedupe key>`, so the receiver can
/// drop a repeat (see the outbox's at-most-once window). The answer is classified by
/// [`classify_status`]:
///
/// | answer | result |
/// |---|---|
/// | 2xx | `Delivered` |
/// | 429 | `Throttled`, with `Retry-After` (seconds or an HTTP date) |
/// | 408, 5xx | `Transient`, with `Retry-After` if given |
/// | 401, 403 | `Auth` |
/// | other 4xx, 1xx, 3xx (redirects are not followed) | `Invalid` |
/// | connection refused or reset, timeouts, malformed answers | `Transient` |
///
/// Built on ureq (blocking, pooled keep-alive connections); `Send + Sync`, so one messenger
/// serves every thread.
///
/// # The batch contract
///
/// With [`WebhookConfig::batch_size`] above 1 (opt-in), the dispatcher hands the messenger up
/// to that many notices at once ([`Messenger::send_batch`]) and they go out as **one `POST`**
/// to [`WebhookConfig::batch_url`] (else `url`) whose body is a JSON array of the notices
/// (each the same object as a single post, with its `dedupe_key`: a receiver drops repeats
/// by that key, as it does by `Idempotency-Key` for single posts; a batch post carries no
/// `Idempotency-Key` header, since a retried notice may travel in another batch). A batch of
/// one is posted as a single notice to `url`.
///
/// The answer decides each notice's result:
///
/// | answer | each notice's result |
/// |---|---|
/// | 2xx with a JSON array of one [`BatchItemAnswer`] per notice, in order | that item's answer (below) |
/// | 2xx with an empty body | `Delivered` |
/// | 2xx with anything else (not JSON, a wrong count, an unknown status, an item's `dedupe_key` not the notice's, more than 4 KiB + 1 KiB per notice) | `Transient` ("malformed batch answer"): sent again, the receiver drops repeats |
/// | any other status, connection errors, timeouts | the single-post result of the table above, for every notice (a 429's or 503's `Retry-After` applies to all) |
///
/// An item answer is an object with a `status` and optional fields:
///
/// | `status` | other fields | result |
/// |---|---|---|
/// | `delivered` | | `Delivered` |
/// | `accepted` | `provider_msg_id` | `Accepted` (without the id: `Delivered`) |
/// | `transient` | `detail`, `retry_after_s` | `Transient` |
/// | `throttled` | `detail`, `retry_after_s` | `Throttled` |
/// | `auth` | `detail` | `Auth` |
/// | `invalid` | `detail`, `field` | `Invalid` (dead-lettered) |
/// | `unreachable` | `detail` | `RecipientUnreachable` (dead-lettered) |
/// | `opted_out` | `detail` | `OptedOut` (suppressed, opt-out recorded) |
///
/// Every item may also echo its notice's `dedupe_key`, which is then checked. For example,
/// a batch of three answered `200` with
/// `[{"status":"delivered"},{"status":"throttled","retry_after_s":60},{"status":"invalid","field":"template","detail":"unknown"}]`
/// records the first notice sent, retries the second in a minute and dead-letters the
/// third. [`receiver::WebhookReceiver::start_batch`](crate::receiver::WebhookReceiver::start_batch)
/// implements the receiving side for tests.
///
/// ```no_run
/// use gridserve_messengers::{WebhookConfig, WebhookMessenger};
///
/// let mut config = WebhookConfig::new("http://127.0.0.1:8080/notices");
/// config.headers.push(("Authorization".into(), "Bearer s3cret".into()));
/// let webhook = WebhookMessenger::new(config)?;
/// # Ok::<(), gridserve_messengers::MessengerError>(())
/// ```
pub struct WebhookMessenger {
    config: WebhookConfig,
    agent: ureq::Agent,
}

impl std::fmt::Debug for WebhookMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookMessenger")
            .field("url", &self.config.url)
            .field("channel", &self.config.channel)
            .finish_non_exhaustive()
    }
}

impl WebhookMessenger {
    /// A messenger posting to `config.url`.
    ///
    /// # Errors
    /// [`MessengerError::InvalidUrl`] for a URL that is not `http://…` (or `https://…` with
    /// the `tls` feature), or timeouts of zero.
    pub fn new(config: WebhookConfig) -> Result<Self, MessengerError> {
        let invalid = |reason: &str| MessengerError::InvalidUrl {
            url: config.url.clone(),
            reason: reason.to_string(),
        };
        let lower = config.url.to_ascii_lowercase();
        let rest = if let Some(rest) = lower.strip_prefix("http://") {
            rest
        } else if let Some(rest) = lower.strip_prefix("https://") {
            if !cfg!(feature = "tls") {
                return Err(invalid(
                    "https needs the `tls` feature of gridserve-messengers",
                ));
            }
            rest
        } else {
            return Err(invalid("must start with http:// or https://"));
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("has no host"));
        }
        if config.connect_timeout_ms == 0 || config.timeout_ms == 0 {
            return Err(invalid("timeouts must be positive"));
        }
        config
            .url
            .parse::<ureq::http::Uri>()
            .map_err(|e| invalid(&e.to_string()))?;
        if config.batch_size == 0 || config.batch_size > MAX_WEBHOOK_BATCH {
            return Err(MessengerError::InvalidConfig {
                field: "batch_size".into(),
                value: config.batch_size.to_string(),
                reason: format!("must be 1 to {MAX_WEBHOOK_BATCH}"),
            });
        }
        if let Some(url) = &config.batch_url {
            crate::check_base_url(url).map_err(|reason| MessengerError::InvalidUrl {
                url: url.clone(),
                reason,
            })?;
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_millis(config.connect_timeout_ms)))
            .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
            .max_idle_connections(config.max_idle_connections)
            .max_idle_connections_per_host(config.max_idle_connections)
            .build()
            .into();
        Ok(Self { config, agent })
    }

    /// The configuration.
    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }
}

impl Messenger for WebhookMessenger {
    fn channel(&self) -> Channel {
        self.config.channel
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        let body = serde_json::to_vec(message).map_err(|e| SendError::Invalid {
            field: None,
            detail: format!("cannot serialize: {e}"),
        })?;
        let answer = self.post(&self.config.url, &body, Some(&message.dedupe_key), 4_096)?;
        // A success's body was read (and dropped) too: only a connection whose answer was
        // read to its end goes back to the keep-alive pool. A failure to read an answer is
        // not the message's fault and does not change the status's classification.
        let excerpt = if (200..300).contains(&answer.status) {
            String::new()
        } else {
            excerpt(answer.body.as_deref().unwrap_or_default())
        };
        classify_status(answer.status, answer.retry_after, &excerpt)
    }

    fn max_batch(&self) -> usize {
        self.config.batch_size
    }

    fn send_batch(&self, messages: &[&OutboundMessage]) -> Vec<Result<SendOutcome, SendError>> {
        if messages.len() <= 1 || self.config.batch_size <= 1 {
            return messages.iter().map(|m| self.send(m)).collect();
        }
        let all = |e: SendError| vec![Err(e); messages.len()];
        let body = match serde_json::to_vec(messages) {
            Ok(b) => b,
            Err(e) => {
                return all(SendError::Invalid {
                    field: None,
                    detail: format!("cannot serialize: {e}"),
                });
            }
        };
        let url = self.config.batch_url.as_deref().unwrap_or(&self.config.url);
        // Room for one answer per notice (an answer with a long provider id or detail).
        let limit = 4_096 + 1_024 * messages.len() as u64;
        let answer = match self.post(url, &body, None, limit) {
            Ok(a) => a,
            Err(e) => return all(e),
        };
        if !(200..300).contains(&answer.status) {
            let text = excerpt(answer.body.as_deref().unwrap_or_default());
            let e = classify_status(answer.status, answer.retry_after, &text);
            return messages.iter().map(|_| e.clone()).collect();
        }
        // A 2xx answer decides each notice: one that cannot be read is malformed, never an
        // empty (all delivered) one.
        let read = answer.body.and_then(|body| {
            if body.iter().all(u8::is_ascii_whitespace) {
                Ok(vec![Ok(SendOutcome::Delivered); messages.len()])
            } else {
                read_batch_answer(&body, messages)
            }
        });
        match read {
            Ok(results) => results,
            Err(why) => all(SendError::Transient {
                detail: format!(
                    "POST {url}: malformed batch answer (HTTP {}): {why}",
                    answer.status
                ),
                retry_after: answer.retry_after,
            }),
        }
    }
}

/// An answer as read: status, `Retry-After`, body (`Err` with the reason when it could not
/// be read to its end within the limit).
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Result<Vec<u8>, String>,
}

impl WebhookMessenger {
    /// Posts `body` (JSON) to `url` and reads the answer to its end (up to `limit` bytes).
    fn post(
        &self,
        url: &str,
        body: &[u8],
        idempotency_key: Option<&str>,
        limit: u64,
    ) -> Result<Answer, SendError> {
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json");
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        for (name, value) in &self.config.headers {
            request = request.header(name, value);
        }
        let mut response = request.send(body).map_err(|e| SendError::Transient {
            detail: format!("POST {url}: {e}"),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let body = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| e.to_string());
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// The start of an answer's body for an error text (200 characters).
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// One notice's answer in a batch answer (see the batch contract on [`WebhookMessenger`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItemAnswer {
    /// What happened to the notice.
    pub status: BatchItemStatus,
    /// The notice's dedupe key, echoed (optional; checked when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedupe_key: Option<String>,
    /// The provider's message id of an `accepted` notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_msg_id: Option<String>,
    /// Why it failed (for the dead-letter list and the log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The offending field of an `invalid` notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The delay asked for a `transient` or `throttled` notice, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

/// The `status` of a [`BatchItemAnswer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchItemStatus {
    /// Delivered ([`SendOutcome::Delivered`]).
    Delivered,
    /// Accepted, delivery confirmed later ([`SendOutcome::Accepted`]).
    Accepted,
    /// A passing failure ([`SendError::Transient`]).
    Transient,
    /// A rate limit ([`SendError::Throttled`]).
    Throttled,
    /// Credentials refused ([`SendError::Auth`]).
    Auth,
    /// The notice is wrong ([`SendError::Invalid`]).
    Invalid,
    /// The recipient cannot be reached ([`SendError::RecipientUnreachable`]).
    Unreachable,
    /// The recipient refused messages ([`SendError::OptedOut`]).
    OptedOut,
}

impl BatchItemAnswer {
    /// An answer with `status` and no other field.
    pub fn new(status: BatchItemStatus) -> Self {
        Self {
            status,
            dedupe_key: None,
            provider_msg_id: None,
            detail: None,
            field: None,
            retry_after_s: None,
        }
    }

    /// The same answer with a `detail`.
    #[must_use]
    pub fn with_detail(mut self, detail: &str) -> Self {
        self.detail = Some(detail.to_owned());
        self
    }

    /// The send result this answer means for its notice.
    ///
    /// # Errors
    /// The [`SendError`] of a failure status.
    pub fn to_result(&self) -> Result<SendOutcome, SendError> {
        let detail = self.detail.as_deref().map_or_else(
            || format!("batch item {:?}", self.status),
            |d| gridserve_core::access::mask_text(&d.chars().take(200).collect::<String>()),
        );
        let retry_after = self.retry_after_s.map(Duration::from_secs);
        match self.status {
            BatchItemStatus::Delivered => Ok(SendOutcome::Delivered),
            BatchItemStatus::Accepted => Ok(match &self.provider_msg_id {
                Some(id) => SendOutcome::Accepted {
                    provider_msg_id: id.clone(),
                },
                None => SendOutcome::Delivered,
            }),
            BatchItemStatus::Transient => Err(SendError::Transient {
                detail,
                retry_after,
            }),
            BatchItemStatus::Throttled => Err(SendError::Throttled {
                detail,
                retry_after,
            }),
            BatchItemStatus::Auth => Err(SendError::Auth { detail }),
            BatchItemStatus::Invalid => Err(SendError::Invalid {
                field: self.field.clone(),
                detail,
            }),
            BatchItemStatus::Unreachable => Err(SendError::RecipientUnreachable { detail }),
            BatchItemStatus::OptedOut => Err(SendError::OptedOut { detail }),
        }
    }
}

/// Reads a 2xx batch answer: one item per message, in order, each echoed key matching.
fn read_batch_answer(
    body: &[u8],
    messages: &[&OutboundMessage],
) -> Result<Vec<Result<SendOutcome, SendError>>, String> {
    let items: Vec<BatchItemAnswer> =
        serde_json::from_slice(body).map_err(|e| format!("{e}; body {:?}", excerpt(body)))?;
    if items.len() != messages.len() {
        return Err(format!(
            "{} answers for {} notices",
            items.len(),
            messages.len()
        ));
    }
    items
        .iter()
        .zip(messages)
        .enumerate()
        .map(|(k, (item, m))| match &item.dedupe_key {
            // The keys hold addresses: not echoed into the error.
            Some(key) if *key != m.dedupe_key => {
                Err(format!("answer {k} echoes another notice's dedupe key"))
            }
            _ => Ok(item.to_result()),
        })
        .collect()
}

/// Classifies an HTTP status as the table on [`WebhookMessenger`] says; `excerpt` (the start
/// of the answer's body) goes into the error's text.
///
/// # Errors
/// The [`SendError`] class of a status other than 2xx.
pub fn classify_status(
    status: u16,
    retry_after: Option<Duration>,
    excerpt: &str,
) -> Result<SendOutcome, SendError> {
    let detail = if excerpt.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {excerpt}")
    };
    match status {
        200..=299 => Ok(SendOutcome::Delivered),
        429 => Err(SendError::Throttled {
            detail,
            retry_after,
        }),
        408 | 500..=599 => Err(SendError::Transient {
            detail,
            retry_after,
        }),
        401 | 403 => Err(SendError::Auth { detail }),
        _ => Err(SendError::Invalid {
            field: None,
            detail,
        }),
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP date taken
/// relative to `now` (a date in the past is no delay). `None` for anything else.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}
