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


def arrow_table(what: str, obj: Any) -> Any:
    """A table argument in a form the compiled module reads through the Arrow PyCapsule
    interface: objects that speak it (pyarrow, polars, DuckDB) as they are; pandas DataFrames
    (and anything ``pandas.DataFrame`` accepts: a dict of columns, a list of dicts) through
    pyarrow, without their index. A column pyarrow cannot type (mixed texts and numbers) is an
    :class:`~gridserve.exceptions.InvalidArgumentError` naming the table."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the environment
        pd = None
    if pd is None or not isinstance(obj, pd.DataFrame):
        if hasattr(obj, "__arrow_c_stream__") or hasattr(obj, "__arrow_c_array__"):
            return obj
        if pd is None:  # pragma: no cover - depends on the environment
            raise InvalidArgumentError(f"{what}: expected an Arrow table or a pandas DataFrame")
        try:
            obj = pd.DataFrame(obj)
        except (TypeError, ValueError, OverflowError) as e:
            raise InvalidArgumentError(f"{what}: not a table: {str(e)[:200]}") from None
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("DataFrames cross to gridserve as Arrow: pip install 'gridserve[pandas]'") from e
    failures = (
        pa.ArrowInvalid,
        pa.ArrowTypeError,
        pa.ArrowNotImplementedError,
        OverflowError,
        TypeError,
        ValueError,
    )
    try:
        return pa.Table.from_pandas(obj, preserve_index=False)
    except failures:
        pass
    # An object column holding values of several types (True and "perhaps", 3 and "x") has no
    # Arrow type: it crosses as text, each cell as it prints (missing cells stay missing), so
    # the core refuses the bad cell by row and column exactly as it would in a CSV file.
    frame = obj.copy(deep=False)
    for column in frame.columns:
        if frame[column].dtype != object:
            continue
        try:
            pa.array(frame[column], from_pandas=True)
        except failures:
            frame[column] = [_cell_text(v) for v in frame[column].tolist()]
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except failures as e:
        text = str(e).encode("utf-8", "backslashreplace").decode("utf-8")
        if len(text) > 200:
            text = text[:200] + "…"
        raise InvalidArgumentError(f"{what}: a column cannot be read as one type: {text}") from None


def lent_text_columns(obj: Any) -> Any:
    """A pandas DataFrame split for reading its object columns in place: ``(table, texts)``,
    where ``texts`` maps each object column to its numpy array of cells and ``table`` is the
    frame as a pyarrow Table with those columns as columns of nulls (kept for their names, not
    read). The compiled module reads the arrays' cells where every one is a plain ``str``, with
    no conversion to Arrow; otherwise the caller converts the whole frame with
    :func:`arrow_table`. ``None`` for anything else: not a DataFrame, no object column, column
    names that are repeated or not text, other columns pyarrow cannot type."""
    try:
        import pandas as pd
        import pyarrow as pa
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    if not isinstance(obj, pd.DataFrame):
        return None
    names = list(obj.columns)
    if not obj.columns.is_unique or not all(isinstance(name, str) for name in names):
        return None
    texts = {name: np.ascontiguousarray(obj[name].to_numpy()) for name in names if obj[name].dtype == object}
    if not texts:
        return None
    rest = [name for name in names if name not in texts]
    try:
        converted = pa.Table.from_pandas(obj[rest], preserve_index=False) if rest else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError, ValueError):
        return None
    rows = len(obj)
    columns = {
        name: pa.nulls(rows) if name in texts else converted.column(name)  # type: ignore[union-attr]
        for name in names
    }
    return pa.table(columns), texts


def _cell_text(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    return str(v)


def aligned(obj: Any) -> Any:
    """A pyarrow Table or RecordBatch whose buffers all start on an 8-byte boundary, copying
    only when one does not. Arrow requires it, and the Rust reader relies on it; buffers of a
    table unpickled from out-of-band frames (as Dask ships them) can start anywhere. Other
    objects are returned as they are."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - depends on the environment
        return obj
    if isinstance(obj, pa.RecordBatch):
        if not any(_misaligned(column) for column in obj.columns):
            return obj
        obj = pa.Table.from_batches([obj])
    if not isinstance(obj, pa.Table):
        return obj
    if not any(_misaligned(chunk) for column in obj.columns for chunk in column.chunks):
        return obj
    # A round trip through the IPC format writes every buffer afresh, padded and aligned.
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, obj.schema) as writer:
        writer.write_table(obj)
    return pa.ipc.open_stream(sink.getvalue()).read_all()


def _misaligned(array: Any) -> bool:
    for buffer in array.buffers():
        if buffer is not None and buffer.size and buffer.address % 8:
            return True
    return False

