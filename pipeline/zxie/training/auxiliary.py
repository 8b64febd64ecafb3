"""Public NER corpora as partially annotated training Docs for our label set.

Their label sets are not ours, so only mentions with a confident counterpart are kept, and every
other token is *missing* (not O): those corpora do not mark our DATE, METRIC, INITIATIVE, EVENT, so
their unmarked text is no evidence that nothing is there.

CLUENER2020 (`ner/cluener_train.jsonl`, labels → ours):
    name → PERSON; company, organization → ORG; government → COMMITTEE; scene → PLACE;
    position → TITLE only right before or after a `name` mention (a post held by a named person,
    GUIDELINES §2 — CLUENER also marks generic roles like 大学生);
    address → REGION when it ends in 省/市/县/区/州, STREET when it ends in 街道/镇/乡, and has no
    other such unit inside (房山长阳镇 is REGION + STREET for us and is left missing);
    book, game, movie → missing.
MSRA (`ner/msra_dev.bio`): PER → PERSON; ORG and LOC → missing (they mix our ORG/COMMITTEE and
REGION/STREET/PLACE).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from spacy.tokens import Doc

CLUENER_DIRECT = {"name": "PERSON", "company": "ORG", "organization": "ORG", "government": "COMMITTEE", "scene": "PLACE"}
_REGION_END = re.compile(r"(省|市|县|区|州)$")
_STREET_END = re.compile(r"(街道|镇|乡)$")
_UNIT_INSIDE = re.compile(r"(省|市|县|区|州|街道|镇|乡)")


def _address_label(text: str) -> str | None:
    for pattern, label in ((_REGION_END, "REGION"), (_STREET_END, "STREET")):
        m = pattern.search(text)
        if m and not _UNIT_INSIDE.search(text[: m.start()]):
            return label
    return None


def cluener_spans(record: dict) -> list[tuple[int, int, str]]:
    """(start, end, our label) for a CLUENER record (its ends are inclusive)."""
    mentions = [(s, e + 1, lab, surface) for lab, by_surface in record.get("label", {}).items()
                for surface, places in by_surface.items() for s, e in places]
    names = [(s, e) for s, e, lab, _ in mentions if lab == "name"]
    out = []
    for s, e, lab, surface in mentions:
        if lab in CLUENER_DIRECT:
            out.append((s, e, CLUENER_DIRECT[lab]))
        elif lab == "position" and any(ne == s or e == ns for ns, ne in names):
            out.append((s, e, "TITLE"))
        elif lab == "address" and (label := _address_label(surface)):
            out.append((s, e, label))
    return out


def msra_sentences(path: str | Path) -> Iterator[tuple[str, list[tuple[int, int, str]]]]:
    """(text, PERSON spans) for each sentence of a character-per-line BIO file."""
    chars, tags = [], []
    with open(path, encoding="utf-8") as fh:
        for line in list(fh) + [""]:
            parts = line.split()
            if len(parts) == 2:
                chars.append(parts[0])
                tags.append(parts[1])
                continue
            if chars:
                spans, start = [], None
                for i, tag in enumerate(tags + ["O"]):
                    if start is not None and tag != "I-PER":
                        spans.append((start, i, "PERSON"))
                        start = None
                    if tag == "B-PER":
                        start = i
                yield "".join(chars), spans
            chars, tags = [], []


def partial_doc(nlp, text: str, spans: list[tuple[int, int, str]]) -> Doc | None:
    """A Doc whose given spans are entities and whose other tokens are missing."""
    doc = nlp.make_doc(text)
    ents = [doc.char_span(s, e, label=label) for s, e, label in spans]
    ents = [span for span in ents if span is not None]
    if not ents:
        return None
    ents.sort(key=lambda sp: (sp.start, -len(sp)))
    flat, last = [], -1
    for span in ents:  # keep the first of overlapping mentions
        if span.start >= last:
            flat.append(span)
            last = span.end
    doc.set_ents(flat, default="missing")
    return doc


def auxiliary_docs(nlp, datasets_dir: str | Path) -> Iterator[Doc]:
    datasets_dir = Path(datasets_dir)
    with open(datasets_dir / "ner" / "cluener_train.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            doc = partial_doc(nlp, record["text"], cluener_spans(record))
            if doc is not None:
                yield doc
    for text, spans in msra_sentences(datasets_dir / "ner" / "msra_dev.bio"):
        doc = partial_doc(nlp, text, spans)
        if doc is not None:
            yield doc
