//! The runner: load, fold, decide, render notices, append — all or nothing.

use serde::{Deserialize, Serialize};

use crate::notify::{Masking, Notifier, Unreached};
use crate::ports::{Appended, EventStore, NewEvent, OutboundMessage, StoredEvent, Timestamp};

use super::staff::{StaffNotifier, StaffUnreached};
use super::{Actor, Ctx, Workflow, WorkflowError};

/// Runs workflow `W` over any [`EventStore`]: the store is passed to each call, so one store
/// serves several engines and the caller owns its transaction boundaries.
#[derive(Debug, Clone)]
pub struct Engine<W> {
    /// The workflow with its rules.
    pub workflow: W,
    /// Renders the notices events cause.
    pub notifier: Notifier,
    /// Renders the work reminders to staff events cause; `None` (the default) sends none.
    pub staff: Option<StaffNotifier>,
}

/// An instance's folded state and version.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<S> {
    /// The stream.
    pub stream: String,
    /// The state.
    pub state: S,
    /// The version the state reflects (0: no events).
    pub version: u64,
}

/// What an accepted command wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed<E> {
    /// The stream.
    pub stream: String,
    /// The events appended, in order.
    pub events: Vec<E>,
    /// The stream's version after the append.
    pub version: u64,
    /// What the outbox took.
    pub appended: Appended,
    /// The notices the events caused that reached nobody (no contact, or none permitted and
    /// reachable), with the reason: nothing was enqueued for them.
    pub unreached: Vec<Unreached>,
    /// The work reminders the events caused that reached no member of staff, with the reason.
    pub staff_unreached: Vec<StaffUnreached>,
}

/// What a tick did.
#[derive(Debug, Default)]
pub struct TickReport {
    /// Open instances looked at.
    pub checked: usize,
    /// Instances that got deadline events.
    pub advanced: usize,
    /// Deadline events appended.
    pub events: usize,
    /// Notices enqueued.
    pub notices: usize,
    /// Instances skipped because another writer moved them meanwhile (the next tick retries).
    pub conflicts: usize,
    /// Instances whose deadline events could not be written, with the reason.
    pub failures: Vec<(String, WorkflowError)>,
    /// Notices of the deadline events that reached nobody, with the reason.
    pub unreached: Vec<Unreached>,
    /// Work reminders of the deadline events that reached no member of staff.
    pub staff_unreached: Vec<StaffUnreached>,
}

impl TickReport {
    pub(crate) fn add(&mut self, o: Self) {
        self.checked += o.checked;
        self.advanced += o.advanced;
        self.events += o.events;
        self.notices += o.notices;
        self.conflicts += o.conflicts;
        self.failures.extend(o.failures);
        self.unreached.extend(o.unreached);
        self.staff_unreached.extend(o.staff_unreached);
    }
}

/// One line of the audit trail: who did what, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the stream.
    pub version: u64,
    /// When.
    pub at: Timestamp,
    /// Who (user id or `system`).
    pub actor: String,
    /// The event type, e.g. `defect.recorded`.
    pub event_type: String,
    /// The event (with its attachments), as JSON.
    pub event: serde_json::Value,
}

impl<W: Workflow> Engine<W> {
    /// An engine for `workflow` rendering notices with `notifier`.
    pub fn new(workflow: W, notifier: Notifier) -> Self {
        Self {
            workflow,
            notifier,
            staff: None,
        }
    }

    /// The same engine sending work reminders to staff through `staff`.
    #[must_use]
    pub fn with_staff(mut self, staff: StaffNotifier) -> Self {
        self.staff = Some(staff);
        self
    }

    /// The stream of instance `id`: `"{KIND}/{id}"`.
    #[must_use]
    pub fn stream(id: &str) -> String {
        format!("{}/{id}", W::KIND)
    }

    fn decode(e: &StoredEvent) -> Result<W::Event, WorkflowError> {
        serde_json::from_str(&e.payload_json).map_err(|err| WorkflowError::Corrupt {
            stream: e.stream.clone(),
            version: e.version,
            event_type: e.event_type.clone(),
            detail: err.to_string(),
        })
    }

    fn fold_stream<S: EventStore + ?Sized>(
        store: &S,
        stream: &str,
        id: &str,
    ) -> Result<Loaded<W::State>, WorkflowError> {
        let mut state = W::initial(id);
        let mut version = 0;
        for e in store.load(stream, 0)? {
            if e.version != version + 1 {
                return Err(WorkflowError::Corrupt {
                    stream: stream.to_owned(),
                    version: e.version,
                    event_type: e.event_type,
                    detail: format!("expected version {}", version + 1),
                });
            }
            state = W::apply(state, &Self::decode(&e)?);
            version = e.version;
        }
        Ok(Loaded {
            stream: stream.to_owned(),
            state,
            version,
        })
    }

    /// The state and version of instance `id`.
    ///
    /// # Errors
    /// A store error or an unreadable event.
    pub fn load<S: EventStore + ?Sized>(
        &self,
        store: &S,
        id: &str,
    ) -> Result<Loaded<W::State>, WorkflowError> {
        Self::fold_stream(store, &Self::stream(id), id)
    }

    /// The events of instance `id`, decoded, in order.
    ///
    /// # Errors
    /// A store error or an unreadable event.
    pub fn events<S: EventStore + ?Sized>(
        &self,
        store: &S,
        id: &str,
    ) -> Result<Vec<W::Event>, WorkflowError> {
        store
            .load(&Self::stream(id), 0)?
            .iter()
            .map(Self::decode)
            .collect()
    }

    /// The audit trail of instance `id`: who, when, what (with attachments). Personal data
    /// is masked per `masking` ([`crate::access::mask_value`]: phone and name fields by what
    /// they are, phone numbers in free text in all common forms).
    ///
    /// # Errors
    /// A store error or an unreadable event.
    pub fn history<S: EventStore + ?Sized>(
        &self,
        store: &S,
        id: &str,
        masking: Masking,
    ) -> Result<Vec<AuditRecord>, WorkflowError> {
        store
            .load(&Self::stream(id), 0)?
            .into_iter()
            .map(|e| {
                let event = Self::decode(&e)?;
                let mut json = serde_json::to_value(&event).unwrap_or(serde_json::Value::Null);
                crate::access::mask_value(&mut json, masking);
                Ok(AuditRecord {
                    version: e.version,
                    at: e.at,
                    actor: e.actor,
                    event_type: e.event_type,
                    event: json,
                })
            })
            .collect()
    }

    /// Gives `command` to instance `id` as `actor` at `now`.
    ///
    /// `expected_version` is the version the caller's decision rests on (what it showed the
    /// user); `None` takes the current one. The events and the notices they cause are appended
    /// in one store call at that version.
    ///
    /// # Errors
    /// [`WorkflowError`]: forbidden, wrong state, conflict (stale version), unknown
    /// customer/device/contact, invalid data, a notice that does not fit; nothing is written.
    pub fn execute<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        id: &str,
        expected_version: Option<u64>,
        command: &W::Command,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Executed<W::Event>, WorkflowError> {
        let loaded = self.load(store, id)?;
        if let Some(expected) = expected_version
            && expected != loaded.version
        {
            return Err(WorkflowError::Conflict {
                stream: loaded.stream,
                expected,
                actual: loaded.version,
            });
        }
        let ctx = Ctx {
            stream: &loaded.stream,
            id,
            actor,
            now,
        };
        let events = self.workflow.decide(&loaded.state, command, ctx)?;
        self.commit(store, loaded, events, &actor.id, now)
    }

    fn commit<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        loaded: Loaded<W::State>,
        events: Vec<W::Event>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Executed<W::Event>, WorkflowError> {
        let Loaded {
            stream,
            mut state,
            version,
        } = loaded;
        let mut new_events = Vec::with_capacity(events.len());
        let mut notices: Vec<OutboundMessage> = Vec::new();
        let mut unreached = Vec::new();
        let mut staff_unreached = Vec::new();
        for (i, event) in events.iter().enumerate() {
            let v = version + i as u64 + 1;
            for request in self.workflow.notices(&state, event, now) {
                let rendered = self.notifier.render_notice(&stream, v, &request)?;
                notices.extend(rendered.messages);
                unreached.extend(rendered.unreached);
            }
            if let Some(staff) = &self.staff {
                for signal in self.workflow.staff_signals(&state, event) {
                    let rendered = staff.render(&stream, v, now, &signal);
                    notices.extend(rendered.messages);
                    staff_unreached.extend(rendered.unreached);
                }
            }
            state = W::apply(state, event);
            let payload_json =
                serde_json::to_string(event).map_err(|e| WorkflowError::Corrupt {
                    stream: stream.clone(),
                    version: v,
                    event_type: W::event_name(event),
                    detail: e.to_string(),
                })?;
            new_events.push(NewEvent {
                event_type: format!("{}.{}", W::KIND, W::event_name(event)),
                payload_json,
                actor: actor.to_owned(),
                at: now,
            });
        }
        let appended = store.append(&stream, version, &new_events, &notices)?;
        Ok(Executed {
            stream,
            events,
            version: appended.version,
            appended,
            unreached,
            staff_unreached,
        })
    }

    /// Runs the deadlines of every open instance at `now`: due, overdue, escalation and
    /// scheduled events, each instance appended at the version it was read. An instance that
    /// moved meanwhile is left for the next tick; one whose events cannot be written is
    /// reported and does not stop the others.
    ///
    /// # Errors
    /// Only a store error listing the streams.
    pub fn tick<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        now: Timestamp,
    ) -> Result<TickReport, WorkflowError> {
        let prefix = format!("{}/", W::KIND);
        let mut report = TickReport::default();
        for stream in store.streams(&prefix)? {
            let id = &stream[prefix.len()..];
            let loaded = match Self::fold_stream(store, &stream, id) {
                Ok(l) => l,
                Err(e) => {
                    report.failures.push((stream.clone(), e));
                    continue;
                }
            };
            if !W::is_open(&loaded.state) {
                continue;
            }
            report.checked += 1;
            let events = self.workflow.tick(&loaded.state, now);
            if events.is_empty() {
                continue;
            }
            match self.commit(store, loaded, events, "system", now) {
                Ok(x) => {
                    report.advanced += 1;
                    report.events += x.events.len();
                    report.notices += x.appended.enqueued;
                    report.unreached.extend(x.unreached);
                    report.staff_unreached.extend(x.staff_unreached);
                }
                Err(WorkflowError::Conflict { .. }) => report.conflicts += 1,
                Err(e) => report.failures.push((stream.clone(), e)),
            }
        }
        Ok(report)
    }
}
