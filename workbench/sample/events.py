"""The handling log (办理过程) of every case, built column-wise for all cases at once.

Each case is registered by a petition bureau (登记), routed down the bureaus to the competent
unit (转送/交办; now and then sent to a wrong unit and returned, 退回), accepted (受理) or
rejected (不予受理), urged (催办) and supervised (督办) when slow, sometimes extended (延期),
answered (答复), closed (办结), evaluated (评价) and followed up (回访); a dissatisfied
petitioner may ask for review (复查) and recheck (复核) by the next-higher organ. Everything
past the end of the period is cut: what remains is the ledger as exported at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._arrow import group_starts, padded, pick_padded, rng_choice
from .cases import Ctx
from .patterns import BUCK_ROUTES
from .timing import DAY, MINUTE, time_of_day

__all__ = ["ACTIONS", "NOTES", "SATISFACTION", "STATUS", "Log", "build_events"]

ACTIONS: tuple[str, ...] = (
    "register", "accept", "reject", "transfer", "assign", "return", "urge", "supervise", "extend",
    "reply", "close", "review_request", "review", "recheck_request", "recheck", "follow_up", "evaluate",
)
A = {a: i for i, a in enumerate(ACTIONS)}
SATISFACTION: tuple[str, ...] = ("satisfied", "basically_satisfied", "dissatisfied", "not_evaluated", "overdue", "pending")
SAT = {s: i for i, s in enumerate(SATISFACTION)}

_NOTE_POOLS: dict[str, tuple[str, ...]] = {
    "register": ("网上信访登记", "来访登记", "来信登记", "来电登记", "12345热线转入登记", "领导信箱登记"),
    "transfer": ("按照属地管理原则转送", "转请依法依规处理", "转送有权处理机关办理"),
    "assign": ("请于规定期限内办结并反馈结果", "交办，请按期报送办理结果", "请依法依规处理并答复信访人"),
    "co": ("协办：请配合主办单位做好调查处理",),
    "accept": ("已受理并告知信访人", "予以受理，出具受理告知书", "受理告知"),
    "reject": ("不属于信访受理范围，告知通过法定途径解决", "已进入诉讼程序，不予受理", "属于应通过仲裁解决的事项，不予受理"),
    "return": ("不属于本单位职责范围，申请退回", "该事项非我单位职权，退回重新分办", "经核实不属本单位管辖，予以退回"),
    "urge": ("请加快办理进度", "已临近办理期限，请抓紧办理", "催办：请尽快答复信访人"),
    "supervise": ("该件已超期，请立即办理并说明原因", "督办：请于5个工作日内报送办理情况", "列入重点督办事项，请主要领导亲自过问"),
    "extend": ("情况复杂，申请延期30日", "需进一步调查核实，经批准延期办理"),
    "reply": ("已出具信访处理意见书：予以支持", "已出具信访处理意见书：解释说明", "已出具信访处理意见书：不予支持"),
    "close": ("审核认定办结", "已办结", "办结归档"),
    "review_request": ("信访人不服处理意见，申请复查",),
    "review": ("复查意见：维持原处理意见", "复查意见：撤销原处理意见，责成重新办理"),
    "recheck_request": ("信访人不服复查意见，申请复核",),
    "recheck": ("复核意见：维持复查意见", "复核意见：同一事实和理由不再受理"),
    "follow_up": ("电话回访，信访人表示认可", "回访：信访人对处理结果基本认可", "回访未接通"),
    "evaluate": ("评价：满意", "评价：基本满意", "评价：不满意"),
}
NOTES: tuple[str, ...] = tuple(n for pool in _NOTE_POOLS.values() for n in pool)
_NOTE_BASE: dict[str, int] = {}
_i = 0
for _k, _pool in _NOTE_POOLS.items():
    _NOTE_BASE[_k] = _i
    _i += len(_pool)

# phases: ordering within a case (routing by hop order, the rest by time)
_ROUTE, _ACCEPT, _HANDLE, _REPLY, _CLOSE, _POST = range(6)


@dataclass
class Log:
    """The event log as integer columns, plus the per-case facts derived from it."""

    case: np.ndarray
    at: np.ndarray
    action: np.ndarray
    from_unit: np.ndarray
    to_unit: np.ndarray
    actor: np.ndarray
    role: np.ndarray  # -1 none, 0 lead, 1 co
    note: np.ndarray
    share: np.ndarray  # NaN where none
    seq: np.ndarray
    cases: dict[str, np.ndarray]


class _Ev:
    """Accumulates event blocks."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray]] = []

    def add(self, case, at, action, frm, to=-1, phase=_HANDLE, sub=0.0, note=-1, role=-1, share=np.nan) -> None:
        case = np.asarray(case, dtype=np.int64)
        n = len(case)
        if n == 0:
            return

        def full(v, dtype):
            a = np.asarray(v)
            return np.broadcast_to(a, (n,)).astype(dtype) if a.ndim == 0 else a.astype(dtype)

        self.blocks.append({
            "case": case, "at": full(at, np.int64), "action": full(action, np.int64),
            "from": full(frm, np.int64), "to": full(to, np.int64), "phase": full(phase, np.int64),
            "sub": full(sub, np.float64), "note": full(note, np.int64), "role": full(role, np.int64),
            "share": full(share, np.float64),
        })

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([b[k] for b in self.blocks]) for k in self.blocks[0]}


def _lognormal_days(rng: np.random.Generator, n: int, median: float | np.ndarray, sigma: float | np.ndarray,
                    cap: float = 400.0) -> np.ndarray:
    return np.minimum(rng.lognormal(np.log(median), sigma, n), cap)


def _ms(days: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(days) * DAY / 1000.0).astype(np.int64) * 1000


def _note(rng: np.random.Generator, key: str, n: int) -> np.ndarray:
    return _NOTE_BASE[key] + rng.integers(0, len(_NOTE_POOLS[key]), n)


def _siblings(ctx: Ctx) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Units under the same parent that could wrongly receive (or co-handle) a matter:
    ((padded parent → children matrix, counts), parent of each unit)."""
    u = ctx.city.units
    parent = u["parent"].to_numpy()
    ok = (u["kind"].to_numpy() != "信访部门") & (parent >= 0) & (u["level_no"].to_numpy() >= 1)
    idx = np.flatnonzero(ok)
    return padded(parent[idx], idx, len(u)), parent


def _seq(case: np.ndarray) -> np.ndarray:
    """0..k-1 within each run of equal (sorted) case codes."""
    starts = np.flatnonzero(group_starts(case))
    lengths = np.diff(np.r_[starts, len(case)])
    return np.arange(len(case)) - np.repeat(starts, lengths)


def build_events(ctx: Ctx, matters: pd.DataFrame, cases: pd.DataFrame, rng: np.random.Generator) -> Log:
    """The whole event log of ``cases`` and the case fields that follow from it."""
    city, cal = ctx.city, ctx.cal
    n = len(cases)
    lvl = ctx.unit_level
    received = cases["received"].to_numpy()
    reg = cases["reg_unit"].to_numpy()
    resp = cases["resp"].to_numpy()
    route = cases["route_kind"].to_numpy()
    dur_kind = cases["dur_kind"].to_numpy()
    pattern = cases["pattern"].to_numpy()
    channel = cases["channel"].to_numpy()
    m = cases["matter"].to_numpy()
    demand = matters["demand"].to_numpy()[m]
    county_bureau = city.counties["bureau"].to_numpy()
    resp_county = ctx.unit_county[resp]
    lvl_r, lvl_u = lvl[reg], lvl[resp]
    (sib_mat, sib_cnt), parent = _siblings(ctx)
    ev = _Ev()

    # ---------------------------------------------------------------- register
    ev.add(np.arange(n), received, A["register"], reg, -1, _ROUTE, -1.0,
           _NOTE_BASE["register"] + channel)

    # ---------------------------------------------------------------- routing (normal cases)
    normal = np.flatnonzero(route == 0)
    k = len(normal)
    nodes = np.full((k, 8), -1, dtype=np.int64)
    r_lvl, u_lvl, nr, nu = lvl_r[normal], lvl_u[normal], reg[normal], resp[normal]
    nodes[:, 0] = np.where(r_lvl == 5, nr, -1)
    nodes[:, 1] = np.where(r_lvl >= 4, city.province_bureau, -1)
    nodes[:, 2] = np.where(r_lvl >= 3, city.city_bureau, -1)
    via_county = (u_lvl <= 2) & ((r_lvl == 2) | (rng.random(k) < 0.75))
    nodes[:, 3] = np.where(via_county, county_bureau[np.maximum(resp_county[normal], 0)], -1)
    nodes[:, 4] = np.where(u_lvl == 0, parent[nu], -1)
    wrong = pick_padded(rng, sib_mat, sib_cnt, np.maximum(parent[nu], 0))
    returned = (rng.random(k) < 0.04) & (wrong >= 0) & (wrong != nu) & (parent[nu] >= 0) & (pattern[normal] != 3)
    # the rightmost present node among the bureaus is the one that routed the matter
    rightmost = np.where(nodes[:, :5] >= 0, np.arange(5), -1).max(axis=1)
    last_bureau = nodes[np.arange(k), np.maximum(rightmost, 0)]
    bureau_col = np.where(nodes[:, :4] >= 0, np.arange(4), -1).max(axis=1)
    urger = reg.copy()  # the bureau that sent the matter down urges it (buck-passing: the registrar)
    urger[normal] = nodes[np.arange(k), np.maximum(bureau_col, 0)]
    nodes[:, 5] = np.where(returned, wrong, -1)
    nodes[:, 6] = np.where(returned, last_bureau, -1)
    nodes[:, 7] = nu
    flat = nodes.ravel()
    col = np.tile(np.arange(8), k)
    row = np.repeat(np.arange(k), 8)
    keep = flat >= 0
    flat, col, row = flat[keep], col[keep], row[keep]
    pair = row[1:] == row[:-1]
    h_from, h_to, h_col, h_row = flat[:-1][pair], flat[1:][pair], col[1:][pair], row[1:][pair]
    nh = len(h_from)
    to_resp = h_col == 7
    assign = (rng.random(nh) < 0.35) | (lvl[h_from] == 1)
    h_action = np.where(h_col == 6, A["return"], np.where((h_col >= 5) & assign, A["assign"], A["transfer"]))
    after_return = to_resp & returned[h_row]
    med = np.where(h_col == 6, 4.0, np.where(after_return, 2.0, np.where(h_col >= 5, 1.5, 1.0)))
    lag = _lognormal_days(rng, nh, med, np.where(h_col == 6, 0.5, 0.9), 40.0)
    h_case = normal[h_row]
    h_order = h_col.astype(np.float64)

    # ---------------------------------------------------------------- routing (buck-passing)
    bp_case, bp_from, bp_to, bp_act, bp_order = [], [], [], [], []
    pp_first = matters["pp_first"].to_numpy()[m] if "pp_first" in matters else np.full(n, -1)
    pp_other = matters["pp_other"].to_numpy()[m] if "pp_other" in matters else np.full(n, -1)
    for variant, hops in BUCK_ROUTES.items():
        cs = np.flatnonzero(route == variant)
        if not len(cs):
            continue
        who = {"B": reg[cs], "A": pp_first[cs], "X": pp_other[cs]}
        for j, (f, t, act) in enumerate(hops):
            bp_case.append(cs)
            bp_from.append(who[f])
            bp_to.append(who[t])
            bp_act.append(np.full(len(cs), A[act]))
            bp_order.append(np.full(len(cs), float(j)))
    if bp_case:
        c_ = np.concatenate(bp_case)
        h_case = np.concatenate([h_case, c_])
        h_from = np.concatenate([h_from, np.concatenate(bp_from)])
        h_to = np.concatenate([h_to, np.concatenate(bp_to)])
        h_action = np.concatenate([h_action, np.concatenate(bp_act)])
        h_order = np.concatenate([h_order, np.concatenate(bp_order)])
        lag = np.concatenate([lag, _lognormal_days(rng, len(c_), 6.0, 0.5, 40.0)])
    o = np.lexsort((h_order, h_case))
    h_case, h_from, h_to, h_action, h_order, lag = (x[o] for x in (h_case, h_from, h_to, h_action, h_order, lag))
    starts = group_starts(h_case)
    pos = _seq(h_case)
    h_at = np.zeros(len(h_case), dtype=np.int64)
    for j in range(int(pos.max(initial=-1)) + 1):  # a handful of hop positions
        rows = np.flatnonzero(pos == j)
        prev = received[h_case[rows]] if j == 0 else h_at[rows - 1]
        h_at[rows] = cal.advance(rng, prev, lag[rows])
    # the final hop of each case delivers the matter to the responsible unit
    ends = np.r_[np.flatnonzero(starts)[1:] - 1, len(h_case) - 1]
    final = np.zeros(len(h_case), dtype=bool)
    final[ends] = True
    arrival = np.full(n, np.iinfo(np.int64).max)
    arrival[h_case[final]] = h_at[final]
    assigner = np.full(n, -1)
    assigner[h_case[final]] = h_from[final]

    # co-handling (主办/协办): the final assignment names a lead and 1-4 co-handling units
    co = np.zeros(n, dtype=bool)
    co[normal] = (rng.random(k) < 0.03) & (lvl_u[normal] >= 1) & (sib_cnt[np.maximum(parent[nu], 0)] >= 3)
    h_role = np.full(len(h_case), -1)
    h_share = np.full(len(h_case), np.nan)
    fin_co = final & co[h_case]
    h_role[fin_co] = 0
    h_action[fin_co] = A["assign"]
    co_cases = np.flatnonzero(co)
    n_co = np.minimum(rng.integers(1, 5, len(co_cases)), sib_cnt[parent[resp[co_cases]]] - 1)
    c_rep = np.repeat(co_cases, n_co)
    j0 = np.repeat(rng.integers(0, 1 << 30, len(co_cases)), n_co)
    step = np.arange(len(c_rep)) - np.repeat(np.r_[0, np.cumsum(n_co)[:-1]], n_co)
    par = parent[resp[c_rep]]
    cnt = sib_cnt[par]
    # walk the sibling list from a random start, skipping the lead unit itself
    pos = (j0 + step) % cnt
    cand = sib_mat[par, pos]
    ok = (cand >= 0) & (cand != resp[c_rep])
    c_rep, cand = c_rep[ok], cand[ok]
    with_share = rng.random(n) < 0.5
    lead_share = np.round(rng.uniform(0.4, 0.7, n) / 0.05) * 0.05
    n_co_real = np.bincount(c_rep, minlength=n)
    co_share = np.where(n_co_real > 0, np.round((1 - lead_share) / np.maximum(n_co_real, 1), 2), np.nan)
    lead_adj = 1 - co_share * n_co_real
    # a case whose candidates were all filtered out has no co-handling unit: no lead role either
    lone = fin_co & (n_co_real[h_case] == 0)
    h_role[lone] = -1
    fin_co &= ~lone
    fin_cases = h_case[fin_co]
    h_share[fin_co] = np.where(with_share[fin_cases] & (n_co_real[fin_cases] > 0), lead_adj[fin_cases], np.nan)
    ev.add(h_case, h_at, h_action, h_from, h_to, _ROUTE, h_order,
           np.where(h_action == A["return"], _note(rng, "return", len(h_case)),
                    np.where(h_action == A["assign"], _note(rng, "assign", len(h_case)), _note(rng, "transfer", len(h_case)))),
           h_role, h_share)
    ev.add(c_rep, arrival[c_rep], A["assign"], assigner[c_rep], cand, _ROUTE, 99.0, _note(rng, "co", len(c_rep)),
           1, np.where(with_share[c_rep], co_share[c_rep], np.nan))

    # ---------------------------------------------------------------- accept / reject
    reject = (route == 0) & np.isin(pattern, [0, 3]) & (rng.random(n) < 0.03)
    acc_lag = np.where(reject, _lognormal_days(rng, n, 3.0, 0.6, 30), _lognormal_days(rng, n, 2.5, 0.8, 45))
    acc_at = cal.advance(rng, arrival, acc_lag)
    rj = np.flatnonzero(reject)
    ev.add(rj, acc_at[rj], A["reject"], resp[rj], -1, _ACCEPT, 0.0, _note(rng, "reject", len(rj)))
    ac = np.flatnonzero(~reject)
    ev.add(ac, acc_at[ac], A["accept"], resp[ac], -1, _ACCEPT, 0.0, _note(rng, "accept", len(ac)))

    # ---------------------------------------------------------------- handling time
    unit_factor = rng.lognormal(0.0, 0.25, city.n_units)
    base = 21.0 * unit_factor[resp]
    base = np.where(demand == 4, 8.0 * unit_factor[resp], base)
    base = np.where(np.isin(pattern, [4, 5]), 30.0, base)
    dur = np.select(
        [dur_kind == 1, dur_kind == 2],
        [rng.lognormal(np.log(58.0), 0.45, n), rng.lognormal(np.log(42.0), 0.6, n)],
        rng.lognormal(np.log(base), 0.75, n),
    )
    stuck = ~reject & (received < ctx.end_ms - 150 * DAY) & (
        ((dur_kind == 0) & (rng.random(n) < 0.006)) | ((dur_kind == 1) & (rng.random(n) < 0.08)))
    extend = ~reject & ~stuck & (dur_kind == 0) & (dur > 60) & (dur <= 95) & (rng.random(n) < 0.5)
    day_ms = (acc_at - cal.first_ms) // DAY * DAY + cal.first_ms
    due_end = day_ms + 61 * DAY  # the end of the 60th day after acceptance
    inf = np.iinfo(np.int64).max // 4
    reply_at = np.where(stuck | reject, inf, cal.snap_office(rng, acc_at + _ms(dur)))
    reply_at = np.maximum(reply_at, acc_at + 10 * MINUTE)
    late = ~reject & (reply_at > due_end + np.where(extend, 30 * DAY, 0))

    # urge (催办), supervise (督办), extend (延期): only before the reply
    supervisor = np.where(lvl_u <= 2, city.city_bureau, city.province_bureau)
    live = ~reject
    for cond, lo, hi, key, frm, anchor in (
        (live & ((dur > 40) | stuck), 28, 40, "urge", urger, acc_at),
        (live & ((dur > 52) | stuck), 45, 55, "urge", urger, acc_at),
        (live & (rng.random(n) < 0.04), 3, 30, "urge", urger, acc_at),
        (live & (late | stuck), 1, 10, "supervise", supervisor, due_end),
        (live & (((reply_at - due_end) > 30 * DAY) | stuck), 25, 45, "supervise", supervisor, due_end),
        (live & stuck, 70, 110, "supervise", supervisor, due_end),
    ):
        idx = np.flatnonzero(cond)
        at = cal.snap_office(rng, anchor[idx] + _ms(rng.uniform(lo, hi, len(idx))))
        keep = at < reply_at[idx]
        idx, at = idx[keep], at[keep]
        ev.add(idx, at, A[key], frm[idx], resp[idx], _HANDLE, 0.0, _note(rng, key, len(idx)))
    idx = np.flatnonzero(extend)
    at = cal.snap_office(rng, acc_at[idx] + _ms(rng.uniform(40, 58, len(idx))))
    at = np.minimum(at, reply_at[idx] - MINUTE)
    ev.add(idx, at, A["extend"], resp[idx], urger[idx], _HANDLE, 0.0, _note(rng, "extend", len(idx)))

    # ---------------------------------------------------------------- reply, close, evaluation
    replied = np.flatnonzero(reply_at < inf)
    outcome = rng_choice(rng, len(replied), [0.32, 0.53, 0.15])
    ev.add(replied, reply_at[replied], A["reply"], resp[replied], -1, _REPLY, 0.0, _NOTE_BASE["reply"] + outcome)
    same_day = rng.random(n) < 0.5
    close_lag = np.where(same_day, 0.0, _lognormal_days(rng, n, 2.0, 0.8, 30))
    close_at = np.full(n, inf)
    close_at[replied] = cal.advance(rng, reply_at[replied], close_lag[replied])
    ev.add(replied, close_at[replied], A["close"], resp[replied], -1, _CLOSE, 0.0, _note(rng, "close", len(replied)))

    evaluated = rng.random(n) < 0.9
    p_ok = np.array([0.64, 0.28, 0.08])
    p_late = np.array([0.30, 0.35, 0.35])
    sat_u = np.where(late, rng_choice(rng, n, p_late), rng_choice(rng, n, p_ok))
    no_eval = np.where(rng.random(n) < 0.6, SAT["not_evaluated"], SAT["overdue"])
    sat_u = np.where(evaluated, sat_u, no_eval)
    sat_o = np.where(rng.random(n) < 0.8, sat_u, rng_choice(rng, n, p_ok))
    sat_o = np.where(evaluated, sat_o, no_eval)
    eval_day = (close_at + _ms(_lognormal_days(rng, n, 4.0, 0.7, 25)) - cal.first_ms) // DAY * DAY + cal.first_ms
    eval_at = np.maximum(eval_day + time_of_day(rng, n, np.ones(n, dtype=np.int64)), close_at + 10 * MINUTE)
    ev_idx = replied[evaluated[replied]]
    ev.add(ev_idx, eval_at[ev_idx], A["evaluate"], resp[ev_idx], -1, _POST, 0.0, _NOTE_BASE["evaluate"] + sat_u[ev_idx])
    eval_o_at = eval_at + rng.integers(1, 60, n) * MINUTE
    ev.add(ev_idx, eval_o_at[ev_idx], A["evaluate"], reg[ev_idx], -1, _POST, 0.0, _NOTE_BASE["evaluate"] + sat_o[ev_idx])
    fu = replied[rng.random(len(replied)) < 0.3]
    fu_at = cal.advance(rng, close_at[fu], rng.uniform(3, 30, len(fu)))
    ev.add(fu, fu_at, A["follow_up"], resp[fu], -1, _POST, 0.0, _note(rng, "follow_up", len(fu)))

    # ---------------------------------------------------------------- review and recheck
    upper = city.units["upper"].to_numpy()
    up1 = upper[resp]
    p_rev = np.where(sat_u == SAT["dissatisfied"], 0.3, 0.006) * np.where(np.isin(pattern, [4, 5]), 2.0, 1.0)
    rev = replied[(rng.random(len(replied)) < p_rev[replied]) & (up1[replied] >= 0)]
    rr_at = cal.snap_office(rng, close_at[rev] + _ms(rng.uniform(3, 28, len(rev))))
    rv_at = cal.snap_office(rng, rr_at + _ms(rng.uniform(10, 30, len(rev))))
    ev.add(rev, rr_at, A["review_request"], up1[rev], -1, _POST, 0.0, _note(rng, "review_request", len(rev)))
    ev.add(rev, rv_at, A["review"], up1[rev], -1, _POST, 0.0, _note(rng, "review", len(rev)))
    up2 = upper[np.maximum(up1, 0)]
    rc_sel = (rng.random(len(rev)) < 0.35) & (up2[rev] >= 0)
    rc, rv_at_rc = rev[rc_sel], rv_at[rc_sel]
    qq_at = cal.snap_office(rng, rv_at_rc + _ms(rng.uniform(3, 28, len(rc))))
    rk_at = cal.snap_office(rng, qq_at + _ms(rng.uniform(10, 30, len(rc))))
    ev.add(rc, qq_at, A["recheck_request"], up2[rc], -1, _POST, 0.0, _note(rng, "recheck_request", len(rc)))
    ev.add(rc, rk_at, A["recheck"], up2[rc], -1, _POST, 0.0, _note(rng, "recheck", len(rc)))

    # ---------------------------------------------------------------- order, cut, actors
    e = ev.concat()
    sub = np.where(e["phase"] == _ROUTE, e["sub"], e["at"].astype(np.float64))
    o = np.lexsort((sub, e["phase"], e["case"]))
    e = {kk: v[o] for kk, v in e.items()}
    at = e["at"]
    # times never go back within a case (a grouped running maximum; later times are cut anyway)
    at = np.minimum(at, ctx.end_ms + DAY)
    lo = int(at.min())
    span = ctx.end_ms + DAY - lo + 1
    if n * span >= np.iinfo(np.int64).max:  # pragma: no cover - beyond 90 million cases
        raise ValueError("too many cases for one event log")
    key = e["case"] * span + (at - lo)
    at = np.maximum.accumulate(key) - e["case"] * span + lo
    keep = at < ctx.end_ms
    e = {kk: v[keep] for kk, v in e.items()}
    at = at[keep]
    hmat, hcnt = city.role_matrix(("handler",))
    actor = pick_padded(rng, hmat, hcnt, e["from"])
    seq = _seq(e["case"])

    # ---------------------------------------------------------------- case fields from the kept log
    def when(action: str, extra: np.ndarray | None = None) -> np.ndarray:
        sel = e["action"] == A[action]
        if extra is not None:
            sel &= extra
        out = np.full(n, -1, dtype=np.int64)
        out[e["case"][sel]] = at[sel]
        return out

    arrived = np.full(n, -1, dtype=np.int64)
    is_route = (e["phase"] == _ROUTE) & (e["to"] == resp[e["case"]]) & (e["role"] != 1) & np.isin(
        e["action"], [A["transfer"], A["assign"]])
    # the last delivery to the responsible unit (a ping-pong may deliver more than once)
    arrived[e["case"][is_route]] = at[is_route]
    accepted = when("accept")
    rejected = when("reject") >= 0
    replied_at = when("reply")
    closed_at = when("close")
    ev_unit = when("evaluate", e["from"] == resp[e["case"]])
    ev_office = when("evaluate", e["from"] == reg[e["case"]])
    review_req = when("review_request") >= 0
    reviewed = when("review") >= 0
    recheck_req = when("recheck_request") >= 0
    rechecked = when("recheck") >= 0
    extended = when("extend") >= 0
    recent = (closed_at >= 0) & (ctx.end_ms - closed_at < 30 * DAY)
    sat_unit = np.where(ev_unit >= 0, sat_u, np.where(recent, SAT["pending"], np.where(evaluated, SAT["overdue"], no_eval)))
    sat_off = np.where(ev_office >= 0, sat_o, np.where(recent, SAT["pending"], np.where(evaluated, SAT["overdue"], no_eval)))
    sat_unit = np.where(closed_at >= 0, sat_unit, -1)
    sat_off = np.where(closed_at >= 0, sat_off, -1)
    acc_day = np.where(accepted >= 0, (accepted - cal.first_ms) // DAY * DAY + cal.first_ms, -1)
    due = np.where(accepted >= 0, acc_day + 60 * DAY, -1)
    overdue_open = (accepted >= 0) & (replied_at < 0) & (ctx.end_ms > due + DAY + np.where(extended, 30 * DAY, 0))
    status = np.select(
        [rechecked, recheck_req, reviewed, review_req, closed_at >= 0, replied_at >= 0, overdue_open,
         accepted >= 0, rejected],
        [8, 7, 6, 5, 4, 3, 2, 1, 9],
        0,
    )
    fields = {
        "arrived": arrived, "accepted": accepted, "due": due, "replied": replied_at, "closed": closed_at,
        "sat_unit": sat_unit, "sat_office": sat_off, "status": status, "extended": extended,
        "late_planned": late, "stuck": stuck,
    }
    return Log(e["case"], at, e["action"], e["from"], e["to"], actor, e["role"], e["note"], e["share"], seq, fields)


#: Workflow states as exported (信访件状态), by the codes of ``Log.cases['status']``.
STATUS: tuple[str, ...] = (
    "受理申请审查中", "办理中", "超期未作出处理意见", "已作出处理意见", "已办结", "复查", "已提出复查意见",
    "复核", "已提出复核意见", "不予受理",
)
