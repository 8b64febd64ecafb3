"""The one reader of extraction inputs: `.txt` files, folders of them, JSONL files, stdin, and
saved Hugging Face `datasets` Datasets (a folder written by `Dataset.save_to_disk`).

Yields `Document`s lazily in input order (memory does not grow with the number of documents), and
an `InputError` in place of any document that cannot be read, so one bad document never stops a
batch. Text is returned exactly as stored (line endings included), so offsets into it are offsets
into the input; only a byte-order mark, which is encoding and not text, is dropped.

What a PATH is (`classify`): `-` (JSONL on stdin), a saved Dataset folder, a folder (every `.txt`
below it, the suffix in any case), or a file: text when named `.txt`, JSONL when named `.jsonl` or
`.ndjson` (any case). A file whose name does not tell (`/dev/stdin`, `<(cat x.jsonl)`, `notes`) is
read as `input_format` says ("jsonl" or "text"); without it the run stops before reading anything
(RunError).

Ids (../shared/spec/OUTPUT.md): a file given directly: its stem; a `.txt` found in a folder: its
path below the folder without the suffix, `/`-separated (`2024/01`); a JSONL line: its `id` (a
string or an integer), else `BASE:LINE` with BASE built like a file's id.

No input blocks or crashes the reader. A subfolder it cannot list and a file it cannot read are a
`read` error each; in folders only regular files are opened (a FIFO named `b.txt` is a `read`
error, never waited on); a file given directly is opened without waiting (a FIFO without a writer
reads as empty) and read no further than `max_chars` allows (a device without end is `too-long`).
A JSONL line nested deeper than MAX_DEPTH, or holding a lone surrogate (`"\\udc80"`: no UTF-8
output can hold it), is a `json` error.

Error kinds: not-found, read, binary, decode, json, missing-text, empty, too-long, duplicate-id.
A file that is not UTF-8 but has a UTF-16/UTF-32 byte-order mark, or is confidently GB18030/GBK
Chinese (zxie.io.decoding), is decoded: its Document carries meta["encoding"] and is preceded by a
notice, an InputError of kind "decoded-ENCODING" (`.notice` is True): the document is still
extracted, it did not fail.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zxie.io.decoding import Undecodable, decode_bytes, decode_utf8

NOTICE_PREFIX = "decoded-"
TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
INPUT_FORMATS = ("jsonl", "text")
MAX_DEPTH = 64  # nesting of a JSONL line
# UTF-8, GB18030, UTF-16 and UTF-32 take at most 4 bytes a character (plus a byte-order mark); a
# JSONL line at most 12 (a \ud83d\ude00 escape pair), plus room for its other fields.
TEXT_BYTES_PER_CHAR, LINE_BYTES_PER_CHAR, LINE_EXTRA_BYTES = 4, 12, 1 << 20
SKIP_LINES = 64  # a line too long to read is skipped for at most this many times the longest line read
_SURROGATE = re.compile("[\ud800-\udfff]")


class RunError(Exception):
    """A problem of the run itself, not of one document (an output that cannot be written or is an
    input, an input whose format cannot be told, another run writing the same output): the CLI
    prints one `error:` line and exits 2."""


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


@dataclass(frozen=True)
class Source:
    """One PATH argument."""

    kind: str            # "stdin", "dataset", "folder", "jsonl" or "text"
    path: Path | None    # None for stdin
    stream: bool = False  # a pipe, device or stdin: it can be read only once


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def _format_of(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return "text" if suffix in TEXT_SUFFIXES else "jsonl" if suffix in JSONL_SUFFIXES else None


def is_saved_dataset(path: Path) -> bool:
    """A folder written by `datasets.Dataset.save_to_disk`."""
    try:
        return path.is_dir() and (path / "state.json").exists() and (path / "dataset_info.json").exists()
    except OSError:  # an unreadable folder: reported when it is read
        return False


def classify(paths: Iterable[str | Path], input_format: str | None = None) -> list[Source]:
    """What each PATH is; RunError for a file whose format neither its name nor `input_format` tells.
    A path that cannot be looked at (missing, no permission) is classified by its name and reported
    as its document's error when read."""
    if input_format not in (None, *INPUT_FORMATS):
        raise RunError(f"unknown input format {input_format!r} (jsonl or text)")
    sources, unknown = [], []
    for p in paths:
        if str(p) == "-":
            sources.append(Source("stdin", None, stream=True))
            continue
        path = Path(p)
        try:
            mode = path.stat().st_mode
        except OSError:
            sources.append(Source(_format_of(path) or input_format or "text", path))
            continue
        if stat.S_ISDIR(mode):
            sources.append(Source("dataset" if is_saved_dataset(path) else "folder", path))
        elif (fmt := _format_of(path) or input_format) is None:
            unknown.append(str(path))
        else:
            sources.append(Source(fmt, path, stream=not stat.S_ISREG(mode)))
    if unknown:
        raise RunError(f"cannot tell from the name whether {', '.join(unknown)} holds JSONL or text: "
                       "give --input-format jsonl or --input-format text")
    return sources


def input_clash(out: Path, sources: list[Source]) -> Path | None:
    """The input that file OUT is (the same file, whatever the spelling or links) or would be read
    as (a .txt inside an input folder); None when OUT is no input."""
    real = Path(os.path.realpath(out))
    for src in sources:
        if src.path is None:
            continue
        try:
            if src.kind == "folder":
                if real.suffix.lower() in TEXT_SUFFIXES and real.is_relative_to(os.path.realpath(src.path)):
                    return src.path
            elif out.exists() and src.path.exists() and os.path.samefile(out, src.path):
                return src.path
        except OSError:
            continue
    return None


def _too_long(doc_id: str | None, source: str, size: str, max_chars: int) -> InputError:
    return InputError(doc_id, source, "too-long", f"{size}, over the limit of {max_chars} (--max-chars)")


def _length(fh) -> str:
    """'N characters' of an open file too long to keep, counted block by block (its size in
    bytes when it is not UTF-8)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    chars = 0
    try:
        for block in iter(lambda: fh.read(1 << 20), b""):
            chars += len(decoder.decode(block))
        chars += len(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        return f"{os.fstat(fh.fileno()).st_size} bytes"
    return f"{chars} characters"


def _open(path: Path):
    """(binary file, stat) of PATH, opened without waiting (O_NONBLOCK: a FIFO without a writer
    opens at once); reads then block as usual."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), st
    except BaseException:
        os.close(fd)
        raise


def _read_text(fh, st: os.stat_result, doc_id: str, source: str, max_chars: int | None) -> Iterator[Document | InputError]:
    cap = TEXT_BYTES_PER_CHAR * (max_chars + 1) if max_chars else None
    if cap and stat.S_ISREG(st.st_mode) and st.st_size > cap:
        yield _too_long(doc_id, source, _length(fh), max_chars)
        return
    data = fh.read(cap + 1) if cap else fh.read()
    if cap and len(data) > cap:  # a stream: read no further
        yield _too_long(doc_id, source, f"more than {max_chars} characters", max_chars)
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


def _lines(fh, cap: int | None) -> Iterator[bytes | bool]:
    """The lines of a binary stream. A line over `cap` bytes comes as True, skipped without being
    held; one that does not end within SKIP_LINES × cap bytes (a device without end) as False,
    and nothing is read after it."""
    while line := (fh.readline(cap + 1) if cap else fh.readline()):
        if cap and len(line) > cap:
            skipped = len(line)
            while line and not line.endswith(b"\n"):
                if skipped > SKIP_LINES * cap:
                    yield False
                    return
                line = fh.readline(1 << 20)
                skipped += len(line)
            yield True
        else:
            yield line


def _json_problem(data: dict) -> str | None:
    """Why a parsed JSONL object cannot become a record: nesting deeper than MAX_DEPTH, or a key or
    string with a lone surrogate. Iterative, so no depth of nesting can overflow the stack."""
    stack = [(key, value, 1) for key, value in data.items()]
    while stack:
        name, value, depth = stack.pop()
        for s in (name, value):
            if isinstance(s, str) and (m := _SURROGATE.search(s)):
                return f"has a lone surrogate ({m.group()!r}) in field {name!r}: not Unicode text"
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                return f"nests field {name!r} deeper than {MAX_DEPTH} levels"
            pairs = value.items() if isinstance(value, dict) else ((name, v) for v in value)
            stack.extend((k, v, depth + 1) for k, v in pairs)
    return None


def _jsonl_line(raw: bytes, n: int, where: str, base: str) -> Iterator[Document | InputError]:
    encoding = "utf-8"
    try:
        try:
            line = decode_utf8(raw)
        except UnicodeDecodeError:
            line, encoding = decode_bytes(raw)  # a GB18030 line, or Undecodable
        data = json.loads(line)
    except (Undecodable, ValueError) as err:  # json.JSONDecodeError is a ValueError
        yield InputError(None, where, "json", f"line {n} is not a JSON object: {err}")
        return
    except RecursionError:
        yield InputError(None, where, "json", f"line {n} is nested too deeply to read (over {MAX_DEPTH} levels)")
        return
    problem = "is not a JSON object" if not isinstance(data, dict) else _json_problem(data)
    if problem:
        yield InputError(None, where, "json", f"line {n} {problem}")
        return
    raw_id = data.pop("id", None)
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        yield InputError(None, where, "json", f"line {n} has an `id` that is neither a string nor an integer")
        return
    doc_id = str(raw_id) if raw_id is not None else f"{base}:{n}"
    text = data.pop("text", None)
    if not isinstance(text, str):
        yield InputError(doc_id, where, "missing-text", f"line {n} has no string `text`")
        return
    if encoding != "utf-8":
        yield InputError(doc_id, where, f"{NOTICE_PREFIX}{encoding}",
                         f"line {n} is not UTF-8: decoded as {encoding} (confident); offsets index the decoded text")
        data["encoding"] = encoding
    yield Document(doc_id, text, where, meta=data)


def _read_jsonl(fh, source: str, base: str, max_chars: int | None) -> Iterator[Document | InputError]:
    cap = LINE_BYTES_PER_CHAR * max_chars + LINE_EXTRA_BYTES if max_chars else None
    for n, raw in enumerate(_lines(fh, cap), 1):
        where = f"{source}:{n}"
        if isinstance(raw, bool):
            rest = "" if raw else "; it does not end, and nothing after it was read"
            yield InputError(None, where, "too-long", f"line {n} is over {cap} bytes, more than a text within "
                                                      f"the limit of {max_chars} characters (--max-chars) takes{rest}")
        elif raw.strip():
            yield from _jsonl_line(raw, n, where, base)


def _read_file(path: Path, fmt: str, doc_id: str, max_chars: int | None) -> Iterator[Document | InputError]:
    """The documents of one file (text or JSONL); errors for a file that cannot be opened or read."""
    source = str(path)
    try:
        fh, st = _open(path)
    except OSError as err:
        if err.errno == errno.ENOENT:
            yield InputError(doc_id, source, "not-found", "no such file or folder")
        else:
            yield InputError(doc_id, source, "read", _why(err))
        return
    with fh:
        try:
            if fmt == "jsonl":
                yield from _read_jsonl(fh, source, doc_id, max_chars)
            else:
                yield from _read_text(fh, st, doc_id, source, max_chars)
        except OSError as err:
            yield InputError(doc_id, source, "read", _why(err))


def _walk(folder: Path) -> Iterator[tuple[Path, str] | InputError]:
    """(file, id) of every .txt (any case) below FOLDER, in path order, without following links to
    folders; an InputError for every folder it cannot list and every .txt that is not a regular
    file. Iterative: no depth of folders can overflow the stack."""
    stack: list[tuple] = [("folder", ())]
    while stack:
        top = stack.pop()
        if top[0] == "file":
            _, parts, entry = top
            doc_id = "/".join((*parts, Path(entry.name).stem))
            try:
                regular = entry.is_file()  # follows a link to a file
            except OSError:
                regular = False
            if regular:
                yield Path(entry.path), doc_id
            else:
                yield InputError(doc_id, entry.path, "read", "not a regular file (a FIFO, socket, device or broken link): not read")
            continue
        parts = top[1]
        here = folder.joinpath(*parts)
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)  # popped in name order
        except OSError as err:
            yield InputError(None, str(here), "read", f"cannot list this folder ({_why(err)}): the files in it were not read")
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(("folder", (*parts, entry.name)))
            elif Path(entry.name).suffix.lower() in TEXT_SUFFIXES:
                stack.append(("file", parts, entry))


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


def _read_source(src: Source, max_chars: int | None, text_column: str, id_column: str) -> Iterator[Document | InputError]:
    if src.kind == "stdin":
        yield from _read_jsonl(sys.stdin.buffer, "<stdin>", "<stdin>", max_chars)
    elif src.kind == "dataset":
        yield from _read_dataset(src.path, text_column, id_column)
    elif src.kind == "folder":
        for found in _walk(src.path):
            if isinstance(found, InputError):
                yield found
            else:
                yield from _read_file(found[0], "text", found[1], max_chars)
    else:
        yield from _read_file(src.path, src.kind, src.path.stem, max_chars)


def count_documents(paths: Iterable[str | Path], input_format: str | None = None) -> int | None:
    """About how many documents (and document-level errors) the inputs hold, for a progress bar's
    ETA (a JSONL file counts its lines); None when unknown (stdin, a pipe)."""
    total = 0
    try:
        sources = classify(paths, input_format)
    except RunError:
        return None
    for src in sources:
        if src.stream:
            return None
        if src.kind == "folder":
            total += sum(1 for _ in _walk(src.path))
        elif src.kind == "jsonl":
            try:
                with open(src.path, "rb") as fh:
                    total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
            except OSError:
                total += 1
        elif src.kind == "dataset":
            import datasets

            try:
                total += len(datasets.load_from_disk(str(src.path)))
            except Exception:  # noqa: BLE001 - reported properly when read
                total += 1
        else:
            total += 1
    return total


def read_documents(paths: Iterable[str | Path], max_chars: int | None = None, text_column: str = "text",
                   id_column: str = "id", input_format: str | None = None) -> Iterator[Document | InputError]:
    """Every input document in order; bad ones as InputError (also empty or whitespace-only texts,
    texts over `max_chars` characters, and repeated ids). RunError (at the first item) when a
    PATH's format cannot be told (see `classify`)."""
    seen: set[str] = set()
    for src in classify(paths, input_format):
        for item in _read_source(src, max_chars, text_column, id_column):
            if isinstance(item, Document):
                if not item.text.strip():
                    item = InputError(item.id, item.source, "empty", "the document is empty or only whitespace")
                elif max_chars and len(item.text) > max_chars:
                    item = _too_long(item.id, item.source, f"{len(item.text)} characters", max_chars)
                elif item.id in seen:
                    item = InputError(item.id, item.source, "duplicate-id", f"id {item.id!r} was already processed")
                else:
                    seen.add(item.id)
            yield item
