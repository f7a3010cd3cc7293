"""Argument conversions of the pure-Python layer, with the rules of the compiled module:
times are ``datetime`` (aware, or naive = China Standard Time), ``date`` or ISO 8601 text with
or without offset; a bad value is a :mod:`gridserve.exceptions` error naming the column and
row, never a pandas ``AttributeError`` or a silent sentinel."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from gridserve.exceptions import InvalidArgumentError

CST = _dt.timezone(_dt.timedelta(hours=8))
NO_TIME = int(np.iinfo(np.int64).min)


def _refuse(column: str, row: Any, expected: str, value: Any) -> InvalidArgumentError:
    shown = repr(value)
    if len(shown) > 60:
        shown = f"{shown[:60]}… ({len(shown)} characters)"
    e = InvalidArgumentError(f"{column}: row {row}: expected {expected}, got {shown}")
    e.argument = column  # type: ignore[attr-defined]
    e.row = row  # type: ignore[attr-defined]
    e.expected = expected  # type: ignore[attr-defined]
    e.value = shown  # type: ignore[attr-defined]
    e.error_kind = "invalid_time"
    return e


def time_column_ms(values: Any, column: str, required: bool) -> Any:
    """A column of times as int64 milliseconds since the epoch.

    Accepts datetime64 columns (naive = China Standard Time, or with a zone), and object or
    text columns whose cells may carry different UTC offsets. A missing cell (None, NaT, NaN)
    is ``NO_TIME`` when ``required`` is false, else an ``InvalidArgumentError`` naming the
    column and row; so is a cell that is not a time.
    """
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if s.dt.tz is None:
            s = s.dt.tz_localize(CST)
        missing = s.isna()
        if required and missing.any():
            row = s.index[int(np.argmax(missing.to_numpy()))]
            raise _refuse(column, row, "a time (this column needs one in every row)", pd.NaT)
        ms = (s.dt.tz_convert("UTC") - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
        return ms.fillna(NO_TIME).to_numpy(dtype=np.int64)
    out = np.empty(len(s), dtype=np.int64)
    for i, (row, v) in enumerate(s.items()):
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            if required:
                raise _refuse(column, row, "a time (this column needs one in every row)", v)
            out[i] = NO_TIME
            continue
        if isinstance(v, str) or isinstance(v, (_dt.date, np.datetime64)):
            try:
                t = pd.Timestamp(v)
            except (ValueError, TypeError, OverflowError):
                raise _refuse(column, row, "a datetime, a date or ISO 8601 text", v) from None
        else:
            raise _refuse(column, row, "a datetime, a date or ISO 8601 text", v)
        if t is pd.NaT:
            if required:
                raise _refuse(column, row, "a time (this column needs one in every row)", v)
            out[i] = NO_TIME
            continue
        if t.tzinfo is None:
            t = t.tz_localize(CST)
        out[i] = (t - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)
    return out
