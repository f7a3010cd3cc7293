"""pandas in and out for scoring. pandas is imported only when these functions are called.

The computations are the compiled ones (:func:`gridserve.compute_indicators`,
:func:`gridserve.topsis`); this module only converts frames to columns and back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Union

import numpy as np

from gridserve._gridserve import compute_indicators, interval_scores, topsis

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_Direction = Union[str, int, "tuple[float, float]"]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("this function needs pandas: pip install 'gridserve[pandas]'") from e
    return pandas


def indicators_frame(
    usage: "pd.DataFrame",
    indicators: Optional[Sequence[str]] = None,
    options: Optional[Dict[str, Any]] = None,
    id_column: str = "id",
) -> "pd.DataFrame":
    """Built-in indicators of every customer, one row per row of ``usage``, indexed by id.

    ``usage`` has an id column and any of the usage fields (``period_hours``, ``energy_kwh``,
    ``valley_kwh``, ``max_load_kw``, ``capacity_kva``, ``transformer_p0_kw``…). A NaN cell is
    a missing value: an indicator that needs it raises an error naming the record and field
    (``MissingInputError``, or ``ScoringError`` "not finite" for a field whose absence would
    otherwise select a fallback, such as ``power_factor`` or ``deep_valley_kwh``); leave a
    column out for the fallback. The load rate's per-customer best range comes as ``transformer_load_rate_best_lo``
    and ``_best_hi``. ``frame.attrs["criteria"]`` lists (name, unit, direction) per indicator.
    """
    pd = _pandas()
    columns: Dict[str, Any] = {"id": [str(x) for x in usage[id_column]]}
    for name in usage.columns:
        if name == id_column:
            continue
        columns[str(name)] = np.asarray(usage[name], dtype=np.float64)
    out = compute_indicators(columns, indicators, options)
    criteria = out.pop("criteria")
    ids = out.pop("id")
    frame = pd.DataFrame(out, index=pd.Index(ids, name=id_column))
    frame.attrs["criteria"] = criteria
    return frame


def topsis_frame(
    frame: "pd.DataFrame",
    weights: Union[Sequence[float], Dict[str, float]],
    directions: Optional[Union[Sequence[_Direction], Dict[str, _Direction]]] = None,
    normalisation: str = "vector",
) -> "pd.DataFrame":
    """TOPSIS over the columns of ``frame`` (alternatives as rows).

    ``weights`` and ``directions`` are in column order or keyed by column name; directions
    default to those in ``frame.attrs["criteria"]`` (as set by :func:`indicators_frame`), else
    benefit. A column ``x`` with companions ``x_best_lo`` / ``x_best_hi`` (per-row best ranges,
    as :func:`indicators_frame` gives the transformer load rate) is scored by
    :func:`gridserve.interval_scores` as a benefit criterion; the companions are not criteria.
    Returns closeness, d_plus, d_minus, rank and percentile with the frame's index.
    """
    pd = _pandas()
    all_names = [str(c) for c in frame.columns]
    ranged = {n for n in all_names if f"{n}_best_lo" in all_names and f"{n}_best_hi" in all_names}
    companions = {f"{n}_best_{e}" for n in ranged for e in ("lo", "hi")}
    names = [n for n in all_names if n not in companions]
    if isinstance(weights, dict):
        weights = [float(weights[n]) for n in names]
    if directions is None and "criteria" in frame.attrs:
        known = {c[0]: c[2] for c in frame.attrs["criteria"]}
        directions = [known.get(n, "benefit") for n in names]
    elif isinstance(directions, dict):
        directions = [directions.get(n, "benefit") for n in names]
    data = frame[names].to_numpy(dtype=np.float64, copy=True)
    if ranged:
        directions = list(directions) if directions is not None else ["benefit"] * len(names)
        for j, n in enumerate(names):
            if n in ranged:
                data[:, j] = interval_scores(
                    frame[n].to_numpy(np.float64),
                    frame[f"{n}_best_lo"].to_numpy(np.float64),
                    frame[f"{n}_best_hi"].to_numpy(np.float64),
                )
                directions[j] = "benefit"
    result = topsis(data, list(weights), directions, normalisation)
    keep = ["closeness", "d_plus", "d_minus", "rank", "percentile"]
    return pd.DataFrame({k: result[k] for k in keep}, index=frame.index)
