#!/usr/bin/env bash
# Build a wheel, install it into a fresh venv with that venv's own pip (no upgrade), and run the main
# job from a folder outside the checkout: the shipped model must come with the install.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SEEDS=$(cd "${SEEDS:-../shared/seeds}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/python" -m pip --version
"$work/venv/bin/python" -m pip wheel --quiet --no-deps -w "$work/dist" .
"$work/venv/bin/python" -m pip install --quiet "$work"/dist/zxie-*.whl
cd "$work"
seed=$(ls "$SEEDS"/*.txt | head -1)
"$work/venv/bin/zxie" extract "$seed" -o out.jsonl --quiet
"$work/venv/bin/python" - <<'PY'
import json
import zxie

record = json.loads(open("out.jsonl", encoding="utf-8").readline())
assert record["entities"], "the installed default model found no entities"
nlp = zxie.load()
print(f"wheel install: {len(record['entities'])} entities in {record['id']}; zxie.load() -> {nlp.pipe_names}")
PY
