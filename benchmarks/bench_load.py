"""Benchmark: loading a province-sized ledger (issue #2 targets, 2-core machine).

    python benchmarks/bench_load.py            # 1M cases (~8M events) + a 100k-row Excel ledger
    python benchmarks/bench_load.py --cases 200000 --excel 20000   # a quicker look

For each source form it prints wall time and peak memory of ``workbench.load`` (validation,
quarantine, derived tables and flags included), each run in a fresh process, side by side with
a baseline: the same files read raw by pandas (no mapping, no validation). Targets: Parquet
< 15 s, CSV < 60 s, Excel 100k rows < 20 s, peak memory < 8 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"

# Peak memory is the process's high-water mark (VmHWM): unlike ru_maxrss it is not inherited from
# the benchmark's own process across fork/exec.
PEAK = "def peak_gb():\n    for l in open('/proc/self/status'):\n        if l.startswith('VmHWM:'):\n            return int(l.split()[1]) / 1e6\n"

LOAD = PEAK + """
import json, sys, time
import workbench
t = time.perf_counter()
book = workbench.load(json.loads(sys.argv[1]), now="2030-01-01")
dt = time.perf_counter() - t
q = book.quality().tables.set_index("table")
print(json.dumps({"seconds": dt, "peak_gb": peak_gb(),
                  "cases": len(book.cases), "events": len(book.events),
                  "quarantined": int(q["quarantined"].sum()), "flagged": int(q["flagged"].sum())}))
"""

BASELINE = PEAK + """
import json, sys, time
import pandas as pd
paths = json.loads(sys.argv[1]); kind = sys.argv[2]
t = time.perf_counter()
n = 0
for p in paths:
    if kind == "parquet":
        n += len(pd.read_parquet(p))
    elif kind == "csv":
        enc = "gb18030" if p.endswith("events.csv") else "utf-8-sig"
        n += len(pd.read_csv(p, dtype=str, encoding=enc, engine="pyarrow"))
    else:
        for df in pd.read_excel(p, sheet_name=None, engine="calamine", header=None).values():
            n += len(df)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "peak_gb": peak_gb(), "rows": n}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _chinese_headers(frame, table: str):
    from workbench.vocab import header_map

    aliases = header_map().aliases[table]
    return frame.rename(columns={c: aliases[c][0] for c in frame.columns if c in aliases and aliases[c]})


def prepare(n_cases: int, n_excel: int, seed: int) -> dict[str, list[str]]:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from workbench.sample import generate_frames, write_sample
    from workbench.vocab import label

    DATA.mkdir(parents=True, exist_ok=True)
    tag = f"{n_cases}_{seed}"
    pq_dir, csv_dir, xl_dir = DATA / f"parquet_{tag}", DATA / f"csv_{tag}", DATA / f"excel_{n_excel}_{seed}"
    if not (pq_dir / "events.parquet").exists() or not (csv_dir / "events.csv").exists():
        t = time.perf_counter()
        frames, _ = generate_frames(n_cases, seed)
        print(f"generated {n_cases:,} cases, {len(frames['events']):,} events in {time.perf_counter() - t:.1f} s")
        pq_dir.mkdir(exist_ok=True)
        for name, df in frames.items():
            df.to_parquet(pq_dir / f"{name}.parquet", index=False)
        csv_dir.mkdir(exist_ok=True)
        cases = frames["cases"].copy()
        for col, vocab in (("channel", "channel"), ("demand_type", "demand_type"), ("satisfaction", "satisfaction")):
            labels = {c: label(vocab, c) for c in cases[col].dropna().unique()}
            cases[col] = cases[col].map(labels)
        cases = cases.drop(columns=[c for c in cases.columns if c.startswith("is_")])
        cases["category"] = cases["category_l1"] + "_" + cases["category_l2"].fillna("")
        cases = cases.drop(columns=["category_l1", "category_l2", "source_row"], errors="ignore")
        cases = _chinese_headers(cases, "cases")
        with open(csv_dir / "cases.csv", "wb") as fh:
            fh.write(b"\xef\xbb\xbf")
            pcsv.write_csv(pa.Table.from_pandas(cases.astype(str).replace({"nan": "", "NaT": "", "<NA>": ""}), preserve_index=False), fh)
        ev = frames["events"].drop(columns=["derived", "seq", "source_row"], errors="ignore").copy()
        ev["action"] = ev["action"].map({a: label("action", a) for a in ev["action"].unique()})
        ev["at"] = ev["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
        ev = _chinese_headers(ev, "events")
        tmp = csv_dir / "events.utf8.csv"
        pcsv.write_csv(pa.Table.from_pandas(ev.astype(str).replace({"nan": "", "<NA>": ""}), preserve_index=False), tmp)
        (csv_dir / "events.csv").write_bytes(tmp.read_text(encoding="utf-8").encode("gb18030"))
        tmp.unlink()
        del frames, cases, ev
    if not (xl_dir / "ledger.xlsx").exists():
        write_sample(xl_dir, n_cases=n_excel, seed=seed)
    _ = pd
    return {
        "parquet": [str(p) for p in sorted(pq_dir.glob("*.parquet"))],
        "csv": [str(csv_dir / "cases.csv"), str(csv_dir / "events.csv")],
        "excel": [str(xl_dir / "ledger.xlsx")],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--excel", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    sources = prepare(args.cases, args.excel, args.seed)
    targets = {"parquet": 15, "csv": 60, "excel": 20}
    print(f"{'source':8} {'workbench s':>12} {'peak GB':>8} {'baseline s':>11} {'base GB':>8} {'ratio':>6} {'target s':>9}  rows")
    for kind, paths in sources.items():
        wb = _run(LOAD, json.dumps(paths))
        base = _run(BASELINE, json.dumps(paths), kind)
        ok = "ok" if wb["seconds"] < targets[kind] and wb["peak_gb"] < 8 else "MISSED"
        print(f"{kind:8} {wb['seconds']:12.1f} {wb['peak_gb']:8.2f} {base['seconds']:11.1f} {base['peak_gb']:8.2f} "
              f"{wb['seconds'] / max(base['seconds'], 1e-9):6.1f} {targets[kind]:>9}  {wb['cases']:,} cases, "
              f"{wb['events']:,} events, {wb['quarantined']} quarantined, {wb['flagged']} flagged  [{ok}]")


if __name__ == "__main__":
    main()
