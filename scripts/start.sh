#!/usr/bin/env bash
# One command for a newcomer: set up, then open JupyterLab on notebooks/00_start_here.ipynb with
# the bundled sample ledger. `--headless` runs every notebook instead and writes one
# self-contained page each to out/ (for servers without a browser).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--headless" ]; then
  exec .venv/bin/workbench render --all --out out
fi
exec .venv/bin/workbench lab "$@"
