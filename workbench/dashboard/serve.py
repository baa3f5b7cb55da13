"""Start the dashboard: Voila serving ``dashboard.ipynb`` on 127.0.0.1 only, the data path, role
and language handed to its kernel through environment variables.

What the page loads stays on this machine: Voila's own scripts and the installed JupyterLab
extensions (widgets, anywidget), the workbench's page template (``share/voila/templates/workbench``,
which leaves out the Font Awesome stylesheets Voila's template links from a CDN) and plotly's
figure widget script, copied into a folder of this run and served as ``/voila/static/…``.

>>> cmd = voila_command(8866)
>>> cmd[1:3] == ["-m", "voila"], cmd[3] == str(NOTEBOOK), "--Voila.ip=127.0.0.1" in cmd, "--port=8866" in cmd
(True, True, True, True)
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from ..i18n import lang, text

__all__ = ["DATA_ENV", "DEFAULT_PORT", "NOTEBOOK", "PLOTLY_ENV", "TOKEN_ENV", "DashboardError", "check_role",
           "dashboard_env", "dashboard_url", "default_data", "page_assets", "serve", "voila_command"]

#: the page: a notebook calling :func:`workbench.dashboard.app.dashboard`
NOTEBOOK = Path(__file__).resolve().with_name("dashboard.ipynb")
#: the data path the dashboard's kernel loads
DATA_ENV = "WORKBENCH_DASHBOARD_DATA"
#: the name of plotly's widget script under ``/voila/static/`` (set when the page serves it)
PLOTLY_ENV = "WORKBENCH_DASHBOARD_PLOTLY"
#: a fixed login token instead of a fresh one per run (scripts and tests)
TOKEN_ENV = "WORKBENCH_DASHBOARD_TOKEN"
DEFAULT_PORT = 8866
TEMPLATE = "workbench"
_SHARE = Path(__file__).resolve().with_name("share")  # a Jupyter data folder: voila/templates/workbench
_PLOTLY_STATIC = "wb-plotly-widget.js"
_HOST = "127.0.0.1"  # this machine only: the page shows personal data (DESIGN §9)


class DashboardError(ValueError):
    """What stops the dashboard, said for a user who does not code (the message is shown as is)."""


def default_data() -> Path | None:
    """The bundled synthetic sample (``data/sample`` of the checkout), if it can be found."""
    from ..config import bundled_sample

    return bundled_sample()


def check_role(role: str, language: str | None = None) -> str:
    """``role`` if it is one of the workbench's roles, else a :class:`DashboardError`.

    >>> check_role("analyst")
    'analyst'
    """
    from ..privacy.masking import ROLES

    if role not in ROLES:
        raise DashboardError(text("dash.error.role", language, role=role))
    return role


def page_assets(folder: str | Path) -> Path:
    """Make ``folder`` a Jupyter data folder holding what the page serves besides Voila's own
    files: plotly's figure widget script, copied from the installed plotly (so it matches the
    kernel's; a link would be refused, the static server serves nothing that resolves outside its
    folder) to ``/voila/static/wb-plotly-widget.js``. Returns ``folder``."""
    import importlib.util
    import shutil

    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("plotly is not installed")
    bundle = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "widgetbundle.js"
    static = Path(folder) / "voila" / "templates" / TEMPLATE / "static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle, static / _PLOTLY_STATIC)
    return Path(folder)


def dashboard_env(data: str | Path | None = None, role: str | None = None, language: str | None = None,
                  key_file: str | Path | None = None, base: Mapping[str, str] | None = None,
                  assets: str | Path | None = None, token: str | None = None) -> dict[str, str]:
    """The environment Voila and its kernel run with: ``base`` (default: this process's) plus

    - the workbench settings as resolved here (``WORKBENCH_*``: env, then the ``pyproject.toml`` /
      ``workbench.toml`` of this folder — the kernel runs in the package's folder, so it would not
      find them — with file paths made absolute), ``role`` / ``language`` / ``key_file`` winning;
    - ``WORKBENCH_DASHBOARD_DATA``: the data path (default: the bundled sample);
    - ``JUPYTER_PATH``: finds the page's template (and ``assets``, made by :func:`page_assets`);
    - ``JUPYTER_TOKEN``: ``token``, the page's login token (an environment variable, unlike a
      command-line argument, is not visible to other users of the machine).

    >>> env = dashboard_env("/srv/ledger", role="analyst", language="en", key_file="/k/key", base={})
    >>> env["WORKBENCH_DASHBOARD_DATA"], env["WORKBENCH_ROLE"], env["WORKBENCH_LANGUAGE"]
    ('/srv/ledger', 'analyst', 'en')
    >>> env["WORKBENCH_PSEUDONYM_KEY_FILE"]
    '/k/key'
    """
    from dataclasses import asdict

    from ..config import Config

    env = dict(os.environ if base is None else base)
    settings = {k: str(v) for k, v in asdict(Config.resolve(env=env)).items() if v is not None}
    if role is not None:
        settings["role"] = check_role(role, language)
    if language is not None:
        settings["language"] = language
    if key_file is not None:
        settings["pseudonym_key_file"] = str(key_file)
    for name, value in settings.items():
        if name == "pseudonym_key_file" or (name not in ("role", "language") and Path(value).exists()):
            value = str(Path(value).expanduser().absolute())
        env[f"WORKBENCH_{name.upper()}"] = value
    path = Path(data) if data is not None else default_data()
    if path is None:
        raise DashboardError(text("dash.error.no_default", language or settings.get("language")))
    env[DATA_ENV] = str(path.expanduser().absolute())
    roots = [str(Path(assets).absolute())] if assets is not None else []
    roots.append(str(_SHARE))
    if env.get("JUPYTER_PATH"):
        roots.append(env["JUPYTER_PATH"])
    env["JUPYTER_PATH"] = os.pathsep.join(roots)
    if assets is not None:
        env[PLOTLY_ENV] = _PLOTLY_STATIC
    if token is not None:
        env["JUPYTER_TOKEN"] = token
    return env


def voila_command(port: int, notebook: str | Path = NOTEBOOK, python: str = sys.executable,
                  token: bool = True) -> list[str]:
    """``python -m voila`` serving ``notebook`` on 127.0.0.1:``port``: code hidden, errors not
    sent to the page as tracebacks, the workbench's template, cells shown as they finish
    (progressive rendering: the header appears while the ledger loads) and, with ``token``, a
    login token (``JUPYTER_TOKEN``, see :func:`dashboard_env`)."""
    cmd = [python, "-m", "voila", str(notebook),
           "--no-browser", f"--Voila.ip={_HOST}", f"--port={port}", "--Voila.port_retries=0",
           f"--template={TEMPLATE}", "--theme=light", "--strip_sources=True", "--show_tracebacks=False",
           "--VoilaConfiguration.progressive_rendering=True"]
    if token:
        cmd.append("--token")
    return cmd


def dashboard_url(port: int, token: str | None = None) -> str:
    """Where the page is (with its token).

    >>> dashboard_url(8866, "abc")
    'http://127.0.0.1:8866/?token=abc'
    """
    return f"http://{_HOST}:{port}/" + (f"?token={token}" if token else "")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((_HOST, port))
        except OSError:
            return False
    return True


def _any_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((_HOST, 0))
        return int(s.getsockname()[1])


def _check_access(data: Path, role: str, key_file: str | None, language: str) -> None:
    """What the privacy rules refuse, said before the server starts (the page would say it
    too): an analyst without a pseudonym key, a trainer on data that is not the synthetic sample."""
    from ..privacy import masker_for, require_synthetic

    if role == "analyst":
        masker_for(role, key_file=key_file, language=language)
    if role == "trainer":
        require_synthetic(data)


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):  # our own server, on 127.0.0.1
                return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            time.sleep(0.3)
    return False


def serve(port: int | None = None, data: str | Path | None = None, role: str | None = None,
          open_browser: bool = False, language: str | None = None, key_file: str | Path | None = None) -> int:
    """Run the dashboard until Ctrl+C (or until Voila stops); returns Voila's exit code.

    port: default 8866, or a free one when 8866 is taken; a port given and taken is an error.
    data: a ledger folder or file (default: the bundled sample). role / language / key_file:
    the settings the page runs with (default: the configured ones). Prints the URL; it carries a
    token made for this run (or ``$WORKBENCH_DASHBOARD_TOKEN``), so other users of the machine
    cannot open the page. ``open_browser``: open it in the default browser once it answers.

    Raises :class:`DashboardError` for a missing data path, an unknown role or a taken port, and
    :class:`~workbench.privacy.PrivacyError` for an analyst without a key or a trainer on real
    data — all before anything starts.
    """
    import importlib.util

    env = dashboard_env(data, role, language, key_file)
    lg = lang(language or env.get("WORKBENCH_LANGUAGE"))
    data_path = Path(env[DATA_ENV])
    if not data_path.exists():
        raise DashboardError(text("dash.error.no_data", lg, data=data_path))
    _check_access(data_path, env["WORKBENCH_ROLE"], env.get("WORKBENCH_PSEUDONYM_KEY_FILE"), lg)
    if importlib.util.find_spec("voila") is None:
        raise DashboardError(text("dash.error.no_voila", lg))
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _any_free_port()
    elif not _port_free(port):
        raise DashboardError(text("dash.error.port_busy", lg, port=port))
    token = os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="workbench-dashboard-") as assets:
        env = dashboard_env(data, role, language, key_file, assets=page_assets(assets), token=token)
        return _run(voila_command(port), env, port, token, open_browser, lg)


def _run(cmd: list[str], env: dict[str, str], port: int, token: str, open_browser: bool, lg: str) -> int:
    """Run Voila until it stops or Ctrl+C; never leave it running behind this process (a
    terminate signal or a closed terminal stops it too)."""
    import signal
    import threading

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    proc = subprocess.Popen(cmd, env=env)
    try:
        if _wait_ready(dashboard_url(port) + "voila/static/voila.js", proc):
            url = dashboard_url(port, token)
            print(text("dash.serving", lg, url=url), flush=True)
            if open_browser:
                import webbrowser

                webbrowser.open(url)
        return proc.wait()
    except KeyboardInterrupt:
        print(text("dash.stopped", lg), flush=True)
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if main:
            signal.signal(signal.SIGTERM, previous)
