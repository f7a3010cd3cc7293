"""Fused snapshots: store, list, load, delete, and the diff as dicts and as a DataFrame."""

import datetime as dt
import pickle
import shutil
from pathlib import Path

import pandas as pd
import pytest

import gridserve as gs
import gridserve.exceptions

SAMPLE = Path(__file__).parents[3] / "examples" / "data" / "county-sources"
TABLES = {
    "pms": "pms_equipment.csv",
    "gis": "gis_connectivity.csv",
    "customers": "sg186_customers.csv",
    "contacts": "sg186_contacts.csv",
    "meters": "sg186_meters.csv",
    "ami_events": "ami_events.csv",
    "da_events": "da_events.csv",
}


def fuse(folder: Path) -> gs.Integrated:
    return gs.integrate(**{arg: folder / name for arg, name in TABLES.items()})


def edit(path: Path, key: str, column: str, value: str) -> None:
    """Sets ``column`` of the row keyed ``key`` in a CSV file without quoted cells."""
    lines = path.read_text(encoding="utf-8").splitlines()
    col = lines[0].split(",").index(column)
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == key:
            cells[col] = value
            lines[i] = ",".join(cells)
            break
    else:
        raise AssertionError(key)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_store_list_load_and_delete(tmp_path: Path) -> None:
    store = gs.SnapshotStore(tmp_path / "g.db")
    snap = fuse(SAMPLE).snapshot(watermarks={"pms_equipment": {"sequence": 41}})
    assert snap.watermarks == {"pms_equipment": {"sequence": 41}}
    # The sample's README: 2,043 customers.
    assert snap.counts()["customer"] == 2043
    first = store.store(snap, label="night 1", at=dt.datetime(2026, 3, 1, 2, 0))
    assert first["version"] == 1
    assert first["label"] == "night 1"
    # A naive time is China Standard Time.
    assert first["taken_at"] == "2026-03-01T02:00:00+08:00"
    second = store.store(snap)
    assert second["version"] == 2
    assert [s["version"] for s in store.list()] == [1, 2]
    assert store.load(1) == snap
    assert store.info(2)["customers"] == 2043
    store.delete(2)
    # Versions are never reused.
    assert store.store(snap)["version"] == 3
    with pytest.raises(gridserve.exceptions.UnknownSnapshotError) as e:
        store.load(2)
    assert e.value.version == 2
    assert isinstance(e.value, KeyError)
    with pytest.raises(gs.UnknownSnapshotError):
        store.delete(2)
    # A second store on the same file sees the same snapshots.
    assert [s["version"] for s in gs.SnapshotStore(tmp_path / "g.db").list()] == [1, 3]


def test_a_snapshot_pickles_and_the_store_refuses() -> None:
    snap = fuse(SAMPLE).snapshot()
    assert pickle.loads(pickle.dumps(snap)) == snap
    assert gs.from_bytes(snap.to_bytes()) == snap
    assert snap.network().point_count > 0


def test_a_corrupt_body_is_a_typed_error(tmp_path: Path) -> None:
    import sqlite3

    store = gs.SnapshotStore(tmp_path / "g.db")
    store.store(fuse(SAMPLE).snapshot())
    with sqlite3.connect(tmp_path / "g.db") as raw:
        raw.execute("UPDATE snapshots SET body = x'00010203' WHERE version = 1")
    with pytest.raises(gridserve.exceptions.CorruptStoreError) as e:
        store.load(1)
    assert e.value.what == "snapshot 1"
    with pytest.raises(gridserve.exceptions.NotPicklableError):
        pickle.dumps(store)


def test_the_nightly_diff_names_the_changed_rows_as_a_frame(tmp_path: Path, sources: Path) -> None:
    store = gs.SnapshotStore(tmp_path / "g.db")
    night1 = store.store(fuse(sources).snapshot())["version"]
    edit(sources / "pms_equipment.csv", "T0000005", "rated_kva", "160")
    edit(sources / "sg186_contacts.csv", "1000000010", "phone", "13900001111")
    night2 = store.store(fuse(sources).snapshot())["version"]

    frame = store.diff_frame(night1, night2)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["kind", "key", "change", "field", "old", "new"]
    rows = sorted(frame.itertuples(index=False, name=None))
    # The sample's ledger rates T0000005 at 100 kVA; the contact's phone was 13506290963,
    # masked by default to its first 3 and last 4 digits.
    assert rows == [
        ("contact", "1000000010/1", "changed", "phone", "135****0963", "139****1111"),
        ("line", "T0000005", "changed", "rated_kva", "100.0", "160.0"),
    ]
    clear = store.diff_frame(night1, night2, roles=["customer_manager"])
    assert "13900001111" in set(clear["new"])
    d = store.diff(night1, night2)
    assert d["counts"]["line"] == {"added": 0, "removed": 0, "changed": 1}
    assert d["counts"]["point"] == {"added": 0, "removed": 0, "changed": 0}
    # The same diff from the loaded snapshots, and nothing against itself.
    a, b = store.load(night1), store.load(night2)
    assert a.diff(b) == d
    assert a.diff_frame(a).empty
    with pytest.raises(gs.InvalidArgumentError):
        store.diff(night1, night2, roles="customer_manager")
