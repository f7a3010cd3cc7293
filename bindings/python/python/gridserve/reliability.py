"""Reliability indices and outage statistics from pandas.

Records go in as a DataFrame, column by column (numpy arrays for numbers and times, one list
per text column); results come back as DataFrames (one row per group) or dicts. Every rule
lives in the compiled core; this module only converts.

Outage columns: ``id``, ``start``, ``end`` (datetimes; naive ones are China Standard Time),
``cause``, ``planned``, ``device``, ``feeder``, and ``customers`` (a list of customer numbers
per row, or None) and/or ``customers_count``; optional ``load_kva``, ``load_kw``,
``operations``, ``reported``, ``dispatched``, ``arrived``, ``located``, ``restored``.
Feeder columns: ``feeder``, ``substation``, ``customers``, ``load_kva``.

Option keywords are those of the core's ``IndexOptions`` (``momentary_max_min``,
``utc_offset_min``, ``cemi_n``, ``cemsmi_n``, ``cemi_rule``, ``celid_single_min``,
``celid_total_min``, ``celid_rule``).
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional, Union

import numpy as np

from gridserve._convert import arrow_table
from gridserve._gridserve import OutageTable
from gridserve._gridserve import med_threshold as _med_threshold

__all__ = [
    "outage_table",
    "indices",
    "daily_saidi",
    "major_event_days",
    "dlt836",
    "frequency_duration",
    "worst",
    "stage_durations",
    "lost_sales",
    "med_threshold",
]

_CST = _dt.timezone(_dt.timedelta(hours=8))
When = Union[str, _dt.datetime, _dt.date]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas: pip install 'gridserve[pandas]'") from e
    return pandas


def _when(t: When) -> str:
    if isinstance(t, str):
        return t
    if isinstance(t, _dt.datetime):
        return (t if t.tzinfo else t.replace(tzinfo=_CST)).isoformat()
    return _dt.datetime(t.year, t.month, t.day, tzinfo=_CST).isoformat()


def _options(options: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    # Passed as a dict: the compiled module names a NaN or unknown option by its key.
    return options or None


def outage_table(outages: Any, feeders: Any) -> OutageTable:
    """Validates outage records (a table) against the feeders served (a table) and returns the
    table every index and statistic reads.

    Each argument is a pandas DataFrame (or a list of dicts), or any object with
    ``__arrow_c_stream__`` (pyarrow, polars, DuckDB); it crosses as Arrow. The columns and
    rules are those of the ``outages`` and ``feeders`` tables (``gridserve.table_spec``), the
    same as the CSV layout's: optional columns left out take their defaults; a missing cell
    (None, NaN, NaT) of a required column, or of ``planned``, ``load_kva``, ``load_kw`` and
    ``operations`` when present, is a :class:`~gridserve.exceptions.ParseError` naming the
    line (row + 2) and column; a count that differs from the row's customer list too. Naive
    times are China Standard Time. Rule violations across records (end before start, unknown
    feeder, …) raise ``InvalidOutageRecordsError`` listing every problem."""
    return OutageTable.from_arrow(arrow_table("outages", outages), arrow_table("feeders", feeders))


def _flatten(indices: Dict[str, Any]) -> Dict[str, Any]:
    row = {k: v for k, v in indices.items() if k not in ("customer",)}
    c = indices.get("customer")
    if c is not None:
        for k in ("customers_interrupted", "customers_momentary", "caifi", "ctaidi_min"):
            row[k] = c[k]
        for x in c["cemi"]:
            row[f"cemi_{x['n']}"] = x["value"]
        for x in c["cemsmi"]:
            row[f"cemsmi_{x['n']}"] = x["value"]
        for x in c["celid_single"]:
            row[f"celid_s_{x['threshold_min']:g}min"] = x["value"]
        for x in c["celid_total"]:
            row[f"celid_t_{x['threshold_min']:g}min"] = x["value"]
    return row


def indices(table: OutageTable, start: When, end: When, by: str = "system", **options: Any) -> Any:
    """IEEE 1366 indices, one row per group (``by``: system, feeder, substation, cause,
    planned), per-customer indices flattened into ``caifi``, ``cemi_1``, ``celid_s_420min`` …
    (NaN where a group's records give only counts)."""
    pd = _pandas()
    groups = json.loads(table.indices(_when(start), _when(end), by, _options(options)))
    return pd.DataFrame([{"key": g["key"], **_flatten(g["indices"])} for g in groups]).set_index(
        "key"
    )


def daily_saidi(table: OutageTable, start: When, end: When, **options: Any) -> Any:
    """SAIDI of every day of the period (Series indexed by date)."""
    pd = _pandas()
    days = json.loads(table.daily_saidi(_when(start), _when(end), _options(options)))
    return pd.Series(
        [d["saidi_min"] for d in days],
        index=pd.to_datetime([d["date"] for d in days]),
        name="saidi_min",
    )


def major_event_days(
    table: OutageTable,
    history_start: When,
    history_end: When,
    start: When,
    end: When,
    std_dev: str = "sample",
    beta_multiplier: float = 2.5,
    **options: Any,
) -> Dict[str, Any]:
    """The 2.5β method: ``threshold`` (alpha, beta, t_med_min, …), ``major_event_days`` (a
    list of {date, saidi_min}), ``with_meds`` and ``without_meds`` (flattened indices)."""
    med = json.dumps({"std_dev": std_dev, "beta_multiplier": beta_multiplier})
    out: Dict[str, Any] = json.loads(
        table.major_event_days(
            _when(history_start), _when(history_end), _when(start), _when(end), _options(options), med
        )
    )
    out["with_meds"] = _flatten(out["with_meds"])
    out["without_meds"] = _flatten(out["without_meds"])
    return out


def dlt836(
    table: OutageTable,
    start: When,
    end: When,
    external_causes: Optional[List[str]] = None,
    supply_shortage_causes: Optional[List[str]] = None,
    **options: Any,
) -> Dict[str, Any]:
    """DL/T 836 indices (RS-1/2/3 in %, AIHC in h/户, AITC in 次/户)."""
    dlt: Dict[str, Any] = {}
    if external_causes is not None:
        dlt["external_causes"] = external_causes
    if supply_shortage_causes is not None:
        dlt["supply_shortage_causes"] = supply_shortage_causes
    out: Dict[str, Any] = json.loads(
        table.dlt836(_when(start), _when(end), _options(options), json.dumps(dlt) if dlt else None)
    )
    return out


def frequency_duration(table: OutageTable, start: When, end: When, by: str, **options: Any) -> Any:
    """Outages, customer interruptions and minutes, durations and energy not supplied by
    feeder, substation, cause, device, planned, month or hour_of_day."""
    pd = _pandas()
    rows = json.loads(table.frequency_duration(_when(start), _when(end), by, _options(options)))
    return pd.DataFrame(rows).set_index("key")


def worst(
    table: OutageTable,
    start: When,
    end: When,
    by: str = "feeder",
    metric: str = "customer_minutes",
    n: int = 10,
    **options: Any,
) -> Any:
    """The ``n`` worst feeders (or devices, …) by ``metric``, worst first."""
    pd = _pandas()
    rows = json.loads(table.worst(_when(start), _when(end), by, metric, n, _options(options)))
    return pd.DataFrame(rows, columns=None if rows else ["key"]).set_index("key")


def stage_durations(
    table: OutageTable, start: When, end: When, percentiles: Optional[List[float]] = None
) -> Any:
    """Durations between the stage timestamps (minutes) with percentiles by linear
    interpolation (numpy's default), one row per span."""
    pd = _pandas()
    ps = [50.0, 90.0, 95.0] if percentiles is None else list(percentiles)
    rows = json.loads(table.stage_durations(_when(start), _when(end), ps))
    out = []
    for r in rows:
        row = {
            "from": r["span"]["from"],
            "to": r["span"]["to"],
            "count": r["count"],
            "mean_min": r["mean_min"],
            "min_min": r["min_min"],
            "max_min": r["max_min"],
        }
        for p, v in r["percentiles_min"]:
            row[f"p{p:g}_min"] = v
        out.append(row)
    return pd.DataFrame(out)


def lost_sales(
    table: OutageTable, start: When, end: When, price_yuan_per_kwh: Union[str, Decimal]
) -> Dict[str, Any]:
    """Energy not supplied (kWh) and the sales lost at an average price (``Decimal`` yuan)."""
    out: Dict[str, Any] = json.loads(
        table.lost_sales(_when(start), _when(end), str(price_yuan_per_kwh))
    )
    out["price_yuan_per_kwh"] = Decimal(out["price_yuan_per_kwh"])
    out["sales_yuan"] = Decimal(out["sales_yuan"])
    return out


def med_threshold(
    daily_saidi_min: Any, std_dev: str = "sample", beta_multiplier: float = 2.5
) -> Dict[str, Any]:
    """α, β and T_MED of daily SAIDI values (zeros dropped)."""
    daily = np.ascontiguousarray(daily_saidi_min, dtype=np.float64)
    out: Dict[str, Any] = json.loads(_med_threshold(daily, std_dev, beta_multiplier))
    return out
