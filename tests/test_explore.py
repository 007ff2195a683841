"""kg.explore and its commands: the claim index, networkx graph, paths, statistics, selections."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import ExploreError
from kg.explore import (
    MECHANISTIC_RELATIONS,
    default_relations,
    neighbourhood,
    paths,
    query_selection,
    read_index,
    resolve,
    resolve_relation,
    selected_view,
    stats,
    to_networkx,
)
from kg.graph import build_graph, load_graph
from kg.namespaces import ENTITY, KG
from kg.ontology import load_ontology_from_text
from kg.query import run_query
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix biolink: <https://w3id.org/biolink/vocab/> .

kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:Cell ;
    skos:prefLabel "mesenchymal stem cell"@en ; skos:altLabel "stromal cell"@en ; kg:abbreviation "MSC" .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:Interleukin1Beta a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "interleukin-1 beta"@en ;
    kg:abbreviation "IL-1b" .
kg:Inflammation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "inflammation"@en .
kg:ImmuneResponse a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "immune response"@en .
kg:BoneMarrow a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "bone marrow"@en ;
    skos:altLabel "marrow"@en .
kg:Marrow a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "marrow tissue"@en ;
    skos:altLabel "marrow"@en .
kg:StemCellTherapy a owl:Class ; rdfs:subClassOf kg:Intervention ; skos:prefLabel "stem cell therapy"@en .
kg:LowBackPain a owl:Class ; rdfs:subClassOf kg:PhenotypicFeature ; skos:prefLabel "low back pain"@en .
kg:DegenerativeDiscDisease a owl:Class ; rdfs:subClassOf kg:Disease ; skos:prefLabel "degenerative disc disease"@en .
kg:Aggrecan a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "aggrecan"@en .
kg:Chondrocyte a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "chondrocyte"@en .
kg:Cartilage a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "cartilage"@en .

kg:upregulates a owl:ObjectProperty ; rdfs:subPropertyOf kg:drives ; rdfs:label "upregulates"@en ;
    kg:trigger "upregulate" .
"""

TEXT_A = (
    "MSCs secrete growth factors. Growth factors reduce inflammation. MSCs inhibit IL-1b. "
    "IL-1b drives inflammation. MSCs do not drive an immune response. The immune response drives inflammation. "
    "MSCs are derived from bone marrow. Stem cell therapy uses MSCs. Stem cell therapy relieves low back pain. "
    "Aggrecan is mentioned. MSCs upregulate cartilage."
)
TEXT_B = "Degenerative disc disease may cause low back pain. Growth factors dampen inflammation."
DOC_A = Document(content_id(TEXT_A), "a.txt", TEXT_A, title="A")
DOC_B = Document(content_id(TEXT_B), "b.txt", TEXT_B, title="B")


def k(name: str) -> str:
    return str(KG[name])


def e(name: str) -> str:
    return str(ENTITY[name])


def ev(doc: Document, sentence: str, subj: str, obj: str, modality=Modality.ASSERTED, confidence=0.8) -> Evidence:
    start = doc.text.index(sentence)
    a, b = doc.text.index(subj, start), doc.text.index(obj, start)
    index = doc.text[:start].count(". ")
    return Evidence(
        doc.doc_id, doc.source, sentence, index, Span(start, start + len(sentence)),
        subj, Span(a, a + len(subj)), obj, Span(b, b + len(obj)), "", None, "test", modality, confidence,
    )


def rel(subj: str, pred: str, obj: str, *evidence: Evidence) -> Relation:
    return Relation(k(subj), k(pred), k(obj), tuple(evidence))


RELATIONS = [
    rel("MesenchymalStemCell", "secretes", "GrowthFactor", ev(DOC_A, "MSCs secrete growth factors.", "MSCs", "growth factors")),
    rel(
        "GrowthFactor", "inhibits", "Inflammation",
        ev(DOC_A, "Growth factors reduce inflammation.", "Growth factors", "inflammation", confidence=0.6),
        ev(DOC_B, "Growth factors dampen inflammation.", "Growth factors", "inflammation", confidence=0.5),
    ),
    rel("MesenchymalStemCell", "inhibits", "Interleukin1Beta", ev(DOC_A, "MSCs inhibit IL-1b.", "MSCs", "IL-1b", confidence=0.9)),
    rel("Interleukin1Beta", "drives", "Inflammation", ev(DOC_A, "IL-1b drives inflammation.", "IL-1b", "inflammation", confidence=0.9)),
    rel(
        "MesenchymalStemCell", "drives", "ImmuneResponse",
        ev(DOC_A, "MSCs do not drive an immune response.", "MSCs", "immune response", Modality.NEGATED),
    ),
    rel("ImmuneResponse", "drives", "Inflammation", ev(DOC_A, "The immune response drives inflammation.", "immune response", "inflammation")),
    rel("MesenchymalStemCell", "derived_from", "BoneMarrow", ev(DOC_A, "MSCs are derived from bone marrow.", "MSCs", "bone marrow")),
    rel("StemCellTherapy", "uses", "MesenchymalStemCell", ev(DOC_A, "Stem cell therapy uses MSCs.", "Stem cell therapy", "MSCs")),
    rel("StemCellTherapy", "treats", "LowBackPain", ev(DOC_A, "Stem cell therapy relieves low back pain.", "Stem cell therapy", "low back pain")),
    rel(
        "DegenerativeDiscDisease", "causes", "LowBackPain",
        ev(DOC_B, "Degenerative disc disease may cause low back pain.", "Degenerative disc disease", "low back pain", Modality.HEDGED),
    ),
    rel("MesenchymalStemCell", "upregulates", "Cartilage", ev(DOC_A, "MSCs upregulate cartilage.", "MSCs", "cartilage")),
]


def make_graph() -> Graph:
    start = TEXT_A.index("Aggrecan")
    mentions = [
        Mention(DOC_A.doc_id, k("Aggrecan"), "Aggrecan", Span(start, start + 8), 9),
        Mention(DOC_A.doc_id, k("Marrow"), "marrow", Span(0, 1), 0),
    ]
    return build_graph(load_ontology_from_text(ONTOLOGY), [DOC_A, DOC_B], RELATIONS, mentions)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return make_graph()


@pytest.fixture(scope="module")
def index(graph):
    return read_index(graph)


# ---------------------------------------------------------------------------
# The index and the networkx graph
# ---------------------------------------------------------------------------


def test_index_entities(index):
    msc = index.entities[e("MesenchymalStemCell")]
    assert msc.label == "mesenchymal stem cell"
    assert set(msc.synonyms) == {"stromal cell", "MSC"}
    assert (msc.category, msc.category_label, msc.biolink) == (k("Cell"), "cell", ("biolink:Cell",))
    assert index.entities[e("StemCellTherapy")].biolink == ("biolink:Procedure", "biolink:Treatment")
    assert index.entities[e("Aggrecan")].mentions == 1
    assert list(index.entities) == sorted(index.entities)


def test_index_claims(index):
    assert len(index.claims) == len(RELATIONS)
    (negated,) = [c for c in index.claims if c.negated]
    assert (negated.subject, negated.relation, negated.modality) == (e("MesenchymalStemCell"), "drives", "negated")
    (pooled,) = [c for c in index.claims if c.predicate == k("inhibits") and c.subject == e("GrowthFactor")]
    assert [(s.source, s.sentence) for s in pooled.evidence] == [
        ("a.txt", "Growth factors reduce inflammation."),
        ("b.txt", "Growth factors dampen inflammation."),
    ]
    assert pooled.confidence == pytest.approx(0.8)  # noisy-or of 0.6 and 0.5


@pytest.mark.parametrize(
    ("relation", "biolink"),
    [
        ("causes", ("biolink:causes",)),  # skos:exactMatch
        ("uses", ("biolink:has_participant",)),  # skos:closeMatch
        ("drives", ("biolink:regulates",)),  # skos:broadMatch
        ("secretes", ("biolink:produces",)),  # relatedMatch ignored; from its super-property kg:produces
        ("upregulates", ("biolink:regulates",)),  # a user's sub-property of kg:drives
        ("compresses", ()),  # no alignment
    ],
)
def test_relation_biolink_predicates(index, relation, biolink):
    assert index.relations[k(relation)].biolink == biolink


def test_networkx_graph(graph):
    nxg = to_networkx(graph)
    assert nxg.number_of_nodes() == 12 and nxg.number_of_edges() == len(RELATIONS)
    assert nxg.nodes[e("MesenchymalStemCell")]["biolink_category"] == "biolink:Cell"
    edges = {data["label"]: data for _, _, data in nxg.edges(data=True)}
    assert edges["secretes"]["biolink_predicate"] == "biolink:produces"
    assert edges["secretes"]["negated"] is False and edges["secretes"]["evidence_count"] == 1
    negated = [d for _, _, d in nxg.edges(data=True) if d["negated"]]
    assert [d["modality"] for d in negated] == ["negated"]
    for _, data in nxg.nodes(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in data.values())


def test_direct_triple_without_a_statement_is_a_claim():
    g = make_graph()
    g.add((ENTITY.Aggrecan, KG["part_of"], ENTITY.Cartilage))
    (claim,) = [c for c in read_index(g).claims if c.subject == e("Aggrecan")]
    assert claim.id.startswith("urn:kg:triple:") and claim.evidence == () and claim.relation == "part of"


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "mesenchymal stem cell",
        "  Mesenchymal   STEM cell ",
        "MSC",
        "stromal cell",
        "ent:MesenchymalStemCell",
        "kg:MesenchymalStemCell",
        "MesenchymalStemCell",
        e("MesenchymalStemCell"),
        f"<{e('MesenchymalStemCell')}>",
    ],
)
def test_resolve(index, name):
    assert resolve(index, name).iri == e("MesenchymalStemCell")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mesenchymal stem cel", "close matches: 'mesenchymal stem cell'"),
        ("chondrocyte", "the ontology has it (kg:Chondrocyte) but no text in this graph mentions it"),
        ("marrow", "names 2 entities: bone marrow (ent:BoneMarrow); marrow tissue (ent:Marrow)"),
        ("", "expected a concept name"),
        ("zzzz", "no entity called 'zzzz'"),
    ],
)
def test_resolve_errors(index, name, message):
    with pytest.raises(ExploreError, match="E900") as info:
        resolve(index, name)
    assert message in str(info.value)


@pytest.mark.parametrize("name", ["differentiates into", "differentiates_into", "kg:differentiates_into", k("differentiates_into"), "Derived From"])
def test_resolve_relation(index, name):
    assert resolve_relation(index, name).iri in (k("differentiates_into"), k("derived_from"))


def test_unknown_relation_lists_the_valid_ones(index):
    with pytest.raises(ExploreError, match="no relation type called 'secrets'; valid: .*secretes"):
        resolve_relation(index, "secrets")


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


def chains(result) -> list[list[tuple[str, str, str]]]:
    return [[(h.subject_label, h.relation_label, h.object_label) for h in p.hops] for p in result.paths]


def test_shortest_paths_best_supported_first(index):
    result = paths(index, "MSC", "inflammation")
    assert chains(result) == [
        [("mesenchymal stem cell", "inhibits", "interleukin-1 beta"), ("interleukin-1 beta", "drives", "inflammation")],
        [("mesenchymal stem cell", "secretes", "growth factor"), ("growth factor", "inhibits", "inflammation")],
    ]
    assert result.paths[0].score == pytest.approx(0.81) and result.paths[1].score == pytest.approx(0.64)
    assert result.paths[0].nodes == (e("MesenchymalStemCell"), e("Interleukin1Beta"), e("Inflammation"))
    assert not result.truncated


def test_each_hop_carries_its_evidence(index):
    hop = paths(index, "MSC", "inflammation").paths[1].hops[1]
    assert [(s.sentence, s.source, s.modality) for s in hop.evidence] == [
        ("Growth factors reduce inflammation.", "a.txt", "asserted"),
        ("Growth factors dampen inflammation.", "b.txt", "asserted"),
    ]
    assert hop.claim.startswith("https://w3id.org/kg/statement/")


def test_negated_claims_are_not_followed_unless_asked(index):
    with_negated = paths(index, "MSC", "inflammation", include_negated=True)
    assert [("mesenchymal stem cell", "drives", "immune response"), ("immune response", "drives", "inflammation")] in chains(with_negated)
    assert len(with_negated.paths) == 3


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"max_hops": 1}, 0),
        ({"relations": ["secretes", "inhibits"]}, 1),
        ({"relations": ["drives"]}, 0),
        ({"limit": 1}, 1),
    ],
)
def test_path_options(index, options, expected):
    assert len(paths(index, "MSC", "inflammation", **options).paths) == expected


def test_limit_reports_truncation(index):
    assert paths(index, "MSC", "inflammation", limit=1).truncated


def test_default_relations_are_mechanistic(index):
    chosen = set(default_relations(index))
    assert {k(name) for name in ("drives", "inhibits", "secretes", "treats", "uses", "part_of")} <= chosen
    assert k("upregulates") in chosen  # a sub-property of kg:drives
    assert not {k("derived_from"), k("is_a"), k("alternative_to")} & chosen
    assert "drives" in MECHANISTIC_RELATIONS
    assert paths(index, "MSC", "bone marrow").paths == ()
    assert len(paths(index, "MSC", "bone marrow", relations=["derived from"]).paths) == 1


def test_any_direction_walks_claims_backwards(index):
    assert paths(index, "MSC", "low back pain").paths == ()
    result = paths(index, "MSC", "low back pain", any_direction=True)
    (found,) = result.paths
    assert [(h.relation_label, h.forward) for h in found.hops] == [("uses", False), ("treats", True)]
    assert found.nodes == (e("MesenchymalStemCell"), e("StemCellTherapy"), e("LowBackPain"))


@pytest.mark.parametrize(
    ("start", "end", "options", "message"),
    [
        ("MSC", "mesenchymal stem cell", {}, "same entity"),
        ("MSC", "inflamation", {}, "close matches: 'inflammation'"),
        ("MSC", "inflammation", {"max_hops": 0}, "max_hops must be 1 or more"),
        ("MSC", "inflammation", {"relations": ["secrets"]}, "no relation type called 'secrets'"),
    ],
)
def test_path_errors(index, start, end, options, message):
    with pytest.raises(ExploreError, match=message):
        paths(index, start, end, **options)


def test_paths_are_deterministic(graph):
    assert paths(make_graph(), "MSC", "inflammation", include_negated=True) == paths(graph, "MSC", "inflammation", include_negated=True)


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def test_stats(index):
    s = stats(index, top=3)
    assert (s.entities, s.claims, s.documents, s.evidence) == (12, 11, 2, 12)
    assert dict((c.name, c.count) for c in s.by_modality) == {"asserted": 9, "hedged": 1, "negated": 1}
    assert s.by_relation[0].name == "drives" and s.by_relation[0].count == 3
    assert dict((c.name, c.count) for c in s.by_category)["chemical entity"] == 3
    top = s.most_connected[0]
    assert (top.label, top.degree, top.out_degree, top.in_degree) == ("mesenchymal stem cell", 5, 4, 1)  # negated claim not counted
    assert len(s.most_connected) == 3
    # {MSC, GF, IL-1b, inflammation, immune response, bone marrow, therapy, pain, DDD, cartilage}; aggrecan, marrow tissue alone;
    # the immune response joins only through a claim of its own (the negated one does not link it)
    assert s.component_sizes == (10, 1, 1) and s.components == 3 and s.isolated == 2
    assert json.loads(json.dumps(s.to_dict()))["claims"] == 11


# ---------------------------------------------------------------------------
# Selections for the view
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        (0, {"MesenchymalStemCell"}),
        (1, {"MesenchymalStemCell", "GrowthFactor", "Interleukin1Beta", "ImmuneResponse", "BoneMarrow", "StemCellTherapy", "Cartilage"}),
    ],
)
def test_neighbourhood(index, hops, expected):
    assert neighbourhood(index, "MSC", hops).entities == {e(n) for n in expected}


def test_neighbourhood_two_hops_reaches_further(index):
    assert {e("Inflammation"), e("LowBackPain")} <= neighbourhood(index, "MSC", 2).entities


def test_select_query_takes_entities_and_the_claims_among_them(graph):
    result = run_query(graph, "SELECT ?e WHERE { ?e kg:category kg:ChemicalEntity }")
    selection = query_selection(graph, result)
    assert selection.entities == {e("GrowthFactor"), e("Interleukin1Beta"), e("Aggrecan")}
    assert selection.claims is None


def test_select_query_of_statements_brings_their_entities(graph):
    result = run_query(graph, "SELECT ?s WHERE { ?s a rdf:Statement ; rdf:predicate kg:secretes }")
    assert query_selection(graph, result).entities == {e("MesenchymalStemCell"), e("GrowthFactor")}


def test_construct_query_takes_only_the_claims_it_names(graph):
    result = run_query(graph, "CONSTRUCT { ?a kg:inhibits ?b } WHERE { ?a kg:inhibits ?b }")
    selection = query_selection(graph, result)
    assert selection.entities == {e("MesenchymalStemCell"), e("Interleukin1Beta"), e("GrowthFactor"), e("Inflammation")}
    assert len(selection.claims) == 2 and selection.extra_edges == ()


def test_construct_query_edges_without_claims_are_kept(graph):
    result = run_query(graph, "CONSTRUCT { ?a kg:relatedTo ?b } WHERE { ?a kg:secretes ?b }")
    (extra,) = query_selection(graph, result).extra_edges
    assert (extra.source, extra.target, extra.label) == (e("MesenchymalStemCell"), e("GrowthFactor"), "kg:relatedTo")


def test_ask_query_cannot_be_drawn(graph):
    with pytest.raises(ExploreError, match="ASK"):
        query_selection(graph, run_query(graph, "ASK { ?a ?b ?c }"))


def test_selected_view(graph):
    data = selected_view(graph, focus="growth factor", hops=1)
    assert {n.label for n in data.nodes} == {"growth factor", "mesenchymal stem cell", "inflammation"}
    assert {e.label for e in data.edges} == {"secretes", "inhibits"}
    assert {entry.category for entry in data.legend} == {"cell", "chemical entity", "biological process"}
    constructed = selected_view(graph, query=run_query(graph, "CONSTRUCT { ?a kg:near ?b } WHERE { ?a kg:secretes ?b }"))
    assert [(e.label, e.evidence) for e in constructed.edges] == [("kg:near", ())]
    with pytest.raises(ExploreError, match="not both"):
        selected_view(graph, focus="MSC", query=run_query(graph, "SELECT ?e WHERE { ?e a ?c }"))


# ---------------------------------------------------------------------------
# The default corpus and the commands
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_graph(default_build) -> Graph:
    return load_graph(default_build)


def test_default_corpus_mechanism(default_graph):
    result = paths(default_graph, "MSC", "inflammation")
    assert [("mesenchymal stem cell", "secretes", "growth factor"), ("growth factor", "inhibits", "inflammation")] in chains(result)
    assert all(h.evidence for p in result.paths for h in p.hops)


def test_default_corpus_stats(default_graph):
    s = stats(default_graph)
    assert s.most_connected[0].label == "mesenchymal stem cell"
    assert s.claims == sum(c.count for c in s.by_relation) == sum(c.count for c in s.by_modality)
    assert sum(s.component_sizes) == s.entities


runner = CliRunner()


def test_cli_path(default_build):
    result = runner.invoke(app, ["path", str(default_build), "MSC", "inflammation"])
    assert result.exit_code == 0, result.output
    assert "mesenchymal stem cell -[secretes]-> growth factor -[inhibits]-> inflammation" in result.stdout
    assert "stem-cells-ddd.txt, sentence" in result.stdout


def test_cli_path_json(default_build):
    result = runner.invoke(app, ["path", str(default_build), "MSC", "pain", "--any-direction", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["any_direction"] and data["paths"]
    assert data["paths"][0]["hops"][0]["evidence"][0]["sentence"]


def test_cli_path_none_found(default_build):
    result = runner.invoke(app, ["path", str(default_build), "MSC", "pain", "--max-hops", "1"])
    assert result.exit_code == 0
    assert "No path found. Try --any-direction" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["MSC", "pian"], "close matches: 'pain'"),
        (["MSC", "pain", "-r", "secrets"], "no relation type called 'secrets'"),
    ],
)
def test_cli_path_errors(default_build, args, message):
    result = runner.invoke(app, ["path", str(default_build), *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_cli_stats(default_build):
    result = runner.invoke(app, ["stats", str(default_build), "--top", "3"])
    assert result.exit_code == 0, result.output
    for text in ("Entities by category", "Claims by relation type", "Most connected", "mesenchymal stem cell", "Components:"):
        assert text in result.stdout


def test_cli_stats_json(default_build, default_graph):
    result = runner.invoke(app, ["stats", str(default_build), "--format", "json", "--top", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(stats(default_graph, top=2).to_dict()))
    assert len(data["most_connected"]) == 2


def test_cli_on_a_missing_graph(tmp_path):
    result = runner.invoke(app, ["stats", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such graph file" in result.stderr



# ---------------------------------------------------------------------------
# The same selections read from an Oxigraph store (kg view on a build folder)
# ---------------------------------------------------------------------------


def _oxigraph(graph: Graph):
    import pyoxigraph as ox

    from kg.graph import to_sorted_ntriples

    store = ox.Store()
    store.load(to_sorted_ntriples(graph).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


@pytest.fixture(scope="module")
def store(graph):
    return _oxigraph(graph)


@pytest.mark.parametrize("name", ["MSC", "growth factor", "ent:Inflammation", "low back pain", "aggrecan"])
@pytest.mark.parametrize("hops", [0, 1, 2, 3])
def test_store_neighbourhood_is_the_graphs(graph, index, store, name, hops):
    from kg.explore import store_neighbourhood

    assert store_neighbourhood(store, name, hops) == neighbourhood(index, name, hops)


def test_store_neighbourhood_walks_direct_triples_and_resolves_as_the_index_does():
    from kg.explore import store_neighbourhood

    g = make_graph()
    g.add((ENTITY.Aggrecan, KG["part_of"], ENTITY.Cartilage))  # no statement behind it
    assert e("Cartilage") in store_neighbourhood(_oxigraph(g), "aggrecan", 1).entities
    assert store_neighbourhood(_oxigraph(g), "aggrecan", 1) == neighbourhood(g, "aggrecan", 1)
    with pytest.raises(ExploreError, match="close matches: 'mesenchymal stem cell'"):
        store_neighbourhood(_oxigraph(g), "MCS", 1)
    with pytest.raises(ExploreError, match="names 2 entities"):
        store_neighbourhood(_oxigraph(g), "marrow", 1)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?e WHERE { ?e kg:category kg:ChemicalEntity }",
        "SELECT ?s WHERE { ?s a rdf:Statement ; rdf:predicate kg:secretes }",
        "SELECT ?ev WHERE { ?ev kg:sentence ?text FILTER(CONTAINS(?text, 'IL-1b')) }",
        "CONSTRUCT { ?a kg:inhibits ?b } WHERE { ?a kg:inhibits ?b }",
        "CONSTRUCT { ?a kg:relatedTo ?b } WHERE { ?a kg:secretes ?b }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s a rdf:Statement ; ?p ?o }",
        "DESCRIBE ent:GrowthFactor",
        "SELECT ?x WHERE { ?x a kg:NoSuchClass }",
    ],
)
def test_store_query_selection_is_the_graphs(graph, store, query):
    from kg.explore import store_query_selection, store_selected_view
    from kg.store import oxigraph_query

    expected = query_selection(graph, run_query(graph, query))
    found = store_query_selection(store, oxigraph_query(store, query))
    assert found == expected
    assert store_selected_view(store, query=oxigraph_query(store, query)) == selected_view(graph, query=run_query(graph, query))


def test_store_query_selection_refuses_ask(store):
    from kg.explore import store_query_selection
    from kg.store import oxigraph_query

    with pytest.raises(ExploreError, match="ASK"):
        store_query_selection(store, oxigraph_query(store, "ASK { ?a ?b ?c }"))


@pytest.mark.parametrize(("focus", "hops"), [("growth factor", 1), ("MSC", 0), ("MSC", 2), ("low back pain", 3)])
def test_store_selected_view_is_the_graphs(graph, store, focus, hops):
    from kg.explore import store_selected_view

    found = store_selected_view(store, focus=focus, hops=hops)
    assert found == selected_view(graph, focus=focus, hops=hops)
    assert found.nodes  # a real selection, not two empty views


def test_store_selected_view_without_a_selection_draws_the_most_connected(graph, store):
    from kg.explore import store_selected_view
    from kg.view import view_data

    assert store_selected_view(store) == view_data(graph)
    with pytest.raises(ExploreError, match="not both"):
        from kg.store import oxigraph_query

        store_selected_view(store, focus="MSC", query=oxigraph_query(store, "SELECT ?e WHERE { ?e a ?c }"))


def test_open_oxigraph_reads_graph_files_and_reports_errors(tmp_path, graph):
    from kg.errors import GraphError
    from kg.explore import open_oxigraph
    from kg.graph import to_sorted_ntriples

    (tmp_path / "graph.nt").write_text(to_sorted_ntriples(graph), encoding="utf-8")
    (tmp_path / "g.ttl").write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
    (tmp_path / "g.jsonld").write_bytes(graph.serialize(format="json-ld", encoding="utf-8"))
    for path in (tmp_path / "graph.nt", tmp_path / "g.ttl", tmp_path / "g.jsonld", tmp_path):
        store, from_build = open_oxigraph(path)
        assert len(store) == len(graph) and from_build is False, path
    broken = tmp_path / "broken.nt"
    broken.write_text(to_sorted_ntriples(graph) + "<http://a> <http://b> .\n", encoding="utf-8")
    with pytest.raises(GraphError, match=rf"broken.nt:{len(graph) + 1}: not valid nt"):
        open_oxigraph(broken)
    with pytest.raises(GraphError, match="no such graph file"):
        open_oxigraph(tmp_path / "missing.ttl")
    (tmp_path / "g.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GraphError, match="unknown graph file type"):
        open_oxigraph(tmp_path / "g.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(GraphError, match="folder holds no store"):
        open_oxigraph(tmp_path / "empty")
