//! A plain, independent reference for property tests: breadth-first search from the sources
//! over whatever passes, written without the index, and small random networks and operations to
//! compare against. The random cases draw from a [`SplitMix64`], so a seed gives the same case
//! everywhere.

use std::collections::{BTreeSet, VecDeque};

use gridserve_core::network::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
};
use gridserve_core::network::{
    Action, ElementId, LineId, Network, NetworkState, Operation, PointId, SourceId,
};

use crate::SplitMix64;

/// Energized points of `state` by breadth-first search from every passing source.
pub fn energized(net: &Network, state: &NetworkState) -> BTreeSet<u32> {
    let mut seen = vec![false; net.point_count()];
    let mut queue = VecDeque::new();
    for s in net.source_ids() {
        let p = net.source(s).point;
        if state.source_passes(s) && state.point_passes(p) && !seen[p.index()] {
            seen[p.index()] = true;
            queue.push_back(p);
        }
    }
    while let Some(p) = queue.pop_front() {
        for e in net
            .graph()
            .edges(petgraph::graph::NodeIndex::new(p.index()))
        {
            use petgraph::visit::EdgeRef;
            let l = LineId(e.id().index() as u32);
            let w = if e.source().index() == p.index() {
                e.target()
            } else {
                e.source()
            };
            let w = PointId(w.index() as u32);
            if state.line_passes(l) && state.point_passes(w) && !seen[w.index()] {
                seen[w.index()] = true;
                queue.push_back(w);
            }
        }
    }
    (0..net.point_count() as u32)
        .filter(|&p| seen[p as usize])
        .collect()
}

/// Energized transformers: passing, both ends energized.
pub fn energized_transformers(
    net: &Network,
    state: &NetworkState,
    points: &BTreeSet<u32>,
) -> BTreeSet<u32> {
    net.line_ids()
        .filter(|&l| {
            let (a, b) = net.line_ends(l);
            net.line(l).is_transformer()
                && state.line_passes(l)
                && points.contains(&a.0)
                && points.contains(&b.0)
        })
        .map(|l| l.0)
        .collect()
}

/// Lost and restored points of going from `before` to `after`.
pub struct Diff {
    /// Points energized before and not after.
    pub lost: BTreeSet<u32>,
    /// Points energized after and not before.
    pub restored: BTreeSet<u32>,
    /// Transformers energized before and not after.
    pub lost_transformers: BTreeSet<u32>,
    /// Points energized after.
    pub after: BTreeSet<u32>,
}

/// The [`Diff`] of going from `before` to `after`, by two breadth-first searches.
pub fn diff(net: &Network, before: &NetworkState, after: &NetworkState) -> Diff {
    let e0 = energized(net, before);
    let e1 = energized(net, after);
    let t0 = energized_transformers(net, before, &e0);
    let t1 = energized_transformers(net, after, &e1);
    Diff {
        lost: e0.difference(&e1).copied().collect(),
        restored: e1.difference(&e0).copied().collect(),
        lost_transformers: t0.difference(&t1).copied().collect(),
        after: e1,
    }
}

/// True with probability `p` (a draw of [`SplitMix64::unit`] at most `p`).
fn chance(rng: &mut SplitMix64, p: f64) -> bool {
    rng.unit() <= p
}

/// A random small network: a random tree over the points from one or more sources, plus
/// `extra` random lines (which make loops and parallel lines when they pass), random line
/// kinds, switch positions, protection, out-of-service flags and customers.
pub fn random_network(rng: &mut SplitMix64, points: usize, extra: usize) -> NetworkData {
    let mut d = NetworkData::default();
    for i in 0..points {
        d.points.push(PointRecord {
            asset: format!("P{i}"),
            kind: PointKind::Pole,
            name: None,
            in_service: !chance(rng, 0.03),
        });
    }
    let sources = 1 + rng.below(3);
    for s in 0..sources {
        let p = rng.below(points);
        d.sources.push(SourceRecord {
            asset: format!("S{s}"),
            point: format!("P{p}"),
            name: None,
            capacity_kva: 5000.0,
            in_service: !chance(rng, 0.1),
        });
    }
    let mut line = 0usize;
    let mut add = |d: &mut NetworkData, rng: &mut SplitMix64, a: usize, b: usize| {
        let (from, to) = (format!("P{a}"), format!("P{b}"));
        let asset = format!("L{line}");
        line += 1;
        let in_service = !chance(rng, 0.05);
        match rng.below(10) {
            0..=4 => d.segments.push(SegmentRecord {
                asset,
                from,
                to,
                kind: SegmentKind::Overhead,
                length_m: 10.0,
                rated_current_a: None,
                in_service,
            }),
            5..=8 => {
                let kind = [
                    SwitchKind::Breaker,
                    SwitchKind::LoadBreakSwitch,
                    SwitchKind::Fuse,
                ][rng.below(3)];
                d.switches.push(SwitchRecord {
                    asset,
                    from,
                    to,
                    kind,
                    normally_open: chance(rng, 0.15),
                    protective: chance(rng, 0.4),
                    remote: chance(rng, 0.5),
                    in_service,
                });
            }
            _ => d.transformers.push(TransformerRecord {
                asset,
                from,
                to,
                rated_kva: 400.0,
                model: "S11-M-400/10".into(),
                year_in_service: Some(2010),
                usage: TransformerUsage::Public,
                in_service,
            }),
        }
    };
    // Tree: each point after the first joins an earlier one (a random recursive tree), then
    // extra lines between random distinct points.
    for i in 1..points {
        let j = rng.below(i);
        add(&mut d, rng, j, i);
    }
    for _ in 0..extra {
        let a = rng.below(points);
        let mut b = rng.below(points);
        if a == b {
            b = (b + 1) % points;
        }
        add(&mut d, rng, a, b);
    }
    for c in 0..points / 2 {
        let importance = [
            Importance::Normal,
            Importance::Normal,
            Importance::FirstClass,
        ][rng.below(3)];
        d.customers.push(CustomerRecord {
            number: format!("C{c}"),
            name: None,
            point: format!("P{}", rng.below(points)),
            contracted_kva: 100.0,
            load_kw: (1 + rng.below(100)) as f64,
            importance,
            contacts: vec![Contact {
                name: "n".into(),
                phone: "13800000000".into(),
                role: ContactRole::Electrician,
                level: 1,
            }],
        });
    }
    d
}

/// A random operation on a random element (it may be refused; callers skip those).
pub fn random_op(rng: &mut SplitMix64, net: &Network) -> Operation {
    let element = match rng.below(10) {
        0..=6 => ElementId::Line(LineId(rng.below(net.line_count()) as u32)),
        7 | 8 => ElementId::Point(PointId(rng.below(net.point_count()) as u32)),
        _ => ElementId::Source(SourceId(rng.below(net.source_count()) as u32)),
    };
    let action = [
        Action::Open,
        Action::Open,
        Action::Close,
        Action::Close,
        Action::Fault,
        Action::Repair,
        Action::TakeOut,
        Action::Restore,
    ][rng.below(8)];
    Operation { action, element }
}

/// A random valid list of up to `max` operations against `state`.
pub fn random_ops(
    rng: &mut SplitMix64,
    net: &Network,
    state: &NetworkState,
    max: usize,
) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut probe = state.clone();
    for _ in 0..1 + rng.below(max) {
        for _ in 0..20 {
            let op = random_op(rng, net);
            if probe.apply(net, &[op]).is_ok() {
                ops.push(op);
                break;
            }
        }
    }
    ops
}
