"""Plots of an index, its data and its robustness: plotly figures, offline.

Every function returns a ``plotly.graph_objects.Figure`` of a fixed size (the printable
width of an A4 page) that works without a network: :func:`save` writes it as one
self-contained HTML file (plotly.js inlined, no CDN; a modebar without logo or cloud
buttons) or as a static PNG, SVG or PDF drawn by the system's Chromium
(:mod:`~airank.plot.export`). Nothing here is imported by the engine.

=================  ==========================================================
``framework``      sunburst of the index tree, slices sized by effective weight
``distributions``  each indicator before and after outlier treatment
``correlation``    heatmap within or across levels, negative and > 0.9 pairs flagged
``bar``            one code's scores by unit, units highlighted
``dot``            several codes' scores as dots, units highlighted
``intervals``      Monte Carlo rank intervals (uncertainty analysis)
``sobol``          first-order and total Sobol' indices with confidence intervals
``importance``     each component's main effect on its parent against its weight
``profile``        a unit: group scores against the median, strengths, weaknesses
``coverage``       units x indicators: observed, inferred, imputed, missing
=================  ==========================================================

>>> from airank import Edition, plot
>>> fig = plot.bar(Edition.example("asem"), highlight="NZL")
>>> fig.layout.width
700
"""

from .correlation import correlation, correlation_pairs
from .coverage import CELL_STATES, cell_states, coverage
from .distributions import distributions, treatment_table
from .export import FORMATS, chromium, figure_html, save, static_session, to_image
from .framework import framework, weights_table
from .importance import importance
from .profile import profile, profile_tables
from .robustness import intervals, sobol
from .scores import bar, dot

#: The plot kinds, by name (``airank plot KIND``).
KINDS = ("framework", "distributions", "correlation", "bar", "dot", "intervals", "sobol",
         "importance", "profile", "coverage")

__all__ = ["CELL_STATES", "FORMATS", "KINDS", "bar", "cell_states", "chromium", "correlation",
           "correlation_pairs", "coverage", "distributions", "dot", "figure_html", "framework",
           "importance", "intervals", "profile", "profile_tables", "save", "sobol",
           "static_session", "to_image", "treatment_table", "weights_table"]
