"""The monthly bulletin (信访工作月通报): what ``templates/monthly.ipynb`` shows, section by section.

Every section is a data function (a DataFrame of exactly the numbers shown, each traceable to
the cases counted), a figure function where a picture helps, and a section function that writes
the prose from those numbers and displays prose, figure and table in the kernel rendering the
report. Persons appear only as the role may see them (:class:`workbench.privacy.Masker`).

Sections: 一、总体情况 (volumes by channel, 环比 / 同比, a monthly trend); 二、主要特点 (issue
categories, spike alerts and hot issues); 三、考核指标 (KPIs with 环比 / 同比 and a 13-month
trend with a KPI selector); 四、存在问题 (late cases by unit, buck-passing pairs, the
repeat-petition backlog); 五、下步工作 (derived from what the sections found); 口径说明.

>>> section_number(3, "zh"), section_number(3, "en")
('三、', '3. ')
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..vocab import label
from .page import (
    BLUE,
    FONT,
    GREY,
    ORANGE,
    PALETTE,
    RED,
    fmt_change,
    fmt_int,
    fmt_pct,
    fmt_pp,
    plotly_script,
    show_figure,
    show_html,
    table_html,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .context import ReportContext

__all__ = [
    "KPI_ROWS",
    "section_number",
    "head",
    "overview",
    "volumes",
    "monthly_volumes",
    "volume_figure",
    "features",
    "categories",
    "category_figure",
    "month_alerts",
    "month_issues",
    "scrub_text",
    "kpi_section",
    "kpi_table",
    "kpi_trend",
    "kpi_trend_figure",
    "problems",
    "late_units",
    "late_units_figure",
    "buck_pairs",
    "backlog",
    "next_steps",
    "notes",
]

#: the KPI rows of the bulletin: (kpi, party, count basis). 初信初访办结率 and 息访率 are left out:
#: their cohorts (received this month / closed 180 days ago) cannot be complete in a monthly bulletin
KPI_ROWS: tuple[tuple[str, str, str], ...] = (
    ("timely_acceptance", "unit", "件次"), ("timely_acceptance", "office", "件次"),
    ("on_time", "unit", "件次"), ("on_time", "office", "件次"),
    ("satisfaction", "unit", "件次"), ("satisfaction", "office", "件次"),
    ("participation", "unit", "件次"), ("resolved_once", "all", "件次"),
    ("repeat", "all", "件次"), ("online_share", "all", "件次"), ("skip_level", "all", "批次"),
)
#: the three rates a bulletin leads with (三率), shown first in the trend
CORE_KPIS = (("timely_acceptance", "unit"), ("on_time", "unit"), ("satisfaction", "unit"))
#: rates where a rise is bad news
LOWER_IS_BETTER = {"repeat", "skip_level"}
_NUM_ZH = "一二三四五六七八九十"


def section_number(n: int, language: str = "zh") -> str:
    """'三、' (zh) or '3. ' (en) for the n-th section."""
    return f"{_NUM_ZH[n - 1]}、" if language != "en" else f"{n}. "


def _sub_number(n: int, language: str = "zh") -> str:
    return f"（{_NUM_ZH[n - 1]}）" if language != "en" else f"({chr(96 + n)}) "


def _h2(r: ReportContext, n: int, key: str) -> str:
    return f"<h2 class=\"wb-h2\">{section_number(n, r.language)}{html.escape(r.w(key))}</h2>"


def _h3(r: ReportContext, n: int, key: str) -> str:
    return f"<h3 class=\"wb-h3\">{_sub_number(n, r.language)}{html.escape(r.w(key))}</h3>"


def _p(text: str) -> str:
    """A paragraph of prose (already escaped where it holds data; ``<b>`` allowed)."""
    return f"<p class=\"wb-p\">{text}</p>"


def _e(v: object) -> str:
    return html.escape(str(v))


def _note(text: str) -> str:
    return f"<div class=\"wb-note\">{html.escape(text)}</div>"


def _caption(text: str) -> str:
    return f"<div class=\"wb-caption\">{html.escape(text)}</div>"


def _sep(r: ReportContext) -> str:
    return ", " if r.en else "、"


def _trend_word(r: ReportContext, change: float | None, *, rate: bool = False) -> str:
    """'上升11.7%' / '下降0.3个百分点' / '持平' (or English) for a change."""
    if change is None or pd.isna(change):
        return r.w("change.na")
    if abs(change) < 0.0005:
        return r.w("change.flat")
    amount = fmt_pp(abs(change), r.language).lstrip("+") if rate else f"{abs(change) * 100:.1f}%"
    return r.w("change.up" if change > 0 else "change.down", amount=amount)


# --------------------------------------------------------------------------- shared computations


def _kpis(r: ReportContext):
    """``workbench.kpis`` of the scope for the report's month (with 环比 / 同比), computed once."""
    if "kpis" not in r.cache:
        from ..rules.kpis import kpis

        r.cache["kpis"] = kpis(r.data, policy=r.policy, as_of=_as_of(r), period=r.scope.period, language=r.language)
    return r.cache["kpis"]


def _as_of(r: ReportContext) -> object:
    """The ``as_of`` to hand to the analyses: None when it is the ledger's own moment, so the
    clocks remembered on the book are the ones anybody else computes."""
    return None if r.as_of == r.book.ledger_as_of() else r.as_of


def _row(frame: pd.DataFrame, kpi: str, party: str = "all", count: str = "件次") -> pd.Series | None:
    f = frame.loc[(frame["kpi"] == kpi) & (frame["party"] == party) & (frame["count"] == count)]
    return f.iloc[0] if len(f) else None


def _unit_names(book) -> pd.Series:
    from ..rules.delays import names

    return names(book, "units")


def _month_axis(period: str, months: int = 13) -> tuple[str, str]:
    """[start, end] x range of the last ``months`` months ending at ``period`` (half a month of air)."""
    p = pd.Period(period, "M")
    start = (p - (months - 1)).start_time - pd.Timedelta(days=16)
    end = p.start_time + pd.Timedelta(days=16)
    return start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d")


def _layout(fig: go.Figure, r: ReportContext, title: str, **kw: Any) -> go.Figure:
    fig.update_layout(template="plotly_white", font={"family": FONT, "size": 13},
                      title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16}},
                      separators=".,", **kw)
    return fig


# --------------------------------------------------------------------------- head


def head(r: ReportContext) -> None:
    """plotly.js (once, before any figure), the title block and what the role sees."""
    from .. import __version__

    s = r.scope
    issuer = r.w("issuer.monthly" if s.kind == "monthly" else "issuer.unit")
    office = petition_office(r.book)
    dated = r.w("dated", date=r.w("date", y=r.generated_at.year, m=r.generated_at.month, d=r.generated_at.day))
    sub = r.w("sub", as_of=f"{r.as_of:%Y-%m-%d %H:%M}", made=f"{r.generated_at:%Y-%m-%d %H:%M}", version=__version__)
    privacy = r.w(f"privacy.{r.role}")
    show_html(plotly_script(r.language)
              + f"<header class=\"wb-head\"><div class=\"issuer\">{_e(issuer)}</div>"
              f"<div class=\"office\"><span>{_e(office)}</span><span>{_e(dated)}</span></div></header>"
              f"<h1 class=\"wb-title\">{_e(s.title)}</h1><div class=\"wb-sub\">{_e(sub)}</div>"
              f"<div class=\"wb-privacy\">{_e(privacy)}</div>")


def petition_office(book) -> str:
    """The ledger's city petition bureau (信访局) by name, the bulletin's issuer ('' when unknown)."""
    u = book.units
    if not len(u) or "kind" not in u or "level" not in u:
        return ""
    hit = u.loc[(u["kind"].astype("str") == "信访部门").fillna(False).to_numpy(dtype=bool)
                & (u["level"].astype("str") == "city").fillna(False).to_numpy(dtype=bool)]
    return str(hit["name"].iloc[0]) if len(hit) else ""


# --------------------------------------------------------------------------- 一、总体情况


def volumes(r: ReportContext) -> pd.DataFrame:
    """Cases (件次) received in the month by channel, with the month before and the same month a
    year before: channel, label, cases, prev, mom (relative), yoy_cases, yoy — and a first row
    ``total`` for all channels. From ``workbench.kpis(..., by="channel", period=...)``."""
    from ..rules.kpis import kpis

    k = kpis(r.data, by="channel", policy=r.policy, as_of=_as_of(r), period=r.scope.period, party="all",
             language=r.language).frame
    k = k.loc[k["kpi"] == "cases"]
    tot = _row(_kpis(r).frame, "cases")
    rows = [{"channel": "total", "label": r.w("total"), "cases": tot["value"] if tot is not None else 0.0,
             "prev": tot["prev_value"] if tot is not None else np.nan, "yoy_cases": tot["yoy_value"] if tot is not None else np.nan}]
    for ch, v, pv, yv in zip(k["channel"], k["value"], k["prev_value"], k["yoy_value"], strict=True):
        known = isinstance(ch, str) and bool(ch) and bool(label("channel", ch, r.language))
        rows.append({"channel": ch if known else "unknown", "label": label("channel", ch, r.language) if known else r.w("unknown"),
                     "cases": v, "prev": pv, "yoy_cases": yv})
    out = pd.DataFrame(rows)
    out[["cases", "prev", "yoy_cases"]] = out[["cases", "prev", "yoy_cases"]].astype(float).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["mom"] = np.where(out["prev"] > 0, out["cases"] / out["prev"] - 1, np.nan)
        out["yoy"] = np.where(out["yoy_cases"] > 0, out["cases"] / out["yoy_cases"] - 1, np.nan)
    body = out.iloc[1:].sort_values(["cases", "channel"], ascending=[False, True], kind="stable")
    return pd.concat([out.iloc[:1], body], ignore_index=True)


def monthly_volumes(r: ReportContext) -> pd.DataFrame:
    """Cases per month and channel over the whole ledger in scope: month ('YYYY-MM'), channel,
    label, cases (the trend behind the bar chart)."""
    c = r.data.cases
    df = pd.DataFrame({"month": c["received_at"].dt.strftime("%Y-%m"), "channel": c["channel"].fillna("unknown")})
    out = df.groupby(["month", "channel"], sort=True).size().rename("cases").reset_index()
    labels = {ch: (label("channel", ch, r.language) if ch != "unknown" else r.w("unknown")) for ch in out["channel"].unique()}
    out["label"] = out["channel"].map(labels)
    return out[["month", "channel", "label", "cases"]]


def volume_figure(data: pd.DataFrame, r: ReportContext) -> go.Figure:
    """Stacked monthly bars by channel; the last 13 months in view, the whole ledger behind the
    range slider."""
    import plotly.graph_objects as go

    fig = go.Figure()
    order = data.groupby("label")["cases"].sum().sort_values(ascending=False).index.tolist()
    months = sorted(data["month"].unique())
    for i, lab in enumerate(order):
        d = data.loc[data["label"] == lab].set_index("month")["cases"].reindex(months, fill_value=0)
        # an explicit width (ms): plotly sizes date bars by the gap between x values, and a ledger
        # of one month has no gap, which draws its bars one millisecond wide
        fig.add_trace(go.Bar(x=[f"{m}-01" for m in months], y=d.to_numpy().tolist(), name=lab,
                             width=[24 * 86_400_000] * len(months),
                             marker_color=PALETTE[i % len(PALETTE)],
                             hovertemplate=f"{_e(lab)}：%{{y:,}}<extra></extra>" if not r.en else f"{_e(lab)}: %{{y:,}}<extra></extra>"))
    x0, x1 = _month_axis(r.scope.period)
    fig.update_layout(barmode="stack", hovermode="x unified", height=430, legend={"orientation": "h", "y": -0.42},
                      margin={"l": 50, "r": 20, "t": 60, "b": 20})
    fig.update_xaxes(type="date", range=[x0, x1], tickformat="%Y-%m", dtick="M1", hoverformat="%Y-%m",
                     rangeslider={"visible": True, "thickness": 0.08})
    fig.update_yaxes(title_text=r.w("fig.cases"), rangemode="tozero")
    return _layout(fig, r, r.w("fig.volume_title"))


def _volume_table(v: pd.DataFrame, r: ReportContext) -> str:
    t = pd.DataFrame({
        r.w("col.channel"): v["label"],
        r.w("col.this_month"): v["cases"].map(fmt_int),
        r.w("col.prev_month"): v["prev"].map(fmt_int),
        r.w("col.mom"): v["mom"].map(fmt_change),
        r.w("col.yoy_month"): v["yoy_cases"].map(fmt_int),
        r.w("col.yoy"): v["yoy"].map(fmt_change),
    })
    attrs = [{"channel": ch, "cases": c} for ch, c in zip(v["channel"], v["cases"], strict=True)]
    return table_html(t, numeric=list(t.columns[1:]), row_attrs=attrs)


def overview(r: ReportContext) -> None:
    """一、总体情况: the month's volume against last month and last year, by channel, visits,
    collective and skip-level visits; the monthly trend."""
    s = r.scope
    v = volumes(r)
    r.findings["volumes"] = v
    tot = v.iloc[0]
    k = _kpis(r).frame
    parts = [r.w("overview.total", period=_e(s.period_words()), place=_e(s.place or r.w("scope")),
                 n=fmt_int(tot["cases"]), mom=_trend_word(r, tot["mom"]), prev=fmt_int(tot["prev"]),
                 yoy=_trend_word(r, tot["yoy"]), yoy_n=fmt_int(tot["yoy_cases"]))]
    ch = v.iloc[1:]
    if len(ch) and tot["cases"] > 0:
        shares = [r.w("overview.channel_item", label=_e(a), n=fmt_int(b), share=fmt_pct(b / tot["cases"]))
                  for a, b in zip(ch["label"].head(4), ch["cases"].head(4), strict=True)]
        parts.append(r.w("overview.channels", items=_sep(r).join(shares)))
    vb, vp = _row(k, "visits_batches", count="批次"), _row(k, "visits_persons", count="人次")
    cb, cp = _row(k, "collective_batches", count="批次"), _row(k, "collective_persons", count="人次")
    sk = _row(k, "skip_level", count="批次")
    if vb is not None and vp is not None:
        parts.append(r.w("overview.visits", b=fmt_int(vb["value"]), p=fmt_int(vp["value"]),
                         mom=_trend_word(r, vb["mom"]),
                         cb=fmt_int(cb["value"] if cb is not None else 0), cp=fmt_int(cp["value"] if cp is not None else 0),
                         sk=fmt_int(sk["numerator"] if sk is not None else 0)))
    r.findings["visits"] = {"batches": vb["value"] if vb is not None else 0,
                            "collective_batches": cb["value"] if cb is not None else 0,
                            "collective_mom": cb["mom"] if cb is not None else np.nan}
    show_html(_h2(r, 1, "h.overview") + _p("".join(parts))
              + _caption(r.w("cap.volumes", period=s.period_words())) + _volume_table(v, r)
              + _note(r.w("note.volumes", prev=s.period_words(s.prev_period), yoy=s.period_words(s.yoy_period))))
    show_figure(volume_figure(monthly_volumes(r), r), r.language)


# --------------------------------------------------------------------------- 二、主要特点


def categories(r: ReportContext, top: int = 10) -> pd.DataFrame:
    """The month's level-1 issue categories (问题类别), most cases first: category, cases, share,
    prev (the month before), change (cases), yoy_cases; the first ``top``."""
    c = r.data.cases
    s = r.scope
    cat = c["category_l1"].astype("str").fillna(r.w("unknown"))
    rec = c["received_at"]

    def count(period: str) -> pd.Series:
        p = pd.Period(period, "M")
        m = ((rec >= p.start_time) & (rec < (p + 1).start_time)).fillna(False).to_numpy(dtype=bool)
        return cat[m].value_counts()

    now, prev, yoy = count(s.period), count(s.prev_period), count(s.yoy_period)
    out = pd.DataFrame({"cases": now}).rename_axis("category").reset_index()
    out["share"] = out["cases"] / max(int(now.sum()), 1)
    out["prev"] = out["category"].map(prev).fillna(0).astype(np.int64)
    out["change"] = out["cases"] - out["prev"]
    out["yoy_cases"] = out["category"].map(yoy).fillna(0).astype(np.int64)
    out = out.sort_values(["cases", "category"], ascending=[False, True], kind="stable").head(top)
    return out.reset_index(drop=True)


def category_figure(data: pd.DataFrame, r: ReportContext) -> go.Figure:
    """This month's categories against last month (grouped horizontal bars)."""
    import plotly.graph_objects as go

    d = data.iloc[::-1]
    s = r.scope
    fig = go.Figure()
    for col, name, colour in (("prev", s.period_words(s.prev_period), "#b8c7dc"), ("cases", s.period_words(), BLUE)):
        fig.add_trace(go.Bar(x=d[col].tolist(), y=d["category"].tolist(), orientation="h", name=name, marker_color=colour,
                             text=[fmt_int(x) for x in d[col]], textposition="outside",
                             hovertemplate=f"%{{y}}<br>{_e(name)}：%{{x:,}}<extra></extra>" if not r.en
                             else f"%{{y}}<br>{_e(name)}: %{{x:,}}<extra></extra>"))
    fig.update_layout(barmode="group", height=max(320, 46 * len(d) + 110), legend={"orientation": "h", "y": -0.12},
                      margin={"l": 130, "r": 40, "t": 60, "b": 40}, bargap=0.25)
    fig.update_xaxes(title_text=r.w("fig.cases"))
    return _layout(fig, r, r.w("fig.category_title", period=s.period_words()))


def _region_prefix(r: ReportContext) -> str | None:
    reg = r.scope.region
    return reg.rstrip("0") if reg and reg.isdigit() else None


def month_alerts(r: ReportContext) -> pd.DataFrame:
    """Spike alerts (异常激增) of the month at county level, computed on the whole ledger (so each
    county is measured against the others) and kept to the scope's region: region, region_name,
    category, period, observed, expected, lower, upper, q_value, score."""
    if "alerts" not in r.cache:
        from ..hotspots.alerts import spike_alerts
        from ..hotspots.cube import issue_cube

        cube = issue_cube(r.book, period="month", late=False)
        r.cache["cube"] = cube
        r.cache["alerts"] = spike_alerts(cube, level="county")
    a = r.cache["alerts"]
    a = a.loc[a["period"] == r.scope.period]
    pre = _region_prefix(r)
    if pre:
        a = a.loc[a["region"].astype(str).str.startswith(pre[:6])]
    elif r.scope.region:
        a = a.loc[a["region_name"].astype(str).str.startswith(str(r.scope.region_name or r.scope.region))]
    return a.reset_index(drop=True)


def _scrub_parts(r: ReportContext):
    """(the role's Masker with the ledger's names of three characters or more, the same with every
    petitioner name, the role's guard) — built once per report."""
    if "scrub" not in r.cache:
        from ..privacy import Guard

        names = pd.unique(r.book.petitioners["name"].dropna().astype(str))
        public = set(r.book.people["name"].dropna().astype(str)) | set(r.book.units["name"].dropna().astype(str))
        long = [n for n in names if len(n) >= 3 and n not in public]
        r.cache["scrub"] = (r.masker.with_names(long), r.masker.with_names(list(names)), Guard.for_book(r.book, r.role))
    return r.cache["scrub"]


def scrub_text(r: ReportContext, text: object, case_id: str | None = None) -> str | None:
    """Free text (a summary, a handling note) as the role may see it. Outside the supervisor role:
    ID and phone numbers masked, the names of the case's own petitioners and every petitioner
    name of three characters or more replaced (某信访人) — a two-character name is replaced only
    where it is the case's own, so place names holding one (杨林镇) stay readable. If the guard of
    the role still finds a name, every petitioner name is replaced; if it still finds anything,
    None: the text is left out rather than the report refused."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    if r.masker.full:
        return str(text)
    long_m, all_m, guard = _scrub_parts(r)
    out = long_m.text(text)
    if case_id is not None:
        cp = r.book.case_petitioners
        pid = cp.loc[(cp["case_id"].astype("str") == str(case_id)).fillna(False).to_numpy(dtype=bool), "petitioner_id"]
        pet = r.book.petitioners
        own = pet.loc[pet["petitioner_id"].isin(set(pid.astype(str))), "name"].dropna().astype(str).tolist()
        if own:
            out = r.masker.with_names(own).text(out)
    if not guard.scan_text(out):
        return out
    out = all_m.text(text)
    return out if not guard.scan_text(out) else None


def month_issues(r: ReportContext, top: int = 8) -> pd.DataFrame:
    """Hot issues (热点问题) with cases this month in scope, most this month first: issue_id,
    label, month_cases, n_cases, first_at, last_at, regions (names), categories, example (one
    representative summary, scrubbed for the role; outside the supervisor role never an
    accusation's)."""
    if "hot" not in r.cache:
        from ..hotspots.topics import hot_issues

        r.cache["hot"] = hot_issues(r.book, top=60)
    hot = r.cache["hot"]
    c = r.data.cases
    s = r.scope
    rec = c["received_at"]
    ids = set(c.loc[((rec >= s.start) & (rec < s.end)).fillna(False).to_numpy(dtype=bool), "case_id"].astype(str))
    cols = ["issue_id", "label", "month_cases", "n_cases", "first_at", "last_at", "regions", "categories", "example"]
    if not len(hot) or not ids:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
    month = [len(ids.intersection(map(str, v))) for v in hot["case_ids"]]
    h = hot.assign(month_cases=month)
    h = h.loc[h["month_cases"] > 0].sort_values("month_cases", ascending=False, kind="stable")
    # an issue is hot this month with two cases at least; with none such, the three most active
    h = h.loc[h["month_cases"] >= 2].head(top) if (h["month_cases"] >= 2).any() else h.head(3)
    from ..views.persons import _region_names

    regions = _region_names(r.book)
    allc = r.book.cases.set_index("case_id")
    acc = set(allc.index[(allc["demand_type"].astype("str") == "accusation").fillna(False).to_numpy(dtype=bool)]) \
        if "demand_type" in allc else set()
    examples = []
    for reps in h["representative_case_ids"]:
        pick = [x for x in map(str, reps) if (r.masker.full or x not in acc) and x in allc.index]
        texts = (scrub_text(r, allc.at[x, "summary"], x) for x in pick)
        examples.append(next((t for t in texts if t), ""))  # the first that may be shown
    out = pd.DataFrame({
        "issue_id": h["issue_id"].to_numpy(), "label": h["label"].astype(str).to_numpy(),
        "month_cases": h["month_cases"].astype(np.int64).to_numpy(), "n_cases": h["n_cases"].astype(np.int64).to_numpy(),
        "first_at": h["first_at"].to_numpy(), "last_at": h["last_at"].to_numpy(),
        "regions": [_sep(r).join(dict.fromkeys(regions.get(str(x)[:6], str(x)) for x in v))
                    for v in h["regions"]],
        "categories": [_sep(r).join(map(str, v)) for v in h["categories"]],
        "example": examples,
    })
    return out.reset_index(drop=True)


def _alert_figure(r: ReportContext, alert: pd.Series) -> go.Figure:
    from ..hotspots.alerts import expected_band
    from ..views import hotspots as hv

    cube = r.cache["cube"]
    bands = expected_band(cube.series(level="county"), dispersion=r.cache["alerts"].attrs.get("dispersion"))
    data = hv.series_data(bands, r.cache["alerts"], region=alert["region"], category=alert["category"])
    p = pd.Period(r.scope.period, "M")
    data = data.loc[data["period"] >= str(p - 23)]
    fig = hv.series_figure(data, r.language, title=r.w("fig.alert_title", region=alert["region_name"],
                                                       category=alert["category"]))
    return fig


def features(r: ReportContext) -> None:
    """二、主要特点: where the month's petitions concentrate (categories), and what flares up
    (spike alerts, hot issues)."""
    s = r.scope
    cats = categories(r)
    r.findings["categories"] = cats
    out = [_h2(r, 2, "h.features"), _h3(r, 1, "h.categories")]
    if len(cats):
        top3 = cats.head(3)
        items = _sep(r).join(r.w("features.cat_item", cat=_e(a), n=fmt_int(b), share=fmt_pct(c))
                             for a, b, c in zip(top3["category"], top3["cases"], top3["share"], strict=True))
        text = r.w("features.top", items=items, share=fmt_pct(top3["share"].sum()))
        rise = cats.loc[cats["change"] > 0].sort_values("change", ascending=False, kind="stable")
        if len(rise) and int(rise.iloc[0]["change"]) >= 3:
            x = rise.iloc[0]
            text += r.w("features.rise", cat=_e(x["category"]), d=fmt_int(x["change"]), prev=fmt_int(x["prev"]),
                        n=fmt_int(x["cases"]))
        out.append(_p(text))
    show_html("".join(out))
    if len(cats):
        show_figure(category_figure(cats, r), r.language)
    # spikes and hot issues
    alerts = month_alerts(r)
    issues = month_issues(r)
    r.findings["alerts"], r.findings["issues"] = alerts, issues
    out = [_h3(r, 2, "h.hotspots")]
    if len(alerts):
        items = _sep(r).join(r.w("features.alert_item", region=_e(a["region_name"]), cat=_e(a["category"]),
                                 n=fmt_int(a["observed"]), exp=f"{a['expected']:.1f}")
                             for _, a in alerts.head(3).iterrows())
        text = r.w("features.alerts", n=len(alerts), items=items)
    else:
        text = r.w("features.no_alerts", period=s.period_words())
    if len(issues):
        items = _sep(r).join(r.w("features.issue_item", label=_e(a), n=fmt_int(b))
                             for a, b in zip(issues["label"].head(3), issues["month_cases"].head(3), strict=True))
        text += r.w("features.issues", items=items)
    out.append(_p(text))
    if len(alerts):
        t = pd.DataFrame({r.w("col.region"): alerts["region_name"], r.w("col.category"): alerts["category"],
                          r.w("col.observed"): alerts["observed"].map(fmt_int),
                          r.w("col.expected"): alerts["expected"].map(lambda x: f"{x:.1f}"),
                          r.w("col.band"): [f"{int(lo)}–{int(hi)}" for lo, hi in zip(alerts["lower"], alerts["upper"], strict=True)],
                          r.w("col.q"): alerts["q_value"].map(lambda x: f"{x:.1e}")})
        out += [_caption(r.w("cap.alerts", period=s.period_words())), table_html(t, numeric=list(t.columns[2:]))]
    if len(issues):
        t = pd.DataFrame({r.w("col.issue"): issues["label"], r.w("col.month_cases"): issues["month_cases"],
                          r.w("col.total_cases"): issues["n_cases"],
                          r.w("col.first"): pd.to_datetime(issues["first_at"]).dt.strftime("%Y-%m-%d"),
                          r.w("col.last"): pd.to_datetime(issues["last_at"]).dt.strftime("%Y-%m-%d"),
                          r.w("col.regions"): issues["regions"], r.w("col.example"): issues["example"]})
        out += [_caption(r.w("cap.issues", period=s.period_words())),
                table_html(t, numeric=list(t.columns[1:3]), nowrap=list(t.columns[3:5]))]
    out.append(_note(r.w("note.hotspots")))
    show_html("".join(out))
    if len(alerts):
        show_figure(_alert_figure(r, alerts.iloc[0]), r.language)


# --------------------------------------------------------------------------- 三、考核指标


def kpi_table(r: ReportContext) -> pd.DataFrame:
    """The bulletin's KPI rows (:data:`KPI_ROWS`) of ``workbench.kpis(scope, period=month)``:
    kpi, party, count, kpi_label, numerator, denominator, value, prev_value, mom, yoy_value, yoy
    (rates; changes in percentage points as fractions), exactly as the KPI table computes them."""
    k = _kpis(r).frame
    rows = []
    for kpi, party, count in KPI_ROWS:
        row = _row(k, kpi, party, count)
        if row is not None:
            rows.append(row)
    cols = ["kpi", "party", "count", "kpi_label", "numerator", "denominator", "value", "prev_value", "mom",
            "yoy_value", "yoy"]
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
    return pd.DataFrame(rows)[cols].reset_index(drop=True)


def _party(r: ReportContext, party: str) -> str:
    return r.w(f"party.{party}")


def kpi_trend(r: ReportContext, months: int = 13) -> pd.DataFrame:
    """Each bulletin KPI per month over the ``months`` months ending at the report's month:
    month ('YYYY-MM'), kpi, party, count, label, numerator, denominator, value."""
    from ..rules.kpis import kpis

    k = kpis(r.data, by="month", policy=r.policy, as_of=_as_of(r), language=r.language).frame
    p = pd.Period(r.scope.period, "M")
    want = {str(p - i) for i in range(months)}
    keep = pd.Series(False, index=k.index)
    for kpi, party, count in KPI_ROWS:
        keep |= (k["kpi"] == kpi) & (k["party"] == party) & (k["count"] == count)
    k = k.loc[keep & k["month"].isin(want)]
    out = k[["month", "kpi", "party", "count", "kpi_label", "numerator", "denominator", "value"]].copy()
    out["label"] = [f"{a}（{_party(r, b)}）" if b != "all" and not r.en else f"{a} ({_party(r, b)})" if b != "all" else a
                    for a, b in zip(out["kpi_label"], out["party"], strict=True)]
    return out.sort_values(["kpi", "party", "month"], kind="stable").reset_index(drop=True)


def kpi_trend_figure(trend: pd.DataFrame, r: ReportContext) -> go.Figure:
    """One line per KPI over 13 months; a selector (plotly ``updatemenus``) switches between the
    three core rates and each KPI alone; a range slider under the months."""
    import plotly.graph_objects as go

    fig = go.Figure()
    keys: list[tuple[str, str]] = []
    order = [(k, p) for k, p, _ in KPI_ROWS]
    for i, (kpi, party) in enumerate(order):
        d = trend.loc[(trend["kpi"] == kpi) & (trend["party"] == party)]
        if not len(d):
            continue
        keys.append((kpi, party))
        name = str(d["label"].iloc[0])
        parts = [[fmt_int(a), fmt_int(b)] for a, b in zip(d["numerator"], d["denominator"], strict=True)]
        hover = (f"{_e(name)}：%{{y:.1%}}（%{{customdata[0]}}/%{{customdata[1]}}）<extra></extra>" if not r.en
                 else f"{_e(name)}: %{{y:.1%}} (%{{customdata[0]}}/%{{customdata[1]}})<extra></extra>")
        fig.add_trace(go.Scatter(x=[f"{m}-01" for m in d["month"]], y=d["value"].astype(float).tolist(), name=name,
                                 mode="lines+markers", customdata=parts, hovertemplate=hover,
                                 line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                                 visible=(kpi, party) in CORE_KPIS))
    buttons = [{"label": r.w("fig.kpi_core"), "method": "update",
                "args": [{"visible": [k in CORE_KPIS for k in keys]}]}]
    for j in range(len(keys)):
        buttons.append({"label": fig.data[j].name, "method": "update",
                        "args": [{"visible": [i == j for i in range(len(keys))]}]})
    buttons.append({"label": r.w("fig.kpi_all"), "method": "update", "args": [{"visible": [True] * len(keys)}]})
    fig.update_layout(updatemenus=[{"buttons": buttons, "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.16,
                                    "yanchor": "top", "showactive": True, "bgcolor": "#fff", "bordercolor": "#bbb"}],
                      height=460, hovermode="x unified", legend={"orientation": "h", "y": -0.42},
                      margin={"l": 60, "r": 20, "t": 80, "b": 20})
    fig.update_xaxes(type="date", tickformat="%Y-%m", dtick="M1", hoverformat="%Y-%m",
                     rangeslider={"visible": True, "thickness": 0.08})
    fig.update_yaxes(tickformat=".0%", title_text=r.w("fig.rate"))
    return _layout(fig, r, r.w("fig.kpi_title"))


def _kpi_table_html(t: pd.DataFrame, r: ReportContext) -> str:
    def change(kpi: str, v: object) -> str:
        return fmt_pp(v, r.language)

    shown = pd.DataFrame({
        r.w("col.kpi"): t["kpi_label"],
        r.w("col.party"): [_party(r, p) for p in t["party"]],
        r.w("col.this_month"): t["value"].map(fmt_pct),
        r.w("col.parts"): [f"{fmt_int(a)}/{fmt_int(b)}" for a, b in zip(t["numerator"], t["denominator"], strict=True)],
        r.w("col.prev_month"): t["prev_value"].map(fmt_pct),
        r.w("col.mom"): [change(k, v) for k, v in zip(t["kpi"], t["mom"], strict=True)],
        r.w("col.yoy_month"): t["yoy_value"].map(fmt_pct),
        r.w("col.yoy"): [change(k, v) for k, v in zip(t["kpi"], t["yoy"], strict=True)],
    })
    attrs = [{"kpi": a.kpi, "party": a.party, "count": a.count, "numerator": a.numerator, "denominator": a.denominator,
              "value": a.value, "prev-value": a.prev_value, "yoy-value": a.yoy_value} for a in t.itertuples()]
    return table_html(shown, numeric=list(shown.columns[2:]), row_attrs=attrs)


def kpi_section(r: ReportContext) -> None:
    """三、考核指标: the KPI table of the month with 环比 / 同比, and the 13-month trend."""
    s = r.scope
    t = kpi_table(r)
    r.findings["kpis"] = t
    out = [_h2(r, 3, "h.kpis")]
    sentences = []
    for kpi, party in CORE_KPIS:
        row = t.loc[(t["kpi"] == kpi) & (t["party"] == party)]
        if len(row) and pd.notna(row.iloc[0]["value"]):
            x = row.iloc[0]
            sentences.append(r.w("kpis.item", label=_e(x["kpi_label"]), v=fmt_pct(x["value"]),
                                 num=fmt_int(x["numerator"]), den=fmt_int(x["denominator"]),
                                 mom=_trend_word(r, x["mom"], rate=True)))
    if sentences:
        out.append(_p(r.w("kpis.lead", period=_e(s.period_words()), items=("; " if r.en else "；").join(sentences))))
    worse = [x for x in t.itertuples() if pd.notna(x.mom) and
             ((x.mom <= -0.01 and x.kpi not in LOWER_IS_BETTER) or (x.mom >= 0.01 and x.kpi in LOWER_IS_BETTER))]
    if worse:
        items = _sep(r).join(r.w("kpis.worse_item", label=_e(x.kpi_label), party=_e(_party(r, x.party)),
                                 d=fmt_pp(abs(x.mom), r.language).lstrip("+"), up=r.w("word.up" if x.mom > 0 else "word.down"))
                             for x in worse)
        out.append(_p(r.w("kpis.worse", items=items)))
    r.findings["kpis_worse"] = worse
    out += [_caption(r.w("cap.kpis", period=s.period_words())), _kpi_table_html(t, r),
            _note(r.w("note.kpis", prev=s.period_words(s.prev_period), yoy=s.period_words(s.yoy_period)))]
    show_html("".join(out))
    show_figure(kpi_trend_figure(kpi_trend(r), r), r.language)


# --------------------------------------------------------------------------- 四、存在问题


def late_units(r: ReportContext, top: int = 15) -> pd.DataFrame:
    """Units with late cases among the clocks due this month (``workbench.ranking`` by unit for
    the month, every unit counted), most late cases first: unit_id, name, cases (due this month),
    late_cases, open_past_limit, days_late_total, days_late_max, late_rate; ``attrs``: totals over
    all units (cases, late_cases, open_past_limit, units)."""
    from ..rules.delays import ranking

    rk = ranking(r.data, by="unit", policy=r.policy, as_of=_as_of(r), period=r.scope.period, min_cases=1)
    totals = {"cases": int(rk["cases"].sum()), "late_cases": int(rk["late_cases"].sum()),
              "open_past_limit": int(rk["open_past_limit"].sum()), "units": int((rk["late_cases"] > 0).sum())}
    late = rk.loc[rk["late_cases"] > 0].sort_values(["late_cases", "days_late_total", "unit_id"],
                                                    ascending=[False, False, True], kind="stable").head(top)
    out = late[["unit_id", "name", "cases", "late_cases", "open_past_limit", "days_late_total", "days_late_max",
                "late_rate"]].reset_index(drop=True)
    out["name"] = out["name"].where(out["name"].notna(), out["unit_id"])
    out.attrs.update(totals)
    return out


def late_units_figure(data: pd.DataFrame, r: ReportContext) -> go.Figure:
    """Late cases per unit: finished late and still open past the limit, stacked."""
    import plotly.graph_objects as go

    d = data.iloc[::-1]
    done = (d["late_cases"] - d["open_past_limit"]).tolist()
    info = [[fmt_int(a), fmt_int(b), fmt_pct(c), fmt_int(e), fmt_int(f)] for a, b, c, e, f in
            zip(d["cases"], d["late_cases"], d["late_rate"], d["days_late_total"], d["days_late_max"], strict=True)]
    tmpl = r.w("fig.late_hover")
    fig = go.Figure()
    fig.add_trace(go.Bar(x=done, y=d["name"].tolist(), orientation="h", name=r.w("fig.late_done"), marker_color=ORANGE,
                         customdata=info, hovertemplate=tmpl))
    fig.add_trace(go.Bar(x=d["open_past_limit"].tolist(), y=d["name"].tolist(), orientation="h",
                         name=r.w("fig.late_open"), marker_color=RED, customdata=info, hovertemplate=tmpl,
                         text=[fmt_int(x) for x in d["late_cases"]], textposition="outside"))
    fig.update_layout(barmode="stack", height=max(300, 30 * len(d) + 130), legend={"orientation": "h", "y": -0.1},
                      margin={"l": 150, "r": 40, "t": 60, "b": 40})
    fig.update_xaxes(title_text=r.w("fig.late_cases"), dtick=1 if d["late_cases"].max() <= 10 else None)
    return _layout(fig, r, r.w("fig.late_title", period=r.scope.period_words()))


def buck_pairs(r: ReportContext, months: int = 12, top: int = 10) -> pd.DataFrame:
    """Unit pairs passing matters back and forth (推诿) over the ``months`` months ending with the
    report's month (``workbench.buck_passing`` on the cases received then): flagged pairs first,
    then by score; only pairs with a score. ``attrs``: window (start, end), pairs, flagged."""
    from ..chains.buck import buck_passing

    p = pd.Period(r.scope.period, "M")
    start, end = (p - (months - 1)).start_time, (p + 1).start_time
    sub = r.data.where(period=(start, end - pd.Timedelta(days=1)))
    bp = buck_passing(sub, r.policy, _as_of(r)) if len(sub.cases) else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in ("name_a", "name_b", "score", "flagged", "rank")})
    scored = bp.loc[bp["score"] > 0] if len(bp) else bp
    out = scored.sort_values(["flagged", "rank"], ascending=[False, True], kind="stable").head(top).reset_index(drop=True)
    out.attrs.update({"start": start, "end": end - pd.Timedelta(days=1), "pairs": int(len(bp)),
                      "flagged": int(bp["flagged"].sum()) if len(bp) else 0})
    return out


def _buck_table(bp: pd.DataFrame, r: ReportContext) -> str:
    t = pd.DataFrame({
        r.w("col.unit_a"): bp["name_a"], r.w("col.unit_b"): bp["name_b"],
        r.w("col.flows"): [f"{int(a)} / {int(b)}" for a, b in zip(bp["flow_ab"], bp["flow_ba"], strict=True)],
        r.w("col.returns"): [f"{int(a)} / {int(b)}" for a, b in zip(bp["returns_ab"], bp["returns_ba"], strict=True)],
        r.w("col.bounce_cases"): bp["bounce_cases"].astype(np.int64),
        r.w("col.refused_both"): bp["refused_both"].astype(np.int64),
        r.w("col.days_bounced"): bp["days_bounced"].astype(float).round(0).astype(np.int64),
        r.w("col.score"): bp["score"].astype(float).map(lambda x: f"{x:.1f}"),
        r.w("col.flagged"): [r.w("word.flagged") if f else "" for f in bp["flagged"]],
    })
    return table_html(t, numeric=list(t.columns[2:8]), row_class=["flag" if f else "" for f in bp["flagged"]])


def _persons(r: ReportContext):
    if "persons" not in r.cache:
        from ..identity.resolve import resolve_persons

        r.cache["persons"] = resolve_persons(r.book)
    return r.cache["persons"]


def backlog(r: ReportContext, top: int = 10) -> tuple[pd.DataFrame, dict[str, int]]:
    """The repeat-petition backlog (重复信访积案): open matters as the role may see them
    (``repeat_matters`` and ``views.persons.unresolved_matters``; accusation links hidden outside
    the supervisor role), kept to matters with a case in scope. Returns the first ``top`` as a
    table (persons labelled by the role's Masker) and the counts: open, long_running, escalated
    (reached the province or above), active (a petition this month), repeat_cases (repeat
    petitions received this month)."""
    from ..identity.repeats import repeat_matters
    from ..views import persons as vp

    persons = _persons(r)
    rep = repeat_matters(r.book, persons, role=r.role)
    u = vp.unresolved_matters(rep, r.book, r.masker)
    # a backlog of repeat petitions: matters petitioned on more than once (a single open case is
    # an ordinary open case, counted under late handling)
    u = u.loc[u["n_cases"] > 1].reset_index(drop=True)
    u = u.assign(rank=np.arange(1, len(u) + 1))
    s = r.scope
    if s.region:
        mine = set(r.data.cases["case_id"].astype(str))
        u = u.loc[[bool(mine.intersection(map(str, v))) for v in u["case_ids"]]].reset_index(drop=True)
        u = u.assign(rank=np.arange(1, len(u) + 1))
    last = pd.to_datetime(u["last_at"])
    rc = rep.cases
    rrec = pd.to_datetime(rc["received_at"])
    in_month = ((rrec >= s.start) & (rrec < s.end)).to_numpy(dtype=bool) & (rc["repeat_no"].to_numpy() > 1)
    if s.region:
        in_month &= rc["case_id"].astype(str).isin(set(r.data.cases["case_id"].astype(str))).to_numpy(dtype=bool)
    counts = {"open": int(len(u)), "long_running": int(u["long_running"].sum()) if len(u) else 0,
              "escalated": int(u["highest_level"].isin(["province", "central"]).sum()) if len(u) else 0,
              "active": int(((last >= s.start) & (last < s.end)).sum()) if len(u) else 0,
              "repeat_cases": int(rc.loc[in_month, "case_id"].nunique())}
    t = vp.unresolved_table(rep, r.book, top, r.language, persons=persons, role=r.masker, unresolved=u)
    return t, counts


def problems(r: ReportContext) -> None:
    """四、存在问题: late cases by unit, buck-passing pairs, the repeat-petition backlog."""
    s = r.scope
    out = [_h2(r, 4, "h.problems"), _h3(r, 1, "h.late")]
    late = late_units(r)
    r.findings["late"] = late
    tot = late.attrs
    if tot["cases"]:
        text = r.w("late.lead", period=_e(s.period_words()), n=fmt_int(tot["cases"]), late=fmt_int(tot["late_cases"]),
                   opl=fmt_int(tot["open_past_limit"]), rate=fmt_pct(tot["late_cases"] / tot["cases"]),
                   units=fmt_int(tot["units"]))
        if len(late):
            items = _sep(r).join(r.w("late.item", unit=_e(a), n=fmt_int(b)) for a, b in
                                 zip(late["name"].head(3), late["late_cases"].head(3), strict=True))
            worst = late.sort_values("days_late_max", ascending=False, kind="stable").iloc[0]
            text += r.w("late.units", items=items, worst=_e(worst["name"]), days=fmt_int(worst["days_late_max"]))
        out.append(_p(text))
    else:
        out.append(_p(r.w("late.none", period=_e(s.period_words()))))
    show_html("".join(out))
    if len(late):
        show_figure(late_units_figure(late, r), r.language)
        t = pd.DataFrame({r.w("col.unit"): late["name"], r.w("col.due"): late["cases"],
                          r.w("col.late"): late["late_cases"], r.w("col.open_past"): late["open_past_limit"],
                          r.w("col.late_rate"): late["late_rate"].map(fmt_pct),
                          r.w("col.days_total"): late["days_late_total"].map(fmt_int),
                          r.w("col.days_max"): late["days_late_max"].map(fmt_int)})
        show_html(_caption(r.w("cap.late", n=len(late), period=s.period_words())) + table_html(t, numeric=list(t.columns[1:]))
                  + _note(r.w("note.late")))
    # buck-passing
    bp = buck_pairs(r)
    r.findings["buck"] = bp
    a = bp.attrs
    window = r.w("window", start=f"{a['start']:%Y-%m}", end=f"{a['end']:%Y-%m}")
    out = [_h3(r, 2, "h.buck")]
    flagged = bp.loc[bp["flagged"].astype(bool)] if len(bp) else bp
    if len(flagged):
        items = _sep(r).join(r.w("buck.item", a=_e(x["name_a"]), b=_e(x["name_b"]), flows=fmt_int(x["flow_ab"] + x["flow_ba"]),
                                 bounce=fmt_int(x["bounce_cases"]), both=fmt_int(x["refused_both"]))
                             for _, x in flagged.head(3).iterrows())
        out.append(_p(r.w("buck.flagged", window=window, n=len(flagged), items=items)))
    elif len(bp):
        x = bp.iloc[0]
        out.append(_p(r.w("buck.none", window=window, a=_e(x["name_a"]), b=_e(x["name_b"]), bounce=fmt_int(x["bounce_cases"]))))
    else:
        out.append(_p(r.w("buck.nothing", window=window)))
    if len(bp):
        out += [_caption(r.w("cap.buck", window=window, n=fmt_int(a["pairs"]))), _buck_table(bp, r), _note(r.w("note.buck"))]
    show_html("".join(out))
    # backlog
    t, counts = backlog(r)
    r.findings["backlog"] = counts
    out = [_h3(r, 3, "h.backlog")]
    if counts["open"]:
        out.append(_p(r.w("backlog.lead", open=fmt_int(counts["open"]), lr=fmt_int(counts["long_running"]),
                          esc=fmt_int(counts["escalated"]), active=fmt_int(counts["active"]),
                          rep=fmt_int(counts["repeat_cases"]), period=_e(s.period_words()))))
        out += [_caption(r.w("cap.backlog", n=len(t), total=fmt_int(counts["open"]))),
                table_html(t.reset_index(), nowrap=[t.columns[0], t.columns[4], t.columns[5]]), _note(r.w(f"note.backlog.{r.role}"))]
    else:
        out.append(_p(r.w("backlog.none")))
    show_html("".join(out))


# --------------------------------------------------------------------------- 五、下步工作


def next_steps(r: ReportContext) -> None:
    """五、下步工作: one paragraph per finding that calls for action, in the order of the sections."""
    f = r.findings
    steps = []
    worse = f.get("kpis_worse") or []
    t = f.get("kpis")
    if worse:
        items = _sep(r).join(dict.fromkeys(_e(x.kpi_label) for x in worse))
        steps.append(r.w("steps.kpis_worse", items=items))
    elif t is not None and len(t):
        row = t.loc[(t["kpi"] == "on_time") & (t["party"] == "unit")]
        if len(row) and pd.notna(row.iloc[0]["value"]):
            steps.append(r.w("steps.kpis_keep", v=fmt_pct(row.iloc[0]["value"])))
    late = f.get("late")
    if late is not None and len(late):
        units = _sep(r).join(_e(x) for x in late["name"].head(3))
        steps.append(r.w("steps.late", units=units, k=fmt_int(late.attrs["units"]), n=fmt_int(late.attrs["late_cases"]),
                         opl=fmt_int(late.attrs["open_past_limit"])))
    bp = f.get("buck")
    if bp is not None and len(bp) and bool(bp["flagged"].any()):
        x = bp.loc[bp["flagged"].astype(bool)].iloc[0]
        steps.append(r.w("steps.buck", a=_e(x["name_a"]), b=_e(x["name_b"]), n=fmt_int(x["bounce_cases"]), both=fmt_int(x["refused_both"])))
    bl = f.get("backlog")
    if bl and bl["open"]:
        steps.append(r.w("steps.backlog", n=fmt_int(bl["open"]), lr=fmt_int(bl["long_running"]), esc=fmt_int(bl["escalated"])))
    alerts, issues = f.get("alerts"), f.get("issues")
    hot = []
    if alerts is not None and len(alerts):
        hot += [f"{_e(a['region_name'])}{_e(a['category'])}" for _, a in alerts.head(2).iterrows()]
    if issues is not None and len(issues):
        hot += [f"“{_e(x)}”" for x in issues["label"].head(2)]
    if hot:
        key = "steps.hot_spikes" if alerts is not None and len(alerts) else "steps.hot"
        steps.append(r.w(key, items=_sep(r).join(hot)))
    visits = f.get("visits") or {}
    if visits.get("collective_batches", 0) and pd.notna(visits.get("collective_mom")) and visits["collective_mom"] > 0:
        steps.append(r.w("steps.collective", n=fmt_int(visits["collective_batches"])))
    steps.append(r.w("steps.quality"))
    body = "".join(_p(f"<b>{_sub_number(i + 1, r.language)}</b>{s}") for i, s in enumerate(steps))
    show_html(_h2(r, 5, "h.steps") + f"<div class=\"wb-steps\">{body}</div>")


def policy_title(r: ReportContext) -> str:
    """The deadline policy by its title (信访工作条例（2022年）)."""
    from ..rules.policy import load_policy

    try:
        return load_policy(r.policy).title(r.language)
    except Exception:  # a policy the clocks accepted has a title; this only words the note
        return str(r.policy)


def notes(r: ReportContext) -> None:
    """口径说明: where every number comes from (case counts, cohorts, windows), and the role."""
    s = r.scope
    items = [r.w("notes.volumes"), r.w("notes.kpis"), r.w("notes.late"), r.w("notes.buck"), r.w("notes.backlog"),
             r.w("notes.hot"), r.w("notes.data", n=fmt_int(len(r.book.cases)), first=f"{r.book.cases['received_at'].min():%Y-%m-%d}",
                                   last=f"{r.book.cases['received_at'].max():%Y-%m-%d}", policy=_e(policy_title(r)),
                                   as_of=f"{r.as_of:%Y-%m-%d %H:%M}")]
    if s.region:
        items.append(r.w("notes.region", region=_e(s.region_name or s.region), n=fmt_int(len(r.data.cases))))
    body = "".join(f"<p>{i + 1}. {x}</p>" for i, x in enumerate(items))
    show_html(f"<footer class=\"wb-foot\"><p><b>{_e(r.w('h.notes'))}</b></p>{body}</footer>")


# keep the colours importable for the unit report
_COLOURS = {"blue": BLUE, "red": RED, "orange": ORANGE, "grey": GREY}
