//! The PostgreSQL store behaves as the SQLite store (the embedded default, the reference) on
//! random sequences of appends, due rounds, results, receipts and opt-outs by one instance:
//! every answer and, after each sequence, everything the traits can read are equal.
//!
//! Outbox ids are compared by rank, not value: both increase in enqueue order, but a
//! PostgreSQL identity also spends a number on a duplicate that `ON CONFLICT DO NOTHING`
//! skips, and SQLite's does not.

use gridserve_core::ports::{
    AttemptResult, Channel, EventStore, OptOuts, OutboxDelivery, OutboxEntry, OutboxQueries,
    OutboxStatus, ReceiptStatus, StoreError, StoredEvent,
};
use gridserve_postgres::PostgresStore;
use gridserve_sqlite::SqliteStore;
use proptest::prelude::*;

use crate::{TestDb, event, notice, t};

#[derive(Debug, Clone)]
struct NoticeSpec {
    key: u8,
    supersede: Option<u8>,
    not_before_s: i64,
    expires_s: Option<i64>,
}

#[derive(Debug, Clone)]
enum Op {
    Append {
        stream: u8,
        /// Added to the stream's true version: 0 is a fresh read, ±1 a stale or wrong one.
        skew: i8,
        events: u8,
        notices: Vec<NoticeSpec>,
    },
    Due {
        now_s: i64,
        limit: u8,
    },
    Record {
        key: u8,
        kind: u8,
        at_s: i64,
        pmid: u8,
    },
    Receipt {
        pmid: u8,
        blocked: bool,
    },
    OptOut {
        address: u8,
        set: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let spec = (
        0u8..8,
        proptest::option::of(0u8..3),
        0i64..40,
        proptest::option::weighted(0.3, 0i64..60),
    )
        .prop_map(|(key, supersede, not_before_s, expires_s)| NoticeSpec {
            key,
            supersede,
            not_before_s,
            expires_s,
        });
    prop_oneof![
        4 => (0u8..3, prop_oneof![6 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)], 0u8..3,
              proptest::collection::vec(spec, 0..4))
            .prop_map(|(stream, skew, events, notices)| Op::Append { stream, skew, events, notices }),
        3 => (0i64..90, 0u8..5).prop_map(|(now_s, limit)| Op::Due { now_s, limit }),
        3 => (0u8..9, 0u8..4, 0i64..90, 0u8..3)
            .prop_map(|(key, kind, at_s, pmid)| Op::Record { key, kind, at_s, pmid }),
        1 => (0u8..3, any::<bool>()).prop_map(|(pmid, blocked)| Op::Receipt { pmid, blocked }),
        1 => (0u8..3, any::<bool>()).prop_map(|(address, set)| Op::OptOut { address, set }),
    ]
}

fn address(i: u8) -> String {
    format!("1380000000{i}")
}

/// An answer, with outbox ids replaced by dedupe keys.
#[derive(Debug, PartialEq)]
enum Answer {
    Appended(gridserve_core::ports::Appended),
    Keys(Vec<String>),
    Key(Option<String>),
    Done,
    Flag(bool),
    Error(String),
}

fn error_of(e: &StoreError) -> Answer {
    Answer::Error(match e {
        StoreError::NotPending { status, .. } => format!("not_pending {status:?}"),
        StoreError::VersionConflict {
            stream,
            expected,
            actual,
        } => format!("conflict {stream} {expected} {actual}"),
        other => format!("{:?}", std::mem::discriminant(other)),
    })
}

/// Applies `op` to a store; ids are looked up by dedupe key in that store.
fn apply<S: EventStore + OutboxDelivery + OutboxQueries + OptOuts>(s: &mut S, op: &Op) -> Answer {
    match op {
        Op::Append {
            stream,
            skew,
            events,
            notices,
        } => {
            let name = format!("outage/O-{stream}");
            let v = s.version(&name).unwrap();
            let expected = v.saturating_add_signed(i64::from(*skew));
            let evs: Vec<_> = (0..*events)
                .map(|i| event(&format!("step{i}"), t(i64::from(i))))
                .collect();
            let ns: Vec<_> = notices
                .iter()
                .map(|n| {
                    let mut m = notice(&format!("k{}", n.key), &name, v + 1, &address(n.key % 3));
                    m.supersede_key = n.supersede.map(|k| format!("progress/{k}"));
                    m.not_before = t(n.not_before_s);
                    m.expires_at = n.expires_s.map(t);
                    m
                })
                .collect();
            match s.append(&name, expected, &evs, &ns) {
                Ok(a) => Answer::Appended(a),
                Err(e) => error_of(&e),
            }
        }
        Op::Due { now_s, limit } => match s.due(t(*now_s), usize::from(*limit)) {
            Ok(v) => Answer::Keys(v.into_iter().map(|e| e.message.dedupe_key).collect()),
            Err(e) => error_of(&e),
        },
        Op::Record {
            key,
            kind,
            at_s,
            pmid,
        } => {
            let id = s
                .by_dedupe_key(&format!("k{key}"))
                .unwrap()
                .map_or(1_000_000, |e| e.id);
            let result = match kind {
                0 => AttemptResult::Sent {
                    at: t(*at_s),
                    provider_msg_id: Some(format!("p{pmid}")),
                },
                1 => AttemptResult::Retry {
                    next_attempt_at: t(*at_s),
                    error: "HTTP 503".into(),
                },
                2 => AttemptResult::Dead {
                    reason: "HTTP 400".into(),
                },
                _ => AttemptResult::Suppressed {
                    reason: "opted out".into(),
                },
            };
            match s.record(id, &result) {
                Ok(()) => Answer::Done,
                Err(StoreError::UnknownEntry { .. }) => Answer::Error("unknown".into()),
                Err(e) => error_of(&e),
            }
        }
        Op::Receipt { pmid, blocked } => {
            let status = if *blocked {
                ReceiptStatus::UserBlocked
            } else {
                ReceiptStatus::Delivered
            };
            match s.receipt(&format!("p{pmid}"), &status) {
                Ok(id) => Answer::Key(
                    id.and_then(|id| s.entry(id).unwrap().map(|e| e.message.dedupe_key)),
                ),
                Err(e) => error_of(&e),
            }
        }
        Op::OptOut { address: a, set } => {
            let r = if *set {
                s.set_opt_out(Channel::Sms, &address(*a), t(0), "replied TD")
            } else {
                s.clear_opt_out(Channel::Sms, &address(*a))
            };
            match r.and_then(|()| s.is_opted_out(Channel::Sms, &address(*a))) {
                Ok(b) => Answer::Flag(b),
                Err(e) => error_of(&e),
            }
        }
    }
}

/// Everything readable, with ids replaced by their rank.
fn view<S: EventStore + OutboxQueries>(
    s: &S,
) -> (Vec<(String, Vec<StoredEvent>)>, Vec<OutboxEntry>) {
    let streams = s
        .streams("")
        .unwrap()
        .into_iter()
        .map(|name| {
            let events = s.load(&name, 0).unwrap();
            (name, events)
        })
        .collect();
    let mut entries = Vec::new();
    for st in [
        OutboxStatus::Pending,
        OutboxStatus::Sent,
        OutboxStatus::Dead,
        OutboxStatus::Suppressed,
    ] {
        entries.extend(s.list(st, usize::MAX).unwrap());
    }
    entries.sort_by_key(|e| e.id);
    for (rank, e) in entries.iter_mut().enumerate() {
        e.id = rank as u64;
    }
    (streams, entries)
}

fn reset(pg: &mut postgres::Client) {
    pg.batch_execute(
        "TRUNCATE gridserve.streams, gridserve.events, gridserve.outbox, gridserve.opt_outs \
         RESTART IDENTITY",
    )
    .expect("truncate");
}

#[test]
fn random_operations_give_the_same_answers_as_the_sqlite_store() {
    let db = TestDb::new();
    // proptest! takes a Fn closure: the connections are borrowed per case.
    let pg: std::cell::RefCell<PostgresStore> = std::cell::RefCell::new(db.store());
    let raw = std::cell::RefCell::new(db.raw());
    let config = ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(ops in proptest::collection::vec(op(), 1..40))| {
        reset(&mut raw.borrow_mut());
        let mut pg = pg.borrow_mut();
        let mut lite = SqliteStore::open_in_memory().expect("sqlite");
        for (i, op) in ops.iter().enumerate() {
            let want = apply(&mut lite, op);
            let got = apply(&mut *pg, op);
            prop_assert_eq!(got, want, "operation {} {:?}", i, op);
        }
        prop_assert_eq!(view(&*pg), view(&lite));
    });
}
