"""Importance against weight: each component's main effect on its parent beside its weight."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..errors import DataError, Issue
from ._base import BASE, HIGHLIGHT, base_layout

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["importance"]

_NEEDED = ("code", "parent", "nominal_weight", "eta2_normalised", "flag")


def importance(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """A dot plot of :func:`airank.analysis.audit.checks.importance`'s table.

    Parameters
    ----------
    table : DataFrame
        One row per component, columns ``code``, ``parent``, ``nominal_weight`` (its
        weight within the parent), ``eta2_normalised`` (its main effect on the parent,
        rescaled to sum to 1 within the parent) and ``flag``.

    Returns
    -------
    plotly.graph_objects.Figure
        One row per component, grouped by parent: a hollow marker at its weight share,
        a filled one at its importance share, joined by a line; flagged rows (weight and
        importance far apart) in orange.
    """
    import plotly.graph_objects as go

    missing = [c for c in _NEEDED if c not in table.columns]
    if missing:
        raise DataError([Issue(("table",), "missing_column", f"The importance table lacks "
                               f"{missing}; pass checks.importance(result).", missing)])
    t = table.sort_values(["parent", "code"], kind="stable")
    w = t["nominal_weight"] / t.groupby("parent")["nominal_weight"].transform("sum")
    labels = [f"{c} ({p})" for c, p in zip(t["code"], t["parent"], strict=True)]
    colour = [HIGHLIGHT if bool(f) else BASE for f in t["flag"]]
    fig = go.Figure()
    for lab, a, b, col in zip(labels, w, t["eta2_normalised"], colour, strict=True):
        fig.add_trace(go.Scatter(x=[a, b], y=[lab, lab], mode="lines", showlegend=False,
                                 line={"color": col, "width": 2}, hoverinfo="skip"))
    for name, symbol in (("weight share", "circle-open"),
                         ("importance share (normalised main effect)", "circle")):
        # legend entries in a neutral colour (the points' colour says flagged or not)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"symbol": symbol, "size": 9, "color": "#475569",
                                         "line": {"width": 2}}))
    fig.add_trace(go.Scatter(x=w, y=labels, mode="markers", showlegend=False,
                             marker={"symbol": "circle-open", "size": 9, "color": colour,
                                     "line": {"width": 2}},
                             hovertemplate="%{y}: weight %{x:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=t["eta2_normalised"], y=labels, mode="markers",
                             showlegend=False, marker={"size": 9, "color": colour},
                             hovertemplate="%{y}: importance %{x:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", tickfont={"size": 9})
    fig.update_xaxes(title={"text": "share within the parent"}, rangemode="tozero")
    return base_layout(fig, title or "Importance (main effect) against weight",
                       height=130 + 17 * len(t), margin={"l": 200, "r": 20, "t": 70, "b": 50},
                       legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1,
                               "xanchor": "right"})
