"""kg for notebooks and scripts: build, load, query, view, explore, export.

A thin layer over the modules the command line uses::

    from kg import api

    built = api.build(["corpus/"])                  # a graph in memory (or out_dir=...)
    rows = api.query(built.graph, "claims-by-type")  # a bundled query, by name
    rows.to_dataframe()                              # with pandas installed
    api.query(built.graph, "SELECT ?e WHERE { ?e kg:category ?c }")
    api.view(built.graph, focus="MSC", hops=2)       # shows inline in Jupyter
    api.paths(built.graph, "MSC", "inflammation")
    api.stats(built.graph)
    api.export(built.graph, "graphml", "graph.graphml")

Every function that takes a graph also takes a path to a graph file or a
build folder.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MissingDependencyError

if TYPE_CHECKING:
    from rdflib import Graph

    from .build import BuildSummary
    from .explore import GraphStats, PathResult
    from .view import ViewData

__all__ = ["Built", "Rows", "View", "build", "export", "load", "paths", "query", "stats", "view"]


@dataclass(frozen=True)
class Built:
    """The result of :func:`build`: the graph and the build's summary."""

    graph: Graph
    summary: BuildSummary
    out_dir: Path | None  # None when the outputs were not kept


def build(
    paths: Sequence[str | Path] | str | Path,
    out_dir: str | Path | None = None,
    *,
    ontology: Sequence[str | Path] = (),
    model: str | None = None,
    jobs: int = 1,
) -> Built:
    """Build the graph of the texts under ``paths`` (see ``kg build``).

    With ``out_dir`` the outputs (graph.ttl, graph.nt, graph.html) are written
    there as ``kg build`` writes them; without, the build runs in a temporary
    folder that is removed afterwards, and only the graph is kept.
    """
    from .build import build as run_build
    from .graph import load_graph

    sources = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if out_dir is not None:
        summary = run_build(sources, Path(out_dir), ontology_paths=list(ontology), model=model, jobs=jobs)
        return Built(load_graph(summary.output("nt")), summary, Path(out_dir))
    with tempfile.TemporaryDirectory(prefix="kg-build-") as tmp:
        summary = run_build(sources, Path(tmp) / "out", ontology_paths=list(ontology), model=model, jobs=jobs)
        return Built(load_graph(summary.output("nt")), summary, None)


def load(source: Graph | str | Path) -> Graph:
    """A graph: returned as it is, or read from a graph file or build folder."""
    from rdflib import Graph

    if isinstance(source, Graph):
        return source
    from .graph import load_graph

    return load_graph(source)


class Rows(list):
    """The rows of a SELECT answer: a list of ``{variable: value}`` dicts.

    Values are plain Python (IRIs as str, numbers as numbers, unbound as
    None).  ``variables`` keeps the column order.
    """

    def __init__(self, rows: Sequence[dict[str, Any]], variables: Sequence[str]) -> None:
        super().__init__(rows)
        self.variables = tuple(variables)

    def to_dataframe(self):
        """The rows as a pandas DataFrame, columns in the query's order (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise MissingDependencyError(
                "Rows.to_dataframe() needs pandas, which is not installed; install it with: pip install pandas "
                "(the rows are also a plain list of dicts)"
            ) from None
        return pandas.DataFrame(list(self), columns=list(self.variables))


_NAME = re.compile(r"^[A-Za-z0-9][\w-]*$")


def _query_text(sparql_or_name: str | Path) -> str:
    """A bundled query's text by name, a .rq file's text, or the text itself."""
    from .query import get_query

    if isinstance(sparql_or_name, Path):
        return sparql_or_name.read_text(encoding="utf-8")
    text = sparql_or_name.strip()
    if _NAME.match(text):
        return get_query(text).text
    if text.endswith(".rq") and "\n" not in text and Path(text).is_file():
        return Path(text).read_text(encoding="utf-8")
    return sparql_or_name


def query(graph: Graph | str | Path, sparql_or_name: str | Path, **params: Any):
    """Run SPARQL over ``graph``: query text, a ``.rq`` file, or a bundled query's name.

    ``params`` bind variables (``disease="low back pain"``); rdflib terms
    (``URIRef(...)``) are bound as they are.  Returns :class:`Rows` for a
    SELECT, a bool for an ASK, and an rdflib Graph for CONSTRUCT or DESCRIBE.
    """
    from .query import run_query

    result = run_query(load(graph), _query_text(sparql_or_name), params or None)
    if result.kind == "ASK":
        return bool(result.boolean)
    if result.graph is not None:
        return result.graph
    return Rows(result.dicts(), result.variables)


class View:
    """An interactive view; Jupyter shows it inline (an iframe holding the page)."""

    def __init__(self, page: str, data: ViewData, height: int = 600) -> None:
        self.html = page
        self.data = data
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; height: {int(self.height)}px; border: 1px solid #ddd;" '
            'sandbox="allow-scripts"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to a file (it opens offline in any browser)."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def __repr__(self) -> str:
        return f"<kg view: {len(self.data.nodes)} entities, {len(self.data.edges)} claims>"


def view(
    graph: Graph | str | Path,
    *,
    focus: str | None = None,
    hops: int = 1,
    query: str | Path | None = None,
    params: dict[str, Any] | None = None,
    title: str = "kg",
    height: int = 600,
) -> View:
    """The interactive view of ``graph``, of a concept's neighbourhood (``focus``), or of a query's answer."""
    from .explore import selected_view
    from .query import run_query
    from .view import render_html

    loaded = load(graph)
    result = run_query(loaded, _query_text(query), params or None) if query is not None else None
    data = selected_view(loaded, focus=focus, hops=hops, query=result)
    return View(render_html(data, title), data, height)


def paths(graph: Graph | str | Path, start: str, end: str, **options: Any) -> PathResult:
    """Mechanistic paths from ``start`` to ``end``; options as :func:`kg.explore.paths` takes them."""
    from .explore import paths as find_paths

    return find_paths(load(graph), start, end, **options)


def stats(graph: Graph | str | Path, *, top: int = 10) -> GraphStats:
    """Counts, most connected entities and components (:func:`kg.explore.stats`)."""
    from .explore import stats as graph_stats

    return graph_stats(load(graph), top=top)


def export(graph: Graph | str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Write ``graph`` in ``fmt`` to ``out`` (:func:`kg.export.export`); returns the files written."""
    from .export import export as run_export

    return run_export(load(graph), fmt, out)
