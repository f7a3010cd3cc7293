"""The tariff engine from Python: bills checked against hand computations, interval data from
numpy, pandas helpers, and every refused input as its exception."""

from decimal import Decimal

import numpy as np
import pytest

import gridserve as gs
from conftest import huizhou_usage

D = Decimal




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
    # Y's peak energy is missing: an error naming the row, the column and the value, never
    # 0 kWh ...
    with pytest.raises(gs.TariffInputError) as e:
        gs.bill_frame(gs.Tariff.default(), frame)
    assert (e.value.kind, e.value.field, e.value.value) == ("missing_value", "peak_kwh", "nan")
    assert "'Y' 2026-02" in e.value.record
    # ... unless the caller says what a missing value means.
    bills = gs.bill_frame(gs.Tariff.default(), frame, defaults={"peak_kwh": 0})
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
    # A Fortran-ordered array is converted (customers × intervals as indexed, not memory order).
    fortran = np.arange(2 * 96, dtype=np.float64).reshape(96, 2).T / 1000
    assert not fortran.flags["C_CONTIGUOUS"]
    got = t.aggregate_intervals(fortran, "2026-02-01")
    want = t.aggregate_intervals(np.ascontiguousarray(fortran), "2026-02-01")
    assert np.array_equal(got["energy_kwh"], want["energy_kwh"])
    # Non-numeric arrays are refused by a gridserve error saying what is expected.
    with pytest.raises(gs.InvalidArgumentError, match="float or integer dtype"):
        t.aggregate_intervals(np.array([["a"] * 96]), "2026-02-01")
    with pytest.raises(gs.InvalidArgumentError, match="2-D"):
        t.aggregate_intervals(np.ones(96), "2026-02-01")
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


# ---------------------------------------------------------------- hardening (issue 14)

NUMERIC_COLUMNS = (
    "capacity_kva",
    "peak_kwh",
    "flat_kwh",
    "valley_kwh",
    "kvarh_forward",
    "kvarh_reverse",
    "max_demand_kw",
)


def usage_frame(pd, rows=2):
    return pd.DataFrame(
        {
            "customer": [f"C{k}" for k in range(rows)],
            "year": [2026] * rows,
            "month": [2] * rows,
            "capacity_kva": [3200.0] * rows,
            "peak_kwh": [300000.0] * rows,
            "flat_kwh": [400000.0] * rows,
            "valley_kwh": [300000.0] * rows,
            "kvarh_forward": [700000.0] * rows,
            "kvarh_reverse": [0.0] * rows,
            "max_demand_kw": [1800.0] * rows,
        }
    )


@pytest.mark.parametrize("column", NUMERIC_COLUMNS + ("year", "month", "customer"))
@pytest.mark.parametrize("missing", [float("nan"), None])
def test_missing_values_in_frames_are_refused_by_name(column, missing):
    pd = pytest.importorskip("pandas")
    frame = usage_frame(pd).astype({column: object})
    frame.loc[1, column] = missing
    with pytest.raises(gs.TariffInputError) as e:
        gs.bill_frame(gs.Tariff.default(), frame)
    assert e.value.kind == "missing_value"
    assert e.value.field == column
    # The row is named by customer and month (or its number when the customer is missing).
    assert ("C1" in e.value.record) or (column == "customer" and "row 1" in e.value.record)


def test_frame_defaults_and_columns():
    pd = pytest.importorskip("pandas")
    t = gs.Tariff.default()
    frame = usage_frame(pd)
    frame.loc[1, "kvarh_forward"] = float("nan")
    # A default for the column is the caller's explicit choice: C1 then has pf 1.00.
    bills = gs.bill_frame(t, frame, defaults={"kvarh_forward": 0})
    assert bills.loc[1, "power_factor"] == D("1.00")
    # A default for a column that does not exist is refused, as is an unknown column.
    with pytest.raises(gs.TariffInputError) as e:
        gs.bill_frame(t, usage_frame(pd), defaults={"kvarh_forwrd": 0})
    assert e.value.field == "kvarh_forwrd"
    frame = usage_frame(pd)
    frame["kvarh_forwrd"] = 1.0
    with pytest.raises(gs.TariffInputError) as e:
        gs.bill_frame(t, frame)
    assert (e.value.kind, e.value.field) == ("invalid_column", "kvarh_forwrd")
    # ... unless listed in ignore=.
    assert len(gs.bill_frame(t, frame, ignore=["kvarh_forwrd"])) == 2
    # Infinity and booleans are not quantities either.
    frame = usage_frame(pd).astype({"capacity_kva": object})
    frame.loc[0, "capacity_kva"] = float("inf")
    with pytest.raises(gs.TariffInputError) as e:
        gs.bill_frame(t, frame)
    assert (e.value.kind, e.value.field) == ("invalid_value", "capacity_kva")


def test_missing_values_in_dicts_are_refused_by_path():
    t = gs.Tariff.default()
    for usage, path in [
        (huizhou_usage(kvarh_forward=float("nan")), "kvarh_forward"),
        (huizhou_usage(energy_kwh={"peak": float("nan")}), "energy_kwh.peak"),
        (huizhou_usage(max_demand_kw=float("-inf")), "max_demand_kw"),
        (
            huizhou_usage(
                sealed=[{"capacity_kva": float("nan"), "from": "2026-02-01", "until": "2026-02-02"}]
            ),
            "sealed[0].capacity_kva",
        ),
    ]:
        # One converter for every JSON-shaped argument: ArgumentParseError naming the path.
        with pytest.raises(gs.exceptions.ArgumentParseError) as e:
            t.bill(usage)
        assert e.value.field == path, (e.value.field, path)
    with pytest.raises(gs.exceptions.ArgumentParseError) as e:
        t.bills([huizhou_usage(), huizhou_usage(kvarh_reverse=float("nan"))])
    assert e.value.field == "[1].kvarh_reverse"
    with pytest.raises(gs.exceptions.ArgumentParseError):
        t.bill_intervals(
            np.ones((1, 96)), "2026-02-01", [{"customer": "a", "capacity_kva": float("nan")}]
        )


def test_unknown_keys_and_variants_name_the_field():
    t = gs.Tariff.default()
    with pytest.raises(gs.ParseError) as e:
        t.bill(huizhou_usage(method="by_magic"))
    assert e.value.field == "method" and "by_magic" in str(e.value)
    with pytest.raises(gs.ParseError) as e:
        t.bill(huizhou_usage(kvarh_forwrd=1))
    assert "kvarh_forwrd" in str(e.value)
    prices = dict(t.prices)
    prices["capacity_price"] = 1
    with pytest.raises(gs.ParseError) as e:
        gs.Tariff(t.schedule, prices)
    assert "capacity_price" in str(e.value)


def test_month_outside_validity():
    t = gs.Tariff.default()  # Huizhou prices from 2026-02-01
    with pytest.raises(gs.NotInForceError) as e:
        t.bill(huizhou_usage(year=2020))
    assert e.value.what == "schedule" and e.value.date == "2020-02-01"
    with pytest.raises(gs.NotInForceError) as e:
        t.bill(huizhou_usage(year=2025, month=6))
    assert (e.value.what, e.value.date) == ("price table", "2025-06-01")
    assert "HZ-3200" in e.value.record
    # A what-if at these prices is the caller's explicit choice: June 2025 bills as June 2026
    # (30 days each, same season).
    june_2025 = t.bill(huizhou_usage(year=2025, month=6), what_if=True)
    assert june_2025["total_yuan"] == t.bill(huizhou_usage(year=2026, month=6))["total_yuan"]
    assert len(t.bills([huizhou_usage(year=2025, month=6)], what_if=True)) == 1
    assert t.tou_finding([huizhou_usage(year=2025, month=6)], what_if=True)["valley_yuan"] > 0


def test_zero_capacity_and_sealed_dates():
    t = gs.Tariff.default()
    with pytest.raises(gs.TariffInputError) as e:
        t.bill(huizhou_usage(capacity_kva=0, max_demand_kw=None))
    assert (e.value.kind, e.value.field) == ("invalid_value", "capacity_kva")
    single = t.bill(huizhou_usage(capacity_kva=0, max_demand_kw=None, method="none"))
    assert single["basic"]["amount_yuan"] == D("0")
    with pytest.raises(gs.TariffInputError) as e:
        t.bill(
            huizhou_usage(
                sealed=[{"capacity_kva": 800, "from": "2026-01-05", "until": "2026-01-20"}]
            )
        )
    assert (e.value.kind, e.value.field, e.value.value) == (
        "invalid_date",
        "sealed.until",
        "2026-01-20",
    )


def test_long_number_literals_in_json_text_are_exact():
    import json

    t = gs.Tariff.default()
    # 20 significant digits: a binary float would carry 700000.12345678901 (17 digits), and
    # the bill would use a reading the meter never gave. As JSON text the literal reaches the
    # bill exactly, the same as the Decimal given in a dict.
    literal = "700000.1234567890123456789"
    text = json.dumps(huizhou_usage(kvarh_forward="@")).replace('"@"', literal)
    from_text = t.bill(text)
    from_decimal = t.bill(huizhou_usage(kvarh_forward=D(literal)))
    from_float = t.bill(huizhou_usage(kvarh_forward=float(literal)))
    assert from_text == from_decimal
    # The reverse reading is whole, so the billed kvarh keeps all 19 decimals of the literal
    # (whatever the rule combining forward and reverse); the float's kvarh does not.
    assert str(from_text["pf"]["kvarh"]).endswith(".1234567890123456789")
    assert not str(from_float["pf"]["kvarh"]).endswith(".1234567890123456789")
    # 29 significant digits as a JSON number: refused by name, never rounded.
    long = text.replace(literal, "3200.0000000000000000000000001")
    with pytest.raises(gs.ParseError) as e:
        t.bill(long)
    assert "kvarh_forward" in str(e.value) and "significant digits" in str(e.value)
    # Text after the JSON value is refused, not ignored.
    with pytest.raises(gs.InvalidArgumentError):
        t.bill(json.dumps(huizhou_usage()) + " 1")


def test_decimals_beyond_28_digits_and_checked_arithmetic():
    t = gs.Tariff.default()
    long = D("3200.0000000000000000000000001")  # 29 significant digits
    with pytest.raises(gs.ParseError) as e:
        t.bill(huizhou_usage(capacity_kva=long))
    assert "capacity_kva" in str(e.value) and "significant digits" in str(e.value)
    with pytest.raises(gs.InvalidArgumentError):
        gs.power_factor(D("1000.0000000000000000000000001"), 484)
    for bad in (float("nan"), float("inf"), D("NaN"), True):
        with pytest.raises(gs.InvalidArgumentError):
            gs.power_factor(bad, 484)
    # Overflow is an error (it used to panic), and None is only for a zero demand price.
    with pytest.raises(gs.TariffInputError) as e:
        gs.break_even_demand_kw(6e16, 6e16, 6e16)
    assert e.value.kind == "overflow"
    with pytest.raises(gs.TariffInputError):
        gs.break_even_demand_kw(6e16, 6e16, 6e16, 6e16)
    with pytest.raises(gs.TariffInputError) as e:
        gs.break_even_demand_kw(1e15, 1e15, 1)
    assert e.value.kind == "overflow"
    assert gs.break_even_demand_kw(3200, D("22.6"), 0) is None


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint16, np.int8]
)
def test_interval_arrays_of_any_numeric_dtype(dtype):
    t = gs.Tariff.default()
    n = 28 * 96
    base = (np.arange(2 * n).reshape(2, n) % 7).astype(np.float64)
    want = t.aggregate_intervals(base, "2026-02-01")
    got = t.aggregate_intervals(base.astype(dtype), "2026-02-01", kvarh_forward=base.astype(dtype))
    for key in ("energy_kwh", "total_kwh", "max_demand_kw"):
        assert np.array_equal(got[key], want[key]), key
    terms = [{"customer": "a", "capacity_kva": 3200}, {"customer": "b", "capacity_kva": 3200}]
    bills = t.bill_intervals(base.astype(dtype), "2026-02-01", terms)
    assert [b["total_yuan"] for b in bills] == [
        b["total_yuan"] for b in t.bill_intervals(base, "2026-02-01", terms)
    ]
    # Python lists are arrays too.
    assert np.array_equal(
        t.aggregate_intervals(base.tolist(), "2026-02-01")["total_kwh"], want["total_kwh"]
    )


def test_interval_sums_are_exact():
    t = gs.Tariff.default()
    terms = [{"customer": "a", "capacity_kva": 3200, "method": "none"}]
    # Two 15-minute valley readings 1.14 + 0.005 kWh: exactly 1.145 → 1.15 kWh (half away
    # from zero); in binary floating point the sum is 1.1449999999999998 → 1.14 kWh.
    assert 1.14 + 0.005 < 1.145
    b = t.bill_intervals(np.array([[1.14, 0.005]]), "2026-04-01T00:00", terms)[0]
    assert b["energy_kwh"] == D("1.15")
    # float32 readings count as the decimals they print as: ten readings of 0.1 are 1.0 kWh
    # exactly (as float32 widened to float64 they would sum to 1.0000000149011612).
    b = t.bill_intervals(np.full((1, 10), 0.1, dtype=np.float32), "2026-04-01T00:00", terms)[0]
    assert b["energy_kwh"] == D("1.00")
    assert t.aggregate_intervals(np.full((1, 10), 0.1, dtype=np.float32), "2026-04-01")[
        "total_kwh"
    ][0] == 1.0


def test_nan_injection_never_bills():
    pd = pytest.importorskip("pandas")
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    t = gs.Tariff.default()

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(
        rows=st.integers(1, 4),
        cells=st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(NUMERIC_COLUMNS)), min_size=1, max_size=4
        ),
        missing=st.sampled_from([float("nan"), None, pd.NaT, np.nan]),
        array_row=st.integers(0, 3),
        array_col=st.integers(0, 95),
        array_bad=st.sampled_from([np.nan, np.inf, -np.inf, -1.0]),
        dtype=st.sampled_from([np.float64, np.float32]),
    )
    def run(rows, cells, missing, array_row, array_col, array_bad, dtype):
        frame = usage_frame(pd, rows).astype({c: object for c in NUMERIC_COLUMNS})
        for r, c in cells:
            frame.loc[r % rows, c] = missing
        with pytest.raises(gs.TariffInputError) as e:
            gs.bill_frame(t, frame)
        assert e.value.kind == "missing_value"
        assert e.value.field in NUMERIC_COLUMNS
        energy = np.ones((rows, 96), dtype=dtype)
        energy[array_row % rows, array_col] = array_bad
        with pytest.raises(gs.IntervalDataError) as e:
            t.bill_intervals(
                energy,
                "2026-02-01",
                [{"customer": f"C{k}", "capacity_kva": 3200} for k in range(rows)],
            )
        assert (e.value.row, e.value.interval) == (array_row % rows, array_col)

    run()
