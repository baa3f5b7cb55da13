"""The blame explorer (责任倒查台): accountability tables, each case's chain, buck-passing pairs and
the transfer network, flows between levels, the process and the effect of urging — in one
ipywidgets panel.

The analyses run once (:func:`workbench.attribute_blame`, :func:`workbench.buck_passing`,
:func:`workbench.transfer_network`, :func:`level_flows`); every click then reads those results.
A bar of the accountability chart, a buck-passing pair, a unit or an edge of the network, or a
flow lists the cases behind it; choosing a case draws its chain and tells its story.

Everything the widgets do goes through plain methods (``list_unit``, ``list_leader``,
``list_pair``, ``list_node``, ``list_edge``, ``list_flow``, ``show_case``), so a notebook cell or
a test drives the explorer without a browser. Figures reach the browser as strict JSON (no NaN).
"""

from __future__ import annotations

import html
import re
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..i18n import lang, text
from ..rules.delays import names
from .explorer import DelayExplorer, ExplorerShell

if TYPE_CHECKING:
    from .blame import ChainData

__all__ = ["BlameExplorer", "explore_blame", "story_html"]

_UNIT_MEASURES = ("late_days", "late_cases", "late_days_misrouted", "late_days_refused", "bounces_caused",
                  "days_lost_bouncing", "returns_sent", "returns_received", "cases_held", "open_segments")
_LEADER_MEASURES = ("late_share", "late_cases", "late_days", "returned_cases", "bounce_cases", "open_cases", "cases")
_TO_CASES = {"share_late_days": "late_days"}  # a measure whose cases are those of another


def story_html(story: str) -> str:
    """The Markdown of :func:`~workbench.views.blame.chain_story` as HTML (escaped; bold and
    lines kept) for a widget.

    >>> story_html("**A**<b>\\n\\n1. x")
    '<div class="wb-story"><p><b>A</b>&lt;b&gt;</p><p>1. x</p></div>'
    """
    paras = []
    for block in story.split("\n\n"):
        lines = [re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(line)) for line in block.split("\n") if line]
        if lines:
            paras.append("<p>" + "<br>".join(lines) + "</p>")
    return '<div class="wb-story">' + "".join(paras) + "</div>"


class BlameExplorer(ExplorerShell):
    """Widgets over one Casebook: see the module docstring."""

    _static_key = "blame.ui.static"

    def __init__(self, book, policy: object = None, as_of: object = None, *, language: str | None = None,
                 top: int = 20, width: int = 940):
        from ..rules.clocks import default_as_of

        self.book = book
        self.policy = policy
        self.as_of = pd.Timestamp(as_of) if as_of is not None else default_as_of(book)
        self.language = lang(language)
        self.top = top
        self.width = width
        self.kind = "unit"
        self.measure = "late_days"
        self.listed: list[str] = []
        self.listed_title = ""
        self.case_id: str | None = None
        self.chain: ChainData | None = None
        self.story = ""
        self._cache: dict[str, Any] = {}
        self._widgets_built = False
        self._drawn: set[int] = set()

    # ------------------------------------------------------------------ model (computed once, on first use)

    @property
    def blame(self):
        """The :class:`~workbench.chains.blame.Blame` of the book."""
        from ..chains.blame import attribute_blame

        return self._get("blame", lambda: attribute_blame(self.book, self.policy, self.as_of))

    def unit_table(self) -> pd.DataFrame:
        """责任倒查 per unit (:meth:`Blame.by_unit`)."""
        return self._get("by_unit", self.blame.by_unit)

    def leader_table(self) -> pd.DataFrame:
        """责任倒查 per 包案领导 (:meth:`Blame.by_leader`), with the leader's unit by name."""
        def make() -> pd.DataFrame:
            t = self.blame.by_leader()
            nm = names(self.book, "units")
            t.insert(4, "unit_name", t["unit_id"].map(nm).fillna(t["unit_id"]) if len(nm) else t["unit_id"])
            return t
        return self._get("by_leader", make)

    def table(self, kind: str | None = None) -> pd.DataFrame:
        return self.unit_table() if (kind or self.kind) == "unit" else self.leader_table()

    def buck_table(self) -> pd.DataFrame:
        """Unit pairs ranked by buck-passing (:func:`workbench.buck_passing`), scored pairs only."""
        from ..chains.buck import buck_passing

        def make() -> pd.DataFrame:
            bp = buck_passing(self.book, self.policy, self.as_of)
            return bp.loc[bp["score"] > 0].reset_index(drop=True)
        return self._get("buck", make)

    def network(self):
        """The transfer network (:func:`workbench.transfer_network`) with blame and buck-passing."""
        from ..chains.buck import buck_passing
        from ..chains.segments import custody
        from ..networks.transfer import transfer_network

        return self._get("network", lambda: transfer_network(
            self.book, custody=custody(self.book, self.policy, self.as_of), blame=self.blame,
            buck=buck_passing(self.book, self.policy, self.as_of)))

    def layout(self) -> pd.DataFrame:
        from .blame import network_layout

        return self._get("layout", lambda: network_layout(self.network(), self.book.units))

    def flows(self) -> pd.DataFrame:
        from .blame import level_flows

        return self._get("flows", lambda: level_flows(self.book))

    def process_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The most common variants and the busiest directly-follows steps (:mod:`workbench.chains.process`)."""
        from ..chains.process import directly_follows, variants

        def make() -> tuple[pd.DataFrame, pd.DataFrame]:
            dfg = directly_follows(self.book)
            return variants(self.book, top=10), dfg.sort_values("count", ascending=False, kind="stable").head(15)
        return self._get("process", make)

    def urging(self) -> pd.DataFrame:
        """:func:`workbench.urging_effect` of the book (its method in ``attrs``)."""
        from ..chains.urging import urging_effect

        return self._get("urging", lambda: urging_effect(self.book, as_of=self.as_of))

    def default_case(self) -> str | None:
        """The case with the most late days."""
        from .blame import most_overdue_case

        return self._get("default_case", lambda: most_overdue_case(self.blame))

    # ------------------------------------------------------------------ what a click does

    def _set_list(self, ids: list[str], title: str) -> list[str]:
        self.listed, self.listed_title = list(ids), title
        if self._widgets_built:
            self._show_list()
        return self.listed

    def _unit_name(self, unit_id: object) -> str:
        return str(names(self.book, "units").get(unit_id, unit_id))

    def list_unit(self, unit_id: str, measure: str = "late_days") -> list[str]:
        """The cases behind one unit's figure of the accountability table (``measure``: a column
        of :meth:`Blame.by_unit`, e.g. ``late_days``, ``bounces_caused``, ``returns_sent``)."""
        ids = self.blame.case_ids(_TO_CASES.get(measure, measure), unit_id=unit_id)
        return self._set_list(ids, text("blame.ui.list_measure", self.language, name=self._unit_name(unit_id),
                                         measure=text(f"blame.u.{measure}", self.language)))

    def list_leader(self, lead_person_id: str, measure: str = "late_cases") -> list[str]:
        """The cases behind one 包案领导's figure (``measure``: a column of :meth:`Blame.by_leader`)."""
        ids = self.blame.case_ids(measure, lead_person_id=lead_person_id)
        who = str(names(self.book, "people").get(lead_person_id, lead_person_id))
        return self._set_list(ids, text("blame.ui.list_measure", self.language, name=who,
                                        measure=text(f"blame.l.{measure}", self.language)))

    def list_pair(self, unit_a: str, unit_b: str) -> list[str]:
        """The cases that bounced between two units, or that both refused (the buck-passing
        pair's ``case_ids``); either order of the two."""
        bp = self.buck_table()
        a, b = sorted((str(unit_a), str(unit_b)))
        row = bp.loc[(bp["unit_a"].astype(str) == a) & (bp["unit_b"].astype(str) == b)]
        ids = list(row["case_ids"].iloc[0]) if len(row) else []
        return self._set_list(ids, text("blame.ui.list_pair", self.language, a=self._unit_name(a), b=self._unit_name(b)))

    def list_edge(self, source: str, target: str) -> list[str]:
        """The cases routed from ``source`` to ``target`` (an edge of the transfer network)."""
        G = self.network()
        ids = list(G.edges[source, target].get("case_ids", [])) if G.has_edge(source, target) else []
        return self._set_list(ids, text("blame.ui.list_edge", self.language, a=self._unit_name(source),
                                        b=self._unit_name(target)))

    def list_node(self, unit_id: str) -> list[str]:
        """The cases a unit held (a node of the transfer network)."""
        ids = self.blame.case_ids("cases_held", unit_id=unit_id)
        return self._set_list(ids, text("blame.ui.list_node", self.language, name=self._unit_name(unit_id)))

    def list_flow(self, source_level: str, target_level: str, kind: str | None = None) -> list[str]:
        """The cases routed from one unit level to another (``kind``: ``route`` or ``return``;
        both when None)."""
        from ..vocab import label

        f = self.flows()
        sel = (f["source_level"] == source_level) & (f["target_level"] == target_level)
        if kind is not None:
            sel &= f["kind"] == kind
        ids = list(dict.fromkeys(c for lst in f.loc[sel, "case_ids"] for c in lst))
        lg = self.language

        def lvl(v: str) -> str:
            return label("unit_level", v, lg) if v != "unknown" else text("blame.net.unknown_level", lg)

        what = text(f"blame.flow.kind.{kind}", lg) if kind else text("ui.part.all", lg)
        return self._set_list(ids, text("blame.ui.list_flow", lg, src=lvl(source_level), dst=lvl(target_level), kind=what))

    def show_case(self, case_id: str | None = None):
        """Draw one case's chain and tell its story (default: the case with the most late days).
        Returns the figure (``self.story`` holds the story)."""
        from .blame import chain_data, chain_figure, chain_story

        case_id = case_id or self.default_case()
        if case_id is None:
            return None
        self.case_id = str(case_id)
        chain = chain_data(self.book, self.case_id, self.policy, self.as_of)
        self.chain = chain
        fig = chain_figure(chain, self.language).update_layout(width=self.width)
        self.story = chain_story(chain, self.language)
        if self._widgets_built:
            DelayExplorer._set_figure(self._chain_fig, fig)
            self._story.value = story_html(self.story)
            self._w_case.value = self.case_id
        return fig

    def set_kind(self, kind: str, measure: str | None = None) -> None:
        """Show the accountability of units (``unit``) or of leaders (``leader``)."""
        if kind not in ("unit", "leader"):
            raise ValueError(f"kind must be 'unit' or 'leader', not {kind!r}")
        self.kind = kind
        self.measure = measure or ("late_days" if kind == "unit" else "late_share")
        if self._widgets_built:
            self._sync_measure_options()
            self._draw_accountability()

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        from .overview import setup

        setup()
        L = self.language
        t = lambda k, **f: text(k, L, **f)  # noqa: E731
        t0 = time.perf_counter()
        self._status = w.HTML()
        # accountability
        self._w_kind = w.ToggleButtons(options=[(t("blame.ui.by_unit"), "unit"), (t("blame.ui.by_leader"), "leader")],
                                       value=self.kind)
        self._w_kind.observe(lambda c: self.set_kind(c["new"]), names="value")
        self._w_measure = w.Dropdown(description=t("blame.ui.measure"), style={"description_width": "initial"})
        self._w_measure.observe(self._on_measure, names="value")
        self._acc_fig = go.FigureWidget()
        self._w_row = w.Dropdown(description=t("blame.ui.row"), style={"description_width": "initial"},
                                 layout=w.Layout(width="60%"))
        self._w_row_btn = w.Button(description=t("blame.ui.list"), icon="list")
        self._w_row_btn.on_click(lambda _b: self._w_row.value is not None and self._list_row(self._w_row.value))
        self._acc_html = w.HTML()
        # the chain of one case
        self._w_case = w.Text(description=t("blame.ui.case"), style={"description_width": "initial"})
        self._w_case_btn = w.Button(description=t("blame.ui.show"), icon="search")
        self._w_case_btn.on_click(lambda _b: self._w_case.value and self.show_case(self._w_case.value.strip()))
        self._chain_fig = go.FigureWidget()
        self._story = w.HTML()
        # buck-passing
        self._w_pair = w.Dropdown(description=t("blame.ui.pair"), style={"description_width": "initial"},
                                  layout=w.Layout(width="70%"))
        self._w_pair_btn = w.Button(description=t("blame.ui.list"), icon="list")
        self._w_pair_btn.on_click(lambda _b: self._w_pair.value and self.list_pair(*self._w_pair.value))
        self._buck_html = w.HTML()
        self._net_fig = go.FigureWidget()
        # flows
        self._sankey = go.FigureWidget()
        self._w_flow = w.Dropdown(description=t("blame.ui.flow"), style={"description_width": "initial"},
                                  layout=w.Layout(width="60%"))
        self._w_flow_btn = w.Button(description=t("blame.ui.list"), icon="list")
        self._w_flow_btn.on_click(lambda _b: self._w_flow.value and self.list_flow(*self._w_flow.value))
        # process and urging
        self._process_html = w.HTML()
        self._urge_fig = go.FigureWidget()
        self._urge_html = w.HTML()
        children = [
            w.VBox([w.HBox([self._w_kind, self._w_measure]), self._acc_fig,
                    w.HBox([self._w_row, self._w_row_btn]), self._acc_html]),
            w.VBox([w.HBox([self._w_case, self._w_case_btn]), self._chain_fig, self._story]),
            w.VBox([w.HBox([self._w_pair, self._w_pair_btn]), self._buck_html, self._net_fig]),
            w.VBox([w.HBox([self._w_flow, self._w_flow_btn]), self._sankey]),
        ]
        titles = ["blame.ui.tab.accountability", "blame.ui.tab.chain", "blame.ui.tab.buck", "blame.ui.tab.flows"]
        self._tab_kinds = ["accountability", "chain", "buck", "flows"]
        if _importable("workbench.chains.process"):
            children.append(self._process_html)
            titles.append("blame.ui.tab.process")
            self._tab_kinds.append("process")
        if _importable("workbench.chains.urging"):
            children.append(w.VBox([self._urge_fig, self._urge_html]))
            titles.append("blame.ui.tab.urging")
            self._tab_kinds.append("urging")
        self._tabs = w.Tab(children=children)
        for i, k in enumerate(titles):
            self._tabs.set_title(i, t(k))
        self._tabs.observe(lambda _c: self._draw_tab(), names="selected_index")
        self._list_title = w.HTML(f"<i>{html.escape(t('blame.ui.hint'))}</i>")
        self._w_cases = w.Select(options=[], rows=8, layout=w.Layout(width="100%", display="none"))
        self._w_cases.observe(self._on_case_pick, names="value")
        self._list_html = w.HTML()
        self._box = w.VBox([w.HTML(f"<h3>{html.escape(t('blame.ui.title'))}</h3>"), self._status, self._tabs,
                            self._list_title, self._w_cases, self._list_html])
        self._widgets_built = True
        self._sync_measure_options()
        self._draw_tab()
        ms = (time.perf_counter() - t0) * 1000
        from ..rules.policy import load_policy

        pol = load_policy(self.policy if self.policy is not None else getattr(self.book, "policy", None) or None)
        self._status.value = (f"<small>{html.escape(text('ui.policy', L))}: {html.escape(pol.title(L))} · "
                              f"{html.escape(text('ui.as_of', L))}: {self.as_of:%Y-%m-%d %H:%M} · {ms:.0f} ms</small>")

    def _draw_tab(self) -> None:
        i = self._tabs.selected_index or 0
        kind = self._tab_kinds[i]
        if kind == "accountability":
            self._draw_accountability()
        elif kind == "chain" and i not in self._drawn:
            self.show_case(self.case_id)
        elif kind == "buck" and i not in self._drawn:
            self._draw_buck()
        elif kind == "flows" and i not in self._drawn:
            self._draw_flows()
        elif kind == "process" and i not in self._drawn:
            self._draw_process()
        elif kind == "urging" and i not in self._drawn:
            self._draw_urging()
        self._drawn.add(i)

    def _sync_measure_options(self) -> None:
        k = "u" if self.kind == "unit" else "l"
        opts = [(text(f"blame.{k}.{m}", self.language), m) for m in
                (_UNIT_MEASURES if self.kind == "unit" else _LEADER_MEASURES)]
        with self._quietly():
            self._w_measure.options = opts
            self._w_measure.value = self.measure
            if self._w_kind.value != self.kind:
                self._w_kind.value = self.kind

    def _on_measure(self, change) -> None:
        if getattr(self, "_syncing", False) or change["new"] is None:
            return
        self.measure = change["new"]
        self._draw_accountability()

    def _draw_accountability(self) -> None:
        from .blame import accountability_figure, accountability_table_html

        table = self.table()
        fig = accountability_figure(table, self.kind, self.measure, top=self.top, language=self.language)
        DelayExplorer._set_figure(self._acc_fig, fig.update_layout(width=self.width))
        for tr in self._acc_fig.data:
            tr.on_click(self._on_acc_click)
        rows = fig.data[0].customdata if len(fig.data) else []
        labels = list(fig.data[0].y) if len(fig.data) else []
        self._w_row.options = [(f"{i + 1}. {y}", str(cd[0])) for i, (y, cd) in enumerate(zip(labels, rows, strict=True))]
        self._acc_html.value = accountability_table_html(table, self.kind, self.top, self.language, self.book)

    def _list_row(self, key: str) -> list[str]:
        return self.list_unit(key, self.measure) if self.kind == "unit" else self.list_leader(key, self.measure)

    def _draw_buck(self) -> None:
        from .blame import buck_table, table_html, transfer_network_figure

        bp = self.buck_table()
        L = self.language
        self._w_pair.options = [(f"{r.rank}. {r.name_a} ⇄ {r.name_b} · {r.bounce_cases}/{r.cases}", (r.unit_a, r.unit_b))
                                for r in bp.head(50).itertuples()]
        self._buck_html.value = table_html(buck_table(bp, 15, L))
        fig = transfer_network_figure(self.network(), self.layout(), L, width=self.width)
        DelayExplorer._set_figure(self._net_fig, fig)
        for tr in self._net_fig.data:
            tr.on_click(self._on_net_click)

    def _draw_flows(self) -> None:
        from ..vocab import label
        from .blame import sankey_figure

        f = self.flows()
        L = self.language

        def lvl(v: str) -> str:
            return label("unit_level", v, L) if v != "unknown" else text("blame.net.unknown_level", L)

        DelayExplorer._set_figure(self._sankey, sankey_figure(f, L).update_layout(width=self.width))
        for tr in self._sankey.data:
            tr.on_click(self._on_sankey_click)
        order = f.sort_values("cases", ascending=False, kind="stable")
        self._w_flow.options = [(f"{lvl(s)} → {lvl(t)} · {text('blame.flow.kind.' + k, L)} · {c:,}", (s, t, k))
                                for s, t, k, c in zip(order["source_level"], order["target_level"], order["kind"],
                                                      order["cases"], strict=True)]

    def _draw_process(self) -> None:
        from ..vocab import label
        from .blame import table_html

        L = self.language
        try:
            var, dfg = self.process_tables()
        except Exception as exc:  # the process module is another helper's and may change: say so, do not break the panel
            self._process_html.value = html.escape(text("blame.ui.unavailable", L, error=repr(exc)))
            return

        def act(a: object) -> str:
            return label("action", str(a), L) or str(a)

        v = var.copy()
        v["variant"] = [" → ".join(act(a) for a in acts) for acts in v["actions"]]
        v = v[["variant", "cases", "share", "median", "p90"]].round({"share": 3, "median": 1, "p90": 1})
        v.columns = [text(f"blame.p.{c}", L) for c in ("variant", "cases", "share", "median", "p90")]
        d = dfg[["source", "target", "count", "cases", "median", "p90"]].copy()
        d["source"], d["target"] = d["source"].map(act), d["target"].map(act)
        d = d.round({"median": 1, "p90": 1})
        d.columns = [text(f"blame.p.{c}", L) for c in ("source", "target", "count", "cases", "median", "p90")]
        self._process_html.value = (f"<h4>{html.escape(text('blame.ui.variants', L, n=len(v)))}</h4>{table_html(v)}"
                                    f"<h4>{html.escape(text('blame.ui.dfg', L, n=len(d)))}</h4>{table_html(d)}")

    def _draw_urging(self) -> None:
        from .blame import table_html, urging_figure, urging_method

        L = self.language
        try:
            eff = self.urging()
        except Exception as exc:  # another helper's module: report, do not break the panel
            self._urge_html.value = html.escape(text("blame.ui.unavailable", L, error=repr(exc)))
            return
        DelayExplorer._set_figure(self._urge_fig, urging_figure(eff, L).update_layout(width=self.width))
        cols = [c for c in ("kind", "treated_n", "control_n", "treated_replied_15d", "control_replied_15d",
                            "treated_median_days", "control_median_days", "diff_median_days") if c in eff]
        shown = eff[cols].copy().round(3)
        from ..vocab import label

        shown["kind"] = [label("action", k, L) or k for k in shown["kind"]]
        shown.columns = [text(f"blame.e.{c}", L) for c in cols]
        self._urge_html.value = table_html(shown) + story_html(urging_method(eff, L))

    def _show_list(self) -> None:
        from .delays import cases_table_html

        c = self.book.cases
        rows = c.loc[c["case_id"].astype(str).isin(self.listed)]
        self._list_title.value = f"<b>{html.escape(self.listed_title)}</b>"
        self._w_cases.layout.display = None
        nm = names(self.book, "units")
        opts = [(f"{r.case_id} · {r.received_at:%Y-%m-%d} · {nm.get(r.responsible_unit_id, r.responsible_unit_id)} · "
                 f"{r.category_l1 if isinstance(r.category_l1, str) else ''}", str(r.case_id))
                for r in rows.head(500).itertuples()]
        self._set_options(self._w_cases, opts)
        rows = rows.assign(unit_name=rows["responsible_unit_id"].map(nm).fillna(rows["responsible_unit_id"]),
                           leader_name=rows["lead_person_id"].map(names(self.book, "people")))
        cols = ["case_id", "received_at", "category_l1", "category_l2", "unit_name", "leader_name", "replied_at",
                "closed_at", "status"]
        self._list_html.value = cases_table_html(rows, [x for x in cols if x in rows], language=self.language)

    def _on_case_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or not change["new"]:
            return
        self.show_case(change["new"])
        self._tabs.selected_index = self._tab_kinds.index("chain")

    # click handlers: plotly gives the clicked points' indices; customdata carries the ids
    def _on_acc_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            key = str(trace.customdata[points.point_inds[0]][0])
            self._list_row(key)

    def _on_net_click(self, trace, points, _state) -> None:
        if not points.point_inds or trace.customdata is None:
            return
        cd = trace.customdata[points.point_inds[0]]
        if len(cd) == 2:
            self.list_edge(str(cd[0]), str(cd[1]))
        elif len(cd) == 1:
            self.list_node(str(cd[0]))

    def _on_sankey_click(self, trace, points, _state) -> None:
        link = self._sankey_link(trace, points)
        if link is not None:
            self.list_flow(link[0], link[1], link[2])


def _importable(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except Exception:  # a module another helper is still writing: its tab is left out
        return False
    return True


def explore_blame(book, policy: object = None, as_of: object = None, **kw: Any) -> BlameExplorer:
    """The blame explorer over ``book`` (display it in a notebook cell)."""
    return BlameExplorer(book, policy, as_of, **kw)
