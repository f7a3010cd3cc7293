//! The domain core of gridserve: pure Rust, no I/O beyond reading and writing the files a
//! caller names. The `gridserve` crate re-exports it; see there for the overview.

pub mod network;
pub mod tariff;

/// Any gridserve error: one variant per module family.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An error of the network model, its state, queries, import or export.
    #[error(transparent)]
    Network(#[from] network::NetworkError),
    /// An error of the tariff engine: schedules, price tables, usage, bills, interval data.
    #[error(transparent)]
    Tariff(#[from] tariff::TariffError),
}

/// A result with [`Error`] as its default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
