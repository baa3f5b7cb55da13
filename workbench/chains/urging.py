"""Does urging move cases? The supervision effect of 催办 (urge) and 督办 (supervise) (DESIGN §5:
"measured, not assumed").

Landmark design, compared within strata and case-age bands:

- **start** of a case's handling: its acceptance (受理), else its arrival at the responsible unit,
  else its registration; **end**: its reply (答复, ``replied_at`` or the first reply event), or a
  closure (办结) or a decision not to accept (不予受理) when that comes first — the matter has then
  left the open stock. Anchors are those of :mod:`workbench.rules.clocks`; nothing after ``as_of``
  has happened yet.
- **treated**: the first urge of each kind on a case that falls while the case is open (start ≤
  urge < end, urge ≤ as_of), at case age ``a`` days (``every=True``: every such urge). An urge
  after the reply, before the start, or on an unknown case is not treated; those are counted in
  ``.attrs["skipped"]``.
- **cell**: stratum (``by``, default responsible unit × category_l1; a missing value is its own
  level) × age band (default 0–15, 15–30, 30–45, 45–60, 60–90, 90+ days).
- **controls** of a cell: cases of the stratum still open at the cell's landmark age ``L`` — the
  median age of the cell's treated observations, so both groups start at the same age on average
  — and, by default (``controls="auto"``), for 催办 not urged or supervised at or before it,
  for 督办 (the escalation that usually follows 催办) not yet supervised, earlier urging allowed
  in both arms. ``controls="unurged"``: not urged or supervised for either kind;
  ``"not_same_kind"``: not yet given an action of the same kind, for either kind. Their clock starts at ``start + L``. A control urged later stays a control (the comparison is "urged now" against
  "not urged yet at this age"); a case may be a control in an early band and treated later.
- **outcome**: days from the landmark to the end, censored at ``as_of``. Kaplan–Meier estimates
  give the share answered within 7 / 15 / 30 days and the median days (the smallest time at which
  the survival curve is ≤ 0.5); ``NaN`` where follow-up is too short to say.
- **adjustment**: controls are weighted so that their cells carry the treated's cell mix (each
  control weighs treated-in-cell / controls-in-cell; exact matching on cells), the control curve
  is a weighted Kaplan–Meier. Treated observations in a cell without controls are not compared:
  they are counted as ``treated_unmatched`` and listed with ``detail="stratum"``.

This is observational. Urged cases are selected for being slow (a unit urges what is stalling),
so the comparison within strata and age bands is the only adjustment made, nothing more: a
difference may still be selection, not effect. Only case ids are returned, never petitioners
(DESIGN §9).

>>> import pandas as pd
>>> import workbench as wb
>>> cases = pd.DataFrame({"case_id": ["A", "B", "C"], "received_at": ["2025-01-01"] * 3,
...     "accepted_at": ["2025-01-02"] * 3, "replied_at": ["2025-01-25", "2025-02-21", "2025-02-21"],
...     "responsible_unit_id": ["住建局"] * 3, "category_l1": ["城乡建设"] * 3})
>>> events = pd.DataFrame({"case_id": ["A"], "at": ["2025-01-22"], "action": ["催办"]})
>>> book = wb.Casebook.from_frames(cases=cases, events=events, now="2025-06-01")
>>> e = urging_effect(book, as_of="2025-06-01")
>>> print(e[["kind", "treated_n", "control_n", "treated_median_days", "control_median_days"]
...       ].to_string(index=False))
     kind  treated_n  control_n  treated_median_days  control_median_days
     urge          1          2                  3.0                 30.0
supervise          0          0                  NaN                  NaN
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BANDS", "CONTROLS", "KINDS", "urging_effect", "urging_observations"]

#: the urging actions studied: 催办 and 督办
KINDS = ("urge", "supervise")
#: lower edges of the case-age bands, in days (the last band is open-ended)
BANDS = (0, 15, 30, 45, 60, 90)
_DAY_MS = 86_400_000
_NA = np.iinfo(np.int64).min
_UNIT_FIELDS = {"unit_level": "level", "unit_kind": "kind", "unit_region": "region_code"}
_DETAILS = (None, "band", "stratum")
#: who may be a control: not urged at all by the landmark, or not yet by the same kind
CONTROLS = ("auto", "unurged", "not_same_kind")

METHOD = (
    "Landmark comparison within strata and case-age bands. Handling starts at acceptance (else "
    "arrival, else registration) and ends at the reply (or a closure / non-acceptance before any "
    "reply). Treated: the {which} of each kind on a case while it is open (started, not yet "
    "answered, on or before as_of), at case age a. Cells: stratum ({by}) x age band ({bands} days). "
    "Controls of a cell: cases of the same stratum still open at the cell's landmark age L (the "
    "median age of the cell's treated observations) and {prior} at or before it; "
    "their clock starts at start + L; a control urged later stays a control. Outcome: days from the "
    "landmark to the reply, censored at as_of {as_of}; shares answered within {within} days and the "
    "median are Kaplan-Meier estimates (NaN where follow-up is too short). Controls are weighted to "
    "the treated's cell mix (treated-in-cell / controls-in-cell) and their curve is a weighted "
    "Kaplan-Meier; treated observations in cells without controls are not compared and are counted "
    "as treated_unmatched. diff = treated - control."
)
_PRIOR = {"auto": "for urging, not urged or supervised; for supervision (督办, the escalation that usually "
                  "follows urging), not yet supervised, earlier urging allowed in both arms",
          "unurged": "not urged or supervised (any studied kind)",
          "not_same_kind": "not yet given an action of the same kind (earlier actions of another kind are allowed in both arms)"}
CAVEAT = (
    "Observational, not an experiment: urged and supervised cases are selected for being slow, so the "
    "comparison within strata and age bands is the only adjustment made, nothing more. A difference "
    "may reflect that selection rather than an effect of urging."
)


@dataclass
class _Obs:
    """Landmark observations as arrays (internal)."""

    kind: np.ndarray  # index into kinds
    treated: np.ndarray  # bool
    ci: np.ndarray  # case position
    strat: np.ndarray  # stratum code
    band: np.ndarray  # band index
    landmark: np.ndarray  # ms
    age: np.ndarray  # ms since start
    time: np.ndarray  # ms from landmark to end or as_of
    event: np.ndarray  # bool: answered by as_of
    weight: np.ndarray  # float
    matched: np.ndarray  # bool: its cell has both arms
    strata: pd.DataFrame  # one row per stratum code: the by values
    skipped: dict[str, int]
    as_of: pd.Timestamp


def _ms(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="datetime64[ms]", na_value=np.datetime64("NaT")).astype(np.int64)


def _strata(book, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Stratum code per case and the by values of each code (missing is its own level)."""
    cases = book.cases
    n = len(cases)
    code = np.zeros(n, dtype=np.int64)
    cols: dict[str, pd.Series] = {}
    for col in by:
        if col in _UNIT_FIELDS:
            field = _UNIT_FIELDS[col]
            units = book.units
            if len(units) and field in units:
                look = units.drop_duplicates("unit_id").set_index("unit_id")[field]
                vals = pd.Series(look.reindex(cases["responsible_unit_id"]).to_numpy(), index=cases.index)
            else:
                vals = pd.Series(pd.array([pd.NA] * n, dtype="str"), index=cases.index)
        elif col in cases:
            vals = cases[col]
        else:
            raise ValueError(f"urging: unknown stratum column {col!r}; use case columns or {sorted(_UNIT_FIELDS)}")
        c, uniq = pd.factorize(vals, use_na_sentinel=False)
        code = code * max(len(uniq), 1) + c.astype(np.int64)
        code, _ = pd.factorize(code)  # keep the codes compact
        code = code.astype(np.int64)
        cols[col] = vals
    ns = int(code.max()) + 1 if n else 0
    first = np.full(ns, n, dtype=np.int64)
    np.minimum.at(first, code, np.arange(n))
    table = pd.DataFrame({k: v.iloc[first].reset_index(drop=True) for k, v in cols.items()}, index=range(ns))
    return code, table


def _observations(book, kind: Sequence[str], by: Sequence[str], as_of: object, bands: Sequence[float],
                  every: bool, controls: str) -> _Obs:
    import pyarrow as pa
    import pyarrow.compute as pc

    from .._fast import arrow_strings
    from ..rules.clocks import cached_clocks, event_case_index

    kinds = tuple(kind)
    if controls not in CONTROLS:
        raise ValueError(f"urging: controls must be one of {CONTROLS}, not {controls!r}")
    edges = np.asarray(sorted(bands), dtype=float)
    if not len(edges) or edges[0] != 0:
        edges = np.r_[0.0, edges[edges > 0]]
    edges_ms = (edges * _DAY_MS).astype(np.int64)
    nb = len(edges)
    cs = cached_clocks(book, None, as_of)
    now = int(cs.as_of.value // 1_000_000)
    t = cs.anchors.times  # type: ignore[union-attr]
    n = len(book.cases)
    start = t["accept"].copy()
    for alt in ("arrive", "register"):
        start = np.where(start == _NA, t[alt], start)
    big = np.iinfo(np.int64).max
    end = np.full(n, big)
    for a in ("reply", "close", "reject"):
        e = t[a]
        # an end before the start is a record out of order: it does not end the handling
        ok = (e != _NA) & (e <= now) & ((start == _NA) | (e >= start))
        end = np.where(ok & (e < end), e, end)
    strat, table = _strata(book, by)

    # urging events: kind code, case, time
    ev = book.events
    skipped = {"unknown_case": 0, "after_as_of": 0, "no_start": 0, "before_start": 0, "after_reply": 0,
               "repeat": 0}
    if len(ev) and kinds:
        code = pc.index_in(arrow_strings(ev["action"]), value_set=pa.array(list(kinds), type=pa.large_string()))
        code = code.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        rows = np.flatnonzero(code >= 0)
        k, ci = code[rows], event_case_index(book)[rows]
        at = _ms(ev["at"])[rows]
    else:
        k = ci = at = np.zeros(0, dtype=np.int64)
    bad = (ci < 0) | (at == _NA)
    skipped["unknown_case"] = int(bad.sum())
    k, ci, at = k[~bad], ci[~bad], at[~bad]
    late = at > now
    skipped["after_as_of"] = int(late.sum())
    k, ci, at = k[~late], ci[~late], at[~late]
    # first urging per case (of any studied kind, or of each kind): a control must not have had
    # one by its landmark
    nk = len(kinds)
    flat = np.full(nk * n, big)
    np.minimum.at(flat, k * n + ci, at)
    first_kind = flat.reshape(nk, n)
    first_any = first_kind.min(axis=0) if nk else np.full(n, big)
    s = start[ci]
    no_start = s == _NA
    before = ~no_start & (at < s)
    after = ~no_start & ~before & (at >= end[ci])
    skipped["no_start"], skipped["before_start"], skipped["after_reply"] = (
        int(no_start.sum()), int(before.sum()), int(after.sum()))
    live = ~(no_start | before | after)
    k, ci, at = k[live], ci[live], at[live]
    if not every and len(k):
        # stable sort by (kind, case, time, source order) keeps the first of each kind per case
        order = np.lexsort((at, ci, k))
        k, ci, at = k[order], ci[order], at[order]
        head = np.r_[True, (k[1:] != k[:-1]) | (ci[1:] != ci[:-1])]
        skipped["repeat"] = int((~head).sum())
        k, ci, at = k[head], ci[head], at[head]
    age = at - start[ci]
    band = np.searchsorted(edges_ms, age, side="right") - 1
    ns = max(len(table), 1)
    cell = (k * ns + strat[ci]) * nb + band  # per kind, stratum and band

    # landmark age per cell: the median age of its treated observations
    cells, inv, t_count = np.unique(cell, return_inverse=True, return_counts=True)
    land = pd.Series(age.astype(float)).groupby(inv).median().to_numpy().round().astype(np.int64) \
        if len(cells) else np.zeros(0, dtype=np.int64)

    # controls: every started case of the cell's stratum, then the eligibility rules
    c_strat = (cells // nb) % ns if len(cells) else np.zeros(0, dtype=np.int64)
    has = np.flatnonzero((start != _NA) & (start <= now))
    order = has[np.argsort(strat[has], kind="stable")]
    size = np.bincount(strat[order], minlength=ns)
    offset = np.r_[0, np.cumsum(size)[:-1]]
    reps = size[c_strat]
    pc_cell = np.repeat(np.arange(len(cells)), reps)
    within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    pj = order[np.repeat(offset[c_strat], reps) + within]
    mark = start[pj] + land[pc_cell]
    c_kind = cells[pc_cell] // (nb * ns)
    if controls == "auto":  # 督办 escalates after 催办: its controls may have been urged, not supervised
        escalation = np.array([kk == "supervise" for kk in kinds] + [False], dtype=bool)
        prior = np.where(escalation[c_kind], first_kind[c_kind, pj] if nk else first_any[pj], first_any[pj])
    else:
        prior = first_any[pj] if controls == "unurged" else first_kind[c_kind, pj]
    ok = (mark <= now) & (end[pj] > mark) & (prior > mark)
    pc_cell, pj, mark, c_kind = pc_cell[ok], pj[ok], mark[ok], c_kind[ok]
    c_count = np.bincount(pc_cell, minlength=len(cells))
    matched_cell = c_count > 0
    w = t_count[pc_cell] / c_count[pc_cell]

    def outcome(landmark: np.ndarray, cj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = end[cj]
        answered = e <= now
        return np.where(answered, e, now) - landmark, answered

    t_time, t_event = outcome(at, ci)
    c_time, c_event = outcome(mark, pj)
    return _Obs(
        kind=np.r_[k, c_kind], treated=np.r_[np.ones(len(k), bool), np.zeros(len(pj), bool)],
        ci=np.r_[ci, pj], strat=np.r_[strat[ci], strat[pj]], band=np.r_[band, cells[pc_cell] % nb],
        landmark=np.r_[at, mark], age=np.r_[age, land[pc_cell]], time=np.r_[t_time, c_time],
        event=np.r_[t_event, c_event], weight=np.r_[np.ones(len(k)), w],
        matched=np.r_[matched_cell[inv], np.ones(len(pj), bool)], strata=table, skipped=skipped,
        as_of=cs.as_of,
    )


def _band_labels(bands: Sequence[float]) -> list[str]:
    e = sorted({0.0, *(float(b) for b in bands if b > 0)})
    fmt = [f"{x:g}" for x in e]
    return [f"{a}–{b}" for a, b in zip(fmt, fmt[1:], strict=False)] + [f"{fmt[-1]}+"]


def _km(g: np.ndarray, t: np.ndarray, e: np.ndarray, w: np.ndarray, ng: int, horizons: np.ndarray
        ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted Kaplan–Meier per group: S at each horizon (ng × h) and the median (ng).

    Rows are ordered by group, time, answers before censorings; a row's factor is 1 − w / (weight
    still at risk), and the product over tied answers telescopes to the usual 1 − d / n.
    """
    s_h = np.full((ng, len(horizons)), np.nan)
    med = np.full(ng, np.nan)
    if not len(g):
        return s_h, med
    order = np.lexsort((~e, t, g))
    g, t, e, w = g[order], t[order], e[order], w[order].astype(float)
    start = np.searchsorted(g, np.arange(ng))
    stop = np.searchsorted(g, np.arange(ng), side="right")
    cum = np.cumsum(w)
    before = np.r_[0.0, cum][start]  # weight of earlier groups
    total = np.r_[0.0, cum][stop] - before
    at_risk = total[g] - (cum - w - before[g])
    factor = np.where(e, np.clip(1.0 - w / np.maximum(at_risk, 1e-300), 0.0, 1.0), 1.0)
    surv = pd.Series(factor).groupby(g, sort=False).cumprod().to_numpy()
    last_t = np.where(stop > start, t[np.maximum(stop - 1, 0)], -1)
    last_s = np.where(stop > start, surv[np.maximum(stop - 1, 0)], np.nan)
    key = (g.astype(np.int64) << 42) | np.clip(t, 0, (1 << 42) - 1)
    for j, h in enumerate(horizons):
        pos = np.searchsorted(key, (np.arange(ng, dtype=np.int64) << 42) | int(h), side="right") - 1
        val = np.where(pos >= start, surv[np.maximum(pos, 0)], 1.0)
        known = (stop > start) & ((last_t >= h) | (last_s <= 1e-12))
        s_h[:, j] = np.where(known, val, np.nan)
    hit = np.flatnonzero(surv <= 0.5 + 1e-12)
    if len(hit):
        gh = g[hit]
        first = np.r_[True, gh[1:] != gh[:-1]]
        med[gh[first]] = t[hit[first]] / _DAY_MS
    return s_h, med


def urging_observations(book, *, kind: Sequence[str] = KINDS,
                        by: Sequence[str] = ("responsible_unit_id", "category_l1"), as_of: object = None,
                        bands: Sequence[float] = BANDS, every: bool = False, controls: str = "auto"
                        ) -> pd.DataFrame:
    """The landmark observations behind :func:`urging_effect`, one row per treated urge and per
    control case at its cell's landmark: kind, arm (treated / control), case_id, the ``by``
    columns, band, age_days (case age at the landmark), landmark, days (to the reply, or to
    ``as_of`` when not answered), answered, weight (controls: treated-in-cell / controls-in-cell),
    matched (treated: its cell has controls).

    >>> import pandas as pd
    >>> import workbench as wb
    >>> cases = pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2025-01-01"] * 2,
    ...     "accepted_at": ["2025-01-02"] * 2, "replied_at": ["2025-01-25", None],
    ...     "responsible_unit_id": ["住建局"] * 2, "category_l1": ["城乡建设"] * 2})
    >>> events = pd.DataFrame({"case_id": ["A"], "at": ["2025-01-22"], "action": ["urge"]})
    >>> book = wb.Casebook.from_frames(cases=cases, events=events, now="2025-03-01")
    >>> o = urging_observations(book, as_of="2025-03-01")
    >>> o[["arm", "case_id", "band", "age_days", "days", "answered"]].values.tolist()
    [['treated', 'A', '15–30', 20.0, 3.0, True], ['control', 'B', '15–30', 20.0, 38.0, False]]
    """
    o = _observations(book, kind, by, as_of, bands, every, controls)
    kinds = list(kind)
    labels = _band_labels(bands)
    out = pd.DataFrame({
        "kind": pd.Categorical.from_codes(o.kind, categories=kinds),
        "arm": pd.Categorical.from_codes(np.where(o.treated, 0, 1), categories=["treated", "control"]),
        "case_id": book.cases["case_id"].take(o.ci).array,
    })
    for col in o.strata:
        out[col] = o.strata[col].take(o.strat).array
    out["band"] = pd.Categorical.from_codes(o.band, categories=labels)
    out["age_days"] = o.age / _DAY_MS
    out["landmark"] = o.landmark.astype("datetime64[ms]")
    out["days"] = o.time / _DAY_MS
    out["answered"] = o.event.astype(bool)
    out["weight"] = o.weight.astype(float)
    out["matched"] = o.matched.astype(bool)
    out.attrs.update(_attrs(o, kinds, by, bands, every, controls, (7, 15, 30)))
    return out


def _attrs(o: _Obs, kinds: list[str], by: Sequence[str], bands: Sequence[float], every: bool, controls: str,
           within: Sequence[int]) -> dict[str, object]:
    return {
        "method": METHOD.format(which="every urge" if every else "first urge", by=" x ".join(by) or "none",
                                prior=_PRIOR[controls],
                                bands=", ".join(_band_labels(bands)), as_of=o.as_of,
                                within=" / ".join(str(h) for h in within)),
        "caveat": CAVEAT, "observational": True, "as_of": o.as_of, "kinds": kinds, "by": list(by),
        "controls": controls, "every": every,
        "bands": _band_labels(bands), "skipped": dict(o.skipped),
    }


def urging_effect(book, *, kind: Sequence[str] = KINDS, by: Sequence[str] = ("responsible_unit_id", "category_l1"),
                  as_of: object = None, bands: Sequence[float] = BANDS, within: Sequence[int] = (7, 15, 30),
                  every: bool = False, controls: str = "auto", detail: str | None = None,
                  case_ids: bool = True) -> pd.DataFrame:
    """Time to reply after urging (催办/督办) against comparable cases not urged (see the module).

    One row per action kind (``detail="band"``: per kind and age band; ``"stratum"``: per kind and
    stratum, strata without controls included with ``control_n == 0``). Columns: treated_n (matched
    treated observations), treated_cases, treated_unmatched (in cells without controls, not
    compared), control_n (control observations), control_cases, control_effective_n (Kish, after
    weighting), ``{arm}_replied_{h}d`` (Kaplan–Meier share answered within h days) and ``diff_{h}d``
    (treated − control), treated/control_median_days and diff_median_days, treated/control_open (not
    answered by as_of), and treated/control_case_ids (lists). ``.attrs["method"]`` states the
    design, ``.attrs["caveat"]`` what it cannot show, ``.attrs["skipped"]`` the urges not counted.
    """
    if detail not in _DETAILS:
        raise ValueError(f"urging_effect: detail must be one of {_DETAILS}, not {detail!r}")
    o = _observations(book, kind, by, as_of, bands, every, controls)
    kinds = list(kind)
    nk = len(kinds)
    labels = _band_labels(bands)
    ns = len(o.strata)
    if detail == "band":
        sub, nsub = o.band, len(labels)
    elif detail == "stratum":
        sub, nsub = o.strat, ns
    else:
        sub, nsub = np.zeros(len(o.kind), dtype=np.int64), 1
    grp = o.kind * nsub + sub
    ng = nk * nsub
    tr, co = o.treated, ~o.treated
    use_t = tr & o.matched
    hz = np.asarray([int(h) * _DAY_MS for h in within], dtype=np.int64)
    t_s, t_med = _km(grp[use_t], o.time[use_t], o.event[use_t], o.weight[use_t], ng, hz)
    c_s, c_med = _km(grp[co], o.time[co], o.event[co], o.weight[co], ng, hz)

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(grp[mask], weights=None if weights is None else weights[mask], minlength=ng)

    def cases_of(mask: np.ndarray) -> tuple[np.ndarray, list[list[str]]]:
        pairs = np.sort(grp[mask].astype(np.int64) * max(len(book.cases), 1) + o.ci[mask])
        pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
        g, ci = pairs // max(len(book.cases), 1), pairs % max(len(book.cases), 1)
        n_cases = np.bincount(g, minlength=ng)
        if not case_ids:
            return n_cases, []
        ids = book.cases["case_id"].to_numpy(dtype=object)[ci]
        return n_cases, [list(x) for x in np.split(ids, np.cumsum(n_cases)[:-1])]

    t_cases, t_ids = cases_of(use_t)
    c_cases, c_ids = cases_of(co)
    sw, sw2 = count(co, o.weight), count(co, o.weight ** 2)
    out = pd.DataFrame({"kind": pd.Categorical(np.repeat(kinds, nsub), categories=kinds)})
    gk = np.arange(ng) % nsub
    if detail == "band":
        out["band"] = pd.Categorical.from_codes(gk, categories=labels)
    elif detail == "stratum":
        for col in o.strata:
            out[col] = o.strata[col].take(gk).array
    out["treated_n"] = count(use_t)
    out["treated_cases"] = t_cases
    out["treated_unmatched"] = count(tr & ~o.matched)
    out["control_n"] = count(co)
    out["control_cases"] = c_cases
    with np.errstate(divide="ignore", invalid="ignore"):
        out["control_effective_n"] = np.where(sw2 > 0, sw ** 2 / sw2, 0.0).round(1)
    for j, h in enumerate(within):
        out[f"treated_replied_{h}d"] = 1.0 - t_s[:, j]
        out[f"control_replied_{h}d"] = 1.0 - c_s[:, j]
        out[f"diff_{h}d"] = c_s[:, j] - t_s[:, j]
    out["treated_median_days"] = t_med
    out["control_median_days"] = c_med
    out["diff_median_days"] = t_med - c_med
    out["treated_open"] = count(use_t & ~o.event)
    out["control_open"] = count(co & ~o.event)
    if case_ids:
        out["treated_case_ids"] = t_ids
        out["control_case_ids"] = c_ids
    if detail is not None:  # only the rows with something urged
        out = out.loc[(out["treated_n"] + out["treated_unmatched"]) > 0].reset_index(drop=True)
    out.attrs.update(_attrs(o, kinds, by, bands, every, controls, within))
    return out
