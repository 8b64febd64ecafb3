"""The learning curve: train on growing shares of the training split, score each model on dev.

The training split is cut into sentences (as the NER trains on them); the sentences are shuffled
once with the seed and each fraction keeps a prefix of that order, so every smaller training set is
inside the larger ones. For each fraction a gold file is written with those sentences as the train
split and the dev and test sections unchanged, and `train_pipeline` builds a full model from it
(segmenter — unless one is given —, vectors, NER, relations, norms: every step sees only the kept
sentences). Each model is scored on the dev sections of the original gold with 95 % bootstrap
intervals. The 100 % point trains on sentence records, so it can differ slightly from `zxie train`.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import replace
from pathlib import Path

from zxie.corpus.interchange import read_corpus, write_records
from zxie.corpus.splits import select

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def train_sentences(gold: Path) -> list[dict]:
    from zxie.training.convert import sentence_sections

    return list(sentence_sections(select(read_corpus(gold), "train")))


def subset_gold(gold: Path, fraction: float, seed: int, out: Path) -> dict:
    """Write a gold file whose train split is `fraction` of the training sentences; returns counts."""
    records = read_corpus(gold)
    sentences = train_sentences(gold)
    order = list(range(len(sentences)))
    random.Random(seed).shuffle(order)
    keep = sorted(order[: max(1, round(fraction * len(sentences)))])
    rows = [{**sentences[i], "meta": {"split": "train"}} for i in keep]
    for split in ("dev", "test"):
        rows += [{**sec, "meta": {**sec["meta"], "split": split}} for sec in select(records, split)]
    write_records(out, rows)
    kept = [sentences[i] for i in keep]
    return {"train_sentences": len(kept), "train_mentions": sum(len(s["entities"]) for s in kept),
            "train_relations": sum(len(s["relations"]) for s in kept), "train_chars": sum(len(s["text"]) for s in kept)}


def learning_curve(settings, out_dir: Path, fractions=FRACTIONS, samples: int = 1000, keep_models: bool = False,
                   log=print) -> dict:
    """Train one model per fraction (settings: a TrainSettings whose output is ignored) and score
    each on dev. Writes out_dir/curve.json and out_dir/curve.png; returns the curve."""
    import spacy

    from zxie.evaluation.evaluate import score_predictions
    from zxie.evaluation.figures import learning_curve as plot
    from zxie.evaluation.systems import ModelSystem
    from zxie.training.train import train_pipeline

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dev = list(select(read_corpus(settings.gold), "dev"))
    if not dev:
        raise ValueError(f"{settings.gold} has no dev split to score the learning curve on")
    points = []
    for fraction in sorted(fractions):
        if not 0 < fraction <= 1:
            raise ValueError(f"a training fraction must be in (0, 1], not {fraction}")
        tag = f"{round(100 * fraction):03d}"
        gold = out_dir / f"gold-{tag}.jsonl"
        sizes = subset_gold(settings.gold, fraction, settings.seed, gold)
        log(f"train-curve: {fraction:.0%} of the training split = {sizes['train_sentences']} sentences")
        model_dir = out_dir / f"model-{tag}"
        train_pipeline(replace(settings, output=model_dir, gold=gold), log=log)
        system = ModelSystem(model_dir, nlp=spacy.load(model_dir))
        scores, _ = score_predictions(dev, system.predict(dev), name=system.name, samples=samples, seed=settings.seed)
        ci = scores["confidence"]
        points.append({
            "fraction": fraction, **sizes,
            "ner_f": scores["ner_views"]["strict"]["micro"]["f"], "ner_f_ci": ci.get("ner.strict.f"),
            "ner_partial_f": scores["ner_views"]["partial"]["micro"]["f"], "ner_partial_f_ci": ci.get("ner.partial.f"),
            "relations_f": scores["relations"]["f"], "relations_f_ci": ci.get("relations.f"),
            "relations_gold_entities_f": (scores["relations_gold_entities"] or {}).get("f"),
            "relations_gold_entities_f_ci": ci.get("relations_gold_entities.f"),
            "model": str(model_dir) if keep_models else None,
        })
        log(f"train-curve: {fraction:.0%}: NER F1 {points[-1]['ner_f']:.3f}, relations F1 {points[-1]['relations_f']:.3f} on dev")
        shutil.rmtree(model_dir.parent / (model_dir.name + ".work"), ignore_errors=True)
        if not keep_models:
            shutil.rmtree(model_dir, ignore_errors=True)
        gold.unlink()
    curve = {"scored_on": "dev", "gold": [str(g) for g in ([settings.gold] if isinstance(settings.gold, (str, Path)) else settings.gold)], "seed": settings.seed, "bootstrap_samples": samples,
             "points": points}
    (out_dir / "curve.json").write_text(json.dumps(curve, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "curve.png").write_bytes(plot(curve))
    return curve
