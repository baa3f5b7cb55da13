"""Repeat-petitioner views (workbench.views.persons) and the persons explorer, on a hand-made ledger
whose answers are worked out below, then on the bundled sample.

Seven petitioner records, five persons (stand-ins shaped as the identity contract says; the real
``resolve_persons`` / ``repeat_matters`` / ``petitioner_groups`` are run on the same book further down):

PA 张三 (records R1 and R2 张叁, merged on the same phone and a homophone name): one matter on a house
  expropriation, MA1, that climbed county (A1, 2024-01-10, replied 02-20, 不满意) → city (A2, 03-05,
  replied 04-10, 不满意) → province (A3, 06-01, open) → central (A4, 09-01, open): long-running, open.
  And an accusation (揭发控告) A5 on 2024-05-01 (matter MA2, open), which no analyst may link to him.
PB 李四 (R3): B1 closed satisfied (MB1), B2 open (MB2).
PC 王五 (R4, representative), PD 赵六 (R5), PE 钱七 (R6): a group on an enterprise restructuring —
  C1 county 2024-07-01 (six people, replied 08-01, 不满意), C2 city 2024-08-15 (PC, PD; open).
PF 孙八 (R7) co-signed PD's accusation C3 (2024-10-01): in the group only through an accusation.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.views import persons as V

from .notebook_support import in_page, outputs, rendered_page

PA, PB, PC, PD, PE, PF = (f"P00000000{c}a" for c in "abcdef")
NAMES = ["张三", "张叁", "李四", "王五", "赵六", "钱七", "孙八"]


def _has_case(text: str, case_id: str) -> bool:
    """Whether ``case_id`` (a short hand-ledger id such as A5) stands in ``text`` as an id, not
    inside a longer code (a pseudonym 化名-C32HY6Z3 may hold the letters C3)."""
    import re

    return re.search(rf"(?<![0-9A-Za-z]){re.escape(case_id)}(?![0-9A-Za-z])", text) is not None


@pytest.fixture(autouse=True)
def _analyst_key(analyst_key):
    """The analyst sees persons under pseudonyms keyed by a key file (DESIGN §9)."""
    wb.set_config(pseudonym_key_file=str(analyst_key))


def alias(pk: str, language: str = "zh") -> str:
    """The analyst's pseudonym of a person under the configured key."""
    from workbench.privacy import masker_for

    return masker_for("analyst", language=language).pseudonym(pk)


def _book():
    cat = ("城乡建设", "国有土地上房屋征收与补偿")
    rows = [
        # id, received, channel, registered, responsible, l1, l2, demand, head, replied, closed, satisfaction, status
        ("A1", "2024-01-10", "来访", "CO", "ZJ", *cat, "求决", 1, "2024-02-20", "2024-02-21", "不满意", "已办结"),
        ("A2", "2024-03-05", "来信", "CI", "ZJ", *cat, "求决", 1, "2024-04-10", "2024-04-11", "不满意", "已办结"),
        ("A3", "2024-06-01", "来访", "PR", "ZJ", *cat, "求决", 1, None, None, None, "办理中"),
        ("A4", "2024-09-01", "网上信访", "NA", "ZJ", *cat, "求决", 1, None, None, None, "办理中"),
        ("A5", "2024-05-01", "来信", "CO", "JW", "纪检监察", "干部作风", "揭发控告", 1, None, None, None, "办理中"),
        ("B1", "2025-03-01", "来电", "CO", "NY", "农村农业", "土地承包经营", "求决", 1, "2025-03-20", "2025-03-21", "满意", "已办结"),
        ("B2", "2025-05-01", "来信", "CO", "NY", "农村农业", "惠农补贴", "求决", 1, None, None, None, "办理中"),
        ("C1", "2024-07-01", "来访", "CO", "ZJ", "经济管理", "企业改制", "求决", 6, "2024-08-01", "2024-08-02", "不满意", "已办结"),
        ("C2", "2024-08-15", "来访", "CI", "ZJ", "经济管理", "企业改制", "求决", 8, None, None, None, "办理中"),
        ("C3", "2024-10-01", "来信", "CO", "JW", "纪检监察", "干部作风", "揭发控告", 2, None, None, None, "办理中"),
    ]
    cols = ["case_id", "received_at", "channel", "registered_unit_id", "responsible_unit_id", "category_l1",
            "category_l2", "demand_type", "headcount", "replied_at", "closed_at", "satisfaction", "status"]
    cases = pd.DataFrame(rows, columns=cols)
    cases["region_code"] = "339902"
    units = pd.DataFrame({
        "unit_id": ["GOV", "CO", "ZJ", "NY", "JW", "CI", "PR", "NA"],
        "name": ["临江区人民政府", "县信访局", "县住建局", "县农业农村局", "县纪委监委", "市信访局", "省信访局", "国家信访局"],
        "level": ["county", "county", "county", "county", "county", "city", "province", "central"],
        "region_code": ["339902", "339902", "339902", "339902", "339902", "339900", "330000", None],
    })
    petitioners = pd.DataFrame({
        "petitioner_id": [f"R{i}" for i in range(1, 8)],
        "name": NAMES,
        "id_number": ["339902198001011234", None, None, None, None, None, None],
        "phone": ["13812341215", "13812341215", "13900001111", "13700002222", "13600003333", "13500004444",
                  "13300005555"],
        "address": ["临江区幸福路1号", "临江区幸福路1号", "临江区东风村3组", None, None, None, None],
    })
    cp = [("A1", "R1", "信访人"), ("A2", "R2", "信访人"), ("A3", "R1", "信访人"), ("A4", "R2", "信访人"),
          ("A5", "R1", "信访人"), ("B1", "R3", "信访人"), ("B2", "R3", "信访人"),
          ("C1", "R4", "代表"), ("C1", "R5", "信访人"), ("C1", "R6", "信访人"), ("C2", "R4", "代表"),
          ("C2", "R5", "信访人"), ("C3", "R5", "信访人"), ("C3", "R7", "联名人")]
    case_petitioners = pd.DataFrame(cp, columns=["case_id", "petitioner_id", "role"])
    return wb.Casebook.from_frames(cases=cases, units=units, petitioners=petitioners,
                                   case_petitioners=case_petitioners, now="2026-01-01")


KEY = {"R1": PA, "R2": PA, "R3": PB, "R4": PC, "R5": PD, "R6": PE, "R7": PF}


def _persons(book):
    records = pd.DataFrame({"petitioner_id": list(KEY), "person_key": list(KEY.values()),
                            "how": ["phone+name", "phone+name", "alone", "alone", "alone", "alone", "alone"],
                            "flagged": [False] * 7})
    persons = pd.DataFrame({
        "person_key": [PA, PB, PC, PD, PE, PF], "n_records": [2, 1, 1, 1, 1, 1], "n_cases": [5, 2, 2, 3, 1, 1],
        "name": ["张三", "李四", "王五", "赵六", "钱七", "孙八"],
        "name_variants": [["张三", "张叁"], ["李四"], ["王五"], ["赵六"], ["钱七"], ["孙八"]],
        "id_number": ["339902198001011234", None, None, None, None, None],
        "phones": [["13812341215"], ["13900001111"], ["13700002222"], ["13600003333"], ["13500004444"],
                   ["13300005555"]],
        "region_code": ["339902"] * 6, "flagged": [False] * 6, "flag": [None] * 6})
    links = pd.DataFrame({"petitioner_id_a": ["R1"], "petitioner_id_b": ["R2"], "score": [0.93],
                          "evidence": ["同音姓名·同一电话"], "decided": ["model"]})
    rejected = pd.DataFrame({"petitioner_id_a": ["R1"], "petitioner_id_b": ["R3"], "score": [0.21],
                             "reason": ["同一区县·姓名不同（张三/李四）"]})
    cp = book.case_petitioners
    case_persons = pd.DataFrame({"case_id": cp["case_id"].astype(str), "petitioner_id": cp["petitioner_id"].astype(str),
                                 "person_key": cp["petitioner_id"].astype(str).map(KEY),
                                 "role": cp["role"].astype(str)})

    def explain(pk):
        ids = set(records.loc[records["person_key"] == pk, "petitioner_id"])
        lk = links.loc[links["petitioner_id_a"].isin(ids) | links["petitioner_id_b"].isin(ids)].assign(linked=True)
        rj = rejected.loc[rejected["petitioner_id_a"].isin(ids) | rejected["petitioner_id_b"].isin(ids)]
        rj = rj.rename(columns={"reason": "evidence"}).assign(linked=False, decided="model")
        return pd.concat([lk, rj], ignore_index=True)

    return SimpleNamespace(records=records, persons=persons, links=links, rejected=rejected,
                           case_persons=case_persons, explain=explain)


def _repeats():
    rows = [  # case, person, matter, repeat_no, level, received
        ("A1", PA, "MA1", 1, "county", "2024-01-10"), ("A2", PA, "MA1", 2, "city", "2024-03-05"),
        ("A3", PA, "MA1", 3, "province", "2024-06-01"), ("A4", PA, "MA1", 4, "central", "2024-09-01"),
        ("A5", PA, "MA2", 1, "county", "2024-05-01"),
        ("B1", PB, "MB1", 1, "county", "2025-03-01"), ("B2", PB, "MB2", 1, "county", "2025-05-01"),
        ("C1", PC, "MC1", 1, "county", "2024-07-01"), ("C2", PC, "MC1", 2, "city", "2024-08-15"),
        ("C1", PD, "MD1", 1, "county", "2024-07-01"), ("C2", PD, "MD1", 2, "city", "2024-08-15"),
        ("C3", PD, "MD2", 1, "county", "2024-10-01"),
        ("C1", PE, "ME1", 1, "county", "2024-07-01"), ("C3", PF, "MF1", 1, "county", "2024-10-01"),
    ]
    cases = pd.DataFrame(rows, columns=["case_id", "person_key", "matter_key", "repeat_no", "level", "received_at"])
    cases["received_at"] = pd.to_datetime(cases["received_at"])
    cases["is_repeat"] = cases["repeat_no"] > 1
    m = {"MA1": ("城乡建设", "国有土地上房屋征收与补偿", True, True), "MA2": ("纪检监察", "干部作风", True, False),
         "MB1": ("农村农业", "土地承包经营", False, False), "MB2": ("农村农业", "惠农补贴", True, False),
         "MC1": ("经济管理", "企业改制", True, False), "MD1": ("经济管理", "企业改制", True, False),
         "MD2": ("纪检监察", "干部作风", True, False), "ME1": ("经济管理", "企业改制", False, False),
         "MF1": ("纪检监察", "干部作风", True, False)}
    owner = cases.drop_duplicates("matter_key").set_index("matter_key")["person_key"]
    matters = pd.DataFrame({"matter_key": list(m), "person_key": [owner[k] for k in m],
                            "category_l1": [v[0] for v in m.values()], "category_l2": [v[1] for v in m.values()],
                            "region_code": ["339902"] * len(m), "open": [v[2] for v in m.values()],
                            "long_running": [v[3] for v in m.values()]})
    persons = pd.DataFrame({"person_key": [PA, PB, PC, PD, PE, PF], "n_cases": [5, 2, 2, 3, 1, 1],
                            "n_matters": [2, 2, 1, 2, 1, 1], "long_running": [True, False, False, False, False, False],
                            "band": ["2–5", "2–5", "2–5", "2–5", "1", "1"]})
    return SimpleNamespace(cases=cases, matters=matters, persons=persons)


def _groups():
    members = pd.DataFrame({"group_id": ["G1"] * 4, "person_key": [PC, PD, PE, PF],
                            "role": ["representative", "member", "member", "member"], "n_cases": [2, 3, 1, 1]})
    groups = pd.DataFrame({"group_id": ["G1"], "size": [4], "n_cases": [3], "case_ids": [["C1", "C2", "C3"]],
                           "representatives": [[PC]], "highest_level": ["city"]})
    G = nx.Graph()
    G.add_weighted_edges_from([(PC, PD, 2), (PC, PE, 1), (PD, PE, 1), (PD, PF, 1)])
    nx.set_node_attributes(G, "G1", "group_id")
    return SimpleNamespace(members=members, groups=groups, network=G)


@pytest.fixture(scope="module")
def hand():
    book = _book()
    return SimpleNamespace(book=book, persons=_persons(book), repeats=_repeats(), groups=_groups())


def _dump(obj) -> str:
    return json.dumps(obj.to_plotly_json() if hasattr(obj, "to_plotly_json") else obj, ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- cases and matters


def test_case_outcomes_and_levels(hand):
    c = hand.book.cases.set_index("case_id")
    out = dict(zip(c.index, V.case_outcomes(c), strict=True))
    assert [out[k] for k in ("A1", "A3", "B1", "C1")] == ["dissatisfied", "open", "satisfied", "dissatisfied"]
    assert V.case_levels(hand.book, ["A1", "A2", "A3", "A4", "nope"]).tolist() == [
        "county", "city", "province", "central", None]


def test_unresolved_matters_for_the_supervisor(hand):
    u = V.unresolved_matters(hand.repeats, hand.book, "supervisor")
    # long-running first, then most cases, highest level, earliest first petition, key
    assert u["matter_key"].tolist() == ["MA1", "MC1", "MD1", "MA2", "MD2", "MF1", "MB2"]
    ma1 = u.iloc[0]
    assert ma1["path"] == "county→city→province→central" and ma1["case_ids"] == ["A1", "A2", "A3", "A4"]
    assert ma1["outcomes"] == ["dissatisfied", "dissatisfied", "open", "open"] and ma1["unit_ids"] == ["ZJ"]
    t = V.unresolved_table(hand.repeats, hand.book, top=3, language="zh", persons=hand.persons, role="supervisor")
    assert t.columns.tolist() == ["信访人", "问题分类", "问题属地", "件数", "首次信访", "最近信访", "最高层级", "层级路径",
                                  "办理单位", "办理结果", "上访老户"]
    assert t.iloc[0].tolist() == [f"张三（{PA}）", "城乡建设/国有土地上房屋征收与补偿", "临江区", 4, "2024-01-10",
                                  "2024-09-01", "中央", "县/区 → 市 → 省 → 中央", "县住建局", "未办结×2、答复·不满意×2", "是"]
    html = V.unresolved_table_html(hand.repeats, hand.book, 3, "zh", persons=hand.persons, role="supervisor")
    assert "共 7 项，列出前 3 项" in html


def test_unresolved_matters_for_an_analyst_hide_names_and_accusations(hand):
    u = V.unresolved_matters(hand.repeats, hand.book, "analyst")
    assert u["matter_key"].tolist() == ["MA1", "MC1", "MD1", "MB2"]  # MA2, MD2, MF1 are accusations
    t = V.unresolved_table(hand.repeats, hand.book, language="en", persons=hand.persons, role="analyst")
    assert t["petitioner"].tolist() == [alias(p, "en") for p in (PA, PC, PD, PB)]
    assert all(a.startswith("alias-") and len(a) == len("alias-") + 8 for a in t["petitioner"])
    text = t.to_string()
    assert not any(n in text for n in NAMES) and "纪检监察" not in text
    assert not any(k in text for k in (PA, PB, PC, PD))  # no raw person keys either
    # the long-running persons' table counts visible cases only
    lr = V.long_running_table(hand.repeats, hand.book, language="en", persons=hand.persons, role="analyst")
    assert lr[["petitioner", "cases", "matters", "open matters"]].values.tolist() == [[alias(PA, "en"), 4, 1, 1]]
    lr = V.long_running_table(hand.repeats, hand.book, language="zh", persons=hand.persons, role="supervisor")
    assert lr[["信访人", "件数", "事项数", "未化解事项", "办理单位"]].values.tolist() == [
        [f"张三（{PA}）", 5, 2, 2, "县住建局、县纪委监委"]]


# --------------------------------------------------------------------------- the dossier


def test_dossier_of_the_supervisor(hand):
    d = V.dossier_data(hand.book, hand.persons, hand.repeats, PA, "supervisor")
    assert d.cases["case_id"].tolist() == ["A1", "A2", "A5", "A3", "A4"]
    assert d.cases["level"].tolist() == ["county", "city", "county", "province", "central"]
    assert d.cases["responsible_unit_name"].tolist() == ["县住建局"] * 2 + ["县纪委监委"] + ["县住建局"] * 2
    assert d.person["name"] == "张三" and d.person["id_number"] == "339902198001011234"
    assert d.records["name"].tolist() == ["张三", "张叁"] and d.records["cases"].tolist() == [3, 2]
    story = V.dossier_story(d)
    assert story.startswith(f"**张三（{PA}）**：2024-01-10 至 2024-09-01 共 5 件，涉及 2 个事项，最高到中央；其中 2 个事项仍未化解。")
    assert "4 件（2024-01-10 至 2024-09-01；县/区1件、市1件、省1件、中央1件），县/区 → 市 → 省 → 中央。" in story
    assert "县住建局于 2024-02-20 答复（不满意）后，2024-03-05 到市（市信访局，来信）" in story
    assert "县住建局尚未答复时，2024-09-01 到中央（国家信访局，网上信访）；**仍未化解**。办理单位：县住建局。" in story
    assert "纪检监察/干部作风" in story
    en = V.dossier_story(d, "en")
    assert "After 县住建局 replied on 2024-04-10 (dissatisfied), on 2024-06-01 it went to the Province level" in en


def test_dossier_of_an_analyst_is_pseudonymous_and_without_the_accusation(hand):
    d = V.dossier_data(hand.book, hand.persons, hand.repeats, PA, "analyst")
    assert d.cases["case_id"].tolist() == ["A1", "A2", "A3", "A4"] and d.matters["matter_key"].tolist() == ["MA1"]
    assert d.label == alias(PA) and d.label.startswith("化名-") and "name" not in d.person
    assert d.person["id_number"] == "3399**********1234" and d.person["phones"] == ["138****1215"]
    assert d.records.columns.tolist() == ["petitioner_id", "how", "id_number", "phone", "address", "cases"]
    # the accusation A5 (R1's) is not counted: R1 shows its 2 visible cases, not 3
    assert d.records["cases"].tolist() == [2, 2]
    rec, links = V.merge_table(d, "zh")
    shown = rec.to_string() + links.to_string() + V.dossier_story(d) + _dump(V.dossier_figure(d))
    assert not any(n in shown for n in NAMES) and "13812341215" not in shown and not _has_case(shown, "A5")
    assert "同一区县·姓名不同（**/**）" in links["依据"].tolist()  # the reason text is scrubbed of names
    with pytest.raises(KeyError):
        V.dossier_data(hand.book, hand.persons, hand.repeats, "Pnobody", "analyst")


def test_dossier_of_a_trainer_names_the_invented_persons_but_not_the_accusation(hand):
    d = V.dossier_data(hand.book, hand.persons, hand.repeats, PA, "trainer")
    assert d.label == "张三" and d.person["name"] == "张三"  # synthetic data: names are shown
    assert d.person["id_number"] == "3399**********1234" and d.person["phones"] == ["138****1215"]
    assert d.cases["case_id"].tolist() == ["A1", "A2", "A3", "A4"]  # the accusation A5 stays hidden
    assert d.records["name"].tolist() == ["张三", "张叁"] and d.records["cases"].tolist() == [2, 2]
    assert V.person_labels([PA, PC], hand.persons, "trainer") == ["张三", "王五"]


def test_merge_table_gives_the_evidence_and_the_undo_call(hand):
    d = V.dossier_data(hand.book, hand.persons, hand.repeats, PA, "supervisor")
    rec, links = V.merge_table(d, "zh", overrides="decisions.toml")
    assert rec["归并依据"].tolist() == ["同一电话·姓名相近"] * 2 and rec["姓名"].tolist() == ["张三", "张叁"]
    first = links.iloc[0]
    assert first[["记录甲", "记录乙", "已归并", "得分", "依据", "决定方式/未归并原因"]].tolist() == [
        "R1", "R2", "是", 0.93, "同音姓名·同一电话", "自动匹配"]
    assert first["如归并有误，拆分的调用"] == 'decide("decisions.toml", "R1", "R2", "different", by="…", why="…")'
    assert links.iloc[1]["已归并"] == "否" and links.iloc[1]["如归并有误，拆分的调用"] == ""
    html = V.merge_html(d, "en")
    assert "workbench.identity.overrides.decide" in html and "decide(OVERRIDES, &quot;R1&quot;" in html


def test_dossier_figure_one_timeline_across_channels_and_levels(hand):
    d = V.dossier_data(hand.book, hand.persons, hand.repeats, PA, "supervisor")
    fig = V.dossier_figure(d, "zh")
    line = fig.data[0]
    assert line.mode == "lines" and len([x for x in line.x if x is not None]) == 4  # the four cases of MA1
    points = [t for t in fig.data if t.mode == "markers" and t.showlegend is False]
    assert [t.name for t in points] == ["来访", "来信", "网上信访"]
    ids = {str(c[0]): (t.name, t.marker.color[i]) for t in points for i, c in enumerate(t.customdata)}
    assert ids["A1"] == ("来访", V._OUTCOME_COLOUR["dissatisfied"]) and ids["A4"] == ("网上信访", V._OUTCOME_COLOUR["open"])
    assert ids["A5"][0] == "来信"
    visit = points[0]
    k = [c[0] for c in visit.customdata].index("A3")
    assert "责任单位: 县住建局" in visit.hovertext[k] and "办理结果: 未办结" in visit.hovertext[k]
    assert "省信访局" in visit.hovertext[k]
    keys = [t.name for t in fig.data if t.showlegend is not False and t.mode == "markers"]
    assert keys == ["来访", "来信", "网上信访", "未办结", "答复·不满意"]  # shapes, then colours
    assert list(fig.layout.yaxis.ticktext) == ["县/区", "市", "省", "中央"]
    assert "信访人 张三" in fig.layout.title.text


# --------------------------------------------------------------------------- escalation, groups, bands


def test_escalation_flows_and_sankey(hand):
    f = V.escalation_flows(hand.repeats, hand.book, "supervisor")
    assert f.drop(columns="matter_keys").values.tolist() == [
        ["county", "city", 3, 3], ["city", "province", 1, 1], ["city", "open", 2, 2],
        ["province", "central", 1, 1], ["central", "open", 1, 1]]
    assert f["matter_keys"].iloc[0] == ["MA1", "MC1", "MD1"]
    fig = V.escalation_figure(f, "zh")
    s = fig.data[0]
    assert list(s.node.label) == ["县/区（3）", "市（3）", "省（1）", "中央（1）", "仍未化解（3）"]
    assert list(s.link.value) == [3.0, 1.0, 2.0, 1.0, 1.0]
    assert [list(c) for c in s.link.customdata][2] == ["city", "open"]
    assert "3 个事项，其中 3 个上行" in fig.layout.title.text
    one = V.escalation_flows(hand.repeats, hand.book, "supervisor", min_cases=1)
    assert one.loc[one["target"] == "closed", "matters"].tolist() == [2]  # MB1 and ME1 closed at the county


def test_group_views_and_privacy(hand):
    g = hand.groups
    assert V.escalated_group(g, hand.book) == "G1"
    sup = V.group_data(hand.book, g, hand.repeats, "G1", hand.persons, "supervisor")
    assert sup.cases["case_id"].tolist() == ["C1", "C2", "C3"] and len(sup.members) == 4
    assert sup.matters[["n_cases", "path", "open"]].values.tolist() == [[1, "county", True], [2, "county→city", True]]
    ana = V.group_data(hand.book, g, hand.repeats, "G1", hand.persons, "analyst")
    assert ana.cases["case_id"].tolist() == ["C1", "C2"] and ana.members["person_key"].tolist() == [PC, PD, PE]
    story = V.dossier_story(ana)
    assert story.startswith("**群体 G1**：2024-07-01 至 2024-08-15 共 2 件，涉及 1 个事项") and f"代表：{alias(PC)}" in story
    prof = V.group_profile(g, hand.book, "G1", "zh", persons=hand.persons, role="supervisor", repeats=hand.repeats)
    assert dict(zip(prof["项目"], prof["内容"], strict=True)) == {
        "人数": "4 人（代表 1 人）", "代表": f"王五（{PC}）", "件数": "3", "时间": "2024-07-01 — 2024-10-01",
        "问题分类": "经济管理/企业改制、纪检监察/干部作风", "最高层级": "市", "层级路径": "县/区 → 市",
        "办理单位": "县住建局、县纪委监委", "办理结果": "未办结×2、答复·不满意", "仍有未办结": "是"}
    prof = V.group_profile(g, hand.book, "G1", "zh", persons=hand.persons, role="analyst", repeats=hand.repeats)
    assert prof["内容"].tolist()[:3] == ["3 人（代表 1 人）", alias(PC), "2"] and "孙八" not in prof.to_string()
    fig = V.group_network_figure(g, language="zh", persons=hand.persons, role="supervisor")
    assert [t.type for t in fig.data] == ["scattergl"] * 4
    edges, members, reps, labels = fig.data
    assert len(edges.x) == 3 * 4 and [list(c) for c in reps.customdata] == [[PC, "G1"]]
    assert sorted(c[0] for c in members.customdata) == [PD, PE, PF]
    assert reps.marker.symbol == "diamond" and labels.text == ("4人·3件",) and list(labels.customdata[0]) == ["G1"]
    assert "王五" in reps.hovertext[0]
    assert "王五" not in _dump(V.group_network_figure(g, persons=hand.persons, role="analyst"))


def test_bands_and_repeat_rate(hand):
    b = V.bands_data(hand.repeats)
    assert b[["band", "persons", "cases"]].values.tolist() == [
        ["1", 2, 2], ["2–5", 4, 12], ["6–10", 0, 0], ["11–30", 0, 0], ["31–50", 0, 0], ["50+", 0, 0]]
    fig = V.bands_figure(b, "zh")
    assert list(fig.data[0].x) == list(V.BANDS) and list(fig.data[0].customdata) == list(V.BANDS)
    assert fig.data[0].text[1] == "4人·占件数85.7%"
    month = V.repeat_rate(hand.repeats, hand.book, "month")
    assert month.loc[month["repeats"] > 0, "key"].tolist() == ["2024-03", "2024-06", "2024-08", "2024-09"]
    assert month.attrs["overall"] == 0.4  # A2, A3, A4, C2 of ten cases
    county = V.repeat_rate(hand.repeats, hand.book, "county")
    assert county[["key", "name", "cases", "repeats"]].values.tolist() == [["339902", "临江区", 10, 4]]
    f = V.repeat_rate_figure(month, "zh")
    assert [t.type for t in f.data] == ["bar", "scatter"] and list(f.data[1].y)[1] == 100.0
    f = V.repeat_rate_figure(county, "en")
    assert list(f.data[0].x) == ["临江区"] and "overall 40.0%" in _dump(f)
    with pytest.raises(ValueError):
        V.repeat_rate(hand.repeats, hand.book, "week")


def test_odd_data_does_not_crash(hand):
    empty = SimpleNamespace(cases=hand.repeats.cases.iloc[:0], matters=hand.repeats.matters.iloc[:0],
                            persons=hand.repeats.persons.iloc[:0])
    assert len(V.unresolved_table(empty, hand.book)) == 0
    assert len(V.escalation_flows(empty, hand.book)) == 0
    V.escalation_figure(V.escalation_flows(empty, hand.book))
    no_groups = SimpleNamespace(members=hand.groups.members.iloc[:0], groups=hand.groups.groups.iloc[:0],
                                network=nx.Graph())
    assert V.escalated_group(no_groups, hand.book) is None
    assert len(V.group_network_figure(no_groups).data) == 4
    V.bands_figure(V.bands_data(empty))
    # a case with no unit level and no channel still draws
    rc = hand.repeats.cases.assign(level=None)
    d = V.dossier_data(hand.book, hand.persons, SimpleNamespace(cases=rc, matters=hand.repeats.matters), PB)
    assert d.cases["level"].tolist() == ["county", "county"]  # filled from the registering unit
    assert V.mask_id_number("12") == "**" and V.mask_phone(np.nan) == ""


# --------------------------------------------------------------------------- with the real identity functions


@pytest.fixture(scope="module")
def real(hand):
    from workbench.identity.groups import petitioner_groups
    from workbench.identity.repeats import repeat_matters
    from workbench.identity.resolve import resolve_persons

    persons = resolve_persons(hand.book)
    return SimpleNamespace(persons=persons, repeats=repeat_matters(hand.book, persons, role="supervisor"),
                           groups=petitioner_groups(hand.book, persons, role="supervisor"))


def test_views_over_the_real_identity_results(hand, real):
    book = hand.book
    key = real.persons.records.set_index("petitioner_id")["person_key"]
    pa = key["R1"]
    assert key["R2"] == pa  # the homophone name on the same phone is merged
    u = V.unresolved_matters(real.repeats, book, "supervisor")
    first = u.iloc[0]
    assert first["case_ids"] == ["A1", "A2", "A3", "A4"] and first["path"] == "county→city→province→central"
    d = V.dossier_data(book, real.persons, real.repeats, pa, "supervisor")
    assert d.cases["case_id"].tolist() == ["A1", "A2", "A5", "A3", "A4"]
    assert d.links[["petitioner_id_a", "petitioner_id_b"]].values.tolist() == [["R1", "R2"]]
    assert "同一电话" in d.links["evidence"].iloc[0]
    rate = V.repeat_rate(real.repeats, book)
    assert rate.attrs["overall"] == pytest.approx(float(real.repeats.rate()["rate"].iloc[0]))
    gid = V.escalated_group(real.groups, book)
    g = V.group_data(book, real.groups, real.repeats, gid, real.persons, "supervisor")
    assert sorted(g.cases["case_id"]) == ["C1", "C2", "C3"]
    # an analyst's whole view: no name, no full ID or phone, no accusation case
    ana = V.dossier_data(book, real.persons, real.repeats, pa, "analyst")
    out = (V.dossier_story(ana) + _dump(V.dossier_figure(ana)) + "".join(t.to_string() for t in V.merge_table(ana))
           + V.unresolved_table(real.repeats, book, persons=real.persons, role="analyst").to_string()
           + _dump(V.group_network_figure(real.groups, persons=real.persons, role="analyst")))
    assert not any(n in out for n in NAMES) and "339902198001011234" not in out and "13812341215" not in out
    assert not _has_case(out, "A5") and not _has_case(out, "C3")


# --------------------------------------------------------------------------- the explorer


def _explorer(hand, role="supervisor", language="zh"):
    from workbench.views.persons_explorer import PersonsExplorer

    e = PersonsExplorer(hand.book, hand.persons, hand.repeats, hand.groups, role=role, language=language)
    e.widget()
    return e


def test_explorer_methods_show_the_right_person_and_group(hand):
    e = _explorer(hand)
    assert e.list_unresolved() == ["MA1", "MC1", "MD1", "MA2", "MD2", "MF1", "MB2"]
    assert [v for _, v in e._w_matter.options][:2] == ["MA1", "MC1"] and "张三" in e._w_matter.options[0][0]
    e._w_matter.value = "MC1"  # picking a matter shows its person's dossier on the person tab
    assert e.person_key == PC and e.matter_key == "MC1" and e._tabs.selected_index == 1
    assert "王五" in e._story.value and "王五" in e._dossier_fig.layout.title.text
    e.show_person(PA)
    assert "R1" in e._merges.value and "decide(OVERRIDES" in e._merges.value
    assert e.list_band("2–5") == [PA, PD, PB, PC] and e.listed_kind == "persons"
    e._w_list.value = PD
    assert e.person_key == PD
    assert e.list_flow("county", "city") == ["MA1", "MC1", "MD1"] and "县/区 → 市" in e.listed_title
    e._w_list.value = "MD1"
    assert e.person_key == PD and e.matter_key == "MD1"
    e.show_group("G1")
    assert e.group_id == "G1" and e._tabs.selected_index == 2 and "县纪委监委" in e._group_html.value
    assert e.find_person("王") == [PC] and e.find_person("13812341215") == [PA] and e.find_person(PB) == [PB]
    assert e.find_person("无此人") == [] and "未找到" in e.listed_title
    e.set_rate_by("county")
    assert list(e._rate_fig.data[0].x) == ["临江区"]


def test_explorer_clicks(hand):
    e = _explorer(hand)
    e._tabs.selected_index = 2
    members = e._net_fig.data[1]
    e.group_id = None
    e._on_net_click(members, SimpleNamespace(point_inds=[0], xs=[], ys=[]), None)
    assert e.group_id == "G1"
    e._tabs.selected_index = 3
    s = e._sankey.data[0]
    k = [list(c) for c in s.link.customdata].index(["city", "open"])
    e._on_sankey_click(s, SimpleNamespace(point_inds=[k], xs=[], ys=[]), None)
    assert e.listed == ["MC1", "MD1"]
    e._tabs.selected_index = 4
    bars = e._bands_fig.data[0]
    e._on_band_click(bars, SimpleNamespace(point_inds=[0], xs=[], ys=[]), None)
    assert e.listed == [PE, PF]


def test_explorer_for_an_analyst(hand):
    e = _explorer(hand, role="analyst", language="en")
    for i in range(5):
        e._tabs.selected_index = i
    assert e.list_unresolved() == ["MA1", "MC1", "MD1", "MB2"]
    assert e.find_person("张三") == [] and e.find_person("13812341215") == []  # names and phones are not searchable
    assert e.find_person(alias(PA)) == [PA] and e.find_person(PB) == [PB]  # the pseudonym or the key is
    e.show_person(PA)
    e.show_group("G1")
    shown = " ".join([e._unresolved_html.value, e._story.value, e._merges.value, e._group_html.value,
                      str(e._w_matter.options), str(e._w_list.options), e._status.value]
                     + [_dump(f) for f in (e._dossier_fig, e._group_fig, e._net_fig)])
    assert not any(n in shown for n in NAMES) and "13812341215" not in shown
    assert not _has_case(shown, "A5") and not _has_case(shown, "C3") and "Persons appear under stable pseudonyms" in e._status.value


def _strict_json(obj):
    """What goes on the wire: plotly's widget serializer, then JSON without NaN (numeric arrays go
    as binary buffers beside the JSON)."""
    from plotly.serializers import custom_serializers

    def buffers(o):
        if isinstance(o, memoryview):
            return "<buffer>"
        raise TypeError(type(o).__name__)

    return json.dumps(custom_serializers["to_json"](obj, None), allow_nan=False, default=buffers)


def test_explorer_figures_send_strict_json(hand):
    from workbench.views.persons_explorer import PersonsExplorer

    e = PersonsExplorer(hand.book, hand.persons, hand.repeats, hand.groups, role="supervisor")
    e.widget()
    sent: list = []
    names = ["_py2js_addTraces", "_py2js_restyle", "_py2js_relayout", "_py2js_update"]
    for fw in (e._dossier_fig, e._net_fig, e._group_fig, e._sankey, e._bands_fig, e._rate_fig):
        fw.observe(lambda change: sent.append(change["new"]), names=names)
    for i in range(5):
        e._tabs.selected_index = i
    e.show_person(PB)  # open cases: NaT replies and NaN satisfaction must go as null
    e.show_person(PA)
    e.set_rate_by("county")
    e.set_rate_by("month")
    messages = [m for m in sent if m]
    assert len(messages) >= 6
    for m in messages:
        _strict_json(m)


# --------------------------------------------------------------------------- the sample and the notebook


@pytest.mark.slow
def test_on_the_sample_the_planted_group_and_long_running_show(sample_book):
    from workbench.identity.groups import petitioner_groups
    from workbench.identity.repeats import repeat_matters
    from workbench.identity.resolve import resolve_persons

    book, truth = sample_book.book, sample_book.truth
    persons = resolve_persons(book)
    repeats = repeat_matters(book, persons, role="supervisor")
    groups = petitioner_groups(book, persons, role="supervisor")
    gid = V.escalated_group(groups, book)
    g = V.group_data(book, groups, repeats, gid, persons, "supervisor")
    planted = set(truth["group"]["case_ids"])
    assert len(set(g.cases["case_id"]) & planted) >= 0.8 * len(planted)
    assert g.matters["path"].iloc[0] == "county→city→province"
    # the planted long-running petitioners lead the long-running table, by name for the supervisor
    lr = V.long_running_table(repeats, book, 10, "zh", persons=persons, role="supervisor")
    names = {p["name"] for p in truth["long_running"]}
    assert sum(any(n in who for n in names) for who in lr["信访人"]) >= 0.8 * len(names)
    u = V.unresolved_matters(repeats, book, "supervisor")
    assert u["long_running"].head(3).all()
    flows = V.escalation_flows(repeats, book, "supervisor")
    assert flows.loc[(flows["source"] == "county") & (flows["target"] == "city"), "matters"].iloc[0] > 50


@pytest.mark.slow
def test_persons_notebook_runs_on_the_sample_and_renders_offline(tmp_path):
    from workbench.notebooks import external_references

    page = rendered_page("03_repeat_petitioners.ipynb", tmp_path / "persons.html")

    def has(s: str) -> bool:
        return in_page(page, s)

    for s in ("仍未化解的信访事项（积案）", "上访老户", "归并的信访人记录及依据", "信访群体", "重复信访事项的层级走向",
              "信访人按件数分档", "重复信访率（按月）", "石门县人民政府", "decide(OVERRIDES"):
        assert has(s), s
    assert "Traceback" not in page
    assert page.count("Plotly.newPlot") >= 7
    assert external_references(page) == []
    assert len(page) < 10_000_000


def test_persons_notebook_for_an_analyst_in_english_shows_no_petitioner_name(tmp_path, analyst_key, monkeypatch):
    from pathlib import Path

    from workbench.notebooks import run_notebook
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY_FILE", str(analyst_key))  # the kernel's analyst needs the key
    root = Path(__file__).resolve().parents[1]
    nb = run_notebook(root / "notebooks" / "03_repeat_petitioners.ipynb",
                      parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en", "ROLE": "analyst", "TOP": 8})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    blobs = outputs(nb)
    for s in ("Matters still open", "Records merged into this person", "Petitioning groups", "Where repeat matters went",
              "Persons by number of cases", "Repeat petition rate by month", "interactive in a running JupyterLab"):
        assert s in blobs, s
    book = wb.load([tmp_path / "s" / "ledger.xlsx", tmp_path / "s" / "events.csv"])
    names = {str(n) for n in book.petitioners["name"].dropna() if len(str(n)) >= 2}
    leaked = sorted(n for n in names if n in blobs or n.encode("unicode_escape").decode() in blobs)
    assert leaked == []
    phones = {str(p) for p in book.petitioners["phone"].dropna()}
    assert not any(p in blobs for p in phones)
