"""The ``airank`` command line (Typer + rich).

Commands live in modules by topic (``engine``, ``ogai``, ``robustness``), all registered
on one Typer app. User errors (a bad spec, a bad table, an unknown unit) print a message
on stderr and exit with code 2, never a traceback; bugs keep their traceback and exit 1.
Output files are written atomically (see :mod:`airank.export`).
"""

from __future__ import annotations

import sys

import typer

from ..errors import AirankError
from . import engine, ogai, report, robustness, scenarios, serve, toolkit  # noqa: F401
from ._common import app, err

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 user error, 1 bug)."""
    try:
        app(args=argv, prog_name="airank", standalone_mode=False)
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
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
