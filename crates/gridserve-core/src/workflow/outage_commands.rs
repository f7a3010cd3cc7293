//! Outage commands built from the network model: the scope of a traced fault, an inferred
//! device with the evidence it rests on, and a FLISR plan with the customers each step brings
//! back. Each refuses a topology that changed since the answer it is built from.

use crate::network::infer::{Evidence, InferredOutage};
use crate::network::restore::RestorationPlan;
use crate::network::{CustomerId, Network, Operation, Trip};
use crate::network::{ElementId, FaultOutcome, NetworkError, Topology};

use std::collections::HashSet;

use crate::ports::Timestamp;

use super::outage::{CitedEvidence, InferredDevice, OutageCommand, OutagePlanStep};

impl OutageCommand {
    /// The [`OutageCommand::TraceScope`] of a traced fault: its affected customers (critical
    /// first, as the scope report lists them) and tripped devices.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`] if `topology` changed since the fault was traced.
    pub fn trace_fault(
        topology: &Topology,
        outcome: &FaultOutcome,
        etr: Option<Timestamp>,
    ) -> Result<Self, NetworkError> {
        let net = topology.network();
        let customers = numbers_critical_first(net, outcome.scope.customer_ids(topology)?);
        let tripped = outcome
            .tripped
            .iter()
            .map(|t| trip_asset(net, *t))
            .collect();
        Ok(Self::TraceScope {
            customers,
            tripped,
            etr,
            inferred: None,
        })
    }

    /// The [`OutageCommand::TraceScope`] of an inferred operated device: the customers below
    /// it in `topology` (critical first), the device as the tripped one, and the device, its
    /// confidence and the `evidence` items it rests on recorded as [`InferredDevice`].
    /// `evidence` is the input the inference was given (the outage cites items by index).
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`] if `topology` is not the version the inference was made
    /// against; [`NetworkError::InvalidEvidence`] if the outage cites an item `evidence` does
    /// not have.
    pub fn trace_inferred(
        topology: &Topology,
        outage: &InferredOutage,
        evidence: &[Evidence],
        etr: Option<Timestamp>,
    ) -> Result<Self, NetworkError> {
        check_version(topology, outage.topology_version)?;
        let net = topology.network();
        let op = match outage.device {
            Trip::Switch(l) => Operation::open(l),
            Trip::Source(s) => Operation::take_out(ElementId::Source(s)),
        };
        let scope = topology.scope(&[op])?;
        let customers = numbers_critical_first(net, scope.customer_ids(topology)?);
        let cited = outage
            .evidence
            .iter()
            .map(|&index| {
                let e = evidence.get(index).ok_or(NetworkError::InvalidEvidence {
                    index,
                    field: "evidence",
                    value: format!("{} items given", evidence.len()),
                    reason: "the inferred outage cites an item the evidence given does not have",
                })?;
                Ok(CitedEvidence {
                    index,
                    kind: e.kind,
                    customer: e.customer.clone(),
                    asset: e.asset.clone(),
                })
            })
            .collect::<Result<Vec<_>, NetworkError>>()?;
        let device = trip_asset(net, outage.device);
        Ok(Self::TraceScope {
            customers,
            tripped: vec![device.clone()],
            etr,
            inferred: Some(InferredDevice {
                device,
                confidence: outage.confidence,
                reports_off: outage.reports_off,
                reports_on: outage.reports_on,
                tripped: outage.tripped,
                evidence: cited,
            }),
        })
    }

    /// The [`OutageCommand::AttachPlan`] of a FLISR plan: each step with the customers it
    /// brings back, read from `topology` by applying the plan's operations (the fault, the
    /// trips, then the steps one by one) and taking the customers out before the step and no
    /// longer out after it (critical first). A checked plan never cuts off a customer it has
    /// brought back; a step that would is given no customers for them.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`] if `topology` is not the version the plan was made
    /// against; the errors of [`Topology::scope`] for operations that no longer apply.
    pub fn attach_plan(topology: &Topology, plan: &RestorationPlan) -> Result<Self, NetworkError> {
        check_version(topology, plan.topology_version)?;
        let net = topology.network();
        let ops = plan.operations();
        let first = ops.len() - plan.steps.len();
        let out_after = |n: usize| -> Result<Vec<CustomerId>, NetworkError> {
            topology.scope(&ops[..n])?.customer_ids(topology)
        };
        let mut before: HashSet<CustomerId> = out_after(first)?.into_iter().collect();
        let mut steps = Vec::with_capacity(plan.steps.len());
        for (k, step) in plan.steps.iter().enumerate() {
            let after: HashSet<CustomerId> = out_after(first + k + 1)?.into_iter().collect();
            let back: Vec<CustomerId> = before.difference(&after).copied().collect();
            steps.push(OutagePlanStep {
                device: net.asset(step.element).to_owned(),
                action: step.action,
                stage: step.stage,
                remote: step.remote,
                customers: numbers_critical_first(net, back),
                load_restored_kw: step.load_restored_kw,
            });
            before = after;
        }
        Ok(Self::AttachPlan { steps })
    }
}

fn check_version(topology: &Topology, made: u64) -> Result<(), NetworkError> {
    if made == topology.version() {
        Ok(())
    } else {
        Err(NetworkError::StaleScope {
            scope: made,
            topology: topology.version(),
        })
    }
}

fn trip_asset(net: &Network, t: Trip) -> String {
    match t {
        Trip::Switch(l) => net.line_asset(l).to_owned(),
        Trip::Source(s) => net.source_asset(s).to_owned(),
    }
}

/// Customer numbers, critical first (as the scope report lists them), then by number.
fn numbers_critical_first(net: &Network, mut ids: Vec<CustomerId>) -> Vec<String> {
    ids.sort_by(|&a, &b| {
        let (a, b) = (net.customer(a), net.customer(b));
        b.importance()
            .cmp(&a.importance())
            .then_with(|| a.number().cmp(b.number()))
    });
    ids.into_iter()
        .map(|c| net.customer(c).number().to_owned())
        .collect()
}
