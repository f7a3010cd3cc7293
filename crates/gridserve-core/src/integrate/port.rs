//! The data-source port: how a host pulls each source table from its own systems, as a full
//! snapshot or as the changes since a watermark, and [`FileSource`], the shipped
//! implementation over a folder of CSV or Parquet extracts.
//!
//! The trait lives here rather than in [`crate::ports`] because it speaks in the records of
//! [`super::records`]: `ports` sits below every domain module and may not name them.
//!
//! # What "changes" means
//!
//! A [`TableChanges`] holds the records *upserted* since the watermark (inserted or replaced,
//! matched by their change key) and the change keys *deleted*. The change key of a record is
//! ([`change_key`]):
//!
//! | table | key |
//! |---|---|
//! | `pms_equipment`, `gis_connectivity` | the asset number |
//! | `sg186_customers` | the customer number |
//! | `sg186_contacts` | the customer number: an upsert carries *all* of that customer's contacts and replaces them; a deletion removes them all |
//! | `sg186_meters` | the meter number |
//! | `ami_events` | `{meter}@{time, RFC 3339}` |
//! | `da_events` | `{asset}#{seq}` |
//!
//! Keys are compared as the records hold them (normalised when the reader normalises keys).
//! A source that cannot compute a delta answers with the whole table and `full: true`; the
//! refresh then replaces the table instead of merging.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use hashbrown::{HashMap, HashSet};
use serde::{Deserialize, Serialize};

use super::IntegrateError;
use super::finding::Finding;
use super::fuse::integrate;
use super::fused::{IntegrateOptions, Integrated};
use super::read::{ReadOptions, read_csv_table, read_table_file};
use super::records::{
    AmiEvent, DaEvent, GisDevice, PmsEquipment, Sg186Contact, Sg186Customer, Sg186Meter, Sources,
};
use super::write::file_name;
use crate::error_info::excerpt;

/// A source table, as the port names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceTable {
    /// `pms_equipment`.
    PmsEquipment,
    /// `gis_connectivity`.
    GisConnectivity,
    /// `sg186_customers`.
    Sg186Customers,
    /// `sg186_contacts`.
    Sg186Contacts,
    /// `sg186_meters`.
    Sg186Meters,
    /// `ami_events`.
    AmiEvents,
    /// `da_events`.
    DaEvents,
}

impl SourceTable {
    /// Every table, in the order of source-systems.md §2 (the order they are pulled in).
    pub const ALL: [Self; 7] = [
        Self::PmsEquipment,
        Self::GisConnectivity,
        Self::Sg186Customers,
        Self::Sg186Contacts,
        Self::Sg186Meters,
        Self::AmiEvents,
        Self::DaEvents,
    ];

    /// The table's name (`pms_equipment`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::PmsEquipment => "pms_equipment",
            Self::GisConnectivity => "gis_connectivity",
            Self::Sg186Customers => "sg186_customers",
            Self::Sg186Contacts => "sg186_contacts",
            Self::Sg186Meters => "sg186_meters",
            Self::AmiEvents => "ami_events",
            Self::DaEvents => "da_events",
        }
    }

    /// The table of a name, if it is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The records of one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "table", content = "rows", rename_all = "snake_case")]
pub enum TableRows {
    /// `pms_equipment`.
    PmsEquipment(Vec<PmsEquipment>),
    /// `gis_connectivity`.
    GisConnectivity(Vec<GisDevice>),
    /// `sg186_customers`.
    Sg186Customers(Vec<Sg186Customer>),
    /// `sg186_contacts`.
    Sg186Contacts(Vec<Sg186Contact>),
    /// `sg186_meters`.
    Sg186Meters(Vec<Sg186Meter>),
    /// `ami_events`.
    AmiEvents(Vec<AmiEvent>),
    /// `da_events`.
    DaEvents(Vec<DaEvent>),
}

impl TableRows {
    /// No records of `table`.
    #[must_use]
    pub fn empty(table: SourceTable) -> Self {
        match table {
            SourceTable::PmsEquipment => Self::PmsEquipment(Vec::new()),
            SourceTable::GisConnectivity => Self::GisConnectivity(Vec::new()),
            SourceTable::Sg186Customers => Self::Sg186Customers(Vec::new()),
            SourceTable::Sg186Contacts => Self::Sg186Contacts(Vec::new()),
            SourceTable::Sg186Meters => Self::Sg186Meters(Vec::new()),
            SourceTable::AmiEvents => Self::AmiEvents(Vec::new()),
            SourceTable::DaEvents => Self::DaEvents(Vec::new()),
        }
    }

    /// The table `sources` holds for `table`, taken out of it.
    #[must_use]
    pub fn take(sources: &mut Sources, table: SourceTable) -> Self {
        use std::mem::take;
        match table {
            SourceTable::PmsEquipment => Self::PmsEquipment(take(&mut sources.pms)),
            SourceTable::GisConnectivity => Self::GisConnectivity(take(&mut sources.gis)),
            SourceTable::Sg186Customers => Self::Sg186Customers(take(&mut sources.customers)),
            SourceTable::Sg186Contacts => Self::Sg186Contacts(take(&mut sources.contacts)),
            SourceTable::Sg186Meters => Self::Sg186Meters(take(&mut sources.meters)),
            SourceTable::AmiEvents => Self::AmiEvents(take(&mut sources.ami_events)),
            SourceTable::DaEvents => Self::DaEvents(take(&mut sources.da_events)),
        }
    }

    /// The table these records belong to.
    #[must_use]
    pub fn table(&self) -> SourceTable {
        match self {
            Self::PmsEquipment(_) => SourceTable::PmsEquipment,
            Self::GisConnectivity(_) => SourceTable::GisConnectivity,
            Self::Sg186Customers(_) => SourceTable::Sg186Customers,
            Self::Sg186Contacts(_) => SourceTable::Sg186Contacts,
            Self::Sg186Meters(_) => SourceTable::Sg186Meters,
            Self::AmiEvents(_) => SourceTable::AmiEvents,
            Self::DaEvents(_) => SourceTable::DaEvents,
        }
    }

    /// The number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::PmsEquipment(r) => r.len(),
            Self::GisConnectivity(r) => r.len(),
            Self::Sg186Customers(r) => r.len(),
            Self::Sg186Contacts(r) => r.len(),
            Self::Sg186Meters(r) => r.len(),
            Self::AmiEvents(r) => r.len(),
            Self::DaEvents(r) => r.len(),
        }
    }

    /// Whether there is no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The change keys of the records, in order (see [`change_key`]).
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        fn keys<T: Keyed>(rows: &[T]) -> Vec<String> {
            rows.iter().map(|r| r.change_key().into_owned()).collect()
        }
        match self {
            Self::PmsEquipment(r) => keys(r),
            Self::GisConnectivity(r) => keys(r),
            Self::Sg186Customers(r) => keys(r),
            Self::Sg186Contacts(r) => keys(r),
            Self::Sg186Meters(r) => keys(r),
            Self::AmiEvents(r) => keys(r),
            Self::DaEvents(r) => keys(r),
        }
    }
}

/// Where a source stands: returned with every pull and handed back to ask for what changed
/// since. Opaque to gridserve (compared only by the source that made it) and serde, so a host
/// stores it with a snapshot and resumes after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Watermark {
    /// A sequence number (a change-log position, a row version).
    Sequence(u64),
    /// A time (the newest `changed_at` seen).
    Time(DateTime<FixedOffset>),
    /// Anything else, as text (the file source's content fingerprint).
    Text(String),
}

/// A full snapshot of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TablePull {
    /// Every record of the table.
    pub rows: TableRows,
    /// Findings of reading (normalised keys and vocabulary).
    pub findings: Vec<Finding>,
    /// Where the source stands after this pull.
    pub watermark: Watermark,
}

/// What changed in one table since a watermark.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChanges {
    /// Records inserted or replaced since the watermark (all of them when `full`).
    pub upserted: TableRows,
    /// Change keys of the records deleted since the watermark (ignored when `full`).
    pub deleted: Vec<String>,
    /// The source could not tell what changed: `upserted` is the whole table and replaces it.
    pub full: bool,
    /// Findings of reading the upserted records.
    pub findings: Vec<Finding>,
    /// Where the source stands after this pull.
    pub watermark: Watermark,
}

/// A host's adapter to its own systems: each source table as a full snapshot, or as the
/// changes since a watermark the source gave with an earlier pull. Synchronous, like the
/// other ports; a host running an async runtime calls it from a blocking task.
///
/// An error names the table: a host returns [`IntegrateError::Source`] (see
/// [`IntegrateError::source`]); a reader's [`IntegrateError::Table`] names the file, line and
/// column.
pub trait DataSource {
    /// Every record of `table`.
    ///
    /// # Errors
    /// Whatever keeps the source from answering.
    fn snapshot(&mut self, table: SourceTable) -> Result<TablePull, IntegrateError>;

    /// The records of `table` changed since `since`.
    ///
    /// # Errors
    /// Whatever keeps the source from answering; a watermark it did not make.
    fn changes_since(
        &mut self,
        table: SourceTable,
        since: &Watermark,
    ) -> Result<TableChanges, IntegrateError>;
}

/// The change key of a record (see the [module](self) documentation).
pub trait Keyed {
    /// The key upserts and deletions match on.
    fn change_key(&self) -> Cow<'_, str>;
}

impl Keyed for PmsEquipment {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.asset)
    }
}
impl Keyed for GisDevice {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.asset)
    }
}
impl Keyed for Sg186Customer {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.customer)
    }
}
impl Keyed for Sg186Contact {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.customer)
    }
}
impl Keyed for Sg186Meter {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.meter)
    }
}
impl Keyed for AmiEvent {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}@{}", self.meter, self.time.to_rfc3339()))
    }
}
impl Keyed for DaEvent {
    fn change_key(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}#{}", self.asset, self.seq))
    }
}

/// The change key of a record.
#[must_use]
pub fn change_key<T: Keyed>(record: &T) -> Cow<'_, str> {
    record.change_key()
}

/// The sources as pulled through a [`DataSource`]: the records, the findings of reading by
/// table, and the watermark of each table for the next [`refresh`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pulled {
    /// The records.
    pub sources: Sources,
    /// Findings of reading, by table.
    pub findings: BTreeMap<SourceTable, Vec<Finding>>,
    /// Where each source stood at its last pull.
    pub watermarks: BTreeMap<SourceTable, Watermark>,
}

impl Pulled {
    /// The findings of reading, in table order (what [`integrate()`] takes).
    #[must_use]
    pub fn read_findings(&self) -> Vec<Finding> {
        self.findings.values().flatten().cloned().collect()
    }

    /// Fuses what was pulled.
    ///
    /// # Errors
    /// As [`integrate()`].
    pub fn integrate(&self, options: &IntegrateOptions) -> Result<Integrated, IntegrateError> {
        integrate(&self.sources, self.read_findings(), options)
    }

    fn put(&mut self, rows: TableRows) {
        let s = &mut self.sources;
        match rows {
            TableRows::PmsEquipment(r) => s.pms = r,
            TableRows::GisConnectivity(r) => s.gis = r,
            TableRows::Sg186Customers(r) => s.customers = r,
            TableRows::Sg186Contacts(r) => s.contacts = r,
            TableRows::Sg186Meters(r) => s.meters = r,
            TableRows::AmiEvents(r) => s.ami_events = r,
            TableRows::DaEvents(r) => s.da_events = r,
        }
    }

    fn merge(&mut self, rows: TableRows, deleted: &[String]) {
        let s = &mut self.sources;
        match rows {
            TableRows::PmsEquipment(r) => merge(&mut s.pms, r, deleted),
            TableRows::GisConnectivity(r) => merge(&mut s.gis, r, deleted),
            TableRows::Sg186Customers(r) => merge(&mut s.customers, r, deleted),
            TableRows::Sg186Contacts(r) => merge(&mut s.contacts, r, deleted),
            TableRows::Sg186Meters(r) => merge(&mut s.meters, r, deleted),
            TableRows::AmiEvents(r) => merge(&mut s.ami_events, r, deleted),
            TableRows::DaEvents(r) => merge(&mut s.da_events, r, deleted),
        }
    }
}

/// Applies upserts and deletions to one table. An upserted key takes the place of the first
/// record with that key (every record with that key is replaced by the upserted group, in the
/// order given); new keys go to the end; deleted keys are removed.
fn merge<T: Keyed>(rows: &mut Vec<T>, upserted: Vec<T>, deleted: &[String]) {
    let mut groups: HashMap<String, Vec<T>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for r in upserted {
        let key = r.change_key().into_owned();
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(r);
    }
    let deleted: HashSet<&str> = deleted.iter().map(String::as_str).collect();
    let old = std::mem::take(rows);
    let mut placed: HashSet<String> = HashSet::new();
    for r in old {
        let key = r.change_key();
        if let Some(group) = groups.get_mut(key.as_ref()) {
            if placed.insert(key.clone().into_owned()) {
                rows.append(group);
            }
            continue;
        }
        if deleted.contains(key.as_ref()) {
            continue;
        }
        rows.push(r);
    }
    for key in order {
        if let Some(group) = groups.get_mut(&key) {
            rows.append(group);
        }
    }
}

/// What a [`refresh`] did to one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TableRefresh {
    /// Records upserted (the whole table when `full`).
    pub upserted: usize,
    /// Deletion keys applied.
    pub deleted: usize,
    /// The table was replaced whole (the source could not give a delta, or had no watermark).
    pub full: bool,
}

/// Pulls a full snapshot of every table through `source`.
///
/// # Errors
/// The first error of the source, naming its table ([`IntegrateError::Source`] errors get
/// the table filled in when the source left it empty).
pub fn pull(source: &mut dyn DataSource) -> Result<Pulled, IntegrateError> {
    let mut out = Pulled::default();
    for table in SourceTable::ALL {
        let p = source.snapshot(table).map_err(|e| name_table(e, table))?;
        check_table(table, &p.rows)?;
        out.put(p.rows);
        out.findings.insert(table, p.findings);
        out.watermarks.insert(table, p.watermark);
    }
    Ok(out)
}

/// Pulls the changes of every table since its watermark and applies them to `pulled`. Every
/// table is asked first and the changes applied only when all answered, so an error leaves
/// `pulled` as it was. A table without a watermark is pulled whole.
///
/// Findings of reading: a full table replaces its findings; a delta drops the findings of
/// the keys it touches and adds its own.
///
/// # Errors
/// As [`pull`].
pub fn refresh(
    source: &mut dyn DataSource,
    pulled: &mut Pulled,
) -> Result<BTreeMap<SourceTable, TableRefresh>, IntegrateError> {
    let mut answers = Vec::with_capacity(SourceTable::ALL.len());
    for table in SourceTable::ALL {
        let changes = match pulled.watermarks.get(&table) {
            Some(w) => source.changes_since(table, w),
            None => source.snapshot(table).map(|p| TableChanges {
                upserted: p.rows,
                deleted: Vec::new(),
                full: true,
                findings: p.findings,
                watermark: p.watermark,
            }),
        }
        .map_err(|e| name_table(e, table))?;
        check_table(table, &changes.upserted)?;
        answers.push((table, changes));
    }
    let mut report = BTreeMap::new();
    for (table, c) in answers {
        let entry = TableRefresh {
            upserted: c.upserted.len(),
            deleted: if c.full { 0 } else { c.deleted.len() },
            full: c.full,
        };
        let findings = pulled.findings.entry(table).or_default();
        if c.full {
            *findings = c.findings;
            pulled.put(c.upserted);
        } else {
            let touched: HashSet<String> = c
                .upserted
                .keys()
                .into_iter()
                .chain(c.deleted.iter().cloned())
                .collect();
            findings.retain(|f| !touched.contains(&f.record));
            findings.extend(c.findings);
            pulled.merge(c.upserted, &c.deleted);
        }
        pulled.watermarks.insert(table, c.watermark);
        report.insert(table, entry);
    }
    Ok(report)
}

/// Pulls every table through `source` and fuses them: the one way in for a host's adapter
/// and for the file readers ([`FileSource`]). Keep the [`Pulled`] for the next [`refresh`].
///
/// # Errors
/// As [`pull`] and [`integrate()`].
pub fn integrate_source(
    source: &mut dyn DataSource,
    options: &IntegrateOptions,
) -> Result<(Pulled, Integrated), IntegrateError> {
    options.validate()?;
    let pulled = pull(source)?;
    let fused = pulled.integrate(options)?;
    Ok((pulled, fused))
}

fn name_table(e: IntegrateError, table: SourceTable) -> IntegrateError {
    match e {
        IntegrateError::Source { table: t, message } if t.is_empty() => IntegrateError::Source {
            table: table.name().to_owned(),
            message,
        },
        other => other,
    }
}

fn check_table(table: SourceTable, rows: &TableRows) -> Result<(), IntegrateError> {
    if rows.table() == table {
        return Ok(());
    }
    Err(IntegrateError::Source {
        table: table.name().to_owned(),
        message: format!(
            "the source answered with records of {}",
            rows.table().name()
        ),
    })
}

/// The shipped [`DataSource`]: a folder of extracts, one file per table named
/// `{table}.csv` or `{table}.parquet` (the `parquet` feature), read with the column mapping
/// and conventions of its [`ReadOptions`]. A table without a file is empty.
///
/// Files cannot say which rows changed (the default layouts have no change column), so the
/// file source does not pretend to deltas: its watermark is a fingerprint of the file's
/// content (its name, length and CRC-32), and [`changes_since`](DataSource::changes_since)
/// answers nothing when the fingerprint is the one given, and the whole table flagged `full`
/// when it is not.
#[derive(Debug, Clone)]
pub struct FileSource {
    dir: PathBuf,
    options: ReadOptions,
}

impl FileSource {
    /// A file source over the extracts in `dir`.
    ///
    /// # Errors
    /// [`IntegrateError::Mapping`] for a column mapping that names an unknown table or
    /// column.
    pub fn new(dir: impl Into<PathBuf>, options: ReadOptions) -> Result<Self, IntegrateError> {
        options.mapping.validate()?;
        Ok(Self {
            dir: dir.into(),
            options,
        })
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `table`, if there is one.
    fn file(&self, table: SourceTable) -> Result<Option<PathBuf>, IntegrateError> {
        let csv = self.dir.join(file_name(table.name(), false));
        let parquet = self.dir.join(file_name(table.name(), true));
        match (csv.is_file(), parquet.is_file()) {
            (true, true) => Err(IntegrateError::Source {
                table: table.name().to_owned(),
                message: format!(
                    "both {} and {} are in {}; keep one",
                    file_name(table.name(), false),
                    file_name(table.name(), true),
                    self.dir.display()
                ),
            }),
            (true, false) => Ok(Some(csv)),
            (false, true) => Ok(Some(parquet)),
            (false, false) => Ok(None),
        }
    }

    fn read(&self, table: SourceTable) -> Result<TablePull, IntegrateError> {
        let Some(path) = self.file(table)? else {
            return Ok(TablePull {
                rows: TableRows::empty(table),
                findings: Vec::new(),
                watermark: Watermark::Text("absent".to_owned()),
            });
        };
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| {
            IntegrateError::Table(crate::table::TableError::Io {
                path: shown.clone(),
                message: e.to_string(),
            })
        })?;
        let watermark = fingerprint(&path, &bytes);
        let mut sources = Sources::default();
        let findings = if path.extension().is_some_and(|e| e == "parquet") {
            // The Parquet reader opens the file itself; if it changed since it was hashed,
            // the next refresh sees another fingerprint and reads it again.
            read_table_file(&mut sources, table.name(), &path, &self.options)?
        } else {
            read_csv_table(
                &mut sources,
                table.name(),
                bytes.as_slice(),
                &shown,
                &self.options,
            )?
        };
        Ok(TablePull {
            rows: TableRows::take(&mut sources, table),
            findings,
            watermark,
        })
    }
}

/// A file's content fingerprint: name, length and CRC-32.
fn fingerprint(path: &Path, bytes: &[u8]) -> Watermark {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Watermark::Text(format!(
        "{name}:{}:{:08x}",
        bytes.len(),
        crc32fast::hash(bytes)
    ))
}

impl DataSource for FileSource {
    fn snapshot(&mut self, table: SourceTable) -> Result<TablePull, IntegrateError> {
        self.read(table)
    }

    fn changes_since(
        &mut self,
        table: SourceTable,
        since: &Watermark,
    ) -> Result<TableChanges, IntegrateError> {
        if !matches!(since, Watermark::Text(_)) {
            return Err(IntegrateError::Source {
                table: table.name().to_owned(),
                message: format!(
                    "{} is not a watermark of the file source (it gives file fingerprints)",
                    excerpt(&format!("{since:?}"))
                ),
            });
        }
        let current = match self.file(table)? {
            None => Watermark::Text("absent".to_owned()),
            Some(path) => {
                let bytes = std::fs::read(&path).map_err(|e| {
                    IntegrateError::Table(crate::table::TableError::Io {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    })
                })?;
                fingerprint(&path, &bytes)
            }
        };
        if &current == since {
            return Ok(TableChanges {
                upserted: TableRows::empty(table),
                deleted: Vec::new(),
                full: false,
                findings: Vec::new(),
                watermark: current,
            });
        }
        let p = self.read(table)?;
        Ok(TableChanges {
            upserted: p.rows,
            deleted: Vec::new(),
            full: true,
            findings: p.findings,
            watermark: p.watermark,
        })
    }
}
