"""The table reference (``docs/formats/tables.md``) made from the table specs, so the document
and the readers cannot disagree: ``python -m gridserve._table_docs > docs/formats/tables.md``."""

from __future__ import annotations

from typing import Any, Dict, List

from gridserve._gridserve import table_spec

HEADER = """# Tables

Every table gridserve reads or writes, with its columns. CSV, JSON, Arrow (pyarrow, polars,
pandas, DuckDB) and Parquet readers all check a table against this one specification, so a
table is refused for the same reason with the same message whichever way it comes:

- a column the table does not define is refused, naming it and listing the table's columns;
- a column given twice, or a required column left out, is refused;
- a missing cell (empty, null, NaN, NaT) of a required column is refused naming the line (the
  row's index + 2, as if the header were line 1) and the column; so is a missing cell of a
  column marked *strict* when the column is present (leave the column out to use its default);
- a missing cell of any other optional column takes the column's default (or no value).

Texts may come as any integer type (ids). Numbers may come as text (parsed as in CSV).
Booleans are `true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n` in any case, or Arrow
booleans. Timestamps are Arrow timestamps (naive = China Standard Time) or ISO 8601 text with
or without an offset. Decimals are read exactly: decimal text, Arrow decimals, or a float by
its shortest decimal form.

`gridserve.table_spec(name)` gives the same information as data.

This file is generated: `python -m gridserve._table_docs > docs/formats/tables.md`.
"""


def _type(t: Any) -> str:
    if isinstance(t, dict):
        (kind, values), = t.items()
        return "one of " + ", ".join(f"`{v}`" for v in values)
    return str(t).replace("_", " ")


def _presence(c: Dict[str, Any]) -> str:
    if c["presence"] == "required":
        return "required"
    if c["presence"] == "one_of":
        return f"one of the `{c['default']}` group"
    default = c.get("default")
    text = "optional" if default is None else f"optional (default `{default}`)"
    if not c["nullable"]:
        text += ", strict"
    return text


def render() -> str:
    parts: List[str] = [HEADER]
    for spec in table_spec():
        parts.append(f"\n## `{spec['name']}`\n\nOne row: {spec['doc']}.\n\n")
        parts.append("| column | type | presence | meaning |\n|---|---|---|---|\n")
        for c in spec["columns"]:
            parts.append(f"| `{c['name']}` | {_type(c['type'])} | {_presence(c)} | {c['doc']} |\n")
        numbered = spec.get("numbered")
        if numbered:
            parts.append(
                f"| `{numbered['prefix']}1` … `{numbered['prefix']}{numbered['count']}` | "
                f"{_type(numbered['type'])} | required for bills | {numbered['doc']} |\n"
            )
    return "".join(parts)


if __name__ == "__main__":
    print(render(), end="")
