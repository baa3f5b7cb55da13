"""The transfer network (转送/交办/退回网络) and the accountability network (包案领导 — case — unit).

Both are built from per-case tables with pandas groupby and handed to networkx once, edge by
edge (never event by event). Edges keep the evidence they come from: ``case_ids`` and the
event ``source_rows``, so any weight can be traced to the ledger lines behind it.

Custody segments, blame attribution and the buck-passing pairs come from
:mod:`workbench.chains`; pass them in when you have them (``custody=``, ``blame=``, ``buck=``),
otherwise they are computed.

>>> import pandas as pd
>>> import workbench as wb
>>> book = wb.Casebook.from_frames(
...     cases=pd.DataFrame({"case_id": ["C1", "C2"], "received_at": ["2025-01-02", "2025-01-03"]}),
...     events=pd.DataFrame({"case_id": ["C1", "C1", "C2"],
...                          "at": ["2025-01-02", "2025-01-05", "2025-01-04"],
...                          "action": ["transfer", "return", "transfer"],
...                          "from_unit_id": ["A", "B", "A"], "to_unit_id": ["B", "A", "B"]}),
...     now="2025-03-01")
>>> e = routing_edges(book)
>>> e[["source", "target", "transfers", "returns", "cases"]].to_records(index=False).tolist()
[('A', 'B', 2, 0, 2), ('B', 'A', 0, 1, 1)]
>>> e.loc[0, "case_ids"]
['C1', 'C2']
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "ROUTING_ACTIONS",
    "routing_edges",
    "transfer_network",
    "accountability_network",
    "leader_unit_network",
    "leader_table",
]

#: event actions that move a case from one unit to another (转送 · 交办 · 退回)
ROUTING_ACTIONS = ("transfer", "assign", "return")


# --------------------------------------------------------------------------- helpers


def group_lists(codes: np.ndarray, values: np.ndarray, n: int) -> list[list]:
    """Values gathered per group code ``0..n-1`` (order of appearance kept), as Python lists.

    >>> group_lists(np.array([1, 0, 1]), np.array(["a", "b", "c"], dtype=object), 3)
    [['b'], ['a', 'c'], []]
    """
    codes = np.asarray(codes)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1)).tolist()
    flat = np.asarray(values, dtype=object)[order].tolist()
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _obj(s: pd.Series) -> np.ndarray:
    """A string column as an object array with None for missing values."""
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def _custody(book, custody):
    if custody is not None:
        return custody
    from ..chains.segments import custody as compute

    return compute(book)


def _attribution(book, blame) -> pd.DataFrame:
    """The blame attribution table (case_id, unit_id, person_id, late_days, ...)."""
    if blame is None:
        from ..chains.blame import attribute_blame

        blame = attribute_blame(book)
    frame = blame if isinstance(blame, pd.DataFrame) else blame.attribution
    return frame


def _buck(book, buck):
    if buck is not None:
        return buck
    from ..chains.buck import buck_passing

    return buck_passing(book)


def _unit_table(book) -> pd.DataFrame:
    u = book.units
    cols = [c for c in ("unit_id", "name", "level", "kind", "region_code", "parent_id") if c in u]
    return u[cols].drop_duplicates("unit_id").set_index("unit_id")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as attribute dicts, missing values left out (networkx attributes stay clean).
    Columns without gaps are zipped in one go; the others fill in only where they have a value."""
    n = len(df)
    full: list[tuple[str, np.ndarray]] = []
    partial: list[tuple[str, np.ndarray, np.ndarray]] = []
    for c in df.columns:
        arr = df[c].to_numpy(dtype=object)
        has = ~pd.isna(arr) if arr.dtype == object else np.ones(n, dtype=bool)
        if has.all():
            full.append((str(c), arr))
        elif has.any():
            partial.append((str(c), arr, np.flatnonzero(has)))
    names = [c for c, _ in full]
    out = [dict(zip(names, row, strict=True)) for row in zip(*(a for _, a in full), strict=True)] if full \
        else [{} for _ in range(n)]
    for c, arr, idx in partial:
        for i in idx.tolist():
            out[i][c] = arr[i]
    return out


# --------------------------------------------------------------------------- transfer network


def routing_edges(book) -> pd.DataFrame:
    """Routing events (transfer/assign/return, from_unit_id → to_unit_id) summed per directed
    unit pair: source, target, transfers, assigns, returns, events, cases (distinct), first_at,
    last_at, case_ids (list), source_rows (list).

    Rule for odd rows: a routing without a sending or a receiving unit, or from a unit to
    itself, cannot be an edge; such rows are counted in ``df.attrs["skipped"]``.
    """
    ev = book.events
    act = ev["action"].astype("str")
    routing = act.isin(ROUTING_ACTIONS).to_numpy()
    frm, to = ev["from_unit_id"], ev["to_unit_id"]
    missing_from = routing & frm.isna().to_numpy()
    missing_to = routing & to.isna().to_numpy() & ~missing_from
    self_loop = routing & (frm == to).fillna(False).to_numpy(dtype=bool)
    keep = routing & ~missing_from & ~missing_to & ~self_loop
    skipped = {"missing_from_unit": int(missing_from.sum()), "missing_to_unit": int(missing_to.sum()),
               "self_routing": int(self_loop.sum())}

    from ..rules.clocks import event_case_index

    pos = event_case_index(book)[keep]
    r = pd.DataFrame({
        "source": frm[keep].astype("str").to_numpy(),
        "target": to[keep].astype("str").to_numpy(),
        "action": act[keep].to_numpy(),
        "case_id": ev["case_id"][keep].astype("str").to_numpy(),
        "at": ev["at"][keep].to_numpy(),
        "seq": ev["seq"][keep].astype("float64").fillna(-1).to_numpy() if "seq" in ev else 0,
        "source_row": ev["source_row"][keep].to_numpy() if "source_row" in ev else None,
        "pos": pos,
    })
    cols = ["source", "target", "transfers", "assigns", "returns", "events", "cases", "first_at",
            "last_at", "case_ids", "source_rows"]
    if not len(r):
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in cols})
        out.attrs["skipped"] = skipped
        return out
    # a stable order (case, time, source order) so the evidence lists read as the case went
    r = r.iloc[np.lexsort((r["seq"].to_numpy(), r["at"].to_numpy(), r["pos"].to_numpy()))]
    pair = r.groupby(["source", "target"], sort=True, observed=True)
    code = pair.ngroup().to_numpy()
    out = pair.size().rename("events").reset_index()
    counts = pd.crosstab(code, r["action"].to_numpy())
    for action, col in (("transfer", "transfers"), ("assign", "assigns"), ("return", "returns")):
        out[col] = counts[action].to_numpy() if action in counts else 0
    out["first_at"] = pair["at"].min().to_numpy()
    out["last_at"] = pair["at"].max().to_numpy()
    n = len(out)
    first = ~pd.DataFrame({"c": code, "k": r["case_id"].to_numpy()}).duplicated().to_numpy()
    out["cases"] = np.bincount(code[first], minlength=n)
    out["case_ids"] = group_lists(code[first], r["case_id"].to_numpy(dtype=object)[first], n)
    out["source_rows"] = group_lists(code, _obj(r["source_row"]), n)
    out = out[cols]
    out.attrs["skipped"] = skipped
    return out


def transfer_network(book, *, custody: pd.DataFrame | None = None, blame=None,
                     buck: pd.DataFrame | None = None, buck_min_score: float | None = None) -> nx.DiGraph:
    """The transfer network (DESIGN §6): units as nodes, an edge u → v for every pair of units
    between which a case was routed (转送 transfer · 交办 assign · 退回 return).

    Node attributes: name, level, unit_kind (单位类型), region_code, cases_held (distinct cases in
    custody), late_days and late_cases (overdue days attributed to the unit by blame, summed over
    clocks). Edge attributes: transfers, assigns, returns, events, cases (distinct), first_at,
    last_at, median_hold_days (median days v held the case in the custody segments those
    routings started), overdue_days (late days attributed to v in those cases), buck_score
    (score of the unordered pair in :func:`~workbench.chains.buck.buck_passing`, 0 when the
    pair is not listed) and buck (the pair is ``flagged`` by buck_passing; or, with
    ``buck_min_score``, its score is above that), case_ids and source_rows (event
    rows). ``G.graph["skipped"]`` counts routing rows that could not be edges.

    Nodes are the units that routed, received or held a case.
    """
    edges = routing_edges(book)
    seg = _custody(book, custody)
    att = _attribution(book, blame)
    bp = _buck(book, buck)

    # ---- hold days of v in the segments the routings u -> v started
    hold = pd.Series(np.nan, index=edges.index)
    overdue = pd.Series(0.0, index=edges.index)
    if len(edges):
        pairs = edges[["source", "target", "case_ids"]].explode("case_ids").rename(columns={"case_ids": "case_id"})
        pairs["edge"] = pairs.index.to_numpy()
        if len(seg) and "from_unit_id" in seg:
            s = seg.loc[seg["from_unit_id"].notna(), ["case_id", "from_unit_id", "unit_id", "days_held"]]
            s = s.astype({"case_id": "str", "from_unit_id": "str", "unit_id": "str"})
            m = pairs.merge(s, left_on=["case_id", "source", "target"],
                            right_on=["case_id", "from_unit_id", "unit_id"], how="inner")
            hold = m.groupby("edge")["days_held"].median().reindex(edges.index)
        if len(att):
            late = att.groupby([att["case_id"].astype("str"), att["unit_id"].astype("str")],
                               observed=True)["late_days"].sum().rename("late").reset_index()
            m = pairs.merge(late, left_on=["case_id", "target"], right_on=["case_id", "unit_id"], how="inner")
            overdue = m.groupby("edge")["late"].sum().reindex(edges.index, fill_value=0.0)
    edges["median_hold_days"] = hold.astype("float64").to_numpy()
    edges["overdue_days"] = overdue.astype("float64").to_numpy()

    # ---- buck-passing score of the unordered pair
    score = pd.Series(0.0, index=edges.index)
    if len(edges) and len(bp):
        a, b = bp["unit_a"].astype("str"), bp["unit_b"].astype("str")
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        sc = pd.Series(bp["score"].astype("float64").to_numpy(),
                       index=pd.MultiIndex.from_arrays([lo, hi])).groupby(level=[0, 1]).max()
        elo = np.minimum(edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object))
        ehi = np.maximum(edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object))
        score = pd.Series(sc.reindex(pd.MultiIndex.from_arrays([elo, ehi])).fillna(0.0).to_numpy(),
                          index=edges.index)
    edges["buck_score"] = score.to_numpy(dtype=float)
    if buck_min_score is not None or not len(bp) or "flagged" not in bp:
        edges["buck"] = edges["buck_score"].to_numpy() > (buck_min_score or 0.0)
    else:
        fl = bp.loc[bp["flagged"].astype(bool)]
        keys = set(zip(np.minimum(fl["unit_a"].astype(str), fl["unit_b"].astype(str)),
                       np.maximum(fl["unit_a"].astype(str), fl["unit_b"].astype(str)), strict=True))
        elo = np.minimum(edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object))
        ehi = np.maximum(edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object))
        edges["buck"] = [(x, y) in keys for x, y in zip(elo, ehi, strict=True)]

    # ---- nodes
    held = seg.groupby(seg["unit_id"].astype("str"))["case_id"].nunique() if len(seg) else pd.Series(dtype="int64")
    if len(att):
        au = att.assign(unit_id=att["unit_id"].astype("str"))
        per_case = au.groupby(["unit_id", "case_id"], observed=True)["late_days"].sum()
        late_days = per_case.groupby(level=0).sum()
        late_cases = (per_case > 0).groupby(level=0).sum()
    else:
        late_days = late_cases = pd.Series(dtype="float64")
    ids = pd.Index(pd.unique(np.concatenate([
        edges["source"].to_numpy(dtype=object), edges["target"].to_numpy(dtype=object),
        held.index.to_numpy(dtype=object)]))).dropna()
    nodes = _unit_table(book).reindex(ids).rename(columns={"kind": "unit_kind"}).drop(columns="parent_id", errors="ignore")
    nodes["cases_held"] = held.reindex(ids, fill_value=0).astype("int64").to_numpy()
    nodes["late_days"] = late_days.reindex(ids, fill_value=0.0).astype("float64").to_numpy()
    nodes["late_cases"] = late_cases.reindex(ids, fill_value=0).astype("int64").to_numpy()

    G = nx.DiGraph(kind="transfer", skipped=edges.attrs.get("skipped", {}))
    G.add_nodes_from(zip(ids.tolist(), _records(nodes), strict=True))
    attrs = _records(edges.drop(columns=["source", "target"]))
    G.add_edges_from(zip(edges["source"].tolist(), edges["target"].tolist(), attrs, strict=True))
    return G


# --------------------------------------------------------------------------- accountability


def _case_late(att: pd.DataFrame) -> pd.Series:
    """Late days per case (all clocks, all holders)."""
    if not len(att):
        return pd.Series(dtype="float64")
    return att.groupby(att["case_id"].astype("str"))["late_days"].sum()


def _led_cases(book) -> pd.DataFrame:
    c = book.cases
    led = c.loc[c["lead_person_id"].notna(), ["case_id", "lead_person_id", "received_at"]]
    return led.astype({"case_id": "str", "lead_person_id": "str"})


def _held_late(book, seg: pd.DataFrame, att: pd.DataFrame, case_ids: pd.Series) -> pd.DataFrame:
    """Per (case, unit) of the given cases: days_held (custody) and late_days (blame)."""
    from .._fast import isin

    s = seg.loc[isin(seg["case_id"].astype("str"), case_ids).to_numpy(), ["case_id", "unit_id", "days_held", "start"]] \
        if len(seg) else pd.DataFrame({"case_id": [], "unit_id": [], "days_held": [], "start": []})
    s = s.loc[s["unit_id"].notna()].astype({"case_id": "str", "unit_id": "str"})
    held = s.groupby(["case_id", "unit_id"], observed=True).agg(days_held=("days_held", "sum"), at=("start", "min"))
    if len(att):
        a = att.loc[att["unit_id"].notna()]
        a = a.loc[isin(a["case_id"].astype("str"), case_ids).to_numpy()].astype({"case_id": "str", "unit_id": "str"})
        late = a.groupby(["case_id", "unit_id"], observed=True)["late_days"].sum()
    else:
        late = pd.Series(dtype="float64")
    out = held.join(late.rename("late_days"), how="outer").reset_index()
    out["days_held"] = out["days_held"].astype("float64").fillna(0.0)
    out["late_days"] = out["late_days"].astype("float64").fillna(0.0)
    return out


def _accountability_parts(book, blame, custody) -> dict[str, pd.DataFrame]:
    att = _attribution(book, blame)
    seg = _custody(book, custody)
    led = _led_cases(book)
    case_late = _case_late(att).reindex(led["case_id"], fill_value=0.0).to_numpy(dtype=float)
    led = led.assign(late_days=case_late, late=case_late > 0)
    hl = _held_late(book, seg, att, led["case_id"])
    hl["late"] = hl["late_days"] > 0

    lead = led.groupby("lead_person_id").agg(cases=("case_id", "size"), late_cases=("late", "sum"),
                                            late_days=("late_days", "sum"))
    lead["late_share"] = lead["late_cases"] / lead["cases"]
    lead.insert(0, "kind", "person")
    if len(book.people):
        people = book.people.drop_duplicates("person_id").set_index("person_id")
        for col in ("name", "title", "unit_id"):
            if col in people:
                lead[col] = people[col].reindex(lead.index).to_numpy(dtype=object)

    unit = hl.groupby("unit_id").agg(cases=("case_id", "nunique"), late_cases=("late", "sum"),
                                     late_days=("late_days", "sum"))
    unit["late_share"] = unit["late_cases"] / unit["cases"]
    unit.insert(0, "kind", "unit")
    if len(book.units):
        unit["name"] = _unit_table(book)["name"].reindex(unit.index).to_numpy(dtype=object)
    return {"led": led, "held": hl, "lead": lead, "unit": unit}


def accountability_network(book, *, blame=None, custody: pd.DataFrame | None = None) -> nx.Graph:
    """The accountability network (责任倒查, 领导包案): leader — case — unit, for the cases that
    have a 包案领导.

    Node ids are typed ("person:<id>", "case:<id>", "unit:<id>"), with ``kind`` ('person',
    'case', 'unit'), ``name``, ``cases``, ``late_cases``, ``late_days`` (and ``late_share`` for
    people and units). A case is late when blame attributes any late days to it (all clocks);
    a unit's figures count only what was attributed to that unit in those cases. Edges:
    leader — case (kind 'leads', at = received_at) and case — unit (kind 'held': days_held,
    late_days attributed to the unit, at = first custody start).
    """
    p = _accountability_parts(book, blame, custody)
    led, hl = p["led"], p["held"]
    case = pd.DataFrame({"kind": "case", "name": led["case_id"].to_numpy(), "cases": 1,
                         "late_cases": led["late"].astype("int64").to_numpy(),
                         "late_days": led["late_days"].to_numpy(), "received_at": led["received_at"].to_numpy()},
                        index=led["case_id"].to_numpy())
    G = nx.Graph(kind="accountability")
    for prefix, frame in (("person:", p["lead"]), ("case:", case), ("unit:", p["unit"])):
        G.add_nodes_from(zip((prefix + frame.index.astype(str)).tolist(), _records(frame), strict=True))
    leads = pd.DataFrame({"kind": "leads", "at": led["received_at"].to_numpy(),
                          "case_ids": [[c] for c in led["case_id"].tolist()]})
    G.add_edges_from(zip(("person:" + led["lead_person_id"]).tolist(), ("case:" + led["case_id"]).tolist(),
                         _records(leads), strict=True))
    held = pd.DataFrame({"kind": "held", "days_held": hl["days_held"].to_numpy(),
                         "late_days": hl["late_days"].to_numpy(), "at": hl["at"].to_numpy(),
                         "case_ids": [[c] for c in hl["case_id"].tolist()]})
    G.add_edges_from(zip(("case:" + hl["case_id"]).tolist(), ("unit:" + hl["unit_id"]).tolist(),
                         _records(held), strict=True))
    return G


def leader_unit_network(book, *, blame=None, custody: pd.DataFrame | None = None) -> nx.Graph:
    """The accountability network with cases projected away: leader — unit edges (kind
    'leads_held') weighted by ``cases`` (distinct led cases the unit held; also ``weight``),
    ``late_cases`` and ``late_days`` (attributed to the unit in those cases), with ``case_ids``.
    Nodes as in :func:`accountability_network`, without the case nodes."""
    p = _accountability_parts(book, blame, custody)
    m = p["held"].merge(p["led"][["case_id", "lead_person_id"]], on="case_id")
    m = m.sort_values(["lead_person_id", "unit_id", "case_id"], kind="stable")
    g = m.groupby(["lead_person_id", "unit_id"], sort=True)
    e = g.agg(cases=("case_id", "nunique"), late_cases=("late", "sum"), late_days=("late_days", "sum")).reset_index()
    e["case_ids"] = group_lists(g.ngroup().to_numpy(), m["case_id"].to_numpy(dtype=object), len(e))
    e["weight"] = e["cases"].astype("float64")
    e["kind"] = "leads_held"
    G = nx.Graph(kind="leader_unit")
    for prefix, frame in (("person:", p["lead"]), ("unit:", p["unit"])):
        G.add_nodes_from(zip((prefix + frame.index.astype(str)).tolist(), _records(frame), strict=True))
    G.add_edges_from(zip(("person:" + e["lead_person_id"]).tolist(), ("unit:" + e["unit_id"]).tolist(),
                         _records(e.drop(columns=["lead_person_id", "unit_id"])), strict=True))
    return G


def leader_table(G: nx.Graph, *, min_cases: int = 1) -> pd.DataFrame:
    """The leaders (person nodes) of an accountability network as a table sorted by late share
    (then late days): person_id, name, cases, late_cases, late_days, late_share; leaders with
    fewer than ``min_cases`` led cases are left out (a share of one case says little)."""
    rows = [(n.split(":", 1)[1], d.get("name"), d.get("cases", 0), d.get("late_cases", 0),
             d.get("late_days", 0.0), d.get("late_share", 0.0))
            for n, d in G.nodes(data=True) if d.get("kind") == "person"]
    t = pd.DataFrame(rows, columns=["person_id", "name", "cases", "late_cases", "late_days", "late_share"])
    t = t.loc[t["cases"] >= min_cases]
    return t.sort_values(["late_share", "late_days", "person_id"], ascending=[False, False, True],
                         kind="stable").reset_index(drop=True)

