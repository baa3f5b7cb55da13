"""Browser tests: Playwright for Python driving Debian's chromium (no browser download).

Every test in this folder is marked ``browser``. The ``offline`` page aborts every request that
does not stay on this machine (file:, data:, blob:, about:, 127.0.0.1, localhost, [::1]) and
records it, with the console errors, so a test can assert that a page works with no network.
Screenshots go to ``artifacts/browser/`` (kept by CI as test artifacts)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome-extension", "devtools"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    return None


def is_local(url: str) -> bool:
    """Whether a request stays on this machine.

    >>> is_local("http://127.0.0.1:8866/voila/static/x.js"), is_local("https://cdn.plot.ly/a.js")
    (True, False)
    """
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS or parts.netloc.startswith("[::1]")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("Debian's chromium is not installed (bash scripts/test.sh installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (it is in the test extra)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


@dataclass
class OfflinePage:
    page: object
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def offline(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                              service_workers="block")
    page = ctx.new_page()
    op = OfflinePage(page)

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            op.blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page.on("console", lambda m: op.console_errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: op.console_errors.append(f"pageerror: {e}"))
    yield op
    ctx.close()
