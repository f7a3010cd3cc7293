//! The CSV layout: reading (streamed, one row at a time, with line numbers) and writing.
//! See `docs/formats/network.md` for the specification.
//!
//! About 820 lines of code: the seven tables' readers and writers share the streaming row
//! reader and the column checks, and are kept in one file so a format change is made in one place.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder, StringRecord, Trim, WriterBuilder};
use serde::Serialize;

use crate::network::error::NetworkError;
use crate::table::TableSpec;

use super::cells::{
    Cells, FromCell, Input, read_contacts, read_customers, read_points, read_segments,
    read_sources, read_switches, read_transformers,
};
use crate::network::records::{
    ContactRole, Importance, NetworkData, PointKind, SegmentKind, SwitchKind, TransformerUsage,
};

use super::{
    CONTACTS_CSV, CUSTOMERS_CSV, POINTS_CSV, SEGMENTS_CSV, SOURCES_CSV, SWITCHES_CSV,
    TRANSFORMERS_CSV,
};

/// One reader per file of the CSV layout, for reading it from memory or from any other source
/// than a folder. `None` means the file is absent: an error for `points`, no records of the
/// type otherwise.
#[derive(Debug)]
pub struct CsvReaders<R> {
    /// `points.csv` (required).
    pub points: Option<R>,
    /// `segments.csv`.
    pub segments: Option<R>,
    /// `switches.csv`.
    pub switches: Option<R>,
    /// `transformers.csv`.
    pub transformers: Option<R>,
    /// `sources.csv`.
    pub sources: Option<R>,
    /// `customers.csv`.
    pub customers: Option<R>,
    /// `contacts.csv`.
    pub contacts: Option<R>,
}

impl<R> Default for CsvReaders<R> {
    fn default() -> Self {
        Self {
            points: None,
            segments: None,
            switches: None,
            transformers: None,
            sources: None,
            customers: None,
            contacts: None,
        }
    }
}

/// The seven files of the CSV layout as text, as [`write_csv_tables`] makes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvTables {
    /// The content of `points.csv`.
    pub points: String,
    /// The content of `segments.csv`.
    pub segments: String,
    /// The content of `switches.csv`.
    pub switches: String,
    /// The content of `transformers.csv`.
    pub transformers: String,
    /// The content of `sources.csv`.
    pub sources: String,
    /// The content of `customers.csv`.
    pub customers: String,
    /// The content of `contacts.csv`.
    pub contacts: String,
}

/// Reads a network from a folder in the CSV layout.
///
/// # Errors
///
/// [`NetworkError::Io`] if `points.csv` is absent or a file cannot be read,
/// [`NetworkError::Parse`] if a file is malformed (see `docs/formats/network.md`).
pub fn read_csv_dir(dir: impl AsRef<Path>) -> Result<NetworkData, NetworkError> {
    let dir = dir.as_ref();
    let label = |file: &str| dir.join(file).display().to_string();
    let open = |file: &str| match File::open(dir.join(file)) {
        Ok(opened) => Ok(Some(opened)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(NetworkError::Io {
            path: label(file),
            source,
        }),
    };
    let readers = CsvReaders {
        points: open(POINTS_CSV)?,
        segments: open(SEGMENTS_CSV)?,
        switches: open(SWITCHES_CSV)?,
        transformers: open(TRANSFORMERS_CSV)?,
        sources: open(SOURCES_CSV)?,
        customers: open(CUSTOMERS_CSV)?,
        contacts: open(CONTACTS_CSV)?,
    };
    read_tables(readers, label)
}

/// Writes a network to a folder in the CSV layout, creating the folder if it is missing and
/// overwriting the seven files.
///
/// # Errors
///
/// [`NetworkError::Io`] if the folder cannot be created or a file cannot be written.
pub fn write_csv_dir(data: &NetworkData, dir: impl AsRef<Path>) -> Result<(), NetworkError> {
    let dir = dir.as_ref();
    fs::create_dir_all(dir).map_err(|source| NetworkError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    for (file, write) in table_writers() {
        let path = dir.join(file);
        let io_error = |source| NetworkError::Io {
            path: path.display().to_string(),
            source,
        };
        write(File::create(&path).map_err(io_error)?, data).map_err(io_error)?;
    }
    Ok(())
}

/// Reads a network in the CSV layout from one reader per file.
///
/// # Errors
///
/// [`NetworkError::Io`] if `readers.points` is `None` or a reader fails,
/// [`NetworkError::Parse`] if a file is malformed (see `docs/formats/network.md`).
pub fn read_csv<R: Read>(readers: CsvReaders<R>) -> Result<NetworkData, NetworkError> {
    read_tables(readers, str::to_owned)
}

/// Writes a network in the CSV layout as texts, one per file.
///
/// # Errors
///
/// None in practice: writing to memory does not fail. The signature matches the other writers.
pub fn write_csv_tables(data: &NetworkData) -> Result<CsvTables, NetworkError> {
    let [
        points,
        segments,
        switches,
        transformers,
        sources,
        customers,
        contacts,
    ] = table_writers().map(|(file, write)| {
        write(Vec::new(), data)
            .and_then(|bytes| {
                String::from_utf8(bytes)
                    .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
            })
            .map_err(|source| NetworkError::Io {
                path: file.to_owned(),
                source,
            })
    });
    Ok(CsvTables {
        points: points?,
        segments: segments?,
        switches: switches?,
        transformers: transformers?,
        sources: sources?,
        customers: customers?,
        contacts: contacts?,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading CSV

/// Reads all tables; `label` names a file of the layout in errors.
fn read_tables<R: Read>(
    readers: CsvReaders<R>,
    label: impl Fn(&str) -> String,
) -> Result<NetworkData, NetworkError> {
    let points = readers.points.ok_or_else(|| NetworkError::Io {
        path: label(POINTS_CSV),
        source: io::Error::new(
            io::ErrorKind::NotFound,
            "the file is missing; the points table is required",
        ),
    })?;
    let mut data = NetworkData {
        points: read_points(Table::new(label(POINTS_CSV), points)?)?,
        segments: read_optional(readers.segments, label(SEGMENTS_CSV), read_segments)?,
        switches: read_optional(readers.switches, label(SWITCHES_CSV), read_switches)?,
        transformers: read_optional(
            readers.transformers,
            label(TRANSFORMERS_CSV),
            read_transformers,
        )?,
        sources: read_optional(readers.sources, label(SOURCES_CSV), read_sources)?,
        customers: read_optional(readers.customers, label(CUSTOMERS_CSV), read_customers)?,
    };
    if let Some(contacts) = readers.contacts {
        read_contacts(
            Table::new(label(CONTACTS_CSV), contacts)?,
            &mut data.customers,
        )?;
    }
    Ok(data)
}

/// Reads the records of an optional file: none if it is absent.
fn read_optional<R: Read, T>(
    reader: Option<R>,
    file: String,
    read: fn(Table<R>) -> Result<Vec<T>, NetworkError>,
) -> Result<Vec<T>, NetworkError> {
    reader.map_or_else(|| Ok(Vec::new()), |reader| read(Table::new(file, reader)?))
}

/// A CSV file being read: its name in errors, its reader, its header and the header's line.
struct Table<R> {
    file: String,
    reader: csv::Reader<LineCounter<R>>,
    header: StringRecord,
    header_line: u64,
}

impl<R: Read> Table<R> {
    /// Opens a table, reading its header.
    fn new(file: String, input: R) -> Result<Self, NetworkError> {
        let mut reader = ReaderBuilder::new()
            .trim(Trim::Headers)
            .from_reader(LineCounter::new(input));
        match reader.headers().cloned() {
            Ok(header) => {
                let header_line = record_line(&mut reader, header.as_byte_record());
                Ok(Self {
                    file,
                    reader,
                    header,
                    header_line,
                })
            }
            Err(err) => {
                let line = record_line(&mut reader, &ByteRecord::new());
                Err(csv_error(&file, None, line, err))
            }
        }
    }

    /// The index of the column called `name`, if the header has it.
    fn column(&self, name: &str) -> Result<Option<usize>, NetworkError> {
        let mut found = self
            .header
            .iter()
            .enumerate()
            .filter(|&(_, column)| column == name)
            .map(|(index, _)| index);
        let first = found.next();
        if found.next().is_some() {
            return Err(self.header_error(name, "the column appears more than once in the header"));
        }
        Ok(first)
    }

    /// The index of the column called `name`, which the header must have.
    fn required(&self, name: &str) -> Result<usize, NetworkError> {
        self.column(name)?.ok_or_else(|| {
            self.header_error(
                name,
                &format!("the header lacks the required column `{name}`"),
            )
        })
    }

    fn header_error(&self, column: &str, message: &str) -> NetworkError {
        NetworkError::Parse {
            file: self.file.clone(),
            line: self.header_line,
            field: Some(excerpt(column)),
            message: message.to_owned(),
        }
    }
}

impl<R: Read> Input for Table<R> {
    type Row<'r>
        = Row<'r>
    where
        Self: 'r;

    fn check(&self, spec: &'static TableSpec) -> Result<(), NetworkError> {
        spec.check_columns(self.header.iter())
            .map_err(|problem| NetworkError::Parse {
                file: self.file.clone(),
                line: self.header_line,
                field: Some(problem.column()),
                message: problem.message(spec),
            })
    }

    fn column_opt(&self, name: &str) -> Result<Option<usize>, NetworkError> {
        self.column(name)
    }

    fn required(&self, name: &str) -> Result<usize, NetworkError> {
        Table::required(self, name)
    }

    fn rows<T>(
        self,
        mut parse: impl FnMut(&Row<'_>) -> Result<T, NetworkError>,
    ) -> Result<Vec<T>, NetworkError> {
        let Self {
            file,
            mut reader,
            header,
            ..
        } = self;
        let mut cells = ByteRecord::new();
        let mut parsed = Vec::new();
        loop {
            let read = reader.read_byte_record(&mut cells);
            let line = record_line(&mut reader, &cells);
            if !read.map_err(|err| csv_error(&file, Some(&header), line, err))? {
                return Ok(parsed);
            }
            let row = Row {
                file: &file,
                header: &header,
                line,
                cells: &cells,
            };
            parsed.push(parse(&row)?);
        }
    }
}

/// An excerpt of a header cell, for a message (the one rule of `crate::excerpt`).
fn excerpt(text: &str) -> String {
    crate::excerpt(text)
}

/// The line the record just read starts on: the line of its last byte, less the line breaks
/// inside its cells. (The reader's own positions count from the end of the previous record, so
/// they miss blank lines and the `\n` of a `\r\n`.)
fn record_line<R: Read>(reader: &mut csv::Reader<LineCounter<R>>, record: &ByteRecord) -> u64 {
    let end = reader.position().byte();
    let breaks = record
        .as_slice()
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count() as u64;
    reader
        .get_mut()
        .line_at(end.saturating_sub(1))
        .saturating_sub(breaks)
}

/// A reader noting where the line breaks of its input are, to tell the line of a byte.
struct LineCounter<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Offsets of the line breaks read and not yet counted, in increasing order.
    breaks: VecDeque<u64>,
    /// Line breaks counted: those before the last offset asked about.
    counted: u64,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            read: 0,
            breaks: VecDeque::new(),
            counted: 0,
        }
    }

    /// The 1-based line of the byte at `offset`, which must not be before an offset asked
    /// about earlier.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.breaks.front().is_some_and(|&at| at < offset) {
            self.breaks.pop_front();
            self.counted += 1;
        }
        self.counted + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = self.inner.read(buf)?;
        let start = self.read;
        self.breaks.extend(
            (start..)
                .zip(&buf[..len])
                .filter(|&(_, &byte)| byte == b'\n')
                .map(|(at, _)| at),
        );
        self.read += len as u64;
        Ok(len)
    }
}

/// One data row of a table. It has as many cells as the header: the reader refuses other rows.
struct Row<'a> {
    file: &'a str,
    header: &'a StringRecord,
    line: u64,
    cells: &'a ByteRecord,
}

impl Cells for Row<'_> {
    fn raw(&self, column: usize) -> Result<Option<Cow<'_, str>>, NetworkError> {
        str::from_utf8(&self.cells[column])
            .map(|cell| Some(Cow::Borrowed(cell)))
            .map_err(|_| self.error(column, NOT_UTF8.to_owned()))
    }

    fn typed<T: FromCell>(&self, column: usize) -> Result<Option<T>, NetworkError> {
        let cell = self.cell(column)?;
        let cell = cell.trim();
        if cell.is_empty() {
            return Ok(None);
        }
        T::from_cell(cell)
            .map(Some)
            .map_err(|message| self.error(column, message))
    }

    fn error(&self, column: usize, message: String) -> NetworkError {
        NetworkError::Parse {
            file: self.file.to_owned(),
            line: self.line,
            field: Some(self.header[column].to_owned()),
            message,
        }
    }
}

/// The message for text that is not UTF-8.
const NOT_UTF8: &str =
    "the text is not valid UTF-8 (save the file as UTF-8, not GBK or another encoding)";

/// The error for a failure of the CSV reader on the record starting on `line`; `header` names
/// the columns once it is read.
fn csv_error(
    file: &str,
    header: Option<&StringRecord>,
    line: u64,
    err: csv::Error,
) -> NetworkError {
    let parse = |field, message| NetworkError::Parse {
        file: file.to_owned(),
        line,
        field,
        message,
    };
    match err.into_kind() {
        csv::ErrorKind::Io(source) => NetworkError::Io {
            path: file.to_owned(),
            source,
        },
        csv::ErrorKind::Utf8 { .. } => parse(None, NOT_UTF8.to_owned()),
        // A short row names its first missing column; a long row has no column to name.
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => parse(
            usize::try_from(len)
                .ok()
                .and_then(|len| header?.get(len))
                .map(str::to_owned),
            format!("the row has {len} cells but the header has {expected_len}"),
        ),
        other => parse(None, format!("{other:?}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing CSV

/// A function writing one table of the layout into a writer, which it gives back.
type TableWriter<W> = fn(W, &NetworkData) -> io::Result<W>;

/// The tables of the layout with their file names, in the order of [`CsvTables`]' fields.
fn table_writers<W: Write>() -> [(&'static str, TableWriter<W>); 7] {
    [
        (POINTS_CSV, write_points),
        (SEGMENTS_CSV, write_segments),
        (SWITCHES_CSV, write_switches),
        (TRANSFORMERS_CSV, write_transformers),
        (SOURCES_CSV, write_sources),
        (CUSTOMERS_CSV, write_customers),
        (CONTACTS_CSV, write_contacts),
    ]
}

/// Writes a table: the header, then one row per item. The CSV writer buffers, so `out` need
/// not.
fn write_table<W: Write, T: Serialize>(
    out: W,
    columns: &[&str],
    rows: impl IntoIterator<Item = T>,
) -> io::Result<W> {
    let mut writer = WriterBuilder::new().has_headers(false).from_writer(out);
    writer.write_record(columns).map_err(csv_write_error)?;
    for row in rows {
        writer.serialize(row).map_err(csv_write_error)?;
    }
    writer.into_inner().map_err(csv::IntoInnerError::into_error)
}

/// The I/O error behind a failure of the CSV writer: the rows written here can fail only there.
fn csv_write_error(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(err) => err,
        other => io::Error::other(format!("{other:?}")),
    }
}

// The rows as written: each record's fields, borrowed. The records themselves leave a `None`
// field out when serialised, which would drop its cell; the rows keep it as an empty cell.

/// The columns of `points.csv`, in the order they are written.
pub const POINT_COLUMNS: [&str; 4] = ["asset", "kind", "name", "in_service"];

#[derive(Serialize)]
struct PointRow<'a> {
    asset: &'a str,
    kind: PointKind,
    name: Option<&'a str>,
    in_service: bool,
}

fn write_points<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.points.iter().map(|point| PointRow {
        asset: &point.asset,
        kind: point.kind,
        name: point.name.as_deref(),
        in_service: point.in_service,
    });
    write_table(out, &POINT_COLUMNS, rows)
}

/// The columns of `segments.csv`, in the order they are written.
pub const SEGMENT_COLUMNS: [&str; 7] = [
    "asset",
    "from",
    "to",
    "kind",
    "length_m",
    "rated_current_a",
    "in_service",
];

#[derive(Serialize)]
struct SegmentRow<'a> {
    asset: &'a str,
    from: &'a str,
    to: &'a str,
    kind: SegmentKind,
    length_m: f64,
    rated_current_a: Option<f64>,
    in_service: bool,
}

fn write_segments<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.segments.iter().map(|segment| SegmentRow {
        asset: &segment.asset,
        from: &segment.from,
        to: &segment.to,
        kind: segment.kind,
        length_m: segment.length_m,
        rated_current_a: segment.rated_current_a,
        in_service: segment.in_service,
    });
    write_table(out, &SEGMENT_COLUMNS, rows)
}

/// The columns of `switches.csv`, in the order they are written.
pub const SWITCH_COLUMNS: [&str; 8] = [
    "asset",
    "from",
    "to",
    "kind",
    "normally_open",
    "protective",
    "remote",
    "in_service",
];

#[derive(Serialize)]
struct SwitchRow<'a> {
    asset: &'a str,
    from: &'a str,
    to: &'a str,
    kind: SwitchKind,
    normally_open: bool,
    protective: bool,
    remote: bool,
    in_service: bool,
}

fn write_switches<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.switches.iter().map(|switch| SwitchRow {
        asset: &switch.asset,
        from: &switch.from,
        to: &switch.to,
        kind: switch.kind,
        normally_open: switch.normally_open,
        protective: switch.protective,
        remote: switch.remote,
        in_service: switch.in_service,
    });
    write_table(out, &SWITCH_COLUMNS, rows)
}

/// The columns of `transformers.csv`, in the order they are written.
pub const TRANSFORMER_COLUMNS: [&str; 8] = [
    "asset",
    "from",
    "to",
    "rated_kva",
    "model",
    "year_in_service",
    "usage",
    "in_service",
];

#[derive(Serialize)]
struct TransformerRow<'a> {
    asset: &'a str,
    from: &'a str,
    to: &'a str,
    rated_kva: f64,
    model: &'a str,
    year_in_service: Option<u16>,
    usage: TransformerUsage,
    in_service: bool,
}

fn write_transformers<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.transformers.iter().map(|transformer| TransformerRow {
        asset: &transformer.asset,
        from: &transformer.from,
        to: &transformer.to,
        rated_kva: transformer.rated_kva,
        model: &transformer.model,
        year_in_service: transformer.year_in_service,
        usage: transformer.usage,
        in_service: transformer.in_service,
    });
    write_table(out, &TRANSFORMER_COLUMNS, rows)
}

/// The columns of `sources.csv`, in the order they are written.
pub const SOURCE_COLUMNS: [&str; 5] = ["asset", "point", "name", "capacity_kva", "in_service"];

#[derive(Serialize)]
struct SourceRow<'a> {
    asset: &'a str,
    point: &'a str,
    name: Option<&'a str>,
    capacity_kva: f64,
    in_service: bool,
}

fn write_sources<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.sources.iter().map(|source| SourceRow {
        asset: &source.asset,
        point: &source.point,
        name: source.name.as_deref(),
        capacity_kva: source.capacity_kva,
        in_service: source.in_service,
    });
    write_table(out, &SOURCE_COLUMNS, rows)
}

/// The columns of `customers.csv`, in the order they are written.
pub const CUSTOMER_COLUMNS: [&str; 6] = [
    "number",
    "name",
    "point",
    "contracted_kva",
    "load_kw",
    "importance",
];

#[derive(Serialize)]
struct CustomerRow<'a> {
    number: &'a str,
    name: Option<&'a str>,
    point: &'a str,
    contracted_kva: f64,
    load_kw: f64,
    importance: Importance,
}

fn write_customers<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.customers.iter().map(|customer| CustomerRow {
        number: &customer.number,
        name: customer.name.as_deref(),
        point: &customer.point,
        contracted_kva: customer.contracted_kva,
        load_kw: customer.load_kw,
        importance: customer.importance,
    });
    write_table(out, &CUSTOMER_COLUMNS, rows)
}

/// The columns of `contacts.csv`, in the order they are written.
pub const CONTACT_COLUMNS: [&str; 5] = ["customer", "name", "phone", "role", "level"];

#[derive(Serialize)]
struct ContactRow<'a> {
    customer: &'a str,
    name: &'a str,
    phone: &'a str,
    role: ContactRole,
    level: u8,
}

fn write_contacts<W: Write>(out: W, data: &NetworkData) -> io::Result<W> {
    let rows = data.customers.iter().flat_map(|customer| {
        customer.contacts.iter().map(|contact| ContactRow {
            customer: &customer.number,
            name: &contact.name,
            phone: &contact.phone,
            role: contact.role,
            level: contact.level,
        })
    });
    write_table(out, &CONTACT_COLUMNS, rows)
}
