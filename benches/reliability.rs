//! Reliability benchmarks: indices and statistics over 1,000,000 synthetic outage records
//! (seeded; 6 years, 400 feeders of 1,000 customers, each record listing 1–6 customers, a
//! fifth of them momentary, stage timestamps on every record).
//!
//! Run with `cargo bench --bench reliability`. A one-shot timing of each step is printed before
//! criterion's figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use gridserve::reliability::*;
use gridserve::synth::Rng;
use rust_decimal::Decimal;

const RECORDS: usize = 1_000_000;
const FEEDERS: usize = 400;
const PER_FEEDER: u64 = 1_000;

fn base() -> ServiceBase {
    ServiceBase::new(
        (0..FEEDERS)
            .map(|f| FeederService {
                feeder: format!("F{f:03}"),
                substation: format!("S{:02}", f / 8),
                customers: PER_FEEDER,
                load_kva: PER_FEEDER as f64 * 50.0,
            })
            .collect(),
    )
    .expect("valid base")
}

fn columns(seed: u64) -> OutageColumns {
    let mut rng = Rng::new(seed);
    let start0 = CHINA_STANDARD_TIME
        .with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        .timestamp_millis();
    let span_ms = 6 * 365 * 86_400_000u64;
    let causes = [
        "外力破坏",
        "树障",
        "设备老化",
        "雷击",
        "计划检修",
        "外部影响",
    ];
    let mut c = OutageColumns {
        list_offsets: vec![0],
        ..OutageColumns::default()
    };
    for s in &mut c.stages_ms {
        s.reserve(RECORDS);
    }
    for i in 0..RECORDS {
        let f = rng.below(FEEDERS as u64);
        let start = start0 + rng.below(span_ms) as i64;
        let minutes = if rng.below(5) == 0 {
            rng.below(5) + 1
        } else {
            6 + rng.below(600)
        };
        let end = start + minutes as i64 * 60_000;
        let k = 1 + rng.below(6);
        let first = rng.below(PER_FEEDER - k);
        let cause = causes[rng.below(causes.len() as u64) as usize];
        c.id.push(format!("O{i}"));
        c.start_ms.push(Some(start));
        c.end_ms.push(Some(end));
        c.cause.push(cause.to_owned());
        c.planned.push(Some(cause == "计划检修"));
        c.device.push(format!("K{:05}", f * 20 + rng.below(20)));
        c.feeder.push(format!("F{f:03}"));
        c.customers_count.push(Some(k as i64));
        c.has_list.push(true);
        for n in first..first + k {
            c.customer_numbers.push(format!("{f:03}{n:04}"));
        }
        c.list_offsets.push(c.customer_numbers.len());
        c.load_kva.push(k as f64 * 50.0);
        c.load_kw.push(k as f64 * 30.0);
        let reported = start + rng.below(600_000) as i64;
        let dispatched = reported + rng.below(1_800_000) as i64;
        let arrived = dispatched + rng.below(3_600_000) as i64;
        let located = arrived + rng.below(1_800_000) as i64;
        let restored = located.max(end);
        for (col, v) in c
            .stages_ms
            .iter_mut()
            .zip([reported, dispatched, arrived, located, restored])
        {
            col.push(Some(v));
        }
    }
    c
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    println!("{what}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    v
}

fn bench(c: &mut Criterion) {
    let cols = timed("generate 1,000,000 records", || columns(2024));
    let table = timed("validate and build the table", || {
        OutageTable::from_columns(&cols, base()).expect("valid records")
    });
    let year = Period::year(2024, CHINA_STANDARD_TIME).expect("valid year");
    let all = Period::years(2019, 6, CHINA_STANDARD_TIME).expect("valid years");
    let history = Period::years(2019, 5, CHINA_STANDARD_TIME).expect("valid years");
    let o = IndexOptions::default();
    timed("system indices, 6 years (1,000,000 records)", || {
        system_indices(&table, &all, &o).expect("indices")
    });
    timed("indices by feeder, 6 years", || {
        indices(&table, &all, Grouping::Feeder, &o).expect("indices")
    });
    let m = timed("major event days (5-year history, 1 year)", || {
        major_event_days(&table, &history, &year, &o, &MedOptions::default()).expect("med")
    });
    println!(
        "  T_MED = {:.3} min, {} MEDs, SAIDI {:.2} → {:.2} min without them",
        m.threshold.t_med_min,
        m.major_event_days.len(),
        m.with_meds.saidi_min,
        m.without_meds.saidi_min
    );
    timed(
        "statistics: by month, hour, cause, worst 10 feeders and devices, stages, lost sales",
        || {
            (
                frequency_duration(&table, &all, StatKey::Month, &o).expect("stats"),
                frequency_duration(&table, &all, StatKey::HourOfDay, &o).expect("stats"),
                frequency_duration(&table, &all, StatKey::Cause, &o).expect("stats"),
                worst(
                    &table,
                    &all,
                    StatKey::Feeder,
                    WorstBy::CustomerMinutes,
                    10,
                    &o,
                )
                .expect("worst"),
                worst(&table, &all, StatKey::Device, WorstBy::Outages, 10, &o).expect("worst"),
                stage_durations(&table, &all, &StageSpan::DEFAULT, &[50.0, 90.0, 95.0])
                    .expect("stages"),
                lost_sales(&table, &all, Decimal::new(56, 2)).expect("sales"),
            )
        },
    );

    let mut g = c.benchmark_group("reliability_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("build_table", |b| {
        b.iter(|| OutageTable::from_columns(black_box(&cols), base()).expect("valid"));
    });
    g.bench_function("system_indices", |b| {
        b.iter(|| system_indices(black_box(&table), &all, &o).expect("indices"));
    });
    g.bench_function("indices_by_feeder", |b| {
        b.iter(|| indices(black_box(&table), &all, Grouping::Feeder, &o).expect("indices"));
    });
    g.bench_function("major_event_days", |b| {
        b.iter(|| {
            major_event_days(
                black_box(&table),
                &history,
                &year,
                &o,
                &MedOptions::default(),
            )
            .expect("med")
        });
    });
    g.bench_function("dlt836", |b| {
        b.iter(|| {
            dlt836_indices(black_box(&table), &all, &o, &DltOptions::default()).expect("dlt")
        });
    });
    g.bench_function("freq_dur_by_month", |b| {
        b.iter(|| frequency_duration(black_box(&table), &all, StatKey::Month, &o).expect("stats"));
    });
    g.bench_function("worst_devices", |b| {
        b.iter(|| {
            worst(
                black_box(&table),
                &all,
                StatKey::Device,
                WorstBy::Outages,
                10,
                &o,
            )
            .expect("worst")
        });
    });
    g.bench_function("stage_durations", |b| {
        b.iter(|| {
            stage_durations(
                black_box(&table),
                &all,
                &StageSpan::DEFAULT,
                &[50.0, 90.0, 95.0],
            )
            .expect("stages")
        });
    });
    g.bench_function("lost_sales", |b| {
        b.iter(|| lost_sales(black_box(&table), &all, Decimal::new(56, 2)).expect("sales"));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
