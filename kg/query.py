"""Run SPARQL over a kg graph, format the answers, and find the bundled queries.

Every query runs with kg's prefixes predeclared (``kg:``, ``ent:``, ``rdfs:``,
``skos:`` ...; see :data:`kg.namespaces.PREFIXES`), so a query need not
declare them.  Values are bound to variables with rdflib's ``initBindings``,
never pasted into the query text.

Bundled queries are the ``.rq`` files in ``kg/queries``.  Each begins with a
header of ``#`` comment lines::

    # What does a cell type secrete?             <- first line: the title
    # Lists the substances that ...               <- further lines: the description
    # ...
    #
    # param: ?cell  name of the cell type (default "mesenchymal stem cell")

``# param: ?name  description`` lines declare the variables a caller may bind.
A query gives each parameter a default with ``BIND(COALESCE(?name, "default")
AS ...)`` so that it also runs as-is: rdflib applies a binding before the
query is evaluated, and ``COALESCE`` picks it over the default.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.term import Node

from .errors import QueryError
from .namespaces import PREFIXES
from .paths import queries_dir

__all__ = [
    "FORMATS",
    "BundledQuery",
    "QueryParameter",
    "QueryResult",
    "bundled_queries",
    "compact",
    "format_result",
    "get_query",
    "parse_query_header",
    "run_query",
    "to_python",
]

#: Output formats of :func:`format_result`.
FORMATS = ("table", "csv", "tsv", "json")


@dataclass(frozen=True)
class QueryResult:
    """The answer to a query.

    ``kind`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.  A SELECT
    has ``variables`` and ``rows`` (tuples of rdflib terms, ``None`` where a
    variable is unbound); an ASK has ``boolean``; CONSTRUCT and DESCRIBE have
    ``graph``.
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)

    def __len__(self) -> int:
        if self.graph is not None:
            return len(self.graph)
        return len(self.rows)

    def values(self) -> list[tuple[object, ...]]:
        """The rows as plain Python values (IRIs as str, literals converted, unbound as None)."""
        return [tuple(to_python(v) for v in row) for row in self.rows]

    def dicts(self) -> list[dict[str, object]]:
        """The rows as ``{variable: python value}`` mappings."""
        return [dict(zip(self.variables, row)) for row in self.values()]


@dataclass(frozen=True, slots=True)
class QueryParameter:
    """A variable a bundled query lets the caller bind."""

    name: str  # without the leading "?"
    description: str


@dataclass(frozen=True, slots=True)
class BundledQuery:
    """A SPARQL query shipped with kg, with what it answers."""

    name: str
    title: str
    description: str
    text: str
    parameters: tuple[QueryParameter, ...] = ()
    path: str | None = None


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def run_query(graph: Graph, text: str, bindings: Mapping[str, object] | None = None) -> QueryResult:
    """Run the SPARQL ``text`` over ``graph`` with kg's prefixes and bound ``bindings``.

    Binding keys may start with ``?`` or ``$``; values that are rdflib terms are
    used as they are, other Python values become literals.  Raises
    :class:`QueryError` with the line and column of a syntax error.
    """
    prepared = _prepare(text)
    init = {Variable(k.lstrip("?$")): _term(v) for k, v in (bindings or {}).items()}
    try:
        result = graph.query(prepared, initBindings=init)
    except Exception as exc:  # evaluation errors come in many types
        raise QueryError(f"the query failed: {exc}") from None
    kind = str(result.type)
    if kind == "ASK":
        return QueryResult(kind=kind, boolean=bool(result.askAnswer))
    if kind in ("CONSTRUCT", "DESCRIBE"):
        out = Graph(bind_namespaces="none")
        for prefix, iri in PREFIXES.items():
            out.bind(prefix, iri)
        for triple in result.graph or ():
            out.add(triple)
        return QueryResult(kind=kind, graph=out)
    variables = tuple(str(v) for v in (result.vars or ()))
    rows = tuple(tuple(row) for row in result)
    return QueryResult(kind=kind, variables=variables, rows=rows)


@lru_cache(maxsize=64)
def _prepare(text: str):  # -> rdflib.plugins.sparql.sparql.Query
    """Parse and translate a query once (cached by text)."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import prepareQuery

    try:
        return prepareQuery(text, initNs=PREFIXES)
    except ParseBaseException as exc:
        lines = text.splitlines()
        line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        found = str(getattr(exc, "found", "") or "")
        at = f"unexpected {found}" if found and found != "end of text" else "unexpected end of query"
        message = f"SPARQL syntax error: {at} ({exc.msg})"
        if line.strip():
            message += f"\n    {line}\n    {' ' * (exc.col - 1)}^"
        raise QueryError(message, line=exc.lineno, column=exc.col) from None
    except Exception as exc:  # e.g. "Unknown namespace prefix : foo"
        message = str(exc) or type(exc).__name__
        m = re.search(r"Unknown namespace prefix\s*:\s*(\S+)", message)
        if m:
            prefix = m.group(1)
            line, column = _locate(text, rf"(?<![\w:?$]){re.escape(prefix)}:")
            known = ", ".join(sorted(PREFIXES))
            raise QueryError(
                f"unknown prefix {prefix!r}; declare it with PREFIX or use one of: {known}", line, column
            ) from None
        raise QueryError(f"cannot parse the query: {message}") from None


def _locate(text: str, pattern: str) -> tuple[int | None, int | None]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        m = re.search(pattern, line)
        if m:
            return number, m.start() + 1
    return None, None


def _term(value: object) -> Node:
    if isinstance(value, Node):
        return value
    if value is None:
        raise QueryError("cannot bind None to a variable; leave the variable out instead")
    return Literal(value)


def to_python(value: Node | None) -> object:
    """A term as a plain Python value: IRIs and blank nodes as str, literals converted."""
    if value is None:
        return None
    if isinstance(value, Literal):
        converted = value.toPython()
        return converted if not isinstance(converted, Literal) else str(converted)
    return str(value)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def compact(term: Node | None) -> str:
    """A term for people: IRIs as ``prefix:local`` when a kg prefix fits, literals as text."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        iri = str(term)
        best = ""
        for prefix, base in PREFIXES.items():
            if iri.startswith(base) and len(base) > len(PREFIXES.get(best, "")):
                best = prefix
        if best:
            local = iri[len(PREFIXES[best]) :]
            if re.fullmatch(r"[\w.-]*", local) and not local.endswith("."):
                return f"{best}:{local}"
        return f"<{iri}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """``result`` as text in ``fmt``: table, csv, tsv or json (SPARQL 1.1 results).

    CONSTRUCT and DESCRIBE results are Turtle whatever ``fmt`` is; an ASK
    answer is ``true`` or ``false`` (a SPARQL JSON boolean result for json).
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown output format {fmt!r}; valid: {', '.join(FORMATS)}")
    if result.graph is not None:
        return result.graph.serialize(format="turtle")
    if result.boolean is not None:
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean}, indent=2) + "\n"
        return ("true" if result.boolean else "false") + "\n"
    return {"table": _table, "csv": _csv, "tsv": _tsv, "json": _json}[fmt](result)


def _table(result: QueryResult) -> str:
    header = list(result.variables)
    body = [[" ".join(compact(v).split()) for v in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body)
    n = len(body)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines) + "\n"


def _csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: plain values, IRIs in full, blank nodes as ``_:label``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if v is None else (f"_:{v}" if isinstance(v, BNode) else str(v)) for v in row])
    return buf.getvalue()


_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#decimal",
    "http://www.w3.org/2001/XMLSchema#double",
}


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal) and str(term.datatype or "") in _NUMERIC and "\t" not in term:
        return str(term)
    text = term.n3()
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: terms in Turtle/N-Triples syntax, numbers bare."""
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines.extend("\t".join(_tsv_term(v) for v in row) for row in result.rows)
    return "\n".join(lines) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def _json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON; unbound variables are left out of a binding."""
    bindings = [
        {var: _json_term(value) for var, value in zip(result.variables, row) if value is not None}
        for row in result.rows
    ]
    doc: dict[str, Any] = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------
# Bundled queries
# ---------------------------------------------------------------------------

_PARAM_RE = re.compile(r"^param:\s*[?$]([A-Za-z_]\w*)\s*(.*)$")


def parse_query_header(text: str) -> tuple[str, str, tuple[QueryParameter, ...]]:
    """Title, description and parameters from the leading ``#`` comment lines of a query."""
    comments: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            if comments:  # a blank line ends the header once it has begun
                break
            continue
        comments.append(stripped[1:].strip())
    title = comments[0] if comments else ""
    description: list[str] = []
    params: list[QueryParameter] = []
    for line in comments[1:]:
        m = _PARAM_RE.match(line)
        if m:
            params.append(QueryParameter(m.group(1), m.group(2).strip()))
        else:
            description.append(line)
    desc = "\n".join(description).strip()
    desc = re.sub(r"(?<!\n)\n(?!\n)", " ", desc)  # join wrapped lines, keep paragraph breaks
    return title, desc, tuple(params)


def _load_bundled(path: Path) -> BundledQuery:
    text = path.read_text(encoding="utf-8")
    title, description, params = parse_query_header(text)
    return BundledQuery(
        name=path.stem, title=title or path.stem, description=description, text=text, parameters=params, path=str(path)
    )


def bundled_queries() -> list[BundledQuery]:
    """The example queries shipped in ``kg/queries``, sorted by name."""
    folder = queries_dir()
    if not folder.is_dir():
        return []
    return [_load_bundled(p) for p in sorted(folder.glob("*.rq"))]


def get_query(name: str) -> BundledQuery:
    """The bundled query called ``name`` (the file name without ``.rq``)."""
    wanted = name.strip().removesuffix(".rq")
    queries = bundled_queries()
    for q in queries:
        if q.name == wanted:
            return q
    valid = ", ".join(q.name for q in queries) or "(none)"
    raise QueryError(f"no bundled query called {name!r}; valid names: {valid}")


def parse_params(params: list[str]) -> dict[str, object]:
    """``NAME=VALUE`` pairs to query bindings.

    A value written ``<iri>`` or ``prefix:local`` with one of kg's prefixes
    (``ent:MesenchymalStemCell``) is bound as an IRI; anything else as a string.
    """
    from rdflib import URIRef

    from .namespaces import PREFIXES

    bindings: dict[str, object] = {}
    for param in params:
        key, sep, value = param.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not key.isidentifier():
            raise QueryError(f"--param expects NAME=VALUE (e.g. --param cell='stem cell'), got {param!r}")
        prefix, colon, local = value.partition(":")
        if value.startswith("<") and value.endswith(">") and len(value) > 2:
            bindings[key] = URIRef(value[1:-1])
        elif colon and prefix in PREFIXES and local and " " not in local:
            bindings[key] = URIRef(PREFIXES[prefix] + local)
        else:
            bindings[key] = value
    return bindings
