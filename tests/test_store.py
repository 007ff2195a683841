"""kg.store: the GraphStore interface and the in-memory store."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.errors import GraphError, QueryError
from kg.graph import write_outputs
from kg.namespaces import ENTITY, KG
from kg.query import QueryResult
from kg.store import GraphStore, MemoryStore, open_store

TURTLE = f"""
@prefix kg: <{KG}> . @prefix ent: <{ENTITY}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ent:MSC rdfs:label "mesenchymal stem cell" ; kg:secretes ent:GF .
ent:GF rdfs:label "growth factor" .
"""


@pytest.fixture
def graph() -> Graph:
    return Graph().parse(data=TURTLE, format="turtle")


def test_interface_is_abstract():
    with pytest.raises(TypeError):
        GraphStore()  # type: ignore[abstract]
    assert issubclass(MemoryStore, GraphStore)


def test_add_and_query(graph):
    store = MemoryStore()
    store.add_graph(graph)
    store.add_graph(graph)  # the same triples again are kept once
    assert len(store) == len(graph)
    result = store.query("SELECT ?o WHERE { ent:MSC kg:secretes ?o }")
    assert isinstance(result, QueryResult)
    assert result.rows == ((ENTITY.GF,),)


def test_query_with_bindings(graph):
    store = MemoryStore(graph)
    result = store.query("SELECT ?s WHERE { ?s rdfs:label ?name }", {"name": "growth factor"})
    assert result.values() == [(str(ENTITY.GF),)]


def test_query_errors_pass_through(graph):
    with pytest.raises(QueryError):
        MemoryStore(graph).query("SELECT WHERE {")


@pytest.mark.parametrize("fmt", ["turtle", "nt", "json-ld", "xml"])
def test_serialize_round_trip(graph, fmt):
    data = MemoryStore(graph).serialize(fmt)
    assert isinstance(data, bytes)
    assert isomorphic(Graph().parse(data=data, format=fmt), graph)


def test_serialize_nt_is_sorted(graph):
    lines = MemoryStore(graph).serialize("nt").decode().splitlines()
    assert lines == sorted(lines)


def test_serialize_unknown_format(graph):
    with pytest.raises(GraphError, match="cannot serialise"):
        MemoryStore(graph).serialize("no-such-format")


def test_closed_store_refuses_work(graph):
    with MemoryStore(graph) as store:
        assert len(store) == 3
    for call in (lambda: store.query("ASK {}"), lambda: store.add_graph(graph), lambda: store.serialize()):
        with pytest.raises(GraphError, match="closed"):
            call()


def test_open_store_from_build_folder(tmp_path, graph):
    write_outputs(graph, tmp_path / "out", None)
    store = open_store(tmp_path / "out")
    assert store.query("ASK { ent:MSC kg:secretes ent:GF }").boolean is True
    assert store.query("SELECT ?l WHERE { ent:GF rdfs:label ?l }").rows[0][0] == Literal("growth factor")
    assert open_store().query("ASK { ?s ?p ?o }").boolean is False


def test_store_keeps_a_copy(graph):
    store = MemoryStore(graph)
    graph.add((ENTITY.X, KG["secretes"], URIRef(ENTITY.Y)))
    assert store.query("ASK { ent:X ?p ?o }").boolean is False


# ---------------------------------------------------------------------------
# The Oxigraph store
# ---------------------------------------------------------------------------

from kg.query import bundled_queries  # noqa: E402
from kg.store import OxigraphStore, from_oxigraph, store_path, substitute, to_oxigraph  # noqa: E402


@pytest.fixture(params=["memory", "oxigraph"])
def any_store(request, graph, tmp_path):
    if request.param == "memory":
        return MemoryStore(graph)
    store = OxigraphStore(tmp_path / "ox")
    store.add_graph(graph)
    return store


def test_both_stores_answer_alike(any_store, graph):
    assert isinstance(any_store, GraphStore)
    assert len(any_store) == len(graph)
    assert any_store.query("SELECT ?o WHERE { ent:MSC kg:secretes ?o }").rows == ((ENTITY.GF,),)
    assert any_store.query("SELECT ?s WHERE { ?s rdfs:label ?name }", {"name": "growth factor"}).values() == [
        (str(ENTITY.GF),)
    ]
    assert any_store.query("ASK { ent:GF rdfs:label ?l }").boolean is True
    constructed = any_store.query("CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }")
    assert constructed.kind == "CONSTRUCT" and len(constructed) == 2
    assert isomorphic(Graph().parse(data=any_store.serialize("nt"), format="nt"), graph)
    with pytest.raises(QueryError):
        any_store.query("SELECT WHERE {")
    any_store.close()
    with pytest.raises(GraphError, match="closed"):
        any_store.query("ASK {}")


@pytest.mark.parametrize(
    "value",
    ['growth" } ; DROP ALL ; #', "line\nbreak", "back\\slash", "?name", "<https://example.org/x>"],
)
def test_bound_values_cannot_change_the_query(value, tmp_path):
    store = OxigraphStore()
    g = Graph()
    g.add((ENTITY.X, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(value)))
    store.add_graph(g)
    result = store.query("SELECT ?s WHERE { ?s rdfs:label ?name }", {"name": value})
    assert result.values() == [(str(ENTITY.X),)]
    assert len(store) == 1


def test_substitute_skips_strings_iris_and_comments():
    text = 'SELECT ?x WHERE { ?x <http://e/?name> "?name" . # ?name\n ?x ?p ?name }'
    out = substitute(text, {"name": "v"})
    assert out == 'SELECT ?x WHERE { ?x <http://e/?name> "?name" . # ?name\n ?x ?p "v" }'
    with pytest.raises(QueryError, match="not a valid IRI"):
        substitute("SELECT * { ?s ?p ?o }", {"o": URIRef("http://e/> } DROP ALL")})


@pytest.mark.parametrize(
    "term",
    [URIRef("http://e/a"), Literal("plain"), Literal("tagged", lang="en"), Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer"))],
)
def test_term_round_trip(term):
    assert from_oxigraph(to_oxigraph(term)) == term


def test_open_store_chooses_the_engine(default_build, tmp_path, graph):
    assert store_path(default_build) == default_build / "store"
    with open_store(default_build) as store:
        assert isinstance(store, OxigraphStore) and store.read_only
    with open_store(default_build, engine="rdflib") as store:
        assert isinstance(store, MemoryStore)
    write_outputs(graph, tmp_path / "plain", None)
    assert store_path(tmp_path / "plain") is None
    with open_store(tmp_path / "plain") as store:  # no store in the folder: the file, in memory, on Oxigraph
        assert isinstance(store, OxigraphStore) and not store.read_only and len(store) == 3
    with open_store(tmp_path / "plain" / "graph.nt", engine="rdflib") as store:
        assert isinstance(store, MemoryStore) and len(store) == 3
    with pytest.raises(GraphError, match="unknown query engine"):
        open_store(default_build, engine="sqlite")


def _normal(value):
    # Oxigraph writes decimals in canonical form ("1.0" as "1"): compare values
    from decimal import Decimal

    if isinstance(value, (float, int, Decimal)) and not isinstance(value, bool):
        return round(float(value), 4)
    return str(value)


@pytest.mark.parametrize("query", bundled_queries(), ids=lambda q: q.name)
def test_bundled_queries_agree_across_engines(default_build, query):
    with open_store(default_build, engine="oxigraph") as ox, open_store(default_build, engine="rdflib") as mem:
        a, b = ox.query(query.text), mem.query(query.text)
    assert a.variables == b.variables
    assert sorted(map(repr, ([_normal(v) for v in row] for row in a.values()))) == sorted(
        map(repr, ([_normal(v) for v in row] for row in b.values()))
    )


def test_store_holds_one_named_graph_per_document(default_build):
    with open_store(default_build) as store:
        docs = store.query("SELECT ?d WHERE { ?d a kg:Document }").values()
        assert store.named_graphs() == sorted(d for (d,) in docs)
        in_doc = store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?e a kg:Evidence } }").values()[0][0]
        total = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?e a kg:Evidence }").values()[0][0]
        assert in_doc == total > 0


def _rows_of(result):
    return [[_normal(v) for v in row] for row in result.values()]


@pytest.mark.parametrize("query", bundled_queries(), ids=lambda q: q.name)
def test_bundled_queries_give_the_same_rows_in_the_same_order(default_build, query):
    """Not only the same rows: the same order too (every ORDER BY ends in a tie-breaker both engines share)."""
    with open_store(default_build, engine="oxigraph") as ox, open_store(default_build, engine="rdflib") as mem:
        a, b = ox.query(query.text), mem.query(query.text)
    assert len(a.rows) >= 1, f"{query.name} found nothing in the default build"
    assert _rows_of(a) == _rows_of(b)


@pytest.mark.parametrize(
    ("name", "bindings"),
    [
        ("about-entity", {"entityName": "MSC"}),
        ("about-entity", {"entityName": "Mesenchymal Stromal Cell"}),
        ("about-entity", {"entityName": "no such entity"}),
        ("cell-secretes", {"cell": "msc"}),
        ("differentiation", {"cell": "MSCs"}),
        ("treatments-for", {"disease": "ddd"}),
        ("drivers-of", {"target": "Matrix Degradation"}),
        ("adverse-effects", {"therapy": "STEM CELL THERAPY"}),
        ("claims-with-inverses", {"entityName": "Intervertebral Disc"}),
        ("parts-of", {"whole": "Nucleus Pulposus"}),
        ("entities-of-kind", {"kind": "Cytokine"}),
        ("evidence-for", {"subjectName": "msc", "objectName": "GROWTH FACTOR"}),
        ("evidence-for", {"subjectName": "growth factor", "objectName": "mesenchymal stem cell"}),
        ("relations-by-document", {"document": "STEM"}),
        ("weak-claims", {"threshold": 0.9}),
    ],
)
def test_bound_parameters_reach_the_subqueries_on_both_engines(default_build, name, bindings):
    """A parameter used inside a subquery is bound there by both engines (rdflib's initBindings, Oxigraph's substitution)."""
    from kg.query import get_query

    text = get_query(name).text
    with open_store(default_build, engine="oxigraph") as ox, open_store(default_build, engine="rdflib") as mem:
        a, b = ox.query(text, bindings), mem.query(text, bindings)
        default = ox.query(text)
    assert _rows_of(a) == _rows_of(b)
    if name == "about-entity" and bindings["entityName"] != "no such entity":
        assert _rows_of(a) == _rows_of(default) != []  # another name of the same entity
    if bindings.get("entityName") == "no such entity":
        assert a.rows == ()


def test_oxigraph_results_convert_each_term_once():
    """Repeated terms of a result are converted once (and still to the right rdflib term)."""
    store = OxigraphStore()
    store.load_ntriples(
        f'<{ENTITY}A> <{KG}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        f'<{ENTITY}B> <{KG}p> "1" .\n'
        f'<{ENTITY}C> <{KG}p> "1"@en .\n'
        f'<{ENTITY}D> <{KG}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )
    result = store.query("SELECT ?s ?o ?none WHERE { ?s kg:p ?o } ORDER BY ?s")
    objects = [row[1] for row in result.rows]
    assert objects == [
        Literal(1),
        Literal("1"),
        Literal("1", lang="en"),
        Literal(1),
    ]
    assert [type(o) for o in objects] == [Literal] * 4 and objects[1].datatype is None
    assert objects[0] is objects[3]  # converted once
    assert all(row[2] is None for row in result.rows)
