"""kg validate: SHACL over a built graph, reported in plain words and as SHACL results."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from typer.testing import CliRunner

from kg.cli import app
from kg.graph import load_graph
from kg.namespaces import ENTITY, KG
from kg.validate import describe, relation_shapes, validate_graph


@pytest.fixture(scope="module")
def built(default_build) -> Graph:
    return load_graph(default_build)


def fresh(built: Graph) -> Graph:
    copy = Graph()
    for triple in built:
        copy.add(triple)
    return copy


def test_the_default_build_conforms(built):
    report = validate_graph(built)
    assert report.conforms, describe(report)
    assert report.checked["statements"] > 20 and report.checked["evidence"] >= report.checked["statements"]
    assert "The graph conforms" in describe(report)[-1]


def test_relation_shapes_follow_the_ontology(built):
    shapes = relation_shapes(built)
    messages = {str(o) for o in shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#message"))}
    assert "the subject of 'secretes' must be an anatomical entity or cell (its domain)" in messages
    assert "the object of 'treats' must be a disease or phenotypic feature (its range)" in messages


def _one_evidence(g: Graph) -> URIRef:
    return sorted(g.subjects(RDF.type, KG.Evidence))[0]


def _one_statement(g: Graph) -> URIRef:
    return sorted(g.subjects(RDF.type, RDF.Statement))[0]


def _drop(g: Graph, s, p) -> None:
    g.remove((s, p, None))


BREAKAGES = [
    ("evidence without offsets", lambda g: _drop(g, _one_evidence(g), KG.charStart), "kg:charStart"),
    ("evidence without document", lambda g: _drop(g, _one_evidence(g), URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")), "must name the document"),
    ("evidence without sentence", lambda g: _drop(g, _one_evidence(g), KG.sentence), "needs its sentence"),
    ("statement without evidence", lambda g: _drop(g, _one_statement(g), KG.hasEvidence), "at least one evidence"),
    ("end before start", lambda g: (_drop(g, _one_evidence(g), KG.charEnd), g.add((_one_evidence(g), KG.charEnd, Literal(0)))), "less than kg:charEnd"),
    ("range violated", lambda g: g.add((ENTITY["MesenchymalStemCell"], KG["secretes"], ENTITY["DegenerativeDiscDisease"])), "the object of 'secretes' must be a chemical entity"),
    ("domain violated", lambda g: g.add((ENTITY["DegenerativeDiscDisease"], KG["differentiates_into"], ENTITY["MesenchymalStemCell"])), "the subject of 'differentiates into' must be a cell"),
    ("entity without label", lambda g: (_drop(g, ENTITY["MesenchymalStemCell"], RDFS.label), _drop(g, ENTITY["MesenchymalStemCell"], SKOS.prefLabel)), "an entity needs a label"),
]


@pytest.mark.parametrize(("what", "breaks", "words"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_breakage_is_reported_in_plain_words(built, what, breaks, words):
    g = fresh(built)
    breaks(g)
    report = validate_graph(g)
    assert not report.conforms
    assert any(words in issue.message for issue in report.issues), [i.message for i in report.issues]
    text = "\n".join(describe(report))
    assert "does not conform" in text and words in text


def test_cli(default_build, tmp_path, built):
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(default_build)])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("Checked ")
    g = fresh(built)
    _drop(g, _one_statement(g), KG.hasEvidence)
    broken = tmp_path / "broken.ttl"
    g.serialize(broken, format="turtle")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 1
    assert "a statement needs at least one evidence" in result.stdout
    shacl = runner.invoke(app, ["validate", str(broken), "--format", "turtle"])
    assert shacl.exit_code == 1
    report = Graph().parse(data=shacl.stdout, format="turtle")
    assert (None, RDF.type, URIRef("http://www.w3.org/ns/shacl#ValidationReport")) in report
    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 2


def test_shapes_are_package_data():
    import kg

    assert (Path(kg.__file__).parent / "shapes" / "graph.ttl").is_file()
    assert (Path(kg.__file__).parent / "shapes" / "ontology.ttl").is_file()
