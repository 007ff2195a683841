"""``kg push``: send a build to a remote SPARQL 1.1 endpoint (see :mod:`kg.remote`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    """Add the store commands to the ``kg`` application."""
    app.command("push")(push)


def push(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A build folder or graph file.", show_default=False)],
    endpoint: Annotated[str, typer.Option("--endpoint", help="SPARQL 1.1 Update endpoint URL.", show_default=False)],
    graph_iri: Annotated[
        Optional[str], typer.Option("--graph", help="Named graph to write (replaced); default https://w3id.org/kg/graph.")
    ] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Triples per INSERT DATA request (Virtuoso refuses much more than 2000).")] = 1000,
    user: Annotated[Optional[str], typer.Option("--user", help="User name for the endpoint (HTTP digest auth).")] = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Password for --user.", envvar="KG_ENDPOINT_PASSWORD")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Add to the named graph instead of replacing it.")] = False,
) -> None:
    """Push a graph into a remote SPARQL 1.1 endpoint (batched INSERT DATA into one named graph)."""
    from .cli import _reported, out
    from .remote import DEFAULT_GRAPH, push as run_push

    with _reported():
        summary = run_push(
            graph, endpoint, graph=graph_iri or DEFAULT_GRAPH, batch=batch, user=user, password=password, replace=not keep
        )
    out.print(
        f"Pushed {summary.triples} triples into <{summary.graph}> at {summary.endpoint} in {summary.requests} requests",
        markup=False,
    )
