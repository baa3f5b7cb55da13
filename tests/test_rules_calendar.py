"""Hand-computed tests of the working calendar behind every deadline (DESIGN §4).

Every expected date below is worked out by hand from the State Council's yearly holiday notices
(国务院办公厅关于部分节假日安排的通知), which the ``chinesecalendar`` package encodes:

- 2024 (国办发明电〔2023〕7号): Spring Festival Feb 10–17 off, Feb 4 (Sun) and Feb 18 (Sun)
  working; National Day Oct 1–7 off, Sep 29 (Sun) and Oct 12 (Sat) working.
- 2025 (国办发明电〔2024〕12号): Labour Day May 1–5 off, Apr 27 (Sun) working; Dragon Boat
  May 31–Jun 2 off; National Day + Mid-Autumn Oct 1–8 off, Sep 28 (Sun) and Oct 11 (Sat) working.

Counting (Civil Code): the start day is not counted (Art 201); a calendar-day limit whose last
day is a rest day moves to the next working day (Art 203); a working-day limit ends on the N-th
working day after the start day.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings

import chinese_calendar
import numpy as np
import pytest

from workbench.rules.calendar import CalendarWarning, work_calendar


def _days(*ds: str) -> np.ndarray:
    return np.array(ds, dtype="datetime64[D]")


def _due(start: str, n: int, working: bool = False) -> str:
    """Last day of one limit, asserting that no calendar warning is raised inside 2004–2026."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        out, known = work_calendar().due(_days(start), n, working)
    assert bool(known[0])
    return str(out[0])


# ----------------------------------------------------------------------------- working days


def test_working_days_across_national_day_2025():
    # 09-26 Fri start (not counted); 09-27 Sat rest; 09-28 Sun make-up (1); 09-29 (2); 09-30 (3);
    # 10-01..08 National Day + Mid-Autumn off; 10-09 Thu (4); 10-10 Fri (5)
    assert _due("2025-09-26", 5, working=True) == "2025-10-10"
    # 5 more: 10-11 Sat make-up (6); 10-12 Sun rest; 10-13..16 Mon–Thu (7..10)
    assert _due("2025-09-26", 10, working=True) == "2025-10-16"


def test_working_days_across_national_day_2024():
    # 09-25 Wed start; 09-26 (1); 09-27 (2); 09-28 Sat rest; 09-29 Sun make-up (3); 09-30 (4);
    # 10-01..07 off; 10-08 (5); 10-09 (6); 10-10 (7); 10-11 Fri (8); 10-12 Sat make-up (9);
    # 10-13 Sun rest; 10-14 Mon (10)
    assert _due("2024-09-25", 10, working=True) == "2024-10-14"
    # 09-27 Fri start; 09-29 Sun make-up (1); 09-30 (2); 10-01..07 off; 10-08 (3); 10-09 (4); 10-10 (5)
    assert _due("2024-09-27", 5, working=True) == "2024-10-10"


def test_working_days_across_spring_festival_2024():
    # 02-08 Thu start; 02-09 Fri (1; 除夕 is not an official day off in 2024); 02-10..17 off;
    # 02-18 Sun make-up (2); 02-19 Mon (3)
    assert _due("2024-02-08", 3, working=True) == "2024-02-19"
    # 02-02 Fri start; 02-03 Sat rest; 02-04 Sun make-up (1); 02-05..09 Mon–Fri (2..6);
    # 02-10..17 off; 02-18 Sun make-up (7); 02-19 (8); 02-20 (9); 02-21 Wed (10)
    assert _due("2024-02-02", 10, working=True) == "2024-02-21"


def test_make_up_weekend_days_are_working_days():
    cal = work_calendar()
    days = _days(
        "2025-09-28",  # Sun, make-up working day before National Day
        "2025-10-11",  # Sat, make-up working day after National Day
        "2024-02-04",  # Sun, make-up working day before Spring Festival
        "2024-02-18",  # Sun, make-up working day after Spring Festival
        "2025-09-27",  # Sat, ordinary weekend
        "2025-10-08",  # Wed, statutory holiday (last day of the 2025 National Day break)
        "2025-10-09",  # Thu, ordinary working day
    )
    assert cal.is_workday(days).tolist() == [True, True, True, True, False, False, True]
    # (09-26, 10-12]: 09-28 Sun make-up, 09-29, 09-30, 10-09, 10-10, 10-11 Sat make-up = 6
    # (10-11 Sat is counted; 10-01..08 holiday and 09-27 / 10-12 weekend days are not)
    assert cal.working_days_between(_days("2025-09-26"), _days("2025-10-12")).tolist() == [6.0]
    # the reverse order is negative, the same day is zero
    assert cal.working_days_between(_days("2025-10-12", "2025-10-09"), _days("2025-09-26", "2025-10-09")).tolist() == [-6.0, 0.0]
    # 3 working days from 2025-09-30 Tue: 10-09 (1), 10-10 (2), 10-11 Sat make-up (3) — the
    # last day falls on the make-up Saturday itself
    assert _due("2025-09-30", 3, working=True) == "2025-10-11"
    # 10 working days from 2025-09-30: ... 10-11 Sat (3); 10-13..17 (4..8); 10-20 (9); 10-21 (10).
    # Without the make-up Saturday it would be 10-22.
    assert _due("2025-09-30", 10, working=True) == "2025-10-21"


# ----------------------------------------------------------------------------- calendar days


def test_calendar_limit_ending_on_a_holiday_rolls_past_it():
    # DESIGN §4 example: 2025-08-03 + 60 = 10-02, inside the 10-01..08 break → 10-09 Thu
    assert _due("2025-08-03", 60) == "2025-10-09"
    # 2024-08-08 + 60 = 10-07 (last day of the 10-01..07 break) → 10-08 Tue
    assert _due("2024-08-08", 60) == "2024-10-08"
    # 2025-03-03 + 60 = 05-02, inside the May 1–5 break → 05-06 Tue
    assert _due("2025-03-03", 60) == "2025-05-06"
    # 2024-01-11 + 30 = 02-10 (Spring Festival day 1); 02-11..17 still off; the day after the
    # holiday, 02-18, is a make-up working Sunday → the limit ends on that Sunday
    assert _due("2024-01-11", 30) == "2024-02-18"


def test_calendar_limit_ending_on_an_ordinary_weekend_rolls_to_monday():
    # 2025-03-08 (Sat) + 15 = 03-23 Sun → 03-24 Mon
    assert _due("2025-03-08", 15) == "2025-03-24"
    # 2025-08-01 + 15 = 08-16 Sat → 08-18 Mon
    assert _due("2025-08-01", 15) == "2025-08-18"


def test_calendar_limit_ending_on_a_make_up_working_day_is_not_rolled():
    # 2025-09-13 + 15 = 09-28, a Sunday but a make-up working day → stays
    assert _due("2025-09-13", 15) == "2025-09-28"
    # 2025-09-11 + 30 = 10-11, a Saturday but a make-up working day → stays
    assert _due("2025-09-11", 30) == "2025-10-11"
    # 2024-01-05 + 30 = 02-04, a Sunday but a make-up working day → stays
    assert _due("2024-01-05", 30) == "2024-02-04"


def test_calendar_limit_without_roll():
    cal = work_calendar()
    out, _ = cal.due(_days("2025-08-03"), 60, roll=False)
    assert str(out[0]) == "2025-10-02"  # start + 60, not moved


def test_roll_forward():
    cal = work_calendar()
    got = cal.roll_forward(_days("2025-10-01", "2025-09-27", "2025-09-29", "2024-02-10", "NaT"))
    # 10-01 → 10-09 (break 10-01..08); 09-27 Sat → 09-28 Sun make-up; 09-29 Mon stays;
    # 2024-02-10 → 02-18 Sun make-up (break 02-10..17); NaT stays NaT
    assert [str(d) for d in got] == ["2025-10-09", "2025-09-28", "2025-09-29", "2024-02-18", "NaT"]


def test_due_per_row_limits_and_modes():
    cal = work_calendar()
    out, known = cal.due(
        _days("2025-08-03", "2025-09-26", "NaT", "2024-02-08"),
        np.array([60, 5, 10, 3]),
        np.array([False, True, True, True]),
    )
    # calendar 60 → 10-09; working 5 → 10-10; NaT start → NaT; working 3 across Spring Festival → 02-19
    assert [str(d) for d in out] == ["2025-10-09", "2025-10-10", "NaT", "2024-02-19"]
    assert known.tolist() == [True, True, True, True]


# ----------------------------------------------------------------------------- outside the known years


def test_dates_outside_the_known_years_warn():
    cal = work_calendar()
    # 2027-01-01 (Fri) is New Year's Day, but 2027's notice is unknown: only weekends are rest
    # days there, so it is a "working day" — and the call must say so
    with pytest.warns(CalendarWarning, match="outside the years"):
        assert cal.is_workday(_days("2027-01-01")).tolist() == [True]
    # a start inside the calendar whose last day is outside: 2026-11-02 + 60 = 2027-01-01 (not rolled)
    with pytest.warns(CalendarWarning):
        out, known = cal.due(_days("2026-11-02", "2025-08-03"), 60)
    assert [str(d) for d in out] == ["2027-01-01", "2025-10-09"]
    assert known.tolist() == [False, True]
    # before 2004
    with pytest.warns(CalendarWarning):
        out, known = cal.due(_days("2003-06-02"), 15)
    assert str(out[0]) == "2003-06-17" and not known[0]  # 06-17 is a Tuesday
    with pytest.warns(CalendarWarning):
        cal.roll_forward(_days("2030-06-01"))
    with pytest.warns(CalendarWarning):
        cal.working_days_between(_days("2026-12-30"), _days("2027-01-05"))
    # inside the range: silent
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        cal.is_workday(_days("2004-01-01", "2026-12-31"))
        cal.due(_days("2026-12-01"), 10, warn=True)
    # warn=False suppresses the warning but not the mask
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalendarWarning)
        _, known = cal.due(_days("2027-03-01"), 10, warn=False)
    assert not known[0]


# ----------------------------------------------------------------------------- reference implementation


def _ref_due(start: dt.date, n: int, working: bool) -> dt.date:
    """A slow, obvious reading of the rules, one day at a time, on chinese_calendar.is_workday."""
    if working:
        d, k = start, 0
        while k < n:
            d += dt.timedelta(days=1)
            if chinese_calendar.is_workday(d):
                k += 1
        return d
    d = start + dt.timedelta(days=n)
    while not chinese_calendar.is_workday(d):
        d += dt.timedelta(days=1)
    return d


def test_due_matches_a_day_by_day_reference():
    rng = random.Random(20250803)
    lo, hi = dt.date(2004, 1, 1).toordinal(), dt.date(2026, 6, 30).toordinal()
    starts = [dt.date.fromordinal(rng.randint(lo, hi)) for _ in range(400)]
    # hand-picked starts around the holidays checked above, so the sample always crosses them
    starts += [dt.date(2025, 9, 26), dt.date(2024, 2, 8), dt.date(2025, 8, 3), dt.date(2024, 1, 11)]
    limits = [rng.randint(1, 90) for _ in starts]
    modes = [rng.random() < 0.5 for _ in starts]
    out, known = work_calendar().due(
        np.array(starts, dtype="datetime64[D]"), np.array(limits), np.array(modes))
    assert known.all()
    want = [_ref_due(s, n, w) for s, n, w in zip(starts, limits, modes, strict=True)]
    got = [d.astype(dt.date) for d in out]
    bad = [(s, n, w, g, e) for s, n, w, g, e in zip(starts, limits, modes, got, want, strict=True) if g != e]
    assert not bad, bad[:5]


def test_workday_flags_and_counts_match_the_reference():
    cal = work_calendar()
    rng = random.Random(7)
    lo, hi = dt.date(2004, 1, 1).toordinal(), dt.date(2026, 12, 1).toordinal()
    a = [dt.date.fromordinal(rng.randint(lo, hi)) for _ in range(300)]
    b = [d + dt.timedelta(days=rng.randint(0, 30)) for d in a]
    flags = cal.is_workday(np.array(a, dtype="datetime64[D]"))
    assert flags.tolist() == [chinese_calendar.is_workday(d) for d in a]
    counts = cal.working_days_between(np.array(a, dtype="datetime64[D]"), np.array(b, dtype="datetime64[D]"))
    want = [sum(chinese_calendar.is_workday(x + dt.timedelta(days=i)) for i in range(1, (y - x).days + 1))
            for x, y in zip(a, b, strict=True)]
    assert counts.tolist() == [float(w) for w in want]
    rolled = cal.roll_forward(np.array(a, dtype="datetime64[D]"))
    assert [d.astype(dt.date) for d in rolled] == [_ref_due(d, 0, False) for d in a]
