"""The one reader of extraction inputs: `.txt` files, folders of them, JSONL files, stdin.

Yields `Document`s in input order, and an `InputError` in place of any document that cannot be
read, so one bad document never stops a batch. Text is returned exactly as stored (line endings
included), so offsets into it are offsets into the input; only a UTF-8 byte-order mark, which is
encoding and not text, is dropped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


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
    error: str  # a short kind: decode, json, missing-text, empty, duplicate-id, not-found
    message: str

    def as_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "error": self.error, "message": self.message}


def _decode(data: bytes) -> str:
    text = data.decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


def _read_txt(path: Path) -> Document | InputError:
    try:
        text = _decode(path.read_bytes())
    except UnicodeDecodeError as err:
        return InputError(path.stem, str(path), "decode", f"not UTF-8 (byte {err.start}: {err.reason})")
    except OSError as err:
        return InputError(path.stem, str(path), "read", err.strerror or str(err))
    return Document(path.stem, text, str(path))


def _read_jsonl_lines(lines: Iterable[bytes], source: str) -> Iterator[Document | InputError]:
    for n, raw in enumerate(lines, 1):
        where = f"{source}:{n}"
        if not raw.strip():
            continue
        try:
            data = json.loads(_decode(raw))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
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
        yield Document(doc_id, text, where, meta=data)


def _expand(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None]]:
    for p in paths:
        if str(p) == "-":
            yield "stdin", None
            continue
        path = Path(p)
        if path.is_dir():
            for txt in sorted(path.rglob("*.txt")):
                yield "txt", txt
        elif path.suffix == ".jsonl":
            yield "jsonl", path
        else:
            yield "txt", path


def read_documents(paths: Iterable[str | Path]) -> Iterator[Document | InputError]:
    """Every input document in order; bad ones as InputError (also empty texts and repeated ids)."""
    seen: set[str] = set()
    for kind, path in _expand(paths):
        if kind == "stdin":
            items = _read_jsonl_lines(sys.stdin.buffer, "<stdin>")
        elif not path.exists():
            items = iter([InputError(path.stem, str(path), "not-found", "no such file or folder")])
        elif kind == "jsonl":
            items = _read_jsonl_lines(path.open("rb"), str(path))
        else:
            items = iter([_read_txt(path)])
        for item in items:
            if isinstance(item, Document):
                if not item.text.strip():
                    item = InputError(item.id, item.source, "empty", "the document is empty or only whitespace")
                elif item.id in seen:
                    item = InputError(item.id, item.source, "duplicate-id", f"id {item.id!r} was already processed")
                else:
                    seen.add(item.id)
            yield item
