//! The energy-use report: a serde document, a self-contained HTML page with inline SVG charts,
//! and a short summary for a WeChat message.
//!
//! The document ([`EnergyReport`]) is plain data: the customer, the months analysed, the
//! indicators with the peer median, the score and rank, and the findings of the four rule sets.
//! [`render_html`] draws it as one HTML page with no external resource (no scripts, fonts,
//! images or style sheets from elsewhere): four inline SVG charts (monthly energy by period,
//! maximum demand against capacity, power factor by month, the indicator profile against the
//! peer median), the findings and the indicator table. [`render_summary`] writes the short text.
//!
//! Rendering is deterministic: the same document gives the same bytes.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::transformer::Status;
use crate::markup::escape as esc;

/// The customer the report is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInfo {
    /// Customer number (户号).
    pub number: String,
    /// Customer name.
    pub name: String,
    /// Tariff category (e.g. 大工业).
    pub category: String,
    /// Supply voltage, kV.
    pub voltage_kv: f64,
    /// Contracted transformer capacity, kVA.
    pub capacity_kva: f64,
}

/// Energy of one month by time-of-use period, kWh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodEnergy {
    /// Sharp peak (尖峰), kWh.
    pub sharp_kwh: f64,
    /// Peak (高峰), kWh.
    pub peak_kwh: f64,
    /// Flat (平段), kWh.
    pub flat_kwh: f64,
    /// Valley (低谷), kWh.
    pub valley_kwh: f64,
    /// Deep valley (深谷), kWh.
    pub deep_valley_kwh: f64,
}

impl PeriodEnergy {
    /// All periods together, kWh.
    pub fn total_kwh(&self) -> f64 {
        self.sharp_kwh + self.peak_kwh + self.flat_kwh + self.valley_kwh + self.deep_valley_kwh
    }

    fn parts(&self) -> [(&'static str, f64, &'static str); 5] {
        [
            ("尖峰", self.sharp_kwh, "#b2182b"),
            ("高峰", self.peak_kwh, "#ef8a62"),
            ("平段", self.flat_kwh, "#bababa"),
            ("低谷", self.valley_kwh, "#67a9cf"),
            ("深谷", self.deep_valley_kwh, "#2166ac"),
        ]
    }
}

/// One month of the analysis window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthSummary {
    /// The month (any day of it; the first is customary).
    pub month: NaiveDate,
    /// Energy by period.
    pub energy: PeriodEnergy,
    /// Maximum demand (15-minute average), kW, when metered.
    #[serde(default)]
    pub max_demand_kw: Option<f64>,
    /// Transformer capacity in service, kVA.
    pub capacity_kva: f64,
    /// Contract demand, kW, when billed by contract demand.
    pub contract_demand_kw: Option<f64>,
    /// The month's power factor, if computed.
    pub power_factor: Option<f64>,
    /// The power-factor standard that applies (0.90, 0.85, 0.80), if any.
    pub pf_standard: Option<f64>,
    /// The month's bill total, yuan.
    pub bill_total_yuan: Option<Decimal>,
}

/// Whether more, less or a range of an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndicatorDirection {
    /// More is better.
    Benefit,
    /// Less is better.
    Cost,
    /// Best within `[low, high]`.
    Interval {
        /// Lower end of the best range.
        low: f64,
        /// Upper end of the best range.
        high: f64,
    },
}

/// One indicator of the customer, with the peers' median.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorEntry {
    /// Stable key (e.g. `load_factor`).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Unit (empty for ratios).
    pub unit: String,
    /// Direction.
    pub direction: IndicatorDirection,
    /// The customer's value.
    pub value: f64,
    /// The median over the peer group, if there is one.
    pub peer_median: Option<f64>,
    /// The indicator's weight in the score, if scored.
    pub weight: Option<f64>,
}

/// The score and the customer's place among its peers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreEntry {
    /// TOPSIS closeness C = D⁻/(D⁺ + D⁻), 0..=1, higher is better.
    pub closeness: f64,
    /// Rank among the peers, 1 = best.
    pub rank: usize,
    /// Number of peers scored (including this customer).
    pub peers: usize,
    /// Share of peers scoring at or below this customer, 0..=100.
    pub percentile: f64,
}

/// Which rule set a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Rule (1): transformer energy use.
    Transformer,
    /// Rule (2): the basic-charge method.
    BasicCharge,
    /// Rule (3): power-factor adjustment.
    PowerFactor,
    /// Rule (4): time of use and direct trading.
    TimeOfUse,
}

impl RuleKind {
    /// The rule's display name.
    pub fn title(self) -> &'static str {
        match self {
            RuleKind::Transformer => "变压器能效",
            RuleKind::BasicCharge => "基本电费计收方式",
            RuleKind::PowerFactor => "功率因数考核",
            RuleKind::TimeOfUse => "峰谷分时用电",
        }
    }
}

/// The finding of one rule: status, advice and the estimated saving with its working.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule set.
    pub rule: RuleKind,
    /// Red, yellow or green.
    pub status: Status,
    /// One-line headline.
    pub headline: String,
    /// The advice.
    pub advice: String,
    /// Estimated saving per year, yuan, if one can be estimated.
    pub saving_yuan_per_year: Option<Decimal>,
    /// How the saving was computed, with the numbers filled in.
    pub formula: Option<String>,
    /// The inputs the rule used, as name/value pairs for display.
    pub inputs: Vec<(String, String)>,
}

/// The whole report of one customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    /// The customer.
    pub customer: CustomerInfo,
    /// The date the report was issued.
    pub issued: NaiveDate,
    /// The months analysed, in order.
    pub months: Vec<MonthSummary>,
    /// The indicators.
    pub indicators: Vec<IndicatorEntry>,
    /// The score, if the customer was scored among peers.
    pub score: Option<ScoreEntry>,
    /// The findings, one per rule that applied.
    pub findings: Vec<Finding>,
}

impl EnergyReport {
    /// The sum of the findings' estimated savings, yuan per year.
    pub fn total_saving_yuan(&self) -> Decimal {
        self.findings
            .iter()
            .filter_map(|f| f.saving_yuan_per_year)
            .sum()
    }

    /// The worst status among the findings (green when there are none).
    pub fn overall_status(&self) -> Status {
        self.findings
            .iter()
            .map(|f| f.status)
            .max()
            .unwrap_or(Status::Green)
    }

    fn period_label(&self) -> String {
        match (self.months.first(), self.months.last()) {
            (Some(a), Some(b)) if a.month != b.month => format!(
                "{}年{}月—{}年{}月",
                a.month.year(),
                a.month.month(),
                b.month.year(),
                b.month.month()
            ),
            (Some(a), _) => format!("{}年{}月", a.month.year(), a.month.month()),
            _ => String::new(),
        }
    }
}

/// A finite number for SVG coordinates (non-finite values are drawn as 0).
fn n(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

fn status_colour(s: Status) -> &'static str {
    match s {
        Status::Red => "#d7301f",
        Status::Yellow => "#e6a700",
        Status::Green => "#1a9850",
    }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Red => "红",
        Status::Yellow => "黄",
        Status::Green => "绿",
    }
}

const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 36.0;

/// A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`.
fn nice_max(max: f64) -> f64 {
    let max = n(max);
    if max <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= max {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A tick label; `fractional` when any tick of the axis has a fraction, so every tick of
/// the axis shows the same decimals (`0.95`, `1.00`, not a lone `1`).
fn fmt_tick(v: f64, fractional: bool) -> String {
    if v.abs() >= 10_000.0 {
        // In units of 10,000 (万) with at most one decimal: 25,000 is 2.5万, not 2万 or 3万.
        let wan = format!("{:.1}", v / 10_000.0);
        format!("{}万", wan.strip_suffix(".0").unwrap_or(&wan))
    } else if !fractional {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The frame of a chart: title, y grid with ticks from `y_min` to `y_max`, month labels.
fn frame(out: &mut String, title: &str, labels: &[String], y_min: f64, y_max: f64, unit: &str) {
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}"><title>{t}</title><text x="{LEFT}" y="18" font-size="14" font-weight="bold">{t}</text>"#,
        t = esc(title)
    );
    let plot_h = H - TOP - BOTTOM;
    let tick = |i: u32| y_min + (y_max - y_min) * f64::from(i) / 4.0;
    let fractional = (0..=4).any(|i| {
        let v = tick(i);
        v.abs() < 10_000.0 && v.fract().abs() > 1e-9
    });
    for i in 0..=4 {
        let v = tick(i);
        let y = TOP + plot_h * (1.0 - f64::from(i) / 4.0);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#e0e0e0"/><text x="{tx}" y="{ty:.1}" font-size="10" text-anchor="end">{lbl}</text>"##,
            x2 = W - RIGHT,
            tx = LEFT - 4.0,
            ty = y + 3.0,
            lbl = esc(&fmt_tick(v, fractional))
        );
    }
    if let Some(unit) = display_unit(unit) {
        let _ = write!(
            out,
            r#"<text x="4" y="{y}" font-size="10">{u}</text>"#,
            y = TOP - 6.0,
            u = esc(unit)
        );
    }
    let slot = slot_width(labels.len());
    for (i, l) in labels.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="{y}" font-size="10" text-anchor="middle">{l}</text>"#,
            y = H - BOTTOM + 14.0,
            l = esc(l)
        );
    }
}

fn slot_width(count: usize) -> f64 {
    (W - LEFT - RIGHT) / count.max(1) as f64
}

fn y_of(v: f64, y_min: f64, y_max: f64) -> f64 {
    let plot_h = H - TOP - BOTTOM;
    let span = if y_max > y_min { y_max - y_min } else { 1.0 };
    TOP + plot_h * (1.0 - ((n(v) - y_min) / span).clamp(0.0, 1.0))
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    let mut x = W - RIGHT;
    for (name, colour) in items.iter().rev() {
        let width = 14.0 + 12.0 * name.chars().count() as f64;
        x -= width + 8.0;
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="8" width="10" height="10" fill="{colour}"/><text x="{tx:.1}" y="17" font-size="10">{name}</text>"#,
            tx = x + 13.0,
            name = esc(name)
        );
    }
}

fn month_labels(months: &[MonthSummary]) -> Vec<String> {
    months
        .iter()
        .map(|m| format!("{}月", m.month.month()))
        .collect()
}

/// Chart 1: stacked bars of monthly energy by period.
pub fn energy_chart(months: &[MonthSummary]) -> String {
    let mut out = String::new();
    let labels = month_labels(months);
    let y_max = nice_max(
        months
            .iter()
            .map(|m| m.energy.total_kwh())
            .fold(0.0, f64::max),
    );
    frame(&mut out, "月度分时电量", &labels, 0.0, y_max, "kWh");
    let slot = slot_width(months.len());
    for (i, m) in months.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.2);
        let mut acc = 0.0;
        for (name, v, colour) in m.energy.parts() {
            let v = n(v).max(0.0);
            if v == 0.0 {
                continue;
            }
            let y_top = y_of(acc + v, 0.0, y_max);
            let y_bottom = y_of(acc, 0.0, y_max);
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y_top:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}"><title>{name} {v:.0} kWh</title></rect>"#,
                w = slot * 0.6,
                h = (y_bottom - y_top).max(0.0)
            );
            acc += v;
        }
    }
    let items: Vec<(&str, &str)> = PeriodEnergy::default()
        .parts()
        .iter()
        .map(|(name, _, c)| (*name, *c))
        .collect();
    legend(&mut out, &items);
    out.push_str("</svg>");
    out
}

fn polyline(out: &mut String, points: &[(f64, f64)], colour: &str, dashed: bool) {
    if points.is_empty() {
        return;
    }
    let mut d = String::new();
    for (x, y) in points {
        let _ = write!(d, "{x:.1},{y:.1} ");
    }
    let dash = if dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
        d.trim_end()
    );
    for (x, y) in points {
        let _ = write!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"/>"#
        );
    }
}

/// Chart 2: maximum demand by month against the capacity (and the contract demand).
pub fn demand_chart(months: &[MonthSummary]) -> String {
    let mut out = String::new();
    let labels = month_labels(months);
    let y_max = nice_max(
        months
            .iter()
            .flat_map(|m| {
                [
                    m.max_demand_kw.unwrap_or(0.0),
                    m.capacity_kva,
                    m.contract_demand_kw.unwrap_or(0.0),
                ]
            })
            .fold(0.0, f64::max),
    );
    frame(&mut out, "最大需量与容量", &labels, 0.0, y_max, "kW / kVA");
    let slot = slot_width(months.len());
    let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let series = |f: &dyn Fn(&MonthSummary) -> Option<f64>| -> Vec<(f64, f64)> {
        months
            .iter()
            .enumerate()
            .filter_map(|(i, m)| f(m).map(|v| (x_of(i), y_of(v, 0.0, y_max))))
            .collect()
    };
    polyline(
        &mut out,
        &series(&|m| Some(m.capacity_kva)),
        "#555555",
        true,
    );
    polyline(
        &mut out,
        &series(&|m| m.contract_demand_kw),
        "#7b3294",
        true,
    );
    polyline(
        &mut out,
        &series(&|m| m.max_demand_kw.filter(|v| v.is_finite())),
        "#d7301f",
        false,
    );
    legend(
        &mut out,
        &[
            ("最大需量", "#d7301f"),
            ("合同需量", "#7b3294"),
            ("容量", "#555555"),
        ],
    );
    out.push_str("</svg>");
    out
}

/// Chart 3: power factor by month against its standard.
pub fn power_factor_chart(months: &[MonthSummary]) -> String {
    let mut out = String::new();
    let labels = month_labels(months);
    let y_min = months
        .iter()
        .flat_map(|m| [m.power_factor, m.pf_standard])
        .flatten()
        .fold(1.0, f64::min)
        .min(0.8);
    let y_min = (n(y_min) * 20.0).floor() / 20.0;
    frame(&mut out, "月度功率因数", &labels, y_min, 1.0, "");
    let slot = slot_width(months.len());
    let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
    let standard: Vec<(f64, f64)> = months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.pf_standard.map(|v| (x_of(i), y_of(v, y_min, 1.0))))
        .collect();
    polyline(&mut out, &standard, "#555555", true);
    for (i, m) in months.iter().enumerate() {
        if let Some(pf) = m.power_factor {
            let below = m.pf_standard.is_some_and(|s| pf < s);
            let colour = if below { "#d7301f" } else { "#1a9850" };
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{colour}"><title>{pf:.2}</title></circle>"#,
                x = x_of(i),
                y = y_of(pf, y_min, 1.0)
            );
        }
    }
    legend(
        &mut out,
        &[
            ("达标", "#1a9850"),
            ("未达标", "#d7301f"),
            ("考核标准", "#555555"),
        ],
    );
    out.push_str("</svg>");
    out
}

/// Chart 4: each indicator relative to the peer median (bars; 100 % = the median).
pub fn profile_chart(indicators: &[IndicatorEntry]) -> String {
    let mut out = String::new();
    let rows: Vec<&IndicatorEntry> = indicators
        .iter()
        .filter(|i| i.peer_median.is_some_and(|m| m.is_finite() && m != 0.0))
        .collect();
    let row_h = 22.0;
    let height = TOP + 8.0 + row_h * rows.len().max(1) as f64;
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="指标与同类中位数对比"><title>指标与同类中位数对比</title><text x="{LEFT}" y="18" font-size="14" font-weight="bold">指标与同类中位数对比（中位数 = 100%）</text>"#
    );
    let label_w = 170.0;
    let x0 = label_w;
    let plot_w = W - RIGHT - label_w;
    // 0 % … 200 % of the median across the plot; the median line in the middle.
    let mid = x0 + plot_w / 2.0;
    let _ = write!(
        out,
        r##"<line x1="{mid:.1}" y1="{TOP}" x2="{mid:.1}" y2="{y2:.1}" stroke="#555555" stroke-dasharray="4 3"/>"##,
        y2 = height - 4.0
    );
    if rows.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{x0}" y="{y}" font-size="11">无同类数据</text>"#,
            y = TOP + 16.0
        );
    }
    for (i, e) in rows.iter().enumerate() {
        let median = e.peer_median.unwrap_or(1.0);
        let rel = n(e.value / median).clamp(0.0, 2.0);
        let y = TOP + 8.0 + row_h * i as f64;
        let better = match e.direction {
            IndicatorDirection::Benefit => e.value >= median,
            IndicatorDirection::Cost => e.value <= median,
            IndicatorDirection::Interval { low, high } => {
                let dist = |v: f64| {
                    if v < low {
                        low - v
                    } else if v > high {
                        v - high
                    } else {
                        0.0
                    }
                };
                dist(e.value) <= dist(median)
            }
        };
        let colour = if better { "#1a9850" } else { "#d7301f" };
        let x_end = x0 + plot_w / 2.0 * rel;
        let (bx, bw) = if x_end >= mid {
            (mid, x_end - mid)
        } else {
            (x_end, mid - x_end)
        };
        let _ = write!(
            out,
            r#"<text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="end">{name}</text><rect x="{bx:.1}" y="{y:.1}" width="{bw:.1}" height="14" fill="{colour}"><title>{name}: {v} / 中位数 {m}</title></rect>"#,
            tx = label_w - 6.0,
            ty = y + 11.0,
            name = esc(&e.name),
            v = esc(&fmt_value(e.value)),
            m = esc(&fmt_value(median))
        );
    }
    out.push_str("</svg>");
    out
}

fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// A rating such as a voltage or a capacity: as [`fmt_value`] without trailing zeros
/// (`10 kV`, `0.4 kV`, `630 kVA`).
fn fmt_rating(v: f64) -> String {
    let s = fmt_value(v);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// An amount of money in yuan as people read it: rounded to 0.01 (banker's rounding, as
/// everywhere money is rounded in gridserve), two decimals, the integer part grouped in
/// thousands with `,`.
///
/// ```
/// use gridserve_core::advice::report::format_yuan;
/// use rust_decimal::Decimal;
///
/// assert_eq!(format_yuan(Decimal::new(617_580, 2)), "6,175.80");
/// assert_eq!(format_yuan(Decimal::new(-1_234_567_891, 3)), "-1,234,567.89");
/// assert_eq!(format_yuan(Decimal::new(12, 0)), "12.00");
/// ```
#[must_use]
pub fn format_yuan(amount: Decimal) -> String {
    let rounded = amount.round_dp(2);
    let plain = format!("{:.2}", rounded.abs());
    let (int, frac) = plain.split_once('.').unwrap_or((plain.as_str(), "00"));
    let mut grouped = String::with_capacity(plain.len() + int.len() / 3 + 1);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        grouped.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped.push('.');
    grouped.push_str(frac);
    grouped
}

/// The unit to print after an indicator's value: none for a dimensionless quantity (an empty
/// unit, or `1`, the SI unit of a ratio, which the scoring catalogue uses).
fn display_unit(unit: &str) -> Option<&str> {
    match unit.trim() {
        "" | "1" => None,
        u => Some(u),
    }
}

const STYLE: &str = "*{box-sizing:border-box}body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:24px auto;padding:0 16px;color:#222;max-width:760px;overflow-wrap:break-word;-webkit-text-size-adjust:100%}\
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #ddd}\
.meta{color:#666;font-size:13px}.score{display:flex;flex-wrap:wrap;gap:8px 24px;margin:12px 0}.score div{background:#f5f5f5;padding:8px 12px;border-radius:6px}\
.score b{display:block;font-size:20px}table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:6px;text-align:left;vertical-align:top}\
td.num,th.num{text-align:right;white-space:nowrap}table.findings td:first-child,table.findings td:nth-child(2),table.findings th{white-space:nowrap}\
.chart{overflow-x:auto}\
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}.formula{color:#666;font-size:12px;overflow-wrap:anywhere}svg{display:block;margin:8px 0;max-width:100%;height:auto}\
@media (max-width:480px){body{margin:12px auto;padding:0 12px;font-size:15px}h1{font-size:18px}.score{gap:8px}.score div{flex:1 1 40%}.score b{font-size:18px}\
table.findings tr:first-child{display:none}table.findings tr{display:block;border-bottom:1px solid #ddd;padding:6px 0}\
table.findings td{display:block;border:0;padding:2px 0}table.findings td[data-label]::before{content:attr(data-label) \"：\";color:#666}\
td.num{white-space:normal}.chart svg{min-width:560px}}";

/// A chart in its box: on a narrow screen the chart keeps a legible width and the box scrolls
/// sideways instead of the page.
fn chart(out: &mut String, svg: &str) {
    out.push_str("<div class=\"chart\">");
    out.push_str(svg);
    out.push_str("</div>");
}

/// Renders the report as one self-contained HTML page (inline CSS and SVG; nothing loaded from
/// elsewhere).
pub fn render_html(report: &EnergyReport) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let c = &report.customer;
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>用能优化分析报告 · {name}</title><style>{STYLE}</style></head><body>",
        name = esc(&c.name)
    );
    let _ = write!(
        out,
        "<h1>用能优化分析报告</h1><p class=\"meta\">{name}（户号 {number}）· {category} · {kv} kV · {cap} kVA<br>分析期 {period} · 出具日期 {issued}</p>",
        name = esc(&c.name),
        number = esc(&c.number),
        category = esc(&c.category),
        kv = fmt_rating(c.voltage_kv),
        cap = fmt_rating(c.capacity_kva),
        period = esc(&report.period_label()),
        issued = report.issued
    );
    out.push_str("<div class=\"score\">");
    if let Some(s) = &report.score {
        let _ = write!(
            out,
            "<div>综合得分<b>{:.3}</b></div><div>同类排名<b>{} / {}</b></div><div>百分位<b>{:.0}%</b></div>",
            n(s.closeness),
            s.rank,
            s.peers,
            n(s.percentile)
        );
    }
    let _ = write!(
        out,
        "<div>预计年节约<b>{} 元</b></div></div>",
        format_yuan(report.total_saving_yuan())
    );

    out.push_str("<h2>诊断与建议</h2><table class=\"findings\"><tr><th>项目</th><th>状态</th><th>结论与建议</th><th class=\"num\">预计年节约</th></tr>");
    for f in &report.findings {
        let _ = write!(
            out,
            "<tr><td><b>{rule}</b></td><td data-label=\"状态\"><span class=\"dot\" style=\"background:{colour}\"></span>{label}</td><td><b>{headline}</b><br>{advice}",
            rule = f.rule.title(),
            colour = status_colour(f.status),
            label = status_label(f.status),
            headline = esc(&f.headline),
            advice = esc(&f.advice)
        );
        if let Some(formula) = &f.formula {
            let _ = write!(out, "<div class=\"formula\">{}</div>", esc(formula));
        }
        if !f.inputs.is_empty() {
            out.push_str("<div class=\"formula\">");
            for (i, (k, v)) in f.inputs.iter().enumerate() {
                if i > 0 {
                    out.push('；');
                }
                let _ = write!(out, "{}：{}", esc(k), esc(v));
            }
            out.push_str("</div>");
        }
        let saving = f
            .saving_yuan_per_year
            .map_or_else(|| "—".to_string(), |s| format!("{} 元", format_yuan(s)));
        let _ = write!(
            out,
            "</td><td class=\"num\" data-label=\"预计年节约\">{saving}</td></tr>"
        );
    }
    out.push_str("</table>");

    if !report.months.is_empty() {
        out.push_str("<h2>用电情况</h2>");
        chart(&mut out, &energy_chart(&report.months));
        chart(&mut out, &demand_chart(&report.months));
        if report.months.iter().any(|m| m.power_factor.is_some()) {
            chart(&mut out, &power_factor_chart(&report.months));
        }
    }
    if !report.indicators.is_empty() {
        out.push_str("<h2>能效指标</h2>");
        chart(&mut out, &profile_chart(&report.indicators));
        out.push_str("<table><tr><th>指标</th><th>数值</th><th>同类中位数</th><th>权重</th></tr>");
        for e in &report.indicators {
            let _ = write!(
                out,
                "<tr><td>{name}</td><td>{v}{unit}</td><td>{m}</td><td>{w}</td></tr>",
                name = esc(&e.name),
                v = esc(&fmt_value(e.value)),
                unit = display_unit(&e.unit).map_or_else(String::new, |u| format!(" {}", esc(u))),
                m = e
                    .peer_median
                    .map_or_else(|| "—".to_string(), |m| esc(&fmt_value(m)).into_owned()),
                w = e
                    .weight
                    .map_or_else(|| "—".to_string(), |w| format!("{w:.3}"))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</body></html>");
    out
}

/// A short plain-text summary for a WeChat message or SMS: the score and rank, one phrase per
/// finding, and the total saving.
pub fn render_summary(report: &EnergyReport) -> String {
    let c = &report.customer;
    let mut out = format!(
        "{}（户号 {}）{}用能分析：",
        c.name,
        c.number,
        report.period_label()
    );
    if let Some(s) = &report.score {
        let _ = write!(
            out,
            "综合得分 {:.2}，同类第 {}/{} 名。",
            n(s.closeness),
            s.rank,
            s.peers
        );
    }
    for f in &report.findings {
        let _ = write!(
            out,
            "{}【{}】{}。",
            f.rule.title(),
            status_label(f.status),
            f.headline
        );
    }
    let total = report.total_saving_yuan();
    if total > Decimal::ZERO {
        let _ = write!(out, "预计年可节约电费 {} 元。", format_yuan(total));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_nice_axis() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(730.0), 1000.0);
        assert_eq!(nice_max(120_000.0), 200_000.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn money_grouped_in_thousands() {
        // Expected strings written by hand from the amounts.
        for (amount, shown) in [
            (Decimal::ZERO, "0.00"),
            (Decimal::new(-1, 3), "0.00"),
            (Decimal::new(100, 0), "100.00"),
            (Decimal::new(1_000, 0), "1,000.00"),
            (Decimal::new(99_999_995, 5), "1,000.00"),
            (Decimal::new(1_234_567_891, 3), "1,234,567.89"),
            (Decimal::new(-12_345_678, 1), "-1,234,567.80"),
        ] {
            assert_eq!(format_yuan(amount), shown, "{amount}");
        }
    }

    #[test]
    fn dimensionless_units_are_not_printed() {
        assert_eq!(display_unit("1"), None);
        assert_eq!(display_unit(" "), None);
        assert_eq!(display_unit("kWh"), Some("kWh"));
        assert_eq!(fmt_rating(10.0), "10");
        assert_eq!(fmt_rating(0.4), "0.4");
        assert_eq!(fmt_rating(630.0), "630");
    }

    #[test]
    fn ticks_in_wan_keep_their_half() {
        assert_eq!(fmt_tick(25_000.0, false), "2.5万");
        assert_eq!(fmt_tick(100_000.0, false), "10万");
        assert_eq!(fmt_tick(75_000.0, true), "7.5万");
        assert_eq!(fmt_tick(1.0, true), "1.00");
        assert_eq!(fmt_tick(500.0, false), "500");
    }
}
