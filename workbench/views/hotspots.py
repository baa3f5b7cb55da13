"""Figures of hotspots (热点): where and what petitions cluster on, when a series spikes, and the
hot issues (热点问题) found in the text of the summaries (DESIGN §8).

Each figure reads a data function's output, so what is drawn can be checked as a table:

- the composition of the cube: :func:`composition_data` (region → category, a row per box) →
  :func:`composition_figure` (a treemap);
- region × period: :func:`heatmap_data` → :func:`heatmap_figure` (alert cells outlined);
- one series against its own baseline: :func:`series_data` (observed, expected, band, alerts) →
  :func:`series_figure`;
- words: :func:`keywords_figure` over :func:`workbench.hotspots.topics.keywords`;
- tables: :func:`alerts_table` (spike alerts) and :func:`hot_issues_table` (hot issues), both
  drawn by :func:`workbench.views.blame.table_html`.

The inputs are the frames of :mod:`workbench.hotspots` (``IssueCube.frame``, ``spike_alerts``,
``expected_band``, ``keywords``, ``hot_issues``); these functions only reshape and draw them.
Regions and categories are shown, never petitioners: a hot issue's representative summaries (free
text that may name people) appear as they are for the ``supervisor`` role, scrubbed of ID numbers,
phones and petitioner names for the ``analyst`` (:func:`summaries_for`), and for the ``trainer``
(synthetic data) with accusers' names removed (DESIGN §9).

>>> cells = pd.DataFrame({"county6": ["339922", "339922", "339901"], "category_l1": ["环境保护", "城乡建设", "环境保护"],
...     "period": ["2024-01", "2024-01", "2024-02"], "cases": [20, 3, 2]})
>>> heatmap_data(cells, {"339922": "云溪县"}, level="county")[["region", "region_name", "period", "cases"]].values.tolist()
[['339922', '云溪县', '2024-01', 23], ['339922', '云溪县', '2024-02', 0], ['339901', '339901', '2024-01', 0], ['339901', '339901', '2024-02', 2]]
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..i18n import lang, text
from .delays import _RED, _layout, _tint

if TYPE_CHECKING:
    import plotly.graph_objects as go


__all__ = [
    "LEVEL_COLUMNS",
    "level_column",
    "composition_data",
    "composition_figure",
    "heatmap_data",
    "heatmap_figure",
    "series_data",
    "series_figure",
    "keywords_figure",
    "alerts_table",
    "hot_issues_table",
    "issues_behind",
    "show_summaries",
    "summaries_for",
]

#: the cube's region column of each level (GB/T 2260 code lengths 2, 4, 6, 9)
LEVEL_COLUMNS = {"province": "province2", "prefecture": "prefecture4", "city": "prefecture4", "county": "county6",
                 "township": "township9"}
_DIGITS = {"province2": 2, "prefecture4": 4, "county6": 6, "township9": 9}
_BLUE = "#3b6ea8"
_ORANGE = "#e67e22"
_GOV = ("人民政府", "人民政府办公室")


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def level_column(level: str) -> str:
    """The cube's region column of ``level`` (``province``, ``prefecture``/``city``, ``county``,
    ``township``).

    >>> level_column("county"), level_column("city")
    ('county6', 'prefecture4')
    """
    if level in LEVEL_COLUMNS:
        return LEVEL_COLUMNS[level]
    if level in _DIGITS:
        return level
    raise ValueError(f"level must be one of {sorted(LEVEL_COLUMNS)}, not {level!r}")


def _name(code: object, names: Mapping[str, str], language: str | None = None) -> str:
    """A region's display name: its name where known; a township code padded with zeros (the
    cube's "the county, no township recorded") as the county's; the code otherwise.

    >>> _name("339922000", {"339922": "云溪县"}, "zh"), _name("unknown", {}, "en"), _name("12", {})
    ('云溪县（未细分乡镇）', 'unknown', '12')
    """
    if _missing(code) or str(code) in ("", "unknown"):
        return text("hot.unknown", language)
    s = str(code)
    if s in names:
        return str(names[s])
    if len(s) == 9 and s.endswith("000") and s[:6] in names:
        return text("hot.county_only", language, name=names[s[:6]])
    return s


def _region_codes(frame: pd.DataFrame, col: str) -> pd.Series:
    """The region codes of ``col`` as strings; a case coded above that level (a county-level case
    in a township view) keeps its coarser code where the cell has none."""
    codes = frame[col].astype(object)
    if col == "township9" and "county6" in frame:
        codes = codes.where(codes.notna() & (codes.astype(str) != ""), frame["county6"].astype(object))
    return codes.astype(str)


# --------------------------------------------------------------------------- composition (treemap)


def composition_data(cells: pd.DataFrame, names: Mapping[str, str], *, level: str = "county",
                     category: str = "category_l1", top_regions: int | None = None,
                     language: str | None = None) -> pd.DataFrame:
    """The boxes of a region → category treemap from the cube's cells: one row per region and one
    per (region, category), with ``id``, ``parent``, ``label``, ``region``, ``category``, ``cases``
    and ``repeat_share`` (the share of repeat petitions, the boxes' colour). A region's ``cases``
    is the sum of its categories'.

    >>> cells = pd.DataFrame({"county6": ["339922", "339922"], "category_l1": ["环境保护", "城乡建设"],
    ...     "cases": [20, 5], "repeat": [2, 0]})
    >>> composition_data(cells, {"339922": "云溪县"})[["id", "parent", "label", "cases"]].values.tolist()
    [['339922', '', '云溪县', 25], ['339922/环境保护', '339922', '环境保护', 20], ['339922/城乡建设', '339922', '城乡建设', 5]]
    """
    col = level_column(level)
    f = pd.DataFrame({"region": _region_codes(cells, col), "category": cells[category].astype(object).fillna("—").astype(str),
                      "cases": cells["cases"].astype("int64"),
                      "repeat": cells["repeat"].astype("int64") if "repeat" in cells else 0})
    leaf = f.groupby(["region", "category"], sort=False, observed=True)[["cases", "repeat"]].sum().reset_index()
    leaf = leaf.loc[leaf["cases"] > 0]
    reg = leaf.groupby("region", sort=False)[["cases", "repeat"]].sum().reset_index()
    reg = reg.sort_values(["cases", "region"], ascending=[False, True], kind="stable")
    if top_regions is not None:
        reg = reg.head(top_regions)
        leaf = leaf.loc[leaf["region"].isin(reg["region"])]
    leaf = leaf.sort_values(["cases", "category"], ascending=[False, True], kind="stable")
    top = pd.DataFrame({"id": reg["region"], "parent": "", "label": [_name(r, names, language) for r in reg["region"]],
                        "region": reg["region"], "category": "", "cases": reg["cases"], "repeat": reg["repeat"]})
    low = pd.DataFrame({"id": leaf["region"] + "/" + leaf["category"], "parent": leaf["region"],
                        "label": leaf["category"], "region": leaf["region"], "category": leaf["category"],
                        "cases": leaf["cases"], "repeat": leaf["repeat"]})
    rank = {r: i for i, r in enumerate(reg["region"])}
    low = low.assign(_r=low["region"].map(rank)).sort_values("_r", kind="stable").drop(columns="_r")
    out = pd.concat([top, low], ignore_index=True)
    out["repeat_share"] = (out["repeat"] / out["cases"].where(out["cases"] > 0)).astype("float64")
    return out.drop(columns="repeat").reset_index(drop=True)


def composition_figure(data: pd.DataFrame, language: str | None = None, title: str | None = None) -> go.Figure:
    """A treemap of :func:`composition_data`: a box per region holding a box per category, area =
    cases, colour = share of repeat petitions (重复信访占比). ``customdata`` is ``[region, category]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    share = data["repeat_share"].fillna(0.0).to_numpy(dtype=np.float64)
    hover = [f"<b>{html.escape(str(r.label))}</b><br>{text('hot.col.cases', lg)}: {int(r.cases):,}"
             f"<br>{text('hot.col.repeat_share', lg)}: {s:.1%}" for r, s in zip(data.itertuples(), share, strict=True)]
    fig = go.Figure(go.Treemap(
        ids=data["id"].tolist(), parents=data["parent"].tolist(), labels=data["label"].tolist(),
        values=data["cases"].astype("int64").tolist(), branchvalues="total",
        customdata=[[r, c] for r, c in zip(data["region"], data["category"], strict=True)],
        marker={"colors": share.tolist(), "colorscale": "OrRd", "cmin": 0.0, "cmax": max(0.3, float(share.max()) if len(share) else 0.3),
                "colorbar": {"title": {"text": text("hot.col.repeat_share", lg)}, "tickformat": ".0%"}},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", textinfo="label+value", maxdepth=2,
        root={"color": "white"}, tiling={"pad": 2},
    ))
    return _layout(fig, title={"text": title or text("hot.fig.composition", lg)}, height=560,
                   margin={"l": 10, "r": 10, "t": 50, "b": 10})


# --------------------------------------------------------------------------- region × period


def heatmap_data(cells: pd.DataFrame, names: Mapping[str, str], *, level: str = "county",
                 category: str | None = None, category_column: str = "category_l1", top: int | None = 20,
                 alerts: pd.DataFrame | None = None, language: str | None = None) -> pd.DataFrame:
    """Cases per region and period from the cube's cells (of one category when given), every
    period of every shown region present (zeros filled); the ``top`` regions by cases, largest
    first. ``alert`` is True where ``alerts`` (of :func:`workbench.spike_alerts`) has one for the
    cell (of that category, if one is given)."""
    col = level_column(level)
    f = cells
    if category is not None:
        f = f.loc[(f[category_column].astype(str) == str(category)).to_numpy(dtype=bool)]
    g = pd.DataFrame({"region": _region_codes(f, col), "period": f["period"].astype(str),
                      "cases": f["cases"].astype("int64")})
    periods = sorted(p for p in cells["period"].astype(str).unique() if p != "unknown")  # no date: no column
    tot = g.groupby("region", sort=False)["cases"].sum().reset_index()
    tot = tot.sort_values(["cases", "region"], ascending=[False, True], kind="stable")
    regions = tot["region"].tolist()[: top if top is not None else None]
    alerted: list[str] = []
    if alerts is not None and len(alerts) and "region" in alerts:
        a = alerts
        if category is not None and "category" in a:
            a = a.loc[(a["category"].astype(str) == str(category)).to_numpy(dtype=bool)]
        alerted = [r for r in dict.fromkeys(a["region"].astype(str)) if r not in regions]
    regions += alerted  # a region with an alert is always shown, below the busiest
    per = g.groupby(["region", "period"], sort=False)["cases"].sum()
    per = per.loc[per.index.get_level_values("period") != "unknown"]
    full = pd.MultiIndex.from_product([regions, periods], names=["region", "period"])
    out = per.reindex(full, fill_value=0).reset_index()
    out["cases"] = out["cases"].astype("int64")
    out.insert(1, "region_name", [_name(r, names, language) for r in out["region"]])
    out["alert"] = False
    if alerts is not None and len(alerts):
        a = alerts
        if category is not None and "category" in a:
            a = a.loc[(a["category"].astype(str) == str(category)).to_numpy(dtype=bool)]
        keys = set(zip(a["region"].astype(str), a["period"].astype(str), strict=True))
        out["alert"] = [(r, p) in keys for r, p in zip(out["region"], out["period"], strict=True)]
    return out


def heatmap_figure(data: pd.DataFrame, language: str | None = None, title: str | None = None) -> go.Figure:
    """Region × period heatmap of :func:`heatmap_data` (the busiest region on top), cells with a
    spike alert outlined in red. ``customdata`` of each cell is ``[region, period]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    regions = list(dict.fromkeys(data["region"]))
    periods = list(dict.fromkeys(data["period"]))
    label = dict(zip(data["region"], data["region_name"], strict=True))
    shown = _unique(regions, label)
    z = data.pivot(index="region", columns="period", values="cases").reindex(index=regions, columns=periods)
    cd = [[[r, p] for p in periods] for r in regions]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=np.float64).tolist(), x=periods, y=shown, customdata=cd, colorscale="YlOrRd",
        colorbar={"title": {"text": text("hot.col.cases", lg)}}, xgap=1, ygap=1,
        hovertemplate=f"%{{y}} · %{{x}}<br>{text('hot.col.cases', lg)}: %{{z}}<extra></extra>",
    ))
    hit = data.loc[data["alert"].astype(bool)]
    if len(hit):
        fig.add_trace(go.Scatter(
            x=hit["period"].tolist(), y=[shown[regions.index(r)] for r in hit["region"]], mode="markers",
            marker={"symbol": "square-open", "size": 16, "color": _RED, "line": {"width": 2.5}},
            name=text("hot.fig.alert", lg), customdata=[[r, p] for r, p in zip(hit["region"], hit["period"], strict=True)],
            hovertemplate=f"%{{y}} · %{{x}}<br>{text('hot.fig.alert', lg)}<extra></extra>",
        ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-45)
    return _layout(fig, title={"text": title or text("hot.fig.heatmap", lg)}, height=max(320, 60 + 24 * len(regions)),
                   margin={"l": 10, "r": 10, "t": 50, "b": 60}, showlegend=bool(len(hit)),
                   legend={"orientation": "h", "y": 1.0, "x": 0.5, "xanchor": "center", "yanchor": "bottom"})


def _unique(ids: Sequence[str], label: Mapping[str, str]) -> list[str]:
    """Display labels of ``ids``, a code added where two ids share a name."""
    names = [str(label.get(i, i)) for i in ids]
    dup = {n for n in names if names.count(n) > 1}
    return [f"{n} ({i})" if n in dup else n for n, i in zip(names, ids, strict=True)]


# --------------------------------------------------------------------------- one series


def _pick(frame: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in frame), None)


def series_data(band: pd.DataFrame, alerts: pd.DataFrame | None = None, *, region: str | None = None,
                category: str | None = None) -> pd.DataFrame:
    """One series against its baseline, from :func:`workbench.hotspots.alerts.expected_band`
    (filtered to ``region`` and ``category`` when it holds several): ``period``, ``observed``,
    ``expected``, ``lower``, ``upper`` and ``alert`` (True where ``alerts`` has the cell).

    >>> band = pd.DataFrame({"period": ["2023-12", "2024-01"], "cases": [0, 20], "expected": [0.2, 0.2],
    ...     "lower": [0.0, 0.0], "upper": [2.0, 2.0]})
    >>> al = pd.DataFrame({"region": ["339922100"], "category": ["环境保护"], "period": ["2024-01"]})
    >>> series_data(band, al, region="339922100", category="环境保护")[["period", "observed", "alert"]].values.tolist()
    [['2023-12', 0, False], ['2024-01', 20, True]]
    """
    b = band
    if region is not None and "region" in b:
        b = b.loc[(b["region"].astype(str) == str(region)).to_numpy(dtype=bool)]
    if category is not None and "category" in b:
        b = b.loc[(b["category"].astype(str) == str(category)).to_numpy(dtype=bool)]
    obs = _pick(b, "observed", "cases", "count")
    if obs is None:
        raise KeyError("the band has no observed counts (observed / cases)")
    out = pd.DataFrame({"period": b["period"].astype(str).to_numpy(),
                        "observed": b[obs].to_numpy(dtype=np.int64)})
    for name, cands in (("expected", ("expected", "baseline")), ("lower", ("lower", "lo")), ("upper", ("upper", "hi"))):
        c = _pick(b, *cands)
        out[name] = b[c].to_numpy(dtype=np.float64, na_value=np.nan) if c else np.nan
    out = out.sort_values("period", kind="stable").reset_index(drop=True)
    out["alert"] = False
    if alerts is not None and len(alerts):
        a = alerts
        if region is not None and "region" in a:
            a = a.loc[(a["region"].astype(str) == str(region)).to_numpy(dtype=bool)]
        if category is not None and "category" in a:
            a = a.loc[(a["category"].astype(str) == str(category)).to_numpy(dtype=bool)]
        out["alert"] = out["period"].isin(set(a["period"].astype(str)))
    return out


def series_figure(data: pd.DataFrame, language: str | None = None, title: str | None = None) -> go.Figure:
    """Observed counts per period against the expected count and its band (the series' own
    baseline), alerts as red markers. The alert markers' ``customdata`` is the period."""
    import plotly.graph_objects as go

    lg = lang(language)
    x = data["period"].tolist()
    fig = go.Figure()
    if data["upper"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=data["upper"].tolist(), mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", name="upper"))
        fig.add_trace(go.Scatter(x=x, y=data["lower"].fillna(0.0).tolist(), mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor=_tint(_BLUE, 0.18), name=text("hot.fig.band", lg),
                                 hoverinfo="skip"))
    if data["expected"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=data["expected"].tolist(), mode="lines", name=text("hot.fig.expected", lg),
                                 line={"color": _BLUE, "dash": "dash", "width": 1.5},
                                 hovertemplate=f"%{{x}}<br>{text('hot.fig.expected', lg)}: %{{y:.2f}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=data["observed"].tolist(), mode="lines+markers", name=text("hot.fig.observed", lg),
                             line={"color": "#2c3e50", "width": 2}, marker={"size": 5},
                             hovertemplate=f"%{{x}}<br>{text('hot.col.observed', lg)}: %{{y}}<extra></extra>"))
    hit = data.loc[data["alert"].astype(bool)]
    if len(hit):
        fig.add_trace(go.Scatter(x=hit["period"].tolist(), y=hit["observed"].tolist(), mode="markers+text",
                                 name=text("hot.fig.alert", lg), customdata=hit["period"].tolist(),
                                 text=[str(v) for v in hit["observed"]], textposition="top center",
                                 marker={"color": _RED, "size": 13, "symbol": "circle", "line": {"color": "white", "width": 1.5}},
                                 hovertemplate=f"%{{x}}<br>{text('hot.fig.alert', lg)}: %{{y}}<extra></extra>"))
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(title_text=text("hot.col.cases", lg), rangemode="tozero")
    return _layout(fig, title={"text": title or text("hot.fig.series", lg)}, height=420,
                   margin={"l": 60, "r": 10, "t": 60, "b": 60},
                   legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"})


# --------------------------------------------------------------------------- keywords


def keywords_figure(kw: pd.DataFrame, groups: Sequence[str] | None = None, *, top: int = 12, columns: int = 3,
                    language: str | None = None, title: str | None = None) -> go.Figure:
    """Keyword bars of :func:`workbench.hotspots.topics.keywords` (``group``, ``word``,
    ``score``, ``count``): a panel per group (default: the six groups with most counted words), the
    ``top`` words of each by score. Each bar's ``customdata`` is ``[group, word]``."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lg = lang(language)
    if groups is None:
        tot = kw.groupby("group", sort=False)["count"].sum().sort_values(ascending=False, kind="stable")
        groups = [str(g) for g in tot.index[:6]]
    groups = [str(g) for g in groups]
    cols = max(1, min(columns, len(groups)))
    rows = max(1, math.ceil(len(groups) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=groups or [""], horizontal_spacing=0.12,
                        vertical_spacing=0.25 / rows if rows > 1 else 0.1)
    for i, g in enumerate(groups):
        part = kw.loc[(kw["group"].astype(str) == g).to_numpy(dtype=bool)]
        part = part.sort_values(["score", "word"], ascending=[False, True], kind="stable").head(top)
        fig.add_trace(go.Bar(
            x=part["score"].astype("float64").tolist(), y=part["word"].astype(str).tolist(), orientation="h",
            marker={"color": _ORANGE if i == 0 else _BLUE}, showlegend=False, name=g,
            customdata=[[g, w] for w in part["word"].astype(str)], text=[f"{int(c):,}" for c in part["count"]],
            textposition="inside", insidetextanchor="end", textfont={"size": 11},
            hovertemplate=f"%{{y}}<br>{text('hot.col.score', lg)}: %{{x:.3f}}<br>{text('hot.col.count', lg)}: %{{text}}<extra></extra>",
        ), row=i // cols + 1, col=i % cols + 1)
        fig.update_yaxes(autorange="reversed", row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    return _layout(fig, title={"text": title or text("hot.fig.keywords", lg)}, height=80 + rows * (22 * top + 60),
                   margin={"l": 10, "r": 10, "t": 70, "b": 10}, bargap=0.25)


# --------------------------------------------------------------------------- tables


def alerts_table(alerts: pd.DataFrame, top: int | None = 20, language: str | None = None) -> pd.DataFrame:
    """The strongest ``top`` spike alerts of :func:`workbench.spike_alerts` (by score) with their
    columns named in the chosen language, ranked from 1; ``n`` the number of their cases.

    >>> al = pd.DataFrame({"region": ["339922100"], "region_name": ["云溪县杨林镇"], "category": ["环境保护"],
    ...     "period": ["2024-01"], "observed": [20], "expected": [0.21], "p_value": [1e-12], "q_value": [1e-9],
    ...     "score": [9.0], "case_ids": [["A", "B"]]})
    >>> alerts_table(al, language="en").astype(str).iloc[0].tolist()
    ['云溪县杨林镇', '环境保护', '2024-01', '20', '0.21', '1.0e-09', '9.0']
    """
    lg = lang(language)
    a = alerts
    if "score" in a:
        a = a.sort_values("score", ascending=False, kind="stable")
    a = a.head(top) if top is not None else a
    cols = [c for c in ("region_name", "category", "period", "observed", "expected", "upper", "q_value", "score") if c in a]
    cols = [c for c in cols if c != "upper"]
    out = a[cols].copy()
    if "expected" in out:
        out["expected"] = out["expected"].astype("float64").round(2)
    if "score" in out:
        out["score"] = out["score"].astype("float64").round(2)
    if "q_value" in out:
        out["q_value"] = [f"{float(v):.1e}" if not _missing(v) else "" for v in out["q_value"]]
    out.columns = [text(f"hot.col.{c}", lg) for c in cols]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("hot.col.rank", lg))
    return out


def show_summaries(role: str | None = None) -> bool:
    """Whether a hot issue's representative summaries may be shown to ``role``: to every role,
    as :func:`summaries_for` gives them (scrubbed outside the supervisor role, DESIGN §9); an
    unknown role sees none.

    >>> show_summaries("supervisor"), show_summaries("analyst"), show_summaries("guest")
    (True, True, False)
    """
    from ..privacy.masking import ROLES

    if role is None:
        from ..config import get_config

        role = get_config().role
    return role in ROLES


def summaries_for(book, role: str | None = None, language: str | None = None) -> dict[str, str]:
    """case id → summary (诉求摘要) as ``role`` may see it (:meth:`workbench.privacy.Masker.case_texts`):
    the supervisor's as written; the analyst's with ID numbers and phones masked and petitioner
    names replaced by 某信访人 (no key needed: hotspots are about issues, not persons); the
    trainer's with the accusers' names removed.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-01-02"],
    ...     "summary": ["王建国反映恒丰化工排放异味，电话13812341215"]}), petitioners=pd.DataFrame({
    ...     "petitioner_id": ["R1"], "name": ["王建国"]}), case_petitioners=pd.DataFrame({"case_id": ["A"],
    ...     "petitioner_id": ["R1"]}), now="2025-06-01")
    >>> summaries_for(book, "analyst")["A"]
    '某信访人反映恒丰化工排放异味，电话138****1215'
    """
    from ..privacy.masking import Masker

    c = book.cases
    if "summary" not in c:
        return {}
    if role is None:
        from ..config import get_config

        role = get_config().role
    texts = Masker(role, lang(language)).case_texts(book)
    return dict(zip(c["case_id"].astype(str), texts.astype(object).where(texts.notna(), "").astype(str), strict=True))


def hot_issues_table(hot: pd.DataFrame, names: Mapping[str, str] | None = None, *, summaries: Mapping[str, str] | None = None,
                     role: str | None = None, top: int | None = 20, terms: int = 6,
                     language: str | None = None) -> pd.DataFrame:
    """The ``top`` hot issues of :func:`workbench.hot_issues` as a table in the chosen language:
    label, cases, first and last date, regions (by name), categories, key terms, and — given
    ``summaries`` (case id → summary, from :func:`summaries_for` for the role) — the
    representative summaries (outside the supervisor role ID numbers and phones in them are
    masked once more here); otherwise the representative case ids.

    >>> hot = pd.DataFrame({"issue_id": ["H1"], "label": ["恒丰化工 异味"], "n_cases": [20],
    ...     "first_at": [pd.Timestamp("2024-01-03")], "last_at": [pd.Timestamp("2024-01-30")],
    ...     "regions": [["339922100"]], "categories": [["环境保护"]], "terms": [["恒丰化工", "异味", "排放"]],
    ...     "representative_case_ids": [["A", "B"]], "case_ids": [["A", "B", "C"]]})
    >>> t = hot_issues_table(hot, {"339922100": "云溪县杨林镇"}, role="analyst", language="en")
    >>> t.astype(str).iloc[0].tolist()
    ['恒丰化工 异味', '20', '2024-01-03', '2024-01-30', '云溪县杨林镇', '环境保护', '恒丰化工 · 异味 · 排放', 'A, B']
    """
    lg = lang(language)
    names = names or {}
    h = hot.head(top) if top is not None else hot
    sep = " · "

    def _day(v: object) -> str:
        return "" if _missing(v) else pd.Timestamp(v).strftime("%Y-%m-%d")  # type: ignore[arg-type]

    out = pd.DataFrame({
        "label": h["label"].astype(str).tolist() if "label" in h else h["issue_id"].astype(str).tolist(),
        "n_cases": h["n_cases"].astype("int64").tolist(),
        "first_at": [_day(v) for v in h["first_at"]] if "first_at" in h else "",
        "last_at": [_day(v) for v in h["last_at"]] if "last_at" in h else "",
        "regions": [sep.join(_name(r, names, lg) for r in _records(v)[:3]) + (" …" if len(_records(v)) > 3 else "")
                    for v in (h["regions"] if "regions" in h else [[]] * len(h))],
        "categories": [sep.join(_records(v)[:3]) for v in (h["categories"] if "categories" in h else [[]] * len(h))],
        "terms": [sep.join(_records(v)[:terms]) for v in (h["terms"] if "terms" in h else [[]] * len(h))],
    })
    reps = [_records(v) for v in (h["representative_case_ids"] if "representative_case_ids" in h else [[]] * len(h))]
    if summaries is not None and show_summaries(role):
        from ..privacy.masking import Masker

        m = Masker(role or _configured_role())
        out["summaries"] = [" ／ ".join(m.text(summaries.get(c, c)) for c in r[:2]) for r in reps]
    else:
        out["representative"] = [", ".join(r[:3]) for r in reps]
    out.columns = [text(f"hot.col.{c}", lg) for c in out.columns]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("hot.col.rank", lg))
    return out


def _configured_role() -> str:
    from ..config import get_config

    return get_config().role


def issues_behind(hot: pd.DataFrame, case_ids: Sequence[str], *, min_overlap: int = 1) -> pd.DataFrame:
    """The hot issues that share cases with ``case_ids`` (an alert's, a heatmap cell's), most
    shared first, with ``overlap`` (cases in common) — which hot issue explains a spike.

    >>> hot = pd.DataFrame({"issue_id": ["H1", "H2"], "case_ids": [["a", "b", "c"], ["c", "d"]]})
    >>> issues_behind(hot, ["b", "c", "x"])[["issue_id", "overlap"]].values.tolist()
    [['H1', 2], ['H2', 1]]
    """
    want = {str(c) for c in case_ids}
    overlap = [len(want.intersection(_records(v))) for v in hot["case_ids"]]
    out = hot.assign(overlap=overlap)
    out = out.loc[out["overlap"] >= min_overlap]
    return out.sort_values("overlap", ascending=False, kind="stable").reset_index(drop=True)


def _records(v: Any) -> list[str]:
    """A list-valued cell (case ids, regions, terms) as strings."""
    if v is None:
        return []
    if isinstance(v, (list, tuple, np.ndarray)):
        return [str(x) for x in v]
    return [] if _missing(v) else [str(v)]
