"""Reliability from Python: vector R1 of the reference (reliability_vectors.py), refused
inputs, statistics."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

import gridserve as gs
from gridserve import reliability as rel

pd = pytest.importorskip("pandas")

FEEDERS = [{"feeder": "F", "substation": "S", "customers": 1000, "load_kva": 5000.0}]


def _r1() -> "pd.DataFrame":
    # Vector R1: groups A = 100, B = 200, C = 50, D = 650 customers; sustained A+B 90 min
    # 1200 kVA, A 30 min 400 kVA, C 480 min 600 kVA, A 120 min 400 kVA; momentary B (2 device
    # operations), C (1).
    a = [f"A{i}" for i in range(100)]
    b = [f"B{i}" for i in range(200)]
    c = [f"C{i}" for i in range(50)]
    rows = [
        ("S1", "2023-02-01 08:00", 90, a + b, 1200.0, 1),
        ("S2", "2023-03-01 08:00", 30, a, 400.0, 1),
        ("S3", "2023-04-01 08:00", 480, c, 600.0, 1),
        ("S4", "2023-05-01 08:00", 120, a, 400.0, 1),
        ("M1", "2023-06-01 08:00", 2, b, 0.0, 2),
        ("M2", "2023-06-02 08:00", 1, c, 0.0, 1),
    ]
    start = pd.to_datetime([r[1] for r in rows])
    return pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "start": start,
            "end": start + pd.to_timedelta([r[2] for r in rows], unit="min"),
            "cause": "fault",
            "device": "K1",
            "feeder": "F",
            "customers": [r[3] for r in rows],
            "load_kva": [r[4] for r in rows],
            "operations": [r[5] for r in rows],
        }
    )


def test_vector_r1_from_pandas() -> None:
    table = rel.outage_table(_r1(), FEEDERS)
    assert len(table) == 6
    x = rel.indices(
        table,
        "2023-01-01 00:00",
        "2024-01-01 00:00",
        celid_single_min=[360.0],
        celid_total_min=[180.0],
    ).loc["system"]
    # reliability_vectors.py output.
    assert x["saifi"] == pytest.approx(0.55, rel=1e-12)
    assert x["saidi_min"] == pytest.approx(66.0, rel=1e-12)
    assert x["caidi_min"] == pytest.approx(120.0, rel=1e-12)
    assert x["caifi"] == pytest.approx(1.5714285714, rel=1e-10)
    assert x["ctaidi_min"] == pytest.approx(188.5714286, rel=1e-9)
    assert x["asai"] == pytest.approx(0.9998744292, abs=5e-11)  # 10 digits given
    assert x["asifi"] == pytest.approx(0.52, rel=1e-12)
    assert x["asidi_min"] == pytest.approx(91.2, rel=1e-12)
    assert x["maifi"] == pytest.approx(0.45, rel=1e-12)
    assert x["maifi_e"] == pytest.approx(0.25, rel=1e-12)
    assert (x["cemi_1"], x["cemi_2"], x["cemi_3"]) == (0.10, 0.10, 0.0)
    assert (x["cemsmi_1"], x["cemsmi_2"]) == (0.35, 0.10)
    assert x["celid_s_360min"] == pytest.approx(0.05)
    assert x["celid_t_180min"] == pytest.approx(0.15)
    d = rel.dlt836(table, dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert d["aihc1_h"] == pytest.approx(1.1, rel=1e-12)
    assert d["rs1_pct"] == pytest.approx(99.98744292, abs=5e-9)


def test_vector_r2_threshold() -> None:
    daily = [0, 0.5, 1, 0, 2, 4, 8, 0.25, 3, 1.5, 0, 0.75, 6]
    assert rel.med_threshold(daily)["t_med_min"] == pytest.approx(27.06438479, abs=1e-8)
    assert rel.med_threshold(daily, "population")["t_med_min"] == pytest.approx(
        23.45474482, abs=1e-8
    )
    with pytest.raises(gs.NotEnoughHistoryError) as e:
        rel.med_threshold([0.0, 1.0])
    assert e.value.nonzero_days == 1


def test_refused_records_name_record_field_and_value() -> None:
    df = _r1()
    df.loc[1, "end"] = df.loc[1, "start"] - pd.Timedelta(minutes=1)
    with pytest.raises(gs.InvalidOutageRecordsError) as e:
        rel.outage_table(df, FEEDERS)
    assert isinstance(e.value, ValueError)
    p = e.value.problems[0]
    assert (p["record"], p["field"], p["kind"]) == ("S2", "end", "end_before_start")

    # A negative count is refused as it is read, naming the line (row 5 + 2) and the column.
    counts = _r1().drop(columns=["customers"]).assign(customers_count=[300, 100, 50, 100, 200, -1])
    assert _parse_error(counts) == (7, "customers_count")

    too_many = _r1().drop(columns=["customers"]).assign(customers_count=1001)
    with pytest.raises(gs.InvalidOutageRecordsError) as e:
        rel.outage_table(too_many, FEEDERS)
    assert e.value.problems[0]["kind"] == "more_than_served"


def test_counts_only_leave_per_customer_indices_empty() -> None:
    df = _r1().drop(columns=["customers"]).assign(customers_count=[300, 100, 50, 100, 200, 50])
    table = rel.outage_table(df, FEEDERS)
    x = rel.indices(table, "2023-01-01 00:00", "2024-01-01 00:00").loc["system"]
    assert x["saifi"] == pytest.approx(0.55)
    assert x["count_only_record"] == "S1"
    assert "caifi" not in x.index


def test_statistics_and_lost_sales() -> None:
    df = _r1()
    df["load_kw"] = 100.0
    df["reported"] = df["start"] + pd.Timedelta(minutes=10)
    df["dispatched"] = df["reported"] + pd.to_timedelta([10, 20, 30, 40, 50, 60], unit="min")
    table = rel.outage_table(df, FEEDERS)
    months = rel.frequency_duration(table, "2023-01-01 00:00", "2024-01-01 00:00", "month")
    assert list(months["outages"]) == [0, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0]
    st = rel.stage_durations(table, "2023-01-01 00:00", "2024-01-01 00:00", [50.0])
    # 10..60 minutes: the median by linear interpolation is 35 (numpy's default agrees).
    assert st.iloc[0]["p50_min"] == pytest.approx(float(np.percentile([10, 20, 30, 40, 50, 60], 50)))
    # 100 kW over 90+30+480+120+2+1 = 723 minutes = 1205 kWh; at 0.5 yuan = 602.50.
    ls = rel.lost_sales(table, "2023-01-01 00:00", "2024-01-01 00:00", "0.5")
    assert ls["energy_kwh"] == pytest.approx(1205.0)
    assert ls["sales_yuan"] == Decimal("602.50")
    w = rel.worst(table, "2023-01-01 00:00", "2024-01-01 00:00", "device", "outages", 1)
    assert list(w.index) == ["K1"]
    with pytest.raises(gs.InvalidArgumentError):
        rel.frequency_duration(table, "2023-01-01 00:00", "2024-01-01 00:00", "colour")


# ---------------------------------------------------------------- missing values and defaults

YEAR = ("2023-01-01 00:00", "2024-01-01 00:00")


def _problems(df: "pd.DataFrame") -> list:
    with pytest.raises(gs.InvalidOutageRecordsError) as e:
        rel.outage_table(df, FEEDERS)
    return [(p["record"], p["field"], p["kind"]) for p in e.value.problems]


def _parse_error(df: "pd.DataFrame") -> tuple:
    """The line (row + 2) and column of the cell a frame is refused for: the error the CSV
    layout gives for the same table."""
    with pytest.raises(gs.ParseError) as e:
        rel.outage_table(df, FEEDERS)
    assert e.value.file == "outages"
    return (e.value.line, e.value.field)


def test_a_missing_start_or_end_is_refused_by_record() -> None:
    # A NaT start used to become the "unknown" sentinel: the record fell out of every period
    # and SAIFI silently dropped.
    df = _r1()
    df.loc[2, "start"] = pd.NaT
    assert _parse_error(df) == (4, "start")
    df = _r1()
    df.loc[4, "end"] = pd.NaT
    assert _parse_error(df) == (6, "end")
    # The message says the cell is empty (not "-9223372036854775808 lies before the start").
    with pytest.raises(gs.ParseError) as e:
        rel.outage_table(df, FEEDERS)
    assert "-9223372036854775808" not in str(e.value)
    assert "empty" in str(e.value)


def test_a_count_that_differs_from_the_list_is_refused() -> None:
    # The CSV reader refuses this record; the frame reader used to overwrite the count with
    # the list's length.
    df = _r1().assign(customers_count=[300, 100, 50, 100, 200, 49])
    assert _parse_error(df) == (7, "customers_count")
    # Equal counts are accepted; a missing count takes the list's length.
    ok = _r1().assign(customers_count=[300, np.nan, 50, 100, 200, 50])
    x = rel.indices(rel.outage_table(ok, FEEDERS), *YEAR).loc["system"]
    assert x["saifi"] == pytest.approx(0.55, rel=1e-12)  # vector R1, as above
    # No list and no count: refused, not 0 customers.
    no_list = _r1()
    no_list.at[3, "customers"] = None
    assert _parse_error(no_list) == (5, "customers_count")


def test_missing_numbers_and_flags_are_refused() -> None:
    df = _r1()
    df.loc[0, "load_kva"] = np.nan  # used to become 0
    assert _parse_error(df) == (2, "load_kva")
    df = _r1().assign(planned=[False, None, False, False, False, False])  # used to become False
    assert _parse_error(df) == (3, "planned")
    df = _r1().assign(operations=[1, 1, 1, 1, np.nan, 1])  # used to become 1
    assert _parse_error(df) == (6, "operations")
    bad = _r1().assign(operations=[1, 1, 1, 1, 2.5, 1])
    assert _parse_error(bad) == (6, "operations")
    # Words are read as the CSV layout reads them: yes/no are booleans, others are refused.
    words = _r1().assign(planned=["no"] * 6)
    assert len(rel.outage_table(words, FEEDERS)) == 6
    with pytest.raises(gs.GridserveError, match="planned"):
        rel.outage_table(_r1().assign(planned=["perhaps"] * 6), FEEDERS)


def test_optional_columns_left_out_take_the_core_defaults() -> None:
    # The same records through the CSV reader, whose defaults are the core's (cause and
    # device empty, not planned, load 0, one operation), give the same indices.
    df = pd.DataFrame(
        {
            "id": ["a", "b"],
            "start": pd.to_datetime(["2023-05-01 08:00", "2023-06-01 08:00"]),
            "end": pd.to_datetime(["2023-05-01 09:00", "2023-06-01 08:03"]),
            "feeder": "F",
            "customers_count": [10, 20],
        }
    )
    csv = (
        "id,start,end,cause,device,feeder,customers_count\n"
        "a,2023-05-01 08:00,2023-05-01 09:00,,,F,10\n"
        "b,2023-06-01 08:00,2023-06-01 08:03,,,F,20\n"
    )
    import json

    from gridserve._gridserve import OutageTable

    other = OutageTable.from_csv_text(csv, json.dumps(FEEDERS))
    a = rel.indices(rel.outage_table(df, FEEDERS), *YEAR)
    b = rel.indices(other, *YEAR)
    pd.testing.assert_frame_equal(a, b)
    # SAIFI = 10/1000 (the 3-minute record is momentary), MAIFI = 20/1000.
    assert a.loc["system", "saifi"] == pytest.approx(0.01)
    assert a.loc["system", "maifi"] == pytest.approx(0.02)


def test_unknown_columns_and_option_keywords_are_refused() -> None:
    table = rel.outage_table(_r1(), FEEDERS)
    # A misspelled keyword used to be ignored and the default used.
    with pytest.raises(gs.GridserveError, match="momentary_max"):
        rel.indices(table, *YEAR, momentary_max=3)
    with pytest.raises(gs.GridserveError, match="momentary_max"):
        rel.daily_saidi(table, *YEAR, momentary_max=3)
    assert rel.indices(table, *YEAR, momentary_max_min=3).loc["system", "saifi"] > 0
    # A NaN option names the key (it used to be "expected value at line 1 column 23").
    with pytest.raises(gs.GridserveError, match="momentary_max_min"):
        rel.indices(table, *YEAR, momentary_max_min=float("nan"))
    with pytest.raises(gs.GridserveError, match="celid_single_min"):
        rel.indices(table, *YEAR, celid_single_min=[360.0, float("inf")])
    with pytest.raises(gs.GridserveError, match="durration"):
        rel.outage_table(_r1().assign(durration=1), FEEDERS)
    with pytest.raises(gs.GridserveError, match="load"):
        rel.outage_table(_r1(), [dict(FEEDERS[0], load=1.0)])


def test_mixed_offsets_in_a_time_column() -> None:
    # One cell with +08:00, one in UTC and naive ones (China Standard Time): the same
    # instants as the all-naive frame. pandas alone gives an object column (AttributeError).
    df = _r1()
    naive = df["start"].tolist()
    cells = [t.strftime("%Y-%m-%d %H:%M") for t in naive]
    cells[0] = naive[0].strftime("%Y-%m-%dT%H:%M+08:00")
    cells[1] = (naive[1] - pd.Timedelta(hours=8)).strftime("%Y-%m-%dT%H:%MZ")
    mixed = df.assign(start=cells)
    a = rel.indices(rel.outage_table(mixed, FEEDERS), *YEAR)
    b = rel.indices(rel.outage_table(df, FEEDERS), *YEAR)
    pd.testing.assert_frame_equal(a, b)
    bad = df.assign(start=["not a time"] + cells[1:])
    with pytest.raises(gs.GridserveError, match="start"):
        rel.outage_table(bad, FEEDERS)
