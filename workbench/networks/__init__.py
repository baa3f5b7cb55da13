"""Networks (DESIGN §6): the transfer network between units, the accountability network
(包案领导 — case — unit) and the investigation graph, with exports for Gephi and Cytoscape."""
