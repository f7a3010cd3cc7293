//! Reading a CIM RDF/XML file of about a million conducting devices (target ≤ 5 s), written by
//! the synthetic generator (`gridserve::synth::write_cim`) into the system's temporary folder
//! once and reused.
//!
//! Run with `cargo bench --bench cim`. Peak memory of one read is measured apart, in a fresh
//! process: `cargo run --release --example cim_read -- read <file>` prints it.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::cim::{CimOptions, read_cim_file};
use gridserve::synth::{SynthConfig, generate, write_cim};

/// Points of the synthetic network: with its customers (each an `EnergyConsumer`) it has about
/// a million conducting devices.
const POINTS: usize = 530_000;

fn file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("gridserve-bench-cim-{POINTS}.xml"));
    if !path.exists() {
        let data = generate(&SynthConfig::with_points(POINTS, 1));
        let tmp = path.with_extension("part");
        write_cim(&data, std::fs::File::create(&tmp).unwrap()).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

fn read(c: &mut Criterion) {
    let path = file();
    let options = CimOptions::default();
    let model = read_cim_file(&path, &options).unwrap();
    println!(
        "{}: {:.0} MB, {} nodes, {} devices",
        path.display(),
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6,
        model.nodes.len(),
        model.devices.len()
    );
    drop(model);
    let mut g = c.benchmark_group("cim");
    g.sample_size(10).measurement_time(Duration::from_secs(40));
    g.bench_function("read_1m_devices", |b| {
        b.iter(|| read_cim_file(&path, &options).unwrap());
    });
    g.bench_function("read_1m_devices_and_build_network", |b| {
        b.iter(|| {
            read_cim_file(&path, &options)
                .unwrap()
                .to_network(&options)
                .unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
