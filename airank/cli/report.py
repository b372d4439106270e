"""Plot and report commands: ``airank plot KIND ... -o FILE``, ``airank report -o FILE``.

plotly, the report and the analyses are imported inside the commands: the CLI's cold
path (``airank --help``, ``airank rank``) never loads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from ..errors import AirankError
from ._common import (
    BudgetOpt,
    DataArg,
    EditionOpt,
    ExampleOpt,
    LicenceOpt,
    SeedOpt,
    SpecArg,
    ViewOpt,
    _load,
    app,
    check_cost,
    err,
    out,
    resolve_units,
)
from ._options import PLOT_KINDS, Number, PowerOfTwo, replications

if TYPE_CHECKING:
    from ..edition import Edition

OutOpt = Annotated[Path, typer.Option("-o", "--output", help="Output file: .html (interactive, "
                                      "offline), .png, .svg or .pdf")]
NOpt = Annotated[int, typer.Option("--n", metavar="N", parser=replications(),
                                   help="Monte Carlo replications (rank intervals)")]
NBaseOpt = Annotated[int, typer.Option("--n-base", metavar="N", parser=PowerOfTwo("int", 2, 2**20),
                                       help="Sobol' base samples, a power of 2")]
KindArg = Annotated[Literal[PLOT_KINDS], typer.Argument(  # type: ignore[valid-type]
    help="The plot", show_default=False)]

_KIND_HELP = ("framework, distributions, correlation, bar, dot, intervals, sobol, importance, "
              "profile or coverage")


def _split(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def _units(ed: Edition, text: str | None, option: str) -> list[str] | None:
    """Units named in a comma-separated option, through the one resolver (codes in any
    case, names, aliases; unknown or ambiguous: exit 2 with the candidates)."""
    names = _split(text)
    return None if names is None else resolve_units(ed, names, "unit", option)


def _check_runs(ed: Edition, n: int, n_base: int, budget: float | None) -> None:
    """Refuse Monte Carlo (``n``) or Sobol' (``n_base``) runs of the default design over
    the budget, counted as ``airank uncertainty`` and ``sensitivity`` count them."""
    from ..analysis.robustness.designs import default_factors

    fs = default_factors(ed.spec)
    if n:
        check_cost(ed, "uncertainty", n, budget, factors=fs)
    if n_base:
        check_cost(ed, "sensitivity", n_base * (len(fs) + 2), budget, factors=fs)


def _levels(text: str) -> tuple[int, int]:
    parts = _split(text) or []
    try:
        vals = [int(p) for p in parts]
    except ValueError:
        vals = []
    if len(vals) not in (1, 2) or min(vals) < 1:
        raise AirankError(f"--levels must be one level or two, e.g. 1 or 1,2. Got '{text}'.")
    return (vals[0], vals[-1])


def _figure(kind: str, ed: Edition, opts: dict[str, Any]) -> Any:
    """The figure of ``kind`` for the edition (analyses computed as needed)."""
    from .. import plot

    r = ed.baseline
    if kind == "intervals":
        from ..analysis.robustness.uncertainty import uncertainty

        unc = uncertainty(ed, n=opts["n"], seed=opts["seed"])
        return plot.intervals(unc, units=opts["units"], highlight=opts["highlight"])
    if kind == "sobol":
        from ..analysis.robustness.sensitivity import sensitivity

        return plot.sobol(sensitivity(ed, n_base=opts["n_base"], seed=opts["seed"]),
                          unit=opts["unit"])
    if kind == "importance":
        from ..analysis.audit.checks import importance

        return plot.importance(importance(r))
    if kind in ("profile",):
        if opts["unit"] is None:
            raise AirankError("'airank plot profile' needs --unit (a code or name).")
        return plot.profile(r, opts["unit"])
    simple = {
        "framework": lambda: plot.framework(r),
        "distributions": lambda: plot.distributions(r, opts["codes"]),
        "correlation": lambda: plot.correlation(r, opts["levels"], within=opts["within"]),
        "bar": lambda: plot.bar(r, opts["code"], highlight=opts["highlight"]),
        "dot": lambda: plot.dot(r, opts["codes"], highlight=opts["highlight"]),
        "coverage": lambda: plot.coverage(r, units=opts["units"]),
    }
    if kind not in simple:
        raise AirankError(f"Unknown plot kind '{kind}'. Expected one of: {_KIND_HELP}.")
    return simple[kind]()


@app.command("plot")
def plot_cmd(
    kind: KindArg,
    spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
    edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
    output: OutOpt = Path("plot.html"),
    unit: Annotated[str | None, typer.Option(help="The unit (profile; sobol: its rank)")
                    ] = None,
    highlight: Annotated[str | None, typer.Option(help="Units to highlight, comma-separated"
                                                  )] = None,
    code: Annotated[str | None, typer.Option(help="The code (bar; default the index)")] = None,
    codes: Annotated[str | None, typer.Option(help="Codes, comma-separated (distributions, "
                                                   "dot)")] = None,
    units: Annotated[str | None, typer.Option(help="Units shown, comma-separated "
                                                   "(intervals, coverage)")] = None,
    levels: Annotated[str, typer.Option(help="Correlation levels: rows,columns (1 = "
                                             "indicators)")] = "1,1",
    within: Annotated[int | None, typer.Option(
        metavar="LEVEL", parser=Number("int", 1, 20),
        help="Correlation: only pairs in one group of this level")] = None,
    n: NOpt = 1000, n_base: NBaseOpt = 256, seed: SeedOpt = 1,
    budget: BudgetOpt = None) -> None:
    """Draw one plot of an index (default the OGAI) to an HTML, PNG, SVG or PDF file."""
    from .. import plot

    if kind not in plot.KINDS:
        raise AirankError(f"Unknown plot kind '{kind}'. Expected one of: {_KIND_HELP}.")
    suffix = output.suffix.lower()
    if suffix not in plot.FORMATS:
        raise AirankError(f"-o/--output must end in one of {list(plot.FORMATS)}. Got "
                          f"'{output}'.")
    lv = _levels(levels)
    ed = _load(spec, data, example, edition, view, licence)
    from ..plot._base import check_codes

    check_codes(ed.spec, [*([code] if code else []), *(_split(codes) or [])], "--code/--codes")
    one = _units(ed, unit, "--unit")
    opts = {"unit": one[0] if one else None, "highlight": _units(ed, highlight, "--highlight"),
            "code": code, "codes": _split(codes), "units": _units(ed, units, "--units"),
            "levels": lv, "within": within, "n": n, "n_base": n_base, "seed": seed}
    _check_runs(ed, n if kind == "intervals" else 0, n_base if kind == "sobol" else 0,
                budget)
    fig = _figure(kind, ed, opts)
    path = plot.save(fig, output)
    out.print(f"Wrote the {kind} plot of {ed.label} to {path}")


@app.command("report")
def report_cmd(
    spec: SpecArg = None, data: DataArg = None, example: ExampleOpt = None,
    edition: EditionOpt = None, view: ViewOpt = "scale", licence: LicenceOpt = "all",
    output: Annotated[Path, typer.Option("-o", "--output", help="The report's HTML file")
                      ] = Path("report.html"),
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Also print it to this PDF "
                                                           "(headless Chromium)")] = None,
    units: Annotated[str | None, typer.Option(help="Units given a page, comma-separated "
                                                   "(default: the first-ranked)")] = None,
    n: NOpt = 1000, n_base: NBaseOpt = 256, seed: SeedOpt = 1,
    budget: BudgetOpt = None) -> None:
    """Write a JRC-style statistical audit of an index (default the OGAI) as one
    self-contained HTML file, its tables as CSV files beside it, and optionally a PDF."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..report import build_report, tables_folder, write_report

    if output.suffix.lower() not in (".html", ".htm"):
        raise AirankError(f"-o/--output must be an .html file. Got '{output}'.")
    if pdf is not None and pdf.suffix.lower() != ".pdf":
        raise AirankError(f"--pdf must be a .pdf file. Got '{pdf}'.")
    ed = _load(spec, data, example, edition, view, licence)
    chosen = _units(ed, units, "--units") or ()
    _check_runs(ed, n, n_base, budget)
    with Progress(TextColumn("[bold]report[/bold] {task.description:<44}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err.console, transient=False) as bar:
        task = bar.add_task("", total=1)

        def step(done: int, total: int, title: str) -> None:
            bar.update(task, completed=done, total=total + 1, description=title)

        rep = build_report(ed, n=n, n_base=n_base, seed=seed, units=chosen,
                           progress=step)
        bar.update(task, description="writing" + (" and printing the PDF" if pdf else ""))
        paths = write_report(rep, output, pdf=pdf)
        bar.update(task, completed=len(rep.sections) + 1, description="done")
    size = paths[0].stat().st_size / 1e6
    partial = [s.key for s in rep.sections if s.status in ("partial", "missing")]
    out.print(f"Wrote {paths[0]} ({size:.1f} MB, {len(rep.sections)} sections), the CSV "
              f"appendix to {tables_folder(paths[0])}"
              + (f" and {paths[-1]}" if pdf else "")
              + (f"; incomplete: {', '.join(partial)}" if partial else ""))
