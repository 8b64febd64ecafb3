"""The gold side of an evaluation: which parts of which gold documents are scored.

Gold is the authority. Every gold document given is scored: a validation problem (a relation
across the splitter's sentences, a span with punctuation at its edge, ...) is reported and the
document is scored as given, since a gold relation the model cannot produce is the model's miss.
Only a document that cannot be scored at all (offsets outside its text, a relation to an entity it
does not have) stops the evaluation, with an error naming it; none is ever left out quietly.

Splits are a property of this project's corpus (`meta.sections` or `meta.split`). A gold file
without any split assignment is scored whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zxie.corpus.interchange import Record
from zxie.corpus.splits import SplitError, select, split_ranges
from zxie.corpus.validate import Problem, check_record


class GoldError(ValueError):
    pass


@dataclass
class GoldSelection:
    sections: list[dict]
    split: str               # the split scored: train, dev, test or all
    documents: int           # gold documents that contributed sections
    problems: list[Problem] = field(default_factory=list)  # reported, scored as given
    notes: list[str] = field(default_factory=list)


def unscorable(rec: Record) -> str | None:
    """Why a gold record cannot be scored at all, or None."""
    text = rec.data.get("text")
    if not isinstance(text, str) or not isinstance(rec.entities, list):
        return "it needs a string `text` and a list of entities"
    ids = set()
    for ent in rec.entities:
        if not isinstance(ent, dict):
            return "an entity is not a JSON object"
        a, b = ent.get("start_offset"), ent.get("end_offset")
        if not (isinstance(a, int) and isinstance(b, int) and 0 <= a < b <= len(text)):
            return f"entity {ent.get('id')}: offsets [{a}, {b}) outside a text of length {len(text)}"
        ids.add(ent.get("id"))
    for rel in rec.data.get("relations") or []:
        if not isinstance(rel, dict) or rel.get("from_id") not in ids or rel.get("to_id") not in ids:
            return f"relation {rel.get('id')}: refers to an entity the document does not have"
    return None


def select_gold(records: list[Record], split: str | None = None, strict: bool = False) -> GoldSelection:
    """The sections to score. `split` None: the test split where the gold has splits, else all of it;
    an explicit split on gold without splits is a GoldError. `strict`: any validation problem is a
    GoldError instead of a report."""
    problems = []
    for rec in records:
        if reason := unscorable(rec):
            raise GoldError(f"{rec.where()}: {rec.id}: cannot be scored: {reason}")
        problems += list(check_record(rec))
    if strict and problems:
        raise GoldError(f"{len(problems)} validation problems in the gold (--strict), the first: {problems[0]}")
    with_splits = []
    for rec in records:
        try:
            with_splits.append(bool(split_ranges(rec)))
        except SplitError:
            with_splits.append(False)  # reported among the problems
    notes = []
    if not any(with_splits):
        if split not in (None, "all"):
            paths = sorted({r.path for r in records})
            raise GoldError(f"{', '.join(paths)}: no split assignment (meta.sections or meta.split), so there is no "
                            f"{split!r} split; score it whole with --split all")
        if records:
            notes.append("the gold carries no split assignment: all of it is scored")
        split = "all"
    elif split is None:
        split = "test"
    if split != "all" and not all(with_splits):
        notes.append(f"{with_splits.count(False)} gold documents without a split assignment are only scored under --split all")
    sections = list(select(records, None if split == "all" else split))
    return GoldSelection(sections, split, len({s["meta"]["doc_id"] for s in sections}), problems, notes)
