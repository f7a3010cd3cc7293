"""Import a pandapower net as it is.

The tables ``bus``, ``line``, ``trafo``, ``trafo3w``, ``impedance``, ``switch`` (et = b/l/t/t3,
its ``closed`` flag), ``ext_grid`` and slack ``gen`` (as sources) and ``load`` (as customers),
with their ``in_service`` flags, are read column by column and handed to the core mapping
(``gridserve_core::network::busbranch``), which documents every rule. What cannot be mapped
raises :class:`gridserve.UnmappableError` naming the table, row and column.

The normal state of the result is the net's current state, so
``Topology(result.network)`` energizes exactly the buses pandapower's
``pandapower.topology.unsupplied_buses(net)`` leaves out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import numpy as np
import numpy.typing as npt

from gridserve._gridserve import Network
from gridserve.exceptions import UnmappableError

# Tables that pandapower's topology graph turns into edges but gridserve does not map: a
# non-empty one is refused rather than silently ignored.
_UNSUPPORTED_EDGE_TABLES = ("dcline", "tcsc", "vsc", "line_dc", "ssc_line")


@dataclass(frozen=True)
class PandapowerImport:
    """A pandapower net mapped to gridserve, with the index maps back.

    Attributes:
        network: the gridserve network.
        bus_points: point id of each bus, in the order of ``net.bus.index``.
        point_buses: for each point id, its bus index, or -1 for points the mapping adds
            (switch ends, three-winding star points).
        line_lines, trafo_lines, impedance_lines, switch_lines: line ids of each row of those
            tables, in row order; ``trafo3w_lines`` has three columns (hv, mv, lv).
        slack_sources: source id of each ext_grid row, then of each slack gen.
        load_customers: customer id of each load row.
    """

    network: Network
    bus_points: npt.NDArray[np.uint32]
    point_buses: npt.NDArray[np.int64]
    line_lines: npt.NDArray[np.uint32]
    trafo_lines: npt.NDArray[np.uint32]
    trafo3w_lines: npt.NDArray[np.uint32]
    impedance_lines: npt.NDArray[np.uint32]
    switch_lines: npt.NDArray[np.uint32]
    slack_sources: npt.NDArray[np.uint32]
    load_customers: npt.NDArray[np.uint32]

    def buses(self, point_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The pandapower bus indices of the given point ids, dropping points that are not buses."""
        b = self.point_buses[np.asarray(point_ids, dtype=np.int64)]
        return b[b >= 0]


def _ints(frame: Any, column: str) -> List[int]:
    return [int(v) for v in frame[column].to_numpy()]


def _floats(frame: Any, column: str) -> List[float]:
    if column not in frame.columns:
        return [math.nan] * len(frame)
    return [float(v) if v is not None else math.nan for v in frame[column].to_numpy()]


def _bools(frame: Any, column: str, default: bool = True) -> List[bool]:
    if column not in frame.columns:
        return [default] * len(frame)
    return [bool(v) if v is not None and v == v else default for v in frame[column].to_numpy()]


def _texts(frame: Any, column: str) -> List[Optional[str]]:
    if column not in frame.columns:
        return [None] * len(frame)
    out: List[Optional[str]] = []
    for v in frame[column].to_numpy():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            out.append(str(v))
    return out


def _index(frame: Any) -> List[int]:
    return [int(v) for v in frame.index.to_numpy()]


def _tables(net: Any) -> Dict[str, Dict[str, Any]]:
    for name in _UNSUPPORTED_EDGE_TABLES:
        table = getattr(net, name, None)
        if table is not None and len(table) > 0:
            raise UnmappableError(
                f"cannot map {name}: {len(table)} rows; gridserve does not model {name} elements"
            )
    bus, line, trafo = net.bus, net.line, net.trafo
    trafo3w = getattr(net, "trafo3w", bus.iloc[0:0])
    impedance = getattr(net, "impedance", bus.iloc[0:0])
    switch, ext_grid, load = net.switch, net.ext_grid, net.load
    gen = getattr(net, "gen", bus.iloc[0:0])
    slack_gen = gen[gen["slack"].astype(bool)] if "slack" in gen.columns else gen.iloc[0:0]
    return {
        "bus": {"id": _index(bus), "name": _texts(bus, "name"), "in_service": _bools(bus, "in_service")},
        "line": {
            "id": _index(line),
            "from_bus": _ints(line, "from_bus"),
            "to_bus": _ints(line, "to_bus"),
            "length_km": _floats(line, "length_km"),
            "max_i_ka": _floats(line, "max_i_ka"),
            "name": _texts(line, "name"),
            "in_service": _bools(line, "in_service"),
        },
        "trafo": {
            "id": _index(trafo),
            "hv_bus": _ints(trafo, "hv_bus"),
            "lv_bus": _ints(trafo, "lv_bus"),
            "sn_mva": _floats(trafo, "sn_mva"),
            "std_type": _texts(trafo, "std_type"),
            "name": _texts(trafo, "name"),
            "in_service": _bools(trafo, "in_service"),
        },
        "trafo3w": {
            "id": _index(trafo3w),
            "hv_bus": _ints(trafo3w, "hv_bus") if len(trafo3w) else [],
            "mv_bus": _ints(trafo3w, "mv_bus") if len(trafo3w) else [],
            "lv_bus": _ints(trafo3w, "lv_bus") if len(trafo3w) else [],
            "sn_hv_mva": _floats(trafo3w, "sn_hv_mva"),
            "sn_mv_mva": _floats(trafo3w, "sn_mv_mva"),
            "sn_lv_mva": _floats(trafo3w, "sn_lv_mva"),
            "std_type": _texts(trafo3w, "std_type"),
            "name": _texts(trafo3w, "name"),
            "in_service": _bools(trafo3w, "in_service"),
        },
        "impedance": {
            "id": _index(impedance),
            "from_bus": _ints(impedance, "from_bus") if len(impedance) else [],
            "to_bus": _ints(impedance, "to_bus") if len(impedance) else [],
            "name": _texts(impedance, "name"),
            "in_service": _bools(impedance, "in_service"),
        },
        "switch": {
            "id": _index(switch),
            "bus": _ints(switch, "bus"),
            "element": _ints(switch, "element"),
            "et": _texts(switch, "et"),
            "closed": _bools(switch, "closed"),
            "type": _texts(switch, "type"),
            "name": _texts(switch, "name"),
            "in_service": _bools(switch, "in_service"),
        },
        "slack": {
            "id": [f"ext_grid/{i}" for i in _index(ext_grid)] + [f"gen/{i}" for i in _index(slack_gen)],
            "bus": _ints(ext_grid, "bus") + _ints(slack_gen, "bus"),
            "name": _texts(ext_grid, "name") + _texts(slack_gen, "name"),
            "in_service": _bools(ext_grid, "in_service") + _bools(slack_gen, "in_service"),
        },
        "load": {
            "id": _index(load),
            "bus": _ints(load, "bus"),
            "p_mw": _floats(load, "p_mw"),
            "sn_mva": _floats(load, "sn_mva"),
            "name": _texts(load, "name"),
            "in_service": _bools(load, "in_service"),
        },
    }


def from_pandapower(
    net: Any, *, source_capacity_kva: float = 1e6, allow_isolated_buses: bool = True
) -> PandapowerImport:
    """Maps a pandapower net to a gridserve network (see the module documentation).

    ``source_capacity_kva`` is given to every ext_grid and slack gen (pandapower has no feeder
    capacity). Buses with nothing attached are kept (never energized) unless
    ``allow_isolated_buses`` is false.
    """
    network, maps = Network.from_bus_branch(
        _tables(net),
        source_capacity_kva=source_capacity_kva,
        allow_isolated_buses=allow_isolated_buses,
    )
    return PandapowerImport(network=network, **maps)
