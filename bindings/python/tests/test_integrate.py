"""gs.integrate: the five sources from paths or DataFrames, fused and reconciled."""

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import gridserve as gs
import gridserve.exceptions

PMS = pd.DataFrame(
    {
        "asset": ["S1", "B1", "L1", "K1", "T1"],
        "type": ["source", "breaker", "segment", "load_break_switch", "transformer"],
        "rated_kva": [8000.0, None, None, None, 400.0],
    }
)
GIS = pd.DataFrame(
    {
        "asset": ["S1", "B1", "L1", "K1", "T1"],
        "type": ["source", "breaker", "segment", "load_break_switch", "transformer"],
        "node_a": ["N1", "N1", "N2", "N3", "N4"],
        "node_b": [None, "N2", "N3", "N4", "N5"],
        "normal_open": [None, False, None, False, None],
        "length_m": [None, None, 120.0, None, None],
    }
)
CUSTOMERS = pd.DataFrame(
    {"CONS_NO": ["C1", "C2"], "name": ["某某公司", "另一公司"], "supply_asset": ["T1", "L1"], "contracted_kva": [315.0, 50.0]}
)
CONTACTS = pd.DataFrame(
    {
        "customer": ["C1", "C1", "C2"],
        "name": ["张三", "李四", "王五"],
        "phone": ["13812345678", "02112345678", "13912345678"],
        "channels": ["sms", "sms", "sms"],
    }
)
METERS = pd.DataFrame({"meter": ["M1", "M2"], "customer": ["C1", "C2"]})
MAPPING = {"sg186_customers": {"CONS_NO": "customer"}}


def fused() -> gs.Integrated:
    return gs.integrate(
        pms=PMS, gis=GIS, customers=CUSTOMERS, contacts=CONTACTS, meters=METERS, mapping=MAPPING
    )


def test_dataframes_fuse_into_a_network_with_findings() -> None:
    out = fused()
    assert out.network.point_count == 5
    # C2 is supplied from a segment; 李四's number is a landline.
    assert out.counts() == {"invalid_phone": 1, "supply_not_transformer": 1}
    kinds = {(f["kind"], f["record"]) for f in out.findings()}
    assert kinds == {("invalid_phone", "C1"), ("supply_not_transformer", "C2")}
    frame = out.findings_frame()
    assert list(frame.columns)[:3] == ["kind", "severity", "source"]
    assert len(frame) == 2
    assert out.provenance("T1", "rated_kva") == {"source": "pms", "table": "pms_equipment", "row": 6}
    assert out.provenance("T1", "node_b")["source"] == "gis"
    assert out.provenance("NOPE", "type") is None


def test_personal_data_is_masked_by_role() -> None:
    out = fused()
    phone = [f for f in out.findings() if f["kind"] == "invalid_phone"][0]["value"]
    assert phone == "021****5678"
    clear = [f for f in out.findings(roles=["customer_manager"]) if f["kind"] == "invalid_phone"]
    assert clear[0]["value"] == "02112345678"
    assert "02112345678" not in out.html()
    assert "02112345678" in out.html(roles=["supervisor"])
    assert out.customers()[0]["name"] != "某某公司"


def test_paths_csv_and_parquet_give_the_same_result(tmp_path: Path) -> None:
    PMS.to_csv(tmp_path / "pms.csv", index=False)
    pa.Table.from_pandas(GIS, preserve_index=False).to_pandas().to_parquet(tmp_path / "gis.parquet")
    CUSTOMERS.to_csv(tmp_path / "customers.csv", index=False)
    CONTACTS.to_csv(tmp_path / "contacts.csv", index=False)
    METERS.to_csv(tmp_path / "meters.csv", index=False)
    out = gs.integrate(
        pms=tmp_path / "pms.csv",
        gis=str(tmp_path / "gis.parquet"),
        customers=tmp_path / "customers.csv",
        contacts=tmp_path / "contacts.csv",
        meters=tmp_path / "meters.csv",
        mapping=MAPPING,
    )
    assert out.counts() == fused().counts()


def test_bad_input_names_table_line_and_column(tmp_path: Path) -> None:
    bad = CUSTOMERS.assign(contracted_kva=["315", "lots"])
    with pytest.raises(gs.ParseError) as err:
        gs.integrate(customers=bad, mapping=MAPPING)
    assert err.value.line == 3
    assert err.value.field == "contracted_kva"
    with pytest.raises(gs.ParseError) as err:
        gs.integrate(customers=CUSTOMERS)  # CONS_NO unknown without the mapping
    assert err.value.field == "CONS_NO"
    with pytest.raises(gs.exceptions.InvalidOptionError):
        gs.integrate(customers=CUSTOMERS, mapping={"sg186_customers": {"CONS_NO": "custmer"}})


def test_chosen_kinds_are_fatal() -> None:
    with pytest.raises(gs.ReconciliationError) as err:
        gs.integrate(
            pms=PMS, gis=GIS, customers=CUSTOMERS, contacts=CONTACTS, meters=METERS,
            mapping=MAPPING, options={"fatal": ["invalid_phone"]},
        )
    assert err.value.kinds == ["invalid_phone"]
    assert err.value.count == 1


# The GIS table above as a CIM RDF/XML export: the same devices, nodes and states.
_GIS_CIM = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/2013/CIM-schema-cim16#">
""" + "".join(
    f'  <cim:ConnectivityNode rdf:ID="_{n}"><cim:IdentifiedObject.name>{n}</cim:IdentifiedObject.name></cim:ConnectivityNode>\n'
    for n in ["N1", "N2", "N3", "N4", "N5"]
) + """  <cim:ExternalNetworkInjection rdf:ID="_S1"><cim:IdentifiedObject.name>S1</cim:IdentifiedObject.name><cim:ExternalNetworkInjection.maxP>8</cim:ExternalNetworkInjection.maxP></cim:ExternalNetworkInjection>
  <cim:Terminal rdf:ID="_S1_T"><cim:Terminal.ConductingEquipment rdf:resource="#_S1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
  <cim:Breaker rdf:ID="_B1"><cim:IdentifiedObject.name>B1</cim:IdentifiedObject.name><cim:Switch.normalOpen>false</cim:Switch.normalOpen></cim:Breaker>
  <cim:Terminal rdf:ID="_B1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_B1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N1"/></cim:Terminal>
  <cim:Terminal rdf:ID="_B1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_B1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
  <cim:ACLineSegment rdf:ID="_L1"><cim:IdentifiedObject.name>L1</cim:IdentifiedObject.name><cim:Conductor.length>0.12</cim:Conductor.length></cim:ACLineSegment>
  <cim:Terminal rdf:ID="_L1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N2"/></cim:Terminal>
  <cim:Terminal rdf:ID="_L1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_L1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N3"/></cim:Terminal>
  <cim:LoadBreakSwitch rdf:ID="_K1"><cim:IdentifiedObject.name>K1</cim:IdentifiedObject.name><cim:Switch.normalOpen>false</cim:Switch.normalOpen></cim:LoadBreakSwitch>
  <cim:Terminal rdf:ID="_K1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_K1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N3"/></cim:Terminal>
  <cim:Terminal rdf:ID="_K1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_K1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N4"/></cim:Terminal>
  <cim:PowerTransformer rdf:ID="_T1"><cim:IdentifiedObject.name>T1</cim:IdentifiedObject.name></cim:PowerTransformer>
  <cim:PowerTransformerEnd rdf:ID="_T1_E1"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_T1"/><cim:TransformerEnd.endNumber>1</cim:TransformerEnd.endNumber><cim:PowerTransformerEnd.ratedU>10.5</cim:PowerTransformerEnd.ratedU><cim:PowerTransformerEnd.ratedS>0.4</cim:PowerTransformerEnd.ratedS><cim:TransformerEnd.Terminal rdf:resource="#_T1_T1"/></cim:PowerTransformerEnd>
  <cim:PowerTransformerEnd rdf:ID="_T1_E2"><cim:PowerTransformerEnd.PowerTransformer rdf:resource="#_T1"/><cim:TransformerEnd.endNumber>2</cim:TransformerEnd.endNumber><cim:PowerTransformerEnd.ratedU>0.4</cim:PowerTransformerEnd.ratedU><cim:PowerTransformerEnd.ratedS>0.4</cim:PowerTransformerEnd.ratedS><cim:TransformerEnd.Terminal rdf:resource="#_T1_T2"/></cim:PowerTransformerEnd>
  <cim:Terminal rdf:ID="_T1_T1"><cim:Terminal.ConductingEquipment rdf:resource="#_T1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N4"/></cim:Terminal>
  <cim:Terminal rdf:ID="_T1_T2"><cim:Terminal.ConductingEquipment rdf:resource="#_T1"/><cim:Terminal.ConnectivityNode rdf:resource="#_N5"/></cim:Terminal>
</rdf:RDF>
"""


def test_the_gis_can_be_a_cim_file(tmp_path: Path) -> None:
    path = tmp_path / "gis.xml"
    path.write_text(_GIS_CIM, encoding="utf-8")
    out = gs.integrate(
        pms=PMS, gis=path, customers=CUSTOMERS, contacts=CONTACTS, meters=METERS, mapping=MAPPING
    )
    # The same fusion as from the table: the same points and findings; the GIS rows now come
    # from the file's lines.
    table = fused()
    assert out.network.point_count == table.network.point_count == 5
    assert out.network.line_count == table.network.line_count
    assert out.counts() == table.counts()
    assert out.provenance("T1", "node_b")["source"] == "gis"
    assert out.provenance("L1", "length_m")["row"] > 1
    # A malformed file names its line.
    path.write_text(_GIS_CIM.replace(">0.12<", ">0,12<"), encoding="utf-8")
    with pytest.raises(gs.ParseError) as err:
        gs.integrate(gis=path)
    assert err.value.attribute == "Conductor.length"


def test_cim_options_reach_the_gis_reader(tmp_path: Path) -> None:
    # The segment's name is not its asset number here; its mRID (rdf:ID without "_") is.
    path = tmp_path / "gis.rdf"
    path.write_text(
        _GIS_CIM.replace(
            "<cim:IdentifiedObject.name>L1</", "<cim:IdentifiedObject.name>Line one</"
        ),
        encoding="utf-8",
    )
    sources = dict(pms=PMS, customers=CUSTOMERS, contacts=CONTACTS, meters=METERS, mapping=MAPPING)
    by_mrid = gs.integrate(gis=path, cim={"asset_id": "mrid"}, **sources)
    # Read by mRID, the file is the table again: the same counts as the tabular GIS.
    assert by_mrid.counts() == fused().counts()
    assert by_mrid.provenance("L1", "length_m")["source"] == "gis"
    # Read by name (the default), "Line one" is a device PMS does not know, and L1 a PMS
    # device the GIS lacks: the counts differ.
    by_name = gs.integrate(gis=path, **sources)
    assert by_name.counts() != by_mrid.counts()
    # An unknown option key is refused, not ignored; options for a non-CIM GIS too.
    with pytest.raises(gs.exceptions.ArgumentParseError, match="unknown field `asset`"):
        gs.integrate(gis=path, cim={"asset": "mrid"}, **sources)
    with pytest.raises(gs.exceptions.InvalidArgumentError):
        gs.integrate(gis=GIS, cim={"asset_id": "mrid"}, **sources)
