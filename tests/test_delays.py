"""Where cases stall: stage durations, aging, the warning list and rankings on the hand-made
ledger of tests/test_kpis.py (as_of 2025-07-01), worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb

AS_OF = "2025-07-01"


def _stage(d: pd.DataFrame, cid: str, stage: str) -> tuple[float, bool]:
    r = d[(d["case_id"] == cid) & (d["stage"] == stage)]
    assert len(r) == 1, (cid, stage, len(r))
    return float(r["days"].iloc[0]), bool(r["running"].iloc[0])


def test_stage_durations_by_hand(hand_ledger):
    d = wb.stage_durations(hand_ledger, as_of=AS_OF)
    # A: received 03-03 10:00, routed on arrival 03-05 (a derived 交办), accepted 03-06, replied 04-01, closed 04-02
    assert _stage(d, "A", "route") == (pytest.approx(1 + 14 / 24, abs=1e-3), False)  # days to 3 decimals
    assert _stage(d, "A", "accept") == (1.0, False)
    assert _stage(d, "A", "reply") == (26.0, False)
    assert _stage(d, "A", "close") == (1.0, False)
    # C: accepted 03-28, no reply by 07-01: the reply step is still running, 95 days
    assert _stage(d, "C", "reply") == (95.0, True)
    # H: arrived 06-12, never accepted: acceptance still running 19 days
    assert _stage(d, "H", "accept") == (19.0, True)
    assert not ((d["case_id"] == "H") & (d["stage"] == "reply")).any()
    # holders: the office holds routing, the unit the rest
    a = d[d["case_id"] == "A"].astype({"stage": str}).set_index("stage")
    assert a.loc["route", "holder"] == "U_OFFICE" and a.loc["reply", "holder"] == "U_ZJ"
    done = wb.stage_durations(hand_ledger, as_of=AS_OF, include_open=False)
    assert not done["running"].any()


def test_stage_summary_by_hand(hand_ledger):
    s = wb.stage_summary(hand_ledger, by=None, as_of=AS_OF).set_index("stage")
    # finished replies (first and repeat alike): A 26, B 87, E 19, F 4, G 26 → median 26
    assert s.loc["reply", "n"] == 5
    assert s.loc["reply", "median"] == 26.0
    assert s.loc["reply", "max"] == 87.0
    assert s.loc["reply", "running"] == 2  # C and D
    u = wb.stage_summary(hand_ledger, by="unit", as_of=AS_OF)
    zj = u[(u["stage"] == "reply") & (u["holder"] == "U_ZJ")].iloc[0]
    assert zj["holder_name"] == "临江区住建局" and zj["n"] == 4 and zj["median"] == pytest.approx((19 + 26) / 2)


def test_aging_by_hand(hand_ledger):
    a = wb.aging(hand_ledger, as_of=AS_OF).set_index("age_days")
    # open: C (received 03-10, 113 days, past limit), D (05-20, 41 days), H (06-10, 20 days, acceptance past limit)
    assert a["cases"].sum() == 3
    assert a.loc["16–30", "cases"] == 1 and a.loc["31–60", "cases"] == 1 and a.loc["91–180", "cases"] == 1
    assert a.loc["91–180", "past_limit"] == 1 and a.loc["16–30", "past_limit"] == 1
    by_unit = wb.aging(hand_ledger, by="unit", as_of=AS_OF).set_index("unit")
    assert by_unit.loc["U_RS", "total"] == 2 and by_unit.loc["U_RS", "name"] == "临江区人社局"


def test_warning_list_by_hand(hand_ledger):
    # as of 07-15: D's handling limit (07-21) is 6 days away; H's (08-11) 27 days
    w = wb.warnings_due(hand_ledger, days=7, as_of="2025-07-15")
    assert w[["case_id", "clock", "days_left"]].values.tolist() == [["D", "handle", 6]]
    assert w.iloc[0]["unit_name"] == "朝阳镇人民政府" and w.iloc[0]["warn_level"] == 75
    w = wb.warnings_due(hand_ledger, days=30, as_of="2025-07-15", include_past=True)
    # most overdue first (C's handling, 49 days; then H's acceptance, 18), then by days left
    assert w[["case_id", "clock"]].values.tolist()[:2] == [["C", "handle"], ["H", "accept"]]
    assert w[["case_id", "clock"]].values.tolist()[-2:] == [["D", "handle"], ["H", "handle"]]


def test_ranking_by_hand(hand_ledger):
    r = wb.ranking(hand_ledger, by="unit", as_of=AS_OF, min_cases=1).set_index("unit_id")
    # 人社局: C (accept late + handle open past limit), G (met), H (accept open past limit) → 2 of 3 late
    assert r.loc["U_RS", "cases"] == 3 and r.loc["U_RS", "late_cases"] == 2
    assert r.loc["U_RS", "rank"] == 1
    # 住建局: A met, B late (26 days), E met, F met → 1 of 4
    assert r.loc["U_ZJ", "late_cases"] == 1 and r.loc["U_ZJ", "days_late_total"] == 26
    assert wb.ranking(hand_ledger, by="unit", as_of=AS_OF).empty  # below 20 cases nobody is ranked
    lead = wb.ranking(hand_ledger, by="leader", as_of=AS_OF, min_cases=1).set_index("lead_person_id")
    assert lead.loc["L2", "late_rate"] == 1.0 and lead.loc["L1", "late_rate"] == 0.5
    with pytest.raises(ValueError):
        wb.ranking(hand_ledger, by="region")


def test_rule_checks_by_hand():
    from workbench.rules.checks import rule_checks

    cases = pd.DataFrame([
        # Y rechecked on 04-01; X repeats it and is accepted again on 06-02 (Art 36 ¶3)
        ("Y", "2025-01-02", "U_CNTY", "2025-01-03", "2025-02-01", "2025-02-02", None),
        ("X", "2025-06-01", "U_CNTY", "2025-06-02", None, None, "Y"),
        # P accepted by the county bureau 05-06, due 07-07; Q repeats it and the city bureau accepts
        # on 05-21 (Art 19 ¶3); Q2 repeats it at the same level: no finding
        ("P", "2025-05-05", "U_CNTY", "2025-05-06", None, None, None),
        ("Q", "2025-05-20", "U_CITY", "2025-05-21", None, None, "P"),
        ("Q2", "2025-05-20", "U_CNTY", "2025-05-21", None, None, "P"),
        # Z closed with no reply on record (Art 32)
        ("Z", "2025-03-01", "U_CNTY", "2025-03-02", None, "2025-03-20", None),
        # W extended on 04-01, after its limit (01-02 + 60 = 03-03) ran out; V extended 20 + 20 days
        ("W", "2025-01-01", "U_CNTY", "2025-01-02", "2025-04-15", "2025-04-16", None),
        ("V", "2025-01-01", "U_CNTY", "2025-01-02", "2025-03-20", "2025-03-21", None),
    ], columns=["case_id", "received_at", "responsible_unit_id", "accepted_at", "replied_at", "closed_at", "repeat_of"])
    cases["demand_type"] = "求决"
    events = pd.DataFrame([
        ("Y", "2025-02-10", "复查申请", None), ("Y", "2025-03-01", "复查", None),
        ("Y", "2025-03-10", "复核申请", None), ("Y", "2025-04-01", "复核", None),
        ("W", "2025-04-01", "延期", "申请延期30日"),
        ("V", "2025-02-01", "延期", "延期20日"), ("V", "2025-02-15", "延期", "再延期20日"),
    ], columns=["case_id", "at", "action", "note"])
    units = pd.DataFrame({"unit_id": ["U_CITY", "U_CNTY"], "name": ["江临市住建局", "临江区住建局"],
                          "level": ["city", "county"]})
    book = wb.Casebook.from_frames(cases=cases, events=events, units=units, now="2025-12-31")
    r = rule_checks(book, as_of="2025-07-01")
    assert r[["case_id", "check", "related_case_id"]].values.tolist() == [
        ["X", "reaccepted_after_recheck", "Y"],
        ["Q", "accepted_above_within_limit", "P"],
        ["Z", "closed_without_reply", None],
        ["W", "extension_after_due", None],
        ["V", "extension_capped", None],
    ]
    assert r.set_index("case_id").loc["Q", "unit_name"] == "江临市住建局"
    assert r.set_index("case_id").loc["X", "article"] == "第三十六条第三款"
    # a repeat received before the recheck was not yet barred
    early = cases.copy()
    early.loc[early["case_id"] == "X", ["received_at", "accepted_at"]] = ["2025-03-20", "2025-03-21"]
    book2 = wb.Casebook.from_frames(cases=early, events=events, units=units, now="2025-12-31")
    assert "X" not in set(rule_checks(book2, as_of="2025-07-01")["case_id"])
    assert rule_checks(book, language="en", as_of="2025-07-01")["label"].iloc[0] == "accepted again after recheck"
