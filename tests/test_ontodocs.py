"""kg ontology docs: the documentation as data, then as one escaped, self-contained page."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.graph import load_graph
from kg.namespaces import KG
from kg.ontodocs import ontology_docs, render_docs, shown_source
from kg.ontology import load_ontology, load_ontology_from_text
from kg.query import run_query


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


@pytest.fixture(scope="module")
def docs(ontology, default_build):
    return ontology_docs(ontology, load_graph(default_build), graph_name="out")


def test_every_class_and_relation_is_documented(docs, ontology):
    assert len(docs.classes) == len(ontology.concepts)
    assert len(docs.relations) == len(ontology.relations)
    assert [n.link.text for n in docs.tree] == sorted(ontology.label(c) for c in ontology.categories)

    def walk(nodes):
        for n in nodes:
            yield n.link.href
            yield from walk(n.children)

    assert set(walk(docs.tree)) == {"#" + c.anchor for c in docs.classes}


def test_a_class_page(docs):
    msc = next(c for c in docs.classes if c.label == "mesenchymal stem cell")
    assert msc.name == "kg:MesenchymalStemCell" and msc.anchor == "kg_MesenchymalStemCell"
    assert "mesenchymal stromal cell" in msc.synonyms and "MSC" in msc.abbreviations
    assert [p.text for p in msc.parents] == ["stem cell"]
    assert "bone marrow mesenchymal stem cell" in [k.text for k in msc.children]
    assert [(x.text, x.href) for x in msc.standard_ids] == [("CL:0000134", "http://purl.obolibrary.org/obo/CL_0000134")]
    assert msc.category == "cell"
    assert msc.source.startswith("ontology/cells.ttl:")
    assert msc.entities == 1 and msc.edges > 3


def test_a_relation_page_and_edge_counts(docs, default_build):
    secretes = next(r for r in docs.relations if r.label == "secretes")
    assert [d.text for d in secretes.domain] == ["anatomical entity", "cell"]
    assert dict(secretes.triggers)["trigger"][:2] == ("exude", "paracrinely secrete")
    graph = load_graph(default_build)
    for rel in docs.relations:
        count = run_query(graph, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{rel.iri}> ?o }}").values()[0][0]
        assert rel.edges == count, rel.label


def test_html_is_escaped_and_stable():
    module = """
    @prefix kg: <https://w3id.org/kg/ontology/> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    kg:Evil a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "<script>alert(1)</script> cell"@en .
    """
    ontology = load_ontology_from_text(module)
    html = render_docs(ontology_docs(ontology))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; cell" in html
    assert html == render_docs(ontology_docs(load_ontology_from_text(module)))
    assert "http://" not in html.split("<body>")[0]  # no CDN, no external stylesheet


@pytest.mark.parametrize(("given", "shown"), [(None, None), ("<text 1>:3", "<text 1>:3")])
def test_shown_source(given, shown):
    assert shown_source(given) == shown


def test_cli(tmp_path, default_build):
    result = CliRunner().invoke(app, ["ontology", "docs", "-o", str(tmp_path / "docs"), "--graph", str(default_build)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert 'id="kg_MesenchymalStemCell"' in page and "edges in the graph" in page
    assert str(KG) not in page.split("<body>")[0]
