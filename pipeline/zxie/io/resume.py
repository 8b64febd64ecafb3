"""What an earlier, possibly killed, run already wrote: the basis of `--resume`.

Every line is written whole and flushed, and a JSON line never contains a raw newline, so after a
crash (even SIGKILL) only the last line of a file can be incomplete, and then it lacks its final
newline. `drop_torn_line` cuts such a line off; every line before it is a complete record.
(`zxie.io.records.RecordWriter` then tells done documents by id and text hash.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def drop_torn_line(path: Path) -> int:
    """Truncate a partial last line (no final newline); returns the bytes removed."""
    if not path.exists():
        return 0
    with open(path, "rb+") as fh:
        size = fh.seek(0, 2)
        if size == 0:
            return 0
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        pos, block = size, 65536
        while pos > 0:  # find the last newline, reading backwards
            start = max(0, pos - block)
            fh.seek(start)
            chunk = fh.read(pos - start)
            k = chunk.rfind(b"\n")
            if k >= 0:
                keep = start + k + 1
                break
            pos = start
        else:
            keep = 0
        fh.truncate(keep)
        return size - keep


def json_lines(path: Path) -> Iterator[dict]:
    """The complete lines of a JSONL file written by zxie (call drop_torn_line first)."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n} is not a JSON line ({err}); is this a zxie output file?") from None
