//! The network CSV layout (seven tables separated by 0x1E), validation, indexing and a fault
//! on every line: any outcome but a panic or a hang is fine.
#![no_main]

use std::sync::Arc;

use gridserve_core::network::io::{CsvReaders, read_csv};
use gridserve_core::network::{ElementId, Network, Topology};
use gridserve_fuzz::parts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 7);
    let get = |i: usize| p.get(i).copied();
    let readers = CsvReaders {
        points: get(0),
        segments: get(1),
        switches: get(2),
        transformers: get(3),
        sources: get(4),
        customers: get(5),
        contacts: get(6),
    };
    let Ok(records) = read_csv(readers) else {
        return;
    };
    let Ok(net) = Network::from_data(&records) else {
        return;
    };
    let net = Arc::new(net);
    let topo = Topology::normal(net.clone());
    let _ = topo.exposure();
    for line in net.line_ids().take(64) {
        let _ = topo.fault(ElementId::Line(line));
        let _ = topo.planned_outage(ElementId::Line(line));
    }
});
