//! The answer to "who loses power": a scope, its summary, and the operator's report.

use serde::{Deserialize, Serialize};

use super::error::{NetworkError, RecordKind};
use super::model::{CustomerId, ElementId, LineId, LineKind, PointId, SourceId};
use super::records::{Contact, Importance, SwitchKind};
use super::state::Condition;
use super::topology::{NONE, Topology};

/// A device that trips to clear a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Trip {
    /// A protective switch opens.
    Switch(LineId),
    /// A source is lost: the fault is fed from it with no protective switch in between (its
    /// own feeder breaker at the substation is not part of the model).
    Source(SourceId),
}

/// Counts of a scope, available in O(1) on radial parts.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScopeSummary {
    /// Points de-energized.
    pub points: usize,
    /// Customers de-energized.
    pub customers: usize,
    /// Critical customers (any importance class above normal) de-energized.
    pub critical_customers: usize,
    /// Transformers de-energized (energized before, not after).
    pub transformers: usize,
    /// Load lost, in kW (the sum of the lost customers' `load_kw`).
    pub load_kw: f64,
    /// Points energized after the operations that were not before.
    pub restored_points: usize,
}

impl ScopeSummary {
    pub(crate) fn add(&mut self, o: &Self) {
        self.points += o.points;
        self.customers += o.customers;
        self.critical_customers += o.critical_customers;
        self.transformers += o.transformers;
        self.load_kw += o.load_kw;
        self.restored_points += o.restored_points;
    }
}

/// What a set of operations de-energizes, against the state of the [`Topology`] that computed
/// it. Counts are in [`Scope::summary`]; listings come from the methods that take the topology
/// (they refuse a topology that changed since, with [`NetworkError::StaleScope`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub(crate) version: u64,
    pub(crate) changes: Vec<(ElementId, Condition)>,
    /// Lost depth-first ranges `(component, first, last)`, sorted.
    pub(crate) ranges: Vec<(u32, u32, u32)>,
    /// Lost points found by search, sorted.
    pub(crate) points: Vec<u32>,
    /// Points newly energized, sorted.
    pub(crate) restored: Vec<u32>,
    /// Lines energized before that stop passing.
    pub(crate) removed_lines: Vec<u32>,
    pub(crate) summary: ScopeSummary,
    pub(crate) meshed: bool,
}

/// A device on the edge of a scope: one end lost, the other energized after the operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Boundary {
    /// The line.
    pub line: LineId,
    /// Its end in the lost area.
    pub lost_end: PointId,
    /// Its end that stays (or becomes) energized.
    pub live_end: PointId,
    /// Whether the line passes after the operations (a line that passes here has its far side
    /// lost for another reason, e.g. a faulted point).
    pub passes_after: bool,
}

/// A customer in a scope report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedCustomer {
    /// Customer number.
    pub number: String,
    /// Name, if any.
    pub name: Option<String>,
    /// Asset number of the customer's point.
    pub point: String,
    /// Importance class.
    pub importance: Importance,
    /// Load in kW.
    pub load_kw: f64,
    /// Contracted capacity in kVA.
    pub contracted_kva: f64,
    /// Contacts, in the order given.
    pub contacts: Vec<Contact>,
}

/// A boundary device in a scope report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryDevice {
    /// Asset number.
    pub asset: String,
    /// Segment, switch or transformer.
    pub kind: RecordKind,
    /// The switch kind, for switches.
    pub switch_kind: Option<SwitchKind>,
    /// Whether the device can be operated remotely.
    pub remote: bool,
    /// Whether it passes after the operations (closed and in service).
    pub passes_after: bool,
    /// Asset number of its end in the lost area.
    pub lost_end: String,
    /// Asset number of its energized end.
    pub live_end: String,
}

/// Everything an operator needs about a scope, with asset numbers, ready to serialise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeReport {
    /// The counts.
    pub summary: ScopeSummary,
    /// Whether a meshed part needed the general search.
    pub meshed: bool,
    /// Lost points (asset numbers), in id order.
    pub points: Vec<String>,
    /// Lost transformers (asset numbers), in id order.
    pub transformers: Vec<String>,
    /// Lost customers, critical first (by importance class, then customer number).
    pub customers: Vec<AffectedCustomer>,
    /// Devices on the edge of the lost area, in id order.
    pub boundary: Vec<BoundaryDevice>,
    /// Points newly energized (asset numbers), in id order.
    pub restored_points: Vec<String>,
}

impl Scope {
    pub(crate) fn empty(version: u64, changes: Vec<(ElementId, Condition)>) -> Self {
        Self {
            version,
            changes,
            ranges: Vec::new(),
            points: Vec::new(),
            restored: Vec::new(),
            removed_lines: Vec::new(),
            summary: ScopeSummary::default(),
            meshed: false,
        }
    }

    /// The counts.
    #[must_use]
    pub fn summary(&self) -> &ScopeSummary {
        &self.summary
    }

    /// Whether the answer needed the general search (a loop was involved, or the operations
    /// also closed or restored something).
    #[must_use]
    pub fn is_meshed(&self) -> bool {
        self.meshed
    }

    /// Whether nothing is lost.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.summary.points == 0 && self.summary.transformers == 0
    }

    /// The elements the operations change, with their final condition.
    #[must_use]
    pub fn changes(&self) -> &[(ElementId, Condition)] {
        &self.changes
    }

    /// Whether a point is in the scope (lost). `topology` must be the one that made the scope.
    pub(crate) fn contains_point(&self, topology: &Topology, p: u32) -> bool {
        let (c, t) = topology.comp_tin(p);
        if c == NONE {
            return false;
        }
        let k = self
            .ranges
            .partition_point(|&(rc, rs, _)| (rc, rs) <= (c, t));
        if k > 0 {
            let (rc, _, re) = self.ranges[k - 1];
            if rc == c && t <= re {
                return true;
            }
        }
        self.points.binary_search(&p).is_ok()
    }

    /// Calls `f` for every lost point (ranges in depth-first order, then searched points).
    fn for_each_point(&self, topology: &Topology, mut f: impl FnMut(u32)) {
        for &(c, s, e) in &self.ranges {
            for &p in &topology.component(c).order[s as usize..=e as usize] {
                f(p);
            }
        }
        for &p in &self.points {
            f(p);
        }
    }

    /// Whether a point is lost. Errors if `topology` is not the index that made the scope.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn contains(&self, topology: &Topology, point: PointId) -> Result<bool, NetworkError> {
        topology.check_scope(self)?;
        Ok(self.contains_point(topology, point.0))
    }

    /// The lost points, sorted by id. O(answer).
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`] if `topology` is not the index (version) that made the scope.
    pub fn point_ids(&self, topology: &Topology) -> Result<Vec<PointId>, NetworkError> {
        topology.check_scope(self)?;
        let mut v = Vec::with_capacity(self.summary.points);
        self.for_each_point(topology, |p| v.push(PointId(p)));
        v.sort_unstable();
        Ok(v)
    }

    /// The newly energized points, sorted by id.
    #[must_use]
    pub fn restored_ids(&self) -> Vec<PointId> {
        self.restored.iter().map(|&p| PointId(p)).collect()
    }

    /// The lost customers, sorted by id.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn customer_ids(&self, topology: &Topology) -> Result<Vec<CustomerId>, NetworkError> {
        topology.check_scope(self)?;
        let net = topology.network();
        let mut v = Vec::with_capacity(self.summary.customers);
        self.for_each_point(topology, |p| {
            v.extend(net.customers_at(PointId(p)).iter().map(|&c| CustomerId(c)));
        });
        v.sort_unstable();
        Ok(v)
    }

    /// The lost critical customers, most important class first, then by customer number.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn critical_customer_ids(
        &self,
        topology: &Topology,
    ) -> Result<Vec<CustomerId>, NetworkError> {
        let net = topology.network();
        let mut v = self.customer_ids(topology)?;
        v.retain(|&c| net.customer(c).importance().is_critical());
        sort_critical_first(topology, &mut v);
        Ok(v)
    }

    /// The lost transformers (energized before, not after), sorted by id.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn transformer_ids(&self, topology: &Topology) -> Result<Vec<LineId>, NetworkError> {
        topology.check_scope(self)?;
        let net = topology.network();
        let state = topology.state();
        let mut v = Vec::with_capacity(self.summary.transformers);
        self.for_each_point(topology, |p| {
            for &(w, l) in net.neighbours(PointId(p)) {
                let lid = LineId(l);
                if !net.line(lid).is_transformer()
                    || !state.line_passes(lid)
                    || !topology.is_energized(PointId(w))
                {
                    continue;
                }
                if !self.contains_point(topology, w) || p < w {
                    v.push(lid);
                }
            }
        });
        for &l in &self.removed_lines {
            let lid = LineId(l);
            let (a, b) = net.line_ends(lid);
            if net.line(lid).is_transformer()
                && !self.contains_point(topology, a.0)
                && !self.contains_point(topology, b.0)
            {
                v.push(lid);
            }
        }
        v.sort_unstable();
        v.dedup();
        Ok(v)
    }

    /// The devices on the edge of the lost area: one end lost, the other energized after the
    /// operations. Sorted by line id.
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn boundary(&self, topology: &Topology) -> Result<Vec<Boundary>, NetworkError> {
        topology.check_scope(self)?;
        let net = topology.network();
        let live_after = |w: u32| {
            (topology.is_energized(PointId(w)) && !self.contains_point(topology, w))
                || self.restored.binary_search(&w).is_ok()
        };
        let passes_after = |l: LineId| {
            self.changes
                .iter()
                .find(|(e, _)| *e == ElementId::Line(l))
                .map_or_else(|| topology.state().line_passes(l), |(_, c)| c.passes())
        };
        let mut v = Vec::new();
        self.for_each_point(topology, |p| {
            for &(w, l) in net.neighbours(PointId(p)) {
                if live_after(w) {
                    v.push(Boundary {
                        line: LineId(l),
                        lost_end: PointId(p),
                        live_end: PointId(w),
                        passes_after: passes_after(LineId(l)),
                    });
                }
            }
        });
        v.sort_unstable_by_key(|b| (b.line, b.lost_end));
        Ok(v)
    }

    /// The full report: counts, lost points, transformers, customers with contacts (critical
    /// first), boundary devices and restored points, by asset and customer number.
    ///
    /// Names and phone numbers are as the network holds them: before the report is shown or
    /// exported, mask it for its reader with [`MaskPersonal`](crate::access::MaskPersonal)
    /// (`report.mask_personal(policy.for_roles(&reader.roles))`).
    ///
    /// # Errors
    /// [`NetworkError::StaleScope`].
    pub fn report(&self, topology: &Topology) -> Result<ScopeReport, NetworkError> {
        let net = topology.network();
        let points = self
            .point_ids(topology)?
            .into_iter()
            .map(|p| net.point_asset(p).to_owned())
            .collect();
        let transformers = self
            .transformer_ids(topology)?
            .into_iter()
            .map(|l| net.line_asset(l).to_owned())
            .collect();
        let mut ids = self.customer_ids(topology)?;
        sort_critical_first(topology, &mut ids);
        let customers = ids
            .into_iter()
            .map(|c| {
                let c = net.customer(c);
                AffectedCustomer {
                    number: c.number().to_owned(),
                    name: c.name().map(str::to_owned),
                    point: net.point_asset(c.point()).to_owned(),
                    importance: c.importance(),
                    load_kw: c.load_kw(),
                    contracted_kva: c.contracted_kva(),
                    contacts: c.contacts().map(|k| k.to_contact()).collect(),
                }
            })
            .collect();
        let boundary = self
            .boundary(topology)?
            .into_iter()
            .map(|b| {
                let line = net.line(b.line);
                let sw = match line.kind {
                    LineKind::Switch(s) => Some(s),
                    _ => None,
                };
                BoundaryDevice {
                    asset: net.line_asset(b.line).to_owned(),
                    kind: line.record_kind(),
                    switch_kind: sw.map(|s| s.kind),
                    remote: sw.is_some_and(|s| s.remote),
                    passes_after: b.passes_after,
                    lost_end: net.point_asset(b.lost_end).to_owned(),
                    live_end: net.point_asset(b.live_end).to_owned(),
                }
            })
            .collect();
        let restored_points = self
            .restored
            .iter()
            .map(|&p| net.point_asset(PointId(p)).to_owned())
            .collect();
        Ok(ScopeReport {
            summary: self.summary,
            meshed: self.meshed,
            points,
            transformers,
            customers,
            boundary,
            restored_points,
        })
    }
}

fn sort_critical_first(topology: &Topology, ids: &mut [CustomerId]) {
    let net = topology.network();
    ids.sort_by(|&a, &b| {
        let (a, b) = (net.customer(a), net.customer(b));
        b.importance()
            .cmp(&a.importance())
            .then_with(|| a.number().cmp(b.number()))
    });
}
