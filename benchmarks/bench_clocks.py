"""Benchmark: deadline clocks, KPIs and the explorer's filter changes at a province's scale
(issue #3 targets, 2-core machine).

    python benchmarks/bench_clocks.py                 # 1M cases (~8M events)
    python benchmarks/bench_clocks.py --cases 200000  # a quicker look

The ledger is generated once and cached as a loaded Casebook (pickle) under benchmarks/_data, so
the figures below time only the analysis. Printed, each in a fresh process with its peak memory:

- clocks + all KPIs, cold (nothing remembered): target < 5 s
- the clocks table (one row per case and clock) and the KPIs grouped by unit × month
- the explorer's cube build, then filter changes re-aggregated from it: target < 200 ms each
- baselines side by side: the same handling clock and on-time rate done the plain pandas way
  (``pd.offsets.CustomBusinessDay`` for working days with the same holiday list, groupby for the
  rate), and the per-case Python loop a spreadsheet macro would be (timed on 20,000 cases,
  scaled up).
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PEAK = "def peak_gb():\n    for l in open('/proc/self/status'):\n        if l.startswith('VmHWM:'):\n            return int(l.split()[1]) / 1e6\n"

WORKBENCH = PEAK + """
import json, pickle, sys, time, statistics
import numpy as np
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.rules.clocks import clock_arrays, clocks
from workbench.rules.kpis import kpis
from workbench.rules.cube import KPICube, Filters
out = {}
t = time.perf_counter(); k = kpis(book); out["clocks_kpis_cold"] = time.perf_counter() - t
out["kpi_rows"] = len(k.frame)
t = time.perf_counter(); c = clocks(book); out["clocks_table"] = time.perf_counter() - t
out["clock_rows"] = len(c)
t = time.perf_counter(); k2 = kpis(book, by=["unit", "month"]); out["kpis_unit_month_warm"] = time.perf_counter() - t
t = time.perf_counter(); cube = KPICube(book); out["cube_build_warm"] = time.perf_counter() - t
out["cube_rows"] = len(cube.rows)
units = book.cases["responsible_unit_id"].value_counts().index[:3].tolist()
counties = sorted({str(x)[:6] for x in book.cases["region_code"].dropna().unique()[:50]})[:3]
months = cube.months()
filters = [Filters(), Filters(period=months[len(months) // 2]), Filters(period=months[-12][:4]),
           Filters(region=counties[0]), Filters(region=counties[1], category="城乡建设"),
           Filters(unit=units[0]), Filters(unit=units[1], period=months[-3]), Filters(channel="visit"),
           Filters(category="劳动和社会保障", period=months[-6][:4])]
times = []
for f in filters:
    cube.__dict__.pop("_masks", None)  # no remembered masks: every change is a fresh one
    t = time.perf_counter(); cube.panel(f); cube.late_matrix(f, top=25); times.append(time.perf_counter() - t)
out["filter_ms_median"] = statistics.median(times) * 1000
out["filter_ms_max"] = max(times) * 1000
t = time.perf_counter(); ids = cube.cases_behind("on_time", "missing", filters[2]); out["cases_behind_ms"] = (time.perf_counter() - t) * 1000
# the whole interaction in the explorer: re-aggregation, both figures rebuilt, widgets updated
from workbench.views.explorer import DelayExplorer
e = DelayExplorer(book); e._cubes[e.policy_name] = cube; e.widget()
times = []
for f in filters:
    cube.__dict__.pop("_masks", None)
    t = time.perf_counter()
    e.set_filters(period=f.period, region=f.region, unit=f.unit, category=f.category, channel=f.channel)
    times.append(time.perf_counter() - t)
out["explorer_ms_median"] = statistics.median(times) * 1000
out["explorer_ms_max"] = max(times) * 1000
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""

BASELINE = PEAK + """
import json, pickle, sys, time
import numpy as np, pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
c = book.cases
out = {}
import chinese_calendar
from chinese_calendar import constants
# (a) plain pandas: calendar-day limit with roll-forward through CustomBusinessDay, groupby rate
t = time.perf_counter()
hol = [d for d in constants.holidays]
bday = pd.offsets.CustomBusinessDay(holidays=hol)  # note: cannot express make-up working weekends
acc = c["accepted_at"].dt.normalize()
due = acc + pd.Timedelta(days=60)
due = due.where(due.isna(), due.dropna().apply(lambda d: bday.rollforward(d)))
on_time = c["replied_at"].dt.normalize() <= due
rate = on_time[acc.notna()].groupby(c.loc[acc.notna(), "responsible_unit_id"]).mean()
out["pandas_handle_clock_and_rate"] = time.perf_counter() - t
# (b) the per-case loop, timed on 20,000 cases and scaled to the whole book
t = time.perf_counter()
sub = c.head(20000)
import datetime as dt
res = []
for a, r in zip(sub["accepted_at"], sub["replied_at"]):
    if pd.isna(a):
        res.append(None); continue
    d = a.date() + dt.timedelta(days=60)
    while not chinese_calendar.is_workday(d):
        d += dt.timedelta(days=1)
    res.append(pd.notna(r) and r.date() <= d)
out["loop_handle_clock_scaled"] = (time.perf_counter() - t) * len(c) / len(sub)
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(n_cases: int, seed: int) -> Path:
    """A loaded Casebook of ``n_cases`` generated cases, pickled once."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"book_{n_cases}_{seed}.pkl"
    if not path.exists():
        import workbench
        from workbench.sample import generate_frames

        t = time.perf_counter()
        frames, _ = generate_frames(n_cases, seed)
        pq = DATA / f"book_{n_cases}_{seed}_parquet"
        pq.mkdir(exist_ok=True)
        for name, df in frames.items():
            df.to_parquet(pq / f"{name}.parquet", index=False)
        del frames
        book = workbench.load(pq, now="2030-01-01")
        with open(path, "wb") as fh:
            pickle.dump(book, fh, protocol=5)
        print(f"prepared {len(book.cases):,} cases, {len(book.events):,} events in {time.perf_counter() - t:.0f} s")
    return path


def arguments(cases: int = 1_000_000) -> argparse.ArgumentParser:
    """The options every benchmark on the cached book shares: ``--cases`` and ``--seed``."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=cases)
    ap.add_argument("--seed", type=int, default=11)
    return ap


def cached_book(args: argparse.Namespace) -> Path:
    """The pickled book for ``--cases``/``--seed`` (generated on first use)."""
    return prepare(args.cases, args.seed)


def line(what: str, secs: float, target: str = "", ratio: str = "", width: int = 48) -> None:
    """One row of a benchmark's table: what, seconds, ratio against the baseline, target."""
    print(f"{what:{width}} {secs:10.3f} {ratio:>8} {target:>10}")


def main() -> None:
    args = arguments().parse_args()
    path = cached_book(args)
    wb = _run(WORKBENCH, str(path))
    base = _run(BASELINE, str(path))

    print(f"{args.cases:,} cases; {wb['clock_rows']:,} clock rows; cube {wb['cube_rows']:,} rows; peak {wb['peak_gb']:.1f} GB "
          f"(baseline process {base['peak_gb']:.1f} GB)")
    print(f"{'':48} {'seconds':>10} {'vs base':>8} {'target':>10}")
    ok = "ok" if wb["clocks_kpis_cold"] < 5 else "MISSED"
    line("clocks + all KPIs, cold", wb["clocks_kpis_cold"], f"< 5 {ok}",
         f"{wb['clocks_kpis_cold'] / base['pandas_handle_clock_and_rate']:.2f}x")
    line("  baseline: pandas, handling clock + on-time only", base["pandas_handle_clock_and_rate"])
    line("  baseline: per-case loop, handling clock only", base["loop_handle_clock_scaled"])
    line("clocks table (DataFrame, every clock)", wb["clocks_table"])
    line("KPIs by unit x month (clocks remembered)", wb["kpis_unit_month_warm"])
    line("explorer cube build (clocks remembered)", wb["cube_build_warm"])
    ok = "ok" if wb["filter_ms_max"] < 200 else "MISSED"
    line("filter change, median of 9 (ms)", wb["filter_ms_median"], "< 200")
    line("filter change, slowest of 9 (ms)", wb["filter_ms_max"], f"< 200 {ok}")
    line("cases behind a number (ms)", wb["cases_behind_ms"])
    line("explorer: filter + figures + widgets, median (ms)", wb["explorer_ms_median"])
    line("explorer: filter + figures + widgets, slowest (ms)", wb["explorer_ms_max"])


if __name__ == "__main__":
    main()
