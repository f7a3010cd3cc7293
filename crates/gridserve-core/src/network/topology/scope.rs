//! Scope queries: the cut ranges of a set of operations, settled by prefix sums below bridges
//! and by a confined search on loops.

use super::*;

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

impl Topology {
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
        if let Some(removed_lines) = self.cuts_nothing(&delta) {
            // Only lines on loops are removed and no subset of them is a cut: nothing loses
            // supply, whatever the size of the meshed part.
            let mut scope = Scope::empty(self.version, changes);
            scope.removed_lines = removed_lines;
            scope.meshed = true;
            self.count_removed_transformers(&mut scope);
            return scope;
        }
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

    /// The energized lines removed, when the changes only remove lines (up to 64), at least one
    /// of them on a loop, none a bridge, and their cut-space labels are linearly independent
    /// over GF(2): then no subset of them is a cut and nothing loses supply. `None` otherwise
    /// (the general path decides). Work is O(lines removed).
    fn cuts_nothing(&self, delta: &Delta) -> Option<Vec<u32>> {
        if delta.any_added
            || !delta.points.is_empty()
            || !delta.sources.is_empty()
            || delta.lines.is_empty()
            || delta.lines.len() > 64
        {
            return None;
        }
        let net = &*self.net;
        let mut basis = [0u64; 64];
        let mut removed = Vec::with_capacity(delta.lines.len());
        for &(l, _) in &delta.lines {
            let (a, b) = net.line_ends(LineId(l));
            let (ca, cb) = (self.comp[a.index()], self.comp[b.index()]);
            if ca == NONE || cb == NONE {
                continue;
            }
            let comp = &self.comps[ca as usize];
            if comp.pre_xor.is_empty() {
                return None;
            }
            let mut label = if self.parent[b.index()] == l || self.parent[a.index()] == l {
                let child = if self.parent[b.index()] == l {
                    b.0
                } else {
                    a.0
                };
                let (_, s, e) = self.subtree(child);
                comp.pre_xor[e as usize] ^ comp.pre_xor[(s - 1) as usize]
            } else {
                loop_label(l)
            };
            // Insert into the XOR basis; a label that reduces to zero closes a dependent set.
            for bit in (0..64).rev() {
                if label >> bit & 1 == 0 {
                    continue;
                }
                if basis[bit] == 0 {
                    basis[bit] = label;
                    break;
                }
                label ^= basis[bit];
            }
            if label == 0 {
                return None;
            }
            removed.push(l);
        }
        (!removed.is_empty()).then_some(removed)
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
}
