"""Where a graph is kept and queried: a small interface and an in-memory store.

Callers talk to a :class:`GraphStore` (add triples, run SPARQL, serialise,
close) rather than to rdflib directly, so the store can later be swapped for
Oxigraph or a remote SPARQL endpoint without touching them.  Query results
come back as :class:`kg.query.QueryResult` records whatever the store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from .errors import GraphError

if TYPE_CHECKING:
    from rdflib import Graph

    from .query import QueryResult

__all__ = ["GraphStore", "MemoryStore", "open_store"]


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


def open_store(path: Path | str | None = None) -> GraphStore:
    """A memory store, filled from a graph file or build folder when ``path`` is given."""
    store = MemoryStore()
    if path is not None:
        from .graph import load_graph

        store.add_graph(load_graph(path))
    return store
