"""Engines turn a stream of input items (Documents and InputErrors) into a stream of results
(records and InputErrors), without ever holding more than a bounded window of work:

- InlineEngine: in this process (`--n-process 1`).
- PoolEngine: N worker processes, one model load each (`--n-process N`).
- DaskEngine: the workers of a Dask distributed cluster (`--engine dask [--scheduler ADDRESS]`),
  or of a LocalCluster started for the run.

Parallel engines send partitions of documents; results come back in input order (so the output
is identical to the inline engine's) or, with `ordered=False`, as partitions finish.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures import wait as wait_futures
from pathlib import Path

from zxie.batch import worker
from zxie.io.inputs import Document, InputError


def partitions(items: Iterable, max_docs: int, max_chars: int) -> Iterator[list]:
    """Consecutive groups of at most `max_docs` items or about `max_chars` characters."""
    part, chars = [], 0
    for item in items:
        part.append(item)
        chars += len(item.text) if isinstance(item, Document) else 0
        if len(part) >= max_docs or chars >= max_chars:
            yield part
            part, chars = [], 0
    if part:
        yield part


def windowed(submit: Callable, parts: Iterable[list], window: int, ordered: bool, wait_first: Callable,
             fallback: Callable | None = None) -> Iterator:
    """Submit partitions, keeping at most `window` in flight; yield their results' items. When a
    partition's future fails, `fallback(part, error)` gives its results instead (or re-raises)."""
    pending: deque = deque()  # [part, future]

    def take():
        if ordered:
            part, fut = pending.popleft()
        else:
            done = wait_first([f for _, f in pending])
            k = next(i for i, e in enumerate(pending) if e[1] in done)
            part, fut = pending[k]
            del pending[k]
        try:
            return fut.result()
        except Exception as err:  # noqa: BLE001 - the fallback decides
            if fallback is None:
                raise
            return fallback(part, err)

    for part in parts:
        pending.append([part, submit(part)])
        while len(pending) >= window:
            yield from take()
    while pending:
        yield from take()


def died_on(item) -> InputError | object:
    """The error of a document whose worker died while processing it (an InputError passes)."""
    if isinstance(item, Document):
        return InputError(item.id, item.source, "processing", "a worker process died while processing this document")
    return item


class InlineEngine:
    def __init__(self, model: Path, batch_size: int, chunk_chars: int):
        from zxie.extract import Extractor

        self.extractor = Extractor(model, batch_size=batch_size, chunk_chars=chunk_chars)
        self.workers = 1

    def run(self, items: Iterable[Document | InputError], ordered: bool = True) -> Iterator[dict | InputError]:
        return self.extractor.records(items)

    def close(self) -> None:
        pass


class PoolEngine:
    """N worker processes (spawned), each loading the model once in its initializer.

    A worker process that dies (a crash in native code, the kernel's OOM killer) breaks the pool:
    the pool is restarted and the partition that was being waited for is run again one document at
    a time, so the document that kills a worker is found and reported ("processing") and the batch
    goes on; the other partitions in flight are sent again whole. Workers die with this process
    (worker.init_process), even when it is killed."""

    def __init__(self, model: Path, n_process: int, batch_size: int, chunk_chars: int, partition_docs: int,
                 partition_chars: int, task: Callable = worker.process_partition):
        self.workers = n_process
        self.partition_docs, self.partition_chars = partition_docs, partition_chars
        self.task = task
        self._pool_args = dict(max_workers=n_process, mp_context=multiprocessing.get_context("spawn"),
                               initializer=worker.init_process, initargs=(str(model), batch_size, chunk_chars, os.getpid()))
        self.pool = ProcessPoolExecutor(**self._pool_args)
        self.restarts = 0
        self._start()

    def _start(self) -> None:
        """Start every worker now (each loads the model in its initializer), not on the first partition."""
        for fut in [self.pool.submit(worker.ready) for _ in range(self.workers)]:
            fut.result()

    def _restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = ProcessPoolExecutor(**self._pool_args)
        self.restarts += 1
        self._start()

    def _isolate(self, part: list) -> list:
        """Run a partition one document at a time, alone in the pool."""
        out = []
        for item in part:
            try:
                out.extend(self.pool.submit(self.task, [item]).result())
            except BrokenProcessPool:
                self._restart()
                out.append(died_on(item))
        return out

    def run(self, items, ordered: bool = True):
        pending: deque = deque()  # [part, future]

        def take():
            if ordered:
                entry = pending.popleft()
            else:
                done = wait_futures([f for _, f in pending], return_when=FIRST_COMPLETED).done
                k = next(i for i, e in enumerate(pending) if e[1] in done)
                entry = pending[k]
                del pending[k]
            try:
                return entry[1].result()
            except BrokenProcessPool:
                self._restart()
                out = self._isolate(entry[0])
                for other in pending:  # lost with the old pool: send again
                    other[1] = self.pool.submit(self.task, other[0])
                return out

        for part in partitions(items, self.partition_docs, self.partition_chars):
            pending.append([part, self.pool.submit(self.task, part)])
            while len(pending) >= 2 * self.workers:
                yield from take()
        while pending:
            yield from take()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """Runs partitions on a Dask cluster. The model travels to the workers inside a WorkerPlugin
    (zipped), so workers need zxie installed but not the model's files."""

    def __init__(self, model: Path, scheduler: str | None, n_workers: int, batch_size: int, chunk_chars: int,
                 partition_docs: int, partition_chars: int, task: Callable = worker.dask_process_partition):
        from distributed import Client, LocalCluster

        from zxie.batch.dask_plugin import ModelPlugin

        self.partition_docs, self.partition_chars = partition_docs, partition_chars
        self.task = task
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
        try:
            archive = worker.zip_model(model)
            self.plugin_name = f"zxie-model-{hashlib.sha1(archive).hexdigest()[:12]}-{batch_size}-{chunk_chars}"
            self.client.register_plugin(ModelPlugin(self.plugin_name, archive, batch_size, chunk_chars), name=self.plugin_name)
            self.workers = max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))
        except BaseException:
            self.close()
            raise

    def run(self, items, ordered: bool = True):
        from distributed import KilledWorker, wait

        def first_done(futs):
            return wait(futs, return_when="FIRST_COMPLETED").done

        def submit(part):
            return self.client.submit(self.task, part, self.plugin_name, pure=False)

        def isolate(part, err):
            """A partition whose workers kept dying (Dask's allowed-failures): one document at a time."""
            if not isinstance(err, KilledWorker):
                raise err
            out = []
            for item in part:
                try:
                    out.extend(submit([item]).result())
                except KilledWorker:
                    out.append(died_on(item))
            return out

        parts = partitions(items, self.partition_docs, self.partition_chars)
        return windowed(submit, parts, 2 * self.workers, ordered, first_done, isolate)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
