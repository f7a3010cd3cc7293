//! Workflow commands as JSON, the form the Python `Workflows.execute` and a host's HTTP layer
//! hand over: a sequence of commands (separated by 0x1E), each `[kind byte][actor byte][time
//! byte][JSON]`, executed in order on one in-memory store over a small network; then each
//! instance's state and history are read back. Commands may be refused; nothing may panic, and
//! a refused command appends nothing.
#![no_main]

use std::sync::{Arc, OnceLock};

use chrono::{Duration, FixedOffset, TimeZone};
use gridserve_core::access::{Actor, Role, SystemGrant};
use gridserve_core::network::Network;
use gridserve_core::network::io::read_json;
use gridserve_core::notify::Masking;
use gridserve_core::ports::EventStore;
use gridserve_core::ports::memory::MemoryStore;
use gridserve_core::workflow::{Desk, WorkflowKind};
use libfuzzer_sys::fuzz_target;

fn desk() -> &'static Desk {
    static DESK: OnceLock<Desk> = OnceLock::new();
    DESK.get_or_init(|| {
        let records =
            read_json(&include_bytes!("../corpus/network_json/small")[..]).expect("seed network");
        Desk::new(Arc::new(
            Network::from_data(&records).expect("seed network"),
        ))
    })
}

const KINDS: [WorkflowKind; 4] = [
    WorkflowKind::Defect,
    WorkflowKind::Bill,
    WorkflowKind::Invoice,
    WorkflowKind::Outage,
];

fn actor(b: u8) -> Actor {
    match b % 6 {
        0 => Actor::system(&SystemGrant::host()),
        1 => Actor::new("inspector-1", [Role::Inspector]),
        2 => Actor::new("supervisor-1", [Role::Supervisor, Role::CustomerManager]),
        3 => Actor::new("dispatcher-1", [Role::Dispatcher, Role::RepairCrew]),
        4 => Actor::new("clerk-1", [Role::Collector, Role::InvoiceClerk]),
        _ => Actor::customer("c1-contact", "C1"),
    }
}

/// Events in every stream plus notices in the outbox.
fn size(store: &MemoryStore) -> u64 {
    let events: u64 = store
        .streams("")
        .unwrap_or_default()
        .iter()
        .map(|s| store.version(s).unwrap_or(0))
        .sum();
    events + store.outbox_len() as u64
}

fuzz_target!(|data: &[u8]| {
    let desk = desk();
    let mut store = MemoryStore::new();
    let start = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, 1, 8, 0, 0)
        .unwrap();
    let mut seen = Vec::new();
    for (i, part) in data.split(|b| *b == 0x1E).take(32).enumerate() {
        let [k, a, t, json @ ..] = part else {
            continue;
        };
        let Ok(command) = serde_json::from_slice::<serde_json::Value>(json) else {
            continue;
        };
        let kind = KINDS[usize::from(*k) % KINDS.len()];
        let id = format!("I{}", k / 4 % 3);
        let now = start + Duration::hours(i64::from(*t)) + Duration::minutes(i as i64);
        let before = size(&store);
        let done = desk.execute_json(&mut store, kind, &id, None, &command, &actor(*a), now);
        if done.is_err() {
            assert_eq!(size(&store), before, "a refused command appended events");
        }
        seen.push((kind, id));
    }
    for (kind, id) in seen {
        let _ = desk.state_json(&store, kind, &id, Masking::Masked);
        let _ = desk.history(&store, kind, &id, Masking::Masked);
    }
});
