"""The tariff engine from Python: bills checked against hand computations, interval data from
numpy, pandas helpers, and every refused input as its exception."""

from decimal import Decimal

import numpy as np
import pytest

import gridserve as gs

D = Decimal


def huizhou_usage(**extra):
    usage = {
        "customer": "HZ-3200",
        "year": 2026,
        "month": 2,
        "capacity_kva": 3200,
        "energy_kwh": {"peak": 300000, "flat": 400000, "valley": 300000},
        "kvarh_forward": 700000,
        "kvarh_reverse": -50000,
        "max_demand_kw": 1800,
    }
    usage.update(extra)
    return usage


def test_huizhou_bill_by_hand():
    t = gs.Tariff.default()
    b = t.bill(huizhou_usage())
    # Energy: 300 000 × 1.105 + 400 000 × 0.65 + 300 000 × 0.247 = 331 500 + 260 000 + 74 100.
    assert b["energy_yuan"] == D("665600")
    # Basic 3200 kVA × 22.6 = 72 320 (reference §1.5).
    assert b["basic"]["amount_yuan"] == D("72320")
    assert b["basic"]["basis"] == "3200 kVA × 22.6 yuan/kVA·month"
    # Q = 700 000 + |−50 000| = 750 000 → pf 0.80 → +5 % of 737 920 = 36 896.
    assert b["pf"]["power_factor"] == D("0.80")
    assert b["pf"]["amount_yuan"] == D("36896")
    assert b["total_yuan"] == D("774816")
    assert isinstance(b["total_yuan"], Decimal)
    assert t.unit_price("sharp") == D("1.3813")  # 0.65 × 2.125 = 1.38125 → 4 decimals, half-up
    assert t.unit_price("deep_valley") is None


def test_demand_methods_and_comparison():
    t = gs.Tariff.default()
    # 800 000 kWh / 3200 kVA = 250 < 260: no discount. 1715 kW contract: 1715 × 36.1 = 61 911.50.
    usage = huizhou_usage(
        energy_kwh={"flat": 800000}, method="contract_demand", contract_demand_kw=1715
    )
    assert t.bill(usage)["basic"]["amount_yuan"] == D("61911.50")
    # Quarter comparison from a year at 1800 kW: contract 1715 kW, 3 × 61 911.50 = 185 734.50;
    # capacity 3 × 72 320 = 216 960; saving 31 225.50.
    history = []
    for k in range(12):
        y, m = (2025, 3 + k) if k < 10 else (2026, k - 9)
        history.append(huizhou_usage(year=y, month=m, energy_kwh={"flat": 800000}, method="capacity"))
    c = t.compare_basic_methods(history)
    assert c["cheapest"] == "contract_demand"
    assert c["cheapest_contract_demand_kw"] == D("1715")
    assert c["saving_yuan"] == D("31225.50")
    assert c["months"] == [[2026, 3], [2026, 4], [2026, 5]]
    # D* = 3200 × 22.6 / 36.1 = 2003.32 kW.
    assert round(c["break_even_kw"], 2) == D("2003.32")
    assert round(gs.break_even_demand_kw(3200, "22.6", "36.1"), 2) == D("2003.32")


def test_power_factor_functions():
    # 1000 kWh, 498 kvarh → 0.89514 → 0.90; 499 → 0.89478 → 0.89.
    assert gs.power_factor(1000, 498) == D("0.90")
    assert gs.power_factor(1000, 499) == D("0.89")
    # Reference §2.4: 0.82 under 0.90 → +4 %; table boundaries of 0.85 and 0.80.
    assert gs.pf_adjustment_pct("0.90", "0.82") == D("4")
    assert gs.pf_adjustment_pct("0.85", "0.64") == D("11")
    assert gs.pf_adjustment_pct("0.80", "0.91") == D("-1.15")
    with pytest.raises(gs.InvalidArgumentError):
        gs.pf_adjustment_pct("0.70", "0.9")
    with pytest.raises(gs.InvalidArgumentError):
        gs.pf_adjustment_pct("0.90", "1.2")
    with pytest.raises(gs.TariffInputError) as e:
        gs.power_factor(0, 10)
    assert e.value.kind == "pf_zero_energy"


def test_interval_bills_from_numpy():
    t = gs.Tariff.default()
    n = 28 * 96  # February 2026, 15-minute intervals
    energy = np.full((2, n), 100.0)  # 400 kW flat
    energy[1, 44] += 150.0  # customer 2: 1000 kW at 11:00 on 1 February
    totals = t.aggregate_intervals(energy, "2026-02-01T00:00")
    # Per day valley 8 h, flat 9 h, peak 7 h at 400 kW → × 28: 89 600 / 100 800 / 78 400 kWh.
    assert totals["energy_kwh"].shape == (2, 5)
    assert list(totals["energy_kwh"][0]) == [0.0, 78400.0, 100800.0, 89600.0, 0.0]
    assert list(totals["max_demand_kw"]) == [400.0, 1000.0]
    terms = [
        {"customer": "A", "capacity_kva": 630, "method": "actual_demand",
         "kvarh_forward": 201600, "kvarh_reverse": 0},
        {"customer": "B", "capacity_kva": 630, "method": "capacity",
         "kvarh_forward": 0, "kvarh_reverse": 0},
    ]
    bills = t.bill_intervals(energy, "2026-02-01T00:00", terms)
    a = bills[0]
    # Energy 78 400 × 1.105 + 100 800 × 0.65 + 89 600 × 0.247 = 86 632 + 65 520 + 22 131.20
    # = 174 283.20. 268 800 kWh / 630 kVA = 426.7 ≥ 260 → demand price 36.1 × 0.9 = 32.49:
    # 400 × 32.49 = 12 996. Q = 201 600 = 0.75 P → pf 0.80 → +5 % of 187 279.20 = 9 363.96.
    # Total 174 283.20 + 12 996 + 9 363.96 = 196 643.16.
    assert a["energy_yuan"] == D("174283.20")
    assert a["basic"]["amount_yuan"] == D("12996")
    assert a["basic"]["discount_applied"] is True
    assert a["pf"]["amount_yuan"] == D("9363.96")
    assert a["total_yuan"] == D("196643.16")
    # B by capacity: 630 × 22.6 = 14 238; pf 1.00 → −0.75 %.
    assert bills[1]["basic"]["amount_yuan"] == D("14238")
    assert bills[1]["pf"]["adjustment_pct"] == D("-0.75")
    cols = t.bill_intervals(energy, "2026-02-01T00:00", terms, columns=True)
    assert cols["customer"] == ["A", "B"]
    assert cols["total_yuan"][0] == D("196643.16")
    assert cols["valley_yuan"][0] == D("22131.20")
    assert cols["max_demand_kw"] == [D("400"), D("1000")]


def test_pandas_helpers():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "customer": ["X", "Y"],
            "year": [2026, 2026],
            "month": [2, 2],
            "capacity_kva": [3200, 1000],
            "peak_kwh": [300000.0, float("nan")],
            "flat_kwh": [400000.0, 1000.0],
            "valley_kwh": [300000.0, 0.0],
            "kvarh_forward": [750000, 0],
        }
    )
    bills = gs.bill_frame(gs.Tariff.default(), frame)
    assert list(bills["customer"]) == ["X", "Y"]
    assert bills.loc[0, "total_yuan"] == D("774816")
    # Y: 1000 × 0.65 = 650 energy, 1000 × 22.6 = 22 600 basic, pf 1.00 → −0.75 % of 23 250
    # = −174.375 → −174.38 (half away from zero). Total 650 + 22 600 − 174.38 = 23 075.62.
    assert bills.loc[1, "pf_yuan"] == D("-174.38")
    assert bills.loc[1, "total_yuan"] == D("23075.62")
    n = 28 * 96
    totals = gs.Tariff.default().aggregate_intervals(np.ones((3, n)), "2026-02-01")
    df = gs.interval_totals_frame(totals, ["a", "b", "c"])
    assert list(df.index) == ["a", "b", "c"]
    assert df.loc["a", "valley_kwh"] == 28 * 32.0


SCHEDULE = {
    "name": "t",
    "effective_from": "2024-01-01",
    "seasons": [
        {
            "name": "all",
            "months": list(range(1, 13)),
            "periods": [
                {"period": "valley", "hours": [[0, 8]]},
                {"period": "flat", "hours": [[8, 10], [19, 24]]},
                {"period": "peak", "hours": [[10, 12], [14, 19]]},
            ],
        }
    ],
}


def test_refused_inputs():
    t = gs.Tariff.default()
    # Negative energy.
    with pytest.raises(gs.TariffInputError) as e:
        t.bill(huizhou_usage(energy_kwh={"flat": -5}))
    assert (e.value.kind, e.value.field, e.value.value) == ("negative_quantity", "energy_kwh.flat", "-5")
    assert isinstance(e.value, ValueError)
    # Reactive energy without active energy.
    with pytest.raises(gs.TariffInputError) as e:
        t.bill(huizhou_usage(energy_kwh={}, kvarh_forward=10, kvarh_reverse=0))
    assert e.value.kind == "pf_zero_energy"
    # Demand without capacity.
    with pytest.raises(gs.TariffInputError) as e:
        t.bill(huizhou_usage(capacity_kva=0, method="actual_demand"))
    assert e.value.kind == "demand_without_capacity"
    # Unknown period name (a KeyError).
    with pytest.raises(gs.UnknownPeriodError) as e:
        t.bill(huizhou_usage(energy_kwh={"shoulder": 1}))
    assert e.value.name == "shoulder"
    assert isinstance(e.value, KeyError)
    # A schedule with a gap: 12:00–14:00 uncovered.
    prices = t.prices
    with pytest.raises(gs.ScheduleError) as e:
        gs.Tariff(SCHEDULE, prices)
    assert (e.value.kind, e.value.start, e.value.end) == ("schedule_gap", "12:00", "14:00")
    # ... and with an overlap.
    overlapping = {**SCHEDULE, "seasons": [dict(SCHEDULE["seasons"][0])]}
    overlapping["seasons"][0]["periods"] = SCHEDULE["seasons"][0]["periods"] + [
        {"period": "flat", "hours": [[12, 14.5]]}
    ]
    with pytest.raises(gs.ScheduleError) as e:
        gs.Tariff(overlapping, prices)
    assert (e.value.kind, e.value.first, e.value.second) == ("schedule_overlap", "peak", "flat")
    assert (e.value.start, e.value.end) == ("14:00", "14:30")
    # Prices missing a period the schedule uses (Guangdong has sharp hours).
    no_sharp = dict(prices)
    no_sharp["multipliers"] = {k: v for k, v in prices["multipliers"].items() if k != "sharp"}
    with pytest.raises(gs.PriceError) as e:
        gs.Tariff(t.schedule, no_sharp)
    assert (e.value.kind, e.value.period) == ("price_missing_period", "sharp")
    # Malformed JSON.
    with pytest.raises(gs.ParseError):
        t.bill("{not json")
    # No table in force.
    with pytest.raises(gs.NotInForceError):
        gs.Tariff.default(date="2020-01-01")
    # Interval data: NaN, shape, non-contiguous arrays.
    bad = np.ones((2, 96))
    bad[1, 5] = np.nan
    with pytest.raises(gs.IntervalDataError) as e:
        t.aggregate_intervals(bad, "2026-02-01", ids=["a", "b"])
    assert (e.value.kind, e.value.customer, e.value.row, e.value.interval) == ("bad_reading", "b", 1, 5)
    with pytest.raises(gs.IntervalDataError) as e:
        t.aggregate_intervals(np.ones((2, 40 * 96)), "2026-02-01")
    assert e.value.kind == "bad_layout"
    with pytest.raises(gs.InvalidArgumentError):
        t.aggregate_intervals(np.ones((96, 2)).T, "2026-02-01")
    with pytest.raises(gs.IntervalDataError) as e:
        t.bill_intervals(np.ones((2, 96)), "2026-02-01", [{"customer": "a", "capacity_kva": 1}])
    assert e.value.kind == "shape_mismatch"


def test_findings():
    t = gs.Tariff.default()
    usages = [
        # April: 720 000 kWh in 30 days = 1000 kW average; Q = 540 000 → pf 0.80 → surcharge.
        {"customer": "C", "year": 2026, "month": 4, "capacity_kva": 3200,
         "energy_kwh": {"peak": 200000, "flat": 220000, "valley": 300000}, "kvarh_forward": 540000},
        {"customer": "C", "year": 2026, "month": 5, "capacity_kva": 3200,
         "energy_kwh": {"peak": 200000, "flat": 220000, "valley": 300000}, "kvarh_forward": 0},
    ]
    pf = t.pf_finding(usages)
    assert pf["surcharge_months"] == 1 and pf["keep"] is False
    assert pf["target_pf"] == D("0.95")
    # Q_c = 1000 × (0.75 − 0.328684) = 421.32 kvar.
    assert abs(pf["months"][0]["compensation_kvar"] - 421.316) < 0.01
    tou = t.tou_finding(usages)
    # Valley 2 × 300 000 × 0.247 = 148 200; peak 2 × 200 000 × 1.105 = 442 000.
    assert tou["valley_yuan"] == D("148200")
    assert tou["peak_sharp_yuan"] == D("442000")
    assert tou["excellent"] is False
    assert t.period_at("2026-07-15T11:30") == "sharp"
    assert t.period_at("2026-05-20T15:30", {"sharp_days": ["2026-05-20"]}) == "sharp"
    assert t.period_at("2026-05-21 15:30") == "peak"
