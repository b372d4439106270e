"""Tests for airank.analysis.robustness.sobol: design layout, estimator, SALib as oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from airank.analysis.robustness.sobol import bin_uniform, sobol_design, sobol_indices
from airank.errors import DataError, FactorError


def ishigami(x, a=7.0, b=0.1):
    x = -np.pi + 2 * np.pi * x
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def _problem(d):
    return {"num_vars": d, "names": [f"x{i + 1}" for i in range(d)], "bounds": [[0, 1]] * d}


def test_design_equals_salib_sample():
    design = sobol_design(4, 64, seed=7)
    expected = salib_sample.sample(_problem(4), 64, calc_second_order=False, scramble=True,
                                   seed=np.random.default_rng(7))
    np.testing.assert_array_equal(design.matrix, expected)
    assert design.n_rows == 64 * 6
    assert design.names == ("x1", "x2", "x3", "x4")
    assert not design.matrix.flags.writeable


def test_design_layout_blocks():
    d = sobol_design(3, 8, seed=1)
    blocks = d.matrix.reshape(8, 5, 3)
    a, b = blocks[:, 0], blocks[:, 4]
    for j in range(3):
        expected = a.copy()
        expected[:, j] = b[:, j]
        np.testing.assert_array_equal(blocks[:, j + 1], expected)


@pytest.mark.parametrize(("n_factors", "n_base"), [(0, 8), (2, 6), (2, 1)])
def test_design_rejects_bad_sizes(n_factors, n_base):
    with pytest.raises(FactorError):
        sobol_design(n_factors, n_base)


def test_ishigami_analytic():
    design = sobol_design(3, 2**13, seed=42)
    res = sobol_indices(design, ishigami(design.matrix), n_boot=200, seed=1)
    np.testing.assert_allclose(res.S1[0], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(res.ST[0], [0.5576, 0.4424, 0.2437], atol=0.03)
    assert np.all(res.S1_conf[0] > 0) and np.all(res.S1_conf[0] < 0.1)


def test_additive_linear_and_dummy_factor():
    c = np.array([1.0, 2.0, 3.0, 0.0])  # the fourth factor has no effect
    design = sobol_design(4, 2**12, seed=3)
    res = sobol_indices(design, design.matrix @ c, n_boot=100, seed=3)
    expected = c**2 / np.sum(c**2)
    np.testing.assert_allclose(res.S1[0], expected, atol=0.02)
    np.testing.assert_allclose(res.ST[0], expected, atol=0.02)
    assert abs(res.S1[0, 3]) < 0.01 and abs(res.ST[0, 3]) < 1e-12


def _outputs(design):
    x = design.matrix
    return np.column_stack([ishigami(x), x @ [1.0, 2.0, 3.0], np.exp(x[:, 0]) * x[:, 2],
                            np.round(4 * x[:, 1] + x[:, 0])])


def test_equals_salib_analyze_per_column():
    design = sobol_design(3, 256, seed=11)
    y = _outputs(design)
    res = sobol_indices(design, y, n_boot=100, seed=5)
    for k in range(y.shape[1]):
        ref = salib_analyze.analyze(_problem(3), y[:, k], calc_second_order=False,
                                    num_resamples=100, seed=5)
        np.testing.assert_allclose(res.S1[k], ref["S1"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(res.ST[k], ref["ST"], rtol=0, atol=1e-10)
        # same int seed -> same resamples as SALib, so the half-widths agree too
        np.testing.assert_allclose(res.S1_conf[k], ref["S1_conf"], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(res.ST_conf[k], ref["ST_conf"], rtol=1e-8, atol=1e-12)


def test_same_seed_same_result_and_shapes():
    design = sobol_design(3, 64, seed=2)
    y = _outputs(design)
    r1 = sobol_indices(design, y, n_boot=50, seed=9)
    r2 = sobol_indices(design, y, n_boot=50, seed=9)
    for name in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(getattr(r1, name), getattr(r2, name))
        assert getattr(r1, name).shape == (4, 3)
    assert sobol_indices(design, y[:, 0], n_boot=0).S1.shape == (1, 3)
    assert np.isnan(sobol_indices(design, y[:, 0], n_boot=0).S1_conf).all()


def test_constant_output_flagged_with_zero_indices():
    design = sobol_design(2, 32, seed=0)
    y = np.column_stack([np.full(design.n_rows, 5.0), design.matrix[:, 0]])
    res = sobol_indices(design, y, n_boot=20, seed=0)
    assert res.constant.tolist() == [True, False]
    assert np.all(res.S1[0] == 0) and np.all(res.ST_conf[0] == 0)


def test_dataframe_outputs_and_to_frame():
    design = sobol_design(3, 32, seed=0, names=["a", "b", "c"])
    y = pd.DataFrame(_outputs(design)[:, :2], columns=["KEN", "USA"])
    t = sobol_indices(design, y, n_boot=10, seed=0).to_frame()
    assert t.index.names == ["output", "factor"]
    assert t.loc[("USA", "b")].shape == (5,)


def test_shape_and_nan_errors():
    design = sobol_design(2, 8, seed=0)
    with pytest.raises(DataError, match="n_rows=32"):
        sobol_indices(design, np.zeros(31))
    y = np.ones((32, 2))
    y[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        sobol_indices(design, y)


def test_bin_uniform():
    assert bin_uniform([0.0, 0.33, 0.34, 0.99, 1.0], 3).tolist() == [0, 0, 1, 2, 2]
    u = np.random.default_rng(0).random(30000)
    np.testing.assert_allclose(np.bincount(bin_uniform(u, 3)) / u.size, 1 / 3, atol=0.01)
    with pytest.raises(FactorError):
        bin_uniform([0.5], 0)
