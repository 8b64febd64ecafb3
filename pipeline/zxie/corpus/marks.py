"""A compact authoring format for gold annotations ("marks"), compiled to the interchange format.

    @1234                      anchor: the lines below apply to the text from offset 1234 up
                               to the next anchor (the renderer prints these offsets)
    区政协党组 COMMITTEE         an entity, written without the whitespace the raw text may have
    区政协#2 COMMITTEE           the second occurrence of that string in the region, not counting
                               occurrences inside a longer entity listed there
    550余场次 METRIC 550 场次 more_than     a METRIC with its norm: value, unit, qualifier
    R 刘浩 HAS_TITLE 区委书记     a relation between two entities of the region
    # ...                      a comment

Listing the same string twice without `#k` means its first and second occurrences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zxie.schema import load_schema
from zxie.text import squeeze


class MarksError(ValueError):
    pass


@dataclass
class _Mark:
    surface: str
    k: int
    label: str
    norm: dict | None
    lineno: int
    span: tuple[int, int] | None = None


@dataclass
class _Region:
    start: int
    lineno: int
    marks: list[_Mark] = field(default_factory=list)
    rels: list[tuple[str, str, str, int]] = field(default_factory=list)


def _ref(token: str) -> tuple[str, int | None]:
    if "#" in token[1:]:
        surface, _, k = token.rpartition("#")
        if k.isdigit():
            return surface, int(k)
    return token, None


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def parse_marks(source: str, name: str = "marks") -> list[_Region]:
    schema = load_schema()
    regions: list[_Region] = []
    for lineno, raw in enumerate(source.splitlines(), 1):
        line = raw.split(" # ")[0].strip()
        if not line or line.startswith("#"):
            continue
        where = f"{name}:{lineno}"
        if line.startswith("@"):
            regions.append(_Region(int(line[1:].split()[0]), lineno))
            continue
        if not regions:
            raise MarksError(f"{where}: mark before the first @anchor")
        parts = line.split()
        region = regions[-1]
        if parts[0] == "R":
            if len(parts) != 4 or parts[2] not in schema.relation_types:
                raise MarksError(f"{where}: expected `R HEAD TYPE TAIL` with a schema type: {line}")
            region.rels.append((parts[1], parts[2], parts[3], lineno))
            continue
        if len(parts) < 2 or parts[1] not in schema.entity_labels:
            raise MarksError(f"{where}: expected `SURFACE LABEL`, got: {line}")
        surface, k = _ref(parts[0])
        norm = None
        if parts[1] == "METRIC":
            if len(parts) != 5 or parts[4] not in schema.qualifiers:
                raise MarksError(f"{where}: METRIC needs `VALUE UNIT QUALIFIER`: {line}")
            try:
                norm = {"value": _number(parts[2]), "unit": parts[3], "qualifier": parts[4]}
            except ValueError:
                raise MarksError(f"{where}: bad METRIC value {parts[2]!r}") from None
        elif len(parts) != 2:
            raise MarksError(f"{where}: extra fields after the label: {line}")
        same = sum(1 for m in region.marks if m.surface == surface)
        region.marks.append(_Mark(surface, k or same + 1, parts[1], norm, lineno))
    return regions


def _occurrences(text: str, start: int, end: int, surface: str) -> list[tuple[int, int]]:
    """Occurrences of `surface` in text[start:end], ignoring whitespace inside the text."""
    squeezed, index = squeeze(text, start, end)
    found, pos = [], squeezed.find(surface)
    while pos >= 0:
        found.append((index[pos], index[pos + len(surface) - 1] + 1))
        pos = squeezed.find(surface, pos + 1)
    return found


def compile_marks(doc_id: str, text: str, source: str, name: str = "marks") -> dict:
    """Compile marks for one document into an interchange record (without meta)."""
    regions = parse_marks(source, name)
    regions.sort(key=lambda r: r.start)
    for region in regions:
        if not 0 <= region.start < len(text):
            raise MarksError(f"{name}:{region.lineno}: anchor @{region.start} is outside the text (length {len(text)})")
    entities, relations = [], []
    for i, region in enumerate(regions):
        end = regions[i + 1].start if i + 1 < len(regions) else len(text)
        taken: list[tuple[int, int, str]] = []
        for mark in sorted(region.marks, key=lambda m: -len(m.surface)):
            # occurrences not inside an entity of another surface placed before (a longer one)
            free = [
                occ
                for occ in _occurrences(text, region.start, end, mark.surface)
                if all(occ[1] <= a or occ[0] >= b for a, b, other in taken if other != mark.surface)
            ]
            if len(free) < mark.k:
                raise MarksError(
                    f"{name}:{mark.lineno}: `{mark.surface}` occurrence {mark.k} not found "
                    f"in the region @{region.start} (found {len(free)} free)"
                )
            mark.span = free[mark.k - 1]
            taken.append((*mark.span, mark.surface))
        ids = {}
        for mark in sorted(region.marks, key=lambda m: m.span):
            ent = {"id": len(entities) + 1, "label": mark.label,
                   "start_offset": mark.span[0], "end_offset": mark.span[1]}
            if mark.norm is not None:
                ent["norm"] = mark.norm
            entities.append(ent)
            ids[(mark.surface, mark.k)] = ent["id"]
        for head, rel_type, tail, lineno in region.rels:
            ends = []
            for token in (head, tail):
                surface, k = _ref(token)
                if (surface, k or 1) not in ids:
                    raise MarksError(f"{name}:{lineno}: relation argument `{token}` is not an entity of the region")
                ends.append(ids[(surface, k or 1)])
            relations.append({"id": len(relations) + 1, "from_id": ends[0], "to_id": ends[1], "type": rel_type})
    return {"id": doc_id, "text": text, "entities": entities, "relations": relations}
