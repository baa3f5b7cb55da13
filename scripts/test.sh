#!/usr/bin/env bash
# One command: set up with the test extras (and pm4py, the process-mining cross-check), lint, type-check, and run the whole test suite
# (unit tests, doctests, hand-built ledgers, the sample round trip, notebooks executed end to end), then the browser tests
# (Playwright driving Debian's chromium) in their own step. Arguments go to pytest instead of the two default steps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh test,compare
# Debian packages the tests use when the machine can have them (root with apt): a real PostgreSQL
# server for the SQL reader test, chromium (and CJK fonts) for the browser tests. Without them those
# tests are skipped, saying why.
want=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then want+=(postgresql); fi
if ! command -v chromium >/dev/null 2>&1; then want+=(chromium fonts-noto-cjk); fi
if [ "${#want[@]}" -gt 0 ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (export DEBIAN_FRONTEND=noninteractive; timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq "${want[@]}" >/dev/null) \
    || echo "note: could not install ${want[*]}; the tests that need them will be skipped"
fi
.venv/bin/ruff check workbench tests benchmarks
.venv/bin/mypy workbench
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
.venv/bin/python -m pytest -n 2 -m "not browser"
.venv/bin/python -m pytest -m browser tests/browser
