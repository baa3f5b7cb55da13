"""Hand-computed tests of the per-case deadline clocks (DESIGN §4, workbench.rules.clocks).

Each case is built by hand and every expected last day is worked out from the official calendar
(State Council holiday notices, as encoded by ``chinesecalendar``):

- 2024: Spring Festival Feb 10–17 off, Feb 4 (Sun) and Feb 18 (Sun) working; National Day
  Oct 1–7 off, Sep 29 (Sun) and Oct 12 (Sat) working.
- 2025: Labour Day May 1–5 off; Dragon Boat May 31–Jun 2 off; National Day + Mid-Autumn
  Oct 1–8 off, Sep 28 (Sun) and Oct 11 (Sat) working.

Counting: the start day is not counted (Civil Code Art 201); a calendar-day limit whose last day
is a rest day moves to the next working day (Art 203); working-day limits end on the N-th
working day after the start. The deadline is the end of the last day: a stop on it is ``met``,
on the next day ``late`` by one day.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

import workbench as wb
from workbench.rules.calendar import CalendarWarning
from workbench.rules.clocks import clocks

NOW = "2027-06-30"  # the ledgers' export moment: every date below lies before it
OFFICE, UNIT = "县信访局", "县住建局"


# ----------------------------------------------------------------------------- builders


def _case(cid: str, received: str, *, arrived: str | None = None, accepted: str | None = None,
          replied: str | None = None, closed: str | None = None, demand: str = "求决",
          reg: str = OFFICE, resp: str = UNIT) -> dict:
    return {"case_id": cid, "received_at": received, "demand_type": demand, "registered_unit_id": reg,
            "responsible_unit_id": resp, "arrived_at": arrived, "accepted_at": accepted,
            "replied_at": replied, "closed_at": closed}


def _ev(cid: str, at: str, action: str, frm: str | None = UNIT, to: str | None = None, note: str | None = None) -> dict:
    return {"case_id": cid, "at": at, "action": action, "from_unit_id": frm, "to_unit_id": to, "note": note}


def _flow(cid: str, received: str, arrived: str, *more: dict) -> list[dict]:
    """登记 by the office, 交办 to the unit on arrival, then the given events."""
    return [_ev(cid, received, "登记", OFFICE), _ev(cid, arrived, "交办", OFFICE, UNIT), *more]


def _book(cases: list[dict], events: list[dict] | None = None, units: pd.DataFrame | None = None) -> wb.Casebook:
    ev = pd.DataFrame(events, columns=["case_id", "at", "action", "from_unit_id", "to_unit_id", "note"]) if events else None
    book = wb.Casebook.from_frames(cases=pd.DataFrame(cases), events=ev, units=units, now=NOW)
    assert len(book.cases) == len(cases)  # nothing quarantined
    return book


def _row(df: pd.DataFrame, cid: str, clock: str) -> dict:
    """One clock row as plain values: dates as 'YYYY-MM-DD', why as a set of codes."""
    sel = df[(df["case_id"] == cid) & (df["clock"] == clock)]
    assert len(sel) == 1, f"{cid}/{clock}: {len(sel)} rows"
    r = sel.iloc[0]

    def day(v) -> str | None:
        return None if pd.isna(v) else str(pd.Timestamp(v).date())

    def num(v) -> int | None:
        return None if pd.isna(v) else int(v)

    return {
        "party": str(r["party"]), "unit_id": None if pd.isna(r["unit_id"]) else str(r["unit_id"]),
        "start": day(r["start"]), "due": day(r["due"]), "stop": day(r["stop"]), "status": str(r["status"]),
        "days_late": num(r["days_late"]), "days_left": num(r["days_left"]), "elapsed": float(r["elapsed"]),
        "warn_level": num(r["warn_level"]), "limit": num(r["limit"]), "working": bool(r["working"]),
        "extension_days": num(r["extension_days"]), "stop_by": None if pd.isna(r["stop_by"]) else str(r["stop_by"]),
        "why": set(filter(None, str(r["why"]).split(","))),
    }


def _clock_names(df: pd.DataFrame, cid: str) -> list[str]:
    return [str(c) for c in df.loc[df["case_id"] == cid, "clock"]]


def _pick(r: dict, *keys: str) -> dict:
    return {k: r[k] for k in keys}


# ----------------------------------------------------------------------------- 2022, calendar days


def test_handle_limit_ending_in_national_day_moves_past_the_break():
    book = _book([
        _case("H1", "2025-07-30 10:00", arrived="2025-08-01 09:00", accepted="2025-08-03", replied="2025-10-09 17:30"),
        _case("H2", "2025-07-30 10:00", arrived="2025-08-01 09:00", accepted="2025-08-03", replied="2025-10-10 09:00"),
        _case("H3", "2024-08-05", arrived="2024-08-06", accepted="2024-08-08", replied="2024-10-08"),
    ])
    df = clocks(book, as_of="2025-12-31")
    assert _clock_names(df, "H1") == ["route", "accept", "handle"]  # no review window: nobody asked
    # route: 07-30 + 15 = 08-14 Thu (working); stopped by the 交办 derived at arrival 08-01
    assert _pick(_row(df, "H1", "route"), "party", "unit_id", "due", "stop", "status", "stop_by") == {
        "party": "office", "unit_id": OFFICE, "due": "2025-08-14", "stop": "2025-08-01", "status": "met",
        "stop_by": "route"}
    # accept: 08-01 + 15 = 08-16 Sat → 08-18 Mon; accepted 08-03
    assert _pick(_row(df, "H1", "accept"), "unit_id", "due", "status", "stop_by") == {
        "unit_id": UNIT, "due": "2025-08-18", "status": "met", "stop_by": "accept"}
    # handle: 08-03 + 60 = 10-02, inside the 10-01..08 break → 10-09 Thu; replied on 10-09 at 17:30
    h1 = _row(df, "H1", "handle")
    assert _pick(h1, "start", "due", "stop", "status", "days_late", "limit", "working", "extension_days", "stop_by", "why") == {
        "start": "2025-08-03", "due": "2025-10-09", "stop": "2025-10-09", "status": "met", "days_late": 0,
        "limit": 60, "working": False, "extension_days": 0, "stop_by": "reply", "why": set()}
    # H2 replied the next morning: late by one calendar day
    assert _pick(_row(df, "H2", "handle"), "due", "status", "days_late") == {"due": "2025-10-09", "status": "late", "days_late": 1}
    # H3: 2024-08-08 + 60 = 10-07, the last day of the 10-01..07 break → 10-08 Tue; replied that day
    assert _pick(_row(df, "H3", "handle"), "due", "status", "days_late") == {"due": "2024-10-08", "status": "met", "days_late": 0}


def test_accept_limit_ending_on_a_holiday_or_make_up_day():
    book = _book([
        _case("A1", "2025-09-15", arrived="2025-09-16", accepted="2025-10-09"),
        _case("A2", "2025-09-12", arrived="2025-09-13", accepted="2025-09-29"),
    ])
    df = clocks(book, as_of="2025-12-31")
    # A1: 09-16 + 15 = 10-01, National Day → 10-09 Thu; accepted on 10-09
    assert _pick(_row(df, "A1", "accept"), "due", "status", "days_late") == {"due": "2025-10-09", "status": "met", "days_late": 0}
    # A2: 09-13 + 15 = 09-28, a Sunday but a make-up working day → not moved; accepted 09-29 is late
    assert _pick(_row(df, "A2", "accept"), "due", "status", "days_late") == {"due": "2025-09-28", "status": "late", "days_late": 1}


def test_route_clock_rolls_past_the_holiday_and_needs_a_petition_office():
    units = pd.DataFrame({"unit_id": [OFFICE, UNIT], "name": [OFFICE, UNIT], "kind": ["信访部门", "行政机关"]})
    book = _book(
        [
            _case("R1", "2025-09-20"),
            _case("R2", "2025-09-20"),
            _case("R3", "2025-09-20", reg=UNIT, resp=UNIT),  # the unit registered its own matter
            _case("R4", "2025-09-20", reg=OFFICE, resp=OFFICE),  # the office handles it itself
        ],
        [
            _ev("R1", "2025-09-20", "登记", OFFICE), _ev("R1", "2025-10-09 16:00", "转送", OFFICE, UNIT),
            _ev("R2", "2025-09-20", "登记", OFFICE), _ev("R2", "2025-10-10", "转送", OFFICE, UNIT),
        ],
        units,
    )
    df = clocks(book, as_of="2025-12-31")
    # 09-20 (Sat) + 15 = 10-05, inside the 10-01..08 break → 10-09 Thu
    assert _pick(_row(df, "R1", "route"), "due", "stop", "status", "days_late", "unit_id") == {
        "due": "2025-10-09", "stop": "2025-10-09", "status": "met", "days_late": 0, "unit_id": OFFICE}
    assert _pick(_row(df, "R2", "route"), "due", "status", "days_late") == {"due": "2025-10-09", "status": "late", "days_late": 1}
    # registered by the responsible unit, which is no petition office: no route clock
    assert "route" not in _clock_names(df, "R3")
    # registered and handled by the same unit, but its kind is 信访部门: the route clock applies
    assert _pick(_row(df, "R4", "route"), "due", "status") == {"due": "2025-10-09", "status": "met"}


# ----------------------------------------------------------------------------- working-day policies


def test_simplified_policy_working_days_across_national_day():
    book = _book([
        _case("S1", "2025-09-17", arrived="2025-09-18", accepted="2025-09-19", replied="2025-10-10 18:00", demand="咨询"),
        _case("S2", "2025-09-17", arrived="2025-09-18", accepted="2025-09-19", replied="2025-10-11 10:00", demand="咨询"),
    ])
    df = clocks(book, policy="simplified", as_of="2025-12-31")
    assert df.attrs["policy"] == "simplified"
    # accept (3 working days from 09-18 Thu): 09-19 Fri (1), 09-22 Mon (2), 09-23 Tue (3)
    assert _pick(_row(df, "S1", "accept"), "due", "status", "limit", "working") == {
        "due": "2025-09-23", "status": "met", "limit": 3, "working": True}
    # handle (10 working days from 09-19 Fri, any demand type): 09-22..26 (1..5); 09-27 Sat rest;
    # 09-28 Sun make-up (6); 09-29 (7); 09-30 (8); 10-01..08 off; 10-09 (9); 10-10 Fri (10)
    assert _pick(_row(df, "S1", "handle"), "due", "status", "days_late", "limit", "working") == {
        "due": "2025-10-10", "status": "met", "days_late": 0, "limit": 10, "working": True}
    # S2 replied on 10-11, a make-up working Saturday, one day after the last day
    assert _pick(_row(df, "S2", "handle"), "due", "status", "days_late") == {"due": "2025-10-10", "status": "late", "days_late": 1}
    # route stays in calendar days: 09-17 + 15 = 10-02 → 10-09
    assert _row(df, "S1", "route")["due"] == "2025-10-09"


def test_hotline_policy_working_days_across_spring_festival_2024():
    book = _book([
        _case("T1", "2024-02-08 10:00", arrived="2024-02-18 09:00", accepted="2024-02-19", replied="2024-03-04",
              reg="市12345热线", resp="区城管局"),
        _case("T2", "2024-02-06", arrived="2024-02-06", accepted="2024-02-06", replied="2024-02-27",
              reg="市12345热线", resp="区城管局"),
    ])
    df = clocks(book, policy="12345", as_of="2024-06-30")
    # route (1 working day from 02-08 Thu): 02-09 Fri (1). Dispatched 02-18 (the 交办 derived at
    # arrival): 9 calendar days after the last day
    assert _pick(_row(df, "T1", "route"), "due", "stop", "status", "days_late") == {
        "due": "2024-02-09", "stop": "2024-02-18", "status": "late", "days_late": 9}
    # accept (1 working day from 02-18, a make-up Sunday): 02-19 Mon (1)
    assert _pick(_row(df, "T1", "accept"), "due", "status") == {"due": "2024-02-19", "status": "met"}
    # handle (10 working days from 02-19 Mon): 02-20..23 (1..4); 02-26..29 (5..8, leap year);
    # 03-01 Fri (9); 03-04 Mon (10)
    assert _pick(_row(df, "T1", "handle"), "due", "status") == {"due": "2024-03-04", "status": "met"}
    # T2 handle (10 working days from 02-06 Tue): 02-07 (1); 02-08 (2); 02-09 Fri (3); 02-10..17 off;
    # 02-18 Sun make-up (4); 02-19..23 (5..9); 02-24/25 weekend; 02-26 Mon (10). Replied 02-27.
    assert _pick(_row(df, "T2", "handle"), "due", "status", "days_late") == {"due": "2024-02-26", "status": "late", "days_late": 1}
    # T2 accept (1 working day from 02-06): 02-07
    assert _row(df, "T2", "accept")["due"] == "2024-02-07"


def test_make_up_saturday_is_a_working_day_for_clocks():
    book = _book([
        _case("M1", "2025-09-29", arrived="2025-09-30", accepted="2025-10-11 10:00", replied="2025-10-24", demand="建议"),
        _case("M2", "2025-09-29", arrived="2025-09-30", accepted="2025-10-12 10:00", demand="建议"),
    ])
    df = clocks(book, policy="simplified", as_of="2025-10-24 23:00")
    # accept (3 working days from 09-30 Tue): 10-01..08 off; 10-09 (1); 10-10 (2); 10-11 Sat make-up (3)
    assert _pick(_row(df, "M1", "accept"), "due", "status") == {"due": "2025-10-11", "status": "met"}
    assert _pick(_row(df, "M2", "accept"), "due", "status", "days_late") == {"due": "2025-10-11", "status": "late", "days_late": 1}
    # M1 handle from 10-11 (the make-up Saturday, not counted): 10-13..17 (1..5); 10-20..24 (6..10)
    assert _pick(_row(df, "M1", "handle"), "due", "status") == {"due": "2025-10-24", "status": "met"}
    # M2 handle from 10-12 Sun: the same ten days → 10-24; on 10-24 all 10 working days are used:
    # still open, on its last day, warning level 100
    assert _pick(_row(df, "M2", "handle"), "due", "status", "days_left", "elapsed", "warn_level") == {
        "due": "2025-10-24", "status": "approaching", "days_left": 0, "elapsed": 1.0, "warn_level": 100}
    # two working days earlier (10-22): 8 of 10 used (10-13..17, 10-20..22) → 80 % → level 75
    m2 = _row(clocks(book, policy="simplified", as_of="2025-10-22"), "M2", "handle")
    assert _pick(m2, "status", "days_left", "elapsed", "warn_level") == {
        "status": "approaching", "days_left": 2, "elapsed": 0.8, "warn_level": 75}


# ----------------------------------------------------------------------------- extensions (2022)

# All extension cases: accepted 2025-03-03 (Mon). 03-03 + 60 = 05-02, inside the May 1–5 break →
# last day 05-06 Tue. With 30 days more: 03-03 + 90 = 06-01, inside the Dragon Boat break
# (05-31..06-02) → 06-03 Tue.


def _ext_case(cid: str, replied: str | None, *extends: tuple[str, str | None]) -> tuple[dict, list[dict]]:
    case = _case(cid, "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", replied=replied)
    events = _flow(cid, "2025-03-01", "2025-03-02", _ev(cid, "2025-03-03", "受理"),
                   *(_ev(cid, at, "延期", note=note) for at, note in extends),
                   *([_ev(cid, replied, "答复")] if replied else []))
    return case, events


def _ext_book(*specs: tuple) -> wb.Casebook:
    cases, events = [], []
    for spec in specs:
        c, e = _ext_case(*spec)
        cases.append(c)
        events += e
    return _book(cases, events)


def test_approved_extension_makes_the_reply_on_time():
    book = _ext_book(("E0", "2025-06-03"), ("E1", "2025-06-03", ("2025-04-20", "延期30日，经分管负责人批准")))
    df = clocks(book, as_of="2025-12-31")
    # without an extension: last day 05-06, replied 06-03 → 28 days late (05-06 → 06-03)
    assert _pick(_row(df, "E0", "handle"), "due", "status", "days_late", "extension_days") == {
        "due": "2025-05-06", "status": "late", "days_late": 28, "extension_days": 0}
    # with 30 approved days (made 04-20, before 05-06): last day 06-03, replied that day
    assert _pick(_row(df, "E1", "handle"), "due", "status", "days_late", "extension_days", "why") == {
        "due": "2025-06-03", "status": "met", "days_late": 0, "extension_days": 30, "why": {"extended"}}


def test_extension_without_days_in_the_note_counts_30():
    book = _ext_book(("E7", None, ("2025-04-20", None)), ("E8", None, ("2025-04-20", "延期15日")))
    df = clocks(book, as_of="2025-05-20")
    # no days in the note → 30: 03-03 + 90 → 06-03; on 05-20, 14 days left, 78 of 92 days used → 75
    assert _pick(_row(df, "E7", "handle"), "due", "status", "extension_days", "days_left", "warn_level") == {
        "due": "2025-06-03", "status": "approaching", "extension_days": 30, "days_left": 14, "warn_level": 75}
    # 15 days: 03-03 + 75 = 05-17, a Saturday → 05-19 Mon; still open on 05-20 → 1 day past
    assert _pick(_row(df, "E8", "handle"), "due", "status", "days_late", "extension_days") == {
        "due": "2025-05-19", "status": "open_past_limit", "days_late": 1, "extension_days": 15}


def test_extensions_beyond_30_days_are_capped():
    book = _ext_book(("E2", "2025-06-10", ("2025-04-01", "延期20日"), ("2025-04-15", "延期20日")))
    row = _row(clocks(book, as_of="2025-12-31"), "E2", "handle")
    # 20 + 20 = 40 approved days, capped at 30: last day 06-03; replied 06-10 → 7 days late
    assert _pick(row, "due", "status", "days_late", "extension_days", "why") == {
        "due": "2025-06-03", "status": "late", "days_late": 7, "extension_days": 30,
        "why": {"extended", "extension_capped"}}


def test_extension_after_the_last_day_does_not_count():
    book = _ext_book(
        ("E3", "2025-05-20", ("2025-05-07 09:00", "延期30日")),  # the day after the last day
        ("E4", "2025-05-20", ("2025-05-06 16:00", "延期30日")),  # on the (moved) last day itself
    )
    df = clocks(book, as_of="2025-12-31")
    # E3: not counted; last day 05-06, replied 05-20 → 14 days late
    assert _pick(_row(df, "E3", "handle"), "due", "status", "days_late", "extension_days", "why") == {
        "due": "2025-05-06", "status": "late", "days_late": 14, "extension_days": 0, "why": {"extension_after_due"}}
    # E4: 05-06 is the last day (05-02 moved past the May break), so the extension is in time → 06-03
    assert _pick(_row(df, "E4", "handle"), "due", "status", "extension_days", "why") == {
        "due": "2025-06-03", "status": "met", "extension_days": 30, "why": {"extended"}}


def test_unapproved_extension_does_not_count():
    book = _ext_book(
        ("E5", "2025-05-06", ("2025-04-20", "延期申请未批准")),
        ("E6", "2025-05-08", ("2025-04-20", "延期30日（不予批准）")),
    )
    df = clocks(book, as_of="2025-12-31")
    assert _pick(_row(df, "E5", "handle"), "due", "status", "extension_days", "why") == {
        "due": "2025-05-06", "status": "met", "extension_days": 0, "why": {"extension_not_approved"}}
    assert _pick(_row(df, "E6", "handle"), "due", "status", "days_late", "extension_days", "why") == {
        "due": "2025-05-06", "status": "late", "days_late": 2, "extension_days": 0, "why": {"extension_not_approved"}}


# ----------------------------------------------------------------------------- missing steps


def test_missing_acceptance_counts_the_handle_clock_from_arrival():
    book = _book([_case("F1", "2025-04-09", arrived="2025-04-10", replied="2025-06-10", demand="申诉")])
    df = clocks(book, as_of="2025-06-10")
    # handle from arrival 04-10: + 60 = 06-09 Mon; replied 06-10 → 1 day late
    assert _pick(_row(df, "F1", "handle"), "start", "due", "status", "days_late", "why") == {
        "start": "2025-04-10", "due": "2025-06-09", "status": "late", "days_late": 1, "why": {"start_fallback"}}
    # the acceptance clock never stopped: 04-10 + 15 = 04-25 Fri; on 06-10 it is 46 days past
    # (04-25 → 04-30: 5, → 05-31: 36, → 06-10: 46)
    assert _pick(_row(df, "F1", "accept"), "due", "stop", "status", "days_late", "days_left", "warn_level") == {
        "due": "2025-04-25", "stop": None, "status": "open_past_limit", "days_late": 46, "days_left": None,
        "warn_level": 0}


def test_rejected_case_has_no_handle_clock():
    book = _book(
        [_case("J1", "2025-04-09", arrived="2025-04-10")],
        _flow("J1", "2025-04-09", "2025-04-10", _ev("J1", "2025-04-12", "不予受理", note="不属于信访事项")),
    )
    df = clocks(book, as_of="2025-12-31")
    assert _clock_names(df, "J1") == ["route", "accept"]
    # the rejection answers the acceptance question: 04-10 + 15 = 04-25, stopped 04-12
    assert _pick(_row(df, "J1", "accept"), "due", "status", "stop_by") == {"due": "2025-04-25", "status": "met", "stop_by": "reject"}


def test_return_outside_remit_has_five_working_days():
    def returned(cid: str, at: str, accepted: str | None = None) -> tuple[dict, list[dict]]:
        more = [_ev(cid, accepted, "受理")] if accepted else []
        more.append(_ev(cid, at, "退回", UNIT, OFFICE, "不属于本单位职权范围"))
        return (_case(cid, "2025-09-23", arrived="2025-09-24", accepted=accepted),
                _flow(cid, "2025-09-23", "2025-09-24", *more))

    parts = [returned("X1", "2025-09-30 17:00"), returned("X2", "2025-10-10"),
             returned("X3", "2025-10-10", accepted="2025-09-25")]
    book = _book([c for c, _ in parts], [e for _, es in parts for e in es])
    df = clocks(book, as_of="2025-12-31")
    # 5 working days from 09-24 Wed: 09-25 (1); 09-26 (2); 09-27 Sat rest; 09-28 Sun make-up (3);
    # 09-29 (4); 09-30 (5)
    assert _pick(_row(df, "X1", "accept"), "due", "status", "limit", "working", "stop_by", "why") == {
        "due": "2025-09-30", "status": "met", "limit": 5, "working": True, "stop_by": "return",
        "why": {"returned_outside_remit"}}
    # returned on 10-10: 10 calendar days after 09-30
    assert _pick(_row(df, "X2", "accept"), "due", "status", "days_late", "why") == {
        "due": "2025-09-30", "status": "late", "days_late": 10, "why": {"returned_outside_remit"}}
    # returned after it was accepted: the ordinary 15 days (09-24 + 15 = 10-09, a working day),
    # stopped by the acceptance on 09-25
    assert _pick(_row(df, "X3", "accept"), "due", "status", "limit", "working", "stop_by", "why") == {
        "due": "2025-10-09", "status": "met", "limit": 15, "working": False, "stop_by": "accept", "why": set()}


# ----------------------------------------------------------------------------- review chain


@functools.cache  # clocks never change a book: build it once
def _review_book() -> wb.Casebook:
    return _book(
        [_case("V1", "2025-01-02", arrived="2025-01-03", accepted="2025-01-06", replied="2025-02-20"),
         _case("V2", "2025-01-02", arrived="2025-01-03", accepted="2025-01-06", replied="2025-02-20")],
        _flow("V1", "2025-01-02", "2025-01-03",
              _ev("V1", "2025-01-06", "受理"), _ev("V1", "2025-02-20", "答复"),
              _ev("V1", "2025-03-10", "复查申请", "市政府"), _ev("V1", "2025-04-09 15:00", "复查", "市政府"),
              _ev("V1", "2025-05-12", "复核申请", "省政府")),
    )


def test_review_and_recheck_chain():
    df = clocks(_review_book(), as_of="2025-06-20")
    assert _clock_names(df, "V1") == ["route", "accept", "handle", "review_request", "review", "recheck_request", "recheck"]
    # handle: 01-06 + 60 = 03-07 Fri; replied 02-20
    assert _pick(_row(df, "V1", "handle"), "due", "status") == {"due": "2025-03-07", "status": "met"}
    # petitioner's window: 02-20 + 30 = 03-22 Sat → 03-24 Mon; requested 03-10
    assert _pick(_row(df, "V1", "review_request"), "party", "start", "due", "stop", "status") == {
        "party": "petitioner", "start": "2025-02-20", "due": "2025-03-24", "stop": "2025-03-10", "status": "met"}
    # review: 03-10 + 30 = 04-09 Wed; reviewed 04-09 15:00, by the organ that received the request
    assert _pick(_row(df, "V1", "review"), "party", "unit_id", "due", "status", "days_late") == {
        "party": "reviewer", "unit_id": "市政府", "due": "2025-04-09", "status": "met", "days_late": 0}
    # recheck window: 04-09 + 30 = 05-09 Fri; requested 05-12 → 3 days late
    assert _pick(_row(df, "V1", "recheck_request"), "party", "due", "status", "days_late") == {
        "party": "petitioner", "due": "2025-05-09", "status": "late", "days_late": 3}
    # recheck: 05-12 + 30 = 06-11 Wed; not decided by 06-20 → 9 days past
    assert _pick(_row(df, "V1", "recheck"), "party", "unit_id", "due", "status", "days_late") == {
        "party": "reviewer", "unit_id": "省政府", "due": "2025-06-11", "status": "open_past_limit", "days_late": 9}
    # V2 replied and nobody asked for a review: no petitioner windows, no review clocks
    assert _clock_names(df, "V2") == ["route", "accept", "handle"]


def test_review_chain_as_of_mid_review():
    df = clocks(_review_book(), as_of="2025-03-31")
    assert _clock_names(df, "V1") == ["route", "accept", "handle", "review_request", "review"]
    # review 03-10 → 04-09 (30 days); on 03-31 21 days are used (70 %) → level 50, 9 days left
    assert _pick(_row(df, "V1", "review"), "due", "stop", "status", "elapsed", "warn_level", "days_left") == {
        "due": "2025-04-09", "stop": None, "status": "approaching", "elapsed": 0.7, "warn_level": 50, "days_left": 9}


# ----------------------------------------------------------------------------- policies


def test_2005_handles_every_demand_type_2022_only_requests_and_appeals():
    book = _book([
        _case("P1", "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", replied="2025-05-07", demand="建议"),
        _case("P2", "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", replied="2025-05-07", demand="appeal"),
        _case("P3", "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", replied="2025-05-07", demand="揭发控告"),
    ])
    new, old = clocks(book, as_of="2025-12-31"), clocks(book, policy="2005", as_of="2025-12-31")
    # 2022 Art 31(6)/34: the 60-day handling limit is for 申诉求决 matters only
    assert _clock_names(new, "P1") == ["route", "accept"]
    assert _clock_names(new, "P3") == ["route", "accept"]
    assert _clock_names(new, "P2") == ["route", "accept", "handle"]
    # 2005 Art 33: every accepted matter. 03-03 + 60 = 05-02 (May break) → 05-06; replied 05-07
    for cid in ("P1", "P2", "P3"):
        assert _pick(_row(old, cid, "handle"), "due", "status", "days_late") == {"due": "2025-05-06", "status": "late", "days_late": 1}
    assert _pick(_row(new, "P2", "handle"), "due", "status", "days_late") == {"due": "2025-05-06", "status": "late", "days_late": 1}


def test_2005_has_no_five_working_day_return_limit():
    book = _book(
        [_case("X2", "2025-09-23", arrived="2025-09-24")],
        _flow("X2", "2025-09-23", "2025-09-24", _ev("X2", "2025-10-10", "退回", UNIT, OFFICE)),
    )
    row = _row(clocks(book, policy="2005", as_of="2025-10-10"), "X2", "accept")
    # a return does not stop the 2005 acceptance clock: 09-24 + 15 = 10-09; open on 10-10, 1 day past
    assert _pick(row, "due", "status", "days_late", "limit", "why") == {
        "due": "2025-10-09", "status": "open_past_limit", "days_late": 1, "limit": 15, "why": set()}


def test_user_policy_file_with_custom_limits(tmp_path):
    path = tmp_path / "local.toml"
    path.write_text("""
[policy]
name = "local-test"
title_zh = "某地测试规则"

[[clocks]]
name = "handle"
start = "accept"
stop = ["reply"]
limit = 45
days = "calendar"

[[clocks]]
name = "accept"
start = "arrive"
stop = ["accept", "reject"]
limit = 7
days = "工作日"
""", encoding="utf-8")
    book = _book([_case("L1", "2024-09-25", arrived="2024-09-26", accepted="2024-10-09", replied="2024-11-25", demand="建议")])
    df = clocks(book, policy=str(path), as_of="2024-12-31")
    assert df.attrs["policy"] == "local-test"
    assert _clock_names(df, "L1") == ["handle", "accept"]
    # accept, 7 working days from 09-26 Thu: 09-27 (1); 09-28 Sat rest; 09-29 Sun make-up (2);
    # 09-30 (3); 10-01..07 off; 10-08 (4); 10-09 (5); 10-10 (6); 10-11 Fri (7)
    assert _pick(_row(df, "L1", "accept"), "due", "status", "limit", "working") == {
        "due": "2024-10-11", "status": "met", "limit": 7, "working": True}
    # handle, 45 calendar days from 10-09 for any demand type: + 22 = 10-31, + 23 = 11-23 Sat → 11-25 Mon
    assert _pick(_row(df, "L1", "handle"), "due", "status", "limit", "working") == {
        "due": "2024-11-25", "status": "met", "limit": 45, "working": False}


# ----------------------------------------------------------------------------- as_of and warnings


@functools.cache  # clocks never change a book: build it once
def _warn_book() -> wb.Casebook:
    # accepted 2025-06-05 Thu: + 60 = 08-04 Mon, a working day, so the window is exactly 60 days
    return _book([
        _case("W1", "2025-06-04", arrived="2025-06-04", accepted="2025-06-05"),
        _case("W2", "2025-06-04", arrived="2025-06-04", accepted="2025-06-05", replied="2025-08-01 10:00"),
    ])


@pytest.mark.parametrize(("as_of", "status", "elapsed", "warn_level", "days_left", "days_late"), [
    ("2025-07-04", "open", 0.4833, 0, 31, 0),              # 29 of 60 days used
    ("2025-07-05", "approaching", 0.5, 50, 30, 0),         # 30 of 60
    ("2025-07-19", "approaching", 0.7333, 50, 16, 0),      # 44 of 60
    ("2025-07-20", "approaching", 0.75, 75, 15, 0),        # 45 of 60
    ("2025-08-03", "approaching", 0.9833, 75, 1, 0),       # 59 of 60
    ("2025-08-04 23:59", "approaching", 1.0, 100, 0, 0),   # the last day: still within the limit
    ("2025-08-05", "open_past_limit", None, 0, None, 1),   # the day after the last day
    ("2025-09-03", "open_past_limit", None, 0, None, 30),  # 08-04 → 09-03: 30 days
])
def test_warning_levels_and_open_past_limit(as_of, status, elapsed, warn_level, days_left, days_late):
    row = _row(clocks(_warn_book(), as_of=as_of), "W1", "handle")
    assert row["due"] == "2025-08-04"
    got = _pick(row, "status", "warn_level", "days_left", "days_late")
    assert got == {"status": status, "warn_level": warn_level, "days_left": days_left, "days_late": days_late}
    if elapsed is not None:
        assert row["elapsed"] == pytest.approx(elapsed, abs=1e-4)


def test_as_of_freezes_today_to_the_minute():
    book = _warn_book()
    # the reply at 08-01 10:00 has not happened at 09:00: still running, 57 of 60 days (95 %)
    before = _row(clocks(book, as_of="2025-08-01 09:00"), "W2", "handle")
    assert _pick(before, "stop", "status", "days_left", "warn_level") == {
        "stop": None, "status": "approaching", "days_left": 3, "warn_level": 75}
    after = _row(clocks(book, as_of="2025-08-01 10:00"), "W2", "handle")
    assert _pick(after, "stop", "status", "days_left", "warn_level") == {
        "stop": "2025-08-01", "status": "met", "days_left": None, "warn_level": 0}
    # a clock that has not started by as_of has no row
    assert _clock_names(clocks(book, as_of="2025-06-04 12:00"), "W1") == ["route", "accept"]
    # no as_of: the latest moment the ledger records (W2's reply, 08-01 10:00) → W1 as on 08-01
    default = clocks(book)
    assert default.attrs["as_of"] == pd.Timestamp("2025-08-01 10:00")
    assert _pick(_row(default, "W1", "handle"), "status", "days_left") == {"status": "approaching", "days_left": 3}


def test_as_of_ignores_a_later_extension():
    # the 30-day extension is made on 04-20; on 04-10 it has not happened
    book = _ext_book(("E1", "2025-06-03", ("2025-04-20", "延期30日")))
    row = _row(clocks(book, as_of="2025-04-10"), "E1", "handle")
    # last day 05-06 (03-03 + 60 = 05-02 → past the May break); 26 days left on 04-10;
    # 38 days used (more than half of the limit either way) → level 50
    assert _pick(row, "due", "status", "extension_days", "days_left", "warn_level", "why") == {
        "due": "2025-05-06", "status": "approaching", "extension_days": 0, "days_left": 26, "warn_level": 50,
        "why": set()}


def test_as_of_ignores_a_later_return():
    book = _book(
        [_case("X2", "2025-09-23", arrived="2025-09-24")],
        _flow("X2", "2025-09-23", "2025-09-24", _ev("X2", "2025-10-10", "退回", UNIT, OFFICE)),
    )
    row = _row(clocks(book, as_of="2025-10-05"), "X2", "accept")
    # on 10-05 nothing has been returned: the ordinary 15 days, 09-24 + 15 = 10-09, 11 of 15 used
    # (73 %) → level 50, 4 days left
    assert _pick(row, "due", "status", "limit", "working", "days_left", "warn_level", "why") == {
        "due": "2025-10-09", "status": "approaching", "limit": 15, "working": False, "days_left": 4,
        "warn_level": 50, "why": set()}


def test_as_of_before_acceptance_or_rejection_counts_from_arrival():
    book = _book(
        [_case("F3", "2025-04-09", arrived="2025-04-10", accepted="2025-04-20"),
         _case("J2", "2025-04-09", arrived="2025-04-10"),
         _case("N1", "2025-04-09", arrived="2025-04-10")],
        _flow("J2", "2025-04-09", "2025-04-10", _ev("J2", "2025-04-20", "不予受理")),
    )
    # on 04-15 nobody has accepted or rejected yet, and the acceptance limit (04-10 + 15 = 04-25)
    # has not run out: the handling clock has not started for any of them
    df = clocks(book, as_of="2025-04-15")
    for cid in ("F3", "J2", "N1"):
        assert _clock_names(df, cid) == ["route", "accept"]
    # on 04-26 N1 is still not accepted past its acceptance limit: the handling clock runs from
    # arrival (04-10 + 60 = 06-09 Mon), with the reason; F3 counts from its acceptance (04-20 +
    # 60 = 06-19); J2 was rejected, so it has none
    df = clocks(book, as_of="2025-04-26")
    assert _pick(_row(df, "N1", "handle"), "start", "due", "status", "why") == {
        "start": "2025-04-10", "due": "2025-06-09", "status": "open", "why": {"start_fallback"}}
    assert _pick(_row(df, "F3", "handle"), "start", "due", "why") == {"start": "2025-04-20", "due": "2025-06-19", "why": set()}
    assert _clock_names(df, "J2") == ["route", "accept"]


def test_dates_outside_the_calendar_warn_and_are_flagged():
    book = _book([
        _case("O1", "2026-10-30", arrived="2026-11-01", accepted="2026-11-02"),
        _case("O2", "2026-03-02", arrived="2026-03-02", accepted="2026-03-03"),
    ])
    with pytest.warns(CalendarWarning, match="calendar_unknown"):
        df = clocks(book, as_of="2026-12-01")
    # 11-02 + 60 = 2027-01-01: New Year's Day, but 2027's holidays are unknown, so it is not moved
    o1 = _row(df, "O1", "handle")
    assert _pick(o1, "due", "status") == {"due": "2027-01-01", "status": "open"}
    assert "calendar_unknown" in o1["why"]
    # the acceptance clock of the same case lies inside 2026: 11-01 + 15 = 11-16 Mon, no flag
    assert _pick(_row(df, "O1", "accept"), "due", "status", "why") == {"due": "2026-11-16", "status": "met", "why": set()}
    # O2: 03-03 + 60 = 05-02, inside the 2026 May 1–5 break → 05-06 Wed; no flag
    assert _pick(_row(df, "O2", "handle"), "due", "why") == {"due": "2026-05-06", "why": set()}


# ----------------------------------------------------------------------------- purity


@functools.cache  # clocks never change a book: build it once
def _all_cases_book() -> wb.Casebook:
    cases = [
        _case("H1", "2025-07-30 10:00", arrived="2025-08-01 09:00", accepted="2025-08-03", replied="2025-10-09 17:30"),
        _case("F1", "2025-04-09", arrived="2025-04-10", replied="2025-06-10", demand="申诉"),
        _case("P1", "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", demand="建议"),
        _case("V1", "2025-01-02", arrived="2025-01-03", accepted="2025-01-06", replied="2025-02-20"),
        _case("J1", "2025-04-09", arrived="2025-04-10"),
        _case("E2", "2025-03-01", arrived="2025-03-02", accepted="2025-03-03", replied="2025-06-10"),
        _case("R3", "2025-09-20", reg=UNIT, resp=UNIT),
    ]
    events = [
        *_flow("V1", "2025-01-02", "2025-01-03", _ev("V1", "2025-01-06", "受理"), _ev("V1", "2025-02-20", "答复"),
               _ev("V1", "2025-03-10", "复查申请", "市政府"), _ev("V1", "2025-04-09", "复查", "市政府"),
               _ev("V1", "2025-05-12", "复核申请", "省政府")),
        *_flow("J1", "2025-04-09", "2025-04-10", _ev("J1", "2025-04-12", "不予受理")),
        *_flow("E2", "2025-03-01", "2025-03-02", _ev("E2", "2025-03-03", "受理"), _ev("E2", "2025-04-01", "延期", note="延期20日"),
               _ev("E2", "2025-04-15", "延期", note="延期20日"), _ev("E2", "2025-06-10", "答复")),
    ]
    return _book(cases, events)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


@pytest.mark.parametrize("policy", ["2022", "2005", "simplified", "12345"])
def test_clocks_of_a_subset_equal_the_full_run(policy):
    book = _all_cases_book()
    full = clocks(book, policy=policy, as_of="2025-06-20")
    assert {"F1", "P1", "V1", "J1", "E2"} <= set(full["case_id"])  # H1 starts after as_of: no rows
    for ids in (["V1"], ["J1"], ["E2", "F1"], ["R3", "P1", "H1"]):
        sub = clocks(book.where(cases=ids), policy=policy, as_of="2025-06-20")
        want = full[full["case_id"].isin(ids)]
        pd.testing.assert_frame_equal(
            _plain(sub).sort_values(["case_id", "clock"]).reset_index(drop=True),
            _plain(want).sort_values(["case_id", "clock"]).reset_index(drop=True),
            check_dtype=False,
        )
