"""`zxie annotate ...`: the annotation loop with doccano (server, push, pull, agreement)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from zxie.annotate.errors import AnnotateError
from zxie.cli._util import redact

app = typer.Typer(no_args_is_help=True, help="The annotation loop with a doccano server.")
server_app = typer.Typer(no_args_is_help=True, help="Run a local doccano (own venv, loopback only).")
app.add_typer(server_app, name="server")

CREDENTIALS_HELP = ("Server and login come from DOCCANO_URL, DOCCANO_USERNAME, DOCCANO_PASSWORD, "
                    "else from the credentials file `zxie annotate server start` wrote (mode 0600).")


def _fail(err: Exception) -> None:
    typer.echo(f"error: {redact(str(err))}", err=True)
    raise typer.Exit(1)


def _say(message: str) -> None:
    typer.echo(redact(message), err=True)


@server_app.command("start")
def server_start(port: int = typer.Option(None, help="Port on 127.0.0.1 (default $ZXIE_DOCCANO_PORT or 8000)."),
                 timeout: float = typer.Option(240, help="Seconds to wait for the health endpoint.")) -> None:
    """Start doccano (web server and task worker) on 127.0.0.1 and wait until it is healthy.

    On first use this creates doccano's own virtual environment (about two minutes). State lives in
    $ZXIE_STATE_DIR (default ./.zxie): the database, logs, pids and the generated admin password
    (credentials.json, mode 0600; it is never printed).
    """
    from zxie.annotate import server

    try:
        info = server.start(port, timeout=timeout, log=_say)
    except AnnotateError as err:
        _fail(err)
    typer.echo(f"doccano is running at {info['url']} (pids {', '.join(map(str, info['pids'].values()))})")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the doccano processes `start` recorded (and the workers they forked), nothing else."""
    from zxie.annotate import server

    ended = server.stop()
    typer.echo(f"stopped {len(ended)} process group(s)" if ended else "no doccano server was running")


@server_app.command("status")
def server_status() -> None:
    """Whether the recorded doccano server runs and answers its health check; exit 1 if not."""
    from zxie.annotate import server

    info = server.status()
    if not info["running"]:
        typer.echo("doccano is not running")
        raise typer.Exit(1)
    typer.echo(f"doccano at {info['url']}: {'healthy' if info['healthy'] else 'running, not healthy'}")
    if not info["healthy"]:
        raise typer.Exit(1)


@app.command(help=f"""Upload documents into a doccano project, pre-annotated by the model.

    INPUT is anything `zxie extract` reads (.txt files, folders, JSONL with id and text, - for stdin).
    The project is created when missing (span labelling with relations, the schema's labels).
    A document already in the project (same id) is skipped, never duplicated. {CREDENTIALS_HELP}""")
def push(
    inputs: list[Path] = typer.Argument(..., help="Documents to push."),
    project: str = typer.Option(..., "--project", "-p", help="doccano project name."),
    model: Path = typer.Option(None, "--model", help="Model directory for pre-annotations (default: the shipped model)."),
    order: str = typer.Option("uncertain", help="uncertain: least sure first; input: as given."),
    pre_annotate: str = typer.Option("model", "--pre-annotate",
                                     help="model: the model's entities and relations; input: the input's own "
                                          "(interchange records); none: blank."),
) -> None:
    from zxie.annotate.push import push_documents

    try:
        result = push_documents([str(p) for p in inputs], project, model=model, order=order,
                                pre_annotate=pre_annotate, progress=sys.stderr.isatty())
    except AnnotateError as err:
        _fail(err)
    for doc_id, reason in result.failed:
        _say(f"error: {doc_id}: {reason}")
    typer.echo(f"project {project!r}: {len(result.created)} pushed, {len(result.skipped)} already there, "
               f"{len(result.failed)} failed")
    if result.failed:
        raise typer.Exit(1)


@app.command(help=f"""Read a project's annotations back into an interchange file, validated and merged.

    Only documents marked done are read unless --all. New documents are added to FILE; a document
    changed only in doccano replaces the file's; one changed on both sides since the push is a
    conflict: the file keeps its version and doccano's goes to FILE.conflicts.jsonl. Exit 2 when
    conflicts or invalid documents need a person. {CREDENTIALS_HELP}""")
def pull(
    project: str = typer.Option(..., "--project", "-p", help="doccano project name."),
    output: Path = typer.Option(..., "-o", "--output", help="Gold file to write or merge into.", dir_okay=False),
    all_docs: bool = typer.Option(False, "--all", help="Also documents not marked done."),
) -> None:
    from zxie.annotate.pull import pull_project

    try:
        result = pull_project(project, output, only_done=not all_docs, progress=sys.stderr.isatty())
    except AnnotateError as err:
        _fail(err)
    m = result.merged
    for line in result.invalid:
        _say(f"invalid: {line}")
    for rec, why in m.conflicts:
        _say(f"conflict: {rec['id']}: {why}")
    typer.echo(f"{output}: {len(m.added)} added, {len(m.updated)} updated, {len(m.unchanged)} unchanged, "
               f"{len(m.kept)} kept (changed in the file only), {len(m.conflicts)} conflict(s), "
               f"{len(result.invalid)} validation problem(s)"
               + (f"; doccano's side of the conflicts: {result.conflicts_path}" if result.conflicts_path else ""))
    if m.conflicts or result.invalid:
        raise typer.Exit(2)


@app.command()
def agreement(
    a: Path = typer.Argument(..., exists=True, dir_okay=False, help="First annotator's interchange file."),
    b: Path = typer.Argument(..., exists=True, dir_okay=False, help="Second annotator's interchange file."),
    as_json: bool = typer.Option(False, "--json", help="Print everything as JSON."),
    limit: int = typer.Option(50, help="Disagreements to list."),
) -> None:
    """Inter-annotator agreement of two files on the documents both hold.

    Span P/R/F1 per label (B scored against A), character-level Cohen's kappa, relation P/R/F1,
    and the list of disagreements.
    """
    from zxie.annotate.agreement import agreement as compute, format_agreement
    from zxie.corpus.interchange import FormatError, read_records

    try:
        result = compute([r.data for r in read_records(a)], [r.data for r in read_records(b)])
    except (FormatError, KeyError, TypeError) as err:
        _fail(f"cannot compare: {err}")
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for line in format_agreement(result, limit):
            typer.echo(line)
