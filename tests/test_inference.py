"""Inference at query time: subclass closure and inverse relations through SPARQL property paths."""

from __future__ import annotations

import pytest

from kg.graph import build_graph, load_graph
from kg.ontology import load_ontology_from_text
from kg.pipeline import extract
from kg.query import get_query, run_query
from kg.records import Document, content_id

MODULE = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
kg:Cytokine a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "cytokine"@en .
kg:ProInflammatoryCytokine a owl:Class ; rdfs:subClassOf kg:Cytokine ; skos:prefLabel "pro-inflammatory cytokine"@en .
kg:Interleukin1Beta a owl:Class ; rdfs:subClassOf kg:ProInflammatoryCytokine ; skos:prefLabel "interleukin-1 beta"@en ;
    kg:abbreviation "IL-1β" .
kg:Disc a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "intervertebral disc"@en .
kg:Annulus a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "annulus fibrosus"@en .
kg:Nucleus a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "nucleus pulposus"@en .
kg:Macrophage a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "macrophage"@en .
"""

TEXT = (
    "The intervertebral disc consists of the annulus fibrosus. "
    "The nucleus pulposus is part of the intervertebral disc. "
    "Macrophages secrete IL-1β."
)


@pytest.fixture(scope="module")
def graph():
    ontology = load_ontology_from_text(MODULE)
    doc = Document(content_id(TEXT), "t.txt", TEXT)
    (result,) = list(extract([doc], ontology))
    return build_graph(ontology, [doc], result.relations, result.mentions)


def test_the_text_states_has_part_and_part_of(graph):
    rows = run_query(graph, "SELECT ?p WHERE { ent:Disc ?p ent:Annulus }").values()
    assert rows == [("https://w3id.org/kg/ontology/has_part",)]


def test_subclass_closure_finds_il1b_as_a_cytokine(graph):
    rows = run_query(graph, get_query("entities-of-kind").text, {"kind": "cytokine"}).dicts()
    assert [(r["entityLabel"], r["classLabel"]) for r in rows] == [("interleukin-1 beta", "interleukin-1 beta")]
    # asking for the direct class only would not find it
    direct = run_query(graph, "SELECT ?e WHERE { ?e a kg:Cytokine }").values()
    assert direct == []


def test_parts_of_follows_has_part_backwards(graph):
    rows = run_query(graph, get_query("parts-of").text, {"whole": "intervertebral disc"}).dicts()
    assert sorted(r["partLabel"] for r in rows) == ["annulus fibrosus", "nucleus pulposus"]


def test_claims_with_inverses(graph):
    rows = run_query(graph, get_query("claims-with-inverses").text, {"entityName": "annulus fibrosus"}).dicts()
    assert rows == [
        {"subjectLabel": "annulus fibrosus", "relation": "part of", "objectLabel": "intervertebral disc", "stated": "inverse"}
    ]


def test_on_the_default_build(default_build):
    graph = load_graph(default_build)
    kinds = run_query(graph, get_query("entities-of-kind").text, {"kind": "cytokine"}).dicts()
    assert "interleukin-1 beta" in {r["entityLabel"] for r in kinds}
    cells = run_query(graph, get_query("entities-of-kind").text).dicts()  # default: cell
    assert {"mesenchymal stem cell", "nucleus pulposus cell"} <= {r["entityLabel"] for r in cells}
    parts = run_query(graph, get_query("parts-of").text).dicts()
    assert {"annulus fibrosus", "nucleus pulposus"} <= {r["partLabel"] for r in parts}
