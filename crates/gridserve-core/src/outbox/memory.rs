//! [`MemoryMessenger`]: a messenger that records what it is given and fails on request.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::pace::SplitMix64;
use crate::ports::{Channel, Messenger, OutboundMessage, SendError, SendOutcome};

/// Probabilities of each failure class per send, for [`MemoryMessenger::with_random_failures`].
/// The rest of the probability mass succeeds. Seeded, so a run replays exactly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomFailures {
    /// [`SendError::Transient`] (no `retry_after`).
    pub transient: f64,
    /// [`SendError::Throttled`] with `retry_after` = [`RandomFailures::throttle_ms`].
    pub throttled: f64,
    /// [`SendError::RecipientUnreachable`].
    pub unreachable: f64,
    /// [`SendError::OptedOut`].
    pub opted_out: f64,
    /// [`SendError::Invalid`].
    pub invalid: f64,
    /// [`SendError::Auth`].
    pub auth: f64,
    /// The `retry_after` of throttled answers, in milliseconds.
    pub throttle_ms: u64,
    /// The generator's seed.
    pub seed: u64,
}

impl Default for RandomFailures {
    fn default() -> Self {
        Self {
            transient: 0.0,
            throttled: 0.0,
            unreachable: 0.0,
            opted_out: 0.0,
            invalid: 0.0,
            auth: 0.0,
            throttle_ms: 1_000,
            seed: 1,
        }
    }
}

/// One call of [`Messenger::send`] on a [`MemoryMessenger`].
#[derive(Debug, Clone, PartialEq)]
pub struct SendRecord {
    /// The message given.
    pub message: OutboundMessage,
    /// What the messenger answered.
    pub outcome: Result<SendOutcome, SendError>,
}

#[derive(Debug)]
struct State {
    script: VecDeque<Result<SendOutcome, SendError>>,
    random: Option<(RandomFailures, SplitMix64)>,
    log: Vec<SendRecord>,
    batches: Vec<usize>,
    next_id: u64,
}

/// A messenger for tests and simulations: no I/O; it records every call and answers from a
/// script, then from seeded random failures, and otherwise succeeds (`Delivered`, or
/// `Accepted` with ids `mem-1`, `mem-2`, … when built with [`MemoryMessenger::accepting`]).
///
/// ```
/// use gridserve_core::outbox::MemoryMessenger;
/// use gridserve_core::ports::{Channel, SendError};
///
/// let sms = MemoryMessenger::new(Channel::Sms);
/// sms.push_outcome(Err(SendError::Transient { detail: "gateway busy".into(), retry_after: None }));
/// assert_eq!(sms.channel_served(), Channel::Sms);
/// assert!(sms.attempts().is_empty());
/// ```
#[derive(Debug)]
pub struct MemoryMessenger {
    channel: Channel,
    accept: bool,
    max_batch: usize,
    state: Mutex<State>,
}

impl MemoryMessenger {
    /// A messenger on `channel` that delivers everything synchronously.
    pub fn new(channel: Channel) -> Self {
        Self {
            channel,
            accept: false,
            max_batch: 1,
            state: Mutex::new(State {
                script: VecDeque::new(),
                random: None,
                log: Vec::new(),
                batches: Vec::new(),
                next_id: 1,
            }),
        }
    }

    /// A messenger on `channel` that answers `Accepted` with provider ids `mem-1`, `mem-2`, …
    /// (delivery is then confirmed by receipts).
    pub fn accepting(channel: Channel) -> Self {
        Self {
            accept: true,
            ..Self::new(channel)
        }
    }

    /// Adds seeded random failures (used after the script runs out).
    pub fn with_random_failures(self, failures: RandomFailures) -> Self {
        self.lock().random = Some((failures, SplitMix64::new(failures.seed)));
        self
    }

    /// Takes up to `max_batch` messages per [`Messenger::send_batch`] call (at least 1; the
    /// default 1 sends one message per call). Each message of a batch is answered as a
    /// single send would be (script, random failures, success), in order.
    pub fn with_max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.max(1);
        self
    }

    /// The size of each [`Messenger::send_batch`] call so far, in order (sends of one
    /// message through [`Messenger::send`] are not listed).
    pub fn batches(&self) -> Vec<usize> {
        self.lock().batches.clone()
    }

    /// Queues the answer to the next call (scripted answers are used first, in order).
    pub fn push_outcome(&self, outcome: Result<SendOutcome, SendError>) {
        self.lock().script.push_back(outcome);
    }

    /// The channel served (the same as [`Messenger::channel`]).
    pub fn channel_served(&self) -> Channel {
        self.channel
    }

    /// Every call so far, in order.
    pub fn attempts(&self) -> Vec<SendRecord> {
        self.lock().log.clone()
    }

    /// The messages handed over successfully, in order.
    pub fn delivered(&self) -> Vec<OutboundMessage> {
        self.lock()
            .log
            .iter()
            .filter(|r| r.outcome.is_ok())
            .map(|r| r.message.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

type MakeError = fn(&RandomFailures) -> SendError;

fn random_outcome(f: &RandomFailures, rng: &mut SplitMix64) -> Option<SendError> {
    let mut u = rng.unit();
    let classes: [(f64, MakeError); 6] = [
        (f.transient, |_| SendError::Transient {
            detail: "simulated network failure".into(),
            retry_after: None,
        }),
        (f.throttled, |f| SendError::Throttled {
            detail: "simulated rate limit".into(),
            retry_after: Some(Duration::from_millis(f.throttle_ms)),
        }),
        (f.unreachable, |_| SendError::RecipientUnreachable {
            detail: "simulated: recipient does not follow the account".into(),
        }),
        (f.opted_out, |_| SendError::OptedOut {
            detail: "simulated: user refuses messages".into(),
        }),
        (f.invalid, |_| SendError::Invalid {
            field: Some("thing1".into()),
            detail: "simulated: value too long".into(),
        }),
        (f.auth, |_| SendError::Auth {
            detail: "simulated: access token expired".into(),
        }),
    ];
    for (p, make) in classes {
        if u < p {
            return Some(make(f));
        }
        u -= p;
    }
    None
}

impl Messenger for MemoryMessenger {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
        self.answer(&mut self.lock(), message)
    }

    fn max_batch(&self) -> usize {
        self.max_batch
    }

    fn send_batch(&self, messages: &[&OutboundMessage]) -> Vec<Result<SendOutcome, SendError>> {
        let mut st = self.lock();
        st.batches.push(messages.len());
        messages.iter().map(|m| self.answer(&mut st, m)).collect()
    }
}

impl MemoryMessenger {
    /// The answer to one message (script, random failures, success), logged.
    fn answer(
        &self,
        state: &mut State,
        message: &OutboundMessage,
    ) -> Result<SendOutcome, SendError> {
        let outcome = if let Some(o) = state.script.pop_front() {
            o
        } else if let Some(err) = state
            .random
            .as_mut()
            .and_then(|(f, rng)| random_outcome(f, rng))
        {
            Err(err)
        } else if self.accept {
            let id = state.next_id;
            state.next_id += 1;
            Ok(SendOutcome::Accepted {
                provider_msg_id: format!("mem-{id}"),
            })
        } else {
            Ok(SendOutcome::Delivered)
        };
        state.log.push(SendRecord {
            message: message.clone(),
            outcome: outcome.clone(),
        });
        outcome
    }
}
