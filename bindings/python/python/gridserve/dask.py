"""Province-scale jobs on Dask: the same code on a laptop's ``LocalCluster`` or a real cluster.

Install with ``pip install 'gridserve[dask]'``. Every function takes partitions (Parquet files,
or (label, files) pairs) and runs one task per partition on the active Dask scheduler: a
``dask.distributed.Client`` if one is open (``Client(LocalCluster(...))`` or
``Client("tcp://scheduler:8786")``), else Dask's local threaded scheduler. Workers need
gridserve installed; they read their partition's files themselves, so only small results
travel between them.

- :func:`monthly_bills`: bills from a month of the metering system's 96-point daily curves
  (the ``ami_curves`` table, one Parquet file per partition, each meter wholly in one file),
  exact to the fen and equal to billing the whole month in one process: a bill depends only on
  its own meter's curves and terms.
- :func:`reliability_by_region`: IEEE 1366 indices per region from each region's outage
  records (Parquet) and feeders, equal to computing each region in one process.
- :func:`scores`: TOPSIS scores of a peer group spread over partitions, in two passes (the
  group's statistics, merged exactly; then each partition's scores against them), equal bit
  for bit to ``gridserve.topsis(whole, ..., exact=True)`` in one process.

``progress=True`` shows Dask's progress bar (the distributed one when a client is open).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from gridserve._convert import arrow_table
from gridserve._gridserve import OutageTable, Tariff
from gridserve.exceptions import InvalidArgumentError

PathLike = Union[str, Path]

__all__ = ["monthly_bills", "reliability_by_region", "scores"]


def _dask() -> Any:
    try:
        import dask
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("gridserve.dask needs Dask: pip install 'gridserve[dask]'") from e
    return dask


def _client() -> Any:
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):
        return None


def _compute(tasks: List[Any], progress: bool) -> List[Any]:
    dask = _dask()
    client = _client()
    if client is not None:
        futures = client.compute(tasks)
        if progress:
            from distributed import progress as show

            show(futures)
        return list(client.gather(futures))
    if progress:
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return list(dask.compute(*tasks))
    return list(dask.compute(*tasks))


def _paths(what: str, paths: Sequence[PathLike]) -> List[str]:
    if isinstance(paths, (str, Path)):
        raise InvalidArgumentError(f"{what}: expected a list of Parquet files, not one path")
    out = [str(p) for p in paths]
    if not out:
        raise InvalidArgumentError(f"{what}: no partition given")
    return out


def _bill_partition(path: str, schedule: Dict[str, Any], prices: Dict[str, Any], terms: Any, calendar: Any) -> Any:
    return Tariff(schedule, prices).bill_curves(path, terms, calendar)


def monthly_bills(
    curves: Sequence[PathLike],
    terms: Any,
    tariff: Tariff,
    *,
    calendar: Optional[Dict[str, Any]] = None,
    backend: str = "pandas",
    progress: bool = False,
) -> Any:
    """Bills of every meter in a partitioned month of 96-point curves.

    ``curves`` lists Parquet files of the ``ami_curves`` table (``meter, date, kind, p1 …
    p96``; only ``kwh`` and ``kvarh`` rows are read, by predicate pushdown); a meter's curves
    must all be in one file. ``terms`` is the ``customer_terms`` table (any Arrow table or
    DataFrame), looked up by meter number; it is sent to each worker once. Returns one row per
    bill (a pandas DataFrame, or a pyarrow Table with ``backend="pyarrow"``), money as exact
    decimals, in partition order.

    Raises :class:`~gridserve.exceptions.InvalidArgumentError` if a meter appears in two
    partitions, and the errors of :meth:`gridserve.Tariff.bill_curves` naming the file.
    """
    dask = _dask()
    import pyarrow as pa

    files = _paths("curves", curves)
    shared = dask.delayed(pa.table(arrow_table("terms", terms)), traverse=False)
    schedule, prices = tariff.schedule, tariff.prices
    tasks = [dask.delayed(_bill_partition)(f, schedule, prices, shared, calendar) for f in files]
    tables = _compute(tasks, progress)
    seen: Dict[str, str] = {}
    for f, t in zip(files, tables):
        for customer in t.column("customer").to_pylist():
            if customer in seen:
                raise InvalidArgumentError(
                    f"meter {customer[:40]!r} is in two partitions ({seen[customer]} and {f}): "
                    "a meter's month must be in one file"
                )
            seen[customer] = f
    table = pa.concat_tables(tables) if tables else tables
    return _result(table, backend)


def _result(table: Any, backend: str) -> Any:
    if backend == "pyarrow":
        return table
    if backend != "pandas":
        raise InvalidArgumentError(f"backend must be 'pandas' or 'pyarrow', not {str(backend)[:40]!r}")
    return table.to_pandas()


def _region_indices(label: str, outages: str, feeders: Any, start: str, end: str, by: str, options: Dict[str, Any]) -> Any:
    from gridserve import reliability as rel

    table = OutageTable.from_parquet(outages, feeders)
    frame = rel.indices(table, start, end, by=by, **options)
    frame.insert(0, "region", label)
    return frame


def reliability_by_region(
    regions: Sequence[Tuple[str, PathLike, Any]],
    start: Any,
    end: Any,
    *,
    by: str = "system",
    progress: bool = False,
    **options: Any,
) -> Any:
    """IEEE 1366 indices of each region: ``regions`` lists ``(label, outages, feeders)`` with
    the region's outage records as a Parquet file (the ``outages`` table) and the feeders it
    serves (the ``feeders`` table, any Arrow table or DataFrame). Returns the indices frame of
    :func:`gridserve.reliability.indices` with a ``region`` column, one block per region."""
    import pandas as pd

    from gridserve.reliability import _when

    if not regions:
        raise InvalidArgumentError("regions: no region given")
    dask = _dask()
    tasks = [
        dask.delayed(_region_indices)(
            str(label), str(path), arrow_table("feeders", feeders), _when(start), _when(end), by, options
        )
        for label, path, feeders in regions
    ]
    return pd.concat(_compute(tasks, progress))


def _matrix(path: str, columns: List[str]) -> Any:
    import numpy as np
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=columns)
    return np.column_stack(
        [np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=np.float64) for c in columns]
    ) if columns else np.zeros((table.num_rows, 0))


def _stats_partition(path: str, columns: List[str], directions: List[Any]) -> Any:
    from gridserve._gridserve import topsis_stats

    return topsis_stats(_matrix(path, columns), directions)


def _score_partition(
    path: str,
    id_column: str,
    columns: List[str],
    weights: List[float],
    directions: List[Any],
    stats: Any,
    normalisation: str,
) -> Any:
    import pandas as pd
    import pyarrow.parquet as pq

    from gridserve._gridserve import topsis

    ids = pq.read_table(path, columns=[id_column]).column(id_column).to_pylist()
    out = topsis(
        _matrix(path, columns), weights, directions=directions, normalisation=normalisation, ranks=False, stats=stats
    )
    return pd.DataFrame(
        {id_column: [str(x) for x in ids], "closeness": out["closeness"], "d_plus": out["d_plus"], "d_minus": out["d_minus"]}
    )


def scores(
    partitions: Sequence[PathLike],
    columns: Sequence[str],
    weights: Sequence[float],
    *,
    directions: Optional[Sequence[Any]] = None,
    normalisation: str = "vector",
    id_column: str = "customer",
    progress: bool = False,
) -> Any:
    """TOPSIS scores of a peer group whose indicator rows are spread over Parquet files (one
    row per customer: ``id_column`` and the criteria ``columns``), in two passes: each
    partition's column statistics (:func:`gridserve.topsis_stats`: least and greatest value
    and the exact sum of squares), merged exactly; then each partition's scores against the
    group's statistics. Returns closeness, distances, rank and percentile per customer, indexed
    by ``id_column``: equal bit for bit to ``gridserve.topsis(whole, ..., exact=True)`` on the
    whole group in one process, whatever the partitioning."""
    import numpy as np
    import pandas as pd

    from gridserve._gridserve import merge_topsis_stats, rank_descending

    files = _paths("partitions", partitions)
    dask = _dask()
    cols = [str(c) for c in columns]
    dirs = list(directions) if directions is not None else ["benefit"] * len(cols)
    parts = _compute([dask.delayed(_stats_partition)(f, cols, dirs) for f in files], progress)
    stats = merge_topsis_stats(parts)
    w = [float(x) for x in weights]
    frames = _compute(
        [dask.delayed(_score_partition)(f, id_column, cols, w, dirs, stats, normalisation) for f in files],
        progress,
    )
    frame = pd.concat(frames, ignore_index=True)
    rank, percentile = rank_descending(np.ascontiguousarray(frame["closeness"].to_numpy()))
    frame["rank"] = rank
    frame["percentile"] = percentile
    return frame.set_index(id_column)
