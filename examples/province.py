"""A synthetic province on Dask: a month of 96-point meter curves and a year of outage records,
partitioned on disk as Parquet, billed and scored for reliability on a LocalCluster.

    python examples/province.py --customers 20000 --partitions 8 --workers 2

The same jobs run on a real cluster by connecting to its scheduler instead of starting a
LocalCluster (every worker needs gridserve installed and the partitions' folder mounted, or the
files on shared storage such as S3 through a path the workers can open):

    python examples/province.py --scheduler tcp://scheduler.example.internal:8786 --data /shared/province

Requires ``pip install 'gridserve[dask]'``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, List, Tuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import gridserve as gs
import gridserve.dask as gsd

MONTH = (2026, 3)  # March 2026: 31 days of 96 quarter hours
POINTS = 96


def generate(root: Path, customers: int, partitions: int, seed: int = 2026) -> Tuple[List[Path], Path, List[Tuple[str, Path, Any]]]:
    """Writes the province under `root`: ``curves-<k>.parquet`` (kwh and kvarh curves of the
    month, each meter in one partition), ``terms.parquet`` and, per region (one per partition),
    ``outages-<k>.parquet`` with its feeders. Returns the curve files, the terms file and the
    regions as (label, outages file, feeders table)."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    year, month = MONTH
    days = 31
    meters = [f"44{n:010d}" for n in range(customers)]
    capacity = rng.choice([315, 400, 630, 800, 1250, 2000], size=customers)
    pq.write_table(
        pa.table({"customer": meters, "capacity_kva": pa.array([str(c) for c in capacity])}),
        root / "terms.parquet",
    )
    dates = np.arange(np.datetime64(f"{year}-{month:02d}-01"), np.datetime64(f"{year}-{month:02d}-01") + days)
    # A daily load shape (kWh per quarter hour per kVA): low at night, two peaks.
    hour = np.arange(POINTS) / 4.0
    shape = 0.02 + 0.05 * np.exp(-((hour - 10.5) ** 2) / 6) + 0.04 * np.exp(-((hour - 19.5) ** 2) / 4)
    curve_files = []
    for k, part in enumerate(np.array_split(np.arange(customers), partitions)):
        n = len(part)
        scale = capacity[part][:, None, None] * rng.uniform(0.3, 0.9, size=(n, 1, 1))
        noise = rng.uniform(0.8, 1.2, size=(n, days, POINTS))
        kwh = np.round(scale * shape[None, None, :] * noise, 3)
        kvarh = np.round(kwh * rng.uniform(0.25, 0.6, size=(n, 1, 1)), 3)
        rows = n * days
        columns = {
            "meter": pa.array(np.repeat([meters[i] for i in part], days * 2)),
            "date": pa.array(np.tile(np.repeat(dates, 2), n)),
            "kind": pa.array(np.tile(["kwh", "kvarh"], rows)),
        }
        both = np.stack([kwh, kvarh], axis=2).reshape(rows * 2, POINTS)
        for p in range(POINTS):
            columns[f"p{p + 1}"] = pa.array(both[:, p])
        path = root / f"curves-{k}.parquet"
        pq.write_table(pa.table(columns), path, row_group_size=16_384)
        curve_files.append(path)
    regions = []
    for k, part in enumerate(np.array_split(np.arange(customers), partitions)):
        feeders = [f"R{k}-F{j}" for j in range(max(1, len(part) // 500))]
        served = np.array_split(part, len(feeders))
        outages = []
        for j, (feeder, who) in enumerate(zip(feeders, served)):
            for e in range(int(rng.poisson(6))):
                start = (np.datetime64("2025-01-01T00:00") + np.timedelta64(int(rng.integers(0, 365 * 24 * 60)), "m")).astype("datetime64[s]")
                minutes = int(rng.choice([2, 30, 90, 240, 600]))
                out = rng.choice(who, size=max(1, len(who) // int(rng.integers(2, 10))), replace=False)
                outages.append(
                    {
                        "id": f"R{k}-{j}-{e}",
                        "start": start,
                        "end": start + np.timedelta64(minutes, "m"),
                        "cause": str(rng.choice(["外力破坏", "设备故障", "计划检修"])),
                        "planned": False,
                        "device": f"{feeder}-K{int(rng.integers(1, 20))}",
                        "feeder": feeder,
                        "customers": [meters[i] for i in out],
                        "load_kva": float(capacity[out].sum()),
                    }
                )
        path = root / f"outages-{k}.parquet"
        pq.write_table(pa.Table.from_pylist(outages), path)
        feeders_table = pa.table(
            {
                "feeder": feeders,
                "substation": [f"R{k}-S"] * len(feeders),
                "customers": [len(w) for w in served],
                "load_kva": [float(capacity[w].sum()) for w in served],
            }
        )
        regions.append((f"R{k}", path, feeders_table))
    return curve_files, root / "terms.parquet", regions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("target/province"))
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a LocalCluster)")
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    curves, terms, regions = generate(args.data, args.customers, args.partitions)
    print(f"generated {args.customers} customers in {args.partitions} partitions under {args.data} "
          f"({time.perf_counter() - t0:.1f} s)")
    cluster = None if args.scheduler else LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
    with Client(args.scheduler or cluster) as client:
        print(f"cluster: {client}")
        tariff = gs.Tariff.default(date=f"{MONTH[0]}-{MONTH[1]:02d}-01")
        t0 = time.perf_counter()
        bills = gsd.monthly_bills(curves, pq.read_table(terms), tariff, progress=True)
        print(f"\n{len(bills)} bills in {time.perf_counter() - t0:.1f} s; total {bills['total_yuan'].sum():,.2f} 元")
        # Indicators of every customer from its bill (valley share, sharp+peak share, power
        # factor), one Parquet file per partition, then TOPSIS of the whole peer group in two
        # passes (the group's statistics, then each partition's scores).
        indicator_files = []
        for k, part in enumerate(np.array_split(np.arange(len(bills)), args.partitions)):
            b = bills.iloc[part]
            energy = b["energy_kwh"].astype(float)
            frame = pa.table(
                {
                    "customer": b["customer"].tolist(),
                    "valley_share": (b["valley_kwh"].astype(float) / energy).to_numpy(),
                    "peak_share": ((b["sharp_kwh"].astype(float) + b["peak_kwh"].astype(float)) / energy).to_numpy(),
                    "power_factor": b["power_factor"].astype(float).to_numpy(),
                }
            )
            path = args.data / f"indicators-{k}.parquet"
            pq.write_table(frame, path)
            indicator_files.append(path)
        t0 = time.perf_counter()
        ranked = gsd.scores(
            indicator_files,
            ["valley_share", "peak_share", "power_factor"],
            [0.4, 0.3, 0.3],
            directions=["benefit", "cost", "benefit"],
            progress=True,
        )
        print(f"\nscores of {len(ranked)} customers in {time.perf_counter() - t0:.1f} s; best three:")
        print(ranked.sort_values("rank").head(3)[["closeness", "rank"]].to_string())
        t0 = time.perf_counter()
        rel = gsd.reliability_by_region(regions, "2025-01-01", "2026-01-01", progress=True)
        print(f"\nreliability of {len(regions)} regions in {time.perf_counter() - t0:.1f} s")
        print(rel[["region", "saifi", "saidi_min", "caidi_min"]].to_string(index=False))
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main()
