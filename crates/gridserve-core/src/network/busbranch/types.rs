//! The rows of a bus-branch model (pandapower's tables), the mapping's options and the index
//! mapping back from point-line ids to rows.

use serde::{Deserialize, Serialize};

use crate::network::model::{CustomerId, ElementId, LineId, PointId, SourceId};
use crate::network::topology::Topology;

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
    pub(crate) fn table(self) -> &'static str {
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

/// A slack named by the caller (the `ext_grids`, `gens` and `vscs` tables give pandapower's own;
/// see [`BusBranch::all_slacks`]).
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

/// An external grid (`net.ext_grid` row): always a slack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbExtGrid {
    /// The ext_grid index.
    pub id: i64,
    /// `bus`.
    pub bus: i64,
    /// The name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A generator (`net.gen` row): a slack when its `slack` flag is set, else not a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbGen {
    /// The gen index.
    pub id: i64,
    /// `bus`.
    pub bus: i64,
    /// `slack` (absent: false, pandapower's default).
    #[serde(default)]
    pub slack: bool,
    /// The name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// `in_service`.
    #[serde(default = "yes")]
    pub in_service: bool,
}

/// A voltage source converter (`net.vsc` row): a slack when its AC side is
/// (`control_mode_ac == "slack"`), else not a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BbVsc {
    /// The vsc index.
    pub id: i64,
    /// `bus` (the AC bus).
    pub bus: i64,
    /// `control_mode_ac`, if given.
    #[serde(default)]
    pub control_mode_ac: Option<String>,
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
    /// `net.ext_grid`: every row is a slack (`"ext_grid/<index>"`).
    #[serde(default)]
    pub ext_grids: Vec<BbExtGrid>,
    /// `net.gen`: the rows with `slack` set are slacks (`"gen/<index>"`).
    #[serde(default)]
    pub gens: Vec<BbGen>,
    /// `net.vsc`: the rows whose `control_mode_ac` is `"slack"` are slacks (`"vsc/<index>"`).
    #[serde(default)]
    pub vscs: Vec<BbVsc>,
    /// Further slacks the caller names itself, after those of `ext_grids`, `gens` and `vscs`.
    #[serde(default)]
    pub slacks: Vec<BbSlack>,
    /// `net.load`.
    #[serde(default)]
    pub loads: Vec<BbLoad>,
}

impl BusBranch {
    /// Every slack, in the order the sources are numbered: each `ext_grid`, each `gen` with
    /// `slack` set, each `vsc` with `control_mode_ac == "slack"` (pandapower's rule in
    /// `unsupplied_buses`), then `slacks`.
    #[must_use]
    pub fn all_slacks(&self) -> Vec<BbSlack> {
        let row =
            |kind: &str, id: i64, bus: i64, name: &Option<String>, in_service: bool| BbSlack {
                id: format!("{kind}/{id}"),
                bus,
                name: name.clone(),
                in_service,
            };
        self.ext_grids
            .iter()
            .map(|g| row("ext_grid", g.id, g.bus, &g.name, g.in_service))
            .chain(
                self.gens
                    .iter()
                    .filter(|g| g.slack)
                    .map(|g| row("gen", g.id, g.bus, &g.name, g.in_service)),
            )
            .chain(
                self.vscs
                    .iter()
                    .filter(|v| v.control_mode_ac.as_deref() == Some("slack"))
                    .map(|v| row("vsc", v.id, v.bus, &v.name, v.in_service)),
            )
            .chain(self.slacks.iter().cloned())
            .collect()
    }
}

/// Options of the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
