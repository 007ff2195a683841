"""``kg ontology ...`` (check, add, add-relation, import, suggest, docs) and ``kg validate``.

Thin wrappers: each command parses its options, calls one function of
:mod:`kg.check`, :mod:`kg.authoring`, :mod:`kg.importer`, :mod:`kg.suggest`,
:mod:`kg.ontodocs` or :mod:`kg.validate`, and prints the result.  The
ontology a command works with is the built-in one, then ``--ontology``
modules, then the user modules found by :func:`kg.paths.user_ontology_paths`
(``$KG_ONTOLOGY_PATH`` and ``./kg-ontology/``).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli import EXIT_PROBLEMS, _load, _reported, _write_atomic, err, out

ontology_app = typer.Typer(
    name="ontology",
    help="Check, extend, import, document the ontology; find what a corpus needs that it lacks.",
    no_args_is_help=True,
    add_completion=False,
)

OntologyOption = Annotated[
    list[Path],
    typer.Option("--ontology", help="An extra ontology module (.ttl file or folder); repeatable.", show_default=False),
]
ModuleOption = Annotated[
    Optional[Path],
    typer.Option("--module", "-m", help="The user module to write (default: kg-ontology/user.ttl).", show_default=False),
]


def _extra(ontology: list[Path]) -> list[Path]:
    from .paths import user_ontology_paths

    return [*ontology, *user_ontology_paths()]


def _module(module: Path | None) -> Path:
    from .paths import default_user_module

    return module if module is not None else default_user_module()


def _problem_line(problem) -> None:
    style = "red" if problem.severity == "error" else "yellow"
    err.print(str(problem), style=style, markup=False)


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------


@ontology_app.command("check")
def check(
    paths: Annotated[
        list[Path], typer.Argument(help="Modules (.ttl files or folders) to check with the built-in ontology.", show_default=False)
    ] = [],  # noqa: B006 - typer needs a literal default
    no_builtin: Annotated[bool, typer.Option("--no-builtin", help="Check only PATHs, without the built-in ontology.")] = False,
    no_user: Annotated[bool, typer.Option("--no-user", help="Leave out $KG_ONTOLOGY_PATH and ./kg-ontology/.")] = False,
) -> None:
    """Validate ontology modules: syntax, labels, parents, domains and ranges, identifiers, ambiguity, SHACL shapes."""
    from .check import check_ontology
    from .paths import user_ontology_paths

    with _reported():
        report = check_ontology([*paths, *([] if no_user else user_ontology_paths())], builtin=not no_builtin)
    for problem in report.problems:
        _problem_line(problem)
    out.print(f"Checked {len(report.files)} files: {report.summary()}", markup=False)
    if report.stats is not None:
        for line in report.stats.lines():
            out.print(f"  {line}", markup=False)
    if report.errors:
        raise typer.Exit(EXIT_PROBLEMS)


# ---------------------------------------------------------------------------
# add, add-relation
# ---------------------------------------------------------------------------


def _print_result(result, what: str) -> None:
    from .ontology import short_iri

    verb = "Added" if result.created else "Extended"
    out.print(f"{verb} {what} {short_iri(result.iri)} in {result.module}:", markup=False)
    for line in result.added:
        out.print(f"  + {line}", markup=False)
    for warning in result.warnings:
        _problem_line(warning)


@ontology_app.command("add")
def add(
    label: Annotated[str, typer.Argument(help="The concept's name (singular); an existing concept's name adds to it.", show_default=False)],
    parent: Annotated[
        Optional[str], typer.Option("--parent", "-p", help="Parent class: label, kg:Name or CURIE (needed for a new concept).", show_default=False)
    ] = None,
    synonym: Annotated[list[str], typer.Option("--synonym", "-s", help="A synonym; repeatable.", show_default=False)] = [],  # noqa: B006
    abbreviation: Annotated[
        list[str], typer.Option("--abbreviation", "-a", help="A short form, matched case-sensitively; repeatable.", show_default=False)
    ] = [],  # noqa: B006
    xref: Annotated[list[str], typer.Option("--xref", "-x", help="A standard identifier (CL:0000062); repeatable.", show_default=False)] = [],  # noqa: B006
    definition: Annotated[Optional[str], typer.Option("--definition", help="A one-sentence definition.", show_default=False)] = None,
    module: ModuleOption = None,
    ontology: OntologyOption = [],  # noqa: B006
) -> None:
    """Add a concept (or synonyms, abbreviations, identifiers of an existing one) to a user module."""
    from .authoring import ConceptSpec, add_concept

    with _reported():
        spec = ConceptSpec(label, parent, tuple(synonym), tuple(abbreviation), tuple(xref), definition)
        target = _module(module)
        result = add_concept(spec, target, ontology_paths=_extra(ontology))
    _print_result(result, "concept")


@ontology_app.command("add-relation")
def add_relation(
    label: Annotated[str, typer.Argument(help="The relation type's name ('binds to'); an existing one's name adds to it.", show_default=False)],
    trigger: Annotated[list[str], typer.Option("--trigger", "-t", help="Verb phrase in base form, subject first; repeatable.", show_default=False)] = [],  # noqa: B006
    inverse_trigger: Annotated[
        list[str], typer.Option("--inverse-trigger", help="Verb phrase whose subject is the relation's object; repeatable.", show_default=False)
    ] = [],  # noqa: B006
    phrase_trigger: Annotated[
        list[str], typer.Option("--phrase-trigger", help="Literal words between subject and object; repeatable.", show_default=False)
    ] = [],  # noqa: B006
    inverse_phrase_trigger: Annotated[
        list[str], typer.Option("--inverse-phrase-trigger", help="Literal words between object and subject; repeatable.", show_default=False)
    ] = [],  # noqa: B006
    domain: Annotated[list[str], typer.Option("--domain", help="Class of subjects (label, kg:Name, CURIE); repeatable for a union.", show_default=False)] = [],  # noqa: B006
    range_: Annotated[list[str], typer.Option("--range", help="Class of objects; repeatable for a union.", show_default=False)] = [],  # noqa: B006
    align: Annotated[list[str], typer.Option("--align", help="An RO or Biolink term (RO:0002436, biolink:interacts_with); repeatable.", show_default=False)] = [],  # noqa: B006
    polarity: Annotated[Optional[int], typer.Option("--polarity", help="1 promotes, -1 suppresses, 0 neither.", show_default=False)] = None,
    definition: Annotated[Optional[str], typer.Option("--definition", help="A one-sentence definition.", show_default=False)] = None,
    module: ModuleOption = None,
    ontology: OntologyOption = [],  # noqa: B006
) -> None:
    """Add a relation type with its triggers (or new triggers for an existing one) to a user module."""
    from .authoring import RelationSpec, add_relation as run

    with _reported():
        spec = RelationSpec(
            label, tuple(trigger), tuple(inverse_trigger), tuple(phrase_trigger), tuple(inverse_phrase_trigger),
            tuple(domain), tuple(range_), tuple(align), polarity, definition,
        )
        result = run(spec, _module(module), ontology_paths=_extra(ontology))
    _print_result(result, "relation type")


# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------


@ontology_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(metavar="FILE", help="An .obo file, or an .owl file in RDF/XML.", show_default=False)],
    root: Annotated[str, typer.Option("--root", "-r", help="The branch's top term: a CURIE (CL:0002320) or its exact name.", show_default=False)],
    depth: Annotated[Optional[int], typer.Option("--depth", "-d", min=0, help="Levels below the root to import (default: all).", show_default=False)] = None,
    under: Annotated[
        Optional[str], typer.Option("--under", help="The kg class to hang the branch under (default: found by identifier).", show_default=False)
    ] = None,
    module: Annotated[
        Optional[Path], typer.Option("--module", "-m", help="The module to write (default: kg-ontology/<root>.ttl).", show_default=False)
    ] = None,
    ontology: OntologyOption = [],  # noqa: B006
) -> None:
    """Import a branch of a standard ontology (labels, synonyms, parents, xrefs) into a user module."""
    from .importer import import_branch
    from .ontology import short_iri
    from .paths import PROJECT_ONTOLOGY_DIR

    with _reported():
        target = module or PROJECT_ONTOLOGY_DIR / f"{root.strip().replace(':', '_').replace(' ', '-').lower()}.ttl"
        result = import_branch(source, root, target, depth=depth, under=under, ontology_paths=_extra(ontology))
    out.print(f"Imported {len(result.added)} terms under {result.root} into {result.module}, attached under {short_iri(result.under)}", markup=False)
    if result.mapped:
        out.print(f"  {len(result.mapped)} terms kg already had were not added again:", markup=False)
        for curie, iri in result.mapped:
            out.print(f"    {curie} is {short_iri(iri)}", markup=False)
    if result.dropped_names:
        out.print(f"  {len(result.dropped_names)} synonyms that already name another concept were left out:", markup=False)
        for curie, name, iri in result.dropped_names:
            out.print(f'    {curie} "{name}" (names {short_iri(iri)})', markup=False)
    if result.skipped_xrefs:
        shown = ", ".join(f"{curie} {xref}" for curie, xref in result.skipped_xrefs[:3])
        more = ", ..." if len(result.skipped_xrefs) > 3 else ""
        out.print(f"  {len(result.skipped_xrefs)} malformed cross-references were left out: {shown}{more}", markup=False)
    for warning in result.warnings:
        _problem_line(warning)


# ---------------------------------------------------------------------------
# suggest
# ---------------------------------------------------------------------------


class SuggestFormat(str, Enum):
    table = "table"
    tsv = "tsv"
    json = "json"


@ontology_app.command("suggest")
def suggest(
    paths: Annotated[list[Path], typer.Argument(metavar="CORPUS", help="Text or Markdown files, or folders of them.", show_default=False)],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Suggestions per kind.")] = 10,
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Least number of times a term must occur.")] = 2,
    fmt: Annotated[SuggestFormat, typer.Option("--format", help="Output format.")] = SuggestFormat.table,
    ontology: OntologyOption = [],  # noqa: B006
) -> None:
    """The gap report: terms, abbreviations and verbs the corpus uses that the ontology does not cover."""
    from .ontology import load_ontology
    from .suggest import suggest as run

    with _reported():
        report = run(paths, load_ontology(extra=_extra(ontology)), limit=limit, min_count=min_count)
    if fmt is SuggestFormat.json:
        typer.echo(json.dumps([_as_dict(s) for s in report.all()], indent=2, ensure_ascii=False))
        return
    if fmt is SuggestFormat.tsv:
        typer.echo("kind\ttext\tcount\tscore\tdetail\tcommand\tsource\texample")
        for s in report.all():
            typer.echo("\t".join(_cell(v) for v in (s.kind, s.text, s.count, s.score, s.detail, s.command, s.source, s.example)))
        return
    out.print(f"Read {report.documents} document{'s' if report.documents != 1 else ''}.", markup=False)
    for title, items in (
        ("Terms no concept covers", report.terms),
        ("Abbreviations defined in the text for unknown long forms", report.abbreviations),
        ("Verbs linking two known concepts that no trigger covers", report.verbs),
    ):
        out.print(f"\n{title}:" + ("" if items else " none"), markup=False)
        for rank, s in enumerate(items, start=1):
            detail = f"  [{s.detail}]" if s.detail else ""
            out.print(f"{rank:>3}. {s.text}  ({s.count}x){detail}", markup=False)
            out.print(f"     e.g. {_clip(s.example)}", markup=False)
            out.print(f"     {s.command}", markup=False)


def _as_dict(s) -> dict[str, object]:
    return {k: getattr(s, k) for k in ("kind", "text", "count", "score", "detail", "command", "source", "example")}


def _cell(value: object) -> str:
    return " ".join(str(value).split())


def _clip(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------
# docs
# ---------------------------------------------------------------------------


@ontology_app.command("docs")
def docs(
    out_dir: Annotated[Path, typer.Option("-o", "--out", help="Folder to write index.html into.", show_default=False)],
    graph: Annotated[
        Optional[Path], typer.Option("--graph", "-g", help="A graph file or build folder: show how many edges use each class.", show_default=False)
    ] = None,
    ontology: OntologyOption = [],  # noqa: B006
) -> None:
    """Write HTML documentation of every class and relation type."""
    from .ontodocs import ontology_docs, render_docs
    from .ontology import load_ontology

    with _reported():
        loaded = load_ontology(extra=_extra(ontology))
        data = ontology_docs(loaded, _load(graph) if graph is not None else None, graph_name=graph.name if graph else None)
        target = out_dir / "index.html"
        _write_atomic(target, render_docs(data))
    out.print(f"Wrote {target}: {len(data.classes)} classes, {len(data.relations)} relation types", markup=False)


# ---------------------------------------------------------------------------
# validate (a top-level command)
# ---------------------------------------------------------------------------


class ValidateFormat(str, Enum):
    text = "text"
    turtle = "turtle"


def validate(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A graph file (.ttl, .nt) or a build folder.", show_default=False)],
    fmt: Annotated[ValidateFormat, typer.Option("--format", help="text: in plain words; turtle: the SHACL validation report.")] = ValidateFormat.text,
) -> None:
    """Validate a graph with SHACL: evidence for every claim, domains and ranges, labels."""
    from .validate import describe, validate_graph

    with _reported():
        report = validate_graph(_load(graph))
    if fmt is ValidateFormat.turtle:
        typer.echo(report.results.serialize(format="turtle"), nl=False)
    else:
        for line in describe(report):
            out.print(line, markup=False)
    if not report.conforms:
        raise typer.Exit(EXIT_PROBLEMS)


def register(app: typer.Typer) -> None:
    """Add ``kg ontology ...`` and ``kg validate`` to the ``kg`` command."""
    app.add_typer(ontology_app, name="ontology")
    app.command("validate")(validate)

