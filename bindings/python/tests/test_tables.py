"""One table spec for every reader: the same table gives the same records and the same errors
as CSV text, a pandas DataFrame, a pyarrow Table, a polars DataFrame and a Parquet file."""

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

import gridserve as gs
from gridserve import reliability as rel

from conftest import SMALL

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pl = pytest.importorskip("polars")


def _forms(text: str, tmp: Path, name: str) -> Iterator[Tuple[str, Any]]:
    """The table of CSV `text` in every form: the text, pandas (types inferred as
    ``pandas.read_csv`` does), pyarrow, polars, and a Parquet file."""
    yield "csv", text
    frame = pd.read_csv(io.StringIO(text))
    yield "pandas", frame
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return  # a column of mixed types has no Arrow form: only pandas carries it
    yield "pyarrow", table
    yield "polars", pl.from_arrow(table)
    path = tmp / f"{name}.parquet"
    pq.write_table(table, path)
    yield "parquet", path


def _error(call: Callable[[], Any]) -> Tuple[str, int, str, str]:
    with pytest.raises(gs.GridserveError) as e:
        call()
    err = e.value
    return (type(err).__name__, err.line, err.field, err.detail)


def _network(form: str, obj: Any, table: str, tmp: Path) -> gs.Network:
    others = {k: v for k, v in SMALL.items() if k != table}
    if form == "csv":
        return gs.Network.from_csv_texts({**others, table: obj})
    if form == "parquet":
        folder = tmp / "net"
        folder.mkdir(exist_ok=True)
        for k, v in others.items():
            pq.write_table(pa.Table.from_pandas(pd.read_csv(io.StringIO(v)), preserve_index=False), folder / f"{k}.parquet")
        obj.rename(folder / f"{table}.parquet")
        return gs.Network.from_parquet(folder)
    frames: Dict[str, Any] = {k: pd.read_csv(io.StringIO(v)) for k, v in others.items()}
    return gs.from_dataframes(**{**frames, table: obj})


# Each case: a table of the small network replaced by a bad one; every form gives one error.
NETWORK_CASES = [
    # A pandapower-minded user writes `closed` for `normally_open`.
    ("switches", "asset,from,to,kind,protective,closed\nK1,P-BUS,P1,breaker,true,false\n"),
    ("points", "asset,in_service\nP-BUS,true\nP1,perhaps\nP2,true\nP3,true\nP4,true\nP5,true\n"),
    ("segments", "asset,from,to,length_m\nL1,P1,P2,100\nL2,P2,P3,\n"),
    ("segments", "asset,from,to,length_m\nL1,P1,P2,100\nL2,P2,P3,ten\n"),
    ("customers", "number,point,contracted_kva\nC1,P2,100\n"),
    ("contacts", "customer,name,phone,level\nC1,Li,13800000000,256\n"),
]


@pytest.mark.parametrize("table,text", NETWORK_CASES)
def test_network_errors_are_the_same_in_every_form(table: str, text: str, tmp_path: Path) -> None:
    errors = {
        form: _error(lambda: _network(form, obj, table, tmp_path))
        for form, obj in _forms(text, tmp_path, table)
    }
    assert len(errors) >= 2
    first = next(iter(errors.values()))
    assert first[0] == "ParseError" and first[2], first
    for form, err in errors.items():
        assert err == first, (form, err, first)


def test_network_records_are_the_same_in_every_form(tmp_path: Path) -> None:
    reference = gs.Network.from_csv_texts(dict(SMALL)).to_columns(roles=["customer_manager"])
    tables = gs.to_dataframes(gs.Network.from_csv_texts(dict(SMALL)), roles=["customer_manager"], backend="pyarrow")
    assert set(tables) == set(SMALL)
    for form, make in [
        ("pyarrow", lambda: gs.Network.from_arrow(tables)),
        ("polars", lambda: gs.from_dataframes(**{k: pl.from_arrow(t) for k, t in tables.items()})),
        ("pandas", lambda: gs.from_dataframes(**{k: t.to_pandas() for k, t in tables.items()})),
    ]:
        assert make().to_columns(roles=["customer_manager"]) == reference, form
    # And through Parquet, written by gridserve and by pyarrow.
    net = gs.Network.from_csv_texts(dict(SMALL))
    net.to_parquet(tmp_path / "a", roles=["customer_manager"])
    assert gs.Network.from_parquet(tmp_path / "a").to_columns(roles=["customer_manager"]) == reference
    (tmp_path / "b").mkdir()
    for k, t in tables.items():
        pq.write_table(t, tmp_path / "b" / f"{k}.parquet")
    assert gs.Network.from_parquet(tmp_path / "b").to_columns(roles=["customer_manager"]) == reference


@pytest.mark.parametrize("seed,points", [(1, 3_000), (2, 12_000)])
def test_network_from_every_arrow_text_layout_equals_the_records(seed: int, points: int) -> None:
    """Arrow tables are read in place whatever layout their texts come in (string,
    large_string, string_view, dictionary; several chunks; polars' views): the same network
    as from the records."""
    net = gs.Network.synthetic(points=points, seed=seed)
    reference = net.to_columns(roles=["customer_manager"])
    tables = gs.to_dataframes(net, roles=["customer_manager"], backend="pyarrow")

    def recast(table: Any, to: Any) -> Any:
        fields = [pa.field(f.name, to if pa.types.is_string(f.type) else f.type) for f in table.schema]
        return table.cast(pa.schema(fields))

    layouts = {
        "large_string": pa.large_string(),
        "dictionary": pa.dictionary(pa.int32(), pa.string()),
    }
    if hasattr(pa, "string_view"):
        layouts["string_view"] = pa.string_view()
    for name, to in layouts.items():
        recast_tables = {k: recast(t, to) for k, t in tables.items()}
        assert gs.Network.from_arrow(recast_tables).to_columns(roles=["customer_manager"]) == reference, name
    chunked = {k: pa.Table.from_batches(t.to_batches(max_chunksize=777), schema=t.schema) for k, t in tables.items()}
    assert gs.Network.from_arrow(chunked).to_columns(roles=["customer_manager"]) == reference
    frames = {k: pl.from_arrow(t) for k, t in tables.items()}
    assert gs.from_dataframes(**frames).to_columns(roles=["customer_manager"]) == reference
    # A null in a required text cell is an empty asset number, refused by the builder as
    # from the records; a float where text is expected is the reader's error.
    points_table = tables["points"]
    assets = points_table.column("asset").to_pylist()
    assets[1] = None
    broken = dict(tables, points=points_table.set_column(0, "asset", pa.array(assets, pa.string())))
    with pytest.raises(gs.exceptions.InvalidNetworkError):
        gs.Network.from_arrow(broken)
    customers = tables["customers"]
    i = customers.schema.get_field_index("point")
    floats = dict(tables, customers=customers.set_column(i, "point", pa.array([1.5] * customers.num_rows)))
    with pytest.raises(gs.exceptions.ParseError) as err:
        gs.Network.from_arrow(floats)
    assert (err.value.file, err.value.line, err.value.field) == ("customers", 2, "point")


def test_exports_are_masked_by_default(tmp_path: Path) -> None:
    net = gs.Network.from_csv_texts(dict(SMALL))
    clear = net.to_arrow(roles=["customer_manager"])["contacts"].column("phone").to_pylist()
    masked = net.to_arrow()["contacts"].column("phone").to_pylist()
    assert clear and all("*" in p for p in masked) and masked != clear
    net.to_parquet(tmp_path / "m")
    on_disk = pq.read_table(tmp_path / "m" / "contacts.parquet").column("phone").to_pylist()
    assert on_disk == masked


FEEDERS = [{"feeder": "F", "substation": "S", "customers": 1000, "load_kva": 5000.0}]
GOOD_OUTAGES = (
    "id,start,end,cause,planned,device,feeder,customers,customers_count,load_kva\n"
    "O1,2023-02-01 08:00,2023-02-01 09:30,fault,false,K1,F,A1;A2;A3,3,120\n"
    "O2,2023-03-01T08:00+08:00,2023-03-01T08:30+08:00,planned work,true,K2,F,,40,300.5\n"
    "O3,2023-04-01 00:00Z,2023-04-01 01:00Z,fault,false,K1,F,B1,1,10\n"
)


def _outages(form: str, obj: Any, tmp: Path) -> gs.OutageTable:
    feeders = pd.DataFrame(FEEDERS)
    if form == "csv":
        return gs.OutageTable.from_csv_text(obj, json.dumps(FEEDERS))
    if form == "parquet":
        return gs.OutageTable.from_parquet(obj, feeders)
    return rel.outage_table(obj, feeders)


OUTAGE_CASES = [
    GOOD_OUTAGES.replace("load_kva", "load_kav"),  # a misspelt column
    GOOD_OUTAGES.replace("2023-02-01 08:00,", ",", 1),  # a missing start
    GOOD_OUTAGES.replace("planned work,true", "planned work,perhaps"),
    GOOD_OUTAGES.replace("A1;A2;A3,3", "A1;A2;A3,4"),  # a count that is not the list's
    GOOD_OUTAGES.replace(",300.5\n", ",\n"),  # a missing load in a present column
    GOOD_OUTAGES.replace("2023-04-01 00:00Z", "yesterday"),
]


@pytest.mark.parametrize("text", OUTAGE_CASES)
def test_outage_errors_are_the_same_in_every_form(text: str, tmp_path: Path) -> None:
    errors = {form: _error(lambda: _outages(form, obj, tmp_path)) for form, obj in _forms(text, tmp_path, "outages")}
    first = next(iter(errors.values()))
    assert first[0] == "ParseError" and first[2], first
    for form, err in errors.items():
        assert err == first, (form, err, first)


def test_outage_records_are_the_same_in_every_form(tmp_path: Path) -> None:
    results = {}
    for form, obj in _forms(GOOD_OUTAGES, tmp_path, "outages"):
        table = _outages(form, obj, tmp_path)
        results[form] = rel.indices(table, "2023-01-01", "2024-01-01", by="cause")
    reference = results.pop("csv")
    # SAIFI = (3 + 40 + 1) / 1000 customer interruptions per customer served.
    assert reference.loc["fault", "saifi"] + reference.loc["planned work", "saifi"] == pytest.approx(0.044)
    for form, got in results.items():
        pd.testing.assert_frame_equal(got, reference, obj=form)


def test_unknown_columns_are_refused_for_every_table(tmp_path: Path) -> None:
    specs = gs.table_spec()
    assert {s["name"] for s in specs} >= {"points", "outages", "monthly_usage", "ami_curves", "customer_terms"}
    for spec in specs:
        columns = {c["name"]: [None] for c in spec["columns"]}
        columns["colour"] = ["red"]
        with pytest.raises(gs.ParseError) as e:
            gs.write_parquet(spec["name"], pa.table(columns), tmp_path / "x.parquet")
        assert e.value.field == "colour", spec["name"]
        assert "colour" in str(e.value)
    with pytest.raises(gs.InvalidArgumentError):
        gs.table_spec("no_such_table")


def test_parquet_reads_only_what_is_asked(tmp_path: Path) -> None:
    path = tmp_path / "curves.parquet"
    rows = {"meter": ["M1", "M1", "M2"], "date": ["2024-02-01"] * 3, "kind": ["kwh", "kw", "kvarh"]}
    rows.update({f"p{k}": [0.25, 1.0, 0.1] for k in range(1, 97)})
    pq.write_table(pa.table(rows), path, row_group_size=1)
    kept = gs.read_parquet("ami_curves", path, columns=["meter", "kind", "p1"], keep=("kind", ["kwh", "kvarh"]))
    assert kept.column_names == ["meter", "kind", "p1"]
    assert kept.column("kind").to_pylist() == ["kwh", "kvarh"]
    with pytest.raises(gs.ParseError):
        gs.read_parquet("ami_curves", path, columns=["p97"])
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(gs.ParseError):
        gs.read_parquet("ami_curves", tmp_path / "junk.parquet")
    with pytest.raises(gs.GridserveIOError):
        gs.read_parquet("ami_curves", tmp_path / "missing.parquet")


def _usage() -> "pd.DataFrame":
    return pd.DataFrame(
        {
            "customer": ["C1", "C2"],
            "year": [2026, 2026],
            "month": [3, 3],
            "sharp_kwh": ["10000.10", "0"],
            "peak_kwh": ["300000.25", "1200"],
            "flat_kwh": ["400000", "3000.5"],
            "valley_kwh": ["300000", "800"],
            "kvarh_forward": ["484322", "900"],
            "capacity_kva": ["3200", "315"],
        }
    )


def test_bill_table_equals_the_dict_bills_to_the_fen(tmp_path: Path) -> None:
    tariff = gs.Tariff.default(date="2026-03-01")
    frame = _usage()
    usages = gs.usages_from_frame(frame)
    expected = tariff.bills(usages)
    table = tariff.bill_table(frame)
    assert table.column_names[:4] == ["customer", "year", "month", "price_table"]
    got = table.to_pylist()
    for bill, row in zip(expected, got):
        assert row["customer"] == bill["customer"]
        assert row["total_yuan"] == Decimal(bill["total_yuan"])
        assert row["energy_yuan"] == Decimal(bill["energy_yuan"])
        assert row["basic_yuan"] == Decimal(bill["basic"]["amount_yuan"])
        assert row["pf_yuan"] == Decimal(bill["pf"]["amount_yuan"])
    # The same from Parquet and from polars.
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "usage.parquet")
    assert tariff.bill_parquet(tmp_path / "usage.parquet").equals(table)
    assert tariff.bill_table(pl.from_pandas(frame)).equals(table)
    # A NaN energy is refused by line and column, never billed as 0.
    bad = frame.assign(peak_kwh=[300000.25, float("nan")])
    with pytest.raises(gs.ParseError) as e:
        tariff.bill_table(bad)
    assert (e.value.line, e.value.field) == (3, "peak_kwh")


def _curves(meters: List[str], days: int) -> Tuple["pd.DataFrame", Any]:
    """Daily 96-point curves for March 2026 and the same readings as a (meters × intervals)
    array for `Tariff.bill_intervals`."""
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    # Readings on the 0.001 kWh grid, as meters give them.
    energy = np.round(rng.uniform(0, 50, size=(len(meters), days * 96)), 3)
    kvarh = np.round(energy * 0.4, 3)
    rows: Dict[str, list] = {"meter": [], "date": [], "kind": []}
    points: List[list] = [[] for _ in range(96)]
    for m, meter in enumerate(meters):
        for day in range(days):
            for kind, values in (("kwh", energy), ("kvarh", kvarh)):
                rows["meter"].append(meter)
                rows["date"].append(f"2026-03-{day + 1:02d}")
                rows["kind"].append(kind)
                for k in range(96):
                    points[k].append(values[m, day * 96 + k])
    for k in range(96):
        rows[f"p{k + 1}"] = points[k]
    return pd.DataFrame(rows), (energy, kvarh)


def test_bill_curves_equals_bill_intervals(tmp_path: Path) -> None:
    tariff = gs.Tariff.default(date="2026-03-01")
    curves, (energy, kvarh) = _curves(["M1", "M2", "M3"], 31)
    terms = pd.DataFrame({"customer": ["M1", "M2", "M3", "M9"], "capacity_kva": ["400", "315", "800", "50"]})
    table = tariff.bill_curves(curves, terms)
    expected = tariff.bill_intervals(
        energy,
        "2026-03-01",
        [{"customer": c, "capacity_kva": k} for c, k in zip(terms["customer"][:3], terms["capacity_kva"][:3])],
        kvarh_forward=kvarh,
    )
    assert table.column("customer").to_pylist() == ["M1", "M2", "M3"]
    assert table.column("total_yuan").to_pylist() == [Decimal(b["total_yuan"]) for b in expected]
    path = tmp_path / "curves.parquet"
    pq.write_table(pa.Table.from_pandas(curves, preserve_index=False), path)
    assert tariff.bill_curves(path, terms).equals(table)
    # A missing point is refused naming meter, day and point; a missing day too.
    gap = curves.copy()
    gap.loc[5, "p17"] = float("nan")
    with pytest.raises(gs.ParseError) as e:
        tariff.bill_curves(gap, terms)
    assert (e.value.line, e.value.field) == (7, "p17")
    with pytest.raises(gs.ParseError, match="2026-03-31"):
        tariff.bill_curves(curves[curves["date"] != "2026-03-31"], terms)
    with pytest.raises(gs.GridserveError, match="M3"):
        tariff.bill_curves(curves, terms[terms["customer"] != "M3"])


def test_misaligned_buffers_are_read_not_crashed_on() -> None:
    # Arrow buffers must start on 8-byte boundaries; a table unpickled from out-of-band frames
    # (as Dask ships it) may not. Such a table is realigned before the import, never read
    # through a misaligned pointer.
    raw = bytearray(8 * 3 + 1)
    values = pa.py_buffer(raw)[1:]
    for k, v in enumerate([1.5, 2.0, 3.25]):
        values_bytes = memoryview(raw)[1 + 8 * k : 9 + 8 * k]
        values_bytes[:] = __import__("struct").pack("<d", v)
    column = pa.Array.from_buffers(pa.float64(), 3, [None, values])
    assert column.buffers()[1].address % 8 != 0
    table = pa.table({"asset": ["L1", "L2", "L3"], "from": ["P1"] * 3, "to": ["P2"] * 3, "length_m": column})
    points = pa.table({"asset": ["P1", "P2"]})
    net = gs.Network.from_arrow({"points": points, "segments": table}, allow_isolated_points=True)
    lengths = net.to_arrow()["segments"].column("length_m").to_pylist()
    assert lengths == [1.5, 2.0, 3.25]


def test_the_table_reference_is_made_from_the_specs() -> None:
    from gridserve._table_docs import render

    doc = Path(__file__).resolve().parents[3] / "docs" / "formats" / "tables.md"
    assert doc.read_text(encoding="utf-8") == render(), (
        "docs/formats/tables.md is stale: python -m gridserve._table_docs > docs/formats/tables.md"
    )


class _Spy:
    """Stands for ``Network`` in ``gridserve.frames``: records whether the frames' columns of
    Python strings were read in place (``_from_arrow_texts`` gave a network or an error) or
    handed to pyarrow (``None``)."""

    def __init__(self) -> None:
        self.in_place: List[bool] = []

    def _from_arrow_texts(self, *args: Any, **kwargs: Any) -> Any:
        try:
            built = gs.Network._from_arrow_texts(*args, **kwargs)
        except gs.GridserveError:
            self.in_place.append(True)
            raise
        self.in_place.append(built is not None)
        return built

    def from_arrow(self, *args: Any, **kwargs: Any) -> Any:
        return gs.Network.from_arrow(*args, **kwargs)


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call().to_columns(roles=["customer_manager"])
    except gs.GridserveError as e:
        return (type(e).__name__, str(e))


def _through_pyarrow(frames: Dict[str, Any]) -> Any:
    """The network as every pandas frame was read before: converted whole by pyarrow."""
    from gridserve._convert import arrow_table

    return _outcome(lambda: gs.Network.from_arrow({k: arrow_table(k, f) for k, f in frames.items()}))


def _in_place(frames: Dict[str, Any], monkeypatch: Any) -> Tuple[Any, bool]:
    import gridserve.frames

    spy = _Spy()
    monkeypatch.setattr(gridserve.frames, "Network", spy)
    got = _outcome(lambda: gs.from_dataframes(**frames))
    monkeypatch.undo()
    assert len(spy.in_place) == 1
    return got, spy.in_place[0]


def _edited(frames: Dict[str, Any], table: str, column: str, row: int, value: Any) -> Dict[str, Any]:
    frame = frames[table].copy()
    cells = frame[column].astype(object).tolist()
    cells[row] = value
    frame[column] = pd.Series(cells, dtype=object, index=frame.index)
    return {**frames, table: frame}


def test_pandas_string_columns_are_read_in_place_as_pyarrow_reads_them(monkeypatch: Any) -> None:
    net = gs.Network.synthetic(points=3_000, seed=3)
    reference = net.to_columns(roles=["customer_manager"])
    frames = gs.to_dataframes(net, roles=["customer_manager"])
    assert frames["points"]["asset"].dtype == object
    got, in_place = _in_place(frames, monkeypatch)
    assert in_place and got == reference
    # Non-ASCII text (UTF-8 kept by the string), a categorical and an Arrow string column
    # beside the object columns, and the frames' rows in several index orders.
    mixed = _edited(frames, "customers", "name", 0, "外力破坏 第一中学")
    mixed = _edited(mixed, "points", "name", 5, "环网柜 一号 ☃")
    mixed["switches"] = mixed["switches"].assign(kind=mixed["switches"]["kind"].astype("category"))
    mixed["segments"] = mixed["segments"].assign(asset=mixed["segments"]["asset"].astype("string[pyarrow]"))
    mixed["customers"] = mixed["customers"].iloc[::-1].reset_index(drop=True).iloc[::-1]
    expected = _through_pyarrow(mixed)
    assert expected != reference  # the edits are read (the names differ)
    got, in_place = _in_place(mixed, monkeypatch)
    assert in_place and got == expected
    # An invalid network read in place gives the builder's errors word for word.
    duplicate = _edited(frames, "points", "asset", 7, frames["points"]["asset"][3])
    expected = _through_pyarrow(duplicate)
    assert expected[0] == "InvalidNetworkError", expected
    assert _in_place(duplicate, monkeypatch) == (expected, True)


@pytest.mark.parametrize(
    "table,column,value,read_in_place",
    [
        # Missing cells as pyarrow takes them (None, a float NaN): read in place.
        ("points", "name", None, True),
        ("segments", "kind", float("nan"), True),
        ("points", "asset", None, True),
        ("contacts", "name", None, True),
        # Anything else goes through pyarrow, which names the cell or types the column.
        ("customers", "name", 12345, False),
        ("contacts", "phone", b"13800000000", False),
        ("switches", "kind", "fuse\ud800", False),
        ("customers", "point", type("Tag", (str,), {})("P-0"), False),
        ("points", "name", pd.NA, False),
        ("sources", "capacity_kva", "8000", False),
        ("segments", "length_m", "ten", False),
    ],
)
def test_odd_cells_of_pandas_string_columns_give_what_pyarrow_gives(
    table: str, column: str, value: Any, read_in_place: bool, monkeypatch: Any
) -> None:
    """None, NaN, numbers, bytes, a str subclass, a string without UTF-8, pandas' NA, text in
    a number column: the network or the error is the one of the frames converted by pyarrow."""
    frames = gs.to_dataframes(gs.Network.synthetic(points=2_000, seed=4), roles=["customer_manager"])
    odd = _edited(frames, table, column, 1, value)
    expected = _through_pyarrow(odd)
    got, in_place = _in_place(odd, monkeypatch)
    assert in_place == read_in_place
    assert got == expected
