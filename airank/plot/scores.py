"""Scores by unit: a bar chart of one code, a dot plot of several, units highlighted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._base import (
    HIGHLIGHT,
    MUTED,
    WIDTH,
    as_result,
    base_layout,
    check_codes,
    check_units,
    display_name,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result

__all__ = ["bar", "dot"]


def bar(obj: Result | Edition, code: str | None = None, *,
        highlight: Sequence[str] | str | None = None, top: int | None = None,
        title: str | None = None) -> go.Figure:
    """Bars of one code's scores (default the index), best first.

    Parameters
    ----------
    obj : Result or Edition
    code : str, optional
        An indicator (normalised score) or group; default the index.
    highlight : str or sequence of str, optional
        Units to colour (codes, names or aliases).
    top : int, optional
        Only the ``top`` best units (the highlighted ones are kept too).

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per unit with a score, highlighted units in orange and labelled with
        their rank. Hover: name, score, rank.
    """
    import plotly.graph_objects as go

    r = as_result(obj)
    code = check_codes(r.spec, [code or r.spec.index_code])[0]
    marked = set(check_units(r, highlight))
    s = r.scores[code].dropna().sort_values(ascending=False, kind="stable")
    rank = r.ranks[code].reindex(s.index)
    if top is not None:
        s = s[[i < top or u in marked for i, u in enumerate(s.index)]]
    colours = [HIGHLIGHT if u in marked else MUTED for u in s.index]
    fig = go.Figure(go.Bar(
        x=list(s.index), y=s.to_numpy(), marker={"color": colours},
        customdata=np.stack([[r.names.get(u, u) for u in s.index],
                             rank.reindex(s.index).astype(str).to_numpy()], axis=1),
        hovertemplate="%{customdata[0]} (%{x})<br>score %{y:.2f}<br>rank %{customdata[1]}"
                      "<extra></extra>"))
    for u in s.index:
        if u in marked:
            fig.add_annotation(x=u, y=float(s[u]), text=f"{u}<br>#{rank[u]}", showarrow=True,
                               arrowhead=0, ay=-30, font={"size": 10, "color": HIGHLIGHT})
    fig.update_xaxes(tickangle=-90, tickfont={"size": 8 if len(s) <= 60 else 6},
                     type="category")
    fig.update_yaxes(title={"text": "score"})
    return base_layout(fig, title or f"{display_name(r.spec, code)} ({code}): scores by unit",
                       bargap=0.15)


def dot(obj: Result | Edition, codes: Sequence[str] | None = None, *,
        highlight: Sequence[str] | str | None = None, title: str | None = None) -> go.Figure:
    """Every unit as a dot on each code's scale; highlighted units stand out.

    Parameters
    ----------
    obj : Result or Edition
    codes : sequence of str, optional
        One row per code; default the index and its children (the pillars).
    highlight : str or sequence of str, optional
        Units drawn large, in colour, with their rank.

    Returns
    -------
    plotly.graph_objects.Figure
        Rows are codes, the x axis is the score; grey dots are the other units, the
        median is a black tick. Hover: unit, score, rank.
    """
    import plotly.graph_objects as go

    r = as_result(obj)
    spec = r.spec
    codes = check_codes(spec, list(codes) if codes is not None else
                        [spec.index_code, *spec.children[spec.index_code]])
    marked = check_units(r, highlight)
    fig = go.Figure()
    for code in codes:
        s = r.scores[code].dropna()
        fig.add_trace(go.Scatter(
            x=s.to_numpy(), y=[code] * len(s), mode="markers", showlegend=False,
            marker={"color": MUTED, "size": 6, "opacity": 0.6},
            text=[f"{r.names.get(u, u)} ({u})" for u in s.index],
            hovertemplate="%{text}<br>%{y}: %{x:.2f}<extra></extra>"))
        fig.add_trace(go.Scatter(x=[float(s.median())], y=[code], mode="markers",
                                 showlegend=False, hoverinfo="skip",
                                 marker={"symbol": "line-ns-open", "size": 16,
                                         "color": "black", "line": {"width": 2}}))
    for k, u in enumerate(marked):
        vals = r.scores.loc[u, codes].to_numpy(dtype=float)
        ranks = [str(x) for x in r.ranks.loc[u, codes].to_numpy()]
        fig.add_trace(go.Scatter(
            x=vals, y=codes, mode="markers", name=f"{r.names.get(u, u)} ({u})",
            marker={"size": 12, "color": HIGHLIGHT if k == 0 else _second(k),
                    "line": {"color": "white", "width": 1}},
            text=[f"rank {x}" for x in ranks],
            hovertemplate=f"{u}" + " %{y}: %{x:.2f}, %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title={"text": "score"})
    return base_layout(fig, title or "Scores by unit" + (
        f": {', '.join(marked)}" if marked else ""), height=120 + 48 * len(codes),
        width=WIDTH, legend={"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right",
                             "yanchor": "bottom"})


def _second(k: int) -> str:
    from ._base import PALETTE

    return PALETTE[k % len(PALETTE)]
