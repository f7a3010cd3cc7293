//! Outage notices with logistics-style progress (停电通知与抢修进度).
//!
//! **Planned** outages are announced at least 7 days ahead (temporary maintenance: 24 hours;
//! both per the 《供电营业规则》 as reprinted in the messaging reference — secondary sources,
//! so the lead times are rules a host can override), reminded the day before, started and
//! restored.
//!
//! **Unplanned** outages follow the repair: detected → scope traced (the affected customers
//! from the network model's fault scope, [`OutageCommand::trace_fault`]) → crew dispatched →
//! located → repairing → restored. Each stage is a progress notice to the affected customers'
//! contacts; a new progress notice supersedes an unsent older one for the same recipient.
//! Estimated-restoration-time updates are recorded always but noticed only when the time moves
//! by at least [`OutageRules::etr_threshold_min`] from the last noticed one.
//!
//! **Restoration by switching**: an unplanned outage can be traced from an inferred device
//! ([`OutageCommand::trace_inferred`]: the device, its confidence and the evidence it rests on
//! are recorded in the [`OutageEvent::ScopeTraced`] event) and given the FLISR switching plan
//! of its fault ([`OutageCommand::attach_plan`]: each step with the customers it brings back).
//! Steps are reported done one by one, in order ([`OutageCommand::CompleteStep`]); the
//! customers a step brings back get a restored notice (`outage.restored_by_switching`: supply
//! is back while the fault is still being repaired) and drop out of every later progress
//! notice; the final restoration notifies only those still out.
//!
//! After restoration a "still out?" follow-up goes out and a feedback window opens: a customer
//! reporting it is still out is recorded ([`OutageEvent::StillOutReported`], for the host to
//! open a new outage report); the restored outage is not reopened. The window's end closes it.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> Announced: announce (dispatcher; ≥ 7 days ahead, temporary ≥ 24 h) / outage.planned
//!     Announced --> Announced: tick reminded (the day before) / outage.planned_reminder
//!     Announced --> Cancelled: cancel / outage.planned_cancelled
//!     Announced --> Started: start (not before the announced start)
//!     Started --> Restored: restore
//!     [*] --> Detected: detect (dispatcher, system; element from the network model)
//!     Detected --> ScopeTraced: trace_scope (affected customers) / outage.detected
//!     ScopeTraced --> CrewDispatched: dispatch / outage.progress
//!     CrewDispatched --> Located: locate (with photos) / outage.progress
//!     Located --> Repairing: start_repair / outage.progress
//!     ScopeTraced --> Restored: restore (e.g. by switching)
//!     CrewDispatched --> Restored: restore
//!     Located --> Restored: restore
//!     Repairing --> Restored: restore / outage.restored
//!     ScopeTraced --> ScopeTraced: attach_plan; complete_step / outage.restored_by_switching
//!     Restored --> Restored: tick still_out_check / outage.still_out; report_still_out
//!     Restored --> Closed: tick (feedback window over)
//!     Closed --> [*]
//!     Cancelled --> [*]
//! ```
//!
//! `update_etr` is accepted from scope traced to repairing (and while a planned outage runs);
//! so are `attach_plan` and `complete_step` (which leave the status as it is).
//!
//! About 860 lines of code: one state machine (its commands, events, state and the decider,
//! fold and notices over them), which reads best as one unit. The commands built from the
//! network model (a traced fault, an inferred device, a FLISR plan) are in `outage_commands.rs`.

use serde::{Deserialize, Serialize};

use std::collections::{BTreeMap, HashSet};

use crate::network::Network;
use crate::network::error::Action;
use crate::network::infer::EvidenceKind;
use crate::network::restore::Stage;
use crate::notify::{Audience, Levels, NoticeRequest, format_time};
use crate::ports::Timestamp;

use super::staff::{StaffReminderKind, StaffSignal};
use super::{Attachment, Ctx, Permissions, Refusals, Role, Workflow, WorkflowError, minutes, vars};

/// The outage workflow's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageRules {
    /// Least notice for a planned outage (7 days).
    pub planned_notice_min: i64,
    /// Least notice for temporary maintenance (24 hours).
    pub temporary_notice_min: i64,
    /// The reminder before a planned outage (the day before: 24 hours).
    pub remind_before_min: i64,
    /// A new estimated restoration time is noticed only if it moves at least this much from
    /// the last noticed one (30 minutes).
    pub etr_threshold_min: i64,
    /// The "still out?" follow-up this long after restoration (30 minutes).
    pub still_out_after_min: i64,
    /// The feedback window after restoration; the outage closes at its end (24 hours).
    pub feedback_window_min: i64,
    /// Contact levels that receive outage notices (up to this level).
    pub notify_up_to_level: u8,
    /// Who may give which command.
    pub permissions: Permissions,
}

impl Default for OutageRules {
    fn default() -> Self {
        use Role::{Customer, Dispatcher, RepairCrew, System};
        Self {
            planned_notice_min: 7 * 24 * 60,
            temporary_notice_min: 24 * 60,
            remind_before_min: 24 * 60,
            etr_threshold_min: 30,
            still_out_after_min: 30,
            feedback_window_min: 24 * 60,
            notify_up_to_level: 1,
            permissions: Permissions::from_pairs([
                ("announce", &[Dispatcher][..]),
                ("cancel", &[Dispatcher][..]),
                ("start", &[Dispatcher, RepairCrew][..]),
                ("detect", &[Dispatcher, System][..]),
                ("trace_scope", &[Dispatcher, System][..]),
                ("dispatch", &[Dispatcher][..]),
                ("locate", &[RepairCrew, Dispatcher][..]),
                ("start_repair", &[RepairCrew, Dispatcher][..]),
                ("update_etr", &[RepairCrew, Dispatcher][..]),
                ("restore", &[Dispatcher, RepairCrew, System][..]),
                ("report_still_out", &[Customer, Dispatcher][..]),
                ("attach_plan", &[Dispatcher, System][..]),
                ("complete_step", &[Dispatcher, RepairCrew, System][..]),
            ]),
        }
    }
}

/// Planned or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageKind {
    /// Planned maintenance (or temporary maintenance).
    Planned,
    /// A fault.
    Unplanned,
}

/// Where an outage stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageStatus {
    /// No events yet.
    #[default]
    New,
    /// Planned: announced.
    Announced,
    /// Planned: cancelled.
    Cancelled,
    /// Planned: under way.
    Started,
    /// Unplanned: detected.
    Detected,
    /// Unplanned: affected customers known.
    ScopeTraced,
    /// Unplanned: crew on the way.
    CrewDispatched,
    /// Unplanned: fault located.
    Located,
    /// Unplanned: being repaired.
    Repairing,
    /// Supply restored; feedback window open.
    Restored,
    /// Closed.
    Closed,
}

impl OutageStatus {
    /// The status as a notice `const` value (one of the default template's approved values).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::New | Self::Detected => "已发现",
            Self::Announced => "计划停电",
            Self::Cancelled => "已取消",
            Self::Started => "已开始",
            Self::ScopeTraced => "已研判",
            Self::CrewDispatched => "已派单",
            Self::Located => "已定位",
            Self::Repairing => "抢修中",
            Self::Restored | Self::Closed => "已恢复",
        }
    }
}

/// The state of one outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutageState {
    /// The instance id.
    pub id: String,
    /// Planned or not.
    pub kind: Option<OutageKind>,
    /// Where it stands.
    pub status: OutageStatus,
    /// The area as told to customers.
    pub area: String,
    /// The cause as told to customers.
    pub cause: String,
    /// Devices concerned (asset numbers): worked on, or faulted and tripped.
    pub devices: Vec<String>,
    /// Affected customer numbers.
    pub customers: Vec<String>,
    /// Planned window.
    pub start: Option<Timestamp>,
    /// Planned window end.
    pub end: Option<Timestamp>,
    /// Temporary maintenance.
    pub temporary: bool,
    /// Planned reminder sent.
    pub reminded: bool,
    /// The crew.
    pub crew: Option<String>,
    /// Where the fault was found.
    pub location: Option<String>,
    /// The current estimated restoration time.
    pub etr: Option<Timestamp>,
    /// The last estimated restoration time customers were told.
    pub noticed_etr: Option<Timestamp>,
    /// Restored at.
    pub restored_at: Option<Timestamp>,
    /// The still-out follow-up was sent.
    pub followed_up: bool,
    /// Customers who reported still being out.
    pub still_out: Vec<String>,
    /// Photos and other evidence.
    pub evidence: Vec<Attachment>,
    /// The inferred device the outage was traced from, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<InferredDevice>,
    /// The restoration (switching) plan attached, in order; empty if none.
    #[serde(default)]
    pub plan: Vec<OutagePlanStep>,
    /// How many steps of the plan are done (the first `steps_done`).
    #[serde(default)]
    pub steps_done: usize,
    /// The customers a plan step brought back, with the step's number (1-based). An affected
    /// customer not in it is out until the outage is restored ([`OutageState::restored_at`]).
    #[serde(default)]
    pub restored_by_step: BTreeMap<String, usize>,
}

impl OutageState {
    /// The affected customers still out: every one not yet brought back by a plan step, or
    /// none once the outage is restored.
    pub fn customers_out(&self) -> impl Iterator<Item = &String> {
        let restored = matches!(self.status, OutageStatus::Restored | OutageStatus::Closed);
        self.customers
            .iter()
            .filter(move |c| !restored && !self.restored_by_step.contains_key(*c))
    }

    /// The plan step (1-based) that brought `customer` back, if one did.
    #[must_use]
    pub fn restored_by(&self, customer: &str) -> Option<usize> {
        self.restored_by_step.get(customer).copied()
    }
}

/// The inferred operated device an unplanned outage was traced from, as its events record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferredDevice {
    /// The device's asset number (a switch, or a source).
    pub device: String,
    /// The inference's confidence in `[0, 1]`.
    pub confidence: f64,
    /// Power-off units (customers) reported below the device.
    pub reports_off: usize,
    /// Power-on units reported below it.
    pub reports_on: usize,
    /// Whether a DA trip named the device.
    pub tripped: bool,
    /// The evidence items the conclusion rests on.
    pub evidence: Vec<CitedEvidence>,
}

/// One evidence item an inference rests on, with its position in the inference's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitedEvidence {
    /// The item's position in the evidence given to the inference (0-based).
    pub index: usize,
    /// What the item says.
    pub kind: EvidenceKind,
    /// The customer number, for customer-level items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The asset number, for asset-level items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
}

/// One step of a restoration plan as the outage workflow records it: plain data, with the
/// customers the step brings back by number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutagePlanStep {
    /// The device operated (asset number).
    pub device: String,
    /// What is done to it.
    pub action: Action,
    /// Why the step is in the plan.
    pub stage: Stage,
    /// Whether the device is remote-operable.
    #[serde(default)]
    pub remote: bool,
    /// The customers (numbers) this step brings back; empty for steps that restore nobody
    /// (isolation, splits).
    #[serde(default)]
    pub customers: Vec<String>,
    /// Load brought back by this step, kW.
    #[serde(default)]
    pub load_restored_kw: f64,
}

/// A command to an outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutageCommand {
    /// Announce a planned outage.
    Announce {
        /// The area as told to customers.
        area: String,
        /// Devices worked on (asset numbers in the network model).
        devices: Vec<String>,
        /// Affected customer numbers (e.g. from `Topology::planned_outage`).
        customers: Vec<String>,
        /// Start.
        start: Timestamp,
        /// End (after start).
        end: Timestamp,
        /// Temporary maintenance (24-hour notice instead of 7 days).
        #[serde(default)]
        temporary: bool,
    },
    /// Cancel an announced outage.
    Cancel {
        /// Why.
        reason: String,
    },
    /// The planned work starts (not before the announced start).
    Start,
    /// An unplanned outage is detected.
    Detect {
        /// The area as told to customers.
        area: String,
        /// The faulted element (asset number in the network model).
        element: String,
        /// The cause as told to customers.
        cause: String,
    },
    /// The scope is traced: the affected customers and tripped devices.
    TraceScope {
        /// Affected customer numbers.
        customers: Vec<String>,
        /// Devices that tripped (asset numbers).
        tripped: Vec<String>,
        /// A first estimated restoration time, if any.
        #[serde(default)]
        etr: Option<Timestamp>,
        /// The inferred device the scope comes from, if it comes from an inference
        /// ([`OutageCommand::trace_inferred`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inferred: Option<InferredDevice>,
    },
    /// A crew is dispatched.
    Dispatch {
        /// The crew.
        crew: String,
        /// A new estimate, if any.
        #[serde(default)]
        etr: Option<Timestamp>,
    },
    /// The fault is located.
    Locate {
        /// Where.
        location: String,
        /// Photos.
        #[serde(default)]
        evidence: Vec<Attachment>,
        /// A new estimate, if any.
        #[serde(default)]
        etr: Option<Timestamp>,
    },
    /// Repair starts.
    StartRepair {
        /// A new estimate, if any.
        #[serde(default)]
        etr: Option<Timestamp>,
    },
    /// A new estimated restoration time.
    UpdateEtr {
        /// The estimate (after now).
        etr: Timestamp,
    },
    /// Supply is restored.
    Restore,
    /// A customer reports still being out after the restoration.
    ReportStillOut {
        /// The customer number (an affected one).
        customer: String,
    },
    /// Attaches the restoration (switching) plan of the fault ([`OutageCommand::attach_plan`]).
    /// Replaces an attached plan while none of its steps is done.
    AttachPlan {
        /// The steps, in order; each step's customers are affected customers of the outage,
        /// none in two steps.
        steps: Vec<OutagePlanStep>,
    },
    /// A step of the attached plan is done: the customers it brings back get a restored
    /// notice and no later progress notice.
    CompleteStep {
        /// The step's number (1-based, as the plan lists it); steps are done in order.
        step: usize,
    },
}

/// What happened to an outage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutageEvent {
    /// Announced.
    Announced {
        /// Area.
        area: String,
        /// Devices.
        devices: Vec<String>,
        /// Customers.
        customers: Vec<String>,
        /// Start.
        start: Timestamp,
        /// End.
        end: Timestamp,
        /// Temporary maintenance.
        temporary: bool,
    },
    /// The day-before reminder.
    Reminded,
    /// Cancelled.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// Started.
    Started,
    /// Detected.
    Detected {
        /// Area.
        area: String,
        /// The faulted element.
        element: String,
        /// Cause.
        cause: String,
    },
    /// Scope traced.
    ScopeTraced {
        /// Customers.
        customers: Vec<String>,
        /// Tripped devices.
        tripped: Vec<String>,
        /// First estimate.
        etr: Option<Timestamp>,
        /// The inferred device it was traced from (absent for traced faults, and in logs
        /// written before inferences were recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inferred: Option<InferredDevice>,
    },
    /// Crew dispatched.
    CrewDispatched {
        /// The crew.
        crew: String,
        /// Estimate.
        etr: Option<Timestamp>,
    },
    /// Located.
    Located {
        /// Where.
        location: String,
        /// Photos.
        evidence: Vec<Attachment>,
        /// Estimate.
        etr: Option<Timestamp>,
    },
    /// Repairing.
    RepairStarted {
        /// Estimate.
        etr: Option<Timestamp>,
    },
    /// A new estimate.
    EtrUpdated {
        /// The estimate.
        etr: Timestamp,
        /// Whether it moved enough to be noticed.
        noticed: bool,
    },
    /// Restored.
    Restored {
        /// When.
        at: Timestamp,
    },
    /// The "still out?" follow-up.
    StillOutCheck,
    /// A customer is still out.
    StillOutReported {
        /// The customer.
        customer: String,
    },
    /// Closed.
    Closed,
    /// A restoration plan was attached (replacing any earlier one).
    PlanAttached {
        /// The steps, in order.
        steps: Vec<OutagePlanStep>,
    },
    /// A plan step was done.
    StepCompleted {
        /// The step's number (1-based).
        step: usize,
        /// The customers it brought back.
        customers: Vec<String>,
    },
}

/// The outage workflow over a network model.
#[derive(Debug, Clone)]
pub struct OutageWorkflow {
    network: std::sync::Arc<Network>,
    /// The rules.
    pub rules: OutageRules,
}

impl OutageWorkflow {
    /// The workflow with the default rules.
    #[must_use]
    pub fn new(network: std::sync::Arc<Network>) -> Self {
        Self {
            network,
            rules: OutageRules::default(),
        }
    }

    /// With these rules.
    #[must_use]
    pub fn with_rules(mut self, rules: OutageRules) -> Self {
        self.rules = rules;
        self
    }

    fn known_customers(&self, customers: &[String]) -> Result<(), WorkflowError> {
        for c in customers {
            self.network
                .customer_id(c)
                .map_err(|_| WorkflowError::UnknownCustomer { number: c.clone() })?;
        }
        Ok(())
    }

    /// Refuses a plan that cannot be attached: a step of the attached one is done, no step,
    /// an unknown device, a load that is not a finite number ≥ 0, a customer who is not an
    /// affected customer or is in two steps.
    fn check_plan(
        &self,
        s: &OutageState,
        steps: &[OutagePlanStep],
        r: &Refusals<'_>,
    ) -> Result<(), WorkflowError> {
        if s.steps_done > 0 {
            return Err(r.invalid(
                "steps",
                format!("{} steps", steps.len()),
                &format!(
                    "{} steps of the attached plan are done: it can no longer be replaced",
                    s.steps_done
                ),
            ));
        }
        if steps.is_empty() {
            return Err(r.invalid("steps", "[]", "a plan needs at least one step"));
        }
        let affected: HashSet<&str> = s.customers.iter().map(String::as_str).collect();
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, step) in steps.iter().enumerate() {
            self.known_devices([&step.device])?;
            if !step.load_restored_kw.is_finite() || step.load_restored_kw < 0.0 {
                return Err(r.invalid(
                    &format!("steps[{i}].load_restored_kw"),
                    step.load_restored_kw.to_string(),
                    "must be a finite number ≥ 0",
                ));
            }
            for c in &step.customers {
                let field = format!("steps[{i}].customers");
                if !affected.contains(c.as_str()) {
                    return Err(r.invalid(
                        &field,
                        c.clone(),
                        "not an affected customer of this outage",
                    ));
                }
                if let Some(j) = seen.insert(c, i) {
                    return Err(r.invalid(
                        &field,
                        c.clone(),
                        &format!("already brought back by steps[{j}]"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn known_devices<'a>(
        &self,
        devices: impl IntoIterator<Item = &'a String>,
    ) -> Result<(), WorkflowError> {
        for d in devices {
            self.network
                .element(d)
                .map_err(|_| WorkflowError::UnknownDevice { asset: d.clone() })?;
        }
        Ok(())
    }
}

fn repairing_stage(s: OutageStatus) -> bool {
    matches!(
        s,
        OutageStatus::ScopeTraced
            | OutageStatus::CrewDispatched
            | OutageStatus::Located
            | OutageStatus::Repairing
    )
}

impl Workflow for OutageWorkflow {
    type State = OutageState;
    type Command = OutageCommand;
    type Event = OutageEvent;
    type Status = OutageStatus;
    const KIND: &'static str = "outage";

    fn initial(id: &str) -> OutageState {
        OutageState {
            id: id.to_owned(),
            kind: None,
            status: OutageStatus::New,
            area: String::new(),
            cause: String::new(),
            devices: Vec::new(),
            customers: Vec::new(),
            start: None,
            end: None,
            temporary: false,
            reminded: false,
            crew: None,
            location: None,
            etr: None,
            noticed_etr: None,
            restored_at: None,
            followed_up: false,
            still_out: Vec::new(),
            evidence: Vec::new(),
            inferred: None,
            plan: Vec::new(),
            steps_done: 0,
            restored_by_step: BTreeMap::new(),
        }
    }

    fn status(s: &OutageState) -> &OutageStatus {
        &s.status
    }

    fn is_open(s: &OutageState) -> bool {
        matches!(s.status, OutageStatus::Announced | OutageStatus::Restored)
    }

    fn customer(_: &OutageState) -> Option<&str> {
        None
    }

    #[allow(clippy::too_many_lines)]
    fn decide(
        &self,
        s: &OutageState,
        c: &OutageCommand,
        ctx: Ctx<'_>,
    ) -> Result<Vec<OutageEvent>, WorkflowError> {
        let customer = match c {
            OutageCommand::ReportStillOut { customer } => Some(customer.as_str()),
            _ => None,
        };
        let r = Refusals::check::<Self>(&self.rules.permissions, s, c, ctx, customer)?;
        let future_etr = |etr: &Option<Timestamp>| match etr {
            Some(t) if *t <= ctx.now => Err(r.invalid("etr", t.to_rfc3339(), "must be after now")),
            _ => Ok(*etr),
        };
        use OutageStatus as St;
        let e = match (c, s.status) {
            (
                OutageCommand::Announce {
                    area,
                    devices,
                    customers,
                    start,
                    end,
                    temporary,
                },
                St::New,
            ) => {
                if area.trim().is_empty() {
                    return Err(r.invalid("area", area.clone(), "empty"));
                }
                if customers.is_empty() {
                    return Err(r.invalid("customers", "[]", "no affected customer"));
                }
                if end <= start {
                    return Err(r.invalid("end", end.to_rfc3339(), "must be after the start"));
                }
                let required = if *temporary {
                    self.rules.temporary_notice_min
                } else {
                    self.rules.planned_notice_min
                };
                let given = *start - ctx.now;
                if given < minutes(required) {
                    return Err(WorkflowError::NoticePeriod {
                        stream: ctx.stream.to_owned(),
                        start: start.to_rfc3339(),
                        #[allow(clippy::cast_precision_loss)]
                        given_hours: given.num_seconds() as f64 / 3600.0,
                        required_hours: required / 60,
                        temporary: *temporary,
                    });
                }
                self.known_devices(devices)?;
                self.known_customers(customers)?;
                OutageEvent::Announced {
                    area: area.clone(),
                    devices: devices.clone(),
                    customers: customers.clone(),
                    start: *start,
                    end: *end,
                    temporary: *temporary,
                }
            }
            (OutageCommand::Cancel { reason }, St::Announced) => OutageEvent::Cancelled {
                reason: reason.clone(),
            },
            (OutageCommand::Start, St::Announced) => {
                if let Some(start) = s.start
                    && ctx.now < start
                {
                    return Err(r.invalid(
                        "now",
                        ctx.now.to_rfc3339(),
                        &format!("before the announced start {}", start.to_rfc3339()),
                    ));
                }
                OutageEvent::Started
            }
            (
                OutageCommand::Detect {
                    area,
                    element,
                    cause,
                },
                St::New,
            ) => {
                if area.trim().is_empty() {
                    return Err(r.invalid("area", area.clone(), "empty"));
                }
                self.known_devices([element])?;
                OutageEvent::Detected {
                    area: area.clone(),
                    element: element.clone(),
                    cause: if cause.trim().is_empty() {
                        "故障".to_owned()
                    } else {
                        cause.clone()
                    },
                }
            }
            (
                OutageCommand::TraceScope {
                    customers,
                    tripped,
                    etr,
                    inferred,
                },
                St::Detected,
            ) => {
                self.known_customers(customers)?;
                self.known_devices(tripped)?;
                if let Some(i) = inferred {
                    if !(0.0..=1.0).contains(&i.confidence) {
                        return Err(r.invalid(
                            "inferred.confidence",
                            i.confidence.to_string(),
                            "must be in [0, 1]",
                        ));
                    }
                    self.known_devices([&i.device])?;
                }
                OutageEvent::ScopeTraced {
                    customers: customers.clone(),
                    tripped: tripped.clone(),
                    etr: future_etr(etr)?,
                    inferred: inferred.clone(),
                }
            }
            (OutageCommand::Dispatch { crew, etr }, St::ScopeTraced) => {
                if crew.trim().is_empty() {
                    return Err(r.invalid("crew", crew.clone(), "empty"));
                }
                OutageEvent::CrewDispatched {
                    crew: crew.clone(),
                    etr: future_etr(etr)?,
                }
            }
            (
                OutageCommand::Locate {
                    location,
                    evidence,
                    etr,
                },
                St::CrewDispatched,
            ) => OutageEvent::Located {
                location: location.clone(),
                evidence: evidence.clone(),
                etr: future_etr(etr)?,
            },
            (OutageCommand::StartRepair { etr }, St::Located) => OutageEvent::RepairStarted {
                etr: future_etr(etr)?,
            },
            (OutageCommand::UpdateEtr { etr }, st) if repairing_stage(st) || st == St::Started => {
                let etr = future_etr(&Some(*etr))?.unwrap_or(*etr);
                let noticed = s
                    .noticed_etr
                    .is_none_or(|last| (etr - last).abs() >= minutes(self.rules.etr_threshold_min));
                OutageEvent::EtrUpdated { etr, noticed }
            }
            (OutageCommand::Restore, st) if repairing_stage(st) || st == St::Started => {
                OutageEvent::Restored { at: ctx.now }
            }
            (OutageCommand::AttachPlan { steps }, st) if repairing_stage(st) => {
                self.check_plan(s, steps, &r)?;
                OutageEvent::PlanAttached {
                    steps: steps.clone(),
                }
            }
            (OutageCommand::CompleteStep { step }, st) if repairing_stage(st) => {
                let n = *step;
                let refuse = |reason: &str| Err(r.invalid("step", n.to_string(), reason));
                if s.plan.is_empty() {
                    return refuse("no restoration plan is attached");
                }
                if n == 0 || n > s.plan.len() {
                    return refuse(&format!(
                        "no such step: the plan has {} steps",
                        s.plan.len()
                    ));
                }
                if n <= s.steps_done {
                    return refuse("the step is already done");
                }
                if n > s.steps_done + 1 {
                    return refuse(&format!(
                        "out of order: step {} comes first",
                        s.steps_done + 1
                    ));
                }
                OutageEvent::StepCompleted {
                    step: n,
                    customers: s.plan[n - 1].customers.clone(),
                }
            }
            (OutageCommand::ReportStillOut { customer }, St::Restored) => {
                if !s.customers.contains(customer) {
                    return Err(WorkflowError::UnknownCustomer {
                        number: customer.clone(),
                    });
                }
                OutageEvent::StillOutReported {
                    customer: customer.clone(),
                }
            }
            _ => return Err(r.wrong_state()),
        };
        Ok(vec![e])
    }

    fn apply(mut s: OutageState, e: &OutageEvent) -> OutageState {
        use OutageStatus as St;
        let set_etr = |s: &mut OutageState, etr: &Option<Timestamp>| {
            if let Some(t) = etr {
                s.etr = Some(*t);
                s.noticed_etr = Some(*t);
            }
        };
        match e {
            OutageEvent::Announced {
                area,
                devices,
                customers,
                start,
                end,
                temporary,
            } => {
                s.kind = Some(OutageKind::Planned);
                s.status = St::Announced;
                s.area.clone_from(area);
                s.cause = "计划检修".to_owned();
                s.devices.clone_from(devices);
                s.customers.clone_from(customers);
                s.start = Some(*start);
                s.end = Some(*end);
                s.etr = Some(*end);
                s.noticed_etr = Some(*end);
                s.temporary = *temporary;
            }
            OutageEvent::Reminded => s.reminded = true,
            OutageEvent::Cancelled { .. } => s.status = St::Cancelled,
            OutageEvent::Started => s.status = St::Started,
            OutageEvent::Detected {
                area,
                element,
                cause,
            } => {
                s.kind = Some(OutageKind::Unplanned);
                s.status = St::Detected;
                s.area.clone_from(area);
                s.cause.clone_from(cause);
                s.devices = vec![element.clone()];
            }
            OutageEvent::ScopeTraced {
                customers,
                tripped,
                etr,
                inferred,
            } => {
                s.status = St::ScopeTraced;
                s.customers.clone_from(customers);
                s.devices.extend(tripped.iter().cloned());
                s.inferred.clone_from(inferred);
                set_etr(&mut s, etr);
            }
            OutageEvent::CrewDispatched { crew, etr } => {
                s.status = St::CrewDispatched;
                s.crew = Some(crew.clone());
                set_etr(&mut s, etr);
            }
            OutageEvent::Located {
                location,
                evidence,
                etr,
            } => {
                s.status = St::Located;
                s.location = Some(location.clone());
                s.evidence.extend(evidence.iter().cloned());
                set_etr(&mut s, etr);
            }
            OutageEvent::RepairStarted { etr } => {
                s.status = St::Repairing;
                set_etr(&mut s, etr);
            }
            OutageEvent::EtrUpdated { etr, noticed } => {
                s.etr = Some(*etr);
                if *noticed {
                    s.noticed_etr = Some(*etr);
                }
            }
            OutageEvent::Restored { at } => {
                s.status = St::Restored;
                s.restored_at = Some(*at);
            }
            OutageEvent::StillOutCheck => s.followed_up = true,
            OutageEvent::StillOutReported { customer } => {
                if !s.still_out.contains(customer) {
                    s.still_out.push(customer.clone());
                }
            }
            OutageEvent::Closed => s.status = St::Closed,
            OutageEvent::PlanAttached { steps } => {
                s.plan.clone_from(steps);
                s.steps_done = 0;
                s.restored_by_step.clear();
            }
            OutageEvent::StepCompleted { step, customers } => {
                s.steps_done = *step;
                for c in customers {
                    s.restored_by_step.entry(c.clone()).or_insert(*step);
                }
            }
        }
        s
    }

    fn tick(&self, s: &OutageState, now: Timestamp) -> Vec<OutageEvent> {
        match s.status {
            OutageStatus::Announced => match s.start {
                Some(start)
                    if !s.reminded
                        && now >= start - minutes(self.rules.remind_before_min)
                        && now < start =>
                {
                    vec![OutageEvent::Reminded]
                }
                _ => Vec::new(),
            },
            OutageStatus::Restored => {
                let Some(at) = s.restored_at else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                if now >= at + minutes(self.rules.feedback_window_min) {
                    out.push(OutageEvent::Closed);
                } else if !s.followed_up && now >= at + minutes(self.rules.still_out_after_min) {
                    out.push(OutageEvent::StillOutCheck);
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// A traced scope reminds the dispatcher on duty; a dispatch resolves that and reminds
    /// the crew's leader; the crew's first report (located, repairing) or the restoration
    /// resolves the crew reminder; a cancellation or restoration resolves both.
    fn staff_signals(&self, before: &OutageState, e: &OutageEvent) -> Vec<StaffSignal> {
        use StaffReminderKind::{CrewAssigned, OutageTraced};
        let outage = ("outage".to_owned(), before.id.clone());
        match e {
            OutageEvent::ScopeTraced { customers, .. } => vec![StaffSignal::Remind {
                kind: OutageTraced,
                crew: None,
                member: None,
                vars: [
                    outage,
                    ("customers".to_owned(), customers.len().to_string()),
                ]
                .into(),
            }],
            OutageEvent::CrewDispatched { crew, .. } => vec![
                StaffSignal::Resolve { kind: OutageTraced },
                StaffSignal::Remind {
                    kind: CrewAssigned,
                    crew: Some(crew.clone()),
                    member: None,
                    vars: [outage, ("crew".to_owned(), crew.clone())].into(),
                },
            ],
            OutageEvent::Located { .. } | OutageEvent::RepairStarted { .. } => {
                vec![StaffSignal::Resolve { kind: CrewAssigned }]
            }
            OutageEvent::Restored { .. } | OutageEvent::Cancelled { .. } => vec![
                StaffSignal::Resolve { kind: OutageTraced },
                StaffSignal::Resolve { kind: CrewAssigned },
            ],
            _ => Vec::new(),
        }
    }

    fn notices(&self, before: &OutageState, e: &OutageEvent, at: Timestamp) -> Vec<NoticeRequest> {
        let s = Self::apply(before.clone(), e);
        let (template, progress) = match e {
            OutageEvent::Announced { .. } => ("outage.planned", false),
            OutageEvent::Reminded => ("outage.planned_reminder", false),
            OutageEvent::Cancelled { .. } => ("outage.planned_cancelled", false),
            OutageEvent::ScopeTraced { .. } => ("outage.detected", true),
            OutageEvent::CrewDispatched { .. }
            | OutageEvent::Located { .. }
            | OutageEvent::RepairStarted { .. } => ("outage.progress", true),
            OutageEvent::EtrUpdated { noticed: true, .. } => ("outage.progress", true),
            OutageEvent::Restored { .. } if s.kind == Some(OutageKind::Unplanned) => {
                ("outage.restored", true)
            }
            OutageEvent::StillOutCheck if s.kind == Some(OutageKind::Unplanned) => {
                ("outage.still_out", false)
            }
            OutageEvent::StepCompleted { customers, .. } if !customers.is_empty() => {
                ("outage.restored_by_switching", true)
            }
            _ => return Vec::new(),
        };
        // Customers a plan step brought back hear of that step and of nothing after it but
        // the still-out follow-up (which goes to every affected customer).
        let recipients: Vec<String> = match e {
            OutageEvent::StepCompleted { customers, .. } => customers.clone(),
            OutageEvent::Restored { .. } => before.customers_out().cloned().collect(),
            _ if progress => s.customers_out().cloned().collect(),
            _ => s.customers.clone(),
        };
        let (status, restored) = match e {
            OutageEvent::StepCompleted { .. } => (OutageStatus::Restored.label(), format_time(at)),
            _ => (
                s.status.label(),
                s.restored_at.map(format_time).unwrap_or_default(),
            ),
        };
        let window = match (s.start, s.end) {
            (Some(a), Some(b)) => format!("{}~{}", format_time(a), b.format("%H:%M")),
            _ => String::new(),
        };
        let etr_text = s.etr.map_or_else(
            || "恢复时间待定".to_owned(),
            |t| format!("预计{}恢复", t.format("%-m月%-d日%H:%M")),
        );
        let v = vars([
            ("outage", s.id),
            ("area", s.area),
            ("cause", s.cause),
            ("status", status.to_owned()),
            ("etr_text", etr_text),
            ("updated", format_time(at)),
            ("window", window),
            ("restored", restored),
        ]);
        recipients
            .into_iter()
            .map(|c| NoticeRequest {
                template: template.to_owned(),
                audience: Audience {
                    customer: c,
                    levels: Levels::UpTo(self.rules.notify_up_to_level),
                    only_phone: None,
                },
                vars: v.clone(),
                not_before: at,
                expires_at: None,
                supersede_topic: progress.then(|| "progress".to_owned()),
                urgent: false,
            })
            .collect()
    }
}
