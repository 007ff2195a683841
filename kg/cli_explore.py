"""``kg path``, ``kg stats`` and ``kg export``: thin commands over :mod:`kg.explore` and :mod:`kg.export`."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from .explore import GraphStats, PathResult


class StatsFormat(str, Enum):
    table = "table"
    json = "json"


class PathFormat(str, Enum):
    text = "text"
    json = "json"


_GRAPH_HELP = "A graph file (.ttl, .nt, ...) or a build folder."


def register(app: typer.Typer) -> None:
    """Add the exploration commands to ``app``."""
    app.command("path")(path)
    app.command("stats")(stats)
    app.command("export")(export)


# ---------------------------------------------------------------------------
# kg path
# ---------------------------------------------------------------------------


def path(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help=_GRAPH_HELP, show_default=False)],
    start: Annotated[str, typer.Argument(metavar="A", help="Where paths start: a label, synonym or ent: name.", show_default=False)],
    end: Annotated[str, typer.Argument(metavar="B", help="Where paths end.", show_default=False)],
    max_hops: Annotated[int, typer.Option("--max-hops", min=1, help="Longest path, in claims.")] = 4,
    relation: Annotated[
        list[str],
        typer.Option("--relation", "-r", help="Follow only this relation type (label or kg: name); repeatable. Default: the mechanistic ones.", show_default=False),
    ] = [],  # noqa: B006 - typer needs a literal default
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most this many paths.")] = 5,
    any_direction: Annotated[
        bool, typer.Option("--any-direction", help="Also walk claims from object to subject.")
    ] = False,
    include_negated: Annotated[bool, typer.Option("--include-negated", help="Also follow negated-only claims.")] = False,
    fmt: Annotated[PathFormat, typer.Option("--format", help="Output format.")] = PathFormat.text,
) -> None:
    """Mechanistic paths between two concepts, each step with its evidence."""
    from .cli import _load, _reported
    from .explore import paths

    with _reported():
        result = paths(
            _load(graph),
            start,
            end,
            max_hops=max_hops,
            relations=relation or None,
            limit=limit,
            any_direction=any_direction,
            include_negated=include_negated,
        )
    if fmt is PathFormat.json:
        typer.echo(json.dumps(_path_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(format_paths(result).rstrip("\n"))


def format_paths(result: PathResult) -> str:
    """Paths as text: a summary line per path, then each hop with its sentences."""
    a, b = result.source.label, result.target.label
    lines = [
        f"Paths from {a} to {b} (at most {result.max_hops} hops"
        + (", either direction" if result.any_direction else "")
        + f"; following: {', '.join(result.relations)})",
    ]
    if not result.paths:
        hint = "" if result.any_direction else " --any-direction,"
        lines.append(f"No path found. Try{hint} a larger --max-hops or other --relation types.")
        return "\n".join(lines) + "\n"
    for number, found in enumerate(result.paths, start=1):
        chain = found.hops[0].subject_label if found.hops[0].forward else found.hops[0].object_label
        for hop in found.hops:
            if hop.forward:
                chain += f" -[{hop.relation_label}]-> {hop.object_label}"
            else:
                chain += f" <-[{hop.relation_label}]- {hop.subject_label}"
        hops = len(found.hops)
        lines.append("")
        lines.append(f"{number}. {chain}")
        lines.append(f"   {hops} hop{'s' if hops != 1 else ''}, score {found.score:.3f}")
        for hop in found.hops:
            lines.append(f"   * {hop.subject_label} {hop.relation_label} {hop.object_label} ({hop.modality}, confidence {hop.confidence:.2f})")
            for s in hop.evidence:
                mark = "" if s.modality == "asserted" else f", {s.modality}"
                lines.append(f"       \"{' '.join(s.sentence.split())}\" ({s.source}, sentence {s.sentence_index}{mark})")
    if result.truncated:
        lines.append("")
        lines.append(f"(more paths exist; showing {len(result.paths)}; see --limit)")
    return "\n".join(lines) + "\n"


def _path_json(result: PathResult) -> dict:
    from dataclasses import asdict

    return {
        "source": {"iri": result.source.iri, "label": result.source.label},
        "target": {"iri": result.target.iri, "label": result.target.label},
        "relations": list(result.relations),
        "max_hops": result.max_hops,
        "any_direction": result.any_direction,
        "truncated": result.truncated,
        "paths": [{"score": p.score, "hops": [asdict(h) for h in p.hops]} for p in result.paths],
    }


# ---------------------------------------------------------------------------
# kg stats
# ---------------------------------------------------------------------------


def stats(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help=_GRAPH_HELP, show_default=False)],
    top: Annotated[int, typer.Option("--top", min=0, help="How many of the most connected entities to list.")] = 10,
    fmt: Annotated[StatsFormat, typer.Option("--format", help="Output format.")] = StatsFormat.table,
) -> None:
    """Counts by category, relation type and modality; the most connected concepts; components."""
    from .cli import _load, _reported
    from .explore import stats as graph_stats

    with _reported():
        result = graph_stats(_load(graph), top=top)
    if fmt is StatsFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_stats(result)


def print_stats(result: GraphStats) -> None:
    from rich.markup import escape
    from rich.table import Table

    from .cli import out

    def plural(n: int, word: str, many: str | None = None) -> str:
        return f"{n} {word if n == 1 else (many or word + 's')}"

    out.print(
        f"[bold]{plural(result.entities, 'entity', 'entities')}, {plural(result.claims, 'claim')}[/] "
        f"backed by {plural(result.evidence, 'evidence sentence')} from {plural(result.documents, 'document')} "
        f"({plural(result.triples, 'triple')})"
    )
    for title, counts, column in (
        ("Entities by category", result.by_category, "entities"),
        ("Claims by relation type", result.by_relation, "claims"),
        ("Claims by modality", result.by_modality, "claims"),
    ):
        table = Table(title=title, title_justify="left", show_edge=False)
        table.add_column(title.split(" by ")[1])
        table.add_column(column, justify="right")
        for count in counts:
            table.add_row(escape(count.name), str(count.count))
        out.print(table)
    if result.most_connected:
        table = Table(title="Most connected (claims they take part in, not counting negated ones)", title_justify="left", show_edge=False)
        for name, justify in (("entity", "left"), ("category", "left"), ("claims", "right"), ("out", "right"), ("in", "right")):
            table.add_column(name, justify=justify)
        for r in result.most_connected:
            table.add_row(escape(r.label), escape(r.category), str(r.degree), str(r.out_degree), str(r.in_degree))
        out.print(table)
    linked = [s for s in result.component_sizes if s > 1]
    shown = ", ".join(str(s) for s in linked[:8]) + (", ..." if len(linked) > 8 else "")
    out.print(
        f"Components: {result.components} ({plural(len(linked), 'group')} of linked entities"
        + (f": {shown}" if linked else "")
        + f"; {plural(result.isolated, 'entity', 'entities')} in no claim)"
    )


# ---------------------------------------------------------------------------
# kg export
# ---------------------------------------------------------------------------


def export(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help=_GRAPH_HELP, show_default=False)],
    output: Annotated[Path, typer.Option("-o", "--out", help="The file to write (a folder for kgx).", show_default=False)],
    fmt: Annotated[
        Optional[str],
        typer.Option("--format", "-f", help="json-ld, trig, nquads, graphml, gexf, cytoscape, csv or kgx (default: from OUT's suffix).", show_default=False),
    ] = None,
) -> None:
    """Export a graph: JSON-LD, TriG/N-Quads (a named graph per document), GraphML, GEXF, Cytoscape.js, CSV, KGX."""
    from .cli import _load, _reported, out
    from .export import export as run_export
    from .export import get_format

    with _reported():
        spec = get_format(fmt, output)  # check the format before reading the graph
        written = run_export(_load(graph), spec.name, output)
    for file in written:
        out.print(f"Wrote {file} ({spec.name})", markup=False)
