"""Notebooks executed end to end, as a user would run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.notebooks import external_references, run_notebook

from .notebook_support import ROOT, in_page, rendered_page


@pytest.mark.slow
def test_start_here_runs_on_bundled_sample_and_renders_offline(tmp_path):
    html = rendered_page("00_start_here.ipynb", tmp_path / "start.html")
    # the quality account and the figures are in the page
    assert "读入" in html and "隔离" in html
    for title in ("每月信访件数", "信访问题分类前15位", "信访件数按问题属地"):  # figure titles (JSON-escaped in the page)
        assert in_page(html, title), title
    # plotly.js is inlined, nothing is fetched from the network
    assert html.count("Plotly.newPlot") >= 3 and "plotly.js v" in html
    assert external_references(html) == []


def test_start_here_runs_in_english_on_a_small_sample(tmp_path):
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    nb = run_notebook(ROOT / "notebooks" / "00_start_here.ipynb", parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en"})
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "Casebook 1500 cases" in text
    assert "read 1503" in text and "quarantined 3" in text  # the sample's three planted broken ledger rows


@pytest.mark.slow
def test_delays_notebook_runs_on_bundled_sample_and_renders_offline(tmp_path):
    html = rendered_page("01_delays.ipynb", tmp_path / "delays.html")

    def has(s: str) -> bool:
        return in_page(html, s)

    for s in ("及时受理率", "按期办结率", "群众满意率", "超期件数", "各环节用时", "超期率排名", "在办件账龄"):
        assert has(s), s
    assert html.count("Plotly.newPlot") >= 6
    assert external_references(html) == []
    # the planted overdue leader (唐婷娜) heads the ranking and owns the timeline's case
    assert has("唐婷娜")
    # no widget state in a shared page: it stays a few megabytes (plotly.js once)
    assert len(html) < 8_000_000


def test_delays_notebook_in_english_on_a_small_sample(tmp_path):
    from workbench.sample import write_sample

    write_sample(tmp_path / "s", n_cases=1500, seed=3)
    nb = run_notebook(ROOT / "notebooks" / "01_delays.ipynb",
                      parameters={"SAMPLE": str(tmp_path / "s"), "LANGUAGE": "en", "PERIOD": "2024"})
    blobs = "\n".join(str(o.get("data", {})) + str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "On-time" in blobs or "on-time" in blobs
    assert "timely acceptance" in blobs.lower()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def _all_notebooks() -> list[Path]:
    """Every notebook a user or the workbench opens: notebooks/ (with training/) and the report
    and dashboard templates shipped inside the package."""
    found = sorted((ROOT / "notebooks").rglob("*.ipynb")) + sorted((ROOT / "workbench").rglob("*.ipynb"))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


@pytest.mark.parametrize("path", _all_notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_are_stored_without_outputs_and_open_in_python3(path):
    """Kept reviewable in version control: no outputs, no execution counts, no widget state; and a
    user who double-clicks one in JupyterLab gets the python3 kernel without being asked."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook with no code"
    assert [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)] == []
    assert "widgets" not in nb.metadata
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
