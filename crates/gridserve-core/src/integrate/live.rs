//! The live state: DA events applied to a [`Topology`] in order of time then sequence number,
//! idempotent by sequence number.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::finding::{Finding, FindingKind};
use super::records::{DaEvent, DaEventKind, SourceSystem};
use crate::error_info::excerpt;
use crate::network::{Action, ElementId, Network, Operation, Topology};

/// Why a DA event cannot apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum DaRefusal {
    /// No element of the network has the asset number.
    UnknownAsset,
    /// The asset is not a switch (only switches open and close).
    NotASwitch,
    /// Closing the switch would energize an element marked faulted
    /// ([`LiveState::mark_fault`]): the protection would trip again.
    ClosingOntoFault {
        /// The faulted element's asset number.
        element: String,
    },
    /// The topology refused the change (a faulted switch closing, …).
    Refused {
        /// The topology's reason.
        message: String,
    },
}

impl DaRefusal {
    fn text(&self) -> String {
        match self {
            Self::UnknownAsset => "unknown asset".to_owned(),
            Self::NotASwitch => "not a switch".to_owned(),
            Self::ClosingOntoFault { element } => {
                format!("closing onto the fault at {}", excerpt(element))
            }
            Self::Refused { message } => excerpt(message),
        }
    }
}

/// What applying a DA event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaOutcome {
    /// The switch changed position.
    Changed,
    /// The switch was already in that position, or the event changes no state (a fault
    /// indicator).
    NoChange,
    /// The sequence number was applied before: nothing was done.
    Replayed,
}

/// A network's live state kept in step with DA events.
#[derive(Debug, Clone)]
pub struct LiveState {
    topology: Topology,
    seen: HashSet<u64>,
    /// Switches an event touched: asset → (normal open, row of the last event).
    touched: BTreeMap<String, (bool, u64)>,
}

impl LiveState {
    /// The network in its normal state.
    #[must_use]
    pub fn new(net: Arc<Network>) -> Self {
        Self {
            topology: Topology::normal(net),
            seen: HashSet::new(),
            touched: BTreeMap::new(),
        }
    }

    /// The live topology.
    #[must_use]
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Applies one event (the caller gives events in order of time, then `seq`). A sequence
    /// number seen before is a no-op; open and trip open, close closes, a fault indicator
    /// changes nothing. On a refusal nothing changes (and the sequence number is not marked
    /// seen).
    ///
    /// # Errors
    /// The [`DaRefusal`].
    pub fn apply(&mut self, event: &DaEvent) -> Result<DaOutcome, DaRefusal> {
        if self.seen.contains(&event.seq) {
            return Ok(DaOutcome::Replayed);
        }
        let net = Arc::clone(self.topology.network());
        let element = net
            .element(&event.asset)
            .map_err(|_| DaRefusal::UnknownAsset)?;
        let action = match event.event {
            DaEventKind::FaultIndicator => {
                self.seen.insert(event.seq);
                return Ok(DaOutcome::NoChange);
            }
            DaEventKind::Open | DaEventKind::Trip => Action::Open,
            DaEventKind::Close => Action::Close,
        };
        let ElementId::Line(line) = element else {
            return Err(DaRefusal::NotASwitch);
        };
        let Some(switch) = net.line(line).as_switch() else {
            return Err(DaRefusal::NotASwitch);
        };
        let normal = switch.normally_open;
        let wanted_open = action == Action::Open;
        if self.topology.state().is_open(line) == wanted_open {
            self.seen.insert(event.seq);
            self.touch(event, normal);
            return Ok(DaOutcome::NoChange);
        }
        if action == Action::Close
            && let Some(faulted) = self.fault_energized_by(Operation { action, element })
        {
            return Err(DaRefusal::ClosingOntoFault { element: faulted });
        }
        let outcome = self.operate(Operation { action, element })?;
        self.seen.insert(event.seq);
        self.touch(event, normal);
        Ok(outcome)
    }

    /// Applies one operation to the topology: changed or not, or the topology's refusal.
    fn operate(&mut self, op: Operation) -> Result<DaOutcome, DaRefusal> {
        let applied = self.topology.apply(&[op]).map_err(|e| DaRefusal::Refused {
            message: e.to_string(),
        })?;
        Ok(if applied.changed_elements > 0 {
            DaOutcome::Changed
        } else {
            DaOutcome::NoChange
        })
    }

    /// The asset number of a faulted element that `close` would feed again: one whose end
    /// (or which point) it energizes.
    fn fault_energized_by(&self, close: Operation) -> Option<String> {
        let topo = &self.topology;
        let net = &**topo.network();
        let faulted: Vec<ElementId> = topo.state().faulted().collect();
        if faulted.is_empty() {
            return None;
        }
        let scope = topo.scope(&[close]).ok()?;
        let restored = scope.restored_ids();
        let fed = |p: crate::network::PointId| restored.binary_search(&p).is_ok();
        faulted.into_iter().find_map(|e| {
            let hit = match e {
                ElementId::Point(p) => fed(p),
                ElementId::Line(l) => {
                    let (a, b) = net.line_ends(l);
                    fed(a) || fed(b)
                }
                ElementId::Source(_) => false,
            };
            hit.then(|| net.asset(e).to_owned())
        })
    }

    /// Marks the element with asset number `asset` faulted (the fault located, by a crew or
    /// by the fault indicators): it passes nothing, and a later DA close that would energize
    /// it is refused as [`DaRefusal::ClosingOntoFault`] until [`Self::mark_repaired`].
    ///
    /// # Errors
    /// [`DaRefusal::UnknownAsset`], or [`DaRefusal::Refused`] with the topology's reason (the
    /// element is already faulted).
    pub fn mark_fault(&mut self, asset: &str) -> Result<DaOutcome, DaRefusal> {
        self.fault_op(asset, Action::Fault)
    }

    /// Clears a fault marked with [`Self::mark_fault`].
    ///
    /// # Errors
    /// [`DaRefusal::UnknownAsset`], or [`DaRefusal::Refused`] (the element is not faulted).
    pub fn mark_repaired(&mut self, asset: &str) -> Result<DaOutcome, DaRefusal> {
        self.fault_op(asset, Action::Repair)
    }

    fn fault_op(&mut self, asset: &str, action: Action) -> Result<DaOutcome, DaRefusal> {
        let element = self
            .topology
            .network()
            .element(asset)
            .map_err(|_| DaRefusal::UnknownAsset)?;
        self.operate(Operation { action, element })
    }

    fn touch(&mut self, event: &DaEvent, normal: bool) {
        self.touched
            .entry(event.asset.clone())
            .and_modify(|e| e.1 = event.row)
            .or_insert((normal, event.row));
    }

    /// Applies one event, recording a refusal as a [`FindingKind::DaRefused`] finding.
    pub fn apply_reporting(&mut self, event: &DaEvent, findings: &mut Vec<Finding>) {
        if let Err(refusal) = self.apply(event) {
            findings.push(Finding {
                kind: FindingKind::DaRefused,
                severity: FindingKind::DaRefused.severity(),
                source: SourceSystem::Da,
                table: "da_events".to_owned(),
                record: event.asset.clone(),
                row: (event.row > 0).then_some(event.row),
                field: Some("event".to_owned()),
                value: Some(format!("seq {}: {}", event.seq, refusal.text())),
                suggestion: "check the asset number and the event against the model".to_owned(),
            });
        }
    }

    /// Applies events in order of time, then `seq`, recording refusals as findings.
    pub fn apply_all(&mut self, events: &[DaEvent], findings: &mut Vec<Finding>) {
        let mut sorted: Vec<&DaEvent> = events.iter().collect();
        sorted.sort_by_key(|e| (e.time, e.seq));
        for e in sorted {
            self.apply_reporting(e, findings);
        }
    }

    /// Whether the point with asset number `point` is energized in the live state (`false`
    /// for an unknown point).
    #[must_use]
    pub fn is_energized(&self, point: &str) -> bool {
        self.topology
            .network()
            .point_id(point)
            .is_ok_and(|p| self.topology.is_energized(p))
    }

    /// The switches an event touched whose live position differs from the normal one:
    /// (asset, open now, normally open, row of the last event).
    #[must_use]
    pub fn abnormal(&self) -> Vec<(String, bool, bool, u64)> {
        let net = self.topology.network();
        self.touched
            .iter()
            .filter_map(|(asset, &(normal, row))| {
                let line = net.line_id(asset).ok()?;
                let open = self.topology.state().is_open(line);
                (open != normal).then(|| (asset.clone(), open, normal, row))
            })
            .collect()
    }
}
