//! Faults (which protective devices trip) and planned outages (which switches isolate a
//! device).

use super::*;

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

/// A zone searched from an element: its points and the lines that bound it.
#[derive(Debug, Default)]
struct Zone {
    points: Vec<u32>,
    contains: HashSet<u32>,
    /// `(line, far end)` sorted.
    bounds: Vec<(u32, u32)>,
}

impl Topology {
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
        bounds: impl Fn(&crate::network::Line) -> bool,
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
        let zone = self.zone(element, crate::network::Line::is_protective, true);
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
}
