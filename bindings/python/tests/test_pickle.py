"""Pickling: every object that can move to another process round-trips to identical answers;
bad bytes, a newer format and handles that cannot move raise gridserve errors."""

import copy
import json
import multiprocessing
import pickle
import struct

import numpy as np
import pytest

import gridserve as gs
from gridserve import exceptions as ex

from conftest import huizhou_usage

HEADER = 28  # magic, version, kind, body length, raw length, CRC-32


def _round(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _answers(t: gs.Topology):
    """Answers that do not depend on the index's internal numbering."""
    x = t.exposure()
    closed = [s for s in x["switch"] if s not in set(t.open_switches())][:150]
    scopes = [t.scope([("open", s)]).point_ids().tolist() for s in closed]
    return (
        t.energized().tolist(),  # a mask in point id order
        sorted(t.open_switches()),
        sorted(t.faulted()),
        sorted(t.out_of_service()),
        # Loads are differences of prefix sums taken in the index's order: equal to 1e-6 kW.
        {k: np.round(np.asarray(v), 6).tolist() if k == "load_kw" else np.asarray(v).tolist() for k, v in x.items()},
        scopes,
    )


def test_network_round_trips_and_copies_are_the_object(county: gs.Network) -> None:
    back = _round(county)
    assert isinstance(back, gs.Network)
    assert back.point_count == county.point_count
    assert back.to_json() == county.to_json()
    assert copy.deepcopy(county) is county
    assert copy.copy(county) is county
    assert gs.from_bytes(county.to_bytes()).to_json() == county.to_json()


def test_bytes_are_compact_against_json(county: gs.Network) -> None:
    data = county.to_bytes()
    text = county.to_json()
    # MessagePack compressed with LZ4 against the JSON text of the same records.
    assert len(data) * 3 < len(text.encode()), (len(data), len(text.encode()))
    assert len(pickle.dumps(county)) < len(data) + 200


def test_topology_round_trips_its_state_and_answers(county: gs.Network) -> None:
    t = gs.Topology(county)
    x = t.exposure()
    # The switch that cuts off the third most customers, and a normally open tie.
    big = x["switch"][int(np.argsort(x["customers"])[-3])]
    ties = t.open_switches()
    t.apply([("open", big), ("close", ties[0])])
    records = json.loads(county.to_json())
    seg = records["segments"][50]["asset"]
    t.apply([("fault", seg)])

    back = _round(t)
    assert isinstance(back, gs.Topology)
    assert _answers(back) == _answers(t)
    assert seg in back.faulted()
    deep = copy.deepcopy(t)
    assert _answers(deep) == _answers(t)
    # Copies are independent: applying to one leaves the other.
    deep.apply([("repair", seg)])
    assert seg in t.faulted() and seg not in deep.faulted()
    assert seg in back.faulted()


def test_topologies_of_one_network_pickle_it_once(county: gs.Network) -> None:
    t1 = gs.Topology(county)
    t2 = t1.copy()
    t2.apply([("close", t1.open_switches()[0])])
    assert t1.network is county and t2.network is county
    one = len(pickle.dumps(county))
    both = pickle.dumps([county, t1, t2])
    assert len(both) < one + 2_000, (len(both), one)
    net, b1, b2 = pickle.loads(both)
    assert b1.network is net and b2.network is net
    assert _answers(b1) == _answers(t1) and _answers(b2) == _answers(t2)


def test_a_state_for_another_network_is_refused(small: gs.Network, county: gs.Network) -> None:
    from gridserve._gridserve import _topology_in_state

    t = gs.Topology(county)
    t.apply([("close", t.open_switches()[0])])
    state = t.__reduce__()[1][1]
    with pytest.raises(gs.PersistError) as e:
        _topology_in_state(small, state)
    assert e.value.error_kind == "invalid"
    with pytest.raises(gs.PersistError) as e:
        _topology_in_state(small, small.to_bytes())
    assert e.value.error_kind == "wrong_kind"


def test_scope_fault_and_plan_round_trip(small: gs.Network) -> None:
    t = gs.Topology(small)
    scope = t.scope([("open", "SW1")])
    back = _round(scope)
    assert back.summary == scope.summary
    assert back.point_assets() == scope.point_assets()
    assert back.customer_ids().tolist() == scope.customer_ids().tolist()
    assert back.report() == scope.report()

    fault = t.fault("L2")
    f2 = _round(fault)
    assert f2.tripped == fault.tripped
    assert f2.scope.point_assets() == fault.scope.point_assets()

    plan = t.planned_outage("L2")
    p2 = _round(plan)
    assert p2.operations == plan.operations
    assert p2.isolators == plan.isolators
    assert p2.scope.summary == plan.scope.summary


def test_a_stale_scope_is_refused(small: gs.Network) -> None:
    t = gs.Topology(small)
    scope = t.scope([("open", "SW1")])
    t.apply([("open", "SW1")])
    with pytest.raises(gs.StaleScopeError):
        pickle.dumps(scope)


def test_tariff_bills_to_the_fen_after_a_round_trip() -> None:
    t = gs.Tariff.default()
    back = _round(t)
    assert back.schedule == t.schedule and back.prices == t.prices
    usage = huizhou_usage()
    assert back.bill(usage) == t.bill(usage)
    assert copy.deepcopy(t) is t
    energy = np.full((3, 28 * 96), 0.25)
    energy[1] *= 3
    terms = [{"customer": f"C{i}", "capacity_kva": 400} for i in range(3)]
    assert back.bill_intervals(energy, "2026-02-01", terms) == t.bill_intervals(
        energy, "2026-02-01", terms
    )


def test_outage_table_gives_the_same_indices() -> None:
    pd = pytest.importorskip("pandas")
    from gridserve import reliability as rel

    feeders = [{"feeder": "F", "substation": "S", "customers": 1000, "load_kva": 5000.0}]
    start = pd.to_datetime(["2023-02-01 08:00", "2023-03-01 08:00", "2023-06-01 08:00"])
    df = pd.DataFrame(
        {
            "id": ["S1", "S2", "M1"],
            "start": start,
            "end": start + pd.to_timedelta([90, 30, 2], unit="min"),
            "cause": ["tree", "fault", "fault"],
            "device": "K1",
            "feeder": "F",
            "customers": [[f"A{i}" for i in range(10)], [f"A{i}" for i in range(5)], ["B1"]],
            "load_kva": [1200.0, 400.0, 0.0],
            "operations": [1, 1, 2],
        }
    )
    table = rel.outage_table(df, feeders)
    back = _round(table)
    assert len(back) == len(table)
    year = ("2023-01-01 00:00", "2024-01-01 00:00")
    a = rel.indices(table, *year)
    b = rel.indices(back, *year)
    assert a.equals(b)
    assert copy.deepcopy(table) is table


def _corrupt(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x40
    return bytes(b)


@pytest.mark.parametrize(
    "bad, kind",
    [
        (b"", "bad_magic"),
        (b"not gridserve at all", "bad_magic"),
        (pickle.dumps({"a": 1}), "bad_magic"),
        (b"GSRV", "truncated"),
    ],
)
def test_foreign_bytes_raise_persist_error(bad: bytes, kind: str) -> None:
    with pytest.raises(gs.PersistError) as e:
        gs.from_bytes(bad)
    assert e.value.error_kind == kind


def test_truncated_and_corrupted_bytes_raise_persist_error(small: gs.Network) -> None:
    data = small.to_bytes()
    for n in range(0, len(data), 7):
        with pytest.raises(gs.PersistError) as e:
            gs.from_bytes(data[:n])
        assert e.value.error_kind in ("truncated", "bad_magic")
    for at in range(HEADER, len(data), 11):
        with pytest.raises(gs.PersistError) as e:
            gs.from_bytes(_corrupt(data, at))
        assert e.value.error_kind == "corrupt"
        assert "checksum" in str(e.value)
    with pytest.raises(gs.PersistError) as e:
        gs.from_bytes(data + b"\0")
    assert e.value.error_kind == "corrupt"
    # Unpickling bytes that were tampered with raises the same error.
    pickled = pickle.dumps(small)
    i = pickled.index(data[:4])
    tampered = pickled[: i + HEADER + 3] + bytes([pickled[i + HEADER + 3] ^ 1]) + pickled[i + HEADER + 4 :]
    with pytest.raises(gs.PersistError):
        pickle.loads(tampered)


def test_a_future_format_version_is_refused_by_name(small: gs.Network) -> None:
    data = bytearray(small.to_bytes())
    struct.pack_into("<H", data, 4, 2)
    with pytest.raises(gs.UnsupportedFormatError) as e:
        gs.from_bytes(bytes(data))
    assert e.value.version == 2 and e.value.supported == 1
    assert "version 2" in str(e.value)
    assert isinstance(e.value, gs.PersistError) and isinstance(e.value, ValueError)


def test_an_unknown_kind_is_refused(small: gs.Network) -> None:
    data = bytearray(small.to_bytes())
    struct.pack_into("<H", data, 6, 999)
    with pytest.raises(gs.PersistError) as e:
        gs.from_bytes(bytes(data))
    assert e.value.error_kind == "wrong_kind"
    assert "999" in str(e.value)


def test_bytes_like_arguments(small: gs.Network) -> None:
    data = small.to_bytes()
    for arg in (bytearray(data), memoryview(data)):
        assert gs.from_bytes(arg).to_json() == small.to_json()
    for arg in ("GSRV", 12, None, [1, 2]):
        with pytest.raises(gs.InvalidArgumentError):
            gs.from_bytes(arg)


def test_handles_refuse_with_a_gridserve_error(small: gs.Network) -> None:
    w = gs.Workflows(small)
    for op in (pickle.dumps, copy.deepcopy, copy.copy):
        with pytest.raises(gs.NotPicklableError) as e:
            op(w)
        assert "Workflows" in str(e.value)
        assert isinstance(e.value, TypeError)
    with pytest.raises(gs.NotPicklableError):
        pickle.dumps(w.system_actor())


def _energized_count(topology: gs.Topology) -> int:
    return topology.energized_count


def test_objects_cross_to_worker_processes(small: gs.Network) -> None:
    t = gs.Topology(small, [("open", "SW1")])
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.apply(_energized_count, (t,)) == t.energized_count
