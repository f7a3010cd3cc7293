//! # gridserve
//!
//! The engine of a power-supply company's customer-service platform: it models the distribution
//! network as points and lines and finds, in microseconds, who loses power and why.
//!
//! This facade re-exports the domain crate [`gridserve_core`] and, behind default features,
//! the SQLite store and the messengers.
//!
//! - [`network`]: the point-line model and outage scope.
//! - [`tariff`]: two-part tariff bills, power-factor adjustment, time of use, 15-minute data.
//! - [`scoring`]: energy-use indicators, G1 / entropy / combined weights and TOPSIS, with a
//!   batch path for millions of rows.
//! - [`advice`]: the energy report — the four rule sets, score and rank among peers, HTML and
//!   WeChat renderings.
//! - [`workflow`], [`notify`], [`ports`], [`outbox`]: the closed-loop workflows, their
//!   notices, the store and messenger traits, and the dispatcher; [`sqlite`] and
//!   [`messengers`] implement them.
//! - [`synth`]: seeded synthetic networks (the demo county and larger), the one seeded random
//!   generator, and an independent reference for property tests.
//! - [`reliability`]: outage records, IEEE 1366 and DL/T 836 indices, major event days and the
//!   back office's outage statistics.
//!
//! ## Outage scope in five lines
//!
//! ```
//! use std::sync::Arc;
//! use gridserve::network::{Network, Topology};
//! use gridserve::synth;
//!
//! // The demo county of the seed paper: about 2,200 dedicated-transformer customers.
//! let data = synth::generate(&synth::SynthConfig::county(2024));
//! let net = Arc::new(Network::from_data(&data)?);
//! let topo = Topology::normal(net.clone());
//!
//! // A fault on some segment: the nearest protective device upstream trips.
//! let segment = net.line_id(&data.segments[100].asset)?;
//! let outcome = topo.fault(gridserve::network::ElementId::Line(segment))?;
//! let report = outcome.scope.report(&topo)?;
//! println!(
//!     "{} customers out ({} critical), {:.0} kW lost",
//!     report.summary.customers, report.summary.critical_customers, report.summary.load_kw
//! );
//! # Ok::<(), gridserve::Error>(())
//! ```
//!
//! ## Workflows and notices
//!
//! [`workflow`] runs the closed loops of the service platform — safety-inspection defects,
//! bill collection, paper-invoice pickup, outage notices with repair progress — as deciders
//! over an event store ([`ports::EventStore`]; [`ports::memory::MemoryStore`] in memory).
//! Each accepted command appends its events and the notices they cause in one step; [`notify`]
//! renders those notices within each channel's limits (WeChat typed keywords, SMS segments)
//! for the contacts a notice may reach, honouring opt-outs and quiet hours.
//!
//! ## Workflows' notices: the durable outbox
//!
//! [`ports`] holds the traits a host implements or takes from gridserve; [`outbox`] is the
//! dispatcher (retries with full jitter, dead letters, opt-outs, receipts, rate limits);
//! [`sqlite`] (feature `sqlite`, default) is the embedded event store and outbox; and
//! [`messengers`] (features `messengers`/`webhook`, default) the JSON-lines, HTTP webhook,
//! WeChat official-account and SMS-gateway messengers, and the parsers of what comes back
//! (receipts, replies, unsubscribes: `messengers::inbound`).
//!
//! ## Two-part tariff bills
//!
//! [`tariff`] bills large industrial customers exactly: TOU energy charges, the basic charge by
//! capacity, contract demand or actual demand (40 % floor, 105 % band, double-price overrun),
//! the 1983 power-factor adjustment and funds, from monthly registers or 15-minute data, plus
//! the basic-charge, power-factor and TOU findings an energy report needs.
//!
//! ```
//! use gridserve::tariff::{defaults, BillingMethod, MonthlyUsage, Period};
//! use rust_decimal::Decimal;
//!
//! let book = defaults::guangdong_huizhou()?;
//! let date = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).expect("a date");
//! let tariff = book.tariff_for("large_industry", "1-10kV", date)?;
//! let mut usage = MonthlyUsage::new("C001", 2026, 2, Decimal::from(3200));
//! usage.energy_kwh.set(Period::Flat, Decimal::from(800_000));
//! usage.max_demand_kw = Some(Decimal::from(1800));
//! usage.method = BillingMethod::ActualDemand;
//! let bill = tariff.bill(&usage)?;
//! assert_eq!(bill.basic.amount_yuan, Decimal::from(64_980)); // 1800 kW × 36.1 yuan/kW·month
//! # Ok::<(), gridserve::Error>(())
//! ```
//!
//! ## Errors
//!
//! Every fallible call returns a module error (such as [`network::NetworkError`]) that names the
//! record, field and value concerned; [`Error`] gathers them for callers that use several
//! modules.

pub use gridserve_core::advice;
pub use gridserve_core::cim;
pub use gridserve_core::integrate;
pub use gridserve_core::network;
pub use gridserve_core::notify;
pub use gridserve_core::outbox;
pub use gridserve_core::persist;
pub use gridserve_core::ports;
pub use gridserve_core::reliability;
pub use gridserve_core::scoring;
pub use gridserve_core::tariff;
pub use gridserve_core::workflow;
pub use gridserve_core::{Error, Result};
#[cfg(feature = "messengers")]
pub use gridserve_messengers as messengers;
/// The event store and outbox on PostgreSQL (feature `postgres`), for several application
/// instances on one server database.
#[cfg(feature = "postgres")]
pub use gridserve_postgres as postgres;
#[cfg(feature = "sqlite")]
pub use gridserve_sqlite as sqlite;
pub use gridserve_synth as synth;
