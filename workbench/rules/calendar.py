"""Calendar and working-day arithmetic for deadlines (DESIGN §4), vectorised over numpy days.

Rest days are weekends and the official holidays of the State Council's yearly notice; make-up
working weekend days (调休上班) are working days. The holiday and make-up tables come from the
maintained ``chinesecalendar`` package. Counting follows the Civil Code: the start day is not
counted (Art 201) and a last day that is a rest day moves to the next working day (Art 203).

Dates outside the years the calendar knows are never silently treated as ordinary days: every
call that touches them raises a :class:`CalendarWarning` naming the range, and the ``known``
mask of :meth:`WorkCalendar.due` says which results rest on weekends alone.

>>> cal = work_calendar()
>>> str(cal.due(np.array(["2025-08-03"], dtype="datetime64[D]"), 60)[0][0])  # National Day
'2025-10-09'
>>> str(cal.due(np.array(["2025-09-26"], dtype="datetime64[D]"), 5, working=True)[0][0])
'2025-10-10'
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["CalendarWarning", "WorkCalendar", "work_calendar"]

_D = "datetime64[D]"
_NAT = np.datetime64("NaT", "D")


class CalendarWarning(UserWarning):
    """A deadline was computed on a date outside the years the holiday calendar knows."""


@dataclass(frozen=True)
class WorkCalendar:
    """Every day from ``first`` to ``last`` with its rest-day flag and working-day counts.

    ``known_from`` / ``known_to`` bound the years whose holidays are known; outside them only
    weekends are rest days, and results say so (``CalendarWarning``, ``known`` mask).
    """

    first: np.datetime64
    last: np.datetime64
    known_from: np.datetime64
    known_to: np.datetime64
    workday: np.ndarray  # bool per day from first
    cum_work: np.ndarray  # working days in [first, day], inclusive
    next_work: np.ndarray  # index of the first working day at or after each day

    @classmethod
    def build(cls, holidays: dict, workdays: dict, first: str = "1990-01-01", last: str = "2060-12-31") -> WorkCalendar:
        """A calendar from holiday and make-up working-day tables (``{date: name}``)."""
        f, la = np.datetime64(first, "D"), np.datetime64(last, "D")
        days = np.arange(f, la + 1, dtype=_D)
        dow = (days.astype(np.int64) + 3) % 7  # 0 = Monday
        work = dow < 5
        hol = np.array(sorted(holidays), dtype=_D) if holidays else np.array([], dtype=_D)
        mk = np.array(sorted(workdays), dtype=_D) if workdays else np.array([], dtype=_D)
        work[(hol - f).astype(np.int64)] = False
        work[(mk - f).astype(np.int64)] = True
        years = [d.year for d in (*holidays, *workdays)]
        k_from = np.datetime64(f"{min(years)}-01-01", "D") if years else la
        k_to = np.datetime64(f"{max(years)}-12-31", "D") if years else f
        idx = np.arange(len(days))
        nxt = np.where(work, idx, len(days) - 1)
        next_work = np.minimum.accumulate(nxt[::-1])[::-1]
        return cls(f, la, k_from, k_to, work, np.cumsum(work), next_work)

    # ----------------------------------------------------------------- lookups

    def _index(self, days: np.ndarray) -> np.ndarray:
        i = (days.astype(_D) - self.first).astype(np.int64)
        if len(i) and (i.min() < 0 or i.max() >= len(self.workday)):
            raise ValueError(f"dates must lie within {self.first}..{self.last}")
        return i

    def known(self, days: np.ndarray) -> np.ndarray:
        """Whether each day lies in a year whose holidays the calendar knows (NaT → True)."""
        d = np.asarray(days, dtype=_D)
        return np.isnat(d) | ((d >= self.known_from) & (d <= self.known_to))

    def is_workday(self, days: np.ndarray) -> np.ndarray:
        """Working day (weekday that is no holiday, or a make-up working weekend day)."""
        d = np.asarray(days, dtype=_D)
        ok = ~np.isnat(d)
        out = np.zeros(len(d), dtype=bool)
        out[ok] = self.workday[self._index(d[ok])]
        self._warn(d)
        return out

    def roll_forward(self, days: np.ndarray, *, warn: bool = True) -> np.ndarray:
        """Each day, or the next working day when it is a rest day (Civil Code Art 203)."""
        d = np.asarray(days, dtype=_D)
        ok = ~np.isnat(d)
        out = np.full(len(d), _NAT)
        out[ok] = self.first + self.next_work[self._index(d[ok])].astype("timedelta64[D]")
        if warn:
            self._warn(d)
        return out

    def working_days_between(self, start: np.ndarray, end: np.ndarray, *, warn: bool = True) -> np.ndarray:
        """Working days in (start, end]: the start day is not counted. Negative when end < start."""
        s, e = np.asarray(start, dtype=_D), np.asarray(end, dtype=_D)
        ok = ~(np.isnat(s) | np.isnat(e))
        out = np.full(len(s), np.nan)
        out[ok] = self.cum_work[self._index(e[ok])] - self.cum_work[self._index(s[ok])]
        if warn:
            self._warn(s, e)
        return out

    def due(self, start: np.ndarray, days: np.ndarray | int, working: np.ndarray | bool = False,
            *, roll: bool = True, warn: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Last day of a limit of ``days`` counted from ``start`` (the start day not counted).

        Calendar days: ``start + days``, moved to the next working day when that is a rest day
        (``roll``). Working days: the ``days``-th working day after ``start``. ``working`` may be
        one flag or one per row. Returns (last days, known) — ``known`` is False where the
        result depends on a year the holiday calendar does not cover (and, with ``warn``, a
        :class:`CalendarWarning` says so).
        """
        s = np.asarray(start, dtype=_D)
        n = np.broadcast_to(np.asarray(days, dtype=np.int64), s.shape)
        w = np.broadcast_to(np.asarray(working, dtype=bool), s.shape)
        ok = ~np.isnat(s)
        out = np.full(len(s), _NAT)
        if ok.any():
            cal = s[ok] + n[ok].astype("timedelta64[D]")
            if roll:
                cal = self.roll_forward(cal, warn=False)
            res = cal
            wk = w[ok]
            if wk.any():
                target = self.cum_work[self._index(s[ok][wk])] + n[ok][wk]
                pos = np.searchsorted(self.cum_work, target, side="left")
                res = cal.copy()
                res[wk] = self.first + pos.astype("timedelta64[D]")
            out[ok] = res
        known = self.known(s) & self.known(out)
        if warn:
            self._warn(s, out)
        return out, known

    def _warn(self, *arrays: np.ndarray) -> None:
        outside = [a[~self.known(a)] for a in arrays]
        outside = [a for a in outside if len(a)]
        if outside:
            allv = np.concatenate(outside)
            warnings.warn(
                f"{len(allv)} date(s) between {allv.min()} and {allv.max()} lie outside the years the "
                f"holiday calendar knows ({self.known_from}..{self.known_to}): only weekends are "
                "treated as rest days there; holidays and make-up working days of those years are unknown "
                "(超出节假日日历年份，仅按周末计算)",
                CalendarWarning,
                stacklevel=3,
            )


@lru_cache(maxsize=1)
def work_calendar() -> WorkCalendar:
    """The official calendar (``chinesecalendar``: holidays and make-up working days)."""
    from chinese_calendar import constants

    hol = {d: n for d, n in constants.holidays.items() if isinstance(d, dt.date)}
    mk = {d: n for d, n in constants.workdays.items() if isinstance(d, dt.date)}
    return WorkCalendar.build(hol, mk)
