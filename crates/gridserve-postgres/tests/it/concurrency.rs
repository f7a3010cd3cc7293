//! Several connections at once: writers racing on streams, dispatchers racing on the outbox.

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use gridserve_core::ports::{
    AttemptResult, EventStore, OutboxDelivery, OutboxQueries, OutboxStatus, StoreError,
};
use gridserve_postgres::PgOptions;

use crate::{TestDb, event, notice, t};

#[test]
fn racing_writers_each_append_exactly_once_and_losers_get_conflicts() {
    const WRITERS: usize = 6;
    const APPENDS: usize = 25;
    let db = Arc::new(TestDb::new());
    drop(db.store());
    let start = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = db.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut s = db.store();
                let mut conflicts = 0usize;
                start.wait();
                for i in 0..APPENDS {
                    // Read, decide, append; on a conflict read again (the workflow's loop).
                    loop {
                        let v = s.version("hot").unwrap();
                        let kind = format!("w{w}-{i}");
                        let key = format!("hot/{kind}");
                        match s.append(
                            "hot",
                            v,
                            &[event(&kind, t(0))],
                            &[notice(&key, "hot", v + 1, "x")],
                        ) {
                            Ok(done) => {
                                assert_eq!(done.version, v + 1);
                                break;
                            }
                            Err(StoreError::VersionConflict { actual, .. }) => {
                                assert!(actual > v, "a conflict means the stream moved on");
                                conflicts += 1;
                            }
                            Err(other) => panic!("{other:?}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let s = db.store();
    let total = WRITERS * APPENDS;
    assert_eq!(s.version("hot").unwrap(), total as u64);
    let events = s.load("hot", 0).unwrap();
    // Versions are 1..=total with no gap, and every writer's every append is there once.
    let mut seen = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.version, i as u64 + 1);
        *seen.entry(e.event_type.clone()).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), total);
    assert!(seen.values().all(|&n| n == 1));
    // Each notice was enqueued once, with the version its append got.
    for e in &events {
        let n = s
            .by_dedupe_key(&format!("hot/{}", e.event_type))
            .unwrap()
            .expect("the append's notice");
        assert_eq!(n.message.stream_version, e.version);
    }
    // Six writers on one stream must have collided at least once; the count is informative.
    println!("{conflicts} conflicts for {total} appends");
}

#[test]
fn racing_dispatchers_take_every_due_entry_exactly_once() {
    const DISPATCHERS: usize = 4;
    const NOTICES: usize = 400;
    let db = Arc::new(TestDb::new());
    let ns: Vec<_> = (0..NOTICES)
        .map(|i| notice(&format!("n{i:04}"), "storm", 1, &format!("addr-{i}")))
        .collect();
    db.store()
        .append("storm", 0, &[event("e", t(0))], &ns)
        .unwrap();
    let start = Arc::new(Barrier::new(DISPATCHERS));
    let handles: Vec<_> = (0..DISPATCHERS)
        .map(|d| {
            let db = db.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut s = db.store_with(&PgOptions {
                    instance: Some(format!("d{d}")),
                    ..PgOptions::default()
                });
                let mut got = Vec::new();
                start.wait();
                loop {
                    let due = s.due(t(1), 7).unwrap();
                    if due.is_empty() {
                        break;
                    }
                    let results: Vec<_> = due
                        .iter()
                        .map(|e| {
                            (
                                e.id,
                                AttemptResult::Sent {
                                    at: t(1),
                                    provider_msg_id: Some(format!("d{d}")),
                                },
                            )
                        })
                        .collect();
                    got.extend(due.iter().map(|e| e.id));
                    s.record_many(&results).unwrap();
                }
                got
            })
        })
        .collect();
    let per: Vec<Vec<u64>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut all: Vec<u64> = per.iter().flatten().copied().collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, NOTICES, "no entry was handed out twice");
    assert_eq!(all.len(), NOTICES);
    let s = db.store();
    let sent = s.list(OutboxStatus::Sent, usize::MAX).unwrap();
    assert_eq!(sent.len(), NOTICES);
    assert!(sent.iter().all(|e| e.attempts == 1));
    println!(
        "entries per dispatcher: {:?}",
        per.iter().map(Vec::len).collect::<Vec<_>>()
    );
}
