"""Option types shared by the commands, checked while the command line is parsed.

Every number an option takes goes through a :class:`Number` parser, which refuses text,
NaN, infinities and values out of range with a message naming the option and the value
(``Invalid value for '--top': must be a whole number >= 1. Got -3.``), before any data is
read. Choices are ``Literal`` types (Typer lists them in the help and refuses others).

Nothing heavy is imported here. The limits the engine enforces again are repeated as
constants (``tests/test_cli_options.py`` checks them against the engine's).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import typer

__all__ = [
    "CLI_BUDGET",
    "EDITIONS",
    "EXAMPLES",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "PLOT_KINDS",
    "RELEASE",
    "STAGES",
    "BudgetOpt",
    "DataArg",
    "EditionOpt",
    "ExampleOpt",
    "FormatOpt",
    "LicenceOpt",
    "Number",
    "PowerOfTwo",
    "SeedOpt",
    "SpecArg",
    "ViewOpt",
    "replications",
]

MAX_SEED = 2**32 - 1  # airank.seeds.MAX_SEED
MAX_REPLICATIONS = 10_000_000  # airank.analysis.robustness.uncertainty.MAX_REPLICATIONS
EDITIONS = tuple(range(2019, 2026))  # airank.ogai.EDITIONS
RELEASE = "ogai-2026.1"  # airank.ogai.RELEASE (the methodology release; in cache keys)
CLI_BUDGET = 3600.0  # airank.analysis.robustness.cost.CLI_BUDGET
EXAMPLES = ("asem",)  # airank.datasets.EXAMPLES
STAGES = ("raw", "denominated", "imputed", "screened", "treated", "normalised",
          "aggregated")  # airank.results.STAGES
PLOT_KINDS = ("framework", "distributions", "correlation", "bar", "dot", "intervals",
              "sobol", "importance", "profile", "coverage")  # airank.plot.KINDS


class Number:
    """Parse an option's text as a bounded whole or real number.

    Parameters
    ----------
    kind : {"int", "float"}
    low, high : float, optional
        Bounds, inclusive unless ``open_low`` / ``open_high``.
    hint : str
        Appended to the message (how to choose a value).

    Raises
    ------
    typer.BadParameter
        Naming what was expected and the value given.
    """

    def __init__(self, kind: Literal["int", "float"], low: float | None = None,
                 high: float | None = None, *, open_low: bool = False,
                 open_high: bool = False, hint: str = "") -> None:
        self.kind, self.low, self.high = kind, low, high
        self.open_low, self.open_high, self.hint = open_low, open_high, hint
        self.__name__ = f"{kind} {self.expected}"  # Typer shows a parser's name

    @property
    def expected(self) -> str:
        """'a whole number in 1..10', 'a number > 0'."""
        what = "a whole number" if self.kind == "int" else "a number"
        lo, hi = self.low, self.high
        if lo is not None and hi is not None and not (self.open_low or self.open_high):
            return f"{what} in {_show(lo)}..{_show(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"{'>' if self.open_low else '>='} {_show(lo)}")
        if hi is not None:
            parts.append(f"{'<' if self.open_high else '<='} {_show(hi)}")
        return f"{what} {' and '.join(parts)}".strip()

    def __call__(self, text: str | float) -> int | float:
        value = self._parse(text)
        lo, hi = self.low, self.high
        if (lo is not None and (value < lo or (self.open_low and value == lo))) or (
                hi is not None and (value > hi or (self.open_high and value == hi))):
            self._fail(text)
        return value

    def _parse(self, text: str | float) -> int | float:
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            value: float = text
        else:
            raw = str(text).strip()
            try:
                value = int(raw) if self.kind == "int" else float(raw)
            except ValueError:
                self._fail(text)
        if isinstance(value, float) and not math.isfinite(value):
            self._fail(text)
        if self.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                self._fail(text)
            return int(value)
        return float(value)

    def _fail(self, text: object) -> None:
        hint = f" {self.hint}" if self.hint else ""
        raise typer.BadParameter(f"must be {self.expected}. Got {str(text)!r}.{hint}")


def _show(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


class PowerOfTwo(Number):
    """A whole number that is a power of two (Sobol' base samples)."""

    def __call__(self, text: str | float) -> int:
        value = int(super().__call__(text))
        if value & (value - 1):
            raise typer.BadParameter(f"must be a power of 2 (Sobol' design), e.g. 1024. Got "
                                     f"{str(text)!r}.")
        return value


def replications(default_high: int = MAX_REPLICATIONS, low: int = 1) -> Number:
    """A replication count: ``low`` .. ``default_high`` (the budget limits it further)."""
    return Number("int", low, default_high,
                  hint="The run is also refused when its estimated cost exceeds --budget.")


SpecArg = Annotated[Path | None, typer.Argument(help="Spec YAML file", show_default=False)]
DataArg = Annotated[Path | None, typer.Argument(help="Data table (CSV, Excel, Parquet)",
                                                show_default=False)]
ExampleOpt = Annotated[Literal["asem"] | None, typer.Option(
    "--example", help="A shipped example instead of the OGAI")]
FormatOpt = Annotated[Literal["table", "csv", "json"], typer.Option(
    "--format", help="Output format")]
EditionOpt = Annotated[int | None, typer.Option(
    "--edition", metavar="YEAR", parser=Number("int", EDITIONS[0], EDITIONS[-1],
                                               hint="(OGAI editions)"),
    help=f"OGAI edition year, {EDITIONS[0]}-{EDITIONS[-1]} (default: the latest)")]
ViewOpt = Annotated[Literal["scale", "intensity"], typer.Option(
    "--view", help="OGAI view: scale (totals) or intensity (per person or per GDP)")]
LicenceOpt = Annotated[Literal["all", "open"], typer.Option(
    "--licence", help="OGAI sources: all, or open (open-licensed sources only)")]
SeedOpt = Annotated[int, typer.Option(
    "--seed", metavar="SEED", parser=Number("int", 0, MAX_SEED),
    help=f"Random seed, 0..{MAX_SEED} (same seed, same result)")]
BudgetOpt = Annotated[float | None, typer.Option(
    "--budget", metavar="SECONDS", parser=Number("float", 0, open_low=True),
    help=f"Refuse runs estimated above this many seconds of one core (default "
         f"{CLI_BUDGET:.0f})")]
