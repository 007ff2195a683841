"""Where a graph is kept and queried: a small interface and two stores.

Callers talk to a :class:`GraphStore` (add triples, run SPARQL, serialise,
close) rather than to rdflib directly.  :class:`MemoryStore` keeps an rdflib
graph in memory; :class:`OxigraphStore` keeps the graph in Oxigraph (on disk
or in memory) and answers SPARQL with Oxigraph's own engine, which is much
faster on large graphs.  Query results come back as
:class:`kg.query.QueryResult` records whatever the store, so
:func:`kg.query.format_result` works on both.

Other modules open a store with :func:`open_store`: given a build folder that
holds ``store/`` it opens the Oxigraph store read-only, otherwise it loads
the graph file into memory.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .errors import GraphError

if TYPE_CHECKING:
    from rdflib import Graph

    from .query import QueryResult

__all__ = [
    "ENGINES",
    "GraphStore",
    "MemoryStore",
    "OxigraphStore",
    "STORE_DIR",
    "open_store",
    "store_path",
]

#: Query engines :func:`open_store` can use.
ENGINES = ("oxigraph", "rdflib")

#: The name of the Oxigraph store inside a build folder.
STORE_DIR = "store"


class GraphStore(ABC):
    """A place that holds triples and answers SPARQL over them."""

    @abstractmethod
    def add_graph(self, graph: Graph) -> None:
        """Add every triple of ``graph`` (duplicates are kept once)."""

    @abstractmethod
    def query(self, sparql: str, init_bindings: Mapping[str, object] | None = None) -> QueryResult:
        """Run a SPARQL query; kg's prefixes are predeclared, ``init_bindings`` bind variables."""

    @abstractmethod
    def serialize(self, format: str = "turtle") -> bytes:  # noqa: A002 - the rdflib name
        """The whole store in an RDF syntax (``turtle``, ``nt``, ``json-ld``, ...)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the store holds; using it afterwards raises GraphError."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class MemoryStore(GraphStore):
    """A store over an rdflib in-memory graph."""

    def __init__(self, graph: Graph | None = None) -> None:
        from .graph import new_graph

        self._graph: Graph | None = new_graph()
        if graph is not None:
            self.add_graph(graph)

    def _open(self) -> Graph:
        if self._graph is None:
            raise GraphError("the store is closed")
        return self._graph

    def add_graph(self, graph: Graph) -> None:
        target = self._open()
        for triple in graph:
            target.add(triple)

    def query(self, sparql: str, init_bindings: Mapping[str, object] | None = None) -> QueryResult:
        from .query import run_query

        return run_query(self._open(), sparql, init_bindings)

    def serialize(self, format: str = "turtle") -> bytes:  # noqa: A002
        graph = self._open()
        if format in ("nt", "ntriples", "sorted-nt"):
            from .graph import to_sorted_ntriples

            return to_sorted_ntriples(graph).encode("utf-8")
        try:
            return graph.serialize(format=format, encoding="utf-8")
        except Exception as exc:  # rdflib: PluginException for an unknown format
            raise GraphError(f"cannot serialise the graph as {format!r}: {exc}") from None

    def close(self) -> None:
        self._graph = None

    def __len__(self) -> int:
        return len(self._open())


class OxigraphStore(GraphStore):
    """A store over Oxigraph (pyoxigraph): on disk when ``path`` is given, else in memory.

    Triples may sit in the default graph or in named graphs; queries see the
    union of all graphs (``use_default_graph_as_union``), so a query need not
    know which graph holds what.  kg's prefixes are predeclared.  ``read_only``
    opens an existing on-disk store without taking the write lock, so several
    readers (``kg query``, ``kg serve``) can share it while no build writes it.
    """

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        import pyoxigraph as ox

        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.is_dir():
                    raise GraphError(f"{self.path}: no Oxigraph store there")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            raise GraphError(f"{self.path}: cannot open the Oxigraph store: {exc}") from None
        self.read_only = read_only

    def _open(self):  # -> pyoxigraph.Store
        if self._store is None:
            raise GraphError("the store is closed")
        return self._store

    @property
    def oxigraph(self):  # -> pyoxigraph.Store
        """The underlying :class:`pyoxigraph.Store`, for bulk work."""
        return self._open()

    def add_graph(self, graph: Graph, graph_name: str | None = None) -> None:
        """Add ``graph``'s triples to the default graph, or to the named graph ``graph_name``."""
        from .graph import to_sorted_ntriples

        self.load_ntriples(to_sorted_ntriples(graph), graph_name)

    def load_ntriples(self, data: str | bytes, graph_name: str | None = None) -> None:
        """Add N-Triples text to the default graph or to the named graph ``graph_name``."""
        import pyoxigraph as ox

        target = ox.NamedNode(graph_name) if graph_name else ox.DefaultGraph()
        try:
            self._open().load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
        except (SyntaxError, ValueError, OSError) as exc:
            raise GraphError(f"cannot load N-Triples into the store: {exc}") from None

    def load_nquads(self, data: str | bytes) -> None:
        """Add N-Quads text (the graph of each line is kept)."""
        import pyoxigraph as ox

        try:
            self._open().load(data, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise GraphError(f"cannot load N-Quads into the store: {exc}") from None

    def bulk_load(self, path: Path | str) -> None:
        """Load a large N-Quads or N-Triples file fast (not transactional: for new stores)."""
        import pyoxigraph as ox

        fmt = ox.RdfFormat.N_QUADS if str(path).endswith(".nq") else ox.RdfFormat.N_TRIPLES
        try:
            self._open().bulk_load(path=str(path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise GraphError(f"{path}: cannot load into the store: {exc}") from None

    def optimize(self) -> None:
        """Compact the database (RocksDB) after a load: lookups get about 3x faster on a bulk-loaded store.

        Measured on a bulk-loaded 5M-triple store of kg's shape: 5.5 s, after
        which the name lookups of the bundled queries went from ~64 to ~20 ms.
        """
        try:
            self._open().optimize()
        except OSError as exc:
            raise GraphError(f"{self.path}: cannot optimise the store: {exc}") from None

    def remove_graph(self, graph_name: str) -> None:
        """Drop a named graph and every triple in it (nothing happens if it is absent)."""
        import pyoxigraph as ox

        node = ox.NamedNode(graph_name)
        store = self._open()
        if store.contains_named_graph(node):
            store.remove_graph(node)

    def clear_default_graph(self) -> None:
        import pyoxigraph as ox

        self._open().clear_graph(ox.DefaultGraph())

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._open().named_graphs())

    def query(self, sparql: str, init_bindings: Mapping[str, object] | None = None) -> QueryResult:
        return oxigraph_query(self._open(), sparql, init_bindings)

    def to_graph(self) -> Graph:
        """Every triple of the store (all graphs merged) as an rdflib graph."""
        from .graph import new_graph

        graph = new_graph()
        for quad in self._open().quads_for_pattern(None, None, None, None):
            graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate), from_oxigraph(quad.object)))
        return graph

    def serialize(self, format: str = "turtle") -> bytes:  # noqa: A002
        """All graphs merged, in an RDF syntax; ``nt`` is sorted like ``graph.nt``."""
        return MemoryStore(self.to_graph()).serialize(format)

    def dump_nquads(self) -> bytes:
        """Every quad, as N-Quads (named graphs kept)."""
        import pyoxigraph as ox

        return self._open().dump(format=ox.RdfFormat.N_QUADS)

    def flush(self) -> None:
        if not self.read_only and self.path is not None:
            self._open().flush()

    def close(self) -> None:
        if self._store is not None and not self.read_only and self.path is not None:
            try:
                self._store.flush()
            except OSError:
                pass
        self._store = None

    def __len__(self) -> int:
        return len(self._open())


# ---------------------------------------------------------------------------
# Oxigraph queries and term conversion
# ---------------------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_oxigraph(term: object):  # -> pyoxigraph term
    """An rdflib term (or a plain Python value) as a pyoxigraph term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as exc:
            raise GraphError(f"not a valid IRI: {str(term)!r} ({exc})") from None
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if not isinstance(term, Literal):
        if term is None:
            from .errors import QueryError

            raise QueryError("cannot bind None to a variable; leave the variable out instead")
        term = Literal(term)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def from_oxigraph(term):  # pyoxigraph term -> rdflib Node
    """A pyoxigraph term as the rdflib term rdflib's own engine would give.

    Plain literals come back without a datatype (rdflib's ``Literal("x")``),
    not as ``xsd:string``, so results compare equal across engines.
    """
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise GraphError(f"unsupported term in a query result: {term!r}")


def _converter():  # -> Callable[[pyoxigraph term | None], rdflib Node | None]
    """:func:`from_oxigraph` that converts each distinct term of one result once.

    Labels, relation names and modalities repeat over the rows of a large
    result; building their rdflib terms once instead of once per row makes
    turning a result of thousands of rows into a :class:`QueryResult` several
    times faster.
    """
    cache: dict = {None: None}

    def convert(term):
        try:
            return cache[term]
        except KeyError:
            value = cache[term] = from_oxigraph(term)
            return value

    return convert


# Tokens of SPARQL that may contain a "?" or "$" that is not a variable.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*"
    r"|[?$][A-Za-z_0-9\u00B7\u00C0-\uFFFF]+",
    re.DOTALL,
)


def substitute(text: str, bindings: Mapping[str, object]) -> str:
    """Replace the variables in ``bindings`` by their values, written as escaped RDF terms.

    Strings, IRIs and comments are skipped, so only real variables are
    replaced; each value is written with rdflib's ``n3()``, which escapes
    quotes, backslashes and newlines, and an IRI with characters an IRI may
    not hold is refused.  This is how a binding reaches a variable that the
    query does not project (Oxigraph's ``substitutions`` need it projected),
    with the same effect as rdflib's ``initBindings``.
    """
    from rdflib import URIRef

    from .query import _term

    terms = {}
    for key, value in bindings.items():
        term = _term(value)
        if isinstance(term, URIRef) and re.search(r"[<>\"{}|^`\\\s]", str(term)):
            from .errors import QueryError

            raise QueryError(f"cannot bind {key}: {str(term)!r} is not a valid IRI")
        terms[key.lstrip("?$")] = term.n3()

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[0] in "?$" and token[1:] in terms:
            return terms[token[1:]]
        return token

    return _TOKENS.sub(replace, text)


def oxigraph_query(store, sparql: str, init_bindings: Mapping[str, object] | None = None) -> QueryResult:
    """Run SPARQL over a :class:`pyoxigraph.Store` (union of its graphs) as a :class:`QueryResult`."""
    import pyoxigraph as ox

    from .errors import QueryError
    from .namespaces import PREFIXES
    from .query import QueryResult

    text = substitute(sparql, init_bindings) if init_bindings else sparql
    try:
        answer = store.query(text, prefixes=dict(PREFIXES), use_default_graph_as_union=True)
    except SyntaxError as exc:
        message = str(exc)
        m = re.search(r"error at (\d+):(\d+)", message)
        line, column = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise QueryError(f"SPARQL syntax error: {message}", line=line, column=column) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from None
    try:
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult(kind="ASK", boolean=bool(answer))
        if isinstance(answer, ox.QueryTriples):
            from .graph import new_graph

            graph = new_graph()
            for t in answer:
                graph.add((from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)))
            kind = "DESCRIBE" if re.search(r"\bDESCRIBE\b", sparql, re.IGNORECASE) else "CONSTRUCT"
            return QueryResult(kind=kind, graph=graph)
        variables = tuple(v.value for v in answer.variables)
        convert = _converter()
        rows = tuple(tuple(map(convert, solution)) for solution in answer)
        return QueryResult(kind="SELECT", variables=variables, rows=rows)
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from None


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


def store_path(path: Path | str) -> Path | None:
    """The Oxigraph store of a build folder (``FOLDER/store``), or None when it has none."""
    folder = Path(path)
    candidate = folder / STORE_DIR
    if folder.is_dir() and candidate.is_dir():
        return candidate
    return None


def open_store(path: Path | str | None = None, *, engine: str | None = None) -> GraphStore:
    """Open the graph at ``path`` for querying.

    ``path`` may be a build folder or a graph file (None gives an empty memory
    store).  ``engine`` chooses: ``"oxigraph"`` (also what None means) opens
    the build folder's ``store/`` read-only, or loads a graph file (or a
    build folder without a store) into an in-memory Oxigraph store; the
    bundled queries are written for Oxigraph's planner.  ``"rdflib"`` loads
    the graph into an rdflib :class:`MemoryStore`.  Close the store when done
    (it is a context manager).
    """
    if engine is not None and engine not in ENGINES:
        raise GraphError(f"unknown query engine {engine!r}; valid: {', '.join(ENGINES)}")
    if path is None:
        return OxigraphStore() if engine == "oxigraph" else MemoryStore()
    found = store_path(path)
    if found is not None and engine in (None, "oxigraph"):
        return OxigraphStore(found, read_only=True)
    from .graph import load_graph

    graph = load_graph(path)
    if engine in (None, "oxigraph"):  # the bundled queries are written for Oxigraph's planner
        store = OxigraphStore()
        store.add_graph(graph)
        return store
    return MemoryStore(graph)
