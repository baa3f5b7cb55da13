"""Per-case deadline clocks (DESIGN §4): one row per case and clock of a policy.

Each clock runs from its start anchor to the earliest of its stop anchors. Its last day is the
limit counted from the day after the start (Civil Code Art 201), in calendar or working days,
moved to the next working day when it is a rest day (Art 203), and extended by approved
extensions made before it ran out. The deadline is the end of that last day.

Status (``as_of`` freezes "today"; events after it have not happened yet):

- ``met``: stopped on or before the last day
- ``late``: stopped after it (``days_late`` calendar days)
- ``open``: running, below the first warning threshold
- ``approaching``: running, past a warning threshold (``warn_level`` 50 / 75 / 100 %)
- ``open_past_limit``: running after the last day (``days_late`` until ``as_of``)

``why`` lists what shaped the reading (a missing acceptance counted from the step before, an
extension beyond 30 days, a clock stopped by closure without a reply …), in codes that
:func:`workbench.i18n.text` turns into words (``why.<code>``).

Everything is computed column-wise for all cases at once. A clock depends only on its case's
own rows, so any subset of cases gives the same rows (DESIGN §10).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import CalendarWarning, work_calendar
from .policy import ANCHORS, Clock, Policy, load_policy

__all__ = ["STATUSES", "ClockSet", "cached_clocks", "clock_arrays", "clocks", "default_as_of"]

STATUSES = ("met", "late", "open", "approaching", "open_past_limit")
#: anchors every clock set records, for the stage durations of the delay analysis
STAGE_ANCHORS = ("register", "route", "arrive", "accept", "reject", "reply", "close", "review_request", "review",
                 "recheck_request", "recheck")
_ST = {s: i for i, s in enumerate(STATUSES)}
_DAY_MS = 86_400_000
_NA = np.iinfo(np.int64).min  # missing time, in ms
_NOT_APPROVED = re.compile(r"不予批准|未批准|不同意|未获批准|驳回")
_EXT_DAYS = re.compile(r"(\d+)\s*(?:个)?(?:工作日|日|天)")


def default_as_of(book) -> pd.Timestamp:
    """The latest moment the ledger records (its export moment), so results are reproducible; a
    subset (``book.where(...)``) keeps the whole ledger's."""
    if hasattr(book, "ledger_as_of"):
        return book.ledger_as_of()
    latest = [book.events["at"].max()] if len(book.events) else []
    latest += [book.cases[c].max() for c in ("received_at", "arrived_at", "accepted_at", "replied_at", "closed_at")
               if c in book.cases]
    latest = [t for t in latest if pd.notna(t)]
    return max(latest) if latest else pd.Timestamp.now().floor("s")


def _ms(s: pd.Series) -> np.ndarray:
    """datetime64 column as int64 ms with ``_NA`` for missing."""
    a = s.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT"))
    return a.astype(np.int64)  # NaT is int64 min, which is _NA


@dataclass
class _Anchors:
    """First time of every anchor per case (int64 ms, ``_NA`` when absent)."""

    n: int
    times: dict[str, np.ndarray]
    ext: pd.DataFrame  # extension events: ci, at, note
    review_unit: dict[str, np.ndarray]  # unit code of the first review/recheck request event
    units: pd.Index  # unit ids; the codes below index it (-1: none)
    reg: np.ndarray  # registering unit code per case
    resp: np.ndarray  # responsible unit code per case
    office: np.ndarray  # registered by a petition office (route clocks apply)

    @classmethod
    def build(cls, book, needed: set[str]) -> _Anchors:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .._fast import arrow_strings

        cases, ev = book.cases, book.events
        n = len(cases)
        actions = sorted({a for name in needed for a in ANCHORS[name][1]} | {"review_request", "recheck_request", "extend"})
        firsts: dict[str, np.ndarray] = {}
        review_unit: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        ext = pd.DataFrame({"ci": np.zeros(0, np.int64), "at": np.zeros(0, np.int64), "note": np.zeros(0, object)})
        if len(ev):
            # action codes through arrow's hash kernel, then only the rows that matter
            code = pc.index_in(arrow_strings(ev["action"]), value_set=pa.array(actions, type=pa.large_string()))
            code = code.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            rows = np.flatnonzero(code >= 0)
            code = code[rows]
            ci = event_case_index(book)[rows]
            ok = ci >= 0
            rows, code, ci = rows[ok], code[ok], ci[ok]
            at = _ms(ev["at"])[rows]
            # first time per (action, case): one unbuffered minimum over a dense (action, case) key
            big = np.iinfo(np.int64).max
            first = np.full(len(actions) * n, big)
            np.minimum.at(first, code * n + ci, at)
            first[first == big] = _NA
            # the last routing event: when the case reached the unit that finally handles it
            routing = np.zeros(len(code), dtype=bool)
            for a in ("transfer", "assign"):
                if a in actions:
                    routing |= code == actions.index(a)
            last_route = np.full(n, _NA)
            if routing.any():
                np.maximum.at(last_route, ci[routing], at[routing])
            present = np.bincount(code, minlength=len(actions)) > 0
            for k, a in enumerate(actions):
                if not present[k]:
                    continue
                t = first[k * n:(k + 1) * n]
                firsts[a] = t
                if a in ("review_request", "recheck_request", "extend"):
                    m = code == k
                if a in ("review_request", "recheck_request"):
                    r = np.flatnonzero(m)
                    r = r[at[r] == t[ci[r]]]  # the first request of each case
                    review_unit[a] = (ci[r], ev["from_unit_id"].take(rows[r]).to_numpy(dtype=object, na_value=None))
                if a == "extend":
                    ext = pd.DataFrame({"ci": ci[m], "at": at[m],
                                        "note": ev["note"].take(rows[m]).to_numpy(dtype=object, na_value=None)})
        else:
            last_route = np.full(n, _NA)
        times: dict[str, np.ndarray] = {}
        for name in needed | {"register", "arrive"}:
            col, acts = ANCHORS[name]
            t = _ms(cases[col]) if col and col in cases else np.full(n, _NA)
            logged = [firsts[a] for a in acts if a in firsts]
            if len(logged) > 1:  # the earliest of several actions (a 转送 or a 交办, whichever came first)
                big = np.iinfo(np.int64).max
                e = np.min(np.stack([np.where(x == _NA, big, x) for x in logged]), axis=0)
                logged = [np.where(e == big, _NA, e)]
            logged += [last_route] if name == "arrive" else []
            for e in logged:
                # the log fills a missing date, and gives the time of day to a date-only column
                # (a ledger's 受理时间 of 2025-03-06 00:00 and a log entry at 2025-03-06 10:40)
                t = np.where(t == _NA, e, t)
                mid = np.flatnonzero((t % _DAY_MS == 0) & (t != _NA))
                if len(mid):
                    same = (e[mid] != _NA) & (e[mid] // _DAY_MS == t[mid] // _DAY_MS)
                    t[mid[same]] = e[mid[same]]
            times[name] = t
        # unit codes: registering and responsible units share one index
        both = pd.concat([cases["registered_unit_id"], cases["responsible_unit_id"]], ignore_index=True)
        codes, units = pd.factorize(both)
        reg, resp = codes[:n].astype(np.int64), codes[n:].astype(np.int64)
        known_units = set(units)
        extra = {u for _, (_, vals) in review_unit.items() for u in vals if u is not None} - known_units
        if extra:
            units = units.append(pd.Index(sorted(set(extra)), dtype=units.dtype))
        review_codes = {}
        for a, (rci, vals) in review_unit.items():
            c = np.full(n, -1, dtype=np.int64)
            c[rci] = units.get_indexer(pd.Index(vals, dtype=object))
            review_codes[a] = c
        office = (reg >= 0) & (reg != resp)
        if len(book.units) and "kind" in book.units:
            kinds = book.units.drop_duplicates("unit_id").set_index("unit_id")["kind"]
            is_office = kinds.reindex(units).str.contains("信访", na=False).to_numpy(dtype=bool)
            office |= (reg >= 0) & is_office[np.maximum(reg, 0)]
        return cls(n, times, ext, review_codes, pd.Index(units), reg, resp, office)


def event_case_index(book) -> np.ndarray:
    """Position in ``book.cases`` of every event's case (-1: no such case), remembered on the book.

    Event logs come grouped by case, so only the first id of each run of equal ids is looked up;
    any order gives the right answer, grouped logs just give it fast.
    """
    import pyarrow.compute as pc

    from .._fast import arrow_strings

    cache = book.__dict__.setdefault("_event_case_index", {})
    key = (id(book.cases), id(book.events))
    if key in cache:
        return cache[key]
    ids = arrow_strings(book.events["case_id"])
    if not len(ids):
        out = np.zeros(0, dtype=np.int64)
    else:
        change = pc.not_equal(ids[1:], ids[:-1]).fill_null(True).to_numpy(zero_copy_only=False)
        heads = np.flatnonzero(np.r_[True, change])
        head_ids = ids.take(heads)
        case_ids = arrow_strings(book.cases["case_id"])
        if len(head_ids) == len(case_ids) and pc.all(pc.equal(head_ids, case_ids)).as_py():
            per_run = np.arange(len(case_ids), dtype=np.int64)  # the log follows the ledger's order
        else:
            idx = pc.index_in(head_ids, value_set=case_ids)
            per_run = idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        out = np.repeat(per_run, np.diff(np.r_[heads, len(ids)]))
    cache.clear()
    cache[key] = out
    return out


def _day(ms: np.ndarray) -> np.ndarray:
    """int64 ms → datetime64[D] (NaT for missing)."""
    out = np.floor_divide(ms, _DAY_MS).astype("datetime64[D]")
    out[ms == _NA] = np.datetime64("NaT")
    return out


class ClockSet:
    """The clock rows of one book under one policy, as columns (internal; see :func:`clocks`)."""

    def __init__(self, cols: dict[str, np.ndarray], reasons: list[str], policy: Policy, as_of: pd.Timestamp,
                 units: pd.Index, anchors: _Anchors | None = None):
        self.cols = cols
        self.units = units
        self.anchors = anchors
        self.reasons = reasons
        self.policy = policy
        self.as_of = as_of

    def __len__(self) -> int:
        return len(self.cols["ci"])

    def why(self) -> np.ndarray:
        """The reason codes of every row, comma-joined (computed once per distinct combination)."""
        flags = self.cols["flags"]
        uniq, inv = np.unique(flags, return_inverse=True)
        words = np.array([",".join(r for b, r in enumerate(self.reasons) if int(u) >> b & 1) for u in uniq], dtype=object)
        return words[inv]


def clock_arrays(book, policy: object = None, as_of: object = None) -> ClockSet:
    """Every clock of ``policy`` for every case of ``book``, as arrays indexed by case position."""
    pol = load_policy(policy if policy is not None else getattr(book, "policy", None) or None)
    now = pd.Timestamp(as_of) if as_of is not None else default_as_of(book)
    as_of_ms = int(now.value // 1_000_000)
    as_of_day = np.datetime64(now.normalize().date(), "D")
    cal = work_calendar()
    needed = set(STAGE_ANCHORS)  # the stage durations read them too
    for c in pol.clocks:
        needed |= {c.start, *c.stop, *c.not_if, *c.also_stop}
        needed |= {c.fallback_start} if c.fallback_start else set()
        needed |= {c.alternative.stop} if c.alternative else set()
    anchors = _Anchors.build(book, needed)
    # what happens after as_of has not happened yet: not a start, a stop, an extension or a return
    anchors.times = {k: np.where(v <= as_of_ms, v, _NA) for k, v in anchors.times.items()}
    anchors.ext = anchors.ext.loc[anchors.ext["at"] <= as_of_ms]
    cases = book.cases
    reasons: list[str] = []

    def bit(code: str) -> int:
        if code not in reasons:
            reasons.append(code)
        return 1 << reasons.index(code)

    parts: list[dict[str, np.ndarray]] = []
    dues: dict[str, np.ndarray] = {}  # last day per case of each clock computed so far
    for k, clock in enumerate(pol.clocks):
        part = _one_clock(clock, k, cases, anchors, cal, as_of_ms, as_of_day, bit, dues)
        if part is not None:
            parts.append(part)
            d = np.full(anchors.n, np.datetime64("NaT"), dtype="datetime64[D]")
            d[part["ci"]] = part["due"]
            dues[clock.name] = d
    if parts:
        cols = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    else:
        cols = {key: np.zeros(0, dtype=np.int64) for key in (
            "ci", "clock", "start", "stop", "status", "flags", "days_late", "days_left", "warn_level", "limit",
            "ext_days", "stop_anchor", "unit")}
        cols.update(due=np.zeros(0, "datetime64[D]"), stated_due=np.zeros(0, "datetime64[D]"),
                    elapsed=np.zeros(0), working=np.zeros(0, bool))
    m = (cols["flags"] >> reasons.index("calendar_unknown") & 1).astype(bool) if "calendar_unknown" in reasons else None
    if m is not None and m.any():
        warnings.warn(
            f"clocks: {int(m.sum())} deadline(s) with last days from {cols['due'][m].min()} to {cols['due'][m].max()} "
            f"touch years the holiday calendar does not know ({cal.known_from}..{cal.known_to} known): only "
            "weekends count as rest days there; these rows say 'calendar_unknown' in why (超出节假日日历年份)",
            CalendarWarning, stacklevel=3)
    return ClockSet(cols, reasons, pol, now, anchors.units, anchors)


def _first_of(names, anchors: _Anchors) -> tuple[np.ndarray, np.ndarray]:
    """Earliest of several anchors per case, and which one it was (index into names, -1)."""
    if len(names) == 1:
        t = anchors.times[names[0]]
        return t, np.where(t == _NA, -1, 0)
    big = np.iinfo(np.int64).max
    stack = np.stack([np.where(anchors.times[a] == _NA, big, anchors.times[a]) for a in names]) if names else np.full((1, anchors.n), big)
    which = stack.argmin(axis=0)
    t = stack[which, np.arange(anchors.n)]
    which = np.where(t == big, -1, which)
    return np.where(t == big, _NA, t), which


def _one_clock(clock: Clock, k: int, cases: pd.DataFrame, anchors: _Anchors, cal, as_of_ms: int,
               as_of_day: np.datetime64, bit, dues: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    n = anchors.n
    flags = np.zeros(n, dtype=np.int64)
    start = anchors.times[clock.start].copy()
    applies = np.ones(n, dtype=bool)
    for key, want in clock.applies_to.items():
        if key == "registered_by":
            applies &= anchors.office
        elif key == "is_first":
            applies &= cases["is_first"].fillna(True).to_numpy(dtype=bool) == bool(want)
        else:
            col = cases[key]
            vals = want if isinstance(want, tuple) else (str(want),)
            hit = col.isin(vals).to_numpy(dtype=bool)
            missing = col.isna().to_numpy()
            applies &= hit | missing
            if key == "demand_type":
                flags |= np.where(missing, bit("demand_type_unknown"), 0)
    # a missing start: not applicable when a not_if anchor shows why (e.g. 不予受理); else the fallback
    absent = start == _NA
    if clock.not_if:
        blocked = np.zeros(n, dtype=bool)
        for a in clock.not_if:
            blocked |= anchors.times[a] != _NA
        applies &= ~(absent & blocked)
    if clock.fallback_start:
        fb = anchors.times[clock.fallback_start]
        use = absent & (fb != _NA)
        if clock.fallback_after and clock.fallback_after in dues:
            # not started yet while the step before is still within its limit and nothing stopped it
            stop_seen = np.zeros(n, dtype=bool)
            for a in (*clock.stop, *clock.also_stop):
                stop_seen |= anchors.times[a] != _NA
            before_due = dues[clock.fallback_after]
            waiting = ~np.isnat(before_due) & (as_of_day <= before_due) & ~stop_seen
            use &= ~waiting
            applies &= ~(absent & waiting)
        start = np.where(use, fb, start)
        flags |= np.where(use, bit("start_fallback"), 0)
    applies &= (start != _NA) & (start <= as_of_ms)
    stop, which = _first_of(list(clock.stop), anchors)
    stop_anchor = np.where(which >= 0, which, -1)
    if clock.also_stop:
        names = list(clock.also_stop)
        alt, awhich = _first_of(names, anchors)
        use = (alt != _NA) & ((stop == _NA) | (alt < stop))
        stop = np.where(use, alt, stop)
        for j, a in enumerate(names):
            m = use & (awhich == j)
            flags |= np.where(m, bit(clock.also_stop[a]), 0)
            stop_anchor = np.where(m, len(clock.stop) + j, stop_anchor)
    limit = np.full(n, clock.limit, dtype=np.int64)
    working = np.full(n, clock.working, dtype=bool)
    if clock.alternative:
        ret = anchors.times[clock.alternative.stop]
        use = (ret != _NA) & (ret >= start) & ((stop == _NA) | (ret < stop))
        stop = np.where(use, ret, stop)
        limit = np.where(use, clock.alternative.limit, limit)
        working = np.where(use, clock.alternative.working, working)
        flags |= np.where(use, bit(clock.alternative.reason), 0)
        stop_anchor = np.where(use, len(clock.stop) + len(clock.also_stop), stop_anchor)
    idx = np.flatnonzero(applies)
    if clock.only_when_stopped:
        idx = idx[(stop[idx] != _NA) & (stop[idx] <= as_of_ms)]
    if not len(idx):
        return None
    start, stop, limit, working, flags, stop_anchor = (a[idx] for a in (start, stop, limit, working, flags, stop_anchor))
    start_day = _day(start)
    base_due, known = cal.due(start_day, limit, working, warn=False)
    due = base_due
    ext_days = np.zeros(len(idx), dtype=np.int64)
    if clock.extension is not None and len(anchors.ext):
        ext_days, ext_flags = _extensions(clock, idx, start, base_due, anchors.ext, bit)
        flags |= ext_flags
        has = ext_days > 0
        if has.any():
            if clock.extension.working == clock.working:
                d2, k2 = cal.due(start_day[has], limit[has] + ext_days[has], working[has], warn=False)
            else:  # an extension counted in other days than the limit: from the original last day
                d2, k2 = cal.due(base_due[has], ext_days[has], clock.extension.working, warn=False)
            due = base_due.copy()
            due[has] = d2
            known[has] &= k2
            flags |= np.where(has, bit("extended"), 0)
    flags |= np.where(~known, bit("calendar_unknown"), 0)
    stopped = (stop != _NA) & (stop <= as_of_ms)
    before = stopped & (stop < start)
    flags |= np.where(before, bit("stop_before_start"), 0)
    stop_day = _day(np.where(stopped, stop, _NA))
    late_by = (stop_day - due).astype("timedelta64[D]").astype(np.int64)
    over_by = (as_of_day - due).astype("timedelta64[D]").astype(np.int64)
    # elapsed share of the limit, in the clock's own days
    total_cal = (due - start_day).astype("timedelta64[D]").astype(np.int64)
    upto = np.where(stopped, stop_day, as_of_day)  # a stopped clock used its share up to the stop
    el_cal = (upto - start_day).astype("timedelta64[D]").astype(np.int64)
    total = np.where(working, limit + ext_days, total_cal).astype(float)
    el = el_cal.astype(float)
    if working.any():
        el[working] = cal.working_days_between(start_day[working], upto[working], warn=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, el / total, 1.0)
    thresholds = np.asarray(clock.warn)
    warn_level = np.zeros(len(idx), dtype=np.int64)
    for w in thresholds:
        warn_level = np.where(share >= w, int(round(w * 100)), warn_level)
    status = np.select(
        [stopped & (late_by <= 0), stopped, over_by > 0, share >= thresholds.min()],
        [_ST["met"], _ST["late"], _ST["open_past_limit"], _ST["approaching"]],
        _ST["open"],
    )
    running = ~stopped
    days_late = np.where(stopped, np.maximum(late_by, 0), np.where(over_by > 0, over_by, 0))
    days_left = np.where(running & (over_by <= 0), -over_by, -1)
    warn_level = np.where(running & (over_by <= 0), warn_level, 0)
    stated = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[D]")
    if clock.stated_due and clock.stated_due in cases:
        stated = cases[clock.stated_due].to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT"))[idx].astype("datetime64[D]")
        unrolled = start_day + limit.astype("timedelta64[D]")
        differs = ~np.isnat(stated) & (stated != base_due) & (stated != due) & (stated != unrolled) \
            & (stated != unrolled + ext_days.astype("timedelta64[D]"))
        flags |= np.where(differs, bit("stated_due_differs"), 0)
    unit = _party_unit(clock, anchors, idx)
    return {
        "ci": idx, "clock": np.full(len(idx), k, dtype=np.int64), "start": start, "due": due,
        "stop": np.where(stopped, stop, _NA), "status": status.astype(np.int64), "flags": flags,
        "days_late": days_late, "days_left": days_left, "elapsed": share, "warn_level": warn_level,
        "limit": limit, "working": working, "ext_days": ext_days,
        "stop_anchor": np.where(stopped, stop_anchor, -1), "stated_due": stated, "unit": unit,
    }


def _party_unit(clock: Clock, anchors: _Anchors, idx: np.ndarray) -> np.ndarray:
    """Code of the unit that answers for the clock: the registering office, the responsible unit,
    or the organ that received the review or recheck request (falling back to the responsible unit)."""
    if clock.party == "office":
        return anchors.reg[idx]
    if clock.party == "reviewer":
        key = "recheck_request" if clock.start in ("recheck_request", "review") and clock.name.startswith("recheck") else "review_request"
        units = anchors.review_unit.get(key)
        if units is not None:
            u = units[idx]
            return np.where(u >= 0, u, anchors.resp[idx])
    return anchors.resp[idx]


def _extensions(clock: Clock, idx: np.ndarray, start: np.ndarray, base_due: np.ndarray, ext: pd.DataFrame, bit
                ) -> tuple[np.ndarray, np.ndarray]:
    """Approved extension days per clock row (capped), and flags for the ones not counted."""
    assert clock.extension is not None
    n = len(idx)
    pos = pd.Series(np.arange(n), index=idx)
    e = ext.loc[ext["ci"].isin(idx)].copy()
    out_days = np.zeros(n, dtype=np.int64)
    out_flags = np.zeros(n, dtype=np.int64)
    if not len(e):
        return out_days, out_flags
    e["row"] = pos.loc[e["ci"].to_numpy()].to_numpy()
    notes = e["note"].fillna("").astype(str)
    uniq = pd.Series(notes.unique())
    days = uniq.map(lambda s: int(m.group(1)) if (m := _EXT_DAYS.search(s)) else clock.extension.max_days)
    refused = uniq.map(lambda s: bool(_NOT_APPROVED.search(s)))
    e["days"] = notes.map(dict(zip(uniq, days, strict=True))).astype(np.int64)
    e["refused"] = notes.map(dict(zip(uniq, refused, strict=True))).astype(bool)
    row = e["row"].to_numpy()
    at_day = _day(e["at"].to_numpy())
    in_time = (e["at"].to_numpy() >= start[row]) & (at_day <= base_due[row])
    ok = in_time & ~e["refused"].to_numpy()
    np.add.at(out_days, row[ok], e["days"].to_numpy()[ok])
    for mask, code in ((~in_time, "extension_after_due"), (e["refused"].to_numpy(), "extension_not_approved")):
        if mask.any():
            out_flags[row[mask]] |= bit(code)
    capped = out_days > clock.extension.max_days
    if capped.any():
        out_flags[capped] |= bit("extension_capped")
        out_days = np.minimum(out_days, clock.extension.max_days)
    return out_days, out_flags


def clocks(book, policy: object = None, as_of: object = None, *, language: str | None = None) -> pd.DataFrame:
    """One row per case and clock of ``policy`` (default: the book's, else the configured one).

    Columns: case_id, clock, clock_label, party, unit_id (who answers for it), lead_person_id,
    start, due (the last day, after approved extensions; the deadline is its end), stop, status,
    days_late, days_left (open clocks), elapsed (share of the limit used), warn_level (50/75/100),
    limit, working (working-day clock), extension_days, stop_by, stated_due, why.
    ``as_of`` freezes "today" (default: the latest moment the ledger records).

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
    ...     "case_id": ["A"], "received_at": ["2025-07-30"], "demand_type": ["求决"],
    ...     "registered_unit_id": ["县信访局"], "responsible_unit_id": ["县住建局"],
    ...     "arrived_at": ["2025-08-01"], "accepted_at": ["2025-08-03"]}), now="2025-12-31")
    >>> c = clocks(book, as_of="2025-10-08")
    >>> print(c[["clock", "due", "status", "days_left"]].to_string(index=False))
     clock        due      status  days_left
     route 2025-08-14         met       <NA>
    accept 2025-08-18         met       <NA>
    handle 2025-10-09 approaching          1
    """
    from ..i18n import lang

    cs = cached_clocks(book, policy, as_of)
    return _frame(cs, book, lang(language))


def _frame(cs: ClockSet, book, language: str) -> pd.DataFrame:
    c = cs.cols
    ci = c["ci"]
    cases = book.cases
    names = [k.name for k in cs.policy.clocks]
    clock_cat = pd.Categorical.from_codes(c["clock"], categories=names)
    labels = [k.label(language) for k in cs.policy.clocks]
    parties = [k.party for k in cs.policy.clocks]
    stop_names = []
    for k in cs.policy.clocks:
        stop_names.append([*k.stop, *k.also_stop, *([k.alternative.stop] if k.alternative else [])])
    flat_stop = sorted({s for ss in stop_names for s in ss})
    stop_codes = np.full(len(ci), -1)
    for j, ss in enumerate(stop_names):
        m = c["clock"] == j
        lookup = np.array([flat_stop.index(s) for s in ss] + [-1])
        stop_codes[m] = lookup[c["stop_anchor"][m]]

    def from_ms(a: np.ndarray) -> np.ndarray:
        out = a.astype("datetime64[ms]")
        out[a == _NA] = np.datetime64("NaT")
        return out

    days_left = pd.array(c["days_left"], dtype="Int32")
    days_left[c["days_left"] < 0] = pd.NA
    out = pd.DataFrame({
        "case_id": cases["case_id"].take(ci).array,
        "clock": clock_cat,
        "clock_label": pd.Categorical.from_codes(c["clock"], categories=pd.Index(labels).unique()) if len(set(labels)) == len(labels)
        else np.asarray(labels, dtype=object)[c["clock"]],
        "party": pd.Categorical.from_codes(c["clock"], categories=names).rename_categories(dict(zip(names, parties, strict=True)))
        if len(set(parties)) == len(parties) else pd.Categorical(np.asarray(parties, dtype=object)[c["clock"]]),
        "unit_id": pd.Categorical.from_codes(c["unit"], categories=cs.units.astype(object)) if len(cs.units)
        else pd.Categorical([None] * len(ci)),
        "lead_person_id": cases["lead_person_id"].take(ci).array if "lead_person_id" in cases
        else pd.array([None] * len(ci), dtype="str"),
        "start": from_ms(c["start"]),
        "due": c["due"].astype("datetime64[ms]"),
        "stop": from_ms(c["stop"]),
        "status": pd.Categorical.from_codes(c["status"], categories=list(STATUSES)),
        "days_late": pd.array(c["days_late"], dtype="Int32"),
        "days_left": days_left,
        "elapsed": np.round(c["elapsed"], 4),
        "warn_level": pd.array(c["warn_level"], dtype="Int8"),
        "limit": pd.array(c["limit"], dtype="Int16"),
        "working": c["working"].astype(bool),
        "extension_days": pd.array(c["ext_days"], dtype="Int16"),
        "stop_by": pd.Categorical.from_codes(stop_codes, categories=flat_stop) if flat_stop else None,
        "stated_due": c["stated_due"].astype("datetime64[ms]"),
        "why": pd.Categorical(cs.why()),
    })
    out.attrs["policy"] = cs.policy.name
    out.attrs["as_of"] = cs.as_of
    return out


def cached_clocks(book, policy: object = None, as_of: object = None) -> ClockSet:
    """:func:`clock_arrays` remembered on the book for the same policy, as_of and tables."""
    from .policy import load_policy

    pol = load_policy(policy if policy is not None else getattr(book, "policy", None) or None)
    cache = book.__dict__.setdefault("_clock_cache", {})
    key = (pol.path or pol.name, str(as_of), id(book.cases), id(book.events))
    if key not in cache:
        if len(cache) > 8:
            cache.clear()
        cache[key] = clock_arrays(book, pol, as_of)
    return cache[key]
