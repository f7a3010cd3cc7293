//! # gridserve
//!
//! The engine of a power-supply company's customer-service platform: it models the distribution
//! network as points and lines and finds, in microseconds, who loses power and why.
//!
//! This facade re-exports the domain crate [`gridserve_core`]; later modules (tariffs,
//! workflows, reliability) appear here as they land.
//!
//! - [`network`]: the point-line model and outage scope.
//! - [`scoring`]: energy-use indicators, G1 / entropy / combined weights and TOPSIS, with a
//!   batch path for millions of rows.
//!
//! ## Outage scope in five lines
//!
//! ```
//! use std::sync::Arc;
//! use gridserve::network::{synth, Network, Topology};
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
//! ## Errors
//!
//! Every fallible call returns a module error (such as [`network::NetworkError`]) that names the
//! record, field and value concerned; [`Error`] gathers them for callers that use several
//! modules.

pub use gridserve_core::network;
pub use gridserve_core::scoring;
pub use gridserve_core::{Error, Result};
