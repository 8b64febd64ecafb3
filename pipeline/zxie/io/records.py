"""Extraction records (../shared/spec/OUTPUT.md): built from processed Docs, written as JSONL.

`RecordWriter` is the one writer: one record per line, written whole per document, errors to
`OUT.errors.jsonl` beside it, the output locked against a second run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from functools import lru_cache
from importlib import resources
from pathlib import Path

from zxie.io.inputs import Document, InputError, RunError, Source, input_clash
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


def text_sha256(text: str) -> str:
    """The SHA-256 (hex) of a text's UTF-8 bytes: records carry it (meta.sha256), so a resumed
    run can tell a changed input from a done one."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def doc_record(doc, source: Document, model: str) -> dict:
    """The record of one processed document. Each entity has the model's confidence `score`
    (0-1) when its pipeline gives one (zxie_tag_ner does). A METRIC whose number cannot be read has
    no valid norm and is left out, with the relations that use it."""
    entities, index = [], {}
    ents = doc.ents
    has_norm = bool(ents) and ents[0].has_extension("norm")
    has_score = bool(ents) and ents[0].has_extension("score")
    for i, ent in enumerate(ents):
        ext = ent._
        norm = ext.norm if has_norm else None
        label = ent.label_
        if label == "METRIC" and norm is None:
            continue
        entity = {"id": len(entities) + 1, "text": ent.text, "label": label, "start": ent.start_char, "end": ent.end_char}
        score = ext.score if has_score else None
        if score is not None:
            entity["score"] = score
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
        "meta": {**source.meta, "model": model, "chars": len(source.text), "sha256": text_sha256(source.text)},
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


def _lock(path: Path) -> int:
    """A descriptor of PATH for appending (created if missing, never truncated here), under an
    exclusive lock (flock): one run at a time writes an output. RunError if another run holds it."""
    for _ in range(5):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o666)
        except OSError as err:
            raise RunError(f"cannot write {path}: {err.strerror or err}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunError(f"{path} is being written by another zxie extract run (it holds the file's lock): "
                           "wait for that run to end, or choose another -o") from None
        except OSError:
            pass  # a file (system) without locks: nothing to take
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return fd
        except OSError:
            pass
        os.close(fd)  # PATH was replaced between our open and our lock (a run finishing): again
    raise RunError(f"cannot lock {path}: it keeps being replaced")


def _put(fd: int, data: bytes, path: Path) -> None:
    """Write all of DATA (unbuffered: it is in the file once this returns)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as err:
        raise RunError(f"cannot write {path}: {err.strerror or err}") from None


class RecordWriter:
    """The one writer: appends records to OUT and input errors to OUT.errors.jsonl, one line each,
    written whole and unbuffered per document, so a killed run leaves at most one torn last line.

    format "jsonl": OUT is the JSONL output. format "parquet": records go to a journal
    OUT.partial.jsonl while running, converted to OUT (Parquet, zxie.io.parquet) when the
    writer closes without an exception; the journal is what `resume` continues from.

    Before anything is written: RunError when OUT or its errors file is one of `inputs`
    (zxie.io.inputs.Source), when another run holds OUT's lock (flock, held until close), or when
    OUT cannot be written; every later write error is a RunError too.

    resume=True keeps what an earlier run wrote: a torn last line is dropped, and `already_done(doc)`
    tells the caller which documents to skip: those whose record is there, made from the same text
    (meta.sha256). When the writer closes, records the input no longer matches (a changed text, an
    id no longer in the input, an id repeated by an interrupted resume) are dropped from OUT. The
    errors file is written anew by every run: each input error comes back when its input is read.
    """

    def __init__(self, out: str | Path, resume: bool = False, format: str = "jsonl", inputs: list[Source] = ()):
        from zxie.io.resume import drop_torn_line

        if format not in ("jsonl", "parquet"):
            raise ValueError(f"unknown output format {format!r} (jsonl or parquet)")
        self.path = Path(out)
        self.format = format
        self.errors_path = errors_path_for(self.path)
        self.records_path = self.path if format == "jsonl" else self.path.with_name(self.path.name + ".partial.jsonl")
        for path in dict.fromkeys((self.path, self.records_path, self.errors_path)):
            if (clash := input_clash(path, list(inputs))) is not None:
                raise RunError(f"the output {path} is also an input ({clash}): choose another -o")
        self.written = self.failed = self.notices = 0
        self.done: dict[str, str | None] = {}  # id -> text hash of the records an earlier run wrote
        self._old_lines = 0
        self._kept: set[str] = set()
        self._err = None
        self._fd = _lock(self.records_path)
        try:
            regular = stat.S_ISREG(os.fstat(self._fd).st_mode)
            if resume:
                if not regular:
                    raise RunError(f"--resume needs an output file to continue, and {self.records_path} is not a regular file")
                if format == "parquet" and os.fstat(self._fd).st_size == 0 and self.path.exists():
                    self._parquet_to_journal()
                drop_torn_line(self.records_path)
                self._read_done()
            elif regular:
                os.ftruncate(self._fd, 0)
            self.errors_path.unlink(missing_ok=True)
        except OSError as err:
            os.close(self._fd)
            raise RunError(f"cannot write {err.filename or self.records_path}: {err.strerror or err}") from None
        except BaseException:
            os.close(self._fd)
            raise

    def _read_done(self) -> None:
        from zxie.io.resume import json_lines

        try:
            for self._old_lines, rec in enumerate(json_lines(self.records_path), 1):
                meta = rec.get("meta") if isinstance(rec, dict) else None
                if not isinstance(meta, dict) or not isinstance(rec.get("id"), str):
                    raise ValueError(f"{self.records_path}:{self._old_lines} is not a zxie record")
                self.done[rec["id"]] = meta.get("sha256")
        except ValueError as err:  # also a file that is not UTF-8
            raise RunError(f"cannot resume from {self.records_path}: {err}") from None

    def _parquet_to_journal(self) -> None:
        from zxie.io.parquet import read_parquet_records

        try:
            for rec in read_parquet_records(self.path):
                _put(self._fd, (json.dumps(rec, ensure_ascii=False) + "\n").encode("utf-8"), self.records_path)
        except RunError:
            raise
        except Exception as err:  # noqa: BLE001 - pyarrow's errors: not a Parquet file, a foreign schema
            raise RunError(f"cannot resume from {self.path}: not a zxie Parquet output ({err})") from None

    def already_done(self, doc: Document) -> bool:
        """Whether the run this one resumes wrote DOC's record, from the same text (the caller
        skips DOC). A record of a changed text is not done: DOC is extracted again, and the old
        record goes when the writer closes."""
        if doc.id in self.done and self.done[doc.id] == text_sha256(doc.text):
            self._kept.add(doc.id)
            return True
        return False

    def write(self, record: dict) -> None:
        try:
            line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        except (ValueError, TypeError, RecursionError) as err:  # UnicodeEncodeError is a ValueError
            self.error(InputError(record.get("id"), record.get("source", ""), "processing",
                                  f"the record cannot be written as UTF-8 JSON ({type(err).__name__})"))
            return
        _put(self._fd, line, self.records_path)
        self.written += 1

    def error(self, err: InputError) -> None:
        data = err.as_dict()
        try:
            line = json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in an id or a file name: written as a \u escape
            line = json.dumps(data).encode("ascii")
        if self._err is None:
            try:
                self._err = os.open(self.errors_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o666)
            except OSError as exc:
                raise RunError(f"cannot write {self.errors_path}: {exc.strerror or exc}") from None
        _put(self._err, line + b"\n", self.errors_path)
        if err.notice:
            self.notices += 1
        else:
            self.failed += 1

    def _compact(self) -> None:
        """Rewrite the records file without the earlier run's records that the input no longer
        matches: keep, of those, the first record of each id `already_done` found."""
        tmp = self.records_path.with_name(self.records_path.name + ".tmp")
        fd = _lock(tmp)  # locked before it takes the output's name
        try:
            os.ftruncate(fd, 0)
            keep = set(self._kept)
            with open(self.records_path, "rb") as fh:
                for n, line in enumerate(fh):
                    if n < self._old_lines:
                        rec = json.loads(line)
                        if rec["id"] not in keep or rec["meta"].get("sha256") != self.done[rec["id"]]:
                            continue
                        keep.discard(rec["id"])
                    _put(fd, line, tmp)
            os.replace(tmp, self.records_path)
        except BaseException:
            os.close(fd)
            raise
        os.close(self._fd)
        self._fd = fd

    def close(self, finish: bool = True) -> None:
        """Finish the output (drop stale records after a resume, write the Parquet file) unless
        finish is False, then release the files and the lock."""
        try:
            if finish:
                if self._old_lines != len(self._kept):
                    self._compact()
                if self.format == "parquet":
                    self._finish_parquet()
        except OSError as err:
            raise RunError(f"cannot write {err.filename or self.path}: {err.strerror or err}") from None
        finally:
            for fd in (self._fd, self._err):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._fd = self._err = None

    def _finish_parquet(self) -> None:
        from zxie.io.parquet import write_parquet
        from zxie.io.resume import json_lines

        tmp = self.path.with_name(self.path.name + ".tmp")
        write_parquet(json_lines(self.records_path), tmp)
        tmp.replace(self.path)
        self.records_path.unlink()  # still under our lock, so no run can have started on it

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if self._fd is not None:
            self.close(finish=exc_type is None)
