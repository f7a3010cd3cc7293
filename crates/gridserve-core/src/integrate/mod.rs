//! Data integration: the five source systems (PMS, GIS, SG186, AMI, DA) read, fused by the
//! normalised asset number into one network, reconciled, and kept live.
//!
//! - [`records`]: a typed record per source table (the layouts of `docs/formats/sources.md`),
//!   and [`Sources`], what fusion takes. Any reader fills it: the CSV and Parquet readers here,
//!   a CIM GIS reader, a host's adapter over its own databases.
//! - [`read_sources`], [`read_csv_table`] (and `read_arrow_table` with the `arrow` feature):
//!   one row reader for CSV and Arrow, with a [`ColumnMapping`] from a utility's own export
//!   names and the key and vocabulary normalisation of the [`Conventions`].
//! - [`integrate()`]: one [`NetworkData`](crate::network::records::NetworkData) plus customers,
//!   contacts and meters, with field-level [`Precedence`] and [`Provenance`]; every
//!   disagreement of the sources as a typed [`Finding`]; DA events applied to a [`LiveState`]
//!   and AMI events turned into evidence for outage inference.
//! - [`DataSource`]: the port a host implements to pull each table from its own systems (a
//!   full snapshot, or the changes since a [`Watermark`]); [`FileSource`] is the shipped one
//!   over a folder of CSV or Parquet extracts; [`integrate_source`] pulls and fuses,
//!   [`refresh`] applies the changes since the last pull.
//! - [`Snapshot`] and [`diff`]: a fused snapshot (stored in the binary form of
//!   [`crate::persist`]) and the records added, removed and changed between two, by field.
//! - [`render_html`]: the reconciliation as one self-contained page, personal data masked by the
//!   reader's role.
//!
//! ```
//! use gridserve_core::integrate::{self, FindingKind, IntegrateOptions, ReadOptions, Sources};
//!
//! let pms = "asset,type,rated_kva\nS1,source,8000\nB1,breaker,\nT1,transformer,400\n";
//! let gis = "asset,type,node_a,node_b,normal_open\nS1,source,N1,,\nB1,breaker,N1,N2,false\nT1,transformer,N2,N3,\n";
//! let customers = "customer,supply_asset,contracted_kva\nC1,ｔ1,315\n";
//! let mut sources = Sources::default();
//! let options = ReadOptions::default();
//! let mut found = integrate::read_csv_table(&mut sources, "pms_equipment", pms.as_bytes(), "pms.csv", &options)?;
//! found.extend(integrate::read_csv_table(&mut sources, "gis_connectivity", gis.as_bytes(), "gis.csv", &options)?);
//! found.extend(integrate::read_csv_table(&mut sources, "sg186_customers", customers.as_bytes(), "c.csv", &options)?);
//! let fused = integrate::integrate(&sources, found, &IntegrateOptions::default())?;
//! assert_eq!(fused.network.customers[0].point, "N3"); // the transformer's LV node
//! let counts = fused.counts();
//! assert_eq!(counts[&FindingKind::NormalisedKey], 1); // `ｔ1` matched `T1` after NFKC
//! assert_eq!(counts[&FindingKind::CustomerWithoutMeter], 1);
//! # Ok::<(), gridserve_core::integrate::IntegrateError>(())
//! ```

use serde::Serialize;

mod cim;
mod finding;
mod fuse;
mod fuse_sg186;
mod fused;
mod html;
mod live;
mod port;
mod read;
pub mod records;
mod snapshot;
mod write;

#[cfg(test)]
mod port_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod tests;

pub use cim::gis_from_cim;
pub use finding::{Finding, FindingKind, Severity, counts};
pub use fuse::{integrate, mobile_number};
pub use fused::{IntegrateOptions, Integrated, Origin, Precedence, Provenance};
pub use html::render_html;
pub use live::{DaOutcome, DaRefusal, LiveState};
pub use port::{
    DataSource, FileSource, Keyed, Pulled, SourceTable, TableChanges, TablePull, TableRefresh,
    TableRows, Watermark, change_key, integrate_source, pull, refresh,
};
#[cfg(feature = "arrow")]
pub use read::read_arrow_table;
pub use read::{
    ColumnMapping, Conventions, ReadOptions, SOURCE_TABLES, SourcePaths, normalise_key,
    normalise_vocabulary, read_csv_table, read_sources, read_table_file,
};
pub use records::*;
pub use snapshot::{
    ChangeKind, DiffRow, FieldChange, KindCounts, RecordChange, RecordKind, Snapshot, SnapshotDiff,
    diff,
};
#[cfg(feature = "arrow")]
pub use write::write_arrow_table;
#[cfg(feature = "parquet")]
pub use write::write_parquet_dir;
pub use write::{file_name, write_csv_dir, write_csv_table};

use crate::error_info::excerpt;
use crate::table::TableError;

/// An error of data integration: a table that cannot be read, a bad mapping or option, or
/// findings of a kind the caller made fatal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IntegrateError {
    /// A source table that cannot be read (file, line, column and value excerpt).
    #[error(transparent)]
    Table(#[from] TableError),
    /// A column mapping naming a table that is not a source table, or mapping a column to a
    /// name its table does not have.
    #[error("column mapping of {table}{}: {message}", column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    Mapping {
        /// The table named by the mapping.
        table: String,
        /// The export's column, if the problem is about one.
        column: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An invalid option.
    #[error("option {key}: {message}")]
    Options {
        /// The option.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A source system could not give a table (a host's [`DataSource`] failed, or a file
    /// source found two files for one table).
    #[error("source table {table}: {message}")]
    Source {
        /// The table asked for.
        table: String,
        /// What the source said.
        message: String,
    },
    /// Findings of kinds the caller made fatal.
    #[error("{count} finding(s) of fatal kinds {}; the first: {first}", kinds.join(", "))]
    Fatal {
        /// The fatal kinds found.
        kinds: Vec<String>,
        /// How many findings of those kinds.
        count: usize,
        /// The table and record of the first.
        first: String,
    },
}

crate::impl_error_info! {
    IntegrateError {
        Mapping => ("mapping", "InvalidOptionError"),
        Options => ("options", "InvalidOptionError"),
        Source => ("source", "GridserveIOError"),
        Fatal => ("fatal", "ReconciliationError"),
    }
    delegate { Table }
}

impl IntegrateError {
    /// A source's failure to give `table` (what a host's [`DataSource`] returns); `message`
    /// is cut to an excerpt.
    #[must_use]
    pub fn source(table: SourceTable, message: &str) -> Self {
        Self::Source {
            table: table.name().to_owned(),
            message: excerpt(message),
        }
    }

    /// One error of every kind, for tests of the bindings' conversion.
    #[doc(hidden)]
    #[must_use]
    pub fn examples() -> Vec<Self> {
        vec![
            Self::Mapping {
                table: "sg186_customers".into(),
                column: Some("CONS_NO".into()),
                message: "maps to `custmer`, which is not a column of the sg186_customers table"
                    .into(),
            },
            Self::Options {
                key: "load_factor".into(),
                message: "must be finite and ≥ 0".into(),
            },
            Self::Source {
                table: "sg186_contacts".into(),
                message: "the marketing system did not answer within 30 s".into(),
            },
            Self::Fatal {
                kinds: vec!["type_mismatch".into()],
                count: 2,
                first: "gis_connectivity B1".into(),
            },
        ]
    }
}
