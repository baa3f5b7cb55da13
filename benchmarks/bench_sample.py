"""Benchmark of the sample generator: time and peak memory of ``generate_frames``.

    .venv/bin/python benchmarks/bench_sample.py            # 20k and 100k cases
    .venv/bin/python benchmarks/bench_sample.py --full     # ... and 1M cases (~8M events)
    .venv/bin/python benchmarks/bench_sample.py --export   # ... and write_sample at 20k

Each size runs in its own process, so the peak resident memory (ru_maxrss) is that size's.
Targets (DESIGN §10 machine, 2 cores): 1M cases in under ~90 s and under 8 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["run_one", "main"]

ROOT = Path(__file__).resolve().parents[1]


def run_one(n_cases: int, seed: int, export: bool = False) -> dict:
    """Generate (or write) one sample in this process; return timings and peak memory."""
    sys.path.insert(0, str(ROOT))
    from workbench.sample import Truth, generate_frames, write_sample

    t0 = time.perf_counter()
    if export:
        with tempfile.TemporaryDirectory() as tmp:
            out = write_sample(Path(tmp) / "sample", n_cases=n_cases, seed=seed)
            n_events = Truth.from_json(out / "truth.json").stats["events"]
    else:
        frames, truth = generate_frames(n_cases, seed)
        n_events = len(frames["events"])
    elapsed = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "what": "write_sample" if export else "generate_frames",
        "cases": n_cases,
        "events": int(n_events),
        "seconds": round(elapsed, 2),
        "peak_rss_gb": round(peak_kb / 1024**2, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="also 1,000,000 cases")
    ap.add_argument("--export", action="store_true", help="also time write_sample at 20,000 cases")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--one-export", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.one_export)))
        return 0
    runs = [(20_000, False), (100_000, False)]
    if args.full:
        runs.append((1_000_000, False))
    if args.export:
        runs.append((20_000, True))
    print(f"{'what':<16} {'cases':>10} {'events':>10} {'seconds':>8} {'peak GB':>8}")
    for n, export in runs:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed)] + (["--one-export"] if export else [])
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        r = json.loads(out)
        print(f"{r['what']:<16} {r['cases']:>10,} {r['events']:>10,} {r['seconds']:>8.2f} {r['peak_rss_gb']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
