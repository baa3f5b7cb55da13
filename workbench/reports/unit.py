"""The unit accountability report (单位责任报告): what ``templates/unit.ipynb`` shows for one
responsible unit over a month, a quarter or a year.

Sections: 一、主要指标 (the unit's KPIs against the whole ledger's, and its on-time rate month by
month); 二、超期件及办理链条 (its late clocks of the period, each with its chain of custody —
who held the case how long — and the late days charged to the unit by
:func:`workbench.attribute_blame`); 三、包案领导 (the leaders owning its cases, ranked by late
cases); 四、推诿扯皮 (buck-passing pairs it is part of, over the 12 months ending with the period);
五、违规线索 (:func:`workbench.rule_checks` on its cases); 六、重复信访积案 (unresolved repeat
matters it handled, persons as the role may see them); 七、整改要求; 口径说明.

Like :mod:`workbench.reports.monthly`, each section is data functions (DataFrames of what is
shown), figures, and a function that writes and displays the section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .monthly import (
    _as_of,
    _caption,
    _e,
    _h2,
    _layout,
    _note,
    _p,
    _persons,
    _sep,
    _sub_number,
    head,
    policy_title,
    scrub_text,
)
from .page import BLUE, ORANGE, fmt_int, fmt_pct, fmt_pp, show_figure, show_html, table_html

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .context import ReportContext

__all__ = ["UNIT_KPIS", "head", "unit_cases", "unit_kpis", "unit_kpi_figure", "on_time_trend", "on_time_figure",
           "kpis_vs_city", "late_cases", "late_chains", "leader_ranking", "leaders", "unit_buck_pairs", "buck",
           "unit_rule_checks", "rule_leads", "unit_backlog", "backlog", "next_steps", "notes"]

#: the unit's KPIs, read for the responsible unit (责任单位)
UNIT_KPIS = ("timely_acceptance", "on_time", "satisfaction", "participation")


def _uid(r: ReportContext) -> str:
    return str(r.scope.unit_id)


def unit_cases(r: ReportContext) -> list[str]:
    """Ids of the cases the unit answers for (责任单位), received at any time."""
    c = r.book.cases
    mine = (c["responsible_unit_id"].astype("str") == _uid(r)).fillna(False).to_numpy(dtype=bool)
    return c.loc[mine, "case_id"].astype(str).tolist()


# --------------------------------------------------------------------------- 一、主要指标


def unit_kpis(r: ReportContext) -> pd.DataFrame:
    """The unit's KPIs of the period against the whole ledger's (both for the responsible-unit
    party): kpi, kpi_label, numerator, denominator, value, city_numerator, city_denominator,
    city_value, gap (unit − city). From ``workbench.kpis(book, by="unit", period=...)`` and
    ``workbench.kpis(book, period=...)``."""
    from ..rules.kpis import kpis

    p = r.scope.period
    mine = kpis(r.book, by="unit", policy=r.policy, as_of=_as_of(r), period=p, party="unit", language=r.language).frame
    mine = mine.loc[mine["unit"] == _uid(r)]
    city = kpis(r.book, policy=r.policy, as_of=_as_of(r), period=p, party="unit", language=r.language).frame
    rows = []
    for kpi in UNIT_KPIS:
        a, b = mine.loc[mine["kpi"] == kpi], city.loc[city["kpi"] == kpi]
        if not len(b):
            continue
        x = b.iloc[0]
        y = a.iloc[0] if len(a) else None
        rows.append({"kpi": kpi, "kpi_label": x["kpi_label"],
                     "numerator": y["numerator"] if y is not None else 0.0,
                     "denominator": y["denominator"] if y is not None else 0.0,
                     "value": y["value"] if y is not None else np.nan,
                     "city_numerator": x["numerator"], "city_denominator": x["denominator"], "city_value": x["value"]})
    out = pd.DataFrame(rows)
    out["gap"] = out["value"] - out["city_value"]
    return out


def unit_kpi_figure(data: pd.DataFrame, r: ReportContext) -> go.Figure:
    """The unit against the whole ledger, KPI by KPI (grouped bars; hover gives the parts)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for who, col, num, den, colour in ((r.scope.unit_name, "value", "numerator", "denominator", BLUE),
                                       (r.w("unit.city"), "city_value", "city_numerator", "city_denominator", "#b8c7dc")):
        parts = [[fmt_int(a), fmt_int(b)] for a, b in zip(data[num], data[den], strict=True)]
        fig.add_trace(go.Bar(x=data["kpi_label"].tolist(), y=data[col].astype(float).tolist(), name=str(who),
                             marker_color=colour, customdata=parts,
                             text=[fmt_pct(v) for v in data[col]], textposition="outside",
                             hovertemplate=f"{_e(who)}<br>%{{x}}：%{{y:.1%}}（%{{customdata[0]}}/%{{customdata[1]}}）<extra></extra>"
                             if not r.en else f"{_e(who)}<br>%{{x}}: %{{y:.1%}} (%{{customdata[0]}}/%{{customdata[1]}})<extra></extra>"))
    fig.update_layout(barmode="group", height=400, legend={"orientation": "h", "y": -0.15},
                      margin={"l": 60, "r": 20, "t": 60, "b": 40})
    fig.update_yaxes(tickformat=".0%", range=[0, 1.12], title_text=r.w("fig.rate"))
    return _layout(fig, r, r.w("unit.fig.kpis", period=r.scope.period_words()))


def on_time_trend(r: ReportContext, months: int = 24) -> pd.DataFrame:
    """按期办结率 (responsible unit) per month, the unit's and the whole ledger's, over the
    ``months`` months ending with the period: month, who (unit | city), numerator, denominator, value."""
    from ..rules.kpis import kpis

    # the months ending with the period, but none after as_of's (nothing there can be due yet)
    end = min(pd.Period(r.scope.end - pd.Timedelta(days=1), "M"), pd.Period(r.as_of, "M"))
    want = {str(end - i) for i in range(months)}
    city = kpis(r.book, by="month", policy=r.policy, as_of=_as_of(r), party="unit", language=r.language).frame
    mine = kpis(r.book.where(cases=unit_cases(r)), by="month", policy=r.policy, as_of=_as_of(r), party="unit",
                language=r.language).frame
    parts = []
    for who, f in (("unit", mine), ("city", city)):
        f = f.loc[(f["kpi"] == "on_time") & f["month"].isin(want), ["month", "numerator", "denominator", "value"]]
        parts.append(f.assign(who=who))
    return pd.concat(parts, ignore_index=True).sort_values(["who", "month"], kind="stable").reset_index(drop=True)


def on_time_figure(data: pd.DataFrame, r: ReportContext) -> go.Figure:
    """The unit's on-time rate month by month against the whole ledger's, with a range slider."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for who, name, colour, width in (("unit", r.scope.unit_name, BLUE, 2.5), ("city", r.w("unit.city"), "#9aa7b8", 1.5)):
        d = data.loc[data["who"] == who]
        parts = [[fmt_int(a), fmt_int(b)] for a, b in zip(d["numerator"], d["denominator"], strict=True)]
        fig.add_trace(go.Scatter(x=[f"{m}-01" for m in d["month"]], y=d["value"].astype(float).tolist(), name=str(name),
                                 mode="lines+markers", line={"color": colour, "width": width}, customdata=parts,
                                 hovertemplate=f"{_e(name)}：%{{y:.1%}}（%{{customdata[0]}}/%{{customdata[1]}}）<extra></extra>"
                                 if not r.en else f"{_e(name)}: %{{y:.1%}} (%{{customdata[0]}}/%{{customdata[1]}})<extra></extra>"))
    fig.update_layout(hovermode="x unified", height=420, legend={"orientation": "h", "y": -0.4},
                      margin={"l": 60, "r": 20, "t": 60, "b": 20})
    fig.update_xaxes(type="date", tickformat="%Y-%m", dtick="M2", hoverformat="%Y-%m",
                     rangeslider={"visible": True, "thickness": 0.08})
    fig.update_yaxes(tickformat=".0%", title_text=r.w("fig.rate"))
    return _layout(fig, r, r.w("unit.fig.trend"))


def kpis_vs_city(r: ReportContext) -> None:
    """一、主要指标: volume, KPIs against the whole ledger, the unit's rank by late rate."""
    from ..rules.delays import ranking

    s = r.scope
    c = r.book.cases
    rec = c["received_at"]
    mine = (c["responsible_unit_id"].astype("str") == _uid(r)).fillna(False).to_numpy(dtype=bool)
    n = int((mine & ((rec >= s.start) & (rec < s.end)).fillna(False).to_numpy(dtype=bool)).sum())
    k = unit_kpis(r)
    r.findings["kpis"] = k
    rk = ranking(r.book, by="unit", policy=r.policy, as_of=_as_of(r), period=s.period, min_cases=1)
    rk = rk.sort_values(["late_rate", "late_cases"], ascending=False, kind="stable").reset_index(drop=True)
    pos = np.flatnonzero(rk["unit_id"].astype(str).to_numpy() == _uid(r))
    text = r.w("unit.kpis.lead", period=_e(s.period_words()), unit=_e(s.unit_name), n=fmt_int(n))
    items = [r.w("unit.kpis.item", label=_e(x.kpi_label), v=fmt_pct(x.value), num=fmt_int(x.numerator),
                 den=fmt_int(x.denominator), city=fmt_pct(x.city_value), gap=fmt_pp(x.gap, r.language))
             for x in k.itertuples() if pd.notna(x.value)]
    if items:
        text += r.w("unit.kpis.items", items=("; " if r.en else "；").join(items))
    if len(pos):
        row = rk.iloc[int(pos[0])]
        text += r.w("unit.kpis.rank", due=fmt_int(row["cases"]), late=fmt_int(row["late_cases"]),
                    rate=fmt_pct(row["late_rate"]), k=int(pos[0]) + 1, m=len(rk))
        r.findings["rank"] = (int(pos[0]) + 1, len(rk), row)
    show_html(_h2(r, 1, "unit.h.kpis") + _p(text))
    t = pd.DataFrame({r.w("col.kpi"): k["kpi_label"], r.w("unit.col.unit"): k["value"].map(fmt_pct),
                      r.w("col.parts"): [f"{fmt_int(a)}/{fmt_int(b)}" for a, b in zip(k["numerator"], k["denominator"], strict=True)],
                      r.w("unit.col.city"): k["city_value"].map(fmt_pct),
                      r.w("unit.col.city_parts"): [f"{fmt_int(a)}/{fmt_int(b)}" for a, b in
                                                   zip(k["city_numerator"], k["city_denominator"], strict=True)],
                      r.w("unit.col.gap"): [fmt_pp(v, r.language) for v in k["gap"]]})
    attrs = [{"kpi": x.kpi, "numerator": x.numerator, "denominator": x.denominator, "value": x.value,
              "city-value": x.city_value} for x in k.itertuples()]
    show_html(_caption(r.w("unit.cap.kpis", period=s.period_words())) + table_html(t, numeric=list(t.columns[1:]), row_attrs=attrs)
              + _note(r.w("unit.note.kpis")))
    show_figure(unit_kpi_figure(k, r), r.language)
    trend = on_time_trend(r)
    if trend.loc[trend["who"] == "unit", "value"].notna().any():
        show_figure(on_time_figure(trend, r), r.language)
    else:  # no case of the unit has come due in these months: an empty chart would say nothing
        show_html(_note(r.w("unit.note.no_trend")))


# --------------------------------------------------------------------------- 二、超期件及办理链条


def late_cases(r: ReportContext, top: int = 12) -> pd.DataFrame:
    """The unit's late clocks of the period — due in it, finished late or still open past the
    limit, and either answered for by the unit or with late days charged to it — one row per
    case (its longest overrun): case_id, category, clock_label, due, status, days_late,
    charged (late days :func:`workbench.attribute_blame` charges to the unit on that case), chain
    (its custody: unit, days held, days overdue). Most days charged first; ``attrs``: cases,
    days_charged (over all of them)."""
    from ..chains.blame import attribute_blame
    from ..chains.segments import custody
    from ..rules.clocks import clocks

    s = r.scope
    uid = _uid(r)
    ck = clocks(r.book, r.policy, _as_of(r))
    due = ck["due"]
    ck = ck.loc[ck["status"].isin(["late", "open_past_limit"]) & (due >= s.start) & (due < s.end)]
    att = attribute_blame(r.book, r.policy, _as_of(r)).attribution
    att = att.loc[att["unit_id"].astype(str) == uid]
    charged = att.groupby(["case_id", "clock"], sort=False)["late_days"].sum()
    key = pd.MultiIndex.from_frame(ck[["case_id", "clock"]])
    ck = ck.assign(charged=charged.reindex(key).fillna(0.0).to_numpy())
    ck = ck.loc[(ck["unit_id"].astype(str) == uid) | (ck["charged"] > 0)]
    cols = ["case_id", "category", "clock_label", "due", "status", "days_late", "charged", "chain"]
    if not len(ck):
        out = pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
        out.attrs.update({"cases": 0, "days_charged": 0.0, "open_past_limit": 0})
        return out
    per = ck.groupby("case_id", sort=False).agg(charged=("charged", "sum"), days_late=("days_late", "max"))
    worst = ck.sort_values("days_late", ascending=False, kind="stable").drop_duplicates("case_id").set_index("case_id")
    per = per.join(worst[["clock_label", "due", "status"]])
    attrs = {"cases": int(len(per)), "days_charged": float(per["charged"].sum()),
             "open_past_limit": int((per["status"] == "open_past_limit").sum())}
    per = per.sort_values(["charged", "days_late"], ascending=False, kind="stable").head(top)
    ids = per.index.astype(str).tolist()
    seg = custody(r.book.where(cases=ids), r.policy, _as_of(r))
    cases = r.book.cases.set_index("case_id")
    out = pd.DataFrame({
        "case_id": ids,
        "category": ["/".join(str(x) for x in cases.loc[i, ["category_l1", "category_l2"]] if pd.notna(x)) for i in ids],
        "clock_label": per["clock_label"].to_numpy(), "due": pd.to_datetime(per["due"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "status": per["status"].to_numpy(), "days_late": per["days_late"].astype(float).to_numpy(),
        "charged": per["charged"].astype(float).to_numpy(),
        "chain": [_chain_words(seg.loc[seg["case_id"].astype(str) == i], r) for i in ids],
    })
    out.attrs.update(attrs)
    return out


def _chain_words(seg: pd.DataFrame, r: ReportContext, most: int = 6) -> str:
    """'青山县信访局 1天 → 青山县住建局 48天（超期12天）↩ → …' (lead and review holds, in order)."""
    seg = seg.loc[seg["role"].astype(str) != "co"].sort_values("seg", kind="stable")
    parts = []
    for x in seg.itertuples():
        s = r.w("unit.chain.hold", unit=x.unit_name if isinstance(x.unit_name, str) else x.unit_id, days=f"{x.days_held:.0f}")
        if x.days_overdue > 0.5:
            s += r.w("unit.chain.overdue", days=f"{x.days_overdue:.0f}")
        if bool(x.bounce):
            s += "↩"
        parts.append(s)
    if len(parts) > most:
        parts = [*parts[: most - 1], "…", parts[-1]]
    return " → ".join(parts)


def late_chains(r: ReportContext) -> None:
    """二、超期件及办理链条: the unit's late cases of the period, their chains, one drawn in full."""
    from ..views.blame import chain_data, chain_figure

    s = r.scope
    t = late_cases(r)
    r.findings["late"] = t
    a = t.attrs
    out = [_h2(r, 2, "unit.h.late")]
    if a["cases"]:
        out.append(_p(r.w("unit.late.lead", period=_e(s.period_words()), n=fmt_int(a["cases"]),
                          opl=fmt_int(a["open_past_limit"]), days=fmt_int(a["days_charged"]))))
        shown = pd.DataFrame({
            r.w("unit.col.case"): t["case_id"], r.w("col.category"): t["category"], r.w("unit.col.clock"): t["clock_label"],
            r.w("unit.col.due"): t["due"], r.w("unit.col.status"): [r.w(f"unit.status.{x}") for x in t["status"]],
            r.w("unit.col.days_late"): t["days_late"].map(fmt_int), r.w("unit.col.charged"): t["charged"].map(fmt_int),
            r.w("unit.col.chain"): t["chain"]})
        out += [_caption(r.w("unit.cap.late", n=len(t), total=fmt_int(a["cases"]))),
                table_html(shown, numeric=list(shown.columns[5:7]), nowrap=list(shown.columns[:1]) + list(shown.columns[3:5])),
                _note(r.w("unit.note.late"))]
    else:
        out.append(_p(r.w("unit.late.none", period=_e(s.period_words()), unit=_e(s.unit_name))))
    show_html("".join(out))
    if a["cases"]:
        d = chain_data(r.book, str(t["case_id"].iloc[0]), r.policy, _as_of(r))
        if not r.masker.full and "note" in d.events:  # notes are free text: scrubbed like summaries
            case = str(t["case_id"].iloc[0])
            d.events["note"] = [scrub_text(r, x, case) or "" for x in d.events["note"].astype("object")]
        show_html(_caption(r.w("unit.cap.chain", case=t["case_id"].iloc[0])))
        fig = chain_figure(d, r.language)
        fig.update_layout(title_pad_t=26)  # the two-line title clear of the page's frame
        show_figure(fig, r.language)


# --------------------------------------------------------------------------- 三、包案领导


def leader_ranking(r: ReportContext, top: int = 15) -> pd.DataFrame:
    """The leaders owning the unit's cases (包案领导), by late cases among the clocks due in the
    period (``workbench.ranking(by="leader")`` on the unit's cases, every leader counted): rank,
    name, title, unit_name, cases, late_cases, open_past_limit, late_rate, days_late_total,
    days_late_max."""
    from ..rules.delays import ranking

    sub = r.book.where(cases=unit_cases(r))
    rk = ranking(sub, by="leader", policy=r.policy, as_of=_as_of(r), period=r.scope.period, min_cases=1)
    rk = rk.sort_values(["late_cases", "late_rate", "days_late_total", "lead_person_id"],
                        ascending=[False, False, False, True], kind="stable").head(top).reset_index(drop=True)
    rk["rank"] = np.arange(1, len(rk) + 1)
    for c in ("title", "unit_name"):
        if c not in rk:
            rk[c] = None
    return rk[["rank", "lead_person_id", "name", "title", "unit_name", "cases", "late_cases", "open_past_limit", "late_rate",
               "days_late_total", "days_late_max"]]


def leaders(r: ReportContext) -> None:
    """三、包案领导: who owns the unit's cases, and whose ran late."""
    s = r.scope
    t = leader_ranking(r)
    r.findings["leaders"] = t
    out = [_h2(r, 3, "unit.h.leaders")]
    late = t.loc[t["late_cases"] > 0]
    if len(t):
        text = r.w("unit.leaders.lead", period=_e(s.period_words()), n=len(t), k=len(late))
        if len(late):
            text += r.w("unit.leaders.items", items=_sep(r).join(
                r.w("unit.leaders.item", name=_e(x["name"]), title=_e(x["title"] or ""), n=fmt_int(x["late_cases"]),
                    due=fmt_int(x["cases"])) for _, x in late.head(3).iterrows()))
        out.append(_p(text))
        shown = pd.DataFrame({r.w("unit.col.rank"): t["rank"], r.w("unit.col.leader"): t["name"].fillna(t["lead_person_id"]),
                              r.w("unit.col.title"): t["title"].fillna(""), r.w("unit.col.leader_unit"): t["unit_name"].fillna(""),
                              r.w("col.due"): t["cases"], r.w("col.late"): t["late_cases"],
                              r.w("col.open_past"): t["open_past_limit"], r.w("col.late_rate"): t["late_rate"].map(fmt_pct),
                              r.w("col.days_total"): t["days_late_total"].map(fmt_int),
                              r.w("col.days_max"): t["days_late_max"].map(fmt_int)})
        out += [_caption(r.w("unit.cap.leaders", period=s.period_words())),
                table_html(shown, numeric=[shown.columns[0], *shown.columns[4:]]), _note(r.w("unit.note.leaders"))]
    else:
        out.append(_p(r.w("unit.leaders.none", period=_e(s.period_words()))))
    show_html("".join(out))
    if len(late):
        show_figure(_leaders_figure(late.head(12), r), r.language)


def _leaders_figure(t: pd.DataFrame, r: ReportContext) -> go.Figure:
    import plotly.graph_objects as go

    d = t.iloc[::-1]
    labels = [f"{a}（{b}）" if b else str(a) for a, b in zip(d["name"], d["title"].fillna(""), strict=True)]
    info = [[fmt_int(a), fmt_pct(b), fmt_int(c)] for a, b, c in zip(d["cases"], d["late_rate"], d["days_late_total"], strict=True)]
    fig = go.Figure(go.Bar(x=d["late_cases"].tolist(), y=labels, orientation="h", marker_color=ORANGE, customdata=info,
                           text=[fmt_int(x) for x in d["late_cases"]], textposition="outside",
                           hovertemplate=r.w("unit.fig.leader_hover")))
    fig.update_layout(height=max(280, 32 * len(d) + 120), margin={"l": 170, "r": 40, "t": 60, "b": 40}, showlegend=False)
    fig.update_xaxes(title_text=r.w("fig.late_cases"), dtick=1 if d["late_cases"].max() <= 10 else None)
    return _layout(fig, r, r.w("unit.fig.leaders", period=r.scope.period_words()))


# --------------------------------------------------------------------------- 四、推诿扯皮


def unit_buck_pairs(r: ReportContext, months: int = 12) -> pd.DataFrame:
    """The buck-passing pairs the unit is part of (``workbench.buck_passing`` on the cases received
    in the ``months`` months ending with the period, or in the period when it is longer): partner,
    partner_id, flows (the unit → partner, partner → the unit), returns, bounce_cases,
    refused_both, days_bounced, score, flagged; flagged first, then by score. ``attrs``: window."""
    from ..chains.buck import buck_passing

    s = r.scope
    start = min(s.start, (pd.Period(s.end - pd.Timedelta(days=1), "M") - (months - 1)).start_time)
    sub = r.book.where(period=(start, s.end - pd.Timedelta(days=1)))
    bp = buck_passing(sub, r.policy, _as_of(r))
    uid = _uid(r)
    mine = bp.loc[(bp["unit_a"].astype(str) == uid) | (bp["unit_b"].astype(str) == uid)]
    mine = mine.loc[(mine["score"] > 0) | (mine["bounce_cases"] > 0)]
    a_side = (mine["unit_a"].astype(str) == uid).to_numpy()
    out = pd.DataFrame({
        "partner": np.where(a_side, mine["name_b"], mine["name_a"]),
        "partner_id": np.where(a_side, mine["unit_b"], mine["unit_a"]),
        "flow_out": np.where(a_side, mine["flow_ab"], mine["flow_ba"]).astype(np.int64),
        "flow_in": np.where(a_side, mine["flow_ba"], mine["flow_ab"]).astype(np.int64),
        "returns_out": np.where(a_side, mine["returns_ab"], mine["returns_ba"]).astype(np.int64),
        "returns_in": np.where(a_side, mine["returns_ba"], mine["returns_ab"]).astype(np.int64),
        "bounce_cases": mine["bounce_cases"].astype(np.int64).to_numpy(),
        "refused_both": mine["refused_both"].astype(np.int64).to_numpy(),
        "days_bounced": mine["days_bounced"].astype(float).to_numpy(),
        "score": mine["score"].astype(float).to_numpy(), "flagged": mine["flagged"].astype(bool).to_numpy(),
    })
    out = out.sort_values(["flagged", "score", "bounce_cases"], ascending=[False, False, False], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update({"start": start, "end": s.end - pd.Timedelta(days=1)})
    return out


def buck(r: ReportContext) -> None:
    """四、推诿扯皮: the pairs the unit passes matters back and forth with."""
    s = r.scope
    t = unit_buck_pairs(r)
    r.findings["buck"] = t
    window = r.w("window", start=f"{t.attrs['start']:%Y-%m}", end=f"{t.attrs['end']:%Y-%m}")
    out = [_h2(r, 4, "unit.h.buck")]
    flagged = t.loc[t["flagged"]]
    if len(flagged):
        out.append(_p(r.w("unit.buck.flagged", window=window, unit=_e(s.unit_name), items=_sep(r).join(
            r.w("unit.buck.item", partner=_e(x["partner"]), flows=fmt_int(x["flow_out"] + x["flow_in"]),
                bounce=fmt_int(x["bounce_cases"]), both=fmt_int(x["refused_both"])) for _, x in flagged.iterrows()))))
    elif len(t):
        x = t.iloc[0]
        out.append(_p(r.w("unit.buck.none", window=window, unit=_e(s.unit_name), partner=_e(x["partner"]),
                          bounce=fmt_int(x["bounce_cases"]))))
    else:
        out.append(_p(r.w("unit.buck.nothing", window=window, unit=_e(s.unit_name))))
    if len(t):
        shown = pd.DataFrame({
            r.w("unit.col.partner"): t["partner"],
            r.w("unit.col.flows"): [f"{a} / {b}" for a, b in zip(t["flow_out"], t["flow_in"], strict=True)],
            r.w("unit.col.returns"): [f"{a} / {b}" for a, b in zip(t["returns_out"], t["returns_in"], strict=True)],
            r.w("col.bounce_cases"): t["bounce_cases"], r.w("col.refused_both"): t["refused_both"],
            r.w("col.days_bounced"): t["days_bounced"].round(0).astype(np.int64),
            r.w("col.score"): t["score"].map(lambda x: f"{x:.1f}"),
            r.w("col.flagged"): [r.w("word.flagged") if f else "" for f in t["flagged"]]})
        out += [_caption(r.w("unit.cap.buck", window=window)),
                table_html(shown.head(10), numeric=list(shown.columns[1:7]), row_class=["flag" if f else "" for f in t["flagged"].head(10)]),
                _note(r.w("note.buck"))]
    show_html("".join(out))


# --------------------------------------------------------------------------- 五、违规线索


def unit_rule_checks(r: ReportContext) -> pd.DataFrame:
    """Rule findings (:func:`workbench.rule_checks`) the unit answers for that happened in the
    period: case_id, label, article, related_case_id, at, detail; ``attrs["all"]``: its findings
    over the whole ledger."""
    from ..rules.checks import rule_checks

    s = r.scope
    rc = rule_checks(r.book, r.policy, _as_of(r), language=r.language)
    rc = rc.loc[rc["unit_id"].astype(str) == _uid(r)]
    at = pd.to_datetime(rc["at"])
    out = rc.loc[((at >= s.start) & (at < s.end)).to_numpy(dtype=bool)].reset_index(drop=True)
    out.attrs["all"] = int(len(rc))
    return out


def rule_leads(r: ReportContext) -> None:
    """五、违规线索: handling that breaks the rules beyond lateness."""
    s = r.scope
    t = unit_rule_checks(r)
    r.findings["checks"] = t
    out = [_h2(r, 5, "unit.h.checks")]
    if len(t):
        counts = t["label"].value_counts()
        out.append(_p(r.w("unit.checks.lead", period=_e(s.period_words()), n=len(t),
                          items=_sep(r).join(f"{_e(k)}{r.w('unit.n_cases', n=int(v))}" for k, v in counts.items()))))
        cols = [c for c in ("case_id", "label", "article", "related_case_id", "at", "detail") if c in t]
        shown = t[cols].copy()
        if "at" in shown:
            shown["at"] = pd.to_datetime(shown["at"]).dt.strftime("%Y-%m-%d")
        shown.columns = [r.w(f"unit.col.check.{c}") for c in cols]
        out.append(table_html(shown, nowrap=[shown.columns[0]]))
    else:
        out.append(_p(r.w("unit.checks.none", period=_e(s.period_words()), n=int(t.attrs["all"]))))
    out.append(_note(r.w("unit.note.checks")))
    show_html("".join(out))


# --------------------------------------------------------------------------- 六、重复信访积案


def unit_backlog(r: ReportContext, top: int = 10) -> tuple[pd.DataFrame, int]:
    """Unresolved repeat matters (积案, two cases or more) the unit handled, as the role may see
    them; the first ``top`` as a table (persons by the role's Masker) and how many there are."""
    from ..identity.repeats import repeat_matters
    from ..views import persons as vp

    persons = _persons(r)
    rep = repeat_matters(r.book, persons, role=r.role)
    u = vp.unresolved_matters(rep, r.book, r.masker)
    uid = _uid(r)
    u = u.loc[(u["n_cases"] > 1).to_numpy(dtype=bool) & np.array([uid in map(str, v) for v in u["unit_ids"]], dtype=bool)]
    u = u.reset_index(drop=True).assign(rank=lambda d: np.arange(1, len(d) + 1))
    t = vp.unresolved_table(rep, r.book, top, r.language, persons=persons, role=r.masker, unresolved=u)
    return t, int(len(u))


def backlog(r: ReportContext) -> None:
    """六、重复信访积案: the unresolved repeat matters the unit handled."""
    t, n = unit_backlog(r)
    r.findings["backlog"] = n
    out = [_h2(r, 6, "unit.h.backlog")]
    if n:
        out += [_p(r.w("unit.backlog.lead", unit=_e(r.scope.unit_name), n=fmt_int(n))),
                _caption(r.w("cap.backlog", n=len(t), total=fmt_int(n))),
                table_html(t.reset_index(), nowrap=[t.columns[0], t.columns[4], t.columns[5]]),
                _note(r.w(f"note.backlog.{r.role}"))]
    else:
        out.append(_p(r.w("unit.backlog.none", unit=_e(r.scope.unit_name))))
    show_html("".join(out))


# --------------------------------------------------------------------------- 七、整改要求


def next_steps(r: ReportContext) -> None:
    """七、整改要求: one paragraph per finding that calls for action."""
    f = r.findings
    s = r.scope
    steps = []
    k = f.get("kpis")
    if k is not None and len(k):
        below = k.loc[(k["gap"] <= -0.01).fillna(False)]
        if len(below):
            steps.append(r.w("unit.steps.kpis", items=_sep(r).join(_e(x) for x in below["kpi_label"])))
    late = f.get("late")
    if late is not None and late.attrs.get("cases"):
        steps.append(r.w("unit.steps.late", n=fmt_int(late.attrs["cases"]), opl=fmt_int(late.attrs["open_past_limit"])))
    ld = f.get("leaders")
    if ld is not None and len(ld) and (ld["late_cases"] > 0).any():
        steps.append(r.w("unit.steps.leaders", names=_sep(r).join(_e(x) for x in ld.loc[ld["late_cases"] > 0, "name"].head(3))))
    b = f.get("buck")
    if b is not None and len(b) and b["flagged"].any():
        steps.append(r.w("unit.steps.buck", partners=_sep(r).join(_e(x) for x in b.loc[b["flagged"], "partner"])))
    ch = f.get("checks")
    if ch is not None and len(ch):
        steps.append(r.w("unit.steps.checks", n=len(ch)))
    if f.get("backlog"):
        steps.append(r.w("unit.steps.backlog", n=fmt_int(f["backlog"])))
    if not steps:
        steps.append(r.w("unit.steps.keep", unit=_e(s.unit_name)))
    body = "".join(_p(f"<b>{_sub_number(i + 1, r.language)}</b>{x}") for i, x in enumerate(steps))
    show_html(_h2(r, 7, "unit.h.steps") + f"<div class=\"wb-steps\">{body}</div>")


def notes(r: ReportContext) -> None:
    """口径说明 of the unit report."""
    items = [r.w("unit.notes.scope", unit=_e(r.scope.unit_name), uid=_e(r.scope.unit_id)), r.w("notes.kpis"),
             r.w("unit.notes.late"), r.w("notes.buck"), r.w("notes.backlog"),
             r.w("notes.data", n=fmt_int(len(r.book.cases)), first=f"{r.book.cases['received_at'].min():%Y-%m-%d}",
                 last=f"{r.book.cases['received_at'].max():%Y-%m-%d}", policy=_e(policy_title(r)),
                 as_of=f"{r.as_of:%Y-%m-%d %H:%M}")]
    body = "".join(f"<p>{i + 1}. {x}</p>" for i, x in enumerate(items))
    show_html(f"<footer class=\"wb-foot\"><p><b>{_e(r.w('h.notes'))}</b></p>{body}</footer>")
