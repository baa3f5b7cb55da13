"""The repeat-petitions explorer (重复信访与积案化解台): unresolved matters, a person's dossier and
why their records were merged, petitioning groups, escalation between levels and the repeat-count
bands — in one ipywidgets panel.

The analyses run once (:func:`workbench.resolve_persons`, :func:`workbench.repeat_matters`,
:func:`workbench.petitioner_groups`, and the data functions of :mod:`workbench.views.persons`);
every click then reads those results. Tabs: 积案 (pick a matter → its person's dossier), 信访人
(find a person → dossier, merge evidence), 群体 (click a group → its profile and cases), 越级
(click a flow → its matters), 重复 (click a band → its persons; the repeat rate by month or county).

Everything the widgets do goes through plain methods (``show_person``, ``show_matter``,
``show_group``, ``list_unresolved``, ``list_band``, ``list_flow``, ``find_person``,
``set_rate_by``), so a notebook cell or a test drives the explorer without a browser. Figures
reach the browser as strict JSON (no NaN). Privacy is the views' (DESIGN §9): the role is fixed
when the explorer is made.
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..i18n import lang, text
from . import persons as P
from .explorer import DelayExplorer, ExplorerShell

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..privacy.masking import Masker

__all__ = ["PersonsExplorer", "explore_persons"]

_TABS = ("unresolved", "person", "groups", "escalation", "repeats")


class PersonsExplorer(ExplorerShell):
    """Widgets over one Casebook: see the module docstring. ``persons`` / ``repeats`` /
    ``groups`` are computed on first use when not given (``overrides``: the supervisor's
    merge/split decisions file, applied by :func:`workbench.resolve_persons`)."""

    _static_key = "person.ui.static"

    def __init__(self, book, persons=None, repeats=None, groups=None, *, overrides: str | None = None,
                 language: str | None = None, role: str | Masker | None = None, top: int = 30, width: int = 940):
        from ..privacy.masking import Masker, masker_for

        self.book = book
        self.overrides = overrides
        self.language = lang(language)
        #: what the role may see; an analyst's needs the pseudonym key (configured, or pass a Masker)
        self.masker = role if isinstance(role, Masker) else masker_for(role, language=self.language)
        self.role = self.masker.role
        self.top = top
        self.width = width
        self._cache: dict[str, Any] = {}
        if persons is not None:
            self._cache["persons"] = persons
        if repeats is not None:
            self._cache["repeats"] = repeats
        if groups is not None:
            self._cache["groups"] = groups
        self.person_key: str | None = None
        self.matter_key: str | None = None
        self.group_id: str | None = None
        self.dossier: P.Dossier | None = None
        self.group: P.Dossier | None = None
        self.story = ""
        self.group_story = ""
        self.rate_by = "month"
        self.listed: list[str] = []
        self.listed_kind = "matters"
        self.listed_title = ""
        self._widgets_built = False
        self._drawn: set[str] = set()

    # ------------------------------------------------------------------ model (computed once)

    @property
    def persons(self):
        """The resolution of the book's petitioner records (:func:`workbench.resolve_persons`)."""
        from ..identity.resolve import resolve_persons

        return self._get("persons", lambda: resolve_persons(self.book, overrides=self.overrides))

    @property
    def repeats(self):
        """Repeats by matter (:func:`workbench.repeat_matters`) as the role may see them."""
        from ..identity.repeats import repeat_matters

        return self._get("repeats", lambda: repeat_matters(self.book, self.persons, role=self.role))

    @property
    def groups(self):
        """Petitioning groups (:func:`workbench.petitioner_groups`) as the role may see them."""
        from ..identity.groups import petitioner_groups

        return self._get("groups", lambda: petitioner_groups(self.book, self.persons, role=self.role))

    def unresolved(self) -> pd.DataFrame:
        """:func:`~workbench.views.persons.unresolved_matters` (ids, ranked)."""
        return self._get("unresolved", lambda: P.unresolved_matters(self.repeats, self.book, self.role))

    def matters(self) -> pd.DataFrame:
        """:func:`~workbench.views.persons.matter_table` of every matter the role may see."""
        return self._get("matters", lambda: P.matter_table(self.repeats, self.book, self.role))

    def flows(self) -> pd.DataFrame:
        return self._get("flows", lambda: P.escalation_flows(self.repeats, self.book, self.role))

    def bands(self) -> pd.DataFrame:
        return self._get("bands", lambda: P.bands_data(self.repeats))

    def rate(self, by: str = "month") -> pd.DataFrame:
        return self._get(f"rate:{by}", lambda: P.repeat_rate(self.repeats, self.book, by))

    def layout(self) -> pd.DataFrame:
        return self._get("layout", lambda: P.group_layout(self.groups, top=self.top))

    def labels(self, keys) -> list[str]:
        """How persons are named for this explorer's role."""
        return P.person_labels(keys, self.persons, self.masker)

    def default_person(self) -> str | None:
        """The person of the first unresolved matter (else the one with most cases)."""
        u = self.unresolved()
        if len(u):
            return str(u["person_key"].iloc[0])
        rp = self.repeats.persons
        if not len(rp):
            return None
        return str(rp.sort_values("n_cases", ascending=False, kind="stable")["person_key"].iloc[0])

    def default_group(self) -> str | None:
        """The group whose matter climbed highest (:func:`~workbench.views.persons.escalated_group`)."""
        return self._get("default_group", lambda: P.escalated_group(self.groups, self.book))

    # ------------------------------------------------------------------ what a click does

    def _set_list(self, ids: list[str], kind: str, title: str) -> list[str]:
        self.listed, self.listed_kind, self.listed_title = [str(i) for i in ids], kind, title
        if self._widgets_built:
            self._show_list()
        return self.listed

    def list_unresolved(self) -> list[str]:
        """The unresolved matters (积案), ranked (matter keys, the first ``top``)."""
        u = self.unresolved().head(self.top)
        return self._set_list(u["matter_key"].tolist(), "matters",
                              text("person.ui.list_matters", self.language, what=text("person.ui.unresolved_what",
                                                                                      self.language), n=len(u)))

    def list_flow(self, source: str, target: str) -> list[str]:
        """The matters behind one link of the escalation Sankey (matter keys)."""
        f = self.flows()
        row = f.loc[(f["source"] == source) & (f["target"] == target)]
        ids = list(row["matter_keys"].iloc[0]) if len(row) else []
        L = self.language

        def word(v: str) -> str:
            return text(f"person.flow.{v}", L) if v in ("open", "closed") else P._level_word(v, L)

        what = text("person.ui.flow_what", L, src=word(source), dst=word(target))
        return self._set_list(ids, "matters", text("person.ui.list_matters", L, what=what, n=len(ids)))

    def list_band(self, band: str) -> list[str]:
        """The persons of one repeat-count band, most cases first (person keys)."""
        rp = self.repeats.persons
        if "band" in rp:
            sel = rp.loc[rp["band"].astype(str) == str(band)]
        else:
            b = self.bands()
            keys = set(b.loc[b["band"] == band, "person_keys"].iloc[0]) if (b["band"] == band).any() else set()
            sel = rp.loc[rp["person_key"].astype(str).isin(keys)]
        sel = sel.sort_values(["n_cases", "person_key"], ascending=[False, True], kind="stable")
        ids = sel["person_key"].astype(str).tolist()
        what = text("person.ui.band_what", self.language, band=band)
        return self._set_list(ids, "persons", text("person.ui.list_persons", self.language, what=what, n=len(ids)))

    def find_person(self, query: str) -> list[str]:
        """Persons matching ``query``: a person_key or the label the role sees (the analyst's
        pseudonym 化名-…); for the supervisor also a name (or name variant) containing it, an ID
        number or a phone; for the trainer a (synthetic) name. Lists them; returns the keys."""
        q = str(query or "").strip()
        pp = self.persons.persons
        keys = pp["person_key"].astype(str)
        hit = keys == q
        if q and self.role == "analyst" and "-" in q:  # a pseudonym, in either language (化名-… / alias-…)
            code = q.rsplit("-", 1)[-1].upper()
            hit |= pd.Series([lab.rsplit("-", 1)[-1] for lab in self.labels(keys)], index=keys.index) == code
        if q and self.role == "trainer" and "name" in pp:
            hit |= pp["name"].astype("str").str.contains(q, regex=False).fillna(False)
        if q and P.is_supervisor(self.role):
            for col in ("name", "id_number"):
                if col in pp:
                    v = pp[col].astype("str")
                    hit |= (v.str.contains(q, regex=False) if col == "name" else v == q).fillna(False)
            def listed(xs: object, part: bool) -> bool:
                if xs is None or isinstance(xs, str) or not hasattr(xs, "__iter__"):
                    return False
                return any((q in str(x)) if part else (q == str(x)) for x in xs)  # type: ignore[union-attr]

            if "name_variants" in pp:
                hit |= pp["name_variants"].map(lambda xs: listed(xs, True)).astype(bool)
            if "phones" in pp:
                hit |= pp["phones"].map(lambda xs: listed(xs, False)).astype(bool)
        ids = keys[hit.fillna(False).to_numpy(dtype=bool)].tolist()[:500]
        title = text("person.ui.list_persons", self.language, what=q, n=len(ids)) if ids else \
            text("person.ui.not_found", self.language, q=q)
        return self._set_list(ids, "persons", title)

    def show_person(self, person_key: str | None = None) -> go.Figure | None:
        """Draw one person's dossier, tell their story and show why their records were merged
        (default: the person of the first unresolved matter). Returns the figure."""
        pk = person_key or self.default_person()
        if pk is None:
            return None
        d = P.dossier_data(self.book, self.persons, self.repeats, str(pk), self.masker)
        self.person_key, self.dossier = str(pk), d
        fig = P.dossier_figure(d, self.language).update_layout(width=self.width)
        self.story = P.dossier_story(d, self.language)
        if self._widgets_built:
            from .blame_explorer import story_html

            DelayExplorer._set_figure(self._dossier_fig, fig)
            for tr in self._dossier_fig.data:
                tr.on_click(self._on_dossier_click)
            self._story.value = story_html(self.story)
            self._merges.value = P.merge_html(d, self.language, self.overrides)
            self._select_tab("person")
        return fig

    def show_matter(self, matter_key: str) -> go.Figure | None:
        """The dossier of the person whose matter this is (the matter kept in ``matter_key``)."""
        m = self.matters()
        row = m.loc[m["matter_key"].astype(str) == str(matter_key)]
        if not len(row):
            raise KeyError(f"matter {matter_key!r} is not among the matters this role may see")
        self.matter_key = str(matter_key)
        return self.show_person(str(row["person_key"].iloc[0]))

    def show_group(self, group_id: str | None = None) -> go.Figure | None:
        """Draw one group's cases, tell its story and show its profile (default: the group whose
        matter climbed highest). Returns the figure."""
        gid = group_id or self.default_group()
        if gid is None:
            return None
        d = P.group_data(self.book, self.groups, self.repeats, str(gid), self.persons, self.masker)
        self.group_id, self.group = str(gid), d
        fig = P.dossier_figure(d, self.language).update_layout(width=self.width)
        self.group_story = P.dossier_story(d, self.language)
        if self._widgets_built:
            from .blame_explorer import story_html

            DelayExplorer._set_figure(self._group_fig, fig)
            prof = P.group_profile(self.groups, self.book, str(gid), self.language, persons=self.persons, role=self.masker,
                                   repeats=self.repeats)
            self._group_html.value = P.table_html(prof) + story_html(self.group_story)
            if self._w_group.value != str(gid) and str(gid) in [v for _, v in self._w_group.options]:
                with self._quietly():
                    self._w_group.value = str(gid)
            self._select_tab("groups")
        return fig

    def set_rate_by(self, by: str) -> None:
        """重复信访率 by ``month`` or ``county``."""
        if by not in ("month", "county"):
            raise ValueError(f"by must be 'month' or 'county', not {by!r}")
        self.rate_by = by
        if self._widgets_built:
            if self._w_rate_by.value != by:
                self._w_rate_by.value = by
            DelayExplorer._set_figure(self._rate_fig, P.repeat_rate_figure(self.rate(by), self.language)
                                      .update_layout(width=self.width))

    # ------------------------------------------------------------------ widgets

    def _select_tab(self, kind: str) -> None:
        i = _TABS.index(kind)
        if self._tabs.selected_index != i:
            self._tabs.selected_index = i

    def _build(self) -> None:
        import ipywidgets as w
        import plotly.graph_objects as go

        from .overview import setup

        setup()
        L = self.language
        t0 = time.perf_counter()
        wide = w.Layout(width="100%")
        self._status = w.HTML()
        # 积案
        self._unresolved_html = w.HTML()
        self._w_matter = w.Select(options=[], rows=10, layout=wide)
        self._w_matter.observe(self._on_matter_pick, names="value")
        # 信访人
        self._w_query = w.Text(description=text("person.ui.person", L), style={"description_width": "initial"},
                               placeholder=text("privacy.pseudonym", L) + "-…" if self.role == "analyst" else "")
        self._w_find = w.Button(description=text("person.ui.find", L), icon="search")
        self._w_find.on_click(lambda _b: self._w_query.value and self.find_person(self._w_query.value))
        self._dossier_fig = go.FigureWidget()
        self._story = w.HTML()
        self._merges = w.HTML()
        # 群体
        self._net_fig = go.FigureWidget()
        self._w_group = w.Dropdown(description=text("person.ui.group", L), style={"description_width": "initial"},
                                   layout=w.Layout(width="60%"))
        self._w_group.observe(self._on_group_pick, names="value")
        self._group_fig = go.FigureWidget()
        self._group_html = w.HTML()
        # 越级
        self._sankey = go.FigureWidget()
        self._w_flow = w.Dropdown(description=text("person.ui.flow", L), style={"description_width": "initial"},
                                  layout=w.Layout(width="60%"))
        self._w_flow_btn = w.Button(description=text("person.ui.list", L), icon="list")
        self._w_flow_btn.on_click(lambda _b: self._w_flow.value and self.list_flow(*self._w_flow.value))
        # 重复
        self._bands_fig = go.FigureWidget()
        self._w_rate_by = w.ToggleButtons(options=[(text("person.ui.by_month", L), "month"),
                                                   (text("person.ui.by_county", L), "county")], value=self.rate_by)
        self._w_rate_by.observe(lambda c: self.set_rate_by(c["new"]), names="value")
        self._rate_fig = go.FigureWidget()
        children = [
            w.VBox([self._unresolved_html, self._w_matter]),
            w.VBox([w.HBox([self._w_query, self._w_find]), self._dossier_fig, self._story, self._merges]),
            w.VBox([self._net_fig, self._w_group, self._group_fig, self._group_html]),
            w.VBox([self._sankey, w.HBox([self._w_flow, self._w_flow_btn])]),
            w.VBox([self._bands_fig, self._w_rate_by, self._rate_fig]),
        ]
        self._tabs = w.Tab(children=children)
        for i, k in enumerate(_TABS):
            self._tabs.set_title(i, text(f"person.ui.tab.{k}", L))
        self._tabs.observe(lambda _c: self._draw_tab(), names="selected_index")
        self._list_title = w.HTML(f"<i>{html.escape(text('person.ui.hint', L))}</i>")
        self._w_list = w.Select(options=[], rows=8, layout=w.Layout(width="100%", display="none"))
        self._w_list.observe(self._on_list_pick, names="value")
        self._box = w.VBox([w.HTML(f"<h3>{html.escape(text('person.ui.title', L))}</h3>"), self._status, self._tabs,
                            self._list_title, self._w_list])
        self._widgets_built = True
        self._draw_tab()
        ms = (time.perf_counter() - t0) * 1000
        role = html.escape(self.role)
        note = "person.ui.privacy" if self.role == "supervisor" else f"privacy.persons.{self.role}"
        self._status.value = (f"<small>{html.escape(text(note, L, role=role))} · {ms:.0f} ms</small>")

    def _draw_tab(self) -> None:
        kind = _TABS[self._tabs.selected_index or 0]
        if kind in self._drawn:
            return
        self._drawn.add(kind)
        if kind == "unresolved":
            self._draw_unresolved()
        elif kind == "person":
            if self.dossier is None:
                self.show_person(self.person_key)
        elif kind == "groups":
            self._draw_groups()
        elif kind == "escalation":
            self._draw_escalation()
        elif kind == "repeats":
            self._draw_repeats()

    def _draw_unresolved(self) -> None:
        L = self.language
        self._unresolved_html.value = P.unresolved_table_html(self.repeats, self.book, self.top, L, persons=self.persons,
                                                              role=self.masker, unresolved=self.unresolved())
        u = self.unresolved().head(self.top)
        labels = self.labels(u["person_key"])
        opts = [(f"{r}. {who} · {c1}/{c2} · {n}{'件' if L != 'en' else ' cases'}", str(k))
                for r, who, c1, c2, n, k in zip(u["rank"], labels, u["category_l1"], u["category_l2"], u["n_cases"],
                                                u["matter_key"], strict=True)]
        self._set_options(self._w_matter, opts)

    def _draw_groups(self) -> None:
        L = self.language
        g = self.groups
        if not len(g.groups):
            self._group_html.value = html.escape(text("person.ui.no_groups", L))
            return
        fig = P.group_network_figure(g, self.layout(), L, persons=self.persons, role=self.masker, width=self.width)
        DelayExplorer._set_figure(self._net_fig, fig)
        for tr in self._net_fig.data:
            tr.on_click(self._on_net_click)
        centres = self.layout().attrs["centres"]
        with self._quietly():
            self._w_group.options = [(f"{gid} · {s} · {c}", str(gid)) for gid, s, c in
                                     zip(centres["group_id"], centres["size"], centres["n_cases"], strict=True)]
        if self.group is None:
            self.show_group(self.group_id)

    def _draw_escalation(self) -> None:
        L = self.language
        f = self.flows()
        DelayExplorer._set_figure(self._sankey, P.escalation_figure(f, L).update_layout(width=self.width))
        for tr in self._sankey.data:
            tr.on_click(self._on_sankey_click)

        def word(v: str) -> str:
            return text(f"person.flow.{v}", L) if v in ("open", "closed") else P._level_word(v, L)

        self._w_flow.options = [(f"{word(s)} → {word(t)} · {m:,}", (s, t))
                                for s, t, m in zip(f["source"], f["target"], f["matters"], strict=True)]

    def _draw_repeats(self) -> None:
        L = self.language
        DelayExplorer._set_figure(self._bands_fig, P.bands_figure(self.bands(), L).update_layout(width=self.width))
        for tr in self._bands_fig.data:
            tr.on_click(self._on_band_click)
        self.set_rate_by(self.rate_by)

    def _show_list(self) -> None:
        L = self.language
        self._list_title.value = f"<b>{html.escape(self.listed_title)}</b>"
        self._w_list.layout.display = None
        ids = self.listed[:500]
        if self.listed_kind == "matters":
            m = self.matters().set_index("matter_key")
            rows = m.reindex(ids)
            labels = self.labels(rows["person_key"].fillna(""))
            opts = [(f"{who} · {c1}/{c2} · {n}{'件' if L != 'en' else ' cases'} · {P._path_words(p, L)}", k)
                    for k, who, c1, c2, n, p in zip(ids, labels, rows["category_l1"], rows["category_l2"],
                                                    rows["n_cases"], rows["path"], strict=True)]
        else:
            rp = self.repeats.persons.set_index("person_key")
            n = rp["n_cases"].reindex(ids) if "n_cases" in rp else pd.Series([None] * len(ids), index=ids)
            opts = [(f"{who} · {c}{'件' if L != 'en' else ' cases'}", k)
                    for k, who, c in zip(ids, self.labels(ids), n, strict=True)]
        self._set_options(self._w_list, opts)

    # ------------------------------------------------------------------ handlers

    def _on_matter_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or not change["new"]:
            return
        self.show_matter(change["new"])

    def _on_list_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or not change["new"]:
            return
        if self.listed_kind == "matters":
            self.show_matter(change["new"])
        else:
            self.show_person(change["new"])

    def _on_group_pick(self, change) -> None:
        if getattr(self, "_syncing", False) or not change["new"]:
            return
        self.show_group(change["new"])

    def _on_net_click(self, trace, points, _state) -> None:
        if not points.point_inds or trace.customdata is None:
            return
        cd = trace.customdata[points.point_inds[0]]
        self.show_group(str(cd[-1]))

    def _on_dossier_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            self.matter_key = str(trace.customdata[points.point_inds[0]][1])

    def _on_sankey_click(self, trace, points, _state) -> None:
        link = self._sankey_link(trace, points)
        if link is not None:
            self.list_flow(link[0], link[1])

    def _on_band_click(self, trace, points, _state) -> None:
        if points.point_inds and trace.customdata is not None:
            self.list_band(str(trace.customdata[points.point_inds[0]]))


def explore_persons(book, persons=None, repeats=None, groups=None, **kw: Any) -> PersonsExplorer:
    """The repeat-petitions explorer over ``book`` (display it in a notebook cell)."""
    return PersonsExplorer(book, persons, repeats, groups, **kw)
