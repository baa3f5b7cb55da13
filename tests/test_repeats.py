"""Repeat matters, escalation and petitioning groups (workbench.identity.repeats / .groups).

Hand-made books with the answers worked out here, then the sample's planted group and
long-running petitioners, found with the generator's truth as the identity resolution (so these
tests do not depend on the resolver's accuracy) and with ``resolve_persons`` when it exists.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.identity.groups import petitioner_groups
from workbench.identity.repeats import _short_keys, repeat_matters

UNITS = pd.DataFrame({
    "unit_id": ["UT", "UC", "UM", "UP", "ZJ", "RS"],
    "name": ["桃源镇人民政府", "青山县信访局", "江临市信访局", "江南省信访局", "青山县住建局", "青山县人社局"],
    "level": ["township", "county", "city", "province", "county", "county"],
})


def _persons(rows: list[tuple[str, str, str]], names: dict[str, str] | None = None) -> SimpleNamespace:
    """A stand-in for resolve_persons' result: (case_id, person, role) rows, person = its key."""
    cp = pd.DataFrame(rows, columns=["case_id", "person_key", "role"])
    cp["petitioner_id"] = "R" + cp["person_key"]
    persons = pd.DataFrame({"person_key": list((names or {}).keys()), "name": list((names or {}).values())})
    return SimpleNamespace(case_persons=cp, records=cp[["petitioner_id", "person_key"]].drop_duplicates(),
                           persons=persons)


# --------------------------------------------------------------------------- repeats

def _repeat_book():
    """P1: matter 1 A (county) → B (city) → C (province) + E (other county, repeat_of A);
    matter 2 D; matter 3 F (same category as D but > 365 days before it).
    P2: 8 cases over 2 years + 5 days (long-running); P3: the same but 5 days short of 2 years."""
    rows = [
        # case, received, reg unit, region, category, closed, satisfaction, repeat_of
        ("A", "2025-01-05", "UC", "339921", "城乡建设_物业管理", "2025-02-01", "dissatisfied", None),
        ("B", "2025-03-01", "UM", "339921001", "城乡建设_物业管理", "2025-04-01", "dissatisfied", None),
        ("C", "2025-06-01", "UP", "339921", "城乡建设_物业管理", None, None, None),
        ("E", "2025-08-01", "UC", "339902", "城乡建设_物业管理", "2025-08-20", "satisfied", "A"),
        ("D", "2025-02-01", "UC", "339921", "劳动和社会保障_工资福利", "2025-03-01", "satisfied", None),
        ("F", "2024-01-01", "UT", "339921", "劳动和社会保障_工资福利", "2024-02-01", "dissatisfied", None),
    ]
    days = ["2023-01-10", "2023-04-20", "2023-07-30", "2023-11-07", "2024-02-15", "2024-05-25", "2024-09-02"]
    for who, last in (("P2", "2025-01-15"), ("P3", "2025-01-05")):
        for i, d in enumerate([*days, last]):
            rows.append((f"{who}-{i}", d, "UC", "339923", "国土资源_土地征收", None, None, None))
    cases = pd.DataFrame(rows, columns=["case_id", "received_at", "registered_unit_id", "region_code", "category",
                                        "closed_at", "satisfaction", "repeat_of"])
    cases["responsible_unit_id"] = np.where(cases["category"].str.startswith("城乡"), "ZJ", "RS")
    cases["demand_type"] = "request"
    book = wb.Casebook.from_frames(cases=cases, units=UNITS, now="2026-01-01")
    links = [(c, "P1", "petitioner") for c in "ABCEDF"]
    links += [(c, c[:2], "petitioner") for c in cases["case_id"] if c.startswith("P")]
    return book, _persons(links, {"P1": "王建国", "P2": "李四", "P3": "赵六"})


@pytest.fixture(scope="module")
def rep_book():
    return _repeat_book()


def test_repeat_numbers_escalation_and_repeat_of(rep_book):
    book, persons = rep_book
    rep = repeat_matters(book, persons, role="supervisor")
    p1 = rep.cases[rep.cases["person_key"] == "P1"].set_index("case_id")
    # A, B, C and E (joined by repeat_of A although in another county) are one matter
    assert p1.loc[["A", "B", "C", "E"], "matter_key"].nunique() == 1
    assert p1.loc[["A", "B", "C", "E"], "repeat_no"].tolist() == [1, 2, 3, 4]
    assert p1.loc[["A", "B", "C", "E"], "level"].tolist() == ["county", "city", "province", "county"]
    # D and F: same category and county, 397 days apart > 365: two matters, both 初件
    assert p1.loc["D", "matter_key"] != p1.loc["F", "matter_key"]
    assert p1.loc[["D", "F"], "repeat_no"].tolist() == [1, 1]
    assert p1.loc["F", "level"] == "township"
    m = rep.matters.set_index("matter_key")
    m1 = m.loc[p1.loc["A", "matter_key"]]
    assert m1["n_cases"] == 4 and m1["case_ids"] == ["A", "B", "C", "E"]
    assert m1["path"] == "county→city→province" and m1["highest_level"] == "province" and m1["escalated"]
    a = book.cases.set_index("case_id").loc["A"]  # (the loader maps 物业管理 through its crosswalk)
    assert m1["region_code"] == "339921" and m1["category_l2"] == a["category_l2"]
    assert m1["units"] == ["ZJ"] and m1["unit_names"] == ["青山县住建局"]
    assert m1["first_at"] == pd.Timestamp("2025-01-05") and m1["last_at"] == pd.Timestamp("2025-08-01")
    # C is neither closed nor declined → still open
    assert m1["open"] and m1["open_reason"] == "not_closed"
    # one outcome per case, the ledger's status when it has one, else the state found
    assert m1["outcomes"] == ["closed/dissatisfied", "closed/dissatisfied", "open", "closed/satisfied"]
    md, mf = m.loc[p1.loc["D", "matter_key"]], m.loc[p1.loc["F", "matter_key"]]
    assert not md["open"] and not md["escalated"] and md["path"] == "county"
    assert mf["open"] and mf["open_reason"] == "dissatisfied"
    per = rep.persons.set_index("person_key").loc["P1"]
    assert (per["n_cases"], per["n_matters"], per["n_open_matters"]) == (6, 3, 2)
    assert per["path"] == "township→county→city→province" and per["band"] == "6–10"
    assert per["name"] == "王建国"


def test_long_running_threshold(rep_book):
    book, persons = rep_book
    rep = repeat_matters(book, persons, role="supervisor")
    per = rep.persons.set_index("person_key")
    # 8 cases, 2023-01-10 → 2025-01-15 (≥ 2 years) vs → 2025-01-05 (5 days short)
    assert per.loc["P2", "long_running"] and not per.loc["P3", "long_running"]
    assert not per.loc["P1", "long_running"]
    lr = rep.long_running_matters()
    assert lr["person_key"].tolist() == ["P2"] and lr.loc[0, "n_cases"] == 8 and lr.loc[0, "units"] == ["RS"]
    assert lr.loc[0, "open"]  # none of its cases is closed
    # configurable: 7 cases over 1 year makes both long-running
    rep2 = repeat_matters(book, persons, role="supervisor", long_running=(7, 1))
    assert set(rep2.persons.loc[rep2.persons["long_running"], "person_key"]) == {"P2", "P3"}


def test_rate_and_bands(rep_book):
    book, persons = rep_book
    rep = repeat_matters(book, persons, role="supervisor")
    # repeats: B, C, E (P1) + 7 (P2) + 7 (P3) = 17 of 22 cases
    r = rep.rate()
    assert (r.loc[0, "cases"], r.loc[0, "repeat_cases"]) == (22, 17)
    assert r.loc[0, "rate"] == pytest.approx(17 / 22)
    by = rep.rate("registered_unit_id").set_index("registered_unit_id")
    assert by.loc["UM", "repeat_cases"] == 1 and by.loc["UP", "repeat_cases"] == 1
    assert (by.loc["UC", "cases"], by.loc["UC", "repeat_cases"]) == (19, 15)  # A, E, D + 16; E + 14
    assert by.loc["UT", "rate"] == 0
    b = rep.bands().set_index("band")
    assert b.loc["6–10", "persons"] == 3 and b["persons"].sum() == 3 and b.loc["6–10", "cases"] == 22


def test_window_days_changes_matters(rep_book):
    book, persons = rep_book
    rep = repeat_matters(book, persons, role="supervisor", window_days=400)
    p1 = rep.cases[rep.cases["person_key"] == "P1"].set_index("case_id")
    assert p1.loc["D", "matter_key"] == p1.loc["F", "matter_key"] and p1.loc["D", "repeat_no"] == 2


# --------------------------------------------------------------------------- groups and privacy

def _group_book():
    """G1 (collective, county): Q1 petitioner, Q2 representative, Q3 and Q4 co-signers;
    G2 (city): Q1, Q3; G3: Q5 alone; G4: Q5 petitioner, Q6 co-signer;
    X (accusation, 揭发控告): Q7 petitioner, Q8 and Q1 co-signers."""
    cases = pd.DataFrame({
        "case_id": ["G1", "G2", "G3", "G4", "X"],
        "received_at": ["2025-01-05", "2025-03-01", "2025-02-01", "2025-04-01", "2025-05-01"],
        "registered_unit_id": ["UC", "UM", "UC", "UC", "UC"],
        "region_code": "339921",
        "category": ["经济管理_企业改制", "经济管理_企业改制", "民政_社会救助", "民政_社会救助", "纪检监察_贪污贿赂"],
        "headcount": [6, 2, 1, 2, 3],
        "demand_type": ["request", "request", "request", "request", "accusation"],
        "responsible_unit_id": ["RS", "RS", "ZJ", "ZJ", "RS"],
        "closed_at": ["2025-02-01", None, "2025-03-01", "2025-05-01", None],
        "satisfaction": ["dissatisfied", None, "satisfied", "satisfied", None],
    })
    book = wb.Casebook.from_frames(cases=cases, units=UNITS, now="2026-01-01")
    links = [("G1", "Q1", "petitioner"), ("G1", "Q2", "representative"), ("G1", "Q3", "cosigner"),
             ("G1", "Q4", "cosigner"), ("G2", "Q1", "petitioner"), ("G2", "Q3", "cosigner"),
             ("G3", "Q5", "petitioner"), ("G4", "Q5", "petitioner"), ("G4", "Q6", "cosigner"),
             ("X", "Q7", "petitioner"), ("X", "Q8", "cosigner"), ("X", "Q1", "cosigner")]
    return book, _persons(links, {f"Q{i}": n for i, n in enumerate("甲乙丙丁戊己庚辛", start=1)})


def test_groups_with_representative():
    book, persons = _group_book()
    g = petitioner_groups(book, persons, role="analyst")
    assert g.groups["size"].tolist() == [4, 2]
    top = g.groups.iloc[0]
    assert top["case_ids"] == ["G1", "G2"] and top["n_cases"] == 2
    assert top["matters"] == ["经济管理/企业改制"] and top["units"] == ["RS"]
    assert top["path"] == "county→city" and top["escalated"] and top["highest_level"] == "city"
    assert top["open"] and top["open_reason"] == "not_closed,unanswered_repeat"  # G2 never closed
    # Q1 is the petitioner of a collective case, Q2 a named representative
    assert sorted(top["representatives"]) == ["Q1", "Q2"]
    mem = g.members.set_index("person_key")
    assert mem.loc[["Q1", "Q2", "Q3", "Q4"], "n_cases"].tolist() == [2, 1, 2, 1]
    assert mem.loc[["Q3", "Q4"], "role"].tolist() == ["member", "member"]
    assert mem.loc["Q5", "group_id"] == mem.loc["Q6", "group_id"] != top["group_id"]
    second = g.groups.iloc[1]
    assert second["case_ids"] == ["G4"] and not second["open"]
    net = g.network
    # G1: the 6 pairs of Q1..Q4; G2 adds weight to Q1–Q3; G4: Q5–Q6
    assert net.number_of_nodes() == 6 and net.number_of_edges() == 7
    assert net["Q1"]["Q3"]["weight"] == 2 and net["Q1"]["Q2"]["weight"] == 1
    assert net.nodes["Q4"]["group_id"] == top["group_id"]


def test_accusation_hidden_for_analyst_only():
    book, persons = _group_book()
    ga = petitioner_groups(book, persons, role="analyst")
    assert not {"Q7", "Q8"} & set(ga.members["person_key"])
    assert "name" not in ga.members.columns and "representative_names" not in ga.groups.columns
    assert "name" not in next(iter(ga.network.nodes.values()))
    assert ga.groups.attrs["hidden_accusation_links"] == 3 and ga.groups.attrs["hidden_accusation_cases"] == 1
    ra = repeat_matters(book, persons, role="analyst")
    assert "X" not in set(ra.cases["case_id"]) and "Q7" not in set(ra.persons["person_key"])
    assert "name" not in ra.persons.columns and ra.persons.attrs["hidden_accusation_links"] == 3
    # the rate is not person-level: X counts (as a first case) for every role
    assert ra.rate().loc[0, "cases"] == 5
    # the supervisor sees the accusation case, its persons and the names
    gs = petitioner_groups(book, persons, role="supervisor")
    assert gs.groups["size"].tolist() == [6, 2] and gs.groups.loc[0, "case_ids"] == ["G1", "G2", "X"]
    assert gs.members.set_index("person_key").loc["Q7", "name"] == "庚"
    assert gs.groups.attrs["hidden_accusation_links"] == 0
    rs = repeat_matters(book, persons, role="supervisor")
    assert "X" in set(rs.cases["case_id"]) and rs.persons.set_index("person_key").loc["Q1", "name"] == "甲"


def test_role_from_config_and_records_only_persons():
    book, persons = _group_book()
    wb.set_config(role="analyst")
    # only .records: the case links come from book.case_petitioners (none here) → nothing found
    g = petitioner_groups(book, SimpleNamespace(records=persons.records, case_persons=None))
    assert len(g.groups) == 0 and g.network.number_of_nodes() == 0
    r = repeat_matters(book, persons)
    assert r.cases.attrs["role"] == "analyst" and "X" not in set(r.cases["case_id"])


def test_links_without_person_key_are_their_own_person():
    book, persons = _group_book()
    cp = persons.case_persons.copy()
    cp.loc[cp["case_id"] == "G3", "person_key"] = None  # Q5's first case unresolved
    r = repeat_matters(book, SimpleNamespace(case_persons=cp, records=None), role="supervisor")
    assert r.cases.attrs["unresolved_links"] == 1
    q5 = r.cases[r.cases["person_key"] == "Q5"]
    assert q5["case_id"].tolist() == ["G4"] and q5["repeat_no"].tolist() == [1]
    other = r.cases[r.cases["case_id"] == "G3"]["person_key"].iloc[0]
    assert other.startswith("P") and len(other) == 11


# --------------------------------------------------------------------------- the sample

def _truth_persons(book, root: Path) -> SimpleNamespace:
    tp = pd.read_csv(root / "truth" / "truth_persons.csv", dtype=str)
    tp["person_key"] = _short_keys("P", [tp["person_id"]]).to_numpy()
    rec = tp[["petitioner_id", "person_key"]]
    return SimpleNamespace(records=rec, case_persons=book.case_petitioners.merge(rec, on="petitioner_id", how="left"))


def _check_planted(sample_book, persons) -> None:
    """The planted group comes out whole and alone, the planted long-running persons come out
    long-running; persons are compared through their records' true person ids."""
    truth = sample_book.truth
    tp = pd.read_csv(sample_book.root / "truth" / "truth_persons.csv", dtype=str)
    who = persons.records[["petitioner_id", "person_key"]].merge(tp[["petitioner_id", "person_id"]], on="petitioner_id")
    planted = set(truth["group"]["person_ids"])
    assert len(planted) == 14
    g = petitioner_groups(sample_book.book, persons, role="supervisor")
    keys = set(who.loc[who["person_id"].isin(planted), "person_key"])
    gid = g.members.loc[g.members["person_key"].isin(keys), "group_id"].unique()
    assert len(gid) == 1  # all in one group
    in_group = set(g.members.loc[g.members["group_id"] == gid[0], "person_key"])
    assert keys <= in_group
    assert set(who.loc[who["person_key"].isin(in_group), "person_id"]) == planted  # nobody else
    prof = g.groups.set_index("group_id").loc[gid[0]]
    assert sorted(prof["case_ids"]) == sorted(truth["group"]["case_ids"])
    assert prof["path"] == "county→city→province" and prof["matters"] == ["经济管理/企业改制"]
    assert prof["highest_level"] == "province" and prof["units"] == [truth["group"]["responsible_unit_id"]]
    rep = repeat_matters(sample_book.book, persons, role="supervisor")
    lr_keys = set(rep.persons.loc[rep.persons["long_running"], "person_key"])
    for p in truth["long_running"]:
        assert set(who.loc[who["person_id"] == p["person_id"], "person_key"]) & lr_keys, p["person_id"]
    assert set(rep.long_running_matters()["person_key"]) == lr_keys


def test_sample_planted_group_and_long_running_truth(sample_book):
    persons = _truth_persons(sample_book.book, sample_book.root)
    _check_planted(sample_book, persons)
    rep = repeat_matters(sample_book.book, persons, role="supervisor")
    # with the true persons, no one else reaches 8 cases over 2 years
    assert rep.persons["long_running"].sum() == len(sample_book.truth["long_running"])
    # each planted long-running person: one matter holding all the planted cases, numbered 1..k
    cases = rep.cases.set_index("case_id")
    key = persons.records.drop_duplicates("person_key").merge(
        pd.read_csv(sample_book.root / "truth" / "truth_persons.csv", dtype=str), on="petitioner_id"
    ).set_index("person_id")["person_key"]
    for p in sample_book.truth["long_running"]:
        mk = cases.loc[p["case_ids"]]
        mk = mk[mk["person_key"] == key[p["person_id"]]]
        assert mk["matter_key"].nunique() == 1
        assert sorted(mk["repeat_no"]) == list(range(1, len(p["case_ids"]) + 1))


def test_sample_planted_with_resolver(sample_book):
    resolve = pytest.importorskip("workbench.identity.resolve")
    _check_planted(sample_book, resolve.resolve_persons(sample_book.book))
