"""Every exception class, raised from real bad input, with its structured fields."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

import gridserve as gs
from conftest import SMALL, huizhou_usage


def test_hierarchy() -> None:
    builtin = {
        gs.InvalidNetworkError: ValueError,
        gs.TooLargeError: ValueError,
        gs.UnknownElementError: KeyError,
        gs.UnknownCustomerError: KeyError,
        gs.IdOutOfRangeError: IndexError,
        gs.OperationRefusedError: ValueError,
        gs.StateMismatchError: ValueError,
        gs.StaleScopeError: RuntimeError,
        gs.UnmappableError: ValueError,
        gs.ParseError: ValueError,
        gs.GridserveIOError: OSError,
        gs.InvalidArgumentError: ValueError,
    }
    for cls, base in builtin.items():
        assert issubclass(cls, gs.GridserveError) and issubclass(cls, base), cls


def test_invalid_network_lists_every_problem() -> None:
    tables = dict(SMALL)
    tables["segments"] += "L1,A,A,-5\nL9,A,NOWHERE,10\n"
    with pytest.raises(gs.InvalidNetworkError) as e:
        gs.Network.from_csv_texts(tables)
    got = [(p["id"], p["field"], p["kind"]) for p in e.value.problems]
    assert got == [
        ("L1", "length_m", "negative"),
        ("L1", "asset", "duplicate_id"),
        ("L1", "to", "self_loop"),
        ("L9", "to", "unknown_point"),
    ]
    assert isinstance(e.value, ValueError)


def test_parse_error_names_file_line_and_column() -> None:
    tables = dict(SMALL)
    tables["segments"] = "asset,from,to,length_m\nL1,A,B,100\nL2,C,D,long\n"
    with pytest.raises(gs.ParseError) as e:
        gs.Network.from_csv_texts(tables)
    assert (e.value.file, e.value.line, e.value.field) == ("segments.csv", 3, "length_m")


def test_dataframe_errors_name_the_row() -> None:
    pd = pytest.importorskip("pandas")
    points = pd.DataFrame({"asset": ["A", "B"], "in_service": [True, "perhaps"]})
    with pytest.raises(gs.ParseError) as e:
        gs.from_dataframes(points)
    # Tables cross as Arrow: the error names the table and the row as its index + 2.
    assert (e.value.file, e.value.line, e.value.field) == ("points", 3, "in_service")


def test_io_error_for_a_missing_folder(tmp_path) -> None:
    with pytest.raises(gs.GridserveIOError) as e:
        gs.Network.from_csv_dir(tmp_path / "nothing-here")
    assert isinstance(e.value, OSError)
    assert "points.csv" in e.value.path


def test_unknown_element_customer_and_id(small: gs.Network) -> None:
    topo = gs.Topology(small)
    with pytest.raises(gs.UnknownElementError) as e:
        topo.scope([("open", "NOPE")])
    assert e.value.asset == "NOPE"
    with pytest.raises(KeyError):
        small.line_id("NOPE")
    with pytest.raises(gs.UnknownCustomerError):
        small.customer_id("C404")
    with pytest.raises(gs.IdOutOfRangeError) as e2:
        topo.scope_open_line(10_000)
    assert (e2.value.kind, e2.value.id, e2.value.len) == ("line", 10_000, 8)


def test_refused_operations_change_nothing(small: gs.Network) -> None:
    topo = gs.Topology(small)
    version = topo.version
    with pytest.raises(gs.OperationRefusedError) as e:
        topo.apply([("open", "CB2"), ("open", "L1")])
    assert (e.value.asset, e.value.action, e.value.reason) == ("L1", "open", "not_a_switch")
    assert topo.version == version and topo.open_switches() == ["TIE"]
    with pytest.raises(gs.OperationRefusedError) as e:
        topo.scope([("close", "CB1")])
    assert e.value.reason == "already_closed"
    with pytest.raises(gs.InvalidArgumentError):
        topo.scope([("explode", "CB1")])
    with pytest.raises(gs.InvalidArgumentError):
        gs.Network.from_csv_texts({"points": "asset\nA\n", "poles": ""})


def test_stale_scope(small: gs.Network) -> None:
    topo = gs.Topology(small)
    scope = topo.scope([("open", "SW1")])
    topo.apply([("open", "F1")])
    with pytest.raises(gs.StaleScopeError):
        scope.point_ids()
    assert scope.points == 3, "the counts stay readable"


def test_unmappable_pandapower_row() -> None:
    pp = pytest.importorskip("pandapower")
    net = pp.create_empty_network()
    b0, b1 = pp.create_bus(net, 10), pp.create_bus(net, 10)
    pp.create_ext_grid(net, b0)
    line = pp.create_line(net, b0, b1, 1.0, "NA2XS2Y 1x95 RM/25 12/20 kV")
    sw = pp.create_switch(net, b1, line, et="l")
    net.switch.at[sw, "bus"] = pp.create_bus(net, 10)  # a bus that is not an end of the line
    with pytest.raises(gs.UnmappableError) as e:
        gs.from_pandapower(net)
    assert (e.value.table, e.value.field) == ("switch", "bus")


def test_bus_branch_tables_refuse_unknown_columns() -> None:
    with pytest.raises(gs.UnmappableError) as e:
        gs.Network.from_bus_branch({"buses": {"id": [0], "colour": ["red"]}})
    assert e.value.table == "buses" and "colour" in e.value.reason


def test_every_core_error_variant_reaches_a_named_class_with_its_fields() -> None:
    """One example per variant of every core error family (the core's tests check that the
    examples cover every variant): each becomes an exported exception class of
    gridserve.exceptions, carrying its kind and fields, and never a clear phone number."""
    import math

    from gridserve import _gridserve, exceptions

    examples = _gridserve._error_examples()
    assert len(examples) > 80
    seen = set()
    for family, kind, exc in examples:
        name = type(exc).__name__
        assert name in exceptions.__all__, (family, kind, name)
        assert getattr(exceptions, name) is type(exc)
        assert isinstance(exc, exceptions.GridserveError)
        assert exc.error_kind == kind
        assert kind == kind.lower() and " " not in kind
        assert "13800000001" not in str(exc)
        assert "13800000001" not in repr(vars(exc))
        seen.add((family, kind))
    assert len(seen) == len(examples)
    by_kind = {(f, k): e for f, k, e in examples}
    # Variants that used to reach an attribute-less InvalidArgumentError.
    period = by_kind[("reliability", "invalid_period")]
    assert isinstance(period, exceptions.InvalidArgumentError)
    assert period.start == "2024-02-01T00:00:00+08:00"  # the caller's offset is kept
    assert (by_kind[("reliability", "invalid_option")].field) == "momentary_max_min"
    daily = by_kind[("reliability", "invalid_daily_value")]
    assert daily.index == 3 and math.isnan(daily.value)
    col = by_kind[("reliability", "column_length")]
    assert (col.column, col.len, col.expected) == ("end", 2, 3)
    assert by_kind[("notify", "invalid_rules")].detail.startswith("quiet_hours")
    pol = by_kind[("outbox", "invalid_policy")]
    assert (pol.field, pol.value) == ("max_attempts", "0")
    # Renamed fields keep their public names.
    gap = by_kind[("tariff", "schedule_gap")]
    assert (gap.kind, gap.start, gap.end) == ("schedule_gap", "06:00", "07:00")
    stale = by_kind[("network", "stale_scope")]
    assert (stale.scope_version, stale.topology_version) == (1, 2)
    io = by_kind[("network", "io")]
    assert isinstance(io, OSError) and io.errno == 2
    assert by_kind[("network", "id_out_of_range")].kind == "line"
    assert by_kind[("network", "invalid")].problems[0]["kind"] == "duplicate_id"
    assert by_kind[("workflow", "notice_period")].command == "announce"
    assert by_kind[("workflow", "unknown_contact")].phone != "13800000001"
    # A long value is cut in the message, never repeated whole.
    assert len(str(by_kind[("network", "unmappable")])) < 200




def test_json_arguments_name_the_field_path() -> None:
    t = gs.Tariff.default()
    # NaN inside a nested dict: refused by its path, not "expected value at line 1 column 94".
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bill(huizhou_usage(energy_kwh={"peak": float("nan"), "flat": 1}))
    assert (e.value.argument, e.value.field) == ("usage", "energy_kwh.peak")
    assert "not a finite number" in e.value.detail
    assert isinstance(e.value, gs.ParseError) and isinstance(e.value, gs.InvalidArgumentError)
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bill(huizhou_usage(kvarh_forward=float("inf")))
    assert e.value.field == "kvarh_forward"
    # An unknown variant names its field and the variants expected.
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bill(huizhou_usage(method="by_magic"))
    assert e.value.field == "method"
    assert "by_magic" in str(e.value) and "expected one of" in str(e.value)
    # An unknown key is refused by name (the usage layout denies unknown fields).
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bill(huizhou_usage(colour="red"))
    assert "colour" in str(e.value)
    # JSON text goes through the same path.
    with pytest.raises(gs.ParseError):
        t.bill("{not json")
    # A lone surrogate is a gridserve error, not a bare UnicodeEncodeError.
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bill(huizhou_usage(customer="A\udcff"))
    assert e.value.field == "customer"
    # Numbers given as Decimal and numpy scalars are read exactly as before.
    assert t.bill(huizhou_usage(capacity_kva=Decimal("3200"), max_demand_kw=np.float64(1800))) == t.bill(
        huizhou_usage()
    )


def test_reliability_options_nan_is_named() -> None:
    from gridserve import reliability as rel

    feeders = [{"feeder": "F", "substation": "S", "customers": 10, "load_kva": 50.0}]
    import pandas as pd

    df = pd.DataFrame(
        {
            "id": ["M1"],
            "start": ["2024-01-02 08:00"],
            "end": ["2024-01-02 09:00"],
            "cause": ["fault"],
            "planned": [False],
            "device": ["K1"],
            "feeder": ["F"],
            "customers_count": [3],
            "load_kva": [10.0],
        }
    )
    table = rel.outage_table(df, feeders)
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        rel.indices(table, "2024-01-01", "2024-02-01", momentary_max_min=float("nan"))
    assert e.value.field == "momentary_max_min"
    # Dates alone and datetimes are times (midnight China Standard Time).
    by_text = rel.indices(table, "2024-01-01", "2024-02-01")
    by_dt = rel.indices(table, dt.datetime(2024, 1, 1), dt.date(2024, 2, 1))
    assert by_text.equals(by_dt)


def test_time_arguments_take_datetime_date_and_iso_text() -> None:
    t = gs.Tariff.default()
    cst = dt.timezone(dt.timedelta(hours=8))
    expected = t.period_at("2026-05-21T15:30")
    assert expected == "peak"
    for given in [
        "2026-05-21 15:30",
        "2026-05-21T15:30:00+08:00",
        "2026-05-21T07:30:00Z",
        dt.datetime(2026, 5, 21, 15, 30),
        dt.datetime(2026, 5, 21, 15, 30, tzinfo=cst),
        dt.datetime(2026, 5, 21, 7, 30, tzinfo=dt.timezone.utc),
    ]:
        assert t.period_at(given) == expected, given
    # A date alone is midnight, a valley hour in the default schedule.
    assert t.period_at(dt.date(2026, 5, 21)) == t.period_at("2026-05-21T00:00")
    for bad in ["tomorrow", 12, None, "2026-13-01"]:
        with pytest.raises(gs.InvalidArgumentError) as e:
            t.period_at(bad)
        assert e.value.argument == "time"
    import pandas as pd

    with pytest.raises(gs.InvalidArgumentError):
        t.period_at(pd.NaT)
    assert t.period_at(pd.Timestamp("2026-05-21 15:30")) == expected


def test_id_arguments_take_any_integer_dtype_and_refuse_others() -> None:
    net = gs.Network.synthetic(200, seed=1)
    topo = gs.Topology(net)
    kinds = net.line_kinds()
    seg = [i for i, k in enumerate(kinds) if k == "segment"][:3]
    expected = topo.unsupplied_batch(["take_out"] * 3, np.array(seg, dtype=np.uint32))
    for ids in [
        seg,
        tuple(seg),
        np.array(seg, dtype=np.int8),
        np.array(seg, dtype=np.int64),
        np.array(seg, dtype=np.uint64),
        np.array(seg, dtype=np.int16),
    ]:
        got = topo.unsupplied_batch(["take_out"] * 3, ids)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected)), type(ids)
    # Non-contiguous views are read as their values.
    wide = np.array([seg[0], -1, seg[1], -1, seg[2], -1], dtype=np.int64)[::2]
    got = topo.unsupplied_batch(["take_out"] * 3, wide)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    for bad, says in [
        (np.array([-1, 0, 1], dtype=np.int64), "-1 at position 0"),
        ([0, 2**40, 1], "1099511627776 at position 1"),
        (np.array([0.0, 1.0, 2.0]), "dtype float64"),
        (seg[0], "list or 1-D array"),
        ("123", "list or 1-D array"),
        ([0, "x", 1], "position 1"),
    ]:
        with pytest.raises(gs.InvalidArgumentError) as e:
            topo.unsupplied_batch(["take_out"] * 3, bad)
        assert says in str(e.value), str(e.value)
        assert e.value.argument == "lines"


def test_messages_never_repeat_a_huge_input() -> None:
    t = gs.Tariff.default()
    huge = "9" * 10_000_000
    for call in [
        lambda: t.bill(huizhou_usage(method=huge)),
        lambda: t.period_at(huge),
        lambda: t.bill(huizhou_usage(energy_kwh={huge: 1})),
    ]:
        with pytest.raises(gs.GridserveError) as e:
            call()
        assert len(str(e.value)) < 1000


def test_time_columns_refuse_nat_and_read_mixed_offsets() -> None:
    import pandas as pd

    from gridserve import reliability as rel

    feeders = [{"feeder": "F", "substation": "S", "customers": 10, "load_kva": 50.0}]

    def frame(start: list, end: list) -> pd.DataFrame:
        n = len(start)
        return pd.DataFrame(
            {
                "id": [f"M{i}" for i in range(n)],
                "start": start,
                "end": end,
                "cause": ["fault"] * n,
                "planned": [False] * n,
                "device": ["K1"] * n,
                "feeder": ["F"] * n,
                "customers_count": [3] * n,
                "load_kva": [10.0] * n,
            }
        )

    # A NaT start no longer drops the record silently: it is refused naming line and column.
    with pytest.raises(gs.ParseError) as e:
        rel.outage_table(frame([pd.NaT, "2024-01-02 08:00"], ["2024-01-02 09:00"] * 2), feeders)
    assert (e.value.line, e.value.field) == (2, "start")
    with pytest.raises(gs.ParseError) as e:
        rel.outage_table(frame(["2024-01-02 08:00"], [None]), feeders)
    assert (e.value.line, e.value.field) == (2, "end")
    with pytest.raises(gs.ParseError) as e:
        rel.outage_table(frame(["not a time"], ["2024-01-02 09:00"]), feeders)
    assert (e.value.line, e.value.field) == (2, "start")
    # Mixed UTC offsets (an object column) are read, not an AttributeError: 08:00+08:00 and
    # 00:00Z are the same instant, so both tables agree.
    mixed = rel.outage_table(
        frame(["2024-01-02T08:00:00+08:00", "2024-01-02T00:00:00+00:00"], ["2024-01-02T10:00:00+08:00"] * 2),
        feeders,
    )
    same = rel.outage_table(
        frame(["2024-01-02 08:00", "2024-01-02 08:00"], ["2024-01-02 10:00"] * 2), feeders
    )
    a = rel.indices(mixed, "2024-01-01", "2024-02-01")
    b = rel.indices(same, "2024-01-01", "2024-02-01")
    assert a.equals(b)
    # A reversed period is its own class, with the times in the caller's offset.
    with pytest.raises(gs.exceptions.InvalidPeriodError) as e:
        rel.indices(same, "2024-02-01T00:00:00+09:00", "2024-01-01T00:00:00+09:00")
    assert (e.value.start, e.value.end) == ("2024-02-01T00:00:00+09:00", "2024-01-01T00:00:00+09:00")
    assert isinstance(e.value, gs.InvalidArgumentError)
