//! Paper-invoice pickup (纸质发票自提): an invoice is requested (by a paid bill, the customer
//! or a clerk), printed, placed in a self-service locker with a pickup code the customer's
//! contacts receive, and picked up — or, when the pickup window passes, expired and returned
//! to the service hall.
//!
//! ```mermaid
//! stateDiagram-v2
//!     [*] --> Requested: request (system, collector, clerk, customer)
//!     Requested --> Printed: print (clerk)
//!     Printed --> InLocker: place_in_locker (clerk; locker number, pickup code) / invoice.in_locker
//!     InLocker --> InLocker: tick pickup_reminder (before expiry) / invoice.pickup_reminder
//!     InLocker --> PickedUp: pick_up (customer with the code, clerk, system)
//!     InLocker --> Expired: tick expired / invoice.expired
//!     Expired --> Returned: return (clerk)
//!     PickedUp --> [*]
//!     Returned --> [*]
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::network::Network;
use crate::notify::{Audience, Levels, NoticeRequest, format_time};
use crate::ports::Timestamp;

use super::{Ctx, Permissions, Refusals, Role, Workflow, WorkflowError, minutes, vars};

/// The invoice workflow's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRules {
    /// How long an invoice waits in the locker.
    pub pickup_within_min: i64,
    /// A reminder this long before it expires.
    pub remind_before_min: i64,
    /// Who may give which command.
    pub permissions: Permissions,
}

impl Default for InvoiceRules {
    /// House defaults: seven days in the locker, a reminder one day before.
    fn default() -> Self {
        use Role::{Collector, Customer, InvoiceClerk, System};
        Self {
            pickup_within_min: 7 * 24 * 60,
            remind_before_min: 24 * 60,
            permissions: Permissions::from_pairs([
                ("request", &[System, Collector, InvoiceClerk, Customer][..]),
                ("print", &[InvoiceClerk][..]),
                ("place_in_locker", &[InvoiceClerk][..]),
                ("pick_up", &[Customer, InvoiceClerk, System][..]),
                ("return", &[InvoiceClerk][..]),
            ]),
        }
    }
}

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Not requested.
    #[default]
    New,
    /// Requested.
    Requested,
    /// Printed.
    Printed,
    /// Waiting in a locker.
    InLocker,
    /// Picked up.
    PickedUp,
    /// Not picked up in time.
    Expired,
    /// Taken back to the service hall.
    Returned,
}

/// The state of one invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceState {
    /// The instance id.
    pub id: String,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// The customer.
    pub customer: Option<String>,
    /// The bill it is for, if any.
    pub bill: Option<String>,
    /// Amount, yuan.
    pub amount: Decimal,
    /// The printed invoice number.
    pub invoice_no: Option<String>,
    /// The locker.
    pub locker: Option<String>,
    /// The pickup code.
    pub pickup_code: Option<String>,
    /// The locker slot expires at.
    pub expires_at: Option<Timestamp>,
    /// The pickup reminder was sent.
    pub reminded: bool,
}

/// A command to an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum InvoiceCommand {
    /// Request a paper invoice.
    Request {
        /// The customer number.
        customer: String,
        /// The bill, if any.
        #[serde(default)]
        bill: Option<String>,
        /// Amount, yuan (> 0).
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
    },
    /// The invoice is printed.
    Print {
        /// Its number (letters, digits, symbols; ≤ 32).
        invoice_no: String,
    },
    /// Placed in a locker.
    PlaceInLocker {
        /// The locker number.
        locker: String,
        /// The pickup code (4–12 letters or digits).
        pickup_code: String,
    },
    /// Picked up.
    PickUp {
        /// The code used.
        pickup_code: String,
    },
    /// An expired invoice is taken back to the hall.
    Return,
}

/// What happened to an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InvoiceEvent {
    /// Requested.
    Requested {
        /// The customer.
        customer: String,
        /// The bill.
        bill: Option<String>,
        /// Amount, yuan.
        #[serde(deserialize_with = "crate::tariff::exact::de")]
        amount: Decimal,
    },
    /// Printed.
    Printed {
        /// Its number.
        invoice_no: String,
    },
    /// In a locker.
    PlacedInLocker {
        /// The locker.
        locker: String,
        /// The code.
        pickup_code: String,
        /// Expires then.
        expires_at: Timestamp,
    },
    /// Reminder before expiry.
    PickupReminder {
        /// Expires then.
        expires_at: Timestamp,
    },
    /// Picked up.
    PickedUp,
    /// Expired.
    Expired,
    /// Returned to the hall.
    Returned,
}

/// The invoice workflow.
#[derive(Debug, Clone)]
pub struct InvoiceWorkflow {
    network: std::sync::Arc<Network>,
    /// The rules.
    pub rules: InvoiceRules,
}

impl InvoiceWorkflow {
    /// The workflow with the default rules.
    #[must_use]
    pub fn new(network: std::sync::Arc<Network>) -> Self {
        Self {
            network,
            rules: InvoiceRules::default(),
        }
    }

    /// With these rules.
    #[must_use]
    pub fn with_rules(mut self, rules: InvoiceRules) -> Self {
        self.rules = rules;
        self
    }
}

impl Workflow for InvoiceWorkflow {
    type State = InvoiceState;
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;
    type Status = InvoiceStatus;
    const KIND: &'static str = "invoice";

    fn initial(id: &str) -> InvoiceState {
        InvoiceState {
            id: id.to_owned(),
            status: InvoiceStatus::New,
            customer: None,
            bill: None,
            amount: Decimal::ZERO,
            invoice_no: None,
            locker: None,
            pickup_code: None,
            expires_at: None,
            reminded: false,
        }
    }

    fn status(s: &InvoiceState) -> &InvoiceStatus {
        &s.status
    }

    fn is_open(s: &InvoiceState) -> bool {
        s.status == InvoiceStatus::InLocker
    }

    fn customer(s: &InvoiceState) -> Option<&str> {
        s.customer.as_deref()
    }

    fn decide(
        &self,
        s: &InvoiceState,
        c: &InvoiceCommand,
        ctx: Ctx<'_>,
    ) -> Result<Vec<InvoiceEvent>, WorkflowError> {
        // A request names its customer: the customer role may request only its own.
        let customer = match c {
            InvoiceCommand::Request { customer, .. } if s.status == InvoiceStatus::New => {
                Some(customer.as_str())
            }
            _ => s.customer.as_deref(),
        };
        let r = Refusals::check::<Self>(&self.rules.permissions, s, c, ctx, customer)?;
        use InvoiceStatus as St;
        let e = match (c, s.status) {
            (
                InvoiceCommand::Request {
                    customer,
                    bill,
                    amount,
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
                InvoiceEvent::Requested {
                    customer: customer.clone(),
                    bill: bill.clone(),
                    amount: *amount,
                }
            }
            (InvoiceCommand::Print { invoice_no }, St::Requested) => {
                if invoice_no.is_empty()
                    || invoice_no.chars().count() > 32
                    || !invoice_no.chars().all(|c| c.is_ascii_graphic())
                {
                    return Err(r.invalid(
                        "invoice_no",
                        invoice_no,
                        "1 to 32 letters, digits or symbols",
                    ));
                }
                InvoiceEvent::Printed {
                    invoice_no: invoice_no.clone(),
                }
            }
            (
                InvoiceCommand::PlaceInLocker {
                    locker,
                    pickup_code,
                },
                St::Printed,
            ) => {
                if locker.is_empty()
                    || locker.chars().count() > 32
                    || !locker.chars().all(|c| c.is_ascii_graphic())
                {
                    return Err(r.invalid("locker", locker, "1 to 32 letters, digits or symbols"));
                }
                let n = pickup_code.chars().count();
                if !(4..=12).contains(&n) || !pickup_code.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(r.invalid("pickup_code", pickup_code, "4 to 12 letters or digits"));
                }
                InvoiceEvent::PlacedInLocker {
                    locker: locker.clone(),
                    pickup_code: pickup_code.clone(),
                    expires_at: ctx.now + minutes(self.rules.pickup_within_min),
                }
            }
            (InvoiceCommand::PickUp { pickup_code }, St::InLocker) => {
                if s.pickup_code.as_deref() != Some(pickup_code.as_str()) {
                    return Err(r.invalid("pickup_code", pickup_code, "wrong code"));
                }
                InvoiceEvent::PickedUp
            }
            (InvoiceCommand::Return, St::Expired) => InvoiceEvent::Returned,
            _ => return Err(r.wrong_state()),
        };
        Ok(vec![e])
    }

    fn apply(mut s: InvoiceState, e: &InvoiceEvent) -> InvoiceState {
        use InvoiceStatus as St;
        match e {
            InvoiceEvent::Requested {
                customer,
                bill,
                amount,
            } => {
                s.status = St::Requested;
                s.customer = Some(customer.clone());
                s.bill.clone_from(bill);
                s.amount = *amount;
            }
            InvoiceEvent::Printed { invoice_no } => {
                s.status = St::Printed;
                s.invoice_no = Some(invoice_no.clone());
            }
            InvoiceEvent::PlacedInLocker {
                locker,
                pickup_code,
                expires_at,
            } => {
                s.status = St::InLocker;
                s.locker = Some(locker.clone());
                s.pickup_code = Some(pickup_code.clone());
                s.expires_at = Some(*expires_at);
            }
            InvoiceEvent::PickupReminder { .. } => s.reminded = true,
            InvoiceEvent::PickedUp => s.status = St::PickedUp,
            InvoiceEvent::Expired => s.status = St::Expired,
            InvoiceEvent::Returned => s.status = St::Returned,
        }
        s
    }

    fn tick(&self, s: &InvoiceState, now: Timestamp) -> Vec<InvoiceEvent> {
        match (s.status, s.expires_at) {
            (InvoiceStatus::InLocker, Some(x)) if now >= x => vec![InvoiceEvent::Expired],
            (InvoiceStatus::InLocker, Some(x))
                if !s.reminded && now >= x - minutes(self.rules.remind_before_min) =>
            {
                vec![InvoiceEvent::PickupReminder { expires_at: x }]
            }
            _ => Vec::new(),
        }
    }

    fn notices(
        &self,
        before: &InvoiceState,
        e: &InvoiceEvent,
        at: Timestamp,
    ) -> Vec<NoticeRequest> {
        let s = Self::apply(before.clone(), e);
        let template = match e {
            InvoiceEvent::PlacedInLocker { .. } => "invoice.in_locker",
            InvoiceEvent::PickupReminder { .. } => "invoice.pickup_reminder",
            InvoiceEvent::Expired => "invoice.expired",
            _ => return Vec::new(),
        };
        let (Some(customer), Some(invoice), Some(locker), Some(code), Some(expires)) = (
            &s.customer,
            &s.invoice_no,
            &s.locker,
            &s.pickup_code,
            s.expires_at,
        ) else {
            return Vec::new();
        };
        vec![NoticeRequest {
            template: template.to_owned(),
            audience: Audience {
                customer: customer.clone(),
                levels: Levels::UpTo(1),
                only_phone: None,
            },
            vars: vars([
                ("invoice", invoice.clone()),
                ("locker", locker.clone()),
                ("code", code.clone()),
                ("expires", format_time(expires)),
            ]),
            not_before: at,
            expires_at: None,
            supersede_topic: None,
            urgent: false,
        }]
    }
}
