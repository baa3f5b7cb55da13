"""Buck-passing (推诿): unit pairs that send matters back and forth.

For every unordered pair of units {A, B} that routed a case to each other (转送/交办/退回 between
them, lead routings only), counted over the custody chains of :mod:`.segments`:

- ``flow_ab`` / ``flow_ba``: routings A→B and B→A (``returns_ab`` / ``returns_ba`` of them 退回);
- ``cases``: distinct cases routed between the two;
- ``bounce_cases``: cases in which one of them sent the matter to the other and got it back
  (a return, or a transfer back: A→B→A) — the custody segment of the receiver is a ``bounce``;
- ``reciprocity`` = min(flow_ab, flow_ba) / max(flow_ab, flow_ba): 1 when as much goes each way,
  near 0 for the ordinary one-way flow from a petition bureau down to a department;
- ``bounce_rate`` = bounce_cases / cases, with ``bounce_rate_low``, its 95 % Wilson lower bound;
- ``refused_both``: cases that both units sent back (退回) to whoever gave it to them — passing
  a matter to each other through the petition bureau (A→bureau, bureau→B, B→bureau …);
- ``score`` = bounce_cases × reciprocity + refused_both: many matters bounced between two units
  that pass matters to each other in both directions, or that both refuse. Ranked by score
  (ties by bounce cases). ``case_ids`` lists the cases behind the score;
- ``flagged``: buck-passing worth a supervisor's look — at least ``min_flag`` (5) bounced or
  both-refused cases, a bounce rate significantly above the overall bounce rate of all routed
  pairs (its Wilson lower bound at the Bonferroni-corrected 5 % level for the number of pairs),
  and passing both ways (reciprocity ≥ 0.5, or ``min_flag`` matters both refused). A bureau
  whose assignments to one unit keep coming back (high bounce rate, one-way flow) is mis-routing
  or refusal, not mutual buck-passing: it stands out by ``bounce_rate_low`` instead.

With ``by="category_l1"`` (or any case column) the pairs are scored per category as well.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from .segments import cached_custody

__all__ = ["buck_passing"]


def buck_passing(book, policy: object = None, as_of: object = None, *, by: str | None = None,
                 min_cases: int = 1, min_flag: int = 5) -> pd.DataFrame:
    """Unit pairs ranked by how much they pass matters back and forth (推诿).

    Columns: unit_a, unit_b (ids, a < b), name_a, name_b, [by], flow_ab, flow_ba, returns_ab,
    returns_ba, cases, bounce_cases, bounce_ab (bounced back to A), bounce_ba, reciprocity,
    bounce_rate, bounce_rate_low, refused_both, late_days_bounced (days held in bounced segments
    while a clock was past its limit), days_bounced (days the bounced segments held the cases),
    score, rank, flagged, case_ids (the bounced and both-refused cases), all_case_ids.

    >>> import workbench as wb
    >>> ev = pd.DataFrame({"case_id": ["A", "A", "A", "B", "B", "B"],
    ...     "action": ["交办", "转送", "转送", "交办", "退回", "交办"],
    ...     "at": ["2025-01-03", "2025-01-05", "2025-01-09", "2025-01-04", "2025-01-06", "2025-01-07"],
    ...     "from_unit_id": ["局", "住建", "自然", "局", "住建", "局"],
    ...     "to_unit_id": ["住建", "自然", "住建", "住建", "局", "自然"]})
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B"],
    ...     "received_at": ["2025-01-02", "2025-01-02"], "registered_unit_id": ["局", "局"]}), events=ev)
    >>> bp = buck_passing(book)
    >>> print(bp[["unit_a", "unit_b", "flow_ab", "flow_ba", "bounce_cases", "score"]].to_string(index=False))
    unit_a unit_b  flow_ab  flow_ba  bounce_cases  score
        住建     自然        1        1             1    1.0
        住建      局        1        2             1    0.5
         局     自然        1        0             0    0.0
    """
    cu = cached_custody(book, policy, as_of)
    cases = book.cases
    routed = np.flatnonzero((cu.role == 0) & (cu.sender >= 0) & (cu.unit >= 0))
    snd, rcv, ci = cu.sender[routed], cu.unit[routed], cu.ci[routed]
    returned = np.zeros(len(cu), dtype=bool)
    # a segment that ended 'returned' means the next segment was started by a return
    ret_end = np.flatnonzero(cu.ended == 1)
    nxt = _next_lead(cu)
    has = nxt[ret_end] >= 0
    returned[nxt[ret_end[has]]] = True
    is_ret = returned[routed]
    a, b = np.minimum(snd, rcv), np.maximum(snd, rcv)
    ab = snd == a  # the routing goes from the pair's first unit to its second
    key = {"a": a, "b": b}
    if by is not None:
        codes_of_case, groups = pd.factorize(cases[by], use_na_sentinel=True)
        key["g"] = codes_of_case[ci]
    frame = pd.DataFrame({**key, "ci": ci, "ab": ab, "ba": ~ab, "ret_ab": is_ret & ab, "ret_ba": is_ret & ~ab,
                          "bounce": cu.bounce[routed], "over": _bounce_overdue(cu)[routed],
                          "held": np.where(cu.bounce[routed], cu.end[routed] - cu.start[routed], 0),
                          "both": False})
    frame = frame.loc[frame["a"] != frame["b"]]
    both = _refused_both(cu)
    if len(both):
        extra = {"a": both["a"], "b": both["b"], "ci": both["ci"]}
        if by is not None:
            extra["g"] = codes_of_case[both["ci"].to_numpy()]
        frame = pd.concat([frame, pd.DataFrame({**extra, "ab": False, "ba": False, "ret_ab": False, "ret_ba": False,
                                                "bounce": False, "over": 0.0, "held": 0, "both": True})],
                          ignore_index=True)
    frame["bounce_ab"] = frame["bounce"] & frame["ab"]  # A sent it to B and got it back
    frame["bounce_ba"] = frame["bounce"] & ~frame["ab"]
    keys = list(key)
    g = frame.groupby(keys, sort=False)
    out = g.agg(flow_ab=("ab", "sum"), flow_ba=("ba", "sum"), returns_ab=("ret_ab", "sum"),
                returns_ba=("ret_ba", "sum"), bounce_ab=("bounce_ab", "sum"),
                bounce_ba=("bounce_ba", "sum"), late_days_bounced=("over", "sum"), days_bounced=("held", "sum"),
                ).reset_index()
    ids = cases["case_id"].to_numpy(dtype=object)
    idx = pd.MultiIndex.from_frame(out[keys])

    def lists(sub: pd.DataFrame) -> list[list[str]]:
        if not len(sub):
            return [[] for _ in range(len(out))]
        per = sub.groupby(keys, sort=False)["ci"].agg(lambda s: ids[np.unique(s.to_numpy())].tolist())
        per.index = pd.MultiIndex.from_frame(per.index.to_frame()) if len(keys) > 1 else \
            pd.MultiIndex.from_arrays([per.index])
        got = per.reindex(idx)
        return [x if isinstance(x, list) else [] for x in got]

    bounced = lists(frame.loc[frame["bounce"]])
    refused = lists(frame.loc[frame["both"]])
    out["bounce_cases"] = [len(x) for x in bounced]
    out["refused_both"] = [len(x) for x in refused]
    out["case_ids"] = [list(dict.fromkeys(x + y)) for x, y in zip(bounced, refused, strict=True)]
    routed_lists = lists(frame.loc[~frame["both"]])
    out["cases"] = [len(x) for x in routed_lists]
    out["all_case_ids"] = [list(dict.fromkeys(x + y)) for x, y in zip(routed_lists, refused, strict=True)]
    hi = np.maximum(out["flow_ab"], out["flow_ba"]).to_numpy(dtype=float)
    lo = np.minimum(out["flow_ab"], out["flow_ba"]).to_numpy(dtype=float)
    out["reciprocity"] = np.where(hi > 0, lo / np.where(hi > 0, hi, 1), 0.0)
    n = out["cases"].to_numpy(dtype=float)
    k = out["bounce_cases"].to_numpy(dtype=float)
    out["bounce_rate"] = np.where(n > 0, k / np.where(n > 0, n, 1), 0.0)
    out["bounce_rate_low"] = _wilson_low(k, n)
    out["days_bounced"] = out["days_bounced"] / 86_400_000
    out["score"] = out["bounce_cases"] * out["reciprocity"] + out["refused_both"]
    overall = out["bounce_cases"].sum() / max(int(out["cases"].sum()), 1)
    z = NormalDist().inv_cdf(1 - 0.05 / max(len(out), 1))
    significant = _wilson_low(k, n, z) > overall
    out["flagged"] = ((out["bounce_cases"] + out["refused_both"]) >= min_flag) & (
        (significant & (out["reciprocity"] >= 0.5)) | (out["refused_both"] >= min_flag))
    units = np.asarray(cu.units, dtype=object)
    out["unit_a"] = units[out["a"].to_numpy()]
    out["unit_b"] = units[out["b"].to_numpy()]
    from ..rules.delays import names

    nm = names(book, "units")
    out["name_a"] = out["unit_a"].map(nm).fillna(out["unit_a"])
    out["name_b"] = out["unit_b"].map(nm).fillna(out["unit_b"])
    cols = ["unit_a", "unit_b", "name_a", "name_b"]
    if by is not None:
        gcodes = out["g"].to_numpy()
        out[by] = np.where(gcodes >= 0, np.asarray(groups, dtype=object)[np.maximum(gcodes, 0)], None)
        cols.append(by)
    out = out.loc[(out["cases"] + out["refused_both"]) >= min_cases]
    out = out.sort_values(["score", "bounce_cases", "cases"], ascending=False, kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    cols += ["flow_ab", "flow_ba", "returns_ab", "returns_ba", "cases", "bounce_cases", "bounce_ab", "bounce_ba",
             "reciprocity", "bounce_rate", "bounce_rate_low", "refused_both", "late_days_bounced", "days_bounced",
             "score", "rank", "flagged", "case_ids",
             "all_case_ids"]
    out = out[cols]
    out.attrs["as_of"] = cu.as_of
    out.attrs["overall_bounce_rate"] = float(overall)
    return out


def _refused_both(cu) -> pd.DataFrame:
    """Unit pairs (a < b) that both returned (退回) the same case: ci, a, b — one row per case."""
    r = np.flatnonzero((cu.ended == 1) & (cu.role == 0) & (cu.unit >= 0))
    d = pd.DataFrame({"ci": cu.ci[r], "u": cu.unit[r]}).drop_duplicates()
    multi = d.loc[d.duplicated("ci", keep=False)]
    if not len(multi):
        return pd.DataFrame({"ci": [], "a": [], "b": []}, dtype=np.int64)
    pairs = multi.merge(multi, on="ci")
    pairs = pairs.loc[pairs["u_x"] < pairs["u_y"]]
    return pd.DataFrame({"ci": pairs["ci"].to_numpy(), "a": pairs["u_x"].to_numpy(), "b": pairs["u_y"].to_numpy()})


def _next_lead(cu) -> np.ndarray:
    """For every segment, the index of the next lead segment of the same case (-1: none)."""
    lead = np.flatnonzero(cu.role == 0)
    nxt = np.full(len(cu), -1, dtype=np.int64)
    if len(lead) > 1:
        same = cu.ci[lead[1:]] == cu.ci[lead[:-1]]
        nxt[lead[:-1][same]] = lead[1:][same]
    return nxt


def _bounce_overdue(cu) -> np.ndarray:
    """Overdue days of each segment when it bounced, else 0."""
    over = cu.overdue_days if cu.overdue_days is not None else np.zeros(len(cu))
    return np.where(cu.bounce, over, 0.0)


def _wilson_low(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> np.ndarray:
    """Lower bound of the Wilson score interval for k successes out of n (0 where n = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = p + z * z / (2 * n)
        margin = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = (centre - margin) / (1 + z * z / n)
    return np.where(n > 0, np.clip(low, 0.0, 1.0), 0.0)
