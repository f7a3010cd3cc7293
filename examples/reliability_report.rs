//! A year of outages on the synthetic county network, and its reliability report.
//!
//! Faults are drawn on random segments (about 1.5 a day), each lasting 10 minutes to 8 hours,
//! or a momentary 1–4 minutes one time in eight; a storm brings 60 faults of 4 to 12 hours on
//! each of two days in July 2024; six years are
//! simulated so that the last one can be judged against the five before it (major event
//! days). Run with `cargo run --release --example reliability_report`.

use std::sync::Arc;

use chrono::{Duration, TimeZone};
use gridserve::network::{ElementId, Network, Topology};
use gridserve::reliability::*;
use gridserve::synth::{self, Rng};
use rust_decimal::Decimal;

fn main() -> Result<(), gridserve::Error> {
    let data = synth::generate(&synth::SynthConfig::county(2024));
    let net = Arc::new(Network::from_data(&data)?);
    let topo = Topology::normal(net.clone());
    // The feeder-head point is named "<substation> <n>号出线": the substation is its first word pair.
    let feeders = NetworkFeeders::new(&topo, |net, s| {
        let name = net.point_name(net.source(s).point).unwrap_or("");
        name.rsplit_once(' ')
            .map_or(name, |(sub, _)| sub)
            .to_owned()
    })?;
    println!(
        "network: {} points, {} feeders, {} customers",
        net.point_count(),
        feeders.base().feeders().len(),
        feeders.base().customers()
    );

    let mut rng = Rng::new(20_240_601);
    let causes = ["外力破坏", "树障", "设备老化", "雷击", "鸟害"];
    let mut records = Vec::new();
    let day0 = CHINA_STANDARD_TIME
        .with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
        .single()
        .ok_or(ReliabilityError::InvalidOption {
            field: "start",
            value: "2019-01-01".into(),
            reason: "not a date",
        })?;
    for day in 0..(6 * 365 + 1) {
        let storm = day == 5 * 365 + 1 + 190 || day == 5 * 365 + 1 + 191;
        let faults = if storm { 60 } else { rng.below(4) };
        for k in 0..faults {
            let seg = &data.segments[rng.below(data.segments.len() as u64) as usize];
            let line = net.line_id(&seg.asset)?;
            let outcome = topo.fault(ElementId::Line(line))?;
            let start = day0 + Duration::days(day) + Duration::minutes(rng.below(1440) as i64);
            let minutes = if rng.below(8) == 0 {
                1 + rng.below(4)
            } else {
                10 + rng.below(470)
            };
            let event = OutageEvent {
                id: format!("{day}-{k}"),
                start,
                end: start + Duration::minutes(minutes as i64),
                cause: causes[rng.below(causes.len() as u64) as usize].into(),
                planned: false,
            };
            for mut r in feeders.fault_records(&topo, &outcome, &event)? {
                r.reported = Some(start + Duration::minutes(rng.below(15) as i64));
                r.dispatched = r
                    .reported
                    .map(|t| t + Duration::minutes(rng.below(20) as i64));
                r.arrived = r
                    .dispatched
                    .map(|t| t + Duration::minutes(rng.below(60) as i64));
                r.restored = Some(r.end.max(r.arrived.unwrap_or(r.end)));
                records.push(r);
            }
        }
    }
    let table = OutageTable::new(&records, feeders.base().clone())?;
    let year = Period::year(2024, CHINA_STANDARD_TIME)?;
    let history = Period::years(2019, 5, CHINA_STANDARD_TIME)?;
    let o = IndexOptions::default();
    println!("{} outage records over 2019–2024\n", table.len());

    let x = system_indices(&table, &year, &o)?;
    let c = x.customer_indices()?;
    println!("IEEE 1366, 2024 ({} h):", x.period_hours);
    println!(
        "  SAIFI {:.3}  SAIDI {:.1} min  CAIDI {:.1} min  ASAI {:.6}",
        x.saifi,
        x.saidi_min,
        x.caidi_min.unwrap_or(0.0),
        x.asai
    );
    println!(
        "  CAIFI {:.3}  CTAIDI {:.1} min  ASIFI {:.3}  ASIDI {:.1} min  MAIFI {:.3}  MAIFIe {:.3}",
        c.caifi.unwrap_or(0.0),
        c.ctaidi_min.unwrap_or(0.0),
        x.asifi.unwrap_or(0.0),
        x.asidi_min.unwrap_or(0.0),
        x.maifi,
        x.maifi_e
    );
    for k in &c.cemi {
        print!("  CEMI{} {:.4}", k.n, k.value);
    }
    println!("  CELID-s(7h) {:.4}", c.celid_single[0].value);

    let m = major_event_days(&table, &history, &year, &o, &MedOptions::default())?;
    println!(
        "\nmajor event days (2.5β over 2019–2023): α {:.3}, β {:.3}, T_MED {:.2} min",
        m.threshold.alpha, m.threshold.beta, m.threshold.t_med_min
    );
    for d in &m.major_event_days {
        println!("  {}  SAIDI {:.2} min", d.date, d.saidi_min);
    }
    println!(
        "  SAIDI {:.1} min with them, {:.1} min without",
        m.with_meds.saidi_min, m.without_meds.saidi_min
    );

    let d = dlt836_indices(&table, &year, &o, &DltOptions::default())?;
    println!(
        "\nDL/T 836: RS-1 {:.4} %, AIHC-1 {:.3} h/户, AITC-1 {:.3} 次/户",
        d.rs1_pct, d.aihc1_h, d.aitc1
    );

    println!("\nworst feeders by customer-minutes:");
    for r in worst(
        &table,
        &year,
        StatKey::Feeder,
        WorstBy::CustomerMinutes,
        5,
        &o,
    )? {
        println!(
            "  {}  {} outages, {:.0} customer-min, {:.0} kWh not supplied",
            r.key, r.outages, r.customer_minutes, r.energy_kwh
        );
    }
    let stages = stage_durations(&table, &year, &StageSpan::DEFAULT[..2], &[50.0, 90.0])?;
    for s in &stages {
        println!(
            "{:?} → {:?}: median {:.1} min, p90 {:.1} min",
            s.span.from,
            s.span.to,
            s.percentiles_min.first().map_or(0.0, |p| p.1),
            s.percentiles_min.get(1).map_or(0.0, |p| p.1)
        );
    }
    let ls = lost_sales(&table, &year, Decimal::new(62, 2))?;
    println!(
        "lost sales: {:.0} kWh, {} yuan at 0.62 yuan/kWh",
        ls.energy_kwh, ls.sales_yuan
    );
    Ok(())
}
