"""`zxie extract`: reports in, one JSON record per document out."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from pipeline.extract import default_model, extract_paths


def extract(
    paths: list[str] = typer.Argument(..., help="`.txt` files, folders (every .txt below), `.jsonl` files ({id, text, ...} per line), or - for JSONL on stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="Output JSONL; failures go to OUTPUT.errors.jsonl beside it."),
    model: Path = typer.Option(None, "--model", help=f"Model directory (default: $ZXIE_MODEL or {default_model()})."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extract entities and relations from reports, one record per document, in input order."""
    try:
        written, failed = extract_paths(paths, output, model, progress=not quiet and sys.stderr.isatty())
    except FileNotFoundError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{written} record(s) written to {output}" + (f"; {failed} document(s) failed, see {output.name.removesuffix('.jsonl')}.errors.jsonl" if failed else ""), err=True)
    if failed:
        raise typer.Exit(1)
