"""gridserve's unsupplied buses equal pandapower.topology.unsupplied_buses on pandapower's and
SimBench's own networks (shipped with the packages: nothing is downloaded), for the base state,
every single-switch opening and every single-line outage (on the MV+LV grid, every 40th
scenario to keep the suite short; benches/compare runs them all)."""

import warnings

import numpy as np
import pytest

import gridserve as gs

pp = pytest.importorskip("pandapower")
top = pytest.importorskip("pandapower.topology")
pn = pytest.importorskip("pandapower.networks")


def _simbench(code: str):
    sb = pytest.importorskip("simbench")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sb.get_simbench_net(code)


NETWORKS = {
    "mv_oberrhein": (pn.mv_oberrhein, 1),
    "1-MV-rural--0-sw": (lambda: _simbench("1-MV-rural--0-sw"), 1),
    "1-MV-comm--0-sw": (lambda: _simbench("1-MV-comm--0-sw"), 1),
    "1-MVLV-rural-all-0-sw": (lambda: _simbench("1-MVLV-rural-all-0-sw"), 40),
}


def _unsupplied_after(imp: gs.PandapowerImport, topo: gs.Topology, base: np.ndarray, scope: gs.Scope) -> set:
    points = np.union1d(base, scope.point_ids())
    return set(int(b) for b in imp.buses(points))


@pytest.mark.parametrize("name", list(NETWORKS))
def test_unsupplied_buses_equal_pandapowers(name: str) -> None:
    make, every = NETWORKS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = make()
    imp = gs.from_pandapower(net)
    topo = gs.Topology(imp.network)
    assert set(int(b) for b in imp.unsupplied_buses(topo)) == set(top.unsupplied_buses(net))
    base = np.nonzero(~topo.energized())[0]
    closed = [int(i) for i in net.switch.index[net.switch["closed"].astype(bool)]][::every]
    lines = [int(i) for i in net.line.index[net.line["in_service"].astype(bool)]][::every]
    checked = 0
    for idx in closed:
        scope = topo.scope_open_line(int(imp.to_gridserve("switch", idx)[0]))
        net.switch.at[idx, "closed"] = False
        expected = set(top.unsupplied_buses(net))
        net.switch.at[idx, "closed"] = True
        assert _unsupplied_after(imp, topo, base, scope) == expected, ("switch", idx)
        checked += 1
    for idx in lines:
        scope = topo.scope_take_out_line(int(imp.to_gridserve("line", idx)[0]))
        net.line.at[idx, "in_service"] = False
        expected = set(top.unsupplied_buses(net))
        net.line.at[idx, "in_service"] = True
        assert _unsupplied_after(imp, topo, base, scope) == expected, ("line", idx)
        checked += 1
    assert checked > 50


def test_index_maps_point_back_to_the_tables() -> None:
    net = pn.mv_oberrhein()
    imp = gs.from_pandapower(net)
    names = imp.network.point_assets()
    for row, bus in enumerate(net.bus.index[:20]):
        assert names[imp.bus_points[row]] == f"bus/{bus}"
        assert imp.point_buses[imp.bus_points[row]] == bus
    lines = imp.network.line_assets()
    assert lines[imp.line_lines[0]] == f"line/{net.line.index[0]}"
    assert imp.network.source_count == len(net.ext_grid)
    assert imp.network.customer_count == len(net.load)
    # Loads become customers with their active power as load.
    cols = imp.network.to_columns()["customers"]
    assert cols["load_kw"][0] == pytest.approx(net.load.p_mw.iloc[0] * 1000.0)


def test_a_small_net_with_every_switch_kind() -> None:
    net = pp.create_empty_network()
    b = [pp.create_bus(net, 20.0) for _ in range(7)]
    pp.create_ext_grid(net, b[0])
    l1 = pp.create_line(net, b[0], b[1], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    l2 = pp.create_line(net, b[1], b[2], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    pp.create_transformer(net, b[2], b[3], "0.4 MVA 20/0.4 kV")
    pp.create_line(net, b[3], b[4], 0.1, "NAYY 4x150 SE")
    pp.create_switch(net, b[1], l2, et="l", closed=True)
    pp.create_switch(net, b[4], b[5], et="b", closed=False)  # an open bus-bus switch: b5 unsupplied
    pp.create_line(net, b[5], b[6], 0.1, "NAYY 4x150 SE")
    pp.create_load(net, b[4], p_mw=0.1)
    imp = gs.from_pandapower(net)
    topo = gs.Topology(imp.network)
    assert set(int(x) for x in imp.unsupplied_buses(topo)) == set(top.unsupplied_buses(net)) == {b[5], b[6]}
    net.line.at[l1, "in_service"] = False
    imp = gs.from_pandapower(net)
    topo = gs.Topology(imp.network)
    assert set(int(x) for x in imp.unsupplied_buses(topo)) == set(top.unsupplied_buses(net))


def _feeder():
    """ext_grid - b0 - line - b1 - line - b2 - line - b3, a trafo b1 - b4, a load on b3; sparse,
    shuffled indices so that row order and pandapower index differ."""
    net = pp.create_empty_network()
    b = [pp.create_bus(net, 20.0, index=i) for i in (70, 10, 50, 30, 90)]
    pp.create_ext_grid(net, b[0])
    lines = [
        pp.create_line(net, b[0], b[1], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", index=8),
        pp.create_line(net, b[1], b[2], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", index=3),
        pp.create_line(net, b[2], b[3], 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV", index=5),
    ]
    pp.create_transformer(net, b[1], b[4], "0.4 MVA 20/0.4 kV", index=4)
    pp.create_load(net, b[3], p_mw=0.2, index=7)
    return net, b, lines


def test_pandapower_indices_translate_to_gridserve_ids_and_back() -> None:
    net, b, lines = _feeder()
    s1 = pp.create_switch(net, b[1], lines[1], et="l", closed=True, index=21)
    s2 = pp.create_switch(net, b[2], lines[2], et="l", closed=True, index=6)
    imp = gs.from_pandapower(net)
    names = imp.network.point_assets()
    line_names = imp.network.line_assets()
    points = imp.to_gridserve("bus", b)
    assert [names[p] for p in points] == [f"bus/{i}" for i in b]
    assert list(imp.from_gridserve("bus", points)) == b
    switch_lines = imp.to_gridserve("switch", np.array([s2, s1], dtype=np.int32))
    assert [line_names[l] for l in switch_lines] == [f"switch/{s2}", f"switch/{s1}"]
    assert list(imp.from_gridserve("switch", switch_lines)) == [s2, s1]
    assert [line_names[l] for l in imp.to_gridserve("line", [5, 8])] == ["line/5", "line/8"]
    assert line_names[imp.to_gridserve("trafo", 4)[0]] == "trafo/4"
    assert list(imp.from_gridserve("load", imp.to_gridserve("load", [7]))) == [7]
    # Opening pandapower switch s1 through its translated id cuts b2 and b3, as in pandapower.
    topo = gs.Topology(imp.network)
    offsets, pts = topo.unsupplied_batch(["open"], imp.to_gridserve("switch", [s1]))
    net.switch.at[s1, "closed"] = False
    assert set(int(x) for x in imp.buses(pts[offsets[0]:offsets[1]])) == set(top.unsupplied_buses(net)) == {b[2], b[3]}
    # Unknown indices and ids are refused by name, never answered with another element.
    with pytest.raises(gs.UnknownElementError) as err:
        imp.to_gridserve("switch", [0])
    assert err.value.asset == "switch/0"
    with pytest.raises(gs.UnknownElementError):
        imp.from_gridserve("line", switch_lines)  # switch lines are no rows of net.line
    with pytest.raises(gs.UnknownElementError):
        imp.from_gridserve("bus", [imp.network.point_count])
    with pytest.raises(gs.InvalidArgumentError):
        imp.to_gridserve("gen", [0])
    with pytest.raises(gs.InvalidArgumentError):
        imp.to_gridserve("bus", [np.nan])


def test_a_line_open_at_both_ends_maps_back_to_pandapowers_buses() -> None:
    net, b, lines = _feeder()
    pp.create_switch(net, b[1], lines[1], et="l", closed=False)
    pp.create_switch(net, b[2], lines[1], et="l", closed=False)
    imp = gs.from_pandapower(net)
    topo = gs.Topology(imp.network)
    expected = set(top.unsupplied_buses(net))
    assert expected == {b[2], b[3]}, "pandapower itself: the far side of the open line"
    # The point-level answer also holds the line's two switch end points, which are no buses.
    points = topo.unsupplied()
    names = imp.network.point_assets()
    assert sum(1 for p in points if names[p].endswith("/end")) == 2
    assert set(int(x) for x in imp.buses(points)) == expected
    assert set(int(x) for x in imp.unsupplied_buses(topo)) == expected


@pytest.mark.parametrize(
    "table, column, value",
    [
        ("load", "p_mw", np.nan),
        ("load", "bus", np.nan),
        ("line", "length_km", np.nan),
        ("line", "from_bus", np.nan),
        ("trafo", "sn_mva", np.inf),
        # A NaN flag used to take the default: a NaN `closed` made a closed switch, a NaN
        # `in_service` an in-service line.
        ("switch", "closed", np.nan),
        ("line", "in_service", np.nan),
    ],
)
def test_a_missing_or_not_finite_value_is_named_with_table_row_and_column(table: str, column: str, value: float) -> None:
    net, _, _ = _feeder()
    if table == "switch":
        pp.create_switch(net, int(net.line.from_bus.iloc[0]), int(net.line.index[0]), et="l", closed=True)
    row = int(getattr(net, table).index[0])
    frame = getattr(net, table)
    frame[column] = frame[column].astype(object if frame[column].dtype == bool else float)
    frame.at[row, column] = value
    with pytest.raises(gs.UnmappableError) as err:
        gs.from_pandapower(net)
    e = err.value
    # The conversion names the bus-branch table (``loads``, ``lines``, ``trafos``).
    plural = {"switch": "switches"}.get(table, table + "s")
    assert (e.table, e.id, e.field) == (plural, str(row), column), str(e)
    assert e.value in ("NaN", "inf", "None"), str(e)
