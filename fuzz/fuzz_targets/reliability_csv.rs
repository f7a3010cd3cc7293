//! Outage records as CSV, the service base and index options as JSON (separated by 0x1E), then
//! the system indices of the records' years.
#![no_main]

use chrono::{Datelike, FixedOffset};
use gridserve_core::reliability::record::read_csv;
use gridserve_core::reliability::{
    FeederService, IndexOptions, OutageTable, Period, ServiceBase, system_indices,
};
use gridserve_fuzz::{parts, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let zone = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    let Ok(records) = read_csv(p[0], "outages.csv", zone) else {
        return;
    };
    let feeders: Vec<FeederService> = text(&p, 1)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let Ok(base) = ServiceBase::new(feeders) else {
        return;
    };
    let options: IndexOptions = text(&p, 2)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let Ok(table) = OutageTable::new(&records, base) else {
        return;
    };
    if let Some(first) = records.first() {
        if let Ok(period) = Period::year(first.start.year(), zone) {
            let _ = system_indices(&table, &period, &options);
        }
    }
});
