//! The monthly energy-report push: once per customer and period, deduplicated; a changed
//! report is recorded, and sent again only when asked.

use std::sync::Arc;

use chrono::TimeZone;
use gridserve::advice::EnergyReport;
use gridserve::network::Network;
use gridserve::ports::memory::MemoryStore;
use gridserve::ports::{Channel, OutboxEntry, Timestamp, china_offset};
use gridserve::workflow::report_push::{ReportDigest, ReportPushStatus};
use gridserve::workflow::{Actor, Desk, Role, SystemGrant, WorkflowError, WorkflowKind};

use crate::validation::small;

fn now() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 4, 5, 10, 0, 0)
        .unwrap()
}

/// The advice tests' two reports, re-numbered as the small network's customers.
fn reports() -> Vec<EnergyReport> {
    let mut r = crate::advice::build();
    r[0].customer.number = "C1".into();
    r[1].customer.number = "C2".into();
    r
}

fn pushed(s: &MemoryStore) -> Vec<OutboxEntry> {
    s.entries()
        .iter()
        .filter(|e| e.message.template == "report.monthly")
        .cloned()
        .collect()
}

fn system() -> Actor {
    Actor::system(&SystemGrant::host())
}

#[test]
fn each_customer_gets_its_period_once() {
    let desk = Desk::new(Arc::new(Network::from_data(&small()).unwrap()));
    let mut s = MemoryStore::new();
    let reports = reports();
    let first = desk.push_reports(&mut s, &reports, "2026-03", false, &system(), now());
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    assert_eq!((first.published, first.unchanged), (2, 0));
    let sent = pushed(&s);
    assert_eq!(first.notices, sent.len());
    assert!(sent.len() >= 2);
    for e in &sent {
        let m = &e.message;
        let customer = m.customer.as_deref().unwrap();
        assert_eq!(
            m.link.as_deref(),
            Some(format!("/report/{customer}/2026-03").as_str())
        );
        let digest = ReportDigest::of(
            reports
                .iter()
                .find(|r| r.customer.number == customer)
                .unwrap(),
        );
        if m.channel == Channel::Sms {
            let text = m.text.as_deref().unwrap();
            assert!(text.contains("2026年3月用能报告已生成"), "{text}");
            assert!(
                text.contains(&format!("综合评价{}", digest.status)),
                "{text}"
            );
            assert!(
                text.contains(&format!("预计年可节约电费{}元", digest.saving_yuan)),
                "{text}"
            );
        }
    }
    // A second run for the same period sends nothing.
    let again = desk.push_reports(&mut s, &reports, "2026-03", false, &system(), now());
    assert_eq!((again.published, again.unchanged, again.notices), (0, 2, 0));
    assert_eq!(pushed(&s).len(), sent.len());
    // The next period is a new push.
    let april = desk.push_reports(&mut s, &reports, "2026-04", false, &system(), now());
    assert_eq!(april.published, 2);
    assert_eq!(pushed(&s).len(), 2 * sent.len());
}

#[test]
fn a_changed_report_is_resent_only_when_asked() {
    let desk = Desk::new(Arc::new(Network::from_data(&small()).unwrap()));
    let mut s = MemoryStore::new();
    let mut reports = reports();
    desk.push_reports(&mut s, &reports, "2026-03", false, &system(), now());
    let before = pushed(&s).len();
    // C1's report changes (a finding dropped): recorded, not sent.
    assert!(!reports[0].findings.is_empty());
    reports[0].findings.pop();
    let r = desk.push_reports(&mut s, &reports, "2026-03", false, &system(), now());
    assert_eq!((r.revised, r.unchanged, r.notices), (1, 1, 0));
    assert_eq!(pushed(&s).len(), before);
    let st = desk.reports.load(&s, "C1/2026-03").unwrap().state;
    assert_eq!((st.status, st.sends), (ReportPushStatus::Published, 1));
    assert_ne!(st.digest, st.sent_digest);
    // Asked to resend: the revised report goes out once, to C1 only.
    let r = desk.push_reports(&mut s, &reports, "2026-03", true, &system(), now());
    assert_eq!((r.resent, r.unchanged), (1, 1));
    let after = pushed(&s);
    assert!(after.len() > before);
    assert!(
        after[before..]
            .iter()
            .all(|e| e.message.customer.as_deref() == Some("C1"))
    );
    // Resending again sends nothing more: that version was sent.
    let r = desk.push_reports(&mut s, &reports, "2026-03", true, &system(), now());
    assert_eq!((r.resent, r.unchanged, r.notices), (0, 2, 0));
}

#[test]
fn bad_periods_customers_and_roles_are_refused_per_customer() {
    let desk = Desk::new(Arc::new(Network::from_data(&small()).unwrap()));
    let mut s = MemoryStore::new();
    let mut reports = reports();
    let r = desk.push_reports(&mut s, &reports, "2026-13", false, &system(), now());
    assert_eq!(r.failures.len(), 2);
    assert!(matches!(&r.failures[0].1, WorkflowError::Invalid { field, .. } if field == "period"));
    reports[1].customer.number = "C9".into();
    let r = desk.push_reports(&mut s, &reports, "2026-03", false, &system(), now());
    assert_eq!(r.published, 1);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].0, "C9/2026-03");
    assert!(
        pushed(&s)
            .iter()
            .all(|e| e.message.customer.as_deref() == Some("C1"))
    );
    let collector = Actor::new("col-1", [Role::Collector]);
    let r = desk.push_reports(&mut s, &reports[..1], "2026-05", false, &collector, now());
    assert!(matches!(&r.failures[0].1, WorkflowError::Forbidden { .. }));
    // The push is a desk workflow like the others.
    assert_eq!(
        "report".parse::<WorkflowKind>().unwrap(),
        WorkflowKind::Report
    );
    let (state, name, version) = desk
        .state_json(
            &s,
            WorkflowKind::Report,
            "C1/2026-03",
            gridserve::notify::Masking::Clear,
        )
        .unwrap();
    assert_eq!((name.as_str(), version), ("published", 1));
    assert_eq!(state["sends"], 1);
}
