#!/usr/bin/env bash
# One command for a newcomer: set up, then open JupyterLab on notebooks/00_start_here.ipynb with
# the bundled sample ledger. `--headless` runs that notebook instead and writes
# out/00_start_here.html (for servers without a browser).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--headless" ]; then
  exec .venv/bin/workbench render --out out/00_start_here.html
fi
exec .venv/bin/workbench lab "$@"
