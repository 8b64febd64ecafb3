"""Author the seed gold in the compact marks format (see pipeline/corpus/marks.py).

    python annotations/tools/marks.py sentences DOC_ID    # the raw seed, one sentence a line, with @offsets
    python annotations/tools/marks.py check DOC_ID        # compile DOC_ID's marks and render them inline
    python annotations/tools/marks.py build               # compile every document into annotations/gold.jsonl

Marks live in annotations/marks/DOC_ID.PART.marks; the parts of one document are compiled together.
The seeds are read from $ZXIE_SEEDS (default ../shared/seeds next to the repository).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.corpus.interchange import read_records, write_records  # noqa: E402
from pipeline.corpus.marks import MarksError, compile_marks  # noqa: E402
from pipeline.corpus.render import render  # noqa: E402

SEEDS = Path(os.environ.get("ZXIE_SEEDS", ROOT.parent / "shared" / "seeds"))
MARKS = ROOT / "annotations" / "marks"
GOLD = ROOT / "annotations" / "gold.jsonl"


def seed_text(doc_id: str) -> str:
    with open(SEEDS / f"{doc_id}.txt", encoding="utf-8", newline="") as fh:
        return fh.read()


def compile_doc(doc_id: str) -> dict:
    parts = sorted(MARKS.glob(f"{doc_id}.*.marks"))
    source = "\n".join(p.read_text(encoding="utf-8") for p in parts)
    record = compile_marks(doc_id, seed_text(doc_id), source, name=f"{doc_id} marks")
    record["meta"] = {"source": f"seeds/{doc_id}.txt"}
    return record


def main(argv: list[str]) -> int:
    cmd, *args = argv or ["help"]
    try:
        if cmd == "sentences":
            for line in render(seed_text(args[0])):
                print(line)
        elif cmd == "check":
            rec = compile_doc(args[0])
            for line in render(rec["text"], rec["entities"], rec["relations"]):
                print(line)
            print(f"# {len(rec['entities'])} entities, {len(rec['relations'])} relations", file=sys.stderr)
        elif cmd == "build":
            old = {r.id: r.data.get("meta", {}) for r in read_records(GOLD)} if GOLD.exists() else {}
            records = []
            for doc_id in sorted({p.name.split(".")[0] for p in MARKS.glob("*.marks")}):
                rec = compile_doc(doc_id)
                rec["meta"] = {**old.get(doc_id, {}), **rec["meta"]}
                records.append(rec)
            write_records(GOLD, records)
            print(f"wrote {len(records)} documents to {GOLD}")
        else:
            print(__doc__)
            return 2
    except MarksError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
