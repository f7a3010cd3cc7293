//! Predictive reliability: expected SAIFI, SAIDI and energy not supplied per feeder and for the
//! system, from failure rates and repair and switching times, with and without FLISR.
//!
//! Every energized line fails at its rate ([`FailureRates`]): a segment per km of its length
//! (overhead or cable), a transformer or a switch per unit. A failure is a fault in its
//! *switch section* (the points reached through lines other than switches; a switch's failure
//! is counted in the section of its supply-side end), and every fault in one section has the
//! same consequences: those of the [`RestorationPlan`](super::restore::RestorationPlan) of a
//! fault in the section. Plans are not built one by one: on a radial component fed by one
//! source, the switch sections form a tree, and what each section's plan gives (the trip,
//! the customers out, the isolating and re-closing steps, the transfers through ties with
//! their capacity checks and splits, in the planner's order) is derived from per-section sums
//! and per-tie headroom computed once for the whole network. On a component with a loop or
//! several sources, each section's plan is built. Either way the outcome of each section with
//! a non-zero rate counts:
//!
//! - **without FLISR**, every customer the trip interrupts stays out for the repair time;
//! - **with FLISR**, the customers each step restores are out until that step (or the repair,
//!   if that comes first), steps taking the remote or the manual switching time one after
//!   another; the rest wait for the repair.
//!
//! An interruption of at most [`FailureRates::momentary_max_min`] minutes is momentary (IEEE
//! 1366: exactly 5 minutes is momentary; `reference/reliability-and-messaging.md`) and does
//! not count in SAIFI or SAIDI; it still counts in ENS. Customers belong to the feeder of the
//! source at the root of their energized component in the indexed state; interruptions are
//! counted against the feeder that is faulted.
//!
//! What-if studies (a remote switch, a new tie) compare the prediction of the network as it is
//! with the prediction of the changed network.

use hashbrown::HashMap;

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{ElementId, LineId, LineKind, PointId, SourceId};
use super::records::SegmentKind;
use super::restore::{RestorationOptions, RestorationPlan};
use super::scope::Trip;
use super::topology::{NONE, SRC, Topology};

mod fast;

/// Failure rates and times. JSON keys are the field names; unknown keys are errors.
///
/// The defaults are order-of-magnitude values of the kind quoted in distribution reliability
/// planning literature for 10 kV networks [M]; they are not taken from a verified table and
/// are meant to be replaced by the utility's own outage statistics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailureRates {
    /// Failures per km of overhead segment per year. Default 0.1.
    pub overhead_per_km_year: f64,
    /// Failures per km of cable segment per year. Default 0.05.
    pub cable_per_km_year: f64,
    /// Failures per transformer per year. Default 0.01.
    pub transformer_per_year: f64,
    /// Failures per switching device per year. Default 0.005.
    pub switch_per_year: f64,
    /// Hours to repair a failure and restore everyone it left out. Default 4.
    pub repair_h: f64,
    /// Minutes to operate a remote-operable device (or return a source). Default 3.
    pub remote_switch_min: f64,
    /// Minutes to operate a manual device (crew travel included). Default 60.
    pub manual_switch_min: f64,
    /// Interruptions of at most this many minutes are momentary. Default 5 (IEEE 1366).
    pub momentary_max_min: f64,
}

impl Default for FailureRates {
    fn default() -> Self {
        Self {
            overhead_per_km_year: 0.1,
            cable_per_km_year: 0.05,
            transformer_per_year: 0.01,
            switch_per_year: 0.005,
            repair_h: 4.0,
            remote_switch_min: 3.0,
            manual_switch_min: 60.0,
            momentary_max_min: 5.0,
        }
    }
}

impl FailureRates {
    /// Checks the rates: every value finite and ≥ 0, the repair time > 0.
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] naming the first value out of range.
    pub fn validate(&self) -> Result<(), NetworkError> {
        let all = [
            ("overhead_per_km_year", self.overhead_per_km_year),
            ("cable_per_km_year", self.cable_per_km_year),
            ("transformer_per_year", self.transformer_per_year),
            ("switch_per_year", self.switch_per_year),
            ("remote_switch_min", self.remote_switch_min),
            ("manual_switch_min", self.manual_switch_min),
            ("momentary_max_min", self.momentary_max_min),
        ];
        for (field, v) in all {
            if !(v.is_finite() && v >= 0.0) {
                return Err(NetworkError::invalid_option(
                    field,
                    v,
                    "must be finite and >= 0",
                ));
            }
        }
        if !(self.repair_h.is_finite() && self.repair_h > 0.0) {
            return Err(NetworkError::invalid_option(
                "repair_h",
                self.repair_h,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }

    /// The failure rate of a line per year.
    #[must_use]
    pub fn line_rate(&self, kind: &LineKind) -> f64 {
        match kind {
            LineKind::Segment(s) => {
                let per_km = match s.kind {
                    SegmentKind::Overhead => self.overhead_per_km_year,
                    SegmentKind::Cable => self.cable_per_km_year,
                };
                per_km * s.length_m / 1000.0
            }
            LineKind::Transformer(_) => self.transformer_per_year,
            LineKind::Switch(_) => self.switch_per_year,
        }
    }
}

/// Expected yearly indices of a feeder or of the system.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Indices {
    /// Customers served.
    pub customers: usize,
    /// Sustained interruptions per customer per year.
    pub saifi: f64,
    /// Minutes of sustained interruption per customer per year.
    pub saidi_min: f64,
    /// Energy not supplied per year, kWh.
    pub ens_kwh: f64,
}

/// The indices of one feeder, without and with FLISR.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FeederPrediction {
    /// The feeder's source.
    pub source: SourceId,
    /// Without FLISR: everyone the trip interrupts waits for the repair.
    pub without_flisr: Indices,
    /// With the FLISR plan of every fault.
    pub with_flisr: Indices,
}

/// The prediction for every feeder and the system.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReliabilityPrediction {
    /// Feeders by source id (sources that feed an energized component as its root).
    pub feeders: Vec<FeederPrediction>,
    /// The system without FLISR.
    pub system_without_flisr: Indices,
    /// The system with FLISR.
    pub system_with_flisr: Indices,
    /// Switch sections with a failure rate (the faults whose outcomes are counted).
    pub sections: usize,
}

/// Sums per feeder: interruptions (customer count × rate), customer-minutes, kWh.
#[derive(Clone, Copy, Default)]
struct Sums {
    ci: f64,
    cmi: f64,
    ens: f64,
}

/// How the outcome of each section is found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    /// From the switch-section tree, falling back to the plan where the tree does not apply.
    Tree,
    /// A full restoration plan for every section.
    Plans,
}

impl Topology {
    /// The expected reliability indices of every feeder and of the system (see the [module
    /// documentation](self)).
    ///
    /// # Errors
    /// [`NetworkError::InvalidOption`] for rates or options out of range.
    pub fn predict_reliability(
        &self,
        rates: &FailureRates,
        options: &RestorationOptions,
    ) -> Result<ReliabilityPrediction, NetworkError> {
        self.predict(rates, options, Method::Tree).map(|(p, _)| p)
    }

    /// The prediction with a full [`restoration_plan`](Topology::restoration_plan) for every
    /// section: the reference the fast prediction is tested against (slow at scale).
    ///
    /// # Errors
    /// As [`Topology::predict_reliability`].
    #[doc(hidden)]
    pub fn predict_reliability_reference(
        &self,
        rates: &FailureRates,
        options: &RestorationOptions,
    ) -> Result<ReliabilityPrediction, NetworkError> {
        self.predict(rates, options, Method::Plans).map(|(p, _)| p)
    }

    /// The prediction and how many sections needed a full plan (those on components with a
    /// loop or more than one source, whose outcome the section tree does not derive).
    ///
    /// # Errors
    /// As [`Topology::predict_reliability`].
    #[doc(hidden)]
    pub fn predict_reliability_with_fallbacks(
        &self,
        rates: &FailureRates,
        options: &RestorationOptions,
    ) -> Result<(ReliabilityPrediction, usize), NetworkError> {
        self.predict(rates, options, Method::Tree)
    }

    fn predict(
        &self,
        rates: &FailureRates,
        options: &RestorationOptions,
        method: Method,
    ) -> Result<(ReliabilityPrediction, usize), NetworkError> {
        rates.validate()?;
        options.capacity.validate()?;
        let net = &**self.network();
        let st = self.state();
        // Switch sections of the energized points: union-find over passing non-switch lines.
        let n = net.point_count();
        let mut up: Vec<u32> = (0..n as u32).collect();
        fn root(up: &mut [u32], mut i: u32) -> u32 {
            while up[i as usize] != i {
                up[i as usize] = up[up[i as usize] as usize];
                i = up[i as usize];
            }
            i
        }
        for l in net.line_ids() {
            if net.line(l).as_switch().is_some() || !st.line_passes(l) {
                continue;
            }
            let (a, b) = net.line_ends(l);
            if !self.is_energized(a) || !self.is_energized(b) {
                continue;
            }
            let (ra, rb) = (root(&mut up, a.0), root(&mut up, b.0));
            if ra != rb {
                up[ra as usize] = rb;
            }
        }
        // Each energized point's section representative (its union-find root).
        let roots: Vec<u32> = (0..n as u32)
            .map(|p| {
                if self.is_energized(PointId(p)) {
                    root(&mut up, p)
                } else {
                    NONE
                }
            })
            .collect();
        let tree = fast::SectionTree::new(self, options, &roots);
        // Failure rate per section (by its representative point).
        let mut rate: Vec<f64> = vec![0.0; n];
        for l in net.line_ids() {
            if !st.line_passes(l) {
                continue;
            }
            let line = net.line(l);
            let (a, b) = net.line_ends(l);
            let at = if line.as_switch().is_some() {
                // The supply-side end: the end the other hangs from, else any energized end.
                if self.parent_code(b.0) == l.0 {
                    a
                } else if self.parent_code(a.0) == l.0 {
                    b
                } else if self.is_energized(a) {
                    a
                } else {
                    b
                }
            } else {
                a
            };
            if !self.is_energized(at) {
                continue;
            }
            let r = rates.line_rate(&line.kind);
            if r > 0.0 {
                rate[roots[at.index()] as usize] += r;
            }
        }
        // Sections whose only passing edge switch is the protective line they hang from: a
        // fault there trips that line, loses exactly the section and has nothing to restore
        // (a transformer's fuse zone, a fused lateral end). Their outcome needs no plan.
        let mut edge: HashMap<u32, (u32, u32)> = HashMap::new();
        if method == Method::Tree {
            for l in net.line_ids() {
                let line = net.line(l);
                if line.as_switch().is_none() || !st.line_passes(l) {
                    continue;
                }
                let (a, b) = net.line_ends(l);
                if !self.is_energized(a) || !self.is_energized(b) {
                    continue;
                }
                let (ra, rb) = (roots[a.index()], roots[b.index()]);
                if ra == rb {
                    continue;
                }
                for (r, end) in [(ra, a.0), (rb, b.0)] {
                    if tree.is_fast(tree.section_of(r)) {
                        continue;
                    }
                    let e = edge.entry(r).or_insert((0, NONE));
                    e.0 += 1;
                    if self.parent_code(end) == l.0 && line.is_protective() {
                        e.1 = end;
                    }
                }
            }
        }
        // Feeder of each component: its root source.
        let mut feeder_of_comp: HashMap<u32, u32> = HashMap::new();
        let mut customers: HashMap<u32, usize> = HashMap::new();
        for (c, comp) in self.components() {
            let s = comp.sources.first().copied().unwrap_or(NONE);
            feeder_of_comp.insert(c, s);
            *customers.entry(s).or_default() += *comp.pre_customers.last().unwrap_or(&0) as usize;
        }
        let mut without: HashMap<u32, Sums> = HashMap::new();
        let mut with: HashMap<u32, Sums> = HashMap::new();
        let sections: Vec<(u32, f64)> = rate
            .iter()
            .enumerate()
            .filter(|&(_, &r)| r > 0.0)
            .map(|(p, &r)| (p as u32, r))
            .collect();
        let momentary = rates.momentary_max_min;
        let repair_min = rates.repair_h * 60.0;
        let mut scratch = tree.scratch();
        let mut plan = fast::Outcome::default();
        let mut fallbacks = 0usize;
        for &(p, lambda) in &sections {
            let (c, _) = self.comp_tin(p);
            let feeder = feeder_of_comp.get(&c).copied().unwrap_or(NONE);
            let k = tree.section_of(p);
            let derived = method == Method::Tree
                && tree.is_fast(k)
                && tree.outcome(k, p, &mut scratch, &mut plan);
            if !derived {
                let trivial = match (method, edge.get(&p)) {
                    (Method::Tree, Some(&(1, top))) if top != NONE => Some(top),
                    _ => None,
                };
                let full = match trivial {
                    Some(top) => self.trivial_plan(p, top),
                    None => {
                        fallbacks += 1;
                        self.restoration_plan(ElementId::Point(PointId(p)), options)?
                    }
                };
                plan = self.outcome_of(&full, plan);
            }
            let w = without.entry(feeder).or_default();
            let sustained = repair_min > momentary;
            if sustained {
                w.ci += lambda * plan.customers_out as f64;
                w.cmi += lambda * plan.customers_out as f64 * repair_min;
            }
            w.ens += lambda * plan.load_out_kw * rates.repair_h;
            let f = with.entry(feeder).or_default();
            let mut t_min = 0.0;
            for step in &plan.steps {
                t_min += if step.manual {
                    rates.manual_switch_min
                } else {
                    rates.remote_switch_min
                };
                // A step later than the repair restores nobody sooner than the repair does.
                let d_min = f64::min(t_min, repair_min);
                let k = step.customers as f64;
                if d_min > momentary {
                    f.ci += lambda * k;
                    f.cmi += lambda * k * d_min;
                }
                f.ens += lambda * step.load_kw * d_min / 60.0;
            }
            if sustained {
                f.ci += lambda * plan.customers_remaining as f64;
                f.cmi += lambda * plan.customers_remaining as f64 * repair_min;
            }
            f.ens += lambda * plan.load_remaining_kw * rates.repair_h;
        }
        let indices = |s: Sums, n: usize| Indices {
            customers: n,
            saifi: if n > 0 { s.ci / n as f64 } else { 0.0 },
            saidi_min: if n > 0 { s.cmi / n as f64 } else { 0.0 },
            ens_kwh: s.ens,
        };
        let mut out = ReliabilityPrediction {
            sections: sections.len(),
            ..ReliabilityPrediction::default()
        };
        let mut feeders: Vec<u32> = customers.keys().copied().filter(|&s| s != NONE).collect();
        feeders.sort_unstable();
        let (mut tw, mut tf, mut total) = (Sums::default(), Sums::default(), 0usize);
        for s in feeders {
            let n = customers[&s];
            let w = without.get(&s).copied().unwrap_or_default();
            let f = with.get(&s).copied().unwrap_or_default();
            for (t, x) in [(&mut tw, w), (&mut tf, f)] {
                t.ci += x.ci;
                t.cmi += x.cmi;
                t.ens += x.ens;
            }
            total += n;
            out.feeders.push(FeederPrediction {
                source: SourceId(s & !SRC),
                without_flisr: indices(w, n),
                with_flisr: indices(f, n),
            });
        }
        out.system_without_flisr = indices(tw, total);
        out.system_with_flisr = indices(tf, total);
        Ok((out, fallbacks))
    }

    /// What the prediction reads of a plan (reusing `out`'s step buffer).
    fn outcome_of(&self, plan: &RestorationPlan, mut out: fast::Outcome) -> fast::Outcome {
        out.steps.clear();
        out.steps
            .extend(plan.steps.iter().map(|step| fast::StepOut {
                manual: matches!(step.element, ElementId::Line(l) if !is_remote(self, l)),
                customers: step.customers_restored,
                load_kw: step.load_restored_kw,
            }));
        out.customers_out = plan.customers_out;
        out.load_out_kw = plan.load_out_kw;
        out.customers_remaining = plan.customers_remaining;
        out.load_remaining_kw = plan.load_remaining_kw;
        out
    }
}

impl Topology {
    /// The plan of a fault in a section that hangs alone below its protective line (`top` is
    /// the point below that line): the line trips, the section is lost, nothing is restored.
    fn trivial_plan(&self, p: u32, top: u32) -> RestorationPlan {
        let below = self.below(top);
        RestorationPlan {
            fault: ElementId::Point(PointId(p)),
            tripped: vec![Trip::Switch(LineId(self.parent_code(top)))],
            section: Vec::new(),
            isolators: Vec::new(),
            steps: Vec::new(),
            customers_out: below.customers,
            load_out_kw: below.load_kw,
            customers_remaining: below.customers,
            load_remaining_kw: below.load_kw,
            topology_version: self.version(),
        }
    }
}

fn is_remote(topo: &Topology, l: LineId) -> bool {
    topo.network().line(l).as_switch().is_some_and(|s| s.remote)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::network::Network;
    use crate::network::records::*;

    /// A feeder whose lateral ends in a fused zone and a fused transformer: the fast outcome of
    /// those sections equals the full plan's.
    #[test]
    fn trivial_sections_match_their_full_plans() {
        let pt = |a: &str| PointRecord {
            asset: a.into(),
            kind: PointKind::Pole,
            name: None,
            in_service: true,
        };
        let sw = |a: &str, f: &str, t: &str, kind: SwitchKind| SwitchRecord {
            asset: a.into(),
            from: f.into(),
            to: t.into(),
            kind,
            normally_open: false,
            protective: kind.protective_by_default(),
            remote: false,
            in_service: true,
        };
        let seg = |a: &str, f: &str, t: &str| SegmentRecord {
            asset: a.into(),
            from: f.into(),
            to: t.into(),
            kind: SegmentKind::Overhead,
            length_m: 500.0,
            rated_current_a: None,
            in_service: true,
        };
        let cust = |n: &str, p: &str, kw: f64| CustomerRecord {
            number: n.into(),
            name: None,
            point: p.into(),
            contracted_kva: 100.0,
            load_kw: kw,
            importance: Importance::Normal,
            contacts: Vec::new(),
        };
        let data = NetworkData {
            points: ["BUS", "A", "B", "C", "D", "HV", "LV"]
                .into_iter()
                .map(pt)
                .collect(),
            segments: vec![seg("L1", "A", "B"), seg("L2", "C", "D")],
            switches: vec![
                sw("CB", "BUS", "A", SwitchKind::Breaker),
                sw("F1", "B", "C", SwitchKind::Fuse),
                sw("F2", "B", "HV", SwitchKind::Fuse),
            ],
            transformers: vec![TransformerRecord {
                asset: "T".into(),
                from: "HV".into(),
                to: "LV".into(),
                rated_kva: 200.0,
                model: String::new(),
                year_in_service: None,
                usage: TransformerUsage::Public,
                in_service: true,
            }],
            sources: vec![SourceRecord {
                asset: "S".into(),
                point: "BUS".into(),
                name: None,
                capacity_kva: 1000.0,
                in_service: true,
            }],
            customers: vec![
                cust("1", "B", 10.0),
                cust("2", "D", 20.0),
                cust("3", "LV", 30.0),
            ],
        };
        let net = Arc::new(Network::from_data(&data).unwrap());
        let topo = Topology::normal(net.clone());
        for (point, fuse) in [("C", "F1"), ("HV", "F2")] {
            let p = net.point_id(point).unwrap().0;
            let top = p;
            assert_eq!(topo.parent_code(top), net.line_id(fuse).unwrap().0);
            let fast = topo.trivial_plan(p, top);
            let full = topo
                .restoration_plan(ElementId::Point(PointId(p)), &RestorationOptions::default())
                .unwrap();
            assert!(full.steps.is_empty());
            assert_eq!(fast.tripped, full.tripped);
            assert_eq!(
                (
                    fast.customers_out,
                    fast.load_out_kw,
                    fast.customers_remaining
                ),
                (
                    full.customers_out,
                    full.load_out_kw,
                    full.customers_remaining
                )
            );
        }
        // And the prediction counts every section with a rate: BUS (the breaker's own failures,
        // counted on its supply side), A–B (L1 and the fuses F1, F2), C–D (L2) and HV–LV (T).
        let r = FailureRates::default();
        let pr = topo
            .predict_reliability(&r, &RestorationOptions::default())
            .unwrap();
        assert_eq!(pr.sections, 4);
    }
}
