//! The CIM RDF/XML reader: any bytes, read with both asset-number rules, the network built
//! from what reads and a fault on some lines: any outcome but a panic or a hang is fine.
#![no_main]

use std::sync::Arc;

use gridserve_core::cim::{AssetId, CimOptions, read_cim};
use gridserve_core::network::{ElementId, Topology};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for asset_id in [AssetId::Name, AssetId::Mrid] {
        let options = CimOptions {
            asset_id,
            machines_as_sources: true,
            source_capacity_kva: Some(1000.0),
            segment_length_m: Some(100.0),
            ..CimOptions::default()
        };
        let Ok(model) = read_cim(data, "fuzz.xml", &options) else {
            continue;
        };
        let Ok(net) = model.to_network(&options) else {
            continue;
        };
        let net = Arc::new(net);
        let topo = Topology::normal(net.clone());
        for line in net.line_ids().take(16) {
            let _ = topo.fault(ElementId::Line(line));
        }
    }
});
