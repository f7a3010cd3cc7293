//! Pickling: every class that can cross to another process encodes itself with
//! `gridserve_core::persist` (a compact, versioned, checksummed binary form) and `__reduce__`
//! returns `(from_bytes, (bytes,))`, so `pickle`, `copy.deepcopy`, `multiprocessing` and Dask
//! all work. Handles on a store or a connection (`Workflows`) and the system actor refuse with
//! `NotPicklableError`.

use std::sync::Arc;

use gridserve_core::persist::{self, Answered, Kind, Persist, PersistError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyTuple};

use crate::errors::IntoPy;
use crate::network::PyNetwork;
use crate::reliability::PyOutageTable;
use crate::scope::{PyFaultOutcome, PyPlannedOutage, PyScope};
use crate::tariff::PyTariff;
use crate::topology::{PyTopology, TopoCell};

/// Encodes `value` with the GIL released.
pub(crate) fn encode<'py, T: Persist + Sync>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = py.detach(|| persist::to_bytes(value)).py_err(py)?;
    Ok(PyBytes::new(py, &bytes))
}

/// `(from_bytes, (bytes,))`: what `__reduce__` returns.
pub(crate) fn reduce<'py>(
    py: Python<'py>,
    bytes: Bound<'py, PyBytes>,
) -> PyResult<Bound<'py, PyTuple>> {
    let f = py.import("gridserve._gridserve")?.getattr("from_bytes")?;
    let args = PyTuple::new(py, [bytes])?;
    PyTuple::new(py, [f, args.into_any()])
}

/// `(gridserve._gridserve.<function>, args)`: what `__reduce__` returns for an object rebuilt
/// from several parts.
pub(crate) fn reduce_with<'py>(
    py: Python<'py>,
    function: &str,
    args: (Py<PyAny>, Py<PyAny>),
) -> PyResult<Bound<'py, PyTuple>> {
    let f = py.import("gridserve._gridserve")?.getattr(function)?;
    let args = PyTuple::new(py, [args.0, args.1])?;
    PyTuple::new(py, [f, args.into_any()])
}

/// Raises `NotPicklableError` for an object that holds a handle or a capability.
pub(crate) fn refuse(py: Python<'_>, class: &str, reason: &str) -> PyErr {
    crate::errors::raise(
        py,
        "NotPicklableError",
        format!("a {class} cannot be pickled or copied: {reason}"),
        &[],
    )
}

/// The bytes of a `bytes`, `bytearray` or `memoryview` argument.
fn data_arg(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = data.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if data.cast::<PyMemoryView>().is_ok() {
        let b = py.import("builtins")?.getattr("bytes")?.call1((data,))?;
        if let Ok(b) = b.cast::<PyBytes>() {
            return Ok(b.as_bytes().to_vec());
        }
    }
    let got = data
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    Err(crate::errors::invalid_argument(
        py,
        format!("data must be bytes, bytearray or memoryview, not {got}"),
    ))
}

fn decode<T: Persist + Send>(py: Python<'_>, bytes: &[u8]) -> PyResult<T> {
    py.detach(|| persist::from_bytes::<T>(bytes)).py_err(py)
}

fn cell(
    topology: Arc<gridserve_core::network::Topology>,
) -> (Arc<gridserve_core::network::Network>, Arc<TopoCell>) {
    let net = Arc::clone(topology.network());
    // Just decoded: this is the only reference.
    let topo =
        Arc::try_unwrap(topology).unwrap_or_else(|t| gridserve_core::network::Topology::clone(&t));
    (net, Arc::new(TopoCell::new(topo)))
}

/// Rebuilds an object from the bytes its `to_bytes()` (or pickling) gave: a `Network`,
/// `Topology`, `Tariff`, `OutageTable`, `Scope`, `FaultOutcome`, `PlannedOutage` or `Snapshot`,
/// whichever
/// the bytes hold. Raises `PersistError` (or `UnsupportedFormatError` for bytes written by a
/// newer format) for anything else.
#[pyfunction]
pub(crate) fn from_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let bytes = data_arg(py, data)?;
    let kind = persist::kind_of(&bytes).py_err(py)?;
    let obj = match kind {
        Kind::Network => Bound::new(
            py,
            PyNetwork {
                inner: Arc::new(decode(py, &bytes)?),
            },
        )?
        .into_any(),
        Kind::Topology => {
            let (net, inner) = cell(Arc::new(decode(py, &bytes)?));
            let network = Py::new(
                py,
                PyNetwork {
                    inner: Arc::clone(&net),
                },
            )?;
            Bound::new(
                py,
                PyTopology {
                    net,
                    inner,
                    network,
                },
            )?
            .into_any()
        }
        Kind::Tariff => Bound::new(
            py,
            PyTariff {
                inner: decode(py, &bytes)?,
            },
        )?
        .into_any(),
        Kind::OutageTable => Bound::new(
            py,
            PyOutageTable {
                inner: decode(py, &bytes)?,
            },
        )?
        .into_any(),
        Kind::Scope => {
            let a: Answered<gridserve_core::network::Scope> = decode(py, &bytes)?;
            let (net, topo) = cell(a.topology);
            Bound::new(
                py,
                PyScope {
                    scope: a.answer,
                    net,
                    topo,
                },
            )?
            .into_any()
        }
        Kind::FaultOutcome => {
            let a: Answered<gridserve_core::network::FaultOutcome> = decode(py, &bytes)?;
            let (net, topo) = cell(a.topology);
            Bound::new(
                py,
                PyFaultOutcome {
                    net,
                    topo,
                    out: a.answer,
                },
            )?
            .into_any()
        }
        Kind::PlannedOutage => {
            let a: Answered<gridserve_core::network::PlannedOutage> = decode(py, &bytes)?;
            let (net, topo) = cell(a.topology);
            Bound::new(
                py,
                PyPlannedOutage {
                    net,
                    topo,
                    plan: a.answer,
                },
            )?
            .into_any()
        }
        Kind::Snapshot => Bound::new(
            py,
            crate::snapshots::PySnapshot {
                inner: Arc::new(decode(py, &bytes)?),
            },
        )?
        .into_any(),
        other => {
            return Err(PersistError::WrongKind {
                expected: "Network, Topology, Tariff, OutageTable, Scope, FaultOutcome, PlannedOutage or Snapshot",
                found: other.name().to_owned(),
            })
            .py_err(py);
        }
    };
    Ok(obj.unbind())
}

/// Rebuilds a pickled `Topology`: `network` indexed in the state `data` holds (bytes of a
/// topology state, as `Topology.__reduce__` writes them). Raises `PersistError` for bytes that
/// are not one, and for a state that does not fit the network.
#[pyfunction]
pub(crate) fn _topology_in_state(
    py: Python<'_>,
    network: &Bound<'_, PyNetwork>,
    data: &Bound<'_, PyAny>,
) -> PyResult<PyTopology> {
    let bytes = data_arg(py, data)?;
    let state: persist::TopologyState = decode(py, &bytes)?;
    let net = Arc::clone(&network.get().inner);
    let shared = Arc::clone(&net);
    let topo = py.detach(|| state.index(shared)).py_err(py)?;
    Ok(PyTopology {
        net,
        inner: Arc::new(TopoCell::new(topo)),
        network: network.clone().unbind(),
    })
}
