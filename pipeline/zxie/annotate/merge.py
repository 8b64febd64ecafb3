"""Three-way merge of pulled documents into a gold file, without silent overwrites.

For a document both in the file (ours) and pulled from doccano (theirs), with the annotations it
was pushed with as the base:
- same annotations on both sides: nothing to do;
- the file still has the base (only doccano changed): doccano's version is taken;
- doccano still has the base (only the file changed): the file's version is kept;
- both changed, differently, or the texts differ: a conflict; the file keeps its version and
  the doccano version is written beside it for a person to decide.
Annotations are compared as (start, end, label) spans and (head span, tail span, type) relations,
so renumbered ids are no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zxie.annotate.convert import annotations_of


@dataclass
class MergeResult:
    records: list[dict]
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the file's own change, doccano unchanged
    conflicts: list[tuple[dict, str]] = field(default_factory=list)  # (doccano record, why)


def merge(ours: list[dict], theirs: list[tuple[dict, dict | None]]) -> MergeResult:
    """OURS: the gold file's records; THEIRS: (pulled record, base annotations or None)."""
    out = [dict(r) for r in ours]
    where = {str(r["id"]): i for i, r in enumerate(out)}
    result = MergeResult(out)
    for rec, base in theirs:
        doc_id = str(rec["id"])
        if doc_id not in where:
            where[doc_id] = len(out)
            out.append(rec)
            result.added.append(doc_id)
            continue
        mine = out[where[doc_id]]
        if mine.get("text") != rec["text"]:
            result.conflicts.append((rec, "the text in doccano differs from the text in the file"))
            continue
        a_mine, a_theirs = annotations_of(mine), annotations_of(rec)
        if a_mine == a_theirs:
            result.unchanged.append(doc_id)
        elif base is not None and a_mine == annotations_of(base):
            out[where[doc_id]] = {**rec, "meta": {**(mine.get("meta") or {}), **rec["meta"]}}
            result.updated.append(doc_id)
        elif base is not None and a_theirs == annotations_of(base):
            result.kept.append(doc_id)
        else:
            result.conflicts.append((rec, "changed both in doccano and in the file since it was pushed"))
    return result
