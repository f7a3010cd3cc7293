//! The four workflows over the small network of `validation::small` with full contact
//! ladders: every transition, every kind of refusal (each leaving the store unchanged),
//! deadlines, notices, quiet hours, masking, and a property test over random commands.

use std::sync::Arc;

use chrono::{Duration, NaiveTime, TimeZone};
use gridserve::network::records::{Contact, ContactRole, NetworkData};
use gridserve::network::{ElementId, Network, Topology};
use gridserve::notify::{
    ChannelAddress, ContactBook, ContactSettings, Masking, QuietHours, masking::export_entry,
};
use gridserve::ports::memory::MemoryStore;
use gridserve::ports::{
    Channel, EventStore, MessageCategory, OutboxQueries, OutboxStatus, Timestamp, china_offset,
};
use gridserve::workflow::bill::{BillCommand, BillEvent, BillStatus};
use gridserve::workflow::defect::{DefectCommand, DefectEvent, DefectStatus, Severity};
use gridserve::workflow::invoice::{InvoiceCommand, InvoiceStatus};
use gridserve::workflow::outage::{OutageCommand, OutageEvent, OutageStatus};
use gridserve::workflow::{
    Actor, Attachment, Desk, DeskRules, MediaKind, Role, SystemGrant, WorkflowError, WorkflowKind,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::validation::small;

fn contact(name: &str, phone: &str, role: ContactRole, level: u8) -> Contact {
    Contact {
        name: name.into(),
        phone: phone.into(),
        role,
        level,
    }
}

/// C1 (on the fuse branch) has a full ladder: electrician and finance at level 1, manager at
/// 2, legal representative at 3. C2 keeps its single electrician at level 1.
fn data() -> NetworkData {
    let mut d = small();
    d.customers[0].contacts = vec![
        contact("王工", "13800000001", ContactRole::Electrician, 1),
        contact("李会计", "13800000002", ContactRole::Finance, 1),
        contact("赵经理", "13800000003", ContactRole::Manager, 2),
        contact("钱总", "13800000004", ContactRole::LegalRepresentative, 3),
    ];
    d
}

fn net() -> Arc<Network> {
    Arc::new(Network::from_data(&data()).unwrap())
}

fn t0() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
        .unwrap()
}

fn inspector() -> Actor {
    Actor::new("insp-1", [Role::Inspector])
}
fn manager() -> Actor {
    Actor::new("cm-1", [Role::CustomerManager])
}
fn collector() -> Actor {
    Actor::new("col-1", [Role::Collector])
}
fn clerk() -> Actor {
    Actor::new("clerk-1", [Role::InvoiceClerk])
}
fn dispatcher() -> Actor {
    Actor::new("disp-1", [Role::Dispatcher])
}
fn crew() -> Actor {
    Actor::new("crew-1", [Role::RepairCrew])
}

fn photo(uri: &str) -> Attachment {
    Attachment {
        kind: MediaKind::Photo,
        uri: uri.into(),
        sha256: None,
        caption: None,
    }
}

/// Runs `f` and asserts it was refused with a matching error and that the store is unchanged.
fn refused<T: std::fmt::Debug>(
    store: &mut MemoryStore,
    f: impl FnOnce(&mut MemoryStore) -> Result<T, WorkflowError>,
    check: impl FnOnce(&WorkflowError) -> bool,
) {
    let before = store.clone();
    let r = f(store);
    match r {
        Err(e) => assert!(check(&e), "unexpected error {e}"),
        Ok(x) => panic!("expected a refusal, got {x:?}"),
    }
    assert_eq!(*store, before, "a refused command must write nothing");
}

fn record() -> DefectCommand {
    DefectCommand::Record {
        customer: "C1".into(),
        device: "F1".into(),
        severity: Severity::Serious,
        description: "跌落式熔断器瓷瓶破损".into(),
        evidence: vec![photo("oss://defects/1.jpg")],
    }
}

fn addresses(store: &MemoryStore, template: &str) -> Vec<String> {
    let mut v: Vec<String> = store
        .entries()
        .iter()
        .filter(|e| e.message.template == template)
        .map(|e| e.message.address.clone())
        .collect();
    v.sort();
    v
}

#[test]
fn defect_every_transition_and_refusal() {
    let desk = Desk::new(net());
    let e = &desk.defects;
    let mut s = MemoryStore::new();
    let now = t0();
    // Refusals on a new stream: wrong role, wrong state, unknown customer, unknown device,
    // empty description.
    refused(
        &mut s,
        |s| e.execute(s, "D1", None, &record(), &manager(), now),
        |e| matches!(e, WorkflowError::Forbidden { command, .. } if command == "record"),
    );
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "D1",
                None,
                &DefectCommand::IssueNotice,
                &inspector(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::WrongState { state, .. } if state == "new"),
    );
    let mut bad = record();
    if let DefectCommand::Record { customer, .. } = &mut bad {
        *customer = "C9".into();
    }
    refused(
        &mut s,
        |s| e.execute(s, "D1", None, &bad, &inspector(), now),
        |e| matches!(e, WorkflowError::UnknownCustomer { number } if number == "C9"),
    );
    let mut bad = record();
    if let DefectCommand::Record { device, .. } = &mut bad {
        *device = "NOPE".into();
    }
    refused(
        &mut s,
        |s| e.execute(s, "D1", None, &bad, &inspector(), now),
        |e| matches!(e, WorkflowError::UnknownDevice { asset } if asset == "NOPE"),
    );
    let mut bad = record();
    if let DefectCommand::Record { description, .. } = &mut bad {
        *description = " ".into();
    }
    refused(
        &mut s,
        |s| e.execute(s, "D1", None, &bad, &inspector(), now),
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "description"),
    );

    let x = e
        .execute(&mut s, "D1", Some(0), &record(), &inspector(), now)
        .unwrap();
    assert_eq!((x.version, x.appended.enqueued), (1, 0));
    // Stale version.
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "D1",
                Some(0),
                &DefectCommand::IssueNotice,
                &inspector(),
                now,
            )
        },
        |e| {
            matches!(
                e,
                WorkflowError::Conflict {
                    expected: 0,
                    actual: 1,
                    ..
                }
            )
        },
    );
    let x = e
        .execute(
            &mut s,
            "D1",
            Some(1),
            &DefectCommand::IssueNotice,
            &manager(),
            now,
        )
        .unwrap();
    // Defect notices go to C1's level-1 contacts of the permitted roles: the electrician (the
    // finance contact is not permitted for defects).
    assert_eq!(x.appended.enqueued, 1);
    assert_eq!(addresses(&s, "defect.notice"), ["13800000001"]);
    let DefectEvent::NoticeIssued {
        acknowledge_due,
        rectify_due,
    } = x.events[0]
    else {
        panic!("{:?}", x.events)
    };
    // Serious: acknowledge in 24 h, rectify in 7 days (the defaults).
    assert_eq!(acknowledge_due, now + Duration::hours(24));
    assert_eq!(rectify_due, now + Duration::days(7));

    // Another customer's contact may not acknowledge; C1's may.
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "D1",
                None,
                &DefectCommand::Acknowledge,
                &Actor::customer("u2", "C2"),
                now,
            )
        },
        |e| {
            matches!(
                e,
                WorkflowError::Forbidden {
                    other_customer: true,
                    ..
                }
            )
        },
    );
    let c1 = Actor::customer("u1", "C1");
    e.execute(&mut s, "D1", Some(2), &DefectCommand::Acknowledge, &c1, now)
        .unwrap();
    refused(
        &mut s,
        |s| e.execute(s, "D1", None, &DefectCommand::Close, &manager(), now),
        |e| matches!(e, WorkflowError::WrongState { state, .. } if state == "acknowledged"),
    );
    e.execute(
        &mut s,
        "D1",
        Some(3),
        &DefectCommand::StartRectifying { plan: None },
        &c1,
        now,
    )
    .unwrap();
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "D1",
                None,
                &DefectCommand::SubmitRectification {
                    note: "done".into(),
                    evidence: vec![],
                },
                &c1,
                now,
            )
        },
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "evidence"),
    );
    let submit = DefectCommand::SubmitRectification {
        note: "已更换瓷瓶".into(),
        evidence: vec![photo("oss://defects/1-fixed.jpg")],
    };
    e.execute(&mut s, "D1", Some(4), &submit, &c1, now).unwrap();
    // The customer may not verify its own work.
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "D1",
                None,
                &DefectCommand::Verify {
                    note: None,
                    evidence: vec![],
                },
                &c1,
                now,
            )
        },
        |e| matches!(e, WorkflowError::Forbidden { .. }),
    );
    let later = now + Duration::days(2);
    let x = e
        .execute(
            &mut s,
            "D1",
            Some(5),
            &DefectCommand::SendBack {
                reason: "接地不良".into(),
            },
            &inspector(),
            later,
        )
        .unwrap();
    // Sent back: a new deadline, resubmit within 3 days (serious).
    assert!(
        matches!(x.events[0], DefectEvent::SentBack { rectify_due, .. } if rectify_due == later + Duration::days(3))
    );
    assert_eq!(x.appended.enqueued, 1);
    e.execute(&mut s, "D1", Some(6), &submit, &c1, later)
        .unwrap();
    e.execute(
        &mut s,
        "D1",
        Some(7),
        &DefectCommand::Verify {
            note: Some("合格".into()),
            evidence: vec![photo("oss://defects/1-check.jpg")],
        },
        &inspector(),
        later,
    )
    .unwrap();
    let x = e
        .execute(
            &mut s,
            "D1",
            Some(8),
            &DefectCommand::Close,
            &manager(),
            later,
        )
        .unwrap();
    assert_eq!(x.version, 9);
    let l = e.load(&s, "D1").unwrap();
    assert_eq!(l.state.status, DefectStatus::Closed);
    assert_eq!((l.state.send_backs, l.state.evidence.len()), (1, 4));
    // The audit trail: who and what, in order.
    let h = e.history(&s, "D1", Masking::Clear).unwrap();
    let trail: Vec<(&str, &str)> = h
        .iter()
        .map(|r| (r.actor.as_str(), r.event_type.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("insp-1", "defect.recorded"),
            ("cm-1", "defect.notice_issued"),
            ("u1", "defect.acknowledged"),
            ("u1", "defect.rectifying_started"),
            ("u1", "defect.rectification_submitted"),
            ("insp-1", "defect.sent_back"),
            ("u1", "defect.rectification_submitted"),
            ("insp-1", "defect.verified"),
            ("cm-1", "defect.closed"),
        ]
    );
    assert_eq!(h[0].event["evidence"][0]["uri"], "oss://defects/1.jpg");
}

#[test]
fn defect_deadlines_escalate_up_the_contact_ladder() {
    let desk = Desk::new(net());
    let e = &desk.defects;
    let mut s = MemoryStore::new();
    let now = t0();
    e.execute(&mut s, "D2", None, &record(), &inspector(), now)
        .unwrap();
    e.execute(
        &mut s,
        "D2",
        None,
        &DefectCommand::IssueNotice,
        &inspector(),
        now,
    )
    .unwrap();
    let events = |s: &MemoryStore| e.events(s, "D2").unwrap();
    // 23 h 59 min: nothing due. 24 h: acknowledgement overdue.
    assert_eq!(
        e.tick(&mut s, now + Duration::minutes(24 * 60 - 1))
            .unwrap()
            .events,
        0
    );
    assert_eq!(e.tick(&mut s, now + Duration::hours(24)).unwrap().events, 1);
    assert!(matches!(
        events(&s).last(),
        Some(DefectEvent::AcknowledgeOverdue { .. })
    ));
    // Due soon: one day before the 7-day deadline; a second tick at the same time adds nothing.
    assert_eq!(e.tick(&mut s, now + Duration::days(6)).unwrap().events, 1);
    assert_eq!(e.tick(&mut s, now + Duration::days(6)).unwrap().events, 0);
    assert_eq!(addresses(&s, "defect.due_soon"), ["13800000001"]);
    // Overdue at 7 days; escalation 1 one day later (to level 2: the manager), 2 three days
    // after the deadline (level 3: the legal representative).
    assert_eq!(e.tick(&mut s, now + Duration::days(7)).unwrap().events, 1);
    assert_eq!(e.tick(&mut s, now + Duration::days(8)).unwrap().events, 1);
    assert_eq!(addresses(&s, "defect.escalated"), ["13800000003"]);
    assert_eq!(e.tick(&mut s, now + Duration::days(10)).unwrap().events, 1);
    assert_eq!(
        addresses(&s, "defect.escalated"),
        ["13800000003", "13800000004"]
    );
    assert_eq!(e.tick(&mut s, now + Duration::days(30)).unwrap().events, 0);
    assert_eq!(e.load(&s, "D2").unwrap().state.escalation, 2);
    // A tick that was down for the whole period catches up in one go on another defect.
    e.execute(&mut s, "D3", None, &record(), &inspector(), now)
        .unwrap();
    e.execute(
        &mut s,
        "D3",
        None,
        &DefectCommand::IssueNotice,
        &inspector(),
        now,
    )
    .unwrap();
    let before = e.events(&s, "D3").unwrap().len();
    e.tick(&mut s, now + Duration::days(11)).unwrap();
    let after = e.events(&s, "D3").unwrap();
    // acknowledge overdue, overdue, escalated 1, escalated 2.
    assert_eq!(after.len() - before, 4);
}

#[test]
fn bill_reminders_escalate_and_payment_starts_the_invoice() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    let now = t0();
    let issue = BillCommand::Issue {
        customer: "C1".into(),
        amount: Decimal::new(123_450, 2),
        due: now + Duration::days(15),
    };
    refused(
        &mut s,
        |s| desk.bill(s, "B1", None, &issue, &inspector(), now),
        |e| matches!(e, WorkflowError::Forbidden { .. }),
    );
    refused(
        &mut s,
        |s| {
            desk.bill(
                s,
                "B1",
                None,
                &BillCommand::Issue {
                    customer: "C1".into(),
                    amount: Decimal::ZERO,
                    due: now + Duration::days(1),
                },
                &collector(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "amount"),
    );
    refused(
        &mut s,
        |s| {
            desk.bill(
                s,
                "B1",
                None,
                &BillCommand::Issue {
                    customer: "NOBODY".into(),
                    amount: Decimal::ONE,
                    due: now + Duration::days(1),
                },
                &collector(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::UnknownCustomer { .. }),
    );
    desk.bill(&mut s, "B1", Some(0), &issue, &collector(), now)
        .unwrap();
    // Bills go to finance, manager, legal; level 1 of those is the finance contact.
    assert_eq!(addresses(&s, "bill.issued"), ["13800000002"]);
    let issued = s.entries().last().unwrap().message.clone();
    assert!(issued.text.as_deref().unwrap().contains("1234.50元"));
    // Schedule: level 1 after 3 days, 2 after 7, 3 after 10.
    desk.tick(&mut s, now + Duration::days(3)).unwrap();
    desk.tick(&mut s, now + Duration::days(7)).unwrap();
    desk.tick(&mut s, now + Duration::days(10)).unwrap();
    desk.tick(&mut s, now + Duration::days(11)).unwrap();
    assert_eq!(
        addresses(&s, "bill.reminder"),
        ["13800000002", "13800000003", "13800000004"]
    );
    let st = desk.bills.load(&s, "B1").unwrap().state;
    assert_eq!(
        (st.status, st.reminder_steps, st.reminded_level),
        (BillStatus::Reminding, 3, 3)
    );

    // Promise, broken promise, forward to an unknown and a known contact, partial payment.
    let c1 = Actor::customer("u1", "C1");
    let t = now + Duration::days(11);
    desk.bill(
        &mut s,
        "B1",
        None,
        &BillCommand::Promise {
            pay_by: t + Duration::days(2),
        },
        &c1,
        t,
    )
    .unwrap();
    desk.tick(&mut s, t + Duration::days(3)).unwrap();
    assert_eq!(
        desk.bills.load(&s, "B1").unwrap().state.status,
        BillStatus::Reminding
    );
    refused(
        &mut s,
        |s| {
            desk.bill(
                s,
                "B1",
                None,
                &BillCommand::Forward {
                    phone: "13999999999".into(),
                },
                &c1,
                t,
            )
        },
        |e| matches!(e, WorkflowError::UnknownContact { .. }),
    );
    desk.bill(
        &mut s,
        "B1",
        None,
        &BillCommand::Forward {
            phone: "13800000003".into(),
        },
        &c1,
        t,
    )
    .unwrap();
    refused(
        &mut s,
        |s| {
            desk.bill(
                s,
                "B1",
                None,
                &BillCommand::RecordPayment {
                    amount: Decimal::new(2000, 0),
                },
                &collector(),
                t,
            )
        },
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "amount"),
    );
    let x = desk
        .bill(
            &mut s,
            "B1",
            None,
            &BillCommand::RecordPayment {
                amount: Decimal::new(1000, 0),
            },
            &collector(),
            t,
        )
        .unwrap();
    assert_eq!(x.events.len(), 1);
    assert_eq!(s.version("invoice/B1").unwrap(), 0);
    // The rest, reported by the customer: paid, and the invoice starts.
    let x = desk
        .bill(
            &mut s,
            "B1",
            None,
            &BillCommand::RecordPayment {
                amount: Decimal::new(23_450, 2),
            },
            &c1,
            t,
        )
        .unwrap();
    assert!(matches!(
        x.events[..],
        [BillEvent::PaymentRecorded { .. }, BillEvent::Paid]
    ));
    let inv = desk.invoices.load(&s, "B1").unwrap();
    assert_eq!(
        (inv.state.status, inv.version),
        (InvoiceStatus::Requested, 1)
    );
    assert_eq!(inv.state.amount, Decimal::new(123_450, 2));
    refused(
        &mut s,
        |s| {
            desk.bill(
                s,
                "B1",
                None,
                &BillCommand::Promise {
                    pay_by: t + Duration::days(1),
                },
                &c1,
                t,
            )
        },
        |e| matches!(e, WorkflowError::WrongState { state, .. } if state == "paid"),
    );
    desk.bill(&mut s, "B1", None, &BillCommand::Close, &collector(), t)
        .unwrap();
    // Ticks never start a second invoice.
    desk.tick(&mut s, t + Duration::days(1)).unwrap();
    assert_eq!(s.version("invoice/B1").unwrap(), 1);
}

#[test]
fn a_paid_bill_whose_invoice_was_missed_gets_it_at_the_next_tick() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    let now = t0();
    // Paid through the bill engine directly: the reaction did not run (as after a crash).
    desk.bills
        .execute(
            &mut s,
            "B2",
            None,
            &BillCommand::Issue {
                customer: "C2".into(),
                amount: Decimal::new(50, 0),
                due: now + Duration::days(10),
            },
            &collector(),
            now,
        )
        .unwrap();
    desk.bills
        .execute(
            &mut s,
            "B2",
            None,
            &BillCommand::RecordPayment {
                amount: Decimal::new(50, 0),
            },
            &Actor::system(&SystemGrant::host()),
            now,
        )
        .unwrap();
    assert_eq!(s.version("invoice/B2").unwrap(), 0);
    desk.tick(&mut s, now).unwrap();
    assert_eq!(s.version("invoice/B2").unwrap(), 1);
}

#[test]
fn invoice_pickup_and_expiry() {
    let desk = Desk::new(net());
    let e = &desk.invoices;
    let mut s = MemoryStore::new();
    let now = t0();
    let req = InvoiceCommand::Request {
        customer: "C1".into(),
        bill: None,
        amount: Decimal::new(88, 0),
    };
    // A customer may request only its own invoice.
    refused(
        &mut s,
        |s| e.execute(s, "I1", None, &req, &Actor::customer("u2", "C2"), now),
        |e| matches!(e, WorkflowError::Forbidden { .. }),
    );
    e.execute(&mut s, "I1", None, &req, &Actor::customer("u1", "C1"), now)
        .unwrap();
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "I1",
                None,
                &InvoiceCommand::PlaceInLocker {
                    locker: "A-12".into(),
                    pickup_code: "123456".into(),
                },
                &clerk(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::WrongState { state, .. } if state == "requested"),
    );
    e.execute(
        &mut s,
        "I1",
        None,
        &InvoiceCommand::Print {
            invoice_no: "No.00012345".into(),
        },
        &clerk(),
        now,
    )
    .unwrap();
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "I1",
                None,
                &InvoiceCommand::PlaceInLocker {
                    locker: "A-12".into(),
                    pickup_code: "12".into(),
                },
                &clerk(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "pickup_code"),
    );
    let x = e
        .execute(
            &mut s,
            "I1",
            None,
            &InvoiceCommand::PlaceInLocker {
                locker: "A-12".into(),
                pickup_code: "837261".into(),
            },
            &clerk(),
            now,
        )
        .unwrap();
    // Invoices go to the finance contact (level 1 of the permitted roles).
    assert_eq!(x.appended.enqueued, 1);
    let m = &s.entries().last().unwrap().message;
    assert!(m.text.as_deref().unwrap().contains("取件码837261"));
    let c1 = Actor::customer("u1", "C1");
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "I1",
                None,
                &InvoiceCommand::PickUp {
                    pickup_code: "000000".into(),
                },
                &c1,
                now,
            )
        },
        |e| matches!(e, WorkflowError::Invalid { reason, .. } if reason == "wrong code"),
    );
    e.execute(
        &mut s,
        "I1",
        None,
        &InvoiceCommand::PickUp {
            pickup_code: "837261".into(),
        },
        &c1,
        now + Duration::hours(3),
    )
    .unwrap();
    assert_eq!(
        e.load(&s, "I1").unwrap().state.status,
        InvoiceStatus::PickedUp
    );

    // Second invoice: reminder one day before the 7-day window ends, then expiry and return.
    e.execute(&mut s, "I2", None, &req, &clerk(), now).unwrap();
    e.execute(
        &mut s,
        "I2",
        None,
        &InvoiceCommand::Print {
            invoice_no: "No.2".into(),
        },
        &clerk(),
        now,
    )
    .unwrap();
    e.execute(
        &mut s,
        "I2",
        None,
        &InvoiceCommand::PlaceInLocker {
            locker: "B-3".into(),
            pickup_code: "5555".into(),
        },
        &clerk(),
        now,
    )
    .unwrap();
    assert_eq!(e.tick(&mut s, now + Duration::days(5)).unwrap().events, 0);
    assert_eq!(e.tick(&mut s, now + Duration::days(6)).unwrap().events, 1);
    assert_eq!(e.tick(&mut s, now + Duration::days(7)).unwrap().events, 1);
    assert_eq!(
        e.load(&s, "I2").unwrap().state.status,
        InvoiceStatus::Expired
    );
    assert_eq!(addresses(&s, "invoice.expired"), ["13800000002"]);
    e.execute(
        &mut s,
        "I2",
        None,
        &InvoiceCommand::Return,
        &clerk(),
        now + Duration::days(8),
    )
    .unwrap();
    assert_eq!(
        e.load(&s, "I2").unwrap().state.status,
        InvoiceStatus::Returned
    );
}

#[test]
fn planned_outage_notice_periods_reminder_and_start() {
    let desk = Desk::new(net());
    let e = &desk.outages;
    let mut s = MemoryStore::new();
    let now = t0();
    let announce = |start: Timestamp, temporary: bool| OutageCommand::Announce {
        area: "城关镇东街10kV线路".into(),
        devices: vec!["SW1".into()],
        customers: vec!["C2".into()],
        start,
        end: start + Duration::hours(8),
        temporary,
    };
    // 7 days minus a minute is refused; a temporary maintenance needs 24 h.
    let short = now + Duration::days(7) - Duration::minutes(1);
    refused(
        &mut s,
        |s| e.execute(s, "P1", None, &announce(short, false), &dispatcher(), now),
        |e| {
            matches!(
                e,
                WorkflowError::NoticePeriod {
                    required_hours: 168,
                    temporary: false,
                    ..
                }
            )
        },
    );
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "P1",
                None,
                &announce(now + Duration::hours(23), true),
                &dispatcher(),
                now,
            )
        },
        |e| {
            matches!(
                e,
                WorkflowError::NoticePeriod {
                    required_hours: 24,
                    temporary: true,
                    ..
                }
            )
        },
    );
    let mut bad = announce(now + Duration::days(8), false);
    if let OutageCommand::Announce { customers, .. } = &mut bad {
        customers.push("C404".into());
    }
    refused(
        &mut s,
        |s| e.execute(s, "P1", None, &bad, &dispatcher(), now),
        |e| matches!(e, WorkflowError::UnknownCustomer { number } if number == "C404"),
    );
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "P1",
                None,
                &announce(now + Duration::days(8), false),
                &crew(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::Forbidden { .. }),
    );
    // Exactly 7 days is accepted; temporary at exactly 24 h too.
    let start = now + Duration::days(7);
    e.execute(
        &mut s,
        "P1",
        Some(0),
        &announce(start, false),
        &dispatcher(),
        now,
    )
    .unwrap();
    e.execute(
        &mut s,
        "P2",
        Some(0),
        &announce(now + Duration::hours(24), true),
        &dispatcher(),
        now,
    )
    .unwrap();
    assert_eq!(
        addresses(&s, "outage.planned"),
        ["13800000001", "13800000001"]
    );
    let planned = s
        .entries()
        .iter()
        .find(|x| x.message.stream == "outage/P1")
        .unwrap();
    assert_eq!(planned.message.category, MessageCategory::Service);
    assert!(
        planned
            .message
            .text
            .as_deref()
            .unwrap()
            .contains("2026年3月9日 10:00~18:00")
    );
    // The reminder the day before (not earlier, once).
    // P2 (24 h ahead) is due for its reminder at once; P1 not before 24 h ahead of its start.
    assert_eq!(e.tick(&mut s, now).unwrap().events, 1);
    assert_eq!(
        e.tick(&mut s, start - Duration::hours(25)).unwrap().events,
        0
    );
    assert_eq!(
        e.tick(&mut s, start - Duration::hours(24)).unwrap().events,
        1
    );
    assert_eq!(addresses(&s, "outage.planned_reminder").len(), 2);
    assert_eq!(
        e.tick(&mut s, start - Duration::hours(1)).unwrap().events,
        0
    );
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "P1",
                None,
                &OutageCommand::Start,
                &crew(),
                start - Duration::minutes(1),
            )
        },
        |e| matches!(e, WorkflowError::Invalid { field, .. } if field == "now"),
    );
    e.execute(&mut s, "P1", None, &OutageCommand::Start, &crew(), start)
        .unwrap();
    e.execute(
        &mut s,
        "P1",
        None,
        &OutageCommand::Restore,
        &crew(),
        start + Duration::hours(6),
    )
    .unwrap();
    assert_eq!(
        e.load(&s, "P1").unwrap().state.status,
        OutageStatus::Restored
    );
    e.execute(
        &mut s,
        "P2",
        None,
        &OutageCommand::Cancel {
            reason: "天气".into(),
        },
        &dispatcher(),
        now,
    )
    .unwrap();
    assert_eq!(addresses(&s, "outage.planned_cancelled"), ["13800000001"]);
}

#[test]
fn unplanned_outage_from_a_fault_scope_with_progress_notices() {
    let network = net();
    let topo = Topology::normal(network.clone());
    let mut book = ContactBook::default();
    // C1's electrician reads WeChat and sleeps 22:00–07:00.
    book.set(
        "C1",
        "13800000001",
        ContactSettings {
            channels: vec![
                ChannelAddress {
                    channel: Channel::WechatTemplate,
                    address: "openid-wang".into(),
                },
                ChannelAddress {
                    channel: Channel::Sms,
                    address: "13800000001".into(),
                },
            ],
            quiet_hours: Some(QuietHours {
                start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            }),
            ..ContactSettings::default()
        },
    );
    let desk = Desk::with_rules(network.clone(), DeskRules::default(), book);
    let e = &desk.outages;
    let mut s = MemoryStore::new();
    // 23:10, inside the quiet hours: outage notices are urgent and go at once.
    let now = china_offset()
        .with_ymd_and_hms(2026, 3, 2, 23, 10, 0)
        .unwrap();
    let l1 = network.line_id("L1").unwrap();
    let outcome = topo.fault(ElementId::Line(l1)).unwrap();
    e.execute(
        &mut s,
        "O1",
        Some(0),
        &OutageCommand::Detect {
            area: "城关镇东街".into(),
            element: "L1".into(),
            cause: "线路故障".into(),
        },
        &dispatcher(),
        now,
    )
    .unwrap();
    let trace = OutageCommand::trace_fault(&topo, &outcome, None).unwrap();
    // The breaker CB1 trips: both customers are out, the critical one (C2) listed first.
    assert_eq!(
        trace,
        OutageCommand::TraceScope {
            customers: vec!["C2".into(), "C1".into()],
            tripped: vec!["CB1".into()],
            etr: None,
            inferred: None,
        }
    );
    let x = e
        .execute(
            &mut s,
            "O1",
            Some(1),
            &trace,
            &Actor::system(&SystemGrant::host()),
            now,
        )
        .unwrap();
    // Up to level 1: C2's electrician (SMS), C1's electrician (WeChat) and finance (SMS).
    assert_eq!(x.appended.enqueued, 3);
    let wechat = s
        .entries()
        .iter()
        .find(|x| x.message.channel == Channel::WechatTemplate)
        .unwrap()
        .message
        .clone();
    assert_eq!(wechat.category, MessageCategory::Urgent);
    assert_eq!(wechat.not_before, now, "urgent: no quiet-hour delay");
    assert_eq!(
        wechat.fields,
        [
            ("thing1".to_owned(), "城关镇东街".to_owned()),
            ("const2".to_owned(), "已研判".to_owned()),
            ("thing3".to_owned(), "恢复时间待定".to_owned()),
            ("time4".to_owned(), "2026年3月2日 23:10".to_owned()),
        ]
    );
    let etr = now + Duration::hours(3);
    let x = e
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::Dispatch {
                crew: "抢修一班".into(),
                etr: Some(etr),
            },
            &dispatcher(),
            now,
        )
        .unwrap();
    // The unsent "detected" notices are superseded by the progress ones.
    assert_eq!((x.appended.enqueued, x.appended.superseded), (3, 3));
    // ETR moves by 29 minutes: recorded, not noticed; by 30 minutes: noticed.
    let x = e
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::UpdateEtr {
                etr: etr + Duration::minutes(29),
            },
            &crew(),
            now,
        )
        .unwrap();
    assert!(matches!(
        x.events[0],
        OutageEvent::EtrUpdated { noticed: false, .. }
    ));
    assert_eq!(x.appended.enqueued, 0);
    let x = e
        .execute(
            &mut s,
            "O1",
            None,
            &OutageCommand::UpdateEtr {
                etr: etr + Duration::minutes(30),
            },
            &crew(),
            now,
        )
        .unwrap();
    assert!(matches!(
        x.events[0],
        OutageEvent::EtrUpdated { noticed: true, .. }
    ));
    assert_eq!(x.appended.enqueued, 3);
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "O1",
                None,
                &OutageCommand::StartRepair { etr: None },
                &crew(),
                now,
            )
        },
        |e| matches!(e, WorkflowError::WrongState { state, .. } if state == "crew_dispatched"),
    );
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::Locate {
            location: "L1 3号杆".into(),
            evidence: vec![photo("oss://outage/1.jpg")],
            etr: None,
        },
        &crew(),
        now,
    )
    .unwrap();
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::StartRepair { etr: None },
        &crew(),
        now,
    )
    .unwrap();
    let restored_at = now + Duration::hours(2);
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::Restore,
        &crew(),
        restored_at,
    )
    .unwrap();
    // Only the latest progress notice per recipient is pending.
    let pending = s.list(OutboxStatus::Pending, 100).unwrap();
    assert_eq!(pending.len(), 3);
    assert!(
        pending
            .iter()
            .all(|p| p.message.template == "outage.restored")
    );
    // Still out? A customer not affected is refused; an affected one is recorded.
    refused(
        &mut s,
        |s| {
            e.execute(
                s,
                "O1",
                None,
                &OutageCommand::ReportStillOut {
                    customer: "C1".into(),
                },
                &Actor::customer("u2", "C2"),
                restored_at,
            )
        },
        |e| {
            matches!(
                e,
                WorkflowError::Forbidden {
                    other_customer: true,
                    ..
                }
            )
        },
    );
    e.execute(
        &mut s,
        "O1",
        None,
        &OutageCommand::ReportStillOut {
            customer: "C2".into(),
        },
        &Actor::customer("u2", "C2"),
        restored_at,
    )
    .unwrap();
    // Follow-up after 30 minutes (service: held for the sleeping contact until 07:00).
    assert_eq!(
        e.tick(&mut s, restored_at + Duration::minutes(29))
            .unwrap()
            .events,
        0
    );
    assert_eq!(
        e.tick(&mut s, restored_at + Duration::minutes(30))
            .unwrap()
            .events,
        1
    );
    let follow = s
        .entries()
        .iter()
        .find(|x| {
            x.message.template == "outage.still_out" && x.message.channel == Channel::WechatTemplate
        })
        .unwrap();
    assert_eq!(
        follow.message.not_before,
        china_offset()
            .with_ymd_and_hms(2026, 3, 3, 7, 0, 0)
            .unwrap()
    );
    assert_eq!(
        e.tick(&mut s, restored_at + Duration::hours(24))
            .unwrap()
            .events,
        1
    );
    let st = e.load(&s, "O1").unwrap().state;
    assert_eq!(
        (st.status, st.still_out),
        (OutageStatus::Closed, vec!["C2".to_owned()])
    );
    assert_eq!(
        e.tick(&mut s, restored_at + Duration::days(3))
            .unwrap()
            .checked,
        0
    );
}

#[test]
fn personal_data_is_masked_by_role() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    let now = t0();
    desk.defects
        .execute(&mut s, "D1", None, &record(), &inspector(), now)
        .unwrap();
    desk.defects
        .execute(
            &mut s,
            "D1",
            None,
            &DefectCommand::IssueNotice,
            &inspector(),
            now,
        )
        .unwrap();
    let entry = &s.entries()[0];
    let policy = gridserve::notify::MaskingPolicy::default();
    let crew_view = export_entry(entry, policy.for_roles(&[Role::RepairCrew]));
    assert_eq!(crew_view["message"]["address"], "138****0001");
    let manager_view = export_entry(entry, policy.for_roles(&[Role::CustomerManager]));
    assert_eq!(manager_view["message"]["address"], "13800000001");
    let dbg = format!(
        "{:?}",
        gridserve::notify::MaskedMessage {
            message: &entry.message,
            masking: Masking::Masked
        }
    );
    assert!(
        !dbg.contains("13800000001") && dbg.contains("138****0001"),
        "{dbg}"
    );
    // Dedupe keys carry no phone number.
    assert!(!entry.message.dedupe_key.contains("13800000001"));
}

#[test]
fn scripting_by_name_and_json() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    let now = t0();
    let cmd = serde_json::json!({
        "type": "record", "customer": "C1", "device": "F1", "severity": "critical",
        "description": "缺陷", "evidence": [{"kind": "voice", "uri": "oss://v/1.amr"}]
    });
    let x = desk
        .execute_json(
            &mut s,
            WorkflowKind::Defect,
            "D9",
            Some(0),
            &cmd,
            &inspector(),
            now,
        )
        .unwrap();
    assert_eq!(x.events[0]["type"], "recorded");
    let (state, name, v) = desk
        .state_json(&s, WorkflowKind::Defect, "D9", Masking::Clear)
        .unwrap();
    assert_eq!((name.as_str(), v), ("recorded", 1));
    assert_eq!(state["severity"], "critical");
    let before = s.clone();
    assert!(matches!(
        desk.execute_json(&mut s, WorkflowKind::Defect, "D9", None, &serde_json::json!({"type": "fly"}), &inspector(), now),
        Err(WorkflowError::Invalid { field, .. }) if field == "command"
    ));
    assert!(matches!(
        "ticket".parse::<WorkflowKind>(),
        Err(WorkflowError::Unknown { name, .. }) if name == "ticket"
    ));
    // A misspelt field, at the top or inside the evidence, is refused by name and writes
    // nothing: it is never dropped.
    for bad in [
        serde_json::json!({"type": "record", "customer": "C1", "device": "F1",
            "severity": "critical", "description": "缺陷", "evidence": [], "severty": "minor"}),
        serde_json::json!({"type": "record", "customer": "C1", "device": "F1",
            "severity": "critical", "description": "缺陷",
            "evidence": [{"kind": "photo", "uri": "oss://p/1.jpg", "urii": "x"}]}),
    ] {
        let err = desk
            .execute_json(
                &mut s,
                WorkflowKind::Defect,
                "D10",
                None,
                &bad,
                &inspector(),
                now,
            )
            .unwrap_err();
        let WorkflowError::Invalid { field, reason, .. } = err else {
            panic!("{err:?}");
        };
        assert_eq!(field, "command");
        assert!(reason.contains("unknown field"), "{reason}");
    }
    // The refused command is quoted with its personal data masked.
    let bad =
        serde_json::json!({"type": "forward", "phone": "13912345678", "name": "张三丰", "x": 1});
    let err = desk
        .execute_json(
            &mut s,
            WorkflowKind::Bill,
            "B9",
            None,
            &bad,
            &inspector(),
            now,
        )
        .unwrap_err()
        .to_string();
    assert!(
        !err.contains("13912345678") && !err.contains("张三丰"),
        "{err}"
    );
    assert_eq!(s, before);
}

#[test]
fn unknown_rule_keys_are_refused_by_name() {
    // The top level, a workflow's rules and the notice rules: each misspelling names itself.
    for (json, key) in [
        (r#"{"notice": {}}"#, "notice"),
        (
            r#"{"outage": {"planned_notice_minutes": 60}}"#,
            "planned_notice_minutes",
        ),
        (
            r#"{"notices": {"sms": {"signatur": "【电】"}}}"#,
            "signatur",
        ),
    ] {
        let err = serde_json::from_str::<DeskRules>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{json}: {err}");
    }
    // The shipped rules read back as they are.
    let shipped = serde_json::to_string(&DeskRules::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<DeskRules>(&shipped).unwrap(),
        DeskRules::default()
    );
}

// ---------------------------------------------------------------------------------------------
// Property: any sequence of commands (accepted or refused) keeps every stream foldable with
// contiguous versions, and a refused command changes nothing.
// ---------------------------------------------------------------------------------------------

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(inspector()),
        Just(manager()),
        Just(collector()),
        Just(clerk()),
        Just(Actor::customer("u1", "C1")),
        Just(Actor::customer("u2", "C2")),
        Just(Actor::system(&SystemGrant::host())),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Defect(DefectCommand),
    Bill(BillCommand),
    Tick(i64),
}

fn any_op() -> impl Strategy<Value = Op> {
    let defect = prop_oneof![
        Just(record()),
        Just(DefectCommand::IssueNotice),
        Just(DefectCommand::Acknowledge),
        Just(DefectCommand::StartRectifying { plan: None }),
        Just(DefectCommand::SubmitRectification {
            note: "x".into(),
            evidence: vec![photo("p")]
        }),
        Just(DefectCommand::Verify {
            note: None,
            evidence: vec![]
        }),
        Just(DefectCommand::SendBack { reason: "y".into() }),
        Just(DefectCommand::Close),
    ];
    let bill = prop_oneof![
        (1i64..5000).prop_map(|a| BillCommand::Issue {
            customer: "C1".into(),
            amount: Decimal::new(a, 1),
            due: t0() + Duration::days(30),
        }),
        (1i64..5000).prop_map(|a| BillCommand::RecordPayment {
            amount: Decimal::new(a, 1)
        }),
        Just(BillCommand::Promise {
            pay_by: t0() + Duration::days(60)
        }),
        Just(BillCommand::Forward {
            phone: "13800000003".into()
        }),
        Just(BillCommand::Close),
    ];
    prop_oneof![
        defect.prop_map(Op::Defect),
        bill.prop_map(Op::Bill),
        (0i64..40).prop_map(Op::Tick),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_commands_keep_the_log_consistent(
        ops in prop::collection::vec((any_op(), any_actor(), 0u8..2, any::<bool>()), 1..40)
    ) {
        let desk = Desk::new(net());
        let mut s = MemoryStore::new();
        let mut day = 0i64;
        for (op, actor, which, stale) in ops {
            let id = if which == 0 { "X0" } else { "X1" };
            let before = s.clone();
            let now = t0() + Duration::days(day);
            let r = match &op {
                Op::Defect(c) => {
                    let v = s.version(&format!("defect/{id}")).unwrap();
                    let expected = if stale { v + 1 } else { v };
                    desk.defects.execute(&mut s, id, Some(expected), c, &actor, now).map(|_| ())
                }
                Op::Bill(c) => {
                    let v = s.version(&format!("bill/{id}")).unwrap();
                    let expected = if stale { v + 1 } else { v };
                    desk.bill(&mut s, id, Some(expected), c, &actor, now).map(|_| ())
                }
                Op::Tick(d) => {
                    day += d;
                    desk.tick(&mut s, t0() + Duration::days(day)).map(|r| {
                        assert!(r.failures.is_empty(), "{:?}", r.failures);
                    })
                }
            };
            if r.is_err() {
                prop_assert_eq!(&s, &before);
            }
            if stale && !matches!(op, Op::Tick(_)) {
                prop_assert!(r.is_err());
            }
        }
        // Every stream folds and its versions are 1, 2, 3, …
        for stream in s.streams("").unwrap() {
            let events = s.load(&stream, 0).unwrap();
            for (i, e) in events.iter().enumerate() {
                prop_assert_eq!(e.version, i as u64 + 1);
            }
            let (kind, id) = stream.split_once('/').unwrap();
            prop_assert!(desk.state_json(&s, kind.parse().unwrap(), id, Masking::Clear).is_ok());
        }
        // Paid bills have their invoice; outstanding is never negative.
        for id in ["X0", "X1"] {
            let b = desk.bills.load(&s, id).unwrap().state;
            prop_assert!(b.outstanding >= Decimal::ZERO);
            if matches!(b.status, BillStatus::Paid | BillStatus::Closed) {
                prop_assert_eq!(s.version(&format!("invoice/{id}")).unwrap(), 1);
            }
        }
        // No dedupe key was enqueued twice.
        let mut keys: Vec<&str> = s.entries().iter().map(|e| e.message.dedupe_key.as_str()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        prop_assert_eq!(keys.len(), n);
    }
}

/// C1 with a full ladder; C2 with contacts of the `other` role only (most county customers).
fn county_like() -> Arc<Network> {
    let mut d = data();
    d.customers[1].contacts = vec![
        contact("孙七", "13900000001", ContactRole::Other, 1),
        contact("周八", "13900000002", ContactRole::Other, 2),
    ];
    Arc::new(Network::from_data(&d).unwrap())
}

fn issue(customer: &str) -> BillCommand {
    BillCommand::Issue {
        customer: customer.into(),
        amount: Decimal::new(123_450, 2),
        due: t0() + Duration::days(15),
    }
}

#[test]
fn a_customer_with_only_other_contacts_gets_its_notices() {
    let network = county_like();
    let desk = Desk::new(network);
    let mut s = MemoryStore::new();
    let x = desk
        .bills
        .execute(&mut s, "B2", Some(0), &issue("C2"), &collector(), t0())
        .unwrap();
    assert!(x.unreached.is_empty(), "{:?}", x.unreached);
    assert_eq!(
        x.appended.enqueued, 1,
        "the level-1 `other` contact stands in"
    );
    assert_eq!(addresses(&s, "bill.issued"), ["13900000001"]);
    // A customer with a finance contact still gets only its preferred roles.
    let x = desk
        .bills
        .execute(&mut s, "B1", Some(0), &issue("C1"), &collector(), t0())
        .unwrap();
    assert!(x.unreached.is_empty());
    assert!(!addresses(&s, "bill.issued").contains(&"13800000001".to_owned()));
}

#[test]
fn a_notice_that_reaches_nobody_is_reported_with_its_reason() {
    use gridserve::notify::UnreachedReason;
    // Strict roles: C2's `other` contacts may not receive bills.
    let mut rules = DeskRules::default();
    rules.notices.recipients.fallback_to_any_contact = false;
    let desk = Desk::with_rules(county_like(), rules, ContactBook::default());
    let mut s = MemoryStore::new();
    let x = desk
        .bills
        .execute(&mut s, "B2", Some(0), &issue("C2"), &collector(), t0())
        .unwrap();
    assert_eq!(x.appended.enqueued, 0);
    assert_eq!(x.unreached.len(), 1);
    let u = &x.unreached[0];
    assert_eq!(
        (
            u.stream.as_str(),
            u.version,
            u.template.as_str(),
            u.customer.as_str(),
            u.reason
        ),
        (
            "bill/B2",
            1,
            "bill.issued",
            "C2",
            UnreachedReason::NoPermittedContact
        )
    );
    // No contact at all: the reason says so, with the default rules too.
    let mut d = data();
    d.customers[1].contacts.clear();
    let desk = Desk::new(Arc::new(Network::from_data(&d).unwrap()));
    let mut s = MemoryStore::new();
    let x = desk
        .bills
        .execute(&mut s, "B2", Some(0), &issue("C2"), &collector(), t0())
        .unwrap();
    assert_eq!(x.unreached[0].reason, UnreachedReason::NoContact);
    // The tick reports the reminders that reach nobody.
    let r = desk.tick(&mut s, t0() + Duration::days(16)).unwrap();
    assert!(r.events > 0);
    assert!(!r.unreached.is_empty() && r.unreached.iter().all(|u| u.customer == "C2"));
}

#[test]
fn a_critical_defect_notice_is_not_held_by_quiet_hours() {
    let mut book = ContactBook::default();
    for phone in ["13800000001", "13800000003", "13800000004"] {
        book.set(
            "C1",
            phone,
            ContactSettings {
                quiet_hours: Some(QuietHours {
                    start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
                    end: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
                }),
                muted_topics: vec!["defect".into()],
                ..ContactSettings::default()
            },
        );
    }
    let desk = Desk::with_rules(net(), DeskRules::default(), book);
    let night = china_offset()
        .with_ymd_and_hms(2026, 3, 2, 23, 30, 0)
        .unwrap();
    for (id, severity, urgent) in [
        ("D1", Severity::Critical, true),
        ("D2", Severity::Serious, false),
    ] {
        let mut s = MemoryStore::new();
        let cmd = DefectCommand::Record {
            customer: "C1".into(),
            device: "F1".into(),
            severity,
            description: "配电房进水".into(),
            evidence: vec![photo("oss://d/1.jpg")],
        };
        desk.defects
            .execute(&mut s, id, Some(0), &cmd, &inspector(), night)
            .unwrap();
        let x = desk
            .defects
            .execute(
                &mut s,
                id,
                Some(1),
                &DefectCommand::IssueNotice,
                &manager(),
                night,
            )
            .unwrap();
        if urgent {
            // Sent at once, to the contact who muted defect notices too.
            assert_eq!(x.appended.enqueued, 1, "{severity:?}");
            let m = &s.entries()[0].message;
            assert_eq!((m.category, m.not_before), (MessageCategory::Urgent, night));
        } else {
            // A muted, quiet-hours contact: nobody, and the caller is told.
            assert_eq!(x.appended.enqueued, 0);
            assert_eq!(x.unreached.len(), 1);
        }
    }
}

#[test]
fn errors_carry_no_phone_number_and_no_huge_input() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    desk.bills
        .execute(&mut s, "B1", Some(0), &issue("C1"), &collector(), t0())
        .unwrap();
    let e = desk
        .bills
        .execute(
            &mut s,
            "B1",
            None,
            &BillCommand::Forward {
                phone: "13912345678".into(),
            },
            &collector(),
            t0(),
        )
        .unwrap_err();
    assert!(matches!(e, WorkflowError::UnknownContact { .. }), "{e}");
    assert!(!e.to_string().contains("13912345678"), "{e}");
    assert!(e.to_string().contains("139****5678"), "{e}");
    // A 10 MB command is refused by name, without echoing it.
    let huge = serde_json::json!({"type": "record", "description": "x".repeat(10_000_000)});
    let e = desk
        .execute_json(
            &mut s,
            WorkflowKind::Defect,
            "D1",
            None,
            &huge,
            &inspector(),
            t0(),
        )
        .unwrap_err();
    assert!(matches!(&e, WorkflowError::Invalid { field, .. } if field == "command"));
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());
    // A huge instance id or workflow name is cut too.
    let e = desk
        .defects
        .execute(
            &mut s,
            "D2",
            None,
            &DefectCommand::Record {
                customer: "C".repeat(1_000_000),
                device: "F1".into(),
                severity: Severity::General,
                description: "d".into(),
                evidence: vec![],
            },
            &inspector(),
            t0(),
        )
        .unwrap_err();
    assert!(e.to_string().len() < 1_000, "{} bytes", e.to_string().len());
}

#[test]
fn history_and_state_mask_phone_fields_and_free_text_numbers() {
    let desk = Desk::new(net());
    let mut s = MemoryStore::new();
    let cmd = DefectCommand::Record {
        customer: "C1".into(),
        device: "F1".into(),
        severity: Severity::General,
        description: "现场联系人电话 138-0000-0001，备用 +86 138 0000 0002".into(),
        evidence: vec![photo("oss://d/1.jpg")],
    };
    desk.defects
        .execute(&mut s, "D1", Some(0), &cmd, &inspector(), t0())
        .unwrap();
    desk.bills
        .execute(&mut s, "B1", Some(0), &issue("C1"), &collector(), t0())
        .unwrap();
    desk.bills
        .execute(
            &mut s,
            "B1",
            None,
            &BillCommand::Forward {
                phone: "13800000003".into(),
            },
            &collector(),
            t0(),
        )
        .unwrap();
    for kind in [WorkflowKind::Defect, WorkflowKind::Bill] {
        let id = if kind == WorkflowKind::Defect {
            "D1"
        } else {
            "B1"
        };
        let masked =
            serde_json::to_string(&desk.history(&s, kind, id, Masking::Masked).unwrap()).unwrap();
        let (state, _, _) = desk.state_json(&s, kind, id, Masking::Masked).unwrap();
        for text in [masked, state.to_string()] {
            for clear in ["0000-0001", "0000 0002", "13800000003"] {
                assert!(!text.contains(clear), "{clear} in {text}");
            }
        }
        let clear =
            serde_json::to_string(&desk.history(&s, kind, id, Masking::Clear).unwrap()).unwrap();
        assert!(clear.contains("138-0000-0001") || clear.contains("13800000003"));
    }
}
