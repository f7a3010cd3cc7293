//! Bill collection (电费催缴): a bill is issued, reminders go to the customer's contact level 1,
//! then 2, then 3 on a schedule, until the customer promises to pay, pays (customer feedback or
//! the payment system), or forwards the reminder to another contact; a paid bill is closed and
//! starts its paper-invoice workflow (see [`super::Desk`]).
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> Issued: issue (collector, system) / bill.issued to level 1
//!     Issued --> Reminding: tick reminded (step k → contact level of step k)
//!     Reminding --> Reminding: tick reminded (next step)
//!     Issued --> Promised: promise (customer, collector)
//!     Reminding --> Promised: promise
//!     Promised --> Reminding: tick promise_broken (pay-by passed, still unpaid)
//!     Issued --> Forwarded: forward (customer, collector) to another contact
//!     Reminding --> Forwarded: forward
//!     Forwarded --> Forwarded: tick reminded (to that contact)
//!     Issued --> Paid: record_payment (outstanding reaches 0) / bill.paid
//!     Reminding --> Paid: record_payment
//!     Promised --> Paid: record_payment
//!     Forwarded --> Paid: record_payment
//!     Paid --> Closed: close (collector, supervisor, system)
//!     Closed --> [*]
//! ```
//!
//! A partial payment records the amount and keeps the bill open with the rest outstanding. A
//! tick that finds several reminder steps due at once (the host was down) sends only the
//! latest one.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::network::Network;
use crate::notify::{Audience, Levels, NoticeRequest, format_time};
use crate::ports::Timestamp;

use super::staff::{StaffReminderKind, StaffSignal};
use super::{Ctx, Permissions, Refusals, Role, Workflow, WorkflowError, minutes, vars};

/// One step of the reminder schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderStep {
    /// Minutes after the bill was issued.
    pub after_issue_min: i64,
    /// The contact level reminded.
    pub level: u8,
}

/// The bill workflow's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BillRules {
    /// The reminder schedule, in increasing time.
    pub reminders: Vec<ReminderStep>,
    /// Whether a paid bill starts a paper-invoice workflow.
    pub paper_invoice_on_payment: bool,
    /// Who may give which command.
    pub permissions: Permissions,
}

impl Default for BillRules {
    /// House defaults (not regulation): level 1 three days after issue, level 2 after seven,
    /// level 3 after ten.
    fn default() -> Self {
        const D: i64 = 24 * 60;
        use Role::{Collector, Customer, Supervisor, System};
        Self {
            reminders: vec![
                ReminderStep {
                    after_issue_min: 3 * D,
                    level: 1,
                },
                ReminderStep {
                    after_issue_min: 7 * D,
                    level: 2,
                },
                ReminderStep {
                    after_issue_min: 10 * D,
                    level: 3,
                },
            ],
            paper_invoice_on_payment: true,
            permissions: Permissions::from_pairs([
                ("issue", &[Collector, System][..]),
                ("promise", &[Customer, Collector][..]),
                ("record_payment", &[Customer, Collector, System][..]),
                ("forward", &[Customer, Collector][..]),
                ("close", &[Collector, Supervisor, System][..]),
            ]),
        }
    }
}

/// Where a bill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillStatus {
    /// Not issued.
    #[default]
    New,
    /// Issued, no reminder yet.
    Issued,
    /// Reminders running.
    Reminding,
    /// Payment promised.
    Promised,
    /// Reminders go to another contact.
    Forwarded,
    /// Paid in full.
    Paid,
    /// Closed.
    Closed,
}

/// The state of one bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillState {
    /// The bill's id.
    pub id: String,
    /// Where it stands.
    pub status: BillStatus,
    /// The customer.
    pub customer: Option<String>,
    /// The billed amount, yuan.
    pub amount: Decimal,
    /// Still to pay, yuan.
    pub outstanding: Decimal,
    /// Payment due.
    pub due: Option<Timestamp>,
    /// Issued at.
    pub issued_at: Option<Timestamp>,
    /// Reminder steps done (the next one is this index of the schedule).
    pub reminder_steps: usize,
    /// The last reminded contact level.
    pub reminded_level: u8,
    /// Promised to pay by.
    pub promised_by: Option<Timestamp>,
    /// Reminders forwarded to this contact phone.
    pub forwarded_to: Option<String>,
    /// The collector of the bill (who issued it, or took its last promise), who gets its
    /// broken-promise reminders.
    #[serde(default)]
    pub collector: Option<String>,
}

/// A command to a bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum BillCommand {
    /// Issue a bill.
    Issue {
        /// The customer number.
        customer: String,
        /// The amount, yuan (> 0).
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
        /// Payment due (after now).
        due: Timestamp,
    },
    /// The customer promises to pay by a date.
    Promise {
        /// Pay by (after now).
        pay_by: Timestamp,
    },
    /// A payment (from the payment system, a collector, or the customer's feedback).
    RecordPayment {
        /// Amount paid, yuan (> 0, at most the outstanding amount).
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
    },
    /// Send the reminders to another of the customer's contacts.
    Forward {
        /// The contact's phone number.
        phone: String,
    },
    /// Close a paid bill.
    Close,
}

/// What happened to a bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BillEvent {
    /// Issued.
    Issued {
        /// The customer.
        customer: String,
        /// Amount, yuan.
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
        /// Due.
        due: Timestamp,
        /// Issued at.
        issued_at: Timestamp,
        /// The collector who issued it (the actor's id, when the actor is a collector).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        collector: Option<String>,
    },
    /// A reminder step ran.
    Reminded {
        /// The step (1-based) of the schedule.
        step: usize,
        /// The contact level reminded.
        level: u8,
        /// Steps skipped because they fell due together (the latest one is sent).
        skipped: usize,
    },
    /// Payment promised.
    Promised {
        /// By then.
        pay_by: Timestamp,
        /// The collector who took the promise (the actor's id, when the actor is a
        /// collector; a customer's own promise names none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        collector: Option<String>,
    },
    /// The promise passed unpaid.
    PromiseBroken {
        /// It was promised by then.
        pay_by: Timestamp,
    },
    /// Forwarded to another contact.
    Forwarded {
        /// The contact's phone.
        phone: String,
    },
    /// A payment was recorded.
    PaymentRecorded {
        /// Amount, yuan.
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
        /// Outstanding after it.
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        outstanding: Decimal,
    },
    /// Paid in full.
    Paid,
    /// Closed.
    Closed,
}

/// The bill workflow over a network model's customers.
#[derive(Debug, Clone)]
pub struct BillWorkflow {
    network: std::sync::Arc<Network>,
    /// The rules.
    pub rules: BillRules,
}

impl BillWorkflow {
    /// The workflow with the default rules.
    #[must_use]
    pub fn new(network: std::sync::Arc<Network>) -> Self {
        Self {
            network,
            rules: BillRules::default(),
        }
    }

    /// With these rules.
    #[must_use]
    pub fn with_rules(mut self, rules: BillRules) -> Self {
        self.rules = rules;
        self
    }
}

/// The acting collector's id, if the actor is one.
fn collector_of(ctx: Ctx<'_>) -> Option<String> {
    ctx.actor
        .holds(Role::Collector)
        .then(|| ctx.actor.id.clone())
}

fn unpaid(s: BillStatus) -> bool {
    matches!(
        s,
        BillStatus::Issued | BillStatus::Reminding | BillStatus::Promised | BillStatus::Forwarded
    )
}

impl Workflow for BillWorkflow {
    type State = BillState;
    type Command = BillCommand;
    type Event = BillEvent;
    type Status = BillStatus;
    const KIND: &'static str = "bill";

    fn initial(id: &str) -> BillState {
        BillState {
            id: id.to_owned(),
            status: BillStatus::New,
            customer: None,
            amount: Decimal::ZERO,
            outstanding: Decimal::ZERO,
            due: None,
            issued_at: None,
            reminder_steps: 0,
            reminded_level: 0,
            promised_by: None,
            forwarded_to: None,
            collector: None,
        }
    }

    fn status(s: &BillState) -> &BillStatus {
        &s.status
    }

    fn is_open(s: &BillState) -> bool {
        unpaid(s.status)
    }

    fn customer(s: &BillState) -> Option<&str> {
        s.customer.as_deref()
    }

    fn decide(
        &self,
        s: &BillState,
        c: &BillCommand,
        ctx: Ctx<'_>,
    ) -> Result<Vec<BillEvent>, WorkflowError> {
        let r = Refusals::check::<Self>(&self.rules.permissions, s, c, ctx, s.customer.as_deref())?;
        use BillStatus as St;
        Ok(match (c, s.status) {
            (
                BillCommand::Issue {
                    customer,
                    amount,
                    due,
                },
                St::New,
            ) => {
                self.network
                    .customer_id(customer)
                    .map_err(|_| WorkflowError::UnknownCustomer {
                        number: customer.clone(),
                    })?;
                if *amount <= Decimal::ZERO {
                    return Err(r.invalid("amount", amount.to_string(), "must be more than 0"));
                }
                if *due <= ctx.now {
                    return Err(r.invalid("due", due.to_rfc3339(), "must be after now"));
                }
                vec![BillEvent::Issued {
                    customer: customer.clone(),
                    amount: *amount,
                    due: *due,
                    issued_at: ctx.now,
                    collector: collector_of(ctx),
                }]
            }
            (BillCommand::Promise { pay_by }, St::Issued | St::Reminding | St::Forwarded) => {
                if *pay_by <= ctx.now {
                    return Err(r.invalid("pay_by", pay_by.to_rfc3339(), "must be after now"));
                }
                vec![BillEvent::Promised {
                    pay_by: *pay_by,
                    collector: collector_of(ctx),
                }]
            }
            (BillCommand::RecordPayment { amount }, st) if unpaid(st) => {
                if *amount <= Decimal::ZERO {
                    return Err(r.invalid("amount", amount.to_string(), "must be more than 0"));
                }
                if *amount > s.outstanding {
                    return Err(r.invalid(
                        "amount",
                        amount.to_string(),
                        &format!("more than the outstanding {}", s.outstanding),
                    ));
                }
                let outstanding = s.outstanding - *amount;
                let mut v = vec![BillEvent::PaymentRecorded {
                    amount: *amount,
                    outstanding,
                }];
                if outstanding.is_zero() {
                    v.push(BillEvent::Paid);
                }
                v
            }
            (BillCommand::Forward { phone }, St::Issued | St::Reminding | St::Forwarded) => {
                let customer = s.customer.as_deref().unwrap_or_default();
                let known = self.network.customer_id(customer).ok().is_some_and(|id| {
                    self.network
                        .customer(id)
                        .contacts()
                        .any(|k| k.phone == phone)
                });
                if !known {
                    return Err(WorkflowError::UnknownContact {
                        customer: customer.to_owned(),
                        phone: crate::access::mask_phone(phone),
                    });
                }
                vec![BillEvent::Forwarded {
                    phone: phone.clone(),
                }]
            }
            (BillCommand::Close, St::Paid) => vec![BillEvent::Closed],
            _ => return Err(r.wrong_state()),
        })
    }

    fn apply(mut s: BillState, e: &BillEvent) -> BillState {
        use BillStatus as St;
        match e {
            BillEvent::Issued {
                customer,
                amount,
                due,
                issued_at,
                collector,
            } => {
                s.status = St::Issued;
                s.customer = Some(customer.clone());
                s.collector.clone_from(collector);
                s.amount = *amount;
                s.outstanding = *amount;
                s.due = Some(*due);
                s.issued_at = Some(*issued_at);
            }
            BillEvent::Reminded { step, level, .. } => {
                s.reminder_steps = *step;
                s.reminded_level = *level;
                if s.status == St::Issued {
                    s.status = St::Reminding;
                }
            }
            BillEvent::Promised { pay_by, collector } => {
                s.status = St::Promised;
                s.promised_by = Some(*pay_by);
                if collector.is_some() {
                    s.collector.clone_from(collector);
                }
            }
            BillEvent::PromiseBroken { .. } => {
                s.promised_by = None;
                s.status = if s.forwarded_to.is_some() {
                    St::Forwarded
                } else {
                    St::Reminding
                };
            }
            BillEvent::Forwarded { phone } => {
                s.status = St::Forwarded;
                s.forwarded_to = Some(phone.clone());
            }
            BillEvent::PaymentRecorded { outstanding, .. } => s.outstanding = *outstanding,
            BillEvent::Paid => s.status = St::Paid,
            BillEvent::Closed => s.status = St::Closed,
        }
        s
    }

    fn tick(&self, s: &BillState, now: Timestamp) -> Vec<BillEvent> {
        let Some(issued) = s.issued_at else {
            return Vec::new();
        };
        match s.status {
            BillStatus::Promised => match s.promised_by {
                Some(by) if now > by => vec![BillEvent::PromiseBroken { pay_by: by }],
                _ => Vec::new(),
            },
            BillStatus::Issued | BillStatus::Reminding | BillStatus::Forwarded => {
                let due_steps = self
                    .rules
                    .reminders
                    .iter()
                    .take_while(|r| now >= issued + minutes(r.after_issue_min))
                    .count();
                if due_steps <= s.reminder_steps {
                    return Vec::new();
                }
                let level = self
                    .rules
                    .reminders
                    .get(due_steps - 1)
                    .map_or(1, |r| r.level);
                vec![BillEvent::Reminded {
                    step: due_steps,
                    level,
                    skipped: due_steps - s.reminder_steps - 1,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// A broken promise reminds the collectors; a new promise, the bill's payment or its
    /// closing resolves it.
    fn staff_signals(&self, before: &BillState, e: &BillEvent) -> Vec<StaffSignal> {
        match e {
            BillEvent::PromiseBroken { pay_by } => vec![StaffSignal::Remind {
                kind: StaffReminderKind::PromiseBroken,
                crew: None,
                member: before.collector.clone(),
                vars: [
                    ("bill".to_owned(), before.id.clone()),
                    (
                        "customer".to_owned(),
                        before.customer.clone().unwrap_or_default(),
                    ),
                    ("pay_by".to_owned(), crate::notify::format_time(*pay_by)),
                ]
                .into(),
            }],
            BillEvent::Promised { .. } | BillEvent::Paid | BillEvent::Closed => {
                vec![StaffSignal::Resolve {
                    kind: StaffReminderKind::PromiseBroken,
                }]
            }
            _ => Vec::new(),
        }
    }

    fn notices(&self, before: &BillState, e: &BillEvent, at: Timestamp) -> Vec<NoticeRequest> {
        let after = Self::apply(before.clone(), e);
        let (Some(customer), Some(due)) = (&after.customer, after.due) else {
            return Vec::new();
        };
        let (template, levels, only_phone) = match e {
            BillEvent::Issued { .. } => ("bill.issued", Levels::UpTo(1), None),
            BillEvent::Reminded { level, .. } => (
                "bill.reminder",
                Levels::Exactly(*level),
                after.forwarded_to.clone(),
            ),
            BillEvent::Paid => ("bill.paid", Levels::UpTo(1), None),
            _ => return Vec::new(),
        };
        let amount = if matches!(e, BillEvent::Paid) {
            after.amount
        } else {
            after.outstanding
        };
        vec![NoticeRequest {
            template: template.to_owned(),
            audience: Audience {
                customer: customer.clone(),
                levels,
                only_phone,
            },
            vars: vars([
                ("bill", after.id.clone()),
                ("amount", format!("{amount:.2}")),
                ("due", format_time(due)),
            ]),
            not_before: at,
            expires_at: None,
            supersede_topic: None,
            urgent: false,
        }]
    }
}
