"""Benchmark: the process-mining view of the event log against pm4py on the same log.

    python benchmarks/bench_process.py                   # 200,000 cases (~1.6M events)
    python benchmarks/bench_process.py --cases 1000000   # a province's scale (~8M events)

The ledger is generated once and cached as a loaded Casebook (pickle) under benchmarks/_data
(shared with bench_clocks.py). Each side runs in a fresh process, so its peak memory (VmHWM,
which includes the loaded book) is its own. Printed:

- ours: the stable ordering of the log (cold), directly-follows with waiting-time performance,
  handover of work, variants, rework; the ordering again on the log with its rows shuffled
  (the worst case: a full sort instead of the check that the log is already in order)
- pm4py (AGPL; used here and in the tests only): discover_dfg + discover_performance_dfg,
  discover_handover_of_work_network, get_variants, fed our ordered log in its column names
  (the conversion to its frame timed apart)
- whether both sides found the same directly-follows and handover counts.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_clocks import PEAK, _run, arguments, cached_book  # noqa: E402  (one cached-book builder for all benchmarks)

OURS = PEAK + """
import json, pickle, sys, time, dataclasses
import numpy as np
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.chains import process as P
out = {}
t = time.perf_counter(); lg = P._log(book); out["order"] = time.perf_counter() - t
out["ties_cases"], out["ties_events"] = lg.ties["cases"], lg.ties["events"]
t = time.perf_counter(); d = P.directly_follows(book); out["dfg_perf"] = time.perf_counter() - t
t = time.perf_counter(); h = P.handover(book, include_self=True); out["handover"] = time.perf_counter() - t
t = time.perf_counter(); v = P.variants(book); out["variants"] = time.perf_counter() - t
t = time.perf_counter(); r = P.rework(book); out["rework"] = time.perf_counter() - t
t = time.perf_counter(); P.directly_follows(book, working_days=True); out["dfg_working_days"] = time.perf_counter() - t
t = time.perf_counter(); P.ordered_log(book); out["ordered_log_frame"] = time.perf_counter() - t
out["events"], out["variants_n"], out["pairs"] = len(lg.order), len(v), int(h.attrs["pairs"])
real = d[(d["source"] != P.START) & (d["target"] != P.END)]
counts = {"dfg": {f"{a}|{b}": int(c) for a, b, c in zip(real["source"], real["target"], real["count"])},
          "hw": {f"{a}|{b}": int(c) for a, b, c in zip(h["giver"], h["receiver"], h["count"])},
          "variants": int(v["cases"].sum())}
json.dump(counts, open(sys.argv[2], "w"))
out["peak_gb"] = peak_gb()
shuffled = dataclasses.replace(book, events=book.events.sample(frac=1, random_state=1))
t = time.perf_counter(); P._log(shuffled); out["order_shuffled"] = time.perf_counter() - t
print(json.dumps(out))
"""

PM4PY = PEAK + """
import json, pickle, sys, time, io, contextlib
import pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.chains.process import ordered_log
ol = ordered_log(book)
with contextlib.redirect_stdout(io.StringIO()):
    import pm4py
out = {}
t = time.perf_counter()
df = pd.DataFrame({"case:concept:name": ol["case_id"].astype(object), "concept:name": ol["action"].astype(object),
                   "time:timestamp": ol["at"].astype("datetime64[ns]"), "org:resource": ol["from_unit_id"].astype(object)})
out["frame"] = time.perf_counter() - t
del ol
t = time.perf_counter(); dfg, sa, ea = pm4py.discover_dfg(df); perf = pm4py.discover_performance_dfg(df)
out["dfg_perf"] = time.perf_counter() - t
t = time.perf_counter(); vv = pm4py.get_variants(df); out["variants"] = time.perf_counter() - t
hdf = df.dropna(subset=["org:resource"])
t = time.perf_counter(); hw = pm4py.discover_handover_of_work_network(hdf, beta=0); out["handover"] = time.perf_counter() - t
mine = json.load(open(sys.argv[2]))
pairs = sum(mine["hw"].values())
out["dfg_equal"] = {f"{a}|{b}": int(c) for (a, b), c in dfg.items()} == mine["dfg"]
out["hw_equal"] = {f"{a}|{b}": round(v * pairs) for (a, b), v in hw.connections.items()} == mine["hw"]
out["variants_equal"] = sum(vv.values()) == mine["variants"]
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""


def main() -> None:
    ap = arguments(200_000)
    ap.add_argument("--no-pm4py", action="store_true", help="time the workbench side only")
    args = ap.parse_args()
    path = cached_book(args)
    with tempfile.TemporaryDirectory() as tmp:
        counts = str(Path(tmp) / "counts.json")
        ours = _run(OURS, str(path), counts)
        theirs = None if args.no_pm4py else _run(PM4PY, str(path), counts)

    def pm(key: str) -> float | None:
        return theirs[key] if theirs else None

    def line(what: str, a: float | None, b: float | None = None) -> None:
        ratio = f"{b / a:8.1f}x" if a is not None and b is not None and a > 0 else ""
        as_ = f"{a:10.3f}" if a is not None else ""
        bs = f"{b:10.3f}" if b is not None else ""
        print(f"{what:44} {as_:>10} {bs:>10} {ratio:>9}")

    print(f"{args.cases:,} cases; {ours['events']:,} events; {ours['ties_events']:,} tied events in "
          f"{ours['ties_cases']:,} cases; {ours['variants_n']:,} variants; {ours['pairs']:,} handover pairs")
    print(f"{'seconds':44} {'workbench':>10} {'pm4py':>10} {'pm4py/wb':>9}")
    line("stable order of the log (cold)", ours["order"])
    line("  the same, rows shuffled", ours["order_shuffled"])
    if theirs:
        line("  pm4py: its frame from our ordered log", None, theirs["frame"])
    line("directly-follows + performance", ours["dfg_perf"], pm("dfg_perf"))
    line("handover of work", ours["handover"], pm("handover"))
    line("variants", ours["variants"], pm("variants"))
    line("rework per case", ours["rework"])
    line("directly-follows with working days", ours["dfg_working_days"])
    line("ordered_log as a DataFrame", ours["ordered_log_frame"])
    both = ours["order"] + ours["dfg_perf"] + ours["handover"]
    if theirs:
        other = theirs["frame"] + theirs["dfg_perf"] + theirs["handover"]
        line("order + DFG + performance + handover", both, other)
        print(f"peak memory: workbench {ours['peak_gb']:.2f} GB, pm4py {theirs['peak_gb']:.2f} GB "
              "(each process, the loaded book included)")
        print(f"same counts: directly-follows {theirs['dfg_equal']}, handover {theirs['hw_equal']}, "
              f"variants {theirs['variants_equal']}")
    else:
        line("order + DFG + performance + handover", both)
        print(f"peak memory: workbench {ours['peak_gb']:.2f} GB (the loaded book included)")


if __name__ == "__main__":
    main()
