//! Unit tests of the classification (the dispatch loop is tested against the SQLite store in
//! the facade's integration tests).

use std::time::Duration;

use chrono::TimeZone;

use super::*;
use crate::ports::{MessageCategory, OutboundMessage, OutboxStatus, china_offset};

fn t(secs: i64) -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .single()
        .unwrap()
        + chrono::Duration::seconds(secs)
}

fn entry(attempts: u32) -> OutboxEntry {
    OutboxEntry {
        id: 1,
        message: OutboundMessage {
            dedupe_key: "k".into(),
            stream: "s".into(),
            stream_version: 1,
            channel: Channel::WechatTemplate,
            address: "openid".into(),
            customer: None,
            template: "tpl".into(),
            fields: vec![],
            text: None,
            link: None,
            category: MessageCategory::Service,
            not_before: t(0),
            expires_at: None,
            supersede_key: None,
        },
        status: OutboxStatus::Pending,
        attempts,
        next_attempt_at: t(0),
        last_error: None,
        provider_msg_id: None,
        sent_at: None,
        receipt: None,
    }
}

fn transient() -> SendError {
    SendError::Transient {
        detail: "-1 系统繁忙".into(),
        retry_after: None,
    }
}

#[allow(clippy::needless_pass_by_value)] // the call sites read better by value
fn run(attempts: u32, outcome: Result<SendOutcome, SendError>) -> Decision {
    let policy = DispatchPolicy::default();
    let mut rng = SplitMix64::new(3);
    decide(&policy, &entry(attempts), &outcome, t(0), &mut rng)
}

#[test]
fn successes_are_sent_with_the_provider_id() {
    let d = run(0, Ok(SendOutcome::Delivered));
    assert_eq!(
        d.result,
        AttemptResult::Sent {
            at: t(0),
            provider_msg_id: None
        }
    );
    let d = run(
        2,
        Ok(SendOutcome::Accepted {
            provider_msg_id: "200228332".into(),
        }),
    );
    assert!(
        matches!(d.result, AttemptResult::Sent { provider_msg_id: Some(ref id), .. } if id == "200228332")
    );
    assert!(!d.opt_out);
}

#[test]
fn transient_failures_back_off_within_the_full_jitter_ceiling() {
    // After the n-th failure the wait is in [0, min(100 s, 1 s · 2^(n−1))].
    for (prior, ceiling_s) in [(0u32, 1i64), (1, 2), (3, 8), (6, 64)] {
        match run(prior, Err(transient())).result {
            AttemptResult::Retry {
                next_attempt_at,
                error,
            } => {
                assert!(next_attempt_at >= t(0) && next_attempt_at <= t(ceiling_s));
                assert!(error.contains("系统繁忙"));
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
}

#[test]
fn the_eighth_failed_attempt_is_dead_with_the_reason() {
    match run(7, Err(transient())).result {
        AttemptResult::Dead { reason } => {
            assert_eq!(
                reason,
                "gave up after 8 attempts: transient failure: -1 系统繁忙"
            );
        }
        other => panic!("expected dead, got {other:?}"),
    }
}

#[test]
fn retry_after_is_honoured_and_capped() {
    let throttled = |secs| SendError::Throttled {
        detail: "45009 reach max api daily quota limit".into(),
        retry_after: Some(Duration::from_secs(secs)),
    };
    assert!(matches!(
        run(0, Err(throttled(3_600))).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(3_600)
    ));
    // A week is cut to the 48 h maximum.
    assert!(matches!(
        run(0, Err(throttled(7 * 86_400))).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(48 * 3_600)
    ));
    let slow = SendError::Transient {
        detail: "503".into(),
        retry_after: Some(Duration::from_secs(120)),
    };
    assert!(matches!(
        run(1, Err(slow)).result,
        AttemptResult::Retry { next_attempt_at, .. } if next_attempt_at == t(120)
    ));
}

#[test]
fn permanent_failures_are_dead_at_once() {
    let invalid = SendError::Invalid {
        field: Some("thing1".into()),
        detail: "47003 argument invalid! data.thing1.value invalid".into(),
    };
    match run(0, Err(invalid)).result {
        AttemptResult::Dead { reason } => {
            assert!(reason.contains("field thing1") && reason.contains("47003"));
        }
        other => panic!("{other:?}"),
    }
    let unreachable = SendError::RecipientUnreachable {
        detail: "43004 require subscribe".into(),
    };
    assert!(matches!(
        run(0, Err(unreachable)).result,
        AttemptResult::Dead { ref reason } if reason == "recipient unreachable: 43004 require subscribe"
    ));
}

#[test]
fn opted_out_is_suppressed_and_recorded() {
    let d = run(
        0,
        Err(SendError::OptedOut {
            detail: "43101 user refuse to accept the msg".into(),
        }),
    );
    assert!(d.opt_out);
    assert!(
        matches!(d.result, AttemptResult::Suppressed { ref reason } if reason.contains("43101"))
    );
}

#[test]
fn auth_failures_retry_a_bounded_number_of_times() {
    let auth = || SendError::Auth {
        detail: "40001 invalid credential".into(),
    };
    assert!(matches!(
        run(0, Err(auth())).result,
        AttemptResult::Retry { .. }
    ));
    // max_auth_attempts = 2: the second failed attempt is final.
    assert!(matches!(
        run(1, Err(auth())).result,
        AttemptResult::Dead { ref reason } if reason.starts_with("gave up after 2 attempts: authentication failed")
    ));
}

#[test]
fn invalid_policies_name_the_field() {
    let mut p = DispatchPolicy::default();
    p.rate_limits.insert(
        Channel::Sms,
        RateLimit {
            per_second: 0.0,
            burst: 5,
        },
    );
    match Dispatcher::new(p) {
        Err(OutboxError::InvalidPolicy { field, value, .. }) => {
            assert_eq!(field, "rate_limits.sms.per_second");
            assert_eq!(value, "0");
        }
        other => panic!("{other:?}"),
    }
    let p = DispatchPolicy {
        multiplier: 0.5,
        ..DispatchPolicy::default()
    };
    assert!(
        matches!(p.validate(), Err(OutboxError::InvalidPolicy { ref field, .. }) if field == "multiplier")
    );
    let p = DispatchPolicy {
        max_delay_ms: 10,
        ..DispatchPolicy::default()
    };
    assert!(p.validate().is_err());
    let err = serde_json::from_str::<DispatchPolicy>(r#"{"max_attemps": 3}"#);
    assert!(err.is_err(), "unknown fields are refused");
}

#[test]
fn memory_messenger_scripts_then_random_then_success() {
    let m = MemoryMessenger::accepting(Channel::Sms).with_random_failures(RandomFailures {
        transient: 0.5,
        seed: 9,
        ..RandomFailures::default()
    });
    m.push_outcome(Err(SendError::Auth {
        detail: "scripted".into(),
    }));
    let msg = entry(0).message;
    assert!(matches!(m.send(&msg), Err(SendError::Auth { .. })));
    let outcomes: Vec<_> = (0..2_000).map(|_| m.send(&msg)).collect();
    let failures = outcomes.iter().filter(|o| o.is_err()).count();
    // Binomial(2000, 0.5): mean 1000, sd 22.4; 5 sd either side.
    assert!((888..=1112).contains(&failures), "{failures}");
    assert_eq!(m.attempts().len(), 2_001);
    assert_eq!(m.delivered().len(), 2_000 - failures);
    // Provider ids count the acceptances.
    assert!(matches!(
        outcomes.iter().rfind(|o| o.is_ok()),
        Some(Ok(SendOutcome::Accepted { provider_msg_id })) if *provider_msg_id == format!("mem-{}", 2_000 - failures)
    ));
}

// ---- Concurrent dispatch, against the memory store ----

mod concurrent {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::ports::memory::MemoryStore;
    use crate::ports::{EventStore, NewEvent, OptOuts, OutboxQueries};

    fn notice(i: usize, channel: Channel, address: &str) -> OutboundMessage {
        let mut m = entry(0).message;
        m.dedupe_key = format!("storm/{i}/{channel}");
        m.stream = "storm".into();
        m.channel = channel;
        m.address = address.to_owned();
        m
    }

    fn store_with(notices: &[OutboundMessage]) -> MemoryStore {
        let mut s = MemoryStore::new();
        let ev = NewEvent {
            event_type: "outage.scoped".into(),
            payload_json: "{}".into(),
            actor: "system".into(),
            at: t(0),
        };
        s.append("storm", 0, &[ev], notices).unwrap();
        s
    }

    /// A messenger that takes `pause` per send and notes the most sends it saw at once.
    struct Slow {
        channel: Channel,
        pause: Duration,
        now: AtomicUsize,
        most: AtomicUsize,
        calls: Mutex<Vec<String>>,
    }

    impl Slow {
        fn new(channel: Channel, pause_ms: u64) -> Self {
            Self {
                channel,
                pause: Duration::from_millis(pause_ms),
                now: AtomicUsize::new(0),
                most: AtomicUsize::new(0),
                calls: Mutex::new(Vec::new()),
            }
        }
    }

    impl Messenger for Slow {
        fn channel(&self) -> Channel {
            self.channel
        }

        fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(self.pause);
            self.calls.lock().unwrap().push(message.dedupe_key.clone());
            self.now.fetch_sub(1, Ordering::SeqCst);
            Ok(SendOutcome::Delivered)
        }
    }

    #[test]
    fn each_channel_keeps_to_its_in_flight_limit() {
        let mut notices: Vec<_> = (0..48)
            .map(|i| notice(i, Channel::Sms, &format!("1380000{i:04}")))
            .collect();
        notices.extend((48..96).map(|i| notice(i, Channel::App, &format!("inbox-{i}"))));
        let mut s = store_with(&notices);
        let sms = Arc::new(Slow::new(Channel::Sms, 3));
        let app = Arc::new(Slow::new(Channel::App, 3));
        let mut policy = DispatchPolicy {
            in_flight: 6,
            record_batch: 5,
            ..DispatchPolicy::default()
        };
        policy.in_flight_per_channel.insert(Channel::Sms, 2);
        let mut d = Dispatcher::new(policy).unwrap();
        d.register(sms.clone());
        d.register(app.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        assert_eq!((r.fetched, r.sent, r.deferred), (96, 96, 0));
        // 48 sends of 3 ms through 2 (6) lanes take 72 ms (24 ms); the lanes are all used
        // (each worker blocks in its sleep long enough for the others to start).
        assert_eq!(sms.most.load(Ordering::SeqCst), 2);
        assert_eq!(app.most.load(Ordering::SeqCst), 6);
        assert_eq!(sms.calls.lock().unwrap().len(), 48);
        assert_eq!(app.calls.lock().unwrap().len(), 48);
        assert!(
            s.entries()
                .iter()
                .all(|e| e.status == OutboxStatus::Sent && e.attempts == 1)
        );
    }

    #[test]
    fn in_flight_limits_are_validated() {
        for (policy, field) in [
            (
                DispatchPolicy {
                    in_flight: 0,
                    ..DispatchPolicy::default()
                },
                "in_flight",
            ),
            (
                DispatchPolicy {
                    in_flight_per_channel: [(Channel::Sms, MAX_IN_FLIGHT + 1)].into(),
                    ..DispatchPolicy::default()
                },
                "in_flight_per_channel.sms",
            ),
        ] {
            match policy.validate() {
                Err(OutboxError::InvalidPolicy { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{other:?}"),
            }
        }
        let p: DispatchPolicy =
            serde_json::from_str(r#"{"in_flight": 4, "in_flight_per_channel": {"sms": 16}}"#)
                .unwrap();
        assert_eq!(
            (p.in_flight_for(Channel::Sms), p.in_flight_for(Channel::App)),
            (16, 4)
        );
    }

    /// Random faults of every class over several rounds with 8 sends in flight on each of two
    /// channels: every notice ends sent after exactly one successful hand-over, or dead or
    /// suppressed with none; calls per notice equal its recorded attempts.
    #[test]
    fn random_faults_with_sends_in_flight_keep_exactly_once() {
        random_faults_keep_exactly_once(1);
    }

    /// The same with batched sends (7 messages per request, so batches straddle the store's
    /// rounds and the record batches of 13).
    #[test]
    fn random_faults_with_batched_sends_keep_exactly_once() {
        random_faults_keep_exactly_once(7);
    }

    fn random_faults_keep_exactly_once(max_batch: usize) {
        const N: usize = 1_500;
        let notices: Vec<_> = (0..N)
            .map(|i| {
                let channel = if i % 3 == 0 {
                    Channel::App
                } else {
                    Channel::Sms
                };
                notice(i, channel, &format!("addr-{i}"))
            })
            .collect();
        let mut s = store_with(&notices);
        let faults = |seed| RandomFailures {
            transient: 0.25,
            throttled: 0.05,
            unreachable: 0.02,
            opted_out: 0.01,
            invalid: 0.02,
            auth: 0.03,
            throttle_ms: 1_000,
            seed,
        };
        let sms = Arc::new(
            MemoryMessenger::new(Channel::Sms)
                .with_random_failures(faults(7))
                .with_max_batch(max_batch),
        );
        let app = Arc::new(
            MemoryMessenger::accepting(Channel::App)
                .with_random_failures(faults(8))
                .with_max_batch(max_batch),
        );
        let mut d = Dispatcher::new(DispatchPolicy {
            in_flight: 8,
            record_batch: 13,
            batch_size: 300,
            ..DispatchPolicy::default()
        })
        .unwrap();
        d.register(sms.clone());
        d.register(app.clone());
        let mut now = t(0);
        for _ in 0..40 {
            loop {
                let r = d.dispatch_once(&mut s, now).unwrap();
                if r.recorded() == 0 {
                    break;
                }
            }
            now += chrono::Duration::seconds(101);
        }
        let mut calls: HashMap<String, (u32, u32)> = HashMap::new();
        for rec in sms.attempts().into_iter().chain(app.attempts()) {
            let c = calls.entry(rec.message.dedupe_key).or_default();
            c.0 += 1;
            c.1 += u32::from(rec.outcome.is_ok());
        }
        let mut by_status: HashMap<OutboxStatus, usize> = HashMap::new();
        for n in &notices {
            let e = s.by_dedupe_key(&n.dedupe_key).unwrap().unwrap();
            *by_status.entry(e.status).or_default() += 1;
            let (called, delivered) = calls.get(&n.dedupe_key).copied().unwrap_or_default();
            assert_eq!(called, e.attempts, "{}", n.dedupe_key);
            match e.status {
                OutboxStatus::Sent => assert_eq!(delivered, 1, "{}", n.dedupe_key),
                OutboxStatus::Dead => {
                    assert_eq!(delivered, 0);
                    assert!(e.last_error.is_some_and(|r| !r.is_empty()));
                }
                OutboxStatus::Suppressed => {
                    assert_eq!(delivered, 0);
                    assert!(s.is_opted_out(n.channel, &n.address).unwrap());
                }
                OutboxStatus::Pending => panic!("{} still pending", n.dedupe_key),
            }
        }
        // A notice is lost to a permanent failure (≈ 8 % per attempt counting a second auth
        // failure) or to 8 transient failures in a row (0.30^8 ≈ 7e-5): about 88–93 % sent.
        let sent = by_status.get(&OutboxStatus::Sent).copied().unwrap_or(0);
        assert!(sent > N * 80 / 100 && sent < N * 98 / 100, "{by_status:?}");
        assert!(by_status.contains_key(&OutboxStatus::Dead));
        assert!(by_status.contains_key(&OutboxStatus::Suppressed));
        let batches = sms.batches();
        if max_batch == 1 {
            assert!(batches.is_empty());
        } else {
            assert!(
                batches.iter().all(|n| (2..=max_batch).contains(n)),
                "{batches:?}"
            );
            assert!(batches.contains(&max_batch));
        }
    }

    /// A messenger with a batch API that notes each request's size and the most requests at
    /// once, and can answer with a result list of the wrong length.
    struct Batching {
        max: usize,
        short_by: usize,
        now: AtomicUsize,
        most: AtomicUsize,
        sizes: Mutex<Vec<usize>>,
    }

    impl Messenger for Batching {
        fn channel(&self) -> Channel {
            Channel::Webhook
        }
        fn send(&self, message: &OutboundMessage) -> Result<SendOutcome, SendError> {
            self.send_batch(&[message]).remove(0)
        }
        fn max_batch(&self) -> usize {
            self.max
        }
        fn send_batch(&self, messages: &[&OutboundMessage]) -> Vec<Result<SendOutcome, SendError>> {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(3));
            self.sizes.lock().unwrap().push(messages.len());
            self.now.fetch_sub(1, Ordering::SeqCst);
            let keep = messages.len().saturating_sub(self.short_by).max(1);
            messages[..keep]
                .iter()
                .map(|m| {
                    if m.address.ends_with("-bad") {
                        Err(SendError::Invalid {
                            field: Some("template".into()),
                            detail: "unknown template".into(),
                        })
                    } else {
                        Ok(SendOutcome::Delivered)
                    }
                })
                .collect()
        }
    }

    fn batching(max: usize, short_by: usize) -> Arc<Batching> {
        Arc::new(Batching {
            max,
            short_by,
            now: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            sizes: Mutex::new(Vec::new()),
        })
    }

    /// 250 notices, batches of 40, 3 requests in flight: ceil(250 / 40) = 7 requests (six of
    /// 40, one of 10), never more than 3 at once; each item's own answer is recorded.
    #[test]
    fn batches_are_grouped_by_the_messengers_size_and_in_flight_counts_requests() {
        let notices: Vec<_> = (0..250)
            .map(|i| {
                let bad = if i % 50 == 7 { "-bad" } else { "" };
                notice(i, Channel::Webhook, &format!("a{i}{bad}"))
            })
            .collect();
        let mut s = store_with(&notices);
        let m = batching(40, 0);
        let mut d = Dispatcher::new(DispatchPolicy {
            in_flight: 3,
            record_batch: 16,
            batch_size: 1_000,
            ..DispatchPolicy::default()
        })
        .unwrap();
        d.register(m.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        // i % 50 == 7 for i in 0..250: 7, 57, 107, 157, 207.
        assert_eq!((r.fetched, r.sent, r.dead, r.deferred), (250, 245, 5, 0));
        let mut sizes = m.sizes.lock().unwrap().clone();
        sizes.sort_unstable();
        assert_eq!(sizes, [10, 40, 40, 40, 40, 40, 40]);
        let most = m.most.load(Ordering::SeqCst);
        assert!((2..=3).contains(&most), "{most} requests at once");
        let dead = s.list(OutboxStatus::Dead, 10).unwrap();
        assert!(dead.iter().all(|e| {
            e.message.address.ends_with("-bad")
                && e.last_error
                    .as_deref()
                    .is_some_and(|x| x.contains("unknown template"))
        }));
    }

    /// A messenger answering fewer results than messages: the messages without one are
    /// retried (transient), none is recorded as sent without an answer.
    #[test]
    fn a_short_result_list_retries_the_messages_without_an_answer() {
        let notices: Vec<_> = (0..10)
            .map(|i| notice(i, Channel::Webhook, &format!("a{i}")))
            .collect();
        let mut s = store_with(&notices);
        let m = batching(5, 2);
        let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
        d.register(m.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        // Two requests of 5, each answered for its first 3.
        assert_eq!(*m.sizes.lock().unwrap(), [5, 5]);
        assert_eq!((r.sent, r.retried), (6, 4));
        let retry = s.list(OutboxStatus::Pending, 10).unwrap();
        assert_eq!(retry.len(), 4);
        assert!(retry.iter().all(|e| {
            e.attempts == 1
                && e.last_error
                    .as_deref()
                    .is_some_and(|x| x.contains("3 results for 5 messages"))
        }));
    }

    /// An opt-out answered in one batch keeps the address out of later batches of the round.
    #[test]
    fn an_opt_out_in_a_batch_stops_later_batches_to_that_address() {
        let notices: Vec<_> = (0..9)
            .map(|i| notice(i, Channel::Sms, "13800000001"))
            .collect();
        let mut s = store_with(&notices);
        let sms = Arc::new(MemoryMessenger::new(Channel::Sms).with_max_batch(3));
        sms.push_outcome(Err(SendError::OptedOut {
            detail: "TD".into(),
        }));
        let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
        d.register(sms.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        // The first batch of 3 was one request: its first item opted out, the other two
        // were delivered; the two later batches are not sent.
        assert_eq!((r.sent, r.suppressed), (2, 7));
        assert_eq!(sms.batches(), [3]);
        assert_eq!(sms.attempts().len(), 3);
    }

    #[test]
    fn rate_limits_hold_whatever_the_concurrency() {
        let notices: Vec<_> = (0..30)
            .map(|i| notice(i, Channel::Sms, &format!("a{i}")))
            .collect();
        let mut s = store_with(&notices);
        let sms = Arc::new(MemoryMessenger::new(Channel::Sms));
        let mut policy = DispatchPolicy {
            in_flight: 16,
            ..DispatchPolicy::default()
        };
        policy.rate_limits.insert(
            Channel::Sms,
            RateLimit {
                per_second: 4.0,
                burst: 5,
            },
        );
        let mut d = Dispatcher::new(policy).unwrap();
        d.register(sms.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        assert_eq!((r.sent, r.deferred), (5, 25));
        // 4 tokens a second: 0.5 s later 2 more; 2.5 s after that 10 would have come, but
        // the bucket holds 5.
        let r = d
            .dispatch_once(&mut s, t(0) + chrono::Duration::milliseconds(500))
            .unwrap();
        assert_eq!((r.sent, r.deferred), (2, 23));
        let r = d.dispatch_once(&mut s, t(3)).unwrap();
        assert_eq!((r.sent, r.deferred), (5, 18));
        assert_eq!(sms.attempts().len(), 12);
    }

    #[test]
    fn an_opt_out_during_the_round_stops_later_sends_to_that_address() {
        let notices: Vec<_> = (0..4)
            .map(|i| notice(i, Channel::Sms, "13800000001"))
            .collect();
        let mut s = store_with(&notices);
        let sms = Arc::new(MemoryMessenger::new(Channel::Sms));
        sms.push_outcome(Err(SendError::OptedOut {
            detail: "TD".into(),
        }));
        let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
        d.register(sms.clone());
        let r = d.dispatch_once(&mut s, t(0)).unwrap();
        assert_eq!((r.sent, r.suppressed), (0, 4));
        assert_eq!(sms.attempts().len(), 1, "only the first was sent");
        assert!(s.is_opted_out(Channel::Sms, "13800000001").unwrap());
    }

    /// A store that fails every `record_many` after the first `ok` ones.
    struct Failing {
        inner: MemoryStore,
        ok: usize,
    }

    impl crate::ports::OutboxDelivery for Failing {
        fn due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
            self.inner.due(now, limit)
        }
        fn record(&mut self, id: u64, result: &AttemptResult) -> Result<(), StoreError> {
            self.inner.record(id, result)
        }
        fn record_many(&mut self, results: &[(u64, AttemptResult)]) -> Result<(), StoreError> {
            if self.ok == 0 {
                return Err(StoreError::Backend {
                    detail: "disk full".into(),
                });
            }
            self.ok -= 1;
            self.inner.record_many(results)
        }
        fn receipt(
            &mut self,
            provider_msg_id: &str,
            status: &ReceiptStatus,
        ) -> Result<Option<u64>, StoreError> {
            self.inner.receipt(provider_msg_id, status)
        }
    }
    impl OutboxQueries for Failing {
        fn by_dedupe_key(&self, k: &str) -> Result<Option<OutboxEntry>, StoreError> {
            self.inner.by_dedupe_key(k)
        }
        fn list(&self, st: OutboxStatus, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
            self.inner.list(st, limit)
        }
    }
    impl OptOuts for Failing {
        fn set_opt_out(
            &mut self,
            c: Channel,
            a: &str,
            at: Timestamp,
            r: &str,
        ) -> Result<(), StoreError> {
            self.inner.set_opt_out(c, a, at, r)
        }
        fn clear_opt_out(&mut self, c: Channel, a: &str) -> Result<(), StoreError> {
            self.inner.clear_opt_out(c, a)
        }
        fn is_opted_out(&self, c: Channel, a: &str) -> Result<bool, StoreError> {
            self.inner.is_opted_out(c, a)
        }
    }

    /// A store failure stops the round: sends already made but not recorded stay pending (the
    /// documented window: at most the unrecorded batch plus two per sending thread), and no new
    /// send starts.
    #[test]
    fn a_store_failure_stops_new_sends() {
        let notices: Vec<_> = (0..400)
            .map(|i| notice(i, Channel::Sms, &format!("a{i}")))
            .collect();
        let mut s = Failing {
            inner: store_with(&notices),
            ok: 2,
        };
        let sms = Arc::new(Slow::new(Channel::Sms, 1));
        let mut d = Dispatcher::new(DispatchPolicy {
            in_flight: 4,
            record_batch: 10,
            batch_size: 400,
            ..DispatchPolicy::default()
        })
        .unwrap();
        d.register(sms.clone());
        let err = d.dispatch_once(&mut s, t(0)).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let sent = s.inner.list(OutboxStatus::Sent, usize::MAX).unwrap().len();
        assert_eq!(sent, 20, "two batches of 10 recorded");
        let calls = sms.calls.lock().unwrap().len();
        // The third batch (10) failed to record; each of the 4 senders may have had one answer
        // waiting for the recorder (the channel holds 4) and one send under way.
        assert!((30..=30 + 2 * 4).contains(&calls), "{calls} sends");
    }
}
