//! The CSV layout: reading (streamed, one row at a time, with line numbers) and writing.
//! See `docs/formats/network.md` for the specification.
//!
//! About 820 lines of code: the seven tables' readers and writers share the streaming row
//! reader and the column checks, and are kept in one file so a format change is made in one place.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::Path;

use ::csv::{ByteRecord, ReaderBuilder, StringRecord, Trim, WriterBuilder};
use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer};

use crate::network::error::NetworkError;
use crate::network::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
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

fn read_points<R: Read>(table: Table<R>) -> Result<Vec<PointRecord>, NetworkError> {
    table.only(&POINT_COLUMNS)?;
    let asset = table.required("asset")?;
    let kind = table.column("kind")?;
    let name = table.column("name")?;
    let in_service = table.column("in_service")?;
    table.rows(|row| {
        Ok(PointRecord {
            asset: row.text(asset)?,
            kind: row.opt_value(kind)?.unwrap_or_default(),
            name: row.opt_text(name)?,
            in_service: row.opt_value(in_service)?.unwrap_or(true),
        })
    })
}

fn read_segments<R: Read>(table: Table<R>) -> Result<Vec<SegmentRecord>, NetworkError> {
    table.only(&SEGMENT_COLUMNS)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let kind = table.column("kind")?;
    let length_m = table.required("length_m")?;
    let rated_current_a = table.column("rated_current_a")?;
    let in_service = table.column("in_service")?;
    table.rows(|row| {
        Ok(SegmentRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            kind: row.opt_value(kind)?.unwrap_or_default(),
            length_m: row.value(length_m)?,
            rated_current_a: row.opt_value(rated_current_a)?,
            in_service: row.opt_value(in_service)?.unwrap_or(true),
        })
    })
}

fn read_switches<R: Read>(table: Table<R>) -> Result<Vec<SwitchRecord>, NetworkError> {
    table.only(&SWITCH_COLUMNS)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let kind = table.required("kind")?;
    let normally_open = table.column("normally_open")?;
    let protective = table.required("protective")?;
    let remote = table.column("remote")?;
    let in_service = table.column("in_service")?;
    table.rows(|row| {
        Ok(SwitchRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            kind: row.value(kind)?,
            normally_open: row.opt_value(normally_open)?.unwrap_or(false),
            protective: row.value(protective)?,
            remote: row.opt_value(remote)?.unwrap_or(false),
            in_service: row.opt_value(in_service)?.unwrap_or(true),
        })
    })
}

fn read_transformers<R: Read>(table: Table<R>) -> Result<Vec<TransformerRecord>, NetworkError> {
    table.only(&TRANSFORMER_COLUMNS)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let rated_kva = table.required("rated_kva")?;
    let model = table.column("model")?;
    let year_in_service = table.column("year_in_service")?;
    let usage = table.column("usage")?;
    let in_service = table.column("in_service")?;
    table.rows(|row| {
        Ok(TransformerRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            rated_kva: row.value(rated_kva)?,
            model: row.opt_text(model)?.unwrap_or_default(),
            year_in_service: row.opt_value(year_in_service)?,
            usage: row.opt_value(usage)?.unwrap_or_default(),
            in_service: row.opt_value(in_service)?.unwrap_or(true),
        })
    })
}

fn read_sources<R: Read>(table: Table<R>) -> Result<Vec<SourceRecord>, NetworkError> {
    table.only(&SOURCE_COLUMNS)?;
    let asset = table.required("asset")?;
    let point = table.required("point")?;
    let name = table.column("name")?;
    let capacity_kva = table.required("capacity_kva")?;
    let in_service = table.column("in_service")?;
    table.rows(|row| {
        Ok(SourceRecord {
            asset: row.text(asset)?,
            point: row.text(point)?,
            name: row.opt_text(name)?,
            capacity_kva: row.value(capacity_kva)?,
            in_service: row.opt_value(in_service)?.unwrap_or(true),
        })
    })
}

fn read_customers<R: Read>(table: Table<R>) -> Result<Vec<CustomerRecord>, NetworkError> {
    table.only(&CUSTOMER_COLUMNS)?;
    let number = table.required("number")?;
    let name = table.column("name")?;
    let point = table.required("point")?;
    let contracted_kva = table.required("contracted_kva")?;
    let load_kw = table.required("load_kw")?;
    let importance = table.column("importance")?;
    table.rows(|row| {
        Ok(CustomerRecord {
            number: row.text(number)?,
            name: row.opt_text(name)?,
            point: row.text(point)?,
            contracted_kva: row.value(contracted_kva)?,
            load_kw: row.value(load_kw)?,
            importance: row.opt_value(importance)?.unwrap_or_default(),
            contacts: Vec::new(),
        })
    })
}

/// Reads the contacts and appends each to its customer's, in file order. A number used by
/// several customers attaches to the first of them.
fn read_contacts<R: Read>(
    table: Table<R>,
    customers: &mut [CustomerRecord],
) -> Result<(), NetworkError> {
    table.only(&CONTACT_COLUMNS)?;
    let customer = table.required("customer")?;
    let name = table.required("name")?;
    let phone = table.required("phone")?;
    let role = table.column("role")?;
    let level = table.column("level")?;
    let mut by_number = HashMap::with_capacity(customers.len());
    for (index, record) in customers.iter().enumerate() {
        by_number.entry(record.number.as_str()).or_insert(index);
    }
    let contacts = table.rows(|row| {
        let number = row.cell(customer)?;
        let &owner = by_number.get(number).ok_or_else(|| {
            row.error(
                customer,
                format!("no customer numbered {number:?} in {CUSTOMERS_CSV}"),
            )
        })?;
        let contact = Contact {
            name: row.text(name)?,
            phone: row.text(phone)?,
            role: row.opt_value(role)?.unwrap_or_default(),
            level: row.opt_value(level)?.unwrap_or(1),
        };
        Ok((owner, contact))
    })?;
    for (owner, contact) in contacts {
        customers[owner].contacts.push(contact);
    }
    Ok(())
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

    /// Refuses a header column that the table's layout does not define (a misspelt or foreign
    /// column would otherwise be read as absent, and its field take the default), naming the
    /// column and listing the layout's columns.
    fn only(&self, columns: &[&str]) -> Result<(), NetworkError> {
        let Some(unknown) = self.header.iter().find(|c| !columns.contains(c)) else {
            return Ok(());
        };
        let message = if unknown.is_empty() {
            format!(
                "an unnamed column (an empty header cell) is not part of the layout; the \
                 columns of this table are {}",
                columns.join(", ")
            )
        } else {
            format!(
                "the layout has no column `{}`; the columns of this table are {}",
                excerpt(unknown),
                columns.join(", ")
            )
        };
        Err(self.header_error(unknown, &message))
    }

    fn header_error(&self, column: &str, message: &str) -> NetworkError {
        NetworkError::Parse {
            file: self.file.clone(),
            line: self.header_line,
            field: Some(excerpt(column)),
            message: message.to_owned(),
        }
    }

    /// Reads every row with `parse`, in file order.
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

/// At most 40 characters of a header cell, for a message.
fn excerpt(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
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

impl Row<'_> {
    /// The text of a cell, verbatim.
    fn cell(&self, column: usize) -> Result<&str, NetworkError> {
        str::from_utf8(&self.cells[column]).map_err(|_| self.error(column, NOT_UTF8.to_owned()))
    }

    /// The text of a required text column.
    fn text(&self, column: usize) -> Result<String, NetworkError> {
        self.cell(column).map(str::to_owned)
    }

    /// The text of an optional text column, `None` if the column is absent or the cell empty.
    fn opt_text(&self, column: Option<usize>) -> Result<Option<String>, NetworkError> {
        let Some(column) = column else {
            return Ok(None);
        };
        let cell = self.cell(column)?;
        Ok((!cell.is_empty()).then(|| cell.to_owned()))
    }

    /// The value of a required column; an empty cell is an error.
    fn value<T: FromCell>(&self, column: usize) -> Result<T, NetworkError> {
        self.opt_value(Some(column))?.ok_or_else(|| {
            self.error(
                column,
                "the cell is empty but the column requires a value".to_owned(),
            )
        })
    }

    /// The value of an optional column, `None` if the column is absent or the cell empty.
    fn opt_value<T: FromCell>(&self, column: Option<usize>) -> Result<Option<T>, NetworkError> {
        let Some(column) = column else {
            return Ok(None);
        };
        let cell = self.cell(column)?.trim();
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

/// A value read from one trimmed, non-empty cell; the error is the message for the user.
trait FromCell: Sized {
    fn from_cell(cell: &str) -> Result<Self, String>;
}

impl FromCell for f64 {
    fn from_cell(cell: &str) -> Result<Self, String> {
        cell.parse()
            .map_err(|_| format!("{cell:?} is not a number"))
    }
}

impl FromCell for bool {
    fn from_cell(cell: &str) -> Result<Self, String> {
        let is = |words: [&str; 3]| words.iter().any(|word| cell.eq_ignore_ascii_case(word));
        if is(["true", "yes", "1"]) {
            Ok(true)
        } else if is(["false", "no", "0"]) {
            Ok(false)
        } else {
            Err(format!(
                "{cell:?} is not a boolean (true/false, yes/no or 1/0)"
            ))
        }
    }
}

macro_rules! integer_cells {
    ($($int:ty),*) => {$(
        impl FromCell for $int {
            fn from_cell(cell: &str) -> Result<Self, String> {
                cell.parse()
                    .map_err(|_| format!("{cell:?} is not a whole number from 0 to {}", <$int>::MAX))
            }
        }
    )*};
}

integer_cells!(u8, u16);

macro_rules! enumeration_cells {
    ($($enumeration:ty),*) => {$(
        impl FromCell for $enumeration {
            fn from_cell(cell: &str) -> Result<Self, String> {
                by_name(cell)
            }
        }
    )*};
}

enumeration_cells!(
    PointKind,
    SegmentKind,
    SwitchKind,
    TransformerUsage,
    Importance,
    ContactRole
);

/// An enumeration value by its serde name; serde's message lists the accepted names.
fn by_name<T: DeserializeOwned>(cell: &str) -> Result<T, String> {
    T::deserialize(cell.into_deserializer()).map_err(|err: serde::de::value::Error| err.to_string())
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
