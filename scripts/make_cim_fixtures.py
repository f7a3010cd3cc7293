"""Writes the CIM fixtures of tests/data/cim/ from networks bundled with pypowsybl.

For each network: its CGMES equipment (EQ) profile, exported by pypowsybl with connectivity
nodes (``iidm.export.cgmes.topology-kind = NODE_BREAKER``), and a JSON file of pypowsybl's own
connectivity, taken from its network model (not from the exported file):

- ``terminals``: for each terminal of a line, two-winding transformer, load or generator
  (``"<id>:<side>"``; a transformer's sides are ``hv`` and ``lv`` by pypowsybl's rated
  voltages), the connectivity node it is on (``node``: the bus-breaker bus of a
  bus-breaker voltage level, the voltage level and node number of a node-breaker one) and its
  bus in the bus view (``bus``: nodes merged through closed switches; ``""`` if pypowsybl
  counts the terminal in no bus);
- ``switches``: every switch with its kind and open state;
- ``after_opening``: for each closed switch, the bus of every terminal once that switch alone is
  opened.

The Rust test ``tests/it/cim.rs`` reads each EQ file and checks that its connectivity nodes and
the buses it derives (merging nodes through closed switches) group the terminals exactly as
pypowsybl does. Run with pypowsybl installed; CI does not need it (the files are committed).

    python scripts/make_cim_fixtures.py tests/data/cim
"""

import json
import os
import re
import shutil
import sys
import tempfile

import pypowsybl as pp

NETWORKS = {
    "ieee14": pp.network.create_ieee14,
    "eurostag": pp.network.create_eurostag_tutorial_example1_network,
    "four_substations": pp.network.create_four_substations_node_breaker_network,
}


def terminals(net):
    """Each terminal's connectivity node and bus-view bus."""
    kinds = {
        vl: row["topology_kind"]
        for vl, row in net.get_voltage_levels(all_attributes=True).iterrows()
    }
    out = {}

    def node_label(vl, bb_bus, node):
        if kinds[vl] == "NODE_BREAKER":
            return f"{vl}#{int(node)}"
        return bb_bus

    for frame, transformer in (
        (net.get_lines(all_attributes=True), False),
        (net.get_2_windings_transformers(all_attributes=True), True),
    ):
        for eid, row in frame.iterrows():
            for s in (1, 2):
                vl = row[f"voltage_level{s}_id"]
                side = str(s)
                if transformer:
                    # A transformer's sides by voltage (the reader's node_a is the HV side);
                    # pypowsybl's side 1 may be either.
                    other = 3 - s
                    hv = row[f"rated_u{s}"] > row[f"rated_u{other}"] or (
                        row[f"rated_u{s}"] == row[f"rated_u{other}"] and s == 1
                    )
                    side = "hv" if hv else "lv"
                out[f"{eid}:{side}"] = {
                    "node": node_label(vl, row[f"bus_breaker_bus{s}_id"], row.get(f"node{s}", -1)),
                    "bus": row[f"bus{s}_id"],
                }
    for frame in (net.get_loads(all_attributes=True), net.get_generators(all_attributes=True)):
        for eid, row in frame.iterrows():
            vl = row["voltage_level_id"]
            out[f"{eid}:1"] = {
                "node": node_label(vl, row["bus_breaker_bus_id"], row.get("node", -1)),
                "bus": row["bus_id"],
            }
    return out


def buses(net):
    t = terminals(net)
    return {k: v["bus"] for k, v in t.items()}


def main(dest):
    os.makedirs(dest, exist_ok=True)
    for name, make in NETWORKS.items():
        net = make()
        tmp = tempfile.mkdtemp()
        net.save(
            os.path.join(tmp, name),
            format="CGMES",
            parameters={
                "iidm.export.cgmes.profiles": "EQ",
                "iidm.export.cgmes.topology-kind": "NODE_BREAKER",
            },
        )
        eq = [f for f in os.listdir(tmp) if f.endswith("_EQ.xml")]
        assert len(eq) == 1, eq
        with open(os.path.join(tmp, eq[0]), encoding="utf-8") as f:
            text = f.read()
        # pypowsybl writes Java's Double.MAX_VALUE as the ratedS of a generator without a
        # rating; the reader refuses it (× 1000 is not finite), so the property is left out.
        text = re.sub(
            r"\s*<cim:RotatingMachine\.ratedS>1797693134862315\d*(\.\d*)?(E308)?</cim:RotatingMachine\.ratedS>",
            "",
            text,
        )
        with open(os.path.join(dest, f"{name}_EQ.xml"), "w", encoding="utf-8") as f:
            f.write(text)
        shutil.rmtree(tmp)

        switches = net.get_switches(all_attributes=True)
        after = {}
        for sid, row in switches.iterrows():
            if row["open"]:
                continue
            net.update_switches(id=sid, open=True)
            after[sid] = buses(net)
            net.update_switches(id=sid, open=False)
        ref = {
            "network": name,
            "pypowsybl": pp.__version__,
            "terminals": terminals(net),
            "switches": [
                {"id": sid, "kind": row["kind"], "open": bool(row["open"])}
                for sid, row in switches.iterrows()
            ],
            "after_opening": after,
        }
        with open(os.path.join(dest, f"{name}.json"), "w") as f:
            json.dump(ref, f, indent=1, sort_keys=True)
        print(name, len(ref["terminals"]), "terminals", len(ref["switches"]), "switches")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/cim")
