//! Outage records: the plain, serialisable form of one interruption, and its CSV layout.
//!
//! # CSV layout
//!
//! One header row, then one row per record. Columns (any order; unknown columns are refused,
//! optional ones may be left out or empty):
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `id` | yes | the record's id (unique) |
//! | `start`, `end` | yes | when supply was lost and restored to the interrupted customers |
//! | `cause` | yes | cause text or code (e.g. `外力破坏`, `外部影响`, `planned_maintenance`) |
//! | `planned` | no (false) | `true`/`false` (also `1`/`0`, `yes`/`no`) |
//! | `device` | yes | asset number of the device that interrupted supply |
//! | `feeder` | yes | the feeder (grouping key of the [`ServiceBase`](super::ServiceBase)) |
//! | `customers_count` | one of the two | customers interrupted, as a count |
//! | `customers` | one of the two | customers interrupted, as customer numbers separated by `;` |
//! | `load_kva` | no (0) | connected kVA interrupted (Lᵢ of IEEE 1366) |
//! | `load_kw` | no (0) | load interrupted, kW (for lost energy) |
//! | `operations` | no (1) | interrupting-device operations in the event (for MAIFI) |
//! | `reported`, `dispatched`, `arrived`, `located`, `restored` | no | stage timestamps |
//!
//! Timestamps are RFC 3339 (`2024-03-01T08:00:00+08:00`) or local `YYYY-MM-DD HH:MM[:SS]`, which
//! is read in the zone given to the reader (China Standard Time, UTC+8, by default). Written
//! files use RFC 3339 with the record's own offset.

use std::io::{Read, Write};
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;

/// The customers an outage interrupted: a count, or the customer numbers (户号).
///
/// Indices that count distinct customers (CAIFI, CTAIDI, CEMIn, CEMSMIn, CELID) need the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomersInterrupted {
    /// Only how many.
    Count(u64),
    /// Which ones, by customer number; each at most once.
    List(Vec<String>),
}

impl CustomersInterrupted {
    /// How many customers were interrupted.
    #[must_use]
    pub fn count(&self) -> u64 {
        match self {
            Self::Count(n) => *n,
            Self::List(v) => v.len() as u64,
        }
    }
}

/// One outage: an interruption of supply to some customers of one feeder, from `start` to
/// `end`.
///
/// Whether it is momentary or sustained is decided when indices are computed (see
/// [`IndexOptions::momentary_max_min`](super::IndexOptions::momentary_max_min)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageRecord {
    /// The record's id, unique in a set of records.
    pub id: String,
    /// When supply was lost.
    pub start: DateTime<FixedOffset>,
    /// When supply was restored to the interrupted customers.
    pub end: DateTime<FixedOffset>,
    /// Cause (free text or a code; grouping key).
    pub cause: String,
    /// Whether the outage was planned (计划停电) rather than a fault (故障停电).
    #[serde(default)]
    pub planned: bool,
    /// Asset number of the device that interrupted supply (the tripped or opened device).
    pub device: String,
    /// The feeder whose customers were interrupted (a key of the service base).
    pub feeder: String,
    /// The customers interrupted.
    pub customers: CustomersInterrupted,
    /// Connected load interrupted, kVA (Lᵢ of IEEE 1366, for ASIFI and ASIDI).
    #[serde(default)]
    pub load_kva: f64,
    /// Load interrupted, kW (for lost energy).
    #[serde(default)]
    pub load_kw: f64,
    /// Interrupting-device operations in the event (IMᵢ of IEEE 1366, used by MAIFI for
    /// momentary events). Usually 1.
    #[serde(default = "one")]
    pub operations: u32,
    /// When the outage was reported (报修).
    #[serde(default)]
    pub reported: Option<DateTime<FixedOffset>>,
    /// When a crew was dispatched (派单).
    #[serde(default)]
    pub dispatched: Option<DateTime<FixedOffset>>,
    /// When the crew arrived (到达现场).
    #[serde(default)]
    pub arrived: Option<DateTime<FixedOffset>>,
    /// When the fault was located (故障定位).
    #[serde(default)]
    pub located: Option<DateTime<FixedOffset>>,
    /// When supply was restored, as logged by the repair workflow (复电).
    #[serde(default)]
    pub restored: Option<DateTime<FixedOffset>>,
}

fn one() -> u32 {
    1
}

impl OutageRecord {
    /// A record with the required fields; load 0, one operation, no stage timestamps.
    #[must_use]
    pub fn new(
        id: impl Into<String>,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
        feeder: impl Into<String>,
        customers: CustomersInterrupted,
    ) -> Self {
        Self {
            id: id.into(),
            start,
            end,
            cause: String::new(),
            planned: false,
            device: String::new(),
            feeder: feeder.into(),
            customers,
            load_kva: 0.0,
            load_kw: 0.0,
            operations: 1,
            reported: None,
            dispatched: None,
            arrived: None,
            located: None,
            restored: None,
        }
    }

    /// The duration in minutes (negative if the record is invalid).
    #[must_use]
    pub fn duration_min(&self) -> f64 {
        (self.end - self.start).num_milliseconds() as f64 / 60_000.0
    }
}

/// China Standard Time, UTC+8 (no daylight saving).
pub const CHINA_STANDARD_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

/// The CSV columns, in the order [`write_csv`] writes them.
pub const COLUMNS: [&str; 17] = [
    "id",
    "start",
    "end",
    "cause",
    "planned",
    "device",
    "feeder",
    "customers_count",
    "customers",
    "load_kva",
    "load_kw",
    "operations",
    "reported",
    "dispatched",
    "arrived",
    "located",
    "restored",
];

/// Parses a timestamp: RFC 3339, or local `YYYY-MM-DD HH:MM[:SS[.fff]]` (also with `T`) in
/// `zone`.
///
/// # Errors
/// A description of the accepted forms if the text matches none.
pub fn parse_timestamp(text: &str, zone: FixedOffset) -> Result<DateTime<FixedOffset>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d);
    }
    // ISO 8601 with an offset (or Z) but without seconds, or with a space for the T.
    let zoned = t
        .strip_suffix('Z')
        .map_or_else(|| t.to_owned(), |rest| format!("{rest}+00:00"));
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&zoned, fmt) {
            return Ok(d);
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            // A fixed offset maps every local time to exactly one instant.
            if let Some(d) = zone.from_local_datetime(&n).single() {
                return Ok(d);
            }
        }
    }
    Err(format!(
        "{:?} is not a timestamp (ISO 8601 with or without offset, e.g. 2024-03-01T08:00+08:00 \
         or 2024-03-01 08:00)",
        crate::excerpt(t)
    ))
}

/// Reads outage records from CSV text (see the [module documentation](self) for the layout).
/// Local timestamps are read in `zone`. Only the syntax is checked here; the rules (end after
/// start, counts within what the feeder serves, …) are checked by
/// [`OutageTable::new`](super::OutageTable::new).
///
/// # Errors
/// [`ReliabilityError::Parse`] naming the line and column.
pub fn read_csv<R: Read>(
    reader: R,
    file: &str,
    zone: FixedOffset,
) -> Result<Vec<OutageRecord>, ReliabilityError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let headers = rdr
        .headers()
        .map_err(|e| parse_error(file, 1, None, e.to_string()))?
        .clone();
    let col = columns(file, headers.iter())?;
    let mut out = Vec::new();
    let mut row = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(parse_error(file, line, None, e.to_string())),
        }
        let cells = CsvCells {
            row: &row,
            col: &col,
            zone,
        };
        out.push(read_row(&cells, file, line)?);
    }
    Ok(out)
}

fn parse_error(file: &str, line: u64, field: Option<&str>, message: String) -> ReliabilityError {
    ReliabilityError::Parse {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    }
}

/// The position of each of [`COLUMNS`] in a header (`usize::MAX` if absent), after the table
/// spec's column checks.
fn columns<'a>(
    file: &str,
    header: impl IntoIterator<Item = &'a str>,
) -> Result<[usize; COLUMNS.len()], ReliabilityError> {
    let header: Vec<&str> = header.into_iter().collect();
    let spec = &crate::table::OUTAGES;
    spec.check_columns(header.iter().copied())
        .map_err(|p| parse_error(file, 1, Some(&p.column()), p.message(spec)))?;
    let mut col = [usize::MAX; COLUMNS.len()];
    for (i, h) in header.iter().enumerate() {
        if let Some(k) = COLUMNS.iter().position(|c| c == h) {
            col[k] = i;
        }
    }
    Ok(col)
}

/// The cells of one outage row, by position in [`COLUMNS`]; each accessor returns `None` for
/// a missing cell (absent column, empty cell, null, NaN, NaT).
pub(crate) trait OutageCells {
    fn text(&self, k: usize) -> Result<Option<std::borrow::Cow<'_, str>>, String>;
    fn number(&self, k: usize) -> Result<Option<f64>, String>;
    fn integer(&self, k: usize) -> Result<Option<i64>, String>;
    fn boolean(&self, k: usize) -> Result<Option<bool>, String>;
    fn time(&self, k: usize) -> Result<Option<DateTime<FixedOffset>>, String>;
    fn list(&self, k: usize) -> Result<Option<Vec<String>>, String>;
    /// Whether the column is present.
    fn has(&self, k: usize) -> bool;
    /// Whether a row with a blank customer list and a blank count is an empty list (CSV, which
    /// writes an empty list so and cannot tell it from a missing one) rather than missing.
    fn blank_is_empty_list(&self) -> bool {
        false
    }
}

struct CsvCells<'a> {
    row: &'a csv::StringRecord,
    col: &'a [usize; COLUMNS.len()],
    zone: FixedOffset,
}

impl CsvCells<'_> {
    fn get(&self, k: usize) -> Option<&str> {
        match self.col[k] {
            usize::MAX => None,
            i => self.row.get(i).filter(|t| !t.is_empty()),
        }
    }
}

impl OutageCells for CsvCells<'_> {
    fn text(&self, k: usize) -> Result<Option<std::borrow::Cow<'_, str>>, String> {
        Ok(self.get(k).map(std::borrow::Cow::Borrowed))
    }
    fn number(&self, k: usize) -> Result<Option<f64>, String> {
        self.get(k)
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|_| format!("{t:?} is not a number"))
            })
            .transpose()
    }
    fn integer(&self, k: usize) -> Result<Option<i64>, String> {
        self.get(k)
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| format!("{t:?} is not an integer"))
            })
            .transpose()
    }
    fn boolean(&self, k: usize) -> Result<Option<bool>, String> {
        self.get(k).map(crate::table::parse_bool).transpose()
    }
    fn time(&self, k: usize) -> Result<Option<DateTime<FixedOffset>>, String> {
        self.get(k)
            .map(|t| parse_timestamp(t, self.zone))
            .transpose()
    }
    fn list(&self, k: usize) -> Result<Option<Vec<String>>, String> {
        Ok(self.get(k).map(|t| {
            t.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        }))
    }
    fn has(&self, k: usize) -> bool {
        self.col[k] != usize::MAX
    }
    fn blank_is_empty_list(&self) -> bool {
        true
    }
}

/// One outage record from its cells, by the rules of the `outages` table spec: required
/// cells must hold a value; `planned`, `load_kva`, `load_kw` and `operations` may be left out
/// (false, 0, 0, 1) but a present column's missing cell is refused; a row's customers are its
/// list when it has one (a count beside it must agree), else its count.
pub(crate) fn read_row(
    cells: &impl OutageCells,
    file: &str,
    line: u64,
) -> Result<OutageRecord, ReliabilityError> {
    let perr = |k: usize, message: String| parse_error(file, line, Some(COLUMNS[k]), message);
    let missing = |k: usize| {
        perr(
            k,
            "the cell is empty but the column requires a value (leave the column out to use \
             its default)"
                .to_owned(),
        )
    };
    let text = |k: usize| -> Result<String, ReliabilityError> {
        Ok(cells
            .text(k)
            .map_err(|m| perr(k, m))?
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default())
    };
    let time = |k: usize| cells.time(k).map_err(|m| perr(k, m));
    let required_time = |k: usize| time(k)?.ok_or_else(|| missing(k));
    // A column that may be left out, but whose cells must then all hold a value.
    let strict = |k: usize, value: Result<Option<f64>, String>, default: f64| match value
        .map_err(|m| perr(k, m))?
    {
        Some(v) => Ok(v),
        None if cells.has(k) => Err(missing(k)),
        None => Ok(default),
    };
    let count = cells.integer(7).map_err(|m| perr(7, m))?;
    let list = cells.list(8).map_err(|m| perr(8, m))?;
    let customers = match (list, count) {
        (Some(list), count) => {
            if let Some(n) = count
                && n != list.len() as i64
            {
                return Err(perr(
                    7,
                    format!("{n} differs from the {} customers listed", list.len()),
                ));
            }
            CustomersInterrupted::List(list)
        }
        (None, Some(n)) => CustomersInterrupted::Count(
            u64::try_from(n).map_err(|_| perr(7, format!("{n} is negative")))?,
        ),
        // CSV's blank list and count: an empty list (the form the writer gives it).
        (None, None) if cells.has(8) && cells.blank_is_empty_list() => {
            CustomersInterrupted::List(Vec::new())
        }
        // A missing list (null) and no count: refused, never 0 customers.
        (None, None) => {
            return Err(perr(
                7,
                "the row has neither a customer list nor a count (customers or customers_count)"
                    .to_owned(),
            ));
        }
    };
    let planned = match cells.boolean(4).map_err(|m| perr(4, m))? {
        Some(v) => v,
        None if cells.has(4) => return Err(missing(4)),
        None => false,
    };
    let operations = strict(11, cells.integer(11).map(|v| v.map(|n| n as f64)), 1.0)?;
    let operations =
        if operations.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&operations) {
            operations as u32
        } else {
            return Err(perr(11, format!("{operations} is negative or too large")));
        };
    Ok(OutageRecord {
        id: text(0)?,
        start: required_time(1)?,
        end: required_time(2)?,
        cause: text(3)?,
        planned,
        device: text(5)?,
        feeder: text(6)?,
        customers,
        load_kva: strict(9, cells.number(9), 0.0)?,
        load_kw: strict(10, cells.number(10), 0.0)?,
        operations,
        reported: time(12)?,
        dispatched: time(13)?,
        arrived: time(14)?,
        located: time(15)?,
        restored: time(16)?,
    })
}

/// Reads outage records from a CSV file (see [`read_csv`]).
///
/// # Errors
/// [`ReliabilityError::Io`] if the file cannot be opened, otherwise as [`read_csv`].
pub fn read_csv_file(
    path: impl AsRef<Path>,
    zone: FixedOffset,
) -> Result<Vec<OutageRecord>, ReliabilityError> {
    let path = path.as_ref();
    let f = std::fs::File::open(path).map_err(|source| ReliabilityError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_csv(
        std::io::BufReader::new(f),
        &path.display().to_string(),
        zone,
    )
}

/// Writes outage records as CSV (every column of the layout; customer lists `;`-separated, with
/// their length in `customers_count`; an empty list leaves both columns empty, which reads back
/// as an empty list).
///
/// # Errors
/// [`ReliabilityError::Io`] if writing fails.
pub fn write_csv<W: Write>(writer: W, records: &[OutageRecord]) -> Result<(), ReliabilityError> {
    let io = |e: csv::Error| ReliabilityError::Io {
        path: "<csv>".into(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut w = csv::Writer::from_writer(writer);
    w.write_record(COLUMNS).map_err(io)?;
    let opt = |d: &Option<DateTime<FixedOffset>>| d.map(|d| d.to_rfc3339()).unwrap_or_default();
    for r in records {
        let (count, list) = match &r.customers {
            CustomersInterrupted::Count(n) => (n.to_string(), String::new()),
            // An empty list leaves both columns empty (a count of 0 would read back as a count).
            CustomersInterrupted::List(v) if v.is_empty() => (String::new(), String::new()),
            CustomersInterrupted::List(v) => (v.len().to_string(), v.join(";")),
        };
        w.write_record([
            r.id.as_str(),
            &r.start.to_rfc3339(),
            &r.end.to_rfc3339(),
            &r.cause,
            if r.planned { "true" } else { "false" },
            &r.device,
            &r.feeder,
            &count,
            &list,
            &r.load_kva.to_string(),
            &r.load_kw.to_string(),
            &r.operations.to_string(),
            &opt(&r.reported),
            &opt(&r.dispatched),
            &opt(&r.arrived),
            &opt(&r.located),
            &opt(&r.restored),
        ])
        .map_err(io)?;
    }
    w.flush().map_err(|source| ReliabilityError::Io {
        path: "<csv>".into(),
        source,
    })
}

/// Outage records and the service base from Arrow record batches (`arrow` feature), by the
/// same rules and with the same errors as [`read_csv`]: a row's "line" is its 0-based index
/// plus 2, as if the table were a CSV file with its header on line 1.
#[cfg(feature = "arrow")]
pub mod arrow {
    use std::borrow::Cow;

    use arrow_array::RecordBatch;
    use arrow_schema::SchemaRef;
    use chrono::{DateTime, FixedOffset};

    use super::{COLUMNS, OutageCells, OutageRecord, columns, parse_error, read_row};
    use crate::reliability::error::ReliabilityError;
    use crate::reliability::table::{FeederService, NO_TIME, OutageTable, RowIn, ServiceBase};
    use crate::table::arrow::{ArrowCells, ArrowRow, ArrowTable, CellError};

    struct Cells<'a, 'r> {
        row: &'a ArrowRow<'r>,
        col: &'a [usize; COLUMNS.len()],
    }

    impl Cells<'_, '_> {
        fn at(&self, k: usize) -> Option<usize> {
            (self.col[k] != usize::MAX).then_some(self.col[k])
        }
    }

    impl OutageCells for Cells<'_, '_> {
        fn text(&self, k: usize) -> Result<Option<Cow<'_, str>>, String> {
            let Some(c) = self.at(k) else { return Ok(None) };
            Ok(self.row.text(c)?.filter(|t| !t.is_empty()))
        }
        fn number(&self, k: usize) -> Result<Option<f64>, String> {
            self.at(k).map_or(Ok(None), |c| self.row.number(c))
        }
        fn integer(&self, k: usize) -> Result<Option<i64>, String> {
            self.at(k).map_or(Ok(None), |c| self.row.integer(c))
        }
        fn boolean(&self, k: usize) -> Result<Option<bool>, String> {
            self.at(k).map_or(Ok(None), |c| self.row.boolean(c))
        }
        fn time(&self, k: usize) -> Result<Option<DateTime<FixedOffset>>, String> {
            self.at(k).map_or(Ok(None), |c| self.row.timestamp(c))
        }
        fn list(&self, k: usize) -> Result<Option<Vec<String>>, String> {
            self.at(k).map_or(Ok(None), |c| self.row.text_list(c))
        }
        fn has(&self, k: usize) -> bool {
            self.col[k] != usize::MAX
        }
    }

    enum Walk {
        Cell(CellError),
        Record(ReliabilityError),
    }

    impl From<CellError> for Walk {
        fn from(err: CellError) -> Self {
            Self::Cell(err)
        }
    }

    fn cell_error(file: &str, err: CellError) -> ReliabilityError {
        parse_error(
            file,
            err.row.map_or(1, |r| r + 2),
            Some(&err.column),
            err.message,
        )
    }

    /// Reads outage records from Arrow batches; `file` names the table in errors.
    ///
    /// # Errors
    /// [`ReliabilityError::Parse`] naming the line (row + 2) and column, as [`super::read_csv`].
    pub fn read_arrow(
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        file: &str,
    ) -> Result<Vec<OutageRecord>, ReliabilityError> {
        let col = columns(file, schema.fields().iter().map(|f| f.name().as_str()))?;
        let table = ArrowTable::unchecked(schema, batches);
        let mut out = Vec::with_capacity(table.num_rows());
        table
            .for_each_row(|row| {
                let cells = Cells { row, col: &col };
                out.push(read_row(&cells, file, row.index() + 2).map_err(Walk::Record)?);
                Ok::<(), Walk>(())
            })
            .map_err(|err| match err {
                Walk::Cell(err) => cell_error(file, err),
                Walk::Record(err) => err,
            })?;
        Ok(out)
    }

    /// Why the column reader of [`read_outage_table`] stopped.
    enum Fast {
        /// A cell it does not take as it is: the record reader gives the answer (the error
        /// naming the cell, or the same table).
        Fallback,
        /// The build's own error.
        Done(ReliabilityError),
    }

    impl From<ReliabilityError> for Fast {
        fn from(err: ReliabilityError) -> Self {
            Self::Done(err)
        }
    }

    /// Validates outage records given as Arrow batches against `base` and builds the table,
    /// reading the columns in place: texts are borrowed from the Arrow buffers, times are read
    /// as milliseconds, and no per-row record is made. The rules and the errors are those of
    /// [`read_arrow`] followed by [`OutageTable::new`](crate::reliability::OutageTable::new):
    /// a table with a cell that reader refuses (a missing required value, a count that differs
    /// from the list, a value of the wrong kind, …) is handed to it, so the error names the
    /// same line (row + 2), column and value.
    ///
    /// # Errors
    /// As [`read_arrow`], then as [`OutageTable::new`](crate::reliability::OutageTable::new).
    pub fn read_outage_table(
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        file: &str,
        base: ServiceBase,
    ) -> Result<OutageTable, ReliabilityError> {
        let col = columns(file, schema.fields().iter().map(|f| f.name().as_str()))?;
        let table = ArrowTable::unchecked(schema, batches);
        match columnar(&table, &col, base.clone()) {
            Ok(t) => return Ok(t),
            // Only given once every row was read: the record reader would have read them too.
            Err(Fast::Done(err @ ReliabilityError::InvalidRecords { .. })) => return Err(err),
            Err(Fast::Fallback | Fast::Done(_)) => {}
        }
        let records = read_arrow(table.schema().clone(), table.batches().to_vec(), file)?;
        OutageTable::new(&records, base)
    }

    /// A text column of the outage layout: absent (every row empty), borrowed from the Arrow
    /// buffers, or made once (integer ids as their digits).
    enum TextColumn {
        Absent,
        Arrow(usize),
        Made(Vec<String>),
    }

    impl TextColumn {
        fn new(cells: &ArrowCells<'_>, at: Option<usize>) -> Result<Self, Fast> {
            Ok(match at {
                None => Self::Absent,
                Some(c) if cells.is_text(c) => Self::Arrow(c),
                Some(c) => Self::Made(
                    cells
                        .rows()
                        .map(|row| {
                            row.text(c)
                                .map(|t| t.map(Cow::into_owned).unwrap_or_default())
                                .map_err(|_| Fast::Fallback)
                        })
                        .collect::<Result<_, _>>()?,
                ),
            })
        }

        fn get<'a>(&'a self, row: &ArrowRow<'a>, i: usize) -> Result<&'a str, Fast> {
            match self {
                Self::Absent => Ok(""),
                Self::Made(v) => Ok(v.get(i).map_or("", String::as_str)),
                Self::Arrow(c) => match row.text(*c) {
                    Ok(None) => Ok(""),
                    Ok(Some(Cow::Borrowed(t))) => Ok(t),
                    Ok(Some(Cow::Owned(_))) | Err(_) => Err(Fast::Fallback),
                },
            }
        }
    }

    /// The column reader: `Fast::Fallback` at the first cell [`read_row`] would not read as
    /// it is.
    fn columnar(
        table: &ArrowTable,
        col: &[usize; COLUMNS.len()],
        base: ServiceBase,
    ) -> Result<OutageTable, Fast> {
        let cells = table.cells().map_err(|_| Fast::Fallback)?;
        let at = |k: usize| (col[k] != usize::MAX).then_some(col[k]);
        let texts = [
            TextColumn::new(&cells, at(0))?,
            TextColumn::new(&cells, at(3))?,
            TextColumn::new(&cells, at(5))?,
            TextColumn::new(&cells, at(6))?,
        ];
        // Customer lists, concatenated (the build checks each customer number).
        let mut numbers: Vec<String> = Vec::new();
        let mut lists: Vec<Option<(usize, usize)>> = Vec::new();
        if let Some(c) = at(8) {
            lists.reserve(cells.num_rows());
            for row in cells.rows() {
                match row.text_list(c) {
                    Ok(Some(list)) => {
                        let start = numbers.len();
                        numbers.extend(list);
                        lists.push(Some((start, numbers.len())));
                    }
                    Ok(None) => lists.push(None),
                    Err(_) => return Err(Fast::Fallback),
                }
            }
        }
        let cell = |v: Result<Option<i64>, String>| v.map_err(|_| Fast::Fallback);
        let rows = cells.rows().enumerate().map(|(i, row)| {
            let time = |k: usize| {
                at(k).map_or(Ok(None), |c| {
                    row.timestamp_ms(c)
                        .map(|t| t.map(|(ms, _)| ms))
                        .map_err(|_| Fast::Fallback)
                })
            };
            // A column that may be left out, but whose cells must then all hold a value.
            let strict = |k: usize, value: Result<Option<f64>, String>, default: f64| match value
                .map_err(|_| Fast::Fallback)?
            {
                Some(v) => Ok(v),
                None if at(k).is_some() => Err(Fast::Fallback),
                None => Ok(default),
            };
            let count = cell(at(7).map_or(Ok(None), |c| row.integer(c)))?;
            let list = lists
                .get(i)
                .copied()
                .flatten()
                .map(|(start, end)| &numbers[start..end]);
            let count = match (list, count) {
                (Some(list), Some(n)) if n != list.len() as i64 => return Err(Fast::Fallback),
                (Some(list), _) => i64::try_from(list.len()).unwrap_or(i64::MAX),
                (None, Some(n)) if n >= 0 => n,
                (None, _) => return Err(Fast::Fallback),
            };
            let planned = match at(4).map_or(Ok(None), |c| row.boolean(c)) {
                Ok(Some(v)) => v,
                Ok(None) if at(4).is_none() => false,
                Ok(None) | Err(_) => return Err(Fast::Fallback),
            };
            let operations = strict(
                11,
                at(11).map_or(Ok(None), |c| row.integer(c).map(|v| v.map(|n| n as f64))),
                1.0,
            )?;
            if operations.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&operations) {
                return Err(Fast::Fallback);
            }
            let number = |k: usize| at(k).map_or(Ok(None), |c| row.number(c));
            let stage = |k: usize| Ok::<_, Fast>(time(k)?.unwrap_or(NO_TIME));
            Ok(RowIn {
                id: texts[0].get(&row, i)?,
                start_ms: Some(time(1)?.ok_or(Fast::Fallback)?),
                end_ms: Some(time(2)?.ok_or(Fast::Fallback)?),
                cause: texts[1].get(&row, i)?,
                planned: Some(planned),
                device: texts[2].get(&row, i)?,
                feeder: texts[3].get(&row, i)?,
                count: Some(count),
                list,
                load_kva: strict(9, number(9), 0.0)?,
                load_kw: strict(10, number(10), 0.0)?,
                operations: Some(i64::from(operations as u32)),
                stages: [stage(12)?, stage(13)?, stage(14)?, stage(15)?, stage(16)?],
            })
        });
        OutageTable::build(base, cells.num_rows(), rows)
    }

    /// Reads the service base (the `feeders` table) from Arrow batches.
    ///
    /// # Errors
    /// [`ReliabilityError::Parse`] for a column or cell problem, and the errors of
    /// [`ServiceBase::new`].
    pub fn read_feeders_arrow(
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        file: &str,
    ) -> Result<ServiceBase, ReliabilityError> {
        let spec = &crate::table::FEEDERS;
        spec.check_columns(schema.fields().iter().map(|f| f.name().as_str()))
            .map_err(|p| parse_error(file, 1, Some(&p.column()), p.message(spec)))?;
        let at = |name: &str| schema.index_of(name).ok();
        let (feeder, substation, customers, load) = (
            at("feeder"),
            at("substation"),
            at("customers"),
            at("load_kva"),
        );
        let table = ArrowTable::unchecked(schema, batches);
        let mut feeders = Vec::new();
        table
            .for_each_row(|row| {
                let line = row.index() + 2;
                let fail = |c: usize, m: String| {
                    Walk::Record(parse_error(file, line, Some(table.column_name(c)), m))
                };
                let need = |c: usize| {
                    fail(
                        c,
                        "the cell is empty but the column requires a value".into(),
                    )
                };
                let text = |c: Option<usize>| -> Result<Option<String>, Walk> {
                    c.map_or(Ok(None), |c| {
                        Ok(row.text(c).map_err(|m| fail(c, m))?.map(Cow::into_owned))
                    })
                };
                let f = feeder.expect("checked: required");
                let n = customers.expect("checked: required");
                let count = row
                    .integer(n)
                    .map_err(|m| fail(n, m))?
                    .ok_or_else(|| need(n))?;
                let load_kva = match load {
                    Some(c) => row
                        .number(c)
                        .map_err(|m| fail(c, m))?
                        .ok_or_else(|| need(c))?,
                    None => 0.0,
                };
                feeders.push(FeederService {
                    feeder: text(Some(f))?.ok_or_else(|| need(f))?,
                    substation: text(substation)?.unwrap_or_default(),
                    customers: u64::try_from(count)
                        .map_err(|_| fail(n, format!("{count} is negative")))?,
                    load_kva,
                });
                Ok::<(), Walk>(())
            })
            .map_err(|err| match err {
                Walk::Cell(err) => cell_error(file, err),
                Walk::Record(err) => err,
            })?;
        ServiceBase::new(feeders)
    }
}
