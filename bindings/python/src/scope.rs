//! `Scope`, `FaultOutcome`, `PlannedOutage`: the answers of a `Topology` query, as Python
//! objects that keep the network they refer to.

use std::sync::Arc;

use gridserve_core::access::MaskPersonal;
use gridserve_core::network::{FaultOutcome, LineId, Network, PlannedOutage, Scope};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;

use crate::convert::{operation_pairs, to_py};
use crate::errors::IntoPy;
use crate::network::*;
use crate::topology::{TopoCell, point_array, read, trip_asset};

/// What a set of operations de-energizes. Listings refuse a topology changed since.
#[pyclass(frozen, module = "gridserve._gridserve", name = "Scope")]
pub struct PyScope {
    pub(crate) scope: Scope,
    pub(crate) net: Arc<Network>,
    pub(crate) topo: Arc<TopoCell>,
}

#[pymethods]
impl PyScope {
    /// The counts: points, customers, critical_customers, transformers, load_kw,
    /// restored_points.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.scope.summary())
    }
    /// Points de-energized.
    #[getter]
    fn points(&self) -> usize {
        self.scope.summary().points
    }
    /// Customers de-energized.
    #[getter]
    fn customers(&self) -> usize {
        self.scope.summary().customers
    }
    /// Critical customers de-energized.
    #[getter]
    fn critical_customers(&self) -> usize {
        self.scope.summary().critical_customers
    }
    /// Transformers de-energized.
    #[getter]
    fn transformers(&self) -> usize {
        self.scope.summary().transformers
    }
    /// Load lost in kW.
    #[getter]
    fn load_kw(&self) -> f64 {
        self.scope.summary().load_kw
    }
    /// Whether a meshed part needed the general search.
    #[getter]
    fn is_meshed(&self) -> bool {
        self.scope.is_meshed()
    }

    /// Ids of the lost points, sorted.
    fn point_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let t = read(&self.topo);
        Ok(point_array(py, self.scope.point_ids(&t).py_err(py)?))
    }
    /// Asset numbers of the lost points, in id order.
    fn point_assets(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let t = read(&self.topo);
        Ok(self
            .scope
            .point_ids(&t)
            .py_err(py)?
            .into_iter()
            .map(|p| self.net.point_asset(p).to_owned())
            .collect())
    }
    /// Ids of the lost customers, sorted.
    fn customer_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let t = read(&self.topo);
        let v: Vec<u32> = self
            .scope
            .customer_ids(&t)
            .py_err(py)?
            .into_iter()
            .map(|c| c.0)
            .collect();
        Ok(v.into_pyarray(py))
    }
    /// Ids of the lost transformers (lines), sorted.
    fn transformer_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let t = read(&self.topo);
        let v: Vec<u32> = self
            .scope
            .transformer_ids(&t)
            .py_err(py)?
            .into_iter()
            .map(|l| l.0)
            .collect();
        Ok(v.into_pyarray(py))
    }
    /// Ids of the points newly energized, sorted.
    fn restored_ids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        point_array(py, self.scope.restored_ids())
    }
    /// The full report as plain Python values: summary, meshed, points, transformers,
    /// customers (critical first, with contacts), boundary devices, restored points. Customer
    /// names and contact names and phone numbers are masked unless `roles` (the reader's role
    /// names) include one the masking policy lets read them in the clear.
    #[pyo3(signature = (*, roles = None))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let t = read(&self.topo);
        let mut r = py.detach(|| self.scope.report(&t)).py_err(py)?;
        r.mask_personal(masking);
        to_py(py, &r)
    }

    /// This scope with the topology that computed it, as compact bytes: decoding
    /// re-indexes the topology and asks again (`gridserve.from_bytes`). A scope whose topology
    /// changed since is refused with `StaleScopeError`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let value = gridserve_core::persist::Answered {
            topology: read(&self.topo),
            answer: self.scope.clone(),
        };
        crate::persist::encode(py, &value)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        crate::persist::reduce(py, self.to_bytes(py)?)
    }

    fn __len__(&self) -> usize {
        self.scope.summary().points
    }

    fn __repr__(&self) -> String {
        let s = self.scope.summary();
        format!(
            "Scope({} points, {} customers ({} critical), {} transformers, {:.1} kW{})",
            s.points,
            s.customers,
            s.critical_customers,
            s.transformers,
            s.load_kw,
            if self.scope.is_meshed() {
                ", meshed"
            } else {
                ""
            }
        )
    }
}

/// The outcome of a fault: tripped devices and the scope.
#[pyclass(frozen, module = "gridserve._gridserve", name = "FaultOutcome")]
pub struct PyFaultOutcome {
    pub(crate) net: Arc<Network>,
    pub(crate) topo: Arc<TopoCell>,
    pub(crate) out: FaultOutcome,
}

#[pymethods]
impl PyFaultOutcome {
    /// Asset numbers of the devices (switches or sources) that trip.
    #[getter]
    fn tripped(&self) -> Vec<String> {
        self.out
            .tripped
            .iter()
            .map(|&t| trip_asset(&self.net, t))
            .collect()
    }
    /// Whether the fault zone needed the general search.
    #[getter]
    fn meshed(&self) -> bool {
        self.out.meshed
    }
    /// The scope after the fault and the trips.
    #[getter]
    fn scope(&self) -> PyScope {
        PyScope {
            scope: self.out.scope.clone(),
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.topo),
        }
    }
    /// This fault outcome with the topology that computed it, as compact bytes: decoding
    /// re-indexes the topology and asks again (`gridserve.from_bytes`). A fault outcome whose topology
    /// changed since is refused with `StaleScopeError`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let value = gridserve_core::persist::Answered {
            topology: read(&self.topo),
            answer: self.out.clone(),
        };
        crate::persist::encode(py, &value)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        crate::persist::reduce(py, self.to_bytes(py)?)
    }

    fn __repr__(&self) -> String {
        format!(
            "FaultOutcome(tripped={:?}, {} customers out)",
            self.tripped(),
            self.out.scope.summary().customers
        )
    }
}

/// A planned outage: the switches that isolate the device and the scope.
#[pyclass(frozen, module = "gridserve._gridserve", name = "PlannedOutage")]
pub struct PyPlannedOutage {
    pub(crate) net: Arc<Network>,
    pub(crate) topo: Arc<TopoCell>,
    pub(crate) plan: PlannedOutage,
}

fn line_assets(net: &Network, v: &[LineId]) -> Vec<String> {
    v.iter().map(|&l| net.line_asset(l).to_owned()).collect()
}

#[pymethods]
impl PyPlannedOutage {
    /// Closed switches to open (those that could feed the work zone).
    #[getter]
    fn isolators(&self) -> Vec<String> {
        line_assets(&self.net, &self.plan.isolators)
    }
    /// Closed switches on the zone's edge with no other supply beyond (need not be opened).
    #[getter]
    fn downstream(&self) -> Vec<String> {
        line_assets(&self.net, &self.plan.downstream)
    }
    /// Switches on the zone's edge that are already open.
    #[getter]
    fn already_open(&self) -> Vec<String> {
        line_assets(&self.net, &self.plan.already_open)
    }
    /// Sources inside the work zone.
    #[getter]
    fn sources(&self) -> Vec<String> {
        self.plan
            .sources
            .iter()
            .map(|&s| self.net.source_asset(s).to_owned())
            .collect()
    }
    /// The operations that carry out the outage, as `(action, asset)` pairs.
    #[getter]
    fn operations(&self) -> Vec<(String, String)> {
        operation_pairs(&self.net, &self.plan.operations)
    }
    /// The scope of those operations.
    #[getter]
    fn scope(&self) -> PyScope {
        PyScope {
            scope: self.plan.scope.clone(),
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.topo),
        }
    }
    /// This planned outage with the topology that computed it, as compact bytes: decoding
    /// re-indexes the topology and asks again (`gridserve.from_bytes`). A planned outage whose topology
    /// changed since is refused with `StaleScopeError`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let value = gridserve_core::persist::Answered {
            topology: read(&self.topo),
            answer: self.plan.clone(),
        };
        crate::persist::encode(py, &value)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        crate::persist::reduce(py, self.to_bytes(py)?)
    }

    fn __repr__(&self) -> String {
        format!(
            "PlannedOutage(open={:?}, {} customers out)",
            self.isolators(),
            self.plan.scope.summary().customers
        )
    }
}
