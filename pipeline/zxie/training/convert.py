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
