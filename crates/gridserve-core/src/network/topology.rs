//! The compiled index of a network in one state, and the queries it answers.
//!
//! Every energized part of the network (a *component*: the points one or more sources reach
//! through passing lines) is numbered in depth-first order from its sources, so that the points
//! downstream of any line or point are one contiguous range of that numbering. Per-component
//! prefix sums then give the points, customers, critical customers, transformers and load of any
//! downstream range in O(1), and listing it costs O(answer). The same depth-first pass computes
//! low-links, so every tree line knows whether it is a bridge (its removal cuts its subtree off)
//! or lies on a loop (meshed: a closed tie or parallel line feeds the subtree another way).
//!
//! A scope query first cuts the ranges below every removed line, point or source. Ranges below
//! bridges are lost whole. Ranges on loops, and any query that also closes or restores something,
//! are settled by a search confined to the cut ranges (plus any de-energized area the closing
//! reaches), so the answer stays exact on meshed networks while the work stays proportional to
//! the affected part. Applying operations rebuilds only the components they touch.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{ElementId, LineId, Network, PointId, SourceId};
use super::scope::{Scope, ScopeSummary, Trip};
use super::state::{Bits, Condition, NetworkState, Operation};

pub(crate) const NONE: u32 = u32::MAX;
/// Marks a parent/protector code that names a source rather than a line.
pub(crate) const SRC: u32 = 1 << 31;

static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    NEXT_VERSION.fetch_add(1, Ordering::Relaxed)
}

/// One energized component: its depth-first order and prefix sums.
#[derive(Debug, Clone, Default)]
pub(crate) struct Component {
    /// `order[t]` is the point with local number `t` (1-based; `order[0]` is unused).
    pub(crate) order: Vec<u32>,
    pub(crate) pre_customers: Vec<u32>,
    pub(crate) pre_critical: Vec<u32>,
    pub(crate) pre_transformers: Vec<u32>,
    /// Non-tree passing lines (and extra sources) attributed to their deeper end.
    pub(crate) pre_loops: Vec<u32>,
    pub(crate) pre_load_kw: Vec<f64>,
    /// Every passing source in the component, the root source first.
    pub(crate) sources: Vec<u32>,
    /// What closes each loop: passing lines not in the depth-first tree, and extra sources
    /// (coded `SRC | source`).
    pub(crate) loop_lines: Vec<u32>,
}

impl Component {
    fn len(&self) -> u32 {
        self.order.len() as u32 - 1
    }

    /// Sums over local numbers `start..=end`.
    pub(crate) fn sums(&self, start: u32, end: u32) -> ScopeSummary {
        let (a, b) = ((start - 1) as usize, end as usize);
        ScopeSummary {
            points: (b - a),
            customers: (self.pre_customers[b] - self.pre_customers[a]) as usize,
            critical_customers: (self.pre_critical[b] - self.pre_critical[a]) as usize,
            transformers: (self.pre_transformers[b] - self.pre_transformers[a]) as usize,
            load_kw: self.pre_load_kw[b] - self.pre_load_kw[a],
            restored_points: 0,
        }
    }

    fn heap_bytes(&self) -> usize {
        self.order.capacity() * 4
            + (self.pre_customers.capacity()
                + self.pre_critical.capacity()
                + self.pre_transformers.capacity()
                + self.pre_loops.capacity())
                * 4
            + self.pre_load_kw.capacity() * 8
            + (self.sources.capacity() + self.loop_lines.capacity()) * 4
    }
}

/// How a switch's exposure was determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExposureKind {
    /// The switch is energized and radial: opening it cuts off what is counted.
    Radial,
    /// The switch lies on a loop: opening it alone cuts nothing off.
    Meshed,
    /// The switch is open, faulted or out of service: it carries nothing.
    NotPassing,
    /// The switch passes but is not energized at both ends.
    Deenergized,
}

/// What every switch carries: for each switch, the points, customers and load that opening it
/// alone would cut off in the indexed state. One row per switch, in line-id order (columnar, so
/// it moves to numpy/pandas without reshaping).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposure {
    /// The switches.
    pub switches: Vec<LineId>,
    /// How each row was determined.
    pub kinds: Vec<ExposureKind>,
    /// Points cut off.
    pub points: Vec<u32>,
    /// Customers cut off.
    pub customers: Vec<u32>,
    /// Critical customers cut off.
    pub critical_customers: Vec<u32>,
    /// Transformers cut off.
    pub transformers: Vec<u32>,
    /// Load cut off, in kW.
    pub load_kw: Vec<f64>,
}

/// The outcome of a fault: which devices trip, and the resulting scope.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultOutcome {
    /// The faulted element.
    pub element: ElementId,
    /// The protective devices (or sources) that trip, nearest to the fault on every side that
    /// feeds it. Empty if the element was not energized.
    pub tripped: Vec<Trip>,
    /// Whether the fault zone was settled by the general search (a meshed part, or a line
    /// energized from one end only) rather than by the radial index.
    pub meshed: bool,
    /// The scope after the fault and the trips.
    pub scope: Scope,
}

/// The outcome of planning an outage of a device: the switches that isolate it and the scope.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedOutage {
    /// The element to be worked on.
    pub element: ElementId,
    /// The closed switches to open: those on the edge of the work zone whose far side could
    /// feed it.
    pub isolators: Vec<LineId>,
    /// Closed switches on the edge of the work zone whose far side has no other supply: they
    /// need not be opened (what lies beyond is lost with the zone), and are the ones to open
    /// before supplying that part again through a tie.
    pub downstream: Vec<LineId>,
    /// Switches on the boundary of the work zone that are already open (or out of service).
    pub already_open: Vec<LineId>,
    /// Sources inside the work zone, to be taken out of service with it.
    pub sources: Vec<SourceId>,
    /// The operations that carry out the outage: open the isolators, take out the element and
    /// the sources inside the zone.
    pub operations: Vec<Operation>,
    /// The scope of those operations.
    pub scope: Scope,
}

/// Per-component temporaries of the depth-first numbering, indexed by local number.
struct Scratch {
    loops_at: Vec<u32>,
    trafos_at: Vec<u32>,
    low: Vec<u32>,
}

/// A zone searched from an element: its points and the lines that bound it.
#[derive(Debug, Default)]
struct Zone {
    points: Vec<u32>,
    contains: HashSet<u32>,
    /// `(line, far end)` sorted.
    bounds: Vec<(u32, u32)>,
}

/// The unsupplied points of many scenarios, compressed: scenario `k` owns
/// `points[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsuppliedBatch {
    /// `scenarios + 1` offsets into `points`, starting at 0.
    pub offsets: Vec<usize>,
    /// The points, sorted within each scenario.
    pub points: Vec<PointId>,
}

impl UnsuppliedBatch {
    /// The unsupplied points of scenario `k`, if there is one.
    #[must_use]
    pub fn scenario(&self, k: usize) -> Option<&[PointId]> {
        let (&a, &b) = (self.offsets.get(k)?, self.offsets.get(k + 1)?);
        Some(&self.points[a..b])
    }

    /// The number of scenarios.
    #[must_use]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no scenarios.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What [`Topology::apply`] changed and rebuilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Applied {
    /// Elements whose condition changed.
    pub changed_elements: usize,
    /// Components renumbered.
    pub rebuilt_components: usize,
    /// Points renumbered.
    pub rebuilt_points: usize,
}

/// The condition changes of a set of operations, classified for the scope search.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    /// `(line, passes after)` sorted by line, for lines whose passing changed.
    lines: Vec<(u32, bool)>,
    points: Vec<(u32, bool)>,
    sources: Vec<(u32, bool)>,
    any_added: bool,
}

impl Delta {
    fn new(state: &NetworkState, changes: &[(ElementId, Condition)]) -> Self {
        let mut d = Self::default();
        for &(e, c) in changes {
            let before = state.condition(e).passes();
            let after = c.passes();
            if before == after {
                continue;
            }
            d.any_added |= after;
            match e {
                ElementId::Line(l) => d.lines.push((l.0, after)),
                ElementId::Point(p) => d.points.push((p.0, after)),
                ElementId::Source(s) => d.sources.push((s.0, after)),
            }
        }
        d.lines.sort_unstable();
        d.points.sort_unstable();
        d.sources.sort_unstable();
        d
    }

    fn lookup(list: &[(u32, bool)], id: u32) -> Option<bool> {
        if list.len() <= 8 {
            list.iter().find(|(i, _)| *i == id).map(|&(_, v)| v)
        } else {
            list.binary_search_by_key(&id, |&(i, _)| i)
                .ok()
                .map(|k| list[k].1)
        }
    }
}

/// The cut ranges of a query and a membership test over them.
struct Cuts {
    /// `(comp, start, end, whole)` maximal, sorted, disjoint.
    ranges: Vec<(u32, u32, u32, bool)>,
    /// Offset of each range in the concatenated visit array.
    offsets: Vec<usize>,
}

impl Cuts {
    fn new(mut raw: Vec<(u32, u32, u32, bool)>) -> Self {
        raw.sort_unstable_by(|a, b| {
            (a.0, a.1, std::cmp::Reverse(a.2)).cmp(&(b.0, b.1, std::cmp::Reverse(b.2)))
        });
        let mut ranges: Vec<(u32, u32, u32, bool)> = Vec::with_capacity(raw.len());
        for r in raw {
            match ranges.last() {
                Some(&(c, _, e, _)) if c == r.0 && r.1 <= e => {} // nested in the previous one
                _ => ranges.push(r),
            }
        }
        let mut offsets = Vec::with_capacity(ranges.len());
        let mut total = 0usize;
        for &(_, s, e, _) in &ranges {
            offsets.push(total);
            total += (e - s + 1) as usize;
        }
        Self { ranges, offsets }
    }

    /// The index of the range holding local number `t` of component `c`.
    fn find(&self, c: u32, t: u32) -> Option<usize> {
        let k = self
            .ranges
            .partition_point(|&(rc, rs, _, _)| (rc, rs) <= (c, t));
        let k = k.checked_sub(1)?;
        let (rc, _, re, _) = self.ranges[k];
        (rc == c && t <= re).then_some(k)
    }

    fn total(&self) -> usize {
        self.ranges.last().map_or(0, |&(_, s, e, _)| {
            self.offsets[self.ranges.len() - 1] + (e - s + 1) as usize
        })
    }
}

/// A network compiled for fast queries in one state.
///
/// ```
/// use std::sync::Arc;
/// use gridserve_core::network::{Network, Topology, Operation, synth};
///
/// let net = Arc::new(Network::from_data(&synth::generate(&synth::SynthConfig::with_points(2_000, 7)))?);
/// let topo = Topology::normal(net.clone());
/// let breaker = net.line_ids().find(|&l| net.line(l).is_protective()).unwrap();
/// let scope = topo.scope(&[Operation::open(breaker)])?;
/// assert!(scope.summary().points > 0);
/// # Ok::<(), gridserve_core::network::NetworkError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Topology {
    net: Arc<Network>,
    state: NetworkState,
    version: u64,
    comp: Vec<u32>,
    tin: Vec<u32>,
    size: Vec<u32>,
    /// Whether everything below the point hangs on its parent line alone (low-link ≥ number).
    hangs: Bits,
    parent: Vec<u32>,
    protector: Vec<u32>,
    comps: Vec<Component>,
    free: Vec<u32>,
}

impl Topology {
    /// Indexes `net` in its normal state.
    #[must_use]
    pub fn normal(net: Arc<Network>) -> Self {
        let state = NetworkState::normal(&net);
        Self::build(net, state)
    }

    /// Indexes `net` in `state`.
    ///
    /// # Errors
    /// [`NetworkError::StateMismatch`] if the state was made for another network.
    pub fn new(net: Arc<Network>, state: NetworkState) -> Result<Self, NetworkError> {
        state.check(&net)?;
        Ok(Self::build(net, state))
    }

    fn build(net: Arc<Network>, state: NetworkState) -> Self {
        let n = net.point_count();
        let mut t = Self {
            net,
            state,
            version: next_version(),
            comp: vec![NONE; n],
            tin: vec![0; n],
            size: vec![0; n],
            hangs: Bits::new(n),
            parent: vec![NONE; n],
            protector: vec![NONE; n],
            comps: Vec::new(),
            free: Vec::new(),
        };
        let roots: Vec<u32> = (0..t.net.source_count() as u32).collect();
        t.build_from(&roots);
        t
    }

    /// The network.
    #[must_use]
    pub fn network(&self) -> &Arc<Network> {
        &self.net
    }
    /// The indexed state.
    #[must_use]
    pub fn state(&self) -> &NetworkState {
        &self.state
    }
    /// A stamp that changes whenever the index changes; scopes carry it to detect staleness.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Builds components from the given sources (in order), skipping sources that do not pass,
    /// whose point does not pass, or whose point is already numbered.
    fn build_from(&mut self, sources: &[u32]) -> (usize, usize) {
        let net = Arc::clone(&self.net);
        let mut stack: Vec<(u32, u32)> = Vec::new();
        let (mut built, mut points) = (0, 0);
        for &s in sources {
            let sid = SourceId(s);
            let root = net.source(sid).point;
            if !self.state.source_passes(sid)
                || !self.state.point_passes(root)
                || self.comp[root.index()] != NONE
            {
                continue;
            }
            let slot = match self.free.pop() {
                Some(slot) => slot,
                None => {
                    self.comps.push(Component::default());
                    self.comps.len() as u32 - 1
                }
            };
            let comp = self.number(&net, slot, s, root.0, &mut stack);
            built += 1;
            points += comp.len() as usize;
            self.comps[slot as usize] = comp;
        }
        (built, points)
    }

    /// Depth-first numbering of one component from `root` (fed by source `src`).
    fn number(
        &mut self,
        net: &Network,
        slot: u32,
        src: u32,
        root: u32,
        stack: &mut Vec<(u32, u32)>,
    ) -> Component {
        let mut c = Component {
            order: vec![NONE],
            ..Component::default()
        };
        // Per local number: loops and transformers attributed to the point, and its low-link.
        let mut x = Scratch {
            loops_at: vec![0],
            trafos_at: vec![0],
            low: vec![0],
        };
        self.enter(net, &mut c, &mut x, slot, root, SRC | src, SRC | src);
        stack.clear();
        stack.push((root, 0));
        while let Some(&mut (v, ref mut cursor)) = stack.last_mut() {
            let nbrs = net.neighbours(PointId(v));
            if (*cursor as usize) < nbrs.len() {
                let (w, l) = nbrs[*cursor as usize];
                *cursor += 1;
                let vi = v as usize;
                if l == self.parent[vi]
                    || !self.state.line_passes(LineId(l))
                    || !self.state.point_passes(PointId(w))
                {
                    continue;
                }
                let wi = w as usize;
                if self.comp[wi] == NONE {
                    let line = net.line(LineId(l));
                    let prot = if line.is_protective() {
                        l
                    } else {
                        self.protector[vi]
                    };
                    self.enter(net, &mut c, &mut x, slot, w, l, prot);
                    if line.is_transformer() {
                        x.trafos_at[self.tin[wi] as usize] += 1;
                    }
                    stack.push((w, 0));
                } else if self.tin[wi] < self.tin[vi] {
                    // A line back to an ancestor: it closes a loop.
                    let t = self.tin[vi] as usize;
                    x.low[t] = x.low[t].min(self.tin[wi]);
                    x.loops_at[t] += 1;
                    if net.line(LineId(l)).is_transformer() {
                        x.trafos_at[t] += 1;
                    }
                    c.loop_lines.push(l);
                }
            } else {
                stack.pop();
                if let Some(&(u, _)) = stack.last() {
                    let (ui, vi) = (u as usize, v as usize);
                    let (tu, tv) = (self.tin[ui] as usize, self.tin[vi] as usize);
                    x.low[tu] = x.low[tu].min(x.low[tv]);
                    self.size[ui] += self.size[vi];
                }
            }
        }
        let len = c.order.len();
        for t in 1..len {
            self.hangs.set(c.order[t] as usize, x.low[t] >= t as u32);
        }
        c.order.shrink_to_fit();
        c.loop_lines.shrink_to_fit();
        c.pre_customers = Vec::with_capacity(len);
        c.pre_critical = Vec::with_capacity(len);
        c.pre_load_kw = Vec::with_capacity(len);
        c.pre_transformers = x.trafos_at;
        c.pre_loops = x.loops_at;
        c.pre_transformers.shrink_to_fit();
        c.pre_loops.shrink_to_fit();
        let (mut cu, mut cr, mut ld) = (0u32, 0u32, 0f64);
        c.pre_customers.push(0);
        c.pre_critical.push(0);
        c.pre_load_kw.push(0.0);
        for t in 1..len {
            for &k in net.customers_at(PointId(c.order[t])) {
                let (load, imp) = net.customer_load(k);
                cu += 1;
                cr += u32::from(imp.is_critical());
                ld += load;
            }
            c.pre_customers.push(cu);
            c.pre_critical.push(cr);
            c.pre_load_kw.push(ld);
            c.pre_transformers[t] += c.pre_transformers[t - 1];
            c.pre_loops[t] += c.pre_loops[t - 1];
        }
        c
    }

    #[allow(clippy::too_many_arguments)]
    fn enter(
        &mut self,
        net: &Network,
        c: &mut Component,
        x: &mut Scratch,
        slot: u32,
        v: u32,
        parent: u32,
        protector: u32,
    ) {
        let vi = v as usize;
        let t = c.order.len() as u32;
        c.order.push(v);
        x.loops_at.push(0);
        x.trafos_at.push(0);
        x.low.push(t);
        self.comp[vi] = slot;
        self.tin[vi] = t;
        self.size[vi] = 1;
        self.parent[vi] = parent;
        self.protector[vi] = protector;
        for s in net.sources_at(PointId(v)) {
            if !self.state.source_passes(s) {
                continue;
            }
            if parent == SRC | s.0 {
                c.sources.insert(0, s.0);
            } else {
                // A second feed from the transmission side: a loop through the virtual root.
                x.low[t as usize] = 0;
                x.loops_at[t as usize] += 1;
                c.sources.push(s.0);
                c.loop_lines.push(SRC | s.0);
            }
        }
    }

    /// Whether the point is energized.
    ///
    /// # Panics
    /// If `point` is not a point of this network.
    #[must_use]
    pub fn is_energized(&self, point: PointId) -> bool {
        self.comp[point.index()] != NONE
    }

    /// The energized points, component by component in depth-first order.
    pub fn energized_points(&self) -> impl Iterator<Item = PointId> + '_ {
        self.live_components()
            .flat_map(|c| c.order[1..].iter().map(|&p| PointId(p)))
    }

    /// How many points are energized.
    #[must_use]
    pub fn energized_count(&self) -> usize {
        self.live_components().map(|c| c.len() as usize).sum()
    }

    fn live_components(&self) -> impl Iterator<Item = &Component> + '_ {
        self.comps.iter().filter(|c| c.order.len() > 1)
    }

    /// The sources feeding the component of a point (empty if it is not energized).
    #[must_use]
    pub fn feeding_sources(&self, point: PointId) -> Vec<SourceId> {
        match self.comp[point.index()] {
            NONE => Vec::new(),
            c => self.comps[c as usize]
                .sources
                .iter()
                .map(|&s| SourceId(s))
                .collect(),
        }
    }

    /// What closes each loop of the energized components: a passing line outside the
    /// depth-first tree, or a second source feeding the same component (a loop through the
    /// transmission side). Removing any one of them alone cuts nothing off. Empty for a radial
    /// network. Sorted.
    #[must_use]
    pub fn loops(&self) -> Vec<ElementId> {
        let mut v: Vec<ElementId> = self
            .live_components()
            .flat_map(|c| c.loop_lines.iter())
            .map(|&code| match code {
                c if c & SRC != 0 => ElementId::Source(SourceId(c & !SRC)),
                c => ElementId::Line(LineId(c)),
            })
            .collect();
        v.sort_unstable_by_key(|e| match *e {
            ElementId::Line(l) => (0, l.0),
            ElementId::Source(s) => (1, s.0),
            ElementId::Point(p) => (2, p.0),
        });
        v
    }

    /// Whether any energized component is meshed (has a loop or more than one source).
    #[must_use]
    pub fn is_meshed(&self) -> bool {
        self.live_components()
            .any(|c| *c.pre_loops.last().unwrap_or(&0) > 0)
    }

    /// The nearest upstream protective device of an energized point, from the index.
    #[must_use]
    pub fn protector(&self, point: PointId) -> Option<Trip> {
        decode_trip(self.protector[point.index()])
    }

    /// The depth-first subtree of a point: `(component, first, last)`.
    fn subtree(&self, v: u32) -> (u32, u32, u32) {
        let vi = v as usize;
        (
            self.comp[vi],
            self.tin[vi],
            self.tin[vi] + self.size[vi] - 1,
        )
    }

    /// Whether everything below `v` hangs on `v`'s parent line alone.
    fn hangs(&self, v: u32) -> bool {
        self.hangs.get(v as usize)
    }

    pub(crate) fn component(&self, c: u32) -> &Component {
        &self.comps[c as usize]
    }
    pub(crate) fn comp_tin(&self, p: u32) -> (u32, u32) {
        (self.comp[p as usize], self.tin[p as usize])
    }

    /// The scope of a set of operations against the indexed state: what is energized now and
    /// not after the operations (applied in order). The index is not changed.
    ///
    /// # Errors
    /// [`NetworkError::Refused`] or [`NetworkError::IdOutOfRange`] for an operation that does not
    /// fit, as [`NetworkState::apply`].
    pub fn scope(&self, ops: &[Operation]) -> Result<Scope, NetworkError> {
        let changes = self.state.changes(&self.net, ops)?;
        Ok(self.scope_of_changes(changes))
    }

    pub(crate) fn scope_of_changes(&self, changes: Vec<(ElementId, Condition)>) -> Scope {
        let net = &*self.net;
        let delta = Delta::new(&self.state, &changes);
        let mut raw: Vec<(u32, u32, u32, bool)> = Vec::new();
        let mut removed_lines: Vec<u32> = Vec::new();
        for &(l, after) in &delta.lines {
            if after {
                continue;
            }
            let (a, b) = net.line_ends(LineId(l));
            if self.comp[a.index()] == NONE || self.comp[b.index()] == NONE {
                continue;
            }
            removed_lines.push(l);
            for child in [a.0, b.0] {
                if self.parent[child as usize] == l {
                    let (c, s, e) = self.subtree(child);
                    raw.push((c, s, e, self.hangs(child)));
                }
            }
        }
        for &(p, after) in &delta.points {
            if !after && self.comp[p as usize] != NONE {
                let (c, s, e) = self.subtree(p);
                raw.push((c, s, e, self.hangs(p)));
            }
        }
        for &(s, after) in &delta.sources {
            let p = net.source(SourceId(s)).point.0;
            if !after && self.comp[p as usize] != NONE && self.parent[p as usize] == SRC | s {
                let (c, st, e) = self.subtree(p);
                raw.push((c, st, e, self.hangs(p)));
            }
        }
        let cuts = Cuts::new(raw);
        let simple = !delta.any_added && cuts.ranges.iter().all(|r| r.3);
        let mut scope = Scope::empty(self.version, changes);
        scope.removed_lines = removed_lines;
        if simple {
            for &(c, s, e, _) in &cuts.ranges {
                scope.summary.add(&self.comps[c as usize].sums(s, e));
                scope.ranges.push((c, s, e));
            }
        } else {
            scope.meshed = true;
            self.search(&delta, &cuts, &mut scope);
        }
        self.count_removed_transformers(&mut scope);
        scope
    }

    /// Settles cut ranges that may still be fed another way, and areas the operations energize.
    fn search(&self, delta: &Delta, cuts: &Cuts, scope: &mut Scope) {
        let net = &*self.net;
        let st = &self.state;
        let line_after =
            |l: u32| Delta::lookup(&delta.lines, l).unwrap_or_else(|| st.line_passes(LineId(l)));
        let point_after =
            |p: u32| Delta::lookup(&delta.points, p).unwrap_or_else(|| st.point_passes(PointId(p)));
        let source_after = |s: u32| {
            Delta::lookup(&delta.sources, s).unwrap_or_else(|| st.source_passes(SourceId(s)))
        };
        // A range is searched if something may feed it again; otherwise it is lost whole.
        let searched = |k: usize| delta.any_added || !cuts.ranges[k].3;
        let mut seen = vec![false; cuts.total()];
        let mut restored: HashSet<u32> = HashSet::new();
        let mut queue: Vec<u32> = Vec::new();
        // Where a point stands: Err(true) anchor (energized before and after, outside all cuts),
        // Err(false) not enterable, Ok(Some(slot)) an enterable cut point, Ok(None) an enterable
        // point that was not energized before.
        let place = |p: u32| -> Result<Option<usize>, bool> {
            let c = self.comp[p as usize];
            if c == NONE {
                return if point_after(p) { Ok(None) } else { Err(false) };
            }
            match cuts.find(c, self.tin[p as usize]) {
                None => Err(true),
                Some(k) if searched(k) && point_after(p) => Ok(Some(
                    cuts.offsets[k] + (self.tin[p as usize] - cuts.ranges[k].1) as usize,
                )),
                Some(_) => Err(false),
            }
        };
        let fed_directly = |p: u32| {
            net.sources_at(PointId(p)).any(|s| source_after(s.0))
                || net
                    .neighbours(PointId(p))
                    .iter()
                    .any(|&(w, l)| line_after(l) && place(w) == Err(true))
        };
        let visit =
            |p: u32, seen: &mut Vec<bool>, restored: &mut HashSet<u32>, queue: &mut Vec<u32>| {
                match place(p) {
                    Ok(Some(slot)) if !seen[slot] => {
                        seen[slot] = true;
                        queue.push(p);
                    }
                    Ok(None) if restored.insert(p) => queue.push(p),
                    _ => {}
                }
            };
        // Seeds: cut points fed directly from outside the cuts or by a source.
        for (k, &(c, s, e, _)) in cuts.ranges.iter().enumerate() {
            if !searched(k) {
                continue;
            }
            let comp = &self.comps[c as usize];
            for t in s..=e {
                let p = comp.order[t as usize];
                if point_after(p) && fed_directly(p) {
                    visit(p, &mut seen, &mut restored, &mut queue);
                }
            }
        }
        // Seeds: de-energized points that the added lines, points and sources feed directly.
        for &(l, after) in &delta.lines {
            if after {
                let (a, b) = net.line_ends(LineId(l));
                for (x, y) in [(a.0, b.0), (b.0, a.0)] {
                    if place(y) == Err(true) && point_after(y) {
                        visit(x, &mut seen, &mut restored, &mut queue);
                    }
                }
            }
        }
        for &(p, after) in &delta.points {
            if after && fed_directly(p) {
                visit(p, &mut seen, &mut restored, &mut queue);
            }
        }
        for &(s, after) in &delta.sources {
            let p = net.source(SourceId(s)).point.0;
            if after && point_after(p) {
                visit(p, &mut seen, &mut restored, &mut queue);
            }
        }
        while let Some(p) = queue.pop() {
            for &(w, l) in net.neighbours(PointId(p)) {
                if line_after(l) {
                    visit(w, &mut seen, &mut restored, &mut queue);
                }
            }
        }
        // Lost: every cut point not reached.
        for (k, &(c, s, e, _)) in cuts.ranges.iter().enumerate() {
            let comp = &self.comps[c as usize];
            if !searched(k) {
                scope.summary.add(&comp.sums(s, e));
                scope.ranges.push((c, s, e));
                continue;
            }
            let base = cuts.offsets[k];
            for t in s..=e {
                if !seen[base + (t - s) as usize] {
                    let p = comp.order[t as usize];
                    scope.points.push(p);
                }
            }
        }
        scope.points.sort_unstable();
        for &p in &scope.points {
            scope.summary.points += 1;
            for &k in net.customers_at(PointId(p)) {
                let (load, imp) = net.customer_load(k);
                scope.summary.customers += 1;
                scope.summary.critical_customers += usize::from(imp.is_critical());
                scope.summary.load_kw += load;
            }
        }
        // Transformers lost among listed points: count each passing-before transformer with a
        // lost end once.
        for &p in &scope.points {
            for &(w, l) in net.neighbours(PointId(p)) {
                let lid = LineId(l);
                if !net.line(lid).is_transformer() || !st.line_passes(lid) {
                    continue;
                }
                if self.comp[w as usize] == NONE {
                    continue;
                }
                if !scope.contains_point(self, w) || p < w {
                    scope.summary.transformers += 1;
                }
            }
        }
        let mut r: Vec<u32> = restored.into_iter().collect();
        r.sort_unstable();
        scope.summary.restored_points = r.len();
        scope.restored = r;
    }

    /// Removed transformers whose ends both stay energized are lost too (a parallel unit taken
    /// out): they are in no cut range, so they are counted here.
    fn count_removed_transformers(&self, scope: &mut Scope) {
        let net = &*self.net;
        for &l in &scope.removed_lines {
            let lid = LineId(l);
            if !net.line(lid).is_transformer() {
                continue;
            }
            let (a, b) = net.line_ends(lid);
            if !scope.contains_point(self, a.0) && !scope.contains_point(self, b.0) {
                scope.summary.transformers += 1;
            }
        }
    }

    /// The fault of an element: the protective devices that trip and the resulting scope.
    ///
    /// On a radial part the answer comes from the index: the nearest protective switch upstream
    /// (or the source, if there is none) trips and everything below it is lost. On a meshed part
    /// the fault's protection zone is searched: every protective switch bounding it that still
    /// connects to a source trips, and so does every source inside the zone.
    ///
    /// # Errors
    /// [`NetworkError::Refused`] if the element is already faulted, [`NetworkError::IdOutOfRange`]
    /// for an id not of this network.
    pub fn fault(&self, element: ElementId) -> Result<FaultOutcome, NetworkError> {
        let net = &*self.net;
        net.check(element)?;
        let fault = Operation::fault(element);
        let faulted = fault.apply_to(net, self.state.condition(element))?;
        let mut changes = vec![(element, faulted)];
        let (tripped, meshed) = self.trips(element);
        for t in &tripped {
            match *t {
                Trip::Switch(l) => changes.push((
                    ElementId::Line(l),
                    Condition {
                        open: true,
                        ..self.state.condition(ElementId::Line(l))
                    },
                )),
                Trip::Source(s) if ElementId::Source(s) != element => changes.push((
                    ElementId::Source(s),
                    Condition {
                        out_of_service: true,
                        ..self.state.condition(ElementId::Source(s))
                    },
                )),
                Trip::Source(_) => {}
            }
        }
        let scope = self.scope_of_changes(changes);
        Ok(FaultOutcome {
            element,
            tripped,
            meshed,
            scope,
        })
    }

    /// Which devices trip for a fault on `element`, and whether the meshed search was needed.
    fn trips(&self, element: ElementId) -> (Vec<Trip>, bool) {
        let net = &*self.net;
        // The point whose upstream protector clears the fault, if the element is energized.
        let start = match element {
            ElementId::Point(p) => (self.comp[p.index()] != NONE).then_some(p.0),
            ElementId::Line(l) => {
                let (a, b) = net.line_ends(l);
                let (ea, eb) = (self.comp[a.index()] != NONE, self.comp[b.index()] != NONE);
                if !self.state.line_passes(l) || !(ea || eb) {
                    None
                } else if ea && eb && self.parent[b.index()] == l.0 {
                    Some(a.0)
                } else if ea && eb && self.parent[a.index()] == l.0 {
                    Some(b.0)
                } else {
                    return (self.zone_trips(element), true);
                }
            }
            ElementId::Source(s) => {
                let p = net.source(s).point;
                let live = self.state.source_passes(s) && self.comp[p.index()] != NONE;
                return (
                    if live {
                        vec![Trip::Source(s)]
                    } else {
                        Vec::new()
                    },
                    false,
                );
            }
        };
        let Some(start) = start else {
            return (Vec::new(), false);
        };
        let code = self.protector[start as usize];
        // The top of what the protector feeds: the child end of the protective line, or the root.
        let top = if code & SRC != 0 {
            net.source(SourceId(code & !SRC)).point.0
        } else {
            let (a, b) = net.line_ends(LineId(code));
            if self.parent[b.index()] == code {
                b.0
            } else {
                a.0
            }
        };
        let (c, s, e) = self.subtree(top);
        let comp = &self.comps[c as usize];
        let radial = comp.pre_loops[e as usize] - comp.pre_loops[(s - 1) as usize] == 0;
        if radial {
            (decode_trip(code).into_iter().collect(), false)
        } else {
            (self.zone_trips(element), true)
        }
    }

    /// The points reached from `element` through passing lines that `bounds` does not stop at
    /// (only energized points if `energized_only`), and the passing lines it stopped at with
    /// their far ends. The element itself is never crossed.
    fn zone(
        &self,
        element: ElementId,
        bounds: impl Fn(&super::model::Line) -> bool,
        energized_only: bool,
    ) -> Zone {
        let net = &*self.net;
        let st = &self.state;
        let mut z = Zone::default();
        let admit = |p: u32| !energized_only || self.comp[p as usize] != NONE;
        let skip_line = match element {
            ElementId::Line(l) => {
                let (a, b) = net.line_ends(l);
                for p in [a.0, b.0] {
                    if admit(p) && z.contains.insert(p) {
                        z.points.push(p);
                    }
                }
                l.0
            }
            ElementId::Point(p) => {
                if admit(p.0) {
                    z.contains.insert(p.0);
                    z.points.push(p.0);
                }
                NONE
            }
            ElementId::Source(_) => NONE,
        };
        let mut i = 0;
        while i < z.points.len() {
            let p = z.points[i];
            i += 1;
            for &(w, l) in net.neighbours(PointId(p)) {
                let lid = LineId(l);
                if l == skip_line || !admit(w) {
                    continue;
                }
                if bounds(net.line(lid)) {
                    z.bounds.push((l, w));
                } else if st.line_passes(lid) && z.contains.insert(w) {
                    z.points.push(w);
                }
            }
        }
        // A bounding line with both ends in the zone bounds nothing.
        z.bounds.retain(|(_, w)| !z.contains.contains(w));
        z.bounds.sort_unstable();
        z.bounds.dedup();
        z
    }

    /// The passing sources inside a zone.
    fn zone_sources(&self, zone: &Zone, except: ElementId) -> Vec<SourceId> {
        let net = &*self.net;
        let mut v: Vec<SourceId> = zone
            .points
            .iter()
            .flat_map(|&p| net.sources_at(PointId(p)))
            .filter(|&s| self.state.source_passes(s) && ElementId::Source(s) != except)
            .collect();
        v.sort_unstable();
        v
    }

    /// Splits the passing bounding lines of a zone into those whose far side still reaches a
    /// source once the zone is cut out (they feed the zone) and the others.
    fn feeders_of(&self, zone: &Zone) -> (Vec<LineId>, Vec<LineId>) {
        let st = &self.state;
        let cut: Vec<(ElementId, Condition)> = zone
            .points
            .iter()
            .map(|&p| {
                let e = ElementId::Point(PointId(p));
                (
                    e,
                    Condition {
                        faulted: true,
                        ..st.condition(e)
                    },
                )
            })
            .collect();
        let without_zone = self.scope_of_changes(cut);
        let (mut feeding, mut fed) = (Vec::new(), Vec::new());
        for &(l, far) in &zone.bounds {
            if !st.line_passes(LineId(l)) || self.comp[far as usize] == NONE {
                continue;
            }
            if without_zone.contains_point(self, far) {
                fed.push(LineId(l));
            } else {
                feeding.push(LineId(l));
            }
        }
        (feeding, fed)
    }

    /// The general rule: search the fault's protection zone (bounded by protective switches);
    /// each passing bounding switch whose far side still reaches a source once the zone is cut
    /// out trips, and so does each source inside the zone.
    fn zone_trips(&self, element: ElementId) -> Vec<Trip> {
        if matches!(element, ElementId::Source(_)) {
            return Vec::new();
        }
        let zone = self.zone(element, super::model::Line::is_protective, true);
        let mut trips: Vec<Trip> = self
            .zone_sources(&zone, element)
            .into_iter()
            .map(Trip::Source)
            .collect();
        trips.extend(self.feeders_of(&zone).0.into_iter().map(Trip::Switch));
        trips.sort_unstable();
        trips.dedup();
        trips
    }

    /// Plans the outage of a device for work. The work zone is every point the device reaches
    /// through passing lines other than switches. The isolators are the closed switches on the
    /// zone's edge whose far side could feed it (it still reaches a source once the zone is cut
    /// out): upstream switches, and on meshed parts every feeding side. Closed switches on the
    /// edge whose far side has no other supply need not be opened; they are listed in
    /// [`PlannedOutage::downstream`].
    ///
    /// # Errors
    /// [`NetworkError::Refused`] if the element is already out of service,
    /// [`NetworkError::IdOutOfRange`] for an id not of this network.
    pub fn planned_outage(&self, element: ElementId) -> Result<PlannedOutage, NetworkError> {
        let net = &*self.net;
        let st = &self.state;
        net.check(element)?;
        Operation::take_out(element).apply_to(net, st.condition(element))?;
        let zone = self.zone(element, |l| l.as_switch().is_some(), false);
        let (isolators, downstream) = self.feeders_of(&zone);
        let already_open: Vec<LineId> = zone
            .bounds
            .iter()
            .map(|&(l, _)| LineId(l))
            .filter(|&l| !st.line_passes(l))
            .collect();
        let sources = self.zone_sources(&zone, element);
        let mut operations: Vec<Operation> =
            isolators.iter().map(|&l| Operation::open(l)).collect();
        operations.push(Operation::take_out(element));
        operations.extend(
            sources
                .iter()
                .map(|&s| Operation::take_out(ElementId::Source(s))),
        );
        let scope = self.scope(&operations)?;
        Ok(PlannedOutage {
            element,
            isolators,
            downstream,
            already_open,
            sources,
            operations,
            scope,
        })
    }

    /// For every switch, what opening it alone cuts off in the indexed state, in one pass over
    /// the switches (O(1) each from the prefix sums). Index the normal state for the classic
    /// exposure table.
    #[must_use]
    pub fn exposure(&self) -> Exposure {
        let net = &*self.net;
        let mut x = Exposure::default();
        for l in net.line_ids() {
            if net.line(l).as_switch().is_none() {
                continue;
            }
            let (a, b) = net.line_ends(l);
            let (kind, sums) = if !self.state.line_passes(l) {
                (ExposureKind::NotPassing, ScopeSummary::default())
            } else if self.comp[a.index()] == NONE || self.comp[b.index()] == NONE {
                (ExposureKind::Deenergized, ScopeSummary::default())
            } else {
                let child = if self.parent[b.index()] == l.0 {
                    Some(b.0)
                } else if self.parent[a.index()] == l.0 {
                    Some(a.0)
                } else {
                    None
                };
                match child {
                    Some(v) if self.hangs(v) => {
                        let (c, s, e) = self.subtree(v);
                        (ExposureKind::Radial, self.comps[c as usize].sums(s, e))
                    }
                    _ => (ExposureKind::Meshed, ScopeSummary::default()),
                }
            };
            x.switches.push(l);
            x.kinds.push(kind);
            x.points.push(sums.points as u32);
            x.customers.push(sums.customers as u32);
            x.critical_customers.push(sums.critical_customers as u32);
            x.transformers.push(sums.transformers as u32);
            x.load_kw.push(sums.load_kw);
        }
        x
    }

    /// Applies operations to the indexed state and renumbers only the components they touch.
    /// On a refusal nothing changes.
    ///
    /// # Errors
    /// As [`NetworkState::apply`].
    pub fn apply(&mut self, ops: &[Operation]) -> Result<Applied, NetworkError> {
        let net = Arc::clone(&self.net);
        let changes = self.state.changes(&net, ops)?;
        let mut comps: Vec<u32> = Vec::new();
        let mut extra: Vec<u32> = Vec::new();
        let mut changed = 0;
        for &(e, c) in &changes {
            if self.state.condition(e) == c {
                continue;
            }
            changed += 1;
            match e {
                ElementId::Line(l) => {
                    let (a, b) = net.line_ends(l);
                    comps.extend([self.comp[a.index()], self.comp[b.index()]]);
                }
                ElementId::Point(p) => {
                    comps.push(self.comp[p.index()]);
                    comps.extend(
                        net.neighbours(p)
                            .iter()
                            .map(|&(w, _)| self.comp[w as usize]),
                    );
                    extra.push(p.0);
                }
                ElementId::Source(s) => {
                    let p = net.source(s).point;
                    comps.push(self.comp[p.index()]);
                    extra.push(p.0);
                }
            }
            self.state.set_condition(e, c);
        }
        if changed == 0 {
            return Ok(Applied::default());
        }
        comps.retain(|&c| c != NONE);
        comps.sort_unstable();
        comps.dedup();
        let mut points = extra;
        for &c in &comps {
            let comp = std::mem::take(&mut self.comps[c as usize]);
            for &p in &comp.order[1..] {
                self.comp[p as usize] = NONE;
                self.parent[p as usize] = NONE;
                self.protector[p as usize] = NONE;
                points.push(p);
            }
            self.free.push(c);
        }
        let mut roots: Vec<u32> = points
            .iter()
            .flat_map(|&p| net.sources_at(PointId(p)))
            .map(|s| s.0)
            .collect();
        roots.sort_unstable();
        roots.dedup();
        let (built, rebuilt_points) = self.build_from(&roots);
        self.version = next_version();
        Ok(Applied {
            changed_elements: changed,
            rebuilt_components: built,
            rebuilt_points,
        })
    }

    /// The points not energized after each scenario (a list of operations applied to the
    /// indexed state): every unsupplied point, not only those a scenario cuts off, as in a
    /// study that compares whole states. The result is compressed: scenario `k` owns
    /// `points[offsets[k]..offsets[k + 1]]`, sorted. The points unsupplied before are found
    /// once; each scenario then costs its scope plus the merge.
    ///
    /// # Errors
    /// As [`Topology::scope`], for the first scenario that fails.
    pub fn unsupplied_batch<'a>(
        &self,
        scenarios: impl IntoIterator<Item = &'a [Operation]>,
    ) -> Result<UnsuppliedBatch, NetworkError> {
        let base: Vec<PointId> = self
            .net
            .point_ids()
            .filter(|&p| !self.is_energized(p))
            .collect();
        let mut out = UnsuppliedBatch {
            offsets: vec![0],
            points: Vec::new(),
        };
        for ops in scenarios {
            let scope = self.scope(ops)?;
            let lost = scope.point_ids(self)?;
            let restored = &scope.restored;
            // Merge the sorted base (minus restored points) with the sorted lost points.
            let (mut i, mut j) = (0, 0);
            while i < base.len() || j < lost.len() {
                let next = match (base.get(i), lost.get(j)) {
                    (Some(&b), Some(&l)) if l < b => {
                        j += 1;
                        l
                    }
                    (Some(&b), _) => {
                        i += 1;
                        if restored.binary_search(&b.0).is_ok() {
                            continue;
                        }
                        b
                    }
                    (None, Some(&l)) => {
                        j += 1;
                        l
                    }
                    (None, None) => break,
                };
                out.points.push(next);
            }
            out.offsets.push(out.points.len());
        }
        Ok(out)
    }

    /// Bytes of memory the index holds (excluding the shared network).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.state.memory_bytes()
            + self.hangs.heap_bytes()
            + (self.comp.capacity()
                + self.tin.capacity()
                + self.size.capacity()
                + self.parent.capacity()
                + self.protector.capacity())
                * 4
            + self.comps.iter().map(Component::heap_bytes).sum::<usize>()
            + self.comps.capacity() * std::mem::size_of::<Component>()
    }

    /// Refuses a scope made against another version of the index.
    pub(crate) fn check_scope(&self, scope: &Scope) -> Result<(), NetworkError> {
        if scope.version == self.version {
            Ok(())
        } else {
            Err(NetworkError::StaleScope {
                scope: scope.version,
                topology: self.version,
            })
        }
    }
}

fn decode_trip(code: u32) -> Option<Trip> {
    match code {
        NONE => None,
        c if c & SRC != 0 => Some(Trip::Source(SourceId(c & !SRC))),
        c => Some(Trip::Switch(LineId(c))),
    }
}
