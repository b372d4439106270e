"""Analyses of a built index, by subject.

* :mod:`~airank.analysis.robustness` -- uncertainty factors, the batched engine, Monte
  Carlo rank intervals, Sobol' sensitivity, rank statistics;
* :mod:`~airank.analysis.audit` -- importance against weights, internal consistency,
  best and worst rank, implied weights;
* :mod:`~airank.analysis.scenarios` -- shocks, their effects, "what would it take",
  projections.

Every analysis takes an :class:`airank.Edition` (which index, which year, which fixed
goalposts) and scores through the one aggregation kernel.
"""
