"""The one reader and writer of the interchange format (GUIDELINES §7).

One JSON object per line: {"id", "text", "entities", "relations", "meta"}; entities carry
`start_offset`/`end_offset` (code points, end exclusive) and METRIC entities a `norm`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


class FormatError(ValueError):
    """A line that is not a well-formed interchange record."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass
class Record:
    """One annotated document, as it stands on one line of a file."""

    data: dict
    path: str = "-"
    line: int = 0

    @property
    def id(self) -> str:
        return str(self.data.get("id"))

    @property
    def text(self) -> str:
        return self.data.get("text", "")

    @property
    def entities(self) -> list[dict]:
        return self.data.get("entities", [])

    @property
    def relations(self) -> list[dict]:
        return self.data.get("relations", [])

    @property
    def meta(self) -> dict:
        return self.data.setdefault("meta", {})

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def read_records(path: str | Path) -> Iterator[Record]:
    """Yield the records of a JSONL file; malformed JSON raises FormatError naming the line."""
    path = str(path)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise FormatError(path, n, f"invalid JSON: {err.msg}") from None
            if not isinstance(data, dict):
                raise FormatError(path, n, "a line must hold one JSON object")
            yield Record(data, path, n)


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(", ", ": "))


def write_records(path: str | Path, records: Iterable[dict]) -> int:
    """Write records one per line (UTF-8, no ASCII escaping); returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for data in records:
            fh.write(dumps(data) + "\n")
            n += 1
    return n


# The project's gold corpus: the seed reports and the articles composed for it (annotations/README.md).
GOLD_FILES = (Path("annotations/gold.jsonl"), Path("annotations/composed.jsonl"))


def read_corpus(paths: str | Path | Iterable[str | Path]) -> list[Record]:
    """The records of one gold file or of several, in order; duplicate ids across files are an error."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    records, seen = [], {}
    for path in paths:
        for rec in read_records(path):
            if rec.id in seen:
                raise FormatError(rec.path, rec.line, f"document id {rec.id!r} already in {seen[rec.id]}")
            seen[rec.id] = rec.where()
            records.append(rec)
    return records
