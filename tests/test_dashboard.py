"""The dashboard (workbench.dashboard): the Voila command and its environment, the page notebook,
the page itself driven without a browser, and the notebook executed headless on a small sample.
The page in a real browser is tests/browser/test_dashboard_browser.py."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

from workbench.dashboard import NOTEBOOK, DashboardError, dashboard_env, serve, voila_command
from workbench.dashboard.serve import DATA_ENV, PLOTLY_ENV, dashboard_url, page_assets

SHARE = Path(NOTEBOOK).with_name("share")


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from workbench.sample import write_sample

    return write_sample(tmp_path_factory.mktemp("dash") / "s", n_cases=1500, seed=3)


@pytest.fixture(scope="module")
def page(small_sample):
    """The supervisor's page over the small sample, started (its first tab built)."""
    from workbench.dashboard.app import Dashboard

    d = Dashboard(small_sample, language="zh")
    d.start()
    return d


def _walk(w):
    yield w
    for c in getattr(w, "children", None) or ():
        yield from _walk(c)


# ---------------------------------------------------------------------------- the command


def test_voila_command_serves_this_machine_only_with_code_hidden_and_a_token():
    cmd = voila_command(8870, python="py")
    assert cmd[:4] == ["py", "-m", "voila", str(NOTEBOOK)]
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8870" in cmd and "--Voila.port_retries=0" in cmd
    assert "--no-browser" in cmd and "--template=workbench" in cmd
    assert "--strip_sources=True" in cmd and "--show_tracebacks=False" in cmd
    assert "--VoilaConfiguration.progressive_rendering=True" in cmd
    assert "--token" in cmd and not any("token=" in a for a in cmd)  # the token travels in the environment
    assert "--token" not in voila_command(8870, token=False)
    assert not any("0.0.0.0" in a for a in cmd)
    assert dashboard_url(8870, "t") == "http://127.0.0.1:8870/?token=t"


def test_environment_carries_data_role_language_key_and_template(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ledger").mkdir()
    (tmp_path / "k.key").write_text("00" * 32)
    env = dashboard_env("ledger", role="analyst", language="en", key_file="k.key", base={"PATH": "/bin"},
                        assets=tmp_path / "assets", token="tok")
    assert env["PATH"] == "/bin"
    assert env[DATA_ENV] == str(tmp_path / "ledger")  # absolute: the kernel runs elsewhere
    assert env["WORKBENCH_ROLE"] == "analyst" and env["WORKBENCH_LANGUAGE"] == "en"
    assert env["WORKBENCH_PSEUDONYM_KEY_FILE"] == str(tmp_path / "k.key")
    assert env["JUPYTER_TOKEN"] == "tok"
    assert env[PLOTLY_ENV] == "wb-plotly-widget.js"
    roots = env["JUPYTER_PATH"].split(":")
    assert roots[:2] == [str(tmp_path / "assets"), str(SHARE)]
    # without assets the plotly script is not redirected; an existing JUPYTER_PATH is kept last
    env = dashboard_env("ledger", base={"JUPYTER_PATH": "/x"})
    assert PLOTLY_ENV not in env and "JUPYTER_TOKEN" not in env
    assert env["JUPYTER_PATH"].split(":") == [str(SHARE), "/x"]


def test_environment_takes_the_callers_settings_file(tmp_path, monkeypatch):
    """The kernel runs in the package's folder: the settings of the folder the dashboard was started
    in must travel with it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workbench.toml").write_text('role = "trainer"\nlanguage = "en"\npolicy = "ours.toml"\n')
    (tmp_path / "ours.toml").write_text("")
    env = dashboard_env(tmp_path, base={})
    assert env["WORKBENCH_ROLE"] == "trainer" and env["WORKBENCH_LANGUAGE"] == "en"
    assert env["WORKBENCH_POLICY"] == str(tmp_path / "ours.toml")
    # an environment setting wins over the file, an argument over both
    env = dashboard_env(tmp_path, base={"WORKBENCH_ROLE": "analyst"})
    assert env["WORKBENCH_ROLE"] == "analyst"
    assert dashboard_env(tmp_path, role="supervisor", base={"WORKBENCH_ROLE": "analyst"})["WORKBENCH_ROLE"] == "supervisor"


def test_unknown_role_is_refused_by_name():
    with pytest.raises(DashboardError, match="boss"):
        dashboard_env("x", role="boss", base={})


def test_the_page_template_fetches_nothing_from_outside(tmp_path):
    from workbench.notebooks import external_references

    tpl = SHARE / "voila" / "templates" / "workbench"
    assert json.loads((tpl / "conf.json").read_text())["base_template"] == "lab"
    page_tpl = (tpl / "index.html.j2").read_text(encoding="utf-8")
    assert "super.super()" in page_tpl  # the lab template's CSS block (with its CDN links) is skipped
    assert external_references(page_tpl) == []
    # Voila's own lab template is what we replace: it does link Font Awesome from a CDN
    lab = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "lab" / "index.html.j2"
    if lab.is_file():
        assert "cdn.jsdelivr.net" in lab.read_text(encoding="utf-8")
    # the plotly widget script served by the page is the installed plotly's
    import plotly

    out = page_assets(tmp_path) / "voila" / "templates" / "workbench" / "static" / "wb-plotly-widget.js"
    bundle = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
    assert out.read_bytes() == bundle.read_bytes() and not out.is_symlink()


# ---------------------------------------------------------------------------- serve refuses bad input


def test_serve_refuses_a_missing_data_folder_before_starting(tmp_path):
    with pytest.raises(DashboardError, match="no-such-folder"):
        serve(data=tmp_path / "no-such-folder", language="en")


def test_serve_refuses_a_taken_port(small_sample):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(DashboardError, match=f"port {port} cannot be used"):
            serve(port=port, data=small_sample, language="en")


def test_serve_refuses_an_analyst_without_a_key(small_sample, monkeypatch):
    from workbench.privacy import PrivacyError

    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(PrivacyError, match="workbench key new"):
        serve(data=small_sample, role="analyst", language="en")


def test_serve_refuses_a_trainer_on_real_data(tmp_path):
    from workbench.privacy import PrivacyError

    (tmp_path / "台账.csv").write_text("信访件编号,信访日期\nA1,2025-01-02\n", encoding="utf-8")
    with pytest.raises(PrivacyError, match="台账.csv"):
        serve(data=tmp_path, role="trainer", language="en")


def test_cli_says_what_is_wrong_and_exits_2(tmp_path, capsys):
    import argparse

    from workbench.dashboard.cli import register

    p = argparse.ArgumentParser()
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(["dashboard", "--data", str(tmp_path / "missing"), "--lang", "en"])
    assert args.func(args) == 2
    err = capsys.readouterr().err
    assert "cannot find the data" in err and "missing" in err and "Traceback" not in err


# ---------------------------------------------------------------------------- the notebook


def test_notebook_is_stored_valid_and_without_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.outputs for c in code] == [[] for _ in code]
    assert all(c.execution_count is None for c in code)
    src = "\n".join(c.source for c in code)
    assert "dashboard(start=False)" in src and "page.start()" in src  # header first, then the data


def test_notebook_runs_headless_on_a_small_sample(small_sample, tmp_path, monkeypatch):
    import nbformat

    from workbench.notebooks import run_notebook

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json; print(json.dumps({'status': page.status, 'built': sorted(page.explorers),"
        " 'errors': page.errors, 'role': page.role}, ensure_ascii=False))"))
    copy = tmp_path / "dashboard.ipynb"
    nbformat.write(nb, copy)
    monkeypatch.setenv(DATA_ENV, str(small_sample))
    monkeypatch.setenv("WORKBENCH_ROLE", "supervisor")
    monkeypatch.setenv("WORKBENCH_LANGUAGE", "en")
    done = run_notebook(copy, timeout=300)
    outputs = [o for c in done.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    report = json.loads(outputs[-1]["text"])
    # the sample's three planted broken ledger rows are counted; only the first tab is built
    assert report["status"].startswith("1,500 cases, 2023-01-")
    assert "ledger rows read 1503 = taken" in report["status"] and "quarantined 3" in report["status"]
    assert report == {**report, "built": ["delays"], "errors": {}, "role": "supervisor"}
    # the page is one widget: the header, the quality line, the tabs
    assert [o.output_type for o in outputs[:-1]] == ["display_data"]
    assert "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]


# ---------------------------------------------------------------------------- the page, without a browser


def test_page_shows_the_quality_line_and_builds_tabs_when_opened(page, small_sample):
    assert page.status.startswith("1,500 件信访事项，2023-01-")
    assert "台账读入 1503 行" in page.status and "隔离 3" in page.status
    assert page.status in page._quality.value
    assert list(page.explorers) == ["delays"]  # the other tabs wait until they are opened
    box = page.widget()
    tabs = box.children[2]
    assert [tabs.get_title(i) for i in range(4)] == ["超期督办", "责任倒查", "重复信访与积案", "热点研判"]
    tabs.selected_index = 3
    assert list(page.explorers) == ["delays", "hotspots"]
    assert page._panes[3].children[0] is page.explorers["hotspots"].widget()
    tabs.selected_index = 3  # again: nothing rebuilt
    assert list(page.explorers) == ["delays", "hotspots"]


def test_first_tab_figures_are_sent_whole(page):
    """Voila connects the browser after the notebook ran: the figures' state must hold the data,
    not only the deltas sent before (see resync_figures)."""
    from plotly.basewidget import BaseFigureWidget

    figs = [w for w in _walk(page._panes[0]) if isinstance(w, BaseFigureWidget) and len(w.data)]
    assert figs, "the delays tab draws figures"
    for f in figs:
        assert len(f._widget_data) == len(f.data)
        assert f._widget_layout.get("width") == page.width


def test_served_plotly_script_replaces_the_inline_bundle():
    import plotly.graph_objects as go
    from plotly.basewidget import BaseFigureWidget

    from workbench.dashboard.app import use_served_plotly_script

    before = BaseFigureWidget._esm
    try:
        assert use_served_plotly_script("") is False
        assert use_served_plotly_script("wb-plotly-widget.js") is True
        esm = go.FigureWidget()._esm
        assert len(esm) < 1000 and '"wb-plotly-widget.js"' in esm and "import(url)" in esm
    finally:
        BaseFigureWidget._esm = before
    assert len(go.FigureWidget()._esm) > 1_000_000  # the inline bundle again


def test_errors_are_shown_in_words(tmp_path):
    from workbench.dashboard.app import Dashboard

    d = Dashboard(tmp_path / "nowhere", language="en")
    d.start()
    assert d.status.startswith("The ledger could not be loaded: cannot find the data")
    assert str(tmp_path / "nowhere") in d._quality.value and "Traceback" not in d._quality.value
    assert d._tabs.layout.display == "none"  # no empty tabs under an error
    # a folder without a ledger: the loader's own message
    (tmp_path / "empty").mkdir()
    d = Dashboard(tmp_path / "empty", language="en")
    d.start()
    assert d.status.startswith("The ledger could not be loaded:") and "empty" in d.status


def test_a_failing_tab_leaves_the_others_usable(small_sample, capfd):
    from workbench.dashboard.app import Dashboard

    class Tiny:
        def widget(self):
            import ipywidgets as w

            return w.HTML("ok")

    def boom(book):
        raise RuntimeError("secret detail 110105194912310021")

    d = Dashboard(small_sample, language="en", make={"delays": lambda book: Tiny(), "blame": boom})
    d.start()
    d._tabs.selected_index = 1
    assert d.errors["blame"] == ("“Blame chains” could not be built: an internal error (RuntimeError); "
                                 "the details are in the terminal that started the dashboard")
    shown = d._panes[1].children[0].value
    assert "RuntimeError" in shown and "secret detail" not in shown  # the detail goes to the terminal only
    assert "secret detail" in capfd.readouterr().err
    d._tabs.selected_index = 0
    assert d._panes[0].children[0].value == "ok"


def test_analyst_page_passes_the_role_and_leaks_no_petitioner(small_sample, tmp_path, monkeypatch):
    from workbench.dashboard.app import Dashboard
    from workbench.privacy import Guard, new_key

    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY_FILE", str(new_key(tmp_path / "analyst.key")))
    d = Dashboard(small_sample, role="analyst", language="zh", make={"delays": lambda book: _Empty()})
    d.start()
    d._tabs.selected_index = 2
    assert d.role == "analyst" and d.explorers["persons"].role == "analyst"
    assert "分析研判人员（化名显示）" in d.widget().children[0].value
    html = " ".join(w.value for w in _walk(d._panes[2]) if hasattr(w, "value") and isinstance(w.value, str))
    assert "化名-" in html
    assert Guard.for_book(d.book, role="analyst").scan_widget(d.widget(), "dashboard") == []


class _Empty:
    def widget(self):
        import ipywidgets as w

        return w.VBox()
