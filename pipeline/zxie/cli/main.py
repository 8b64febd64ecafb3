"""Entry point of the `zxie` command; each command group lives in its own module."""

from __future__ import annotations

import typer

from zxie import __version__
from zxie.cli import annotate, annotations
from zxie.cli.evaluate import evaluate, evaluate_general, train_curve
from zxie.cli.extract import extract
from zxie.cli.train import pretrain, train, train_segmenter

app = typer.Typer(
    help="zxie: entities and relations from Chinese CPPCC and local-government reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: no text is read as markup (`[pretraining]` stays), and a flag shows no `<bool>`
    rich_markup_mode=None,
)
app.command("extract")(extract)  # help: the docstring of pipeline/zxie/cli/extract.py:extract
app.add_typer(annotations.app, name="annotations", help="Check, count, split and show gold annotation files.")
app.add_typer(annotate.app, name="annotate", help="The annotation loop with doccano: server, push, pull, agreement.")
app.command("train", help="Train the pipeline (NER, relations, norms; a segmenter if the config uses word features) into a model directory.")(train)
app.command("train-segmenter", help="Train the spacy-pkuseg segmentation model alone.")(train_segmenter)
app.command("pretrain", help="Pretrain the NER's tok2vec on raw text (masked characters).")(pretrain)
app.command("evaluate", help="Score models, extracted records and baselines on gold: NER views, relations, norms, CIs, report.")(evaluate)
app.command("evaluate-general", short_help="Score models on the held-out tenth of the public NER corpora (MSRA, Resume, Weibo, CLUENER), on our labels.")(evaluate_general)
app.command("train-curve", help="Learning curve: train on 25/50/75/100 % of the training split, F1 on dev against data size.")(train_curve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zxie {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit.")) -> None:
    """zxie: entities and relations from Chinese CPPCC and local-government reports."""
