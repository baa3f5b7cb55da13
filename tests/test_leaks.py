"""Leak tests: a real petitioner's name, ID number and phone from the bundled sample pushed out
through every path a view or report takes — a figure's hover text, a table cell, a widget's
state, a graph attribute, a notebook output, a workbook cell, escaped forms — and refused by the
analyst's guard with a finding that points at the place; the same objects masked with the
analyst's Masker pass with zero findings; the supervisor's guard refuses nothing; the trainer's
refuses an accuser's name only (DESIGN §9)."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest

from workbench.privacy import Masker
from workbench.privacy.guard import Guard, LeakError, guarded_write

go = pytest.importorskip("plotly.graph_objects")
widgets = pytest.importorskip("ipywidgets")
nbformat = pytest.importorskip("nbformat")


@pytest.fixture(scope="module")
def s(sample_book):
    """The sample, its three guards, and one real petitioner record to leak."""
    from types import SimpleNamespace

    book = sample_book.book
    analyst = Guard.for_book(book, "analyst")
    pet = book.petitioners
    ok = pet["id_valid"].fillna(False).astype(bool) & pet["phone"].notna() & (pet["name"].str.len() == 3)
    ok &= pet["name"].map(lambda n: analyst.kinds.get(n) == "name")  # a petitioner, not an accuser nor an official
    rec = pet.loc[ok].iloc[0]
    case = book.case_petitioners.loc[book.case_petitioners["petitioner_id"] == rec["petitioner_id"], "case_id"].iloc[0]
    summary = book.cases.loc[book.cases["case_id"] == case, "summary"].iloc[0]
    masker = Masker("analyst", key=bytes(32))
    return SimpleNamespace(book=book, truth=sample_book.truth, analyst=analyst, trainer=Guard.for_book(book, "trainer"),
                           supervisor=Guard.for_book(book, "supervisor"), name=rec["name"], id_number=rec["id_number"],
                           phone=rec["phone"], pid=rec["petitioner_id"], summary=f"信访人{rec['name']}{summary}",
                           masker=masker)


def record(s) -> pd.DataFrame:
    """The petitioner's record as a view would tabulate it (one row, index r1)."""
    return pd.DataFrame({"petitioner_id": [s.pid], "name": [s.name], "id_number": [s.id_number],
                         "phone": [s.phone], "summary": [s.summary]}, index=["r1"])


def masked(s) -> pd.DataFrame:
    """The same row as the analyst's Masker gives it (the name in the summary by its pseudonym)."""
    label = s.masker.person_label(s.pid, s.name)
    return s.masker.with_names({s.name: label}).frame(record(s))


def figure(df: pd.DataFrame):
    return go.Figure(go.Scatter(x=[1], y=[1], hovertext=df["summary"].tolist(),
                                customdata=df[["petitioner_id", "id_number"]].to_numpy().tolist(),
                                hovertemplate="电话 " + str(df["phone"].iloc[0]) + "<extra></extra>"))


def widget(df: pd.DataFrame):
    return widgets.VBox([widgets.HTML(df.to_html()),
                         go.FigureWidget(go.Bar(x=["甲"], y=[1], hovertext=df["name"].tolist()))])


def notebook(df: pd.DataFrame):
    v4 = nbformat.v4
    return v4.new_notebook(cells=[v4.new_code_cell("show()", outputs=[
        v4.new_output("display_data", data={"text/html": df.to_html(), "text/plain": "table"}),
        v4.new_output("display_data", data={"application/vnd.plotly.v1+json": json.loads(figure(df).to_json())}),
        v4.new_output("stream", name="stdout", text=str(df["summary"].iloc[0])),
    ])])


def graph(df: pd.DataFrame) -> nx.Graph:
    G = nx.Graph()
    G.add_node("r1", kind="petitioner", label=df["name"].iloc[0], phone=df["phone"].iloc[0])
    G.add_node("case:1", kind="case", summary=df["summary"].iloc[0])
    G.add_edge("r1", "case:1", id_number=df["id_number"].iloc[0])
    return G


def workbook(df: pd.DataFrame, path):
    df.to_excel(path, index=False, engine="xlsxwriter")
    return path


def where(findings) -> list[tuple[str, str]]:
    return sorted((f.kind, f.where) for f in findings)


# --------------------------------------------------------------------------- every path refused


def test_the_leaked_record_is_real(s):
    assert s.name in set(s.book.petitioners["name"]) and s.name not in set(s.book.people["name"])
    assert s.analyst.scan_text(s.id_number)[0].kind == "id_number"
    assert s.analyst.scan_text(str(s.phone))[0].kind == "phone"


def test_figure_hover_text(s, tmp_path):
    found = s.analyst.scan_figure(figure(record(s)))
    assert where(found) == [("id_number", "data[0].customdata[0][1]"), ("name", "data[0].hovertext[0]"),
                            ("phone", "data[0].hovertemplate")]
    page = figure(record(s)).to_html(include_plotlyjs=False, full_html=True)
    assert {f.kind for f in s.analyst.scan_html(page)} == {"name", "id_number", "phone"}
    with pytest.raises(LeakError):
        guarded_write(tmp_path / "f.html", page, s.analyst)
    assert not (tmp_path / "f.html").exists()


def test_table_cells(s):
    assert where(s.analyst.scan_frame(record(s), where="表")) == [
        ("id_number", "表 row r1 column id_number"), ("name", "表 row r1 column name"),
        ("name", "表 row r1 column summary"), ("phone", "表 row r1 column phone")]
    page = record(s).to_html()
    found = s.analyst.scan_html(page)
    lines = page.splitlines()
    for f in found:  # each line:col points at the value in the page
        ln, col = map(int, f.where.split()[1].split(":"))
        assert lines[ln - 1][col - 1:].startswith(f.value[:1]), f


def test_widget_state(s):
    found = s.analyst.scan_widget(widget(record(s)))
    assert sorted((f.kind, f.where.split(" line ")[0]) for f in found) == [("id_number", "VBox › children[0] › HTML › value"),
                            ("name", "VBox › children[0] › HTML › value"),
                            ("name", "VBox › children[0] › HTML › value"),
                            ("name", "VBox › children[1] › FigureWidget › data[0].hovertext[0]"),
                            ("phone", "VBox › children[0] › HTML › value")]


def test_graph_attributes_refused_by_every_writer(s, tmp_path):
    from workbench.networks.export import to_gexf, to_graphml, write_cytoscape

    G = graph(record(s))
    assert where(s.analyst.scan_graph(G)) == [("id_number", "edge r1→case:1 attribute id_number"),
                                              ("name", "node case:1 attribute summary"),
                                              ("name", "node r1 attribute label"), ("phone", "node r1 attribute phone")]
    for write, name in ((to_gexf, "g.gexf"), (to_graphml, "g.graphml"), (write_cytoscape, "g.json")):
        with pytest.raises(LeakError) as e:
            write(G, tmp_path / name, guard=s.analyst)
        assert ("name", "node r1 attribute label") in where(e.value.findings)
        assert not (tmp_path / name).exists()
    # the writers find the book's guard themselves
    with pytest.raises(LeakError):
        to_gexf(G, tmp_path / "g.gexf", book=s.book, role="analyst")
    # and without a book, the role's ID and phone numbers
    with pytest.raises(LeakError) as e:
        to_graphml(G, tmp_path / "g.graphml", role="analyst")
    assert {f.kind for f in e.value.findings} == {"id_number", "phone"}
    assert list(tmp_path.iterdir()) == []


def test_supervisors_investigation_graph_is_refused_for_the_analyst(s, tmp_path):
    import workbench as wb
    from workbench.networks.export import to_gexf

    unit = s.truth["buck_passing"]["unit_ids"][0]
    G = wb.investigation_graph(s.book, around=f"unit:{unit}", hops=2, role="supervisor")
    pet = next(n for n, d in G.nodes(data=True) if d.get("kind") == "petitioner" and d.get("name") in s.analyst.kinds)
    with pytest.raises(LeakError) as e:
        to_gexf(G, tmp_path / "inv.gexf", guard=s.analyst)
    assert f"node {pet} attribute name" in {f.where for f in e.value.findings}
    assert not (tmp_path / "inv.gexf").exists()
    # the analyst's own graph of the same neighbourhood passes, and the supervisor may export theirs
    A = wb.investigation_graph(s.book, around=f"unit:{unit}", hops=2, role=s.masker)
    assert to_gexf(A, tmp_path / "inv.gexf", guard=s.analyst).exists()
    assert to_gexf(G, tmp_path / "sup.gexf", guard=s.supervisor).exists()


def test_notebook_outputs(s, tmp_path):
    nb = notebook(record(s))
    found = s.analyst.scan_notebook(nb)
    assert {(f.kind, f.where.split(" line ")[0]) for f in found} == {
        ("name", "cell 1 output 1 text/html"), ("id_number", "cell 1 output 1 text/html"),
        ("phone", "cell 1 output 1 text/html"),
        ("name", "cell 1 output 2 application/vnd.plotly.v1+json data[0].hovertext[0]"),
        ("id_number", "cell 1 output 2 application/vnd.plotly.v1+json data[0].customdata[0][1]"),
        ("phone", "cell 1 output 2 application/vnd.plotly.v1+json data[0].hovertemplate"),
        ("name", "cell 1 output 3 stdout")}
    with pytest.raises(LeakError):
        guarded_write(tmp_path / "n.ipynb", nbformat.writes(nb), s.analyst)
    assert not (tmp_path / "n.ipynb").exists()


def test_workbook_cells(s, tmp_path):
    path = workbook(record(s), tmp_path / "名单.xlsx")
    assert where(s.analyst.scan_file(path)) == [
        ("id_number", "名单.xlsx sheet Sheet1 cell C2"), ("name", "名单.xlsx sheet Sheet1 cell B2"),
        ("name", "名单.xlsx sheet Sheet1 cell E2"), ("phone", "名单.xlsx sheet Sheet1 cell D2")]


def test_blame_workbook_is_guarded(hand_ledger, tmp_path):
    from workbench.views.blame_workbook import blame_workbook

    # the workbook names units: a guard refusing one of them refuses the file
    with pytest.raises(LeakError) as e:
        blame_workbook(hand_ledger, tmp_path / "b.xlsx", guard=Guard("analyst", names=["临江区住建局"]))
    assert e.value.findings[0].where.startswith("b.xlsx sheet ")
    assert not (tmp_path / "b.xlsx").exists()
    assert blame_workbook(hand_ledger, tmp_path / "b.xlsx", role="analyst").exists()
    assert blame_workbook(hand_ledger, tmp_path / "c.xlsx").exists()  # the configured supervisor


def test_escaped_forms(s):
    ent = "".join(f"&#{ord(c)};" for c in s.name)
    hexent = "".join(f"&amp;#x{ord(c):x};" for c in s.name)
    digits = "".join(f"&#{ord(c)};" for c in str(s.phone))
    js = json.dumps({"t": s.summary, "id": s.id_number}, ensure_ascii=True)
    assert s.name not in js
    assert [f.kind for f in s.analyst.scan_text(ent)] == ["name"]
    assert [f.kind for f in s.analyst.scan_text(hexent)] == ["name"]
    assert [f.kind for f in s.analyst.scan_text(digits)] == ["phone"]
    assert sorted(f.kind for f in s.analyst.scan_text(js)) == ["id_number", "name"]


# --------------------------------------------------------------------------- masked: nothing found


def test_masked_objects_pass(s, tmp_path):
    from workbench.networks.export import to_gexf, to_graphml, write_cytoscape

    m = masked(s)
    assert m["name"].iloc[0].startswith("化名-") and s.name not in m["summary"].iloc[0]
    a = s.analyst
    assert a.scan_frame(m) == [] and a.scan_html(m.to_html()) == []
    assert a.scan_figure(figure(m)) == [] and a.scan_html(figure(m).to_html(include_plotlyjs=False)) == []
    assert a.scan_widget(widget(m)) == []
    assert a.scan_notebook(notebook(m)) == []
    assert a.scan_graph(graph(m)) == []
    for write, name in ((to_gexf, "g.gexf"), (to_graphml, "g.graphml"), (write_cytoscape, "g.json")):
        assert write(graph(m), tmp_path / name, guard=a).exists()
    assert a.scan_file(workbook(m, tmp_path / "m.xlsx")) == []


def test_masked_book_tables_pass(s):
    mb = s.masker.book(s.book)
    for table in ("cases", "events", "petitioners", "case_petitioners"):
        assert s.analyst.scan_frame(getattr(mb, table)) == [], table


def test_plotly_js_and_the_raw_summaries_give_no_finding(s):
    from plotly.offline import get_plotlyjs

    assert s.analyst.scan_text(get_plotlyjs()) == []
    # the sample's summaries name no petitioner: two-character names read as words or places
    # (杨林镇, 用于建厂, 张家岗村) are not findings
    assert s.analyst.scan_frame(s.book.cases[["summary"]]) == []


# --------------------------------------------------------------------------- the supervisor and the trainer


def test_supervisor_refuses_nothing(s, tmp_path):
    from workbench.networks.export import to_gexf

    r = record(s)
    g = s.supervisor
    assert g.refuses_nothing
    assert g.scan_frame(r) == [] and g.scan_figure(figure(r)) == [] and g.scan_widget(widget(r)) == []
    assert g.scan_notebook(notebook(r)) == [] and g.scan_graph(graph(r)) == []
    assert g.scan_file(workbook(r, tmp_path / "s.xlsx")) == []
    assert to_gexf(graph(r), tmp_path / "s.gexf", guard=g).exists()


def test_trainer_refuses_an_accusers_name_only(s):
    t = s.trainer
    acc = s.book.cases.loc[s.book.cases["demand_type"] == "accusation", "case_id"]
    links = s.book.case_petitioners
    accuser = next(n for n in s.book.petitioners.set_index("petitioner_id").loc[
        links.loc[links["case_id"].isin(acc), "petitioner_id"], "name"] if t.kinds.get(n) == "accuser" and len(n) == 3)
    assert [(f.kind, f.where) for f in t.scan_text(f"控告人{accuser}", where="note")] == [("accuser", "note")]
    assert t.scan_text(f"信访人{s.name}") == []  # a petitioner's (synthetic) name is the trainer's to show
    assert [f.kind for f in t.scan_text(f"电话{s.phone}")] == ["phone"]
    # the analyst's guard calls the same name an accuser's too
    assert s.analyst.kinds[accuser] == "accuser"


# --------------------------------------------------------------------------- a rendered page


@pytest.mark.slow
def test_rendered_notebook_page_gives_no_finding(tmp_path):
    """The start notebook rendered on a small generated sample (plotly.js and the nbconvert page
    inlined): the analyst's guard of that sample finds no name, ID or phone in it."""
    from pathlib import Path

    import workbench
    from workbench.notebooks import run_notebook
    from workbench.sample import write_sample

    root = Path(__file__).resolve().parents[1]
    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    out = run_notebook(root / "notebooks" / "00_start_here.ipynb", tmp_path / "start.html",
                       parameters={"SAMPLE": str(tmp_path / "s")})
    page = out.read_text(encoding="utf-8")
    assert len(page) > 3_000_000 and "plotly.js v" in page
    book = workbench.load(tmp_path / "s")
    assert Guard.for_book(book, "analyst").scan_html(page) == []
