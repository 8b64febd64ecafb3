"""`zxie train` and `zxie train-segmenter`: build models from the repository."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from zxie.cli._util import config_overrides
from zxie.corpus.interchange import GOLD_FILES


def train(
    output: Path = typer.Option(Path("models/zxie-default"), "-o", "--output", help="Model directory to write (replaced if it exists)."),
    gold: list[Path] = typer.Option(list(GOLD_FILES), help="Gold corpus files with their splits (repeatable; default: the seeds' and the composed articles')."),
    datasets: Path = typer.Option(Path("../shared/datasets"), help="Public corpora (cws/, ner/)."),
    config: Path = typer.Option(Path("configs/ner.cfg"), help="spaCy config of the NER."),
    segmenter: Path = typer.Option(None, help="Reuse this segmentation model instead of training one (only used when the config has tokenizer words = true)."),
    augment: int = typer.Option(3, help="Mention-replacement copies of each train sentence (0: none)."),
    gold_repeat: int = typer.Option(1, help="Copies of each gold train sentence (to weigh gold against the general corpora; their share is corpora.train.general_sentences in the config)."),
    train_on: str = typer.Option("train", help="Comma-separated gold splits to learn from (train or train,dev; never test)."),
    init_tok2vec: Path = typer.Option(None, help="Pretrained tok2vec weights (from `spacy pretrain`)."),
    seed: int = typer.Option(0, help="Random seed for every step."),
    members: int = typer.Option(1, min=1, help="Train the NER this many times (seeds seed, seed + 1, …) and average the runs' tag probabilities in one pipeline: more accurate, each member costs as much run time as one NER."),
    set_: list[str] = typer.Option([], "--set", help="Config override, e.g. --set training.max_steps=2000 or --set corpora.train.general_sentences=0"),
) -> None:
    """Train the pipeline (NER, relations, norms; a segmenter if the config uses word features) into a model directory."""
    overrides = config_overrides(set_)
    splits = tuple(x.strip() for x in train_on.split(","))
    if not set(splits) <= {"train", "dev"}:
        typer.echo("error: --train-on takes train and dev only", err=True)
        raise typer.Exit(2)
    if init_tok2vec:
        overrides["paths.init_tok2vec"] = str(init_tok2vec)
    from zxie.training.train import TrainSettings, train_pipeline  # heavy: imported only when training

    settings = TrainSettings(output=output, gold=gold, datasets=datasets, config=config, segmenter=segmenter,
                             augment_copies=augment, gold_repeat=gold_repeat, train_splits=splits, seed=seed,
                             members=members, overrides=overrides)
    path = train_pipeline(settings, log=lambda m: typer.echo(m, err=True))
    typer.echo(f"wrote {path}")


def train_segmenter(
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the segmentation model."),
    gold: list[Path] = typer.Option(list(GOLD_FILES), help="Gold corpus files (their train split is used; repeatable)."),
    datasets: Path = typer.Option(Path("../shared/datasets"), help="Public corpora (cws/)."),
    iterations: int = typer.Option(10, help="Training iterations of each pass."),
) -> None:
    """Train the spacy-pkuseg segmentation model alone."""
    from zxie.training.train import build_segmenter

    info = build_segmenter(gold, datasets, output, iterations, log=lambda m: typer.echo(m, err=True))
    typer.echo(json.dumps(info))


def pretrain(
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the pretrained weights (model-last.bin)."),
    segmenter: Path = typer.Option(..., help="Segmentation model (as for zxie train)."),
    gold: list[Path] = typer.Option(list(GOLD_FILES), help="Gold corpus files (only their train split's text is used; repeatable)."),
    datasets: Path = typer.Option(Path("../shared/datasets"), help="Public corpora (raw text)."),
    config: Path = typer.Option(Path("configs/ner.cfg"), help="spaCy config with a [pretraining] block."),
    epochs: int = typer.Option(None, help="Override [pretraining] max_epochs."),
    seed: int = typer.Option(0, help="Random seed."),
) -> None:
    """Pretrain the NER's tok2vec on raw text (masked characters), for zxie train --init-tok2vec."""
    from zxie.training.pretrain import pretrain_tok2vec

    typer.echo(f"wrote {pretrain_tok2vec(output, segmenter, gold, datasets, config, epochs, seed)}")
