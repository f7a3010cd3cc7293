"""gridserve's unsupplied buses equal pandapower.topology.unsupplied_buses on pandapower's and
SimBench's own networks (shipped with the packages: nothing is downloaded), for the base state,
every single-switch opening and every single-line outage (on the MV+LV grid, every 20th
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
    "1-MVLV-rural-all-0-sw": (lambda: _simbench("1-MVLV-rural-all-0-sw"), 20),
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
    switch_row = {int(i): k for k, i in enumerate(net.switch.index)}
    line_row = {int(i): k for k, i in enumerate(net.line.index)}
    closed = [int(i) for i in net.switch.index[net.switch["closed"].astype(bool)]][::every]
    lines = [int(i) for i in net.line.index[net.line["in_service"].astype(bool)]][::every]
    checked = 0
    for idx in closed:
        scope = topo.scope_open_line(int(imp.switch_lines[switch_row[idx]]))
        net.switch.at[idx, "closed"] = False
        expected = set(top.unsupplied_buses(net))
        net.switch.at[idx, "closed"] = True
        assert _unsupplied_after(imp, topo, base, scope) == expected, ("switch", idx)
        checked += 1
    for idx in lines:
        scope = topo.scope_take_out_line(int(imp.line_lines[line_row[idx]]))
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
