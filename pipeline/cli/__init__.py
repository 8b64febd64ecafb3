"""The `zxie` command: a thin layer over the library API."""

from pipeline.cli.main import app

__all__ = ["app"]
