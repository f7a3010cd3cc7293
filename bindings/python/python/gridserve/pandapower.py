"""Import a pandapower net as it is.

The tables ``bus``, ``line``, ``trafo``, ``trafo3w``, ``impedance``, ``dcline``, ``tcsc``,
``switch`` (et = b/l/t/t3,
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
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np
import numpy.typing as npt

from gridserve._gridserve import Network, Topology
from gridserve.exceptions import InvalidArgumentError, UnknownElementError

# Tables that pandapower's topology graph (``create_nxgraph``) turns into edges are all mapped;
# a table a later pandapower starts connecting must be added here and in the core mapping.
# Tables that hold no edges (vsc, line_dc, ward, xward, shunt, sgen, ...) are ignored, as
# pandapower's topology ignores them.

@dataclass(frozen=True)
class PandapowerImport:
    """A pandapower net mapped to gridserve, with the index maps back.

    Attributes:
        network: the gridserve network.
        bus_points: point id of each bus, in the order of ``net.bus.index``.
        point_buses: for each point id, its bus index, or -1 for points the mapping adds
            (switch ends, three-winding star points).
        line_lines, trafo_lines, impedance_lines, dcline_lines, tcsc_lines, switch_lines: line
            ids of each row of those tables, in row order; ``trafo3w_lines`` has three columns
            (hv, mv, lv).
        slack_sources: source id of each ext_grid row, then of each slack gen, then of each
            vsc whose AC side is the slack (``control_mode_ac == "slack"``).
        bus_in_service: the ``in_service`` flag of each bus, in row order.
        load_customers: customer id of each load row.
        bus_index, line_index, trafo_index, switch_index, load_index: the pandapower index
            (``net.<table>.index``) of each row of those tables, in row order.

    The arrays above are in *row order*; pandapower addresses rows by their *index*, which may
    be sparse or shuffled. :meth:`to_gridserve` and :meth:`from_gridserve` translate between
    pandapower indices and gridserve ids for the tables ``bus`` (point ids), ``line``,
    ``trafo``, ``switch`` (line ids) and ``load`` (customer ids). Use them wherever gridserve
    takes ids: ``Topology.unsupplied_batch`` and ``Topology.scope_open_line`` take gridserve
    *line* ids, so a pandapower switch index passed as is would act on another line::

        lines = imp.to_gridserve("switch", [12, 40])         # pandapower switch index -> line id
        offsets, points = topo.unsupplied_batch(["open"] * len(lines), lines)
        buses = imp.buses(points[offsets[0]:offsets[1]])     # scenario 0 as pandapower buses

    Points are not buses: a line switched open at both ends leaves its two switch end points
    (points the mapping adds) unsupplied, and ``Topology.unsupplied()`` lists them. Compare
    with pandapower through :meth:`buses` or :meth:`unsupplied_buses`, which keep the
    in-service buses only, as ``pandapower.topology.unsupplied_buses`` does.

    Lost load (``Scope.load_kw``) sums the ``p_mw`` of the loads on de-energized buses,
    out-of-service loads included: every load row becomes a customer with
    ``load_kw = p_mw * 1000`` whatever its ``in_service``, because a customer stays connected
    at its bus whether its load is switched on or not. Drop or zero out-of-service loads
    first (``net.load.loc[~net.load.in_service, "p_mw"] = 0``) for pandapower's view, where an
    out-of-service load draws nothing.
    """

    network: Network
    bus_points: npt.NDArray[np.uint32]
    point_buses: npt.NDArray[np.int64]
    line_lines: npt.NDArray[np.uint32]
    trafo_lines: npt.NDArray[np.uint32]
    trafo3w_lines: npt.NDArray[np.uint32]
    impedance_lines: npt.NDArray[np.uint32]
    dcline_lines: npt.NDArray[np.uint32]
    tcsc_lines: npt.NDArray[np.uint32]
    switch_lines: npt.NDArray[np.uint32]
    slack_sources: npt.NDArray[np.uint32]
    load_customers: npt.NDArray[np.uint32]
    bus_in_service: npt.NDArray[np.bool_]
    bus_index: npt.NDArray[np.int64]
    line_index: npt.NDArray[np.int64]
    trafo_index: npt.NDArray[np.int64]
    switch_index: npt.NDArray[np.int64]
    load_index: npt.NDArray[np.int64]

    _keep: npt.NDArray[np.bool_] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keep = np.zeros(len(self.point_buses), dtype=bool)
        keep[self.bus_points] = self.bus_in_service
        object.__setattr__(self, "_keep", keep)

    def buses(self, point_ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The in-service pandapower buses among the given point ids (other points dropped).

        Out-of-service buses are dropped as pandapower's topology drops them: they are neither
        supplied nor unsupplied there.
        """
        ids = np.asarray(point_ids, dtype=np.int64)
        return self.point_buses[ids[self._keep[ids]]]

    def _table(self, table: str) -> "tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], int]":
        """The pandapower indices of a table, the gridserve id of each row and the number of
        gridserve ids of that kind."""
        net = self.network
        tables = {
            "bus": (self.bus_index, self.bus_points, net.point_count),
            "line": (self.line_index, self.line_lines, net.line_count),
            "trafo": (self.trafo_index, self.trafo_lines, net.line_count),
            "switch": (self.switch_index, self.switch_lines, net.line_count),
            "load": (self.load_index, self.load_customers, net.customer_count),
        }
        if table not in tables:
            raise InvalidArgumentError(
                f"unknown pandapower table {table!r}: expected one of {', '.join(tables)}"
            )
        return tables[table]

    def to_gridserve(self, table: str, index: npt.ArrayLike) -> npt.NDArray[np.uint32]:
        """The gridserve ids of pandapower rows given by their index in ``net.<table>``:
        point ids for ``"bus"``, line ids for ``"line"``, ``"trafo"`` and ``"switch"``,
        customer ids for ``"load"``.

        Raises :class:`gridserve.exceptions.UnknownElementError` (``asset`` is
        ``"<table>/<index>"``) for an index that is not a row of the table.
        """
        pp_index, ids, _ = self._table(table)
        wanted = _id_array(index)
        order = np.argsort(pp_index, kind="stable")
        if len(order) == 0:
            pos = np.zeros(len(wanted), dtype=np.int64)
            found = np.zeros(len(wanted), dtype=bool)
        else:
            sorted_index = pp_index[order]
            pos = np.minimum(np.searchsorted(sorted_index, wanted), len(order) - 1)
            found = sorted_index[pos] == wanted
        if not np.all(found):
            bad = int(wanted[~found][0])
            err = UnknownElementError(f"pandapower {table} {bad} is not a row of net.{table}")
            setattr(err, "asset", f"{table}/{bad}")
            raise err
        return np.asarray(ids[order[pos]], dtype=np.uint32)

    def from_gridserve(self, table: str, ids: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The pandapower indices (in ``net.<table>``) of gridserve ids of that table's rows;
        the inverse of :meth:`to_gridserve`.

        Raises :class:`gridserve.exceptions.UnknownElementError` for an id that no row of the
        table became (for example a switch end point, or a line id of another table).
        """
        pp_index, row_ids, count = self._table(table)
        wanted = _id_array(ids)
        row_of = np.full(count, -1, dtype=np.int64)
        row_of[row_ids.astype(np.int64)] = np.arange(len(row_ids))
        inside = (wanted >= 0) & (wanted < count)
        rows = np.where(inside, row_of[np.where(inside, wanted, 0)], -1)
        if np.any(rows < 0):
            bad = int(wanted[rows < 0][0])
            err = UnknownElementError(f"gridserve id {bad} is no row of net.{table}")
            setattr(err, "asset", f"{table}:{bad}")
            raise err
        return np.asarray(pp_index[rows], dtype=np.int64)

    def unsupplied_buses(self, topology: Topology) -> npt.NDArray[np.int64]:
        """The in-service buses that ``topology`` does not energize: pandapower's
        ``unsupplied_buses(net)`` for the state the topology indexes."""
        return self.buses(np.nonzero(~topology.energized())[0])


def _id_array(values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Ids as int64: any integer array or list (a NaN or a fraction is refused by name)."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    raise InvalidArgumentError(f"expected integer ids, got an array of dtype {arr.dtype}")


def _ints(frame: Any, column: str) -> List[Any]:
    # Passed as they are: the core names a missing, NaN or fractional id with its table, row
    # and column (int() here raised a bare ValueError on NaN).
    return list(frame[column].tolist())


def _floats(frame: Any, column: str) -> List[float]:
    if column not in frame.columns:
        return [math.nan] * len(frame)
    return [float(v) if v is not None else math.nan for v in frame[column].to_numpy()]


def _bools(frame: Any, column: str, default: bool = True) -> List[Optional[bool]]:
    # An absent column takes pandapower's default; a missing or NaN cell of a present column
    # is passed as None, which the core refuses naming table, row and column (it used to take
    # the default: a NaN `closed` made a closed switch).
    if column not in frame.columns:
        return [default] * len(frame)
    return [bool(v) if v is not None and v == v else None for v in frame[column].to_numpy()]


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


def _pairs(frame: Any) -> Dict[str, Any]:
    """The columns of an edge table with ``from_bus`` / ``to_bus``."""
    return {
        "id": _index(frame),
        "from_bus": _ints(frame, "from_bus"),
        "to_bus": _ints(frame, "to_bus"),
        "name": _texts(frame, "name"),
        "in_service": _bools(frame, "in_service"),
    }


def _table(net: Any, name: str) -> Any:
    table = getattr(net, name, None) if name in net else None
    return table if table is not None else net.bus.iloc[0:0]


def _tables(net: Any) -> Dict[str, Dict[str, Any]]:
    bus, line, trafo, switch = net.bus, net.line, net.trafo, net.switch
    trafo3w, ext_grid, load, gen, vsc = (
        _table(net, n) for n in ("trafo3w", "ext_grid", "load", "gen", "vsc")
    )
    return {
        "buses": {"id": _index(bus), "name": _texts(bus, "name"), "in_service": _bools(bus, "in_service")},
        "lines": {
            **_pairs(line),
            "length_km": _floats(line, "length_km"),
            "max_i_ka": _floats(line, "max_i_ka"),
        },
        "trafos": {
            "id": _index(trafo),
            "hv_bus": _ints(trafo, "hv_bus"),
            "lv_bus": _ints(trafo, "lv_bus"),
            "sn_mva": _floats(trafo, "sn_mva"),
            "std_type": _texts(trafo, "std_type"),
            "name": _texts(trafo, "name"),
            "in_service": _bools(trafo, "in_service"),
        },
        "trafo3ws": {
            "id": _index(trafo3w),
            **{c: _ints(trafo3w, c) for c in ("hv_bus", "mv_bus", "lv_bus") if len(trafo3w)},
            **{c: _floats(trafo3w, c) for c in ("sn_hv_mva", "sn_mv_mva", "sn_lv_mva")},
            "std_type": _texts(trafo3w, "std_type"),
            "name": _texts(trafo3w, "name"),
            "in_service": _bools(trafo3w, "in_service"),
        },
        "impedances": _pairs(_table(net, "impedance")),
        "dclines": _pairs(_table(net, "dcline")),
        "tcscs": _pairs(_table(net, "tcsc")),
        "switches": {
            "id": _index(switch),
            "bus": _ints(switch, "bus"),
            "element": _ints(switch, "element"),
            "et": _texts(switch, "et"),
            "closed": _bools(switch, "closed"),
            "kind": _texts(switch, "type"),
            "name": _texts(switch, "name"),
            "in_service": _bools(switch, "in_service"),
        },
        # Which gens and vscs are slacks is the core's rule (BusBranch::all_slacks).
        "ext_grids": {
            "id": _index(ext_grid),
            "bus": _ints(ext_grid, "bus"),
            "name": _texts(ext_grid, "name"),
            "in_service": _bools(ext_grid, "in_service"),
        },
        "gens": {
            "id": _index(gen),
            "bus": _ints(gen, "bus"),
            **({"slack": _bools(gen, "slack")} if "slack" in gen.columns else {}),
            "name": _texts(gen, "name"),
            "in_service": _bools(gen, "in_service"),
        },
        "vscs": {
            "id": _index(vsc),
            "bus": _ints(vsc, "bus"),
            **({"control_mode_ac": _texts(vsc, "control_mode_ac")} if "control_mode_ac" in vsc.columns else {}),
            "name": _texts(vsc, "name"),
            "in_service": _bools(vsc, "in_service"),
        },
        "loads": {
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
    tables = _tables(net)
    network, maps = Network.from_bus_branch(
        tables,
        source_capacity_kva=source_capacity_kva,
        allow_isolated_buses=allow_isolated_buses,
    )
    maps["trafo3w_lines"] = maps["trafo3w_lines"].reshape(-1, 3)
    in_service = np.asarray(tables["buses"]["in_service"], dtype=bool)

    def index(table: str) -> npt.NDArray[np.int64]:
        return np.asarray(tables[table]["id"], dtype=np.int64)

    return PandapowerImport(
        network=network,
        bus_in_service=in_service,
        bus_index=index("buses"),
        line_index=index("lines"),
        trafo_index=index("trafos"),
        switch_index=index("switches"),
        load_index=index("loads"),
        **maps,
    )
