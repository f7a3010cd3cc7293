"""Energy reports from Python: a two-customer peer group whose bills and findings are worked
by hand in the comments (the same group as the Rust integration test ``tests/it/advice.rs``)."""

from decimal import Decimal
import json
import re

import pytest

import gridserve as gs

# One season all year: valley 0–8, flat 8–18 and 22–24, peak 18–22; 1.0 / 0.6 / 0.3 yuan/kWh;
# 20 yuan/kVA·month, 32 yuan/kW·month; standard 0.90; contract floor 40 %, band 105 %, overrun
# ×2 on the excess over the band.
SCHEDULE = {
    "name": "one season",
    "effective_from": "2025-01-01",
    "seasons": [
        {
            "name": "all",
            "months": list(range(1, 13)),
            "periods": [
                {"period": "valley", "hours": [[0, 8]]},
                {"period": "flat", "hours": [[8, 18], [22, 24]]},
                {"period": "peak", "hours": [[18, 22]]},
            ],
        }
    ],
}
PRICES = {
    "name": "test",
    "category": "industry",
    "voltage": "10kV",
    "effective_from": "2025-01-01",
    "energy": [
        {
            "name": "all-in",
            "price": {
                "kind": "per_period",
                "yuan_per_kwh": {"peak": "1.0", "flat": "0.6", "valley": "0.3"},
            },
        }
    ],
    "funds": [],
    "capacity_price_yuan_per_kva_month": "20",
    "demand_price_yuan_per_kw_month": "32",
    "pf_standard": "0.90",
    "contract": {
        "floor_ratio": "0.4",
        "band_ratio": "1.05",
        "overrun_multiplier": "2",
        "overrun_variant": "b",
    },
}

RULES = {"indicators": ["load_factor", "power_factor", "valley_energy_share",
                        "peak_valley_difference_rate"]}


def customer_a() -> dict:
    """1000 kVA by capacity; peak/flat/valley 30 000/50 000/20 000 kWh a month, 500 kW;
    kvarh 60 000, 60 000, 40 000 (pf 0.86, 0.86, 0.93); an S9-630 at β = 0.5."""
    history = [
        {
            "customer": "A", "year": 2026, "month": m, "capacity_kva": Decimal(1000),
            "energy_kwh": {"peak": 30000, "flat": 50000, "valley": 20000},
            "kvarh_forward": kvarh, "max_demand_kw": 500, "method": "capacity",
        }
        for m, kvarh in [(1, 60000), (2, 60000), (3, 40000)]
    ]
    return {
        "info": {"number": "A", "name": "甲厂", "category": "大工业", "voltage_kv": 10.0,
                 "capacity_kva": 1000.0},
        "history": history,
        "transformers": [{"asset": "T-A1", "model": "S9-630/10", "capacity_kva": 630.0,
                          "in_service_year": 2005, "p0_kw": None, "pk_kw": None,
                          "load_ratio": 0.5, "hours_per_year": None}],
        "usage": {"id": "A", "period_hours": 2160.0, "energy_kwh": 300000.0,
                  "peak_kwh": 90000.0, "flat_kwh": 150000.0, "valley_kwh": 60000.0,
                  "reactive_kvarh": 160000.0, "max_load_kw": 500.0, "min_load_kw": 50.0},
    }


def customer_b() -> dict:
    """400 kVA on a 200 kW contract; 20 000/10 000/70 000 kWh, 190 kW, pf 0.97."""
    history = [
        {
            "customer": "B", "year": 2026, "month": m, "capacity_kva": "400",
            "energy_kwh": {"peak": "20000", "flat": "10000", "valley": "70000"},
            "kvarh_forward": "25000", "max_demand_kw": "190",
            "method": "contract_demand", "contract_demand_kw": "200",
        }
        for m in (1, 2, 3)
    ]
    return {
        "info": {"number": "B", "name": "乙厂", "category": "大工业", "voltage_kv": 10.0,
                 "capacity_kva": 400.0},
        "history": history,
        "usage": {"id": "B", "period_hours": 2160.0, "energy_kwh": 300000.0,
                  "peak_kwh": 60000.0, "flat_kwh": 30000.0, "valley_kwh": 210000.0,
                  "power_factor": 0.96, "max_load_kw": 200.0, "min_load_kw": 100.0},
    }


@pytest.fixture(scope="module")
def tariff() -> gs.Tariff:
    return gs.Tariff(SCHEDULE, PRICES)


@pytest.fixture(scope="module")
def reports(tariff: gs.Tariff) -> list:
    return gs.build_reports([customer_a(), customer_b()], tariff, "2026-04-05", rules=RULES)


def finding(report: dict, rule: str) -> dict:
    return next(f for f in report["findings"] if f["rule"] == rule)


def test_bills_and_findings(reports: list) -> None:
    a, b = reports
    # January: 66 000 energy + 20 000 capacity + 2.0 % × 86 000 = 87 720; March −0.45 % →
    # 85 613. Money comes back as Decimal.
    totals = [m["bill_total_yuan"] for m in a["months"]]
    assert totals == [Decimal("87720"), Decimal("87720"), Decimal("85613")]
    assert all(isinstance(t, Decimal) for t in totals)
    # Rule 2: contract demand 476 kW saves (60 000 − 45 734.40) × 4 = 57 062.40 a year.
    f = finding(a, "basic_charge")
    assert f["saving_yuan_per_year"] == Decimal("57062.40")
    # Rule 3: 2 × 1 720 surcharges over 3 months → 13 760 a year; red.
    f = finding(a, "power_factor")
    assert (f["status"], f["saving_yuan_per_year"]) == ("red", Decimal("13760"))
    # Rule 4: 10 % of 90 000 kWh × (1.0 − 0.3) × 12 / 3 = 25 200.
    assert finding(a, "time_of_use")["saving_yuan_per_year"] == Decimal("25200")
    # B dominates A on every indicator: rank 1, closeness 1.
    assert b["score"]["rank"] == 1 and a["score"]["rank"] == 2
    assert b["score"]["closeness"] == pytest.approx(1.0, abs=1e-12)
    assert finding(b, "time_of_use")["status"] == "green"


def test_html_and_summary(reports: list) -> None:
    html = gs.render_report_html(reports[0])
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # Self-contained: no external URL anywhere in the page.
    assert not re.search(r"(src|href)\s*=\s*[\"'](https?:)?//", html)
    assert html.count("<svg") == 4
    summary = gs.render_report_summary(reports[0])
    # A ranks second of the two peers (B dominates it on every indicator, see above).
    assert "甲厂" in summary and "2/2" in summary
    # JSON text works as well as the dict.
    assert gs.render_report_html(json.dumps(reports[0], default=str)) == html


def test_default_rules_round_trip(tariff: gs.Tariff) -> None:
    rules = json.loads(gs.default_advice_rules())
    assert rules["tou_shift_share"] == "0.10"
    rules["tou_shift_share"] = "0.2"
    rules["indicators"] = RULES["indicators"]
    a = gs.build_reports([customer_a(), customer_b()], tariff, "2026-04-05", rules=rules)[0]
    # Twice the shift share, twice the saving.
    assert finding(a, "time_of_use")["saving_yuan_per_year"] == Decimal("50400")


def test_refused_inputs(tariff: gs.Tariff) -> None:
    a = customer_a()
    a["usage"]["id"] = "B"
    with pytest.raises(gs.AdviceInputError) as e:
        gs.build_reports([a], tariff, "2026-04-05", rules=RULES)
    assert (e.value.record, e.value.field, e.value.value) == ("A", "usage.id", "B")
    with pytest.raises(gs.AdviceRuleError) as r:
        gs.build_reports([customer_a()], tariff, "2026-04-05", rules={"tou_shift_share": "2"})
    assert r.value.field == "tou_shift_share"
    a = customer_a()
    a["history"][0]["energy_kwh"]["peak"] = -1
    with pytest.raises(gs.TariffInputError):
        gs.build_reports([a], tariff, "2026-04-05", rules=RULES)
    with pytest.raises(gs.ParseError):
        gs.build_reports([{"info": {}}], tariff, "2026-04-05")
    with pytest.raises(gs.InvalidArgumentError):
        gs.build_reports([customer_a()], tariff, "5 April")
    b = customer_b()
    del b["usage"]["max_load_kw"]
    with pytest.raises(gs.MissingInputError):
        gs.build_reports([customer_a(), b], tariff, "2026-04-05", rules=RULES)
    with pytest.raises(gs.ParseError):
        gs.render_report_html({"customer": 1})
    # Every one of them is a GridserveError and a ValueError.
    assert issubclass(gs.AdviceInputError, gs.GridserveError)
    assert issubclass(gs.AdviceRuleError, ValueError)
