"""`zxie evaluate`: score a model (or extracted records) against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.corpus.interchange import read_records
from pipeline.corpus.splits import select


def format_scores(scores: dict) -> str:
    ner = scores["ner"]
    lines = [f"documents: {scores['documents']}",
             f"NER (strict)   P {ner['p']:.3f}  R {ner['r']:.3f}  F1 {ner['f']:.3f}",
             f"{'label':12} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5}"]
    for label, s in ner["per_label"].items():
        lines.append(f"{label:12} {s['p']:6.3f} {s['r']:6.3f} {s['f']:6.3f} {s['tp'] + s['fn']:5d}")
    rel = scores["relations"]
    lines.append(f"relations (end to end)   P {rel['p']:.3f}  R {rel['r']:.3f}  F1 {rel['f']:.3f}")
    norm = scores["metric_norm"]
    lines.append(f"METRIC norm accuracy     {norm:.3f} of {scores['metric_found']} METRICs found" if norm is not None else "METRIC norm accuracy     n/a")
    return "\n".join(lines)


def evaluate(
    gold: list[Path] = typer.Argument(..., help="Gold files in the interchange format.", exists=True, dir_okay=False),
    model: Path = typer.Option(None, "--model", help="Model directory to run (default: the shipped model)."),
    split: str = typer.Option("test", help="Which split of the gold to score: train, dev, test or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score a model on gold annotations: NER, relations, METRIC norms."""
    import spacy

    from pipeline.evaluate import evaluate_nlp
    from pipeline.extract import default_model

    records = [r for path in gold for r in read_records(path)]
    sections = list(select(records, None if split == "all" else split))
    if not sections:
        typer.echo(f"error: no {split} documents in {', '.join(map(str, gold))}", err=True)
        raise typer.Exit(1)
    nlp = spacy.load(model or default_model())
    scores = evaluate_nlp(nlp, sections)
    typer.echo(json.dumps(scores, ensure_ascii=False, indent=2) if as_json else format_scores(scores))
