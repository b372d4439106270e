"""Indicator distributions before and after outlier treatment, one panel per indicator."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..treat import skew_kurtosis
from ._base import BASE, HIGHLIGHT, as_result, base_layout, check_codes, check_stage

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result

__all__ = ["distributions", "treatment_table"]

#: Treatments that change the scale: the treated values get their own (right) axis.
RESCALING = ("log", "boxcox", "log_plus", "log_gii")


def treatment_table(obj: Result | Edition) -> pd.DataFrame:
    """What the outlier treatment did to each indicator (the units kept by the screen).

    Columns: ``code``, ``method`` (the treatment method), ``action`` (``none``,
    ``winsorised``, ``log``, ...), ``winsorised_high``, ``winsorised_low``, ``lower``,
    ``upper`` (winsor bounds), ``log_shift``, ``n`` (values), ``n_changed`` (values the
    treatment changed), ``skew_before``, ``kurtosis_before`` (of the screened values),
    ``skew_after``, ``kurtosis_after`` (of the treated values; e1071 type 2 estimators,
    the JRC rule's) and ``still_fails`` (the JRC rule still fails after treatment).
    """
    r = as_result(obj)
    before, after = r.stages["screened"], r.stages["treated"]
    fits = {rec.code: rec for rec in r.records if rec.step == "treat" and rec.code}
    rows = []
    for code in r.spec.indicator_codes:
        rec = fits.get(code)
        learned = rec.learned if rec is not None else {}
        x = before[code].to_numpy(dtype=float)
        y = after[code].to_numpy(dtype=float)
        both = ~np.isnan(x) & ~np.isnan(y)
        (sk0, ku0), (sk1, ku1) = skew_kurtosis(x), skew_kurtosis(y)
        rows.append({"code": code, "method": rec.method if rec else "none",
                     "action": learned.get("action", "none"),
                     "winsorised_high": int(learned.get("winsorised_high") or 0),
                     "winsorised_low": int(learned.get("winsorised_low") or 0),
                     "lower": learned.get("lower"), "upper": learned.get("upper"),
                     "log_shift": learned.get("log_shift"), "n": int((~np.isnan(x)).sum()),
                     "n_changed": int((both & ~np.isclose(x, y, rtol=1e-12, atol=0)).sum()),
                     "skew_before": sk0, "kurtosis_before": ku0,
                     "skew_after": sk1, "kurtosis_after": ku1,
                     "still_fails": bool(learned.get("still_fails", False))})
    return pd.DataFrame(rows)


def distributions(obj: Result | Edition, codes: Sequence[str] | None = None, *,
                  before: str = "screened", columns: int = 4, title: str | None = None
                  ) -> go.Figure:
    """Box plots with every point: each indicator's values before and after treatment.

    Parameters
    ----------
    obj : Result or Edition
    codes : sequence of str, optional
        Indicators to show (default all); one panel each, ``columns`` per row.
    before : str
        The stage shown as "before": ``screened`` (default: the values the treatment
        received, units kept by the screen), ``raw`` or any stage of the result.
    columns : int
        Panels per row.
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        In each panel the ``before`` values on the left, the treated ones on the
        right; the panel title names the treatment. A treatment that changes the scale
        (a log) puts the treated values on their own right-hand axis. Hover: the unit.
    """
    from plotly.subplots import make_subplots

    r = as_result(obj)
    check_stage(r, before)
    codes = check_codes(r.spec, list(codes) if codes is not None else
                        list(r.spec.indicator_codes), "codes")
    acts = treatment_table(r).set_index("code")
    nrow = max(1, math.ceil(len(codes) / columns))
    titles = [f"{c}<br><sup>{_label(acts, c)}</sup>" for c in codes]
    fig = make_subplots(rows=nrow, cols=columns, subplot_titles=titles,
                        specs=[[{"secondary_y": True}] * columns for _ in range(nrow)],
                        vertical_spacing=min(0.25, 0.45 / nrow), horizontal_spacing=0.08)
    names = pd.Series(r.names)
    for i, code in enumerate(codes):
        row, col = i // columns + 1, i % columns + 1
        rescaled = acts.at[code, "action"] in RESCALING
        for stage, label, colour, secondary in ((before, "before", BASE, False),
                                                ("treated", "treated", HIGHLIGHT, rescaled)):
            s = r.stages[stage][code].dropna()
            fig.add_trace(_box(s, names, label, colour, i == 0), row=row, col=col,
                          secondary_y=secondary)
    for ann in fig.layout.annotations:
        ann.font = {"size": 10}
    fig.update_xaxes(showticklabels=True, tickfont={"size": 9})
    fig.update_yaxes(tickfont={"size": 8})
    return base_layout(fig, title or f"Indicator distributions: {before} and treated",
                       height=90 + 190 * nrow, showlegend=False,
                       margin={"l": 40, "r": 30, "t": 90, "b": 30})


def _label(acts: pd.DataFrame, code: str) -> str:
    act = str(acts.at[code, "action"])
    if act == "winsorised":
        return (f"winsorised {acts.at[code, 'winsorised_high']!s} high, "
                f"{acts.at[code, 'winsorised_low']!s} low")
    return "no treatment" if act == "none" else act


def _box(s: pd.Series, names: pd.Series, label: str, colour: str, legend: bool) -> go.Box:
    import plotly.graph_objects as go

    return go.Box(y=s.to_numpy(), x=[label] * len(s), name=label, legendgroup=label,
                  showlegend=legend, boxpoints="all", jitter=0.5, pointpos=0,
                  marker={"color": colour, "size": 3, "opacity": 0.7},
                  line={"color": colour, "width": 1}, fillcolor="rgba(0,0,0,0)",
                  text=[f"{names.get(u, u)} ({u})" for u in s.index],
                  hovertemplate="%{text}: %{y:.4g}<extra></extra>")
