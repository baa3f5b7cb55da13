"""Hot topics from the text of the summaries (诉求摘要): segmentation, keywords per segment, and
hot issues (热点问题) — clusters of complaints about the same estate, project, employer or firm.

Segmentation runs jieba (a private ``jieba.Tokenizer``) with the domain dictionary of
:mod:`workbench.hotspots.lexicon`, once per DISTINCT summary (numbers are masked first, so
"拖欠工资3个月" and "拖欠工资5个月" are one text), and caches the tokens on disk, keyed by a hash of
the text and of the dictionary, so a second analysis does not segment again.

>>> import pandas as pd, workbench as wb, tempfile
>>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
...     "case_id": ["A", "B", "C"], "received_at": ["2024-01-02", "2024-01-05", "2024-02-01"],
...     "category_l1": ["环境保护", "环境保护", "城乡建设"],
...     "summary": ["反映云溪县恒丰化工有限公司夜间偷排废气", "反映恒丰化工废气扰民", "反映锦绣花园物业管理混乱"],
... }), now="2025-01-01")
>>> d = tempfile.mkdtemp()
>>> tokenize(book, cache_dir=d).tokens.tolist()
[['云溪县恒丰化工有限公司', '夜间', '偷排', '废气'], ['恒丰化工', '废气', '扰民'], ['锦绣花园', '物业管理', '混乱']]
>>> hot_issues(book, min_cases=2, cache_dir=d)[["label", "n_cases", "case_ids"]].values.tolist()
[['恒丰化工·废气', 2, ['A', 'B']]]
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .lexicon import ENTITY_KINDS, NUMBER, STOP_WORDS, dictionary_version, ledger_lexicon

if TYPE_CHECKING:
    from ..casebook import Casebook

__all__ = ["tokenize", "keywords", "hot_issues", "cache_dir_default", "HOT_ISSUE_COLUMNS"]

HOT_ISSUE_COLUMNS = ["issue_id", "label", "n_cases", "first_at", "last_at", "regions", "categories",
                     "case_ids", "representative_case_ids", "terms"]
_WORD_FREQ = 2_000_000  # high enough that a dictionary word beats its pieces
_PARALLEL_MIN = 20_000  # distinct texts below which a second process does not pay
_ANCHOR_KINDS = (*ENTITY_KINDS, "short")


def cache_dir_default() -> Path:
    """The token cache: ``$WORKBENCH_CACHE/tokens`` if set, else ``~/.cache/workbench/tokens``."""
    env = os.environ.get("WORKBENCH_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "workbench"
    return base / "tokens"


# --------------------------------------------------------------------------- segmentation


def _normalise(summary: pd.Series) -> pd.Series:
    """Numbers masked, whitespace trimmed; missing summaries become ''."""
    s = pd.Series(summary, dtype="str").fillna("")
    return s.str.replace(NUMBER, "#", regex=True).str.strip()


def _make_tokenizer(words: Sequence[str]) -> Any:
    import jieba

    jieba.setLogLevel(60)
    tk = jieba.Tokenizer()
    tk.initialize()
    for w in words:
        tk.add_word(w, freq=_WORD_FREQ)
    return tk


def _keep(w: str) -> bool:
    return len(w) >= 2 and w not in STOP_WORDS and any("\u4e00" <= ch <= "\u9fff" or ch.isalpha() for ch in w)


def _cut_all(tk: Any, texts: Sequence[str]) -> list[list[str]]:
    return [[w for w in tk.cut(t, HMM=True) if _keep(w)] for t in texts]


_WORKER: dict[str, Any] = {}


def _cut_chunk(texts: Sequence[str]) -> list[list[str]]:
    return _cut_all(_WORKER["tk"], texts)


def _segment(texts: list[str], words: list[str], n_jobs: int) -> list[list[str]]:
    tk = _make_tokenizer(words)
    if n_jobs <= 1 or len(texts) < _PARALLEL_MIN or not hasattr(os, "fork"):
        return _cut_all(tk, texts)
    import multiprocessing as mp

    # forked workers inherit the ready tokenizer (no re-import of the caller's script, no rebuild)
    chunks = [texts[i:i + 5000] for i in range(0, len(texts), 5000)]
    _WORKER["tk"] = tk
    try:
        with ProcessPoolExecutor(n_jobs, mp_context=mp.get_context("fork")) as pool:
            out: list[list[str]] = []
            for part in pool.map(_cut_chunk, chunks):
                out.extend(part)
    finally:
        _WORKER.clear()
    return out


def _read_cache(folder: Path) -> pd.DataFrame:
    parts = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    frames = []
    for p in parts:
        try:
            frames.append(pd.read_parquet(p))
        except Exception:  # a half-written or foreign file is skipped, never fatal
            continue
    if not frames:
        return pd.DataFrame({"key": pd.Series([], dtype="uint64"), "tokens": pd.Series([], dtype=object)})
    return pd.concat(frames, ignore_index=True).drop_duplicates("key")


def _write_cache(folder: Path, keys: np.ndarray, tokens: list[list[str]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table({"key": pa.array(keys, pa.uint64()),
                      "tokens": pa.array(tokens, pa.list_(pa.string()))})
    tmp = folder / f".{uuid.uuid4().hex}.tmp"
    pq.write_table(table, tmp)
    tmp.replace(folder / f"part-{uuid.uuid4().hex}.parquet")


def _lexicon(book: Casebook, texts: list[str], root: Path | None) -> pd.DataFrame:
    """The ledger's lexicon, cached beside the tokens under a hash of the ledger's distinct texts
    and names (extracting names from every text is the slow part of a warm run)."""
    if root is None:
        return ledger_lexicon(book)
    import hashlib

    h = hashlib.blake2b(digest_size=10)
    h.update(dictionary_version([]).encode())
    h.update(np.sort(pd.util.hash_array(np.asarray(texts, dtype=object))).tobytes())
    for col, frame in (("region_name", book.cases), ("name", book.units), ("name", book.petitioners)):
        if col in frame:
            names = frame[col].dropna().astype(str).unique()
            h.update(np.sort(pd.util.hash_array(np.asarray(names, dtype=object))).tobytes())
    path = root / f"lexicon-{h.hexdigest()}.parquet"
    if path.exists():
        try:
            return pd.read_parquet(path).astype({"word": "str", "kind": "str", "key": "str"})
        except Exception:  # unreadable: rebuilt below
            pass
    lex = ledger_lexicon(book)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{uuid.uuid4().hex}.tmp"
    lex.to_parquet(tmp, index=False)
    tmp.replace(path)
    return lex


def _distinct_tokens(book: Casebook, *, cache: bool, cache_dir: str | os.PathLike[str] | None,
                     lexicon: pd.DataFrame | None, n_jobs: int | None
                     ) -> tuple[np.ndarray, list[list[str]], dict[str, Any]]:
    """(summary code per case, tokens per distinct text, stats)."""
    norm = _normalise(book.cases["summary"] if "summary" in book.cases else pd.Series([""] * len(book.cases)))
    codes, uniques = pd.factorize(norm.to_numpy(dtype=object))
    texts = [str(t) for t in uniques]
    root = Path(cache_dir) if cache_dir is not None else cache_dir_default()
    lex = lexicon if lexicon is not None else _lexicon(book, texts, root if cache else None)
    words = sorted(lex["word"].tolist())
    version = dictionary_version(words)
    keys = pd.util.hash_array(np.asarray(texts, dtype=object), hash_key=version[:16]).astype(np.uint64)
    tokens: list[list[str] | None] = [None] * len(texts)
    for i, t in enumerate(texts):
        if not t:
            tokens[i] = []
    folder = root / version
    n_cached = 0
    if cache:
        cached = _read_cache(folder)
        if len(cached):
            pos = pd.Index(cached["key"].to_numpy(dtype=np.uint64)).get_indexer(keys)
            col = cached["tokens"].to_numpy()
            for j in np.flatnonzero(pos >= 0).tolist():
                if tokens[j] is None:
                    tokens[j] = list(col[pos[j]])
                    n_cached += 1
    todo = [i for i, t in enumerate(tokens) if t is None]
    if todo:
        jobs = n_jobs if n_jobs is not None else min(2, os.cpu_count() or 1)
        cut = _segment([texts[i] for i in todo], words, jobs)
        for i, toks in zip(todo, cut, strict=True):
            tokens[i] = toks
        if cache:
            _write_cache(folder, keys[todo], cut)
    stats: dict[str, Any] = {"distinct": len(texts), "segmented": len(todo), "cached": n_cached,
                             "lexicon": lex}
    return codes, [t if t is not None else [] for t in tokens], stats


def tokenize(book: Casebook, *, cache: bool = True, cache_dir: str | os.PathLike[str] | None = None,
             n_jobs: int | None = None) -> pd.DataFrame:
    """Tokens of each case's summary (分词): case_id, tokens (list[str]; stop words, numbers and
    single characters dropped; domain terms and ledger names kept whole).

    Only distinct texts are segmented; with ``cache`` they are read from / written to
    ``cache_dir`` (default :func:`cache_dir_default`). ``.attrs`` tells what happened:
    ``{"distinct": …, "segmented": … (texts sent to jieba), "cached": …}``.
    See the module docstring for an example.
    """
    codes, toks, stats = _distinct_tokens(book, cache=cache, cache_dir=cache_dir, lexicon=None, n_jobs=n_jobs)
    col = np.empty(len(toks), dtype=object)
    col[:] = toks
    out = pd.DataFrame({"case_id": book.cases["case_id"].to_numpy(), "tokens": col[codes] if len(codes) else col[:0]})
    out.attrs.update({k: v for k, v in stats.items() if k != "lexicon"})
    return out


# --------------------------------------------------------------------------- shared pieces


def _private_words(book: Casebook, vocab: pd.Index) -> np.ndarray:
    """Which words of ``vocab`` are or contain a petitioner's name (DESIGN §9)."""
    if "name" not in book.petitioners or vocab.empty:
        return np.zeros(len(vocab), dtype=bool)
    names = set(book.petitioners["name"].dropna().astype(str).str.strip())
    names = {n for n in names if len(n) >= 2}
    if not names:
        return np.zeros(len(vocab), dtype=bool)
    out = np.zeros(len(vocab), dtype=bool)
    for i, w in enumerate(vocab):
        w = str(w)
        if w in names or any(w[a:a + k] in names for k in (2, 3, 4) for a in range(len(w) - k + 1)):
            out[i] = True
    return out


def _exploded(toks: list[list[str]]) -> pd.DataFrame:
    """(sid, word) once per distinct text and word."""
    lens = np.fromiter((len(t) for t in toks), dtype=np.int64, count=len(toks))
    words = [w for t in toks for w in t]
    df = pd.DataFrame({"sid": np.repeat(np.arange(len(toks)), lens), "word": pd.array(words, dtype="str")})
    return df.drop_duplicates(ignore_index=True)


def _segments(book: Casebook, by: str) -> pd.Series:
    cases = book.cases
    if by == "period":
        return cases["received_at"].dt.to_period("M").astype("str")
    if by == "region" and "region_code" in cases:
        return cases["region_code"].astype("str").str[:6]
    if by not in cases:
        raise KeyError(f"no column {by!r} in cases (or 'period' / 'region')")
    return cases[by].astype("str")


# --------------------------------------------------------------------------- keywords


def keywords(book: Casebook, *, by: str = "category_l1", top: int = 20, prior: float | None = None,
             cache: bool = True, cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The words that distinguish each segment from the rest (关键词): group, word, score, count.

    ``by`` is a cases column, ``"period"`` (month of receipt) or ``"region"`` (county code). The
    score is the z-score of the log-odds ratio with an informative Dirichlet prior (Monroe,
    Colaresi & Quinn 2008) over case counts (a word counts once per case); the prior is the
    whole ledger's word shares times ``prior`` (default: the ledger's total count). ``count`` is
    the number of the segment's cases using the word. Petitioner names are never listed.

    >>> import pandas as pd, workbench as wb, tempfile
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": list("ABCD"),
    ...     "received_at": ["2024-01-02"] * 4, "category_l1": ["城乡建设", "城乡建设", "环境保护", "环境保护"],
    ...     "summary": ["物业管理混乱", "物业管理收费", "工厂排放废气", "废气扰民"]}), now="2025-01-01")
    >>> kw = keywords(book, top=1, cache_dir=tempfile.mkdtemp())
    >>> kw[["group", "word", "count"]].values.tolist()
    [['城乡建设', '物业管理', 2], ['环境保护', '废气', 2]]
    """
    cols = ["group", "word", "score", "count"]
    codes, toks, _ = _distinct_tokens(book, cache=cache, cache_dir=cache_dir, lexicon=None, n_jobs=None)
    if not len(codes):
        return pd.DataFrame({c: pd.Series([], dtype="str" if c in ("group", "word") else "float64") for c in cols})
    seg = _segments(book, by).fillna("")
    pairs = (pd.DataFrame({"group": seg.to_numpy(), "sid": codes})
             .groupby(["group", "sid"], sort=False).size().rename("n").reset_index())
    terms = _exploded(toks)
    counts = (pairs.merge(terms, on="sid").groupby(["group", "word"], sort=False)["n"].sum()
              .rename("y").reset_index())
    if counts.empty:
        return pd.DataFrame({c: pd.Series([], dtype="str" if c in ("group", "word") else "float64") for c in cols})
    vocab = pd.Index(counts["word"].unique())
    private = vocab[_private_words(book, vocab)]
    counts = counts[~counts["word"].isin(private)]
    y_w = counts.groupby("word")["y"].transform("sum").to_numpy(dtype=float)
    n_i = counts.groupby("group")["y"].transform("sum").to_numpy(dtype=float)
    total = float(counts["y"].sum())
    a0 = float(prior) if prior is not None else total
    a_w = a0 * y_w / total
    y_i = counts["y"].to_numpy(dtype=float)
    y_j = y_w - y_i
    n_j = total - n_i
    delta = (np.log((y_i + a_w) / (n_i + a0 - y_i - a_w))
             - np.log((y_j + a_w) / (n_j + a0 - y_j - a_w)))
    z = delta / np.sqrt(1.0 / (y_i + a_w) + 1.0 / (y_j + a_w))
    out = pd.DataFrame({"group": counts["group"].to_numpy(), "word": counts["word"].to_numpy(),
                        "score": z, "count": counts["y"].to_numpy(dtype=np.int64)})
    out = out[out["score"] > 0].sort_values(["group", "score", "word"], ascending=[True, False, True])
    out = out.groupby("group", sort=False).head(top).reset_index(drop=True)
    return out.astype({"group": "str", "word": "str", "score": "float64", "count": "int64"})


# --------------------------------------------------------------------------- hot issues


def hot_issues(book: Casebook, *, min_cases: int = 5, top: int | None = 50, window: str = "30D",
               cache: bool = True, cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Hot issues (热点问题): clusters of complaints about one thing, one row each, hottest first.

    A case is anchored on the most specific name its summary contains (firm · factory · project ·
    estate · village, as found in the ledger; a firm's spellings share its short name 简称), and
    the cases of one anchor and one category (level 1 and 2) form an issue ("the same employer, the
    same kind of problem"). Summaries naming nothing are grouped only when their content words are
    identical, in the same county, within one ``window`` of time, and only in a burst (at least
    three times their usual count per window in that county, over at least a year). Issues of at least
    ``min_cases`` cases are ranked by a score: the cases of its busiest ``window`` (a burst), plus
    the square root of its person-visits (人次: headcount, so a collective visit weighs as its
    people), plus up to 5 for the share of collective (集体访) or skip-level (越级访) cases, plus a
    little for spread (regions) and recency.

    Columns: issue_id (stable: a hash of the issue's key), label (key terms, e.g. "恒丰化工·废气"),
    n_cases, first_at, last_at, regions (region codes, most cases first), categories (level-1
    categories, most first), case_ids (by time), representative_case_ids (up to 3 most typical
    summaries), terms (the issue's distinctive words, its anchor first). Petitioner names never
    appear in labels or terms. See the module docstring for an example.
    """
    cases = book.cases
    codes, toks, stats = _distinct_tokens(book, cache=cache, cache_dir=cache_dir, lexicon=None, n_jobs=None)
    lex = stats.pop("lexicon")
    empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in HOT_ISSUE_COLUMNS})
    if not len(codes):
        return empty
    terms = _exploded(toks)
    vocab = pd.Index(terms["word"].unique())
    private = set(vocab[_private_words(book, vocab)])
    # ---- anchor per distinct text: the most specific named entity among its tokens
    anchors = lex[lex["kind"].isin(_ANCHOR_KINDS)]
    rank = {k: i for i, k in enumerate(_ANCHOR_KINDS)}
    rank["short"] = rank["firm"]
    amap = pd.DataFrame({"word": anchors["word"].to_numpy(), "key": anchors["key"].to_numpy(),
                         "rank": anchors["kind"].map(rank).to_numpy()})
    amap = amap[~amap["key"].isin(private)]
    hit = terms.merge(amap, on="word").sort_values(["sid", "rank"], kind="stable").drop_duplicates("sid")
    sid_anchor = pd.Series(pd.NA, index=range(len(toks)), dtype="str")
    sid_anchor.iloc[hit["sid"].to_numpy()] = hit["key"].to_numpy()
    sig_code = pd.factorize(pd.Series(["|".join(sorted(set(t))) for t in toks], dtype=object))[0]
    sig_empty = np.fromiter((len(t) == 0 for t in toks), dtype=bool, count=len(toks))
    # ---- cluster key per case (integer codes: anchor+category, or words+county+time slot)
    anchor = sid_anchor.to_numpy(dtype=object)[codes]
    has_anchor = pd.notna(anchor)
    l1 = cases["category_l1"].astype("str").fillna("") if "category_l1" in cases else pd.Series([""] * len(cases))
    region = (cases["region_code"].astype("str").fillna("") if "region_code" in cases
              else pd.Series([""] * len(cases), dtype="str"))
    at = cases["received_at"]
    days = int(pd.Timedelta(window).days) or 1
    slot = ((at - pd.Timestamp(0)).dt.days // days).fillna(-1).to_numpy(dtype=np.int64)
    a_code = pd.factorize(pd.Series(anchor, dtype=object))[0]
    k1 = np.where(has_anchor, a_code, -2 - sig_code[codes])
    l2 = cases["category_l2"].astype("str").fillna("") if "category_l2" in cases else pd.Series([""] * len(cases))
    k2 = np.where(has_anchor, pd.factorize(l1 + "/" + l2)[0], pd.factorize(region.str[:6])[0])
    k3 = np.where(has_anchor, -1, slot)
    usable = (has_anchor | ~sig_empty[codes]) & at.notna().to_numpy()
    df = pd.DataFrame({"k1": k1, "k2": k2, "k3": k3, "case_id": cases["case_id"].to_numpy(), "sid": codes,
                       "at": at.to_numpy(), "region": region.to_numpy(), "l1": l1.to_numpy(), "l2": l2.to_numpy(),
                       "anchor": anchor,
                       "head": (cases["headcount"].fillna(1).to_numpy(dtype=float) if "headcount" in cases
                                else np.ones(len(cases))),
                       "esc": _flag(cases, "is_collective") | _flag(cases, "is_skip_level")})[usable]
    df["key"] = df.groupby(["k1", "k2", "k3"], sort=False).ngroup().to_numpy(dtype=np.int64)
    size = np.bincount(df["key"].to_numpy(), minlength=1)[df["key"].to_numpy()] if len(df) else np.zeros(0)
    # an unnamed complaint is hot only in a burst: at least 3× its usual count per window there
    # (the same words in the same county, over the ledger's whole span)
    n_slots = int(slot.max() - slot[slot >= 0].min() + 1) if (slot >= 0).any() else 1
    n_slots = max(n_slots, 365 // days)  # a short ledger: its counts are measured against a year
    usual = df.groupby(["k1", "k2"], sort=False)["sid"].transform("size").to_numpy(dtype=float) / n_slots
    burst = (df["k3"].to_numpy() < 0) | (size >= 3.0 * usual)
    df = df[(size >= max(1, min_cases)) & burst]
    if df.empty:
        return empty
    t_ms = df["at"].to_numpy().astype("datetime64[ms]").astype(np.int64)
    order = np.lexsort((t_ms, df["key"].to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    g = df.groupby("key", sort=False)
    summary = pd.DataFrame({"n_cases": g.size(), "first_at": g["at"].min(), "last_at": g["at"].max(),
                            "persons": g["head"].sum(), "escalated": g["esc"].mean(),
                            "anchor": g["anchor"].first(), "l1": g["l1"].first(), "l2": g["l2"].first(),
                            "sid": g["sid"].first(),
                            "n_regions": g["region"].nunique()})
    # busiest window: the most cases within `window` after any case of the issue
    span_ms = pd.Timedelta(window) // pd.Timedelta(milliseconds=1)
    t_ms = df["at"].to_numpy().astype("datetime64[ms]").astype(np.int64)
    t_ms = t_ms - t_ms.min()
    stride = int(t_ms.max()) + span_ms + 1
    flat = df["key"].to_numpy(dtype=np.int64) * stride + t_ms  # sorted: by key, then time
    ends = np.searchsorted(flat, flat + span_ms, side="left")
    df["peak"] = ends - np.arange(len(df))
    summary["peak"] = df.groupby("key", sort=False)["peak"].max()
    n_regions = summary["n_regions"]
    as_of = df["at"].max()
    recency = np.exp(-((as_of - summary["last_at"]).dt.days.to_numpy(dtype=float)) / 365.0)
    summary["score"] = (summary["peak"] + np.sqrt(summary["persons"]) + 5.0 * summary["escalated"]
                        + 0.5 * np.log1p(np.maximum(n_regions - 1, 0)) + recency)
    summary = summary.sort_values(["score", "n_cases"], ascending=False, kind="stable")
    if top is not None:
        summary = summary.head(top)
    df = df[df["key"].isin(summary.index)]
    summary["regions"] = _ranked_lists(df, "region").reindex(summary.index)
    summary["categories"] = _ranked_lists(df, "l1").reindex(summary.index)
    summary["case_ids"] = df.groupby("key", sort=False)["case_id"].agg(list).reindex(summary.index)
    # ---- distinctive terms per issue: share within the issue × rarity in the ledger
    cterms = df[["key", "sid"]].merge(terms, on="sid")
    cterms = cterms[~cterms["word"].isin(private)]
    df_w = terms["word"].value_counts()
    n_docs = max(1, len(toks))
    within = cterms.groupby(["key", "word"], sort=False).size().rename("c").reset_index()
    within["share"] = within["c"] / within["key"].map(summary["n_cases"]).to_numpy(dtype=float)
    within["w"] = within["share"] * np.log1p(n_docs / within["word"].map(df_w).to_numpy(dtype=float))
    anchor_words = set(amap["word"]) | set(lex.loc[lex["kind"].isin(["place", "unit"]), "word"])
    within["is_name"] = within["word"].isin(anchor_words)
    within = within.sort_values(["key", "w", "word"], ascending=[True, False, True], kind="stable")
    content = within[~within["is_name"] & (within["share"] >= 0.2)]
    top_terms = content.groupby("key", sort=False)["word"].agg(lambda s: list(s[:5]))
    summary["content"] = top_terms.reindex(summary.index)
    summary["content"] = summary["content"].map(lambda v: v if isinstance(v, list) else [])
    summary["terms"] = [([a] if isinstance(a, str) else []) + c for a, c in zip(summary["anchor"], summary["content"], strict=True)]
    summary["label"] = ["·".join(ts[:2]) if ts else "" for ts in summary["terms"]]
    # ---- representative cases: the summaries whose words are most shared within the issue
    wshare = within.set_index(["key", "word"])["share"]
    cterms["share"] = wshare.reindex(pd.MultiIndex.from_frame(cterms[["key", "word"]])).to_numpy()
    typ = cterms.groupby(["key", "sid"], sort=False)["share"].mean().rename("typ").reset_index()
    reps = (df.drop_duplicates(["key", "sid"]).merge(typ, on=["key", "sid"], how="left")
            .fillna({"typ": 0.0}).sort_values(["key", "typ", "at"], ascending=[True, False, True], kind="stable"))
    summary["representative_case_ids"] = reps.groupby("key", sort=False)["case_id"].agg(lambda s: list(s[:3]))
    # stable ids: a hash of what the issue is (anchor + category, or its words + county + slot)
    first = df.drop_duplicates("key").set_index("key").reindex(summary.index)
    ident = np.where(pd.notna(summary["anchor"]).to_numpy(),
                     "E|" + summary["anchor"].fillna("").astype(str) + "|" + summary["l1"].astype(str)
                     + "/" + summary["l2"].astype(str),
                     "T|" + pd.Series([" ".join(sorted(set(toks[i]))) for i in summary["sid"]], index=summary.index)
                     + "|" + first["region"].astype(str).str[:6] + "|" + (first["k3"].astype(str)))
    summary["issue_id"] = ["HI" + format(int(h), "016x")[:10] for h in
                           pd.util.hash_array(np.asarray(ident, dtype=object))]
    out = summary.reset_index(drop=True)[HOT_ISSUE_COLUMNS]
    return out.astype({"n_cases": "int64"})


def _flag(cases: pd.DataFrame, col: str) -> np.ndarray:
    if col not in cases:
        return np.zeros(len(cases), dtype=bool)
    return cases[col].fillna(False).to_numpy(dtype=bool)


def _ranked_lists(df: pd.DataFrame, col: str) -> pd.Series:
    """Per issue, the distinct values of ``col``, most frequent first."""
    c = df[df[col].notna() & (df[col].astype(str) != "")].groupby(["key", col], sort=False).size().rename("n").reset_index()
    c = c.sort_values(["key", "n", col], ascending=[True, False, True], kind="stable")
    lists = c.groupby("key", sort=False)[col].agg(list)
    return lists.reindex(df["key"].unique()).map(lambda v: v if isinstance(v, list) else [])
