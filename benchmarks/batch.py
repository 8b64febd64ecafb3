"""Batch extraction speed and memory: 1 process, 2 processes, Dask with 2 workers, and jieba.posseg
(one process) on the same documents in the same run.

    python benchmarks/batch.py [--model DIR] [--docs 2000] [--memory-docs 1000 10000] [--json OUT]

The corpus is built from the seed reports (../shared/seeds): every paragraph of at least 20
characters is a document, and the paragraphs are cycled (with new ids) until there are --docs
documents. Memory flatness is measured on documents of one sentence each, at each of
--memory-docs documents, with one process.

Each configuration runs in a fresh Python process (`--one CONFIG`, internal) so that memory is its
own: the models are loaded and warmed up first (not timed), then the whole corpus is read from a
JSONL file and written to an output JSONL file through the same code as `zxie extract`.
characters/s = corpus characters / that time. Peak memory = the highest sum of the resident set
sizes of the process and all its child processes (workers), sampled every 50 ms with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from speed import jieba_chars_per_s  # benchmarks/ is on sys.path when a benchmark runs as a script

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"1-process": ("local", 1), "2-processes": ("local", 2), "dask-2-workers": ("dask", 2)}


class PeakRSS:
    """The peak of (this process + its descendants) resident memory, sampled in a thread."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        self.peak = max(self.peak, total)
        return total

    def _run(self):
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()


def seed_units(seeds: Path) -> tuple[list[str], list[str]]:
    """(paragraphs, sentences) of the seed reports."""
    from zxie.text import sentence_spans

    paragraphs, sentences = [], []
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs += [p.strip() for p in text.split("\n") if len(p.strip()) >= 20]
        sentences += [text[a:b] for a, b in sentence_spans(text) if b - a >= 10]
    return paragraphs, sentences


def write_corpus(path: Path, units: list[str], n: int) -> int:
    chars = 0
    with open(path, "w", encoding="utf-8") as fh:
        for k in range(n):
            text = units[k % len(units)]
            chars += len(text)
            fh.write(json.dumps({"id": f"d{k:06d}", "text": text}, ensure_ascii=False) + "\n")
    return chars


def run_one(config: str, model: str | None, corpus: Path, out: Path) -> dict:
    """Inside the fresh process: load, warm up, then time the corpus through the engine."""
    from zxie.batch.run import BatchSettings, make_engine
    from zxie.extract import check_model
    from zxie.io.inputs import Document, read_documents
    from zxie.io.records import RecordWriter

    engine_kind, workers = CONFIGS[config]
    settings = BatchSettings(model=model, engine=engine_kind, n_process=workers)
    with PeakRSS() as rss:
        t = time.perf_counter()
        engine = make_engine(settings, check_model(model))
        warm = [Document(f"w{k}", "区政协召开会议，刘浩出席。", "<warm>") for k in range(settings.partition_docs * workers * 2)]
        list(engine.run(warm))  # every worker has loaded its model
        load_s = time.perf_counter() - t
        chars = docs = 0
        t = time.perf_counter()
        with RecordWriter(out) as writer:
            for rec in engine.run(read_documents([corpus])):
                writer.write(rec)
                chars += rec["meta"]["chars"]
                docs += 1
        seconds = time.perf_counter() - t
        engine.close()
    return {"config": config, "docs": docs, "chars": chars, "load_s": round(load_s, 1), "seconds": round(seconds, 1),
            "chars_per_s": round(chars / seconds), "peak_rss_mb": round(rss.peak / 2**20)}


def measure(config: str, model: str | None, corpus: Path, workdir: Path) -> dict:
    cmd = [sys.executable, __file__, "--one", config, "--corpus", str(corpus), "--out", str(workdir / f"{config}.jsonl")]
    if model:
        cmd += ["--model", str(model)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{config} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model directory (default: $ZXIE_MODEL or the shipped model)")
    ap.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds", help="folder of .txt seed reports")
    ap.add_argument("--docs", type=int, default=2000, help="documents in the speed corpus (≥ 2000)")
    ap.add_argument("--memory-docs", type=int, nargs="*", default=[1000, 10000], help="corpus sizes for the memory check")
    ap.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--one", choices=list(CONFIGS), help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.one:
        print(json.dumps(run_one(args.one, args.model, args.corpus, args.out)))
        return {}

    paragraphs, sentences = seed_units(args.seeds)
    work = Path(tempfile.mkdtemp(prefix="zxie-bench-"))
    corpus = work / "paragraphs.jsonl"
    chars = write_corpus(corpus, paragraphs, args.docs)
    print(f"corpus: {args.docs} documents ({len(paragraphs)} distinct seed paragraphs, cycled), {chars} characters", file=sys.stderr)
    result = {"docs": args.docs, "distinct_paragraphs": len(paragraphs), "chars": chars, "cpus": os.cpu_count(),
              "load_average_at_start": round(os.getloadavg()[0], 2), "runs": {}}
    for config in args.configs:
        print(f"running {config} ...", file=sys.stderr)
        result["runs"][config] = measure(config, args.model, corpus, work)
        print(f"  {result['runs'][config]}", file=sys.stderr)
    texts = [paragraphs[k % len(paragraphs)] for k in range(args.docs)]
    result["jieba_posseg_chars_per_s"] = round(jieba_chars_per_s(texts, runs=3))
    runs = result["runs"]
    if "1-process" in runs and "2-processes" in runs:
        result["scaling_efficiency_2_over_1"] = round(runs["2-processes"]["chars_per_s"] / runs["1-process"]["chars_per_s"], 2)
    if "1-process" in runs:
        result["zxie_1_process_over_jieba"] = round(runs["1-process"]["chars_per_s"] / result["jieba_posseg_chars_per_s"], 3)
    result["memory"] = {}
    for n in args.memory_docs:
        mem_corpus = work / f"sentences-{n}.jsonl"
        write_corpus(mem_corpus, sentences, n)
        print(f"memory check: {n} one-sentence documents, 1 process ...", file=sys.stderr)
        run = measure("1-process", args.model, mem_corpus, work)
        result["memory"][f"{n}_docs"] = {"peak_rss_mb": run["peak_rss_mb"], "chars": run["chars"], "chars_per_s": run["chars_per_s"]}
    result["load_average_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
