"""kg ontology add / add-relation: user modules written without hand-written Turtle."""

from __future__ import annotations


import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from typer.testing import CliRunner

from kg.authoring import ConceptSpec, RelationSpec, add_concept, add_relation, camel_case, module_turtle, snake_case
from kg.cli import app
from kg.errors import OntologyError
from kg.namespaces import KG
from kg.ontology import load_ontology
from kg.pipeline import Extractor
from kg.records import Document, content_id


def read(ontology, text: str) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """(mentions as (text, concept label), relations as label triples) of one text."""
    result = next(Extractor(ontology).run([Document(content_id(text), "t.txt", text)]))
    mentions = {(m.text, ontology.label(m.concept)) for m in result.mentions}
    relations = {(ontology.label(r.subject), ontology.label(r.predicate), ontology.label(r.object)) for r in result.relations}
    return mentions, relations


def test_new_concept_is_written_and_recognised(tmp_path):
    module = tmp_path / "kg-ontology" / "user.ttl"
    result = add_concept(
        ConceptSpec("tendon stem cell", parent="stem cell", synonyms=("tendon-derived stem cell",), abbreviations=("TSC",)),
        module,
    )
    assert result.created and result.iri == str(KG["TendonStemCell"])
    assert module.is_file()
    ontology = load_ontology(extra=[module])
    concept = ontology.concepts[result.iri]
    assert concept.parents == (str(KG["StemCell"]),) and concept.category == str(KG.Cell)
    mentions, _ = read(ontology, "Tendon-derived stem cells and TSCs were found.")
    assert ("Tendon-derived stem cells", "tendon stem cell") in mentions
    assert ("TSCs", "tendon stem cell") in mentions


def test_existing_concept_gets_a_synonym(tmp_path):
    module = tmp_path / "user.ttl"
    text = "Tendon fibroblasts secrete collagen."
    before = load_ontology()
    assert ("tenocyte", "secretes", "collagen") not in read(before, text)[1]
    result = add_concept(ConceptSpec("tenocyte", synonyms=("tendon fibroblast",)), module)
    assert not result.created and result.added == ('synonym "tendon fibroblast"',)
    assert "kg:Tenocyte skos:altLabel" in module.read_text(encoding="utf-8")
    assert ("tenocyte", "secretes", "collagen") in read(load_ontology(extra=[module]), text)[1]


def test_new_relation_type_is_extracted(tmp_path):
    module = tmp_path / "user.ttl"
    text = "Mesenchymal stem cells colonise the tendon."
    assert read(load_ontology(), text)[1] == set()
    result = add_relation(RelationSpec("colonises", triggers=("colonise",), domain=("cell",), range=("anatomical entity",)), module)
    assert result.created
    ontology = load_ontology(extra=[module])
    rel = ontology.relations[str(KG["colonises"])]
    assert rel.domain == (str(KG.Cell),) and rel.range == (str(KG.AnatomicalEntity),)
    assert read(ontology, text)[1] == {("mesenchymal stem cell", "colonises", "tendon")}


def test_union_domain_and_alignment(tmp_path):
    module = tmp_path / "user.ttl"
    add_relation(
        RelationSpec("binds", triggers=("bind to",), domain=("chemical entity", "cell"), range=("CL:0000000",), alignments=("RO:0002436",)),
        module,
    )
    rel = load_ontology(extra=[module]).relations[str(KG["binds"])]
    assert rel.domain == tuple(sorted((str(KG.Cell), str(KG.ChemicalEntity))))
    assert rel.range == (str(KG.Cell),)  # the category whose identifier is CL:0000000
    assert rel.alignments == ("http://purl.obolibrary.org/obo/RO_0002436",)


def test_existing_relation_gets_a_trigger(tmp_path):
    module = tmp_path / "user.ttl"
    result = add_relation(RelationSpec("secretes", triggers=("shed",)), module)
    assert not result.created
    assert "shed" in load_ontology(extra=[module]).relations[str(KG["secretes"])].triggers


def test_output_is_stable_and_sorted(tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    add_concept(ConceptSpec("zeta cell", parent="cell"), a)
    add_concept(ConceptSpec("alpha cell", parent="cell", synonyms=("b name", "a name")), a)
    add_concept(ConceptSpec("alpha cell", parent="cell", synonyms=("a name", "b name")), b)
    add_concept(ConceptSpec("zeta cell", parent="cell"), b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.index("kg:AlphaCell") < text.index("kg:ZetaCell")
    assert '"a name"@en, "b name"@en' in text


def test_module_turtle_reads_back_as_the_same_graph():
    g = Graph()
    s = KG["X"]
    g.add((s, RDF.type, OWL.ObjectProperty))
    g.add((s, RDFS.label, Literal('with "quotes" and \\ and\nnewline', lang="en")))
    union, items = BNode(), BNode()
    from rdflib.collection import Collection

    g.add((s, RDFS.domain, union))
    g.add((union, RDF.type, OWL.Class))
    g.add((union, OWL.unionOf, items))
    Collection(g, items, [KG.Cell, KG.Disease])
    g.add((s, SKOS.closeMatch, URIRef("http://example.org/vocab#term")))
    text = module_turtle(g)
    assert isomorphic(Graph().parse(data=text, format="turtle"), g)
    assert module_turtle(Graph().parse(data=text, format="turtle")) == text


@pytest.mark.parametrize(
    ("label", "camel", "snake"),
    [("tendon stem cell", "TendonStemCell", "tendon_stem_cell"), ("IL-1β", "IL1Beta", "il_1_beta"), ("3D scaffold", "C3DScaffold", "r_3d_scaffold")],
)
def test_names(label, camel, snake):
    assert camel_case(label) == camel and snake_case(label) == snake


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: add_concept(ConceptSpec("novel cell"), m), "needs a parent"),
        (lambda m: add_concept(ConceptSpec("novel cell", parent="stem cel"), m), "did you mean: 'stem cell'"),
        (lambda m: add_concept(ConceptSpec("novel cell", parent="cell", xrefs=("CL:12",)), m), "CL identifiers are 7 digits"),
        (lambda m: add_concept(ConceptSpec("novel cell", parent="cell", xrefs=("FOO:1",)), m), "not a standard identifier with a known prefix"),
        (lambda m: add_concept(ConceptSpec("stem cell", parent="disease"), m), "already names kg:StemCell"),
        (lambda m: add_concept(ConceptSpec("stem cell"), m), "nothing to add"),
        (lambda m: add_concept(ConceptSpec("  ", parent="cell"), m), "label is empty"),
        (lambda m: add_relation(RelationSpec("binds"), m), "needs at least one trigger"),
        (lambda m: add_relation(RelationSpec("secretes", range=("disease",)), m), "cannot change it"),
        (lambda m: add_relation(RelationSpec("binds", triggers=("bind",), polarity=3), m), "--polarity must be"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(tmp_path, call, message):
    module = tmp_path / "user.ttl"
    with pytest.raises(OntologyError, match=message.replace("(", r"\(").replace("*", r"\*")):
        call(module)
    assert not module.exists()


def test_a_broken_module_is_reported_and_kept(tmp_path):
    module = tmp_path / "user.ttl"
    module.write_text("@prefix kg: <https://w3id.org/kg/ontology/> .\nkg:A kg:b \"oops .\n", encoding="utf-8")
    before = module.read_bytes()
    with pytest.raises(OntologyError) as info:
        add_concept(ConceptSpec("novel cell", parent="cell"), module)
    assert info.value.file == str(module) and info.value.line == 2
    assert module.read_bytes() == before


def test_not_a_turtle_module(tmp_path):
    with pytest.raises(OntologyError, match="must be a .ttl file"):
        add_concept(ConceptSpec("novel cell", parent="cell"), tmp_path / "user.txt")


def test_cli_add_then_add_relation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["ontology", "add", "tendon stem cell", "--parent", "stem cell", "-a", "TSC"])
    assert result.exit_code == 0, result.output
    assert "Added concept kg:TendonStemCell in kg-ontology/user.ttl:" in result.stdout
    assert '+ abbreviation "TSC"' in result.stdout
    result = runner.invoke(app, ["ontology", "add-relation", "colonises", "-t", "colonise", "--domain", "cell", "--range", "tendon"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kg-ontology" / "user.ttl").is_file()
    bad = runner.invoke(app, ["ontology", "add", "x cell", "--parent", "no such thing"])
    assert bad.exit_code == 2 and "no class called 'no such thing'" in bad.stderr
