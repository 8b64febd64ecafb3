#!/usr/bin/env bash
# Set up the project with its test dependencies and run the whole test suite.
# pytest's own exit code is returned: 5 ("no tests ran") fails like any other failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# Headless Chromium (and a CJK font) for the HTML report test (tests/test_evaluate_model.py).
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium fonts-wqy-zenhei)
bash scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
