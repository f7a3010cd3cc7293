//! Energy reports for a peer group of large industrial customers on the shipped
//! Guangdong/Huizhou tariff: a year of monthly usage per customer (generated, seeded), the four
//! rule sets, the indicators, entropy weights and the TOPSIS rank, then the WeChat summary of the
//! lowest-ranked customer and its report as a self-contained HTML page.
//!
//! ```text
//! cargo run --release --example energy_report                # 200 customers, report in the temp dir
//! cargo run --release --example energy_report -- 5000 out.html
//! ```
//!
//! The defaults' energy price (0.65 yuan/kWh flat) is an example value; see
//! `gridserve::tariff::defaults`.

use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use gridserve::advice::report::CustomerInfo;
use gridserve::advice::transformer::{LossTable, TransformerInput};
use gridserve::advice::{AdviceRules, CustomerInput, build_reports, render_html, render_summary};
use gridserve::scoring::UsageRecord;
use gridserve::synth::Rng;
use gridserve::tariff::{BillingMethod, MonthlyUsage, Period, defaults};
use rust_decimal::Decimal;

fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x.round()).unwrap_or_default()
}

const RATINGS: [f64; 6] = [400.0, 500.0, 630.0, 800.0, 1000.0, 1250.0];
const SERIES: [&str; 4] = ["S9", "S11", "S13", "SCB13"];

fn customer(i: usize, rng: &mut Rng) -> CustomerInput {
    let number = format!("0301{i:06}");
    let units = 1 + (rng.unit_f64() * 2.0) as usize;
    let rating = RATINGS[(rng.unit_f64() * RATINGS.len() as f64) as usize];
    let capacity = rating * units as f64;
    // Load: a peak around 45–85 % of capacity, a shape that puts 15–55 % of energy in the valley.
    let peak_kw = capacity * rng.uniform(0.45, 0.85);
    let load_factor = rng.uniform(0.35, 0.8);
    let valley_share = rng.uniform(0.15, 0.55);
    let peak_share = rng.uniform(0.2, 0.45) * (1.0 - valley_share);
    let tan_phi = rng.uniform(0.25, 0.75);
    let method = match i % 3 {
        0 => BillingMethod::Capacity,
        1 => BillingMethod::ActualDemand,
        _ => BillingMethod::ContractDemand,
    };
    let contract = (peak_kw * rng.uniform(0.9, 1.2)).round();
    let mut history = Vec::new();
    let (mut energy, mut kvarh, mut valley, mut peak) = (0.0, 0.0, 0.0, 0.0);
    for month in 1..=12u32 {
        let days = NaiveDate::from_ymd_opt(2025, month % 12 + 1, 1)
            .and_then(|d| d.pred_opt())
            .map_or(30, |d| d.day());
        let season = if (6..=9).contains(&month) { 1.1 } else { 0.95 };
        let demand = peak_kw * season * rng.uniform(0.92, 1.0);
        let kwh = demand * load_factor * 24.0 * f64::from(days);
        let mut u = MonthlyUsage::new(&number, 2025, month, dec(capacity));
        u.energy_kwh.set(Period::Valley, dec(kwh * valley_share));
        u.energy_kwh.set(Period::Peak, dec(kwh * peak_share));
        u.energy_kwh
            .set(Period::Flat, dec(kwh * (1.0 - valley_share - peak_share)));
        u.kvarh_forward = dec(kwh * tan_phi * rng.uniform(0.9, 1.1));
        u.max_demand_kw = Some(dec(demand));
        u.method = method;
        if method == BillingMethod::ContractDemand {
            u.contract_demand_kw = Some(dec(contract));
        }
        energy += kwh;
        kvarh += f64::try_from(u.kvarh_forward).unwrap_or(0.0);
        valley += kwh * valley_share;
        peak += kwh * peak_share;
        history.push(u);
    }
    let transformers = (0..units)
        .map(|k| {
            let series = SERIES[(rng.unit_f64() * SERIES.len() as f64) as usize];
            TransformerInput {
                asset: format!("T{i:06}-{k}"),
                model: format!("{series}-M-{rating}/10"),
                capacity_kva: rating,
                in_service_year: Some(1998 + (rng.unit_f64() * 27.0) as i32),
                p0_kw: None,
                pk_kw: None,
                load_ratio: peak_kw * load_factor / capacity * 1.15,
                hours_per_year: None,
            }
        })
        .collect();
    CustomerInput {
        info: CustomerInfo {
            number: number.clone(),
            name: format!("惠州示例制造{i:04}有限公司"),
            category: "大工业".into(),
            voltage_kv: 10.0,
            capacity_kva: capacity,
        },
        history,
        transformers,
        usage: UsageRecord {
            id: number,
            period_hours: 8760.0,
            energy_kwh: energy,
            peak_kwh: Some(peak),
            valley_kwh: Some(valley),
            flat_kwh: Some(energy - peak - valley),
            reactive_kvarh: Some(kvarh),
            max_load_kw: Some(peak_kw * 1.1),
            min_load_kw: Some(peak_kw * rng.uniform(0.05, 0.4)),
            capacity_kva: Some(capacity),
            max_demand_kw: Some(peak_kw * 1.1),
            ..UsageRecord::default()
        },
        direct_trading_saving_yuan: i.is_multiple_of(7).then(|| dec(energy * 0.02)),
    }
}

fn main() -> Result<(), gridserve::Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = match args.next() {
        Some(a) => a
            .parse()
            .map_err(|_| gridserve::advice::AdviceError::InvalidInput {
                record: "command line".into(),
                field: "customers".into(),
                value: a.clone(),
                reason: "is not a count".into(),
            })?,
        None => 200,
    };
    let out = args.next().map_or_else(
        || std::env::temp_dir().join("gridserve-energy-report.html"),
        std::path::PathBuf::from,
    );

    let book = defaults::guangdong_huizhou()?;
    let issued = NaiveDate::from_ymd_opt(2026, 2, 10).expect("a valid date");
    let tariff = book.tariff_for("large_industry", "1-10kV", issued)?;
    // The project's seeded generator, so every run shows the same customers.
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    let customers: Vec<CustomerInput> = (0..n).map(|i| customer(i, &mut rng)).collect();

    let start = Instant::now();
    let reports = build_reports(
        &customers,
        &tariff,
        &AdviceRules::default(),
        &LossTable::gb20052(),
        issued,
    )?;
    let took = start.elapsed();
    let months: usize = reports.iter().map(|r| r.months.len()).sum();
    println!(
        "{} reports ({months} bills, {} findings) in {:.1} ms",
        reports.len(),
        reports.iter().map(|r| r.findings.len()).sum::<usize>(),
        took.as_secs_f64() * 1e3
    );
    let total: Decimal = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter_map(|f| f.saving_yuan_per_year)
        .sum();
    println!("estimated savings if every advice is taken: {total} yuan a year");
    if let Some(first) = reports.first() {
        println!("weights:");
        for ind in &first.indicators {
            println!("  {:<14} {:.3}", ind.name, ind.weight.unwrap_or(f64::NAN));
        }
    }

    let Some(worst) = reports
        .iter()
        .max_by_key(|r| r.score.as_ref().map_or(0, |s| s.rank))
    else {
        return Ok(());
    };
    println!(
        "\nthe lowest-ranked customer's WeChat summary:\n{}",
        render_summary(worst)
    );
    std::fs::write(&out, render_html(worst)).map_err(|e| {
        gridserve::advice::AdviceError::InvalidInput {
            record: "report".into(),
            field: "path".into(),
            value: out.display().to_string(),
            reason: format!("cannot be written: {e}"),
        }
    })?;
    println!("\nits report: {}", out.display());
    Ok(())
}
