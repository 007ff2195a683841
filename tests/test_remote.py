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
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from kg.cli import main
from kg.query import get_query
from kg.remote import DEFAULT_GRAPH, RemoteError, _parse_answer, push, remote_query, update_batches
from kg.store import open_store

VIRTUOSO = shutil.which("virtuoso-t")

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
