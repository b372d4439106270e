"""Robustness analysis: numerical kernels (ranks, Sobol', rank bounds, importance).

The kernels take arrays and DataFrames and know nothing of the pipeline; the
pipeline-facing analyses (uncertainty, sensitivity) build on them.
"""
