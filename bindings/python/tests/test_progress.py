"""``progress=`` on long batch calls: a counting callback, a tqdm-like object, cancellation and
exceptions raised by the callback; the answers are the same with and without progress."""

from typing import Any, List, Optional, Tuple

import numpy as np
import pytest

import gridserve as gs
from gridserve import tariff as gtariff

from conftest import huizhou_usage
from test_advice import PRICES, RULES, SCHEDULE, customer_a, customer_b


class Counter:
    """A progress callback that records every call."""

    def __init__(self, stop_after: Optional[int] = None) -> None:
        self.calls: List[Tuple[int, int]] = []
        self.stop_after = stop_after

    def __call__(self, done: int, total: int) -> Optional[bool]:
        self.calls.append((done, total))
        if self.stop_after is not None and done >= self.stop_after:
            return False
        return None


class FakeTqdm:
    """What gridserve needs of a tqdm bar: ``total`` and ``update(n)``."""

    def __init__(self, total: Optional[int] = None) -> None:
        self.total = total
        self.n = 0
        self.updates: List[int] = []

    def update(self, n: int = 1) -> None:
        self.updates.append(n)
        self.n += n


def _check_counts(calls: List[Tuple[int, int]], total: int) -> None:
    dones = [d for d, _ in calls]
    assert all(t == total for _, t in calls)
    assert dones == sorted(set(dones)), "counts only grow"
    assert calls[-1] == (total, total), "the end is reported once"
    # Never per item: at most one report per 1 % of the items, plus the end.
    assert len(calls) <= 102


@pytest.fixture(scope="module")
def readings() -> Tuple[np.ndarray, list]:
    customers = 2_000
    rng = np.random.default_rng(7)
    energy = np.round(rng.uniform(0, 40, size=(customers, 28 * 96)), 3)
    terms = [{"customer": f"C{i}", "capacity_kva": 630} for i in range(customers)]
    return energy, terms


def test_bill_intervals_reports_and_gives_the_same_bills(readings: Any) -> None:
    energy, terms = readings
    t = gs.Tariff.default()
    plain = t.bill_intervals(energy, "2026-02-01", terms, columns=True)
    counter = Counter()
    counted = t.bill_intervals(energy, "2026-02-01", terms, columns=True, progress=counter)
    assert counted == plain
    _check_counts(counter.calls, len(terms))

    bar = FakeTqdm()
    assert t.bill_intervals(energy, "2026-02-01", terms, columns=True, progress=bar) == plain
    assert bar.total == len(terms), "an unset total is set"
    assert bar.n == len(terms)
    assert len(bar.updates) <= 102 and all(u > 0 for u in bar.updates)


def test_a_tqdm_total_set_by_the_caller_is_kept(readings: Any) -> None:
    energy, terms = readings
    bar = FakeTqdm(total=12345)
    gs.Tariff.default().aggregate_intervals(energy, "2026-02-01", progress=bar)
    assert bar.total == 12345
    assert bar.n == len(terms)


def test_aggregate_intervals_reports(readings: Any) -> None:
    energy, terms = readings
    t = gs.Tariff.default()
    counter = Counter()
    got = t.aggregate_intervals(energy, "2026-02-01", progress=counter)
    want = t.aggregate_intervals(energy, "2026-02-01")
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
    _check_counts(counter.calls, len(terms))


def test_returning_false_cancels(readings: Any) -> None:
    energy, terms = readings
    t = gs.Tariff.default()
    counter = Counter(stop_after=0)
    with pytest.raises(gs.CancelledError) as e:
        t.bill_intervals(energy, "2026-02-01", terms, progress=counter)
    assert e.value.total == len(terms)
    assert e.value.done < len(terms)
    assert isinstance(e.value, gs.GridserveError)
    # Nothing after the refusal: the call stopped at its first report.
    assert len(counter.calls) == 1


def test_an_exception_in_the_callback_propagates(readings: Any) -> None:
    energy, terms = readings

    class Boom(Exception):
        pass

    def explode(done: int, total: int) -> None:
        raise Boom(f"{done}/{total}")

    t = gs.Tariff.default()
    with pytest.raises(Boom):
        t.bill_intervals(energy, "2026-02-01", terms, progress=explode)
    with pytest.raises(Boom):
        t.bills([huizhou_usage()] * 10, progress=explode)

    class BadBar:
        total = None

        def update(self, n: int) -> None:
            raise KeyError("bar closed")

    with pytest.raises(KeyError, match="bar closed"):
        t.aggregate_intervals(energy, "2026-02-01", progress=BadBar())


def test_bills_and_bill_frame_report() -> None:
    t = gs.Tariff.default()
    usages = [huizhou_usage(customer=f"C{i}") for i in range(300)]
    counter = Counter()
    assert t.bills(usages, progress=counter) == t.bills(usages)
    _check_counts(counter.calls, 300)
    with pytest.raises(gs.CancelledError):
        t.bills(usages, progress=Counter(stop_after=100))

    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "customer": [f"C{i}" for i in range(150)],
            "year": 2026,
            "month": 2,
            "capacity_kva": 3200,
            "peak_kwh": 300000,
            "flat_kwh": 400000,
            "valley_kwh": 300000,
            "kvarh_forward": 700000,
            "max_demand_kw": 1800,
        }
    )
    bar = FakeTqdm()
    with_bar = gtariff.bill_frame(t, frame, progress=bar)
    assert with_bar.equals(gtariff.bill_frame(t, frame))
    assert bar.n == 150 and bar.total == 150


def test_build_reports_reports() -> None:
    t = gs.Tariff(SCHEDULE, PRICES)
    group = [customer_a(), customer_b()]
    counter = Counter()
    got = gs.build_reports(group, t, "2026-04-05", rules=RULES, progress=counter)
    assert got == gs.build_reports(group, t, "2026-04-05", rules=RULES)
    assert counter.calls == [(0, 2), (1, 2), (2, 2)]
    with pytest.raises(gs.CancelledError) as e:
        gs.build_reports(group, t, "2026-04-05", rules=RULES, progress=lambda d, n: d < 1)
    assert (e.value.done, e.value.total) == (1, 2)


@pytest.mark.parametrize("bad", [3, "tqdm", [1, 2], object(), {}])
def test_a_progress_that_is_neither_callable_nor_a_bar_is_refused(bad: Any) -> None:
    with pytest.raises(gs.InvalidArgumentError, match="progress"):
        gs.Tariff.default().bills([huizhou_usage()], progress=bad)
