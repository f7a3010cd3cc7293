//! The README's main job: build the demo county of the seed paper (about 2,200 high-voltage
//! dedicated-transformer customers), then trace a fault and plan an outage the way an operator
//! would, printing what they need and how long each step took.
//!
//! It then runs the closed loops on the embedded SQLite event store and outbox, in a database
//! file in a fresh temporary directory: the fault's scope starts an outage notice whose
//! progress reaches the affected customers' contacts, a safety defect is recorded and closed,
//! and a bill's reminders escalate up the contact levels. The outbox dispatcher delivers each
//! step's notices through console messengers (one masked line per notice, the first few shown).
//! At the end it counts the outbox entries by status and reopens the file to read the outage's
//! events back.
//!
//! ```text
//! cargo run --release --example quickstart            # the embedded demo county
//! cargo run --release --example quickstart -- DIR     # a network in the CSV layout in DIR
//! ```

use std::process::ExitCode;

use chrono::TimeZone;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gridserve::network::records::NetworkData;
use gridserve::network::synth::{SynthConfig, generate};
use gridserve::network::{ElementId, LineKind, Network, ScopeReport, Topology, Trip, io};
use gridserve::notify::masking::mask_phone;
use gridserve::outbox::{DispatchPolicy, Dispatcher};
use gridserve::ports::{
    Channel, ManualClock, Messenger, OutboundMessage, SendError, SendOutcome, StoreError,
    Timestamp, china_offset,
};
use gridserve::sqlite::{SqliteOptions, SqliteStore};
use gridserve::workflow::bill::BillCommand;
use gridserve::workflow::defect::{DefectCommand, Severity};
use gridserve::workflow::outage::{OutageCommand, OutageWorkflow};
use gridserve::workflow::{Actor, Attachment, Desk, MediaKind, Role, SystemGrant, Workflow};

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
    let trace = OutageCommand::trace_fault(&topo, &outcome, None)?;

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

    workflows(&net, net.line_asset(segment), &trace)
}

/// A console messenger for one channel: prints one line per notice, the phone number or
/// openid masked, and answers `Delivered`. The messengers of all channels share one [`Console`],
/// which caps how many lines a delivery step prints.
struct ConsoleMessenger {
    channel: Channel,
    console: Arc<Console>,
}

/// The line budget shared by the console messengers: at most `show` lines per step, counting
/// every notice handed over in the step.
#[derive(Default)]
struct Console {
    show: AtomicUsize,
    handed: AtomicUsize,
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
            println!(
                "    -> {} {} {}: {body}",
                m.channel,
                mask_phone(&m.address),
                m.template
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
    fn new(start: Timestamp) -> Result<Self, gridserve::Error> {
        // Results are recorded 256 to a transaction, not one by one (the default): one commit
        // per round keeps a durable (synchronous = FULL) store fast, at the price of a wider
        // window in which a crash would send a round's notices again.
        let policy = DispatchPolicy {
            record_batch: 256,
            ..DispatchPolicy::default()
        };
        let mut dispatcher = Dispatcher::new(policy)?;
        let console = Arc::new(Console::default());
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
        if handed > show {
            println!("    … and {} more", handed - show);
        }
        if report.fetched > 0 {
            println!(
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

fn workflows(
    net: &Arc<Network>,
    segment: &str,
    trace: &OutageCommand,
) -> Result<(), gridserve::Error> {
    let desk = Desk::new(net.clone());
    let start = china_offset()
        .with_ymd_and_hms(2026, 3, 2, 14, 5, 0)
        .single()
        .expect("a valid time");
    // The embedded default store, in a fresh directory removed when `dir` drops.
    let dir = tempfile::tempdir().map_err(|e| {
        store_error(StoreError::Backend {
            detail: format!("cannot create a temporary directory: {e}"),
        })
    })?;
    let path = dir.path().join("gridserve.db");
    println!("\nWORKFLOWS on the SQLite store {}", path.display());
    let options = SqliteOptions::default();
    let mut store = timed(
        &format!(
            "open and migrate the store (WAL, synchronous {:?})",
            options.synchronous
        ),
        || SqliteStore::open_with(&path, &options),
    )
    .map_err(|e| store_error(e.into()))?;
    let mut delivery = Delivery::new(start)?;
    let minutes = chrono::Duration::minutes;
    let dispatcher = Actor::new("dispatcher-1", [Role::Dispatcher]);
    let crew = Actor::new("crew-3", [Role::RepairCrew]);

    println!("\nOUTAGE NOTICE for the fault on {segment}");
    let o = &desk.outages;
    o.execute(
        &mut store,
        "O-1",
        Some(0),
        &OutageCommand::Detect {
            area: format!("{segment}所在线路"),
            element: segment.to_owned(),
            cause: "线路故障".into(),
        },
        &dispatcher,
        start,
    )?;
    let x = timed("append the traced scope and its notices", || {
        o.execute(
            &mut store,
            "O-1",
            Some(1),
            trace,
            &Actor::system(&SystemGrant::host()),
            start,
        )
    })?;
    println!("  scope traced: {} notices enqueued", x.appended.enqueued);
    delivery.run(&mut store, start, 2)?;
    let steps = [
        (
            10,
            OutageCommand::Dispatch {
                crew: "抢修三班".into(),
                etr: Some(start + minutes(150)),
            },
        ),
        (
            40,
            OutageCommand::Locate {
                location: format!("{segment} 7号杆"),
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
    for (at, cmd) in steps {
        let now = start + minutes(at);
        let actor = if matches!(cmd, OutageCommand::Dispatch { .. }) {
            &dispatcher
        } else {
            &crew
        };
        let x = o.execute(&mut store, "O-1", None, &cmd, actor, now)?;
        println!(
            "  +{at:>3} min {:<16} {} notices ({} unsent ones superseded)",
            x.events
                .first()
                .map(OutageWorkflow::event_name)
                .unwrap_or_default(),
            x.appended.enqueued,
            x.appended.superseded
        );
        delivery.run(&mut store, now, 1)?;
    }

    println!("\nSAFETY DEFECT recorded and closed");
    let customer = trace_customer(&desk, &store)?;
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
    for r in d.history(&store, "D-1", gridserve::notify::Masking::Masked)? {
        println!(
            "    v{} {} {:<12} {}",
            r.version,
            r.at.format("%m-%d %H:%M"),
            r.actor,
            r.event_type
        );
    }

    println!("\nBILL REMINDER escalating up the contact levels");
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
        println!(
            "  day {d:>2}: reminder to contact level {}",
            s.reminded_level
        );
        delivery.run(&mut store, now, 1)?;
    }

    let c = store.counts().map_err(store_error)?;
    println!(
        "\nOUTBOX: {} sent, {} pending, {} dead-lettered, {} suppressed",
        c.sent, c.pending, c.dead, c.suppressed
    );
    drop(store);
    let (store, events) = timed("reopen the database and read O-1 back", || {
        let store = SqliteStore::open(&path).map_err(|e| store_error(e.into()))?;
        let events = desk.outages.events(&store, "O-1")?;
        Ok::<_, gridserve::Error>((store, events))
    })?;
    println!(
        "  outage O-1: {} events read back from {}",
        events.len(),
        store.path()
    );
    Ok(())
}

/// The first affected customer of the outage.
fn trace_customer(desk: &Desk, store: &SqliteStore) -> Result<String, gridserve::Error> {
    let s = desk.outages.load(store, "O-1")?.state;
    Ok(s.customers.first().cloned().unwrap_or_default())
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
