"""Blame attribution (责任倒查): whose hands a case was in while its clocks ran past their limits.

The rule, stated once:

1. **Late stretches.** Every clock of the policy that ran past its limit (the petitioner's own
   review windows aside) has a late stretch: from the start of the day after its last day to its
   stop, or to ``as_of`` while it still runs. Its ``days_late`` are the clock's (calendar days,
   as :func:`workbench.clocks` reports them).
2. **Holders.** The clock's days late are shared among the custody segments (lead and review;
   :mod:`.segments`) in proportion to how much of the late stretch each one covered, so a case's
   attributed late days add up exactly to its late days.
3. **Mis-routing.** A segment that bounced (the case was sent back where it came from: a return
   退回, or A→B→A ping-pong 推诿) is charged to the unit at fault: the holder when it was the unit
   that finally handled the case (it refused its own matter: ``refused``), else the sender (it
   sent the matter to the wrong place: ``misrouted``).
4. **Nobody holding.** Late time during which no unit held the case (a gap in the log) goes to
   the unit the clock answers to (the registering office, the responsible unit or the review
   organ): ``no_holder``.
5. **Time lost bouncing.** The 2022 clocks restart at each receiving unit (the acceptance
   clock counts from the arrival at the unit that finally handles the case), so the days a
   matter spent being sent to the wrong unit and back cost the petitioner time that no clock
   counts as late. They are reported apart, as ``days_lost_bouncing``, charged by rule 3.
6. **Co-handling.** Late days charged to the lead unit of a co-handled case (主办/协办) stay with
   the lead unit by default. When the ledger's 责任分摊 shares are recorded on the assignments
   and a co-handling unit held the case during the late stretch, the lead's part is split by the
   shares (``co_share``; the lead's own share is what the co units' shares leave when it is not
   recorded).

:func:`attribute_blame` returns a :class:`Blame`: one row per (late clock, unit charged) with
the case behind it, and accountability tables per unit and per 包案领导 that give back the case
ids behind every figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..rules.clocks import _DAY_MS
from .buck import _wilson_low
from .segments import Custody, cached_custody, custody_frame

__all__ = ["BASES", "Blame", "attribute_blame"]

BASES = ("held", "refused", "misrouted", "no_holder", "co_share")
_UNIT_MEASURES = ("cases_held", "late_cases", "returns_sent", "returns_received", "bounces_caused",
                  "days_lost_bouncing", "open_segments")
_LEADER_MEASURES = ("cases", "late_cases", "returned_cases", "bounce_cases", "open_cases")


@dataclass
class Blame:
    """Attributed late days and the accountability tables built from them.

    ``attribution``: case_id, clock, unit_id (charged), unit_name, person_id (经办人 of the
    segment), lead_person_id (包案领导), late_days (float), basis (held · refused · misrouted ·
    no_holder · co_share), seg (the custody segment, -1 for none), clock_days_late.
    ``late``: one row per late clock (case_id, clock, days_late, attributed) — the check that
    every clock's late days are fully attributed.
    """

    attribution: pd.DataFrame
    late: pd.DataFrame
    custody: Custody = field(repr=False)
    book: Any = field(repr=False)
    late_ci: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))

    # ------------------------------------------------------------------ tables
    def by_unit(self) -> pd.DataFrame:
        """责任倒查 per unit: cases_held, segments, open_segments, late_days (attributed to it),
        late_cases, late_days_refused, late_days_misrouted, returns_sent, returns_received,
        bounces_caused, days_lost_bouncing (days its bounces cost, rule 5), median_hold_days,
        p90_hold_days (of its ended segments), share_late_days. Sorted by late days caused."""
        cu, att = self.custody, self.attribution
        nu = len(cu.units)
        n = len(self.book.cases)
        u, ok = cu.unit, cu.unit >= 0

        def count(mask: np.ndarray, codes: np.ndarray | None = None, weights: np.ndarray | None = None) -> np.ndarray:
            c = u if codes is None else codes
            m = mask & (c >= 0)
            return np.bincount(c[m], weights=None if weights is None else weights[m], minlength=nu)

        held_pairs = np.unique(u[ok] * max(n, 1) + cu.ci[ok])
        days = (cu.end - cu.start) / _DAY_MS
        ret = (cu.ended == 1) & (cu.role == 0)
        out = pd.DataFrame({
            "cases_held": np.bincount(held_pairs // max(n, 1), minlength=nu),
            "segments": count(ok),
            "open_segments": count(cu.open),
            "returns_sent": count(ret),
            "returns_received": count(ret, cu.receiver),
            "bounces_caused": count(cu.bounce, cu.charged),
            "days_lost_bouncing": count(cu.bounce, cu.charged, days),
        }, index=pd.Index(np.asarray(cu.units, dtype=object), name="unit_id"))
        ended = ok & ~cu.open
        hold = pd.Series(days[ended]).groupby(u[ended])
        codes = out.index
        out["median_hold_days"] = pd.Series(hold.median().to_numpy(), index=codes[hold.median().index])
        out["p90_hold_days"] = pd.Series(hold.quantile(0.9).to_numpy(), index=codes[hold.quantile(0.9).index])
        a = att.groupby("unit_id", observed=True)
        out = out.join(pd.DataFrame({
            "late_days": a["late_days"].sum(),
            "late_cases": att.loc[att["late_days"] > 0].groupby("unit_id", observed=True)["case_id"].nunique(),
        }), how="outer")
        for basis in ("refused", "misrouted"):
            sub = att.loc[att["basis"] == basis]
            out[f"late_days_{basis}"] = sub.groupby("unit_id", observed=True)["late_days"].sum()
        out = out.loc[(out["segments"].fillna(0) > 0) | (out["late_days"].fillna(0) > 0)]
        counts = ["cases_held", "segments", "open_segments", "late_cases", "returns_sent", "returns_received",
                  "bounces_caused"]
        out[counts] = out[counts].fillna(0).astype("int64")
        for c in ("late_days", "late_days_refused", "late_days_misrouted", "days_lost_bouncing"):
            out[c] = out[c].fillna(0.0)
        total = out["late_days"].sum()
        out["share_late_days"] = out["late_days"] / total if total else 0.0
        out.index.name = "unit_id"
        out = out.reset_index()
        out.insert(1, "name", out["unit_id"].map(_names(self.book, "units")).fillna(out["unit_id"].astype(object)))
        out = out[["unit_id", "name", "cases_held", "segments", "open_segments", "late_days", "share_late_days",
                   "late_cases", "late_days_refused", "late_days_misrouted", "returns_sent", "returns_received",
                   "bounces_caused", "days_lost_bouncing", "median_hold_days", "p90_hold_days"]]
        return out.sort_values(["late_days", "cases_held"], ascending=False, kind="stable").reset_index(drop=True)

    def by_leader(self) -> pd.DataFrame:
        """责任倒查 per 包案领导: cases led, late_cases (any clock past its limit), late_days (all
        clocks of their cases), late_share and late_share_low (its 95 % Wilson lower bound, so one
        late case out of one does not outrank 100 out of 240), returned_cases, bounce_cases,
        open_cases, and the median and p90 days the responsible unit held their cases. Sorted by
        late_share_low."""
        cases = self.book.cases
        cu = self.custody
        n = len(cases)
        lead_codes, leaders = pd.factorize(cases["lead_person_id"], use_na_sentinel=True)
        case_late = np.bincount(self.late_ci, weights=self.late["days_late"].to_numpy(dtype=float), minlength=n)
        main = cu.role != 1

        def any_of(mask: np.ndarray) -> np.ndarray:
            return np.bincount(cu.ci[mask], minlength=n) > 0

        per_case = pd.DataFrame({
            "leader": lead_codes, "late_days": case_late, "late": case_late > 0,
            "returned": any_of(main & (cu.ended == 1)), "bounce": any_of(cu.bounce), "open": any_of(main & cu.open),
        })
        per_case = per_case.loc[per_case["leader"] >= 0]
        g = per_case.groupby("leader")
        out = pd.DataFrame({
            "cases": g.size(), "late_cases": g["late"].sum(), "late_days": g["late_days"].sum(),
            "returned_cases": g["returned"].sum(), "bounce_cases": g["bounce"].sum(), "open_cases": g["open"].sum(),
        })
        # how long the responsible unit held their cases (ended segments)
        own = np.flatnonzero((cu.role == 0) & ~cu.open & (cu.unit >= 0) & (cu.unit == cu.final_unit[cu.ci]))
        held = pd.DataFrame({"leader": lead_codes[cu.ci[own]], "days": (cu.end[own] - cu.start[own]) / _DAY_MS})
        h = held.loc[held["leader"] >= 0].groupby("leader")["days"]
        out["median_hold_days"] = h.median()
        out["p90_hold_days"] = h.quantile(0.9)
        out.index = pd.Index(np.asarray(leaders, dtype=object)[out.index.to_numpy()], name="lead_person_id")
        out["late_share"] = out["late_cases"] / out["cases"]
        out["late_share_low"] = _wilson_low(out["late_cases"].to_numpy(dtype=float), out["cases"].to_numpy(dtype=float))
        out.index.name = "lead_person_id"
        out = out.reset_index()
        people = self.book.people.drop_duplicates("person_id").set_index("person_id") if len(self.book.people) else None
        for col in ("name", "title", "unit_id"):
            vals = out["lead_person_id"].map(people[col]) if people is not None and col in people else None
            out.insert(1 + ("name", "title", "unit_id").index(col), col,
                       vals if vals is not None else pd.Series([None] * len(out), dtype=object))
        out["name"] = out["name"].fillna(out["lead_person_id"].astype(object))
        return out.sort_values(["late_share_low", "late_cases"], ascending=False, kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ drill-down
    def case_ids(self, measure: str, *, unit_id: str | None = None, lead_person_id: str | None = None) -> list[str]:
        """The cases behind one figure of :meth:`by_unit` (give ``unit_id``) or :meth:`by_leader`
        (give ``lead_person_id``). ``measure``: a column name of the table (``late_days`` gives
        the cases with late days charged)."""
        cu = self.custody
        case_ids = self.book.cases["case_id"]

        def of(mask: np.ndarray) -> list[str]:
            """Case ids of the segments in ``mask``, in segment order, each once."""
            ci = cu.ci[mask]
            _, first = np.unique(ci, return_index=True)
            return case_ids.take(ci[np.sort(first)]).astype(str).tolist()

        if unit_id is not None:
            hit = np.flatnonzero(np.asarray(cu.units, dtype=object) == unit_id)
            u = int(hit[0]) if len(hit) else -2  # -2: a unit no segment mentions
            returned = (cu.ended == 1) & (cu.role == 0)
            if measure in ("cases_held", "segments", "median_hold_days", "p90_hold_days"):
                return of(cu.unit == u)
            if measure == "open_segments":
                return of((cu.unit == u) & cu.open)
            if measure in ("late_days", "late_cases", "share_late_days", "late_days_refused", "late_days_misrouted"):
                a = self.attribution
                sel = (a["unit_id"] == unit_id).to_numpy(dtype=bool, na_value=False) & (a["late_days"] > 0).to_numpy()
                if measure in ("late_days_refused", "late_days_misrouted"):
                    sel &= (a["basis"] == measure.removeprefix("late_days_")).to_numpy()
                return list(dict.fromkeys(a.loc[sel, "case_id"].astype(str).tolist()))
            if measure == "returns_sent":
                return of(returned & (cu.unit == u))
            if measure == "returns_received":
                return of(returned & (cu.receiver == u))
            if measure in ("bounces_caused", "days_lost_bouncing"):
                return of(cu.bounce & (cu.charged == u))
            raise ValueError(f"unknown measure {measure!r} for a unit; one of {_UNIT_MEASURES}")
        if lead_person_id is not None:
            n = len(case_ids)
            led = (self.book.cases["lead_person_id"] == lead_person_id).to_numpy(dtype=bool, na_value=False)
            main = cu.role != 1
            if measure in ("cases", "median_hold_days", "p90_hold_days"):
                want = led
            elif measure in ("late_cases", "late_days", "late_share", "late_share_low"):
                late = np.zeros(n, dtype=bool)
                late[self.late_ci[self.late["days_late"].to_numpy() > 0]] = True
                want = led & late
            elif measure in ("returned_cases", "bounce_cases", "open_cases"):
                mask = {"returned_cases": main & (cu.ended == 1), "bounce_cases": cu.bounce,
                        "open_cases": main & cu.open}[measure]
                want = led & (np.bincount(cu.ci[mask], minlength=n) > 0)
            else:
                raise ValueError(f"unknown measure {measure!r} for a leader; one of {_LEADER_MEASURES}")
            return case_ids.take(np.flatnonzero(want)).astype(str).tolist()
        raise ValueError("give unit_id or lead_person_id")

    def case(self, case_id: str) -> pd.DataFrame:
        """The attribution rows of one case (its blame chain in figures)."""
        return self.attribution.loc[self.attribution["case_id"] == case_id].reset_index(drop=True)

    def check(self) -> pd.DataFrame:
        """Late clocks whose attributed days do not add up to their days late (empty when sound)."""
        bad = ~np.isclose(self.late["attributed"], self.late["days_late"], rtol=0, atol=1e-9)
        return self.late.loc[bad]

    def _segments(self) -> pd.DataFrame:
        cache = self.__dict__.setdefault("_seg_frame", [])
        if not cache:
            cache.append(custody_frame(self.custody, self.book))
        return cache[0]


def _names(book, kind: str) -> pd.Series:
    from ..rules.delays import names

    return names(book, kind)


def attribute_blame(book, policy: object = None, as_of: object = None, *, co_rule: str = "auto") -> Blame:
    """Attribute every late clock's days to the units that held the case while it was late.

    ``co_rule``: ``auto`` (default: the ledger's 责任分摊 shares when it records them, else all to
    the lead unit), ``lead`` (always the lead unit) or ``shares``. The module docstring states
    the rule in full.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-01-02"],
    ...     "registered_unit_id": ["县信访局"], "responsible_unit_id": ["县住建局"], "demand_type": ["求决"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 6,
    ...     "action": ["登记", "交办", "受理", "转送", "转送", "答复"],
    ...     "at": ["2025-01-02", "2025-01-03", "2025-01-06", "2025-03-01", "2025-03-21", "2025-03-31"],
    ...     "from_unit_id": ["县信访局", "县信访局", "县住建局", "县住建局", "县水利局", "县住建局"],
    ...     "to_unit_id": [None, "县住建局", None, "县水利局", "县住建局", None]}), now="2025-06-01")
    >>> b = attribute_blame(book)

    The reply came 24 days after the last day (2025-03-07). Of the 23 days of that stretch the
    county water bureau held the case for 13 — but it had been sent there by mistake and sent it
    back, so the sender answers for them:

    >>> print(b.attribution[["clock", "unit_id", "late_days", "basis"]].round(2).to_string(index=False))
     clock unit_id  late_days     basis
    handle    县住建局      13.57 misrouted
    handle    县住建局      10.43      held
    >>> b.check().empty
    True
    """
    if co_rule not in ("auto", "lead", "shares"):
        raise ValueError(f"co_rule must be 'auto', 'lead' or 'shares', not {co_rule!r}")
    cu = cached_custody(book, policy, as_of)
    assert cu.windows is not None and cu.late_pairs is not None
    win = cu.windows
    wci = win["ci"].to_numpy()
    days = win["days_late"].to_numpy().astype(float)
    w_all, s_all, ov_all = cu.late_pairs
    main = cu.role[s_all] != 1  # lead and review segments hold the case; co-handling is rule 6
    w, s, ov = w_all[main], s_all[main], ov_all[main]
    total = np.bincount(w, weights=ov, minlength=len(win))
    late_days = days[w] * ov / total[w]
    unit = cu.charged[s]
    basis = np.array([0, 1, 2])[cu.fault[s]]
    seg = s
    # nobody held the case during its late stretch: the unit the clock answers to
    none = np.flatnonzero(total == 0)
    w = np.r_[w, none]
    unit = np.r_[unit, win["unit"].to_numpy()[none]]
    late_days = np.r_[late_days, days[none]]
    basis = np.r_[basis, np.full(len(none), 3)]
    seg = np.r_[seg, np.full(len(none), -1)]
    if co_rule != "lead":
        w, unit, late_days, basis, seg = _split_by_shares(cu, wci, w, unit, late_days, basis, seg)
    cases = book.cases
    clock_names = [k.name for k in _policy_of(book, policy).clocks]
    units = np.asarray(cu.units, dtype=object)
    none_obj = np.full(len(unit), None, dtype=object)
    unit_ids = np.where(unit >= 0, units[np.maximum(unit, 0)], none_obj) if len(units) else none_obj
    ev_actor = book.events["actor_id"].to_numpy(dtype=object, na_value=None) if len(book.events) else np.zeros(0, object)
    arow = np.where(seg >= 0, cu.actor_row[np.maximum(seg, 0)], -1)
    person = np.where(arow >= 0, ev_actor[np.maximum(arow, 0)], none_obj) if len(ev_actor) else none_obj
    ci = wci[w]
    o = np.lexsort((seg, w))
    ci, w, unit_ids, person, late_days, basis, seg = (np.asarray(x)[o] for x in (ci, w, unit_ids, person, late_days, basis,
                                                                                seg))
    name_map = _names(book, "units")
    att = pd.DataFrame({
        "case_id": cases["case_id"].take(ci).array,
        "clock": pd.Categorical.from_codes(win["clock"].to_numpy()[w], categories=clock_names),
        "unit_id": pd.array(unit_ids, dtype="str"),
        "unit_name": pd.Series(unit_ids, dtype=object).map(name_map).to_numpy(dtype=object),
        "person_id": pd.array(person, dtype="str"),
        "lead_person_id": cases["lead_person_id"].take(ci).array,
        "late_days": late_days,
        "basis": pd.Categorical.from_codes(basis, categories=list(BASES)),
        "seg": _seg_number(cu, seg),
        "clock_days_late": days[w].astype(np.int32),
    })
    att["unit_name"] = att["unit_name"].where(att["unit_name"].notna(), att["unit_id"].astype(object))
    attributed = np.bincount(w, weights=late_days, minlength=len(win))
    late = pd.DataFrame({
        "case_id": cases["case_id"].take(wci).array,
        "clock": pd.Categorical.from_codes(win["clock"].to_numpy(), categories=clock_names),
        "party": win["party"].to_numpy(), "unit_id": win["unit_id"].to_numpy(),
        "days_late": days, "attributed": attributed,
    })
    att.attrs["as_of"] = late.attrs["as_of"] = cu.as_of
    att.attrs["co_rule"] = co_rule
    return Blame(att, late, cu, book, wci)


def _seg_number(cu: Custody, seg: np.ndarray) -> np.ndarray:
    """Segment position within its case (the ``seg`` column of :func:`custody`); -1 for none."""
    s = np.maximum(seg, 0)
    num = s - np.searchsorted(cu.ci, cu.ci[s], side="left") if len(cu) else np.zeros(len(seg), np.int64)
    return np.where(seg >= 0, num, -1).astype(np.int32)


def _policy_of(book, policy: object):
    from ..rules.policy import load_policy

    return load_policy(policy if policy is not None else getattr(book, "policy", None) or None)


def _split_by_shares(cu: Custody, wci, w, unit, late_days, basis, seg):
    """Rule 6: split the lead unit's late days with the co-handling units by their recorded shares."""
    assert cu.late_pairs is not None
    w_all, s_all, _ = cu.late_pairs
    hit = (cu.role[s_all] == 1) & ~np.isnan(cu.share[s_all])
    cw, cseg = w_all[hit], s_all[hit]
    if not len(cw):
        return w, unit, late_days, basis, seg
    co_sum = np.bincount(cw, weights=cu.share[cseg], minlength=len(wci))
    # the lead's share: recorded on its own assignment, else what the co units leave
    lead_seg = np.flatnonzero((cu.role == 0) & ~np.isnan(cu.share))
    lead_share = np.full(len(cu.final_unit), np.nan)
    lead_unit = cu.final_unit.copy()
    lead_share[cu.ci[lead_seg]] = cu.share[lead_seg]
    lead_unit[cu.ci[lead_seg]] = cu.unit[lead_seg]
    case_w = wci
    sl = lead_share[case_w]
    sl = np.where(np.isnan(sl), np.clip(1.0 - co_sum, 0.0, None), sl)
    denom = sl + co_sum
    split = (co_sum > 0) & (denom > 0)
    lead_rows = split[w] & (unit == lead_unit[case_w[w]]) & (basis == 0)
    moved = np.bincount(w[lead_rows], weights=late_days[lead_rows], minlength=len(wci))
    keep_frac = np.where(split, sl / np.where(denom > 0, denom, 1.0), 1.0)
    late_days = late_days.copy()
    late_days[lead_rows] *= keep_frac[w[lead_rows]]
    add = moved[cw] * cu.share[cseg] / denom[cw]
    return (np.r_[w, cw], np.r_[unit, cu.unit[cseg]], np.r_[late_days, add], np.r_[basis, np.full(len(cw), 4)],
            np.r_[seg, cseg])
