"""Corpus counts per label, relation type and split, and the consistency (conflict) report."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from zxie.corpus.interchange import Record
from zxie.corpus.splits import split_ranges
from zxie.schema import load_schema
from zxie.text import squeeze

NO_SPLIT = "none"


def _split_of(ranges: list[tuple[int, int, str]], offset: int) -> str:
    return next((name for a, b, name in ranges if a <= offset < b), NO_SPLIT)


def corpus_stats(records: list[Record]) -> dict:
    """Counts of entities per label and of relations per type, for each split and in total."""
    ents: dict[str, Counter] = defaultdict(Counter)
    rels: dict[str, Counter] = defaultdict(Counter)
    chars: Counter = Counter()
    for rec in records:
        ranges = split_ranges(rec) or [(0, len(rec.text), NO_SPLIT)]
        for a, b, name in ranges:
            chars[name] += b - a
        start = {e["id"]: e["start_offset"] for e in rec.entities}
        for e in rec.entities:
            ents[e["label"]][_split_of(ranges, e["start_offset"])] += 1
        for r in rec.relations:
            rels[r["type"]][_split_of(ranges, start[r["from_id"]])] += 1
    schema = load_schema()
    return {
        "documents": len(records),
        "chars": dict(chars),
        "entities": {label: dict(ents[label]) for label in schema.entity_labels},
        "relations": {rtype: dict(rels[rtype]) for rtype in schema.relation_types},
    }


def format_table(title: str, rows: dict[str, dict], splits: list[str]) -> str:
    width = max([len(title)] + [len(k) for k in rows]) + 2
    lines = [title.ljust(width) + "".join(s.rjust(8) for s in splits + ["total"])]
    totals: Counter = Counter()
    for key, counts in rows.items():
        totals.update(counts)
        lines.append(key.ljust(width) + "".join(str(counts.get(s, 0)).rjust(8) for s in splits)
                     + str(sum(counts.values())).rjust(8))
    lines.append("total".ljust(width) + "".join(str(totals.get(s, 0)).rjust(8) for s in splits)
                 + str(sum(totals.values())).rjust(8))
    return "\n".join(lines)


def format_stats(stats: dict) -> str:
    splits = [s for s in ("train", "dev", "test", NO_SPLIT) if s in stats["chars"]]
    head = f"documents: {stats['documents']}   characters: " + ", ".join(
        f"{s} {stats['chars'][s]}" for s in splits)
    return "\n\n".join([head, format_table("label", stats["entities"], splits),
                        format_table("relation", stats["relations"], splits)])


@dataclass
class Conflict:
    """A surface string that is not labelled the same way everywhere it occurs."""

    surface: str
    labels: Counter = field(default_factory=Counter)  # label (or "unlabelled") -> count
    places: list[tuple[str, int, str]] = field(default_factory=list)  # (doc id, offset, label)

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} ×{n}" for k, n in self.labels.most_common())
        where = "\n".join(f"    {label:<11} {doc}:{off}" for doc, off, label in self.places)
        return f"{self.surface}: {kinds}\n{where}"


def find_conflicts(records: list[Record], min_len: int = 2) -> list[Conflict]:
    """Surfaces labelled differently in different places, or labelled in one place and left
    unlabelled (not covered by any entity) in another. Surfaces are compared without whitespace;
    a match that continues a number (2个 inside 12个) is not an occurrence."""
    labelled: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for rec in records:
        for e in rec.entities:
            surface = "".join(rec.text[e["start_offset"] : e["end_offset"]].split())
            labelled[surface].append((rec.id, e["start_offset"], e["label"]))
    conflicts = []
    squeezed = [(rec, *squeeze(rec.text)) for rec in records]
    for surface, places in sorted(labelled.items()):
        if len(surface) < min_len:
            continue
        places = list(places)
        for rec, flat, index in squeezed:
            covered = [(e["start_offset"], e["end_offset"]) for e in rec.entities]
            pos = flat.find(surface)
            while pos >= 0:
                start, end = index[pos], index[pos + len(surface) - 1] + 1
                continues_number = surface[0].isdigit() and pos > 0 and (flat[pos - 1].isdigit() or flat[pos - 1] == ".")
                if not continues_number and not any(a < end and start < b for a, b in covered):
                    places.append((rec.id, start, "unlabelled"))
                pos = flat.find(surface, pos + 1)
        kinds = Counter(label for *_, label in places)
        if len(kinds) > 1:
            conflicts.append(Conflict(surface, kinds, sorted(places)))
    return conflicts
