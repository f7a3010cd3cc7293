//! Arrow tables across the boundary (the Arrow PyCapsule interface, through pyo3-arrow) and
//! Parquet files, for every table of the core's table spec.
//!
//! A table argument is anything with `__arrow_c_stream__`: a pyarrow Table or RecordBatch
//! reader, a polars DataFrame, a pandas DataFrame (≥ 2.2, with pyarrow), a DuckDB relation.
//! Its columns are read in place where their types allow. Results are pyarrow Tables.

use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use gridserve_core::table::{self, TableSpec, parquet::ParquetRead};
use pyo3::prelude::*;
use pyo3_arrow::PyTable;

use crate::errors::{IntoPy, invalid_argument};

/// An Arrow table argument: its schema and batches.
pub(crate) fn table_arg(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<(SchemaRef, Vec<RecordBatch>)> {
    if !obj.hasattr("__arrow_c_stream__")? && !obj.hasattr("__arrow_c_array__")? {
        return Err(invalid_argument(
            py,
            format!(
                "{what}: expected an Arrow table (pyarrow, polars, pandas >= 2.2 with pyarrow, \
                 DuckDB: anything with __arrow_c_stream__), not {}",
                obj.get_type().name()?
            ),
        ));
    }
    // Buffers must start on 8-byte boundaries for the import; a pyarrow table unpickled from
    // out-of-band frames may not, so it is realigned (copied) first when needed.
    let obj = py
        .import("gridserve._convert")?
        .getattr("aligned")?
        .call1((obj,))?;
    match obj.extract::<PyTable>() {
        Ok(t) => {
            let (batches, schema) = t.into_inner();
            Ok(without_pandas_index(schema, batches))
        }
        Err(e) => Err(invalid_argument(
            py,
            format!(
                "{what}: the Arrow stream could not be read: {}",
                gridserve_core::excerpt(&e.to_string())
            ),
        )),
    }
}

/// Whether a column is pandas' unnamed index (`__index_level_0__`), which pandas adds to the
/// Arrow form of a DataFrame whose index is not a plain range (after filtering or sorting).
fn is_pandas_index(name: &str) -> bool {
    name.strip_prefix("__index_level_")
        .and_then(|rest| rest.strip_suffix("__"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The batches without pandas' unnamed index columns: they are row labels, not data (a named
/// index stays, as the column it names).
fn without_pandas_index(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> (SchemaRef, Vec<RecordBatch>) {
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| !is_pandas_index(schema.field(i).name()))
        .collect();
    if keep.len() == schema.fields().len() {
        return (schema, batches);
    }
    let projected = std::sync::Arc::new(schema.project(&keep).expect("indices are in range"));
    let batches = batches
        .into_iter()
        .map(|b| b.project(&keep).expect("indices are in range"))
        .collect();
    (projected, batches)
}

/// Batches as a pyarrow Table.
pub(crate) fn to_pyarrow<'py>(
    py: Python<'py>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<Bound<'py, PyAny>> {
    PyTable::try_new(batches, schema)?.into_pyarrow(py)
}

/// The spec of the table called `name`.
pub(crate) fn spec_arg(py: Python<'_>, name: &str) -> PyResult<&'static TableSpec> {
    table::spec(name).ok_or_else(|| {
        let names: Vec<&str> = table::TABLES.iter().map(|t| t.name).collect();
        invalid_argument(
            py,
            format!(
                "unknown table {:?}; the tables are {}",
                gridserve_core::excerpt(name),
                names.join(", ")
            ),
        )
    })
}

/// The specification of a table (columns with type, presence, default, whether a missing
/// cell is accepted, and meaning), or of every table when `name` is None.
#[pyfunction]
#[pyo3(signature = (name = None))]
pub(crate) fn table_spec<'py>(
    py: Python<'py>,
    name: Option<crate::convert::Text>,
) -> PyResult<Bound<'py, PyAny>> {
    let value = match name {
        Some(name) => serde_json::to_value(spec_arg(py, &name)?),
        None => serde_json::to_value(table::TABLES),
    }
    .map_err(|e| invalid_argument(py, e.to_string()))?;
    Ok(pythonize::pythonize(py, &value)?)
}

fn read_options(
    py: Python<'_>,
    columns: Option<Vec<crate::convert::Text>>,
    keep: Option<(crate::convert::Text, Vec<crate::convert::Text>)>,
) -> PyResult<ParquetRead> {
    let _ = py;
    Ok(ParquetRead {
        columns: columns.map(|c| c.into_iter().map(|t| t.0).collect()),
        keep: keep.map(|(c, v)| (c.0, v.into_iter().map(|t| t.0).collect())),
        batch_size: None,
    })
}

/// Reads a table from a Parquet file, checking its columns against the table's spec (an
/// unknown column is refused before any data is read). `columns` reads only those columns;
/// `keep=(column, values)` keeps only rows whose text column holds one of the values, skipping
/// row groups whose statistics exclude them.
#[pyfunction]
#[pyo3(signature = (table, path, columns = None, keep = None))]
pub(crate) fn read_parquet<'py>(
    py: Python<'py>,
    table: crate::convert::Text,
    path: PathBuf,
    columns: Option<Vec<crate::convert::Text>>,
    keep: Option<(crate::convert::Text, Vec<crate::convert::Text>)>,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = spec_arg(py, &table)?;
    let read = read_options(py, columns, keep)?;
    let (schema, batches) = py
        .detach(|| table::parquet::read_parquet(&path, spec, &read))
        .py_err(py)?;
    to_pyarrow(py, schema, batches)
}

/// Writes an Arrow table to a Parquet file (Zstandard), after checking its columns against the
/// table's spec.
#[pyfunction]
pub(crate) fn write_parquet(
    py: Python<'_>,
    table: crate::convert::Text,
    data: &Bound<'_, PyAny>,
    path: PathBuf,
) -> PyResult<()> {
    let spec = spec_arg(py, &table)?;
    let (schema, batches) = table_arg(py, "data", data)?;
    spec.check_columns(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|p| table::TableError::Parse {
            file: spec.name.to_owned(),
            line: 1,
            field: Some(p.column()),
            message: p.message(spec),
        })
        .py_err(py)?;
    py.detach(|| table::parquet::write_parquet(&path, &schema, &batches))
        .py_err(py)
}
