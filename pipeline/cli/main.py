"""Entry point of the `zxie` command; each command group lives in its own module."""

from __future__ import annotations

import typer

from pipeline import __version__
from pipeline.cli import annotations

app = typer.Typer(
    help="zxie: entities and relations from Chinese CPPCC and local-government reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(annotations.app, name="annotations", help="Check, count, split and show gold annotation files.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zxie {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """zxie: entities and relations from Chinese CPPCC and local-government reports."""
