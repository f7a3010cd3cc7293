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
        "{t:?} is not a timestamp (RFC 3339 or YYYY-MM-DD HH:MM[:SS])"
    ))
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "n" | "f" => Some(false),
        "true" | "1" | "yes" | "y" | "t" => Some(true),
        _ => None,
    }
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
    let perr = |line: u64, field: Option<&str>, message: String| ReliabilityError::Parse {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    };
    let headers = rdr
        .headers()
        .map_err(|e| perr(1, None, e.to_string()))?
        .clone();
    let mut col = [usize::MAX; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|c| *c == h) {
            Some(k) if col[k] == usize::MAX => col[k] = i,
            Some(_) => return Err(perr(1, Some(h), "column given twice".into())),
            None => {
                return Err(perr(
                    1,
                    Some(h),
                    format!("unknown column; expected some of {}", COLUMNS.join(", ")),
                ));
            }
        }
    }
    for required in ["id", "start", "end", "cause", "device", "feeder"] {
        if let Some(k) = COLUMNS.iter().position(|c| *c == required)
            && col[k] == usize::MAX
        {
            return Err(perr(1, Some(required), "required column missing".into()));
        }
    }
    if col[7] == usize::MAX && col[8] == usize::MAX {
        return Err(perr(
            1,
            Some("customers"),
            "one of customers_count or customers is required".into(),
        ));
    }
    let mut out = Vec::new();
    let mut row = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(perr(line, None, e.to_string())),
        }
        let get = |k: usize| -> &str {
            match col[k] {
                usize::MAX => "",
                i => row.get(i).unwrap_or(""),
            }
        };
        let ts = |k: usize| -> Result<Option<DateTime<FixedOffset>>, ReliabilityError> {
            let t = get(k);
            if t.is_empty() {
                return Ok(None);
            }
            parse_timestamp(t, zone)
                .map(Some)
                .map_err(|m| perr(line, Some(COLUMNS[k]), m))
        };
        let required_ts = |k: usize| -> Result<DateTime<FixedOffset>, ReliabilityError> {
            ts(k)?.ok_or_else(|| perr(line, Some(COLUMNS[k]), "is empty".into()))
        };
        let num = |k: usize| -> Result<f64, ReliabilityError> {
            let t = get(k);
            if t.is_empty() {
                return Ok(0.0);
            }
            t.parse::<f64>()
                .map_err(|_| perr(line, Some(COLUMNS[k]), format!("{t:?} is not a number")))
        };
        let count_text = get(7);
        let list_text = get(8);
        let customers = if !list_text.is_empty() || count_text.is_empty() {
            let list: Vec<String> = list_text
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if !count_text.is_empty() {
                let n: i64 = count_text.parse().map_err(|_| {
                    perr(
                        line,
                        Some("customers_count"),
                        format!("{count_text:?} is not an integer"),
                    )
                })?;
                if n != list.len() as i64 {
                    return Err(perr(
                        line,
                        Some("customers_count"),
                        format!("{n} differs from the {} customers listed", list.len()),
                    ));
                }
            }
            CustomersInterrupted::List(list)
        } else {
            let n: i64 = count_text.parse().map_err(|_| {
                perr(
                    line,
                    Some("customers_count"),
                    format!("{count_text:?} is not an integer"),
                )
            })?;
            let n = u64::try_from(n)
                .map_err(|_| perr(line, Some("customers_count"), format!("{n} is negative")))?;
            CustomersInterrupted::Count(n)
        };
        let planned = parse_bool(get(4)).ok_or_else(|| {
            perr(
                line,
                Some("planned"),
                format!("{:?} is not true/false", get(4)),
            )
        })?;
        let operations = match get(11) {
            "" => 1,
            t => {
                let n: i64 = t.parse().map_err(|_| {
                    perr(line, Some("operations"), format!("{t:?} is not an integer"))
                })?;
                u32::try_from(n).map_err(|_| {
                    perr(
                        line,
                        Some("operations"),
                        format!("{n} is negative or too large"),
                    )
                })?
            }
        };
        out.push(OutageRecord {
            id: get(0).to_owned(),
            start: required_ts(1)?,
            end: required_ts(2)?,
            cause: get(3).to_owned(),
            planned,
            device: get(5).to_owned(),
            feeder: get(6).to_owned(),
            customers,
            load_kva: num(9)?,
            load_kw: num(10)?,
            operations,
            reported: ts(12)?,
            dispatched: ts(13)?,
            arrived: ts(14)?,
            located: ts(15)?,
            restored: ts(16)?,
        });
    }
    Ok(out)
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
