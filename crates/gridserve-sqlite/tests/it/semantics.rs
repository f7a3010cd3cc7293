//! Every semantic of `EventStore` and `OutboxStore` the stores share, written against the
//! test binary's `backend` module (`Store`, `fresh_store`, `second_store`,
//! `AppendRequest`, `OutboxCounts`): the SQLite store's tests and the PostgreSQL store's
//! tests run this same file.

use gridserve_core::ports::{
    AttemptResult, Channel, EventStore, OptOuts, OutboxDelivery, OutboxQueries, OutboxStatus,
    ReceiptStatus, StoreError,
};

use crate::backend::{AppendRequest, OutboxCounts, fresh_store as file_store, second_store};
use crate::{event, notice, snapshot, t};

#[test]
fn append_load_version_streams() {
    let (_dir, mut s) = file_store();
    assert_eq!(s.version("defect/D-1").unwrap(), 0);
    let a = s
        .append(
            "defect/D-1",
            0,
            &[event("recorded", t(0)), event("notice_issued", t(5))],
            &[],
        )
        .unwrap();
    assert_eq!(
        (a.version, a.enqueued, a.duplicates, a.superseded),
        (2, 0, 0, 0)
    );
    let b = s
        .append("defect/D-1", 2, &[event("acknowledged", t(60))], &[])
        .unwrap();
    assert_eq!(b.version, 3);
    assert_eq!(s.version("defect/D-1").unwrap(), 3);

    let all = s.load("defect/D-1", 0).unwrap();
    let versions: Vec<u64> = all.iter().map(|e| e.version).collect();
    assert_eq!(versions, vec![1, 2, 3]);
    assert_eq!(all[2].event_type, "acknowledged");
    assert_eq!(all[2].at, t(60));
    assert_eq!(all[0].actor, "dispatcher-1");
    assert_eq!(all[0].payload_json, r#"{"kind":"recorded"}"#);
    assert_eq!(all[0].stream, "defect/D-1");
    let tail = s.load("defect/D-1", 2).unwrap();
    assert_eq!(tail.len(), 1);
    assert!(s.load("defect/D-1", 3).unwrap().is_empty());
    assert!(s.load("nothing", 0).unwrap().is_empty());

    for name in ["defect/D-2", "defect0", "bill/B-1", "defect/", "defecT/x"] {
        s.append(name, 0, &[event("x", t(0))], &[]).unwrap();
    }
    // Byte order: "defect/" < "defect/D-1" < "defect/D-2" < "defect0"; "defecT" sorts before.
    assert_eq!(
        s.streams("defect/").unwrap(),
        vec!["defect/", "defect/D-1", "defect/D-2"]
    );
    assert_eq!(s.streams("bill/").unwrap(), vec!["bill/B-1"]);
    assert_eq!(s.streams("").unwrap().len(), 6);
    assert!(s.streams("zzz").unwrap().is_empty());
}

#[test]
fn timestamps_keep_offset_and_nanoseconds() {
    let (_dir, mut s) = file_store();
    let utc = chrono::FixedOffset::east_opt(0).unwrap();
    let at = (t(0) + chrono::Duration::nanoseconds(123_456_789)).with_timezone(&utc);
    s.append("x", 0, &[event("e", at)], &[]).unwrap();
    let back = &s.load("x", 0).unwrap()[0];
    assert_eq!(back.at, at);
    assert_eq!(back.at.offset(), &utc);
}

#[test]
fn version_conflict_writes_nothing() {
    let (_dir, mut s) = file_store();
    s.append(
        "outage/O-1",
        0,
        &[event("detected", t(0))],
        &[notice("k1", "outage/O-1", 1, "13800000001")],
    )
    .unwrap();
    let before = snapshot(&s);
    for expected in [0, 2, 7] {
        let err = s
            .append(
                "outage/O-1",
                expected,
                &[event("scoped", t(1))],
                &[notice("k2", "outage/O-1", 2, "13800000002")],
            )
            .unwrap_err();
        match err {
            StoreError::VersionConflict {
                stream,
                expected: e,
                actual,
            } => {
                assert_eq!(stream, "outage/O-1");
                assert_eq!(e, expected);
                assert_eq!(actual, 1);
            }
            other => panic!("expected a version conflict, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&s), before);
    assert!(s.by_dedupe_key("k2").unwrap().is_none());
    // A new stream expects 0.
    assert!(matches!(
        s.append("new", 1, &[event("e", t(0))], &[]),
        Err(StoreError::VersionConflict { actual: 0, .. })
    ));
    assert_eq!(snapshot(&s), before);
}

#[test]
fn a_failing_append_rolls_back_its_events_and_notices() {
    let (_dir, mut s) = file_store();
    s.append("a", 0, &[event("e", t(0))], &[]).unwrap();
    let before = snapshot(&s);
    // The second notice carries a stream version no store can keep (beyond i64): the failure
    // comes after the events and the first notice were written inside the transaction.
    let mut bad = notice("k-bad", "a", 2, "x");
    bad.stream_version = u64::MAX;
    let err = s
        .append(
            "a",
            1,
            &[event("e2", t(1)), event("e3", t(2))],
            &[notice("k-ok", "a", 2, "y"), bad],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.version("a").unwrap(), 1);
    assert!(s.by_dedupe_key("k-ok").unwrap().is_none());
}

#[test]
fn append_many_is_all_or_nothing() {
    let (_dir, mut s) = file_store();
    s.append("b/2", 0, &[event("e", t(0))], &[]).unwrap();
    let before = snapshot(&s);
    let req = |stream: &str, expected: u64, key: &str| AppendRequest {
        stream: stream.to_string(),
        expected_version: expected,
        events: vec![event("issued", t(0))],
        notices: vec![notice(key, stream, expected + 1, "addr")],
    };
    // The third request is stale: the whole batch is refused.
    let err = s
        .append_many(&[
            req("b/1", 0, "n1"),
            req("b/1", 1, "n2"),
            req("b/2", 0, "n3"),
        ])
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::VersionConflict {
            ref stream,
            expected: 0,
            actual: 1
        } if stream == "b/2"
    ));
    assert_eq!(snapshot(&s), before);
    // Requests on one stream chain their versions.
    let done = s
        .append_many(&[
            req("b/1", 0, "n1"),
            req("b/1", 1, "n2"),
            req("b/2", 1, "n3"),
        ])
        .unwrap();
    let versions: Vec<u64> = done.iter().map(|a| a.version).collect();
    assert_eq!(versions, vec![1, 2, 2]);
    assert_eq!(s.counts().unwrap().pending, 3);
}

#[test]
fn dedupe_keys_are_enqueued_once_ever() {
    let (_dir, mut s) = file_store();
    let n = notice(
        "outage/O-1/1/13800000001/sms",
        "outage/O-1",
        1,
        "13800000001",
    );
    let a = s
        .append(
            "outage/O-1",
            0,
            &[event("e", t(0))],
            &[n.clone(), n.clone()],
        )
        .unwrap();
    assert_eq!((a.enqueued, a.duplicates), (1, 1));
    // Retried step: same key again, even after the first was sent.
    let id = s.by_dedupe_key(&n.dedupe_key).unwrap().unwrap().id;
    s.record(
        id,
        &AttemptResult::Sent {
            at: t(1),
            provider_msg_id: None,
        },
    )
    .unwrap();
    let b = s
        .append("outage/O-1", 1, &[], std::slice::from_ref(&n))
        .unwrap();
    assert_eq!((b.version, b.enqueued, b.duplicates), (1, 0, 1));
    assert_eq!(
        s.counts().unwrap(),
        OutboxCounts {
            sent: 1,
            ..OutboxCounts::default()
        }
    );
    assert!(s.due(t(100), 10).unwrap().is_empty());
}

#[test]
fn supersede_replaces_only_pending_notices_with_the_same_key() {
    let (_dir, mut s) = file_store();
    let keyed = |key: &str, sk: &str| {
        let mut n = notice(key, "outage/O-1", 1, "13800000001");
        n.supersede_key = Some(sk.to_string());
        n
    };
    s.append(
        "outage/O-1",
        0,
        &[event("e", t(0))],
        &[
            keyed("p1", "O-1/138/progress"),
            keyed("other", "O-1/139/progress"),
        ],
    )
    .unwrap();
    // p1 is sent before p2 arrives: a sent notice is history, not superseded.
    let p1 = s.by_dedupe_key("p1").unwrap().unwrap();
    s.record(
        p1.id,
        &AttemptResult::Sent {
            at: t(1),
            provider_msg_id: None,
        },
    )
    .unwrap();
    let a = s
        .append(
            "outage/O-1",
            1,
            &[event("e", t(2))],
            &[keyed("p2", "O-1/138/progress")],
        )
        .unwrap();
    assert_eq!(a.superseded, 0);
    // p3 and p4 in one append: p3 replaces p2, p4 replaces p3.
    let b = s
        .append(
            "outage/O-1",
            2,
            &[event("e", t(3))],
            &[
                keyed("p3", "O-1/138/progress"),
                keyed("p4", "O-1/138/progress"),
            ],
        )
        .unwrap();
    assert_eq!((b.enqueued, b.superseded), (2, 2));
    let p2 = s.by_dedupe_key("p2").unwrap().unwrap();
    assert_eq!(p2.status, OutboxStatus::Suppressed);
    assert_eq!(p2.last_error.as_deref(), Some("superseded by p3"));
    assert_eq!(
        s.by_dedupe_key("p3")
            .unwrap()
            .unwrap()
            .last_error
            .as_deref(),
        Some("superseded by p4")
    );
    assert_eq!(
        s.by_dedupe_key("p1").unwrap().unwrap().status,
        OutboxStatus::Sent
    );
    let due: Vec<String> = s
        .due(t(10), 10)
        .unwrap()
        .into_iter()
        .map(|e| e.message.dedupe_key)
        .collect();
    assert_eq!(due, vec!["other", "p4"]);
}

#[test]
fn due_respects_not_before_next_attempt_expiry_order_and_limit() {
    let (_dir, mut s) = file_store();
    let mut later = notice("later", "s", 1, "a");
    later.not_before = t(100);
    let mut expiring = notice("expiring", "s", 1, "b");
    expiring.expires_at = Some(t(50));
    let first = notice("first", "s", 1, "c");
    let second = notice("second", "s", 1, "d");
    s.append(
        "s",
        0,
        &[event("e", t(0))],
        &[later, expiring, first, second],
    )
    .unwrap();

    let keys = |v: Vec<gridserve_core::ports::OutboxEntry>| -> Vec<String> {
        v.into_iter().map(|e| e.message.dedupe_key).collect()
    };
    assert_eq!(
        keys(s.due(t(0), 10).unwrap()),
        vec!["expiring", "first", "second"]
    );
    assert_eq!(keys(s.due(t(0), 2).unwrap()), vec!["expiring", "first"]);
    assert!(s.due(t(-1), 10).unwrap().is_empty());
    // A retry moves "first" behind the others.
    let id = s.by_dedupe_key("first").unwrap().unwrap().id;
    s.record(
        id,
        &AttemptResult::Retry {
            next_attempt_at: t(30),
            error: "transient failure: 503".into(),
        },
    )
    .unwrap();
    assert_eq!(keys(s.due(t(10), 10).unwrap()), vec!["expiring", "second"]);
    // At t=50 "expiring" is dropped; at t=100 "later" is due; order is by next attempt.
    assert_eq!(
        keys(s.due(t(100), 10).unwrap()),
        vec!["second", "first", "later"]
    );
    let exp = s.by_dedupe_key("expiring").unwrap().unwrap();
    assert_eq!(exp.status, OutboxStatus::Suppressed);
    assert!(exp.last_error.unwrap().starts_with("expired"));
    let f = s.by_dedupe_key("first").unwrap().unwrap();
    assert_eq!(f.attempts, 1);
    assert_eq!(f.next_attempt_at, t(30));
    assert_eq!(f.last_error.as_deref(), Some("transient failure: 503"));
}

#[test]
fn record_counts_attempts_and_sets_each_status() {
    let (_dir, mut s) = file_store();
    let ns: Vec<_> = (0..4)
        .map(|i| notice(&format!("k{i}"), "s", 1, "a"))
        .collect();
    s.append("s", 0, &[event("e", t(0))], &ns).unwrap();
    let ids: Vec<u64> = (0..4)
        .map(|i| s.by_dedupe_key(&format!("k{i}")).unwrap().unwrap().id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    s.record(
        ids[0],
        &AttemptResult::Sent {
            at: t(5),
            provider_msg_id: Some("msg-1".into()),
        },
    )
    .unwrap();
    s.record(
        ids[1],
        &AttemptResult::Dead {
            reason: "invalid message: thing1 too long".into(),
        },
    )
    .unwrap();
    s.record(
        ids[2],
        &AttemptResult::Suppressed {
            reason: "opted out".into(),
        },
    )
    .unwrap();
    let e0 = s.entry(ids[0]).unwrap().unwrap();
    assert_eq!(e0.status, OutboxStatus::Sent);
    assert_eq!(e0.sent_at, Some(t(5)));
    assert_eq!(e0.provider_msg_id.as_deref(), Some("msg-1"));
    assert_eq!(e0.attempts, 1);
    let e1 = s.entry(ids[1]).unwrap().unwrap();
    assert_eq!((e1.status, e1.attempts), (OutboxStatus::Dead, 1));
    assert_eq!(
        e1.last_error.as_deref(),
        Some("invalid message: thing1 too long")
    );
    assert_eq!(
        s.entry(ids[2]).unwrap().unwrap().status,
        OutboxStatus::Suppressed
    );
    assert_eq!(s.list(OutboxStatus::Dead, 10).unwrap().len(), 1);
    assert_eq!(s.list(OutboxStatus::Pending, 10).unwrap()[0].id, ids[3]);
    assert!(s.entry(9_999).unwrap().is_none());
    assert!(matches!(
        s.record(9_999, &AttemptResult::Dead { reason: "x".into() }),
        Err(StoreError::UnknownEntry { id: 9_999 })
    ));
    // A settled entry is never re-opened: a late retry on the sent one is refused, unchanged.
    let settled = snapshot(&s);
    let late_retry = AttemptResult::Retry {
        next_attempt_at: t(6),
        error: "late".into(),
    };
    assert!(matches!(
        s.record(ids[0], &late_retry),
        Err(StoreError::NotPending {
            status: OutboxStatus::Sent,
            ..
        })
    ));
    assert_eq!(snapshot(&s), settled);
    // record_many: an unknown id rolls back the whole batch.
    let before = snapshot(&s);
    let err = s
        .record_many(&[
            (ids[3], AttemptResult::Dead { reason: "x".into() }),
            (424_242, AttemptResult::Dead { reason: "y".into() }),
        ])
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownEntry { id: 424_242 }));
    assert_eq!(snapshot(&s), before);
    s.record_many(&[(
        ids[3],
        AttemptResult::Sent {
            at: t(9),
            provider_msg_id: None,
        },
    )])
    .unwrap();
    assert_eq!(
        s.counts().unwrap(),
        OutboxCounts {
            pending: 0,
            sent: 2,
            dead: 1,
            suppressed: 1
        }
    );
}

#[test]
fn receipts_find_the_entry_by_provider_id() {
    let (_dir, mut s) = file_store();
    s.append(
        "s",
        0,
        &[event("e", t(0))],
        &[notice("k", "s", 1, "openid-1")],
    )
    .unwrap();
    let id = s.by_dedupe_key("k").unwrap().unwrap().id;
    s.record(
        id,
        &AttemptResult::Sent {
            at: t(1),
            provider_msg_id: Some("200228332".into()),
        },
    )
    .unwrap();
    assert_eq!(s.receipt("nope", &ReceiptStatus::Delivered).unwrap(), None);
    assert_eq!(
        s.receipt("200228332", &ReceiptStatus::Failed("system failed".into()))
            .unwrap(),
        Some(id)
    );
    assert_eq!(
        s.entry(id).unwrap().unwrap().receipt,
        Some(ReceiptStatus::Failed("system failed".into()))
    );
    s.receipt("200228332", &ReceiptStatus::UserBlocked).unwrap();
    assert_eq!(
        s.entry(id).unwrap().unwrap().receipt,
        Some(ReceiptStatus::UserBlocked)
    );
}

#[test]
fn opt_outs_are_per_channel_and_address() {
    let (_dir, mut s) = file_store();
    assert!(!s.is_opted_out(Channel::Sms, "13800000001").unwrap());
    s.set_opt_out(Channel::Sms, "13800000001", t(0), "replied TD")
        .unwrap();
    s.set_opt_out(Channel::Sms, "13800000001", t(5), "again")
        .unwrap();
    assert!(s.is_opted_out(Channel::Sms, "13800000001").unwrap());
    assert!(
        !s.is_opted_out(Channel::WechatTemplate, "13800000001")
            .unwrap()
    );
    assert!(!s.is_opted_out(Channel::Sms, "13800000002").unwrap());
    s.clear_opt_out(Channel::Sms, "13800000001").unwrap();
    assert!(!s.is_opted_out(Channel::Sms, "13800000001").unwrap());
    s.clear_opt_out(Channel::Sms, "never-set").unwrap();
}

#[test]
fn two_writers_on_one_database_conflict_instead_of_both_appending() {
    let (guard, mut a) = file_store();
    let mut b = second_store(&guard);
    // Both decided on version 0.
    assert_eq!(a.version("w").unwrap(), b.version("w").unwrap());
    a.append("w", 0, &[event("from-a", t(0))], &[]).unwrap();
    assert!(matches!(
        b.append("w", 0, &[event("from-b", t(0))], &[]),
        Err(StoreError::VersionConflict { actual: 1, .. })
    ));
    let events = b.load("w", 0).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "from-a");
}
