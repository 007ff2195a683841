"""Read the ontology (Turtle files) into an immutable :class:`Ontology`.

The ontology is data: it is parsed once, indexed, and passed to every stage
that needs it.  A test can hand the pipeline a five-concept ontology built from
a string with :func:`load_ontology_from_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .errors import OntologyError
from .namespaces import KG, from_curie
from .paths import default_ontology_dir
from .records import Concept, RelationType

OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
HAS_EXACT_SYNONYM = URIRef(OBO_IN_OWL + "hasExactSynonym")
HAS_RELATED_SYNONYM = URIRef(OBO_IN_OWL + "hasRelatedSynonym")
HAS_DBXREF = URIRef(OBO_IN_OWL + "hasDbXref")
ROOT = str(KG.Entity)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in an ontology file, with where it is."""

    severity: str  # "error" or "warning"
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        return f"{where}{self.severity}: {self.message}"


@dataclass(frozen=True)
class Ontology:
    """Concepts, relation types and cues, with the indexes the pipeline uses."""

    concepts: Mapping[str, Concept]
    relations: Mapping[str, RelationType]
    ancestors: Mapping[str, frozenset[str]]
    categories: tuple[str, ...]
    hedge_cues: tuple[str, ...]
    negation_cues: tuple[str, ...]
    naming_cues: tuple[str, ...]
    graph: Graph = field(repr=False, compare=False)
    files: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()

    # -- lookups -----------------------------------------------------------
    def concept(self, iri: str) -> Concept:
        try:
            return self.concepts[iri]
        except KeyError:
            raise OntologyError(f"unknown concept {iri!r}") from None

    def relation(self, iri: str) -> RelationType:
        try:
            return self.relations[iri]
        except KeyError:
            valid = ", ".join(sorted(r.label for r in self.relations.values()))
            raise OntologyError(f"unknown relation type {iri!r}; valid: {valid}") from None

    def relation_by_label(self, label: str) -> RelationType:
        wanted = label.strip().lower()
        for rel in self.relations.values():
            if rel.label.lower() == wanted:
                return rel
        valid = ", ".join(sorted(r.label for r in self.relations.values()))
        raise OntologyError(f"unknown relation type {label!r}; valid: {valid}")

    def is_a(self, iri: str, ancestor: str) -> bool:
        """True when ``iri`` is ``ancestor`` or one of its subclasses."""
        return ancestor in self.ancestors.get(iri, frozenset((iri,)))

    def fits(self, iri: str, classes: Sequence[str]) -> bool:
        """True when ``iri`` falls under any of ``classes`` (no classes: anything fits)."""
        if not classes:
            return True
        anc = self.ancestors.get(iri, frozenset((iri,)))
        return any(c in anc for c in classes)

    def category(self, iri: str) -> str | None:
        """The top-level category of a concept (for colours and type checks)."""
        concept = self.concepts.get(iri)
        return concept.category if concept else None

    def label(self, iri: str) -> str:
        concept = self.concepts.get(iri)
        if concept is not None:
            return concept.label
        rel = self.relations.get(iri)
        if rel is not None:
            return rel.label
        return iri.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def ontology_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders into the Turtle files to read, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.ttl") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise OntologyError("no such ontology file or folder", file=str(path))
    return files


def load_ontology(paths: Sequence[Path | str] | None = None, *, extra: Sequence[Path | str] = ()) -> Ontology:
    """Load the built-in ontology (or ``paths``) followed by the ``extra`` user modules."""
    base = list(paths) if paths else [default_ontology_dir()]
    files = ontology_files([*base, *extra])
    if not files:
        raise OntologyError("no Turtle (.ttl) files found", file=", ".join(str(p) for p in base))
    graph = Graph()
    lines: dict[str, tuple[str, int]] = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise OntologyError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(path)) from None
        except OSError as exc:
            raise OntologyError(f"cannot read: {exc.strerror}", file=str(path)) from None
        _parse_into(graph, text, str(path))
        for iri, line in _declaration_lines(text).items():
            lines.setdefault(iri, (str(path), line))
    return build_ontology(graph, lines, tuple(str(f) for f in files))


def load_ontology_from_text(*texts: str, base: bool = True) -> Ontology:
    """Build an ontology from Turtle strings (the built-in core schema first when ``base``)."""
    graph = Graph()
    lines: dict[str, tuple[str, int]] = {}
    names: list[str] = []
    if base:
        core = default_ontology_dir() / "core.ttl"
        text = core.read_text(encoding="utf-8")
        _parse_into(graph, text, str(core))
        lines.update({k: (str(core), v) for k, v in _declaration_lines(text).items()})
        names.append(str(core))
    for i, text in enumerate(texts):
        name = f"<text {i + 1}>"
        _parse_into(graph, text, name)
        for iri, line in _declaration_lines(text).items():
            lines.setdefault(iri, (name, line))
        names.append(name)
    return build_ontology(graph, lines, tuple(names))


def _parse_into(graph: Graph, text: str, name: str) -> None:
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several types; all mean "bad syntax"
        line = getattr(exc, "lines", None)
        why = getattr(exc, "_why", None) or str(exc).splitlines()[0]
        raise OntologyError(
            f"Turtle syntax error: {why}", file=name, line=(line + 1) if isinstance(line, int) else None
        ) from None


_PREFIX_RE = re.compile(r"@prefix\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)
_SUBJECT_RE = re.compile(r"^(<[^>]+>|[A-Za-z_][\w-]*:[\w.-]*|:[\w.-]+)\s")


def _declaration_lines(text: str) -> dict[str, int]:
    """Map each subject IRI that starts a line at column 0 to that line number.

    rdflib does not keep line numbers, so problems are located by finding where
    a subject's description begins in the file.
    """
    prefixes = dict(_PREFIX_RE.findall(text))
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _SUBJECT_RE.match(line)
        if not m:
            continue
        token = m.group(1)
        if token.startswith("<"):
            iri = token[1:-1]
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                continue
            iri = prefixes[prefix] + local
        found.setdefault(iri, number)
    return found


def _texts(graph: Graph, subject: URIRef, *predicates: URIRef) -> list[str]:
    """English (or untagged) literal values, de-duplicated, in a stable order."""
    values: list[str] = []
    for pred in predicates:
        for obj in graph.objects(subject, pred):
            if isinstance(obj, Literal) and obj.language in (None, "en") or (
                isinstance(obj, Literal) and obj.language and obj.language.startswith("en")
            ):
                text = " ".join(str(obj).split())
                if text and text not in values:
                    values.append(text)
    return sorted(values, key=lambda s: (s.lower(), s))


def _class_list(graph: Graph, node) -> tuple[str, ...]:
    """A class IRI, or the members of an ``owl:unionOf`` blank node."""
    if isinstance(node, URIRef):
        return (str(node),)
    if isinstance(node, BNode):
        union = graph.value(node, OWL.unionOf)
        if union is not None:
            return tuple(sorted(str(m) for m in Collection(graph, union) if isinstance(m, URIRef)))
    return ()


def build_ontology(graph: Graph, lines: Mapping[str, tuple[str, int]], files: tuple[str, ...]) -> Ontology:
    """Index an already-parsed ontology graph."""
    problems: list[Problem] = []

    def where(iri: str) -> tuple[str | None, int | None]:
        return lines.get(iri, (None, None))

    # -- classes under kg:Entity ---------------------------------------
    parents: dict[str, set[str]] = {}
    for cls in set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDFS.subClassOf, None)):
        if not isinstance(cls, URIRef):
            continue
        parents.setdefault(str(cls), set())
        for parent in graph.objects(cls, RDFS.subClassOf):
            if isinstance(parent, URIRef):
                parents[str(cls)].add(str(parent))

    declared = {str(c) for c in graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    for cls, ps in parents.items():
        for p in ps:
            # parents outside kg's namespace (prov:Entity, an OBO class) may live in other ontologies
            if p.startswith(str(KG)) and p not in parents and p not in declared:
                file, line = where(cls)
                problems.append(Problem("error", f"{cls} has parent {p}, which is not a class of the ontology", file, line))

    ancestors: dict[str, frozenset[str]] = {}

    def closure(iri: str, trail: tuple[str, ...] = ()) -> frozenset[str]:
        if iri in ancestors:
            return ancestors[iri]
        if iri in trail:
            file, line = where(iri)
            problems.append(Problem("error", f"subclass cycle through {iri}", file, line))
            return frozenset((iri,))
        acc = {iri}
        for p in parents.get(iri, ()):
            acc |= closure(p, (*trail, iri))
        ancestors[iri] = frozenset(acc)
        return ancestors[iri]

    for cls in sorted(parents):
        closure(cls)

    categories = tuple(sorted(c for c, ps in parents.items() if ROOT in ps))
    concepts: dict[str, Concept] = {}
    for iri in sorted(parents):
        if iri == ROOT or ROOT not in ancestors.get(iri, ()):
            continue
        ref = URIRef(iri)
        file, line = where(iri)
        pref = _texts(graph, ref, SKOS.prefLabel) or _texts(graph, ref, RDFS.label)
        if not pref:
            problems.append(Problem("error", f"class {iri} has no label (skos:prefLabel or rdfs:label)", file, line))
            continue
        if len(pref) > 1:
            problems.append(Problem("warning", f"class {iri} has several preferred labels {pref}; using {pref[0]!r}", file, line))
        label = pref[0]
        abbreviations = _texts(graph, ref, KG.abbreviation)
        synonyms = [
            s
            for s in _texts(graph, ref, SKOS.altLabel, RDFS.label, HAS_EXACT_SYNONYM)
            if s != label and s not in abbreviations
        ]
        hidden = _texts(graph, ref, SKOS.hiddenLabel, HAS_RELATED_SYNONYM)
        xrefs = sorted(
            {str(o) for o in graph.objects(ref, SKOS.exactMatch) if isinstance(o, URIRef)}
            | {iri_ for o in graph.objects(ref, HAS_DBXREF) if (iri_ := from_curie(str(o)))}
        )
        definition = next(iter(_texts(graph, ref, SKOS.definition)), None)
        category = _category(iri, parents, categories)
        concepts[iri] = Concept(
            iri=iri,
            label=label,
            synonyms=tuple(synonyms),
            abbreviations=tuple(abbreviations),
            hidden=tuple(h for h in hidden if h != label),
            parents=tuple(sorted(parents[iri])),
            xrefs=tuple(xrefs),
            definition=definition,
            category=category,
            source=f"{file}:{line}" if file else None,
        )

    # -- relation types ------------------------------------------------
    relations: dict[str, RelationType] = {}
    for prop in sorted(graph.subjects(RDF.type, OWL.ObjectProperty), key=str):
        if not isinstance(prop, URIRef):
            continue
        iri = str(prop)
        file, line = where(iri)
        labels = _texts(graph, prop, RDFS.label)
        if not labels:
            problems.append(Problem("error", f"relation type {iri} has no rdfs:label", file, line))
            continue
        domain = tuple(sorted({c for d in graph.objects(prop, RDFS.domain) for c in _class_list(graph, d)}))
        rng = tuple(sorted({c for r in graph.objects(prop, RDFS.range) for c in _class_list(graph, r)}))
        for c in (*domain, *rng):
            if c not in parents and c not in declared:
                problems.append(Problem("error", f"relation type {labels[0]!r} names class {c} in its domain or range, which does not exist", file, line))
        inverse = graph.value(prop, OWL.inverseOf)
        if inverse is None:
            inverse = graph.value(None, OWL.inverseOf, prop)
        polarity_lit = graph.value(prop, KG.polarity)
        try:
            polarity = int(polarity_lit) if polarity_lit is not None else 0
        except (TypeError, ValueError):
            problems.append(Problem("error", f"kg:polarity of {labels[0]!r} must be 1, 0 or -1, got {polarity_lit!r}", file, line))
            polarity = 0
        alignments = sorted(
            str(o)
            for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch)
            for o in graph.objects(prop, p)
            if isinstance(o, URIRef)
        )
        relations[iri] = RelationType(
            iri=iri,
            label=labels[0],
            domain=domain,
            range=rng,
            triggers=tuple(_texts(graph, prop, KG.trigger)),
            inverse_triggers=tuple(_texts(graph, prop, KG.inverseTrigger)),
            phrase_triggers=tuple(_texts(graph, prop, KG.phraseTrigger)),
            inverse_phrase_triggers=tuple(_texts(graph, prop, KG.inversePhraseTrigger)),
            topic_triggers=tuple(_texts(graph, prop, KG.topicTrigger)),
            inverse_of=str(inverse) if isinstance(inverse, URIRef) else None,
            polarity=polarity,
            symmetric=(prop, RDF.type, OWL.SymmetricProperty) in graph,
            alignments=tuple(alignments),
            definition=next(iter(_texts(graph, prop, SKOS.definition)), None),
            source=f"{file}:{line}" if file else None,
        )

    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise OntologyError(first.message + more, file=first.file, line=first.line)

    cues = {name: _cues(graph, pred) for name, pred in (("hedge", KG.hedgeCue), ("negation", KG.negationCue), ("naming", KG.namingCue))}
    return Ontology(
        concepts=MappingProxyType(concepts),
        relations=MappingProxyType(relations),
        ancestors=MappingProxyType(ancestors),
        categories=categories,
        hedge_cues=cues["hedge"],
        negation_cues=cues["negation"],
        naming_cues=cues["naming"],
        graph=graph,
        files=files,
        warnings=tuple(p for p in problems if p.severity == "warning"),
    )


def _cues(graph: Graph, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted({" ".join(str(o).lower().split()) for o in graph.objects(None, predicate) if isinstance(o, Literal)}))


def _category(iri: str, parents: Mapping[str, set[str]], categories: tuple[str, ...]) -> str | None:
    """The top-level category reached first by a breadth-first walk up the parents."""
    if iri in categories:
        return iri
    seen = {iri}
    frontier = [iri]
    while frontier:
        nxt: list[str] = []
        for node in frontier:
            for p in sorted(parents.get(node, ())):
                if p in categories:
                    return p
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        frontier = nxt
    return None
