"""Build an index: spec + data -> :class:`~airank.results.Result`, keeping every stage.

The steps, in order (each stage is kept under its name)::

    raw -> denominated -> imputed -> screened -> treated -> normalised -> aggregated

Coverage is measured on the denominated stage (before imputation: imputed values do not
count as data, the JRC rule) or, with ``screen: {on: imputed}``, after imputation (as in
COINr's example build); the screen removes the units below the threshold from the imputed
stage on. Every step leaves :class:`~airank.records.StepRecord` s with what it learned, and
``build(..., fitted=earlier.fitted)`` replays those learned parameters (same goalposts,
same winsor bounds) on new data.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .data import Dataset
from .denominate import DENOMINATORS
from .errors import DataError, Issue
from .fitted import Fit, FitLike, Fitted, as_fitted
from .impute import IMPUTERS, ImputeContext
from .kernel import Kernel
from .normalise import NoTargetError, NotFiniteError, check_finite, normalise_column
from .records import StepRecord
from .results import Result
from .spec import IndexSpec, StepConfig
from .treat import TREATERS

__all__ = ["build", "fit_pooled", "reaggregate", "renormalise"]

def build(spec: IndexSpec, data: Dataset, *, year: int | None = None,
          fitted: FitLike | None = None, like: tuple[Dataset, Result] | None = None
          ) -> Result:
    """Build the index.

    Parameters
    ----------
    spec : IndexSpec
    data : Dataset
        From :func:`airank.read_data`.
    year : int, optional
        The edition year; default the spec's ``data.year``, else the latest in the data.
    fitted : Fitted, optional
        Learned parameters (:mod:`airank.fitted`), e.g. an earlier :attr:`Result.fitted`
        or a release's frozen goalposts: reuse them (same goalposts, same treatment)
        instead of fitting again. An entry applies only while the indicator uses the
        method that learned it (a variant with another normaliser fits its own).
    like : (Dataset, Result), optional
        A dataset that ``data`` is a copy of with some values changed
        (:meth:`Dataset.with_cells`: a scenario) and its build with the same ``spec``,
        ``year`` and ``fitted``: each imputation method's group of indicators is taken
        from that build when none of its indicators and no denominator changed and the
        same coverage (hence units to rank) -- the imputer would see the same inputs (it
        reads the history of its own indicators only), so it gives the same values.

    Returns
    -------
    Result
    """
    fits = as_fitted(fitted)
    year = year if year is not None else spec.data.year
    year = max(data.years) if year is None else int(year)
    records: list[StepRecord] = []
    raw, source_years, inferred = data.select(spec.indicator_codes, year=year,
                                              lookback=spec.data.lookback)
    dens = [d.code for d in spec.denominators]
    den = (data.wide(dens, year=year, lookback=spec.data.lookback)[0] if dens
           else pd.DataFrame(index=raw.index))
    denominated = _denominate(raw, den, spec, records)
    available = _available(raw, records)
    # inferred values (a zero from absence in a census-like source) are used, but are not
    # data: they never count toward coverage
    observed = ~inferred.to_numpy()[:, available]
    coverage = _share(~np.isnan(denominated.to_numpy()[:, available]) & observed, raw.index)
    zero_rule = spec.methodology.screen.method != "none" and \
        spec.methodology.screen.options("screen").min_nonzero > 0
    nonzero = _nonzero_share(denominated.iloc[:, available]) if zero_rule else None
    # the whole history: 'latest' looks back only, 'constant'/'linear' both ways
    ctx = ImputeContext(data.groups, data.history(spec.indicator_codes, until=max(data.years)),
                        year, den, {c: spec.indicator(c).direction for c in spec.indicator_codes},
                        _rankable(coverage, spec, nonzero))
    imputed = _impute(denominated, spec, ctx, fits, records,
                      _reusable(like, data, spec, year, raw.index, coverage, nonzero))
    after = _share(~np.isnan(imputed.to_numpy()[:, available]) & observed, raw.index)
    kept = _screen(coverage, after, spec, records, nonzero=None if nonzero is None else (
        nonzero, _nonzero_share(imputed.iloc[:, available])))
    screened = imputed.loc[kept]
    treated = _treat(screened, spec, fits, records)
    normalised = _normalise(treated, spec, fits, records)
    aggregated = _aggregate(normalised, spec, records)
    stages = {"raw": raw, "denominated": denominated, "imputed": imputed,
              "screened": screened, "treated": treated, "normalised": normalised,
              "aggregated": aggregated}
    return Result(spec=spec, stages=stages, records=tuple(records), year=year,
                  source_years=source_years, data_hash=data.hash, names=dict(data.names),
                  unit_coverage=coverage, data_notes=data.notes, inferred=inferred,
                  groups=data.groups.reindex(kept))


def fit_pooled(spec: IndexSpec, data: Dataset, years: Sequence[int]) -> Fitted:
    """Treatment and normalisation fitted once on values pooled over several editions.

    Each edition is built as the spec says (to get its screened values); the treatment of
    every indicator is fitted on its values pooled over all ``years``, and its normaliser
    on the pooled treated values (direction applied) -- whatever the normaliser (COINr's
    ``Normalise(global = TRUE)``). Replayed with ``build(..., fitted=...)``, every edition
    is scored on the same goalposts, so scores compare across editions.
    """
    first = [build(spec, data, year=y) for y in years]
    treat: dict[str, Fit] = {}
    norm: dict[str, Fit] = {}
    for code in spec.indicator_codes:
        pooled = np.concatenate([r.stages["screened"][code].to_numpy(float) for r in first])
        cfg = spec.method("treat", code)
        treated, treat[code] = TREATERS[cfg.method](pooled, params=cfg.options("treat"))
        ind, ncfg = spec.indicator(code), spec.method("normalise", code)
        _, norm[code] = normalise_column(treated, ncfg.method, ncfg.options("normalise"),
                                         direction=ind.direction, target=ind.target)
    return Fitted({"treat": treat, "normalise": norm})


def reaggregate(result: Result, spec: IndexSpec) -> Result:
    """``result`` aggregated again under ``spec``, which may differ only in weights and
    aggregation methods: the normalised stage is reused (fast enough for live
    re-weighting). Raises DataError as :func:`build` does."""
    if (spec.children != result.spec.children
            or spec.indicator_codes != result.spec.indicator_codes):
        raise DataError([Issue(("spec",), "not_reaggregable",
                               "reaggregate() needs the same tree; only weights and "
                               "aggregation may change.")])
    records = [r for r in result.records if r.step != "aggregate"]
    aggregated = _aggregate(result.stages["normalised"], spec, records)
    return dataclasses.replace(result, spec=spec, records=tuple(records),
                               stages={**result.stages, "aggregated": aggregated})


def renormalise(result: Result, spec: IndexSpec, *, fitted: FitLike | None = None
                ) -> pd.DataFrame:
    """The treated stage of ``result`` normalised under ``spec``, which may differ from
    ``result.spec`` only in normalisation settings: a pipeline variant's normalised stage
    without running the earlier steps again (``fitted`` as for :func:`build`)."""
    return _normalise(result.stages["treated"], spec, as_fitted(fitted), None)


# -- steps -------------------------------------------------------------------------
def _denominate(raw: pd.DataFrame, den: pd.DataFrame, spec: IndexSpec,
                records: list[StepRecord]) -> pd.DataFrame:
    out = raw.to_numpy(dtype=float, copy=True)
    for j, code in enumerate(spec.indicator_codes):
        d = spec.indicator(code).denominator
        cfg = spec.method("denominate", code)
        if d is None or cfg.method == "none":
            continue
        out[:, j], fit = DENOMINATORS[cfg.method](out[:, j], den[d].to_numpy(dtype=float),
                                                  params=cfg.options("denominate"))
        records.append(StepRecord("denominate", code, cfg.method, dict(cfg.params),
                                  {"denominator": d, **fit}))
    return pd.DataFrame(out, index=raw.index, columns=raw.columns)


def _available(raw: pd.DataFrame, records: list[StepRecord]) -> np.ndarray:
    """Positions of the indicators with data for at least one unit in this edition.

    An indicator without any value (a source that starts later, say) does not count in
    the coverage of any unit; it stays in the tree as a missing child, so its parent
    aggregates the children that have data.
    """
    has = ~np.isnan(raw.to_numpy(dtype=float)).all(axis=0)
    for code in raw.columns[~has]:
        records.append(StepRecord("data", str(code), "no_data", {}, {},
                                  "no value in this edition: left out of coverage and "
                                  "aggregation"))
    return np.flatnonzero(has)


def _share(mask: np.ndarray, units: pd.Index) -> pd.Series:
    """Per unit (row), the share of true cells (NaN when there are no columns)."""
    n = mask.shape[1]
    return pd.Series(mask.sum(axis=1) / n if n else np.full(len(units), np.nan), index=units)


def _by_method(spec: IndexSpec, step: str) -> list[tuple[StepConfig, list[str]]]:
    groups: dict[str, tuple[StepConfig, list[str]]] = {}
    for code in spec.indicator_codes:
        cfg = spec.method(step, code)
        groups.setdefault(cfg.model_dump_json(), (cfg, []))[1].append(code)
    return list(groups.values())


def _reusable(like: tuple[Dataset, Result] | None, data: Dataset, spec: IndexSpec,
              year: int, units: pd.Index, coverage: pd.Series, nonzero: pd.Series | None
              ) -> tuple[Result, frozenset[str]] | None:
    """``like``'s build and the codes changed since, when its imputation can be reused
    by the method groups without a changed code (see :func:`build`); else None."""
    if like is None:
        return None
    base, res = like
    changed = data.changed_from(base)
    if (changed is None or res.spec is not spec or res.year != year
            or not changed.isdisjoint(d.code for d in spec.denominators)
            or data.groups is not base.groups or not res.stages["imputed"].index.equals(units)
            or not res.unit_coverage.equals(coverage)):
        return None
    if nonzero is not None:  # the zero-share rule: the same units to rank needs it equal
        was = res.stages["denominated"].iloc[:, _available(res.stages["raw"], [])]
        if not _nonzero_share(was).equals(nonzero):
            return None
    return res, changed


def _impute(frame: pd.DataFrame, spec: IndexSpec, ctx: ImputeContext, fitted: Fitted,
            records: list[StepRecord], reuse: tuple[Result, frozenset[str]] | None = None
            ) -> pd.DataFrame:
    values = frame.to_numpy(dtype=float)
    out = values.copy()
    was = None if reuse is None else reuse[0].stages["imputed"].to_numpy(dtype=float)
    for cfg, codes in _by_method(spec, "impute"):
        if cfg.method == "none":
            continue
        if reuse is not None and was is not None and reuse[1].isdisjoint(codes):
            cols = frame.columns.get_indexer(pd.Index(codes))  # the same inputs as there
            out[:, cols] = was[:, cols]
            wanted = set(codes)
            records += [dataclasses.replace(r, params=dict(r.params),
                                            learned=copy.deepcopy(r.learned))
                        for r in reuse[0].records if r.step == "impute" and r.code in wanted]
            continue
        given = {c: f for c in codes
                 if (f := fitted.get_fit("impute", c, cfg.method)) is not None}
        whole = len(codes) == frame.shape[1] and list(frame.columns) == codes
        sub = frame if whole else frame[codes]  # imputers do not modify their input
        part, learned = IMPUTERS[cfg.method](sub, params=cfg.options("impute"),
                                             context=ctx, learned=given or None)
        cols = np.arange(len(codes)) if whole else frame.columns.get_indexer(pd.Index(codes))
        filled = (part if part.columns.equals(sub.columns) else part[codes]
                  ).to_numpy(dtype=float)
        out[:, cols] = filled
        left = np.isnan(filled)
        n_imp, n_left = (np.isnan(values[:, cols]) & ~left).sum(axis=0), left.sum(axis=0)
        for c, n_i, n_l in zip(codes, n_imp.tolist(), n_left.tolist(), strict=True):
            note = f"{n_i} values imputed" + (f", {n_l} still missing" if n_l else "")
            learned_c = learned.get(c)
            records.append(StepRecord("impute", c, cfg.method, dict(cfg.params),
                                      learned_c.record() if learned_c else {}, note,
                                      learned_c))
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _rankable(coverage: pd.Series, spec: IndexSpec, nonzero: pd.Series | None
              ) -> pd.Index | None:
    """The units the screen will keep, when it measures data before imputation (so an
    imputer can rank against them); None when it measures the imputed stage."""
    cfg = spec.methodology.screen
    if cfg.method != "none" and cfg.options("screen").on == "imputed":
        return None
    return _screen(coverage, coverage, spec, [],
                   nonzero=None if nonzero is None else (nonzero, nonzero))


def _nonzero_share(frame: pd.DataFrame) -> pd.Series:
    """Per unit: the share of its available values that are not zero (NaN: no values)."""
    have = frame.notna().sum(axis=1)
    return 1 - frame.eq(0).sum(axis=1) / have.where(have > 0)  # COINr's arithmetic


def _screen(before: pd.Series, after: pd.Series, spec: IndexSpec,
            records: list[StepRecord], nonzero: tuple[pd.Series, pd.Series] | None = None
            ) -> pd.Index:
    """Units kept: data availability (before or after imputation) >= the threshold and,
    with ``min_nonzero``, a share of non-zero values >= that (COINr's zero-share rule;
    ``nonzero`` gives the shares on the two stages)."""
    cfg = spec.methodology.screen
    coverage = before
    if cfg.method == "none":
        keep = coverage.index[coverage > 0]
        records.append(StepRecord("screen", None, "none", {},
                                  {"removed": sorted(coverage.index[coverage == 0])},
                                  "units with no data at all are removed"))
        _check_kept(keep, coverage, None)
        return keep
    p = cfg.options("screen")
    coverage = after if p.on == "imputed" else before
    ok = (coverage >= p.min_coverage) & (before > 0)
    zero_note = ""
    if p.min_nonzero > 0 and nonzero is not None:
        share = nonzero[1] if p.on == "imputed" else nonzero[0]
        ok &= share.reindex(coverage.index).fillna(0) >= p.min_nonzero
        zero_note = f" or with under {p.min_nonzero:.0%} non-zero values"
    ok |= coverage.index.isin(p.include)
    ok &= ~coverage.index.isin(p.exclude)
    removed = sorted(coverage.index[~ok])
    records.append(StepRecord("screen", None, cfg.method, dict(cfg.params),
                              {"removed": removed, "kept": int(ok.sum())},
                              f"{len(removed)} units below {p.min_coverage:.0%} data coverage "
                              f"({p.on} stage){zero_note} or excluded removed"))
    kept: pd.Index = coverage.index[ok]
    _check_kept(kept, coverage, p.min_coverage)
    return kept


def _check_kept(kept: pd.Index, coverage: pd.Series, threshold: float | None) -> None:
    """A screen that removes every unit is an error, not an empty index."""
    if len(kept) or not len(coverage):
        return
    best = float(coverage.max()) if coverage.notna().any() else 0.0
    if threshold is None:
        raise DataError([Issue(("data",), "no_unit_left", "No unit has any data for the "
                               "indicators of this edition.", len(coverage))])
    raise DataError([Issue(("methodology", "screen", "min_coverage"), "no_unit_left",
                           f"The screen removed every unit: none has {threshold:.0%} of the "
                           f"indicators with data (the best has {best:.0%}). Lower "
                           "min_coverage, or check the data.", threshold)])


def _treat(frame: pd.DataFrame, spec: IndexSpec, fitted: Fitted,
           records: list[StepRecord]) -> pd.DataFrame:
    values = frame.to_numpy(dtype=float)
    out = np.empty_like(values)
    for j, code in enumerate(spec.indicator_codes):
        cfg = spec.method("treat", code)
        out[:, j], fit = TREATERS[cfg.method](
            values[:, j], params=cfg.options("treat"),
            learned=fitted.get_fit("treat", code, cfg.method))
        if cfg.method != "none":
            records.append(StepRecord("treat", code, cfg.method, dict(cfg.params),
                                      fit.record(), fit.action, fit))
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _normalise(frame: pd.DataFrame, spec: IndexSpec, fitted: Fitted,
               records: list[StepRecord] | None) -> pd.DataFrame:
    """The normalised stage (``records``: None when the caller keeps none)."""
    values = frame.to_numpy(dtype=float)
    out = np.empty_like(values)
    methods = []
    for j, code in enumerate(spec.indicator_codes):
        ind = spec.indicator(code)
        cfg = spec.method("normalise", code)
        methods.append(cfg.method)
        try:
            out[:, j], fit = normalise_column(
                values[:, j], cfg.method, cfg.options("normalise"), direction=ind.direction,
                target=ind.target, learned=fitted.get_fit("normalise", code, cfg.method),
                units=frame.index)
        except NoTargetError as exc:
            raise DataError([Issue(("indicators", code, "target"), "no_target",
                                   f"'{code}': {exc.issues[0].message} Give it a 'target' "
                                   "or another normaliser.")]) from None
        if records is not None:
            records.append(StepRecord("normalise", code, cfg.method, dict(cfg.params),
                                      fit.record(), "", fit))
    unsuited: list[Issue] = []  # every such indicator reported together
    for j in np.flatnonzero((np.isfinite(values) & ~np.isfinite(out)).any(axis=0)).tolist():
        try:
            check_finite(values[:, j], out[:, j], methods[j])
        except NotFiniteError as exc:
            first, code = exc.issues[0], spec.indicator_codes[j]
            unsuited.append(Issue(("indicators", code, "normalise"), first.code,
                                  f"'{code}': {first.message}", first.value))
    DataError.collect(unsuited)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _aggregate(normalised: pd.DataFrame, spec: IndexSpec,
               records: list[StepRecord]) -> pd.DataFrame:
    """Every group's score through the scoring kernel (one replication, precise sums)."""
    kernel = Kernel.compile(spec)  # its groups are spec.group_codes, in that order
    if tuple(normalised.columns) != spec.indicator_codes:  # the kernel's column order
        normalised = normalised[list(spec.indicator_codes)]
    values = normalised.to_numpy(dtype=float)
    out = kernel.evaluate(values, precise=True, levels=True)
    if out.failed.any():
        _, _, group, rows = out.errors[0]
        units = [str(u) for u in normalised.index[rows]]
        method = spec.aggregation(spec.levels[group]).method
        raise DataError([Issue(("aggregate", group), "non_positive",
                               f"The {method} mean of '{group}' needs values > 0, but "
                               f"units {units[:10]} have a child <= 0. Normalise to a "
                               "positive range (e.g. minmax lower: 1).", units)])
    assert out.groups is not None
    for code in spec.group_codes:
        cfg = spec.aggregation(spec.levels[code])
        records.append(StepRecord("aggregate", code, cfg.method, dict(cfg.params),
                                  {"children": list(spec.children[code])}))
    return pd.DataFrame(np.column_stack([values, out.groups[0]]), index=normalised.index,
                        columns=pd.Index(spec.codes))
