"""The terminal table of `zxie evaluate`: systems side by side, one row per score."""

from __future__ import annotations

from zxie.evaluation.views import CATEGORIES, VIEWS


def _num(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _with_ci(scores: dict, value, key: str) -> str:
    ci = scores.get("confidence", {}).get(key)
    return _num(value) + (f" [{ci[0]:.3f}–{ci[1]:.3f}]" if ci and value is not None else "")


def label_f(s: dict, label: str, view: str = "strict") -> float:
    return s["ner_views"][view]["per_label"].get(label, {}).get("f", 0.0)


def score_rows(s: dict) -> list[tuple[str, str]]:
    """(row name, cell) for one system."""
    ner = s["ner"]
    rows = [("NER F1 headline (strict, distinct)", _with_ci(s, ner["f"], "ner.distinct.f")),
            ("NER P / R headline", f"{_num(ner['p'])} / {_num(ner['r'])}")]
    for view in VIEWS:
        v = s["ner_views"][view]
        for k, name in (("p", "P"), ("r", "R"), ("f", "F1")):
            rows.append((f"NER {view:7} {name} micro (nervaluate)", _with_ci(s, v["micro"][k], f"ner.{view}.{k}")))
        rows.append((f"NER {view:7} F1 macro", _with_ci(s, v["macro"]["f"], f"ner.{view}.macro_f")))
    for view in VIEWS:
        c = s["ner_views"][view]["counts"]
        rows.append((f"NER {view:7} COR/INC/PAR/MIS/SPU", "/".join(str(c[k]) for k in CATEGORIES)))
    rel = s["relations"]
    for k, name in (("p", "P"), ("r", "R"), ("f", "F1")):
        rows.append((f"relations end to end {name}", _with_ci(s, rel[k], f"relations.{k}")))
    relg = s["relations_gold_entities"]
    for k, name in (("p", "P"), ("r", "R"), ("f", "F1")):
        rows.append((f"relations gold entities {name}", _with_ci(s, relg[k], f"relations_gold_entities.{k}") if relg else "n/a"))
    m = s["metric_norm_detail"]
    for k in ("all", "value", "unit", "qualifier"):
        rows.append((f"METRIC norm {k}", _with_ci(s, m[k], f"metric_norm.{k}") + f" of {m['found']}" if m[k] is not None else "n/a"))
    d = s["date_norm"]
    for k in ("exact", "overlap"):
        acc = d[k]["accuracy"]
        rows.append((f"DATE norm ({k} span)", _with_ci(s, acc, f"date_norm.{k}") + f" of {d[k]['found']}" if acc is not None else "n/a"))
    rows.append(("errors listed (NER FP+FN)", str(len(s["errors"]))))
    return rows


def format_table(result: dict, title: str = "") -> str:
    systems = result["systems"]
    columns = [dict(score_rows(s)) for s in systems]
    names = [name for name, _ in score_rows(systems[0])]
    first = max(len(n) for n in names) + 2
    widths = [max(len(s["system"]), *(len(c[n]) for n in names)) + 2 for s, c in zip(systems, columns)]
    lines = []
    if title:
        lines.append(title)
    b = systems[0].get("bootstrap", {})
    intervals = (f"[95 % CI: bootstrap over documents, {b.get('samples')} samples, seed {b.get('seed')}]" if b.get("samples")
                 else "(no intervals: --samples 0)")
    scored = result.get("gold_documents", result["documents"])
    lines.append(f"gold documents scored: {scored} (in {result['documents']} sections)   {intervals}")
    lines.append("headline: NER strict F1 over distinct mentions (as zxie train reports); the nervaluate rows count a "
                 "gold mention once per prediction that matches it")
    lines.append("".ljust(first) + "".join(s["system"].rjust(w) for s, w in zip(systems, widths)))
    for n in names:
        lines.append(n.ljust(first) + "".join(c[n].rjust(w) for c, w in zip(columns, widths)))
    labels = [label for label in systems[0]["ner"]["per_label"]]
    lines.append("")
    lines.append("strict F1 per label (gold count)".ljust(first) + "".join(s["system"].rjust(w) for s, w in zip(systems, widths)))
    for label in labels:
        gold = systems[0]["ner"]["per_label"][label]
        name = f"  {label} ({gold['tp'] + gold['fn']})"
        lines.append(name.ljust(first) + "".join(_with_ci(s, label_f(s, label), f"ner.strict.f.{label}").rjust(w)
                                                 for s, w in zip(systems, widths)))
    for key, title in (("relations", "relations end-to-end F1 per type"), ("relations_gold_entities", "relations F1 per type, gold entities")):
        rel_types = sorted({t for s in systems if s[key] for t in s[key]["per_type"]})
        if rel_types:
            lines.append(title)
            for t in rel_types:
                lines.append(f"  {t}".ljust(first) + "".join(
                    (_num(s[key]["per_type"].get(t, {}).get("f", 0.0)) if s[key] else "n/a").rjust(w) for s, w in zip(systems, widths)))
    for comp in result.get("comparisons", []):
        lines.append("")
        lines.append(f"paired bootstrap: {comp['a']} − {comp['b']}")
        for name, t in comp["tests"].items():
            lines.append(f"  {name:28} {t['a']:.3f} vs {t['b']:.3f}   difference {t['difference']:+.3f} "
                         f"[{t['ci'][0]:+.3f}, {t['ci'][1]:+.3f}]   p = {t['p']:.4f}")
    for s in systems:
        if s.get("missing_predictions"):
            lines.append(f"warning: {s['system']}: no prediction for {len(s['missing_predictions'])} gold documents (scored as empty)")
        for problem in s.get("unreadable_predictions", []):
            lines.append(f"warning: {s['system']}: skipped {problem}")
    return "\n".join(lines)


def format_errors(scores: dict) -> str:
    lines = [f"errors of {scores['system']} (strict view; nearest span on the other side):"]
    for e in scores["errors"]:
        near = e["nearest"]
        near_s = f"{near['label']} {near['text']!r} [{near['start']},{near['end']})" if near else "none"
        lines.append(f"  {e['kind']} {e['doc']} {e['label']} {e['text']!r} [{e['start']},{e['end']}) {e['why']}; "
                     f"nearest: {near_s}\n      {e['sentence']['text'].strip()}")
    for e in scores["relation_errors"]:
        lines.append(f"  relation {e['kind']} {e['doc']} {e['head']['text']!r} -{e['type']}-> {e['tail']['text']!r}")
    return "\n".join(lines)
