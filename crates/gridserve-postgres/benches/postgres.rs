//! PostgreSQL store benchmarks (issue 16): a storm of 200,000 affected customers' notices
//! enqueued in one transaction, and dispatched to a webhook receiver on 127.0.0.1 by one
//! and by two dispatchers (two store instances, leasing); then criterion's timing of one
//! durable workflow step (one event, two notices, one commit).
//!
//! Run on a quiet machine: `cargo bench -p gridserve-postgres --bench postgres`. The server
//! is `GRIDSERVE_PG_URL` (a role that may `CREATE DATABASE`; the bench makes and drops a
//! database of its own) or else a private throwaway cluster started from Debian's
//! `postgresql` package, as the tests do. `GRIDSERVE_BENCH_STORM` sets the storm's size
//! (default 200,000). The storm figures are printed before criterion's timings.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gridserve_core::outbox::{DispatchPolicy, Dispatcher};
use gridserve_core::ports::{EventStore, ManualClock, OutboundMessage};
use gridserve_messengers::receiver::WebhookReceiver;
use gridserve_messengers::{WebhookConfig, WebhookMessenger};
use gridserve_postgres::{PgOptions, PostgresStore, TempCluster};
use gridserve_synth::storm::{storm_event, storm_notice, storm_start};

/// The server, and a fresh database on it for each use.
struct Server {
    admin_url: String,
    made: std::cell::RefCell<Vec<String>>,
    url_for: Box<dyn Fn(&str) -> String>,
    _cluster: Option<TempCluster>,
}

impl Server {
    fn get() -> Self {
        if let Ok(url) = std::env::var("GRIDSERVE_PG_URL") {
            let base = url.clone();
            return Self {
                admin_url: url,
                made: std::cell::RefCell::default(),
                url_for: Box::new(move |db| match base.split_once('?') {
                    Some((main, q)) => format!(
                        "{}/{db}?{q}",
                        main.rsplit_once('/').map_or(main, |(a, _)| a)
                    ),
                    None => format!(
                        "{}/{db}",
                        base.rsplit_once('/').map_or(base.as_str(), |(a, _)| a)
                    ),
                }),
                _cluster: None,
            };
        }
        let cluster = TempCluster::start().unwrap_or_else(|e| {
            panic!("the benchmark needs a PostgreSQL server: set GRIDSERVE_PG_URL or install Debian's postgresql package ({e})")
        });
        let port = cluster.port();
        Self {
            admin_url: cluster.url("postgres"),
            made: std::cell::RefCell::default(),
            url_for: Box::new(move |db| format!("postgres://gridserve@127.0.0.1:{port}/{db}")),
            _cluster: Some(cluster),
        }
    }

    /// Drops and creates database `name`; returns its URL.
    fn fresh(&self, name: &str) -> String {
        let mut admin =
            postgres::Client::connect(&self.admin_url, postgres::NoTls).expect("admin connect");
        // Two statements: neither may run inside a transaction block.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop the old database");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("fresh database");
        self.made.borrow_mut().push(name.to_string());
        (self.url_for)(name)
    }
}

impl Drop for Server {
    /// Drops the databases the benchmark made (a private cluster goes as a whole anyway).
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            for name in self.made.borrow().iter() {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn storm_size() -> usize {
    std::env::var("GRIDSERVE_BENCH_STORM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

fn rate(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

/// Enqueues the storm in one append (three runs), then dispatches it to a local webhook
/// receiver with one dispatcher and, on a fresh copy, with two.
fn storm(server: &Server) {
    let n = storm_size();
    let notices: Vec<OutboundMessage> = (0..n).map(|i| storm_notice("outage/O-17", 1, i)).collect();
    let mut best = Duration::MAX;
    let mut url = String::new();
    for run in 0..3 {
        url = server.fresh(&format!("gs_bench_storm_{run}"));
        let mut s = PostgresStore::connect(&url).expect("connect");
        let start = Instant::now();
        let done = s
            .append("outage/O-17", 0, &[storm_event(1)], &notices)
            .expect("append");
        let took = start.elapsed();
        assert_eq!(done.enqueued, n);
        best = best.min(took);
        println!(
            "storm enqueue on PostgreSQL (one transaction): {n} notices in {:.2} s = {:.0} notices/s",
            took.as_secs_f64(),
            rate(n, took)
        );
    }
    println!(
        "storm enqueue best of 3: {:.2} s (target ≤ 5 s for 200,000)",
        best.as_secs_f64()
    );

    let rx = WebhookReceiver::counting().expect("receiver");
    let policy = DispatchPolicy {
        batch_size: 1_024,
        record_batch: 256,
        ..DispatchPolicy::default()
    };
    let clock = ManualClock::new(storm_start());

    // One dispatcher on the last storm database.
    let mut s = PostgresStore::connect(&url).expect("connect");
    let mut d = Dispatcher::new(policy.clone()).expect("policy");
    d.register(Arc::new(
        WebhookMessenger::new(WebhookConfig::new(rx.url())).expect("webhook"),
    ));
    let start = Instant::now();
    let report = d.run_until_idle(&mut s, &clock).expect("dispatch");
    let took = start.elapsed();
    assert_eq!(report.sent, n);
    println!(
        "storm dispatch, one dispatcher, record_batch=256: {n} notices in {:.1} s = {:.0} notices/s",
        took.as_secs_f64(),
        rate(n, took)
    );

    // Two dispatchers (threads, each its own connection and lease name) on a fresh storm.
    let url = server.fresh("gs_bench_storm_two");
    PostgresStore::connect(&url)
        .expect("connect")
        .append("outage/O-17", 0, &[storm_event(1)], &notices)
        .expect("append");
    let before = rx.count();
    let start = Instant::now();
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let url = url.clone();
            let target = rx.url();
            let policy = policy.clone();
            std::thread::spawn(move || {
                let mut s = PostgresStore::connect_with(
                    &url,
                    &PgOptions {
                        instance: Some(format!("bench-{i}")),
                        ..PgOptions::default()
                    },
                )
                .expect("connect");
                let mut d = Dispatcher::new(policy).expect("policy");
                d.register(Arc::new(
                    WebhookMessenger::new(WebhookConfig::new(target)).expect("webhook"),
                ));
                let clock = ManualClock::new(storm_start());
                d.run_until_idle(&mut s, &clock).expect("dispatch").sent
            })
        })
        .collect();
    let sent: usize = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    let took = start.elapsed();
    assert_eq!(sent, n);
    assert_eq!(rx.count() - before, n);
    println!(
        "storm dispatch, two dispatchers, record_batch=256: {n} notices in {:.1} s = {:.0} notices/s",
        took.as_secs_f64(),
        rate(n, took)
    );

    // The strict setting: one commit per result.
    let few = n.min(5_000);
    let url = server.fresh("gs_bench_strict");
    let mut s = PostgresStore::connect(&url).expect("connect");
    let ns: Vec<_> = (0..few)
        .map(|i| storm_notice("outage/O-18", 1, i))
        .collect();
    s.append("outage/O-18", 0, &[storm_event(1)], &ns)
        .expect("append");
    let mut d = Dispatcher::new(DispatchPolicy::default()).expect("policy");
    d.register(Arc::new(
        WebhookMessenger::new(WebhookConfig::new(rx.url())).expect("webhook"),
    ));
    let start = Instant::now();
    let report = d.run_until_idle(&mut s, &clock).expect("dispatch");
    let took = start.elapsed();
    assert_eq!(report.sent, few);
    println!(
        "dispatch, record_batch=1: {few} notices in {:.1} s = {:.0} notices/s",
        took.as_secs_f64(),
        rate(few, took)
    );
}

fn benches(c: &mut Criterion) {
    let server = Server::get();
    storm(&server);
    let url = server.fresh("gs_bench_appends");
    let mut s = PostgresStore::connect(&url).expect("connect");
    let mut version = 0u64;
    let mut g = c.benchmark_group("postgres_durable_append");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    // One workflow step: one event and the two notices it causes, one transaction.
    g.bench_function("1_event_2_notices", |b| {
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
    g.finish();
}

criterion_group!(postgres_benches, benches);
criterion_main!(postgres_benches);
