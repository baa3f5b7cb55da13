"""The KPIs supervisors are judged by (DESIGN §4), each with its numerator, denominator and cohort.

Conventions of the national system, followed here unless a parameter says otherwise: distinct
case numbers; first petitions (初件) only for the handling rates (``first_only=True``); a case
belongs to the period its cohort date falls in (the due date for timeliness, the closing date for
satisfaction, the receiving date for volumes); the petition office (信访部门) and the responsible
unit (责任单位) are reported apart; 件次 (cases), 人次 (persons) and 批次 (batches) are kept apart.

=====================  =====================================================================
KPI                    numerator / denominator (cohort)
=====================  =====================================================================
timely_acceptance      office: routed within the route clock / route clocks due in the period;
                       unit: decided (受理/不予受理) within the accept clock / accept clocks due
on_time                handle clock met / met + late + open past limit (due in the period);
                       open clocks not yet due are reported beside it (``open_not_due``)
satisfaction           满意 + 基本满意 / evaluated (closed in the period); office and unit each
                       read their own evaluation column
participation          evaluated / evaluated + evaluation overdue (closed in the period)
repeat                 repeat cases (not 初信初访) / all cases (received in the period)
online_share           all channels but letters and visits / all cases (received)
skip_level             skip-level visits / visits (received), in 批次 and in 人次
first_closed_on_time   local definition: first petitions whose handle clock was met / first
                       petitions received in the period
resolved_once          local definition (一次性化解率): first petitions closed with no review
                       request, no later repeat petition on them and no 不满意 evaluation /
                       first petitions closed in the period
settled                local definition (息访率): cases closed at least 180 days before as_of
                       with no review request and no repeat petition within 180 days /
                       those cases (closed in the period)
cases, visits_*,       counts (件次; visits in 批次 and 人次; collective visits of ≥ 5 people
collective_*           in 批次 and 人次, and batches by size 5–10, 11–20, 21–50, 51–100, 100+)
=====================  =====================================================================

同比 / 环比: with ``period`` the result carries the same KPI for the previous period and the
same period a year before; counts change in per cent, rates in percentage points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..casebook import period_bounds
from .clocks import _DAY_MS, _NA, ClockSet, cached_clocks

__all__ = ["BY", "KPI_ORDER", "KPITable", "kpis", "kpi_members", "Member", "case_keys"]

#: groupings ``by`` accepts
BY = ("unit", "office", "leader", "city", "county", "township", "category", "category_l2", "channel",
      "demand_type", "month", "quarter", "year")
KPI_ORDER = ("timely_acceptance", "on_time", "satisfaction", "participation", "repeat", "online_share",
             "skip_level", "first_closed_on_time", "resolved_once", "settled", "cases", "visits_batches",
             "visits_persons", "collective_batches", "collective_persons", "collective_5_10",
             "collective_11_20", "collective_21_50", "collective_51_100", "collective_100plus")
_RATES = {"timely_acceptance", "on_time", "satisfaction", "participation", "repeat", "online_share",
          "skip_level", "first_closed_on_time", "resolved_once", "settled"}
_SAT_GOOD = ("satisfied", "basically_satisfied")
_SAT_EVAL = ("satisfied", "basically_satisfied", "dissatisfied")
_SETTLE_DAYS = 180


@dataclass
class Member:
    """Which cases a KPI counts: rows of case positions with their cohort day and parts."""

    kpi: str
    party: str  # office | unit | all
    count: str  # 件次 | 人次 | 批次
    ci: np.ndarray
    cohort: np.ndarray  # datetime64[D]
    num: np.ndarray  # numerator weight per row (0 = not in it)
    den: np.ndarray | None  # denominator weight per row; None for counts
    unit: np.ndarray | None = None  # party unit code per row (else the case's responsible unit)
    open_not_due: np.ndarray | None = None
    days_late: np.ndarray | None = None  # clock KPIs: days late per row

    @property
    def is_rate(self) -> bool:
        return self.den is not None

    def part(self, part: str) -> np.ndarray:
        """Rows in ``part``: denominator (the cohort), numerator, missing (in the denominator,
        not the numerator: late, dissatisfied …), open_not_due, or all."""
        den = self.den if self.den is not None else np.ones(len(self.ci), np.int64)
        if part == "denominator":
            return den > 0
        if part == "numerator":
            return self.num > 0
        if part == "missing":
            return (den > 0) & (self.num == 0)
        if part == "open_not_due":
            return self.open_not_due > 0 if self.open_not_due is not None else np.zeros(len(self.ci), bool)
        if part == "all":
            return np.ones(len(self.ci), bool)
        raise ValueError(f"part must be denominator, numerator, missing, open_not_due or all, not {part!r}")


class _Keys:
    """Integer codes per case for every grouping of :data:`BY` (time ones excepted), computed on
    first use and remembered, with their labels; unit codes index ``units``."""

    def __init__(self, book, units: pd.Index, reg: np.ndarray | None = None, resp: np.ndarray | None = None):
        c = book.cases
        self.book = book
        self.units = pd.Index(units, dtype=object)
        # the clock set already coded the units: reuse its codes rather than look them up again
        self.reg = reg if reg is not None else self.units.get_indexer(c["registered_unit_id"]).astype(np.int64)
        self.resp = resp if resp is not None else self.units.get_indexer(c["responsible_unit_id"]).astype(np.int64)
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def _compute(self, name: str) -> tuple[np.ndarray, pd.Index]:
        from .._fast import arrow_strings

        c = self.book.cases
        col = {"leader": "lead_person_id", "category": "category_l1", "channel": "channel",
               "demand_type": "demand_type", "satisfaction": "satisfaction",
               "satisfaction_office": "satisfaction_office"}.get(name)
        if col is not None:
            s = c[col] if col in c else pd.Series([None] * len(c), dtype="str")
            k, u = pd.factorize(s)
            return k.astype(np.int64), pd.Index(u, dtype=object)
        if name in ("city", "county", "township"):
            width = {"city": 4, "county": 6, "township": 9}[name]
            r = arrow_strings(c["region_code"].astype("str")) if "region_code" in c else None
            if r is None:
                return np.full(len(c), -1, np.int64), pd.Index([], dtype=object)
            codes, uniq = pd.factorize(pd.Series(pd.arrays.ArrowStringArray(r)))
            u = pd.Series(uniq, dtype="str")
            pref = u.str.slice(0, width).where(u.str.len() >= width)
            k2, u2 = pd.factorize(pref)
            return np.where(codes >= 0, k2[np.maximum(codes, 0)], -1).astype(np.int64), pd.Index(u2, dtype=object)
        if name == "category_l2":
            l1, lab1 = self.codes("category")
            k, u = pd.factorize(c["category_l2"])
            pair = np.where((l1 >= 0) & (k >= 0), l1 * (len(u) + 1) + k, -1)
            kk, uu = pd.factorize(pair)
            kk = np.where(pair >= 0, kk, -1)
            labels = [f"{lab1[p // (len(u) + 1)]}/{u[p % (len(u) + 1)]}" if p >= 0 else None for p in uu]
            return kk.astype(np.int64), pd.Index(labels, dtype=object)
        raise KeyError(name)

    def codes(self, name: str) -> tuple[np.ndarray, pd.Index]:
        if name not in self._codes:
            self._codes[name] = self._compute(name)
        return self._codes[name]

    def mask(self, name: str, values: Iterable[object]) -> np.ndarray:
        """Cases whose ``name`` key is one of ``values`` (labels)."""
        k, lab = self.codes(name)
        hit = np.flatnonzero(np.asarray(lab.isin(list(values))))
        return np.isin(k, hit)


def case_keys(book, units: pd.Index, cs: ClockSet | None = None) -> _Keys:
    """The grouping codes of ``book``'s cases, remembered on the book (unit codes taken from the
    clock set ``cs`` when given: it coded the same units)."""
    cache = book.__dict__.setdefault("_key_cache", {})
    key = (id(book.cases), tuple(units[:3]), len(units))
    if key not in cache:
        cache.clear()
        a = cs.anchors if cs is not None else None
        cache[key] = _Keys(book, units, a.reg if a is not None else None, a.resp if a is not None else None)
    return cache[key]


def _days(ms: np.ndarray) -> np.ndarray:
    out = np.floor_divide(ms, _DAY_MS).astype("datetime64[D]")
    out[ms == _NA] = np.datetime64("NaT")
    return out


def _col_ms(c: pd.DataFrame, col: str) -> np.ndarray:
    if col not in c:
        return np.full(len(c), _NA)
    return c[col].to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT")).astype(np.int64)


def kpi_members(book, cs: ClockSet, keys: _Keys, *, first_only: bool = True) -> list[Member]:
    """Every KPI's membership: for each, the cases it counts and how (see the module table)."""
    c = book.cases
    n = len(c)
    as_of_ms = int(cs.as_of.value // 1_000_000)
    first = c["is_first"].fillna(True).to_numpy(dtype=bool) if "is_first" in c else np.ones(n, bool)
    scope = first if first_only else np.ones(n, bool)
    received = _col_ms(c, "received_at")
    closed = _col_ms(c, "closed_at")
    closed = np.where((closed != _NA) & (closed <= as_of_ms), closed, _NA)
    replied = _col_ms(c, "replied_at")
    done = np.where(closed != _NA, closed, np.where((replied != _NA) & (replied <= as_of_ms), replied, _NA))
    rec_day, done_day = _days(received), _days(done)
    ch_codes, ch_labels = keys.codes("channel")
    visit = keys.mask("channel", ["visit"])
    head = c["headcount"].fillna(1).to_numpy(dtype=np.int64) if "headcount" in c else np.ones(n, np.int64)
    head = np.maximum(head, 1)
    members: list[Member] = []
    cols = cs.cols
    names = [k.name for k in cs.policy.clocks]
    status = cols["status"]
    as_of_day = np.datetime64(cs.as_of.date(), "D")
    # a clock met early whose last day is still to come joins its cohort when that day comes
    met, late, opl = (status == 0) & (cols["due"] <= as_of_day), status == 1, status == 4
    open_nd = (status == 2) | (status == 3)

    def clock_member(kpi: str, party: str, clock: str | None, unit_from_reg: bool = False) -> None:
        if clock is None or clock not in names:
            return
        m = cols["clock"] == names.index(clock)
        ci = cols["ci"][m]
        keep = scope[ci]
        ci = ci[keep]
        sel = np.flatnonzero(m)[keep]
        unit = keys.reg[ci] if unit_from_reg else cols["unit"][sel]
        members.append(Member(kpi, party, "件次", ci, cols["due"][sel], met[sel].astype(np.int64),
                              (met | late | opl)[sel].astype(np.int64), unit, open_nd[sel].astype(np.int64),
                              cols["days_late"][sel]))

    pol = cs.policy
    clock_member("timely_acceptance", "office", pol.kpi_clock("timely_acceptance", "office"))
    clock_member("timely_acceptance", "unit", pol.kpi_clock("timely_acceptance", "unit"))
    clock_member("on_time", "office", pol.kpi_clock("on_time", "office"), unit_from_reg=True)
    clock_member("on_time", "unit", pol.kpi_clock("on_time", "unit"))

    for party, col, unit in (("office", "satisfaction_office", keys.reg), ("unit", "satisfaction", keys.resp)):
        if col not in c:
            continue
        good, ev, overdue = keys.mask(col, _SAT_GOOD), keys.mask(col, _SAT_EVAL), keys.mask(col, ["overdue"])
        ci = np.flatnonzero(scope & (done != _NA) & (ev | overdue))
        members.append(Member("satisfaction", party, "件次", ci[ev[ci]], done_day[ci[ev[ci]]],
                              good[ci[ev[ci]]].astype(np.int64), np.ones(int(ev[ci].sum()), np.int64), unit[ci[ev[ci]]]))
        members.append(Member("participation", party, "件次", ci, done_day[ci], ev[ci].astype(np.int64),
                              np.ones(len(ci), np.int64), unit[ci]))

    all_ci = np.arange(n)
    ones = np.ones(n, np.int64)
    members.append(Member("repeat", "all", "件次", all_ci, rec_day, (~first).astype(np.int64), ones))
    online = (ch_codes >= 0) & ~keys.mask("channel", ["letter", "visit"])
    members.append(Member("online_share", "all", "件次", all_ci, rec_day, online.astype(np.int64), ones))
    skip = c["is_skip_level"].fillna(False).to_numpy(dtype=bool) if "is_skip_level" in c else np.zeros(n, bool)
    v = np.flatnonzero(visit)
    members.append(Member("skip_level", "all", "批次", v, rec_day[v], skip[v].astype(np.int64), np.ones(len(v), np.int64)))
    members.append(Member("skip_level", "all", "人次", v, rec_day[v], (skip[v] * head[v]).astype(np.int64), head[v]))

    # first petitions received in the period, closed by as_of without running past a handling limit
    handle = pol.kpi_clock("on_time", "unit")
    overran = np.zeros(n, bool)
    if handle in names:
        m = (cols["clock"] == names.index(handle)) & (late | opl)
        overran[cols["ci"][m]] = True
    f = np.flatnonzero(first)
    closed_ok = (closed[f] != _NA) & ~overran[f]
    members.append(Member("first_closed_on_time", "all", "件次", f, rec_day[f], closed_ok.astype(np.int64),
                          np.ones(len(f), np.int64)))
    # resolved at first handling / settled
    assert cs.anchors is not None
    review_req = cs.anchors.times["review_request"]  # first request per case, as of as_of
    repeat_at = _repeat_times(c)
    unhappy = keys.mask("satisfaction", ["dissatisfied"])
    no_review = review_req == _NA
    no_repeat = repeat_at == _NA
    fc = np.flatnonzero(first & (done != _NA))
    ok = no_review[fc] & no_repeat[fc] & ~unhappy[fc]
    members.append(Member("resolved_once", "all", "件次", fc, done_day[fc], ok.astype(np.int64), np.ones(len(fc), np.int64)))
    horizon = _SETTLE_DAYS * _DAY_MS
    sc = np.flatnonzero((done != _NA) & (done <= as_of_ms - horizon))
    quiet = ((review_req[sc] == _NA) | (review_req[sc] > done[sc] + horizon)) & \
            ((repeat_at[sc] == _NA) | (repeat_at[sc] > done[sc] + horizon))
    members.append(Member("settled", "all", "件次", sc, done_day[sc], quiet.astype(np.int64), np.ones(len(sc), np.int64)))

    # volumes
    members.append(Member("cases", "all", "件次", all_ci, rec_day, ones, None))
    members.append(Member("visits_batches", "all", "批次", v, rec_day[v], np.ones(len(v), np.int64), None))
    members.append(Member("visits_persons", "all", "人次", v, rec_day[v], head[v], None))
    coll = v[head[v] >= 5]
    members.append(Member("collective_batches", "all", "批次", coll, rec_day[coll], np.ones(len(coll), np.int64), None))
    members.append(Member("collective_persons", "all", "人次", coll, rec_day[coll], head[coll], None))
    for name, lo, hi in (("collective_5_10", 5, 10), ("collective_11_20", 11, 20), ("collective_21_50", 21, 50),
                         ("collective_51_100", 51, 100), ("collective_100plus", 101, 10**9)):
        b = coll[(head[coll] >= lo) & (head[coll] <= hi)]
        members.append(Member(name, "all", "批次", b, rec_day[b], np.ones(len(b), np.int64), None))
    return members


def _repeat_times(c: pd.DataFrame) -> np.ndarray:
    """Per case, when the first later petition naming it as ``repeat_of`` was received."""
    n = len(c)
    out = np.full(n, _NA)
    if "repeat_of" not in c or not c["repeat_of"].notna().any():
        return out
    import pyarrow.compute as pc

    from .._fast import arrow_strings

    # the earliest repeat of each named case, then the named cases found among all (a hash of
    # the few named ids, probed by every case id: cheaper than hashing every case id)
    first = c.loc[c["repeat_of"].notna(), ["repeat_of", "received_at"]].groupby("repeat_of")["received_at"].min()
    named = pd.Series(first.index, dtype="str")
    pos = pc.index_in(arrow_strings(c["case_id"]), value_set=arrow_strings(named))
    pos = pos.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    hit = np.flatnonzero(pos >= 0)
    t = first.to_numpy(dtype="datetime64[ms]").astype(np.int64)[pos[hit]]
    out[hit] = t
    return out


# ------------------------------------------------------------------------------ aggregation

def _time_codes(cohort: np.ndarray, by: str) -> tuple[np.ndarray, pd.Index]:
    """Months (or quarters, years) since 1970 as codes into labels '2024-03', '2024Q1', '2024'."""
    months = cohort.astype("datetime64[M]").astype(np.int64)
    nat = np.isnat(cohort)
    step = {"month": 1, "quarter": 3, "year": 12}[by]
    k = np.where(nat, -1, months // step)
    lo = int(k[~nat].min()) if (~nat).any() else 0
    hi = int(k[~nat].max()) if (~nat).any() else -1
    span = np.arange(lo, hi + 1)
    if by == "month":
        labels = [f"{1970 + v // 12}-{v % 12 + 1:02d}" for v in span]
    elif by == "quarter":
        labels = [f"{1970 + v // 4}Q{v % 4 + 1}" for v in span]
    else:
        labels = [str(1970 + v) for v in span]
    return np.where(nat, -1, k - lo), pd.Index(labels, dtype=object)


def _group_frame(m: Member, keys: _Keys, by: list[str], window: tuple[np.datetime64, np.datetime64] | None,
                 case_mask: np.ndarray | None = None) -> pd.DataFrame:
    """Sums of one member's parts per group of ``by`` within the cohort window."""
    sel = ~np.isnat(m.cohort)
    if window is not None:
        sel &= (m.cohort >= window[0]) & (m.cohort < window[1])
    if case_mask is not None:
        sel &= case_mask[m.ci]
    idx = np.flatnonzero(sel)
    ci = m.ci[idx]
    data: dict[str, np.ndarray] = {}
    labels: dict[str, pd.Index] = {}
    for b in by:
        if b in ("month", "quarter", "year"):
            data[b], labels[b] = _time_codes(m.cohort[idx], b)
        elif b in ("unit", "office"):
            if b == "office":
                data[b] = keys.reg[ci]
            else:
                data[b] = m.unit[idx] if m.unit is not None else keys.resp[ci]
            labels[b] = keys.units
        else:
            codes, labels[b] = keys.codes(b)
            data[b] = codes[ci]
    data["numerator"] = m.num[idx]
    if m.den is not None:
        data["denominator"] = m.den[idx]
        if m.open_not_due is not None:
            data["open_not_due"] = m.open_not_due[idx]
    df = pd.DataFrame(data)
    if by:
        g = df.groupby(by, sort=True).sum().reset_index()
        for b in by:
            lab = labels[b]
            codes = g[b].to_numpy()
            g[b] = np.where(codes >= 0, np.asarray(lab, dtype=object)[np.maximum(codes, 0)] if len(lab) else None, None)
    else:
        g = df.sum().to_frame().T
    return g


@dataclass
class KPITable:
    """KPI values with their numerators, denominators and cohorts; ``cases(...)`` gives back
    the cases behind any cell."""

    frame: pd.DataFrame
    book: object = field(repr=False)
    members: list[Member] = field(repr=False)
    keys: _Keys = field(repr=False)
    by: list[str] = field(default_factory=list)
    window: tuple[np.datetime64, np.datetime64] | None = None
    as_of: pd.Timestamp | None = None
    policy: str = ""

    def __repr__(self) -> str:
        return f"<KPITable {len(self.frame)} rows, by={self.by}, policy={self.policy}, as_of={self.as_of}>\n{self.frame!r}"

    def _repr_html_(self) -> str:
        return self.frame._repr_html_()  # type: ignore[operator]

    def value(self, kpi: str, party: str | None = None, count: str | None = None, **keys: object) -> float:
        """The value of one cell (the first matching row)."""
        f = self._rows(kpi, party, count, keys)
        if not len(f):
            raise KeyError(f"no row for kpi={kpi!r} party={party!r} count={count!r} {keys}")
        return float(f["value"].iloc[0])

    def _rows(self, kpi: str, party: str | None, count: str | None, keys: dict) -> pd.DataFrame:
        f = self.frame
        m = f["kpi"] == kpi
        if party is not None:
            m &= f["party"] == party
        if count is not None:
            m &= f["count"] == count
        for k, v in keys.items():
            m &= f[k] == v
        return f.loc[m]

    def case_ids(self, kpi: str, part: str = "denominator", *, party: str | None = None, count: str | None = None,
                 **keys: object) -> list[str]:
        """Case ids behind a cell: ``part`` is ``denominator`` (the cohort), ``numerator``,
        ``missing`` (denominator minus numerator: late, dissatisfied …), ``open_not_due`` or
        ``all`` (every case of the cohort). ``keys`` are the ``by`` values of the cell."""
        if part not in ("denominator", "numerator", "missing", "open_not_due", "all"):
            raise ValueError(f"part must be denominator, numerator, missing, open_not_due or all, not {part!r}")
        out: list[np.ndarray] = []
        for m in self.members:
            if m.kpi != kpi or (party is not None and m.party != party) or (count is not None and m.count != count):
                continue
            sel = ~np.isnat(m.cohort)
            if self.window is not None:
                sel &= (m.cohort >= self.window[0]) & (m.cohort < self.window[1])
            for k, v in keys.items():
                sel &= self._key_mask(m, k, v)
            out.append(m.ci[sel & m.part(part)])
        if not out:
            raise KeyError(f"no KPI {kpi!r} (party={party!r}, count={count!r})")
        ci = np.unique(np.concatenate(out))
        return self.book.cases["case_id"].take(ci).tolist()  # type: ignore[attr-defined]

    def cases(self, kpi: str, part: str = "denominator", *, party: str | None = None, count: str | None = None,
              **keys: object) -> pd.DataFrame:
        """The case rows behind a cell (see :meth:`case_ids`)."""
        ids = self.case_ids(kpi, part, party=party, count=count, **keys)
        c = self.book.cases  # type: ignore[attr-defined]
        return c.loc[c["case_id"].isin(ids)]

    def _key_mask(self, m: Member, key: str, value: object) -> np.ndarray:
        if key in ("month", "quarter", "year"):
            codes, labels = _time_codes(m.cohort, key)
            hit = np.flatnonzero(np.asarray(labels) == str(value))
            return np.isin(codes, hit)
        if key in ("unit", "office"):
            code = self.keys.units.get_indexer([value])[0] if value is not None else -1
            arr = self.keys.reg[m.ci] if key == "office" else (m.unit if m.unit is not None else self.keys.resp[m.ci])
            return arr == code
        codes, labels = self.keys.codes(key)
        code = labels.get_indexer([value])[0] if value is not None else -1
        return codes[m.ci] == code


def _window(period: object) -> tuple[np.datetime64, np.datetime64]:
    s, e = period_bounds(period)
    return np.datetime64(s.date(), "D"), np.datetime64(e.date(), "D")


def _shift(window: tuple[np.datetime64, np.datetime64], how: str) -> tuple[np.datetime64, np.datetime64]:
    s, e = (pd.Timestamp(w) for w in window)
    if how == "year":
        s2, e2 = s - pd.DateOffset(years=1), e - pd.DateOffset(years=1)
    else:  # the previous period of the same length (a month before a month, a quarter before a quarter)
        months = (e.year - s.year) * 12 + e.month - s.month
        if s.day == 1 and e.day == 1 and months > 0:
            s2, e2 = s - pd.DateOffset(months=months), s
        else:
            s2, e2 = s - (e - s), s
    return np.datetime64(s2.date(), "D"), np.datetime64(e2.date(), "D")


def _aggregate(members: list[Member], keys: _Keys, by: list[str], window, case_mask=None) -> pd.DataFrame:
    frames = []
    for m in members:
        g = _group_frame(m, keys, by, window, case_mask)
        g.insert(0, "count", m.count)
        g.insert(0, "party", m.party)
        g.insert(0, "kpi", m.kpi)
        if m.den is None:
            g["denominator"] = np.nan
        if "open_not_due" not in g:
            g["open_not_due"] = np.nan
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    num = out["numerator"].astype(float)
    den = out["denominator"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(den.isna(), num, np.where(den > 0, num / den, np.nan))
    return out


def kpis(book, by: Iterable[str] | str | None = None, policy: object = None, as_of: object = None, *,
         period: object = None, first_only: bool = True, party: str | None = None,
         language: str | None = None) -> KPITable:
    """The KPIs of DESIGN §4 for ``book``, grouped by any of :data:`BY`.

    ``period`` ('2024', '2024-03', '2024Q1', (start, end)) picks the cohort and adds 同比/环比
    columns (``prev_value``, ``yoy_value``, ``mom``, ``yoy``: rates in percentage points, counts
    in per cent); grouped by ``month``, ``quarter`` or ``year``, each row is compared with the
    one before it and the same one a year before. Without it every cohort up to ``as_of`` is counted. ``party`` keeps only
    ``office``, ``unit`` or ``all`` rows. The result's ``frame`` has one row per group, KPI, party
    and count basis with numerator, denominator, value, open_not_due and the cohort rule.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
    ...     "case_id": ["A", "B"], "received_at": ["2025-03-03", "2025-03-04"], "channel": ["来访", "网上"],
    ...     "demand_type": ["求决", "求决"], "registered_unit_id": ["信访局", "信访局"],
    ...     "responsible_unit_id": ["住建局", "住建局"], "arrived_at": ["2025-03-05", "2025-03-05"],
    ...     "accepted_at": ["2025-03-06", "2025-03-06"], "replied_at": ["2025-04-01", "2025-06-01"]}))
    >>> t = kpis(book, as_of="2025-07-01")
    >>> f = t.frame.set_index(["kpi", "party", "count"])
    >>> f.loc[("on_time", "unit", "件次"), ["numerator", "denominator", "value"]].tolist()
    [1.0, 2.0, 0.5]
    >>> t.case_ids("on_time", "missing", party="unit")
    ['B']
    """
    from ..i18n import lang, text

    language = lang(language)
    if isinstance(by, str):
        by = [by]
    by = list(by or [])
    for b in by:
        if b not in BY:
            raise ValueError(f"cannot group by {b!r}; choose from {', '.join(BY)}")
    cs = cached_clocks(book, policy, as_of)
    keys = case_keys(book, cs.units, cs)
    members = kpi_members(book, cs, keys, first_only=first_only)
    if party is not None:
        members = [m for m in members if m.party == party]
    window = _window(period) if period is not None else None
    out = _aggregate(members, keys, by, window)
    ident = ["kpi", "party", "count", *by]
    tkey = next((b for b in by if b in ("month", "quarter", "year")), None)
    if tkey is not None:
        # a time grouping: each row against the row before it and the same one a year before
        full = out if window is None else _aggregate(members, keys, by, None)
        lookup = full[[*ident, "value"]]
        freq = {"month": "M", "quarter": "Q", "year": "Y"}[tkey]
        per_year = {"month": 12, "quarter": 4, "year": 1}[tkey]
        labels = pd.unique(lookup[tkey].dropna())
        for step, col in ((1, "prev_value"), (per_year, "yoy_value")):
            moved = {lab: str(pd.Period(lab, freq) + step) for lab in labels}
            shifted = lookup.assign(**{tkey: lookup[tkey].map(moved)}).rename(columns={"value": col})
            out = out.merge(shifted, on=ident, how="left")
    elif window is not None:
        for how, col in (("period", "prev_value"), ("year", "yoy_value")):
            other = _aggregate(members, keys, by, _shift(window, how))[[*ident, "value"]].rename(columns={"value": col})
            out = out.merge(other, on=ident, how="left")
    if "prev_value" in out:
        rate = out["kpi"].isin(list(_RATES))
        with np.errstate(divide="ignore", invalid="ignore"):
            for base, col in (("prev_value", "mom"), ("yoy_value", "yoy")):
                rel = (out["value"] - out[base]) / out[base]
                out[col] = np.where(rate, out["value"] - out[base], rel.where(out[base] > 0))
    out.insert(3, "kind", np.where(out["kpi"].isin(list(_RATES)), "rate", "count"))
    names = pd.unique(out["kpi"])
    out.insert(1, "kpi_label", out["kpi"].map({k: text(f"kpi.{k}", language) for k in names}))
    out["cohort"] = out["kpi"].map({k: text(f"cohort.{k}", language) for k in names})
    order = {k: i for i, k in enumerate(KPI_ORDER)}
    out = out.sort_values(by=["kpi", "party", "count", *by], key=lambda s: s.map(order) if s.name == "kpi" else s,
                          kind="stable").reset_index(drop=True)
    for col in ("numerator", "denominator", "open_not_due"):
        out[col] = out[col].astype(float)
    return KPITable(out, book, members, keys, by, window, cs.as_of, cs.policy.name)
