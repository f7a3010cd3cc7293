//! Mapping a bus-branch model with element switches — pandapower's model — to the point-line
//! [`NetworkData`], and the index mapping back.
//!
//! The Python package fills a [`BusBranch`] from a pandapower net's DataFrames (`net.bus`,
//! `net.line`, `net.trafo`, `net.trafo3w`, `net.impedance`, `net.dcline`, `net.tcsc`,
//! `net.switch`, the slacks and `net.load`); [`to_network_data`] and [`to_network`] turn it into
//! points and lines, and [`BusBranchMap`] says which point, line, source or customer each row
//! became.
//!
//! # The contract
//!
//! In the normal state of the mapped network (built from the net's current switch positions and
//! `in_service` flags), the in-service buses that are not energized are exactly
//! `pandapower.topology.unsupplied_buses(net)` with its default arguments, and the energized
//! buses are the other in-service buses. [`BusBranchMap::unsupplied_buses`] and
//! [`BusBranchMap::supplied_buses`] read both sets off a [`Topology`]. Out-of-service buses are
//! in neither set, as in pandapower (see below).
//!
//! # pandapower's semantics (read from pandapower 3.5.6, and checked by running it)
//!
//! `pandapower.topology.unsupplied_buses(net, mg=None, slacks=None, respect_switches=True)`
//! (in `pandapower/topology/graph_searches.py`) builds
//! `mg = create_nxgraph(net, respect_switches=True)`, takes as slacks the buses of the
//! in-service `ext_grid`s, of the in-service `gen`s with `slack == True` and of the in-service
//! `vsc`s with `control_mode_ac == "slack"`, and returns the union of the connected components
//! of `mg` that contain no slack bus. So it is pure graph connectivity; what counts is which
//! nodes and edges `pandapower.topology.create_nxgraph` (in `pandapower/topology/create_graph.py`)
//! makes with its defaults (`include_lines`, `include_impedances`, `include_dclines`,
//! `include_trafos`, `include_trafo3ws`, `include_tcsc`, `include_switches` all true,
//! `include_out_of_service=False`):
//!
//! - **Nodes**: every row of `net.bus`; then every bus with `in_service == False` is removed
//!   with its edges. An out-of-service bus is therefore neither traversed nor in the
//!   unsupplied set (nor supplied): it is simply not in the graph.
//! - **`line`**: an edge `from_bus`–`to_bus` for each row with `in_service == True`, unless some
//!   switch with `et == "l"`, `element ==` the line and `closed == False` exists — at *any* bus:
//!   the open switch removes the whole edge. (`create_switch` refuses a switch whose bus is not
//!   an end of its element; this mapping refuses such a row too.)
//! - **`trafo`**: the same with `et == "t"`, edge `hv_bus`–`lv_bus`.
//! - **`trafo3w`**: for an in-service row, one edge for each pair of its `hv_bus`, `mv_bus` and
//!   `lv_bus`; an open switch with `et == "t3"` at bus *b* removes every pair edge that has *b*
//!   as one of its buses (switches are matched by `(element, bus)`). So an open switch at one
//!   side separates that side from the other two, which stay connected — exactly a star with
//!   one leg per side whose leg at *b* is opened. If two sides share bus *b*, an open switch at
//!   *b* separates both of them.
//! - **`impedance`**, **`dcline`**, **`tcsc`**: an edge `from_bus`–`to_bus` for each in-service
//!   row; switches do not apply to them. (`dcline` is a DC link modelled as two generators in
//!   the power flow, but `create_nxgraph` does make it an edge, so it connects here too.)
//! - **`switch`** with `et == "b"`: an edge `bus`–`element` for each closed row.
//! - **Switch `in_service`**: pandapower's `switch` table has no `in_service` column, and
//!   `create_nxgraph` reads none even when one was added: only `closed` counts. A closed switch
//!   conducts even if such a column says it is out of service.
//! - **Switches on out-of-service elements**: irrelevant: the element has no edge anyway.
//! - **Self-loops** (a line, impedance, trafo or bus-bus switch whose two ends are the same bus)
//!   are kept as self-loop edges by networkx's `MultiGraph`; they connect nothing.
//! - **Not edges**: `create_nxgraph` accepts `include_vsc` and `include_line_dc` but adds no
//!   edges for `net.vsc` or `net.line_dc` (those join AC buses to DC buses of `net.bus_dc`,
//!   which are not nodes). `ward`, `xward` (its auxiliary bus exists only inside the power
//!   flow), `shunt`, `svc`, `ssc`, `sgen`, `storage`, `motor`, `load` and the other single-bus
//!   elements add no edges. Every table `create_nxgraph` does turn into edges is taken here, so
//!   no supported table is missing; the Python filler must refuse (or add) any table a later
//!   pandapower starts turning into edges.
//!
//! Checked with pandapower 3.5.6 on small nets: an open line switch at one end cuts the line;
//! an out-of-service bus in the middle of a feeder is absent from the result while the buses
//! beyond it are unsupplied; an open `t3` switch at the MV side leaves HV and LV connected; a
//! closed bus-bus switch with an added `in_service = False` column conducts; `dcline` and
//! `tcsc` connect; `xward` does not; a slack on an out-of-service bus supplies nothing; a bus
//! with nothing but an `ext_grid` is supplied. Beyond those, 3000 random nets built in
//! pandapower (every table above, sparse ids, out-of-service buses and branches, self-loops,
//! switches of every type, an added switch `in_service` column, non-slack gens, xwards) were
//! mapped and gave exactly pandapower's `unsupplied_buses`; three of them are kept as a test.
//!
//! # The mapping
//!
//! Asset numbers are derived from the rows' ids (the network's points, lines and sources share
//! one namespace, which the prefixes keep apart):
//!
//! - Each bus → a point `bus/{id}` ([`PointKind::Busbar`]), its name and `in_service` kept.
//! - Each line → a segment `line/{id}`: `length_m = length_km·1000` (must be finite and ≥ 0),
//!   `rated_current_a = max_i_ka·1000` when that is finite and > 0, else `None`. Overhead
//!   ([`SegmentKind::Overhead`]): the tables carry no cable flag. Pass `max_i_ka · parallel`
//!   for parallel systems.
//! - Each trafo → a transformer `trafo/{id}` from the HV to the LV point, `rated_kva =
//!   sn_mva·1000` (must be finite and > 0), model `std_type` or empty, public usage.
//! - Each trafo3w → a star point `trafo3w/{id}/star` and three transformers
//!   `trafo3w/{id}/hv`, `…/mv`, `…/lv`, each from its side's point to the star, rated
//!   `sn_hv_mva`, `sn_mv_mva`, `sn_lv_mva` ·1000 respectively, each in service as the row.
//! - Each impedance, dcline and tcsc → a segment `impedance/{id}`, `dcline/{id}`, `tcsc/{id}` of
//!   length 0 with no rating.
//! - Each switch → a switch line `switch/{id}`: kind `"CB"` → [`SwitchKind::Breaker`]
//!   (protective); `"LBS"` and `"LS"` → [`SwitchKind::LoadBreakSwitch`]; `"DS"`, none or
//!   anything else → [`SwitchKind::Disconnector`] (not protective); `normally_open =
//!   !closed`; not remote. `et = b`: between the two bus points. `et = l`, `t`, `t3`: every end
//!   of the element at the switch's bus is moved to a new point `switch/{id}/end` and the
//!   switch goes from the point that end had (the bus point, or the previous switch's end
//!   point) to the new one, so several switches on one element end chain in row order, the
//!   first row nearest the bus, and any open one cuts the end, as in pandapower.
//! - A switch is mapped out of service only if its `in_service` is false **and** it is open; a
//!   closed switch stays in service whatever `in_service` says, because pandapower ignores the
//!   column (above) and the contract follows pandapower.
//! - Each slack (ext_grid, slack gen or slack vsc; the caller names it, e.g. `"ext_grid/0"`) →
//!   a source `slack/{id}` on its bus's point, `capacity_kva = options.source_capacity_kva`
//!   (pandapower has no feeder capacity). A source must have a line attached, so a slack bus
//!   with no line, trafo or switch at all gets a stub: a point `bus/{bus}/stub` and a segment
//!   `bus/{bus}/stub-link` of length 0 to it (`{bus}` the bus's id), once per bus.
//! - Each load → a customer `load/{id}` on its bus's point, `load_kw = p_mw·1000` (must be
//!   finite and ≥ 0: a negative load is generation, which a customer's load is not; pass
//!   `p_mw · scaling` if scaling matters), `contracted_kva = sn_mva·1000` when `sn_mva` is
//!   given and not NaN (it must then be finite and ≥ 0), else `p_mw·1000`; importance
//!   [`Importance::Normal`], no contacts. Out-of-service loads stay customers: a customer is
//!   still connected at its point whether its load is switched on or not, and customers have no
//!   in-service flag of their own.
//! - Self-loops: an element whose two ends end up on the same point (a line, impedance, dcline,
//!   tcsc or trafo from a bus to itself, or a bus-bus switch from a bus to itself) keeps its
//!   line, but its second end is moved to a new dead-end point `{asset}/loop` (for example
//!   `line/7/loop`, `switch/3/loop`). That keeps the network valid and, like pandapower's
//!   self-loop edge, connects nothing; every row still maps to a line.
//! - Names of lines, trafos, trafo3ws, impedances, dclines, tcscs and switches have no place in the point-line records
//!   (lines are known by their asset number): they stay in the tables, reachable through the
//!   map. Bus, slack and load names are kept.
//!
//! Line ids follow [`Network`]'s order: segments (lines, impedances, dclines, tcscs, then the
//! slack stubs), then switches, then transformers (trafos, then each trafo3w's hv, mv, lv legs).
//! Point ids: buses in order, then trafo3w stars, then switch end points and loop points in
//! switch row order, then the other loop points, then slack stubs.
//!
//! Rows that cannot be mapped give [`NetworkError::Unmappable`] naming the table, the row's id,
//! the column and the value: duplicate ids within a table, unknown buses, unknown switch
//! elements, a switch at a bus that is not an end of its element, and the numeric checks above.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use super::error::NetworkError;
use super::model::{CustomerId, ElementId, LineId, Network, PointId, SourceId, ValidationOptions};
use super::records::{
    CustomerRecord, Importance, NetworkData, PointKind, PointRecord, SegmentKind, SegmentRecord,
    SourceRecord, SwitchKind, SwitchRecord, TransformerRecord, TransformerUsage,
};
use super::topology::Topology;

fn yes() -> bool {
    true
}

/// A bus (`net.bus` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bus {
    /// The bus index.
    pub id: i64,
    /// The bus name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A line (`net.line` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbLine {
    /// The line index.
    pub id: i64,
    /// `from_bus`.
    pub from_bus: i64,
    /// `to_bus`.
    pub to_bus: i64,
    /// `length_km` (finite, ≥ 0).
    pub length_km: f64,
    /// `max_i_ka` (times `parallel`, if the caller wants the rating of all systems); ignored
    /// unless finite and > 0.
    #[serde(default)]
    pub max_i_ka: Option<f64>,
    /// The line name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A two-winding transformer (`net.trafo` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbTrafo {
    /// The trafo index.
    pub id: i64,
    /// `hv_bus`.
    pub hv_bus: i64,
    /// `lv_bus`.
    pub lv_bus: i64,
    /// `sn_mva` (finite, > 0).
    pub sn_mva: f64,
    /// `std_type`, if any.
    #[serde(default)]
    pub std_type: Option<String>,
    /// The trafo name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A three-winding transformer (`net.trafo3w` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbTrafo3w {
    /// The trafo3w index.
    pub id: i64,
    /// `hv_bus`.
    pub hv_bus: i64,
    /// `mv_bus`.
    pub mv_bus: i64,
    /// `lv_bus`.
    pub lv_bus: i64,
    /// `sn_hv_mva` (finite, > 0).
    pub sn_hv_mva: f64,
    /// `sn_mv_mva` (finite, > 0).
    pub sn_mv_mva: f64,
    /// `sn_lv_mva` (finite, > 0).
    pub sn_lv_mva: f64,
    /// `std_type`, if any.
    #[serde(default)]
    pub std_type: Option<String>,
    /// The trafo3w name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A branch known only by its two buses: a row of `net.impedance`, `net.dcline` or `net.tcsc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbImpedance {
    /// The row's index in its table.
    pub id: i64,
    /// `from_bus`.
    pub from_bus: i64,
    /// `to_bus`.
    pub to_bus: i64,
    /// The name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// What a switch's `element` refers to (pandapower's `et` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SwitchElement {
    /// `"b"`: `element` is a second bus (a bus-bus switch).
    #[serde(rename = "b")]
    Bus,
    /// `"l"`: `element` is a line, the switch sits at the line's end at `bus`.
    #[serde(rename = "l")]
    Line,
    /// `"t"`: `element` is a trafo, the switch sits at the trafo's side at `bus`.
    #[serde(rename = "t")]
    Trafo,
    /// `"t3"`: `element` is a trafo3w, the switch sits at the trafo3w's side(s) at `bus`.
    #[serde(rename = "t3")]
    Trafo3w,
}

impl SwitchElement {
    /// pandapower's code: `"b"`, `"l"`, `"t"` or `"t3"`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Bus => "b",
            Self::Line => "l",
            Self::Trafo => "t",
            Self::Trafo3w => "t3",
        }
    }

    /// The element type for pandapower's code, `None` for an unknown code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "b" => Some(Self::Bus),
            "l" => Some(Self::Line),
            "t" => Some(Self::Trafo),
            "t3" => Some(Self::Trafo3w),
            _ => None,
        }
    }

    /// The table `element` refers to.
    fn table(self) -> &'static str {
        match self {
            Self::Bus => "bus",
            Self::Line => "line",
            Self::Trafo => "trafo",
            Self::Trafo3w => "trafo3w",
        }
    }
}

/// A switch (`net.switch` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbSwitch {
    /// The switch index.
    pub id: i64,
    /// `bus`: the bus the switch is at.
    pub bus: i64,
    /// `element`: a bus, line, trafo or trafo3w index, as `et` says.
    pub element: i64,
    /// `et`.
    pub et: SwitchElement,
    /// `closed`.
    pub closed: bool,
    /// `type`: `"CB"`, `"LS"`, `"LBS"` or `"DS"` in pandapower, if given.
    #[serde(default)]
    pub kind: Option<String>,
    /// The switch name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service` if the table has such a column (pandapower's has none), else `true`. It
    /// only marks an *open* switch out of service: pandapower ignores it for connectivity, so a
    /// closed switch conducts whatever it says.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A slack: an `ext_grid`, a `gen` with `slack == True`, or a `vsc` with
/// `control_mode_ac == "slack"` — the elements `unsupplied_buses` counts as supply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbSlack {
    /// An id unique among the slacks, chosen by the caller (e.g. `"ext_grid/0"`, `"gen/3"`).
    pub id: String,
    /// `bus`.
    pub bus: i64,
    /// The name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A load (`net.load` row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbLoad {
    /// The load index.
    pub id: i64,
    /// `bus`.
    pub bus: i64,
    /// `p_mw` (finite, ≥ 0; times `scaling` if the caller wants the scaled load).
    pub p_mw: f64,
    /// `sn_mva`, if given (`None` or NaN: not given; otherwise finite, ≥ 0).
    #[serde(default)]
    pub sn_mva: Option<f64>,
    /// The load name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service` (out-of-service loads still become customers).
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A bus-branch network: pandapower's element tables, one `Vec` per table, rows in table order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BusBranch {
    /// `net.bus`.
    #[serde(default)]
    pub buses: Vec<Bus>,
    /// `net.line`.
    #[serde(default)]
    pub lines: Vec<BbLine>,
    /// `net.trafo`.
    #[serde(default)]
    pub trafos: Vec<BbTrafo>,
    /// `net.trafo3w`.
    #[serde(default)]
    pub trafo3ws: Vec<BbTrafo3w>,
    /// `net.impedance`.
    #[serde(default)]
    pub impedances: Vec<BbImpedance>,
    /// `net.dcline` (an edge in `create_nxgraph`, so it connects its buses).
    #[serde(default)]
    pub dclines: Vec<BbImpedance>,
    /// `net.tcsc` (an edge in `create_nxgraph`).
    #[serde(default)]
    pub tcscs: Vec<BbImpedance>,
    /// `net.switch`.
    #[serde(default)]
    pub switches: Vec<BbSwitch>,
    /// The slacks: `net.ext_grid`, the slack rows of `net.gen` and of `net.vsc`.
    #[serde(default)]
    pub slacks: Vec<BbSlack>,
    /// `net.load`.
    #[serde(default)]
    pub loads: Vec<BbLoad>,
}

/// Options of the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BusBranchOptions {
    /// The capacity given to every source, in kVA (finite, > 0, else the network is invalid).
    /// pandapower has no feeder capacity, so the default, 1 000 000 kVA, is simply large.
    #[serde(default = "default_capacity")]
    pub source_capacity_kva: f64,
    /// Accept buses with nothing attached (pandapower has many, e.g. spare busbars); they are
    /// never energized. On by default; off, such a bus makes [`to_network`] fail with
    /// [`NetworkError::Invalid`] (a dangling point).
    #[serde(default = "yes")]
    pub allow_isolated_buses: bool,
}

fn default_capacity() -> f64 {
    1e6
}

impl Default for BusBranchOptions {
    fn default() -> Self {
        Self {
            source_capacity_kva: default_capacity(),
            allow_isolated_buses: true,
        }
    }
}

/// Which point, line, source or customer each row became; one `Vec` per table, in row order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusBranchMap {
    /// The point of each bus (points `0..buses.len()`, in order).
    pub bus_points: Vec<PointId>,
    /// For every point id, the bus it is, or `None` for points the mapping added (trafo3w stars,
    /// switch end points, loop and stub points).
    pub point_buses: Vec<Option<i64>>,
    /// The segment of each line.
    pub line_lines: Vec<LineId>,
    /// The transformer of each trafo.
    pub trafo_lines: Vec<LineId>,
    /// The hv, mv and lv transformers of each trafo3w.
    pub trafo3w_lines: Vec<[LineId; 3]>,
    /// The segment of each impedance.
    pub impedance_lines: Vec<LineId>,
    /// The segment of each dcline.
    pub dcline_lines: Vec<LineId>,
    /// The segment of each tcsc.
    pub tcsc_lines: Vec<LineId>,
    /// The switch line of each switch.
    pub switch_lines: Vec<LineId>,
    /// The source of each slack.
    pub slack_sources: Vec<SourceId>,
    /// The customer of each load.
    pub load_customers: Vec<CustomerId>,
}

impl BusBranchMap {
    /// The buses energized in `topology`, in bus row order.
    ///
    /// # Panics
    /// If `topology` is not of the network this map was made with (it has fewer points).
    #[must_use]
    pub fn supplied_buses(&self, topology: &Topology) -> Vec<i64> {
        self.bus_points
            .iter()
            .filter(|&&p| topology.is_energized(p))
            .map(|&p| self.point_buses[p.index()].expect("bus point"))
            .collect()
    }

    /// The buses in service in `topology`'s state but not energized, in bus row order: in the
    /// normal state, `pandapower.topology.unsupplied_buses(net)` (out-of-service buses are in
    /// neither this nor [`BusBranchMap::supplied_buses`]).
    ///
    /// # Panics
    /// If `topology` is not of the network this map was made with (it has fewer points).
    #[must_use]
    pub fn unsupplied_buses(&self, topology: &Topology) -> Vec<i64> {
        let state = topology.state();
        self.bus_points
            .iter()
            .filter(|&&p| {
                !state.condition(ElementId::Point(p)).out_of_service && !topology.is_energized(p)
            })
            .map(|&p| self.point_buses[p.index()].expect("bus point"))
            .collect()
    }
}

fn unmappable(
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

fn switch_kind(kind: Option<&str>) -> SwitchKind {
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

/// Maps `bb` to point-line records and the index mapping.
///
/// See the [module documentation](self) for the rules. The records are not validated beyond
/// what the mapping needs; [`to_network`] validates them.
///
/// # Errors
/// [`NetworkError::Unmappable`] for the first problem found — duplicate ids first (tables in
/// field order), then the rows table by table in field order, rows in order: a duplicate id
/// within a table; a bus id that is not in `buses`; a switch
/// whose element is not in its table or whose bus is not an end of its element; a line length
/// that is negative or not finite; a trafo or trafo3w rating that is not finite and positive;
/// a load `p_mw` that is negative or not finite, or a given `sn_mva` that is.
#[allow(clippy::too_many_lines)]
pub fn to_network_data(
    bb: &BusBranch,
    options: &BusBranchOptions,
) -> Result<(NetworkData, BusBranchMap), NetworkError> {
    let bus_ix = index_ids("bus", bb.buses.iter().map(|b| b.id))?;
    let line_ix = index_ids("line", bb.lines.iter().map(|r| r.id))?;
    let trafo_ix = index_ids("trafo", bb.trafos.iter().map(|r| r.id))?;
    let trafo3w_ix = index_ids("trafo3w", bb.trafo3ws.iter().map(|r| r.id))?;
    index_ids("impedance", bb.impedances.iter().map(|r| r.id))?;
    index_ids("dcline", bb.dclines.iter().map(|r| r.id))?;
    index_ids("tcsc", bb.tcscs.iter().map(|r| r.id))?;
    index_ids("switch", bb.switches.iter().map(|r| r.id))?;
    index_ids("slack", bb.slacks.iter().map(|r| r.id.clone()))?;
    index_ids("load", bb.loads.iter().map(|r| r.id))?;

    // Bus points are points 0..buses.len(), so a bus's row is its point.
    let bus = |table: &'static str, id: &dyn Display, field: &'static str, b: i64| {
        bus_ix
            .get(&b)
            .copied()
            .ok_or_else(|| unmappable(table, id, field, b, "names no bus of the bus table"))
    };

    let mut points = Points {
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

    // Current end points of every branch, starting at the bus points.
    let mut line_ends = Vec::with_capacity(bb.lines.len());
    for l in &bb.lines {
        let f = bus("line", &l.id, "from_bus", l.from_bus)?;
        let t = bus("line", &l.id, "to_bus", l.to_bus)?;
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
        let hv = bus("trafo", &t.id, "hv_bus", t.hv_bus)?;
        let lv = bus("trafo", &t.id, "lv_bus", t.lv_bus)?;
        rated_kva("trafo", t.id, "sn_mva", t.sn_mva)?;
        trafo_ends.push([hv, lv]);
    }
    let mut trafo3w_ends = Vec::with_capacity(bb.trafo3ws.len());
    for t in &bb.trafo3ws {
        let hv = bus("trafo3w", &t.id, "hv_bus", t.hv_bus)?;
        let mv = bus("trafo3w", &t.id, "mv_bus", t.mv_bus)?;
        let lv = bus("trafo3w", &t.id, "lv_bus", t.lv_bus)?;
        rated_kva("trafo3w", t.id, "sn_hv_mva", t.sn_hv_mva)?;
        rated_kva("trafo3w", t.id, "sn_mv_mva", t.sn_mv_mva)?;
        rated_kva("trafo3w", t.id, "sn_lv_mva", t.sn_lv_mva)?;
        trafo3w_ends.push([hv, mv, lv]);
    }
    let branches: Vec<Branch<'_>> = [
        ("impedance", &bb.impedances),
        ("dcline", &bb.dclines),
        ("tcsc", &bb.tcscs),
    ]
    .into_iter()
    .flat_map(|(table, rows)| rows.iter().map(move |r| (table, r)))
    .collect();
    let mut branch_ends = Vec::with_capacity(branches.len());
    for &(table, r) in &branches {
        let f = bus(table, &r.id, "from_bus", r.from_bus)?;
        let t = bus(table, &r.id, "to_bus", r.to_bus)?;
        branch_ends.push([f, t]);
    }
    let stars: Vec<usize> = bb
        .trafo3ws
        .iter()
        .map(|t| points.add(format!("trafo3w/{}/star", t.id)))
        .collect();

    // Switches, in row order: a bus-element switch moves every end of its element at its bus
    // onto a new point, and goes from where that end was to the new point.
    let mut switch_ends = Vec::with_capacity(bb.switches.len());
    for s in &bb.switches {
        let at = bus("switch", &s.id, "bus", s.bus)?;
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
                let other = bus("switch", &s.id, "element", s.element)?;
                let other = if other == at {
                    points.add(format!("switch/{}/loop", s.id))
                } else {
                    other
                };
                switch_ends.push([at, other]);
                continue;
            }
            SwitchElement::Line => {
                let row = *line_ix.get(&s.element).ok_or_else(unknown)?;
                let l = &bb.lines[row];
                (&mut line_ends[row], vec![l.from_bus, l.to_bus])
            }
            SwitchElement::Trafo => {
                let row = *trafo_ix.get(&s.element).ok_or_else(unknown)?;
                let t = &bb.trafos[row];
                (&mut trafo_ends[row], vec![t.hv_bus, t.lv_bus])
            }
            SwitchElement::Trafo3w => {
                let row = *trafo3w_ix.get(&s.element).ok_or_else(unknown)?;
                let t = &bb.trafo3ws[row];
                (&mut trafo3w_ends[row], vec![t.hv_bus, t.mv_bus, t.lv_bus])
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
        let end = points.add(format!("switch/{}/end", s.id));
        for (e, &b) in ends.iter_mut().zip(&buses) {
            if b == s.bus {
                *e = end;
            }
        }
        switch_ends.push([from, end]);
    }

    // Self-loops: the second end goes to a dead-end point, so the line stays but connects
    // nothing (as pandapower's self-loop edge).
    for (l, e) in bb.lines.iter().zip(&mut line_ends) {
        if e[0] == e[1] {
            e[1] = points.add(format!("line/{}/loop", l.id));
        }
    }
    for (&(table, r), e) in branches.iter().zip(&mut branch_ends) {
        if e[0] == e[1] {
            e[1] = points.add(format!("{table}/{}/loop", r.id));
        }
    }
    for (t, e) in bb.trafos.iter().zip(&mut trafo_ends) {
        if e[0] == e[1] {
            e[1] = points.add(format!("trafo/{}/loop", t.id));
        }
    }

    // Slacks, and a stub for a slack bus with no line at all (a source must feed a line).
    let mut has_line = vec![false; points.records.len()];
    for &p in line_ends
        .iter()
        .chain(&trafo_ends)
        .chain(&branch_ends)
        .chain(&switch_ends)
        .flatten()
        .chain(trafo3w_ends.iter().flatten())
    {
        has_line[p] = true;
    }
    let mut sources = Vec::with_capacity(bb.slacks.len());
    let mut stubs: Vec<(usize, usize, i64)> = Vec::new();
    for s in &bb.slacks {
        let p = bus("slack", &s.id, "bus", s.bus)?;
        if !has_line[p] {
            has_line[p] = true;
            let stub = points.add(format!("bus/{}/stub", s.bus));
            stubs.push((p, stub, s.bus));
        }
        sources.push(SourceRecord {
            asset: format!("slack/{}", s.id),
            point: points.asset(p),
            name: s.name.clone(),
            capacity_kva: options.source_capacity_kva,
            in_service: s.in_service,
        });
    }

    let mut customers = Vec::with_capacity(bb.loads.len());
    for l in &bb.loads {
        let p = bus("load", &l.id, "bus", l.bus)?;
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
            point: points.asset(p),
            contracted_kva,
            load_kw: l.p_mw * 1000.0,
            importance: Importance::Normal,
            contacts: Vec::new(),
        });
    }

    // Records, in line-id order.
    let segment = |asset: String, ends: [usize; 2], length_m, rated, in_service| SegmentRecord {
        asset,
        from: points.asset(ends[0]),
        to: points.asset(ends[1]),
        kind: SegmentKind::Overhead,
        length_m,
        rated_current_a: rated,
        in_service,
    };
    let mut segments = Vec::with_capacity(bb.lines.len() + branches.len() + stubs.len());
    for (l, &e) in bb.lines.iter().zip(&line_ends) {
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
    for (&(table, r), &e) in branches.iter().zip(&branch_ends) {
        segments.push(segment(
            format!("{table}/{}", r.id),
            e,
            0.0,
            None,
            r.in_service,
        ));
    }
    for &(p, stub, b) in &stubs {
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
        .zip(&switch_ends)
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
    let transformer =
        |asset: String, from: usize, to: usize, kva: f64, model: &Option<String>, in_service| {
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
    for (t, e) in bb.trafos.iter().zip(&trafo_ends) {
        transformers.push(transformer(
            format!("trafo/{}", t.id),
            e[0],
            e[1],
            t.sn_mva * 1000.0,
            &t.std_type,
            t.in_service,
        ));
    }
    for ((t, e), &star) in bb.trafo3ws.iter().zip(&trafo3w_ends).zip(&stars) {
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

    let ids = |start: usize, n: usize| -> Vec<LineId> {
        (start..start + n).map(|i| LineId(i as u32)).collect()
    };
    let (n_lines, n_branches) = (bb.lines.len(), branches.len());
    let (n_imp, n_dc) = (bb.impedances.len(), bb.dclines.len());
    let switch_start = segments.len();
    let trafo_start = switch_start + switches.len();
    let trafo3w_start = trafo_start + bb.trafos.len();
    let map = BusBranchMap {
        bus_points: (0..bb.buses.len()).map(|i| PointId(i as u32)).collect(),
        point_buses: points.buses,
        line_lines: ids(0, n_lines),
        impedance_lines: ids(n_lines, n_imp),
        dcline_lines: ids(n_lines + n_imp, n_dc),
        tcsc_lines: ids(n_lines + n_imp + n_dc, n_branches - n_imp - n_dc),
        switch_lines: ids(switch_start, switches.len()),
        trafo_lines: ids(trafo_start, bb.trafos.len()),
        trafo3w_lines: (0..bb.trafo3ws.len())
            .map(|k| {
                let base = (trafo3w_start + 3 * k) as u32;
                [LineId(base), LineId(base + 1), LineId(base + 2)]
            })
            .collect(),
        slack_sources: (0..bb.slacks.len()).map(|i| SourceId(i as u32)).collect(),
        load_customers: (0..bb.loads.len()).map(|i| CustomerId(i as u32)).collect(),
    };
    let data = NetworkData {
        points: points.records,
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

#[cfg(test)]
mod tests {
    //! Every expected unsupplied set below is derived by hand from pandapower's semantics as
    //! documented in the module docs (`create_nxgraph` + `unsupplied_buses`), and each was also
    //! confirmed by building the same net in pandapower 3.5.6 and calling
    //! `pandapower.topology.unsupplied_buses(net)`.

    use std::collections::{BTreeSet, HashMap, HashSet};
    use std::sync::Arc;

    use super::*;
    use crate::network::records::SwitchKind;

    fn bus(id: i64) -> Bus {
        Bus {
            id,
            name: Some(format!("B{id}")),
            in_service: true,
        }
    }

    fn line(id: i64, from_bus: i64, to_bus: i64) -> BbLine {
        BbLine {
            id,
            from_bus,
            to_bus,
            length_km: 1.5,
            max_i_ka: Some(0.4),
            name: None,
            in_service: true,
        }
    }

    fn trafo(id: i64, hv_bus: i64, lv_bus: i64) -> BbTrafo {
        BbTrafo {
            id,
            hv_bus,
            lv_bus,
            sn_mva: 0.63,
            std_type: Some("0.63 MVA 10/0.4 kV".into()),
            name: None,
            in_service: true,
        }
    }

    fn trafo3w(id: i64, hv_bus: i64, mv_bus: i64, lv_bus: i64) -> BbTrafo3w {
        BbTrafo3w {
            id,
            hv_bus,
            mv_bus,
            lv_bus,
            sn_hv_mva: 63.0,
            sn_mv_mva: 25.0,
            sn_lv_mva: 38.0,
            std_type: None,
            name: None,
            in_service: true,
        }
    }

    fn branch(id: i64, from_bus: i64, to_bus: i64) -> BbImpedance {
        BbImpedance {
            id,
            from_bus,
            to_bus,
            name: None,
            in_service: true,
        }
    }

    fn switch(id: i64, bus: i64, element: i64, et: SwitchElement, closed: bool) -> BbSwitch {
        BbSwitch {
            id,
            bus,
            element,
            et,
            closed,
            kind: None,
            name: None,
            in_service: true,
        }
    }

    fn ext_grid(k: i64, bus: i64) -> BbSlack {
        BbSlack {
            id: format!("ext_grid/{k}"),
            bus,
            name: None,
            in_service: true,
        }
    }

    fn load(id: i64, bus: i64, p_mw: f64) -> BbLoad {
        BbLoad {
            id,
            bus,
            p_mw,
            sn_mva: None,
            name: None,
            in_service: true,
        }
    }

    /// Buses `0..n` with an ext_grid at bus 0.
    fn net(n: i64) -> BusBranch {
        BusBranch {
            buses: (0..n).map(bus).collect(),
            slacks: vec![ext_grid(0, 0)],
            ..BusBranch::default()
        }
    }

    /// A chain of lines `0-1-2-…-(n-1)`, line `k` from bus `k` to bus `k+1`.
    fn chain(n: i64) -> BusBranch {
        let mut bb = net(n);
        bb.lines = (0..n - 1).map(|k| line(k, k, k + 1)).collect();
        bb
    }

    /// pandapower's `create_nxgraph(net)` + `unsupplied_buses(net)` with default arguments,
    /// transcribed directly onto the tables (the oracle the mapping is compared with).
    fn reference_unsupplied(bb: &BusBranch) -> BTreeSet<i64> {
        let in_service: HashMap<i64, bool> =
            bb.buses.iter().map(|b| (b.id, b.in_service)).collect();
        let open = |et| -> HashSet<i64> {
            bb.switches
                .iter()
                .filter(|s| s.et == et && !s.closed)
                .map(|s| s.element)
                .collect()
        };
        let (open_l, open_t) = (open(SwitchElement::Line), open(SwitchElement::Trafo));
        let open_t3: HashSet<(i64, i64)> = bb
            .switches
            .iter()
            .filter(|s| s.et == SwitchElement::Trafo3w && !s.closed)
            .map(|s| (s.element, s.bus))
            .collect();
        let mut edges = Vec::new();
        for l in &bb.lines {
            if l.in_service && !open_l.contains(&l.id) {
                edges.push((l.from_bus, l.to_bus));
            }
        }
        for r in bb.impedances.iter().chain(&bb.dclines).chain(&bb.tcscs) {
            if r.in_service {
                edges.push((r.from_bus, r.to_bus));
            }
        }
        for t in &bb.trafos {
            if t.in_service && !open_t.contains(&t.id) {
                edges.push((t.hv_bus, t.lv_bus));
            }
        }
        for t in &bb.trafo3ws {
            let sides = [t.hv_bus, t.mv_bus, t.lv_bus];
            for (i, j) in [(0, 1), (0, 2), (1, 2)] {
                let (a, b) = (sides[i], sides[j]);
                if t.in_service && !open_t3.contains(&(t.id, a)) && !open_t3.contains(&(t.id, b)) {
                    edges.push((a, b));
                }
            }
        }
        for s in &bb.switches {
            if s.et == SwitchElement::Bus && s.closed {
                edges.push((s.bus, s.element));
            }
        }
        // Union-find over the in-service buses (out-of-service buses are removed with their
        // edges).
        let nodes: Vec<i64> = bb
            .buses
            .iter()
            .filter(|b| b.in_service)
            .map(|b| b.id)
            .collect();
        let mut parent: HashMap<i64, i64> = nodes.iter().map(|&b| (b, b)).collect();
        fn find(parent: &mut HashMap<i64, i64>, mut x: i64) -> i64 {
            while parent[&x] != x {
                let up = parent[&parent[&x]];
                parent.insert(x, up);
                x = up;
            }
            x
        }
        for (a, b) in edges {
            if in_service[&a] && in_service[&b] {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent.insert(ra, rb);
            }
        }
        let slack_roots: HashSet<i64> = bb
            .slacks
            .iter()
            .filter(|s| s.in_service && in_service[&s.bus])
            .map(|s| find(&mut parent, s.bus))
            .collect();
        nodes
            .into_iter()
            .filter(|&b| !slack_roots.contains(&find(&mut parent, b)))
            .collect()
    }

    /// Maps `bb`, indexes its normal state and checks that the energized points mapped back
    /// through `point_buses` are exactly the in-service buses outside `unsupplied`, that
    /// [`BusBranchMap::unsupplied_buses`] is `unsupplied`, and that the reference agrees.
    fn check(bb: &BusBranch, unsupplied: &[i64]) -> (Arc<Network>, BusBranchMap) {
        let (net, map) = to_network(bb, &BusBranchOptions::default()).expect("maps");
        let net = Arc::new(net);
        let topo = Topology::normal(Arc::clone(&net));
        let energized: BTreeSet<i64> = topo
            .energized_points()
            .filter_map(|p| map.point_buses[p.index()])
            .collect();
        let unsupplied: BTreeSet<i64> = unsupplied.iter().copied().collect();
        let supplied: BTreeSet<i64> = bb
            .buses
            .iter()
            .filter(|b| b.in_service && !unsupplied.contains(&b.id))
            .map(|b| b.id)
            .collect();
        assert_eq!(energized, supplied, "energized buses");
        assert_eq!(
            map.supplied_buses(&topo)
                .into_iter()
                .collect::<BTreeSet<_>>(),
            supplied
        );
        assert_eq!(
            map.unsupplied_buses(&topo)
                .into_iter()
                .collect::<BTreeSet<_>>(),
            unsupplied,
            "unsupplied buses"
        );
        assert_eq!(reference_unsupplied(bb), unsupplied, "reference");
        (net, map)
    }

    fn unmappable_of(bb: &BusBranch) -> (&'static str, String, &'static str, String) {
        match to_network_data(bb, &BusBranchOptions::default()) {
            Err(NetworkError::Unmappable {
                table,
                id,
                field,
                value,
                reason,
            }) => {
                assert!(!reason.is_empty());
                (table, id, field, value)
            }
            other => panic!("expected Unmappable, got {other:?}"),
        }
    }

    fn expect_unmappable(bb: &BusBranch, table: &str, id: &str, field: &str, value: &str) {
        let got = unmappable_of(bb);
        assert_eq!(
            (got.0, got.1.as_str(), got.2, got.3.as_str()),
            (table, id, field, value)
        );
    }

    // ---- layout of the mapping ----

    #[test]
    fn layout_ids_assets_and_records() {
        let mut bb = net(6);
        bb.buses[5].in_service = false;
        bb.lines = vec![line(10, 0, 1), line(11, 1, 2)];
        bb.lines[1].max_i_ka = Some(f64::NAN);
        bb.impedances = vec![branch(20, 2, 3)];
        bb.dclines = vec![branch(30, 3, 4)];
        bb.tcscs = vec![branch(40, 4, 0)];
        bb.trafos = vec![trafo(50, 1, 4)];
        bb.trafo3ws = vec![trafo3w(60, 0, 2, 3)];
        bb.switches = vec![
            BbSwitch {
                kind: Some("CB".into()),
                ..switch(70, 1, 10, SwitchElement::Line, true)
            },
            BbSwitch {
                kind: Some("LBS".into()),
                ..switch(71, 1, 2, SwitchElement::Bus, false)
            },
            BbSwitch {
                kind: Some("LS".into()),
                ..switch(72, 4, 50, SwitchElement::Trafo, true)
            },
            BbSwitch {
                kind: Some("DS".into()),
                ..switch(73, 2, 60, SwitchElement::Trafo3w, true)
            },
        ];
        bb.slacks.push(BbSlack {
            name: Some("G".into()),
            ..ext_grid(1, 3)
        });
        bb.loads = vec![
            load(80, 2, 0.25),
            BbLoad {
                sn_mva: Some(0.4),
                name: Some("L".into()),
                in_service: false,
                ..load(81, 4, 0.1)
            },
            BbLoad {
                sn_mva: Some(f64::NAN),
                ..load(82, 3, 0.05)
            },
        ];
        let (data, map) = to_network_data(&bb, &BusBranchOptions::default()).unwrap();

        let assets: Vec<&str> = data.points.iter().map(|p| p.asset.as_str()).collect();
        assert_eq!(
            assets,
            [
                "bus/0",
                "bus/1",
                "bus/2",
                "bus/3",
                "bus/4",
                "bus/5",
                "trafo3w/60/star",
                "switch/70/end",
                "switch/72/end",
                "switch/73/end",
            ]
        );
        assert_eq!(
            map.point_buses,
            [
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(map.bus_points, (0..6).map(PointId).collect::<Vec<_>>());
        assert_eq!(data.points[1].kind, PointKind::Busbar);
        assert_eq!(data.points[1].name.as_deref(), Some("B1"));
        assert!(!data.points[5].in_service);

        // Segments: lines, impedances, dclines, tcscs.
        let segs: Vec<(&str, &str, &str)> = data
            .segments
            .iter()
            .map(|s| (s.asset.as_str(), s.from.as_str(), s.to.as_str()))
            .collect();
        assert_eq!(
            segs,
            [
                ("line/10", "bus/0", "switch/70/end"),
                ("line/11", "bus/1", "bus/2"),
                ("impedance/20", "bus/2", "bus/3"),
                ("dcline/30", "bus/3", "bus/4"),
                ("tcsc/40", "bus/4", "bus/0"),
            ]
        );
        assert_eq!(data.segments[0].length_m, 1500.0);
        assert_eq!(data.segments[0].rated_current_a, Some(400.0));
        assert_eq!(data.segments[1].rated_current_a, None);
        assert_eq!(data.segments[2].length_m, 0.0);
        assert_eq!(map.line_lines, [LineId(0), LineId(1)]);
        assert_eq!(map.impedance_lines, [LineId(2)]);
        assert_eq!(map.dcline_lines, [LineId(3)]);
        assert_eq!(map.tcsc_lines, [LineId(4)]);

        // Switches.
        let sws: Vec<(&str, &str, &str, SwitchKind, bool, bool)> = data
            .switches
            .iter()
            .map(|s| {
                (
                    s.asset.as_str(),
                    s.from.as_str(),
                    s.to.as_str(),
                    s.kind,
                    s.normally_open,
                    s.protective,
                )
            })
            .collect();
        assert_eq!(
            sws,
            [
                (
                    "switch/70",
                    "bus/1",
                    "switch/70/end",
                    SwitchKind::Breaker,
                    false,
                    true
                ),
                (
                    "switch/71",
                    "bus/1",
                    "bus/2",
                    SwitchKind::LoadBreakSwitch,
                    true,
                    false
                ),
                (
                    "switch/72",
                    "bus/4",
                    "switch/72/end",
                    SwitchKind::LoadBreakSwitch,
                    false,
                    false
                ),
                (
                    "switch/73",
                    "bus/2",
                    "switch/73/end",
                    SwitchKind::Disconnector,
                    false,
                    false
                ),
            ]
        );
        assert!(data.switches.iter().all(|s| !s.remote && s.in_service));
        assert_eq!(
            map.switch_lines,
            [LineId(5), LineId(6), LineId(7), LineId(8)]
        );

        // Transformers: trafos, then the trafo3w legs to the star.
        let trs: Vec<(&str, &str, &str, f64)> = data
            .transformers
            .iter()
            .map(|t| {
                (
                    t.asset.as_str(),
                    t.from.as_str(),
                    t.to.as_str(),
                    t.rated_kva,
                )
            })
            .collect();
        assert_eq!(
            trs,
            [
                ("trafo/50", "bus/1", "switch/72/end", 630.0),
                ("trafo3w/60/hv", "bus/0", "trafo3w/60/star", 63_000.0),
                (
                    "trafo3w/60/mv",
                    "switch/73/end",
                    "trafo3w/60/star",
                    25_000.0
                ),
                ("trafo3w/60/lv", "bus/3", "trafo3w/60/star", 38_000.0),
            ]
        );
        assert_eq!(data.transformers[0].model, "0.63 MVA 10/0.4 kV");
        assert_eq!(data.transformers[1].model, "");
        assert_eq!(map.trafo_lines, [LineId(9)]);
        assert_eq!(map.trafo3w_lines, [[LineId(10), LineId(11), LineId(12)]]);

        // Sources and customers.
        assert_eq!(data.sources.len(), 2);
        assert_eq!(data.sources[0].asset, "slack/ext_grid/0");
        assert_eq!(data.sources[0].point, "bus/0");
        assert_eq!(data.sources[0].capacity_kva, 1e6);
        assert_eq!(data.sources[1].asset, "slack/ext_grid/1");
        assert_eq!(data.sources[1].name.as_deref(), Some("G"));
        assert_eq!(map.slack_sources, [SourceId(0), SourceId(1)]);
        let cust: Vec<(&str, &str, f64, f64)> = data
            .customers
            .iter()
            .map(|c| {
                (
                    c.number.as_str(),
                    c.point.as_str(),
                    c.load_kw,
                    c.contracted_kva,
                )
            })
            .collect();
        assert_eq!(
            cust,
            [
                ("load/80", "bus/2", 250.0, 250.0),
                // Out of service, still a customer; sn_mva given.
                ("load/81", "bus/4", 100.0, 400.0),
                // sn_mva NaN (pandapower's default): p_mw.
                ("load/82", "bus/3", 50.0, 50.0),
            ]
        );
        assert_eq!(data.customers[1].name.as_deref(), Some("L"));
        assert!(
            data.customers
                .iter()
                .all(|c| c.importance == Importance::Normal && c.contacts.is_empty())
        );
        assert_eq!(
            map.load_customers,
            [CustomerId(0), CustomerId(1), CustomerId(2)]
        );

        // It validates, and the ids agree with the network's.
        let (net, map2) = to_network(&bb, &BusBranchOptions::default()).unwrap();
        assert_eq!(map, map2);
        assert_eq!(net.line_asset(map.switch_lines[2]), "switch/72");
        assert_eq!(net.line_asset(map.trafo3w_lines[0][1]), "trafo3w/60/mv");
        assert_eq!(net.line_asset(map.tcsc_lines[0]), "tcsc/40");
        assert_eq!(net.point_asset(map.bus_points[3]), "bus/3");
        assert_eq!(net.source_asset(map.slack_sources[1]), "slack/ext_grid/1");
        assert_eq!(net.customer(map.load_customers[2]).number(), "load/82");
    }

    #[test]
    fn options_default_and_capacity() {
        let o = BusBranchOptions::default();
        assert_eq!(o.source_capacity_kva, 1e6);
        assert!(o.allow_isolated_buses);
        let bb = chain(2);
        let opts = BusBranchOptions {
            source_capacity_kva: 8000.0,
            ..o
        };
        let (net, map) = to_network(&bb, &opts).unwrap();
        assert_eq!(net.source(map.slack_sources[0]).capacity_kva, 8000.0);
    }

    #[test]
    fn switch_element_codes() {
        for et in [
            SwitchElement::Bus,
            SwitchElement::Line,
            SwitchElement::Trafo,
            SwitchElement::Trafo3w,
        ] {
            assert_eq!(SwitchElement::from_code(et.code()), Some(et));
            let json = serde_json::to_string(&et).unwrap();
            assert_eq!(json, format!("{:?}", et.code()));
        }
        assert_eq!(SwitchElement::from_code("x"), None);
        // Unknown or missing switch types are disconnectors; matching ignores case and spaces.
        assert_eq!(switch_kind(None), SwitchKind::Disconnector);
        assert_eq!(switch_kind(Some("fuse")), SwitchKind::Disconnector);
        assert_eq!(switch_kind(Some(" cb ")), SwitchKind::Breaker);
    }

    #[test]
    fn json_defaults() {
        let bb: BusBranch = serde_json::from_str(
            r#"{"buses": [{"id": 0}, {"id": 1, "in_service": false}],
                "switches": [{"id": 0, "bus": 0, "element": 1, "et": "b", "closed": true}]}"#,
        )
        .unwrap();
        assert!(bb.buses[0].in_service && !bb.buses[1].in_service);
        assert!(bb.switches[0].in_service);
        assert_eq!(bb.switches[0].et, SwitchElement::Bus);
    }

    // ---- switches of each element type ----

    #[test]
    fn bus_bus_switch_open_and_closed() {
        // 0 -line- 1 -switch(b)- 2 -line- 3. pandapower: a closed bus-bus switch is an edge, an
        // open one is none.
        let mut bb = chain(2);
        bb.buses.extend([bus(2), bus(3)]);
        bb.lines.push(line(1, 2, 3));
        bb.switches = vec![switch(0, 1, 2, SwitchElement::Bus, true)];
        check(&bb, &[]);
        bb.switches[0].closed = false;
        check(&bb, &[2, 3]);
    }

    #[test]
    fn line_switch_open_and_closed_at_either_end() {
        // Chain 0-1-2-3; a switch on line 1 (1-2). pandapower: an open "l" switch removes the
        // line's edge whichever end it is at; a closed one changes nothing.
        for at in [1, 2] {
            let mut bb = chain(4);
            bb.switches = vec![switch(5, at, 1, SwitchElement::Line, true)];
            let (net, map) = check(&bb, &[]);
            // The line's end at the switch's bus moved to the switch's end point.
            let (f, t) = net.line_ends(map.line_lines[1]);
            let end = net.point_id("switch/5/end").unwrap();
            assert_eq!(if at == 1 { f } else { t }, end);
            assert_eq!(
                net.line_ends(map.switch_lines[0]),
                (map.bus_points[at as usize], end)
            );
            bb.switches[0].closed = false;
            check(&bb, &[2, 3]);
        }
    }

    #[test]
    fn trafo_switch_open_and_closed() {
        // 0 -line- 1 =trafo= 2 -line- 3, switch on the trafo at its LV bus 2. pandapower: an
        // open "t" switch removes the trafo's edge.
        let mut bb = net(4);
        bb.lines = vec![line(0, 0, 1), line(1, 2, 3)];
        bb.trafos = vec![trafo(0, 1, 2)];
        bb.switches = vec![switch(0, 2, 0, SwitchElement::Trafo, true)];
        check(&bb, &[]);
        bb.switches[0].closed = false;
        check(&bb, &[2, 3]);
        // At the HV side instead: the same.
        bb.switches[0].bus = 1;
        check(&bb, &[2, 3]);
    }

    #[test]
    fn trafo3w_switches_open_one_side() {
        // trafo3w hv 0, mv 1, lv 2; extra bus 3 on a line from the LV bus. pandapower: the
        // trafo3w is a triangle of edges; an open "t3" switch at the MV bus removes the two
        // edges touching bus 1, so HV and LV stay connected: unsupplied {1}.
        let mut bb = net(4);
        bb.trafo3ws = vec![trafo3w(0, 0, 1, 2)];
        bb.lines = vec![line(0, 2, 3)];
        check(&bb, &[]);
        bb.switches = vec![switch(0, 1, 0, SwitchElement::Trafo3w, true)];
        check(&bb, &[]);
        bb.switches[0].closed = false;
        check(&bb, &[1]);
        // Open at the LV side: bus 2 and the line beyond it are cut.
        bb.switches[0].bus = 2;
        check(&bb, &[2, 3]);
        // Open at the HV (slack) side: nothing of the trafo is supplied, MV and LV are still
        // joined to each other.
        bb.switches[0].bus = 0;
        check(&bb, &[1, 2, 3]);
        // Out of service: no edges at all.
        bb.switches.clear();
        bb.trafo3ws[0].in_service = false;
        check(&bb, &[1, 2, 3]);
    }

    #[test]
    fn trafo3w_switch_at_a_bus_two_sides_share() {
        // mv_bus == lv_bus == 1. pandapower matches open t3 switches by (element, bus), so an
        // open switch at bus 1 removes every edge touching it: both sides are cut (confirmed:
        // unsupplied {1, 2, 3} in the 4-bus net). The mapping moves both legs behind the switch.
        let mut bb = net(4);
        bb.trafo3ws = vec![trafo3w(0, 0, 1, 1)];
        bb.lines = vec![line(0, 1, 2)];
        bb.switches = vec![switch(0, 1, 0, SwitchElement::Trafo3w, false)];
        let (net, map) = check(&bb, &[1, 2, 3]);
        let end = net.point_id("switch/0/end").unwrap();
        assert_eq!(net.line_ends(map.trafo3w_lines[0][1]).0, end);
        assert_eq!(net.line_ends(map.trafo3w_lines[0][2]).0, end);
        bb.switches[0].closed = true;
        check(&bb, &[3]);
    }

    #[test]
    fn chained_switches_on_one_line_end() {
        // Chain 0-1-2; switches 7 then 8 (row order) both on line 1 at bus 1: bus 1 → switch 7
        // → its end → switch 8 → its end → line 1. pandapower: any open one of them removes
        // the line.
        let mut bb = chain(3);
        bb.switches = vec![
            switch(7, 1, 1, SwitchElement::Line, true),
            switch(8, 1, 1, SwitchElement::Line, true),
        ];
        let (net, map) = check(&bb, &[]);
        let e7 = net.point_id("switch/7/end").unwrap();
        let e8 = net.point_id("switch/8/end").unwrap();
        assert_eq!(net.line_ends(map.switch_lines[0]), (map.bus_points[1], e7));
        assert_eq!(net.line_ends(map.switch_lines[1]), (e7, e8));
        assert_eq!(net.line_ends(map.line_lines[1]), (e8, map.bus_points[2]));
        for open in [0, 1] {
            let mut b = bb.clone();
            b.switches[open].closed = false;
            check(&b, &[2]);
        }
        // A third switch at the other end, open: cut as well.
        bb.switches
            .push(switch(9, 2, 1, SwitchElement::Line, false));
        check(&bb, &[2]);
    }

    #[test]
    fn switch_in_service_column_only_marks_open_switches() {
        // pandapower reads no switch in_service column: a closed bus-bus switch conducts even
        // when an added column says out of service (confirmed: unsupplied {3} for 0-1 line, 1-2
        // closed switch, in_service False, in a 4-bus net).
        let mut bb = chain(2);
        bb.buses.extend([bus(2), bus(3)]);
        bb.switches = vec![BbSwitch {
            in_service: false,
            ..switch(0, 1, 2, SwitchElement::Bus, true)
        }];
        let (net, map) = check(&bb, &[3]);
        assert!(net.line(map.switch_lines[0]).in_service);
        // Open and out of service: mapped out of service (both readings agree it conducts
        // nothing).
        bb.switches[0].closed = false;
        let (net, map) = check(&bb, &[2, 3]);
        assert!(!net.line(map.switch_lines[0]).in_service);
        // Closed and out of service on a line end: the line conducts.
        let mut bb = chain(3);
        bb.switches = vec![BbSwitch {
            in_service: false,
            ..switch(0, 1, 1, SwitchElement::Line, true)
        }];
        check(&bb, &[]);
    }

    #[test]
    fn switches_on_out_of_service_elements() {
        // pandapower: an out-of-service line or trafo has no edge, whatever its switches say;
        // a closed switch does not bring it back (confirmed: unsupplied {1, 2, 3} for an
        // out-of-service line 0-1 with a closed switch, 4-bus net).
        let mut bb = chain(3);
        bb.lines[1].in_service = false;
        bb.switches = vec![switch(0, 1, 1, SwitchElement::Line, true)];
        check(&bb, &[2]);
        bb.switches[0].closed = false;
        check(&bb, &[2]);
        let mut bb = net(2);
        bb.trafos = vec![BbTrafo {
            in_service: false,
            ..trafo(0, 0, 1)
        }];
        bb.switches = vec![switch(0, 0, 0, SwitchElement::Trafo, true)];
        check(&bb, &[1]);
    }

    // ---- out of service ----

    #[test]
    fn out_of_service_bus_is_neither_supplied_nor_unsupplied() {
        // Chain 0-1-2-3 with bus 2 out of service. pandapower removes bus 2 from the graph with
        // its edges: it is not traversed (3 is cut off) and is not in the result: {3}.
        let mut bb = chain(4);
        bb.buses[2].in_service = false;
        let (net, map) = check(&bb, &[3]);
        let topo = Topology::normal(net);
        assert!(!map.supplied_buses(&topo).contains(&2));
        assert!(!map.unsupplied_buses(&topo).contains(&2));
    }

    #[test]
    fn out_of_service_line_and_trafo() {
        // Chain 0-1-2-3, line 1 out of service: {2, 3}.
        let mut bb = chain(4);
        bb.lines[1].in_service = false;
        check(&bb, &[2, 3]);
        // 0 =trafo= 1 -line- 2, trafo out of service: {1, 2}.
        let mut bb = net(3);
        bb.trafos = vec![BbTrafo {
            in_service: false,
            ..trafo(0, 0, 1)
        }];
        bb.lines = vec![line(0, 1, 2)];
        check(&bb, &[1, 2]);
    }

    #[test]
    fn slacks_out_of_service_on_out_of_service_bus_and_slack_gens() {
        // Chain 0-1-2-3 with its ext_grid out of service: every bus is unsupplied.
        let mut bb = chain(4);
        bb.slacks[0].in_service = false;
        check(&bb, &[0, 1, 2, 3]);
        // A slack gen at bus 2 (caller passes gens with slack = True only): all supplied again.
        bb.slacks.push(BbSlack {
            id: "gen/0".into(),
            bus: 2,
            name: None,
            in_service: true,
        });
        let (net, map) = check(&bb, &[]);
        assert_eq!(net.source_asset(map.slack_sources[1]), "slack/gen/0");
        // Slack bus out of service: the slack supplies nothing (pandapower's slack set holds the
        // bus, but the bus is not in the graph). Bus 0 (out) is in neither set.
        let mut bb = chain(3);
        bb.buses[0].in_service = false;
        check(&bb, &[1, 2]);
    }

    // ---- other branches ----

    #[test]
    fn impedance_dcline_and_tcsc_connect() {
        // pandapower's create_nxgraph makes in-service impedance, dcline and tcsc rows edges
        // (confirmed: impedance 0-1 + dcline 1-2 leave only {3} unsupplied in a 4-bus net).
        let mut bb = net(4);
        bb.impedances = vec![branch(0, 0, 1)];
        bb.dclines = vec![branch(0, 1, 2)];
        bb.tcscs = vec![branch(0, 2, 3)];
        check(&bb, &[]);
        bb.dclines[0].in_service = false;
        check(&bb, &[2, 3]);
        bb.impedances[0].in_service = false;
        check(&bb, &[1, 2, 3]);
        // Switches never apply to them: an "l" switch naming the impedance's id is about line 0.
        let mut bb = net(2);
        bb.impedances = vec![branch(0, 0, 1)];
        bb.switches = vec![switch(0, 0, 0, SwitchElement::Line, false)];
        expect_unmappable(&bb, "switch", "0", "element", "0");
    }

    // ---- self-loops, stubs, isolated buses ----

    #[test]
    fn self_loops_map_to_dead_ends() {
        // networkx keeps pandapower's self-loop edges, and they connect nothing (confirmed: a
        // line 2-2 leaves bus 2 unsupplied). The mapping keeps each element as a line to a dead
        // end `{asset}/loop`, so the network stays valid and every row has a line.
        let mut bb = chain(2);
        bb.buses.push(bus(2));
        bb.lines.push(line(1, 2, 2));
        bb.impedances = vec![branch(0, 2, 2)];
        bb.trafos = vec![trafo(0, 1, 1)];
        bb.switches = vec![
            switch(0, 2, 2, SwitchElement::Bus, true),
            // A switch on the self-loop line at its bus: both ends move behind it.
            switch(1, 2, 1, SwitchElement::Line, true),
        ];
        let (net, map) = check(&bb, &[2]);
        let b2 = map.bus_points[2];
        let e1 = net.point_id("switch/1/end").unwrap();
        assert_eq!(
            net.line_ends(map.line_lines[1]),
            (e1, net.point_id("line/1/loop").unwrap())
        );
        assert_eq!(
            net.line_ends(map.impedance_lines[0]),
            (b2, net.point_id("impedance/0/loop").unwrap())
        );
        assert_eq!(
            net.line_ends(map.trafo_lines[0]),
            (map.bus_points[1], net.point_id("trafo/0/loop").unwrap())
        );
        assert_eq!(
            net.line_ends(map.switch_lines[0]),
            (b2, net.point_id("switch/0/loop").unwrap())
        );
        assert_eq!(net.line_ends(map.switch_lines[1]), (b2, e1));
        for p in ["line/1/loop", "switch/0/loop", "switch/1/end"] {
            assert_eq!(map.point_buses[net.point_id(p).unwrap().index()], None);
        }
    }

    #[test]
    fn slack_bus_without_lines_gets_a_stub() {
        // A bus with nothing but an ext_grid is supplied in pandapower; a lone bus is not
        // (confirmed: {1}). A source must feed a line, so the mapping adds `bus/0/stub`.
        let mut bb = net(2);
        bb.slacks.push(BbSlack {
            id: "gen/1".into(),
            ..ext_grid(0, 0)
        });
        let (net, map) = check(&bb, &[1]);
        let stub = net.point_id("bus/0/stub").unwrap();
        let link = net.line_id("bus/0/stub-link").unwrap();
        assert_eq!(net.line_ends(link), (map.bus_points[0], stub));
        assert_eq!(map.point_buses[stub.index()], None);
        assert_eq!(net.line_count(), 1);
        // With a line at the slack bus there is no stub.
        let (net, _) = check(&chain(2), &[]);
        assert!(net.point_id("bus/0/stub").is_err());
    }

    #[test]
    fn isolated_buses_follow_the_option() {
        let mut bb = chain(2);
        bb.buses.push(bus(2));
        check(&bb, &[2]);
        let opts = BusBranchOptions {
            allow_isolated_buses: false,
            ..BusBranchOptions::default()
        };
        match to_network(&bb, &opts) {
            Err(NetworkError::Invalid { problems }) => {
                assert_eq!(problems.0.len(), 1);
                assert_eq!(problems.0[0].id, "bus/2");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn loads_are_customers_at_their_bus() {
        let mut bb = chain(3);
        bb.lines[1].in_service = false;
        bb.loads = vec![
            load(0, 1, 0.2),
            BbLoad {
                in_service: false,
                ..load(1, 2, 0.3)
            },
        ];
        let (net, map) = check(&bb, &[2]);
        let topo = Topology::normal(net.clone());
        let c = net.customer(map.load_customers[1]);
        assert_eq!(c.point(), map.bus_points[2]);
        assert!(!topo.is_energized(c.point()));
        assert!(topo.is_energized(net.customer(map.load_customers[0]).point()));
    }

    // ---- every unmappable case ----

    #[test]
    fn duplicate_ids_are_unmappable() {
        let mut bb = chain(3);
        bb.buses.push(bus(1));
        expect_unmappable(&bb, "bus", "1", "id", "1");
        let mut bb = chain(3);
        bb.lines.push(line(0, 0, 2));
        expect_unmappable(&bb, "line", "0", "id", "0");
        let mut bb = chain(3);
        bb.trafos = vec![trafo(4, 0, 1), trafo(4, 1, 2)];
        expect_unmappable(&bb, "trafo", "4", "id", "4");
        let mut bb = chain(3);
        bb.trafo3ws = vec![trafo3w(4, 0, 1, 2), trafo3w(4, 0, 1, 2)];
        expect_unmappable(&bb, "trafo3w", "4", "id", "4");
        for (k, table) in ["impedance", "dcline", "tcsc"].into_iter().enumerate() {
            let mut bb = chain(3);
            let rows = vec![branch(2, 0, 1), branch(2, 1, 2)];
            match k {
                0 => bb.impedances = rows,
                1 => bb.dclines = rows,
                _ => bb.tcscs = rows,
            }
            expect_unmappable(&bb, table, "2", "id", "2");
        }
        let mut bb = chain(3);
        bb.switches = vec![
            switch(3, 0, 1, SwitchElement::Bus, true),
            switch(3, 1, 2, SwitchElement::Bus, true),
        ];
        expect_unmappable(&bb, "switch", "3", "id", "3");
        let mut bb = chain(3);
        bb.slacks.push(ext_grid(0, 2));
        expect_unmappable(&bb, "slack", "ext_grid/0", "id", "ext_grid/0");
        let mut bb = chain(3);
        bb.loads = vec![load(5, 0, 0.1), load(5, 1, 0.1)];
        expect_unmappable(&bb, "load", "5", "id", "5");
        // The same id in different tables is fine.
        let mut bb = chain(3);
        bb.impedances = vec![branch(0, 0, 2)];
        bb.trafos = vec![trafo(0, 1, 2)];
        check(&bb, &[]);
    }

    /// An edit of a net, and the table, row id and field it makes unmappable.
    type Case = (fn(&mut BusBranch), &'static str, &'static str, &'static str);

    #[test]
    fn unknown_buses_are_unmappable() {
        let cases: [Case; 15] = [
            (|bb| bb.lines.push(line(9, 0, 42)), "line", "9", "to_bus"),
            (|bb| bb.lines.push(line(9, 42, 0)), "line", "9", "from_bus"),
            (|bb| bb.trafos.push(trafo(9, 0, 42)), "trafo", "9", "lv_bus"),
            (|bb| bb.trafos.push(trafo(9, 42, 0)), "trafo", "9", "hv_bus"),
            (
                |bb| bb.trafo3ws.push(trafo3w(9, 42, 0, 1)),
                "trafo3w",
                "9",
                "hv_bus",
            ),
            (
                |bb| bb.trafo3ws.push(trafo3w(9, 0, 42, 1)),
                "trafo3w",
                "9",
                "mv_bus",
            ),
            (
                |bb| bb.trafo3ws.push(trafo3w(9, 0, 1, 42)),
                "trafo3w",
                "9",
                "lv_bus",
            ),
            (
                |bb| bb.impedances.push(branch(9, 0, 42)),
                "impedance",
                "9",
                "to_bus",
            ),
            (
                |bb| bb.dclines.push(branch(9, 42, 0)),
                "dcline",
                "9",
                "from_bus",
            ),
            (|bb| bb.tcscs.push(branch(9, 0, 42)), "tcsc", "9", "to_bus"),
            (
                |bb| bb.switches.push(switch(9, 42, 0, SwitchElement::Bus, true)),
                "switch",
                "9",
                "bus",
            ),
            (
                |bb| {
                    bb.switches
                        .push(switch(9, 42, 0, SwitchElement::Line, true))
                },
                "switch",
                "9",
                "bus",
            ),
            (
                |bb| bb.switches.push(switch(9, 0, 42, SwitchElement::Bus, true)),
                "switch",
                "9",
                "element",
            ),
            (
                |bb| bb.slacks.push(ext_grid(9, 42)),
                "slack",
                "ext_grid/9",
                "bus",
            ),
            (|bb| bb.loads.push(load(9, 42, 0.1)), "load", "9", "bus"),
        ];
        for (edit, table, id, field) in cases {
            let mut bb = chain(3);
            edit(&mut bb);
            expect_unmappable(&bb, table, id, field, "42");
        }
    }

    #[test]
    fn unknown_switch_elements_are_unmappable() {
        let mut bb = chain(3);
        bb.trafos = vec![trafo(0, 0, 1)];
        bb.trafo3ws = vec![trafo3w(0, 0, 1, 2)];
        for et in [
            SwitchElement::Line,
            SwitchElement::Trafo,
            SwitchElement::Trafo3w,
        ] {
            let mut b = bb.clone();
            b.switches = vec![switch(4, 0, 17, et, false)];
            expect_unmappable(&b, "switch", "4", "element", "17");
        }
    }

    #[test]
    fn switch_at_a_bus_its_element_does_not_end_at_is_unmappable() {
        // pandapower's create_switch refuses these; a hand-edited table would make
        // create_nxgraph drop an open "l"/"t" switch's element whatever bus it names, and
        // ignore a "t3" one, so there is no consistent end to put it at.
        let mut bb = chain(4);
        bb.trafos = vec![trafo(0, 0, 1)];
        bb.trafo3ws = vec![trafo3w(0, 0, 1, 2)];
        for (et, element) in [
            (SwitchElement::Line, 0),
            (SwitchElement::Trafo, 0),
            (SwitchElement::Trafo3w, 0),
        ] {
            let mut b = bb.clone();
            b.switches = vec![switch(4, 3, element, et, false)];
            expect_unmappable(&b, "switch", "4", "bus", "3");
        }
    }

    #[test]
    fn bad_numbers_are_unmappable() {
        for v in [-1.0, f64::NAN, f64::INFINITY] {
            let mut bb = chain(3);
            bb.lines[1].length_km = v;
            expect_unmappable(&bb, "line", "1", "length_km", &v.to_string());
        }
        for v in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            let mut bb = chain(3);
            bb.trafos = vec![BbTrafo {
                sn_mva: v,
                ..trafo(6, 0, 1)
            }];
            expect_unmappable(&bb, "trafo", "6", "sn_mva", &v.to_string());
            for field in ["sn_hv_mva", "sn_mv_mva", "sn_lv_mva"] {
                let mut t = trafo3w(6, 0, 1, 2);
                match field {
                    "sn_hv_mva" => t.sn_hv_mva = v,
                    "sn_mv_mva" => t.sn_mv_mva = v,
                    _ => t.sn_lv_mva = v,
                }
                let mut bb = chain(3);
                bb.trafo3ws = vec![t];
                expect_unmappable(&bb, "trafo3w", "6", field, &v.to_string());
            }
        }
        for v in [-0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut bb = chain(3);
            bb.loads = vec![load(3, 1, v)];
            expect_unmappable(&bb, "load", "3", "p_mw", &v.to_string());
        }
        for v in [-0.5, f64::INFINITY] {
            let mut bb = chain(3);
            bb.loads = vec![BbLoad {
                sn_mva: Some(v),
                ..load(3, 1, 0.1)
            }];
            expect_unmappable(&bb, "load", "3", "sn_mva", &v.to_string());
        }
        // Zero is fine for a line length and a load.
        let mut bb = chain(3);
        bb.lines[0].length_km = 0.0;
        bb.loads = vec![load(0, 2, 0.0)];
        check(&bb, &[]);
    }

    // ---- against the transcription of pandapower, on random nets ----

    /// splitmix64: a small deterministic generator for the random nets.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    /// A random net: sparse ids, some buses and branches out of service, self-loops, every
    /// branch table, switches of every kind on valid ends, several slacks.
    fn random_net(seed: u64) -> BusBranch {
        let mut r = Rng(seed);
        let n = 2 + r.below(12);
        let ids: Vec<i64> = (0..n as i64).map(|k| 3 * k + 1).collect();
        let pick = |r: &mut Rng| ids[r.below(n)];
        let mut bb = BusBranch {
            buses: ids
                .iter()
                .map(|&id| Bus {
                    in_service: r.chance(90),
                    ..bus(id)
                })
                .collect(),
            ..BusBranch::default()
        };
        for k in 0..r.below(n + 3) {
            let (a, b) = (pick(&mut r), pick(&mut r));
            bb.lines.push(BbLine {
                in_service: r.chance(90),
                ..line(k as i64, a, b)
            });
        }
        for k in 0..r.below(3) {
            let (a, b) = (pick(&mut r), pick(&mut r));
            bb.trafos.push(BbTrafo {
                in_service: r.chance(90),
                ..trafo(k as i64, a, b)
            });
        }
        for k in 0..r.below(3) {
            let (a, b, c) = (pick(&mut r), pick(&mut r), pick(&mut r));
            bb.trafo3ws.push(BbTrafo3w {
                in_service: r.chance(90),
                ..trafo3w(k as i64, a, b, c)
            });
        }
        for table in 0..3 {
            for k in 0..r.below(2) {
                let (a, b) = (pick(&mut r), pick(&mut r));
                let row = BbImpedance {
                    in_service: r.chance(80),
                    ..branch(k as i64, a, b)
                };
                match table {
                    0 => bb.impedances.push(row),
                    1 => bb.dclines.push(row),
                    _ => bb.tcscs.push(row),
                }
            }
        }
        for k in 0..r.below(2 * n + 2) {
            let closed = r.chance(60);
            let sw = match r.below(4) {
                0 => Some(switch(
                    k as i64,
                    pick(&mut r),
                    pick(&mut r),
                    SwitchElement::Bus,
                    closed,
                )),
                1 if !bb.lines.is_empty() => {
                    let l = &bb.lines[r.below(bb.lines.len())];
                    let at = if r.chance(50) { l.from_bus } else { l.to_bus };
                    Some(switch(k as i64, at, l.id, SwitchElement::Line, closed))
                }
                2 if !bb.trafos.is_empty() => {
                    let t = &bb.trafos[r.below(bb.trafos.len())];
                    let at = if r.chance(50) { t.hv_bus } else { t.lv_bus };
                    Some(switch(k as i64, at, t.id, SwitchElement::Trafo, closed))
                }
                3 if !bb.trafo3ws.is_empty() => {
                    let t = &bb.trafo3ws[r.below(bb.trafo3ws.len())];
                    let at = [t.hv_bus, t.mv_bus, t.lv_bus][r.below(3)];
                    Some(switch(k as i64, at, t.id, SwitchElement::Trafo3w, closed))
                }
                _ => None,
            };
            if let Some(mut sw) = sw {
                sw.in_service = r.chance(90);
                bb.switches.push(sw);
            }
        }
        for k in 0..r.below(4) {
            bb.slacks.push(BbSlack {
                in_service: r.chance(85),
                ..ext_grid(k as i64, pick(&mut r))
            });
        }
        for k in 0..r.below(n) {
            bb.loads.push(load(k as i64, pick(&mut r), 0.1));
        }
        bb
    }

    #[test]
    fn random_nets_match_pandapower_semantics() {
        for seed in 0..3000 {
            let bb = random_net(seed);
            let expected: Vec<i64> = reference_unsupplied(&bb).into_iter().collect();
            let (net, map) = to_network(&bb, &BusBranchOptions::default())
                .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let topo = Topology::normal(Arc::new(net));
            let mut got = map.unsupplied_buses(&topo);
            got.sort_unstable();
            assert_eq!(got, expected, "seed {seed}: {bb:#?}");
        }
    }

    /// Random nets built in pandapower 3.5.6 (by a generator with the same shape as
    /// [`random_net`], plus non-slack gens, xwards and an added switch `in_service` column),
    /// one JSON object a line, with `pandapower.topology.unsupplied_buses(net)` as pandapower
    /// computed it. Three of 3000 such nets, all of which the mapping reproduced.
    const PANDAPOWER_NETS: &str = r#"{"seed":2438,"bb":{"buses":[{"id":27,"in_service":false},{"id":22},{"id":12},{"id":32},{"id":2},{"id":7},{"id":37},{"id":42},{"id":17}],"lines":[{"id":100,"from_bus":2,"to_bus":42,"length_km":1.0,"max_i_ka":0.4}],"trafos":[{"id":0,"hv_bus":27,"lv_bus":32,"sn_mva":0.63}],"trafo3ws":[{"id":0,"hv_bus":17,"mv_bus":22,"lv_bus":32,"sn_hv_mva":60,"sn_mv_mva":20,"sn_lv_mva":40}],"impedances":[{"id":0,"from_bus":17,"to_bus":27}],"dclines":[{"id":0,"from_bus":12,"to_bus":22,"in_service":false}],"tcscs":[{"id":0,"from_bus":22,"to_bus":42}],"switches":[{"id":1000,"bus":37,"element":32,"et":"b","closed":false,"kind":"LBS"},{"id":1001,"bus":42,"element":100,"et":"l","closed":true,"kind":"CB"},{"id":1002,"bus":42,"element":100,"et":"l","closed":true,"kind":"CB"},{"id":1003,"bus":32,"element":0,"et":"t","closed":true,"kind":"CB"},{"id":1004,"bus":32,"element":0,"et":"t","closed":false,"kind":"CB"},{"id":1005,"bus":22,"element":37,"et":"b","closed":true,"kind":"DS"},{"id":1006,"bus":22,"element":0,"et":"t3","closed":false}],"loads":[{"id":0,"bus":7,"p_mw":0.1},{"id":1,"bus":42,"p_mw":0.1},{"id":2,"bus":2,"p_mw":0.1},{"id":3,"bus":17,"p_mw":0.1}]},"unsupplied":[2,7,12,17,22,32,37,42]}
{"seed":1519,"bb":{"buses":[{"id":22},{"id":2,"in_service":false},{"id":7},{"id":17},{"id":12}],"lines":[{"id":100,"from_bus":7,"to_bus":2,"length_km":1.0,"max_i_ka":0.4,"in_service":false},{"id":107,"from_bus":22,"to_bus":2,"length_km":1.0,"max_i_ka":0.4}],"trafos":[{"id":0,"hv_bus":22,"lv_bus":2,"sn_mva":0.63}],"trafo3ws":[{"id":0,"hv_bus":12,"mv_bus":2,"lv_bus":2,"sn_hv_mva":60,"sn_mv_mva":20,"sn_lv_mva":40,"in_service":false},{"id":1,"hv_bus":2,"mv_bus":17,"lv_bus":12,"sn_hv_mva":60,"sn_mv_mva":20,"sn_lv_mva":40}],"impedances":[{"id":0,"from_bus":12,"to_bus":7},{"id":1,"from_bus":12,"to_bus":17}],"dclines":[{"id":0,"from_bus":12,"to_bus":2}],"tcscs":[{"id":0,"from_bus":17,"to_bus":12},{"id":1,"from_bus":12,"to_bus":17}],"switches":[{"id":1000,"bus":22,"element":0,"et":"t","closed":true,"kind":"LBS"},{"id":1001,"bus":22,"element":12,"et":"b","closed":true,"kind":"CB"},{"id":1002,"bus":22,"element":0,"et":"t","closed":true,"kind":"LBS"},{"id":1003,"bus":12,"element":2,"et":"b","closed":false},{"id":1004,"bus":2,"element":107,"et":"l","closed":false,"kind":"CB"},{"id":1005,"bus":2,"element":0,"et":"t3","closed":true,"kind":"DS"},{"id":1006,"bus":22,"element":0,"et":"t","closed":false}],"loads":[{"id":0,"bus":12,"p_mw":0.1},{"id":1,"bus":12,"p_mw":0.1}]},"unsupplied":[7,12,17,22]}
{"seed":1556,"bb":{"buses":[{"id":2,"in_service":false},{"id":7},{"id":27},{"id":17},{"id":12},{"id":32},{"id":22}],"lines":[{"id":100,"from_bus":22,"to_bus":7,"length_km":1.0,"max_i_ka":0.4}],"trafos":[{"id":0,"hv_bus":2,"lv_bus":12,"sn_mva":0.63}],"trafo3ws":[{"id":0,"hv_bus":32,"mv_bus":17,"lv_bus":32,"sn_hv_mva":60,"sn_mv_mva":20,"sn_lv_mva":40}],"impedances":[{"id":0,"from_bus":7,"to_bus":2}],"dclines":[{"id":0,"from_bus":17,"to_bus":32}],"tcscs":[{"id":0,"from_bus":12,"to_bus":22,"in_service":false},{"id":1,"from_bus":27,"to_bus":27}],"switches":[{"id":1000,"bus":22,"element":17,"et":"b","closed":true,"kind":"LS"},{"id":1001,"bus":7,"element":100,"et":"l","closed":false,"kind":"DS"},{"id":1002,"bus":32,"element":0,"et":"t3","closed":true,"kind":"CB"},{"id":1003,"bus":22,"element":100,"et":"l","closed":true},{"id":1004,"bus":12,"element":0,"et":"t","closed":true,"kind":"LS"},{"id":1005,"bus":32,"element":0,"et":"t3","closed":true,"kind":"CB"},{"id":1006,"bus":22,"element":100,"et":"l","closed":false,"kind":"LS","in_service":false},{"id":1007,"bus":22,"element":27,"et":"b","closed":true,"kind":"CB","in_service":false}],"slacks":[{"id":"gen/0","bus":7},{"id":"ext_grid/1","bus":7}],"loads":[{"id":0,"bus":22,"p_mw":0.1},{"id":1,"bus":27,"p_mw":0.1},{"id":2,"bus":12,"p_mw":0.1}]},"unsupplied":[12,17,22,27,32]}"#;

    #[test]
    fn nets_built_in_pandapower_match_its_unsupplied_buses() {
        #[derive(Deserialize)]
        struct Case {
            seed: u64,
            bb: BusBranch,
            unsupplied: Vec<i64>,
        }
        for text in PANDAPOWER_NETS.lines() {
            let case: Case = serde_json::from_str(text).unwrap();
            assert!(!case.unsupplied.is_empty(), "seed {}", case.seed);
            check(&case.bb, &case.unsupplied);
        }
    }
}
