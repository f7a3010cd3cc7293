//! Parquet files in and out of every table, through Arrow (`parquet` feature).
//!
//! [`read_parquet`] checks the file's columns against the table's spec from the file's
//! metadata, before reading any data, so an unknown column is refused as fast as in a CSV
//! header. It reads only the columns asked for (column pushdown) and, with a
//! [`ParquetRead::keep`] filter, skips row groups whose statistics exclude every wanted value
//! and then the rows that do not match (predicate pushdown). [`write_parquet`] writes batches
//! with Zstandard compression, the codec that is both compact and fast to read.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, RecordBatch, RecordBatchReader};
use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowPredicateFn, ParquetRecordBatchReaderBuilder, RowFilter};
use parquet::arrow::arrow_writer::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::statistics::Statistics;

use super::{TableError, TableSpec};

/// What to read of a Parquet file.
#[derive(Debug, Clone, Default)]
pub struct ParquetRead {
    /// Read only these columns (each must be a column of the spec); `None`: every column.
    pub columns: Option<Vec<String>>,
    /// Keep only the rows whose text column (the first) holds one of the texts (the second).
    pub keep: Option<(String, Vec<String>)>,
    /// Rows per batch (8192 by default).
    pub batch_size: Option<usize>,
}

fn io_error(path: &Path, err: &std::io::Error) -> TableError {
    TableError::Io {
        path: path.display().to_string(),
        message: err.to_string(),
    }
}

fn format_error(path: &Path, err: impl std::fmt::Display) -> TableError {
    TableError::Format {
        file: path.display().to_string(),
        message: crate::excerpt(&err.to_string()),
    }
}

/// Reads a table from a Parquet file: its schema (after projection) and batches.
///
/// # Errors
/// [`TableError::Io`] if the file cannot be opened, [`TableError::Format`] if it is not a
/// readable Parquet file (or uses a codec not built in), [`TableError::Parse`] (line 1) for a
/// column the spec does not define, given twice, or required and absent, or an asked-for
/// column the file lacks.
pub fn read_parquet(
    path: impl AsRef<Path>,
    spec: &TableSpec,
    read: &ParquetRead,
) -> Result<(SchemaRef, Vec<RecordBatch>), TableError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| io_error(path, &e))?;
    let mut builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| format_error(path, e))?;
    let header_error = |column: String, message: String| TableError::Parse {
        file: path.display().to_string(),
        line: 1,
        field: Some(column),
        message,
    };
    let schema = builder.schema().clone();
    spec.check_columns(schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(|p| header_error(p.column(), p.message(spec)))?;
    let parquet_schema = builder.parquet_schema().clone();
    let leaf = |name: &str| {
        parquet_schema
            .columns()
            .iter()
            .position(|c| c.path().parts().first().map(String::as_str) == Some(name))
    };
    if let Some(columns) = &read.columns {
        let mut roots = Vec::with_capacity(columns.len());
        for name in columns {
            if spec.column(name).is_none() {
                return Err(header_error(
                    crate::excerpt(name),
                    format!(
                        "the {} table has no column `{}`",
                        spec.name,
                        crate::excerpt(name)
                    ),
                ));
            }
            let index = schema.index_of(name).map_err(|_| {
                header_error(name.clone(), format!("the file has no column `{name}`"))
            })?;
            roots.push(index);
        }
        builder = builder.with_projection(ProjectionMask::roots(&parquet_schema, roots));
    }
    if let Some((column, values)) = &read.keep {
        let index = schema.index_of(column).map_err(|_| {
            header_error(
                column.clone(),
                format!("the file has no column `{column}` to filter on"),
            )
        })?;
        // Row groups whose min/max exclude every wanted value are skipped unread.
        if let Some(leaf) = leaf(column) {
            let wanted: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
            let groups: Vec<usize> = builder
                .metadata()
                .row_groups()
                .iter()
                .enumerate()
                .filter(|(_, g)| match g.column(leaf).statistics() {
                    Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
                        (Some(min), Some(max)) => {
                            wanted.iter().any(|w| min.data() <= *w && *w <= max.data())
                        }
                        _ => true,
                    },
                    _ => true,
                })
                .map(|(i, _)| i)
                .collect();
            builder = builder.with_row_groups(groups);
        }
        let values = values.clone();
        let mask = ProjectionMask::roots(&parquet_schema, [index]);
        let predicate = ArrowPredicateFn::new(mask, move |batch: RecordBatch| {
            let column = arrow_cast::cast(batch.column(0), &arrow_schema::DataType::Utf8)?;
            let texts = column
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .expect("cast to Utf8 gives a StringArray");
            Ok(BooleanArray::from_iter((0..texts.len()).map(|i| {
                Some(!texts.is_null(i) && values.iter().any(|v| v == texts.value(i)))
            })))
        });
        builder = builder.with_row_filter(RowFilter::new(vec![Box::new(predicate)]));
    }
    if let Some(size) = read.batch_size {
        builder = builder.with_batch_size(size.max(1));
    }
    let reader = builder.build().map_err(|e| format_error(path, e))?;
    let schema = reader.schema();
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format_error(path, e))?;
    Ok((schema, batches))
}

/// Writes batches to a Parquet file (Zstandard level 3), replacing it.
///
/// # Errors
/// [`TableError::Io`] if the file cannot be created or written, [`TableError::Format`] if a
/// batch does not match the schema.
pub fn write_parquet(
    path: impl AsRef<Path>,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), TableError> {
    let path = path.as_ref();
    let file = File::create(path).map_err(|e| io_error(path, &e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| format_error(path, e))?,
        ))
        .build();
    let mut writer = ArrowWriter::try_new(file, Arc::clone(schema), Some(props))
        .map_err(|e| format_error(path, e))?;
    for batch in batches {
        writer.write(batch).map_err(|e| format_error(path, e))?;
    }
    writer.close().map_err(|e| format_error(path, e))?;
    Ok(())
}
