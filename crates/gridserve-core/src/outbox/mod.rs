//! The dispatcher of the transactional outbox: it takes due notices from an
//! [`OutboxStore`], sends each through the [`Messenger`] registered for its channel, and
//! records what happened.
//!
//! # What happens to a notice
//!
//! | the messenger answers | the dispatcher records | and |
//! |---|---|---|
//! | `Delivered` / `Accepted { id }` | `Sent` (with the provider id) | receipts later update it |
//! | `Transient`, `Throttled` | `Retry` at `now + retry_after` if the provider gave one (cut to `max_retry_after_ms`), else after a full-jitter backoff | `Dead` once `max_attempts` attempts failed |
//! | `Auth` | `Retry` with backoff (the messenger refreshes its credentials) | `Dead` once `max_auth_attempts` attempts were made |
//! | `Invalid` | `Dead` with the message | never retried |
//! | `RecipientUnreachable` | `Dead` with the message | never retried; falling back to another channel is the caller's decision, made from the dead-letter list |
//! | `OptedOut` | `Suppressed` | the address is recorded as opted out of the channel |
//!
//! Before sending, an entry whose address opted out of its channel is `Suppressed`, an entry
//! on a channel without a messenger is `Dead` ("no messenger for channel …"), and an entry on
//! a channel whose rate limit ([`RateLimit`], a token bucket) is exhausted is left pending
//! for a later round (counted as `deferred`, not as an attempt). A receipt
//! ([`Dispatcher::on_receipt`]) is stored on its entry; `UserBlocked` also records an opt-out.
//!
//! # Guarantees, and the one window
//!
//! The store guarantees a dedupe key is enqueued once ever (see
//! [`EventStore::append`](crate::ports::EventStore::append)), and the dispatcher sends only
//! entries the store returns as pending; recording `Sent` takes an entry out of the pending
//! set for good. So a notice is handed to its channel at most once **unless the process dies
//! (or the store fails) between a successful send and the durable record of it**: the entry
//! is then still pending and is sent again after a restart. With `record_batch = 1` (the
//! default) that window is one send long; a larger batch, faster for storms, widens it to that
//! many sends. Three things narrow it further:
//! - the dedupe key travels with the message: WeChat's `client_msg_id` drops a repeat for the
//!   same openid within 10 minutes (reference §2.1), and the webhook messenger sends it as an
//!   `Idempotency-Key` header for the receiver to drop repeats;
//! - receipts name the provider's message id, so a host can see a delivery it did not record;
//! - a durable store with `synchronous = FULL` makes the record survive a power loss once
//!   written.
//!
//! Run one dispatcher per store: [`OutboxStore::due`] does not lease entries.
//!
//! ```
//! use std::sync::Arc;
//! use gridserve_core::outbox::{DispatchPolicy, Dispatcher, MemoryMessenger};
//! use gridserve_core::ports::Channel;
//!
//! let sms = Arc::new(MemoryMessenger::new(Channel::Sms));
//! let mut dispatcher = Dispatcher::new(DispatchPolicy::default())?;
//! dispatcher.register(sms.clone());
//! assert!(dispatcher.messenger(Channel::Sms).is_some());
//! // dispatcher.dispatch_once(&mut store, clock.now())? sends what is due in `store`.
//! # Ok::<(), gridserve_core::outbox::OutboxError>(())
//! ```

mod memory;
mod pace;
mod policy;

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use memory::{MemoryMessenger, RandomFailures, SendRecord};
pub use policy::{DispatchPolicy, RateLimit};

use pace::{SplitMix64, TokenBucket};

use crate::ports::{
    AttemptResult, Channel, Clock, Messenger, OutboxEntry, OutboxStore, ReceiptStatus, SendError,
    SendOutcome, StoreError, Timestamp,
};

/// Why the dispatcher could not run.
///
/// Serialises as its fields (see [`ErrorInfo`](crate::ErrorInfo)).
#[derive(Debug, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutboxError {
    /// The store failed; entries sent in the failed round may be sent again (see the module
    /// docs).
    #[error(transparent)]
    #[serde(skip_serializing)]
    Store(#[from] StoreError),
    /// A [`DispatchPolicy`] value is unusable.
    #[error("dispatch policy field {field} = {}: {reason}", crate::excerpt(value))]
    InvalidPolicy {
        /// The field, e.g. `rate_limits.sms.burst`.
        field: String,
        /// Its value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

crate::impl_error_info! {
    OutboxError {
        InvalidPolicy => ("invalid_policy", "InvalidPolicyError"),
    }
    delegate { Store }
}

impl OutboxError {
    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![Self::InvalidPolicy {
            field: "max_attempts".into(),
            value: "0".into(),
            reason: "must be at least 1".into(),
        }]
    }
}

/// What one or more dispatch rounds did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchReport {
    /// Due entries taken from the store.
    pub fetched: usize,
    /// Handed to their channel.
    pub sent: usize,
    /// Failed for now, scheduled again.
    pub retried: usize,
    /// Dead-lettered.
    pub dead: usize,
    /// Not sent on purpose (opted out).
    pub suppressed: usize,
    /// Left pending because their channel's rate limit was exhausted.
    pub deferred: usize,
}

impl DispatchReport {
    /// Entries whose attempt was recorded (all but the deferred ones).
    pub fn recorded(&self) -> usize {
        self.sent + self.retried + self.dead + self.suppressed
    }

    /// Adds another report's counts to this one.
    pub fn absorb(&mut self, other: &DispatchReport) {
        self.fetched += other.fetched;
        self.sent += other.sent;
        self.retried += other.retried;
        self.dead += other.dead;
        self.suppressed += other.suppressed;
        self.deferred += other.deferred;
    }
}

/// What the dispatcher decides after one send.
#[derive(Debug, Clone, PartialEq)]
struct Decision {
    /// The result to record on the entry.
    result: AttemptResult,
    /// Whether the address is to be recorded as opted out of the entry's channel.
    opt_out: bool,
}

/// Classifies one send's outcome for `entry` (which has made `entry.attempts` attempts before
/// this one), per the table in the module docs. `rng` draws the jitter.
fn decide(
    policy: &DispatchPolicy,
    entry: &OutboxEntry,
    outcome: &Result<SendOutcome, SendError>,
    now: Timestamp,
    rng: &mut SplitMix64,
) -> Decision {
    let attempts = entry.attempts.saturating_add(1);
    let retry_or_dead =
        |limit: u32, err: &SendError, after: Option<Duration>, rng: &mut SplitMix64| {
            if attempts >= limit {
                AttemptResult::Dead {
                    reason: format!("gave up after {attempts} attempts: {err}"),
                }
            } else {
                let wait = match after {
                    Some(d) => d.min(Duration::from_millis(policy.max_retry_after_ms)),
                    None => pace::full_jitter(policy, attempts, rng),
                };
                AttemptResult::Retry {
                    next_attempt_at: pace::add(now, wait),
                    error: err.to_string(),
                }
            }
        };
    let (result, opt_out) = match outcome {
        Ok(SendOutcome::Delivered) => (
            AttemptResult::Sent {
                at: now,
                provider_msg_id: None,
            },
            false,
        ),
        Ok(SendOutcome::Accepted { provider_msg_id }) => (
            AttemptResult::Sent {
                at: now,
                provider_msg_id: Some(provider_msg_id.clone()),
            },
            false,
        ),
        Err(
            e @ (SendError::Transient { retry_after, .. }
            | SendError::Throttled { retry_after, .. }),
        ) => (
            retry_or_dead(policy.max_attempts, e, *retry_after, rng),
            false,
        ),
        Err(e @ SendError::Auth { .. }) => (
            retry_or_dead(
                policy.max_auth_attempts.min(policy.max_attempts),
                e,
                None,
                rng,
            ),
            false,
        ),
        Err(e @ SendError::OptedOut { .. }) => (
            AttemptResult::Suppressed {
                reason: e.to_string(),
            },
            true,
        ),
        Err(e @ (SendError::Invalid { .. } | SendError::RecipientUnreachable { .. })) => (
            AttemptResult::Dead {
                reason: e.to_string(),
            },
            false,
        ),
    };
    Decision { result, opt_out }
}

/// Sends due notices through the registered messengers; see the module docs.
pub struct Dispatcher {
    policy: DispatchPolicy,
    messengers: BTreeMap<Channel, Arc<dyn Messenger>>,
    buckets: BTreeMap<Channel, TokenBucket>,
    rng: SplitMix64,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("policy", &self.policy)
            .field("channels", &self.messengers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher with `policy` and no messengers yet.
    ///
    /// # Errors
    /// [`OutboxError::InvalidPolicy`] when the policy does not validate.
    pub fn new(policy: DispatchPolicy) -> Result<Self, OutboxError> {
        policy.validate()?;
        let buckets = policy
            .rate_limits
            .iter()
            .map(|(c, l)| (*c, TokenBucket::new(*l)))
            .collect();
        let rng = SplitMix64::new(policy.seed);
        Ok(Self {
            policy,
            messengers: BTreeMap::new(),
            buckets,
            rng,
        })
    }

    /// Registers `messenger` for its channel; returns the one it replaces, if any.
    pub fn register(&mut self, messenger: Arc<dyn Messenger>) -> Option<Arc<dyn Messenger>> {
        self.messengers.insert(messenger.channel(), messenger)
    }

    /// The messenger registered for `channel`.
    pub fn messenger(&self, channel: Channel) -> Option<&Arc<dyn Messenger>> {
        self.messengers.get(&channel)
    }

    /// The policy in force.
    pub fn policy(&self) -> &DispatchPolicy {
        &self.policy
    }

    /// One round: takes up to `batch_size` due entries at `now` and sends, suppresses,
    /// retries, dead-letters or defers each.
    ///
    /// # Errors
    /// [`OutboxError::Store`] when the store fails; results not yet recorded are lost and
    /// their entries stay pending.
    pub fn dispatch_once<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        now: Timestamp,
    ) -> Result<DispatchReport, OutboxError> {
        let due = store.due(now, self.policy.batch_size)?;
        let mut report = DispatchReport {
            fetched: due.len(),
            ..DispatchReport::default()
        };
        let mut pending: Vec<(u64, AttemptResult)> = Vec::with_capacity(self.policy.record_batch);
        for entry in &due {
            let channel = entry.message.channel;
            let address = entry.message.address.as_str();
            let result = if store.is_opted_out(channel, address)? {
                AttemptResult::Suppressed {
                    reason: format!("the address opted out of {channel}"),
                }
            } else if let Some(messenger) = self.messengers.get(&channel) {
                if let Some(bucket) = self.buckets.get_mut(&channel)
                    && !bucket.try_take(now)
                {
                    report.deferred += 1;
                    continue;
                }
                let outcome = messenger.send(&entry.message);
                let decision = decide(&self.policy, entry, &outcome, now, &mut self.rng);
                if decision.opt_out {
                    let reason = match &outcome {
                        Err(e) => e.to_string(),
                        Ok(_) => "opted out".to_string(),
                    };
                    store.set_opt_out(channel, address, now, &reason)?;
                }
                decision.result
            } else {
                AttemptResult::Dead {
                    reason: format!("no messenger for channel {channel}"),
                }
            };
            match &result {
                AttemptResult::Sent { .. } => report.sent += 1,
                AttemptResult::Retry { .. } => report.retried += 1,
                AttemptResult::Dead { .. } => report.dead += 1,
                AttemptResult::Suppressed { .. } => report.suppressed += 1,
            }
            pending.push((entry.id, result));
            if pending.len() >= self.policy.record_batch {
                store.record_many(&pending)?;
                pending.clear();
            }
        }
        if !pending.is_empty() {
            store.record_many(&pending)?;
        }
        Ok(report)
    }

    /// Runs rounds at the clock's current time until a round records nothing (nothing due,
    /// or only rate-limited entries left); returns the totals. Retries scheduled for later
    /// stay pending: advance the clock and call again.
    ///
    /// # Errors
    /// As [`Dispatcher::dispatch_once`].
    pub fn run_until_idle<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        clock: &dyn Clock,
    ) -> Result<DispatchReport, OutboxError> {
        let mut total = DispatchReport::default();
        loop {
            let round = self.dispatch_once(store, clock.now())?;
            total.absorb(&round);
            if round.recorded() == 0 {
                return Ok(total);
            }
        }
    }

    /// The dispatch loop: runs rounds at the clock's time; when a round leaves nothing more
    /// to do now, calls `wait` with how long to wait (the time until a rate-limited channel
    /// has a token, else `idle_poll_ms`). `wait` sleeps (or moves a manual clock) and returns
    /// [`ControlFlow::Break`] to stop the loop. Returns the totals.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// # use gridserve_core::outbox::{DispatchPolicy, Dispatcher, OutboxError};
    /// # fn demo<S: gridserve_core::ports::OutboxStore>(store: &mut S) -> Result<(), OutboxError> {
    /// let clock = gridserve_core::ports::SystemClock::china();
    /// let mut dispatcher = Dispatcher::new(DispatchPolicy::default())?;
    /// let stop = std::sync::atomic::AtomicBool::new(false);
    /// dispatcher.run(store, &clock, |d| {
    ///     if stop.load(std::sync::atomic::Ordering::Relaxed) {
    ///         return ControlFlow::Break(());
    ///     }
    ///     std::thread::sleep(d);
    ///     ControlFlow::Continue(())
    /// })?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Dispatcher::dispatch_once`].
    pub fn run<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        clock: &dyn Clock,
        mut wait: impl FnMut(Duration) -> ControlFlow<()>,
    ) -> Result<DispatchReport, OutboxError> {
        let mut total = DispatchReport::default();
        loop {
            let now = clock.now();
            let round = self.dispatch_once(store, now)?;
            total.absorb(&round);
            if round.fetched == self.policy.batch_size && round.recorded() > 0 {
                continue;
            }
            let idle = Duration::from_millis(self.policy.idle_poll_ms);
            let pause = if round.deferred > 0 {
                self.buckets
                    .values_mut()
                    .map(|b| b.wait(now))
                    .filter(|d| !d.is_zero())
                    .min()
                    .unwrap_or(Duration::ZERO)
                    .min(idle)
            } else {
                idle
            };
            if wait(pause).is_break() {
                return Ok(total);
            }
        }
    }

    /// Stores a delivery receipt on the entry sent with `provider_msg_id`; a `UserBlocked`
    /// receipt also records that the entry's address opted out of its channel (at `at`).
    /// Returns the entry's id, or `None` when no entry has that provider id.
    ///
    /// # Errors
    /// [`OutboxError::Store`].
    pub fn on_receipt<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        provider_msg_id: &str,
        status: &ReceiptStatus,
        at: Timestamp,
    ) -> Result<Option<u64>, OutboxError> {
        let Some(id) = store.receipt(provider_msg_id, status)? else {
            return Ok(None);
        };
        if *status == ReceiptStatus::UserBlocked
            && let Some(entry) = store.entry(id)?
        {
            store.set_opt_out(
                entry.message.channel,
                &entry.message.address,
                at,
                "receipt: user blocks the sender",
            )?;
        }
        Ok(Some(id))
    }
}

#[cfg(test)]
mod tests;
