"""The Dask WorkerPlugin that carries the model to every worker of a cluster (zxie.batch.engines.DaskEngine).

Its own module, so that only a Dask run imports distributed."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from zxie.batch.worker import one_thread


class ModelPlugin(WorkerPlugin):
    """A Dask WorkerPlugin carrying the model (zipped): every worker, including ones that join
    later, unpacks it into its local directory and loads it once in `setup`."""

    def __init__(self, name: str, archive: bytes, batch_size: int, chunk_chars: int):
        self.name = name
        self.archive = archive
        self.batch_size = batch_size
        self.chunk_chars = chunk_chars
        self.extractor = None
        self.lock = None

    def setup(self, worker):
        from zxie.extract import Extractor

        one_thread()
        target = Path(worker.local_directory) / self.name
        if not (target / "meta.json").exists():
            with zipfile.ZipFile(io.BytesIO(self.archive)) as zf:
                zf.extractall(target)
        self.archive = b""  # unpacked: free the memory
        self.extractor = Extractor(target, batch_size=self.batch_size, chunk_chars=self.chunk_chars)
        self.lock = threading.Lock()  # spaCy pipelines are not thread-safe: one partition at a time
