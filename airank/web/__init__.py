"""The airank web app: JSON API and offline dashboard (``airank serve``)."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
