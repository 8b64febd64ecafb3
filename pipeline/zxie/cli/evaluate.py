"""`zxie evaluate`: score models, extracted records and baselines against gold annotations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from zxie.corpus.interchange import GOLD_FILES, FormatError, read_records
from zxie.corpus.splits import select
from zxie.evaluation.gold import GoldError, select_gold


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _system(path: Path):
    from zxie.evaluation.systems import ModelSystem, PredictionFile

    if path.is_dir():
        return ModelSystem(path)
    if path.is_file():
        return PredictionFile(path)
    raise FileNotFoundError(f"{path} is neither a model directory nor a file of extracted records")


def evaluate(
    gold: list[Path] = typer.Argument(..., help="Gold files in the interchange format.", exists=True, dir_okay=False),
    model: Path = typer.Option(None, "--model", help="Model directory to score (default: the shipped model, unless --pred or --compare is given)."),
    pred: Path = typer.Option(None, "--pred", help="Score records written by `zxie extract` (or interchange records) instead of running a model.", exists=True, dir_okay=False),
    compare: tuple[Path, Path] = typer.Option(None, "--compare", help="Two models (directories) or record files, A B: side by side with a paired bootstrap p-value."),
    baseline: list[str] = typer.Option([], "--baseline", help="Add a baseline to the table: jieba or gazetteer (repeatable)."),
    split: str = typer.Option(None, help="Which split of the gold to score: train, dev, test or all (default: test where the gold has splits, else all of it)."),
    strict: bool = typer.Option(False, "--strict", help="Refuse to score gold that has validation problems (default: report them and score the gold as given)."),
    as_json: bool = typer.Option(False, "--json", help="Print everything (scores, intervals, comparisons, errors) as JSON."),
    report: Path = typer.Option(None, "--report", help="Also write a self-contained HTML report here."),
    curve: Path = typer.Option(None, "--curve", help="A learning curve JSON from `zxie train-curve`, shown in the report."),
    show_errors: bool = typer.Option(False, "--errors", help="List every false positive and false negative after the table."),
    samples: int = typer.Option(1000, help="Bootstrap samples for the confidence intervals and p-values (0: none)."),
    seed: int = typer.Option(0, help="Seed of the bootstrap."),
) -> None:
    """Score a model on gold annotations: NER under four matching views, relations (end to end and
    with gold entities), METRIC and DATE norms, 95 % bootstrap intervals, errors; compare systems
    and baselines in one table."""
    from zxie.evaluation.evaluate import evaluate_systems
    from zxie.evaluation.baselines import BASELINES, make_baseline
    from zxie.evaluation.table import format_errors, format_table
    from zxie.extract import default_model

    if split not in (None, "train", "dev", "test", "all"):
        _fail(f"--split must be train, dev, test or all, not {split!r}")
    for name in baseline:
        if name not in BASELINES:
            _fail(f"unknown baseline {name!r}: choose from {', '.join(BASELINES)}")
    try:
        records = [r for path in gold for r in read_records(path)]
        chosen = select_gold(records, split, strict=strict)
    except (FormatError, GoldError) as err:
        _fail(str(err))
    for problem in chosen.problems:
        typer.echo(f"warning: {problem} (scored as given)", err=True)
    for note in chosen.notes:
        typer.echo(f"note: {note}", err=True)
    split, sections = chosen.split, chosen.sections
    train_sections = list(select(records, "train")) if "gazetteer" in baseline else []
    if not sections:
        _fail(f"no {split} documents in {', '.join(map(str, gold))}")
    systems = []
    try:
        if compare:
            systems += [_system(compare[0]), _system(compare[1])]
        if model is not None:
            systems.append(_system(model))
        if pred is not None:
            systems.append(_system(pred))
        if not systems:
            default = default_model()
            if (default / "meta.json").exists() or not baseline:
                systems.append(_system(default))
        if "gazetteer" in baseline:
            if not train_sections:
                _fail("the gazetteer baseline is built from the gold's train split, and there is none")
            if split in ("train", "all"):
                typer.echo("warning: the gazetteer baseline is scored on its own training data", err=True)
        systems += [make_baseline(name, train_sections) for name in baseline]
    except (FileNotFoundError, OSError, ValueError) as err:
        _fail(str(err))
    result = evaluate_systems(systems, sections, samples=samples, seed=seed, progress=sys.stderr.isatty())
    result["split"] = split
    result["gold_documents"] = chosen.documents
    result["gold"] = [str(p) for p in gold]
    if report is not None:
        from zxie.evaluation.report import write_report

        curve_data = None
        if curve is not None:
            try:
                curve_data = json.loads(curve.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                _fail(f"cannot read the learning curve {curve}: {err}")
        write_report(result, report, curve=curve_data, gold_sections=sections)
        typer.echo(f"wrote {report}", err=True)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(format_table(result, title=f"split: {split}"))
    if show_errors:
        for scores in result["systems"]:
            typer.echo("")
            typer.echo(format_errors(scores))


def train_curve(
    output: Path = typer.Option(..., "-o", "--output", help="Directory for curve.json and curve.png (and the models with --keep-models)."),
    gold: list[Path] = typer.Option(list(GOLD_FILES), help="Gold corpus files with their splits (repeatable).", exists=True, dir_okay=False),
    datasets: Path = typer.Option(Path("../shared/datasets"), help="Public corpora (cws/, ner/) as for zxie train."),
    config: Path = typer.Option(Path("configs/ner.cfg"), help="spaCy config of the NER."),
    segmenter: Path = typer.Option(None, help="Reuse this segmentation model (much faster) instead of training one per point."),
    fractions: str = typer.Option("0.25,0.5,0.75,1", help="Comma-separated shares of the training split."),
    augment: int = typer.Option(0, help="Mention-replacement copies of each train sentence (as zxie train --augment)."),
    vectors: bool = typer.Option(True, help="Train static character vectors (--no-vectors to skip: faster)."),
    seed: int = typer.Option(0, help="Seed of the subsets, the training and the bootstrap."),
    samples: int = typer.Option(1000, help="Bootstrap samples for the intervals."),
    keep_models: bool = typer.Option(False, "--keep-models", help="Keep each point's model directory."),
    set_: list[str] = typer.Option([], "--set", help="Config override, e.g. --set training.max_steps=500"),
) -> None:
    """Learning curve: train on 25/50/75/100 % of the training split, score each model on dev (NER and
    relation F1 with 95 % intervals), plot F1 against the amount of training data."""
    from zxie.cli._util import config_overrides
    from zxie.training.curve import learning_curve
    from zxie.training.train import TrainSettings

    try:
        shares = [float(x) for x in fractions.split(",") if x.strip()]
    except ValueError:
        _fail(f"--fractions takes numbers like 0.25,0.5,1, not {fractions!r}")
    overrides = config_overrides(set_)
    settings = TrainSettings(output=output / "model", gold=gold, datasets=datasets, config=config, segmenter=segmenter,
                             augment_copies=augment, vectors=vectors, seed=seed, overrides=overrides)
    try:
        curve = learning_curve(settings, output, fractions=shares, samples=samples, keep_models=keep_models,
                               log=lambda m: typer.echo(m, err=True))
    except (ValueError, FileNotFoundError) as err:
        _fail(str(err))
    for p in curve["points"]:
        typer.echo(f"{p['fraction']:>5.0%}  {p['train_sentences']:5d} sentences  NER F1 {p['ner_f']:.3f}  relations F1 {p['relations_f']:.3f}")
    typer.echo(f"wrote {output / 'curve.json'} and {output / 'curve.png'}")


def evaluate_general(
    models: list[Path] = typer.Argument(..., help="Model directories to score (e.g. models/zxie-default); one column group each."),
    datasets: Path = typer.Option(Path("../shared/datasets"), help="Folder holding the public corpora under ner/ (as for zxie train)."),
    corpus: list[str] = typer.Option([], "--corpus", help="Score only this corpus: msra, resume, weibo or cluener (repeatable; default: every one with files under --datasets)."),
    part: str = typer.Option("heldout", help="Which sentences: heldout (the tenth with sha256(text) % 10 == 0, which zxie train leaves out), train (the other nine tenths) or all."),
    limit: int = typer.Option(None, min=1, help="Score only the first N sentences of each corpus's part (a quick look)."),
    json_out: Path = typer.Option(None, "--json", help="Also write every count and score (per corpus, label and model) to this JSON file."),
) -> None:
    """Score models on the public NER corpora (MSRA, Resume, Weibo, CLUENER under DATASETS/ner),
    by default on their held-out tenth, which zxie's training code leaves out.

    Each sentence is one document. The corpora's own labels are mapped to ours, and each corpus
    scores only the labels of ours it marks completely: msra PERSON; resume PERSON, TITLE, ORG;
    weibo PERSON, REGION; cluener PERSON, TITLE, ORG, COMMITTEE (why, label by label:
    annotations/DECISIONS.md, "General corpora"). A predicted entity of a scored label is correct
    when its span and label equal a mapped gold mention's, else a false positive. The table gives,
    per corpus and label, the gold count and each model's precision, recall and F1, plus the micro
    scores of the corpus.

    Example: zxie evaluate-general models/zxie-default --corpus msra --limit 200"""
    from zxie import load
    from zxie.corpus.general import GENERAL_CORPORA, PARTS, available_corpora
    from zxie.evaluation.general import evaluate_general as run, format_general_table

    if part not in PARTS:
        _fail(f"--part must be one of {', '.join(PARTS)}, not {part!r}")
    unknown = [c for c in corpus if c not in GENERAL_CORPORA]
    if unknown:
        _fail(f"unknown corpus {unknown[0]!r}: choose from {', '.join(GENERAL_CORPORA)}")
    present = available_corpora(datasets)
    corpora = list(dict.fromkeys(corpus)) or present
    missing = [c for c in corpora if c not in present]
    if missing or not corpora:
        _fail(f"no files of {', '.join(missing) or 'any corpus'} under {datasets} (expected {datasets / 'ner'}/…)")
    pipelines = []
    for path in models:
        try:
            pipelines.append((str(path), load(path)))
        except (OSError, ValueError) as err:
            _fail(f"cannot load the model {path}: {err}")
    result = run(pipelines, datasets, corpora, part=part, limit=limit, progress=sys.stderr.isatty())
    typer.echo(format_general_table(result))
    if json_out is not None:
        json_out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {json_out}", err=True)
