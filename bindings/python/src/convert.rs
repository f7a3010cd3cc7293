//! Conversions between Python values and core types, in one place.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
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
                "unknown action {:?}: expected one of open, close, fault, repair, take_out, restore",
                gridserve_core::excerpt(name)
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
    ops: Vec<(Text, Text)>,
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
const BUS_BRANCH_COLUMNS: [&str; 25] = [
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
    "control_mode_ac",
];

const BUS_BRANCH_TABLES: [&str; 13] = [
    "buses",
    "lines",
    "trafos",
    "trafo3ws",
    "impedances",
    "dclines",
    "tcscs",
    "switches",
    "ext_grids",
    "gens",
    "vscs",
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
                // A null cell (None, NaN, inf) in a column the caller gave stays null: an
                // optional field reads it as not given, any other field refuses it by name. Only
                // an absent column takes a field's default.
                row.insert(col.clone(), values[r].clone());
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
            "ext_grids" => bb.ext_grids = parse_rows(py, rows)?,
            "gens" => bb.gens = parse_rows(py, rows)?,
            "vscs" => bb.vscs = parse_rows(py, rows)?,
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
            let id = row.get("id").filter(|v| !v.is_null()).map_or_else(
                || {
                    cols.iter()
                        .position(|(c, _)| c == "id")
                        .and_then(|k| nulls[k][r])
                        .map_or_else(|| format!("row {r}"), str::to_owned)
                },
                ToString::to_string,
            );
            serde_path_to_error::deserialize(&row).map_err(|e| {
                let inner = e.inner().to_string();
                // A wrong value has its column in the path; an absent required one is named by
                // serde's message (`missing field `p_mw``), the path then being the row.
                let column = inner
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map_or_else(|| e.path().to_string(), str::to_owned);
                let field = BUS_BRANCH_COLUMNS
                    .iter()
                    .copied()
                    .find(|c| *c == column)
                    .unwrap_or("");
                let given_null = cols
                    .iter()
                    .position(|(c, _)| *c == column)
                    .and_then(|k| nulls[k][r]);
                let (value, reason) = match (row.get(&column).filter(|v| !v.is_null()), given_null)
                {
                    (Some(v), _) => (v.to_string(), format!("column {column}: {inner}")),
                    (None, Some(what)) => (
                        what.to_owned(),
                        format!(
                            "column {column}: a value is required here; a missing, NaN or \
                             infinite value is not accepted"
                        ),
                    ),
                    (None, None) => (String::new(), format!("column {column}: {inner}")),
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

// ---------------------------------------------------------------------------------------------
// Arguments: one converter for each kind (JSON-shaped data, times, ids, text)
// ---------------------------------------------------------------------------------------------

/// Raises `ArgumentParseError` (a `ParseError` and an `InvalidArgumentError`): argument
/// `what`, the field path inside it (`billing.method`, `rows[3].x`; `None` for the whole
/// argument) and what is wrong.
pub(crate) fn argument_error(
    py: Python<'_>,
    what: &str,
    path: Option<&str>,
    detail: &str,
) -> PyErr {
    let detail = gridserve_core::error_info::detail(detail);
    let message = match path {
        Some(p) if !p.is_empty() && p != "." => format!("{what}: {p}: {detail}"),
        _ => format!("{what}: {detail}"),
    };
    let none = py.None().into_bound(py);
    let s = |v: &str| pyo3::types::PyString::new(py, v).into_any();
    crate::errors::raise(
        py,
        "ArgumentParseError",
        message,
        &[
            ("argument", s(what)),
            ("file", s(what)),
            ("line", none.clone()),
            (
                "field",
                path.filter(|p| !p.is_empty() && *p != ".")
                    .map_or(none.clone(), s),
            ),
            ("detail", s(&detail)),
        ],
    )
}

/// Raises `InvalidArgumentError` saying what an argument should have been, with `argument`,
/// `expected` and a short excerpt of the `value` given.
pub(crate) fn wrong_argument(py: Python<'_>, what: &str, expected: &str, value: &str) -> PyErr {
    let value = gridserve_core::excerpt(value);
    let s = |v: &str| pyo3::types::PyString::new(py, v).into_any();
    crate::errors::raise(
        py,
        "InvalidArgumentError",
        format!("{what}: expected {expected}, got {value}"),
        &[
            ("argument", s(what)),
            ("expected", s(expected)),
            ("value", s(&value)),
        ],
    )
}

/// The `repr` of a value, cut to a short excerpt (never fails).
fn short_repr(v: &Bound<'_, PyAny>) -> String {
    v.repr()
        .map(|r| gridserve_core::excerpt(&r.to_string_lossy()))
        .unwrap_or_else(|_| "<unprintable>".into())
}

/// A Python `str` as Rust text; a lone surrogate (which UTF-8 cannot hold) is a gridserve
/// error naming the argument and field.
pub(crate) fn text_of(
    py: Python<'_>,
    what: &str,
    path: &str,
    v: &Bound<'_, pyo3::types::PyString>,
) -> PyResult<String> {
    v.extract::<String>().map_err(|_| {
        argument_error(
            py,
            what,
            Some(path),
            &format!(
                "text {} holds a lone surrogate, which is not valid Unicode text",
                short_repr(v.as_any())
            ),
        )
    })
}

/// A text argument: a Python `str`. A lone surrogate, which UTF-8 cannot hold, raises a gridserve
/// `ArgumentParseError` instead of a bare `UnicodeEncodeError`; another type is a `TypeError`
/// that pyo3 prefixes with the argument's name.
pub(crate) struct Text(pub(crate) String);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let any = obj.to_owned();
        let s = any.cast::<pyo3::types::PyString>().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "expected str, got {}",
                any.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?;
        text_of(any.py(), "text argument", "", s).map(Text)
    }
}

/// A whole-number argument that must be non-negative and fit `T` (a count, an index, an id): a
/// negative or too large value raises a gridserve `InvalidArgumentError` instead of a bare
/// `OverflowError`; a non-integer is a `TypeError`.
pub(crate) struct Whole<T>(pub(crate) T);

impl<'a, 'py, T: TryFrom<i128>> FromPyObject<'a, 'py> for Whole<T> {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let any = obj.to_owned();
        if any.is_instance_of::<pyo3::types::PyBool>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(
                "expected a whole number, got bool",
            ));
        }
        let big: i128 = match any.extract::<i128>() {
            Ok(v) => v,
            Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(any.py()) => {
                return Err(wrong_argument(
                    any.py(),
                    "whole-number argument",
                    "a non-negative whole number in range",
                    &short_repr(&any),
                ));
            }
            Err(e) => return Err(e),
        };
        T::try_from(big).map(Whole).map_err(|_| {
            wrong_argument(
                any.py(),
                "whole-number argument",
                "a non-negative whole number in range",
                &big.to_string(),
            )
        })
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A JSON-shaped Python argument (dict, list, str, int, float, bool, None, `Decimal`, date,
/// datetime, numpy scalars and arrays) as a JSON value. NaN or infinite numbers, lone
/// surrogates and non-text keys are errors naming the field path; a `str` at the top is JSON
/// text. Dates and datetimes become ISO 8601 text, `Decimal` its exact text.
pub(crate) fn json_value(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if let Ok(s) = obj.cast::<pyo3::types::PyString>() {
        let text = text_of(py, what, "", s)?;
        // A number literal a binary f64 would change reaches decimal fields as exact text.
        let exact = gridserve_core::tariff::exact::quote_inexact_numbers(&text);
        let mut de = serde_json::Deserializer::from_str(&exact.text);
        let value = serde_path_to_error::deserialize::<_, Value>(&mut de).map_err(|e| {
            argument_error(
                py,
                what,
                Some(&e.path().to_string()),
                &e.inner().to_string(),
            )
        })?;
        de.end()
            .map_err(|e| argument_error(py, what, None, &e.to_string()))?;
        return Ok(value);
    }
    to_json(py, what, "", obj, 0)
}

fn to_json(
    py: Python<'_>,
    what: &str,
    path: &str,
    v: &Bound<'_, PyAny>,
    depth: usize,
) -> PyResult<Value> {
    use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyTuple};
    if depth > 64 {
        return Err(argument_error(
            py,
            what,
            Some(path),
            "nested more than 64 levels deep",
        ));
    }
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return text_of(py, what, path, s).map(Value::String);
    }
    if v.cast::<PyInt>().is_ok() {
        if let Ok(i) = v.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = v.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(argument_error(
            py,
            what,
            Some(path),
            &format!("integer {} is out of the 64-bit range", short_repr(v)),
        ));
    }
    if v.cast::<PyFloat>().is_ok() {
        let f: f64 = v.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| {
                argument_error(
                    py,
                    what,
                    Some(path),
                    &format!("{f} is not a finite number (a missing value where one is required?)"),
                )
            });
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = serde_json::Map::with_capacity(d.len());
        for (k, item) in d.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(argument_error(
                    py,
                    what,
                    Some(path),
                    &format!("key {} is not text", short_repr(&k)),
                ));
            };
            let key = text_of(py, what, path, key)?;
            let sub = join(path, &key);
            let value = to_json(py, what, &sub, &item, depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if v.cast::<PyList>().is_ok() || v.cast::<PyTuple>().is_ok() {
        let mut out = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            out.push(to_json(
                py,
                what,
                &format!("{path}[{i}]"),
                &item?,
                depth + 1,
            )?);
        }
        return Ok(Value::Array(out));
    }
    let type_name = v
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    match type_name.as_str() {
        "Decimal" => {
            if v.call_method0("is_finite")?.is_truthy()? {
                Ok(Value::String(v.str()?.to_string()))
            } else {
                Err(argument_error(
                    py,
                    what,
                    Some(path),
                    &format!("{} is not a finite number", short_repr(v)),
                ))
            }
        }
        // numpy arrays and scalars: their plain Python values.
        "ndarray" => to_json(py, what, path, &v.call_method0("tolist")?, depth + 1),
        _ if v.hasattr("isoformat")? => {
            let iso = v.call_method0("isoformat")?;
            match iso.cast::<PyString>() {
                Ok(s) if s.to_string_lossy() != "NaT" => {
                    Ok(Value::String(s.to_string_lossy().into_owned()))
                }
                _ => Err(argument_error(
                    py,
                    what,
                    Some(path),
                    "NaT where a time is required",
                )),
            }
        }
        _ if v.hasattr("item")? && v.hasattr("dtype")? => {
            to_json(py, what, path, &v.call_method0("item")?, depth + 1)
        }
        _ => Ok(Value::String(v.str()?.to_string())),
    }
}

/// Deserialises a JSON value into `T`; an error names the argument and the field path
/// (`billing.method: unknown variant "by_magic", expected one of …`).
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    value: &Value,
) -> PyResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        argument_error(
            py,
            what,
            Some(&e.path().to_string()),
            &e.inner().to_string(),
        )
    })
}

/// A JSON-shaped argument (JSON text or Python data) as `T`: the one way every binding reads
/// rules, options, commands and records given as dicts.
pub(crate) fn json_arg<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<T> {
    from_value(py, what, &json_value(py, what, obj)?)
}

/// JSON text given as a Rust string as `T`, with the errors of [`json_arg`].
pub(crate) fn json_text_arg<T: serde::de::DeserializeOwned>(
    py: Python<'_>,
    what: &str,
    text: &str,
) -> PyResult<T> {
    gridserve_core::tariff::exact::from_json_text(text)
        .map_err(|message| argument_error(py, what, None, &message))
}

/// China Standard Time (UTC+8), the zone of naive times.
fn cst() -> FixedOffset {
    gridserve_core::reliability::CHINA_STANDARD_TIME
}

/// ISO 8601 text as a time: with an offset (`2024-01-01T08:00:00+08:00`, `…Z`) or without
/// (China Standard Time), `T` or a space between date and time, seconds and fractions
/// optional, or a date alone (midnight CST).
pub(crate) fn parse_time_text(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = text.trim();
    let t = t.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&t) {
        return Ok(dt);
    }
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(&t, f) {
            return Ok(dt);
        }
    }
    let naive = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
        });
    match naive {
        Ok(n) => cst()
            .from_local_datetime(&n)
            .single()
            .ok_or_else(|| format!("{} is not a valid time", gridserve_core::excerpt(text))),
        Err(_) => Err(format!(
            "{} is not an ISO 8601 time (YYYY-MM-DD[THH:MM[:SS]][±HH:MM])",
            gridserve_core::error_info::quoted(text)
        )),
    }
}

/// A time argument: a `datetime` (aware, or naive = China Standard Time), a `date` (midnight
/// CST), a pandas `Timestamp`, or ISO 8601 text with or without offset. The caller's offset is
/// kept. NaT or anything else is an `InvalidArgumentError` naming the argument.
pub(crate) fn time_arg(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<DateTime<FixedOffset>> {
    const EXPECTED: &str = "a datetime, a date or ISO 8601 text";
    let text = if let Ok(s) = obj.cast::<pyo3::types::PyString>() {
        text_of(py, what, "", s)?
    } else if obj.hasattr("isoformat")? && !obj.is_instance_of::<pyo3::types::PyType>() {
        obj.call_method0("isoformat")
            .and_then(|s| s.extract::<String>())
            .map_err(|_| wrong_argument(py, what, EXPECTED, &short_repr(obj)))?
    } else {
        return Err(wrong_argument(py, what, EXPECTED, &short_repr(obj)));
    };
    if text == "NaT" {
        return Err(wrong_argument(py, what, EXPECTED, "NaT (a missing time)"));
    }
    parse_time_text(&text).map_err(|m| wrong_argument(py, what, EXPECTED, &m))
}

/// A time argument as the wall-clock time in China Standard Time.
pub(crate) fn cst_time_arg(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<NaiveDateTime> {
    Ok(time_arg(py, what, obj)?.with_timezone(&cst()).naive_local())
}

/// A 1-D float array argument from any real numeric array or sequence (converted once by numpy);
/// another shape or dtype is a gridserve `InvalidArgumentError` saying what was expected.
pub(crate) fn floats_1d(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    const EXPECTED: &str = "a 1-D array or list of numbers";
    let np = py.import("numpy")?;
    let arr = np
        .call_method1("asarray", (obj, "float64"))
        .map_err(|_| wrong_argument(py, what, EXPECTED, &short_repr(obj)))?;
    let ndim: usize = arr.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(wrong_argument(
            py,
            what,
            EXPECTED,
            &format!("a {ndim}-D array"),
        ));
    }
    let arr = arr
        .cast::<numpy::PyArray1<f64>>()
        .map_err(|_| wrong_argument(py, what, EXPECTED, &short_repr(obj)))?;
    Ok(numpy::PyArrayMethods::readonly(arr)
        .as_array()
        .iter()
        .copied()
        .collect())
}

/// An id array argument: a list, tuple or 1-D numpy array of integers of any dtype (int8 …
/// uint64, or objects holding ints). A negative id or one above `u32::MAX` is an
/// `IdOutOfRangeError`-like `InvalidArgumentError` naming the position; a plain int, text or a
/// float array gets an error saying what was expected.
pub(crate) fn ids_arg(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
    use pyo3::types::{PyBytes, PyInt, PyString};
    const EXPECTED: &str = "a list or 1-D array of non-negative integer ids";
    if obj.cast::<PyString>().is_ok()
        || obj.cast::<PyBytes>().is_ok()
        || obj.cast::<PyInt>().is_ok()
        || obj.cast::<PyDict>().is_ok()
    {
        return Err(wrong_argument(py, what, EXPECTED, &short_repr(obj)));
    }
    if let Ok(dtype) = obj.getattr("dtype") {
        let kind: String = dtype.getattr("kind")?.extract()?;
        if !matches!(kind.as_str(), "i" | "u" | "O") {
            return Err(wrong_argument(
                py,
                what,
                EXPECTED,
                &format!("an array of dtype {}", dtype.str()?.to_string_lossy()),
            ));
        }
        let ndim: usize = obj.getattr("ndim")?.extract()?;
        if ndim != 1 {
            return Err(wrong_argument(
                py,
                what,
                EXPECTED,
                &format!("a {ndim}-D array"),
            ));
        }
        if kind != "O" {
            // Integer arrays: checked and cast by numpy in one pass each, not per element.
            let size: usize = obj.getattr("size")?.extract()?;
            if size > 0 {
                for end in ["argmin", "argmax"] {
                    let at: usize = obj.call_method0(end)?.extract()?;
                    let n: i128 = obj.get_item(at)?.call_method0("__index__")?.extract()?;
                    if u32::try_from(n).is_err() {
                        return Err(wrong_argument(
                            py,
                            what,
                            "ids from 0 to 4294967295",
                            &format!("{n} at position {at}"),
                        ));
                    }
                }
            }
            let cast = obj.call_method1("astype", ("uint32",))?;
            let arr: numpy::PyReadonlyArray1<'_, u32> = cast.extract()?;
            return Ok(arr.as_array().iter().copied().collect());
        }
    }
    let iter = obj
        .try_iter()
        .map_err(|_| wrong_argument(py, what, EXPECTED, &short_repr(obj)))?;
    let mut out = Vec::new();
    for (i, item) in iter.enumerate() {
        let item = item?;
        if item.cast::<pyo3::types::PyBool>().is_ok() {
            return Err(wrong_argument(
                py,
                what,
                EXPECTED,
                &format!("{} at position {i}", short_repr(&item)),
            ));
        }
        let Ok(n) = item
            .call_method0("__index__")
            .and_then(|n| n.extract::<i128>())
        else {
            return Err(wrong_argument(
                py,
                what,
                EXPECTED,
                &format!("{} at position {i}", short_repr(&item)),
            ));
        };
        let Ok(id) = u32::try_from(n) else {
            return Err(wrong_argument(
                py,
                what,
                "ids from 0 to 4294967295",
                &format!("{n} at position {i}"),
            ));
        };
        out.push(id);
    }
    Ok(out)
}

/// A cell of a column of Python strings as a text cell: the UTF-8 of a plain `str` (not a
/// subclass), borrowed from the string object (for an ASCII string its own characters,
/// otherwise the UTF-8 copy CPython keeps with the string), valid while the string lives;
/// `Some(None)` for a missing cell as pyarrow reads one (`None`, a float NaN). `None` for
/// anything else, and for a `str` without a UTF-8 form (lone surrogates), whose error is
/// cleared.
pub(crate) fn text_cell<'a>(cell: &'a Bound<'_, PyAny>) -> Option<Option<&'a str>> {
    if let Ok(s) = cell.cast_exact::<pyo3::types::PyString>() {
        return s.to_str().ok().map(Some);
    }
    if cell.is_none() {
        return Some(None);
    }
    match cell.cast_exact::<pyo3::types::PyFloat>() {
        Ok(f) if f.value().is_nan() => Some(None),
        _ => None,
    }
}
