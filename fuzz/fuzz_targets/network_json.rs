//! The network JSON form, then a list of operations (JSON, after 0x1E) scoped and applied.
#![no_main]

use std::sync::Arc;

use gridserve_core::network::io::read_json;
use gridserve_core::network::{Network, Operation, Topology};
use gridserve_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 2);
    let Ok(records) = read_json(p[0]) else {
        return;
    };
    let Ok(net) = Network::from_data(&records) else {
        return;
    };
    let mut topo = Topology::normal(Arc::new(net));
    let ops: Vec<Operation> = text(&p, 1)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let _ = topo.scope(&ops);
    let _ = topo.apply(&ops);
    let _ = topo.loops();
});
