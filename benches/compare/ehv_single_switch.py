"""Single-switch scope on SimBench's meshed EHV-HV-MV-LV grid, beside a full recomputation.

The grid `1-EHVHVMVLV-mixed-all-0-sw` (37,587 buses) has meshed 220/380 kV substations, where
opening one switch usually cuts nothing. For every closed, in-service switch this script times
gridserve's answer to "who is out if this switch opens" (`Topology.scope_open_line`, one call
from Python per switch, Python's call overhead included), and in the same run a full
recomputation of the connected components of the whole grid with that switch open
(`scipy.sparse.csgraph.connected_components` on the bus graph, from an edge list built once; the
edge mask and the sparse matrix are rebuilt per scenario, as a recomputation must), which is
what any engine without an incremental index pays per change.

Each gridserve scenario is timed `--repeat` times and its median kept; each recomputation
(milliseconds) is timed once. The table reports the median, the 99th percentile and the worst
over all switches. The whole run takes about 15 minutes on a 2-core machine, nearly all of it
in the 70,908 recomputations. The
unsupplied sets are checked against pandapower's `unsupplied_buses` on a sample of scenarios
(`--check`, evenly spread; pandapower takes about a second per scenario on this grid), and
against the scipy recomputation on every scenario.

    python benches/compare/ehv_single_switch.py               # every switch, 5 repeats
    python benches/compare/ehv_single_switch.py --repeat 3 --check 10

Target (issue "Outage inference, fault isolation and restoration…"): every single-switch scope
≤ 50 µs on this grid.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import List, Sequence, Tuple

import numpy as np

warnings.filterwarnings("ignore")

import pandapower.topology as top  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import connected_components  # noqa: E402

import gridserve as gs  # noqa: E402

GRID = "1-EHVHVMVLV-mixed-all-0-sw"


def edges_of(net) -> Tuple[np.ndarray, np.ndarray, List[Tuple[str, int]]]:
    """(from bus, to bus, key) of every connecting element in service with its switches closed,
    as pandapower's own graph has them; the key is (table, index) of the element."""
    g = top.create_nxgraph(net, respect_switches=True, include_out_of_service=False)
    a, b, keys = [], [], []
    for u, v, key in g.edges(keys=True):
        a.append(u)
        b.append(v)
        keys.append((str(key[0]), int(key[1])))
    return np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), keys


def element_of_switch(net, s: int) -> Tuple[str, int]:
    """The graph edge an opened switch removes: the bus-bus switch itself, or its line or
    transformer (a line with one end open connects nothing)."""
    et, element = str(net.switch.at[s, "et"]), int(net.switch.at[s, "element"])
    return {"b": ("switch", s), "l": ("line", element), "t": ("trafo", element), "t3": ("trafo3w", element)}[et]


class Recompute:
    """Connected components of the whole bus graph, recomputed per scenario."""

    def __init__(self, net) -> None:
        self.a, self.b, keys = edges_of(net)
        self.n = int(net.bus.index.max()) + 1
        self.by_key: dict = {}
        for i, k in enumerate(keys):
            self.by_key.setdefault(k, []).append(i)
        slack = list(net.ext_grid.bus[net.ext_grid.in_service.astype(bool)])
        if "slack" in net.gen.columns:
            slack += list(net.gen.bus[net.gen.slack.astype(bool) & net.gen.in_service.astype(bool)])
        self.slack = np.asarray(sorted(set(int(x) for x in slack)), dtype=np.int64)
        self.buses = np.asarray(net.bus.index[net.bus.in_service.astype(bool)], dtype=np.int64)

    def unsupplied(self, key: Tuple[str, int]) -> np.ndarray:
        keep = np.ones(len(self.a), dtype=bool)
        keep[self.by_key.get(key, [])] = False
        a, b = self.a[keep], self.b[keep]
        m = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(self.n, self.n)).tocsr()
        _, label = connected_components(m, directed=False)
        live = np.isin(label, label[self.slack])
        return self.buses[~live[self.buses]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timings per scenario (median kept)")
    parser.add_argument("--check", type=int, default=20, help="scenarios checked against pandapower")
    args = parser.parse_args(argv)

    import simbench as sb

    net = sb.get_simbench_net(GRID)
    sw = net.switch
    closed = sw.index[sw["closed"].astype(bool) & (sw["in_service"].astype(bool) if "in_service" in sw else True)]
    switches = [int(s) for s in closed]
    imp = gs.from_pandapower(net)
    topo = gs.Topology(imp.network)
    base = np.nonzero(~topo.energized())[0].astype(np.uint32)
    lines = imp.to_gridserve("switch", np.asarray(switches, dtype=np.int64))
    rc = Recompute(net)
    print(
        f"{GRID}: {len(net.bus)} buses, {len(switches)} closed switches, "
        f"{imp.network.point_count} points",
        flush=True,
    )

    ours = np.empty((len(switches), args.repeat))
    full = np.empty(len(switches))
    clock = time.perf_counter_ns
    for r in range(args.repeat):
        for i, line in enumerate(lines):
            line = int(line)
            t0 = clock()
            topo.scope_open_line(line)
            ours[i, r] = (clock() - t0) / 1e3
    # The recomputation is timed once on every scenario (milliseconds each, so one timing is
    # steady enough), and its answers compared with ours.
    disagree = 0
    for i, (s, line) in enumerate(zip(switches, lines)):
        key = element_of_switch(net, s)
        t0 = clock()
        want = rc.unsupplied(key)
        full[i] = (clock() - t0) / 1e3
        got = imp.buses(np.union1d(base, topo.scope_open_line(int(line)).point_ids()))
        if set(int(x) for x in got) != set(int(x) for x in want):
            disagree += 1
            if disagree <= 5:
                print(f"  DIFFERENT from the recomputation: switch {s}", flush=True)
    # A sample against pandapower itself.
    pp_agree, pp_ms = 0, []
    sample = switches[:: max(1, len(switches) // max(1, args.check))][: args.check]
    for s in sample:
        line = int(imp.to_gridserve("switch", s)[0])
        got = set(int(x) for x in imp.buses(np.union1d(base, topo.scope_open_line(line).point_ids())))
        net.switch.at[s, "closed"] = False
        t0 = time.perf_counter()
        try:
            want = set(int(x) for x in top.unsupplied_buses(net))
        finally:
            net.switch.at[s, "closed"] = True
        pp_ms.append((time.perf_counter() - t0) * 1e3)
        if got == want:
            pp_agree += 1
        else:
            print(f"  DIFFERENT from pandapower: switch {s}: missing {sorted(want - got)[:5]} extra {sorted(got - want)[:5]}")

    o, f = np.median(ours, axis=1), full
    worst = int(np.argmax(o))
    print()
    print("| per single-switch opening | median | p99 | worst |")
    print("|---|---|---|---|")
    print(f"| gridserve scope (µs, from Python) | {np.median(o):.2f} | {np.percentile(o, 99):.2f} | {o.max():.2f} |")
    print(f"| full CC recomputation, scipy (µs) | {np.median(f):.0f} | {np.percentile(f, 99):.0f} | {f.max():.0f} |")
    print(f"| pandapower unsupplied_buses (ms, {len(sample)} sampled) | {np.median(pp_ms):.0f} | | {max(pp_ms):.0f} |")
    print()
    print(
        f"worst gridserve scenario: switch {switches[worst]} ({o[worst]:.1f} µs); "
        f"median recompute / median scope = {np.median(f) / np.median(o):.0f}×; "
        f"worst scope / median recompute = {o.max() / np.median(f):.3f}"
    )
    print(f"agreement: recomputation {len(switches) - disagree}/{len(switches)}, pandapower {pp_agree}/{len(sample)}")
    return 0 if disagree == 0 and pp_agree == len(sample) else 1


if __name__ == "__main__":
    raise SystemExit(main())
