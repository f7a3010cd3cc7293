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
//! is then still pending and is sent again after a restart. With `record_batch = 1`,
//! `in_flight = 1` and messengers sending one message per request (the defaults) that window
//! is one send long; larger values, faster for storms, widen it to at most `record_batch`
//! messages plus twice the channels' in-flight requests, each of up to the messenger's
//! [`Messenger::max_batch`] messages (one request under way and one answer waiting to be
//! recorded per sending thread: senders wait while the recorder is behind). Three things
//! narrow it further:
//! - the dedupe key travels with the message: WeChat's `client_msg_id` drops a repeat for the
//!   same openid within 10 minutes (reference §2.1), and the webhook messenger sends it as an
//!   `Idempotency-Key` header (in a batch, each item's `dedupe_key`) for the receiver to drop
//!   repeats;
//! - receipts name the provider's message id, so a host can see a delivery it did not record;
//! - a durable store with `synchronous = FULL` makes the record survive a power loss once
//!   written.
//!
//! # Concurrency
//!
//! Each round groups the entries of a channel into batches of its messenger's
//! [`Messenger::max_batch`] (1 unless the messenger has a batch API and is configured for
//! it) and sends them through up to that channel's in-flight limit
//! ([`DispatchPolicy::in_flight`], [`DispatchPolicy::in_flight_per_channel`]) of requests at
//! once: that many threads of the round share the channel's batches and call
//! [`Messenger::send`] for a batch of one, [`Messenger::send_batch`] for more (the ports stay
//! synchronous). Each message of a batch gets its own answer and is recorded as the table
//! above says; a failure of the whole request is every message's answer. The calling thread meanwhile classifies each answer as it
//! comes and writes the results, `record_batch` per transaction, so sending and recording
//! overlap. The pacing stays the channel's: an entry is given a send only after its token is
//! taken from the channel's [`RateLimit`] bucket, so concurrency never raises the rate above
//! the limit, it only fills it (a batch's messages take one token each). Opt-outs are looked up once per round and channel
//! ([`OptOuts::opted_out_among`](crate::ports::OptOuts::opted_out_among)); an opt-out
//! recorded during the round keeps the round's later entries to that address from being
//! sent (one already in flight is sent).
//!
//! Run one dispatcher per store unless the store leases what [`OutboxStore::due`] returns
//! (the SQLite store does not; the PostgreSQL store does, so several dispatchers may share
//! one PostgreSQL database).
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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use memory::{MemoryMessenger, RandomFailures, SendRecord};
pub use policy::{DispatchPolicy, MAX_IN_FLIGHT, RateLimit};

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

/// What a messenger answered.
type SendResult = Result<SendOutcome, SendError>;

/// The result of an entry whose address opted out of its channel.
fn opted_out_result(channel: Channel) -> AttemptResult {
    AttemptResult::Suppressed {
        reason: format!("the address opted out of {channel}"),
    }
}

/// Opt-outs recorded during a round, so a later entry of the round to the same address is
/// not sent (one already in flight when the opt-out comes back is).
#[derive(Default)]
struct FreshOptOuts(Mutex<HashSet<(Channel, String)>>);

impl FreshOptOuts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(Channel, String)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn contains(&self, entry: &OutboxEntry) -> bool {
        let set = self.lock();
        !set.is_empty() && set.contains(&(entry.message.channel, entry.message.address.clone()))
    }

    fn insert(&self, channel: Channel, address: &str) {
        self.lock().insert((channel, address.to_owned()));
    }
}

/// Sends one batch of `due` entries (their indices in `chunk`) in one request: entries whose
/// address opted out earlier in the round are left out and answered `None`. Returns each
/// index with its answer, in `chunk`'s order. A single message goes through
/// [`Messenger::send`], several through [`Messenger::send_batch`]; a result list of the wrong
/// length leaves the messages without a result failed transiently (retried).
fn send_chunk(
    messenger: &dyn Messenger,
    due: &[OutboxEntry],
    chunk: &[usize],
    fresh: &FreshOptOuts,
) -> Vec<(usize, Option<SendResult>)> {
    let mut out: Vec<(usize, Option<SendResult>)> = Vec::with_capacity(chunk.len());
    let mut to_send: Vec<&crate::ports::OutboundMessage> = Vec::with_capacity(chunk.len());
    let mut slots: Vec<usize> = Vec::with_capacity(chunk.len());
    for &i in chunk {
        let entry = &due[i];
        if !fresh.contains(entry) {
            slots.push(out.len());
            to_send.push(&entry.message);
        }
        out.push((i, None));
    }
    match to_send.len() {
        0 => {}
        1 => out[slots[0]].1 = Some(messenger.send(to_send[0])),
        n => {
            let mut results = messenger.send_batch(&to_send).into_iter();
            let got = results.len();
            for &slot in &slots {
                let result = results.next().unwrap_or_else(|| {
                    Err(SendError::Transient {
                        detail: format!(
                            "the {} messenger returned {got} results for {n} messages",
                            messenger.channel()
                        ),
                        retry_after: None,
                    })
                });
                out[slot].1 = Some(result);
            }
        }
    }
    out
}

/// Results waiting to be written, `batch` per transaction.
struct Recorder {
    pending: Vec<(u64, AttemptResult)>,
    batch: usize,
}

impl Recorder {
    fn new(batch: usize) -> Self {
        Self {
            pending: Vec::with_capacity(batch.min(4_096)),
            batch,
        }
    }

    fn push<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        id: u64,
        result: AttemptResult,
        report: &mut DispatchReport,
    ) -> Result<(), OutboxError> {
        match &result {
            AttemptResult::Sent { .. } => report.sent += 1,
            AttemptResult::Retry { .. } => report.retried += 1,
            AttemptResult::Dead { .. } => report.dead += 1,
            AttemptResult::Suppressed { .. } => report.suppressed += 1,
        }
        self.pending.push((id, result));
        if self.pending.len() >= self.batch {
            self.flush(store)?;
        }
        Ok(())
    }

    fn flush<S: OutboxStore + ?Sized>(&mut self, store: &mut S) -> Result<(), OutboxError> {
        if !self.pending.is_empty() {
            store.record_many(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }
}

/// Turns one answer into a recorded result (on the dispatching thread).
struct Settle<'a> {
    policy: &'a DispatchPolicy,
    rng: &'a mut SplitMix64,
    fresh: &'a FreshOptOuts,
    now: Timestamp,
    rec: &'a mut Recorder,
    report: &'a mut DispatchReport,
}

impl Settle<'_> {
    /// `outcome` is `None` when the entry was not sent because its address opted out
    /// earlier in the round.
    fn one<S: OutboxStore + ?Sized>(
        &mut self,
        store: &mut S,
        entry: &OutboxEntry,
        outcome: Option<SendResult>,
    ) -> Result<(), OutboxError> {
        let channel = entry.message.channel;
        let result = match outcome {
            None => opted_out_result(channel),
            Some(outcome) => {
                let decision = decide(self.policy, entry, &outcome, self.now, self.rng);
                if decision.opt_out {
                    let reason = match &outcome {
                        Err(e) => e.to_string(),
                        Ok(_) => "opted out".to_string(),
                    };
                    self.fresh.insert(channel, &entry.message.address);
                    store.set_opt_out(channel, &entry.message.address, self.now, &reason)?;
                }
                decision.result
            }
        };
        self.rec.push(store, entry.id, result, self.report)
    }
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
    /// retries, dead-letters or defers each. Each channel's entries are sent in batches of
    /// its messenger's [`Messenger::max_batch`], by up to its in-flight limit
    /// ([`DispatchPolicy::in_flight_for`]) of requests at once, on threads of this round;
    /// the results are recorded on the calling thread as they come in, `record_batch` per
    /// transaction.
    ///
    /// # Errors
    /// [`OutboxError::Store`] when the store fails; results not yet recorded are lost and
    /// their entries stay pending (no new send starts once the failure is seen).
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
        if due.is_empty() {
            return Ok(report);
        }
        // Opt-outs: one question per channel.
        let mut addresses: BTreeMap<Channel, Vec<&str>> = BTreeMap::new();
        for e in &due {
            addresses
                .entry(e.message.channel)
                .or_default()
                .push(e.message.address.as_str());
        }
        let mut opted: HashMap<Channel, HashSet<String>> = HashMap::new();
        for (channel, list) in &addresses {
            opted.insert(*channel, store.opted_out_among(*channel, list)?);
        }
        let mut rec = Recorder::new(self.policy.record_batch);
        let mut sends: BTreeMap<Channel, Vec<usize>> = BTreeMap::new();
        for (i, entry) in due.iter().enumerate() {
            let channel = entry.message.channel;
            if opted
                .get(&channel)
                .is_some_and(|o| o.contains(&entry.message.address))
            {
                rec.push(store, entry.id, opted_out_result(channel), &mut report)?;
            } else if !self.messengers.contains_key(&channel) {
                let dead = AttemptResult::Dead {
                    reason: format!("no messenger for channel {channel}"),
                };
                rec.push(store, entry.id, dead, &mut report)?;
            } else if let Some(bucket) = self.buckets.get_mut(&channel)
                && !bucket.try_take(now)
            {
                report.deferred += 1;
            } else {
                sends.entry(channel).or_default().push(i);
            }
        }
        let fresh = FreshOptOuts::default();
        // Each channel's entries in batches of its messenger's size: one request each.
        let chunks: BTreeMap<Channel, Vec<&[usize]>> = sends
            .iter()
            .map(|(c, idx)| {
                let size = self.messengers[c].max_batch().max(1);
                (*c, idx.chunks(size).collect())
            })
            .collect();
        let workers: usize = chunks
            .iter()
            .map(|(c, b)| self.policy.in_flight_for(*c).min(b.len()))
            .sum();
        let mut settle = Settle {
            policy: &self.policy,
            rng: &mut self.rng,
            fresh: &fresh,
            now,
            rec: &mut rec,
            report: &mut report,
        };
        let mut handled = 0usize;
        if workers <= 1 {
            // One request at a time, on this thread.
            for (channel, batches) in &chunks {
                let messenger = self.messengers[channel].as_ref();
                for batch in batches {
                    for (i, outcome) in send_chunk(messenger, &due, batch, &fresh) {
                        handled += 1;
                        settle.one(store, &due[i], outcome)?;
                    }
                }
            }
        } else {
            let stop = AtomicBool::new(false);
            let queues: Vec<(Channel, &[&[usize]], AtomicUsize)> = chunks
                .iter()
                .map(|(c, b)| (*c, b.as_slice(), AtomicUsize::new(0)))
                .collect();
            let messengers = &self.messengers;
            let due = &due;
            std::thread::scope(|scope| -> Result<(), OutboxError> {
                // Bounded: a sender waits while the recorder is behind, so the answers sent
                // but not yet recorded never exceed the batch being written plus one answer
                // waiting and one request under way per thread (the documented window).
                let (tx, rx) = mpsc::sync_channel::<Vec<(usize, Option<SendResult>)>>(workers);
                for (channel, batches, next) in &queues {
                    let messenger = messengers[channel].as_ref();
                    for _ in 0..self.policy.in_flight_for(*channel).min(batches.len()) {
                        let tx = tx.clone();
                        let (stop, fresh) = (&stop, &fresh);
                        let worker = move || {
                            loop {
                                let k = next.fetch_add(1, Ordering::Relaxed);
                                if k >= batches.len() || stop.load(Ordering::Relaxed) {
                                    return;
                                }
                                let answers = send_chunk(messenger, due, batches[k], fresh);
                                if tx.send(answers).is_err() {
                                    return;
                                }
                            }
                        };
                        // A thread that cannot be started leaves its share to the others; if
                        // none starts, the channel's entries stay pending (deferred).
                        let _ = std::thread::Builder::new()
                            .name(format!("gridserve-send-{channel}"))
                            .spawn_scoped(scope, worker);
                    }
                }
                drop(tx);
                for answers in rx {
                    for (i, outcome) in answers {
                        handled += 1;
                        if let Err(e) = settle.one(store, &due[i], outcome) {
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                }
                Ok(())
            })?;
        }
        let planned: usize = sends.values().map(Vec::len).sum();
        report.deferred += planned - handled;
        rec.flush(store)?;
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
