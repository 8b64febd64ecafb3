"""Extraction records (../shared/spec/OUTPUT.md): built from processed Docs, written as JSONL.

`RecordWriter` is the one writer: one record per line, flushed per document, and errors to
`OUT.errors.jsonl` beside it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline.inputs import Document, InputError
from pipeline.schema import load_schema

SCHEMA_VERSION = 1


@lru_cache(maxsize=1)
def record_schema() -> dict:
    """The JSON Schema of a record, with the label set of schema.json filled in."""
    schema = json.loads(resources.files("pipeline.schemas").joinpath("record.schema.json").read_text(encoding="utf-8"))
    labels = load_schema()
    schema["$defs"]["entity_label"] = {"enum": list(labels.entity_labels)}
    schema["$defs"]["relation_type"] = {"enum": list(labels.relation_types)}
    schema["$defs"]["qualifier"] = {"enum": list(labels.qualifiers)}
    return schema


def doc_record(doc, source: Document, model: str) -> dict:
    """The record of one processed document. A METRIC whose number cannot be read has no valid
    norm and is left out, with the relations that use it."""
    entities, index = [], {}
    for i, ent in enumerate(doc.ents):
        norm = ent._.norm if ent.has_extension("norm") else None
        if ent.label_ == "METRIC" and norm is None:
            continue
        entity = {"id": len(entities) + 1, "text": ent.text, "label": ent.label_, "start": ent.start_char, "end": ent.end_char}
        if norm is not None:
            entity["norm"] = norm
        entities.append(entity)
        index[i] = entity["id"]
    relations = []
    for rel in (doc._.relations or []) if doc.has_extension("relations") else []:
        if rel["head"] in index and rel["tail"] in index:
            relations.append({"head": index[rel["head"]], "tail": index[rel["tail"]], "type": rel["type"], "score": rel["score"]})
    return {
        "schema_version": SCHEMA_VERSION,
        "id": source.id,
        "source": source.source,
        "entities": entities,
        "relations": relations,
        "meta": {**source.meta, "model": model, "chars": len(source.text)},
    }


class RecordWriter:
    """Appends records to OUT (JSONL) and input errors to OUT.errors.jsonl, flushing each line."""

    def __init__(self, out: str | Path):
        self.path = Path(out)
        self.errors_path = self.path.with_name(self.path.name.removesuffix(".jsonl") + ".errors.jsonl")
        self._out = open(self.path, "w", encoding="utf-8")
        self._err = None
        self.written = self.failed = 0

    def _line(self, fh, data: dict) -> None:
        fh.write(json.dumps(data, ensure_ascii=False) + "\n")
        fh.flush()

    def write(self, record: dict) -> None:
        self._line(self._out, record)
        self.written += 1

    def error(self, err: InputError) -> None:
        if self._err is None:
            self._err = open(self.errors_path, "w", encoding="utf-8")
        self._line(self._err, err.as_dict())
        self.failed += 1

    def close(self) -> None:
        self._out.close()
        if self._err:
            self._err.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
