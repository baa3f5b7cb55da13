"""Where cases stall (DESIGN §4): stage durations, open-case aging, early warnings, rankings.

- :func:`stage_durations`: per case, how long each step took (登记→转送→到达→受理→答复→办结→
  复查→复核), with the unit and leader holding it; steps still running count until ``as_of``.
- :func:`stage_summary`: medians and tails of each step by unit or leader.
- :func:`aging`: open cases by how long they have been open (账龄).
- :func:`warnings_due`: the 临期预警 list — running clocks whose last day falls within N days.
- :func:`ranking`: units or leaders by late cases, late-case rate and days late (责任倒查 starts here).

All of them read the clock set of :func:`workbench.rules.clocks.clocks` (remembered on the book),
so they agree with the KPIs to the case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clocks import _DAY_MS, _NA, STATUSES, cached_clocks

__all__ = ["STAGES", "AGE_BINS", "stage_durations", "stage_summary", "aging", "warnings_due", "ranking", "names"]

#: the steps of a case: (name, from anchor, to anchor, who holds it)
STAGES: tuple[tuple[str, str, str, str], ...] = (
    ("route", "register", "route", "office"),
    ("arrive", "route", "arrive", "office"),
    ("accept", "arrive", "accept", "unit"),
    ("reply", "accept", "reply", "unit"),
    ("close", "reply", "close", "unit"),
    ("review_request", "reply", "review_request", "petitioner"),
    ("review", "review_request", "review", "reviewer"),
    ("recheck_request", "review", "recheck_request", "petitioner"),
    ("recheck", "recheck_request", "recheck", "reviewer"),
)
#: open-case age buckets in days since receipt (upper bounds, inclusive)
AGE_BINS: tuple[tuple[str, int], ...] = (
    ("0–15", 15), ("16–30", 30), ("31–60", 60), ("61–90", 90), ("91–180", 180), ("181–365", 365), (">365", 10**9),
)


def names(book, kind: str) -> pd.Series:
    """id → name for ``units`` or ``people`` (ids without a name map to themselves)."""
    t = book.units if kind == "units" else book.people
    key = "unit_id" if kind == "units" else "person_id"
    if not len(t):
        return pd.Series(dtype=object)
    return t.drop_duplicates(key).set_index(key)["name"].astype(object)


def stage_durations(book, policy: object = None, as_of: object = None, *, include_open: bool = True) -> pd.DataFrame:
    """One row per case and step that started by ``as_of``: case_id, stage, start, end, days
    (calendar days, fractional), running (the step has not ended: ``days`` counts to as_of),
    holder (unit id), lead_person_id. Steps the petitioner holds (their review windows) are kept
    but marked ``holder_kind = petitioner``; a step whose end comes before its start is dropped
    (the loader reports such records as out of order).

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
    ...     "case_id": ["A"], "received_at": ["2025-03-01"], "registered_unit_id": ["信访局"],
    ...     "responsible_unit_id": ["住建局"], "arrived_at": ["2025-03-03"],
    ...     "accepted_at": ["2025-03-10"], "replied_at": ["2025-04-09"]}))
    >>> d = stage_durations(book, as_of="2025-04-19")
    >>> d[["stage", "days", "running"]].values.tolist()
    [['route', 2.0, False], ['arrive', 0.0, False], ['accept', 7.0, False], ['reply', 30.0, False], ['close', 10.0, True]]
    """
    cs = cached_clocks(book, policy, as_of)
    a = cs.anchors
    assert a is not None
    as_of_ms = int(cs.as_of.value // 1_000_000)
    cases = book.cases
    reg = cases["registered_unit_id"].to_numpy(dtype=object, na_value=None)
    resp = cases["responsible_unit_id"].to_numpy(dtype=object, na_value=None)
    parts = []
    for k, (stage, frm, to, _holder) in enumerate(STAGES):
        s = a.times[frm]
        e = a.times[to]
        # a decision not to accept ends the acceptance step; closing ends a step that never got its reply
        alt = {"accept": "reject", "reply": "close"}.get(stage)
        if alt is not None:
            other = a.times[alt]
            e = np.where((e == _NA) | ((other != _NA) & (other < e)), other, e)
        e = np.where((e != _NA) & (e <= as_of_ms), e, _NA)
        started = (s != _NA) & (s <= as_of_ms)
        running = started & (e == _NA)
        ok = started & ((e == _NA) | (e >= s))
        if not include_open:
            ok &= ~running
        if stage == "close":  # closing without a reply is its own irregularity, not a step
            ok &= a.times["reply"] != _NA
        if stage in ("review_request", "recheck_request"):  # only windows that were used
            ok &= e != _NA
        idx = np.flatnonzero(ok)
        end = np.where(running[idx], as_of_ms, e[idx])
        parts.append(pd.DataFrame({
            "ci": idx, "stage_code": k, "start": s[idx], "end": np.where(running[idx], _NA, e[idx]),
            "days": (end - s[idx]) / _DAY_MS, "running": running[idx],
        }))
    d = pd.concat(parts, ignore_index=True)
    holder_kind = np.array([h for *_, h in STAGES], dtype=object)[d["stage_code"].to_numpy()]
    ci = d["ci"].to_numpy()
    holder = np.where(holder_kind == "office", reg[ci], resp[ci])
    for key in ("review", "recheck"):
        units = a.review_unit.get(f"{key}_request")
        if units is not None:
            m = holder_kind == "reviewer"
            m &= d["stage_code"].to_numpy() == [s[0] for s in STAGES].index(key)
            codes = units[ci[m]]
            holder[m] = np.where(codes >= 0, np.asarray(a.units, dtype=object)[np.maximum(codes, 0)], holder[m])

    def when(x: np.ndarray) -> np.ndarray:
        out = x.astype("datetime64[ms]")
        out[x == _NA] = np.datetime64("NaT")
        return out

    out = pd.DataFrame({
        "case_id": cases["case_id"].take(ci).array,
        "stage": pd.Categorical.from_codes(d["stage_code"].to_numpy(), categories=[s[0] for s in STAGES]),
        "start": when(d["start"].to_numpy()),
        "end": when(d["end"].to_numpy()),
        "days": d["days"].to_numpy().round(3),
        "running": d["running"].to_numpy(),
        "holder": pd.array(holder, dtype="str"),
        "holder_kind": pd.Categorical(holder_kind, categories=["office", "unit", "reviewer", "petitioner"]),
        "lead_person_id": cases["lead_person_id"].take(ci).array,
    })
    out = out.sort_values(["case_id", "start"], kind="stable").reset_index(drop=True)
    out.attrs["as_of"] = cs.as_of
    return out


def stage_summary(book, by: str | None = "unit", policy: object = None, as_of: object = None, *,
                  include_open: bool = False, min_n: int = 1) -> pd.DataFrame:
    """Medians and tails of each step: n, min, p25, median, p75, p90, max, mean (days) and how
    many are still running, per ``by`` (``unit``: the holder; ``leader``; None: overall)."""
    d = stage_durations(book, policy, as_of, include_open=True)
    d = d.loc[d["holder_kind"] != "petitioner"] if by in ("unit", "leader") else d
    return summarise_stages(d, book, by, include_open=include_open, min_n=min_n)


def summarise_stages(d: pd.DataFrame, book, by: str | None = None, *, include_open: bool = False,
                     min_n: int = 1) -> pd.DataFrame:
    """The figures of :func:`stage_summary` for rows of :func:`stage_durations` already chosen
    (a filter, a period): per stage and ``by`` (``unit``, ``leader`` or None)."""
    keys = ["stage"] + ({"unit": ["holder"], "leader": ["lead_person_id"]}.get(by or "", []))
    running = d.groupby(keys, observed=True)["running"].sum().rename("running")
    done = d if include_open else d.loc[~d["running"]]
    g = done.groupby(keys, observed=True)["days"]
    out = pd.concat([g.size().rename("n"), g.min().rename("min"), g.quantile(0.25).rename("p25"),
                     g.median().rename("median"), g.quantile(0.75).rename("p75"),
                     g.quantile(0.9).rename("p90"), g.max().rename("max"), g.mean().rename("mean")], axis=1)
    out = out.join(running, how="outer").fillna({"n": 0, "running": 0})
    out = out.loc[out["n"] >= min_n].reset_index()
    if by == "unit":
        out.insert(2, "holder_name", out["holder"].map(names(book, "units")).fillna(out["holder"]))
    elif by == "leader":
        out.insert(2, "leader_name", out["lead_person_id"].map(names(book, "people")).fillna(out["lead_person_id"]))
    for c in ("min", "p25", "median", "p75", "p90", "max", "mean"):
        out[c] = out[c].astype(float).round(1)
    out[["n", "running"]] = out[["n", "running"]].astype(int)
    return out


def open_cases(cs, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the cases with a handling or review clock running at the clock set's as_of,
    and whether each is already past a limit."""
    c = cs.cols
    parties = np.array([k.party for k in cs.policy.clocks], dtype=object)
    running = (parties[c["clock"]] != "petitioner") & np.isin(c["status"], [2, 3, 4])
    open_case = np.zeros(n, bool)
    open_case[c["ci"][running]] = True
    past = np.zeros(n, bool)
    past[c["ci"][running & (c["status"] == 4)]] = True
    ci = np.flatnonzero(open_case)
    return ci, past[ci]


def age_buckets(book, cs, ci: np.ndarray) -> tuple[np.ndarray, pd.Categorical]:
    """Days since receipt at as_of of the cases at ``ci``, and their :data:`AGE_BINS` bucket."""
    rec = book.cases["received_at"].to_numpy(dtype="datetime64[ms]")[ci]
    age = (np.datetime64(cs.as_of.to_datetime64(), "ms") - rec).astype("timedelta64[D]").astype(np.int64)
    bucket = pd.cut(age, bins=[-1] + [hi for _, hi in AGE_BINS], labels=[label for label, _ in AGE_BINS])
    return age, bucket


def aging(book, by: str | None = None, policy: object = None, as_of: object = None) -> pd.DataFrame:
    """Open cases (a handling or review clock still running at ``as_of``) by age since receipt:
    one row per ``by`` value (``unit``, ``leader``, ``county`` or None) with a column per bucket of
    :data:`AGE_BINS`, the total, and how many of them are already past a limit."""
    cs = cached_clocks(book, policy, as_of)
    ci, past = open_cases(cs, len(book.cases))
    _, bucket = age_buckets(book, cs, ci)
    frame = pd.DataFrame({"bucket": bucket, "past_limit": past})
    if by:
        col = {"unit": "responsible_unit_id", "leader": "lead_person_id", "county": "region_code"}[by]
        vals = book.cases[col].take(ci).astype("str").to_numpy()
        frame[by] = vals if by != "county" else pd.Series(vals, dtype="str").str.slice(0, 6).to_numpy()
        t = pd.crosstab(frame[by], frame["bucket"], dropna=False)
        t["total"] = t.sum(axis=1)
        t["past_limit"] = frame.groupby(by)["past_limit"].sum()
        t = t.sort_values("total", ascending=False)
        if by == "unit":
            t.insert(0, "name", t.index.map(names(book, "units")))
        elif by == "leader":
            t.insert(0, "name", t.index.map(names(book, "people")))
        t.columns.name = None
        return t.reset_index()
    t = frame["bucket"].value_counts(sort=False).to_frame("cases")
    t["past_limit"] = frame.groupby("bucket", observed=False)["past_limit"].sum()
    t.index.name = "age_days"
    return t.reset_index()


def warnings_due(book, days: int = 7, policy: object = None, as_of: object = None, *,
                 include_past: bool = False, language: str | None = None) -> pd.DataFrame:
    """临期预警: running clocks whose last day is within ``days`` days of ``as_of`` (0 = due today),
    soonest first, with the unit and leader to call; ``include_past`` adds the ones already past
    their limit (most overdue first)."""
    from .clocks import clocks

    c = clocks(book, policy, as_of, language=language)
    c = c.loc[c["party"] != "petitioner"]
    soon = c["status"].isin(["open", "approaching"]) & (c["days_left"] <= days)
    if include_past:
        soon |= c["status"] == "open_past_limit"
    w = c.loc[soon.fillna(False)].copy()
    w["unit_name"] = w["unit_id"].astype(object).map(names(book, "units"))
    w["leader_name"] = w["lead_person_id"].astype(object).map(names(book, "people"))
    info = book.cases.set_index("case_id")[["received_at", "category_l1", "category_l2", "region_name"]]
    w = w.join(info, on="case_id")
    w["_order"] = np.where(w["status"] == "open_past_limit", -w["days_late"].fillna(0).astype(float),
                           w["days_left"].fillna(0).astype(float))
    w = w.sort_values(["_order", "due"], kind="stable").drop(columns="_order")
    cols = ["case_id", "clock", "clock_label", "status", "due", "days_left", "days_late", "warn_level", "unit_id",
            "unit_name", "lead_person_id", "leader_name", "received_at", "category_l1", "category_l2", "region_name",
            "start", "why"]
    return w[cols].reset_index(drop=True)


def ranking(book, by: str = "unit", policy: object = None, as_of: object = None, *, clocks: tuple[str, ...] | None = None,
            period: object = None, min_cases: int = 20) -> pd.DataFrame:
    """Units or leaders (``by`` = ``unit`` or ``leader``) ranked by their late-case rate.

    Counted over the clocks that answer to them (default: every clock whose party is the
    responsible unit or the review organ; a leader answers for the cases they own): cases with a
    clock that is due by ``as_of`` (or in ``period``, by due date), late cases (finished late or
    still open past the limit), late-case rate, open past limit, and days late — per case the longest
    overrun of its clocks — in total, median and longest.
    Groups with fewer than ``min_cases`` cases are left out (rates on a handful mislead).
    """
    from ..casebook import period_bounds

    cs = cached_clocks(book, policy, as_of)
    c = cs.cols
    pol = cs.policy
    wanted = [k for k, clk in enumerate(pol.clocks)
              if (clocks is None and clk.party in ("unit", "reviewer")) or (clocks is not None and clk.name in clocks)]
    m = np.isin(c["clock"], wanted)
    # due by as_of: late, open past the limit, or met with the last day passed
    as_of_day = np.datetime64(cs.as_of.date(), "D")
    m &= np.isin(c["status"], [1, 4]) | ((c["status"] == 0) & (c["due"] <= as_of_day))
    if period is not None:
        s, e = period_bounds(period)
        m &= (c["due"] >= np.datetime64(s.date())) & (c["due"] < np.datetime64(e.date()))
    idx = np.flatnonzero(m)
    ci = c["ci"][idx]
    late = np.isin(c["status"][idx], [1, 4])
    if by == "unit":
        key = np.asarray(cs.units, dtype=object)[np.maximum(c["unit"][idx], 0)]
        key = np.where(c["unit"][idx] >= 0, key, None)
    elif by == "leader":
        key = book.cases["lead_person_id"].to_numpy(dtype=object, na_value=None)[ci]
    else:
        raise ValueError("by must be 'unit' or 'leader'")
    f = pd.DataFrame({"key": key, "ci": ci, "late": late, "opl": c["status"][idx] == 4,
                      "days_late": np.where(late, c["days_late"][idx], np.nan)}).dropna(subset=["key"])
    # a case is late once however many of its clocks ran over; its days late are the longest overrun
    per_case = f.groupby(["key", "ci"]).agg(late=("late", "max"), opl=("opl", "max"), days=("days_late", "max"))
    per_case["days"] = per_case["days"].where(per_case["late"])
    g = per_case.groupby(level="key")
    out = pd.DataFrame({
        "cases": g.size(), "late_cases": g["late"].sum(), "open_past_limit": g["opl"].sum(),
        "days_late_total": g["days"].sum(), "days_late_median": g["days"].median(), "days_late_max": g["days"].max(),
    })
    out["late_rate"] = out["late_cases"] / out["cases"]
    out = out.loc[out["cases"] >= min_cases]
    out = out.sort_values(["late_rate", "late_cases", "days_late_total"], ascending=False)
    out.index.name = "unit_id" if by == "unit" else "lead_person_id"
    out.insert(0, "name", out.index.map(names(book, "units" if by == "unit" else "people")))
    if by == "leader":
        people = book.people.drop_duplicates("person_id").set_index("person_id") if len(book.people) else None
        if people is not None:
            out.insert(1, "title", out.index.map(people["title"]))
            out.insert(2, "unit_name", out.index.map(people["unit_id"]).map(names(book, "units")))
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    for col in ("late_cases", "open_past_limit", "cases"):
        out[col] = out[col].astype(int)
    out["late_rate"] = out["late_rate"].round(4)
    out.attrs["statuses"] = STATUSES
    return out.reset_index()
