"""Petitioning groups (群体信访): persons who petition together, and the matters they carry.

Two persons are linked when they are named on the same case, in any role (petitioner 信访人,
representative 代表, co-signer 联名人); the weight of a link is the number of cases they share. A
group is a connected component of that graph with at least two persons. Components rather than
a modularity method (louvain): a group is then exactly "everyone reachable through a shared case",
which a supervisor can check case by case, needs no seed or resolution parameter, and gives the
same answer on any machine; the cost is that one person wrongly merged by identity resolution
joins two groups, which shows up as an unusually large group and is undone in the resolver.

A group's cases are its *shared* cases (naming at least two of its members); its profile gives
the categories, the representatives (named 代表 on a group case, or 信访人 on a collective one),
the escalation (highest level of the registering units and the path), the handling units, the
outcomes and whether it is still open (the rules of :mod:`workbench.identity.repeats`).

Privacy as in :mod:`workbench.identity.repeats`: person keys only, names for the supervisor;
accusation cases (揭发控告) hidden from every other role (counted in ``.attrs``).

>>> from types import SimpleNamespace
>>> import workbench as wb
>>> cases = pd.DataFrame({"case_id": ["A", "B", "C"], "received_at": ["2025-01-05", "2025-03-01", "2025-04-01"],
...     "registered_unit_id": "UC", "region_code": "339921", "category": "经济管理_企业改制", "headcount": [6, 6, 1]})
>>> units = pd.DataFrame({"unit_id": ["UC"], "name": ["县信访局"], "level": ["county"]})
>>> book = wb.Casebook.from_frames(cases=cases, units=units, now="2026-01-01")
>>> cp = pd.DataFrame({"case_id": ["A", "A", "A", "B", "B", "C"], "petitioner_id": ["R1", "R2", "R3", "R1", "R3", "R4"],
...     "role": ["petitioner", "representative", "cosigner", "petitioner", "cosigner", "petitioner"]})
>>> cp["person_key"] = "P00000000" + cp["petitioner_id"].str[1] + "0"
>>> g = petitioner_groups(book, SimpleNamespace(case_persons=cp, records=None))
>>> g.groups[["size", "n_cases"]].values.tolist(), g.groups.loc[0, "case_ids"]
([[3, 2]], ['A', 'B'])
>>> g.members["n_cases"].tolist(), g.network.number_of_edges()
([2, 1, 2], 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .repeats import (
    _PATHS,
    _case_persons,
    _case_state,
    _level_labels,
    _level_rank,
    _lists,
    _ms,
    _names,
    _open_flags,
    _path_masks,
    _role,
    _short_keys,
    _starts,
    _take,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Groups", "petitioner_groups"]

_ROLE_ORDER = {"representative": 0, "petitioner": 1, "cosigner": 2}


@dataclass
class Groups:
    """Petitioning groups: ``members`` (group × person), ``groups`` (profiles), ``network``."""

    members: pd.DataFrame
    groups: pd.DataFrame
    network: nx.Graph

    def of(self, person_key: str) -> pd.DataFrame:
        """The profile of the group a person belongs to (empty when in none)."""
        gid = self.members.loc[self.members["person_key"] == person_key, "group_id"]
        return self.groups[self.groups["group_id"].isin(gid)].reset_index(drop=True)


def petitioner_groups(book, persons: Any = None, *, role: str | None = None) -> Groups:
    """Find the groups of persons petitioning together and profile each (see the module doc).

    ``persons`` as for :func:`workbench.identity.repeats.repeat_matters` (default
    ``resolve_persons(book)``); ``role`` the viewer (default the configured one).
    """
    import networkx as nx
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    role = role or _role()
    if persons is None:
        from .resolve import resolve_persons

        persons = resolve_persons(book)
    cp, attrs = _case_persons(book, persons, role)
    c = book.cases
    # one row per (case, person), the strongest role kept
    cp = cp.assign(_o=cp["role"].map(_ROLE_ORDER).fillna(3).astype(np.int8))
    cp = cp.sort_values(["case_pos", "_o"], kind="stable").drop_duplicates(["case_pos", "person_key"])
    per_case = np.bincount(cp["case_pos"].to_numpy(), minlength=len(c))
    sh = cp[per_case[cp["case_pos"].to_numpy()] >= 2].reset_index(drop=True)
    pcode, pkeys = pd.factorize(sh["person_key"], sort=True)
    npers = len(pkeys)
    sh["_p"] = pcode
    # pairs of persons on a shared case, weight = shared cases
    pairs = sh[["case_pos", "_p"]].merge(sh[["case_pos", "_p"]], on="case_pos", suffixes=("_a", "_b"))
    pairs = pairs[pairs["_p_a"] < pairs["_p_b"]]
    w = pairs.groupby(["_p_a", "_p_b"], sort=True).size()
    a = w.index.get_level_values(0).to_numpy()
    b = w.index.get_level_values(1).to_numpy()
    _, comp = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(npers, npers)), directed=False)
    comp = np.asarray(comp, dtype=np.int64)
    # number groups by size (largest first), then by their first person key
    size = np.bincount(comp, minlength=int(comp.max()) + 1 if npers else 0)
    first_p = np.full(len(size), npers, dtype=np.int64)
    np.minimum.at(first_p, comp, np.arange(npers))
    order = np.lexsort((first_p, -size))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    gcode = rank[comp]
    ng = len(size)
    gid = _short_keys("G", [pd.Series(np.asarray(pkeys)[first_p[order]], dtype="str")]).to_numpy() if ng else np.zeros(0, object)

    # ---------------------------------------------------------------- group cases
    sh["_g"] = gcode[pcode]
    gc = sh.drop_duplicates("case_pos")[["case_pos", "_g"]]
    recv_all = _ms(c["received_at"])
    gpos = gc["case_pos"].to_numpy()
    gg = gc["_g"].to_numpy()
    o = np.lexsort((gpos, recv_all[gpos], gg))
    gpos, gg = gpos[o], gg[o]
    starts = _starts(gg)
    ends = np.r_[starts[1:], len(gg)] - 1 if len(gg) else starts
    level = _level_rank(book)
    high, mask = _path_masks(gg, level[gpos], ng)
    state = _case_state(book)
    is_open, why = _open_flags(gg, gpos, recv_all[gpos], state, ng)
    cat = (c["category_l1"].astype("str").fillna("") + "/" + c["category_l2"].astype("str").fillna("")).str.strip("/")
    units = c["responsible_unit_id"].astype("str") if "responsible_unit_id" in c else pd.Series(pd.NA, index=c.index, dtype="str")

    # ---------------------------------------------------------------- members
    collective = (c["is_collective"].fillna(False).to_numpy(dtype=bool) if "is_collective" in c
                  else np.zeros(len(c), bool))
    spos = sh["case_pos"].to_numpy()
    rep_row = (sh["role"].to_numpy() == "representative") | ((sh["role"].to_numpy() == "petitioner") & collective[spos])
    is_rep = np.bincount(pcode, weights=rep_row, minlength=npers) > 0
    n_cases = np.bincount(pcode, minlength=npers).astype(np.int64)
    members = pd.DataFrame({
        "group_id": pd.Series(gid[gcode], dtype="str"),
        "person_key": pd.Series(np.asarray(pkeys), dtype="str"),
        "role": pd.Series(np.where(is_rep, "representative", "member"), dtype="str"),
        "n_cases": n_cases,
        "_g": gcode,
    })
    names = _names(persons, members["person_key"], role)
    if names is not None:
        members.insert(2, "name", names.to_numpy())
    members = members.sort_values(["_g", "role", "n_cases", "person_key"], ascending=[True, False, False, True],
                                  kind="stable").reset_index(drop=True)
    reps = members[members["role"] == "representative"]

    groups = pd.DataFrame({
        "group_id": pd.Series(gid, dtype="str"),
        "size": size[order].astype(np.int64),
        "n_cases": np.bincount(gg, minlength=ng).astype(np.int64),
        "case_ids": _lists(gg, _take(c["case_id"], gpos), ng),
        "first_at": recv_all[gpos][starts].astype("datetime64[ms]"),
        "last_at": recv_all[gpos][ends].astype("datetime64[ms]"),
        "matters": _lists(gg, _take(cat, gpos), ng, distinct=True),
        "representatives": _lists(reps["_g"].to_numpy(), reps["person_key"], ng),
        "highest_level": _level_labels(high),
        "path": pd.Series(_PATHS[mask], dtype="str").where(mask > 0),
        "escalated": (high > level[gpos][starts]) & (level[gpos][starts] >= 0),
        "units": _lists(gg, _take(units, gpos), ng, distinct=True),
        "outcomes": _lists(gg, _take(state["outcome"], gpos), ng),
        "open": is_open,
        "open_reason": why,
    })
    if names is not None:
        groups.insert(7, "representative_names", _lists(reps["_g"].to_numpy(), reps["name"], ng))

    # ---------------------------------------------------------------- network
    g = nx.Graph()
    node_attrs = {"group_id": members["group_id"], "role": members["role"], "n_cases": members["n_cases"]}
    if names is not None:
        node_attrs["name"] = members["name"]
    cols = list(node_attrs)
    vals = pd.DataFrame(node_attrs).astype(object).where(lambda d: d.notna(), None)
    g.add_nodes_from(zip(members["person_key"], vals[cols].to_dict("records"), strict=True))
    pk = np.asarray(pkeys, dtype=object)
    g.add_weighted_edges_from(zip(pk[a], pk[b], w.to_numpy().tolist(), strict=True))
    members = members.drop(columns="_g")
    for df in (members, groups):
        df.attrs.update(attrs)
        df.attrs["role"] = role
    return Groups(members, groups, g)
