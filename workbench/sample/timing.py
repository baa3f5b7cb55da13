"""Time in the sample: the period, seasonal and weekday rhythm of petitions, office hours.

Petitions rise before the Spring Festival (春节, wage arrears 欠薪 above all), fall in the
festival week and the National Day week, and visits and letters come on working days. Times
are int64 milliseconds since the Unix epoch (naive local time) until the frames are built.

>>> cal = Calendar.over("2023-01-01", "2023-03-01")
>>> bool(cal.is_workday(np.array([np.datetime64("2023-01-23", "D")]))[0])  # 春节
False
>>> int((cal.weights(office=True, wage=False) > 0).sum()) > 30
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DAY", "HOUR", "MINUTE", "SPRING_FESTIVAL", "Calendar", "period_bounds", "time_of_day", "to_ms"]

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR

#: 春节 (first day of the lunar year), for the years the sample may span.
SPRING_FESTIVAL: dict[int, str] = {
    2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16",
    2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
    2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
    2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
    2031: "2031-01-23", 2032: "2032-02-11", 2033: "2033-01-31", 2034: "2034-02-19",
    2035: "2035-02-08",
}


def to_ms(ts: str | pd.Timestamp) -> int:
    """A timestamp as int64 ms since the epoch (naive)."""
    return int(pd.Timestamp(ts).value // 1_000_000)


def period_bounds(start: str, years: float) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of the sample: ``years`` rounded to whole months."""
    s = pd.Timestamp(start).normalize()
    months = max(1, int(round(years * 12)))
    return s, s + pd.DateOffset(months=months)


@dataclass(frozen=True)
class Calendar:
    """Days from ``first`` with rest days, seasonal weights and next-working-day lookup."""

    first: np.datetime64
    days: np.ndarray  # datetime64[D]
    workday: np.ndarray  # bool
    next_work: np.ndarray  # index of the next working day at or after each day
    prev_work: np.ndarray  # index of the last working day at or before each day (-1: none)
    sf_offset: np.ndarray  # days from the nearest Spring Festival (negative before)
    sample_from: int
    sample_to: int  # the sampling window [from, to) in day indices

    @classmethod
    def over(cls, start: str | pd.Timestamp, end: str | pd.Timestamp, margin_days: int = 1200) -> Calendar:
        s = np.datetime64(pd.Timestamp(start).strftime("%Y-%m-%d"), "D")
        e = np.datetime64(pd.Timestamp(end).strftime("%Y-%m-%d"), "D")
        first = np.datetime64((pd.Timestamp(start) - pd.Timedelta(days=60)).strftime("%Y-%m-%d"), "D")
        n_days = int((e - first) / np.timedelta64(1, "D")) + margin_days
        days = first + np.arange(n_days).astype("timedelta64[D]")
        dow = (days.astype(np.int64) + 3) % 7  # 0 = Monday
        year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        md = days - days.astype("datetime64[Y]").astype("datetime64[D]")  # day of year (0-based)
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        rest = dow >= 5
        rest |= (md.astype(np.int64) == 0)  # 元旦
        rest |= (month == 5) & (dom <= 3)  # 劳动节
        rest |= (month == 10) & (dom <= 7)  # 国庆
        rest |= (month == 4) & (dom == 5)  # 清明 (approximate)
        sf_days = np.array([np.datetime64(v, "D") for v in SPRING_FESTIVAL.values()])
        pos = np.searchsorted(sf_days, days)
        prev_sf = sf_days[np.clip(pos - 1, 0, len(sf_days) - 1)]
        next_sf = sf_days[np.clip(pos, 0, len(sf_days) - 1)]
        d_prev = (days - prev_sf).astype(np.int64)
        d_next = (days - next_sf).astype(np.int64)
        sf_offset = np.where(np.abs(d_prev) < np.abs(d_next), d_prev, d_next)
        known = (year >= min(SPRING_FESTIVAL)) & (year <= max(SPRING_FESTIVAL))
        sf_offset = np.where(known, sf_offset, 999)
        rest |= (sf_offset >= -1) & (sf_offset <= 5)
        workday = ~rest
        idx = np.arange(len(days))
        nxt = np.where(workday, idx, len(days) - 1)
        next_work = np.minimum.accumulate(nxt[::-1])[::-1]
        prev_work = np.maximum.accumulate(np.where(workday, idx, -1))
        return cls(first, days, workday, next_work, prev_work, sf_offset,
                   int((s - first) / np.timedelta64(1, "D")), int((e - first) / np.timedelta64(1, "D")))

    @property
    def first_ms(self) -> int:
        return int(self.first.astype("datetime64[ms]").astype(np.int64))

    def day_index(self, ms: np.ndarray) -> np.ndarray:
        return np.clip((np.asarray(ms, dtype=np.int64) - self.first_ms) // DAY, 0, len(self.days) - 1)

    def is_workday(self, days: np.ndarray) -> np.ndarray:
        i = (days.astype("datetime64[D]") - self.first).astype(np.int64)
        return self.workday[np.clip(i, 0, len(self.days) - 1)]

    def weights(self, *, office: bool, wage: bool) -> np.ndarray:
        """Relative daily intensity of new petitions over the sampling window."""
        sl = slice(self.sample_from, self.sample_to)
        days, work, sf = self.days[sl], self.workday[sl], self.sf_offset[sl]
        dow = (days.astype(np.int64) + 3) % 7
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        w = np.array([1.25, 1.15, 1.1, 1.05, 1.0, 0.45, 0.35])[dow]
        if office:
            w = np.where(work, w, 0.04)
        else:
            w = np.where(work, w, np.maximum(w, 0.5))
        season = np.array([1.0, 0.95, 1.05, 1.0, 1.0, 1.05, 1.1, 1.05, 1.0, 0.9, 1.0, 1.1])[month - 1]
        w = w * season
        w = w * np.where((sf >= -20) & (sf < -1), 1.25, 1.0)  # before the festival
        w = w * np.where((sf >= -1) & (sf <= 6), 0.2, 1.0)  # the festival week
        if wage:
            # 欠薪 peaks in the two months before the Spring Festival
            w = w * np.where((sf >= -60) & (sf < -1), 3.5, np.where((sf > 6) & (sf < 30), 0.7, 1.0))
        return w

    def sample_days(self, rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
        """Day starts (ms) of n days drawn from ``weights`` over the sampling window."""
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        k = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
        return self.first_ms + (self.sample_from + k).astype(np.int64) * DAY

    @property
    def _workdays(self) -> np.ndarray:
        return np.flatnonzero(self.workday)

    def _office_tod(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return ((8.5 + rng.beta(1.6, 2.2, n) * 9.0) * HOUR).astype(np.int64) // 1000 * 1000

    def snap_office(self, rng: np.random.Generator, ms: np.ndarray) -> np.ndarray:
        """Times on a rest day move to the nearest working day (ties: the next one), times
        outside office hours (08:30–17:30) get a time within them; for events that come days
        after the previous one, so the order of a case's events is kept."""
        ms = np.asarray(ms, dtype=np.int64)
        d = self.day_index(ms)
        tod = ms - (self.first_ms + d * DAY)
        open_, close = 8 * HOUR + 30 * MINUTE, 17 * HOUR + 30 * MINUTE
        nxt = self.next_work[d]
        prv = self.prev_work[d]
        back = (d - prv) < (nxt - d)
        nd = np.where(self.workday[d], d, np.where(back & (prv >= 0), prv, nxt))
        inside = (tod >= open_) & (tod < close)
        tod = np.where(inside, tod, self._office_tod(rng, len(ms)))
        return self.first_ms + nd.astype(np.int64) * DAY + tod

    def advance(self, rng: np.random.Generator, prev_ms: np.ndarray, lag_days: np.ndarray) -> np.ndarray:
        """The office time ``lag_days`` (counted in working days, 5 per 7) after ``prev_ms``:
        the same day a little later when the lag is under a working day, else a later working
        day at an office hour. Always later than ``prev_ms``."""
        prev = np.asarray(prev_ms, dtype=np.int64)
        n = len(prev)
        wd = self._workdays
        d = self.day_index(prev)
        k = np.floor(np.asarray(lag_days, dtype=float) * 5.0 / 7.0).astype(np.int64)
        j0 = np.searchsorted(wd, d)
        j = np.minimum(j0 + k, len(wd) - 1)
        target = wd[j]
        day_start = self.first_ms + d * DAY
        close = 17 * HOUR + 30 * MINUTE
        soon = np.maximum(prev + rng.integers(10, 121, n) * MINUTE,
                          day_start + 8 * HOUR + 30 * MINUTE + rng.integers(0, 61, n) * MINUTE)
        same = (target == d) & (soon < day_start + close)
        # same day but after hours: the next working day
        bump = (target == d) & ~same
        target = np.where(bump, wd[np.minimum(j + 1, len(wd) - 1)], target)
        later = self.first_ms + target.astype(np.int64) * DAY + self._office_tod(rng, n)
        return np.where(same, soon, np.maximum(later, prev + MINUTE))


def time_of_day(rng: np.random.Generator, n: int, kind: np.ndarray) -> np.ndarray:
    """Milliseconds into the day for events of ``kind`` (0 office, 1 any time, 2 phone hours)."""
    kind = np.asarray(kind)
    office = (8.5 + rng.beta(1.6, 2.2, n) * 9.0) * HOUR
    anytime = np.mod(rng.normal(14.5, 4.5, n), 24.0) * HOUR
    phone = (8.0 + rng.beta(1.8, 2.0, n) * 12.0) * HOUR
    t = np.where(kind == 0, office, np.where(kind == 1, anytime, phone))
    return (t // 1000 * 1000).astype(np.int64)

