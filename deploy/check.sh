#!/usr/bin/env bash
# The project's checks, the same locally and in CI: set-up, lint, format, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
