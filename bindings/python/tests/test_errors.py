"""Every exception class, raised from real bad input, with its structured fields."""

import pytest

import gridserve as gs
from conftest import SMALL


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
    assert (e.value.file, e.value.line, e.value.field) == ("points.csv", 3, "in_service")


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
