"""A unit's profile: what each pillar adds to its score, and its strengths and weaknesses."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ._base import HIGHLIGHT, MUTED, as_result, base_layout, check_units

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result
    from ..spec import IndexSpec

__all__ = ["profile", "profile_tables"]

STRONG = "#059669"
WEAK = "#dc2626"


def profile_tables(obj: Result | Edition, unit: str, *, n: int = 5
                   ) -> dict[str, pd.DataFrame]:
    """The numbers of a unit profile.

    Returns
    -------
    dict of DataFrame
        ``contributions`` (:meth:`Result.contributions` with ``name`` and the median
        score of all units, ``median``), ``strengths`` and ``weaknesses``
        (:meth:`Result.strengths_weaknesses`, ``n`` each).
    """
    r = as_result(obj)
    u = check_units(r, unit, "unit")[0]
    c = r.contributions(u)
    c.insert(1, "name", [r.spec.node(x).name or x for x in c["code"]])
    c["median"] = [float(r.scores[x].median()) for x in c["code"]]
    strong, weak = r.strengths_weaknesses(u, n)
    return {"contributions": c, "strengths": strong, "weaknesses": weak}


def profile(obj: Result | Edition, unit: str, *, n: int = 5,
            title: str | None = None) -> go.Figure:
    """Two panels: the unit's group scores against the median unit, and its ``n`` best
    and ``n`` worst indicators by rank.

    Parameters
    ----------
    obj : Result or Edition
    unit : str
        Code, name or alias of a ranked unit.
    n : int
        Strengths and weaknesses shown.

    Returns
    -------
    plotly.graph_objects.Figure
        Top: for every group (each pillar, then its sub-pillars), the unit's score
        (orange) beside the median of all units (grey), with the points each adds to
        the index in the hover. Bottom: indicator ranks among all units, strengths in
        green and weaknesses in red (shorter bars are better ranks).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    r = as_result(obj)
    spec = r.spec
    u = check_units(r, unit, "unit")[0]
    t = profile_tables(r, u, n=n)
    c = t["contributions"].set_index("code")
    order = [g for p in spec.children[spec.index_code] for g in (p, *_groups(spec, p))]
    groups = c.loc[order].reset_index()
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.25, row_heights=[0.55, 0.45],
                        subplot_titles=("Group scores: the unit against the median unit",
                                        f"Strengths and weaknesses: indicator ranks of "
                                        f"{len(r.units)} units"))
    fig.add_trace(go.Bar(x=groups["code"], y=groups["median"], name="median unit",
                         marker={"color": MUTED}, hovertemplate="median %{y:.2f}<extra></extra>"),
                  row=1, col=1)
    fig.add_trace(go.Bar(x=groups["code"], y=groups["score"], name=u, marker={"color": HIGHLIGHT},
                         customdata=groups[["to_index", "effective_weight"]].to_numpy(),
                         hovertemplate="%{x}: %{y:.2f}<br>adds %{customdata[0]:.2f} to the "
                                       "index (weight %{customdata[1]:.1%})<extra></extra>"),
                  row=1, col=1)
    for frame, col, label in ((t["strengths"], STRONG, "strength"),
                              (t["weaknesses"], WEAK, "weakness")):
        fig.add_trace(go.Bar(y=frame["code"], x=frame["rank"], orientation="h", name=label,
                             marker={"color": col}, text=frame["rank"].astype(int).astype(str),
                             textposition="outside", customdata=frame[["name", "raw"]].to_numpy(),
                             hovertemplate="%{customdata[0]}: rank %{x}, value "
                                           "%{customdata[1]:.4g}<extra></extra>"),
                      row=2, col=1)
    fig.update_yaxes(autorange="reversed", row=2, col=1, tickfont={"size": 9})
    fig.update_xaxes(title={"text": "rank (1 = best)"}, range=[0, len(r.units) * 1.1],
                     row=2, col=1)
    fig.update_xaxes(tickangle=-45, tickfont={"size": 9}, row=1, col=1)
    for ann in fig.layout.annotations:
        ann.font = {"size": 12}
    rank = str(r.ranks[spec.index_code].to_dict()[u])
    head = (f"{r.names.get(u, u)} ({u}): rank {rank} of {len(r.units)}, score "
            f"{float(r.index[u]):.2f}")
    return base_layout(fig, title or head, height=700, barmode="group",
                       legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
                       margin={"l": 110, "r": 20, "t": 80, "b": 40})


def _groups(spec: IndexSpec, code: str) -> list[str]:
    """The groups below ``code``, top-down (depth first)."""
    out: list[str] = []
    for k in spec.children.get(code, ()):
        if spec.levels[k] > 1:
            out += [k, *_groups(spec, k)]
    return out
