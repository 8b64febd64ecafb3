"""`zxie extract`: reports in, one JSON record per document out (a thin layer on
zxie.batch.run.run_batch)."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from zxie.batch.run import BatchSettings
from zxie.extract import default_model

DEFAULTS = BatchSettings()


class Format(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


def extract(
    paths: list[str] = typer.Argument(..., help="`.txt` files, folders (every .txt below), `.jsonl` files ({id, text, ...} per line), "
                                               "saved `datasets` Dataset folders, or - for JSONL on stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file; failures go to OUTPUT.errors.jsonl beside it "
                                                             "(OUT.jsonl -> OUT.errors.jsonl, OUT.parquet -> OUT.errors.jsonl)."),
    model: Path = typer.Option(None, "--model", help=f"Model directory (default: $ZXIE_MODEL or {default_model()})."),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes, each loading the model once "
                                                                        "(with --engine dask and no --scheduler: local Dask workers)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: keep OUTPUT, skip documents already in it."),
    format: Format = typer.Option(None, "--format", help="jsonl or parquet (default: from OUTPUT's suffix, else jsonl)."),
    max_chars: int = typer.Option(DEFAULTS.max_chars, "--max-chars", min=0, help="Reject documents longer than this many characters (0: no limit)."),
    chunk_chars: int = typer.Option(DEFAULTS.chunk_chars, "--chunk-chars", min=0,
                                    help="Process documents longer than this in chunks cut at sentence boundaries (0: never)."),
    text_column: str = typer.Option("text", "--text-column", help="Text column of a saved Dataset input."),
    id_column: str = typer.Option("id", "--id-column", help="Id column of a saved Dataset input (default ids: FOLDER:ROW)."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local (this machine's processes) or dask (a Dask cluster)."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://scheduler-host:8786 "
                                                            "(default with --engine dask: a local cluster of --n-process workers)."),
    unordered: bool = typer.Option(False, "--unordered", help="Parallel engines: write records as they finish, not in input order."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, help="Texts per model batch."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar (there is none either when stderr is not a terminal)."),
) -> None:
    """Extract entities and relations from reports, one record per document, in input order.

    Output is appended and flushed document by document: after a crash, run the same command with
    --resume. A bad document (unreadable, binary, empty, too long, duplicate id, bad JSONL line)
    becomes one line in OUTPUT.errors.jsonl and the batch goes on; the exit code is 1 if any
    document failed, 2 on a usage error (e.g. no model).
    """
    from zxie.batch.run import run_batch

    if scheduler and engine is not Engine.dask:
        typer.echo("error: --scheduler needs --engine dask", err=True)
        raise typer.Exit(2)
    fmt = format.value if format else ("parquet" if output.suffix == ".parquet" else "jsonl")
    settings = BatchSettings(model=model, n_process=n_process, engine=engine.value, scheduler=scheduler, unordered=unordered,
                             resume=resume, format=fmt, max_chars=max_chars or None, text_column=text_column,
                             id_column=id_column, chunk_chars=chunk_chars, batch_size=batch_size,
                             progress=not quiet and sys.stderr.isatty())
    try:
        summary = run_batch(paths, output, settings)
    except FileNotFoundError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    message = f"{summary.written} record(s) written to {output}"
    if summary.skipped:
        message += f" ({summary.skipped} already there, skipped)"
    if summary.notices:
        message += f"; {summary.notices} document(s) decoded from another encoding (see {summary.errors.name})"
    if summary.failed:
        message += f"; {summary.failed} document(s) failed, see {summary.errors.name}"
    typer.echo(message, err=True)
    if summary.failed:
        raise typer.Exit(1)
