//! Restoration and inference benchmarks against the targets of DESIGN §4 (issue 15), on the
//! 1,000,000-point synthetic network (every feeder tied, so plans transfer load):
//!
//! - a FLISR switching plan per fault (≤ 1 ms): faults on every 97th segment, cycled;
//! - outage inference from 10,000 evidence items (≤ 10 ms): power-off reports from 60 % of the
//!   customers below 40 random switches, topped up with scattered power-on reports to 10,000;
//! - the loading of every source and rated line (one pass over the index);
//! - predictive SAIFI / SAIDI / ENS of every feeder with and without FLISR (target ≤ 1 s): the
//!   outcome of every switch section's plan, derived from the switch-section tree.
//!
//! Run with `cargo bench --bench restoration` on an otherwise idle machine.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::network::capacity::CapacityOptions;
use gridserve::network::infer::{Evidence, EvidenceKind, InferenceOptions};
use gridserve::network::predict::FailureRates;
use gridserve::network::restore::RestorationOptions;
use gridserve::network::{CustomerId, ElementId, LineId, LineKind, Network, Operation, Topology};
use gridserve::synth::{SplitMix64, SynthConfig, generate};

fn million() -> (Arc<Network>, Topology) {
    let data = generate(&SynthConfig {
        tie_fraction: 1.0,
        ..SynthConfig::with_points(1_000_000, 1)
    });
    let net = Arc::new(Network::from_data(&data).expect("synthetic networks are valid"));
    let topo = Topology::normal(net.clone());
    (net, topo)
}

/// 10,000 evidence items: reports from 60 % of the customers below 40 random closed switches,
/// then power-on reports from random customers until there are 10,000.
fn evidence(net: &Network, topo: &Topology) -> Vec<Evidence> {
    let mut rng = SplitMix64::new(5);
    let switches: Vec<LineId> = net
        .line_ids()
        .filter(|&l| net.line(l).as_switch().is_some() && topo.state().line_passes(l))
        .collect();
    let mut ev = Vec::with_capacity(10_000);
    for _ in 0..40 {
        let l = switches[rng.below(switches.len())];
        let scope = topo.scope(&[Operation::open(l)]).expect("closed switch");
        for c in scope.customer_ids(topo).expect("fresh scope") {
            if rng.below(10) < 6 && ev.len() < 9_000 {
                ev.push(Evidence::customer(
                    EvidenceKind::PowerOff,
                    net.customer(c).number(),
                ));
            }
        }
    }
    while ev.len() < 10_000 {
        let c = CustomerId(rng.below(net.customer_count()) as u32);
        ev.push(Evidence::customer(
            EvidenceKind::PowerOn,
            net.customer(c).number(),
        ));
    }
    ev
}

fn restoration(c: &mut Criterion) {
    let (net, topo) = million();
    let faults: Vec<ElementId> = net
        .line_ids()
        .filter(|&l| matches!(net.line(l).kind, LineKind::Segment(_)))
        .step_by(97)
        .map(ElementId::Line)
        .collect();
    let opt = RestorationOptions::default();
    let mut g = c.benchmark_group("restoration_1m");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    let mut i = 0;
    g.bench_function("flisr_plan_per_fault", |b| {
        b.iter(|| {
            i = (i + 1) % faults.len();
            topo.restoration_plan(black_box(faults[i]), &opt).unwrap()
        });
    });
    let ev = evidence(&net, &topo);
    let iopt = InferenceOptions::default();
    g.bench_function("infer_10000_items", |b| {
        b.iter(|| topo.infer(black_box(&ev), &iopt).unwrap());
    });
    let copt = CapacityOptions::default();
    g.bench_function("loading_every_source_and_line", |b| {
        b.iter(|| topo.loading(black_box(&copt)).unwrap());
    });
    g.finish();
    let mut g = c.benchmark_group("predict_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(60));
    let rates = FailureRates::default();
    let (p, fallbacks) = topo
        .predict_reliability_with_fallbacks(&rates, &opt)
        .unwrap();
    eprintln!(
        "predict_1m: {} feeders, {} sections with a rate, {fallbacks} built as full plans",
        p.feeders.len(),
        p.sections
    );
    g.bench_function("predict_every_feeder", |b| {
        b.iter(|| topo.predict_reliability(black_box(&rates), &opt).unwrap());
    });
    g.finish();
}

criterion_group!(benches, restoration);
criterion_main!(benches);
