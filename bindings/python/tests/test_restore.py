"""Outage inference, FLISR plans and loading from Python, on the small network of conftest:

    BUS -CB1- A -L1- B -SW1- C -L2- D -T1- LV (customer C2, first class, 300 kW)
                     B -F1(fuse)- E (customer C1, 50 kW)
    D -TIE(normally open, remote)- X -CB2- BUS2; sources S1 on BUS and S2 on BUS2 (8000 kVA).

No segment has a rating, so only the sources' capacities limit a transfer.
"""

import pytest

import gridserve as gs
from conftest import SMALL


@pytest.fixture()
def topo() -> gs.Topology:
    return gs.Topology(gs.Network.from_csv_texts(dict(SMALL)))


def test_infer_rolls_reports_up_to_the_lowest_explaining_device(topo: gs.Topology) -> None:
    # C2 alone reports: its lowest device is SW1 (D hangs from L2 below SW1; T1 is a
    # transformer, not a switch); SW1 covers 1 customer with 1 report, CB1 covers 2 with the
    # same report: SW1.
    out = topo.infer([{"kind": "power_off", "customer": "C2"}])
    assert out["outages"]["device"] == ["SW1"]
    assert out["outages"]["device_type"] == ["switch"]
    assert out["outages"]["evidence"] == [[0]]
    # C1 calls too: CB1 explains both reports (2 of 2 customers).
    out = topo.infer(
        [{"kind": "power_off", "customer": "C2"}, {"kind": "call", "customer": "C1"}],
        {"report_rate": 0.8},
    )
    assert out["outages"]["device"] == ["CB1"]
    assert out["outages"]["confidence"] == [1.0]


def test_infer_lists_contradicting_reports(topo: gs.Topology) -> None:
    out = topo.infer(
        [{"kind": "power_off", "customer": "C2"}, {"kind": "power_on", "asset": "LV"}]
    )
    assert out["contradicting"] == [1]
    assert out["outages"]["reports_on"] == [1]


def test_infer_errors_are_gridserve_errors(topo: gs.Topology) -> None:
    with pytest.raises(gs.UnknownCustomerError):
        topo.infer([{"kind": "call", "customer": "NOBODY"}])
    with pytest.raises(gs.exceptions.InvalidEvidenceError) as e:
        topo.infer([{"kind": "trip", "asset": "L1"}])
    assert (e.value.index, e.value.field) == (0, "asset")
    with pytest.raises(gs.exceptions.ArgumentParseError):
        topo.infer([{"kind": "call", "customer": "C1", "meter": "M1"}])
    with pytest.raises(gs.exceptions.InvalidOptionError) as o:
        topo.infer([], {"report_rate": 0})
    assert o.value.field == "report_rate"


def test_restoration_plan_on_the_small_network(topo: gs.Topology) -> None:
    # A fault on L2 (C–D): CB1 trips (SW1 does not protect); C1 and C2 are out (350 kW). The
    # section is {C, D} (T1 and LV hang on it by a transformer, not a switch), bounded by SW1
    # (supply side, remote) and the open TIE. Steps: open SW1, re-close CB1 (C1 back, 50 kW).
    # C2 sits in the section and stays out; TIE is never closed onto it.
    plan = topo.restoration_plan("L2")
    assert plan["tripped"] == ["CB1"]
    assert plan["section"] == ["C", "D", "LV"]
    steps = plan["steps"]
    assert steps["device"] == ["SW1", "CB1"]
    assert steps["action"] == ["open", "close"]
    assert steps["stage"] == ["isolate", "upstream"]
    assert steps["customers_restored"] == [0, 1]
    assert steps["load_restored_kw"] == [0.0, 50.0]
    # CB1's headroom: S1 usable 0.9 × 8000 less 50 kW / 0.9.
    assert steps["headroom_kva"][1] == pytest.approx(7200 - 50 / 0.9)
    assert (plan["customers_out"], plan["customers_remaining"]) == (2, 1)
    assert plan["operations"][:2] == [["fault", "L2"], ["open", "CB1"]]


def test_restoration_plan_transfers_through_the_tie(topo: gs.Topology) -> None:
    # A fault on L1 (A–B): CB1 trips and isolates the supply side; SW1 and F1 isolate the
    # downstream side (remote first: SW1, then the fuse). {C, D, LV} (C2, 300 kW) goes over
    # TIE to S2: headroom 7200 − 0 = 7200 kVA, 7200 − 333.33 after.
    plan = topo.restoration_plan("L1", {"capacity": {"reserve_margin": 0.1}})
    steps = plan["steps"]
    assert steps["device"] == ["SW1", "F1", "TIE"]
    assert steps["stage"] == ["isolate", "isolate", "transfer"]
    assert steps["customers_restored"] == [0, 0, 1]
    assert steps["source"][2] == "S2"
    assert steps["headroom_kva"][2] == pytest.approx(7200 - 300 / 0.9)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(steps)
    assert list(frame["device"]) == ["SW1", "F1", "TIE"]


def test_restoration_plan_errors(topo: gs.Topology) -> None:
    with pytest.raises(gs.UnknownElementError):
        topo.restoration_plan("NOPE")
    with pytest.raises(gs.exceptions.ArgumentParseError):
        topo.restoration_plan("L1", {"allow_loop": True})
    with pytest.raises(gs.exceptions.InvalidOptionError):
        topo.restoration_plan("L1", {"capacity": {"power_factor": 2}})


def test_loading_columns(topo: gs.Topology) -> None:
    load = topo.loading()
    assert load["sources"]["source"] == ["S1", "S2"]
    # S1 carries 350 kW = 388.9 kVA of 8000; S2 nothing.
    assert load["sources"]["load_kw"] == [350.0, 0.0]
    assert load["sources"]["utilisation"][0] == pytest.approx(350 / 0.9 / 8000)
    # Only the transformer T1 is rated: 300 kW → 333.3 kVA of 400.
    assert load["lines"]["line"] == ["T1"]


def test_predict_reliability(topo: gs.Topology) -> None:
    # Only segments fail, 1 a km-year; L1 and L2 are 100 m: 0.1 a year each. A fault on L1
    # trips CB1 (C1, C2 out, 350 kW) and on L2 too. Without FLISR: CI 0.2 × 2 = 0.4 over 2
    # customers, SAIFI 0.2; SAIDI 0.2 × 240 = 48 min; ENS 0.2 × 350 × 4 = 280 kWh.
    rates = {
        "overhead_per_km_year": 1.0,
        "cable_per_km_year": 0,
        "transformer_per_year": 0,
        "switch_per_year": 0,
    }
    p = topo.predict_reliability(rates)
    # S2 feeds only X (no customers): a feeder of 0 customers with nothing to count.
    assert p["feeders"]["source"] == ["S1", "S2"]
    assert p["feeders"]["customers"] == [2, 0]
    assert p["feeders"]["saifi"][0] == pytest.approx(0.2)
    assert p["feeders"]["saidi_min"][0] == pytest.approx(48.0)
    assert p["feeders"]["ens_kwh"][0] == pytest.approx(280.0)
    # With FLISR: L1: SW1 3 min, F1 63 (manual), TIE 66 (C2, 300 kW); C1 waits 240.
    # L2: SW1 3, CB1 6 (C1, 50 kW); C2 waits 240 in the section.
    # CMI 0.1 × (66 + 240) + 0.1 × (6 + 240) = 55.2 → SAIDI 27.6.
    assert p["feeders"]["saidi_min_flisr"][0] == pytest.approx(27.6)
    assert p["system_flisr"]["customers"] == 2
    with pytest.raises(gs.exceptions.InvalidOptionError):
        topo.predict_reliability({"repair_h": 0})
    with pytest.raises(gs.exceptions.ArgumentParseError):
        topo.predict_reliability({"repair_hours": 4})


def test_frames(topo: gs.Topology) -> None:
    pd = pytest.importorskip("pandas")
    evidence = pd.DataFrame(
        {"kind": ["power_off", "call"], "customer": ["C2", None], "asset": [None, None]}
    )
    evidence.loc[1, "customer"] = "C1"
    frame = gs.inference_frame(topo, evidence, {"report_rate": 0.8})
    assert list(frame["device"]) == ["CB1"]
    # A missing cell is left out, not sent as NaN.
    assert gs.evidence_records(evidence)[0] == {"kind": "power_off", "customer": "C2"}
    steps = gs.plan_frame(topo, "L1")
    assert list(steps.index) == [1, 2, 3]
    assert list(steps["device"]) == ["SW1", "F1", "TIE"]
    pred = gs.predict_reliability(topo)
    assert list(pred.index) == ["S1", "S2"]
    assert (pred["saidi_min_flisr"] <= pred["saidi_min"]).all()
