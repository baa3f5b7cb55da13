"""The command line: check prints the account and exits non-zero on quarantined rows."""

from __future__ import annotations

import pytest

from workbench.cli import main


def test_check_reports_and_exits_nonzero(ledger_xlsx, capsys, tmp_path):
    rc = main(["check", str(ledger_xlsx), "--quarantine", str(tmp_path / "q.csv")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "隔离 4" in out and "台账.xlsx" in out
    text = (tmp_path / "q.csv").read_text(encoding="utf-8-sig")
    assert "duplicate_case_id" in text and "三月七日" in text


def test_check_clean_file_exits_zero(tmp_path, capsys):
    p = tmp_path / "ok.csv"
    p.write_text("信访件编号,信访日期,信访形式\nA1,2024-01-02,来信\n", encoding="utf-8")
    assert main(["check", str(p), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "read 1 = taken 1" in out


def test_check_unreadable_file_exits_2(tmp_path, capsys):
    p = tmp_path / "missing.xlsx"
    assert main(["check", str(p)]) == 2
    assert "missing.xlsx" in capsys.readouterr().err


@pytest.mark.slow
def test_render_all_notebooks_on_a_small_ledger(tmp_path, capsys):
    from workbench.notebooks import external_references
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=5)
    assert main(["render", "--all", "--data", str(tmp_path / "s"), "--out", str(tmp_path / "out")]) == 0
    pages = sorted(p.name for p in (tmp_path / "out").glob("*.html"))
    assert pages == ["00_start_here.html", "01_delays.html", "02_blame_chains.html", "03_repeat_petitioners.html",
                     "04_hotspots.html"]
    for p in (tmp_path / "out").glob("*.html"):
        assert external_references(p.read_text(encoding="utf-8")) == []
    assert capsys.readouterr().out.count("rendered ") == 5
    with pytest.raises(SystemExit, match="no notebook"):
        main(["render", "--notebook", "99_nothing"])


@pytest.mark.slow
def test_render_as_analyst_writes_pseudonyms_and_passes_the_guard(tmp_path, capsys, monkeypatch):
    import workbench
    from workbench.privacy import Guard, new_key
    from workbench.sample import write_sample

    monkeypatch.delenv("WORKBENCH_ROLE", raising=False)
    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY_FILE", raising=False)
    write_sample(tmp_path / "s", n_cases=1500, seed=5)
    out = tmp_path / "03.html"
    # an analyst with no key is stopped before anything runs, told how to give one
    assert main(["render", "--notebook", "03_repeat_petitioners", "--data", str(tmp_path / "s"),
                 "--role", "analyst", "--out", str(out)]) == 2
    assert "workbench key new" in capsys.readouterr().err and not out.exists()
    # the configured role counts as much as --role: an analyst's setting without a key is stopped too
    before = workbench.get_config()
    workbench.set_config(role="analyst", pseudonym_key_file=None)
    try:
        assert main(["render", "--notebook", "03_repeat_petitioners", "--data", str(tmp_path / "s"),
                     "--out", str(out)]) == 2
    finally:
        workbench.set_config(role=before.role, pseudonym_key_file=before.pseudonym_key_file)
    assert "workbench key new" in capsys.readouterr().err and not out.exists()
    key = new_key(tmp_path / "k.key")
    assert main(["render", "--notebook", "03_repeat_petitioners", "--data", str(tmp_path / "s"),
                 "--role", "analyst", "--key-file", str(key), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "化名-" in html
    book = workbench.load(tmp_path / "s")
    assert Guard.for_book(book, "analyst").scan_html(html) == []
    # the role and key were for that command only
    import os

    assert "WORKBENCH_ROLE" not in os.environ and "WORKBENCH_PSEUDONYM_KEY_FILE" not in os.environ


def test_policy_list_show_and_copy_for_a_locality(tmp_path, capsys, hand_ledger):
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    for name in ("2022", "2005", "simplified", "12345"):
        assert name in out
    assert main(["policy", "2022"]) == 0
    assert "accept → reply: 60 days, extension up to 30" in capsys.readouterr().out
    ours = tmp_path / "jiangnan.toml"
    assert main(["policy", "2022", "--copy", str(ours)]) == 0
    ours.write_text(ours.read_text(encoding="utf-8").replace("limit = 60\n", "limit = 20\n"), encoding="utf-8")
    assert main(["policy", str(ours)]) == 0
    assert "accept → reply: 20 days" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="exists"):
        main(["policy", "2022", "--copy", str(ours)])
    (tmp_path / "bad.toml").write_text("limit = \n", encoding="utf-8")
    assert main(["policy", str(tmp_path / "bad.toml")]) == 2
    assert "bad.toml" in capsys.readouterr().err
    # the local policy drives the explorer: its own name in the policy list, its own limits
    from workbench.views.explorer import DelayExplorer

    e = DelayExplorer(hand_ledger, policy=str(ours), as_of="2025-07-01")
    e.widget()
    assert e.policy_name == "jiangnan" and "jiangnan" in [v for _, v in e._w_policy.options]
    # with 20 days every reply is late (A: 03-06 + 20 = 03-26, replied 04-01; G: due 04-14,
    # replied 04-20) and D (due 06-11) is open past it; H (06-12 + 20 = 07-02) is not yet due
    assert e.panel().loc[("on_time", "unit", "件次"), ["numerator", "denominator"]].tolist() == [0, 5]
    e._w_policy.value = "2022"
    assert e.policy_name == "2022"
    assert e.panel().loc[("on_time", "unit", "件次"), ["numerator", "denominator"]].tolist() == [2, 4]


def test_blame_workbook_and_network(tmp_path, capsys):
    import networkx as nx
    import pandas as pd

    import workbench as wb
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=5)
    files = [str(tmp_path / "s" / "ledger.xlsx"), str(tmp_path / "s" / "events.csv")]
    out = tmp_path / "责任倒查.xlsx"
    assert main(["blame", *files, "--out", str(out), "--network", str(tmp_path / "net.graphml")]) == 0
    printed = capsys.readouterr().out
    assert "accountability workbook written" in printed and "transfer network" in printed
    sheets = pd.read_excel(out, sheet_name=None, engine="calamine")
    assert list(sheets) == ["说明", "单位问责", "包案领导问责", "推诿单位对", "超期责任明细", "办理链条"]
    book = wb.load(files)
    clocks = wb.clocks(book)
    late = clocks.loc[(clocks["days_late"] > 0) & (clocks["party"] != "petitioner"), "days_late"].sum()
    # every late day of every clock is charged to some unit, and nothing else is
    assert sheets["超期责任明细"]["归责超期天数"].sum() == pytest.approx(float(late), abs=0.01 * len(sheets["超期责任明细"]))
    assert sheets["单位问责"]["归责超期天数"].sum() == pytest.approx(float(late), abs=0.1 * len(sheets["单位问责"]))
    G = nx.read_graphml(tmp_path / "net.graphml")
    assert G.number_of_nodes() > 50 and G.number_of_edges() > G.number_of_nodes()
    en = tmp_path / "blame.xlsx"
    assert main(["blame", *files, "--out", str(en), "--lang", "en"]) == 0
    assert list(pd.read_excel(en, sheet_name=None, engine="calamine"))[-1] == "Custody chains"
    with pytest.raises(SystemExit, match="gexf"):
        main(["blame", *files, "--out", str(en), "--network", str(tmp_path / "net.png")])
