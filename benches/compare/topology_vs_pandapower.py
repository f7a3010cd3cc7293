"""Outage scope: gridserve against pandapower.topology.unsupplied_buses, in one process.

For every single-switch opening (every closed, in-service switch) and every single-line outage
(every in-service line) of each network, both libraries compute the set of unsupplied buses;
the sets must be equal, and the time per scenario of each is reported with their ratio.

Timings per scenario, each producing the full set of unsupplied buses:

- gridserve, batch: one `Topology.unsupplied_batch` call for all scenarios (every point
  unsupplied after each scenario, from the index built once) plus the vectorised mapping of
  all those points back to pandapower bus indices, divided by the number of scenarios;
- gridserve, per call: `Topology.scope_open_line` / `scope_take_out_line` from Python, the
  union with the points unsupplied before and the mapping back, one scenario at a time;
- pandapower: `unsupplied_buses(net)` after changing the switch or line in the net (restored
  after each scenario, untimed);
- power-grid-model (if installed, with power-grid-model-io): one batch power flow (linear
  method, one thread) with a sparse update per scenario, reading each node's `energized`
  output; conversion from pandapower untimed. SimBench's transformers lack `vector_group`,
  which the converter needs; it is set to Dyn5 there, which does not touch connectivity.

    python benches/compare/topology_vs_pandapower.py            # every network, every scenario
    python benches/compare/topology_vs_pandapower.py --quick    # every 25th scenario of the large grids

Networks: pandapower's mv_oberrhein, SimBench 1-MV-rural--0-sw, 1-MV-urban--0-sw and the
MV+LV "all" grid 1-MVLV-rural-all-0-sw (all shipped with the packages; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Iterator, List, Sequence, Tuple

import numpy as np

warnings.filterwarnings("ignore")

import pandapower.networks as pn  # noqa: E402
import pandapower.topology as top  # noqa: E402

import gridserve as gs  # noqa: E402

Scenario = Tuple[str, int]  # ("switch" | "line", pandapower row index)


def networks() -> List[Tuple[str, Callable[[], object]]]:
    import simbench as sb

    return [
        ("mv_oberrhein", pn.mv_oberrhein),
        ("1-MV-rural--0-sw", lambda: sb.get_simbench_net("1-MV-rural--0-sw")),
        ("1-MV-urban--0-sw", lambda: sb.get_simbench_net("1-MV-urban--0-sw")),
        ("1-MVLV-rural-all-0-sw", lambda: sb.get_simbench_net("1-MVLV-rural-all-0-sw")),
    ]


def scenarios(net) -> List[Scenario]:
    sw = net.switch
    in_service = sw["in_service"] if "in_service" in sw.columns else True
    switches = [("switch", int(i)) for i in sw.index[sw["closed"].astype(bool) & in_service]]
    lines = [("line", int(i)) for i in net.line.index[net.line["in_service"].astype(bool)]]
    return switches + lines


class PandapowerSide:
    def __init__(self, net) -> None:
        self.net = net

    def unsupplied(self, scenario: Scenario) -> set:
        kind, idx = scenario
        if kind == "switch":
            self.net.switch.at[idx, "closed"] = False
            try:
                return set(top.unsupplied_buses(self.net))
            finally:
                self.net.switch.at[idx, "closed"] = True
        self.net.line.at[idx, "in_service"] = False
        try:
            return set(top.unsupplied_buses(self.net))
        finally:
            self.net.line.at[idx, "in_service"] = True


class GridserveSide:
    def __init__(self, net) -> None:
        self.imp = gs.from_pandapower(net)
        self.topo = gs.Topology(self.imp.network)
        self.base = np.nonzero(~self.topo.energized())[0].astype(np.uint32)

    def line_of(self, scenario: Scenario) -> int:
        """The gridserve line id of a pandapower switch or line index."""
        kind, idx = scenario
        return int(self.imp.to_gridserve(kind, idx)[0])

    def prepare(self, net) -> None:
        """Nothing to prepare: the import's lookups translate pandapower indices."""

    def unsupplied(self, scenario: Scenario, line: int) -> np.ndarray:
        if scenario[0] == "switch":
            scope = self.topo.scope_open_line(line)
        else:
            scope = self.topo.scope_take_out_line(line)
        points = np.union1d(self.base, scope.point_ids())
        return self.imp.buses(points)

    def batch(self, chosen: List[Scenario], lines: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(offsets, bus of each point or -1, keep mask) for all scenarios in one call."""
        actions = ["open" if kind == "switch" else "take_out" for kind, _ in chosen]
        offsets, points = self.topo.unsupplied_batch(actions, lines)
        keep = self.imp._keep[points]
        return offsets, self.imp.point_buses[points], keep


class PgmSide:
    """power-grid-model's batch power flow, reading the nodes' `energized` output."""

    def __init__(self, net, chosen: List[Scenario]) -> None:
        import copy

        from power_grid_model import (
            CalculationMethod,
            ComponentType,
            DatasetType,
            PowerGridModel,
            initialize_array,
        )
        from power_grid_model_io.converters import PandaPowerConverter

        net = copy.deepcopy(net)
        if "vector_group" not in net.trafo.columns:
            net.trafo["vector_group"] = "Dyn5"
        net.trafo["vector_group"] = net.trafo["vector_group"].fillna("Dyn5")
        data, extra = PandaPowerConverter().load_input_data(net)
        ref = {}
        for pgm_id, info in extra.items():
            r = info.get("id_reference", {})
            ref[(r.get("table"), r.get("index"))] = pgm_id
        self.node_bus = {ref[("bus", int(b))]: int(b) for b in net.bus.index if ("bus", int(b)) in ref}
        in_service = dict(zip(net.bus.index, net.bus.in_service))
        updates: dict = {ComponentType.line: [], ComponentType.transformer: [], ComponentType.link: []}
        counts: dict = {c: [] for c in updates}
        for kind, idx in chosen:
            rows: dict = {c: [] for c in updates}
            if kind == "line":
                rows[ComponentType.line].append((ref[("line", idx)], 0, 0))
            else:
                sw = net.switch.loc[idx]
                et, element, bus = sw.et, int(sw.element), int(sw.bus)
                if et == "l":
                    side = net.line.at[element, "from_bus"] == bus
                    rows[ComponentType.line].append((ref[("line", element)], 0 if side else None, None if side else 0))
                elif et == "t":
                    side = net.trafo.at[element, "hv_bus"] == bus
                    rows[ComponentType.transformer].append((ref[("trafo", element)], 0 if side else None, None if side else 0))
                elif et == "b":
                    rows[ComponentType.link].append((ref[("switch", idx)], 0, 0))
                else:
                    raise ValueError(f"switch et={et} is not mapped for power-grid-model here")
            for c in updates:
                updates[c].extend(rows[c])
                counts[c].append(len(rows[c]))
        self.update = {}
        for c, rows in updates.items():
            arr = initialize_array(DatasetType.update, c, len(rows))
            for k, (pid, fs, ts) in enumerate(rows):
                arr["id"][k] = pid
                if fs is not None:
                    arr["from_status"][k] = fs
                if ts is not None:
                    arr["to_status"][k] = ts
            indptr = np.concatenate([[0], np.cumsum(counts[c])]).astype(np.int64)
            self.update[c] = {"indptr": indptr, "data": arr}
        self.model = PowerGridModel(data)
        self.method = CalculationMethod.linear
        self.node = ComponentType.node
        self.in_service = in_service

    def run(self) -> List[set]:
        out = self.model.calculate_power_flow(
            update_data=self.update, calculation_method=self.method, threading=-1
        )
        nodes = out[self.node]
        ids = nodes["id"][0]
        buses = np.array([self.node_bus.get(int(i), -1) for i in ids])
        keep = np.array([b >= 0 and bool(self.in_service[b]) for b in buses])
        return [set(int(b) for b in buses[keep & (row == 0)]) for row in nodes["energized"][:, :]]


@dataclass
class Row:
    network: str
    buses: int
    scenarios: int
    agree: int
    gs_batch_us: float
    gs_call_us: float
    pp_ms: float
    pgm_us: float
    pgm_agree: int

    @property
    def ratio(self) -> float:
        return self.pp_ms * 1000.0 / self.gs_batch_us


def _sets(offsets: np.ndarray, buses: np.ndarray, keep: np.ndarray) -> List[set]:
    return [
        set(int(b) for b in buses[a:z][keep[a:z]])
        for a, z in zip(offsets[:-1], offsets[1:])
    ]


def compare(name: str, make, every: int, with_pgm: bool) -> Row:
    net = make()
    chosen = scenarios(net)[::every]
    g = GridserveSide(net)
    g.prepare(net)
    p = PandapowerSide(net)
    lines = np.array([g.line_of(s) for s in chosen], dtype=np.uint32)
    reps = max(3, 20000 // max(1, len(chosen)))
    # gridserve in one batch call.
    start = time.perf_counter()
    for _ in range(reps):
        batch = g.batch(chosen, lines)
    gs_batch_us = (time.perf_counter() - start) / (reps * len(chosen)) * 1e6
    answers = _sets(*batch)
    # gridserve one call per scenario.
    start = time.perf_counter()
    for _ in range(reps):
        for s, line in zip(chosen, lines):
            g.unsupplied(s, int(line))
    gs_call_us = (time.perf_counter() - start) / (reps * len(chosen)) * 1e6
    per_call = [set(int(b) for b in g.unsupplied(s, int(line))) for s, line in zip(chosen, lines)]
    start = time.perf_counter()
    expected = [p.unsupplied(s) for s in chosen]
    pp_ms = (time.perf_counter() - start) / len(chosen) * 1e3
    agree = 0
    for s, got, call, want in zip(chosen, answers, per_call, expected):
        if got == want and call == want:
            agree += 1
        else:
            print(f"  DIFFERENT {name} {s}: missing {sorted(want - got)[:10]} extra {sorted(got - want)[:10]}")
    pgm_us, pgm_agree = float("nan"), -1
    if with_pgm:
        try:
            side = PgmSide(net, chosen)
            start = time.perf_counter()
            pgm_sets = side.run()
            pgm_us = (time.perf_counter() - start) / len(chosen) * 1e6
            pgm_agree = sum(1 for a, b in zip(pgm_sets, expected) if a == b)
        except ImportError:
            pass
    return Row(name, len(net.bus), len(chosen), agree, gs_batch_us, gs_call_us, pp_ms, pgm_us, pgm_agree)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 25th scenario of the MV+LV grid")
    parser.add_argument("--no-pgm", action="store_true", help="skip power-grid-model")
    args = parser.parse_args(argv)
    rows = []
    for name, make in networks():
        every = 25 if args.quick and "MVLV" in name else 1
        r = compare(name, make, every, not args.no_pgm)
        rows.append(r)
        print(
            f"{r.network:24} {r.buses:6} buses {r.scenarios:6} scenarios  agree {r.agree}/{r.scenarios}"
            f"  gridserve {r.gs_batch_us:7.2f} µs (per call {r.gs_call_us:6.2f})"
            f"  pandapower {r.pp_ms:7.2f} ms  ratio {r.ratio:7.0f}x"
            f"  power-grid-model {r.pgm_us:8.1f} µs ({r.pgm_agree} agree)",
            flush=True,
        )
    print()
    print(
        "| network | buses | scenarios | agreement | gridserve µs (batch / per call) "
        "| pandapower ms | ratio | power-grid-model µs (agreement) | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        pgm = f"{r.pgm_us:.1f} ({r.pgm_agree}/{r.scenarios})" if r.pgm_agree >= 0 else "n/a"
        pgm_ratio = f"{r.pgm_us / r.gs_batch_us:.0f}×" if r.pgm_agree >= 0 else "n/a"
        print(
            f"| {r.network} | {r.buses} | {r.scenarios} | {r.agree}/{r.scenarios} "
            f"| {r.gs_batch_us:.2f} / {r.gs_call_us:.2f} | {r.pp_ms:.2f} | {r.ratio:.0f}× | {pgm} | {pgm_ratio} |"
        )
    return 0 if all(r.agree == r.scenarios for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
