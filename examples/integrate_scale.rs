//! Writes a synthetic network of N points (default 1,000,000) as the five sources in Parquet,
//! then, in a second run, fuses and reconciles them, printing the time taken, so the peak
//! memory of fusion alone can be measured:
//!
//! ```text
//! cargo run --release --features parquet --example integrate_scale -- write DIR [POINTS]
//! /usr/bin/time -v cargo run --release --features parquet --example integrate_scale -- fuse DIR
//! ```

use std::time::Instant;

use gridserve::integrate::{self, IntegrateOptions, ReadOptions, SourcePaths};
use gridserve::synth::sources::to_sources;
use gridserve::synth::{SynthConfig, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: integrate_scale write DIR [POINTS] | fuse DIR";
    let (Some(mode), Some(dir)) = (args.get(1), args.get(2)) else {
        return Err(usage.into());
    };
    match mode.as_str() {
        "write" => {
            let points: usize = args.get(3).map_or(Ok(1_000_000), |p| p.parse())?;
            std::fs::create_dir_all(dir)?;
            let data = generate(&SynthConfig::with_points(points, 1));
            integrate::write_parquet_dir(&to_sources(&data), dir)?;
            println!(
                "wrote {} points, {} customers to {dir}",
                data.points.len(),
                data.customers.len()
            );
        }
        "fuse" => {
            let start = Instant::now();
            let (sources, found) =
                integrate::read_sources(&SourcePaths::in_dir(dir, true), &ReadOptions::default())?;
            let read = start.elapsed();
            let out = integrate::integrate(&sources, found, &IntegrateOptions::default())?;
            println!(
                "read {:.2?}, read + fuse + reconcile {:.2?}: {} points, {} customers, {} findings",
                read,
                start.elapsed(),
                out.network.points.len(),
                out.customers.len(),
                out.findings.len()
            );
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}
