"""TOPSIS on 5,000,000 x 10 from Python: gridserve vs a plain numpy implementation vs pymcdm.

All three run in this one process on the same float64 matrix (vector normalisation, mixed
benefit/cost criteria, the same weights); their closeness values must agree. For each the
script prints the best wall time of a few runs, the throughput in rows per second, and the
peak resident memory above what was resident before the call (Linux: the peak is reset
through /proc/self/clear_refs before each measured call; elsewhere tracemalloc is used, which
sees numpy's allocations but not Rust's).

- gridserve: `gridserve.topsis(x, w, directions, ranks=False)` — the scores only, the same
  work as the other two — and once more with ranks and percentiles. The input is read in
  place: the result reports `input_copied`, and the peak memory stays below the input's size
  (only the output arrays are allocated).
- numpy: the textbook vectorised formula (column norms, weighted matrix, ideals, row
  distances), which materialises n x m temporaries.
- pymcdm: `TOPSIS(vector_normalization)` called with `validation=False`.

    python benches/compare/topsis_vs_numpy_pymcdm.py              # 5,000,000 x 10
    python benches/compare/topsis_vs_numpy_pymcdm.py --rows 500000
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
from typing import Any, Callable, Dict, Tuple

import numpy as np

import gridserve as gs

_PROC = "/proc/self/clear_refs"


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def measure(fn: Callable[[], Any]) -> Tuple[Any, float, float]:
    """Runs fn once; returns (result, seconds, peak MiB above the resident size before)."""
    gc.collect()
    if os.path.exists(_PROC):
        with open(_PROC, "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        before = _rss_kb("VmRSS:")
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        peak = _rss_kb("VmHWM:") - before
        return out, dt, peak / 1024.0
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, dt, peak / 2**20


def numpy_topsis(x: np.ndarray, w: np.ndarray, types: np.ndarray) -> np.ndarray:
    v = x / np.sqrt((x * x).sum(axis=0)) * w
    vmax, vmin = v.max(axis=0), v.min(axis=0)
    ideal = np.where(types == 1, vmax, vmin)
    anti = np.where(types == 1, vmin, vmax)
    dp = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    dm = np.sqrt(((v - anti) ** 2).sum(axis=1))
    return dm / (dp + dm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--cols", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, m = args.rows, args.cols
    rng = np.random.default_rng(7)
    # Fortran order: the layout gridserve streams fastest (C order is read in place too).
    x = np.asfortranarray(rng.uniform(0.0, 1000.0, size=(n, m)))
    types = np.where(np.arange(m) % 3 == 1, -1, 1)
    w = rng.uniform(0.5, 1.5, size=m)
    w /= w.sum()
    dirs = ["benefit" if t == 1 else "cost" for t in types]
    in_mib = x.nbytes / 2**20
    print(f"TOPSIS, {n:,} x {m} float64 ({in_mib:.0f} MiB input), vector normalisation, "
          f"{os.cpu_count()} CPUs")

    results: Dict[str, Tuple[float, float]] = {}
    ref = None

    def run(name: str, fn: Callable[[], Any], repeat: int) -> Any:
        nonlocal ref
        best, peak, out = float("inf"), 0.0, None
        for _ in range(repeat):
            out, dt, pk = measure(fn)
            best, peak = min(best, dt), max(peak, pk)
        results[name] = (best, peak)
        print(f"  {name:<34} {best * 1e3:9.1f} ms  {n / best / 1e6:8.2f} M rows/s  "
              f"peak +{peak:7.0f} MiB")
        return out

    g = run("gridserve (scores)", lambda: gs.topsis(x, w, dirs, ranks=False), args.repeat)
    assert g["input_copied"] is False
    gc_ = g["closeness"]
    gr = run("gridserve (scores + ranks)", lambda: gs.topsis(x, w, dirs, ranks=True), 1)
    xc = np.ascontiguousarray(x)
    gcr = run("gridserve (C-order input, scores)", lambda: gs.topsis(xc, w, dirs, ranks=False), args.repeat)
    assert gcr["input_copied"] is False
    del xc
    npc = run("numpy", lambda: numpy_topsis(x, w, types), args.repeat)
    np.testing.assert_allclose(gc_, npc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gcr["closeness"], npc, rtol=1e-10, atol=1e-12)
    try:
        from pymcdm.methods import TOPSIS
        from pymcdm.normalizations import vector_normalization

        body = TOPSIS(normalization_function=vector_normalization)
        pm = run("pymcdm (validation off)", lambda: body(x, w, types, validation=False), 1)
        np.testing.assert_allclose(gc_, pm, rtol=1e-10, atol=1e-12)
    except ImportError:
        print("  pymcdm not installed: pip install pymcdm")
    assert gr["rank"].min() == 1

    t_g, p_g = results["gridserve (scores)"]
    print("ratios (time of the peer / time of gridserve, scores only):")
    for name in ("numpy", "pymcdm (validation off)"):
        if name in results:
            t, p = results[name]
            print(f"  vs {name:<24} {t / t_g:6.1f}x faster, peak memory {p:.0f} MiB vs {p_g:.0f} MiB")
    out_mib = 3 * n * 8 / 2**20
    print(f"no copy of the input: input_copied = False, peak +{p_g:.0f} MiB "
          f"(outputs {out_mib:.0f} MiB) < input {in_mib:.0f} MiB")


if __name__ == "__main__":
    main()
