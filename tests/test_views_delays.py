"""Figures of workbench.views.delays on a three-case ledger worked out by hand (as of 2025-07-01)
and, once, on the bundled sample.

A: received 03-03, 交办 03-04, accepted 03-06, replied 04-01, closed 04-02: every clock met.
B: same unit (住建局), replied 06-01: the handling clock (due 05-06 after the May Day holiday) is late.
C: 人社局, accepted 03-28 (acceptance 1 day late), no reply: handling open past its 05-27 limit.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.views import delays as V

AS_OF = "2025-07-01"


@pytest.fixture(scope="module")
def book():
    cases = pd.DataFrame({
        "case_id": ["A", "B", "C"],
        "received_at": ["2025-03-03 10:00", "2025-03-04 10:00", "2025-03-10 10:00"],
        "channel": ["来访", "网上信访", "来信"],
        "demand_type": ["求决"] * 3,
        "registered_unit_id": ["U_OFFICE"] * 3,
        "responsible_unit_id": ["U_ZJ", "U_ZJ", "U_RS"],
        "lead_person_id": ["L1", "L1", "L2"],
        "region_code": ["339902"] * 3,
        "category": ["城乡建设_物业管理"] * 3,
        "arrived_at": ["2025-03-05", "2025-03-05", "2025-03-12"],
        "accepted_at": ["2025-03-06", "2025-03-06", "2025-03-28"],
        "replied_at": ["2025-04-01", "2025-06-01", None],
        "closed_at": ["2025-04-02", "2025-06-02", None],
    })
    events = pd.DataFrame({
        "case_id": ["A"] * 5,
        "at": ["2025-03-03 10:00", "2025-03-04 09:00", "2025-03-20 09:00", "2025-04-01 15:00", "2025-04-02 09:00"],
        "action": ["登记", "交办", "催办", "答复", "办结"],
        "from_unit_id": ["U_OFFICE", "U_OFFICE", "U_OFFICE", "U_ZJ", "U_ZJ"],
        "to_unit_id": [None, "U_ZJ", "U_ZJ", None, None],
        "note": [None, "请按期办结", "<script>alert(1)</script>", "已出具处理意见书", None],
    })
    units = pd.DataFrame({"unit_id": ["U_OFFICE", "U_ZJ", "U_RS"], "name": ["江临市信访局", "临江区住建局", "临江区人社局"],
                          "kind": ["信访部门", "职能部门", "职能部门"]})
    people = pd.DataFrame({"person_id": ["L1", "L2"], "name": ["张明", "李华"], "unit_id": ["U_ZJ", "U_RS"],
                           "title": ["局长", "副局长"]})
    return wb.Casebook.from_frames(cases=cases, events=events, units=units, people=people, now="2025-12-31")


@pytest.fixture(scope="module")
def big(sample_book):
    """The bundled sample (20,000 cases), loaded once per session by tests/conftest.py."""
    return sample_book.book


# --------------------------------------------------------------------------- KPI panel


def test_kpi_panel_tiles(book):
    fig = V.kpi_panel_figure(wb.kpis(book, as_of=AS_OF).frame)
    assert [t.type for t in fig.data] == ["indicator"] * 10
    tiles = {t.name: t for t in fig.data}
    # on_time for the unit: A met, B late, C open past limit → 1 of 3
    assert tiles["on_time"].value == pytest.approx(100 / 3)
    assert tiles["on_time"].number.suffix == "%" and tiles["on_time"].number.valueformat == ".1f"
    assert "按期办结率" in tiles["on_time"].title.text and "分子 1 / 分母 3" in tiles["on_time"].title.text
    # timely acceptance read for the requested party: the unit decided 2 of 3 in time, the office routed 3 of 3
    assert tiles["timely_acceptance"].value == pytest.approx(200 / 3)
    office = {t.name: t for t in V.kpi_panel_figure(wb.kpis(book, as_of=AS_OF).frame, party="office").data}
    assert office["timely_acceptance"].value == pytest.approx(100.0)
    # skip-level in 批次: one visit, none skip-level
    assert tiles["skip_level"].value == 0.0 and "分母 1" in tiles["skip_level"].title.text
    # nothing evaluated yet: no denominator → a dash, not a crash
    assert tiles["satisfaction"].value is None
    dashes = [a for a in fig.layout.annotations if a.text == "—"]
    assert {a.name for a in dashes} == {"missing:satisfaction", "missing:participation", "missing:settled"}
    # grid of 2 × 5: five distinct column domains and two rows
    assert len({tuple(t.domain.x) for t in fig.data}) == 5 and len({tuple(t.domain.y) for t in fig.data}) == 2
    assert all(t.mode == "number" for t in fig.data)  # no period, no arrows


def test_kpi_panel_missing_kpi_and_deltas(book):
    frame = wb.kpis(book, as_of=AS_OF).frame
    frame = frame.loc[frame["kpi"] != "repeat"].assign(mom=0.05, prev_value=0.5)
    fig = V.kpi_panel_figure(frame, kpis=("on_time", "repeat"), language="en")
    on_time, repeat = fig.data
    assert repeat.value is None and "no data" in repeat.title.text
    assert on_time.mode == "number+delta"
    # +5 percentage points on the previous period
    assert on_time.value - on_time.delta.reference == pytest.approx(5.0)
    assert on_time.delta.relative is False and on_time.delta.suffix == " pp"
    assert "on-time completion rate" in on_time.title.text and "1 of 3" in on_time.title.text
    assert fig.layout.title.text.startswith("Key indicators")


def test_kpi_panel_refuses_grouped_frames(book):
    with pytest.raises(ValueError, match="without `by`"):
        V.kpi_panel_figure(wb.kpis(book, by="unit", as_of=AS_OF).frame)


# --------------------------------------------------------------------------- late heatmap


def test_late_by_unit_month_by_hand(book):
    d = V.late_by_unit_month(book, as_of=AS_OF)
    # 住建局: A met, B late, both due 2025-05; 人社局: C open past limit, due 2025-05
    assert d[["unit_id", "month", "late", "total"]].values.tolist() == [
        ["U_ZJ", "2025-05", 1, 2], ["U_RS", "2025-05", 1, 1]]
    assert d["unit_name"].tolist() == ["临江区住建局", "临江区人社局"]
    assert d["rate"].tolist() == [0.5, 1.0]
    # acceptance clocks: only C's is late (a day), and it answers to 人社局
    acc = V.late_by_unit_month(book, as_of=AS_OF, clock="accept")
    assert acc.loc[acc["late"] > 0, ["unit_id", "month", "late"]].values.tolist() == [["U_RS", "2025-03", 1]]
    assert V.late_by_unit_month(book, as_of=AS_OF, top=1)["unit_id"].unique().tolist() == ["U_ZJ"]
    with pytest.raises(ValueError, match="no clock 'nope'"):
        V.late_by_unit_month(book, as_of=AS_OF, clock="nope")


def test_late_heatmap_cells(book):
    d = V.late_by_unit_month(book, as_of=AS_OF, clock=("accept", "handle"))
    fig = V.late_heatmap_figure(d)
    (hm,) = fig.data
    assert hm.type == "heatmap"
    assert list(hm.x) == ["2025-03", "2025-04", "2025-05"]  # contiguous months, April has nothing due
    assert list(hm.y) == ["临江区人社局", "临江区住建局"]  # most late on top
    assert list(hm.customdata[0][0]) == ["U_RS", "2025-03"] and list(hm.customdata[1][2]) == ["U_ZJ", "2025-05"]
    assert all(cell[0] == uid for row, uid in zip(hm.customdata, ["U_RS", "U_ZJ"], strict=True) for cell in row)
    assert hm.z[1][2] == 1 and pd.isna(hm.z[0][1])  # April: blank, not zero
    assert "超期 1 件 / 到期 2 件" in hm.hovertext[1][2] and "50.0%" in hm.hovertext[1][2]
    en = V.late_heatmap_figure(d, language="en")
    assert en.layout.title.text.startswith("Late clocks by unit") and en.layout.xaxis.title.text == "month due"


def test_late_heatmap_on_the_sample(big):
    d = V.late_by_unit_month(big, top=10, first_only=False)
    assert d["unit_id"].nunique() == 10
    clocks = wb.clocks(big)
    h = clocks[(clocks["clock"] == "handle") & clocks["status"].isin(["late", "open_past_limit"])]
    top = h.groupby("unit_id", observed=True).size().sort_values(ascending=False)
    # the unit with most late handling clocks leads, with the same count as wb.clocks gives
    first = d["unit_id"].iloc[0]
    assert d.loc[d["unit_id"] == first, "late"].sum() == top.iloc[0]
    fig = V.late_heatmap_figure(d)
    assert {c[0] for row in fig.data[0].customdata for c in row} == set(d["unit_id"])
    # by default first petitions only, as the KPIs count: the explorer's cube gives the same cells
    from workbench.rules.cube import KPICube

    first = V.late_by_unit_month(big, top=10)
    cube = KPICube(big).late_matrix(top=10)
    pd.testing.assert_frame_equal(first[["unit_id", "month", "late", "total"]].reset_index(drop=True),
                                  cube.loc[cube["late"].groupby(cube["unit_id"]).transform("sum") > 0,
                                           ["unit_id", "month", "late", "total"]].reset_index(drop=True), check_dtype=False)


# --------------------------------------------------------------------------- stage boxes


def test_stage_boxes_from_quantiles(book):
    s = wb.stage_summary(book, by=None, as_of=AS_OF)
    fig = V.stage_box_figure(s)
    boxes = [t for t in fig.data if t.type == "box"]
    assert len(boxes) == 1
    b = boxes[0]
    assert list(b.q1) == s["p25"].tolist() and list(b.median) == s["median"].tolist()
    assert list(b.q3) == s["p75"].tolist() and list(b.upperfence) == s["p90"].tolist()
    assert list(b.lowerfence) == s["min"].tolist() and list(b.mean) == s["mean"].tolist()
    assert b.y is None  # drawn from the quantiles, never from points
    assert list(b.x) == ["登记→转送交办", "转送→到达责任单位", "到达→受理", "受理→答复", "答复→办结"]
    assert "最小值–P90" in fig.layout.title.text
    hover = next(t for t in fig.data if t.type == "scatter").text[3]
    assert "中位数: 56.8 天" in hover and "最大值: 87.0 天" in hover and "进行中: 1" in hover


def test_stage_boxes_per_holder(book):
    s = wb.stage_summary(book, by="unit", as_of=AS_OF)
    fig = V.stage_box_figure(s, stages=["reply"], language="en")
    (b,) = [t for t in fig.data if t.type == "box"]
    # 住建局 replied in 26.6 (the log gives 15:00 to the ledger's date) and 87 days; 人社局 has none finished
    assert list(b.x) == ["临江区住建局"]
    assert list(b.median) == [56.8]
    assert "acceptance → reply" in fig.layout.title.text and "min–P90" in fig.layout.title.text
    two = V.stage_box_figure(s, stages=["accept", "reply"])
    assert len([t for t in two.data if t.type == "box"]) == 2  # one panel per stage


def test_stage_boxes_on_the_sample(big):
    s = wb.stage_summary(big, by="unit")
    fig = V.stage_box_figure(s, stages=["reply"], top=12)
    (b,) = [t for t in fig.data if t.type == "box"]
    assert len(b.x) == 12
    reply = s[s["stage"] == "reply"].set_index("holder_name")
    assert [reply.loc[n, "median"] for n in b.x] == list(b.median)
    assert list(b.median) == sorted(b.median, reverse=True)  # slowest first


# --------------------------------------------------------------------------- one case


def test_case_timeline(book):
    fig = V.case_timeline_figure(book, "A", as_of=AS_OF)
    bars = [t for t in fig.data if t.type == "bar"]
    stages = wb.stage_durations(book.where(cases=["A"]), as_of=AS_OF)
    assert sum(len(t.y) for t in bars) == len(stages) == 5  # route, arrive, accept, reply, close
    assert sorted(c for t in bars for c in t.customdata) == sorted(stages["stage"].astype(str))
    due = [s for s in fig.layout.shapes if (s.name or "").startswith("due:")]
    assert sorted(s.name for s in due) == ["due:accept", "due:handle", "due:route"]
    labels = [a.text for a in fig.layout.annotations if (a.name or "").startswith("due:")]
    assert any("办理答复：2025-05-06 到期" in t and "按期" in t for t in labels)
    # the events on their own row, with the escaped note in the hover
    marks = [t for t in fig.data if t.type == "scatter"]
    assert {y for t in marks for y in t.y} == {"办理记录"} and sum(len(t.x) for t in marks) == 5
    hover = " ".join(h for t in marks for h in t.hovertext)
    assert "&lt;script&gt;" in hover and "<script>" not in hover and "江临市信访局 → 临江区住建局" in hover
    assert {t.name for t in marks} >= {"催办", "交办"}


def test_case_timeline_running_and_late(book):
    fig = V.case_timeline_figure(book, "C", as_of=AS_OF, language="en")
    bars = [t for t in fig.data if t.type == "bar"]
    texts = [x for t in bars for x in t.text]
    assert any(x.startswith("running") for x in texts)  # the reply step is still running
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["due:handle"].line.color == V._RED and shapes["due:handle"].line.dash == "dash"
    assert shapes["due:route"].line.color == V._GREEN
    assert "as_of" in shapes  # something still runs, so the as-of line is drawn
    assert fig.layout.title.text.startswith("Case C")
    assert {y for t in bars for y in t.y} >= {"acceptance → reply"}


def test_case_timeline_unknown_case(book):
    with pytest.raises(KeyError, match="'ZZZ'"):
        V.case_timeline_figure(book, "ZZZ")


def test_case_timeline_takes_the_books_as_of(big):
    # a one-case subset would take its own last event as 'today'; the figure keeps the book's
    open_late = wb.clocks(big)
    cid = open_late.loc[open_late["status"] == "open_past_limit", "case_id"].iloc[0]
    fig = V.case_timeline_figure(big, cid)
    colours = {s.line.color for s in fig.layout.shapes if (s.name or "").startswith("due:")}
    assert V._RED in colours


# --------------------------------------------------------------------------- ranking, aging, table


def test_ranking_bars(book):
    r = wb.ranking(book, as_of=AS_OF, min_cases=1)
    fig = V.ranking_figure(r)
    (bar,) = fig.data
    assert bar.type == "bar" and bar.orientation == "h"
    assert list(bar.y) == ["临江区人社局", "临江区住建局"] and fig.layout.yaxis.autorange == "reversed"
    assert list(bar.x) == [100.0, 50.0] and list(bar.text) == ["1/1", "1/2"]
    assert [c[0] for c in bar.customdata] == ["U_RS", "U_ZJ"]
    assert "超期天数合计: 26" in bar.hovertext[1]
    lead = V.ranking_figure(wb.ranking(book, by="leader", as_of=AS_OF, min_cases=1), language="en")
    assert [c[0] for c in lead.data[0].customdata] == ["L2", "L1"]
    assert lead.data[0].y[0] == "李华（临江区人社局 副局长）"
    assert lead.layout.title.text.startswith("Late-case rate by responsible leader")


def test_aging_bars(book):
    a = wb.aging(book, as_of=AS_OF)
    fig = V.aging_figure(a)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["未超期限", "已超期限"] and fig.layout.barmode == "stack"
    within, past = (list(t.y) for t in bars)
    assert [w + p for w, p in zip(within, past, strict=True)] == a["cases"].tolist()
    assert past[a["age_days"].tolist().index("91–180")] == 1  # C, 113 days, past its limit
    assert V.aging_figure(a, language="en").data[1].name == "past a limit"
    with pytest.raises(ValueError, match="without `by`"):
        V.aging_figure(wb.aging(book, by="unit", as_of=AS_OF))


def test_cases_table_html():
    df = pd.DataFrame({"case_id": ["<script>alert(1)</script>", "B", "C"], "status": ["late", "met", "open"],
                       "received_at": pd.to_datetime(["2025-03-03", "2025-03-04 10:30", None], format="ISO8601")})
    out = V.cases_table_html(df, max_rows=2)
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "共 3 件，显示前 2 件" in out and out.count("<tr>") == 3  # header + 2 rows
    assert "超期办结" in out and "2025-03-04 10:30" in out and "信访件编号" in out
    en = V.cases_table_html(df, columns=["case_id", "status"], language="en")
    assert "3 cases, showing the first 3" in en and "<th" in en and "received" not in en
    assert ">late<" in en


def test_figures_follow_the_configured_language(book):
    wb.set_config(language="en")
    fig = V.aging_figure(wb.aging(book, as_of=AS_OF))
    assert fig.layout.title.text.startswith("Open cases by age")
    assert isinstance(V.case_timeline_figure(book, "B", as_of=AS_OF), go.Figure)


def test_late_heatmap_without_clock_label(book):
    d = V.late_by_unit_month(book, as_of=AS_OF)
    d.attrs = {}  # e.g. a matrix summed elsewhere (the explorer's cube)
    assert V.late_heatmap_figure(d).layout.title.text.startswith("超期件数：责任单位 × 到期月份（超期最多的2个单位）")


def test_case_table_words_codes_and_keeps_ledger_values():
    df = pd.DataFrame({"case_id": ["A", "B"], "status": ["late", "已办结"], "accepted_at": [pd.Timestamp("2025-03-06 10:40"), pd.NaT]})
    h = V.cases_table_html(df)
    assert "超期办结" in h and "已办结" in h and "status.已办结" not in h
    assert "受理时间" in h and "2025-03-06 10:40" in h
