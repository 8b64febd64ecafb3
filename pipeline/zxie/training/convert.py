"""Gold interchange records → spaCy Docs and DocBins, one Doc per sentence of a split."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.tokens import Doc, DocBin

from zxie.corpus.interchange import read_corpus
from zxie.corpus.splits import SPLITS, select
from zxie.text import sentence_spans


class AlignmentError(ValueError):
    pass


def sentence_sections(sections: Iterable[dict]) -> Iterator[dict]:
    """Cut sections into one record per sentence (offsets shifted, relations kept inside)."""
    for sec in sections:
        text = sec["text"]
        for a, b in sentence_spans(text):
            ents = [e for e in sec["entities"] if a <= e["start_offset"] < b]
            if any(e["end_offset"] > b for e in ents):  # an entity over a sentence break: keep both
                continue
            keep = {e["id"] for e in ents}
            yield {
                "id": f"{sec['id']}#{a}",
                "text": text[a:b],
                "entities": [{**e, "start_offset": e["start_offset"] - a, "end_offset": e["end_offset"] - a} for e in ents],
                "relations": [r for r in sec["relations"] if r["from_id"] in keep and r["to_id"] in keep],
            }


def to_doc(nlp, record: dict) -> Doc:
    """A Doc of the record's text (the pipeline's own tokenizer) with its gold entities."""
    doc = nlp.make_doc(record["text"])
    spans = []
    for e in record["entities"]:
        span = doc.char_span(e["start_offset"], e["end_offset"], label=e["label"])
        if span is None:
            raise AlignmentError(f"{record['id']}: entity {e['id']} [{e['start_offset']}, {e['end_offset']}) does not align with tokens")
        spans.append(span)
    doc.ents = spans
    return doc


def gold_docbins(nlp, gold_path: str | Path, out_dir: str | Path, per_sentence: bool = True) -> dict[str, int]:
    """Write train/dev/test .spacy files for the gold corpus; returns the number of Docs per split."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = read_corpus(gold_path)
    counts = {}
    for split in SPLITS:
        sections = list(select(records, split))
        units = list(sentence_sections(sections)) if per_sentence else sections
        db = DocBin(store_user_data=False)
        for unit in units:
            db.add(to_doc(nlp, unit))
        db.to_disk(out_dir / f"{split}.spacy")
        counts[split] = len(units)
    return counts


def general_doc(nlp, text: str, spans: list[tuple[int, int, str]], key: str) -> Doc:
    """A Doc of a general-corpus sentence for the auxiliary head `key` (components/aux_ner.py): its
    mentions, with the corpus's own labels, are the span group doc.spans[key]; doc.ents is all
    missing, so our NER learns nothing from it. Mentions that do not align with tokens or overlap
    an earlier one are dropped."""
    doc = nlp.make_doc(text)
    group, last = [], 0
    for s, e, label in sorted(spans, key=lambda x: (x[0], -x[1])):
        span = doc.char_span(s, e, label=label)
        if span is not None and span.start >= last:
            group.append(span)
            last = span.end
    doc.set_ents([], default="missing")
    doc.spans[key] = group
    return doc


def general_docbin(nlp, sentences: dict[str, Iterable[tuple[str, list[tuple[int, int, str]]]]], path: str | Path) -> dict[str, int]:
    """Write the general corpora's sentences ({corpus: (text, spans)}) as one DocBin for the
    auxiliary heads; returns the number of Docs per corpus."""
    db, counts = DocBin(store_user_data=False), {}
    for key, items in sentences.items():
        counts[key] = 0
        for text, spans in items:
            db.add(general_doc(nlp, text, spans, key))
            counts[key] += 1
    db.to_disk(path)
    return counts
