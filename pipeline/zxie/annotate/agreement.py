"""Inter-annotator agreement between two interchange files on the documents they share.

- spans: B scored against A as the reference, exact (start, end, label) match: precision,
  recall, F1 per label and overall (micro). F1 is symmetric; P and R swap when A and B do.
- characters: every character of every shared document gets the label of the span covering
  it, or "O"; Cohen's kappa (scikit-learn) over all those characters, so chance agreement on
  the frequent "O" is discounted.
- relations: exact (head span, tail span, type) match, with spans by offsets and label: P/R/F1
  per type and overall.
- disagreements: every span or relation only one side has; a span both have with different
  labels is one "label" disagreement rather than two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from zxie.annotate.convert import annotations_of
from zxie.evaluation.scoring import prf


def _prf(tp: int, n_a: int, n_b: int) -> dict:
    """B scored against A as the reference."""
    return {**prf(tp, n_b - tp, n_a - tp), "a": n_a, "b": n_b}


def _char_labels(text: str, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    labels = ["O"] * len(text)
    for start, end, label in spans:
        labels[start:end] = [label] * (end - start)
    return labels


def agreement(a_records: Iterable[dict], b_records: Iterable[dict]) -> dict:
    from sklearn.metrics import cohen_kappa_score

    a = {str(r["id"]): r for r in a_records}
    b = {str(r["id"]): r for r in b_records}
    shared = [d for d in a if d in b and a[d]["text"] == b[d]["text"]]
    text_differs = sorted(d for d in a if d in b and a[d]["text"] != b[d]["text"])
    span_counts = {"tp": Counter(), "a": Counter(), "b": Counter()}
    rel_counts = {"tp": Counter(), "a": Counter(), "b": Counter()}
    chars_a, chars_b, disagreements = [], [], []
    for doc in shared:
        text = a[doc]["text"]
        ann_a, ann_b = annotations_of(a[doc]), annotations_of(b[doc])
        sa, sb = set(ann_a["entities"]), set(ann_b["entities"])
        for side, spans in (("a", sa), ("b", sb)):
            span_counts[side].update(label for _, _, label in spans)
        span_counts["tp"].update(label for _, _, label in sa & sb)
        only_a = {(s, e): lab for s, e, lab in sa - sb}
        only_b = {(s, e): lab for s, e, lab in sb - sa}
        for (s, e) in sorted(set(only_a) | set(only_b)):
            kind = "label" if (s, e) in only_a and (s, e) in only_b else ("only_a" if (s, e) in only_a else "only_b")
            disagreements.append({"id": doc, "kind": kind, "what": "span", "start": s, "end": e, "text": text[s:e],
                                  "a": only_a.get((s, e)), "b": only_b.get((s, e))})
        xa, xb = set(ann_a["relations"]), set(ann_b["relations"])
        for side, rels in (("a", xa), ("b", xb)):
            rel_counts[side].update(t for _, _, t in rels)
        rel_counts["tp"].update(t for _, _, t in xa & xb)
        for side, rels in (("only_a", xa - xb), ("only_b", xb - xa)):
            for head, tail, rtype in sorted(rels):
                disagreements.append({"id": doc, "kind": side, "what": "relation", "start": head[0], "end": tail[1],
                                      "text": f"{text[head[0]:head[1]]} -{rtype}-> {text[tail[0]:tail[1]]}",
                                      "a": rtype if side == "only_a" else None, "b": rtype if side == "only_b" else None})
        chars_a += _char_labels(text, sa)
        chars_b += _char_labels(text, sb)

    def table(counts):
        labels = sorted(set(counts["a"]) | set(counts["b"]))
        per = {lab: _prf(counts["tp"][lab], counts["a"][lab], counts["b"][lab]) for lab in labels}
        total = _prf(sum(counts["tp"].values()), sum(counts["a"].values()), sum(counts["b"].values()))
        return {**total, "per_label": per}

    if not chars_a:
        kappa = None
    elif chars_a == chars_b:
        kappa = 1.0  # sklearn gives nan when both sides use a single identical label
    else:
        kappa = round(float(cohen_kappa_score(chars_a, chars_b)), 4)
    return {
        "documents": len(shared),
        "only_in_a": sorted(d for d in a if d not in b),
        "only_in_b": sorted(d for d in b if d not in a),
        "text_differs": text_differs,
        "spans": table(span_counts),
        "characters": {"kappa": kappa, "n": len(chars_a),
                       "observed": round(sum(x == y for x, y in zip(chars_a, chars_b)) / len(chars_a), 4) if chars_a else None},
        "relations": table(rel_counts),
        "disagreements": disagreements,
    }


def format_agreement(result: dict, limit: int = 50) -> list[str]:
    lines = [f"documents compared: {result['documents']}"]
    for key in ("only_in_a", "only_in_b", "text_differs"):
        if result[key]:
            lines.append(f"{key.replace('_', ' ')}: {', '.join(result[key])}")
    for name in ("spans", "relations"):
        t = result[name]
        lines.append(f"{name}: P {t['p']:.3f}  R {t['r']:.3f}  F1 {t['f']:.3f}  (agreed {t['tp']}, A {t['a']}, B {t['b']}; B against A)")
        for label, row in t["per_label"].items():
            lines.append(f"  {label:<16} P {row['p']:.3f}  R {row['r']:.3f}  F1 {row['f']:.3f}  ({row['tp']}/{row['a']}/{row['b']})")
    ch = result["characters"]
    if ch["kappa"] is not None:
        lines.append(f"characters: Cohen's kappa {ch['kappa']:.3f} (observed agreement {ch['observed']:.3f} over {ch['n']} characters)")
    dis = result["disagreements"]
    lines.append(f"disagreements: {len(dis)}")
    for d in dis[:limit]:
        lines.append(f"  {d['id']} [{d['start']},{d['end']}) {d['what']} {d['kind']}: {d['text']!r}  A={d['a']} B={d['b']}")
    if len(dis) > limit:
        lines.append(f"  … {len(dis) - limit} more (--json for all)")
    return lines
