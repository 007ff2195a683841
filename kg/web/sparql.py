"""The SPARQL 1.1 Protocol of ``kg serve``: requests, refusals, formats.

Three steps, each a plain function so it can be tested without a server:

- :func:`read_request` turns the parts of an HTTP request (method, query
  string, content type, body) into the query text, as the protocol defines
  (``GET ?query=``, ``POST`` form-encoded, ``POST application/sparql-query``);
  an update, a dataset parameter or an unknown content type is refused.
- :func:`check_query` parses the query with rdflib and refuses what this
  read-only endpoint does not do: SPARQL Update (``INSERT``, ``DELETE``,
  ``LOAD``, ``CLEAR`` ...; recognised because rdflib's update parser accepts
  it), federated ``SERVICE`` calls (found in the query's algebra, wherever
  they are nested) and ``FROM`` / ``FROM NAMED`` (rdflib would fetch such a
  graph from the web).
- :func:`answer` runs a checked query on a :class:`~kg.store.GraphStore`,
  caps the result at ``max_rows``, and serialises it in the format the client
  accepts (``Accept`` header or ``format`` parameter): SPARQL results as JSON,
  XML, CSV or TSV; CONSTRUCT and DESCRIBE graphs as Turtle, N-Triples,
  JSON-LD or RDF/XML.  JSON, XML and CSV are written by rdflib's standard
  result serialisers, TSV (which rdflib does not write) by :mod:`kg.query`.

:func:`answer` never raises for a bad query: it returns a :class:`SparqlAnswer`
with the HTTP status and a message, because it runs in a worker process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from ..errors import KgError, QueryError, ServeError

if TYPE_CHECKING:
    from ..query import QueryResult
    from ..store import GraphStore

__all__ = [
    "DEFAULT_MAX_ROWS",
    "MAX_BODY_BYTES",
    "SparqlAnswer",
    "SparqlRequest",
    "answer",
    "check_query",
    "error_answer",
    "negotiate",
    "read_request",
]

DEFAULT_MAX_ROWS = 10_000
MAX_BODY_BYTES = 1_000_000  # a query longer than this is refused (413)

# Media types each kind of answer can be written in -> the serialiser's name.
# The first entry is the default (chosen for "*/*" or no Accept header).
_RESULT_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
_BOOLEAN_TYPES: dict[str, str] = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
_GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/x-turtle": "turtle",
}
_TYPES_BY_KIND: dict[str, dict[str, str]] = {
    "SELECT": _RESULT_TYPES,
    "ASK": _BOOLEAN_TYPES,
    "CONSTRUCT": _GRAPH_TYPES,
    "DESCRIBE": _GRAPH_TYPES,
}
# The ``format`` parameter's short names -> serialiser name, by kind.
_SHORT_NAMES: dict[str, dict[str, str]] = {
    "SELECT": {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"},
    "ASK": {"json": "json", "xml": "xml"},
    "CONSTRUCT": {
        "turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "n-triples": "nt",
        "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld", "xml": "xml", "rdfxml": "xml",
    },
}
_SHORT_NAMES["DESCRIBE"] = _SHORT_NAMES["CONSTRUCT"]
_TEXT_TYPES = ("text/", "application/sparql-results+", "application/json", "application/ld+json",
               "application/n-triples", "application/xml", "application/rdf+xml")

_KINDS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


@dataclass(frozen=True, slots=True)
class SparqlRequest:
    """A query to run and how the client wants the answer (picklable: it goes to a worker)."""

    query: str
    accept: str = ""  # the Accept header
    format: str | None = None  # the ``format`` parameter, a short name or a media type
    max_rows: int = DEFAULT_MAX_ROWS


@dataclass(frozen=True, slots=True)
class SparqlAnswer:
    """What to send back: an HTTP status, a media type and the body.

    For a result, ``kind`` is the query form, ``rows`` the number of rows (or
    triples) sent and ``truncated`` whether the cap cut the result short.  For
    an error, ``message`` is the message (also in ``body``) and ``line`` /
    ``column`` locate a syntax error in the query.  ``cached`` says it was
    kept from an earlier run of the same request.
    """

    status: int
    media_type: str
    body: bytes
    kind: str | None = None
    rows: int = 0
    truncated: bool = False
    seconds: float = 0.0
    message: str | None = None
    code: str | None = None
    line: int | None = None
    column: int | None = None
    cached: bool = False  # given from the cache of earlier answers

    @property
    def ok(self) -> bool:
        return self.status == 200


# ---------------------------------------------------------------------------
# Reading a request
# ---------------------------------------------------------------------------


def read_request(
    method: str,
    query_params: list[tuple[str, str]],
    content_type: str,
    body: bytes,
) -> tuple[str, str | None]:
    """The query text and the ``format`` parameter of a SPARQL Protocol request.

    ``query_params`` are the URL's parameters in order (repeats kept).  Raises
    :class:`ServeError` with the HTTP status for anything that is not a query
    operation this endpoint answers.
    """
    params = list(query_params)
    media = content_type.split(";", 1)[0].strip().lower()
    direct_query: str | None = None
    if method == "POST":
        if len(body) > MAX_BODY_BYTES:
            raise ServeError(f"the request body is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted", 413)
        if media == "application/x-www-form-urlencoded":
            params.extend(parse_qsl(_decode(body), keep_blank_values=True))
        elif media == "application/sparql-query":
            direct_query = _decode(body)
        elif media == "application/sparql-update":
            raise ServeError("SPARQL Update is not allowed: this endpoint is read-only", 403)
        else:
            raise ServeError(
                f"unsupported content type {media or '(none)'!r} for POST; use "
                "application/x-www-form-urlencoded (query=...) or application/sparql-query",
                415,
            )
    elif method != "GET":
        raise ServeError(f"method {method} is not allowed; use GET or POST", 405)

    names = [name for name, _ in params]
    if "update" in names:
        raise ServeError("SPARQL Update is not allowed: this endpoint is read-only", 403)
    for name in ("default-graph-uri", "named-graph-uri"):
        if name in names:
            raise ServeError(f"the {name} parameter is not supported: this endpoint serves one graph", 400)
    queries = [value for name, value in params if name == "query"]
    if direct_query is not None:
        if queries:
            raise ServeError("give the query either in the body or as the query parameter, not both", 400)
        queries = [direct_query]
    if not queries:
        raise ServeError("no query: send ?query=... (GET), a form with query=... or an application/sparql-query body", 400)
    if len(queries) > 1:
        raise ServeError(f"{len(queries)} query parameters given; send exactly one", 400)
    if not queries[0].strip():
        raise ServeError("the query is empty", 400)
    formats = [value for name, value in params if name == "format" and value]
    return queries[0], (formats[-1] if formats else None)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ServeError(f"the request body is not UTF-8 (invalid byte at offset {exc.start})", 400) from None


# ---------------------------------------------------------------------------
# Checking a query
# ---------------------------------------------------------------------------


@lru_cache(maxsize=256)
def check_query(text: str) -> str:
    """The form of a query this endpoint may run: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.

    Raises :class:`ServeError` (403) for an update, a ``SERVICE`` call or a
    dataset clause, and :class:`QueryError` with the line and column for a
    query that does not parse.
    """
    # kg.query parses (and caches) every query kg runs with rdflib; sharing
    # that parse means the rdflib engine does not parse a checked query again.
    from ..query import _prepare

    try:
        prepared = _prepare(text)
    except QueryError:
        if _is_update(text):
            raise ServeError(
                "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP ...) is not allowed: "
                "this endpoint is read-only",
                403,
            ) from None
        raise
    algebra = prepared.algebra
    if _has_service(algebra):
        raise ServeError("federated queries are not allowed: this endpoint refuses SERVICE calls", 403)
    if algebra.get("datasetClause"):
        raise ServeError("FROM and FROM NAMED are not supported: this endpoint serves one graph", 403)
    kind = _KINDS.get(algebra.name)
    if kind is None:  # pragma: no cover - rdflib knows only these four query forms
        raise QueryError(f"unsupported query form {algebra.name}")
    return kind


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:  # noqa: BLE001 - pyparsing's errors and rdflib's: not an update either way
        return False
    return True


def _has_service(node: object) -> bool:
    """True when a ``SERVICE`` pattern occurs anywhere in rdflib's algebra tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                return True
            stack.extend(item.values())
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return False


# ---------------------------------------------------------------------------
# Content negotiation
# ---------------------------------------------------------------------------


def negotiate(kind: str, accept: str, fmt: str | None = None) -> tuple[str, str]:
    """``(media type, serialiser name)`` for a query form, an Accept header and a ``format`` parameter.

    ``format`` wins over ``Accept``; it may be a short name (``json``, ``csv``,
    ``turtle`` ...) or a media type.  Raises :class:`ServeError` (406) when
    nothing acceptable can be written for this kind of query.
    """
    types = _TYPES_BY_KIND[kind]
    if fmt:
        wanted = fmt.strip().lower()
        short = _SHORT_NAMES[kind]
        if wanted in short:
            name = short[wanted]
            return next(t for t, n in types.items() if n == name), name
        if wanted in types:
            return wanted, types[wanted]
        valid = ", ".join([*short, *types])
        raise ServeError(f"cannot write a {kind} result as {fmt!r}; valid formats: {valid}", 406)
    default = next(iter(types))
    if not accept.strip():
        return default, types[default]
    import mimeparse

    # mimeparse breaks ties in favour of the later entry, so the default goes last.
    order = [t for t in types if t != default] + [default]
    try:
        best = mimeparse.best_match(order, accept)
    except (mimeparse.MimeTypeParseException, ValueError):
        best = default  # an Accept header we cannot read is treated as */*
    if not best:
        raise ServeError(
            f"none of the accepted types ({accept}) can hold a {kind} result; available: {', '.join(types)}", 406
        )
    return best, types[best]


# ---------------------------------------------------------------------------
# Answering
# ---------------------------------------------------------------------------


def answer(store: GraphStore, request: SparqlRequest) -> SparqlAnswer:
    """Check, run, cap and serialise one query; problems come back as error answers."""
    started = time.perf_counter()
    try:
        kind = check_query(request.query)
        media_type, serialiser = negotiate(kind, request.accept, request.format)
        result = store.query(request.query)
        body, rows, truncated = _serialise(result, serialiser, request.max_rows)
    except ServeError as exc:
        return error_answer(exc.status, exc, request.accept)
    except QueryError as exc:
        return error_answer(400, exc, request.accept)
    except KgError as exc:
        return error_answer(500, exc, request.accept)
    if any(media_type.startswith(prefix) for prefix in _TEXT_TYPES):
        media_type += "; charset=utf-8"
    return SparqlAnswer(
        status=200,
        media_type=media_type,
        body=body,
        kind=kind,
        rows=rows,
        truncated=truncated,
        seconds=time.perf_counter() - started,
    )


def error_answer(status: int, error: KgError, accept: str = "") -> SparqlAnswer:
    """An error as plain text, or as JSON when the client accepts JSON."""
    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    message = str(error)
    if "json" in accept.lower():
        doc = {"error": {"status": status, "code": error.code, "message": message, "line": line, "column": column}}
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        media_type = "application/json"
    else:
        body = (message + "\n").encode("utf-8")
        media_type = "text/plain; charset=utf-8"
    return SparqlAnswer(
        status=status, media_type=media_type, body=body, message=message, code=error.code, line=line, column=column
    )


def _serialise(result: QueryResult, serialiser: str, max_rows: int) -> tuple[bytes, int, bool]:
    """The body, the number of rows (or triples) in it, and whether the cap cut it."""
    from rdflib import Variable
    from rdflib.query import Result

    if result.graph is not None:
        graph = result.graph
        truncated = len(graph) > max_rows
        if truncated:
            from ..graph import new_graph

            capped = new_graph()
            for i, triple in enumerate(graph):
                if i >= max_rows:
                    break
                capped.add(triple)
            graph = capped
        return graph.serialize(format=serialiser, encoding="utf-8"), len(graph), truncated
    if result.boolean is not None:
        ask = Result("ASK")
        ask.askAnswer = result.boolean
        return ask.serialize(format=serialiser, encoding="utf-8"), 0, False
    rows = result.rows
    truncated = len(rows) > max_rows
    if truncated:
        rows = rows[:max_rows]
    if serialiser == "tsv":  # rdflib has no TSV results serialiser
        from dataclasses import replace

        from ..query import format_result

        return format_result(replace(result, rows=rows), "tsv").encode("utf-8"), len(rows), truncated
    select = Result("SELECT")
    variables = [Variable(v) for v in result.variables]
    select.vars = variables
    select.bindings = [{var: value for var, value in zip(variables, row) if value is not None} for row in rows]
    return select.serialize(format=serialiser, encoding="utf-8"), len(rows), truncated
