"""The investigation graph (调查图谱): one graph with typed nodes — petitioner, case, unit,
person, issue — for ego-network expansion and paths between two entities (DESIGN §6).

Why a ``nx.MultiDiGraph``: two entities are often linked in more than one way (a unit is both
the responsible unit of a case and one of its holders; two units route cases both ways), and
each relation keeps its own start time and evidence, so parallel edges are kept, keyed by their
relation ``kind``. Relations have a natural direction (petitioner → case, case → unit, unit →
unit for routing, person → case for 包案), kept for export; the helpers below (paths,
centrality, communities) read the graph as undirected, since "how are A and B connected" does
not depend on which way a relation points.

Node ids are typed: ``"petitioner:<id>"``, ``"case:<id>"``, ``"unit:<id>"``, ``"person:<id>"``,
``"issue:<category_l1>_<category_l2>"`` (``"issue:<category_l1>"`` when there is no level 2).
Every node has ``kind`` and ``label``; every edge has ``kind``, ``at`` (when the relation
started, a ``pd.Timestamp``; left out when unknown), ``case_ids`` and ``source_rows`` (the
ledger rows it comes from) and ``n`` (how many rows).

Relations (edge kinds):

=============== ===================== ==============================================================
kind            direction             from
=============== ===================== ==============================================================
filed           petitioner → case     case_petitioners (at: received_at; ``role``)
registered_by   case → unit           cases.registered_unit_id (at: received_at)
responsible     case → unit           cases.responsible_unit_id (at: arrived_at, else received_at)
held            case → unit           events: the unit acted on or received the case (at: first)
routed          unit → unit           transfer/assign/return events (transfers, assigns, returns)
leads           person → case         cases.lead_person_id, 包案 (at: received_at)
acted           person → case         events.actor_id, 经办 (at: first action)
about           case → issue          cases.category_l1/_l2 (at: received_at)
repeat_of       case → case           cases.repeat_of (at: received_at of the repeat)
member_of       person → unit         people.unit_id (no time)
parent          unit → unit           units.parent_id (no time)
=============== ===================== ==============================================================

Privacy (DESIGN §9): petitioner nodes are labelled as :meth:`workbench.privacy.Masker.person_label`
has it — the supervisor ``name（record id）``, the analyst a keyed pseudonym (化名, so the analyst
needs the pseudonym key), the trainer the (synthetic) name — and carry no ID number, phone or
address; the ``name`` attribute is there only for the ``supervisor`` role.
The petitioner links of accusation cases (揭发控告) are left out unless the role is
``supervisor``. Nothing here follows petitioners over time or place.

>>> import pandas as pd
>>> import workbench as wb
>>> book = wb.Casebook.from_frames(
...     cases=pd.DataFrame({"case_id": ["C1", "C2"], "received_at": ["2025-01-02", "2025-01-03"],
...                         "responsible_unit_id": ["A", "B"], "category": ["城乡建设_村镇建设"] * 2}),
...     events=pd.DataFrame({"case_id": ["C1", "C2"], "at": ["2025-01-02", "2025-01-03"],
...                          "action": ["register", "register"], "from_unit_id": ["A", "B"]}),
...     now="2025-03-01")
>>> G = investigation_graph(book, around="case:C1", hops=2, relations=["responsible", "about"])
>>> sorted(G.nodes)
['case:C1', 'case:C2', 'issue:城乡建设_村镇建设', 'unit:A']
>>> shortest_path(G, "unit:A", "case:C2")[["source", "target", "kind"]].values.tolist()
[['unit:A', 'case:C1', 'responsible'], ['case:C1', 'issue:城乡建设_村镇建设', 'about'], ['issue:城乡建设_村镇建设', 'case:C2', 'about']]
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from .._fast import isin
from .transfer import ROUTING_ACTIONS, _records, group_lists

if TYPE_CHECKING:
    from ..privacy.masking import Masker

__all__ = [
    "NODE_KINDS",
    "RELATIONS",
    "node_id",
    "split_id",
    "investigation_graph",
    "ego_network",
    "shortest_path",
    "time_respecting_path",
    "centrality",
    "communities",
]

NODE_KINDS = ("petitioner", "case", "unit", "person", "issue")

#: relation kind -> (source node kind, target node kind)
RELATIONS: dict[str, tuple[str, str]] = {
    "filed": ("petitioner", "case"),
    "registered_by": ("case", "unit"),
    "responsible": ("case", "unit"),
    "held": ("case", "unit"),
    "routed": ("unit", "unit"),
    "leads": ("person", "case"),
    "acted": ("person", "case"),
    "about": ("case", "issue"),
    "repeat_of": ("case", "case"),
    "member_of": ("person", "unit"),
    "parent": ("unit", "unit"),
}

PATH_COLUMNS = ["step", "source", "target", "kind", "direction", "at", "case_ids", "source_rows"]


def node_id(kind: str, raw: object) -> str:
    """The typed id of a node.

    >>> node_id("unit", "U0088")
    'unit:U0088'
    """
    if kind not in NODE_KINDS:
        raise ValueError(f"unknown node kind {kind!r}; kinds are {NODE_KINDS}")
    return f"{kind}:{raw}"


def split_id(node: str) -> tuple[str, str]:
    """(kind, raw id) of a typed node id.

    >>> split_id("issue:城乡建设_村镇建设")
    ('issue', '城乡建设_村镇建设')
    """
    kind, sep, raw = str(node).partition(":")
    if not sep or kind not in NODE_KINDS:
        raise ValueError(f"{node!r} is not a typed node id like 'unit:U0088' (kinds: {NODE_KINDS})")
    return kind, raw


# --------------------------------------------------------------------------- relation tables


@dataclass
class _Part:
    """Rows of one relation in raw ids (not yet filtered): src and dst Series, plus columns."""

    kind: str
    src: pd.Series
    dst: pd.Series
    cols: dict[str, pd.Series | np.ndarray] = field(default_factory=dict)
    #: positions in book.cases of a side that holds case ids ("src"/"dst"), for fast membership
    pos: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, mask: np.ndarray) -> pd.DataFrame:
        idx = np.flatnonzero(mask)  # select first, convert after: columns may hold millions of rows
        d = {"src": _pick(self.src, idx), "dst": _pick(self.dst, idx)}
        for k, v in self.cols.items():
            d[k] = _pick(v, idx)
        return pd.DataFrame(d)


def _pick(v: pd.Series | np.ndarray, idx: np.ndarray) -> np.ndarray:
    if isinstance(v, pd.Series):
        return v.take(idx).to_numpy()
    return np.asarray(v)[idx]


def _issue_ids(cases: pd.DataFrame) -> pd.Series:
    l1 = cases["category_l1"].astype("str") if "category_l1" in cases else pd.Series(pd.NA, index=cases.index, dtype="str")
    l2 = cases["category_l2"].astype("str") if "category_l2" in cases else pd.Series(pd.NA, index=cases.index, dtype="str")
    return l1.where(l2.isna(), l1 + "_" + l2)


def _parts(book, role: str, relations: set[str], issues: pd.Series) -> tuple[list[_Part], dict[str, int]]:
    c, ev = book.cases, book.events
    info: dict[str, int] = {}
    parts: list[_Part] = []
    cid = c["case_id"].astype("str")
    case_pos = np.arange(len(c), dtype=np.int64)
    rec = c["received_at"]
    crow = c["source_row"] if "source_row" in c else pd.Series(pd.NA, index=c.index, dtype="str")

    def case_part(kind: str, src: pd.Series, dst: pd.Series, at: pd.Series) -> None:
        side = "src" if src is cid else "dst"
        parts.append(_Part(kind, src, dst, {"at": at, "case_id": cid, "source_row": crow}, {side: case_pos}))

    if "filed" in relations and len(book.case_petitioners):
        cp = book.case_petitioners
        keep = np.ones(len(cp), dtype=bool)
        if role != "supervisor" and "demand_type" in c:
            accusation = cid[(c["demand_type"] == "accusation").fillna(False).to_numpy(dtype=bool)]
            hidden = isin(cp["case_id"].astype("str"), accusation).to_numpy()
            info["accusation_links_hidden"] = int(hidden.sum())
            keep &= ~hidden
        cp = cp.loc[keep]
        parts.append(_Part("filed", cp["petitioner_id"].astype("str"), cp["case_id"].astype("str"), {
            "at": np.full(len(cp), np.datetime64("NaT", "ms")), "case_id": cp["case_id"].astype("str"),
            "source_row": cp["source_row"] if "source_row" in cp else np.full(len(cp), None),
            "role": cp["role"] if "role" in cp else np.full(len(cp), None)}))
    if "registered_by" in relations and "registered_unit_id" in c:
        case_part("registered_by", cid, c["registered_unit_id"], rec)
    if "responsible" in relations and "responsible_unit_id" in c:
        arrived = c["arrived_at"].fillna(rec) if "arrived_at" in c else rec
        case_part("responsible", cid, c["responsible_unit_id"], arrived)
    if "leads" in relations and "lead_person_id" in c:
        case_part("leads", c["lead_person_id"], cid, rec)
    if "about" in relations:
        case_part("about", cid, issues, rec)
    if "repeat_of" in relations and "repeat_of" in c:
        case_part("repeat_of", cid, c["repeat_of"], rec)

    if len(ev) and relations & {"held", "acted", "routed"}:
        from ..rules.clocks import event_case_index

        ecid = ev["case_id"].astype("str")
        epos = event_case_index(book)
        erow = ev["source_row"] if "source_row" in ev else pd.Series(pd.NA, index=ev.index, dtype="str")
        base = {"at": ev["at"], "case_id": ecid, "source_row": erow}
        if "held" in relations:
            parts.append(_Part("held", ecid, ev["from_unit_id"], dict(base), {"src": epos}))
            parts.append(_Part("held", ecid, ev["to_unit_id"], dict(base), {"src": epos}))
        if "acted" in relations and "actor_id" in ev:
            parts.append(_Part("acted", ev["actor_id"], ecid, dict(base), {"dst": epos}))
        if "routed" in relations:
            act = ev["action"].astype("str")
            routing = act.isin(ROUTING_ACTIONS).to_numpy()
            src = ev["from_unit_id"].where(routing)
            counts = {f"{a}s": (act == a).to_numpy(dtype=bool).astype(np.int64) for a in ROUTING_ACTIONS}
            parts.append(_Part("routed", src, ev["to_unit_id"], {**base, **counts}))

    if "member_of" in relations and len(book.people):
        p = book.people
        parts.append(_Part("member_of", p["person_id"], p["unit_id"], {
            "at": np.full(len(p), np.datetime64("NaT", "ms")), "case_id": np.full(len(p), None),
            "source_row": p["source_row"] if "source_row" in p else np.full(len(p), None)}))
    if "parent" in relations and len(book.units):
        u = book.units
        parts.append(_Part("parent", u["unit_id"], u["parent_id"], {
            "at": np.full(len(u), np.datetime64("NaT", "ms")), "case_id": np.full(len(u), None),
            "source_row": u["source_row"] if "source_row" in u else np.full(len(u), None)}))
    return parts, info


class _Members:
    """Which rows of a relation have an end in a set of ids. Case ends are looked up once in
    book.cases and gathered through the rows' case positions, instead of hashing millions of
    event case ids at every step."""

    def __init__(self, case_ids: pd.Series) -> None:
        self.case_ids = case_ids
        self._key: pd.Index | None = None
        self._mask = np.zeros(0, dtype=bool)

    def __call__(self, p: _Part, side: str, ids: pd.Index | None) -> np.ndarray:
        s = p.src if side == "src" else p.dst
        pos = p.pos.get(side)
        if pos is None or ids is None:
            return _member(s, ids)
        if not len(ids):
            return np.zeros(len(s), dtype=bool)
        if self._key is not ids:
            self._key, self._mask = ids, isin(self.case_ids, ids).to_numpy()
        return (pos >= 0) & self._mask[np.maximum(pos, 0)]


def _member(s: pd.Series, ids: pd.Index | None) -> np.ndarray:
    """Rows of ``s`` whose value is in ``ids`` (None: every non-missing value)."""
    present = s.notna().to_numpy(dtype=bool)
    if ids is None:
        return present
    if not len(ids):
        return np.zeros(len(s), dtype=bool)
    return present & isin(s.astype("str"), ids).to_numpy()


def _neighbourhood(parts: list[_Part], members: _Members, seed_kind: str, seed: str, hops: int,
                   hub_limit: int | None) -> tuple[dict[str, pd.Index], list[str]]:
    """Raw ids per node kind within ``hops`` relations of the seed, found by joins on the tables,
    and the hubs met on the way (kept, not expanded)."""
    seen: dict[str, pd.Index] = {k: pd.Index([], dtype="str") for k in NODE_KINDS}
    seen[seed_kind] = pd.Index([seed], dtype="str")
    frontier = {k: v.copy() for k, v in seen.items()}
    hubs: list[str] = []
    for hop in range(hops):
        # (frontier kind) -> pieces of (frontier id, neighbour kind, neighbour id)
        links: dict[str, list[pd.DataFrame]] = {k: [] for k in NODE_KINDS}
        for p in parts:
            sk, dk = RELATIONS[p.kind]
            for side, near, far, nk, fk in (("src", p.src, p.dst, sk, dk), ("dst", p.dst, p.src, dk, sk)):
                if not len(frontier[nk]):
                    continue
                idx = np.flatnonzero(members(p, side, frontier[nk]) & far.notna().to_numpy(dtype=bool))
                if len(idx):
                    links[nk].append(pd.DataFrame({"x": near.take(idx).to_numpy(dtype=object), "k": fk,
                                                   "y": far.take(idx).to_numpy(dtype=object)}))
        found: dict[str, list[np.ndarray]] = {k: [] for k in NODE_KINDS}
        for nk, pieces in links.items():
            if not pieces:
                continue
            lk = pd.concat(pieces, ignore_index=True).drop_duplicates()
            if hub_limit is not None and hop > 0:  # the seed itself is always expanded
                degree = lk["x"].value_counts()
                big = degree.index[degree.to_numpy() > hub_limit]
                if len(big):
                    hubs.extend(nk + ":" + str(b) for b in big)
                    lk = lk.loc[~lk["x"].isin(big)]
            for fk, grp in lk.groupby("k", sort=False):
                found[str(fk)].append(grp["y"].to_numpy(dtype=object))
        frontier = {}
        for k in NODE_KINDS:
            new = pd.Index(pd.unique(np.concatenate(found[k])) if found[k] else [], dtype="str")
            frontier[k] = new.difference(seen[k])
            seen[k] = seen[k].append(frontier[k])
        if not any(len(v) for v in frontier.values()):
            break
    return seen, sorted(hubs)


def _aggregate(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """One edge per (src, dst): at (earliest), n, case_ids (distinct), source_rows, extras."""
    rows = rows.astype({"src": "str", "dst": "str"})
    if kind in ("routed", "parent"):
        rows = rows.loc[rows["src"] != rows["dst"]]
    pair = rows.groupby(["src", "dst"], sort=True)
    code = pair.ngroup().to_numpy()
    out = pair.size().rename("n").reset_index()
    n = len(out)
    if not n:
        return out
    at = pd.to_datetime(rows["at"]).astype("datetime64[ms]")
    out["at"] = at.groupby(code).min().reindex(range(n)).to_numpy()
    order = np.lexsort((at.to_numpy().astype("int64"), code))
    code_o = code[order]
    cases = rows["case_id"].to_numpy(dtype=object)[order]
    has = pd.notna(cases)
    first = has & ~pd.DataFrame({"c": code_o, "k": cases}).duplicated().to_numpy()
    out["case_ids"] = group_lists(code_o[first], cases[first], n)
    srow = rows["source_row"].to_numpy(dtype=object)[order]
    has_row = pd.notna(srow)
    out["source_rows"] = group_lists(code_o[has_row], srow[has_row], n)
    for col in rows.columns.difference(["src", "dst", "at", "case_id", "source_row"]):
        if rows[col].dtype.kind in "iuf":
            out[col] = rows[col].groupby(code).sum().reindex(range(n)).to_numpy()
        else:
            out[col] = rows[col].groupby(code).first().reindex(range(n)).to_numpy(dtype=object)
    return out


def _node_frames(book, ids: dict[str, pd.Index | None], msk: Masker, issues: pd.Series) -> dict[str, pd.DataFrame]:
    """Node attributes per kind (index: raw id)."""
    out: dict[str, pd.DataFrame] = {}

    def pick(df: pd.DataFrame, key: str, want: pd.Index | None, cols: dict[str, str]) -> pd.DataFrame:
        d = df
        if want is not None:
            d = d.loc[isin(d[key].astype("str"), want).to_numpy()]
        d = d.drop_duplicates(key)
        d = d.set_index(d[key].astype("str"))
        return pd.DataFrame({new: d[old] for old, new in cols.items() if old in d}, index=d.index)

    c = book.cases
    out["case"] = pick(c, "case_id", ids["case"], {
        "case_id": "label", "received_at": "received_at", "status": "status", "demand_type": "demand_type",
        "channel": "channel", "category_l1": "category_l1", "category_l2": "category_l2",
        "is_collective": "is_collective"})
    out["unit"] = pick(book.units, "unit_id", ids["unit"], {
        "name": "name", "level": "level", "kind": "unit_kind", "region_code": "region_code"})
    out["person"] = pick(book.people, "person_id", ids["person"], {
        "name": "name", "title": "title", "unit_id": "unit_id", "role": "person_role"})
    for k, name_col in (("unit", "name"), ("person", "name")):
        f = out[k]
        f["label"] = f[name_col].astype(object).where(f[name_col].notna(), f.index.to_numpy()) if len(f) else []
    pet = pick(book.petitioners, "petitioner_id", ids["petitioner"], {"petitioner_id": "label", "name": "name"})
    if len(pet):
        names = pet["name"] if "name" in pet else None
        pet["label"] = msk.person_labels(pet.index, names)
    if not msk.full and "name" in pet:  # the name attribute only for the supervisor
        pet = pet.drop(columns=["name"])
    out["petitioner"] = pet
    table = pd.DataFrame({"issue": issues, "category_l1": c.get("category_l1"),
                          "category_l2": c.get("category_l2")}).dropna(subset=["issue"])
    out["issue"] = pick(table, "issue", ids["issue"], {"issue": "label", "category_l1": "category_l1",
                                                       "category_l2": "category_l2"})
    return out


def investigation_graph(book, *, around: str | None = None, hops: int = 2, role: str | Masker | None = None,
                        relations: Iterable[str] | None = None,
                        hub_limit: int | None = 1000) -> nx.MultiDiGraph:
    """The investigation graph of a Casebook, or with ``around="unit:U0088"`` (any typed id)
    only the ``hops``-neighbourhood of that node, found by vectorised joins on the tables, so a
    province-sized ledger never has to become one networkx graph.

    ``relations`` limits the edge kinds (default: all of :data:`RELATIONS`); ``role`` (a role
    name or a :class:`~workbench.privacy.Masker`) defaults to ``workbench.get_config().role``. The neighbourhood holds every node within ``hops``
    relations of ``around`` and every relation between them (as ``nx.ego_graph`` would), with
    one rule for hubs: a node reached on the way with more than ``hub_limit`` distinct
    neighbours (a petition bureau, an issue class, a busy handler) is kept but not expanded —
    otherwise two hops from any case would be half the province. ``around`` itself is always
    expanded; ``hub_limit=None`` expands everything (exactly ``nx.ego_graph``). ``G.graph``
    records around, hops, role, ``not_expanded`` (the hubs) and ``accusation_links_hidden``.
    """
    from ..privacy.masking import Masker, masker_for

    msk = role if isinstance(role, Masker) else masker_for(role)
    role = msk.role
    rel = set(RELATIONS) if relations is None else set(relations)
    unknown = rel - set(RELATIONS)
    if unknown:
        raise ValueError(f"unknown relations {sorted(unknown)}; relations are {sorted(RELATIONS)}")
    issues = _issue_ids(book.cases)
    parts, info = _parts(book, role, rel, issues)
    members = _Members(book.cases["case_id"].astype("str"))
    ids: dict[str, pd.Index | None]
    hubs: list[str] = []
    relabel: dict[str, str] = {}
    if msk.role == "analyst":
        # record ids are plain hashes of a record's name, ID, phone and address: the analyst's
        # graph names records by their keyed stand-ins (Masker.record_id), as the analyst's tables
        # do, and takes either form in ``around``
        pids = book.petitioners["petitioner_id"].astype("str").unique()
        relabel = {pid: msk.record_id(pid) for pid in pids}
    if around is None:
        ids = {k: None for k in NODE_KINDS}
    else:
        seed_kind, seed = split_id(around)
        if relabel and seed_kind == "petitioner" and seed not in relabel:
            seed = {v: k for k, v in relabel.items()}.get(seed, seed)
        found, hubs = _neighbourhood(parts, members, seed_kind, seed, max(int(hops), 0), hub_limit)
        ids = dict(found)

    G = nx.MultiDiGraph(kind="investigation", around=around, hops=hops if around else None, role=role,
                        not_expanded=hubs, **info)
    edge_frames = []
    for kind in RELATIONS:
        mine = [p for p in parts if p.kind == kind]
        if not mine:
            continue
        sk, dk = RELATIONS[kind]
        rows = pd.concat([p.take(members(p, "src", ids[sk]) & members(p, "dst", ids[dk])) for p in mine],
                         ignore_index=True)
        if kind == "filed":  # a petitioner's link starts when the case was received
            pos = pd.Index(book.cases["case_id"].astype("str")).get_indexer(rows["case_id"].astype("str"))
            rec = book.cases["received_at"].to_numpy()
            rows["at"] = np.where(pos >= 0, rec[np.maximum(pos, 0)], np.datetime64("NaT"))
        e = _aggregate(kind, rows)
        if len(e):
            e["kind"] = kind
            e["src"] = kind_prefix(sk) + e["src"]
            e["dst"] = kind_prefix(dk) + e["dst"]
            edge_frames.append(e)

    frames = _node_frames(book, ids, msk, issues)
    present = {k: pd.Index([], dtype="str") for k in NODE_KINDS}
    if around is not None:
        present = {k: v for k, v in ids.items() if v is not None}
    for e in edge_frames:
        for col, k in (("src", RELATIONS[e["kind"].iat[0]][0]), ("dst", RELATIONS[e["kind"].iat[0]][1])):
            raw = e[col].str.slice(len(k) + 1)
            present[k] = present[k].append(pd.Index(raw.to_numpy(), dtype="str"))
    for k in NODE_KINDS:
        want = present[k].unique()
        f = frames[k].reindex(want)
        if "label" in f:
            f["label"] = f["label"].astype(object).where(f["label"].notna(), want.to_numpy())
        else:
            f["label"] = want.to_numpy()
        f.insert(0, "kind", k)
        G.add_nodes_from(zip((kind_prefix(k) + want).tolist(), _records(f), strict=True))
    for e in edge_frames:
        attrs = _records(e.drop(columns=["src", "dst"]))
        G.add_edges_from(zip(e["src"].tolist(), e["dst"].tolist(), e["kind"].tolist(), attrs, strict=True))
    if relabel:
        prefix = kind_prefix("petitioner")
        nodes = [n for n in G.nodes if isinstance(n, str) and n.startswith(prefix)]
        nx.relabel_nodes(G, {n: prefix + relabel.get(n[len(prefix):], n[len(prefix):]) for n in nodes}, copy=False)
        if isinstance(around, str) and around.startswith(prefix):
            G.graph["around"] = prefix + relabel.get(split_id(around)[1], split_id(around)[1])
    return G


def kind_prefix(kind: str) -> str:
    return kind + ":"


# --------------------------------------------------------------------------- helpers on graphs


def _undirected(G: nx.Graph) -> nx.Graph:
    """A simple undirected view of any graph (parallel relations merged) for path and centrality
    measures."""
    H = nx.Graph()
    H.add_nodes_from(G.nodes)
    H.add_edges_from(G.edges())
    return H


def ego_network(G: nx.Graph, node: str, hops: int = 2) -> nx.Graph:
    """The nodes within ``hops`` relations of ``node`` (either direction) and every edge between
    them, with all attributes (a copy of the same graph type)."""
    return nx.ego_graph(G, node, radius=hops, undirected=True).copy()


def _edges_between(G: nx.Graph, a: str, b: str) -> list[tuple[str, str, dict]]:
    """Every edge joining a and b, in either direction: (source, target, data)."""
    out: list[tuple[str, str, dict]] = []
    pairs = [(a, b), (b, a)] if G.is_directed() else [(a, b)]
    for u, v in pairs:
        if not G.has_edge(u, v):
            continue
        if G.is_multigraph():
            out.extend((u, v, d) for d in G[u][v].values())
        else:
            out.append((u, v, G[u][v]))
    return out


def _path_row(step: int, a: str, u: str, v: str, d: dict) -> dict:
    return {"step": step, "source": a, "target": v if u == a else u, "kind": d.get("kind"),
            "direction": "forward" if u == a else "backward", "at": d.get("at", pd.NaT),
            "case_ids": list(d.get("case_ids", [])), "source_rows": list(d.get("source_rows", []))}


def shortest_path(G: nx.Graph, a: str, b: str) -> pd.DataFrame:
    """The fewest-relations path between two nodes (relations read in either direction): one row
    per edge joining consecutive nodes (several rows share a step when two nodes are joined in
    several ways): step, source, target, kind, direction ('forward' when the relation points
    along the path), at, case_ids, source_rows. Empty when there is no path."""
    for n in (a, b):
        if n not in G:
            raise nx.NodeNotFound(f"{n!r} is not in the graph")
    try:
        nodes = nx.shortest_path(_undirected(G), a, b)
    except nx.NetworkXNoPath:
        return pd.DataFrame(columns=PATH_COLUMNS)
    rows = [_path_row(i, x, u, v, d) for i, (x, y) in enumerate(itertools.pairwise(nodes))
            for u, v, d in _edges_between(G, x, y)]
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def time_respecting_path(G: nx.Graph, a: str, b: str, *, start: object = None) -> pd.DataFrame:
    """The earliest-arrival time-respecting path from ``a`` to ``b``: edge times (``at``) never
    decrease along it, read in either direction, starting no earlier than ``start``. Edges
    without a time (member_of, parent) are timeless: they can be crossed at any moment and do
    not move the clock. Same columns as :func:`shortest_path`, one row per step; empty when ``b``
    cannot be reached in time order."""
    for n in (a, b):
        if n not in G:
            raise nx.NodeNotFound(f"{n!r} is not in the graph")
    t0 = pd.Timestamp(start).value if start is not None else np.iinfo(np.int64).min

    def when(d: dict) -> int | None:
        at = d.get("at")
        return None if at is None or pd.isna(at) else pd.Timestamp(at).value

    best: dict[str, int] = {a: t0}
    pred: dict[str, tuple[str, str, str, dict]] = {}
    heap = [(t0, 0, a)]
    tie = itertools.count(1)
    nbrs = (lambda n: itertools.chain(G.successors(n), G.predecessors(n))) if G.is_directed() else G.neighbors
    while heap:
        t, _, x = heapq.heappop(heap)
        if t > best.get(x, np.iinfo(np.int64).max):
            continue
        if x == b:
            break
        for y in set(nbrs(x)):
            choice = None
            for u, v, d in _edges_between(G, x, y):
                w = when(d)
                arr = t if w is None else (w if w >= t else None)
                if arr is not None and (choice is None or arr < choice[0]):
                    choice = (arr, u, v, d)
            if choice is not None and choice[0] < best.get(y, np.iinfo(np.int64).max):
                best[y] = choice[0]
                pred[y] = (x, choice[1], choice[2], choice[3])
                heapq.heappush(heap, (choice[0], next(tie), y))
    if b not in best:
        return pd.DataFrame(columns=PATH_COLUMNS)
    steps = []
    n = b
    while n != a:
        x, u, v, d = pred[n]
        steps.append((x, u, v, d))
        n = x
    rows = [_path_row(i, x, u, v, d) for i, (x, u, v, d) in enumerate(reversed(steps))]
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def _node_table(G: nx.Graph, nodes: Iterable) -> pd.DataFrame:
    nodes = list(nodes)
    return pd.DataFrame({"node": nodes, "kind": [G.nodes[n].get("kind") for n in nodes],
                         "label": [G.nodes[n].get("label", G.nodes[n].get("name", n)) for n in nodes]})


def centrality(G: nx.Graph, kind: str = "degree", *, node_kind: str | None = None, k: int | None = None,
               seed: int = 0, sample_above: int = 5000) -> pd.DataFrame:
    """Centrality of every node (graph read as simple and undirected): node, kind, label, score,
    rank (1 = most central), sorted by rank; ``node_kind`` keeps one kind of node in the table.

    kind: 'degree' (number of distinct neighbours), 'betweenness' (normalised; estimated from
    ``k`` sampled sources — by default 500 — when the graph has more than ``sample_above``
    nodes, reproducible with ``seed``) or 'pagerank'.
    """
    H = _undirected(G)
    if kind == "degree":
        score = dict(H.degree())
    elif kind == "betweenness":
        if k is None and H.number_of_nodes() > sample_above:
            k = 500
        if k is not None:
            k = min(k, H.number_of_nodes())
        score = nx.betweenness_centrality(H, k=k, seed=seed)
    elif kind == "pagerank":
        score = nx.pagerank(H) if H.number_of_edges() else {n: 1 / max(len(H), 1) for n in H}
    else:
        raise ValueError(f"unknown centrality {kind!r}: use 'degree', 'betweenness' or 'pagerank'")
    t = _node_table(G, H.nodes)
    t["score"] = np.array([score[n] for n in H.nodes], dtype=float)
    if node_kind is not None:
        t = t.loc[t["kind"] == node_kind]
    t = t.sort_values(["score", "node"], ascending=[False, True], kind="stable").reset_index(drop=True)
    t["rank"] = np.arange(1, len(t) + 1)
    return t


def communities(G: nx.Graph, *, seed: int = 0, resolution: float = 1.0) -> pd.DataFrame:
    """Louvain communities (graph read as simple and undirected): node, kind, label, community
    (0 = the largest), size; reproducible with ``seed``."""
    H = _undirected(G)
    found = nx.community.louvain_communities(H, seed=seed, resolution=resolution) if len(H) else []
    found = sorted(found, key=lambda c: (-len(c), min(map(str, c))))
    nodes = [n for c in found for n in sorted(c, key=str)]
    t = _node_table(G, nodes)
    t["community"] = np.repeat(np.arange(len(found)), [len(c) for c in found]).astype(np.int64)
    t["size"] = np.repeat([len(c) for c in found], [len(c) for c in found]).astype(np.int64)
    return t
