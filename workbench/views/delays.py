"""Figures of where cases stall (超期、环节用时、账龄、排名) and the KPI panel (考核指标).

Each figure reads the output of an analysis function (:func:`workbench.kpis`,
:func:`workbench.stage_summary`, :func:`workbench.aging`, :func:`workbench.ranking`) or a small
data function here (:func:`late_by_unit_month`), so what is drawn can be checked as a table.
Every word on a figure comes from :func:`workbench.i18n.text` (Chinese unless
``language="en"`` or ``set_config(language="en")``). Box plots are drawn from precomputed
quantiles and heatmaps from counts, so figure size does not grow with the number of cases.

>>> import pandas as pd
>>> rank = pd.DataFrame({"rank": [1, 2], "unit_id": ["U1", "U2"], "name": ["住建局", "人社局"],
...     "cases": [10, 20], "late_cases": [5, 2], "open_past_limit": [1, 0], "days_late_total": [40.0, 6.0],
...     "days_late_median": [7.0, 3.0], "days_late_max": [15.0, 4.0], "late_rate": [0.5, 0.1]})
>>> fig = ranking_figure(rank, language="en")
>>> list(fig.data[0].x), list(fig.data[0].text), [c[0] for c in fig.data[0].customdata]
([50.0, 10.0], ['5/10', '2/20'], ['U1', 'U2'])
>>> print(cases_table_html(pd.DataFrame({"case_id": ["<b>1</b>"]}), language="en").count("&lt;b&gt;"))
1
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..i18n import TEXT, lang, text
from ..vocab import label

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ..casebook import Casebook

__all__ = [
    "KPI_PANEL",
    "kpi_panel_figure",
    "late_by_unit_month",
    "late_heatmap_figure",
    "stage_box_figure",
    "case_timeline_figure",
    "ranking_figure",
    "aging_figure",
    "cases_table_html",
]

#: the ten rate KPIs of the panel, in the order supervisors read them
KPI_PANEL = ("timely_acceptance", "on_time", "satisfaction", "participation", "repeat", "online_share",
             "skip_level", "first_closed_on_time", "resolved_once", "settled")
#: rates where a rise is bad news (the delta arrow turns red going up)
_LOWER_IS_BETTER = {"repeat", "skip_level"}
#: the count basis a KPI is read in when it has several (越级访率 is judged in 批次)
_COUNT_BASIS = {"skip_level": "批次"}

_RED, _GREEN, _ORANGE, _BLUE, _GREY = "#c0392b", "#2e8b57", "#e67e22", "#3b6ea8", "#7f8c8d"
_STATUS_COLOUR = {"met": _GREEN, "late": _RED, "open_past_limit": _RED, "approaching": _ORANGE, "open": _BLUE}
_HOLDER_COLOUR = {"office": "#7b68ae", "unit": _BLUE, "reviewer": "#16a085", "petitioner": "#b0b0b0"}
_PALETTE = (_BLUE, "#16a085", "#8e44ad", "#d35400", "#2c3e50", "#b7950b", "#c0392b", "#7f8c8d", "#1abc9c")
#: marker shapes of the events that matter most on a timeline
_EVENT_SYMBOL = {"register": "circle", "transfer": "triangle-right", "assign": "triangle-right", "accept": "square",
                 "reject": "x", "return": "triangle-left", "urge": "star", "supervise": "star-diamond", "extend": "hourglass",
                 "reply": "diamond", "close": "diamond-wide", "evaluate": "circle-open"}
_FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Source Han Sans SC, sans-serif"
_DAY = pd.Timedelta(days=1)


def _layout(fig: go.Figure, **kw: Any) -> go.Figure:
    """The house look: white background, CJK-capable font, titles left-aligned."""
    import plotly.io as pio

    title = {"x": 0.01, "xanchor": "left", "font": {"size": 17}, **kw.pop("title", {})}
    if pio.templates.default != "plotly_white":  # views.setup() makes it the default: no copy per figure
        kw["template"] = "plotly_white"
    fig.update_layout(font={"family": _FONT, "size": 13}, title=title, **kw)
    return fig


def _tint(colour: str, alpha: float = 0.25) -> str:
    """'#rrggbb' as a translucent rgba fill."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _n(x: object) -> str:
    """A count with thousands separators ('—' when missing)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return "—"
    return f"{int(round(float(x))):,}"  # type: ignore[arg-type]


def _pct(x: object, digits: int = 1) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{float(x) * 100:.{digits}f}%"  # type: ignore[arg-type]


def _unique_labels(names: pd.Series, ids: pd.Series) -> list[str]:
    """Display names, with the id added where two rows share a name (so axis categories stay apart)."""
    n = names.where(names.notna() & (names.astype("str") != ""), ids).astype(str)
    dup = n.duplicated(keep=False)
    return [f"{a}（{b}）" if d else a for a, b, d in zip(n, ids.astype(str), dup, strict=True)]


# --------------------------------------------------------------------------- KPI panel


def _kpi_row(frame: pd.DataFrame, kpi: str, party: str) -> pd.Series | None:
    """The one row of ``frame`` a tile shows: the requested party, else the 'all' row."""
    rows = frame.loc[frame["kpi"] == kpi]
    if not len(rows):
        return None
    if "party" in rows:
        mine = rows.loc[rows["party"] == party]
        rows = mine if len(mine) else rows.loc[rows["party"] == "all"]
    if len(rows) > 1 and "count" in rows:
        basis = rows.loc[rows["count"] == _COUNT_BASIS.get(kpi, "件次")]
        rows = basis if len(basis) else rows
    if len(rows) > 1:
        raise ValueError(f"the frame has {len(rows)} rows for kpi {kpi!r} and party {party!r}: pass a frame of "
                         "kpis(book) without `by`, or keep one group first (e.g. frame[frame['month'] == '2024-06'])")
    return rows.iloc[0] if len(rows) else None


def kpi_panel_figure(frame: pd.DataFrame, party: str = "unit", kpis: Sequence[str] = KPI_PANEL, *,
                     columns: int = 5, language: str | None = None) -> go.Figure:
    """考核指标 tiles from ``kpis(book).frame`` (or with ``period=…`` for 环比 arrows).

    One Indicator per KPI: the value (rates in per cent, one decimal), the KPI label, and
    "分子 n / 分母 d" beneath it. With a ``mom`` column the arrow shows the change on the
    previous period, in percentage points for rates (red when the change is bad news). KPIs
    reported by several parties are read for ``party`` (``unit`` or ``office``); KPIs of the
    whole caseload from their ``all`` row; 越级访率 in 批次. A KPI without a row or without a
    denominator shows '—'.
    """
    import plotly.graph_objects as go

    lg = lang(language)
    kpis = tuple(kpis)
    ncol = max(1, min(columns, len(kpis)))
    nrow = max(1, math.ceil(len(kpis) / ncol))
    has_mom = "mom" in frame.columns
    fig = go.Figure()
    gap_x, gap_y = 0.03, 0.10
    for i, kpi in enumerate(kpis):
        r, c = divmod(i, ncol)
        x0 = c / ncol + gap_x / 2
        x1 = (c + 1) / ncol - gap_x / 2
        y1 = 1 - r / nrow - gap_y / 2
        y0 = 1 - (r + 1) / nrow + gap_y / 2
        row = _kpi_row(frame, kpi, party)
        is_rate = row is None or row.get("kind", "rate") == "rate"
        den = row.get("denominator") if row is not None else None
        val = row.get("value") if row is not None else None
        missing = row is None or val is None or pd.isna(val) or (is_rate and (den is None or pd.isna(den) or den == 0))
        name = text(f"kpi.{kpi}", lg)
        if row is not None and is_rate:
            sub = text("fig.kpi.parts", lg, num=_n(row.get("numerator")), den=_n(den))
        elif row is not None and not pd.isna(row.get("prev_value", np.nan)):
            sub = text("fig.kpi.prev", lg, prev=_n(row.get("prev_value")))
        elif row is not None:
            sub = text(f"count.{row.get('count', '件次')}", lg)
        else:
            sub = text("fig.kpi.no_row", lg)
        title = f"<b>{html.escape(name)}</b><br><span style='font-size:12px;color:{_GREY}'>{html.escape(sub)}</span>"
        ind: dict[str, Any] = {"mode": "number", "title": {"text": title, "font": {"size": 15}},
                               "domain": {"x": [x0, x1], "y": [y0, y1]}, "name": kpi}
        if missing:
            ind["value"] = None  # plotly draws a hyphen for no value: hide it and write a dash
            ind["number"] = {"font": {"size": 40, "color": "rgba(0,0,0,0)"}}
            if has_mom:  # keep the title level with its neighbours, which have a delta line
                ind["mode"] = "number+delta"
                clear = {"color": "rgba(0,0,0,0)"}
                ind["delta"] = {"position": "bottom", "font": {"size": 14}, "increasing": clear, "decreasing": clear}
            fig.add_annotation(text="—", x=(x0 + x1) / 2, y=(y0 + y1) / 2, yanchor="middle", xanchor="center",
                               yshift=0 if has_mom else -10, xref="paper", yref="paper",
                               showarrow=False, font={"size": 40, "color": _GREY}, name=f"missing:{kpi}")
        else:
            scale = 100.0 if is_rate else 1.0
            v = float(val) * scale  # type: ignore[arg-type]
            ind["value"] = v
            ind["number"] = {"valueformat": ".1f" if is_rate else ",.0f", "suffix": "%" if is_rate else "",
                             "font": {"size": 40}}
            mom = row.get("mom") if has_mom and row is not None else None
            if mom is not None and not pd.isna(mom):
                bad_up = kpi in _LOWER_IS_BETTER
                up, down = (_RED, _GREEN) if bad_up else (_GREEN, _RED)
                ind["mode"] = "number+delta"
                if is_rate:
                    ind["delta"] = {"reference": v - float(mom) * 100, "valueformat": ".1f",
                                    "suffix": text("fig.pp", lg), "relative": False}
                else:
                    ind["delta"] = {"reference": float(val) / (1 + float(mom)) if float(mom) > -1 else 0.0,  # type: ignore[arg-type]
                                    "relative": True, "valueformat": ".1%"}
                ind["delta"].update({"position": "bottom", "font": {"size": 14},
                                     "increasing": {"color": up}, "decreasing": {"color": down}})
        fig.add_trace(go.Indicator(**ind))
    party_label = text("fig.party.all", lg) if party == "all" else text(f"party.{party}", lg)
    title = text("fig.kpi.title", lg, party=party_label)
    if has_mom:
        title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('fig.kpi.mom_note', lg))}</span>"
    return _layout(fig, title={"text": title}, height=170 * nrow + 100, margin={"t": 90, "b": 10, "l": 20, "r": 20})


# --------------------------------------------------------------------------- late clocks by unit and month


def late_by_unit_month(book: Casebook, policy: object = None, as_of: object = None, clock: str | Sequence[str] = "handle",
                       top: int = 25, language: str | None = None, *, first_only: bool = True) -> pd.DataFrame:
    """Late clocks per answering unit and month of the due date, for the ``top`` units with the
    most late clocks: unit_id, unit_name, month ('YYYY-MM'), late (超期办结 + 超期未办), total
    (clocks due: 按期 + 超期办结 + 超期未办, the denominator of 按期办结率) and rate. Months after
    the month of ``as_of`` are left out (only clocks met early could fall in them).

    ``clock`` names one clock of the policy or several (``handle``, ``accept``, ``review`` …).
    ``first_only`` counts first petitions only, as the KPIs (and the explorer's heatmap) do.
    Units are ordered by their late count (most first); months ascending within each unit.
    """
    from ..rules.clocks import cached_clocks
    from ..rules.delays import names

    cs = cached_clocks(book, policy, as_of)
    wanted = [clock] if isinstance(clock, str) else list(clock)
    known = [k.name for k in cs.policy.clocks]
    bad = [w for w in wanted if w not in known]
    if bad:
        raise ValueError(f"no clock {', '.join(map(repr, bad))} in policy {cs.policy.name!r}; it has {', '.join(known)}")
    c = cs.cols
    m = np.isin(c["clock"], [known.index(w) for w in wanted]) & np.isin(c["status"], [0, 1, 4]) & (c["unit"] >= 0)
    if first_only and "is_first" in book.cases:
        m &= book.cases["is_first"].fillna(True).to_numpy(dtype=bool)[c["ci"]]
    # months after as_of's could only hold clocks met early: nothing in them can be late yet
    m &= c["due"].astype("datetime64[M]") <= np.datetime64(cs.as_of.strftime("%Y-%m"), "M")
    idx = np.flatnonzero(m)
    cols = ["unit_id", "unit_name", "month", "late", "total", "rate"]
    if not len(idx):
        return pd.DataFrame({k: pd.Series(dtype=object if k in ("unit_id", "unit_name", "month") else float)
                             for k in cols})
    unit = np.asarray(cs.units, dtype=object)[c["unit"][idx]]
    month = np.datetime_as_string(c["due"][idx].astype("datetime64[M]"), unit="M")
    f = pd.DataFrame({"unit_id": unit, "month": month, "late": np.isin(c["status"][idx], [1, 4]).astype(np.int64)})
    g = f.groupby(["unit_id", "month"], sort=True)["late"].agg(late="sum", total="size").reset_index()
    per_unit = g.groupby("unit_id")[["late", "total"]].sum()
    per_unit = per_unit.loc[per_unit["late"] > 0].reset_index()
    per_unit = per_unit.sort_values(["late", "total", "unit_id"], ascending=[False, False, True], kind="stable").head(top)
    order = {u: i for i, u in enumerate(per_unit["unit_id"])}
    g = g.loc[g["unit_id"].isin(list(order))].copy()
    g["_o"] = g["unit_id"].map(order)
    g = g.sort_values(["_o", "month"], kind="stable").drop(columns="_o")
    nm = names(book, "units")
    g["unit_name"] = g["unit_id"].map(nm).fillna(g["unit_id"]).astype(str)
    g["rate"] = (g["late"] / g["total"]).round(4)
    g[["late", "total"]] = g[["late", "total"]].astype(np.int64)
    out = g[cols].reset_index(drop=True)
    out.attrs["clock"] = wanted
    out.attrs["clock_label"] = "、".join(cs.policy.clock(w).label(lang(language)) for w in wanted)
    out.attrs["as_of"] = cs.as_of
    return out


def late_heatmap_figure(data: pd.DataFrame, language: str | None = None) -> go.Figure:
    """Heatmap of :func:`late_by_unit_month`: units (most late on top) × month due, colour =
    late clocks; hover shows late / due / rate; each cell's ``customdata`` is
    ``[unit_id, month]`` for a click handler to list the cases. Months without clocks due
    stay blank, months with none late show 0."""
    import plotly.graph_objects as go

    lg = lang(language)
    units = data.drop_duplicates("unit_id")[["unit_id", "unit_name"]]
    ylab = _unique_labels(units["unit_name"], units["unit_id"])
    if len(data):
        lo, hi = pd.Period(data["month"].min(), "M"), pd.Period(data["month"].max(), "M")
        months = [str(p) for p in pd.period_range(lo, hi, freq="M")]
    else:
        months = []
    z = data.pivot(index="unit_id", columns="month", values="late").reindex(index=units["unit_id"], columns=months)
    tot = data.pivot(index="unit_id", columns="month", values="total").reindex(index=units["unit_id"], columns=months)
    rate = tot.where(tot > 0)
    rate = z / rate
    uid = units["unit_id"].astype(str).tolist()
    # numpy arrays, not nested lists: plotly validates them in one step (a filter change redraws this)
    custom = np.empty((len(uid), len(months), 2), dtype=object)
    custom[:, :, 0] = np.asarray(uid, dtype=object)[:, None]
    custom[:, :, 1] = np.asarray(months, dtype=object)[None, :]
    tmpl, tmpl_none = text("fig.late.hover", lg), text("fig.late.hover_none", lg)
    zz, tt, rr = z.to_numpy(dtype=float), tot.to_numpy(dtype=float), rate.to_numpy(dtype=float)
    hover = [[tmpl_none.format(unit=html.escape(ylab[i]), month=mth) if np.isnan(tt[i, j]) else
              tmpl.format(unit=html.escape(ylab[i]), month=mth, late=_n(zz[i, j]), total=_n(tt[i, j]), rate=_pct(rr[i, j]))
              for j, mth in enumerate(months)] for i in range(len(uid))]
    zmax = float(np.nanmax(z.to_numpy(dtype=float))) if z.notna().to_numpy().any() else 1.0
    show_numbers = len(months) <= 40
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=months, y=ylab, customdata=custom, hovertext=np.array(hover, dtype=object),
        text=np.array([[_n(v) if v and not pd.isna(v) else "" for v in row] for row in z.to_numpy(dtype=float)], dtype=object),
        hovertemplate="%{hovertext}<extra></extra>", colorscale=[[0, "#fff7ec"], [0.15, "#fdd49e"], [0.5, "#ef6548"], [1, "#7f0000"]],
        zmin=0, zmax=max(zmax, 1.0), xgap=1, ygap=1, hoverongaps=False,
        texttemplate="%{text}" if show_numbers else None, textfont={"size": 10},
        colorbar={"title": {"text": text("fig.late.colorbar", lg)}, "thickness": 14},
    ))
    clock = data.attrs.get("clock_label") or ""
    title = text("fig.late.title", lg, clock=clock, n=len(uid)) if clock else text("fig.late.title_plain", lg, n=len(uid))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('fig.late.note', lg))}</span>"
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 12})
    fig.update_xaxes(title=text("fig.month_due", lg), type="category", tickangle=-45, showgrid=False)
    return _layout(fig, title={"text": title}, height=max(360, 24 * len(uid) + 190), plot_bgcolor="#e6e6e6",
                   margin={"t": 90, "l": 10, "r": 10, "b": 70})


# --------------------------------------------------------------------------- stage durations


def _stage_hover(r: pd.Series, head: str, lg: str) -> str:
    parts = [f"<b>{html.escape(head)}</b>",
             f"{text('fig.n_done', lg)}: {_n(r.get('n'))}　{text('fig.running', lg)}: {_n(r.get('running'))}"]
    for key, col in (("fig.min", "min"), ("P25", "p25"), ("fig.median", "median"), ("P75", "p75"), ("P90", "p90"),
                     ("fig.max", "max"), ("fig.mean", "mean")):
        v = r.get(col)
        name = text(key, lg) if key.startswith("fig.") else key
        parts.append(f"{name}: {'—' if v is None or pd.isna(v) else f'{float(v):.1f}'} {text('fig.day_unit', lg)}")
    return "<br>".join(parts)


def stage_box_figure(summary: pd.DataFrame, stages: Sequence[str] | None = None, top: int | None = 30,
                     language: str | None = None) -> go.Figure:
    """Box plot of :func:`workbench.stage_summary` drawn from its quantiles (never raw points):
    box P25–P75, line at the median, dashed mean, whiskers from the minimum to P90 (the maximum
    is in the hover; one stray case of a year would flatten every box).

    With ``holder_name`` or ``leader_name`` (``by="unit"`` / ``"leader"``) there is one box per
    holder, the ``top`` holders by number of finished steps, slowest median first, in one panel
    per stage of ``stages`` (default: every stage in the summary); otherwise one box per stage.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    lg = lang(language)
    s = summary.copy()
    if stages is not None:
        s = s.loc[s["stage"].astype(str).isin(list(stages))]
    s = s.loc[s["n"] > 0] if "n" in s else s
    name_col = next((c for c in ("holder_name", "leader_name") if c in s.columns), None)
    # (stage or "" for the overall box, rows, x labels, hover headings)
    panels: list[tuple[str, pd.DataFrame, list[str], list[str]]] = []
    if name_col is None:
        xs = [text(f"stage.{st}", lg) for st in s["stage"].astype(str)]
        panels.append(("", s, xs, xs))
    else:
        id_col = "holder" if name_col == "holder_name" else "lead_person_id"
        for st in dict.fromkeys(s["stage"].astype(str)):
            g = s.loc[s["stage"].astype(str) == st]
            if top is not None:
                g = g.sort_values(["n", "median"], ascending=False, kind="stable").head(top)
            g = g.sort_values(["median", "p90"], ascending=False, kind="stable")
            xs = _unique_labels(g[name_col], g[id_col] if id_col in g else g[name_col])
            panels.append((st, g, xs, [f"{text(f'stage.{st}', lg)} · {x}" for x in xs]))
    multi = len(panels) > 1
    fig = make_subplots(rows=max(1, len(panels)), cols=1, vertical_spacing=min(0.2, 0.3 / max(1, len(panels))),
                        subplot_titles=[text(f"stage.{st}", lg) for st, *_ in panels] if multi else None)
    for k, (st, g, xs, heads) in enumerate(panels):
        colour = _PALETTE[k % len(_PALETTE)]
        name = text(f"stage.{st}", lg) if st else text("fig.stage.all", lg)
        has_mean = "mean" in g
        fig.add_trace(go.Box(
            x=xs, q1=g["p25"].tolist(), median=g["median"].tolist(), q3=g["p75"].tolist(),
            lowerfence=g["min"].tolist(), upperfence=g["p90"].tolist(), mean=g["mean"].tolist() if has_mean else None,
            boxmean=True if has_mean else None, name=name, marker={"color": colour}, line={"color": colour},
            fillcolor=_tint(colour), boxpoints=False, hoverinfo="skip", showlegend=False,
        ), row=k + 1, col=1)
        # plotly's own box hover names its parts in English ('upper fence' for what is P90 here)
        fig.add_trace(go.Scatter(
            x=xs, y=g["median"].tolist(), mode="markers", marker={"size": 18, "opacity": 0},
            text=[_stage_hover(r, h, lg) for (_, r), h in zip(g.iterrows(), heads, strict=True)],
            hovertemplate="%{text}<extra></extra>", showlegend=False, name=name,
            hoverlabel={"bgcolor": "white", "bordercolor": colour, "font": {"color": "#222"}},
        ), row=k + 1, col=1)
        fig.update_yaxes(title=text("fig.days", lg), rangemode="tozero", row=k + 1, col=1)
        fig.update_xaxes(title=None, tickangle=-40 if len(xs) > 9 else 0, type="category", row=k + 1, col=1)
    if name_col is None:
        title = text("fig.stage.title", lg)
    else:
        who = text("by.unit" if name_col == "holder_name" else "by.leader", lg)
        title = text("fig.stage.title_by", lg, by=who)
        if len(panels) == 1:
            title = f"{text(f'stage.{panels[0][0]}', lg)} · {title}"
        if top is not None:
            title += text("fig.stage.top", lg, n=top)
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('fig.stage.whiskers', lg))}</span>"
    return _layout(fig, title={"text": title}, hovermode="closest", height=90 + 420 * max(1, len(panels)),
                   margin={"t": 100, "b": 40})


# --------------------------------------------------------------------------- one case's timeline


def _dur(days: float, lg: str) -> str:
    """A step's length: hours under a day, else days."""
    d = float(days)
    return text("fig.hours_n", lg, hours=d * 24) if d < 1 else text("fig.days_n", lg, days=d)


def mark_lines(fig: go.Figure, marks: list, lo: pd.Timestamp, hi: pd.Timestamp) -> None:
    """Dated marks on a timeline: (time, label, colour, name) each a vertical line across the plot
    (dashed; dotted for ``as_of``) with its label above, stacked so labels never overlap and
    right-aligned in the right part of the axis [lo, hi]."""
    for i, (x, lab, colour, name) in enumerate(sorted(marks, key=lambda m: m[0])):
        at = pd.Timestamp(x).strftime("%Y-%m-%d %H:%M:%S")
        fig.add_shape(type="line", x0=at, x1=at, y0=0, y1=1, yref="paper", name=name,
                      line={"color": colour, "width": 1.5 if name != "as_of" else 1, "dash": "dash" if name != "as_of" else "dot"})
        right = (x - lo) / (hi - lo) > 0.6
        fig.add_annotation(x=at, y=1, yref="paper", yshift=6 + 19 * i, text=html.escape(lab), showarrow=False,
                           xanchor="right" if right else "left", yanchor="bottom", font={"size": 11, "color": colour},
                           name=name)


def case_timeline_figure(book: Casebook, case_id: str, policy: object = None, as_of: object = None,
                         language: str | None = None) -> go.Figure:
    """Gantt of one case: a bar per step (登记→转送→…→办结→复查→复核; running steps hatched and
    labelled 进行中, coloured by who holds them), its events as markers on their own row (hover:
    action, units, note), and a dashed line at the end of each clock's last day, labelled with
    the clock and its status (red when late). ``as_of`` defaults to the whole book's, so the case
    reads as it does in the book (a one-case subset would otherwise take its own last event).
    """
    import plotly.graph_objects as go

    from ..rules.clocks import clocks, default_as_of
    from ..rules.delays import STAGES, names, stage_durations

    lg = lang(language)
    case_id = str(case_id)
    hit = book.cases.loc[book.cases["case_id"].astype(str) == case_id]
    if not len(hit):
        raise KeyError(f"case {case_id!r} is not in this casebook")
    case = hit.iloc[0]
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else default_as_of(book)
    sub = book.where(cases=[case_id])
    st = stage_durations(sub, policy, as_of_ts)
    ck = clocks(sub, policy, as_of_ts, language=lg).sort_values("due", kind="stable").reset_index(drop=True)
    ev = sub.events.sort_values("at", kind="stable") if len(sub.events) else sub.events
    unit_names = names(book, "units")
    kind_of = {s: h for s, *_, h in STAGES}

    def uname(u: object) -> str:
        if u is None or u is pd.NA or (isinstance(u, float) and math.isnan(u)):
            return ""
        return str(unit_names.get(u, u))

    def iso(t: object) -> str:
        return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[arg-type]

    events_row = text("fig.events", lg)
    present = set(st["stage"].astype(str))
    rows = [events_row, *[text(f"stage.{s}", lg) for s, *_ in STAGES if s in present]]
    fig = go.Figure()
    times: list[pd.Timestamp] = [pd.Timestamp(case["received_at"])] if not pd.isna(case.get("received_at")) else []
    running_any = bool(st["running"].any()) or bool(ck["status"].isin(["open", "approaching", "open_past_limit"]).any())
    if len(st):
        st = st.assign(kind=[kind_of.get(str(s), "unit") for s in st["stage"]])
        for kind in ("office", "unit", "reviewer", "petitioner"):
            part = st.loc[st["kind"] == kind]
            if not len(part):
                continue
            start = pd.to_datetime(part["start"])
            end = pd.to_datetime(part["end"]).where(~part["running"], as_of_ts)
            times += [start.min(), end.max()]
            # a step of minutes would be invisible: draw at least an hour
            width = ((end - start) / pd.Timedelta(milliseconds=1)).clip(lower=3_600_000)
            run = part["running"].to_numpy(dtype=bool)
            labels = [f"{text('fig.running', lg)} · {_dur(d, lg)}" if r else _dur(d, lg)
                      for r, d in zip(run, part["days"], strict=True)]
            hover = []
            for (_, r), e in zip(part.iterrows(), end, strict=True):
                who = text("party.petitioner", lg) if kind == "petitioner" else uname(r["holder"])
                stop = text("fig.running_until", lg, date=as_of_ts.strftime("%Y-%m-%d %H:%M")) if r["running"] \
                    else pd.Timestamp(e).strftime("%Y-%m-%d %H:%M")
                hover.append("<br>".join([
                    f"<b>{html.escape(text('stage.' + str(r['stage']), lg))}</b>",
                    f"{text('fig.holder', lg)}: {html.escape(who)}",
                    f"{text('fig.start', lg)}: {pd.Timestamp(r['start']).strftime('%Y-%m-%d %H:%M')}",
                    f"{text('fig.end', lg)}: {stop}",
                    f"{text('fig.duration', lg)}: {_dur(r['days'], lg)}",
                ]))
            colour = _HOLDER_COLOUR[kind]
            fig.add_trace(go.Bar(
                y=[text(f"stage.{s}", lg) for s in part["stage"]], base=[iso(t) for t in start], x=width.tolist(),
                orientation="h", name=text(f"party.{kind}", lg),
                marker={"color": colour, "opacity": [0.55 if r else 0.9 for r in run],
                        "pattern": {"shape": ["/" if r else "" for r in run], "solidity": 0.35, "fgcolor": "white"},
                        "line": {"width": [1.5 if r else 0 for r in run], "color": colour}},
                text=labels, textposition="outside", textfont={"size": 11}, cliponaxis=False,
                customdata=part["stage"].astype(str).tolist(), hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            ))
    if len(ev):
        acts = [str(a) if isinstance(a, str) else "" for a in ev["action"]]
        at = pd.to_datetime(ev["at"])
        times += [at.min(), at.max()]
        hov = []
        for (_, r), a in zip(ev.iterrows(), acts, strict=True):
            frm, to = uname(r.get("from_unit_id")), uname(r.get("to_unit_id"))
            lines = [f"<b>{html.escape(label('action', a, lg) or a)}</b>", pd.Timestamp(r["at"]).strftime("%Y-%m-%d %H:%M")]
            if frm or to:
                lines.append(html.escape(f"{frm} → {to}" if to else frm))
            if isinstance(r.get("note"), str) and r.get("note"):
                lines.append(html.escape(str(r["note"])))
            hov.append("<br>".join(lines))
        ev = ev.assign(_hover=hov, _iso=[iso(t) for t in at])
        # one trace per action so the legend says what each marker is
        for k, a in enumerate(dict.fromkeys(acts)):
            part = ev.loc[[x == a for x in acts]]
            fig.add_trace(go.Scatter(
                x=part["_iso"].tolist(), y=[events_row] * len(part), mode="markers",
                marker={"symbol": _EVENT_SYMBOL.get(a, "diamond"), "size": 12, "color": _PALETTE[k % len(_PALETTE)],
                        "line": {"width": 1, "color": "white"}},
                name=label("action", a, lg) or a,
                customdata=[a] * len(part), hovertext=part["_hover"].tolist(), hovertemplate="%{hovertext}<extra></extra>",
            ))
    # labels of the vertical lines, stacked above the plot in date order so none collide
    marks: list[tuple[pd.Timestamp, str, str, str]] = []
    for _, r in ck.iterrows():
        status = str(r["status"])
        late = status in ("late", "open_past_limit") and not pd.isna(r["days_late"])
        lab = text("fig.due_label", lg, clock=str(r["clock_label"]), date=pd.Timestamp(r["due"]).strftime("%Y-%m-%d"),
                   status=text(f"status.{status}", lg)) + (text("fig.days_late_n", lg, days=int(r["days_late"])) if late else "")
        marks.append((pd.Timestamp(r["due"]) + _DAY, lab, _STATUS_COLOUR.get(status, _GREY), f"due:{r['clock']}"))
    if running_any:
        marks.append((as_of_ts, text("fig.as_of", lg, date=as_of_ts.strftime("%Y-%m-%d")), "#222", "as_of"))
    times += [m[0] for m in marks]
    lo, hi = min(times), max(times)
    pad = max((hi - lo) * 0.04, pd.Timedelta(days=1))
    lo, hi = lo - pad, hi + pad * 4  # room on the right for the bar labels
    mark_lines(fig, marks, lo, hi)
    info = " · ".join(html.escape(x) for x in (
        str(case.get("category_l1") or ""), uname(case.get("responsible_unit_id")),
        text("fig.received", lg, date=pd.Timestamp(case["received_at"]).strftime("%Y-%m-%d")) if not pd.isna(case.get("received_at")) else "",
        text("fig.as_of", lg, date=as_of_ts.strftime("%Y-%m-%d"))) if x and x != "nan")
    title = f"{text('fig.timeline.title', lg, case=html.escape(case_id))}<br><span style='font-size:12px;color:{_GREY}'>{info}</span>"
    fig.update_yaxes(categoryorder="array", categoryarray=rows, autorange="reversed", title=None)
    fig.update_xaxes(type="date", range=[iso(lo), iso(hi)], tickformat="%Y-%m-%d", title=None)
    top = 75 + 19 * len(marks)
    return _layout(fig, title={"text": title, "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}},
                   height=max(380, 44 * len(rows) + top + 90), bargap=0.35, barmode="overlay", hovermode="closest",
                   legend={"orientation": "h", "yref": "container", "y": 0.005, "yanchor": "bottom", "x": 0, "font": {"size": 11},
                           "traceorder": "normal"},
                   margin={"t": top, "l": 10, "r": 30, "b": 75})


# --------------------------------------------------------------------------- ranking and aging


def ranking_figure(rank: pd.DataFrame, top: int = 15, language: str | None = None) -> go.Figure:
    """Horizontal bars of the late-case rate (超期率, %) of :func:`workbench.ranking`, worst on
    top; the bar text is late/due cases, the hover adds days late (total, median, longest) and
    ``customdata`` holds the unit or leader id of each bar."""
    import plotly.graph_objects as go

    lg = lang(language)
    id_col = "unit_id" if "unit_id" in rank.columns else "lead_person_id"
    r = rank.sort_values("rank", kind="stable").head(top) if "rank" in rank else rank.head(top)
    if id_col == "lead_person_id":
        extra = [" ".join(str(x) for x in (u, t) if isinstance(x, str) and x)
                 for u, t in zip(r.get("unit_name", pd.Series([None] * len(r))).tolist(),
                                 r.get("title", pd.Series([None] * len(r))).tolist(), strict=True)]
        shown = pd.Series([f"{n}（{e}）" if e else str(n) for n, e in zip(r["name"].fillna(r[id_col]), extra, strict=True)],
                          index=r.index)
    else:
        shown = r["name"]
    ylab = _unique_labels(shown, r[id_col])
    hover = [
        "<br>".join([
            f"<b>{html.escape(y)}</b>",
            f"{text('fig.late_rate', lg)}: {_pct(row['late_rate'])}",
            f"{text('fig.late_cases', lg)} / {text('fig.cases_due', lg)}: {_n(row['late_cases'])} / {_n(row['cases'])}",
            f"{text('status.open_past_limit', lg)}: {_n(row.get('open_past_limit'))}",
            f"{text('fig.days_late_total', lg)}: {_n(row.get('days_late_total'))}",
            f"{text('fig.days_late_median', lg)}: {_n(row.get('days_late_median'))}",
            f"{text('fig.days_late_max', lg)}: {_n(row.get('days_late_max'))}",
        ])
        for y, (_, row) in zip(ylab, r.iterrows(), strict=True)
    ]
    rate = (r["late_rate"].astype(float) * 100).round(2)
    fig = go.Figure(go.Bar(
        x=rate.tolist(), y=ylab, orientation="h", text=[f"{a}/{b}" for a, b in zip(r["late_cases"], r["cases"], strict=True)],
        textposition="outside", cliponaxis=False, customdata=[[v] for v in r[id_col].astype(str)],
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        marker={"color": rate.tolist(), "colorscale": [[0, "#fdae6b"], [1, _RED]], "cmin": 0,
                "cmax": max(float(rate.max()) if len(rate) else 1.0, 1.0)},
        name=text("fig.late_rate", lg),
    ))
    by = text("by.unit" if id_col == "unit_id" else "by.leader", lg)
    title = text("fig.rank.title", lg, by=by, n=len(r))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('fig.rank.note', lg))}</span>"
    fig.update_yaxes(autorange="reversed", title=None)
    fig.update_xaxes(title=text("fig.late_rate_pct", lg), ticksuffix="%", rangemode="tozero",
                     range=[0, (float(rate.max()) if len(rate) else 1.0) * 1.18 + 0.5])
    return _layout(fig, title={"text": title}, height=max(320, 30 * len(r) + 150),
                   margin={"t": 90, "l": 10, "r": 40, "b": 50})


def aging_figure(aging_df: pd.DataFrame, language: str | None = None) -> go.Figure:
    """Open cases per age bucket (账龄, days since receipt) from :func:`workbench.aging`
    (``by=None``), stacked into those already past a limit and those still within."""
    import plotly.graph_objects as go

    lg = lang(language)
    need = {"age_days", "cases", "past_limit"}
    if not need <= set(aging_df.columns):
        raise ValueError("aging_figure needs the output of aging(book) without `by` (columns age_days, cases, past_limit)")
    x = aging_df["age_days"].astype(str).tolist()
    past = aging_df["past_limit"].astype(int)
    within = aging_df["cases"].astype(int) - past
    fig = go.Figure()
    for key, ys, colour in (("fig.aging.within", within, _BLUE), ("fig.aging.past", past, _RED)):
        name = text(key, lg)
        fig.add_trace(go.Bar(
            x=x, y=ys.tolist(), name=name, marker={"color": colour},
            text=[str(v) if v else "" for v in ys], textposition="inside", textangle=0, insidetextanchor="middle",
            hovertemplate=f"{html.escape(text('fig.age_days', lg))} %{{x}}<br>{html.escape(name)}: %{{y:,}}<extra></extra>",
        ))
    totals = aging_df["cases"].astype(int).tolist()
    fig.add_trace(go.Scatter(x=x, y=totals, mode="text", text=[f"{v:,}" for v in totals], textposition="top center",
                             showlegend=False, hoverinfo="skip", textfont={"size": 12}))
    n = int(aging_df["cases"].sum())
    title = text("fig.aging.title", lg, n=_n(n), past=_n(int(past.sum())))
    fig.update_xaxes(title=text("fig.age_days", lg), type="category")
    fig.update_yaxes(title=text("fig.open_cases", lg), range=[0, max(totals + [1]) * 1.15])
    return _layout(fig, title={"text": title}, barmode="stack", height=420, uniformtext={"minsize": 10, "mode": "hide"},
                   legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                   margin={"t": 90})


# --------------------------------------------------------------------------- a table of cases


#: table columns holding codes, and how to word them
def _word(prefix: str):
    """A code's word (``status.late`` → 超期办结); a value that is no code (a ledger's own
    状态 such as 已办结) stays as it is."""
    return lambda v, lg: text(f"{prefix}.{v}", lg) if f"{prefix}.{v}" in TEXT else v


_CODED = {"status": _word("status"), "party": _word("party"), "stage": _word("stage"), "channel": lambda v, lg: label("channel", v, lg),
          "satisfaction": lambda v, lg: label("satisfaction", v, lg),
          "satisfaction_office": lambda v, lg: label("satisfaction", v, lg),
          "demand_type": lambda v, lg: label("demand_type", v, lg), "action": lambda v, lg: label("action", v, lg)}


def _cell(v: object) -> str:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp | np.datetime64):
        t = pd.Timestamp(v)
        return t.strftime("%Y-%m-%d") if t == t.normalize() else t.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, float | np.floating):
        return f"{float(v):,.0f}" if float(v).is_integer() else f"{float(v):,.2f}"
    return str(v)


def cases_table_html(df: pd.DataFrame, columns: Sequence[str] | None = None, max_rows: int = 200,
                     language: str | None = None) -> str:
    """A compact HTML table of cases (the list behind a clicked cell), every value escaped,
    headed "共 N 件，显示前 M 件". Column headers use the ``fig.col.*`` words where there are some."""
    lg = lang(language)
    cols = [c for c in (columns if columns is not None else list(df.columns)) if c in df.columns]
    shown = df.head(max_rows)
    note = text("fig.table.header", lg, n=f"{len(df):,}", m=f"{len(shown):,}")
    head = "".join(f"<th style='text-align:left;padding:2px 8px;border-bottom:1px solid #999'>"
                   f"{html.escape(text(f'fig.col.{c}', lg) if f'fig.col.{c}' in TEXT else str(c))}</th>" for c in cols)
    body = []
    values = {c: shown[c].tolist() for c in cols}
    for c in cols:
        word = _CODED.get(c)
        if word is not None:
            values[c] = [word(v, lg) if isinstance(v, str) and v else v for v in values[c]]
    for i in range(len(shown)):
        cells = "".join(f"<td style='padding:2px 8px;border-bottom:1px solid #eee'>{html.escape(_cell(values[c][i]))}</td>"
                        for c in cols)
        body.append(f"<tr>{cells}</tr>")
    return (f"<div class='wb-cases'><div style='margin:4px 0;color:#555'>{html.escape(note)}</div>"
            f"<table style='border-collapse:collapse;font-size:12px'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")
