"""Scores of predicted records against gold records (interchange format).

- NER: strict matching (exact span and label), micro precision/recall/F1 and per label.
- Relations end to end: a predicted relation counts only if its type and both arguments' spans and
  labels equal a gold relation's.
- METRIC norm accuracy: of the gold METRIC mentions the model found exactly, the share whose
  norm equals the gold norm (and the same over all gold METRIC mentions, `metric_norm_e2e`).

`score_records` / `evaluate_nlp` are the quick scores used during training. The full evaluation of
`zxie evaluate` — the four SemEval-2013 matching views, relations with gold entities, norm accuracy,
bootstrap confidence intervals, paired comparisons, error listings — is `evaluate_systems` below,
built on the other modules of zxie/evaluation/.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from zxie.evaluation.scoring import prf
from zxie.evaluation.systems import doc_to_record
from zxie.schema import load_schema


def _ents(rec: dict) -> dict:
    return {e["id"]: (e["start_offset"], e["end_offset"], e["label"]) for e in rec["entities"]}


def score_records(gold: Iterable[dict], pred: Iterable[dict]) -> dict:
    """Scores of `pred` against `gold`, matched by record id (missing predictions are empty)."""
    labels = load_schema().entity_labels
    pred_by_id = {p["id"]: p for p in pred}
    counts = {label: Counter() for label in labels}
    rel_counts = Counter()
    norm = Counter()
    for g in gold:
        p = pred_by_id.get(g["id"], {"entities": [], "relations": []})
        ge, pe = _ents(g), _ents(p)
        gs, ps = set(ge.values()), set(pe.values())
        for label in labels:
            gl = {x for x in gs if x[2] == label}
            pl = {x for x in ps if x[2] == label}
            counts[label].update(tp=len(gl & pl), fp=len(pl - gl), fn=len(gl - pl))
        grel = {(ge[r["from_id"]], r["type"], ge[r["to_id"]]) for r in g["relations"]}
        prel = {(pe[r["from_id"]], r["type"], pe[r["to_id"]]) for r in p["relations"]}
        rel_counts.update(tp=len(grel & prel), fp=len(prel - grel), fn=len(grel - prel))
        pred_norms = {(e["start_offset"], e["end_offset"]): e.get("norm") for e in p["entities"] if e["label"] == "METRIC"}
        for e in g["entities"]:
            if e["label"] == "METRIC":
                norm["gold"] += 1
                key = (e["start_offset"], e["end_offset"])
                if key in pred_norms:
                    norm["found"] += 1
                    norm["correct"] += pred_norms[key] == e["norm"]
    total = sum(counts.values(), Counter())
    return {
        "ner": {**prf(total["tp"], total["fp"], total["fn"]),
                "per_label": {label: prf(c["tp"], c["fp"], c["fn"]) for label, c in counts.items()}},
        "relations": prf(rel_counts["tp"], rel_counts["fp"], rel_counts["fn"]),
        "metric_norm": round(norm["correct"] / norm["found"], 4) if norm["found"] else None,
        "metric_norm_e2e": round(norm["correct"] / norm["gold"], 4) if norm["gold"] else None,
        "metric_found": norm["found"],
    }


def evaluate_nlp(nlp, sections: list[dict], batch_size: int = 32) -> dict:
    """Run a pipeline on gold sections and score it."""
    docs = nlp.pipe((s["text"] for s in sections), batch_size=batch_size)
    pred = [doc_to_record(doc, s["id"]) for doc, s in zip(docs, sections)]
    return {"documents": len(sections), **score_records(sections, pred)}


# --- the full evaluation (zxie evaluate) ---------------------------------------------------------

BOOTSTRAP_SAMPLES = 1000
# the scores compared between systems by the paired bootstrap
COMPARED = ("ner.strict.f", "ner.partial.f", "relations.f", "relations_gold_entities.f")


def score_predictions(sections: list[dict], preds: list[dict], name: str = "system",
                      samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[dict, list]:
    """Full scores of predictions (one per gold section, same order) with bootstrap intervals.
    Returns (scores, per-document counts); the counts feed paired comparisons."""
    from zxie.evaluation import views
    from zxie.evaluation.bootstrap import confidence_intervals
    from zxie.evaluation.scoring import document_counts, document_errors, nested_scores, relation_errors

    if len(sections) != len(preds):
        raise ValueError(f"{len(preds)} predictions for {len(sections)} gold documents")
    doc_counts, errors, rel_errors, rel_errors_gold = [], [], [], []
    confusion = Counter()
    for gold, pred in zip(sections, preds):
        counts, matches = document_counts(gold, pred)
        doc_counts.append(counts)
        confusion.update(views.confusion_pairs(matches))
        errors += document_errors(gold, pred, matches)
        rel_errors += relation_errors(gold, pred)
        if pred.get("relations_gold_entities") is not None:
            rel_errors_gold += relation_errors({**gold}, {"entities": gold["entities"], "relations": pred["relations_gold_entities"]})
    total = sum(doc_counts, Counter())
    scores = {"system": name, **nested_scores(total)}
    scores["documents"] = len(sections)
    labels = [x for x in load_schema().entity_labels if any(x in pair for pair in confusion)] + [views.NONE]
    scores["confusion"] = {"labels": labels, "matrix": [[confusion.get((g, p), 0) for p in labels] for g in labels],
                           "rows": "gold", "columns": "predicted"}
    scores["bootstrap"] = {"samples": samples, "seed": seed, "level": 0.95, "unit": "document"}
    scores["confidence"] = confidence_intervals(doc_counts, samples=samples, seed=seed) if samples else {}
    if scores["relations_gold_entities"] is None:
        scores["confidence"] = {k: v for k, v in scores["confidence"].items() if not k.startswith("relations_gold_entities")}
    scores["errors"] = errors
    scores["relation_errors"] = rel_errors
    scores["relation_errors_gold_entities"] = rel_errors_gold if scores["relations_gold_entities"] is not None else None
    return scores, doc_counts


def evaluate_systems(systems: list, sections: list[dict], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0,
                     progress: bool = False) -> dict:
    """Score each system (anything with .name and .predict(sections)) on the same gold sections.
    Every system after the first is compared with the first by a paired bootstrap."""
    from zxie.evaluation.bootstrap import paired_test

    results, counts = [], []
    for system in systems:
        preds = system.predict(sections, progress=progress)
        scores, doc_counts = score_predictions(sections, preds, name=system.name, samples=samples, seed=seed)
        missing = getattr(system, "missing", None)
        if missing is not None:
            scores["missing_predictions"] = list(missing)
            scores["unreadable_predictions"] = list(getattr(system, "problems", []))
        results.append(scores)
        counts.append(doc_counts)
    comparisons = []
    for scores, doc_counts in zip(results[1:], counts[1:]):
        both_gold_entities = results[0]["relations_gold_entities"] is not None and scores["relations_gold_entities"] is not None
        names = [n for n in COMPARED if both_gold_entities or not n.startswith("relations_gold_entities")]
        if samples:
            comparisons.append({"a": results[0]["system"], "b": scores["system"],
                                "tests": paired_test(counts[0], doc_counts, names, samples=samples, seed=seed)})
    return {"documents": len(sections), "systems": results, "comparisons": comparisons}


def evaluate_model(nlp, sections: list[dict], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict:
    """Full scores of a loaded pipeline on gold sections (a notebook-friendly shortcut)."""
    from zxie.evaluation.systems import ModelSystem

    system = ModelSystem("model", nlp=nlp)
    return score_predictions(sections, system.predict(sections), name=system.name, samples=samples, seed=seed)[0]
