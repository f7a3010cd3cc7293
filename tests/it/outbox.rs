//! The outbox end to end: events and notices appended to the SQLite store, dispatched through
//! memory and webhook messengers, with random failures, receipts, opt-outs and rate limits.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::TimeZone;
use gridserve::messengers::receiver::{Reply, WebhookReceiver};
use gridserve::messengers::{WebhookConfig, WebhookMessenger};
use gridserve::outbox::{DispatchPolicy, Dispatcher, MemoryMessenger, RandomFailures, RateLimit};
use gridserve::ports::{
    Channel, Clock, EventStore, ManualClock, MessageCategory, NewEvent, OptOuts, OutboundMessage,
    OutboxQueries, OutboxStatus, ReceiptStatus, Timestamp, china_offset,
};
use gridserve::sqlite::{SqliteOptions, SqliteStore, Synchronous};

fn t0() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 7, 14, 15, 30, 0)
        .single()
        .unwrap()
}

/// A store holding `n` notices of `stream` (version 1, after one outage event) on `channel`,
/// and the notices.
fn stocked(
    stream: &str,
    n: usize,
    channel: Channel,
) -> (tempfile::TempDir, SqliteStore, Vec<OutboundMessage>) {
    let (dir, mut s) = store();
    let notices: Vec<_> = (0..n).map(|i| notice(stream, 1, i, channel)).collect();
    s.append(stream, 0, &[outage_event()], &notices).unwrap();
    (dir, s, notices)
}

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let opts = SqliteOptions {
        synchronous: Synchronous::Normal,
        ..SqliteOptions::default()
    };
    let s = SqliteStore::open_with(dir.path().join("outbox.db"), &opts).unwrap();
    (dir, s)
}

fn notice(stream: &str, version: u64, i: usize, channel: Channel) -> OutboundMessage {
    let address = format!("1380000{i:04}");
    OutboundMessage {
        dedupe_key: format!("{stream}/{version}/{address}/{channel}"),
        stream: stream.into(),
        stream_version: version,
        channel,
        address,
        customer: Some(format!("01{i:05}")),
        template: "outage.detected".into(),
        fields: vec![("phrase1".into(), "故障停电".into())],
        text: Some("您所在区域因故障停电，正在抢修".into()),
        link: None,
        category: MessageCategory::Urgent,
        not_before: t0(),
        expires_at: None,
        supersede_key: None,
    }
}

fn outage_event() -> NewEvent {
    NewEvent {
        event_type: "outage.scoped".into(),
        payload_json: r#"{"feeder":"F012"}"#.into(),
        actor: "system".into(),
        at: t0(),
    }
}

/// Fault test: a messenger failing at random, transiently and permanently, over thousands of
/// notices. Every notice ends sent exactly once, dead-lettered with its reason, or suppressed
/// with its reason; none is handed over twice; calls per notice match its recorded attempts.
#[test]
fn random_failures_end_in_exactly_once_or_a_dead_letter_with_reason() {
    random_failures_with(1, 1);
}

/// The same with 8 sends in flight.
#[test]
fn random_failures_with_sends_in_flight_end_in_exactly_once_or_a_dead_letter() {
    random_failures_with(8, 1);
}

/// The same with batches of 50 notices per send, one and 4 requests in flight.
#[test]
fn random_failures_with_batched_sends_end_in_exactly_once_or_a_dead_letter() {
    random_failures_with(1, 50);
    random_failures_with(4, 50);
}

fn random_failures_with(in_flight: usize, max_batch: usize) {
    const N: usize = 3_000;
    let (_dir, mut s, notices) = stocked("outage/O-1", N, Channel::Sms);

    let sms = Arc::new(
        MemoryMessenger::new(Channel::Sms)
            .with_random_failures(RandomFailures {
                transient: 0.30,
                throttled: 0.05,
                unreachable: 0.02,
                opted_out: 0.01,
                invalid: 0.02,
                auth: 0.03,
                throttle_ms: 1_000,
                seed: 20_260_714,
            })
            .with_max_batch(max_batch),
    );
    let policy = DispatchPolicy {
        record_batch: 7,
        in_flight,
        ..DispatchPolicy::default()
    };
    let mut d = Dispatcher::new(policy).unwrap();
    d.register(sms.clone());
    let clock = ManualClock::new(t0());
    let mut rounds = 0;
    while s.counts().unwrap().pending > 0 {
        d.run_until_idle(&mut s, &clock).unwrap();
        // Past the longest backoff (100 s) every retry is due again.
        clock.advance(chrono::Duration::seconds(101));
        rounds += 1;
        assert!(rounds < 50, "the outbox does not drain");
    }

    let calls = sms.attempts();
    let mut calls_per_key: HashMap<&str, u32> = HashMap::new();
    let mut delivered_per_key: HashMap<&str, u32> = HashMap::new();
    for c in &calls {
        *calls_per_key.entry(&c.message.dedupe_key).or_default() += 1;
        if c.outcome.is_ok() {
            *delivered_per_key.entry(&c.message.dedupe_key).or_default() += 1;
        }
    }
    let counts = s.counts().unwrap();
    assert_eq!(
        (counts.sent + counts.dead + counts.suppressed) as usize,
        N,
        "{counts:?}"
    );
    for n in &notices {
        let e = s.by_dedupe_key(&n.dedupe_key).unwrap().unwrap();
        let key = n.dedupe_key.as_str();
        let delivered = delivered_per_key.get(key).copied().unwrap_or(0);
        let called = calls_per_key.get(key).copied().unwrap_or(0);
        assert!(e.attempts <= 8, "{key}: {} attempts", e.attempts);
        match e.status {
            OutboxStatus::Sent => {
                assert_eq!(delivered, 1, "{key} sent but handed over {delivered} times");
                assert_eq!(called, e.attempts, "{key}");
                assert!(e.sent_at.is_some());
            }
            OutboxStatus::Dead => {
                assert_eq!(delivered, 0, "{key}");
                assert_eq!(called, e.attempts, "{key}");
                let reason = e.last_error.unwrap();
                assert!(
                    reason.starts_with("gave up after 8 attempts: ")
                        || (reason.starts_with("gave up after ")
                            && reason.contains(" attempts: authentication failed"))
                        || reason.starts_with("recipient unreachable: ")
                        || reason.starts_with("invalid message"),
                    "{key}: {reason}"
                );
            }
            OutboxStatus::Suppressed => {
                assert_eq!(delivered, 0, "{key}");
                assert!(e.last_error.unwrap().contains("opted out"));
                assert!(s.is_opted_out(Channel::Sms, &n.address).unwrap());
            }
            OutboxStatus::Pending => unreachable!("drained"),
        }
    }
    assert!(delivered_per_key.values().all(|n| *n == 1));
    // With these rates most notices get through: a notice is lost only to a permanent
    // failure (8 % per attempt, unreachable + opted out + invalid + auth twice) or to eight
    // transient failures in a row (0.35^8 ≈ 0.02 %). Expect roughly 85-95 % sent.
    assert!(counts.sent as usize > N * 80 / 100, "{counts:?}");
    assert!(counts.dead > 0 && counts.suppressed > 0, "{counts:?}");
}

/// Batches over HTTP under random faults: the receiver answers each notice of a batch with a
/// random class, and fails whole requests at random (429 with `Retry-After`, 503, a reset
/// connection). Every notice ends sent after exactly one delivered answer, or dead-lettered
/// or suppressed after none; the receiver saw each notice once per recorded attempt.
#[test]
fn webhook_batches_under_random_faults_keep_exactly_once() {
    use gridserve::messengers::{BatchItemAnswer, BatchItemStatus};
    const N: usize = 2_000;
    let (_dir, mut s, notices) = stocked("outage/O-5", N, Channel::Webhook);
    // A xorshift generator shared by the receiver's threads (the order of draws varies from
    // run to run; the properties checked hold for every order).
    let rng = Arc::new(std::sync::Mutex::new(0x9E37_79B9_7F4A_7C15_u64));
    let draw = move |rng: &std::sync::Mutex<u64>| {
        let mut x = rng.lock().unwrap();
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x >> 11) as f64 / (1u64 << 53) as f64
    };
    let seen = Arc::new(std::sync::Mutex::new(HashMap::<String, (u32, u32)>::new()));
    let (rng_w, seen_w) = (rng.clone(), seen.clone());
    let (rng_i, seen_i) = (rng, seen.clone());
    let rx = WebhookReceiver::start_batch(
        move |req| {
            let u = draw(&rng_w);
            let fault = if u < 0.05 {
                Some(Reply::status(429).with_header("Retry-After", "1"))
            } else if u < 0.10 {
                Some(Reply::status(503))
            } else if u < 0.13 {
                Some(Reply::reset())
            } else {
                None
            };
            if fault.is_some() {
                // The notices were seen but none was delivered.
                let keys: Vec<String> =
                    match serde_json::from_slice::<Vec<OutboundMessage>>(&req.body) {
                        Ok(v) => v.into_iter().map(|m| m.dedupe_key).collect(),
                        Err(_) => serde_json::from_slice::<OutboundMessage>(&req.body)
                            .map(|m| vec![m.dedupe_key])
                            .unwrap_or_default(),
                    };
                let mut seen = seen_w.lock().unwrap();
                for k in keys {
                    seen.entry(k).or_default().0 += 1;
                }
            }
            fault
        },
        move |m| {
            let u = draw(&rng_i);
            let a = BatchItemAnswer::new;
            let answer = if u < 0.20 {
                a(BatchItemStatus::Transient).with_detail("busy")
            } else if u < 0.24 {
                BatchItemAnswer {
                    retry_after_s: Some(1),
                    ..a(BatchItemStatus::Throttled)
                }
            } else if u < 0.26 {
                a(BatchItemStatus::Unreachable).with_detail("no inbox")
            } else if u < 0.27 {
                a(BatchItemStatus::OptedOut).with_detail("unsubscribed")
            } else if u < 0.29 {
                a(BatchItemStatus::Invalid).with_detail("template")
            } else if u < 0.31 {
                a(BatchItemStatus::Auth).with_detail("token")
            } else {
                a(BatchItemStatus::Delivered)
            };
            let mut seen = seen_i.lock().unwrap();
            let e = seen.entry(m.dedupe_key.clone()).or_default();
            e.0 += 1;
            e.1 += u32::from(answer.status == BatchItemStatus::Delivered);
            answer
        },
    )
    .unwrap();
    let mut config = WebhookConfig::new(rx.url());
    config.batch_size = 64;
    let mut d = Dispatcher::new(DispatchPolicy {
        in_flight: 4,
        record_batch: 100,
        batch_size: 500,
        ..DispatchPolicy::default()
    })
    .unwrap();
    d.register(Arc::new(WebhookMessenger::new(config).unwrap()));
    let clock = ManualClock::new(t0());
    let mut rounds = 0;
    while s.counts().unwrap().pending > 0 {
        d.run_until_idle(&mut s, &clock).unwrap();
        clock.advance(chrono::Duration::seconds(101));
        rounds += 1;
        assert!(rounds < 60, "the outbox does not drain");
    }
    let seen = seen.lock().unwrap();
    let mut by_status: HashMap<OutboxStatus, usize> = HashMap::new();
    for n in &notices {
        let e = s.by_dedupe_key(&n.dedupe_key).unwrap().unwrap();
        let (calls, delivered) = seen.get(&n.dedupe_key).copied().unwrap_or_default();
        *by_status.entry(e.status).or_default() += 1;
        assert_eq!(calls, e.attempts, "{}", n.dedupe_key);
        match e.status {
            OutboxStatus::Sent => assert_eq!(delivered, 1, "{}", n.dedupe_key),
            OutboxStatus::Dead | OutboxStatus::Suppressed => {
                assert_eq!(delivered, 0, "{}", n.dedupe_key);
                assert!(e.last_error.is_some_and(|r| !r.is_empty()));
            }
            OutboxStatus::Pending => unreachable!("drained"),
        }
    }
    // Per attempt: 13 % whole-request faults, then 31 % item faults of which 7 points are
    // permanent (and auth twice): roughly 85-93 % end sent.
    let sent = by_status.get(&OutboxStatus::Sent).copied().unwrap_or(0);
    assert!(sent > N * 75 / 100 && sent < N * 98 / 100, "{by_status:?}");
    assert!(by_status.contains_key(&OutboxStatus::Dead), "{by_status:?}");
    assert!(
        by_status.contains_key(&OutboxStatus::Suppressed),
        "{by_status:?}"
    );
    // Batches: far fewer requests than attempts.
    let attempts: u32 = seen.values().map(|v| v.0).sum();
    assert!(
        rx.count() * 10 < attempts as usize,
        "{} requests",
        rx.count()
    );
}

/// The whole path over HTTP: the receiver fails each notice's first post with 503, accepts
/// the second; every notice is accepted exactly once.
#[test]
fn webhook_delivery_with_retries_accepts_each_notice_once() {
    let (_dir, mut s, _) = stocked("outage/O-2", 40, Channel::Webhook);
    let seen = Arc::new(std::sync::Mutex::new(HashMap::<String, u32>::new()));
    let seen_rx = seen.clone();
    let rx = WebhookReceiver::start(move |req| {
        let key = req.header("Idempotency-Key").unwrap_or("").to_string();
        let mut seen = seen_rx.lock().unwrap();
        let n = seen.entry(key).or_default();
        *n += 1;
        if *n == 1 {
            Reply::status(503)
        } else {
            Reply::status(200)
        }
    })
    .unwrap();
    let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
    d.register(Arc::new(
        WebhookMessenger::new(WebhookConfig::new(rx.url())).unwrap(),
    ));
    let clock = ManualClock::new(t0());
    let first = d.run_until_idle(&mut s, &clock).unwrap();
    assert_eq!((first.retried, first.sent), (40, 0));
    // The first retry waits at most 1 s (full jitter over [0, 1 s]).
    clock.advance(chrono::Duration::seconds(1));
    let second = d.run_until_idle(&mut s, &clock).unwrap();
    assert_eq!(second.sent, 40);
    assert_eq!(s.counts().unwrap().sent, 40);
    assert!(seen.lock().unwrap().values().all(|n| *n == 2));
    assert_eq!(rx.count(), 80);
    // Nothing more is due, ever.
    clock.advance(chrono::Duration::days(3));
    assert_eq!(d.run_until_idle(&mut s, &clock).unwrap().fetched, 0);
    assert_eq!(rx.count(), 80);
}

/// Concurrent posts reuse keep-alive connections: 16 in flight open about 16 connections for
/// 600 notices, and the receiver sees several requests at once.
#[test]
fn concurrent_webhook_sends_reuse_their_connections() {
    const N: usize = 600;
    let (_dir, mut s, _) = stocked("outage/O-9", N, Channel::Webhook);
    let o = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let m = most.clone();
    let rx = WebhookReceiver::start(move |_| {
        let n = o.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(n, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(1));
        o.fetch_sub(1, Ordering::SeqCst);
        Reply::status(200)
    })
    .unwrap();
    let mut d = Dispatcher::new(DispatchPolicy {
        in_flight: 16,
        record_batch: 64,
        batch_size: 200,
        ..DispatchPolicy::default()
    })
    .unwrap();
    d.register(Arc::new(
        WebhookMessenger::new(WebhookConfig::new(rx.url())).unwrap(),
    ));
    let clock = ManualClock::new(t0());
    let r = d.run_until_idle(&mut s, &clock).unwrap();
    assert_eq!(r.sent, N);
    assert_eq!(rx.count(), N);
    let keys: std::collections::HashSet<_> = rx
        .received()
        .iter()
        .map(|r| r.header("Idempotency-Key").unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), N, "each notice posted once");
    assert!(most.load(Ordering::SeqCst) > 1, "sends overlapped");
    // Three rounds of up to 16 lanes each; a lane's connection goes back to the pool between
    // sends and rounds. Without reuse every post would open one (600).
    assert!(
        rx.connections() <= 3 * 16,
        "{} connections for {N} posts",
        rx.connections()
    );
}

#[test]
fn user_blocked_receipts_opt_the_address_out() {
    let (_dir, mut s) = store();
    let a = notice("bill/B-1", 1, 7, Channel::WechatTemplate);
    s.append("bill/B-1", 0, &[outage_event()], std::slice::from_ref(&a))
        .unwrap();
    let wx = Arc::new(MemoryMessenger::accepting(Channel::WechatTemplate));
    let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
    d.register(wx.clone());
    let clock = ManualClock::new(t0());
    assert_eq!(d.run_until_idle(&mut s, &clock).unwrap().sent, 1);
    let sent = s.by_dedupe_key(&a.dedupe_key).unwrap().unwrap();
    assert_eq!(sent.provider_msg_id.as_deref(), Some("mem-1"));

    assert_eq!(
        d.on_receipt(&mut s, "unknown", &ReceiptStatus::Delivered, clock.now())
            .unwrap(),
        None
    );
    assert_eq!(
        d.on_receipt(&mut s, "mem-1", &ReceiptStatus::UserBlocked, clock.now())
            .unwrap(),
        Some(sent.id)
    );
    assert!(s.is_opted_out(Channel::WechatTemplate, &a.address).unwrap());
    // The next notice to that address is suppressed without a send.
    let mut b = notice("bill/B-1", 2, 7, Channel::WechatTemplate);
    b.not_before = clock.now();
    s.append("bill/B-1", 1, &[outage_event()], &[b.clone()])
        .unwrap();
    let r = d.run_until_idle(&mut s, &clock).unwrap();
    assert_eq!((r.sent, r.suppressed), (0, 1));
    assert_eq!(wx.attempts().len(), 1);
    let e = s.by_dedupe_key(&b.dedupe_key).unwrap().unwrap();
    assert_eq!(e.status, OutboxStatus::Suppressed);
}

#[test]
fn rate_limits_defer_without_counting_attempts() {
    let (_dir, mut s, _) = stocked("outage/O-3", 20, Channel::Sms);
    let sms = Arc::new(MemoryMessenger::new(Channel::Sms));
    let mut policy = DispatchPolicy::default();
    policy.rate_limits.insert(
        Channel::Sms,
        RateLimit {
            per_second: 10.0,
            burst: 5,
        },
    );
    let mut d = Dispatcher::new(policy).unwrap();
    d.register(sms.clone());
    let clock = ManualClock::new(t0());
    let r = d.dispatch_once(&mut s, clock.now()).unwrap();
    // Burst of 5, the other 15 wait.
    assert_eq!((r.fetched, r.sent, r.deferred), (20, 5, 15));
    assert!(
        s.list(OutboxStatus::Pending, 100)
            .unwrap()
            .iter()
            .all(|e| e.attempts == 0)
    );
    // 10 per second, but the bucket holds 5: one second later five more.
    clock.advance(chrono::Duration::seconds(1));
    let r = d.dispatch_once(&mut s, clock.now()).unwrap();
    assert_eq!((r.sent, r.deferred), (5, 10));
    // The loop waits for tokens (0.1 s each) through the caller's `wait`.
    let waits = AtomicUsize::new(0);
    let total = d
        .run(&mut s, &clock, |pause| {
            waits.fetch_add(1, Ordering::SeqCst);
            assert!(pause <= Duration::from_millis(1_000));
            clock.advance(chrono::Duration::from_std(pause).unwrap());
            if waits.load(Ordering::SeqCst) > 20 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(total.sent, 10);
    assert_eq!(sms.delivered().len(), 20);
    assert_eq!(s.counts().unwrap().sent, 20);
}

#[test]
fn channels_without_a_messenger_are_dead_lettered_and_superseded_notices_never_sent() {
    let (_dir, mut s) = store();
    let mut p1 = notice("outage/O-4", 1, 1, Channel::App);
    p1.supersede_key = Some("O-4/1/progress".into());
    let mut p2 = notice("outage/O-4", 2, 1, Channel::App);
    p2.supersede_key = Some("O-4/1/progress".into());
    let sms = notice("outage/O-4", 1, 2, Channel::Sms);
    s.append(
        "outage/O-4",
        0,
        &[outage_event()],
        &[p1.clone(), sms.clone()],
    )
    .unwrap();
    s.append("outage/O-4", 1, &[outage_event()], &[p2.clone()])
        .unwrap();
    let app = Arc::new(MemoryMessenger::new(Channel::App));
    let mut d = Dispatcher::new(DispatchPolicy::default()).unwrap();
    d.register(app.clone());
    let clock = ManualClock::new(t0());
    let r = d.run_until_idle(&mut s, &clock).unwrap();
    assert_eq!((r.sent, r.dead), (1, 1));
    assert_eq!(app.delivered(), vec![p2]);
    let dead = s.list(OutboxStatus::Dead, 10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].message.dedupe_key, sms.dedupe_key);
    assert_eq!(
        dead[0].last_error.as_deref(),
        Some("no messenger for channel sms")
    );
    assert_eq!(
        s.by_dedupe_key(&p1.dedupe_key).unwrap().unwrap().status,
        OutboxStatus::Suppressed
    );
}
