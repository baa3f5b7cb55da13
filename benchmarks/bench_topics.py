"""Benchmark: hot topics from the summaries (分词 + 热点问题) at a province's scale (2 cores).

    python benchmarks/bench_topics.py                 # 1M cases
    python benchmarks/bench_topics.py --cases 200000  # a quicker look

Reuses the pickled Casebook of ``bench_clocks.prepare``. Printed, each step in a fresh process with
its peak memory: the domain dictionary (ledger lexicon), segmentation with an EMPTY cache dir (first
run), segmentation again from the cache (second run), and hot-issue mining and keywords on a warm
cache.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench_clocks import PEAK, _run, arguments, cached_book

__all__ = ["main"]

CODE = PEAK + """
import json, pickle, sys, time
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.hotspots.lexicon import ledger_lexicon
from workbench.hotspots.topics import hot_issues, keywords, tokenize
step, cache = sys.argv[2], sys.argv[3]
out = {"cases": len(book.cases)}
t = time.perf_counter()
if step == "lexicon":
    lex = ledger_lexicon(book); out["words"] = len(lex)
elif step == "tokenize":
    tk = tokenize(book, cache_dir=cache); out.update(tk.attrs)
elif step == "hot":
    h = hot_issues(book, cache_dir=cache); out["issues"] = len(h)
    out["top"] = h["label"].head(5).tolist()
elif step == "keywords":
    k = keywords(book, by="category_l1", cache_dir=cache); out["rows"] = len(k)
out["seconds"] = time.perf_counter() - t
out["peak_gb"] = peak_gb()
print(json.dumps(out, ensure_ascii=False))
"""


def main() -> None:
    ap = arguments()
    args = ap.parse_args()
    path = cached_book(args)
    cache = Path(tempfile.mkdtemp(prefix="wb_tokens_"))
    try:
        steps = [("ledger lexicon (domain dictionary)", "lexicon"),
                 ("tokenize, first run (empty cache)", "tokenize"),
                 ("tokenize, second run (cached)", "tokenize"),
                 ("hot issues (cache warm)", "hot"),
                 ("keywords by category (cache warm)", "keywords")]
        print(f"{args.cases:,} cases; cache dir {cache}")
        print(f"{'':40} {'seconds':>9} {'peak GB':>8}  notes")
        for what, step in steps:
            r = _run(CODE, str(path), step, str(cache))
            notes = {k: v for k, v in r.items() if k not in ("seconds", "peak_gb", "cases")}
            print(f"{what:40} {r['seconds']:9.1f} {r['peak_gb']:8.2f}  {notes}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
