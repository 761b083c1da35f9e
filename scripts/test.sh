#!/usr/bin/env bash
# The whole test suite: lint, types, and pytest (SQLite and PostgreSQL, Rasa model included).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[test] ruff"
.venv/bin/ruff check --no-cache .
.venv/bin/ruff format --no-cache --check .
echo "[test] knowledge base is in step with its generated Rasa files"
.venv/bin/python scripts/build_faq.py --check
echo "[test] dependency audit of both lock files (says NOT AUDITED when no advisory data is reachable)"
.venv/bin/python scripts/audit.py
echo "[test] mypy"
.venv/bin/mypy
echo "[test] pytest"
exec .venv/bin/pytest "$@"
