"""`zxie extract`: reports in, one JSON record per document out (a thin layer on
zxie.batch.run.run_batch)."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from enum import Enum
from pathlib import Path

import typer

from zxie.batch.run import BatchSettings
from zxie.cli._util import redact
from zxie.extract import default_model

DEFAULTS = BatchSettings()


class Format(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class InputFormat(str, Enum):
    jsonl = "jsonl"
    text = "text"


def _quick_exit() -> None:
    """At exit, move every object to gc's permanent generation: the interpreter's teardown then
    does not collect the ~80,000 objects that importing spaCy creates, a quarter of a second of a
    cold `zxie extract` (benchmarks/startup.py). Objects are still freed by reference counting."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


# What a user may write after a flag, believing it takes a value (`--resume yes`).
FLAG_VALUES = {"yes", "no", "y", "n", "true", "false", "on", "off", "1", "0"}


def _fail(message: str) -> None:
    typer.echo(f"error: {redact(message)}", err=True)
    raise typer.Exit(2)


def extract(
    paths: list[str] = typer.Argument(..., metavar="PATH",
                                      help="`.txt` files, folders (every .txt below), `.jsonl` or `.ndjson` files ({id, text, ...} "
                                           "per line), saved `datasets` Dataset folders, or - for JSONL on stdin."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file; failures go to OUTPUT.errors.jsonl beside it "
                                                             "(OUT.jsonl -> OUT.errors.jsonl, OUT.parquet -> OUT.errors.jsonl)."),
    model: Path = typer.Option(None, "--model", help=f"Model directory (default: $ZXIE_MODEL or {default_model()})."),
    n_process: int = typer.Option(1, "--n-process", "-n", min=1, help="Worker processes, each loading the model once "
                                                                        "(with --engine dask and no --scheduler: local Dask workers)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run: keep OUTPUT, skip documents already in it "
                                                        "(same id, same text); records of changed or removed inputs are dropped."),
    format: Format = typer.Option(None, "--format", help="jsonl or parquet (default: from OUTPUT's suffix, else jsonl)."),
    input_format: InputFormat = typer.Option(None, "--input-format", help="How to read a PATH whose name does not tell "
                                                                           "(/dev/stdin, <(cat x.jsonl), no .txt/.jsonl/.ndjson suffix)."),
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
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error of the run instead of one line."),
) -> None:
    """Extract entities and relations from reports, one record per document, in input order.

    Output is appended and flushed document by document: after a crash, run the same command with
    --resume. A bad document (unreadable, binary, empty, too long, duplicate id, bad JSONL line)
    becomes one line in OUTPUT.errors.jsonl and the batch goes on; the exit code is 1 if any
    document failed, 2 on a problem of the run itself (no model; an output that cannot be
    written, is an input or is being written by another run), with one `error:` line.
    """
    from zxie.batch.run import run_batch
    from zxie.io.inputs import RunError

    _quick_exit()
    if scheduler and engine is not Engine.dask:
        _fail("--scheduler needs --engine dask")
    for p in paths:
        if p.lower() in FLAG_VALUES and not os.path.lexists(p):
            _fail(f"no input {p!r}: flags take no value (write --resume, not --resume {p})")
    fmt = format.value if format else ("parquet" if output.suffix.lower() == ".parquet" else "jsonl")
    settings = BatchSettings(model=model, n_process=n_process, engine=engine.value, scheduler=scheduler, unordered=unordered,
                             resume=resume, format=fmt, input_format=input_format.value if input_format else None,
                             max_chars=max_chars or None, text_column=text_column, id_column=id_column,
                             chunk_chars=chunk_chars, batch_size=batch_size, progress=not quiet and sys.stderr.isatty())
    try:
        summary = run_batch(paths, output, settings)
    except KeyboardInterrupt:
        typer.echo("interrupted: run the same command with --resume to continue", err=True)
        raise typer.Exit(130) from None
    except (RunError, FileNotFoundError) as err:
        if debug:
            raise
        _fail(str(err))
    except Exception as err:  # noqa: BLE001 - a bug or a failing cluster: one line, the traceback with --debug
        if debug:
            raise
        _fail(f"{type(err).__name__}: {err} (--debug shows the traceback)")
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
