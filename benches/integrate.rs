//! Data integration benchmarks against the targets of issue 13, on the 1,000,000-point
//! synthetic network:
//!
//! - one DA switch change applied to the live state (target ≤ 100 µs): a normally closed
//!   switch opened and closed again, alternately, each event with a new sequence number;
//! - fusion and reconciliation of the five sources read from Parquet (target ≤ 3 s, ≤ 2 GB
//!   peak; the peak is measured with `examples/integrate_scale.rs` under `/usr/bin/time -v`).
//!
//! - a fused snapshot of that network (network records, ~870k customers, ~1M contacts and
//!   meters, provenance) stored in SQLite in the binary form, loaded back, and diffed against
//!   a copy with a few changes (no target in the issue; reported in the README).
//!
//! Run with `cargo bench --bench integrate --features parquet` on an otherwise idle machine
//! (`-- snapshot` for the snapshot figures alone).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::integrate::{
    self, DaEvent, DaEventKind, IntegrateOptions, LiveState, ReadOptions, SourcePaths,
};
use gridserve::network::Network;
use gridserve::synth::sources::to_sources;
use gridserve::synth::{SynthConfig, generate};

fn bench(c: &mut Criterion) {
    let data = generate(&SynthConfig::with_points(1_000_000, 1));
    let net = Arc::new(Network::from_data(&data).expect("synthetic networks are valid"));

    // One DA switch change: a trunk load-break switch in the middle of the list.
    let switch = data
        .switches
        .iter()
        .filter(|s| !s.normally_open)
        .nth(data.switches.len() / 3)
        .expect("the network has closed switches")
        .asset
        .clone();
    let time = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .unwrap();
    let mut live = LiveState::new(Arc::clone(&net));
    let mut seq = 0u64;
    let mut group = c.benchmark_group("integrate");
    group.bench_function("da_switch_change_1m", |b| {
        b.iter(|| {
            seq += 1;
            let event = DaEvent {
                asset: switch.clone(),
                time,
                event: if seq % 2 == 1 {
                    DaEventKind::Open
                } else {
                    DaEventKind::Close
                },
                seq,
                row: 0,
            };
            black_box(live.apply(&event).expect("the switch exists"))
        });
    });

    // Fuse and reconcile from Parquet.
    let dir =
        std::env::temp_dir().join(format!("gridserve-bench-integrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    integrate::write_parquet_dir(&to_sources(&data), &dir).unwrap();
    drop(data);
    let paths = SourcePaths::in_dir(&dir, true);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("fuse_reconcile_parquet_1m", |b| {
        b.iter(|| {
            let (sources, found) =
                integrate::read_sources(&paths, &ReadOptions::default()).unwrap();
            let out = integrate::integrate(&sources, found, &IntegrateOptions::default()).unwrap();
            black_box(out.findings.len())
        });
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn bench_snapshots(c: &mut Criterion) {
    use gridserve::integrate::Snapshot;
    use gridserve::notify::Masking;
    use gridserve::sqlite::SqliteStore;

    let data = generate(&SynthConfig::with_points(1_000_000, 1));
    let fused = integrate::integrate(&to_sources(&data), Vec::new(), &IntegrateOptions::default())
        .expect("the synthetic sources fuse");
    drop(data);
    let snap = Snapshot::of(&fused);
    drop(fused);
    // The next night: ten segments re-measured, a customer's contract changed, a meter gone.
    let mut next = snap.clone();
    let step = next.network.segments.len() / 10;
    for s in next.network.segments.iter_mut().step_by(step).take(10) {
        s.length_m += 1.0;
    }
    next.customers[1000].contracted_kva += 10.0;
    next.meters.remove(2000);
    let time = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 7, 1, 2, 0, 0)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(dir.path().join("snapshots.db")).unwrap();
    let stored = store.store_snapshot(&snap, None, time).unwrap();
    eprintln!(
        "snapshot: {} points, {} lines, {} customers, {} contacts, {} meters: {} bytes stored",
        stored.points,
        stored.lines,
        stored.customers,
        snap.contacts.len(),
        snap.meters.len(),
        stored.bytes
    );
    let d = integrate::diff(&snap, &next, Masking::default());
    assert_eq!(d.changes.len(), 12);

    let mut group = c.benchmark_group("integrate");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("snapshot_store_1m", |b| {
        // Each stored snapshot is deleted again outside the timed part.
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = std::time::Instant::now();
                let info = store.store_snapshot(&snap, None, time).unwrap();
                total += start.elapsed();
                store.delete_snapshot(info.version).unwrap();
            }
            total
        });
    });
    group.bench_function("snapshot_load_1m", |b| {
        b.iter(|| black_box(store.load_snapshot(stored.version).unwrap()));
    });
    group.bench_function("snapshot_diff_1m", |b| {
        b.iter(|| black_box(integrate::diff(&snap, &next, Masking::default())));
    });
    group.finish();
}

criterion_group!(benches, bench, bench_snapshots);
criterion_main!(benches);
