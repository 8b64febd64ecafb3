"""Scores of predictions against gold, built from per-document counts.

Every score is a function of counts that add up over documents, so the same code gives the point
estimate (all documents) and each bootstrap sample (documents drawn with replacement):
`document_counts` turns one document into named counts, `metrics` turns summed counts (numbers or
numpy arrays of samples) into named scores, and `score` builds the full nested result.

Relations: a predicted relation is correct when its type and both arguments (span and label) equal
a gold relation's — end to end (on the predicted entities), and again with the gold entities given
to the relation component (`relations_gold_entities`), which isolates its errors from the NER's.

METRIC norms: over the gold METRICs predicted with exactly their span and label, the share whose
value, unit and qualifier (each, and all three together) equal the gold norm.

DATE norms: the gold carries no norm for DATE, so the reference is `zxie.norms.parse_date` of the
gold mention's text; a prediction is correct when its ISO form (None when it has none) equals the
reference's. Counted over predicted DATEs with the gold span (`exact`) and over those overlapping a
gold DATE (`overlap`: a boundary error that changes the date counts as wrong).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

from zxie.evaluation import views
from zxie.evaluation.views import CATEGORIES, VIEWS, Span
from zxie.norms import parse_date
from zxie.schema import load_schema
from zxie.text import sentence_spans

NORM_PARTS = ("value", "unit", "qualifier")


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def entity_spans(rec: dict) -> dict:
    return {e["id"]: Span(e["start_offset"], e["end_offset"], e["label"]) for e in rec.get("entities", [])}


def relation_set(rels, spans: dict) -> set:
    out = set()
    for r in rels or []:
        h, t = spans.get(r["from_id"]), spans.get(r["to_id"])
        if h is not None and t is not None:
            out.add((h, r["type"], t))
    return out


def _rel_counts(prefix: str, gold: set, pred: set, counts: Counter) -> None:
    for h, typ, t in pred:
        counts[f"{prefix}|{typ}|{'tp' if (h, typ, t) in gold else 'fp'}"] += 1
    for h, typ, t in gold - pred:
        counts[f"{prefix}|{typ}|fn"] += 1


def document_counts(gold: dict, pred: dict) -> tuple[Counter, list[views.Match]]:
    """Named counts of one document, and its entity matches."""
    counts: Counter = Counter()
    gspans, pspans = entity_spans(gold), entity_spans(pred)
    matches = views.match(list(gspans.values()), list(pspans.values()))
    for view, per_label in views.count(matches).items():
        for label, c in per_label.items():
            for cat, n in c.items():
                counts[f"ner|{view}|{label}|{cat}"] += n
    for label in {s.label for s in gspans.values()} | {s.label for s in pspans.values()}:
        gl = {s for s in gspans.values() if s.label == label}
        pl = {s for s in pspans.values() if s.label == label}
        counts[f"set|{label}|tp"] += len(gl & pl)
        counts[f"set|{label}|fp"] += len(pl - gl)
        counts[f"set|{label}|fn"] += len(gl - pl)
    grel = relation_set(gold.get("relations"), gspans)
    _rel_counts("rel", grel, relation_set(pred.get("relations"), pspans), counts)
    if pred.get("relations_gold_entities") is not None:
        counts["relg|on"] = 1
        _rel_counts("relg", grel, relation_set(pred["relations_gold_entities"], gspans), counts)
    # norms
    pred_by_span = {(e["start_offset"], e["end_offset"], e["label"]): e for e in pred.get("entities", [])}
    for e in gold.get("entities", []):
        if e["label"] == "METRIC":
            counts["metric|gold"] += 1
            p = pred_by_span.get((e["start_offset"], e["end_offset"], "METRIC"))
            if p is not None:
                counts["metric|found"] += 1
                pn, gn = p.get("norm") or {}, e.get("norm") or {}
                ok = [pn.get(k) == gn.get(k) for k in NORM_PARTS]
                for k, good in zip(NORM_PARTS, ok):
                    counts[f"metric|{k}"] += good
                counts["metric|all"] += all(ok)
        elif e["label"] == "DATE":
            counts["date|gold"] += 1
            ref = (parse_date(gold["text"][e["start_offset"]:e["end_offset"]]) or {}).get("iso")
            counts["date|parseable"] += ref is not None
            g = Span(e["start_offset"], e["end_offset"], "DATE")
            for p in pred.get("entities", []):
                ps = Span(p["start_offset"], p["end_offset"], p["label"])
                if ps.label == "DATE" and ps.overlaps(g):
                    good = (p.get("norm") or {}).get("iso") == ref
                    counts["date|overlap_found"] += 1
                    counts["date|overlap_correct"] += good
                    if (ps.start, ps.end) == (g.start, g.end):
                        counts["date|exact_found"] += 1
                        counts["date|exact_correct"] += good
    counts["docs"] = 1
    return counts, matches


# --- scores from summed counts (scalars or numpy arrays of bootstrap samples) ---------------------


def _div(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b > 0)


def _prf(hits, pos, act) -> tuple:
    p, r = _div(hits, act), _div(hits, pos)
    return p, r, _div(2 * p * r, p + r)


def metrics(c: Mapping) -> dict[str, np.ndarray]:
    """Flat named scores from summed counts; `c.get(name, 0)` gives a count (number or array)."""
    schema = load_schema()
    shape = np.broadcast_shapes(*(np.shape(v) for v in c.values())) if c else ()

    def g(name: str) -> np.ndarray:  # every count with the shape of the samples
        return np.broadcast_to(np.asarray(c.get(name, 0), dtype=float), shape)

    out: dict[str, np.ndarray] = {}
    for view in VIEWS:
        partial = view == "partial"
        per_f, present = [], []
        tot = {k: 0 for k in CATEGORIES}
        for label in schema.entity_labels:
            cat = {k: g(f"ner|{view}|{label}|{k}") for k in CATEGORIES}
            for k in CATEGORIES:
                tot[k] = tot[k] + cat[k]
            p, r, f = _prf(*_hits_pos_act(cat, partial))
            out[f"ner.{view}.f.{label}"] = f
            per_f.append((p, r, f))
            present.append(sum(cat.values()) > 0)
        p, r, f = _prf(*_hits_pos_act(tot, partial))
        out[f"ner.{view}.p"], out[f"ner.{view}.r"], out[f"ner.{view}.f"] = p, r, f
        mask = np.array(np.broadcast_arrays(*present), dtype=float)
        n = mask.sum(axis=0)
        for i, k in enumerate("prf"):
            vals = np.array(np.broadcast_arrays(*[x[i] for x in per_f]), dtype=float)
            out[f"ner.{view}.macro_{k}"] = _div((vals * mask).sum(axis=0), n)
    for prefix, name in (("rel", "relations"), ("relg", "relations_gold_entities")):
        tp = sum(g(f"{prefix}|{t}|tp") for t in schema.relation_types)
        fp = sum(g(f"{prefix}|{t}|fp") for t in schema.relation_types)
        fn = sum(g(f"{prefix}|{t}|fn") for t in schema.relation_types)
        out[f"{name}.p"], out[f"{name}.r"], out[f"{name}.f"] = _prf(tp, tp + fn, tp + fp)
        for t in schema.relation_types:
            ttp = g(f"{prefix}|{t}|tp")
            out[f"{name}.f.{t}"] = _prf(ttp, ttp + g(f"{prefix}|{t}|fn"), ttp + g(f"{prefix}|{t}|fp"))[2]
    for k in (*NORM_PARTS, "all"):
        out[f"metric_norm.{k}"] = _div(g(f"metric|{k}"), g("metric|found"))
    out["date_norm.exact"] = _div(g("date|exact_correct"), g("date|exact_found"))
    out["date_norm.overlap"] = _div(g("date|overlap_correct"), g("date|overlap_found"))
    return out


def _hits_pos_act(cat: dict, partial: bool):
    hits = cat["COR"] + (0.5 * cat["PAR"] if partial else 0)
    pos = cat["COR"] + cat["INC"] + cat["PAR"] + cat["MIS"]
    act = cat["COR"] + cat["INC"] + cat["PAR"] + cat["SPU"]
    return hits, pos, act


# --- the nested result ---------------------------------------------------------------------------


def _r(x) -> float:
    return round(float(x), 4)


def _rel_block(total: Counter, prefix: str) -> dict:
    types = load_schema().relation_types
    per = {}
    for t in types:
        tp, fp, fn = (total.get(f"{prefix}|{t}|{k}", 0) for k in ("tp", "fp", "fn"))
        if tp + fp + fn:
            per[t] = _prf_block(tp, fp, fn)
    tp, fp, fn = (sum(total.get(f"{prefix}|{t}|{k}", 0) for t in types) for k in ("tp", "fp", "fn"))
    return {**_prf_block(tp, fp, fn), "per_type": per}


def _prf_block(tp, fp, fn) -> dict:
    return prf(int(tp), int(fp), int(fn))


def nested_scores(total: Counter) -> dict:
    """The readable result from the counts summed over all documents."""
    schema = load_schema()
    ner_views = {}
    for view in VIEWS:
        per_label = {label: Counter({k: total.get(f"ner|{view}|{label}|{k}", 0) for k in CATEGORIES})
                     for label in schema.entity_labels}
        s = views.view_scores(per_label, view)
        ner_views[view] = {
            "micro": {k: _r(v) for k, v in s["micro"].items()},
            "macro": {k: _r(v) for k, v in s["macro"].items()},
            "counts": s["counts"],
            "per_label": {label: {**{k: _r(x[k]) for k in "prf"}, "counts": x["counts"]} for label, x in s["per_label"].items()},
        }
    # the classic strict block: distinct (span, label) mentions, tp = in both, fp / fn = on one side
    sums = {k: sum(total.get(f"set|{label}|{k}", 0) for label in schema.entity_labels) for k in ("tp", "fp", "fn")}
    ner = {**_prf_block(sums["tp"], sums["fp"], sums["fn"]),
           "per_label": {label: _prf_block(*(total.get(f"set|{label}|{k}", 0) for k in ("tp", "fp", "fn")))
                         for label in schema.entity_labels}}
    found, gold = total.get("metric|found", 0), total.get("metric|gold", 0)
    acc = lambda k: _r(total.get(f"metric|{k}", 0) / found) if found else None  # noqa: E731
    date = {"gold": total.get("date|gold", 0), "gold_parseable": total.get("date|parseable", 0)}
    for kind in ("exact", "overlap"):
        n = total.get(f"date|{kind}_found", 0)
        date[kind] = {"found": n, "correct": total.get(f"date|{kind}_correct", 0),
                      "accuracy": _r(total.get(f"date|{kind}_correct", 0) / n) if n else None}
    return {
        "documents": total.get("docs", 0),
        "ner": ner,
        "ner_views": ner_views,
        "relations": _rel_block(total, "rel"),
        "relations_gold_entities": _rel_block(total, "relg") if total.get("relg|on") else None,
        "metric_norm": acc("all"),
        "metric_norm_e2e": _r(total.get("metric|all", 0) / gold) if gold else None,
        "metric_found": found,
        "metric_norm_detail": {"gold": gold, "found": found, **{k: acc(k) for k in (*NORM_PARTS, "all")}},
        "date_norm": date,
    }


# --- errors ------------------------------------------------------------------------------------


def _sentence(text: str, spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for a, b in spans:
        if a <= pos < b:
            return a, b
    return 0, len(text)


def _nearest(span: Span, others: list[Span]) -> Span | None:
    if not others:
        return None
    return min(others, key=lambda o: (0 if o.overlaps(span) else max(o.start - span.end, span.start - o.end) + 1, o.start))


def _span_dict(text: str, s: Span | None) -> dict | None:
    return None if s is None else {"label": s.label, "start": s.start, "end": s.end, "text": text[s.start:s.end]}


def document_errors(gold: dict, pred: dict, matches: list[views.Match]) -> list[dict]:
    """Every false positive and false negative (strict view) with its sentence and the nearest
    span on the other side, and every relation error (end to end)."""
    text = gold["text"]
    sents = sentence_spans(text)
    gspans, pspans = list(entity_spans(gold).values()), list(entity_spans(pred).values())
    errors = []
    kinds = {"INC": "wrong label or boundary", "SPU": "spurious", "MIS": "missed"}
    strict_hit_gold = {m.gold for m in matches if m.outcome["strict"] == "COR"}
    for m in matches:
        cat = m.outcome["strict"]
        if cat == "COR":
            continue
        if m.pred is not None:
            s = m.pred
            nearest = m.gold or _nearest(s, gspans)
            kind = "FP"
        else:
            s, kind = m.gold, "FN"
            nearest = _nearest(s, pspans)
        a, b = _sentence(text, sents, s.start)
        errors.append({"doc": gold["id"], "kind": kind, **_span_dict(text, s),
                       "category": {v: m.outcome[v] for v in VIEWS}, "why": kinds.get(cat, cat),
                       "sentence": {"start": a, "end": b, "text": text[a:b]},
                       "nearest": _span_dict(text, nearest)})
    # a gold entity matched only by a wrong prediction is a false negative too
    for g in gspans:
        if g not in strict_hit_gold and not any(m.pred is None and m.gold == g for m in matches):
            a, b = _sentence(text, sents, g.start)
            nearest = next((m.pred for m in matches if m.gold == g and m.pred is not None), None)
            errors.append({"doc": gold["id"], "kind": "FN", **_span_dict(text, g),
                           "category": {v: "MIS" if v == "strict" else "-" for v in VIEWS}, "why": "found only with a wrong label or boundary",
                           "sentence": {"start": a, "end": b, "text": text[a:b]}, "nearest": _span_dict(text, nearest)})
    errors.sort(key=lambda e: (e["start"], e["kind"]))
    return errors


def relation_errors(gold: dict, pred: dict, key: str = "relations") -> list[dict]:
    text = gold["text"]
    sents = sentence_spans(text)
    grel = relation_set(gold.get("relations"), entity_spans(gold))
    prel = relation_set(pred.get(key), entity_spans(pred))
    out = []
    for kind, rels in (("FP", prel - grel), ("FN", grel - prel)):
        for h, typ, t in sorted(rels, key=lambda x: (x[0].start, x[2].start, x[1])):
            a, b = _sentence(text, sents, min(h.start, t.start))
            out.append({"doc": gold["id"], "kind": kind, "type": typ, "head": _span_dict(text, h), "tail": _span_dict(text, t),
                        "sentence": {"start": a, "end": b, "text": text[a:b]}})
    return out
