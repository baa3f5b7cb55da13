"""Process mining of the event log (workbench.chains.process).

A hand-built log of four cases whose answers are worked out below, checked on the log as loaded
and with its rows shuffled; then the bundled sample cross-checked against pm4py (tests only: pm4py
is AGPL and never imported by the workbench) and the planted buck-passing pair found.

The hand-built log (units: 办 = petition office, 住 and 自 = departments, 复 = reviewing organ):

    A  register 03-03 09:00 办 · transfer 03-03 15:00 办→住 · accept 03-05 09:00 住 · urge 03-10 09:00
       办→住 · urge 03-12 09:00 办→住 · reply 03-14 09:00 住 · close 03-14 09:00 住 (tie, after the
       reply in source order) · review_request 03-20 09:00 复 · review 04-10 09:00 复
    B  register 03-04 10:00 办 · assign 03-05 10:00 办→住 · transfer 03-06 10:00 住→自 · return
       03-07 10:00 自→住 · transfer 03-09 10:00 住→自 (自 held it before: a re-transfer) · accept
       03-10 10:00 自 · reply 03-20 10:00 自
    C  register 03-05 08:00 办 · transfer 03-05 08:00 办→住 (tie)
    D  register 03-06 09:00 办 · transfer 03-07 09:00 办→住

All in 2025: 03-03 is a Monday; Qingming (04-04, a Friday) is a holiday with no make-up day.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.chains.process import (
    END,
    START,
    directly_follows,
    handover,
    milestone_summary,
    milestone_times,
    ordered_log,
    rework,
    rework_summary,
    variant_cases,
    variants,
)

H = 1 / 24
EVENTS = [
    ("A", "2025-03-03 09:00", "register", "办", None),
    ("A", "2025-03-03 15:00", "transfer", "办", "住"),
    ("A", "2025-03-05 09:00", "accept", "住", None),
    ("A", "2025-03-10 09:00", "urge", "办", "住"),
    ("A", "2025-03-12 09:00", "urge", "办", "住"),
    ("A", "2025-03-14 09:00", "reply", "住", None),
    ("A", "2025-03-14 09:00", "close", "住", None),
    ("A", "2025-03-20 09:00", "review_request", "复", None),
    ("A", "2025-04-10 09:00", "review", "复", None),
    ("B", "2025-03-04 10:00", "register", "办", None),
    ("B", "2025-03-05 10:00", "assign", "办", "住"),
    ("B", "2025-03-06 10:00", "transfer", "住", "自"),
    ("B", "2025-03-07 10:00", "return", "自", "住"),
    ("B", "2025-03-09 10:00", "transfer", "住", "自"),
    ("B", "2025-03-10 10:00", "accept", "自", None),
    ("B", "2025-03-20 10:00", "reply", "自", None),
    ("C", "2025-03-05 08:00", "register", "办", None),
    ("C", "2025-03-05 08:00", "transfer", "办", "住"),
    ("D", "2025-03-06 09:00", "register", "办", None),
    ("D", "2025-03-07 09:00", "transfer", "办", "住"),
]


@pytest.fixture(scope="module")
def book():
    cases = pd.DataFrame({"case_id": list("ABCD"),
                          "received_at": ["2025-03-03", "2025-03-04", "2025-03-05", "2025-03-06"],
                          "responsible_unit_id": ["住", "自", "住", "住"]})
    ev = pd.DataFrame(EVENTS, columns=["case_id", "at", "action", "from_unit_id", "to_unit_id"])
    b = wb.Casebook.from_frames(cases=cases, events=ev, now="2025-12-31")
    assert len(b.events) == len(EVENTS)
    return b


def _shuffled(book, seed: int = 7):
    """The same book with its event rows in a random order (seq kept, as a real export might)."""
    return dataclasses.replace(book, events=book.events.sample(frac=1, random_state=seed))


@pytest.fixture(scope="module", params=["as loaded", "shuffled"])
def any_book(request, book):
    return book if request.param == "as loaded" else _shuffled(book)


# ----------------------------------------------------------------------------- ordered log

def test_ordered_log_order_ties_and_codes(any_book):
    ol = ordered_log(any_book)
    want = [(c, a) for c, _, a, _, _ in EVENTS]
    assert list(zip(ol["case_id"], ol["action"], strict=True)) == want
    assert ol["case"].tolist() == [0] * 9 + [1] * 7 + [2] * 2 + [3] * 2
    assert ol["pos"].tolist() == list(range(9)) + list(range(7)) + [0, 1, 0, 1]
    assert ol.loc[ol["tie"], ["case_id", "action"]].values.tolist() == [["A", "close"], ["C", "transfer"]]
    assert ol.attrs["ties"] == {"cases": 2, "events": 2}
    assert ol.attrs["dropped"] == {"no_case": 0, "no_time": 0, "no_action": 0}
    assert (ol["action_code"][ol["action"] == "register"] == 0).all()
    # ``row`` points back to the row of book.events
    assert (any_book.events["action"].to_numpy()[ol["row"]] == ol["action"].to_numpy()).all()


def test_ties_follow_source_order_not_anything_else(book):
    ev = book.events.copy()
    reply = (ev["case_id"] == "A") & (ev["action"] == "reply")
    close = (ev["case_id"] == "A") & (ev["action"] == "close")
    ev.loc[reply, "seq"], ev.loc[close, "seq"] = ev.loc[close, "seq"].iloc[0], ev.loc[reply, "seq"].iloc[0]
    ol = ordered_log(dataclasses.replace(book, events=ev.sample(frac=1, random_state=3)))
    a = ol[ol["case_id"] == "A"]["action"].tolist()
    assert a[5:7] == ["close", "reply"]
    assert ol.attrs["ties"] == {"cases": 2, "events": 2}


def test_an_export_in_reverse_order_keeps_its_source_order_for_ties(book):
    rev = wb.Casebook.from_frames(
        cases=book.cases[["case_id", "received_at"]],
        events=pd.DataFrame(EVENTS[::-1], columns=["case_id", "at", "action", "from_unit_id", "to_unit_id"]),
        now="2025-12-31")
    ol = ordered_log(rev)
    a = ol[ol["case_id"] == "A"]["action"].tolist()
    assert a[5:7] == ["close", "reply"]  # tied: the close came first in this export
    assert ol[ol["case_id"] == "C"]["action"].tolist() == ["transfer", "register"]
    assert ol["case_id"].tolist() == [c for c, *_ in EVENTS]  # cases in ledger order
    # everything else is the same as from the export in time order
    d0 = directly_follows(book).set_index(["source", "target"])
    d1 = directly_follows(rev).set_index(["source", "target"])
    assert d1.loc[("close", "reply"), "count"] == 1 and ("reply", "close") not in d1.index
    assert d1.loc[("transfer", "accept"), "mean"] == d0.loc[("transfer", "accept"), "mean"]


def test_without_seq_ties_follow_row_position(book):
    ev = book.events.iloc[::-1].copy()
    ev["seq"] = pd.array([pd.NA] * len(ev), dtype="Int32")
    ol = ordered_log(dataclasses.replace(book, events=ev))
    assert ol[ol["case_id"] == "A"]["action"].tolist()[5:7] == ["close", "reply"]
    ev["seq"] = pd.array([3] * len(ev), dtype="Int32")  # repeated numbers: row position decides
    ol = ordered_log(dataclasses.replace(book, events=ev))
    assert ol[ol["case_id"] == "C"]["action"].tolist() == ["transfer", "register"]


def test_a_book_without_events(book):
    empty = dataclasses.replace(book, events=book.events.iloc[:0])
    assert len(ordered_log(empty)) == 0 and ordered_log(empty).attrs["ties"] == {"cases": 0, "events": 0}
    assert len(directly_follows(empty, working_days=True)) == 0
    assert len(handover(empty)) == 0 and len(variants(empty)) == 0
    assert variants(empty).attrs["cases_without_events"] == 4
    assert rework(empty)["rework"].tolist() == [False] * 4
    assert len(milestone_times(empty, "accept", "reply")) == 0


def test_events_without_case_or_time_are_left_out_and_counted(book):
    ev = book.events.copy()
    extra = ev.iloc[[0, 1]].copy()
    extra["case_id"] = ["ZZZ", "A"]
    extra["at"] = [pd.Timestamp("2025-03-04"), pd.NaT]
    odd = dataclasses.replace(book, events=pd.concat([extra, ev], ignore_index=True))
    ol = ordered_log(odd)
    assert ol.attrs["dropped"] == {"no_case": 1, "no_time": 1, "no_action": 0}
    assert len(ol) == len(EVENTS)
    pd.testing.assert_frame_equal(directly_follows(odd), directly_follows(book))


# ----------------------------------------------------------------------------- directly follows

def test_directly_follows_counts_and_waits(any_book):
    d = directly_follows(any_book, working_days=True).set_index(["source", "target"])
    real = d.drop(index=[k for k in d.index if START in k or END in k])
    assert real["count"].sum() == 8 + 6 + 1 + 1
    row = real.loc[("register", "transfer")]  # A 6 h, C 0 (tie), D 1 day
    assert (row["count"], row["cases"]) == (3, 3)
    assert row["mean"] == pytest.approx((0.25 + 0 + 1) / 3)
    assert row["median"] == pytest.approx(0.25)
    assert row["p90"] == pytest.approx(0.25 + 0.8 * 0.75)  # sorted 0, .25, 1: position 1.8
    assert row["max"] == pytest.approx(1.0)
    row = real.loc[("transfer", "accept")]  # A 03-03 15:00 → 03-05 09:00; B 03-09 (Sun) → 03-10
    assert (row["count"], row["cases"]) == (2, 2)
    assert row["mean"] == pytest.approx((1.75 + 1) / 2)
    assert (row["wd_mean"], row["wd_max"]) == (1.5, 2.0)  # 2 working days (A), 1 (B)
    # 03-20 → 04-10: three weeks, 15 weekdays, minus Qingming (Fri 04-04)
    assert real.loc[("review_request", "review"), "wd_median"] == 14.0
    assert real.loc[("review_request", "review"), "median"] == pytest.approx(21.0)
    assert real.loc[("reply", "close"), "max"] == 0.0  # the tie in A
    assert real.loc[("urge", "urge"), "count"] == 1
    assert real.loc[("transfer", "return"), "count"] == 1
    assert real.loc[("return", "transfer"), "median"] == pytest.approx(2.0)
    assert len(real) == 13
    assert d.attrs["start"] == {"register": 4}
    assert d.attrs["end"] == {"review": 1, "reply": 1, "transfer": 2}
    assert d.loc[(START, "register"), "count"] == 4
    assert d.loc[("transfer", END), "cases"] == 2
    assert np.isnan(d.loc[("transfer", END), "mean"])
    assert d["count"].is_monotonic_decreasing


def test_results_do_not_depend_on_row_order(book):
    shuffled = _shuffled(book, seed=11)
    pd.testing.assert_frame_equal(directly_follows(book, working_days=True),
                                  directly_follows(shuffled, working_days=True))
    pd.testing.assert_frame_equal(handover(book, include_self=True), handover(shuffled, include_self=True))
    pd.testing.assert_frame_equal(rework(book), rework(shuffled))
    pd.testing.assert_frame_equal(variants(book), variants(shuffled))
    pd.testing.assert_frame_equal(milestone_times(book, "accept", "reply"),
                                  milestone_times(shuffled, "accept", "reply"))


# ----------------------------------------------------------------------------- milestones

def test_milestone_times(any_book):
    m = milestone_times(any_book, "accept", "reply").set_index("case_id")
    assert m.index.tolist() == ["A", "B"]  # C and D were never accepted
    assert m["days"].tolist() == [9.0, 10.0]
    # A: Wed 03-05 → Fri 03-14 = Thu, Fri + Mon..Fri; B: Mon 03-10 → Thu 03-20 = 4 + 4
    assert m["working_days"].tolist() == [7.0, 8.0]
    assert m["responsible_unit_id"].tolist() == ["住", "自"]
    s = milestone_summary(m).iloc[0]
    assert (s["cases"], s["reached"]) == (2, 2)
    assert (s["mean"], s["median"], s["max"]) == (9.5, 9.5, 10.0)
    assert s["p90"] == pytest.approx(9.9)
    assert s["wd_mean"] == 7.5

    first = milestone_times(any_book, "transfer", "accept").set_index("case_id")
    assert first["days"].tolist()[:2] == [pytest.approx(1.75), pytest.approx(4.0)]
    assert first["reached"].tolist() == [True, True, False, False]
    assert first.loc["C", "end_at"] is pd.NaT or pd.isna(first.loc["C", "end_at"])
    last = milestone_times(any_book, "transfer", "accept", first=False).set_index("case_id")
    assert last.loc["B", "days"] == pytest.approx(1.0)  # from the second transfer 03-09
    # a tied action later in source order counts, with no wait
    assert milestone_times(any_book, "reply", "close").set_index("case_id").loc["A", "days"] == 0.0
    assert milestone_times(any_book, "urge", "urge")["days"].tolist() == [2.0]
    by = milestone_summary(first, by="responsible_unit_id").set_index("responsible_unit_id")
    assert by.loc["住", "cases"] == 3 and by.loc["住", "reached"] == 1


def test_milestone_rejects_unknown_action(book):
    with pytest.raises(ValueError, match="unknown action"):
        milestone_times(book, "accept", "answer")
    assert len(milestone_times(book, "extend", "reply")) == 0  # known, just absent


# ----------------------------------------------------------------------------- handover

def test_handover_counts(any_book):
    h = handover(any_book, include_self=True).set_index(["giver", "receiver"])
    assert h.attrs["pairs"] == 16
    assert h["count"].sum() == 16
    assert h.loc[("办", "办"), ["count", "cases"]].tolist() == [5, 4]
    # 办→住: A transfer→accept 1.75 d, A urge→reply 2 d, B assign→transfer 1 d
    row = h.loc[("办", "住")]
    assert (row["count"], row["cases"]) == (3, 2)
    assert row["median"] == pytest.approx(1.75)
    assert row["mean"] == pytest.approx(4.75 / 3)
    assert row["share"] == pytest.approx(3 / 16)
    assert h.loc[("住", "自"), "count"] == 2 and h.loc[("自", "住"), "count"] == 1
    assert h.loc[("住", "办"), "count"] == 1 and h.loc[("住", "复"), "count"] == 1
    plain = handover(any_book).set_index(["giver", "receiver"])
    assert sorted(plain.index) == sorted([("办", "住"), ("住", "自"), ("住", "办"), ("住", "复"), ("自", "住")])
    assert plain.loc[("办", "住"), "share"] == pytest.approx(3 / 16)  # the denominator keeps self pairs


def test_handover_skips_events_without_a_unit(book):
    ev = book.events.copy()
    ev.loc[(ev["case_id"] == "D") & (ev["action"] == "register"), "from_unit_id"] = pd.NA
    h = handover(dataclasses.replace(book, events=ev), include_self=True).set_index(["giver", "receiver"])
    assert h.attrs["dropped"]["no_unit"] == 1
    assert h.attrs["pairs"] == 15
    assert h.loc[("办", "办"), "count"] == 4


# ----------------------------------------------------------------------------- rework

def test_rework_per_case(any_book):
    r = rework(any_book).set_index("case_id")
    assert r.loc["A"].to_dict() == {"urge": 2, "repeat_urge": 1, "supervise": 0, "extend": 0, "returns": 0,
                                    "reopened": 1, "re_transfer": 0, "rework": True}
    assert r.loc["B"].to_dict() == {"urge": 0, "repeat_urge": 0, "supervise": 0, "extend": 0, "returns": 1,
                                    "reopened": 0, "re_transfer": 1, "rework": True}
    assert not r.loc["C"].drop("rework").any() and not r.loc["D", "rework"]
    s = rework_summary(any_book).set_index("measure")
    assert s.loc["rework", "cases"] == 2 and s.loc["rework", "share"] == 0.5
    assert s.loc["urge", "total"] == 2 and s.loc["repeat_urge", "cases"] == 1
    by = rework_summary(any_book, by="responsible_unit_id").set_index(["responsible_unit_id", "measure"])
    assert by.loc[("自", "re_transfer"), "cases"] == 1 and by.loc[("住", "rework"), "share"] == pytest.approx(1 / 3)


def test_reopening_needs_a_reply_first(book):
    ev = book.events.copy()
    # a review request before any reply (an early complaint) is no reopening
    ev.loc[(ev["case_id"] == "B") & (ev["action"] == "accept"), "action"] = "review_request"
    r = rework(dataclasses.replace(book, events=ev)).set_index("case_id")
    assert r.loc["B", "reopened"] == 0 and r.loc["A", "reopened"] == 1


# ----------------------------------------------------------------------------- variants

def test_variants(any_book):
    v = variants(any_book)
    assert v["variant"].tolist()[0] == "register → transfer"
    assert v["actions"].tolist()[0] == ("register", "transfer")
    assert v["cases"].tolist() == [2, 1, 1]
    assert v["share"].tolist() == [0.5, 0.25, 0.25]
    assert v["length"].tolist() == [2, 9, 7]
    assert v.loc[0, "median"] == 0.5 and v.loc[0, "max"] == 1.0  # C 0 days, D 1 day
    assert v.loc[1, "mean"] == pytest.approx(38.0)  # A: 03-03 09:00 → 04-10 09:00
    assert v.loc[2, "mean"] == pytest.approx(16.0)
    assert v.attrs["variants"] == 3 and v.attrs["cases_without_events"] == 0
    assert len(variants(any_book, top=2)) == 2
    assert variant_cases(any_book, 1).tolist() == ["C", "D"]
    assert variant_cases(any_book, "register → transfer").tolist() == ["C", "D"]
    assert variant_cases(any_book, v.loc[2, "actions"]).tolist() == ["B"]
    assert variant_cases(any_book, "register → fly").tolist() == []
    assert variant_cases(any_book, 99).tolist() == []


# ----------------------------------------------------------------------------- the sample vs pm4py

def _pm4py_frame(book) -> pd.DataFrame:
    """The ordered log in pm4py's column names. pm4py re-sorts by (case, time) with a stable sort,
    so ties keep our order."""
    ol = ordered_log(book)
    return pd.DataFrame({
        "case:concept:name": ol["case_id"].astype(object),
        "concept:name": ol["action"].astype(object),
        "time:timestamp": ol["at"].astype("datetime64[ns]"),
        "org:resource": ol["from_unit_id"].astype(object),
    })


@pytest.fixture(scope="module")
def pm4py_log(sample_book):
    pytest.importorskip("pm4py")
    return _pm4py_frame(sample_book.book)


def test_sample_ties_are_reported(sample_book):
    ol = ordered_log(sample_book.book)
    assert ol.attrs["ties"]["events"] == int(ol["tie"].sum()) > 0
    assert ol.attrs["ties"]["cases"] == ol.loc[ol["tie"], "case_id"].nunique()
    assert len(ol) == len(sample_book.book.events)


def test_sample_directly_follows_equals_pm4py(sample_book, pm4py_log):
    import pm4py

    dfg, start, end = pm4py.discover_dfg(pm4py_log)
    perf, _, _ = pm4py.discover_performance_dfg(pm4py_log)
    ours = directly_follows(sample_book.book)
    real = ours[(ours["source"] != START) & (ours["target"] != END)]
    assert {(r.source, r.target): r.count for r in real.itertuples()} == {k: int(v) for k, v in dfg.items()}
    assert ours.attrs["start"] == start and ours.attrs["end"] == end
    for r in real.itertuples():
        p = perf[(r.source, r.target)]
        assert r.mean * 86400 == pytest.approx(p["mean"], rel=1e-9, abs=1e-6)
        assert r.median * 86400 == pytest.approx(p["median"], rel=1e-9, abs=1e-6)
        assert r.max * 86400 == pytest.approx(p["max"], rel=1e-9, abs=1e-6)


def test_sample_variants_equal_pm4py(sample_book, pm4py_log):
    import pm4py

    theirs = pm4py.get_variants(pm4py_log)
    v = variants(sample_book.book)
    assert dict(zip(v["actions"], v["cases"], strict=True)) == {k: int(c) for k, c in theirs.items()}
    assert v["cases"].sum() == len(sample_book.book.cases)


def test_sample_handover_equals_pm4py(sample_book, pm4py_log):
    import pm4py

    hw = pm4py.discover_handover_of_work_network(pm4py_log.dropna(subset=["org:resource"]), beta=0)
    h = handover(sample_book.book, include_self=True)
    pairs = h.attrs["pairs"]
    assert {(r.giver, r.receiver): r.count for r in h.itertuples()} == {
        k: round(v * pairs) for k, v in hw.connections.items()}
    for r in h.itertuples():
        assert r.share == pytest.approx(hw.connections[(r.giver, r.receiver)], rel=1e-12)


def test_sample_planted_buck_passing_shows_as_rework_and_handover(sample_book):
    truth = sample_book.truth["buck_passing"]
    a, x = truth["unit_ids"]
    r = rework(sample_book.book)
    planted = r["case_id"].isin(set(truth["case_ids"]))
    # every route variant hands the matter back to a unit that held it (open cases may stop short)
    assert (r.loc[planted, "re_transfer"] > 0).mean() >= 0.9
    assert (r.loc[~planted, "re_transfer"] > 0).mean() < 0.02
    # handing work back and forth between two departments (neither a petition bureau, whose
    # urges and routing make every bureau-department pair two-way): the planted pair stands out
    h = handover(sample_book.book)
    kind = sample_book.book.units.drop_duplicates("unit_id").set_index("unit_id")["kind"]
    h = h[(h["giver"].map(kind) != "信访部门") & (h["receiver"].map(kind) != "信访部门")]
    back = h.rename(columns={"giver": "receiver", "receiver": "giver"})[["giver", "receiver", "count"]]
    two_way = h.merge(back, on=["giver", "receiver"], suffixes=("", "_back"))
    two_way["both"] = np.minimum(two_way["count"], two_way["count_back"])
    ranked = two_way.sort_values("both", ascending=False)
    assert {*ranked["giver"].iloc[:2], *ranked["receiver"].iloc[:2]} == {a, x}  # both directions
    assert ranked["both"].iloc[0] > 10 * ranked["both"].iloc[2]
