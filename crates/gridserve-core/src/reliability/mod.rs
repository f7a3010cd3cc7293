//! Reliability indices and outage statistics.
//!
//! - [`OutageRecord`]: one interruption (start, end, cause, planned or not, device, feeder,
//!   customers as a count or a list, interrupted kVA/kW, stage timestamps), with serde and a
//!   CSV layout ([`record`]).
//! - [`ServiceBase`]: the customers and kVA each feeder serves (the denominators), and
//!   [`OutageTable`]: records validated against it, in columnar form with dense ids, the input
//!   of everything below. [`NetworkFeeders`] derives both from the network model: the base
//!   from the customers each source feeds, records from a fault, a planned outage or a scope.
//! - [`indices`](fn@indices) / [`system_indices`]: IEEE Std 1366 indices (SAIFI, SAIDI, CAIDI,
//!   CAIFI, CTAIDI, ASAI, ASIFI, ASIDI, MAIFI, MAIFIₑ, CEMIₙ, CEMSMIₙ, CELID-s, CELID-t) over a
//!   period and a [`Grouping`]; formulas, sources and the choices behind them are in the
//!   [`indices` module](mod@indices).
//! - [`med`]: major event days by the 2.5β method, with the indices with and without them.
//! - [`dlt836`]: the DL/T 836 names (RS-1/2/3, AIHC, AITC) in hours.
//! - [`stats`]: frequency and duration by feeder, cause, device, month and hour; stage
//!   durations with percentiles; lost energy sales; the worst feeders and devices.
//!
//! ```
//! use gridserve_core::reliability::*;
//! use chrono::TimeZone;
//!
//! let base = ServiceBase::new(vec![
//!     FeederService { feeder: "F1".into(), substation: "S1".into(), customers: 600, load_kva: 3000.0 },
//!     FeederService { feeder: "F2".into(), substation: "S1".into(), customers: 400, load_kva: 2000.0 },
//! ])?;
//! let t = |d, h, m| CHINA_STANDARD_TIME.with_ymd_and_hms(2024, 7, d, h, m, 0).unwrap();
//! let list = |v: &[&str]| CustomersInterrupted::List(v.iter().map(|s| s.to_string()).collect());
//! let records = vec![
//!     OutageRecord::new("O1", t(1, 8, 0), t(1, 9, 30), "F1", CustomersInterrupted::Count(100)),
//!     OutageRecord::new("O2", t(2, 23, 0), t(3, 1, 0), "F2", CustomersInterrupted::Count(50)),
//!     OutageRecord::new("O3", t(5, 10, 0), t(5, 10, 5), "F2", list(&["C1", "C2"])), // momentary
//! ];
//! let table = OutageTable::new(&records, base)?;
//! let year = Period::year(2024, CHINA_STANDARD_TIME)?;
//! let x = system_indices(&table, &year, &IndexOptions::default())?;
//! assert!((x.saifi - 0.15).abs() < 1e-12);           // (100 + 50) / 1000
//! assert!((x.saidi_min - 15.0).abs() < 1e-12);       // (90·100 + 120·50) / 1000
//! assert!((x.maifi_e - 0.002).abs() < 1e-12);        // 2 / 1000
//! assert_eq!(x.period_hours, 8784.0);                // 2024 is a leap year
//! assert!(x.customer_indices().is_err());            // counts only: no CAIFI
//! # Ok::<(), ReliabilityError>(())
//! ```

#[cfg(all(test, feature = "arrow"))]
mod arrow_tests;
pub mod dlt836;
pub mod error;
mod from_network;
pub mod indices;
pub mod med;
pub mod record;
pub mod stats;
mod table;

pub use dlt836::{DltIndices, DltOptions, dlt836_indices};
pub use error::{Problem, ProblemKind, Problems, ReliabilityError};
pub use from_network::{NetworkFeeders, OutageEvent};
pub use indices::{
    CountIndex, CountRule, CustomerIndices, DurationIndex, DurationRule, GroupIndices, Grouping,
    IndexOptions, Indices, Period, indices, system_indices,
};
pub use med::{
    DailySaidi, MedAnalysis, MedOptions, MedThreshold, StdDev, daily_saidi, major_event_days,
};
pub use record::{CHINA_STANDARD_TIME, CustomersInterrupted, OutageRecord};
pub use stats::{
    FreqDur, LostSales, StageSpan, StageStats, StatKey, WorstBy, frequency_duration, lost_sales,
    percentile_sorted, stage_durations, worst,
};
pub use table::{FeederService, OutageColumns, OutageTable, ServiceBase, StageTime};
