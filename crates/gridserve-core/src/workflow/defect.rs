//! Safety-inspection defects (安全检查缺陷闭环): found on a routine inspection of a customer's
//! installation, noticed to the customer's contacts, rectified by the customer and verified by
//! the inspector, with deadlines by severity and escalation when overdue.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> Recorded: record (inspector; device from the network model, severity, evidence)
//!     Recorded --> NoticeIssued: issue_notice (inspector, customer manager) / notice to contacts
//!     NoticeIssued --> Acknowledged: acknowledge (customer, customer manager)
//!     Acknowledged --> Rectifying: start_rectifying
//!     Rectifying --> Submitted: submit_rectification (with evidence)
//!     Submitted --> Verified: verify (inspector)
//!     Submitted --> Rectifying: send_back (inspector) / new deadline, notice
//!     Verified --> Closed: close (customer manager, supervisor) / notice
//!     Closed --> [*]
//!     note right of NoticeIssued
//!         tick: acknowledge_overdue; due_soon, overdue and escalated (levels 1, 2, …)
//!         while the customer has not submitted; escalation notices go up the
//!         customer's contact levels
//!     end note
//! ```
//!
//! Deadlines are per severity in [`DefectRules`] (minutes; the defaults are house values, not
//! regulation — override them): acknowledge within, rectify within (from the notice),
//! resubmit within (after a send-back), remind before the due time, and the escalation steps
//! after it.

use serde::{Deserialize, Serialize};

use crate::network::Network;
use crate::notify::{Audience, Levels, NoticeRequest, format_time};
use crate::ports::Timestamp;

use super::staff::{StaffReminderKind, StaffSignal};
use super::{Attachment, Ctx, Permissions, Refusals, Role, Workflow, WorkflowError, minutes, vars};

/// How serious a defect is (缺陷等级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般缺陷.
    General,
    /// 严重缺陷.
    Serious,
    /// 危急缺陷.
    Critical,
}

impl Severity {
    /// The Chinese name used in notices.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::General => "一般",
            Self::Serious => "严重",
            Self::Critical => "危急",
        }
    }
}

/// Deadlines of one severity, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDeadlines {
    /// From the notice to the customer's acknowledgement.
    pub acknowledge_within_min: i64,
    /// From the notice to the submitted rectification.
    pub rectify_within_min: i64,
    /// From a send-back to the new submission.
    pub resubmit_within_min: i64,
    /// A reminder this long before the rectification is due.
    pub remind_before_min: i64,
}

/// The defect workflow's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefectRules {
    /// Deadlines for general defects.
    pub general: SeverityDeadlines,
    /// Deadlines for serious defects.
    pub serious: SeverityDeadlines,
    /// Deadlines for critical defects.
    pub critical: SeverityDeadlines,
    /// Escalation steps, minutes after the rectification was due: step k raises the
    /// escalation to level k (notices then go to contact levels up to k + 1).
    pub escalate_after_min: Vec<i64>,
    /// Who may give which command.
    pub permissions: Permissions,
    /// The severities whose notices are urgent (sent at once in the contact's quiet hours and
    /// to contacts who muted defect notices): a safety hazard does not wait for morning.
    #[serde(default = "critical_only")]
    pub urgent_severities: Vec<Severity>,
}

fn critical_only() -> Vec<Severity> {
    vec![Severity::Critical]
}

impl Default for DefectRules {
    /// House defaults (not regulation): critical — acknowledge in 2 h, rectify in 24 h;
    /// serious — 24 h / 7 days; general — 3 days / 30 days; escalation 1 and 3 days after the
    /// due time.
    fn default() -> Self {
        const H: i64 = 60;
        const D: i64 = 24 * H;
        use Role::{Customer, CustomerManager, Inspector, Supervisor};
        Self {
            general: SeverityDeadlines {
                acknowledge_within_min: 3 * D,
                rectify_within_min: 30 * D,
                resubmit_within_min: 7 * D,
                remind_before_min: 3 * D,
            },
            serious: SeverityDeadlines {
                acknowledge_within_min: D,
                rectify_within_min: 7 * D,
                resubmit_within_min: 3 * D,
                remind_before_min: D,
            },
            critical: SeverityDeadlines {
                acknowledge_within_min: 2 * H,
                rectify_within_min: D,
                resubmit_within_min: D,
                remind_before_min: 4 * H,
            },
            escalate_after_min: vec![D, 3 * D],
            permissions: Permissions::from_pairs([
                ("record", &[Inspector][..]),
                ("issue_notice", &[Inspector, CustomerManager][..]),
                ("acknowledge", &[Customer, CustomerManager][..]),
                ("start_rectifying", &[Customer, CustomerManager][..]),
                ("submit_rectification", &[Customer, CustomerManager][..]),
                ("verify", &[Inspector][..]),
                ("send_back", &[Inspector][..]),
                ("close", &[CustomerManager, Supervisor][..]),
            ]),
            urgent_severities: critical_only(),
        }
    }
}

impl DefectRules {
    /// The deadlines of `severity`.
    #[must_use]
    pub fn deadlines(&self, severity: Severity) -> &SeverityDeadlines {
        match severity {
            Severity::General => &self.general,
            Severity::Serious => &self.serious,
            Severity::Critical => &self.critical,
        }
    }
}

/// Where a defect stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefectStatus {
    /// Not recorded yet.
    #[default]
    New,
    /// Recorded by the inspector.
    Recorded,
    /// Noticed to the customer.
    NoticeIssued,
    /// The customer acknowledged.
    Acknowledged,
    /// Being rectified (also after a send-back).
    Rectifying,
    /// Rectification submitted, awaiting verification.
    Submitted,
    /// Verified by the inspector.
    Verified,
    /// Closed.
    Closed,
}

/// The state of one defect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefectState {
    /// The defect's id.
    pub id: String,
    /// Where it stands.
    pub status: DefectStatus,
    /// The customer.
    pub customer: Option<String>,
    /// The device's asset number.
    pub device: Option<String>,
    /// Severity.
    pub severity: Option<Severity>,
    /// What was found.
    pub description: String,
    /// Acknowledgement due.
    pub acknowledge_due: Option<Timestamp>,
    /// Rectification due.
    pub rectify_due: Option<Timestamp>,
    /// The due-soon reminder was sent for the current deadline.
    pub reminded: bool,
    /// The acknowledgement was reported overdue.
    pub acknowledge_overdue: bool,
    /// The rectification was reported overdue (current deadline).
    pub overdue: bool,
    /// Escalation level reached for the current deadline (0: none).
    pub escalation: u8,
    /// Times the rectification was sent back.
    pub send_backs: u32,
    /// Every attachment, in order.
    pub evidence: Vec<Attachment>,
    /// The inspector who recorded it, who gets its deadline reminders.
    #[serde(default)]
    pub inspector: Option<String>,
}

/// A command to a defect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DefectCommand {
    /// Record a defect found on inspection.
    Record {
        /// The customer number.
        customer: String,
        /// The device's asset number (must be in the network model).
        device: String,
        /// Severity.
        severity: Severity,
        /// What was found (not empty).
        description: String,
        /// Photos, voice notes, videos.
        #[serde(default)]
        evidence: Vec<Attachment>,
    },
    /// Notify the customer's contacts; starts the deadlines.
    IssueNotice,
    /// The customer acknowledges the notice.
    Acknowledge,
    /// The customer starts rectifying.
    StartRectifying {
        /// The plan, if given.
        #[serde(default)]
        plan: Option<String>,
    },
    /// The customer submits the rectification.
    SubmitRectification {
        /// What was done.
        note: String,
        /// Photos of the result (at least one).
        evidence: Vec<Attachment>,
    },
    /// The inspector accepts the rectification.
    Verify {
        /// Remarks.
        #[serde(default)]
        note: Option<String>,
        /// Photos from the re-inspection.
        #[serde(default)]
        evidence: Vec<Attachment>,
    },
    /// The inspector refuses the rectification.
    SendBack {
        /// Why (not empty).
        reason: String,
    },
    /// Close a verified defect.
    Close,
}

/// What happened to a defect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DefectEvent {
    /// Recorded.
    Recorded {
        /// The customer.
        customer: String,
        /// The device.
        device: String,
        /// Severity.
        severity: Severity,
        /// What was found.
        description: String,
        /// Evidence.
        evidence: Vec<Attachment>,
        /// The inspector who recorded it (the actor's id, when the actor is an inspector):
        /// deadline reminders go to them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inspector: Option<String>,
    },
    /// Noticed to the customer, with its deadlines.
    NoticeIssued {
        /// Acknowledgement due.
        acknowledge_due: Timestamp,
        /// Rectification due.
        rectify_due: Timestamp,
    },
    /// Acknowledged.
    Acknowledged,
    /// Rectification started.
    RectifyingStarted {
        /// The plan.
        plan: Option<String>,
    },
    /// Rectification submitted.
    RectificationSubmitted {
        /// What was done.
        note: String,
        /// Evidence.
        evidence: Vec<Attachment>,
    },
    /// Verified.
    Verified {
        /// Remarks.
        note: Option<String>,
        /// Evidence.
        evidence: Vec<Attachment>,
    },
    /// Sent back, with a new deadline.
    SentBack {
        /// Why.
        reason: String,
        /// The new rectification deadline.
        rectify_due: Timestamp,
    },
    /// Closed.
    Closed,
    /// The acknowledgement deadline passed.
    AcknowledgeOverdue {
        /// It was due then.
        due: Timestamp,
    },
    /// The rectification deadline is near.
    DueSoon {
        /// It is due then.
        due: Timestamp,
    },
    /// The rectification deadline passed.
    Overdue {
        /// It was due then.
        due: Timestamp,
    },
    /// Escalated one level.
    Escalated {
        /// The new level (1, 2, …).
        level: u8,
        /// The missed deadline.
        due: Timestamp,
    },
}

/// The defect workflow over a network model.
#[derive(Debug, Clone)]
pub struct DefectWorkflow {
    network: std::sync::Arc<Network>,
    /// The rules.
    pub rules: DefectRules,
}

impl DefectWorkflow {
    /// The workflow with the default rules.
    #[must_use]
    pub fn new(network: std::sync::Arc<Network>) -> Self {
        Self {
            network,
            rules: DefectRules::default(),
        }
    }

    /// With these rules.
    #[must_use]
    pub fn with_rules(mut self, rules: DefectRules) -> Self {
        self.rules = rules;
        self
    }

    fn request(
        &self,
        s: &DefectState,
        template: &str,
        levels: Levels,
        at: Timestamp,
    ) -> Vec<NoticeRequest> {
        let (Some(customer), Some(device), Some(severity), Some(due)) =
            (&s.customer, &s.device, s.severity, s.rectify_due)
        else {
            return Vec::new();
        };
        vec![NoticeRequest {
            template: template.to_owned(),
            audience: Audience {
                customer: customer.clone(),
                levels,
                only_phone: None,
            },
            vars: vars([
                ("defect", s.id.clone()),
                ("device", device.clone()),
                ("severity", severity.label().to_owned()),
                ("due", format_time(due)),
            ]),
            not_before: at,
            expires_at: None,
            supersede_topic: None,
            urgent: self.rules.urgent_severities.contains(&severity),
        }]
    }
}

fn waiting_for_customer(s: DefectStatus) -> bool {
    matches!(
        s,
        DefectStatus::NoticeIssued | DefectStatus::Acknowledged | DefectStatus::Rectifying
    )
}

impl Workflow for DefectWorkflow {
    type State = DefectState;
    type Command = DefectCommand;
    type Event = DefectEvent;
    type Status = DefectStatus;
    const KIND: &'static str = "defect";

    fn initial(id: &str) -> DefectState {
        DefectState {
            id: id.to_owned(),
            status: DefectStatus::New,
            customer: None,
            device: None,
            severity: None,
            description: String::new(),
            acknowledge_due: None,
            rectify_due: None,
            reminded: false,
            acknowledge_overdue: false,
            overdue: false,
            escalation: 0,
            send_backs: 0,
            evidence: Vec::new(),
            inspector: None,
        }
    }

    fn status(s: &DefectState) -> &DefectStatus {
        &s.status
    }

    fn is_open(s: &DefectState) -> bool {
        waiting_for_customer(s.status)
    }

    fn customer(s: &DefectState) -> Option<&str> {
        s.customer.as_deref()
    }

    fn decide(
        &self,
        s: &DefectState,
        c: &DefectCommand,
        ctx: Ctx<'_>,
    ) -> Result<Vec<DefectEvent>, WorkflowError> {
        let r = Refusals::check::<Self>(&self.rules.permissions, s, c, ctx, s.customer.as_deref())?;
        use DefectStatus as St;
        let event = match (c, s.status) {
            (
                DefectCommand::Record {
                    customer,
                    device,
                    severity,
                    description,
                    evidence,
                },
                St::New,
            ) => {
                self.network
                    .customer_id(customer)
                    .map_err(|_| WorkflowError::UnknownCustomer {
                        number: customer.clone(),
                    })?;
                self.network
                    .element(device)
                    .map_err(|_| WorkflowError::UnknownDevice {
                        asset: device.clone(),
                    })?;
                if description.trim().is_empty() {
                    return Err(r.invalid("description", description, "empty"));
                }
                DefectEvent::Recorded {
                    customer: customer.clone(),
                    device: device.clone(),
                    severity: *severity,
                    description: description.clone(),
                    evidence: evidence.clone(),
                    inspector: ctx
                        .actor
                        .holds(Role::Inspector)
                        .then(|| ctx.actor.id.clone()),
                }
            }
            (DefectCommand::IssueNotice, St::Recorded) => {
                let d = self
                    .rules
                    .deadlines(s.severity.unwrap_or(Severity::General));
                DefectEvent::NoticeIssued {
                    acknowledge_due: ctx.now + minutes(d.acknowledge_within_min),
                    rectify_due: ctx.now + minutes(d.rectify_within_min),
                }
            }
            (DefectCommand::Acknowledge, St::NoticeIssued) => DefectEvent::Acknowledged,
            (DefectCommand::StartRectifying { plan }, St::Acknowledged) => {
                DefectEvent::RectifyingStarted { plan: plan.clone() }
            }
            (DefectCommand::SubmitRectification { note, evidence }, St::Rectifying) => {
                if evidence.is_empty() {
                    return Err(r.invalid("evidence", "[]", "at least one photo or video"));
                }
                DefectEvent::RectificationSubmitted {
                    note: note.clone(),
                    evidence: evidence.clone(),
                }
            }
            (DefectCommand::Verify { note, evidence }, St::Submitted) => DefectEvent::Verified {
                note: note.clone(),
                evidence: evidence.clone(),
            },
            (DefectCommand::SendBack { reason }, St::Submitted) => {
                if reason.trim().is_empty() {
                    return Err(r.invalid("reason", reason, "empty"));
                }
                let d = self
                    .rules
                    .deadlines(s.severity.unwrap_or(Severity::General));
                DefectEvent::SentBack {
                    reason: reason.clone(),
                    rectify_due: ctx.now + minutes(d.resubmit_within_min),
                }
            }
            (DefectCommand::Close, St::Verified) => DefectEvent::Closed,
            _ => return Err(r.wrong_state()),
        };
        Ok(vec![event])
    }

    fn apply(mut s: DefectState, e: &DefectEvent) -> DefectState {
        use DefectStatus as St;
        match e {
            DefectEvent::Recorded {
                customer,
                device,
                severity,
                description,
                evidence,
                inspector,
            } => {
                s.status = St::Recorded;
                s.inspector.clone_from(inspector);
                s.customer = Some(customer.clone());
                s.device = Some(device.clone());
                s.severity = Some(*severity);
                s.description.clone_from(description);
                s.evidence.extend(evidence.iter().cloned());
            }
            DefectEvent::NoticeIssued {
                acknowledge_due,
                rectify_due,
            } => {
                s.status = St::NoticeIssued;
                s.acknowledge_due = Some(*acknowledge_due);
                s.rectify_due = Some(*rectify_due);
            }
            DefectEvent::Acknowledged => s.status = St::Acknowledged,
            DefectEvent::RectifyingStarted { .. } => s.status = St::Rectifying,
            DefectEvent::RectificationSubmitted { evidence, .. } => {
                s.status = St::Submitted;
                s.evidence.extend(evidence.iter().cloned());
            }
            DefectEvent::Verified { evidence, .. } => {
                s.status = St::Verified;
                s.evidence.extend(evidence.iter().cloned());
            }
            DefectEvent::SentBack { rectify_due, .. } => {
                s.status = St::Rectifying;
                s.send_backs += 1;
                s.rectify_due = Some(*rectify_due);
                s.reminded = false;
                s.overdue = false;
                s.escalation = 0;
            }
            DefectEvent::Closed => s.status = St::Closed,
            DefectEvent::AcknowledgeOverdue { .. } => s.acknowledge_overdue = true,
            DefectEvent::DueSoon { .. } => s.reminded = true,
            DefectEvent::Overdue { .. } => {
                s.reminded = true;
                s.overdue = true;
            }
            DefectEvent::Escalated { level, .. } => s.escalation = *level,
        }
        s
    }

    fn tick(&self, s: &DefectState, now: Timestamp) -> Vec<DefectEvent> {
        let mut out = Vec::new();
        if !waiting_for_customer(s.status) {
            return out;
        }
        if s.status == DefectStatus::NoticeIssued
            && !s.acknowledge_overdue
            && let Some(due) = s.acknowledge_due
            && now >= due
        {
            out.push(DefectEvent::AcknowledgeOverdue { due });
        }
        let Some(due) = s.rectify_due else {
            return out;
        };
        let d = self
            .rules
            .deadlines(s.severity.unwrap_or(Severity::General));
        if now >= due {
            if !s.overdue {
                out.push(DefectEvent::Overdue { due });
            }
            let mut level = s.escalation;
            while let Some(&after) = self.rules.escalate_after_min.get(usize::from(level)) {
                if now < due + minutes(after) {
                    break;
                }
                level = level.saturating_add(1);
                out.push(DefectEvent::Escalated { level, due });
                if level == u8::MAX {
                    break;
                }
            }
        } else if !s.reminded && now >= due - minutes(d.remind_before_min) {
            out.push(DefectEvent::DueSoon { due });
        }
        out
    }

    /// A nearing rectification deadline reminds the inspectors; a submitted rectification or
    /// the defect's closing resolves it.
    fn staff_signals(&self, before: &DefectState, e: &DefectEvent) -> Vec<StaffSignal> {
        match e {
            DefectEvent::DueSoon { due } => vec![StaffSignal::Remind {
                kind: StaffReminderKind::DefectDueSoon,
                crew: None,
                member: before.inspector.clone(),
                vars: [
                    ("defect".to_owned(), before.id.clone()),
                    ("due".to_owned(), crate::notify::format_time(*due)),
                ]
                .into(),
            }],
            DefectEvent::RectificationSubmitted { .. } | DefectEvent::Closed => {
                vec![StaffSignal::Resolve {
                    kind: StaffReminderKind::DefectDueSoon,
                }]
            }
            _ => Vec::new(),
        }
    }

    fn notices(&self, before: &DefectState, e: &DefectEvent, at: Timestamp) -> Vec<NoticeRequest> {
        // Notices describe the state after the event (its deadline).
        let after = Self::apply(before.clone(), e);
        let (template, levels) = match e {
            DefectEvent::NoticeIssued { .. } => ("defect.notice", Levels::UpTo(1)),
            DefectEvent::DueSoon { .. } => ("defect.due_soon", Levels::UpTo(1)),
            DefectEvent::Overdue { .. } => ("defect.overdue", Levels::UpTo(1)),
            DefectEvent::Escalated { level, .. } => {
                ("defect.escalated", Levels::Exactly(level.saturating_add(1)))
            }
            DefectEvent::SentBack { .. } => ("defect.sent_back", Levels::UpTo(1)),
            DefectEvent::Closed => ("defect.closed", Levels::UpTo(1)),
            _ => return Vec::new(),
        };
        self.request(&after, template, levels, at)
    }
}
