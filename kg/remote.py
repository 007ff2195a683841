"""Remote SPARQL 1.1 endpoints: push a build into one, and query one.

:func:`push` sends the triples of a build (or any graph file) to an endpoint
with SPARQL 1.1 Update, as ``INSERT DATA`` requests of ``batch`` triples each,
into one named graph (``DROP SILENT GRAPH`` first, so pushing again replaces
rather than adds).  Every term is written with rdflib's ``n3()``, which escapes
it, never pasted raw into the request.  :func:`remote_query` runs a query with
the SPARQL 1.1 Protocol (HTTP POST, JSON or Turtle answers) and returns kg's
:class:`~kg.query.QueryResult`, with kg's prefixes predeclared and bound
values substituted as escaped terms.

Both use ``httpx`` and work with any SPARQL 1.1 endpoint: Virtuoso
(``http://host:8890/sparql``, updates need ``/sparql-auth`` or the
SPARQL_UPDATE role), Oxigraph server (``/query`` and ``/update``), Fuseki, ...
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import GraphError, QueryError

__all__ = ["DEFAULT_GRAPH", "PushSummary", "push", "remote_query", "update_batches"]

#: The named graph a push writes to unless told otherwise.
DEFAULT_GRAPH = "https://w3id.org/kg/graph"

_TIMEOUT = 120.0


class RemoteError(GraphError):
    """An endpoint refused a request or could not be reached."""

    code = "E510"


@dataclass(frozen=True, slots=True)
class PushSummary:
    endpoint: str
    graph: str
    triples: int
    requests: int


def _client(user: str | None, password: str | None):
    import httpx

    auth = None
    if user is not None:
        auth = httpx.DigestAuth(user, password or "")  # Virtuoso's /sparql-auth; basic works through it too
    return httpx.Client(auth=auth, timeout=_TIMEOUT, follow_redirects=True)


def _check(response, what: str) -> None:
    if response.status_code >= 400:
        body = response.text.strip().replace("\n", " ")[:400]
        raise RemoteError(f"{what}: the endpoint answered HTTP {response.status_code}: {body}")


def update_batches(triples: Iterable[tuple], graph: str, batch: int) -> Iterator[tuple[int, str]]:
    """``INSERT DATA`` requests of at most ``batch`` triples each: ``(count, text)``."""
    from rdflib import URIRef

    if batch < 1:
        raise ValueError(f"batch must be 1 or more, got {batch}")
    target = URIRef(graph).n3()
    lines: list[str] = []
    for s, p, o in triples:
        lines.append(f"{s.n3()} {p.n3()} {o.n3()} .")
        if len(lines) >= batch:
            yield len(lines), f"INSERT DATA {{ GRAPH {target} {{\n" + "\n".join(lines) + "\n} }"
            lines = []
    if lines:
        yield len(lines), f"INSERT DATA {{ GRAPH {target} {{\n" + "\n".join(lines) + "\n} }"


def push(
    source: Path | str,
    endpoint: str,
    *,
    graph: str = DEFAULT_GRAPH,
    batch: int = 1000,
    user: str | None = None,
    password: str | None = None,
    replace: bool = True,
) -> PushSummary:
    """Send the graph of a build folder or graph file to a SPARQL 1.1 Update ``endpoint``.

    Triples with blank nodes are sent together in the last request, so each
    blank node keeps its identity (blank node labels are scoped to one
    request).  Raises :class:`RemoteError` when the endpoint refuses a request.
    """
    import httpx
    from rdflib import BNode, URIRef

    from .graph import load_graph

    data = load_graph(source)
    plain = sorted(t for t in data if not (isinstance(t[0], BNode) or isinstance(t[2], BNode)))
    with_bnodes = [t for t in data if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    requests = 0
    try:
        with _client(user, password) as client:

            def send(text: str, what: str) -> None:
                nonlocal requests
                response = client.post(
                    endpoint,
                    content=text.encode("utf-8"),
                    headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                )
                requests += 1
                _check(response, what)

            if replace:
                send(f"DROP SILENT GRAPH {URIRef(graph).n3()}", "dropping the old graph")
            sent = 0
            for count, text in update_batches(plain, graph, batch):
                send(text, f"sending triples {sent + 1}-{sent + count}")
                sent += count
            if with_bnodes:
                # INSERT DATA may not hold blank nodes on every endpoint (Virtuoso
                # refuses them); an INSERT template does, with the same meaning.
                for count, text in update_batches(with_bnodes, graph, max(batch, len(with_bnodes))):
                    template = "INSERT" + text.removeprefix("INSERT DATA") + " WHERE {}"
                    send(template, "sending the triples with blank nodes")
                    sent += count
    except httpx.HTTPError as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {exc}") from None
    return PushSummary(endpoint, graph, sent, requests)


def remote_query(
    endpoint: str,
    sparql: str,
    bindings: Mapping[str, object] | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
) -> object:  # -> kg.query.QueryResult
    """Run ``sparql`` at ``endpoint`` (SPARQL 1.1 Protocol) with kg's prefixes predeclared."""
    import httpx

    from .namespaces import PREFIXES
    from .store import substitute

    text = substitute(sparql, bindings) if bindings else sparql
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    body = declared + text
    try:
        with _client(user, password) as client:
            response = client.post(
                endpoint,
                data={"query": body},
                headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9, application/n-triples;q=0.8"},
            )
    except httpx.HTTPError as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {exc}") from None
    if response.status_code == 400:
        raise QueryError(f"the endpoint rejected the query: {response.text.strip()[:400]}")
    _check(response, "running the query")
    return _parse_answer(response.headers.get("content-type", ""), response.content)


def _parse_answer(content_type: str, content: bytes):
    from rdflib import BNode, Literal, URIRef

    from .graph import new_graph
    from .query import QueryResult

    kind = content_type.split(";")[0].strip().lower()
    if kind in ("application/sparql-results+json", "application/json"):
        data = json.loads(content)
        if "boolean" in data:
            return QueryResult(kind="ASK", boolean=bool(data["boolean"]))
        variables = tuple(data["head"].get("vars", []))

        def term(value):
            if value is None:
                return None
            t = value["type"]
            if t == "uri":
                return URIRef(value["value"])
            if t == "bnode":
                return BNode(value["value"])
            if "xml:lang" in value:
                return Literal(value["value"], lang=value["xml:lang"])
            datatype = value.get("datatype")
            if datatype in (None, "http://www.w3.org/2001/XMLSchema#string"):
                return Literal(value["value"])
            return Literal(value["value"], datatype=URIRef(datatype))

        rows = tuple(tuple(term(b.get(v)) for v in variables) for b in data["results"]["bindings"])
        if variables == ("__ASK_RETVAL",) and len(rows) == 1:  # Virtuoso answers some ASK queries as a table
            return QueryResult(kind="ASK", boolean=str(rows[0][0]) in ("1", "true"))
        return QueryResult(kind="SELECT", variables=variables, rows=rows)
    formats = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt", "application/rdf+xml": "xml"}
    if kind in formats:
        graph = new_graph()
        graph.parse(data=content, format=formats[kind])
        return QueryResult(kind="CONSTRUCT", graph=graph)
    raise RemoteError(f"the endpoint answered in an unexpected format {content_type!r}")
