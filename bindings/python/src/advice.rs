//! Energy reports for Python: customers as dicts (or JSON text) in, reports as dicts with
//! money as `decimal.Decimal`, rendered to HTML or a short summary on demand.

use gridserve_core::advice::{
    self, AdviceRules, CustomerInput, EnergyReport, transformer::LossTable,
};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde::de::DeserializeOwned;

use crate::errors::IntoPy;
use crate::tariff::{PyTariff, json_text, to_py};

fn parse<T: DeserializeOwned>(py: Python<'_>, what: &str, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    crate::convert::json_arg(py, what, obj)
}

/// Builds the energy report of every customer of one peer group (see the stubs for the
/// layout of a customer). `progress`: a callable `(done, total)` (returning `False` cancels
/// with `CancelledError`) or a tqdm-like object with `update(n)`, told the customers done every
/// 1 % (at most every 65,536).
#[pyfunction]
#[pyo3(signature = (customers, tariff, issued, rules=None, losses=None, *, progress=None))]
pub(crate) fn build_reports<'py>(
    py: Python<'py>,
    customers: &Bound<'py, PyAny>,
    tariff: &PyTariff,
    issued: &Bound<'_, PyAny>,
    rules: Option<&Bound<'py, PyAny>>,
    losses: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let target = crate::progress::PyProgress::arg(py, progress)?;
    let customers: Vec<CustomerInput> = parse(py, "customers", customers)?;
    let rules = match rules {
        Some(r) => AdviceRules::from_json(&json_text(py, r)?).py_err(py)?,
        None => AdviceRules::default(),
    };
    let losses = match losses {
        Some(l) => LossTable::from_json(&json_text(py, l)?).py_err(py)?,
        None => LossTable::gb20052(),
    };
    let issued = crate::convert::cst_time_arg(py, "issued", issued)?.date();
    let t = &tariff.inner;
    let reports = crate::progress::run(py, target, customers.len(), 1, |progress| {
        advice::build_reports_tracked(&customers, t, &rules, &losses, issued, progress)
    })?;
    let out = PyList::empty(py);
    for r in &reports {
        out.append(to_py(py, r)?)?;
    }
    Ok(out)
}

/// The default advice rules as JSON text (every threshold, the indicators and the weights).
#[pyfunction]
pub(crate) fn default_advice_rules(py: Python<'_>) -> PyResult<String> {
    serde_json::to_string_pretty(&AdviceRules::default()).map_err(|e| {
        crate::errors::invalid_argument(py, format!("cannot write the default rules: {e}"))
    })
}

/// A report (a dict from `build_reports`, or JSON text) as a self-contained HTML page.
#[pyfunction]
pub(crate) fn render_report_html(py: Python<'_>, report: &Bound<'_, PyAny>) -> PyResult<String> {
    let r: EnergyReport = parse(py, "report", report)?;
    Ok(advice::render_html(&r))
}

/// A report (a dict from `build_reports`, or JSON text) as a short WeChat-ready summary.
#[pyfunction]
pub(crate) fn render_report_summary(py: Python<'_>, report: &Bound<'_, PyAny>) -> PyResult<String> {
    let r: EnergyReport = parse(py, "report", report)?;
    Ok(advice::render_summary(&r))
}
