"""pandas in and out for the tariff engine. pandas is imported only when these are called.

Money and quantities in bills are :class:`decimal.Decimal` (exact, as the core computes them);
frames keep them as ``object`` columns of ``Decimal`` so nothing is rounded through floats.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional

PERIODS = ("sharp", "peak", "flat", "valley", "deep_valley")

# Usage columns of a frame: one row per customer and month.
_USAGE_SCALARS = (
    "kvarh_forward",
    "kvarh_reverse",
    "max_demand_kw",
    "capacity_kva",
    "contract_demand_kw",
)
_USAGE_TEXT = ("method", "billing_from", "billing_until")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas: pip install 'gridserve[pandas]'") from e
    return pandas


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        return bool(_pandas().isna(v))
    except (TypeError, ValueError):
        return False


def _number(v: Any) -> str:
    """A number as exact text (floats through ``repr``, so 0.1 stays 0.1)."""
    if isinstance(v, decimal.Decimal):
        return str(v)
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    return repr(v) if isinstance(v, float) else str(v)


def usages_from_frame(frame: Any) -> List[Dict[str, Any]]:
    """Monthly usage records from a DataFrame, one row per customer and month.

    Columns: ``customer``, ``year``, ``month``, ``capacity_kva`` (required); energy per period
    as ``sharp_kwh``, ``peak_kwh``, ``flat_kwh``, ``valley_kwh``, ``deep_valley_kwh`` (absent
    or NaN = 0); optional ``kvarh_forward``, ``kvarh_reverse``, ``max_demand_kw``,
    ``contract_demand_kw``, ``method`` (``capacity``, ``contract_demand``, ``actual_demand``,
    ``none``), ``billing_from``, ``billing_until`` (dates). Any other ``*_kwh`` column is
    passed on as a period name, so a misspelt period is refused by the engine.
    """
    records: List[Dict[str, Any]] = []
    period_cols = [c for c in frame.columns if str(c).endswith("_kwh")]
    for row in frame.to_dict("records"):
        rec: Dict[str, Any] = {
            "customer": str(row["customer"]),
            "year": int(row["year"]),
            "month": int(row["month"]),
        }
        energy = {}
        for col in period_cols:
            v = row[col]
            if not _missing(v):
                energy[str(col)[: -len("_kwh")]] = _number(v)
        rec["energy_kwh"] = energy
        for col in _USAGE_SCALARS:
            if col in row and not _missing(row[col]):
                rec[col] = _number(row[col])
        for col in _USAGE_TEXT:
            if col in row and not _missing(row[col]):
                v = row[col]
                rec[col] = v.date().isoformat() if isinstance(v, _dt.datetime) else (
                    v.isoformat() if isinstance(v, _dt.date) else str(v)
                )
        records.append(rec)
    return records


def bills_frame(bills: Iterable[Mapping[str, Any]]) -> Any:
    """One row per bill: customer, year, month, energy per period (kWh and yuan), energy,
    basic charge and its method, power factor, adjustment percentage and amount, funds and
    total; money as ``Decimal``."""
    pd = _pandas()
    rows = []
    for b in bills:
        row: Dict[str, Any] = {
            "customer": b["customer"],
            "year": b["year"],
            "month": b["month"],
        }
        for line in b["energy"]:
            row[f"{line['period']}_kwh"] = line["energy_kwh"]
            row[f"{line['period']}_yuan"] = line["amount_yuan"]
        basic = b["basic"]
        pf = b["pf"]
        row.update(
            energy_kwh=b["energy_kwh"],
            energy_yuan=b["energy_yuan"],
            basic_method=basic["method"],
            basic_yuan=basic["amount_yuan"],
            power_factor=pf["power_factor"],
            pf_adjustment_pct=pf["adjustment_pct"],
            pf_yuan=pf["amount_yuan"],
            funds_yuan=b["funds_yuan"],
            total_yuan=b["total_yuan"],
        )
        rows.append(row)
    return pd.DataFrame(rows)


def bill_frame(tariff: Any, frame: Any) -> Any:
    """Bills every row of a usage frame (see :func:`usages_from_frame`) with ``tariff``."""
    return bills_frame(tariff.bills(usages_from_frame(frame)))


def interval_totals_frame(totals: Mapping[str, Any], ids: Optional[List[str]] = None) -> Any:
    """The arrays of ``Tariff.aggregate_intervals`` as a DataFrame (one row per customer)."""
    pd = _pandas()
    energy = totals["energy_kwh"]
    data: Dict[str, Any] = {f"{p}_kwh": energy[:, k] for k, p in enumerate(PERIODS)}
    for key, value in totals.items():
        if key != "energy_kwh":
            data[key] = value
    return pd.DataFrame(data, index=ids)
