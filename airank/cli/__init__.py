"""The ``airank`` command line (Typer + rich).

Commands live in modules by topic (``engine``, ``ogai``, ``robustness``), all registered
on one Typer app. User errors (a bad spec, a bad table, an unknown unit) print a message
on stderr and exit with code 2, never a traceback; bugs keep their traceback and exit 1.
Output files are written atomically (see :mod:`airank.export`).
"""

from __future__ import annotations

import sys

import click

from ..errors import AirankError
from . import engine, ogai  # noqa: F401  (registers the commands)
from ._common import app, err

__all__ = ["app", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 user error, 1 bug)."""
    try:
        app(args=argv, prog_name="airank", standalone_mode=False)
    except AirankError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", markup=True, highlight=False)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except click.exceptions.Abort:
        err.print("aborted")
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
