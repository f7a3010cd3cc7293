"""The network API: building, round trips, queries on the hand-drawn small network."""

import json
import threading

import numpy as np
import pytest

import gridserve as gs
from conftest import SMALL


def assets(net: gs.Network, ids: np.ndarray) -> list:
    names = net.point_assets()
    return sorted(names[i] for i in ids)


def test_counts_and_repr(small: gs.Network) -> None:
    assert (small.point_count, small.line_count, small.source_count, small.customer_count) == (9, 8, 2, 2)
    assert repr(small) == "Network(9 points, 8 lines, 2 sources, 2 customers)"
    assert small.element("SW1") == ("line", 3)  # lines: segments first, then switches
    assert small.element("S2") == ("source", 1)
    assert small.line_kinds()[:3] == ["segment", "segment", "switch"]


def test_scope_of_opening_the_sectionalizer(small: gs.Network) -> None:
    topo = gs.Topology(small)
    scope = topo.scope([("open", "SW1")])
    assert (scope.points, scope.customers, scope.critical_customers, scope.transformers) == (3, 1, 1, 1)
    assert scope.load_kw == 300.0
    assert assets(small, scope.point_ids()) == ["C", "D", "LV"]
    assert scope.point_ids().dtype == np.uint32
    report = scope.report(roles=["customer_manager"])
    assert report["customers"][0]["number"] == "C2"
    assert [c["phone"] for c in report["customers"][0]["contacts"]] == ["13800000002", "13800000003"]
    assert [(b["asset"], b["live_end"]) for b in report["boundary"]] == [("SW1", "B"), ("TIE", "X")]
    assert "3 points" in repr(scope)


def test_fault_planned_outage_and_exposure(small: gs.Network) -> None:
    topo = gs.Topology(small)
    fault = topo.fault("L2")
    assert fault.tripped == ["CB1"]
    assert fault.scope.points == 6
    plan = topo.planned_outage("L1")
    assert plan.isolators == ["CB1"]
    assert plan.downstream == ["SW1", "F1"]
    assert plan.operations == [("open", "CB1"), ("take_out", "L1")]
    x = topo.exposure()
    row = {s: (k, p, c) for s, k, p, c in zip(x["switch"], x["kind"], x["points"], x["customers"])}
    assert row["CB1"] == ("radial", 6, 2)
    assert row["TIE"] == ("not_passing", 0, 0)


def test_state_and_index_lookups(small: gs.Network) -> None:
    topo = gs.Topology(small, operations=[("fault", "L2"), ("take_out", "T1")])
    assert topo.faulted() == ["L2"] and topo.out_of_service() == ["T1"]
    assert topo.protector("E") == "F1"
    assert topo.protector("C") == "CB1"
    assert topo.protector("BUS") == "S1"
    assert topo.protector("D") is None, "D is cut off by the fault on L2"
    assert topo.feeding_sources("B") == ["S1"]
    assert topo.feeding_sources("LV") == []


def test_apply_loops_and_unsupplied(small: gs.Network) -> None:
    topo = gs.Topology(small)
    other = topo.copy()
    applied = topo.apply([("close", "TIE")])
    assert applied["changed_elements"] == 1
    assert topo.loops() == ["S2"]
    assert topo.scope([("open", "SW1")]).points == 0
    assert other.scope([("open", "SW1")]).points == 3, "a copy is independent"
    # Unsupplied after opening both breakers of the closed loop: everything but the two buses.
    unsupplied = topo.unsupplied([("open", "CB1"), ("open", "CB2")])
    assert assets(small, unsupplied) == sorted(["A", "B", "C", "D", "LV", "E", "X"])
    assert topo.energized().sum() == 9


def test_round_trips(small: gs.Network, tmp_path) -> None:
    text = small.to_json()
    again = gs.Network.from_json(text)
    assert again.to_json() == text
    small.write_csv_dir(tmp_path / "csv")
    from_dir = gs.Network.from_csv_dir(tmp_path / "csv")
    assert from_dir.to_json() == text
    small.write_json_file(tmp_path / "n.json", pretty=True)
    assert json.loads((tmp_path / "n.json").read_text()) == json.loads(text)
    assert gs.Network.from_json_file(tmp_path / "n.json").to_json() == text
    texts = small.to_csv_texts()
    assert gs.Network.from_csv_texts(texts).to_json() == text


def test_dataframes_round_trip(small: gs.Network) -> None:
    pd = pytest.importorskip("pandas")
    # A round trip needs the records in the clear: a reader allowed to see them.
    frames = gs.to_dataframes(small, roles=["customer_manager"])
    assert list(frames["contacts"]["customer"]) == ["C1", "C2", "C2"]
    assert frames["transformers"]["year_in_service"].tolist() == [2012]
    again = gs.from_dataframes(**frames)
    assert again.to_json() == small.to_json()
    # Missing years make pandas use floats; they still read back as integers.
    t = frames["transformers"].copy()
    t["year_in_service"] = [np.nan]
    again = gs.from_dataframes(**{**frames, "transformers": t})
    assert "year_in_service" not in json.loads(again.to_json())["transformers"][0]
    assert isinstance(frames["points"], pd.DataFrame)


def test_customers_and_exposure_frames(small: gs.Network) -> None:
    pytest.importorskip("pandas")
    topo = gs.Topology(small)
    frame = gs.customers_frame(topo.fault("L1").scope, roles=["supervisor"])
    assert frame["number"].tolist() == ["C2", "C1"]  # critical first
    assert frame["phone"].tolist() == ["13800000002", "13800000001"]
    x = gs.exposure_frame(topo)
    assert x.loc["SW1", "load_kw"] == 300.0


def test_threads_share_one_topology(county: gs.Network) -> None:
    topo = gs.Topology(county)
    switches = [a for a, k in zip(county.line_assets(), county.line_kinds()) if k == "switch"][:400]
    expected = {s: topo.scope([("open", s)]).customers for s in switches if s not in topo.open_switches()}
    errors: list = []

    def worker(offset: int) -> None:
        try:
            for s in list(expected)[offset::4]:
                assert topo.scope([("open", s)]).customers == expected[s]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    # Meanwhile another thread changes a copy: the shared index is unaffected.
    copy = topo.copy()
    copy.apply([("open", next(iter(expected)))])
    for t in threads:
        t.join()
    assert not errors


def test_same_answers_as_rust_on_synthetic_networks() -> None:
    # The same seeded generator drives the Rust tests; the scope of every switch equals the
    # exposure table computed in one pass, and both equal a breadth-first search written here.
    net = gs.Network.synthetic(3000, seed=11, closed_tie_fraction=0.5)
    topo = gs.Topology(net)
    x = topo.exposure()
    frm, to = net.line_ends()
    kinds = net.line_kinds()
    open_now = set(topo.open_switches())
    names = net.line_assets()
    energized = topo.energized()
    search = _PlainSearch(net, topo, energized)
    for asset, line_id, points in zip(x["switch"], x["line_id"], x["points"]):
        if asset in open_now:
            continue
        lost = topo.scope([("open", asset)]).point_ids()
        assert len(lost) == points, asset
        assert set(lost) == search.lost(int(line_id)), asset
    assert len(names) == len(kinds)


class _PlainSearch:
    """Points energized now and not after opening one line, by a plain depth-first search
    from the sources over the lines that pass (the adjacency is built once)."""

    def __init__(self, net: gs.Network, topo: gs.Topology, energized: np.ndarray) -> None:
        frm, to = net.line_ends()
        passing = np.ones(net.line_count, dtype=bool)
        for a in topo.open_switches():
            passing[net.line_id(a)] = False
        self.adj: dict = {}
        for i in np.nonzero(passing)[0]:
            a, b = int(frm[i]), int(to[i])
            self.adj.setdefault(a, []).append((b, int(i)))
            self.adj.setdefault(b, []).append((a, int(i)))
        cols = net.to_columns()
        self.sources = {net.point_id(p) for p in cols["sources"]["point"]}
        self.energized = {int(p) for p in np.nonzero(energized)[0]}

    def lost(self, opened: int) -> set:
        seen = set(self.sources)
        stack = list(self.sources)
        while stack:
            p = stack.pop()
            for w, line in self.adj.get(p, ()):
                if line != opened and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return self.energized - seen


def test_unsupplied_batch_equals_one_scope_at_a_time() -> None:
    net = gs.Network.synthetic(2000, seed=5, closed_tie_fraction=0.3)
    topo = gs.Topology(net, operations=[("take_out", net.line_assets()[7])])
    assert net.line_kinds()[7] == "segment"
    base = np.nonzero(~topo.energized())[0]
    kinds = net.line_kinds()
    open_now = set(topo.open_switches())
    lines = [i for i, a in enumerate(net.line_assets()) if kinds[i] == "switch" and a not in open_now][:200]
    actions = ["open"] * len(lines)
    segments = [i for i, k in enumerate(kinds) if k == "segment" and i != 7][:200]
    lines += segments
    actions += ["take_out"] * len(segments)
    offsets, points = topo.unsupplied_batch(actions, np.array(lines, dtype=np.uint32))
    assert len(offsets) == len(lines) + 1 and offsets[0] == 0
    for k, (action, line) in enumerate(zip(actions, lines)):
        scope = topo.scope([(action, net.line_assets()[line])])
        expected = np.union1d(base, scope.point_ids())
        assert np.array_equal(points[offsets[k] : offsets[k + 1]], expected), (action, line)
    with pytest.raises(gs.InvalidArgumentError):
        topo.unsupplied_batch(["open"], np.array([1, 2], dtype=np.uint32))


# Texts that CSV must carry through unchanged: carriage returns and line feeds inside a cell
# (a bare "\r" ended the row when pandas wrote "\n"-terminated rows unquoted), quotes, commas,
# spaces at either end, Chinese text and a text that looks like a number.
AWKWARD_NAMES = ["A\rB", "主变\r", "line\nbreak", "crlf\r\nname", 'say "hi", twice', "  padded  ", "10.0", "\r"]


def _awkward_network() -> gs.Network:
    data = json.loads(gs.Network.from_csv_texts(dict(SMALL)).to_json())
    for point, name in zip(data["points"], AWKWARD_NAMES):
        point["name"] = name
    for customer, name in zip(data["customers"], AWKWARD_NAMES[::-1]):
        customer["name"] = name
        for contact in customer["contacts"]:
            contact["name"] = name + " contact"
    return gs.Network.from_json(json.dumps(data))


def test_from_dataframes_keeps_carriage_returns_and_every_text() -> None:
    pytest.importorskip("pandas")
    net = _awkward_network()
    again = gs.from_dataframes(**gs.to_dataframes(net, roles=["customer_manager"]))
    assert again.point_count == net.point_count, "a CR inside a cell must not split a row"
    assert again.to_json() == net.to_json()
    names = json.loads(again.to_json())["points"]
    assert [p.get("name") for p in names][: len(AWKWARD_NAMES)] == AWKWARD_NAMES


@pytest.mark.parametrize("which", ["small", "awkward", "county", "header_only"])
def test_to_dataframes_then_from_dataframes_accepts_what_csv_texts_accepted(which: str, county: gs.Network) -> None:
    pytest.importorskip("pandas")
    if which == "small":
        net = gs.Network.from_csv_texts(dict(SMALL))
    elif which == "awkward":
        net = _awkward_network()
    elif which == "county":
        net = county
    else:
        # Only the required tables, the others header-only: every optional table empty.
        texts = {k: v.splitlines()[0] + "\n" for k, v in SMALL.items()}
        texts["points"] = SMALL["points"]
        net = gs.Network.from_csv_texts(texts, allow_isolated_points=True)
    assert gs.Network.from_csv_texts(net.to_csv_texts(), allow_isolated_points=True).to_json() == net.to_json()
    again = gs.from_dataframes(**gs.to_dataframes(net, roles=["customer_manager"]), allow_isolated_points=True)
    assert again.to_json() == net.to_json()


def test_a_column_the_layout_does_not_define_is_refused() -> None:
    pd = pytest.importorskip("pandas")
    frames = gs.to_dataframes(gs.Network.from_csv_texts(dict(SMALL)), roles=["customer_manager"])
    switches = frames["switches"].rename(columns={"normally_open": "closed"})
    with pytest.raises(gs.ParseError) as err:
        gs.from_dataframes(**{**frames, "switches": switches})
    assert err.value.file == "switches" and err.value.field == "closed", str(err.value)
    assert isinstance(switches, pd.DataFrame)
    segments = frames["segments"].drop(columns=["length_m"])
    with pytest.raises(gs.ParseError, match="`length_m`"):
        gs.from_dataframes(**{**frames, "segments": segments})


def test_an_empty_points_table_with_a_line_is_a_problem_list_from_every_importer() -> None:
    # The builder used to panic (Graph::add_edge: node indices out of bounds) whatever the
    # importer; every one now reports the unknown ends as problems.
    texts = {"points": "asset\n", "segments": "asset,from,to,length_m\nL1,A,B,10\n"}
    with pytest.raises(gs.InvalidNetworkError) as err:
        gs.Network.from_csv_texts(texts)
    assert [(p["id"], p["field"], p["kind"]) for p in err.value.problems] == [
        ("L1", "from", "unknown_point"),
        ("L1", "to", "unknown_point"),
    ]
    doc = {"points": [], "segments": [{"asset": "L1", "from": "A", "to": "B", "length_m": 10.0}]}
    with pytest.raises(gs.InvalidNetworkError):
        gs.Network.from_json(json.dumps(doc))
    pd = pytest.importorskip("pandas")
    with pytest.raises(gs.InvalidNetworkError):
        gs.from_dataframes(
            pd.DataFrame({"asset": pd.Series([], dtype=object)}),
            segments=pd.DataFrame({"asset": ["L1"], "from": ["A"], "to": ["B"], "length_m": [10.0]}),
        )
    with pytest.raises(gs.UnmappableError) as unmappable:
        gs.Network.from_bus_branch(
            {"buses": {"id": []}, "lines": {"id": [0], "from_bus": [0], "to_bus": [1], "length_km": [1.0]}}
        )
    assert (unmappable.value.table, unmappable.value.field) == ("line", "from_bus")


_CIM_FEEDER = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/2013/CIM-schema-cim16#">
  <cim:ConnectivityNode rdf:ID="_BUS"><cim:IdentifiedObject.name>BUS</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_N1"><cim:IdentifiedObject.name>N1</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ConnectivityNode rdf:ID="_N2"><cim:IdentifiedObject.name>N2</cim:IdentifiedObject.name></cim:ConnectivityNode>
  <cim:ExternalNetworkInjection rdf:ID="_SRC"><cim:IdentifiedObject.name>SRC-1</cim:IdentifiedObject.name>
    <cim:ExternalNetworkInjection.maxP>8</cim:ExternalNetworkInjection.maxP></cim:ExternalNetworkInjection>
  <cim:Terminal rdf:ID="_SRC_T"><cim:Terminal.ConductingEquipment rdf:resource="#_SRC"/><cim:Terminal.ConnectivityNode rdf:resource="#_BUS"/></cim:Terminal>
  <cim:Breaker rdf:ID="_CB1"><cim:IdentifiedObject.name>CB-1</cim:IdentifiedObject.name><cim:Switch.normalOpen>false</cim:Switch.normalOpen></cim:Breaker>
  <cim:Terminal rdf:ID="_CB1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_CB1"/><cim:Terminal.ConnectivityNode rdf:resource="#_BUS"/></cim:Terminal>
  <cim:Terminal rdf:ID="_CB1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_CB1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
  <cim:ACLineSegment rdf:ID="_L1"><cim:IdentifiedObject.name>L-1</cim:IdentifiedObject.name><cim:Conductor.length>0.85</cim:Conductor.length></cim:ACLineSegment>
  <cim:Terminal rdf:ID="_L1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
  <cim:Terminal rdf:ID="_L1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
  <cim:EnergyConsumer rdf:ID="_C1"><cim:IdentifiedObject.name>C-1</cim:IdentifiedObject.name><cim:EnergyConsumer.pfixed>0.12</cim:EnergyConsumer.pfixed></cim:EnergyConsumer>
  <cim:Terminal rdf:ID="_C1_T"><cim:Terminal.ConductingEquipment rdf:resource="#_C1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
</rdf:RDF>
"""


def test_from_cim_builds_the_network_and_names_bad_lines(tmp_path) -> None:
    path = tmp_path / "feeder.xml"
    path.write_text(_CIM_FEEDER, encoding="utf-8")
    # BUS -CB-1- N1 -L-1- N2 with the source at BUS and consumer C-1 at N2: 3 points, 2 lines.
    net = gs.Network.from_cim(path)
    assert (net.point_count, net.line_count, net.source_count, net.customer_count) == (3, 2, 1, 1)
    by_mrid = gs.Network.from_cim(path, "mrid")
    assert by_mrid.point_count == 3
    with pytest.raises(gs.InvalidArgumentError):
        gs.Network.from_cim(path, "uuid")
    # A length that is not a number, on line 12 of the file.
    path.write_text(_CIM_FEEDER.replace(">0.85<", ">0,85<"), encoding="utf-8")
    with pytest.raises(gs.ParseError) as err:
        gs.Network.from_cim(path)
    assert err.value.kind == "value"
    assert err.value.line == 12
    assert err.value.attribute == "Conductor.length"
