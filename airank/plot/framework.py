"""The conceptual framework as a sunburst: every ring a level, every slice its weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ._base import PALETTE, as_spec, base_layout, display_name

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result
    from ..spec import IndexSpec

__all__ = ["framework", "weights_table"]


def weights_table(obj: IndexSpec | Result | Edition) -> pd.DataFrame:
    """Every node of the tree with its weights, top-down.

    Columns: ``code``, ``name``, ``level``, ``parent``, ``weight`` (nominal, as in the
    spec), ``weight_in_parent`` (rescaled to sum to 1 within the parent) and
    ``effective_weight`` (the product of the rescaled weights up to the index: the share
    of the index the node stands for), ``pillar`` (its ancestor just below the index).
    """
    spec = as_spec(obj)
    top = spec.index_code
    rows = []
    for code in reversed(spec.codes):  # top-down
        node = spec.node(code)
        rows.append({"code": code, "name": display_name(spec, code),
                     "level": spec.levels[code], "parent": spec.parent[code] or "",
                     "weight": float(node.weight) if code != top else 1.0,
                     "weight_in_parent": spec.weights[code],
                     "effective_weight": spec.effective_weights.get(code, 1.0),
                     "pillar": _pillar(spec, code)})
    return pd.DataFrame(rows)


def _pillar(spec: IndexSpec, code: str) -> str:
    """The ancestor of ``code`` just below the index ('' for the index itself)."""
    top, c = spec.index_code, code
    while spec.parent[c] is not None and spec.parent[c] != top:
        c = str(spec.parent[c])
    return "" if c == top else c


def framework(obj: IndexSpec | Result | Edition, *, title: str | None = None) -> go.Figure:
    """A sunburst of the index tree, slices sized by effective weight.

    Parameters
    ----------
    obj : IndexSpec, Result or Edition
        Whose framework.
    title : str, optional
        Default: the index name.

    Returns
    -------
    plotly.graph_objects.Figure
        The index at the centre, each ring one level down to the indicators; a slice's
        angle is its effective weight (its share of the index), the hover shows its
        nominal weight, its weight within its parent and its effective weight.
    """
    import plotly.graph_objects as go

    spec = as_spec(obj)
    t = weights_table(spec)
    pillars = [p for p in t["pillar"].unique() if p]
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(pillars)}
    hover = [f"<b>{name}</b> ({code})<br>level {lv}<br>nominal weight {w:g}"
             f"<br>weight in {parent or 'index'}: {wp:.3f}<br>effective weight: {we:.2%}"
             for name, code, lv, w, parent, wp, we in zip(
                 t["name"], t["code"], t["level"], t["weight"], t["parent"],
                 t["weight_in_parent"], t["effective_weight"], strict=True)]
    fig = go.Figure(go.Sunburst(
        ids=t["code"], labels=t["code"], parents=t["parent"],
        # leaves carry the weights and groups add up their children ("remainder"), so
        # round-off in the sums can never hide a group ("total" drops a parent whose
        # children sum to a hair more than its own value)
        values=t["effective_weight"].where(t["level"] == 1, 0.0), branchvalues="remainder",
        hovertext=hover,
        hoverinfo="text", marker={"colors": [colour.get(p, "#e2e8f0") for p in t["pillar"]],
                                  "line": {"color": "white", "width": 1}},
        insidetextorientation="radial", sort=False))
    return base_layout(fig, title or f"{spec.name}: framework and effective weights",
                       height=620, margin={"l": 10, "r": 10, "t": 50, "b": 10})
