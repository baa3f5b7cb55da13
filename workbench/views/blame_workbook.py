"""The accountability workbook (责任倒查表): the blame analysis as an Excel file a supervisor can
file, annotate and send on — units, 包案领导, buck-passing pairs, every attributed late day with
its case, and the custody chains behind them, with the rules on a sheet of their own.

Only case ids, units and officials appear; nothing about petitioners, and no notes of the log.
The file is still scanned by the export guard (:class:`workbench.privacy.guard.Guard`) before it
is written, and refused (nothing written) if it holds a name, ID or phone number the role may
not see — the supervisor's guard refuses nothing.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..i18n import lang, text
from .blame import accountability_table, buck_table

if TYPE_CHECKING:
    from ..privacy.guard import Guard

__all__ = ["ATTRIBUTION_COLUMNS", "CUSTODY_COLUMNS", "blame_workbook"]

#: columns of the 超期责任明细 sheet (from ``Blame.attribution``)
ATTRIBUTION_COLUMNS = ("case_id", "clock", "unit_name", "person_id", "lead_person_id", "late_days", "basis",
                       "clock_days_late")
#: columns of the 办理链条 sheet (from :func:`workbench.custody`)
CUSTODY_COLUMNS = ("case_id", "seg", "unit_name", "role", "start", "end", "days_held", "days_overdue", "ended_by",
                   "from_unit_id", "to_unit_id", "bounce", "charged_unit_id", "fault", "n_urged", "flags")


def blame_workbook(book, path: str | Path, policy: object = None, as_of: object = None, *,
                   language: str | None = None, guard: Guard | None = None, role: str | None = None) -> Path:
    """Write the accountability workbook to ``path`` (``.xlsx``) and return the path.

    Sheets: 说明 (the rules and the reading date), 单位问责, 包案领导问责 (leaders with 5+ cases), 推诿单位对
    (every pair with a score), 超期责任明细 (one row per late clock and unit charged) and 办理链条 (the
    custody segments of every case with late days or a bounce).

    ``guard`` (default: the book's guard for ``role``, itself by default the configured role)
    scans the file before it is written; :class:`~workbench.privacy.guard.LeakError` and nothing
    written when it finds personal data the role may not see.
    """
    import workbench as wb

    from ..rules.policy import load_policy

    lg = lang(language)
    pol = load_policy(policy if policy is not None else getattr(book, "policy", None) or None)
    blame = wb.attribute_blame(book, pol, as_of)
    units, leaders = blame.by_unit(), blame.by_leader()
    bp = wb.buck_passing(book, pol, as_of)
    segs = wb.custody(book, pol, as_of)
    clock_label = {k.name: k.label(lg) for k in pol.clocks}

    from ..rules.delays import names

    unit_name, person_name = names(book, "units"), names(book, "people")

    def named(col: pd.Series, nm: pd.Series) -> pd.Series:
        ids = col.astype(object)
        return ids.map(nm).where(ids.map(nm).notna(), ids)

    att = blame.attribution[list(ATTRIBUTION_COLUMNS)].copy()
    for c in ("person_id", "lead_person_id"):
        att[c] = named(att[c], person_name)
    att["clock"] = att["clock"].astype(object).map(clock_label)
    att["basis"] = att["basis"].astype(object).map(lambda b: text(f"blame.basis.{b}", lg))
    att["late_days"] = att["late_days"].round(2)
    att.columns = [text(f"blame.x.{c}", lg) for c in ATTRIBUTION_COLUMNS]

    wanted = set(blame.attribution["case_id"]) | set(segs.loc[segs["bounce"], "case_id"])
    chain = segs.loc[segs["case_id"].isin(wanted), list(CUSTODY_COLUMNS)].copy()
    for c in ("from_unit_id", "to_unit_id", "charged_unit_id"):
        chain[c] = named(chain[c], unit_name)
    chain["role"] = chain["role"].astype(object).map(lambda r: text(f"blame.role.{r}", lg))
    chain["ended_by"] = chain["ended_by"].astype(object).map(lambda e: text(f"blame.ended.{e}", lg))
    chain["fault"] = chain["fault"].astype(object).map(lambda f: text(f"blame.fault.{f}", lg))
    chain["bounce"] = np.where(chain["bounce"], text("blame.yes", lg), "")
    chain["seg"] = chain["seg"] + 1
    chain.columns = [text(f"blame.s.{c}", lg) for c in CUSTODY_COLUMNS]

    as_of_ts = blame.attribution.attrs.get("as_of")
    about = pd.DataFrame({text("blame.w.item", lg): [
        text("blame.w.policy", lg), text("blame.w.as_of", lg), text("blame.w.cases", lg),
        text("blame.w.late_clocks", lg), text("blame.w.rule", lg), text("blame.w.bounce", lg),
        text("blame.w.co", lg), text("blame.w.buck", lg)],
        text("blame.w.value", lg): [
        f"{pol.title_en if lg == 'en' else pol.title_zh} ({pol.name})", str(as_of_ts)[:16], f"{len(book.cases):,}",
        f"{len(blame.late):,}", text("blame.w.rule_text", lg), text("blame.w.bounce_text", lg),
        text("blame.w.co_text", lg), text("blame.w.buck_text", lg)]})

    sheets = {
        text("blame.sheet.about", lg): about,
        text("blame.sheet.units", lg): accountability_table(units, "unit", len(units), lg),
        text("blame.sheet.leaders", lg): accountability_table(leaders, "leader", len(leaders), lg, book),
        text("blame.sheet.buck", lg): buck_table(bp, len(bp), lg),
        text("blame.sheet.attribution", lg): att,
        text("blame.sheet.chains", lg): chain,
    }
    from ..privacy.guard import Guard, guarded_write

    guard = guard if guard is not None else Guard.for_book(book, role)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter", datetime_format="yyyy-mm-dd hh:mm") as xw:
        for name, df in sheets.items():
            named_index = df.index.name is not None
            df.to_excel(xw, sheet_name=name, index=named_index)
            ws = xw.sheets[name]
            ws.freeze_panes(1, 0)
            cols = ([df.index.name] if named_index else []) + [str(c) for c in df.columns]
            for j, c in enumerate(cols):
                width = 60 if name == text("blame.sheet.about", lg) and j == len(cols) - 1 else max(8, min(28, 2 * len(c) + 2))
                ws.set_column(j, j, width)
    return guarded_write(path, buf.getvalue(), guard)
