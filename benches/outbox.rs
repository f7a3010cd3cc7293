//! Outbox benchmarks against DESIGN §4: durable appends per second (SQLite, `synchronous`
//! FULL and NORMAL), a storm of 200,000 affected customers' notices enqueued durably in one
//! transaction (target ≤ 5 s), and dispatch throughput to a webhook receiver on 127.0.0.1
//! (target ≥ 50,000 notices/s) with one send at a time, with sends in flight, and with
//! batched requests of 100 and 500 notices, on SQLite and, with the `postgres` feature, on
//! PostgreSQL (storm enqueue and dispatch).
//!
//! Run with `cargo bench --bench outbox --features postgres` (without the feature the
//! PostgreSQL benchmarks are skipped). The PostgreSQL ones start a private throwaway cluster
//! from Debian's `postgresql` package (see docs/postgres.md), or use `GRIDSERVE_PG_URL`. The
//! 200,000-notice storm figures are printed before criterion's timings. SQLite databases live
//! in a temporary directory (set `TMPDIR` to put them on the disk you want to measure).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use gridserve::messengers::receiver::WebhookReceiver;
use gridserve::messengers::{WebhookConfig, WebhookMessenger};
use gridserve::outbox::{DispatchPolicy, Dispatcher, MemoryMessenger};
use gridserve::ports::memory::MemoryStore;
use gridserve::ports::{Channel, EventStore, ManualClock, OutboundMessage, OutboxStore};
use gridserve::sqlite::{SqliteOptions, SqliteStore, Synchronous};
use gridserve::synth::storm::{storm_event, storm_notice, storm_start};

const STORM: usize = 200_000;

fn open(dir: &tempfile::TempDir, name: &str, sync: Synchronous) -> SqliteStore {
    let d = SqliteOptions::default();
    open_cached(dir, name, sync, (d.cache_kib, d.wal_autocheckpoint_pages))
}

/// The same with a page cache of `cache_kib` and a checkpoint every `pages` log pages.
fn open_cached(
    dir: &tempfile::TempDir,
    name: &str,
    sync: Synchronous,
    (cache_kib, pages): (u32, u32),
) -> SqliteStore {
    let opts = SqliteOptions {
        synchronous: sync,
        cache_kib,
        wal_autocheckpoint_pages: pages,
        ..SqliteOptions::default()
    };
    SqliteStore::open_with(dir.path().join(name), &opts).expect("open")
}

/// The page cache of the batched storm runs (KiB).
const BATCHED_CACHE_KIB: u32 = 65_536;
/// The log pages between checkpoints of the last batched runs (SQLite's default is 1,000).
const BATCHED_CHECKPOINT_PAGES: u32 = 100_000;

/// Enqueues the storm in one append and dispatches it to a local webhook receiver.
fn storm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notices: Vec<OutboundMessage> = (0..STORM)
        .map(|i| storm_notice("outage/O-17", 1, i))
        .collect();
    let mut best = Duration::MAX;
    let mut store = None;
    for run in 0..3 {
        let mut s = open(&dir, &format!("storm-{run}.db"), Synchronous::Full);
        let start = Instant::now();
        let done = s
            .append("outage/O-17", 0, &[storm_event(1)], &notices)
            .expect("append");
        let took = start.elapsed();
        assert_eq!(done.enqueued, STORM);
        best = best.min(took);
        println!(
            "storm enqueue (synchronous=FULL, one transaction): {STORM} notices in {:.2} s = {:.0} notices/s",
            took.as_secs_f64(),
            STORM as f64 / took.as_secs_f64()
        );
        store = Some(s);
    }
    println!(
        "storm enqueue best of 3: {:.2} s (target ≤ 5 s)",
        best.as_secs_f64()
    );

    let Some(mut s) = store else { return };
    let rx = WebhookReceiver::counting().expect("receiver");
    let took = dispatch_all(&mut s, &rx, STORM_IN_FLIGHT, STORM, 1);
    println!(
        "storm dispatch to a local webhook (SQLite synchronous=FULL, in_flight={STORM_IN_FLIGHT}, record_batch={RECORD_BATCH}, one notice per request): {STORM} notices in {:.2} s = {:.0} notices/s ({} connections)",
        took.as_secs_f64(),
        STORM as f64 / took.as_secs_f64(),
        rx.connections()
    );
    let default_pages = SqliteOptions::default().wal_autocheckpoint_pages;
    for (webhook_batch, pages) in [
        (WEBHOOK_BATCHES[0], default_pages),
        (WEBHOOK_BATCHES[1], default_pages),
        (WEBHOOK_BATCHES[0], BATCHED_CHECKPOINT_PAGES),
    ] {
        let mut s = open_cached(
            &dir,
            &format!("storm-batch-{webhook_batch}-{pages}.db"),
            Synchronous::Full,
            (BATCHED_CACHE_KIB, pages),
        );
        s.append("outage/O-17", 0, &[storm_event(1)], &notices)
            .expect("append");
        let rx = WebhookReceiver::counting().expect("receiver");
        let took = dispatch_all(&mut s, &rx, STORM_IN_FLIGHT, STORM, webhook_batch);
        assert_eq!(rx.items(), STORM);
        println!(
            "storm dispatch to a local webhook (SQLite synchronous=FULL, cache {BATCHED_CACHE_KIB} KiB, checkpoint every {pages} pages, rounds of {BATCHED_ROUND}, record_batch={BATCHED_RECORD}, {} notices per request, {} requests): {STORM} notices in {:.2} s = {:.0} notices/s",
            webhook_batch,
            rx.count(),
            took.as_secs_f64(),
            STORM as f64 / took.as_secs_f64(),
        );
    }
    let clock = ManualClock::new(storm_start());
    ceilings(&dir, &rx);

    // The strict setting: one commit per result.
    let n = 5_000;
    let mut s = open(&dir, "strict.db", Synchronous::Full);
    let few: Vec<_> = (0..n).map(|i| storm_notice("outage/O-18", 1, i)).collect();
    s.append("outage/O-18", 0, &[storm_event(1)], &few)
        .expect("append");
    let mut d = Dispatcher::new(DispatchPolicy::default()).expect("policy");
    d.register(Arc::new(
        WebhookMessenger::new(WebhookConfig::new(rx.url())).expect("webhook"),
    ));
    let start = Instant::now();
    let report = d.run_until_idle(&mut s, &clock).expect("dispatch");
    let took = start.elapsed();
    assert_eq!(report.sent, n);
    println!(
        "dispatch to a local webhook (synchronous=FULL, record_batch=1): {n} notices in {:.1} s = {:.0} notices/s",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}

/// Where the time goes: the same dispatch with one side made free. The store alone (SQLite,
/// `synchronous = FULL`, to a messenger that does no I/O) and the HTTP path alone (the memory
/// store to the local receiver), each for 50,000 notices, with the CPU they cost.
fn ceilings(dir: &tempfile::TempDir, rx: &WebhookReceiver) {
    const N: usize = 50_000;
    let notices: Vec<OutboundMessage> = (0..N).map(|i| storm_notice("outage/O-19", 1, i)).collect();
    let clock = ManualClock::new(storm_start());
    let mut s = open(dir, "ceiling.db", Synchronous::Full);
    s.append("outage/O-19", 0, &[storm_event(1)], &notices)
        .expect("append");
    let (default_cache, default_pages) = {
        let d = SqliteOptions::default();
        (d.cache_kib, d.wal_autocheckpoint_pages)
    };
    for (k, (round, record, cache, pages)) in [
        (4_096, RECORD_BATCH, default_cache, default_pages),
        (BATCHED_ROUND, BATCHED_RECORD, default_cache, default_pages),
        (
            BATCHED_ROUND,
            BATCHED_RECORD,
            BATCHED_CACHE_KIB,
            default_pages,
        ),
        (N, N, BATCHED_CACHE_KIB, default_pages),
        (
            BATCHED_ROUND,
            BATCHED_RECORD,
            BATCHED_CACHE_KIB,
            BATCHED_CHECKPOINT_PAGES,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = open_cached(
            dir,
            &format!("ceiling-{k}.db"),
            Synchronous::Full,
            (cache, pages),
        );
        s.append("outage/O-19", 0, &[storm_event(1)], &notices)
            .expect("append");
        let policy = DispatchPolicy {
            batch_size: round,
            record_batch: record,
            ..DispatchPolicy::default()
        };
        let mut d = Dispatcher::new(policy).expect("policy");
        d.register(Arc::new(
            MemoryMessenger::new(Channel::Webhook).with_max_batch(100),
        ));
        let (cpu, start) = (cpu_seconds(), Instant::now());
        assert_eq!(d.run_until_idle(&mut s, &clock).expect("dispatch").sent, N);
        let took = start.elapsed().as_secs_f64();
        println!(
            "  store alone (SQLite FULL, no-I/O messenger, cache {cache} KiB, checkpoint every {pages} pages, rounds of {round}, record_batch={record}): {:.0} notices/s, CPU {:.1} µs per notice",
            N as f64 / took,
            (cpu_seconds() - cpu) * 1e6 / N as f64
        );
    }
    for (in_flight, webhook_batch) in [
        (1, 1),
        (STORM_IN_FLIGHT, 1),
        (STORM_IN_FLIGHT, WEBHOOK_BATCHES[0]),
    ] {
        let mut m = MemoryStore::new();
        m.append("outage/O-19", 0, &[storm_event(1)], &notices)
            .expect("append");
        let (cpu, start) = (cpu_seconds(), Instant::now());
        dispatch_all(&mut m, rx, in_flight, N, webhook_batch);
        let took = start.elapsed().as_secs_f64();
        println!(
            "  HTTP alone (memory store to the local receiver, in_flight={in_flight}, {webhook_batch} per request): {:.0} notices/s, CPU {:.1} µs per notice",
            N as f64 / took,
            (cpu_seconds() - cpu) * 1e6 / N as f64
        );
    }
}

/// Sends in flight per channel in the concurrent runs.
const STORM_IN_FLIGHT: usize = 32;
/// Results per transaction in the throughput runs of one notice per request.
const RECORD_BATCH: usize = 512;
/// Notices per webhook request in the batched storm runs.
const WEBHOOK_BATCHES: [usize; 2] = [100, 500];
/// Notices per timed dispatch in the criterion throughput benchmarks.
const DISPATCH_N: usize = 10_000;

/// The dispatch policy of the throughput runs: with batched requests, larger rounds and
/// record transactions (the store is then the limit).
fn storm_policy(in_flight: usize, webhook_batch: usize) -> DispatchPolicy {
    let (batch_size, record_batch) = if webhook_batch > 1 {
        (BATCHED_ROUND, BATCHED_RECORD)
    } else {
        (4_096, RECORD_BATCH)
    };
    DispatchPolicy {
        batch_size,
        record_batch,
        in_flight,
        ..DispatchPolicy::default()
    }
}

/// Entries per round with batched requests.
const BATCHED_ROUND: usize = 16_384;
/// Results per transaction with batched requests.
const BATCHED_RECORD: usize = 4_096;

/// CPU seconds used by this process so far (user + system, all threads: the dispatcher, its
/// senders and the receiver), from `/proc/self/stat`; 0 where that is not available.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which ends with ')'): utime and stime are the 12th and
    // 13th, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    match (f.get(11), f.get(12)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => 0.0,
    }
}

/// Dispatches everything due in `store` to `rx` and returns the time it took; checks that
/// `n` were sent.
fn dispatch_all<S: OutboxStore + ?Sized>(
    store: &mut S,
    rx: &WebhookReceiver,
    in_flight: usize,
    n: usize,
    webhook_batch: usize,
) -> Duration {
    let mut config = WebhookConfig::new(rx.url());
    config.max_idle_connections = in_flight.max(1);
    config.batch_size = webhook_batch;
    let mut d = Dispatcher::new(storm_policy(in_flight, webhook_batch)).expect("policy");
    d.register(Arc::new(WebhookMessenger::new(config).expect("webhook")));
    let clock = ManualClock::new(storm_start());
    let cpu = cpu_seconds();
    let start = Instant::now();
    let report = d.run_until_idle(store, &clock).expect("dispatch");
    let took = start.elapsed();
    assert_eq!(report.sent, n);
    if n >= STORM {
        println!(
            "  (CPU {:.1} µs per notice over {} cores: dispatcher, senders and receiver together)",
            (cpu_seconds() - cpu) * 1e6 / n as f64,
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        );
    }
    took
}

/// Criterion's dispatch throughput: each iteration enqueues `DISPATCH_N` notices (not
/// timed) and dispatches them (timed).
fn dispatch_group<S: OutboxStore + EventStore>(
    c: &mut Criterion,
    name: &str,
    mut open: impl FnMut(usize) -> S,
) {
    let rx = WebhookReceiver::counting().expect("receiver");
    let mut g = c.benchmark_group(format!("dispatch_{name}"));
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(DISPATCH_N as u64));
    let mut run = 0usize;
    for in_flight in [1, 8, STORM_IN_FLIGHT] {
        g.bench_function(format!("{DISPATCH_N}_notices_in_flight_{in_flight}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    run += 1;
                    let mut store = open(run);
                    let stream = format!("outage/B-{run}");
                    let ns: Vec<_> = (0..DISPATCH_N)
                        .map(|i| storm_notice(&stream, 1, i))
                        .collect();
                    store
                        .append(&stream, 0, &[storm_event(1)], &ns)
                        .expect("append");
                    total += dispatch_all(&mut store, &rx, in_flight, DISPATCH_N, 1);
                }
                total
            });
        });
    }
    g.finish();
}

fn dispatch_sqlite(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    dispatch_group(c, "sqlite_full", move |run| {
        let opts = SqliteOptions::default();
        SqliteStore::open_with(path.join(format!("dispatch-{run}.db")), &opts).expect("open")
    });
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;
    use gridserve::postgres::{PgOptions, PostgresStore, TempCluster};

    /// A server: `GRIDSERVE_PG_URL`, else a private cluster (kept alive by the returned value).
    pub(super) fn server() -> Option<(String, Option<TempCluster>)> {
        if let Ok(url) = std::env::var("GRIDSERVE_PG_URL")
            && !url.trim().is_empty()
        {
            return Some((url, None));
        }
        match TempCluster::start() {
            Ok(c) => Some((c.url("postgres"), Some(c))),
            Err(e) => {
                println!("PostgreSQL benchmarks skipped: no server ({e})");
                None
            }
        }
    }

    pub(super) fn open(url: &str, schema: &str) -> PostgresStore {
        let opts = PgOptions {
            schema: schema.into(),
            ..PgOptions::default()
        };
        PostgresStore::connect_with(url, &opts).expect("connect")
    }

    /// The storm on PostgreSQL: printed figures for a 200,000-notice enqueue and dispatch.
    pub(super) fn storm(url: &str) {
        let notices: Vec<OutboundMessage> = (0..STORM)
            .map(|i| storm_notice("outage/O-17", 1, i))
            .collect();
        let mut s = open(url, "storm_print");
        let start = Instant::now();
        let done = s
            .append("outage/O-17", 0, &[storm_event(1)], &notices)
            .expect("append");
        let took = start.elapsed();
        assert_eq!(done.enqueued, STORM);
        println!(
            "storm enqueue on PostgreSQL (one transaction): {STORM} notices in {:.2} s = {:.0} notices/s",
            took.as_secs_f64(),
            STORM as f64 / took.as_secs_f64()
        );
        let rx = WebhookReceiver::counting().expect("receiver");
        let took = dispatch_all(&mut s, &rx, STORM_IN_FLIGHT, STORM, 1);
        println!(
            "storm dispatch to a local webhook (PostgreSQL, in_flight={STORM_IN_FLIGHT}, record_batch={RECORD_BATCH}, one notice per request): {STORM} notices in {:.2} s = {:.0} notices/s ({} connections)",
            took.as_secs_f64(),
            STORM as f64 / took.as_secs_f64(),
            rx.connections()
        );
        for webhook_batch in WEBHOOK_BATCHES {
            let mut s = open(url, &format!("storm_print_b{webhook_batch}"));
            s.append("outage/O-17", 0, &[storm_event(1)], &notices)
                .expect("append");
            let rx = WebhookReceiver::counting().expect("receiver");
            let took = dispatch_all(&mut s, &rx, STORM_IN_FLIGHT, STORM, webhook_batch);
            assert_eq!(rx.items(), STORM);
            println!(
                "storm dispatch to a local webhook (PostgreSQL, {} notices per request, {} requests): {STORM} notices in {:.2} s = {:.0} notices/s",
                webhook_batch,
                rx.count(),
                took.as_secs_f64(),
                STORM as f64 / took.as_secs_f64(),
            );
        }
    }

    pub(super) fn benches(c: &mut Criterion) {
        let Some((url, _cluster)) = server() else {
            return;
        };
        storm(&url);
        let u = url.clone();
        dispatch_group(c, "postgres", move |run| {
            open(&u, &format!("dispatch_{run}"))
        });

        let notices: Vec<OutboundMessage> = (0..STORM)
            .map(|i| storm_notice("outage/O-17", 1, i))
            .collect();
        let mut g = c.benchmark_group("storm_enqueue_postgres");
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .measurement_time(Duration::from_secs(30))
            .throughput(Throughput::Elements(STORM as u64));
        let mut run = 0usize;
        g.bench_function(format!("{STORM}_notices_one_transaction"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    run += 1;
                    let mut s = open(&url, &format!("storm_{run}"));
                    let start = Instant::now();
                    let done = s
                        .append("outage/O-17", 0, &[storm_event(1)], black_box(&notices))
                        .expect("append");
                    total += start.elapsed();
                    assert_eq!(done.enqueued, STORM);
                }
                total
            });
        });
        g.finish();
    }
}

#[cfg(feature = "postgres")]
fn postgres(c: &mut Criterion) {
    pg::benches(c);
}

#[cfg(not(feature = "postgres"))]
fn postgres(_c: &mut Criterion) {
    println!("PostgreSQL benchmarks skipped: run with --features postgres");
}

fn appends(c: &mut Criterion) {
    storm();
    let mut g = c.benchmark_group("durable_append");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    for (name, sync) in [("full", Synchronous::Full), ("normal", Synchronous::Normal)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut s = open(&dir, "appends.db", sync);
        let mut version = 0u64;
        // One workflow step: one event and the two notices it causes, one transaction.
        g.bench_function(format!("1_event_2_notices_synchronous_{name}"), |b| {
            b.iter(|| {
                let stream = "defect/D-1";
                let ns = [
                    storm_notice(stream, version + 1, 1),
                    storm_notice(stream, version + 1, 2),
                ];
                let done = s
                    .append(stream, version, &[storm_event(version + 1)], black_box(&ns))
                    .expect("append");
                version = done.version;
            });
        });
    }
    g.finish();
}

criterion_group!(benches, appends, dispatch_sqlite, postgres);
criterion_main!(benches);
