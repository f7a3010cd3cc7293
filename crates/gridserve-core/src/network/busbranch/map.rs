//! The mapping from a [`BusBranch`] to point-line records, one function per phase:
//!
//! 1. [`RowIndex::new`]: duplicate ids, and the row of every id a switch or a branch names;
//! 2. [`Mapping::branch_ends`]: the bus points and the end points of every branch, with their
//!    numeric checks (and the trafo3w star points);
//! 3. [`Mapping::place_switches`]: switches in row order, moving element ends onto new points;
//! 4. [`Mapping::cut_self_loops`]: the second end of a self-loop onto a dead-end point;
//! 5. [`Mapping::slacks`]: the sources, with a stub for a slack bus that has no line;
//! 6. [`Mapping::loads`]: the customers;
//! 7. [`Mapping::records`] and [`Mapping::index_map`]: the records in line-id order and the
//!    ids each row became.
//!
//! The phases run in this order, so the first problem reported is the same as documented on
//! [`to_network_data`].

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

use super::types::{BbImpedance, BusBranch, BusBranchMap, BusBranchOptions, SwitchElement};
use crate::network::error::NetworkError;
use crate::network::model::{CustomerId, LineId, Network, PointId, SourceId, ValidationOptions};
use crate::network::records::{
    CustomerRecord, Importance, NetworkData, PointKind, PointRecord, SegmentKind, SegmentRecord,
    SourceRecord, SwitchKind, SwitchRecord, TransformerRecord, TransformerUsage,
};

pub(super) fn unmappable(
    table: &'static str,
    id: impl Display,
    field: &'static str,
    value: impl Display,
    reason: impl Into<String>,
) -> NetworkError {
    NetworkError::Unmappable {
        table,
        id: id.to_string(),
        field,
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Row position by id; a repeated id is unmappable.
fn index_ids<K: Eq + Hash + Display + Clone>(
    table: &'static str,
    ids: impl Iterator<Item = K>,
) -> Result<HashMap<K, usize>, NetworkError> {
    let mut map = HashMap::new();
    for (row, id) in ids.enumerate() {
        if let Some(&first) = map.get(&id) {
            return Err(unmappable(
                table,
                &id,
                "id",
                &id,
                format!("the id is used by an earlier row of the table (row {first}, 0-based)"),
            ));
        }
        map.insert(id, row);
    }
    Ok(map)
}

/// The points as they are added.
struct Points {
    records: Vec<PointRecord>,
    buses: Vec<Option<i64>>,
}

impl Points {
    /// Adds a junction point the mapping needs (in service, no bus).
    fn add(&mut self, asset: String) -> usize {
        self.records.push(PointRecord {
            asset,
            kind: PointKind::Junction,
            name: None,
            in_service: true,
        });
        self.buses.push(None);
        self.records.len() - 1
    }

    fn asset(&self, p: usize) -> String {
        self.records[p].asset.clone()
    }
}

pub(super) fn switch_kind(kind: Option<&str>) -> SwitchKind {
    match kind.map(|k| k.trim().to_ascii_uppercase()).as_deref() {
        Some("CB") => SwitchKind::Breaker,
        Some("LBS" | "LS") => SwitchKind::LoadBreakSwitch,
        _ => SwitchKind::Disconnector,
    }
}

/// Checks a rating in MVA and returns it in kVA.
fn rated_kva(
    table: &'static str,
    id: i64,
    field: &'static str,
    mva: f64,
) -> Result<f64, NetworkError> {
    if mva.is_finite() && mva > 0.0 {
        Ok(mva * 1000.0)
    } else {
        Err(unmappable(
            table,
            id,
            field,
            mva,
            "a transformer's rated power must be finite and greater than zero",
        ))
    }
}

/// A row of the segment-like tables (impedance, dcline, tcsc) with its table name.
type Branch<'a> = (&'static str, &'a BbImpedance);

/// Phase 1: the row of every id, once each table is known to have no duplicate id.
struct RowIndex {
    bus: HashMap<i64, usize>,
    line: HashMap<i64, usize>,
    trafo: HashMap<i64, usize>,
    trafo3w: HashMap<i64, usize>,
}

impl RowIndex {
    /// Refuses a duplicate id in any table (tables in field order).
    fn new(bb: &BusBranch) -> Result<Self, NetworkError> {
        let bus = index_ids("bus", bb.buses.iter().map(|b| b.id))?;
        let line = index_ids("line", bb.lines.iter().map(|r| r.id))?;
        let trafo = index_ids("trafo", bb.trafos.iter().map(|r| r.id))?;
        let trafo3w = index_ids("trafo3w", bb.trafo3ws.iter().map(|r| r.id))?;
        index_ids("impedance", bb.impedances.iter().map(|r| r.id))?;
        index_ids("dcline", bb.dclines.iter().map(|r| r.id))?;
        index_ids("tcsc", bb.tcscs.iter().map(|r| r.id))?;
        index_ids("switch", bb.switches.iter().map(|r| r.id))?;
        index_ids("slack", bb.slacks.iter().map(|r| r.id.clone()))?;
        index_ids("load", bb.loads.iter().map(|r| r.id))?;
        Ok(Self {
            bus,
            line,
            trafo,
            trafo3w,
        })
    }

    /// The point of bus `b` (bus points are points `0..buses.len()`, so a bus's row is its
    /// point), or unmappable naming the row that names it.
    fn bus(
        &self,
        table: &'static str,
        id: &dyn Display,
        field: &'static str,
        b: i64,
    ) -> Result<usize, NetworkError> {
        self.bus
            .get(&b)
            .copied()
            .ok_or_else(|| unmappable(table, id, field, b, "names no bus of the bus table"))
    }
}

/// The mapping's working state: the points so far and the current end points of every
/// branch, starting at the bus points.
struct Mapping<'a> {
    bb: &'a BusBranch,
    ix: RowIndex,
    points: Points,
    branches: Vec<Branch<'a>>,
    line_ends: Vec<[usize; 2]>,
    trafo_ends: Vec<[usize; 2]>,
    trafo3w_ends: Vec<[usize; 3]>,
    branch_ends: Vec<[usize; 2]>,
    switch_ends: Vec<[usize; 2]>,
    stars: Vec<usize>,
    /// `(bus point, stub point, bus id)` of every slack stub.
    stubs: Vec<(usize, usize, i64)>,
}

impl<'a> Mapping<'a> {
    /// Phase 2: the bus points, then the ends of lines, trafos, trafo3ws and the segment-like
    /// branches with their numeric checks, then the trafo3w star points.
    fn branch_ends(bb: &'a BusBranch, ix: RowIndex) -> Result<Self, NetworkError> {
        let points = Points {
            records: bb
                .buses
                .iter()
                .map(|b| PointRecord {
                    asset: format!("bus/{}", b.id),
                    kind: PointKind::Busbar,
                    name: b.name.clone(),
                    in_service: b.in_service,
                })
                .collect(),
            buses: bb.buses.iter().map(|b| Some(b.id)).collect(),
        };
        let mut line_ends = Vec::with_capacity(bb.lines.len());
        for l in &bb.lines {
            let f = ix.bus("line", &l.id, "from_bus", l.from_bus)?;
            let t = ix.bus("line", &l.id, "to_bus", l.to_bus)?;
            if !(l.length_km.is_finite() && l.length_km >= 0.0) {
                return Err(unmappable(
                    "line",
                    l.id,
                    "length_km",
                    l.length_km,
                    "a line's length must be finite and not negative",
                ));
            }
            line_ends.push([f, t]);
        }
        let mut trafo_ends = Vec::with_capacity(bb.trafos.len());
        for t in &bb.trafos {
            let hv = ix.bus("trafo", &t.id, "hv_bus", t.hv_bus)?;
            let lv = ix.bus("trafo", &t.id, "lv_bus", t.lv_bus)?;
            rated_kva("trafo", t.id, "sn_mva", t.sn_mva)?;
            trafo_ends.push([hv, lv]);
        }
        let mut trafo3w_ends = Vec::with_capacity(bb.trafo3ws.len());
        for t in &bb.trafo3ws {
            let hv = ix.bus("trafo3w", &t.id, "hv_bus", t.hv_bus)?;
            let mv = ix.bus("trafo3w", &t.id, "mv_bus", t.mv_bus)?;
            let lv = ix.bus("trafo3w", &t.id, "lv_bus", t.lv_bus)?;
            rated_kva("trafo3w", t.id, "sn_hv_mva", t.sn_hv_mva)?;
            rated_kva("trafo3w", t.id, "sn_mv_mva", t.sn_mv_mva)?;
            rated_kva("trafo3w", t.id, "sn_lv_mva", t.sn_lv_mva)?;
            trafo3w_ends.push([hv, mv, lv]);
        }
        let branches: Vec<Branch<'a>> = [
            ("impedance", &bb.impedances),
            ("dcline", &bb.dclines),
            ("tcsc", &bb.tcscs),
        ]
        .into_iter()
        .flat_map(|(table, rows)| rows.iter().map(move |r| (table, r)))
        .collect();
        let mut branch_ends = Vec::with_capacity(branches.len());
        for &(table, r) in &branches {
            let f = ix.bus(table, &r.id, "from_bus", r.from_bus)?;
            let t = ix.bus(table, &r.id, "to_bus", r.to_bus)?;
            branch_ends.push([f, t]);
        }
        let mut m = Self {
            bb,
            ix,
            points,
            branches,
            line_ends,
            trafo_ends,
            trafo3w_ends,
            branch_ends,
            switch_ends: Vec::with_capacity(bb.switches.len()),
            stars: Vec::with_capacity(bb.trafo3ws.len()),
            stubs: Vec::new(),
        };
        for t in &bb.trafo3ws {
            let star = m.points.add(format!("trafo3w/{}/star", t.id));
            m.stars.push(star);
        }
        Ok(m)
    }

    /// Phase 3: switches, in row order. A bus-element switch moves every end of its element
    /// at its bus onto a new point, and goes from where that end was to the new point.
    fn place_switches(&mut self) -> Result<(), NetworkError> {
        let bb = self.bb;
        for s in &bb.switches {
            let at = self.ix.bus("switch", &s.id, "bus", s.bus)?;
            let unknown = || {
                unmappable(
                    "switch",
                    s.id,
                    "element",
                    s.element,
                    format!(
                        "names no row of the {} table (et = {:?})",
                        s.et.table(),
                        s.et.code()
                    ),
                )
            };
            let (ends, buses): (&mut [usize], Vec<i64>) = match s.et {
                SwitchElement::Bus => {
                    let other = self.ix.bus("switch", &s.id, "element", s.element)?;
                    let other = if other == at {
                        self.points.add(format!("switch/{}/loop", s.id))
                    } else {
                        other
                    };
                    self.switch_ends.push([at, other]);
                    continue;
                }
                SwitchElement::Line => {
                    let row = *self.ix.line.get(&s.element).ok_or_else(unknown)?;
                    let l = &bb.lines[row];
                    (&mut self.line_ends[row], vec![l.from_bus, l.to_bus])
                }
                SwitchElement::Trafo => {
                    let row = *self.ix.trafo.get(&s.element).ok_or_else(unknown)?;
                    let t = &bb.trafos[row];
                    (&mut self.trafo_ends[row], vec![t.hv_bus, t.lv_bus])
                }
                SwitchElement::Trafo3w => {
                    let row = *self.ix.trafo3w.get(&s.element).ok_or_else(unknown)?;
                    let t = &bb.trafo3ws[row];
                    (
                        &mut self.trafo3w_ends[row],
                        vec![t.hv_bus, t.mv_bus, t.lv_bus],
                    )
                }
            };
            let Some(first) = buses.iter().position(|&b| b == s.bus) else {
                let listed: Vec<String> = buses.iter().map(i64::to_string).collect();
                return Err(unmappable(
                    "switch",
                    s.id,
                    "bus",
                    s.bus,
                    format!(
                        "{} {} does not end at this bus (its buses are {})",
                        s.et.table(),
                        s.element,
                        listed.join(", ")
                    ),
                ));
            };
            let from = ends[first];
            let end = self.points.add(format!("switch/{}/end", s.id));
            for (e, &b) in ends.iter_mut().zip(&buses) {
                if b == s.bus {
                    *e = end;
                }
            }
            self.switch_ends.push([from, end]);
        }
        Ok(())
    }

    /// Phase 4: self-loops. The second end goes to a dead-end point, so the line stays but
    /// connects nothing (as pandapower's self-loop edge).
    fn cut_self_loops(&mut self) {
        let bb = self.bb;
        for (l, e) in bb.lines.iter().zip(&mut self.line_ends) {
            if e[0] == e[1] {
                e[1] = self.points.add(format!("line/{}/loop", l.id));
            }
        }
        for (&(table, r), e) in self.branches.iter().zip(&mut self.branch_ends) {
            if e[0] == e[1] {
                e[1] = self.points.add(format!("{table}/{}/loop", r.id));
            }
        }
        for (t, e) in bb.trafos.iter().zip(&mut self.trafo_ends) {
            if e[0] == e[1] {
                e[1] = self.points.add(format!("trafo/{}/loop", t.id));
            }
        }
    }

    /// Phase 5: the slacks as sources, and a stub for a slack bus with no line at all (a
    /// source must feed a line).
    fn slacks(&mut self, options: &BusBranchOptions) -> Result<Vec<SourceRecord>, NetworkError> {
        let mut has_line = vec![false; self.points.records.len()];
        for &p in self
            .line_ends
            .iter()
            .chain(&self.trafo_ends)
            .chain(&self.branch_ends)
            .chain(&self.switch_ends)
            .flatten()
            .chain(self.trafo3w_ends.iter().flatten())
        {
            has_line[p] = true;
        }
        let mut sources = Vec::with_capacity(self.bb.slacks.len());
        for s in &self.bb.slacks {
            let p = self.ix.bus("slack", &s.id, "bus", s.bus)?;
            if !has_line[p] {
                has_line[p] = true;
                let stub = self.points.add(format!("bus/{}/stub", s.bus));
                self.stubs.push((p, stub, s.bus));
            }
            sources.push(SourceRecord {
                asset: format!("slack/{}", s.id),
                point: self.points.asset(p),
                name: s.name.clone(),
                capacity_kva: options.source_capacity_kva,
                in_service: s.in_service,
            });
        }
        Ok(sources)
    }

    /// Phase 6: the loads as customers at their bus.
    fn loads(&self) -> Result<Vec<CustomerRecord>, NetworkError> {
        let mut customers = Vec::with_capacity(self.bb.loads.len());
        for l in &self.bb.loads {
            let p = self.ix.bus("load", &l.id, "bus", l.bus)?;
            if !(l.p_mw.is_finite() && l.p_mw >= 0.0) {
                return Err(unmappable(
                    "load",
                    l.id,
                    "p_mw",
                    l.p_mw,
                    "a customer's load must be finite and not negative (a negative load is \
                     generation; model it as an sgen)",
                ));
            }
            let contracted_kva = match l.sn_mva {
                None => l.p_mw * 1000.0,
                Some(sn) if sn.is_nan() => l.p_mw * 1000.0,
                Some(sn) if sn.is_finite() && sn >= 0.0 => sn * 1000.0,
                Some(sn) => {
                    return Err(unmappable(
                        "load",
                        l.id,
                        "sn_mva",
                        sn,
                        "a given rated power must be finite and not negative",
                    ));
                }
            };
            customers.push(CustomerRecord {
                number: format!("load/{}", l.id),
                name: l.name.clone(),
                point: self.points.asset(p),
                contracted_kva,
                load_kw: l.p_mw * 1000.0,
                importance: Importance::Normal,
                contacts: Vec::new(),
            });
        }
        Ok(customers)
    }

    /// Phase 7a: the segments (lines, impedances, dclines, tcscs, then slack stubs), switches
    /// and transformers (trafos, then each trafo3w's hv, mv, lv legs), in line-id order.
    fn records(
        &self,
    ) -> (
        Vec<SegmentRecord>,
        Vec<SwitchRecord>,
        Vec<TransformerRecord>,
    ) {
        let (bb, points) = (self.bb, &self.points);
        let segment =
            |asset: String, ends: [usize; 2], length_m, rated, in_service| SegmentRecord {
                asset,
                from: points.asset(ends[0]),
                to: points.asset(ends[1]),
                kind: SegmentKind::Overhead,
                length_m,
                rated_current_a: rated,
                in_service,
            };
        let mut segments =
            Vec::with_capacity(bb.lines.len() + self.branches.len() + self.stubs.len());
        for (l, &e) in bb.lines.iter().zip(&self.line_ends) {
            let rated = l
                .max_i_ka
                .filter(|a| a.is_finite() && *a > 0.0)
                .map(|a| a * 1000.0);
            segments.push(segment(
                format!("line/{}", l.id),
                e,
                l.length_km * 1000.0,
                rated,
                l.in_service,
            ));
        }
        for (&(table, r), &e) in self.branches.iter().zip(&self.branch_ends) {
            segments.push(segment(
                format!("{table}/{}", r.id),
                e,
                0.0,
                None,
                r.in_service,
            ));
        }
        for &(p, stub, b) in &self.stubs {
            segments.push(segment(
                format!("bus/{b}/stub-link"),
                [p, stub],
                0.0,
                None,
                true,
            ));
        }
        let switches: Vec<SwitchRecord> = bb
            .switches
            .iter()
            .zip(&self.switch_ends)
            .map(|(s, e)| {
                let kind = switch_kind(s.kind.as_deref());
                SwitchRecord {
                    asset: format!("switch/{}", s.id),
                    from: points.asset(e[0]),
                    to: points.asset(e[1]),
                    kind,
                    normally_open: !s.closed,
                    protective: kind.protective_by_default(),
                    remote: false,
                    in_service: s.in_service || s.closed,
                }
            })
            .collect();
        let transformer = |asset: String,
                           from: usize,
                           to: usize,
                           kva: f64,
                           model: &Option<String>,
                           in_service| {
            TransformerRecord {
                asset,
                from: points.asset(from),
                to: points.asset(to),
                rated_kva: kva,
                model: model.clone().unwrap_or_default(),
                year_in_service: None,
                usage: TransformerUsage::Public,
                in_service,
            }
        };
        let mut transformers = Vec::with_capacity(bb.trafos.len() + 3 * bb.trafo3ws.len());
        for (t, e) in bb.trafos.iter().zip(&self.trafo_ends) {
            transformers.push(transformer(
                format!("trafo/{}", t.id),
                e[0],
                e[1],
                t.sn_mva * 1000.0,
                &t.std_type,
                t.in_service,
            ));
        }
        for ((t, e), &star) in bb.trafo3ws.iter().zip(&self.trafo3w_ends).zip(&self.stars) {
            let legs = [
                ("hv", t.sn_hv_mva),
                ("mv", t.sn_mv_mva),
                ("lv", t.sn_lv_mva),
            ];
            for ((side, mva), &end) in legs.into_iter().zip(e) {
                transformers.push(transformer(
                    format!("trafo3w/{}/{side}", t.id),
                    end,
                    star,
                    mva * 1000.0,
                    &t.std_type,
                    t.in_service,
                ));
            }
        }
        (segments, switches, transformers)
    }

    /// Phase 7b: the ids each row became, given the number of segments and switches.
    fn index_map(&self, n_segments: usize, n_switches: usize) -> BusBranchMap {
        let bb = self.bb;
        let ids = |start: usize, n: usize| -> Vec<LineId> {
            (start..start + n).map(|i| LineId(i as u32)).collect()
        };
        let (n_lines, n_branches) = (bb.lines.len(), self.branches.len());
        let (n_imp, n_dc) = (bb.impedances.len(), bb.dclines.len());
        let switch_start = n_segments;
        let trafo_start = switch_start + n_switches;
        let trafo3w_start = trafo_start + bb.trafos.len();
        BusBranchMap {
            bus_points: (0..bb.buses.len()).map(|i| PointId(i as u32)).collect(),
            point_buses: self.points.buses.clone(),
            line_lines: ids(0, n_lines),
            impedance_lines: ids(n_lines, n_imp),
            dcline_lines: ids(n_lines + n_imp, n_dc),
            tcsc_lines: ids(n_lines + n_imp + n_dc, n_branches - n_imp - n_dc),
            switch_lines: ids(switch_start, n_switches),
            trafo_lines: ids(trafo_start, bb.trafos.len()),
            trafo3w_lines: (0..bb.trafo3ws.len())
                .map(|k| {
                    let base = (trafo3w_start + 3 * k) as u32;
                    [LineId(base), LineId(base + 1), LineId(base + 2)]
                })
                .collect(),
            slack_sources: (0..bb.slacks.len()).map(|i| SourceId(i as u32)).collect(),
            load_customers: (0..bb.loads.len()).map(|i| CustomerId(i as u32)).collect(),
        }
    }
}

/// Maps `bb` to point-line records and the index mapping.
///
/// See the [module documentation](super) for the rules. The records are not validated beyond
/// what the mapping needs; [`to_network`] validates them.
///
/// # Errors
/// [`NetworkError::Unmappable`] for the first problem found — duplicate ids first (tables in
/// field order), then the rows table by table in field order, rows in order: a duplicate id
/// within a table; a bus id that is not in `buses`; a switch
/// whose element is not in its table or whose bus is not an end of its element; a line length
/// that is negative or not finite; a trafo or trafo3w rating that is not finite and positive;
/// a load `p_mw` that is negative or not finite, or a given `sn_mva` that is.
pub fn to_network_data(
    bb: &BusBranch,
    options: &BusBranchOptions,
) -> Result<(NetworkData, BusBranchMap), NetworkError> {
    // pandapower's slack rule, resolved once: the mapping reads `slacks` alone.
    let resolved;
    let bb = if bb.ext_grids.is_empty() && bb.gens.is_empty() && bb.vscs.is_empty() {
        bb
    } else {
        resolved = BusBranch {
            slacks: bb.all_slacks(),
            ext_grids: Vec::new(),
            gens: Vec::new(),
            vscs: Vec::new(),
            ..bb.clone()
        };
        &resolved
    };
    let ix = RowIndex::new(bb)?;
    let mut m = Mapping::branch_ends(bb, ix)?;
    m.place_switches()?;
    m.cut_self_loops();
    let sources = m.slacks(options)?;
    let customers = m.loads()?;
    let (segments, switches, transformers) = m.records();
    let map = m.index_map(segments.len(), switches.len());
    let data = NetworkData {
        points: m.points.records,
        segments,
        switches,
        transformers,
        sources,
        customers,
    };
    Ok((data, map))
}

/// Maps `bb` and builds the validated network, accepting isolated buses as
/// `options.allow_isolated_buses` says.
///
/// # Errors
/// As [`to_network_data`]; then [`NetworkError::Invalid`] if the records do not validate (an
/// isolated bus with `allow_isolated_buses` off, a source capacity that is not finite and
/// positive), [`NetworkError::TooLarge`] for a network beyond the model's ids.
pub fn to_network(
    bb: &BusBranch,
    options: &BusBranchOptions,
) -> Result<(Network, BusBranchMap), NetworkError> {
    let (data, map) = to_network_data(bb, options)?;
    let net = Network::from_data_with(
        &data,
        ValidationOptions {
            allow_isolated_points: options.allow_isolated_buses,
        },
    )?;
    Ok((net, map))
}
