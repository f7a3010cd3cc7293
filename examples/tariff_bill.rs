//! Bills the Huizhou customer of the tariff reference (§1.5: 3200 kVA at 10 kV, peaking at
//! 1800 kW) on the shipped Guangdong/Huizhou defaults, prints the bill line by line, then the
//! basic-charge comparison for the coming quarter.
//!
//! Run with `cargo run --example tariff_bill`. The defaults' energy price (0.65 yuan/kWh flat)
//! is an example value; see `gridserve::tariff::defaults`.

use chrono::NaiveDate;
use gridserve::tariff::{BillingMethod, MonthlyUsage, Period, defaults};
use rust_decimal::Decimal;

fn main() -> Result<(), gridserve::Error> {
    let book = defaults::guangdong_huizhou()?;
    let month = NaiveDate::from_ymd_opt(2026, 2, 1).expect("a valid date");
    let tariff = book.tariff_for("large_industry", "1-10kV", month)?;

    let mut usage = MonthlyUsage::new("HZ-3200", 2026, 2, Decimal::from(3200));
    usage.energy_kwh.set(Period::Peak, Decimal::from(300_000));
    usage.energy_kwh.set(Period::Flat, Decimal::from(400_000));
    usage.energy_kwh.set(Period::Valley, Decimal::from(300_000));
    usage.kvarh_forward = Decimal::from(560_000);
    usage.kvarh_reverse = Decimal::from(20_000);
    usage.max_demand_kw = Some(Decimal::from(1800));
    usage.method = BillingMethod::Capacity;

    let bill = tariff.bill(&usage)?;
    println!(
        "Bill of customer {} for {}-{:02} ({})",
        bill.customer, bill.year, bill.month, bill.price_table
    );
    for line in &bill.energy {
        println!(
            "  energy {:<12} {:>12} kWh × {:>7} = {:>14} yuan",
            line.period.as_str(),
            line.energy_kwh,
            line.unit_price_yuan_per_kwh,
            line.amount_yuan
        );
    }
    println!(
        "  basic charge ({}): {} yuan",
        bill.basic.describe(),
        bill.basic.amount_yuan
    );
    println!(
        "  power factor {} (standard {}): {} % of {} = {} yuan",
        bill.pf
            .power_factor
            .map_or("n/a".to_owned(), |p| p.to_string()),
        bill.pf.standard.as_str(),
        bill.pf.adjustment_pct,
        bill.pf.base_yuan,
        bill.pf.amount_yuan
    );
    for fund in &bill.funds {
        println!("  {}: {} yuan", fund.name, fund.amount_yuan);
    }
    println!("  total: {} yuan", bill.total_yuan);

    // A year of history at the same peak: which basic-charge method is cheapest next quarter?
    let history: Vec<MonthlyUsage> = (1..=12)
        .map(|m| {
            let mut u = usage.clone();
            (u.year, u.month) = if m <= 10 {
                (2025, m + 2)
            } else {
                (2026, m - 10)
            };
            u.energy_kwh.set(Period::Peak, Decimal::from(200_000));
            u
        })
        .collect();
    let cmp = tariff.compare_basic_methods(&history, Decimal::ONE)?;
    println!(
        "Next quarter {:?}: capacity {} / actual demand {} / contract demand {} kW {} yuan; cheapest {} saves {} yuan (D* = {} kW)",
        cmp.months,
        cmp.capacity.quarter_yuan,
        cmp.actual_demand.quarter_yuan,
        cmp.contract_demand.contract_demand_kw.unwrap_or_default(),
        cmp.contract_demand.quarter_yuan,
        cmp.cheapest.as_str(),
        cmp.saving_yuan,
        cmp.break_even_kw.unwrap_or_default().round_dp(1),
    );
    Ok(())
}
