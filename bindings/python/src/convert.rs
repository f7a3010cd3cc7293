//! Conversions between Python values and core types, in one place.

use gridserve_core::network::busbranch::BusBranch;
use gridserve_core::network::{Action, ElementId, Network, NetworkError, Operation};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;
use serde_json::Value;

use crate::errors::IntoPy;

/// The serde (snake_case) name of a unit enum value, e.g. `Refusal::AlreadyOpen` →
/// `"already_open"`.
pub(crate) fn enum_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => e.to_string(),
    }
}

/// The Python name of an action: `open`, `close`, `fault`, `repair`, `take_out`, `restore`.
pub(crate) fn action_name(action: Action) -> String {
    enum_name(&action)
}

pub(crate) fn parse_action(py: Python<'_>, name: &str) -> PyResult<Action> {
    serde_json::from_value(Value::String(name.to_owned())).map_err(|_| {
        crate::errors::invalid_argument(
            py,
            format!(
                "unknown action {name:?}: expected one of open, close, fault, repair, take_out, restore"
            ),
        )
    })
}

/// The name of an element's kind: `point`, `line` or `source`.
pub(crate) fn element_kind(e: ElementId) -> (&'static str, u32) {
    match e {
        ElementId::Point(p) => ("point", p.0),
        ElementId::Line(l) => ("line", l.0),
        ElementId::Source(s) => ("source", s.0),
    }
}

/// Operations given as `(action, asset)` pairs, e.g. `[("open", "K12"), ("take_out", "L3")]`.
pub(crate) fn operations(
    py: Python<'_>,
    net: &Network,
    ops: Vec<(String, String)>,
) -> PyResult<Vec<Operation>> {
    ops.into_iter()
        .map(|(action, asset)| {
            let action = parse_action(py, &action)?;
            Operation::on(net, action, &asset).py_err(py)
        })
        .collect()
}

/// Operations back to `(action, asset)` pairs.
pub(crate) fn operation_pairs(net: &Network, ops: &[Operation]) -> Vec<(String, String)> {
    ops.iter()
        .map(|o| (action_name(o.action), net.asset(o.element).to_owned()))
        .collect()
}

/// A JSON value as the plain Python value (None, bool, int, float, str, list, dict).
pub(crate) fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_bound_py_any(py)?,
            (None, Some(u)) => u.into_bound_py_any(py)?,
            _ => n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?,
        },
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// Any serialisable value as plain Python values.
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value)
        .map_err(|e| PyValueError::new_err(format!("cannot convert to Python: {e}")))?;
    value_to_py(py, &v)
}

/// Records as columns: `{column: [values…]}` with the columns of the first record's fields in
/// order (every record of one type serialises the same fields, optional ones as `None`).
pub(crate) fn columns<'py, T: Serialize>(
    py: Python<'py>,
    records: &[T],
    fields: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(records.len()); fields.len()];
    for r in records {
        let v = serde_json::to_value(r)
            .map_err(|e| PyValueError::new_err(format!("cannot convert to Python: {e}")))?;
        let Value::Object(mut map) = v else {
            return Err(PyValueError::new_err("records must serialise as objects"));
        };
        for (col, f) in cols.iter_mut().zip(fields) {
            col.push(map.remove(*f).unwrap_or(Value::Null));
        }
    }
    let dict = PyDict::new(py);
    for (col, f) in cols.into_iter().zip(fields) {
        dict.set_item(*f, value_to_py(py, &Value::Array(col))?)?;
    }
    Ok(dict)
}

/// A Python scalar as a JSON value. None, NaN and the infinities (which JSON cannot hold) become
/// null, and the second value says which, so an error can name it; a float with an integral
/// value becomes an integer (a pandas column of bus ids turns into floats as soon as one value
/// is missing), which a number field reads as well.
fn py_to_value(v: &Bound<'_, PyAny>) -> PyResult<(Value, Option<&'static str>)> {
    if v.is_none() {
        return Ok((Value::Null, Some("None")));
    }
    if let Ok(b) = v.extract::<bool>() {
        return Ok((Value::Bool(b), None));
    }
    if let Ok(i) = v.extract::<i64>() {
        return Ok((Value::from(i), None));
    }
    if let Ok(f) = v.extract::<f64>() {
        if f.is_nan() {
            return Ok((Value::Null, Some("NaN")));
        }
        if f.is_infinite() {
            return Ok((Value::Null, Some(if f > 0.0 { "inf" } else { "-inf" })));
        }
        // Integral and exactly representable as i64 (|f| < 2^63).
        if f.fract() == 0.0 && f.abs() < 2f64.powi(63) {
            return Ok((Value::from(f as i64), None));
        }
        return Ok((
            serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
            None,
        ));
    }
    Ok((Value::String(v.str()?.to_string()), None))
}

/// The columns of the bus-branch rows, as `'static` names for [`NetworkError::Unmappable`].
const BUS_BRANCH_COLUMNS: [&str; 24] = [
    "id",
    "name",
    "in_service",
    "from_bus",
    "to_bus",
    "length_km",
    "max_i_ka",
    "hv_bus",
    "mv_bus",
    "lv_bus",
    "sn_mva",
    "sn_hv_mva",
    "sn_mv_mva",
    "sn_lv_mva",
    "std_type",
    "bus",
    "element",
    "et",
    "closed",
    "kind",
    "p_mw",
    "q_mvar",
    "type",
    "slack",
];

const BUS_BRANCH_TABLES: [&str; 10] = [
    "buses",
    "lines",
    "trafos",
    "trafo3ws",
    "impedances",
    "dclines",
    "tcscs",
    "switches",
    "slacks",
    "loads",
];

/// The bus-branch tables from `{table: {column: list}}`.
pub(crate) fn bus_branch(py: Python<'_>, tables: &Bound<'_, PyDict>) -> PyResult<BusBranch> {
    let mut bb = BusBranch::default();
    for (name, columns) in tables.iter() {
        let name: String = name.extract()?;
        let Some(&table) = BUS_BRANCH_TABLES.iter().find(|t| **t == name) else {
            return Err(crate::errors::invalid_argument(
                py,
                format!(
                    "unknown bus-branch table {name:?}: expected some of {}",
                    BUS_BRANCH_TABLES.join(", ")
                ),
            ));
        };
        let columns = columns.cast::<PyDict>()?;
        let mut cols: Vec<(String, Vec<Value>)> = Vec::new();
        // What each null cell was (None, NaN, inf), by column, for the errors.
        let mut nulls: Vec<Vec<Option<&'static str>>> = Vec::new();
        for (col, values) in columns.iter() {
            let (values, what): (Vec<Value>, Vec<Option<&'static str>>) = values
                .try_iter()?
                .map(|v| py_to_value(&v?))
                .collect::<PyResult<Vec<_>>>()?
                .into_iter()
                .unzip();
            cols.push((col.extract()?, values));
            nulls.push(what);
        }
        let rows = cols.first().map_or(0, |(_, v)| v.len());
        if let Some((col, v)) = cols.iter().find(|(_, v)| v.len() != rows) {
            return Err(crate::errors::invalid_argument(
                py,
                format!(
                    "table {table}: column {col} has {} values, others {rows}",
                    v.len()
                ),
            ));
        }
        let mut list = Vec::with_capacity(rows);
        for r in 0..rows {
            let mut row = serde_json::Map::new();
            for (col, values) in &cols {
                // Absent (null) values take the field's default where it has one.
                if !values[r].is_null() {
                    row.insert(col.clone(), values[r].clone());
                }
            }
            list.push(Value::Object(row));
        }
        let rows = Rows {
            table,
            list,
            cols: &cols,
            nulls: &nulls,
        };
        match table {
            "buses" => bb.buses = parse_rows(py, rows)?,
            "lines" => bb.lines = parse_rows(py, rows)?,
            "trafos" => bb.trafos = parse_rows(py, rows)?,
            "trafo3ws" => bb.trafo3ws = parse_rows(py, rows)?,
            "impedances" => bb.impedances = parse_rows(py, rows)?,
            "dclines" => bb.dclines = parse_rows(py, rows)?,
            "tcscs" => bb.tcscs = parse_rows(py, rows)?,
            "switches" => bb.switches = parse_rows(py, rows)?,
            "slacks" => bb.slacks = parse_rows(py, rows)?,
            _ => bb.loads = parse_rows(py, rows)?,
        }
    }
    Ok(bb)
}

/// The rows of one bus-branch table, with what each null cell was.
struct Rows<'a> {
    table: &'static str,
    list: Vec<Value>,
    cols: &'a [(String, Vec<Value>)],
    nulls: &'a [Vec<Option<&'static str>>],
}

/// Deserialises the rows of one table; an error names the table, the row's id, the column and
/// the value (`None`, `NaN`, `inf` for a required value that is missing or not finite, or the
/// column's absence).
fn parse_rows<T: serde::de::DeserializeOwned>(py: Python<'_>, rows: Rows<'_>) -> PyResult<Vec<T>> {
    let Rows {
        table,
        list,
        cols,
        nulls,
    } = rows;
    list.into_iter()
        .enumerate()
        .map(|(r, row)| {
            let id = row.get("id").map_or_else(
                || {
                    cols.iter()
                        .position(|(c, _)| c == "id")
                        .and_then(|k| nulls[k][r])
                        .map_or_else(|| format!("row {r}"), str::to_owned)
                },
                ToString::to_string,
            );
            serde_json::from_value(row).map_err(|e| {
                let text = e.to_string();
                // serde names a required field that is absent: `missing field `p_mw``.
                let missing = text
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next());
                let (field, value, reason) = match missing {
                    Some(name) => {
                        let field = BUS_BRANCH_COLUMNS
                            .iter()
                            .copied()
                            .find(|c| *c == name)
                            .unwrap_or("");
                        let given = cols
                            .iter()
                            .position(|(c, _)| c == name)
                            .and_then(|k| nulls[k][r]);
                        match given {
                            Some(what) => (
                                field,
                                what.to_owned(),
                                "a value is required here; a missing, NaN or infinite value is \
                                 not accepted"
                                    .to_owned(),
                            ),
                            None => (
                                field,
                                String::new(),
                                "the column is required and absent".to_owned(),
                            ),
                        }
                    }
                    None => ("", String::new(), text),
                };
                crate::errors::network_error(
                    py,
                    NetworkError::Unmappable {
                        table,
                        id,
                        field,
                        value,
                        reason,
                    },
                )
            })
        })
        .collect()
}
