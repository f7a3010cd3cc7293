//! Arrow record batches as tables: column access by the rules of the [`TableSpec`].
//!
//! A table arrives as a schema and its record batches (from pyarrow, polars, pandas, DuckDB or
//! a Parquet file). [`ArrowTable::new`] checks the column names against the spec (unknown,
//! duplicate and missing columns are refused exactly as the CSV readers refuse them) and
//! [`ArrowTable::for_each_row`] walks the rows with typed accessors. Columns are read in place
//! where their type allows (UTF-8 text of every layout, 64-bit floats and integers, booleans,
//! timestamps, dates); other types are cast once per batch to the nearest of those (dictionary
//! text → text, narrower numbers → 64-bit). A value is never converted lossily in silence: a
//! float where text is expected, a fraction where a whole number is expected, an integer beyond
//! 2⁵³ where a float is expected, or a time zone that is not a fixed offset is an error naming
//! the column and the value.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use rust_decimal::Decimal;

use super::{HeaderProblem, TableSpec};

/// China Standard Time, the zone of naive times.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// A table given as Arrow record batches, its columns checked against a spec.
#[derive(Debug, Clone)]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// Checks the schema's column names against `spec`.
    ///
    /// # Errors
    /// The first [`HeaderProblem`] of the column names, in schema order.
    pub fn new(
        spec: &'static TableSpec,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<Self, HeaderProblem> {
        spec.check_columns(schema.fields().iter().map(|f| f.name().as_str()))?;
        Ok(Self { schema, batches })
    }

    /// A table whose columns the caller has checked.
    pub(crate) fn unchecked(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        Self { schema, batches }
    }

    /// The schema.
    #[must_use]
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// The batches.
    #[must_use]
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// The number of rows.
    #[must_use]
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The position of the column called `name`, if present.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.schema.index_of(name).ok()
    }

    /// The name of the column at `index`.
    #[must_use]
    pub fn column_name(&self, index: usize) -> &str {
        self.schema.field(index).name()
    }

    /// Calls `f` on every row in order, with the row's 0-based index over all batches.
    ///
    /// # Errors
    /// The first error of `f`, or a [`CellError`] (converted by `E: From<CellError>`) if a
    /// column has a type no accessor reads.
    pub fn for_each_row<E: From<CellError>>(
        &self,
        mut f: impl FnMut(&ArrowRow<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut index = 0u64;
        for batch in &self.batches {
            let columns = batch
                .columns()
                .iter()
                .zip(self.schema.fields())
                .map(|(array, field)| View::new(array, field.name()))
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                f(&ArrowRow {
                    columns: &columns,
                    names: &self.schema,
                    row,
                    index,
                })?;
                index += 1;
            }
        }
        Ok(())
    }

    /// Every column of every batch typed once, so that the cells of any row can be read (and
    /// text borrowed from the Arrow buffers) for as long as the result lives: the form of the
    /// column-wise readers, which keep borrowed values across rows where
    /// [`ArrowTable::for_each_row`] lends them for one row.
    ///
    /// # Errors
    /// A [`CellError`] naming the first column (of the first batch) whose type no accessor
    /// reads.
    pub fn cells(&self) -> Result<ArrowCells<'_>, CellError> {
        let batches = self
            .batches
            .iter()
            .map(|batch| {
                let views = batch
                    .columns()
                    .iter()
                    .zip(self.schema.fields())
                    .map(|(array, field)| View::new(array, field.name()))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((views, batch.num_rows()))
            })
            .collect::<Result<Vec<_>, CellError>>()?;
        Ok(ArrowCells {
            schema: &self.schema,
            batches,
        })
    }
}

/// The typed columns of an [`ArrowTable`] (see [`ArrowTable::cells`]).
#[derive(Debug)]
pub struct ArrowCells<'t> {
    schema: &'t SchemaRef,
    batches: Vec<(Vec<View>, usize)>,
}

impl ArrowCells<'_> {
    /// The number of rows.
    #[must_use]
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|(_, n)| n).sum()
    }

    /// Whether the column at `column` holds text (of any Arrow layout; every batch has the
    /// schema's type). `true` for a table without batches.
    #[must_use]
    pub fn is_text(&self, column: usize) -> bool {
        self.batches.first().is_none_or(|(views, _)| {
            matches!(
                views.get(column),
                Some(View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_))
            )
        })
    }

    /// The rows in order, each with its 0-based index over all batches; the values they lend
    /// live as long as `self`.
    pub fn rows(&self) -> impl Iterator<Item = ArrowRow<'_>> + '_ {
        let mut first = 0u64;
        self.batches.iter().flat_map(move |(views, n)| {
            let start = first;
            first += *n as u64;
            (0..*n).map(move |row| ArrowRow {
                columns: views,
                names: self.schema,
                row,
                index: start + row as u64,
            })
        })
    }
}

impl<'t> ArrowCells<'t> {
    /// The batches in order, each with its typed columns (the form of the column-wise readers
    /// that read a whole column of a batch at a time).
    pub(crate) fn batches(&self) -> impl Iterator<Item = BatchCells<'_>> + '_ {
        let mut first = 0u64;
        self.batches.iter().map(move |(views, n)| {
            let start = first;
            first += *n as u64;
            BatchCells {
                views,
                names: self.schema,
                rows: *n,
                first: start,
            }
        })
    }
}

/// One batch of [`ArrowCells`]: its columns typed for reading in bulk, and its rows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BatchCells<'a> {
    views: &'a [View],
    names: &'a SchemaRef,
    rows: usize,
    first: u64,
}

impl<'a> BatchCells<'a> {
    /// The number of rows of the batch.
    pub(crate) fn num_rows(&self) -> usize {
        self.rows
    }

    /// The 0-based index of the batch's first row over all batches.
    pub(crate) fn first_row(&self) -> usize {
        usize::try_from(self.first).unwrap_or(usize::MAX)
    }

    /// The column at `column` as its array, where the type is one the column-wise readers
    /// read directly.
    pub(crate) fn column(&self, column: usize) -> Column<'a> {
        match self.views.get(column) {
            Some(View::Utf8(a)) => Column::Utf8(a.as_string::<i32>()),
            Some(View::LargeUtf8(a)) => Column::LargeUtf8(a.as_string::<i64>()),
            Some(View::Utf8View(a)) => Column::Utf8View(a.as_string_view()),
            Some(View::Float64(a)) => Column::Float64(a.as_primitive::<Float64Type>()),
            Some(View::Boolean(a)) => Column::Boolean(a.as_boolean()),
            Some(View::Null) => Column::Null,
            _ => Column::Other,
        }
    }

    /// The row at `row` of the batch, with the typed accessors of [`ArrowRow`].
    pub(crate) fn row(&self, row: usize) -> ArrowRow<'a> {
        ArrowRow {
            columns: self.views,
            names: self.names,
            row,
            index: self.first + row as u64,
        }
    }
}

/// A column of one batch as its Arrow array (see [`BatchCells::column`]); `Other` for a type
/// read only through [`ArrowRow`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Column<'a> {
    /// UTF-8 text with 32-bit offsets (dictionary text is cast to it).
    Utf8(&'a arrow_array::StringArray),
    /// UTF-8 text with 64-bit offsets.
    LargeUtf8(&'a arrow_array::LargeStringArray),
    /// UTF-8 text views.
    Utf8View(&'a arrow_array::StringViewArray),
    /// 64-bit floats (a NaN is a missing value, as everywhere in this module).
    Float64(&'a arrow_array::Float64Array),
    /// Booleans.
    Boolean(&'a arrow_array::BooleanArray),
    /// A column of nulls only.
    Null,
    /// Any other type.
    Other,
}

impl<'a> Column<'a> {
    /// The text at `row` as [`ArrowRow::text`] lends it from the buffers: `Some(None)` for a
    /// missing cell, `None` if the column does not hold text (or holds it only as made text,
    /// such as integer ids).
    #[inline]
    pub(crate) fn text(self, row: usize) -> Option<Option<&'a str>> {
        Some(match self {
            Self::Utf8(a) => (!a.is_null(row)).then(|| a.value(row)),
            Self::LargeUtf8(a) => (!a.is_null(row)).then(|| a.value(row)),
            Self::Utf8View(a) => (!a.is_null(row)).then(|| a.value(row)),
            Self::Null => None,
            Self::Float64(_) | Self::Boolean(_) | Self::Other => return None,
        })
    }
}

/// A value of a cell that cannot be read as the column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The row's 0-based index over all batches (`None` for a problem of the whole column).
    pub row: Option<u64>,
    /// The column's name.
    pub column: String,
    /// What is wrong, with an excerpt of the value.
    pub message: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.row {
            Some(row) => write!(f, "row {row}, column `{}`: {}", self.column, self.message),
            None => write!(f, "column `{}`: {}", self.column, self.message),
        }
    }
}

impl std::error::Error for CellError {}

/// One column of a batch, typed.
#[derive(Debug)]
#[allow(clippy::enum_variant_names)] // named after the Arrow types they hold
enum View {
    Utf8(ArrayRef),
    LargeUtf8(ArrayRef),
    Utf8View(ArrayRef),
    Float64(ArrayRef),
    Int64(ArrayRef),
    UInt64(ArrayRef),
    Boolean(ArrayRef),
    /// Raw timestamp values in `unit`, in `zone` (`None`: naive, read as China Standard Time).
    Timestamp(ArrayRef, TimeUnit, Option<FixedOffset>),
    Date32(ArrayRef),
    Decimal128(ArrayRef, i8),
    /// A list of texts (values cast to UTF-8).
    List(ArrayRef),
    Null,
}

fn whole_column(column: &str, message: String) -> CellError {
    CellError {
        row: None,
        column: column.to_owned(),
        message,
    }
}

/// A time zone of an Arrow timestamp as a fixed offset: `UTC`/`Z`, `±HH:MM`, and the zones of
/// mainland China, Hong Kong and Macau (fixed at +08:00 since 1992).
fn zone_of(tz: &str) -> Option<FixedOffset> {
    match tz {
        "UTC" | "Z" | "Etc/UTC" | "utc" => FixedOffset::east_opt(0),
        "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC"
        | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" => Some(cst()),
        _ => {
            let (sign, rest) = match tz.as_bytes().first()? {
                b'+' => (1, &tz[1..]),
                b'-' => (-1, &tz[1..]),
                _ => return None,
            };
            let (h, m) = rest
                .split_once(':')
                .unwrap_or((rest.get(..2)?, rest.get(2..)?));
            let (h, m): (i32, i32) = (
                h.parse().ok()?,
                if m.is_empty() { 0 } else { m.parse().ok()? },
            );
            FixedOffset::east_opt(sign * (h * 3600 + m * 60))
        }
    }
}

impl View {
    fn new(array: &ArrayRef, column: &str) -> Result<Self, CellError> {
        let cast = |to: &DataType| {
            arrow_cast::cast(array, to).map_err(|e| {
                whole_column(
                    column,
                    format!("cannot read a column of type {}: {e}", array.data_type()),
                )
            })
        };
        Ok(match array.data_type() {
            DataType::Utf8 => Self::Utf8(array.clone()),
            DataType::LargeUtf8 => Self::LargeUtf8(array.clone()),
            DataType::Utf8View => Self::Utf8View(array.clone()),
            DataType::Dictionary(_, value) if value.is_primitive() => {
                Self::new(&cast(value)?, column)?
            }
            DataType::Dictionary(..) => Self::Utf8(cast(&DataType::Utf8)?),
            DataType::Float64 => Self::Float64(array.clone()),
            DataType::Float16 | DataType::Float32 => Self::Float64(cast(&DataType::Float64)?),
            DataType::Int64 => Self::Int64(array.clone()),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => Self::Int64(cast(&DataType::Int64)?),
            DataType::UInt64 => Self::UInt64(array.clone()),
            DataType::Boolean => Self::Boolean(array.clone()),
            DataType::Timestamp(unit, tz) => {
                let zone = match tz {
                    None => None,
                    Some(tz) => Some(zone_of(tz).ok_or_else(|| {
                        whole_column(
                            column,
                            format!(
                                "the time zone {:?} is not a fixed offset gridserve knows; \
                                 convert the column to UTC or to an offset such as +08:00",
                                crate::excerpt(tz)
                            ),
                        )
                    })?),
                };
                Self::Timestamp(array.clone(), *unit, zone)
            }
            DataType::Date32 => Self::Date32(array.clone()),
            DataType::Date64 => Self::Date32(cast(&DataType::Date32)?),
            DataType::Decimal128(_, scale) => Self::Decimal128(array.clone(), *scale),
            DataType::List(_) | DataType::LargeList(_) | DataType::ListView(_) => {
                let to = DataType::List(Arc::new(arrow_schema::Field::new(
                    "item",
                    DataType::Utf8,
                    true,
                )));
                Self::List(cast(&to)?)
            }
            DataType::Null => Self::Null,
            other => {
                return Err(whole_column(
                    column,
                    format!("a column of type {other} cannot be read"),
                ));
            }
        })
    }

    fn type_name(&self) -> &'static str {
        match self {
            Self::Utf8(_) | Self::LargeUtf8(_) | Self::Utf8View(_) => "text",
            Self::Float64(_) => "a float",
            Self::Int64(_) | Self::UInt64(_) => "an integer",
            Self::Boolean(_) => "a boolean",
            Self::Timestamp(..) => "a timestamp",
            Self::Date32(_) => "a date",
            Self::Decimal128(..) => "a decimal",
            Self::List(_) => "a list",
            Self::Null => "null",
        }
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Self::Null => true,
            Self::Utf8(a)
            | Self::LargeUtf8(a)
            | Self::Utf8View(a)
            | Self::Int64(a)
            | Self::UInt64(a)
            | Self::Boolean(a)
            | Self::Timestamp(a, ..)
            | Self::Date32(a)
            | Self::Decimal128(a, _)
            | Self::List(a) => a.is_null(row),
            Self::Float64(a) => {
                a.is_null(row) || a.as_primitive::<Float64Type>().value(row).is_nan()
            }
        }
    }
}

/// One row of an [`ArrowTable`], with typed accessors. Each returns `Ok(None)` for a missing
/// cell (null, NaN or an absent column) and an error message for a value of the wrong kind.
#[derive(Debug)]
pub struct ArrowRow<'a> {
    columns: &'a [View],
    names: &'a SchemaRef,
    row: usize,
    index: u64,
}

/// Shortest decimal text of a float, as Python and JavaScript print it.
fn float_text(v: f64) -> String {
    let text = format!("{v}");
    text
}

impl<'a> ArrowRow<'a> {
    /// The row's 0-based index over all batches.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// An error about this row's cell in `column`.
    #[must_use]
    pub fn error(&self, column: usize, message: String) -> CellError {
        CellError {
            row: Some(self.index),
            column: self.names.field(column).name().clone(),
            message,
        }
    }

    /// Whether the column holds text (of any Arrow layout).
    #[must_use]
    pub fn is_text(&self, column: usize) -> bool {
        matches!(
            self.columns.get(column),
            Some(View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_))
        )
    }

    fn view(&self, column: usize) -> Option<&'a View> {
        self.columns.get(column).filter(|v| !v.is_null(self.row))
    }

    fn wrong(&self, column: usize, view: &View, expected: &str) -> String {
        let shown = match view {
            View::Float64(a) => format!(
                " ({})",
                float_text(a.as_primitive::<Float64Type>().value(self.row))
            ),
            _ => String::new(),
        };
        let _ = column;
        format!("{}{shown} where {expected} is expected", view.type_name())
    }

    /// The cell as text: text as it is, integers as their decimal digits (ids of an integer
    /// dtype). `None` if missing.
    ///
    /// # Errors
    /// The message for a cell of another type.
    pub fn text(&self, column: usize) -> Result<Option<Cow<'a, str>>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        let row = self.row;
        Ok(Some(match view {
            View::Utf8(a) => Cow::Borrowed(a.as_string::<i32>().value(row)),
            View::LargeUtf8(a) => Cow::Borrowed(a.as_string::<i64>().value(row)),
            View::Utf8View(a) => Cow::Borrowed(a.as_string_view().value(row)),
            View::Int64(a) => Cow::Owned(a.as_primitive::<Int64Type>().value(row).to_string()),
            View::UInt64(a) => Cow::Owned(a.as_primitive::<UInt64Type>().value(row).to_string()),
            other => return Err(self.wrong(column, other, "text")),
        }))
    }

    /// The cell as a float. Text is parsed; an integer beyond ±2⁵³ is refused (it has no exact
    /// float).
    ///
    /// # Errors
    /// The message for a cell of another type or text that is not a number.
    pub fn number(&self, column: usize) -> Result<Option<f64>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        const EXACT: i64 = 1 << 53;
        let row = self.row;
        Ok(Some(match view {
            View::Float64(a) => a.as_primitive::<Float64Type>().value(row),
            View::Int64(a) => {
                let v = a.as_primitive::<Int64Type>().value(row);
                if !(-EXACT..=EXACT).contains(&v) {
                    return Err(format!("{v} has no exact float value"));
                }
                v as f64
            }
            View::UInt64(a) => {
                let v = a.as_primitive::<UInt64Type>().value(row);
                if v > EXACT as u64 {
                    return Err(format!("{v} has no exact float value"));
                }
                v as f64
            }
            View::Decimal128(..) => {
                let d = self.decimal(column)?.unwrap_or_default();
                d.to_string()
                    .parse()
                    .map_err(|_| format!("{d} is not a number"))?
            }
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                text.parse()
                    .map_err(|_| format!("{:?} is not a number", crate::excerpt(text)))?
            }
            other => return Err(self.wrong(column, other, "a number")),
        }))
    }

    /// The cell as a whole number: integers, floats with no fraction (pandas stores an
    /// integer column with a missing value as floats), text of digits.
    ///
    /// # Errors
    /// The message for a fraction, a cell of another type or text that is not a whole number.
    pub fn integer(&self, column: usize) -> Result<Option<i64>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        let row = self.row;
        Ok(Some(match view {
            View::Int64(a) => a.as_primitive::<Int64Type>().value(row),
            View::UInt64(a) => {
                let v = a.as_primitive::<UInt64Type>().value(row);
                i64::try_from(v).map_err(|_| format!("{v} is too large"))?
            }
            View::Float64(a) => {
                let v = a.as_primitive::<Float64Type>().value(row);
                if v.fract() != 0.0 || v.abs() > 9.007_199_254_740_992e15 {
                    return Err(format!("{} is not a whole number", float_text(v)));
                }
                v as i64
            }
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                text.parse()
                    .map_err(|_| format!("{:?} is not a whole number", crate::excerpt(text)))?
            }
            other => return Err(self.wrong(column, other, "a whole number")),
        }))
    }

    /// The cell as a boolean: booleans, 0/1 numbers, and the texts `true/false`, `yes/no`,
    /// `1/0` (any case).
    ///
    /// # Errors
    /// The message for any other value.
    pub fn boolean(&self, column: usize) -> Result<Option<bool>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        let row = self.row;
        let from_number = |v: f64| {
            if v == 0.0 {
                Ok(false)
            } else if v == 1.0 {
                Ok(true)
            } else {
                Err(format!(
                    "{} is not a boolean (true/false or 1/0)",
                    float_text(v)
                ))
            }
        };
        Ok(Some(match view {
            View::Boolean(a) => a.as_boolean().value(row),
            View::Float64(a) => from_number(a.as_primitive::<Float64Type>().value(row))?,
            View::Int64(a) => from_number(a.as_primitive::<Int64Type>().value(row) as f64)?,
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                if text.trim().is_empty() {
                    return Ok(None);
                }
                super::parse_bool(&text)?
            }
            other => return Err(self.wrong(column, other, "a boolean")),
        }))
    }

    /// The cell as an instant: a timestamp (naive = China Standard Time), a date (midnight
    /// China Standard Time) or ISO 8601 text (naive = China Standard Time).
    ///
    /// # Errors
    /// The message for any other value.
    pub fn timestamp(&self, column: usize) -> Result<Option<DateTime<FixedOffset>>, String> {
        Ok(self.timestamp_ms(column)?.map(|(ms, zone)| {
            zone.timestamp_millis_opt(ms)
                .single()
                .expect("an instant in range has one local time in a fixed offset")
        }))
    }

    /// The cell as milliseconds since the epoch with its zone (see [`ArrowRow::timestamp`]).
    /// Sub-millisecond digits are truncated toward the past.
    ///
    /// # Errors
    /// The message for any other value or an instant outside ±262,000 years.
    pub fn timestamp_ms(&self, column: usize) -> Result<Option<(i64, FixedOffset)>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        let row = self.row;
        let out_of_range = || "the instant is out of range".to_owned();
        Ok(Some(match view {
            View::Timestamp(a, unit, zone) => {
                let naive = zone.is_none();
                let zone = zone.unwrap_or_else(cst);
                let ms = match unit {
                    TimeUnit::Second => a
                        .as_primitive::<TimestampSecondType>()
                        .value(row)
                        .checked_mul(1000)
                        .ok_or_else(out_of_range)?,
                    TimeUnit::Millisecond => {
                        a.as_primitive::<TimestampMillisecondType>().value(row)
                    }
                    TimeUnit::Microsecond => a
                        .as_primitive::<TimestampMicrosecondType>()
                        .value(row)
                        .div_euclid(1000),
                    TimeUnit::Nanosecond => a
                        .as_primitive::<TimestampNanosecondType>()
                        .value(row)
                        .div_euclid(1_000_000),
                };
                // A naive timestamp holds the wall-clock time as if it were UTC.
                let ms = if naive {
                    ms.checked_sub(i64::from(zone.local_minus_utc()) * 1000)
                        .ok_or_else(out_of_range)?
                } else {
                    ms
                };
                DateTime::from_timestamp_millis(ms).ok_or_else(out_of_range)?;
                (ms, zone)
            }
            View::Date32(a) => {
                let days = a.as_primitive::<Date32Type>().value(row);
                let date = NaiveDate::from_num_days_from_ce_opt(days + 719_163)
                    .ok_or_else(out_of_range)?;
                let local = date.and_hms_opt(0, 0, 0).ok_or_else(out_of_range)?;
                let at = cst()
                    .from_local_datetime(&local)
                    .single()
                    .ok_or_else(out_of_range)?;
                (at.timestamp_millis(), cst())
            }
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                let at = crate::reliability::record::parse_timestamp(text, cst())?;
                (at.timestamp_millis(), *at.offset())
            }
            other => return Err(self.wrong(column, other, "a time")),
        }))
    }

    /// The cell as a calendar date: a date, a timestamp's date in its zone (naive = China
    /// Standard Time), or `YYYY-MM-DD` text.
    ///
    /// # Errors
    /// The message for any other value.
    pub fn date(&self, column: usize) -> Result<Option<NaiveDate>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        Ok(Some(match view {
            View::Date32(a) => {
                let days = a.as_primitive::<Date32Type>().value(self.row);
                NaiveDate::from_num_days_from_ce_opt(days + 719_163)
                    .ok_or_else(|| "the date is out of range".to_owned())?
            }
            View::Timestamp(..) => self
                .timestamp(column)?
                .map(|t| t.date_naive())
                .ok_or_else(|| "the date is out of range".to_owned())?,
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_err(|_| format!("{:?} is not a date (YYYY-MM-DD)", crate::excerpt(text)))?
            }
            other => return Err(self.wrong(column, other, "a date")),
        }))
    }

    /// The cell as an exact decimal: decimal text, an Arrow decimal, an integer, or a float
    /// read by its shortest decimal form (0.1 is 0.1, not 0.1000000000000000055…).
    ///
    /// # Errors
    /// The message for any other value, or one that does not fit 28 significant digits.
    pub fn decimal(&self, column: usize) -> Result<Option<Decimal>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        let row = self.row;
        Ok(Some(match view {
            View::Decimal128(a, scale) => {
                let v = a.as_primitive::<Decimal128Type>().value(row);
                let scale = u32::try_from(*scale)
                    .map_err(|_| "a decimal with a negative scale cannot be read".to_owned())?;
                Decimal::try_from_i128_with_scale(v, scale)
                    .map_err(|_| "the decimal has more than 28 significant digits".to_owned())?
            }
            View::Int64(a) => Decimal::from(a.as_primitive::<Int64Type>().value(row)),
            View::UInt64(a) => Decimal::from(a.as_primitive::<UInt64Type>().value(row)),
            View::Float64(a) => {
                let v = a.as_primitive::<Float64Type>().value(row);
                if !v.is_finite() {
                    return Err(format!("{v} is not a finite number"));
                }
                crate::tariff::exact::parse_decimal(&float_text(v))?
            }
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                let text = text.trim();
                if text.is_empty() {
                    return Ok(None);
                }
                crate::tariff::exact::parse_decimal(text)?
            }
            other => return Err(self.wrong(column, other, "a decimal number")),
        }))
    }

    /// The cell as a list of texts (integers as their digits). A text cell is split at `;`
    /// (the CSV form).
    ///
    /// # Errors
    /// The message for any other value.
    pub fn text_list(&self, column: usize) -> Result<Option<Vec<String>>, String> {
        let Some(view) = self.view(column) else {
            return Ok(None);
        };
        Ok(Some(match view {
            View::List(a) => {
                let list = a.as_list::<i32>().value(self.row);
                let texts = list.as_string::<i32>();
                (0..texts.len())
                    .map(|i| {
                        if texts.is_null(i) {
                            Err("the list holds a missing value".to_owned())
                        } else {
                            Ok(texts.value(i).to_owned())
                        }
                    })
                    .collect::<Result<_, _>>()?
            }
            View::Utf8(_) | View::LargeUtf8(_) | View::Utf8View(_) => {
                let text = self.text(column)?.unwrap_or_default();
                text.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            other => return Err(self.wrong(column, other, "a list of texts")),
        }))
    }
}
