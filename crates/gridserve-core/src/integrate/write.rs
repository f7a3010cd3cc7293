//! Writing source tables in the default layouts (CSV, and Arrow/Parquet with the `arrow` and
//! `parquet` features), for samples, tests and benchmarks: reading them back gives the same
//! records.

use std::path::Path;

use super::read::SOURCE_TABLES;
use super::records::Sources;
use crate::table::{TableError, TableSpec};

/// One cell to write.
enum Cell {
    Text(Option<String>),
    Number(Option<f64>),
    Integer(Option<i64>),
    Boolean(Option<bool>),
}

fn name_of<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => format!("{other:?}"),
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(Some(s.to_owned()))
}

fn opt(s: Option<&String>) -> Cell {
    Cell::Text(s.cloned())
}

/// The rows of one table, cells in the order of the spec's columns.
fn rows(sources: &Sources, spec: &TableSpec) -> Vec<Vec<Cell>> {
    use Cell::{Boolean, Integer, Number, Text};
    match spec.name {
        "pms_equipment" => sources
            .pms
            .iter()
            .map(|r| {
                vec![
                    text(&r.asset),
                    text(r.kind.name()),
                    opt(r.name.as_ref()),
                    opt(r.model.as_ref()),
                    Number(r.rated_kva),
                    Integer(r.year.map(i64::from)),
                    opt(r.feeder.as_ref()),
                    opt(r.substation.as_ref()),
                    text(&name_of(&r.status)),
                ]
            })
            .collect(),
        "gis_connectivity" => sources
            .gis
            .iter()
            .map(|r| {
                vec![
                    text(&r.asset),
                    text(r.kind.name()),
                    text(&r.node_a),
                    opt(r.node_b.as_ref()),
                    Boolean(r.normal_open),
                    Number(r.length_m),
                    Number(r.rated_kva),
                ]
            })
            .collect(),
        "sg186_customers" => sources
            .customers
            .iter()
            .map(|r| {
                vec![
                    text(&r.customer),
                    opt(r.name.as_ref()),
                    opt(r.address.as_ref()),
                    text(&r.supply_asset),
                    Number(Some(r.contracted_kva)),
                    text(&name_of(&r.importance)),
                    text(&name_of(&r.billing_method)),
                    Number(r.pf_standard),
                    opt(r.industry.as_ref()),
                ]
            })
            .collect(),
        "sg186_contacts" => sources
            .contacts
            .iter()
            .map(|r| {
                let channels: Vec<String> = r.channels.iter().map(name_of).collect();
                vec![
                    text(&r.customer),
                    opt(r.name.as_ref()),
                    opt(r.phone.as_ref()),
                    text(&name_of(&r.role)),
                    Integer(Some(i64::from(r.level))),
                    opt(r.wechat_openid.as_ref()),
                    Text((!channels.is_empty()).then(|| channels.join(";"))),
                ]
            })
            .collect(),
        "sg186_meters" => sources
            .meters
            .iter()
            .map(|r| {
                vec![
                    text(&r.meter),
                    opt(r.customer.as_ref()),
                    Number(Some(r.multiplier)),
                ]
            })
            .collect(),
        "ami_events" => sources
            .ami_events
            .iter()
            .map(|r| {
                vec![
                    text(&r.meter),
                    text(&r.time.to_rfc3339()),
                    text(&name_of(&r.event)),
                ]
            })
            .collect(),
        "da_events" => sources
            .da_events
            .iter()
            .map(|r| {
                vec![
                    text(&r.asset),
                    text(&r.time.to_rfc3339()),
                    text(&name_of(&r.event)),
                    Integer(i64::try_from(r.seq).ok()),
                ]
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn spec_of(table: &str) -> Result<&'static TableSpec, TableError> {
    SOURCE_TABLES
        .iter()
        .copied()
        .find(|t| t.name == table)
        .ok_or_else(|| TableError::Format {
            file: crate::excerpt(table),
            message: "not a source table".to_owned(),
        })
}

/// Writes one source table (`pms_equipment`, …) of `sources` as CSV with a header.
///
/// # Errors
/// [`TableError::Io`] if writing fails, [`TableError::Format`] for an unknown table.
pub fn write_csv_table(
    sources: &Sources,
    table: &str,
    out: impl std::io::Write,
) -> Result<(), TableError> {
    let spec = spec_of(table)?;
    let io = |e: csv::Error| TableError::Io {
        path: table.to_owned(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(spec.names()).map_err(io)?;
    let mut record: Vec<String> = Vec::with_capacity(spec.columns.len());
    for row in rows(sources, spec) {
        record.clear();
        record.extend(row.into_iter().map(|c| match c {
            Cell::Text(t) => t.unwrap_or_default(),
            Cell::Number(n) => n.map(|v| v.to_string()).unwrap_or_default(),
            Cell::Integer(n) => n.map(|v| v.to_string()).unwrap_or_default(),
            Cell::Boolean(b) => b.map(|v| v.to_string()).unwrap_or_default(),
        }));
        w.write_record(&record).map_err(io)?;
    }
    w.flush().map_err(|e| TableError::Io {
        path: table.to_owned(),
        message: e.to_string(),
    })
}

/// The file name of a table in a folder: `{table}.csv` or `{table}.parquet`.
#[must_use]
pub fn file_name(table: &str, parquet: bool) -> String {
    format!("{table}.{}", if parquet { "parquet" } else { "csv" })
}

/// Writes every source table to `dir` as `{table}.csv`.
///
/// # Errors
/// [`TableError::Io`] if a file cannot be written.
pub fn write_csv_dir(sources: &Sources, dir: impl AsRef<Path>) -> Result<(), TableError> {
    for spec in SOURCE_TABLES {
        let path = dir.as_ref().join(file_name(spec.name, false));
        let file = std::fs::File::create(&path).map_err(|e| TableError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        write_csv_table(sources, spec.name, std::io::BufWriter::new(file))?;
    }
    Ok(())
}

/// One source table of `sources` as an Arrow batch: text, `Float64`, `Int64` and `Boolean`
/// columns (times as ISO 8601 text, channels as `;`-separated text).
///
/// # Errors
/// [`TableError::Format`] for an unknown table.
#[cfg(feature = "arrow")]
pub fn write_arrow_table(
    sources: &Sources,
    table: &str,
) -> Result<arrow_array::RecordBatch, TableError> {
    use std::sync::Arc;

    use arrow_array::ArrayRef;
    use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
    use arrow_schema::{DataType, Field, Schema};

    use crate::table::ColumnType;

    let spec = spec_of(table)?;
    let rows = rows(sources, spec);
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (i, c) in spec.columns.iter().enumerate() {
        let (dtype, array): (DataType, ArrayRef) = match c.kind {
            ColumnType::Number => {
                let mut b = Float64Builder::with_capacity(rows.len());
                for r in &rows {
                    b.append_option(match &r[i] {
                        Cell::Number(n) => *n,
                        _ => None,
                    });
                }
                (DataType::Float64, Arc::new(b.finish()))
            }
            ColumnType::Integer => {
                let mut b = Int64Builder::with_capacity(rows.len());
                for r in &rows {
                    b.append_option(match &r[i] {
                        Cell::Integer(n) => *n,
                        _ => None,
                    });
                }
                (DataType::Int64, Arc::new(b.finish()))
            }
            ColumnType::Boolean => {
                let mut b = BooleanBuilder::with_capacity(rows.len());
                for r in &rows {
                    b.append_option(match &r[i] {
                        Cell::Boolean(n) => *n,
                        _ => None,
                    });
                }
                (DataType::Boolean, Arc::new(b.finish()))
            }
            _ => {
                let mut b = StringBuilder::new();
                for r in &rows {
                    b.append_option(match &r[i] {
                        Cell::Text(t) => t.as_deref(),
                        _ => None,
                    });
                }
                (DataType::Utf8, Arc::new(b.finish()))
            }
        };
        fields.push(Field::new(c.name, dtype, true));
        columns.push(array);
    }
    arrow_array::RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| {
        TableError::Format {
            file: table.to_owned(),
            message: crate::excerpt(&e.to_string()),
        }
    })
}

/// Writes every source table to `dir` as `{table}.parquet`.
///
/// # Errors
/// [`TableError::Io`] or [`TableError::Format`] if a file cannot be written.
#[cfg(feature = "parquet")]
pub fn write_parquet_dir(sources: &Sources, dir: impl AsRef<Path>) -> Result<(), TableError> {
    for spec in SOURCE_TABLES {
        let batch = write_arrow_table(sources, spec.name)?;
        let path = dir.as_ref().join(file_name(spec.name, true));
        crate::table::parquet::write_parquet(path, &batch.schema(), &[batch])?;
    }
    Ok(())
}

impl super::read::SourcePaths {
    /// The paths of every table in `dir` as written by [`write_csv_dir`] (or
    /// `write_parquet_dir` when `parquet`).
    #[must_use]
    pub fn in_dir(dir: impl AsRef<Path>, parquet: bool) -> Self {
        let p = |t: &str| Some(dir.as_ref().join(file_name(t, parquet)));
        Self {
            pms: p("pms_equipment"),
            gis: p("gis_connectivity"),
            customers: p("sg186_customers"),
            contacts: p("sg186_contacts"),
            meters: p("sg186_meters"),
            ami_events: p("ami_events"),
            da_events: p("da_events"),
        }
    }
}
