"""`zxie annotations ...`: validate, stats, split and render interchange files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from zxie.corpus.interchange import FormatError, read_records, write_records
from zxie.corpus.render import render as render_lines
from zxie.corpus.splits import SplitError, assign_splits
from zxie.corpus.stats import corpus_stats, find_conflicts, format_stats
from zxie.corpus.validate import validate_files

app = typer.Typer(no_args_is_help=True)

FILES = typer.Argument(..., help="Annotation files in the interchange format (JSONL).", exists=True, dir_okay=False)


def _load(files: list[Path]):
    try:
        return [rec for path in files for rec in read_records(path)]
    except FormatError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None


@app.command()
def validate(files: list[Path] = FILES) -> None:
    """Check files against the annotation contract; exit 0 only when clean."""
    problems = validate_files(files)
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {len(files)} file(s) valid")


@app.command()
def stats(
    files: list[Path] = FILES,
    conflicts: bool = typer.Option(False, "--conflicts", help="Also list surfaces labelled inconsistently, with locations."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Count entities per label and relations per type, for each split."""
    records = _load(files)
    counts = corpus_stats(records)
    found = find_conflicts(records) if conflicts else []
    if as_json:
        if conflicts:
            counts["conflicts"] = [{"surface": c.surface, "labels": dict(c.labels), "places": c.places} for c in found]
        typer.echo(json.dumps(counts, ensure_ascii=False, indent=2))
        return
    typer.echo(format_stats(counts))
    if conflicts:
        typer.echo(f"\nconflicts: {len(found)}")
        for c in found:
            typer.echo(str(c))


@app.command()
def split(
    file: Path = typer.Argument(..., help="Gold file to assign splits in (rewritten in place unless -o).", exists=True, dir_okay=False),
    output: Path = typer.Option(None, "-o", "--output", help="Write here instead of in place."),
    seed: int = typer.Option(0, help="First random seed to try; the seed used is recorded in meta."),
    dev: float = typer.Option(0.2, help="Share of entity mentions for dev."),
    test: float = typer.Option(0.2, help="Share of entity mentions for test."),
    section_chars: int = typer.Option(800, help="Minimum size of a section, in characters."),
    group_by: str = typer.Option(None, "--group-by", help="Assign whole documents, all documents with the same meta value (e.g. region) to one split (stored as meta.split)."),
) -> None:
    """Assign document sections (or, with --group-by, whole documents) to train/dev/test reproducibly (stored as meta.sections or meta.split)."""
    records = _load([file])
    try:
        summary = assign_splits(records, seed, dev, test, section_chars, group_by)
    except SplitError as err:
        typer.echo(f"error: {file}: {err}", err=True)
        raise typer.Exit(1) from None
    write_records(output or file, [r.data for r in records])
    shares = ", ".join(f"{k} {v}" for k, v in summary["mentions"].items())
    typer.echo(f"seed {summary['seed']}: entity mentions {shares}")


@app.command()
def render(
    files: list[Path] = FILES,
    doc_id: str = typer.Option(None, "--id", help="Only the document with this id."),
) -> None:
    """Print documents sentence by sentence with their entities and relations inline."""
    for rec in _load(files):
        if doc_id is None or rec.id == doc_id:
            typer.echo(f"# {rec.id}")
            for line in render_lines(rec.text, rec.entities, rec.relations):
                typer.echo(line)
