"""The extraction API: documents in, records out. The CLI's `zxie extract` is a thin layer on it.

    from zxie.extract import Extractor
    ex = Extractor()                       # the shipped default model
    record = ex.extract_text("……", doc_id="h01")

For many documents, `zxie.batch.run.run_batch` (and `extract_paths` over it) streams inputs
to an output file with several processes or a Dask cluster, resumes after a crash, and reports bad
input without stopping.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from zxie.chunks import chunk_spans, merge_chunk_records
from zxie.io.inputs import Document, InputError
from zxie.io.records import doc_record

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "zxie-default"
# Documents longer than this many characters are processed in chunks cut at sentence boundaries
# (zxie.chunks; a sentence longer than this is cut in overlapping pieces).
DEFAULT_CHUNK_CHARS = 20_000


def default_model() -> Path:
    """$ZXIE_MODEL, or the model shipped in the repository's models/ folder."""
    return Path(os.environ.get("ZXIE_MODEL", DEFAULT_MODEL))


def check_model(model: str | Path | None) -> Path:
    """The model directory to use; FileNotFoundError if there is no model there."""
    path = Path(model) if model else default_model()
    if not (path / "meta.json").exists():
        raise FileNotFoundError(f"no zxie model at {path}")
    return path


class Extractor:
    def __init__(self, model: str | Path | None = None, batch_size: int = 16, chunk_chars: int = DEFAULT_CHUNK_CHARS):
        import spacy

        path = check_model(model)
        self.nlp = spacy.load(path)
        self.model_name = f"{self.nlp.meta.get('name', 'zxie')}-{self.nlp.meta.get('version', '0')}"
        self.batch_size = batch_size
        self.chunk_chars = chunk_chars
        if chunk_chars > 0:
            self.nlp.max_length = max(self.nlp.max_length, chunk_chars + 1)

    def extract_text(self, text: str, doc_id: str = "doc", source: str = "<text>") -> dict:
        result = next(iter(self.records([Document(doc_id, text, source)])))
        if isinstance(result, InputError):
            raise ValueError(f"{doc_id}: {result.message}")
        return result

    def _process(self, pending: list[tuple[Document, list[tuple[int, int]]]]) -> list[dict | InputError]:
        """Records of documents cut into chunks, the chunks run through the model in batches: a
        chunk's Doc becomes a (chunk) record at once, so memory is bounded by the batch of
        chunks, not by the length of a document."""
        pieces = [(k, span) for k, (_, spans) in enumerate(pending) for span in spans]
        texts = (pending[k][0].text[a:b] for k, (a, b) in pieces)
        parts: list[list] = [[] for _ in pending]
        try:
            for (k, (a, b)), doc in zip(pieces, self.nlp.pipe(texts, batch_size=self.batch_size)):
                src, spans = pending[k]
                piece = src if len(spans) == 1 else Document(src.id, src.text[a:b], src.source)
                parts[k].append(((a, b), doc_record(doc, piece, self.model_name)))
            return [part[0][1] if len(part) == 1 else
                    merge_chunk_records(doc_record(self.nlp.make_doc(""), src, self.model_name), part)
                    for (src, _), part in zip(pending, parts)]
        except Exception as err:  # noqa: BLE001 - isolate the document that fails, the rest goes on
            if len(pending) == 1:
                src = pending[0][0]
                return [InputError(src.id, src.source, "processing", f"the model failed on this document: {type(err).__name__}: {err}")]
        return [out for one in pending for out in self._process([one])]

    def records(self, items: Iterable[Document | InputError]) -> Iterator[dict | InputError]:
        """Records (or the input errors) in input order. Long documents are processed in chunks
        cut at sentence boundaries (zxie.chunks), with offsets into the whole text."""
        pending: list[tuple[Document, list[tuple[int, int]]]] = []
        size = 0
        for item in items:
            if isinstance(item, InputError):
                if pending:
                    yield from self._process(pending)
                    pending, size = [], 0
                yield item
                continue
            spans = chunk_spans(item.text, self.chunk_chars)
            pending.append((item, spans))
            size += len(spans)
            if size >= self.batch_size:
                yield from self._process(pending)
                pending, size = [], 0
        if pending:
            yield from self._process(pending)
