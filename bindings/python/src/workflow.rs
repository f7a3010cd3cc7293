//! The four workflows over an in-memory store or a SQLite file, for scripting: commands in as
//! dicts, events, state, audit trail and outbox out as dicts.
//!
//! Dicts cross as JSON (Python's `json` module with `default=str`, so `datetime` with a time
//! zone and `Decimal` values may be given directly); the shapes are those of the core's serde
//! types (`{"type": "record", ...}`).

use std::sync::{Mutex, MutexGuard, PoisonError};

use gridserve_core::notify::masking::export_entry;
use gridserve_core::notify::{ContactBook, Masking};
use gridserve_core::ports::memory::MemoryStore;
use gridserve_core::ports::{
    AttemptResult, EventStore, OutboxStatus, OutboxStore, StoreError, Timestamp,
};
use gridserve_core::workflow::{Actor, Desk, DeskRules, WorkflowError, WorkflowKind};
use gridserve_sqlite::SqliteStore;
use pyo3::prelude::*;
use serde_json::Value;

use crate::errors::{IntoPy, invalid_argument};
use crate::network::PyNetwork;

/// Python object → JSON value (the one converter: field paths, NaN refused by name).
fn to_value(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    crate::convert::json_value(py, "argument", obj)
}

/// JSON value → Python object (through `json.loads`).
fn to_py<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(v)
        .map_err(|e| invalid_argument(py, format!("unserializable result: {e}")))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// A time: `datetime` (aware, or naive = China Standard Time), `date` or ISO 8601 text.
fn to_time(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Timestamp> {
    crate::convert::time_arg(py, "time", obj)
}

fn to_actor(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Actor> {
    serde_json::from_value(to_value(py, obj)?).map_err(|e| {
        invalid_argument(
            py,
            format!("an actor is {{\"id\": str, \"roles\": [str], \"customer\": str | None}}: {e}"),
        )
    })
}

/// The workflow named `name` (`defect`, `bill`, `invoice`, `outage`).
fn kind(py: Python<'_>, name: &str) -> PyResult<WorkflowKind> {
    name.parse::<WorkflowKind>().py_err(py)
}

fn status(py: Python<'_>, name: &str) -> PyResult<OutboxStatus> {
    serde_json::from_value(Value::String(name.to_owned())).map_err(|_| {
        invalid_argument(
            py,
            format!("unknown outbox status {name:?}; one of pending, sent, dead, suppressed"),
        )
    })
}

/// An event store with its outbox: in memory, or SQLite.
trait Store: EventStore + OutboxStore + Send {}
impl<T: EventStore + OutboxStore + Send> Store for T {}

/// The four closed-loop workflows (defect, bill, invoice, outage) over an event store and
/// outbox: in memory, or a SQLite file that outlives the process.
#[pyclass(module = "gridserve._gridserve", name = "Workflows")]
pub struct PyWorkflows {
    desk: Desk,
    // A Mutex makes the class shareable between threads; `&mut self` methods reach the store
    // without locking.
    store: Mutex<Box<dyn Store>>,
    path: Option<String>,
}

/// The store behind `&mut self`, which needs no lock (a poisoned one is still usable: every
/// store write is a single transaction).
fn store_mut(store: &mut Mutex<Box<dyn Store>>) -> &mut Box<dyn Store> {
    store.get_mut().unwrap_or_else(PoisonError::into_inner)
}

impl PyWorkflows {
    fn store(&self) -> MutexGuard<'_, Box<dyn Store>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&mut self, py: Python<'_>, entry_id: u64, result: &AttemptResult) -> PyResult<()> {
        store_mut(&mut self.store)
            .record(entry_id, result)
            .map_err(WorkflowError::from)
            .py_err(py)
    }
}

#[pymethods]
impl PyWorkflows {
    /// The workflows over `network`, with rules (JSON of the core's `DeskRules`, defaults for
    /// what is left out) and contact settings (JSON: customer → phone → settings).
    ///
    /// With `path`, the events and the outbox live in the SQLite database at that path
    /// (created if missing, migrated to the current schema, WAL, every commit durable), so a
    /// later `Workflows` on the same path sees them; without it they live in memory.
    #[new]
    #[pyo3(signature = (network, rules=None, contacts=None, path=None))]
    fn new(
        py: Python<'_>,
        network: &PyNetwork,
        rules: Option<&str>,
        contacts: Option<&str>,
        path: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let rules: DeskRules = match rules {
            Some(r) => crate::convert::json_text_arg(py, "rules", r)?,
            None => DeskRules::default(),
        };
        let book: ContactBook = match contacts {
            Some(c) => crate::convert::json_text_arg(py, "contacts", c)?,
            None => ContactBook::default(),
        };
        let (store, path): (Box<dyn Store>, _) = match path {
            Some(p) => {
                let shown = p.display().to_string();
                let db = py
                    .detach(|| SqliteStore::open(&p))
                    .map_err(|e| WorkflowError::from(StoreError::from(e)))
                    .py_err(py)?;
                (Box::new(db), Some(shown))
            }
            None => (Box::new(MemoryStore::new()), None),
        };
        Ok(Self {
            desk: Desk::with_rules(network.inner.clone(), rules, book),
            store: Mutex::new(store),
            path,
        })
    }

    /// The SQLite database's path, or None for an in-memory store.
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// The shipped rules as JSON text (edit and pass back as `rules`).
    #[staticmethod]
    fn default_rules(py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&DeskRules::default())
            .map_err(|e| invalid_argument(py, e.to_string()))
    }

    /// Gives `command` (a dict with `type`) to instance `id` of `workflow` as `actor` at
    /// `now`; returns `{"stream", "version", "events", "appended"}`. A refused command raises
    /// and writes nothing.
    #[pyo3(signature = (workflow, id, command, actor, now, expected_version=None))]
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &mut self,
        py: Python<'_>,
        workflow: &str,
        id: &str,
        command: &Bound<'_, PyAny>,
        actor: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        expected_version: Option<u64>,
    ) -> PyResult<Py<PyAny>> {
        let workflow = kind(py, workflow)?;
        let command = to_value(py, command)?;
        let actor = to_actor(py, actor)?;
        let now = to_time(py, now)?;
        let store = &mut **store_mut(&mut self.store);
        let x = self
            .desk
            .execute_json(store, workflow, id, expected_version, &command, &actor, now)
            .py_err(py)?;
        to_py(py, &x)
    }

    /// The state of instance `id`: `{"state": dict, "status": str, "version": int}`.
    fn state(&self, py: Python<'_>, workflow: &str, id: &str) -> PyResult<Py<PyAny>> {
        let workflow = kind(py, workflow)?;
        let store = self.store();
        let (state, name, version) = self.desk.state_json(&**store, workflow, id).py_err(py)?;
        to_py(
            py,
            &serde_json::json!({"state": state, "status": name, "version": version}),
        )
    }

    /// The audit trail of instance `id`: dicts with `version`, `at`, `actor`, `event_type`,
    /// `event`; phone-like numbers masked unless `masked=False`.
    #[pyo3(signature = (workflow, id, masked=true))]
    fn history(
        &self,
        py: Python<'_>,
        workflow: &str,
        id: &str,
        masked: bool,
    ) -> PyResult<Py<PyAny>> {
        let masking = if masked {
            Masking::Masked
        } else {
            Masking::Clear
        };
        let workflow = kind(py, workflow)?;
        let store = self.store();
        let h = self
            .desk
            .history(&**store, workflow, id, masking)
            .py_err(py)?;
        to_py(py, &h)
    }

    /// The instance ids of `workflow`, in name order.
    fn instances(&self, py: Python<'_>, workflow: &str) -> PyResult<Vec<String>> {
        let prefix = format!("{}/", kind(py, workflow)?);
        let streams = self
            .store()
            .streams(&prefix)
            .map_err(WorkflowError::from)
            .py_err(py)?;
        Ok(streams
            .into_iter()
            .map(|s| s[prefix.len()..].to_owned())
            .collect())
    }

    /// Runs every deadline at `now`; returns the counts and the failures.
    fn tick(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let now = to_time(py, now)?;
        let store = &mut **store_mut(&mut self.store);
        let r = self.desk.tick(store, now).py_err(py)?;
        let failures: Vec<(String, String)> = r
            .failures
            .iter()
            .map(|(s, e)| (s.clone(), e.to_string()))
            .collect();
        to_py(
            py,
            &serde_json::json!({
                "checked": r.checked, "advanced": r.advanced, "events": r.events,
                "notices": r.notices, "conflicts": r.conflicts, "failures": failures,
            }),
        )
    }

    /// Outbox entries in `status` (pending, sent, dead, suppressed), oldest first, with
    /// personal data masked unless `masked=False`.
    #[pyo3(signature = (status="pending", limit=1000, masked=true))]
    fn outbox(
        &self,
        py: Python<'_>,
        status: &str,
        limit: usize,
        masked: bool,
    ) -> PyResult<Py<PyAny>> {
        let st = self::status(py, status)?;
        let masking = if masked {
            Masking::Masked
        } else {
            Masking::Clear
        };
        let entries = self
            .store()
            .list(st, limit)
            .map_err(WorkflowError::from)
            .py_err(py)?;
        let out: Vec<Value> = entries.iter().map(|e| export_entry(e, masking)).collect();
        to_py(py, &out)
    }

    /// Pending entries due at `now` (addresses in the clear: this is what a sender needs).
    #[pyo3(signature = (now, limit=100))]
    fn due(&mut self, py: Python<'_>, now: &Bound<'_, PyAny>, limit: usize) -> PyResult<Py<PyAny>> {
        let now = to_time(py, now)?;
        let entries = store_mut(&mut self.store)
            .due(now, limit)
            .map_err(WorkflowError::from)
            .py_err(py)?;
        let out: Vec<Value> = entries
            .iter()
            .map(|e| export_entry(e, Masking::Clear))
            .collect();
        to_py(py, &out)
    }

    /// Records that entry `entry_id` was sent at `at`.
    #[pyo3(signature = (entry_id, at, provider_msg_id=None))]
    fn mark_sent(
        &mut self,
        py: Python<'_>,
        entry_id: u64,
        at: &Bound<'_, PyAny>,
        provider_msg_id: Option<String>,
    ) -> PyResult<()> {
        let at = to_time(py, at)?;
        self.record(
            py,
            entry_id,
            &AttemptResult::Sent {
                at,
                provider_msg_id,
            },
        )
    }

    /// Records a failed attempt on entry `entry_id`: with `retry_at` it stays pending until
    /// then; without, it is dead-lettered with `reason`.
    #[pyo3(signature = (entry_id, reason, retry_at=None))]
    fn mark_failed(
        &mut self,
        py: Python<'_>,
        entry_id: u64,
        reason: String,
        retry_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let result = match retry_at {
            Some(t) => AttemptResult::Retry {
                next_attempt_at: to_time(py, t)?,
                error: reason,
            },
            None => AttemptResult::Dead { reason },
        };
        self.record(py, entry_id, &result)
    }

    /// Records that entry `entry_id` is not to be sent (`reason`, e.g. the customer opted out
    /// by another channel).
    fn suppress(&mut self, py: Python<'_>, entry_id: u64, reason: String) -> PyResult<()> {
        self.record(py, entry_id, &AttemptResult::Suppressed { reason })
    }
}
