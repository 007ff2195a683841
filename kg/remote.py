"""Remote SPARQL 1.1 endpoints: push a build into one, and query one.

:func:`push` sends the triples of a build (or any graph file) to an endpoint,
with one of two protocols:

* ``"update"`` (the default): SPARQL 1.1 Update, as ``INSERT DATA`` requests
  of ``batch`` triples each, into one named graph (``DROP SILENT GRAPH``
  first, so pushing again replaces rather than adds).  Every term is written
  with rdflib's ``n3()``, which escapes it, never pasted raw into the request.
  Works with any endpoint that accepts SPARQL Update.
* ``"gsp"``: the SPARQL 1.1 Graph Store HTTP Protocol.  A build folder with a
  store is sent graph by graph as its Oxigraph store holds them: one named
  graph per source document (named by the document's IRI, see
  ``docs/rdf-model.md``) and the rest (entities, statements, ontology) into
  the target graph (``?graph=IRI``, or the endpoint's default graph with
  ``?default``).  Each graph is sent as N-Triples in chunks of at most
  ``batch`` triples: the first chunk with ``PUT`` (which replaces the graph),
  the next ones with ``POST`` (which adds to it).  A graph file, or a build
  without a store, goes whole into the target graph.  Pushing a build graph by
  graph with replacing also removes (``DELETE ?graph=IRI``) the endpoint's
  document graphs (IRIs in kg's document namespace) that the build no longer
  has, found with a query at the endpoint's SPARQL query URL (see
  :func:`query_url`), so the endpoint mirrors the build.

:func:`remote_query` runs a query with the SPARQL 1.1 Protocol (HTTP POST,
JSON or Turtle answers) and returns kg's :class:`~kg.query.QueryResult`, with
kg's prefixes predeclared and bound values substituted as escaped terms.

All use ``httpx``, with optional HTTP digest (default) or basic
authentication, and work with any SPARQL 1.1 endpoint: Virtuoso
(``http://host:8890/sparql``; updates need ``/sparql-auth`` or the
SPARQL_UPDATE role; the graph store is ``/sparql-graph-crud-auth``, digest
auth, or ``/sparql-graph-crud`` with the SPARQL_UPDATE role), Oxigraph server
(``/query``, ``/update`` and ``/store``), Fuseki (``/DATASET/data``), ...
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import QueryError, RemoteError

__all__ = [
    "AUTH_SCHEMES",
    "DEFAULT_GRAPH",
    "PROTOCOLS",
    "PushSummary",
    "RemoteError",
    "push",
    "query_url",
    "remote_query",
    "update_batches",
]

#: The named graph a push writes to unless told otherwise.
DEFAULT_GRAPH = "https://w3id.org/kg/graph"

#: ``push(protocol=...)``: SPARQL 1.1 Update (the default) or the Graph Store HTTP Protocol.
PROTOCOLS = ("update", "gsp")

#: ``auth=...``: how ``user`` and ``password`` are sent.
AUTH_SCHEMES = ("digest", "basic")

#: Triples per request when ``batch`` is not given.
DEFAULT_BATCH = {"update": 1000, "gsp": 10000}

_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class PushSummary:
    endpoint: str
    graph: str  # the target graph ("" for the endpoint's default graph)
    triples: int
    requests: int
    documents: int = 0  # named graphs of documents written (protocol "gsp")
    removed: int = 0  # document graphs deleted from the endpoint as no longer in the build (protocol "gsp")


def _client(user: str | None, password: str | None, auth: str = "digest"):
    import httpx

    if auth not in AUTH_SCHEMES:
        raise ValueError(f"unknown auth scheme {auth!r}; valid: {', '.join(AUTH_SCHEMES)}")
    credentials = None
    if user is not None:
        # digest: Virtuoso's /sparql-auth and /sparql-graph-crud-auth
        scheme = httpx.DigestAuth if auth == "digest" else httpx.BasicAuth
        credentials = scheme(user, password or "")
    return httpx.Client(auth=credentials, timeout=_TIMEOUT, follow_redirects=True)


def _server_message(response) -> str:
    """The endpoint's explanation, as one line of plain text (HTML error pages are reduced to their text)."""
    text = response.text
    kind = response.headers.get("content-type", "").lower()
    if "html" in kind or text.lstrip()[:1] == "<":
        text = re.sub(r"(?is)<(head|script|style)\b.*?</\1\s*>", " ", text)
        text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
    text = " ".join(text.split())
    return text[:400] + ("..." if len(text) > 400 else "")


def _check(response, what: str, hints: Mapping[int, str] | None = None) -> None:
    if response.status_code >= 400:
        status = f"{response.status_code} {response.reason_phrase}".strip()
        message = _server_message(response)
        hint = (hints or {}).get(response.status_code)
        raise RemoteError(
            f"{what}: the endpoint answered HTTP {status}" + (f": {message}" if message else "") + (f" ({hint})" if hint else "")
        )


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
    graph: str | None = DEFAULT_GRAPH,
    batch: int | None = None,
    user: str | None = None,
    password: str | None = None,
    replace: bool = True,
    protocol: str = "update",
    auth: str = "digest",
    per_document: bool = True,
    query_endpoint: str | None = None,
) -> PushSummary:
    """Send the graph of a build folder or graph file to ``endpoint``.

    ``protocol="update"`` (the default) posts ``INSERT DATA`` requests of
    ``batch`` triples (default 1000) to a SPARQL 1.1 Update endpoint, into the
    named graph ``graph``, dropped first unless ``replace`` is false.

    ``protocol="gsp"`` writes to a SPARQL 1.1 Graph Store endpoint: a build
    folder's document graphs under their own names (unless ``per_document``
    is false) and everything else into ``graph`` (None: the endpoint's
    default graph), in chunks of ``batch`` triples (default 10000): ``PUT``
    for a graph's first chunk (replacing it; ``POST`` when ``replace`` is
    false), ``POST`` for the next ones.  When a build's store is pushed graph
    by graph and ``replace`` is true, the endpoint's named graphs whose IRI
    is in kg's document namespace (:data:`kg.namespaces.DOCUMENT`) but which
    the build does not have (documents removed since the last push) are
    deleted (``DELETE ?graph=IRI``) after the build's graphs are written;
    other graphs are never touched.  They are listed, before anything is
    written, with a SELECT query at ``query_endpoint``, by default the query
    URL that goes with ``endpoint`` (see :func:`query_url`; a
    :class:`RemoteError` when there is none known).  Note that this removes
    document graphs pushed from another build into the same endpoint too.

    With both protocols, triples with blank nodes are sent together in one
    request (per graph), so each blank node keeps its identity (blank node
    labels are scoped to one request).  Raises :class:`RemoteError` when the
    endpoint cannot be reached or refuses a request (with the HTTP status and
    the server's message).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; valid: {', '.join(PROTOCOLS)}")
    if auth not in AUTH_SCHEMES:
        raise ValueError(f"unknown auth scheme {auth!r}; valid: {', '.join(AUTH_SCHEMES)}")
    size = DEFAULT_BATCH[protocol] if batch is None else batch
    if size < 1:
        raise ValueError(f"batch must be 1 or more, got {size}")
    if protocol == "gsp":
        return _push_gsp(source, endpoint, graph, size, user, password, replace, auth, per_document, query_endpoint)
    if graph is None:
        raise ValueError("the update protocol writes into a named graph: give graph=IRI (or use protocol='gsp')")
    return _push_update(source, endpoint, graph, size, user, password, replace, auth)


def _push_update(source, endpoint, graph, batch, user, password, replace, auth) -> PushSummary:
    import httpx
    from rdflib import BNode, URIRef

    from .graph import load_graph

    data = load_graph(source)
    plain = sorted(t for t in data if not (isinstance(t[0], BNode) or isinstance(t[2], BNode)))
    with_bnodes = [t for t in data if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    requests = 0
    try:
        with _client(user, password, auth) as client:

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
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {exc}") from None
    return PushSummary(endpoint, graph, sent, requests)


# -- Graph Store HTTP Protocol ------------------------------------------------

_NT_CONTENT_TYPE = "application/n-triples"
_BNODE_OBJECT = re.compile(r" _:\S+ \.$")


def graph_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (None: the default graph) at ``endpoint``."""
    from urllib.parse import quote

    joiner = "&" if "?" in endpoint else "?"
    return endpoint + joiner + ("default" if graph is None else "graph=" + quote(graph, safe=""))


# (path ending of a Graph Store endpoint, path ending of the query endpoint that goes with it)
_QUERY_PATHS = (
    ("/sparql-graph-crud-auth", "/sparql-auth"),  # Virtuoso, digest auth
    ("/sparql-graph-crud", "/sparql"),  # Virtuoso
    ("/rdf-graphs/service", ""),  # RDF4J and GraphDB: /repositories/ID
    ("/store", "/query"),  # Oxigraph server
    ("/data", "/query"),  # Fuseki: /DATASET/data
)


def query_url(endpoint: str) -> str | None:
    """The SPARQL query URL that goes with the Graph Store endpoint ``endpoint`` (None when it is not a known kind).

    Virtuoso's ``/sparql-graph-crud-auth`` goes with ``/sparql-auth`` and
    ``/sparql-graph-crud`` with ``/sparql``; RDF4J's and GraphDB's
    ``/repositories/ID/rdf-graphs/service`` with ``/repositories/ID``;
    Oxigraph server's ``/store`` and Fuseki's ``/DATASET/data`` with
    ``/query``.
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for store, query in _QUERY_PATHS:
        if path.endswith(store):
            return urlunsplit(parts._replace(path=path[: -len(store)] + query))
    return None


#: Graph names asked for per listing query (Virtuoso sorts at most 10000 rows by default).
_LIST_PAGE = 5000


def _document_graphs(client, url: str, namespace: str, hints: Mapping[int, str]) -> tuple[set[str], int]:
    """The named graphs at the query endpoint ``url`` whose IRI starts with ``namespace``, and the requests made.

    Asked for a page at a time, in order of the name, each page after the
    last name seen (no OFFSET, which some stores bound), until a page brings
    nothing new: a store that cuts its answers short still gets asked again.
    """
    from rdflib import Literal, URIRef

    found: set[str] = set()
    requests = 0
    after = ""
    prefix = Literal(namespace).n3()
    while True:
        query = (
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER(STRSTARTS(STR(?g), {prefix}) && STR(?g) > {Literal(after).n3()}) }} "
            f"ORDER BY STR(?g) LIMIT {_LIST_PAGE}"
        )
        response = client.post(url, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        requests += 1
        _check(response, f"listing the document graphs with a query at {url}", hints)
        try:
            answer = _parse_answer(response.headers.get("content-type", ""), response.content)
            if answer.kind != "SELECT":
                raise ValueError(f"a {answer.kind} answer")
            names = [str(row[0]) for row in answer.rows if isinstance(row[0], URIRef)]
        except (RemoteError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RemoteError(f"listing the document graphs with a query at {url}: not a SPARQL query answer ({exc})") from None
        new = {n for n in names if n.startswith(namespace)} - found
        if not new:
            return found, requests
        found |= new
        after = max(new)


def _has_bnode(line: str) -> bool:
    return line.startswith("_:") or _BNODE_OBJECT.search(line) is not None


def gsp_chunks(lines: Iterable[str], batch: int) -> Iterator[list[str]]:
    """N-Triples lines in chunks of at most ``batch``; the lines with blank nodes together in the last chunk."""
    if batch < 1:
        raise ValueError(f"batch must be 1 or more, got {batch}")
    chunk: list[str] = []
    with_bnodes: list[str] = []
    for line in lines:
        if _has_bnode(line):
            with_bnodes.append(line)
            continue
        chunk.append(line)
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
    if with_bnodes:
        yield with_bnodes


def _build_graphs(source: Path | str, target: str | None, per_document: bool) -> Iterator[tuple[str | None, Iterator[str]]]:
    """``(graph, N-Triples lines)`` to send: from the build's store when it has one, else the whole graph."""
    from .store import OxigraphStore, store_path

    found = store_path(source)
    if found is None:
        from .graph import load_graph

        text = load_graph(source).serialize(format="nt")
        yield target, iter(line for line in text.splitlines() if line.strip())
        return

    import pyoxigraph as ox

    store = OxigraphStore(found, read_only=True)
    try:
        oxi = store.oxigraph

        def lines(graph_name) -> Iterator[str]:
            for q in oxi.quads_for_pattern(None, None, None, graph_name):
                yield f"{q.subject} {q.predicate} {q.object} ."

        documents = sorted(str(g.value) for g in oxi.named_graphs() if isinstance(g, ox.NamedNode))
        if per_document:
            yield target, lines(ox.DefaultGraph())
            for name in documents:
                yield name, lines(ox.NamedNode(name))
        else:

            def everything() -> Iterator[str]:
                yield from lines(ox.DefaultGraph())
                for name in documents:
                    yield from lines(ox.NamedNode(name))

            yield target, everything()
    finally:
        store.close()


def _push_gsp(source, endpoint, target, batch, user, password, replace, auth, per_document, query_endpoint) -> PushSummary:
    import httpx

    from .namespaces import DOCUMENT
    from .store import store_path

    requests = 0
    sent = 0
    documents = 0
    removed = 0
    content_type = _NT_CONTENT_TYPE
    not_a_store = f"is {endpoint} a SPARQL 1.1 Graph Store endpoint? Virtuoso's is /sparql-graph-crud-auth"
    hints = {
        401: "check --user and --password",
        404: not_a_store,
        405: not_a_store,
        501: not_a_store,
    }
    # a build pushed graph by graph, replacing: the endpoint's document graphs the build no longer has go
    prune = replace and per_document and store_path(source) is not None
    lister = None
    if prune:
        lister = query_endpoint or query_url(endpoint)
        if lister is None:
            raise RemoteError(
                f"{endpoint}: cannot tell the SPARQL query URL of this Graph Store endpoint, needed to find the document "
                "graphs that are no longer in the build; give it (query_endpoint=URL), or push into one graph "
                "(per_document=False, kg push --one-graph)"
            )
    namespace = str(DOCUMENT)
    try:
        with _client(user, password, auth) as client:

            def send(method: str, url: str, lines: list[str], what: str) -> None:
                nonlocal requests, content_type
                body = ("\n".join(lines) + "\n").encode("utf-8")
                response = client.request(method, url, content=body, headers={"Content-Type": content_type})
                requests += 1
                if response.status_code == 415 and content_type == _NT_CONTENT_TYPE:
                    # N-Triples is Turtle too: offer it as such to a store that knows only Turtle
                    content_type = "text/turtle; charset=utf-8"
                    response = client.request(method, url, content=body, headers={"Content-Type": content_type})
                    requests += 1
                _check(response, f"{method} {url} ({what})", hints)

            remote: set[str] = set()
            if lister is not None:
                # listed before anything is written: a failure here leaves the endpoint as it was
                query_hints = {401: "check --user and --password", 404: "is it the SPARQL query endpoint? give query_endpoint=URL"}
                remote, asked = _document_graphs(client, lister, namespace, query_hints)
                requests += asked
            written: set[str] = set()
            for name, lines in _build_graphs(source, target, per_document):
                url = graph_url(endpoint, name)
                where = "the default graph" if name is None else f"<{name}>"
                count = 0
                for i, chunk in enumerate(gsp_chunks(lines, batch)):
                    method = "PUT" if i == 0 and replace else "POST"
                    send(method, url, chunk, f"triples {count + 1}-{count + len(chunk)} of {where}")
                    count += len(chunk)
                sent += count
                if name is not None and name != target and count:
                    documents += 1
                if name is not None and count:
                    written.add(name)
            for name in sorted(remote - written - {target}):
                url = graph_url(endpoint, name)
                response = client.request("DELETE", url)
                requests += 1
                if response.status_code == 404:  # gone already
                    continue
                _check(response, f"DELETE {url} (a document graph no longer in the build)", hints)
                removed += 1
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {exc}") from None
    return PushSummary(endpoint, target or "", sent, requests, documents, removed)


def remote_query(
    endpoint: str,
    sparql: str,
    bindings: Mapping[str, object] | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
    auth: str = "digest",
) -> object:  # -> kg.query.QueryResult
    """Run ``sparql`` at ``endpoint`` (SPARQL 1.1 Protocol) with kg's prefixes predeclared."""
    import httpx

    from .namespaces import PREFIXES
    from .store import substitute

    text = substitute(sparql, bindings) if bindings else sparql
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    body = declared + text
    if query_form(text) in ("CONSTRUCT", "DESCRIBE"):
        # asked for JSON first, Virtuoso answers a CONSTRUCT with a table of ?s ?p ?o
        accept = "text/turtle, application/n-triples;q=0.9, application/sparql-results+json;q=0.1"
    else:
        accept = "application/sparql-results+json, text/turtle;q=0.9, application/n-triples;q=0.8"
    try:
        with _client(user, password, auth) as client:
            response = client.post(endpoint, data={"query": body}, headers={"Accept": accept})
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise RemoteError(f"{endpoint}: cannot reach the endpoint: {exc}") from None
    if response.status_code == 400:
        raise QueryError(f"the endpoint rejected the query: {response.text.strip()[:400]}")
    _check(response, "running the query")
    return _parse_answer(response.headers.get("content-type", ""), response.content)


def query_form(sparql: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: the form of a query (None when none is found)."""
    text = re.sub(r"<[^<>\s]*>", " ", sparql)  # IRIs may hold any of the words
    text = re.sub(r"(?m)#.*$", " ", text)  # comments (a '#' inside a string is rare before the form)
    text = re.sub(r"(?i)\bPREFIX\s+[^\s:]*:", " ", text)  # a prefix may be called select:
    found = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.IGNORECASE)
    return found.group(1).upper() if found else None


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
