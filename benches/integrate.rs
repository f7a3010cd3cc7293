//! Data integration benchmarks against the targets of issue 13, on the 1,000,000-point
//! synthetic network:
//!
//! - one DA switch change applied to the live state (target ≤ 100 µs): a normally closed
//!   switch opened and closed again, alternately, each event with a new sequence number;
//! - fusion and reconciliation of the five sources read from Parquet (target ≤ 3 s, ≤ 2 GB
//!   peak; the peak is measured with `examples/integrate_scale.rs` under `/usr/bin/time -v`).
//!
//! Run with `cargo bench --bench integrate --features parquet` on an otherwise idle machine.

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

criterion_group!(benches, bench);
criterion_main!(benches);
