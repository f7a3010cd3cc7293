//! `Topology` for Python: the index behind it, shared between threads without a deadlock
//! ([`TopoCell`]), and its queries, operations, inference and restoration plans, with heavy
//! calls run with the GIL released.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use gridserve_core::network::{
    Applied, ElementId, LineId, Network, NetworkError, Operation, PointId, Topology, Trip,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{self, to_py};
use crate::errors::IntoPy;
use crate::network::PyNetwork;
use crate::scope::{PyFaultOutcome, PyPlannedOutage, PyScope};

/// A compressed list of lists: `(offsets, values)`.
type Compressed<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u32>>);

/// The index behind a `Topology`, shared between threads without a deadlock and with
/// consistent answers.
///
/// A query takes a snapshot of the published index (an `Arc` copied under a lock held only for
/// that copy, never across a release or acquisition of the GIL) and answers from it alone, so it
/// sees one state from start to end: the one before or the one after any `apply`, never a mix.
/// `apply` runs with the GIL released, one writer at a time, on a private index, and publishes
/// it with a pointer swap. The private index is the previously published one brought up to date
/// (the operations it missed are replayed by the core's incremental apply) when no query still
/// holds it; only when one does is the published index cloned.
pub(crate) struct TopoCell {
    current: RwLock<Arc<Topology>>,
    writer: Mutex<Spare>,
}

/// The writer's private index: the state before the last published apply, and that apply's
/// operations.
struct Spare {
    topo: Option<Arc<Topology>>,
    missed: Vec<Operation>,
}

impl TopoCell {
    pub(crate) fn new(topo: Topology) -> Self {
        Self {
            current: RwLock::new(Arc::new(topo)),
            writer: Mutex::new(Spare {
                topo: None,
                missed: Vec::new(),
            }),
        }
    }

    /// The published index. The lock is held for an `Arc` copy and the only writer of it holds
    /// it for a pointer swap, so waiting for it is bounded whether or not the GIL is held.
    fn snapshot(&self) -> Arc<Topology> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `ops` (all or none) and publishes the result. Call with the GIL released: it
    /// waits for other writers.
    fn apply(&self, ops: &[Operation]) -> Result<Applied, NetworkError> {
        let mut spare = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.snapshot();
        let caught_up = spare
            .topo
            .take()
            .and_then(|t| Arc::try_unwrap(t).ok())
            .and_then(|mut t| t.apply(&spare.missed).ok().map(|_| t));
        spare.missed.clear();
        let mut next = caught_up.unwrap_or_else(|| Topology::clone(&current));
        let result = next.apply(ops);
        match result {
            Ok(applied) if applied.changed_elements > 0 => {
                let old = std::mem::replace(
                    &mut *self.current.write().unwrap_or_else(PoisonError::into_inner),
                    Arc::new(next),
                );
                spare.topo = Some(old);
                spare.missed.extend_from_slice(ops);
            }
            // Nothing changed (or a refusal, which changes nothing): the published index and
            // its version stay; the private one, now in the same state, is kept for next time.
            _ => spare.topo = Some(Arc::new(next)),
        }
        drop(current);
        result
    }
}

pub(crate) fn read(t: &TopoCell) -> Arc<Topology> {
    t.snapshot()
}

/// A network indexed in one state; answers scope, fault, planned-outage and exposure queries.
#[pyclass(frozen, module = "gridserve._gridserve", name = "Topology")]
pub struct PyTopology {
    pub(crate) net: Arc<Network>,
    pub(crate) inner: Arc<TopoCell>,
    /// The `Network` object it was made from: `topology.network` returns it, and pickling refers
    /// to it, so that a pickle holding several topologies of one network holds the network once.
    pub(crate) network: Py<PyNetwork>,
}

pub(crate) fn element(py: Python<'_>, net: &Network, asset: &str) -> PyResult<ElementId> {
    net.element(asset).py_err(py)
}

pub(crate) fn point_array<'py>(py: Python<'py>, v: Vec<PointId>) -> Bound<'py, PyArray1<u32>> {
    v.into_iter()
        .map(|p| p.0)
        .collect::<Vec<u32>>()
        .into_pyarray(py)
}

pub(crate) fn trip_asset(net: &Network, t: Trip) -> String {
    match t {
        Trip::Switch(l) => net.line_asset(l).to_owned(),
        Trip::Source(s) => net.source_asset(s).to_owned(),
    }
}

#[pymethods]
impl PyTopology {
    /// Indexes `network` in its normal state, then applies `operations` (pairs of action and
    /// asset number) if given.
    #[new]
    #[pyo3(signature = (network, operations = None))]
    fn new(
        py: Python<'_>,
        network: &Bound<'_, PyNetwork>,
        operations: Option<Vec<(crate::convert::Text, crate::convert::Text)>>,
    ) -> PyResult<Self> {
        let net = Arc::clone(&network.get().inner);
        let ops = convert::operations(py, &net, operations.unwrap_or_default())?;
        let shared = Arc::clone(&net);
        let topo = py
            .detach(move || {
                let mut t = Topology::normal(shared);
                t.apply(&ops).map(|_| t)
            })
            .py_err(py)?;
        Ok(Self {
            net,
            inner: Arc::new(TopoCell::new(topo)),
            network: network.clone().unbind(),
        })
    }

    /// The network (the object the topology was made from).
    #[getter]
    fn network(&self, py: Python<'_>) -> Py<PyNetwork> {
        self.network.clone_ref(py)
    }

    /// An independent copy (applying operations to one leaves the other as it is).
    fn copy(&self, py: Python<'_>) -> Self {
        let t = read(&self.inner);
        let copy = py.detach(|| Topology::clone(&t));
        Self {
            net: Arc::clone(&self.net),
            inner: Arc::new(TopoCell::new(copy)),
            network: self.network.clone_ref(py),
        }
    }

    /// A stamp that changes whenever `apply` changes the index.
    #[getter]
    fn version(&self) -> u64 {
        read(&self.inner).version()
    }

    /// Applies operations in order (all or none), renumbering only the touched components.
    /// Returns what changed.
    fn apply<'py>(
        &self,
        py: Python<'py>,
        operations: Vec<(crate::convert::Text, crate::convert::Text)>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ops = convert::operations(py, &self.net, operations)?;
        let inner = &self.inner;
        let applied = py.detach(|| inner.apply(&ops)).py_err(py)?;
        to_py(py, &applied)
    }

    /// A boolean array over points: energized or not.
    fn energized<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        let t = read(&self.inner);
        let v: Vec<bool> = py.detach(|| self.net.point_ids().map(|p| t.is_energized(p)).collect());
        v.into_pyarray(py)
    }

    /// Number of energized points.
    #[getter]
    fn energized_count(&self) -> usize {
        read(&self.inner).energized_count()
    }

    /// The point ids that are not energized after `operations` (all of them, not only those
    /// the operations cut off), sorted.
    #[pyo3(signature = (operations = None))]
    fn unsupplied<'py>(
        &self,
        py: Python<'py>,
        operations: Option<Vec<(crate::convert::Text, crate::convert::Text)>>,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let ops = convert::operations(py, &self.net, operations.unwrap_or_default())?;
        let t = read(&self.inner);
        let batch = py
            .detach(|| t.unsupplied_batch([ops.as_slice()]))
            .py_err(py)?;
        Ok(point_array(py, batch.points))
    }

    /// The scope of `operations` (pairs of action and asset number) against the indexed state.
    fn scope(
        &self,
        py: Python<'_>,
        operations: Vec<(crate::convert::Text, crate::convert::Text)>,
    ) -> PyResult<PyScope> {
        let ops = convert::operations(py, &self.net, operations)?;
        let t = read(&self.inner);
        let scope = py.detach(|| t.scope(&ops)).py_err(py)?;
        Ok(PyScope {
            scope,
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
        })
    }

    /// The scope of opening one line by id (the fast path for batch studies).
    fn scope_open_line(
        &self,
        py: Python<'_>,
        line: crate::convert::Whole<u32>,
    ) -> PyResult<PyScope> {
        let line: u32 = line.0;
        self.scope_ids(
            py,
            gridserve_core::network::Action::Open,
            ElementId::Line(LineId(line)),
        )
    }

    /// The scope of taking one line out of service by id.
    fn scope_take_out_line(
        &self,
        py: Python<'_>,
        line: crate::convert::Whole<u32>,
    ) -> PyResult<PyScope> {
        let line: u32 = line.0;
        self.scope_ids(
            py,
            gridserve_core::network::Action::TakeOut,
            ElementId::Line(LineId(line)),
        )
    }

    /// Every point unsupplied after each of many single-line scenarios, in one call: scenario
    /// `k` applies `actions[k]` (`open`, `take_out`, …) to line id `lines[k]`. Returns
    /// `(offsets, points)`: scenario `k` owns `points[offsets[k]:offsets[k + 1]]`, sorted.
    /// The ids are gridserve line ids: from pandapower, translate switch, line or trafo
    /// indices with `PandapowerImport.to_gridserve`.
    fn unsupplied_batch<'py>(
        &self,
        py: Python<'py>,
        actions: Vec<crate::convert::Text>,
        lines: &Bound<'py, PyAny>,
    ) -> PyResult<Compressed<'py>> {
        let lines = &convert::ids_arg(py, "lines", lines)?;
        if actions.len() != lines.len() {
            return Err(crate::errors::invalid_argument(
                py,
                format!("{} actions for {} lines", actions.len(), lines.len()),
            ));
        }
        let mut ops = Vec::with_capacity(lines.len());
        for (a, &l) in actions.iter().zip(lines) {
            let element = self.net.check(ElementId::Line(LineId(l))).py_err(py)?;
            ops.push([gridserve_core::network::Operation {
                action: convert::parse_action(py, a)?,
                element,
            }]);
        }
        let t = read(&self.inner);
        let batch = py
            .detach(|| t.unsupplied_batch(ops.iter().map(|o| o.as_slice())))
            .py_err(py)?;
        let offsets: Vec<u64> = batch.offsets.iter().map(|&o| o as u64).collect();
        Ok((offsets.into_pyarray(py), point_array(py, batch.points)))
    }

    /// The fault of an element: which devices trip and the scope.
    fn fault(&self, py: Python<'_>, asset: crate::convert::Text) -> PyResult<PyFaultOutcome> {
        let asset: &str = &asset;
        let e = element(py, &self.net, asset)?;
        let t = read(&self.inner);
        let out = py.detach(|| t.fault(e)).py_err(py)?;
        Ok(PyFaultOutcome {
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
            out,
        })
    }

    /// Plans the outage of a device: the switches to open and the scope.
    fn planned_outage(
        &self,
        py: Python<'_>,
        asset: crate::convert::Text,
    ) -> PyResult<PyPlannedOutage> {
        let asset: &str = &asset;
        let e = element(py, &self.net, asset)?;
        let t = read(&self.inner);
        let plan = py.detach(|| t.planned_outage(e)).py_err(py)?;
        Ok(PyPlannedOutage {
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
            plan,
        })
    }

    /// What opening each switch alone cuts off: `{column: array}` with columns `switch` (asset
    /// numbers), `line_id`, `kind`, `points`, `customers`, `critical_customers`,
    /// `transformers`, `load_kw`.
    fn exposure<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = read(&self.inner);
        let x = py.detach(|| t.exposure());
        let out = PyDict::new(py);
        let assets: Vec<&str> = x.switches.iter().map(|&l| self.net.line_asset(l)).collect();
        out.set_item("switch", assets)?;
        let ids: Vec<u32> = x.switches.iter().map(|l| l.0).collect();
        out.set_item("line_id", ids.into_pyarray(py))?;
        let kinds: Vec<String> = x.kinds.iter().map(convert::enum_name).collect();
        out.set_item("kind", kinds)?;
        out.set_item("points", x.points.into_pyarray(py))?;
        out.set_item("customers", x.customers.into_pyarray(py))?;
        out.set_item("critical_customers", x.critical_customers.into_pyarray(py))?;
        out.set_item("transformers", x.transformers.into_pyarray(py))?;
        out.set_item("load_kw", x.load_kw.into_pyarray(py))?;
        Ok(out)
    }

    /// Infers the operated devices from evidence items: a list of dicts (or JSON text) with
    /// `kind` (`power_off`, `power_on`, `call`, `trip`, `fault_indicator`) and a `customer`
    /// or an `asset`. Returns `{"outages": {column: list}, "already_out": [index],
    /// "contradicting": [index]}`; `options` are the inference thresholds.
    #[pyo3(signature = (evidence, options = None))]
    fn infer<'py>(
        &self,
        py: Python<'py>,
        evidence: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::infer(py, &self.net, read(&self.inner), evidence, options)
    }

    /// The FLISR switching plan for a fault on the element with asset number `fault`: a dict
    /// with the tripped devices, the faulted section, the isolators and the steps (both as
    /// dicts of columns), the customers and load out and remaining, and the operations.
    #[pyo3(signature = (fault, options = None))]
    fn restoration_plan<'py>(
        &self,
        py: Python<'py>,
        fault: crate::convert::Text,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::restoration_plan(py, &self.net, read(&self.inner), &fault, options)
    }

    /// The outage workflow's `trace_scope` command (a dict for `Workflows.execute`) of the
    /// outage at `index` of `inference` (a result of `infer` on this topology in this state):
    /// the customers below the inferred device, the device as the tripped one, and the device,
    /// its confidence and the `evidence` items it rests on (`evidence` is what `infer` was
    /// given). Raises `StaleScopeError` if the topology changed since the inference.
    #[pyo3(signature = (inference, evidence, index = 0, etr = None))]
    fn trace_inferred_command<'py>(
        &self,
        py: Python<'py>,
        inference: &Bound<'py, PyAny>,
        evidence: &Bound<'py, PyAny>,
        index: usize,
        etr: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::restore::trace_inferred_command(
            py,
            &self.net,
            read(&self.inner),
            inference,
            evidence,
            index,
            etr,
        )
    }

    /// The outage workflow's `attach_plan` command (a dict for `Workflows.execute`) of `plan`
    /// (a result of `restoration_plan` on this topology in this state): each step with the
    /// customer numbers it brings back. Raises `StaleScopeError` if the topology changed since
    /// the plan was made.
    fn attach_plan_command<'py>(
        &self,
        py: Python<'py>,
        plan: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        crate::restore::attach_plan_command(py, &self.net, read(&self.inner), plan)
    }

    /// Expected SAIFI, SAIDI (minutes) and ENS (kWh) a year per feeder and for the system,
    /// without and with FLISR: `{"feeders": {column: list}, "system": dict,
    /// "system_flisr": dict, "sections": int}`. `rates` are failure rates and times,
    /// `options` the restoration options.
    #[pyo3(signature = (rates = None, options = None))]
    fn predict_reliability<'py>(
        &self,
        py: Python<'py>,
        rates: Option<&Bound<'py, PyAny>>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::predict_reliability(py, &self.net, read(&self.inner), rates, options)
    }

    /// The loading of every energized source and rated line: `{"sources": {column: list},
    /// "lines": {column: list}}`.
    #[pyo3(signature = (options = None))]
    fn loading<'py>(
        &self,
        py: Python<'py>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        crate::restore::loading(py, &self.net, read(&self.inner), options)
    }

    /// What closes each loop of the energized network (asset numbers of lines or sources).
    fn loops(&self) -> Vec<String> {
        read(&self.inner)
            .loops()
            .into_iter()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// The nearest protective device upstream of an energized point (asset number of the
    /// switch, or of the source when there is none), or `None` if the point is not energized.
    fn protector(&self, py: Python<'_>, point: crate::convert::Text) -> PyResult<Option<String>> {
        let point: &str = &point;
        let p = self.net.point_id(point).py_err(py)?;
        Ok(read(&self.inner)
            .protector(p)
            .map(|t| trip_asset(&self.net, t)))
    }

    /// The sources feeding the part a point is in (empty if it is not energized).
    fn feeding_sources(
        &self,
        py: Python<'_>,
        point: crate::convert::Text,
    ) -> PyResult<Vec<String>> {
        let point: &str = &point;
        let p = self.net.point_id(point).py_err(py)?;
        Ok(read(&self.inner)
            .feeding_sources(p)
            .into_iter()
            .map(|s| self.net.source_asset(s).to_owned())
            .collect())
    }

    /// Asset numbers of the faulted elements in the indexed state.
    fn faulted(&self) -> Vec<String> {
        let t = read(&self.inner);
        t.state()
            .faulted()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// Asset numbers of the elements out of service in the indexed state.
    fn out_of_service(&self) -> Vec<String> {
        let t = read(&self.inner);
        t.state()
            .out_of_service()
            .map(|e| self.net.asset(e).to_owned())
            .collect()
    }

    /// Asset numbers of the open switches in the indexed state.
    fn open_switches(&self) -> Vec<String> {
        read(&self.inner)
            .state()
            .open_switches()
            .map(|l| self.net.line_asset(l).to_owned())
            .collect()
    }

    /// This topology as compact bytes: its network and the operations from the normal state
    /// to its state; decoding re-indexes (`gridserve.from_bytes`).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let t = read(&self.inner);
        crate::persist::encode(py, &*t)
    }

    /// Pickles as the `Network` object (pickled once however many topologies refer to it) and
    /// the state's operations; unpickling re-indexes.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let t = read(&self.inner);
        let state = gridserve_core::persist::TopologyState::of(&t);
        let bytes = crate::persist::encode(py, &state)?;
        crate::persist::reduce_with(
            py,
            "_topology_in_state",
            (
                self.network.clone_ref(py).into_any(),
                bytes.into_any().unbind(),
            ),
        )
    }

    /// An independent copy, as `copy()`.
    fn __copy__(&self, py: Python<'_>) -> Self {
        self.copy(py)
    }

    /// An independent copy, as `copy()`.
    fn __deepcopy__(&self, py: Python<'_>, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy(py)
    }

    fn __repr__(&self) -> String {
        let t = read(&self.inner);
        format!(
            "Topology({} of {} points energized, {} loops, version {})",
            t.energized_count(),
            self.net.point_count(),
            t.loops().len(),
            t.version()
        )
    }
}

impl PyTopology {
    fn scope_ids(
        &self,
        py: Python<'_>,
        action: gridserve_core::network::Action,
        element: ElementId,
    ) -> PyResult<PyScope> {
        let op = gridserve_core::network::Operation { action, element };
        let t = read(&self.inner);
        let scope = t.scope(&[op]).py_err(py)?;
        Ok(PyScope {
            scope,
            net: Arc::clone(&self.net),
            topo: Arc::clone(&self.inner),
        })
    }
}
