"""The export guard (workbench.privacy.guard) on hand-built inputs: what each role may not see,
the number patterns and their boundaries, the name rule, decoding, locations, the error and the
guarded write. The sample-based leak tests are in tests/test_leaks.py."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest

from workbench.privacy.guard import Finding, Guard, LeakError, guarded_write
from workbench.privacy.masking import mask_phone

ID18 = "11010519491231002X"  # checksum-valid, born 1949-12-31
ID18_BAD = "110105194912310021"  # wrong check character
ID15 = "339903640804330"  # old form, born 1964-08-04
ID15_BAD = "339903641304330"  # month 13
PHONE = "13812345678"


def analyst(**kw) -> Guard:
    return Guard("analyst", language=kw.pop("language", "zh"), **kw)


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in findings]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("text, expected", [
    (f"身份证{ID18}。", [("id_number", "1101**********002X")]),
    (f"身份证{ID18.lower()}", [("id_number", "1101**********002X")]),
    (f"旧证{ID15}", [("id_number", "3399*******4330")]),
    (f"电话{PHONE}", [("phone", "138****5678")]),
    ("电话 +86 138-1234-5678", [("phone", "138****5678")]),
    ("电话 0086 138 1234 5678", [("phone", "138****5678")]),
    ("电话8613812345678", [("phone", "138****5678")]),
    ("电话：０５７１-８８８８１２３４", [("phone", mask_phone("057188881234"))]),
    ("电话（0571）88881234", [("phone", mask_phone("057188881234"))]),
    ("电话0571 8888123", [("phone", mask_phone("05718888123"))]),
    ("手机１３８１２３４５６７８", [("phone", "138****5678")]),
])
def test_numbers_found_and_masked(text, expected):
    assert kinds(analyst().scan_text(text, where="x")) == expected


@pytest.mark.parametrize("text", [
    f"校验位错误{ID18_BAD}",  # 18 digits, wrong check character
    f"日期错误{ID15_BAD}",  # 15 digits, no such birth date
    "信访件编号XF3399212023000007",  # case number: digits glued to letters
    "时间戳1700000000000",  # 13-digit millisecond timestamp
    "比例0.13812345678和13812345678.5",  # decimals
    "a13812345678 13812345678b 0x13812345678 _13812345678",
    "138123456789",  # 12 digits
    "R1c2f3e4d5b6a7980 aGVsbG8x3812345678",  # hex id, base64
    "金额12345678元，电话号码138****5678，身份证3399**********330X",  # already masked
    "2025-03-04 10:00:00",
])
def test_numbers_not_found_at_digit_boundaries(text):
    assert analyst().scan_text(text) == []


def test_trailing_full_stop_is_a_boundary():
    assert kinds(analyst().scan_text(f"电话{PHONE}.")) == [("phone", "138****5678")]


# --------------------------------------------------------------------------- names and roles


def test_roles():
    txt = f"信访人张三丰反映，控告人李四光，电话{PHONE}，干部王建国"
    a = analyst(names=["张三丰", "李四光", "王建国"], accusers=["李四光"], public=["王建国"])
    assert [f.kind for f in a.scan_text(txt)] == ["name", "accuser", "phone"]
    t = Guard("trainer", names=["张三丰", "李四光"], accusers=["李四光"])
    assert [f.kind for f in t.scan_text(txt)] == ["accuser", "phone"]
    s = Guard("supervisor", names=["张三丰"], accusers=["李四光"])
    assert s.scan_text(txt) == [] and s.refuses_nothing
    assert Guard("analyst", numbers=False, names=["张三丰"]).scan_text(txt)[0].kind == "name"
    with pytest.raises(ValueError, match="boss"):
        Guard("boss")


def test_role_default_is_the_configured_one():
    import workbench

    workbench.set_config(role="analyst")
    assert Guard().role == "analyst"
    workbench.set_config(role="supervisor")
    assert Guard(names=["张三丰"]).scan_text("张三丰") == []


def test_public_strings_hold_names_without_a_finding():
    g = analyst(names=["杨林", "王家", "张明", "陈立"], public=["云溪县杨林镇", "牛头镇王家塘村村民委员会", "张明"])
    assert "张明" not in g.kinds  # an official's name is public
    assert g.scan_text("云溪县杨林镇 牛头镇王家塘村村民委员会 张明") == []
    assert kinds(g.scan_text("杨林")) == [("name", "杨*")]  # the name alone is a finding
    assert kinds(g.scan_text("陈立，王家")) == [("name", "陈*"), ("name", "王*")]


@pytest.mark.parametrize("text, found", [
    ("李家", True),  # a cell holding the name
    ("信访人：李家", True),
    ("信访人李家反映情况", True),  # a name's slot wins over 人李?
    ("李家等5人来访", True),
    ("由李家代表", True),
    ("反映李家岗村土地问题", False),  # a place
    ("反映李家村低保问题", False),
    ("用于建厂", False),  # 于建 read across 用于 / 建厂
    ("反映于建的问题", True),
    ("高峰期拥堵", False),  # 高峰 inside the word 高峰期
    ("信访人高峰", True),
    ("滨江华庭物业", False),  # 江华 across 滨江
    ("杨林镇高速", False),
    ("社区：江华社区", False),
])
def test_two_character_names(text, found):
    g = analyst(names=["李家", "于建", "高峰", "江华", "杨林"])
    assert bool(g.scan_text(text)) is found, g.scan_text(text)


def test_three_character_names_count_anywhere_and_the_longest_wins():
    g = analyst(names=["王明兵", "王明", "欧阳娜娜", "Zhang Wei"])
    assert kinds(g.scan_text("用于王明兵村")) == [("name", "王**")]  # one finding, not 王明 too
    assert kinds(g.scan_text("欧阳娜娜")) == [("name", "欧***")]
    assert kinds(g.scan_text("signed: Zhang Wei")) == [("name", "Z********")]
    assert g.scan_text("王") == []


# --------------------------------------------------------------------------- decoding


def test_entities_and_json_escapes_are_decoded():
    g = analyst(names=["王建国"])
    ent = "".join(f"&#{ord(c)};" for c in "王建国")
    hexent = "".join(f"&amp;#x{ord(c):X};" for c in "王建国")  # escaped twice
    js = json.dumps({"hovertext": "信访人王建国", "phone": PHONE}, ensure_ascii=True)
    assert "王建国" not in js
    assert kinds(g.scan_text(ent)) == [("name", "王**")]
    assert kinds(g.scan_text(hexent)) == [("name", "王**")]
    assert kinds(g.scan_text(js)) == [("name", "王**"), ("phone", "138****5678")]
    astral = json.dumps("\U00020000王建国", ensure_ascii=True)  # a surrogate pair before the name
    assert kinds(g.scan_text(astral)) == [("name", "王**")]


def test_html_location_is_the_raw_line_and_column_and_the_nearest_anchor():
    g = analyst(names=["王建国"])
    page = ("<html><body>\n<h2>超期督办</h2>\n<p>ok</p>\n<div id=\"kpi\">\n"
            "<script>var d = {\"t\": \"\\u738b\\u5efa\\u56fd\"};</script>\n</div></body></html>")
    (f,) = g.scan_html(page, "p.html")
    assert f.where == "p.html line 5:24 (#kpi)"
    (f,) = g.scan_html("<h3>名单</h3>\n<td>&#29579;&#24314;&#22269;</td>")
    assert f.where == "line 2:5 (“名单”)"
    assert f.context == "名单</h3> <td>王**</td>"  # masked, a dozen characters either side


# --------------------------------------------------------------------------- locations


def test_frame_locations_and_repeated_values():
    df = pd.DataFrame({"信访人": ["某甲", "王建国", "王建国"], "电话": [13812345678.0, None, 5.5],
                       "n": [1, 2, 3]}, index=["a", "b", "c"])
    found = analyst(names=["王建国"]).scan_frame(df, where="表1")
    assert sorted((f.kind, f.where) for f in found) == [
        ("name", "表1 row b column 信访人"), ("name", "表1 row c column 信访人"),
        ("phone", "表1 row a column 电话")]
    # personal data in the index or the header
    idx = pd.DataFrame({"王建国": [1]}, index=[ID18])
    assert sorted(f.where for f in analyst(names=["王建国"]).scan_frame(idx)) == ["column header 0", "index row 0"]


def test_figure_locations():
    go = pytest.importorskip("plotly.graph_objects")
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 2, 3], hovertext=["甲", "乙", "信访人王建国"],
                               customdata=[[1, "x"], [2, ID18], [3, "y"]], hovertemplate="%{customdata[1]}"))
    fig.add_bar(x=["a"], y=[1], text=[PHONE])
    fig.update_layout(title_text="王建国的信访")
    found = analyst(names=["王建国"]).scan_figure(fig)
    assert sorted((f.kind, f.where) for f in found) == [
        ("id_number", "data[0].customdata[1][1]"), ("name", "data[0].hovertext[2]"),
        ("name", "layout.title.text"), ("phone", "data[1].text[0]")]
    assert analyst(names=["王建国"]).scan_figure(fig.to_plotly_json())  # its dict as well
    with pytest.raises(TypeError, match="plotly figure"):
        analyst().scan_figure([1, 2])


def test_graph_locations():
    G = nx.MultiDiGraph(title="网络")
    G.add_node("person:P1", label="王建国", case_ids=["XF1", "XF2"])
    G.add_node(f"phone:{PHONE}")
    G.add_edge("person:P1", "case:XF1", key="filed", note="电话" + PHONE)
    found = analyst(names=["王建国"]).scan_graph(G, where="g")
    assert sorted(f.where for f in found) == [
        "g edge person:P1→case:XF1 [filed] attribute note", "g node person:P1 attribute label",
        "g node phone:138****5678"]  # a node id holding a phone is masked in the location too


def test_widget_locations():
    widgets = pytest.importorskip("ipywidgets")
    go = pytest.importorskip("plotly.graph_objects")
    out = widgets.Output()
    out.outputs = ({"output_type": "stream", "name": "stdout", "text": "ok\n" + PHONE},)
    box = widgets.VBox([widgets.HTML("<b>王建国</b>"),
                        widgets.Tab([widgets.Dropdown(options=["甲", "王建国"], description="信访人")]),
                        go.FigureWidget(go.Scatter(x=[1], y=[1], hovertext=["王建国"])), out])
    found = analyst(names=["王建国"]).scan_widget(box)
    assert [f.where for f in found] == [
        "VBox › children[0] › HTML › value",
        "VBox › children[1] › Tab › children[0] › Dropdown“信访人” › _options_labels[1]",
        "VBox › children[2] › FigureWidget › data[0].hovertext[0]",
        "VBox › children[3] › Output › output 1 stdout line 2:1"]
    with pytest.raises(TypeError, match="ipywidgets"):
        analyst().scan_widget(object())


def test_notebook_locations(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# 月通报"),
        v4.new_code_cell("show()", outputs=[
            v4.new_output("display_data", data={"text/html": "<p>摘要</p>\n<p>信访人王建国反映</p>",
                                                "text/plain": "ok"}),
            v4.new_output("display_data", data={"application/vnd.plotly.v1+json": {
                "data": [{"hovertext": ["甲", f"电话{PHONE}"]}], "layout": {}}}),
            v4.new_output("stream", name="stdout", text=f"身份证 {ID18}\n")]),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "0123456789abcdef": {"model_name": "HTMLModel", "state": {"value": "王建国"}}}}}
    found = analyst(names=["王建国"]).scan_notebook(nb)
    assert [f.where for f in found] == [
        "cell 2 output 1 text/html line 2:7",
        "cell 2 output 2 application/vnd.plotly.v1+json data[0].hovertext[1]",
        "cell 2 output 3 stdout line 1:5",
        "widget 01234567 HTMLModel state.value"]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    assert [f.where for f in analyst(names=["王建国"]).scan_file(path)][0] == "x.ipynb cell 2 output 1 text/html line 2:7"


def test_file_locations(tmp_path, write_xlsx):
    g = analyst(names=["王建国"])
    (tmp_path / "t.csv").write_text(f"编号,姓名,电话\nA,李四,1\nB,王建国,{PHONE}\n", encoding="utf-8")
    assert [f.where for f in g.scan_file(tmp_path / "t.csv")] == ["t.csv row 3 column 姓名", "t.csv row 3 column 电话"]
    x = write_xlsx(tmp_path / "t.xlsx", {"名单": [["编号", "姓名"], ["A", "李四"], ["B", "王建国"], ["C", 13812345678]]})
    assert [f.where for f in g.scan_file(x)] == ["t.xlsx sheet 名单 cell B3", "t.xlsx sheet 名单 cell B4"]
    G = nx.Graph()
    G.add_node("P1", label="王建国", note="x")
    G.add_node("P2", label="甲", note="电话" + PHONE)
    nx.write_graphml(G, tmp_path / "g.graphml")
    nx.write_gexf(G, tmp_path / "g.gexf")
    assert [f.where.split(" (")[1] for f in g.scan_file(tmp_path / "g.graphml")] == [
        "node P1 attribute label)", "node P2 attribute note)"]
    assert [f.where.split(" (")[1] for f in g.scan_file(tmp_path / "g.gexf")] == [
        "node P1)", "node P2 attribute note)"]  # GEXF keeps label on the node element
    (tmp_path / "t.json").write_text(json.dumps({"rows": [{"name": "王建国"}]}, ensure_ascii=True), encoding="utf-8")
    assert [f.where for f in g.scan_file(tmp_path / "t.json")] == ["t.json rows[0].name"]
    (tmp_path / "t.txt").write_text("一\n二 王建国", encoding="utf-8")
    assert [f.where for f in g.scan_file(tmp_path / "t.txt")] == ["t.txt line 2:3"]
    with pytest.raises(FileNotFoundError, match="nope"):
        g.scan_file(tmp_path / "nope.html")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(ValueError, match=r"b\.png.*cannot scan \.png"):
        g.scan_file(tmp_path / "b.png")


# --------------------------------------------------------------------------- the error and the write


def test_leak_error_lists_every_finding_masked():
    g = analyst(names=["王建国"])
    found = g.scan_text(f"王建国 {ID18} {PHONE}", where="note")
    with pytest.raises(LeakError) as e:
        g.check(found, "out/月通报.html")
    msg = str(e.value)
    assert e.value.findings == found and isinstance(e.value, ValueError)
    assert msg.splitlines()[0] == "未写入 out/月通报.html：发现 3 处 analyst 角色不可见的个人信息"
    assert msg.splitlines()[1:] == [
        "- 信访人姓名 王**，位置：note（上下文：王** 1101**********002X）",
        "- 身份证号 1101**********002X，位置：note（上下文：王** 1101**********002X 138****5678）",
        "- 电话号码 138****5678，位置：note（上下文：1101**********002X 138****5678）"]
    for secret in ("王建国", ID18, PHONE):
        assert secret not in msg
    en = Guard("analyst", names=["王建国"], language="en")
    with pytest.raises(LeakError, match=r"^export refused, nothing was written: 1 items") as e:
        en.check(en.scan_text("王建国"))
    assert str(e.value).splitlines()[1] == "- petitioner name 王** at line 1:1 (context: 王**)"
    g.check([])  # nothing found, nothing raised


def test_guarded_write_refuses_and_leaves_the_old_file(tmp_path):
    g = analyst(names=["王建国"])
    p = tmp_path / "sub" / "r.html"
    assert guarded_write(p, "<p>化名-AB12CD34</p>", g) == p
    with pytest.raises(LeakError, match="r.html"):
        guarded_write(p, "<p>王建国</p>", g)
    assert p.read_text(encoding="utf-8") == "<p>化名-AB12CD34</p>"
    with pytest.raises(LeakError):
        guarded_write(tmp_path / "n.csv", f"a,b\n1,{PHONE}\n".encode(), g)
    assert not (tmp_path / "n.csv").exists()
    assert sorted(x.name for x in tmp_path.rglob("*")) == ["r.html", "sub"]  # no temporary file left
    # the supervisor writes anything
    assert guarded_write(tmp_path / "s.txt", "王建国", Guard("supervisor")).read_text(encoding="utf-8") == "王建国"
    with pytest.raises(TypeError, match="Guard"):
        guarded_write(tmp_path / "x.txt", "a", "analyst")  # type: ignore[arg-type]


def test_guarded_write_of_a_workbook(tmp_path):
    import io

    g = analyst(names=["王建国"])
    good, bad = io.BytesIO(), io.BytesIO()
    pd.DataFrame({"单位": ["青山县住建局"]}).to_excel(good, index=False, engine="xlsxwriter")
    pd.DataFrame({"单位": ["青山县住建局"], "信访人": ["王建国"]}).to_excel(bad, index=False, engine="xlsxwriter")
    p = guarded_write(tmp_path / "w.xlsx", good.getvalue(), g)
    with pytest.raises(LeakError) as e:
        guarded_write(p, bad.getvalue(), g)
    assert [f.where for f in e.value.findings] == ["w.xlsx sheet Sheet1 cell B2"]
    assert pd.read_excel(p, engine="calamine").columns.tolist() == ["单位"]
    assert sorted(x.name for x in tmp_path.iterdir()) == ["w.xlsx"]


# --------------------------------------------------------------------------- a guard for a book


@pytest.fixture(scope="module")
def small_book():
    import workbench as wb

    cases = pd.DataFrame({
        "case_id": ["A", "B", "C", "D"], "received_at": ["2025-01-02"] * 4,
        "demand_type": ["揭发控告", "求决", "揭发控告", "求决"],
        "region_name": ["云溪县杨林镇"] * 4, "category_l1": ["城乡建设"] * 4})
    petitioners = pd.DataFrame({
        "petitioner_id": ["R1", "R2", "R3", "R4", "R5"],
        "name": ["周华", "周华芳", "孙立", "孙立", "张明"]})
    links = pd.DataFrame({"case_id": ["A", "B", "C", "D", "A"], "petitioner_id": ["R1", "R2", "R3", "R4", "R5"],
                          "role": "petitioner"})
    people = pd.DataFrame({"person_id": ["L1"], "name": ["张明"]})
    units = pd.DataFrame({"unit_id": ["U1"], "name": ["杨林镇人民政府"]})
    return wb.Casebook.from_frames(cases=cases, petitioners=petitioners, case_petitioners=links, people=people,
                                   units=units)


def test_for_book(small_book):
    a = Guard.for_book(small_book, "analyst")
    # 周华 only ever on an accusation: an accuser; 孙立 is also on a request; 张明 is an official's name
    assert dict(a.kinds) == {"周华": "accuser", "周华芳": "name", "孙立": "name"}
    t = Guard.for_book(small_book, "trainer")
    assert dict(t.kinds) == {"周华": "accuser"}
    assert kinds(t.scan_text("周华、孙立、张明")) == [("accuser", "周*")]
    assert t.scan_text("周华芳") == []  # inside a name the trainer may see
    assert t.scan_text("云溪县杨林镇 杨林镇人民政府") == []
    assert Guard.for_book(small_book, "supervisor").refuses_nothing
