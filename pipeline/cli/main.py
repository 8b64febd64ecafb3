"""Entry point of the `zxie` command; each command group lives in its own module."""

from __future__ import annotations

import typer

from pipeline import __version__
from pipeline.cli import annotations
from pipeline.cli.evaluate import evaluate
from pipeline.cli.extract import extract
from pipeline.cli.train import pretrain, train, train_segmenter

app = typer.Typer(
    help="zxie: entities and relations from Chinese CPPCC and local-government reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("extract", help="Extract entities and relations from reports into JSONL records.")(extract)
app.add_typer(annotations.app, name="annotations", help="Check, count, split and show gold annotation files.")
app.command("train", help="Train the full pipeline (segmenter, NER, relations, norms) into a model directory.")(train)
app.command("train-segmenter", help="Train the spacy-pkuseg segmentation model alone.")(train_segmenter)
app.command("pretrain", help="Pretrain the NER's tok2vec on raw text (masked characters).")(pretrain)
app.command("evaluate", help="Score a model on gold annotations: NER, relations, METRIC norms.")(evaluate)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zxie {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """zxie: entities and relations from Chinese CPPCC and local-government reports."""
