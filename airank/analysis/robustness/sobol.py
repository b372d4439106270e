"""Variance-based sensitivity: the Saltelli design and first/total-order Sobol' indices.

:func:`sobol_design` draws the design with SALib's Sobol' sampler and returns a
:class:`SobolDesign` that carries its layout, so
:func:`sobol_indices` never infers the number of factors from a row count. The
estimator is SALib's (Saltelli et al. 2010 for S1, Jansen for ST, both divided by
the variance of the A and B rows after standardising Y), vectorised over any number
of outputs (e.g. one column per country rank), with bootstrap confidence half-widths.

Categorical factors (which normaliser, which aggregator) are U(0,1) inputs mapped to
their options with :func:`bin_uniform`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from SALib.sample import sobol as salib_sobol
from scipy.stats import norm

from airank.errors import DataError, FactorError, Issue

__all__ = ["SobolDesign", "SobolResult", "bin_uniform", "sobol_design", "sobol_indices"]

_EPS = float(np.finfo(float).eps)
_BOOT_CELLS = 1 << 22  # bootstrap count-matrix cells held at once (32 MB of float64)


@dataclass(frozen=True, eq=False)
class SobolDesign:
    """A Saltelli design in the unit hypercube and its layout.

    Rows come in ``n_base`` blocks of ``n_factors + 2``: ``A``, ``AB_1`` ..
    ``AB_D`` (``A`` with column ``j`` taken from ``B``), ``B`` — SALib's layout
    with ``calc_second_order=False``.

    Attributes
    ----------
    matrix : numpy.ndarray, shape (n_base * (n_factors + 2), n_factors)
        Inputs in [0, 1); read-only.
    n_factors : int
        D, the number of factors.
    n_base : int
        N, the number of base samples (a power of 2).
    names : tuple of str
        Factor names, length D.
    """

    matrix: NDArray[np.float64] = field(repr=False)
    n_factors: int
    n_base: int
    names: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        """Number of model evaluations: ``n_base * (n_factors + 2)``."""
        return self.n_base * (self.n_factors + 2)


@dataclass(frozen=True, eq=False)
class SobolResult:
    """First- and total-order indices for every output.

    Attributes
    ----------
    S1, S1_conf, ST, ST_conf : numpy.ndarray, shape (n_outputs, n_factors)
        Indices and bootstrap confidence half-widths (``z * sd`` of the bootstrap
        estimates); ``NaN`` half-widths when ``n_boot == 0``.
    constant : numpy.ndarray of bool, shape (n_outputs,)
        Outputs without variance; their indices and half-widths are 0.
    names : tuple of str
        Factor names.
    outputs : tuple
        Output labels (column names of a DataFrame ``Y``, else ``0..n_outputs-1``).
    conf : float
        Confidence level of the half-widths.
    """

    S1: NDArray[np.float64]
    S1_conf: NDArray[np.float64]
    ST: NDArray[np.float64]
    ST_conf: NDArray[np.float64]
    constant: NDArray[np.bool_]
    names: tuple[str, ...]
    outputs: tuple[object, ...]
    conf: float

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (output, factor) with S1, S1_conf, ST, ST_conf, constant."""
        d = self.S1.shape[1]
        index = pd.MultiIndex.from_product([list(self.outputs), list(self.names)],
                                           names=["output", "factor"])
        return pd.DataFrame(
            {"S1": self.S1.ravel(), "S1_conf": self.S1_conf.ravel(),
             "ST": self.ST.ravel(), "ST_conf": self.ST_conf.ravel(),
             "constant": np.repeat(self.constant, d)},
            index=index,
        )


def sobol_design(
    n_factors: int,
    n_base: int,
    *,
    seed: int | np.random.Generator | None = None,
    names: Sequence[str] | None = None,
) -> SobolDesign:
    """Draw a Saltelli design from a scrambled Sobol' sequence.

    Parameters
    ----------
    n_factors : int
        D >= 1 factors, each U(0, 1).
    n_base : int
        N base samples; a power of 2 keeps the Sobol' balance properties.
    seed : int, numpy.random.Generator or None
        Resolved once with ``np.random.default_rng`` and handed to
        ``scipy.stats.qmc.Sobol`` for the scrambling.
    names : sequence of str, optional
        Factor names; default ``x1..xD``.

    Returns
    -------
    SobolDesign
        ``n_base * (n_factors + 2)`` rows.

    Raises
    ------
    FactorError
        If ``n_factors < 1``, ``n_base`` is not a power of 2, or names do not fit.

    Notes
    -----
    Drawn by ``SALib.sample.sobol.sample(problem, N, calc_second_order=False,
    scramble=True, seed=np.random.default_rng(seed))`` on unit bounds (an int seed is
    turned into a Generator first: SALib hands a plain int to scipy's legacy stream).

    Examples
    --------
    >>> d = sobol_design(3, 8, seed=1)
    >>> d.matrix.shape, d.n_rows
    ((40, 3), 40)
    """
    issues = []
    if int(n_factors) != n_factors or n_factors < 1:
        issues.append(Issue(("n_factors",), "too_small", "n_factors must be an int >= 1.",
                            n_factors))
    if int(n_base) != n_base or n_base < 2 or (int(n_base) & (int(n_base) - 1)):
        issues.append(Issue(("n_base",), "not_power_of_two",
                            f"n_base must be a power of 2 >= 2. Got {n_base}.", n_base))
    labels = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(n_factors))
    if len(labels) != n_factors or len(set(labels)) != len(labels):
        issues.append(Issue(("names",), "bad_names",
                            f"names must be {n_factors} distinct labels. Got {labels}.", labels))
    FactorError.collect(issues)
    d, n = int(n_factors), int(n_base)
    problem = {"num_vars": d, "names": list(labels), "bounds": [[0.0, 1.0]] * d}
    matrix = np.ascontiguousarray(salib_sobol.sample(
        problem, n, calc_second_order=False, scramble=True, seed=np.random.default_rng(seed)))
    matrix.setflags(write=False)
    return SobolDesign(matrix=matrix, n_factors=d, n_base=n, names=labels)


def bin_uniform(u: ArrayLike, n_options: int) -> NDArray[np.int64]:
    """Map U(0, 1) draws to option indices ``floor(u * n_options)``, clipped to the range.

    Each of the ``n_options`` options gets an equal share of [0, 1]; ``u = 1`` maps to
    the last option.

    Examples
    --------
    >>> bin_uniform([0.0, 0.33, 0.34, 0.99, 1.0], 3).tolist()
    [0, 0, 1, 2, 2]
    """
    if int(n_options) != n_options or n_options < 1:
        raise FactorError([Issue(("n_options",), "too_small",
                                 f"n_options must be an int >= 1. Got {n_options}.", n_options)])
    idx = np.floor(np.asarray(u, dtype=np.float64) * n_options).astype(np.int64)
    return np.clip(idx, 0, int(n_options) - 1)


def sobol_indices(
    design: SobolDesign,
    Y: ArrayLike,
    *,
    n_boot: int = 1000,
    conf: float = 0.95,
    seed: int | np.random.Generator | None = None,
) -> SobolResult:
    """First- and total-order Sobol' indices of every output, with bootstrap CIs.

    Parameters
    ----------
    design : SobolDesign
        The design the model was evaluated on.
    Y : array_like or DataFrame, shape (design.n_rows,) or (design.n_rows, n_outputs)
        Model outputs, one row per design row.
    n_boot : int, default 1000
        Bootstrap resamples of the N base rows (0 skips the CIs).
    conf : float, default 0.95
        Confidence level; half-width = ``norm.ppf(0.5 + conf / 2) * sd(bootstrap)``.
    seed : int, numpy.random.Generator or None
        For the bootstrap; resolved once with ``np.random.default_rng``.

    Returns
    -------
    SobolResult
        Arrays of shape (n_outputs, n_factors).

    Raises
    ------
    DataError
        If ``Y`` has the wrong number of rows or non-finite values.

    Notes
    -----
    Matches ``SALib.analyze.sobol.analyze(problem, Y[:, k], calc_second_order=False)``
    for each column ``k``: Y is standardised, ``(Y - mean) / std``; with A, B, AB_j the
    outputs on those rows and ``V = var([A, B])``,
    ``S1_j = mean(B * (AB_j - A)) / V`` and ``ST_j = mean((A - AB_j)**2) / (2 V)``.
    The bootstrap draws ``rng.integers(N, size=(N, n_boot))`` like SALib, so for
    the same int seed the half-widths agree too. Outputs with no variance (range
    within round-off of their magnitude) get zeros and ``constant=True``.

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    Design and estimator for the total sensitivity index. Computer Physics
    Communications 181(2), 259-270.
    """
    y, outputs = _as_output_matrix(design, Y)
    if not 0 < conf < 1:
        raise DataError([Issue(("conf",), "out_of_range", f"conf must be in (0, 1). Got {conf}.",
                               conf)])
    if int(n_boot) != n_boot or n_boot < 0 or n_boot == 1:
        raise DataError([Issue(("n_boot",), "bad_value",
                               f"n_boot must be 0 or an int >= 2. Got {n_boot}.", n_boot)])
    constant, a, ab, b = _split(design, y)
    s1, st = _estimate(a, ab, b)
    if n_boot:
        z = float(norm.ppf(0.5 + conf / 2))
        s1_conf, st_conf = _bootstrap(a, ab, b, int(n_boot), z, np.random.default_rng(seed))
    else:
        s1_conf = np.full_like(s1, np.nan)
        st_conf = np.full_like(st, np.nan)
    for arr in (s1, st, s1_conf, st_conf):
        arr[constant] = 0.0
    return SobolResult(S1=s1, S1_conf=s1_conf, ST=st, ST_conf=st_conf, constant=constant,
                       names=design.names, outputs=outputs, conf=float(conf))


def _as_output_matrix(
    design: SobolDesign, Y: ArrayLike
) -> tuple[NDArray[np.float64], tuple[object, ...]]:
    if isinstance(Y, pd.DataFrame):
        outputs: tuple[object, ...] = tuple(Y.columns)
        y = Y.to_numpy(dtype=np.float64)
    else:
        y = np.asarray(Y, dtype=np.float64)
        if y.ndim == 1:
            y = y[:, None]
        outputs = tuple(range(y.shape[1])) if y.ndim == 2 else ()
    if y.ndim != 2 or y.shape[0] != design.n_rows:
        msg = (f"Y must have design.n_rows={design.n_rows} rows (n_base={design.n_base} "
               f"blocks of n_factors+2={design.n_factors + 2}). Got shape {y.shape}.")
        raise DataError([Issue(("Y",), "bad_shape", msg, y.shape)])
    bad = ~np.isfinite(y).all(axis=0)
    DataError.collect(
        Issue(("Y", str(outputs[k])), "non_finite", "Output has NaN or infinite values; "
              "re-run or drop the failed evaluations' blocks.", int(np.sum(~np.isfinite(y[:, k]))))
        for k in np.flatnonzero(bad)
    )
    return y, outputs


def _split(
    design: SobolDesign, y: NDArray[np.float64]
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Standardise each column and cut it into A (N, m), AB (N, D, m), B (N, m)."""
    n, d, m = design.n_base, design.n_factors, y.shape[1]
    mean = y.mean(axis=0)
    spread = np.ptp(y, axis=0)
    # Round-off-level variation is no variance: standardising it would amplify noise.
    constant = spread <= 8 * _EPS * np.max(np.abs(y), axis=0)
    sd = np.where(constant, 1.0, y.std(axis=0))
    blocks = ((y - mean) / sd).reshape(n, d + 2, m)
    a, ab, b = blocks[:, 0, :], blocks[:, 1 : d + 1, :], blocks[:, d + 1, :]
    # SALib returns zeros when the A and B rows alone are flat.
    constant = constant | (np.ptp(np.concatenate([a, b]), axis=0) <= _EPS)
    return constant, a, ab, b


def _safe_ratio(num: NDArray[np.float64], var: NDArray[np.float64]) -> NDArray[np.float64]:
    var_b = np.broadcast_to(var, num.shape)
    return np.divide(num, var_b, out=np.zeros(num.shape), where=var_b > _EPS)


def _estimate(
    a: NDArray[np.float64], ab: NDArray[np.float64], b: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    var = np.var(np.concatenate([a, b]), axis=0)  # (m,)
    diff = ab - a[:, None, :]  # (N, D, m)
    s1 = np.mean(b[:, None, :] * diff, axis=0)
    st = 0.5 * np.mean(diff**2, axis=0)
    return _safe_ratio(s1, var).T.copy(), _safe_ratio(st, var).T.copy()


def _bootstrap(
    a: NDArray[np.float64], ab: NDArray[np.float64], b: NDArray[np.float64],
    n_boot: int, z: float, rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bootstrap half-widths; each resample's means are a row of ``counts @ terms / N``."""
    n, d, m = ab.shape
    draws = rng.integers(n, size=(n, n_boot))  # SALib's layout and call
    diff = ab - a[:, None, :]
    terms = np.concatenate(
        [(b[:, None, :] * diff).reshape(n, d * m), (0.5 * diff**2).reshape(n, d * m),
         a + b, a**2 + b**2], axis=1)
    sums = np.empty((n_boot, terms.shape[1]))
    step = max(1, _BOOT_CELLS // n)
    for start in range(0, n_boot, step):
        cols = draws[:, start : start + step]
        k = cols.shape[1]
        key = (cols + n * np.arange(k)).T.ravel()
        counts = np.bincount(key, minlength=k * n).reshape(k, n).astype(np.float64)
        sums[start : start + k] = counts @ terms
    sums /= n
    mean_ab = sums[:, 2 * d * m : 2 * d * m + m] / 2
    var = sums[:, 2 * d * m + m :] / 2 - mean_ab**2  # (n_boot, m)
    s1 = _safe_ratio(sums[:, : d * m].reshape(n_boot, d, m), var[:, None, :])
    st = _safe_ratio(sums[:, d * m : 2 * d * m].reshape(n_boot, d, m), var[:, None, :])
    return (z * s1.std(axis=0, ddof=1)).T.copy(), (z * st.std(axis=0, ddof=1)).T.copy()
