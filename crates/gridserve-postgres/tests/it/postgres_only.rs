//! What only the PostgreSQL store has: dispatch leases between instances, text without NUL,
//! reconnecting, connection errors.

use gridserve_core::ports::{
    AttemptResult, Channel, EventStore, OptOuts, OutboxDelivery, OutboxQueries, OutboxStatus,
    ReceiptStatus, StoreError,
};
use gridserve_postgres::{Lease, PgError, PgOptions, PostgresStore};

use crate::{TestDb, event, notice, snapshot, t};

/// An operation that must be refused.
type Op = Box<dyn Fn(&mut PostgresStore) -> Result<(), StoreError>>;

fn leased(db: &TestDb, name: &str, lease_ms: u64) -> PostgresStore {
    db.store_with(&PgOptions {
        instance: Some(name.into()),
        lease_ms,
        ..PgOptions::default()
    })
}

fn keys(v: &[gridserve_core::ports::OutboxEntry]) -> Vec<String> {
    v.iter().map(|e| e.message.dedupe_key.clone()).collect()
}

#[test]
fn a_lease_keeps_an_entry_from_other_instances_until_it_runs_out() {
    let db = TestDb::new();
    let mut a = leased(&db, "dispatcher-a", 60_000);
    let mut b = leased(&db, "dispatcher-b", 60_000);
    let ns: Vec<_> = (0..10)
        .map(|i| notice(&format!("k{i}"), "s", 1, &format!("addr-{i}")))
        .collect();
    a.append("s", 0, &[event("e", t(0))], &ns).unwrap();

    let first = a.due(t(0), 4).unwrap();
    assert_eq!(keys(&first), ["k0", "k1", "k2", "k3"]);
    // B gets the rest, never A's.
    let second = b.due(t(1), 10).unwrap();
    assert_eq!(keys(&second), ["k4", "k5", "k6", "k7", "k8", "k9"]);
    assert!(
        b.due(t(2), 10).unwrap().len() == 6,
        "B's own leases come back to B"
    );
    // A's round did not record: A gets its own entries again, B still nothing of A's.
    assert_eq!(keys(&a.due(t(3), 10).unwrap()), ["k0", "k1", "k2", "k3"]);
    let lease = a.lease(first[0].id).unwrap().unwrap();
    // Taken again at t(3): until t(3) + 60 s, in the dispatcher's clock.
    let until = (t(63).timestamp_nanos_opt()).unwrap();
    assert_eq!(
        lease,
        Lease {
            owner: "dispatcher-a".into(),
            until_ns: until
        }
    );

    // A records one: its lease ends with the attempt.
    a.record(
        first[0].id,
        &AttemptResult::Sent {
            at: t(4),
            provider_msg_id: None,
        },
    )
    .unwrap();
    assert_eq!(a.lease(first[0].id).unwrap(), None);
    // A retry ends the lease too, and the entry is due again for anyone at its time.
    a.record(
        first[1].id,
        &AttemptResult::Retry {
            next_attempt_at: t(10),
            error: "HTTP 503".into(),
        },
    )
    .unwrap();
    assert_eq!(a.lease(first[1].id).unwrap(), None);
    let at_10 = b.due(t(10), 10).unwrap();
    assert!(keys(&at_10).contains(&"k1".to_string()));
    assert!(
        !keys(&at_10).contains(&"k2".to_string()),
        "A's lease on k2 holds"
    );

    // A dies; at t(63) + 1 ns its leases on k2 and k3 have run out and B takes them.
    drop(a);
    let late = b.due(t(64), 10).unwrap();
    let late_keys = keys(&late);
    for k in ["k2", "k3"] {
        assert!(late_keys.contains(&k.to_string()), "{k} in {late_keys:?}");
    }
    assert_eq!(b.lease(first[2].id).unwrap().unwrap().owner, "dispatcher-b");
}

#[test]
fn a_late_result_from_an_expired_lease_is_kept_and_the_new_holder_keeps_its_lease() {
    let db = TestDb::new();
    let mut a = leased(&db, "a", 1_000);
    let mut b = leased(&db, "b", 60_000);
    a.append("s", 0, &[event("e", t(0))], &[notice("k", "s", 1, "x")])
        .unwrap();
    let id = a.due(t(0), 1).unwrap()[0].id;
    // A's lease runs out at t(1); B takes the entry at t(2).
    assert_eq!(b.due(t(2), 1).unwrap()[0].id, id);
    // A's attempt failed; it reports a retry late. The attempt counts, B's lease stays.
    a.record(
        id,
        &AttemptResult::Retry {
            next_attempt_at: t(3),
            error: "timeout".into(),
        },
    )
    .unwrap();
    assert_eq!(b.lease(id).unwrap().unwrap().owner, "b");
    assert!(a.due(t(5), 10).unwrap().is_empty(), "B's lease still holds");
    b.record(
        id,
        &AttemptResult::Sent {
            at: t(5),
            provider_msg_id: Some("p-1".into()),
        },
    )
    .unwrap();
    let e = b.entry(id).unwrap().unwrap();
    assert_eq!((e.status, e.attempts), (OutboxStatus::Sent, 2));
    assert_eq!(b.lease(id).unwrap(), None);
    // And a settled entry refuses A's second late word.
    assert!(matches!(
        a.record(id, &AttemptResult::Dead { reason: "x".into() }),
        Err(StoreError::NotPending {
            status: OutboxStatus::Sent,
            ..
        })
    ));
}

#[test]
fn expiry_and_supersede_end_leases() {
    let db = TestDb::new();
    let mut a = leased(&db, "a", 60_000);
    let mut n = notice("old", "s", 1, "x");
    n.supersede_key = Some("progress/x".into());
    n.expires_at = Some(t(30));
    a.append("s", 0, &[event("e", t(0))], &[n]).unwrap();
    let id = a.due(t(0), 1).unwrap()[0].id;
    let mut newer = notice("new", "s", 2, "x");
    newer.supersede_key = Some("progress/x".into());
    let done = a.append("s", 1, &[event("e", t(1))], &[newer]).unwrap();
    assert_eq!(done.superseded, 1);
    assert_eq!(a.lease(id).unwrap(), None);
    let old = a.entry(id).unwrap().unwrap();
    assert_eq!(old.status, OutboxStatus::Suppressed);
    assert_eq!(old.last_error.as_deref(), Some("superseded by new"));
}

#[test]
fn nul_characters_are_refused_in_identities_and_replaced_in_free_texts() {
    let db = TestDb::new();
    let mut s = db.store();
    s.append("s", 0, &[event("e", t(0))], &[notice("k", "s", 1, "a")])
        .unwrap();
    let before = snapshot(&s);
    let cases: Vec<(&str, Op)> = vec![
        (
            "name",
            Box::new(|s| s.append("s\0x", 0, &[event("e", t(0))], &[]).map(drop)),
        ),
        (
            "payload_json",
            Box::new(|s| {
                let mut e = event("e", t(0));
                e.payload_json = "{\"a\":\"\0\"}".into();
                s.append("s", 1, &[e], &[]).map(drop)
            }),
        ),
        (
            "address",
            Box::new(|s| {
                s.append(
                    "s",
                    1,
                    &[event("e", t(1))],
                    &[notice("k2", "s", 2, "13800000001\0")],
                )
                .map(drop)
            }),
        ),
        (
            "dedupe_key",
            Box::new(|s| {
                s.append("s", 1, &[], &[notice("k\0", "s", 1, "b")])
                    .map(drop)
            }),
        ),
        (
            "address",
            Box::new(|s| s.set_opt_out(Channel::Sms, "1380\0", t(0), "TD")),
        ),
    ];
    for (field, op) in cases {
        match op(&mut s) {
            Err(StoreError::Backend { detail }) => {
                assert!(detail.contains(field), "{field}: {detail}");
                assert!(!detail.contains("13800000001"), "no address in {detail}");
            }
            other => panic!("{field}: expected a backend error, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&s), before, "nothing was written");
    // Reads with NUL find nothing instead of failing.
    assert_eq!(s.version("s\0").unwrap(), 0);
    assert!(s.load("s\0", 0).unwrap().is_empty());
    assert!(s.streams("s\0").unwrap().is_empty());
    assert!(s.by_dedupe_key("k\0").unwrap().is_none());
    assert!(!s.is_opted_out(Channel::Sms, "a\0").unwrap());
    s.clear_opt_out(Channel::Sms, "a\0").unwrap();
    // Free texts from a provider keep everything but the NUL.
    let id = s.by_dedupe_key("k").unwrap().unwrap().id;
    s.record(
        id,
        &AttemptResult::Retry {
            next_attempt_at: t(1),
            error: "HTTP 502: \0garbage".into(),
        },
    )
    .unwrap();
    s.record(
        id,
        &AttemptResult::Sent {
            at: t(2),
            provider_msg_id: Some("m\0-1".into()),
        },
    )
    .unwrap();
    let e = s.entry(id).unwrap().unwrap();
    assert_eq!(e.last_error.as_deref(), Some("HTTP 502: \u{FFFD}garbage"));
    assert_eq!(e.provider_msg_id.as_deref(), Some("m\u{FFFD}-1"));
    assert_eq!(
        s.receipt("m\0-1", &ReceiptStatus::Delivered).unwrap(),
        Some(id)
    );
}

#[test]
fn a_lost_connection_is_opened_again_on_the_next_call() {
    let db = TestDb::new();
    let mut s = db.store();
    s.append("s", 0, &[event("e", t(0))], &[]).unwrap();
    let killed: i64 = db
        .raw()
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND application_name = 'gridserve'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    // The first call after the kill may see the dead connection; the next one reconnects.
    let mut result = s.version("s");
    if let Err(e) = &result {
        assert!(matches!(e, StoreError::Backend { .. }), "{e:?}");
        result = s.version("s");
    }
    assert_eq!(result.unwrap(), 1);
    s.append("s", 1, &[event("e", t(1))], &[]).unwrap();
    assert_eq!(s.version("s").unwrap(), 2);
}

#[test]
fn connection_errors_are_typed_and_never_show_the_password() {
    // A port nobody listens on (bound and released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://gridserve:s3cret-pw@127.0.0.1:{port}/utility?connect_timeout=2");
    match PostgresStore::connect(&url) {
        Err(e @ PgError::Connect { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains(&format!("gridserve@127.0.0.1:{port}/utility")),
                "{text}"
            );
            assert!(!text.contains("s3cret"), "{text}");
            let store_err: StoreError = e.into();
            assert!(matches!(store_err, StoreError::Backend { .. }));
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    // An unknown database on a live server.
    let db = TestDb::new();
    let missing = db.url().replace("/gs_test_", "/no_such_db_");
    assert!(matches!(
        PostgresStore::connect(&missing),
        Err(PgError::Connect { ref detail, .. }) if detail.contains("3D000")
    ));
    // Bad options are refused before connecting.
    assert!(matches!(
        PostgresStore::connect_with(
            db.url(),
            &PgOptions {
                schema: "Robert'); DROP TABLE students;--".into(),
                ..PgOptions::default()
            }
        ),
        Err(PgError::InvalidOption { ref field, .. }) if field == "schema"
    ));
}

#[test]
fn instances_get_distinct_generated_names() {
    let db = TestDb::new();
    let a = db.store();
    let b = db.store();
    assert_ne!(a.instance(), b.instance());
    assert!(
        a.instance()
            .starts_with(&format!("{}-", std::process::id()))
    );
}
