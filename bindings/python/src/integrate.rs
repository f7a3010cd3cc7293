//! `gridserve.integrate`: the five source systems fused into a network, with the
//! reconciliation, from paths (CSV or Parquet) or Arrow tables (pandas, polars, pyarrow).

use std::path::PathBuf;

use gridserve_core::access::Masking;
use gridserve_core::integrate as core;
use gridserve_core::integrate::{
    ColumnMapping, Conventions, Finding, IntegrateOptions, Integrated, ReadOptions, Sources,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert::{json_arg, to_py};
use crate::errors::IntoPy;
use crate::network::{PyNetwork, reader_masking};

/// The result of [`integrate`]: the network, the SG186 records, the findings, provenance.
#[pyclass(name = "Integrated", module = "gridserve._gridserve", frozen)]
pub struct PyIntegrated {
    inner: Integrated,
    network: Py<PyNetwork>,
}

fn masked(findings: &[Finding], masking: Masking) -> Vec<Finding> {
    findings.iter().map(|f| f.masked(masking)).collect()
}

#[pymethods]
impl PyIntegrated {
    /// The fused network.
    #[getter]
    fn network(&self, py: Python<'_>) -> Py<PyNetwork> {
        self.network.clone_ref(py)
    }

    /// The findings as a list of dicts (kind, severity, source, table, record, row, field,
    /// value, suggestion); phones, names, openids and addresses masked unless `roles` allow
    /// the clear.
    #[pyo3(signature = (roles = None))]
    fn findings<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        to_py(py, &masked(&self.inner.findings, masking))
    }

    /// The findings as a pandas DataFrame (one row per finding, the columns of
    /// [`findings`](Self::findings)), masked the same way.
    #[pyo3(signature = (roles = None))]
    fn findings_frame<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let list = self.findings(py, roles)?;
        let columns = PyList::new(
            py,
            [
                "kind",
                "severity",
                "source",
                "table",
                "record",
                "row",
                "field",
                "value",
                "suggestion",
            ],
        )?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("columns", columns)?;
        py.import("pandas")?
            .getattr("DataFrame")?
            .call((list,), Some(&kwargs))
    }

    /// The number of findings of each kind.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let counts: std::collections::BTreeMap<String, usize> = self
            .inner
            .counts()
            .into_iter()
            .map(|(k, n)| (k.name(), n))
            .collect();
        to_py(py, &counts)
    }

    /// The reconciliation as one self-contained HTML page, masked unless `roles` allow the
    /// clear; at most `limit_per_kind` findings of a kind are listed.
    #[pyo3(signature = (roles = None, limit_per_kind = 200))]
    fn html(
        &self,
        py: Python<'_>,
        roles: Option<&Bound<'_, PyAny>>,
        limit_per_kind: usize,
    ) -> PyResult<String> {
        let masking = reader_masking(py, roles)?;
        Ok(core::render_html(
            &self.inner.findings,
            masking,
            limit_per_kind,
        ))
    }

    /// Where a fused value came from: `{"source", "table", "row"}`, or None if the key is not
    /// fused or the field has no source.
    fn provenance<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        field: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.provenance.field(key, field))
    }

    /// The SG186 customers (the first row of each number) as a list of dicts, names and
    /// addresses masked unless `roles` allow the clear.
    #[pyo3(signature = (roles = None))]
    fn customers<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let list: Vec<_> = self
            .inner
            .customers
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.name = c.name.as_deref().map(|n| masking.name(n));
                c.address = c.address.as_deref().map(|a| masking.text(a));
                c
            })
            .collect();
        to_py(py, &list)
    }

    /// The meters as a list of dicts.
    fn meters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.meters)
    }

    /// The fused snapshot to store or compare (`SnapshotStore.store`, `Snapshot.diff`), with
    /// the sources' `watermarks` if given (`{table: {"sequence": n} | {"time": "…"} |
    /// {"text": "…"}}`).
    #[pyo3(signature = (watermarks = None))]
    fn snapshot(
        &self,
        py: Python<'_>,
        watermarks: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::snapshots::PySnapshot> {
        let watermarks = crate::snapshots::watermarks_arg(py, watermarks)?;
        let snap = py.detach(|| core::Snapshot::of(&self.inner).with_watermarks(watermarks));
        Ok(crate::snapshots::PySnapshot {
            inner: std::sync::Arc::new(snap),
        })
    }

    /// The AMI events as evidence items for outage inference (`Topology.infer`).
    fn evidence<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.evidence)
    }

    fn __repr__(&self) -> String {
        format!(
            "Integrated({} points, {} customers, {} findings)",
            self.inner.network.points.len(),
            self.inner.customers.len(),
            self.inner.findings.len()
        )
    }
}

/// Whether `obj` is a path to a CIM RDF/XML file (`.xml` or `.rdf`).
fn is_cim_path(obj: &Bound<'_, PyAny>) -> bool {
    let is_path = obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__").unwrap_or(false);
    is_path
        && obj.extract::<PathBuf>().is_ok_and(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("rdf"))
        })
}

/// Reads one table argument: a path (str or os.PathLike; `.parquet` or CSV, and for the GIS
/// also a CIM RDF/XML file, `.xml` or `.rdf`) or an Arrow table (anything with
/// `__arrow_c_stream__`).
fn read_arg(
    py: Python<'_>,
    sources: &mut Sources,
    table: &str,
    obj: &Bound<'_, PyAny>,
    options: &ReadOptions,
    cim: &gridserve_core::cim::CimOptions,
) -> PyResult<Vec<Finding>> {
    let is_path = obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")?;
    if is_path {
        let path: PathBuf = obj.extract()?;
        if table == "gis_connectivity" && is_cim_path(obj) {
            // A GIS that exports CIM RDF/XML: its devices become gis_connectivity rows.
            let model = py
                .detach(|| gridserve_core::cim::read_cim_file(&path, cim))
                .py_err(py)?;
            let (rows, findings) = core::gis_from_cim(&model, &options.conventions);
            sources.gis.extend(rows);
            return Ok(findings);
        }
        return py
            .detach(|| core::read_table_file(sources, table, &path, options))
            .py_err(py);
    }
    let (schema, batches) = crate::arrow::table_arg(py, table, obj)?;
    py.detach(|| core::read_arrow_table(sources, table, schema, batches, table, options))
        .py_err(py)
}

/// Fuses the five sources into one network and reconciles them. Each table is a path (CSV
/// or Parquet; `gis` may also be a CIM RDF/XML file, `.xml` or `.rdf`) or an Arrow table; `mapping` maps a utility's export column names to
/// gridserve's by table (`{"sg186_customers": {"CONS_NO": "customer"}}`); `conventions` and
/// `options` are dicts of the core's `Conventions` and `IntegrateOptions`; `cim` is a dict of
/// the core's `CimOptions` (`asset_id`, `machines_as_sources`, `source_capacity_kva`,
/// `segment_length_m`, `consumer_load_kw`) for a CIM `gis` file, refused for any other.
#[pyfunction]
#[pyo3(signature = (*, pms = None, gis = None, customers = None, contacts = None, meters = None, da_events = None, ami_events = None, mapping = None, conventions = None, options = None, cim = None, allow_isolated_points = true))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn integrate(
    py: Python<'_>,
    pms: Option<&Bound<'_, PyAny>>,
    gis: Option<&Bound<'_, PyAny>>,
    customers: Option<&Bound<'_, PyAny>>,
    contacts: Option<&Bound<'_, PyAny>>,
    meters: Option<&Bound<'_, PyAny>>,
    da_events: Option<&Bound<'_, PyAny>>,
    ami_events: Option<&Bound<'_, PyAny>>,
    mapping: Option<&Bound<'_, PyAny>>,
    conventions: Option<&Bound<'_, PyAny>>,
    options: Option<&Bound<'_, PyAny>>,
    cim: Option<&Bound<'_, PyAny>>,
    allow_isolated_points: bool,
) -> PyResult<PyIntegrated> {
    let read = ReadOptions {
        mapping: match mapping.filter(|m| !m.is_none()) {
            Some(m) => json_arg::<ColumnMapping>(py, "mapping", m)?,
            None => ColumnMapping::default(),
        },
        conventions: match conventions.filter(|m| !m.is_none()) {
            Some(m) => json_arg::<Conventions>(py, "conventions", m)?,
            None => Conventions::default(),
        },
    };
    let options: IntegrateOptions = match options.filter(|m| !m.is_none()) {
        Some(m) => json_arg(py, "options", m)?,
        None => IntegrateOptions::default(),
    };
    read.mapping.validate().py_err(py)?;
    let cim_options = match cim.filter(|m| !m.is_none()) {
        Some(m) => {
            if !gis.is_some_and(is_cim_path) {
                return Err(crate::errors::invalid_argument(
                    py,
                    "cim options given, but gis is not a CIM RDF/XML file (.xml or .rdf)".into(),
                ));
            }
            json_arg::<gridserve_core::cim::CimOptions>(py, "cim", m)?
        }
        None => gridserve_core::cim::CimOptions::default(),
    };
    let mut sources = Sources::default();
    let mut findings = Vec::new();
    for (table, arg) in [
        ("pms_equipment", pms),
        ("gis_connectivity", gis),
        ("sg186_customers", customers),
        ("sg186_contacts", contacts),
        ("sg186_meters", meters),
        ("da_events", da_events),
        ("ami_events", ami_events),
    ] {
        if let Some(obj) = arg.filter(|a| !a.is_none()) {
            findings.extend(read_arg(py, &mut sources, table, obj, &read, &cim_options)?);
        }
    }
    let inner = py
        .detach(|| core::integrate(&sources, findings, &options))
        .py_err(py)?;
    let network = PyNetwork::build(py, inner.network.clone(), allow_isolated_points)?;
    Ok(PyIntegrated {
        inner,
        network: Py::new(py, network)?,
    })
}
