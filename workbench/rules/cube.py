"""A pre-aggregated KPI cube for interactive filtering (DESIGN §10: every widget change < 200 ms).

The cube sums every KPI's numerator, denominator and open-not-due parts by cohort month, county,
responsible unit, answering unit (the party's unit), category and channel. A filter change
re-aggregates the cube's rows (tens of thousands, not millions of cases); the cases behind a
number are found from the per-case memberships the cube was built from, so the list always
matches the figure.

>>> import workbench as wb
>>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
...     "case_id": ["A", "B", "C"], "received_at": ["2025-03-03", "2025-03-04", "2025-04-01"],
...     "channel": ["来访", "网上", "来信"], "demand_type": ["求决"] * 3, "region_code": ["339902"] * 3,
...     "category": ["城乡建设_物业管理", "城乡建设_物业管理", "民政"],
...     "registered_unit_id": ["信访局"] * 3, "responsible_unit_id": ["住建局", "住建局", "民政局"],
...     "accepted_at": ["2025-03-06", "2025-03-06", "2025-04-02"],
...     "replied_at": ["2025-04-01", "2025-06-01", None]}))
>>> cube = KPICube(book, as_of="2025-07-01")
>>> p = cube.panel()
>>> p.loc[("on_time", "unit", "件次"), ["numerator", "denominator"]].tolist()
[1.0, 3.0]
>>> float(cube.panel(Filters(category="城乡建设")).loc[("on_time", "unit", "件次"), "denominator"])
2.0
>>> cube.late_matrix()[["unit_id", "month", "late", "total"]].values.tolist()
[['住建局', '2025-05', 1, 2], ['民政局', '2025-06', 1, 1]]
>>> cube.cases_behind("on_time", "missing", unit_id="住建局")
['B']
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..casebook import period_bounds
from .clocks import cached_clocks
from .kpis import _RATES, Member, case_keys, kpi_members

__all__ = ["Filters", "KPICube"]


@dataclass(frozen=True)
class Filters:
    """What the explorer's widgets select; None means everything.

    period: anything :func:`workbench.casebook.period_bounds` reads (on each KPI's cohort date),
    region: a GB/T 2260 code at city or county level (6 digits, or a prefix), unit: a responsible
    unit id (the units below it are included), category: a level-1 category, channel: a code.
    """

    period: object = None
    region: str | None = None
    unit: str | None = None
    category: str | None = None
    channel: str | None = None

    def with_(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


def _months(days: np.ndarray) -> np.ndarray:
    m = days.astype("datetime64[M]").astype(np.int64)
    return np.where(np.isnat(days), np.iinfo(np.int32).min, m)


def _label_month(code: int) -> str:
    return f"{1970 + code // 12}-{code % 12 + 1:02d}"


class KPICube:
    """KPI parts summed by month × county × unit × category × channel, built once per policy."""

    DIMS = ("month", "county", "resp", "unit", "category", "channel")

    def __init__(self, book, policy: object = None, as_of: object = None, *, first_only: bool = True,
                 language: str | None = None):
        from ..i18n import lang

        self.book = book
        self.language = lang(language)
        self.clockset = cs = cached_clocks(book, policy, as_of)
        self.as_of = cs.as_of
        self.policy = cs.policy
        self.keys = keys = case_keys(book, cs.units, cs)
        self.members: list[Member] = kpi_members(book, cs, keys, first_only=first_only)
        self.county, self.county_labels = keys.codes("county")
        self.category, self.category_labels = keys.codes("category")
        self.channel, self.channel_labels = keys.codes("channel")
        frames = []
        for j, m in enumerate(self.members):
            ci = m.ci
            f = pd.DataFrame({
                "member": np.full(len(ci), j, dtype=np.int16), "month": _months(m.cohort).astype(np.int32),
                "county": self.county[ci].astype(np.int32), "resp": keys.resp[ci].astype(np.int32),
                "unit": (m.unit if m.unit is not None else keys.resp[ci]).astype(np.int32),
                "category": self.category[ci].astype(np.int32), "channel": self.channel[ci].astype(np.int32),
                "num": m.num, "den": m.den if m.den is not None else np.zeros(len(ci), np.int64),
                "open_not_due": m.open_not_due if m.open_not_due is not None else np.zeros(len(ci), np.int64),
            })
            f = f.loc[f["month"] != np.iinfo(np.int32).min]
            frames.append(f.groupby(["member", *self.DIMS], sort=False).sum().reset_index())
        self.rows = pd.concat(frames, ignore_index=True)  # in member order: member j is one slice
        self._cols = {c: self.rows[c].to_numpy() for c in self.rows.columns}
        sizes = np.bincount(self._cols["member"], minlength=len(self.members))
        self._slices = np.r_[0, np.cumsum(sizes)]
        self._member_index = pd.MultiIndex.from_tuples([(m.kpi, m.party, m.count) for m in self.members],
                                                       names=["kpi", "party", "count"])

    # ------------------------------------------------------------------ filters

    def _unit_codes(self, unit: str) -> np.ndarray:
        ids = self.book._unit_ids([unit])
        return np.flatnonzero(self.keys.units.isin(list(ids)))

    def _region_codes(self, region: str) -> np.ndarray:
        from ..casebook import region_prefix

        pref = region_prefix(region)
        lab = pd.Series(np.asarray(self.county_labels, dtype=object), dtype="str")
        return np.flatnonzero(lab.str.startswith(pref, na=False).to_numpy())

    def _mask(self, f: Filters, cols: dict[str, np.ndarray], month_window: tuple[int, int] | None) -> np.ndarray:
        m = self._dim_mask(f.with_(period=None), cols)
        if month_window is not None:
            m = m & (cols["month"] >= month_window[0]) & (cols["month"] < month_window[1])
        return m

    def _dim_mask(self, f: Filters, cols: dict[str, np.ndarray]) -> np.ndarray:
        """Rows matching the non-time filters (the last few are remembered: a period change or the
        comparison periods reuse them)."""
        cache = self.__dict__.setdefault("_masks", {})
        if f in cache:
            return cache[f]
        m = np.ones(len(cols["member"]), dtype=bool)
        if f.region:
            m &= np.isin(cols["county"], self._region_codes(f.region))
        if f.unit:
            m &= np.isin(cols["resp"], self._unit_codes(f.unit))
        if f.category:
            m &= cols["category"] == self.category_labels.get_indexer([f.category])[0]
        if f.channel:
            m &= cols["channel"] == self.channel_labels.get_indexer([f.channel])[0]
        if len(cache) > 16:
            cache.clear()
        cache[f] = m
        return m

    @staticmethod
    def month_window(period: object) -> tuple[int, int] | None:
        """[first, last) month codes of a period (periods are whole months in the explorer)."""
        if period is None:
            return None
        s, e = period_bounds(period)
        lo = np.datetime64(s.date(), "M").astype(np.int64)
        hi = np.datetime64((e - pd.Timedelta(days=1)).date(), "M").astype(np.int64) + 1
        return int(lo), int(hi)

    # ------------------------------------------------------------------ aggregates

    def panel(self, filters: Filters | None = None, *, compare: bool = True) -> pd.DataFrame:
        """Every KPI for the filters: numerator, denominator, open_not_due, value; with a period
        also prev_value and mom (环比), yoy_value and yoy (同比)."""
        f = filters or Filters()
        win = self.month_window(f.period)
        out = self._sums(f, win)
        if compare and win is not None:
            span = win[1] - win[0]
            for shift, col, delta in ((span, "prev_value", "mom"), (12, "yoy_value", "yoy")):
                other = self._sums(f, (win[0] - shift, win[1] - shift))["value"]
                out[col] = other
                rate = out.index.get_level_values("kpi").isin(list(_RATES))
                with np.errstate(divide="ignore", invalid="ignore"):
                    out[delta] = np.where(rate, out["value"] - other, (out["value"] - other) / other.where(other > 0))
        return out

    def _sums(self, f: Filters, win: tuple[int, int] | None) -> pd.DataFrame:
        c = self._cols
        m = self._mask(f, c, win)
        j = c["member"][m]
        k = len(self.members)
        num = np.bincount(j, weights=c["num"][m], minlength=k)
        den = np.bincount(j, weights=c["den"][m], minlength=k)
        ond = np.bincount(j, weights=c["open_not_due"][m], minlength=k)
        is_rate = np.array([mm.is_rate for mm in self.members])
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(is_rate, np.where(den > 0, num / den, np.nan), num)
        return pd.DataFrame({"numerator": num, "denominator": np.where(is_rate, den, np.nan),
                             "open_not_due": np.where(is_rate, ond, np.nan), "value": value},
                            index=self._member_index)

    def _member(self, kpi: str, party: str, count: str | None = None) -> int:
        for j, m in enumerate(self.members):
            if m.kpi == kpi and m.party == party and (count is None or m.count == count):
                return j
        raise KeyError(f"no KPI {kpi!r} for party {party!r}")

    def late_matrix(self, filters: Filters | None = None, *, kpi: str = "on_time", party: str = "unit",
                    top: int | None = None) -> pd.DataFrame:
        """Late cases (denominator − numerator: late or open past the limit) by answering unit and
        due month: unit_id, unit_name, month, late, total, rate; ``top`` keeps the units with most."""
        f = filters or Filters()
        c = self._cols
        j = self._member(kpi, party)
        lo, hi = self._slices[j], self._slices[j + 1]
        m = self._mask(f, c, self.month_window(f.period))[lo:hi]
        unit, month = c["unit"][lo:hi][m].astype(np.int64) + 1, c["month"][lo:hi][m].astype(np.int64)
        den, num = c["den"][lo:hi][m], c["num"][lo:hi][m]
        m0 = int(month.min()) if len(month) else 0
        span = int(month.max()) - m0 + 1 if len(month) else 1
        key = unit * span + (month - m0)
        size = (len(self.keys.units) + 1) * span
        late = np.bincount(key, weights=den - num, minlength=size)
        total = np.bincount(key, weights=den, minlength=size)
        cells = np.flatnonzero(total > 0)
        g = pd.DataFrame({"unit": cells // span - 1, "month": cells % span + m0,
                          "late": late[cells].astype(np.int64), "total": total[cells].astype(np.int64)})
        per_unit = g.groupby("unit")[["late", "total"]].sum()
        if top is not None:
            worst = per_unit.loc[per_unit["late"] > 0]
            worst = worst.assign(uid=np.asarray(self.keys.units, dtype=object)[np.maximum(worst.index.to_numpy(), 0)])
            worst = worst.sort_values(["late", "total", "uid"], ascending=[False, False, True], kind="stable")
            g = g.loc[g["unit"].isin(worst.index[:top])]
        from .delays import names

        units = np.asarray(self.keys.units, dtype=object)
        g["unit_id"] = np.where(g["unit"] >= 0, units[np.maximum(g["unit"].to_numpy(), 0)], None)
        g["unit_name"] = g["unit_id"].map(names(self.book, "units")).fillna(g["unit_id"])
        g["month"] = [_label_month(int(x)) for x in g["month"]]
        g["rate"] = g["late"] / g["total"]
        # units with the most late cases first (then most due, then by id); months in order
        g["_late"] = g.groupby("unit_id")["late"].transform("sum")
        g["_total"] = g.groupby("unit_id")["total"].transform("sum")
        g = g.sort_values(["_late", "_total", "unit_id", "month"], ascending=[False, False, True, True], kind="stable")
        out = g[["unit_id", "unit_name", "month", "late", "total", "rate"]].reset_index(drop=True)
        clock = self.policy.kpi_clock(kpi, party)
        out.attrs["clock"] = [clock] if clock else []
        out.attrs["clock_label"] = self.policy.clock(clock).label(self.language) if clock else ""
        return out

    # ------------------------------------------------------------------ the cases behind a number

    def case_mask(self, f: Filters) -> np.ndarray:
        """Cases matching the non-time filters (the period applies to each KPI's cohort)."""
        n = len(self.book.cases)
        m = np.ones(n, dtype=bool)
        if f.region:
            m &= np.isin(self.county, self._region_codes(f.region))
        if f.unit:
            m &= np.isin(self.keys.resp, self._unit_codes(f.unit))
        if f.category:
            m &= self.category == self.category_labels.get_indexer([f.category])[0]
        if f.channel:
            m &= self.channel == self.channel_labels.get_indexer([f.channel])[0]
        return m

    def cases_behind(self, kpi: str, part: str = "denominator", filters: Filters | None = None, *,
                     party: str | None = None, count: str | None = None, unit_id: str | None = None,
                     month: str | None = None, leader: str | None = None) -> list[str]:
        """Case ids behind a KPI number (``part``: denominator, numerator, missing, open_not_due,
        all), optionally one answering unit's, one leader's and one cohort month's (a heatmap cell)."""
        f = filters or Filters()
        cmask = self.case_mask(f)
        win = self.month_window(f.period)
        out = []
        for m in self.members:
            if m.kpi != kpi or (party is not None and m.party != party) or (count is not None and m.count != count):
                continue
            if party is None and m.party == "office" and any(mm.kpi == kpi and mm.party == "unit" for mm in self.members):
                continue  # the unit's view unless the office's is asked for
            sel = cmask[m.ci]
            months = _months(m.cohort)
            if win is not None:
                sel &= (months >= win[0]) & (months < win[1])
            if month is not None:
                sel &= months == int(np.datetime64(month, "M").astype(np.int64))
            if unit_id is not None:
                code = self.keys.units.get_indexer([unit_id])[0]
                sel &= (m.unit if m.unit is not None else self.keys.resp[m.ci]) == code
            if leader is not None:
                lc, labels = self.keys.codes("leader")
                sel &= lc[m.ci] == labels.get_indexer([leader])[0]
            out.append(m.ci[sel & m.part(part)])
        if not out:
            raise KeyError(f"no KPI {kpi!r}")
        ci = np.unique(np.concatenate(out))
        return self.book.cases["case_id"].take(ci).tolist()

    def ranking(self, filters: Filters | None = None, *, by: str = "unit", kpi: str = "on_time",
                min_cases: int = 20) -> pd.DataFrame:
        """Units (the answering unit) or leaders ranked by late-case rate on one clock KPI within the
        filters, in the shape of :func:`workbench.rules.delays.ranking`."""
        from .delays import names

        f = filters or Filters()
        m = self.members[self._member(kpi, "unit")]
        win = self.month_window(f.period)
        months = _months(m.cohort)
        sel = self.case_mask(f)[m.ci] & (m.den > 0) if m.den is not None else self.case_mask(f)[m.ci]
        if win is not None:
            sel &= (months >= win[0]) & (months < win[1])
        if by == "unit":
            codes, labels = (m.unit if m.unit is not None else self.keys.resp[m.ci]), self.keys.units
        elif by == "leader":
            lc, labels = self.keys.codes("leader")
            codes = lc[m.ci]
        else:
            raise ValueError("by must be 'unit' or 'leader'")
        sel &= codes >= 0
        late = (m.num == 0)[sel]
        days = (m.days_late if m.days_late is not None else np.zeros(len(m.ci)))[sel]
        df = pd.DataFrame({"key": codes[sel], "late": late, "days": np.where(late, days, np.nan)})
        g = df.groupby("key")
        out = pd.DataFrame({"cases": g.size(), "late_cases": g["late"].sum(), "days_late_total": g["days"].sum(),
                            "days_late_median": g["days"].median(), "days_late_max": g["days"].max()})
        out["late_rate"] = (out["late_cases"] / out["cases"]).round(4)
        out = out.loc[out["cases"] >= min_cases].sort_values(["late_rate", "late_cases", "days_late_total"],
                                                            ascending=False, kind="stable")
        idcol = "unit_id" if by == "unit" else "lead_person_id"
        out.index = pd.Index(np.asarray(labels, dtype=object)[out.index.to_numpy()], name=idcol)
        out.insert(0, "name", out.index.map(names(self.book, "units" if by == "unit" else "people")))
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        out[["cases", "late_cases"]] = out[["cases", "late_cases"]].astype(int)
        return out.reset_index()

    def cases_of(self, filters: Filters | None = None, *, kpi: str = "on_time", part: str = "missing",
                 by: str = "unit", key: str | None = None) -> list[str]:
        """The cases behind a ranking bar: one unit's or one leader's (``key``) late cases."""
        if by == "unit":
            return self.cases_behind(kpi, part, filters, party="unit", unit_id=key)
        return self.cases_behind(kpi, part, filters, party="unit", leader=key)

    def months(self) -> list[str]:
        """Cohort months the cube covers, oldest first."""
        mm = np.unique(self._cols["month"])
        return [_label_month(int(x)) for x in mm]
