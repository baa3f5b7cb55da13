"""Benchmark: petitioner records resolved into persons (workbench.identity), against the
generator's truth and against splink (the anchor library, on DuckDB), side by side.

    python benchmarks/bench_identity.py                   # sample, seed 23, 1M book, splink
    python benchmarks/bench_identity.py --cases 200000    # a quicker large book
    python benchmarks/bench_identity.py --no-splink

Accuracy (records in both the book and the truth; truth = the generator's person_id):

- pairwise precision: of the record pairs put into one person, the share that truly are one
  person; pairwise recall: of the true same-person record pairs, the share put together.
- B-cubed precision / recall: per record, the share of its predicted person that is truly its
  person / of its true person that was predicted with it, averaged over records.
- exact-cluster precision / recall: the share of predicted persons that are exactly one true
  person / of true persons found exactly.

Targets: pairwise precision >= 0.98 and recall >= 0.95 on the bundled sample (seed 7) and on a
second city (seed 23); resolving the 1M-case book's petitioner records (~1.2M) in < 3 minutes
and < 8 GB peak, each measured in a fresh process.

splink gets the same normalised inputs (folded name, its loose pinyin key, ID number, phone
digits, household address, village and county), the same blocking keys, comparisons for name
(exact / same pinyin key / Jaro-Winkler on the name), ID, phone, household, village; u by
random sampling, m by EM on two blocking rules; links at match probability >= 0.9, clustered by
connected components. It runs in a fresh process too, timed from the records to clusters.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_clocks import PEAK, _run, arguments, cached_book  # noqa: E402

ROOT = HERE.parent
SAMPLE = ROOT / "data" / "sample"
DATA = HERE / "_data"

OURS = PEAK + """
import json, pickle, sys, time
import pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.identity.resolve import resolve_persons, accuracy
out = {"records": len(book.petitioners)}
t = time.perf_counter(); p = resolve_persons(book, overrides=None); out["seconds"] = time.perf_counter() - t
out["persons"] = len(p.persons); out["links"] = len(p.links); out["rejected"] = len(p.rejected)
out["flagged"] = int(p.persons["flagged"].sum())
out["peak_gb"] = peak_gb()
if len(sys.argv) > 2:
    truth = pd.read_csv(sys.argv[2], dtype={"petitioner_id": "str", "person_id": "str"}, usecols=["petitioner_id", "person_id"])
    out.update(accuracy(p.records.set_index("petitioner_id")["person_key"], truth.set_index("petitioner_id")["person_id"]))
print(json.dumps(out))
"""

SPLINK = PEAK + """
import json, pickle, sys, time, logging
import numpy as np, pandas as pd
book = pickle.load(open(sys.argv[1], "rb"))
from workbench.identity.resolve import _normalise, accuracy
from workbench.identity.names import NameTable, fold_names
out = {"records": len(book.petitioners)}
t = time.perf_counter()
recs = book.petitioners.reset_index(drop=True)
norm = _normalise(recs)
folded = fold_names(recs["name"])
nt = NameTable.of_folded(folded)
code = nt.code_of(folded, folded=True)
key = pd.Series(nt.key, dtype="int64").astype("str").reindex(code).to_numpy()
df = pd.DataFrame({"unique_id": recs["petitioner_id"].astype(object), "name": folded.astype(object),
                   "name_key": pd.Series(key).astype(object),
                   "id_number": norm["id"].astype(object), "phone": norm["phone"].astype(object),
                   "house": norm["house"].astype(object), "village": norm["village"].astype(object),
                   "county": norm["county"].astype(object), "birth": norm["birth"].astype(object)})
df = df.where(df.notna(), None)
import splink.comparison_library as cl
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
logging.getLogger("splink").setLevel(logging.ERROR)
name_cmp = cl.CustomComparison(output_column_name="name", comparison_levels=[
    cll.NullLevel("name"), cll.ExactMatchLevel("name"), cll.ExactMatchLevel("name_key"),
    cll.JaroWinklerLevel("name", 0.85), cll.ElseLevel()])
settings = SettingsCreator(
    link_type="dedupe_only",
    blocking_rules_to_generate_predictions=[block_on("id_number"), block_on("phone"), block_on("house"),
                                            block_on("village", "name_key"), block_on("birth", "name_key")],
    comparisons=[name_cmp, cl.ExactMatch("id_number"), cl.ExactMatch("phone"), cl.ExactMatch("house"),
                 cl.ExactMatch("village")],
    retain_intermediate_calculation_columns=False)
db = DuckDBAPI()
sdf = db.register(df)
linker = Linker(sdf, settings)
linker.training.estimate_probability_two_random_records_match([block_on("id_number")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("village", "name_key"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
pred = linker.inference.predict(threshold_match_probability=0.9)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
cdf = clusters.as_pandas_dataframe()
out["seconds"] = time.perf_counter() - t
out["peak_gb"] = peak_gb()
if len(sys.argv) > 2:
    truth = pd.read_csv(sys.argv[2], dtype={"petitioner_id": "str", "person_id": "str"}, usecols=["petitioner_id", "person_id"])
    out.update(accuracy(cdf.set_index("unique_id")["cluster_id"].astype(str), truth.set_index("petitioner_id")["person_id"]))
print(json.dumps(out))
"""


def _sample_book() -> tuple[Path, Path]:
    """The bundled sample as loaded by the workbench (pickled once) and its truth file."""
    path = DATA / "identity_sample.pkl"
    if not path.exists():
        import workbench

        DATA.mkdir(parents=True, exist_ok=True)
        book = workbench.load([SAMPLE / "ledger.xlsx", SAMPLE / "events.csv"])
        path.write_bytes(pickle.dumps(book, protocol=5))
    return path, SAMPLE / "truth" / "truth_persons.csv"


def _city(n_cases: int, seed: int) -> tuple[Path, Path]:
    """A generated city (Casebook.from_frames) and its truth file, pickled once."""
    path = DATA / f"identity_city_{n_cases}_{seed}.pkl"
    truth = DATA / f"identity_city_{n_cases}_{seed}_truth_persons.csv"
    if not path.exists():
        from workbench.sample import generate

        DATA.mkdir(parents=True, exist_ok=True)
        book, t = generate(n_cases, seed)
        path.write_bytes(pickle.dumps(book, protocol=5))
        assert t.persons is not None
        t.persons.to_csv(truth, index=False)
    return path, truth


def main() -> None:
    ap = arguments()
    ap.add_argument("--city-seed", type=int, default=23)
    ap.add_argument("--no-splink", action="store_true")
    args = ap.parse_args()
    rows = []
    for name, (book, truth) in (("sample (seed 7)", _sample_book()),
                                (f"city (seed {args.city_seed})", _city(20000, args.city_seed))):
        rows.append((name, "workbench", _run(OURS, str(book), str(truth))))
        if not args.no_splink:
            rows.append((name, "splink", _run(SPLINK, str(book), str(truth))))
    big = cached_book(args)
    rows.append((f"{args.cases:,} cases", "workbench", _run(OURS, str(big))))
    if not args.no_splink:
        rows.append((f"{args.cases:,} cases", "splink", _run(SPLINK, str(big))))
    head = f"{'book':22} {'method':10} {'records':>9} {'seconds':>8} {'peak GB':>8} {'pair P':>7} {'pair R':>7} {'B3 P':>7} {'B3 R':>7} {'clu P':>7} {'clu R':>7}"
    print(head)
    for name, method, r in rows:
        acc = " ".join(f"{r[k]:7.4f}" if k in r else f"{'-':>7}" for k in (
            "pair_precision", "pair_recall", "bcubed_precision", "bcubed_recall", "cluster_precision", "cluster_recall"))
        print(f"{name:22} {method:10} {r['records']:9,} {r['seconds']:8.1f} {r['peak_gb']:8.2f} {acc}")
    print("targets: pair precision >= 0.98, recall >= 0.95 (both cities); 1M book < 180 s, < 8 GB")
    print(json.dumps({f"{n} / {m}": r for n, m, r in rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
