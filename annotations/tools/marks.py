"""Author gold annotations in the compact marks format (see zxie/corpus/marks.py).

    python annotations/tools/marks.py sentences DOC_ID            # the text, one sentence a line, with @offsets
    python annotations/tools/marks.py check DOC_ID [MARKS_FILE]   # compile DOC_ID's marks, render them inline
    python annotations/tools/marks.py build                       # compile everything into the two gold files

Two kinds of document:
- the seed reports: text in $ZXIE_SEEDS/DOC_ID.txt (default ../shared/seeds next to the repository),
  marks in annotations/marks/DOC_ID.PART.marks (the parts of one document are compiled together),
  built into annotations/gold.jsonl;
- the composed articles: text in annotations/composed/texts/DOC_ID.txt, meta in
  annotations/composed/meta/DOC_ID.json, the reviewed marks in annotations/composed/marks/DOC_ID.marks,
  built into annotations/composed.jsonl. annotations/composed/double/DOC_ID.{A,B}.marks are the two
  independent annotations made for agreement (before review); `build` compiles them into
  annotations/composed/double/{A,B}.jsonl for `zxie annotate agreement`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "pipeline"))

from zxie.corpus.interchange import Record, read_records, write_records  # noqa: E402
from zxie.corpus.marks import MarksError, compile_marks  # noqa: E402
from zxie.corpus.render import render  # noqa: E402
from zxie.corpus.validate import check_record  # noqa: E402

SEEDS = Path(os.environ.get("ZXIE_SEEDS", ROOT.parent / "shared" / "seeds"))
MARKS = ROOT / "annotations" / "marks"
GOLD = ROOT / "annotations" / "gold.jsonl"
COMPOSED = ROOT / "annotations" / "composed"
COMPOSED_GOLD = ROOT / "annotations" / "composed.jsonl"


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def doc_text(doc_id: str) -> str:
    composed = COMPOSED / "texts" / f"{doc_id}.txt"
    return read_text(composed if composed.exists() else SEEDS / f"{doc_id}.txt")


def marks_files(doc_id: str) -> list[Path]:
    composed = COMPOSED / "marks" / f"{doc_id}.marks"
    return [composed] if composed.exists() else sorted(MARKS.glob(f"{doc_id}.*.marks"))


def compile_doc(doc_id: str, files: list[Path] | None = None) -> dict:
    files = files or marks_files(doc_id)
    if not files:
        raise MarksError(f"{doc_id}: no marks file")
    source = "\n".join(p.read_text(encoding="utf-8") for p in files)
    return compile_marks(doc_id, doc_text(doc_id), source, name=" + ".join(p.name for p in files))


def build_seeds() -> list[dict]:
    old = {r.id: r.data.get("meta", {}) for r in read_records(GOLD)} if GOLD.exists() else {}
    records = []
    for doc_id in sorted({p.name.split(".")[0] for p in MARKS.glob("*.marks")}):
        rec = compile_doc(doc_id)
        rec["meta"] = {**old.get(doc_id, {}), "source": f"seeds/{doc_id}.txt"}
        records.append(rec)
    return records


def build_composed() -> list[dict]:
    old = {r.id: r.data.get("meta", {}) for r in read_records(COMPOSED_GOLD)} if COMPOSED_GOLD.exists() else {}
    records = []
    for path in sorted((COMPOSED / "marks").glob("*.marks")):
        doc_id = path.stem
        rec = compile_doc(doc_id, [path])
        meta = json.loads((COMPOSED / "meta" / f"{doc_id}.json").read_text(encoding="utf-8"))
        # the split assignment (zxie annotations split --group-by region) is kept from the previous build
        kept = {k: v for k, v in old.get(doc_id, {}).items() if k in ("split", "sections", "split_seed")}
        rec["meta"] = {**meta, **kept, "source": f"composed/texts/{doc_id}.txt"}
        records.append(rec)
    return records


def build_double() -> dict[str, int]:
    counts = {}
    for side in ("A", "B"):
        records = [compile_doc(p.name.split(".")[0], [p]) for p in sorted((COMPOSED / "double").glob(f"*.{side}.marks"))]
        write_records(COMPOSED / "double" / f"{side}.jsonl", records)
        counts[side] = len(records)
    return counts


def main(argv: list[str]) -> int:
    cmd, *args = argv or ["help"]
    try:
        if cmd == "sentences":
            for line in render(doc_text(args[0])):
                print(line)
        elif cmd == "check":
            rec = compile_doc(args[0], [Path(args[1])] if len(args) > 1 else None)
            for line in render(rec["text"], rec["entities"], rec["relations"]):
                print(line)
            print(f"# {len(rec['entities'])} entities, {len(rec['relations'])} relations", file=sys.stderr)
            problems = list(check_record(Record(rec, path=args[0])))
            for problem in problems:
                print(f"problem: {problem}", file=sys.stderr)
            return 1 if problems else 0
        elif cmd == "build":
            seeds = build_seeds()
            write_records(GOLD, seeds)
            composed = build_composed()
            write_records(COMPOSED_GOLD, composed)
            double = build_double()
            print(f"wrote {len(seeds)} documents to {GOLD}, {len(composed)} to {COMPOSED_GOLD}, "
                  f"{double['A']} + {double['B']} to {COMPOSED / 'double'}")
        else:
            print(__doc__)
            return 2
    except MarksError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
