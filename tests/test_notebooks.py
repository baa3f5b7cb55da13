"""Notebooks executed end to end, as a user would run them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.notebooks import run_notebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_start_here_runs_on_bundled_sample_and_renders_offline(tmp_path):
    out = run_notebook(ROOT / "notebooks" / "00_start_here.ipynb", tmp_path / "start.html")
    html = out.read_text(encoding="utf-8")
    # the quality account and the figures are in the page
    assert "读入" in html and "隔离" in html
    assert "每月信访件数" in html and "信访问题分类前15位" in html
    # plotly.js is inlined, not fetched
    assert "cdn.plot.ly" not in html and "plotly-latest" not in html
    assert html.count("Plotly.newPlot") >= 3
    assert not re.search(r"<script[^>]+src=\"https?://[^\"]*plotly", html)


def test_start_here_runs_in_english_on_a_small_sample(tmp_path):
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    nb = run_notebook(ROOT / "notebooks" / "00_start_here.ipynb", parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en"})
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "Casebook 1500 cases" in text
    assert "read 1500" in text
