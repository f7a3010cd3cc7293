//! Import and export of a network's plain records ([`NetworkData`]): a folder of CSV files, one
//! per record type, and a JSON document.
//!
//! Both forms are lossless: records written and read back are the records written, with the few
//! exceptions listed under [Round trips](#round-trips). Reading checks only the form of the
//! input (every cell parses to its field's type); whether the records make a valid network is
//! checked by the network builder, [`crate::network::Network::from_data`], which reports every
//! problem at once. Both forms are read and written as streams, one row or element at a time.
//!
//! # The CSV layout
//!
//! A network is a folder of seven files:
//!
//! | File | Records | Required |
//! |---|---|---|
//! | `points.csv` ([`POINTS_CSV`]) | [`PointRecord`] | yes |
//! | `segments.csv` ([`SEGMENTS_CSV`]) | [`SegmentRecord`] | no |
//! | `switches.csv` ([`SWITCHES_CSV`]) | [`SwitchRecord`] | no |
//! | `transformers.csv` ([`TRANSFORMERS_CSV`]) | [`TransformerRecord`] | no |
//! | `sources.csv` ([`SOURCES_CSV`]) | [`SourceRecord`] | no |
//! | `customers.csv` ([`CUSTOMERS_CSV`]) | [`CustomerRecord`] without its contacts | no |
//! | `contacts.csv` ([`CONTACTS_CSV`]) | the customers' [`Contact`]s | no |
//!
//! An absent optional file means no records of its type; an absent `points.csv` is an error.
//! [`write_csv_dir`] always writes all seven files, a file with no records holding only its
//! header. [`read_csv`] and [`write_csv_tables`] do the same with in-memory readers and texts.
//!
//! ## Format
//!
//! - UTF-8 text (a leading byte-order mark is skipped), comma-separated; a cell holding a comma,
//!   a quote or a line break is enclosed in double quotes, quotes inside doubled (RFC 4180).
//!   Lines are written ending in `\n`; `\r\n` is read as well. Blank lines are skipped.
//! - The first row is the header, naming the columns. Columns may come in any order; columns
//!   the layout does not define are ignored. Names are case-sensitive; spaces around them are
//!   ignored. A column named twice is an error.
//! - Every row has as many cells as the header.
//! - An empty cell and an absent column both mean "no value": the field's default, or `None`
//!   for an optional field; for a required field other than text it is an error.
//!
//! Cell types:
//!
//! - **text**: taken verbatim, spaces included. An empty cell in a required text column reads
//!   as empty text, which the network builder reports with its record.
//! - **number** (`f64`): decimal notation (`850`, `0.25`, `-3.5`, `1e-3`). `NaN`, `inf` and
//!   `-inf` (any case; also `infinity`) are read too, so that the builder can report them with
//!   their record. Numbers are written in the shortest form that reads back to the same
//!   number (`850.0`, `0.1`, `1e-7`, `NaN`, `inf`, `-inf`).
//! - **integer**: a whole number in the range given.
//! - **boolean**: `true`/`false`, `yes`/`no` or `1`/`0`, in any case; written `true`/`false`.
//! - **enumeration**: one of the names listed, exactly as written.
//!
//! Cells of every type but text are trimmed of surrounding spaces before they are read.
//! Columns are written in the order of the tables below.
//!
//! ## `points.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `asset` | text | yes | | | Asset number (设备资产编号), unique among points, lines and sources. |
//! | `kind` | enumeration: `substation_bus`, `busbar`, `pole`, `ring_main_unit`, `branch_box`, `transformer_terminal`, `junction` | no | `junction` | | What the point physically is ([`PointKind`]). |
//! | `name` | text | no | no name | | A readable name. |
//! | `in_service` | boolean | no | `true` | | Whether the point is in service in the network's normal state. |
//!
//! ```text
//! asset,kind,name,in_service
//! BUS-1,substation_bus,Riverside 10 kV bus I,true
//! P-1,pole,,true
//! RMU-1,ring_main_unit,"Elm Street RMU, north",true
//! LV-1,transformer_terminal,,true
//! ```
//!
//! ## `segments.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `asset` | text | yes | | | Asset number, unique among points, lines and sources. |
//! | `from` | text | yes | | | Asset number of one end point. |
//! | `to` | text | yes | | | Asset number of the other end point. |
//! | `kind` | enumeration: `overhead`, `cable` | no | `overhead` | | How the segment is built ([`SegmentKind`]). |
//! | `length_m` | number | yes | | m | Length. |
//! | `rated_current_a` | number | no | unknown | A | Rated (ampacity) current. |
//! | `in_service` | boolean | no | `true` | | Whether the segment is in service in the network's normal state. |
//!
//! ```text
//! asset,from,to,kind,length_m,rated_current_a,in_service
//! L-1,P-1,RMU-1,overhead,850.0,400.0,true
//! ```
//!
//! ## `switches.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `asset` | text | yes | | | Asset number, unique among points, lines and sources. |
//! | `from` | text | yes | | | Asset number of one end point. |
//! | `to` | text | yes | | | Asset number of the other end point. |
//! | `kind` | enumeration: `breaker`, `recloser`, `load_break_switch`, `disconnector`, `fuse`, `sectionalizer` | yes | | | The kind of device ([`SwitchKind`]). |
//! | `normally_open` | boolean | no | `false` | | Whether the switch is open in the network's normal state (a normally-open tie). |
//! | `protective` | boolean | yes | | | Whether the device trips on a fault downstream of it. |
//! | `remote` | boolean | no | `false` | | Whether the device can be operated remotely. |
//! | `in_service` | boolean | no | `true` | | Whether the switch is in service in the network's normal state. |
//!
//! ```text
//! asset,from,to,kind,normally_open,protective,remote,in_service
//! CB-1,BUS-1,P-1,breaker,false,true,true,true
//! ```
//!
//! ## `transformers.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `asset` | text | yes | | | Asset number, unique among points, lines and sources. |
//! | `from` | text | yes | | | Asset number of the high-voltage side point. |
//! | `to` | text | yes | | | Asset number of the low-voltage side point. |
//! | `rated_kva` | number | yes | | kVA | Rated power. |
//! | `model` | text | no | empty | | Series or model designation, e.g. `S11-M-400/10`. |
//! | `year_in_service` | integer, 0 to 65535 | no | unknown | year | Year the transformer entered service. |
//! | `usage` | enumeration: `dedicated`, `public` | no | `public` | | Whom the transformer serves ([`TransformerUsage`]). |
//! | `in_service` | boolean | no | `true` | | Whether the transformer is in service in the network's normal state. |
//!
//! ```text
//! asset,from,to,rated_kva,model,year_in_service,usage,in_service
//! T-1,RMU-1,LV-1,400.0,S11-M-400/10,2016,public,true
//! ```
//!
//! ## `sources.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `asset` | text | yes | | | Asset number, unique among points, lines and sources. |
//! | `point` | text | yes | | | Asset number of the point the source feeds. |
//! | `name` | text | no | no name | | A readable name, for example the feeder's. |
//! | `capacity_kva` | number | yes | | kVA | The capacity available to the network at this source. |
//! | `in_service` | boolean | no | `true` | | Whether the source is in service in the network's normal state. |
//!
//! ```text
//! asset,point,name,capacity_kva,in_service
//! SRC-1,BUS-1,Feeder 10 Riverside,8000.0,true
//! ```
//!
//! ## `customers.csv`
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `number` | text | yes | | | Customer number (户号), unique among customers. |
//! | `name` | text | no | no name | | The customer's name. |
//! | `point` | text | yes | | | Asset number of the point the customer is supplied from. |
//! | `contracted_kva` | number | yes | | kVA | Contracted capacity. |
//! | `load_kw` | number | yes | | kW | Representative load, used for lost load. |
//! | `importance` | enumeration: `normal`, `temporary`, `second_class`, `first_class`, `special_class` | no | `normal` | | Importance class ([`Importance`]). |
//!
//! ```text
//! number,name,point,contracted_kva,load_kw,importance
//! 0100012345,"Elm Street Hospital, inpatient block",LV-1,315.0,180.0,first_class
//! 0100012346,,LV-1,8.0,2.5,normal
//! ```
//!
//! ## `contacts.csv`
//!
//! One row per contact. The rows of one customer are its contacts in file order; rows of
//! different customers may be interleaved and may come before or after the customer in
//! `customers.csv`. A row naming a customer number that `customers.csv` does not have is an
//! error.
//!
//! | Column | Type | Required | Default | Unit | Meaning |
//! |---|---|---|---|---|---|
//! | `customer` | text | yes | | | Number of the customer the contact belongs to. |
//! | `name` | text | yes | | | The contact's name. |
//! | `phone` | text | yes | | | Phone number as given. |
//! | `role` | enumeration: `legal_representative`, `manager`, `electrician`, `finance`, `other` | no | `other` | | The contact's role ([`ContactRole`]). |
//! | `level` | integer, 0 to 255 | no | `1` | | Escalation level: 1 is contacted first, then 2, then 3. |
//!
//! ```text
//! customer,name,phone,role,level
//! 0100012345,Li Wei,13800000001,electrician,1
//! 0100012345,Zhang Min,13800000002,manager,2
//! ```
//!
//! # The JSON form
//!
//! The JSON form is [`NetworkData`] as serde writes it: an object with the arrays `points`,
//! `segments`, `switches`, `transformers`, `sources` and `customers`, their elements objects
//! whose fields are named like the CSV columns above; a customer's contacts are its `contacts`
//! array. An absent array is empty, a field with a default may be left out, and a `None` field
//! is left out when written.
//!
//! ```text
//! {"points":[{"asset":"BUS-1","kind":"substation_bus","in_service":true}],
//!  "customers":[{"number":"0100012346","point":"BUS-1","contracted_kva":8.0,"load_kw":2.5,
//!                "contacts":[{"name":"Li Wei","phone":"13800000001","role":"other","level":1}]}]}
//! ```
//!
//! JSON has no NaN or infinity, so [`write_json`] refuses records holding such numbers (the
//! network builder would refuse them too) with [`NetworkError::Invalid`], listing each as a
//! [`ProblemKind::NotFinite`] problem. The CSV layout carries them.
//!
//! # Round trips
//!
//! Writing records and reading them back gives the same records, except that
//!
//! - in CSV, an empty name (`Some("")`) is written as an empty cell and reads back as `None`
//!   (the network builder treats an empty name as no name anyway);
//! - in CSV, a NaN reads back without its sign and payload;
//! - in CSV, the contacts of a customer whose number an earlier customer already has read back
//!   as contacts of the earlier customer (the network builder refuses duplicate numbers).
//!
//! A CSV file in the written form (columns in the order above, booleans as `true`/`false`,
//! numbers in shortest form, cells quoted only where needed) reads and writes back to the same
//! text.
//!
//! # Errors
//!
//! Malformed input gives [`NetworkError::Parse`]:
//!
//! - from CSV, `file` is the file's name ([`read_csv`]) or path ([`read_csv_dir`]), `line` the
//!   1-based line the row starts on (blank lines and line breaks inside cells counted, so the
//!   header is normally line 1) and `field` the column concerned: a missing or repeated column
//!   (on the header's line), a cell that does not parse (the message says why and, for an
//!   enumeration, lists the accepted names), an empty cell where a value is required, text that
//!   is not UTF-8 (no column if in the header), a contact of an unknown customer (the
//!   `customer` column), a row with too few cells (the first missing column) or too many (no
//!   column);
//! - from JSON, `file` is `<json>` ([`read_json`]) or the path ([`read_json_file`]), `line` the
//!   line `serde_json` stopped on and `field` is `None`; the message starts with the column.
//!
//! A file that cannot be opened, read or written, and an absent `points.csv`, give
//! [`NetworkError::Io`] with the path (or, for in-memory readers and writers, the file's name or
//! `<json>`).

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use csv::{ByteRecord, ReaderBuilder, StringRecord, Trim, WriterBuilder};
use serde::Serialize;
use serde::de::{DeserializeOwned, IntoDeserializer};

use super::error::{NetworkError, Problem, ProblemKind, Problems, RecordKind};
use super::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
};

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

/// The name given to a JSON stream in errors.
const JSON_STREAM: &str = "<json>";

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
/// [`NetworkError::Parse`] if a file is malformed (see the [module documentation](self)).
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
/// [`NetworkError::Parse`] if a file is malformed (see the [module documentation](self)).
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

/// Reads a network in the JSON form. The reader is buffered here.
///
/// # Errors
///
/// [`NetworkError::Parse`] with file `<json>` if the input is malformed, [`NetworkError::Io`] if
/// the reader fails.
pub fn read_json(reader: impl Read) -> Result<NetworkData, NetworkError> {
    json_from(reader, JSON_STREAM)
}

/// Writes a network in the JSON form, followed by a line break; `pretty` indents it. The writer
/// is buffered here and flushed at the end.
///
/// # Errors
///
/// [`NetworkError::Invalid`] listing every NaN or infinite number, which JSON cannot hold
/// (nothing is written then), and [`NetworkError::Io`] if the writer fails.
pub fn write_json(
    data: &NetworkData,
    writer: impl Write,
    pretty: bool,
) -> Result<(), NetworkError> {
    ensure_finite(data)?;
    json_to(data, writer, pretty, JSON_STREAM)
}

/// Reads a network from a JSON file.
///
/// # Errors
///
/// [`NetworkError::Io`] if the file cannot be read, [`NetworkError::Parse`] naming the path if
/// it is malformed.
pub fn read_json_file(path: impl AsRef<Path>) -> Result<NetworkData, NetworkError> {
    let path = path.as_ref();
    let label = path.display().to_string();
    match File::open(path) {
        Ok(file) => json_from(file, &label),
        Err(source) => Err(NetworkError::Io {
            path: label,
            source,
        }),
    }
}

/// Writes a network to a JSON file (see [`write_json`]), replacing the file if it exists.
///
/// # Errors
///
/// [`NetworkError::Invalid`] listing every NaN or infinite number (the file is then left
/// untouched), [`NetworkError::Io`] if the file cannot be written.
pub fn write_json_file(
    data: &NetworkData,
    path: impl AsRef<Path>,
    pretty: bool,
) -> Result<(), NetworkError> {
    ensure_finite(data)?;
    let path = path.as_ref();
    let label = path.display().to_string();
    match File::create(path) {
        Ok(file) => json_to(data, file, pretty, &label),
        Err(source) => Err(NetworkError::Io {
            path: label,
            source,
        }),
    }
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
        self.column(name)?
            .ok_or_else(|| self.header_error(name, "the header lacks this required column"))
    }

    fn header_error(&self, column: &str, message: &str) -> NetworkError {
        NetworkError::Parse {
            file: self.file.clone(),
            line: self.header_line,
            field: Some(column.to_owned()),
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

// ---------------------------------------------------------------------------------------------
// JSON

/// Reads the JSON form from `reader`; `file` names it in errors.
fn json_from(reader: impl Read, file: &str) -> Result<NetworkData, NetworkError> {
    serde_json::from_reader(BufReader::new(reader)).map_err(|err| {
        if err.is_io() {
            return NetworkError::Io {
                path: file.to_owned(),
                source: err.into(),
            };
        }
        let (line, column) = (err.line(), err.column());
        let text = err.to_string();
        let message = text
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&text);
        NetworkError::Parse {
            file: file.to_owned(),
            line: line as u64,
            field: None,
            message: format!("column {column}: {message}"),
        }
    })
}

/// Writes the JSON form and a line break to `writer`; `file` names it in errors.
fn json_to(
    data: &NetworkData,
    writer: impl Write,
    pretty: bool,
    file: &str,
) -> Result<(), NetworkError> {
    let mut out = BufWriter::new(writer);
    let written = if pretty {
        serde_json::to_writer_pretty(&mut out, data)
    } else {
        serde_json::to_writer(&mut out, data)
    };
    written
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|source| NetworkError::Io {
            path: file.to_owned(),
            source,
        })
}

/// Refuses records holding a NaN or infinite number, which JSON cannot hold, listing each.
fn ensure_finite(data: &NetworkData) -> Result<(), NetworkError> {
    let mut problems = Vec::new();
    let mut check = |record, id: &str, index, field, value: f64| {
        if !value.is_finite() {
            problems.push(Problem {
                record,
                id: id.to_owned(),
                index,
                field,
                value: value.to_string(),
                kind: ProblemKind::NotFinite,
            });
        }
    };
    for (index, segment) in data.segments.iter().enumerate() {
        let id = &segment.asset;
        check(RecordKind::Segment, id, index, "length_m", segment.length_m);
        if let Some(rated) = segment.rated_current_a {
            check(RecordKind::Segment, id, index, "rated_current_a", rated);
        }
    }
    for (index, transformer) in data.transformers.iter().enumerate() {
        let (id, kva) = (&transformer.asset, transformer.rated_kva);
        check(RecordKind::Transformer, id, index, "rated_kva", kva);
    }
    for (index, source) in data.sources.iter().enumerate() {
        let (id, kva) = (&source.asset, source.capacity_kva);
        check(RecordKind::Source, id, index, "capacity_kva", kva);
    }
    for (index, customer) in data.customers.iter().enumerate() {
        let id = &customer.number;
        let kva = customer.contracted_kva;
        check(RecordKind::Customer, id, index, "contracted_kva", kva);
        check(RecordKind::Customer, id, index, "load_kw", customer.load_kw);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NetworkError::Invalid {
            problems: Problems(problems),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn point(asset: &str, kind: PointKind, name: Option<&str>, in_service: bool) -> PointRecord {
        PointRecord {
            asset: asset.to_owned(),
            kind,
            name: name.map(str::to_owned),
            in_service,
        }
    }

    fn switch(asset: &str, kind: SwitchKind, flags: [bool; 4]) -> SwitchRecord {
        let [normally_open, protective, remote, in_service] = flags;
        SwitchRecord {
            asset: asset.to_owned(),
            from: "P-BUS".to_owned(),
            to: "P-BB".to_owned(),
            kind,
            normally_open,
            protective,
            remote,
            in_service,
        }
    }

    fn contact(name: &str, phone: &str, role: ContactRole, level: u8) -> Contact {
        Contact {
            name: name.to_owned(),
            phone: phone.to_owned(),
            role,
            level,
        }
    }

    fn customer(
        number: &str,
        name: Option<&str>,
        importance: Importance,
        contacts: Vec<Contact>,
    ) -> CustomerRecord {
        CustomerRecord {
            number: number.to_owned(),
            name: name.map(str::to_owned),
            point: "P-TT".to_owned(),
            contracted_kva: 315.0,
            load_kw: 180.5,
            importance,
            contacts,
        }
    }

    /// Every field, every enumeration variant, `None` and `Some`, and awkward text.
    fn sample() -> NetworkData {
        NetworkData {
            points: vec![
                point(
                    "P-BUS",
                    PointKind::SubstationBus,
                    Some("Riverside bus I"),
                    true,
                ),
                point(
                    "P-BB",
                    PointKind::Busbar,
                    Some("comma, \"quote\"\nnewline"),
                    true,
                ),
                point("P-POLE", PointKind::Pole, None, false),
                point("P-RMU", PointKind::RingMainUnit, Some("环网柜 一号"), true),
                point("P-BOX", PointKind::BranchBox, Some("  spaced  "), true),
                point("P-TT", PointKind::TransformerTerminal, None, true),
                point("P-J", PointKind::Junction, Some("a\r\nb"), true),
            ],
            segments: vec![
                SegmentRecord {
                    asset: "L-1".to_owned(),
                    from: "P-BUS".to_owned(),
                    to: "P-POLE".to_owned(),
                    kind: SegmentKind::Overhead,
                    length_m: 850.0,
                    rated_current_a: Some(400.0),
                    in_service: true,
                },
                SegmentRecord {
                    asset: "L-2".to_owned(),
                    from: "P-POLE".to_owned(),
                    to: "P-RMU".to_owned(),
                    kind: SegmentKind::Cable,
                    length_m: 0.1 + 0.2,
                    rated_current_a: None,
                    in_service: false,
                },
                SegmentRecord {
                    asset: "L-3".to_owned(),
                    from: "P-RMU".to_owned(),
                    to: "P-BOX".to_owned(),
                    kind: SegmentKind::Cable,
                    length_m: 1e-7,
                    rated_current_a: Some(f64::MAX),
                    in_service: true,
                },
            ],
            switches: vec![
                switch("S-CB", SwitchKind::Breaker, [false, true, true, true]),
                switch("S-RC", SwitchKind::Recloser, [false, true, false, true]),
                switch(
                    "S-LB",
                    SwitchKind::LoadBreakSwitch,
                    [true, false, true, true],
                ),
                switch(
                    "S-DS",
                    SwitchKind::Disconnector,
                    [false, false, false, false],
                ),
                switch("S-FU", SwitchKind::Fuse, [false, true, false, true]),
                switch(
                    "S-SE",
                    SwitchKind::Sectionalizer,
                    [true, false, false, true],
                ),
            ],
            transformers: vec![
                TransformerRecord {
                    asset: "T-1".to_owned(),
                    from: "P-BOX".to_owned(),
                    to: "P-TT".to_owned(),
                    rated_kva: 400.0,
                    model: "S11-M-400/10".to_owned(),
                    year_in_service: Some(2016),
                    usage: TransformerUsage::Public,
                    in_service: true,
                },
                TransformerRecord {
                    asset: "T-2".to_owned(),
                    from: "P-BOX".to_owned(),
                    to: "P-J".to_owned(),
                    rated_kva: 1250.5,
                    model: String::new(),
                    year_in_service: None,
                    usage: TransformerUsage::Dedicated,
                    in_service: false,
                },
            ],
            sources: vec![
                SourceRecord {
                    asset: "SRC-1".to_owned(),
                    point: "P-BUS".to_owned(),
                    name: Some("10 kV 一回, \"east\"".to_owned()),
                    capacity_kva: 8000.0,
                    in_service: true,
                },
                SourceRecord {
                    asset: "SRC-2".to_owned(),
                    point: "P-BB".to_owned(),
                    name: None,
                    capacity_kva: 0.3,
                    in_service: false,
                },
            ],
            customers: vec![
                customer(
                    "0100012345",
                    Some("Elm Street Hospital, inpatient block"),
                    Importance::FirstClass,
                    vec![
                        contact("李伟", "13800000001", ContactRole::Electrician, 1),
                        contact(
                            "Zhang \"Min\"",
                            "+86 138-0000-0002",
                            ContactRole::Manager,
                            2,
                        ),
                        contact("Wang, Fang", "13800000003", ContactRole::Finance, 3),
                    ],
                ),
                customer("0100012346", None, Importance::Normal, Vec::new()),
                customer(
                    "0100012347",
                    Some("第一中学"),
                    Importance::Temporary,
                    vec![contact("Chen", "13800000004", ContactRole::Other, 1)],
                ),
                customer(
                    "0100012348",
                    None,
                    Importance::SecondClass,
                    vec![contact(
                        "Liu",
                        "13800000005",
                        ContactRole::LegalRepresentative,
                        2,
                    )],
                ),
                customer(
                    "0100012349",
                    Some("Water works"),
                    Importance::SpecialClass,
                    Vec::new(),
                ),
            ],
        }
    }

    fn readers(tables: &CsvTables) -> CsvReaders<&[u8]> {
        CsvReaders {
            points: Some(tables.points.as_bytes()),
            segments: Some(tables.segments.as_bytes()),
            switches: Some(tables.switches.as_bytes()),
            transformers: Some(tables.transformers.as_bytes()),
            sources: Some(tables.sources.as_bytes()),
            customers: Some(tables.customers.as_bytes()),
            contacts: Some(tables.contacts.as_bytes()),
        }
    }

    /// Reads the given files, with an empty `points.csv` unless one is given.
    fn read_files(files: &[(&str, &'static str)]) -> Result<NetworkData, NetworkError> {
        let mut readers = CsvReaders {
            points: Some("asset\n".as_bytes()),
            ..CsvReaders::default()
        };
        for &(file, text) in files {
            let slot = match file {
                POINTS_CSV => &mut readers.points,
                SEGMENTS_CSV => &mut readers.segments,
                SWITCHES_CSV => &mut readers.switches,
                TRANSFORMERS_CSV => &mut readers.transformers,
                SOURCES_CSV => &mut readers.sources,
                CUSTOMERS_CSV => &mut readers.customers,
                CONTACTS_CSV => &mut readers.contacts,
                other => panic!("no file {other} in the layout"),
            };
            *slot = Some(text.as_bytes());
        }
        read_csv(readers)
    }

    /// The file, line and field of a parse error, and its message.
    fn parse_error(
        result: Result<NetworkData, NetworkError>,
    ) -> (String, u64, Option<String>, String) {
        match result {
            Err(NetworkError::Parse {
                file,
                line,
                field,
                message,
            }) => (file, line, field, message),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    /// Asserts a parse error's place and returns its message.
    fn assert_parse_error(
        result: Result<NetworkData, NetworkError>,
        file: &str,
        line: u64,
        field: Option<&str>,
    ) -> String {
        let (actual_file, actual_line, actual_field, message) = parse_error(result);
        assert_eq!(
            (actual_file.as_str(), actual_line, actual_field.as_deref()),
            (file, line, field),
            "message: {message}"
        );
        message
    }

    /// A fresh folder under the system's temporary folder.
    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gridserve-io-{}-{name}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).unwrap();
        }
        dir
    }

    #[test]
    fn csv_round_trip_keeps_every_field() {
        let data = sample();
        let tables = write_csv_tables(&data).unwrap();
        assert_eq!(read_csv(readers(&tables)).unwrap(), data);
    }

    #[test]
    fn csv_written_form() {
        let tables = write_csv_tables(&sample()).unwrap();
        let mut points = tables.points.lines();
        assert_eq!(points.next(), Some("asset,kind,name,in_service"));
        assert_eq!(
            points.next(),
            Some("P-BUS,substation_bus,Riverside bus I,true")
        );
        assert_eq!(points.next(), Some("P-BB,busbar,\"comma, \"\"quote\"\""));
        assert_eq!(points.next(), Some("newline\",true"));
        assert_eq!(points.next(), Some("P-POLE,pole,,false"));
        assert_eq!(
            tables.segments,
            "asset,from,to,kind,length_m,rated_current_a,in_service\n\
             L-1,P-BUS,P-POLE,overhead,850.0,400.0,true\n\
             L-2,P-POLE,P-RMU,cable,0.30000000000000004,,false\n\
             L-3,P-RMU,P-BOX,cable,1e-7,1.7976931348623157e308,true\n"
        );
        assert_eq!(
            tables.contacts.lines().take(3).collect::<Vec<_>>(),
            [
                "customer,name,phone,role,level",
                "0100012345,李伟,13800000001,electrician,1",
                "0100012345,\"Zhang \"\"Min\"\"\",+86 138-0000-0002,manager,2",
            ]
        );
    }

    #[test]
    fn csv_dir_round_trip_writes_all_seven_files() {
        let dir = scratch_dir("dir-round-trip");
        let data = sample();
        write_csv_dir(&data, &dir).unwrap();
        for file in [
            POINTS_CSV,
            SEGMENTS_CSV,
            SWITCHES_CSV,
            TRANSFORMERS_CSV,
            SOURCES_CSV,
            CUSTOMERS_CSV,
            CONTACTS_CSV,
        ] {
            assert!(dir.join(file).is_file(), "{file} was not written");
        }
        assert_eq!(read_csv_dir(&dir).unwrap(), data);

        // Writing again overwrites the files.
        write_csv_dir(&NetworkData::default(), &dir).unwrap();
        assert_eq!(read_csv_dir(&dir).unwrap(), NetworkData::default());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_network_writes_headers_only() {
        let tables = write_csv_tables(&NetworkData::default()).unwrap();
        assert_eq!(
            tables,
            CsvTables {
                points: "asset,kind,name,in_service\n".to_owned(),
                segments: "asset,from,to,kind,length_m,rated_current_a,in_service\n".to_owned(),
                switches: "asset,from,to,kind,normally_open,protective,remote,in_service\n"
                    .to_owned(),
                transformers: "asset,from,to,rated_kva,model,year_in_service,usage,in_service\n"
                    .to_owned(),
                sources: "asset,point,name,capacity_kva,in_service\n".to_owned(),
                customers: "number,name,point,contracted_kva,load_kw,importance\n".to_owned(),
                contacts: "customer,name,phone,role,level\n".to_owned(),
            }
        );
        assert_eq!(read_csv(readers(&tables)).unwrap(), NetworkData::default());
    }

    #[test]
    fn csv_text_reads_and_writes_back_identically() {
        let input = CsvTables {
            points: "asset,kind,name,in_service\n\
                     BUS-1,substation_bus,Riverside 10 kV bus I,true\n\
                     RMU-1,ring_main_unit,\"Elm Street RMU, north\",true\n\
                     LV-1,transformer_terminal,,false\n"
                .to_owned(),
            segments: "asset,from,to,kind,length_m,rated_current_a,in_service\n\
                       L-1,BUS-1,RMU-1,cable,850.5,,true\n"
                .to_owned(),
            switches: "asset,from,to,kind,normally_open,protective,remote,in_service\n\
                       CB-1,BUS-1,RMU-1,breaker,false,true,true,true\n"
                .to_owned(),
            transformers: "asset,from,to,rated_kva,model,year_in_service,usage,in_service\n\
                           T-1,RMU-1,LV-1,400.0,S11-M-400/10,2016,public,true\n"
                .to_owned(),
            sources: "asset,point,name,capacity_kva,in_service\n\
                      SRC-1,BUS-1,\"He said \"\"hi\"\"\",8000.0,true\n"
                .to_owned(),
            customers: "number,name,point,contracted_kva,load_kw,importance\n\
                        0100012345,\"第一医院\n住院部\",LV-1,315.0,180.0,first_class\n\
                        0100012346,,LV-1,8.0,2.5,normal\n"
                .to_owned(),
            contacts: "customer,name,phone,role,level\n\
                       0100012345,Li Wei,13800000001,electrician,1\n\
                       0100012345,Zhang Min,13800000002,manager,2\n\
                       0100012346,Chen,13800000003,other,1\n"
                .to_owned(),
        };
        let data = read_csv(readers(&input)).unwrap();
        assert_eq!(data.customers[0].name.as_deref(), Some("第一医院\n住院部"));
        assert_eq!(data.customers[0].contacts.len(), 2);
        assert_eq!(write_csv_tables(&data).unwrap(), input);
    }

    #[test]
    fn floats_round_trip_bit_for_bit() {
        // 3.0 * 0.37 is 1.1099999999999999, which JSON readers parsing floats only
        // approximately read back as 1.11.
        let values = [
            3.0 * 0.37,
            0.1 + 0.2,
            -0.0,
            5e-324,
            f64::MIN_POSITIVE,
            f64::MAX,
            1e21,
        ];
        let sources = values
            .iter()
            .map(|&capacity_kva| SourceRecord {
                asset: "SRC".to_owned(),
                point: "P".to_owned(),
                name: None,
                capacity_kva,
                in_service: true,
            })
            .collect();
        let data = NetworkData {
            sources,
            ..NetworkData::default()
        };
        let bits = |data: &NetworkData| -> Vec<u64> {
            data.sources
                .iter()
                .map(|s| s.capacity_kva.to_bits())
                .collect()
        };
        let expected: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();

        let tables = write_csv_tables(&data).unwrap();
        assert_eq!(bits(&read_csv(readers(&tables)).unwrap()), expected);

        let mut json = Vec::new();
        write_json(&data, &mut json, false).unwrap();
        assert_eq!(bits(&read_json(json.as_slice()).unwrap()), expected);
    }

    #[test]
    fn non_finite_numbers_round_trip_in_csv() {
        let mut data = sample();
        data.segments[0].length_m = f64::NAN;
        data.segments[0].rated_current_a = Some(f64::INFINITY);
        data.customers[1].load_kw = f64::NEG_INFINITY;
        let tables = write_csv_tables(&data).unwrap();
        assert!(
            tables
                .segments
                .contains("L-1,P-BUS,P-POLE,overhead,NaN,inf,true\n")
        );
        assert!(
            tables
                .customers
                .contains("0100012346,,P-TT,315.0,-inf,normal\n")
        );

        let read = read_csv(readers(&tables)).unwrap();
        assert!(read.segments[0].length_m.is_nan());
        assert_eq!(read.segments[0].rated_current_a, Some(f64::INFINITY));
        assert_eq!(read.customers[1].load_kw, f64::NEG_INFINITY);
        // Everything else is unchanged.
        data.segments[0].length_m = 0.0;
        let mut read = read;
        read.segments[0].length_m = 0.0;
        assert_eq!(read, data);
    }

    #[test]
    fn non_finite_spellings_are_read() {
        let data = read_files(&[(
            SOURCES_CSV,
            "asset,point,capacity_kva\nA,P,nan\nB,P,Infinity\nC,P,-INF\n",
        )])
        .unwrap();
        let capacities: Vec<f64> = data.sources.iter().map(|s| s.capacity_kva).collect();
        assert!(capacities[0].is_nan());
        assert_eq!(capacities[1..], [f64::INFINITY, f64::NEG_INFINITY]);
    }

    #[test]
    fn empty_name_reads_back_as_none() {
        let mut data = NetworkData::default();
        data.points
            .push(point("P-1", PointKind::Pole, Some(""), true));
        let tables = write_csv_tables(&data).unwrap();
        let read = read_csv(readers(&tables)).unwrap();
        assert_eq!(read.points[0].name, None);
    }

    #[test]
    fn json_round_trip() {
        let data = sample();
        for pretty in [false, true] {
            let mut json = Vec::new();
            write_json(&data, &mut json, pretty).unwrap();
            let body = json.strip_suffix(b"\n").expect("a final line break");
            assert_eq!(body.contains(&b'\n'), pretty);
            assert_eq!(read_json(json.as_slice()).unwrap(), data);
        }
    }

    #[test]
    fn json_file_round_trip() {
        let dir = scratch_dir("json-file");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("network.json");
        let data = sample();
        write_json_file(&data, &path, true).unwrap();
        assert_eq!(read_json_file(&path).unwrap(), data);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn json_defaults_and_absent_arrays() {
        let json = r#"{"points":[{"asset":"P-1"}],
            "customers":[{"number":"C-1","point":"P-1","contracted_kva":8.0,"load_kw":2.5,
                          "contacts":[{"name":"Li","phone":"138"}]}]}"#;
        let data = read_json(json.as_bytes()).unwrap();
        assert_eq!(data.points, [point("P-1", PointKind::Junction, None, true)]);
        assert!(data.segments.is_empty() && data.switches.is_empty());
        assert_eq!(
            data.customers[0].contacts,
            [contact("Li", "138", ContactRole::Other, 1)]
        );
    }

    #[test]
    fn json_refuses_non_finite_numbers() {
        let mut data = sample();
        data.segments[1].length_m = f64::NAN;
        data.customers[2].contracted_kva = f64::NEG_INFINITY;
        let mut json = Vec::new();
        let Err(NetworkError::Invalid { problems }) = write_json(&data, &mut json, false) else {
            panic!("non-finite numbers were written");
        };
        assert!(json.is_empty());
        let found: Vec<_> = problems
            .0
            .iter()
            .map(|p| {
                (
                    p.record,
                    p.id.as_str(),
                    p.index,
                    p.field,
                    p.value.as_str(),
                    p.kind,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    RecordKind::Segment,
                    "L-2",
                    1,
                    "length_m",
                    "NaN",
                    ProblemKind::NotFinite
                ),
                (
                    RecordKind::Customer,
                    "0100012347",
                    2,
                    "contracted_kva",
                    "-inf",
                    ProblemKind::NotFinite
                ),
            ]
        );

        let dir = scratch_dir("json-non-finite");
        let path = dir.join("network.json");
        assert!(matches!(
            write_json_file(&data, &path, false),
            Err(NetworkError::Invalid { .. })
        ));
        assert!(!path.exists());
    }

    #[test]
    fn json_syntax_error_gives_line_and_column() {
        let json = "{\"points\": [\n  {\"asset\": \"P-1\",}\n]}";
        let (file, line, field, message) = parse_error(read_json(json.as_bytes()));
        assert_eq!((file.as_str(), line, field), ("<json>", 2, None));
        // The `}` after the trailing comma is the 19th character of line 2.
        assert!(message.starts_with("column 19: "), "{message}");
        assert!(!message.contains("at line"), "{message}");
    }

    #[test]
    fn json_type_error_gives_line() {
        let json = "{\"segments\": [\n{\"asset\": \"L-1\", \"from\": \"A\", \"to\": \"B\",\n \"length_m\": \"long\"}]}";
        let (file, line, _, message) = parse_error(read_json(json.as_bytes()));
        assert_eq!((file.as_str(), line), ("<json>", 3));
        assert!(
            message.contains("invalid type: string \"long\""),
            "{message}"
        );
    }

    #[test]
    fn json_file_errors_name_the_path() {
        let dir = scratch_dir("json-errors");
        let path = dir.join("network.json");
        let Err(NetworkError::Io {
            path: named,
            source,
        }) = read_json_file(&path)
        else {
            panic!("a missing file was read");
        };
        assert_eq!(named, path.display().to_string());
        assert_eq!(source.kind(), io::ErrorKind::NotFound);

        fs::create_dir_all(&dir).unwrap();
        fs::write(&path, "{\"points\": 7}").unwrap();
        let (file, line, _, _) = parse_error(read_json_file(&path));
        assert_eq!((file, line), (path.display().to_string(), 1));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn columns_may_come_in_any_order_with_unknown_columns() {
        let data = read_files(&[(
            SEGMENTS_CSV,
            "in_service,note,length_m,to,kind,from,asset,rated_current_a\n\
             false,ignored,12.5,B,cable,A,L-1,300\n",
        )])
        .unwrap();
        assert_eq!(
            data.segments,
            [SegmentRecord {
                asset: "L-1".to_owned(),
                from: "A".to_owned(),
                to: "B".to_owned(),
                kind: SegmentKind::Cable,
                length_m: 12.5,
                rated_current_a: Some(300.0),
                in_service: false,
            }]
        );
    }

    #[test]
    fn absent_columns_and_empty_cells_take_defaults() {
        let data = read_files(&[
            (POINTS_CSV, "asset,kind,name,in_service\nP-1,,,\n"),
            (
                SWITCHES_CSV,
                "asset,from,to,kind,protective\nS-1,A,B,fuse,yes\n",
            ),
            (
                TRANSFORMERS_CSV,
                "asset,from,to,rated_kva,model,year_in_service,usage,in_service\nT-1,A,B,400,,,,\n",
            ),
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P-1,8,2.5\n",
            ),
            (CONTACTS_CSV, "customer,name,phone\nC-1,Li,138\n"),
        ])
        .unwrap();
        assert_eq!(data.points, [point("P-1", PointKind::Junction, None, true)]);
        assert_eq!(
            data.switches,
            [SwitchRecord {
                asset: "S-1".to_owned(),
                from: "A".to_owned(),
                to: "B".to_owned(),
                kind: SwitchKind::Fuse,
                normally_open: false,
                protective: true,
                remote: false,
                in_service: true,
            }]
        );
        assert_eq!(
            data.transformers,
            [TransformerRecord {
                asset: "T-1".to_owned(),
                from: "A".to_owned(),
                to: "B".to_owned(),
                rated_kva: 400.0,
                model: String::new(),
                year_in_service: None,
                usage: TransformerUsage::Public,
                in_service: true,
            }]
        );
        assert_eq!(
            data.customers,
            [CustomerRecord {
                number: "C-1".to_owned(),
                name: None,
                point: "P-1".to_owned(),
                contracted_kva: 8.0,
                load_kw: 2.5,
                importance: Importance::Normal,
                contacts: vec![contact("Li", "138", ContactRole::Other, 1)],
            }]
        );
    }

    #[test]
    fn typed_cells_are_trimmed_and_text_is_not() {
        let data = read_files(&[(
            SEGMENTS_CSV,
            "asset,from,to,kind,length_m,in_service\n L-1 ,A,B, cable , 12.5 , no \n",
        )])
        .unwrap();
        let segment = &data.segments[0];
        assert_eq!(segment.asset, " L-1 ");
        assert_eq!(
            (segment.kind, segment.length_m, segment.in_service),
            (SegmentKind::Cable, 12.5, false)
        );
    }

    #[test]
    fn header_names_are_trimmed_and_a_byte_order_mark_skipped() {
        let data = read_files(&[(POINTS_CSV, "\u{feff} asset , kind \nP-1,pole\n")]).unwrap();
        assert_eq!(data.points, [point("P-1", PointKind::Pole, None, true)]);
    }

    #[test]
    fn boolean_spellings() {
        let data = read_files(&[(
            POINTS_CSV,
            "asset,in_service\nA,true\nB,FALSE\nC,Yes\nD,no\nE,1\nF,0\nG,True\nH,NO\n",
        )])
        .unwrap();
        let flags: Vec<bool> = data.points.iter().map(|p| p.in_service).collect();
        assert_eq!(flags, [true, false, true, false, true, false, true, false]);
    }

    #[test]
    fn wrong_boolean_is_an_error() {
        let result = read_files(&[(POINTS_CSV, "asset,in_service\nA,true\nB,maybe\n")]);
        let message = assert_parse_error(result, POINTS_CSV, 3, Some("in_service"));
        assert!(message.contains("\"maybe\""), "{message}");
    }

    #[test]
    fn missing_required_column_is_an_error_on_the_header() {
        let result = read_files(&[(SEGMENTS_CSV, "asset,from,to\nL-1,A,B\n")]);
        let message = assert_parse_error(result, SEGMENTS_CSV, 1, Some("length_m"));
        assert!(message.contains("required"), "{message}");

        // Even without data rows.
        let result = read_files(&[(SWITCHES_CSV, "asset,from,to,kind\n")]);
        assert_parse_error(result, SWITCHES_CSV, 1, Some("protective"));

        // An empty file has no columns at all.
        assert_parse_error(
            read_files(&[(POINTS_CSV, "")]),
            POINTS_CSV,
            1,
            Some("asset"),
        );
    }

    #[test]
    fn repeated_column_is_an_error() {
        let result = read_files(&[(POINTS_CSV, "asset,name,name\nP-1,a,b\n")]);
        assert_parse_error(result, POINTS_CSV, 1, Some("name"));
    }

    #[test]
    fn malformed_number_is_an_error() {
        let result = read_files(&[(
            SEGMENTS_CSV,
            "asset,from,to,length_m\nL-1,A,B,10\nL-2,A,B,ten\n",
        )]);
        let message = assert_parse_error(result, SEGMENTS_CSV, 3, Some("length_m"));
        assert_eq!(message, "\"ten\" is not a number");
    }

    #[test]
    fn unknown_enumeration_value_lists_the_accepted_names() {
        let result = read_files(&[(
            SEGMENTS_CSV,
            "asset,from,to,kind,length_m\nL-1,A,B,aerial,10\n",
        )]);
        let message = assert_parse_error(result, SEGMENTS_CSV, 2, Some("kind"));
        assert!(message.contains("aerial"), "{message}");
        assert!(
            message.contains("`overhead`") && message.contains("`cable`"),
            "{message}"
        );

        let result = read_files(&[
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
            ),
            (CONTACTS_CSV, "customer,name,phone,role\nC-1,Li,138,Boss\n"),
        ]);
        let message = assert_parse_error(result, CONTACTS_CSV, 2, Some("role"));
        assert!(message.contains("`legal_representative`"), "{message}");
    }

    #[test]
    fn empty_required_cell_is_an_error() {
        let result = read_files(&[(
            SWITCHES_CSV,
            "asset,from,to,kind,protective\nS-1,A,B,breaker,true\nS-2,A,B,,true\n",
        )]);
        let message = assert_parse_error(result, SWITCHES_CSV, 3, Some("kind"));
        assert!(message.contains("empty"), "{message}");

        let result = read_files(&[(
            CUSTOMERS_CSV,
            "number,point,contracted_kva,load_kw\nC-1,P,8, \n",
        )]);
        assert_parse_error(result, CUSTOMERS_CSV, 2, Some("load_kw"));
    }

    #[test]
    fn integer_out_of_range_is_an_error() {
        let result = read_files(&[
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
            ),
            (CONTACTS_CSV, "customer,name,phone,level\nC-1,Li,138,256\n"),
        ]);
        let message = assert_parse_error(result, CONTACTS_CSV, 2, Some("level"));
        assert_eq!(message, "\"256\" is not a whole number from 0 to 255");

        let result = read_files(&[(
            TRANSFORMERS_CSV,
            "asset,from,to,rated_kva,year_in_service\nT-1,A,B,400,2016.5\n",
        )]);
        assert_parse_error(result, TRANSFORMERS_CSV, 2, Some("year_in_service"));
    }

    #[test]
    fn ragged_rows_are_errors() {
        let short = read_files(&[(
            SOURCES_CSV,
            "asset,point,name,capacity_kva\nS-1,P,n,10\nS-2,P\n",
        )]);
        let message = assert_parse_error(short, SOURCES_CSV, 3, Some("name"));
        assert_eq!(message, "the row has 2 cells but the header has 4");

        let long = read_files(&[(SOURCES_CSV, "asset,point,capacity_kva\nS-1,P,10,extra\n")]);
        assert_parse_error(long, SOURCES_CSV, 2, None);
    }

    #[test]
    fn line_numbers_count_line_breaks_blank_lines_and_crlf() {
        // Line 1 header, lines 2-3 P-1 (a cell with a line break), line 4 blank, line 5 P-2.
        let text = "asset,name,in_service\nP-1,\"two\nlines\",true\n\nP-2,x,perhaps\n";
        let result = read_files(&[(POINTS_CSV, text)]);
        assert_parse_error(result, POINTS_CSV, 5, Some("in_service"));

        let text = "asset,name,in_service\r\nP-1,\"two\r\nlines\",true\r\n\r\nP-2,x,perhaps\r\n";
        let result = read_files(&[(POINTS_CSV, text)]);
        assert_parse_error(result, POINTS_CSV, 5, Some("in_service"));

        // Without a final line break.
        let result = read_files(&[(POINTS_CSV, "asset,in_service\r\nP-1,true\r\nP-2,perhaps")]);
        assert_parse_error(result, POINTS_CSV, 3, Some("in_service"));

        // Blank lines before the header: the header is on line 3.
        let result = read_files(&[(POINTS_CSV, "\n\nname\nx\n")]);
        assert_parse_error(result, POINTS_CSV, 3, Some("asset"));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let readers = CsvReaders {
            points: Some(&b"asset,name\r\nP-1,ok\r\nP-2,\xff\r\n"[..]),
            ..CsvReaders::default()
        };
        let message = assert_parse_error(read_csv(readers), POINTS_CSV, 3, Some("name"));
        assert!(message.contains("UTF-8"), "{message}");

        let readers = CsvReaders {
            points: Some(&b"asset,n\xe4me\nP-1,ok\n"[..]),
            ..CsvReaders::default()
        };
        assert_parse_error(read_csv(readers), POINTS_CSV, 1, None);
    }

    #[test]
    fn contacts_attach_to_their_customers_in_file_order() {
        let data = read_files(&[
            (
                CONTACTS_CSV,
                "customer,name,phone\nC-2,a,1\nC-1,b,2\nC-2,c,3\nC-1,d,4\n",
            ),
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P,8,2\nC-2,P,8,2\nC-3,P,8,2\n",
            ),
        ])
        .unwrap();
        let names: Vec<Vec<&str>> = data
            .customers
            .iter()
            .map(|c| c.contacts.iter().map(|k| k.name.as_str()).collect())
            .collect();
        assert_eq!(names, [vec!["b", "d"], vec!["a", "c"], vec![]]);
    }

    #[test]
    fn contacts_of_a_repeated_customer_number_go_to_the_first() {
        let data = read_files(&[
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P,8,2\nC-1,Q,9,3\n",
            ),
            (CONTACTS_CSV, "customer,name,phone\nC-1,a,1\n"),
        ])
        .unwrap();
        assert_eq!(data.customers[0].contacts.len(), 1);
        assert!(data.customers[1].contacts.is_empty());
    }

    #[test]
    fn contact_of_an_unknown_customer_is_an_error() {
        let result = read_files(&[
            (
                CUSTOMERS_CSV,
                "number,point,contracted_kva,load_kw\nC-1,P,8,2\n",
            ),
            (CONTACTS_CSV, "customer,name,phone\nC-1,a,1\nC-9,b,2\n"),
        ]);
        let message = assert_parse_error(result, CONTACTS_CSV, 3, Some("customer"));
        assert!(message.contains("\"C-9\""), "{message}");

        // Without customers.csv, every contact is of an unknown customer.
        let result = read_files(&[(CONTACTS_CSV, "customer,name,phone\nC-1,a,1\n")]);
        assert_parse_error(result, CONTACTS_CSV, 2, Some("customer"));
    }

    #[test]
    fn missing_optional_files_mean_no_records() {
        let data = read_files(&[(POINTS_CSV, "asset\nP-1\n")]).unwrap();
        assert_eq!(
            data,
            NetworkData {
                points: vec![point("P-1", PointKind::Junction, None, true)],
                ..NetworkData::default()
            }
        );

        let dir = scratch_dir("optional-files");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(POINTS_CSV), "asset\nP-1\n").unwrap();
        fs::write(
            dir.join(SOURCES_CSV),
            "asset,point,capacity_kva\nS-1,P-1,10\n",
        )
        .unwrap();
        let data = read_csv_dir(&dir).unwrap();
        assert_eq!((data.points.len(), data.sources.len()), (1, 1));
        assert!(data.segments.is_empty() && data.customers.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_points_file_is_an_io_error() {
        let Err(NetworkError::Io { path, source }) = read_csv(CsvReaders::<&[u8]>::default())
        else {
            panic!("read without points");
        };
        assert_eq!(path, POINTS_CSV);
        assert_eq!(source.kind(), io::ErrorKind::NotFound);

        let dir = scratch_dir("no-points");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(SEGMENTS_CSV), "asset,from,to,length_m\n").unwrap();
        let Err(NetworkError::Io { path, source }) = read_csv_dir(&dir) else {
            panic!("read without points");
        };
        assert_eq!(path, dir.join(POINTS_CSV).display().to_string());
        assert_eq!(source.kind(), io::ErrorKind::NotFound);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn folder_errors_name_the_file_path() {
        let dir = scratch_dir("parse-path");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(POINTS_CSV), "asset,kind\nP-1,tower\n").unwrap();
        let file = dir.join(POINTS_CSV).display().to_string();
        assert_parse_error(read_csv_dir(&dir), &file, 2, Some("kind"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
