//! A network from Arrow tables (issue 12, the network target: a 1M-point network from
//! DataFrames in ≤ 1 s): the 1M-point synthetic network's tables as written by
//! `write_arrow`, read and built without Python.
//!
//! `records` reads the tables into plain records (`read_arrow`) and builds from them
//! (`Network::from_data`); `columns` builds straight from the Arrow columns
//! (`build_arrow`), the path the Python package takes.
//!
//! Run with `cargo bench --bench network_arrow --features arrow`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::network::io::{build_arrow, read_arrow, write_arrow};
use gridserve::network::{Network, ValidationOptions};
use gridserve::synth::{SynthConfig, generate};

fn from_arrow(c: &mut Criterion) {
    let points = std::env::var("GRIDSERVE_BENCH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000usize);
    let data = generate(&SynthConfig::with_points(points, 1));
    let tables = write_arrow(&data);
    drop(data);
    let mut g = c.benchmark_group(format!("from_arrow_{points}"));
    g.sample_size(10).measurement_time(Duration::from_secs(15));
    g.bench_function("records", |b| {
        // The network is dropped outside the timing, as a caller keeps it.
        b.iter_with_large_drop(|| {
            let data = read_arrow(black_box(tables.clone()), str::to_owned).unwrap();
            Network::from_data(&data).unwrap()
        });
    });
    g.bench_function("columns", |b| {
        b.iter_with_large_drop(|| {
            build_arrow(
                black_box(tables.clone()),
                str::to_owned,
                ValidationOptions::default(),
            )
            .unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, from_arrow);
criterion_main!(benches);
