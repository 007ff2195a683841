"""``kg serve``: the command that runs the local web app (see :mod:`kg.web`).

A thin wrapper: it checks the options, calls :func:`kg.web.app.serve` and
prints where the app can be reached.  Importing this module is cheap; the
web stack is imported when the command runs.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["register"]


class Engine(str, Enum):
    oxigraph = "oxigraph"
    rdflib = "rdflib"


def serve(
    graph: Annotated[Path, typer.Argument(metavar="PATH", help="A build folder written by kg build, or a graph file (.ttl, .nt).", show_default=False)],
    host: Annotated[str, typer.Option("--host", help="Address to listen on; anything but loopback exposes the graph to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8000,
    engine: Annotated[
        Optional[Engine],
        typer.Option("--engine", help="SPARQL engine (default: Oxigraph: the build's store, or a graph file loaded into memory; rdflib on request).", show_default=False),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Time limit of one query, in seconds.")] = 20.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Most rows (or triples) one query returns.")] = 10_000,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes answering SPARQL queries.")] = 2,
    cache_mb: Annotated[
        float, typer.Option("--cache-mb", min=0.0, help="Memory for answers to repeated queries, in MiB (0: no cache).")
    ] = 64.0,
    title: Annotated[Optional[str], typer.Option("--title", help="Title shown on the pages (default: the graph's name).", show_default=False)] = None,
) -> None:
    """Serve a graph as a local web app: SPARQL endpoint, query page, entity pages, search, interactive graph."""
    from .cli import _reported, err, out
    from .web.app import ServeConfig, is_loopback
    from .web.app import serve as run_server

    if not is_loopback(host):
        err.print(
            f"warning: listening on {host}: anyone who can reach this machine can read the graph "
            "(kg serve has no login); use --host 127.0.0.1 to keep it local",
            style="yellow",
            markup=False,
        )
    config = ServeConfig(
        path=graph,
        host=host,
        port=port,
        engine=engine.value if engine is not None else "oxigraph",
        workers=workers,
        timeout=timeout,
        max_rows=max_rows,
        title=title,
        cache_mb=cache_mb,
    )

    def ready(url: str) -> None:
        out.print(f"kg serve: {graph} at {url} (Ctrl+C to stop)", markup=False, highlight=False)
        out.file.flush()

    with _reported():
        run_server(config, on_ready=ready)


def register(app: typer.Typer) -> None:
    """Add ``kg serve`` to the ``kg`` command."""
    app.command("serve")(serve)
