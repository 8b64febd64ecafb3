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
MSRA (its three files): PER → PERSON; ORG and LOC → missing (they mix our ORG/COMMITTEE and
REGION/STREET/PLACE).

Both are read with zxie.corpus.general, and only their part="train" (never the held-out tenth
that `zxie evaluate-general` scores). This mapping is for training; the one for evaluation is
zxie.corpus.general.to_our_labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from spacy.tokens import Doc

from zxie.corpus.general import Span, in_part, read_file, read_general

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


def msra_sentences(path: str | Path) -> Iterator[tuple[str, list[Span]]]:
    """(text, PERSON spans) for each sentence of one MSRA file, its part="train" only.
    (Kept for train.raw_texts; new code reads read_general(datasets, "msra").)"""
    for text, spans in read_file(path):
        if in_part(text, "train"):
            yield text, msra_person_spans(spans)


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
    """Partially annotated Docs of CLUENER and MSRA (part="train")."""
    for text, spans in read_general(datasets_dir, "cluener", part="train"):
        doc = partial_doc(nlp, text, cluener_spans(text, spans))
        if doc is not None:
            yield doc
    for text, spans in read_general(datasets_dir, "msra", part="train"):
        doc = partial_doc(nlp, text, msra_person_spans(spans))
        if doc is not None:
            yield doc
