"""Robustness: uncertainty factors, batched evaluation, Monte Carlo, Sobol', rank statistics."""
