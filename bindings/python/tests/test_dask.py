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


def test_scores_on_the_cluster_equal_one_process_bit_for_bit(client, tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(5)
    n = 1000
    frame = pd.DataFrame(
        {
            "customer": [f"C{i:05d}" for i in range(n)],
            "load_factor": rng.uniform(0.2, 0.9, n),
            "valley_share": rng.uniform(0.05, 0.5, n),
            "loss_rate": rng.uniform(0.001, 0.05, n) + 1e6,  # a large offset: cancellation-prone
        }
    )
    files = []
    for k, part in enumerate(np.array_split(np.arange(n), 4)):
        path = tmp_path / f"ind-{k}.parquet"
        pq.write_table(pa.Table.from_pandas(frame.iloc[part], preserve_index=False), path)
        files.append(path)
    columns = ["load_factor", "valley_share", "loss_rate"]
    directions = ["benefit", "benefit", "cost"]
    weights = [0.5, 0.3, 0.2]
    results = {}
    for normalisation in ("vector", "min_max"):
        got = results[normalisation] = gsd.scores(files, columns, weights, directions=directions, normalisation=normalisation)
        whole = frame[columns].to_numpy()
        alone = gs.topsis(whole, weights, directions=directions, normalisation=normalisation, exact=True)
        assert got["closeness"].tolist() == alone["closeness"].tolist(), normalisation
        assert got["rank"].tolist() == alone["rank"].tolist()
        # The default kernel sums in chunk order: equal to within rounding.
        fast = gs.topsis(whole, weights, directions=directions, normalisation=normalisation)
        assert np.allclose(fast["closeness"], alone["closeness"], rtol=0, atol=1e-12)
    # The partitions in another order: the same scores, customer by customer.
    again = gsd.scores(list(reversed(files)), columns, weights, directions=directions)
    assert again.sort_index()["closeness"].tolist() == results["vector"].sort_index()["closeness"].tolist()
    merged = gs.merge_topsis_stats([gs.topsis_stats(frame[columns].to_numpy()[::-1], directions)])
    one = gs.topsis_stats(frame[columns].to_numpy(), directions)
    assert [c["min"] for c in merged["columns"]] == [c["min"] for c in one["columns"]]
