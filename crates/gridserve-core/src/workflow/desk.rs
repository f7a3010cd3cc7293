//! The four workflows over one store, with the reaction between them and a by-name entry
//! point for scripting.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::network::Network;
use crate::notify::{ContactBook, Masking, NoticeRules, Notifier, Unreached};
use crate::ports::{Appended, EventStore, Timestamp};

use super::bill::{BillCommand, BillEvent, BillRules, BillStatus, BillWorkflow};
use super::defect::{DefectRules, DefectWorkflow};
use super::invoice::{InvoiceCommand, InvoiceEvent, InvoiceRules, InvoiceWorkflow};
use super::outage::{OutageRules, OutageWorkflow};
use super::report_push::{
    ReportDigest, ReportPushCommand, ReportPushEvent, ReportPushRules, ReportPushWorkflow,
};
use super::staff::{StaffNotifier, StaffUnreached};
use super::{
    Actor, AuditRecord, Engine, Executed, SystemGrant, TickReport, Workflow, WorkflowError,
};

/// One of the four workflows, by its stream prefix (`defect`, `bill`, `invoice`, `outage`):
/// what the by-name entry points ([`Desk::execute_json`], [`Desk::state_json`],
/// [`Desk::history`]) dispatch on. Parse one from text with [`str::parse`].
///
/// ```
/// use gridserve_core::workflow::WorkflowKind;
/// assert_eq!("bill".parse::<WorkflowKind>()?, WorkflowKind::Bill);
/// assert_eq!(WorkflowKind::Outage.as_str(), "outage");
/// assert!("ticket".parse::<WorkflowKind>().is_err());
/// # Ok::<(), gridserve_core::workflow::WorkflowError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    /// Safety-inspection defects.
    Defect,
    /// Bill collection.
    Bill,
    /// Paper invoices.
    Invoice,
    /// Outage notices.
    Outage,
    /// The monthly energy-report push.
    Report,
}

impl WorkflowKind {
    /// The five, in a fixed order.
    pub const ALL: [WorkflowKind; 5] = [
        Self::Defect,
        Self::Bill,
        Self::Invoice,
        Self::Outage,
        Self::Report,
    ];

    /// The stream prefix: the workflow's [`Workflow::KIND`].
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Defect => DefectWorkflow::KIND,
            Self::Bill => BillWorkflow::KIND,
            Self::Invoice => InvoiceWorkflow::KIND,
            Self::Outage => OutageWorkflow::KIND,
            Self::Report => ReportPushWorkflow::KIND,
        }
    }
}

impl std::fmt::Display for WorkflowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WorkflowKind {
    type Err = WorkflowError;

    /// # Errors
    /// [`WorkflowError::Unknown`] naming the text (cut to a short excerpt).
    fn from_str(s: &str) -> Result<Self, WorkflowError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| WorkflowError::Unknown {
                what: "workflow".to_owned(),
                name: s.chars().take(40).collect(),
            })
    }
}

/// Every rule of the four workflows and their notices, as one serde value with shipped
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskRules {
    /// Defects.
    pub defect: DefectRules,
    /// Bills.
    pub bill: BillRules,
    /// Invoices.
    pub invoice: InvoiceRules,
    /// Outages.
    pub outage: OutageRules,
    /// The monthly report push.
    pub report: ReportPushRules,
    /// Notices.
    pub notices: NoticeRules,
}

/// The four workflows over one network model. Give bill commands through [`Desk::bill`] (or
/// [`Desk::execute_json`]) so that a paid bill starts its paper invoice (instance id = the
/// bill's id); [`Desk::tick`] also starts any invoice such a reaction missed (a crash between
/// the two appends), so the reaction happens at least once and, the invoice stream being
/// created at version 0, at most once.
#[derive(Debug, Clone)]
pub struct Desk {
    /// Safety-inspection defects.
    pub defects: Engine<DefectWorkflow>,
    /// Bill collection.
    pub bills: Engine<BillWorkflow>,
    /// Paper invoices.
    pub invoices: Engine<InvoiceWorkflow>,
    /// Outage notices.
    pub outages: Engine<OutageWorkflow>,
    /// The monthly energy-report push.
    pub reports: Engine<ReportPushWorkflow>,
}

/// A JSON view of what an accepted command wrote (for scripting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutedJson {
    /// The stream.
    pub stream: String,
    /// Its version after the append.
    pub version: u64,
    /// The events, as JSON.
    pub events: Vec<Value>,
    /// What the outbox took.
    pub appended: Appended,
    /// The notices that reached nobody, with the reason.
    pub unreached: Vec<Unreached>,
    /// The work reminders that reached no member of staff, with the reason.
    #[serde(default)]
    pub staff_unreached: Vec<StaffUnreached>,
}

/// What a [`Desk::push_reports`] run did.
#[derive(Debug, Default)]
pub struct ReportPushSummary {
    /// Reports sent for the first time.
    pub published: usize,
    /// Changed reports sent again (`resend`).
    pub resent: usize,
    /// Changed reports recorded but not sent.
    pub revised: usize,
    /// Reports already sent as they are: nothing done.
    pub unchanged: usize,
    /// Notices enqueued.
    pub notices: usize,
    /// Pushes that reached no contact, with the reason.
    pub unreached: Vec<Unreached>,
    /// Refused pushes: the instance id and why.
    pub failures: Vec<(String, WorkflowError)>,
}

fn to_json<E: Serialize>(x: Executed<E>) -> ExecutedJson {
    ExecutedJson {
        stream: x.stream,
        version: x.version,
        events: x
            .events
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
            .collect(),
        appended: x.appended,
        unreached: x.unreached,
        staff_unreached: x.staff_unreached,
    }
}

impl Desk {
    /// The four workflows with the shipped rules and no contact settings.
    #[must_use]
    pub fn new(network: Arc<Network>) -> Self {
        Self::with_rules(network, DeskRules::default(), ContactBook::default())
    }

    /// With `rules` and the contacts' settings `book`.
    #[must_use]
    pub fn with_rules(network: Arc<Network>, rules: DeskRules, book: ContactBook) -> Self {
        let notifier = Notifier::new(network.clone())
            .with_rules(rules.notices)
            .with_book(book);
        Self {
            defects: Engine::new(
                DefectWorkflow::new(network.clone()).with_rules(rules.defect),
                notifier.clone(),
            ),
            bills: Engine::new(
                BillWorkflow::new(network.clone()).with_rules(rules.bill),
                notifier.clone(),
            ),
            invoices: Engine::new(
                InvoiceWorkflow::new(network.clone()).with_rules(rules.invoice),
                notifier.clone(),
            ),
            outages: Engine::new(
                OutageWorkflow::new(network).with_rules(rules.outage),
                notifier.clone(),
            ),
            reports: Engine::new(ReportPushWorkflow::with_rules(rules.report), notifier),
        }
    }

    /// The same desk sending work reminders to staff through `staff` (all four workflows;
    /// see [`staff`](super::staff)).
    #[must_use]
    pub fn with_staff(mut self, staff: StaffNotifier) -> Self {
        self.defects.staff = Some(staff.clone());
        self.bills.staff = Some(staff.clone());
        self.invoices.staff = Some(staff.clone());
        self.outages.staff = Some(staff);
        self
    }

    /// Pushes the monthly report of each of `reports` for `period` (`YYYY-MM`): the first
    /// push of a customer's period sends it; a second run sends nothing; a changed report is
    /// recorded and sent again only with `resend` (see [`report_push`](super::report_push)).
    /// A customer whose push is refused (an unknown customer, a bad period) is listed in the
    /// summary's `failures`; the others go on.
    ///
    /// # Errors
    /// None of its own: every failure is per customer, in the summary.
    pub fn push_reports<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        reports: &[crate::advice::EnergyReport],
        period: &str,
        resend: bool,
        actor: &Actor,
        now: Timestamp,
    ) -> ReportPushSummary {
        let mut out = ReportPushSummary::default();
        for report in reports {
            let customer = report.customer.number.clone();
            let id = ReportPushWorkflow::instance(&customer, period);
            let command = ReportPushCommand::Publish {
                customer,
                period: period.to_owned(),
                report: ReportDigest::of(report),
                resend,
            };
            match self.reports.execute(store, &id, None, &command, actor, now) {
                Ok(x) => {
                    match x.events.first() {
                        None => out.unchanged += 1,
                        Some(ReportPushEvent::Published { .. }) => out.published += 1,
                        Some(ReportPushEvent::Resent { .. }) => out.resent += 1,
                        Some(ReportPushEvent::Revised { .. }) => out.revised += 1,
                    }
                    out.notices += x.appended.enqueued;
                    out.unreached.extend(x.unreached);
                }
                Err(e) => out.failures.push((id, e)),
            }
        }
        out
    }

    /// Gives a bill command, then starts the paper invoice if the bill became paid (and the
    /// rules ask for it). The bill's result stands even if starting the invoice fails; the
    /// next [`Desk::tick`] starts it then.
    ///
    /// # Errors
    /// The bill command's [`WorkflowError`].
    pub fn bill<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        id: &str,
        expected_version: Option<u64>,
        command: &BillCommand,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Executed<BillEvent>, WorkflowError> {
        let mut x = self
            .bills
            .execute(store, id, expected_version, command, actor, now)?;
        if x.events.iter().any(|e| matches!(e, BillEvent::Paid)) {
            // A failure here is repaired by the next tick; an invoice notice that reaches
            // nobody is reported with the bill's.
            if let Ok(Some(invoice)) = self.start_invoice(store, id, now) {
                x.unreached.extend(invoice.unreached);
            }
        }
        Ok(x)
    }

    /// Starts the paper invoice of paid bill `bill_id` unless it exists or is not wanted.
    fn start_invoice<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        bill_id: &str,
        now: Timestamp,
    ) -> Result<Option<Executed<InvoiceEvent>>, WorkflowError> {
        if !self.bills.workflow.rules.paper_invoice_on_payment {
            return Ok(None);
        }
        if store.version(&Engine::<InvoiceWorkflow>::stream(bill_id))? > 0 {
            return Ok(None);
        }
        let bill = self.bills.load(store, bill_id)?.state;
        let Some(customer) = bill.customer else {
            return Ok(None);
        };
        if !matches!(bill.status, BillStatus::Paid | BillStatus::Closed) {
            return Ok(None);
        }
        self.invoices
            .execute(
                store,
                bill_id,
                Some(0),
                &InvoiceCommand::Request {
                    customer,
                    bill: Some(bill_id.to_owned()),
                    amount: bill.amount,
                },
                &Actor::system(&SystemGrant::host()),
                now,
            )
            .map(Some)
    }

    /// Runs the deadlines of all four workflows at `now`, and starts the invoices of paid
    /// bills that have none yet.
    ///
    /// # Errors
    /// A store error listing streams.
    pub fn tick<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        now: Timestamp,
    ) -> Result<TickReport, WorkflowError> {
        let mut report = self.defects.tick(store, now)?;
        report.add(self.bills.tick(store, now)?);
        report.add(self.invoices.tick(store, now)?);
        report.add(self.outages.tick(store, now)?);
        let prefix = Engine::<BillWorkflow>::stream("");
        for stream in store.streams(&prefix)? {
            let id = &stream[prefix.len()..];
            match self.start_invoice(store, id, now) {
                Ok(Some(x)) => {
                    report.advanced += 1;
                    report.events += x.events.len();
                    report.notices += x.appended.enqueued;
                    report.unreached.extend(x.unreached);
                }
                Ok(None) => {}
                Err(WorkflowError::Conflict { .. }) => report.conflicts += 1,
                Err(e) => report.failures.push((stream.clone(), e)),
            }
        }
        Ok(report)
    }

    /// Gives a command to a workflow of `kind` with the
    /// command as JSON (`{"type": "record", ...}`, as the command enums serialize).
    ///
    /// # Errors
    /// [`WorkflowError::Invalid`] (field
    /// `command`) for JSON that is not a command of that workflow; else the command's error.
    #[allow(clippy::too_many_arguments)]
    pub fn execute_json<S: EventStore + ?Sized>(
        &self,
        store: &mut S,
        kind: WorkflowKind,
        id: &str,
        expected_version: Option<u64>,
        command: &Value,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<ExecutedJson, WorkflowError> {
        fn parse<C: serde::de::DeserializeOwned>(
            kind: WorkflowKind,
            id: &str,
            v: &Value,
        ) -> Result<C, WorkflowError> {
            C::deserialize(v).map_err(|e| {
                // The command as it came, with its names and phones masked like any view.
                let mut shown = v.clone();
                crate::access::mask_value(&mut shown, crate::access::Masking::Masked);
                WorkflowError::Invalid {
                    stream: format!("{kind}/{id}"),
                    command: crate::access::excerpt(
                        v.get("type").and_then(Value::as_str).unwrap_or("?"),
                    ),
                    field: "command".to_owned(),
                    value: crate::access::excerpt(&shown.to_string()),
                    reason: e.to_string(),
                }
            })
        }
        Ok(match kind {
            WorkflowKind::Defect => to_json(self.defects.execute(
                store,
                id,
                expected_version,
                &parse(kind, id, command)?,
                actor,
                now,
            )?),
            WorkflowKind::Bill => to_json(self.bill(
                store,
                id,
                expected_version,
                &parse(kind, id, command)?,
                actor,
                now,
            )?),
            WorkflowKind::Invoice => to_json(self.invoices.execute(
                store,
                id,
                expected_version,
                &parse(kind, id, command)?,
                actor,
                now,
            )?),
            WorkflowKind::Outage => to_json(self.outages.execute(
                store,
                id,
                expected_version,
                &parse(kind, id, command)?,
                actor,
                now,
            )?),
            WorkflowKind::Report => to_json(self.reports.execute(
                store,
                id,
                expected_version,
                &parse(kind, id, command)?,
                actor,
                now,
            )?),
        })
    }

    /// The state (as JSON, personal data masked per `masking`), its state name and version of
    /// instance `id` of workflow `kind`.
    ///
    /// # Errors
    /// A store error or an unreadable event.
    pub fn state_json<S: EventStore + ?Sized>(
        &self,
        store: &S,
        kind: WorkflowKind,
        id: &str,
        masking: Masking,
    ) -> Result<(Value, String, u64), WorkflowError> {
        fn view<W: Workflow, S: EventStore + ?Sized>(
            e: &Engine<W>,
            store: &S,
            id: &str,
            masking: Masking,
        ) -> Result<(Value, String, u64), WorkflowError> {
            let l = e.load(store, id)?;
            let mut state = serde_json::to_value(&l.state).unwrap_or(Value::Null);
            crate::access::mask_value(&mut state, masking);
            Ok((state, W::state_name(&l.state), l.version))
        }
        match kind {
            WorkflowKind::Defect => view(&self.defects, store, id, masking),
            WorkflowKind::Bill => view(&self.bills, store, id, masking),
            WorkflowKind::Invoice => view(&self.invoices, store, id, masking),
            WorkflowKind::Outage => view(&self.outages, store, id, masking),
            WorkflowKind::Report => view(&self.reports, store, id, masking),
        }
    }

    /// The audit trail of instance `id` of workflow `kind`, masked per `masking`.
    ///
    /// # Errors
    /// A store error or an unreadable event.
    pub fn history<S: EventStore + ?Sized>(
        &self,
        store: &S,
        kind: WorkflowKind,
        id: &str,
        masking: Masking,
    ) -> Result<Vec<AuditRecord>, WorkflowError> {
        match kind {
            WorkflowKind::Defect => self.defects.history(store, id, masking),
            WorkflowKind::Bill => self.bills.history(store, id, masking),
            WorkflowKind::Invoice => self.invoices.history(store, id, masking),
            WorkflowKind::Outage => self.outages.history(store, id, masking),
            WorkflowKind::Report => self.reports.history(store, id, masking),
        }
    }
}
