"""The ``kg`` command line: thin wrappers over importable functions.

Each command parses its options, calls one function of the package and prints
the result.  A :class:`~kg.errors.KgError` is printed as one red line on
stderr and exits with status 2; no traceback is shown for a user's mistake.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import KgError, QueryError

if TYPE_CHECKING:
    from .build import BuildSummary

EXIT_ERROR = 2  # the command could not do its job (bad input, bad query, ...)
EXIT_PROBLEMS = 1  # the command ran but found problems

app = typer.Typer(
    name="kg",
    help="Build evidence-backed medical knowledge graphs (RDF) from literature, then query and view them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Consoles look up sys.stdout / sys.stderr when they print, so output can be captured.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``kg`` console script and of ``python -m kg``."""
    app(args=argv, prog_name="kg")


@contextmanager
def _reported() -> Iterator[None]:
    """Turn kg's errors into one red line on stderr and exit status 2."""
    try:
        yield
    except KgError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        err.print("interrupted", style="red")
        raise typer.Exit(130) from None


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    err.print(f"error: {message}", style="red", markup=False)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show kg's version and exit."),
    ] = False,
) -> None:
    """kg: evidence-backed medical knowledge graphs from literature."""


# ---------------------------------------------------------------------------
# kg build
# ---------------------------------------------------------------------------


class Executor(str, Enum):
    local = "local"
    dask = "dask"


@app.command()
def build(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Text (.txt, .md), PubMed/MEDLINE XML (.xml, .xml.gz) or BioC (XML, JSON) files, or folders of them.",
            show_default=False,
        ),
    ],
    out_dir: Annotated[Path, typer.Option("-o", "--out", help="Folder to write graph.ttl, graph.nt, graph.html and the store into.", show_default=False)],
    ontology: Annotated[
        list[Path],
        typer.Option("--ontology", help="An extra ontology module (.ttl file or folder); repeatable.", show_default=False),
    ] = [],  # noqa: B006 - typer needs a literal default
    model: Annotated[
        Optional[str],
        typer.Option("--model", help="A trained spaCy pipeline you have installed (e.g. en_core_web_sm); default: none."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes to use for extraction.")] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Extract every document again (ignore the results cached by earlier builds).")] = False,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not write the Oxigraph store (OUT/store).")] = False,
    executor: Annotated[
        Executor, typer.Option("--executor", help="Where extraction runs: local processes (--jobs), or a Dask cluster (--scheduler).")
    ] = Executor.local,
    scheduler: Annotated[
        Optional[str],
        typer.Option("--scheduler", metavar="ADDRESS", help="With --executor dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster).", show_default=False),
    ] = None,
) -> None:
    """Build the knowledge graph of a corpus (only new or changed documents are extracted again)."""
    from .build import build as run_build

    options = {"ontology_paths": ontology, "model": model, "jobs": jobs, "incremental": not full, "store": not no_store,
               "executor": Executor(executor).value, "scheduler": scheduler}  # fmt: skip
    with _reported():
        if scheduler is not None and Executor(executor) is not Executor.dask:
            _fail("--scheduler goes with --executor dask")
        if quiet:
            summary = run_build(paths, out_dir, **options)
        else:
            summary = _build_with_progress(lambda progress: run_build(paths, out_dir, progress=progress, **options))
    if quiet:
        for s in summary.skipped:
            err.print(f"skipped {s.source}: {s.reason}", style="yellow", markup=False)
    else:
        print_summary(summary)
        if summary.store is not None:
            out.print(f"  store {summary.store}", markup=False)
        if summary.reused:
            out.print(f"Reused the cached results of {summary.reused} unchanged documents; extracted {summary.extracted}.")


def _build_with_progress(run: Callable[[Callable[[int, int | None], None]], BuildSummary]) -> BuildSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("documents"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("build", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        return run(progress)


def print_summary(summary: BuildSummary) -> None:
    """The report printed after ``kg build``."""
    from rich.markup import escape
    from rich.table import Table

    docs = "document" if summary.documents == 1 else "documents"
    out.print(f"[bold]Built the graph of {summary.documents} {docs}[/] in {summary.seconds:.1f} s")
    out.print(f"  entities   {summary.entities}  ({summary.mentions} mentions)")
    out.print(f"  relations  {summary.relations} statements backed by {summary.evidence} evidence sentences")
    out.print("  modality   " + ", ".join(f"{name} {count}" for name, count in summary.modalities))
    if summary.relations_by_type:
        table = Table(title="Relations by type", title_justify="left", show_edge=False)
        table.add_column("relation type")
        table.add_column("statements", justify="right")
        for label, count in summary.relations_by_type:
            table.add_row(escape(label), str(count))
        out.print(table)
    for warning in summary.warnings:
        err.print(f"ontology warning: {warning}", style="yellow", markup=False)
    if summary.skipped:
        files = "file" if len(summary.skipped) == 1 else "files"
        out.print(f"[yellow]Skipped {len(summary.skipped)} {files}:[/]")
        for s in summary.skipped:
            out.print(f"  {escape(s.source)}: {escape(s.reason)}")
    out.print("Outputs:")
    for kind, path in summary.outputs:
        out.print(f"  {kind:<5} {escape(str(path))}")


# ---------------------------------------------------------------------------
# kg query
# ---------------------------------------------------------------------------


class Format(str, Enum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"


class Engine(str, Enum):
    oxigraph = "oxigraph"
    rdflib = "rdflib"


@app.command()
def query(
    graph_arg: Annotated[
        Optional[str], typer.Argument(metavar="[GRAPH]", help="A graph file (.ttl, .nt) or a build folder.", show_default=False)
    ] = None,
    text: Annotated[
        Optional[str], typer.Argument(metavar="[QUERY]", help="SPARQL query text.", show_default=False)
    ] = None,
    file: Annotated[Optional[Path], typer.Option("-f", "--file", help="Read the query from a .rq file.", show_default=False)] = None,
    name: Annotated[Optional[str], typer.Option("--name", "-n", help="Run a bundled query (see --list).", show_default=False)] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    params: Annotated[
        list[str],
        typer.Option("--param", "-p", metavar="NAME=VALUE", help="Bind a query variable; <iri> or ent:Name binds an IRI, else a string. Repeatable.", show_default=False),
    ] = [],  # noqa: B006
    list_: Annotated[bool, typer.Option("--list", help="List the bundled queries and exit.")] = False,
    engine: Annotated[
        Optional[Engine],
        typer.Option("--engine", help="Query engine; default: the build folder's Oxigraph store if it has one, else rdflib.", show_default=False),
    ] = None,
    endpoint: Annotated[
        Optional[str], typer.Option("--endpoint", help="Query a remote SPARQL 1.1 endpoint (URL) instead of GRAPH.", show_default=False)
    ] = None,
    user: Annotated[Optional[str], typer.Option("--user", help="User name for --endpoint.", show_default=False)] = None,
    password: Annotated[
        Optional[str], typer.Option("--password", help="Password for --user.", envvar="KG_ENDPOINT_PASSWORD", show_default=False)
    ] = None,
) -> None:
    """Run a SPARQL query over a graph or endpoint (or list the bundled queries)."""
    with _reported():
        if list_:
            _list_queries()
            return
        from .query import format_result, get_query, parse_params

        graph = Path(graph_arg) if graph_arg is not None else None
        if endpoint is not None and text is None and graph is not None and not graph.exists():
            text, graph = graph_arg, None  # with --endpoint, the only argument is the query
        if endpoint is not None and graph is not None:
            _fail("give GRAPH or --endpoint, not both")
        if graph is None and endpoint is None:
            _fail("missing GRAPH: give a graph file or build folder (or use --list)")
        given = [what for what, value in (("QUERY", text), ("--file", file), ("--name", name)) if value is not None]
        if len(given) != 1:
            _fail(
                "give exactly one query: QUERY text, -f FILE.rq or --name NAME"
                + (f" (got {' and '.join(given)})" if given else "")
            )
        if file is not None:
            query_text = _read_text(file, "query file")
        elif name is not None:
            query_text = get_query(name).text
        else:
            query_text = text
        bindings = parse_params(params)
        if endpoint is not None:
            from .remote import remote_query

            result = remote_query(endpoint, query_text, bindings or None, user=user, password=password)
        else:
            from .store import open_store

            with open_store(graph, engine=engine.value if engine is not None else None) as store:
                result = store.query(query_text, bindings or None)
        typer.echo(format_result(result, fmt.value), nl=False)


def _list_queries() -> None:
    from rich.markup import escape
    from rich.table import Table

    from .query import bundled_queries

    table = Table(title="Bundled queries (kg query GRAPH --name NAME)", title_justify="left", show_edge=False)
    table.add_column("name", no_wrap=True)
    table.add_column("title")
    table.add_column("--param")
    for q in bundled_queries():
        table.add_row(escape(q.name), escape(q.title), escape(", ".join(p.name for p in q.parameters)))
    out.print(table)


# ---------------------------------------------------------------------------
# kg view
# ---------------------------------------------------------------------------


class Layout(str, Enum):
    precomputed = "precomputed"
    physics = "physics"


@app.command()
def view(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A graph file (.ttl, .nt) or a build folder.", show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--out", help="The HTML file to write.", show_default=False)],
    title: Annotated[Optional[str], typer.Option("--title", help="Title of the page (default: the graph's name).")] = None,
    focus: Annotated[
        Optional[str],
        typer.Option("--focus", metavar="CONCEPT", help="Draw only this concept (label, synonym or ent: name) and its neighbours.", show_default=False),
    ] = None,
    hops: Annotated[int, typer.Option("--hops", min=0, help="With --focus: how many claims away a neighbour may be.")] = 1,
    query_file: Annotated[
        Optional[Path],
        typer.Option("--query", metavar="FILE.rq", help="Draw what a SPARQL query selects: a CONSTRUCT's triples, or the entities of a SELECT's rows and the claims among them.", show_default=False),
    ] = None,
    params: Annotated[
        list[str],
        typer.Option("--param", "-p", metavar="NAME=VALUE", help="With --query: bind a query variable (as kg query does). Repeatable.", show_default=False),
    ] = [],  # noqa: B006
    layout: Annotated[
        Layout,
        typer.Option("--layout", help="precomputed: positions computed by kg, drawn at once (any size); physics: laid out in the browser (small graphs)."),
    ] = Layout.precomputed,
) -> None:
    """Write a self-contained interactive HTML view of a graph, or of part of it.

    A build folder with an Oxigraph store is read from the store: the most
    connected entities (as the build's graph.html), the neighbourhood of
    --focus, or what --query selects, without loading the whole graph.  A
    graph file is loaded with rdflib.
    """
    from .explore import selected_view, store_selected_view
    from .store import store_path
    from .view import render_html

    with _reported():
        if focus is not None and query_file is not None:
            _fail("give --focus or --query, not both")
        if params and query_file is None:
            _fail("--param needs --query")
        text = _read_text(query_file, "query file") if query_file is not None else None
        from .query import parse_params

        bindings = parse_params(params) or None
        result = None
        if store_path(graph) is not None:
            from .explore import open_oxigraph
            from .store import oxigraph_query

            store, _ = open_oxigraph(graph)
            if text is not None:
                result = oxigraph_query(store, text, bindings)
            data = store_selected_view(store, focus=focus, hops=hops, query=result)
        else:
            loaded = _load(graph)
            if text is not None:
                from .query import run_query

                result = run_query(loaded, text, bindings)
            data = selected_view(loaded, focus=focus, hops=hops, query=result)
        name = title or f"kg: {graph.resolve().name}"
        if title is None and focus is not None:
            name += f", {hops} hop{'s' if hops != 1 else ''} around {focus}"
        elif title is None and query_file is not None:
            name += f", {query_file.name}"
        html = render_html(data, name, positions={} if layout is Layout.physics else None)
        _write_atomic(output, html)
    if (focus is not None or query_file is not None) and not data.nodes:
        err.print("warning: the selection is empty; the page shows no entities", style="yellow", markup=False)
    n_nodes, n_edges = len(data.nodes), len(data.edges)
    out.print(f"Wrote {output} ({n_nodes} entit{'y' if n_nodes == 1 else 'ies'}, {n_edges} claim{'' if n_edges == 1 else 's'})", markup=False)


# ---------------------------------------------------------------------------
# kg eval
# ---------------------------------------------------------------------------


@app.command("eval")
def eval_(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A graph file (.ttl, .nt) or a build folder.", show_default=False)],
    gold: Annotated[
        Path, typer.Argument(metavar="GOLD", help="Gold relations, tab-separated: subject, relation, object, kind, modality, sentence.", show_default=False)
    ],
    ontology: Annotated[
        list[Path],
        typer.Option("--ontology", help="An extra ontology module (.ttl file or folder); repeatable.", show_default=False),
    ] = [],  # noqa: B006
    fail_under: Annotated[
        Optional[float],
        typer.Option("--fail-under", min=0.0, max=1.0, help="Exit with status 1 when F1 is below this (for CI).", show_default=False),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Match entity names only, not the names of their ontology ancestors."),
    ] = False,
) -> None:
    """Compare a graph with gold relations: precision, recall, F1 and what was missed."""
    from .evaluate import evaluate, format_report, read_gold
    from .ontology import load_ontology
    from .paths import user_ontology_paths

    with _reported():
        loaded_ontology = load_ontology(extra=[*ontology, *user_ontology_paths()])
        rows = read_gold(gold, loaded_ontology)
        report = evaluate(_load(graph), rows, loaded_ontology, hierarchical=not strict)
        typer.echo(format_report(report).rstrip("\n"))
    if fail_under is not None and report.f1 < fail_under:
        _fail(f"F1 {report.f1:.3f} is below --fail-under {fail_under}", EXIT_PROBLEMS)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _load(path: Path):
    """A graph file, or the graph a build folder holds."""
    from .graph import load_graph

    return load_graph(path)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"no such {what}: {str(path)!r}") from None
    except UnicodeDecodeError as exc:
        raise QueryError(f"{what} {str(path)!r} is not UTF-8 (invalid byte at offset {exc.start})") from None
    except OSError as exc:
        raise QueryError(f"cannot read {what} {str(path)!r}: {exc.strerror or exc}") from None


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, so a failure leaves no half file."""
    from .graph import write_text_atomic

    write_text_atomic(path, text)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


# ---------------------------------------------------------------------------
# Commands defined in their own modules; each module registers its commands.
# ---------------------------------------------------------------------------
from .cli_ontology import register as _register_ontology; _register_ontology(app)  # noqa: E402, E702
from .cli_serve import register as _register_serve; _register_serve(app)  # noqa: E402, E702
from .cli_explore import register as _register_explore; _register_explore(app)  # noqa: E402, E702
from .cli_store import register as _register_store; _register_store(app)  # noqa: E402, E702
from .cli_sources import register as _register_sources; _register_sources(app)  # noqa: E402, E702
