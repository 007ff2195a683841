"""``kg push``: send a build to a remote SPARQL 1.1 endpoint (see :mod:`kg.remote`)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class Protocol(str, Enum):
    update = "update"
    gsp = "gsp"


class Auth(str, Enum):
    digest = "digest"
    basic = "basic"


def register(app: typer.Typer) -> None:
    """Add the store commands to the ``kg`` application."""
    app.command("push")(push)


def push(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A build folder or graph file.", show_default=False)],
    endpoint: Annotated[
        str,
        typer.Option(
            "--endpoint",
            help="Endpoint URL: SPARQL 1.1 Update (--protocol update; Virtuoso: http://HOST:8890/sparql-auth) "
            "or Graph Store (--protocol gsp; Virtuoso: http://HOST:8890/sparql-graph-crud-auth).",
            show_default=False,
        ),
    ],
    protocol: Annotated[
        Protocol,
        typer.Option(
            "--protocol",
            help="update: batched INSERT DATA into the --graph graph (works with any SPARQL Update endpoint; the default). "
            "gsp: SPARQL 1.1 Graph Store Protocol: PUT each document's named graph under its own IRI, as the build's "
            "store holds them, and the rest into --graph, in chunks of --batch triples; document graphs on the server "
            "that are no longer in the build are deleted.",
        ),
    ] = Protocol.update,
    graph_iri: Annotated[
        Optional[str],
        typer.Option(
            "--graph",
            help="Named graph to write (replaced); default https://w3id.org/kg/graph. "
            "With --protocol gsp, 'default' writes the endpoint's default graph (?default).",
        ),
    ] = None,
    batch: Annotated[
        Optional[int],
        typer.Option(
            "--batch",
            min=1,
            help="Triples per request: default 1000 for update (Virtuoso refuses much more than 2000 per INSERT DATA), "
            "10000 for gsp.",
            show_default=False,
        ),
    ] = None,
    one_graph: Annotated[
        bool, typer.Option("--one-graph", help="With --protocol gsp: put every triple into --graph, not one graph per document.")
    ] = False,
    user: Annotated[Optional[str], typer.Option("--user", help="User name for the endpoint.")] = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Password for --user.", envvar="KG_ENDPOINT_PASSWORD")] = None,
    auth: Annotated[Auth, typer.Option("--auth", help="How --user and --password are sent: HTTP digest or basic auth.")] = Auth.digest,
    keep: Annotated[bool, typer.Option("--keep", help="Add to the graphs instead of replacing them.")] = False,
    query_endpoint: Annotated[
        Optional[str],
        typer.Option(
            "--query-endpoint",
            help="With --protocol gsp: the SPARQL query URL used to find document graphs no longer in the build "
            "(default: derived from --endpoint, e.g. /sparql-graph-crud-auth -> /sparql-auth).",
        ),
    ] = None,
) -> None:
    """Push a graph into a remote SPARQL 1.1 endpoint (SPARQL Update or the Graph Store Protocol), in batches."""
    from .cli import _fail, _reported, out
    from .remote import DEFAULT_GRAPH, push as run_push

    target: str | None = graph_iri or DEFAULT_GRAPH
    if graph_iri == "default":
        if protocol is not Protocol.gsp:
            _fail("--graph default needs --protocol gsp (the update protocol writes into a named graph)")
        target = None
    if one_graph and protocol is not Protocol.gsp:
        _fail("--one-graph goes with --protocol gsp (the update protocol always writes one graph)")
    with _reported():
        summary = run_push(
            graph,
            endpoint,
            graph=target,
            batch=batch,
            user=user,
            password=password,
            replace=not keep,
            protocol=protocol.value,
            auth=auth.value,
            per_document=not one_graph,
            query_endpoint=query_endpoint,
        )
    into = f"<{summary.graph}>" if summary.graph else "the default graph"
    if summary.documents:
        into += f" and {summary.documents} document graphs"
    removed = f"; removed {summary.removed} document graphs no longer in the build" if summary.removed else ""
    out.print(
        f"Pushed {summary.triples} triples into {into} at {summary.endpoint} in {summary.requests} requests{removed}",
        markup=False,
    )
