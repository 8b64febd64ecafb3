"""The HTML report of `zxie evaluate --report`: one self-contained file (no scripts, no external
resources; figures inlined as PNG data URIs).

It holds the score table of every system, the paired comparisons, per-label F1 bars, a confusion
heat map of labels per system, the learning curve when one is given, and every error sentence of
each system rendered with displaCy: gold and predicted entities in context, with the relations of
the sentence listed beneath (correct, missed, spurious).

The predicted entities of a sentence are rebuilt from the scores: the gold mentions not listed as
false negatives (strict view) plus the false positives; likewise for relations.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from pathlib import Path

from zxie.evaluation import figures
from zxie.evaluation.table import label_f, score_rows

# one colour per label, assigned in schema order
PALETTE = ["#7aecec", "#bfeeb7", "#feca74", "#ff9561", "#aa9cfc", "#c887fb", "#9cc9cc", "#ffeb80",
           "#ff8197", "#f0d0ff", "#bfe1d9", "#e4e7d2", "#e6c9a8", "#d0e0ff", "#c0c0c0"]
MAX_SENTENCES = 400  # per system, to keep the file readable

CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.sentence{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:1em 0}
.side{font-size:12px;color:#666;margin-top:.4em}
.rel{font-size:13px;margin:.1em 0}
.missed{color:#b00}.spurious{color:#c60}.correct{color:#070}
img{max-width:100%}
"""


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _colors(systems: list[dict]) -> dict:
    labels = list(systems[0]["ner"]["per_label"])
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def _ents_html(text: str, ents: list[tuple[int, int, str]], colors: dict, title: str) -> str:
    from spacy import displacy

    spans = [{"start": s, "end": e, "label": label} for s, e, label in sorted(set(ents))]
    rendered = displacy.render([{"text": text, "ents": spans, "title": None}], style="ent", manual=True,
                               page=False, jupyter=False, options={"colors": colors})
    return f'<div class="side">{html.escape(title)}</div>{rendered}'


def _error_sentences(scores: dict, gold_by_id: dict, colors: dict) -> str:
    by_sentence: dict[tuple, dict] = defaultdict(lambda: {"errors": [], "rel_errors": []})
    for e in scores["errors"]:
        by_sentence[(e["doc"], e["sentence"]["start"], e["sentence"]["end"])]["errors"].append(e)
    for e in scores["relation_errors"]:
        by_sentence[(e["doc"], e["sentence"]["start"], e["sentence"]["end"])]["rel_errors"].append(e)
    keys = sorted(by_sentence)
    parts = [f"<p>{len(keys)} sentences with errors; showing {min(len(keys), MAX_SENTENCES)}.</p>"]
    for doc_id, a, b in keys[:MAX_SENTENCES]:
        gold = gold_by_id.get(doc_id)
        if gold is None:
            continue
        item = by_sentence[(doc_id, a, b)]
        text = gold["text"][a:b]
        ents = {x["id"]: x for x in gold["entities"]}
        inside = [x for x in gold["entities"] if a <= x["start_offset"] and x["end_offset"] <= b]
        gold_spans = [(x["start_offset"] - a, x["end_offset"] - a, x["label"]) for x in inside]
        fn = {(e["start"], e["end"], e["label"]) for e in item["errors"] if e["kind"] == "FN"}
        fp = [(e["start"] - a, e["end"] - a, e["label"]) for e in item["errors"] if e["kind"] == "FP" and a <= e["start"] and e["end"] <= b]
        pred_spans = [s for s, x in zip(gold_spans, inside) if (x["start_offset"], x["end_offset"], x["label"]) not in fn] + fp
        parts.append(f'<div class="sentence"><div class="side">{html.escape(doc_id)} [{a}, {b})</div>')
        parts.append(_ents_html(text, gold_spans, colors, "gold"))
        parts.append(_ents_html(text, pred_spans, colors, f"predicted by {scores['system']}"))
        lines = []
        for e in item["errors"]:
            near = e["nearest"]
            near_s = f"; nearest {near['label']} “{near['text']}”" if near else ""
            cls = "missed" if e["kind"] == "FN" else "spurious"
            lines.append(f'<div class="rel {cls}">{e["kind"]} {html.escape(e["label"])} “{html.escape(e["text"])}” — '
                         f'{html.escape(e["why"])}{html.escape(near_s)}</div>')
        missed = {(r["head"]["start"], r["type"], r["tail"]["start"]) for r in item["rel_errors"] if r["kind"] == "FN"}
        for r in gold["relations"]:
            h, t = ents.get(r["from_id"]), ents.get(r["to_id"])
            if h and t and a <= min(h["start_offset"], t["start_offset"]) < b:
                status = "missed" if (h["start_offset"], r["type"], t["start_offset"]) in missed else "correct"
                lines.append(f'<div class="rel {status}">relation {status}: “{html.escape(gold["text"][h["start_offset"]:h["end_offset"]])}” '
                             f'—{html.escape(r["type"])}→ “{html.escape(gold["text"][t["start_offset"]:t["end_offset"]])}”</div>')
        for r in item["rel_errors"]:
            if r["kind"] == "FP":
                lines.append(f'<div class="rel spurious">relation spurious: “{html.escape(r["head"]["text"])}” '
                             f'—{html.escape(r["type"])}→ “{html.escape(r["tail"]["text"])}”</div>')
        parts.append("".join(lines) + "</div>")
    return "".join(parts)


def render_report(result: dict, curve: dict | None = None, gold_sections: list[dict] | None = None) -> str:
    systems = result["systems"]
    colors = _colors(systems)
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           "<title>zxie evaluation</title>", f"<style>{CSS}</style></head><body>",
           "<h1>zxie evaluation</h1>"]
    b = systems[0].get("bootstrap", {})
    out.append(f"<p>Split <b>{html.escape(str(result.get('split', '?')))}</b> of {html.escape(', '.join(result.get('gold', [])))}: "
               f"{result['documents']} documents. Brackets: 95 % confidence intervals by bootstrap over documents "
               f"({b.get('samples')} samples, seed {b.get('seed')}).</p>")
    out.append("<h2>Scores</h2>")
    columns = [dict(score_rows(s)) for s in systems]
    names = [n for n, _ in score_rows(systems[0])]
    out.append(_table(["score", *[s["system"] for s in systems]], [[n, *[c[n] for c in columns]] for n in names]))
    if result.get("comparisons"):
        out.append("<h2>Paired comparisons</h2>")
        rows = [[f"{c['a']} − {c['b']}", name, f"{t['a']:.3f}", f"{t['b']:.3f}", f"{t['difference']:+.3f}",
                 f"[{t['ci'][0]:+.3f}, {t['ci'][1]:+.3f}]", f"{t['p']:.4f}"]
                for c in result["comparisons"] for name, t in c["tests"].items()]
        out.append(_table(["systems", "score", "A", "B", "A − B", "95 % interval", "p (paired bootstrap)"], rows))
    out.append("<h2>F1 per label</h2>")
    out.append(_img(figures.per_label_bars(systems, "strict"), "strict F1 per label"))
    labels = list(systems[0]["ner"]["per_label"])
    rows = [[label, str(systems[0]["ner"]["per_label"][label]["tp"] + systems[0]["ner"]["per_label"][label]["fn"]),
             *[f"{label_f(s, label):.3f}" for s in systems]] for label in labels]
    out.append(_table(["label", "gold", *[s["system"] for s in systems]], rows))
    out.append("<h2>Confusion of labels</h2><p>Gold label (rows) against the predicted label of the matched "
               "prediction (columns), by overlap as in the type view; ∅ marks missed and spurious mentions.</p>")
    for s in systems:
        out.append(_img(figures.confusion_heatmap(s["confusion"], s["system"]), f"confusion matrix of {s['system']}"))
    out.append("<h2>Learning curve</h2>")
    if curve:
        out.append(_img(figures.learning_curve(curve), "learning curve"))
        gold_ents = lambda p: "n/a" if p.get("relations_gold_entities_f") is None else f"{p['relations_gold_entities_f']:.3f}"  # noqa: E731
        out.append(_table(["fraction", "training sentences", "NER F1", "relations F1", "relations F1, gold entities"],
                          [[f"{p['fraction']:.2f}", str(p["train_sentences"]), f"{p['ner_f']:.3f}", f"{p['relations_f']:.3f}", gold_ents(p)]
                           for p in curve["points"]]))
    else:
        out.append("<p>No learning curve given (zxie train-curve writes one; pass it with --curve).</p>")
    gold_by_id = {s["id"]: s for s in gold_sections or []}
    for s in systems:
        out.append(f"<h2>Errors of {html.escape(s['system'])}</h2>")
        out.append(_error_sentences(s, gold_by_id, colors) if gold_by_id else "<p>(gold texts not given)</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(result: dict, path: str | Path, curve: dict | None = None, gold_sections: list[dict] | None = None) -> Path:
    path = Path(path)
    path.write_text(render_report(result, curve, gold_sections), encoding="utf-8")
    return path
