"""The dashboard page (督查工作台看板): a title, the ledger's quality line and one tab per explorer
(超期督办 · 责任倒查 · 重复信访与积案 · 热点研判), each explorer built when its tab is first opened.

It is what ``dashboard.ipynb`` shows under Voila; the notebook only calls :func:`dashboard`.
Everything a user could trip over — a wrong data folder, a ledger that cannot be read, a role
that needs a pseudonym key — is shown as a plain sentence on the page, never as a stack trace; the
traceback of anything unexpected goes to the terminal that started the dashboard.

>>> Dashboard("no/such/folder", language="en").open("delays")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
workbench.dashboard.serve.DashboardError: cannot find the data no/such/folder: give the ledger folder ...
"""

from __future__ import annotations

import html
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..i18n import lang, text
from .serve import DATA_ENV, PLOTLY_ENV, DashboardError, check_role, default_data

__all__ = ["TABS", "Dashboard", "DashboardError", "dashboard", "quality_line", "resync_figures",
           "use_served_plotly_script"]

#: the explorers, in tab order
TABS = ("delays", "blame", "persons", "hotspots")
#: figure width in pixels: the page is about 1400 px wide, and a figure widget does not follow its box
WIDTH = 1240

# A figure widget's script as a small module that imports plotly's widget script from the
# dashboard's own server (``/voila/static/…``, put there by ``serve``) and hands its widget to
# anywidget. Otherwise every figure widget carries plotly's 5 MB script in its state and the
# browser runs one copy per widget, while anywidget gives each two seconds to start: a tab of a
# dozen figures overruns that and shows empty ones. The URL is built in the browser from the page's
# base URL, so it is the page's own origin whatever host name the user typed.
_PLOTLY_LOADER = """\
const base = (document.body && document.body.dataset.baseUrl) || "/voila/";
const url = new URL(base + "static/" + %s, window.location.href).href;
export default async () => {
  const mod = await import(url);
  return typeof mod.default === "function" ? await mod.default() : mod.default;
};
"""


def use_served_plotly_script(name: str | None = None) -> bool:
    """Make plotly figure widgets made from now on load their script from the dashboard's server
    (``name`` under ``/voila/static/``; default ``$WORKBENCH_DASHBOARD_PLOTLY``, set by ``serve``).
    Returns whether it did: outside the dashboard nothing changes."""
    import json

    name = name if name is not None else os.environ.get(PLOTLY_ENV)
    if not name:
        return False
    from plotly.basewidget import BaseFigureWidget

    BaseFigureWidget._esm = _PLOTLY_LOADER % json.dumps(name)  # anywidget reads it per new widget
    return True


def resync_figures(root) -> int:
    """Send every plotly figure widget under ``root`` (a widget tree) to the browser whole; returns
    how many.

    A figure widget tells the browser about changes as deltas ("add these traces"), which a page
    that connects later never sees: Voila runs the notebook before the page's widgets start, so
    the first tab's figures would arrive empty. Sending each figure whole once, before it is shown,
    makes it right however late the page connects.

    >>> import ipywidgets as w, plotly.graph_objects as go
    >>> fig = go.FigureWidget()
    >>> _ = fig.add_bar(y=[1, 2])
    >>> len(fig._widget_data), resync_figures(w.VBox([w.HBox([fig])])), len(fig._widget_data)
    (0, 1, 1)
    """
    from copy import deepcopy

    from plotly.basewidget import BaseFigureWidget

    n = 0
    stack = [root]
    while stack:
        w = stack.pop()
        if isinstance(w, BaseFigureWidget):
            w._widget_layout = deepcopy(w._layout_obj._props)
            w._widget_data = deepcopy(w._data)
            n += 1
        stack.extend(getattr(w, "children", None) or ())
    return n


def quality_line(book, language: str | None = None) -> str:
    """One sentence on what the ledger holds and what loading could not take as it is.

    >>> import pandas as pd
    >>> from workbench.casebook import Casebook
    >>> b = Casebook.from_frames(cases=pd.DataFrame({"case_id": ["1", "2"],
    ...     "received_at": ["2024-01-03", "2024-02-09"]}), now="2025-01-01")
    >>> quality_line(b, "en")
    '2 cases, 2024-01-03 to 2024-02-09 · ledger rows read 2 = taken 2 + taken with a flag 0 + quarantined 0; other tables: 0 quarantined, 0 flagged'
    """
    tables = book.quality().tables.set_index("table")
    cases = tables.loc["cases"] if "cases" in tables.index else None
    other = tables.drop(index="cases", errors="ignore")
    received = book.cases["received_at"].dropna()

    def count(column: str) -> int:
        return int(cases[column]) if cases is not None else 0

    return text(
        "dash.quality", language,
        cases=f"{len(book.cases):,}",
        start=f"{received.min():%Y-%m-%d}" if len(received) else "—",
        end=f"{received.max():%Y-%m-%d}" if len(received) else "—",
        read=count("read"), clean=count("clean"), flagged=count("flagged"), quarantined=count("quarantined"),
        other_q=int(other["quarantined"].sum()), other_f=int(other["flagged"].sum()),
    )


def _expected(exc: BaseException) -> bool:
    """The workbench's own errors (loading, privacy, the dashboard's) and file errors: they speak
    plainly already, for the page and the terminal alike."""
    from ..privacy import PrivacyError
    from ..quality import LoadError

    return isinstance(exc, DashboardError | LoadError | PrivacyError | OSError)


def _friendly(exc: BaseException, language: str) -> str:
    """The sentence shown for ``exc``: its own message when expected; anything else is named by
    its kind only (its message may quote the data; the terminal gets the traceback)."""
    if _expected(exc):
        return str(exc)
    return text("dash.error.internal", language, error=type(exc).__name__)


def _log(message: str) -> None:
    """A line for the terminal that started the dashboard (the kernel's own stderr, not the page)."""
    print(f"[workbench dashboard {time.strftime('%H:%M:%S')}] {message}", file=sys.__stderr__, flush=True)


class Dashboard:
    """The page over one data path (see the module docstring).

    data: a ledger folder or file (default ``$WORKBENCH_DASHBOARD_DATA``, else the bundled sample).
    role: the session's role (default: the configured one; a role given becomes the session's,
    since the explorers read it from the configuration). ``open(tab)`` builds a tab's explorer
    once and returns it, so a test drives the page without a browser; ``make`` replaces the
    explorer factories (tab → callable(book)).
    """

    def __init__(self, data: str | Path | None = None, *, role: str | None = None, language: str | None = None,
                 width: int = WIDTH, make: dict[str, Callable[[Any], Any]] | None = None):
        from ..config import get_config, set_config

        if role is not None and role != get_config().role:
            set_config(role=check_role(role, language))
        self.role = get_config().role
        self.language = lang(language)
        chosen = data if data is not None else (os.environ.get(DATA_ENV) or None)
        self.data: Path | None = Path(chosen) if chosen is not None else default_data()
        self.width = width
        self._make = dict(make or {})
        self.book: Any = None
        self.explorers: dict[str, Any] = {}
        self.timings: dict[str, float] = {}  # seconds: "load", and each tab built
        self.status = ""  # the line under the title: the ledger's quality, or why it did not load
        self.errors: dict[str, str] = {}  # tab → the sentence shown instead of its explorer
        self._box: Any = None
        self._quality: Any = None
        self._tabs: Any = None
        self._panes: list[Any] = []

    # ------------------------------------------------------------------ model

    def load(self):
        """The Casebook (loaded once). Raises :class:`DashboardError` when there is no data path,
        and what :func:`workbench.load` raises (a trainer on real data, an unreadable ledger)."""
        if self.book is not None:
            return self.book
        if self.data is None:
            raise DashboardError(text("dash.error.no_default", self.language))
        if not self.data.exists():
            raise DashboardError(text("dash.error.no_data", self.language, data=self.data))
        import workbench

        t0 = time.perf_counter()
        self.book = workbench.load(self.data)
        self.timings["load"] = time.perf_counter() - t0
        _log(f"loaded {self.data} in {self.timings['load']:.1f} s")
        return self.book

    def open(self, tab: str):
        """The explorer of ``tab`` (one of :data:`TABS`), built on first use."""
        if tab not in TABS:
            raise ValueError(f"Dashboard.open: tab must be one of {TABS}, not {tab!r}")
        if tab not in self.explorers:
            book = self.load()
            t0 = time.perf_counter()
            ex = self._explorer(tab, book)
            ex.widget()
            self.explorers[tab] = ex
            self.timings[tab] = time.perf_counter() - t0
            _log(f"built the {tab} tab in {self.timings[tab]:.1f} s")
        return self.explorers[tab]

    def _explorer(self, tab: str, book):
        if tab in self._make:
            return self._make[tab](book)
        from .. import views

        kw: dict[str, Any] = {"language": self.language, "width": self.width}
        if tab == "delays":
            return views.explore_delays(book, **kw)
        if tab == "blame":
            return views.explore_blame(book, **kw)
        if tab == "persons":
            return views.explore_persons(book, role=self.role, **kw)
        return views.explore_hotspots(book, **kw)

    # ------------------------------------------------------------------ widgets

    def widget(self):
        """The page as one ipywidgets box: the header at once, the tabs filled by :meth:`start`."""
        if self._box is not None:
            return self._box
        import ipywidgets as w

        t = lambda k, **f: text(k, self.language, **f)  # noqa: E731
        where = str(self.data) if self.data is not None else "—"
        head = (f"<h2 class='wb-dash-title'>{html.escape(t('dash.title'))}</h2>"
                f"<div class='wb-dash-meta'><small>{html.escape(t('dash.meta', data=where, role=t(f'dash.role.{self.role}')))}"
                "</small></div>")
        self._quality = w.HTML(f"<div class='wb-dash-quality'>{html.escape(t('dash.loading_data'))}</div>")
        self._panes = [w.VBox([w.HTML(f"<i>{html.escape(t('dash.building'))}</i>")]) for _ in TABS]
        self._tabs = w.Tab(children=self._panes, layout=w.Layout(display="none"))
        for i, k in enumerate(TABS):
            self._tabs.set_title(i, t(f"dash.tab.{k}"))
        self._tabs.observe(self._on_tab, names="selected_index")
        self._box = w.VBox([w.HTML(head), self._quality, self._tabs], layout=w.Layout(width="100%"))
        self._box.add_class("wb-dashboard")
        return self._box

    def start(self) -> None:
        """Load the data and fill the open tab; a failure becomes a sentence on the page."""
        self.widget()
        try:
            book = self.load()
        except Exception as exc:  # every failure is shown to the user, in words
            self.status = self._show_error(self._quality, exc, "dash.error.load")
            return
        self.status = quality_line(book, self.language)
        self._quality.value = f"<div class='wb-dash-quality'>{html.escape(self.status)}</div>"
        self._tabs.layout.display = None
        self._fill(self._tabs.selected_index or 0)

    def _on_tab(self, change) -> None:
        if change["new"] is not None and self.book is not None:
            self._fill(int(change["new"]))

    def _fill(self, i: int) -> None:
        tab = TABS[i]
        if tab in self.explorers or tab in self.errors:
            return
        try:
            box = self.open(tab).widget()
        except Exception as exc:  # one explorer failing leaves the others usable
            self.errors[tab] = self._show_error(self._panes[i], exc, "dash.error.tab",
                                                tab=text(f"dash.tab.{tab}", self.language))
            return
        resync_figures(box)
        self._panes[i].children = [box]

    def _show_error(self, target, exc: BaseException, key: str, **fmt: object) -> str:
        """Show ``exc`` in words in ``target`` (an HTML widget or a box); returns the words."""
        import ipywidgets as w

        if _expected(exc):
            _log(f"{type(exc).__name__}: {exc}")
        else:  # for whoever started the dashboard, to report it
            traceback.print_exception(exc, file=sys.__stderr__)
        msg = text(key, self.language, error=_friendly(exc, self.language), **fmt)
        box = f"<div class='wb-dash-error' style='color:#a61b1b;white-space:pre-wrap'><b>{html.escape(msg)}</b></div>"
        if isinstance(target, w.HTML):
            target.value = box
        else:
            target.children = [w.HTML(box)]
        return msg


def dashboard(data: str | Path | None = None, *, role: str | None = None, language: str | None = None,
              start: bool = True) -> Dashboard:
    """Show the dashboard in the current notebook and return it. The header shows first; the
    data is loaded and the first tab filled by ``start`` — or by ``.start()`` in a later cell,
    which lets Voila show the header while the ledger is read."""
    from IPython.display import display

    d = Dashboard(data, role=role, language=language)
    display(d.widget())
    use_served_plotly_script()
    if start:
        d.start()
    return d
