"""Hotspot views (workbench.views.hotspots) and the hotspots explorer.

The pure functions are checked on hand-made cube cells whose answers are worked out here:
云溪县 (339922) has 20 环境保护 cases in 2024-01 in 杨林镇 (339922100) plus 3 城乡建设 cases, 临江区
(339902) 2 环境保护 cases in 2024-02 and one county-level (6-digit) case. The explorer is driven
through its plain methods on a stand-in cube (the contract of workbench.hotspots), then once on the
bundled sample with the real modules.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.views import hotspots as H
from workbench.views.hotspots_explorer import HotspotsExplorer, explore_hotspots

from .notebook_support import in_page, outputs, rendered_page

NAMES = {"339922": "云溪县", "339922100": "云溪县杨林镇", "339902": "临江区", "339902101": "临江区鹤山镇"}


@pytest.fixture
def cells() -> pd.DataFrame:
    rows = [  # county6, township9, category_l1, category_l2, period, cases, repeat
        ("339922", "339922100", "环境保护", "环境污染", "2024-01", 20, 2),
        ("339922", "339922100", "城乡建设", "物业管理", "2024-01", 3, 0),
        ("339902", "339902101", "环境保护", "环境污染", "2024-02", 2, 1),
        ("339902", None, "城乡建设", "物业管理", "2023-12", 1, 0),
    ]
    f = pd.DataFrame(rows, columns=["county6", "township9", "category_l1", "category_l2", "period", "cases", "repeat"])
    f["province2"], f["prefecture4"] = "33", "3399"
    return f


# --------------------------------------------------------------------------- pure data functions


def test_composition_sums_categories_into_regions(cells):
    d = H.composition_data(cells, NAMES, level="county")
    top = d.loc[d["parent"] == ""]
    assert top[["id", "label", "cases"]].values.tolist() == [["339922", "云溪县", 23], ["339902", "临江区", 3]]
    leaf = d.loc[d["parent"] == "339922"].set_index("category")
    assert leaf["cases"].to_dict() == {"环境保护": 20, "城乡建设": 3}
    assert leaf.loc["环境保护", "repeat_share"] == pytest.approx(0.1)
    # every parent's value is the sum of its children (branchvalues="total" needs it)
    kids = d.loc[d["parent"] != ""].groupby("parent")["cases"].sum()
    assert kids.to_dict() == top.set_index("id")["cases"].to_dict()
    fig = H.composition_figure(d, language="en")
    assert fig.data[0].type == "treemap" and list(fig.data[0].values) == d["cases"].tolist()
    assert [list(c) for c in fig.data[0].customdata][:3] == [["339922", ""], ["339902", ""], ["339922", "环境保护"]]


def test_township_level_keeps_county_coded_cases(cells):
    d = H.composition_data(cells, NAMES, level="township")
    assert set(d.loc[d["parent"] == "", "id"]) == {"339922100", "339902101", "339902"}
    assert d.loc[d["parent"] == "", "cases"].sum() == 26


def test_heatmap_fills_zeros_orders_regions_and_marks_alerts(cells):
    alerts = pd.DataFrame({"region": ["339922"], "category": ["环境保护"], "period": ["2024-01"]})
    d = H.heatmap_data(cells, NAMES, level="county", alerts=alerts)
    assert d["period"].unique().tolist() == ["2023-12", "2024-01", "2024-02"]
    assert d["region"].unique().tolist() == ["339922", "339902"]  # busiest first
    cell = d.set_index(["region", "period"])
    assert cell.loc[("339922", "2024-01"), "cases"] == 23 and cell.loc[("339922", "2023-12"), "cases"] == 0
    assert d["alert"].sum() == 1 and bool(cell.loc[("339922", "2024-01"), "alert"])
    # one category: its own counts; an alert of another category does not mark the cell
    d2 = H.heatmap_data(cells, NAMES, category="城乡建设", alerts=alerts)
    assert d2.set_index(["region", "period"]).loc[("339922", "2024-01"), "cases"] == 3
    assert not d2["alert"].any()
    assert len(H.heatmap_data(cells, NAMES, top=1)["region"].unique()) == 1
    fig = H.heatmap_figure(d, language="zh")
    hm = fig.data[0]
    assert list(hm.y) == ["云溪县", "临江区"] and list(hm.x) == ["2023-12", "2024-01", "2024-02"]
    assert hm.z[0][1] == 23 and list(hm.customdata[0][1]) == ["339922", "2024-01"]
    assert fig.data[1].name == "异常激增" and list(fig.data[1].x) == ["2024-01"]


def test_series_marks_the_alert_and_draws_the_band():
    band = pd.DataFrame({"region": ["R"] * 4 + ["S"] * 4, "category": ["环境保护"] * 8,
                         "period": ["2023-11", "2023-12", "2024-01", "2024-02"] * 2,
                         "cases": [0, 1, 20, 0, 5, 5, 5, 5], "expected": [0.2] * 4 + [5.0] * 4,
                         "lower": [0.0] * 4 + [1.0] * 4, "upper": [2.0] * 4 + [10.0] * 4})
    alerts = pd.DataFrame({"region": ["R"], "category": ["环境保护"], "period": ["2024-01"]})
    d = H.series_data(band, alerts, region="R", category="环境保护")
    assert d["observed"].tolist() == [0, 1, 20, 0] and d["alert"].tolist() == [False, False, True, False]
    assert d["upper"].tolist() == [2.0] * 4
    fig = H.series_figure(d, language="en")
    names = [t.name for t in fig.data]
    assert names == ["upper", "expected band", "expected", "observed", "spike alert"]
    assert list(fig.data[-1].x) == ["2024-01"] and list(fig.data[-1].y) == [20]
    # a band without limits still draws the observed line
    bare = H.series_data(band[["region", "category", "period", "cases"]], None, region="S")
    assert [t.name for t in H.series_figure(bare, language="en").data] == ["observed"]


def test_keywords_one_panel_per_group_top_words_by_score():
    kw = pd.DataFrame({"group": ["环境保护"] * 3 + ["城乡建设"] * 2, "word": ["恒丰化工", "异味", "排放", "物业", "漏水"],
                       "score": [0.9, 0.5, 0.7, 0.8, 0.3], "count": [20, 12, 9, 30, 4]})
    fig = H.keywords_figure(kw, top=2, language="en")
    assert [t.name for t in fig.data] == ["环境保护", "城乡建设"]  # most counted words (41, 34) first
    assert list(fig.data[0].y) == ["恒丰化工", "排放"]
    assert [list(c) for c in fig.data[0].customdata] == [["环境保护", "恒丰化工"], ["环境保护", "排放"]]
    one = H.keywords_figure(kw, ["环境保护"], top=5)
    assert len(one.data) == 1 and len(one.data[0].y) == 3


def test_alerts_table_ranks_by_score_in_both_languages():
    al = pd.DataFrame({"region": ["A", "B"], "region_name": ["甲镇", "乙镇"], "category": ["环境保护", "城乡建设"],
                       "period": ["2024-01", "2024-03"], "observed": [4, 20], "expected": [1.0, 0.2],
                       "p_value": [0.01, 1e-12], "q_value": [0.04, 1e-9], "score": [2.0, 9.0],
                       "case_ids": [["a"], ["b"]]})
    zh = H.alerts_table(al, language="zh")
    assert zh["地区"].tolist() == ["乙镇", "甲镇"] and zh.index.tolist() == [1, 2]
    en = H.alerts_table(al, top=1, language="en")
    assert list(en.columns) == ["region", "category", "period", "observed", "expected", "q-value (adjusted)", "score"]
    assert len(en) == 1


def test_hot_issue_summaries_by_role():
    hot = pd.DataFrame({"issue_id": ["H1"], "label": ["恒丰化工 异味"], "n_cases": [20],
                        "first_at": [pd.Timestamp("2024-01-03")], "last_at": [pd.Timestamp("2024-01-30")],
                        "regions": [["339922100", "339902101"]], "categories": [["环境保护"]],
                        "terms": [["恒丰化工", "异味"]], "representative_case_ids": [["A", "B"]],
                        "case_ids": [["A", "B", "C"]]})
    summaries = {"A": "王建国反映恒丰化工夜间排放，电话13812341215", "B": "反映恒丰化工异味"}
    sup = H.hot_issues_table(hot, NAMES, summaries=summaries, role="supervisor", language="en")
    assert sup.iloc[0]["representative summaries"] == "王建国反映恒丰化工夜间排放，电话13812341215 ／ 反映恒丰化工异味"
    assert sup.iloc[0]["regions"] == "云溪县杨林镇 · 临江区鹤山镇"
    # whatever summaries it is given, the table masks ID numbers and phones outside the supervisor role
    ana = H.hot_issues_table(hot, NAMES, summaries=summaries, role="analyst", language="en")
    assert ana.iloc[0]["representative summaries"] == "王建国反映恒丰化工夜间排放，电话138****1215 ／ 反映恒丰化工异味"
    assert H.show_summaries("analyst") and H.show_summaries("trainer") and not H.show_summaries("guest")


def test_summaries_for_each_role():
    """The petitioner's name goes for the analyst, an accuser's for the trainer too (DESIGN §9)."""
    book = wb.Casebook.from_frames(
        cases=pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2024-01-03", "2024-01-04"],
                            "demand_type": ["求决", "揭发控告"],
                            "summary": ["王建国反映恒丰化工夜间排放，电话13812341215", "李秀英举报村干部，身份证339903196408043304"]}),
        petitioners=pd.DataFrame({"petitioner_id": ["R1", "R2"], "name": ["王建国", "李秀英"]}),
        case_petitioners=pd.DataFrame({"case_id": ["A", "B"], "petitioner_id": ["R1", "R2"]}), now="2025-01-01")
    assert H.summaries_for(book, "supervisor") == {"A": "王建国反映恒丰化工夜间排放，电话13812341215",
                                                   "B": "李秀英举报村干部，身份证339903196408043304"}
    assert H.summaries_for(book, "analyst") == {"A": "某信访人反映恒丰化工夜间排放，电话138****1215",
                                                "B": "某信访人举报村干部，身份证3399**********3304"}
    assert H.summaries_for(book, "trainer", "en") == {"A": "王建国反映恒丰化工夜间排放，电话138****1215",
                                                      "B": "a petitioner举报村干部，身份证3399**********3304"}


# --------------------------------------------------------------------------- the explorer on a stand-in cube


@pytest.fixture(scope="module")
def sample_small():
    from workbench.sample import generate

    book, truth = generate(1500, seed=3)
    return SimpleNamespace(book=book, truth=truth)


class StandInCube:
    """The IssueCube contract on a small book: finest cells by month, case ids by filter."""

    def __init__(self, book):
        c = book.cases
        self.book = book
        code = c["region_code"].astype(str)
        self.cases = pd.DataFrame({
            "case_id": c["case_id"].astype(str), "category_l1": c["category_l1"].astype(str),
            "category_l2": c["category_l2"].astype(str), "province2": code.str.slice(0, 2),
            "prefecture4": code.str.slice(0, 4), "county6": code.str.slice(0, 6),
            "township9": code.where(code.str.len() == 9), "period": c["received_at"].dt.strftime("%Y-%m"),
            "repeat": c["repeat_flag"].fillna(False).astype(int)})
        keys = ["category_l1", "category_l2", "province2", "prefecture4", "county6", "township9", "period"]
        self.frame = (self.cases.assign(cases=1).groupby(keys, dropna=False)[["cases", "repeat"]].sum().reset_index())

    def case_ids(self, *, region=None, category=None, period=None) -> list[str]:
        f = self.cases
        m = np.ones(len(f), dtype=bool)
        if region is not None:
            m &= f["county6" if len(region) <= 6 else "township9"].astype(str).str.startswith(region).to_numpy()
        if category is not None:
            m &= (f["category_l1"] == category).to_numpy()
        if period is not None:
            m &= (f["period"] == period).to_numpy()
        return f.loc[m, "case_id"].tolist()


@pytest.fixture
def explorer(sample_small):
    e = HotspotsExplorer(sample_small.book, language="zh", top=8, width=800)
    cube = StandInCube(sample_small.book)
    top = cube.frame.groupby(["county6", "category_l1", "period"])["cases"].sum().sort_values(ascending=False)
    (county, cat, per), n = top.index[0], int(top.iloc[0])
    alerts = pd.DataFrame({"region": [county], "region_name": ["某县"], "category": [cat], "period": [per],
                           "observed": [n], "expected": [1.5], "lower": [0.0], "upper": [4.0], "p_value": [1e-6],
                           "q_value": [1e-4], "score": [5.0], "case_ids": [cube.case_ids(region=county, category=cat, period=per)]})
    alerts.attrs.update(method="Poisson", tests=1234, false_alarms_per_year=0.8)
    periods = sorted(cube.frame["period"].unique())
    band = pd.DataFrame({"region": county, "category": cat, "period": periods,
                         "cases": [n if p == per else 1 for p in periods], "expected": 1.5, "lower": 0.0, "upper": 4.0})
    hot = pd.DataFrame({"issue_id": ["H1"], "label": ["测试 热点"], "n_cases": [3], "first_at": [pd.Timestamp("2023-01-01")],
                        "last_at": [pd.Timestamp("2023-02-01")], "regions": [[county]], "categories": [[cat]],
                        "case_ids": [cube.cases["case_id"].head(3).tolist()],
                        "representative_case_ids": [cube.cases["case_id"].head(2).tolist()], "terms": [["测试", "热点"]]})
    kw = pd.DataFrame({"group": [cat, cat], "word": ["噪声", "扬尘"], "score": [0.4, 0.3], "count": [5, 3]})
    e._cache.update({"cube:month": cube, "alerts:county:month": alerts, "hot": hot, "keywords": kw,
                     "bands:county:month": band})
    return SimpleNamespace(e=e, cube=cube, alerts=alerts, county=county, cat=cat, per=per, n=n)


def test_explorer_plain_methods_list_the_cases(explorer):
    e, x = explorer.e, explorer
    ids = e.list_cell(x.county, x.per, x.cat)
    assert len(ids) == x.n and e.listed == ids
    assert x.per in e.listed_title and str(x.n) in e.listed_title
    assert e.list_alert(0) == list(x.alerts["case_ids"].iloc[0])
    assert e.alert == {"region": x.county, "category": x.cat, "period": x.per}
    assert len(e.list_box(x.county, x.cat)) >= x.n
    assert len(e.list_issue("H1")) == 3 and e.list_issue("nope") == []
    fig = e.show_series()
    assert list(fig.data[-1].x) == [x.per]  # the alert marked on its series
    with pytest.raises(ValueError):
        e.set_level("galaxy")


def test_explorer_widgets_clicks_and_strict_json(explorer):
    e, x = explorer.e, explorer
    box = e.widget()
    assert box is e.widget()
    hm = e._heat_fig.data[0]
    assert hm.type == "heatmap"
    r, c = next((i, j) for i, row in enumerate(hm.customdata) for j, cd in enumerate(row)
                if cd[0] == x.county and cd[1] == x.per)
    e._on_heat_click(hm, SimpleNamespace(point_inds=[[r, c]]), None)
    assert len(e.listed) >= x.n and "<table" in e._list_html.value
    for i in range(len(e._tab_kinds)):  # every tab draws
        e._tabs.selected_index = i
    assert e._comp_fig.data[0].type == "treemap" and e._kw_fig.data[0].type == "bar"
    assert "测试 热点" in e._issue_html.value
    e._on_alert_pick({"new": 0})
    assert e.alert is not None and e._series_fig.data[-1].name == "异常激增"
    assert "1,234" in e._alert_html.value
    for fw in (e._comp_fig, e._heat_fig, e._series_fig, e._kw_fig):
        json.dumps(fw.to_plotly_json(), allow_nan=False, default=str)


def test_explorer_scrubs_summaries_outside_the_supervisor_role(explorer):
    e = explorer.e
    e.widget()
    e.list_issue("H1")
    first = e.book.cases.set_index("case_id").loc[e.listed[0], "summary"]
    assert first in e._list_html.value  # a supervisor reads the summaries
    wb.set_config(role="analyst")
    e.list_issue("H1")
    scrubbed = H.summaries_for(e.book, "analyst")[e.listed[0]]
    assert scrubbed in e._list_html.value and e.listed[0] in e._list_html.value
    e._drawn.clear()
    e._tabs.selected_index = e._tab_kinds.index("issues")
    e._draw_issues()
    assert "代表性诉求摘要" in e._issue_html.value
    # nothing personal in what the analyst reads: no petitioner name of 3+ characters, no full phone
    import re

    shown = e._issue_html.value + e._list_html.value
    names = {str(n) for n in e.book.petitioners["name"].dropna() if len(str(n)) >= 3}
    assert not [n for n in names if n in shown]
    assert not re.search(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])", shown)


def test_explore_hotspots_rejects_bad_arguments(sample_small):
    with pytest.raises(ValueError):
        explore_hotspots(sample_small.book, period="decade")
    assert explore_hotspots(sample_small.book, level="township").level == "township"


# --------------------------------------------------------------------------- the sample and the notebook


@pytest.mark.slow
def test_on_the_sample_the_planted_spike_shows(sample_book):
    book, spike = sample_book.book, sample_book.truth["spike"]
    e = HotspotsExplorer(book, level="township")
    a = e.alerts()
    hit = a.loc[(a["region"] == spike["region_code"]) & (a["period"] == spike["month"])]
    assert len(hit) and hit["category"].iloc[0] == spike["category_l1"]
    i = int(hit.index[0])
    assert set(e.list_alert(i)) == set(spike["case_ids"])
    s = e.series_data(spike["region_code"], spike["category_l1"])
    row = s.set_index("period").loc[spike["month"]]
    assert row["observed"] == 20 and bool(row["alert"]) and row["upper"] < 20
    e.category = spike["category_l1"]
    heat = e.heatmap_data()
    assert heat.loc[heat["alert"], "region"].tolist() == [spike["region_code"]]
    hot = e.hot()
    issue = hot.loc[hot["label"].str.contains(spike["keyword"])]
    assert len(issue)
    listed = e.list_issue(issue["issue_id"].iloc[0])
    assert len(set(listed) & set(spike["case_ids"])) >= 15


@pytest.mark.slow
def test_hotspots_notebook_runs_on_the_sample_and_renders_offline(tmp_path):
    from workbench.notebooks import external_references

    page = rendered_page("04_hotspots.ipynb", tmp_path / "hot.html")

    def has(s: str) -> bool:
        return in_page(page, s)

    for s in ("问题分布", "异常激增", "云溪县杨林镇", "2024-01", "预期区间", "恒丰化工", "热点研判台"):
        assert has(s), s
    assert "Traceback" not in page
    assert page.count("Plotly.newPlot") >= 4
    assert external_references(page) == []


def test_hotspots_notebook_in_english_on_a_small_sample(tmp_path):
    from pathlib import Path

    from workbench.notebooks import run_notebook
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=3000, seed=3)
    root = Path(__file__).resolve().parents[1]
    nb = run_notebook(root / "notebooks" / "04_hotspots.ipynb",
                      parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en", "LEVEL": "county", "TOP": 8})
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    blobs = outputs(nb)
    for s in ("Where and what", "Keywords by category", "Hotspots explorer"):
        assert s in blobs, s
    assert "热点研判台" not in blobs
