"""Indicator statistics and the unit screening table of an audit (COINr's ``get_stats``
and ``Screen()$DataSummary``).

:func:`indicator_stats` gives, for every column, what a JRC audit tabulates first:
availability, range, centre and spread, skewness and kurtosis, the shares of zeros and
of distinct values, with flags. :func:`screen_summary` gives per unit the missing and
zero counts that the screening step judges, and whether the unit is kept.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, steps 2-4.
COINr ``get_stats()``, ``get_data_avail()`` and ``Screen()`` (bluefoxr/COINr, v1.1.14).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ...errors import DataError, Issue
from ...results import STAGES, Result
from ...treat import skew_kurtosis

__all__ = ["indicator_stats", "result_stats", "screen_summary"]

STAT_COLUMNS = ("min", "max", "mean", "median", "sd", "skew", "kurtosis", "n", "n_nonzero",
                "n_unique", "n_same", "share_available", "share_nonzero", "share_unique",
                "share_same", "flag_availability", "flag_nonzero", "flag_unique",
                "flag_skew_kurtosis")


def indicator_stats(frame: pd.DataFrame, *, t_avail: float = 0.65, t_nonzero: float = 0.5,
                    t_unique: float = 0.5, t_skew: float = 2.0, t_kurt: float = 3.5
                    ) -> pd.DataFrame:
    """Descriptive statistics and flags of every column (COINr's ``get_stats``).

    Parameters
    ----------
    frame : DataFrame
        index: units; columns: indicator (or aggregate) codes; NaN = missing.
    t_avail, t_nonzero, t_unique : float
        Flag a column whose share of units with data, of units with a non-zero value or
        of distinct values is below this.
    t_skew, t_kurt : float
        Flag a column with ``|skew| > t_skew`` and ``kurtosis > t_kurt`` (the JRC rule).

    Returns
    -------
    DataFrame
        index: the codes; columns (COINr's names in brackets): ``min``, ``max``, ``mean``,
        ``median``, ``sd`` (n - 1) [``Std``], ``skew``, ``kurtosis`` (e1071 type 2, as
        the treatment uses) [``Kurt``], ``n`` (values available) [``N.Avail``],
        ``n_nonzero``, ``n_unique``, ``n_same`` (the count of the most common value),
        ``share_available`` (``n`` / units), ``share_nonzero``, ``share_unique`` and
        ``share_same`` (each / ``n``), and the boolean flags ``flag_availability``,
        ``flag_nonzero``, ``flag_unique`` (True = below the threshold; as in COINr, the
        last two divide by the number of *units*, not by ``n``) and
        ``flag_skew_kurtosis`` (True = an outlier problem; NaN when either is unknown).

    Examples
    --------
    >>> t = indicator_stats(pd.DataFrame({"a": [0.0, 1.0, 1.0, np.nan]}))
    >>> t.loc["a", ["n", "n_nonzero", "n_unique", "n_same"]].tolist()
    [3, 2, 2, 2]
    """
    n_units = len(frame)
    rows = {str(c): _column_stats(frame[c].to_numpy(dtype=float), n_units, t_avail,
                                  t_nonzero, t_unique, t_skew, t_kurt)
            for c in frame.columns}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(STAT_COLUMNS))
    out.index.name = "code"
    for c in ("n", "n_nonzero", "n_unique", "n_same"):
        out[c] = out[c].astype(int)
    for c in ("flag_availability", "flag_nonzero", "flag_unique"):
        out[c] = out[c].astype(bool)
    return out


def _column_stats(x: np.ndarray, n_units: int, t_avail: float, t_nonzero: float,
                  t_unique: float, t_skew: float, t_kurt: float) -> list[Any]:
    v = x[~np.isnan(x)]
    n = v.size
    if n == 0:
        nan = float("nan")
        return [nan] * 7 + [0, 0, 0, 0, 0.0, nan, nan, nan, True, True, True, nan]
    _, counts = np.unique(v, return_counts=True)
    sk, ku = skew_kurtosis(v)
    nz, nu, ns = int(np.count_nonzero(v)), int(counts.size), int(counts.max())
    sd = float(np.std(v, ddof=1)) if n > 1 else float("nan")
    outlier = (bool(abs(sk) > t_skew and ku > t_kurt) if np.isfinite(sk) and np.isfinite(ku)
               else float("nan"))
    return [float(v.min()), float(v.max()), float(np.mean(v)), float(np.median(v)), sd, sk,
            ku, n, nz, nu, ns, n / n_units, nz / n, nu / n, ns / n, n / n_units < t_avail,
            nz / n_units < t_nonzero, nu / n_units < t_unique, outlier]


def result_stats(result: Result, stage: str = "raw", **thresholds: float) -> pd.DataFrame:
    """:func:`indicator_stats` of one stage of a build (``raw``, ``treated``,
    ``normalised``, ``aggregated`` ...; indicators and, for ``aggregated``, groups).

    The ``raw`` and ``denominated`` stages hold every unit of the data; the later stages
    the units kept by the screen.
    """
    if stage not in STAGES:
        raise DataError([Issue(("stage",), "unknown_stage", f"stage must be one of "
                               f"{list(STAGES)}. Got {stage!r}.", stage)])
    return indicator_stats(result.stages[stage], **thresholds)


def screen_summary(frame: pd.DataFrame, *, min_coverage: float = 2 / 3,
                   min_nonzero: float = 0.05,
                   rule: Literal["missing", "zeros", "both"] = "missing",
                   include: Sequence[str] = (), exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Per unit: missing values, zeros and whether the screen keeps it (COINr's
    ``Screen()$DataSummary``; ``min_coverage`` is its ``dat_thresh``, ``min_nonzero``
    its ``nonzero_thresh``).

    Parameters
    ----------
    frame : DataFrame
        index: units; columns: the indicators screened on.
    min_coverage : float
        A unit with a smaller share of indicators available is removed.
    min_nonzero : float
        A unit whose share of non-zero values among its available ones is smaller is
        flagged ``low_nonzero``.
    rule : {"missing", "zeros", "both"}
        Which flags remove a unit (COINr's ``unit_screen`` ``byNA``, ``byzeros``,
        ``byNAandzeros``). In a spec, ``screen: {min_coverage, min_nonzero}`` applies
        both (``min_nonzero: 0`` is "missing", ``min_coverage: 0`` is "zeros").
    include, exclude : sequence of str
        Units kept or removed whatever their data (COINr's ``Force``).

    Returns
    -------
    DataFrame
        index: unit; columns ``n_missing``, ``n_zero``, ``n_missing_or_zero``,
        ``availability`` (1 - n_missing / indicators), ``nonzero`` (1 - n_zero /
        available), ``low_data``, ``low_nonzero``, ``flagged`` (either) and ``included``.
    """
    k = frame.shape[1]
    miss = frame.isna().sum(axis=1)
    zero = frame.eq(0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        avail = 1 - miss / k
        nonzero = 1 - zero / (k - miss)
    if rule not in ("missing", "zeros", "both"):
        raise DataError([Issue(("rule",), "unknown_rule", "rule must be 'missing', 'zeros' "
                               f"or 'both'. Got {rule!r}.", rule)])
    low_data = avail < min_coverage
    low_nz = nonzero < min_nonzero
    flagged = low_data | low_nz
    included = ~{"missing": low_data, "zeros": low_nz, "both": flagged}[rule]
    included[frame.index.isin(list(include))] = True
    included[frame.index.isin(list(exclude))] = False
    out = pd.DataFrame({"n_missing": miss, "n_zero": zero, "n_missing_or_zero": miss + zero,
                        "availability": avail, "nonzero": nonzero, "low_data": low_data,
                        "low_nonzero": low_nz, "flagged": flagged,
                        "included": included})
    out.index.name = "unit"
    return out
