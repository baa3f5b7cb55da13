#!/usr/bin/env bash
# One command: set up with the test extras (and pm4py, the process-mining cross-check), lint, type-check, and run the whole test suite
# (unit tests, doctests, hand-built ledgers, the sample round trip, notebooks executed end to end).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh test,compare
# A real PostgreSQL server for the SQL reader test, when the machine can have one.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (export DEBIAN_FRONTEND=noninteractive; timeout 300 apt-get update -qq && timeout 300 apt-get install -y -qq postgresql >/dev/null) \
      || echo "note: PostgreSQL not installed; its test will be skipped"
  fi
fi
.venv/bin/ruff check workbench tests benchmarks
.venv/bin/mypy workbench
.venv/bin/python -m pytest -n 2 "$@"
