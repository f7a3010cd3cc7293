//! Outage records and the service base from the network model: the customers each feeder
//! serves, and the records of a fault, a planned outage or any scope.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::error::ReliabilityError;
use super::record::{CustomersInterrupted, OutageRecord};
use super::table::{FeederService, ServiceBase};
use crate::network::{
    CustomerId, FaultOutcome, Network, PlannedOutage, Scope, SourceId, Topology, Trip,
};

const NONE: u32 = u32::MAX;

/// What the network cannot know about an outage: its id, times, cause and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageEvent {
    /// The id of the record (suffixed with `/feeder` when the outage spans several feeders).
    pub id: String,
    /// When supply was lost.
    pub start: DateTime<FixedOffset>,
    /// When it was restored.
    pub end: DateTime<FixedOffset>,
    /// The cause.
    pub cause: String,
    /// Whether it was planned.
    pub planned: bool,
}

/// The feeders of a network: every source is a feeder (keyed by its asset number), serving the
/// customers its energized component reaches in the indexed state (normally the normal state).
/// A component fed by several sources (a closed tie) is attributed to its first source.
#[derive(Debug, Clone)]
pub struct NetworkFeeders {
    customer_feeder: Vec<u32>,
    base: ServiceBase,
}

impl NetworkFeeders {
    /// Counts, for every source, the customers and the contracted kVA (Lₜ) it serves in the
    /// state `topology` indexes. `substation_of` names the substation of each source (the
    /// network model has no substation records); pass `|_, _| String::new()` if there is none.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gridserve_core::network::{Network, Topology};
    /// use gridserve_synth as synth;
    /// use gridserve_core::reliability::NetworkFeeders;
    /// let data = synth::generate(&synth::SynthConfig::county(7));
    /// let topo = Topology::normal(Arc::new(Network::from_data(&data)?));
    /// let feeders = NetworkFeeders::new(&topo, |_, _| String::new())?;
    /// assert_eq!(feeders.base().feeders().len(), 64); // 8 substations × 8 feeders
    /// assert_eq!(feeders.base().customers() as usize, topo.network().customer_count());
    /// # Ok::<(), gridserve_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ReliabilityError::InvalidRecords`] if the service base is invalid (cannot happen for a
    /// validated network, whose asset numbers are unique).
    pub fn new(
        topology: &Topology,
        mut substation_of: impl FnMut(&Network, SourceId) -> String,
    ) -> Result<Self, ReliabilityError> {
        let net = topology.network();
        let mut feeders: Vec<FeederService> = net
            .source_ids()
            .map(|s| FeederService {
                feeder: net.source_asset(s).to_owned(),
                substation: substation_of(net, s),
                customers: 0,
                load_kva: 0.0,
            })
            .collect();
        let mut customer_feeder = vec![NONE; net.customer_count()];
        for p in topology.energized_points() {
            let at = net.customers_at(p);
            if at.is_empty() {
                continue;
            }
            let Some(&SourceId(s)) = topology.feeding_sources(p).first() else {
                continue;
            };
            for &c in at {
                customer_feeder[c as usize] = s;
                let f = &mut feeders[s as usize];
                f.customers += 1;
                f.load_kva += net.customer(CustomerId(c)).contracted_kva();
            }
        }
        Ok(Self {
            customer_feeder,
            base: ServiceBase::new(feeders)?,
        })
    }

    /// The service base: customers and kVA per feeder.
    #[must_use]
    pub fn base(&self) -> &ServiceBase {
        &self.base
    }

    /// The feeder (source asset number) serving a customer, if it is energized.
    #[must_use]
    pub fn feeder_of(&self, customer: CustomerId) -> Option<&str> {
        match self.customer_feeder.get(customer.index()) {
            Some(&f) if f != NONE => Some(self.base.feeders()[f as usize].feeder.as_str()),
            _ => None,
        }
    }

    /// The records of a fault: the device is the first protective device (or source) that
    /// tripped; one record per feeder whose customers were lost, with the customer list, the
    /// contracted kVA and the load in kW of those customers. No record if nothing was lost.
    ///
    /// # Errors
    /// [`ReliabilityError::Network`] if the scope is stale for `topology`.
    pub fn fault_records(
        &self,
        topology: &Topology,
        outcome: &FaultOutcome,
        event: &OutageEvent,
    ) -> Result<Vec<OutageRecord>, ReliabilityError> {
        let net = topology.network();
        let device = match outcome.tripped.first() {
            Some(Trip::Switch(l)) => net.line_asset(*l),
            Some(Trip::Source(s)) => net.source_asset(*s),
            None => net.asset(outcome.element),
        };
        self.scope_records(topology, &outcome.scope, device, event)
    }

    /// The records of a planned outage; the device is the element worked on.
    ///
    /// # Errors
    /// As [`NetworkFeeders::fault_records`].
    pub fn planned_records(
        &self,
        topology: &Topology,
        planned: &PlannedOutage,
        event: &OutageEvent,
    ) -> Result<Vec<OutageRecord>, ReliabilityError> {
        let device = topology.network().asset(planned.element);
        self.scope_records(topology, &planned.scope, device, event)
    }

    /// The records of any scope, with `device` as the interrupting device.
    ///
    /// # Errors
    /// As [`NetworkFeeders::fault_records`].
    pub fn scope_records(
        &self,
        topology: &Topology,
        scope: &Scope,
        device: &str,
        event: &OutageEvent,
    ) -> Result<Vec<OutageRecord>, ReliabilityError> {
        let net = topology.network();
        let mut lost: Vec<(u32, u32)> = Vec::with_capacity(scope.summary().customers);
        for c in scope.customer_ids(topology)? {
            let f = match self.customer_feeder.get(c.index()) {
                Some(&f) if f != NONE => f,
                // Not energized in the base's state: the source feeding it now.
                _ => match topology.feeding_sources(net.customer(c).point()).first() {
                    Some(s) => s.0,
                    None => continue,
                },
            };
            lost.push((f, c.0));
        }
        lost.sort_unstable();
        let mut out = Vec::new();
        let feeders = lost.chunk_by(|a, b| a.0 == b.0).count();
        for chunk in lost.chunk_by(|a, b| a.0 == b.0) {
            let feeder = net.source_asset(SourceId(chunk[0].0));
            let mut kva = 0.0;
            let mut kw = 0.0;
            let numbers: Vec<String> = chunk
                .iter()
                .map(|&(_, c)| {
                    let c = net.customer(CustomerId(c));
                    kva += c.contracted_kva();
                    kw += c.load_kw();
                    c.number().to_owned()
                })
                .collect();
            let id = if feeders == 1 {
                event.id.clone()
            } else {
                format!("{}/{feeder}", event.id)
            };
            let mut r = OutageRecord::new(
                id,
                event.start,
                event.end,
                feeder,
                CustomersInterrupted::List(numbers),
            );
            r.cause.clone_from(&event.cause);
            r.planned = event.planned;
            device.clone_into(&mut r.device);
            r.load_kva = kva;
            r.load_kw = kw;
            out.push(r);
        }
        Ok(out)
    }
}
