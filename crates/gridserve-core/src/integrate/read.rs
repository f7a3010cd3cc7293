//! Reading the source tables: one row reader shared by CSV and Arrow (and so Parquet), the
//! column mapping from a utility's own export names, and the normalisation of keys and
//! vocabulary.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::IntegrateError;
use super::finding::{Finding, FindingKind};
use super::records::{
    AmiEvent, ContactChannel, DaEvent, GisDevice, PmsEquipment, Sg186Contact, Sg186Customer,
    Sg186Meter, SourceSystem, Sources,
};
use crate::error_info::excerpt;
use crate::table::{self, TableError, TableSpec};

/// Column names of a utility's own exports, by table: `{"sg186_customers": {"CONS_NO":
/// "customer"}}`. A header cell named in a table's mapping is read as the column it maps to;
/// every other header cell must be one of gridserve's own column names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ColumnMapping(pub BTreeMap<String, BTreeMap<String, String>>);

impl ColumnMapping {
    /// Adds one mapping: in `table`, the export's column `theirs` is gridserve's `ours`.
    #[must_use]
    pub fn with(mut self, table: &str, theirs: &str, ours: &str) -> Self {
        self.0
            .entry(table.to_owned())
            .or_default()
            .insert(theirs.to_owned(), ours.to_owned());
        self
    }

    /// Checks every table and target name against the specs.
    ///
    /// # Errors
    /// [`IntegrateError::Mapping`] for a table that is not a source table or a target that is
    /// not a column of its table.
    pub fn validate(&self) -> Result<(), IntegrateError> {
        for (table, columns) in &self.0 {
            let Some(spec) = source_spec(table) else {
                return Err(IntegrateError::Mapping {
                    table: excerpt(table),
                    column: None,
                    message: format!(
                        "not a source table; the source tables are {}",
                        SOURCE_TABLES
                            .iter()
                            .map(|t| t.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            for (theirs, ours) in columns {
                if spec.column(ours).is_none() {
                    return Err(IntegrateError::Mapping {
                        table: table.clone(),
                        column: Some(excerpt(theirs)),
                        message: format!(
                            "maps to `{}`, which is not a column of the {} table; its columns \
                             are {}",
                            excerpt(ours),
                            spec.name,
                            spec.column_list()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    fn target<'a>(&'a self, table: &str, header: &'a str) -> &'a str {
        self.0
            .get(table)
            .and_then(|m| m.get(header))
            .map_or(header, String::as_str)
    }
}

/// The conventions of reading (source-systems.md, "Conventions"); each is an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conventions {
    /// Keys (asset, customer, meter numbers and nodes) match after NFKC, trimming and
    /// upper-casing (default true). False: keys are taken as they are.
    pub normalise_keys: bool,
    /// Vocabulary cells match after NFKC, trimming and lower-casing (default true).
    pub normalise_vocabulary: bool,
}

impl Default for Conventions {
    fn default() -> Self {
        Self {
            normalise_keys: true,
            normalise_vocabulary: true,
        }
    }
}

/// A key as the conventions match it: NFKC (full-width → half-width, U+3000 → space),
/// trimmed, upper-cased.
#[must_use]
pub fn normalise_key(text: &str) -> String {
    // Printable ASCII without lower case or surrounding space is its own normal form.
    if text
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b.is_ascii_lowercase())
    {
        return text.to_owned();
    }
    let nfkc: String = text.nfkc().collect();
    nfkc.trim().to_uppercase()
}

/// A vocabulary cell as the conventions match it: NFKC, trimmed, lower-cased.
#[must_use]
pub fn normalise_vocabulary(text: &str) -> String {
    if text
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase())
    {
        return text.to_owned();
    }
    let nfkc: String = text.nfkc().collect();
    nfkc.trim().to_lowercase()
}

/// The source tables, in the order of source-systems.md §2 (without `ami_curves`, read by
/// the tariff engine).
pub const SOURCE_TABLES: [&TableSpec; 7] = [
    &table::PMS_EQUIPMENT,
    &table::GIS_CONNECTIVITY,
    &table::SG186_CUSTOMERS,
    &table::SG186_CONTACTS,
    &table::SG186_METERS,
    &table::AMI_EVENTS,
    &table::DA_EVENTS,
];

fn source_spec(name: &str) -> Option<&'static TableSpec> {
    SOURCE_TABLES.iter().copied().find(|t| t.name == name)
}

/// The cells of one row, whatever form the table came in. Every method returns `None` for a
/// missing cell (empty, null, NaN).
pub(crate) trait CellSource {
    fn text(&self, column: usize) -> Result<Option<Cow<'_, str>>, String>;
    fn number(&self, column: usize) -> Result<Option<f64>, String>;
    fn integer(&self, column: usize) -> Result<Option<i64>, String>;
    fn boolean(&self, column: usize) -> Result<Option<bool>, String>;
    fn timestamp(&self, column: usize) -> Result<Option<DateTime<FixedOffset>>, String>;
    fn text_list(&self, column: usize) -> Result<Option<Vec<String>>, String>;
}

/// China Standard Time, the zone of naive times.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

struct CsvRow<'a>(&'a csv::StringRecord);

impl CsvRow<'_> {
    fn cell(&self, column: usize) -> Option<&str> {
        self.0.get(column).map(str::trim).filter(|c| !c.is_empty())
    }
}

impl CellSource for CsvRow<'_> {
    fn text(&self, column: usize) -> Result<Option<Cow<'_, str>>, String> {
        Ok(self
            .0
            .get(column)
            .filter(|c| !c.trim().is_empty())
            .map(Cow::Borrowed))
    }
    fn number(&self, column: usize) -> Result<Option<f64>, String> {
        match self.cell(column) {
            None => Ok(None),
            Some(c) => {
                let v: f64 = c
                    .parse()
                    .map_err(|_| format!("{:?} is not a number", excerpt(c)))?;
                Ok((!v.is_nan()).then_some(v))
            }
        }
    }
    fn integer(&self, column: usize) -> Result<Option<i64>, String> {
        self.cell(column)
            .map(|c| {
                c.parse()
                    .map_err(|_| format!("{:?} is not a whole number", excerpt(c)))
            })
            .transpose()
    }
    fn boolean(&self, column: usize) -> Result<Option<bool>, String> {
        self.cell(column).map(table::parse_bool).transpose()
    }
    fn timestamp(&self, column: usize) -> Result<Option<DateTime<FixedOffset>>, String> {
        self.cell(column)
            .map(|c| crate::reliability::record::parse_timestamp(c, cst()))
            .transpose()
    }
    fn text_list(&self, column: usize) -> Result<Option<Vec<String>>, String> {
        Ok(self.cell(column).map(|c| {
            c.split(';')
                .map(|s| s.to_owned())
                .filter(|s| !s.trim().is_empty())
                .collect()
        }))
    }
}

#[cfg(feature = "arrow")]
impl CellSource for crate::table::arrow::ArrowRow<'_> {
    fn text(&self, column: usize) -> Result<Option<Cow<'_, str>>, String> {
        Ok(Self::text(self, column)?.filter(|c| !c.trim().is_empty()))
    }
    fn number(&self, column: usize) -> Result<Option<f64>, String> {
        Ok(Self::number(self, column)?.filter(|v| !v.is_nan()))
    }
    fn integer(&self, column: usize) -> Result<Option<i64>, String> {
        Self::integer(self, column)
    }
    fn boolean(&self, column: usize) -> Result<Option<bool>, String> {
        Self::boolean(self, column)
    }
    fn timestamp(&self, column: usize) -> Result<Option<DateTime<FixedOffset>>, String> {
        Self::timestamp(self, column)
    }
    fn text_list(&self, column: usize) -> Result<Option<Vec<String>>, String> {
        Self::text_list(self, column)
    }
}

/// One row being parsed into a record: cells by gridserve's column name, errors naming the
/// file, line and column, and the normalisation findings.
pub(crate) struct RowReader<'a> {
    cells: &'a dyn CellSource,
    index: &'a [Option<usize>],
    spec: &'static TableSpec,
    file: &'a str,
    pub(crate) line: u64,
    conventions: Conventions,
    system: SourceSystem,
    findings: &'a mut Vec<Finding>,
}

impl RowReader<'_> {
    fn column(&self, name: &str) -> Option<usize> {
        let position = self.spec.columns.iter().position(|c| c.name == name)?;
        self.index[position]
    }

    fn error(&self, name: &str, message: String) -> TableError {
        TableError::Parse {
            file: self.file.to_owned(),
            line: self.line,
            field: Some(name.to_owned()),
            message,
        }
    }

    fn raw(&self, name: &str) -> Result<Option<Cow<'_, str>>, TableError> {
        match self.column(name) {
            None => Ok(None),
            Some(c) => self.cells.text(c).map_err(|m| self.error(name, m)),
        }
    }

    fn missing(&self, name: &str) -> TableError {
        self.error(
            name,
            "the cell is empty but the column requires a value".to_owned(),
        )
    }

    fn note(&mut self, kind: FindingKind, name: &str, raw: &str, record: &str) {
        self.findings.push(Finding {
            kind,
            severity: kind.severity(),
            source: self.system,
            table: self.spec.name.to_owned(),
            record: record.to_owned(),
            row: Some(self.line),
            field: Some(name.to_owned()),
            value: Some(excerpt(raw)),
            suggestion: "correct the cell in the source so it matches without normalisation"
                .to_owned(),
        });
    }

    /// An optional key, normalised.
    pub(crate) fn opt_key(&mut self, name: &str) -> Result<Option<String>, TableError> {
        let Some(raw) = self.raw(name)?.map(Cow::into_owned) else {
            return Ok(None);
        };
        if !self.conventions.normalise_keys {
            return Ok(Some(raw));
        }
        let key = normalise_key(&raw);
        if key.is_empty() {
            return Ok(None);
        }
        if key != raw {
            self.note(FindingKind::NormalisedKey, name, &raw, &key);
        }
        Ok(Some(key))
    }

    /// A required key, normalised.
    pub(crate) fn key(&mut self, name: &str) -> Result<String, TableError> {
        self.opt_key(name)?.ok_or_else(|| self.missing(name))
    }

    /// An optional free text, as it is.
    pub(crate) fn opt_text(&self, name: &str) -> Result<Option<String>, TableError> {
        Ok(self.raw(name)?.map(|c| c.trim().to_owned()))
    }

    fn vocab_word<T: DeserializeOwned>(
        &mut self,
        name: &str,
        raw: &str,
        record: &str,
    ) -> Result<T, TableError> {
        let word = if self.conventions.normalise_vocabulary {
            let word = normalise_vocabulary(raw);
            if word != raw {
                self.note(FindingKind::NormalisedVocabulary, name, raw, record);
            }
            word
        } else {
            raw.to_owned()
        };
        T::deserialize(word.as_str().into_deserializer()).map_err(|err: serde::de::value::Error| {
            self.error(name, format!("{:?}: {err}", excerpt(&word)))
        })
    }

    /// An optional vocabulary cell (a choice), normalised, `None` if missing.
    pub(crate) fn opt_vocab<T: DeserializeOwned>(
        &mut self,
        name: &str,
        record: &str,
    ) -> Result<Option<T>, TableError> {
        let Some(raw) = self.raw(name)?.map(Cow::into_owned) else {
            return Ok(None);
        };
        self.vocab_word(name, &raw, record).map(Some)
    }

    /// A required vocabulary cell.
    pub(crate) fn vocab<T: DeserializeOwned>(
        &mut self,
        name: &str,
        record: &str,
    ) -> Result<T, TableError> {
        self.opt_vocab(name, record)?
            .ok_or_else(|| self.missing(name))
    }

    /// A list of vocabulary words (`;`-separated in CSV).
    pub(crate) fn vocab_list<T: DeserializeOwned>(
        &mut self,
        name: &str,
        record: &str,
    ) -> Result<Vec<T>, TableError> {
        let Some(c) = self.column(name) else {
            return Ok(Vec::new());
        };
        let words = self
            .cells
            .text_list(c)
            .map_err(|m| self.error(name, m))?
            .unwrap_or_default();
        words
            .iter()
            .filter(|w| !w.trim().is_empty())
            .map(|w| self.vocab_word(name, w, record))
            .collect()
    }

    /// An optional finite number.
    pub(crate) fn opt_number(&self, name: &str) -> Result<Option<f64>, TableError> {
        let Some(c) = self.column(name) else {
            return Ok(None);
        };
        let v = self.cells.number(c).map_err(|m| self.error(name, m))?;
        match v {
            Some(v) if !v.is_finite() => Err(self.error(name, format!("{v} is not finite"))),
            v => Ok(v),
        }
    }

    /// A required finite number (`default` if the column is absent or the cell missing).
    pub(crate) fn number(&self, name: &str, default: Option<f64>) -> Result<f64, TableError> {
        self.opt_number(name)?
            .or(default)
            .ok_or_else(|| self.missing(name))
    }

    /// An optional whole number in `T`'s range.
    pub(crate) fn opt_integer<T: TryFrom<i64>>(&self, name: &str) -> Result<Option<T>, TableError> {
        let Some(c) = self.column(name) else {
            return Ok(None);
        };
        let Some(v) = self.cells.integer(c).map_err(|m| self.error(name, m))? else {
            return Ok(None);
        };
        T::try_from(v).map(Some).map_err(|_| {
            self.error(
                name,
                format!("{v} is out of range for {}", std::any::type_name::<T>()),
            )
        })
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, TableError> {
        match self.column(name) {
            None => Ok(None),
            Some(c) => self.cells.boolean(c).map_err(|m| self.error(name, m)),
        }
    }

    /// A required instant.
    pub(crate) fn time(&self, name: &str) -> Result<DateTime<FixedOffset>, TableError> {
        let c = self.column(name).ok_or_else(|| self.missing(name))?;
        self.cells
            .timestamp(c)
            .map_err(|m| self.error(name, m))?
            .ok_or_else(|| self.missing(name))
    }
}

/// A record of a source table.
pub(crate) trait SourceRecord: Sized {
    /// The table's spec.
    const SPEC: &'static TableSpec;
    /// The system it comes from.
    const SYSTEM: SourceSystem;
    /// Parses one row.
    fn parse(row: &mut RowReader<'_>) -> Result<Self, TableError>;
}

impl SourceRecord for PmsEquipment {
    const SPEC: &'static TableSpec = &table::PMS_EQUIPMENT;
    const SYSTEM: SourceSystem = SourceSystem::Pms;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let asset = r.key("asset")?;
        Ok(Self {
            kind: r.vocab("type", &asset)?,
            name: r.opt_text("name")?,
            model: r.opt_text("model")?,
            rated_kva: r.opt_number("rated_kva")?,
            year: r.opt_integer("year")?,
            feeder: r.opt_text("feeder")?,
            substation: r.opt_text("substation")?,
            status: r.opt_vocab("status", &asset)?.unwrap_or_default(),
            row: r.line,
            asset,
        })
    }
}

impl SourceRecord for GisDevice {
    const SPEC: &'static TableSpec = &table::GIS_CONNECTIVITY;
    const SYSTEM: SourceSystem = SourceSystem::Gis;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let asset = r.key("asset")?;
        Ok(Self {
            kind: r.vocab("type", &asset)?,
            node_a: r.key("node_a")?,
            node_b: r.opt_key("node_b")?,
            normal_open: r.opt_bool("normal_open")?,
            length_m: r.opt_number("length_m")?,
            rated_kva: r.opt_number("rated_kva")?,
            row: r.line,
            asset,
        })
    }
}

impl SourceRecord for Sg186Customer {
    const SPEC: &'static TableSpec = &table::SG186_CUSTOMERS;
    const SYSTEM: SourceSystem = SourceSystem::Sg186;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let customer = r.key("customer")?;
        Ok(Self {
            name: r.opt_text("name")?,
            address: r.opt_text("address")?,
            supply_asset: r.key("supply_asset")?,
            contracted_kva: r.number("contracted_kva", None)?,
            importance: r.opt_vocab("importance", &customer)?.unwrap_or_default(),
            billing_method: r
                .opt_vocab("billing_method", &customer)?
                .unwrap_or_default(),
            pf_standard: r.opt_number("pf_standard")?,
            industry: r.opt_text("industry")?,
            row: r.line,
            customer,
        })
    }
}

impl SourceRecord for Sg186Contact {
    const SPEC: &'static TableSpec = &table::SG186_CONTACTS;
    const SYSTEM: SourceSystem = SourceSystem::Sg186;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let customer = r.key("customer")?;
        Ok(Self {
            name: r.opt_text("name")?,
            phone: r.opt_text("phone")?,
            role: r.opt_vocab("role", &customer)?.unwrap_or_default(),
            level: r.opt_integer("level")?.unwrap_or(1),
            wechat_openid: r.opt_text("wechat_openid")?,
            channels: r.vocab_list::<ContactChannel>("channels", &customer)?,
            row: r.line,
            customer,
        })
    }
}

impl SourceRecord for Sg186Meter {
    const SPEC: &'static TableSpec = &table::SG186_METERS;
    const SYSTEM: SourceSystem = SourceSystem::Sg186;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        Ok(Self {
            meter: r.key("meter")?,
            customer: r.opt_key("customer")?,
            multiplier: r.number("multiplier", Some(1.0))?,
            row: r.line,
        })
    }
}

impl SourceRecord for AmiEvent {
    const SPEC: &'static TableSpec = &table::AMI_EVENTS;
    const SYSTEM: SourceSystem = SourceSystem::Ami;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let meter = r.key("meter")?;
        Ok(Self {
            time: r.time("time")?,
            event: r.vocab("event", &meter)?,
            row: r.line,
            meter,
        })
    }
}

impl SourceRecord for DaEvent {
    const SPEC: &'static TableSpec = &table::DA_EVENTS;
    const SYSTEM: SourceSystem = SourceSystem::Da;
    fn parse(r: &mut RowReader<'_>) -> Result<Self, TableError> {
        let asset = r.key("asset")?;
        Ok(Self {
            time: r.time("time")?,
            event: r.vocab("event", &asset)?,
            seq: r.opt_integer("seq")?.ok_or_else(|| r.missing("seq"))?,
            row: r.line,
            asset,
        })
    }
}

/// How to read the source tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReadOptions {
    /// The column mapping.
    pub mapping: ColumnMapping,
    /// The conventions.
    pub conventions: Conventions,
}

/// The positions of the spec's columns in a header, after mapping; checks the header.
fn header_index(
    spec: &'static TableSpec,
    file: &str,
    header: &[&str],
    mapping: &ColumnMapping,
) -> Result<Vec<Option<usize>>, TableError> {
    let mapped: Vec<&str> = header
        .iter()
        .map(|h| mapping.target(spec.name, h.trim()))
        .collect();
    spec.check_columns(mapped.iter().copied())
        .map_err(|problem| TableError::Parse {
            file: file.to_owned(),
            line: 1,
            field: Some(problem.column()),
            message: problem.message(spec),
        })?;
    Ok(spec
        .columns
        .iter()
        .map(|c| mapped.iter().position(|m| *m == c.name))
        .collect())
}

/// Reads one source table from CSV text. `file` names it in errors.
fn read_csv_records<T: SourceRecord>(
    reader: impl std::io::Read,
    file: &str,
    options: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<Vec<T>, TableError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let parse_error = |line: u64, err: &csv::Error| TableError::Parse {
        file: file.to_owned(),
        line,
        field: None,
        message: excerpt(&err.to_string()),
    };
    let header = csv.headers().map_err(|e| parse_error(1, &e))?.clone();
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}'))
        .collect();
    let index = header_index(T::SPEC, file, &names, &options.mapping)?;
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(parse_error(line.max(2), &e)),
        }
        let line = record.position().map_or(line, csv::Position::line);
        let cells = CsvRow(&record);
        let mut row = RowReader {
            cells: &cells,
            index: &index,
            spec: T::SPEC,
            file,
            line,
            conventions: options.conventions,
            system: T::SYSTEM,
            findings,
        };
        out.push(T::parse(&mut row)?);
    }
    Ok(out)
}

/// Reads one source table from Arrow batches. `file` names it in errors; a row's line is its
/// index plus 2.
#[cfg(feature = "arrow")]
fn read_arrow_records<T: SourceRecord>(
    schema: arrow_schema::SchemaRef,
    batches: Vec<arrow_array::RecordBatch>,
    file: &str,
    options: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<Vec<T>, TableError> {
    use crate::table::arrow::ArrowTable;
    let index = {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        header_index(T::SPEC, file, &names, &options.mapping)?
    };
    let table = ArrowTable::unchecked(schema, batches);
    let mut out = Vec::with_capacity(table.num_rows());
    let result = table.for_each_row(|arrow_row| {
        let mut row = RowReader {
            cells: arrow_row,
            index: &index,
            spec: T::SPEC,
            file,
            line: arrow_row.index() + 2,
            conventions: options.conventions,
            system: T::SYSTEM,
            findings,
        };
        out.push(T::parse(&mut row).map_err(Walk::Table)?);
        Ok::<(), Walk>(())
    });
    match result {
        Ok(()) => Ok(out),
        Err(Walk::Table(e)) => Err(e),
        Err(Walk::Cell(e)) => Err(TableError::Parse {
            file: file.to_owned(),
            line: e.row.map_or(1, |r| r + 2),
            field: Some(e.column),
            message: e.message,
        }),
    }
}

#[cfg(feature = "arrow")]
enum Walk {
    Cell(crate::table::arrow::CellError),
    Table(TableError),
}

#[cfg(feature = "arrow")]
impl From<crate::table::arrow::CellError> for Walk {
    fn from(e: crate::table::arrow::CellError) -> Self {
        Self::Cell(e)
    }
}

/// Paths of the source tables; `None` leaves a table empty. A path ending in `.parquet` is
/// read as Parquet (the `parquet` feature), any other as CSV with a header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourcePaths {
    /// `pms_equipment`.
    pub pms: Option<std::path::PathBuf>,
    /// `gis_connectivity`.
    pub gis: Option<std::path::PathBuf>,
    /// `sg186_customers`.
    pub customers: Option<std::path::PathBuf>,
    /// `sg186_contacts`.
    pub contacts: Option<std::path::PathBuf>,
    /// `sg186_meters`.
    pub meters: Option<std::path::PathBuf>,
    /// `ami_events`.
    pub ami_events: Option<std::path::PathBuf>,
    /// `da_events`.
    pub da_events: Option<std::path::PathBuf>,
}

fn read_path<T: SourceRecord>(
    path: Option<&Path>,
    options: &ReadOptions,
    findings: &mut Vec<Finding>,
) -> Result<Vec<T>, TableError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let file = path.display().to_string();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        #[cfg(feature = "parquet")]
        {
            let (schema, batches) = crate::table::parquet::read_parquet(
                path,
                &table::ANY,
                &crate::table::parquet::ParquetRead::default(),
            )?;
            return read_arrow_records(schema, batches, &file, options, findings);
        }
        #[cfg(not(feature = "parquet"))]
        return Err(TableError::Format {
            file,
            message: "gridserve is built without the `parquet` feature".to_owned(),
        });
    }
    let reader = std::fs::File::open(path).map_err(|e| TableError::Io {
        path: file.clone(),
        message: e.to_string(),
    })?;
    read_csv_records(std::io::BufReader::new(reader), &file, options, findings)
}

/// Reads the source tables from files (CSV or Parquet). Returns the records and the
/// normalisation findings.
///
/// # Errors
/// [`IntegrateError::Mapping`] for a bad mapping; [`IntegrateError::Table`] naming the file,
/// line and column of the first cell or header that cannot be read. Nothing is returned on an
/// error.
pub fn read_sources(
    paths: &SourcePaths,
    options: &ReadOptions,
) -> Result<(Sources, Vec<Finding>), IntegrateError> {
    options.mapping.validate()?;
    let mut findings = Vec::new();
    let f = &mut findings;
    let sources = Sources {
        pms: read_path(paths.pms.as_deref(), options, f)?,
        gis: read_path(paths.gis.as_deref(), options, f)?,
        customers: read_path(paths.customers.as_deref(), options, f)?,
        contacts: read_path(paths.contacts.as_deref(), options, f)?,
        meters: read_path(paths.meters.as_deref(), options, f)?,
        ami_events: read_path(paths.ami_events.as_deref(), options, f)?,
        da_events: read_path(paths.da_events.as_deref(), options, f)?,
    };
    Ok((sources, findings))
}

/// One source table's rows from CSV text, for the tables named by [`SOURCE_TABLES`]; the
/// records are added to `sources`. `file` names the table in errors.
///
/// # Errors
/// As [`read_sources`]; also [`IntegrateError::Mapping`] for a table name that is not a
/// source table.
pub fn read_csv_table(
    sources: &mut Sources,
    table: &str,
    csv: impl std::io::Read,
    file: &str,
    options: &ReadOptions,
) -> Result<Vec<Finding>, IntegrateError> {
    options.mapping.validate()?;
    let mut findings = Vec::new();
    struct Csv<'a, R> {
        csv: R,
        file: &'a str,
        options: &'a ReadOptions,
        findings: &'a mut Vec<Finding>,
    }
    impl<R: std::io::Read> TableVisitor for Csv<'_, R> {
        fn visit<T: SourceRecord>(self, into: &mut Vec<T>) -> Result<(), TableError> {
            into.extend(read_csv_records(
                self.csv,
                self.file,
                self.options,
                self.findings,
            )?);
            Ok(())
        }
    }
    let visitor = Csv {
        csv,
        file,
        options,
        findings: &mut findings,
    };
    visit_table(sources, table, visitor)?;
    Ok(findings)
}

/// One source table's rows from a file (`.parquet`: Parquet, otherwise CSV with a header);
/// the records are added to `sources`.
///
/// # Errors
/// As [`read_csv_table`].
pub fn read_table_file(
    sources: &mut Sources,
    table: &str,
    path: &Path,
    options: &ReadOptions,
) -> Result<Vec<Finding>, IntegrateError> {
    options.mapping.validate()?;
    let mut findings = Vec::new();
    struct File<'a> {
        path: &'a Path,
        options: &'a ReadOptions,
        findings: &'a mut Vec<Finding>,
    }
    impl TableVisitor for File<'_> {
        fn visit<T: SourceRecord>(self, into: &mut Vec<T>) -> Result<(), TableError> {
            into.extend(read_path(Some(self.path), self.options, self.findings)?);
            Ok(())
        }
    }
    let visitor = File {
        path,
        options,
        findings: &mut findings,
    };
    visit_table(sources, table, visitor)?;
    Ok(findings)
}

/// Something done with the records of one source table, whatever its record type.
trait TableVisitor {
    fn visit<T: SourceRecord>(self, into: &mut Vec<T>) -> Result<(), TableError>;
}

/// Runs `visitor` on the records of `sources` that table `name` holds (by the name of its
/// spec); an unknown name is [`IntegrateError::Mapping`].
fn visit_table(
    sources: &mut Sources,
    name: &str,
    visitor: impl TableVisitor,
) -> Result<(), IntegrateError> {
    let is = |spec: &TableSpec| spec.name == name;
    if is(PmsEquipment::SPEC) {
        visitor.visit(&mut sources.pms)
    } else if is(GisDevice::SPEC) {
        visitor.visit(&mut sources.gis)
    } else if is(Sg186Customer::SPEC) {
        visitor.visit(&mut sources.customers)
    } else if is(Sg186Contact::SPEC) {
        visitor.visit(&mut sources.contacts)
    } else if is(Sg186Meter::SPEC) {
        visitor.visit(&mut sources.meters)
    } else if is(AmiEvent::SPEC) {
        visitor.visit(&mut sources.ami_events)
    } else if is(DaEvent::SPEC) {
        visitor.visit(&mut sources.da_events)
    } else {
        return Err(unknown_table(name));
    }
    .map_err(IntegrateError::from)
}

fn unknown_table(name: &str) -> IntegrateError {
    IntegrateError::Mapping {
        table: excerpt(name),
        column: None,
        message: "not a source table".to_owned(),
    }
}

/// One source table's rows from Arrow batches (a DataFrame or Parquet already in memory); the
/// records are added to `sources`.
///
/// # Errors
/// As [`read_csv_table`].
#[cfg(feature = "arrow")]
pub fn read_arrow_table(
    sources: &mut Sources,
    table: &str,
    schema: arrow_schema::SchemaRef,
    batches: Vec<arrow_array::RecordBatch>,
    file: &str,
    options: &ReadOptions,
) -> Result<Vec<Finding>, IntegrateError> {
    options.mapping.validate()?;
    let mut findings = Vec::new();
    struct Arrow<'a> {
        schema: arrow_schema::SchemaRef,
        batches: Vec<arrow_array::RecordBatch>,
        file: &'a str,
        options: &'a ReadOptions,
        findings: &'a mut Vec<Finding>,
    }
    impl TableVisitor for Arrow<'_> {
        fn visit<T: SourceRecord>(self, into: &mut Vec<T>) -> Result<(), TableError> {
            into.extend(read_arrow_records(
                self.schema,
                self.batches,
                self.file,
                self.options,
                self.findings,
            )?);
            Ok(())
        }
    }
    let visitor = Arrow {
        schema,
        batches,
        file,
        options,
        findings: &mut findings,
    };
    visit_table(sources, table, visitor)?;
    Ok(findings)
}
