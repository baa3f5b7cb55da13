"""The issue cube (问题分类 × 问题属地 × 时期, DESIGN §8): case counts by category (both levels),
region (every level of the GB/T 2260 hierarchy) and period, with the repeat (重复访), collective
(集体访), skip-level (越级访) and late (超期) cases among them.

Built once with integer codes (one ``np.unique`` over a packed key, one ``bincount`` per count);
:meth:`IssueCube.slice` re-aggregates the cells in milliseconds and adds shares, 环比 (mom) and
同比 (yoy); :meth:`IssueCube.case_ids` lists the cases behind any cell.

Region codes: a code recorded only to a coarser level is padded with zeros at the finer levels
(``339922`` → township ``339922000``, "the county, no township recorded"); village codes count in
their township; a missing or malformed code is the region ``unknown`` at every level. A missing
category is ``unknown``; a missing ``received_at`` is the period ``unknown`` (counted in the cube,
left out of the time series).

>>> import workbench as wb
>>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
...     "case_id": ["A", "B", "C", "D"],
...     "received_at": ["2025-01-05", "2025-01-20", "2025-02-03", "2025-02-04"],
...     "region_code": ["339922100", "339922", "339922100", None],
...     "category_l1": ["环境保护", "环境保护", "环境保护", "民政"],
...     "category_l2": ["环境污染", "环境污染", "环境污染", None],
...     "headcount": [6, 1, 1, 1]}), now="2026-01-01")
>>> cube = issue_cube(book)
>>> cube.frame[["category_l2", "township9", "period", "cases", "collective"]].values.tolist()
[['unknown', 'unknown', '2025-02', 1, 0], ['环境污染', '339922000', '2025-01', 1, 0], ['环境污染', '339922100', '2025-01', 1, 1], ['环境污染', '339922100', '2025-02', 1, 0]]
>>> s = cube.slice(category="环境保护", level="county")
>>> s[["region", "period", "cases", "collective_share", "mom"]].values.tolist()
[['339922', '2025-01', 2, 0.5, nan], ['339922', '2025-02', 1, 0.0, -0.5]]
>>> cube.case_ids(region="339922100", period="2025-01")
['A']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["FLAGS", "LEVELS", "IssueCube", "issue_cube", "late_cases", "region_names"]

#: region levels of the cube: name -> (frame column, code length)
LEVELS: dict[str, tuple[str, int]] = {
    "province": ("province2", 2),
    "prefecture": ("prefecture4", 4),
    "county": ("county6", 6),
    "township": ("township9", 9),
}
#: the flagged counts of every cell (each also a ``<flag>_share`` in slices)
FLAGS = ("repeat", "collective", "skip_level", "late")
_PERIODS = ("week", "month", "quarter")
_YEAR = {"week": 52, "month": 12, "quarter": 4}  # periods a year back (同比); ISO years with 53 weeks shift by one
UNKNOWN = "unknown"


def _period_codes(t: pd.Series, period: str) -> np.ndarray:
    """Integer period per case (-1 when missing)."""
    if period not in _PERIODS:
        raise ValueError(f"period must be one of {_PERIODS}, not {period!r}")
    a = t.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT"))
    ok = ~np.isnat(a)
    days = a.astype("datetime64[D]")
    if period == "week":
        d = days.astype(np.int64)
        code = (d + 3) // 7  # weeks from Monday 1969-12-29 (1970-01-01 was a Thursday)
    else:
        m = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
        code = m if period == "month" else m // 3
    code = np.where(ok, code, -1)
    return code


def _period_labels(codes: np.ndarray, period: str) -> tuple[list[str], np.ndarray]:
    """Labels and start dates of period codes."""
    if period == "week":
        start = (codes * 7 - 3).astype("datetime64[D]")
        iso = pd.DatetimeIndex(start).isocalendar()
        labels = [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    elif period == "month":
        start = codes.astype("datetime64[M]").astype("datetime64[D]")
        labels = [str(s)[:7] for s in start.astype("datetime64[M]")]
    else:
        start = (codes * 3).astype("datetime64[M]").astype("datetime64[D]")
        labels = [f"{1970 + c // 4}Q{c % 4 + 1}" for c in codes.tolist()]
    return labels, start


def _region_levels(codes: pd.Index) -> dict[str, np.ndarray]:
    """The code of each level for each distinct recorded region code (object arrays)."""
    s = pd.Series(codes.astype(str), dtype=object).str.strip()
    ok = s.str.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}|\d{12}").fillna(False).to_numpy(dtype=bool)
    out = {}
    for col, n in LEVELS.values():
        v = s.str.slice(0, n).str.pad(n, side="right", fillchar="0").to_numpy(dtype=object)
        out[col] = np.where(ok, v, UNKNOWN)
    return out


def region_names(book) -> dict[str, str]:
    """Names of region codes (any level's code as the cube writes it, e.g. ``3399``, ``339922``,
    ``339922100``): the case ledger's most frequent ``region_name`` for a code, else the name of
    the government (人民政府, 乡镇政府/街道办事处) in ``book.units`` holding that code.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-01-05"],
    ...     "region_code": ["339922100"], "region_name": ["云溪县杨林镇"]}),
    ...     units=pd.DataFrame({"unit_id": ["U1"], "name": ["云溪县人民政府"], "kind": ["人民政府"],
    ...                         "region_code": ["339922"]}), now="2026-01-01")
    >>> region_names(book)["339922"], region_names(book)["339922100"]
    ('云溪县', '云溪县杨林镇')
    """
    names: dict[str, str] = {}
    u = book.units
    if len(u) and {"region_code", "name", "kind"} <= set(u.columns):
        u = u.loc[u["region_code"].notna() & u["name"].notna() & u["kind"].isin(["人民政府", "乡镇政府"])]
        for code, name in zip(u["region_code"].astype(str), u["name"].astype(str), strict=True):
            short = name.removesuffix("人民政府").removesuffix("办事处")
            key = code[:2] if code.endswith("0000") and len(code) == 6 else code[:4] if code.endswith("00") and len(code) == 6 else code
            names.setdefault(key, short)
            names.setdefault(code, short)
    c = book.cases
    if "region_name" in c and len(c):
        pairs = c[["region_code", "region_name"]].dropna()
        if len(pairs):
            top = pairs.value_counts().reset_index().drop_duplicates("region_code")
            names.update(zip(top["region_code"].astype(str), top["region_name"].astype(str), strict=True))
    return names


def _as_set(v: object) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, str) or not isinstance(v, Iterable):
        return [str(v)]
    return [str(x) for x in v]


class IssueCube:
    """Counts by category × region × period (see :func:`issue_cube`). ``frame`` holds the finest
    cells; the code arrays beside it make slicing a matter of numpy."""

    def __init__(self, frame: pd.DataFrame, *, period: str, periods: list[str], period_start: np.ndarray,
                 cell_of_case: np.ndarray, case_ids: pd.api.extensions.ExtensionArray | np.ndarray, case_flags: dict[str, np.ndarray],
                 names: dict[str, str], late_clocks: tuple[str, ...]):
        self.frame = frame
        self.period = period
        self.periods = periods  # every period from the first to the last, in order (the series' axis)
        self.period_start = period_start
        self.names = names
        self.late_clocks = late_clocks
        self._case_ids = case_ids
        self._flags = case_flags
        order = np.argsort(cell_of_case, kind="stable")
        self._order = order
        self._bounds = np.searchsorted(cell_of_case[order], np.arange(len(frame) + 1))
        # per cell: integer codes of every dimension, for slicing without string work
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}
        for col in ("category_l1", "category_l2", *(c for c, _ in LEVELS.values()), "period"):
            cat = frame[col].cat if isinstance(frame[col].dtype, pd.CategoricalDtype) else None
            if cat is not None:
                self._codes[col] = (cat.codes.to_numpy(np.int64), pd.Index(cat.categories))
            else:
                codes, uniq = pd.factorize(frame[col])
                self._codes[col] = (codes.astype(np.int64), pd.Index(uniq))
        pc = frame["period"].cat.codes.to_numpy(np.int64)
        self._pidx = np.where(pc < len(periods), pc, -1)  # -1: unknown
        self._counts = {k: frame[k].to_numpy(np.int64) for k in ("cases", *FLAGS)}

    def __repr__(self) -> str:
        return f"IssueCube({len(self.frame):,} cells, {self.period}, {len(self.periods)} periods)"

    # -- selection ---------------------------------------------------------------------------
    def _mask(self, *, category: object = None, region: object = None, period: object = None,
              **exact: object) -> np.ndarray:
        """Cells matching a selection: category (level 1 or 2 name), region (code prefix of any
        level), period (a label of the cube, or anything :func:`period_bounds` reads), or any
        frame column by its exact value."""
        m = np.ones(len(self.frame), dtype=bool)
        cats = _as_set(category)
        if cats is not None:
            c1, u1 = self._codes["category_l1"]
            c2, u2 = self._codes["category_l2"]
            m &= np.isin(c1, np.flatnonzero(u1.isin(cats))) | np.isin(c2, np.flatnonzero(u2.isin(cats)))
        regs = _as_set(region)
        if regs is not None:
            r, u = self._codes["township9"]
            hit = np.zeros(len(u), dtype=bool)
            us = pd.Series(u.astype(str), dtype=object)
            for g in regs:
                hit |= (us == g).to_numpy() if g == UNKNOWN else us.str.startswith(g).to_numpy()
            m &= hit[r]
        if period is not None:
            m &= self._period_mask(period)[self._pidx] & (self._pidx >= 0) if not self._is_unknown(period) else self._pidx < 0
        for col, v in exact.items():
            if col not in self._codes:
                raise KeyError(f"no cube dimension {col!r}")
            codes, u = self._codes[col]
            m &= np.isin(codes, np.flatnonzero(u.isin(_as_set(v) or [])))
        return m

    @staticmethod
    def _is_unknown(period: object) -> bool:
        return isinstance(period, str) and period == UNKNOWN

    def _period_mask(self, period: object) -> np.ndarray:
        """Which of ``self.periods`` a period selection covers."""
        labels = pd.Index(self.periods)
        chosen = _as_set(period) if not isinstance(period, tuple) else None
        if chosen is not None and labels.isin(chosen).sum() == len(set(chosen)):
            return labels.isin(chosen)
        from ..casebook import period_bounds

        specs = [period] if isinstance(period, tuple) or chosen is None else chosen
        out = np.zeros(len(labels), dtype=bool)
        start = self.period_start.astype("datetime64[ms]")
        for p in specs:
            lo, hi = period_bounds(p)
            out |= (start >= lo.to_datetime64()) & (start < hi.to_datetime64())
        return out

    # -- aggregation -------------------------------------------------------------------------
    def slice(self, *, category: object = None, region: object = None, level: str = "county",
              period: object = None, by: Sequence[str] = ("region", "period")) -> pd.DataFrame:
        """Counts and shares (repeat_share … late_share) grouped ``by`` any of "region" (at
        ``level``), "category_l1", "category_l2" (or "category" for level 1) and "period", for the
        cells selected by ``category``, ``region`` and ``period``. With "period" in ``by``, each
        row has its 环比 (``prev``, ``mom`` = cases / prev − 1) and 同比 (``last_year``, ``yoy``),
        computed on the whole series before ``period`` selects rows (NaN where the base is 0 or
        outside the data). Rows with no cases are left out."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {tuple(LEVELS)}, not {level!r}")
        by = [("category_l1" if b == "category" else b) for b in by]
        cols = {"region": LEVELS[level][0], "category_l1": "category_l1", "category_l2": "category_l2"}
        for b in by:
            if b not in (*cols, "period"):
                raise ValueError(f"cannot group by {b!r}")
        m = self._mask(category=category, region=region)
        keys = [b for b in by if b != "period"]
        key = np.zeros(len(self.frame), dtype=np.int64)
        sizes = []
        for b in keys:
            codes, u = self._codes[cols[b]]
            key = key * len(u) + codes
            sizes.append(len(u))
        with_period = "period" in by
        n_p = len(self.periods) + 1  # last slot: the unknown period
        pcode = np.where(self._pidx >= 0, self._pidx, n_p - 1)
        sel = np.flatnonzero(m)
        uniq_g, g = np.unique(key[sel], return_inverse=True)
        if with_period:
            flat = g * n_p + pcode[sel]
            shape = len(uniq_g) * n_p
            sums = {k: np.bincount(flat, weights=v[sel], minlength=shape).astype(np.int64).reshape(len(uniq_g), n_p)
                    for k, v in self._counts.items()}
            cases = sums["cases"]
            yl = _YEAR[self.period]
            prev = np.zeros_like(cases)
            prev[:, 1:n_p - 1] = cases[:, :n_p - 2]
            last = np.zeros_like(cases)
            if n_p - 1 > yl:
                last[:, yl:n_p - 1] = cases[:, :n_p - 1 - yl]
            keep = cases > 0
            if period is not None:
                pm = np.append(self._period_mask(period), False) if not self._is_unknown(period) else np.arange(n_p) == n_p - 1
                keep &= pm[None, :]
            gi, pi = np.nonzero(keep)
            out = {k: v[gi, pi] for k, v in sums.items()}
            pv, lv = prev[gi, pi], last[gi, pi]
            first_p = np.zeros(n_p, dtype=bool)
            first_p[0] = first_p[n_p - 1] = True
            out["prev"] = np.where(first_p[pi], -1, pv)
            no_year = (pi < yl) | (pi == n_p - 1)
            out["last_year"] = np.where(no_year, -1, lv)
            groups = uniq_g[gi]
            plabels = np.array([*self.periods, UNKNOWN], dtype=object)[pi]
        else:
            if period is not None:
                sel = sel[(self._period_mask(period)[self._pidx[sel]] & (self._pidx[sel] >= 0))
                          if not self._is_unknown(period) else self._pidx[sel] < 0]
                uniq_g, g = np.unique(key[sel], return_inverse=True)
            out = {k: np.bincount(g, weights=v[sel], minlength=len(uniq_g)).astype(np.int64)
                   for k, v in self._counts.items()}
            groups = uniq_g
        res: dict[str, object] = {}
        rest = groups
        decoded = []
        for b, size in zip(reversed(keys), reversed(sizes), strict=True):
            decoded.append((b, rest % size))
            rest = rest // size
        for b, codes in reversed(decoded):
            res[b] = self._codes[cols[b]][1].to_numpy(dtype=object)[codes]
            if b == "region":
                res["region_name"] = [self.names.get(r, r) for r in res[b]]  # type: ignore[attr-defined]
        if with_period:
            res["period"] = plabels
        frame = pd.DataFrame(res)
        for k in ("cases", *FLAGS):
            frame[k] = out[k]
        for k in FLAGS:
            frame[f"{k}_share"] = np.where(out["cases"] > 0, out[k] / np.maximum(out["cases"], 1), np.nan)
        if with_period:
            c = out["cases"].astype(float)
            pv = out["prev"].astype(float)
            lv = out["last_year"].astype(float)
            frame["prev"] = pd.array(np.where(pv < 0, np.nan, pv), dtype="Int64")
            frame["mom"] = np.where(pv > 0, c / np.where(pv > 0, pv, 1) - 1, np.nan)
            frame["last_year"] = pd.array(np.where(lv < 0, np.nan, lv), dtype="Int64")
            frame["yoy"] = np.where(lv > 0, c / np.where(lv > 0, lv, 1) - 1, np.nan)
        frame = frame.sort_values([*keys, *(["period"] if with_period else [])], kind="stable", ignore_index=True) \
            if with_period else frame.sort_values("cases", ascending=False, kind="stable", ignore_index=True)
        return frame

    def matrix(self, *, level: str = "county", by_category: str = "category_l1",
               region: object = None, category: object = None) -> tuple[pd.DataFrame, np.ndarray]:
        """Dense counts: (series index frame with region, region_name, category; counts of shape
        series × periods), over every period of the cube, the unknown period left out."""
        if level not in LEVELS:
            raise ValueError(f"level must be one of {tuple(LEVELS)}, not {level!r}")
        if by_category not in ("category_l1", "category_l2"):
            raise ValueError("by_category must be 'category_l1' or 'category_l2'")
        rc, ru = self._codes[LEVELS[level][0]]
        cc, cu = self._codes[by_category]
        m = (self._pidx >= 0) & self._mask(region=region, category=category)
        key = cc[m] * len(ru) + rc[m]
        uniq, s = np.unique(key, return_inverse=True)
        n_p = len(self.periods)
        y = np.bincount(s * n_p + self._pidx[m], weights=self._counts["cases"][m],
                        minlength=len(uniq) * n_p).astype(np.int64).reshape(len(uniq), n_p)
        reg = ru.to_numpy(dtype=object)[uniq % len(ru)]
        index = pd.DataFrame({"region": reg, "region_name": [self.names.get(r, r) for r in reg],
                              "category": cu.to_numpy(dtype=object)[uniq // len(ru)]})
        return index, y

    def series(self, *, level: str = "county", by_category: str = "category_l1") -> pd.DataFrame:
        """Long frame, one row per (region, category, period) with every period of the cube present
        (zeros filled): region, region_name, category, period, cases — the input of
        :func:`workbench.hotspots.alerts.expected_band`."""
        index, y = self.matrix(level=level, by_category=by_category)
        n_p = y.shape[1]
        out = index.loc[index.index.repeat(n_p)].reset_index(drop=True)
        out["period"] = np.tile(np.asarray(self.periods, dtype=object), len(index))
        out["cases"] = y.ravel()
        return out

    # -- drill-down ----------------------------------------------------------------------------
    def case_ids(self, *, category: object = None, region: object = None, period: object = None,
                 flag: str | None = None, **exact: object) -> list[str]:
        """The cases behind a cell or any selection (as for :meth:`slice`; ``flag`` keeps only the
        repeat / collective / skip_level / late cases; exact frame columns such as
        ``category_l2="环境污染"`` or ``county6="339922"`` also select)."""
        cells = np.flatnonzero(self._mask(category=category, region=region, period=period, **exact))
        lo, hi = self._bounds[cells], self._bounds[cells + 1]
        n = hi - lo
        pos = np.repeat(lo - np.cumsum(np.r_[0, n[:-1]]), n) + np.arange(int(n.sum()))
        rows = np.sort(self._order[pos])
        if flag is not None:
            if flag not in FLAGS:
                raise ValueError(f"flag must be one of {FLAGS}")
            rows = rows[self._flags[flag][rows]]
        return [str(x) for x in self._case_ids.take(rows)]


def _factor(cases: pd.DataFrame, col: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a string column in sorted order of its values, missing as ``unknown``."""
    if col not in cases:
        return np.zeros(n, dtype=np.int64), np.array([UNKNOWN], dtype=object)
    codes, uniq = pd.factorize(cases[col], sort=True, use_na_sentinel=True)
    u = np.append(np.asarray(uniq, dtype=object), UNKNOWN)
    codes = np.where(codes >= 0, codes, len(u) - 1).astype(np.int64)
    order = np.argsort(u.astype(str), kind="stable")  # unknown into its sorted place
    rank = np.empty(len(u), dtype=np.int64)
    rank[order] = np.arange(len(u))
    return rank[codes], u[order]


def _flag(cases: pd.DataFrame, col: str) -> np.ndarray:
    if col not in cases:
        return np.zeros(len(cases), dtype=bool)
    return cases[col].fillna(False).to_numpy(dtype=bool)


def late_cases(book, policy: object = None, as_of: object = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Cases with a handling clock late (超期): a clock of the state's side (any party but the
    petitioner's own windows to ask for review) with status late or open_past_limit."""
    from ..rules.clocks import _ST, cached_clocks

    cs = cached_clocks(book, policy, as_of)
    names = [c.name for c in cs.policy.clocks]
    state = np.array([c.party != "petitioner" for c in cs.policy.clocks], dtype=bool)
    st, k = cs.cols["status"], cs.cols["clock"]
    hit = ((st == _ST["late"]) | (st == _ST["open_past_limit"])) & (state[k] if len(k) else np.zeros(0, bool))
    late = np.zeros(len(book.cases), dtype=bool)
    late[cs.cols["ci"][hit]] = True
    return late, tuple(n for n, s in zip(names, state, strict=True) if s)


def issue_cube(book, *, period: str = "month", policy: object = None, as_of: object = None,
               late: bool = True) -> IssueCube:
    """Build the issue cube of a book by ``period`` ("week" | "month" | "quarter") of
    ``received_at``. The ``late`` count is of cases with a handling clock late under ``policy``
    (the book's own by default) as of ``as_of`` (see :func:`late_cases`); ``late=False`` skips the
    clocks (late counts all zero, ``late_clocks`` empty)."""
    cases = book.cases
    n = len(cases)
    pcode = _period_codes(cases["received_at"], period)
    # categories and regions: factorize once, then work on the distinct values only
    k1, u1 = _factor(cases, "category_l1", n)
    k2, u2 = _factor(cases, "category_l2", n)
    pair, inv = np.unique(k1 * len(u2) + k2, return_inverse=True)
    cat_codes = inv.reshape(-1)
    cat_uniq = list(zip(u1[pair // len(u2)], u2[pair % len(u2)], strict=True))
    rc = cases["region_code"] if "region_code" in cases else pd.Series([None] * n, dtype=object)
    reg_codes, reg_uniq = pd.factorize(rc, use_na_sentinel=True)
    reg_uniq = pd.Index(reg_uniq)
    levels = _region_levels(reg_uniq) if len(reg_uniq) else {col: np.zeros(0, object) for col, _ in LEVELS.values()}
    # the finest cell region is township9: distinct recorded codes collapse onto it (villages)
    town = pd.Index(np.append(levels["township9"], UNKNOWN))
    town_codes, town_uniq = pd.factorize(town, sort=True)
    rcode = town_codes[np.where(reg_codes >= 0, reg_codes, len(reg_uniq))]
    valid_p = pcode >= 0
    p0 = int(pcode[valid_p].min()) if valid_p.any() else 0
    p_rel = np.where(valid_p, pcode - p0 + 1, 0)  # 0: unknown period
    n_p = int(p_rel.max()) + 1 if n else 1
    n_r = len(town_uniq)
    key = (cat_codes.astype(np.int64) * n_r + rcode) * n_p + p_rel
    cells, cell_of_case = np.unique(key, return_inverse=True)
    cell_of_case = cell_of_case.reshape(-1)
    flags = {
        "repeat": (cases["repeat_of"].notna().to_numpy() if "repeat_of" in cases else np.zeros(n, bool)) | _flag(cases, "repeat_flag"),
        "collective": _flag(cases, "is_collective"),
        "skip_level": _flag(cases, "is_skip_level"),
    }
    flags["late"], late_clocks = late_cases(book, policy, as_of) if n and late else (np.zeros(n, bool), ())
    m = len(cells)
    counts = {"cases": np.bincount(cell_of_case, minlength=m)}
    for k, v in flags.items():
        counts[k] = np.bincount(cell_of_case, weights=v, minlength=m).astype(np.int64)
    cell_p = cells % n_p
    cell_r = (cells // n_p) % n_r
    cell_c = cells // (n_p * n_r)
    # period labels for the whole span (the series' axis), plus unknown
    span = np.arange(p0, p0 + n_p - 1, dtype=np.int64)
    labels, starts = _period_labels(span, period) if len(span) else ([], np.zeros(0, "datetime64[D]"))
    plab = pd.Categorical.from_codes(np.where(cell_p == 0, len(labels), cell_p - 1),
                                     categories=[*labels, UNKNOWN])
    town_levels = _region_levels(pd.Index(town_uniq.to_numpy(dtype=object)))  # unknown stays unknown
    cat_l1 = np.asarray([c[0] for c in cat_uniq], dtype=object)
    cat_l2 = np.asarray([c[1] for c in cat_uniq], dtype=object)

    def categorical(values: np.ndarray, codes: np.ndarray) -> pd.Categorical:
        """A categorical of ``values[codes]`` without touching one string per cell."""
        k, u = pd.factorize(values, sort=True)
        return pd.Categorical.from_codes(k[codes], categories=pd.Index(u, dtype=object))

    frame = pd.DataFrame({
        "category_l1": categorical(cat_l1, cell_c),
        "category_l2": categorical(cat_l2, cell_c),
        **{col: categorical(town_levels[col], cell_r) for col, _ in LEVELS.values()},
        "period": plab,
        **counts,
    })
    frame["cases"] = frame["cases"].astype(np.int64)
    ids = cases["case_id"].array
    return IssueCube(frame, period=period, periods=labels, period_start=np.asarray(starts),
                     cell_of_case=cell_of_case, case_ids=ids, case_flags=flags, names=region_names(book),
                     late_clocks=late_clocks)
