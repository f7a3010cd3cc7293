//! The quickstart example's logic on networks that used to make it panic, and what it prints:
//! masked personal data, no Rust debug text, aligned columns, readable areas in notices.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use chrono::TimeZone;
use gridserve::integrate::{self, AmiEvent, AmiEventKind, FindingKind, Sources};
use gridserve::network::records::{NetworkData, SwitchKind};
use gridserve::network::{Network, Operation, Topology, io};
use gridserve::synth::sources::{Injected, inject_counts, meter_of, to_sources};
use gridserve::synth::{SynthConfig, generate};

#[path = "../../examples/quickstart.rs"]
#[allow(dead_code)]
mod app;

use app::{Input, Out, display_width, table};

// The small network of tests/it/validation.rs, in the CSV layout, with the tables changed per
// test below.
const POINTS: &str = "asset,kind\nBUS,substation_bus\nA,pole\nB,pole\nC,pole\nD,pole\nLV,transformer_terminal\nE,pole\nBUS2,substation_bus\nX,pole\n";
const SEGMENTS: &str = "asset,from,to,length_m\nL1,A,B,100\nL2,C,D,100\n";
const SWITCHES: &str = "asset,from,to,kind,normally_open,protective,remote\n\
    CB1,BUS,A,breaker,false,true,true\n\
    SW1,B,C,load_break_switch,false,false,true\n\
    F1,B,E,fuse,false,true,false\n\
    TIE,D,X,load_break_switch,true,false,true\n\
    CB2,BUS2,X,breaker,false,true,true\n";
const TRANSFORMERS: &str = "asset,from,to,rated_kva,model,year_in_service,usage\nT1,D,LV,400,S11-M-400/10,2012,dedicated\n";
const SOURCES: &str = "asset,point,name,capacity_kva\nS1,BUS,10kV 城关线,8000\nS2,BUS2,,8000\n";
const CUSTOMERS: &str = "number,name,point,contracted_kva,load_kw,importance\nC1,客户甲,E,400,50,normal\nC2,客户乙,LV,400,300,first_class\n";
const CONTACTS: &str = "customer,name,phone,role,level\nC1,王工,13800000001,electrician,1\nC2,李经理,13800000002,manager,1\nC2,赵总,13800000003,legal_representative,2\n";

/// The Debug names of the enums the quickstart prints (switch kinds, importance classes, record
/// kinds, store settings) and `Option`'s: none may reach the output.
const DEBUG_TEXT: [&str; 17] = [
    "Some(",
    "None",
    "Breaker",
    "Recloser",
    "LoadBreakSwitch",
    "Disconnector",
    "Fuse",
    "Sectionalizer",
    "FirstClass",
    "SecondClass",
    "SpecialClass",
    "Temporary",
    "Segment",
    "Transformer",
    "Full",
    "scope_traced",
    "crew_dispatched",
];

fn write_dir(dir: &Path, tables: &[(&str, &str)]) {
    for (file, text) in tables {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

fn run_dir(tables: &[(&str, &str)]) -> (Result<(), gridserve::Error>, String) {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), tables);
    let out = Out::buffer();
    let result = app::run(Input::Dir(dir.path()), &out);
    (result, out.text())
}

/// Checks what every run must satisfy: no clear phone number or contact name, no debug text,
/// every table's lines equally wide in display columns.
fn check_output(text: &str, data: &NetworkData) {
    for c in &data.customers {
        for k in &c.contacts {
            assert!(!text.contains(&k.phone), "a clear phone number in:\n{text}");
            if k.name.chars().count() >= 2 {
                assert!(!text.contains(&k.name), "a clear contact name in:\n{text}");
            }
        }
        if let Some(name) = c.name.as_deref().filter(|n| n.chars().count() >= 2) {
            assert!(!text.contains(name), "a clear customer name in:\n{text}");
        }
    }
    for d in DEBUG_TEXT {
        assert!(!text.contains(d), "debug text {d:?} in:\n{text}");
    }
    // Table lines are the ones indented by five spaces; consecutive ones form a table.
    let mut tables: Vec<Vec<&str>> = Vec::new();
    let mut previous_was_table = false;
    for line in text.lines() {
        let is_table = line.starts_with("     ");
        if is_table && previous_was_table {
            tables.last_mut().unwrap().push(line);
        } else if is_table {
            tables.push(vec![line]);
        }
        previous_was_table = is_table;
    }
    for t in &tables {
        assert!(t.len() >= 2, "a table without rows: {t:?}");
        let w = display_width(t[0]);
        assert!(
            t.iter().all(|l| display_width(l) == w),
            "a table whose lines differ in width: {t:#?}"
        );
    }
}

fn small(tables: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut all = vec![
        ("points.csv", POINTS),
        ("segments.csv", SEGMENTS),
        ("switches.csv", SWITCHES),
        ("transformers.csv", TRANSFORMERS),
        ("sources.csv", SOURCES),
        ("customers.csv", CUSTOMERS),
        ("contacts.csv", CONTACTS),
    ];
    for &(file, text) in tables {
        all.iter_mut().find(|(f, _)| *f == file).unwrap().1 = text;
    }
    all
}

fn read(tables: &[(&str, &str)]) -> NetworkData {
    let dir = tempfile::tempdir().unwrap();
    write_dir(dir.path(), tables);
    io::read_csv_dir(dir.path()).unwrap()
}

#[test]
fn the_small_network_reads_as_a_dispatcher_wants() {
    let tables = small(&[]);
    let (result, text) = run_dir(&tables);
    result.unwrap();
    check_output(&text, &read(&tables));
    // A fault on L2 cuts off the first-class customer C2 (the most critical customers), so the
    // outage notice names the feeder S1 supplies, not the segment.
    assert!(text.contains("FAULT on segment L2 (10kV 城关线)"), "{text}");
    assert!(
        text.contains("OUTAGE NOTICE for the fault on L2 (10kV 城关线)"),
        "{text}"
    );
    assert!(text.contains("tripped: 断路器 CB1"), "{text}");
    assert!(text.contains("一级重要"), "{text}");
    // The contact is masked the default policy's way for a dispatcher: 3 + 4 digits stay.
    assert!(text.contains("138****0002"), "{text}");
    let notices: Vec<&str> = text.lines().filter(|l| l.starts_with("    -> ")).collect();
    assert!(!notices.is_empty(), "{text}");
    for n in &notices {
        assert!(!n.contains("L2"), "a notice names the segment: {n}");
    }
    // The only sectionalizer with load behind it is SW1.
    assert!(text.contains("PLANNED OUTAGE of 负荷开关 SW1"), "{text}");
    // FLISR for the fault on L2 (C–D): the faulted section is C and D; its closed edge switch
    // is SW1 (B–C; TIE is open already), so step 1 opens SW1 and step 2 re-closes CB1, which
    // re-supplies A, B and E and so C1 (50 kW) behind F1. C2 hangs on D (through T1) and
    // stays out.
    assert!(
        text.contains("FLISR: 2 steps; 1 of 2 customers out restored, 1 remain out (300 kW)"),
        "{text}"
    );
    let step = |k: &str| row_of(&text, k).unwrap()[..7].join(" ");
    assert_eq!(step("1"), "1 SW1 负荷开关 分闸 隔离故障 遥控 0");
    assert_eq!(step("2"), "2 CB1 断路器 合闸 恢复上游 遥控 1");
    // The outage notice works the plan: step 2 brings C1 back (a restored notice to its
    // electrician), and the final restoration brings back C2 alone.
    let moment = |label: &str| {
        text.lines()
            .find(|l| l.contains(label))
            .unwrap_or_else(|| panic!("no {label}:\n{text}"))
    };
    assert!(
        moment("附加转供方案").ends_with("2 steps; customers to bring back: 1"),
        "{text}"
    );
    assert!(moment("方案第1步").contains(" 0 notices"), "{text}");
    assert!(
        moment("方案第2步 合闸 CB1").ends_with("customers back: 1"),
        "{text}"
    );
    assert!(moment("恢复送电").ends_with("customers back: 1"), "{text}");
    assert!(
        text.contains("outage.restored_by_switching: 【供电服务】10kV 城关线已于"),
        "{text}"
    );
    // A CSV network folder has no AMI events.
    assert!(
        text.contains("OUTAGE INFERENCE: no AMI event to infer from; skipped"),
        "{text}"
    );
}

#[test]
fn a_synthetic_network_reads_as_a_dispatcher_wants() {
    let data = generate(&SynthConfig::with_points(1500, 7));
    let out = Out::buffer();
    app::run(Input::Data(data.clone()), &out).unwrap();
    let text = out.text();
    check_output(&text, &data);
    let names: Vec<&str> = data
        .sources
        .iter()
        .filter_map(|s| s.name.as_deref())
        .collect();
    let notice = text
        .lines()
        .find(|l| l.starts_with("OUTAGE NOTICE for the fault on"))
        .unwrap();
    assert!(names.iter().any(|n| notice.contains(n)), "{notice}");
}

#[test]
fn a_network_without_a_sectionalizing_switch_skips_the_planned_outage() {
    // Every switch protects: no sectionalizer to plan an outage of.
    let switches = "asset,from,to,kind,normally_open,protective,remote\n\
        CB1,BUS,A,breaker,false,true,true\n\
        F1,B,E,fuse,false,true,false\n";
    let tables = small(&[
        (
            "points.csv",
            "asset,kind\nBUS,substation_bus\nA,pole\nB,pole\nE,pole\n",
        ),
        ("segments.csv", "asset,from,to,length_m\nL1,A,B,100\n"),
        ("switches.csv", switches),
        (
            "transformers.csv",
            "asset,from,to,rated_kva,model,year_in_service,usage\n",
        ),
        (
            "sources.csv",
            "asset,point,name,capacity_kva\nS1,BUS,10kV 城关线,8000\n",
        ),
        (
            "customers.csv",
            "number,name,point,contracted_kva,load_kw,importance\nC1,客户甲,E,400,50,normal\n",
        ),
        (
            "contacts.csv",
            "customer,name,phone,role,level\nC1,王工,13800000001,electrician,1\n",
        ),
    ]);
    let (result, text) = run_dir(&tables);
    result.unwrap();
    check_output(&text, &read(&tables));
    assert!(text.contains("no sectionalizing switch; skipped"), "{text}");
    assert!(text.contains("FAULT on segment L1"), "{text}");
}

#[test]
fn a_network_without_segments_skips_the_fault() {
    let tables = small(&[
        ("points.csv", "asset,kind\nBUS,substation_bus\nA,pole\n"),
        ("segments.csv", "asset,from,to,length_m\n"),
        (
            "switches.csv",
            "asset,from,to,kind,normally_open,protective,remote\nSW1,BUS,A,load_break_switch,false,false,true\n",
        ),
        (
            "transformers.csv",
            "asset,from,to,rated_kva,model,year_in_service,usage\n",
        ),
        (
            "sources.csv",
            "asset,point,name,capacity_kva\nS1,BUS,,8000\n",
        ),
        (
            "customers.csv",
            "number,name,point,contracted_kva,load_kw,importance\nC1,客户甲,A,400,50,normal\n",
        ),
        (
            "contacts.csv",
            "customer,name,phone,role,level\nC1,王工,13800000001,electrician,1\n",
        ),
    ]);
    let (result, text) = run_dir(&tables);
    result.unwrap();
    check_output(&text, &read(&tables));
    assert!(
        text.contains("no segment to trace a fault on; skipped"),
        "{text}"
    );
    assert!(
        text.contains("OUTAGE NOTICE: no fault traced; skipped"),
        "{text}"
    );
    assert!(text.contains("PLANNED OUTAGE of 负荷开关 SW1"), "{text}");
    // The defect and the bill go to the network's first customer.
    assert!(text.contains("SAFETY DEFECT recorded and closed"), "{text}");
}

#[test]
fn header_only_files_run_to_the_end() {
    let tables = small(&[
        ("points.csv", "asset,kind\n"),
        ("segments.csv", "asset,from,to,length_m\n"),
        (
            "switches.csv",
            "asset,from,to,kind,normally_open,protective,remote\n",
        ),
        (
            "transformers.csv",
            "asset,from,to,rated_kva,model,year_in_service,usage\n",
        ),
        ("sources.csv", "asset,point,name,capacity_kva\n"),
        (
            "customers.csv",
            "number,name,point,contracted_kva,load_kw,importance\n",
        ),
        ("contacts.csv", "customer,name,phone,role,level\n"),
    ]);
    let (result, text) = run_dir(&tables);
    result.unwrap();
    assert!(
        text.contains("network: 0 points, 0 lines, 0 sources, 0 customers"),
        "{text}"
    );
    assert!(
        text.contains("the network has no customer; skipped"),
        "{text}"
    );
    assert!(text.contains("OUTBOX: 0 sent"), "{text}");
}

#[test]
fn a_missing_folder_is_an_error() {
    let out = Out::buffer();
    let missing = Path::new("/nonexistent/gridserve-quickstart");
    let e = app::run(Input::Dir(missing), &out).unwrap_err();
    assert!(e.to_string().contains("points.csv"), "{e}");
}

#[test]
fn an_empty_points_table_and_a_line_is_an_error() {
    let tables = small(&[
        ("points.csv", "asset,kind\n"),
        (
            "switches.csv",
            "asset,from,to,kind,normally_open,protective,remote\n",
        ),
        (
            "transformers.csv",
            "asset,from,to,rated_kva,model,year_in_service,usage\n",
        ),
        ("sources.csv", "asset,point,name,capacity_kva\n"),
        (
            "customers.csv",
            "number,name,point,contracted_kva,load_kw,importance\n",
        ),
        ("contacts.csv", "customer,name,phone,role,level\n"),
    ]);
    let (result, _) = run_dir(&tables);
    assert!(result.unwrap_err().to_string().contains("L1"));
}

#[test]
fn tables_align_chinese_and_ascii_text() {
    // Display widths counted by hand: a CJK ideograph takes two columns, ASCII one.
    assert_eq!(display_width("客户甲"), 6);
    assert_eq!(display_width("10kV 城关线"), 11);
    assert_eq!(display_width("138****0002"), 11);
    let rows = vec![
        vec!["C1".to_owned(), "客户甲".to_owned(), "50".to_owned()],
        vec!["C10000".to_owned(), "x".to_owned(), "1250".to_owned()],
    ];
    let lines = table(
        &["户号", "用户名称", "负荷 kW"],
        &rows,
        &[false, false, true],
    );
    // Columns: 户号/C10000 → 6, 用户名称 → 8, 负荷 kW → 7; indent 3, separators 2 each.
    let expected = [
        "     户号    用户名称  负荷 kW",
        "     C1      客户甲         50",
        "     C10000  x            1250",
    ];
    assert_eq!(lines, expected);
    assert!(
        lines
            .iter()
            .all(|l| display_width(l) == 3 + 2 + 6 + 2 + 8 + 2 + 7)
    );
}

/// The disagreements planted in the sample sources (`examples/data/county-sources`), a few of
/// several kinds; every one gives exactly one finding of its kind (see
/// `gridserve::synth::sources::inject_counts`).
const PLANTED: [(FindingKind, usize); 10] = [
    (FindingKind::NormalisedKey, 2),
    (FindingKind::DuplicateRecord, 1),
    (FindingKind::ConflictingDuplicate, 1),
    (FindingKind::NotInLedger, 2),
    (FindingKind::NoConnectivity, 1),
    (FindingKind::RatingMismatch, 1),
    (FindingKind::CustomerWithoutMeter, 2),
    (FindingKind::MeterWithoutCustomer, 1),
    (FindingKind::InvalidPhone, 2),
    (FindingKind::SharedPhone, 1),
];

/// The seed of the sample's network and of its planted disagreements.
const SAMPLE_SEED: u64 = 2024;

/// The sample's network: the demo county's generator with fewer feeders (2 substations of 4),
/// so that the seven tables stay small.
fn sample_config() -> SynthConfig {
    SynthConfig {
        substations: 2,
        feeders_per_substation: 4,
        target_points: 2_400,
        ..SynthConfig::county(SAMPLE_SEED)
    }
}

/// The sample sources: the network written as the five sources, the [`PLANTED`] disagreements
/// and, under the fuse with the most metered customers untouched by them, one AMI power-off
/// event per such customer (the fuse blew; nothing in the network says so). Returns the
/// sources, what was planted and the fuse's asset number.
fn sample_sources() -> (Sources, Vec<Injected>, String) {
    let data = generate(&sample_config());
    let mut sources = to_sources(&data);
    let planted = inject_counts(&mut sources, &PLANTED, SAMPLE_SEED);
    let touched: HashSet<&str> = planted.iter().map(|p| p.record.as_str()).collect();
    let metered: HashSet<&str> = sources
        .meters
        .iter()
        .filter_map(|m| m.customer.as_deref())
        .collect();
    let net = Arc::new(Network::from_data(&data).unwrap());
    let topo = Topology::normal(net.clone());
    let mut best: Option<(usize, String, Vec<String>)> = None;
    for l in net.line_ids() {
        if !net
            .line(l)
            .as_switch()
            .is_some_and(|s| s.kind == SwitchKind::Fuse && !s.normally_open)
        {
            continue;
        }
        let scope = topo.scope(&[Operation::open(l)]).unwrap();
        let below: Vec<String> = scope
            .customer_ids(&topo)
            .unwrap()
            .into_iter()
            .map(|c| net.customer(c).number().to_owned())
            .filter(|c| metered.contains(c.as_str()) && !touched.contains(c.as_str()))
            .collect();
        let asset = net.line_asset(l).to_owned();
        if best
            .as_ref()
            .is_none_or(|b| (below.len(), &asset) > (b.0, &b.1))
        {
            best = Some((below.len(), asset, below));
        }
    }
    let (_, fuse, below) = best.expect("the sample network has a fuse");
    let at = chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 7, 1, 9, 30, 0)
        .unwrap();
    for (k, c) in below.iter().enumerate() {
        sources.ami_events.push(AmiEvent {
            meter: meter_of(c),
            time: at + chrono::Duration::seconds(7 * k as i64),
            event: AmiEventKind::PowerOff,
            row: 0,
        });
    }
    (sources, planted, fuse)
}

/// Writes the sample sources to `examples/data/county-sources` (run it after changing the
/// generator or [`PLANTED`]: `cargo test --test it write_the_sample_sources -- --ignored`).
#[test]
#[ignore = "writes the sample shipped in examples/data/county-sources"]
fn write_the_sample_sources() {
    let (sources, planted, fuse) = sample_sources();
    let dir = app::sample_dir();
    std::fs::create_dir_all(&dir).unwrap();
    integrate::write_csv_dir(&sources, &dir).unwrap();
    println!("fuse {fuse}, {} AMI events", sources.ami_events.len());
    for p in planted {
        println!("{} {}", p.kind.name(), p.record);
    }
}

#[test]
fn the_shipped_sample_is_what_its_generator_writes() {
    let (sources, _, _) = sample_sources();
    let dir = tempfile::tempdir().unwrap();
    integrate::write_csv_dir(&sources, dir.path()).unwrap();
    for table in integrate::SOURCE_TABLES {
        let file = integrate::file_name(table.name, false);
        let shipped = std::fs::read_to_string(app::sample_dir().join(&file)).unwrap();
        let written = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        assert!(
            shipped == written,
            "{file} differs from what write_the_sample_sources writes"
        );
    }
}

/// The row of the table whose first cell is `key` (cells split on runs of spaces).
fn row_of<'t>(text: &'t str, key: &str) -> Option<Vec<&'t str>> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&key))
}

#[test]
fn the_sample_sources_are_reconciled_inferred_and_restored() {
    let dir = app::sample_dir();
    let out = Out::buffer();
    app::run(Input::Sources(&dir), &out).unwrap();
    let text = out.text();
    // No clear personal data of the fused network (names and phones as SG186 has them).
    let (sources, found) = integrate::read_sources(
        &integrate::SourcePaths::in_dir(&dir, false),
        &integrate::ReadOptions::default(),
    )
    .unwrap();
    let fused =
        integrate::integrate(&sources, found, &integrate::IntegrateOptions::default()).unwrap();
    check_output(&text, &fused.network);

    // Every planted disagreement gives exactly one finding of its kind, and every AMI
    // power-off event (all of them under a fuse the network believes closed) one
    // power_off_while_supplied finding: the counts table says so.
    assert!(text.contains("RECONCILIATION: "), "{text}");
    let ami_events = std::fs::read_to_string(dir.join("ami_events.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(ami_events > 0);
    let expected = PLANTED
        .iter()
        .map(|&(kind, n)| (kind.name(), n))
        .chain([(FindingKind::PowerOffWhileSupplied.name(), ami_events)]);
    for (kind, n) in expected {
        let row = row_of(&text, &kind).unwrap_or_else(|| panic!("no row {kind}:\n{text}"));
        assert_eq!(row.last(), Some(&n.to_string().as_str()), "{kind}: {row:?}");
    }

    // The inference names the fuse the events were planted under, explaining all of them.
    let (_, _, fuse) = sample_sources();
    let inferred = text
        .split("OUTAGE INFERENCE from ")
        .nth(1)
        .unwrap_or_else(|| panic!("no inference section:\n{text}"));
    let row = row_of(inferred, &fuse).unwrap_or_else(|| panic!("{fuse} not inferred:\n{text}"));
    assert_eq!(row[1], "熔断器", "{row:?}");
    assert_eq!(row[3], ami_events.to_string(), "{row:?}");

    // The FLISR plan of the traced fault: as many rows as steps, at least one, and a closing
    // step that restores customers.
    let flisr = text
        .lines()
        .find(|l| l.starts_with("  FLISR: "))
        .unwrap_or_else(|| panic!("no FLISR plan:\n{text}"));
    let steps: usize = flisr["  FLISR: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(steps >= 1, "{flisr}");
    let rows: Vec<Vec<&str>> = (1..=steps)
        .map(|k| row_of(&text, &k.to_string()).unwrap_or_else(|| panic!("no step {k}:\n{text}")))
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[3] == "合闸" && r[6].parse::<usize>().unwrap() > 0),
        "{rows:?}"
    );

    // The outage notice works the plan: the customers its steps bring back add up to those
    // the plan restores, and the final restoration brings back those that remain out.
    let number_after = |line: &str, key: &str| -> usize {
        line.split(key).nth(1).unwrap().trim().parse().unwrap()
    };
    let (restored, remain) = {
        let f = &flisr["  FLISR: ".len()..];
        let restored: usize = f
            .split("; ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let remain: usize = f
            .split(" restored, ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        (restored, remain)
    };
    let notice = text.split("OUTAGE NOTICE for the fault on").nth(1).unwrap();
    let notice = notice.split("\n\n").next().unwrap();
    let by_steps: usize = notice
        .lines()
        .filter(|l| l.contains("方案第") && l.contains("customers back: "))
        .map(|l| number_after(l, "customers back: "))
        .sum();
    assert_eq!(by_steps, restored, "{notice}");
    let last = notice.lines().find(|l| l.contains("恢复送电")).unwrap();
    assert_eq!(number_after(last, "customers back: "), remain, "{notice}");

    // The inferred fuse starts the second outage notice, with every AMI event as its evidence.
    assert!(
        text.contains(&format!("OUTAGE NOTICE for the inferred 熔断器 {fuse}")),
        "{text}"
    );
    assert!(
        text.contains(&format!(", {ami_events} evidence items recorded")),
        "{text}"
    );
}

#[test]
fn a_missing_sources_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Out::buffer();
    let err = app::run(Input::Sources(&dir.path().join("nowhere")), &out).unwrap_err();
    assert!(err.to_string().contains("pms_equipment"), "{err}");
}
