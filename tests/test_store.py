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
