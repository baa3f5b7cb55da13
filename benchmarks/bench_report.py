"""Benchmark: the monthly bulletin (月通报) rendered for a province-sized ledger (2 cores).

    python benchmarks/bench_report.py                  # 1M cases (~8M events)
    python benchmarks/bench_report.py --cases 200000   # a quicker look

Reuses the pickled Casebook of ``bench_clocks.prepare`` (``benchmarks/_data/book_<n>_<seed>.pkl``):
``render_report(data=<that .pkl>)`` hands the pickle to the report's kernel as it is, so neither
process reads the ledger's files. Rendered as the analyst (pseudonyms, the export guard on), in a
fresh process. Printed: the whole render's wall time; each template cell's time (from the
executed notebook's timing metadata); the peak memory of the process asking for the report
(load, scope checks, the guard) and of the kernel; the size of the page. The hot-issue step
reads summaries' tokens from the token cache (``~/.cache/workbench/tokens``, or
``$WORKBENCH_CACHE``): whether it was warm is printed, as a cold cache adds the segmentation of
every distinct summary (see ``bench_topics.py``).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clocks import PEAK, _run, arguments, cached_book

__all__ = ["main"]

CODE = PEAK + """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
from workbench.privacy import new_key
from workbench.reports import render, render_report
from workbench.reports.page import read_meta
out_dir = Path(sys.argv[2])
key = new_key(out_dir / "bench.key")
cells = []
run = render.execute_notebook
def timed(*a, **k):
    nb = run(*a, **k)
    for c in nb.cells:
        ex = c.get("metadata", {}).get("execution", {})
        if c.cell_type == "code" and "shell.execute_reply" in ex and "iopub.execute_input" in ex:
            secs = (pd.Timestamp(ex["shell.execute_reply"]) - pd.Timestamp(ex["iopub.execute_input"])).total_seconds()
            cells.append([c.source.splitlines()[-1][:60], secs])
    return nb
render.execute_notebook = timed
t = time.perf_counter()
p = render_report("monthly", out=out_dir / "bench_monthly.html", role="analyst", key_file=key, data=sys.argv[1])
secs = time.perf_counter() - t
meta = read_meta(p.read_text(encoding="utf-8"))
kernel = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
print(json.dumps({"seconds": secs, "bytes": p.stat().st_size, "peak_gb": peak_gb(), "kernel_peak_gb": kernel,
                  "period": meta["period"], "cases": meta["cases"], "cells": cells}, ensure_ascii=False))
"""


def _token_cache() -> Path:
    from workbench.hotspots.topics import cache_dir_default

    return cache_dir_default()


def main() -> None:
    args = arguments().parse_args()
    path = cached_book(args)
    cache = _token_cache()
    warm = cache.is_dir() and any(cache.iterdir())
    with tempfile.TemporaryDirectory(prefix="wb_bench_report_") as tmp:
        r = _run(CODE, str(path), tmp)
    print(f"{r['cases']:,} cases; monthly bulletin for {r['period']} as the analyst; token cache "
          f"{'warm' if warm else 'cold'} ({cache})")
    print(f"{'render, whole (s)':48} {r['seconds']:10.1f}")
    for what, secs in r["cells"]:
        print(f"  {what:46} {secs:10.1f}")
    print(f"{'peak memory, process asking (GB)':48} {r['peak_gb']:10.2f}")
    print(f"{'peak memory, kernel (GB)':48} {r['kernel_peak_gb']:10.2f}")
    print(f"{'page size (MB)':48} {r['bytes'] / 1e6:10.2f}")


if __name__ == "__main__":
    main()
