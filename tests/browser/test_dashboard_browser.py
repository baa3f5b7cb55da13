"""A supervisor starts ``workbench dashboard`` and works in the browser: the first figure appears,
a filter redraws it through the live kernel, another tab builds its explorer — and the page fetches
nothing from outside this machine. Driven in Debian's chromium with every non-local request
blocked (fixtures in conftest.py)."""

from __future__ import annotations

import sys
import time

import pytest

from .support import free_port, serve

TOKEN = "workbench-dashboard-test"

# the first drawn figure of the open tab: its traces (values, texts) and title, to see it change
_FIGURE = """() => {
  const d = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .find(e => e.offsetParent !== null && (e.data || []).length > 0);
  if (!d) return null;
  const title = d.layout && d.layout.title ? String(d.layout.title.text || d.layout.title) : '';
  return JSON.stringify({title, data: d.data.map(t => [t.type, t.value, t.text, t.z, t.x, t.y])});
}"""


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from workbench.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("dash") / "s", n_cases=1500, seed=3)


def test_dashboard_draws_filters_live_and_stays_offline(offline, small_sample, tmp_path):
    port = free_port()
    cmd = [sys.executable, "-m", "workbench.dashboard", "--port", str(port), "--data", str(small_sample),
           "--role", "supervisor", "--lang", "zh"]
    env = {"WORKBENCH_DASHBOARD_TOKEN": TOKEN, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")}
    page = offline.page
    base = f"http://127.0.0.1:{port}/"
    with serve(cmd, base + "voila/static/voila.js", env=env, timeout=120, log=tmp_path / "dashboard.log"):
        t0 = time.perf_counter()
        page.goto(f"{base}?token={TOKEN}", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(".wb-dash-title", timeout=90_000)
        header_s = time.perf_counter() - t0
        page.wait_for_function(f"() => ({_FIGURE})() !== null", timeout=120_000)
        page.wait_for_selector(".js-plotly-plot .main-svg")
        first_figure_s = time.perf_counter() - t0
        print(f"\ndashboard: header after {header_s:.1f} s, first figure after {first_figure_s:.1f} s")
        assert "1,500 件信访事项" in page.inner_text(".wb-dash-quality")
        offline.shot("dashboard_delays")

        # a filter: the delays explorer's period picker → the KPI tiles are recomputed by the kernel
        before = page.evaluate(_FIGURE)
        period = page.locator(".widget-dropdown select").first
        assert "2024年" in period.locator("option").all_inner_texts()
        period.select_option(label="2024年")
        page.wait_for_function(f"(b) => {{ const now = ({_FIGURE})(); return now !== null && now !== b; }}",
                               arg=before, timeout=30_000)
        after = page.evaluate(_FIGURE)
        assert after != before
        offline.shot("dashboard_delays_2024")

        # another tab: its explorer is built when first opened, and draws
        page.locator(".lm-TabBar-tab", has_text="责任倒查").first.click()
        page.wait_for_selector("text=责任倒查台", timeout=60_000)
        page.wait_for_function(f"(b) => {{ const now = ({_FIGURE})(); return now !== null && now.includes('责任倒查'); }}",
                               arg=after, timeout=60_000)
        offline.shot("dashboard_blame")
        visible_error = page.locator(".wb-dash-error").count()

    assert visible_error == 0
    assert offline.blocked == [], offline.blocked
    assert offline.console_errors == [], offline.console_errors
