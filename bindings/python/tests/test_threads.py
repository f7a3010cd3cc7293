"""Sharing one Topology between threads while others apply operations to it.

The stress runs in a child interpreter with a timeout, so that a deadlock fails the test
instead of hanging the test run.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import gridserve as gs

# The child picks three switches whose downstream parts are disjoint (the scope of opening all
# three is the sum of the three scopes), then two writer threads toggle switches A and B while
# four reader threads query. Every answer must belong to one of the four states the writers can
# leave (A and B each open or closed), computed up front on separate copies: a query that sees a
# mix of two states, or a deadlock, or a panic fails.
CHILD = textwrap.dedent(
    """
    import json, sys, threading
    import numpy as np
    import gridserve as gs

    rounds = int(sys.argv[1])
    net = gs.Network.county(2024)
    topo = gs.Topology(net)
    x = topo.exposure()
    open_now = set(topo.open_switches())
    cands = [s for s, k, p in zip(x["switch"], x["kind"], x["points"])
             if k == "radial" and p > 2 and s not in open_now]
    chosen = []
    for s in cands:
        trial = chosen + [s]
        total = topo.scope([("open", t) for t in trial]).points
        if total == sum(topo.scope([("open", t)]).points for t in trial):
            chosen = trial
        if len(chosen) == 3:
            break
    a, b, c = chosen

    def state(ops):
        t = topo.copy()
        if ops:
            t.apply(ops)
        return t.energized_count, tuple(np.flatnonzero(~t.energized()).tolist())

    states = {}
    for ops in ([], [("open", a)], [("open", b)], [("open", a), ("open", b)]):
        n, off = state(ops)
        states[n] = off
    assert len(states) == 4, states.keys()
    c_points = topo.scope([("open", c)]).points
    c_customers = topo.scope([("open", c)]).customers
    errors = []
    counts = {"apply": 0, "query": 0, "stale": 0}
    lock = threading.Lock()

    def writer(switch):
        try:
            for _ in range(rounds):
                topo.apply([("open", switch)])
                topo.apply([("close", switch)])
                with lock:
                    counts["apply"] += 2
        except BaseException as e:
            errors.append(repr(e))

    def reader(k):
        try:
            for i in range(rounds):
                n = topo.energized_count
                assert n in states, n
                en = topo.energized()
                off = tuple(np.flatnonzero(~en).tolist())
                assert off == states[int(en.sum())], "energized() mixed two states"
                un = tuple(topo.unsupplied().tolist())
                assert un in states.values(), "unsupplied() mixed two states"
                s = topo.scope([("open", c)])
                assert (s.points, s.customers) == (c_points, c_customers)
                try:
                    assert len(s.point_ids()) == c_points
                except gs.exceptions.StaleScopeError:
                    with lock:
                        counts["stale"] += 1
                f = topo.fault(c)
                assert f.scope.points >= c_points
                topo.planned_outage(c)
                if i % 25 == k:
                    topo.exposure()
                r = repr(topo)
                assert int(r.split()[0][len("Topology("):]) in states, r
                topo.protector(net.point_assets()[0])
                topo.open_switches()
                topo.version
                with lock:
                    counts["query"] += 1
        except BaseException as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=writer, args=(s,)) for s in (a, b)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"errors": errors, "counts": counts}))
    """
)


def run_child(rounds: int, timeout_s: float) -> dict:
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(rounds)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=dict(os.environ),
        )
    except subprocess.TimeoutExpired:  # pragma: no cover - the regression this test catches
        pytest.fail(f"readers and writers of one Topology deadlocked (no answer in {timeout_s} s)")
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_readers_and_writers_share_one_topology() -> None:
    # With the read guard held across the GIL release this hung every time, long before 100
    # rounds; 100 rounds take a few seconds in a dev build. The timeout allows a loaded machine.
    result = run_child(rounds=100, timeout_s=90)
    assert result["errors"] == []
    assert result["counts"]["apply"] == 2 * 2 * 100
    assert result["counts"]["query"] == 4 * 100


def test_scope_listing_after_an_apply_is_refused_not_mixed(small: gs.Network) -> None:
    # A scope answers listings only against the index that made it: after an apply it raises
    # instead of listing points of another state.
    topo = gs.Topology(small)
    scope = topo.scope([("open", "SW1")])
    assert len(scope.point_ids()) == 3
    topo.apply([("close", "TIE")])
    with pytest.raises(gs.exceptions.StaleScopeError):
        scope.point_ids()
    # A refused apply (all or none) keeps the index and its version, so the scope still lists.
    scope = topo.scope([("open", "SW1")])
    version = topo.version
    with pytest.raises(gs.exceptions.OperationRefusedError):
        topo.apply([("open", "SW1"), ("close", "TIE")])
    assert topo.version == version
    assert "SW1" not in topo.open_switches()
    assert len(scope.point_ids()) == scope.points
    # And the writer's private index stays in step: the next apply answers as a fresh index.
    topo.apply([("open", "TIE")])
    assert topo.energized_count == gs.Topology(small).energized_count


def test_copy_is_independent_of_concurrent_applies(small: gs.Network) -> None:
    topo = gs.Topology(small)
    before = topo.energized_count
    copy = topo.copy()
    topo.apply([("open", "CB1")])
    assert copy.energized_count == before
    assert topo.energized_count < before
    topo.apply([("close", "CB1")])
    assert topo.energized_count == before
