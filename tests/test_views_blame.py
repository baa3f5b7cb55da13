"""Blame-chain views (workbench.views.blame) and the blame explorer, on four cases worked out by hand
(as of 2025-06-30) and, once, on the bundled sample.

A (县住建局 ZJ, leader L1): registered 01-02 at the county petition bureau (OFFICE), assigned to ZJ
  01-03, accepted 01-06; ZJ transfers it to 县自然资源局 (ZR) 03-01, ZR transfers it back 03-21 (A→B→A:
  the ZR hold bounced; ZR is not the unit that finally handled it, so the sender ZJ misrouted it),
  ZJ replies 03-31. Handling clock: 01-06 + 60 days = 03-07, reply 24 days late; the late stretch
  runs from 03-08 to 03-31 (23 days): ZR held 13 of them (03-08..03-21), ZJ 10 (03-21..03-31), so
  ZJ is charged 24 × 13/23 = 13.565 days for misrouting and 24 × 10/23 = 10.435 for holding.
B (ZR): assigned to ZR 02-04, returned by ZR 02-06 (ZR finally handles it: it refused its own
  matter, 2 days charged to ZR), assigned again 02-07, accepted 02-10, replied 03-10: nothing late.
C (镇政府 TOWN, co-handled by ZJ, leader L1): assigned 03-04 to TOWN (lead) and ZJ (协办), accepted
  03-10 (handling due 05-09), urged 04-15, no reply: open past its limit by 52 days on 06-30.
D (accusation 揭发控告, ZJ): assigned 04-01 with a note naming the accuser, replied 04-20.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.views import blame as V
from workbench.views.blame_explorer import BlameExplorer, story_html

from .notebook_support import in_page, outputs, rendered_page

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def book():
    cases = pd.DataFrame({
        "case_id": ["A", "B", "C", "D"],
        "received_at": ["2025-01-02", "2025-02-03", "2025-03-03", "2025-03-31"],
        "demand_type": ["求决", "求决", "求决", "揭发控告"],
        "registered_unit_id": ["OFFICE"] * 4,
        "responsible_unit_id": ["ZJ", "ZR", "TOWN", "ZJ"],
        "lead_person_id": ["L1", "L2", "L1", None],
        "category": ["城乡建设_建设管理", "国土资源_土地征收", "农村农业_村务管理", "纪检监察_干部作风"],
        "region_code": ["339902", "339902", "339902001", "339902"],
    })
    ev = [
        ("A", "2025-01-02", "登记", "OFFICE", None, None, None),
        ("A", "2025-01-03", "交办", "OFFICE", "ZJ", None, None),
        ("A", "2025-01-06", "受理", "ZJ", None, None, None),
        ("A", "2025-03-01", "转送", "ZJ", "ZR", None, None),
        ("A", "2025-03-21", "转送", "ZR", "ZJ", None, None),
        ("A", "2025-03-31", "答复", "ZJ", None, None, None),
        ("B", "2025-02-03", "登记", "OFFICE", None, None, None),
        ("B", "2025-02-04", "交办", "OFFICE", "ZR", None, None),
        ("B", "2025-02-06", "退回", "ZR", "OFFICE", None, "非我单位职权"),
        ("B", "2025-02-07", "交办", "OFFICE", "ZR", None, None),
        ("B", "2025-02-10", "受理", "ZR", None, None, None),
        ("B", "2025-03-10", "答复", "ZR", None, None, None),
        ("C", "2025-03-03", "登记", "OFFICE", None, None, None),
        ("C", "2025-03-04", "交办", "OFFICE", "TOWN", "主办", None),
        ("C", "2025-03-04", "交办", "OFFICE", "ZJ", "协办", None),
        ("C", "2025-03-10", "受理", "TOWN", None, None, None),
        ("C", "2025-04-15", "催办", "OFFICE", "TOWN", None, "请加快办理"),
        ("D", "2025-03-31", "登记", "OFFICE", None, None, None),
        ("D", "2025-04-01", "交办", "OFFICE", "ZJ", None, "举报人王某某反映"),
        ("D", "2025-04-02", "受理", "ZJ", None, None, None),
        ("D", "2025-04-20", "答复", "ZJ", None, None, None),
    ]
    events = pd.DataFrame(ev, columns=["case_id", "at", "action", "from_unit_id", "to_unit_id", "role", "note"])
    units = pd.DataFrame({
        "unit_id": ["CITY", "OFFICE", "ZJ", "ZR", "TOWN"],
        "name": ["市信访局", "县信访局", "县住建局", "县自然资源局", "青石镇人民政府"],
        "parent_id": [None, "CITY", None, None, None],
        "level": ["city", "county", "county", "county", "township"],
        "kind": ["信访部门", "信访部门", "职能部门", "职能部门", "人民政府"],
        "region_code": ["339900", "339902", "339902", "339902", "339902001"],
    })
    people = pd.DataFrame({"person_id": ["L1", "L2"], "name": ["张明", "李华"], "unit_id": ["ZJ", "ZR"],
                           "title": ["副县长", "局长"]})
    return wb.Casebook.from_frames(cases=cases, events=events, units=units, people=people, now="2025-12-31")


@pytest.fixture(scope="module")
def blame(book):
    return wb.attribute_blame(book, as_of=AS_OF)


# --------------------------------------------------------------------------- one case's chain


def test_chain_data_of_a_misrouted_late_case(book):
    d = V.chain_data(book, "A", as_of=AS_OF)
    seg = d.segments
    assert seg["lane"].tolist() == ["县信访局", "县住建局", "县自然资源局", "县住建局"]
    assert seg["days_held"].tolist() == [1.0, 57.0, 20.0, 10.0]
    # the 24 days late shared by the 13 and 10 days of the late stretch each held it
    assert seg["days_overdue"].round(4).tolist() == [0.0, 0.0, round(24 * 13 / 23, 4), round(24 * 10 / 23, 4)]
    assert seg["fault"].astype(str).tolist() == ["held", "held", "misrouted", "held"]
    assert seg["charged_unit_id"].astype(str).tolist()[2] == "ZJ"
    late = d.late
    assert late[["clock", "days_late", "holder_unit_id"]].values.tolist() == [["handle", 24, "ZR"]]
    assert late["w0"].iloc[0] == pd.Timestamp("2025-03-08") and late["w1"].iloc[0] == pd.Timestamp("2025-03-31")
    assert pd.Timestamp(d.clocks.set_index("clock").loc["handle", "due"]) == pd.Timestamp("2025-03-07")
    att = d.attribution.groupby("basis", observed=True)["late_days"].sum().round(3).to_dict()
    assert att == {"misrouted": round(24 * 13 / 23, 3), "held": round(24 * 10 / 23, 3)}
    assert d.events["action"].tolist() == ["register", "assign", "accept", "transfer", "transfer", "reply"]


def test_chain_figure_has_lanes_stripes_markers_and_due_lines(book):
    d = V.chain_data(book, "A", as_of=AS_OF)
    fig = V.chain_figure(d, language="zh")
    bars = [t for t in fig.data if t.type == "bar"]
    lead = next(t for t in bars if t.name == "主办")
    assert list(lead.y) == ["县信访局", "县住建局", "县自然资源局", "县住建局"]
    # the bounced hold is outlined in red and says why
    assert list(lead.marker.line.width) == [0, 0, 2.5, 0]
    assert "误转" in lead.text[2]
    assert "持有: 20.0天" in lead.hovertext[2] and "其中超期: 13.6天" in lead.hovertext[2]
    assert "往返（误转：转错单位），计入县住建局" in lead.hovertext[2]
    stripe = next(t for t in bars if t.name == "超期期间持有")
    assert list(stripe.y) == ["县自然资源局", "县住建局"]
    assert [round(w / 86_400_000, 3) for w in stripe.x] == [13.0, 10.0]
    assert [t.name for t in fig.data if t.type == "scatter"] == ["答复"]
    dues = [s for s in fig.layout.shapes if (s.name or "").startswith("due:")]
    assert {s.name for s in dues} == {"due:route", "due:accept", "due:handle"}
    handle = next(s for s in dues if s.name == "due:handle")
    assert handle.line.dash == "dash" and handle.x0.startswith("2025-03-08")  # the end of the last day
    assert any("超期办结" in a.text and "24天" in a.text for a in fig.layout.annotations)
    late_rects = [s for s in fig.layout.shapes if (s.name or "").startswith("late:")]
    assert len(late_rects) == 1
    # English words in English
    en = V.chain_figure(d, language="en")
    assert any(t.name == "held while late" for t in en.data)


def test_chain_story_names_holders_the_deadline_and_who_answers(book):
    d = V.chain_data(book, "A", as_of=AS_OF)
    story = V.chain_story(d)
    lines = story.splitlines()
    assert lines[0].startswith("**信访件 A**（城乡建设/建设管理）：2025-01-02 登记，责任单位县住建局，包案领导张明")
    assert "3. 2025-03-01 起，县自然资源局持有 20.0天，转送/交办至县住建局。" in story
    assert "**误转**：县住建局把事项转错了单位" in story and "这 20.0天 计入转出单位县住建局" in story
    assert "**办理答复**时限 2025-03-07 届满，届满时由县自然资源局持有；超期办结，超期 24 天。" in story
    assert "**责任倒查**：县住建局13.6天（误转）；县住建局10.4天（持有期间超期）。" in story
    en = V.chain_story(d, "en")
    assert "Misrouted" in en and "ran out on 2025-03-07 while 县自然资源局 held the case" in en
    # a refusal of one's own matter is charged to the refuser
    b = V.chain_story(V.chain_data(book, "B", as_of=AS_OF))
    assert "**推诿**：县自然资源局正是最终办理该事项的单位" in b and "这 2.0天 计入县自然资源局（拒收）" in b
    assert "各项时限均未超期" in b
    assert story_html("**x**\n\n1. a") == '<div class="wb-story"><p><b>x</b></p><p>1. a</p></div>'


def test_co_handling_and_an_open_late_case(book):
    d = V.chain_data(book, "C", as_of=AS_OF)
    seg = d.segments
    assert seg[["lane", "role"]].astype(str).values.tolist() == [
        ["县信访局", "lead"], ["青石镇人民政府", "lead"], ["县住建局", "co"]]
    assert seg["open"].tolist() == [False, True, True]
    assert d.late[["clock", "days_late", "holder_unit_id"]].values.tolist() == [["handle", 52, "TOWN"]]
    assert seg["n_urged"].tolist()[1] == 1
    fig = V.chain_figure(d)
    assert {t.name for t in fig.data if t.type == "bar"} == {"主办", "协办", "超期期间持有"}
    urge = next(t for t in fig.data if t.type == "scatter")
    assert urge.name == "催办" and list(urge.y) == ["青石镇人民政府"]  # on the lane of the unit urged
    assert any(s.name == "as_of" for s in fig.layout.shapes)
    assert "截至 2025-06-30 仍在手中" in V.chain_story(d)


def test_accusation_notes_are_withheld_outside_the_supervisor_role(book):
    assert V.chain_data(book, "D", as_of=AS_OF).events["note"].tolist()[1] == "举报人王某某反映"
    wb.set_config(role="analyst")
    try:
        d = V.chain_data(book, "D", as_of=AS_OF)
        assert d.notes_withheld and d.events["note"].isna().all()
        fig = V.chain_figure(d)
        assert "王某某" not in json.dumps(fig.to_plotly_json(), ensure_ascii=False, default=str)
        assert "办理记录的备注不予显示" in V.chain_story(d)
        # a case that is not an accusation keeps its notes
        assert V.chain_data(book, "B", as_of=AS_OF).events["note"].tolist()[2] == "非我单位职权"
    finally:
        wb.set_config(role="supervisor")


def test_unknown_case_is_a_clear_error(book):
    with pytest.raises(KeyError, match="ZZZ"):
        V.chain_data(book, "ZZZ")


def test_most_overdue_case(blame):
    assert V.most_overdue_case(blame) == "C"  # 52 days against A's 24
    assert V.most_overdue_case(blame, "L2") is None


# --------------------------------------------------------------------------- accountability


def test_accountability_figures_and_tables(book, blame):
    units = blame.by_unit()
    fig = V.accountability_figure(units, "unit", language="zh")
    bar = fig.data[0]
    assert [c[0] for c in bar.customdata] == ["TOWN", "ZJ"]  # only units with late days charged
    assert list(bar.x) == [52.0, 24.0]
    assert bar.text[1] == "24天 · 31.6%"  # 24 of 76 days
    fig = V.accountability_figure(units, "unit", measure="bounces_caused")
    assert sorted(c[0] for c in fig.data[0].customdata) == ["ZJ", "ZR"]
    t = V.accountability_table(units, "unit", top=2)
    assert t.columns[:3].tolist() == ["单位", "归责超期天数", "占全部归责超期天数（%）"]
    assert t["单位"].tolist() == ["青石镇人民政府", "县住建局"] and t["占全部归责超期天数（%）"].tolist() == [68.4, 31.6]
    leaders = blame.by_leader()
    lf = V.accountability_figure(leaders, "leader", min_cases=1, book=book)
    assert [c[0] for c in lf.data[0].customdata] == ["L1"]  # L2's one case was on time
    assert lf.data[0].y[0] == "张明（县住建局 副县长）" and lf.data[0].x[0] == 100.0
    assert lf.data[1].type == "scatter"  # the lower bound tick
    assert V.accountability_figure(leaders, "leader").data[0].x == ()  # nobody has 5 cases
    html = V.accountability_table_html(leaders, "leader", min_cases=1, book=book)
    assert "包案领导" in html and "县住建局" in html and "张明" in html
    with pytest.raises(ValueError):
        V.accountability_figure(units, "unit", measure="nope")


# --------------------------------------------------------------------------- network and flows


def test_network_layout_rows_by_level_and_regions_together(book, blame):
    G = wb.transfer_network(book, blame=blame)
    lay = V.network_layout(G, book.units).set_index("node")
    assert lay.loc[["OFFICE", "ZJ", "ZR"], "row"].tolist() == [3, 3, 3] and lay.loc["TOWN", "row"] == 4
    # one row spreads its nodes evenly; by region, then parent, then name
    county = lay.loc[lay["row"] == 3].sort_values("x")
    assert county.index.tolist() == ["ZJ", "ZR", "OFFICE"]  # OFFICE has a parent: after the parentless ones
    assert county["x"].round(4).tolist() == [round(1 / 6, 4), 0.5, round(5 / 6, 4)]
    assert lay.loc["TOWN", "x"] == 0.5
    again = V.network_layout(G, book.units)
    assert again.equals(V.network_layout(G, book.units))  # deterministic


def test_network_figure_traces_and_hover(book, blame):
    G = wb.transfer_network(book, blame=blame)
    G.edges["ZJ", "ZR"]["buck"] = True  # as buck_passing flags a pair
    fig = V.transfer_network_figure(G, V.network_layout(G, book.units), "zh")
    assert [t.type for t in fig.data] == ["scattergl"] * 5
    edges, buck, mids, nodes, labels = fig.data
    n_edges = G.number_of_edges()
    assert len(edges.x) == 3 * (n_edges - 1) and edges.x[2] is None
    assert len(buck.x) == 3 and buck.line.color == V._RED and buck.line.width > edges.line.width
    assert len(mids.x) == n_edges and ["ZJ", "ZR"] in [list(c) for c in mids.customdata]
    i = [list(c) for c in mids.customdata].index(["ZJ", "ZR"])
    assert "县住建局 → 县自然资源局" in mids.hovertext[i] and "转送 1" in mids.hovertext[i]
    ids = [c[0] for c in nodes.customdata]
    assert set(ids) == set(G.nodes)
    town = ids.index("TOWN")
    assert nodes.marker.color[town] == 52.0 and "青石镇人民政府" in nodes.hovertext[town]
    assert "县住建局" in labels.text and "县自然资源局" in labels.text


def test_network_figure_stays_a_handful_of_traces_for_thousands_of_units():
    rng = np.random.default_rng(0)
    n = 5000
    G = nx.DiGraph()
    levels = np.array(["city", "county", "township", "village"])[rng.integers(0, 4, n)]
    for i in range(n):
        G.add_node(f"U{i}", name=f"单位{i}", level=levels[i], region_code=f"3399{i % 50:02d}",
                   cases_held=int(rng.integers(0, 200)), late_days=float(rng.integers(0, 50)))
    src, dst = rng.integers(0, n, 12000), rng.integers(0, n, 12000)
    for s, t in zip(src, dst, strict=True):
        if s != t:
            G.add_edge(f"U{s}", f"U{t}", transfers=1, cases=1, buck=bool(s % 97 == 0))
    fig = V.transfer_network_figure(G)
    assert len(fig.data) == 5
    assert len(fig.data[3].x) == n
    assert len(fig.data[0].x) + len(fig.data[1].x) == 3 * G.number_of_edges()


def test_level_flows_and_sankey(book):
    f = V.level_flows(book)
    rows = f.drop(columns="case_ids").values.tolist()
    assert rows == [["county", "county", "route", 7, 4], ["county", "county", "return", 1, 1],
                    ["county", "township", "route", 1, 1]]
    assert f["case_ids"].tolist() == [["A", "B", "C", "D"], ["B"], ["C"]]
    fig = V.sankey_figure(f, "zh")
    s = fig.data[0]
    assert list(s.node.label) == ["县/区（转出 6）", "县/区（接收 5）", "乡镇/街道（接收 1）"]
    assert list(s.link.value) == [4.0, 1.0, 1.0]
    assert s.link.color[1].startswith("rgba(192,57,43")  # returns in red
    assert [list(c) for c in s.link.customdata][1] == ["county", "county", "return"]


def test_urging_figure_and_method():
    eff = pd.DataFrame({"kind": ["urge", "supervise"], "treated_n": [10, 0], "control_n": [30, 0],
                        "treated_replied_7d": [0.1, np.nan], "control_replied_7d": [0.3, np.nan],
                        "treated_replied_15d": [0.4, np.nan], "control_replied_15d": [0.5, np.nan],
                        "treated_replied_30d": [0.7, np.nan], "control_replied_30d": [0.8, np.nan]})
    eff.attrs["method"] = "Landmark comparison."
    fig = V.urging_figure(eff, "zh")
    assert [t.name for t in fig.data] == ["催办/督办后", "同类未催办"]
    assert list(fig.data[0].x) == ["催办 · 7天", "催办 · 15天", "催办 · 30天"]  # no treated: no 督办 bars
    assert list(fig.data[0].y) == [10.0, 40.0, 70.0] and list(fig.data[1].y) == [30.0, 50.0, 80.0]
    assert "界标法" in V.urging_method(eff, "zh") and "Landmark comparison." in V.urging_method(eff, "en")


def test_buck_table_in_words(book):
    bp = wb.buck_passing(book, as_of=AS_OF)
    t = V.buck_table(bp, language="zh")
    assert t[["单位甲", "单位乙", "推诿得分"]].values.tolist() == [["县住建局", "县自然资源局", 1.0],
                                                            ["县信访局", "县自然资源局", 0.5]]


# --------------------------------------------------------------------------- the explorer


@pytest.fixture(scope="module")
def explorer(book):
    e = BlameExplorer(book, as_of=AS_OF)
    e.widget()
    return e


def test_explorer_methods_list_the_right_cases(explorer):
    e = explorer
    assert e.list_unit("ZJ", "late_days") == ["A"]
    assert e.list_unit("ZJ", "late_days_misrouted") == ["A"]
    assert e.list_unit("TOWN", "late_days") == ["C"] and "青石镇人民政府" in e.listed_title
    assert e.list_unit("ZR", "bounces_caused") == ["B"]
    assert e.list_leader("L1", "late_cases") == ["A", "C"] and "张明" in e.listed_title
    assert e.list_pair("ZR", "ZJ") == ["A"] and e.list_pair("ZJ", "ZR") == ["A"]
    assert e.list_pair("OFFICE", "ZR") == ["B"]
    assert e.list_edge("OFFICE", "ZR") == ["B"] and e.list_edge("ZR", "TOWN") == []
    assert sorted(e.list_node("ZR")) == ["A", "B"]
    assert e.list_flow("county", "county", "return") == ["B"]
    assert e.list_flow("county", "township") == ["C"]
    assert [v for _, v in e._w_cases.options] == ["C"]


def test_explorer_clicks_and_case_pick(explorer):
    e = explorer
    e.set_kind("unit")
    bar = e._acc_fig.data[0]
    ids = [c[0] for c in bar.customdata]
    e._on_acc_click(bar, SimpleNamespace(point_inds=[ids.index("ZJ")], xs=[], ys=[]), None)
    assert e.listed == ["A"]
    e._tabs.selected_index = e._tab_kinds.index("buck")
    nodes = e._net_fig.data[3]
    k = [c[0] for c in nodes.customdata].index("ZJ")
    e._on_net_click(nodes, SimpleNamespace(point_inds=[k], xs=[], ys=[]), None)
    assert sorted(e.listed) == ["A", "C", "D"]
    mids = e._net_fig.data[2]
    k_pair = [list(c) for c in mids.customdata].index(["ZR", "ZJ"])
    e._on_net_click(mids, SimpleNamespace(point_inds=[k_pair], xs=[], ys=[]), None)
    assert e.listed == ["A"]
    # a click on the Sankey's county → county return link lists its case
    e._tabs.selected_index = e._tab_kinds.index("flows")
    link = e._sankey.data[0].link
    k = [list(c) for c in link.customdata].index(["county", "county", "return"])
    e._on_sankey_click(e._sankey.data[0], SimpleNamespace(point_inds=[k], xs=[], ys=[]), None)
    assert e.listed == ["B"]
    e._on_sankey_click(e._sankey.data[0], SimpleNamespace(point_inds=[], xs=[], ys=[]), None)  # not on a link
    assert e.listed == ["B"]
    e._on_net_click(mids, SimpleNamespace(point_inds=[k_pair], xs=[], ys=[]), None)  # list ZR ↔ ZJ's case again
    e._w_cases.value = "A"  # picking it draws its chain and turns to the chain tab
    assert e.case_id == "A" and e._tabs.selected_index == e._tab_kinds.index("chain")
    assert "误转" in e._story.value and "信访件 A" in (e._chain_fig.layout.title.text or "")
    e.set_kind("leader")
    assert e._w_measure.value == "late_share" and [v for _, v in e._w_measure.options][0] == "late_share"
    e._list_row("L1")
    assert e.listed == ["A", "C"]  # late_share lists the leader's late cases
    e.set_kind("unit")


def test_explorer_default_case_and_tabs(book):
    e = BlameExplorer(book, as_of=AS_OF, language="en")
    e.widget()
    assert e.default_case() == "C"
    for i in range(len(e._tab_kinds)):
        e._tabs.selected_index = i
    assert e.case_id == "C" and "Case C" in e._chain_fig.layout.title.text
    assert "ran out on" in e.story
    assert {"process", "urging"} <= set(e._tab_kinds)
    assert "Most common paths" in e._process_html.value
    assert "urged" in json.dumps([t.name for t in e._urge_fig.data])


def _strict_json(obj):
    """What goes on the wire: plotly's widget serializer, then JSON without NaN. Numeric arrays
    travel as binary buffers (memoryviews), which ipywidgets sends beside the JSON, not in it."""
    from plotly.serializers import custom_serializers

    def buffers(o):
        if isinstance(o, memoryview):
            return "<buffer>"
        raise TypeError(type(o).__name__)

    return json.dumps(custom_serializers["to_json"](obj, None), allow_nan=False, default=buffers)


def test_explorer_figures_send_strict_json(book):
    e = BlameExplorer(book, as_of=AS_OF)
    e.widget()
    sent: list = []
    names = ["_py2js_addTraces", "_py2js_restyle", "_py2js_relayout", "_py2js_update"]
    for fw in (e._acc_fig, e._chain_fig, e._net_fig, e._sankey, e._urge_fig):
        fw.observe(lambda change: sent.append(change["new"]), names=names)
    for i in range(len(e._tab_kinds)):
        e._tabs.selected_index = i
    e.set_kind("leader")  # leaders' hold days have NaN (no finished hold): must go as null
    e.show_case("A")
    e.show_case("C")
    messages = [m for m in sent if m]
    assert len(messages) >= 6
    for m in messages:
        _strict_json(m)


# --------------------------------------------------------------------------- the sample


@pytest.mark.slow
def test_on_the_sample_the_planted_patterns_show(sample_book):
    book, truth = sample_book.book, sample_book.truth
    e = BlameExplorer(book)
    e.widget()
    pair = truth["buck_passing"]["unit_ids"]
    top = e.buck_table().iloc[0]
    assert sorted([top["unit_a"], top["unit_b"]]) == sorted(pair)
    listed = e.list_pair(*pair)
    assert len(set(listed) & set(truth["buck_passing"]["case_ids"])) >= 0.9 * len(listed) > 50
    e._tabs.selected_index = e._tab_kinds.index("buck")
    buck_edges = e._net_fig.data[1]
    xs = [x for x in buck_edges.x if x is not None]
    assert len(xs) >= 2  # the planted pair is drawn red
    e.set_kind("leader")
    assert e._acc_fig.data[0].customdata[0][0] == truth["overdue_leader"]["person_id"]
    assert "唐婷娜" in e._acc_fig.data[0].y[0]
    fig = e.show_case()
    assert e.case_id == V.most_overdue_case(e.blame) and len(fig.data) >= 2
    assert e.flows()["cases"].sum() > 0


# --------------------------------------------------------------------------- the notebook


@pytest.mark.slow
def test_blame_notebook_runs_on_the_sample_and_renders_offline(tmp_path):
    from workbench.notebooks import external_references

    page = rendered_page("02_blame_chains.ipynb", tmp_path / "blame.html")

    def has(s: str) -> bool:
        return in_page(page, s)

    for s in ("责任倒查：单位", "责任倒查：包案领导", "责任链条", "转办网络", "案件在各层级间的流向", "催办督办效果",
              "唐婷娜", "青山县住建局", "青山县自然资源局", "界标法"):
        assert has(s), s
    assert "Traceback" not in page
    assert page.count("Plotly.newPlot") >= 7
    assert external_references(page) == []
    assert len(page) < 10_000_000


def test_blame_notebook_in_english_on_a_small_sample(tmp_path):
    from pathlib import Path

    from workbench.notebooks import run_notebook
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    root = Path(__file__).resolve().parents[1]
    nb = run_notebook(root / "notebooks" / "02_blame_chains.ipynb",
                      parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en", "TOP": 8})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    blobs = outputs(nb)
    for s in ("Accountability by unit", "chain of custody and blame", "Transfer network", "Case flows between levels",
              "Does urging help?", "Late days charged", "Caveat"):
        assert s in blobs, s
    assert "责任倒查台" not in blobs  # the explorer's static note is in English too
