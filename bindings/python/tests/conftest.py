# hypothesis is imported before anything else: imported late in a session (after pandapower's
# imports), its plugin loader fails to find importlib.metadata.
import hypothesis  # noqa: F401
import pytest

import gridserve as gs

# The small network drawn in tests/it/validation.rs of the Rust tests:
#   BUS -CB1- A -L1- B -SW1- C -L2- D -T1- LV (customer C2, first class, 300 kW)
#                    B -F1(fuse)- E (customer C1, 50 kW)
#   D -TIE(normally open)- X -CB2- BUS2, sources S1 on BUS and S2 on BUS2.
POINTS = "asset,kind\nBUS,substation_bus\nA,pole\nB,pole\nC,pole\nD,pole\nLV,transformer_terminal\nE,pole\nBUS2,substation_bus\nX,pole\n"
SEGMENTS = "asset,from,to,length_m\nL1,A,B,100\nL2,C,D,100\n"
SWITCHES = (
    "asset,from,to,kind,normally_open,protective,remote\n"
    "CB1,BUS,A,breaker,false,true,true\n"
    "SW1,B,C,load_break_switch,false,false,true\n"
    "F1,B,E,fuse,false,true,false\n"
    "TIE,D,X,load_break_switch,true,false,true\n"
    "CB2,BUS2,X,breaker,false,true,true\n"
)
TRANSFORMERS = "asset,from,to,rated_kva,model,year_in_service,usage\nT1,D,LV,400,S11-M-400/10,2012,dedicated\n"
SOURCES = "asset,point,name,capacity_kva\nS1,BUS,10kV 城关线,8000\nS2,BUS2,,8000\n"
CUSTOMERS = "number,name,point,contracted_kva,load_kw,importance\nC1,客户C1,E,400,50,normal\nC2,客户C2,LV,400,300,first_class\n"
CONTACTS = "customer,name,phone,role,level\nC1,王工,13800000001,electrician,1\nC2,李经理,13800000002,manager,1\nC2,赵总,13800000003,legal_representative,2\n"

SMALL = dict(
    points=POINTS,
    segments=SEGMENTS,
    switches=SWITCHES,
    transformers=TRANSFORMERS,
    sources=SOURCES,
    customers=CUSTOMERS,
    contacts=CONTACTS,
)


def huizhou_usage(**extra: object) -> dict:
    """A 3,200 kVA large-industry customer's February 2026 usage in the `MonthlyUsage` layout
    (the worked example of the tariff tests), with `extra` fields set or replaced."""
    usage: dict = {
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


@pytest.fixture
def small() -> gs.Network:
    return gs.Network.from_csv_texts(dict(SMALL))


@pytest.fixture(scope="session")
def county() -> gs.Network:
    return gs.Network.county(2024)
