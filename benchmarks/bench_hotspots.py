"""Benchmark: the issue cube and spike alerts at a province's scale (DESIGN §10, 2-core machine).

    python benchmarks/bench_hotspots.py                 # 1M cases
    python benchmarks/bench_hotspots.py --cases 200000  # a quicker look

Reuses the cached Casebook of ``bench_clocks.prepare``. Printed, in a fresh process with its peak
memory: the cube build (cold: with the deadline clocks behind ``late``; and without them), spike
alerts by county and by township (category level 1), cube + alerts together (target < 10 s), the
slice times (target: milliseconds) and a drill-down to case ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_clocks import PEAK, _run, arguments, cached_book

__all__ = ["main"]

CODE = PEAK + """
import json, pickle, sys, time, statistics
book = pickle.load(open(sys.argv[1], "rb"))
book.__dict__.pop("_clock_cache", None)
from workbench.hotspots.cube import issue_cube
from workbench.hotspots.alerts import spike_alerts
out = {}
t = time.perf_counter(); cube = issue_cube(book); out["cube_cold"] = time.perf_counter() - t
out["cells"] = len(cube.frame); out["periods"] = len(cube.periods)
t = time.perf_counter(); issue_cube(book, late=False); out["cube_no_clocks"] = time.perf_counter() - t
t = time.perf_counter(); a = spike_alerts(cube, level="county"); out["alerts_county"] = time.perf_counter() - t
out["alerts_county_n"] = len(a); out["tests_county"] = a.attrs["tests"]
out["alerts_county_per_year"] = a.attrs["alerts_per_year"]
t = time.perf_counter(); a = spike_alerts(cube, level="township"); out["alerts_township"] = time.perf_counter() - t
out["alerts_township_n"] = len(a); out["tests_township"] = a.attrs["tests"]
out["alerts_township_per_year"] = a.attrs["alerts_per_year"]
t = time.perf_counter(); a = spike_alerts(cube, level="township", category="category_l2"); out["alerts_township_l2"] = time.perf_counter() - t
out["tests_township_l2"] = a.attrs["tests"]; out["alerts_township_l2_n"] = len(a)
t = time.perf_counter(); w = issue_cube(book, period="week"); out["cube_week"] = time.perf_counter() - t
t = time.perf_counter(); aw = spike_alerts(w, level="county"); out["alerts_county_week"] = time.perf_counter() - t
out["tests_county_week"] = aw.attrs["tests"]; out["alerts_county_week_n"] = len(aw)
county = cube.frame["county6"].value_counts().index[0]
cat = cube.frame["category_l1"].value_counts().index[0]
slices = [dict(), dict(level="township"), dict(category=cat), dict(region=county, level="township"),
          dict(category=cat, region=county[:4], level="county", period=cube.periods[-1]),
          dict(by=("category_l2", "period"), region=county), dict(by=("region",), level="township", period=cube.periods[-12][:4])]
times = []
for kw in slices:
    t = time.perf_counter(); cube.slice(**kw); times.append(time.perf_counter() - t)
out["slice_ms_median"] = statistics.median(times) * 1000; out["slice_ms_max"] = max(times) * 1000
t = time.perf_counter(); ids = cube.case_ids(region=county, period=cube.periods[-1]); out["case_ids_ms"] = (time.perf_counter() - t) * 1000
out["case_ids_n"] = len(ids)
t = time.perf_counter(); s = cube.series(level="township"); out["series_township"] = time.perf_counter() - t; out["series_rows"] = len(s)
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""


def main() -> None:
    ap = arguments()
    args = ap.parse_args()
    r = _run(CODE, str(cached_book(args)))
    together = r["cube_cold"] + r["alerts_county"] + r["alerts_township"]
    ok = "ok" if together < 10 else "MISSED"
    print(f"{args.cases:,} cases; cube {r['cells']:,} cells over {r['periods']} months; peak {r['peak_gb']:.1f} GB")
    rows = [
        ("cube build, cold (with the deadline clocks)", r["cube_cold"], ""),
        ("cube build without clocks (late=False)", r["cube_no_clocks"], ""),
        (f"alerts by county x l1 ({r['tests_county']:,} tests, {r['alerts_county_n']} alerts)", r["alerts_county"], ""),
        (f"alerts by township x l1 ({r['tests_township']:,} tests, {r['alerts_township_n']} alerts)", r["alerts_township"], ""),
        ("cube cold + both alert tables", together, f"< 10 {ok}"),
        (f"alerts by township x l2 ({r['tests_township_l2']:,} tests, {r['alerts_township_l2_n']} alerts)", r["alerts_township_l2"], ""),
        ("weekly cube build (clocks remembered)", r["cube_week"], ""),
        (f"weekly alerts by county ({r['tests_county_week']:,} tests, {r['alerts_county_week_n']} alerts)", r["alerts_county_week"], ""),
        (f"series() by township ({r['series_rows']:,} rows)", r["series_township"], ""),
    ]
    for what, secs, target in rows:
        print(f"{what:72} {secs:8.3f} s {target:>10}")
    print(f"{'slice, median / slowest of 7':72} {r['slice_ms_median']:8.1f} ms / {r['slice_ms_max']:.1f} ms")
    what = f"case_ids of a county-month ({r['case_ids_n']} cases)"
    print(f"{what:72} {r['case_ids_ms']:8.1f} ms")
    print(f"alerts per year of tested months: county {r['alerts_county_per_year']:.1f}, township {r['alerts_township_per_year']:.1f}")


if __name__ == "__main__":
    main()
