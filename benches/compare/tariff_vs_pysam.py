"""Tariff bills: gridserve against NREL PySAM `Utilityrate5`, in one process.

Both compute, for the same synthetic hourly loads of N customers over one year (2025, 8760 h),
the monthly energy charge and demand charge under an equivalent tariff; the script checks
that the charges agree and reports the time of each and their ratio.

"Equivalent" means exactly this:

- Energy: Guangdong's TOU periods (粤发改价格〔2021〕331号: valley 0–8, flat 8–10, 12–14,
  19–24, peak 10–12, 14–19, sharp 11–12 and 15–17 in July–September), the same on every day
  type, at the unit prices of gridserve's shipped Huizhou table: sharp 1.3813, peak 1.105,
  flat 0.65, valley 0.247 yuan/kWh. In PySAM: `ur_ec_sched_weekday/weekend` (12 × 24 period
  matrices, written here by hand from the hours above, not from gridserve) and one tier per
  period in `ur_ec_tou_mat`.
- Demand: billing by actual maximum demand at p_d = 36.1 yuan/kW·month, where the maximum
  demand is the month's highest hourly average kW (gridserve with 60-minute intervals). In
  PySAM: one unlimited tier per month in `ur_dc_flat_mat`.
- Switched off in gridserve because PySAM cannot represent them: the power-factor adjustment
  (pf standard "none"; PySAM has no kvarh input), the 260 kWh/kVA demand-price discount, the
  40 % floor / 105 % band / double-price overrun of contract-demand billing (PySAM's demand
  ratchet is a different rule), capacity (kVA) billing with pro-rating by days (a fixed monthly
  charge is the nearest PySAM input), funds, and per-line rounding to 0.01 yuan (PySAM keeps
  floating point; the agreement tolerance below covers it).

Agreement: for every customer and month |gridserve − PySAM| ≤ 0.02 yuan for the energy charge
(four lines each rounded to 0.01) and ≤ 0.006 yuan for the demand charge (demand rounded to
0.001 kW and the charge to 0.01). Loads are generated with two decimals so both sum the same
kWh.

Timing, each from the numpy load array to per-customer monthly charges in Python:

- gridserve: 12 calls of `Tariff.bill_intervals` (one per month, all customers at once, the
  2-D array read in place), including the conversion of the bills to Python: once as full
  bill dicts with Decimals, once with `columns=True` (one list of Decimals per figure);
- PySAM: one `Utilityrate5.execute` per customer (its inputs are one load series), with the
  load assigned before each run.

    python benches/compare/tariff_vs_pysam.py              # 200 customers
    python benches/compare/tariff_vs_pysam.py --customers 1000
"""

from __future__ import annotations

import argparse
import calendar
import time
from decimal import Decimal

import numpy as np
import PySAM.Utilityrate5 as ur5

import gridserve as gs

YEAR = 2025
PRICES = {"sharp": 1.3813, "peak": 1.105, "flat": 0.65, "valley": 0.247}
DEMAND_PRICE = 36.1
PERIOD_NUMBER = {"sharp": 1, "peak": 2, "flat": 3, "valley": 4}


def hour_period(month: int, hour: int) -> str:
    """Guangdong's periods, written from the published hours (independent of gridserve)."""
    if hour < 8:
        return "valley"
    if month in (7, 8, 9) and hour in (11, 15, 16):
        return "sharp"
    if 10 <= hour < 12 or 14 <= hour < 19:
        return "peak"
    return "flat"


def gridserve_tariff() -> gs.Tariff:
    book = json_book()
    return gs.Tariff.from_book(book, "large_industry", "1-10kV", f"{YEAR}-01-01")


def json_book() -> dict:
    import json

    book = json.loads(gs.Tariff.default_book_json())
    for table in book["prices"]:
        table["effective_from"] = f"{YEAR}-01-01"
        table["pf_standard"] = "none"
        table["demand_discount"] = None
        table["funds"] = []
    return book


def loads(customers: int, seed: int = 7) -> np.ndarray:
    """Hourly kW (= kWh per hour) with a daily shape, a per-customer scale and noise; two decimals."""
    rng = np.random.default_rng(seed)
    hours = np.arange(8760)
    hod = hours % 24
    shape = 0.45 + 0.55 * np.clip(np.sin(np.pi * (hod - 6) / 16), 0, None)
    season = 1.0 + 0.15 * np.sin(2 * np.pi * (hours / 8760.0 - 0.3))
    scale = rng.uniform(200.0, 3000.0, size=(customers, 1))
    noise = rng.uniform(0.85, 1.15, size=(customers, 8760))
    return np.round(scale * shape * season * noise, 2)


def pysam_model() -> ur5.Utilityrate5:
    m = ur5.new()
    m.Lifetime.analysis_period = 1
    m.Lifetime.system_use_lifetime_output = 0
    m.Lifetime.inflation_rate = 0
    m.SystemOutput.gen = [0.0] * 8760
    m.SystemOutput.degradation = [0]
    m.Load.load_escalation = [0]
    r = m.ElectricityRates
    r.en_electricity_rates = 1
    r.rate_escalation = [0]
    r.ur_metering_option = 0
    r.ur_monthly_fixed_charge = 0
    r.ur_monthly_min_charge = 0
    r.ur_annual_min_charge = 0
    r.ur_nm_yearend_sell_rate = 0
    r.ur_sell_eq_buy = 0
    sched = [[PERIOD_NUMBER[hour_period(mo + 1, h)] for h in range(24)] for mo in range(12)]
    r.ur_ec_sched_weekday = sched
    r.ur_ec_sched_weekend = sched
    r.ur_ec_tou_mat = [[PERIOD_NUMBER[p], 1, 1e38, 0, PRICES[p], 0] for p in PRICES]
    r.ur_dc_enable = 1
    flat = [[1] * 24 for _ in range(12)]
    r.ur_dc_sched_weekday = flat
    r.ur_dc_sched_weekend = flat
    r.ur_dc_tou_mat = [[1, 1, 1e38, 0]]
    r.ur_dc_flat_mat = [[mo, 1, 1e38, DEMAND_PRICE] for mo in range(12)]
    return m


def run_gridserve(tariff: gs.Tariff, load: np.ndarray, columns: bool = False):
    customers = load.shape[0]
    terms = [
        {"customer": f"C{i}", "capacity_kva": 5000, "method": "actual_demand",
         "kvarh_forward": 0, "kvarh_reverse": 0}
        for i in range(customers)
    ]
    energy = np.zeros((customers, 12))
    demand = np.zeros((customers, 12))
    start = 0
    for month in range(1, 13):
        hours = calendar.monthrange(YEAR, month)[1] * 24
        block = np.ascontiguousarray(load[:, start : start + hours])
        start += hours
        t = f"{YEAR}-{month:02d}-01T00:00"
        if columns:
            cols = tariff.bill_intervals(block, t, terms, interval_min=60, columns=True)
            energy[:, month - 1] = np.array(cols["energy_yuan"], dtype=float)
            demand[:, month - 1] = np.array(cols["basic_yuan"], dtype=float)
        else:
            for i, b in enumerate(tariff.bill_intervals(block, t, terms, interval_min=60)):
                energy[i, month - 1] = float(b["energy_yuan"])
                demand[i, month - 1] = float(b["basic"]["amount_yuan"])
    return energy, demand


def run_pysam(load: np.ndarray):
    m = pysam_model()
    customers = load.shape[0]
    energy = np.zeros((customers, 12))
    demand = np.zeros((customers, 12))
    for i in range(customers):
        m.Load.load = load[i].tolist()
        m.execute(0)
        energy[i] = m.Outputs.year1_monthly_ec_charge_without_system
        demand[i] = m.Outputs.year1_monthly_dc_fixed_without_system
    return energy, demand


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=200)
    args = ap.parse_args()
    load = loads(args.customers)
    tariff = gridserve_tariff()

    # The periods must agree before the charges can: check gridserve's lookup hour by hour
    # against the hand-written matrix once (untimed).
    for month in range(1, 13):
        for h in range(24):
            got = tariff.period_at(f"{YEAR}-{month:02d}-15T{h:02d}:30")
            assert got == hour_period(month, h), (month, h, got)

    tc0 = time.perf_counter()
    c_energy, c_demand = run_gridserve(tariff, load, columns=True)
    tc1 = time.perf_counter()
    t0 = time.perf_counter()
    g_energy, g_demand = run_gridserve(tariff, load)
    t1 = time.perf_counter()
    p_energy, p_demand = run_pysam(load)
    t2 = time.perf_counter()
    assert np.array_equal(c_energy, g_energy) and np.array_equal(c_demand, g_demand)

    de = np.abs(g_energy - p_energy).max()
    dd = np.abs(g_demand - p_demand).max()
    months = args.customers * 12
    print(f"{args.customers} customers × 12 months of hourly load ({load.size} readings)")
    print(f"  gridserve, full bills as dicts  {t1 - t0:8.3f} s  ({(t1 - t0) / months * 1e6:8.1f} µs per bill)")
    print(f"  gridserve, columns=True         {tc1 - tc0:8.3f} s  ({(tc1 - tc0) / months * 1e6:8.1f} µs per bill)")
    print(f"  PySAM                           {t2 - t1:8.3f} s  ({(t2 - t1) / months * 1e6:8.1f} µs per bill)")
    print(f"  ratio PySAM / gridserve: {(t2 - t1) / (t1 - t0):.1f}× (dicts), {(t2 - t1) / (tc1 - tc0):.1f}× (columns)")
    print(f"  energy charge: max |diff| {de:.4f} yuan over {months} customer-months "
          f"(Σ gridserve {Decimal(g_energy.sum()).quantize(Decimal('0.01'))}, Σ PySAM {p_energy.sum():.2f})")
    print(f"  demand charge: max |diff| {dd:.4f} yuan (Σ gridserve {g_demand.sum():.2f}, Σ PySAM {p_demand.sum():.2f})")
    assert de <= 0.02 + 1e-9, f"energy charges differ by {de}"
    assert dd <= 0.006 + 1e-9, f"demand charges differ by {dd}"
    print("  agree: yes")


if __name__ == "__main__":
    main()
