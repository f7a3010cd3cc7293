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
}

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
        let mut request = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &message.dedupe_key);
        for (name, value) in &self.config.headers {
            request = request.header(name, value);
        }
        let mut response = request.send(&body[..]).map_err(|e| SendError::Transient {
            detail: format!("POST {}: {e}", self.config.url),
            retry_after: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        // A short excerpt of the answer for the error text; a failure to read it is not the
        // message's fault and does not change the classification. A success's body is read
        // (and dropped) too: only a connection whose answer was read to its end goes back to
        // the keep-alive pool.
        let excerpt = if (200..300).contains(&status) {
            let _ = response.body_mut().with_config().limit(4_096).read_to_vec();
            String::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(4_096)
                .read_to_string()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect()
        };
        classify_status(status, retry_after, &excerpt)
    }
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
