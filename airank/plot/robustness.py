"""Robustness figures: Monte Carlo rank intervals and Sobol' sensitivity indices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..countries import resolve_units
from ._base import BASE, HIGHLIGHT, MUTED, base_layout

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..analysis.robustness.sensitivity import SensitivityResult
    from ..analysis.robustness.uncertainty import UncertaintyResult

__all__ = ["intervals", "sobol"]


def _units(names: dict[str, str], texts: Sequence[str] | str | None, kind: str,
           what: str) -> list[str]:
    if texts is None:
        return []
    return resolve_units([texts] if isinstance(texts, str) else list(texts), names,
                         what=what, kind=kind)


def intervals(unc: UncertaintyResult, *, units: Sequence[str] | None = None,
              highlight: Sequence[str] | str | None = None,
              title: str | None = None) -> go.Figure:
    """Rank intervals: the 5-95% range of each unit's rank over the replications.

    Parameters
    ----------
    unc : UncertaintyResult
        From :func:`airank.analysis.robustness.uncertainty.uncertainty`.
    units : sequence of str, optional
        The units to show (default all), in nominal rank order.
    highlight : str or sequence of str, optional
        Units drawn in orange.

    Returns
    -------
    plotly.graph_objects.Figure
        Units along the x axis by nominal rank; a bar from the 5th to the 95th
        percentile rank, the median (dot) and the nominal rank (cross); rank 1 at the
        top.
    """
    import plotly.graph_objects as go

    t = unc.summary
    names = {str(u): str(n) for u, n in t["name"].items()}
    kind = unc.plan.spec.units.kind
    if units is not None:
        t = t.loc[_units(names, units, kind, "units")]
    t = t.sort_values(["nominal", "median"])
    marked = set(_units(names, highlight, kind, "highlight"))
    x = list(t.index)
    colour = [HIGHLIGHT if u in marked else BASE for u in x]
    lo, hi = t["q05"].to_numpy(float), t["q95"].to_numpy(float)
    med, nom = t["median"].to_numpy(float), t["nominal"].to_numpy(float)
    hover = [f"{names.get(str(u), u)} ({u})<br>nominal {nom[i]:.0f}, median {med[i]:g}<br>"
             f"5-95%: {lo[i]:g}-{hi[i]:g}" for i, u in enumerate(x)]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=hi - lo, base=lo, marker={"color": colour, "opacity": 0.35},
                         name="5-95% interval", hovertext=hover, hoverinfo="text", width=0.7))
    fig.add_trace(go.Scatter(x=x, y=med, mode="markers", name="median rank",
                             marker={"color": colour, "size": 6}, hovertext=hover,
                             hoverinfo="text"))
    fig.add_trace(go.Scatter(x=x, y=nom, mode="markers", name="nominal rank",
                             marker={"symbol": "x-thin", "size": 7, "color": "black",
                                     "line": {"width": 1.5}}, hoverinfo="skip"))
    fig.update_yaxes(range=[len(unc.summary) + 1, 0], title={"text": "rank (1 = best)"})
    fig.update_xaxes(type="category", tickangle=-90, tickfont={"size": 8 if len(x) <= 60 else 6})
    return base_layout(fig, title or f"Rank intervals over {unc.n:,} replications "
                       f"(seed {unc.seed})", legend={"orientation": "h", "y": 1.08,
                                                     "x": 1, "xanchor": "right"})


def sobol(sens: SensitivityResult, *, unit: str | None = None,
          title: str | None = None) -> go.Figure:
    """First-order and total-effect Sobol' indices with their confidence intervals.

    Parameters
    ----------
    sens : SensitivityResult
        From :func:`airank.analysis.robustness.sensitivity.sensitivity`.
    unit : str, optional
        Show the indices of this unit's rank instead of the mean absolute rank shift.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bars per factor, S1 and ST, each with its bootstrap half-width as an
        error bar.
    """
    import plotly.graph_objects as go

    t = sens.shift
    what = "mean absolute rank shift"
    if unit is not None:
        names = {str(u): str(u) for u in sens.units.index.get_level_values("unit").unique()}
        u = _units(names, unit, "custom", "unit")[0]
        t = pd.DataFrame(sens.units.xs(u, level="unit"))
        what = f"rank of {u}"
    fig = go.Figure()
    for col, colour, label in (("S1", BASE, "first order (S1)"),
                               ("ST", HIGHLIGHT, "total effect (ST)")):
        conf = t[f"{col}_conf"].to_numpy(float)
        fig.add_trace(go.Bar(
            x=list(t.index), y=t[col].to_numpy(float), name=label, marker={"color": colour},
            error_y={"type": "data", "array": np.nan_to_num(conf), "visible": True,
                     "color": "#334155", "thickness": 1.2},
            hovertemplate="%{x}: %{y:.3f} ± %{error_y.array:.3f}<extra>" + col + "</extra>"))
    fig.add_hline(y=0, line={"color": MUTED, "width": 1})
    fig.update_yaxes(title={"text": "Sobol' index"})
    return base_layout(fig, title or f"Sobol' sensitivity of the {what} "
                       f"({sens.n_rows:,} runs)", barmode="group",
                       legend={"orientation": "h", "y": 1.1, "x": 1, "xanchor": "right"})
