"""Reports (workbench.reports): the monthly bulletin and the unit report rendered to one offline
HTML page, masked by role and checked by the export guard before they are written."""

from __future__ import annotations

import argparse
import html as htmllib
import pickle
import re
import time
from pathlib import Path

import pandas as pd
import pytest

import workbench
from workbench.reports import ReportError, render_report, write_index
from workbench.reports.page import read_meta

#: the rendered bulletin stays a few megabytes: plotly.js (~4.7 MB) once, small figures and tables
MAX_BYTES = 6_000_000
PSEUDONYM = re.compile(r"化名-[0-9A-HJKMNP-TV-Z]{8,10}")


def _scripts_stripped(page: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.S | re.I)


def _kpi_rows(page: str) -> list[dict[str, str]]:
    """The data-* attributes of the KPI table's rows (the exact numbers behind each cell)."""
    rows = []
    for tag in re.findall(r"<tr ([^>]*data-kpi=[^>]*)>", page):
        rows.append({k: htmllib.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)})
    return rows


@pytest.fixture(scope="module")
def sample_pickle(sample_book, tmp_path_factory):
    """The bundled sample, loaded once per session, handed to the reports as a pickled Casebook."""
    p = tmp_path_factory.mktemp("book") / "sample.pkl"
    with open(p, "wb") as fh:
        pickle.dump(sample_book.book, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return p


@pytest.fixture(scope="module")
def bulletin(sample_pickle, analyst_key, tmp_path_factory):
    """The monthly bulletin of the bundled sample's last complete month, as the analyst sees it."""
    folder = tmp_path_factory.mktemp("reports")
    t = time.perf_counter()
    out = render_report("monthly", out=folder / "月通报.html", role="analyst", key_file=analyst_key, data=sample_pickle)
    secs = time.perf_counter() - t
    page = out.read_text(encoding="utf-8")
    print(f"\nmonthly bulletin (analyst, bundled sample): {out.stat().st_size:,} bytes, rendered in {secs:.1f} s")
    return out, page


@pytest.fixture(scope="module")
def unit_report(sample_pickle, analyst_key, bulletin):
    folder = bulletin[0].parent
    out = render_report("unit", unit="青山县住建局", period="2025Q3", out=folder / "青山县住建局.html", role="analyst",
                        key_file=analyst_key, data=sample_pickle)
    return out, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    """A small generated city (1,500 cases), loaded once and pickled for the renders."""
    from workbench.sample import write_sample

    folder = write_sample(tmp_path_factory.mktemp("small"), n_cases=1500, seed=3)
    book = workbench.load([Path(folder) / "ledger.xlsx", Path(folder) / "events.csv"])
    path = Path(folder) / "book.pkl"
    with open(path, "wb") as fh:
        pickle.dump(book, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return book, path


@pytest.fixture(scope="module")
def small_sample(small_book):
    return small_book[1]


# --------------------------------------------------------------------------- the bundled sample's bulletin


@pytest.mark.slow
def test_bulletin_kpi_table_equals_kpis_of_the_month(bulletin, sample_book):
    _, page = bulletin
    k = workbench.kpis(sample_book.book, period="2025-09").frame.set_index(["kpi", "party", "count"])
    rows = _kpi_rows(page)
    assert [(r["kpi"], r["party"]) for r in rows][:4] == [("timely_acceptance", "unit"), ("timely_acceptance", "office"),
                                                          ("on_time", "unit"), ("on_time", "office")]
    assert len(rows) == 11
    for r in rows:
        want = k.loc[(r["kpi"], r["party"], r["count"])]
        assert float(r["numerator"]) == want["numerator"], r
        assert float(r["denominator"]) == want["denominator"], r
        assert float(r["value"]) == pytest.approx(want["value"], abs=0, rel=1e-12), r
        assert float(r["prev-value"]) == pytest.approx(want["prev_value"], rel=1e-12), r
    # and the page says it: 按期办结率 445/468 = 95.1% in September 2025
    on_time = k.loc[("on_time", "unit", "件次")]
    assert (on_time["numerator"], on_time["denominator"]) == (445, 468)
    assert "按期办结率95.1%（445/468）" in page


@pytest.mark.slow
def test_bulletin_is_one_offline_page_with_plotly_once(bulletin):
    from workbench.notebooks import external_references

    out, page = bulletin
    size = out.stat().st_size
    print(f"bulletin size {size:,} bytes (bound {MAX_BYTES:,})")
    assert size < MAX_BYTES
    assert page.count("* plotly.js v") == 1  # the bundle's banner: inlined exactly once
    assert external_references(page) == []
    outside = _scripts_stripped(page)  # URLs inside plotly.js are strings, not requests
    assert re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", outside, flags=re.I) == []
    assert "url(http" not in outside and "@import" not in outside
    assert "widget-state" not in page and "require.js" not in page
    # every figure is a plain plotly div drawn by its own script, and none is empty
    n_fig = page.count('class="wb-figure"')
    assert n_fig >= 4 and page.count("Plotly.newPlot(") == n_fig
    assert '"data": []' not in page and '"data":[]' not in page
    # no code, prompts or kernel chatter in the page
    assert "open_report(" not in page and "In&nbsp;[" not in page and "jp-InputArea" not in page


@pytest.mark.slow
def test_bulletin_meta_and_title(bulletin, sample_book):
    from workbench.reports.render import data_fingerprint

    _, page = bulletin
    meta = read_meta(page)
    assert meta is not None
    assert meta["kind"] == "monthly" and meta["period"] == "2025-09" and meta["role"] == "analyst"
    assert meta["title"] == "江临市信访工作月通报（2025年9月）"
    assert f"<title>{meta['title']}</title>" in page
    assert meta["data"] == data_fingerprint(sample_book.book)
    assert meta["workbench"] == workbench.__version__ and meta["cases"] == 20000
    assert pd.Timestamp(meta["generated_at"]) <= pd.Timestamp.now()


@pytest.mark.slow
def test_bulletin_reads_like_a_bulletin(bulletin):
    _, page = bulletin
    text = re.sub(r"<[^>]+>", "", _scripts_stripped(page))
    for heading in ("一、总体情况", "二、主要特点", "三、考核指标", "四、存在问题", "五、下步工作", "口径说明"):
        assert heading in text, heading
    # 660 cases in September 2025: 591 the month before (+11.7%), 613 a year before (+7.7%)
    assert "共登记信访事项660件，环比上升11.7%（上月591件），同比上升7.7%（去年同月613件）" in text
    # the planted buck-passing pair is flagged and named in the closing paragraph
    assert "青山县住建局与青山县自然资源局之间往返推诿" in text


@pytest.mark.slow
def test_analyst_bulletin_shows_no_petitioner(bulletin, sample_book):
    from workbench.privacy import Guard

    _, page = bulletin
    book = sample_book.book
    assert Guard.for_book(book, "analyst").scan_html(page) == []
    # names of three characters or more are never words: none of them may appear anywhere in the
    # page but the plotly.js bundle (figure data included, its \\uXXXX escapes decoded)
    bundle = re.search(r"<script[^>]*>[^<]{0,200}\* plotly\.js v.*?</script>", page, flags=re.S)
    assert bundle is not None
    rest = page[: bundle.start()] + page[bundle.end():]
    rest = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), rest)
    names = set(book.petitioners["name"].dropna().astype(str))
    public = set(book.people["name"].dropna().astype(str)) | set(book.units["name"].dropna().astype(str))
    long_names = {n for n in names - public if len(n) >= 3}
    runs = re.findall(r"[\u4e00-\u9fff]{3,}", rest)
    seen = {run[i:i + k] for run in runs for k in (3, 4) for i in range(len(run) - k + 1)}
    assert len(long_names) > 1000 and not seen & long_names
    # the backlog names persons by pseudonym only
    backlog = page[page.index("重复信访积案（列出前"):]
    backlog = backlog[: backlog.index("</table>")]
    assert len(PSEUDONYM.findall(backlog)) == 10  # one per row of the table


@pytest.mark.slow
def test_unit_report_names_the_buck_passing_partner(unit_report):
    _, page = unit_report
    meta = read_meta(page)
    assert meta["kind"] == "unit" and meta["unit"] == "青山县住建局" and meta["unit_id"] == "U0088"
    assert meta["period"] == "2025Q3"
    flagged = re.findall(r'<tr class="flag">(.*?)</tr>', page)
    assert flagged and "青山县自然资源局" in flagged[0]
    text = re.sub(r"<[^>]+>", "", _scripts_stripped(page))
    assert "青山县住建局与以下单位之间存在明显的相互推诿：青山县自然资源局" in text
    for heading in ("一、主要指标", "二、超期件及办理链条", "三、包案领导", "四、推诿扯皮", "五、违规线索", "六、重复信访积案"):
        assert heading in text, heading
    assert page.count("* plotly.js v") == 1


@pytest.mark.slow
def test_index_lists_both_reports(bulletin, unit_report):
    folder = bulletin[0].parent
    index = write_index(folder)
    page = index.read_text(encoding="utf-8")
    assert 'href="月通报.html"' in page and 'href="青山县住建局.html"' in page
    assert "江临市信访工作月通报（2025年9月）" in page and "青山县住建局信访事项办理责任报告（2025年第三季度）" in page
    assert "<script" not in page
    assert page.count("分析研判版（化名）") == 2


# --------------------------------------------------------------------------- pseudonyms across renders


@pytest.mark.slow
def test_pseudonyms_are_stable_for_a_key_and_differ_across_keys(small_book, tmp_path):
    from workbench.privacy import new_key
    from workbench.reports.context import open_report
    from workbench.reports.monthly import backlog

    book, data = small_book
    k1, k2 = new_key(tmp_path / "k1.key"), new_key(tmp_path / "k2.key")

    def pseudonyms(key: Path, name: str) -> list[str]:
        out = render_report("monthly", out=tmp_path / name, role="analyst", key_file=key, data=data)
        page = out.read_text(encoding="utf-8")
        table = page[page.index("重复信访积案（列出前"):]
        return PSEUDONYM.findall(table[: table.index("</table>")])

    a, c = pseudonyms(k1, "a.html"), pseudonyms(k2, "c.html")
    # the same table made again, in this process, with the first key: the same persons, the same names
    again, _ = backlog(open_report("monthly", book=book, role="analyst", key_file=k1))
    assert len(a) == 10 and a == again.iloc[:, 0].tolist()
    assert len(c) == 10 and not set(a) & set(c)


# --------------------------------------------------------------------------- refusals before any kernel


def test_an_empty_period_is_refused_with_the_ledgers_range(sample_pickle, tmp_path):
    out = tmp_path / "x.html"
    with pytest.raises(ReportError, match=r"period 2031-01: no cases received in it; .*2023-01-01 to 2025-09-30"):
        render_report("monthly", period="2031-01", out=out, data=sample_pickle)
    assert not out.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "monthly", "period": "2025-13"}, r"period '2025-13': not a month"),
    ({"kind": "monthly", "period": "2025Q3"}, r"monthly bulletin .* covers one month"),
    ({"kind": "monthly", "region": "999999"}, r"region '999999': no cases .*339921 青山县"),
    ({"kind": "unit", "unit": "青山县住建"}, r"unit '青山县住建': .*did you mean 青山县住建局"),
    ({"kind": "unit", "unit": "U0088", "period": "2031"}, r"period 2031: no cases"),
    ({"kind": "weekly"}, r"report kind 'weekly'"),
])
def test_bad_scopes_are_refused(sample_book, kwargs, message):
    from workbench.reports.scope import resolve_scope

    kw = dict(kwargs)
    with pytest.raises(ReportError, match=message):
        resolve_scope(sample_book.book, kw.pop("kind"), **kw)


def test_scope_of_a_region_and_a_unit(sample_book):
    from workbench.reports.scope import resolve_scope

    s = resolve_scope(sample_book.book, "monthly", region="339921")
    assert (s.period, s.prev_period, s.yoy_period, s.region_name) == ("2025-09", "2025-08", "2024-09", "青山县")
    assert s.title == "青山县信访工作月通报（2025年9月）"
    u = resolve_scope(sample_book.book, "unit", "2025q3", unit="青山县住建局", language="en")
    assert (u.unit_id, u.period, u.prev_period, u.yoy_period) == ("U0088", "2025Q3", "2025Q2", "2024Q3")
    assert u.title == "Accountability report of 青山县住建局, 2025 Q3"


def test_privacy_refusals_come_first(sample_pickle, tmp_path):
    from workbench.config import set_config
    from workbench.privacy import PrivacyError

    set_config(pseudonym_key_file=None)
    with pytest.raises(PrivacyError, match="--key-file"):
        render_report("monthly", out=tmp_path / "a.html", role="analyst", data=sample_pickle)
    # a pickle is not the generated sample: the trainer may not use it
    with pytest.raises(PrivacyError, match="synthetic"):
        render_report("monthly", out=tmp_path / "t.html", role="trainer", data=sample_pickle)
    assert list(tmp_path.iterdir()) == []


def _fake_kernel(html_output: str):
    """A stand-in for the kernel: an 'executed' template whose one cell displays ``html_output``."""
    import nbformat

    def execute(path, parameters=None, **kw):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("report.head(r)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_output})]
        nb.cells.append(cell)
        return nb

    return execute


def test_a_leak_in_the_executed_notebook_refuses_the_report(small_sample, tmp_path, monkeypatch, analyst_key):
    from workbench.privacy import LeakError
    from workbench.reports import render

    monkeypatch.setattr(render, "execute_notebook", _fake_kernel("<p>联系电话13812345678</p>"))
    out = tmp_path / "leak.html"
    with pytest.raises(LeakError) as e:
        render_report("monthly", out=out, role="analyst", key_file=analyst_key, data=small_sample)
    assert "138****5678" in str(e.value) and "13812345678" not in str(e.value)
    assert not out.exists()
    # the supervisor's edition may hold it
    render_report("monthly", out=out, role="supervisor", data=small_sample)
    assert "13812345678" in out.read_text(encoding="utf-8")


def test_a_name_in_the_final_page_refuses_the_report(small_book, tmp_path, monkeypatch, analyst_key):
    from workbench.privacy import LeakError
    from workbench.reports import render

    book, small_sample = small_book
    public = set(book.people["name"].dropna()) | set(book.units["name"].dropna())
    name = next(n for n in book.petitioners["name"].dropna().astype(str) if len(n) == 3 and n not in public)
    monkeypatch.setattr(render, "execute_notebook", _fake_kernel("<p>本月概况</p>"))
    original = render.wrap_page
    monkeypatch.setattr(render, "wrap_page", lambda body, **kw: original(body + f"<p>信访人{name}</p>", **kw))
    out = tmp_path / "name.html"
    with pytest.raises(LeakError, match="name"):
        render_report("monthly", out=out, role="analyst", key_file=analyst_key, data=small_sample)
    assert not out.exists()


# --------------------------------------------------------------------------- the command


def _parser():
    from workbench.reports.cli import register

    p = argparse.ArgumentParser(prog="workbench")
    sub = p.add_subparsers(dest="command", required=True)
    register(sub)
    return p


def test_cli_parses_and_refuses_with_exit_code_2(sample_pickle, tmp_path, capsys):
    p = _parser()
    a = p.parse_args(["report", "unit", "--unit", "青山县住建局", "--period", "2025Q3", "--lang", "en", "--out", "u.html"])
    assert (a.kind, a.unit, a.period, a.lang) == ("unit", "青山县住建局", "2025Q3", "en")
    with pytest.raises(SystemExit):
        p.parse_args(["report", "unit", "--out", "u.html"])  # a unit report needs --unit
    a = p.parse_args(["report", "monthly", "--period", "2031-01", "--data", str(sample_pickle), "--out", str(tmp_path / "m.html")])
    assert a.func(a) == 2
    err = capsys.readouterr().err
    assert "错误 / error:" in err and "2031-01" in err and "2025-09-30" in err
    a = p.parse_args(["report", "monthly", "--policy", "nonesuch", "--data", str(sample_pickle), "--out", str(tmp_path / "m.html")])
    assert a.func(a) == 2
    assert "nonesuch" in capsys.readouterr().err
    assert not (tmp_path / "m.html").exists()


def test_cli_leak_exits_2_and_index_lists_reports(small_sample, tmp_path, monkeypatch, capsys, analyst_key):
    from workbench.reports import render

    monkeypatch.setattr(render, "execute_notebook", _fake_kernel("<p>身份证号339902198001011231</p>"))
    p = _parser()
    a = p.parse_args(["report", "monthly", "--role", "analyst", "--key-file", str(analyst_key), "--data", str(small_sample),
                      "--out", str(tmp_path / "m.html")])
    assert a.func(a) == 2
    assert "3399**********1231" in capsys.readouterr().err
    a = p.parse_args(["report", "monthly", "--role", "supervisor", "--data", str(small_sample), "--out", str(tmp_path / "m.html")])
    assert a.func(a) == 0
    a = p.parse_args(["report", "index", str(tmp_path)])
    assert a.func(a) == 0
    assert "index of 1 reports" in capsys.readouterr().out
    assert 'href="m.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- data functions on a hand-made ledger


@pytest.fixture
def hand_report(hand_ledger):
    from workbench.reports.context import open_report

    return open_report("monthly", book=hand_ledger, period="2025-03", role="supervisor", language="zh",
                       generated_at="2025-12-31")


def test_volumes_by_channel_on_the_hand_ledger(hand_report):
    from workbench.reports.monthly import volumes

    v = volumes(hand_report)
    # March 2025: A 来访, B 网上信访, C 来信, F 来电, G 来访; nothing in February or March 2024
    assert v[["channel", "cases", "prev", "yoy_cases"]].values.tolist() == [
        ["total", 5.0, 0.0, 0.0], ["visit", 2.0, 0.0, 0.0], ["letter", 1.0, 0.0, 0.0], ["online", 1.0, 0.0, 0.0],
        ["phone", 1.0, 0.0, 0.0]]
    assert v["mom"].isna().all()  # no change from zero


def test_categories_and_kpi_rows_on_the_hand_ledger(hand_report, hand_ledger):
    from workbench.reports.monthly import categories, kpi_table

    c = categories(hand_report)
    assert c[["category", "cases", "share", "prev"]].values.tolist() == [["城乡建设", 5, 1.0, 0]]
    t = kpi_table(hand_report).set_index(["kpi", "party"])
    k = workbench.kpis(hand_ledger, period="2025-03").frame.set_index(["kpi", "party", "count"])
    for (kpi, party), row in t.iterrows():
        want = k.loc[(kpi, party, row["count"])]
        assert (row["numerator"], row["denominator"]) == (want["numerator"], want["denominator"])


def test_a_one_month_messy_ledger_labels_unknown_channels_and_draws_its_bars(ledger_xlsx):
    """The conftest's messy export (March 2025 only, one channel 飞鸽传书 outside the vocabulary):
    the unknown channel is named 不详, not left blank, and the monthly bars are drawn wide (plotly
    sizes date bars by the gap between x values; one month has none)."""
    import workbench
    from workbench.reports.context import open_report
    from workbench.reports.monthly import monthly_volumes, volume_figure, volumes

    book = workbench.load(ledger_xlsx)
    r = open_report("monthly", book=book, period="2025-03", role="supervisor", language="zh",
                    generated_at="2025-12-31")
    v = volumes(r)
    assert v["label"].tolist()[0] == "合计" and "不详" in v["label"].tolist() and "" not in v["label"].tolist()
    assert v.loc[v["label"] == "不详", "channel"].tolist() == ["unknown"]
    assert int(v["cases"].iloc[0]) == int(v["cases"].iloc[1:].sum())
    fig = volume_figure(monthly_volumes(r), r)
    assert fig.data and all(min(t.width) >= 20 * 86_400_000 for t in fig.data)


def test_unit_trend_of_a_unit_with_nothing_due_is_empty_so_no_chart_is_drawn(ledger_xlsx):
    """On the one-month messy export nothing of 青山县住建局 has come due for 按期办结率: the trend
    holds no value, and the report writes a note instead of an empty chart."""
    import workbench
    from workbench.i18n import text
    from workbench.reports.context import open_report
    from workbench.reports.unit import on_time_trend

    r = open_report("unit", book=workbench.load(ledger_xlsx), unit="青山县住建局", period="2025-03",
                    role="supervisor", language="zh", generated_at="2025-12-31")
    trend = on_time_trend(r)
    assert not trend.loc[trend["who"] == "unit", "value"].notna().any()
    assert "无走势可比" in text("report.unit.note.no_trend", language="zh")
