"""The delay explorer (超期督办台): filters, KPI tiles, where cases stall, the cases behind any
number, and each case's timeline — in one ipywidgets panel.

Filters (period, region, unit, category, channel, policy) re-aggregate a pre-built
:class:`~workbench.rules.cube.KPICube` (no pass over the cases: well under 200 ms on a province's
ledger). Clicking a heatmap cell, a ranking bar or an aging bucket, or choosing a KPI to list,
fills the case list; choosing a case there draws its timeline with its due dates.

Everything the widgets do goes through plain methods (``set_filters``, ``list_kpi``,
``list_cell``, ``list_ranked``, ``list_aging``, ``show_case``), so a notebook cell or a test can
drive the explorer without a browser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..i18n import lang, text
from ..rules.cube import Filters, KPICube
from ..rules.delays import names

__all__ = ["DelayExplorer", "ExplorerShell", "explore_delays", "period_options", "region_options", "unit_options"]

_ALL = "__all__"


def period_options(months: list[str], language: str) -> list[tuple[str, object]]:
    """All time, then years, quarters and months, latest first."""
    opts: list[tuple[str, object]] = [(text("ui.all_time", language), _ALL)]
    years = sorted({m[:4] for m in months}, reverse=True)
    opts += [(f"{y}{'年' if language != 'en' else ''}", y) for y in years]
    quarters = sorted({f"{m[:4]}Q{(int(m[5:7]) - 1) // 3 + 1}" for m in months}, reverse=True)
    opts += [(q if language == "en" else f"{q[:4]}年第{q[-1]}季度", q) for q in quarters]
    opts += [(m if language == "en" else f"{m[:4]}年{int(m[5:7])}月", m) for m in sorted(months, reverse=True)]
    return opts


def region_options(book, language: str) -> list[tuple[str, object]]:
    """The whole area, then each county-level region (named after its government where known)."""
    codes = book.cases["region_code"].dropna().astype(str).str.slice(0, 6).value_counts()
    label: dict[str, str] = {}
    if len(book.units) and "region_code" in book.units:
        u = book.units.dropna(subset=["region_code"])
        for code, name in zip(u["region_code"].astype(str), u["name"].astype(str), strict=True):
            if code in codes.index and name.endswith("人民政府") and code not in label:
                label[code] = name.removesuffix("人民政府")
    opts: list[tuple[str, object]] = [(text("ui.all_regions", language), _ALL)]
    for code in sorted(codes.index):
        opts.append((f"{label.get(code, code)}（{code}）" if language != "en" else f"{label.get(code, code)} ({code})", code))
    return opts


def unit_options(book, language: str, limit: int = 400) -> list[tuple[str, object]]:
    """Responsible units, most cases first (with the case count)."""
    counts = book.cases["responsible_unit_id"].value_counts().head(limit)
    nm = names(book, "units")
    opts: list[tuple[str, object]] = [(text("ui.all_units", language), _ALL)]
    for uid, n in counts.items():
        opts.append((f"{nm.get(uid, uid)} · {n}", uid))
    return opts


class ExplorerShell:
    """What every explorer shares: its ipywidgets box, built on first use by ``_build``, and — in a
    saved page, which has no kernel — a line (``_static_key``) saying it needs a running JupyterLab
    instead of the widget's Python repr."""

    _static_key: str | None = None
    _widgets_built: bool
    _box: Any
    _build: Callable[[], None]  # every explorer lays out its own widgets
    language: str

    @staticmethod
    def _sankey_link(trace, points) -> list[str] | None:
        """The clicked Sankey link's customdata as strings (None when the click was not on a link)."""
        if not points.point_inds:
            return None
        i = points.point_inds[0]
        cd = trace.link.customdata
        return [str(x) for x in cd[i]] if cd is not None and i < len(cd) else None

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Widget values the explorer sets itself, not the user: the change handlers, which check
        ``_syncing``, let them pass (nesting keeps the outer state)."""
        before = getattr(self, "_syncing", False)
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = before

    def _set_options(self, widget: Any, options: list, value: Any = None) -> None:
        """Fill a picker and set its value without the explorer reacting to it."""
        with self._quietly():
            widget.options = options
            widget.value = value

    def _get(self, key: str, make: Callable[[], Any]) -> Any:
        """A model computed once, on first use, and remembered (``self._cache``)."""
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def widget(self):
        """The explorer as one ipywidgets box (built on first use)."""
        if not self._widgets_built:
            self._build()
        return self._box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        if self._static_key is None:
            display(self.widget())
            return
        bundle = self.widget()._repr_mimebundle_()
        bundle["text/plain"] = text(self._static_key, self.language)
        display(bundle, raw=True)


class DelayExplorer(ExplorerShell):
    """Widgets over one Casebook: see the module docstring."""

    def __init__(self, book, policy: object = None, as_of: object = None, *, language: str | None = None,
                 warn_days: int = 10, top: int = 25, width: int = 940):
        from ..rules.policy import bundled_policies, load_policy

        self.book = book
        self.language = lang(language)
        self.as_of = as_of
        self.top = top
        self.width = width  # figure width in pixels (a FigureWidget does not follow its container)
        self.warn_days = warn_days
        pol = load_policy(policy if policy is not None else getattr(book, "policy", None) or None)
        self.policy_name = pol.name
        # name → what load_policy takes: the bundled ones, and the one given (a local file too)
        self._policy_specs: dict[str, object] = {name: name for name in bundled_policies()}
        self._policy_specs[pol.name] = pol
        self._cubes: dict[str, KPICube] = {}
        self.filters = Filters()
        self.listed: list[str] = []
        self.listed_title = ""
        self.case_id: str | None = None
        self._widgets_built = False

    # ------------------------------------------------------------------ model

    @property
    def cube(self) -> KPICube:
        if self.policy_name not in self._cubes:
            spec = self._policy_specs.get(self.policy_name, self.policy_name)
            self._cubes[self.policy_name] = KPICube(self.book, spec, self.as_of, language=self.language)
        return self._cubes[self.policy_name]

    def _spec(self) -> object:
        return self._policy_specs.get(self.policy_name, self.policy_name)

    def panel(self) -> pd.DataFrame:
        """The KPI values for the current filters (index kpi, party, count)."""
        return self.cube.panel(self.filters)

    def heatmap_data(self) -> pd.DataFrame:
        return self.cube.late_matrix(self.filters, top=self.top)

    def ranking_data(self, by: str = "unit") -> pd.DataFrame:
        return self.cube.ranking(self.filters, by=by)

    def set_filters(self, **changes: Any) -> None:
        """Change filters (period, region, unit, category, channel) and/or ``policy``; redraws."""
        policy = changes.pop("policy", None)
        if policy is not None:
            self.policy_name = str(policy)
        self.filters = self.filters.with_(**changes)
        if self._widgets_built:
            self._refresh()

    def _set_list(self, ids: list[str], title: str) -> list[str]:
        self.listed, self.listed_title = ids, title
        if self._widgets_built:
            self._show_list()
        return ids

    def list_kpi(self, kpi: str, part: str = "missing", party: str = "unit") -> list[str]:
        """List the cases behind a KPI tile: ``missing`` (the shortfall), ``numerator``,
        ``denominator`` or ``open_not_due``."""
        parties = {m.party for m in self.cube.members if m.kpi == kpi}
        p = party if party in parties else ("all" if "all" in parties else sorted(parties)[0])
        count = "批次" if kpi == "skip_level" else None
        ids = self.cube.cases_behind(kpi, part, self.filters, party=p, count=count)
        return self._set_list(ids, f"{text('kpi.' + kpi, self.language)} · {text('ui.part.' + part, self.language)}")

    def list_cell(self, unit_id: str, month: str) -> list[str]:
        """List the late cases of one heatmap cell (answering unit × due month)."""
        ids = self.cube.cases_behind("on_time", "missing", self.filters, party="unit", unit_id=unit_id, month=month)
        name = names(self.book, "units").get(unit_id, unit_id)
        return self._set_list(ids, f"{name} · {month} · {text('ui.late_cases', self.language)}")

    def list_ranked(self, key: str, by: str = "unit") -> list[str]:
        """List the late cases of one unit or leader of the ranking."""
        ids = self.cube.cases_of(self.filters, by=by, key=key)
        nm = names(self.book, "units" if by == "unit" else "people").get(key, key)
        return self._set_list(ids, f"{nm} · {text('ui.late_cases', self.language)}")

    def list_aging(self, bucket: str) -> list[str]:
        """List the open cases of one age bucket."""
        ages = self._ages()
        ids = ages.loc[ages["bucket"] == bucket, "case_id"].tolist()
        return self._set_list(ids, f"{text('ui.open_cases', self.language)} · {bucket} {text('ui.days', self.language)}")

    def _ages(self) -> pd.DataFrame:
        """Open cases (a handling or review clock running at as_of) with their age bucket, within
        the current non-time filters."""
        from ..rules.delays import age_buckets, open_cases

        cs = self.cube.clockset
        ci, past = open_cases(cs, len(self.book.cases))
        keep = self.cube.case_mask(self.filters)[ci]
        ci, past = ci[keep], past[keep]
        age, bucket = age_buckets(self.book, cs, ci)
        return pd.DataFrame({"case_id": self.book.cases["case_id"].take(ci).to_numpy(), "bucket": bucket,
                             "age_days": age, "past_limit": past})

    def aging_data(self) -> pd.DataFrame:
        a = self._ages()
        out = a["bucket"].value_counts(sort=False).to_frame("cases")
        out["past_limit"] = a.groupby("bucket", observed=False)["past_limit"].sum()
        out.index.name = "age_days"
        return out.reset_index()

    def warnings_data(self, days: int | None = None) -> pd.DataFrame:
        """The 临期预警 list within the current filters (plus clocks already past their limit)."""
        from ..rules.delays import warnings_due

        key = ("warn", self.policy_name, days or self.warn_days)
        cache = self.__dict__.setdefault("_warn_cache", {})
        if key not in cache:
            cache[key] = warnings_due(self.book, days or self.warn_days, self._spec(), self.as_of,
                                      include_past=True, language=self.language)
        w = cache[key]
        keep = set(self.book.cases["case_id"].take(np.flatnonzero(self.cube.case_mask(self.filters))))
        return w.loc[w["case_id"].isin(keep)].reset_index(drop=True)

    def stage_data(self, stage: str | None = None, by: str = "unit", top: int = 15) -> pd.DataFrame:
        """Stage durations summarised for the filtered cases: by stage, or for one ``stage`` by
        holder (``by`` = ``unit`` or ``leader``), the ``top`` holders with most finished steps."""
        from ..rules.delays import stage_durations, summarise_stages

        cache = self.__dict__.setdefault("_stage_cache", {})
        if self.policy_name not in cache:
            cache[self.policy_name] = stage_durations(self.book, self._spec(), self.as_of, include_open=False)
        d = cache[self.policy_name]
        keep = self.book.cases["case_id"].take(np.flatnonzero(self.cube.case_mask(self.filters)))
        d = d.loc[d["case_id"].isin(keep) & (d["holder_kind"] != "petitioner")]
        if self.filters.period is not None:
            from ..casebook import period_bounds

            s, e = period_bounds(self.filters.period)
            d = d.loc[(d["end"] >= s) & (d["end"] < e)]
        if stage is None:
            return summarise_stages(d, self.book)
        d = d.loc[d["stage"] == stage]
        key = "holder" if by == "unit" else "lead_person_id"
        busiest = d[key].value_counts().head(top).index
        return summarise_stages(d.loc[d[key].isin(busiest)], self.book, by)

    def show_case(self, case_id: str):
        """The timeline figure of one case (also drawn in the explorer)."""
        from .delays import case_timeline_figure

        self.case_id = case_id
        fig = case_timeline_figure(self.book, case_id, self._spec(), self.cube.as_of, language=self.language)
        fig.update_layout(width=self.width)
        if self._widgets_built:
            self._set_figure(self._timeline, fig)
            self._timeline_box.layout.display = None
        return fig

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        from .overview import setup

        setup()

        L = self.language
        t = lambda k: text(k, L)  # noqa: E731
        lay = w.Layout(width="auto", min_width="150px")
        self._w_period = w.Dropdown(options=period_options(self.cube.months(), L), description=t("ui.period"), layout=lay)
        self._w_region = w.Dropdown(options=region_options(self.book, L), description=t("ui.region"), layout=lay)
        self._w_unit = w.Dropdown(options=unit_options(self.book, L), description=t("ui.unit"), layout=lay)
        cats = self.book.cases["category_l1"].value_counts().index.tolist()
        self._w_category = w.Dropdown(options=[(t("ui.all_categories"), _ALL)] + [(c, c) for c in cats],
                                      description=t("ui.category"), layout=lay)
        from ..vocab import label

        chans = self.book.cases["channel"].value_counts().index.tolist()
        self._w_channel = w.Dropdown(options=[(t("ui.all_channels"), _ALL)] + [(label("channel", c, L), c) for c in chans],
                                     description=t("ui.channel"), layout=lay)
        self._w_policy = w.Dropdown(options=[(p, p) for p in sorted(self._policy_specs)], value=self.policy_name,
                                    description=t("ui.policy"), layout=lay)
        for wd in (self._w_period, self._w_region, self._w_unit, self._w_category, self._w_channel, self._w_policy):
            wd.style.description_width = "initial"
            wd.observe(self._on_filter, names="value")
        self._status = w.HTML()
        self._kpi_fig = go.FigureWidget()
        kpis = [k for k in ("timely_acceptance", "on_time", "satisfaction", "participation", "repeat", "online_share",
                            "skip_level", "first_closed_on_time", "resolved_once", "settled")]
        self._w_kpi = w.Dropdown(options=[(t("kpi." + k), k) for k in kpis], value="on_time", description=t("ui.list_kpi"),
                                 style={"description_width": "initial"})
        self._w_part = w.Dropdown(options=[(t("ui.part." + p), p) for p in ("missing", "numerator", "denominator", "open_not_due")],
                                  value="missing", layout=w.Layout(width="160px"))
        self._w_list_btn = w.Button(description=t("ui.list"), icon="list")
        self._w_list_btn.on_click(lambda _b: self.list_kpi(self._w_kpi.value, self._w_part.value))
        self._heat = go.FigureWidget()
        self._rank_by = w.ToggleButtons(options=[(t("by.unit"), "unit"), (t("by.leader"), "leader")], value="unit")
        self._rank_by.observe(lambda _c: self._draw_ranking(), names="value")
        self._rank = go.FigureWidget()
        self._stage = go.FigureWidget()
        from ..rules.delays import STAGES

        self._stage_pick = w.Dropdown(options=[(t("ui.all_stages"), _ALL)] + [(t("stage." + st[0]), st[0]) for st in STAGES
                                                                             if st[3] != "petitioner"],
                                      description=t("by.stage"), style={"description_width": "initial"})
        self._stage_by = w.ToggleButtons(options=[(t("by.unit"), "unit"), (t("by.leader"), "leader")], value="unit")
        for wd in (self._stage_pick, self._stage_by):
            wd.observe(lambda _c: self._draw_tab(), names="value")
        self._aging = go.FigureWidget()
        self._warn_days = w.IntSlider(value=self.warn_days, min=0, max=60, description=t("ui.warn_days"),
                                      style={"description_width": "initial"})
        self._warn_days.observe(lambda _c: self._draw_warnings(), names="value")
        self._warn_html = w.HTML()
        self._warn_btn = w.Button(description=t("ui.list"), icon="list")
        self._warn_btn.on_click(lambda _b: self._set_list(self.warnings_data(self._warn_days.value)["case_id"].unique().tolist(),
                                                          t("ui.warnings")))
        tabs = w.Tab(children=[
            self._heat,
            w.VBox([self._rank_by, self._rank]),
            w.VBox([w.HBox([self._stage_pick, self._stage_by]), self._stage]),
            w.VBox([w.HBox([self._warn_days, self._warn_btn]), self._warn_html]),
            self._aging,
        ])
        for i, k in enumerate(("ui.tab.heatmap", "ui.tab.ranking", "ui.tab.stages", "ui.tab.warnings", "ui.tab.aging")):
            tabs.set_title(i, t(k))
        self._tabs = tabs
        tabs.observe(lambda _c: self._draw_tab(), names="selected_index")
        self._list_title = w.HTML(f"<i>{t('ui.hint')}</i>")
        self._w_cases = w.Select(options=[], rows=8, layout=w.Layout(width="100%", display="none"))
        self._w_cases.observe(lambda c: c["new"] and self.show_case(c["new"]), names="value")
        self._list_html = w.HTML()
        self._timeline = go.FigureWidget()
        self._timeline_box = w.Box([self._timeline], layout=w.Layout(display="none"))
        self._box = w.VBox([
            w.HTML(f"<h3>{t('ui.title')}</h3>"),
            w.HBox([self._w_period, self._w_region, self._w_unit], layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self._w_category, self._w_channel, self._w_policy], layout=w.Layout(flex_flow="row wrap")),
            self._status,
            self._kpi_fig,
            w.HBox([self._w_kpi, self._w_part, self._w_list_btn]),
            tabs,
            self._list_title, self._w_cases, self._list_html,
            self._timeline_box,
        ])
        self._widgets_built = True
        self._refresh()

    def _on_filter(self, _change) -> None:
        def v(wd):  # "all" is a real option (a Dropdown whose value is None shows nothing chosen)
            return None if wd.value == _ALL else wd.value

        self.set_filters(period=v(self._w_period), region=v(self._w_region), unit=v(self._w_unit),
                         category=v(self._w_category), channel=v(self._w_channel), policy=self._w_policy.value)

    @staticmethod
    def _set_figure(target, fig) -> None:
        """Show ``fig`` in the figure widget ``target``: traces updated in place when the figure
        has the same kinds of traces (the common case of a filter change), else replaced. Missing
        numbers go to the browser as null: widget messages are strict JSON, where NaN breaks them."""
        traces = [_json_safe(t.to_plotly_json()) for t in fig.data]
        same = len(target.data) == len(traces) and all(a.type == b["type"] for a, b in zip(target.data, traces, strict=False))
        with target.batch_update():
            if same:
                for old, new in zip(target.data, traces, strict=True):
                    old.update(new, overwrite=True)
            else:
                target.data = []
                target.add_traces(traces)
            lay = _json_safe(fig.layout.to_plotly_json())
            lay.pop("template", None)
            target.layout.update(lay, overwrite=True)

    def _refresh(self) -> None:
        import time

        from .delays import kpi_panel_figure, late_heatmap_figure

        t0 = time.perf_counter()
        panel = self.panel().reset_index()
        heat = self.heatmap_data()
        tiles = _clickable_tiles(kpi_panel_figure(panel, party="unit", language=self.language), self.language)
        self._set_figure(self._kpi_fig, tiles.update_layout(width=self.width))
        for tr in self._kpi_fig.data:
            if tr.type == "scatter":
                tr.on_click(self._on_tile_click)
        self._set_figure(self._heat, late_heatmap_figure(heat, language=self.language).update_layout(width=self.width))
        for tr in self._heat.data:
            tr.on_click(self._on_heat_click)
        ms = (time.perf_counter() - t0) * 1000
        cube = self.cube
        self._status.value = (f"<small>{text('ui.policy', self.language)}: {cube.policy.title(self.language)} · "
                              f"{text('ui.as_of', self.language)}: {cube.as_of:%Y-%m-%d %H:%M} · "
                              f"{ms:.0f} ms</small>")
        self._draw_tab()

    def _draw_tab(self) -> None:
        i = self._tabs.selected_index
        if i == 1:
            self._draw_ranking()
        elif i == 2:
            from .delays import stage_box_figure

            pick = self._stage_pick.value
            data = self.stage_data(None if pick == _ALL else pick, self._stage_by.value)
            self._set_figure(self._stage, stage_box_figure(data, language=self.language).update_layout(width=self.width))
        elif i == 3:
            self._draw_warnings()
        elif i == 4:
            from .delays import aging_figure

            self._set_figure(self._aging, aging_figure(self.aging_data(), language=self.language).update_layout(width=self.width))
            for tr in self._aging.data:
                tr.on_click(self._on_aging_click)

    def _draw_ranking(self) -> None:
        from .delays import ranking_figure

        self._set_figure(self._rank, ranking_figure(self.ranking_data(self._rank_by.value), language=self.language).update_layout(width=self.width))
        for tr in self._rank.data:
            tr.on_click(self._on_rank_click)

    def _draw_warnings(self) -> None:
        from .delays import cases_table_html

        wdf = self.warnings_data(self._warn_days.value)
        cols = ["case_id", "clock_label", "status", "due", "days_left", "days_late", "unit_name", "leader_name", "category_l1"]
        self._warn_html.value = cases_table_html(wdf, cols, language=self.language)

    def _show_list(self) -> None:
        from .delays import cases_table_html

        c = self.book.cases
        rows = c.loc[c["case_id"].isin(self.listed)]
        self._list_title.value = f"<b>{self.listed_title}</b>"
        self._w_cases.layout.display = None
        nm = names(self.book, "units")
        opts = [(f"{r.case_id} · {r.received_at:%Y-%m-%d} · {nm.get(r.responsible_unit_id, r.responsible_unit_id)} · "
                 f"{r.category_l1 or ''}", r.case_id) for r in rows.head(500).itertuples()]
        self._w_cases.options = opts
        rows = rows.assign(unit_name=rows["responsible_unit_id"].map(nm).fillna(rows["responsible_unit_id"]),
                           leader_name=rows["lead_person_id"].map(names(self.book, "people")))
        cols = ["case_id", "received_at", "channel", "category_l1", "category_l2", "unit_name", "leader_name",
                "accepted_at", "replied_at", "closed_at", "status"]
        self._list_html.value = cases_table_html(rows, [x for x in cols if x in rows], language=self.language)

    # click handlers: plotly gives the clicked points' x / y values and custom data
    def _on_heat_click(self, trace, points, _state) -> None:
        if not points.point_inds:
            return
        idx = points.point_inds[0]
        cd = trace.customdata
        if cd is not None:
            row, col = (idx if isinstance(idx, (list, tuple)) else (None, None))
            if row is not None:
                unit_id, month = cd[row][col][0], cd[row][col][1]
                self.list_cell(str(unit_id), str(month))
                return
        if points.xs and points.ys:
            heat = self.heatmap_data()
            hit = heat.loc[(heat["unit_name"] == points.ys[0]) & (heat["month"] == points.xs[0])]
            if len(hit):
                self.list_cell(str(hit["unit_id"].iloc[0]), str(points.xs[0]))

    def _on_rank_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            cd = trace.customdata[points.point_inds[0]]
            key = cd[0] if isinstance(cd, (list, tuple, np.ndarray)) else cd
            self.list_ranked(str(key), self._rank_by.value)

    def _on_tile_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            self.list_kpi(str(trace.customdata[points.point_inds[0]]), "missing")

    def _on_aging_click(self, _trace, points, _state) -> None:
        if points.xs:
            self.list_aging(str(points.xs[0]))


def _clickable_tiles(fig, language: str):
    """The KPI tiles with an invisible marker over each tile: plotly's indicators take no clicks,
    markers do. A click lists the tile's shortfall; the hover says how the KPI is counted."""
    import plotly.graph_objects as go

    tiles = [tr for tr in fig.data if tr.type == "indicator"]
    xs = [sum(tr.domain.x) / 2 for tr in tiles]
    ys = [sum(tr.domain.y) / 2 for tr in tiles]
    kpis = [tr.name for tr in tiles]
    hover = [f"{text('kpi.' + k, language)}<br>{text('cohort.' + k, language)}<br><i>{text('ui.tile_click', language)}</i>"
             for k in kpis]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", customdata=kpis, hovertext=hover, hoverinfo="text",
                             marker={"size": 110, "opacity": 0, "symbol": "square"}, showlegend=False, name="tiles"))
    fig.update_xaxes(range=[0, 1], visible=False, fixedrange=True)
    fig.update_yaxes(range=[0, 1], visible=False, fixedrange=True)
    return fig


def _json_safe(obj: Any) -> Any:
    """``obj`` with NaN and infinities replaced by None, in nested dicts, lists and numpy arrays.

    >>> _json_safe({"z": np.array([1.0, np.nan]), "v": float("inf"), "t": ["a", np.float64("nan")]})
    {'z': array([1.0, None], dtype=object), 'v': None, 't': ['a', None]}
    """
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            bad = ~np.isfinite(obj)
            if bad.any():
                out = obj.astype(object)
                out[bad] = None
                return out
            return obj
        if obj.dtype.kind == "O":
            flat = [_json_safe(v) for v in obj.ravel()]
            out = np.empty(obj.shape, dtype=object)
            out.ravel()[:] = flat
            return out
        return obj
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def explore_delays(book, policy: object = None, as_of: object = None, **kw: Any) -> DelayExplorer:
    """The delay explorer over ``book`` (display it in a notebook cell)."""
    return DelayExplorer(book, policy, as_of, **kw)
