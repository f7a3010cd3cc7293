//! The README's main job: read a county's five source systems (the PMS ledger, GIS
//! connectivity, SG186 customers, contacts and meters, AMI and DA events; the sample in
//! `examples/data/county-sources`), fuse them into one network and print the reconciliation's
//! findings, then trace a fault, plan its restoration (FLISR), infer the operated device from
//! the AMI events and plan an outage the way an operator would, printing what they need and
//! how long each step took.
//!
//! About 1,250 lines of code: an example a reader follows top to bottom, section by section,
//! kept in one file.
//!
//! It then runs the closed loops on the embedded SQLite event store and outbox, in a database
//! file in a fresh temporary directory: the fault's scope starts an outage notice whose
//! progress reaches the affected customers' contacts; the crew works the FLISR plan step by
//! step, and the customers each step brings back get a restored notice and no more progress
//! notices; the inferred device starts a second outage notice that records the evidence it
//! rests on; a safety defect is recorded and closed,
//! and a bill's reminders escalate up the contact levels. The outbox dispatcher delivers each
//! step's notices through console messengers (one masked line per notice, the first few shown).
//! At the end it counts the outbox entries by status and reopens the file to read the outage's
//! events back.
//!
//! The reader is a dispatcher: names and phone numbers are masked as the default
//! [`MaskingPolicy`] says for that role, everywhere the program prints them. A network with no
//! segment, no sectionalizing switch or no customer skips the steps that need one and says so.
//!
//! ```text
//! cargo run --release --example quickstart            # the sample sources of a county
//! cargo run --release --example quickstart -- DIR     # a network in the CSV layout in DIR
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use gridserve::integrate::{
    Finding, IntegrateOptions, Integrated, ReadOptions, Severity as FindingSeverity, SourcePaths,
    read_sources,
};
use gridserve::network::infer::{Evidence, InferenceOptions};
use gridserve::network::records::{Importance, NetworkData, SwitchKind};
use gridserve::network::restore::{RestorationOptions, RestorationPlan, Stage};
use gridserve::network::{
    Action, ElementId, LineId, LineKind, Network, RecordKind, ScopeReport, Topology, Trip, io,
};
use gridserve::notify::{Masking, MaskingPolicy};
use gridserve::outbox::{DispatchPolicy, Dispatcher};
use gridserve::ports::{
    Channel, ManualClock, Messenger, OutboundMessage, SendError, SendOutcome, StoreError,
    Timestamp, china_offset,
};
use gridserve::sqlite::{SqliteOptions, SqliteStore, Synchronous};
use gridserve::workflow::bill::BillCommand;
use gridserve::workflow::defect::{DefectCommand, Severity};
use gridserve::workflow::outage::{OutageCommand, OutagePlanStep};
use gridserve::workflow::{Actor, Attachment, Desk, MediaKind, Role, SystemGrant};

/// Where the program writes: standard output, or a buffer (for tests). Cloned into the console
/// messengers, which print from the dispatcher.
#[derive(Clone, Default)]
pub(crate) struct Out(Option<Arc<Mutex<String>>>);

impl Out {
    /// Standard output.
    #[must_use]
    pub(crate) fn stdout() -> Self {
        Self(None)
    }

    /// A buffer read back with [`Out::text`].
    #[allow(dead_code)] // used by the integration tests (tests/it/quickstart.rs)
    #[must_use]
    pub(crate) fn buffer() -> Self {
        Self(Some(Arc::default()))
    }

    /// Writes one line.
    pub(crate) fn line(&self, s: impl AsRef<str>) {
        match &self.0 {
            None => println!("{}", s.as_ref()),
            Some(b) => {
                let mut b = b.lock().unwrap_or_else(PoisonError::into_inner);
                b.push_str(s.as_ref());
                b.push('\n');
            }
        }
    }

    /// What was written to the buffer (empty for standard output).
    #[allow(dead_code)] // used by the integration tests (tests/it/quickstart.rs)
    #[must_use]
    pub(crate) fn text(&self) -> String {
        self.0.as_ref().map_or_else(String::new, |b| {
            b.lock().unwrap_or_else(PoisonError::into_inner).clone()
        })
    }
}

macro_rules! say {
    ($out:expr) => { $out.line("") };
    ($out:expr, $($arg:tt)*) => { $out.line(format!($($arg)*)) };
}

/// Columns a character takes on a terminal: 2 for East Asian wide and full-width characters
/// (CJK ideographs, kana, hangul, full-width forms), 0 for combining marks, 1 otherwise.
#[must_use]
pub(crate) fn char_width(c: char) -> usize {
    let u = u32::from(c);
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    let combining = matches!(u, 0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F);
    if wide {
        2
    } else if combining {
        0
    } else {
        1
    }
}

/// Columns a text takes on a terminal (see [`char_width`]).
#[must_use]
pub(crate) fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Lays out a table: columns separated by two spaces, each as wide as its widest cell in
/// display columns, numbers (`right[k]`) right-aligned; every line is indented by four spaces.
/// The last column is padded too, so that every line has the same display width.
#[must_use]
pub(crate) fn table(header: &[&str], rows: &[Vec<String>], right: &[bool]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(display_width(cell));
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from("   ");
        for (k, cell) in cells.enumerate() {
            let pad = " ".repeat(widths[k] - display_width(cell));
            s.push_str("  ");
            if right.get(k).copied().unwrap_or(false) {
                s.push_str(&pad);
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.push_str(&pad);
            }
        }
        s
    };
    let mut out = vec![line(&mut header.iter().copied())];
    out.extend(rows.iter().map(|r| line(&mut r.iter().map(String::as_str))));
    out
}

fn timed<T>(out: &Out, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    say!(out, "  [{what}: {}]", fmt(start.elapsed()));
    result
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

/// The importance class as a dispatcher reads it.
#[must_use]
pub(crate) fn importance_label(i: Importance) -> &'static str {
    match i {
        Importance::Normal => "普通",
        Importance::Temporary => "临时性重要",
        Importance::SecondClass => "二级重要",
        Importance::FirstClass => "一级重要",
        Importance::SpecialClass => "特级重要",
    }
}

/// The switch kind as a dispatcher reads it.
#[must_use]
pub(crate) fn switch_label(k: SwitchKind) -> &'static str {
    match k {
        SwitchKind::Breaker => "断路器",
        SwitchKind::Recloser => "重合器",
        SwitchKind::LoadBreakSwitch => "负荷开关",
        SwitchKind::Disconnector => "隔离开关",
        SwitchKind::Fuse => "熔断器",
        SwitchKind::Sectionalizer => "分段器",
    }
}

fn record_label(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Point => "节点",
        RecordKind::Segment => "线段",
        RecordKind::Switch => "开关",
        RecordKind::Transformer => "变压器",
        RecordKind::Source => "电源",
        RecordKind::Customer => "用户",
        RecordKind::Contact => "联系人",
    }
}

/// A workflow event's name as a dispatcher reads it (the name itself if it has no label). The
/// workflow's prefix (`defect.` in `defect.recorded`) is dropped.
fn event_label(name: &str) -> &str {
    let bare = name.rsplit_once('.').map_or(name, |(_, n)| n);
    match bare {
        "detected" => "发现故障",
        "scope_traced" => "研判停电范围",
        "crew_dispatched" => "派出抢修队",
        "located" => "查明故障点",
        "repair_started" => "开始抢修",
        "etr_updated" => "更新预计恢复时间",
        "restored" => "恢复送电",
        "closed" => "归档",
        "recorded" => "登记缺陷",
        "notice_issued" => "下达整改通知",
        "acknowledged" => "用户签收",
        "rectifying_started" => "开始整改",
        "rectification_submitted" => "提交整改结果",
        "verified" => "复查合格",
        "sent_back" => "退回整改",
        _ => name,
    }
}

/// A line's description: the switch kind for switches, the record kind otherwise.
fn line_label(net: &Network, l: LineId) -> &'static str {
    match net.line(l).kind {
        LineKind::Switch(s) => switch_label(s.kind),
        LineKind::Segment(_) => "线段",
        LineKind::Transformer(_) => "变压器",
    }
}

/// The name a customer reads for the area around a line: the name of the feeder (source)
/// that supplies it, else the name of its substation point, else the source's asset number
/// (a network without names has nothing better).
#[must_use]
pub(crate) fn area_name(topo: &Topology, line: LineId) -> Option<String> {
    let net = topo.network();
    let (from, to) = net.line_ends(line);
    let source = [from, to]
        .into_iter()
        .find_map(|p| topo.feeding_sources(p).first().copied())?;
    if let Some(name) = net.source_name(source).filter(|n| !n.trim().is_empty()) {
        return Some(name.to_owned());
    }
    let point = net.source(source).point;
    Some(
        net.point_name(point)
            .filter(|n| !n.trim().is_empty())
            .map_or_else(
                || format!("电源{}", net.source_asset(source)),
                str::to_owned,
            ),
    )
}

fn print_report(out: &Out, report: &ScopeReport, masking: Masking) {
    let s = &report.summary;
    say!(
        out,
        "  {} points, {} transformers, {} customers out ({} critical), {:.0} kW lost",
        s.points,
        s.transformers,
        s.customers,
        s.critical_customers,
        s.load_kw
    );
    let rows: Vec<Vec<String>> = report
        .customers
        .iter()
        .take(5)
        .map(|c| {
            let first = c.contacts.first();
            vec![
                c.number.clone(),
                c.name
                    .as_deref()
                    .map_or_else(|| "-".into(), |n| masking.name(n)),
                format!("{:.0}", c.load_kw),
                importance_label(c.importance).to_owned(),
                first.map_or_else(|| "-".into(), |k| masking.name(&k.name)),
                first.map_or_else(|| "-".into(), |k| masking.phone(&k.phone)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let header = ["户号", "用户名称", "负荷 kW", "重要等级", "联系人", "电话"];
        let right = [false, false, true, false, false, false];
        for line in table(&header, &rows, &right) {
            out.line(line);
        }
    }
    if report.customers.len() > 5 {
        say!(out, "    … and {} more", report.customers.len() - 5);
    }
    let rows: Vec<Vec<String>> = report
        .boundary
        .iter()
        .map(|b| {
            vec![
                b.asset.clone(),
                b.switch_kind
                    .map_or_else(|| record_label(b.kind), switch_label)
                    .to_owned(),
                if b.passes_after { "合" } else { "分" }.to_owned(),
                if b.remote {
                    "可遥控"
                } else {
                    "现场操作"
                }
                .to_owned(),
                b.lost_end.clone(),
                b.live_end.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        say!(out, "  boundary devices:");
        let header = ["设备", "类型", "状态", "操作", "停电侧", "带电侧"];
        for line in table(&header, &rows, &[]) {
            out.line(line);
        }
    }
}

/// The sample shipped with the quickstart: a synthetic county written as the five source
/// systems, with a few disagreements planted (see its README.md).
#[must_use]
pub(crate) fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join("data")
        .join("county-sources")
}

/// Where the network comes from.
pub(crate) enum Input<'a> {
    /// A folder of the five source systems' tables (CSV, the default layouts).
    Sources(&'a Path),
    /// A folder in the CSV layout.
    Dir(&'a Path),
    /// Records already read.
    #[allow(dead_code)] // used by the integration tests (tests/it/quickstart.rs)
    Data(NetworkData),
}

/// Runs the quickstart on `input`, writing to `out`. Every bad input ends in an error, never a
/// panic.
///
/// # Errors
/// A network that cannot be read or is invalid, or a failing store.
pub(crate) fn run(input: Input<'_>, out: &Out) -> Result<(), gridserve::Error> {
    // The reader of everything printed here is a dispatcher.
    let masking = MaskingPolicy::default().for_roles(&[Role::Dispatcher]);
    let (data, evidence): (NetworkData, Vec<Evidence>) = match input {
        Input::Dir(dir) => (
            timed(out, &format!("read CSV folder {}", dir.display()), || {
                io::read_csv_dir(dir)
            })?,
            Vec::new(),
        ),
        Input::Sources(dir) => {
            let fused = reconcile(out, dir, masking)?;
            (fused.network, fused.evidence)
        }
        Input::Data(data) => (data, Vec::new()),
    };
    let net = Arc::new(timed(out, "validate and build the model", || {
        Network::from_data(&data)
    })?);
    let topo = timed(out, "index the normal state", || {
        Topology::normal(net.clone())
    });
    say!(
        out,
        "network: {} points, {} lines, {} sources, {} customers; {} energized; {} loops",
        net.point_count(),
        net.line_count(),
        net.source_count(),
        net.customer_count(),
        topo.energized_count(),
        topo.loops().len()
    );

    // The segment whose fault cuts off the most critical customers (every segment is tried).
    let exposure = timed(out, "exposure of every switch", || topo.exposure());
    let segments: Vec<_> = net
        .line_ids()
        .filter(|&l| matches!(net.line(l).kind, LineKind::Segment(_)))
        .collect();
    let mut fault = None;
    if let Some(&first) = segments.first() {
        let segment = timed(
            out,
            &format!("trace a fault on each of {} segments", segments.len()),
            || {
                let mut best = (0, 0, first);
                for &l in &segments {
                    let s = *topo.fault(ElementId::Line(l))?.scope.summary();
                    best = best.max((s.critical_customers, s.customers, l));
                }
                Ok::<_, gridserve::Error>(best.2)
            },
        )?;
        let area = area_name(&topo, segment);
        say!(out);
        say!(
            out,
            "FAULT on segment {} ({})",
            net.line_asset(segment),
            area.as_deref().unwrap_or("not energized")
        );
        let outcome = timed(out, "trace the fault", || {
            topo.fault(ElementId::Line(segment))
        })?;
        for t in &outcome.tripped {
            match *t {
                Trip::Switch(l) => {
                    say!(
                        out,
                        "  tripped: {} {}",
                        line_label(&net, l),
                        net.line_asset(l)
                    );
                }
                Trip::Source(s) => say!(out, "  tripped: source {}", net.source_asset(s)),
            }
        }
        if outcome.tripped.is_empty() {
            say!(out, "  tripped: nothing (the segment is not energized)");
        }
        let report = timed(out, "list customers, contacts, boundary", || {
            outcome.scope.report(&topo)
        })?;
        print_report(out, &report, masking);
        let plan = timed(out, "plan the restoration (FLISR)", || {
            topo.restoration_plan(ElementId::Line(segment), &RestorationOptions::default())
        })?;
        print_plan(out, &net, &plan);
        fault = Some(Fault {
            segment: net.line_asset(segment).to_owned(),
            area,
            trace: OutageCommand::trace_fault(&topo, &outcome, None)?,
            plan: OutageCommand::attach_plan(&topo, &plan)?,
        });
    } else {
        say!(out);
        say!(
            out,
            "FAULT: the network has no segment to trace a fault on; skipped"
        );
    }

    let inferred = infer(out, &topo, &evidence)?;

    // A planned outage of the sectionalizing switch with the most load behind it.
    let busiest = exposure
        .switches
        .iter()
        .zip(&exposure.load_kw)
        .filter(|&(&l, _)| net.line(l).as_switch().is_some_and(|s| !s.protective))
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(&l, _)| l);
    say!(out);
    if let Some(busiest) = busiest {
        say!(
            out,
            "PLANNED OUTAGE of {} {} (the most load behind a sectionalizer)",
            line_label(&net, busiest),
            net.line_asset(busiest)
        );
        let plan = timed(out, "plan the isolation", || {
            topo.planned_outage(ElementId::Line(busiest))
        })?;
        let iso: Vec<&str> = plan.isolators.iter().map(|&l| net.line_asset(l)).collect();
        say!(out, "  open: {}", none_if_empty(&iso));
        let down: Vec<&str> = plan.downstream.iter().map(|&l| net.line_asset(l)).collect();
        say!(
            out,
            "  downstream (no need to open; open before re-supplying through a tie): {}",
            none_if_empty(&down)
        );
        let report = timed(out, "list customers, contacts, boundary", || {
            plan.scope.report(&topo)
        })?;
        print_report(out, &report, masking);
    } else {
        say!(
            out,
            "PLANNED OUTAGE: the network has no sectionalizing switch; skipped"
        );
    }

    workflows(out, &net, fault, inferred, masking)
}

/// Reads the five sources in `dir`, fuses them and prints the reconciliation: the findings
/// counted by kind and the first of each kind, personal values masked for the reader.
fn reconcile(out: &Out, dir: &Path, masking: Masking) -> Result<Integrated, gridserve::Error> {
    let paths = SourcePaths::in_dir(dir, false);
    let (sources, found) = timed(
        out,
        &format!("read the five source systems in {}", dir.display()),
        || read_sources(&paths, &ReadOptions::default()),
    )?;
    say!(
        out,
        "sources: {} ledger rows (PMS), {} GIS devices, {} customers, {} contacts, {} meters \
         (SG186), {} AMI events, {} DA events",
        sources.pms.len(),
        sources.gis.len(),
        sources.customers.len(),
        sources.contacts.len(),
        sources.meters.len(),
        sources.ami_events.len(),
        sources.da_events.len()
    );
    let fused = timed(out, "fuse by asset number and reconcile", || {
        gridserve::integrate::integrate(&sources, found, &IntegrateOptions::default())
    })?;
    say!(out);
    say!(
        out,
        "RECONCILIATION: {} findings of {} kinds",
        fused.findings.len(),
        fused.counts().len()
    );
    let rows: Vec<Vec<String>> = fused
        .counts()
        .into_iter()
        .map(|(kind, n)| {
            vec![
                kind.name(),
                severity_label(kind.severity()).to_owned(),
                n.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        for line in table(
            &["发现类型", "严重程度", "条数"],
            &rows,
            &[false, false, true],
        ) {
            out.line(line);
        }
        say!(out, "  the first of each kind:");
        let mut seen = std::collections::BTreeSet::new();
        let rows: Vec<Vec<String>> = fused
            .findings
            .iter()
            .filter(|f| seen.insert(f.kind))
            .map(|f| finding_row(&f.masked(masking)))
            .collect();
        let header = ["发现类型", "表", "记录", "字段", "值"];
        for line in table(&header, &rows, &[]) {
            out.line(line);
        }
    }
    Ok(fused)
}

/// A finding as a table row: kind, table, record, field and value (at most 32 characters).
fn finding_row(f: &Finding) -> Vec<String> {
    let value = f.value.as_deref().map_or_else(
        || "-".to_owned(),
        |v| {
            if v.chars().count() > 32 {
                format!("{}…", v.chars().take(31).collect::<String>())
            } else {
                v.to_owned()
            }
        },
    );
    vec![
        f.kind.name(),
        f.table.clone(),
        if f.record.is_empty() {
            "-".to_owned()
        } else {
            f.record.clone()
        },
        f.field.clone().unwrap_or_else(|| "-".to_owned()),
        value,
    ]
}

fn severity_label(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Info => "提示",
        FindingSeverity::Warning => "警告",
        FindingSeverity::Error => "错误",
    }
}

/// A tripped or operated device as a dispatcher reads it: its kind and asset number.
fn trip_label(net: &Network, t: Trip) -> (String, &'static str) {
    match t {
        Trip::Switch(l) => (net.line_asset(l).to_owned(), line_label(net, l)),
        Trip::Source(s) => (net.source_asset(s).to_owned(), "电源"),
    }
}

/// The most likely inferred device, which starts the second outage notice.
struct Inferred {
    /// Its asset number and kind.
    device: (String, &'static str),
    /// The area as told to customers (the feeder's name).
    area: Option<String>,
    /// Its `trace_scope` command, recording the device, confidence and evidence.
    trace: OutageCommand,
}

/// Infers the operated devices from the AMI evidence and prints the most likely ones; returns
/// the first (most customers) for the outage workflow.
fn infer(
    out: &Out,
    topo: &Topology,
    evidence: &[Evidence],
) -> Result<Option<Inferred>, gridserve::Error> {
    say!(out);
    if evidence.is_empty() {
        say!(out, "OUTAGE INFERENCE: no AMI event to infer from; skipped");
        return Ok(None);
    }
    say!(
        out,
        "OUTAGE INFERENCE from {} AMI events (meters reporting power off or on)",
        evidence.len()
    );
    let found = timed(out, "infer the operated devices", || {
        topo.infer(evidence, &InferenceOptions::default())
    })?;
    let net = topo.network();
    let rows: Vec<Vec<String>> = found
        .outages
        .iter()
        .take(3)
        .map(|o| {
            let (asset, kind) = trip_label(net, o.device);
            vec![
                asset,
                kind.to_owned(),
                format!("{:.2}", o.confidence),
                o.evidence.len().to_string(),
                o.customers.to_string(),
                if o.tripped { "是" } else { "否" }.to_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        say!(out, "  no device explains the evidence");
    } else {
        let header = ["设备", "类型", "置信度", "证据条数", "下游用户", "保护动作"];
        let right = [false, false, true, true, true, false];
        for line in table(&header, &rows, &right) {
            out.line(line);
        }
    }
    if found.outages.len() > 3 {
        say!(out, "    … and {} more", found.outages.len() - 3);
    }
    say!(
        out,
        "  {} reports from customers already out, {} contradicting",
        found.already_out.len(),
        found.contradicting.len()
    );
    let Some(first) = found.outages.first() else {
        return Ok(None);
    };
    Ok(Some(Inferred {
        device: trip_label(net, first.device),
        area: match first.device {
            Trip::Switch(l) => area_name(topo, l),
            Trip::Source(_) => None,
        },
        trace: OutageCommand::trace_inferred(topo, first, evidence, None)?,
    }))
}

/// Prints a FLISR switching plan: one row per step, with the customers and load it restores
/// and the headroom left on the picking-up source.
fn print_plan(out: &Out, net: &Network, plan: &RestorationPlan) {
    say!(
        out,
        "  FLISR: {} steps; {} of {} customers out restored, {} remain out ({:.0} kW)",
        plan.steps.len(),
        plan.customers_out - plan.customers_remaining,
        plan.customers_out,
        plan.customers_remaining,
        plan.load_remaining_kw
    );
    let rows: Vec<Vec<String>> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let (asset, kind) = match s.element {
                ElementId::Line(l) => (net.line_asset(l).to_owned(), line_label(net, l)),
                ElementId::Source(x) => (net.source_asset(x).to_owned(), "电源"),
                ElementId::Point(p) => (net.point_asset(p).to_owned(), "节点"),
            };
            vec![
                (k + 1).to_string(),
                asset,
                kind.to_owned(),
                action_label(s.action).to_owned(),
                stage_label(s.stage).to_owned(),
                if s.remote { "遥控" } else { "现场" }.to_owned(),
                s.customers_restored.to_string(),
                format!("{:.0}", s.load_restored_kw),
                s.headroom_kva
                    .map_or_else(|| "-".to_owned(), |h| format!("{h:.0}")),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let header = [
            "步骤",
            "设备",
            "类型",
            "操作",
            "阶段",
            "方式",
            "恢复用户",
            "恢复 kW",
            "裕度 kVA",
        ];
        let right = [true, false, false, false, false, false, true, true, true];
        for line in table(&header, &rows, &right) {
            out.line(line);
        }
    }
}

fn action_label(a: Action) -> &'static str {
    match a {
        Action::Open => "分闸",
        Action::Close => "合闸",
        Action::Fault => "故障",
        Action::Repair => "修复",
        Action::TakeOut => "停运",
        Action::Restore => "恢复运行",
    }
}

fn stage_label(s: Stage) -> &'static str {
    match s {
        Stage::Isolate => "隔离故障",
        Stage::Upstream => "恢复上游",
        Stage::Split => "分割负荷",
        Stage::Transfer => "转供",
    }
}

fn none_if_empty(v: &[&str]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

/// A console messenger for one channel: prints one line per notice, the phone number or
/// openid and the text masked for the reader, and answers `Delivered`. The messengers of all channels share one [`Console`],
/// which caps how many lines a delivery step prints.
struct ConsoleMessenger {
    channel: Channel,
    console: Arc<Console>,
}

/// The line budget shared by the console messengers: at most `show` lines per step, counting
/// every notice handed over in the step.
struct Console {
    show: AtomicUsize,
    handed: AtomicUsize,
    out: Out,
    masking: Masking,
    net: Arc<Network>,
}

impl Console {
    /// A notice's text as the reader may see it: digit runs that may be phone numbers masked,
    /// and the names of the recipient's customer and of its contacts masked wherever they occur.
    fn shown(&self, m: &OutboundMessage, body: &str) -> String {
        let mut text = self.masking.text(body);
        if self.masking == Masking::Clear {
            return text;
        }
        let customer = m
            .customer
            .as_deref()
            .and_then(|c| self.net.customer_id(c).ok())
            .map(|c| self.net.customer(c));
        if let Some(c) = customer {
            let names = c.name().into_iter().chain(c.contacts().map(|k| k.name));
            for name in names.filter(|n| !n.trim().is_empty()) {
                text = text.replace(name, &self.masking.name(name));
            }
        }
        text
    }
}

impl Messenger for ConsoleMessenger {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn send(&self, m: &OutboundMessage) -> Result<SendOutcome, SendError> {
        if self.console.handed.fetch_add(1, Ordering::Relaxed)
            < self.console.show.load(Ordering::Relaxed)
        {
            // Text channels carry the text; WeChat carries the template's keyword values.
            let body = m.text.clone().unwrap_or_else(|| {
                m.fields
                    .iter()
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            });
            say!(
                self.console.out,
                "    -> {} {} {}: {}",
                m.channel,
                self.console.masking.phone(&m.address),
                m.template,
                self.console.shown(m, &body)
            );
        }
        Ok(SendOutcome::Delivered)
    }
}

/// The delivery side: the outbox dispatcher with a console messenger on every channel.
struct Delivery {
    dispatcher: Dispatcher,
    console: Arc<Console>,
    clock: ManualClock,
}

impl Delivery {
    fn new(
        start: Timestamp,
        net: &Arc<Network>,
        out: &Out,
        masking: Masking,
    ) -> Result<Self, gridserve::Error> {
        // Results are recorded 256 to a transaction, not one by one (the default): one commit
        // per round keeps a durable (synchronous = FULL) store fast, at the price of a wider
        // window in which a crash would send a round's notices again.
        let policy = DispatchPolicy {
            record_batch: 256,
            ..DispatchPolicy::default()
        };
        let mut dispatcher = Dispatcher::new(policy)?;
        let console = Arc::new(Console {
            show: AtomicUsize::new(0),
            handed: AtomicUsize::new(0),
            out: out.clone(),
            masking,
            net: net.clone(),
        });
        // The desk has no contact book here, so every notice goes by SMS to the contact's
        // phone; a book may route contacts to WeChat or the app, so every channel prints.
        for channel in Channel::ALL {
            dispatcher.register(Arc::new(ConsoleMessenger {
                channel,
                console: console.clone(),
            }));
        }
        Ok(Self {
            dispatcher,
            console,
            clock: ManualClock::new(start),
        })
    }

    /// Dispatches every notice due at `now`, printing the first `show` of them and the
    /// dispatch report.
    fn run(
        &mut self,
        store: &mut SqliteStore,
        now: Timestamp,
        show: usize,
    ) -> Result<(), gridserve::Error> {
        self.console.show.store(show, Ordering::Relaxed);
        self.console.handed.store(0, Ordering::Relaxed);
        self.clock.set(now);
        let started = Instant::now();
        let report = self.dispatcher.run_until_idle(store, &self.clock)?;
        let took = started.elapsed();
        let handed = self.console.handed.load(Ordering::Relaxed);
        let out = &self.console.out;
        if handed > show {
            say!(out, "    … and {} more", handed - show);
        }
        if report.fetched > 0 {
            say!(
                out,
                "    [dispatch: {} sent, {} retried, {} dead-lettered: {}]",
                report.sent,
                report.retried,
                report.dead,
                fmt(took)
            );
        }
        Ok(())
    }
}

fn store_error(e: StoreError) -> gridserve::Error {
    gridserve::workflow::WorkflowError::from(e).into()
}

/// The traced fault the workflows start from.
struct Fault {
    /// The faulted segment's asset number.
    segment: String,
    /// The area as told to customers (the feeder's name).
    area: Option<String>,
    /// Its `trace_scope` command.
    trace: OutageCommand,
    /// Its FLISR plan as an `attach_plan` command.
    plan: OutageCommand,
}

/// One line of the outage's timeline: at a minute after the start, the commands given by one
/// actor, printed as one line with `label` and what the commands brought.
struct Moment<'a> {
    at: i64,
    label: String,
    actor: &'a Actor,
    commands: Vec<OutageCommand>,
}

/// The FLISR plan's steps as timeline moments between `first` and `last` minutes: a run of
/// steps that bring no customer back is one moment, each step that does is its own.
fn plan_moments<'a>(
    steps: &[OutagePlanStep],
    first: i64,
    last: i64,
    actor: &'a Actor,
) -> Vec<Moment<'a>> {
    let n = i64::try_from(steps.len()).unwrap_or(i64::MAX).max(1);
    let mut moments: Vec<Moment<'a>> = Vec::new();
    let mut run_start = None;
    for (k, step) in steps.iter().enumerate() {
        let number = k + 1;
        let at = first + (last - first) * i64::try_from(number).unwrap_or(n) / n;
        let done = OutageCommand::CompleteStep { step: number };
        if step.customers.is_empty() {
            let from = *run_start.get_or_insert(number);
            let quiet_run = moments
                .last_mut()
                .filter(|m| m.label.starts_with("方案第") && from < number);
            match quiet_run {
                Some(m) => {
                    m.at = at;
                    m.label = format!("方案第{from}–{number}步");
                    m.commands.push(done);
                }
                None => moments.push(Moment {
                    at,
                    label: format!("方案第{number}步"),
                    actor,
                    commands: vec![done],
                }),
            }
        } else {
            run_start = None;
            moments.push(Moment {
                at,
                label: format!(
                    "方案第{number}步 {} {}",
                    action_label(step.action),
                    step.device
                ),
                actor,
                commands: vec![done],
            });
        }
    }
    moments
}

#[allow(clippy::too_many_lines)]
fn workflows(
    out: &Out,
    net: &Arc<Network>,
    fault: Option<Fault>,
    inferred: Option<Inferred>,
    masking: Masking,
) -> Result<(), gridserve::Error> {
    let desk = Desk::new(net.clone());
    let Some(start) = china_offset()
        .with_ymd_and_hms(2026, 3, 2, 14, 5, 0)
        .single()
    else {
        unreachable!("2026-03-02 14:05 exists in a fixed offset");
    };
    // The embedded default store, in a fresh directory removed when `dir` drops.
    let dir = tempfile::tempdir().map_err(|e| {
        store_error(StoreError::Backend {
            detail: format!("cannot create a temporary directory: {e}"),
        })
    })?;
    let path = dir.path().join("gridserve.db");
    say!(out);
    say!(out, "WORKFLOWS on the SQLite store {}", path.display());
    let options = SqliteOptions::default();
    let sync = match options.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    let mut store = timed(
        out,
        &format!("open and migrate the store (WAL, synchronous = {sync})"),
        || SqliteStore::open_with(&path, &options),
    )
    .map_err(|e| store_error(e.into()))?;
    let mut delivery = Delivery::new(start, net, out, masking)?;
    let minutes = chrono::Duration::minutes;
    let dispatcher = Actor::new("dispatcher-1", [Role::Dispatcher]);
    let crew = Actor::new("crew-3", [Role::RepairCrew]);

    say!(out);
    let mut affected = None;
    if let Some(Fault {
        segment,
        area,
        trace,
        plan,
    }) = fault
    {
        // Customers read the feeder's name; the asset number stays in the record for the crew.
        let area = area.unwrap_or_else(|| "故障线路沿线".to_owned());
        say!(out, "OUTAGE NOTICE for the fault on {segment} ({area})");
        let o = &desk.outages;
        o.execute(
            &mut store,
            "O-1",
            Some(0),
            &OutageCommand::Detect {
                area: area.clone(),
                element: segment,
                cause: "线路故障".into(),
            },
            &dispatcher,
            start,
        )?;
        let x = timed(out, "append the traced scope and its notices", || {
            o.execute(
                &mut store,
                "O-1",
                Some(1),
                &trace,
                &Actor::system(&SystemGrant::host()),
                start,
            )
        })?;
        say!(
            out,
            "  scope traced: {} notices enqueued",
            x.appended.enqueued
        );
        delivery.run(&mut store, start, 2)?;
        // The dispatcher attaches the FLISR plan; the crew works it step by step once on site
        // (minutes 15–38), before the fault is located and repaired.
        let steps = match &plan {
            OutageCommand::AttachPlan { steps } => steps.clone(),
            _ => Vec::new(),
        };
        let mut timeline = vec![
            Moment {
                at: 5,
                label: "附加转供方案".into(),
                actor: &dispatcher,
                commands: vec![plan],
            },
            Moment {
                at: 10,
                label: event_label("crew_dispatched").into(),
                actor: &dispatcher,
                commands: vec![OutageCommand::Dispatch {
                    crew: "抢修三班".into(),
                    etr: Some(start + minutes(150)),
                }],
            },
        ];
        timeline.extend(plan_moments(&steps, 15, 38, &crew));
        let late = [
            (
                40,
                OutageCommand::Locate {
                    location: format!("{area} 7号杆"),
                    evidence: vec![Attachment {
                        kind: MediaKind::Photo,
                        uri: "oss://outage/O-1/pole7.jpg".into(),
                        sha256: None,
                        caption: None,
                    }],
                    etr: None,
                },
            ),
            (45, OutageCommand::StartRepair { etr: None }),
            (
                60,
                OutageCommand::UpdateEtr {
                    etr: start + minutes(160),
                },
            ),
            (130, OutageCommand::Restore),
        ];
        for (at, cmd) in late {
            let name = match &cmd {
                OutageCommand::Locate { .. } => "located",
                OutageCommand::StartRepair { .. } => "repair_started",
                OutageCommand::UpdateEtr { .. } => "etr_updated",
                _ => "restored",
            };
            timeline.push(Moment {
                at,
                label: event_label(name).into(),
                actor: &crew,
                commands: vec![cmd],
            });
        }
        let label_width = timeline
            .iter()
            .map(|m| display_width(&m.label))
            .max()
            .unwrap_or(0);
        for m in timeline {
            let now = start + minutes(m.at);
            let (mut enqueued, mut superseded) = (0, 0);
            let before = o.load(&store, "O-1")?.state;
            for cmd in &m.commands {
                let x = o.execute(&mut store, "O-1", None, cmd, m.actor, now)?;
                enqueued += x.appended.enqueued;
                superseded += x.appended.superseded;
            }
            let after = o.load(&store, "O-1")?.state;
            // Who the moment brought back: by plan steps, or by the restoration.
            let back = before.customers_out().count() - after.customers_out().count();
            let what = match m.commands.last() {
                Some(OutageCommand::AttachPlan { steps }) => format!(
                    ", {} steps; customers to bring back: {}",
                    steps.len(),
                    steps.iter().map(|s| s.customers.len()).sum::<usize>()
                ),
                _ if back > 0 => format!(", customers back: {back}"),
                _ => String::new(),
            };
            say!(
                out,
                "  +{:>3} min  {}{}  {} notices ({} unsent ones superseded){what}",
                m.at,
                m.label,
                " ".repeat(label_width.saturating_sub(display_width(&m.label))),
                enqueued,
                superseded
            );
            delivery.run(&mut store, now, 1)?;
        }
        affected = trace_customer(&desk, &store)?;
    } else {
        say!(out, "OUTAGE NOTICE: no fault traced; skipped");
    }
    if let Some(inferred) = inferred {
        inferred_outage(out, &desk, &mut store, &mut delivery, inferred, start)?;
    }

    // The defect and the bill concern the first affected customer, else the first customer.
    let customer = affected.or_else(|| net.customers().next().map(|c| c.number().to_owned()));
    if let Some(customer) = customer {
        say!(out);
        say!(out, "SAFETY DEFECT recorded and closed");
        let device = net
            .customer_id(&customer)
            .map(|c| net.point_asset(net.customer(c).point()).to_owned())?;
        let d = &desk.defects;
        let inspector = Actor::new("inspector-2", [Role::Inspector]);
        let owner = Actor::customer("contact-1", customer.clone());
        let photo = |uri: &str| Attachment {
            kind: MediaKind::Photo,
            uri: uri.into(),
            sha256: None,
            caption: None,
        };
        let day = chrono::Duration::days;
        let cmds: [(&Actor, DefectCommand, i64); 7] = [
            (
                &inspector,
                DefectCommand::Record {
                    customer: customer.clone(),
                    device,
                    severity: Severity::Serious,
                    description: "配电室接地线锈蚀".into(),
                    evidence: vec![photo("oss://defect/D-1/found.jpg")],
                },
                0,
            ),
            (&inspector, DefectCommand::IssueNotice, 0),
            (&owner, DefectCommand::Acknowledge, 1),
            (&owner, DefectCommand::StartRectifying { plan: None }, 1),
            (
                &owner,
                DefectCommand::SubmitRectification {
                    note: "已更换接地线".into(),
                    evidence: vec![photo("oss://defect/D-1/fixed.jpg")],
                },
                4,
            ),
            (
                &inspector,
                DefectCommand::Verify {
                    note: Some("复查合格".into()),
                    evidence: vec![],
                },
                5,
            ),
            (
                &Actor::new("manager-1", [Role::CustomerManager]),
                DefectCommand::Close,
                5,
            ),
        ];
        for (actor, cmd, at) in cmds {
            d.execute(&mut store, "D-1", None, &cmd, actor, start + day(at))?;
        }
        delivery.run(&mut store, start + day(5), 2)?;
        let rows: Vec<Vec<String>> = d
            .history(&store, "D-1", masking)?
            .into_iter()
            .map(|r| {
                vec![
                    format!("v{}", r.version),
                    r.at.format("%m-%d %H:%M").to_string(),
                    r.actor.clone(),
                    event_label(&r.event_type).to_owned(),
                ]
            })
            .collect();
        for line in table(&["版本", "时间", "操作人", "事件"], &rows, &[]) {
            out.line(line);
        }

        say!(out);
        say!(out, "BILL REMINDER escalating up the contact levels");
        desk.bill(
            &mut store,
            "B-202603",
            Some(0),
            &BillCommand::Issue {
                customer,
                amount: rust_decimal::Decimal::new(1_865_240, 2),
                due: start + day(15),
            },
            &Actor::new("collector-1", [Role::Collector]),
            start,
        )?;
        delivery.run(&mut store, start, 1)?;
        for d in [3, 7, 10] {
            let now = start + day(d);
            desk.tick(&mut store, now)?;
            let s = desk.bills.load(&store, "B-202603")?.state;
            say!(
                out,
                "  day {d:>2}: reminder to contact level {}",
                s.reminded_level
            );
            delivery.run(&mut store, now, 1)?;
        }
    } else {
        say!(out);
        say!(
            out,
            "SAFETY DEFECT and BILL REMINDER: the network has no customer; skipped"
        );
    }

    let c = store.counts().map_err(store_error)?;
    say!(out);
    say!(
        out,
        "OUTBOX: {} sent, {} pending, {} dead-lettered, {} suppressed",
        c.sent,
        c.pending,
        c.dead,
        c.suppressed
    );
    drop(store);
    let (store, events) = timed(out, "reopen the database and read O-1 back", || {
        let store = SqliteStore::open(&path).map_err(|e| store_error(e.into()))?;
        let events = desk.outages.events(&store, "O-1")?;
        Ok::<_, gridserve::Error>((store, events))
    })?;
    say!(
        out,
        "  outage O-1: {} events read back from {}",
        events.len(),
        store.path()
    );
    Ok(())
}

/// The second outage notice, from the inferred device: traced with the evidence it rests on,
/// then restored once the crew has replaced the device.
fn inferred_outage(
    out: &Out,
    desk: &Desk,
    store: &mut SqliteStore,
    delivery: &mut Delivery,
    inferred: Inferred,
    start: Timestamp,
) -> Result<(), gridserve::Error> {
    let Inferred {
        device: (asset, kind),
        area,
        trace,
    } = inferred;
    let area = area.unwrap_or_else(|| "停电区域".to_owned());
    say!(out);
    say!(
        out,
        "OUTAGE NOTICE for the inferred {kind} {asset} ({area})"
    );
    let o = &desk.outages;
    let system = Actor::system(&SystemGrant::host());
    o.execute(
        store,
        "O-2",
        Some(0),
        &OutageCommand::Detect {
            area,
            element: asset,
            cause: String::new(),
        },
        &system,
        start,
    )?;
    let x = o.execute(store, "O-2", Some(1), &trace, &system, start)?;
    let s = o.load(store, "O-2")?.state;
    if let Some(i) = &s.inferred {
        say!(
            out,
            "  scope traced: {} customers, confidence {:.2}, {} evidence items recorded; {} notices enqueued",
            s.customers.len(),
            i.confidence,
            i.evidence.len(),
            x.appended.enqueued
        );
    }
    delivery.run(store, start, 1)?;
    let now = start + chrono::Duration::minutes(50);
    let x = o.execute(
        store,
        "O-2",
        None,
        &OutageCommand::Restore,
        &Actor::new("crew-3", [Role::RepairCrew]),
        now,
    )?;
    say!(
        out,
        "  + 50 min  {}  {} notices",
        event_label("restored"),
        x.appended.enqueued
    );
    delivery.run(store, now, 1)?;
    Ok(())
}

/// The first affected customer of the outage, if any.
fn trace_customer(desk: &Desk, store: &SqliteStore) -> Result<Option<String>, gridserve::Error> {
    let s = desk.outages.load(store, "O-1")?.state;
    Ok(s.customers.first().cloned())
}

fn main() -> ExitCode {
    let arg = std::env::args_os().nth(1).map(PathBuf::from);
    let sample = sample_dir();
    let input = arg.as_deref().map_or(Input::Sources(&sample), Input::Dir);
    match run(input, &Out::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
