"""The public NER corpora's mentions mapped to our labels for training (augment.py's name pools).

Their label sets are not ours, so only mentions with a confident counterpart are kept:

CLUENER2020 (`ner/cluener_train.jsonl`, labels → ours):
    name → PERSON; company, organization → ORG; government → COMMITTEE; scene → PLACE;
    position → TITLE only right before or after a `name` mention (a post held by a named person,
    GUIDELINES §2 — CLUENER also marks generic roles like 大学生);
    address → REGION when it ends in 省/市/县/区/州, STREET when it ends in 街道/镇/乡, and has no
    other such unit inside (房山长阳镇 is REGION + STREET for us and is left out);
    book, game, movie → left out.
MSRA: PER → PERSON; ORG and LOC → left out (they mix our ORG/COMMITTEE and REGION/STREET/PLACE).

The corpora are read with zxie.corpus.general, part="train" only (never the held-out tenth that
`zxie evaluate-general` scores). This mapping gathers replacement names, so it keeps more than the
stricter one that scores models (zxie.corpus.general.to_our_labels, annotations/DECISIONS.md).
"""

from __future__ import annotations

import re

from zxie.corpus.general import Span

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


def cluener_spans(text: str, spans: list[Span]) -> list[Span]:
    """(start, end, our label) of a CLUENER sentence's native spans (read_general's), mapped as above."""
    names = [(s, e) for s, e, lab in spans if lab == "name"]
    out = []
    for s, e, lab in spans:
        if lab in CLUENER_DIRECT:
            out.append((s, e, CLUENER_DIRECT[lab]))
        elif lab == "position" and any(ne == s or e == ns for ns, ne in names):
            out.append((s, e, "TITLE"))
        elif lab == "address" and (label := _address_label(text[s:e])):
            out.append((s, e, label))
    return out


def msra_person_spans(spans: list[Span]) -> list[Span]:
    return [(s, e, "PERSON") for s, e, lab in spans if lab == "PER"]
