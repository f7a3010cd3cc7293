//! Building the index (depth-first numbering, low-links, prefix sums), keeping it current
//! as operations are applied, and the direct queries it answers.

use super::*;

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

/// Per-component temporaries of the depth-first numbering, indexed by local number.
struct Scratch {
    loops_at: Vec<u32>,
    trafos_at: Vec<u32>,
    low: Vec<u32>,
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
        if !c.loop_lines.is_empty() {
            let mut acc = vec![0u64; len];
            for &code in &c.loop_lines {
                let label = loop_label(code);
                if code & SRC != 0 {
                    let p = net.source(SourceId(code & !SRC)).point;
                    acc[self.tin[p.index()] as usize] ^= label;
                } else {
                    let (a, b) = net.line_ends(LineId(code));
                    acc[self.tin[a.index()] as usize] ^= label;
                    acc[self.tin[b.index()] as usize] ^= label;
                }
            }
            for t in 1..len {
                acc[t] ^= acc[t - 1];
            }
            c.pre_xor = acc;
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
    pub(super) fn subtree(&self, v: u32) -> (u32, u32, u32) {
        let vi = v as usize;
        (
            self.comp[vi],
            self.tin[vi],
            self.tin[vi] + self.size[vi] - 1,
        )
    }

    /// Whether everything below `v` hangs on `v`'s parent line alone.
    pub(super) fn hangs(&self, v: u32) -> bool {
        self.hangs.get(v as usize)
    }

    /// The code of the line a point hangs from in the depth-first tree (`SRC | source` at a
    /// root, `NONE` if the point is not energized).
    pub(crate) fn parent_code(&self, p: u32) -> u32 {
        self.parent[p as usize]
    }

    /// The lines from energized point `p` up to its source in the depth-first tree, each with
    /// the point that hangs from it (`p`'s own parent line first); none at a source's point
    /// or for a point that is not energized.
    pub(crate) fn lines_up(&self, p: u32) -> impl Iterator<Item = (u32, LineId)> + '_ {
        let net = &**self.network();
        let mut v = p;
        std::iter::from_fn(move || {
            let code = self.parent_code(v);
            if code == NONE || code & SRC != 0 {
                return None;
            }
            let (l, below) = (LineId(code), v);
            let (a, b) = net.line_ends(l);
            v = if a.0 == v { b.0 } else { a.0 };
            Some((below, l))
        })
    }

    /// The counts and load of everything at and below an energized point in the depth-first
    /// tree, in O(1).
    pub(crate) fn below(&self, p: u32) -> ScopeSummary {
        let (c, s, e) = self.subtree(p);
        self.comps[c as usize].sums(s, e)
    }

    /// The depth-first range `(component, first, last)` of an energized point.
    pub(crate) fn range_of(&self, p: u32) -> (u32, u32, u32) {
        self.subtree(p)
    }

    /// The energized components with their slot numbers.
    pub(crate) fn components(&self) -> impl Iterator<Item = (u32, &Component)> + '_ {
        self.comps
            .iter()
            .enumerate()
            .filter(|(_, c)| c.order.len() > 1)
            .map(|(i, c)| (i as u32, c))
    }

    pub(crate) fn component(&self, c: u32) -> &Component {
        &self.comps[c as usize]
    }
    pub(crate) fn comp_tin(&self, p: u32) -> (u32, u32) {
        (self.comp[p as usize], self.tin[p as usize])
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
