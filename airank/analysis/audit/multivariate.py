"""Principal components of indicator groups (COINr's ``get_PCA``).

Each group's columns are standardised (mean 0, sd 1 with n - 1) and decomposed by SVD,
as R's ``prcomp(center = TRUE, scale = TRUE)``: the share of variance of each component
and the loadings. A component's sign is arbitrary (LAPACK's choice in R); airank fixes it
so that the loadings of each component sum to a non-negative number, which makes PC1's
loadings usable as weights. Rows with a missing value are dropped per group (COINr's
``na.omit``), and the count of rows used is reported.

References
----------
OECD/JRC (2008), Handbook on Constructing Composite Indicators, step 4 and section 6.1.
COINr ``get_PCA()`` (bluefoxr/COINr, v1.1.14).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError, Issue
from ...results import STAGES, Result

__all__ = ["PCA", "level_frame", "pca", "result_pca"]


@dataclass(frozen=True)
class PCA:
    """Principal components of one or more groups.

    Attributes
    ----------
    variance : DataFrame
        One row per group and component: ``group``, ``n_rows`` (complete rows used),
        ``component`` (1, 2, ...), ``sdev``, ``prop_var`` (share of the variance),
        ``cum_prop``.
    loadings : DataFrame
        ``group``, ``code``, ``component``, ``loading`` (sign fixed: each component's
        loadings sum to >= 0).
    """

    variance: pd.DataFrame
    loadings: pd.DataFrame

    @property
    def first(self) -> pd.DataFrame:
        """Per group: ``n_rows``, ``n_columns`` and ``prop_var`` of the first component."""
        v = self.variance[self.variance["component"] == 1].set_index("group")
        k = self.loadings[self.loadings["component"] == 1].groupby("group").size()
        return pd.DataFrame({"n_rows": v["n_rows"], "n_columns": k.reindex(v.index),
                             "prop_var": v["prop_var"]})

    @property
    def weights(self) -> pd.Series:
        """PC1 loadings by code (sign fixed), COINr's ``$Weights``."""
        t = self.loadings[self.loadings["component"] == 1]
        return pd.Series(t["loading"].to_numpy(), index=t["code"].to_numpy(), name="weight")


def pca(frame: pd.DataFrame, groups: Mapping[str, Sequence[str]] | None = None) -> PCA:
    """Principal components of each group of columns (all columns if ``groups`` is None).

    Parameters
    ----------
    frame : DataFrame
        index: units; columns: codes.
    groups : mapping, optional
        Group name -> its column codes. Default ``{"all": every column}``.

    Raises
    ------
    DataError
        If a group names a column not in ``frame``, or has fewer than 2 complete rows or
        a constant column after dropping incomplete rows.

    Examples
    --------
    >>> f = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8.5]})
    >>> round(pca(f).first.loc["all", "prop_var"], 3)
    1.0
    """
    groups = {"all": list(frame.columns)} if groups is None else dict(groups)
    issues = [Issue(("groups", g, c), "unknown_column", f"Group '{g}' names '{c}', which "
                    "is not a column of the data.", c)
              for g, cols in groups.items() for c in cols if c not in frame.columns]
    DataError.collect(issues, f"{len(issues)} problem(s) in the PCA groups")
    var_rows, load_rows = [], []
    for g, cols in groups.items():
        sub = frame[list(cols)].astype(float).dropna()
        sdev, rot = _prcomp(sub, g)
        prop = sdev**2 / np.sum(sdev**2)
        var_rows.append(pd.DataFrame({"group": g, "n_rows": len(sub),
                                      "component": np.arange(1, sdev.size + 1), "sdev": sdev,
                                      "prop_var": prop, "cum_prop": np.cumsum(prop)}))
        for j in range(rot.shape[1]):
            load_rows.append(pd.DataFrame({"group": g, "code": list(cols),
                                           "component": j + 1, "loading": rot[:, j]}))
    return PCA(pd.concat(var_rows, ignore_index=True), pd.concat(load_rows, ignore_index=True))


def _prcomp(sub: pd.DataFrame, group: str) -> tuple[np.ndarray, np.ndarray]:
    x = sub.to_numpy(dtype=float)
    sd = x.std(axis=0, ddof=1) if len(x) > 1 else np.zeros(x.shape[1])
    if len(x) < 2 or not (sd > 0).all():
        raise DataError([Issue(("pca", group), "not_enough_data", f"Group '{group}' has "
                               f"{len(x)} complete rows and constant columns "
                               f"{list(sub.columns[~(sd > 0)])}; PCA needs 2 rows and "
                               "varying columns.", len(x))])
    z = (x - x.mean(axis=0)) / sd
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    rot = vt.T
    rot = rot * np.where(rot.sum(axis=0) < 0, -1.0, 1.0)
    return s / np.sqrt(len(x) - 1), rot


def level_frame(result: Result, stage: str, level: int) -> pd.DataFrame:
    """The scores of every node of ``level`` in a build's ``stage`` (level 1 = indicators,
    in any stage; groups only in ``aggregated``), in the spec's order."""
    spec = result.spec
    if stage not in STAGES:
        raise DataError([Issue(("stage",), "unknown_stage", f"stage must be one of "
                               f"{list(STAGES)}. Got {stage!r}.", stage)])
    top = spec.levels[spec.index_code]
    if not 1 <= level <= top or (level > 1 and stage != "aggregated"):
        raise DataError([Issue(("level",), "bad_level", f"Level {level} is not in stage "
                               f"'{stage}': indicators are level 1 (every stage), groups "
                               f"levels 2-{top} (the 'aggregated' stage only).", level)])
    codes = [c for c in spec.codes if spec.levels[c] == level]
    return result.stages[stage][codes]


def result_pca(result: Result, *, stage: str = "normalised", level: int = 1,
               by_groups: bool = True) -> PCA:
    """:func:`pca` of the nodes of ``level`` in a build: one PCA per parent group
    (``by_groups``) or one of all of them."""
    frame = level_frame(result, stage, level)
    if not by_groups:
        return pca(frame)
    spec = result.spec
    groups: dict[str, list[str]] = {}
    for c in frame.columns:
        parent = spec.parent[c]
        if parent is not None:
            groups.setdefault(parent, []).append(str(c))
    return pca(frame, groups)
