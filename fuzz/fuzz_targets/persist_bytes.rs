//! Bytes given to `persist::from_bytes` (what unpickling reads): first as they are, then with
//! the first byte taken as a kind code and the rest sealed as a body with a valid header and
//! checksum, so that the fuzzer reaches the decoders past the checksum. Any outcome but a panic,
//! a hang or an allocation beyond the input's reach is fine.
#![no_main]

use gridserve_core::network::{FaultOutcome, Network, PlannedOutage, Scope, Topology};
use gridserve_core::persist::{self, Answered, FORMAT_VERSION, Kind, MAGIC};
use gridserve_core::reliability::OutageTable;
use gridserve_core::tariff::{Tariff, TariffBook};
use libfuzzer_sys::fuzz_target;

fn all(bytes: &[u8]) {
    let _ = persist::kind_of(bytes);
    let _ = persist::from_bytes::<Network>(bytes);
    let _ = persist::from_bytes::<Topology>(bytes);
    let _ = persist::from_bytes::<Tariff>(bytes);
    let _ = persist::from_bytes::<TariffBook>(bytes);
    let _ = persist::from_bytes::<OutageTable>(bytes);
    let _ = persist::from_bytes::<Answered<Scope>>(bytes);
    let _ = persist::from_bytes::<Answered<FaultOutcome>>(bytes);
    let _ = persist::from_bytes::<Answered<PlannedOutage>>(bytes);
    let _ = persist::from_bytes::<persist::TopologyState>(bytes);
}

fuzz_target!(|data: &[u8]| {
    all(data);
    let Some((&code, raw)) = data.split_first() else {
        return;
    };
    let kind = Kind::ALL[usize::from(code) % Kind::ALL.len()];
    let body = lz4_flex::block::compress(raw);
    let mut sealed = MAGIC.to_vec();
    sealed.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    sealed.extend_from_slice(&kind.code().to_le_bytes());
    sealed.extend_from_slice(&(body.len() as u64).to_le_bytes());
    sealed.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    sealed.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    sealed.extend_from_slice(&body);
    all(&sealed);
});
