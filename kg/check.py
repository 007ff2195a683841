"""Check ontology modules: every error and warning at once, with file and line.

:func:`check_ontology` is what ``kg ontology check`` runs.  It gathers, without
stopping at the first:

- Turtle syntax errors and unreadable files (:func:`kg.ontology.read_modules`);
- what the loader checks across the whole ontology: a label on every class,
  parents and domain/range classes that exist, subclass cycles, names claimed
  by two concepts and triggers claimed by two relation types
  (:func:`kg.ontology.inspect_ontology`);
- standard identifiers: a known prefix and a well-formed local part
  (:data:`ID_PATTERNS`);
- the SHACL shapes in ``kg/shapes/ontology.ttl`` (pyshacl): what kind of value
  each annotation must be.

Errors make the ontology unusable (``kg build`` refuses it); warnings are
worth reading but do not stop a build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .namespaces import CURIE_PREFIXES, to_curie
from .ontology import HAS_DBXREF, Module, Ontology, ParsedModules, Problem, inspect_ontology, read_modules, short_iri

__all__ = ["ID_PATTERNS", "CheckReport", "OntologyStats", "check_modules", "check_ontology", "identifier_problems", "shape_problems"]

#: Local part of a standard identifier, per prefix: (regular expression, how people say it).
ID_PATTERNS: dict[str, tuple[str, str]] = {
    "CL": (r"\d{7}", "7 digits"),
    "UBERON": (r"\d{7}", "7 digits"),
    "MONDO": (r"\d{7}", "7 digits"),
    "HP": (r"\d{7}", "7 digits"),
    "GO": (r"\d{7}", "7 digits"),
    "RO": (r"\d{7}", "7 digits"),
    "BFO": (r"\d{7}", "7 digits"),
    "OGMS": (r"\d{7}", "7 digits"),
    "MAXO": (r"\d{7}", "7 digits"),
    "DOID": (r"\d+", "digits"),
    "CHEBI": (r"\d+", "digits"),
    "PR": (r"\d{9}|[A-Z][A-Z0-9]{5,9}(-\d+)?", "9 digits or a UniProt accession"),
    "NCIT": (r"C\d+", "C and digits"),
    "HGNC": (r"\d+", "digits"),
    "MESH": (r"[A-Z]\d+", "a letter and digits"),
    "biolink": (r"[A-Za-z][A-Za-z_]*", "a Biolink class or slot name"),
}

# Vocabularies whose terms may be named as alignments without being standard identifiers.
_W3C = (str(RDF), str(RDFS), str(OWL), str(SKOS))
_MATCH = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
_XREF_SHAPE = re.compile(r"[A-Za-z][\w.-]*:\S+")
_SHAPES = Path(__file__).resolve().parent / "shapes" / "ontology.ttl"


@dataclass(frozen=True, slots=True)
class OntologyStats:
    """What an ontology holds, in numbers."""

    files: int
    concepts: int
    categories: int
    relation_types: int
    names: int  # labels, synonyms, hidden labels and abbreviations
    standard_ids: int  # concepts' standard identifiers
    triggers: int  # trigger phrases of all kinds

    def lines(self) -> list[str]:
        return [
            f"{self.files} files, {self.concepts} concepts in {self.categories} categories, "
            f"{self.relation_types} relation types",
            f"{self.names} names (labels, synonyms, abbreviations), {self.standard_ids} standard identifiers, "
            f"{self.triggers} triggers",
        ]


@dataclass(frozen=True)
class CheckReport:
    """Everything :func:`check_ontology` found."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    stats: OntologyStats | None  # None when errors kept the ontology from being indexed
    ontology: Ontology | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        e, w = len(self.errors), len(self.warnings)
        return f"{e} error{'s' if e != 1 else ''}, {w} warning{'s' if w != 1 else ''}"


def check_ontology(paths: Sequence[Path | str] = (), *, builtin: bool = True, shapes: bool = True) -> CheckReport:
    """Check the built-in ontology (when ``builtin``) together with the modules under ``paths``."""
    from .ontology import ontology_file_list, ontology_files
    from .paths import default_ontology_dir

    files = ontology_file_list(None, paths) if builtin else ontology_files(paths)
    if not builtin and not files:
        from .errors import OntologyError

        raise OntologyError("no Turtle (.ttl) files found", file=", ".join(str(p) for p in paths) or str(default_ontology_dir()))
    return check_modules(read_modules(files), shapes=shapes)


def check_modules(parsed: ParsedModules, *, shapes: bool = True) -> CheckReport:
    """Check modules that are already parsed (see :func:`kg.ontology.read_modules`)."""
    ontology, problems = inspect_ontology(parsed)
    found = list(problems)
    found.extend(identifier_problems(parsed.modules))
    if shapes:
        found.extend(shape_problems(parsed))
    order = {m: i for i, m in enumerate(parsed.files)}
    unique = sorted(
        set(found),
        key=lambda p: (p.severity != "error", order.get(p.file or "", len(order)), p.line or 0, p.message),
    )
    return CheckReport(
        files=parsed.files,
        problems=tuple(unique),
        stats=_stats(ontology, len(parsed.files)) if ontology is not None else None,
        ontology=ontology,
    )


def _stats(ontology: Ontology, files: int) -> OntologyStats:
    concepts = [c for c in ontology.concepts.values() if c.iri not in ontology.categories]
    return OntologyStats(
        files=files,
        concepts=len(concepts),
        categories=len(ontology.categories),
        relation_types=len(ontology.relations),
        names=sum(1 + len(c.synonyms) + len(c.hidden) + len(c.abbreviations) for c in concepts),
        standard_ids=sum(len(c.xrefs) for c in concepts),
        triggers=sum(
            len(r.triggers) + len(r.inverse_triggers) + len(r.phrase_triggers) + len(r.inverse_phrase_triggers) + len(r.topic_triggers)
            for r in ontology.relations.values()
        ),
    )


# ---------------------------------------------------------------------------
# Standard identifiers
# ---------------------------------------------------------------------------


def identifier_problem(iri: str) -> str | None:
    """Why ``iri`` is not a well-formed standard identifier with a known prefix (None when it is)."""
    curie = to_curie(iri)
    if curie is None:
        if iri.startswith(_W3C):
            return None
        m = re.match(r"http://purl\.obolibrary\.org/obo/([A-Za-z]+)_", iri)
        known = ", ".join(sorted(CURIE_PREFIXES))
        if m:
            return f"{m.group(1)}: is not a known prefix (known: {known})"
        return f"<{iri}> is not under a known prefix (known: {known})"
    prefix, _, local = curie.partition(":")
    pattern, said = ID_PATTERNS.get(prefix, (r"\S+", "non-empty"))
    if not re.fullmatch(pattern, local):
        return f"{curie} is malformed: {prefix} identifiers are {said}"
    return None


def identifier_problems(modules: Iterable[Module]) -> list[Problem]:
    """Standard identifiers that are malformed (errors) or use an unknown prefix (warnings)."""
    problems: list[Problem] = []
    for module in modules:
        g = module.graph
        for pred in _MATCH:
            for s, _, o in sorted(g.triples((None, pred, None))):
                if not isinstance(o, URIRef) or not isinstance(s, URIRef):
                    continue  # a string here is the shapes' business
                why = identifier_problem(str(o))
                if why:
                    severity = "error" if to_curie(str(o)) else "warning"
                    written = re.sub(r"^http://purl\.obolibrary\.org/obo/([A-Za-z]+)_", r"\1:", str(o))
                    line = _line_with(module, str(s), [to_curie(str(o)) or "", str(o), written])
                    problems.append(Problem(severity, f"{short_iri(str(s))}: standard identifier {why}", module.name, line))
        for s, _, o in sorted(g.triples((None, HAS_DBXREF, None))):
            if not isinstance(s, URIRef):
                continue
            text = str(o)
            line = module.line_of(str(s), text)
            if not _XREF_SHAPE.fullmatch(text):
                problems.append(Problem("warning", f"{short_iri(str(s))}: cross-reference {text!r} is not PREFIX:ID", module.name, line))
                continue
            prefix = text.split(":", 1)[0]
            if prefix in CURIE_PREFIXES:
                why = identifier_problem(CURIE_PREFIXES[prefix] + text.split(":", 1)[1])
                if why:
                    problems.append(Problem("error", f"{short_iri(str(s))}: cross-reference {why}", module.name, line))
    return problems


def _line_with(module: Module, subject: str, needles: Sequence[str]) -> int | None:
    start = module.line_of(subject) or 1
    text_lines = module.text.splitlines()
    for number in range(start, len(text_lines) + 1):
        if any(n and n in text_lines[number - 1] for n in needles):
            return number
    return module.line_of(subject)


# ---------------------------------------------------------------------------
# SHACL
# ---------------------------------------------------------------------------


def shape_problems(parsed: ParsedModules, shapes_file: Path = _SHAPES) -> list[Problem]:
    """Validate the merged ontology graph against the SHACL shapes; one problem per result."""
    from pyshacl import validate  # heavy: imported only when checking

    shapes = Graph().parse(shapes_file, format="turtle")
    conforms, results, _ = validate(parsed.graph, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    if conforms:
        return []
    sh = "http://www.w3.org/ns/shacl#"
    problems: list[Problem] = []
    for result in results.subjects(RDF.type, URIRef(sh + "ValidationResult")):
        focus = results.value(result, URIRef(sh + "focusNode"))
        value = results.value(result, URIRef(sh + "value"))
        message = results.value(result, URIRef(sh + "resultMessage"))
        severity = results.value(result, URIRef(sh + "resultSeverity"))
        if not isinstance(focus, URIRef):
            continue
        path = results.value(result, URIRef(sh + "resultPath"))
        file, line = parsed.lines.get(str(focus), (None, None))
        module = next((m for m in parsed.modules if m.name == file), None)
        if module is not None:
            needles = [f'"{value}"'] if isinstance(value, Literal) else []
            if isinstance(value, URIRef):
                needles.append(short_iri(str(value)))
            if isinstance(path, URIRef):
                needles.append(":" + str(path).rsplit("/", 1)[-1].rsplit("#", 1)[-1])
            line = _line_with(module, str(focus), needles)
        if value is None:
            shown = ""
        elif isinstance(value, Literal):
            shown = f" (got {str(value)!r})"
        else:
            shown = f" (got {short_iri(str(value))})"
        problems.append(
            Problem(
                "warning" if str(severity).endswith("Warning") or str(severity).endswith("Info") else "error",
                f"{short_iri(str(focus))}: {message}{shown}",
                file,
                line,
            )
        )
    return problems
