"""The hotspots explorer (热点研判台): the composition of petitions by region and category, a region ×
period heatmap, spike alerts with each series' expected band, hot issues and keywords — in one
ipywidgets panel.

The analyses run once (:func:`workbench.hotspots.cube.issue_cube`,
:func:`workbench.hotspots.alerts.spike_alerts`, :func:`workbench.hotspots.topics.hot_issues`,
:func:`workbench.hotspots.topics.keywords`); every click then reads those results. A box of the
treemap, a heatmap cell, an alert or a hot issue lists the cases behind it; choosing an alert also
draws its series against the expected band.

Everything the widgets do goes through plain methods (``list_box``, ``list_cell``, ``list_alert``,
``list_issue``, ``show_series``, ``set_level``, ``set_period``), so a notebook cell or a test drives
the explorer without a browser. Figures reach the browser as strict JSON (no NaN).
"""

from __future__ import annotations

import html
import time
from typing import Any

import pandas as pd

from ..i18n import lang, text
from ..rules.delays import names
from .explorer import DelayExplorer, ExplorerShell
from .hotspots import _records

__all__ = ["HotspotsExplorer", "explore_hotspots"]

_LEVELS = ("province", "prefecture", "county", "township")
_PERIODS = ("week", "month", "quarter")


class HotspotsExplorer(ExplorerShell):
    """Widgets over one Casebook: see the module docstring."""

    _static_key = "hot.ui.static"

    def __init__(self, book, *, language: str | None = None, level: str = "county", period: str = "month",
                 category: str | None = None, alpha: float = 0.05, top: int = 20, width: int = 940):
        if level not in _LEVELS:
            raise ValueError(f"level must be one of {_LEVELS}, not {level!r}")
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {_PERIODS}, not {period!r}")
        self.book = book
        self.language = lang(language)
        self.level = level
        self.period = period
        self.category = category  # the heatmap's category (None: all)
        self.alpha = alpha
        self.top = top
        self.width = width
        self.listed: list[str] = []
        self.listed_title = ""
        self.alert: dict[str, Any] | None = None
        self._cache: dict[str, Any] = {}
        self._widgets_built = False
        self._drawn: set[int] = set()

    # ------------------------------------------------------------------ model (computed once, on first use)

    def cube(self):
        """The issue cube (:func:`workbench.hotspots.cube.issue_cube`) of the current period."""
        def make():
            from ..hotspots.cube import issue_cube

            return issue_cube(self.book, period=self.period)
        return self._get(f"cube:{self.period}", make)

    def alerts(self) -> pd.DataFrame:
        """Spike alerts (:func:`workbench.hotspots.alerts.spike_alerts`) at the current level and
        period, strongest first."""
        def make() -> pd.DataFrame:
            from ..hotspots.alerts import spike_alerts

            a = spike_alerts(self.cube(), level=self.level, period=self.period, alpha=self.alpha)
            if "score" in a and len(a):
                a = a.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
            return a
        return self._get(f"alerts:{self.level}:{self.period}", make)

    def series(self) -> pd.DataFrame:
        """Every (region, category) series of the cube at the current level, zeros filled."""
        return self._get(f"series:{self.level}:{self.period}", lambda: self.cube().series(level=self.level))

    def hot(self) -> pd.DataFrame:
        """Hot issues (:func:`workbench.hotspots.topics.hot_issues`)."""
        def make() -> pd.DataFrame:
            from ..hotspots.topics import hot_issues

            return hot_issues(self.book, top=50)
        return self._get("hot", make)

    def keywords(self) -> pd.DataFrame:
        """Keywords per category (:func:`workbench.hotspots.topics.keywords`)."""
        def make() -> pd.DataFrame:
            from ..hotspots.topics import keywords

            return keywords(self.book, by="category_l1", top=20)
        return self._get("keywords", make)

    def region_names(self) -> dict[str, str]:
        """Region code → name at every level (the cube's, :func:`workbench.hotspots.cube.region_names`)."""
        def make() -> dict[str, str]:
            names = getattr(self.cube(), "names", None)
            if names is None:
                from ..hotspots.cube import region_names

                names = region_names(self.book)
            return dict(names)
        return self._get("names", make)

    def summaries(self) -> dict[str, str]:
        """case id → summary as the configured role may see it (:func:`~workbench.views.hotspots.summaries_for`)."""
        from ..config import get_config
        from .hotspots import summaries_for

        role = get_config().role
        return self._get(f"summaries:{role}", lambda: summaries_for(self.book, role, self.language))

    # ------------------------------------------------------------------ data of the figures

    def composition_data(self) -> pd.DataFrame:
        from .hotspots import composition_data

        return composition_data(self.cube().frame, self.region_names(), level=self.level, top_regions=self.top,
                                language=self.language)

    def heatmap_data(self) -> pd.DataFrame:
        from .hotspots import heatmap_data

        return heatmap_data(self.cube().frame, self.region_names(), level=self.level, category=self.category,
                            top=self.top, alerts=self.alerts(), language=self.language)

    def series_data(self, region: str, category: str) -> pd.DataFrame:
        """One series (``region``, ``category``) with its expected band and its alerts."""
        from .hotspots import series_data

        return series_data(self.bands(), self.alerts(), region=region, category=category)

    def bands(self) -> pd.DataFrame:
        """Expected counts and bands of every series at the current level
        (:func:`workbench.hotspots.alerts.expected_band` over the whole level, so the category
        factor pools over all regions, with the alerts' dispersion)."""
        def make() -> pd.DataFrame:
            from ..hotspots.alerts import expected_band

            return expected_band(self.series(), dispersion=self.alerts().attrs.get("dispersion"))
        return self._get(f"bands:{self.level}:{self.period}", make)

    # ------------------------------------------------------------------ what a click does

    def _set_list(self, ids: list[str], title: str) -> list[str]:
        self.listed, self.listed_title = [str(i) for i in ids], title
        if self._widgets_built:
            self._show_list()
        return self.listed

    def _region(self, code: object) -> str:
        return str(self.region_names().get(str(code), code))

    def _case_ids(self, **cell: Any) -> list[str]:
        return [str(c) for c in self.cube().case_ids(**cell)]

    def list_box(self, region: str, category: str | None = None) -> list[str]:
        """The cases of a region (and a category) — a box of the treemap."""
        cell: dict[str, Any] = {"region": region}
        if category:
            cell["category"] = category
        ids = self._case_ids(**cell)
        return self._set_list(ids, text("hot.ui.list_box", self.language, region=self._region(region),
                                        category=category or text("hot.ui.all", self.language), n=len(ids)))

    def list_cell(self, region: str, period: str, category: str | None = None) -> list[str]:
        """The cases of one heatmap cell (region, period; of ``category`` or the heatmap's)."""
        category = category if category is not None else self.category
        cell: dict[str, Any] = {"region": region, "period": period}
        if category:
            cell["category"] = category
        ids = self._case_ids(**cell)
        return self._set_list(ids, text("hot.ui.list_cell", self.language, region=self._region(region), period=period,
                                        category=f" · {category}" if category else "", n=len(ids)))

    def list_alert(self, i: int = 0) -> list[str]:
        """The cases of the ``i``-th alert (strongest first); draws its series when the widgets are up."""
        a = self.alerts()
        if not len(a):
            return self._set_list([], text("hot.ui.no_alerts", self.language))
        row = a.iloc[int(i)]
        self.alert = {k: row[k] for k in ("region", "category", "period") if k in row}
        name = str(row["region_name"]) if "region_name" in row else self._region(row["region"])
        ids = _records(row["case_ids"])
        if self._widgets_built:
            self._draw_series()
        return self._set_list(ids, text("hot.ui.list_alert", self.language, region=name, category=row["category"],
                                        period=row["period"], n=len(ids)))

    def show_series(self, region: str | None = None, category: str | None = None):
        """The figure of one series against its expected band (default: the strongest alert's)."""
        from .hotspots import series_figure

        if region is None or category is None:
            a = self.alerts()
            if not len(a):
                return None
            region, category = str(a["region"].iloc[0]), str(a["category"].iloc[0])
        title = text("hot.fig.series_of", self.language, region=self._region(region), category=category)
        return series_figure(self.series_data(region, category), self.language, title).update_layout(width=self.width)

    def list_issue(self, issue_id: str) -> list[str]:
        """The cases of one hot issue."""
        h = self.hot()
        row = h.loc[h["issue_id"].astype(str) == str(issue_id)]
        ids = _records(row["case_ids"].iloc[0]) if len(row) else []
        label = str(row["label"].iloc[0]) if len(row) else str(issue_id)
        return self._set_list(ids, text("hot.ui.list_issue", self.language, label=label, n=len(ids)))

    def set_level(self, level: str) -> None:
        """Show regions at ``level`` (province, prefecture, county, township)."""
        if level not in _LEVELS:
            raise ValueError(f"level must be one of {_LEVELS}, not {level!r}")
        self.level = level
        self._redraw()

    def set_period(self, period: str) -> None:
        """Count by ``period`` (week, month, quarter)."""
        if period not in _PERIODS:
            raise ValueError(f"period must be one of {_PERIODS}, not {period!r}")
        self.period = period
        self._redraw()

    def set_category(self, category: str | None) -> None:
        """Show one category in the heatmap (None: all)."""
        self.category = category or None
        self._redraw()

    def _redraw(self) -> None:
        if self._widgets_built:
            self._drawn.clear()
            self._draw_tab()

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        from ..config import get_config

        t0 = time.perf_counter()
        L = self.language

        def t(k: str, **kw: Any) -> str:
            return text(k, L, **kw)

        lay = w.Layout(width="260px")
        self._w_level = w.Dropdown(options=[(t(f"hot.level.{v}"), v) for v in _LEVELS], value=self.level,
                                   description=t("hot.ui.level"), layout=lay, style={"description_width": "initial"})
        self._w_period = w.Dropdown(options=[(t(f"hot.period.{v}"), v) for v in _PERIODS], value=self.period,
                                    description=t("hot.ui.period"), layout=lay, style={"description_width": "initial"})
        cats = self.book.cases["category_l1"].dropna().value_counts().index.tolist()
        self._w_category = w.Dropdown(options=[(t("hot.ui.all"), "")] + [(str(c), str(c)) for c in cats],
                                      value=self.category or "", description=t("hot.ui.category"), layout=lay,
                                      style={"description_width": "initial"})
        self._w_level.observe(lambda c: self.set_level(c["new"]), names="value")
        self._w_period.observe(lambda c: self.set_period(c["new"]), names="value")
        self._w_category.observe(lambda c: self.set_category(c["new"]), names="value")
        self._status = w.HTML()
        self._comp_fig = go.FigureWidget()
        self._heat_fig = go.FigureWidget()
        self._series_fig = go.FigureWidget()
        self._w_alert = w.Select(options=[], rows=8, layout=w.Layout(width="100%"))
        self._w_alert.observe(self._on_alert_pick, names="value")
        self._alert_html = w.HTML()
        self._w_issue = w.Select(options=[], rows=8, layout=w.Layout(width="100%"))
        self._w_issue.observe(self._on_issue_pick, names="value")
        self._issue_html = w.HTML()
        self._kw_fig = go.FigureWidget()
        self._tabs = w.Tab(children=[
            self._comp_fig,
            self._heat_fig,
            w.VBox([self._w_alert, self._series_fig, self._alert_html]),
            w.VBox([w.HTML(f"<small>{html.escape(t('privacy.hot.note', role=get_config().role))}</small>"),
                    self._w_issue, self._issue_html]),
            self._kw_fig,
        ])
        self._tab_kinds = ["composition", "heatmap", "alerts", "issues", "keywords"]
        for i, k in enumerate(self._tab_kinds):
            self._tabs.set_title(i, t(f"hot.ui.tab.{k}"))
        self._tabs.selected_index = 1
        self._tabs.observe(lambda _c: self._draw_tab(), names="selected_index")
        self._list_title = w.HTML(f"<i>{html.escape(t('hot.ui.hint'))}</i>")
        self._list_html = w.HTML()
        self._box = w.VBox([w.HTML(f"<h3>{html.escape(t('hot.ui.title'))}</h3>"),
                            w.HBox([self._w_level, self._w_period, self._w_category], layout=w.Layout(flex_flow="row wrap")),
                            self._status, self._tabs, self._list_title, self._list_html])
        self._widgets_built = True
        self._draw_tab()
        ms = (time.perf_counter() - t0) * 1000
        self._status.value = f"<small>{len(self.book.cases):,} {html.escape(t('hot.col.cases'))} · {ms:.0f} ms</small>"

    def _draw_tab(self) -> None:
        i = self._tabs.selected_index or 0
        if i in self._drawn:
            return
        kind = self._tab_kinds[i]
        try:
            getattr(self, f"_draw_{kind}")()
        except Exception as exc:  # another helper's module may still change: say so, keep the panel
            self._status.value = html.escape(text("hot.ui.unavailable", self.language, error=repr(exc)))
            raise
        self._drawn.add(i)

    def _draw_composition(self) -> None:
        from .hotspots import composition_figure

        fig = composition_figure(self.composition_data(), self.language).update_layout(width=self.width)
        DelayExplorer._set_figure(self._comp_fig, fig)
        for tr in self._comp_fig.data:
            tr.on_click(self._on_box_click)

    def _draw_heatmap(self) -> None:
        from .hotspots import heatmap_figure

        title = text("hot.fig.heatmap_of", self.language, category=self.category) if self.category else None
        fig = heatmap_figure(self.heatmap_data(), self.language, title).update_layout(width=self.width)
        DelayExplorer._set_figure(self._heat_fig, fig)
        for tr in self._heat_fig.data:
            tr.on_click(self._on_heat_click)

    def _draw_alerts(self) -> None:
        from .blame import table_html
        from .hotspots import alerts_table

        a = self.alerts()
        L = self.language
        self._set_options(self._w_alert, [
            (f"{i + 1}. {r.get('region_name', self._region(r['region']))} · {r['category']} · {r['period']} · "
             f"{int(r['observed'])} / {float(r['expected']):.1f}", i)
            for i, (_, r) in enumerate(a.head(200).iterrows())])
        attrs = a.attrs
        method = text("hot.ui.method", L, method=attrs.get("method", "—"), tests=f"{attrs.get('tests', 0):,}",
                      fa=f"{float(attrs.get('false_alarms_per_year', float('nan'))):.1f}") if attrs else ""
        self._alert_html.value = (f"<small>{html.escape(method)}</small>" + table_html(alerts_table(a, self.top, L))
                                  if len(a) else html.escape(text("hot.ui.no_alerts", L)))
        self._draw_series()

    def _draw_series(self) -> None:
        a = self.alert
        fig = self.show_series(str(a["region"]), str(a["category"])) if a else self.show_series()
        if fig is not None:
            DelayExplorer._set_figure(self._series_fig, fig)

    def _draw_issues(self) -> None:
        from .blame import table_html
        from .hotspots import hot_issues_table

        h = self.hot()
        self._set_options(self._w_issue, [(f"{i + 1}. {r.label} · {int(r.n_cases)}", str(r.issue_id))
                                          for i, r in enumerate(h.itertuples())])
        self._issue_html.value = table_html(hot_issues_table(h, self.region_names(), summaries=self.summaries(),
                                                             top=self.top, language=self.language))

    def _draw_keywords(self) -> None:
        from .hotspots import keywords_figure

        fig = keywords_figure(self.keywords(), language=self.language).update_layout(width=self.width)
        DelayExplorer._set_figure(self._kw_fig, fig)

    def _show_list(self) -> None:
        from .delays import cases_table_html
        from .hotspots import show_summaries

        c = self.book.cases
        rows = c.loc[c["case_id"].astype(str).isin(self.listed)]
        self._list_title.value = f"<b>{html.escape(self.listed_title)}</b>"
        nm = names(self.book, "units")
        rows = rows.assign(unit_name=rows["responsible_unit_id"].map(nm).fillna(rows["responsible_unit_id"]))
        cols = ["case_id", "received_at", "region_name", "category_l1", "category_l2", "unit_name", "status"]
        if show_summaries():
            shown = self.summaries()
            rows = rows.assign(summary=rows["case_id"].astype(str).map(shown))
            cols.append("summary")
        self._list_html.value = cases_table_html(rows, [x for x in cols if x in rows], language=self.language)

    # pickers and clicks: plotly gives the clicked points' indices; customdata carries the keys
    def _on_alert_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or change["new"] is None:
            return
        self.list_alert(int(change["new"]))

    def _on_issue_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or not change["new"]:
            return
        self.list_issue(str(change["new"]))

    def _on_box_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            region, category = trace.customdata[points.point_inds[0]]
            self.list_box(str(region), str(category) or None)

    def _on_heat_click(self, trace, points, _state) -> None:
        if not points.point_inds or trace.customdata is None:
            return
        idx = points.point_inds[0]
        cd = trace.customdata[idx[0]][idx[1]] if isinstance(idx, (list, tuple)) else trace.customdata[idx]
        self.list_cell(str(cd[0]), str(cd[1]))


def explore_hotspots(book, **kw: Any) -> HotspotsExplorer:
    """The hotspots explorer over ``book`` (display it in a notebook cell)."""
    return HotspotsExplorer(book, **kw)
