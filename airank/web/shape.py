"""JSON shaping for the web app: frames and results as JSON-ready rows.

Pure functions of their arguments: no computation of an index happens here.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Issue, SpecError
from ..results import Result
from ..spec import IndexSpec

__all__ = ["levels", "num", "parse_weights", "ranking_table", "records", "tree"]


# -- weights ------------------------------------------------------------------------
def parse_weights(text: str | None) -> dict[str, float]:
    """``"talent:2,research:0.5"`` -> ``{"talent": 2.0, "research": 0.5}``; all problems listed."""
    out: dict[str, float] = {}
    issues = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        code, sep, value = part.partition(":")
        try:
            w = float(value) if sep else float("nan")
        except ValueError:
            w = float("nan")
        if not (np.isfinite(w) and 0 <= w <= 1000):
            issues.append(Issue(("weights", code.strip()), "bad_weight", "A weight must be "
                                f"'code:number' with 0 <= number <= 1000. Got '{part}'.", part))
        else:
            out[code.strip()] = w
    SpecError.collect(issues)
    return out



# -- tables -------------------------------------------------------------------------
def tree(spec: IndexSpec) -> list[dict[str, Any]]:
    """Every node and indicator, top-down: code, name, parent, level, weight."""
    order = sorted(spec.codes, key=lambda c: (-spec.levels[c], spec.codes.index(c)))
    return [{"code": c, "name": spec.node(c).name or c, "parent": spec.parent[c],
             "level": spec.levels[c], "weight": spec.node(c).weight} for c in order]


def levels(spec: IndexSpec) -> tuple[list[str], list[str]]:
    pillars = list(spec.children[spec.index_code])
    subs = [c for p in pillars for c in spec.children.get(p, ()) if spec.levels[c] > 1]
    return pillars, subs


def ranking_table(result: Result, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank, unit, name, score, pillar and sub-pillar scores, coverage, rank interval.

    Ranks as :attr:`Result.ranks` (1 = best, ties share the best rank), computed for the
    index column only: this runs on every slider move.
    """
    spec = result.spec
    pillars, subs = levels(spec)
    sc = result.scores
    score = sc[spec.index_code].to_numpy(dtype=float)
    rank = pd.Series(score).rank(ascending=False, method="min", na_option="keep")
    order = np.lexsort((sc.index.to_numpy(), rank.fillna(np.inf).to_numpy()))
    units = sc.index.to_numpy()[order]
    t = pd.DataFrame({"rank": rank.to_numpy()[order].astype(float), "unit": units,
                      "name": [result.names.get(u, u) for u in units], "score": score[order]})
    for c in [*pillars, *subs]:
        t[c] = sc[c].to_numpy(dtype=float)[order]
    t["coverage"] = result.unit_coverage.reindex(units).to_numpy()
    if intervals is not None:
        iv = intervals.reindex(units)
        for c in ("q05", "median", "q95"):
            t[c] = iv[c].to_numpy()
    return t


def num(v: Any) -> float | int | None:
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return None
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return int(v)
    return float(v)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN -> None), through pandas' fast JSON writer."""
    out: list[dict[str, Any]] = json.loads(frame.to_json(orient="records",
                                                         double_precision=10))
    return out
