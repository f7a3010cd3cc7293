//! The HTTP plumbing the provider messengers share: one pooled ureq agent with timeouts, an
//! answer read with a size limit, `Retry-After` parsed, secrets kept out of error texts, and
//! the provider error classes as data.

use std::time::Duration;

use gridserve_core::access::{mask_phone, mask_text};
use gridserve_core::ports::{SendError, Timestamp};
use serde::{Deserialize, Serialize};

use crate::parse_retry_after;

/// The longest answer read from a provider (a JSON object of a few fields).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// One answer from a provider.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Retry-After` header as a delay, if given.
    pub(crate) retry_after: Option<Duration>,
    /// The body, cut at [`MAX_ANSWER_BYTES`].
    pub(crate) body: String,
}

/// A pooled HTTP agent with connect and overall timeouts, no redirects, and every status
/// returned as an answer (classified by the caller).
#[derive(Debug, Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// `idle` keep-alive connections are kept for reuse, all of them to one host if need be
    /// (a messenger talks to one provider).
    pub(crate) fn new(connect_timeout_ms: u64, timeout_ms: u64, idle: usize) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_millis(connect_timeout_ms)))
            .timeout_global(Some(Duration::from_millis(timeout_ms)))
            .max_idle_connections(idle)
            .max_idle_connections_per_host(idle)
            .build()
            .into();
        Self { agent }
    }

    /// `GET url`; a transport failure is the error's text.
    pub(crate) fn get(&self, url: &str) -> Result<Answer, String> {
        let response = self.agent.get(url).call().map_err(|e| e.to_string())?;
        Ok(read(response))
    }

    /// `POST url` with a JSON body and extra headers.
    pub(crate) fn post_json(
        &self,
        url: &str,
        body: &[u8],
        headers: &[(String, String)],
    ) -> Result<Answer, String> {
        let mut request = self
            .agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send(body).map_err(|e| e.to_string())?;
        Ok(read(response))
    }
}

fn read(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .unwrap_or_default();
    Answer {
        status,
        retry_after,
        body,
    }
}

/// What a provider's error code means for the dispatcher: the messengers' classification
/// tables (WeChat errcodes, SMS gateway codes) map each code to one of these, and a host can
/// override any entry in the messenger's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorClass {
    /// A passing failure (provider busy): [`SendError::Transient`], retried with backoff.
    Retry,
    /// A rate limit: [`SendError::Throttled`] after the messenger's throttle delay.
    Throttle,
    /// A daily quota: [`SendError::Throttled`] until the next midnight, China Standard Time.
    DailyQuota,
    /// The access token is invalid or expired: the messenger fetches a new one and sends once
    /// more; if that fails the same way, [`SendError::Auth`].
    RefreshToken,
    /// The credentials or the account were refused: [`SendError::Auth`].
    Auth,
    /// The recipient cannot be reached on this channel (bad openid or number, not following):
    /// [`SendError::RecipientUnreachable`], dead-lettered for a fallback channel.
    Unreachable,
    /// The recipient refused messages: [`SendError::OptedOut`], suppressed and recorded as an
    /// opt-out.
    OptedOut,
    /// The message or the configuration is wrong (template, argument): [`SendError::Invalid`],
    /// dead-lettered.
    Invalid,
}

impl ErrorClass {
    /// The [`SendError`] of this class with `detail`; `field` for [`ErrorClass::Invalid`],
    /// `throttle` the delay of [`ErrorClass::Throttle`], `retry_after` a provider's own delay
    /// (which wins), `now` the time [`ErrorClass::DailyQuota`] counts from.
    pub(crate) fn to_error(
        self,
        detail: String,
        field: Option<String>,
        throttle: Duration,
        retry_after: Option<Duration>,
        now: Timestamp,
    ) -> SendError {
        match self {
            Self::Retry => SendError::Transient {
                detail,
                retry_after,
            },
            Self::Throttle => SendError::Throttled {
                detail,
                retry_after: Some(retry_after.unwrap_or(throttle)),
            },
            Self::DailyQuota => SendError::Throttled {
                detail,
                retry_after: Some(retry_after.unwrap_or_else(|| until_next_china_midnight(now))),
            },
            Self::RefreshToken | Self::Auth => SendError::Auth { detail },
            Self::Unreachable => SendError::RecipientUnreachable { detail },
            Self::OptedOut => SendError::OptedOut { detail },
            Self::Invalid => SendError::Invalid { field, detail },
        }
    }
}

/// The time from `now` to the next 00:00 China Standard Time (UTC+8), when daily quotas
/// reset.
pub(crate) fn until_next_china_midnight(now: Timestamp) -> Duration {
    let local = now.with_timezone(&gridserve_core::ports::china_offset());
    let next = local
        .date_naive()
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t - local.naive_local());
    next.and_then(|d| d.to_std().ok())
        .unwrap_or(Duration::from_secs(86_400))
}

/// The classification of an HTTP status when the provider answered without its own JSON
/// error: 429 throttled, 408 and 5xx transient (both with `Retry-After`), 401/403 refused
/// credentials, any other non-2xx invalid. `None` for 2xx.
pub(crate) fn http_status_error(status: u16, retry_after: Option<Duration>) -> Option<SendError> {
    let detail = format!("HTTP {status}");
    match status {
        200..=299 => None,
        429 => Some(SendError::Throttled {
            detail,
            retry_after,
        }),
        408 | 500..=599 => Some(SendError::Transient {
            detail,
            retry_after,
        }),
        401 | 403 => Some(SendError::Auth { detail }),
        _ => Some(SendError::Invalid {
            field: None,
            detail,
        }),
    }
}

/// A provider's text made fit for an error message and a log line: each secret replaced by
/// `***`, the recipient's address masked, any other digit run that may be a phone number
/// masked, and cut to 200 characters.
pub(crate) fn scrub(text: &str, secrets: &[&str], address: &str) -> String {
    let mut s = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() {
            s = s.replace(secret, "***");
        }
    }
    if !address.is_empty() {
        s = s.replace(address, &mask_phone(address));
    }
    let s = mask_text(&s);
    if s.chars().count() > 200 {
        let mut cut: String = s.chars().take(199).collect();
        cut.push('…');
        cut
    } else {
        s
    }
}

/// Percent-encodes `s` for a URL query component (RFC 3986 unreserved characters stay).
pub(crate) fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn midnight_china_time_from_any_offset() {
        let cst = gridserve_core::ports::china_offset();
        let at = cst.with_ymd_and_hms(2026, 3, 1, 23, 0, 0).single().unwrap();
        assert_eq!(until_next_china_midnight(at), Duration::from_secs(3_600));
        // 15:30 UTC is 23:30 in China: half an hour to go.
        let utc = chrono::FixedOffset::east_opt(0).unwrap();
        let at = utc
            .with_ymd_and_hms(2026, 3, 1, 15, 30, 0)
            .single()
            .unwrap();
        assert_eq!(until_next_china_midnight(at), Duration::from_secs(1_800));
    }

    #[test]
    fn scrub_hides_secrets_and_numbers() {
        let s = scrub(
            "bad token tok-123 for oAbCdEf000 call 13800000001",
            &["tok-123"],
            "oAbCdEf000",
        );
        assert!(!s.contains("tok-123"), "{s}");
        assert!(!s.contains("oAbCdEf000"), "{s}");
        assert!(!s.contains("13800000001"), "{s}");
        assert_eq!(scrub(&"x".repeat(500), &[], "").chars().count(), 200);
    }

    #[test]
    fn component_encoding() {
        assert_eq!(encode_component("a b/c?d=é"), "a%20b%2Fc%3Fd%3D%C3%A9");
    }
}
