#!/usr/bin/env bash
# Set up the project and run the main job on a sample: extract the five seed reports with the
# shipped default model, then show the first record.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SEEDS=${SEEDS:-../shared/seeds}
mkdir -p build
.venv/bin/zxie extract "$SEEDS" -o build/demo.jsonl
.venv/bin/python - <<'PY'
import json
record = json.loads(open("build/demo.jsonl", encoding="utf-8").readline())
shown = {**record, "entities": record["entities"][:8], "relations": record["relations"][:4]}
print(json.dumps(shown, ensure_ascii=False, indent=1))
print(f"... {len(record['entities'])} entities and {len(record['relations'])} relations in {record['id']}; all records in build/demo.jsonl")
PY
