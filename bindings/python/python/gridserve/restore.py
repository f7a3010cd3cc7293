"""Outage inference, FLISR plans and predictive reliability as pandas DataFrames.

Thin wrappers over :meth:`Topology.infer`, :meth:`Topology.restoration_plan` and
:meth:`Topology.predict_reliability`; pandas is imported only when these functions are called.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from gridserve._gridserve import Topology

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas: pip install 'gridserve[pandas]'") from e
    return pandas


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def evidence_records(evidence: Any) -> Any:
    """Evidence items as a list of dicts: a DataFrame with columns ``kind`` and ``customer``
    and/or ``asset`` becomes one dict per row, an empty (missing) cell left out; anything else
    is returned unchanged (a list of dicts or JSON text)."""
    pd = _pandas() if type(evidence).__name__ == "DataFrame" else None
    if pd is None or not isinstance(evidence, pd.DataFrame):
        return evidence
    rows: List[Dict[str, Any]] = []
    for row in evidence.to_dict("records"):
        rows.append({str(k): v for k, v in row.items() if not _missing(v)})
    return rows


def inference_frame(
    topology: Topology, evidence: Any, options: Optional[Any] = None
) -> "pd.DataFrame":
    """The inferred operated devices, one row per device (largest first), from evidence given
    as a DataFrame or a list of dicts (see :func:`evidence_records`)."""
    pd = _pandas()
    out = topology.infer(evidence_records(evidence), options)
    return pd.DataFrame(out["outages"])


def plan_frame(topology: Topology, fault: str, options: Optional[Any] = None) -> "pd.DataFrame":
    """The FLISR switching plan for a fault, one row per step, indexed by step number."""
    pd = _pandas()
    plan = topology.restoration_plan(fault, options)
    return pd.DataFrame(plan["steps"]).set_index("step")


def predict_reliability(
    topology: Topology, rates: Optional[Any] = None, options: Optional[Any] = None
) -> "pd.DataFrame":
    """Expected SAIFI, SAIDI (min) and ENS (kWh) a year per feeder, without and with FLISR
    (columns ``*_flisr``), indexed by source asset number."""
    pd = _pandas()
    out = topology.predict_reliability(rates, options)
    return pd.DataFrame(out["feeders"]).set_index("source")
