//! The five workflows over an in-memory store or a SQLite file, for scripting: commands in as
//! dicts, events, state, audit trail and outbox out as dicts.
//!
//! Dicts cross as JSON (Python's `json` module with `default=str`, so `datetime` with a time
//! zone and `Decimal` values may be given directly); the shapes are those of the core's serde
//! types (`{"type": "record", ...}`).

use std::sync::{Mutex, PoisonError};

use gridserve_core::advice::EnergyReport;
use gridserve_core::notify::{ContactBook, Masking};
use gridserve_core::ports::memory::MemoryStore;
use gridserve_core::ports::{
    AttemptResult, EventStore, OutboxStatus, OutboxStore, StoreError, Timestamp,
};
use gridserve_core::workflow::staff::{StaffNotifier, StaffRules};
use gridserve_core::workflow::{Actor, Desk, DeskRules, SystemGrant, WorkflowError, WorkflowKind};
use gridserve_sqlite::{SqliteOptions, SqliteStore};
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

/// An actor: the host's [`PySystemActor`], or a dict `{"id", "roles", "customer"}` (which
/// can never hold the system role).
fn to_actor(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Actor> {
    if obj.is_instance_of::<PySystemActor>() {
        return Ok(Actor::system(&SystemGrant::host()));
    }
    serde_json::from_value(to_value(py, obj)?).map_err(|e| {
        invalid_argument(
            py,
            format!("an actor is {{\"id\": str, \"roles\": [str], \"customer\": str | None}}: {e}"),
        )
    })
}

/// The workflow named `name` (`defect`, `bill`, `invoice`, `outage`, `report`).
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
trait Store: EventStore + OutboxStore + Send {
    /// `PRAGMA integrity_check` for a database; nothing to check in memory.
    fn integrity_check(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
impl Store for MemoryStore {}
impl Store for SqliteStore {
    fn integrity_check(&self) -> Result<(), StoreError> {
        SqliteStore::integrity_check(self).map_err(StoreError::from)
    }
}

/// The system actor (deadlines, automatic steps, integrations), handed out only by
/// `Workflows.system_actor()`: a command given as a dict can never claim the system role.
#[pyclass(frozen, module = "gridserve._gridserve", name = "SystemActor")]
pub struct PySystemActor;

#[pymethods]
impl PySystemActor {
    fn __repr__(&self) -> &'static str {
        "SystemActor()"
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Err(crate::persist::refuse(
            py,
            "SystemActor",
            "it is a capability handed out only by Workflows.system_actor(); ask the workflows of the receiving process for theirs",
        ))
    }
}

/// The four closed-loop workflows (defect, bill, invoice, outage) over an event store and
/// outbox: in memory, or a SQLite file that outlives the process.
///
/// Safe to share between threads: every method takes the store's lock only with the GIL
/// released (never waits for the GIL while holding the lock), and converts Python values
/// before and after.
#[pyclass(frozen, module = "gridserve._gridserve", name = "Workflows")]
pub struct PyWorkflows {
    desk: Desk,
    store: Mutex<Box<dyn Store>>,
    path: Option<String>,
}

impl PyWorkflows {
    /// Runs `f` on the store with the GIL released, holding the store's lock only inside.
    fn with_store<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Desk, &mut dyn Store) -> Result<T, WorkflowError> + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            f(&self.desk, &mut **store)
        })
        .py_err(py)
    }

    /// How `reader` (an actor, or None) sees personal data: masked unless it holds a role the
    /// rules' masking policy clears.
    fn masking(&self, py: Python<'_>, reader: Option<&Bound<'_, PyAny>>) -> PyResult<Masking> {
        Ok(match reader {
            None => Masking::Masked,
            Some(r) => {
                let actor = to_actor(py, r)?;
                self.desk
                    .defects
                    .notifier
                    .rules
                    .masking
                    .for_roles(&actor.roles)
            }
        })
    }

    fn record(&self, py: Python<'_>, entry_id: u64, result: AttemptResult) -> PyResult<()> {
        self.with_store(py, move |_, store| {
            store.record(entry_id, &result).map_err(WorkflowError::from)
        })
    }
}

#[pymethods]
impl PyWorkflows {
    /// Refused: the workflows hold an event store and outbox (a SQLite file or memory) that
    /// cannot move to another process; open the same file there with `Workflows(...)`.
    fn __reduce__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Err(crate::persist::refuse(
            py,
            "Workflows",
            "it holds an event store and outbox (a file or connection); open the same SQLite file in the other process instead",
        ))
    }

    /// The workflows over `network`, with rules (JSON of the core's `DeskRules`, defaults for
    /// what is left out) and contact settings (JSON: customer → phone → settings).
    ///
    /// With `path`, the events and the outbox live in the SQLite database at that path
    /// (created if missing, migrated to the current schema, WAL, every commit durable), so a
    /// later `Workflows` on the same path sees them; without it they live in memory. A file
    /// of another application is refused; with `check_integrity=True` the whole file is
    /// checked first (`PRAGMA integrity_check`) and a damaged one refused.
    ///
    /// With `staff` (JSON of the core's `StaffNotifier`: `{"directory": [members], "rules":
    /// {...}}`), the workflows also send work reminders to staff (a traced outage, a dispatched
    /// crew, a defect due soon, a broken promise) with quiet hours and escalation.
    #[new]
    #[pyo3(signature = (network, rules=None, contacts=None, path=None, check_integrity=false, staff=None))]
    fn new(
        py: Python<'_>,
        network: &PyNetwork,
        rules: Option<crate::convert::Text>,
        contacts: Option<crate::convert::Text>,
        path: Option<std::path::PathBuf>,
        check_integrity: bool,
        staff: Option<crate::convert::Text>,
    ) -> PyResult<Self> {
        let staff: Option<StaffNotifier> = match staff.as_deref() {
            Some(s) => Some(crate::convert::json_text_arg(py, "staff", s)?),
            None => None,
        };
        let rules: Option<&str> = rules.as_deref();
        let contacts: Option<&str> = contacts.as_deref();
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
                let options = SqliteOptions {
                    check_integrity_on_open: check_integrity,
                    ..SqliteOptions::default()
                };
                let db = py
                    .detach(|| SqliteStore::open_with(&p, &options))
                    .map_err(|e| WorkflowError::from(StoreError::from(e)))
                    .py_err(py)?;
                (Box::new(db), Some(shown))
            }
            None => (Box::new(MemoryStore::new()), None),
        };
        let mut desk = Desk::with_rules(network.inner.clone(), rules, book);
        if let Some(staff) = staff {
            desk = desk.with_staff(staff);
        }
        Ok(Self {
            desk,
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

    /// The shipped staff reminder rules as JSON text (edit and pass back as `staff`'s
    /// `rules`).
    #[staticmethod]
    fn default_staff_rules(py: Python<'_>) -> PyResult<String> {
        serde_json::to_string_pretty(&StaffRules::default())
            .map_err(|e| invalid_argument(py, e.to_string()))
    }

    /// Pushes the monthly energy report of each of `reports` (dicts from `build_reports`) for
    /// `period` (`"YYYY-MM"`): sent once per customer and period; a second run sends nothing;
    /// a changed report is sent again only with `resend=True`. Returns the counts
    /// (`published`, `resent`, `revised`, `unchanged`, `notices`), `unreached` and `failures`
    /// (`[instance, message]`, one per refused customer).
    #[pyo3(signature = (reports, period, actor, now, resend=false))]
    fn push_reports(
        &self,
        py: Python<'_>,
        reports: &Bound<'_, PyAny>,
        period: crate::convert::Text,
        actor: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        resend: bool,
    ) -> PyResult<Py<PyAny>> {
        let reports: Vec<EnergyReport> = crate::convert::json_arg(py, "reports", reports)?;
        let period: &str = &period;
        let actor = to_actor(py, actor)?;
        let now = to_time(py, now)?;
        let r = self.with_store(py, |desk, store| {
            Ok(desk.push_reports(store, &reports, period, resend, &actor, now))
        })?;
        let failures: Vec<(String, String)> = r
            .failures
            .iter()
            .map(|(s, e)| (s.clone(), e.to_string()))
            .collect();
        to_py(
            py,
            &serde_json::json!({
                "published": r.published, "resent": r.resent, "revised": r.revised,
                "unchanged": r.unchanged, "notices": r.notices, "unreached": r.unreached,
                "failures": failures,
            }),
        )
    }

    /// The system actor, for the host's own scheduler and integrations (commands reserved to
    /// the system). A dict can never name the system role.
    fn system_actor(&self) -> PySystemActor {
        PySystemActor
    }

    /// Runs `PRAGMA integrity_check` on the SQLite database (nothing to check in memory);
    /// raises `EventStoreError` listing the problems of a damaged file.
    fn integrity_check(&self, py: Python<'_>) -> PyResult<()> {
        self.with_store(py, |_, store| {
            store.integrity_check().map_err(WorkflowError::from)
        })
    }

    /// Gives `command` (a dict with `type`) to instance `id` of `workflow` as `actor` (a dict,
    /// or the host's `system_actor()`) at `now`; returns `{"stream", "version", "events",
    /// "appended", "unreached"}` (`unreached`: notices that found no recipient, with the
    /// reason). A refused command raises and writes nothing.
    #[pyo3(signature = (workflow, id, command, actor, now, expected_version=None))]
    #[allow(clippy::too_many_arguments)]
    fn execute(
        &self,
        py: Python<'_>,
        workflow: crate::convert::Text,
        id: crate::convert::Text,
        command: &Bound<'_, PyAny>,
        actor: &Bound<'_, PyAny>,
        now: &Bound<'_, PyAny>,
        expected_version: Option<crate::convert::Whole<u64>>,
    ) -> PyResult<Py<PyAny>> {
        let workflow: &str = &workflow;
        let id: &str = &id;
        let expected_version: Option<u64> = expected_version.map(|w| w.0);
        let workflow = kind(py, workflow)?;
        let command = to_value(py, command)?;
        let actor = to_actor(py, actor)?;
        let now = to_time(py, now)?;
        let x = self.with_store(py, |desk, store| {
            desk.execute_json(store, workflow, id, expected_version, &command, &actor, now)
        })?;
        to_py(py, &x)
    }

    /// The state of instance `id`: `{"state": dict, "status": str, "version": int}`, personal
    /// data masked unless `reader` (an actor dict) holds a role the masking policy clears.
    #[pyo3(signature = (workflow, id, reader=None))]
    fn state(
        &self,
        py: Python<'_>,
        workflow: crate::convert::Text,
        id: crate::convert::Text,
        reader: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let workflow: &str = &workflow;
        let id: &str = &id;
        let workflow = kind(py, workflow)?;
        let masking = self.masking(py, reader)?;
        let (state, name, version) = self.with_store(py, |desk, store| {
            desk.state_json(store, workflow, id, masking)
        })?;
        to_py(
            py,
            &serde_json::json!({"state": state, "status": name, "version": version}),
        )
    }

    /// The audit trail of instance `id`: dicts with `version`, `at`, `actor`, `event_type`,
    /// `event`; personal data masked (phone and name fields, phone numbers in text) unless
    /// `reader` (an actor dict) holds a role the masking policy clears.
    #[pyo3(signature = (workflow, id, reader=None))]
    fn history(
        &self,
        py: Python<'_>,
        workflow: crate::convert::Text,
        id: crate::convert::Text,
        reader: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let workflow: &str = &workflow;
        let id: &str = &id;
        let workflow = kind(py, workflow)?;
        let masking = self.masking(py, reader)?;
        let h = self.with_store(py, |desk, store| desk.history(store, workflow, id, masking))?;
        to_py(py, &h)
    }

    /// The instance ids of `workflow`, in name order.
    fn instances(&self, py: Python<'_>, workflow: crate::convert::Text) -> PyResult<Vec<String>> {
        let workflow: &str = &workflow;
        let prefix = format!("{}/", kind(py, workflow)?);
        let streams = self.with_store(py, |_, store| {
            store.streams(&prefix).map_err(WorkflowError::from)
        })?;
        Ok(streams
            .into_iter()
            .map(|s| s[prefix.len()..].to_owned())
            .collect())
    }

    /// Runs every deadline at `now`; returns the counts, the failures and the notices that
    /// reached nobody (`unreached`).
    fn tick(&self, py: Python<'_>, now: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let now = to_time(py, now)?;
        let r = self.with_store(py, |desk, store| desk.tick(store, now))?;
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
                "unreached": r.unreached, "staff_unreached": r.staff_unreached,
            }),
        )
    }

    /// Outbox entries in `status` (pending, sent, dead, suppressed), oldest first, with
    /// personal data (addresses, names and phone numbers in texts and errors) masked unless
    /// `reader` (an actor dict) holds a role the masking policy clears.
    #[pyo3(signature = (status="pending", limit=1000, reader=None))]
    fn outbox(
        &self,
        py: Python<'_>,
        status: &str,
        limit: usize,
        reader: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let st = self::status(py, status)?;
        let masking = self.masking(py, reader)?;
        let out: Vec<Value> = self.with_store(py, |desk, store| {
            let entries = store.list(st, limit).map_err(WorkflowError::from)?;
            let notifier = &desk.defects.notifier;
            Ok(entries
                .iter()
                .map(|e| notifier.export_entry(e, masking))
                .collect())
        })?;
        to_py(py, &out)
    }

    /// Pending entries due at `now` (addresses in the clear: this is what a sender needs).
    #[pyo3(signature = (now, limit=100))]
    fn due(&self, py: Python<'_>, now: &Bound<'_, PyAny>, limit: usize) -> PyResult<Py<PyAny>> {
        let now = to_time(py, now)?;
        let out: Vec<Value> = self.with_store(py, |desk, store| {
            let entries = store.due(now, limit).map_err(WorkflowError::from)?;
            let notifier = &desk.defects.notifier;
            Ok(entries
                .iter()
                .map(|e| notifier.export_entry(e, Masking::Clear))
                .collect())
        })?;
        to_py(py, &out)
    }

    /// Records that entry `entry_id` was sent at `at`.
    #[pyo3(signature = (entry_id, at, provider_msg_id=None))]
    fn mark_sent(
        &self,
        py: Python<'_>,
        entry_id: crate::convert::Whole<u64>,
        at: &Bound<'_, PyAny>,
        provider_msg_id: Option<String>,
    ) -> PyResult<()> {
        let entry_id: u64 = entry_id.0;
        let at = to_time(py, at)?;
        self.record(
            py,
            entry_id,
            AttemptResult::Sent {
                at,
                provider_msg_id,
            },
        )
    }

    /// Records a failed attempt on entry `entry_id`: with `retry_at` it stays pending until
    /// then; without, it is dead-lettered with `reason`.
    #[pyo3(signature = (entry_id, reason, retry_at=None))]
    fn mark_failed(
        &self,
        py: Python<'_>,
        entry_id: crate::convert::Whole<u64>,
        reason: String,
        retry_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let entry_id: u64 = entry_id.0;
        let result = match retry_at {
            Some(t) => AttemptResult::Retry {
                next_attempt_at: to_time(py, t)?,
                error: reason,
            },
            None => AttemptResult::Dead { reason },
        };
        self.record(py, entry_id, result)
    }

    /// Records that entry `entry_id` is not to be sent (`reason`, e.g. the customer opted out
    /// by another channel).
    fn suppress(
        &self,
        py: Python<'_>,
        entry_id: crate::convert::Whole<u64>,
        reason: String,
    ) -> PyResult<()> {
        let entry_id: u64 = entry_id.0;
        self.record(py, entry_id, AttemptResult::Suppressed { reason })
    }
}
