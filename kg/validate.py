"""Validate a built graph with SHACL: evidence for every claim, domains and ranges, labels.

:func:`validate_graph` is what ``kg validate GRAPH`` runs.  The shapes are
``kg/shapes/graph.ttl`` (statements, evidence, documents, entities) plus one
shape per relation type with a domain or a range, made by
:func:`relation_shapes` from the ontology the graph itself holds: the
subject of every direct ``kg:secretes`` triple must be a cell or an
anatomical entity (``sh:class`` follows ``rdfs:subClassOf``), and so on.
pyshacl does the validation; the results are kept as the SHACL report graph
and also put in plain words (:func:`describe`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .errors import ShapeError
from .ontology import short_iri

__all__ = ["ValidationIssue", "ValidationReport", "describe", "relation_shapes", "validate_graph"]

SH = "http://www.w3.org/ns/shacl#"
KGSH = "https://w3id.org/kg/shapes/"
_SHAPES = Path(__file__).resolve().parent / "shapes" / "graph.ttl"


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One SHACL result."""

    focus: str  # the node that failed, as people read it (ent:X, stmt:..., ev:...)
    path: str | None
    value: str | None
    message: str
    severity: str  # "error" or "warning"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    issues: tuple[ValidationIssue, ...]
    checked: Counter[str]  # how many nodes of each kind were checked
    results: Graph = field(repr=False, compare=False)  # the SHACL validation report


def _class_list(graph: Graph, node) -> list[URIRef]:
    if isinstance(node, URIRef):
        return [node]
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        if union is not None:
            return sorted((m for m in Collection(graph, union) if isinstance(m, URIRef)), key=str)
    return []


def relation_shapes(graph: Graph) -> Graph:
    """Shapes for the domain and range of every relation type the graph's ontology declares."""
    shapes = Graph()
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    for prop in sorted(graph.subjects(RDF.type, OWL.ObjectProperty), key=str):
        if not isinstance(prop, URIRef):
            continue
        label = graph.value(prop, RDFS.label) or short_iri(str(prop))
        for kind, pred, target in (("domain", RDFS.domain, "targetSubjectsOf"), ("range", RDFS.range, "targetObjectsOf")):
            classes = sorted({c for d in graph.objects(prop, pred) for c in _class_list(graph, d)}, key=str)
            if not classes:
                continue
            shape = URIRef(f"{KGSH}{kind}-{str(prop).rsplit('/', 1)[-1]}")
            names = " or ".join(str(graph.value(c, SKOS.prefLabel) or graph.value(c, RDFS.label) or short_iri(str(c))) for c in classes)
            role = "subject" if kind == "domain" else "object"
            shapes.add((shape, RDF.type, sh("NodeShape")))
            shapes.add((shape, sh(target), prop))
            article = "an" if names[:1].lower() in "aeiou" else "a"
            shapes.add((shape, sh("message"), Literal(f"the {role} of '{label}' must be {article} {names} (its {kind})")))
            if len(classes) == 1:
                shapes.add((shape, sh("class"), classes[0]))
            else:
                alternatives = []
                for c in classes:
                    alt = BNode()
                    shapes.add((alt, sh("class"), c))
                    alternatives.append(alt)
                head = BNode()
                Collection(shapes, head, alternatives)
                shapes.add((shape, sh("or"), head))
    return shapes


def validate_graph(graph: Graph, *, shapes_file: Path = _SHAPES) -> ValidationReport:
    """Validate ``graph`` against kg's shapes and those of its relation types."""
    from pyshacl import validate

    try:
        shapes = Graph().parse(shapes_file, format="turtle")
    except Exception as exc:  # rdflib raises several types for a bad shapes file
        raise ShapeError(f"cannot read the shapes file {shapes_file}: {exc}") from None
    for triple in relation_shapes(graph):
        shapes.add(triple)
    conforms, results, _ = validate(graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    issues = []
    for result in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        focus = results.value(result, URIRef(SH + "focusNode"))
        path = results.value(result, URIRef(SH + "resultPath"))
        value = results.value(result, URIRef(SH + "value"))
        message = results.value(result, URIRef(SH + "resultMessage"))
        severity = str(results.value(result, URIRef(SH + "resultSeverity")) or "")
        issues.append(
            ValidationIssue(
                focus=_show(graph, focus),
                path=short_iri(str(path)) if isinstance(path, URIRef) else None,
                value=_show(graph, value) if value is not None else None,
                message=str(message or "does not conform"),
                severity="warning" if severity.endswith(("Warning", "Info")) else "error",
            )
        )
    checked: Counter[str] = Counter()
    kg = "https://w3id.org/kg/ontology/"
    checked["statements"] = len(set(graph.subjects(RDF.type, RDF.Statement)))
    checked["evidence"] = len(set(graph.subjects(RDF.type, URIRef(kg + "Evidence"))))
    checked["documents"] = len(set(graph.subjects(RDF.type, URIRef(kg + "Document"))))
    checked["entities"] = len(set(graph.subjects(URIRef(kg + "category"), None)))
    checked["relation shapes"] = len(set(relation_shapes(graph).subjects(RDF.type, URIRef(SH + "NodeShape"))))
    ordered = tuple(sorted(issues, key=lambda i: (i.severity != "error", i.message, i.focus, i.value or "")))
    return ValidationReport(bool(conforms), ordered, checked, results)


def _show(graph: Graph, node) -> str:
    if isinstance(node, Literal):
        return repr(str(node))
    if isinstance(node, BNode):
        return "a blank node"
    from .query import compact

    text = compact(node)
    label = graph.value(node, RDFS.label)
    return f"{text} ({label})" if label is not None and str(label) not in text else text


def describe(report: ValidationReport, *, examples: int = 3) -> list[str]:
    """The report in plain words: one line per kind of problem, with a few examples."""
    checked = ", ".join(f"{n} {kind}" for kind, n in report.checked.items())
    lines = [f"Checked {checked}."]
    if report.conforms:
        lines.append("The graph conforms: every statement has evidence with its document, sentence and offsets, "
                     "relations respect their domains and ranges, and entities have labels.")
        return lines
    by_message: dict[str, list[ValidationIssue]] = {}
    for issue in report.issues:
        by_message.setdefault(f"{issue.severity}: {issue.message}", []).append(issue)
    errors = sum(1 for i in report.issues if i.severity == "error")
    lines.append(f"The graph does not conform: {errors} errors, {len(report.issues) - errors} warnings.")
    for message, issues in by_message.items():
        lines.append(f"{message} ({len(issues)} {'node' if len(issues) == 1 else 'nodes'})")
        for issue in issues[:examples]:
            lines.append(f"    {issue.focus}" + (f" -> {issue.value}" if issue.value and issue.value != issue.focus else ""))
        if len(issues) > examples:
            lines.append(f"    ... and {len(issues) - examples} more")
    return lines

