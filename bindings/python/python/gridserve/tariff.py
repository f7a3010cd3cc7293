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


def _number(v: Any, record: str = "value", field: str = "value") -> str:
    """A number as exact text (floats through ``repr``, so 0.1 stays 0.1); NaN, infinities,
    booleans and non-numbers are refused naming the record and field."""
    if hasattr(v, "item") and not isinstance(v, decimal.Decimal):  # numpy scalar
        v = v.item()
    if isinstance(v, bool):
        raise _refuse(record, field, v, "is not a number")
    if isinstance(v, decimal.Decimal):
        if not v.is_finite():
            raise _refuse(record, field, v, "is not a finite number")
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise _refuse(record, field, v, "is not a finite number")
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v  # the engine parses it exactly, naming the field if it is not a number
    raise _refuse(record, field, v, "is not a number")


_USAGE_KEYS = ("customer", "year", "month")


_NO_VALUE = object()


def _refuse(record: str, field: str, value: Any, reason: str) -> Exception:
    from .exceptions import TariffInputError

    if value is _NO_VALUE:
        text = ""
        err = TariffInputError(f"{record}: column {field!r} {reason}")
        kind = "invalid_column"
    else:
        text = repr(value)
        if len(text) > 40:
            text = text[:40] + "…"
        err = TariffInputError(f"{record}: {field} = {text} {reason}")
        kind = "missing_value" if _missing(value) else "invalid_value"
    for name, v in (("kind", kind), ("record", record), ("field", field), ("value", text)):
        setattr(err, name, v)
    return err


def usages_from_frame(
    frame: Any,
    *,
    defaults: Optional[Mapping[str, Any]] = None,
    ignore: Iterable[str] = (),
) -> List[Dict[str, Any]]:
    """Monthly usage records from a DataFrame, one row per customer and month.

    Columns: ``customer``, ``year``, ``month``, ``capacity_kva`` (required); energy per period
    as ``sharp_kwh``, ``peak_kwh``, ``flat_kwh``, ``valley_kwh``, ``deep_valley_kwh`` (an absent
    column is 0 kWh); optional ``kvarh_forward``, ``kvarh_reverse``, ``max_demand_kw``,
    ``contract_demand_kw``, ``method`` (``capacity``, ``contract_demand``, ``actual_demand``,
    ``none``), ``billing_from``, ``billing_until`` (dates). Any other ``*_kwh`` column is
    passed on as a period name, so a misspelt period is refused by the engine.

    A missing value (NaN, None, NaT) in a column that is present is an error naming the row
    (customer and month), the column and the value — never read as 0 — unless ``defaults``
    gives the value to use for that column (e.g. ``{"kvarh_reverse": 0}``; ``None`` leaves
    the field out, as an absent column would). Optional columns that are meant to be empty
    for some rows (``max_demand_kw``, ``contract_demand_kw``, ``method``, ``billing_from``,
    ``billing_until``) need a default too. A column that is none of the above is an error
    unless listed in ``ignore``.

    Raises :class:`gridserve.exceptions.TariffInputError` (``kind`` ``missing_value`` or
    ``invalid_value``, ``record``, ``field``, ``value``).
    """
    defaults = dict(defaults or {})
    ignored = set(ignore)
    columns = [str(c) for c in frame.columns]
    period_cols = [c for c in columns if c.endswith("_kwh") and c not in ignored]
    known = set(_USAGE_KEYS) | set(_USAGE_SCALARS) | set(_USAGE_TEXT) | set(period_cols)
    for key in defaults:
        if key not in known:
            raise _refuse("defaults", str(key), defaults[key], "names no usage column")
    for c in columns:
        if c not in known and c not in ignored:
            raise _refuse(
                "frame",
                c,
                _NO_VALUE,
                "is not a usage column (customer, year, month, capacity_kva, <period>_kwh, "
                + ", ".join(c for c in _USAGE_SCALARS if c != "capacity_kva")
                + ", method, billing_from, billing_until); list it in ignore= to skip it",
            )
    for c in _USAGE_KEYS + ("capacity_kva",):
        if c not in columns:
            raise _refuse("frame", c, _NO_VALUE, "is required and absent")
    records: List[Dict[str, Any]] = []
    for k, row in enumerate(frame.to_dict("records")):
        customer = row["customer"]
        label = f"row {k}" if _missing(customer) else f"customer {str(customer)!r}"
        if not (_missing(row["year"]) or _missing(row["month"])):
            label += f" {_int(row['year'], label, 'year')}-{_int(row['month'], label, 'month'):02d}"

        def value(col: str) -> Any:
            v = row[col]
            if not _missing(v):
                return v
            if col in defaults:
                return defaults[col]
            raise _refuse(label, col, v, "is missing (give a value, or a default for the column)")

        rec: Dict[str, Any] = {
            "customer": str(value("customer")),
            "year": _int(value("year"), label, "year"),
            "month": _int(value("month"), label, "month"),
        }
        energy = {}
        for col in period_cols:
            v = value(col)
            if v is not None:
                energy[col[: -len("_kwh")]] = _number(v, label, col)
        rec["energy_kwh"] = energy
        for col in _USAGE_SCALARS:
            if col in row:
                v = value(col)
                if v is not None:
                    rec[col] = _number(v, label, col)
        for col in _USAGE_TEXT:
            if col in row:
                v = value(col)
                if v is None:
                    continue
                rec[col] = v.date().isoformat() if isinstance(v, _dt.datetime) else (
                    v.isoformat() if isinstance(v, _dt.date) else str(v)
                )
        records.append(rec)
    return records


def _int(v: Any, record: str, field: str) -> int:
    if hasattr(v, "item"):  # numpy scalar
        v = v.item()
    if isinstance(v, bool) or not (
        isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    ):
        raise _refuse(record, field, v, "is not a whole number")
    return int(v)


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


def bill_frame(
    tariff: Any,
    frame: Any,
    *,
    defaults: Optional[Mapping[str, Any]] = None,
    ignore: Iterable[str] = (),
    what_if: bool = False,
    progress: Any = None,
) -> Any:
    """Bills every row of a usage frame (see :func:`usages_from_frame` for ``defaults`` and
    ``ignore``) with ``tariff``; ``what_if`` as in ``Tariff.bill``. ``progress`` is a callable
    ``(done, total)`` (returning ``False`` cancels with :class:`~gridserve.exceptions.CancelledError`)
    or a tqdm-like object with ``update(n)`` and ``total``, told the rows billed every 1 %."""
    usages = usages_from_frame(frame, defaults=defaults, ignore=ignore)
    return bills_frame(tariff.bills(usages, what_if=what_if, progress=progress))


def interval_totals_frame(totals: Mapping[str, Any], ids: Optional[List[str]] = None) -> Any:
    """The arrays of ``Tariff.aggregate_intervals`` as a DataFrame (one row per customer)."""
    pd = _pandas()
    energy = totals["energy_kwh"]
    data: Dict[str, Any] = {f"{p}_kwh": energy[:, k] for k, p in enumerate(PERIODS)}
    for key, value in totals.items():
        if key != "energy_kwh":
            data[key] = value
    return pd.DataFrame(data, index=ids)
