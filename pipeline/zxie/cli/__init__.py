"""The `zxie` command: a thin layer over the library API."""

from zxie.cli.main import app

__all__ = ["app"]
