"""Tables in: gridserve's Arrow readers against pandas, and Dask scaling, in one process.

    python benches/compare/tables_vs_pandas.py            # all four, 3 repeats each
    python benches/compare/tables_vs_pandas.py --rows 200000 --repeats 2 --skip-dask
    python benches/compare/tables_vs_pandas.py --sections 2 --skip-csv   # the network only

1. Outage table from a 1M-row DataFrame: ``gridserve.reliability.outage_table`` (the frame
   crosses as Arrow; the core checks every cell and every record and builds the columnar
   table) against the same checks written in pandas (required columns present and without
   missing cells, ids unique, end after start, feeder known, counts within what the feeder
   serves, loads finite and non-negative, stage times in order) — the pandas side only
   checks, it builds nothing. Also shown: how much of gridserve's time is pyarrow's
   conversion of the frame's object (Python ``str``) columns, gridserve from the converted
   pyarrow Table, and both sides on the same frame with ``string[pyarrow]`` texts (as
   ``read_parquet(..., dtype_backend="pyarrow")`` gives).
2. Network from DataFrames of a 1M-point synthetic network: ``gridserve.from_dataframes``
   (pandas frames, their ``str`` columns read in place) against the same frames converted
   by pyarrow first (the path before), and through CSV text (the path before Arrow); also
   pyarrow's conversion of the frames alone and ``from_dataframes`` on pyarrow Tables.
3. Bills from a Parquet month of 100k customers (the ``monthly_usage`` table):
   ``Tariff.bill_parquet`` end to end (read, check, bill, decimal Arrow result) against
   reading the file with pandas and billing through ``gridserve.bill_frame`` (dicts).
4. Dask: ``gridserve.dask.monthly_bills`` over a partitioned synthetic province (96-point
   curves) on a LocalCluster of 1 and then 2 worker processes (one thread each): wall time,
   speed-up, and the bytes the workers sent each other.

Each timing is the best and the worst of ``--repeats`` runs, so the spread on a shared
machine shows; ratios are computed from the best of each side.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import gridserve as gs
from gridserve import reliability as rel


def timed(fn: Callable[[], Any], repeats: int) -> Tuple[float, float, Any]:
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), max(times), out


def outages_frame(n: int, feeders: int, seed: int = 1) -> Tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 60, n), unit="min")
    minutes = rng.choice([2, 30, 90, 240, 600], n)
    frame = pd.DataFrame(
        {
            "id": [f"O{i}" for i in range(n)],
            "start": start,
            "end": start + pd.to_timedelta(minutes, unit="min"),
            "cause": rng.choice(["外力破坏", "设备故障", "计划检修", "用户影响"], n),
            "planned": rng.random(n) < 0.2,
            "device": [f"K{k}" for k in rng.integers(0, 5000, n)],
            "feeder": [f"F{k}" for k in rng.integers(0, feeders, n)],
            "customers_count": rng.integers(1, 400, n),
            "load_kva": rng.uniform(10, 5000, n),
        }
    )
    served = pd.DataFrame(
        {
            "feeder": [f"F{k}" for k in range(feeders)],
            "substation": [f"S{k // 8}" for k in range(feeders)],
            "customers": 2000,
            "load_kva": 40_000.0,
        }
    )
    return frame, served


def pandas_outage_checks(df: pd.DataFrame, feeders: pd.DataFrame) -> None:
    """The checks gridserve makes, vectorised in pandas; raises on the first failure."""
    required = ["id", "start", "end", "feeder"]
    for c in required:
        if c not in df.columns or df[c].isna().any():
            raise ValueError(c)
    for c in ("load_kva", "customers_count", "planned"):
        if c in df.columns and df[c].isna().any():
            raise ValueError(c)
    if df["id"].duplicated().any():
        raise ValueError("duplicate id")
    if (df["end"] < df["start"]).any():
        raise ValueError("end before start")
    served = feeders.set_index("feeder")
    known = df["feeder"].isin(served.index)
    if not known.all():
        raise ValueError("unknown feeder")
    if (df["customers_count"].to_numpy() > served["customers"].reindex(df["feeder"]).to_numpy()).any():
        raise ValueError("more than served")
    load = df["load_kva"].to_numpy()
    if not np.isfinite(load).all() or (load < 0).any():
        raise ValueError("load")
    if (df["customers_count"] < 0).any():
        raise ValueError("negative count")


def bench_outages(rows: int, repeats: int) -> None:
    df, feeders = outages_frame(rows, feeders=max(1, rows // 2000))
    g_best, g_worst, table = timed(lambda: rel.outage_table(df, feeders), repeats)
    assert len(table) == rows
    p_best, p_worst, _ = timed(lambda: pandas_outage_checks(df, feeders), repeats)
    # Where gridserve's time goes with object strings: the frame's conversion to Arrow (by
    # pyarrow, before gridserve reads a cell) against the rest.
    c_best, c_worst, arrow = timed(lambda: pa.Table.from_pandas(df, preserve_index=False), repeats)
    feeders_arrow = pa.Table.from_pandas(feeders, preserve_index=False)
    r_best, r_worst, _ = timed(lambda: rel.outage_table(arrow, feeders_arrow), repeats)
    # The same frame with Arrow-backed strings (pandas' string[pyarrow], as read_parquet gives
    # with dtype_backend="pyarrow"): both sides run on it.
    texts = {c: "string[pyarrow]" for c in ("id", "cause", "device", "feeder")}
    sdf, sfeeders = df.astype(texts), feeders.astype({"feeder": "string[pyarrow]", "substation": "string[pyarrow]"})
    s_best, s_worst, _ = timed(lambda: rel.outage_table(sdf, sfeeders), repeats)
    q_best, q_worst, _ = timed(lambda: pandas_outage_checks(sdf, sfeeders), repeats)
    print(f"1. outage table from a {rows:,}-row DataFrame")
    print(f"   gridserve (Arrow, checks + table)  {g_best:.3f}–{g_worst:.3f} s")
    print(f"   pandas (the same checks only)      {p_best:.3f}–{p_worst:.3f} s")
    print(f"   gridserve / pandas: {g_best / p_best:.2f}× the time ({p_best / g_best:.2f}× faster)")
    print(f"   of which pyarrow's conversion of the object columns {c_best:.3f}–{c_worst:.3f} s; "
          f"from the pyarrow Table {r_best:.3f}–{r_worst:.3f} s ({p_best / r_best:.2f}× faster than pandas)")
    print(f"   string[pyarrow] frame: gridserve   {s_best:.3f}–{s_worst:.3f} s, "
          f"pandas {q_best:.3f}–{q_worst:.3f} s ({q_best / s_best:.2f}× faster)")


def bench_network(points: int, repeats: int, csv: bool = True) -> None:
    net = gs.Network.synthetic(points=points, seed=1)
    frames = gs.to_dataframes(net, roles=["customer_manager"])
    a_best, a_worst, built = timed(lambda: gs.from_dataframes(**frames), repeats)
    assert built.point_count == net.point_count
    arrow = gs.to_dataframes(net, roles=["customer_manager"], backend="pyarrow")
    t_best, t_worst, built = timed(lambda: gs.from_dataframes(**arrow), repeats)
    assert built.point_count == net.point_count
    v_best, v_worst, _ = timed(
        lambda: {k: pa.Table.from_pandas(v, preserve_index=False) for k, v in frames.items()}, repeats
    )
    # The path every pandas frame took before its str columns were read in place: the whole
    # frame converted by pyarrow, then read as Arrow.
    from gridserve._convert import arrow_table

    o_best, o_worst, built = timed(
        lambda: gs.Network.from_arrow({k: arrow_table(k, v) for k, v in frames.items()}), repeats
    )
    assert built.point_count == net.point_count
    del arrow
    print(f"2. network from DataFrames, {net.point_count:,} points, {net.line_count:,} lines, "
          f"{net.customer_count:,} customers")
    print(f"   gridserve from_dataframes (pandas, str columns in place)  {a_best:.3f}–{a_worst:.3f} s")
    print(f"   the same frames converted by pyarrow first (as before)    {o_best:.3f}–{o_worst:.3f} s")
    print(f"   of which pyarrow's conversion                             {v_best:.3f}–{v_worst:.3f} s")
    print(f"   from pyarrow Tables                                       {t_best:.3f}–{t_worst:.3f} s")
    if csv:
        c_best, c_worst, _ = timed(
            lambda: gs.Network.from_csv_texts(
                {k: v.to_csv(index=False, lineterminator="\r\n") for k, v in frames.items()}
            ),
            repeats,
        )
        print(f"   through CSV text (before Arrow)    {c_best:.3f}–{c_worst:.3f} s")
        print(f"   Arrow / CSV: {a_best / c_best:.2f}×")


def bench_bills(customers: int, repeats: int, tmp: Path) -> None:
    rng = np.random.default_rng(3)
    usage = pd.DataFrame(
        {
            "customer": [f"44{i:010d}" for i in range(customers)],
            "year": 2026,
            "month": 3,
            "sharp_kwh": np.round(rng.uniform(0, 20_000, customers), 2),
            "peak_kwh": np.round(rng.uniform(1_000, 200_000, customers), 2),
            "flat_kwh": np.round(rng.uniform(1_000, 300_000, customers), 2),
            "valley_kwh": np.round(rng.uniform(1_000, 200_000, customers), 2),
            "kvarh_forward": np.round(rng.uniform(500, 200_000, customers), 2),
            "capacity_kva": rng.choice([315, 400, 630, 800, 1250, 2000, 3150], customers).astype(float),
        }
    )
    path = tmp / "usage.parquet"
    pq.write_table(pa.Table.from_pandas(usage, preserve_index=False), path)
    tariff = gs.Tariff.default(date="2026-03-01")
    g_best, g_worst, bills = timed(lambda: tariff.bill_parquet(path), repeats)
    assert bills.num_rows == customers

    def through_pandas() -> Any:
        frame = pd.read_parquet(path)
        return gs.bill_frame(tariff, frame)

    p_best, p_worst, frame = timed(through_pandas, 1 if customers > 20_000 else repeats)
    assert len(frame) == customers
    total_a = sum(bills.column("total_yuan").to_pylist())
    total_b = sum(frame["total_yuan"])
    assert total_a == total_b, (total_a, total_b)
    print(f"3. bills from a Parquet month of {customers:,} customers (totals agree to the fen: {total_a:,} 元)")
    print(f"   Tariff.bill_parquet (end to end)   {g_best:.3f}–{g_worst:.3f} s")
    print(f"   pandas read + bill_frame (dicts)   {p_best:.3f}–{p_worst:.3f} s")
    print(f"   speed-up: {p_best / g_best:.1f}×")


def bench_dask(customers: int, partitions: int, tmp: Path) -> None:
    from distributed import Client, LocalCluster

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
    import province

    import gridserve.dask as gsd

    curves, terms, _ = province.generate(tmp / "province", customers, partitions)
    terms_table = pq.read_table(terms)
    tariff = gs.Tariff.default(date="2026-03-01")
    size = sum(f.stat().st_size for f in curves)
    print(f"4. Dask: bills of {customers:,} customers from {partitions} Parquet partitions "
          f"({size / 1e6:.0f} MB of 96-point curves, {customers * 62:,} curves)")
    t_alone0 = time.perf_counter()
    for f in curves:
        tariff.bill_curves(f, terms_table)
    alone = time.perf_counter() - t_alone0
    print(f"   one process, partitions in turn    {alone:.2f} s")
    walls = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
            client.run(lambda: __import__("gridserve"))  # warm imports outside the timing
            t0 = time.perf_counter()
            bills = gsd.monthly_bills(curves, terms_table, tariff)
            walls[workers] = time.perf_counter() - t0
            assert len(bills) == customers

            def sent(dask_worker: Any) -> int:
                return int(sum(e.get("total", 0) for e in getattr(dask_worker, "transfer_outgoing_log", [])))

            moved = sum(client.run(sent).values())
            print(f"   {workers} worker(s)                        {walls[workers]:.2f} s, "
                  f"{moved:,} bytes sent by the workers (results to the client included)")
    print(f"   speed-up 1 → 2 workers: {walls[1] / walls[2]:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--province", type=int, default=8_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-csv", action="store_true", help="section 2 without the CSV text path")
    parser.add_argument(
        "--sections", default="1,2,3,4", help="the sections to run, comma-separated (default: 1,2,3,4)"
    )
    args = parser.parse_args()
    sections = {s.strip() for s in args.sections.split(",")}
    unknown = sections - {"1", "2", "3", "4"}
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))} (choose from 1, 2, 3, 4)")
    with tempfile.TemporaryDirectory() as tmp:
        if "1" in sections:
            bench_outages(args.rows, args.repeats)
        if "2" in sections:
            bench_network(args.points, args.repeats, csv=not args.skip_csv)
        if "3" in sections:
            bench_bills(args.customers, args.repeats, Path(tmp))
        if "4" in sections and not args.skip_dask:
            bench_dask(args.province, args.partitions, Path(tmp))


if __name__ == "__main__":
    main()
