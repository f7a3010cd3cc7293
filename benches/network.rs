//! Network benchmarks against the targets of DESIGN §4:
//! build + index of 10k / 100k / 1M points (≤ 1 s and ≤ 300 bytes per point at 1M), the scope
//! of one opened switch (≤ 1 µs), of several switches, of a fault, and the exposure of every
//! switch at 1M points (≤ 100 ms).
//!
//! Run with `cargo bench --bench network`; memory per point is printed before the timings.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::network::{ElementId, LineId, Network, Operation, Topology};
use gridserve::synth::{SynthConfig, generate};

fn memory_report(points: usize) {
    let data = generate(&SynthConfig::with_points(points, 1));
    let net = Arc::new(Network::from_data(&data).expect("synthetic networks are valid"));
    let topo = Topology::normal(net.clone());
    let (m, t) = (net.memory_bytes(), topo.memory_bytes());
    println!(
        "memory at {} points ({} lines, {} customers): model {:.1} B/point, index {:.1} B/point, total {:.1} B/point",
        net.point_count(),
        net.line_count(),
        net.customer_count(),
        m as f64 / net.point_count() as f64,
        t as f64 / net.point_count() as f64,
        (m + t) as f64 / net.point_count() as f64,
    );
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("build_and_index");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for points in [10_000usize, 100_000, 1_000_000] {
        memory_report(points);
        let data = generate(&SynthConfig::with_points(points, 1));
        g.bench_function(format!("{points}_points"), |b| {
            b.iter(|| {
                let net = Arc::new(Network::from_data(black_box(&data)).unwrap());
                Topology::normal(net)
            });
        });
    }
    g.finish();
}

struct Million {
    net: Arc<Network>,
    topo: Topology,
    switches: Vec<LineId>,
    segments: Vec<LineId>,
}

fn million() -> Million {
    let data = generate(&SynthConfig::with_points(1_000_000, 1));
    let net = Arc::new(Network::from_data(&data).unwrap());
    let topo = Topology::normal(net.clone());
    let state = topo.state().clone();
    // Closed switches, spread over the network (every 7th), and every 13th segment.
    let switches: Vec<LineId> = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_some() && state.line_passes(l))
        .step_by(7)
        .collect();
    let segments: Vec<LineId> = net
        .line_ids()
        .filter(|&l| matches!(net.line(l).kind, gridserve::network::LineKind::Segment(_)))
        .step_by(13)
        .collect();
    Million {
        net,
        topo,
        switches,
        segments,
    }
}

fn queries(c: &mut Criterion) {
    let m = million();
    let mut g = c.benchmark_group("queries_1M");
    let mut i = 0usize;
    g.bench_function("one_switch_scope", |b| {
        b.iter(|| {
            i = (i + 1) % m.switches.len();
            let s = m.topo.scope(&[Operation::open(m.switches[i])]).unwrap();
            black_box((s.summary().customers, s.summary().load_kw))
        });
    });
    let mut i = 0usize;
    g.bench_function("five_switch_scope", |b| {
        b.iter(|| {
            i = (i + 5) % (m.switches.len() - 5);
            let ops: [Operation; 5] = std::array::from_fn(|k| Operation::open(m.switches[i + k]));
            let s = m.topo.scope(&ops).unwrap();
            black_box(s.summary().customers)
        });
    });
    let mut i = 0usize;
    g.bench_function("fault_scope", |b| {
        b.iter(|| {
            i = (i + 1) % m.segments.len();
            let f = m.topo.fault(ElementId::Line(m.segments[i])).unwrap();
            black_box(f.scope.summary().customers)
        });
    });
    let mut i = 0usize;
    g.bench_function("one_switch_scope_listing_customers", |b| {
        b.iter(|| {
            i = (i + 1) % m.switches.len();
            let s = m.topo.scope(&[Operation::open(m.switches[i])]).unwrap();
            black_box(s.customer_ids(&m.topo).unwrap().len())
        });
    });
    let mut t = m.topo.clone();
    let mut i = 0usize;
    g.bench_function("apply_open_then_close", |b| {
        b.iter(|| {
            i = (i + 1) % m.switches.len();
            t.apply(&[Operation::open(m.switches[i])]).unwrap();
            t.apply(&[Operation::close(m.switches[i])]).unwrap()
        });
    });
    g.sample_size(20);
    g.bench_function("exposure_every_switch", |b| {
        b.iter(|| black_box(m.topo.exposure().switches.len()));
    });
    g.finish();
    drop(m.net);
}

criterion_group!(benches, build, queries);
criterion_main!(benches);
