"""Process mining of the event log (办理过程挖掘): directly-follows graph, milestones, handover of
work, rework and variants, computed vectorised over the whole log.

Everything starts from one stable order of the log (:func:`ordered_log`): by case (its position
in ``book.cases``), then time, then source order (``seq``, then row position in
``book.events``). Events sharing a timestamp with the previous event of their case are *ties*:
their order rests on the source order alone, so they are flagged and counted (``.attrs["ties"]``),
never reordered further. Events without a known case, a time or an action are left out and
counted (``.attrs["dropped"]``); the loader normally quarantines such rows already.

The definitions match pm4py's (used only in the tests as a cross-check, never imported here):
``directly_follows`` ↔ ``discover_dfg`` / ``discover_performance_dfg``, ``variants`` ↔
``get_variants``, ``handover`` ↔ ``discover_handover_of_work_network(beta=0)`` (see there).

>>> import workbench as wb
>>> book = wb.Casebook.from_frames(
...     cases=pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2025-03-03", "2025-03-04"]}),
...     events=pd.DataFrame({"case_id": ["A", "A", "B", "B", "B"],
...         "at": ["2025-03-03 09:00", "2025-03-05 09:00", "2025-03-04 09:00", "2025-03-04 09:00",
...                "2025-03-06 21:00"],
...         "action": ["register", "accept", "register", "accept", "reply"]}), now="2025-12-31")
>>> ordered_log(book).attrs["ties"]
{'cases': 1, 'events': 1}
>>> dfg = directly_follows(book)
>>> dfg.loc[dfg["source"] == "register", ["target", "count", "cases", "mean", "max"]].to_dict("records")
[{'target': 'accept', 'count': 2, 'cases': 2, 'mean': 1.0, 'max': 2.0}]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS", "START", "END", "ordered_log", "directly_follows", "milestone_times",
    "milestone_summary", "handover", "rework", "rework_summary", "variants", "variant_cases",
]

#: the canonical action codes, in the order a case usually meets them (action codes follow it)
ACTIONS: tuple[str, ...] = (
    "register", "accept", "reject", "transfer", "assign", "return", "urge", "supervise", "extend",
    "reply", "close", "review_request", "review", "recheck_request", "recheck", "follow_up", "evaluate",
)
#: pseudo actions marking the start and the end of a case in :func:`directly_follows`
START, END = "▶", "■"
#: actions whose acting unit holds the case (custody) for :func:`rework`'s re-transfers
_HOLD_FROM = ("register", "accept", "reject", "transfer", "assign", "return", "extend", "reply", "close")
#: actions whose receiving unit takes the case over
_HOLD_TO = ("transfer", "assign", "return")
_DAY_MS = 86_400_000
_ARROW = " → "


# --------------------------------------------------------------------------- the ordered log

@dataclass(frozen=True)
class _Log:
    """The ordered log as arrays (one entry per kept event, in the stable order)."""

    order: np.ndarray  # position in book.events
    case: np.ndarray  # position in book.cases (int64)
    t: np.ndarray  # ms since epoch (int64)
    act: np.ndarray  # index into ``actions`` (int16)
    actions: tuple[str, ...]
    first: np.ndarray  # bool: first event of its case
    tie: np.ndarray  # bool: same case and same time as the previous event
    ties: dict[str, int]
    dropped: dict[str, int]

    @property
    def same(self) -> np.ndarray:
        """Bool per position i < n-1: events i and i+1 belong to the same case."""
        return ~self.first[1:]

    @property
    def last(self) -> np.ndarray:
        return np.r_[self.first[1:], True] if len(self.first) else self.first

    def attrs(self) -> dict[str, Any]:
        return {"ties": dict(self.ties), "dropped": dict(self.dropped)}


def _cache(book, name: str) -> dict:
    """A per-book memo keyed on the identity of its cases and events tables."""
    cache = book.__dict__.setdefault(name, {})
    key = (id(book.cases), id(book.events))
    if key not in cache:
        cache.clear()
        cache[key] = {}
    return cache[key]


def _action_codes(s: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Action codes in :data:`ACTIONS` order, other values appended sorted; missing → -1."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    found = [str(u) for u in uniques]
    extra = sorted(set(found) - set(ACTIONS))
    vocab = ACTIONS + tuple(extra)
    pos = {a: i for i, a in enumerate(vocab)}
    remap = np.array([pos[u] for u in found] + [-1], dtype=np.int16)  # one entry per distinct value
    return remap[codes], vocab


def _stable_order(c: np.ndarray, t: np.ndarray, s: np.ndarray | None) -> np.ndarray:
    """Positions sorting by (case, time, seq, row), stably; cheap when the log is already so."""
    n = len(c)
    if n < 2:
        return np.arange(n)
    dc, dt = np.diff(c), np.diff(t)
    tie = (dc == 0) & (dt == 0)
    ok = (dc > 0) | ((dc == 0) & (dt > 0))
    if s is not None:
        ok |= tie & (s[1:] >= s[:-1])
    else:
        ok |= tie
    if ok.all():
        return np.arange(n)
    if s is None or bool((s[1:] >= s[:-1]).all()):
        return _case_time_order(c, t)  # seq agrees with row order: a stable sort keeps it
    by_seq = _seq_order(s)  # then a stable sort on (case, time): faster than a three-key lexsort
    return by_seq[_case_time_order(c[by_seq], t[by_seq])]


def _seq_order(s: np.ndarray) -> np.ndarray:
    """Stable argsort of source order numbers; O(n) when they are distinct integers in a dense
    range (as loaders number rows), a sort otherwise."""
    if len(s) and np.isfinite(s).all():
        lo, hi = s.min(), s.max()
        if hi - lo < 4 * len(s) and (s == np.floor(s)).all():
            k = (s - lo).astype(np.int64)
            inv = np.full(int(hi - lo) + 1, -1, dtype=np.int64)
            inv[k] = np.arange(len(s))
            out = inv[inv >= 0]
            if len(out) == len(s):  # no repeated number
                return out
    return np.argsort(s, kind="stable")


def _case_time_order(c: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Stable argsort by (case, time): one integer key when both fit in 62 bits."""
    t0 = t - t.min()
    bc, bt = int(c.max()).bit_length(), int(t0.max()).bit_length()
    if bc + bt <= 62:
        return np.argsort((c << bt) | t0, kind="stable")
    return np.lexsort((t, c))


def _log(book) -> _Log:
    memo = _cache(book, "_process_cache")
    if "log" in memo:
        return memo["log"]
    from ..rules.clocks import event_case_index

    ev = book.events
    n = len(ev)
    case = event_case_index(book).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    at = ev["at"].to_numpy(dtype="datetime64[ms]") if n else np.zeros(0, dtype="datetime64[ms]")
    t = at.view(np.int64)
    act, vocab = _action_codes(ev["action"]) if n else (np.zeros(0, dtype=np.int16), ACTIONS)
    no_case, no_time, no_action = case < 0, np.isnat(at), act < 0
    keep = ~(no_case | no_time | no_action)
    dropped = {"no_case": int(no_case.sum()), "no_time": int((no_time & ~no_case).sum()),
               "no_action": int((no_action & ~no_case & ~no_time).sum())}
    rows = np.arange(n) if keep.all() else np.flatnonzero(keep)
    seq = None
    if "seq" in ev and n:
        seq = ev["seq"].to_numpy(dtype="float64", na_value=np.inf)[rows]  # missing seq: after the rest
    o = _stable_order(case[rows], t[rows], seq)
    order = rows[o]
    case, t, act = case[order], t[order], act[order]
    first = np.r_[True, case[1:] != case[:-1]] if len(order) else np.zeros(0, dtype=bool)
    tie = np.r_[False, ~first[1:] & (t[1:] == t[:-1])] if len(order) else np.zeros(0, dtype=bool)
    ties = {"cases": int(len(np.unique(case[tie]))), "events": int(tie.sum())}
    out = _Log(order, case, t, act, vocab, first, tie, ties, dropped)
    memo["log"] = out
    return out


def ordered_log(book) -> pd.DataFrame:
    """The event log in the stable order every process view uses: by case (position in
    ``book.cases``), time, ``seq``, then row position. Columns: case_id, case (integer code),
    pos (position within the case), at, action, action_code (index into :data:`ACTIONS`, other
    actions appended), from_unit_id, to_unit_id, actor_id, role, seq, row (position in
    ``book.events``), tie (same case and timestamp as the previous event).
    ``.attrs["ties"]`` counts cases and events with ties, ``.attrs["dropped"]`` events left out.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A", "A", "A"],
    ...         "at": ["2025-03-05 09:00", "2025-03-03 09:00", "2025-03-05 09:00"],
    ...         "action": ["accept", "register", "reply"]}), now="2025-12-31")
    >>> ordered_log(book)[["action", "pos", "tie", "row"]].to_dict("list")
    {'action': ['register', 'accept', 'reply'], 'pos': [0, 1, 2], 'tie': [False, False, True], 'row': [1, 0, 2]}
    """
    lg = _log(book)
    ev = book.events.iloc[lg.order]
    starts = np.flatnonzero(lg.first)
    pos = np.arange(len(lg.order)) - np.repeat(starts, np.diff(np.r_[starts, len(lg.order)]))
    out = pd.DataFrame({
        "case_id": ev["case_id"].array,
        "case": lg.case,
        "pos": pos,
        "at": lg.t.view("datetime64[ms]"),
        "action": pd.Series(pd.Categorical.from_codes(lg.act, categories=list(lg.actions))).astype("str").array,
        "action_code": lg.act,
        **{c: ev[c].array for c in ("from_unit_id", "to_unit_id", "actor_id", "role", "seq") if c in ev},
        "row": lg.order,
        "tie": lg.tie,
    })
    out.attrs.update(lg.attrs())
    return out


# --------------------------------------------------------------------------- vectorised helpers

def _group_stats(g: np.ndarray, v: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """count, mean, median, p90 (linear) and max of non-negative integers ``v`` per group code
    ``g`` (0..n-1), by one sort of (group, value). Empty groups give NaN."""
    out = {k: np.full(n, np.nan) for k in ("mean", "median", "p90", "max")}
    cnt = np.bincount(g, minlength=n) if len(g) else np.zeros(n, dtype=np.int64)
    out["count"] = cnt
    if not len(g):
        return out
    g = g.astype(np.int64)
    v = v.astype(np.int64)
    bv = max(int(v.max()).bit_length(), 1)
    if int(g.max()).bit_length() + bv <= 62 and v.min() >= 0:
        key = np.sort((g << bv) | v)
        vs = key & ((1 << bv) - 1)
    else:
        vs = v[np.lexsort((v, g))]
    has = cnt > 0
    c = cnt[has]
    s = (np.cumsum(cnt) - cnt)[has]
    out["mean"][has] = np.bincount(g, weights=v.astype(np.float64), minlength=n)[has] / c
    out["median"][has] = (vs[s + (c - 1) // 2] + vs[s + c // 2]) / 2
    p = 0.9 * (c - 1)
    lo = np.floor(p).astype(np.int64)
    hi = np.minimum(lo + 1, c - 1)
    out["p90"][has] = vs[s + lo] + (vs[s + hi] - vs[s + lo]) * (p - lo)
    out["max"][has] = vs[s + c - 1]
    return out


def _distinct(case: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
    """Distinct cases per group code (one sort of (case, group) keys; sorting beats hashing here)."""
    if not len(g):
        return np.zeros(n, dtype=np.int64)
    key = np.sort(case.astype(np.int64) * n + g)
    return np.bincount(key[np.r_[True, key[1:] != key[:-1]]] % n, minlength=n)


def _first_per_key(key: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and the smallest non-negative ``pos`` of each."""
    if not len(key):
        return key, pos
    bp = max(int(pos.max()).bit_length(), 1)
    if int(key.max()).bit_length() + bp <= 62:
        both = np.sort((key << bp) | pos)
        k, p = both >> bp, both & ((1 << bp) - 1)
    else:
        o = np.lexsort((pos, key))
        k, p = key[o], pos[o]
    head = np.r_[True, k[1:] != k[:-1]]
    return k[head], p[head]


def _working_days(t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, int]:
    """Working days between two ms times (start day not counted), NaN where a day lies outside
    the calendar's range; also the number of results resting on years with unknown holidays."""
    from ..rules.calendar import work_calendar

    cal = work_calendar()
    d0 = (t0 // _DAY_MS).astype("datetime64[D]")
    d1 = (t1 // _DAY_MS).astype("datetime64[D]")
    inside = (d0 >= cal.first) & (d0 <= cal.last) & (d1 >= cal.first) & (d1 <= cal.last)
    out = np.full(len(t0), np.nan)
    out[inside] = cal.working_days_between(d0[inside], d1[inside], warn=False)
    unknown = int((~(cal.known(d0) & cal.known(d1)) & inside).sum())
    return out, unknown


def _stats_frame(st: dict[str, np.ndarray], scale: float, prefix: str = "") -> dict[str, np.ndarray]:
    return {f"{prefix}{k}": st[k] / scale for k in ("mean", "median", "p90", "max")}


# --------------------------------------------------------------------------- directly follows

def directly_follows(book, *, working_days: bool = False) -> pd.DataFrame:
    """Directly-follows graph (直接后继关系) of the actions: one row per (source, target) action
    pair seen consecutively in a case's ordered log, with ``count`` (occurrences), ``cases``
    (distinct cases) and the waiting time between the two events in calendar days (fractional):
    ``mean``, ``median``, ``p90`` (linear interpolation), ``max``. With ``working_days`` also
    ``wd_mean`` … ``wd_max`` in working days (start day not counted; NaN for days outside the
    calendar). Rows with source :data:`START` (▶) or target :data:`END` (■) count the cases that
    start or end with an action (their waits are NaN); the same counts are in ``.attrs["start"]``
    and ``.attrs["end"]``. Sorted by count, largest first.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 3,
    ...         "at": ["2025-03-07 09:00", "2025-03-10 21:00", "2025-03-12 09:00"],
    ...         "action": ["register", "accept", "reply"]}), now="2025-12-31")
    >>> d = directly_follows(book, working_days=True)
    >>> d.loc[d["source"] == "register", ["target", "median", "wd_median"]].to_dict("records")
    [{'target': 'accept', 'median': 3.5, 'wd_median': 1.0}]
    >>> d.attrs["start"], d.attrs["end"]
    ({'register': 1}, {'reply': 1})
    """
    lg = _log(book)
    k = len(lg.actions)
    i = np.flatnonzero(lg.same)
    pair = lg.act[i].astype(np.int64) * k + lg.act[i + 1]
    codes, uniq = pd.factorize(pair, sort=True)
    m = len(uniq)
    wait = lg.t[i + 1] - lg.t[i]
    st = _group_stats(codes, wait, m)
    names = np.array(lg.actions, dtype=object)
    cols: dict[str, Any] = {
        "source": names[uniq // k] if m else np.array([], dtype=object),
        "target": names[uniq % k] if m else np.array([], dtype=object),
        "count": st["count"],
        "cases": _distinct(lg.case[i], codes, m),
        **_stats_frame(st, _DAY_MS),
    }
    attrs = lg.attrs()
    if working_days:
        wd, unknown = _working_days(lg.t[i], lg.t[i + 1])
        ok = ~np.isnan(wd)
        cols.update(_stats_frame(_group_stats(codes[ok], wd[ok].astype(np.int64), m), 1.0, "wd_"))
        attrs["working_days"] = {"outside_calendar": int((~ok).sum()), "unknown_holidays": unknown}
    out = pd.DataFrame(cols)
    start = np.bincount(lg.act[lg.first], minlength=k)
    end = np.bincount(lg.act[lg.last], minlength=k)
    attrs["start"] = {lg.actions[a]: int(start[a]) for a in np.flatnonzero(start)}
    attrs["end"] = {lg.actions[a]: int(end[a]) for a in np.flatnonzero(end)}
    s_idx, e_idx = np.flatnonzero(start), np.flatnonzero(end)
    pseudo = pd.DataFrame({
        "source": np.r_[np.full(len(s_idx), START, dtype=object), names[e_idx]],
        "target": np.r_[names[s_idx], np.full(len(e_idx), END, dtype=object)],
        "count": np.r_[start[s_idx], end[e_idx]],
    })
    pseudo["cases"] = pseudo["count"]
    out = pd.concat([out, pseudo], ignore_index=True) if len(pseudo) else out
    out["source"] = out["source"].astype("str")
    out["target"] = out["target"].astype("str")
    out["count"] = out["count"].astype(np.int64)
    out["cases"] = out["cases"].astype(np.int64)
    out = out.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    out = out.reset_index(drop=True)
    attrs.update(cases=int(lg.first.sum()), events=len(lg.order))
    out.attrs.update(attrs)
    return out


# --------------------------------------------------------------------------- milestones

def _code(lg: _Log, action: str) -> int:
    if action not in ACTIONS and action not in lg.actions:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    return lg.actions.index(action) if action in lg.actions else -1


def milestone_times(book, a: str, b: str, *, first: bool = True) -> pd.DataFrame:
    """Per case with an action ``a``: the time from its first (``first=True``) or last action
    ``a`` to the first action ``b`` after it in the ordered log (a ``b`` tied in time but later in
    source order counts, with a wait of 0). Columns: case_id, responsible_unit_id, start_at, end_at
    (NaT when no ``b`` follows), reached, days (calendar days, fractional) and working_days
    (working days, start day not counted; NaN outside the calendar). Cases without ``a`` are
    not listed.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2025-03-03", "2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A", "A", "A", "B"],
    ...         "at": ["2025-03-03 09:00", "2025-03-06 21:00", "2025-03-10 09:00", "2025-03-03 09:00"],
    ...         "action": ["accept", "urge", "reply", "accept"]}), now="2025-12-31")
    >>> milestone_times(book, "accept", "reply")[["case_id", "reached", "days", "working_days"]].to_dict("records")
    [{'case_id': 'A', 'reached': True, 'days': 7.0, 'working_days': 5.0}, {'case_id': 'B', 'reached': False, 'days': nan, 'working_days': nan}]
    """
    lg = _log(book)
    ca, cb = _code(lg, a), _code(lg, b)
    ia = np.flatnonzero(lg.act == ca)
    ib = np.flatnonzero(lg.act == cb)
    if len(ia):
        head = np.r_[True, lg.case[ia][1:] != lg.case[ia][:-1]]
        ia = ia[head] if first else ia[np.r_[head[1:], True]]
    j = np.searchsorted(ib, ia, side="right")
    hit = j < len(ib)
    hit[hit] = lg.case[ib[j[hit]]] == lg.case[ia[hit]]
    ib_hit = ib[j[hit]]
    t0 = lg.t[ia]
    t1 = np.full(len(ia), np.iinfo(np.int64).min)
    t1[hit] = lg.t[ib_hit]
    days = np.full(len(ia), np.nan)
    days[hit] = (t1[hit] - t0[hit]) / _DAY_MS
    wd = np.full(len(ia), np.nan)
    if hit.any():
        wd[hit] = _working_days(t0[hit], t1[hit])[0]
    cases = book.cases
    pos = lg.case[ia]
    out = pd.DataFrame({
        "case_id": cases["case_id"].to_numpy()[pos],
        "responsible_unit_id": (cases["responsible_unit_id"].to_numpy()[pos] if "responsible_unit_id" in cases
                                else np.full(len(pos), None)),
        "start_at": t0.view("datetime64[ms]"),
        "end_at": t1.view("datetime64[ms]"),
        "reached": hit,
        "days": days,
        "working_days": wd,
    })
    for c in ("case_id", "responsible_unit_id"):
        out[c] = out[c].astype("str")
    out.attrs.update(lg.attrs(), milestone={"from": a, "to": b, "first": first})
    return out


def milestone_summary(times: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Summary of :func:`milestone_times`: cases (with the start action), reached (with the end
    action after it), and mean, median, p90, max of days and working days over the reached ones;
    one row, or one per value of column ``by`` (e.g. ``"responsible_unit_id"``).

    >>> t = pd.DataFrame({"reached": [True, True, False], "days": [1.0, 3.0, np.nan],
    ...                   "working_days": [1.0, 2.0, np.nan]})
    >>> milestone_summary(t)[["cases", "reached", "mean", "median", "wd_max"]].to_dict("records")
    [{'cases': 3, 'reached': 2, 'mean': 2.0, 'median': 2.0, 'wd_max': 2.0}]
    """
    keys = [by] if by else [np.zeros(len(times), dtype=np.int8)]
    g = times.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame({"cases": g.size(), "reached": g["reached"].sum().astype(np.int64)})
    for col, pre in (("days", ""), ("working_days", "wd_")):
        gc = g[col]
        out[f"{pre}mean"] = gc.mean()
        out[f"{pre}median"] = gc.median()
        out[f"{pre}p90"] = gc.quantile(0.9)
        out[f"{pre}max"] = gc.max()
    out = out.reset_index() if by else out.reset_index(drop=True)
    out.attrs.update(times.attrs)
    return out


# --------------------------------------------------------------------------- handover of work

def _unit_codes(book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """from_unit_id and to_unit_id of ``book.events`` as codes in one space (-1: missing), and
    the unit ids; remembered on the book."""
    memo = _cache(book, "_process_cache")
    if "units" not in memo:
        ev = book.events
        fc, fu = pd.factorize(ev["from_unit_id"], use_na_sentinel=True)
        tc, tu = pd.factorize(ev["to_unit_id"], use_na_sentinel=True)
        fu, tu = pd.Index(fu), pd.Index(tu)
        t_in_f = fu.get_indexer(tu)  # to-units never seen acting get codes after the others
        new = t_in_f < 0
        t_in_f[new] = len(fu) + np.arange(int(new.sum()))
        ids = np.r_[np.asarray(fu, dtype=object), np.asarray(tu[new], dtype=object)]
        memo["units"] = (fc.astype(np.int64), np.r_[t_in_f, -1][tc].astype(np.int64), ids)
    return memo["units"]


def handover(book, *, include_self: bool = False) -> pd.DataFrame:
    """Handover of work (工作交接) between units: for consecutive events of a case, the acting
    unit (``from_unit_id``) of the first is the giver and that of the second the receiver.
    Events without an acting unit are left out first (``.attrs["dropped"]["no_unit"]``) and the
    events around them become consecutive. Columns: giver, receiver, count (pairs), cases
    (distinct cases), mean and median wait in days, and ``share`` = count / all consecutive
    pairs including same-unit ones. This is pm4py's handover-of-work network with ``beta=0``:
    it counts every consecutive pair (same-unit pairs too) and reports count / total, which is
    ``share`` here. Same-unit pairs (a unit handing to itself) are kept with ``include_self``.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 4,
    ...         "at": ["2025-03-03", "2025-03-04", "2025-03-06", "2025-03-07"],
    ...         "action": ["register", "transfer", "accept", "reply"],
    ...         "from_unit_id": ["信访局", "信访局", "住建局", "住建局"]}), now="2025-12-31")
    >>> handover(book)[["giver", "receiver", "count", "median", "share"]].to_dict("records")
    [{'giver': '信访局', 'receiver': '住建局', 'count': 1, 'median': 2.0, 'share': 0.3333333333333333}]
    """
    lg = _log(book)
    res_all, _, unit_ids = _unit_codes(book)
    res = res_all[lg.order]
    keep = res >= 0
    res, case, t = res[keep], lg.case[keep], lg.t[keep]
    i = np.flatnonzero(case[1:] == case[:-1])
    u = max(len(unit_ids), 1)
    pair = res[i] * u + res[i + 1]
    codes, uniq = pd.factorize(pair, sort=True)
    m = len(uniq)
    st = _group_stats(codes, t[i + 1] - t[i], m)
    total = len(i)
    out = pd.DataFrame({
        "giver": unit_ids[uniq // u] if m else np.array([], dtype=object),
        "receiver": unit_ids[uniq % u] if m else np.array([], dtype=object),
        "count": st["count"].astype(np.int64),
        "cases": _distinct(case[i], codes, m),
        "mean": st["mean"] / _DAY_MS,
        "median": st["median"] / _DAY_MS,
        "share": st["count"] / total if total else np.zeros(m),
    })
    if not include_self:
        out = out[out["giver"] != out["receiver"]]
    out["giver"] = out["giver"].astype("str")
    out["receiver"] = out["receiver"].astype("str")
    out = out.sort_values(["count", "giver", "receiver"], ascending=[False, True, True], kind="stable")
    out = out.reset_index(drop=True)
    attrs = lg.attrs()
    attrs["dropped"]["no_unit"] = int((~keep).sum())
    attrs["pairs"] = total
    out.attrs.update(attrs)
    return out


# --------------------------------------------------------------------------- rework

_REWORK = ("repeat_urge", "supervise", "extend", "returns", "reopened", "re_transfer")


def rework(book) -> pd.DataFrame:
    """Rework per case (返工/反复), one row per case of ``book.cases``:

    - ``urge`` 催办 events and ``repeat_urge`` = urges beyond the first;
    - ``supervise`` 督办 and ``extend`` 延期 events, ``returns`` 退回 events;
    - ``reopened``: review (复查) and recheck (复核) rounds after the case's first reply, a round
      counted once whether the log shows its request, its decision or both
      (max of the two counts, per stage);
    - ``re_transfer``: transfers and assignments (转送/交办) to a unit that already held the
      case — it had received it (transfer/assign/return) or acted on it with a custody action
      (register, accept, reject, transfer, assign, return, extend, reply, close) earlier in the
      ordered log. Urging, supervising or reviewing a case does not make a unit its holder;
    - ``rework``: any of repeat_urge, supervise, extend, returns, reopened, re_transfer.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 7,
    ...         "at": pd.date_range("2025-03-03", periods=7, freq="D"),
    ...         "action": ["register", "transfer", "return", "transfer", "urge", "urge", "reply"],
    ...         "from_unit_id": ["局", "局", "甲", "局", "局", "局", "甲"],
    ...         "to_unit_id": [None, "甲", "局", "甲", "甲", "甲", None]}), now="2025-12-31")
    >>> rework(book).drop(columns="case_id").iloc[0].to_dict()
    {'urge': 2, 'repeat_urge': 1, 'supervise': 0, 'extend': 0, 'returns': 1, 'reopened': 0, 're_transfer': 1, 'rework': True}
    """
    lg = _log(book)
    n = len(book.cases)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(lg.case[mask], minlength=n)

    def code(a: str) -> int:
        return lg.actions.index(a)

    act, idx = lg.act, np.arange(len(lg.order))
    urge = count(act == code("urge"))
    # first reply per case (position in the ordered log)
    rep = np.flatnonzero(act == code("reply"))
    first_reply = np.full(n, np.iinfo(np.int64).max)
    if len(rep):
        head = np.r_[True, lg.case[rep][1:] != lg.case[rep][:-1]]
        first_reply[lg.case[rep[head]]] = rep[head]
    after = idx > first_reply[lg.case]
    reopened = np.zeros(n, dtype=np.int64)
    for req, dec in (("review_request", "review"), ("recheck_request", "recheck")):
        reopened += np.maximum(count(after & (act == code(req))), count(after & (act == code(dec))))
    out = pd.DataFrame({
        "case_id": book.cases["case_id"].to_numpy(),
        "urge": urge,
        "repeat_urge": np.maximum(urge - 1, 0),
        "supervise": count(act == code("supervise")),
        "extend": count(act == code("extend")),
        "returns": count(act == code("return")),
        "reopened": reopened,
        "re_transfer": _re_transfers(book, lg, n),
    })
    out["case_id"] = out["case_id"].astype("str")
    out["rework"] = (out[list(_REWORK)] > 0).any(axis=1)
    out.attrs.update(lg.attrs())
    return out


def _re_transfers(book, lg: _Log, n: int) -> np.ndarray:
    """Per case: transfers/assignments to a unit that held the case before (see :func:`rework`)."""
    if not len(lg.order):
        return np.zeros(n, dtype=np.int64)
    fc, tc, ids = _unit_codes(book)
    nu = max(len(ids), 1)
    f, to = fc[lg.order], tc[lg.order]
    pos = np.arange(len(lg.order))
    hold_from = np.isin(lg.act, [lg.actions.index(a) for a in _HOLD_FROM]) & (f >= 0)
    hold_to = np.isin(lg.act, [lg.actions.index(a) for a in _HOLD_TO]) & (to >= 0)
    keys, first_hold = _first_per_key(
        np.r_[lg.case[hold_from] * nu + f[hold_from], lg.case[hold_to] * nu + to[hold_to]],
        np.r_[pos[hold_from], pos[hold_to]])
    moves = hold_to & np.isin(lg.act, [lg.actions.index("transfer"), lg.actions.index("assign")])
    mk = lg.case[moves] * nu + to[moves]
    j = np.searchsorted(keys, mk)  # every move's own key is there (it holds from the move on)
    earlier = first_hold[j] < pos[moves]
    return np.bincount(lg.case[moves][earlier], minlength=n)


def rework_summary(book, by: str | None = None) -> pd.DataFrame:
    """Rework across cases: per measure of :func:`rework` (and ``rework`` itself), the cases
    with at least one, their share of all cases, and the total count; one block per value of the
    ``book.cases`` column ``by`` when given (e.g. ``"responsible_unit_id"``), in long form.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2025-03-03", "2025-03-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A", "A", "A"],
    ...         "at": ["2025-03-03", "2025-03-04", "2025-03-05"], "action": ["register", "urge", "urge"]}),
    ...     now="2025-12-31")
    >>> s = rework_summary(book)
    >>> s[s["measure"] == "repeat_urge"].to_dict("records")
    [{'measure': 'repeat_urge', 'cases': 1, 'share': 0.5, 'total': 1}]
    """
    r = rework(book)
    measures = ["urge", *_REWORK]
    flags = pd.DataFrame({m: r[m] > 0 for m in measures} | {"rework": r["rework"]})
    totals = r[measures].assign(rework=r["rework"].astype(np.int64))
    keys: list[Any] = [book.cases[by].to_numpy()] if by else [np.zeros(len(r), dtype=np.int8)]
    cases = flags.groupby(keys, dropna=False).sum()
    n = flags.groupby(keys, dropna=False).size()
    total = totals.groupby(keys, dropna=False).sum()
    out = pd.DataFrame({
        "cases": cases.stack(),
        "share": cases.div(n, axis=0).stack(),
        "total": total.stack(),
    })
    out.index.names = [by or "_", "measure"]
    out = out.reset_index()
    if not by:
        out = out.drop(columns="_")
    out["cases"] = out["cases"].astype(np.int64)
    out["total"] = out["total"].astype(np.int64)
    out.attrs.update(r.attrs)
    return out


# --------------------------------------------------------------------------- variants

@dataclass(frozen=True)
class _Variants:
    case_code: np.ndarray  # per case of book.cases: variant id (1 = most frequent), 0 = no events
    sequences: list[bytes]  # per variant id - 1: the action codes
    counts: np.ndarray
    through: dict[str, np.ndarray]  # throughput stats (ms) per variant id - 1


def _variants(book) -> _Variants:
    memo = _cache(book, "_process_cache")
    if "variants" in memo:
        return memo["variants"]
    import pyarrow as pa

    lg = _log(book)
    n = len(book.cases)
    starts = np.flatnonzero(lg.first)
    cases_with = lg.case[starts]
    width = 1 if len(lg.actions) < 256 else 2
    data = lg.act.astype(np.uint8 if width == 1 else ">u2").tobytes()
    offsets = np.r_[starts, len(lg.order)].astype(np.int64) * width
    seqs = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(starts),
                                            [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    enc = seqs.dictionary_encode()
    code = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    m = len(enc.dictionary)
    counts = np.bincount(code, minlength=m)
    # most frequent first; equal counts by first appearance in the ledger's case order
    rank_order = np.lexsort((np.arange(m), -counts))
    rank = np.empty(m, dtype=np.int64)
    rank[rank_order] = np.arange(m)
    ends = np.r_[starts[1:], len(lg.order)] - 1 if len(starts) else starts
    thr = _group_stats(rank[code], lg.t[ends] - lg.t[starts], m)
    case_code = np.zeros(n, dtype=np.int64)
    case_code[cases_with] = rank[code] + 1
    dictionary = enc.dictionary.to_pylist()
    out = _Variants(case_code, [dictionary[j] for j in rank_order], counts[rank_order], thr)
    memo["variants"] = out
    return out


def _decode(seq: bytes, actions: tuple[str, ...]) -> tuple[str, ...]:
    codes = np.frombuffer(seq, dtype=np.uint8 if len(actions) < 256 else ">u2")
    return tuple(actions[c] for c in codes)


def variants(book, *, top: int | None = None) -> pd.DataFrame:
    """Process variants (办理路径): distinct action sequences of the ordered log, most frequent
    first. Columns: variant_id (1 = most frequent; ties by first appearance in ``book.cases``
    order), variant (actions joined with " → "), actions (tuple), length, cases, share (of cases
    with events), and throughput time from first to last event in days: mean, median, p90, max.
    ``top`` keeps the most frequent ones. The cases behind a variant: :func:`variant_cases`.
    Cases without events have no variant (``.attrs["cases_without_events"]``).

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A", "B", "C"], "received_at": ["2025-03-03"] * 3}),
    ...     events=pd.DataFrame({"case_id": ["A", "A", "B", "B", "C"],
    ...         "at": ["2025-03-03", "2025-03-05", "2025-03-03", "2025-03-07", "2025-03-03"],
    ...         "action": ["register", "accept", "register", "accept", "register"]}), now="2025-12-31")
    >>> variants(book)[["variant_id", "variant", "cases", "share", "median"]].to_dict("records")
    [{'variant_id': 1, 'variant': 'register → accept', 'cases': 2, 'share': 0.6666666666666666, 'median': 3.0}, {'variant_id': 2, 'variant': 'register', 'cases': 1, 'share': 0.3333333333333333, 'median': 0.0}]
    """
    lg = _log(book)
    v = _variants(book)
    m = len(v.counts) if top is None else min(top, len(v.counts))
    acts = [_decode(s, lg.actions) for s in v.sequences[:m]]  # one per distinct variant, not per case
    total = int(v.counts.sum())
    out = pd.DataFrame({
        "variant_id": np.arange(1, m + 1),
        "variant": pd.array([_ARROW.join(a) for a in acts], dtype="str"),
        "actions": pd.Series(acts, dtype=object),
        "length": np.array([len(a) for a in acts], dtype=np.int64),
        "cases": v.counts[:m].astype(np.int64),
        "share": v.counts[:m] / total if total else np.zeros(m),
        **{k: a[:m] for k, a in _stats_frame(v.through, _DAY_MS).items()},
    })
    attrs = lg.attrs()
    attrs.update(variants=len(v.counts), cases_without_events=int((v.case_code == 0).sum()))
    out.attrs.update(attrs)
    return out


def variant_cases(book, variant: int | str | tuple[str, ...]) -> pd.Series:
    """The case ids behind a variant of :func:`variants`, given as its variant_id, its
    " → " string or its tuple of actions (empty when no case follows it), in ledger order.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A", "B", "C"], "received_at": ["2025-03-03"] * 3}),
    ...     events=pd.DataFrame({"case_id": ["A", "B", "B", "C"], "at": ["2025-03-03"] * 4,
    ...         "action": ["register", "register", "accept", "register"]}), now="2025-12-31")
    >>> variant_cases(book, "register").tolist(), variant_cases(book, 2).tolist()
    (['A', 'C'], ['B'])
    """
    lg = _log(book)
    v = _variants(book)
    if isinstance(variant, str | tuple):
        acts = tuple(variant.split(_ARROW)) if isinstance(variant, str) else tuple(variant)
        known = {a: i for i, a in enumerate(lg.actions)}
        if not all(a in known for a in acts):
            vid = -1
        else:
            codes = np.array([known[a] for a in acts], dtype=np.uint8 if len(lg.actions) < 256 else ">u2")
            seq = codes.tobytes()
            vid = next((i + 1 for i, s in enumerate(v.sequences) if s == seq), -1)
    else:
        vid = int(variant)
    ids = book.cases["case_id"][v.case_code == vid] if vid > 0 else book.cases["case_id"].iloc[:0]
    return ids.reset_index(drop=True).rename("case_id")
