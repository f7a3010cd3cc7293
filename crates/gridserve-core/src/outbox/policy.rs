//! [`DispatchPolicy`]: retries, backoff, batching and rate limits as data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::OutboxError;
use crate::ports::Channel;

/// How the dispatcher retries, batches and paces, as serde data with documented defaults.
///
/// The backoff is "full jitter" (AWS architecture blog, cited in the project's messaging
/// reference §4.2): after the `n`-th failed attempt of an entry (`n` = 1 for the first) the
/// next one waits a uniformly random time in `[0, min(max_delay, base_delay · multiplier^(n−1))]`.
/// The defaults, 1 s × 2 capped at 100 s, are Temporal's retry defaults (reference §3.2, §4.2);
/// 8 attempts follows AWS's advice to allow at least 5 receives before a dead-letter queue
/// (reference §4.2).
///
/// ```
/// use gridserve_core::outbox::DispatchPolicy;
///
/// let policy: DispatchPolicy = serde_json::from_str(
///     r#"{"max_attempts": 5, "rate_limits": {"sms": {"per_second": 20.0, "burst": 40}}}"#,
/// )?;
/// assert_eq!(policy.base_delay_ms, 1_000); // unspecified fields keep their defaults
/// policy.validate()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DispatchPolicy {
    /// The backoff's base delay in milliseconds (default 1,000).
    pub base_delay_ms: u64,
    /// The backoff's growth factor per attempt (default 2.0; at least 1.0).
    pub multiplier: f64,
    /// The backoff's cap in milliseconds (default 100,000).
    pub max_delay_ms: u64,
    /// Attempts in all before an entry that keeps failing is dead-lettered (default 8).
    pub max_attempts: u32,
    /// An authentication failure is dead-lettered when the entry has made this many attempts
    /// in all, counting earlier failures of any class (default 2: the messenger refreshes its
    /// token and the send is tried once more, reference §2.1); before that it is retried with
    /// backoff.
    pub max_auth_attempts: u32,
    /// The longest provider-requested delay (`retry_after`) honoured as given, in
    /// milliseconds; longer requests are cut to this (default 48 h, enough for a daily quota).
    pub max_retry_after_ms: u64,
    /// Entries taken from the store per round (default 256).
    pub batch_size: usize,
    /// Results written to the store per transaction (default 1). Larger batches make a storm
    /// faster on a durable store but widen the window in which a crash makes already-sent
    /// notices pending again (see the module docs).
    pub record_batch: usize,
    /// Sends (requests) in flight at once per channel, unless
    /// [`DispatchPolicy::in_flight_per_channel`] names the channel (default 1: one send at a
    /// time, the narrowest crash window). Each in-flight send is a thread of the dispatcher
    /// blocked in [`Messenger::send`](crate::ports::Messenger::send), or in
    /// [`Messenger::send_batch`](crate::ports::Messenger::send_batch) for a batch of up to
    /// the messenger's [`Messenger::max_batch`](crate::ports::Messenger::max_batch) messages;
    /// at most [`MAX_IN_FLIGHT`].
    pub in_flight: usize,
    /// Per-channel overrides of [`DispatchPolicy::in_flight`] (none by default; a provider's
    /// contract or a gateway's connection limit decides them, so the host sets these).
    pub in_flight_per_channel: BTreeMap<Channel, usize>,
    /// How long [`Dispatcher::run`](super::Dispatcher::run) waits when a round found nothing
    /// to do, in milliseconds (default 1,000).
    pub idle_poll_ms: u64,
    /// Per-channel rate limits (token buckets); channels not listed are not limited. None by
    /// default: providers publish daily quotas (WeChat 100,000 template calls a day, SMS
    /// per-number limits, reference §2.1–§2.2), not sending rates, so the host sets these.
    pub rate_limits: BTreeMap<Channel, RateLimit>,
    /// The seed of the jitter's random numbers (default `0x6772_6964`), so runs replay.
    pub seed: u64,
}

impl Default for DispatchPolicy {
    fn default() -> Self {
        Self {
            base_delay_ms: 1_000,
            multiplier: 2.0,
            max_delay_ms: 100_000,
            max_attempts: 8,
            max_auth_attempts: 2,
            max_retry_after_ms: 48 * 3_600_000,
            batch_size: 256,
            record_batch: 1,
            in_flight: 1,
            in_flight_per_channel: BTreeMap::new(),
            idle_poll_ms: 1_000,
            rate_limits: BTreeMap::new(),
            seed: 0x6772_6964,
        }
    }
}

/// The largest in-flight limit a policy may set (each in-flight send is a thread).
pub const MAX_IN_FLIGHT: usize = 1_024;

/// A token bucket: `burst` sends at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Sustained sends per second (positive).
    pub per_second: f64,
    /// The bucket's size: sends allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl DispatchPolicy {
    /// The in-flight limit of `channel`: its entry in
    /// [`DispatchPolicy::in_flight_per_channel`], else [`DispatchPolicy::in_flight`].
    pub fn in_flight_for(&self, channel: Channel) -> usize {
        self.in_flight_per_channel
            .get(&channel)
            .copied()
            .unwrap_or(self.in_flight)
    }

    /// Checks that every value is usable.
    ///
    /// # Errors
    /// [`OutboxError::InvalidPolicy`] naming the field and value.
    pub fn validate(&self) -> Result<(), OutboxError> {
        let bad = |field: &str, value: String, reason: &str| {
            Err(OutboxError::InvalidPolicy {
                field: field.to_string(),
                value,
                reason: reason.to_string(),
            })
        };
        if self.base_delay_ms == 0 {
            return bad("base_delay_ms", "0".into(), "must be positive");
        }
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            return bad(
                "multiplier",
                self.multiplier.to_string(),
                "must be a finite number of at least 1",
            );
        }
        if self.max_delay_ms < self.base_delay_ms {
            return bad(
                "max_delay_ms",
                self.max_delay_ms.to_string(),
                "must be at least base_delay_ms",
            );
        }
        if self.max_attempts == 0 {
            return bad("max_attempts", "0".into(), "must be at least 1");
        }
        if self.max_auth_attempts == 0 {
            return bad("max_auth_attempts", "0".into(), "must be at least 1");
        }
        if self.batch_size == 0 {
            return bad("batch_size", "0".into(), "must be at least 1");
        }
        if self.record_batch == 0 {
            return bad("record_batch", "0".into(), "must be at least 1");
        }
        let in_flight = |field: &str, v: usize| {
            if v == 0 || v > MAX_IN_FLIGHT {
                bad(
                    field,
                    v.to_string(),
                    &format!("must be between 1 and {MAX_IN_FLIGHT}"),
                )
            } else {
                Ok(())
            }
        };
        in_flight("in_flight", self.in_flight)?;
        for (channel, v) in &self.in_flight_per_channel {
            in_flight(&format!("in_flight_per_channel.{channel}"), *v)?;
        }
        for (channel, limit) in &self.rate_limits {
            if !(limit.per_second.is_finite() && limit.per_second > 0.0) {
                return bad(
                    &format!("rate_limits.{channel}.per_second"),
                    limit.per_second.to_string(),
                    "must be a positive number",
                );
            }
            if limit.burst == 0 {
                return bad(
                    &format!("rate_limits.{channel}.burst"),
                    "0".into(),
                    "must be at least 1",
                );
            }
        }
        Ok(())
    }
}
