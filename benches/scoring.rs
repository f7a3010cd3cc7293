//! Scoring benchmarks: the TOPSIS batch path on 5,000,000 × 10 (DESIGN §4: ≥ 10× a plain numpy
//! implementation; the numpy comparison itself is `benches/compare/topsis_vs_numpy_pymcdm.py`),
//! column-major and row-major, one thread and all threads, with and without ranks, and into
//! reused buffers (the two passes without the outputs' first-touch page faults); and the
//! dense path, entropy and G1 at the size of a county's customer base (2,200 × 10).
//!
//! Run with `cargo bench --bench scoring`; the throughput in rows per second is printed by
//! criterion next to each timing.

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gridserve::scoring::{
    self, DecisionMatrix, Direction, EntropyNormalisation, Layout, MatrixView, TopsisOptions,
};
use gridserve::synth::Rng;

const COLS: usize = 10;

/// A deterministic column-major matrix with mixed directions (one interval column).
fn case(rows: usize) -> (Vec<f64>, Vec<Direction>, Vec<f64>) {
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let mut data = vec![0.0; rows * COLS];
    for x in &mut data {
        *x = rng.unit_f64();
    }
    let dirs = (0..COLS)
        .map(|j| match j % 3 {
            0 => Direction::Benefit,
            1 => Direction::Cost,
            _ if j == 2 => Direction::Interval { lo: 0.3, hi: 0.75 },
            _ => Direction::Benefit,
        })
        .collect();
    let weights = (1..=COLS).map(|j| j as f64).collect();
    (data, dirs, weights)
}

fn batch(c: &mut Criterion) {
    let rows = 5_000_000;
    let (cm, dirs, w) = case(rows);
    let mut rm = vec![0.0; rows * COLS];
    for j in 0..COLS {
        for i in 0..rows {
            rm[i * COLS + j] = cm[j * rows + i];
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    println!("TOPSIS batch: {rows} x {COLS}, {threads} threads available");
    let mut g = c.benchmark_group("topsis_batch_5m_x10");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(rows as u64));
    for (label, data, layout) in [
        ("column_major", &cm, Layout::ColumnMajor),
        ("row_major", &rm, Layout::RowMajor),
    ] {
        let view = MatrixView::new(data, rows, COLS, layout).unwrap();
        for (t, ranks) in [(threads, false), (1, false), (threads, true)] {
            let opts = TopsisOptions {
                ranks,
                threads: NonZeroUsize::new(t),
                ..Default::default()
            };
            let name = format!(
                "{label}/{t}_threads{}",
                if ranks { "/with_ranks" } else { "" }
            );
            g.bench_function(name, |b| {
                b.iter(|| scoring::topsis_batch(black_box(&view), &dirs, &w, &opts).unwrap())
            });
        }
    }
    // Into buffers the caller keeps: the passes alone, without the outputs' page faults.
    let view = MatrixView::new(&cm, rows, COLS, Layout::ColumnMajor).unwrap();
    let (mut p, mut q, mut cl) = (vec![0.0; rows], vec![0.0; rows], vec![0.0; rows]);
    let opts = TopsisOptions {
        ranks: false,
        ..Default::default()
    };
    g.bench_function(
        format!("column_major/{threads}_threads/into_reused_buffers"),
        |b| {
            b.iter(|| {
                scoring::topsis_batch_into(
                    black_box(&view),
                    &dirs,
                    &w,
                    &opts,
                    scoring::TopsisOutputs {
                        d_plus: &mut p,
                        d_minus: &mut q,
                        closeness: &mut cl,
                    },
                )
                .unwrap()
            })
        },
    );
    g.finish();
}

fn county(c: &mut Criterion) {
    let rows = 2_200;
    let (cm, dirs, w) = case(rows);
    let crits = dirs
        .iter()
        .enumerate()
        .map(|(j, d)| scoring::Criterion::new(format!("c{j}"), "1", *d))
        .collect();
    let cols = cm.chunks(rows).map(<[f64]>::to_vec).collect();
    let names = (0..rows).map(|i| i.to_string()).collect();
    let m = DecisionMatrix::from_columns(names, crits, cols).unwrap();
    let mut g = c.benchmark_group("county_2200_x10");
    g.throughput(Throughput::Elements(rows as u64));
    g.bench_function("topsis_dense_nalgebra", |b| {
        b.iter(|| scoring::topsis(black_box(&m), &w, &TopsisOptions::default()).unwrap())
    });
    g.bench_function("entropy_weights", |b| {
        b.iter(|| {
            scoring::entropy_weights_matrix(black_box(&m), EntropyNormalisation::MinMax).unwrap()
        })
    });
    g.bench_function("g1_weights", |b| {
        b.iter(|| {
            scoring::g1_weights(
                black_box(&[3, 1, 4, 0, 5, 9, 2, 6, 8, 7]),
                &[1.2, 1.4, 1.0, 1.8, 1.6, 1.2, 1.0, 1.4, 1.2],
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, batch, county);
criterion_main!(benches);
