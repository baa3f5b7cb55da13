"""Repeat petitions and escalation (重复信访、越级上行) by matter, from resolved persons (DESIGN §7).

Each person's cases (roles petitioner 信访人 and representative 代表; a co-signer 联名人 is not
counted as petitioning again) are grouped into *matters* (信访事项): the same category_l1 /
category_l2 and county (the first six digits of ``region_code``), each case received within
``window_days`` of the previous case of the matter, or joined by the ledger's ``repeat_of`` link
(重复信访件编号) when the same person is named on both cases. Within a matter the first case is
the 初件 (``repeat_no`` 1) and the later ones are 重复件.

A matter is *open* (unresolved, 未化解) when a case of it is neither closed nor declined (不予受理),
a review or recheck requested is not yet decided (复查/复核 pending), its latest case was answered
with 不满意, or its latest petition came after its latest reply or closure (a repeat the unit never
answered on substance). A *long-running* matter (上访老户的积案) has at least ``long_running[0]``
cases spread over at least ``long_running[1]`` years; a person is long-running when one of their
matters is. The point is the backlog and the units that handled it, not the person (DESIGN §9).

Privacy: outputs carry ``person_key`` only, plus ``name`` for the supervisor role; for any role
other than supervisor the person links of accusation cases (揭发控告) are dropped before anything
is computed and counted in ``.attrs["hidden_accusation_links"]`` / ``["hidden_accusation_cases"]``.

>>> from types import SimpleNamespace
>>> import workbench as wb
>>> cases = pd.DataFrame({"case_id": ["A", "B", "C"], "received_at": ["2025-01-05", "2025-03-01", "2025-06-01"],
...     "registered_unit_id": ["UC", "UM", "UP"], "region_code": "339921", "category": "经济管理_企业改制",
...     "responsible_unit_id": "UC"})
>>> units = pd.DataFrame({"unit_id": ["UC", "UM", "UP"], "name": ["县信访局", "市信访局", "省信访局"],
...     "level": ["county", "city", "province"]})
>>> book = wb.Casebook.from_frames(cases=cases, units=units, now="2026-01-01")
>>> cp = pd.DataFrame({"case_id": ["A", "B", "C"], "petitioner_id": "R1", "person_key": "P0000000001",
...     "role": "petitioner"})
>>> rep = repeat_matters(book, SimpleNamespace(case_persons=cp, records=None))
>>> rep.cases["repeat_no"].tolist(), rep.matters.loc[0, "path"], bool(rep.matters.loc[0, "escalated"])
([1, 2, 3], 'county→city→province', True)
>>> rep.rate()["rate"].round(3).tolist()
[0.667]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ids import hex_ids

__all__ = ["BANDS", "LEVELS", "Repeats", "repeat_matters"]

#: unit levels, lowest first (township and village count as below county)
LEVELS: tuple[str, ...] = ("village", "township", "county", "city", "province", "central")
#: repeat-count bands of persons (cases per person)
BANDS: tuple[str, ...] = ("1", "2–5", "6–10", "11–30", "31–50", "50+")
_BAND_EDGES = np.array([1, 2, 6, 11, 31, 51])
_DAY_MS = 86_400_000
_ROLES = ("petitioner", "representative", "cosigner")
_REJECT_STATUS = ("不予受理", "不再受理", "rejected")
_REVIEW_STATUS = ("复查", "复核", "review", "recheck")
_STR_LIST = pd.ArrowDtype(pa.list_(pa.string()))
# the escalation path of each set of levels reached (bit i = LEVELS[i]); steps of a running
# maximum are strictly increasing, so the set determines the path
_PATHS = np.array(["→".join(LEVELS[i] for i in range(len(LEVELS)) if m >> i & 1) for m in range(1 << len(LEVELS))],
                  dtype=object)


# ----------------------------------------------------------------------------- shared helpers

def _role() -> str:
    from ..config import get_config

    return get_config().role


def _short_keys(prefix: str, parts: list[pd.Series]) -> pd.Series:
    """``prefix`` + 10 hex digits of a hash of the given string columns (no personal data)."""
    joined = parts[0].astype("str").fillna("")
    for p in parts[1:]:
        joined = joined + "\x1f" + p.astype("str").fillna("")
    h = pd.util.hash_pandas_object(joined.reset_index(drop=True), index=False).to_numpy(dtype=np.uint64)
    keys = pc.utf8_slice_codeunits(hex_ids(prefix, h), 0, len(prefix) + 10)
    return pd.Series(keys, dtype="str")


def _case_persons(book, persons: Any, role: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """(case_pos, case_id, person_key, role) of every link to a known case, privacy applied.

    Rules: a link without a ``person_key`` is its own person (``P`` + a hash of its record id,
    counted as ``unresolved_links``); a missing role is ``petitioner``; links to cases not in
    ``book.cases`` are dropped (``unknown_case_links``); for roles other than supervisor the links
    of accusation cases are dropped (``hidden_accusation_links`` / ``hidden_accusation_cases``).
    """
    cp = getattr(persons, "case_persons", None)
    if cp is None or "person_key" not in cp.columns:
        cp = book.case_petitioners[["case_id", "petitioner_id", "role"]]
        rec = getattr(persons, "records", None)
        if rec is not None and len(rec):
            cp = cp.merge(rec[["petitioner_id", "person_key"]].drop_duplicates("petitioner_id"),
                          on="petitioner_id", how="left")
        else:
            cp = cp.assign(person_key=pd.Series(pd.NA, index=cp.index, dtype="str"))
    cp = cp.reset_index(drop=True)
    attrs: dict[str, int] = {}
    pk = cp["person_key"].astype("str")
    miss = pk.isna().to_numpy()
    attrs["unresolved_links"] = int(miss.sum())
    if miss.any():
        pid = cp["petitioner_id"].astype("str") if "petitioner_id" in cp else pd.Series(pd.NA, index=cp.index, dtype="str")
        own = "link:" + cp["case_id"].astype("str") + ":" + pd.Series(np.arange(len(cp)), index=cp.index).astype("str")
        pk = pk.where(~miss, _short_keys("P", [pid.fillna(own)]).to_numpy())
    roles = cp["role"].astype("str").fillna("petitioner") if "role" in cp else pd.Series("petitioner", index=cp.index)
    cases = book.cases
    pos = pd.Index(cases["case_id"]).get_indexer(cp["case_id"].astype("str"))
    ok = pos >= 0
    attrs["unknown_case_links"] = int((~ok).sum())
    out = pd.DataFrame({"case_pos": pos, "case_id": cp["case_id"].astype("str"), "person_key": pk,
                        "role": roles})[ok].reset_index(drop=True)
    attrs["hidden_accusation_links"] = 0
    attrs["hidden_accusation_cases"] = 0
    if role != "supervisor" and "demand_type" in cases:
        acc = (cases["demand_type"].astype("str") == "accusation").fillna(False).to_numpy(dtype=bool)
        hide = acc[out["case_pos"].to_numpy()]
        attrs["hidden_accusation_links"] = int(hide.sum())
        attrs["hidden_accusation_cases"] = int(out.loc[hide, "case_pos"].nunique())
        out = out[~hide].reset_index(drop=True)
    return out, attrs


def _level_rank(book) -> np.ndarray:
    """Per case, the rank in :data:`LEVELS` of its registering unit (登记机关); -1 when unknown."""
    u = book.units
    rank = pd.Series(pd.Categorical(u["level"].astype("str"), categories=list(LEVELS)).codes,
                     index=u["unit_id"].astype("str"))
    rank = rank[~rank.index.duplicated()]
    r = rank.reindex(book.cases["registered_unit_id"].astype("str")).to_numpy()
    return np.where(np.isnan(r.astype(float)), -1, r).astype(np.int64)


def _take(s: pd.Series, idx: np.ndarray) -> pd.Series:
    """``s`` at positions ``idx`` (arrow-backed, no object round trip), on a fresh index."""
    return s.iloc[idx].reset_index(drop=True)


def _ms(s: pd.Series) -> np.ndarray:
    """Milliseconds since the epoch, ``NaT`` → int64 min."""
    return s.astype("datetime64[ms]").to_numpy().view(np.int64)


def _starts(groups: np.ndarray) -> np.ndarray:
    """Start positions of the runs of a sorted group-code array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def _path_masks(group: np.ndarray, rank: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Highest level rank and the escalation-path mask of each group, rows sorted by (group, time).

    The path is the levels where the running maximum of a group's levels first reaches a new
    height (county, county, city, county, province → county→city→province); unknown levels are
    skipped."""
    r1 = rank + 1  # 0 = unknown
    off = group.astype(np.int64) * 8
    run = np.maximum.accumulate(r1 + off) - off
    start = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, bool)
    prev = np.r_[0, run[:-1]]
    step = (run > 0) & (start | (run > prev))
    bits = np.where(step, np.left_shift(1, np.maximum(run - 1, 0)), 0)
    mask = np.bincount(group, weights=bits, minlength=n_groups).astype(np.int64)
    high = np.full(n_groups, -1, dtype=np.int64)
    np.maximum.at(high, group, rank)
    return high, mask


def _pa(values: pd.Series | np.ndarray) -> pa.Array:
    """A pyarrow string array of any string-like column (missing values → null)."""
    arr = pa.array(pd.Series(values).astype("str"), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def _join(parts: list[pd.Series | np.ndarray], sep: str) -> pd.Series:
    """Element-wise join of string columns, skipping missing or empty parts; nothing left → NA."""
    acc = pd.Series(parts[0]).astype("str").fillna("").reset_index(drop=True)
    for p in parts[1:]:
        nxt = pd.Series(p).astype("str").fillna("").reset_index(drop=True)
        both = (acc != "") & (nxt != "")
        acc = (acc + sep + nxt).where(both, acc + nxt)
    return acc.where(acc != "")


def _level_labels(rank: np.ndarray) -> pd.Series:
    lab = np.array([*LEVELS, None], dtype=object)[np.where(rank < 0, len(LEVELS), rank)]
    return pd.Series(lab, dtype="str")


def _lists(group: np.ndarray, values: pd.Series | np.ndarray, n_groups: int, distinct: bool = False) -> pd.Series:
    """A list column: the values of each group in row order (rows sorted by group); ``distinct``
    keeps each value once (first occurrence) and leaves missing values out."""
    vals = pd.Series(values).astype("str").reset_index(drop=True)
    g = np.asarray(group)
    if distinct:
        keep = ~pd.DataFrame({"g": g, "v": vals}).duplicated().to_numpy()
        g, vals = g[keep], vals[keep].reset_index(drop=True)
    if distinct:
        keep = vals.notna().to_numpy()
        g, vals = g[keep], vals[keep]
    offsets = np.r_[0, np.cumsum(np.bincount(g, minlength=n_groups))].astype(np.int32)
    la = pa.ListArray.from_arrays(pa.array(offsets), _pa(vals))
    return pd.Series(la, dtype=_STR_LIST)


def _case_state(book) -> pd.DataFrame:
    """Per case (book order): unresolved (neither closed nor declined, or a review pending),
    dissatisfied, answer time (latest of replied/closed) and an outcome label."""
    c = book.cases
    n = len(c)
    idx = pd.Index(c["case_id"])
    status = c["status"].astype("str") if "status" in c else pd.Series(pd.NA, index=c.index, dtype="str")
    ev = book.events
    ev = ev[ev["action"].isin(["reject", "review_request", "review", "recheck_request", "recheck"])]
    acts = pd.DataFrame({"pos": idx.get_indexer(ev["case_id"]), "a": ev["action"].astype("str").to_numpy()})
    acts = acts[acts["pos"] >= 0]
    cnt = {a: np.bincount(acts.loc[acts["a"] == a, "pos"].to_numpy(), minlength=n)
           for a in ("reject", "review_request", "review", "recheck_request", "recheck")}
    closed = c["closed_at"].notna().to_numpy() if "closed_at" in c else np.zeros(n, bool)
    rejected = (cnt["reject"] > 0) | status.isin(_REJECT_STATUS).to_numpy()
    review_pending = ((cnt["review_request"] > cnt["review"]) | (cnt["recheck_request"] > cnt["recheck"])
                      | status.isin(_REVIEW_STATUS).to_numpy())
    sat = c["satisfaction"].astype("str") if "satisfaction" in c else pd.Series(pd.NA, index=c.index, dtype="str")
    answer = np.full(n, np.iinfo(np.int64).min)
    for col in ("replied_at", "closed_at"):
        if col in c:
            answer = np.maximum(answer, _ms(c[col]))
    # the ledger's status when it has one, else the state its dates and events show
    found = pd.Series(np.where(closed, "closed", np.where(rejected, "declined", np.where(
        c["replied_at"].notna().to_numpy() if "replied_at" in c else np.zeros(n, bool), "replied", "open"))), dtype="str")
    status = status.where(status.notna(), found)
    tag = pd.Series(np.where(cnt["recheck_request"] > 0, "复核", np.where(cnt["review_request"] > 0, "复查", "")),
                    dtype="str")
    outcome = _join([status, sat, tag], "/")
    return pd.DataFrame({
        "unresolved": (~closed & ~rejected) | review_pending,
        "not_closed": ~closed & ~rejected,
        "review_pending": review_pending,
        "dissatisfied": (sat == "dissatisfied").fillna(False).to_numpy(dtype=bool),
        "answer_ms": answer,
        "outcome": outcome.reset_index(drop=True),
    })


_OPEN_REASONS = ("not_closed", "review_pending", "dissatisfied", "unanswered_repeat")


def _open_flags(group: np.ndarray, case_pos: np.ndarray, received_ms: np.ndarray, state: pd.DataFrame,
                n_groups: int) -> tuple[np.ndarray, pd.Series]:
    """Whether each group (of rows sorted by group, time) is open, and why (comma-joined)."""
    not_closed = np.bincount(group, weights=state["not_closed"].to_numpy()[case_pos], minlength=n_groups) > 0
    pending = np.bincount(group, weights=state["review_pending"].to_numpy()[case_pos], minlength=n_groups) > 0
    last = np.r_[group[1:] != group[:-1], True] if len(group) else np.zeros(0, bool)
    unhappy = np.zeros(n_groups, bool)
    unhappy[group[last]] = state["dissatisfied"].to_numpy()[case_pos[last]]
    answer = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(answer, group, state["answer_ms"].to_numpy()[case_pos])
    latest = np.full(n_groups, np.iinfo(np.int64).min)
    np.maximum.at(latest, group, received_ms)
    unanswered = (latest > answer) & (np.bincount(group, minlength=n_groups) >= 2)  # a repeat, not a first case
    flags = [not_closed, pending, unhappy, unanswered]
    why = _join([pd.Series(np.where(f, name, ""), dtype="str") for f, name in zip(flags, _OPEN_REASONS, strict=True)], ",")
    is_open = not_closed | pending | unhappy | unanswered
    return is_open, why


def _spans_years(first_ms: np.ndarray, last_ms: np.ndarray, years: float) -> np.ndarray:
    """last ≥ first + ``years`` calendar years (whole years by the calendar, fractions in days)."""
    first = pd.Series(first_ms.astype("datetime64[ms]"))
    whole = int(years)
    bound = first + pd.DateOffset(years=whole) if whole else first
    bound = bound + pd.to_timedelta((years - whole) * 365.25, unit="D")
    return last_ms >= _ms(bound)


def _names(persons: Any, keys: pd.Series, role: str) -> pd.Series | None:
    """Each person's name, for the supervisor only (None otherwise or when not known)."""
    p = getattr(persons, "persons", None)
    if role != "supervisor" or p is None or "name" not in getattr(p, "columns", ()):
        return None
    names = p.drop_duplicates("person_key").set_index("person_key")["name"]
    return pd.Series(names.reindex(keys).to_numpy(), dtype="str")


# ----------------------------------------------------------------------------- repeats

@dataclass
class Repeats:
    """Repeat petitions by matter: ``cases`` (case × person), ``matters`` and ``persons``."""

    cases: pd.DataFrame
    matters: pd.DataFrame
    persons: pd.DataFrame
    window_days: int = 365
    long_running_rule: tuple[float, float] = (8, 2)
    _case_flags: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    _book_cases: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def rate(self, by: str | list[str] | None = None) -> pd.DataFrame:
        """重复信访率: repeat cases / all cases, overall or by case column(s) of ``book.cases``.

        A case is a repeat (重复件) when, for any person named on it as petitioner or
        representative, an earlier case of the same matter exists (found here by persons and
        matters). The denominator is every case of the ledger, with or without a named person.
        ``ledger_rate`` beside it is the KPI of :mod:`workbench.rules.kpis` (``repeat``): the
        ledger's own flag (not ``is_first``, from 重复信访标志 / ``repeat_of``), which misses
        repeats the system did not link (another record of the person, another registering organ)
        and counts cases the system linked whatever their matter. Accusation cases are counted
        here for every role: the rate is not person-level output.
        """
        c = self._book_cases
        df = pd.DataFrame({"cases": 1, "repeat_cases": self._case_flags["is_repeat"].to_numpy().astype(np.int64)})
        first = c["is_first"].fillna(True).to_numpy(dtype=bool) if "is_first" in c else np.ones(len(c), bool)
        df["ledger_repeat_cases"] = (~first).astype(np.int64)
        if by is None:
            out = df.sum().to_frame().T
        else:
            cols = [by] if isinstance(by, str) else list(by)
            for col in cols:
                df[col] = c[col].to_numpy()
            out = df.groupby(cols, dropna=False, sort=True)[["cases", "repeat_cases", "ledger_repeat_cases"]].sum()
            out = out.reset_index()
        out["rate"] = out["repeat_cases"] / out["cases"].where(out["cases"] > 0)
        out["ledger_rate"] = out["ledger_repeat_cases"] / out["cases"].where(out["cases"] > 0)
        return out.reset_index(drop=True)

    def bands(self) -> pd.DataFrame:
        """Persons per repeat-count band (cases per person: 1, 2–5, 6–10, 11–30, 31–50, 50+)."""
        counts = self.persons["band"].value_counts().reindex(list(BANDS), fill_value=0)
        cases = self.persons.groupby("band")["n_cases"].sum().reindex(list(BANDS), fill_value=0)
        out = pd.DataFrame({"band": list(BANDS), "persons": counts.to_numpy().astype(np.int64),
                            "cases": cases.to_numpy().astype(np.int64)})
        out["share"] = out["persons"] / max(int(out["persons"].sum()), 1)
        return out

    def long_running_matters(self) -> pd.DataFrame:
        """The long-running matters (上访老户的积案), open ones first, with their handling units."""
        m = self.matters[self.matters["long_running"]]
        return m.sort_values(["open", "n_cases"], ascending=[False, False], kind="stable").reset_index(drop=True)


def repeat_matters(book, persons: Any = None, *, window_days: int = 365,
                   long_running: tuple[float, float] = (8, 2), role: str | None = None) -> Repeats:
    """Group each person's cases into matters and trace their repeats and escalation.

    ``persons``: anything with ``case_persons`` (case_id, person_key, role) or ``records``
    (petitioner_id → person_key), e.g. :func:`workbench.identity.resolve.resolve_persons`'s
    result (the default). ``long_running``: (minimum cases, minimum years). ``role``: the viewer
    (default the configured one). See the module docstring for the rules.
    """
    role = role or _role()
    if persons is None:
        from .resolve import resolve_persons

        persons = resolve_persons(book)
    cp, attrs = _case_persons(book, persons, role)
    state = _case_state(book)
    level = _level_rank(book)
    rows, matters, people = _compute(book, cp, state, level, window_days, long_running, persons, role)
    if attrs["hidden_accusation_links"]:
        full, _ = _case_persons(book, persons, "supervisor")
        flags_rows = _case_rows(book, full, window_days)
    else:
        flags_rows = rows
    rep = np.zeros(len(book.cases), bool)
    rp = flags_rows["case_pos"].to_numpy()[flags_rows["repeat_no"].to_numpy() > 1]
    rep[rp] = True
    case_flags = pd.DataFrame({"case_id": book.cases["case_id"].to_numpy(), "is_repeat": rep})
    attrs["cases_without_person"] = int(len(book.cases) - cp["case_pos"].nunique())
    attrs["unknown_level_cases"] = int((level[rows["case_pos"].to_numpy()] < 0).sum()) if len(rows) else 0
    attrs["role"] = role  # type: ignore[assignment]
    out_cases = rows.drop(columns=["case_pos", "_m"])
    for df in (out_cases, matters, people):
        df.attrs.update(attrs)
    return Repeats(out_cases, matters, people, window_days, long_running, case_flags, book.cases)


def _case_rows(book, cp: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """One row per (case, person) of role petitioner/representative, with matter and repeat_no."""
    c = book.cases
    r = cp[cp["role"].isin(["petitioner", "representative"])]
    # one row per (case, person): petitioner before representative
    r = r.assign(_o=(r["role"] != "petitioner").astype(np.int8)).sort_values(["case_pos", "_o"], kind="stable")
    r = r.drop_duplicates(["case_pos", "person_key"]).drop(columns="_o").reset_index(drop=True)
    pos = r["case_pos"].to_numpy()
    pk, _ = pd.factorize(r["person_key"])
    cat1 = pd.factorize(c["category_l1"].astype("str").fillna(""))[0][pos] if "category_l1" in c else np.zeros(len(r))
    cat2 = pd.factorize(c["category_l2"].astype("str").fillna(""))[0][pos] if "category_l2" in c else np.zeros(len(r))
    county_all = c["region_code"].astype("str").str.slice(0, 6) if "region_code" in c else pd.Series("", index=c.index)
    county = pd.factorize(county_all.fillna(""))[0][pos]
    recv = _ms(c["received_at"])[pos]
    o = np.lexsort((pos, recv, county, cat2, cat1, pk))
    r = r.iloc[o].reset_index(drop=True)
    pos, pk, cat1, cat2, county, recv = pos[o], pk[o], cat1[o], cat2[o], county[o], recv[o]
    n = len(r)
    if n:
        same = np.r_[False, (pk[1:] == pk[:-1]) & (cat1[1:] == cat1[:-1]) & (cat2[1:] == cat2[:-1])
                     & (county[1:] == county[:-1])]
        near = np.r_[False, (recv[1:] - recv[:-1]) <= window_days * _DAY_MS]
        seg = np.cumsum(~(same & near)) - 1
    else:
        seg = np.zeros(0, dtype=np.int64)
    n_seg = int(seg.max()) + 1 if n else 0
    matter = seg
    if "repeat_of" in c and n:
        target = pd.Index(c["case_id"]).get_indexer(c["repeat_of"].astype("str"))[pos]
        has = target >= 0
        if has.any():
            ncase = np.int64(len(c) + 1)
            key = pd.Index(pk.astype(np.int64) * ncase + pos)
            t = key.get_indexer(pk[has].astype(np.int64) * ncase + target[has])
            a, b = seg[has][t >= 0], seg[t[t >= 0]]
            if len(a):
                from scipy.sparse import coo_matrix
                from scipy.sparse.csgraph import connected_components

                g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n_seg, n_seg))
                _, matter = connected_components(g, directed=False)
                matter = matter[seg]
    # renumber matters by (person, first case time) and order rows by (matter, time)
    o = np.lexsort((pos, recv, matter))
    r = r.iloc[o].reset_index(drop=True)
    matter, recv, pos = matter[o], recv[o], pos[o]
    starts = _starts(matter)
    mcode = np.zeros(n, dtype=np.int64)
    if n:
        mcode[starts] = 1
        mcode = np.cumsum(mcode) - 1
    first_row = starts[mcode] if n else np.zeros(0, dtype=np.int64)
    r["repeat_no"] = (np.arange(n) - first_row + 1).astype(np.int64)
    r["_m"] = mcode
    first_case = _take(r["case_id"], first_row)
    r["matter_key"] = _short_keys("M", [r["person_key"], first_case]).to_numpy()
    return r


def _compute(book, cp: pd.DataFrame, state: pd.DataFrame, level: np.ndarray, window_days: int,
             long_running: tuple[float, float], persons: Any, role: str
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    c = book.cases
    r = _case_rows(book, cp, window_days)
    n = len(r)
    pos = r["case_pos"].to_numpy()
    m = r["_m"].to_numpy()
    nm = int(m.max()) + 1 if n else 0
    recv = _ms(c["received_at"])[pos]
    rank = level[pos]
    r["is_repeat"] = r["repeat_no"].to_numpy() > 1
    r["level"] = _level_labels(rank).to_numpy()
    r["received_at"] = c["received_at"].to_numpy()[pos]
    cases_out = r[["case_id", "person_key", "matter_key", "repeat_no", "is_repeat", "level", "received_at",
                   "role", "case_pos", "_m"]]

    # ---------------------------------------------------------------- matters
    starts = _starts(m)
    ends = np.r_[starts[1:], n] - 1 if n else starts
    fp = pos[starts]
    high, mask = _path_masks(m, rank, nm)
    county = c["region_code"].astype("str").str.slice(0, 6) if "region_code" in c else pd.Series(pd.NA, index=c.index)

    def col(name: str) -> np.ndarray:
        return _take(c[name], fp) if name in c else pd.Series(pd.NA, index=range(nm), dtype="str")

    first_ms, last_ms = recv[starts], recv[ends]
    n_cases = np.bincount(m, minlength=nm)
    is_open, why = _open_flags(m, pos, recv, state, nm)
    lr = (n_cases >= long_running[0]) & _spans_years(first_ms, last_ms, long_running[1])
    unit_ids = c["responsible_unit_id"].astype("str") if "responsible_unit_id" in c else pd.Series(pd.NA, index=c.index, dtype="str")
    unit_name = book.units.drop_duplicates("unit_id").set_index("unit_id")["name"]
    first_level = rank[starts]
    matters = pd.DataFrame({
        "matter_key": _take(r["matter_key"], starts),
        "person_key": _take(r["person_key"], starts),
        "category_l1": col("category_l1").astype("str"),
        "category_l2": col("category_l2").astype("str"),
        "region_code": _take(county, fp).astype("str"),
        "first_at": first_ms.astype("datetime64[ms]"),
        "last_at": last_ms.astype("datetime64[ms]"),
        "n_cases": n_cases.astype(np.int64),
        "case_ids": _lists(m, r["case_id"], nm),
        "channels": _lists(m, _take(c["channel"], pos) if "channel" in c else np.full(n, None), nm, distinct=True),
        "highest_level": _level_labels(high),
        "path": pd.Series(_PATHS[mask], dtype="str").where(mask > 0),
        "escalated": (high > first_level) & (first_level >= 0),
        "units": _lists(m, _take(unit_ids, pos), nm, distinct=True),
        "unit_names": _lists(m, unit_name.reindex(_take(unit_ids, pos)).reset_index(drop=True), nm, distinct=True),
        "outcomes": _lists(m, _take(state["outcome"], pos), nm),
        "open": is_open,
        "open_reason": why,
        "long_running": lr,
    })

    # ---------------------------------------------------------------- persons
    pk_codes, pk_uniq = pd.factorize(r["person_key"], sort=True)
    o = np.lexsort((pos, recv, pk_codes))
    g = pk_codes[o]
    npers = len(pk_uniq)
    ps = _starts(g)
    pe = np.r_[ps[1:], n] - 1 if n else ps
    phigh, pmask = _path_masks(g, rank[o], npers)
    mp = pd.Index(pk_uniq).get_indexer(matters["person_key"])
    n_matters = np.bincount(mp, minlength=npers)
    p_lr = np.bincount(mp, weights=lr, minlength=npers) > 0
    p_open = np.bincount(mp, weights=is_open, minlength=npers).astype(np.int64)
    p_cases = np.bincount(g, minlength=npers).astype(np.int64)
    band = np.searchsorted(_BAND_EDGES, p_cases, side="right") - 1
    people = pd.DataFrame({
        "person_key": pd.Series(np.asarray(pk_uniq), dtype="str"),
        "n_cases": p_cases,
        "n_matters": n_matters.astype(np.int64),
        "n_open_matters": p_open,
        "first_at": recv[o][ps].astype("datetime64[ms]"),
        "last_at": recv[o][pe].astype("datetime64[ms]"),
        "channels": _lists(g, _take(c["channel"], pos[o]) if "channel" in c else np.full(n, None), npers, distinct=True),
        "highest_level": _level_labels(phigh),
        "path": pd.Series(_PATHS[pmask], dtype="str").where(pmask > 0),
        "long_running": p_lr,
        "band": pd.Series(np.array(BANDS, dtype=object)[np.maximum(band, 0)], dtype="str"),
    })
    names = _names(persons, people["person_key"], role)
    if names is not None:
        people.insert(1, "name", names.to_numpy())
    people = people.sort_values(["n_cases", "person_key"], ascending=[False, True], kind="stable").reset_index(drop=True)
    matters = matters.sort_values(["n_cases", "first_at", "matter_key"], ascending=[False, True, True],
                                  kind="stable").reset_index(drop=True)
    return cases_out, matters, people
