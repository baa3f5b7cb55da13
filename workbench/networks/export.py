"""Export the networks for Gephi (GraphML, GEXF) and Cytoscape (JSON).

These formats hold only scalar attributes, so every graph is first flattened by
:func:`flatten_attributes`, by these rules:

- lists, tuples, sets and arrays (``case_ids``, ``source_rows``) become one string joined with
  ``";"`` (an empty list becomes ``""``);
- times (``pd.Timestamp``, ``datetime``, ``np.datetime64``) become ISO 8601 strings
  (``"2025-03-04T10:00:00"``);
- missing values (None, NaN, NaT, pd.NA) are left out: the element simply has no such attribute;
- dicts (e.g. ``G.graph["skipped"]``) become JSON text; numpy scalars become Python ones;
- within one attribute name, a mix of int and float becomes float, and any other mix becomes
  str (GraphML declares one type per attribute).

Privacy (DESIGN §9): every writer scans the flattened graph and the bytes it would write with
the export guard (:class:`workbench.privacy.guard.Guard`) and refuses, writing nothing, when
they hold a name, ID or phone number the role may not see. Give ``guard=``, or ``book=`` (and
``role=``) for the book's guard; with neither, ID and phone numbers are checked for the role
(default: the configured one). The supervisor's guard refuses nothing.

Node ids are written as strings. The edge key of a multigraph (the relation kind in the
investigation graph) is kept as the edge id in GraphML and as ``key`` in Cytoscape JSON; GEXF
numbers its edges, so there the relation is read from the ``kind`` attribute every edge has.

>>> import networkx as nx
>>> import pandas as pd
>>> G = nx.DiGraph()
>>> G.add_edge("A", "B", case_ids=["C1", "C2"], at=pd.Timestamp("2025-03-04 10:00"), late=None)
>>> flatten_attributes(G).edges["A", "B"]
{'case_ids': 'C1;C2', 'at': '2025-03-04T10:00:00'}
>>> to_cytoscape(G)["elements"]["edges"][0]["data"]["case_ids"]
'C1;C2'
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..privacy.guard import Guard

__all__ = ["LIST_SEPARATOR", "flatten_attributes", "to_graphml", "to_gexf", "to_cytoscape", "write_cytoscape"]

#: how list attributes are joined
LIST_SEPARATOR = ";"


def _missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    if isinstance(v, np.datetime64):
        return bool(np.isnat(v))
    return False


def _flat(v: object) -> object:
    """One attribute value as a scalar GraphML/GEXF/JSON can hold (None: leave it out)."""
    if _missing(v):
        return None
    if isinstance(v, pd.Timestamp | dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, np.datetime64):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, dict):
        return json.dumps({str(k): _flat(x) for k, x in v.items()}, ensure_ascii=False, sort_keys=True)
    if isinstance(v, list | tuple | set | frozenset | np.ndarray | pd.Series | pd.Index):
        items = sorted(v, key=str) if isinstance(v, set | frozenset) else list(v)
        return LIST_SEPARATOR.join("" if _missing(x) else str(_flat(x)) for x in items)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool | int | float | str):
        return v
    return str(v)


def _clean(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        f = _flat(v)
        if f is not None:
            out[str(k)] = f
    return out


def _unify(dicts: Iterable[dict]) -> None:
    """One type per attribute name (in place): int+float -> float, any other mix -> str."""
    dicts = list(dicts)
    types: dict[str, set[type]] = {}
    for d in dicts:
        for k, v in d.items():
            types.setdefault(k, set()).add(type(v))
    for k, ts in types.items():
        if len(ts) < 2:
            continue
        cast = float if ts <= {int, float} else str
        for d in dicts:
            if k in d:
                d[k] = cast(d[k])


def flatten_attributes(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` (same graph type, node ids as strings) whose node, edge and graph
    attributes are scalars, by the rules of this module."""
    H = G.__class__()
    H.graph.update(_clean(G.graph))
    nodes = [(str(n), _clean(d)) for n, d in G.nodes(data=True)]
    _unify(d for _, d in nodes)
    H.add_nodes_from(nodes)
    if G.is_multigraph():
        medges = [(str(u), str(v), k, _clean(d)) for u, v, k, d in G.edges(keys=True, data=True)]
        _unify(e[3] for e in medges)
        H.add_edges_from(medges)
    else:
        edges = [(str(u), str(v), _clean(d)) for u, v, d in G.edges(data=True)]
        _unify(e[2] for e in edges)
        H.add_edges_from(edges)
    return H


def _guard(guard: Guard | None, book: Any, role: str | None) -> Guard:
    """The guard a writer uses: the one given, else the book's for ``role``, else the role's
    numbers-only guard."""
    from ..privacy.guard import Guard

    if guard is not None:
        return guard
    return Guard.for_book(book, role) if book is not None else Guard(role)


def _write(H: nx.Graph, path: str | Path, data: bytes | str, guard: Guard) -> Path:
    """Scan the flattened graph (locations by node and attribute), then write ``data`` guarded."""
    from ..privacy.guard import guarded_write

    path = Path(path)
    if not guard.refuses_nothing:
        guard.check(guard.scan_graph(H), path)
    return guarded_write(path, data, guard)


def to_graphml(G: nx.Graph, path: str | Path, *, guard: Guard | None = None, book: Any = None,
               role: str | None = None) -> Path:
    """Write ``G`` as GraphML (Gephi, yEd), attributes flattened; returns the path. Refused
    (:class:`~workbench.privacy.guard.LeakError`, nothing written) when it holds what the role
    may not see."""
    H = flatten_attributes(G)
    buf = io.BytesIO()
    nx.write_graphml(H, buf, encoding="utf-8")
    return _write(H, path, buf.getvalue(), _guard(guard, book, role))


def to_gexf(G: nx.Graph, path: str | Path, *, guard: Guard | None = None, book: Any = None,
            role: str | None = None) -> Path:
    """Write ``G`` as GEXF 1.2 (Gephi), attributes flattened; node ``label`` is the GEXF label.
    Returns the path. Refused (nothing written) when it holds what the role may not see."""
    H = flatten_attributes(G)
    buf = io.BytesIO()
    nx.write_gexf(H, buf, encoding="utf-8")
    return _write(H, path, buf.getvalue(), _guard(guard, book, role))


def to_cytoscape(G: nx.Graph) -> dict:
    """``G`` as Cytoscape.js JSON data (``nx.cytoscape_data``), attributes flattened; every value
    is JSON-serialisable. Read it back with ``nx.cytoscape_graph``."""
    return nx.cytoscape_data(flatten_attributes(G))


def write_cytoscape(G: nx.Graph, path: str | Path, *, guard: Guard | None = None, book: Any = None,
                    role: str | None = None) -> Path:
    """Write :func:`to_cytoscape` as a UTF-8 JSON file; returns the path. Refused (nothing
    written) when it holds what the role may not see."""
    H = flatten_attributes(G)
    data = json.dumps(nx.cytoscape_data(H), ensure_ascii=False)
    return _write(H, path, data, _guard(guard, book, role))
