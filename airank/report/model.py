"""The report as data: sections of text, tables and figures, before any HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..errors import Issue, NotFound

if TYPE_CHECKING:
    from ..edition import Edition

__all__ = ["Block", "Figure", "Report", "Section", "Settings", "Status", "Table", "Text", "bullets",
           "csv_name", "para"]

Status = Literal["complete", "partial", "missing", "not_applicable"]


@dataclass(frozen=True)
class Settings:
    """How much a report computes.

    Attributes
    ----------
    n : int
        Monte Carlo replications of the uncertainty analysis.
    n_base : int
        Base samples of the Sobol' design (a power of 2).
    seed : int
        One seed for every random step.
    units : tuple of str
        Units given a page (empty: the first-ranked unit).
    """

    n: int = 1000
    n_base: int = 256
    seed: int = 1
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Text:
    """A paragraph (or any fragment) of HTML made by the report itself (values escaped
    with :func:`para` or :func:`html.escape`)."""

    html: str


@dataclass(frozen=True)
class Table:
    """A table: shown in the report and written, whole, to the CSV appendix.

    ``name`` is unique within its section and names the CSV file
    (``<section>__<name>.csv``).
    """

    name: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    #: False: too wide to print; the report names it and its CSV file, the CSV has it.
    show: bool = True


@dataclass(frozen=True)
class Figure:
    """A plotly figure (from :mod:`airank.plot`) and its caption."""

    name: str
    caption: str
    figure: Any


Block = Text | Table | Figure


@dataclass(frozen=True)
class Section:
    """One chapter of the audit.

    ``status``: ``complete``; ``partial`` (some of its analyses could not be made, the
    text says which and why); ``missing`` (none could: the text says why) or
    ``not_applicable`` (e.g. agreement with published indices outside the OGAI).
    """

    key: str
    title: str
    blocks: tuple[Block, ...]
    status: Status = "complete"

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The section's tables by name."""
        return {b.name: b.frame for b in self.blocks if isinstance(b, Table)}

    @property
    def figures(self) -> dict[str, Any]:
        """The section's figures by name."""
        return {b.name: b.figure for b in self.blocks if isinstance(b, Figure)}

    def table(self, name: str) -> pd.DataFrame:
        """One table by name (NotFound lists the names)."""
        tables = self.tables
        if name not in tables:
            raise NotFound([Issue(("table",), "unknown_table", f"Section '{self.key}' has no "
                                  f"table '{name}'. Tables: {sorted(tables)}.", name)])
        return tables[name]


@dataclass(frozen=True, eq=False)
class Report:
    """A computed audit report; :func:`airank.report.to_html` renders it.

    Attributes
    ----------
    edition : Edition
        The index reported on.
    sections : tuple of Section
        In the JRC audit order.
    manifest : dict
        :meth:`Edition.manifest` plus the report's settings.
    timings : dict
        Seconds spent on each section.
    """

    title: str
    edition: Edition
    sections: tuple[Section, ...]
    manifest: Mapping[str, Any]
    settings: Settings
    timings: Mapping[str, float] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        """One section by key (NotFound lists the keys)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise NotFound([Issue(("section",), "unknown_section", f"No section '{key}'. "
                              f"Sections: {[s.key for s in self.sections]}.", key)])

    def tables(self) -> Iterator[tuple[str, Table]]:
        """Every table with its CSV file name, in report order."""
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    yield csv_name(s.key, b.name), b

    def csv_files(self) -> dict[str, str]:
        """The CSV appendix: file name -> CSV text (every row, full precision)."""
        return {name: t.frame.to_csv(index=False, lineterminator="\n")
                for name, t in self.tables()}


def csv_name(section: str, table: str) -> str:
    """The appendix file of a table: ``<section>__<table>.csv`` (file-safe)."""
    def safe(s: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-") or "table"

    return f"{safe(section)}__{safe(table)}.csv"


def para(text: str, cls: str = "") -> Text:
    """A paragraph of plain text (escaped)."""
    attr = f' class="{cls}"' if cls else ""
    return Text(f"<p{attr}>{html.escape(text)}</p>")


def bullets(items: Sequence[str]) -> Text:
    """A bulleted list of plain texts (escaped)."""
    return Text("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ul>")
