"""kg.remote: push a build into a SPARQL 1.1 endpoint and query it, against a real Virtuoso.

The Virtuoso tests start ``virtuoso-t`` (Debian package ``virtuoso-opensource``)
on free loopback ports with a database in a temporary folder, and stop it
afterwards.  They are skipped, saying why, when Virtuoso is not installed;
``scripts/setup-and-test.sh`` installs it when run as root.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from kg.cli import main
from kg.query import get_query
from kg.remote import (
    DEFAULT_GRAPH,
    RemoteError,
    _parse_answer,
    graph_url,
    gsp_chunks,
    push,
    query_form,
    remote_query,
    update_batches,
)
from kg.store import open_store

VIRTUOSO = shutil.which("virtuoso-t")
REPO = Path(__file__).resolve().parents[1]

INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A Virtuoso server on loopback; yields (query endpoint, update endpoint)."""
    if VIRTUOSO is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    import httpx

    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = _free_port()
    (folder / "virtuoso.ini").write_text(INI.format(sql_port=_free_port(), http_port=http_port), encoding="utf-8")
    log = open(folder / "stdout.log", "wb")
    proc = subprocess.Popen([VIRTUOSO, "-f", "-c", "virtuoso.ini"], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{http_port}/sparql"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"virtuoso-t exited with {proc.returncode}: {(folder / 'stdout.log').read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Virtuoso did not answer within 120 s")
            time.sleep(0.5)
        yield endpoint, f"http://127.0.0.1:{http_port}/sparql-auth"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _count(endpoint: str, graph: str) -> int:
    result = remote_query(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": URIRef(graph)})
    return int(result.values()[0][0])


def test_push_and_query_back(virtuoso, default_build: Path):
    query_endpoint, update_endpoint = virtuoso
    triples = len((default_build / "graph.nt").read_text(encoding="utf-8").splitlines())
    summary = push(default_build, update_endpoint, user="dba", password="dba", batch=1000)
    assert summary.triples == triples
    assert summary.requests >= 1 + triples // 1000  # the DROP and the batches
    assert _count(query_endpoint, DEFAULT_GRAPH) == triples
    # pushing again replaces the graph instead of adding to it
    push(default_build, update_endpoint, user="dba", password="dba", batch=2000)
    assert _count(query_endpoint, DEFAULT_GRAPH) == triples

    # a bundled query gives the same answer remotely as locally
    query = get_query("cell-secretes")
    remote = remote_query(query_endpoint, query.text, {"cell": "MSC"})
    with open_store(default_build) as store:
        local = store.query(query.text, {"cell": "MSC"})
    assert remote.variables == local.variables
    assert sorted(str(row[-1]) for row in remote.rows) == sorted(str(row[-1]) for row in local.rows)
    assert len(remote.rows) > 0


def test_cli_push_and_query(virtuoso, default_build: Path, capsys, tmp_path):
    query_endpoint, update_endpoint = virtuoso
    graph = "https://example.org/kg-cli-test"
    with pytest.raises(SystemExit) as code:
        main(["push", str(default_build), "--endpoint", update_endpoint, "--graph", graph, "--user", "dba", "--password", "dba"])
    assert code.value.code in (0, None)
    assert f"into <{graph}>" in capsys.readouterr().out
    with pytest.raises(SystemExit) as code:
        main(["query", "--endpoint", query_endpoint, f"ASK {{ GRAPH <{graph}> {{ ?s a kg:Document }} }}"])
    assert code.value.code in (0, None)
    assert capsys.readouterr().out.strip() == "true"


def test_push_without_rights_is_refused(virtuoso, default_build: Path):
    query_endpoint, _ = virtuoso
    with pytest.raises(RemoteError, match="HTTP"):
        push(default_build, query_endpoint, graph="https://example.org/denied")


def test_unreachable_endpoint(default_build: Path):
    port = _free_port()
    with pytest.raises(RemoteError, match="cannot reach"):
        push(default_build, f"http://127.0.0.1:{port}/sparql")
    with pytest.raises(RemoteError, match="cannot reach"):
        push(default_build, f"http://127.0.0.1:{port}/sparql-graph-crud", protocol="gsp")
    with pytest.raises(RemoteError, match="cannot reach"):
        push(default_build, "127.0.0.1/sparql-graph-crud", protocol="gsp")  # no scheme
    with pytest.raises(RemoteError, match="cannot reach"):
        remote_query(f"http://127.0.0.1:{port}/sparql", "ASK {}")


def test_update_batches_escape_terms():
    tricky = Literal('say "hi" } ; DROP ALL #\nnext')
    triples = [(URIRef("http://e/s"), URIRef("http://e/p"), tricky)] * 3 + [(BNode("b1"), URIRef("http://e/p"), Literal(1))]
    batches = list(update_batches(triples, "http://e/g", 2))
    assert [n for n, _ in batches] == [2, 2]
    text = batches[0][1]
    assert text.startswith("INSERT DATA { GRAPH <http://e/g> {")
    body = text.split("{", 2)[2].rsplit("}", 2)[0]  # the triples inside GRAPH <g> { ... }
    from rdflib import Graph

    parsed = Graph().parse(data=body, format="turtle")
    assert set(parsed) == {(URIRef("http://e/s"), URIRef("http://e/p"), tricky)}
    with pytest.raises(ValueError):
        list(update_batches(triples, "http://e/g", 0))


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/sparql-results+json", b'{"head": {}, "boolean": true}', ("ASK", True)),
        (
            "application/sparql-results+json; charset=utf-8",
            b'{"head": {"vars": ["x", "y"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "http://e/a"},'
            b' "y": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "3"}}, {}]}}',
            ("SELECT", [("http://e/a", 3), (None, None)]),
        ),
        ("text/turtle", b"<http://e/a> <http://e/p> 1 .", ("CONSTRUCT", 1)),
    ],
)
def test_parse_answer(content_type, body, expected):
    result = _parse_answer(content_type, body)
    kind, value = expected
    assert result.kind == kind
    if kind == "ASK":
        assert result.boolean is value
    elif kind == "SELECT":
        assert result.values() == value
    else:
        assert len(result) == value


# -- Graph Store Protocol ---------------------------------------------------------


def _gsp(endpoint: str) -> str:
    """Virtuoso's Graph Store endpoint with digest auth, beside its /sparql."""
    return endpoint.rsplit("/", 1)[0] + "/sparql-graph-crud-auth"


@pytest.fixture(scope="module")
def small_build(tmp_path_factory) -> Path:
    """A build of three documents (the seed article and two of its paragraphs as files of their own)."""
    from kg.build import build

    text = (REPO / "corpus" / "stem-cells-ddd.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 300]
    corpus = tmp_path_factory.mktemp("gsp-corpus")
    (corpus / "article.txt").write_text(text, encoding="utf-8")
    (corpus / "part-a.txt").write_text(paragraphs[1], encoding="utf-8")
    (corpus / "part-b.txt").write_text(paragraphs[3], encoding="utf-8")
    out = tmp_path_factory.mktemp("gsp-build") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KG_ONTOLOGY_PATH", raising=False)
        build([corpus], out)
    return out


def _local_graphs(build: Path) -> dict[str | None, set]:
    """The build's store, graph by graph (None: the default graph), as sets of rdflib triples."""
    import pyoxigraph as ox
    from rdflib import Graph

    store = ox.Store.read_only(str(build / "store"))
    graphs: dict[str | None, set] = {}
    for name in [None, *(g.value for g in store.named_graphs())]:
        node = ox.DefaultGraph() if name is None else ox.NamedNode(name)
        nt = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in store.quads_for_pattern(None, None, None, node))
        graphs[name] = set(Graph().parse(data=nt, format="nt"))
    return graphs


def _remote_graph(endpoint: str, graph: str) -> set:
    result = remote_query(endpoint, "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": URIRef(graph)})
    assert result.kind == "CONSTRUCT"
    return set(result.graph)


def _comparable(triples: set) -> set:
    """Triples without blank nodes, numbers by value (Virtuoso stores "0"^^xsd:decimal as an integer)."""
    out = set()
    for t in triples:
        if any(isinstance(x, BNode) for x in t):
            continue
        s, p, o = t
        if isinstance(o, Literal) and isinstance(o.value, (int, float, Decimal)) and not isinstance(o.value, bool):
            o = ("number", Decimal(str(o.value)))
        out.add((s, p, o))
    return out


def test_gsp_push_matches_the_local_store(virtuoso, small_build: Path):
    query_endpoint, update_endpoint = virtuoso
    target = "https://example.org/kg-gsp"
    local = _local_graphs(small_build)
    documents = sorted(g for g in local if g is not None)
    assert len(documents) == 3
    total = sum(len(t) for t in local.values())
    default_part = len(local[None])

    # something stale in a document graph: the push replaces the graph, so it must go
    stale = f"INSERT DATA {{ GRAPH <{documents[0]}> {{ <https://example.org/stale> <https://example.org/p> 1 }} }}"
    _sparql_update(update_endpoint, stale)
    assert _count(query_endpoint, documents[0]) == 1

    summary = push(small_build, _gsp(query_endpoint), protocol="gsp", graph=target, batch=2000, user="dba", password="dba")
    assert summary.triples == total
    assert summary.documents == 3
    bnodes = sum(1 for t in local[None] if any(isinstance(x, BNode) for x in t))
    assert bnodes > 0  # the blank nodes go in one request of their own
    # one PUT per document graph, the default part's chunks and its blank nodes, and two queries listing the
    # document graphs on the server (the last page is empty); the stale triple's graph is in the build: kept
    assert summary.removed == 0
    assert summary.requests == 3 + -(-(default_part - bnodes) // 2000) + 1 + 2

    assert _count(query_endpoint, target) == default_part
    for doc in documents:
        assert _count(query_endpoint, doc) == len(local[doc])
        assert _remote_graph(query_endpoint, doc) == local[doc]  # every triple, exactly
    remote_default = _remote_graph(query_endpoint, target)
    assert len(remote_default) == default_part
    assert _comparable(remote_default) == _comparable(local[None])

    # a bundled query answers the same over the pushed graphs as over the local store
    query = get_query("cell-secretes")
    remote = remote_query(query_endpoint, query.text, {"cell": "MSC"})
    with open_store(small_build) as store:
        here = store.query(query.text, {"cell": "MSC"})
    assert len(remote.rows) > 0
    assert sorted(str(row[-1]) for row in remote.rows) == sorted(str(row[-1]) for row in here.rows)

    # pushing again, in other chunks, replaces every graph: nothing doubles (not even the blank nodes)
    again = push(small_build, _gsp(query_endpoint), protocol="gsp", graph=target, batch=700, user="dba", password="dba")
    assert again.triples == total and again.requests > summary.requests
    assert _count(query_endpoint, target) == default_part
    assert [_count(query_endpoint, d) for d in documents] == [len(local[d]) for d in documents]

    # --keep (replace=False) adds: the blank-node triples come again as new nodes
    push(small_build, _gsp(query_endpoint), protocol="gsp", graph=target, user="dba", password="dba", replace=False)
    assert _count(query_endpoint, target) == default_part + bnodes


def test_cli_push_gsp(virtuoso, small_build: Path, capsys):
    query_endpoint, _ = virtuoso
    graph = "https://example.org/kg-gsp-cli"
    args = ["push", str(small_build), "--endpoint", _gsp(query_endpoint), "--protocol", "gsp", "--user", "dba", "--password", "dba"]
    with pytest.raises(SystemExit) as code:
        main([*args, "--graph", graph, "--batch", "5000"])
    assert code.value.code in (0, None)
    said = capsys.readouterr().out
    assert f"into <{graph}> and 3 document graphs" in said
    total = sum(len(t) for t in _local_graphs(small_build).values())
    assert f"Pushed {total} triples" in said

    one = "https://example.org/kg-gsp-one"
    with pytest.raises(SystemExit) as code:
        main([*args, "--graph", one, "--one-graph"])
    assert code.value.code in (0, None)
    assert _count(query_endpoint, one) == total

    with pytest.raises(SystemExit) as code:
        main(["push", str(small_build), "--endpoint", _gsp(query_endpoint), "--graph", "default"])
    assert code.value.code == 2
    assert "--graph default needs --protocol gsp" in capsys.readouterr().err


def test_gsp_errors_say_what_the_server_said(virtuoso, small_build: Path):
    query_endpoint, _ = virtuoso
    base = query_endpoint.rsplit("/", 1)[0]
    # not a Graph Store endpoint: Virtuoso answers PUT on an unknown path with 501
    with pytest.raises(RemoteError, match=r"PUT http://127\.0\.0\.1:\d+/no-such-store\?graph=.*HTTP (404|405|501)") as info:
        push(small_build, f"{base}/no-such-store", protocol="gsp", user="dba", password="dba", query_endpoint=query_endpoint)
    assert "Graph Store endpoint?" in str(info.value)
    # a query endpoint that is not one: said before anything is written
    with pytest.raises(RemoteError, match=r"listing the document graphs with a query at http://127\.0\.0\.1:\d+/no-such-query.*HTTP 404"):
        push(small_build, _gsp(query_endpoint), protocol="gsp", user="dba", password="dba", query_endpoint=f"{base}/no-such-query")
    # the anonymous store without the SPARQL_UPDATE role: Virtuoso's reason comes through as text, not HTML
    with pytest.raises(RemoteError, match=r"HTTP 403 Forbidden: .*Permission denied") as info:
        push(small_build, f"{base}/sparql-graph-crud", protocol="gsp")
    assert "<" not in str(info.value).split("HTTP 403", 1)[1]
    with pytest.raises(RemoteError, match=r"HTTP 401.*check --user and --password"):
        push(small_build, _gsp(query_endpoint), protocol="gsp", user="dba", password="wrong")


def test_gsp_chunks_and_urls():
    lines = [f"<http://e/s{i}> <http://e/p> {i} ." for i in range(5)]
    lines.insert(2, "_:b1 <http://e/p> 1 .")
    lines.insert(4, '<http://e/s> <http://e/p> _:b2 .')
    lines.append('<http://e/s> <http://e/p> "_:not a node" .')
    chunks = list(gsp_chunks(lines, 2))
    assert [len(c) for c in chunks] == [2, 2, 2, 2]
    assert chunks[-1] == ["_:b1 <http://e/p> 1 .", "<http://e/s> <http://e/p> _:b2 ."]
    assert sorted(line for chunk in chunks for line in chunk) == sorted(lines)
    with pytest.raises(ValueError):
        list(gsp_chunks(lines, 0))
    assert graph_url("http://h/store", "http://e/g?x=1#f") == "http://h/store?graph=http%3A%2F%2Fe%2Fg%3Fx%3D1%23f"
    assert graph_url("http://h/store?db=kg", None) == "http://h/store?db=kg&default"


def test_query_form():
    assert query_form("PREFIX select: <http://e/select#>\n# ASK me\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("base <http://e/> describe <x>") == "DESCRIBE"
    assert query_form("SELECT * { ?s ?p ?o }") == "SELECT"
    assert query_form("INSERT DATA { }") is None


def test_gsp_push_of_a_graph_file_falls_back_to_turtle(monkeypatch, tmp_path):
    """A store that refuses N-Triples (415) gets the same body as Turtle; a graph file goes whole into the target."""
    import httpx

    import kg.remote

    source = tmp_path / "g.nt"
    source.write_text("".join(f"<http://e/s{i}> <http://e/p> \"v{i}\" .\n" for i in range(5)), encoding="utf-8")
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        kind = request.headers["content-type"]
        seen.append((request.method, str(request.url), kind, request.content.decode().count("\n")))
        if kind.startswith("application/n-triples"):
            return httpx.Response(415, text="Unsupported Media Type")
        return httpx.Response(201 if request.method == "PUT" else 200)

    monkeypatch.setattr(kg.remote, "_client", lambda *a: httpx.Client(transport=httpx.MockTransport(handler)))
    summary = push(source, "http://store.example/data", protocol="gsp", graph="http://e/g", batch=2)
    assert (summary.triples, summary.documents, summary.requests) == (5, 0, 4)
    url = "http://store.example/data?graph=http%3A%2F%2Fe%2Fg"
    assert seen == [
        ("PUT", url, "application/n-triples", 2),
        ("PUT", url, "text/turtle; charset=utf-8", 2),
        ("POST", url, "text/turtle; charset=utf-8", 2),
        ("POST", url, "text/turtle; charset=utf-8", 1),
    ]


# -- a GSP push mirrors the build: document graphs the build no longer has are removed ----------------


def _sparql_update(endpoint: str, text: str) -> None:
    import httpx

    httpx.post(
        endpoint,
        content=text,
        headers={"Content-Type": "application/sparql-update"},
        auth=httpx.DigestAuth("dba", "dba"),
    ).raise_for_status()


def _graph_names(endpoint: str) -> set[str]:
    result = remote_query(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {str(row[0]) for row in result.rows}


def test_gsp_push_removes_the_graphs_of_removed_documents(virtuoso, tmp_path):
    from kg.build import build
    from kg.namespaces import DOCUMENT

    query_endpoint, update_endpoint = virtuoso
    store = _gsp(query_endpoint)
    target = "https://example.org/kg-gsp-prune"
    text = (REPO / "corpus" / "stem-cells-ddd.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 300]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, i in (("one.txt", 0), ("two.txt", 2), ("three.txt", 4)):
        (corpus / name).write_text(paragraphs[i], encoding="utf-8")
    out = tmp_path / "out"
    build([corpus], out)
    before = _local_graphs(out)
    assert len([g for g in before if g is not None]) == 3

    # graphs that are not kg document graphs, one with a name close to the namespace: never touched
    others = {"https://example.org/not-a-document": 1, str(DOCUMENT).rstrip("/") + "s/elsewhere": 2}
    for name, value in others.items():
        _sparql_update(update_endpoint, f"INSERT DATA {{ GRAPH <{name}> {{ <https://example.org/x> <https://example.org/p> {value} }} }}")

    first = push(out, store, protocol="gsp", graph=target, user="dba", password="dba")
    assert first.documents == 3
    on_server = {g for g in _graph_names(query_endpoint) if g.startswith(str(DOCUMENT))}
    assert on_server == {g for g in before if g is not None}  # the document graphs of other tests' pushes went too

    # the build again, without one document
    (corpus / "three.txt").unlink()
    build([corpus], out)
    after = _local_graphs(out)
    kept = sorted(g for g in after if g is not None)
    [gone] = {g for g in before if g is not None} - set(kept)
    assert len(kept) == 2

    # --keep and --one-graph pushes do not remove anything
    push(out, store, protocol="gsp", graph=target, user="dba", password="dba", replace=False)
    assert _count(query_endpoint, gone) == len(before[gone])
    assert push(out, store, protocol="gsp", graph=target + "-one", user="dba", password="dba", per_document=False).removed == 0
    assert _count(query_endpoint, gone) == len(before[gone])

    second = push(out, store, protocol="gsp", graph=target, user="dba", password="dba")
    assert (second.documents, second.removed) == (2, 1)
    assert second.triples == sum(len(t) for t in after.values())
    assert _count(query_endpoint, gone) == 0
    names = _graph_names(query_endpoint)
    assert gone not in names
    assert {g for g in names if g.startswith(str(DOCUMENT))} == set(kept)
    for doc in kept:
        assert _remote_graph(query_endpoint, doc) == after[doc]
    assert _comparable(_remote_graph(query_endpoint, target)) == _comparable(after[None])
    for name in others:
        assert _count(query_endpoint, name) == 1
    assert _count(query_endpoint, target + "-one") > 0

    # nothing left to remove: pushing again removes nothing
    assert push(out, store, protocol="gsp", graph=target, user="dba", password="dba").removed == 0


def test_gsp_push_lists_document_graphs_page_by_page(monkeypatch, tmp_path):
    """Offline: the listing goes on after a page that a store cut short, and only document graphs are deleted."""
    from urllib.parse import parse_qs, unquote

    import httpx
    import pyoxigraph as ox

    import kg.remote
    from kg.namespaces import DOCUMENT

    ns = str(DOCUMENT)
    build = tmp_path / "out"
    build.mkdir()
    local = ox.Store(str(build / "store"))
    local.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("kept"), ox.NamedNode(ns + "kept")))
    local.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("x"), ox.DefaultGraph()))
    local.flush()
    del local
    # the other graph stands for a store that ignores the FILTER: still never deleted
    remote = sorted(["http://other.example/g", ns + "kept", *(f"{ns}old-{i}" for i in range(5))])
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/query":
            query = parse_qs(request.content.decode())["query"][0]
            after = query.split("STR(?g) > ", 1)[1].split(")", 1)[0].strip('"')
            assert f'STRSTARTS(STR(?g), "{ns}")' in query
            rows = [g for g in remote if g > after][:2]  # a store that answers 2 rows at most
            seen.append(("QUERY", after))
            body = {"head": {"vars": ["g"]}, "results": {"bindings": [{"g": {"type": "uri", "value": g}} for g in rows]}}
            return httpx.Response(200, json=body, headers={"content-type": "application/sparql-results+json"})
        seen.append((request.method, unquote(request.url.query.decode())))
        return httpx.Response(404 if request.method == "DELETE" and request.url.query.decode().endswith("old-4") else 204)

    monkeypatch.setattr(kg.remote, "_client", lambda *a: httpx.Client(transport=httpx.MockTransport(handler)))
    summary = push(build, "http://store.example/store", protocol="gsp", graph="http://e/g")
    assert [s for s in seen if s[0] == "QUERY"] == [
        ("QUERY", ""),
        ("QUERY", ns + "kept"),
        ("QUERY", ns + "old-1"),
        ("QUERY", ns + "old-3"),
        ("QUERY", ns + "old-4"),  # the last, empty page
    ]
    assert {s[0] for s in seen[:5]} == {"QUERY"}  # all listed before anything is written
    assert [s for s in seen if s[0] != "QUERY"] == [
        ("PUT", "graph=http://e/g"),
        ("PUT", f"graph={ns}kept"),
        *(("DELETE", f"graph={ns}old-{i}") for i in range(5)),
    ]
    assert (summary.documents, summary.removed, summary.requests) == (1, 4, 5 + 2 + 5)  # old-4 was gone already

    # a Graph Store endpoint whose query URL is not known: refused before any request, unless it is given
    seen.clear()
    with pytest.raises(RemoteError, match="query URL"):
        push(build, "http://store.example/graphs", protocol="gsp", graph="http://e/g")
    assert seen == []
    assert push(build, "http://store.example/graphs", protocol="gsp", graph="http://e/g", query_endpoint="http://store.example/query").removed == 4
    # not replacing, or one graph: no listing, nothing deleted
    seen.clear()
    push(build, "http://store.example/graphs", protocol="gsp", graph="http://e/g", replace=False)
    push(build, "http://store.example/graphs", protocol="gsp", graph="http://e/g", per_document=False)
    assert {s[0] for s in seen} == {"PUT", "POST"}


def test_query_url():
    from kg.remote import query_url

    assert query_url("http://h:8890/sparql-graph-crud-auth") == "http://h:8890/sparql-auth"
    assert query_url("http://h:8890/sparql-graph-crud") == "http://h:8890/sparql"
    assert query_url("http://h:7878/store") == "http://h:7878/query"
    assert query_url("http://h:3030/ds/data/") == "http://h:3030/ds/query"
    assert query_url("http://h/repositories/kg/rdf-graphs/service") == "http://h/repositories/kg"
    assert query_url("http://h/graphs") is None
