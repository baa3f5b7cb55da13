"""Figures of blame chains (责任链条), accountability (责任倒查), buck-passing (推诿) and case flows.

Each figure reads a data function's output, so what is drawn can be checked as a table:

- one case: :func:`chain_data` (its custody segments, clocks, late stretches, events and the
  attribution of its late days) → :func:`chain_figure` (a swimlane per unit) and
  :func:`chain_story` (the chain told in sentences);
- accountability: :meth:`Blame.by_unit` / :meth:`Blame.by_leader` →
  :func:`accountability_figure`, :func:`accountability_table` / :func:`accountability_table_html`;
- the transfer network: :func:`network_layout` (positions as data) →
  :func:`transfer_network_figure` (WebGL, a fixed handful of traces however many units);
- flows between levels: :func:`level_flows` → :func:`sankey_figure`;
- the effect of urging: :func:`urging_figure` over :func:`workbench.urging_effect`.

Every word comes from :func:`workbench.i18n.text` (Chinese unless ``language="en"``). Only case
ids, units and officials appear — never petitioners (DESIGN §9); the event notes of an
accusation (揭发控告) are withheld outside the ``supervisor`` role.

>>> import pandas as pd
>>> t = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["住建局", "自然资源局"], "late_days": [30.0, 10.0],
...     "share_late_days": [0.75, 0.25], "late_cases": [3, 1], "cases_held": [12, 9]})
>>> fig = accountability_figure(t, "unit", language="en")
>>> list(fig.data[0].x), [c[0] for c in fig.data[0].customdata]
([30.0, 10.0], ['U1', 'U2'])
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..i18n import lang, text
from ..vocab import label
from .delays import _GREY, _RED, _layout, _n, _pct, _tint, _unique_labels, mark_lines

if TYPE_CHECKING:
    import networkx as nx
    import plotly.graph_objects as go

    from ..casebook import Casebook

__all__ = [
    "LEVELS",
    "ChainData",
    "chain_data",
    "chain_figure",
    "chain_story",
    "most_overdue_case",
    "accountability_figure",
    "accountability_table",
    "accountability_table_html",
    "network_layout",
    "transfer_network_figure",
    "level_flows",
    "sankey_figure",
    "urging_figure",
    "urging_method",
    "buck_table",
    "table_html",
]

#: unit levels from the top down (the rows of the network layout, the columns of the Sankey)
LEVELS = ("central", "province", "city", "county", "township", "village")
_ROLE_COLOUR = {"lead": "#3b6ea8", "co": "#16a085", "review": "#8e44ad"}
_MARK = {  # action → (marker symbol, colour)
    "return": ("triangle-left", _RED), "urge": ("star", "#e67e22"), "supervise": ("star-diamond", "#d35400"),
    "extend": ("hourglass", "#7f8c8d"), "reply": ("diamond", "#2e8b57"), "reject": ("x", "#2c3e50"),
}
_DAY_MS = 86_400_000
_ROUTING = ("transfer", "assign", "return")


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _date(t: object, minutes: bool = False) -> str:
    if _missing(t):
        return "—"
    ts = pd.Timestamp(t)  # type: ignore[arg-type]
    return ts.strftime("%Y-%m-%d %H:%M" if minutes else "%Y-%m-%d")


def _iso(t: object) -> str:
    return pd.Timestamp(t).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[arg-type]


def _days(d: object, lg: str) -> str:
    """Days with one decimal (hours below a day)."""
    if _missing(d):
        return "—"
    v = float(d)  # type: ignore[arg-type]
    return text("fig.hours_n", lg, hours=v * 24) if 0 < v < 1 else text("fig.days_n", lg, days=v)


# --------------------------------------------------------------------------- one case's chain


@dataclass
class ChainData:
    """Everything :func:`chain_figure` and :func:`chain_story` draw for one case (plain frames).

    ``segments``: its custody segments (:func:`workbench.custody`) with the display ``lane``;
    ``clocks``: its clocks (start, due, stop, status, days_late; the petitioner's own windows left
    out); ``late``: each late clock's stretch (``w0`` the start of the day after the last day,
    ``w1`` its stop or ``as_of``) and the unit holding the case when it began; ``events``: its log in
    the stable order (case, time, source order); ``attribution``: its rows of
    :func:`workbench.attribute_blame`.
    """

    case_id: str
    case: dict[str, Any]
    segments: pd.DataFrame
    clocks: pd.DataFrame
    late: pd.DataFrame
    events: pd.DataFrame
    attribution: pd.DataFrame
    as_of: pd.Timestamp
    unit_names: dict[str, str] = field(default_factory=dict)
    person_names: dict[str, str] = field(default_factory=dict)
    notes_withheld: bool = False
    clock_labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # clock → (中文, English)

    def unit(self, u: object) -> str:
        """A unit's display name ('' for none)."""
        if _missing(u) or u == "":
            return ""
        return str(self.unit_names.get(str(u), u))

    def person(self, p: object) -> str:
        if _missing(p) or p == "":
            return ""
        return str(self.person_names.get(str(p), p))

    def clock(self, name: object, language: str) -> str:
        """A clock's label in ``language``."""
        pair = self.clock_labels.get(str(name))
        return (pair[1] if language == "en" else pair[0]) if pair else str(name)


def chain_data(book: Casebook, case_id: str, policy: object = None, as_of: object = None) -> ChainData:
    """The blame chain of one case: custody segments, clocks, late stretches, events, attribution.

    Computed on the one-case subset with the whole ledger's ``as_of`` (a case's chain depends on
    its own rows only, DESIGN §10), so it reads as it does in the whole book and costs a few
    milliseconds. Event notes of an accusation (揭发控告) are blanked outside the ``supervisor``
    role (``notes_withheld``).

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["A"], "received_at": ["2025-01-02"],
    ...     "registered_unit_id": ["县信访局"], "responsible_unit_id": ["县住建局"], "demand_type": ["求决"]}),
    ...     events=pd.DataFrame({"case_id": ["A"] * 4, "action": ["登记", "交办", "受理", "答复"],
    ...     "at": ["2025-01-02", "2025-01-03", "2025-01-06", "2025-03-31"],
    ...     "from_unit_id": ["县信访局", "县信访局", "县住建局", "县住建局"],
    ...     "to_unit_id": [None, "县住建局", None, None]}), now="2025-06-01")
    >>> d = chain_data(book, "A")
    >>> d.segments[["lane", "days_held", "days_overdue", "ended_by"]].values.tolist()
    [['县信访局', 1.0, 0.0, 'transferred'], ['县住建局', 87.0, 24.0, 'replied']]
    >>> d.late[["clock", "days_late", "holder_unit_id"]].values.tolist()
    [['handle', 24, '县住建局']]
    """
    from ..chains.blame import attribute_blame
    from ..chains.segments import custody, late_windows
    from ..config import get_config
    from ..rules.clocks import cached_clocks, clocks, default_as_of
    from ..rules.delays import names

    case_id = str(case_id)
    hit = book.cases.loc[book.cases["case_id"].astype(str) == case_id]
    if not len(hit):
        raise KeyError(f"case {case_id!r} is not in this casebook")
    now = pd.Timestamp(as_of) if as_of is not None else default_as_of(book)
    sub = _one_case(book, hit)
    seg = custody(sub, policy, now).reset_index(drop=True)
    unit_names = {str(k): str(v) for k, v in names(book, "units").items() if not _missing(v)}
    person_names = {str(k): str(v) for k, v in names(book, "people").items() if not _missing(v)}
    # one lane per unit, in the order the units first held the case
    uid = seg["unit_id"].astype(object)
    lane_ids = [str(u) if not _missing(u) else "" for u in uid]
    distinct = list(dict.fromkeys(lane_ids))  # two units of one name get their ids added, not one unit twice
    shown = _unique_labels(pd.Series([unit_names.get(u, u) if u else "?" for u in distinct], dtype=object),
                           pd.Series(distinct, dtype=object))
    seg["lane"] = [dict(zip(distinct, shown, strict=True))[u] for u in lane_ids]
    ck = clocks(sub, policy, now)
    ck = ck.loc[ck["party"] != "petitioner"].sort_values("due", kind="stable").reset_index(drop=True)
    ck = ck[["clock", "clock_label", "party", "unit_id", "start", "due", "stop", "status", "days_late",
             "extension_days"]]
    # late stretches and who held the case when each began
    win = late_windows(sub, policy, now)
    pol = cached_clocks(sub, policy, now).policy
    clock_names = [k.name for k in pol.clocks]
    late = pd.DataFrame({
        "clock": [clock_names[int(c)] for c in win["clock"]],
        "days_late": win["days_late"].astype(np.int64).to_numpy(),
        "w0": pd.to_datetime(win["w0"].to_numpy(dtype=np.int64), unit="ms"),
        "w1": pd.to_datetime(win["w1"].to_numpy(dtype=np.int64), unit="ms"),
        "answering_unit_id": win["unit_id"].to_numpy(dtype=object),
    })
    late = late.merge(ck[["clock", "clock_label", "due", "status"]], on="clock", how="left")
    main = seg.loc[seg["role"].astype(str) != "co"]
    holders = []
    for w0 in late["w0"]:
        inside = main.loc[(main["start"] <= w0) & ((main["end"] > w0) | main["open"])]
        holders.append(str(inside["unit_id"].iloc[-1]) if len(inside) and not _missing(inside["unit_id"].iloc[-1]) else None)
    late["holder_unit_id"] = pd.Series(holders, dtype=object)
    late = late.sort_values("w0", kind="stable").reset_index(drop=True)
    # the log in the stable order: time, then source order
    ev = sub.events
    seq = ev["seq"].to_numpy(dtype=np.float64, na_value=np.nan) if "seq" in ev else np.zeros(len(ev))
    order = np.lexsort((np.arange(len(ev)), np.nan_to_num(seq, nan=np.inf), ev["at"].to_numpy(dtype="datetime64[ms]")))
    cols = [c for c in ("at", "action", "from_unit_id", "to_unit_id", "actor_id", "role", "note", "share", "source_row")
            if c in ev]
    events = ev.iloc[order][cols].reset_index(drop=True)
    case = hit.iloc[0].to_dict()
    withheld = str(case.get("demand_type")) == "accusation" and get_config().role != "supervisor"
    if withheld and "note" in events:
        events["note"] = pd.Series([None] * len(events), dtype=object)
    att = attribute_blame(sub, policy, now).attribution
    labels = {k.name: (k.label("zh"), k.label("en")) for k in pol.clocks}
    return ChainData(case_id, case, seg, ck, late, events, att.reset_index(drop=True), now, unit_names, person_names,
                     withheld, labels)


def _one_case(book: Casebook, hit: pd.DataFrame) -> Casebook:
    """The one-case book a chain is computed on: its case row and its events (found by position,
    no string lookup over the log), the reference tables whole, no petitioner records (a chain
    is about the units), and the whole ledger's ``as_of``."""
    from dataclasses import replace

    from ..rules.clocks import event_case_index

    book.ledger_as_of()
    idx = book.cases.index
    if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and len(book.events):
        rows = np.flatnonzero(event_case_index(book) == int(hit.index[0]))
        events = book.events.take(rows)
    else:
        events = book.events.loc[(book.events["case_id"].astype(str) == str(hit["case_id"].iloc[0])).to_numpy()]
    return replace(book, cases=hit.iloc[:1].reset_index(drop=True), events=events.reset_index(drop=True),
                   case_petitioners=book.case_petitioners.iloc[:0], petitioners=book.petitioners.iloc[:0],
                   filters={**dict(book.filters), "cases": "one case"})


def most_overdue_case(blame, lead_person_id: str | None = None) -> str | None:
    """The case with the most late days of :func:`workbench.attribute_blame`'s result (of one
    包案领导 when given); ties by case id. None when nothing is late.

    >>> import types
    >>> late = pd.DataFrame({"case_id": ["A", "B", "B"], "days_late": [5, 3, 4]})
    >>> most_overdue_case(types.SimpleNamespace(late=late, book=None))
    'B'
    """
    late = blame.late
    if lead_person_id is not None:
        cases = blame.book.cases
        mine = set(cases.loc[cases["lead_person_id"] == lead_person_id, "case_id"].astype(str))
        late = late.loc[late["case_id"].astype(str).isin(mine)]
    if not len(late):
        return None
    per = late.groupby(late["case_id"].astype(str))["days_late"].sum()
    per = per.loc[per > 0]
    if not len(per):
        return None
    per = per.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return str(per.index[0])


def _marker_lane(d: ChainData, lanes: pd.DataFrame, action: str, frm: object, to: object, at: pd.Timestamp) -> str | None:
    """The lane a marker sits on: the unit it concerns (the target of an urge, else the acting
    unit); failing that, whoever held the case then."""
    unit = to if action in ("urge", "supervise") and not _missing(to) else frm
    by_unit = dict(zip(lanes["unit_id"].astype(object).astype(str), lanes["lane"], strict=True))
    if not _missing(unit) and str(unit) in by_unit:
        return by_unit[str(unit)]
    seg = d.segments
    held = seg.loc[(seg["role"].astype(str) != "co") & (seg["start"] <= at) & ((seg["end"] >= at) | seg["open"])]
    return str(held["lane"].iloc[-1]) if len(held) else None


def _seg_hover(r: pd.Series, d: ChainData, lg: str) -> str:
    role = str(r["role"])
    lines = [f"<b>{html.escape(str(r['lane']))}</b> · {html.escape(text('blame.role.' + role, lg))}"]
    who = d.person(r.get("person_id"))
    if who:
        lines.append(f"{text('blame.hover.handler', lg)}: {html.escape(who)}")
    lines.append(f"{text('fig.start', lg)}: {_date(r['start'], True)}")
    lines.append(f"{text('fig.end', lg)}: " + (text("fig.running_until", lg, date=_date(r["end"], True)) if r["open"]
                                               else _date(r["end"], True)))
    lines.append(f"{text('blame.hover.held', lg)}: {_days(r['days_held'], lg)}")
    lines.append(f"{text('blame.hover.overdue', lg)}: {_days(r['days_overdue'], lg) if r['days_overdue'] > 0 else '0'}")
    ended = str(r["ended_by"])
    how = text("blame.ended." + ended, lg)
    if ended in ("transferred", "returned") and d.unit(r.get("to_unit_id")):
        how += f" → {d.unit(r.get('to_unit_id'))}"
    lines.append(f"{text('blame.hover.ended', lg)}: {html.escape(how)}")
    if d.unit(r.get("from_unit_id")):
        lines.append(f"{text('blame.hover.from', lg)}: {html.escape(d.unit(r.get('from_unit_id')))}")
    if bool(r["bounce"]):
        lines.append(f"<span style='color:{_RED}'>" + html.escape(text(
            "blame.hover.charged", lg, unit=d.unit(r.get("charged_unit_id")), fault=text("blame.fault." + str(r["fault"]), lg)))
            + "</span>")
    if int(r.get("n_urged", 0) or 0):
        lines.append(text("blame.hover.urged", lg, n=int(r["n_urged"])))
    return "<br>".join(lines)


def chain_figure(data: ChainData, language: str | None = None) -> go.Figure:
    """Swimlane timeline of one case's blame chain: a lane per unit (lead, co-handling and review
    segments, coloured by role), a red stripe under each bar for the time it was held while a clock
    ran past its limit, the late stretches shaded, markers for returns (退回), urging and
    supervision (催办/督办), extensions (延期), replies and rejections, each clock's last day as a
    dashed line. Bars' ``customdata`` is ``[case_id, seg]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    d = data
    seg = d.segments
    fig = go.Figure()
    lanes = seg.drop_duplicates("lane")[["lane", "unit_id"]]
    lane_order = lanes["lane"].tolist()
    times: list[pd.Timestamp] = []
    if not _missing(d.case.get("received_at")):
        times.append(pd.Timestamp(d.case["received_at"]))
    for role in ("lead", "co", "review"):
        part = seg.loc[seg["role"].astype(str) == role]
        if not len(part):
            continue
        start, end = pd.to_datetime(part["start"]), pd.to_datetime(part["end"])
        times += [start.min(), end.max()]
        width = ((end - start) / pd.Timedelta(milliseconds=1)).clip(lower=3_600_000)
        run = part["open"].to_numpy(dtype=bool)
        colour = _ROLE_COLOUR[role]
        fig.add_trace(go.Bar(
            y=part["lane"].tolist(), base=[_iso(t) for t in start], x=width.tolist(), orientation="h",
            width=0.5 if role == "lead" else 0.34, offset=-0.32 if role == "lead" else -0.2,
            name=text("blame.role." + role, lg),
            marker={"color": colour, "opacity": [0.6 if r else 0.9 for r in run],
                    "pattern": {"shape": ["/" if r else "" for r in run], "solidity": 0.3, "fgcolor": "white"},
                    "line": {"width": [2.5 if b else 0 for b in part["bounce"]], "color": _RED}},
            text=[f"{_days(v, lg)} · {text('blame.fault.' + str(f), lg)}" if b else _days(v, lg)
                  for v, b, f in zip(part["days_held"], part["bounce"], part["fault"], strict=True)],
            textposition="inside", insidetextanchor="start", textangle=0,
            textfont={"size": 11, "color": "white"},
            customdata=[[d.case_id, int(s)] for s in part["seg"]],
            hovertext=[_seg_hover(r, d, lg) for _, r in part.iterrows()], hovertemplate="%{hovertext}<extra></extra>",
        ))
    # the time each lead/review segment held the case while a clock was late: a red stripe beneath it
    pieces_y, pieces_base, pieces_w, pieces_hover = [], [], [], []
    main = seg.loc[seg["role"].astype(str) != "co"]
    for _, w in d.late.iterrows():
        lo = np.maximum(main["start"].to_numpy(dtype="datetime64[ms]"), np.datetime64(w["w0"], "ms"))
        hi = np.minimum(main["end"].to_numpy(dtype="datetime64[ms]"), np.datetime64(w["w1"], "ms"))
        for k in np.flatnonzero(hi > lo):
            r = main.iloc[k]
            pieces_y.append(r["lane"])
            pieces_base.append(_iso(lo[k]))
            pieces_w.append(float((hi[k] - lo[k]).astype(np.int64)))
            pieces_hover.append(html.escape(text("blame.hover.late_piece", lg, unit=r["lane"], clock=d.clock(w["clock"], lg),
                                                 days=_days((hi[k] - lo[k]).astype(np.int64) / _DAY_MS, lg))))
    if pieces_y:
        fig.add_trace(go.Bar(y=pieces_y, base=pieces_base, x=pieces_w, orientation="h", width=0.14, offset=0.2,
                             name=text("blame.chain.overdue", lg), marker={"color": _RED, "line": {"width": 0}},
                             hovertext=pieces_hover, hovertemplate="%{hovertext}<extra></extra>"))
    for _, w in d.late.iterrows():
        fig.add_vrect(x0=_iso(w["w0"]), x1=_iso(w["w1"]), fillcolor=_tint(_RED, 0.08), line_width=0, layer="below",
                      name=f"late:{w['clock']}")
        times += [pd.Timestamp(w["w0"]), pd.Timestamp(w["w1"])]
    # markers: returns, urging, supervision, extensions, replies, rejections
    ev = d.events
    if len(ev):
        acts = ev["action"].astype(object).tolist()
        for a, (symbol, colour) in _MARK.items():
            idx = [i for i, x in enumerate(acts) if x == a]
            xs, ys, hov = [], [], []
            for i in idx:
                r = ev.iloc[i]
                at = pd.Timestamp(r["at"])
                y = _marker_lane(d, lanes, a, r.get("from_unit_id"), r.get("to_unit_id"), at)
                if y is None:
                    continue
                frm, to = d.unit(r.get("from_unit_id")), d.unit(r.get("to_unit_id"))
                lines = [f"<b>{html.escape(label('action', a, lg) or a)}</b>", _date(at, True)]
                if frm or to:
                    lines.append(html.escape(f"{frm} → {to}" if to else frm))
                note = r.get("note")
                if isinstance(note, str) and note:
                    lines.append(html.escape(note))
                xs.append(_iso(at))
                ys.append(y)
                hov.append("<br>".join(lines))
                times.append(at)
            if xs:
                fig.add_trace(go.Scatter(
                    x=xs, y=ys, mode="markers", name=label("action", a, lg) or a,
                    marker={"symbol": symbol, "size": 13, "color": colour, "line": {"width": 1, "color": "white"}},
                    hovertext=hov, hovertemplate="%{hovertext}<extra></extra>", customdata=[a] * len(xs)))
    # each clock's last day, and as_of when anything is still running
    marks: list[tuple[pd.Timestamp, str, str, str]] = []
    status_colour = {"met": "#2e8b57", "late": _RED, "open_past_limit": _RED, "approaching": "#e67e22", "open": "#3b6ea8"}
    for _, r in d.clocks.iterrows():
        if _missing(r["due"]):
            continue
        status = str(r["status"])
        lab = text("fig.due_label", lg, clock=d.clock(r["clock"], lg), date=_date(r["due"]), status=text(f"status.{status}", lg))
        if status in ("late", "open_past_limit") and not _missing(r["days_late"]):
            lab += text("fig.days_late_n", lg, days=int(r["days_late"]))
        marks.append((pd.Timestamp(r["due"]) + pd.Timedelta(days=1), lab, status_colour.get(status, _GREY), f"due:{r['clock']}"))
    if bool(seg["open"].any()) if len(seg) else False:
        marks.append((d.as_of, text("fig.as_of", lg, date=_date(d.as_of)), "#222", "as_of"))
    times += [m[0] for m in marks]
    if not times:
        times = [d.as_of]
    lo, hi = min(times), max(times)
    pad = max((hi - lo) * 0.03, pd.Timedelta(days=1))
    lo, hi = lo - pad, hi + pad
    mark_lines(fig, marks, lo, hi)
    c = d.case
    info = " · ".join(html.escape(x) for x in (
        str(c.get("category_l1") or "") if not _missing(c.get("category_l1")) else "",
        d.unit(c.get("responsible_unit_id")),
        text("fig.received", lg, date=_date(c.get("received_at"))) if not _missing(c.get("received_at")) else "",
        text("fig.as_of", lg, date=_date(d.as_of))) if x)
    title = (f"{html.escape(text('blame.chain.title', lg, case=d.case_id))}"
             f"<br><span style='font-size:12px;color:{_GREY}'>{info}</span>")
    fig.update_yaxes(categoryorder="array", categoryarray=lane_order, autorange="reversed", title=None,
                     tickfont={"size": 12})
    fig.update_xaxes(type="date", range=[_iso(lo), _iso(hi)], tickformat="%Y-%m-%d", title=None)
    top = 75 + 19 * len(marks)
    return _layout(fig, title={"text": title, "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 12}},
                   height=max(340, 56 * len(lane_order) + top + 100), barmode="overlay", hovermode="closest",
                   legend={"orientation": "h", "yref": "container", "y": 0.005, "yanchor": "bottom", "x": 0,
                           "font": {"size": 11}},
                   uniformtext={"minsize": 9, "mode": "hide"}, margin={"t": top, "l": 10, "r": 30, "b": 75})


def chain_story(data: ChainData, language: str | None = None) -> str:
    """The chain told as a numbered story (Markdown; Chinese by default): who held the case and for
    how long, how each hold ended, which transfers came back and who answers for them (the rule's
    words), when each clock ran out and who had the case then, and the late days charged."""
    lg = lang(language)
    d = data
    c = d.case
    seg = d.segments
    lines: list[str] = []
    leader = d.person(c.get("lead_person_id"))
    lines.append(text("blame.story.head", lg, case=d.case_id,
                      category="/".join(str(x) for x in (c.get("category_l1"), c.get("category_l2")) if not _missing(x)) or "—",
                      received=_date(c.get("received_at")), unit=d.unit(c.get("responsible_unit_id")) or "—",
                      leader=text("blame.story.leader", lg, leader=leader) if leader else ""))
    for k, (_, r) in enumerate(seg.iterrows(), start=1):
        role = str(r["role"])
        who = r["lane"]
        handler = d.person(r.get("person_id"))
        if handler:
            who = text("blame.story.with_handler", lg, unit=who, person=handler)
        ended = str(r["ended_by"])
        to = d.unit(r.get("to_unit_id"))
        how = text(f"blame.story.end.{ended}", lg, to=to or text("blame.story.unknown_unit", lg), as_of=_date(d.as_of))
        key = "blame.story.co" if role == "co" else ("blame.story.review" if role == "review" else "blame.story.held")
        s = text(key, lg, n=k, start=_date(r["start"]), unit=who, days=_days(r["days_held"], lg), how=how)
        if float(r["days_overdue"]) > 0:
            s += text("blame.story.overdue", lg, days=_days(r["days_overdue"], lg))
        if bool(r["bounce"]):
            fault = str(r["fault"])
            s += text(f"blame.story.bounce.{fault}", lg, unit=r["lane"], sender=d.unit(r.get("from_unit_id")),
                      charged=d.unit(r.get("charged_unit_id")), days=_days(r["days_held"], lg))
        if int(r.get("n_urged", 0) or 0):
            s += text("blame.story.urged", lg, n=int(r["n_urged"]))
        lines.append(s)
    if len(d.late):
        for _, w in d.late.iterrows():
            holder = d.unit(w["holder_unit_id"]) or text("blame.story.nobody", lg)
            lines.append("- " + text("blame.story.late", lg, clock=d.clock(w["clock"], lg), due=_date(w["due"]), holder=holder,
                              status=text(f"status.{w['status']}", lg), days=int(w["days_late"])))
        att = d.attribution
        if len(att):
            per = att.groupby([att["unit_id"].astype(object), att["basis"].astype(str)], sort=False)["late_days"].sum()
            per = per.loc[per > 0].sort_values(ascending=False, kind="stable")
            parts = [text("blame.story.charge_part", lg, unit=d.unit(u) or "—", days=_days(v, lg),
                          basis=text("blame.basis." + b, lg)) for (u, b), v in per.items()]
            if parts:
                lines.append("- " + text("blame.story.charged", lg, parts=text("blame.story.sep", lg).join(parts)))
    else:
        lines.append("- " + text("blame.story.none_late", lg))
    if d.notes_withheld:
        lines.append("- " + text("blame.story.withheld", lg))
    # Markdown: the heading, the numbered holds, then the deadlines and the charges as bullets
    n_seg = len(seg)
    return "\n".join([lines[0], "", *lines[1:1 + n_seg], "", *lines[1 + n_seg:]])


# --------------------------------------------------------------------------- accountability

_UNIT_COLS = ("name", "late_days", "share_late_days", "late_cases", "cases_held", "late_days_misrouted",
              "late_days_refused", "returns_sent", "returns_received", "bounces_caused", "days_lost_bouncing",
              "median_hold_days", "p90_hold_days", "open_segments")
_LEADER_COLS = ("name", "title", "unit_name", "cases", "late_cases", "late_share", "late_share_low", "late_days",
                "returned_cases", "bounce_cases", "open_cases", "median_hold_days", "p90_hold_days")
_SHARES = {"share_late_days", "late_share", "late_share_low"}


def _kind_key(kind: str) -> str:
    if kind not in ("unit", "leader"):
        raise ValueError(f"kind must be 'unit' or 'leader', not {kind!r}")
    return "u" if kind == "unit" else "l"


def _prepare(table: pd.DataFrame, kind: str, min_cases: int, book: Casebook | None) -> pd.DataFrame:
    """Leaders with at least ``min_cases`` cases, their unit named when ``book`` is given."""
    if kind != "leader":
        return table
    t = table.loc[table["cases"] >= min_cases] if "cases" in table else table
    if book is not None and "unit_id" in t and "unit_name" not in t:
        from ..rules.delays import names

        nm = names(book, "units")
        t = t.assign(unit_name=t["unit_id"].map(nm).fillna(t["unit_id"]) if len(nm) else t["unit_id"])
    return t


def accountability_figure(table: pd.DataFrame, kind: str = "unit", measure: str | None = None, top: int = 20,
                          language: str | None = None, *, min_cases: int = 5, book: Casebook | None = None) -> go.Figure:
    """Bars of 责任倒查 from :meth:`Blame.by_unit` (``kind="unit"``: late days charged to each unit,
    default ``measure="late_days"``, beside the bar its share of all charged late days) or
    :meth:`Blame.by_leader` (``kind="leader"``: the share of each 包案领导's cases that ran late,
    default ``measure="late_share"``, ranked by its 95 % lower bound — drawn as a marker — so one
    late case out of one does not outrank many; only leaders with ``min_cases`` cases or more, their
    unit named when ``book`` is given). ``top`` rows, worst on top; ``customdata`` holds the unit or
    leader id for a click to list the cases (:meth:`Blame.case_ids`)."""
    import plotly.graph_objects as go

    lg = lang(language)
    k = _kind_key(kind)
    id_col = "unit_id" if kind == "unit" else "lead_person_id"
    measure = measure or ("late_days" if kind == "unit" else "late_share")
    if measure not in table.columns:
        raise ValueError(f"no column {measure!r} in the table; it has {', '.join(map(str, table.columns))}")
    table = _prepare(table, kind, min_cases, book)
    rank_by = "late_share_low" if measure == "late_share" and "late_share_low" in table else measure
    r = table.sort_values([rank_by, measure], ascending=False, kind="stable").head(top)
    r = r.loc[r[measure].fillna(0) > 0] if len(r.loc[r[measure].fillna(0) > 0]) else r
    if kind == "leader":
        extra = [" ".join(str(x) for x in (u, t) if isinstance(x, str) and x)
                 for u, t in zip(r.get("unit_name", pd.Series([None] * len(r), index=r.index)).tolist(),
                                 r.get("title", pd.Series([None] * len(r), index=r.index)).tolist(), strict=True)]
        shown = pd.Series([f"{n}（{e}）" if e else str(n) for n, e in
                           zip(r["name"].fillna(r[id_col]).tolist(), extra, strict=True)], index=r.index)
    else:
        shown = r["name"].fillna(r[id_col]) if "name" in r else r[id_col]
    ylab = _unique_labels(shown, r[id_col])
    is_share = measure in _SHARES
    vals = r[measure].astype(float).fillna(0.0)
    x = (vals * 100).round(2) if is_share else vals.round(2)
    if kind == "unit":
        beside = [f"{_n(v)}{text('fig.day_unit', lg)} · {_pct(s)}" if measure == "late_days" and "share_late_days" in r
                  else (_pct(v) if is_share else _n(v))
                  for v, s in zip(vals, r.get("share_late_days", vals), strict=True)]
    else:
        beside = [f"{_pct(v)} · {_n(a)}/{_n(b)}" if measure == "late_share" else (_pct(v) if is_share else _n(v))
                  for v, a, b in zip(vals, r.get("late_cases", vals), r.get("cases", vals), strict=True)]
    cols = _UNIT_COLS if kind == "unit" else _LEADER_COLS
    hover = []
    for y, (_, row) in zip(ylab, r.iterrows(), strict=True):
        lines = [f"<b>{html.escape(y)}</b>"]
        for c in cols:
            if c in row and c not in ("name", "title", "unit_name"):
                v = row[c]
                lines.append(f"{text(f'blame.{k}.{c}', lg)}: {_pct(v) if c in _SHARES else _fmt(v)}")
        lines.append(f"<i>{text('blame.ui.click_bar', lg)}</i>")
        hover.append("<br>".join(lines))
    colour = _RED if kind == "unit" else "#d35400"
    fig = go.Figure(go.Bar(
        x=x.tolist(), y=ylab, orientation="h", text=beside, textposition="outside", cliponaxis=False,
        customdata=[[v] for v in r[id_col].astype(str)], hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        marker={"color": _tint(colour, 0.85)}, name=text(f"blame.{k}.{measure}", lg),
    ))
    if measure == "late_share" and "late_share_low" in r:
        fig.add_trace(go.Scatter(
            x=(r["late_share_low"].astype(float) * 100).round(2).tolist(), y=ylab, mode="markers",
            marker={"symbol": "line-ns-open", "size": 16, "color": "#222", "line": {"width": 2}},
            name=text("blame.l.late_share_low", lg), hoverinfo="skip", customdata=[[v] for v in r[id_col].astype(str)]))
    xmax = float(x.max()) if len(x) else 1.0
    title = text(f"blame.acc.title.{kind}", lg, measure=text(f"blame.{k}.{measure}", lg), n=len(r))
    note = text(f"blame.acc.note.{kind}", lg) + (text("blame.acc.min_cases", lg, n=min_cases) if kind == "leader" else "")
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(note)}</span>"
    fig.update_yaxes(autorange="reversed", title=None, tickfont={"size": 12})
    fig.update_xaxes(title=text(f"blame.{k}.{measure}", lg) + ("（%）" if is_share and lg != "en" else " (%)" if is_share else ""),
                     ticksuffix="%" if is_share else "", rangemode="tozero",
                     range=[0, min(max(xmax, 1.0) * 1.3, 125.0) if is_share else max(xmax, 1.0) * 1.3])
    return _layout(fig, title={"text": title}, height=max(320, 30 * len(r) + 160), showlegend=measure == "late_share",
                   legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                   margin={"t": 100, "l": 10, "r": 40, "b": 50})


def _fmt(v: object) -> str:
    if _missing(v):
        return "—"
    if isinstance(v, float | np.floating):
        return f"{float(v):,.0f}" if float(v).is_integer() or abs(float(v)) >= 100 else f"{float(v):,.1f}"
    return str(v)


def accountability_table(table: pd.DataFrame, kind: str = "unit", top: int = 20, language: str | None = None,
                         book: Casebook | None = None, *, min_cases: int = 5) -> pd.DataFrame:
    """The first ``top`` rows of :meth:`Blame.by_unit` / :meth:`Blame.by_leader` with their
    columns named in the chosen language (shares in per cent, days to one decimal). Leaders are
    those with ``min_cases`` cases or more, in the table's order (by the lower bound of their late
    share); with ``book`` a leader's unit is shown by name.

    >>> t = pd.DataFrame({"unit_id": ["U1"], "name": ["住建局"], "late_days": [30.25], "share_late_days": [0.5]})
    >>> accountability_table(t, "unit", language="zh").columns.tolist()
    ['单位', '归责超期天数', '占全部归责超期天数（%）']
    """
    lg = lang(language)
    k = _kind_key(kind)
    t = _prepare(table, kind, min_cases, book).head(top).copy()
    cols = [c for c in (_UNIT_COLS if kind == "unit" else _LEADER_COLS) if c in t]
    out = t[cols].copy()
    for c in cols:
        if c in _SHARES:
            out[c] = (out[c].astype(float) * 100).round(1)
        elif out[c].dtype.kind == "f":
            out[c] = out[c].round(1)
    out.columns = [text(f"blame.{k}.{c}", lg) + ("（%）" if c in _SHARES and lg != "en" else " (%)" if c in _SHARES else "")
                   for c in cols]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("blame.rank", lg))
    return out


def table_html(df: pd.DataFrame, caption: str | None = None, max_rows: int = 200, decimals: int = 1) -> str:
    """A compact HTML table of any frame (index shown when it is named), every value escaped;
    numbers in float columns all with ``decimals`` places, so a column reads evenly.

    >>> table_html(pd.DataFrame({"a": ["<b>"]}))[:40]
    "<div class='wb-table'><table style='bord"
    """
    from .delays import _cell

    shown = df.head(max_rows)
    show_index = shown.index.name is not None
    cols = list(shown.columns)
    th = "text-align:left;padding:2px 8px;border-bottom:1px solid #999;white-space:nowrap"
    head = (f"<th style='{th}'>{html.escape(str(shown.index.name))}</th>" if show_index else "") + "".join(
        f"<th style='{th}'>{html.escape(str(c))}</th>" for c in cols)
    floats = [shown[c].dtype.kind == "f" for c in cols]
    num = ";text-align:right"

    def _float(v: object) -> str:
        return "" if _missing(v) else f"{float(v):,.{decimals}f}"  # type: ignore[arg-type]

    body = []
    for idx, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        td = "padding:2px 8px;border-bottom:1px solid #eee;white-space:nowrap"
        cells = f"<td style='{td}'>{html.escape(_cell(idx))}</td>" if show_index else ""
        cells += "".join(f"<td style='{td}{num if fl else ''}'>{html.escape(_float(v) if fl else _cell(v))}</td>"
                         for v, fl in zip(row, floats, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<div style='margin:4px 0;color:#555'>{html.escape(caption)}</div>" if caption else ""
    return (f"<div class='wb-table'>{cap}<table style='border-collapse:collapse;font-size:12px'><thead><tr>{head}</tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


def accountability_table_html(table: pd.DataFrame, kind: str = "unit", top: int = 20, language: str | None = None,
                              book: Casebook | None = None, *, min_cases: int = 5) -> str:
    """:func:`accountability_table` as an HTML table (for a rendered report or a widget)."""
    lg = lang(language)
    t = accountability_table(table, kind, top, lg, book, min_cases=min_cases)
    cap = text(f"blame.acc.caption.{kind}", lg, n=len(t), total=len(table))
    if kind == "leader":
        cap += text("blame.acc.min_cases", lg, n=min_cases)
    return table_html(t, cap)


# --------------------------------------------------------------------------- the transfer network


def network_layout(G: nx.Graph, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Positions of the units of a transfer network as data: one row per node (node, x, y, row,
    level, name). Rows are the unit levels from the top (中央 · 省 · 市 · 县 · 乡镇 · 村; unknown
    last); along x the nodes follow one order over all rows — region code, then parent unit, then
    level, name and id — so a county's departments, townships and villages sit in the same stretch
    of x and siblings sit together. Each row spreads its nodes evenly over the full width in that
    order (a row of a few city units is not squeezed into the city's stretch), so a region's
    units sit at about the same place in every row. Rows with many nodes are staggered over three
    sub-rows. Deterministic and one sort: O(n log n). ``units`` (``book.units``) supplies parents
    and fills levels and regions the graph lacks.

    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("C", {"level": "city", "region_code": "339900"}),
    ...     ("T", {"level": "township", "region_code": "339902001"}), ("K", {"level": "county", "region_code": "339902"})])
    >>> network_layout(G)[["node", "x", "row"]].values.tolist()
    [['C', 0.5, 2], ['K', 0.5, 3], ['T', 0.5, 4]]
    """
    nodes = list(G.nodes)
    n = len(nodes)
    cols = ["node", "x", "y", "row", "level", "name"]
    if not n:
        return pd.DataFrame({c: pd.Series([], dtype=object if c in ("node", "level", "name") else float) for c in cols})
    attr = pd.DataFrame.from_records([G.nodes[v] for v in nodes], index=pd.Index(nodes, dtype=object))
    for c in ("level", "region_code", "name", "parent_id"):
        if c not in attr:
            attr[c] = None
    attr = attr.astype({"level": object, "region_code": object, "name": object, "parent_id": object})
    if units is not None and len(units):
        u = units.drop_duplicates("unit_id").set_index("unit_id")
        u.index = u.index.astype(object)
        for c in ("level", "region_code", "name", "parent_id"):
            if c in u:
                fill = pd.Series(attr.index.map(u[c].astype(object)), index=attr.index, dtype=object)
                attr[c] = attr[c].where(attr[c].notna(), fill)
        # a unit without a region code sits with its parent's
        parent_region = pd.Series(attr["parent_id"].map(u["region_code"].astype(object)) if "region_code" in u
                                  else None, index=attr.index, dtype=object)
        attr["region_code"] = attr["region_code"].where(attr["region_code"].notna(), parent_region)
    row = attr["level"].map({lv: i for i, lv in enumerate(LEVELS)}).fillna(len(LEVELS)).astype(np.int64).to_numpy()
    region = attr["region_code"].where(attr["region_code"].notna(), "").astype(str).to_numpy(dtype=object)
    parent = attr["parent_id"].where(attr["parent_id"].notna(), "").astype(str).to_numpy(dtype=object)
    name = attr["name"].where(attr["name"].notna(), "").astype(str).to_numpy(dtype=object)
    ids = np.asarray([str(v) for v in nodes], dtype=object)
    # one stable order over all rows (lexsort: last key first)
    order = np.lexsort((ids, name, row, parent, region))
    # each row spread over the width in that order; within a crowded row, staggered over three
    # sub-rows so neighbours do not sit on one line
    rank_in_row = np.empty(n, dtype=np.int64)
    by_row = order[np.argsort(row[order], kind="stable")]
    starts = np.searchsorted(row[by_row], row[by_row], side="left")
    rank_in_row[by_row] = np.arange(n) - starts
    per_row = np.bincount(row, minlength=len(LEVELS) + 1)
    x = (rank_in_row + 0.5) / per_row[row]
    crowded = per_row[row] > 40
    y = -row.astype(np.float64) - np.where(crowded, 0.22 * (rank_in_row % 3) - 0.22, 0.0)
    out = pd.DataFrame({"node": ids, "x": x, "y": y, "row": row,
                        "level": attr["level"].to_numpy(dtype=object), "name": np.where(name == "", ids, name)})
    return out.iloc[order].reset_index(drop=True)


def transfer_network_figure(G: nx.DiGraph, layout: pd.DataFrame | None = None, language: str | None = None, *,
                            labels: int = 10, width: int | None = None) -> go.Figure:
    """The transfer network (:func:`workbench.transfer_network`) drawn with WebGL in a fixed set
    of traces however large it is: all ordinary edges in one line trace (None-separated), the
    buck-passing edges (attribute ``buck``) in one red, thicker trace, invisible edge midpoints
    carrying each edge's hover and ``customdata`` ``[source, target]``, the units sized by cases
    held and coloured by late days charged (hover: name, level, cases, late days;
    ``customdata`` ``[unit_id]``), and the names of the ``labels`` busiest or latest units and of
    every buck-passing unit. Rows are unit levels (:func:`network_layout`)."""
    import plotly.graph_objects as go

    lg = lang(language)
    lay = layout if layout is not None else network_layout(G)
    pos = lay.set_index("node")
    px_, py_ = pos["x"].to_dict(), pos["y"].to_dict()
    edges = [(str(u), str(v), a) for u, v, a in G.edges(data=True) if str(u) in px_ and str(v) in px_]
    ne = len(edges)
    src = np.asarray([e[0] for e in edges], dtype=object)
    dst = np.asarray([e[1] for e in edges], dtype=object)
    buck = np.asarray([bool(e[2].get("buck", False)) for e in edges], dtype=bool)
    x0 = np.asarray([px_[s] for s in src], dtype=float) if ne else np.zeros(0)
    x1 = np.asarray([px_[t] for t in dst], dtype=float) if ne else np.zeros(0)
    y0 = np.asarray([py_[s] for s in src], dtype=float) if ne else np.zeros(0)
    y1 = np.asarray([py_[t] for t in dst], dtype=float) if ne else np.zeros(0)

    # numpy arrays throughout: plotly validates an array in one step, a list item by item
    def segments(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = int(mask.sum())
        xs = np.empty(3 * k, dtype=object)
        ys = np.empty(3 * k, dtype=object)
        xs[0::3], xs[1::3], xs[2::3] = x0[mask], x1[mask], None
        ys[0::3], ys[1::3], ys[2::3] = y0[mask], y1[mask], None
        return xs, ys

    fig = go.Figure()
    ex, ey = segments(~buck)
    fig.add_trace(go.Scattergl(x=ex, y=ey, mode="lines", line={"width": 0.6, "color": "rgba(90,110,140,0.35)"},
                               hoverinfo="skip", name=text("blame.net.edges", lg)))
    bx, by = segments(buck)
    fig.add_trace(go.Scattergl(x=bx, y=by, mode="lines", line={"width": 3, "color": _RED}, hoverinfo="skip",
                               name=text("blame.net.buck_edges", lg)))
    name_of = pos["name"].to_dict()
    hov = []
    counts_t = text("blame.net.edge_counts", lg)
    esc = {k: html.escape(str(v)) for k, v in name_of.items()}
    for s, t, a in edges:
        parts = [f"<b>{esc.get(s, s)} → {esc.get(t, t)}</b>",
                 counts_t.format(transfers=int(a.get("transfers", 0)), assigns=int(a.get("assigns", 0)),
                                 returns=int(a.get("returns", 0)), cases=int(a.get("cases", 0)))]
        if not _missing(a.get("median_hold_days")):
            parts.append(text("blame.net.edge_hold", lg, days=_days(a.get("median_hold_days"), lg)))
        if a.get("overdue_days"):
            parts.append(text("blame.net.edge_overdue", lg, days=_n(a.get("overdue_days"))))
        if a.get("buck"):
            parts.append(f"<span style='color:{_RED}'>{text('blame.net.edge_buck', lg, score=float(a.get('buck_score', 0)))}</span>")
        hov.append("<br>".join(parts))
    fig.add_trace(go.Scattergl(
        x=(x0 + x1) / 2, y=(y0 + y1) / 2, mode="markers",
        # numbers on a two-colour scale, not colour strings: plotly checks every string it is given
        marker={"size": 7, "color": buck.astype(float), "colorscale": [[0, "#5a6e8c"], [1, _RED]], "cmin": 0,
                "cmax": 1, "showscale": False, "opacity": 0.25},
        customdata=np.stack([src, dst], axis=1) if ne else np.empty((0, 2), dtype=object),
        hovertext=np.asarray(hov, dtype=object),
        hovertemplate="%{hovertext}<extra></extra>", name=text("blame.net.edge_points", lg), showlegend=False))
    ids = lay["node"].astype(str).tolist()
    held = np.asarray([float(G.nodes[v].get("cases_held", 0) or 0) if v in G.nodes else 0.0 for v in ids])
    late = np.asarray([float(G.nodes[v].get("late_days", 0) or 0) if v in G.nodes else 0.0 for v in ids])
    late_cases = [int(G.nodes[v].get("late_cases", 0) or 0) if v in G.nodes else 0 for v in ids]
    size = 5 + 25 * np.sqrt(held / held.max()) if len(held) and held.max() > 0 else np.full(len(ids), 6.0)
    w_level, w_held, w_late, w_late_cases = (text(k, lg) for k in ("blame.net.level", "blame.u.cases_held",
                                                                    "blame.u.late_days", "blame.u.late_cases"))
    level_word = {lv: html.escape(label("unit_level", lv, lg)) for lv in LEVELS}
    tail = f"<i>{text('blame.ui.click_node', lg)}</i>"
    node_hover = np.asarray([
        f"<b>{html.escape(str(nm))}</b><br>{w_level}: {level_word.get(lv, '—')}<br>{w_held}: {_n(h)}<br>"
        f"{w_late}: {_n(d)} · {w_late_cases}: {_n(c)}<br>{tail}"
        for nm, lv, h, d, c in zip(lay["name"], lay["level"], held, late, late_cases, strict=True)], dtype=object)
    fig.add_trace(go.Scattergl(
        x=lay["x"].to_numpy(dtype=float), y=lay["y"].to_numpy(dtype=float), mode="markers",
        marker={"size": size.round(1), "color": late, "colorscale": [[0, "#d9e3f0"], [0.2, "#fdae6b"], [1, "#7f0000"]],
                "cmin": 0, "cmax": max(float(late.max()) if len(late) else 1.0, 1.0), "line": {"width": 0.5, "color": "white"},
                "colorbar": {"title": {"text": text("blame.net.colorbar", lg)}, "thickness": 12, "len": 0.6}},
        customdata=np.asarray(ids, dtype=object).reshape(-1, 1), hovertext=node_hover,
        hovertemplate="%{hovertext}<extra></extra>", name=text("blame.net.units", lg)))
    # names of the buck-passing units, then of the latest and the busiest, skipping any that would
    # sit on a name already placed in its row (a few dozen candidates, never every node)
    ids_arr = np.asarray(ids, dtype=object)
    cand = list(dict.fromkeys([*src[buck].tolist(), *dst[buck].tolist(),
                               *ids_arr[np.argsort(-late, kind="stable")[: 4 * labels]].tolist(),
                               *ids_arr[np.argsort(-held, kind="stable")[: 2 * labels]].tolist()])) if labels else []
    where = lay.set_index("node")[["x", "row"]]
    placed: list[tuple[float, int]] = []
    keep: dict[str, str] = {}  # node → where its name goes
    buck_units = set(src[buck].tolist()) | set(dst[buck].tolist())
    for v in cand:
        x_, r_ = float(where.at[v, "x"]), int(where.at[v, "row"])
        clash = any(r == r_ and abs(x - x_) < 0.1 for x, r in placed)
        if clash and v not in buck_units:
            continue
        placed.append((x_, r_))
        keep[v] = "bottom center" if clash else "top center"  # a buck-passing unit is always named
        if len(keep) >= labels + len(buck_units):
            break
    lab = lay.loc[lay["node"].isin(list(keep))]
    fig.add_trace(go.Scattergl(x=lab["x"].to_numpy(dtype=float), y=lab["y"].to_numpy(dtype=float), mode="text",
                               text=lab["name"].to_numpy(dtype=object),
                               textposition=np.asarray([keep[v] for v in lab["node"]], dtype=object),
                               textfont={"size": 11, "color": "#222"}, hoverinfo="skip", showlegend=False,
                               name=text("blame.net.labels", lg)))
    rows = sorted(set(lay["row"].tolist()))
    ticks = [label("unit_level", LEVELS[r], lg) if r < len(LEVELS) else text("blame.net.unknown_level", lg) for r in rows]
    fig.update_yaxes(tickvals=[-r for r in rows], ticktext=ticks, showgrid=True, gridcolor="#eee", zeroline=False,
                     range=[-(max(rows) if rows else 0) - 0.8, 0.6])
    fig.update_xaxes(visible=False, range=[-0.03, 1.03])
    n_buck = int(buck.sum())
    title = text("blame.net.title", lg, nodes=_n(len(ids)), edges=_n(ne), buck=_n(n_buck))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('blame.net.note', lg))}</span>"
    fig = _layout(fig, title={"text": title}, height=140 + 110 * max(len(rows), 1), hovermode="closest",
                  legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                  margin={"t": 100, "l": 10, "r": 10, "b": 20})
    if width:
        fig.update_layout(width=width)
    return fig


# --------------------------------------------------------------------------- flows between levels


def level_flows(book: Casebook) -> pd.DataFrame:
    """Routing events (转送/交办 ``route``, 退回 ``return``) from the level of the sending unit to
    the level of the receiving one: source_level, target_level, kind, events, cases (distinct),
    case_ids. Levels come from ``book.units``; a unit it does not know is ``unknown``. Rows
    without a sender or a receiver cannot be placed and are counted in ``attrs["skipped"]``.

    >>> import workbench as wb
    >>> book = wb.Casebook.from_frames(
    ...     cases=pd.DataFrame({"case_id": ["A", "B"], "received_at": ["2025-01-02", "2025-01-03"]}),
    ...     events=pd.DataFrame({"case_id": ["A", "A", "B"], "at": ["2025-01-02", "2025-01-05", "2025-01-04"],
    ...         "action": ["transfer", "return", "assign"], "from_unit_id": ["C", "T", "C"], "to_unit_id": ["T", "C", "T"]}),
    ...     units=pd.DataFrame({"unit_id": ["C", "T"], "name": ["县信访局", "镇政府"], "level": ["county", "township"]}),
    ...     now="2025-03-01")
    >>> level_flows(book)[["source_level", "target_level", "kind", "events", "cases"]].values.tolist()
    [['county', 'township', 'route', 2, 2], ['township', 'county', 'return', 1, 1]]
    """
    from ..networks.transfer import group_lists

    ev = book.events
    act = ev["action"].astype("str")
    routing = act.isin(_ROUTING).fillna(False).to_numpy(dtype=bool)
    placed = routing & ev["from_unit_id"].notna().to_numpy() & ev["to_unit_id"].notna().to_numpy()
    rows = np.flatnonzero(placed)
    order = (*LEVELS, "unknown")
    cols = ["source_level", "target_level", "kind", "events", "cases", "case_ids"]
    if not len(rows):
        out = pd.DataFrame({c: pd.Series([], dtype=object if c in ("source_level", "target_level", "kind", "case_ids")
                                          else np.int64) for c in cols})
        out.attrs["skipped"] = int(routing.sum())
        return out
    lv = book.units.drop_duplicates("unit_id").set_index("unit_id")["level"].astype(object) if len(book.units) and \
        "level" in book.units else pd.Series(dtype=object)
    code = {v: i for i, v in enumerate(order)}

    def level_codes(s: pd.Series) -> np.ndarray:
        m = s.iloc[rows].astype(object).map(lv) if len(lv) else pd.Series([None] * len(rows), dtype=object)
        return pd.Series(m.astype(object)).map(code).fillna(len(order) - 1).astype(np.int64).to_numpy()

    s_lv, t_lv = level_codes(ev["from_unit_id"]), level_codes(ev["to_unit_id"])
    kind = (act.iloc[rows] == "return").to_numpy(dtype=bool).astype(np.int64)
    key = (s_lv * len(order) + t_lv) * 2 + kind
    uniq, inv = np.unique(key, return_inverse=True)
    case = ev["case_id"].iloc[rows].astype(str).to_numpy(dtype=object)
    first = ~pd.DataFrame({"k": inv, "c": case}).duplicated().to_numpy()
    n = len(uniq)
    out = pd.DataFrame({
        "source_level": [order[int(k) // 2 // len(order)] for k in uniq],
        "target_level": [order[int(k) // 2 % len(order)] for k in uniq],
        "kind": ["return" if int(k) % 2 else "route" for k in uniq],
        "events": np.bincount(inv, minlength=n).astype(np.int64),
        "cases": np.bincount(inv[first], minlength=n).astype(np.int64),
        "case_ids": group_lists(inv[first], case[first], n),
    })
    out.attrs["skipped"] = int(routing.sum() - len(rows))
    return out


def sankey_figure(flows: pd.DataFrame, language: str | None = None, measure: str = "cases") -> go.Figure:
    """Sankey of :func:`level_flows`: the sending levels on the left, the receiving levels on the
    right, a link per (source, target, kind) sized by ``measure`` (``cases`` or ``events``);
    transfers and assignments blue, returns (退回) red. Each link's ``customdata`` is
    ``[source_level, target_level, kind]``."""
    import plotly.graph_objects as go

    lg = lang(language)
    order = (*LEVELS, "unknown")

    def lvl(v: str) -> str:
        return label("unit_level", v, lg) if v in LEVELS else text("blame.net.unknown_level", lg)

    present_s = [v for v in order if v in set(flows["source_level"])]
    present_t = [v for v in order if v in set(flows["target_level"])]
    idx_s = {v: i for i, v in enumerate(present_s)}
    idx_t = {v: len(present_s) + i for i, v in enumerate(present_t)}
    tot_s = flows.groupby("source_level")[measure].sum() if len(flows) else pd.Series(dtype=float)
    tot_t = flows.groupby("target_level")[measure].sum() if len(flows) else pd.Series(dtype=float)
    node_labels = [text("blame.flow.out", lg, level=lvl(v), n=_n(tot_s.get(v, 0))) for v in present_s] + \
                  [text("blame.flow.in", lg, level=lvl(v), n=_n(tot_t.get(v, 0))) for v in present_t]
    node_colour = ["#5a6e8c"] * len(present_s) + ["#8e44ad"] * len(present_t)
    kinds = flows["kind"].astype(str).tolist()
    link_hover = [text("blame.flow.hover", lg, src=lvl(s), dst=lvl(t), kind=text(f"blame.flow.kind.{k}", lg),
                       events=_n(e), cases=_n(c))
                  for s, t, k, e, c in zip(flows["source_level"], flows["target_level"], kinds, flows["events"],
                                           flows["cases"], strict=True)]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": node_labels, "color": node_colour, "pad": 18, "thickness": 16,
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": [idx_s[s] for s in flows["source_level"]], "target": [idx_t[t] for t in flows["target_level"]],
              "value": flows[measure].astype(float).tolist(),
              "color": [_tint(_RED, 0.55) if k == "return" else _tint("#3b6ea8", 0.35) for k in kinds],
              "customdata": [[s, t, k] for s, t, k in zip(flows["source_level"], flows["target_level"], kinds, strict=True)],
              "hovertemplate": "%{label}<extra></extra>",
              "label": link_hover},
    ))
    n_ret = int(flows.loc[flows["kind"] == "return", measure].sum()) if len(flows) else 0
    title = text("blame.flow.title", lg, measure=text(f"blame.flow.{measure}", lg), n=_n(int(flows[measure].sum()) if len(flows) else 0),
                 ret=_n(n_ret))
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('blame.flow.note', lg))}</span>"
    return _layout(fig, title={"text": title}, height=max(420, 60 * max(len(present_s), len(present_t)) + 160),
                   margin={"t": 100, "l": 20, "r": 20, "b": 20})


# --------------------------------------------------------------------------- urging


def urging_figure(effect: pd.DataFrame, language: str | None = None,
                  horizons: Sequence[int] = (7, 15, 30)) -> go.Figure:
    """The comparison of :func:`workbench.urging_effect`: for each kind (催办 · 督办), the share of
    urged cases answered within 7 / 15 / 30 days against comparable cases not urged (same
    stratum and case age), as grouped bars; the method's caveat under the title."""
    import plotly.graph_objects as go

    lg = lang(language)
    eff = effect.loc[effect["treated_n"] > 0] if "treated_n" in effect else effect
    fig = go.Figure()
    cats = [f"{label('action', k, lg) or k} · {h}{text('fig.day_unit', lg)}" for k in eff["kind"] for h in horizons]
    for arm, colour in (("treated", "#d35400"), ("control", "#7f8c8d")):
        ys, hov = [], []
        for _, r in eff.iterrows():
            n = r.get(f"{arm}_n")
            for h in horizons:
                v = r.get(f"{arm}_replied_{h}d")
                ys.append(None if _missing(v) else round(float(v) * 100, 1))
                hov.append(text("blame.urge.hover", lg, arm=text(f"blame.urge.{arm}", lg), days=h, share=_pct(v),
                                n=_n(n)))
        fig.add_trace(go.Bar(x=cats, y=ys, name=text(f"blame.urge.{arm}", lg), marker={"color": colour},
                             text=[f"{y:.0f}%" if y is not None else "—" for y in ys], textposition="outside",
                             hovertext=hov, hovertemplate="%{hovertext}<extra></extra>"))
    title = text("blame.urge.title", lg)
    title += f"<br><span style='font-size:12px;color:{_GREY}'>{html.escape(text('blame.urge.note', lg))}</span>"
    fig.update_yaxes(title=text("blame.urge.yaxis", lg), ticksuffix="%", range=[0, 110])
    fig.update_xaxes(type="category")
    return _layout(fig, title={"text": title}, barmode="group", height=420,
                   legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                   margin={"t": 100, "b": 50})


def urging_method(effect: pd.DataFrame, language: str | None = None) -> str:
    """How :func:`workbench.urging_effect` compares (its stated method and caveat) as Markdown, in
    the chosen language (the Chinese wording describes the default settings).

    >>> urging_method(pd.DataFrame(), "en").splitlines()[0]
    '**Method**: '
    """
    lg = lang(language)
    method = text("blame.urge.method", lg, method=effect.attrs.get("method", ""))
    caveat = text("blame.urge.caveat", lg, caveat=effect.attrs.get("caveat", ""))
    return f"**{text('blame.ui.method', lg)}**: {method}\n\n**{text('blame.ui.caveat', lg)}**: {caveat}"


_BUCK_COLS = ("name_a", "name_b", "flow_ab", "flow_ba", "returns_ab", "returns_ba", "cases", "bounce_cases",
              "refused_both", "reciprocity", "days_bounced", "score", "flagged")


def buck_table(bp: pd.DataFrame, top: int = 15, language: str | None = None) -> pd.DataFrame:
    """The first ``top`` buck-passing pairs of :func:`workbench.buck_passing` (score above 0) with
    their columns named in the chosen language, ranked from 1.

    >>> bp = pd.DataFrame({"name_a": ["住建局", "甲"], "name_b": ["自然资源局", "乙"], "score": [2.5, 0.0]})
    >>> buck_table(bp, language="zh").to_dict("list")
    {'单位甲': ['住建局'], '单位乙': ['自然资源局'], '推诿得分': [2.5]}
    """
    lg = lang(language)
    t = bp.loc[bp["score"] > 0].head(top) if "score" in bp else bp.head(top)
    cols = [c for c in _BUCK_COLS if c in t]
    out = t[cols].copy()
    for c in cols:
        if out[c].dtype.kind == "f":
            out[c] = out[c].round(2)
    if "flagged" in out:
        out["flagged"] = [text("blame.yes", lg) if bool(v) else "" for v in out["flagged"]]
    out.columns = [text(f"blame.b.{c}", lg) for c in cols]
    out.index = pd.RangeIndex(1, len(out) + 1, name=text("blame.rank", lg))
    return out
