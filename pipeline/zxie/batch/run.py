"""`run_batch`: inputs to an output file, streaming, in parallel, resumable, never stopped by one
bad document. The library call under `zxie extract` (and `extract_paths`, its short form).

    from zxie.batch.run import BatchSettings, run_batch
    summary = run_batch(["reports/"], "out.jsonl", BatchSettings(n_process=2, resume=True))
    summary.failed   # documents that produced an error line instead of a record
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zxie.extract import DEFAULT_CHUNK_CHARS, check_model
from zxie.io.inputs import Document, InputError, classify, count_documents, read_documents
from zxie.io.records import RecordWriter


@dataclass
class BatchSettings:
    model: str | Path | None = None
    n_process: int = 1            # worker processes (local engine) or LocalCluster workers (dask)
    engine: str = "local"         # "local" or "dask"
    scheduler: str | None = None  # Dask scheduler address; None starts a LocalCluster
    unordered: bool = False       # parallel engines: write results as partitions finish
    resume: bool = False          # keep OUT, skip documents already in it (same id and text)
    format: str = "jsonl"         # "jsonl" or "parquet"
    max_chars: int | None = 2_000_000  # longer documents are rejected ("too-long"); None: no limit
    input_format: str | None = None  # "jsonl" or "text": files whose name does not tell (/dev/stdin)
    text_column: str = "text"     # saved Dataset inputs
    id_column: str = "id"
    chunk_chars: int = DEFAULT_CHUNK_CHARS  # documents longer than this are processed in sentence chunks (0: never)
    batch_size: int = 16          # texts per nlp.pipe batch
    partition_docs: int = 32      # documents per task sent to a worker
    partition_chars: int = 200_000
    progress: bool = False


@dataclass
class BatchSummary:
    written: int = 0   # records written by this run
    skipped: int = 0   # documents already in OUT (resume)
    failed: int = 0    # documents that produced an error line (this run or the one it resumed)
    notices: int = 0   # documents processed with a notice (e.g. decoded from GB18030)
    chars: int = 0     # characters of the documents processed by this run
    seconds: float = 0.0
    output: Path | None = None
    errors: Path | None = None


def make_engine(settings: BatchSettings, model: Path):
    from zxie.batch.engines import DaskEngine, InlineEngine, PoolEngine
    chunk = settings.chunk_chars
    if settings.engine == "dask":
        return DaskEngine(model, settings.scheduler, max(1, settings.n_process), settings.batch_size, chunk,
                          settings.partition_docs, settings.partition_chars)
    if settings.engine != "local":
        raise ValueError(f"unknown engine {settings.engine!r} (local or dask)")
    if settings.n_process > 1:
        return PoolEngine(model, settings.n_process, settings.batch_size, chunk, settings.partition_docs, settings.partition_chars)
    return InlineEngine(model, settings.batch_size, chunk)


def _progress_bar(enabled: bool, total: int | None):
    """Documents done (of `total` when known, for the ETA); characters/s as a postfix."""
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", desc="extract", disable=not enabled, dynamic_ncols=True)


def run_batch(paths: Iterable[str | Path], out: str | Path, settings: BatchSettings | None = None) -> BatchSummary:
    """Extract every input document to OUT (see BatchSettings). FileNotFoundError without a model;
    zxie.io.inputs.RunError for a problem of the run itself (an output that is an input, cannot be
    written or is being written by another run; an input whose format cannot be told), raised
    before OUT is touched where it can be known then."""
    settings = settings or BatchSettings()
    model = check_model(settings.model)
    paths = list(paths)
    sources = classify(paths, settings.input_format)
    summary = BatchSummary()
    started = time.perf_counter()
    writer = RecordWriter(out, resume=settings.resume, format=settings.format, inputs=sources)
    summary.output, summary.errors = writer.path, writer.errors_path
    total = count_documents(paths, settings.input_format) if settings.progress else None
    bar = None

    def todo():
        for item in read_documents(paths, settings.max_chars, settings.text_column, settings.id_column, settings.input_format):
            if isinstance(item, Document) and writer.already_done(item):
                summary.skipped += 1
                bar.update(1)
                continue
            yield item

    with writer:
        engine = make_engine(settings, model)
        bar = _progress_bar(settings.progress, total)  # after the model load: rates and ETA are the batch's
        ready = time.perf_counter()
        try:
            for result in engine.run(todo(), ordered=not settings.unordered):
                if isinstance(result, InputError):
                    writer.error(result)
                    if result.notice:
                        continue
                else:
                    writer.write(result)
                    summary.chars += result["meta"]["chars"]
                bar.update(1)
                if settings.progress:
                    rate = summary.chars / max(time.perf_counter() - ready, 1e-9)
                    bar.set_postfix_str(f"{rate:,.0f} chars/s", refresh=False)
        finally:
            engine.close()
            bar.close()
    summary.written, summary.failed, summary.notices = writer.written, writer.failed, writer.notices
    summary.seconds = time.perf_counter() - started
    return summary


def extract_paths(paths: Iterable[str | Path], out: str | Path, model: str | Path | None = None, progress: bool = False,
                  **options) -> tuple[int, int]:
    """Extract every input document to OUT; returns (records written, documents failed).
    `options` are those of `zxie.batch.run.BatchSettings` (n_process, engine, resume, ...)."""
    summary = run_batch(paths, out, BatchSettings(model=model, progress=progress, **options))
    return summary.written, summary.failed
