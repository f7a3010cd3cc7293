//! FLISR: fault location, isolation and service restoration.
//!
//! [`Topology::restoration_plan`] takes a fault on a segment, switch, transformer or point of a
//! network in its pre-fault state and returns an ordered switching plan:
//!
//! 1. **Trip**: the protection that clears the fault ([`Topology::fault`]).
//! 2. **Isolate**: the *faulted section* is everything the fault reaches through lines other
//!    than switches; every closed switch on its edge is opened, remote-operable devices first,
//!    then manual ones. A faulted source has no section: only the source is out. For each manual isolator the nearest remote-operable alternative is
//!    reported with the customers choosing it would leave out.
//! 3. **Re-close upstream**: every tripped device that is not itself an isolator closes again
//!    (a tripped source returns to service), restoring what lies between it and the section.
//! 4. **Restore downstream**: what is still out beyond the section is cut at its closed
//!    switches into *switch sections*. Each normally-open tie (in service, not faulted) from a
//!    dead section to a live point is a candidate; its headroom is the least of the receiving
//!    source's usable capacity and every rated line's on the path from that source to the tie,
//!    less their load ([`CapacityOptions::usable`]: the reserve margin is data). A tie picks up
//!    the sections it reaches, breadth-first from its own, while their load fits its headroom
//!    and no rated line inside them would be loaded beyond its usable limit; sections it does
//!    not take are cut off by opening the switches between. The tie that restores the most load
//!    goes first (remote ties before manual ones at equal load), then the next, until no tie
//!    restores anything more.
//!
//! Every step is checked against the topology as it is added: after it, no point of the faulted
//! section is energized, and a closing step never joins two energized parts (never closes a
//! loop) unless [`RestorationOptions::allow_loops`]. A step that fails a check is left out.
//! Customers and load restored by each step come from the exact scope of the operations so far.
//!
//! Line flows on the receiving side are taken from the pre-fault depth-first tree (the exact
//! flows on a radial network; on the faulted feeder itself, load lost to the fault is not
//! subtracted, which errs on the safe side).

use hashbrown::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::capacity::CapacityOptions;
use super::error::{Action, NetworkError};
use super::model::{ElementId, LineId, PointId, SourceId};
use super::scope::{Scope, Trip};
use super::state::Operation;
use super::topology::{NONE, Topology};

/// Options of a restoration plan (JSON keys are the field names; unknown keys are errors).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RestorationOptions {
    /// Power factor, nominal voltage and reserve margin of the capacity checks.
    pub capacity: CapacityOptions,
    /// Whether a closing step may join two energized parts (close a loop). Off by default.
    pub allow_loops: bool,
}

/// Why a step is in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Opening a switch on the edge of the faulted section.
    Isolate,
    /// Re-closing a tripped device (or returning a tripped source to service).
    Upstream,
    /// Opening a switch inside the dead area so that a tie takes only part of it.
    Split,
    /// Closing a normally-open tie to pick up a dead area from another source.
    Transfer,
}

/// One step of a switching plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// The element operated.
    pub element: ElementId,
    /// What is done.
    pub action: Action,
    /// Why.
    pub stage: Stage,
    /// Whether the device is remote-operable (false for sources).
    pub remote: bool,
    /// Customers energized by this step.
    pub customers_restored: usize,
    /// Load energized by this step, kW.
    pub load_restored_kw: f64,
    /// The source that picks up the restored load (upstream and transfer steps).
    pub source: Option<SourceId>,
    /// What the feeding path can still take after this step, kVA: the least of the source's
    /// and every rated line's usable capacity less load (transfer steps; upstream steps give
    /// the source's).
    pub headroom_kva: Option<f64>,
}

/// One switch isolating the faulted section, and its remote-operable alternative if it is
/// manual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isolator {
    /// The nearest switch on this side of the section.
    pub device: LineId,
    /// Whether it is on the supply side of the section (else on the downstream side).
    pub upstream: bool,
    /// Whether it is remote-operable.
    pub remote: bool,
    /// The nearest remote-operable switches that would isolate this side instead (one on the
    /// supply side; on the downstream side, the first remote switch on every branch); empty if
    /// the device is remote or no remote switch exists.
    pub remote_alternatives: Vec<LineId>,
    /// Customers that isolating with the alternatives instead would leave out (those between
    /// the alternatives and this device).
    pub customers_left_out: usize,
}

/// A switching plan for a fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestorationPlan {
    /// The faulted element.
    pub fault: ElementId,
    /// The devices that trip.
    pub tripped: Vec<Trip>,
    /// The points of the faulted section, sorted.
    pub section: Vec<PointId>,
    /// The isolating switches, remote ones first.
    pub isolators: Vec<Isolator>,
    /// The steps, in order.
    pub steps: Vec<PlanStep>,
    /// Customers out after the trip.
    pub customers_out: usize,
    /// Load out after the trip, kW.
    pub load_out_kw: f64,
    /// Customers still out after the last step.
    pub customers_remaining: usize,
    /// Load still out after the last step, kW.
    pub load_remaining_kw: f64,
    /// The [`Topology::version`] the plan was made against (the pre-fault state); the outage
    /// workflow reads the customers of each step from that topology only.
    #[serde(default)]
    pub topology_version: u64,
}

impl RestorationPlan {
    /// The operations of the plan against the pre-fault state: the fault, the trips, then
    /// every step.
    #[must_use]
    pub fn operations(&self) -> Vec<Operation> {
        let mut ops = vec![Operation::fault(self.fault)];
        ops.extend(self.tripped.iter().filter_map(|t| trip_op(*t, self.fault)));
        ops.extend(self.steps.iter().map(|s| Operation {
            action: s.action,
            element: s.element,
        }));
        ops
    }
}

fn trip_op(t: Trip, fault: ElementId) -> Option<Operation> {
    match t {
        Trip::Switch(l) => Some(Operation::open(l)),
        Trip::Source(s) if ElementId::Source(s) != fault => {
            Some(Operation::take_out(ElementId::Source(s)))
        }
        Trip::Source(_) => None,
    }
}

/// A switch section of the dead area.
struct Section {
    points: Vec<u32>,
    load_kw: f64,
    /// `(switch, other section)`.
    links: Vec<(u32, usize)>,
    /// `(tie, near point, far point)`.
    ties: Vec<(u32, u32, u32)>,
}

/// The state of the plan being built.
struct Builder<'a> {
    topo: &'a Topology,
    opt: RestorationOptions,
    ops: Vec<Operation>,
    scope: Scope,
    section_points: HashSet<u32>,
    plan: RestorationPlan,
    /// Load added to each source's component, kW.
    added_source_kw: HashMap<u32, f64>,
    /// Load added through each rated line of the receiving trees, kW.
    added_line_kw: HashMap<u32, f64>,
    /// Load of each component lost to the fault (after isolation and re-closing), kW.
    lost_comp_kw: HashMap<u32, f64>,
}

impl Topology {
    /// The FLISR switching plan for a fault on `element` (see the [module
    /// documentation](self)).
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] for options out of range, [`NetworkError::Refused`] if
    /// the element is already faulted, [`NetworkError::IdOutOfRange`] for an id not of this
    /// network.
    pub fn restoration_plan(
        &self,
        element: ElementId,
        options: &RestorationOptions,
    ) -> Result<RestorationPlan, NetworkError> {
        options.capacity.validate()?;
        let fo = self.fault(element)?;
        let mut ops = vec![Operation::fault(element)];
        ops.extend(fo.tripped.iter().filter_map(|t| trip_op(*t, element)));
        let scope = self.scope(&ops)?;
        let mut b = Builder {
            topo: self,
            opt: *options,
            section_points: HashSet::new(),
            plan: RestorationPlan {
                fault: element,
                tripped: fo.tripped.clone(),
                section: Vec::new(),
                isolators: Vec::new(),
                steps: Vec::new(),
                customers_out: scope.summary().customers,
                load_out_kw: scope.summary().load_kw,
                customers_remaining: scope.summary().customers,
                load_remaining_kw: scope.summary().load_kw,
                topology_version: self.version(),
            },
            ops,
            scope,
            added_source_kw: HashMap::new(),
            added_line_kw: HashMap::new(),
            lost_comp_kw: HashMap::new(),
        };
        if fo.tripped.is_empty() {
            return Ok(b.plan);
        }
        b.isolate(element)?;
        b.upstream()?;
        b.downstream()?;
        Ok(b.plan)
    }
}

impl Builder<'_> {
    fn is_switch(&self, l: u32) -> bool {
        self.topo.network().line(LineId(l)).as_switch().is_some()
    }

    fn remote(&self, l: u32) -> bool {
        self.topo
            .network()
            .line(LineId(l))
            .as_switch()
            .is_some_and(|s| s.remote)
    }

    /// Whether a point is energized after the operations so far.
    fn live(&self, p: u32) -> bool {
        self.topo.is_energized(PointId(p)) && !self.scope.contains_point(self.topo, p)
    }

    /// Adds a step if it passes the checks; returns whether it was added.
    fn step(
        &mut self,
        op: Operation,
        stage: Stage,
        source: Option<SourceId>,
        headroom_kva: Option<f64>,
    ) -> Result<bool, NetworkError> {
        let net = &**self.topo.network();
        if op.action == Action::Close
            && !self.opt.allow_loops
            && let ElementId::Line(l) = op.element
        {
            let (a, b) = net.line_ends(l);
            if self.live(a.0) && self.live(b.0) {
                return Ok(false);
            }
        }
        self.ops.push(op);
        let scope = match self.topo.scope(&self.ops) {
            Ok(s) => s,
            Err(_) => {
                self.ops.pop();
                return Ok(false);
            }
        };
        let energizes_section = self.section_points.iter().any(|&p| {
            if self.topo.is_energized(PointId(p)) {
                !scope.contains_point(self.topo, p)
            } else {
                scope.restored.binary_search(&p).is_ok()
            }
        });
        if energizes_section {
            self.ops.pop();
            return Ok(false);
        }
        let before = self.scope.summary();
        let after = scope.summary();
        let remote = match op.element {
            ElementId::Line(l) => self.remote(l.0),
            _ => false,
        };
        self.plan.steps.push(PlanStep {
            element: op.element,
            action: op.action,
            stage,
            remote,
            customers_restored: before.customers.saturating_sub(after.customers),
            load_restored_kw: (before.load_kw - after.load_kw).max(0.0),
            source,
            headroom_kva,
        });
        self.plan.customers_remaining = after.customers;
        self.plan.load_remaining_kw = after.load_kw;
        self.scope = scope;
        Ok(true)
    }

    /// Finds the faulted section and opens its closed edge switches, remote ones first.
    fn isolate(&mut self, element: ElementId) -> Result<(), NetworkError> {
        if matches!(element, ElementId::Source(_)) {
            // A faulted source takes only itself out: the network it fed is sound and is
            // picked up through ties (other sources at its point keep feeding it).
            return Ok(());
        }
        let topo = self.topo;
        let net = &**topo.network();
        let st = topo.state();
        let mut points: Vec<u32> = Vec::new();
        let mut skip = NONE;
        match element {
            ElementId::Point(p) => points.push(p.0),
            ElementId::Line(l) => {
                let (a, b) = net.line_ends(l);
                points.push(a.0);
                if b != a {
                    points.push(b.0);
                }
                // The faulted line itself passes nothing; both its ends are in the section.
                skip = l.0;
            }
            ElementId::Source(_) => {}
        }
        // Points that carry no power (faulted or out of service) neither join nor extend it.
        points.retain(|&p| st.point_passes(PointId(p)));
        let mut inside: HashSet<u32> = points.iter().copied().collect();
        let mut edges: Vec<(u32, u32, u32)> = Vec::new();
        let mut i = 0;
        while i < points.len() {
            let p = points[i];
            i += 1;
            for &(w, l) in net.neighbours(PointId(p)) {
                if l == skip || !st.line_passes(LineId(l)) {
                    continue;
                }
                if !st.point_passes(PointId(w)) {
                    continue;
                }
                if self.is_switch(l) {
                    edges.push((l, p, w));
                } else if inside.insert(w) {
                    points.push(w);
                }
            }
        }
        edges.retain(|&(_, _, w)| !inside.contains(&w));
        edges.sort_unstable();
        edges.dedup_by_key(|e| e.0);
        points.sort_unstable();
        self.plan.section = points.iter().map(|&p| PointId(p)).collect();
        self.section_points = inside;
        let tripped: HashSet<u32> = self
            .plan
            .tripped
            .iter()
            .filter_map(|t| match t {
                Trip::Switch(l) => Some(l.0),
                Trip::Source(_) => None,
            })
            .collect();
        let mut isolators: Vec<Isolator> = edges
            .iter()
            .map(|&(l, near, far)| {
                let upstream = topo.parent_code(near) == l;
                let remote = self.remote(l);
                let (alts, left) = if remote {
                    (Vec::new(), 0)
                } else if upstream {
                    self.remote_upstream(far, near)
                } else {
                    self.remote_downstream(l, far)
                };
                Isolator {
                    device: LineId(l),
                    upstream,
                    remote,
                    remote_alternatives: alts,
                    customers_left_out: left,
                }
            })
            .collect();
        isolators.sort_by_key(|x| (!x.remote, !x.upstream, x.device));
        for x in &isolators {
            if tripped.contains(&x.device.0) {
                continue;
            }
            self.step(Operation::open(x.device), Stage::Isolate, None, None)?;
        }
        self.plan.isolators = isolators;
        Ok(())
    }

    /// The nearest remote switch above `far` (the supply side of an upstream isolator) and the
    /// customers between it and the isolator.
    fn remote_upstream(&self, far: u32, near: u32) -> (Vec<LineId>, usize) {
        let topo = self.topo;
        topo.lines_up(far)
            .find(|&(_, l)| self.remote(l.0) && self.is_switch(l.0))
            .map_or((Vec::new(), 0), |(v, l)| {
                // Everything below the remote switch but not in or below the section stays
                // out until the manual isolator is opened.
                let below = topo.below(v).customers;
                (vec![l], below.saturating_sub(topo.below(near).customers))
            })
    }

    /// The first remote switches below `far` on every branch (the downstream side of an
    /// isolator), and the customers between the isolator and them.
    fn remote_downstream(&self, isolator: u32, far: u32) -> (Vec<LineId>, usize) {
        let topo = self.topo;
        let net = &**topo.network();
        let st = topo.state();
        let mut alts = Vec::new();
        let mut customers = 0;
        let mut stack = vec![far];
        let mut seen: HashSet<u32> = HashSet::from([far]);
        while let Some(p) = stack.pop() {
            customers += net.customers_at(PointId(p)).len();
            for &(w, l) in net.neighbours(PointId(p)) {
                if l == isolator || !st.line_passes(LineId(l)) || topo.parent_code(w) != l {
                    continue;
                }
                if self.is_switch(l) && self.remote(l) {
                    alts.push(LineId(l));
                } else if seen.insert(w) {
                    stack.push(w);
                }
            }
        }
        alts.sort_unstable();
        if alts.is_empty() {
            (alts, 0)
        } else {
            (alts, customers)
        }
    }

    /// Re-closes tripped devices that are not isolators.
    fn upstream(&mut self) -> Result<(), NetworkError> {
        let net = &**self.topo.network();
        let isolators: HashSet<u32> = self.plan.isolators.iter().map(|x| x.device.0).collect();
        for t in self.plan.tripped.clone() {
            let (op, source) = match t {
                Trip::Switch(l) if !isolators.contains(&l.0) => {
                    let (a, b) = net.line_ends(l);
                    let up = if self.topo.parent_code(b.0) == l.0 {
                        a
                    } else {
                        b
                    };
                    (Operation::close(l), self.source_of(up.0))
                }
                Trip::Source(s) if ElementId::Source(s) != self.plan.fault => {
                    if self.section_points.contains(&net.source(s).point.0) {
                        continue;
                    }
                    (
                        Operation {
                            action: Action::Restore,
                            element: ElementId::Source(s),
                        },
                        Some(s),
                    )
                }
                _ => continue,
            };
            self.step(op, Stage::Upstream, source, None)?;
        }
        // Load each component lost (for headroom on the faulted feeder itself).
        let lost = self.scope.customer_ids(self.topo)?;
        for c in lost {
            let p = net.customer(c).point().0;
            let (comp, _) = self.topo.comp_tin(p);
            *self.lost_comp_kw.entry(comp).or_default() += net.customer_load(c.0).0;
        }
        // The upstream steps' headroom: their source's, after the step.
        for i in 0..self.plan.steps.len() {
            if let Some(s) = self.plan.steps[i].source {
                let h = self.source_headroom_kva(s.0);
                self.plan.steps[i].headroom_kva = Some(h);
            }
        }
        Ok(())
    }

    /// The source at the root of a point's component, in the pre-fault state.
    fn source_of(&self, p: u32) -> Option<SourceId> {
        if !self.topo.is_energized(PointId(p)) {
            return None;
        }
        let (c, _) = self.topo.comp_tin(p);
        self.topo.component(c).sources.first().map(|&s| SourceId(s))
    }

    /// Usable capacity less load of a source's component, kVA (split by capacity when
    /// several sources feed it).
    fn source_headroom_kva(&self, s: u32) -> f64 {
        let net = &**self.topo.network();
        let cap = &self.opt.capacity;
        let p = net.source(SourceId(s)).point.0;
        let (c, _) = self.topo.comp_tin(p);
        let comp = self.topo.component(c);
        let total_cap: f64 = comp
            .sources
            .iter()
            .map(|&x| net.source(SourceId(x)).capacity_kva)
            .sum();
        let base_kw = comp.pre_load_kw.last().copied().unwrap_or(0.0)
            - self.lost_comp_kw.get(&c).copied().unwrap_or(0.0);
        let load_kw = base_kw + self.added_source_kw.get(&c).copied().unwrap_or(0.0);
        cap.usable(total_cap) - cap.kva(load_kw)
    }

    /// The headroom of a tie's far point: the least of its source's and of every rated line's
    /// on the path up to the source, kVA; and the lines of that path.
    fn path_headroom(&self, far: u32) -> (f64, Vec<u32>, Option<SourceId>) {
        let topo = self.topo;
        let net = &**topo.network();
        let cap = &self.opt.capacity;
        let Some(src) = self.source_of(far) else {
            return (f64::NEG_INFINITY, Vec::new(), None);
        };
        let mut h = self.source_headroom_kva(src.0);
        let mut lines = Vec::new();
        for (v, l) in topo.lines_up(far) {
            if let Some(limit) = cap.line_limit_kva(net, l) {
                let flow_kw =
                    topo.below(v).load_kw + self.added_line_kw.get(&l.0).copied().unwrap_or(0.0);
                h = h.min(cap.usable(limit) - cap.kva(flow_kw));
                lines.push(l.0);
            }
        }
        (h, lines, Some(src))
    }

    /// The dead area still out, cut into switch sections, with the ties to live points.
    fn sections(&self) -> Vec<Section> {
        let topo = self.topo;
        let net = &**topo.network();
        let st = topo.state();
        let dead = |p: u32| {
            topo.is_energized(PointId(p))
                && self.scope.contains_point(topo, p)
                && !self.section_points.contains(&p)
        };
        // Lines opened by the plan so far.
        let opened: HashSet<u32> = self
            .ops
            .iter()
            .filter(|o| o.action == Action::Open)
            .filter_map(|o| match o.element {
                ElementId::Line(l) => Some(l.0),
                _ => None,
            })
            .collect();
        let mut section_of: HashMap<u32, usize> = HashMap::new();
        let mut sections: Vec<Section> = Vec::new();
        let mut points: Vec<u32> = Vec::new();
        for &(c, s, e) in &self.scope.ranges {
            let comp = topo.component(c);
            points.extend((s..=e).map(|t| comp.order[t as usize]));
        }
        points.extend(self.scope.points.iter().copied());
        points.retain(|&p| dead(p));
        points.sort_unstable();
        for &start in &points {
            if section_of.contains_key(&start) {
                continue;
            }
            let k = sections.len();
            let mut sec = Section {
                points: vec![start],
                load_kw: 0.0,
                links: Vec::new(),
                ties: Vec::new(),
            };
            section_of.insert(start, k);
            let mut i = 0;
            while i < sec.points.len() {
                let p = sec.points[i];
                i += 1;
                for &(w, l) in net.neighbours(PointId(p)) {
                    let lid = LineId(l);
                    if self.is_switch(l) || !st.line_passes(lid) || !dead(w) {
                        continue;
                    }
                    if let hashbrown::hash_map::Entry::Vacant(v) = section_of.entry(w) {
                        v.insert(k);
                        sec.points.push(w);
                    }
                }
            }
            sections.push(sec);
        }
        #[allow(clippy::needless_range_loop)] // sections are read by index while one is written
        for k in 0..sections.len() {
            let mut load = 0.0;
            let mut links = Vec::new();
            let mut ties = Vec::new();
            for &p in &sections[k].points {
                for &c in net.customers_at(PointId(p)) {
                    load += net.customer_load(c).0;
                }
                for &(w, l) in net.neighbours(PointId(p)) {
                    if !self.is_switch(l) {
                        continue;
                    }
                    let lid = LineId(l);
                    let closed = st.line_passes(lid) && !opened.contains(&l);
                    if closed {
                        if let Some(&other) = section_of.get(&w)
                            && other != k
                        {
                            links.push((l, other));
                        }
                    } else if st.is_open(lid)
                        && !opened.contains(&l)
                        && self.is_tie_usable(lid)
                        && self.live(w)
                        && !self.section_points.contains(&w)
                    {
                        ties.push((l, p, w));
                    }
                }
            }
            links.sort_unstable();
            links.dedup();
            ties.sort_unstable();
            ties.dedup();
            let s = &mut sections[k];
            s.load_kw = load;
            s.links = links;
            s.ties = ties;
        }
        sections
    }

    /// Whether an open switch can be closed: open only (not faulted, in service).
    fn is_tie_usable(&self, l: LineId) -> bool {
        let c = self.topo.state().condition(ElementId::Line(l));
        c.open && !c.faulted && !c.out_of_service
    }

    /// The sections a tie can take, breadth-first from its own, within `headroom_kva`, with no
    /// rated line inside loaded beyond its usable limit. Returns the sections in the order
    /// taken with the section each was reached from (and through which switch).
    fn grow(
        &self,
        sections: &[Section],
        restored: &[bool],
        start: usize,
        near: u32,
        headroom_kva: f64,
    ) -> Vec<(usize, Option<(usize, u32)>)> {
        let cap = &self.opt.capacity;
        let mut taken: Vec<(usize, Option<(usize, u32)>)> = Vec::new();
        let mut in_set = vec![false; sections.len()];
        let mut load = sections[start].load_kw;
        if restored[start] || cap.kva(load) > headroom_kva {
            return taken;
        }
        taken.push((start, None));
        in_set[start] = true;
        let mut i = 0;
        while i < taken.len() {
            let (k, _) = taken[i];
            i += 1;
            for &(sw, other) in &sections[k].links {
                if in_set[other] || restored[other] {
                    continue;
                }
                let more = load + sections[other].load_kw;
                if cap.kva(more) <= headroom_kva {
                    load = more;
                    in_set[other] = true;
                    taken.push((other, Some((k, sw))));
                }
            }
        }
        // Line checks inside the taken sections, fed from `near`; drop the subtree of any
        // section holding an overloaded line, until none is left (the start section cannot be
        // dropped: then the tie takes nothing).
        loop {
            match self.overloaded_section(sections, &taken, near) {
                None => return taken,
                Some(0) => return Vec::new(),
                Some(bad) => {
                    let mut drop = vec![false; sections.len()];
                    drop[taken[bad].0] = true;
                    for &(k, from) in &taken {
                        if let Some((f, _)) = from
                            && drop[f]
                        {
                            drop[k] = true;
                        }
                    }
                    taken.retain(|&(k, _)| !drop[k]);
                }
            }
        }
    }

    /// The position (in `taken`) of a section holding a rated line loaded beyond its usable
    /// limit when the taken sections are fed from `near`, if any.
    fn overloaded_section(
        &self,
        sections: &[Section],
        taken: &[(usize, Option<(usize, u32)>)],
        near: u32,
    ) -> Option<usize> {
        let topo = self.topo;
        let net = &**topo.network();
        let cap = &self.opt.capacity;
        let st = topo.state();
        let mut pos: HashMap<u32, usize> = HashMap::new();
        for (i, &(k, _)) in taken.iter().enumerate() {
            for &p in &sections[k].points {
                pos.insert(p, i);
            }
        }
        let switches: HashSet<u32> = taken.iter().filter_map(|&(_, f)| f.map(|x| x.1)).collect();
        // Depth-first tree from `near` over passing lines within the taken points.
        let mut order: Vec<(u32, u32)> = vec![(near, NONE)];
        let mut seen: HashSet<u32> = HashSet::from([near]);
        let mut i = 0;
        while i < order.len() {
            let (p, _) = order[i];
            i += 1;
            for &(w, l) in net.neighbours(PointId(p)) {
                if !pos.contains_key(&w) || seen.contains(&w) || !st.line_passes(LineId(l)) {
                    continue;
                }
                if self.is_switch(l) && !switches.contains(&l) {
                    continue;
                }
                seen.insert(w);
                order.push((w, l));
            }
        }
        let mut below: HashMap<u32, f64> = HashMap::new();
        let mut parent: HashMap<u32, u32> = HashMap::new();
        for &(p, l) in &order {
            if l != NONE {
                let (a, b) = net.line_ends(LineId(l));
                parent.insert(p, if a.0 == p { b.0 } else { a.0 });
            }
            let load: f64 = net
                .customers_at(PointId(p))
                .iter()
                .map(|&c| net.customer_load(c).0)
                .sum();
            below.insert(p, load);
        }
        let mut worst: Option<usize> = None;
        for &(p, l) in order.iter().rev() {
            let b = below[&p];
            if let Some(&up) = parent.get(&p) {
                *below.get_mut(&up).unwrap_or(&mut 0.0) += b;
            }
            if l == NONE {
                continue;
            }
            if let Some(limit) = cap.line_limit_kva(net, LineId(l))
                && cap.kva(b) > cap.usable(limit)
            {
                let at = pos[&p];
                worst = Some(worst.map_or(at, |w: usize| w.max(at)));
            }
        }
        worst
    }

    /// Picks up the dead area through ties, splitting it where one tie cannot take it all.
    fn downstream(&mut self) -> Result<(), NetworkError> {
        let net = &**self.topo.network();
        let sections = self.sections();
        let mut restored = vec![false; sections.len()];
        loop {
            // Evaluate every tie from an unrestored section.
            let mut best: Option<(f64, bool, u32, usize, u32, u32, f64)> = None;
            let mut best_taken = Vec::new();
            let mut best_path = Vec::new();
            let mut best_src = None;
            for (k, sec) in sections.iter().enumerate() {
                if restored[k] {
                    continue;
                }
                for &(tie, near, far) in &sec.ties {
                    if !self.live(far) {
                        continue;
                    }
                    let (h, path, src) = self.path_headroom(far);
                    if h <= 0.0 {
                        continue;
                    }
                    let taken = self.grow(&sections, &restored, k, near, h);
                    if taken.is_empty() {
                        continue;
                    }
                    let load: f64 = taken.iter().map(|&(x, _)| sections[x].load_kw).sum();
                    let remote = self.remote(tie);
                    let better = match best {
                        None => true,
                        Some((bl, br, bt, ..)) => better_tie((load, remote, tie), (bl, br, bt)),
                    };
                    if better {
                        best = Some((load, remote, tie, k, near, far, h));
                        best_taken = taken;
                        best_path = path;
                        best_src = src;
                    }
                }
            }
            let Some((load, _, tie, _, _, _, h)) = best else {
                break;
            };
            let in_set: HashSet<usize> = best_taken.iter().map(|&(k, _)| k).collect();
            // Split: open every closed link from a taken section to an untaken, unrestored one.
            let mut splits: Vec<u32> = Vec::new();
            for &(k, _) in &best_taken {
                for &(sw, other) in &sections[k].links {
                    if !in_set.contains(&other) && !restored[other] {
                        splits.push(sw);
                    }
                }
            }
            splits.sort_unstable();
            splits.dedup();
            // Links to sections restored earlier were opened then.
            let mut ok = true;
            for sw in splits {
                if !self.step(Operation::open(LineId(sw)), Stage::Split, None, None)? {
                    ok = false;
                }
            }
            let headroom = h - self.opt.capacity.kva(load);
            let closed = ok
                && self.step(
                    Operation::close(LineId(tie)),
                    Stage::Transfer,
                    best_src,
                    Some(headroom),
                )?;
            for &(k, _) in &best_taken {
                restored[k] = true;
            }
            if closed {
                if let Some(s) = best_src {
                    let p = net.source(s).point.0;
                    let (c, _) = self.topo.comp_tin(p);
                    *self.added_source_kw.entry(c).or_default() += load;
                }
                for l in best_path {
                    *self.added_line_kw.entry(l).or_default() += load;
                }
            }
        }
        Ok(())
    }
}

/// Whether a tie restoring `(load_kw, remote, tie)` is chosen over the best so far: more load
/// first (beyond 1e-9 kW), then a remote-operable tie, then the lower line id. The planner and
/// the prediction's section tree choose by this one rule.
pub(super) fn better_tie(candidate: (f64, bool, u32), best: (f64, bool, u32)) -> bool {
    let ((load, remote, tie), (bl, br, bt)) = (candidate, best);
    load > bl + 1e-9
        || ((load - bl).abs() <= 1e-9 && (remote && !br))
        || ((load - bl).abs() <= 1e-9 && remote == br && tie < bt)
}
