"""What every command shares: the Typer app, consoles, loading, units, budget, printing.

Nothing heavy is imported at module level: numpy, pandas and the engine are imported
inside the commands, so that ``airank --help`` and argument errors answer at once.
Commands are registered on :data:`app` by the modules of this package (``engine``,
``ogai``, ``robustness``, ``scenarios``, ``serve`` and any module added later).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..errors import AirankError, Issue
from ._options import (
    CLI_BUDGET,
    EDITIONS,
    RELEASE,
    BudgetOpt,
    DataArg,
    EditionOpt,
    ExampleOpt,
    FormatOpt,
    LicenceOpt,
    SeedOpt,
    SpecArg,
    ViewOpt,
)
from ._table import print_frame

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from ..cache import Entry
    from ..edition import Edition

__all__ = ["BudgetOpt", "DataArg", "EditionOpt", "ExampleOpt", "FormatOpt", "LicenceOpt",
           "SeedOpt", "SpecArg", "ViewOpt", "_check_format", "_load", "_print_frame", "app",
           "check_cost", "configure", "entry", "err", "legend", "out", "progress",
           "ranking_doc", "ranking_of", "resolve_units", "split_codes"]

app = typer.Typer(add_completion=True, no_args_is_help=True, rich_markup_mode=None,
                  help="Build composite indices and the Open Global AI Index.")
settings: dict[str, Any] = {"cache": True}


class LazyConsole:
    """A rich Console made on first use (``rich.console`` is slow to import: ``--help``
    does not need it), sized by :func:`configure`."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None
        self._width: int | None = None

    @property
    def console(self) -> Console:
        """The rich Console itself (for rich objects that need one)."""
        if self._console is None:
            from rich.console import Console

            # messages on stderr are not wrapped: one problem, one line (the terminal
            # wraps them); tables and notes on stdout fit the width
            self._console = Console(stderr=self._stderr, soft_wrap=self._stderr)
        if self._width is not None:
            self._console.width = self._width
        return self._console

    def resize(self, width: int | None) -> None:
        self._width = width
        if self._console is not None and width is not None:
            self._console.width = width

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole(stderr=False)
err = LazyConsole(stderr=True)


def configure() -> None:
    """Size the consoles for this run: ``COLUMNS`` if set, else the terminal, else 100
    (output piped to a file or a program)."""
    cols = os.environ.get("COLUMNS", "")
    for console, stream in ((out, sys.stdout), (err, sys.stderr)):
        if cols.isdigit() and int(cols) > 0:
            console.resize(int(cols))
        elif not _isatty(stream):
            console.resize(100)
        else:
            console.resize(os.get_terminal_size(stream.fileno()).columns)
    settings["cache"] = os.environ.get("AIRANK_NO_CACHE", "") in ("", "0")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def legend(columns: Mapping[str, str], extra: str = "") -> str:
    """A command's help epilog naming every column it prints, one entry a line."""
    import textwrap

    lines = []
    for name, text in columns.items():
        lines += textwrap.wrap(f"{name}: {text}", 76, subsequent_indent="    ")
    # click keeps a paragraph that starts with \\b as it is (no rewrapping)
    body = "\b\nColumns:\n" + "\n".join(lines)
    return body + (f"\n\n{extra}" if extra else "")


# -- loading ---------------------------------------------------------------------
def entry(spec: Path | None, data: Path | None, example: str | None,
          edition: int | None = None, view: str = "scale", licence: str = "all") -> Entry:
    """The built edition (and its ranking), from the cache when it has it."""
    from .. import cache

    key, make = _source(spec, data, example, edition, view, licence)
    found, problem = cache.cached(key, make, use=bool(settings["cache"]))
    _cache_note(problem)
    return found


def _load(spec: Path | None, data: Path | None, example: str | None,
          edition: int | None = None, view: str = "scale", licence: str = "all") -> Edition:
    """SPEC DATA, or ``--example NAME``, or by default the OGAI edition and view."""
    return entry(spec, data, example, edition, view, licence).edition


def ranking_doc(spec: Path | None, data: Path | None, example: str | None,
                edition: int | None = None, view: str = "scale", licence: str = "all"
                ) -> dict[str, Any]:
    """The ranking as plain JSON-ready data (see :func:`ranking_of`), cached: a repeated
    ``airank rank`` reads it without importing numpy or pandas."""
    from .. import cache

    key, _make = _source(spec, data, example, edition, view, licence)
    doc, problem = cache.cached_doc(key, "ranking", lambda: ranking_of(
        entry(spec, data, example, edition, view, licence)), use=bool(settings["cache"]))
    _cache_note(problem)
    return doc


def ranking_of(found: Entry) -> dict[str, Any]:
    """An edition's ranking and identity as plain data: ``columns``, ``numeric``,
    ``records`` (missing values None), ``manifest``, ``name``, ``key``, ``year``,
    ``view``, ``index_code``, ``pillars`` and ``present`` (indicators with data)."""
    ed, table = found.edition, found.tables["ranking"]
    raw = ed.baseline.stages["raw"]
    plain = table.astype(object).where(table.notna(), None)
    return {"columns": [str(c) for c in table.columns],
            "numeric": [table[c].dtype.kind in "fiub" for c in table.columns],
            "records": [{str(k): _plain(v) for k, v in r.items()}
                        for r in plain.to_dict("records")],
            "manifest": ed.manifest(), "name": ed.spec.name, "key": ed.key,
            "year": ed.year, "view": ed.view, "label": ed.label,
            "index_code": ed.spec.index_code,
            "pillars": list(ed.spec.children[ed.spec.index_code]),
            "present": [c for c in ed.spec.indicator_codes if bool(raw[c].notna().any())]}


def _plain(v: Any) -> Any:
    """A numpy or pandas scalar as a plain Python value."""
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def _cache_note(problem: str | None) -> None:
    if problem:
        err.print(f"note: the cache was not written ({problem})", markup=False,
                  highlight=False)


def _source(spec: Path | None, data: Path | None, example: str | None,
            edition: int | None, view: str, licence: str
            ) -> tuple[dict[str, Any], Callable[[], Entry]]:
    """The cache key of what the options name, and how to build it."""
    if spec is not None and example is not None:
        raise AirankError("Give either SPEC DATA or --example, not both.")
    if spec is None and example is None:
        return _ogai(edition, view, licence)
    if edition is not None:
        raise AirankError("--edition applies to the Open Global AI Index only.")
    if licence != "all":
        raise AirankError("--licence applies to the Open Global AI Index only.")
    return _example(str(example)) if spec is None else _files(spec, data)


def _shipped(*parts: str) -> Path:
    """A folder under ``airank/datasets`` (as :func:`airank.datasets.path`, without
    importing the datasets and with them pandas)."""
    from importlib import resources

    return Path(str(resources.files("airank").joinpath("datasets", *parts)))


def _digests(folder: Path) -> dict[str, str]:
    from ..cache import file_digest

    return {str(p.relative_to(folder)): file_digest(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _ogai(edition: int | None, view: str, licence: str
          ) -> tuple[dict[str, Any], Callable[[], Entry]]:
    year = EDITIONS[-1] if edition is None else edition
    key = {"index": "ogai", "edition": year, "view": view, "licence": licence,
           "release": RELEASE, "files": _digests(_shipped("ogai"))}

    def make() -> Entry:
        from .. import ogai
        from ..cache import Entry
        from ..edition import Edition

        ed = Edition.ogai(year, view, licence=licence)
        return Entry(ed, {"ranking": ogai.ranking(year, view, licence=licence)})

    return key, make


def _example(name: str) -> tuple[dict[str, Any], Callable[[], Entry]]:
    key = {"index": name, "files": _digests(_shipped(name))}

    def make() -> Entry:
        from ..cache import Entry
        from ..edition import Edition

        ed = Edition.example(name)
        return Entry(ed, {"ranking": ed.baseline.ranking()})

    return key, make


def _files(spec_path: Path, data_path: Path | None
           ) -> tuple[dict[str, Any], Callable[[], Entry]]:
    from .. import load_spec
    from ..cache import file_digest

    s = load_spec(spec_path)  # a missing spec file is named first
    if data_path is None:
        raise AirankError([Issue(("data",), "missing_argument", "Give both SPEC and DATA "
                                 f"(or --example NAME); got the spec '{spec_path}' only.")])
    aliases = _aliases_path(s)
    key: dict[str, Any] = {
        "index": "custom", "spec_hash": s.fingerprint(), "data": str(data_path.resolve()),
        "data_sha256": file_digest(data_path) if data_path.is_file() else "",
        "aliases_sha256": file_digest(aliases) if aliases is not None and aliases.is_file()
        else ""}

    def make() -> Entry:
        from .. import read_data
        from ..cache import Entry
        from ..edition import Edition

        ed = Edition.of(s, read_data(data_path, s))
        return Entry(ed, {"ranking": ed.baseline.ranking()})

    return key, make


def _aliases_path(spec: Any) -> Path | None:
    name = spec.units.aliases
    if not name:
        return None
    p = Path(name)
    return p if p.is_absolute() or spec.base_dir is None else Path(spec.base_dir) / p


# -- units -----------------------------------------------------------------------
def resolve_units(ed: Edition, texts: Sequence[str], what: str = "unit",
                  where: Sequence[str] | str | None = None) -> list[str]:
    """Ranked units' codes for what the user typed: codes in any case, names, aliases.

    ``where`` names the option or argument each text came from (one name for all, or
    one per text); problems are located there (``--countries: Unknown country 'XYZ'``).

    Raises
    ------
    UnitError
        Ambiguous (the candidates listed) or unknown (the three closest ranked units).
    """
    from ..countries import load_aliases
    from ..countries import resolve_units as resolve
    from ..errors import UnitError

    names = {u: ed.baseline.names.get(u, u) for u in ed.units}
    path = _aliases_path(ed.spec)
    aliases = load_aliases(path) if path is not None and path.is_file() else None
    texts = [str(t) for t in texts]
    places = [where] * len(texts) if where is None or isinstance(where, str) else list(where)
    out_: list[str] = []
    issues: list[Issue] = []
    candidates: dict[str, list[str]] = {}
    for text, place in zip(texts, places, strict=True):
        try:
            out_ += resolve([text], names, what=what, kind=ed.spec.units.kind,
                            aliases=aliases)
        except UnitError as exc:
            issues += [Issue((place,) if place else i.loc, i.code, i.message, i.value)
                       for i in exc.issues]
            candidates.update(exc.candidates_by_text)
    if issues:
        title = "Unit not resolved" if len(issues) == 1 else f"{len(issues)} units not resolved"
        raise UnitError(issues, title, candidates)
    return out_


def split_codes(text: str | None, option: str) -> list[str] | None:
    """A comma-separated list; an error naming ``option`` when it holds no item."""
    if text is None:
        return None
    items = [c.strip() for c in text.split(",") if c.strip()]
    if not items:
        raise AirankError([Issue((option,), "empty_list", f"{option} must list at least "
                                 f"one item (comma-separated). Got {text!r}.", text)])
    return items


# -- cost and progress -----------------------------------------------------------
def check_cost(ed: Edition, kind: str, replications: int, budget: float | None, *,
               factors: Sequence[Any] = (), steps: int = 1, variants: float | None = None
               ) -> None:
    """Refuse a run whose estimated cost is above ``--budget`` (default one hour)."""
    from ..analysis.robustness import cost

    c = cost.of_run(ed, kind, replications, factors=factors,  # type: ignore[arg-type]
                    n_variants=variants, steps=steps)
    limit = CLI_BUDGET if budget is None else budget
    cost.check_budget(c, limit, how=f"--budget SECONDS (now {limit:g}; e.g. --budget "
                                    f"{max(60.0, 2 * c.seconds):.0f})")


@contextmanager
def progress(what: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on the terminal (stderr) while a run works; silent when piped.

    Yields ``update(done, total)``; with ``total=None`` the bar pulses with the time
    elapsed (runs whose steps are not counted).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns: list[Any] = [TextColumn(what), BarColumn()]
    if total is not None:
        columns.append(TextColumn("{task.completed:,}/{task.total:,}"))
    with Progress(*columns, TimeElapsedColumn(), console=err.console, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task(what, total=total)

        def update(done: int, of: int) -> None:
            bar.update(task, completed=done, total=of)

        yield update


# -- printing --------------------------------------------------------------------
def _check_format(fmt: str, allowed: tuple[str, ...] = ("table", "csv", "json")) -> None:
    if fmt not in allowed:
        raise AirankError([Issue(("--format",), "bad_format", f"--format must be one of "
                                 f"{list(allowed)} here. Got '{fmt}'.", fmt)])


def _print_frame(frame: pd.DataFrame, fmt: str, title: str = "", *, keep: int = 2,
                 notes: Sequence[str] = ()) -> None:
    print_frame(frame, fmt, title, console=out.console, keep=keep, notes=notes)
