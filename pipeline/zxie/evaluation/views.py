"""The four views of entity matching of the SemEval-2013 task 9.1 scheme (as in nervaluate).

Each predicted entity is compared with the gold entities of its document:

| case                                      | strict | exact | type | partial |
|-------------------------------------------|--------|-------|------|---------|
| same span, same label                     | COR    | COR   | COR  | COR     |
| same span, other label                    | INC    | COR   | INC  | COR     |
| overlapping span, same label              | INC    | INC   | COR  | PAR     |
| overlapping span, other label             | INC    | INC   | INC  | PAR     |
| no gold entity overlaps it                | SPU    | SPU   | SPU  | SPU     |

A gold entity that no prediction matched (exactly or by overlap) is MIS in every view. A prediction
is compared with the gold entity of the same span first, then with an overlapping one of its label,
then with any overlapping one (leftmost first). Several predictions may match one gold entity.

POS = COR + INC + PAR + MIS (gold mentions), ACT = COR + INC + PAR + SPU (predicted mentions);
precision = (COR + ½·PAR) / ACT, recall = (COR + ½·PAR) / POS (PAR is 0 outside the partial view).

Per label, an outcome belongs to the gold entity's label when a gold entity is involved (COR, INC,
PAR, MIS) and to the predicted label when not (SPU), so the per-label counts add up to the totals.
Micro scores pool the counts; macro scores average the per-label scores over the labels that occur
in the gold or the predictions.

As in nervaluate, POS counts a gold mention once per prediction matched with it, so when two
predictions overlap one gold mention the strict recall here is a little lower than the recall over
distinct mentions (the `ner` block of the results, which `zxie train` reports).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

VIEWS = ("strict", "exact", "type", "partial")
CATEGORIES = ("COR", "INC", "PAR", "MIS", "SPU")
NONE = "∅"  # the missing side in a confusion pair


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


# outcome of a (pred, gold) pair in each view
_SAME_SPAN_SAME = dict(strict="COR", exact="COR", type="COR", partial="COR")
_SAME_SPAN_OTHER = dict(strict="INC", exact="COR", type="INC", partial="COR")
_OVERLAP_SAME = dict(strict="INC", exact="INC", type="COR", partial="PAR")
_OVERLAP_OTHER = dict(strict="INC", exact="INC", type="INC", partial="PAR")
_SPURIOUS = dict.fromkeys(VIEWS, "SPU")


@dataclass
class Match:
    """One outcome: a prediction and the gold entity it was matched with (either may be None)."""

    pred: Span | None
    gold: Span | None
    outcome: dict  # view -> category


def match(gold: list[Span], pred: list[Span]) -> list[Match]:
    """Match the predicted entities of one document with its gold entities."""
    gold = sorted(set(gold), key=lambda s: (s.start, s.end, s.label))
    found: set[Span] = set()
    out = []
    for p in sorted(set(pred), key=lambda s: (s.start, s.end, s.label)):
        same_span = [g for g in gold if (g.start, g.end) == (p.start, p.end)]
        overlapping = [g for g in gold if g.overlaps(p)]
        g = next((g for g in same_span if g.label == p.label), None)
        if g is not None:
            outcome = _SAME_SPAN_SAME
        elif same_span:
            g, outcome = same_span[0], _SAME_SPAN_OTHER
        elif (g := next((g for g in overlapping if g.label == p.label), None)) is not None:
            outcome = _OVERLAP_SAME
        elif overlapping:
            g, outcome = overlapping[0], _OVERLAP_OTHER
        else:
            outcome = _SPURIOUS
        if g is not None:
            found.add(g)
        out.append(Match(p, g, outcome))
    out += [Match(None, g, dict.fromkeys(VIEWS, "MIS")) for g in gold if g not in found]
    return out


def count(matches: list[Match]) -> dict[str, dict[str, Counter]]:
    """view -> label -> Counter of categories."""
    counts: dict[str, dict[str, Counter]] = {v: {} for v in VIEWS}
    for m in matches:
        label = m.gold.label if m.gold is not None else m.pred.label
        for view, cat in m.outcome.items():
            counts[view].setdefault(label, Counter())[cat] += 1
    return counts


def confusion_pairs(matches: list[Match]) -> Counter:
    """(gold label, predicted label) counts over matched pairs; NONE for missed / spurious."""
    return Counter((m.gold.label if m.gold else NONE, m.pred.label if m.pred else NONE) for m in matches)


def prf_counts(c, partial: bool = False) -> dict:
    """Precision, recall, F1 from category counts (a mapping COR/INC/PAR/MIS/SPU → number)."""
    cor, inc, par, mis, spu = (c.get(k, 0) for k in CATEGORIES)
    pos, act = cor + inc + par + mis, cor + inc + par + spu
    hits = cor + 0.5 * par if partial else cor
    p = hits / act if act else 0.0
    r = hits / pos if pos else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f}


def view_scores(per_label: dict[str, Counter], view: str) -> dict:
    """Micro, macro and per-label scores of one view from its per-label counts."""
    partial = view == "partial"
    total = sum(per_label.values(), Counter())
    labels = {label: c for label, c in per_label.items() if sum(c.values())}
    per = {label: {**prf_counts(c, partial), "counts": {k: c.get(k, 0) for k in CATEGORIES}} for label, c in labels.items()}
    macro = {k: (sum(s[k] for s in per.values()) / len(per) if per else 0.0) for k in ("p", "r", "f")}
    counts = {k: total.get(k, 0) for k in CATEGORIES}
    counts["POS"] = sum(counts[k] for k in ("COR", "INC", "PAR", "MIS"))
    counts["ACT"] = sum(counts[k] for k in ("COR", "INC", "PAR", "SPU"))
    return {"micro": prf_counts(total, partial), "macro": macro, "counts": counts, "per_label": per}
