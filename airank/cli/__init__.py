"""The ``airank`` command line (Typer + rich).

Commands live in modules by topic (``engine``, ``ogai``, ``robustness``, ``scenarios``,
``serve``, ``toolkit``, ``report``), all registered on one Typer app. Options are checked
while the command line is parsed, before any data is read; units are resolved (codes in any
case, names, aliases) before any analysis runs; runs whose estimated cost exceeds ``--budget`` are
refused. User errors -- a bad option, spec, table, scenario or factors file, an unknown
unit, an output that cannot be written -- print a message on stderr and exit with code
2, never a traceback; bugs keep their traceback and exit 1. Output files are written
atomically (see :mod:`airank.output`). Built editions are cached on disk
(:mod:`airank.cache`; ``--no-cache`` or ``AIRANK_NO_CACHE=1`` to bypass).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any

import typer

from ..errors import AirankError
from ._common import app as _app
from ._common import configure, err, settings

__all__ = ["app", "main", "run"]

#: Which module registers each command. A run imports only the module of the command it
#: names (the others cost ~40 ms of a cold start); help, completion and an unknown name
#: load them all. ``tests/test_cli_options.py`` holds this table to the registered app.
COMMANDS = {
    "build": "engine", "rank": "engine", "explain": "engine", "validate": "engine",
    "trend": "ogai", "fit-weights": "ogai", "data": "ogai",
    "plot": "report", "report": "report",
    "uncertainty": "robustness", "sensitivity": "robustness", "importance": "robustness",
    "bounds": "robustness",
    "scenario": "scenarios", "reach": "scenarios", "project": "scenarios",
    "serve": "serve",
    "from-coinr": "toolkit", "to-coinr": "toolkit", "compare": "toolkit",
    "remove": "toolkit", "stats": "toolkit",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def load_commands(argv: list[str] | None = None) -> typer.Typer:
    """Register the commands ``argv`` needs (all of them when ``argv`` is None, names
    no known command, or asks for completion); return the app."""
    first = next((a for a in argv or () if not a.startswith("-")), None)
    completing = any(k.startswith("_AIRANK") and k.endswith("_COMPLETE") for k in os.environ)
    wanted = (COMMANDS[first],) if first in COMMANDS and not completing else MODULES
    for name in wanted:
        importlib.import_module(f"{__name__}.{name}")
    return _app


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole app: every command registered
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"airank {__version__}")
        raise typer.Exit()


@_app.callback()
def _root(
        version: Annotated[bool, typer.Option(
            "--version", callback=_version, is_eager=True,
            help="Print the version and exit")] = False,
        no_cache: Annotated[bool, typer.Option(
            "--no-cache", help="Build every index afresh: do not read or write the cache "
                               "of built editions (also AIRANK_NO_CACHE=1)")] = False) -> None:
    """Build composite indices and the Open Global AI Index (the default index of every
    command). Every number traces to a source file; see 'airank data sources'."""
    if no_cache:
        settings["cache"] = False


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 user error, 1 bug)."""
    configure()
    args = sys.argv[1:] if argv is None else argv
    try:
        load_commands(args)(args=args, prog_name="airank", standalone_mode=False)
    except AirankError as exc:
        err.print("[bold red]error:[/bold red]", end=" ")
        err.print(str(exc), markup=False, highlight=False)  # user values are never markup
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err.print("aborted")
        return 1
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            err.print(f"error: {exc}")
        return int(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
