"""Train/dev/test splits of annotated documents.

A record is assigned either whole (`meta.split`: "train" | "dev" | "test") or in sections:
`meta.sections`: [{"start", "end", "split"}, ...], contiguous character ranges cut at paragraph
breaks, so that no sentence, entity or relation is shared between splits. Sections keep the seed
documents whole (offsets stay indices into the raw seed), while letting the five long seed reports
contribute text to every split.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator

from zxie.corpus.interchange import Record
from zxie.text import sentence_spans

SPLITS = ("train", "dev", "test")


class SplitError(ValueError):
    pass


def split_ranges(rec: Record) -> list[tuple[int, int, str]]:
    """The (start, end, split) ranges of a record; [] when it has no split. Raises SplitError."""
    meta, n = rec.data.get("meta") or {}, len(rec.text)
    if "sections" in meta:
        ranges = []
        for s in meta["sections"]:
            if s.get("split") not in SPLITS:
                raise SplitError(f"section split {s.get('split')!r} is not one of {SPLITS}")
            ranges.append((s.get("start"), s.get("end"), s["split"]))
        pos = 0
        for start, end, _ in ranges:
            if not (isinstance(start, int) and isinstance(end, int)) or start != pos or end <= start:
                raise SplitError(f"sections must tile the text in order; got [{start}, {end}) after {pos}")
            pos = end
        if pos != n:
            raise SplitError(f"sections end at {pos}, the text at {n}")
        for ent in rec.entities:
            a, b = ent.get("start_offset"), ent.get("end_offset")
            if isinstance(a, int) and isinstance(b, int) and not any(s <= a and b <= e for s, e, _ in ranges):
                raise SplitError(f"entity {ent.get('id')} [{a}, {b}) crosses a section boundary")
        return ranges
    if "split" in meta:
        if meta["split"] not in SPLITS:
            raise SplitError(f"split {meta['split']!r} is not one of {SPLITS}")
        return [(0, n, meta["split"])]
    return []


def section(rec: Record, start: int, end: int) -> dict:
    """The part of a record in [start, end) as a record of its own, offsets shifted."""
    ents = [e for e in rec.entities if start <= e["start_offset"] and e["end_offset"] <= end]
    keep = {e["id"] for e in ents}
    shifted = [{**e, "start_offset": e["start_offset"] - start, "end_offset": e["end_offset"] - start} for e in ents]
    rels = [r for r in rec.relations if r["from_id"] in keep and r["to_id"] in keep]
    meta = {k: v for k, v in rec.meta.items() if k not in ("sections", "split")}
    meta.update(doc_id=rec.id, offset=start)
    sid = rec.id if (start, end) == (0, len(rec.text)) else f"{rec.id}@{start}-{end}"
    return {"id": sid, "text": rec.text[start:end], "entities": shifted, "relations": rels, "meta": meta}


def select(records: Iterable[Record], split: str | None) -> Iterator[dict]:
    """The parts of the records that belong to `split` (all of every record when split is None)."""
    for rec in records:
        if split is None:
            yield section(rec, 0, len(rec.text))
            continue
        for start, end, name in split_ranges(rec):
            if name == split:
                yield section(rec, start, end)


def paragraph_sections(rec: Record, min_chars: int) -> list[tuple[int, int]]:
    """Cut a document into sections of at least `min_chars` characters (the last may be shorter)
    where a sentence starts on a new line, so no sentence or entity is cut."""
    text, cuts = rec.text, [0]
    for start, _ in sentence_spans(text):
        if (
            start - cuts[-1] >= min_chars
            and text[:start].rstrip(" \t\u3000").endswith("\n")
            and len(text) - start >= min_chars // 2
            and not any(e["start_offset"] < start < e["end_offset"] for e in rec.entities)
        ):
            cuts.append(start)
    return list(zip(cuts, cuts[1:] + [len(text)]))


def assign_splits(records: list[Record], seed: int, dev: float, test: float, min_chars: int,
                  group_by: str | None = None) -> dict:
    """Assign paragraph sections to splits: dev and test get about `dev`/`test` of the entity
    mentions each, and every entity label present in the corpus appears in each of them that is
    not empty by request. With `group_by` (a meta key, e.g. "region"), whole documents are assigned
    instead, all documents of one group to the same split, so no group of dev or test is in train.

    Deterministic for a seed: pieces are shuffled with it and filled greedily; when a label is
    missing from dev or test, the next seed is tried. Writes `meta.sections` (or `meta.split` for
    whole documents) and `meta.split_seed`. Returns a summary.
    """
    labels = {e["label"] for r in records for e in r.entities}
    if group_by is None:
        pieces = [[(r, a, b)] for r in records for a, b in paragraph_sections(r, min_chars)]
    else:
        groups: dict[str, list] = {}
        for r in records:
            if not r.meta.get(group_by):
                raise SplitError(f"{r.id}: no meta.{group_by} to group by")
            groups.setdefault(str(r.meta[group_by]), []).append((r, 0, len(r.text)))
        pieces = [groups[k] for k in sorted(groups)]
    counts = [Counter(e["label"] for r, a, b in piece for e in r.entities if a <= e["start_offset"] < b) for piece in pieces]
    total = sum(sum(c.values()) for c in counts)
    for attempt in range(seed, seed + 1000):
        order = list(range(len(pieces)))
        random.Random(attempt).shuffle(order)
        goal = {"test": test * total, "dev": dev * total}
        got = {name: Counter() for name in SPLITS}
        chosen = {}
        for i in order:
            name = next((s for s in ("test", "dev") if sum(got[s].values()) + sum(counts[i].values()) / 2 <= goal[s]), "train")
            chosen[i] = name
            got[name].update(counts[i])
        if all(labels <= set(got[s]) for s in ("dev", "test") if goal[s] > 0):
            break
    else:
        raise SplitError("no seed within 1000 tries puts every label in dev and test")
    for rec in records:
        mine = sorted((a, b, chosen[i]) for i, piece in enumerate(pieces) for r, a, b in piece if r is rec)
        rec.meta.pop("split", None)
        rec.meta.pop("sections", None)
        if group_by is None:
            rec.meta["sections"] = [{"start": a, "end": b, "split": s} for a, b, s in mine]
        else:
            rec.meta["split"] = mine[0][2]
        rec.meta["split_seed"] = attempt
    return {"seed": attempt, "mentions": {s: sum(got[s].values()) for s in SPLITS}, "labels": got}

