//! The domain core of gridserve: pure Rust, no I/O beyond reading and writing the files a
//! caller names. The `gridserve` crate re-exports it; see there for the overview.

pub mod access;
pub mod advice;
pub mod cim;
pub mod integrate;
pub mod markup;
pub mod network;
pub mod notify;
pub mod outbox;
pub mod persist;
pub mod ports;
pub mod progress;
pub mod reliability;
pub mod rng;
pub mod scoring;
pub mod table;
pub mod tariff;
pub mod workflow;

/// Any gridserve error: one variant per module family.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the network model, its state, queries, import or export.
    #[error(transparent)]
    Network(#[from] network::NetworkError),
    /// An error of the reliability statistics: invalid outage records, options or periods.
    #[error(transparent)]
    Reliability(#[from] reliability::ReliabilityError),
    /// An error of the report's rule sets or their data.
    #[error(transparent)]
    Advice(#[from] advice::AdviceError),
    /// A workflow command refused or failed (role, state, version, unknown customer, notice).
    #[error(transparent)]
    Workflow(#[from] workflow::WorkflowError),
    /// A notice could not be rendered or addressed.
    #[error(transparent)]
    Notify(#[from] notify::NotifyError),
    /// An error of the outbox dispatcher: its policy or its store.
    #[error(transparent)]
    Outbox(#[from] outbox::OutboxError),
    /// An error of indicators, weights or TOPSIS scoring.
    #[error(transparent)]
    Scoring(#[from] scoring::ScoringError),
    /// An error of the tariff engine: schedules, price tables, usage, bills, interval data.
    #[error(transparent)]
    Tariff(#[from] tariff::TariffError),
    /// A table (Arrow, Parquet) that cannot be read or written.
    #[error(transparent)]
    Table(#[from] table::TableError),
    /// Bytes that are not a valid encoding of the object asked for (see [`persist`]).
    #[error(transparent)]
    Persist(#[from] persist::PersistError),
    /// A CIM RDF/XML file that cannot be read or does not make a network (see [`cim`]).
    #[error(transparent)]
    Cim(#[from] cim::CimError),
    /// An error of data integration: a source table, a mapping, an option, fatal findings.
    #[error(transparent)]
    Integrate(#[from] integrate::IntegrateError),
}

/// A result with [`Error`] as its default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub mod error_info;
pub use error_info::{ErrorInfo, FieldsOf, excerpt};

crate::impl_error_info! {
    Error {}
    delegate { Network, Reliability, Advice, Workflow, Notify, Outbox, Scoring, Tariff, Table, Persist, Cim, Integrate }
}
