"""The ontology: loading, indexes, errors with file and line, and that it drives extraction."""

from __future__ import annotations


import pytest

from kg.errors import OntologyError
from kg.namespaces import KG
from kg.ontology import load_ontology, load_ontology_from_text
from kg.pipeline import Extractor
from kg.records import Document, content_id

MINIMUM_RELATIONS = [
    "secretes", "produces", "differentiates into", "drives", "inhibits", "causes", "treats",
    "part of", "has part", "derived from", "located in", "is a", "uses", "compresses",
    "delivered into", "has adverse effect", "alternative to",
]

HEADER = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def test_builtin_ontology_is_broad(ontology):
    assert len(ontology.concepts) >= 500
    by_category = {}
    for c in ontology.concepts.values():
        by_category[c.category] = by_category.get(c.category, 0) + 1
    for category in ontology.categories:
        assert by_category.get(category, 0) >= 10, category


@pytest.mark.parametrize("label", MINIMUM_RELATIONS)
def test_minimum_relation_inventory(ontology, label):
    rel = ontology.relation_by_label(label)
    assert rel.label == label
    assert rel.triggers or rel.phrase_triggers or rel.inverse_phrase_triggers or rel.topic_triggers or label == "has part"


def test_part_of_and_has_part_are_inverses(ontology):
    assert ontology.relation_by_label("part of").inverse_of == str(KG["has_part"])
    assert ontology.relation_by_label("has part").inverse_of == str(KG["part_of"])


@pytest.mark.parametrize(
    ("label", "curie_iri"),
    [
        ("mesenchymal stem cell", "http://purl.obolibrary.org/obo/CL_0000134"),
        ("intervertebral disc", "http://purl.obolibrary.org/obo/UBERON_0001066"),
        ("degenerative disc disease", "http://purl.obolibrary.org/obo/MONDO_0011385"),
        ("low back pain", "http://purl.obolibrary.org/obo/HP_0003419"),
        ("chondrocyte", "http://purl.obolibrary.org/obo/CL_0000138"),
    ],
)
def test_standard_identifiers(ontology, label, curie_iri):
    concept = next(c for c in ontology.concepts.values() if c.label == label)
    assert curie_iri in concept.xrefs


def test_every_concept_has_a_label_and_a_category(ontology):
    for c in ontology.concepts.values():
        assert c.label.strip()
        assert c.category in ontology.categories, c.iri


def test_no_two_concepts_share_a_name(ontology):
    seen = {}
    for c in ontology.concepts.values():
        for name in {c.label.lower(), *(s.lower() for s in c.synonyms)}:
            assert name not in seen, f"{name!r} names {seen.get(name)} and {c.iri}"
            seen[name] = c.iri


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (HEADER + "kg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel \"a ;\n", "syntax", 8),
        (HEADER + "\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell .\n", "no label", 7),
        (HEADER + "\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Nope ;\n  skos:prefLabel \"a\" .\n", "not a class", 7),
        (HEADER + "\nkg:r a owl:ObjectProperty ;\n  rdfs:label \"r\" ;\n  rdfs:domain kg:Nope .\n", "does not exist", 7),
    ],
)
def test_bad_ontology_reports_file_and_line(tmp_path, text, message, line):
    path = tmp_path / "bad.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OntologyError) as info:
        load_ontology(extra=[path])
    err = info.value
    assert message in str(err).lower() or message in str(err)
    assert err.file == str(path)
    assert err.line == line


def test_missing_ontology_path():
    with pytest.raises(OntologyError, match="no such ontology file or folder"):
        load_ontology(extra=["/no/such/dir"])


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.ttl"
    path.write_bytes(b"# caf\xe9\n")
    with pytest.raises(OntologyError, match="not UTF-8"):
        load_ontology(extra=[path])


def _extract(ont, text):
    doc = Document(content_id(text), "t.txt", text)
    result = next(Extractor(ont).run([doc]))
    return {(ont.label(r.subject), ont.label(r.predicate), ont.label(r.object)) for r in result.relations}


BASE_MODULE = HEADER + """
kg:Notochord a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "notochordal cell"@en .
kg:Lubricin a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "lubricin"@en .
"""


def test_a_synonym_added_in_turtle_changes_extraction():
    text = "Notochordal cells secrete PRG4."
    assert _extract(load_ontology_from_text(BASE_MODULE), text) == set()
    extended = load_ontology_from_text(BASE_MODULE, HEADER + 'kg:Lubricin skos:altLabel "PRG4"@en .')
    assert _extract(extended, text) == {("notochordal cell", "secretes", "lubricin")}


def test_a_trigger_added_in_turtle_changes_extraction():
    text = "Notochordal cells exocytose lubricin."
    assert _extract(load_ontology_from_text(BASE_MODULE), text) == set()
    extended = load_ontology_from_text(BASE_MODULE, HEADER + 'kg:secretes kg:trigger "exocytose" .')
    assert _extract(extended, text) == {("notochordal cell", "secretes", "lubricin")}


def test_a_relation_type_added_in_turtle_is_extracted():
    module = HEADER + """
    kg:lubricates a owl:ObjectProperty ; rdfs:label "lubricates"@en ;
        rdfs:domain kg:ChemicalEntity ; rdfs:range kg:Cell ; kg:trigger "lubricate" .
    """
    text = "Lubricin lubricates notochordal cells."
    assert _extract(load_ontology_from_text(BASE_MODULE, module), text) == {("lubricin", "lubricates", "notochordal cell")}


def test_cues_come_from_the_ontology(ontology):
    assert "may" in ontology.hedge_cues
    assert "not" in ontology.negation_cues
    assert "called" in ontology.naming_cues
