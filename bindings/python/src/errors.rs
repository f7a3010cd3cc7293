//! Core errors → Python exceptions of `gridserve.exceptions`, mapped exhaustively.
//!
//! The classes are defined in Python (so that they can also derive from `ValueError`,
//! `KeyError`, `IndexError` or `OSError`); this module raises them with their structured fields
//! set as attributes.

use gridserve_core::network::NetworkError;
use gridserve_core::tariff::TariffError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Builds an instance of `gridserve.exceptions.<class>` with `message` and attributes.
pub(crate) fn raise(
    py: Python<'_>,
    class: &str,
    message: String,
    attrs: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("gridserve.exceptions")?.getattr(class)?;
        let exc = cls.call1((message.clone(),))?;
        for (name, value) in attrs {
            exc.setattr(*name, value)?;
        }
        Ok(PyErr::from_value(exc))
    };
    // If the exceptions module itself cannot be imported, say so rather than lose the error.
    build().unwrap_or_else(|e| {
        PyRuntimeError::new_err(format!("{message} (and raising it failed: {e})"))
    })
}

fn any<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> Bound<'py, PyAny> {
    pyo3::IntoPyObjectExt::into_bound_py_any(v, py).unwrap_or_else(|_| py.None().into_bound(py))
}

/// Converts a core network error to the matching Python exception.
pub(crate) fn network_error(py: Python<'_>, err: NetworkError) -> PyErr {
    let message = err.to_string();
    match err {
        NetworkError::Invalid { problems } => {
            let list = PyList::empty(py);
            for p in &problems.0 {
                let d = PyDict::new(py);
                let _ = d.set_item("record", p.record.as_str());
                let _ = d.set_item("id", &p.id);
                let _ = d.set_item("index", p.index);
                let _ = d.set_item("field", p.field);
                let _ = d.set_item("value", &p.value);
                let _ = d.set_item("kind", format!("{:?}", p.kind));
                let _ = d.set_item("message", p.to_string());
                let _ = list.append(d);
            }
            raise(
                py,
                "InvalidNetworkError",
                message,
                &[("problems", list.into_any())],
            )
        }
        NetworkError::TooLarge { what, count, limit } => raise(
            py,
            "TooLargeError",
            message,
            &[
                ("what", any(py, what)),
                ("count", any(py, count)),
                ("limit", any(py, limit)),
            ],
        ),
        NetworkError::UnknownElement { asset } => raise(
            py,
            "UnknownElementError",
            message,
            &[("asset", any(py, asset))],
        ),
        NetworkError::UnknownCustomer { number } => raise(
            py,
            "UnknownCustomerError",
            message,
            &[("number", any(py, number))],
        ),
        NetworkError::IdOutOfRange { kind, id, len } => raise(
            py,
            "IdOutOfRangeError",
            message,
            &[
                ("kind", any(py, kind)),
                ("id", any(py, id)),
                ("len", any(py, len)),
            ],
        ),
        NetworkError::Refused {
            asset,
            action,
            reason,
        } => raise(
            py,
            "OperationRefusedError",
            message,
            &[
                ("asset", any(py, asset)),
                ("action", any(py, crate::convert::action_name(action))),
                ("reason", any(py, crate::convert::enum_name(&reason))),
            ],
        ),
        NetworkError::StateMismatch { .. } => raise(py, "StateMismatchError", message, &[]),
        NetworkError::StaleScope { scope, topology } => raise(
            py,
            "StaleScopeError",
            message,
            &[
                ("scope_version", any(py, scope)),
                ("topology_version", any(py, topology)),
            ],
        ),
        NetworkError::Unmappable {
            table,
            id,
            field,
            value,
            reason,
        } => raise(
            py,
            "UnmappableError",
            message,
            &[
                ("table", any(py, table)),
                ("id", any(py, id)),
                ("field", any(py, field)),
                ("value", any(py, value)),
                ("reason", any(py, reason)),
            ],
        ),
        NetworkError::Parse {
            file,
            line,
            field,
            message: detail,
        } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", any(py, file)),
                ("line", any(py, line)),
                ("field", any(py, field)),
                ("detail", any(py, detail)),
            ],
        ),
        NetworkError::Io { path, source } => {
            let errno = source.raw_os_error();
            raise(
                py,
                "GridserveIOError",
                message,
                &[("path", any(py, path)), ("errno", any(py, errno))],
            )
        }
        // The core enum is non-exhaustive: a variant added later still reaches Python as the
        // base class with its message.
        other => raise(py, "GridserveError", other.to_string(), &[]),
    }
}

/// `Result<T, NetworkError>` → `PyResult<T>`.
pub(crate) trait IntoPy<T> {
    /// Maps the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, NetworkError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| network_error(py, e))
    }
}

impl<T> IntoPy<T> for Result<T, gridserve_core::Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| match e {
            gridserve_core::Error::Network(e) => network_error(py, e),
            gridserve_core::Error::Tariff(e) => tariff_error(py, e),
            other => raise(py, "GridserveError", other.to_string(), &[]),
        })
    }
}

impl<T> IntoPy<T> for Result<T, TariffError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| tariff_error(py, e))
    }
}

/// Converts a core tariff error to the matching Python exception; `kind` is the variant's
/// snake_case name.
pub(crate) fn tariff_error(py: Python<'_>, err: TariffError) -> PyErr {
    let message = err.to_string();
    let s = |v: &str| any(py, v.to_owned());
    match err {
        TariffError::UnknownPeriod { context, name } => raise(
            py,
            "UnknownPeriodError",
            message,
            &[("context", s(&context)), ("name", s(&name))],
        ),
        TariffError::ScheduleGap {
            schedule,
            season,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("schedule_gap")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::ScheduleOverlap {
            schedule,
            season,
            first,
            second,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("schedule_overlap")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("first", s(first.as_str())),
                ("second", s(second.as_str())),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::SeasonGap {
            schedule,
            month,
            day_type,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("season_gap")),
                ("schedule", s(&schedule)),
                ("month", any(py, month)),
                ("day_type", s(day_type)),
            ],
        ),
        TariffError::SeasonOverlap {
            schedule,
            first,
            second,
            month,
            day_type,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("season_overlap")),
                ("schedule", s(&schedule)),
                ("first", s(&first)),
                ("second", s(&second)),
                ("month", any(py, month)),
                ("day_type", s(day_type)),
            ],
        ),
        TariffError::SharpOutsideBase {
            schedule,
            season,
            month,
            replaces,
            from,
            to,
        } => raise(
            py,
            "ScheduleError",
            message,
            &[
                ("kind", s("sharp_outside_base")),
                ("schedule", s(&schedule)),
                ("season", s(&season)),
                ("month", any(py, month)),
                ("replaces", s(replaces.as_str())),
                ("start", s(&from)),
                ("end", s(&to)),
            ],
        ),
        TariffError::PriceMissingPeriod {
            table,
            component,
            period,
        } => raise(
            py,
            "PriceError",
            message,
            &[
                ("kind", s("price_missing_period")),
                ("table", s(&table)),
                ("component", s(&component)),
                ("period", s(period.as_str())),
            ],
        ),
        TariffError::NoBasicPrice {
            table,
            record,
            method,
            field,
        } => raise(
            py,
            "PriceError",
            message,
            &[
                ("kind", s("no_basic_price")),
                ("table", s(&table)),
                ("record", s(&record)),
                ("method", s(method)),
                ("field", s(field)),
            ],
        ),
        TariffError::InvalidValue {
            record,
            field,
            value,
            ..
        } => usage_error(py, message, "invalid_value", &record, field, &value),
        TariffError::NegativeQuantity {
            record,
            field,
            value,
        } => usage_error(
            py,
            message,
            "negative_quantity",
            &record,
            &field,
            &value.to_string(),
        ),
        TariffError::PfZeroEnergy { record, kvarh } => usage_error(
            py,
            message,
            "pf_zero_energy",
            &record,
            "energy_kwh",
            &kvarh.to_string(),
        ),
        TariffError::DemandWithoutCapacity {
            record,
            field,
            demand_kw,
        } => usage_error(
            py,
            message,
            "demand_without_capacity",
            &record,
            field,
            &demand_kw.to_string(),
        ),
        TariffError::MissingField { record, field, .. } => {
            usage_error(py, message, "missing_field", &record, field, "")
        }
        TariffError::InvalidDate {
            record,
            field,
            value,
            ..
        } => usage_error(py, message, "invalid_date", &record, field, &value),
        TariffError::Overflow { record, what } => {
            usage_error(py, message, "overflow", &record, what, "")
        }
        TariffError::NotInForce {
            what,
            category,
            voltage,
            date,
        } => raise(
            py,
            "NotInForceError",
            message,
            &[
                ("what", s(what)),
                ("category", s(&category)),
                ("voltage", s(&voltage)),
                ("date", s(&date)),
            ],
        ),
        TariffError::Json { what, message: m } => raise(
            py,
            "ParseError",
            message,
            &[
                ("file", s(&what)),
                ("line", py.None().into_bound(py)),
                ("field", py.None().into_bound(py)),
                ("detail", s(&m)),
            ],
        ),
        TariffError::ShapeMismatch {
            quantity,
            got,
            expected,
            ..
        } => raise(
            py,
            "IntervalDataError",
            message,
            &[
                ("kind", s("shape_mismatch")),
                ("quantity", s(quantity)),
                ("got", any(py, got)),
                ("expected", any(py, expected)),
            ],
        ),
        TariffError::BadReading {
            quantity,
            customer,
            row,
            interval,
            value,
        } => raise(
            py,
            "IntervalDataError",
            message,
            &[
                ("kind", s("bad_reading")),
                ("quantity", s(quantity)),
                ("customer", s(&customer)),
                ("row", any(py, row)),
                ("interval", any(py, interval)),
                ("value", any(py, value)),
            ],
        ),
        TariffError::BadLayout { reason } => raise(
            py,
            "IntervalDataError",
            message,
            &[("kind", s("bad_layout")), ("reason", s(&reason))],
        ),
        other => raise(py, "GridserveError", other.to_string(), &[]),
    }
}

fn usage_error(
    py: Python<'_>,
    message: String,
    kind: &str,
    record: &str,
    field: &str,
    value: &str,
) -> PyErr {
    let s = |v: &str| any(py, v.to_owned());
    raise(
        py,
        "TariffInputError",
        message,
        &[
            ("kind", s(kind)),
            ("record", s(record)),
            ("field", s(field)),
            ("value", s(value)),
        ],
    )
}

/// An argument gridserve does not know (unknown action or table name).
pub(crate) fn invalid_argument(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidArgumentError", message, &[])
}
