"""Start-up of `zxie extract` from a cold process: one report in, one record out, model load included.

    python benchmarks/startup.py [--model DIR] [--text FILE] [--runs 5] [--json OUT]

Reports the median wall time of `python -c pass` (Python's own start-up, this interpreter and its
site packages), of `zxie extract FILE -o OUT` in a fresh process each run, and their difference,
and the same in CPU time (user + system: on a machine busy with other work, the wall time of a
one-thread command stretches, its CPU time much less);
the peak memory of those processes; and, in one more fresh process each, the time to import what
the command imports and the time spacy.load then takes on the model, and the slowest imports
that `python -X importtime` shows for the command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed import report  # benchmarks/ is on sys.path when a benchmark runs as a script

ROOT = Path(__file__).resolve().parents[1]
ZXIE = Path(sys.executable).with_name("zxie")

# the imports of `zxie extract` up to the model load, then the load itself, in a fresh process
STAGES = """
import json, sys, time
t = time.perf_counter()
import spacy
import zxie.cli, zxie.batch.run, zxie.batch.engines, zxie.extract
imported = time.perf_counter() - t
t = time.perf_counter()
spacy.load(sys.argv[1])
print(json.dumps({"import_s": imported, "model_load_s": time.perf_counter() - t}))
"""


def wall(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + system) of RUNS runs of CMD, each a fresh process."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def slowest_imports(cmd: list[str], top: int) -> list[tuple[str, float]]:
    """The top-level imports of CMD (run under -X importtime) that took longest, cumulative seconds."""
    done = subprocess.run([sys.executable, "-X", "importtime", *cmd], capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name[1:].startswith(" "):  # top level: one space before the name
            rows.append((name.strip(), int(cumulative) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "zxie-default", help="model directory")
    ap.add_argument("--text", type=Path, default=None, help="a .txt report (default: the first seed report)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    text = args.text or sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))[0]

    work = Path(tempfile.mkdtemp(prefix="zxie-startup-"))
    out = work / "out.jsonl"
    extract = [str(ZXIE), "extract", str(text), "-o", str(out), "--model", str(args.model), "-q"]
    python_s, python_cpu = wall([sys.executable, "-c", "pass"], args.runs)
    extract_s, extract_cpu = wall(extract, args.runs)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stages = [json.loads(subprocess.run([sys.executable, "-c", STAGES, str(args.model)], capture_output=True, text=True,
                                        check=True).stdout) for _ in range(args.runs)]
    cli = ["-c", "import sys; from zxie.cli import app; sys.argv[0] = 'zxie'; app()", *extract[1:]]
    result = {
        "text": str(text),
        "chars": len(text.read_text(encoding="utf-8")),
        "model": str(args.model),
        "runs": args.runs,
        "load_average": round(os.getloadavg()[0], 2),
        "python_s": round(statistics.median(python_s), 3),
        "zxie_extract_s": round(statistics.median(extract_s), 3),
        "zxie_extract_over_python_s": round(statistics.median(extract_s) - statistics.median(python_s), 3),
        # CPU time: what the wall time is on an idle machine (the command runs on one thread)
        "python_cpu_s": round(statistics.median(python_cpu), 3),
        "zxie_extract_cpu_s": round(statistics.median(extract_cpu), 3),
        "zxie_extract_cpu_over_python_s": round(statistics.median(extract_cpu) - statistics.median(python_cpu), 3),
        "zxie_extract_fastest_over_python_s": round(min(extract_s) - min(python_s), 3),
        "import_s": round(statistics.median(s["import_s"] for s in stages), 3),
        "model_load_s": round(statistics.median(s["model_load_s"] for s in stages), 3),
        "peak_rss_mb": round(peak_mb),
        "slowest_imports_s": {name: round(s, 3) for name, s in slowest_imports(cli, 8)},
    }
    return report(result, args.json)


if __name__ == "__main__":
    main()
