//! The network tables as Arrow record batches, in and out: the same readers as the CSV layout
//! (the same columns, cell rules and errors), and writers giving one batch per table.
//!
//! Errors name the table by the label the caller gives (the table's name by default) and the
//! record by its "line": the row's 0-based index plus 2, as if the table were a CSV file with a
//! header on line 1, so a row's error reads the same as the CSV file's.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, UInt8Builder, UInt16Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::network::error::NetworkError;
use crate::network::records::NetworkData;
use crate::network::{Network, ValidationOptions};
use crate::table::arrow::{ArrowRow, ArrowTable, CellError};
use crate::table::{HeaderProblem, TableSpec};

use super::cells::{
    Cells, FromCell, Input, read_contacts, read_customers, read_points, read_segments,
    read_sources, read_switches, read_transformers,
};

/// One table of the layout as Arrow: its schema and batches.
#[derive(Debug, Clone)]
pub struct ArrowBatches {
    /// The schema of the batches (its column names are checked, even with no batch).
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl ArrowBatches {
    /// One batch.
    #[must_use]
    pub fn one(batch: RecordBatch) -> Self {
        Self {
            schema: batch.schema(),
            batches: vec![batch],
        }
    }
}

/// The seven tables of the layout as Arrow; `None` means absent (an error for `points`, no
/// records of the type otherwise).
#[derive(Debug, Clone, Default)]
pub struct ArrowTables {
    /// `points` (required).
    pub points: Option<ArrowBatches>,
    /// `segments`.
    pub segments: Option<ArrowBatches>,
    /// `switches`.
    pub switches: Option<ArrowBatches>,
    /// `transformers`.
    pub transformers: Option<ArrowBatches>,
    /// `sources`.
    pub sources: Option<ArrowBatches>,
    /// `customers`.
    pub customers: Option<ArrowBatches>,
    /// `contacts`.
    pub contacts: Option<ArrowBatches>,
}

impl ArrowTables {
    /// The same tables with each `Utf8` column cast to `to` (`LargeUtf8`, `Utf8View`, a
    /// dictionary of texts) and the rows split into batches of at most `rows` rows: the
    /// layouts in which DataFrame libraries hand over text, for tests that every reader path
    /// takes them alike.
    ///
    /// # Errors
    /// Arrow's error when a column cannot be cast to `to`.
    #[doc(hidden)]
    pub fn recast_text(
        &self,
        to: &DataType,
        rows: usize,
    ) -> Result<ArrowTables, arrow_schema::ArrowError> {
        let rows = rows.max(1);
        let one =
            |t: &Option<ArrowBatches>| -> Result<Option<ArrowBatches>, arrow_schema::ArrowError> {
                let Some(t) = t else { return Ok(None) };
                let fields: Vec<Field> = t
                    .schema
                    .fields()
                    .iter()
                    .map(|f| match f.data_type() {
                        DataType::Utf8 => Field::new(f.name(), to.clone(), true),
                        _ => f.as_ref().clone(),
                    })
                    .collect();
                let schema = Arc::new(Schema::new(fields));
                let mut batches = Vec::new();
                for batch in &t.batches {
                    let columns = batch
                        .columns()
                        .iter()
                        .zip(schema.fields())
                        .map(|(c, f)| arrow_cast::cast(c, f.data_type()))
                        .collect::<Result<Vec<_>, _>>()?;
                    let batch = RecordBatch::try_new(schema.clone(), columns)?;
                    let mut start = 0;
                    while start < batch.num_rows() {
                        let n = rows.min(batch.num_rows() - start);
                        batches.push(batch.slice(start, n));
                        start += n;
                    }
                }
                Ok(Some(ArrowBatches { schema, batches }))
            };
        Ok(ArrowTables {
            points: one(&self.points)?,
            segments: one(&self.segments)?,
            switches: one(&self.switches)?,
            transformers: one(&self.transformers)?,
            sources: one(&self.sources)?,
            customers: one(&self.customers)?,
            contacts: one(&self.contacts)?,
        })
    }
}

/// Reads a network's records from Arrow tables. `label` names a table in errors from its
/// name (`points` → `points`, or `points.parquet` for files).
///
/// # Errors
/// [`NetworkError::Io`] if `points` is absent, [`NetworkError::Parse`] naming the table, the
/// line (row + 2) and the column for an unknown, duplicate or missing column, or a cell that
/// is not of its column's type.
pub fn read_arrow(
    tables: ArrowTables,
    label: impl Fn(&str) -> String,
) -> Result<NetworkData, NetworkError> {
    let points = tables.points.ok_or_else(|| NetworkError::Io {
        path: label("points"),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the table is missing; the points table is required",
        ),
    })?;
    let input = |name: &str, batches: ArrowBatches| ArrowInput {
        file: label(name),
        schema: batches.schema,
        batches: batches.batches,
    };
    let optional = |name: &str, batches: Option<ArrowBatches>| batches.map(|b| input(name, b));
    let mut data = NetworkData {
        points: read_points(input("points", points))?,
        segments: read_or_empty(optional("segments", tables.segments), read_segments)?,
        switches: read_or_empty(optional("switches", tables.switches), read_switches)?,
        transformers: read_or_empty(
            optional("transformers", tables.transformers),
            read_transformers,
        )?,
        sources: read_or_empty(optional("sources", tables.sources), read_sources)?,
        customers: read_or_empty(optional("customers", tables.customers), read_customers)?,
    };
    if let Some(contacts) = optional("contacts", tables.contacts) {
        read_contacts(contacts, &mut data.customers)?;
    }
    Ok(data)
}

/// Builds a network from Arrow tables, reading the columns in place: texts are borrowed from
/// the Arrow buffers and no plain record is made. The network and the errors are those of
/// [`read_arrow`] followed by [`Network::from_data_with`]: a table with a cell the column
/// reader does not take as it is (a column of another type, integer ids, a missing or
/// unknown value, …) is read by [`read_arrow`], so the error names the same table, line
/// (row + 2), column and value.
///
/// # Errors
/// As [`read_arrow`], then as [`Network::from_data_with`].
pub fn build_arrow(
    tables: ArrowTables,
    label: impl Fn(&str) -> String,
    options: ValidationOptions,
) -> Result<Network, NetworkError> {
    if let Some(built) = super::columns::build(&tables, options) {
        return built;
    }
    let data = read_arrow(tables, label)?;
    Network::from_data_with(&data, options)
}

fn read_or_empty<T>(
    input: Option<ArrowInput>,
    read: fn(ArrowInput) -> Result<Vec<T>, NetworkError>,
) -> Result<Vec<T>, NetworkError> {
    input.map_or_else(|| Ok(Vec::new()), read)
}

/// A table being read from Arrow. The column check is made by [`Input::check`], so the table
/// is kept unchecked until then.
struct ArrowInput {
    file: String,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowInput {
    fn header_error(&self, problem: &HeaderProblem, spec: &TableSpec) -> NetworkError {
        NetworkError::Parse {
            file: self.file.clone(),
            line: 1,
            field: Some(problem.column()),
            message: problem.message(spec),
        }
    }

    fn cell_error(&self, err: CellError) -> NetworkError {
        NetworkError::Parse {
            file: self.file.clone(),
            line: err.row.map_or(1, |r| r + 2),
            field: Some(err.column),
            message: err.message,
        }
    }
}

/// A row of an [`ArrowInput`].
pub(super) struct Row<'a> {
    file: &'a str,
    row: &'a ArrowRow<'a>,
}

impl Cells for Row<'_> {
    fn raw(&self, column: usize) -> Result<Option<Cow<'_, str>>, NetworkError> {
        self.row
            .text(column)
            .map_err(|message| self.error(column, message))
    }

    fn typed<T: FromCell>(&self, column: usize) -> Result<Option<T>, NetworkError> {
        T::from_arrow(self.row, column).map_err(|message| self.error(column, message))
    }

    fn error(&self, column: usize, message: String) -> NetworkError {
        let err = self.row.error(column, message);
        NetworkError::Parse {
            file: self.file.to_owned(),
            line: err.row.map_or(1, |r| r + 2),
            field: Some(err.column),
            message: err.message,
        }
    }
}

/// The error type of a walk over rows: a cell error of the walk itself, or the parser's.
enum Walk {
    Cell(CellError),
    Network(NetworkError),
}

impl From<CellError> for Walk {
    fn from(err: CellError) -> Self {
        Self::Cell(err)
    }
}

impl Input for ArrowInput {
    type Row<'r>
        = Row<'r>
    where
        Self: 'r;

    fn check(&self, spec: &'static TableSpec) -> Result<(), NetworkError> {
        spec.check_columns(self.schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|problem| self.header_error(&problem, spec))
    }

    fn column_opt(&self, name: &str) -> Result<Option<usize>, NetworkError> {
        Ok(self.schema.index_of(name).ok())
    }

    fn required(&self, name: &str) -> Result<usize, NetworkError> {
        self.schema.index_of(name).map_err(|_| NetworkError::Parse {
            file: self.file.clone(),
            line: 1,
            field: Some(name.to_owned()),
            message: format!("the header lacks the required column `{name}`"),
        })
    }

    fn rows<T>(
        mut self,
        mut parse: impl FnMut(&Self::Row<'_>) -> Result<T, NetworkError>,
    ) -> Result<Vec<T>, NetworkError> {
        // The columns were checked by `check`.
        let table = ArrowTable::unchecked(self.schema.clone(), std::mem::take(&mut self.batches));
        let mut out = Vec::with_capacity(table.num_rows());
        let file = self.file.as_str();
        table
            .for_each_row(|row| {
                let value = parse(&Row { file, row }).map_err(Walk::Network)?;
                out.push(value);
                Ok::<(), Walk>(())
            })
            .map_err(|err| match err {
                Walk::Cell(err) => self.cell_error(err),
                Walk::Network(err) => err,
            })?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

fn text_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn schema(fields: Vec<Field>) -> SchemaRef {
    Arc::new(Schema::new(fields))
}

fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> ArrowBatches {
    let schema = schema(fields);
    let batch = RecordBatch::try_new(schema.clone(), columns)
        .expect("the writers build columns of the schema's types and one length");
    ArrowBatches {
        schema,
        batches: vec![batch],
    }
}

/// A text column from an iterator of optional texts.
fn texts<'a>(values: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

fn floats(values: impl Iterator<Item = Option<f64>>) -> ArrayRef {
    let mut b = Float64Builder::new();
    for v in values {
        b.append_option(v);
    }
    Arc::new(b.finish())
}

fn bools(values: impl Iterator<Item = bool>) -> ArrayRef {
    let mut b = BooleanBuilder::new();
    for v in values {
        b.append_value(v);
    }
    Arc::new(b.finish())
}

/// The serde name of an enumeration value.
fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn names<T: serde::Serialize>(values: impl Iterator<Item = T>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for v in values {
        b.append_value(name_of(&v));
    }
    Arc::new(b.finish())
}

/// A network's records as one Arrow batch per table, with the columns of the layout in order
/// (text, `Float64`, `Boolean`, `UInt16` years and `UInt8` levels). Reading them back with
/// [`read_arrow`] gives the same records.
#[must_use]
pub fn write_arrow(data: &NetworkData) -> ArrowTables {
    let p = &data.points;
    let points = batch(
        vec![
            text_field("asset", false),
            text_field("kind", false),
            text_field("name", true),
            Field::new("in_service", DataType::Boolean, false),
        ],
        vec![
            texts(p.iter().map(|r| Some(r.asset.as_str()))),
            names(p.iter().map(|r| r.kind)),
            texts(p.iter().map(|r| r.name.as_deref())),
            bools(p.iter().map(|r| r.in_service)),
        ],
    );
    let s = &data.segments;
    let segments = batch(
        vec![
            text_field("asset", false),
            text_field("from", false),
            text_field("to", false),
            text_field("kind", false),
            Field::new("length_m", DataType::Float64, false),
            Field::new("rated_current_a", DataType::Float64, true),
            Field::new("in_service", DataType::Boolean, false),
        ],
        vec![
            texts(s.iter().map(|r| Some(r.asset.as_str()))),
            texts(s.iter().map(|r| Some(r.from.as_str()))),
            texts(s.iter().map(|r| Some(r.to.as_str()))),
            names(s.iter().map(|r| r.kind)),
            floats(s.iter().map(|r| Some(r.length_m))),
            floats(s.iter().map(|r| r.rated_current_a)),
            bools(s.iter().map(|r| r.in_service)),
        ],
    );
    let w = &data.switches;
    let switches = batch(
        vec![
            text_field("asset", false),
            text_field("from", false),
            text_field("to", false),
            text_field("kind", false),
            Field::new("normally_open", DataType::Boolean, false),
            Field::new("protective", DataType::Boolean, false),
            Field::new("remote", DataType::Boolean, false),
            Field::new("in_service", DataType::Boolean, false),
        ],
        vec![
            texts(w.iter().map(|r| Some(r.asset.as_str()))),
            texts(w.iter().map(|r| Some(r.from.as_str()))),
            texts(w.iter().map(|r| Some(r.to.as_str()))),
            names(w.iter().map(|r| r.kind)),
            bools(w.iter().map(|r| r.normally_open)),
            bools(w.iter().map(|r| r.protective)),
            bools(w.iter().map(|r| r.remote)),
            bools(w.iter().map(|r| r.in_service)),
        ],
    );
    let t = &data.transformers;
    let mut years = UInt16Builder::new();
    for r in t {
        years.append_option(r.year_in_service);
    }
    let transformers = batch(
        vec![
            text_field("asset", false),
            text_field("from", false),
            text_field("to", false),
            Field::new("rated_kva", DataType::Float64, false),
            text_field("model", false),
            Field::new("year_in_service", DataType::UInt16, true),
            text_field("usage", false),
            Field::new("in_service", DataType::Boolean, false),
        ],
        vec![
            texts(t.iter().map(|r| Some(r.asset.as_str()))),
            texts(t.iter().map(|r| Some(r.from.as_str()))),
            texts(t.iter().map(|r| Some(r.to.as_str()))),
            floats(t.iter().map(|r| Some(r.rated_kva))),
            texts(t.iter().map(|r| Some(r.model.as_str()))),
            Arc::new(years.finish()),
            names(t.iter().map(|r| r.usage)),
            bools(t.iter().map(|r| r.in_service)),
        ],
    );
    let o = &data.sources;
    let sources = batch(
        vec![
            text_field("asset", false),
            text_field("point", false),
            text_field("name", true),
            Field::new("capacity_kva", DataType::Float64, false),
            Field::new("in_service", DataType::Boolean, false),
        ],
        vec![
            texts(o.iter().map(|r| Some(r.asset.as_str()))),
            texts(o.iter().map(|r| Some(r.point.as_str()))),
            texts(o.iter().map(|r| r.name.as_deref())),
            floats(o.iter().map(|r| Some(r.capacity_kva))),
            bools(o.iter().map(|r| r.in_service)),
        ],
    );
    let c = &data.customers;
    let customers = batch(
        vec![
            text_field("number", false),
            text_field("name", true),
            text_field("point", false),
            Field::new("contracted_kva", DataType::Float64, false),
            Field::new("load_kw", DataType::Float64, false),
            text_field("importance", false),
        ],
        vec![
            texts(c.iter().map(|r| Some(r.number.as_str()))),
            texts(c.iter().map(|r| r.name.as_deref())),
            texts(c.iter().map(|r| Some(r.point.as_str()))),
            floats(c.iter().map(|r| Some(r.contracted_kva))),
            floats(c.iter().map(|r| Some(r.load_kw))),
            names(c.iter().map(|r| r.importance)),
        ],
    );
    let pairs = || {
        c.iter()
            .flat_map(|r| r.contacts.iter().map(move |k| (r, k)))
    };
    let mut levels = UInt8Builder::new();
    for (_, k) in pairs() {
        levels.append_value(k.level);
    }
    let contacts = batch(
        vec![
            text_field("customer", false),
            text_field("name", false),
            text_field("phone", false),
            text_field("role", false),
            Field::new("level", DataType::UInt8, false),
        ],
        vec![
            texts(pairs().map(|(r, _)| Some(r.number.as_str()))),
            texts(pairs().map(|(_, k)| Some(k.name.as_str()))),
            texts(pairs().map(|(_, k)| Some(k.phone.as_str()))),
            names(pairs().map(|(_, k)| k.role)),
            Arc::new(levels.finish()),
        ],
    );
    ArrowTables {
        points: Some(points),
        segments: Some(segments),
        switches: Some(switches),
        transformers: Some(transformers),
        sources: Some(sources),
        customers: Some(customers),
        contacts: Some(contacts),
    }
}

// ---------------------------------------------------------------------------------------------
// Parquet

/// The file of each table in a Parquet folder: `<table>.parquet`.
#[cfg(feature = "parquet")]
const PARQUET_TABLES: [&str; 7] = [
    "points",
    "segments",
    "switches",
    "transformers",
    "sources",
    "customers",
    "contacts",
];

#[cfg(feature = "parquet")]
fn table_error(err: crate::table::TableError) -> NetworkError {
    use crate::table::TableError;
    match err {
        TableError::Io { path, message } => NetworkError::Io {
            path,
            source: std::io::Error::other(message),
        },
        TableError::Format { file, message } => NetworkError::Parse {
            file,
            line: 0,
            field: None,
            message,
        },
        TableError::Parse {
            file,
            line,
            field,
            message,
        } => NetworkError::Parse {
            file,
            line,
            field,
            message,
        },
    }
}

/// Reads a network from a folder of Parquet files, one per table (`points.parquet`, …,
/// `contacts.parquet`; all but `points` optional), with the columns of the CSV layout.
///
/// # Errors
/// As [`read_arrow`], naming the file; [`NetworkError::Io`] if a file cannot be read.
#[cfg(feature = "parquet")]
pub fn read_parquet_dir(dir: impl AsRef<std::path::Path>) -> Result<NetworkData, NetworkError> {
    let dir = dir.as_ref();
    read_arrow(parquet_tables(dir)?, parquet_label(dir))
}

/// Builds a network from a folder of Parquet files (the tables of [`read_parquet_dir`]),
/// reading their columns in place as [`build_arrow`] does: the network and the errors are
/// those of [`read_parquet_dir`] followed by [`Network::from_data_with`].
///
/// # Errors
/// As [`read_parquet_dir`], then as [`Network::from_data_with`].
#[cfg(feature = "parquet")]
pub fn build_parquet_dir(
    dir: impl AsRef<std::path::Path>,
    options: ValidationOptions,
) -> Result<Network, NetworkError> {
    let dir = dir.as_ref();
    build_arrow(parquet_tables(dir)?, parquet_label(dir), options)
}

/// A table's name in errors of a Parquet folder: the file's path.
#[cfg(feature = "parquet")]
fn parquet_label(dir: &std::path::Path) -> impl Fn(&str) -> String + '_ {
    move |name| dir.join(format!("{name}.parquet")).display().to_string()
}

/// The tables of a Parquet folder, each file read whole (the column check is made by the
/// reader of the tables, with the network's own messages); an absent file is an absent table.
#[cfg(feature = "parquet")]
fn parquet_tables(dir: &std::path::Path) -> Result<ArrowTables, NetworkError> {
    use crate::table::parquet::{ParquetRead, read_parquet};
    let mut found: [Option<ArrowBatches>; 7] = Default::default();
    for (slot, name) in found.iter_mut().zip(PARQUET_TABLES) {
        let path = dir.join(format!("{name}.parquet"));
        if !path.exists() {
            continue;
        }
        let (schema, batches) = read_parquet(&path, &crate::table::ANY, &ParquetRead::default())
            .map_err(table_error)?;
        *slot = Some(ArrowBatches { schema, batches });
    }
    let [
        points,
        segments,
        switches,
        transformers,
        sources,
        customers,
        contacts,
    ] = found;
    Ok(ArrowTables {
        points,
        segments,
        switches,
        transformers,
        sources,
        customers,
        contacts,
    })
}

/// Writes a network to a folder of Parquet files, one per table, creating the folder.
///
/// # Errors
/// [`NetworkError::Io`] if the folder or a file cannot be written.
#[cfg(feature = "parquet")]
pub fn write_parquet_dir(
    data: &NetworkData,
    dir: impl AsRef<std::path::Path>,
) -> Result<(), NetworkError> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|source| NetworkError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let tables = write_arrow(data);
    let all = [
        tables.points,
        tables.segments,
        tables.switches,
        tables.transformers,
        tables.sources,
        tables.customers,
        tables.contacts,
    ];
    for (name, table) in PARQUET_TABLES.iter().zip(all) {
        let table = table.expect("the writer gives every table");
        crate::table::parquet::write_parquet(
            dir.join(format!("{name}.parquet")),
            &table.schema,
            &table.batches,
        )
        .map_err(table_error)?;
    }
    Ok(())
}
