"""Read the ontology (Turtle files) into an immutable :class:`Ontology`.

The ontology is data: it is parsed once, indexed, and passed to every stage
that needs it.  A test can hand the pipeline a five-concept ontology built from
a string with :func:`load_ontology_from_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .errors import OntologyError
from .namespaces import KG, from_curie, to_curie
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


@dataclass(frozen=True)
class Module:
    """One Turtle file (or text) of the ontology, parsed on its own.

    Kept so that a problem found in the merged ontology can be traced back to
    the module, and the line, that states it.
    """

    name: str  # the file path, or "<text N>"
    text: str

    @cached_property
    def graph(self) -> Graph:
        """The module's own triples, parsed when first asked for (loading needs only the merged graph).

        Each call returns the same graph; callers that change it own that change.
        """
        parsed = _parse(self.text, self.name)
        return parsed if isinstance(parsed, Graph) else Graph()

    def line_of(self, subject: str, literal: str | None = None) -> int | None:
        """Where ``subject`` is described, or where ``literal`` is written in its description."""
        start = _declaration_lines(self.text).get(subject)
        if literal is None:
            return start
        quoted = [f'"{literal}"', f"'{literal}'", f'"""{literal}"""']
        fallback = None
        for number, line in enumerate(self.text.splitlines(), start=1):
            if any(q in line for q in quoted):
                if start is None or number >= start:
                    return number
                fallback = fallback or number
        return start or fallback


@dataclass(frozen=True)
class ParsedModules:
    """Modules parsed into one graph, with what could not be read."""

    graph: Graph = field(repr=False)
    lines: Mapping[str, tuple[str, int]]
    modules: tuple[Module, ...]
    problems: tuple[Problem, ...]  # files that could not be read or parsed

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.modules)


def read_modules(files: Sequence[Path | str], texts: Sequence[tuple[str, str]] = ()) -> ParsedModules:
    """Parse every file (then every ``(name, text)``) on its own; collect, do not raise, what fails."""
    graph = Graph()
    lines: dict[str, tuple[str, int]] = {}
    modules: list[Module] = []
    problems: list[Problem] = []
    sources: list[tuple[str, str | None]] = []
    for path in files:
        try:
            sources.append((str(path), Path(path).read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            problems.append(Problem("error", f"not UTF-8 text ({exc.reason} at byte {exc.start})", str(path)))
        except OSError as exc:
            problems.append(Problem("error", f"cannot read: {exc.strerror}", str(path)))
    sources.extend(texts)
    good: list[tuple[str, str]] = []
    for name, text in sources:
        # Fast path: parse straight into the merged graph.  A module that fails
        # would leave some of its triples behind, so the merged graph is then
        # rebuilt from the modules that parse.
        failed = _parse(text, name, into=graph)
        if isinstance(failed, Problem):
            problems.append(failed)
            graph = Graph()
            for other_name, other_text in good:
                _parse(other_text, other_name, into=graph)
            continue
        good.append((name, text))
        for iri, line in _declaration_lines(text).items():
            lines.setdefault(iri, (name, line))
        modules.append(Module(name, text))
    return ParsedModules(graph, MappingProxyType(lines), tuple(modules), tuple(problems))


def load_ontology(paths: Sequence[Path | str] | None = None, *, extra: Sequence[Path | str] = ()) -> Ontology:
    """Load the built-in ontology (or ``paths``) followed by the ``extra`` user modules.

    Raises :class:`OntologyError` for the first error (with file and line);
    conflicts that still leave a usable ontology (a name claimed by two
    concepts, a trigger claimed by two relation types whose ranges overlap)
    are kept in ``Ontology.warnings``.
    """
    parsed = read_modules(ontology_file_list(paths, extra))
    _raise_first(parsed.problems)
    return build_ontology(parsed.graph, parsed.lines, parsed.files, modules=parsed.modules)


def ontology_file_list(paths: Sequence[Path | str] | None = None, extra: Sequence[Path | str] = ()) -> list[Path]:
    """The Turtle files :func:`load_ontology` reads: the built-in ones (or ``paths``), then ``extra``."""
    base = list(paths) if paths else [default_ontology_dir()]
    files = ontology_files([*base, *extra])
    if not files:
        raise OntologyError("no Turtle (.ttl) files found", file=", ".join(str(p) for p in base))
    return files


def load_ontology_from_text(*texts: str, base: bool = True) -> Ontology:
    """Build an ontology from Turtle strings (the built-in core schema first when ``base``)."""
    files = [default_ontology_dir() / "core.ttl"] if base else []
    parsed = read_modules(files, [(f"<text {i + 1}>", text) for i, text in enumerate(texts)])
    _raise_first(parsed.problems)
    return build_ontology(parsed.graph, parsed.lines, parsed.files, modules=parsed.modules)


def inspect_ontology(parsed: ParsedModules) -> tuple[Ontology | None, tuple[Problem, ...]]:
    """Every problem of an ontology, errors and warnings, without raising.

    The ontology is returned too when it has no errors.
    """
    problems: list[Problem] = list(parsed.problems)
    ontology, found = _index(parsed.graph, parsed.lines, parsed.files, parsed.modules)
    problems.extend(found)
    if any(p.severity == "error" for p in problems):
        return None, tuple(problems)
    return ontology, tuple(problems)


def _raise_first(problems: Sequence[Problem]) -> None:
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise OntologyError(first.message + more, file=first.file, line=first.line)


def _parse(text: str, name: str, into: Graph | None = None) -> Graph | Problem:
    """The module's graph (or ``into`` with the module added), or the syntax error (with its line) that stopped rdflib."""
    graph = Graph() if into is None else into
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several types; all mean "bad syntax"
        line = getattr(exc, "lines", None)
        why = getattr(exc, "_why", None) or str(exc).splitlines()[0]
        return Problem("error", f"Turtle syntax error: {why}", name, (line + 1) if isinstance(line, int) else None)
    return graph


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


def build_ontology(
    graph: Graph,
    lines: Mapping[str, tuple[str, int]],
    files: tuple[str, ...],
    *,
    modules: Sequence[Module] = (),
) -> Ontology:
    """Index an already-parsed ontology graph; raise :class:`OntologyError` for its first error.

    ``modules`` (the files parsed one by one) let conflicts be reported with
    the file and line of each claim.
    """
    ontology, problems = _index(graph, lines, files, modules)
    _raise_first(problems)
    assert ontology is not None  # no errors, so the index was completed
    return ontology


# Parents that may sit outside the ontology: the provenance classes of core.ttl descend from them.
EXTERNAL_PARENTS = frozenset({"http://www.w3.org/ns/prov#Entity", str(OWL.Thing), str(RDFS.Resource)})
_STANDARD_SPACES = (str(KG), "http://purl.obolibrary.org/obo/")


def _index(
    graph: Graph, lines: Mapping[str, tuple[str, int]], files: tuple[str, ...], modules: Sequence[Module] = ()
) -> tuple[Ontology | None, list[Problem]]:
    """The ontology and every problem found (the ontology is None when there are errors)."""
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
    for cls, ps in sorted(parents.items()):
        for p in sorted(ps):
            if p in parents or p in declared or p in EXTERNAL_PARENTS:
                continue
            file, line = where(cls)
            if p.startswith(_STANDARD_SPACES):
                problems.append(Problem("error", f"{cls} has parent {p}, which is not a class of the ontology", file, line))
            else:
                # another vocabulary's class (as prov:Entity is): allowed, but the class is then not a kg concept
                problems.append(Problem("warning", f"{cls} has parent {p}, which is outside the ontology", file, line))

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
            # a class imported with its own standard IRI (obo:CL_0000062) is its own identifier
            | ({iri} if to_curie(iri) else set())
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

    if any(p.severity == "error" for p in problems):
        return None, problems
    problems.extend(name_conflicts(concepts, modules, lines))
    problems.extend(trigger_conflicts(relations, ancestors, modules, lines))

    cues = {name: _cues(graph, pred) for name, pred in (("hedge", KG.hedgeCue), ("negation", KG.negationCue), ("naming", KG.namingCue))}
    ontology = Ontology(
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
    return ontology, problems


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


# ---------------------------------------------------------------------------
# Conflicts between modules: reported as warnings, the ontology stays usable
# ---------------------------------------------------------------------------

_NAME_PREDICATES = (SKOS.prefLabel, RDFS.label, SKOS.altLabel, SKOS.hiddenLabel, KG.abbreviation, HAS_EXACT_SYNONYM, HAS_RELATED_SYNONYM)
_TRIGGER_KINDS = (
    ("trigger", "triggers", KG.trigger),
    ("inverse trigger", "inverse_triggers", KG.inverseTrigger),
    ("phrase trigger", "phrase_triggers", KG.phraseTrigger),
    ("inverse phrase trigger", "inverse_phrase_triggers", KG.inversePhraseTrigger),
    ("topic trigger", "topic_triggers", KG.topicTrigger),
)


def short_iri(iri: str) -> str:
    """``kg:StemCell``, ``CL:0000062`` or ``<iri>``: an IRI as people read it in messages."""
    if iri.startswith(str(KG)):
        return "kg:" + iri[len(str(KG)) :]
    return to_curie(iri) or f"<{iri}>"


def _locate(
    modules: Sequence[Module], lines: Mapping[str, tuple[str, int]], subject: str, predicates: Sequence[URIRef], text: str
) -> tuple[str | None, int | None]:
    """The file and line that state ``subject predicate "text"``; the last module wins (a user's own)."""
    ref = URIRef(subject)
    for module in reversed(modules):
        for pred in predicates:
            if any(" ".join(str(o).split()) == text for o in module.graph.objects(ref, pred) if isinstance(o, Literal)):
                return module.name, module.line_of(subject, text)
    return lines.get(subject, (None, None))


def _at(file: str | None, line: int | None) -> str:
    return f"{file}:{line}" if file and line else (file or "?")


def name_conflicts(
    concepts: Mapping[str, Concept], modules: Sequence[Module] = (), lines: Mapping[str, tuple[str, int]] = MappingProxyType({})
) -> list[Problem]:
    """Names (labels, synonyms, abbreviations, and the variants kg derives from them) claimed by two concepts.

    The matcher can give such a name only one concept, so each pair of
    concepts that share one is reported once, at the claim made last.
    """
    from .lexicon import surface_forms  # lexicon builds on this module

    claims: dict[str, dict[str, str]] = {}
    for iri in sorted(concepts):
        if iri == ROOT:
            continue
        concept = concepts[iri]
        for name in (concept.label, *concept.synonyms, *concept.hidden):
            for form in surface_forms(name):
                claims.setdefault(form.lower(), {}).setdefault(iri, name)
        for abbr in concept.abbreviations:
            for form in surface_forms(abbr, pluralize=False):
                claims.setdefault(form.lower(), {}).setdefault(iri, abbr)
    pairs: dict[tuple[str, str], tuple[str, str, str]] = {}
    for form in sorted(claims):
        owners = sorted(claims[form])
        for i, a in enumerate(owners):
            for b in owners[i + 1 :]:
                pairs.setdefault((a, b), (form, claims[form][a], claims[form][b]))
    order = {m.name: i for i, m in enumerate(modules)}
    problems: list[Problem] = []
    for (a, b), (form, name_a, name_b) in sorted(pairs.items()):
        where_a = _locate(modules, lines, a, _NAME_PREDICATES, name_a)
        where_b = _locate(modules, lines, b, _NAME_PREDICATES, name_b)
        file, line = max((where_a, where_b), key=lambda w: (order.get(w[0] or "", -1), w[1] or 0))
        problems.append(
            Problem(
                "warning",
                f'ambiguous name "{form}": {short_iri(a)} is named "{name_a}" ({_at(*where_a)}) and '
                f'{short_iri(b)} is named "{name_b}" ({_at(*where_b)}); text can be read as only one of them',
                file,
                line,
            )
        )
    return problems


def _overlap(xs: Sequence[str], ys: Sequence[str], ancestors: Mapping[str, frozenset[str]]) -> bool:
    """Can something fall under both class lists?  (An empty list allows anything.)"""
    if not xs or not ys:
        return True
    return any(x in ancestors.get(y, frozenset((y,))) or y in ancestors.get(x, frozenset((x,))) for x in xs for y in ys)


def trigger_conflicts(
    relations: Mapping[str, RelationType],
    ancestors: Mapping[str, frozenset[str]],
    modules: Sequence[Module] = (),
    lines: Mapping[str, tuple[str, int]] = MappingProxyType({}),
) -> list[Problem]:
    """The same trigger on two relation types that could both apply to one sentence.

    Sharing a trigger is fine when the ranges (or the domains) cannot overlap:
    the built-in "reduce" is *inhibits* for a process and *treats* for a
    disease, and the reader picks by the object's class.  It is reported only
    when both the domains and the ranges overlap.
    """
    problems: list[Problem] = []
    order = {m.name: i for i, m in enumerate(modules)}
    for kind, attr, predicate in _TRIGGER_KINDS:
        by_phrase: dict[str, list[RelationType]] = {}
        for iri in sorted(relations):
            for phrase in getattr(relations[iri], attr):
                by_phrase.setdefault(" ".join(phrase.lower().split()), []).append(relations[iri])
        for phrase, rels in sorted(by_phrase.items()):
            for i, a in enumerate(rels):
                for b in rels[i + 1 :]:
                    if not (_overlap(a.range, b.range, ancestors) and _overlap(a.domain, b.domain, ancestors)):
                        continue
                    found = [
                        _locate(modules, lines, r.iri, (predicate,), next(t for t in getattr(r, attr) if " ".join(t.lower().split()) == phrase))
                        for r in (a, b)
                    ]
                    file, line = max(found, key=lambda w: (order.get(w[0] or "", -1), w[1] or 0))
                    problems.append(
                        Problem(
                            "warning",
                            f'{kind} "{phrase}" is claimed by {short_iri(a.iri)} and {short_iri(b.iri)}, whose domains '
                            "and ranges overlap; a sentence using it can be read as either",
                            file,
                            line,
                        )
                    )
    return problems
