"""``python -m airank`` runs the command line."""

from .cli import run

run()
