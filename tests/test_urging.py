"""Tests of the supervision effect (催办/督办): hand-built ledgers whose answers are worked out
here, and the planted selection of the sample (urged cases are the slow ones)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import workbench as wb
from workbench.chains.urging import urging_effect, urging_observations

U, C = "县住建局", "城乡建设"


def _book(rows: list[tuple], urges: list[tuple], units: pd.DataFrame | None = None,
          now: str = "2025-12-31") -> wb.Casebook:
    """rows: (case_id, unit, category_l1, accepted_at, replied_at or None);
    urges: (case_id, at, action)."""
    cases = pd.DataFrame({
        "case_id": [r[0] for r in rows], "received_at": ["2024-12-30"] * len(rows),
        "responsible_unit_id": [r[1] for r in rows], "category_l1": [r[2] for r in rows],
        "accepted_at": [r[3] for r in rows], "replied_at": [r[4] for r in rows],
    })
    events = pd.DataFrame({"case_id": [u[0] for u in urges], "at": [u[1] for u in urges],
                           "action": [u[2] for u in urges]})
    return wb.Casebook.from_frames(cases=cases, events=events, units=units, now=now)


def _row(e: pd.DataFrame, kind: str = "urge") -> pd.Series:
    return e.loc[e["kind"] == kind].iloc[0]


@pytest.fixture(scope="module")
def effect_book() -> wb.Casebook:
    # stratum (县住建局, 城乡建设): T1, T2 urged at age 20 answer 3 days later; C1-C3, never urged,
    # answer at age 60, i.e. 40 days after the landmark (age 20). R1 is urged after its reply.
    # stratum (县人社局, 劳动和社会保障): X1 is its only case, urged at age 20: no controls.
    rows = [
        ("T1", U, C, "2025-01-01", "2025-01-24"), ("T2", U, C, "2025-01-01", "2025-01-24"),
        ("C1", U, C, "2025-01-01", "2025-03-02"), ("C2", U, C, "2025-01-01", "2025-03-02"),
        ("C3", U, C, "2025-01-01", "2025-03-02"), ("R1", U, C, "2025-01-01", "2025-01-10"),
        ("X1", "县人社局", "劳动和社会保障", "2025-01-01", "2025-01-31"),
    ]
    urges = [("T1", "2025-01-21", "urge"), ("T2", "2025-01-21", "催办"), ("R1", "2025-01-15", "urge"),
             ("X1", "2025-01-21", "urge")]
    units = pd.DataFrame({"unit_id": [U, "县人社局"], "name": [U, "县人社局"], "level": ["county", "county"]})
    return _book(rows, urges, units)


def test_urged_reply_in_3_days_against_40(effect_book):
    e = urging_effect(effect_book, as_of="2025-06-01")
    r = _row(e)
    assert (r.treated_n, r.treated_cases, r.treated_unmatched) == (2, 2, 1)
    assert (r.control_n, r.control_cases, r.control_effective_n) == (3, 3, 3.0)
    assert r.treated_replied_7d == 1.0 and r.treated_replied_30d == 1.0
    assert r.control_replied_7d == 0.0 and r.control_replied_15d == 0.0 and r.control_replied_30d == 0.0
    assert r.diff_7d == 1.0 and r.diff_30d == 1.0
    assert r.treated_median_days == 3.0 and r.control_median_days == 40.0 and r.diff_median_days == -37.0
    assert (r.treated_open, r.control_open) == (0, 0)
    assert r.treated_case_ids == ["T1", "T2"] and r.control_case_ids == ["C1", "C2", "C3"]
    # urged after its reply: not treated, and not a control (answered before the landmark)
    assert e.attrs["skipped"]["after_reply"] == 1
    assert "R1" not in r.control_case_ids
    s = _row(e, "supervise")
    assert (s.treated_n, s.control_n, s.treated_unmatched) == (0, 0, 0) and math.isnan(s.control_replied_7d)
    assert "observational" in e.attrs["caveat"].lower() and "selected for being slow" in e.attrs["caveat"]
    assert "Kaplan-Meier" in e.attrs["method"] and "responsible_unit_id x category_l1" in e.attrs["method"]


def test_stratum_without_controls_is_reported(effect_book):
    d = urging_effect(effect_book, as_of="2025-06-01", detail="stratum")
    assert d["responsible_unit_id"].tolist() == [U, "县人社局"]
    lone = d.loc[d["responsible_unit_id"] == "县人社局"].iloc[0]
    assert (lone.treated_n, lone.treated_unmatched, lone.control_n) == (0, 1, 0)
    assert math.isnan(lone.control_replied_7d) and math.isnan(lone.control_median_days)
    assert lone.category_l1 == "劳动和社会保障"
    b = urging_effect(effect_book, as_of="2025-06-01", detail="band")
    assert b["band"].astype(str).tolist() == ["15–30"]
    assert (b.loc[0, "treated_n"], b.loc[0, "treated_unmatched"]) == (2, 1)


def test_coarser_strata_find_controls(effect_book):
    # both units are county level: X1 joins T1, T2 in one cell (median age 20) and meets C1-C3
    e = urging_effect(effect_book, as_of="2025-06-01", by=("unit_level",))
    r = _row(e)
    assert (r.treated_n, r.treated_unmatched, r.control_n) == (3, 0, 3)
    # T1, T2 answer after 3 days, X1 after 10: all within 15, two of three within 7
    assert r.treated_replied_7d == pytest.approx(2 / 3) and r.treated_replied_15d == 1.0
    assert r.treated_median_days == 3.0 and r.control_median_days == 40.0
    with pytest.raises(ValueError, match="unknown stratum"):
        urging_effect(effect_book, by=("no_such_column",))


def test_censoring_kaplan_meier():
    # one stratum; T urged at age 10 (landmark 10). Controls from the landmark: C1 answers after 5
    # days, C2 is still open 10 days after it (accepted later, as_of cuts it), C3 after 20, C4 after 40.
    rows = [("T", U, C, "2025-01-01", "2025-01-14"), ("C1", U, C, "2025-01-01", "2025-01-16"),
            ("C2", U, C, "2025-05-12", None), ("C3", U, C, "2025-01-01", "2025-01-31"),
            ("C4", U, C, "2025-01-01", "2025-02-20")]
    book = _book(rows, [("T", "2025-01-11", "urge")])
    r = _row(urging_effect(book, as_of="2025-06-01"))
    assert (r.treated_n, r.control_n, r.control_open) == (1, 4, 1)
    # KM: S(5) = 3/4; C2 censored at 10; S(20) = 3/4 * 1/2; S(40) = 0
    assert r.control_replied_7d == pytest.approx(0.25)
    assert r.control_replied_15d == pytest.approx(0.25)
    assert r.control_replied_30d == pytest.approx(0.625)
    assert r.control_median_days == 20.0
    assert r.treated_replied_7d == 1.0 and r.treated_median_days == 3.0
    # an earlier as_of: C2 is not accepted yet, so its age runs from registration (2024-12-30):
    # open at its landmark 2025-01-09 and censored 27 days later; C4 is censored at 25 days.
    # KM: S(5) = 3/4, S(20) = 3/4 * 2/3 = 1/2; nobody is followed to 30 days: cannot be told
    r = _row(urging_effect(book, as_of="2025-02-05"))
    assert (r.control_n, r.control_open) == (4, 2)
    assert r.control_replied_7d == pytest.approx(0.25) and r.control_replied_15d == pytest.approx(0.25)
    assert math.isnan(r.control_replied_30d) and math.isnan(r.diff_30d)
    assert r.control_median_days == 20.0  # S(20) = 1/2 reaches the median


def test_controls_weighted_to_the_treated_cell_mix():
    # stratum 城乡建设: 1 treated, 1 control answering 20 days after the landmark (weight 1);
    # stratum 劳动: 2 treated, 4 controls answering after 2 days (weight 2/4 each).
    a, b = "城乡建设", "劳动和社会保障"
    rows = [("TA", U, a, "2025-01-01", "2025-01-13"), ("CA", U, a, "2025-01-01", "2025-01-31"),
            ("TB1", U, b, "2025-01-01", "2025-01-12"), ("TB2", U, b, "2025-01-01", "2025-01-12")]
    rows += [(f"CB{i}", U, b, "2025-01-01", "2025-01-13") for i in range(4)]
    urges = [("TA", "2025-01-11", "urge"), ("TB1", "2025-01-11", "urge"), ("TB2", "2025-01-11", "urge")]
    book = _book(rows, urges)
    r = _row(urging_effect(book, as_of="2025-06-01", by=("category_l1",)))
    assert (r.treated_n, r.control_n) == (3, 5)
    # weighted: 2 of 3 weight answers at day 2 (unweighted it would be 4 of 5)
    assert r.control_replied_7d == pytest.approx(2 / 3) and r.control_replied_30d == pytest.approx(1.0)
    assert r.control_effective_n == 4.5  # (1 + 4 * .5)^2 / (1 + 4 * .25)
    assert r.control_median_days == 2.0 and r.treated_median_days == 1.0
    o = urging_observations(book, as_of="2025-06-01", by=("category_l1",))
    w = o.loc[o["arm"] == "control"].set_index("case_id")["weight"]
    assert w.to_dict() == {"CA": 1.0, "CB0": 0.5, "CB1": 0.5, "CB2": 0.5, "CB3": 0.5}


@pytest.fixture(scope="module")
def prior_book() -> wb.Casebook:
    # T urged at age 20, answers at 23; P supervised at age 5, answers at 30;
    # Q urged at age 50 (after T's landmark), answers at 60.
    rows = [("T", U, C, "2025-01-01", "2025-01-24"), ("P", U, C, "2025-01-01", "2025-01-31"),
            ("Q", U, C, "2025-01-01", "2025-03-02")]
    urges = [("T", "2025-01-21", "urge"), ("P", "2025-01-06", "supervise"), ("Q", "2025-02-20", "urge")]
    return _book(rows, urges)


def test_prior_urging_excludes_controls(prior_book):
    e = urging_effect(prior_book, as_of="2025-06-01")
    r = _row(e)
    # P was supervised before age 20: no control. Q is urged only later: a control at age 20
    # (40 days to its reply), and treated itself at 50 in a cell nobody else is open in.
    assert (r.treated_n, r.treated_unmatched, r.control_n) == (1, 1, 1)
    assert r.control_case_ids == ["Q"] and r.treated_case_ids == ["T"]
    assert r.control_median_days == 40.0 and r.treated_median_days == 3.0
    s = _row(e, "supervise")
    # supervised at 5: T and Q were open and not yet urged at 5; they answer 18 and 55 days later
    assert (s.treated_n, s.control_n) == (1, 2)
    assert s.treated_median_days == 25.0 and s.control_median_days == 18.0
    assert s.control_replied_30d == pytest.approx(0.5)
    # same-kind controls: P's earlier 督办 no longer bars it from the 催办 comparison (10 days)
    r2 = _row(urging_effect(prior_book, as_of="2025-06-01", controls="not_same_kind"))
    assert r2.control_n == 2 and r2.control_case_ids == ["P", "Q"]
    assert r2.control_median_days == 10.0


def test_every_urge_and_first_urge():
    rows = [("A", U, C, "2025-01-01", "2025-02-25"), ("B", U, C, "2025-01-01", None)]
    urges = [("A", "2025-01-21", "urge"), ("A", "2025-02-05", "urge")]  # ages 20 and 35
    book = _book(rows, urges)
    first = urging_effect(book, as_of="2025-06-01")
    assert _row(first).treated_n == 1 and first.attrs["skipped"]["repeat"] == 1
    every = urging_effect(book, as_of="2025-06-01", every=True)
    r = _row(every)
    assert (r.treated_n, r.treated_cases, r.control_n) == (2, 1, 2)
    assert every.attrs["skipped"]["repeat"] == 0 and "every urge" in every.attrs["method"]
    # A answers 35 and 20 days after its urges; B is open to as_of (censored)
    assert r.treated_median_days == 20.0 and r.control_open == 2
    o = urging_observations(book, as_of="2025-06-01", every=True)
    t = o.loc[o["arm"] == "treated"]
    assert t["age_days"].tolist() == [20.0, 35.0] and t["days"].tolist() == [35.0, 20.0]
    assert t["band"].astype(str).tolist() == ["15–30", "30–45"]


def test_row_order_does_not_matter(effect_book):
    ev = effect_book.events.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled = wb.Casebook.from_frames(cases=effect_book.cases.iloc[::-1].reset_index(drop=True), events=ev,
                                       units=effect_book.units, now="2025-12-31")
    cols = ["treated_n", "control_n", "treated_replied_7d", "control_median_days", "treated_unmatched"]
    a = urging_effect(effect_book, as_of="2025-06-01", case_ids=False)[cols]
    b = urging_effect(shuffled, as_of="2025-06-01", case_ids=False)[cols]
    pd.testing.assert_frame_equal(a, b)


def test_nothing_urged_and_odd_input():
    book = _book([("A", U, C, "2025-01-01", None), ("B", U, C, None, None)],
                 [("ZZ", "2025-01-05", "urge"), ("A", "2026-01-05", "urge")], now="2026-12-31")
    e = urging_effect(book, as_of="2025-06-01")
    assert e["kind"].tolist() == ["urge", "supervise"] and e["treated_n"].tolist() == [0, 0]
    assert e.attrs["skipped"]["after_as_of"] == 1
    assert urging_effect(book, as_of="2025-06-01", detail="stratum").empty
    with pytest.raises(ValueError, match="detail"):
        urging_effect(book, detail="person")
    with pytest.raises(ValueError, match="controls"):
        urging_effect(book, controls="all")


def test_sample_accounts_for_every_urge(sample_book):
    book = sample_book.book
    e = urging_effect(book, case_ids=False)
    skipped = e.attrs["skipped"]
    ev = book.events
    for kind in ("urge", "supervise"):
        r = _row(e, kind)
        n_events = int((ev["action"] == kind).sum())
        n_cases = ev.loc[ev["action"] == kind, "case_id"].nunique()
        assert n_events > 1000
        # the generator urges only open cases: nothing after a reply; first urges = urged cases
        assert r.treated_n + r.treated_unmatched == n_cases
    assert skipped["after_reply"] == 0 and skipped["unknown_case"] == 0
    n_all = int(ev["action"].isin(["urge", "supervise"]).sum())
    assert sum(skipped.values()) + int((e["treated_n"] + e["treated_unmatched"]).sum()) == n_all
    u = _row(e, "urge")
    shares = [u[f"treated_replied_{h}d"] for h in (7, 15, 30)] + [u[f"control_replied_{h}d"] for h in (7, 15, 30)]
    assert all(0 <= x <= 1 for x in shares)
    assert u.treated_replied_7d <= u.treated_replied_15d <= u.treated_replied_30d
    assert u.treated_unmatched < 0.05 * u.treated_n and u.control_n > u.treated_n
    # planted selection: the generator urges the cases it already made slow, so the urged answer
    # later than comparable open cases — the bias the caveat warns of, not an effect of urging
    assert u.control_replied_30d > u.treated_replied_30d + 0.05
    assert u.treated_median_days > u.control_median_days
    # 督办 follows 催办 in the sample: no case open that late is unurged, so with "unurged" controls
    # supervision finds no comparison; the default ("auto") compares it with cases not yet supervised
    s = _row(urging_effect(book, case_ids=False, controls="unurged"), "supervise")
    assert s.treated_n < 0.05 * s.treated_unmatched
    s2 = _row(e, "supervise")
    assert s2.treated_n > 0.9 * (s2.treated_n + s2.treated_unmatched) and s2.control_n > 0
    s3 = _row(urging_effect(book, case_ids=False, controls="not_same_kind"), "supervise")
    assert (s3.treated_n, s3.control_n) == (s2.treated_n, s2.control_n)


def test_sample_observations_match_summary(sample_book):
    book = sample_book.book
    o = urging_observations(book, kind=("urge",))
    e = urging_effect(book, kind=("urge",))
    r = _row(e)
    t = o.loc[(o["arm"] == "treated") & o["matched"]]
    assert len(t) == r.treated_n and len(o.loc[o["arm"] == "control"]) == r.control_n
    assert sorted(t["case_id"].tolist()) == sorted(r.treated_case_ids)
    # a control is open at its landmark and not answered before it; weights sum to the treated count
    c = o.loc[o["arm"] == "control"]
    assert (c["days"] >= 0).all() and c["weight"].sum() == pytest.approx(r.treated_n)
    assert t["days"].notna().all() and (t["days"] >= 0).all()
    assert ((t["landmark"] <= e.attrs["as_of"]) & (c["landmark"] <= e.attrs["as_of"]).all()).all()
