"""Networks (DESIGN §6): transfer, accountability and investigation graphs, and their exports.

The hand-made book below has four cases, worked out by hand:

- K1: OFF assigns to A; A transfers to B; B returns it to A (退回); A replies.
- K2: ping-pong (推诿): OFF assigns to A; A → B, B → A, A → B (transfers); B replies.
- K3: co-handled (联合督办): OFF assigns A (主办, share 0.6) and C (协办, 0.4) at the same moment.
- K4: an accusation (揭发控告): OFF assigns to C; its petitioner P4 must stay hidden.

Routing edges: OFF→A assigns 3 (K1 K2 K3); A→B transfers 3 in 2 cases (K1 K2); B→A 1 return
(K1) + 1 transfer (K2); OFF→C assigns 2 (K3 K4).
Custody (calendar days): B held 3 (K1), 3 and 48 (K2) after A sent it → median 3; A held 24 (K1)
and 3 (K2) after B sent it → 13.5; A held 3, 3, 16 after OFF → 3; C held 16 (K3) and 10 (K4) → 13.
The blame used in exact tests is given by hand: K1 A 5 days; K2 B 7 days, A 2 days.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.networks import (
    accountability_network,
    centrality,
    communities,
    ego_network,
    flatten_attributes,
    investigation_graph,
    leader_table,
    leader_unit_network,
    routing_edges,
    shortest_path,
    time_respecting_path,
    to_cytoscape,
    to_gexf,
    to_graphml,
    transfer_network,
    write_cytoscape,
)


@pytest.fixture(autouse=True)
def _analyst_key(analyst_key):
    """The analyst labels petitioners by keyed pseudonyms (DESIGN §9)."""
    wb.set_config(pseudonym_key_file=str(analyst_key))


@pytest.fixture(scope="module")
def book():
    units = pd.DataFrame({
        "unit_id": ["GOV", "OFF", "A", "B", "C"],
        "name": ["青山县人民政府", "青山县信访局", "青山县住建局", "青山县自然资源局", "青山县人社局"],
        "parent_id": [None, "GOV", "GOV", "GOV", "GOV"],
        "level": ["county"] * 5,
        "kind": ["人民政府", "信访部门", "职能部门", "职能部门", "职能部门"],
        "region_code": ["339921"] * 5,
    })
    people = pd.DataFrame({"person_id": ["L1", "L2", "H1", "H2"], "name": ["张明", "李华", "王五", "赵六"],
                           "unit_id": ["GOV", "GOV", "A", "B"], "title": ["副县长", "县长", "科员", "科员"],
                           "role": ["deputy", "principal", "handler", "handler"]})
    cases = pd.DataFrame({
        "case_id": ["K1", "K2", "K3", "K4"],
        "received_at": ["2025-01-02 09:00", "2025-01-03 09:00", "2025-01-04 09:00", "2025-01-05 09:00"],
        "registered_unit_id": ["OFF"] * 4,
        "responsible_unit_id": ["A", "B", "A", "C"],
        "lead_person_id": ["L1", "L1", "L2", None],
        "category": ["城乡建设_村镇建设", "国土资源_土地征收", "城乡建设_村镇建设", "纪检监察_滥用职权"],
        "demand_type": ["求决", "求决", "求决", "揭发控告"],
    })
    ev = [
        ("K1", "2025-01-02 09:00", "register", "OFF", None, None, None, None),
        ("K1", "2025-01-02 10:00", "assign", "OFF", "A", None, None, None),
        ("K1", "2025-01-05 10:00", "transfer", "A", "B", "H1", None, None),
        ("K1", "2025-01-08 10:00", "return", "B", "A", "H2", None, None),
        ("K1", "2025-02-01 10:00", "reply", "A", None, "H1", None, None),
        ("K2", "2025-01-03 09:00", "register", "OFF", None, None, None, None),
        ("K2", "2025-01-03 10:00", "assign", "OFF", "A", None, None, None),
        ("K2", "2025-01-06 10:00", "transfer", "A", "B", "H1", None, None),
        ("K2", "2025-01-09 10:00", "transfer", "B", "A", "H2", None, None),
        ("K2", "2025-01-12 10:00", "transfer", "A", "B", "H1", None, None),
        ("K2", "2025-03-01 10:00", "reply", "B", None, "H2", None, None),
        ("K3", "2025-01-04 09:00", "register", "OFF", None, None, None, None),
        ("K3", "2025-01-04 10:00", "assign", "OFF", "A", None, "lead", 0.6),
        ("K3", "2025-01-04 10:00", "assign", "OFF", "C", None, "co", 0.4),
        ("K3", "2025-01-20 10:00", "reply", "A", None, "H1", None, None),
        ("K4", "2025-01-05 09:00", "register", "OFF", None, None, None, None),
        ("K4", "2025-01-05 10:00", "assign", "OFF", "C", None, None, None),
        ("K4", "2025-01-15 10:00", "reply", "C", None, None, None, None),
    ]
    events = pd.DataFrame(ev, columns=["case_id", "at", "action", "from_unit_id", "to_unit_id", "actor_id",
                                       "role", "share"])
    petitioners = pd.DataFrame({"petitioner_id": ["P1", "P2", "P4"], "name": ["王建国", "李四", "钱七"],
                                "id_number": ["11010519491231002X", None, "110105194912310021"],
                                "phone": ["13800000001", "13800000002", "13800000007"],
                                "address": ["青山县一号", "青山县二号", "青山县四号"]})
    cp = pd.DataFrame({"case_id": ["K1", "K2", "K3", "K4"], "petitioner_id": ["P1", "P2", "P2", "P4"]})
    return wb.Casebook.from_frames(cases=cases, events=events, units=units, people=people,
                                   petitioners=petitioners, case_petitioners=cp, now="2026-01-01")


@pytest.fixture(scope="module")
def blame():
    """Late days by hand (what blame would attribute), as an attribution table."""
    return pd.DataFrame({"case_id": ["K1", "K2", "K2"], "clock": ["handle"] * 3, "unit_id": ["A", "B", "A"],
                         "person_id": [None] * 3, "lead_person_id": ["L1"] * 3, "late_days": [5.0, 7.0, 2.0],
                         "basis": ["held"] * 3})


@pytest.fixture(scope="module")
def buck():
    return pd.DataFrame({"unit_a": ["B"], "unit_b": ["A"], "transfers_ab": [1], "transfers_ba": [3],
                         "returns_ab": [1], "returns_ba": [0], "bounce_cases": [2], "score": [2.5], "rank": [1],
                         "case_ids": [["K1", "K2"]]})


@pytest.fixture(scope="module")
def seg(book):
    from workbench.chains.segments import custody

    return custody(book)


@pytest.fixture(scope="module")
def generated():
    book, truth = wb.sample.generate(2000, seed=7)
    return book


@pytest.fixture(scope="module")
def generated_graph(generated):
    return investigation_graph(generated, role="trainer")


# --------------------------------------------------------------------------- transfer network


def test_routing_edges_exact(book):
    e = routing_edges(book).set_index(["source", "target"])
    assert sorted(e.index) == [("A", "B"), ("B", "A"), ("OFF", "A"), ("OFF", "C")]
    got = e[["transfers", "assigns", "returns", "events", "cases"]].astype(int).to_dict("index")
    assert got == {
        ("A", "B"): {"transfers": 3, "assigns": 0, "returns": 0, "events": 3, "cases": 2},
        ("B", "A"): {"transfers": 1, "assigns": 0, "returns": 1, "events": 2, "cases": 2},
        ("OFF", "A"): {"transfers": 0, "assigns": 3, "returns": 0, "events": 3, "cases": 3},
        ("OFF", "C"): {"transfers": 0, "assigns": 2, "returns": 0, "events": 2, "cases": 2},
    }
    assert e.loc[("A", "B"), "case_ids"] == ["K1", "K2"]
    assert e.loc[("A", "B"), "source_rows"] == ["<frames>/events:3", "<frames>/events:8", "<frames>/events:10"]
    assert e.loc[("B", "A"), "first_at"] == pd.Timestamp("2025-01-08 10:00")


def test_routing_edges_odd_rows_skipped_and_counted():
    events = pd.DataFrame({"case_id": ["X"] * 4, "at": ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"],
                           "action": ["transfer", "transfer", "return", "assign"],
                           "from_unit_id": ["A", "B", None, "A"], "to_unit_id": ["B", "B", "A", None]})
    b = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["X"], "received_at": ["2025-01-01"]}),
                                events=events, now="2026-01-01")
    e = routing_edges(b)
    assert e[["source", "target", "events"]].values.tolist() == [["A", "B", 1]]
    assert e.attrs["skipped"] == {"missing_from_unit": 1, "missing_to_unit": 1, "self_routing": 1}
    # shuffling the log changes nothing but the row order of the evidence
    shuffled = wb.Casebook.from_frames(cases=pd.DataFrame({"case_id": ["X"], "received_at": ["2025-01-01"]}),
                                       events=events.iloc[::-1], now="2026-01-01")
    assert routing_edges(shuffled)[["source", "target", "events"]].values.tolist() == [["A", "B", 1]]


def test_transfer_network_exact(book, seg, blame, buck):
    G = transfer_network(book, custody=seg, blame=blame, buck=buck)
    assert isinstance(G, nx.DiGraph)
    assert sorted(G.edges) == [("A", "B"), ("B", "A"), ("OFF", "A"), ("OFF", "C")]
    ab, ba, oa, oc = G["A"]["B"], G["B"]["A"], G["OFF"]["A"], G["OFF"]["C"]
    assert (ab["median_hold_days"], ba["median_hold_days"], oa["median_hold_days"], oc["median_hold_days"]) == \
        (3.0, 13.5, 3.0, 13.0)
    # late days of the receiving unit in the edge's cases: B in K1,K2 = 7; A in K1,K2 = 5 + 2
    assert (ab["overdue_days"], ba["overdue_days"], oa["overdue_days"], oc["overdue_days"]) == (7.0, 7.0, 7.0, 0.0)
    assert (ab["buck_score"], ba["buck_score"], oa["buck_score"]) == (2.5, 2.5, 0.0)
    assert ab["buck"] and ba["buck"] and not oa["buck"] and not oc["buck"]
    assert oc["case_ids"] == ["K3", "K4"]
    assert G.nodes["A"] == {"name": "青山县住建局", "level": "county", "unit_kind": "职能部门", "region_code": "339921",
                            "cases_held": 3, "late_days": 7.0, "late_cases": 2}
    assert G.nodes["B"]["late_days"] == 7.0 and G.nodes["B"]["cases_held"] == 2
    assert G.nodes["OFF"]["cases_held"] == 4 and G.nodes["C"]["cases_held"] == 2
    assert "GOV" not in G  # the government neither routed nor held a case


def test_transfer_network_computes_what_is_not_given(book):
    G = transfer_network(book)
    assert sorted(G.edges) == [("A", "B"), ("B", "A"), ("OFF", "A"), ("OFF", "C")]
    assert G["A"]["B"]["median_hold_days"] == 3.0
    # the A–B pair is the buck-passing pair of this book
    top = max(G.edges, key=lambda e: G.edges[e]["buck_score"])
    assert set(top) == {"A", "B"}
    # too few bounces to be flagged as buck-passing (buck_passing's min_flag is 5) ...
    assert not G.edges[top]["buck"]
    # ... unless any score above a threshold is asked for
    assert transfer_network(book, buck_min_score=0.0).edges[top]["buck"]
    assert G["OFF"]["C"]["buck_score"] <= G["A"]["B"]["buck_score"]


# --------------------------------------------------------------------------- accountability


def test_accountability_network_exact(book, seg, blame):
    G = accountability_network(book, blame=blame, custody=seg)
    kinds = {n: d["kind"] for n, d in G.nodes(data=True)}
    assert sorted(n for n, k in kinds.items() if k == "person") == ["person:L1", "person:L2"]
    assert sorted(n for n, k in kinds.items() if k == "case") == ["case:K1", "case:K2", "case:K3"]  # K4 has no leader
    l1 = G.nodes["person:L1"]
    assert (l1["name"], l1["cases"], l1["late_cases"], l1["late_days"], l1["late_share"]) == ("张明", 2, 2, 14.0, 1.0)
    l2 = G.nodes["person:L2"]
    assert (l2["cases"], l2["late_cases"], l2["late_days"]) == (1, 0, 0.0)
    a = G.nodes["unit:A"]
    assert (a["cases"], a["late_cases"], a["late_days"]) == (3, 2, 7.0)
    assert G.edges["person:L1", "case:K2"]["kind"] == "leads"
    held = G.edges["case:K1", "unit:A"]
    assert (held["kind"], held["days_held"], held["late_days"]) == ("held", 27.0, 5.0)
    assert G.edges["case:K3", "unit:C"]["days_held"] == 16.0  # the co-handling unit is a holder too
    assert leader_table(G)["person_id"].tolist() == ["L1", "L2"]


def test_leader_unit_network_exact(book, seg, blame):
    G = leader_unit_network(book, blame=blame, custody=seg)
    assert not any(d["kind"] == "case" for _, d in G.nodes(data=True))
    assert sorted(G.edges("person:L1")) == [("person:L1", "unit:A"), ("person:L1", "unit:B"), ("person:L1", "unit:OFF")]
    la, lb = G.edges["person:L1", "unit:A"], G.edges["person:L1", "unit:B"]
    assert (la["cases"], la["late_cases"], la["late_days"], la["case_ids"]) == (2, 2, 7.0, ["K1", "K2"])
    assert (lb["cases"], lb["late_cases"], lb["late_days"]) == (2, 1, 7.0)
    assert sorted(G.edges("person:L2")) == [("person:L2", "unit:A"), ("person:L2", "unit:C"), ("person:L2", "unit:OFF")]


# --------------------------------------------------------------------------- investigation graph


def test_investigation_graph_relations(book):
    G = investigation_graph(book, role="supervisor")
    assert isinstance(G, nx.MultiDiGraph)
    assert G.edges["petitioner:P2", "case:K3", "filed"]["at"] == pd.Timestamp("2025-01-04 09:00")
    routed = G.edges["unit:A", "unit:B", "routed"]
    assert (routed["transfers"], routed["n"], routed["case_ids"]) == (3, 3, ["K1", "K2"])
    assert routed["at"] == pd.Timestamp("2025-01-05 10:00")
    held = G.edges["case:K2", "unit:B", "held"]
    assert held["at"] == pd.Timestamp("2025-01-06 10:00") and held["n"] == 4  # received twice, acted twice
    assert G.edges["person:L1", "case:K1", "leads"]["case_ids"] == ["K1"]
    assert G.has_edge("case:K1", "issue:城乡建设_村镇建设", "about")
    assert G.has_edge("case:K3", "issue:城乡建设_村镇建设", "about")
    assert G.has_edge("person:H1", "unit:A", "member_of") and G.has_edge("unit:A", "unit:GOV", "parent")
    assert G.edges["person:H1", "case:K2", "acted"]["n"] == 2
    assert G.nodes["unit:A"]["label"] == "青山县住建局" and G.nodes["unit:A"]["kind"] == "unit"
    assert G.nodes["issue:国土资源_土地征收"]["label"] == "国土资源_土地征收"


def test_privacy_of_petitioners(book):
    sup = investigation_graph(book, role="supervisor")
    ana = investigation_graph(book, role="analyst")
    private = {"id_number", "phone", "address"}
    tra = investigation_graph(book, role="trainer")
    for G in (sup, ana, tra):
        for _n, d in G.nodes(data=True):
            if d["kind"] == "petitioner":
                assert not private & set(d)
    from workbench.privacy import masker_for

    msk = masker_for("analyst")
    alias, rec = msk.pseudonym, msk.record_id
    labels = {G.graph["role"]: {n: d["label"] for n, d in G.nodes(data=True) if d["kind"] == "petitioner"}
              for G in (sup, ana, tra)}
    assert labels["supervisor"] == {"petitioner:P1": "王建国（P1）", "petitioner:P2": "李四（P2）",
                                    "petitioner:P4": "钱七（P4）"}
    # the analyst's records go by their keyed stand-ins (record ids are plain hashes of personal
    # data), labelled by keyed pseudonyms
    assert labels["analyst"] == {f"petitioner:{rec('P1')}": alias("P1"), f"petitioner:{rec('P2')}": alias("P2")}
    assert labels["trainer"] == {"petitioner:P1": "王建国", "petitioner:P2": "李四"}  # synthetic names, no accuser
    assert sup.nodes["petitioner:P1"]["name"] == "王建国"
    assert "name" not in ana.nodes[f"petitioner:{rec('P1')}"] and "name" not in tra.nodes["petitioner:P1"]
    # around= takes the stand-in the analyst sees (or the record id) and answers in stand-ins
    for seed in (rec("P1"), "P1"):
        near_p1 = investigation_graph(book, around=f"petitioner:{seed}", hops=1, role="analyst")
        assert near_p1.graph["around"] == f"petitioner:{rec('P1')}" and f"petitioner:{rec('P1')}" in near_p1
        assert not [n for n in near_p1 if n.startswith("petitioner:P")]
    # the accuser of K4 (揭发控告) is only linked for the supervisor
    assert sup.has_edge("petitioner:P4", "case:K4", "filed")
    assert f"petitioner:{rec('P4')}" not in ana and "petitioner:P4" not in ana and "case:K4" in ana
    assert ana.graph["accusation_links_hidden"] == 1
    near = investigation_graph(book, around="case:K4", hops=3, role="analyst")
    assert not any(d["kind"] == "petitioner" and n == "petitioner:P4" for n, d in near.nodes(data=True))


def test_config_role_is_the_default(book):
    wb.set_config(role="analyst")
    assert "petitioner:P4" not in investigation_graph(book)
    wb.set_config(role="supervisor")
    assert "petitioner:P4" in investigation_graph(book)


def test_neighbourhood_exact(book):
    G = investigation_graph(book, around="petitioner:P2", hops=1, role="trainer")
    assert sorted(G.nodes) == ["case:K2", "case:K3", "petitioner:P2"]
    assert sorted((u, v, k) for u, v, k in G.edges(keys=True)) == [
        ("petitioner:P2", "case:K2", "filed"), ("petitioner:P2", "case:K3", "filed")]
    G2 = investigation_graph(book, around="petitioner:P2", hops=2, role="trainer",
                             relations=["filed", "responsible", "leads", "about"])
    assert sorted(G2.nodes) == ["case:K2", "case:K3", "issue:国土资源_土地征收", "issue:城乡建设_村镇建设",
                                "person:L1", "person:L2", "petitioner:P2", "unit:A", "unit:B"]
    with pytest.raises(ValueError):
        investigation_graph(book, around="U0088")


def test_hubs_are_kept_but_not_expanded(book):
    # ring 1 of K1: P1, OFF, A, B (units), L1 (包案), H1, H2 (handlers), its issue. With a limit of 3
    # distinct neighbours OFF (7), A (7), B (5) and H1 (K1 K2 K3 A: 4) are hubs; L1 adds K2 and GOV,
    # H2 adds K2, the issue adds K3. Without the limit OFF also brings K4 and C.
    G = investigation_graph(book, around="case:K1", hops=2, role="trainer", hub_limit=3)
    assert sorted(G.nodes) == sorted(["case:K1", "petitioner:P1", "unit:OFF", "unit:A", "unit:B", "person:L1",
                                      "person:H1", "person:H2", "issue:城乡建设_村镇建设", "case:K2", "unit:GOV",
                                      "case:K3"])
    assert G.graph["not_expanded"] == ["person:H1", "unit:A", "unit:B", "unit:OFF"]
    full = investigation_graph(book, around="case:K1", hops=2, role="trainer", hub_limit=None)
    assert set(full.nodes) - set(G.nodes) == {"case:K4", "unit:C"} and full.graph["not_expanded"] == []
    assert G.edges["case:K2", "unit:B", "held"] == full.edges["case:K2", "unit:B", "held"]


@pytest.mark.parametrize("seed", ["unit:U0088", "person:L00250", "issue:国土资源_土地征收"])
def test_neighbourhood_equals_ego_network_of_whole_graph(generated, generated_graph, seed):
    full = generated_graph
    near = investigation_graph(generated, around=seed, hops=2, role="trainer", hub_limit=None)
    ego = ego_network(full, seed, 2)
    assert len(near) > 10
    assert set(near.nodes) == set(ego.nodes)
    assert set(near.edges(keys=True)) == set(ego.edges(keys=True))
    e = next(iter(near.edges(keys=True)))
    assert near.edges[e] == full.edges[e]


def test_paths(book):
    G = investigation_graph(book, role="trainer")
    p = shortest_path(G, "petitioner:P1", "unit:C")
    assert p["step"].max() == 2  # P1 -filed- K1 -registered_by/held- OFF -routed- C
    nodes = [p["source"].iat[0]] + p.drop_duplicates("step")["target"].tolist()
    assert nodes[0] == "petitioner:P1" and nodes[-1] == "unit:C"
    assert p.loc[p["step"] == 0, "case_ids"].iat[0] == ["K1"]
    assert shortest_path(G, "unit:A", "unit:A").empty


def test_time_respecting_path_exact():
    G = nx.MultiDiGraph()
    t = pd.Timestamp
    G.add_edge("a", "b", key="x", kind="x", at=t("2025-01-05"), case_ids=["1"])
    G.add_edge("b", "c", key="x", kind="x", at=t("2025-01-03"), case_ids=["2"])
    G.add_edge("a", "d", key="x", kind="x", at=t("2025-01-01"), case_ids=["3"])
    G.add_edge("e", "d", key="x", kind="x", at=t("2025-01-02"), case_ids=["4"])  # read backwards
    G.add_edge("e", "f", key="parent", kind="parent")  # timeless
    G.add_edge("f", "c", key="x", kind="x", at=t("2025-01-04"), case_ids=["5"])
    assert shortest_path(G, "a", "c")["target"].tolist() == ["b", "c"]
    p = time_respecting_path(G, "a", "c")
    assert p["target"].tolist() == ["d", "e", "f", "c"]
    assert p["direction"].tolist() == ["forward", "backward", "forward", "forward"]
    times = p["at"].dropna()
    assert times.is_monotonic_increasing and times.iat[-1] == t("2025-01-04")
    assert time_respecting_path(G, "a", "c", start="2025-01-03").empty  # a's only later edge leads to b → c at 01-03


def test_centrality_and_communities():
    G = nx.Graph()
    left, right = ["a", "b", "c", "d"], ["w", "x", "y", "z"]
    G.add_edges_from((u, v) for grp in (left, right) for i, u in enumerate(grp) for v in grp[i + 1:])
    G.add_edge("d", "w")
    for n in G:
        G.nodes[n]["kind"] = "unit"
    deg = centrality(G, "degree")
    assert deg["node"].tolist()[:2] == ["d", "w"] and deg["score"].tolist()[:2] == [4.0, 4.0]
    bet = centrality(G, "betweenness")
    assert set(bet["node"][:2]) == {"d", "w"} and bet["rank"].tolist() == list(range(1, 9))
    sampled = centrality(G, "betweenness", k=8, sample_above=1)
    assert np.allclose(sampled.set_index("node")["score"], bet.set_index("node")["score"])
    pr = centrality(G, "pagerank")
    assert abs(pr["score"].sum() - 1) < 1e-9
    com = communities(G, seed=1)
    groups = com.groupby("community")["node"].apply(set).tolist()
    assert sorted(groups, key=min) == [set(left), set(right)]


def test_centrality_on_investigation_graph(book):
    G = investigation_graph(book, role="analyst")
    units = centrality(G, "degree", node_kind="unit")
    # OFF: K1-K4, A, C, GOV; A: K1-K3, OFF, B, GOV, H1 — seven distinct neighbours each
    assert units["node"].tolist()[:2] == ["unit:A", "unit:OFF"] and units["score"].tolist()[:3] == [7, 7, 6]
    assert (units["kind"] == "unit").all()


# --------------------------------------------------------------------------- exports


def _graphs(book, seg, blame, buck):
    return {
        "transfer": transfer_network(book, custody=seg, blame=blame, buck=buck),
        "accountability": accountability_network(book, blame=blame, custody=seg),
        "investigation": investigation_graph(book, role="analyst"),
    }


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape"])
def test_exports_round_trip(book, seg, blame, buck, tmp_path, fmt):
    for name, G in _graphs(book, seg, blame, buck).items():
        path = tmp_path / f"{name}.{fmt}"
        if fmt == "graphml":
            to_graphml(G, path)
            R = nx.read_graphml(path)
        elif fmt == "gexf":
            to_gexf(G, path)
            R = nx.read_gexf(path)
        else:
            write_cytoscape(G, path)
            R = nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")))
        assert set(R.nodes) == set(G.nodes), (name, fmt)
        assert R.number_of_edges() == G.number_of_edges(), (name, fmt)
        if G.is_multigraph():
            kinds = sorted((u, v, d["kind"]) for u, v, d in R.edges(data=True))
            assert kinds == sorted((u, v, d["kind"]) for u, v, d in G.edges(data=True))
        else:
            assert set(R.edges) == set(G.edges)
        for n, d in G.nodes(data=True):
            for key in ("kind", "label", "name", "cases_held", "late_days"):
                if key in d:
                    assert R.nodes[n][key] == d[key], (name, fmt, n, key)
    T = _graphs(book, seg, blame, buck)["transfer"]
    R = nx.read_graphml(tmp_path / "transfer.graphml") if fmt == "graphml" else (
        nx.read_gexf(tmp_path / "transfer.gexf") if fmt == "gexf"
        else nx.cytoscape_graph(json.loads((tmp_path / "transfer.cytoscape").read_text(encoding="utf-8"))))
    e = next(iter(R.get_edge_data("OFF", "C").values())) if R.is_multigraph() else R.edges["OFF", "C"]
    assert e["case_ids"] == "K3;K4" and e["assigns"] == 2 and e["median_hold_days"] == 13.0
    assert e["first_at"] == "2025-01-04T10:00:00"
    assert bool(e["buck"]) is False
    assert T.graph["skipped"] == {"missing_from_unit": 0, "missing_to_unit": 0, "self_routing": 0}


def test_flatten_rules():
    G = nx.MultiDiGraph(skipped={"a": 1})
    G.add_node(1, x=np.int64(3), t=np.datetime64("2025-01-02T03:04:05"), gone=float("nan"), when=pd.NaT)
    G.add_node(2, x=2.5)
    G.add_edge(1, 2, key="routed", ids=["a", "b"], empty=[], flag=np.bool_(True))
    H = flatten_attributes(G)
    assert H.nodes["1"] == {"x": 3.0, "t": "2025-01-02T03:04:05"}  # int and float mixed -> float
    assert H.nodes["2"] == {"x": 2.5}
    assert H.edges["1", "2", "routed"] == {"ids": "a;b", "empty": "", "flag": True}
    assert H.graph == {"skipped": '{"a": 1}'}
    assert json.dumps(to_cytoscape(G))  # serialisable


# --------------------------------------------------------------------------- the sample's planted patterns


def test_sample_buck_pair_is_the_top_reciprocal_pair(sample_book):
    G = transfer_network(sample_book.book)
    pair = set(sample_book.truth["buck_passing"]["unit_ids"])
    reciprocal = [(u, v) for u, v in G.edges if u < v and G.has_edge(v, u)]
    top = max(reciprocal, key=lambda e: (G.edges[e]["buck_score"], G.edges[e[::-1]]["buck_score"]))
    assert set(top) == pair
    u, v = sorted(pair)
    assert G[u][v]["buck"] and G[v][u]["buck"]
    assert G[u][v]["returns"] + G[v][u]["returns"] > 0


def test_sample_overdue_leader_has_the_highest_late_share(sample_book):
    G = accountability_network(sample_book.book)
    t = leader_table(G, min_cases=20)
    truth = sample_book.truth["overdue_leader"]
    assert t["person_id"].iat[0] == truth["person_id"]
    assert t["cases"].iat[0] >= 0.9 * truth["planted_cases"]
    assert t["late_share"].iat[0] > 2 * t["late_share"].iloc[1:].median()


def test_sample_investigation_around_the_buck_pair(sample_book):
    a, b = sample_book.truth["buck_passing"]["unit_ids"]
    G = investigation_graph(sample_book.book, around=f"unit:{a}", hops=1, role="analyst")
    assert G.has_edge(f"unit:{a}", f"unit:{b}", "routed") and G.has_edge(f"unit:{b}", f"unit:{a}", "routed")
    planted = set(sample_book.truth["buck_passing"]["case_ids"])
    routed = set(G.edges[f"unit:{a}", f"unit:{b}", "routed"]["case_ids"]) | \
        set(G.edges[f"unit:{b}", f"unit:{a}", "routed"]["case_ids"])
    assert len(routed & planted) >= 0.8 * len(routed)
    p = shortest_path(G, f"unit:{a}", f"unit:{b}")
    assert p["step"].max() == 0 and set(p["kind"]) >= {"routed"}
