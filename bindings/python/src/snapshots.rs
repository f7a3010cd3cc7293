//! Fused snapshots (`Integrated.snapshot()`), their diff as dicts and as a DataFrame, and
//! `SnapshotStore`, the SQLite database that keeps them by version.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use gridserve_core::integrate::{self, DiffRow, Snapshot, SnapshotDiff, SourceTable, Watermark};
use gridserve_core::ports::{StoreError, Timestamp, china_offset};
use gridserve_sqlite::{SqliteOptions, SqliteStore};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::convert::{json_arg, to_py};
use crate::errors::IntoPy;
use crate::network::{PyNetwork, reader_masking};

/// A fused snapshot: the network records, the SG186 customers, contacts and meters, the
/// provenance and the sources' watermarks.
#[pyclass(name = "Snapshot", module = "gridserve._gridserve", frozen)]
pub struct PySnapshot {
    pub(crate) inner: Arc<Snapshot>,
}

/// The diff's flat rows as a pandas DataFrame (through Arrow): kind, key, change, field,
/// old, new.
fn diff_frame<'py>(py: Python<'py>, diff: &SnapshotDiff) -> PyResult<Bound<'py, PyAny>> {
    let rows: Vec<DiffRow> = diff.rows();
    let text = |f: &dyn Fn(&DiffRow) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(r.kind.name())),
        text(&|r| Some(r.key.as_str())),
        text(&|r| Some(r.change.name())),
        text(&|r| r.field.as_deref()),
        text(&|r| r.old.as_deref()),
        text(&|r| r.new.as_deref()),
    ];
    let schema = Arc::new(Schema::new(vec![
        Field::new("kind", DataType::Utf8, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("change", DataType::Utf8, false),
        Field::new("field", DataType::Utf8, true),
        Field::new("old", DataType::Utf8, true),
        Field::new("new", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), columns)
        .map_err(|e| crate::errors::invalid_argument(py, e.to_string()))?;
    crate::arrow::to_pyarrow(py, schema, vec![batch])?.call_method0("to_pandas")
}

#[pymethods]
impl PySnapshot {
    /// The fused network, built and validated (isolated points allowed unless
    /// `allow_isolated_points` is False).
    #[pyo3(signature = (allow_isolated_points = true))]
    fn network(&self, py: Python<'_>, allow_isolated_points: bool) -> PyResult<PyNetwork> {
        PyNetwork::build(py, self.inner.network.clone(), allow_isolated_points)
    }

    /// The sources' watermarks the snapshot was pulled at, by table.
    #[getter]
    fn watermarks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.watermarks)
    }

    /// How many records of each kind it holds.
    fn counts(&self) -> BTreeMap<&'static str, usize> {
        let s = &self.inner;
        let n = &s.network;
        BTreeMap::from([
            ("point", n.points.len()),
            (
                "line",
                n.segments.len() + n.switches.len() + n.transformers.len(),
            ),
            ("source", n.sources.len()),
            ("customer", s.customers.len()),
            ("contact", s.contacts.len()),
            ("meter", s.meters.len()),
        ])
    }

    /// The difference from this snapshot (old) to `new`: `{"changes": [...], "counts":
    /// {...}}`, names, phones, openids and addresses masked unless `roles` allow the clear.
    #[pyo3(signature = (new, roles = None))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        new: &PySnapshot,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let d = py.detach(|| integrate::diff(&self.inner, &new.inner, masking));
        to_py(py, &d)
    }

    /// The difference to `new` as a pandas DataFrame, one row per changed field and per added
    /// or removed record (columns kind, key, change, field, old, new), masked the same way.
    #[pyo3(signature = (new, roles = None))]
    fn diff_frame<'py>(
        &self,
        py: Python<'py>,
        new: &PySnapshot,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let d = py.detach(|| integrate::diff(&self.inner, &new.inner, masking));
        diff_frame(py, &d)
    }

    /// The snapshot in gridserve's binary form (what the store keeps).
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        crate::persist::encode(py, &*self.inner)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let bytes = self.to_bytes(py)?;
        crate::persist::reduce(py, bytes)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PySnapshot>()
            .is_ok_and(|o| *o.get().inner == *self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Snapshot({} points, {} customers, {} watermarks)",
            self.inner.network.points.len(),
            self.inner.customers.len(),
            self.inner.watermarks.len()
        )
    }
}

/// Fused snapshots in a SQLite database (the same file as the workflows' event store, or
/// another), by version: monotonic, never reused after a delete.
#[pyclass(name = "SnapshotStore", module = "gridserve._gridserve", frozen)]
pub struct PySnapshotStore {
    store: Mutex<SqliteStore>,
    path: String,
}

impl PySnapshotStore {
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut SqliteStore) -> Result<T, StoreError> + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut store)
        })
        .py_err(py)
    }
}

#[pymethods]
impl PySnapshotStore {
    /// Opens (or creates) the database at `path`, migrated to the current schema. A file of
    /// another application is refused; with `check_integrity=True` the whole file is checked
    /// first and a damaged one refused.
    #[new]
    #[pyo3(signature = (path, check_integrity = false))]
    fn new(py: Python<'_>, path: std::path::PathBuf, check_integrity: bool) -> PyResult<Self> {
        let options = SqliteOptions {
            check_integrity_on_open: check_integrity,
            ..SqliteOptions::default()
        };
        let shown = path.display().to_string();
        let store = py
            .detach(|| SqliteStore::open_with(&path, &options))
            .map_err(StoreError::from)
            .py_err(py)?;
        Ok(Self {
            store: Mutex::new(store),
            path: shown,
        })
    }

    /// The database's path.
    #[getter]
    fn path(&self) -> String {
        self.path.clone()
    }

    /// Stores `snapshot` with an optional `label`, taken at `at` (a datetime, date or ISO
    /// 8601 text; naive = China Standard Time; default now); returns its listing (a dict with
    /// its new `version`).
    #[pyo3(signature = (snapshot, label = None, at = None))]
    fn store<'py>(
        &self,
        py: Python<'py>,
        snapshot: &PySnapshot,
        label: Option<String>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let at: Timestamp = match at.filter(|a| !a.is_none()) {
            Some(a) => crate::convert::time_arg(py, "at", a)?,
            None => chrono::Utc::now().with_timezone(&china_offset()),
        };
        let snap = Arc::clone(&snapshot.inner);
        let info = self.with(py, move |s| s.store_snapshot(&snap, label.as_deref(), at))?;
        to_py(py, &info)
    }

    /// Every stored snapshot, oldest first, as dicts (version, taken_at, label, watermarks,
    /// points, lines, customers, bytes).
    fn list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let all = self.with(py, |s| s.snapshots())?;
        to_py(py, &all)
    }

    /// The listing of one snapshot; `UnknownSnapshotError` if there is none.
    fn info<'py>(&self, py: Python<'py>, version: u64) -> PyResult<Bound<'py, PyAny>> {
        let info = self.with(py, move |s| s.snapshot_info(version))?;
        to_py(py, &info)
    }

    /// The snapshot stored as `version`; `UnknownSnapshotError` if there is none,
    /// `CorruptStoreError` if its body does not read back.
    fn load(&self, py: Python<'_>, version: u64) -> PyResult<PySnapshot> {
        let snap = self.with(py, move |s| s.load_snapshot(version))?;
        Ok(PySnapshot {
            inner: Arc::new(snap),
        })
    }

    /// Deletes the snapshot stored as `version` (its version is never given again).
    fn delete(&self, py: Python<'_>, version: u64) -> PyResult<()> {
        self.with(py, move |s| s.delete_snapshot(version))
    }

    /// The difference from snapshot `old` to snapshot `new` as a dict (`changes`, `counts`),
    /// names, phones, openids and addresses masked unless `roles` allow the clear.
    #[pyo3(signature = (old, new, roles = None))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        old: u64,
        new: u64,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let d = self.with(py, move |s| s.diff_snapshots(old, new, masking))?;
        to_py(py, &d)
    }

    /// The difference as a pandas DataFrame (kind, key, change, field, old, new), masked the
    /// same way.
    #[pyo3(signature = (old, new, roles = None))]
    fn diff_frame<'py>(
        &self,
        py: Python<'py>,
        old: u64,
        new: u64,
        roles: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let masking = reader_masking(py, roles)?;
        let d = self.with(py, move |s| s.diff_snapshots(old, new, masking))?;
        diff_frame(py, &d)
    }

    /// Refused: the store holds a database connection; open the same file in the other
    /// process.
    fn __reduce__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Err(crate::persist::refuse(
            py,
            "SnapshotStore",
            "it holds a database connection; open the same SQLite file in the other process instead",
        ))
    }

    fn __repr__(&self) -> String {
        format!("SnapshotStore({:?})", self.path)
    }
}

/// The watermarks argument of `Integrated.snapshot`: `{table: {"sequence": 1} | {"time":
/// "…"} | {"text": "…"}}`.
pub(crate) fn watermarks_arg(
    py: Python<'_>,
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<BTreeMap<SourceTable, Watermark>> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => json_arg(py, "watermarks", o),
        None => Ok(BTreeMap::new()),
    }
}
