"""Validation of interchange files against the annotation contract (GUIDELINES §1, §4, §5, §7)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from zxie.corpus.interchange import FormatError, Record, read_records
from zxie.corpus.splits import SplitError, split_ranges
from zxie.schema import load_schema
from zxie.text import bad_boundary, sentence_index

@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    doc_id: str
    entity_id: object
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: {self.doc_id}"
        if self.entity_id is not None:
            where += f": entity {self.entity_id}"
        return f"{where}: {self.reason}"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def norm_problem(norm: object) -> str | None:
    """Why a METRIC norm is malformed, or None when it is well-formed (GUIDELINES §5)."""
    if not isinstance(norm, dict):
        return "METRIC without a norm object"
    if set(norm) != {"value", "unit", "qualifier"}:
        return f"METRIC norm must have exactly value, unit, qualifier (has {sorted(norm)})"
    if not _is_number(norm["value"]):
        return f"METRIC norm value {norm['value']!r} is not a number"
    unit = norm["unit"]
    if not isinstance(unit, str) or not unit or any(c.isspace() for c in unit):
        return f"METRIC norm unit {unit!r} is not a non-empty string without spaces"
    if norm["qualifier"] not in load_schema().qualifiers:
        return f"METRIC norm qualifier {norm['qualifier']!r} is not one of {list(load_schema().qualifiers)}"
    return None


def check_record(rec: Record) -> Iterator[Problem]:
    schema = load_schema()

    def problem(reason: str, entity_id: object = None) -> Problem:
        return Problem(rec.path, rec.line, rec.id, entity_id, reason)

    text = rec.data.get("text")
    if not isinstance(rec.data.get("id"), (str, int)) or not isinstance(text, str):
        yield problem("a record needs an `id` and a string `text`")
        return
    entities, relations = rec.data.get("entities", []), rec.data.get("relations", [])
    if not isinstance(entities, list) or not isinstance(relations, list):
        yield problem("`entities` and `relations` must be lists")
        return

    by_id: dict[object, dict] = {}
    spans: list[tuple[int, int, object]] = []
    for ent in entities:
        eid = ent.get("id") if isinstance(ent, dict) else None
        if not isinstance(ent, dict) or eid is None:
            yield problem("entity without an id")
            continue
        if eid in by_id:
            yield problem("duplicate entity id", eid)
            continue
        by_id[eid] = ent
        label, start, end = ent.get("label"), ent.get("start_offset"), ent.get("end_offset")
        if label not in schema.entity_labels:
            yield problem(f"label {label!r} is not in the schema", eid)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            yield problem(f"offsets [{start}, {end}) out of range for a text of length {len(text)}", eid)
            continue
        spans.append((start, end, eid))
        if bad_boundary(text[start]) or bad_boundary(text[end - 1]):
            yield problem(f"span {text[start:end]!r} starts or ends with whitespace or punctuation", eid)
        if label == "METRIC" and (reason := norm_problem(ent.get("norm"))):
            yield problem(reason, eid)

    spans.sort()
    for (s1, e1, id1), (s2, e2, id2) in zip(spans, spans[1:]):
        if s2 < e1:
            yield problem(f"overlaps entity {id1} ([{s1}, {e1}) and [{s2}, {e2}))", id2)

    sentence_of = sentence_index(text)
    rel_ids: set[object] = set()
    for rel in relations:
        rid = rel.get("id") if isinstance(rel, dict) else None
        if rid is None:
            yield problem("relation without an id")
            continue
        if rid in rel_ids:
            yield problem(f"duplicate relation id {rid}")
        rel_ids.add(rid)
        rtype = rel.get("type")
        head, tail = by_id.get(rel.get("from_id")), by_id.get(rel.get("to_id"))
        if rtype not in schema.relation_types:
            yield problem(f"relation {rid}: type {rtype!r} is not in the schema")
            continue
        if head is None or tail is None:
            yield problem(f"relation {rid}: dangling from_id/to_id {rel.get('from_id')}->{rel.get('to_id')}")
            continue
        if not schema.allows(rtype, head.get("label"), tail.get("label")):
            yield problem(f"relation {rid}: {rtype} does not allow {head.get('label')} -> {tail.get('label')}")
        try:
            s_head, s_tail = sentence_of[head["start_offset"]], sentence_of[tail["start_offset"]]
        except (KeyError, IndexError, TypeError):
            continue  # offsets already reported
        if s_head != s_tail:
            yield problem(f"relation {rid}: {rtype} crosses sentences ({s_head} and {s_tail})")

    try:
        split_ranges(rec)
    except SplitError as err:
        yield problem(str(err))


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in the given files; an empty list means they are clean."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            for rec in read_records(path):
                problems.extend(check_record(rec))
                if rec.id in seen:
                    problems.append(Problem(rec.path, rec.line, rec.id, None, f"duplicate document id (first at {seen[rec.id]})"))
                seen.setdefault(rec.id, rec.where())
        except FormatError as err:
            problems.append(Problem(err.path, err.line, "-", None, err.message))
        except OSError as err:
            problems.append(Problem(str(path), 0, "-", None, f"cannot read: {err.strerror}"))
    return problems
