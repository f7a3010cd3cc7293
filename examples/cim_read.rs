//! Writes a synthetic network as CIM RDF/XML, or reads a CIM file and reports what it holds, how
//! long the read took and the process's peak resident memory (Linux `VmHWM`).
//!
//! ```text
//! cargo run --release --example cim_read -- write 550000 /tmp/synth.xml
//! cargo run --release --example cim_read -- read /tmp/synth.xml
//! ```

use std::time::Instant;

use gridserve::cim::{CimOptions, read_cim_file};
use gridserve::synth::{SynthConfig, generate, write_cim};

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write", points, path] => {
            let data = generate(&SynthConfig::with_points(points.parse()?, 1));
            write_cim(&data, std::fs::File::create(path)?)?;
            let devices = data.segments.len()
                + data.switches.len()
                + data.transformers.len()
                + data.sources.len()
                + data.customers.len();
            println!("{path}: {} nodes, {devices} devices", data.points.len());
        }
        ["read", path] => {
            let bytes = std::fs::metadata(path)?.len();
            let start = Instant::now();
            let model = read_cim_file(path, &CimOptions::default())?;
            let read = start.elapsed();
            let net = model.to_network(&CimOptions::default())?;
            let total = start.elapsed();
            println!(
                "{path}: {:.0} MB, {} nodes, {} devices; read {:.2} s, read + network {:.2} s ({} points, {} lines); peak RSS {:.0} MB",
                bytes as f64 / 1e6,
                model.nodes.len(),
                model.devices.len(),
                read.as_secs_f64(),
                total.as_secs_f64(),
                net.point_count(),
                net.line_count(),
                peak_rss_mb().unwrap_or(f64::NAN)
            );
        }
        _ => return Err("usage: cim_read write <points> <path> | read <path>".into()),
    }
    Ok(())
}
