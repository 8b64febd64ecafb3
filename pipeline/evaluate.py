"""Scores of predicted records against gold records (interchange format).

- NER: strict matching (exact span and label), micro precision/recall/F1 and per label.
- Relations end to end: a predicted relation counts only if its type and both arguments' spans and
  labels equal a gold relation's.
- METRIC norm accuracy: of the gold METRIC mentions the model found exactly, the share whose
  norm equals the gold norm (and the same over all gold METRIC mentions, `metric_norm_e2e`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pipeline.schema import load_schema


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


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


def doc_to_record(doc, doc_id: str) -> dict:
    """The interchange form of a processed Doc: entities with norms, relations from the component."""
    entities = []
    for i, ent in enumerate(doc.ents, 1):
        e = {"id": i, "label": ent.label_, "start_offset": ent.start_char, "end_offset": ent.end_char}
        if ent.has_extension("norm") and ent._.norm is not None:
            e["norm"] = ent._.norm
        entities.append(e)
    rels = doc._.relations if doc.has_extension("relations") and doc._.relations else []
    relations = [{"id": k, "from_id": r["head"] + 1, "to_id": r["tail"] + 1, "type": r["type"]}
                 for k, r in enumerate(rels, 1)]
    return {"id": doc_id, "text": doc.text, "entities": entities, "relations": relations}


def evaluate_nlp(nlp, sections: list[dict], batch_size: int = 32) -> dict:
    """Run a pipeline on gold sections and score it."""
    docs = nlp.pipe((s["text"] for s in sections), batch_size=batch_size)
    pred = [doc_to_record(doc, s["id"]) for doc, s in zip(docs, sections)]
    return {"documents": len(sections), **score_records(sections, pred)}
