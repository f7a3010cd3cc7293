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
pub mod outage;

pub use desk::{Desk, DeskRules};
pub use engine::{AuditRecord, Engine, Executed, Loaded, TickReport};
pub use error::WorkflowError;

/// A role an actor may hold. What each role may do is data: each workflow's
/// [`Permissions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// A safety inspector (安全检查员): records and verifies defects.
    Inspector,
    /// A customer manager (客户经理): the customer's account manager.
    CustomerManager,
    /// A supervisor: closes, escalations land with them.
    Supervisor,
    /// A collector (催费员).
    Collector,
    /// An invoice clerk (发票管理员).
    InvoiceClerk,
    /// A dispatcher (调度员 / 抢修指挥).
    Dispatcher,
    /// A member of a repair crew (抢修班).
    RepairCrew,
    /// A contact of the customer acting for it (only on that customer's instances).
    Customer,
    /// The system itself: deadlines, automatic steps, integrations.
    System,
}

/// Who gives a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A stable user id (recorded in the audit trail).
    pub id: String,
    /// The roles held.
    pub roles: Vec<Role>,
    /// For the customer role: the customer number the actor acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
}

impl Actor {
    /// An actor with `roles`.
    pub fn new(id: impl Into<String>, roles: impl IntoIterator<Item = Role>) -> Self {
        Self {
            id: id.into(),
            roles: roles.into_iter().collect(),
            customer: None,
        }
    }

    /// A contact acting for customer `customer`.
    pub fn customer(id: impl Into<String>, customer: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            roles: vec![Role::Customer],
            customer: Some(customer.into()),
        }
    }

    /// The system (deadlines and automatic steps).
    #[must_use]
    pub fn system() -> Self {
        Self::new("system", [Role::System])
    }
}

/// Which roles may give which commands (by command name), as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(pub std::collections::BTreeMap<String, Vec<Role>>);

impl Permissions {
    /// From `(command, roles)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [Role])>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(c, r)| (c.to_owned(), r.to_vec()))
                .collect(),
        )
    }

    /// Checks that `actor` may give `command` on `stream`, whose customer is `customer`. The
    /// customer role counts only for the actor's own customer. A command not listed is
    /// allowed to nobody.
    ///
    /// # Errors
    /// [`WorkflowError::Forbidden`].
    pub fn check(
        &self,
        stream: &str,
        command: &str,
        actor: &Actor,
        customer: Option<&str>,
    ) -> Result<(), WorkflowError> {
        let allowed = self.0.get(command).map(Vec::as_slice).unwrap_or_default();
        let mut other_customer = false;
        for r in &actor.roles {
            if !allowed.contains(r) {
                continue;
            }
            if *r != Role::Customer {
                return Ok(());
            }
            match (customer, actor.customer.as_deref()) {
                (Some(c), Some(a)) if c == a => return Ok(()),
                _ => other_customer = true,
            }
        }
        Err(WorkflowError::Forbidden {
            stream: stream.to_owned(),
            command: command.to_owned(),
            actor: actor.id.clone(),
            allowed: allowed.to_vec(),
            other_customer,
        })
    }
}

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

    /// The command's name (as in the permissions), e.g. `"record"`.
    fn command_name(command: &Self::Command) -> &'static str;

    /// The event's type name without the kind, e.g. `"recorded"`.
    fn event_name(event: &Self::Event) -> &'static str;

    /// The state's name, for errors and listings.
    fn state_name(state: &Self::State) -> &'static str;

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
