"""A statistical audit of an index in one command, in the JRC's audit order.

:func:`build_report` computes every section from the public API -- the framework and its
nominal and effective weights; data coverage and screening; indicator statistics;
outliers and treatment; correlations, Cronbach's alpha and principal components;
importance against weights; uncertainty (rank intervals of every unit) and Sobol'
sensitivity; leave-one-out rank changes; for the OGAI, agreement with published indices
and the source catalogue; unit pages -- into a :class:`Report` of text, tables and
:mod:`airank.plot` figures. :func:`write_report` writes it as one self-contained HTML
file (no external resource: it opens offline), its tables as a CSV appendix beside it,
and optionally a PDF printed from the HTML by the system's headless Chromium. Every
report embeds the edition's manifest (spec and data hashes, versions, release).

>>> from airank import Edition
>>> from airank.report import build_report
>>> rep = build_report(Edition.example("asem"), n=50, n_base=16)  # doctest: +SKIP
>>> rep.section("uncertainty").table("intervals").shape[0]  # doctest: +SKIP
51
"""

from .build import SECTIONS, build_report
from .html import to_html
from .model import Figure, Report, Section, Settings, Table, Text
from .write import print_pdf, tables_folder, write_report

__all__ = ["SECTIONS", "Figure", "Report", "Section", "Settings", "Table", "Text",
           "build_report", "print_pdf", "tables_folder", "to_html", "write_report"]
