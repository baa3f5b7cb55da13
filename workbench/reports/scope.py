"""What a report covers (报告范围): its kind, period, region or unit, checked against the ledger
before anything is rendered, and the title that follows from them.

The same :func:`resolve_scope` runs in the process that asks for a report (to refuse bad
parameters before a kernel starts) and in the kernel that renders it (to compute on exactly
the same scope).

>>> period_words("2025-09", "zh"), period_words("2025Q3", "zh"), period_words("2025", "en")
('2025年9月', '2025年第三季度', '2025')
>>> normalise_period("2025-9"), normalise_period("2025q3"), normalise_period(" 2024 ")
('2025-09', '2025Q3', '2024')
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import pandas as pd

from ..i18n import lang
from ._words import words

__all__ = ["KINDS", "ReportError", "Scope", "resolve_scope", "normalise_period", "period_words",
           "last_complete_month", "ledger_range", "city_name"]

#: the kinds of report there are templates for
KINDS = ("monthly", "unit")
_QUARTER_ZH = ("一", "二", "三", "四")
_MONTH_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


class ReportError(ValueError):
    """A report cannot be made as asked: an unknown kind, a malformed period, or a period, region
    or unit in which the ledger has no cases. The message names the value and what the ledger has."""


@dataclass(frozen=True)
class Scope:
    """A report's scope, resolved: ``period`` normalised ('2025-09', '2025Q3', '2025') with its
    [start, end) bounds, the previous period and the same period a year before (环比 / 同比),
    the region (as asked, with its name) or the unit (id and name), the place the title names
    and the title."""

    kind: str
    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    prev_period: str
    yoy_period: str
    region: str | None
    region_name: str | None
    unit_id: str | None
    unit_name: str | None
    place: str
    title: str
    language: str

    def period_words(self, period: str | None = None) -> str:
        return period_words(period or self.period, self.language)


def normalise_period(period: object) -> str:
    """'2025-9' → '2025-09', '2025q3' / '2025-Q3' → '2025Q3', '2025' → '2025'; anything else is
    a :class:`ReportError`."""
    s = str(period).strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return f"{y}-{mo:02d}"
    if m := re.fullmatch(r"(\d{4})-?[Qq]([1-4])", s):
        return f"{m.group(1)}Q{m.group(2)}"
    if re.fullmatch(r"\d{4}", s):
        return s
    raise ReportError(f"period {period!r}: not a month (2025-09), a quarter (2025Q3) or a year (2025)")


def _freq(period: str) -> str:
    return "Q" if "Q" in period else ("M" if "-" in period else "Y")


def period_words(period: str, language: str | None = None) -> str:
    """A period as a reader says it: 2025年9月 · 2025年第三季度 · 2025年; September 2025 · 2025 Q3 · 2025."""
    lg = lang(language)
    p = pd.Period(period, _freq(period))
    if p.freqstr.startswith("M"):
        return f"{p.year}年{p.month}月" if lg != "en" else f"{_MONTH_EN[p.month - 1]} {p.year}"
    if p.freqstr.startswith("Q"):
        return f"{p.year}年第{_QUARTER_ZH[p.quarter - 1]}季度" if lg != "en" else f"{p.year} Q{p.quarter}"
    return f"{p.year}年" if lg != "en" else str(p.year)


def ledger_range(book) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last received dates of the ledger's cases."""
    r = book.cases["received_at"]
    return r.min(), r.max()


def last_complete_month(book) -> str:
    """The ledger's last complete month: the month of its latest recorded moment when the
    records reach that month's last day, else the month before.

    >>> import workbench as wb
    >>> b = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A", "B"],
    ...     "received_at": ["2025-08-03", "2025-09-30 17:00"]}), now="2026-01-01")
    >>> last_complete_month(b)
    '2025-09'
    >>> last_complete_month(b.where(cases=["A"]))  # a subset keeps the whole ledger's moment
    '2025-09'
    """
    as_of = pd.Timestamp(book.ledger_as_of())
    if (as_of.normalize() + pd.Timedelta(days=1)).day == 1:
        return as_of.strftime("%Y-%m")
    return (as_of.to_period("M") - 1).strftime("%Y-%m")


def city_name(book) -> str:
    """The prefecture the ledger belongs to, from its city-level government unit ('江临市'), else ''."""
    u = book.units
    if not len(u) or "level" not in u:
        return ""
    gov = u.loc[(u["level"].astype("str") == "city").fillna(False).to_numpy(dtype=bool)
                & u["name"].astype("str").str.endswith("人民政府").fillna(False).to_numpy(dtype=bool)]
    return str(gov["name"].iloc[0]).removesuffix("人民政府") if len(gov) else ""


def _region_name(book, region: str) -> str | None:
    """The name of a region code (from the ledger's own region names, or the government unit of
    that code); a name asked for is its own name."""
    if not region.isdigit():
        return region
    c = book.cases
    if "region_name" in c:
        hit = c.loc[(c["region_code"].astype("str") == region).fillna(False).to_numpy(dtype=bool), "region_name"].dropna()
        if len(hit):
            return str(hit.iloc[0])
    u = book.units
    if len(u) and "region_code" in u:
        gov = u.loc[(u["region_code"].astype("str") == region).fillna(False).to_numpy(dtype=bool)
                    & u["name"].astype("str").str.endswith("人民政府").fillna(False).to_numpy(dtype=bool)]
        if len(gov):
            return str(gov["name"].iloc[0]).removesuffix("人民政府")
    return None


def _known_regions(book) -> str:
    c = book.cases
    six = c["region_code"].astype("str").str.slice(0, 6).dropna()
    codes = six.value_counts().index[:12]
    return ", ".join(f"{code} {_region_name(book, code) or ''}".strip() for code in codes)


def _resolve_unit(book, unit: object) -> tuple[str, str]:
    u = book.units
    s = str(unit).strip()
    ids = u["unit_id"].astype("str")
    names = u["name"].astype("str")
    hit = u.loc[(ids == s).fillna(False).to_numpy(dtype=bool) | (names == s).fillna(False).to_numpy(dtype=bool)]
    if len(hit):
        return str(hit["unit_id"].iloc[0]), str(hit["name"].iloc[0])
    close = difflib.get_close_matches(s, names.dropna().unique().tolist(), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; the ledger has {len(u)} units (book.units)"
    raise ReportError(f"unit {s!r}: no unit of that id or name (单位) in the ledger{hint}")


def resolve_scope(book, kind: str, period: object = None, region: object = None, unit: object = None,
                  language: str | None = None) -> Scope:
    """Check a report's parameters against ``book`` and resolve them (see :class:`Scope`).

    ``period`` defaults to the ledger's last complete month (:func:`last_complete_month`); a
    monthly bulletin needs a month, a unit report takes a month, a quarter or a year. A period,
    region or unit in which the ledger has no cases is a :class:`ReportError` naming the value and
    the ledger's range.

    >>> import workbench as wb
    >>> b = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-03-03"]}),
    ...     now="2026-01-01")
    >>> resolve_scope(b, "monthly", "2025-03").prev_period
    '2025-02'
    >>> resolve_scope(b, "monthly", "2024-03")
    Traceback (most recent call last):
    ...
    workbench.reports.scope.ReportError: period 2024-03: no cases received in it; the ledger's cases were received 2025-03-03 to 2025-03-03 (2025-03 .. 2025-03)
    """
    lg = lang(language)
    if kind not in KINDS:
        raise ReportError(f"report kind {kind!r}: there are templates for {', '.join(KINDS)}")
    if not len(book.cases):
        raise ReportError("the ledger has no cases: there is nothing to report on")
    period = normalise_period(period) if period is not None and str(period).strip() else last_complete_month(book)
    if kind == "monthly" and _freq(period) != "M":
        raise ReportError(f"period {period!r}: the monthly bulletin (月通报) covers one month, e.g. 2025-09")
    p = pd.Period(period, _freq(period))
    start, end = p.start_time, (p + 1).start_time
    prev_period, yoy_period = str(p - 1), str(p - (12 if _freq(period) == "M" else 4 if _freq(period) == "Q" else 1))
    first, last = ledger_range(book)
    span = (f"the ledger's cases were received {first:%Y-%m-%d} to {last:%Y-%m-%d} "
            f"({first:%Y-%m} .. {last:%Y-%m})")
    c = book.cases
    region_s = str(region).strip() if region is not None and str(region).strip() else None
    region_name = None
    scope_book = book
    if region_s is not None:
        if kind != "monthly":
            raise ReportError("region: only the monthly bulletin takes a region (a unit report is about one unit)")
        scope_book = book.where(region=region_s)
        if not len(scope_book.cases):
            raise ReportError(f"region {region_s!r}: no cases of that region code or name (问题属地) in the ledger; "
                              f"its regions include {_known_regions(book)}")
        region_name = _region_name(book, region_s) or region_s
        c = scope_book.cases
    unit_id = unit_name = None
    if kind == "unit":
        if unit is None or not str(unit).strip():
            raise ReportError("unit: a unit report needs a unit (name or unit_id), e.g. --unit 青山县住建局")
        unit_id, unit_name = _resolve_unit(book, unit)
    received = c["received_at"]
    in_period = ((received >= start) & (received < end)).fillna(False).to_numpy(dtype=bool)
    where = f" in region {region_s!r}" if region_s else ""
    if not in_period.any():
        raise ReportError(f"period {period}: no cases received in it{where}; {span}")
    if kind == "unit":
        mine = in_period & (c["responsible_unit_id"].astype("str") == unit_id).fillna(False).to_numpy(dtype=bool)
        if not mine.any():
            ev = book.events
            at = ev["at"]
            held = (((at >= start) & (at < end)).fillna(False).to_numpy(dtype=bool)
                    & ((ev["from_unit_id"].astype("str") == unit_id).fillna(False).to_numpy(dtype=bool)
                       | (ev["to_unit_id"].astype("str") == unit_id).fillna(False).to_numpy(dtype=bool)))
            if not held.any():
                raise ReportError(f"unit {unit_name} ({unit_id}): no cases received in {period} with it as the "
                                  f"responsible unit (责任单位) and no handling records of it in that period; {span}")
    city = city_name(book)
    if kind == "monthly":
        place = region_name or city
        title = words("title.monthly", lg, place=place, period=period_words(period, lg))
    else:
        place = unit_name or ""
        title = words("title.unit", lg, unit=place, period=period_words(period, lg))
    return Scope(kind=kind, period=period, start=start, end=end, prev_period=prev_period, yoy_period=yoy_period,
                 region=region_s, region_name=region_name, unit_id=unit_id, unit_name=unit_name, place=place,
                 title=title.strip(), language=lg)
