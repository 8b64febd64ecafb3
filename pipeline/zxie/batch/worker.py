"""What runs inside a worker process: one Extractor per process, loaded once, used for every
partition of documents the process is sent (process pool initializer, or a Dask WorkerPlugin,
zxie.batch.dask_plugin, which only the Dask engine imports: distributed takes 0.5 s to import)."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
import zipfile
from pathlib import Path

_EXTRACTOR = None


def one_thread() -> None:
    """Each worker process is one of N: keep BLAS/OpenMP from starting threads of its own."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        pass


def _die_with(parent: int) -> None:
    """End this process soon after PARENT is gone, however it ended (SIGTERM, SIGKILL): an
    orphan is adopted by another process, which a daemon thread notices within half a second."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="zxie-parent-watch", daemon=True).start()


def init_process(model: str, batch_size: int, chunk_chars: int, parent: int | None = None) -> None:
    """Process-pool initializer: die with PARENT (the process that runs the batch), leave Ctrl-C to
    it (it stops the pool), and load the model once in this process."""
    global _EXTRACTOR
    from zxie.extract import Extractor

    if parent is not None:
        _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_thread()
    _EXTRACTOR = Extractor(model, batch_size=batch_size, chunk_chars=chunk_chars)


def ready() -> int:
    """A no-op task: this process has started and loaded its model."""
    import os

    return os.getpid()


def process_partition(items: list) -> list:
    """Records (or InputErrors) for a partition of documents, in its order."""
    return list(_EXTRACTOR.records(items))


def zip_model(model: Path) -> bytes:
    """A model directory as zip bytes, to ship to workers that may not share our filesystem."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(model.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(model).as_posix())
    return buf.getvalue()


def dask_process_partition(items: list, plugin_name: str) -> list:
    """Records for a partition of documents on a Dask worker, with the worker's loaded model."""
    from distributed import get_worker

    plugin = get_worker().plugins[plugin_name]
    with plugin.lock:
        return list(plugin.extractor.records(items))
