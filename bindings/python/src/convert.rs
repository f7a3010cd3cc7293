//! Conversions between Python values and core types, in one place.

use gridserve_core::network::{Action, ElementId, Network, Operation};
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

fn parse_action(py: Python<'_>, name: &str) -> PyResult<Action> {
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
