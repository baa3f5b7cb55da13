"""The Casebook: construction from frames, filtering, checks, persistence."""

from __future__ import annotations

import pandas as pd

from workbench.casebook import Casebook, period_bounds, region_prefix


def _frames():
    cases = pd.DataFrame({
        "case_id": ["A", "B", "C"], "received_at": ["2024-01-02", "2024-02-03", "2024-03-04"],
        "channel": ["visit", "online", "letter"], "responsible_unit_id": ["U2", "U3", "U2"],
        "region_code": ["339901001", "339902", "339901"], "category_l1": ["城乡建设", "民政", "城乡建设"],
        "category_l2": ["工程质量", "社会救助", None], "headcount": [6, 1, 1],
    })
    units = pd.DataFrame({"unit_id": ["U1", "U2", "U3"], "name": ["某市政府", "某区住建局", "某区民政局"],
                          "parent_id": [None, "U1", "U1"], "level": ["city", "county", "county"]})
    return cases, units


def test_from_frames_leaves_the_callers_frames_alone():
    cases, units = _frames()
    before = cases.copy()
    book = Casebook.from_frames(cases=cases, units=units, now="2025-01-01")
    pd.testing.assert_frame_equal(cases, before)
    assert list(book.cases["case_id"]) == ["A", "B", "C"]
    assert book.cases["is_collective"].tolist() == [True, False, False]
    assert book.check().empty


def test_where_combinations_and_unit_tree():
    cases, units = _frames()
    book = Casebook.from_frames(cases=cases, units=units, now="2025-01-01")
    assert len(book.where(unit="某市政府")) == 3  # the city and the units under it
    assert list(book.where(unit="U2").cases["case_id"]) == ["A", "C"]
    assert list(book.where(region=["339902", "339901001"]).cases["case_id"]) == ["A", "B"]
    assert list(book.where(period="2024Q1", category="城乡建设/工程质量").cases["case_id"]) == ["A"]
    assert list(book.where(cases=["C"]).cases["case_id"]) == ["C"]
    assert len(book.where(period="2023")) == 0


def test_check_reports_broken_references():
    cases, units = _frames()
    book = Casebook.from_frames(cases=cases, units=units, now="2025-01-01")
    book.events.loc[0, "case_id"] = "ZZZ"
    report = book.check()
    assert report.loc[report["column"] == "case_id", "value"].tolist() == ["ZZZ"]


def test_period_and_region_helpers():
    assert [str(x.date()) for x in period_bounds("2024-02")] == ["2024-02-01", "2024-03-01"]
    assert [str(x.date()) for x in period_bounds(pd.Period("2024", "Y"))] == ["2024-01-01", "2025-01-01"]
    assert region_prefix("339900") == "3399" and region_prefix("339901001") == "339901001"
