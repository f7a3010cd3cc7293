"""Province jobs on a Dask LocalCluster (two worker processes) equal the single-process
results exactly: bills to the fen, reliability indices bit for bit."""

import sys
from pathlib import Path

import pytest

import gridserve as gs

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
distributed = pytest.importorskip("distributed")

import gridserve.dask as gsd  # noqa: E402
from gridserve import reliability as rel  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
import province  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("province")
    return province.generate(root, customers=600, partitions=3, seed=11)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def test_bills_on_the_cluster_equal_one_process(data, client) -> None:
    curves, terms, _ = data
    tariff = gs.Tariff.default(date="2026-03-01")
    terms_table = pq.read_table(terms)
    on_cluster = gsd.monthly_bills(curves, terms_table, tariff)
    # One process, one call over the whole month (every partition concatenated).
    whole = pa.concat_tables([pq.read_table(f) for f in curves])
    alone = tariff.bill_curves(whole, terms_table).to_pandas()
    assert len(on_cluster) == 600
    pd.testing.assert_frame_equal(on_cluster.reset_index(drop=True), alone.reset_index(drop=True))
    # Money is exact decimal, so "equal" is equal to the fen and beyond.
    assert on_cluster["total_yuan"].map(type).eq(type(alone["total_yuan"][0])).all()


def test_reliability_on_the_cluster_equals_one_process(data, client) -> None:
    _, _, regions = data
    on_cluster = gsd.reliability_by_region(regions, "2025-01-01", "2026-01-01")
    for label, path, feeders in regions:
        alone = rel.indices(gs.OutageTable.from_parquet(path, feeders), "2025-01-01", "2026-01-01")
        got = on_cluster[on_cluster["region"] == label].drop(columns=["region"])
        pd.testing.assert_frame_equal(got, alone)


def test_a_meter_in_two_partitions_is_refused(data, client, tmp_path: Path) -> None:
    curves, terms, _ = data
    with pytest.raises(gs.InvalidArgumentError, match="two partitions"):
        gsd.monthly_bills([curves[0], curves[0]], pq.read_table(terms), gs.Tariff.default(date="2026-03-01"))
    with pytest.raises(gs.InvalidArgumentError):
        gsd.monthly_bills(str(curves[0]), pq.read_table(terms), gs.Tariff.default(date="2026-03-01"))
