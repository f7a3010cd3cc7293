//! Outage inference (trouble analysis): which devices operated, given the evidence.
//!
//! Evidence items are AMI power-off and power-on reports (by customer or by point), customer
//! calls (by customer), DA trips (by switch or source) and fault-indicator signals (by line or
//! point). Meter numbers are resolved to customers before this step (the model keys customers,
//! not meters).
//!
//! The inference works on the energized tree of a [`Topology`] in the state *before* the outage:
//!
//! 1. Every power-off report and call is a *report unit*: one customer (a report by point counts
//!    every customer at the point, or the point itself if it has none). Units are de-duplicated,
//!    so a customer who calls and whose meter reports counts once. Power-on reports are units
//!    of their own kind.
//! 2. A *device* is a switch of the depth-first tree or a source at its root. For a device `d`:
//!    `N(d)` customers are below it, `k(d)` off units and `j(d)` on units.
//! 3. A DA trip names its device directly; off units below a tripped device are explained by it.
//! 4. Every other off unit rolls up from the lowest device above it: `d` *explains* its units
//!    when `k(d) ≥ rollup_threshold × report_rate × N(d)` (at least that share of the reports
//!    an outage of `d` would bring) and `j(d) ≤ contradiction_tolerance × k(d)`. The unit is
//!    assigned to the highest explaining device above it that both covers more customers and
//!    explains more reports than every device it is preferred to (so a device is never chosen
//!    over a lower one that explains the same reports: the lowest device that explains the
//!    evidence wins); if no device explains it, to its lowest device. Several simultaneous outages come out as
//!    several devices.
//! 5. A fault indicator with no device above it already concluded names the nearest protective
//!    device upstream of its location.
//! 6. Devices nested in another concluded device are dropped (the upper one explains them).
//!
//! Each conclusion carries its confidence and the indices of the evidence it rests on.
//! Confidence is `min(1, k / (report_rate × N)) × k / (k + j)`; a DA trip sets the first factor
//! to 1, a fault indicator below raises it to at least `fault_indicator_confidence`.
//! Reports about points already de-energized before the outage are listed as `already_out`;
//! power-on reports below a concluded device or about a de-energized point are listed as
//! `contradicting`.

use hashbrown::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{ElementId, LineId, PointId, SourceId};
use super::scope::Trip;
use super::topology::{NONE, SRC, Topology};
use crate::error_info::excerpt;

/// What an evidence item says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// An AMI power-off event (by customer or point).
    PowerOff,
    /// An AMI power-on or "supply present" reading (by customer or point).
    PowerOn,
    /// A customer calls to report no supply (by customer).
    Call,
    /// A DA protection trip or open signal of a switch (by switch or source asset).
    Trip,
    /// A DA fault-indicator signal: fault current passed the location (by line or point asset).
    FaultIndicator,
}

/// One evidence item. Exactly one of `customer` and `asset` is given (calls need `customer`,
/// trips and fault indicators need `asset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// What the item says.
    pub kind: EvidenceKind,
    /// The customer number, for customer-level items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The asset number of a point, line or source, for asset-level items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
}

impl Evidence {
    /// A customer-level item.
    #[must_use]
    pub fn customer(kind: EvidenceKind, number: &str) -> Self {
        Self {
            kind,
            customer: Some(number.to_owned()),
            asset: None,
        }
    }
    /// An asset-level item.
    #[must_use]
    pub fn asset(kind: EvidenceKind, asset: &str) -> Self {
        Self {
            kind,
            customer: None,
            asset: Some(asset.to_owned()),
        }
    }
}

/// The thresholds of the inference (data with defaults; JSON keys are the field names, unknown
/// keys are errors). The defaults are working values [M], to be tuned to a utility's AMI.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceOptions {
    /// The share of the customers below an operated device expected to report (AMI events that
    /// arrive plus calls), in `(0, 1]`. Default 0.5.
    pub report_rate: f64,
    /// The share of the expected reports a device needs to explain them, in `(0, 1]`.
    /// Default 0.5.
    pub rollup_threshold: f64,
    /// The power-on reports a device tolerates below it, as a share of its power-off reports,
    /// in `[0, 1]`. Default 0.1.
    pub contradiction_tolerance: f64,
    /// The least confidence of a device with a fault indicator below it, in `[0, 1]`.
    /// Default 0.8.
    pub fault_indicator_confidence: f64,
}

impl Default for InferenceOptions {
    fn default() -> Self {
        Self {
            report_rate: 0.5,
            rollup_threshold: 0.5,
            contradiction_tolerance: 0.1,
            fault_indicator_confidence: 0.8,
        }
    }
}

impl InferenceOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] naming the first option out of range (NaN included).
    pub fn validate(&self) -> Result<(), NetworkError> {
        let unit_open = |v: f64| v > 0.0 && v <= 1.0;
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        let checks = [
            (
                "report_rate",
                self.report_rate,
                unit_open(self.report_rate),
                "must be in (0, 1]",
            ),
            (
                "rollup_threshold",
                self.rollup_threshold,
                unit_open(self.rollup_threshold),
                "must be in (0, 1]",
            ),
            (
                "contradiction_tolerance",
                self.contradiction_tolerance,
                unit(self.contradiction_tolerance),
                "must be in [0, 1]",
            ),
            (
                "fault_indicator_confidence",
                self.fault_indicator_confidence,
                unit(self.fault_indicator_confidence),
                "must be in [0, 1]",
            ),
        ];
        for (field, value, ok, reason) in checks {
            if !ok {
                return Err(NetworkError::invalid_option(field, value, reason));
            }
        }
        Ok(())
    }
}

/// One inferred operated device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferredOutage {
    /// The device: a switch, or a source when no switch lies between it and the evidence.
    pub device: Trip,
    /// Confidence in `[0, 1]` (see the [module documentation](self)).
    pub confidence: f64,
    /// Customers below the device.
    pub customers: usize,
    /// Power-off units (customers) reported below it.
    pub reports_off: usize,
    /// Power-on units reported below it.
    pub reports_on: usize,
    /// Whether a DA trip names the device.
    pub tripped: bool,
    /// Indices (into the input) of the evidence items it rests on, ascending.
    pub evidence: Vec<usize>,
    /// The [`Topology::version`] it was inferred against: what is below the device is read
    /// from that topology only (the outage workflow refuses another version).
    #[serde(default)]
    pub topology_version: u64,
}

/// The result of an inference.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Inference {
    /// The inferred devices, largest first (most customers), then by device.
    pub outages: Vec<InferredOutage>,
    /// Indices of power-off reports and calls about points that were already de-energized.
    pub already_out: Vec<usize>,
    /// Indices of power-on reports that contradict a conclusion or the model (a de-energized
    /// point reported on).
    pub contradicting: Vec<usize>,
}

/// An evidence item resolved to the model.
enum Item {
    /// Off (`true`) or on units: `(customer or NONE, point)`.
    Units(bool, UnitList),
    Trip(Trip),
    /// The point below the indicator.
    Indicator(u32),
}

/// The units of one item: one customer (most items, kept without an allocation) or every
/// customer at a point.
enum UnitList {
    One([(u32, u32); 1]),
    Many(Vec<(u32, u32)>),
}

impl std::ops::Deref for UnitList {
    type Target = [(u32, u32)];
    fn deref(&self) -> &[(u32, u32)] {
        match self {
            Self::One(one) => one,
            Self::Many(many) => many,
        }
    }
}

/// Counts of a device.
#[derive(Clone, Copy)]
struct Stats {
    n: usize,
    k: usize,
    j: usize,
}

impl Topology {
    /// Infers the operated devices from evidence items (see the [module documentation](self)).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gridserve_core::network::{Network, Topology, Trip};
    /// use gridserve_core::network::infer::{Evidence, EvidenceKind, InferenceOptions};
    /// use gridserve_synth as synth;
    ///
    /// let net = Arc::new(Network::from_data(&synth::generate(&synth::SynthConfig::with_points(2_000, 7)))?);
    /// let topo = Topology::normal(net.clone());
    /// // Every customer below the first fuse with customers reports power off.
    /// let fuse = net.line_ids().find(|&l| {
    ///     net.line(l).as_switch().is_some_and(|s| s.kind == gridserve_core::network::records::SwitchKind::Fuse)
    /// }).unwrap();
    /// let out = topo.scope(&[gridserve_core::network::Operation::open(fuse)])?;
    /// let evidence: Vec<Evidence> = out.customer_ids(&topo)?.iter()
    ///     .map(|&c| Evidence::customer(EvidenceKind::PowerOff, net.customer(c).number()))
    ///     .collect();
    /// let found = topo.infer(&evidence, &InferenceOptions::default())?;
    /// assert_eq!(found.outages[0].device, Trip::Switch(fuse));
    /// # Ok::<(), gridserve_core::network::NetworkError>(())
    /// ```
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] for options out of range;
    /// [`NetworkError::InvalidEvidence`] for an item without the customer or asset its kind
    /// needs, with both, or naming an element of the wrong type;
    /// [`NetworkError::UnknownCustomer`] / [`NetworkError::UnknownElement`] for unknown ids.
    pub fn infer(
        &self,
        evidence: &[Evidence],
        options: &InferenceOptions,
    ) -> Result<Inference, NetworkError> {
        options.validate()?;
        let items = evidence
            .iter()
            .enumerate()
            .map(|(i, e)| self.resolve(i, e))
            .collect::<Result<Vec<Item>, _>>()?;
        Ok(Inferrer::new(self, options, &items).run())
    }

    fn resolve(&self, index: usize, e: &Evidence) -> Result<Item, NetworkError> {
        let net = &**self.network();
        let bad = |field: &'static str, value: &str, reason: &'static str| {
            NetworkError::InvalidEvidence {
                index,
                field,
                value: excerpt(value),
                reason,
            }
        };
        let kind_name = match e.kind {
            EvidenceKind::PowerOff => "power_off",
            EvidenceKind::PowerOn => "power_on",
            EvidenceKind::Call => "call",
            EvidenceKind::Trip => "trip",
            EvidenceKind::FaultIndicator => "fault_indicator",
        };
        match (&e.customer, &e.asset) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "kind",
                    kind_name,
                    "give a customer or an asset, not both",
                ));
            }
            (None, None) => return Err(bad("kind", kind_name, "needs a customer or an asset")),
            _ => {}
        }
        let units = |off: bool| -> Result<Item, NetworkError> {
            if let Some(c) = &e.customer {
                let id = net.customer_id(c)?;
                return Ok(Item::Units(
                    off,
                    UnitList::One([(id.0, net.customer(id).point().0)]),
                ));
            }
            let asset = e.asset.as_deref().unwrap_or_default();
            let p = match net.element(asset)? {
                ElementId::Point(p) => p,
                _ => return Err(bad("asset", asset, "a report by asset needs a point")),
            };
            let at = net.customers_at(p);
            Ok(Item::Units(
                off,
                if at.is_empty() {
                    UnitList::One([(NONE, p.0)])
                } else {
                    UnitList::Many(at.iter().map(|&c| (c, p.0)).collect())
                },
            ))
        };
        match e.kind {
            EvidenceKind::PowerOff => units(true),
            EvidenceKind::PowerOn => units(false),
            EvidenceKind::Call => match &e.customer {
                Some(_) => units(true),
                None => Err(bad(
                    "asset",
                    e.asset.as_deref().unwrap_or_default(),
                    "a call needs a customer",
                )),
            },
            EvidenceKind::Trip => {
                let Some(asset) = e.asset.as_deref() else {
                    return Err(bad(
                        "customer",
                        e.customer.as_deref().unwrap_or_default(),
                        "a trip needs a switch or source asset",
                    ));
                };
                match net.element(asset)? {
                    ElementId::Line(l) if net.line(l).as_switch().is_some() => {
                        Ok(Item::Trip(Trip::Switch(l)))
                    }
                    ElementId::Source(s) => Ok(Item::Trip(Trip::Source(s))),
                    _ => Err(bad("asset", asset, "a trip needs a switch or a source")),
                }
            }
            EvidenceKind::FaultIndicator => {
                let Some(asset) = e.asset.as_deref() else {
                    return Err(bad(
                        "customer",
                        e.customer.as_deref().unwrap_or_default(),
                        "a fault indicator needs a line or point asset",
                    ));
                };
                match net.element(asset)? {
                    ElementId::Point(p) => Ok(Item::Indicator(p.0)),
                    ElementId::Line(l) => {
                        // The end below the line in the tree, else either energized end.
                        let (a, b) = net.line_ends(l);
                        let child = [a, b]
                            .into_iter()
                            .find(|p| self.parent_code(p.0) == l.0)
                            .or_else(|| [b, a].into_iter().find(|&p| self.is_energized(p)))
                            .unwrap_or(b);
                        Ok(Item::Indicator(child.0))
                    }
                    ElementId::Source(_) => Err(bad(
                        "asset",
                        asset,
                        "a fault indicator needs a line or a point",
                    )),
                }
            }
        }
    }

    /// The device a point hangs below: the nearest switch of the tree above it (as its code and
    /// its child point), or the root source.
    fn device_above(&self, mut v: u32) -> (u32, u32) {
        let net = &**self.network();
        loop {
            let code = self.parent_code(v);
            if code == NONE || code & SRC != 0 {
                return (code, v);
            }
            let l = LineId(code);
            if net.line(l).as_switch().is_some() {
                return (code, v);
            }
            let (a, b) = net.line_ends(l);
            v = if a.0 == v { b.0 } else { a.0 };
        }
    }

    /// The device above a device (given by its child point), if any.
    fn parent_device(&self, child: u32) -> Option<(u32, u32)> {
        let code = self.parent_code(child);
        if code == NONE || code & SRC != 0 {
            return None;
        }
        let (a, b) = self.network().line_ends(LineId(code));
        let up = if a.0 == child { b.0 } else { a.0 };
        Some(self.device_above(up))
    }
}

struct Inferrer<'a> {
    topo: &'a Topology,
    opt: &'a InferenceOptions,
    items: &'a [Item],
    /// `(component, tin)` of off and on units, sorted.
    off: Vec<(u32, u32)>,
    on: Vec<(u32, u32)>,
    stats: HashMap<u32, Stats>,
    best: HashMap<u32, Option<u32>>,
}

fn decode(code: u32) -> Trip {
    if code & SRC != 0 {
        Trip::Source(SourceId(code & !SRC))
    } else {
        Trip::Switch(LineId(code))
    }
}

impl<'a> Inferrer<'a> {
    fn new(topo: &'a Topology, opt: &'a InferenceOptions, items: &'a [Item]) -> Self {
        Self {
            topo,
            opt,
            items,
            off: Vec::new(),
            on: Vec::new(),
            stats: HashMap::new(),
            best: HashMap::new(),
        }
    }

    fn count(list: &[(u32, u32)], (c, s, e): (u32, u32, u32)) -> usize {
        let lo = list.partition_point(|&x| x < (c, s));
        let hi = list.partition_point(|&x| x <= (c, e));
        hi - lo
    }

    /// The range of a device given by its child point (the whole component for a source).
    fn range(&self, child: u32) -> (u32, u32, u32) {
        self.topo.range_of(child)
    }

    fn stats(&mut self, child: u32) -> Stats {
        if let Some(s) = self.stats.get(&child) {
            return *s;
        }
        let r = self.range(child);
        let s = Stats {
            n: self.topo.below(child).customers,
            k: Self::count(&self.off, r),
            j: Self::count(&self.on, r),
        };
        self.stats.insert(child, s);
        s
    }

    fn explains(&mut self, child: u32) -> bool {
        let s = self.stats(child);
        let expected = self.opt.report_rate * s.n.max(s.k) as f64;
        s.k as f64 >= self.opt.rollup_threshold * expected
            && s.j as f64 <= self.opt.contradiction_tolerance * s.k as f64
    }

    /// The highest explaining device at or above the device with child point `child` that
    /// covers more customers and explains more reports than any lower one, as its child point.
    fn best(&mut self, child: u32) -> Option<u32> {
        // Iterative: collect the chain, then resolve from the top down.
        let mut chain = Vec::new();
        let mut at = Some(child);
        while let Some(c) = at {
            if self.best.contains_key(&c) {
                break;
            }
            chain.push(c);
            at = self.topo.parent_device(c).map(|(_, ch)| ch);
        }
        let mut above: Option<u32> = at.and_then(|c| self.best[&c]);
        for &c in chain.iter().rev() {
            let (n, k) = (self.stats(c).n, self.stats(c).k);
            let r = match above {
                Some(y) if self.stats(y).n > n && self.stats(y).k > k => Some(y),
                _ if self.explains(c) => Some(c),
                _ => None,
            };
            self.best.insert(c, r);
            above = r;
        }
        self.best[&child]
    }

    fn run(mut self) -> Inference {
        let topo = self.topo;
        let net = &**topo.network();
        let mut out = Inference::default();
        let mut seen_off: HashSet<(u32, u32)> = HashSet::new();
        let mut seen_on: HashSet<(u32, u32)> = HashSet::new();
        // Off units with their item index and point.
        let mut off_units: Vec<(u32, usize)> = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            if let Item::Units(off, units) = item {
                let mut dead = false;
                for &(c, p) in units.iter() {
                    if !topo.is_energized(PointId(p)) {
                        dead = true;
                        continue;
                    }
                    let key = (c, p);
                    let (c_, t) = topo.comp_tin(p);
                    if *off {
                        if seen_off.insert(key) {
                            self.off.push((c_, t));
                        }
                        off_units.push((p, i));
                    } else if seen_on.insert(key) {
                        self.on.push((c_, t));
                    }
                }
                if dead {
                    if *off {
                        out.already_out.push(i);
                    } else {
                        out.contradicting.push(i);
                    }
                }
            }
        }
        self.off.sort_unstable();
        self.on.sort_unstable();
        // Concluded devices by child point: (code, tripped, indicator seen).
        let mut chosen: HashMap<u32, (u32, bool)> = HashMap::new();
        for item in self.items {
            if let Item::Trip(t) = *item {
                let (code, child) = match t {
                    Trip::Switch(l) => {
                        let (a, b) = net.line_ends(l);
                        match [a, b].into_iter().find(|p| topo.parent_code(p.0) == l.0) {
                            Some(c) => (l.0, c.0),
                            None => continue,
                        }
                    }
                    Trip::Source(s) => {
                        let p = net.source(s).point.0;
                        if !topo.is_energized(PointId(p)) {
                            continue;
                        }
                        (SRC | s.0, p)
                    }
                };
                chosen.insert(child, (code, true));
            }
        }
        let tripped: Vec<(u32, u32, u32)> = chosen.keys().map(|&c| self.range(c)).collect();
        let under_trip = |(c, t): (u32, u32)| {
            tripped
                .iter()
                .any(|&(rc, s, e)| rc == c && (s..=e).contains(&t))
        };
        for &(p, _) in &off_units {
            if under_trip(topo.comp_tin(p)) {
                continue;
            }
            let (code, child) = topo.device_above(p);
            if code == NONE {
                continue;
            }
            let pick = self.best(child).unwrap_or(child);
            let code = if pick == child {
                code
            } else {
                topo.parent_code(pick)
            };
            let code = if code & SRC != 0 || code == NONE {
                // A root: the source feeding the component.
                let (c, _) = topo.comp_tin(pick);
                SRC | topo.component(c).sources[0]
            } else {
                code
            };
            chosen.entry(pick).or_insert((code, false));
        }
        // Fault indicators not below a concluded device name their protector.
        let ranges: Vec<(u32, u32, u32)> = chosen.keys().map(|&c| self.range(c)).collect();
        for item in self.items {
            if let Item::Indicator(p) = *item {
                if !topo.is_energized(PointId(p)) {
                    continue;
                }
                let (c, t) = topo.comp_tin(p);
                if ranges
                    .iter()
                    .any(|&(rc, s, e)| rc == c && (s..=e).contains(&t))
                {
                    continue;
                }
                let Some(prot) = topo.protector(PointId(p)) else {
                    continue;
                };
                let (code, child) = match prot {
                    Trip::Switch(l) => {
                        let (a, b) = net.line_ends(l);
                        let child = if topo.parent_code(b.0) == l.0 {
                            b.0
                        } else {
                            a.0
                        };
                        (l.0, child)
                    }
                    Trip::Source(s) => (SRC | s.0, net.source(s).point.0),
                };
                chosen.entry(child).or_insert((code, false));
            }
        }
        // Drop devices nested in another: the kept ranges are disjoint.
        let mut list: Vec<(u32, u32, u32, u32, u32, bool)> = chosen
            .iter()
            .map(|(&child, &(code, trip))| {
                let (c, s, e) = self.range(child);
                (c, s, e, child, code, trip)
            })
            .collect();
        list.sort_unstable_by_key(|&(c, s, e, ..)| (c, s, std::cmp::Reverse(e)));
        let mut kept: Vec<(u32, u32, u32, u32, u32, bool)> = Vec::new();
        for x in list {
            match kept.last() {
                Some(k) if k.0 == x.0 && x.1 >= k.1 && x.2 <= k.2 => {}
                _ => kept.push(x),
            }
        }
        let locate = |p: u32| -> Option<usize> {
            if !topo.is_energized(PointId(p)) {
                return None;
            }
            let (c, t) = topo.comp_tin(p);
            let i = kept.partition_point(|k| (k.0, k.1) <= (c, t));
            (i > 0 && kept[i - 1].0 == c && t <= kept[i - 1].2).then(|| i - 1)
        };
        let mut evidence: Vec<Vec<usize>> = vec![Vec::new(); kept.len()];
        let mut indicator = vec![false; kept.len()];
        for (i, item) in self.items.iter().enumerate() {
            match item {
                Item::Units(true, units) => {
                    for &(_, p) in units.iter() {
                        if let Some(d) = locate(p)
                            && evidence[d].last() != Some(&i)
                        {
                            evidence[d].push(i);
                        }
                    }
                }
                Item::Units(false, units) => {
                    if units.iter().any(|&(_, p)| locate(p).is_some()) {
                        out.contradicting.push(i);
                    }
                }
                Item::Trip(t) => {
                    let child = match *t {
                        Trip::Switch(l) => {
                            let (a, b) = net.line_ends(l);
                            [a, b]
                                .into_iter()
                                .find(|p| topo.parent_code(p.0) == l.0)
                                .map(|p| p.0)
                        }
                        Trip::Source(s) => Some(net.source(s).point.0),
                    };
                    if let Some(d) = child.and_then(locate) {
                        evidence[d].push(i);
                    }
                }
                Item::Indicator(p) => {
                    if let Some(d) = locate(*p) {
                        indicator[d] = true;
                        evidence[d].push(i);
                    }
                }
            }
        }
        for (d, (_, _, _, child, code, trip)) in kept.iter().copied().enumerate() {
            let st = self.stats(child);
            let density = if trip {
                1.0
            } else {
                (st.k as f64 / (self.opt.report_rate * st.n.max(1) as f64)).min(1.0)
            };
            let agreement = if st.k + st.j == 0 {
                1.0
            } else {
                st.k as f64 / (st.k + st.j) as f64
            };
            let mut confidence = density * agreement;
            if indicator[d] {
                confidence = confidence.max(self.opt.fault_indicator_confidence);
            }
            out.outages.push(InferredOutage {
                device: decode(code),
                confidence,
                customers: st.n,
                reports_off: st.k,
                reports_on: st.j,
                tripped: trip,
                evidence: std::mem::take(&mut evidence[d]),
                topology_version: self.topo.version(),
            });
        }
        out.outages
            .sort_by(|a, b| b.customers.cmp(&a.customers).then(a.device.cmp(&b.device)));
        out.already_out.sort_unstable();
        out.already_out.dedup();
        out.contradicting.sort_unstable();
        out.contradicting.dedup();
        out
    }
}
