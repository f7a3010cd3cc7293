//! Import and export of a network's plain records ([`NetworkData`]): a folder of CSV files, one
//! per record type, and a JSON document.
//!
//! Both forms are lossless: records written and read back are the records written, with the few
//! exceptions listed under "Round trips" in the format document. Reading checks only the form of the
//! input (every cell parses to its field's type); whether the records make a valid network is
//! checked by the network builder, [`crate::network::Network::from_data`], which reports every
//! problem at once. Both forms are read and written as streams, one row or element at a time.
//!
//! The layouts, cell types, round-trip guarantees and errors are specified in their own
//! document, `docs/formats/network.md` in the repository
//! (<https://github.com/gridserve/gridserve/blob/main/docs/formats/network.md>). The CSV reader
//! and writers are in `csv`, the JSON ones in `json`.

#[cfg(feature = "arrow")]
mod arrow;
mod cells;
#[cfg(feature = "arrow")]
mod columns;
mod csv;
mod json;
#[cfg(test)]
mod tests;

#[cfg(feature = "arrow")]
pub use self::arrow::{ArrowBatches, ArrowTables, build_arrow, read_arrow, write_arrow};
#[cfg(feature = "parquet")]
pub use self::arrow::{build_parquet_dir, read_parquet_dir, write_parquet_dir};
#[cfg(feature = "arrow")]
pub use self::columns::{TextColumns, build_arrow_texts};
pub use self::csv::{
    CONTACT_COLUMNS, CUSTOMER_COLUMNS, CsvReaders, CsvTables, POINT_COLUMNS, SEGMENT_COLUMNS,
    SOURCE_COLUMNS, SWITCH_COLUMNS, TRANSFORMER_COLUMNS, read_csv, read_csv_dir, write_csv_dir,
    write_csv_tables,
};
pub use self::json::{read_json, read_json_file, write_json, write_json_file};

/// File name of the points table (required).
pub const POINTS_CSV: &str = "points.csv";
/// File name of the segments table.
pub const SEGMENTS_CSV: &str = "segments.csv";
/// File name of the switches table.
pub const SWITCHES_CSV: &str = "switches.csv";
/// File name of the transformers table.
pub const TRANSFORMERS_CSV: &str = "transformers.csv";
/// File name of the sources table.
pub const SOURCES_CSV: &str = "sources.csv";
/// File name of the customers table.
pub const CUSTOMERS_CSV: &str = "customers.csv";
/// File name of the contacts table.
pub const CONTACTS_CSV: &str = "contacts.csv";
