"""Chains of custody (办理链条): who held each case, from when to when, and how it left them.

Every case becomes a sequence of custody segments read from its event log, in a stable order
by case, time and source order (``seq``, then row position — the order of
:func:`workbench.chains.process.ordered_log`). The rules, in full:

- **Start.** The unit that registered the matter (登记, the ``register`` event; when the log has
  none, the case's ``registered_unit_id`` from ``received_at``, flagged ``no_register``) holds it
  first. The first unit the matter is routed to is kept as ``first_unit_id`` (首办单位).
- **Routing.** ``transfer``/``assign`` (转送/交办) hands the case to ``to_unit_id``; the sender's
  segment ends ``transferred``. Without a receiver the new holder is unknown (``unit_id`` missing,
  flagged ``missing_receiver``); the first other unit that acts on the case during that segment
  is taken to be the receiver (the flag stays).
- **Return.** ``return`` (退回) ends the holder's segment ``returned`` and gives the case to
  ``to_unit_id``, or — when the log does not say — back to the unit that sent it
  (``return_to_sender``).
- **Co-handling.** An assignment with role 协办 (``co``) opens an overlapping ``co`` segment of that
  unit; it ends when the unit returns or passes it on, or when the lead custody ends (reply,
  closure, rejection), or is still open.
- **End of handling.** ``reply`` (答复), ``close`` (办结, when there was no reply) and ``reject``
  (不予受理) end the lead custody (``replied`` · ``closed`` · ``rejected``); later evaluation and
  follow-up change nothing. A reply by a unit that is not the holder still ends custody, flagged
  ``actor_not_holder`` on the segment.
- **Review.** ``review_request``/``recheck_request`` (复查/复核申请) opens a ``review`` segment of
  the organ that received it, ended by ``review``/``recheck`` (``reviewed`` · ``rechecked``).
- **Gaps.** An ``accept`` or ``extend`` by a unit that does not hold the case (and is not a
  co-handling unit) means the log missed a handover: the acting unit takes over
  (``implicit_handover``; the previous segment ends ``handed_over``). After closure such events
  change nothing (``after_close``); a routing after closure reopens custody (flagged
  ``after_close``). Events timed after ``as_of`` have not happened yet.
- **Ties.** Events of a case with the same timestamp keep their source order (flag ``tie``;
  not for the events a loader derived from the ledger's dates, which tie by design).
- **Bounce.** A segment started by a routing from X and ended by routing the case back to X
  (returned, or transferred back: A→B→A, 推诿 ping-pong) is a ``bounce``. Its time is charged to
  the unit at fault (``charged_unit_id``): the holder when it is the unit that finally handled
  the case (it refused a matter that was its own: ``refused``), otherwise the sender (it sent the
  matter to the wrong place: ``misrouted``).

``days_overdue`` is a segment's share of the days its case's clocks ran past their limits (the
clocks of :mod:`workbench.rules.clocks`; the petitioner's own windows excluded), shared by the
time each segment held the case during the late stretch: the segments' overdue days add up to
the clocks' days late (see :func:`cached_custody`).

Computed column-wise for all cases at once; a case's segments depend only on its own rows, so
any subset of cases gives the same rows (DESIGN §10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rules.clocks import _DAY_MS, _NA, _ms, cached_clocks, default_as_of
from .process import _log

__all__ = ["ENDINGS", "FLAGS", "ROLES", "Custody", "cached_custody", "custody", "late_windows"]

#: how a segment ended
ENDINGS = ("transferred", "returned", "replied", "closed", "rejected", "reviewed", "rechecked", "handed_over", "open")
#: what a segment's ``flags`` may say
FLAGS = ("missing_receiver", "return_to_sender", "implicit_handover", "after_close", "actor_not_holder", "tie",
         "no_register")
ROLES = ("lead", "co", "review")
_ACTIONS = ("register", "accept", "reject", "transfer", "assign", "return", "urge", "supervise", "extend", "reply",
            "close", "review_request", "review", "recheck_request", "recheck", "follow_up", "evaluate")
_A = {a: i for i, a in enumerate(_ACTIONS)}
_NOBODY, _CARRY, _UNKNOWN = -1, -2, -3
_END_OF = {"transfer": 0, "assign": 0, "return": 1, "reply": 2, "close": 3, "reject": 4, "review": 5, "recheck": 6}
_F = {f: 1 << i for i, f in enumerate(FLAGS)}
#: how a segment ended, by the action that ended it (anything else: handed over)
_END_LOOKUP = np.full(len(_ACTIONS), ENDINGS.index("handed_over"), dtype=np.int64)
for _a, _e in _END_OF.items():
    _END_LOOKUP[_A[_a]] = _e


def _isin(a: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Action codes among ``names`` (a lookup table: one pass however many names)."""
    lut = np.zeros(len(_ACTIONS) + 1, dtype=bool)
    lut[[_A[n] for n in names]] = True
    return lut[a]


def _codes_of(s: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """Position of each value of a string column in ``values`` (-1: missing or other), via arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .._fast import arrow_strings

    idx = pc.index_in(arrow_strings(s), value_set=pa.array(values, type=pa.large_string()))
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass
class Custody:
    """Custody segments as arrays (internal; :func:`custody` turns them into a frame).

    ``ci`` indexes ``book.cases``; unit codes index ``units`` (-1: unknown); times are int64 ms.
    """

    ci: np.ndarray
    unit: np.ndarray
    role: np.ndarray  # index into ROLES
    start: np.ndarray
    end: np.ndarray
    open: np.ndarray
    ended: np.ndarray  # index into ENDINGS
    sender: np.ndarray
    receiver: np.ndarray
    bounce: np.ndarray
    charged: np.ndarray
    fault: np.ndarray  # 0 held, 1 refused, 2 misrouted
    flags: np.ndarray
    n_urged: np.ndarray
    share: np.ndarray
    actor_row: np.ndarray  # events row of the segment's handler (-1: none)
    first_unit: np.ndarray  # per case: the first unit routed to (首办)
    final_unit: np.ndarray  # per case: the unit that finally handled it
    units: pd.Index
    as_of: pd.Timestamp
    n_ties: int
    #: filled by :func:`cached_custody`: the late stretches (:func:`late_windows`), every
    #: (stretch, segment) pair that overlaps (ms), and each segment's share of late days
    windows: pd.DataFrame | None = None
    late_pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    overdue_days: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ci)


def _unit_codes(book) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One index over every unit id the cases, events and units table mention; codes for each."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .._fast import arrow_strings

    cols = [arrow_strings(book.events["from_unit_id"]), arrow_strings(book.events["to_unit_id"]),
            arrow_strings(book.cases["registered_unit_id"]), arrow_strings(book.cases["responsible_unit_id"])]
    if len(book.units):
        cols.append(arrow_strings(book.units["unit_id"]))
    chunks: list = []
    for c in cols:
        chunks.extend(c.chunks if isinstance(c, pa.ChunkedArray) else [c])
    chunks = [ch.cast(pa.large_string()) for ch in chunks]
    uniq = pc.unique(pa.chunked_array(chunks, type=pa.large_string())).drop_null()
    values = pc.take(uniq, pc.array_sort_indices(uniq))  # sorted: a stable, readable order

    def code(a) -> np.ndarray:
        idx = pc.index_in(a.cast(pa.large_string()), value_set=values)
        return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)

    units = pd.Index(values.to_pylist(), dtype=object)
    return units, code(cols[0]), code(cols[1]), code(cols[2]), code(cols[3])


def _present(s: pd.Series) -> np.ndarray:
    """Non-missing values of a string column, via arrow."""
    import pyarrow.compute as pc

    from .._fast import arrow_strings

    return pc.is_valid(arrow_strings(s)).to_numpy(zero_copy_only=False).astype(bool)


def _ffill(values: np.ndarray, is_set: np.ndarray) -> np.ndarray:
    """Carry each set value forward to the following rows (the first row of every case is a set)."""
    idx = np.where(is_set, np.arange(len(values)), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]


def build_custody(book, policy: object = None, as_of: object = None) -> Custody:
    """The custody segments of every case of ``book`` as arrays (see the module rules)."""
    now = pd.Timestamp(as_of) if as_of is not None else default_as_of(book)
    as_of_ms = int(now.value // 1_000_000)
    cases, ev = book.cases, book.events
    n = len(cases)
    units, frm_all, to_all, reg, resp = _unit_codes(book)
    # ------------------------------------------------------------------ ordered log
    # the one stable order of the process view: case, time, source order (seq, then row)
    lg = _log(book)
    keep = lg.t <= as_of_ms
    rows = lg.order[keep]
    ci_r, at_r = lg.case[keep], lg.t[keep]
    act_r = lg.act[keep].astype(np.int64)
    act_r = np.where(act_r < len(_ACTIONS), act_r, -1)  # actions outside the vocabulary: none of ours
    has_register = np.zeros(n, dtype=bool)
    has_register[ci_r[act_r == _A["register"]]] = True
    recv = _ms(cases["received_at"])
    synth = np.flatnonzero(~has_register & (recv != _NA) & (recv <= as_of_ms))
    role_codes = _codes_of(ev["role"], ("lead", "co"))
    share_all = ev["share"].to_numpy(dtype=np.float64, na_value=np.nan) if "share" in ev else np.full(len(ev), np.nan)
    cols = {"ci": ci_r, "at": at_r, "act": act_r, "frm": frm_all[rows], "to": to_all[rows], "src": rows,
            "co": role_codes[rows] == 1, "lead_role": role_codes[rows] == 0, "share": share_all[rows]}
    if len(synth):
        # assumed registrations go in at received_at, before the case's events of the same moment
        lo_t = min(int(at_r.min()) if len(at_r) else 0, int(recv[synth].min()))
        span = max(int(at_r.max()) if len(at_r) else 0, int(recv[synth].max())) - lo_t + 1
        pos = np.searchsorted(ci_r * span + (at_r - lo_t), synth * span + (recv[synth] - lo_t), side="left")
        extra = {"ci": synth, "at": recv[synth], "act": np.full(len(synth), _A["register"]), "frm": reg[synth],
                 "to": np.full(len(synth), -1), "src": np.full(len(synth), -1), "co": np.zeros(len(synth), bool),
                 "lead_role": np.zeros(len(synth), bool), "share": np.full(len(synth), np.nan)}
        cols = {k: np.insert(v, pos, extra[k]) for k, v in cols.items()}
    ci, at, act, frm, to, src = cols["ci"], cols["at"], cols["act"], cols["frm"], cols["to"], cols["src"]
    co, lead_role, share = cols["co"], cols["lead_role"], cols["share"]
    m = len(ci)
    first = np.r_[True, ci[1:] != ci[:-1]] if m else np.zeros(0, dtype=bool)
    # ties between events the source recorded (a log derived from the ledger's dates ties by design)
    derived = np.ones(m, dtype=bool)
    if "derived" in ev and len(ev):
        real = src >= 0
        derived[real] = ev["derived"].to_numpy(dtype=bool, na_value=False)[src[real]]
    else:
        derived[src >= 0] = False
    tie = np.r_[False, (ci[1:] == ci[:-1]) & (at[1:] == at[:-1]) & ~derived[1:] & ~derived[:-1]] if m \
        else np.zeros(0, dtype=bool)
    n_ties = int(tie.sum())
    synthetic = src < 0

    # ------------------------------------------------------------------ who holds the case after each event
    routing = _isin(act, ("transfer", "assign")) & ~co
    ret = act == _A["return"]
    nh = np.full(m, _CARRY, dtype=np.int64)
    nh[routing] = np.where(to[routing] >= 0, to[routing], _UNKNOWN)
    nh[ret] = np.where(to[ret] >= 0, to[ret], _CARRY)  # resolved below
    is_reg = act == _A["register"]
    reg_unit = np.where(frm >= 0, frm, reg[ci])
    nh[is_reg] = np.where(reg_unit[is_reg] >= 0, reg_unit[is_reg], _UNKNOWN)
    ends = _isin(act, ("reply", "close", "reject", "review", "recheck"))
    nh[ends] = _NOBODY
    review_open = _isin(act, ("review_request", "recheck_request"))
    nh[review_open] = np.where(frm[review_open] >= 0, frm[review_open], _UNKNOWN)
    # co-handling units of each case: their replies end their own part, not the lead's custody
    co_route = _isin(act, ("transfer", "assign")) & co & (to >= 0)
    nu = max(len(units), 1)
    co_keys = np.unique(ci[co_route] * nu + to[co_route])
    co_case = np.zeros(n, dtype=bool)
    co_case[ci[co_route]] = True
    by_co = np.zeros(m, dtype=bool)
    maybe = np.flatnonzero(co_case[ci] & (frm >= 0))
    by_co[maybe] = np.isin(ci[maybe] * nu + frm[maybe], co_keys)
    closed_at = np.full(n, np.iinfo(np.int64).max)
    cl = act == _A["close"]
    np.minimum.at(closed_at, ci[cl], at[cl])
    after_close = at > closed_at[ci]
    flags_ev = np.zeros(m, dtype=np.int64)

    def holders(nh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        init = np.where(first & (nh == _CARRY), np.where(reg[ci] >= 0, reg[ci], _UNKNOWN), nh)
        after = _ffill(init, (init != _CARRY) | first)
        before = np.r_[_NOBODY, after[:-1]] if m else after
        before = np.where(first, _NOBODY, before)
        return after, before

    # a return that does not name its receiver goes back to the unit that sent the case
    sent_by = np.where(routing | ret, frm, _CARRY)
    sent_by = np.where(first & (sent_by == _CARRY), _NOBODY, sent_by)
    sender_after = _ffill(sent_by, (sent_by != _CARRY) | first)
    sender_before = np.where(first, _NOBODY, np.r_[_NOBODY, sender_after[:-1]] if m else sender_after)
    blind = ret & (to < 0)
    nh[blind] = np.where(sender_before[blind] >= 0, sender_before[blind], _UNKNOWN)
    flags_ev[blind] |= _F["return_to_sender"]
    # gaps: an acceptance or extension by a unit that does not hold the case takes it over
    after, before = holders(nh)
    other = (frm >= 0) & (before >= 0) & (frm != before) & ~by_co
    implicit = _isin(act, ("accept", "extend")) & other & ~after_close
    nh[implicit] = frm[implicit]
    flags_ev[implicit] |= _F["implicit_handover"]
    nh[_isin(act, ("reply", "close", "reject")) & by_co & (frm != before)] = _CARRY
    stale = _isin(act, ("accept", "extend")) & after_close & (frm >= 0)
    flags_ev[(routing | ret) & after_close] |= _F["after_close"]
    flags_ev[_isin(act, ("reply", "close", "reject")) & other & (nh == _NOBODY)] |= _F["actor_not_holder"]
    flags_ev[synthetic] |= _F["no_register"]
    flags_ev[tie] |= _F["tie"]
    after, before = holders(nh)

    # ------------------------------------------------------------------ lead and review segments
    change = (after != before) | (first & (after != _NOBODY))
    chg = np.flatnonzero(change)
    starts_mask = after[chg] != _NOBODY
    seg_pos = chg[starts_mask]  # event position that opens each segment
    k = np.flatnonzero(starts_mask)
    nxt = np.full(len(k), -1, dtype=np.int64)
    has_next = k + 1 < len(chg)
    nxt[has_next] = chg[k[has_next] + 1]
    nxt = np.where((nxt >= 0) & (ci[np.maximum(nxt, 0)] == ci[seg_pos]), nxt, -1)
    s_ci = ci[seg_pos]
    s_unit = after[seg_pos]
    s_start = at[seg_pos]
    s_open = nxt < 0
    s_end = np.where(s_open, as_of_ms, at[np.maximum(nxt, 0)])
    end_act = act[np.maximum(nxt, 0)]
    s_ended = np.where(s_open, ENDINGS.index("open"), _END_LOOKUP[end_act])
    # a closure right after a reply ends nothing new; a routing out is a transfer
    s_recv = np.where(s_open, -1, after[np.maximum(nxt, 0)])
    s_recv = np.where(s_recv >= 0, s_recv, -1)
    start_act = act[seg_pos]
    s_send = np.where(_isin(start_act, ("transfer", "assign", "return")), frm[seg_pos], -1)
    s_role = np.where(_isin(start_act, ("review_request", "recheck_request")), 2, 0)
    s_flags = flags_ev[seg_pos] & ~_F["actor_not_holder"]
    s_flags |= np.where(s_unit == _UNKNOWN, _F["missing_receiver"], 0)
    # flags raised by the event that ended a segment belong to it (who closed it, a handover)
    s_flags |= np.where(s_open, 0, flags_ev[np.maximum(nxt, 0)] & _F["actor_not_holder"])
    # which segment each event falls in (events while nobody holds the case fall in none)
    seg_of_ev = np.cumsum(change & (after != _NOBODY)) - 1
    seg_of_ev = np.where(after != _NOBODY, seg_of_ev, -1)
    # an unknown receiver is the first other unit that acts on the case while it holds it (or
    # the one whose action ends the segment); an urging names the unit it urges
    unknown = s_unit == _UNKNOWN
    if unknown.any():
        actor_unit = np.array(frm, copy=True)
        urging = _isin(act, ("urge", "supervise"))
        actor_unit[urging] = to[urging]
        acting = _isin(act, ("accept", "extend", "reply", "close", "reject", "transfer", "assign", "return", "urge",
                             "supervise")) & (actor_unit >= 0)
        in_seg = np.where(seg_of_ev >= 0, seg_of_ev, -1)
        ends_seg = np.full(m, -1, dtype=np.int64)
        closed = np.flatnonzero(~s_open)
        ends_seg[nxt[closed]] = closed  # the event that ends a segment speaks for it too
        for owner in (in_seg, ends_seg):
            ok = acting & (owner >= 0)
            ok[ok] &= (s_unit[owner[ok]] == _UNKNOWN) & (actor_unit[ok] != s_send[owner[ok]])
            rp = np.flatnonzero(ok)[::-1]  # reversed so the earliest write wins
            s_unit[owner[rp]] = actor_unit[rp]
    s_unit = np.where(s_unit == _UNKNOWN, -1, s_unit)
    s_share = np.where(lead_role[seg_pos], share[seg_pos], np.nan)
    n_seg = len(seg_pos)
    urged = _isin(act, ("urge", "supervise")) & (seg_of_ev >= 0)
    s_urged = np.bincount(seg_of_ev[urged], minlength=n_seg)
    # the handler: the first actor of the holding unit within the segment
    actor_ok = _present(ev["actor_id"]) if "actor_id" in ev else np.zeros(len(ev), dtype=bool)
    cand = (seg_of_ev >= 0) & (src >= 0) & (frm == after) & actor_ok[np.maximum(src, 0)]
    s_actor = np.full(n_seg, -1, dtype=np.int64)
    cpos = np.flatnonzero(cand)[::-1]  # reversed so the earliest write wins
    s_actor[seg_of_ev[cpos]] = src[cpos]
    # stale events after closure are not segment boundaries but are worth knowing: the case's
    # last segment before them says so
    if stale.any():
        last_seg = np.full(n, -1, dtype=np.int64)
        last_seg[s_ci] = np.arange(n_seg)  # later segments overwrite earlier ones
        hit = last_seg[ci[stale]]
        s_flags[hit[hit >= 0]] |= _F["after_close"]

    # ------------------------------------------------------------------ co-handling segments
    cpos = np.flatnonzero(co_route)
    c_ci, c_unit, c_start = ci[cpos], to[cpos], at[cpos]
    sub = np.flatnonzero(co_case[ci])  # only the cases with co-handling matter here
    c_end, c_ended = _co_ends(c_ci, c_unit, c_start, ci[sub], at[sub], act[sub], frm[sub], after[sub], change[sub],
                              as_of_ms)
    c_open = c_ended == ENDINGS.index("open")
    n_co = len(cpos)

    # ------------------------------------------------------------------ case facts: first and final unit
    lead_seg = s_role == 0
    first_unit = np.full(n, -1, dtype=np.int64)
    routed = lead_seg & (s_send >= 0) & (s_unit >= 0) & ~_office_units(book, units)[np.maximum(s_unit, 0)]
    rpos = np.flatnonzero(routed)[::-1]
    first_unit[s_ci[rpos]] = s_unit[rpos]
    final_unit = np.where(resp >= 0, resp, -1)
    lpos = np.flatnonzero(lead_seg & (s_unit >= 0))
    last_lead = np.full(n, -1, dtype=np.int64)
    last_lead[s_ci[lpos]] = s_unit[lpos]  # later segments overwrite earlier ones
    final_unit = np.where(final_unit >= 0, final_unit, last_lead)

    bounce = (s_send >= 0) & (s_recv == s_send) & np.isin(s_ended, [0, 1])
    refused = bounce & (s_unit == final_unit[s_ci])
    misrouted = bounce & ~refused
    charged = np.where(misrouted, s_send, s_unit)
    fault = np.where(refused, 1, np.where(misrouted, 2, 0))

    # ------------------------------------------------------------------ together, by case and start
    cat = {
        "ci": np.r_[s_ci, c_ci], "unit": np.r_[s_unit, c_unit], "role": np.r_[s_role, np.ones(n_co, np.int64)],
        "start": np.r_[s_start, c_start], "end": np.r_[s_end, c_end], "open": np.r_[s_open, c_open],
        "ended": np.r_[s_ended, c_ended], "sender": np.r_[s_send, frm[cpos]],
        "receiver": np.r_[s_recv, np.full(n_co, -1)], "bounce": np.r_[bounce, np.zeros(n_co, bool)],
        "charged": np.r_[charged, c_unit], "fault": np.r_[fault, np.zeros(n_co, np.int64)],
        "flags": np.r_[s_flags, flags_ev[cpos] & (_F["after_close"] | _F["tie"])],
        "n_urged": np.r_[s_urged, np.zeros(n_co, np.int64)], "share": np.r_[s_share, share[cpos]],
        "actor_row": np.r_[s_actor, np.full(n_co, -1, dtype=np.int64)],
    }
    o = np.lexsort((cat["role"], cat["start"], cat["ci"]))
    cat = {key: v[o] for key, v in cat.items()}
    return Custody(**cat, first_unit=first_unit, final_unit=final_unit, units=units, as_of=now, n_ties=n_ties)


def _office_units(book, units: pd.Index) -> np.ndarray:
    """Which unit codes are petition offices (信访部门), by the units table's ``kind``."""
    if not len(units) or not len(book.units) or "kind" not in book.units:
        return np.zeros(max(len(units), 1), dtype=bool)
    kinds = book.units.drop_duplicates("unit_id").set_index("unit_id")["kind"]
    return kinds.reindex(pd.Index(units)).str.contains("信访", na=False).to_numpy(dtype=bool)


def _co_ends(c_ci, c_unit, c_start, ci, at, act, frm, after, change, as_of_ms) -> tuple[np.ndarray, np.ndarray]:
    """End time and ending of each co-handling segment: the first of the lead custody ending, or the
    co unit itself returning, passing on, replying or closing; else still open at ``as_of``."""
    n_co = len(c_ci)
    end = np.full(n_co, as_of_ms, dtype=np.int64)
    ended = np.full(n_co, ENDINGS.index("open"), dtype=np.int64)
    if not n_co:
        return end, ended
    left = pd.DataFrame({"ci": c_ci, "unit": c_unit, "t": c_start, "row": np.arange(n_co)}).sort_values("t", kind="stable")
    lead_end = change & (after == _NOBODY)
    right = pd.DataFrame({"ci": ci[lead_end], "t": at[lead_end], "how": act[lead_end]}).sort_values("t", kind="stable")
    hit = pd.merge_asof(left, right.rename(columns={"t": "t_end"}), left_on="t", right_on="t_end", by="ci",
                        direction="forward", allow_exact_matches=False)
    own = _isin(act, ("return", "transfer", "assign", "reply", "close", "reject")) & (frm >= 0)
    right2 = pd.DataFrame({"ci": ci[own], "unit": frm[own], "t_own": at[own], "how_own": act[own]}).sort_values(
        "t_own", kind="stable")
    hit = pd.merge_asof(hit.sort_values("t", kind="stable"), right2, left_on="t", right_on="t_own", by=["ci", "unit"],
                        direction="forward", allow_exact_matches=False)
    row = hit["row"].to_numpy()
    t_end = hit["t_end"].to_numpy(dtype=np.float64, na_value=np.nan)
    t_own = hit["t_own"].to_numpy(dtype=np.float64, na_value=np.nan)
    how = hit["how"].to_numpy(dtype=np.float64, na_value=np.nan)
    how_own = hit["how_own"].to_numpy(dtype=np.float64, na_value=np.nan)
    use_own = ~np.isnan(t_own) & (np.isnan(t_end) | (t_own < t_end))
    t = np.where(use_own, t_own, t_end)
    h = np.where(use_own, how_own, how)
    lookup = _END_LOOKUP
    done = ~np.isnan(t)
    end[row[done]] = t[done].astype(np.int64)
    ended[row[done]] = lookup[h[done].astype(np.int64)]
    return end, ended


def late_windows(book, policy: object = None, as_of: object = None) -> pd.DataFrame:
    """The stretches during which a clock ran past its limit, one row per late clock: ci, clock,
    party, unit (code of the unit answering for the clock), days_late, w0 and w1 (ms: from the
    start of the day after the last day to the stop, or ``as_of`` while still running).
    The petitioner's own windows (their review request periods) are left out."""
    cs = cached_clocks(book, policy, as_of)
    c = cs.cols
    parties = np.array([k.party for k in cs.policy.clocks], dtype=object)
    late = (c["days_late"] > 0) & (parties[c["clock"]] != "petitioner") if len(c["ci"]) else np.zeros(0, bool)
    idx = np.flatnonzero(late)
    as_of_ms = int(cs.as_of.value // 1_000_000)
    due = c["due"][idx].astype("datetime64[D]").astype(np.int64) * _DAY_MS
    stop = c["stop"][idx]
    return pd.DataFrame({
        "ci": c["ci"][idx], "clock": c["clock"][idx], "party": parties[c["clock"][idx]],
        "unit": c["unit"][idx], "unit_id": np.asarray(cs.units, dtype=object)[c["unit"][idx]] if len(cs.units) else None,
        "days_late": c["days_late"][idx], "w0": due + _DAY_MS, "w1": np.where(stop == _NA, as_of_ms, stop),
    })


def overlaps(seg_ci: np.ndarray, seg_start: np.ndarray, seg_end: np.ndarray, win_ci: np.ndarray, w0: np.ndarray,
             w1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (window, segment) pair of the same case (segments sorted by case) and the length of
    their overlap in ms: (window index, segment index, overlap)."""
    lo = np.searchsorted(seg_ci, win_ci, side="left")
    hi = np.searchsorted(seg_ci, win_ci, side="right")
    cnt = hi - lo
    total = int(cnt.sum())
    w = np.repeat(np.arange(len(win_ci)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    s = lo[w] + offs
    ov = np.minimum(seg_end[s], w1[w]) - np.maximum(seg_start[s], w0[w])
    return w, s, np.maximum(ov, 0)


def cached_custody(book, policy: object = None, as_of: object = None) -> Custody:
    """:func:`build_custody` with the late stretches laid over the segments, remembered on the book.

    A segment's ``overdue_days`` is its share of its clocks' days late: each late stretch's
    ``days_late`` (calendar days, as the clocks count them) shared among the lead and review
    segments in proportion to the time each held the case during the stretch (a co-handling
    segment gets the share its own overlap would have), so the segments' overdue days add up
    to the case's late days.
    """
    from ..rules.policy import load_policy

    pol = load_policy(policy if policy is not None else getattr(book, "policy", None) or None)
    cache = book.__dict__.setdefault("_custody_cache", {})
    key = (pol.path or pol.name, str(as_of), id(book.cases), id(book.events))
    if key not in cache:
        if len(cache) > 4:
            cache.clear()
        cu = build_custody(book, pol, as_of)
        win = late_windows(book, pol, as_of)
        w, s, ov = overlaps(cu.ci, cu.start, cu.end, win["ci"].to_numpy(), win["w0"].to_numpy(), win["w1"].to_numpy())
        hit = ov > 0
        w, s, ov = w[hit], s[hit], ov[hit].astype(float)
        main = cu.role[s] != 1
        total = np.bincount(w[main], weights=ov[main], minlength=len(win))
        days = win["days_late"].to_numpy(dtype=float)
        share = np.where(total[w] > 0, ov / np.where(total[w] > 0, total[w], 1.0), 0.0)
        cu.windows, cu.late_pairs = win, (w, s, ov)
        cu.overdue_days = np.bincount(s, weights=days[w] * share, minlength=len(cu)) if len(cu) else np.zeros(0)
        cache[key] = cu
    return cache[key]


def custody(book, policy: object = None, as_of: object = None) -> pd.DataFrame:
    """Chains of custody (办理链条): one row per custody segment, sorted by case then start.

    Columns: case_id, seg (0.. within the case), unit_id, unit_name, person_id (经办人),
    lead_person_id (包案领导), role (lead · co 协办 · review 复查/复核), start, end (``as_of`` while open),
    open, days_held, days_overdue (its share of the days late, by the time it held the case while
    a clock ran past its limit), ended_by (transferred ·
    returned · replied · closed · rejected · reviewed · rechecked · handed_over · open),
    from_unit_id (who sent it), to_unit_id (where it went next), bounce (sent back to where it
    came from), charged_unit_id (who answers for the segment's time), fault (held · refused ·
    misrouted), n_urged (催办/督办 received), share (责任分摊), first_unit_id (首办单位), flags.
    The module docstring states every rule.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"],
    ...     "registered_unit_id": ["县信访局"], "responsible_unit_id": ["县住建局"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 5, "action": ["登记", "交办", "退回", "交办", "答复"],
    ...     "at": ["2025-03-03", "2025-03-04", "2025-03-09", "2025-03-10", "2025-04-01"],
    ...     "from_unit_id": ["县信访局", "县信访局", "县自然资源局", "县信访局", "县住建局"],
    ...     "to_unit_id": [None, "县自然资源局", "县信访局", "县住建局", None]}), now="2025-06-01")
    >>> c = custody(book)
    >>> print(c[["unit_id", "days_held", "ended_by", "bounce", "charged_unit_id"]].to_string(index=False))
    unit_id  days_held    ended_by  bounce charged_unit_id
       县信访局        1.0 transferred   False            县信访局
     县自然资源局        5.0    returned    True            县信访局
       县信访局        1.0 transferred   False            县信访局
       县住建局       22.0     replied   False            县住建局
    """
    cu = cached_custody(book, policy, as_of)
    return custody_frame(cu, book)


def custody_frame(cu: Custody, book) -> pd.DataFrame:
    """The frame of :func:`custody` from its arrays."""
    cases, ev = book.cases, book.events
    units = np.asarray(cu.units, dtype=object)

    def uid(codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(np.where(codes >= 0, codes, -1), categories=pd.Index(units).astype(object)) \
            if len(units) else pd.Categorical([None] * len(codes))

    def ts(ms: np.ndarray) -> np.ndarray:
        out = ms.astype("datetime64[ms]")
        out[ms == _NA] = np.datetime64("NaT")
        return out

    seg = np.arange(len(cu)) - np.searchsorted(cu.ci, cu.ci, side="left") if len(cu) else np.zeros(0, np.int64)
    name_of = _unit_names(book, cu.units)
    person = ev["actor_id"].to_numpy(dtype=object, na_value=None)[np.maximum(cu.actor_row, 0)] if len(ev) \
        else np.full(len(cu), None, dtype=object)
    person = np.where(cu.actor_row >= 0, person, np.full(len(cu), None, dtype=object))
    flag_words = _flag_words(cu.flags)
    out = pd.DataFrame({
        "case_id": cases["case_id"].take(cu.ci).array,
        "seg": seg.astype(np.int32),
        "unit_id": uid(cu.unit),
        "unit_name": name_of[np.where(cu.unit >= 0, cu.unit, len(name_of) - 1)] if len(cu) else np.zeros(0, object),
        "person_id": pd.array(person, dtype="str"),
        "lead_person_id": cases["lead_person_id"].take(cu.ci).array,
        "role": pd.Categorical.from_codes(cu.role, categories=list(ROLES)),
        "start": ts(cu.start),
        "end": ts(cu.end),
        "open": cu.open.astype(bool),
        "days_held": np.round((cu.end - cu.start) / _DAY_MS, 4),
        "days_overdue": np.round(cu.overdue_days if cu.overdue_days is not None else np.zeros(len(cu)), 4),
        "ended_by": pd.Categorical.from_codes(cu.ended, categories=list(ENDINGS)),
        "from_unit_id": uid(cu.sender),
        "to_unit_id": uid(cu.receiver),
        "bounce": cu.bounce.astype(bool),
        "charged_unit_id": uid(cu.charged),
        "fault": pd.Categorical.from_codes(cu.fault, categories=["held", "refused", "misrouted"]),
        "n_urged": cu.n_urged.astype(np.int32),
        "share": cu.share,
        "first_unit_id": uid(cu.first_unit[cu.ci]),
        "flags": pd.Categorical(flag_words),
    })
    out.attrs["as_of"] = cu.as_of
    out.attrs["ties"] = cu.n_ties
    return out


def _unit_names(book, units: pd.Index) -> np.ndarray:
    """Names for the unit codes (the id when the units table has no name); one extra slot for none."""
    from ..rules.delays import names

    nm = names(book, "units")
    vals = pd.Series(np.asarray(units, dtype=object)).map(nm).to_numpy(dtype=object) if len(units) else np.zeros(0, object)
    vals = np.where(pd.isna(vals), np.asarray(units, dtype=object), vals) if len(units) else vals
    return np.r_[vals, np.array([None], dtype=object)]


def _flag_words(flags: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(flags, return_inverse=True)
    words = np.array([",".join(f for i, f in enumerate(FLAGS) if int(u) >> i & 1) for u in uniq], dtype=object)
    return words[inv] if len(flags) else np.zeros(0, dtype=object)
