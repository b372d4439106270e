"""Data coverage: units x indicators, each cell observed, inferred, imputed or missing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..countries import resolve_units
from ._base import base_layout

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result

__all__ = ["CELL_STATES", "cell_states", "coverage"]

#: Cell codes of :func:`cell_states`, with their colours.
CELL_STATES = {0: ("missing", "#f1f5f9"), 1: ("observed", "#2563eb"),
               2: ("inferred", "#93c5fd"), 3: ("imputed", "#f59e0b")}


def cell_states(obj: Result | Edition) -> pd.DataFrame:
    """Every unit of the data (rows, the ranked units first by rank, then the screened-out
    ones) x every indicator: 0 missing, 1 observed, 2 inferred (e.g. a zero from absence
    in a census-like source: used, but not counted as data), 3 imputed."""
    from ._base import as_result

    r = as_result(obj)
    den = r.stages["denominated"]
    codes = list(r.spec.indicator_codes)
    inferred = r.inferred.reindex(index=den.index, columns=codes, fill_value=False)
    state = np.where(den[codes].notna(), np.where(inferred.to_numpy(dtype=bool), 2, 1), 0)
    state = np.where(r.imputed[codes].to_numpy(dtype=bool), 3, state)
    t = pd.DataFrame(state, index=den.index, columns=codes)
    ranked = list(r.ranks[r.spec.index_code].dropna().sort_values(kind="stable").index)
    rest = [u for u in r.units if u not in set(ranked)]
    out = [u for u in den.index if u not in set(ranked) | set(rest)]
    return t.loc[ranked + rest + sorted(out)]


def coverage(obj: Result | Edition, *, units: Sequence[str] | None = None,
             title: str | None = None) -> go.Figure:
    """A heatmap of :func:`cell_states`.

    Parameters
    ----------
    obj : Result or Edition
    units : sequence of str, optional
        Rows to show (default every unit of the data, ranked units first).

    Returns
    -------
    plotly.graph_objects.Figure
        One row per unit, one column per indicator; screened-out units are labelled
        with a "×". The legend gives the four cell states.
    """
    import plotly.graph_objects as go

    from ._base import as_result

    r = as_result(obj)
    t = cell_states(r)
    if units is not None:
        names = {str(u): r.names.get(str(u), str(u)) for u in t.index}
        t = t.loc[resolve_units(list(units), names, what="units", kind=r.spec.units.kind)]
    kept = set(r.units)
    labels = [u if u in kept else f"{u} ×" for u in t.index]
    n = len(CELL_STATES)
    scale = [[v, CELL_STATES[k][1]] for k in range(n) for v in (k / n, (k + 1) / n)]
    z = t.to_numpy()
    hover = np.array([[f"{r.names.get(u, u)} ({u}) / {c}: {CELL_STATES[int(z[i, j])][0]}"
                       for j, c in enumerate(t.columns)] for i, u in enumerate(t.index)])
    fig = go.Figure(go.Heatmap(z=z + 0.5, x=list(t.columns), y=labels, zmin=0,
                               zmax=n, colorscale=scale, showscale=False, xgap=1, ygap=0.5,
                               hovertext=hover, hoverinfo="text"))
    for k, (name, colour) in CELL_STATES.items():
        share = float((z == k).mean())
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{name} "
                                 f"({share:.0%})", marker={"symbol": "square", "size": 10,
                                                           "color": colour,
                                                           "line": {"color": "#94a3b8",
                                                                    "width": 1}}))
    fig.update_yaxes(autorange="reversed", type="category",
                     tickfont={"size": 8 if len(t) <= 60 else 6}, dtick=1)
    fig.update_xaxes(tickangle=-60, tickfont={"size": 8}, side="top")
    return base_layout(fig, title or f"Data coverage of {len(t)} units", height=190 +
                       9 * len(t), legend={"orientation": "h", "y": -0.02, "x": 0,
                                           "yanchor": "top"},
                       margin={"l": 70, "r": 20, "t": 110, "b": 40})
