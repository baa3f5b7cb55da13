"""A user clones the repository, opens JupyterLab on the start notebook and runs it: a chart
appears. Driven in Debian's chromium with every non-local request blocked."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .support import free_port, serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "workbench-browser-test"


def _lab_root(tmp: Path) -> Path:
    """A copy of the start notebook beside a link to the bundled sample, so the lab can save what
    it likes without touching the checkout (the notebook reads ``../data/sample``)."""
    (tmp / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "00_start_here.ipynb", tmp / "notebooks")
    (tmp / "data").symlink_to(ROOT / "data", target_is_directory=True)
    return tmp


def test_start_notebook_runs_in_jupyterlab_and_draws_a_chart(offline, tmp_path):
    from workbench.cli import quiet_lab_settings

    root = _lab_root(tmp_path)
    assert quiet_lab_settings() is not None  # what `workbench lab` does before it starts the lab
    port = free_port()
    # a workspace and user settings of its own: no tabs restored from an earlier session
    env = {"WORKBENCH_LANGUAGE": "zh", "WORKBENCH_ROLE": "supervisor"}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root",
           f"--LabApp.user_settings_dir={tmp_path / 'user-settings'}",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}"]
    base = f"http://127.0.0.1:{port}"
    page = offline.page
    with serve(cmd, f"{base}/api/status?token={TOKEN}", cwd=root, env=env, log=tmp_path / "lab.log"):
        page.goto(f"{base}/lab/tree/notebooks/00_start_here.ipynb?token={TOKEN}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        # the kernel is up when the status bar says so; then the notebook takes the command
        page.wait_for_function("() => /\\| *(Idle|空闲)/.test(document.querySelector('.jp-StatusBar-Widget')"
                               " ? document.body.innerText : '')", timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        for _ in range(3):  # the menu can open before the command is enabled: try again until a cell runs
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            try:
                page.wait_for_function("() => [...document.querySelectorAll('.jp-InputArea-prompt')]"
                                       ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))", timeout=20_000)
                break
            except Exception:  # playwright's TimeoutError: try once more
                page.keyboard.press("Escape")
        try:
            # every code cell has run (a number in its prompt, none pending) and the charts are drawn
            page.wait_for_function(
                "() => { const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];"
                " return ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)); }", timeout=240_000)
            page.wait_for_selector(".jp-OutputArea .js-plotly-plot .main-svg", state="attached", timeout=60_000)
        finally:
            offline.shot("jupyterlab_start_here")
        n = page.locator(".jp-OutputArea .js-plotly-plot .main-svg").count()
        tracebacks = page.locator("[data-mime-type='application/vnd.jupyter.error']").count()
        errors = [e for e in offline.console_errors if "plotly" in e.lower() or "workbench" in e.lower()]
    assert n >= 4  # the three overview charts and the filtered categories
    assert tracebacks == 0
    assert errors == []
    assert offline.blocked == [], offline.blocked
