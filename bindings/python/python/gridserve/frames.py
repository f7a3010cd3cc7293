"""pandas in and out. pandas is imported only when these functions are called."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from gridserve._convert import arrow_table, lent_text_columns
from gridserve._gridserve import Network, Scope, Topology

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_TABLES = ("points", "segments", "switches", "transformers", "sources", "customers", "contacts")
# Integer columns: pandas turns them into floats when a value is missing; they go back as
# nullable integers so that 2010 is written "2010", not "2010.0".
_INTEGER_COLUMNS = {"transformers": ("year_in_service",), "contacts": ("level",)}


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas: pip install 'gridserve[pandas]'") from e
    return pandas


def _csv_text(table: str, frame: Any) -> str:
    if isinstance(frame, str):
        return frame
    pd = _pandas()
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    frame = frame.copy(deep=False)
    for column in _INTEGER_COLUMNS.get(table, ()):
        if column in frame.columns and frame[column].dtype.kind == "f":
            frame[column] = frame[column].astype("Int64")
    # Rows end in "\r\n" so that pandas (Python's csv module) quotes every cell holding a
    # carriage return or a line feed: it quotes the characters of the line terminator, and a
    # bare "\r" in an unquoted cell would end the row. The reader accepts "\r\n" and keeps
    # quoted cells verbatim, so every text goes through unchanged.
    text: str = frame.to_csv(index=False, lineterminator="\r\n")
    return text


def from_dataframes(
    points: Any,
    segments: Optional[Any] = None,
    switches: Optional[Any] = None,
    transformers: Optional[Any] = None,
    sources: Optional[Any] = None,
    customers: Optional[Any] = None,
    contacts: Optional[Any] = None,
    *,
    allow_isolated_points: bool = False,
) -> Network:
    """Builds a network from tables with the columns of the CSV layout.

    Each argument is a table: a pandas DataFrame (or anything ``pandas.DataFrame`` accepts),
    any object with ``__arrow_c_stream__`` (pyarrow, polars, DuckDB), or CSV text. Tables
    cross as Arrow, read in place where the column types allow; CSV text (if any argument is
    text, all go as CSV) is parsed as such. The columns are those of the matching file of the
    layout (``docs/formats/network.md``, ``gridserve.table_spec(name)``); a column the layout
    does not define is refused, naming the table and the column: ``points`` needs ``asset``;
    lines need ``asset``, ``from``, ``to`` and their own columns; ``contacts`` has a
    ``customer`` column. Errors name the table and the line as the row number plus 2 (the
    header is line 1), whichever form the table came in.
    """
    given = dict(
        points=points,
        segments=segments,
        switches=switches,
        transformers=transformers,
        sources=sources,
        customers=customers,
        contacts=contacts,
    )
    present = {name: frame for name, frame in given.items() if frame is not None}
    if any(isinstance(frame, str) for frame in present.values()):
        texts = {name: _csv_text(name, frame) for name, frame in present.items()}
        return Network.from_csv_texts(texts, allow_isolated_points=allow_isolated_points)
    # Columns of Python strings are read in place where every cell is a plain str; any other
    # cell sends every frame through pyarrow, as Arrow, whose errors name the cell.
    lent = {name: lent_text_columns(frame) for name, frame in present.items()}
    if any(split is not None for split in lent.values()):
        tables = {name: split[0] for name, split in lent.items() if split is not None}
        tables.update((name, arrow_table(name, present[name])) for name, split in lent.items() if split is None)
        lent_texts = {name: split[1] for name, split in lent.items() if split is not None}
        network = Network._from_arrow_texts(tables, lent_texts, allow_isolated_points=allow_isolated_points)
        if network is not None:
            return network
    tables = {name: arrow_table(name, frame) for name, frame in present.items()}
    return Network.from_arrow(tables, allow_isolated_points=allow_isolated_points)


def to_dataframes(
    network: Network, *, roles: Optional[Sequence[str]] = None, backend: str = "pandas"
) -> "dict[str, Any]":
    """The network's records as tables, one per table of the CSV layout: pandas DataFrames
    (``backend="pandas"``, the default) or pyarrow Tables (``backend="pyarrow"``), built from
    Arrow without a text round trip.

    Customer names and contact names and phone numbers are masked unless ``roles`` (the
    reader's role names) include one the masking policy lets read them in the clear
    (``customer_manager``, ``supervisor``).
    """
    if backend not in ("pandas", "pyarrow"):
        from gridserve.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"backend must be 'pandas' or 'pyarrow', not {str(backend)[:40]!r}")
    tables: Mapping[str, Any] = network.to_arrow(roles=roles)
    if backend == "pyarrow":
        return dict(tables)
    _pandas()
    frames = {}
    for name in _TABLES:
        frame = tables[name].to_pandas()
        for column in _INTEGER_COLUMNS.get(name, ()):
            frame[column] = frame[column].astype("Int64")
        frames[name] = frame
    return frames


def exposure_frame(topology: Topology) -> "pd.DataFrame":
    """What opening each switch alone cuts off, one row per switch, indexed by asset number."""
    pd = _pandas()
    frame = pd.DataFrame(topology.exposure())
    return frame.set_index("switch")


def customers_frame(scope: Scope, *, roles: Optional[Sequence[str]] = None) -> "pd.DataFrame":
    """The customers a scope cuts off, critical first, with their first contact.

    Names and phone numbers are masked unless ``roles`` (the reader's role names) include one
    the masking policy lets read them in the clear (``customer_manager``, ``supervisor``).
    """
    pd = _pandas()
    rows = []
    for c in scope.report(roles=roles)["customers"]:
        first = c["contacts"][0] if c["contacts"] else {}
        rows.append(
            {
                "number": c["number"],
                "name": c["name"],
                "point": c["point"],
                "importance": c["importance"],
                "load_kw": c["load_kw"],
                "contracted_kva": c["contracted_kva"],
                "contact": first.get("name"),
                "phone": first.get("phone"),
                "contacts": len(c["contacts"]),
            }
        )
    columns = ["number", "name", "point", "importance", "load_kw", "contracted_kva", "contact", "phone", "contacts"]
    return pd.DataFrame(rows, columns=columns)
