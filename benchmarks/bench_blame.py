"""Benchmark: custody segments, blame attribution and buck-passing at a province's scale
(issue #4 target: segments + attribution for 1M cases / 8M events under 20 s, 2-core machine).

    python benchmarks/bench_blame.py                 # 1M cases (~8M events)
    python benchmarks/bench_blame.py --cases 200000  # a quicker look

The ledger is generated once and cached as a loaded Casebook (pickle) under benchmarks/_data
(shared with bench_clocks.py). Printed, each part in a fresh process with its peak memory:

- segments + attribution, cold (clocks included, nothing remembered): target < 20 s
- the custody table as a DataFrame, the accountability tables per unit and per leader, and
  the buck-passing ranking
- baseline side by side: the per-case loop an analyst would write first (events grouped by
  case, each case's log walked row by row to cut its custody segments), timed on 20,000
  cases and scaled to the whole book.
"""

from __future__ import annotations

from bench_clocks import PEAK, _run, arguments, cached_book
from bench_clocks import line as row

WORKBENCH = PEAK + """
import json, pickle, sys, time
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.chains.blame import attribute_blame
from workbench.chains.buck import buck_passing
from workbench.chains.segments import custody
out = {}
t = time.perf_counter(); b = attribute_blame(book); out["blame_cold"] = time.perf_counter() - t
out["late_clocks"] = len(b.late); out["attribution_rows"] = len(b.attribution); out["unbalanced"] = len(b.check())
out["segments"] = len(b.custody)
t = time.perf_counter(); c = custody(book); out["custody_frame"] = time.perf_counter() - t
t = time.perf_counter(); u = b.by_unit(); out["by_unit"] = time.perf_counter() - t
t = time.perf_counter(); l = b.by_leader(); out["by_leader"] = time.perf_counter() - t
t = time.perf_counter(); bp = buck_passing(book); out["buck_passing"] = time.perf_counter() - t
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""

BASELINE = PEAK + """
import json, pickle, sys, time
import pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
ids = set(book.cases["case_id"].head(20000))
ev = book.events.loc[book.events["case_id"].isin(ids)]
t = time.perf_counter()
segs = []
for case, g in ev.sort_values(["case_id", "at"], kind="stable").groupby("case_id", sort=False):
    holder, since = None, None
    for at, action, frm, to in zip(g["at"], g["action"], g["from_unit_id"], g["to_unit_id"]):
        new = holder
        if action == "register":
            new = frm
        elif action in ("transfer", "assign", "return") and pd.notna(to):
            new = to
        elif action in ("reply", "close", "reject", "review", "recheck"):
            new = None
        elif action in ("review_request", "recheck_request"):
            new = frm
        if new != holder:
            if holder is not None:
                segs.append((case, holder, since, at, action))
            holder, since = new, at
    if holder is not None:
        segs.append((case, holder, since, None, "open"))
frame = pd.DataFrame(segs, columns=["case_id", "unit_id", "start", "end", "ended_by"])
out = {"loop_segments_scaled": (time.perf_counter() - t) * len(book.cases) / len(ids), "loop_segments_20k": len(frame)}
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""


def main() -> None:
    args = arguments().parse_args()
    path = cached_book(args)
    wb = _run(WORKBENCH, str(path))
    base = _run(BASELINE, str(path))

    def line(what: str, secs: float, target: str = "", ratio: str = "") -> None:
        row(what, secs, target, ratio, width=52)

    print(f"{args.cases:,} cases; {wb['segments']:,} custody segments; {wb['late_clocks']:,} late clocks; "
          f"{wb['attribution_rows']:,} attribution rows ({wb['unbalanced']} not adding up); peak {wb['peak_gb']:.1f} GB "
          f"(baseline process {base['peak_gb']:.1f} GB)")
    print(f"{'':52} {'seconds':>10} {'vs base':>8} {'target':>10}")
    ok = "ok" if wb["blame_cold"] < 20 else "MISSED"
    line("segments + attribution, cold (clocks included)", wb["blame_cold"], f"< 20 {ok}",
         f"{wb['blame_cold'] / base['loop_segments_scaled']:.3f}x")
    line("  baseline: per-case loop, segments only (scaled)", base["loop_segments_scaled"])
    line("custody table (DataFrame, segments remembered)", wb["custody_frame"])
    line("accountability per unit", wb["by_unit"])
    line("accountability per 包案领导", wb["by_leader"])
    line("buck-passing ranking (segments remembered)", wb["buck_passing"])


if __name__ == "__main__":
    main()
