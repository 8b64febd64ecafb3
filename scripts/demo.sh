#!/usr/bin/env bash
# Set up the project and run the main job on the shipped sample: the gold corpus statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/zxie annotations validate annotations/gold.jsonl
.venv/bin/zxie annotations stats annotations/gold.jsonl
