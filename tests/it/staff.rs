//! Work reminders to staff: each trigger (a traced outage, a dispatched crew, a defect's
//! deadline near, a broken payment promise), quiet hours, escalation and its stand-down, end to
//! end through the outbox and a dispatcher.

use std::sync::Arc;

use chrono::{Duration, TimeZone};
use gridserve::network::{ElementId, Network, Topology};
use gridserve::notify::ChannelAddress;
use gridserve::outbox::{DispatchPolicy, Dispatcher, MemoryMessenger};
use gridserve::ports::memory::MemoryStore;
use gridserve::ports::{
    Channel, MessageCategory, OutboxEntry, OutboxStatus, Timestamp, china_offset,
};
use gridserve::workflow::bill::BillCommand;
use gridserve::workflow::defect::{DefectCommand, Severity};
use gridserve::workflow::outage::OutageCommand;
use gridserve::workflow::staff::{StaffDirectory, StaffMember, StaffNotifier, StaffRules};
use gridserve::workflow::{Actor, Desk, Role};
use rust_decimal::Decimal;

use crate::validation::small;

fn at(d: u32, h: u32, m: u32) -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, d, h, m, 0)
        .unwrap()
}

fn member(
    id: &str,
    roles: &[Role],
    crew: Option<(&str, bool)>,
    channels: &[Channel],
) -> StaffMember {
    StaffMember {
        id: id.into(),
        roles: roles.to_vec(),
        crew: crew.map(|(c, _)| c.to_owned()),
        crew_leader: crew.is_some_and(|(_, l)| l),
        contacts: channels
            .iter()
            .map(|c| ChannelAddress {
                channel: *c,
                address: format!("{id}@{c}"),
            })
            .collect(),
    }
}

fn roster() -> StaffDirectory {
    use Channel::{App, Sms};
    StaffDirectory {
        members: vec![
            member("disp-1", &[Role::Dispatcher], None, &[App, Sms]),
            member("sup-1", &[Role::Supervisor], None, &[App]),
            member(
                "lead-a",
                &[Role::RepairCrew],
                Some(("抢修一班", true)),
                &[App],
            ),
            member(
                "crew-a2",
                &[Role::RepairCrew],
                Some(("抢修一班", false)),
                &[App],
            ),
            member(
                "lead-b",
                &[Role::RepairCrew],
                Some(("抢修二班", true)),
                &[App],
            ),
            member("insp-1", &[Role::Inspector], None, &[App]),
            member("col-1", &[Role::Collector], None, &[App]),
        ],
    }
}

fn desk() -> (Arc<Network>, Desk) {
    let net = Arc::new(Network::from_data(&small()).unwrap());
    let desk = Desk::new(net.clone()).with_staff(StaffNotifier::new(roster()));
    (net, desk)
}

/// The staff entries of the outbox whose template starts with `template`.
fn staff(s: &MemoryStore, template: &str) -> Vec<OutboxEntry> {
    s.entries()
        .iter()
        .filter(|e| e.message.template.starts_with(template))
        .cloned()
        .collect()
}

fn addresses(entries: &[OutboxEntry]) -> Vec<String> {
    let mut a: Vec<_> = entries.iter().map(|e| e.message.address.clone()).collect();
    a.sort();
    a
}

fn dispatcher() -> Actor {
    Actor::new("disp-1", [Role::Dispatcher])
}

/// Detects and traces an outage on L1 at `now`.
fn traced(net: &Arc<Network>, desk: &Desk, s: &mut MemoryStore, now: Timestamp) {
    let topo = Topology::normal(net.clone());
    let outcome = topo
        .fault(ElementId::Line(net.line_id("L1").unwrap()))
        .unwrap();
    let detect = OutageCommand::Detect {
        area: "城关镇东街".into(),
        element: "L1".into(),
        cause: "线路故障".into(),
    };
    desk.outages
        .execute(s, "O1", Some(0), &detect, &dispatcher(), now)
        .unwrap();
    let trace = OutageCommand::trace_fault(&topo, &outcome, None).unwrap();
    let x = desk
        .outages
        .execute(s, "O1", None, &trace, &dispatcher(), now)
        .unwrap();
    assert!(x.staff_unreached.is_empty());
}

fn run_dispatcher(
    s: &mut MemoryStore,
    now: Timestamp,
) -> (Arc<MemoryMessenger>, Arc<MemoryMessenger>) {
    let app = Arc::new(MemoryMessenger::new(Channel::App));
    let sms = Arc::new(MemoryMessenger::new(Channel::Sms));
    let mut d = Dispatcher::new(DispatchPolicy {
        in_flight: 4,
        ..DispatchPolicy::default()
    })
    .unwrap();
    d.register(app.clone());
    d.register(sms.clone());
    let clock = gridserve::ports::ManualClock::new(now);
    d.run_until_idle(s, &clock).unwrap();
    (app, sms)
}

#[test]
fn a_traced_outage_reminds_the_dispatcher_at_once_even_in_quiet_hours() {
    let (net, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 23, 10);
    traced(&net, &desk, &mut s, now);
    let reminders = staff(&s, "staff.outage_traced");
    let (remind, escalate): (Vec<_>, Vec<_>) = reminders
        .iter()
        .cloned()
        .partition(|e| e.message.template == "staff.outage_traced");
    // The dispatcher on both of its channels, now: outage work is urgent.
    assert_eq!(addresses(&remind), ["disp-1@app", "disp-1@sms"]);
    for e in &remind {
        assert_eq!(e.message.not_before, now);
        assert_eq!(e.message.category, MessageCategory::Urgent);
        // Two customers (C1, C2) are behind L1's breaker.
        assert_eq!(
            e.message.text.as_deref(),
            Some("停电 O1 已研判：影响 2 户，请派单抢修")
        );
        assert_eq!(e.message.customer, None);
    }
    // The supervisor's escalation waits 15 minutes.
    assert_eq!(addresses(&escalate), ["sup-1@app"]);
    assert_eq!(escalate[0].message.not_before, now + Duration::minutes(15));
    assert_eq!(escalate[0].status, OutboxStatus::Pending);
}

#[test]
fn an_unresolved_trace_escalates_to_the_supervisor() {
    let (net, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    traced(&net, &desk, &mut s, now);
    // 14 minutes on: only the dispatcher has been told.
    let (app, _) = run_dispatcher(&mut s, now + Duration::minutes(14));
    assert_eq!(
        app.delivered()
            .iter()
            .map(|m| m.address.as_str())
            .collect::<Vec<_>>(),
        ["disp-1@app"]
    );
    // 15 minutes on and no crew dispatched: the supervisor hears of it.
    let (app, _) = run_dispatcher(&mut s, now + Duration::minutes(15));
    let sent = app.delivered();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].address, "sup-1@app");
    assert_eq!(
        sent[0].text.as_deref(),
        Some("停电 O1 研判后 15 分钟仍未派单")
    );
}

#[test]
fn a_dispatch_stands_the_escalation_down_and_reminds_only_that_crews_leader() {
    let (net, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    traced(&net, &desk, &mut s, now);
    let dispatch = OutageCommand::Dispatch {
        crew: "抢修一班".into(),
        etr: None,
    };
    let x = desk
        .outages
        .execute(
            &mut s,
            "O1",
            None,
            &dispatch,
            &dispatcher(),
            now + Duration::minutes(5),
        )
        .unwrap();
    assert!(x.staff_unreached.is_empty());
    // The pending escalation was superseded by the stand-down.
    let esc = staff(&s, "staff.outage_traced.escalated");
    assert_eq!(esc.len(), 1, "{esc:#?}");
    assert_eq!(esc[0].status, OutboxStatus::Suppressed);
    assert!(
        esc[0]
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("superseded by")
    );
    // Crew one's leader, not its other member nor crew two's leader.
    let crew = staff(&s, "staff.crew_assigned");
    let reminders: Vec<_> = crew
        .iter()
        .filter(|e| e.message.template == "staff.crew_assigned")
        .cloned()
        .collect();
    assert_eq!(addresses(&reminders), ["lead-a@app"]);
    assert_eq!(
        reminders[0].message.text.as_deref(),
        Some("抢修任务：停电 O1 已派 抢修一班，请前往并回报")
    );
    // The crew reports the fault located 20 minutes later: its escalation stands down too.
    let locate = OutageCommand::Locate {
        location: "L1 12号杆".into(),
        evidence: vec![],
        etr: None,
    };
    desk.outages
        .execute(
            &mut s,
            "O1",
            None,
            &locate,
            &Actor::new("lead-a", [Role::RepairCrew]),
            now + Duration::minutes(25),
        )
        .unwrap();
    // Hours later nothing but the two reminders was ever sent; stand-downs expired unsent.
    let (app, sms) = run_dispatcher(&mut s, now + Duration::hours(3));
    let mut sent: Vec<_> = app.delivered().into_iter().map(|m| m.address).collect();
    sent.sort();
    assert_eq!(sent, ["disp-1@app", "lead-a@app"]);
    // (The customers' own outage notices go by SMS too.)
    let staff_sms: Vec<_> = sms
        .delivered()
        .into_iter()
        .filter(|m| m.address.ends_with("@sms"))
        .map(|m| m.address)
        .collect();
    assert_eq!(staff_sms, ["disp-1@sms"]);
    for e in staff(&s, "staff.") {
        if e.message.template.ends_with(".stand_down") {
            assert_eq!(
                e.status,
                OutboxStatus::Suppressed,
                "{}",
                e.message.dedupe_key
            );
        }
    }
}

#[test]
fn a_crew_without_a_leader_on_the_roster_is_reported_unreached() {
    let (net, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    traced(&net, &desk, &mut s, now);
    let x = desk
        .outages
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::Dispatch {
                crew: "抢修三班".into(),
                etr: None,
            },
            &dispatcher(),
            now,
        )
        .unwrap();
    assert_eq!(x.staff_unreached.len(), 1);
    assert!(x.staff_unreached[0].reason.contains("抢修三班"));
    assert!(staff(&s, "staff.crew_assigned").is_empty());
}

#[test]
fn a_defect_deadline_near_reminds_the_inspector_after_quiet_hours() {
    let (_, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    let inspector = Actor::new("insp-1", [Role::Inspector]);
    let record = DefectCommand::Record {
        customer: "C1".into(),
        device: "F1".into(),
        severity: Severity::Serious,
        description: "跌落式熔断器瓷瓶破损".into(),
        evidence: vec![],
    };
    desk.defects
        .execute(&mut s, "D1", Some(0), &record, &inspector, now)
        .unwrap();
    desk.defects
        .execute(
            &mut s,
            "D1",
            None,
            &DefectCommand::IssueNotice,
            &inspector,
            now,
        )
        .unwrap();
    // Serious: rectify within 7 days (due 3-9 10:00), reminded from a day before. A tick at
    // 23:30 on 3-8 finds it due soon, inside the 22:00-07:00 quiet hours.
    let r = desk.tick(&mut s, at(8, 23, 30)).unwrap();
    assert!(r.staff_unreached.is_empty());
    let all = staff(&s, "staff.defect_due_soon");
    let remind: Vec<_> = all
        .iter()
        .filter(|e| e.message.template == "staff.defect_due_soon")
        .collect();
    assert_eq!(remind.len(), 1);
    assert_eq!(remind[0].message.address, "insp-1@app");
    assert_eq!(remind[0].message.not_before, at(9, 7, 0));
    assert_eq!(
        remind[0].message.text.as_deref(),
        Some("隐患 D1 整改期限 2026年3月9日 10:00 将至，请督促")
    );
    // The escalation counts its 24 hours from the release.
    let esc: Vec<_> = all
        .iter()
        .filter(|e| e.message.template == "staff.defect_due_soon.escalated")
        .collect();
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].message.not_before, at(10, 7, 0));
    // Nothing goes out before 07:00.
    let (app, _) = run_dispatcher(&mut s, at(9, 6, 59));
    assert!(app.delivered().is_empty());
    let (app, _) = run_dispatcher(&mut s, at(9, 7, 0));
    assert_eq!(app.delivered().len(), 1);
}

#[test]
fn a_broken_promise_reminds_the_collector_and_payment_stands_the_escalation_down() {
    let (net, desk) = desk();
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    let customer = net.customers().find(|c| c.number() == "C1").unwrap();
    let collector = Actor::new("col-1", [Role::Collector]);
    desk.bill(
        &mut s,
        "B1",
        Some(0),
        &BillCommand::Issue {
            customer: customer.number().to_owned(),
            amount: Decimal::new(123_450, 2),
            due: now + Duration::days(15),
        },
        &collector,
        now,
    )
    .unwrap();
    desk.bill(
        &mut s,
        "B1",
        None,
        &BillCommand::Promise {
            pay_by: at(4, 18, 0),
        },
        &Actor::customer("u1", "C1"),
        now,
    )
    .unwrap();
    // Not yet broken at the promised time; broken after it.
    // (The promise itself resolves any earlier broken promise: a stand-down record.)
    let reminders = |s: &MemoryStore| -> Vec<OutboxEntry> {
        staff(s, "staff.promise_broken")
            .into_iter()
            .filter(|e| !e.message.template.ends_with(".stand_down"))
            .collect()
    };
    desk.tick(&mut s, at(4, 18, 0)).unwrap();
    assert!(reminders(&s).is_empty());
    desk.tick(&mut s, at(5, 9, 0)).unwrap();
    let all = reminders(&s);
    assert_eq!(
        all.len(),
        2,
        "the collector's reminder and the supervisor's escalation"
    );
    let remind = all
        .iter()
        .find(|e| e.message.template == "staff.promise_broken")
        .unwrap();
    assert_eq!(remind.message.address, "col-1@app");
    assert_eq!(remind.message.category, MessageCategory::Service);
    assert_eq!(
        remind.message.text.as_deref(),
        Some("账单 B1（户号 C1）承诺 2026年3月4日 18:00 前缴费未兑现，请再次催缴")
    );
    let esc = all
        .iter()
        .find(|e| e.message.template == "staff.promise_broken.escalated")
        .unwrap();
    assert_eq!(esc.message.not_before, at(7, 9, 0));
    // Paid the next day: the escalation never goes out.
    desk.bill(
        &mut s,
        "B1",
        None,
        &BillCommand::RecordPayment {
            amount: Decimal::new(123_450, 2),
        },
        &collector,
        at(6, 9, 0),
    )
    .unwrap();
    let (app, _) = run_dispatcher(&mut s, at(8, 9, 0));
    let sent: Vec<_> = app.delivered().into_iter().map(|m| m.address).collect();
    assert_eq!(sent, ["col-1@app"]);
    let esc = staff(&s, "staff.promise_broken.escalated");
    assert_eq!(esc[0].status, OutboxStatus::Suppressed);
}

#[test]
fn rules_are_data_and_a_desk_without_staff_sends_none() {
    let mut rules = StaffRules::default();
    rules.outage_traced.escalate_after_min = None;
    rules.outage_traced.text = "{outage}: {customers}".into();
    let net = Arc::new(Network::from_data(&small()).unwrap());
    let desk = Desk::new(net.clone()).with_staff(StaffNotifier::new(roster()).with_rules(rules));
    let mut s = MemoryStore::new();
    traced(&net, &desk, &mut s, at(2, 10, 0));
    let all = staff(&s, "staff.");
    assert_eq!(all.len(), 2, "no escalation");
    assert_eq!(all[0].message.text.as_deref(), Some("O1: 2"));
    // Unknown rule keys are refused.
    assert!(serde_json::from_str::<StaffRules>(r#"{"outage_tracd": {}}"#).is_err());

    let plain = Desk::new(net.clone());
    let mut s = MemoryStore::new();
    traced(&net, &plain, &mut s, at(2, 10, 0));
    assert!(staff(&s, "staff.").is_empty());
}

#[test]
fn reminders_go_to_the_member_the_matter_belongs_to() {
    use Channel::App;
    let mut r = roster();
    r.members
        .push(member("insp-2", &[Role::Inspector], None, &[App]));
    r.members
        .push(member("col-2", &[Role::Collector], None, &[App]));
    let net = Arc::new(Network::from_data(&small()).unwrap());
    let desk = Desk::new(net).with_staff(StaffNotifier::new(r));
    let mut s = MemoryStore::new();
    let now = at(2, 10, 0);
    // D1 is recorded by insp-2: its deadline reminder goes to insp-2 alone. D2 is recorded by
    // an inspector who is not on the roster: every inspector on it is reminded.
    for (id, by) in [("D1", "insp-2"), ("D2", "insp-9")] {
        let inspector = Actor::new(by, [Role::Inspector]);
        let record = DefectCommand::Record {
            customer: "C1".into(),
            device: "F1".into(),
            severity: Severity::Serious,
            description: "跌落式熔断器瓷瓶破损".into(),
            evidence: vec![],
        };
        desk.defects
            .execute(&mut s, id, Some(0), &record, &inspector, now)
            .unwrap();
        desk.defects
            .execute(
                &mut s,
                id,
                None,
                &DefectCommand::IssueNotice,
                &inspector,
                now,
            )
            .unwrap();
    }
    // B1 is issued by col-1 and its promise taken by col-2: the broken promise reminds col-2.
    // B2 is issued by col-2 and promised by the customer: it reminds col-2, its issuer.
    for (id, issuer, promise_by) in [
        ("B1", "col-1", Actor::new("col-2", [Role::Collector])),
        ("B2", "col-2", Actor::customer("u1", "C1")),
    ] {
        desk.bill(
            &mut s,
            id,
            Some(0),
            &BillCommand::Issue {
                customer: "C1".into(),
                amount: Decimal::new(123_450, 2),
                due: now + Duration::days(15),
            },
            &Actor::new(issuer, [Role::Collector]),
            now,
        )
        .unwrap();
        desk.bill(
            &mut s,
            id,
            None,
            &BillCommand::Promise {
                pay_by: at(4, 18, 0),
            },
            &promise_by,
            now,
        )
        .unwrap();
    }
    let r = desk.tick(&mut s, at(8, 23, 30)).unwrap();
    assert!(r.staff_unreached.is_empty());
    let reminded = |template: &str, stream: &str| -> Vec<String> {
        addresses(
            &staff(&s, template)
                .into_iter()
                .filter(|e| e.message.template == template && e.message.stream.ends_with(stream))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(reminded("staff.defect_due_soon", "/D1"), ["insp-2@app"]);
    assert_eq!(
        reminded("staff.defect_due_soon", "/D2"),
        ["insp-1@app", "insp-2@app"]
    );
    assert_eq!(reminded("staff.promise_broken", "/B1"), ["col-2@app"]);
    assert_eq!(reminded("staff.promise_broken", "/B2"), ["col-2@app"]);
    // The state says whose matter it is.
    let d1 = desk.defects.load(&s, "D1").unwrap().state;
    assert_eq!(d1.inspector.as_deref(), Some("insp-2"));
    let b1 = desk.bills.load(&s, "B1").unwrap().state;
    assert_eq!(b1.collector.as_deref(), Some("col-2"));
}
