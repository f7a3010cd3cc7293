//! Core errors → Python exceptions of `gridserve.exceptions`, by one generic converter.
//!
//! Every core error family implements [`ErrorInfo`]: its class (checked exhaustively by the
//! compiler inside the core), its snake_case kind and its fields as serde data. The classes are
//! defined once in Python (`gridserve/exceptions.py`, so that they can also derive from
//! `ValueError`, `KeyError`, `IndexError` or `OSError`); this module raises the named class with
//! the message and sets every field as an attribute, plus `error_kind` (the variant's kind) and
//! `kind` (the same, unless the error has a field of that name, as `IdOutOfRangeError` does).

use gridserve_core::{ErrorInfo, FieldsOf};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

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

/// The fields of an error as `(name, value)` pairs of Python objects (non-finite numbers stay
/// floats).
fn fields<'py, E: ErrorInfo>(
    py: Python<'py>,
    err: &E,
) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
    let tagged = pythonize::pythonize(py, &FieldsOf(err))?;
    let mut out = Vec::new();
    // `{kind: {field: value}}`, or the bare kind for a variant without fields.
    if let Ok(outer) = tagged.cast::<PyDict>() {
        for (_, inner) in outer.iter() {
            if let Ok(inner) = inner.cast::<PyDict>() {
                for (name, value) in inner.iter() {
                    out.push((name.extract::<String>()?, value));
                }
            }
        }
    }
    Ok(out)
}

/// Converts any core error to its Python exception, its fields set as attributes.
pub(crate) fn to_pyerr<E: ErrorInfo>(py: Python<'_>, err: &E) -> PyErr {
    let message = err.to_string();
    let attrs = match fields(py, err) {
        Ok(attrs) => attrs,
        Err(e) => {
            return PyRuntimeError::new_err(format!("{message} (and converting it failed: {e})"));
        }
    };
    let mut all: Vec<(&str, Bound<'_, PyAny>)> = Vec::with_capacity(attrs.len() + 2);
    let kind = PyString::new(py, err.kind()).into_any();
    all.push(("error_kind", kind.clone()));
    if !attrs.iter().any(|(name, _)| name == "kind") {
        all.push(("kind", kind));
    }
    all.extend(
        attrs
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone())),
    );
    raise(py, err.class(), message, &all)
}

/// `Result<T, E>` → `PyResult<T>` for every core error family.
pub(crate) trait IntoPy<T> {
    /// Maps the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T, E: ErrorInfo> IntoPy<T> for Result<T, E> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_pyerr(py, &e))
    }
}

/// Converts a core network error (kept for call sites that build one by hand).
pub(crate) fn network_error(py: Python<'_>, err: gridserve_core::network::NetworkError) -> PyErr {
    to_pyerr(py, &err)
}

/// An argument gridserve does not know (unknown action or table name).
pub(crate) fn invalid_argument(py: Python<'_>, message: String) -> PyErr {
    raise(py, "InvalidArgumentError", message, &[])
}

/// One example of every variant of every core error family as `(family, kind, exception)`,
/// for the test that each reaches an existing class with its fields.
#[pyfunction]
pub(crate) fn _error_examples(py: Python<'_>) -> Vec<(&'static str, &'static str, Py<PyAny>)> {
    use gridserve_core::{
        advice, network, notify, outbox, persist, ports, reliability, scoring, tariff, workflow,
    };
    fn add<E: ErrorInfo>(
        py: Python<'_>,
        family: &'static str,
        examples: Vec<E>,
        out: &mut Vec<(&'static str, &'static str, Py<PyAny>)>,
    ) {
        for e in examples {
            out.push((family, e.kind(), to_pyerr(py, &e).into_value(py).into_any()));
        }
    }
    let mut out = Vec::new();
    add(py, "network", network::NetworkError::examples(), &mut out);
    add(
        py,
        "reliability",
        reliability::ReliabilityError::examples(),
        &mut out,
    );
    add(py, "tariff", tariff::TariffError::examples(), &mut out);
    add(py, "scoring", scoring::ScoringError::examples(), &mut out);
    add(py, "notify", notify::NotifyError::examples(), &mut out);
    add(
        py,
        "workflow",
        workflow::WorkflowError::examples(),
        &mut out,
    );
    add(py, "store", ports::StoreError::examples(), &mut out);
    add(py, "outbox", outbox::OutboxError::examples(), &mut out);
    add(py, "advice", advice::AdviceError::examples(), &mut out);
    add(
        py,
        "inbound",
        gridserve_messengers::inbound::InboundError::examples(),
        &mut out,
    );
    add(
        py,
        "table",
        gridserve_core::table::TableError::examples(),
        &mut out,
    );
    add(py, "persist", persist::PersistError::examples(), &mut out);
    add(
        py,
        "cim",
        gridserve_core::cim::CimError::examples(),
        &mut out,
    );
    add(
        py,
        "integrate",
        gridserve_core::integrate::IntegrateError::examples(),
        &mut out,
    );
    out
}
