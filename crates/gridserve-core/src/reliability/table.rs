//! The service base (customers and load served per feeder) and the columnar, validated form of
//! a set of outage records.

use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use super::error::{Problem, ProblemKind, Problems, ReliabilityError};
use super::record::{CustomersInterrupted, OutageRecord};

/// What one feeder serves: the denominators Nₜ and Lₜ of IEEE 1366 for that feeder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeederService {
    /// The feeder's key (as used by outage records).
    pub feeder: String,
    /// The substation the feeder leaves from (grouping key; may be empty).
    #[serde(default)]
    pub substation: String,
    /// Customers served (Nₜ of the feeder).
    pub customers: u64,
    /// Connected load served, kVA (Lₜ of the feeder; 0 if unknown, which leaves ASIFI and
    /// ASIDI undefined).
    #[serde(default)]
    pub load_kva: f64,
}

/// The customers and load served, feeder by feeder: the denominators of every index. The
/// system's Nₜ is the sum over the feeders, a substation's the sum over its feeders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<FeederService>", into = "Vec<FeederService>")]
pub struct ServiceBase {
    feeders: Vec<FeederService>,
    #[serde(skip)]
    index: HashMap<String, u32>,
    #[serde(skip)]
    substations: Vec<String>,
    #[serde(skip)]
    feeder_substation: Vec<u32>,
}

impl TryFrom<Vec<FeederService>> for ServiceBase {
    type Error = ReliabilityError;
    fn try_from(v: Vec<FeederService>) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<ServiceBase> for Vec<FeederService> {
    fn from(b: ServiceBase) -> Self {
        b.feeders
    }
}

impl ServiceBase {
    /// Validates the feeders: non-empty unique keys, finite non-negative load.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidRecords`] listing every problem (the record named is the
    /// feeder).
    pub fn new(feeders: Vec<FeederService>) -> Result<Self, ReliabilityError> {
        let mut problems = Vec::new();
        let mut index = HashMap::with_capacity(feeders.len());
        let mut substations: Vec<String> = Vec::new();
        let mut sub_index: HashMap<String, u32> = HashMap::new();
        let mut feeder_substation = Vec::with_capacity(feeders.len());
        if feeders.len() >= u32::MAX as usize {
            return Err(ReliabilityError::TooLarge {
                what: "feeders",
                count: feeders.len(),
                limit: u32::MAX as usize - 1,
            });
        }
        for (i, f) in feeders.iter().enumerate() {
            let mut bad = |field: &'static str, value: String, kind: ProblemKind| {
                problems.push(Problem {
                    record: f.feeder.clone(),
                    index: i,
                    field,
                    value,
                    kind,
                });
            };
            if f.feeder.is_empty() {
                bad("feeder", String::new(), ProblemKind::Empty);
            } else if index.insert(f.feeder.clone(), i as u32).is_some() {
                bad("feeder", f.feeder.clone(), ProblemKind::DuplicateId);
            }
            if !f.load_kva.is_finite() {
                bad("load_kva", f.load_kva.to_string(), ProblemKind::NotFinite);
            } else if f.load_kva < 0.0 {
                bad("load_kva", f.load_kva.to_string(), ProblemKind::Negative);
            }
            let s = match sub_index.get(&f.substation) {
                Some(&s) => s,
                None => {
                    let s = substations.len() as u32;
                    substations.push(f.substation.clone());
                    sub_index.insert(f.substation.clone(), s);
                    s
                }
            };
            feeder_substation.push(s);
        }
        if !problems.is_empty() {
            return Err(ReliabilityError::InvalidRecords {
                problems: Problems(problems),
            });
        }
        Ok(Self {
            feeders,
            index,
            substations,
            feeder_substation,
        })
    }

    /// The feeders, in the order given.
    #[must_use]
    pub fn feeders(&self) -> &[FeederService] {
        &self.feeders
    }

    /// The substations, in order of first appearance among the feeders.
    #[must_use]
    pub fn substations(&self) -> &[String] {
        &self.substations
    }

    /// Customers served by the whole system (Nₜ).
    #[must_use]
    pub fn customers(&self) -> u64 {
        self.feeders.iter().map(|f| f.customers).sum()
    }

    /// Connected load served by the whole system, kVA (Lₜ).
    #[must_use]
    pub fn load_kva(&self) -> f64 {
        self.feeders.iter().map(|f| f.load_kva).sum()
    }

    /// The position of a feeder.
    #[must_use]
    pub fn feeder_index(&self, feeder: &str) -> Option<usize> {
        self.index.get(feeder).map(|&i| i as usize)
    }

    pub(crate) fn substation_of(&self, feeder: u32) -> u32 {
        self.feeder_substation[feeder as usize]
    }
}

/// Outage records as columns, for callers that hold them that way (pandas, Arrow, a database
/// cursor). Row `i` is made of element `i` of every column; timestamps are milliseconds since
/// the Unix epoch (UTC).
///
/// Nulls and defaults: a `None` cell is a missing value, refused by name
/// ([`ProblemKind::Missing`]) except where a field says otherwise; a NaN load is refused as
/// [`ProblemKind::NotFinite`]. An optional column left empty takes the default of
/// [`OutageRecord::new`] for every row (no cause or device, not planned, load 0, one
/// operation), so that readers of frames need not restate the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageColumns {
    /// Record ids.
    pub id: Vec<String>,
    /// Start, ms since the epoch.
    pub start_ms: Vec<Option<i64>>,
    /// End, ms since the epoch.
    pub end_ms: Vec<Option<i64>>,
    /// Causes (empty: none for every row).
    #[serde(default)]
    pub cause: Vec<String>,
    /// Planned flags (empty: not planned for every row).
    #[serde(default)]
    pub planned: Vec<Option<bool>>,
    /// Interrupting devices, asset numbers (empty: none for every row).
    #[serde(default)]
    pub device: Vec<String>,
    /// Feeders.
    pub feeder: Vec<String>,
    /// Customers interrupted, as counts, checked against the list where a row has one (a
    /// count that differs is [`ProblemKind::CountMismatch`], as in the CSV reader). `None`
    /// takes the length of the row's list; without a list it is missing. Empty: every row
    /// takes its list's length.
    #[serde(default)]
    pub customers_count: Vec<Option<i64>>,
    /// Customer lists, compressed: row `i` lists `customer_numbers[list_offsets[i]..list_offsets[i + 1]]`.
    /// Empty `list_offsets` means no row has a list; otherwise it has one entry per row plus
    /// one, and `has_list[i]` says whether row `i` has a list (an empty list is a list).
    #[serde(default)]
    pub list_offsets: Vec<usize>,
    /// Whether each row has a customer list (empty: none has).
    #[serde(default)]
    pub has_list: Vec<bool>,
    /// The customer numbers of all lists, concatenated.
    #[serde(default)]
    pub customer_numbers: Vec<String>,
    /// Connected kVA interrupted (empty: 0 for every row).
    #[serde(default)]
    pub load_kva: Vec<f64>,
    /// Load interrupted, kW (empty: 0 for every row).
    #[serde(default)]
    pub load_kw: Vec<f64>,
    /// Device operations (empty: 1 each).
    #[serde(default)]
    pub operations: Vec<Option<i64>>,
    /// Stage timestamps, ms since the epoch, in the order reported, dispatched, arrived,
    /// located, restored (each column empty: unknown for every row; `None`: unknown).
    #[serde(default)]
    pub stages_ms: [Vec<Option<i64>>; 5],
}

/// A stage of the handling of an outage, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageTime {
    /// The outage was reported (报修).
    Reported = 0,
    /// A crew was dispatched (派单).
    Dispatched = 1,
    /// The crew arrived (到达现场).
    Arrived = 2,
    /// The fault was located (故障定位).
    Located = 3,
    /// Supply was restored (复电).
    Restored = 4,
}

impl StageTime {
    /// All stages in order.
    pub const ALL: [Self; 5] = [
        Self::Reported,
        Self::Dispatched,
        Self::Arrived,
        Self::Located,
        Self::Restored,
    ];

    /// The field name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Dispatched => "dispatched",
            Self::Arrived => "arrived",
            Self::Located => "located",
            Self::Restored => "restored",
        }
    }
}

pub(crate) const NO_TIME: i64 = i64::MIN;

/// A validated set of outage records in columnar form, with dense ids for feeders, causes,
/// devices and customers: the input of every index and statistic.
///
/// ```
/// use gridserve_core::reliability::{
///     CustomersInterrupted, FeederService, OutageRecord, OutageTable, ServiceBase,
///     CHINA_STANDARD_TIME,
/// };
/// use chrono::TimeZone;
/// let base = ServiceBase::new(vec![FeederService {
///     feeder: "F1".into(), substation: "S1".into(), customers: 100, load_kva: 1000.0,
/// }])?;
/// let t = |h| CHINA_STANDARD_TIME.with_ymd_and_hms(2024, 3, 1, h, 0, 0).unwrap();
/// let rec = OutageRecord::new("O1", t(8), t(10), "F1", CustomersInterrupted::Count(20));
/// let table = OutageTable::new(&[rec], base)?;
/// assert_eq!(table.len(), 1);
/// # Ok::<(), gridserve_core::reliability::ReliabilityError>(())
/// ```
#[derive(Debug, Clone)]
pub struct OutageTable {
    pub(crate) base: ServiceBase,
    id_buf: String,
    id_end: Vec<usize>,
    pub(crate) start_ms: Vec<i64>,
    pub(crate) end_ms: Vec<i64>,
    pub(crate) cause: Vec<u32>,
    pub(crate) causes: Vec<String>,
    pub(crate) device: Vec<u32>,
    pub(crate) devices: Vec<String>,
    pub(crate) feeder: Vec<u32>,
    pub(crate) planned: Vec<bool>,
    pub(crate) customers: Vec<u64>,
    pub(crate) list_start: Vec<usize>,
    pub(crate) list: Vec<u32>,
    pub(crate) has_list: Vec<bool>,
    pub(crate) customer_numbers: Vec<String>,
    pub(crate) load_kva: Vec<f64>,
    pub(crate) load_kw: Vec<f64>,
    pub(crate) operations: Vec<u32>,
    pub(crate) stages: [Vec<i64>; 5],
}

/// One input row, borrowed from records, columns or Arrow buffers.
pub(crate) struct RowIn<'a> {
    pub(crate) id: &'a str,
    pub(crate) start_ms: Option<i64>,
    pub(crate) end_ms: Option<i64>,
    pub(crate) cause: &'a str,
    pub(crate) planned: Option<bool>,
    pub(crate) device: &'a str,
    pub(crate) feeder: &'a str,
    /// `None`: the list's length, or missing without a list.
    pub(crate) count: Option<i64>,
    pub(crate) list: Option<&'a [String]>,
    pub(crate) load_kva: f64,
    pub(crate) load_kw: f64,
    pub(crate) operations: Option<i64>,
    pub(crate) stages: [i64; 5],
}

#[derive(Default)]
struct Interner {
    map: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn get(&mut self, s: &str) -> Result<u32, ReliabilityError> {
        if let Some(&i) = self.map.get(s) {
            return Ok(i);
        }
        let i = u32::try_from(self.names.len())
            .ok()
            .filter(|&i| i < u32::MAX)
            .ok_or(ReliabilityError::TooLarge {
                what: "distinct names",
                count: self.names.len(),
                limit: u32::MAX as usize - 1,
            })?;
        self.map.insert(s.to_owned(), i);
        self.names.push(s.to_owned());
        Ok(i)
    }
}

fn ms_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |d| d.to_rfc3339())
}

/// The rows whose (non-empty) id an earlier row has, in order. The ids are hashed in one pass
/// and the hashes sorted, so only rows of equal hash are compared: a few sequential passes
/// where a hash set of a million ids would miss the cache on every insert.
fn repeated_ids(buf: &str, end: &[usize]) -> Vec<usize> {
    let id = |i: usize| &buf[if i == 0 { 0 } else { end[i - 1] }..end[i]];
    use std::hash::BuildHasher;
    let hasher = hashbrown::DefaultHashBuilder::default();
    let mut keyed: Vec<(u64, u32)> = (0..end.len())
        .filter(|&i| !id(i).is_empty())
        .map(|i| (hasher.hash_one(id(i)), i as u32))
        .collect();
    keyed.sort_unstable();
    let mut out = Vec::new();
    let mut distinct: Vec<&str> = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // Rows of one hash, in order; nearly always one distinct id (else a collision).
        distinct.clear();
        for &(_, row) in group {
            let text = id(row as usize);
            if distinct.contains(&text) {
                out.push(row as usize);
            } else {
                distinct.push(text);
            }
        }
    }
    out.sort_unstable();
    out
}

impl OutageTable {
    /// Validates `records` against `base` and builds the table.
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidRecords`] listing every problem: empty or duplicate ids, end
    /// before start, an unknown feeder, more customers or kVA interrupted than the feeder
    /// serves, negative or non-finite loads, a customer listed twice, stage timestamps out of
    /// order. [`ReliabilityError::TooLarge`] beyond 2³² − 1 distinct customers, causes or
    /// devices.
    pub fn new(records: &[OutageRecord], base: ServiceBase) -> Result<Self, ReliabilityError> {
        let ms = |d: &Option<chrono::DateTime<chrono::FixedOffset>>| {
            d.map_or(NO_TIME, |d| d.timestamp_millis())
        };
        Self::build(
            base,
            records.len(),
            records.iter().map(|r| {
                let (count, list) = match &r.customers {
                    CustomersInterrupted::Count(n) => (i64::try_from(*n).unwrap_or(i64::MAX), None),
                    CustomersInterrupted::List(v) => (
                        i64::try_from(v.len()).unwrap_or(i64::MAX),
                        Some(v.as_slice()),
                    ),
                };
                Ok::<_, ReliabilityError>(RowIn {
                    id: &r.id,
                    start_ms: Some(r.start.timestamp_millis()),
                    end_ms: Some(r.end.timestamp_millis()),
                    cause: &r.cause,
                    planned: Some(r.planned),
                    device: &r.device,
                    feeder: &r.feeder,
                    count: Some(count),
                    list,
                    load_kva: r.load_kva,
                    load_kw: r.load_kw,
                    operations: Some(i64::from(r.operations)),
                    stages: [
                        ms(&r.reported),
                        ms(&r.dispatched),
                        ms(&r.arrived),
                        ms(&r.located),
                        ms(&r.restored),
                    ],
                })
            }),
        )
    }

    /// Validates columnar records against `base` and builds the table.
    ///
    /// # Errors
    /// [`ReliabilityError::ColumnLength`] if the columns differ in length (or the list offsets
    /// are not monotone within the customer numbers), otherwise as [`OutageTable::new`].
    pub fn from_columns(cols: &OutageColumns, base: ServiceBase) -> Result<Self, ReliabilityError> {
        let n = cols.id.len();
        let check = |column: &'static str, len: usize, expected: usize| {
            if len == expected {
                Ok(())
            } else {
                Err(ReliabilityError::ColumnLength {
                    column,
                    len,
                    expected,
                })
            }
        };
        check("start_ms", cols.start_ms.len(), n)?;
        check("end_ms", cols.end_ms.len(), n)?;
        check("feeder", cols.feeder.len(), n)?;
        // Optional columns: empty means the default for every row.
        for (column, len) in [
            ("cause", cols.cause.len()),
            ("planned", cols.planned.len()),
            ("device", cols.device.len()),
            ("customers_count", cols.customers_count.len()),
            ("load_kva", cols.load_kva.len()),
            ("load_kw", cols.load_kw.len()),
            ("operations", cols.operations.len()),
        ] {
            if len != 0 {
                check(column, len, n)?;
            }
        }
        for (k, s) in cols.stages_ms.iter().enumerate() {
            if !s.is_empty() {
                check(StageTime::ALL[k].as_str(), s.len(), n)?;
            }
        }
        let lists = !cols.list_offsets.is_empty();
        if lists {
            check("list_offsets", cols.list_offsets.len(), n + 1)?;
            check("has_list", cols.has_list.len(), n)?;
            let total = cols.customer_numbers.len();
            let ok = cols.list_offsets.first() == Some(&0)
                && cols.list_offsets.windows(2).all(|w| w[0] <= w[1])
                && cols.list_offsets.last() == Some(&total);
            if !ok {
                return Err(ReliabilityError::ColumnLength {
                    column: "list_offsets",
                    len: cols.list_offsets.last().copied().unwrap_or(0),
                    expected: total,
                });
            }
        }
        Self::build(
            base,
            n,
            (0..n).map(|i| {
                let list = (lists && cols.has_list[i]).then(|| {
                    &cols.customer_numbers[cols.list_offsets[i]..cols.list_offsets[i + 1]]
                });
                let stage = |k: usize| {
                    cols.stages_ms[k]
                        .get(i)
                        .copied()
                        .flatten()
                        .unwrap_or(NO_TIME)
                };
                let or = |c: &[f64]| c.get(i).copied().unwrap_or(0.0);
                Ok::<_, ReliabilityError>(RowIn {
                    id: &cols.id[i],
                    start_ms: cols.start_ms[i],
                    end_ms: cols.end_ms[i],
                    cause: cols.cause.get(i).map_or("", String::as_str),
                    planned: cols.planned.get(i).copied().unwrap_or(Some(false)),
                    device: cols.device.get(i).map_or("", String::as_str),
                    feeder: &cols.feeder[i],
                    count: cols.customers_count.get(i).copied().flatten(),
                    list,
                    load_kva: or(&cols.load_kva),
                    load_kw: or(&cols.load_kw),
                    operations: cols.operations.get(i).copied().unwrap_or(Some(1)),
                    stages: [stage(0), stage(1), stage(2), stage(3), stage(4)],
                })
            }),
        )
    }

    /// Validates `n` rows against `base` and builds the table. A row the iterator cannot give
    /// (`Err`) ends the build with that error.
    #[allow(clippy::too_many_lines)]
    pub(crate) fn build<'a, E: From<ReliabilityError>>(
        base: ServiceBase,
        n: usize,
        rows: impl Iterator<Item = Result<RowIn<'a>, E>>,
    ) -> Result<Self, E> {
        if n >= u32::MAX as usize {
            return Err(ReliabilityError::TooLarge {
                what: "records",
                count: n,
                limit: u32::MAX as usize - 1,
            }
            .into());
        }
        let mut t = Self {
            id_buf: String::new(),
            id_end: Vec::with_capacity(n),
            start_ms: Vec::with_capacity(n),
            end_ms: Vec::with_capacity(n),
            cause: Vec::with_capacity(n),
            causes: Vec::new(),
            device: Vec::with_capacity(n),
            devices: Vec::new(),
            feeder: Vec::with_capacity(n),
            planned: Vec::with_capacity(n),
            customers: Vec::with_capacity(n),
            list_start: Vec::with_capacity(n + 1),
            list: Vec::new(),
            has_list: Vec::with_capacity(n),
            customer_numbers: Vec::new(),
            load_kva: Vec::with_capacity(n),
            load_kw: Vec::with_capacity(n),
            operations: Vec::with_capacity(n),
            stages: std::array::from_fn(|_| Vec::with_capacity(n)),
            base,
        };
        t.list_start.push(0);
        let mut causes = Interner::default();
        let mut devices = Interner::default();
        let mut customers = Interner::default();
        // Stamp of the last row that listed each customer (to find duplicates in one list).
        let mut seen: Vec<u32> = Vec::new();
        let mut problems = Vec::new();
        for (i, r) in rows.enumerate() {
            let r = r?;
            let mut bad = |field: &'static str, value: String, kind: ProblemKind| {
                problems.push(Problem {
                    record: r.id.to_owned(),
                    index: i,
                    field,
                    value,
                    kind,
                });
            };
            // A repeated id is found once every id is known (see `repeated_ids`).
            if r.id.is_empty() {
                bad("id", String::new(), ProblemKind::Empty);
            }
            let mut time = |field: &'static str, v: Option<i64>| match v {
                None => {
                    bad(field, String::new(), ProblemKind::Missing);
                    None
                }
                Some(ms) if chrono::DateTime::from_timestamp_millis(ms).is_none() => {
                    bad(field, ms.to_string(), ProblemKind::Malformed);
                    None
                }
                Some(ms) => Some(ms),
            };
            let (start_ms, end_ms) = (time("start", r.start_ms), time("end", r.end_ms));
            if let (Some(s), Some(e)) = (start_ms, end_ms)
                && e < s
            {
                bad("end", ms_text(e), ProblemKind::EndBeforeStart);
            }
            let planned = r.planned.unwrap_or_else(|| {
                bad("planned", String::new(), ProblemKind::Missing);
                false
            });
            let feeder = t.base.feeder_index(r.feeder);
            let served = feeder.map(|f| &t.base.feeders[f]);
            if r.feeder.is_empty() {
                bad("feeder", String::new(), ProblemKind::Empty);
            } else if feeder.is_none() {
                bad("feeder", r.feeder.to_owned(), ProblemKind::UnknownFeeder);
            }
            let count = match (r.count, r.list) {
                (Some(c), _) => c,
                (None, Some(list)) => i64::try_from(list.len()).unwrap_or(i64::MAX),
                (None, None) => {
                    bad("customers_count", String::new(), ProblemKind::Missing);
                    0
                }
            };
            if count < 0 {
                bad("customers", count.to_string(), ProblemKind::Negative);
            } else if let Some(s) = served
                && count as u64 > s.customers
            {
                bad("customers", count.to_string(), ProblemKind::MoreThanServed);
            }
            if let Some(list) = r.list
                && list.len() as i64 != count
            {
                bad(
                    "customers_count",
                    count.to_string(),
                    ProblemKind::CountMismatch,
                );
            }
            for (field, v) in [("load_kva", r.load_kva), ("load_kw", r.load_kw)] {
                if !v.is_finite() {
                    bad(field, v.to_string(), ProblemKind::NotFinite);
                } else if v < 0.0 {
                    bad(field, v.to_string(), ProblemKind::Negative);
                }
            }
            if let Some(s) = served
                && s.load_kva > 0.0
                && r.load_kva.is_finite()
                && r.load_kva > s.load_kva * (1.0 + 1e-9)
            {
                bad(
                    "load_kva",
                    r.load_kva.to_string(),
                    ProblemKind::MoreThanServed,
                );
            }
            let operations = match r.operations.map(u32::try_from) {
                Some(Ok(o)) => o,
                Some(Err(_)) => {
                    bad(
                        "operations",
                        r.operations.unwrap_or_default().to_string(),
                        ProblemKind::Negative,
                    );
                    0
                }
                None => {
                    bad("operations", String::new(), ProblemKind::Missing);
                    0
                }
            };
            let mut last = NO_TIME;
            for (k, &s) in r.stages.iter().enumerate() {
                if s == NO_TIME {
                    continue;
                }
                if s < last {
                    bad(
                        StageTime::ALL[k].as_str(),
                        ms_text(s),
                        ProblemKind::StageOutOfOrder,
                    );
                }
                last = s;
            }
            if let Some(list) = r.list {
                for c in list {
                    if c.is_empty() {
                        bad("customers", String::new(), ProblemKind::Empty);
                        continue;
                    }
                    let id = customers.get(c)?;
                    if id as usize >= seen.len() {
                        seen.resize(id as usize + 1, u32::MAX);
                    }
                    if seen[id as usize] == i as u32 {
                        bad("customers", c.clone(), ProblemKind::DuplicateCustomer);
                        continue;
                    }
                    seen[id as usize] = i as u32;
                    t.list.push(id);
                }
            }
            t.id_buf.push_str(r.id);
            t.id_end.push(t.id_buf.len());
            t.start_ms.push(start_ms.unwrap_or(0));
            t.end_ms.push(end_ms.unwrap_or(0));
            t.cause.push(causes.get(r.cause)?);
            t.device.push(devices.get(r.device)?);
            t.feeder.push(feeder.unwrap_or(0) as u32);
            t.planned.push(planned);
            t.customers.push(u64::try_from(count).unwrap_or(0));
            t.list_start.push(t.list.len());
            t.has_list.push(r.list.is_some());
            t.load_kva.push(r.load_kva);
            t.load_kw.push(r.load_kw);
            t.operations.push(operations);
            for (col, &s) in t.stages.iter_mut().zip(&r.stages) {
                col.push(s);
            }
        }
        let repeated = repeated_ids(&t.id_buf, &t.id_end);
        if !problems.is_empty() || !repeated.is_empty() {
            // Each row's repeated id goes before the row's other problems (the only check
            // made before it, an empty id, excludes it).
            let mut merged = Vec::with_capacity(problems.len() + repeated.len());
            let mut rest = problems.into_iter().peekable();
            for row in repeated {
                while let Some(p) = rest.next_if(|p| p.index < row) {
                    merged.push(p);
                }
                let id = t.id(row).unwrap_or_default().to_owned();
                merged.push(Problem {
                    record: id.clone(),
                    index: row,
                    field: "id",
                    value: id,
                    kind: ProblemKind::DuplicateId,
                });
            }
            merged.extend(rest);
            return Err(ReliabilityError::InvalidRecords {
                problems: Problems(merged),
            }
            .into());
        }
        t.causes = causes.names;
        t.devices = devices.names;
        t.customer_numbers = customers.names;
        Ok(t)
    }

    /// The number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.start_ms.len()
    }

    /// Whether there are no records.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start_ms.is_empty()
    }

    /// The service base the records were validated against.
    #[must_use]
    pub fn base(&self) -> &ServiceBase {
        &self.base
    }

    /// The id of record `row` (`None` past the end).
    #[must_use]
    pub fn id(&self, row: usize) -> Option<&str> {
        let end = *self.id_end.get(row)?;
        let start = if row == 0 { 0 } else { self.id_end[row - 1] };
        self.id_buf.get(start..end)
    }

    pub(crate) fn id_of(&self, row: usize) -> String {
        self.id(row).unwrap_or_default().to_owned()
    }

    /// The distinct causes, by dense id.
    #[must_use]
    pub fn causes(&self) -> &[String] {
        &self.causes
    }

    /// The distinct devices, by dense id.
    #[must_use]
    pub fn devices(&self) -> &[String] {
        &self.devices
    }

    /// The distinct customers of the lists, by dense id.
    #[must_use]
    pub fn customer_numbers(&self) -> &[String] {
        &self.customer_numbers
    }

    /// The duration of record `row` in milliseconds.
    pub(crate) fn duration_ms(&self, row: usize) -> i64 {
        self.end_ms[row] - self.start_ms[row]
    }

    /// The customer list of record `row` (empty if it has none).
    pub(crate) fn list_of(&self, row: usize) -> &[u32] {
        &self.list[self.list_start[row]..self.list_start[row + 1]]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::TimeZone;

    use super::*;
    use crate::reliability::CHINA_STANDARD_TIME;
    use crate::rng::Rng;

    /// Repeated ids are found by sorting hashes; the problems must be those of a plain scan
    /// with a set of the ids seen (a repeat on every later row, before that row's other
    /// problems), on records with many repeats and other problems mixed in.
    #[test]
    fn repeated_ids_are_reported_as_a_scan_in_order_would() {
        let base = ServiceBase::new(vec![FeederService {
            feeder: "F1".into(),
            substation: String::new(),
            customers: 100,
            load_kva: 0.0,
        }])
        .expect("valid");
        let at = |m: i64| {
            CHINA_STANDARD_TIME
                .timestamp_millis_opt(1_700_000_000_000 + m * 60_000)
                .unwrap()
        };
        let mut rng = Rng::new(5);
        for _ in 0..200 {
            let n = rng.between(1, 300);
            let kinds = 1 + rng.below(n as u64) as usize;
            let records: Vec<OutageRecord> = (0..n)
                .map(|_| {
                    let id = if rng.chance(0.05) {
                        String::new()
                    } else {
                        format!("O{}", rng.below(kinds as u64))
                    };
                    let end = if rng.chance(0.1) { -5 } else { 30 };
                    let count = if rng.chance(0.1) { 500 } else { 3 };
                    OutageRecord::new(id, at(0), at(end), "F1", CustomersInterrupted::Count(count))
                })
                .collect();
            // The reference: one scan, a set of the ids seen, every check of a row in turn.
            let mut seen = HashSet::new();
            let mut expected = Vec::new();
            for (i, r) in records.iter().enumerate() {
                if r.id.is_empty() {
                    expected.push((i, "id", ProblemKind::Empty));
                } else if !seen.insert(r.id.clone()) {
                    expected.push((i, "id", ProblemKind::DuplicateId));
                }
                if r.end < r.start {
                    expected.push((i, "end", ProblemKind::EndBeforeStart));
                }
                if r.customers.count() > 100 {
                    expected.push((i, "customers", ProblemKind::MoreThanServed));
                }
            }
            match OutageTable::new(&records, base.clone()) {
                Ok(t) => {
                    assert!(expected.is_empty(), "{expected:?}");
                    assert_eq!(t.len(), n);
                }
                Err(ReliabilityError::InvalidRecords { problems }) => {
                    let got: Vec<_> = problems
                        .0
                        .iter()
                        .map(|p| (p.index, p.field, p.kind))
                        .collect();
                    assert_eq!(got, expected);
                    for p in &problems.0 {
                        assert_eq!(p.record, records[p.index].id);
                    }
                }
                Err(other) => panic!("{other:?}"),
            }
        }
    }
}
