"""Correlation heatmaps within and across levels, with the pairs worth a look flagged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..errors import DataError, Issue
from ._base import as_result, base_layout, check_codes, check_stage

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..edition import Edition
    from ..results import Result
    from ..spec import IndexSpec

__all__ = ["correlation", "correlation_pairs"]

Method = Literal["pearson", "spearman"]


def ancestor(spec: IndexSpec, code: str, level: int) -> str | None:
    """``code`` itself if at ``level`` or above, else its first ancestor that is."""
    c: str | None = code
    while c is not None and spec.levels[c] < level:
        c = spec.parent[c]
    return c


def _related(spec: IndexSpec, a: str, b: str) -> bool:
    """Whether one of ``a`` and ``b`` is an ancestor of the other."""
    lo, hi = (a, b) if spec.levels[a] <= spec.levels[b] else (b, a)
    return ancestor(spec, lo, spec.levels[hi]) == hi


def _codes(spec: IndexSpec, level: int, codes: Sequence[str] | None) -> list[str]:
    if codes is not None:
        return check_codes(spec, codes)
    top = spec.levels[spec.index_code]
    if not 1 <= level <= top:
        raise DataError([Issue(("levels",), "unknown_level", f"There is no level {level}: "
                               f"levels are 1 (indicators) to {top} (the index).", level)])
    return [c for c in spec.codes if spec.levels[c] == level]


def correlation_pairs(obj: Result | Edition, levels: tuple[int, int] = (1, 1), *,
                      within: int | None = None, stage: str = "aggregated",
                      method: Method = "pearson", high: float = 0.9, low: float = 0.0,
                      rows: Sequence[str] | None = None, cols: Sequence[str] | None = None
                      ) -> pd.DataFrame:
    """The correlations a heatmap shows, long: one row per pair.

    Parameters
    ----------
    obj : Result or Edition
    levels : (int, int)
        Rows are the codes of the first level, columns those of the second (1 =
        indicators). Equal levels: each pair once (lower triangle, no diagonal).
    within : int, optional
        Keep only pairs in the same group of this level (COINr's ``grouplev``).
    stage : str
        ``aggregated`` (normalised indicators and group scores) or an indicator stage.
    method : {"pearson", "spearman"}
        Pairwise-complete correlations.
    high, low : float
        Flag thresholds: ``r > high`` within one level (collinear, COINr's
        ``get_corr_flags`` default 0.9) and ``r < low`` (negative) within one level or,
        across levels, between a code and its own ancestor (an indicator against its
        pillar: across different groups a negative correlation is no fault).
    rows, cols : sequence of str, optional
        Explicit codes instead of the levels.

    Returns
    -------
    DataFrame
        Columns ``var1`` (row), ``var2`` (column), ``r``, ``n`` (complete pairs),
        ``group`` (their common group at ``within``, else ''), ``flag`` (``high``,
        ``negative`` or '').
    """
    r = as_result(obj)
    spec = r.spec
    frame = r.stages[check_stage(r, stage)]
    a, b = _codes(spec, levels[0], rows), _codes(spec, levels[1], cols)
    missing = [c for c in dict.fromkeys(a + b) if c not in frame.columns]
    if missing:
        raise DataError([Issue(("stage",), "not_in_stage", f"Stage '{stage}' has no column "
                               f"for {missing}; group scores are in 'aggregated'.", missing)])
    data = frame[list(dict.fromkeys(a + b))].astype(float)
    cols_all = list(data.columns)
    corr = data.corr(method=method).to_numpy()
    ok = data.notna().to_numpy(dtype=float)
    counts = ok.T @ ok
    at = {c: k for k, c in enumerate(cols_all)}
    same = levels[0] == levels[1] and rows is None and cols is None
    out = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if (same and j >= i) or x == y:
                continue
            g = ancestor(spec, x, within) if within else ""
            if within and g != ancestor(spec, y, within):
                continue
            v = float(corr[at[x], at[y]])
            # across levels only a code and its own ancestor are expected to agree
            judged = same or _related(spec, x, y)
            flag = "" if not judged else "negative" if v < low else (
                "high" if same and v > high else "")
            out.append({"var1": x, "var2": y, "r": v, "n": int(counts[at[x], at[y]]),
                        "group": g or "", "flag": flag})
    return pd.DataFrame(out, columns=["var1", "var2", "r", "n", "group", "flag"])


def correlation(obj: Result | Edition, levels: tuple[int, int] = (1, 1), *,
                within: int | None = None, stage: str = "aggregated",
                method: Method = "pearson", high: float = 0.9, low: float = 0.0,
                rows: Sequence[str] | None = None, cols: Sequence[str] | None = None,
                title: str | None = None) -> go.Figure:
    """A heatmap of :func:`correlation_pairs`; flagged cells are outlined.

    Returns
    -------
    plotly.graph_objects.Figure
        Red for positive, blue for negative correlations (-1 to 1). An open black
        square marks a flagged pair (negative, or above ``high`` within a level);
        the values are printed in the cells when there are at most 30 columns.
    """
    import plotly.graph_objects as go

    r = as_result(obj)
    pairs = correlation_pairs(r, levels, within=within, stage=stage, method=method,
                              high=high, low=low, rows=rows, cols=cols)
    ys = list(dict.fromkeys(pairs["var1"]))
    xs = list(dict.fromkeys(pairs["var2"]))
    z = pairs.pivot(index="var1", columns="var2", values="r").reindex(index=ys, columns=xs)
    show_text = len(xs) <= 30
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=xs, y=ys, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True,
        colorbar={"title": {"text": "r"}, "thickness": 12},
        text=np.where(np.isnan(z.to_numpy()), "", (np.round(z.to_numpy(), 2) + 0.0).astype(str)),
        texttemplate="%{text}" if show_text else None, textfont={"size": 8},
        hovertemplate="%{y} / %{x}: r = %{z:.3f}<extra></extra>", xgap=1, ygap=1))
    flagged = pairs[pairs["flag"] != ""]
    if len(flagged):  # each flagged cell outlined whole (cells are wider than tall)
        xi, yi = {x: i for i, x in enumerate(xs)}, {y: i for i, y in enumerate(ys)}
        for a, b in zip(flagged["var2"], flagged["var1"], strict=True):
            fig.add_shape(type="rect", xref="x", yref="y", x0=xi[a] - 0.46, x1=xi[a] + 0.46,
                          y0=yi[b] - 0.42, y1=yi[b] + 0.42, line={"color": "black", "width": 2})
        fig.add_trace(go.Scatter(  # the flag's name on hover
            x=flagged["var2"], y=flagged["var1"], mode="markers", name="flagged",
            marker={"size": 12, "opacity": 0}, text=flagged["flag"],
            hovertemplate="%{y} / %{x}: %{text}<extra></extra>"))
    n = max(len(xs), len(ys))
    what = (f"level {levels[0]}" if levels[0] == levels[1]
            else f"level {levels[0]} against level {levels[1]}")
    fig.update_yaxes(autorange="reversed", tickfont={"size": 9 if n <= 30 else 7})
    fig.update_xaxes(tickangle=-60, tickfont={"size": 9 if n <= 30 else 7})
    return base_layout(fig, title or f"Correlations ({method}), {what}"
                       + (f" within level-{within} groups" if within else ""),
                       height=200 + 18 * len(ys), showlegend=False,
                       margin={"l": 150, "r": 20, "t": 50, "b": 90})
