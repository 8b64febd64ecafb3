"""Extraction records (../shared/spec/OUTPUT.md): built from processed Docs, written as JSONL.

`RecordWriter` is the one writer: one record per line, flushed per document, and errors to
`OUT.errors.jsonl` beside it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from zxie.io.inputs import Document, InputError
from zxie.schema import load_schema

SCHEMA_VERSION = 1


@lru_cache(maxsize=1)
def record_schema() -> dict:
    """The JSON Schema of a record, with the label set of schema.json filled in."""
    schema = json.loads(resources.files("zxie.schemas").joinpath("record.schema.json").read_text(encoding="utf-8"))
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


def errors_path_for(out: str | Path) -> Path:
    """OUT.errors.jsonl beside OUT (OUT's .jsonl or .parquet suffix replaced)."""
    out = Path(out)
    name = out.name
    for suffix in (".jsonl", ".parquet"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return out.with_name(name + ".errors.jsonl")


class RecordWriter:
    """Appends records to OUT and input errors to OUT.errors.jsonl, one line each, flushed per
    document, so a killed run leaves at most one torn last line.

    format "jsonl": OUT is the JSONL output. format "parquet": records go to a journal
    OUT.partial.jsonl while running, converted to OUT (Parquet, zxie.io.parquet) when the
    writer closes without an exception; the journal is what `resume` continues from.

    resume=True keeps what an earlier run wrote: a torn last line is dropped, `done` holds the ids
    already written (the caller skips those documents), and errors already in the errors file are
    not written again when the same input produces them again (they still count as failed).
    """

    def __init__(self, out: str | Path, resume: bool = False, format: str = "jsonl"):
        from zxie.io.resume import done_ids, drop_torn_line, written_errors

        if format not in ("jsonl", "parquet"):
            raise ValueError(f"unknown output format {format!r} (jsonl or parquet)")
        self.path = Path(out)
        self.format = format
        self.errors_path = errors_path_for(self.path)
        self.records_path = self.path if format == "jsonl" else self.path.with_name(self.path.name + ".partial.jsonl")
        self.written = self.failed = self.notices = 0
        self.done: set[str] = set()
        self._prior_errors = None
        self._err = None
        if resume:
            if format == "parquet" and not self.records_path.exists() and self.path.exists():
                self._parquet_to_journal()
            drop_torn_line(self.records_path)
            drop_torn_line(self.errors_path)
            self.done = done_ids(self.records_path)
            self._prior_errors = written_errors(self.errors_path)
            if self.errors_path.exists():
                self._err = open(self.errors_path, "a", encoding="utf-8")
        else:
            self.errors_path.unlink(missing_ok=True)  # a stale errors file would belong to another run
        self._out = open(self.records_path, "a" if resume else "w", encoding="utf-8")

    def _parquet_to_journal(self) -> None:
        from zxie.io.parquet import read_parquet_records

        tmp = self.records_path.with_name(self.records_path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for rec in read_parquet_records(self.path):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        tmp.replace(self.records_path)

    def _line(self, fh, data: dict) -> None:
        fh.write(json.dumps(data, ensure_ascii=False) + "\n")
        fh.flush()

    def write(self, record: dict) -> None:
        self._line(self._out, record)
        self.written += 1

    def error(self, err: InputError) -> None:
        from zxie.io.resume import error_key

        data = err.as_dict()
        if self._prior_errors and self._prior_errors[error_key(data)] > 0:
            self._prior_errors[error_key(data)] -= 1  # written by the run this one resumes
        else:
            if self._err is None:
                self._err = open(self.errors_path, "w", encoding="utf-8")
            self._line(self._err, data)
        if err.notice:
            self.notices += 1
        else:
            self.failed += 1

    def close(self, finish: bool = True) -> None:
        self._out.close()
        if self._err:
            self._err.close()
        if finish and self.format == "parquet":
            from zxie.io.parquet import write_parquet
            from zxie.io.resume import json_lines

            tmp = self.path.with_name(self.path.name + ".tmp")
            write_parquet(json_lines(self.records_path), tmp)
            tmp.replace(self.path)
            self.records_path.unlink()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        self.close(finish=exc_type is None)
