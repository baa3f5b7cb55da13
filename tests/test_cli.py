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
    assert pages == ["00_start_here.html", "01_delays.html"]
    for p in (tmp_path / "out").glob("*.html"):
        assert external_references(p.read_text(encoding="utf-8")) == []
    assert capsys.readouterr().out.count("rendered ") == 2
    with pytest.raises(SystemExit, match="no notebook"):
        main(["render", "--notebook", "99_nothing"])
