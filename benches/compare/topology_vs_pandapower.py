"""Outage scope: gridserve against pandapower.topology.unsupplied_buses, in one process.

For every single-switch opening (every closed, in-service switch) and every single-line outage
(every in-service line) of each network, both libraries compute the set of unsupplied buses;
the sets must be equal, and the time per scenario of each is reported with their ratio.

gridserve's time per scenario covers what yields the same answer as pandapower: the scope of
the operation (from the index built once), the union with the buses unsupplied before it, and
the mapping back to bus indices. pandapower's covers `unsupplied_buses(net)` after changing
the switch or line in the net (the net is restored after each scenario, untimed).

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
        kind, idx = scenario
        rows = self._rows[kind]
        return int(self._lines[kind][rows[idx]])

    def prepare(self, net) -> None:
        self._rows = {
            "switch": {int(i): k for k, i in enumerate(net.switch.index)},
            "line": {int(i): k for k, i in enumerate(net.line.index)},
        }
        self._lines = {"switch": self.imp.switch_lines, "line": self.imp.line_lines}

    def unsupplied(self, scenario: Scenario, line: int) -> np.ndarray:
        if scenario[0] == "switch":
            scope = self.topo.scope_open_line(line)
        else:
            scope = self.topo.scope_take_out_line(line)
        points = np.union1d(self.base, scope.point_ids())
        return self.imp.buses(points)


@dataclass
class Row:
    network: str
    buses: int
    scenarios: int
    agree: int
    gs_us: float
    pp_ms: float

    @property
    def ratio(self) -> float:
        return self.pp_ms * 1000.0 / self.gs_us


def compare(name: str, make, every: int) -> Row:
    net = make()
    chosen = scenarios(net)[::every]
    g = GridserveSide(net)
    g.prepare(net)
    p = PandapowerSide(net)
    lines = [g.line_of(s) for s in chosen]
    # gridserve: time all scenarios in one loop, many repetitions for a stable figure.
    reps = max(1, 20000 // max(1, len(chosen)))
    answers = [g.unsupplied(s, line) for s, line in zip(chosen, lines)]
    start = time.perf_counter()
    for _ in range(reps):
        for s, line in zip(chosen, lines):
            g.unsupplied(s, line)
    gs_us = (time.perf_counter() - start) / (reps * len(chosen)) * 1e6
    start = time.perf_counter()
    expected = [p.unsupplied(s) for s in chosen]
    pp_ms = (time.perf_counter() - start) / len(chosen) * 1e3
    agree = 0
    for s, got, want in zip(chosen, answers, expected):
        if set(int(b) for b in got) == want:
            agree += 1
        else:
            missing, extra = want - set(int(b) for b in got), set(int(b) for b in got) - want
            print(f"  DIFFERENT {name} {s}: missing {sorted(missing)[:10]} extra {sorted(extra)[:10]}")
    return Row(name, len(net.bus), len(chosen), agree, gs_us, pp_ms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 25th scenario of the MV+LV grid")
    args = parser.parse_args(argv)
    rows = []
    for name, make in networks():
        every = 25 if args.quick and "MVLV" in name else 1
        rows.append(compare(name, make, every))
        r = rows[-1]
        print(
            f"{r.network:24} {r.buses:6} buses {r.scenarios:6} scenarios  agree {r.agree}/{r.scenarios}"
            f"  gridserve {r.gs_us:8.2f} µs  pandapower {r.pp_ms:8.2f} ms  ratio {r.ratio:9.0f}x",
            flush=True,
        )
    print()
    print("| network | buses | scenarios | agreement | gridserve µs | pandapower ms | ratio |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.network} | {r.buses} | {r.scenarios} | {r.agree}/{r.scenarios} | {r.gs_us:.2f} | {r.pp_ms:.2f} | {r.ratio:.0f}× |"
        )
    return 0 if all(r.agree == r.scenarios for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
