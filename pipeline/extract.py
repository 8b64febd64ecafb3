"""The extraction API: documents in, records out. The CLI's `zxie extract` is a thin layer on it.

    from pipeline.extract import Extractor
    ex = Extractor()                       # the shipped default model
    record = ex.extract_text("……", doc_id="h01")
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy

from pipeline.inputs import Document, InputError, read_documents
from pipeline.records import RecordWriter, doc_record

DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models" / "zxie-default"


def default_model() -> Path:
    """$ZXIE_MODEL, or the model shipped in the repository's models/ folder."""
    return Path(os.environ.get("ZXIE_MODEL", DEFAULT_MODEL))


class Extractor:
    def __init__(self, model: str | Path | None = None, batch_size: int = 16):
        path = Path(model) if model else default_model()
        if not (path / "meta.json").exists():
            raise FileNotFoundError(f"no zxie model at {path}")
        self.nlp = spacy.load(path)
        self.model_name = f"{self.nlp.meta.get('name', 'zxie')}-{self.nlp.meta.get('version', '0')}"
        self.batch_size = batch_size

    def extract_text(self, text: str, doc_id: str = "doc", source: str = "<text>") -> dict:
        return doc_record(self.nlp(text), Document(doc_id, text, source), self.model_name)

    def records(self, items: Iterable[Document | InputError]) -> Iterator[dict | InputError]:
        """Records (or the input errors) in input order."""
        pending: list[Document] = []

        def flush():
            for doc, src in zip(self.nlp.pipe((d.text for d in pending), batch_size=self.batch_size), pending):
                yield doc_record(doc, src, self.model_name)
            pending.clear()

        for item in items:
            if isinstance(item, InputError):
                yield from flush()
                yield item
                continue
            pending.append(item)
            if len(pending) >= self.batch_size:
                yield from flush()
        yield from flush()


def extract_paths(paths: Iterable[str | Path], out: str | Path, model: str | Path | None = None, progress: bool = False) -> tuple[int, int]:
    """Extract every input document to OUT; returns (records written, documents failed)."""
    from tqdm import tqdm

    extractor = Extractor(model)
    with RecordWriter(out) as writer:
        bar = tqdm(unit="doc", disable=not progress, desc="extract")
        for item in extractor.records(read_documents(paths)):
            if isinstance(item, InputError):
                writer.error(item)
            else:
                writer.write(item)
                bar.set_postfix(chars=item["meta"]["chars"], refresh=False)
            bar.update(1)
        bar.close()
        return writer.written, writer.failed
