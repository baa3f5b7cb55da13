"""Row-level problems found while loading, and the quality summary (DESIGN §3, issue: validation).

Every problem is one row of ``book.quarantine``: file, sheet, row number, table, column,
value, reason code, a plain-language message, and the outcome for the row — ``quarantined``
(the row was not taken; it is kept in ``book.rejected``) or ``flagged`` (taken, with the
problem noted; where a value could not be used it is left empty and the original stays here).
Per table, rows read = taken clean + taken with a flag + quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .i18n import TEXT

__all__ = ["REASONS", "ProblemLog", "QualityReport", "PROBLEM_COLUMNS", "LoadError"]

QUARANTINED = "quarantined"
FLAGGED = "flagged"

#: reason code → (Chinese message, English message); the words live in :mod:`workbench.i18n`
REASONS: dict[str, tuple[str, str]] = {k.removeprefix("reason."): v for k, v in TEXT.items() if k.startswith("reason.")}

PROBLEM_COLUMNS = ["file", "sheet", "row", "table", "column", "value", "reason", "message", "outcome"]


class LoadError(Exception):
    """A problem that stops loading: unreadable file, unknown encoding, missing required column.

    The message names the file, what is wrong, and (for missing columns) the closest headers
    that were found."""


def _message(reason: str, language: str) -> str:
    zh, en = REASONS[reason]
    return en if language == "en" else zh


@dataclass
class ProblemLog:
    """Accumulates problems; frames carry provenance in ``_file``, ``_sheet``, ``_row``."""

    language: str = "zh"
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        frame: pd.DataFrame,
        mask: pd.Series,
        table: str,
        column: str,
        reason: str,
        outcome: str,
        values: pd.Series | None = None,
    ) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        sel = frame.loc[mask]
        vals = (values if values is not None else frame[column] if column in frame else None)
        value = vals.loc[mask] if vals is not None else pd.Series("", index=sel.index)
        self.parts.append(
            pd.DataFrame(
                {
                    "file": sel["_file"].astype("str"),
                    "sheet": sel["_sheet"].astype("str"),
                    "row": sel["_row"].astype("Int64"),
                    "table": table,
                    "column": column,
                    "value": _as_text(value),
                    "reason": reason,
                    "message": _message(reason, self.language),
                    "outcome": outcome,
                    "_idx": sel.index.to_numpy(),
                }
            )
        )

    def add_rows(self, rows: pd.DataFrame) -> None:
        """Add problems that are already in PROBLEM_COLUMNS form (e.g. malformed CSV lines)."""
        if len(rows):
            rows = rows.copy()
            rows["message"] = [_message(r, self.language) for r in rows["reason"]]
            self.parts.append(rows)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: pd.Series([], dtype="Int64" if c == "row" else "str") for c in PROBLEM_COLUMNS})
        df = pd.concat(self.parts, ignore_index=True)
        df = df.sort_values(["file", "sheet", "row", "column"], kind="stable", na_position="last")
        return df[PROBLEM_COLUMNS].reset_index(drop=True)

    def quarantined_index(self, table: str) -> pd.Index:
        idx = [
            p.loc[(p["table"] == table) & (p["outcome"] == QUARANTINED), "_idx"]
            for p in self.parts
            if "_idx" in p
        ]
        if not idx:
            return pd.Index([])
        return pd.Index(pd.concat(idx).unique())


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")
    return values.astype("str")


@dataclass(repr=False)
class QualityReport:
    """What loading found: per table, rows read / taken / flagged / quarantined, and problems
    per reason. ``str(report)`` is a plain-language account."""

    tables: pd.DataFrame
    reasons: pd.DataFrame
    sources: pd.DataFrame
    language: str = "zh"

    @property
    def clean(self) -> bool:
        return bool(self.tables["quarantined"].sum() == 0 and self.tables["flagged"].sum() == 0)

    @property
    def n_quarantined(self) -> int:
        return int(self.tables["quarantined"].sum())

    def __str__(self) -> str:
        zh = self.language != "en"
        lines = []
        for r in self.sources.itertuples():
            where = f"{r.file}" + (f" [{r.sheet}]" if isinstance(r.sheet, str) and r.sheet else "")
            if r.table:
                hdr = "" if not r.header_row else (f"（表头在第{r.header_row}行）" if zh else f" (header at row {r.header_row})")
                lines.append(
                    f"{where} → {r.table}: {r.rows} 行{hdr}" if zh else f"{where} → {r.table}: {r.rows} rows{hdr}"
                )
            else:
                lines.append(f"{where}: {r.note}")
        lines.append("")
        for r in self.tables.itertuples():
            if zh:
                lines.append(
                    f"{r.table}: 读入 {r.read} 行 = 完整采用 {r.clean} + 标记后采用 {r.flagged} + 隔离 {r.quarantined}"
                    + (f"；另派生 {r.derived} 行" if r.derived else "")
                )
            else:
                lines.append(
                    f"{r.table}: read {r.read} = taken {r.clean} + taken with a flag {r.flagged} + quarantined {r.quarantined}"
                    + (f"; {r.derived} rows derived" if r.derived else "")
                )
        if len(self.reasons):
            lines.append("")
            lines.append("问题（按原因）：" if zh else "Problems by reason:")
            for r in self.reasons.itertuples():
                col = f"{r.table}.{r.column}" if r.column else f"{r.table}（整行）" if zh else f"{r.table} (whole row)"
                lines.append(f"  - {col}: {r.message} × {r.count} [{r.outcome}]")
        else:
            lines.append("未发现问题。" if zh else "No problems found.")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(str(self)) + "</pre>"
