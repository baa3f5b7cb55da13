"""Handling that breaks the rules (违规线索), beyond lateness: leads for 督办 under 2022 Art 40.

:func:`rule_checks` lists, one row per case and finding:

- ``reaccepted_after_recheck`` — a repeat petition accepted although the matter it repeats had
  already been rechecked (复核): the same facts and reasons are not accepted again (Art 36 ¶3).
- ``accepted_above_within_limit`` — a repeat petition accepted by a unit at a higher level while
  the matter it repeats was still within its handling limit at the lower level (Art 19 ¶3).
- ``closed_without_reply`` — closed (办结) with no written reply (处理意见书) on record (Art 32).
- ``extension_after_due`` / ``extension_capped`` — an extension made after the limit ran out, or
  extensions beyond 30 days in all (Art 34).

Repeat links come from the ledger's 重复信访件编号 (``repeat_of``). Each row names the case, the
matter it repeats where that matters, the unit to answer for it and the article.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import LEVEL_ORDER
from .clocks import _NA, cached_clocks

__all__ = ["CHECKS", "rule_checks"]

#: finding → (article, Chinese, English)
CHECKS: dict[str, tuple[str, str, str]] = {
    "reaccepted_after_recheck": ("第三十六条第三款", "复核终结后仍予受理", "accepted again after recheck"),
    "accepted_above_within_limit": ("第十九条第三款", "下级办理期限内上级受理", "accepted above while within the limit below"),
    "closed_without_reply": ("第三十二条", "未出具处理意见即办结", "closed without a written reply"),
    "extension_after_due": ("第三十四条", "期限届满后延期", "extended after the limit ran out"),
    "extension_capped": ("第三十四条", "延期累计超过30日", "extensions beyond 30 days"),
}


def rule_checks(book, policy: object = None, as_of: object = None, *, language: str | None = None) -> pd.DataFrame:
    """Findings (see the module docstring): case_id, check, label, article, related_case_id,
    unit_id, unit_name, at (when it happened), detail.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({
    ...     "case_id": ["Y", "X"], "received_at": ["2025-01-02", "2025-06-01"], "demand_type": ["求决", "求决"],
    ...     "responsible_unit_id": ["住建局", "住建局"], "accepted_at": ["2025-01-03", "2025-06-02"],
    ...     "replied_at": ["2025-02-01", None], "repeat_of": [None, "Y"]}),
    ...     events=pd.DataFrame({"case_id": ["Y", "Y", "Y", "Y"], "action": ["复查申请", "复查", "复核申请", "复核"],
    ...                          "at": ["2025-02-10", "2025-03-01", "2025-03-10", "2025-04-01"]}))
    >>> rule_checks(book, as_of="2025-07-01")[["case_id", "check", "related_case_id"]].values.tolist()
    [['X', 'reaccepted_after_recheck', 'Y']]
    """
    from ..i18n import lang
    from .delays import names

    lg = lang(language)
    cs = cached_clocks(book, policy, as_of)
    a = cs.anchors
    assert a is not None
    c = book.cases
    n = len(c)
    rows: list[pd.DataFrame] = []
    resp = c["responsible_unit_id"].to_numpy(dtype=object, na_value=None)
    ids = c["case_id"].to_numpy(dtype=object)

    def add(mask: np.ndarray, check: str, at: np.ndarray, related: np.ndarray | None = None,
            detail: np.ndarray | None = None) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        t = at[idx].astype("datetime64[ms]")
        t[at[idx] == _NA] = np.datetime64("NaT")
        rows.append(pd.DataFrame({
            "case_id": ids[idx], "check": check, "related_case_id": related[idx] if related is not None else None,
            "unit_id": resp[idx], "at": t, "detail": detail[idx] if detail is not None else None,
        }))

    # repeat petitions and the matter each repeats
    if "repeat_of" in c and c["repeat_of"].notna().any():
        pos = pd.Index(c["case_id"]).get_indexer(c["repeat_of"])
        linked = pos >= 0
        p = np.where(linked, pos, 0)
        related = ids[p].copy()
        related[~linked] = None
        received = a.times["register"]
        accepted = a.times["accept"]
        took = linked & (accepted != _NA)
        rechecked = a.times["recheck"][p]
        add(took & (rechecked != _NA) & (rechecked <= received), "reaccepted_after_recheck", accepted, related)
        # within the earlier matter's handling limit at a lower level
        names_ = [k.name for k in cs.policy.clocks]
        handle = cs.policy.kpi_clock("on_time", "unit")
        if handle in names_:
            k = names_.index(handle)
            m = cs.cols["clock"] == k
            due = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
            due[cs.cols["ci"][m]] = cs.cols["due"][m]
            level = book.units.drop_duplicates("unit_id").set_index("unit_id")["level"].map(LEVEL_ORDER) \
                if len(book.units) and "level" in book.units else pd.Series(dtype=float)
            # the unit that accepts (受理) counts, not a higher petition office that only registered
            # the visit and routed it down (登记转送 is not acceptance)
            lv = c["responsible_unit_id"].map(level).to_numpy(dtype=float, na_value=np.nan)
            y_running = (accepted[p] != _NA) & (accepted[p] <= received) & \
                ((a.times["reply"][p] == _NA) | (a.times["reply"][p] > received))
            rec_day = np.floor_divide(received, 86_400_000).astype("datetime64[D]")
            within = ~np.isnat(due[p]) & (rec_day <= due[p])
            higher = lv > lv[p]
            add(took & y_running & within & higher, "accepted_above_within_limit", accepted, related)
    # from the clocks: irregular stops and extensions
    flags = cs.cols["flags"]
    for code in ("closed_without_reply", "extension_after_due", "extension_capped"):
        if code not in cs.reasons:
            continue
        hit = (flags >> cs.reasons.index(code) & 1).astype(bool)
        mask = np.zeros(n, bool)
        mask[cs.cols["ci"][hit]] = True
        at = a.times["close"] if code == "closed_without_reply" else a.times["accept"]
        add(mask, code, at)
    if not rows:
        out = pd.DataFrame(columns=["case_id", "check", "related_case_id", "unit_id", "at", "detail"])
    else:
        out = pd.concat(rows, ignore_index=True)
    out.insert(2, "label", out["check"].map({k: v[2] if lg == "en" else v[1] for k, v in CHECKS.items()}))
    out.insert(3, "article", out["check"].map({k: v[0] for k, v in CHECKS.items()}))
    out.insert(6, "unit_name", out["unit_id"].map(names(book, "units")))
    out = out.drop(columns="detail")
    order = {k: i for i, k in enumerate(CHECKS)}
    out = out.sort_values(["check", "case_id"], key=lambda s: s.map(order) if s.name == "check" else s, kind="stable")
    return out.reset_index(drop=True)
