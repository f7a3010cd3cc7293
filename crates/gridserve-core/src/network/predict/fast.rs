//! The switch-section tree behind the prediction: what each section's FLISR plan gives, derived
//! without building the plan.
//!
//! On a radial component fed by one source, the switch sections form a tree (sections as
//! nodes, the closed switches between them as edges), and the plan of a fault in section `S`
//! ([`Topology::restoration_plan`]) follows from it:
//!
//! - the trip is the point's protector; everything below it is out;
//! - the isolating steps open `S`'s parent switch and its child switches (remote ones first,
//!   the upstream one first, then by id), except the tripped one;
//! - the re-close restores everything out but `S`'s subtree;
//! - the dead area is `S`'s subtree without `S`; each tie from it to a live point has the
//!   headroom of its far point's source and path; a tie grows over the section tree
//!   breadth-first within that headroom, drops what would overload a rated line inside (fed
//!   from the tie), and the tie restoring the most goes first, after the splits that cut off
//!   what it does not take.
//!
//! That is the planner's logic case by case, on per-section sums and per-tie headroom computed
//! once, with buffers reused from one section to the next. Components with a loop or more than
//! one source fall back to the planner itself.

use super::super::capacity::CapacityOptions;
use super::super::model::{LineId, Network, PointId, SourceId};
use super::super::restore::RestorationOptions;
use super::super::scope::Trip;
use super::super::topology::{NONE, SRC, Topology};

/// One step of an outcome: its switching time class and what it restores.
#[derive(Debug, Clone, Copy)]
pub(super) struct StepOut {
    /// Whether the step takes the manual switching time (a manual line), else the remote one.
    pub(super) manual: bool,
    pub(super) customers: usize,
    pub(super) load_kw: f64,
}

/// What the prediction reads of a plan.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub(super) customers_out: usize,
    pub(super) load_out_kw: f64,
    pub(super) steps: Vec<StepOut>,
    pub(super) customers_remaining: usize,
    pub(super) load_remaining_kw: f64,
}

/// The switch sections of the energized network and, on radial single-source components,
/// their tree.
pub(super) struct SectionTree<'a> {
    topo: &'a Topology,
    net: &'a Network,
    cap: CapacityOptions,
    /// Per point: its section, `NONE` if not energized.
    sec: Vec<u32>,
    /// Per section: the point nearest the source (least depth-first number).
    top: Vec<u32>,
    /// Per section: its least point id (the planner numbers dead sections in that order).
    min_point: Vec<u32>,
    /// Per section: whether its component is radial with one source (the fast path applies).
    radial: Vec<bool>,
    /// Per section: customers and load.
    customers: Vec<u32>,
    load_kw: Vec<f64>,
    /// Per section: the switch it hangs from (`NONE` at the root).
    parent_sw: Vec<u32>,
    /// Per section: `(switch, other section)` links to its parent and children, sorted.
    link_start: Vec<u32>,
    links: Vec<(u32, u32)>,
    /// Per section: usable open ties `(tie, near point, far point)` to an energized point of
    /// another section, sorted.
    tie_start: Vec<u32>,
    ties: Vec<(u32, u32, u32)>,
    /// Per section: the least usable limit of a rated line inside it (kVA; infinite if none).
    min_usable_kva: Vec<f64>,
    /// Per point: the load of its customers, kW.
    point_load: Vec<f64>,
    /// Per section: whether every rated line inside it is within its usable limit when it
    /// carries all the load below it in the depth-first tree (fed from the top, it carries
    /// no more than that).
    safe_from_top: Vec<bool>,
    /// Per component slot: its sections that hold a tie, ordered by the depth-first number
    /// of their tops (`tie_sec_tin`).
    comp_start: Vec<u32>,
    tie_secs: Vec<u32>,
    tie_sec_tin: Vec<u32>,
}

/// Buffers reused from one section to the next.
pub(super) struct Scratch {
    stamp: u32,
    restored: Vec<u32>,
    in_set: Vec<u32>,
    dropped: Vec<u32>,
    /// `(section, from section, switch)` in the order a tie takes them.
    taken: Vec<(u32, u32, u32)>,
    best_taken: Vec<(u32, u32, u32)>,
    candidates: Vec<u32>,
    isolators: Vec<(bool, bool, u32)>,
    splits: Vec<u32>,
    /// Line checks: visit stamps, parents, flows and the visiting order of points; the load
    /// a taken section and what the tie feeds through it carry (`through`), and the load
    /// hanging at a point from taken sections beyond it (`extra`, valid where `extra_mark`).
    seen: Vec<u32>,
    par: Vec<u32>,
    flow: Vec<f64>,
    order: Vec<(u32, u32)>,
    through: Vec<f64>,
    extra: Vec<f64>,
    extra_mark: Vec<u32>,
    /// Load added to components and rated lines by the plan's transfers so far.
    added_comp: Vec<f64>,
    added_comp_mark: Vec<u32>,
    added_line: Vec<f64>,
    touched_lines: Vec<u32>,
    touched_comps: Vec<u32>,
    /// The headroom of each tie's far point with nothing lost or added (NaN: not yet known).
    tie_headroom: Vec<f64>,
}

impl<'a> SectionTree<'a> {
    /// Builds the sections from `root`, each energized point's section representative (any
    /// point of the section, the same for all its points; `NONE` if not energized).
    pub(super) fn new(topo: &'a Topology, options: &RestorationOptions, root: &[u32]) -> Self {
        let net = &**topo.network();
        let st = topo.state();
        let n = net.point_count();
        let mut sec = vec![NONE; n];
        let mut dense = vec![NONE; n];
        let mut count = 0u32;
        for p in 0..n {
            let r = root[p];
            if r == NONE {
                continue;
            }
            if dense[r as usize] == NONE {
                dense[r as usize] = count;
                count += 1;
            }
            sec[p] = dense[r as usize];
        }
        drop(dense);
        let m = count as usize;
        let mut top = vec![NONE; m];
        let mut top_tin = vec![u32::MAX; m];
        let mut min_point = vec![NONE; m];
        let mut customers = vec![0u32; m];
        let mut load_kw = vec![0.0f64; m];
        let mut point_load = vec![0.0f64; n];
        let mut comp_of = vec![NONE; m];
        for p in 0..n {
            let k = sec[p];
            if k == NONE {
                continue;
            }
            let k = k as usize;
            let (c, t) = topo.comp_tin(p as u32);
            comp_of[k] = c;
            if t < top_tin[k] {
                top_tin[k] = t;
                top[k] = p as u32;
            }
            if min_point[k] == NONE {
                min_point[k] = p as u32;
            }
            let cs = net.customers_at(PointId(p as u32));
            let mut load = 0.0;
            for &c in cs {
                load += net.customer_load(c).0;
            }
            point_load[p] = load;
            customers[k] += cs.len() as u32;
            load_kw[k] += load;
        }
        // Radial single-source components.
        let mut comp_slots = 0usize;
        for (c, _) in topo.components() {
            comp_slots = comp_slots.max(c as usize + 1);
        }
        let mut comp_radial = vec![false; comp_slots];
        for (c, comp) in topo.components() {
            comp_radial[c as usize] =
                comp.sources.len() == 1 && comp.pre_loops.last().copied().unwrap_or(0) == 0;
        }
        let radial: Vec<bool> = comp_of.iter().map(|&c| comp_radial[c as usize]).collect();
        // Parents and links.
        let mut parent_sw = vec![NONE; m];
        let mut link_count = vec![0u32; m + 1];
        let mut parent_sec = vec![NONE; m];
        for k in 0..m {
            if !radial[k] {
                continue;
            }
            let code = topo.parent_code(top[k]);
            if code == NONE || code & SRC != 0 {
                continue;
            }
            let (a, b) = net.line_ends(LineId(code));
            let up = if a.0 == top[k] { b.0 } else { a.0 };
            parent_sw[k] = code;
            parent_sec[k] = sec[up as usize];
            link_count[k] += 1;
            link_count[parent_sec[k] as usize] += 1;
        }
        let link_start = prefix(&link_count);
        let mut fill = link_start.clone();
        let mut links = vec![(0u32, 0u32); link_start[m] as usize];
        for k in 0..m {
            let ps = parent_sec[k];
            if ps == NONE {
                continue;
            }
            let sw = parent_sw[k];
            links[fill[k] as usize] = (sw, ps);
            fill[k] += 1;
            links[fill[ps as usize] as usize] = (sw, k as u32);
            fill[ps as usize] += 1;
        }
        for k in 0..m {
            links[link_start[k] as usize..link_start[k + 1] as usize].sort_unstable();
        }
        // Ties and the least usable limit inside each section.
        let mut tie_lists: Vec<(u32, (u32, u32, u32))> = Vec::new();
        let mut min_usable_kva = vec![f64::INFINITY; m];
        let mut safe_from_top = vec![true; m];
        for p in 0..n {
            let k = sec[p];
            if k == NONE || !radial[k as usize] {
                continue;
            }
            for &(w, l) in net.neighbours(PointId(p as u32)) {
                let lid = LineId(l);
                let line = net.line(lid);
                if line.as_switch().is_some() {
                    let c = st.condition(super::super::model::ElementId::Line(lid));
                    let usable = c.open && !c.faulted && !c.out_of_service;
                    let sw = sec[w as usize];
                    if st.is_open(lid) && usable && sw != NONE && sw != k {
                        tie_lists.push((k, (l, p as u32, w)));
                    }
                } else if st.line_passes(lid)
                    && sec[w as usize] == k
                    && let Some(limit) = options.capacity.line_limit_kva(net, lid)
                {
                    let u = options.capacity.usable(limit);
                    let slot = &mut min_usable_kva[k as usize];
                    *slot = slot.min(u);
                    // Seen from its child end: that end's load below, with a margin for the
                    // rounding of other summation orders.
                    if topo.parent_code(w) == l
                        && options.capacity.kva(topo.below(w).load_kw) * (1.0 + 1e-9) > u
                    {
                        safe_from_top[k as usize] = false;
                    }
                }
            }
        }
        tie_lists.sort_unstable();
        tie_lists.dedup();
        let mut tie_count = vec![0u32; m + 1];
        for &(k, _) in &tie_lists {
            tie_count[k as usize] += 1;
        }
        let tie_start = prefix(&tie_count);
        let ties: Vec<(u32, u32, u32)> = tie_lists.into_iter().map(|(_, t)| t).collect();
        // Sections holding a tie, by component and the depth-first number of their tops.
        let mut by_comp: Vec<(u32, u32, u32)> = (0..m as u32)
            .filter(|&k| tie_start[k as usize] < tie_start[k as usize + 1])
            .map(|k| (comp_of[k as usize], top_tin[k as usize], k))
            .collect();
        by_comp.sort_unstable();
        let mut comp_count = vec![0u32; comp_slots + 1];
        for &(c, _, _) in &by_comp {
            comp_count[c as usize] += 1;
        }
        let comp_start = prefix(&comp_count);
        let tie_secs: Vec<u32> = by_comp.iter().map(|&(_, _, k)| k).collect();
        let tie_sec_tin: Vec<u32> = by_comp.iter().map(|&(_, t, _)| t).collect();
        Self {
            topo,
            net,
            cap: options.capacity,
            sec,
            top,
            min_point,
            radial,
            customers,
            load_kw,
            parent_sw,
            link_start,
            links,
            tie_start,
            ties,
            min_usable_kva,
            safe_from_top,
            point_load,
            comp_start,
            tie_secs,
            tie_sec_tin,
        }
    }

    /// The section of an energized point.
    pub(super) fn section_of(&self, p: u32) -> u32 {
        self.sec[p as usize]
    }

    /// Whether the fast path applies to a section.
    pub(super) fn is_fast(&self, k: u32) -> bool {
        self.radial[k as usize]
    }

    /// Fresh buffers for [`Self::outcome`].
    pub(super) fn scratch(&self) -> Scratch {
        let m = self.top.len();
        let n = self.sec.len();
        Scratch {
            stamp: 0,
            restored: vec![0; m],
            in_set: vec![0; m],
            dropped: vec![0; m],
            taken: Vec::new(),
            best_taken: Vec::new(),
            candidates: Vec::new(),
            isolators: Vec::new(),
            splits: Vec::new(),
            seen: vec![0; n],
            par: vec![NONE; n],
            flow: vec![0.0; n],
            order: Vec::new(),
            through: vec![0.0; m],
            extra: vec![0.0; n],
            extra_mark: vec![0; n],
            added_comp: vec![0.0; self.comp_start.len()],
            added_comp_mark: vec![0; self.comp_start.len()],
            added_line: vec![0.0; self.net.line_count()],
            touched_lines: Vec::new(),
            touched_comps: Vec::new(),
            tie_headroom: vec![f64::NAN; self.ties.len()],
        }
    }

    fn links(&self, k: u32) -> &[(u32, u32)] {
        &self.links[self.link_start[k as usize] as usize..self.link_start[k as usize + 1] as usize]
    }

    fn ties(&self, k: u32) -> (usize, &[(u32, u32, u32)]) {
        let s = self.tie_start[k as usize] as usize;
        (s, &self.ties[s..self.tie_start[k as usize + 1] as usize])
    }

    fn remote(&self, l: u32) -> bool {
        self.net
            .line(LineId(l))
            .as_switch()
            .is_some_and(|s| s.remote)
    }

    fn is_switch(&self, l: u32) -> bool {
        self.net.line(LineId(l)).as_switch().is_some()
    }

    fn next_stamp(sc: &mut Scratch) -> u32 {
        sc.stamp += 1;
        sc.stamp
    }

    /// The outcome of the plan for a fault at point `p` of fast section `s` into `out`; false
    /// if the case is not one the tree derives (the caller then builds the plan).
    pub(super) fn outcome(&self, s: u32, p: u32, sc: &mut Scratch, out: &mut Outcome) -> bool {
        let topo = self.topo;
        let net = self.net;
        out.steps.clear();
        if sc.stamp > u32::MAX - (1 << 24) {
            // Stamps are compared for equality only: start again from zero before they wrap.
            sc.restored.fill(0);
            sc.in_set.fill(0);
            sc.dropped.fill(0);
            sc.seen.fill(0);
            sc.extra_mark.fill(0);
            sc.added_comp_mark.fill(0);
            sc.stamp = 0;
        }
        // Trip: the point's protector; everything below its top is out.
        let (trip_top, trip_line) = match topo.protector(PointId(p)) {
            Some(Trip::Switch(l)) => {
                let (a, b) = net.line_ends(l);
                (
                    if topo.parent_code(b.0) == l.0 {
                        b.0
                    } else {
                        a.0
                    },
                    l.0,
                )
            }
            Some(Trip::Source(src)) => (net.source(src).point.0, NONE),
            None => return false,
        };
        let trip_source = trip_line == NONE;
        let below = topo.below(trip_top);
        let top = self.top[s as usize];
        let sub = topo.below(top);
        out.customers_out = below.customers;
        out.load_out_kw = below.load_kw;
        // Isolate: the parent switch and the child switches, remote first, upstream first.
        sc.isolators.clear();
        let psw = self.parent_sw[s as usize];
        for &(sw, _) in self.links(s) {
            sc.isolators.push((!self.remote(sw), sw != psw, sw));
        }
        sc.isolators.sort_unstable();
        for &(manual, _, sw) in &sc.isolators {
            if sw == trip_line {
                continue;
            }
            out.steps.push(StepOut {
                manual,
                customers: 0,
                load_kw: 0.0,
            });
        }
        // Re-close upstream: everything but the faulted section's subtree comes back.
        let reclose = if trip_source {
            // A source that trips returns to service unless its point is in the section.
            (self.sec[trip_top as usize] != s).then_some(false)
        } else {
            (trip_line != psw).then(|| !self.remote(trip_line))
        };
        if let Some(manual) = reclose {
            out.steps.push(StepOut {
                manual,
                customers: below.customers.saturating_sub(sub.customers),
                load_kw: (below.load_kw - sub.load_kw).max(0.0),
            });
        }
        let (comp, t0, t1) = topo.range_of(top);
        let lost_kw = sub.load_kw;
        let stamp = Self::next_stamp(sc);
        let mut customers_restored: usize = out.steps.iter().map(|x| x.customers).sum();
        let mut transferred_kw = 0.0;
        // Dead sections holding a tie, in the planner's order (least point id).
        sc.candidates.clear();
        let (cs, ce) = (
            self.comp_start[comp as usize] as usize,
            self.comp_start[comp as usize + 1] as usize,
        );
        let tins = &self.tie_sec_tin[cs..ce];
        let (lo, hi) = (
            tins.partition_point(|&t| t <= t0),
            tins.partition_point(|&t| t <= t1),
        );
        sc.candidates
            .extend_from_slice(&self.tie_secs[cs + lo..cs + hi]);
        let min_point = &self.min_point;
        sc.candidates
            .sort_unstable_by_key(|&k| min_point[k as usize]);
        let is_dead = |q: u32| {
            let (c, t) = topo.comp_tin(q);
            c == comp && t >= t0 && t <= t1
        };
        loop {
            let mut best: Option<(f64, bool, u32, u32, f64)> = None;
            for ci in 0..sc.candidates.len() {
                let k = sc.candidates[ci];
                if sc.restored[k as usize] == stamp {
                    continue;
                }
                let (first, ties) = self.ties(k);
                for (j, &(tie, near, far)) in ties.iter().enumerate() {
                    if is_dead(far) {
                        continue;
                    }
                    let h = self.headroom(far, first + j, comp, lost_kw, stamp, sc);
                    if h <= 0.0 {
                        continue;
                    }
                    self.grow(s, k, near, h, stamp, sc);
                    if sc.taken.is_empty() {
                        continue;
                    }
                    let load: f64 = sc
                        .taken
                        .iter()
                        .map(|&(x, _, _)| self.load_kw[x as usize])
                        .sum();
                    let remote = self.remote(tie);
                    let better = match best {
                        None => true,
                        Some((bl, br, bt, ..)) => {
                            super::super::restore::better_tie((load, remote, tie), (bl, br, bt))
                        }
                    };
                    if better {
                        best = Some((load, remote, tie, far, h));
                        std::mem::swap(&mut sc.taken, &mut sc.best_taken);
                    }
                }
            }
            let Some((load, remote, _, far, _)) = best else {
                break;
            };
            // Split every link from a taken section to an untaken, unrestored one.
            let set = Self::next_stamp(sc);
            for &(k, _, _) in &sc.best_taken {
                sc.in_set[k as usize] = set;
            }
            sc.splits.clear();
            for &(k, _, _) in &sc.best_taken {
                for &(sw, other) in self.links(k) {
                    if other != s
                        && sc.in_set[other as usize] != set
                        && sc.restored[other as usize] != stamp
                    {
                        sc.splits.push(sw);
                    }
                }
            }
            sc.splits.sort_unstable();
            sc.splits.dedup();
            for &sw in &sc.splits {
                out.steps.push(StepOut {
                    manual: !self.remote(sw),
                    customers: 0,
                    load_kw: 0.0,
                });
            }
            let mut k_customers = 0usize;
            for &(k, _, _) in &sc.best_taken {
                sc.restored[k as usize] = stamp;
                k_customers += self.customers[k as usize] as usize;
            }
            out.steps.push(StepOut {
                manual: !remote,
                customers: k_customers,
                load_kw: load,
            });
            customers_restored += k_customers;
            transferred_kw += load;
            // The receiving source and the rated lines of its path carry the load from now on.
            let (fc, _) = topo.comp_tin(far);
            if sc.added_comp_mark[fc as usize] != stamp {
                sc.added_comp_mark[fc as usize] = stamp;
                sc.added_comp[fc as usize] = 0.0;
                sc.touched_comps.push(fc);
            }
            sc.added_comp[fc as usize] += load;
            for (_, l) in topo.lines_up(far) {
                if self.cap.line_limit_kva(net, l).is_some() {
                    if sc.added_line[l.0 as usize] == 0.0 {
                        sc.touched_lines.push(l.0);
                    }
                    sc.added_line[l.0 as usize] += load;
                }
            }
        }
        for &l in &sc.touched_lines {
            sc.added_line[l as usize] = 0.0;
        }
        sc.touched_lines.clear();
        for &c in &sc.touched_comps {
            sc.added_comp[c as usize] = 0.0;
        }
        sc.touched_comps.clear();
        out.customers_remaining = below.customers.saturating_sub(customers_restored);
        out.load_remaining_kw = if reclose.is_some() || transferred_kw > 0.0 {
            (sub.load_kw - transferred_kw).max(0.0)
        } else {
            below.load_kw
        };
        true
    }

    /// What a tie's far point can still take, kVA (the planner's path headroom): cached while
    /// nothing is lost or added on its component in this plan.
    fn headroom(
        &self,
        far: u32,
        tie: usize,
        faulted_comp: u32,
        lost_kw: f64,
        stamp: u32,
        sc: &mut Scratch,
    ) -> f64 {
        let (fc, _) = self.topo.comp_tin(far);
        let clean = fc != faulted_comp && sc.added_comp_mark[fc as usize] != stamp;
        if clean {
            let h = sc.tie_headroom[tie];
            if !h.is_nan() {
                return h;
            }
            let h = self.walk_headroom(far, 0.0, 0.0, &sc.added_line);
            sc.tie_headroom[tie] = h;
            return h;
        }
        let lost = if fc == faulted_comp { lost_kw } else { 0.0 };
        let added = if sc.added_comp_mark[fc as usize] == stamp {
            sc.added_comp[fc as usize]
        } else {
            0.0
        };
        self.walk_headroom(far, lost, added, &sc.added_line)
    }

    /// The least of the source's and every rated line's usable capacity less load on the path
    /// from `far` up to its source.
    fn walk_headroom(&self, far: u32, lost_kw: f64, added_kw: f64, added_line: &[f64]) -> f64 {
        let topo = self.topo;
        let net = self.net;
        let cap = &self.cap;
        let (c, _) = topo.comp_tin(far);
        let comp = topo.component(c);
        if comp.sources.is_empty() {
            return f64::NEG_INFINITY;
        }
        let total_cap: f64 = comp
            .sources
            .iter()
            .map(|&x| net.source(SourceId(x)).capacity_kva)
            .sum();
        let base_kw = comp.pre_load_kw.last().copied().unwrap_or(0.0) - lost_kw;
        let mut h = cap.usable(total_cap) - cap.kva(base_kw + added_kw);
        for (v, l) in topo.lines_up(far) {
            if let Some(limit) = cap.line_limit_kva(net, l) {
                let flow_kw = topo.below(v).load_kw + added_line[l.0 as usize];
                h = h.min(cap.usable(limit) - cap.kva(flow_kw));
            }
        }
        h
    }

    /// The sections a tie from `near` (in `start`) takes within `headroom_kva`, into
    /// `sc.taken` (the planner's breadth-first growth and line checks).
    fn grow(&self, s: u32, start: u32, near: u32, headroom_kva: f64, stamp: u32, sc: &mut Scratch) {
        let cap = &self.cap;
        sc.taken.clear();
        let mut load = self.load_kw[start as usize];
        if sc.restored[start as usize] == stamp || cap.kva(load) > headroom_kva {
            return;
        }
        let set = Self::next_stamp(sc);
        sc.taken.push((start, NONE, NONE));
        sc.in_set[start as usize] = set;
        let mut i = 0;
        while i < sc.taken.len() {
            let (k, _, _) = sc.taken[i];
            i += 1;
            for &(sw, other) in self.links(k) {
                let o = other as usize;
                if other == s || sc.in_set[o] == set || sc.restored[o] == stamp {
                    continue;
                }
                let more = load + self.load_kw[o];
                if cap.kva(more) <= headroom_kva {
                    load = more;
                    sc.in_set[o] = set;
                    sc.taken.push((other, k, sw));
                }
            }
        }
        loop {
            match self.overloaded(near, sc) {
                None => return,
                Some(0) => {
                    sc.taken.clear();
                    return;
                }
                Some(bad) => {
                    let d = Self::next_stamp(sc);
                    sc.dropped[sc.taken[bad].0 as usize] = d;
                    for i in 0..sc.taken.len() {
                        let (k, from, _) = sc.taken[i];
                        if from != NONE && sc.dropped[from as usize] == d {
                            sc.dropped[k as usize] = d;
                        }
                    }
                    let dropped = &sc.dropped;
                    sc.taken.retain(|&(k, _, _)| dropped[k as usize] != d);
                }
            }
        }
    }

    /// The position in `sc.taken` of a section holding a rated line loaded beyond its usable
    /// limit when the taken sections are fed from `near`, if any.
    ///
    /// Every taken section carries its own load and that of the taken sections beyond it.
    /// A section entered through the switch it hangs from carries no more on any line than in
    /// the normal state, and no section carries more than all it feeds: only sections passing
    /// neither bound are walked point by point, from where the tie's power enters them.
    fn overloaded(&self, near: u32, sc: &mut Scratch) -> Option<usize> {
        let cap = &self.cap;
        for &(k, _, _) in &sc.taken {
            sc.through[k as usize] = self.load_kw[k as usize];
        }
        for i in (1..sc.taken.len()).rev() {
            let (k, from, _) = sc.taken[i];
            sc.through[from as usize] += sc.through[k as usize];
        }
        let mut worst: Option<usize> = None;
        let mut extra_ready = false;
        let mut g = 0;
        for i in (0..sc.taken.len()).rev() {
            let (k, from, sw) = sc.taken[i];
            let ku = k as usize;
            if from != NONE && sw == self.parent_sw[ku] && self.safe_from_top[ku] {
                continue;
            }
            if cap.kva(sc.through[ku]) * (1.0 + 1e-9) <= self.min_usable_kva[ku] {
                continue;
            }
            if !extra_ready {
                // The load of each taken section beyond a point, at the point it hangs from.
                extra_ready = true;
                g = Self::next_stamp(sc);
                for j in 1..sc.taken.len() {
                    let (c, f, csw) = sc.taken[j];
                    let (a, b) = self.net.line_ends(LineId(csw));
                    let at = if self.sec[a.index()] == f { a.0 } else { b.0 };
                    if sc.extra_mark[at as usize] != g {
                        sc.extra_mark[at as usize] = g;
                        sc.extra[at as usize] = 0.0;
                    }
                    sc.extra[at as usize] += sc.through[c as usize];
                }
            }
            let entry = if from == NONE {
                near
            } else {
                let (a, b) = self.net.line_ends(LineId(sw));
                if self.sec[a.index()] == k { a.0 } else { b.0 }
            };
            if self.section_overloaded(k, entry, g, sc) {
                // Positions are visited from the last: the first found is the worst.
                worst = Some(i);
                break;
            }
        }
        worst
    }

    /// Whether a rated line of section `k` is loaded beyond its usable limit when the section
    /// is fed at `entry`, its points carrying their load and the `extra` hanging from them.
    fn section_overloaded(&self, k: u32, entry: u32, g: u32, sc: &mut Scratch) -> bool {
        let cap = &self.cap;
        let net = self.net;
        let st = self.topo.state();
        let v = Self::next_stamp(sc);
        sc.order.clear();
        sc.order.push((entry, NONE));
        sc.seen[entry as usize] = v;
        sc.par[entry as usize] = NONE;
        let mut i = 0;
        while i < sc.order.len() {
            let (p, _) = sc.order[i];
            i += 1;
            for &(w, l) in net.neighbours(PointId(p)) {
                if self.sec[w as usize] != k
                    || sc.seen[w as usize] == v
                    || !st.line_passes(LineId(l))
                    || self.is_switch(l)
                {
                    continue;
                }
                sc.seen[w as usize] = v;
                sc.par[w as usize] = p;
                sc.order.push((w, l));
            }
        }
        for &(p, _) in &sc.order {
            let pu = p as usize;
            let extra = if sc.extra_mark[pu] == g && g != 0 {
                sc.extra[pu]
            } else {
                0.0
            };
            sc.flow[pu] = self.point_load[pu] + extra;
        }
        for j in (0..sc.order.len()).rev() {
            let (p, l) = sc.order[j];
            let b = sc.flow[p as usize];
            let up = sc.par[p as usize];
            if up != NONE {
                sc.flow[up as usize] += b;
            }
            if l == NONE {
                continue;
            }
            if let Some(limit) = cap.line_limit_kva(net, LineId(l))
                && cap.kva(b) > cap.usable(limit)
            {
                return true;
            }
        }
        false
    }
}

fn prefix(count: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(count.len());
    let mut acc = 0u32;
    for &c in count {
        out.push(acc);
        acc += c;
    }
    out
}
