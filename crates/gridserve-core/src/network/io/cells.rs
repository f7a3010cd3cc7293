//! The rows of the network tables, read the same way from every form: the column checks of
//! the table spec, one reader per table, and the cell types. CSV and Arrow (and so Parquet)
//! implement [`Input`] and [`Cells`]; the records and the errors are then the same whichever
//! form the table came in.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::de::{DeserializeOwned, IntoDeserializer};

use crate::network::error::NetworkError;
use crate::network::records::{
    Contact, ContactRole, CustomerRecord, Importance, PointKind, PointRecord, SegmentKind,
    SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord, TransformerUsage,
};
#[cfg(feature = "arrow")]
use crate::table::arrow::ArrowRow;
use crate::table::{self, TableSpec};

use super::CUSTOMERS_CSV;

/// The value of an empty or absent `in_service` cell: in service.
pub(super) const DEFAULT_IN_SERVICE: bool = true;
/// The value of an empty or absent `normally_open` cell of a switch: closed.
pub(super) const DEFAULT_NORMALLY_OPEN: bool = false;
/// The value of an empty or absent `remote` cell of a switch: not remote-controlled.
pub(super) const DEFAULT_REMOTE: bool = false;

/// A table being read: its columns, then its rows.
pub(super) trait Input: Sized {
    /// One row.
    type Row<'r>: Cells
    where
        Self: 'r;

    /// Checks the columns against the table's spec (unknown, duplicate, missing columns).
    fn check(&self, spec: &'static TableSpec) -> Result<(), NetworkError>;

    /// The position of the column called `name`, if present (after [`Input::check`], at most
    /// once).
    fn column_opt(&self, name: &str) -> Result<Option<usize>, NetworkError>;

    /// The position of a column [`Input::check`] found present.
    fn required(&self, name: &str) -> Result<usize, NetworkError>;

    /// Reads every row with `parse`, in order.
    fn rows<T>(
        self,
        parse: impl FnMut(&Self::Row<'_>) -> Result<T, NetworkError>,
    ) -> Result<Vec<T>, NetworkError>;
}

/// The cells of one row.
pub(super) trait Cells {
    /// The text of a cell verbatim, `None` if it is missing (an Arrow null).
    fn raw(&self, column: usize) -> Result<Option<Cow<'_, str>>, NetworkError>;

    /// The value of a cell, `None` if it is missing or empty.
    fn typed<T: FromCell>(&self, column: usize) -> Result<Option<T>, NetworkError>;

    /// An error about this row's cell in `column`.
    fn error(&self, column: usize, message: String) -> NetworkError;

    /// The text of a cell verbatim, empty if missing.
    fn cell(&self, column: usize) -> Result<Cow<'_, str>, NetworkError> {
        Ok(self.raw(column)?.unwrap_or_default())
    }

    /// The text of a required text column.
    fn text(&self, column: usize) -> Result<String, NetworkError> {
        self.cell(column).map(Cow::into_owned)
    }

    /// The text of an optional text column, `None` if the column is absent or the cell empty.
    fn opt_text(&self, column: Option<usize>) -> Result<Option<String>, NetworkError> {
        let Some(column) = column else {
            return Ok(None);
        };
        Ok(self
            .raw(column)?
            .filter(|cell| !cell.is_empty())
            .map(Cow::into_owned))
    }

    /// The value of a required column; an empty cell is an error.
    fn value<T: FromCell>(&self, column: usize) -> Result<T, NetworkError> {
        self.typed(column)?.ok_or_else(|| {
            self.error(
                column,
                "the cell is empty but the column requires a value".to_owned(),
            )
        })
    }

    /// The value of an optional column, `None` if the column is absent or the cell empty.
    fn opt_value<T: FromCell>(&self, column: Option<usize>) -> Result<Option<T>, NetworkError> {
        match column {
            Some(column) => self.typed(column),
            None => Ok(None),
        }
    }
}

pub(super) fn read_points<I: Input>(table: I) -> Result<Vec<PointRecord>, NetworkError> {
    table.check(&table::POINTS)?;
    let asset = table.required("asset")?;
    let kind = table.column_opt("kind")?;
    let name = table.column_opt("name")?;
    let in_service = table.column_opt("in_service")?;
    table.rows(|row| {
        Ok(PointRecord {
            asset: row.text(asset)?,
            kind: row.opt_value(kind)?.unwrap_or_default(),
            name: row.opt_text(name)?,
            in_service: row.opt_value(in_service)?.unwrap_or(DEFAULT_IN_SERVICE),
        })
    })
}

pub(super) fn read_segments<I: Input>(table: I) -> Result<Vec<SegmentRecord>, NetworkError> {
    table.check(&table::SEGMENTS)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let kind = table.column_opt("kind")?;
    let length_m = table.required("length_m")?;
    let rated_current_a = table.column_opt("rated_current_a")?;
    let in_service = table.column_opt("in_service")?;
    table.rows(|row| {
        Ok(SegmentRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            kind: row.opt_value(kind)?.unwrap_or_default(),
            length_m: row.value(length_m)?,
            rated_current_a: row.opt_value(rated_current_a)?,
            in_service: row.opt_value(in_service)?.unwrap_or(DEFAULT_IN_SERVICE),
        })
    })
}

pub(super) fn read_switches<I: Input>(table: I) -> Result<Vec<SwitchRecord>, NetworkError> {
    table.check(&table::SWITCHES)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let kind = table.required("kind")?;
    let normally_open = table.column_opt("normally_open")?;
    let protective = table.required("protective")?;
    let remote = table.column_opt("remote")?;
    let in_service = table.column_opt("in_service")?;
    table.rows(|row| {
        Ok(SwitchRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            kind: row.value(kind)?,
            normally_open: row
                .opt_value(normally_open)?
                .unwrap_or(DEFAULT_NORMALLY_OPEN),
            protective: row.value(protective)?,
            remote: row.opt_value(remote)?.unwrap_or(DEFAULT_REMOTE),
            in_service: row.opt_value(in_service)?.unwrap_or(DEFAULT_IN_SERVICE),
        })
    })
}

pub(super) fn read_transformers<I: Input>(
    table: I,
) -> Result<Vec<TransformerRecord>, NetworkError> {
    table.check(&table::TRANSFORMERS)?;
    let asset = table.required("asset")?;
    let from = table.required("from")?;
    let to = table.required("to")?;
    let rated_kva = table.required("rated_kva")?;
    let model = table.column_opt("model")?;
    let year_in_service = table.column_opt("year_in_service")?;
    let usage = table.column_opt("usage")?;
    let in_service = table.column_opt("in_service")?;
    table.rows(|row| {
        Ok(TransformerRecord {
            asset: row.text(asset)?,
            from: row.text(from)?,
            to: row.text(to)?,
            rated_kva: row.value(rated_kva)?,
            model: row.opt_text(model)?.unwrap_or_default(),
            year_in_service: row.opt_value(year_in_service)?,
            usage: row.opt_value(usage)?.unwrap_or_default(),
            in_service: row.opt_value(in_service)?.unwrap_or(DEFAULT_IN_SERVICE),
        })
    })
}

pub(super) fn read_sources<I: Input>(table: I) -> Result<Vec<SourceRecord>, NetworkError> {
    table.check(&table::SOURCES)?;
    let asset = table.required("asset")?;
    let point = table.required("point")?;
    let name = table.column_opt("name")?;
    let capacity_kva = table.required("capacity_kva")?;
    let in_service = table.column_opt("in_service")?;
    table.rows(|row| {
        Ok(SourceRecord {
            asset: row.text(asset)?,
            point: row.text(point)?,
            name: row.opt_text(name)?,
            capacity_kva: row.value(capacity_kva)?,
            in_service: row.opt_value(in_service)?.unwrap_or(DEFAULT_IN_SERVICE),
        })
    })
}

pub(super) fn read_customers<I: Input>(table: I) -> Result<Vec<CustomerRecord>, NetworkError> {
    table.check(&table::CUSTOMERS)?;
    let number = table.required("number")?;
    let name = table.column_opt("name")?;
    let point = table.required("point")?;
    let contracted_kva = table.required("contracted_kva")?;
    let load_kw = table.required("load_kw")?;
    let importance = table.column_opt("importance")?;
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
pub(super) fn read_contacts<I: Input>(
    table: I,
    customers: &mut [CustomerRecord],
) -> Result<(), NetworkError> {
    table.check(&table::CONTACTS)?;
    let customer = table.required("customer")?;
    let name = table.required("name")?;
    let phone = table.required("phone")?;
    let role = table.column_opt("role")?;
    let level = table.column_opt("level")?;
    let mut by_number = HashMap::with_capacity(customers.len());
    for (index, record) in customers.iter().enumerate() {
        by_number.entry(record.number.as_str()).or_insert(index);
    }
    let contacts = table.rows(|row| {
        let number = row.cell(customer)?;
        let &owner = by_number.get(number.as_ref()).ok_or_else(|| {
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

/// A value read from one trimmed, non-empty cell; the error is the message for the user.
pub(super) trait FromCell: Sized {
    fn from_cell(cell: &str) -> Result<Self, String>;

    /// The value of an Arrow cell, `None` if missing: by default its text, read as a CSV cell.
    #[cfg(feature = "arrow")]
    fn from_arrow(row: &ArrowRow<'_>, column: usize) -> Result<Option<Self>, String> {
        from_text(row, column)
    }
}

/// An Arrow cell's text read as a CSV cell (trimmed; empty = missing), so text columns give
/// the CSV reader's values and messages.
#[cfg(feature = "arrow")]
fn from_text<T: FromCell>(row: &ArrowRow<'_>, column: usize) -> Result<Option<T>, String> {
    match row.text(column)? {
        Some(text) if !text.trim().is_empty() => T::from_cell(text.trim()).map(Some),
        _ => Ok(None),
    }
}

impl FromCell for f64 {
    fn from_cell(cell: &str) -> Result<Self, String> {
        cell.parse()
            .map_err(|_| format!("{cell:?} is not a number"))
    }

    #[cfg(feature = "arrow")]
    fn from_arrow(row: &ArrowRow<'_>, column: usize) -> Result<Option<Self>, String> {
        if row.is_text(column) {
            return from_text(row, column);
        }
        row.number(column)
    }
}

impl FromCell for bool {
    fn from_cell(cell: &str) -> Result<Self, String> {
        crate::table::parse_bool(cell)
    }

    #[cfg(feature = "arrow")]
    fn from_arrow(row: &ArrowRow<'_>, column: usize) -> Result<Option<Self>, String> {
        if row.is_text(column) {
            return from_text(row, column);
        }
        row.boolean(column)
    }
}

macro_rules! integer_cells {
    ($($int:ty),*) => {$(
        impl FromCell for $int {
            fn from_cell(cell: &str) -> Result<Self, String> {
                cell.parse()
                    .map_err(|_| format!("{cell:?} is not a whole number from 0 to {}", <$int>::MAX))
            }

            #[cfg(feature = "arrow")]
            fn from_arrow(row: &ArrowRow<'_>, column: usize) -> Result<Option<Self>, String> {
                if row.is_text(column) {
                    return from_text(row, column);
                }
                row.integer(column)?
                    .map(|v| <$int>::try_from(v).map_err(|_| {
                        format!("{:?} is not a whole number from 0 to {}", v.to_string(), <$int>::MAX)
                    }))
                    .transpose()
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
pub(super) fn by_name<T: DeserializeOwned>(cell: &str) -> Result<T, String> {
    T::deserialize(cell.into_deserializer()).map_err(|err: serde::de::value::Error| err.to_string())
}
