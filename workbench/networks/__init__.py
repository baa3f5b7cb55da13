"""Networks (DESIGN §6): the transfer network between units, the accountability network
(包案领导 — case — unit) and the investigation graph, with exports for Gephi and Cytoscape."""

from __future__ import annotations

from .export import flatten_attributes, to_cytoscape, to_gexf, to_graphml, write_cytoscape
from .investigation import (
    centrality,
    communities,
    ego_network,
    investigation_graph,
    shortest_path,
    time_respecting_path,
)
from .transfer import (
    accountability_network,
    leader_table,
    leader_unit_network,
    routing_edges,
    transfer_network,
)

__all__ = [
    "accountability_network", "centrality", "communities", "ego_network", "flatten_attributes",
    "investigation_graph", "leader_table", "leader_unit_network", "routing_edges", "shortest_path",
    "time_respecting_path", "to_cytoscape", "to_gexf", "to_graphml", "transfer_network", "write_cytoscape",
]
