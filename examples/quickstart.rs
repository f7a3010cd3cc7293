//! The README's main job: build the demo county of the seed paper (about 2,200 high-voltage
//! dedicated-transformer customers), then trace a fault and plan an outage the way an operator
//! would, printing what they need and how long each step took.
//!
//! ```text
//! cargo run --release --example quickstart            # the embedded demo county
//! cargo run --release --example quickstart -- DIR     # a network in the CSV layout in DIR
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gridserve::network::records::NetworkData;
use gridserve::network::synth::{SynthConfig, generate};
use gridserve::network::{ElementId, LineKind, Network, ScopeReport, Topology, Trip, io};

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("  [{what}: {}]", fmt(start.elapsed()));
    out
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

fn print_report(report: &ScopeReport) {
    let s = &report.summary;
    println!(
        "  {} points, {} transformers, {} customers out ({} critical), {:.0} kW lost",
        s.points, s.transformers, s.customers, s.critical_customers, s.load_kw
    );
    for c in report.customers.iter().take(5) {
        let first = c.contacts.first();
        println!(
            "    {:<12} {:<16} {:>8.0} kW  {:?}  contact: {} {}",
            c.number,
            c.name.as_deref().unwrap_or("-"),
            c.load_kw,
            c.importance,
            first.map_or("-", |k| k.name.as_str()),
            first.map_or("-", |k| k.phone.as_str()),
        );
    }
    if report.customers.len() > 5 {
        println!("    … and {} more", report.customers.len() - 5);
    }
    for b in &report.boundary {
        let state = if b.passes_after { "closed" } else { "open" };
        let remote = if b.remote { ", remote" } else { "" };
        println!(
            "  boundary: {} ({}, {state}{remote}) between lost {} and live {}",
            b.asset,
            b.switch_kind
                .map_or_else(|| format!("{:?}", b.kind), |k| format!("{k:?}")),
            b.lost_end,
            b.live_end
        );
    }
}

fn run() -> Result<(), gridserve::Error> {
    let data: NetworkData = match std::env::args().nth(1) {
        Some(dir) => timed(&format!("read CSV folder {dir}"), || io::read_csv_dir(&dir))?,
        None => timed("generate the demo county (seed 2024)", || {
            generate(&SynthConfig::county(2024))
        }),
    };
    let net = Arc::new(timed("validate and build the model", || {
        Network::from_data(&data)
    })?);
    let topo = timed("index the normal state", || Topology::normal(net.clone()));
    println!(
        "network: {} points, {} lines, {} sources, {} customers; {} energized; {} loops",
        net.point_count(),
        net.line_count(),
        net.source_count(),
        net.customer_count(),
        topo.energized_count(),
        topo.loops().len()
    );

    // The segment whose fault cuts off the most critical customers (every segment is tried).
    let exposure = timed("exposure of every switch", || topo.exposure());
    let segments: Vec<_> = net
        .line_ids()
        .filter(|&l| matches!(net.line(l).kind, LineKind::Segment(_)))
        .collect();
    let segment = timed(
        &format!("trace a fault on each of {} segments", segments.len()),
        || {
            let mut best = (0, 0, segments[0]);
            for &l in &segments {
                let s = *topo.fault(ElementId::Line(l))?.scope.summary();
                best = best.max((s.critical_customers, s.customers, l));
            }
            Ok::<_, gridserve::Error>(best.2)
        },
    )?;
    println!("\nFAULT on segment {}", net.line_asset(segment));
    let outcome = timed("trace the fault", || topo.fault(ElementId::Line(segment)))?;
    for t in &outcome.tripped {
        match *t {
            Trip::Switch(l) => println!(
                "  tripped: {} ({:?})",
                net.line_asset(l),
                net.line(l).as_switch().map(|s| s.kind)
            ),
            Trip::Source(s) => println!("  tripped: source {}", net.source_asset(s)),
        }
    }
    let report = timed("list customers, contacts, boundary", || {
        outcome.scope.report(&topo)
    })?;
    print_report(&report);

    // A planned outage of the sectionalizing switch with the most load behind it.
    let busiest = exposure
        .switches
        .iter()
        .zip(&exposure.load_kw)
        .filter(|&(&l, _)| net.line(l).as_switch().is_some_and(|s| !s.protective))
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(&l, _)| l)
        .expect("the network has sectionalizing switches");
    println!(
        "\nPLANNED OUTAGE of switch {} (the most load behind a sectionalizer)",
        net.line_asset(busiest)
    );
    let plan = timed("plan the isolation", || {
        topo.planned_outage(ElementId::Line(busiest))
    })?;
    let iso: Vec<&str> = plan.isolators.iter().map(|&l| net.line_asset(l)).collect();
    println!("  open: {}", iso.join(", "));
    let down: Vec<&str> = plan.downstream.iter().map(|&l| net.line_asset(l)).collect();
    println!(
        "  downstream (no need to open; open before re-supplying through a tie): {}",
        down.join(", ")
    );
    let report = timed("list customers, contacts, boundary", || {
        plan.scope.report(&topo)
    })?;
    print_report(&report);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
