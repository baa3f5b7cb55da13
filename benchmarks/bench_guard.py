"""Benchmark: the export guard (workbench.privacy.guard) on a large rendered page, and how well
its name rule does on the bundled sample.

    python benchmarks/bench_guard.py                 # a 10 MB page, the sample's names
    python benchmarks/bench_guard.py --mb 20         # a bigger page
    python benchmarks/bench_guard.py --no-accuracy   # speed only

Speed (target: a 10 MB page with plotly.js inlined, scanned for ~20k names, IDs and phones in
< 2 s), in a fresh process with its peak memory: building the analyst's guard from the book;
the first scan of the page (jieba's word list read on first use); the same scan warm; the page
with three leaks injected (all three must be found). The page: plotly.js, a figure of the
masked book's cases whose hover texts are JSON-escaped as notebook pages carry them, and the
masked book's cases as an HTML table (summaries scrubbed) until it reaches the size asked.

Accuracy of the name rule (see the guard's docstring): name findings on the raw summaries and
event notes of the sample with the rule and when every substring counts (false positives: the
sample's summaries name no petitioner), and the names missed when every refused name is
injected into ten sentence templates.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_clocks import PEAK, _run  # noqa: E402

__all__ = ["main"]

ROOT = HERE.parent
DATA = HERE / "_data"

SPEED = PEAK + """
import html, json, pickle, sys, time
import pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
target = int(float(sys.argv[2]) * 1_000_000)
from plotly.offline import get_plotlyjs
from workbench.privacy import Masker
from workbench.privacy.guard import Guard
out = {}
t = time.perf_counter(); g = Guard.for_book(book, "analyst"); out["build"] = time.perf_counter() - t
out["names"] = len(g.kinds)
m = Masker("analyst", key=bytes(32)).book(book)
c = m.cases
hover = (c["case_id"].astype(str) + " " + c["region_name"].astype(str) + " " + c["category_l1"].astype(str)
         + " " + c["summary"].astype(str)).tolist()
fig = {"data": [{"type": "scatter", "x": c["received_at"].astype(str).tolist(), "y": list(range(len(c))),
                 "hovertext": hover}], "layout": {"title": {"text": "信访件"}}}
parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><script>", get_plotlyjs(), "</script></head><body>",
         "<h2 id='figure'>每月信访件数</h2><script>Plotly.newPlot('f', ", json.dumps(fig, ensure_ascii=True), ");</script>",
         "<h2 id='table'>信访件</h2>"]
size = sum(len(p) for p in parts)
cols = ["case_id", "received_at", "region_name", "category_l1", "category_l2", "demand_type", "summary", "status"]
rows = c[cols].astype(str)
i = 0
while size < target:
    chunk = rows.iloc[i % len(rows): i % len(rows) + 2000].to_html(index=False, escape=True)
    parts.append(chunk); size += len(chunk); i += 2000
parts.append("</body></html>")
page = "".join(parts)
out["mb"] = len(page.encode("utf-8")) / 1e6
t = time.perf_counter(); f = g.scan_html(page); out["scan_cold"] = time.perf_counter() - t; out["findings_clean"] = len(f)
t = time.perf_counter(); f = g.scan_html(page); out["scan_warm"] = time.perf_counter() - t
pet = book.petitioners
name = next(n for n in pet["name"].dropna().astype(str) if len(n) == 3 and n in g.kinds)
idn = pet["id_number"].dropna().astype(str).iloc[0]
phone = pet["phone"].dropna().astype(str).iloc[0]
k = len(page) // 2
leaky = page[:k] + "<td>" + html.escape(name) + "</td><td>&#" + str(ord(idn[0])) + ";" + idn[1:] + "</td>" + page[k:] \
    + "<script>var x = " + json.dumps({"t": "电话" + phone + "，" + name}, ensure_ascii=True) + "</script>"
t = time.perf_counter(); f = g.scan_html(leaky); out["scan_leaky"] = time.perf_counter() - t
out["leaks_found"] = sorted({x.kind for x in f}); out["leak_findings"] = len(f)
out["peak_gb"] = peak_gb()
print(json.dumps(out))
"""

ACCURACY = """
import collections, json, pickle, sys
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.privacy import guard as G
g = G.Guard.for_book(book, "analyst")
out = {}
summ = "\\n".join(book.cases["summary"].dropna().astype(str))
notes = "\\n".join(book.events["note"].dropna().astype(str).unique())
out["rule_summaries"] = len(g.scan_text(summ)); out["rule_notes"] = len(g.scan_text(notes))
rule = G._absorbed
G._absorbed = lambda text, a, b: False
out["substring_summaries"] = len(g.scan_text(summ)); out["substring_notes"] = len(g.scan_text(notes))
G._absorbed = rule
templates = ["{n}", "信访人：{n}", "信访人{n}反映", "{n}反映小区物业问题", "反映{n}的问题", "{n}等5人来访",
             "姓名{n}，电话", "由{n}代表", "{n}（化名前）", "联系人{n}。"]
two = sorted(n for n in g.kinds if len(n) == 2)
more = sorted(n for n in g.kinds if len(n) > 2)
miss = collections.Counter()
for t in templates:
    for n in two:
        if not g.scan_text(t.format(n=n)):
            miss[t] += 1
out["two_char_names"] = len(two); out["missed_two"] = dict(miss)
out["longer_names"] = len(more)
out["missed_longer"] = sum(1 for t in templates for n in more if not g.scan_text(t.format(n=n)))
print(json.dumps(out, ensure_ascii=False))
"""


def sample_book(data: Path) -> Path:
    """The loaded sample (``--data``), pickled once under benchmarks/_data."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"guard_{data.resolve().name}.pkl"
    if not path.exists():
        import workbench

        with open(path, "wb") as fh:
            pickle.dump(workbench.load(data), fh, protocol=5)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample", help="the ledger whose names are refused")
    ap.add_argument("--mb", type=float, default=10.0, help="size of the page scanned, in MB")
    ap.add_argument("--no-accuracy", action="store_true", help="skip the name-rule measurements")
    args = ap.parse_args()
    book = sample_book(args.data)
    r = _run(SPEED, str(book), str(args.mb))
    ok = "ok" if r["scan_cold"] < 2 else "MISSED"
    print(f"page {r['mb']:.1f} MB; {r['names']:,} refused names; peak {r['peak_gb']:.2f} GB")
    print(f"{'':60} {'seconds':>8} {'target':>10}")
    print(f"{'guard for the book (analyst)':60} {r['build']:8.3f}")
    print(f"{'scan, first (word list read on first use)':60} {r['scan_cold']:8.3f} {'< 2 ' + ok:>10}")
    print(f"{'scan, warm':60} {r['scan_warm']:8.3f}")
    print(f"{'scan with 3 leaks injected':60} {r['scan_leaky']:8.3f}")
    print(f"findings on the clean page: {r['findings_clean']}; leaks found: {', '.join(r['leaks_found'])} "
          f"({r['leak_findings']} findings)")
    if args.no_accuracy:
        return
    a = _run(ACCURACY, str(book))
    print(f"name findings on the raw summaries / event notes: rule {a['rule_summaries']} / {a['rule_notes']}, "
          f"every substring {a['substring_summaries']} / {a['substring_notes']}")
    total = sum(a["missed_two"].values())
    print(f"two-character names injected into 10 templates: {total} of {10 * a['two_char_names']:,} missed "
          f"{a['missed_two']}")
    print(f"longer names injected into 10 templates: {a['missed_longer']} of {10 * a['longer_names']:,} missed")


if __name__ == "__main__":
    main()
