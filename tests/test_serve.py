"""kg serve over HTTP: the SPARQL protocol, refusals, limits, pages, search, APIs, escaping.

The app runs in-process under Starlette's test client with real worker
processes (the same :class:`kg.web.pool.QueryPool` ``kg serve`` uses); one
test starts ``kg serve`` itself as a subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.errors import QueryError, ServeError
from kg.graph import load_graph
from kg.query import bundled_queries
from kg.store import open_store
from kg.web.app import bind, create_app, is_loopback, load_site
from kg.web.pool import QueryPool
from kg.web.sparql import check_query, negotiate, read_request

starlette_testclient = pytest.importorskip("starlette.testclient")

MSC = "https://w3id.org/kg/entity/MesenchymalStemCell"
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
CELLS = "SELECT ?e ?label WHERE { ?e kg:category kg:Cell ; rdfs:label ?label } ORDER BY ?label"

# A corpus whose sentences and title carry markup around concepts kg knows.
HOSTILE_TEXT = (
    "Evil <script>window.__pwned=1</script> title\n\n"
    'MSCs secrete growth factors <img src=x onerror="window.__pwned=1">.\n\n'
    "Mesenchymal stem cells <script>window.__pwned=1</script> may reduce low back pain.\n"
)


def _client(app):
    return starlette_testclient.TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture(scope="module")
def graph(default_build) -> Graph:
    return load_graph(default_build)


@pytest.fixture(scope="module")
def site(default_build):
    return load_site(default_build, "test graph")


@pytest.fixture(scope="module")
def client(site, default_build):
    """The app over the default build, one worker, default limits."""
    pool = QueryPool(default_build, workers=1, timeout=30)
    with _client(create_app(site, pool)) as c:
        yield c


@pytest.fixture(scope="module")
def tight_client(site, default_build):
    """The same graph with a 1 s time limit and a cap of 5 rows."""
    pool = QueryPool(default_build, workers=1, timeout=1.0)
    with _client(create_app(site, pool, max_rows=5)) as c:
        yield c


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory) -> Path:
    from kg.build import build

    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile-build") / "out"
    build([corpus], out)
    return out


@pytest.fixture(scope="module")
def hostile_client(hostile_build):
    pool = QueryPool(hostile_build, workers=1, timeout=30)
    with _client(create_app(load_site(hostile_build), pool)) as c:
        yield c


def sparql_json(client, query: str, **params) -> dict:
    response = client.get("/sparql", params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------------------
# The protocol as plain functions
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "content_type", "body", "expected"),
    [
        ("GET", [("query", "ASK {}")], "", b"", ("ASK {}", None)),
        ("GET", [("query", "ASK {}"), ("format", "xml")], "", b"", ("ASK {}", "xml")),
        ("POST", [], "application/x-www-form-urlencoded", b"query=ASK+%7B%7D&format=csv", ("ASK {}", "csv")),
        ("POST", [], "application/x-www-form-urlencoded; charset=UTF-8", b"query=ASK+%7B%7D", ("ASK {}", None)),
        ("POST", [], "application/sparql-query", b"ASK {}", ("ASK {}", None)),
        ("POST", [("format", "json")], "application/sparql-query", "ASK { ?s rdfs:label \"é\" }".encode(), ('ASK { ?s rdfs:label "é" }', "json")),
    ],
)
def test_read_request_accepts_the_protocols_forms(method, params, content_type, body, expected):
    assert read_request(method, params, content_type, body) == expected


@pytest.mark.parametrize(
    ("method", "params", "content_type", "body", "status", "words"),
    [
        ("GET", [("update", "CLEAR ALL")], "", b"", 403, "read-only"),
        ("POST", [], "application/sparql-update", b"CLEAR ALL", 403, "read-only"),
        ("POST", [], "application/x-www-form-urlencoded", b"update=CLEAR+ALL", 403, "read-only"),
        ("GET", [("query", "ASK {}"), ("default-graph-uri", "http://x.org/g")], "", b"", 400, "one graph"),
        ("GET", [("query", "ASK {}"), ("named-graph-uri", "http://x.org/g")], "", b"", 400, "one graph"),
        ("POST", [], "text/plain", b"ASK {}", 415, "unsupported content type"),
        ("POST", [], "", b"ASK {}", 415, "unsupported content type"),
        ("GET", [], "", b"", 400, "no query"),
        ("GET", [("query", "ASK {}"), ("query", "ASK {}")], "", b"", 400, "exactly one"),
        ("GET", [("query", "   ")], "", b"", 400, "empty"),
        ("POST", [("query", "ASK {}")], "application/sparql-query", b"ASK {}", 400, "not both"),
        ("POST", [], "application/sparql-query", b"ASK {\xff}", 400, "not UTF-8"),
        ("POST", [], "application/sparql-query", b"#" * 1_000_001, 413, "at most"),
        ("PUT", [("query", "ASK {}")], "", b"", 405, "not allowed"),
    ],
)
def test_read_request_refuses_what_is_not_a_query(method, params, content_type, body, status, words):
    with pytest.raises(ServeError) as caught:
        read_request(method, params, content_type, body)
    assert caught.value.status == status
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("ASK { ?s ?p ?o }", "ASK"),
        ("CONSTRUCT WHERE { ?s rdfs:label ?o }", "CONSTRUCT"),
        ("DESCRIBE ent:MesenchymalStemCell", "DESCRIBE"),
        # the word SERVICE in a string, a comment or an IRI is not a SERVICE call
        ('SELECT ?s WHERE { ?s rdfs:label "SERVICE <http://x.org/s> { }" }', "SELECT"),
        ("# SERVICE <http://x.org/s> { ?s ?p ?o }\nSELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("SELECT * WHERE { ?s <http://x.org/SERVICE> ?o }", "SELECT"),
    ],
)
def test_check_query_gives_the_query_form(query, kind):
    assert check_query(query) == kind


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://x.org/a> <http://x.org/b> <http://x.org/c> }",
        "DELETE DATA { <http://x.org/a> <http://x.org/b> <http://x.org/c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "INSERT { ?s rdfs:comment 'x' } WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <http://x.org/g>",
        "CREATE GRAPH <http://x.org/g>",
        "PREFIX ex: <http://x.org/>\nWITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_check_query_refuses_updates(update):
    with pytest.raises(ServeError) as caught:
        check_query(update)
    assert caught.value.status == 403
    assert "read-only" in str(caught.value)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE SILENT <http://x.org/s> { ?a ?p ?o } } }",
        "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <http://x.org/s> { ?a ?p ?o } } }",
        "SELECT * WHERE { { SELECT ?s WHERE { SERVICE ?endpoint { ?s ?p ?o } } } }",
        "ASK { SERVICE <http://x.org/s> { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?x MINUS { SERVICE <http://x.org/s> { ?s ?p ?o } } }",
    ],
)
def test_check_query_refuses_service_wherever_it_is(query):
    with pytest.raises(ServeError) as caught:
        check_query(query)
    assert caught.value.status == 403
    assert "SERVICE" in str(caught.value)


@pytest.mark.parametrize(
    "query",
    ["SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }"],
)
def test_check_query_refuses_dataset_clauses(query):
    with pytest.raises(ServeError, match="FROM"):
        check_query(query)


def test_check_query_reports_syntax_errors_with_their_position():
    with pytest.raises(QueryError) as caught:
        check_query("SELECT ?s\nWHERE { ?s ?p }")
    assert (caught.value.line, caught.value.column) == (2, 9)  # where rdflib's parser stopped
    with pytest.raises(QueryError) as caught:
        check_query("SELECT ?s WHERE { ?s nope:p ?o }")
    assert "unknown prefix 'nope'" in str(caught.value)
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("kind", "accept", "fmt", "expected"),
    [
        ("SELECT", "", None, ("application/sparql-results+json", "json")),
        ("SELECT", "*/*", None, ("application/sparql-results+json", "json")),
        ("SELECT", "text/csv", None, ("text/csv", "csv")),
        ("SELECT", "text/tab-separated-values", None, ("text/tab-separated-values", "tsv")),
        ("SELECT", "application/sparql-results+xml", None, ("application/sparql-results+xml", "xml")),
        ("SELECT", "application/json", None, ("application/json", "json")),
        ("SELECT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, ("application/xml", "xml")),
        ("SELECT", "text/csv;q=0.5, application/sparql-results+xml", None, ("application/sparql-results+xml", "xml")),
        ("SELECT", "not a media type", None, ("application/sparql-results+json", "json")),
        ("SELECT", "text/csv", "tsv", ("text/tab-separated-values", "tsv")),
        ("SELECT", "", "text/csv", ("text/csv", "csv")),
        ("ASK", "", None, ("application/sparql-results+json", "json")),
        ("ASK", "application/sparql-results+xml", None, ("application/sparql-results+xml", "xml")),
        ("CONSTRUCT", "", None, ("text/turtle", "turtle")),
        ("CONSTRUCT", "*/*", None, ("text/turtle", "turtle")),
        ("CONSTRUCT", "application/n-triples", None, ("application/n-triples", "nt")),
        ("CONSTRUCT", "application/ld+json", None, ("application/ld+json", "json-ld")),
        ("CONSTRUCT", "", "json", ("application/ld+json", "json-ld")),
        ("DESCRIBE", "application/rdf+xml", None, ("application/rdf+xml", "xml")),
    ],
)
def test_negotiate(kind, accept, fmt, expected):
    assert negotiate(kind, accept, fmt) == expected


@pytest.mark.parametrize(
    ("kind", "accept", "fmt"),
    [
        ("SELECT", "text/turtle", None),
        ("ASK", "text/csv", None),
        ("CONSTRUCT", "application/sparql-results+json", None),
        ("SELECT", "", "turtle"),
        ("SELECT", "", "pdf"),
    ],
)
def test_negotiate_refuses_what_cannot_be_written(kind, accept, fmt):
    with pytest.raises(ServeError) as caught:
        negotiate(kind, accept, fmt)
    assert caught.value.status == 406
    assert "valid formats" in str(caught.value) or "available" in str(caught.value)


# ---------------------------------------------------------------------------
# The endpoint over HTTP
# ---------------------------------------------------------------------------


def _expected_cells(graph) -> list[tuple[str, str]]:
    from kg.query import run_query

    return [(str(e), str(label)) for e, label in run_query(graph, CELLS).rows]


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_select_as_json_by_every_method(client, graph, method):
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        response = client.get("/sparql", params={"query": CELLS}, headers=headers)
    elif method == "POST-form":
        response = client.post("/sparql", data={"query": CELLS}, headers=headers)
    else:
        response = client.post("/sparql", content=CELLS.encode(), headers={**headers, "Content-Type": "application/sparql-query"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    doc = response.json()
    assert doc["head"]["vars"] == ["e", "label"]
    rows = [(b["e"]["value"], b["label"]["value"]) for b in doc["results"]["bindings"]]
    assert rows == _expected_cells(graph)
    assert len(rows) >= 3 and (MSC, "mesenchymal stem cell") in rows
    assert response.headers["kg-rows"] == str(len(rows))
    assert response.headers["kg-truncated"] == "false"


@pytest.mark.parametrize("how", ["accept", "format"])
def test_select_as_xml_csv_and_tsv(client, graph, how):
    expected = _expected_cells(graph)
    for media, short in (("application/sparql-results+xml", "xml"), ("text/csv", "csv"), ("text/tab-separated-values", "tsv")):
        if how == "accept":
            response = client.get("/sparql", params={"query": CELLS}, headers={"Accept": media})
        else:
            response = client.post("/sparql", data={"query": CELLS, "format": short})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media
        if short == "xml":
            root = ET.fromstring(response.content)
            assert [v.get("name") for v in root.iter(RESULTS_NS + "variable")] == ["e", "label"]
            rows = [
                (r.find(f"{RESULTS_NS}binding[@name='e']/{RESULTS_NS}uri").text, r.find(f"{RESULTS_NS}binding[@name='label']/{RESULTS_NS}literal").text)
                for r in root.iter(RESULTS_NS + "result")
            ]
        elif short == "csv":
            table = list(csv.reader(io.StringIO(response.text)))
            assert table[0] == ["e", "label"]
            rows = [tuple(r) for r in table[1:]]
        else:
            lines = response.text.splitlines()
            assert lines[0] == "?e\t?label"
            rows = [(e.strip("<>"), json.loads(label)) for e, label in (line.split("\t") for line in lines[1:])]
        assert rows == expected, short


def test_ask_as_json_and_xml(client):
    yes = client.get("/sparql", params={"query": "ASK { ent:MesenchymalStemCell kg:category kg:Cell }"})
    assert yes.status_code == 200 and yes.json() == {"head": {}, "boolean": True}
    no = client.get("/sparql", params={"query": "ASK { ent:MesenchymalStemCell kg:category kg:Disease }", "format": "xml"})
    assert no.status_code == 200
    assert ET.fromstring(no.content).find(RESULTS_NS + "boolean").text == "false"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_construct_in_every_rdf_format(client, graph, accept, rdflib_format):
    query = "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e kg:category kg:Cell ; rdfs:label ?l }"
    response = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    got = Graph().parse(data=response.content, format=rdflib_format)
    from kg.query import run_query

    assert isomorphic(got, run_query(graph, query).graph)
    assert (URIRef(MSC), None, None) in got


def test_describe_gives_turtle_about_the_entity(client):
    response = client.get("/sparql", params={"query": "DESCRIBE ent:MesenchymalStemCell"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    got = Graph().parse(data=response.text, format="turtle")
    assert len(got) > 5 and all(s == URIRef(MSC) for s in got.subjects())


@pytest.mark.parametrize("query", [q.name for q in bundled_queries()])
def test_every_bundled_query_runs(client, default_build, query):
    from kg.query import get_query

    text = get_query(query).text
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    with open_store(default_build) as store:
        expected = store.query(text)
    assert len(response.json()["results"]["bindings"]) == len(expected.rows)


@pytest.mark.parametrize(
    ("send", "status"),
    [
        ({"params": {"query": "INSERT DATA { ent:X kg:category kg:Cell }"}}, 403),
        ({"params": {"update": "INSERT DATA { ent:X kg:category kg:Cell }"}}, 403),
        ({"data": {"update": "INSERT DATA { ent:X kg:category kg:Cell }"}}, 403),
        ({"content": b"INSERT DATA { ent:X kg:category kg:Cell }", "headers": {"Content-Type": "application/sparql-update"}}, 403),
        ({"params": {"query": "DELETE WHERE { ?s ?p ?o }"}}, 403),
    ],
)
def test_updates_are_refused_and_change_nothing(client, send, status):
    method = client.get if "params" in send else client.post
    response = method("/sparql", **send)
    assert response.status_code == status
    assert "read-only" in response.text
    assert sparql_json(client, "ASK { ent:X kg:category kg:Cell }")["boolean"] is False
    assert sparql_json(client, "ASK { ent:MesenchymalStemCell kg:category kg:Cell }")["boolean"] is True


def test_service_is_refused(client):
    response = client.get(
        "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://127.0.0.1:1/sparql> { ?s ?q ?r } } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "E800" and "SERVICE" in error["message"]


def test_syntax_error_gives_the_position(client):
    query = "SELECT ?s\nWHERE {\n  ?s rdfs:label ?l .\n  FILTER(?l = )\n}"
    as_json = client.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert as_json.status_code == 400
    error = as_json.json()["error"]
    assert error["line"] == 4 and error["column"] >= 3
    assert "SPARQL syntax error" in error["message"]
    as_text = client.post("/sparql", data={"query": query})
    assert as_text.status_code == 400 and as_text.headers["content-type"].startswith("text/plain")
    assert "line 4, column" in as_text.text and "^" in as_text.text


def test_unacceptable_format_is_406(client):
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "available" in response.text


def test_a_browser_opening_sparql_is_sent_to_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/query"


def test_result_cap(tight_client):
    response = tight_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 1 + 5
    assert response.headers["kg-rows"] == "5" and response.headers["kg-truncated"] == "true"
    graph = tight_client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"})
    assert graph.status_code == 200
    assert len(graph.text.strip().splitlines()) == 5 and graph.headers["kg-truncated"] == "true"
    small = tight_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3", "format": "csv"})
    assert small.headers["kg-rows"] == "3" and small.headers["kg-truncated"] == "false"


def test_time_limit_stops_the_query_and_the_endpoint_recovers(tight_client):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    response = tight_client.get("/sparql", params={"query": slow}, headers={"Accept": "application/json"})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "time limit of 1 s" in response.json()["error"]["message"]
    assert response.headers["retry-after"]
    assert elapsed < 10, f"the time limit took {elapsed:.1f} s to act"
    after = tight_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_repeated_queries_are_answered_from_the_cache(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l }"
    first = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    again = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    other_format = client.get("/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert first.headers["kg-cache"] == "miss" and again.headers["kg-cache"] == "hit"
    assert again.content == first.content
    assert other_format.headers["kg-cache"] == "miss" and other_format.text.startswith("?n")
    bad = client.get("/sparql", params={"query": "SELECT ?s WHERE {"})
    assert bad.status_code == 400 and "kg-cache" not in bad.headers


def test_the_pool_runs_a_request_once_while_it_is_running(default_build):
    from kg.web.sparql import SparqlRequest

    request = SparqlRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d rdfs:label ?e }", "text/csv")
    with QueryPool(default_build, workers=1, timeout=30) as pool:
        first, second = pool.submit(request), pool.submit(request)
        assert first is second
        assert first.result(timeout=60).ok and first.result().body.startswith(b"n\r\n")
        third = pool.submit(request).result(timeout=60)
        assert third.cached and third.body == first.result().body
    with QueryPool(default_build, workers=1, timeout=30, cache_bytes=0) as pool:
        assert pool.submit(request) is not pool.submit(request)


# ---------------------------------------------------------------------------
# Pages and APIs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/", "text/html"),
        ("/query", "text/html"),
        ("/query?name=cell-secretes", "text/html"),
        ("/graph", "text/html"),
        ("/graph?focus=MesenchymalStemCell", "text/html"),
        ("/entity/MesenchymalStemCell", "text/html"),
        ("/search?q=stem", "text/html"),
        ("/api/queries", "application/json"),
        ("/api/graph", "application/json"),
        ("/static/kg.css", "text/css"),
        ("/static/graphview.js", "text/javascript"),
        ("/vendor/vis-network.min.js", "text/javascript"),
        ("/vendor/vis-network.css", "text/css"),
    ],
)
def test_pages_and_assets(client, path, media):
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_load_nothing_from_elsewhere(client):
    for path in ("/", "/query", "/graph", "/entity/MesenchymalStemCell"):
        html = client.get(path).text
        for ref in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert ref.startswith(("/", "#", "http://purl.obolibrary.org/")), f"{path} refers to {ref}"
        assert "<script>" not in html, "scripts are static files, never inline"


@pytest.mark.parametrize(
    ("host", "status"),
    [("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200), ("attacker.example", 400), ("attacker.example:8000", 400)],
)
def test_only_loopback_host_names_are_served(client, host, status):
    """A page elsewhere cannot reach the server through a rebound DNS name."""
    assert client.get("/api/queries", headers={"Host": host}).status_code == status


@pytest.mark.parametrize("path", ["/entity/NoSuchThing", "/nowhere"])
def test_not_found_pages(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_entity_page_shows_names_class_ids_and_claims_with_evidence(client, site):
    html = client.get("/entity/MesenchymalStemCell").text
    details = site.entity("MesenchymalStemCell")
    assert "<h1>" in html and "mesenchymal stem cell</h1>" in html
    for synonym in ("MSC", "mesenchymal stromal cell", "hMSC"):
        assert f"<li>{synonym}</li>" in html
    assert details.classes == (("https://w3id.org/kg/ontology/MesenchymalStemCell", "mesenchymal stem cell"),)
    assert '<a class="identifier" href="http://purl.obolibrary.org/obo/CL_0000134"' in html and ">CL:0000134</a>" in html
    assert "stem-cells-ddd.txt" in html
    assert details.outgoing and details.incoming
    outgoing, incoming = html.split('id="incoming"')
    import html as html_lib

    for claim in details.outgoing:
        assert claim.subject.key == "MesenchymalStemCell"
        assert f'id="claim-{claim.key}"' in outgoing
        for ev in claim.evidence:
            assert html_lib.escape(ev.sentence) in outgoing
    for claim in details.incoming:
        assert claim.object.key == "MesenchymalStemCell"
        assert f'id="claim-{claim.key}"' in incoming
    modalities = {c.modality for c in details.outgoing + details.incoming}
    assert "hedged" in modalities
    assert '<span class="badge hedged">hedged</span>' in html


def test_entity_details_agree_with_the_graph(site, graph):
    from rdflib.namespace import SKOS

    for category, _, refs in site.entities_by_category():
        for ref in refs:
            details = site.entity(ref.key)
            iri = URIRef(ref.iri)
            expected_ids = sorted(str(o) for o in graph.objects(iri, SKOS.exactMatch))
            assert sorted(i.iri for i in details.identifiers) == expected_ids
            assert set(details.synonyms) == {str(o) for o in graph.objects(iri, SKOS.altLabel)} - {ref.label}
            assert ref.category == category
    total = sum(len(site.entity(r.key).outgoing) for _, _, refs in site.entities_by_category() for r in refs)
    assert total == site.claim_count


@pytest.mark.parametrize(
    ("q", "first", "matched"),
    [
        ("MSC", "MesenchymalStemCell", "MSC"),
        ("msc", "MesenchymalStemCell", "MSC"),
        ("mesenchymal stem", "MesenchymalStemCell", "mesenchymal stem cell"),
        ("  Mesenchymal   STEM cell ", "MesenchymalStemCell", "mesenchymal stem cell"),
        ("growth fac", "GrowthFactor", "growth factor"),
        ("back pain", "ChronicLowBackPain", "chronic low back pain"),
    ],
)
def test_suggestions(client, q, first, matched):
    response = client.get("/api/suggest", params={"q": q})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    suggestions = response.json()["suggestions"]
    assert suggestions, q
    assert suggestions[0]["id"] == first
    assert suggestions[0]["url"] == f"/entity/{first}"
    if matched is not None:
        assert suggestions[0]["matched"] == matched
    assert len({s["id"] for s in suggestions}) == len(suggestions), "one suggestion per entity"


def test_suggestions_rank_prefixes_before_substrings(site):
    hits = site.suggest("cell", limit=50)
    ranks = ["prefix" if h.matched.lower().startswith("cell") else "other" for h in hits]
    assert ranks == sorted(ranks, key=lambda r: r != "prefix")
    assert all("cell" in h.matched.lower() for h in hits)


@pytest.mark.parametrize("q", ["", "   ", "zzzz-no-such-name"])
def test_suggestions_for_nothing(client, q):
    assert client.get("/api/suggest", params={"q": q}).json()["suggestions"] == []


def test_suggestion_limit(client):
    assert len(client.get("/api/suggest", params={"q": "e", "limit": 3}).json()["suggestions"]) == 3
    assert client.get("/api/suggest", params={"q": "e", "limit": "many"}).status_code == 400


def test_search_page(client):
    exact = client.get("/search", params={"q": "msc"}, follow_redirects=False)
    assert exact.status_code == 303 and exact.headers["location"] == "/entity/MesenchymalStemCell"
    several = client.get("/search", params={"q": "stem"})
    assert several.status_code == 200
    assert 'href="/entity/MesenchymalStemCell"' in several.text and 'href="/entity/StemCell"' in several.text


def test_neighbours(client, site):
    response = client.get("/api/neighbours/MesenchymalStemCell")
    assert response.status_code == 200
    data = response.json()
    ids = {n["id"] for n in data["nodes"]}
    assert data["center"] == "MesenchymalStemCell" and "MesenchymalStemCell" in ids
    details = site.entity("MesenchymalStemCell")
    assert {e["id"] for e in data["edges"]} == {c.key for c in details.outgoing + details.incoming}
    for edge in data["edges"]:
        assert "MesenchymalStemCell" in (edge["from"], edge["to"])
        assert {edge["from"], edge["to"]} <= ids
        assert edge["evidence"] and all(ev["sentence"] and ev["source"] for ev in edge["evidence"])
        assert edge["modality"] in ("asserted", "hedged", "negated")
    node = next(n for n in data["nodes"] if n["id"] == "MesenchymalStemCell")
    assert node["iri"] == MSC and node["category"] == "cell" and node["colour"].startswith("#")
    missing = client.get("/api/neighbours/NoSuchThing")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/json"


def test_graph_overview_and_subgraph(client, site):
    whole = client.get("/api/graph").json()
    assert whole["truncated"] is False
    assert len(whole["nodes"]) == site.entity_count and len(whole["edges"]) == site.claim_count
    top = client.get("/api/graph", params={"limit": 5}).json()
    assert top["truncated"] is True and len(top["nodes"]) == 5
    ids = {n["id"] for n in top["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in top["edges"])
    focus = client.get("/api/graph", params={"focus": "MSC"})
    assert focus.status_code == 404  # focus is an entity's name, not a synonym
    sub = client.post("/api/subgraph", json={"ids": [MSC, "GrowthFactor", "NoSuchThing"]}).json()
    assert {n["id"] for n in sub["nodes"]} == {"MesenchymalStemCell", "GrowthFactor"}
    assert [(e["from"], e["label"], e["to"]) for e in sub["edges"]] == [("MesenchymalStemCell", "secretes", "GrowthFactor")]
    assert not any(n.get("context") for n in sub["nodes"])
    # a statement IRI brings its claim and both ends
    claim = site.entity("GrowthFactor").incoming[0]
    by_claim = client.post("/api/subgraph", json={"ids": [f"https://w3id.org/kg/statement/{claim.key}"]}).json()
    assert [e["id"] for e in by_claim["edges"]] == [claim.key]
    assert {n["id"] for n in by_claim["nodes"]} == {claim.subject.key, claim.object.key}
    # neighbours: every claim touching the entities, the other ends marked as context
    wide = client.post("/api/subgraph", json={"ids": ["GrowthFactor"], "neighbours": True}).json()
    details = site.entity("GrowthFactor")
    assert {e["id"] for e in wide["edges"]} == {c.key for c in details.outgoing + details.incoming}
    context = {n["id"] for n in wide["nodes"] if n.get("context")}
    assert "GrowthFactor" not in context and "MesenchymalStemCell" in context
    for bad in (b"nonsense", b"[1, 2]", b'{"ids": "x"}', b'{"ids": [1]}'):
        assert client.post("/api/subgraph", content=bad).status_code == 400


def test_bundled_queries_api(client):
    data = client.get("/api/queries").json()
    assert [q["name"] for q in data["queries"]] == [q.name for q in bundled_queries()]
    assert data["prefixes"]["ent"] == "https://w3id.org/kg/entity/"
    first = data["queries"][0]
    assert first["title"] and first["text"].lstrip().startswith("#")


# ---------------------------------------------------------------------------
# Text from documents is escaped everywhere
# ---------------------------------------------------------------------------


def test_markup_in_documents_is_escaped(hostile_client):
    pages = {
        "index": hostile_client.get("/").text,
        "entity": hostile_client.get("/entity/MesenchymalStemCell").text,
        "growth factor": hostile_client.get("/entity/GrowthFactor").text,
    }
    assert "Evil &lt;script&gt;window.__pwned=1&lt;/script&gt; title" in pages["index"]
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in pages["entity"]
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in pages["growth factor"]
    for name, html in pages.items():
        assert "<img src=x" not in html, name
        assert "<script>window" not in html, name
        assert "onerror=\"window" not in html, name


def test_markup_in_documents_stays_data_in_json(hostile_client):
    response = hostile_client.get("/api/neighbours/GrowthFactor")
    assert response.headers["content-type"] == "application/json"
    sentences = [ev["sentence"] for e in response.json()["edges"] for ev in e["evidence"]]
    assert 'MSCs secrete growth factors <img src=x onerror="window.__pwned=1">.' in sentences


# ---------------------------------------------------------------------------
# Running: binding, the command line
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("192.168.1.10", False), ("example.org", False), ("::", False)],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_bind_reports_a_port_in_use():
    sock = bind("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        with pytest.raises(ServeError, match="in use"):
            bind("127.0.0.1", port)
    finally:
        sock.close()


def test_pool_refuses_bad_settings(default_build):
    with pytest.raises(ServeError, match="workers"):
        QueryPool(default_build, workers=0)
    with pytest.raises(ServeError, match="time limit"):
        QueryPool(default_build, timeout=0)


def test_missing_graph_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kg", "serve", str(tmp_path / "nothing"), "--port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "no such graph file or build folder" in result.stderr


@pytest.mark.slow
def test_kg_serve_command(default_build):
    """`kg serve` prints its URL once ready, answers, and stops cleanly on SIGTERM."""
    import urllib.request

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", str(default_build), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"no URL in {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}"
        url = match.group(0)
        request = urllib.request.Request(url + "sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read()) == {"head": {}, "boolean": True}
        with urllib.request.urlopen(url + "entity/MesenchymalStemCell", timeout=30) as response:
            assert b"mesenchymal stem cell" in response.read()
        workers = _children(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why it stopped
    assert process.returncode in (0, -15)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "query workers outlived the server"


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc; empty elsewhere)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(c) for c in children.read_text().split())
    return found


# ---------------------------------------------------------------------------
# Packaging and import cost
# ---------------------------------------------------------------------------


def test_every_asset_a_template_names_is_packaged():
    import kg
    from kg.web import STATIC_DIR, TEMPLATES_DIR

    package = Path(kg.__file__).resolve().parent
    assert TEMPLATES_DIR.is_relative_to(package) and STATIC_DIR.is_relative_to(package)
    named = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        named.update(re.findall(r'(?:src|href)="/static/([^"]+)"', template.read_text(encoding="utf-8")))
    assert {"kg.js", "kg.css", "suggest.js", "graphview.js", "query.js", "graph-page.js"} <= named
    for name in named:
        assert (STATIC_DIR / name).is_file(), name


def test_the_command_line_does_not_import_the_web_stack():
    code = "import sys, kg.cli; print(sorted(m for m in ('starlette', 'uvicorn', 'pebble', 'kg.web') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(("source", "engine"), [("graph.ttl", None), ("graph.nt", "oxigraph"), (".", "rdflib"), (".", "oxigraph")])
def test_every_engine_and_source_answers_alike(default_build, graph, source, engine):
    from kg.web.sparql import SparqlRequest

    with QueryPool(default_build / source, engine=engine, workers=1, timeout=60) as pool:
        answer = pool.submit(SparqlRequest(CELLS, "application/sparql-results+json")).result(timeout=120)
    assert answer.ok, answer.body
    rows = [(b["e"]["value"], b["label"]["value"]) for b in json.loads(answer.body)["results"]["bindings"]]
    assert rows == _expected_cells(graph)


def test_workers_that_cannot_open_the_graph_are_a_clear_error(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ServeError, match="could not open"):
        QueryPool(broken, workers=1, timeout=5).start()


# ---------------------------------------------------------------------------
# The overview lists every entity, a page at a time
# ---------------------------------------------------------------------------


def _listed(html: str) -> list[str]:
    """The entity names linked from the overview's list, in order."""
    listing = html.split('id="entity-list"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'href="/entity/([^"]+)"', listing)


def test_overview_pages_cover_every_entity_once_in_a_stable_order(client, site):
    size = 7
    pages = -(-site.entity_count // size)
    assert pages >= 3, "the default build has enough entities for three pages"
    seen: list[str] = []
    for number in range(1, pages + 1):
        response = client.get("/", params={"page": number, "size": size})
        assert response.status_code == 200, response.text
        names = _listed(response.text)
        assert len(names) == (size if number < pages else site.entity_count - size * (pages - 1))
        first = (number - 1) * size + 1
        assert f"Entities {first}&ndash;{first + len(names) - 1} of <span class=\"total\">{site.entity_count}</span>" in response.text
        assert (f'href="/?page={number + 1}&amp;size={size}#entities"' in response.text) == (number < pages)
        assert (f'href="/?page={number - 1}&amp;size={size}#entities"' in response.text) == (number > 1)
        seen.extend(names)
    assert sorted(seen) == sorted(ref.key for _, _, refs in site.entities_by_category() for ref in refs)
    assert len(seen) == len(set(seen))
    # most mentioned first, ties by label
    mentions = [site.entity(key).mentions for key in seen]
    assert mentions == sorted(mentions, reverse=True) and mentions[0] > mentions[-1]
    order = [(-site.entity(k).mentions, site.entity(k).ref.label.lower(), k) for k in seen]
    assert order == sorted(order)
    # the same request gives the same page
    assert _listed(client.get("/", params={"page": 2, "size": size}).text) == seen[size : 2 * size]


def test_overview_default_page(client, site):
    html = client.get("/").text
    names = _listed(html)
    assert names == list(site.ranked_keys()[:100])
    assert f'<span class="total">{site.entity_count}</span>' in html


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"page": "0"}, 400, "page must be at least 1"),
        ({"page": "-3"}, 400, "page must be at least 1"),
        ({"page": "two"}, 400, "page must be a whole number"),
        ({"size": "0"}, 400, "size must be between 1 and 1000"),
        ({"size": "1001"}, 400, "size must be between 1 and 1000"),
        ({"size": "1.5"}, 400, "size must be a whole number"),
        ({"page": "2"}, 404, "there is no page 2: the last page is 1"),
        ({"page": "1000", "size": "10"}, 404, "the last page is"),
    ],
)
def test_overview_page_bounds(client, params, status, words):
    response = client.get("/", params=params)
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]
    assert words in response.text


def test_last_page_of_entities(client, site):
    size = 10
    last = -(-site.entity_count // size)
    response = client.get("/", params={"page": last, "size": size})
    assert response.status_code == 200
    assert _listed(response.text) == list(site.ranked_keys()[(last - 1) * size :])
    assert 'class="next disabled"' in response.text and 'rel="prev"' in response.text


def test_entity_page_reads_only_its_page(site):
    listing = site.entity_page(3, 5)
    assert [ref.key for ref, _ in listing.entries] == list(site.ranked_keys()[10:15])
    assert (listing.first, listing.last, listing.total) == (11, 15, site.entity_count)
    assert listing.pages == -(-site.entity_count // 5)
    for page, size in ((0, 5), (1, 0), (listing.pages + 1, 5)):
        with pytest.raises(ValueError):
            site.entity_page(page, size)


# ---------------------------------------------------------------------------
# Parameters of bundled queries
# ---------------------------------------------------------------------------


def test_bundled_queries_api_describes_parameters(client):
    queries = {q["name"]: q for q in client.get("/api/queries").json()["queries"]}
    assert queries["cell-secretes"]["parameters"] == [
        {"name": "cell", "description": 'name of the cell type (default "mesenchymal stem cell")', "default": "mesenchymal stem cell", "numeric": False}
    ]
    assert queries["weak-claims"]["parameters"][0] | {"description": ""} == {"name": "threshold", "description": "", "default": "0.5", "numeric": True}
    assert queries["relations-by-document"]["parameters"][0]["default"] == ""
    assert queries["claims-by-type"]["parameters"] == []
    for q in bundled_queries():
        assert [p["name"] for p in queries[q.name]["parameters"]] == [p.name for p in q.parameters]


def _rows(client, text: str) -> list[dict]:
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


@pytest.mark.parametrize("value", ["MSC", "mesenchymal stem cell", "ent:MesenchymalStemCell", "nothing by this name", 'quote " and \\ backslash'])
def test_filled_query_answers_as_kg_query_does(client, default_build, value):
    from kg.query import parse_params
    from kg.query import get_query

    response = client.post("/api/queries/cell-secretes", json={"params": {"cell": value}})
    assert response.status_code == 200, response.text
    text = response.json()["query"]
    assert text != get_query("cell-secretes").text
    # the same answers as kg query --name cell-secretes --param cell=VALUE (rdflib binds the value itself)
    with open_store(default_build, engine="rdflib") as store:
        expected = store.query(get_query("cell-secretes").text, parse_params([f"cell={value}"]))
    rows = _rows(client, text)
    assert len(rows) == len(expected.rows)
    assert sorted(r["substance"]["value"] for r in rows) == sorted(str(row[-1]) for row in expected.rows)


def test_filled_query_binds_values(client):
    msc = _rows(client, client.post("/api/queries/cell-secretes", json={"params": {"cell": "MSC"}}).json()["query"])
    assert any("growth factor" in r["substanceLabel"]["value"] for r in msc)
    none = _rows(client, client.post("/api/queries/cell-secretes", json={"params": {"cell": "no such cell"}}).json()["query"])
    assert none == []
    # an empty value leaves the parameter unbound: the default applies
    empty = client.post("/api/queries/cell-secretes", json={"params": {"cell": "  "}}).json()["query"]
    assert empty == next(q.text for q in bundled_queries() if q.name == "cell-secretes")
    # a value with SPARQL in it stays one string
    sneaky = 'x")) } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o FILTER(("'
    text = client.post("/api/queries/cell-secretes", json={"params": {"cell": sneaky}}).json()["query"]
    assert '"x\\")) } ; DROP ALL' in text
    assert _rows(client, text) == []
    weak = client.post("/api/queries/weak-claims", json={"params": {"threshold": "0.9"}}).json()["query"]
    assert 'COALESCE("0.9", 0.5)' in weak
    assert len(_rows(client, weak)) >= len(_rows(client, next(q.text for q in bundled_queries() if q.name == "weak-claims")))


@pytest.mark.parametrize(
    ("name", "body", "status", "parameter", "words"),
    [
        ("cell-secretes", {"params": {"cell": "<not an iri>"}}, 400, "cell", "is not a valid IRI"),
        ("cell-secretes", {"params": {"cell": "two\nlines"}}, 400, "cell", "control characters"),
        ("cell-secretes", {"params": {"cell": "x" * 501}}, 400, "cell", "longer than 500"),
        ("cell-secretes", {"params": {"cell": 3}}, 400, "cell", "must be text"),
        ("cell-secretes", {"params": {"colour": "red"}}, 400, None, "has no parameter 'colour' (its parameters: cell)"),
        ("weak-claims", {"params": {"threshold": "high"}}, 400, "threshold", "is not a number"),
        ("weak-claims", {"params": {"threshold": "1e3"}}, 400, "threshold", "is not a number"),
        ("cell-secretes", {"params": ["cell"]}, 400, None, "send a JSON object"),
        ("cell-secretes", "not json", 400, None, "send a JSON object"),
        ("no-such-query", {"params": {}}, 404, None, "no bundled query called 'no-such-query'"),
    ],
)
def test_filling_a_query_refuses_bad_values(client, name, body, status, parameter, words):
    if isinstance(body, str):
        response = client.post(f"/api/queries/{name}", content=body.encode())
    else:
        response = client.post(f"/api/queries/{name}", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert words in error["message"]
    assert error.get("parameter") == parameter


def test_query_page_has_the_parameter_form(client):
    html = client.get("/query?name=cell-secretes").text
    assert 'id="parameters"' in html and 'id="parameter-fields"' in html


# ---------------------------------------------------------------------------
# The interactive graph is drawn at positions computed on the server
# ---------------------------------------------------------------------------


def test_graph_comes_with_positions_computed_once(client, site):
    from kg.layout import layout

    data = client.get("/api/graph").json()
    assert data["positioned"] is True and data["truncated"] is False
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in data["nodes"])
    expected = layout([n["id"] for n in data["nodes"]], [(e["from"], e["to"]) for e in data["edges"]])
    assert {n["id"]: (n["x"], n["y"]) for n in data["nodes"]} == expected
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(data["nodes"]), "no two nodes on one spot"
    # the layout is cached: a second request gives the same positions from the same object
    again = client.get("/api/graph").json()
    assert again["nodes"] == data["nodes"]
    pairs = [(e["from"], e["to"]) for e in data["edges"]]
    assert site.layout_of([n["id"] for n in data["nodes"]], pairs) is site.layout_of([n["id"] for n in data["nodes"]], reversed(pairs))


def test_focused_graph_and_subgraph_are_positioned(client):
    focus = client.get("/api/graph", params={"focus": "MesenchymalStemCell"}).json()
    assert focus["positioned"] is True and focus["center"] == "MesenchymalStemCell"
    assert all("x" in n and "y" in n for n in focus["nodes"])
    sub = client.post("/api/subgraph", json={"ids": ["GrowthFactor"], "neighbours": True}).json()
    assert sub["positioned"] is True and all("x" in n and "y" in n for n in sub["nodes"])
    empty = client.post("/api/subgraph", json={"ids": ["NoSuchThing"]}).json()
    assert empty == {"nodes": [], "edges": [], "positioned": False}


class _IdlePool:
    """A stand-in for the query workers, for pages that run no SPARQL."""

    timeout = 1.0

    def start(self) -> None: ...

    def close(self) -> None: ...


def _large_site(entities: int):
    """A Site over an in-memory Oxigraph store of ``entities`` made-up entities and no claims."""
    import pyoxigraph as ox

    from kg.web.site import Site

    ent, kg = "https://w3id.org/kg/entity/", "https://w3id.org/kg/ontology/"
    categories = ("Cell", "Disease", "ChemicalEntity", "")
    lines = []
    for i in range(entities):
        node = f"<{ent}E{i:06d}>"
        lines.append(f"{node} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{kg}Thing> .")
        lines.append(f'{node} <http://www.w3.org/2000/01/rdf-schema#label> "entity {i}" .')
        lines.append(f'{node} <{kg}mentionCount> "{i % 97}"^^<http://www.w3.org/2001/XMLSchema#integer> .')
        if categories[i % 4]:
            lines.append(f"{node} <{kg}category> <{kg}{categories[i % 4]}> .")
    store = ox.Store()
    store.load("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return Site(store, "large")


def test_a_page_of_a_hundred_thousand_entities_is_quick():
    site = _large_site(100_000)
    site.ranked_keys()  # done once, when the server starts
    with _client(create_app(site, _IdlePool())) as c:
        started = time.perf_counter()
        response = c.get("/", params={"page": 500, "size": 100})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        names = _listed(response.text)
        assert names == list(site.ranked_keys()[49_900:50_000])
        assert 'of <span class="total">100000</span> (page 500 of 1000)' in response.text
        assert elapsed < 1.0, f"a page took {elapsed:.2f} s"
        assert c.get("/", params={"page": 1001, "size": 100}).status_code == 404


# ---------------------------------------------------------------------------
# The pages are read from the Oxigraph store, never from a whole rdflib graph
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store_only_build(default_build, tmp_path_factory) -> Path:
    """A copy of the default build with its store and without graph.nt and graph.ttl."""
    import shutil

    folder = tmp_path_factory.mktemp("store-only") / "out"
    shutil.copytree(default_build, folder, symlinks=True)
    (folder / "graph.nt").unlink()
    (folder / "graph.ttl").unlink()
    return folder


def _everything(site) -> dict:
    """What the pages of ``site`` show, as plain data."""
    keys = [ref.key for _, _, refs in site.entities_by_category() for ref in refs]
    return {
        "counts": (site.triples, site.entity_count, site.claim_count, site.evidence_count),
        "legend": site.legend,
        "documents": site.documents,
        "entities": [site.entity(key) for key in keys],
        "ranked": site.ranked_keys(),
        "categories": site.category_counts(),
        "relations": site.relation_counts(),
        "overview": site.overview(),
        "top": site.overview(7),
        "neighbours": [site.neighbours(key) for key in keys],
        "suggest": [site.suggest(q, 50) for q in ("cell", "msc", "e", "growth", "pain")],
    }


def test_site_reads_a_build_folders_store_and_shows_what_the_graph_file_shows(store_only_build, default_build, site, monkeypatch):
    import kg.graph

    def refuse(*args, **kwargs):
        raise AssertionError("the whole graph was loaded into rdflib")

    monkeypatch.setattr(kg.graph, "load_graph", refuse)
    from_store = load_site(store_only_build, "test graph")
    from_nt = load_site(default_build / "graph.nt", "test graph")
    from_ttl = load_site(default_build / "graph.ttl", "test graph")
    expected = _everything(from_nt)
    assert expected["counts"][1] > 50 and expected["counts"][2] > 20 and expected["documents"]
    assert _everything(from_store) == expected
    assert _everything(from_ttl) == expected
    assert _everything(site) == expected


def test_site_matches_the_view_of_the_whole_graph(site, graph):
    """Entities, labels, tooltips, claims and every sentence are those kg.view.view_data reads from the graph."""
    from kg.view import view_data

    def also_sorted(tooltip: str) -> str:  # kg.view leaves synonyms that differ only in case in set order
        return re.sub(r"(?m)^also: (.*)$", lambda m: "also: " + ", ".join(sorted(m.group(1).split(", "))), tooltip)

    data = view_data(graph)
    tooltips = [site.node_json(k)["tooltip"] for k in sorted(site.ranked_keys())]
    assert [also_sorted(t) for t in tooltips] == [
        also_sorted(n.tooltip) for n in sorted(data.nodes, key=lambda n: n.id.rsplit("/", 1)[-1])
    ]
    assert any("also: " in t for t in tooltips)
    edges = {e.id.rsplit("/", 1)[-1]: e for e in data.edges}
    assert set(edges) == {c for c in site._claims}
    for key, edge in edges.items():
        claim = site.claim(key)
        assert (claim.subject.iri, claim.relation, claim.object.iri, claim.modality) == (edge.source, edge.label, edge.target, edge.modality)
        assert claim.evidence == edge.evidence and claim.evidence
    assert site.evidence_count == sum(len(e.evidence) for e in data.edges)


def test_site_reads_evidence_on_demand_and_keeps_it(default_build):
    site = load_site(default_build)
    assert len(site._evidence_cache) == 0, "no evidence is read when the site is made"
    details = site.entity("GrowthFactor")
    assert details.incoming and all(c.evidence for c in details.incoming)
    assert len(site._evidence_cache) == len(details.incoming) + len(details.outgoing)
    store = site._store

    class Counting:
        queries = 0

        def query(self, *args, **kwargs):
            Counting.queries += 1
            return store.query(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(store, name)

    site._store = Counting()
    site.entity("GrowthFactor")
    assert Counting.queries == 0, "the second visit reads the evidence from the cache"


def test_a_site_of_a_hundred_thousand_entities_is_made_from_a_few_queries():
    started = time.perf_counter()
    site = _large_site(100_000)
    elapsed = time.perf_counter() - started
    assert site.entity_count == 100_000 and site.claim_count == 0
    assert [h.ref.key for h in site.suggest("entity 99999")] == ["E099999"]
    assert site.entity("E000004").ref.category == "Cell"  # no label in this store: the local name
    assert elapsed < 60, f"making the site took {elapsed:.1f} s"


def test_serve_starts_on_a_store_only_build(store_only_build):
    """``kg serve`` on a build folder without graph.nt: the pages and the SPARQL endpoint answer from the store."""
    import socket as socket_module
    import urllib.request

    with socket_module.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", str(store_only_build), "--port", str(port), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/entity/MesenchymalStemCell", timeout=10) as r:
                    page = r.read().decode("utf-8")
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "kg serve did not answer"
                time.sleep(0.2)
        assert "mesenchymal stem cell</h1>" in page and 'class="sentence"' in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/graph", timeout=30) as r:
            data = json.loads(r.read())
        assert data["positioned"] is True and data["nodes"] and data["edges"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def repeated_build(tmp_path_factory) -> Path:
    """A build where one claim (MSCs secrete growth factors) is backed by eight sentences, one per document."""
    from kg.build import build

    corpus = tmp_path_factory.mktemp("repeated-corpus")
    for i in range(8):
        (corpus / f"doc{i}.txt").write_text(f"Report {i}\n\nMSCs secrete growth factors in study {i}.\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("repeated-build") / "out"
    build([corpus], out)
    return out


def test_graph_json_sends_a_few_sentences_and_the_entity_page_all(repeated_build):
    from kg.web.site import GRAPH_EVIDENCE

    site = load_site(repeated_build)
    (claim,) = [c for c in site.entity("GrowthFactor").incoming if c.relation == "secretes"]
    assert len(claim.evidence) == 8 > GRAPH_EVIDENCE
    pool = QueryPool(repeated_build, workers=1, timeout=30)
    with _client(create_app(site, pool)) as c:
        for data in (c.get("/api/neighbours/GrowthFactor").json(), c.get("/api/graph").json()):
            (edge,) = [e for e in data["edges"] if e["id"] == claim.key]
            assert edge["evidence_count"] == 8 and len(edge["evidence"]) == GRAPH_EVIDENCE
            sentences = [ev["sentence"] for ev in edge["evidence"]]
            assert len(set(sentences)) == GRAPH_EVIDENCE and set(sentences) < {ev.sentence for ev in claim.evidence}
        again = c.get("/api/neighbours/GrowthFactor").json()
        assert [e["evidence"] for e in again["edges"]] == [e["evidence"] for e in c.get("/api/neighbours/GrowthFactor").json()["edges"]]
        page = c.get(f"/entity/{claim.subject.key}").text
        block = page.split(f'id="claim-{claim.key}"', 1)[1].split("</article>", 1)[0]
        assert block.count('class="sentence"') == 8
