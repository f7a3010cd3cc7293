//! Closed-loop workflows: a generic decider and the four workflows of the service platform.
//!
//! A workflow is a decider ([`Workflow`]):
//!
//! - `decide(state, command, actor, now) → events` checks the actor's role permissions
//!   ([`Permissions`], data), the state and the command's data, and returns the events that
//!   record what happened — or a [`WorkflowError`] saying why not;
//! - `apply(state, event) → state` folds events into the state (pure, total);
//! - `tick(state, now) → events` turns deadlines (data, in each workflow's rules) into due,
//!   overdue and escalation events;
//! - `notices(state, event) → requests` says which notices an event causes.
//!
//! The [`Engine`] runs a workflow over an [`EventStore`](crate::ports::EventStore): it loads a
//! stream (one instance, e.g. `defect/D-2026-0001`), folds its state, decides, renders the
//! notices through the [`Notifier`](crate::notify::Notifier) and appends events and notices
//! in one `append` at the version it read (optimistic concurrency; the transactional outbox).
//! A refused command — wrong role, wrong state, stale version, unknown customer or device, a
//! notice that does not fit its channel — writes nothing. The stored events, each with its
//! actor and time, are the audit trail ([`Engine::history`]).
//!
//! The workflows: [`defect`] (safety-inspection defects), [`bill`] (bill collection),
//! [`invoice`] (paper-invoice pickup) and [`outage`] (planned and unplanned outage notices);
//! each module documents its state diagram. [`Desk`] runs the four over one store, with the
//! reaction "a paid bill starts its invoice".
//!
//! ```
//! use std::sync::Arc;
//! use chrono::TimeZone;
//! use gridserve_core::network::Network;
//! use gridserve_synth as synth;
//! use gridserve_core::ports::{china_offset, memory::MemoryStore};
//! use gridserve_core::workflow::{Actor, Desk, Role};
//! use gridserve_core::workflow::bill::BillCommand;
//! use rust_decimal::Decimal;
//!
//! let net = Arc::new(Network::from_data(&synth::generate(&synth::SynthConfig::county(1)))?);
//! let customer = net.customers().next().unwrap().number().to_owned();
//! let desk = Desk::new(net.clone());
//! let mut store = MemoryStore::new();
//! let now = china_offset().with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
//! let collector = Actor::new("collector-1", [Role::Collector]);
//! let issued = desk.bills.execute(&mut store, "B-1", Some(0), &BillCommand::Issue {
//!     customer, amount: Decimal::new(1234_50, 2), due: now + chrono::Duration::days(15),
//! }, &collector, now)?;
//! assert_eq!(issued.version, 1);
//! // The reminders escalate on their own: level 1 after three days, level 2 after seven.
//! desk.tick(&mut store, now + chrono::Duration::days(3))?;
//! desk.tick(&mut store, now + chrono::Duration::days(7))?;
//! assert_eq!(desk.bills.load(&store, "B-1")?.state.reminded_level, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::notify::NoticeRequest;
use crate::ports::Timestamp;

pub mod bill;
pub mod defect;
mod desk;
mod engine;
mod error;
pub mod invoice;
mod names;
pub mod outage;
mod outage_commands;
pub mod report_push;
pub mod staff;

pub use crate::access::{Actor, Denied, Permissions, Role, SystemGrant};
pub use desk::{Desk, DeskRules, ExecutedJson, ReportPushSummary, WorkflowKind};
pub use engine::{AuditRecord, Engine, Executed, Loaded, TickReport};
pub use error::WorkflowError;

/// What kind of media an attachment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A photo.
    Photo,
    /// A voice recording.
    Voice,
    /// A video.
    Video,
    /// A document (PDF, scan).
    Document,
}

/// A reference to evidence kept elsewhere (object storage, the host's file service): the event
/// log records what was attached, not the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Photo, voice, video or document.
    pub kind: MediaKind,
    /// Where it is (URI or storage key).
    pub uri: String,
    /// A content hash (e.g. hex SHA-256) so the reference can be checked later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// A caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// Context a decision gets besides state and command.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The stream (for error messages).
    pub stream: &'a str,
    /// The instance id (the stream name after the kind).
    pub id: &'a str,
    /// Who gives the command.
    pub actor: &'a Actor,
    /// When.
    pub now: Timestamp,
}

/// A workflow as a decider. Implementations hold their rules (deadlines, schedules,
/// thresholds, permissions: data) and whatever model they validate against.
pub trait Workflow {
    /// The state of one instance.
    type State: Clone + Serialize + DeserializeOwned + std::fmt::Debug + PartialEq;
    /// A command.
    type Command: Serialize + DeserializeOwned + std::fmt::Debug;
    /// An event (stored as JSON).
    type Event: Clone + Serialize + DeserializeOwned + std::fmt::Debug + PartialEq;

    /// The stream prefix and event-type prefix, e.g. `"defect"`.
    const KIND: &'static str;

    /// The state of an instance with no events yet.
    fn initial(id: &str) -> Self::State;

    /// The state's status: an enum whose serde name is the state's name (`new`, `recorded`).
    type Status: Serialize;

    /// The status of `state`.
    fn status(state: &Self::State) -> &Self::Status;

    /// The command's name (as in the permissions), e.g. `"record"`: its serde tag.
    fn command_name(command: &Self::Command) -> String {
        names::serde_tag(command)
    }

    /// The event's type name without the kind, e.g. `"recorded"`: its serde tag.
    fn event_name(event: &Self::Event) -> String {
        names::serde_tag(event)
    }

    /// The state's name, for errors and listings: the serde name of its status.
    fn state_name(state: &Self::State) -> String {
        names::serde_tag(Self::status(state))
    }

    /// Whether the instance still waits for something (ticks visit open instances only).
    fn is_open(state: &Self::State) -> bool;

    /// The customer an instance belongs to, for the customer role's permission.
    fn customer(state: &Self::State) -> Option<&str>;

    /// Decides what a command does: the events, or why not.
    ///
    /// # Errors
    /// A [`WorkflowError`] saying why the command is refused.
    fn decide(
        &self,
        state: &Self::State,
        command: &Self::Command,
        ctx: Ctx<'_>,
    ) -> Result<Vec<Self::Event>, WorkflowError>;

    /// Folds one event into the state.
    fn apply(state: Self::State, event: &Self::Event) -> Self::State;

    /// The deadline events due at `now` (empty when nothing is due). Applying them must make
    /// a second tick at the same `now` return nothing.
    fn tick(&self, state: &Self::State, now: Timestamp) -> Vec<Self::Event>;

    /// The notices `event`, happening at `at`, causes, given the state before it.
    fn notices(
        &self,
        before: &Self::State,
        event: &Self::Event,
        at: Timestamp,
    ) -> Vec<NoticeRequest>;

    /// The work reminders to staff `event` causes, given the state before it (see
    /// [`staff`]); none by default.
    fn staff_signals(&self, before: &Self::State, event: &Self::Event) -> Vec<staff::StaffSignal> {
        let _ = (before, event);
        Vec::new()
    }
}

/// The common refusals of a decision, made once per command: the permission check, then
/// "wrong state" and "invalid field" errors that name the stream, the command and the state.
///
/// ```
/// # use gridserve_core::workflow::{Actor, Ctx, Permissions, Refusals, Role, Workflow};
/// # use gridserve_core::workflow::bill::{BillCommand, BillWorkflow};
/// # use gridserve_core::ports::china_offset;
/// # use chrono::TimeZone;
/// let actor = Actor::new("c-1", [Role::Collector]);
/// let ctx = Ctx { stream: "bill/B-1", id: "B-1", actor: &actor,
///     now: china_offset().with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() };
/// let permissions = Permissions::from_pairs([("close", &[Role::Collector][..])]);
/// let state = BillWorkflow::initial("B-1");
/// let r = Refusals::check::<BillWorkflow>(&permissions, &state, &BillCommand::Close, ctx, None)?;
/// assert_eq!(r.wrong_state().to_string(), "close is not possible on bill/B-1 in state new");
/// # Ok::<(), gridserve_core::workflow::WorkflowError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Refusals<'a> {
    stream: &'a str,
    command: String,
    state: String,
}

impl<'a> Refusals<'a> {
    /// Checks that `ctx.actor` may give `command` (named by its serde tag) under
    /// `permissions`, for an instance whose customer is `customer`.
    ///
    /// # Errors
    /// [`WorkflowError::Forbidden`].
    pub fn check<W: Workflow + ?Sized>(
        permissions: &Permissions,
        state: &W::State,
        command: &W::Command,
        ctx: Ctx<'a>,
        customer: Option<&str>,
    ) -> Result<Self, WorkflowError> {
        let command = W::command_name(command);
        permissions.check(ctx.stream, &command, ctx.actor, customer)?;
        Ok(Self {
            stream: ctx.stream,
            command,
            state: W::state_name(state),
        })
    }

    /// The command's name.
    #[must_use]
    pub fn command(&self) -> &str {
        &self.command
    }

    /// The command does not apply in the current state.
    #[must_use]
    pub fn wrong_state(&self) -> WorkflowError {
        WorkflowError::WrongState {
            stream: self.stream.to_owned(),
            command: self.command.clone(),
            state: self.state.clone(),
        }
    }

    /// The command's `field` has a `value` the workflow refuses, because `reason`. The value
    /// is kept as an [`excerpt`](crate::access::excerpt): phone numbers masked, cut short.
    #[must_use]
    pub fn invalid(&self, field: &str, value: impl Into<String>, reason: &str) -> WorkflowError {
        WorkflowError::Invalid {
            stream: self.stream.to_owned(),
            command: self.command.clone(),
            field: field.to_owned(),
            value: crate::access::excerpt(&value.into()),
            reason: reason.to_owned(),
        }
    }
}

/// Minutes as a chrono duration (rules store durations as whole minutes).
pub(crate) fn minutes(m: i64) -> chrono::Duration {
    chrono::Duration::try_minutes(m).unwrap_or(chrono::Duration::MAX)
}

/// A template-variable map from pairs.
pub(crate) fn vars<const N: usize>(
    pairs: [(&str, String); N],
) -> std::collections::BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
