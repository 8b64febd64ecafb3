"""Speed of the full zxie pipeline against jieba.posseg, on the same texts in the same run.

    python benchmarks/speed.py [--model DIR] [--texts DIR] [--runs 5] [--json OUT]

Reports the time to import spaCy and zxie and then to load the model, characters per second
(median of --runs passes over all texts, model loaded, one process) for zxie and for jieba.posseg,
their ratio, the process's peak memory, and the median cost of each pipeline component in
microseconds per character (for a trainable component such as the NER, also its `predict` and its
`set_annotations` apart). Start-up from a cold process: benchmarks/startup.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, runs: int, cpu: list | None = None) -> list[float]:
    """Wall seconds of RUNS calls of FN; their CPU seconds (this process) appended to CPU if given."""
    out = []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append(time.perf_counter() - t)
        if cpu is not None:
            cpu.append(time.process_time() - c)
    return out


def jieba_chars_per_s(texts: list[str], runs: int, cpu: list | None = None) -> float:
    """Characters per second of jieba.posseg over TEXTS (median of RUNS passes, dictionary loaded);
    the passes' CPU seconds appended to CPU if given."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    list(jieba.posseg.cut(texts[0]))  # loads jieba's dictionary: not timed
    seconds = timed(lambda: [list(jieba.posseg.cut(t)) for t in texts], runs, cpu)
    return sum(map(len, texts)) / statistics.median(seconds)


def component_costs(nlp, texts: list[str], runs: int) -> dict[str, float]:
    """Median microseconds per character of the tokenizer and of each component, each timed on the
    output of the ones before it; a component with `predict` and `set_annotations` also has them
    timed apart (NAME.predict, NAME.set_annotations)."""
    chars = sum(map(len, texts))
    costs = {"tokenizer": timed(lambda: [nlp.make_doc(t) for t in texts], runs)}
    docs = [nlp.make_doc(t) for t in texts]
    for name, component in nlp.pipeline:
        if hasattr(component, "predict") and hasattr(component, "set_annotations"):
            costs[f"{name}.predict"] = timed(lambda: [component.predict([doc]) for doc in docs], runs)
            scores = [component.predict([doc]) for doc in docs]
            costs[f"{name}.set_annotations"] = timed(lambda: [component.set_annotations([d], s) for d, s in zip(docs, scores)], runs)
        costs[name] = timed(lambda: [component(doc) for doc in docs], runs)
    return {name: round(statistics.median(s) / chars * 1e6, 1) for name, s in costs.items()}


def report(result: dict, json_path: Path | None) -> dict:
    """Print a benchmark's results one per line, and write them to json_path as well if given."""
    width = max(map(len, result)) + 1
    for key, value in result.items():
        print(f"{key:{width}} {value}")
    if json_path:
        json_path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    ap.add_argument("--texts", type=Path, default=ROOT.parent / "shared" / "seeds", help="folder of .txt files")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)

    texts = [p.read_text(encoding="utf-8") for p in sorted(args.texts.glob("*.txt"))]
    chars = sum(map(len, texts))

    t = time.perf_counter()
    import spacy  # noqa: F401

    from zxie.extract import Extractor

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    extractor = Extractor(args.model)
    load_s = time.perf_counter() - t
    nlp = extractor.nlp
    list(nlp.pipe(texts[:1]))  # warm-up
    zxie_cpu, jieba_cpu = [], []
    zxie_s = timed(lambda: list(nlp.pipe(texts)), args.runs, zxie_cpu)
    per_component = component_costs(nlp, texts, args.runs)

    jieba_cps = jieba_chars_per_s(texts, args.runs, jieba_cpu)
    zxie_cps = chars / statistics.median(zxie_s)
    result = {
        "texts": len(texts),
        "chars": chars,
        "runs": args.runs,
        "model": extractor.model_name,
        "load_average": round(os.getloadavg()[0], 2),
        "import_s": round(import_s, 2),
        "model_load_s": round(load_s, 2),
        "zxie_chars_per_s": round(zxie_cps),
        "jieba_posseg_chars_per_s": round(jieba_cps),
        "zxie_over_jieba": round(zxie_cps / jieba_cps, 2),
        # the same by CPU time, which a machine busy with other work stretches much less than wall time
        "zxie_chars_per_cpu_s": round(chars / statistics.median(zxie_cpu)),
        "jieba_posseg_chars_per_cpu_s": round(chars / statistics.median(jieba_cpu)),
        "zxie_over_jieba_cpu": round(statistics.median(jieba_cpu) / statistics.median(zxie_cpu), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **{f"us_per_char_{name}": cost for name, cost in per_component.items()},
    }
    return report(result, args.json)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
