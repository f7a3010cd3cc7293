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
//!
//! The row types are in `types`, the mapping (one function per phase) in `map`.

mod map;
#[cfg(test)]
mod tests;
mod types;

pub use map::{to_network, to_network_data};
pub use types::{
    BbExtGrid, BbGen, BbImpedance, BbLine, BbLoad, BbSlack, BbSwitch, BbTrafo, BbTrafo3w, BbVsc,
    Bus, BusBranch, BusBranchMap, BusBranchOptions, SwitchElement,
};
