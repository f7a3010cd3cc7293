//! The rendered energy report: a snapshot of the HTML and the summary, and checks that the page
//! is self-contained and every SVG chart is well-formed XML.

use chrono::NaiveDate;
use gridserve::advice::report::{
    CustomerInfo, EnergyReport, Finding, IndicatorDirection, IndicatorEntry, MonthSummary,
    PeriodEnergy, RuleKind, ScoreEntry, render_html, render_summary,
};
use gridserve::advice::transformer::Status;
use rust_decimal::Decimal;

fn sample() -> EnergyReport {
    let months = (1..=6)
        .map(|m| {
            let f = f64::from(m);
            MonthSummary {
                month: NaiveDate::from_ymd_opt(2026, m, 1).unwrap(),
                energy: PeriodEnergy {
                    sharp_kwh: 8_000.0 + 500.0 * f,
                    peak_kwh: 40_000.0 + 1_000.0 * f,
                    flat_kwh: 52_000.0,
                    valley_kwh: 30_000.0 - 800.0 * f,
                    deep_valley_kwh: 0.0,
                },
                max_demand_kw: Some(420.0 + 10.0 * f),
                capacity_kva: 630.0,
                contract_demand_kw: None,
                power_factor: Some(if m == 3 { 0.86 } else { 0.93 }),
                pf_standard: Some(0.90),
                bill_total_yuan: Some(Decimal::new(9_876_543 + i64::from(m) * 1000, 2)),
            }
        })
        .collect();
    EnergyReport {
        customer: CustomerInfo {
            number: "0301234567".into(),
            name: "惠州某<精密>制造有限公司".into(),
            category: "大工业".into(),
            voltage_kv: 10.0,
            capacity_kva: 630.0,
        },
        issued: NaiveDate::from_ymd_opt(2026, 7, 5).unwrap(),
        months,
        indicators: vec![
            IndicatorEntry {
                key: "load_factor".into(),
                name: "负荷率".into(),
                unit: String::new(),
                direction: IndicatorDirection::Benefit,
                value: 0.62,
                peer_median: Some(0.55),
                weight: Some(0.3),
            },
            IndicatorEntry {
                key: "transformer_load_rate".into(),
                name: "变压器负载率".into(),
                unit: String::new(),
                direction: IndicatorDirection::Interval {
                    low: 0.12,
                    high: 0.75,
                },
                value: 0.81,
                peer_median: Some(0.5),
                weight: Some(0.2),
            },
            IndicatorEntry {
                key: "peak_valley_difference_rate".into(),
                name: "峰谷差率".into(),
                unit: String::new(),
                direction: IndicatorDirection::Cost,
                value: 0.7,
                peer_median: Some(0.6),
                weight: Some(0.5),
            },
        ],
        score: Some(ScoreEntry {
            closeness: 0.4321,
            rank: 17,
            peers: 120,
            percentile: 86.7,
        }),
        findings: vec![
            Finding {
                rule: RuleKind::Transformer,
                status: Status::Red,
                headline: "S9 系列高耗能变压器".into(),
                advice: "建议更换为一级能效变压器".into(),
                saving_yuan_per_year: Some(Decimal::new(617_580, 2)),
                formula: Some("[(1.2 − 0.46) + 1·0.5²·(6.2 − 4.46)] kW × 8760 h".into()),
                inputs: vec![("型号".into(), "S9-M-630/10".into())],
            },
            Finding {
                rule: RuleKind::PowerFactor,
                status: Status::Yellow,
                headline: "3 月功率因数 0.86 低于 0.90".into(),
                advice: "检查无功补偿装置".into(),
                saving_yuan_per_year: None,
                formula: None,
                inputs: vec![],
            },
        ],
    }
}

#[test]
fn page_reads_on_a_phone() {
    let mut r = sample();
    // A ratio with the scoring catalogue's unit "1", and one with a real unit.
    r.indicators[0].unit = "1".into();
    r.indicators[1].unit = "kWh".into();
    let html = render_html(&r);
    // The viewport, so WeChat's browser lays the page out at the phone's width, and a
    // narrow-screen layout (findings as stacked cards, score boxes that wrap).
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(html.contains("@media (max-width:480px)"));
    assert!(html.contains(".score{display:flex;flex-wrap:wrap"));
    // Money grouped in thousands, with 元, in the score box and the findings.
    assert!(html.contains("预计年节约<b>6,175.80 元</b>"));
    assert!(html.contains(r#"data-label="预计年节约">6,175.80 元</td>"#));
    assert!(!html.contains("6175.80"));
    // No unit "1" after a dimensionless value; a real unit stays.
    assert!(html.contains("<td>负荷率</td><td>0.620</td>"), "{html}");
    assert!(html.contains("<td>变压器负载率</td><td>0.810 kWh</td>"));
    // Ratings without trailing zeros, and axis ticks with the same decimals.
    assert!(html.contains("· 10 kV · 630 kVA"));
    assert!(html.contains(">1.00</text>") && !html.contains(">1</text>"));
    assert!(render_summary(&r).ends_with("预计年可节约电费 6,175.80 元。"));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("energy_report_html", render_html(&sample()));
}

#[test]
fn summary_snapshot() {
    insta::assert_snapshot!("energy_report_summary", render_summary(&sample()));
}

#[test]
fn html_is_self_contained_and_svgs_are_well_formed() {
    let html = render_html(&sample());
    let lower = html.to_lowercase();
    for needle in [
        "http:", "https:", "//", "<script", "<link", "<img", "src=", "url(",
    ] {
        // `//` would also catch protocol-relative URLs; the page has no comments or paths.
        assert!(!lower.contains(needle), "the page contains {needle:?}");
    }
    // The customer's name is escaped, not injected.
    assert!(html.contains("惠州某&lt;精密&gt;制造有限公司"));
    let mut count = 0;
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("every <svg> is closed") + start + 6;
        let svg = &rest[start..end];
        let doc = roxmltree::Document::parse(svg)
            .unwrap_or_else(|e| panic!("chart {count} is not well-formed XML: {e}\n{svg}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        count += 1;
        rest = &rest[end..];
    }
    // Energy, demand, power factor, indicator profile.
    assert_eq!(count, 4);
}

#[test]
fn rendering_survives_empty_and_non_finite_data() {
    let mut r = sample();
    r.months[0].max_demand_kw = Some(f64::NAN);
    r.months[2].max_demand_kw = None;
    r.months[1].energy.peak_kwh = f64::INFINITY;
    r.indicators[0].value = f64::NAN;
    r.indicators[1].peer_median = Some(0.0);
    let html = render_html(&r);
    assert!(!html.contains("NaN") && !html.contains("inf"));
    let empty = EnergyReport {
        months: vec![],
        indicators: vec![],
        findings: vec![],
        score: None,
        ..sample()
    };
    let html = render_html(&empty);
    assert!(html.ends_with("</html>"));
    assert!(!render_summary(&empty).contains("节约"));
}

#[test]
fn document_round_trips_through_json() {
    let r = sample();
    let json = serde_json::to_string(&r).unwrap();
    let back: EnergyReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    // Savings sum: 6175.80 (the only finding with a saving).
    assert_eq!(r.total_saving_yuan(), Decimal::new(617_580, 2));
    assert_eq!(r.overall_status(), Status::Red);
}
