"""The one reader of extraction inputs: `.txt` files, folders of them, JSONL files, stdin, and
saved Hugging Face `datasets` Datasets (a folder written by `Dataset.save_to_disk`).

Yields `Document`s lazily in input order (memory does not grow with the number of documents), and
an `InputError` in place of any document that cannot be read, so one bad document never stops a
batch. Text is returned exactly as stored (line endings included), so offsets into it are offsets
into the input; only a UTF-8 byte-order mark, which is encoding and not text, is dropped.

Error kinds: not-found, read, binary, decode, json, missing-text, empty, too-long, duplicate-id.
A file that is not UTF-8 but confidently GB18030/GBK Chinese (zxie.io.decoding) is decoded:
its Document carries meta["encoding"] = "gb18030" and is preceded by a notice, an InputError of
kind "decoded-gb18030" (`.notice` is True): the document is still extracted, it did not fail.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zxie.io.decoding import Undecodable, decode_bytes, decode_utf8

NOTICE_PREFIX = "decoded-"


@dataclass
class Document:
    id: str
    text: str
    source: str
    meta: dict = field(default_factory=dict)


@dataclass
class InputError:
    id: str | None
    source: str
    error: str  # a short kind: see the module docstring
    message: str

    @property
    def notice(self) -> bool:
        """A notice about a document that was still processed (e.g. decoded from GB18030)."""
        return self.error.startswith(NOTICE_PREFIX)

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "error": self.error, "message": self.message}


def _too_long(doc_id: str | None, source: str, chars: int, max_chars: int) -> InputError:
    return InputError(doc_id, source, "too-long", f"{chars} characters, over the limit of {max_chars} (--max-chars)")


def _read_txt(path: Path, max_chars: int | None = None) -> Iterator[Document | InputError]:
    doc_id, source = path.stem, str(path)
    try:
        if max_chars and path.stat().st_size > 4 * max_chars:  # UTF-8 and GB18030 use ≤ 4 bytes a character
            yield _too_long(doc_id, source, path.stat().st_size // 4, max_chars)
            return
        data = path.read_bytes()
    except OSError as err:
        yield InputError(doc_id, source, "read", err.strerror or str(err))
        return
    try:
        text, encoding = decode_bytes(data)
    except Undecodable as err:
        yield InputError(doc_id, source, err.kind, str(err))
        return
    meta = {}
    if encoding != "utf-8":
        yield InputError(doc_id, source, f"{NOTICE_PREFIX}{encoding}",
                         f"not UTF-8: decoded as {encoding} (confident); offsets index the decoded text")
        meta["encoding"] = encoding
    yield Document(doc_id, text, source, meta)


def _read_jsonl_lines(lines: Iterable[bytes], source: str) -> Iterator[Document | InputError]:
    for n, raw in enumerate(lines, 1):
        where = f"{source}:{n}"
        if not raw.strip():
            continue
        encoding = "utf-8"
        try:
            try:
                line = decode_utf8(raw)
            except UnicodeDecodeError:
                line, encoding = decode_bytes(raw)  # a GB18030 line, or Undecodable
            data = json.loads(line)
        except (Undecodable, json.JSONDecodeError) as err:
            yield InputError(None, where, "json", f"line {n} is not a JSON object: {err}")
            continue
        if not isinstance(data, dict):
            yield InputError(None, where, "json", f"line {n} is not a JSON object")
            continue
        doc_id = data.pop("id", None)
        doc_id = str(doc_id) if doc_id is not None else f"{Path(source).stem}:{n}"
        text = data.pop("text", None)
        if not isinstance(text, str):
            yield InputError(doc_id, where, "missing-text", f"line {n} has no string `text`")
            continue
        if encoding != "utf-8":
            yield InputError(doc_id, where, f"{NOTICE_PREFIX}{encoding}",
                             f"line {n} is not UTF-8: decoded as {encoding} (confident); offsets index the decoded text")
            data["encoding"] = encoding
        yield Document(doc_id, text, where, meta=data)


def _read_jsonl_file(path: Path) -> Iterator[Document | InputError]:
    with path.open("rb") as fh:
        yield from _read_jsonl_lines(fh, str(path))


def is_saved_dataset(path: Path) -> bool:
    """A folder written by `datasets.Dataset.save_to_disk`."""
    return path.is_dir() and (path / "state.json").exists() and (path / "dataset_info.json").exists()


def _read_dataset(path: Path, text_column: str, id_column: str, batch: int = 256) -> Iterator[Document | InputError]:
    """Rows of a saved Dataset (memory-mapped Arrow, read in slices). Row i has source `PATH:i`
    (0-based), id from `id_column` or `NAME:i`; other columns go to meta."""
    import datasets

    try:
        ds = datasets.load_from_disk(str(path))
    except Exception as err:  # noqa: BLE001 - any unreadable dataset is one error, not a crash
        yield InputError(path.name, str(path), "read", f"not a readable saved Dataset: {err}")
        return
    if not isinstance(ds, datasets.Dataset):
        yield InputError(path.name, str(path), "read", f"a DatasetDict with splits {list(ds)}: give one split's folder")
        return
    if text_column not in ds.column_names:
        yield InputError(path.name, str(path), "missing-text", f"no column {text_column!r} (columns: {ds.column_names}); see --text-column")
        return
    for start in range(0, len(ds), batch):
        rows = ds[start : start + batch]
        for k in range(len(rows[text_column])):
            i = start + k
            where = f"{path}:{i}"
            row = {col: values[k] for col, values in rows.items()}
            raw_id = row.pop(id_column, None)
            doc_id = str(raw_id) if raw_id is not None else f"{path.name}:{i}"
            text = row.pop(text_column)
            if not isinstance(text, str):
                yield InputError(doc_id, where, "missing-text", f"row {i} has no string {text_column!r}")
                continue
            meta = {k2: v for k2, v in row.items() if v is None or isinstance(v, (str, int, float, bool, list, dict))}
            yield Document(doc_id, text, where, meta=meta)


def _expand(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None]]:
    for p in paths:
        if str(p) == "-":
            yield "stdin", None
            continue
        path = Path(p)
        if is_saved_dataset(path):
            yield "dataset", path
        elif path.is_dir():
            for txt in sorted(path.rglob("*.txt")):
                yield "txt", txt
        elif path.suffix == ".jsonl":
            yield "jsonl", path
        else:
            yield "txt", path


def count_documents(paths: Iterable[str | Path]) -> int | None:
    """How many documents (and document-level errors) the inputs hold, for a progress bar's ETA;
    None when unknown (stdin)."""
    total = 0
    for kind, path in _expand(paths):
        if kind == "stdin":
            return None
        if kind == "txt" or not path.exists():
            total += 1
        elif kind == "jsonl":
            with path.open("rb") as fh:
                total += sum(1 for line in fh if line.strip())
        else:
            import datasets

            try:
                total += len(datasets.load_from_disk(str(path)))
            except Exception:  # noqa: BLE001 - reported properly when read
                total += 1
    return total


def read_documents(paths: Iterable[str | Path], max_chars: int | None = None, text_column: str = "text",
                   id_column: str = "id") -> Iterator[Document | InputError]:
    """Every input document in order; bad ones as InputError (also empty or whitespace-only texts,
    texts over `max_chars` characters, and repeated ids)."""
    seen: set[str] = set()
    for kind, path in _expand(paths):
        if kind == "stdin":
            items = _read_jsonl_lines(sys.stdin.buffer, "<stdin>")
        elif not path.exists():
            items = iter([InputError(path.stem, str(path), "not-found", "no such file or folder")])
        elif kind == "jsonl":
            items = _read_jsonl_file(path)
        elif kind == "dataset":
            items = _read_dataset(path, text_column, id_column)
        else:
            items = _read_txt(path, max_chars)
        for item in items:
            if isinstance(item, Document):
                if not item.text.strip():
                    item = InputError(item.id, item.source, "empty", "the document is empty or only whitespace")
                elif max_chars and len(item.text) > max_chars:
                    item = _too_long(item.id, item.source, len(item.text), max_chars)
                elif item.id in seen:
                    item = InputError(item.id, item.source, "duplicate-id", f"id {item.id!r} was already processed")
                else:
                    seen.add(item.id)
            yield item
