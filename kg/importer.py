"""Import a branch of a standard ontology (OBO or OWL) into a user module.

``kg ontology import FILE --root CURIE`` runs :func:`import_branch`: it reads
the source file (:func:`read_source`), takes the root term and its
descendants (``--depth`` levels, all by default), and writes them to a
module so that their labels and synonyms are recognised in text and typed
by their own class:

- each imported term keeps its standard IRI as its class IRI
  (``obo:CL_0000062``), which is then also its standard identifier;
- its parents are its ``is_a`` parents inside the branch; the root hangs
  under the kg concept given with ``--under``, or else under the kg concept
  that already stands for the root or its nearest ancestor (by
  ``skos:exactMatch``), or else under the category of the source ontology
  (CL -> kg:Cell, UBERON -> kg:AnatomicalEntity, ...);
- a term kg already has (the same identifier, or the same label) is not
  added twice: the kg concept stands in for it, the term's children hang
  under that concept, and the concept gains the imported terms above it as
  parents (kg's osteoblast becomes a connective tissue cell too);
- exact synonyms become ``skos:altLabel``, related ones ``skos:hiddenLabel``
  (matched, never shown), abbreviation-typed ones ``kg:abbreviation``;
  broad, narrow and plural synonyms are left out; a synonym that already
  names another concept is dropped;
- cross-references (``FMA:66780``) become ``oboInOwl:hasDbXref`` (one that is
  malformed for a prefix kg knows, such as a MeSH tree number
  ``MESH:A.02.835``, is left out and reported), definitions
  ``skos:definition``; obsolete terms are skipped.

The OBO reader is hand-written: fastobo (and pronto, built on it) reject real
release files such as UBERON's ``musculoskeletal.obo`` for one malformed
cross-reference, while an import needs only a few tags and should skip what
it does not understand.  OWL files in RDF/XML are read with rdflib; OWL
functional syntax (``Prefix(...)``/``Ontology(...)``) is refused with advice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .errors import OntologyError, SourceOntologyError
from .namespaces import CURIE_PREFIXES, KG, OBO
from .ontology import HAS_DBXREF, Ontology, Problem, short_iri

__all__ = [
    "ImportResult",
    "OboSynonym",
    "OboTerm",
    "SourceOntology",
    "import_branch",
    "parse_obo",
    "parse_owl",
    "read_source",
    "select_branch",
]

OBO_IN_OWL = "http://www.geneontology.org/formats/oboInOwl#"
IAO_DEFINITION = URIRef(str(OBO) + "IAO_0000115")

#: The kg category a standard ontology's terms belong to, when nothing more specific is known.
PREFIX_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "CL": "Cell",
        "UBERON": "AnatomicalEntity",
        "GO": "BiologicalProcess",
        "MONDO": "Disease",
        "DOID": "Disease",
        "HP": "PhenotypicFeature",
        "CHEBI": "ChemicalEntity",
        "PR": "ChemicalEntity",
        "MAXO": "Intervention",
    }
)


@dataclass(frozen=True, slots=True)
class OboSynonym:
    text: str
    scope: str  # EXACT, RELATED, BROAD, NARROW
    kind: str | None = None  # the synonym type, e.g. "abbreviation"


@dataclass(frozen=True, slots=True)
class OboTerm:
    """One term of a source ontology, with what an import needs."""

    id: str  # CURIE, e.g. "CL:0000062"
    name: str | None
    synonyms: tuple[OboSynonym, ...] = ()
    parents: tuple[str, ...] = ()  # is_a parents (CURIEs)
    xrefs: tuple[str, ...] = ()
    definition: str | None = None
    obsolete: bool = False
    line: int | None = None  # where the stanza starts (OBO only)

    @property
    def iri(self) -> str:
        return obo_iri(self.id)


@dataclass(frozen=True)
class SourceOntology:
    """The terms of one OBO or OWL file, with a children index."""

    source: str
    terms: Mapping[str, OboTerm]
    version: str | None = None

    def children(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for term in self.terms.values():
            if term.obsolete:
                continue
            for parent in term.parents:
                index.setdefault(parent, []).append(term.id)
        return {k: sorted(v) for k, v in index.items()}

    def find(self, root: str) -> OboTerm:
        """A term by CURIE, OBO IRI or exact name."""
        given = root.strip()
        m = re.fullmatch(r"<?http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(\w+)>?", given)
        if m:
            given = f"{m.group(1)}:{m.group(2)}"
        if given in self.terms:
            return self.terms[given]
        named = sorted(t.id for t in self.terms.values() if t.name and t.name.lower() == given.lower() and not t.obsolete)
        if named:
            return self.terms[named[0]]
        raise SourceOntologyError(
            f"no term {root!r} in this file (give a CURIE such as CL:0002320 or a term's exact name)", file=self.source
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    module: Path
    root: str  # CURIE
    under: str  # the kg class the branch hangs under
    added: tuple[str, ...]  # CURIEs of the terms written as new classes
    mapped: tuple[tuple[str, str], ...]  # (CURIE, kg concept IRI) already in kg
    dropped_names: tuple[tuple[str, str, str], ...]  # (CURIE, name, IRI of the concept that has it)
    skipped_xrefs: tuple[tuple[str, str], ...]  # (CURIE, cross-reference malformed for its known prefix)
    warnings: tuple[Problem, ...]


def obo_iri(curie: str) -> str:
    """``CL:0000062`` -> ``http://purl.obolibrary.org/obo/CL_0000062`` (the OBO PURL rule)."""
    prefix, _, local = curie.partition(":")
    return f"{OBO}{prefix}_{local}"


# ---------------------------------------------------------------------------
# Reading OBO
# ---------------------------------------------------------------------------

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*(.*)$')
_ABBREVIATION_TYPES = re.compile(r"abbrev|acronym", re.IGNORECASE)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _strip_trailers(value: str) -> str:
    """Drop a trailing ``! comment`` and ``{qualifiers}`` outside quotes."""
    out, quoted, i = [], False, 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i : i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "!" and (i == 0 or value[i - 1].isspace()):
            break
        out.append(ch)
        i += 1
    text = "".join(out).strip()
    return re.sub(r"\s*\{[^{}]*\}$", "", text).strip()


def parse_obo(text: str, source: str = "<obo>") -> SourceOntology:
    """The ``[Term]`` stanzas of an OBO 1.2/1.4 file.

    Tags other than id, name, def, synonym, is_a, xref and is_obsolete are
    skipped, and so are lines that cannot be parsed inside them (a malformed
    xref, say); a stanza without an ``id`` is an error with its line.
    """
    terms: dict[str, OboTerm] = {}
    version: str | None = None
    stanza: dict[str, list] | None = None
    start = 0
    seen_term = False

    def finish() -> None:
        if stanza is None:
            return
        ids = stanza["id"]
        if not ids:
            raise SourceOntologyError("a [Term] stanza has no 'id:' line", file=source, line=start)
        names = stanza["name"]
        term = OboTerm(
            id=ids[0],
            name=names[0] if names else None,
            synonyms=tuple(stanza["synonym"]),
            parents=tuple(dict.fromkeys(stanza["is_a"])),
            xrefs=tuple(dict.fromkeys(stanza["xref"])),
            definition=stanza["def"][0] if stanza["def"] else None,
            obsolete=bool(stanza["is_obsolete"]),
            line=start,
        )
        terms.setdefault(term.id, term)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            finish()
            stanza = None
            if line == "[Term]":
                seen_term = True
                stanza = {k: [] for k in ("id", "name", "def", "synonym", "is_a", "xref", "is_obsolete")}
                start = number
            continue
        if not line or line.startswith("!"):
            continue
        tag, sep, value = line.partition(":")
        if not sep:
            if stanza is not None:
                raise SourceOntologyError(f"expected 'tag: value', got {line[:60]!r}", file=source, line=number)
            continue
        tag, value = tag.strip(), value.strip()
        if stanza is None:
            if tag == "data-version":
                version = value
            continue
        if tag in ("id", "is_a"):
            token = _strip_trailers(value).split()
            if token:
                stanza[tag].append(token[0])
        elif tag == "name":
            stanza["name"].append(_strip_trailers(value))
        elif tag in ("def", "synonym"):
            m = _QUOTED.match(value)
            if not m:
                continue  # malformed: skipped, as the module docstring says
            body = _unescape(m.group(1)).strip()
            if tag == "def":
                stanza["def"].append(" ".join(body.split()))
                continue
            rest = re.sub(r"\[[^\]]*\]", " ", _strip_trailers(m.group(2))).split()
            scope = rest[0].upper() if rest and rest[0].upper() in ("EXACT", "RELATED", "BROAD", "NARROW") else "RELATED"
            kind = rest[1] if len(rest) > 1 else None
            if body:
                stanza["synonym"].append(OboSynonym(" ".join(body.split()), scope, kind))
        elif tag == "xref":
            token = _strip_trailers(value).split()
            if token and re.fullmatch(r"[A-Za-z][\w.-]*:[^\s:]\S*", token[0]) and not token[0].startswith("http"):
                stanza["xref"].append(token[0])
        elif tag == "is_obsolete":
            if value.lower().startswith("true"):
                stanza["is_obsolete"].append(True)
    finish()
    if not seen_term:
        raise SourceOntologyError("no [Term] stanzas found: is this an OBO file?", file=source)
    return SourceOntology(source, MappingProxyType(terms), version)


# ---------------------------------------------------------------------------
# Reading OWL (RDF/XML)
# ---------------------------------------------------------------------------


def _curie_of(iri: str) -> str | None:
    m = re.fullmatch(r"http://purl\.obolibrary\.org/obo/([A-Za-z]+)_(\w+)", iri)
    return f"{m.group(1)}:{m.group(2)}" if m else None


def parse_owl(path: Path) -> SourceOntology:
    """The OBO-style classes of an OWL file in RDF/XML (labels, oboInOwl synonyms, parents, xrefs)."""
    head = path.read_text(encoding="utf-8", errors="replace")[:4000].lstrip()
    if head.startswith(("Prefix(", "Ontology(")) or "\nPrefix(" in head[:200]:
        raise SourceOntologyError(
            "this .owl file is in OWL functional syntax, which kg does not read; use the ontology's .obo "
            "release, or convert it to RDF/XML (for example `robot convert --input FILE --output FILE.owl`)",
            file=str(path),
        )
    graph = Graph()
    try:
        graph.parse(path, format="xml")
    except Exception as exc:  # the XML parser raises several types; all mean "not RDF/XML"
        raise SourceOntologyError(f"cannot read it as RDF/XML: {str(exc).splitlines()[0]}", file=str(path)) from None
    oio = lambda name: URIRef(OBO_IN_OWL + name)  # noqa: E731
    scopes = {oio("hasExactSynonym"): "EXACT", oio("hasRelatedSynonym"): "RELATED", oio("hasBroadSynonym"): "BROAD", oio("hasNarrowSynonym"): "NARROW"}
    typed: dict[tuple[str, str], str] = {}
    for axiom in graph.subjects(RDF.type, OWL.Axiom):
        kind = graph.value(axiom, oio("hasSynonymType"))
        source, target = graph.value(axiom, OWL.annotatedSource), graph.value(axiom, OWL.annotatedTarget)
        if kind is not None and source is not None and target is not None:
            typed[(str(source), str(target))] = str(kind).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    terms: dict[str, OboTerm] = {}
    for cls in sorted(set(graph.subjects(RDF.type, OWL.Class)), key=str):
        curie = _curie_of(str(cls)) if isinstance(cls, URIRef) else None
        if curie is None:
            continue
        label = graph.value(cls, RDFS.label)
        synonyms = tuple(
            OboSynonym(" ".join(str(o).split()), scope, typed.get((str(cls), str(o))))
            for pred, scope in scopes.items()
            for o in sorted(graph.objects(cls, pred), key=str)
            if str(o).strip()
        )
        parents = tuple(sorted(c for p in graph.objects(cls, RDFS.subClassOf) if isinstance(p, URIRef) and (c := _curie_of(str(p)))))
        definition = graph.value(cls, IAO_DEFINITION)
        terms[curie] = OboTerm(
            id=curie,
            name=" ".join(str(label).split()) if label is not None else None,
            synonyms=synonyms,
            parents=parents,
            xrefs=tuple(sorted(str(x) for x in graph.objects(cls, HAS_DBXREF))),
            definition=" ".join(str(definition).split()) if definition is not None else None,
            obsolete=str(graph.value(cls, OWL.deprecated) or "").lower() == "true",
        )
    if not terms:
        raise SourceOntologyError("no OBO classes (http://purl.obolibrary.org/obo/PREFIX_ID) found", file=str(path))
    return SourceOntology(str(path), MappingProxyType(terms))


def read_source(path: Path | str) -> SourceOntology:
    """An OBO (``.obo``) or OWL RDF/XML (``.owl``, ``.rdf``) file."""
    path = Path(path)
    if not path.is_file():
        raise SourceOntologyError("no such file", file=str(path))
    suffix = path.suffix.lower()
    if suffix == ".obo":
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise SourceOntologyError(f"not UTF-8 text (invalid byte at offset {exc.start})", file=str(path)) from None
        return parse_obo(text, str(path))
    if suffix in (".owl", ".rdf", ".xml"):
        return parse_owl(path)
    raise SourceOntologyError(f"unknown kind of file {suffix or '(no suffix)'!r}; give an .obo or .owl (RDF/XML) file", file=str(path))


# ---------------------------------------------------------------------------
# Choosing the branch and writing it
# ---------------------------------------------------------------------------


def select_branch(source: SourceOntology, root: str, depth: int | None = None) -> list[OboTerm]:
    """The root and its descendants down to ``depth`` levels (None: all), obsolete terms left out."""
    if depth is not None and depth < 0:
        raise SourceOntologyError(f"--depth must be 0 or more, got {depth}")
    top = source.find(root)
    if top.obsolete:
        raise SourceOntologyError(f"{top.id} ({top.name}) is obsolete", file=source.source, line=top.line)
    children = source.children()
    level = {top.id: 0}
    frontier = [top.id]
    while frontier:
        nxt = []
        for term_id in frontier:
            if depth is not None and level[term_id] >= depth:
                continue
            for child in children.get(term_id, ()):
                if child not in level and child in source.terms:
                    level[child] = level[term_id] + 1
                    nxt.append(child)
        frontier = sorted(nxt)
    return [source.terms[t] for t in sorted(level, key=lambda t: (level[t], t))]


def _ancestors_in_order(source: SourceOntology, start: str) -> list[str]:
    """``start`` then its ancestors, nearest first."""
    seen, order, frontier = {start}, [start], [start]
    while frontier:
        nxt = []
        for term_id in frontier:
            term = source.terms.get(term_id)
            for parent in sorted(term.parents) if term else ():
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
                    nxt.append(parent)
        frontier = nxt
    return order


def attach_point(ontology: Ontology, source: SourceOntology, root: OboTerm, under: str | None = None) -> str:
    """The kg class the branch hangs under (see the module docstring)."""
    from .authoring import resolve_class

    if under:
        return resolve_class(ontology, under)
    by_xref: dict[str, list[str]] = {}
    for concept in ontology.concepts.values():
        for xref in concept.xrefs:
            by_xref.setdefault(xref, []).append(concept.iri)
    for term_id in _ancestors_in_order(source, root.id):
        found = sorted(by_xref.get(obo_iri(term_id), ()))
        if found:
            return found[0]
    category = PREFIX_CATEGORIES.get(root.id.split(":", 1)[0])
    if category and str(KG[category]) in ontology.concepts:
        return str(KG[category])
    raise SourceOntologyError(
        f"cannot tell where {root.id} ({root.name}) belongs in kg: no kg concept matches it or an ancestor; "
        "say where with --under (a kg class: label, kg:Name or CURIE)",
        file=source.source,
    )


def import_branch(
    source_path: Path | str,
    root: str,
    module: Path | str,
    *,
    depth: int | None = None,
    under: str | None = None,
    ontology_paths: Sequence[Path | str] = (),
    base: Sequence[Path | str] | None = None,
) -> ImportResult:
    """Import the branch under ``root`` of ``source_path`` into ``module`` (see the module docstring).

    ``base`` replaces the built-in ontology (a test may import into the
    core schema alone).  The module is written whole: re-running the same
    import gives the same file.  A module that exists but was not written by an import of the
    same root is refused, so hand-written modules are never overwritten.
    """
    from .authoring import check_and_write, ontology_context

    module = Path(module)
    source = read_source(source_path)
    branch = select_branch(source, root, depth)
    top = branch[0]
    marker = f"# import-root: {top.id}"
    if module.exists():
        existing = module.read_text(encoding="utf-8", errors="replace")
        if marker not in existing.splitlines():
            raise OntologyError(
                f"the module exists and was not written by an import of {top.id}; choose another --module, "
                "or delete this file to replace it",
                file=str(module),
            )
    ontology, _ = ontology_context(module, ontology_paths, include_module=False, base=base)
    parent_of_root = attach_point(ontology, source, top, under)

    # what kg already has, by identifier and by name
    by_xref: dict[str, str] = {}
    names: dict[str, str] = {}
    for iri in sorted(ontology.concepts):
        concept = ontology.concepts[iri]
        for xref in concept.xrefs:
            by_xref.setdefault(xref, iri)
        for name in (concept.label, *concept.synonyms, *concept.hidden, *concept.abbreviations):
            names.setdefault(name.lower(), iri)

    in_branch = {t.id for t in branch}
    stands_for: dict[str, str] = {}  # term id -> kg IRI of the class that represents it
    mapped: list[tuple[str, str]] = []
    added: list[OboTerm] = []
    for term in branch:
        if not term.name:
            continue
        existing = by_xref.get(term.iri) or names.get(term.name.lower())
        if existing is not None and existing != term.iri:
            stands_for[term.id] = existing
            mapped.append((term.id, existing))
        else:
            stands_for[term.id] = term.iri
            names.setdefault(term.name.lower(), term.iri)
            added.append(term)

    from .check import identifier_problem

    graph = Graph()
    dropped: list[tuple[str, str, str]] = []
    skipped_xrefs: list[tuple[str, str]] = []
    for term in added:
        node = URIRef(term.iri)
        graph.add((node, RDF.type, OWL.Class))
        parents = sorted({stands_for[p] for p in term.parents if p in in_branch and p in stands_for})
        if term.id == top.id or not parents:
            parents = [parent_of_root]
        for parent in parents:
            graph.add((node, RDFS.subClassOf, URIRef(parent)))
        graph.add((node, RDFS.label, Literal(term.name, lang="en")))
        graph.add((node, SKOS.prefLabel, Literal(term.name, lang="en")))
        for synonym in term.synonyms:
            is_abbreviation = bool(synonym.kind and _ABBREVIATION_TYPES.search(synonym.kind))
            if synonym.scope not in ("EXACT", "RELATED") or (synonym.kind or "").upper() == "PLURAL":
                continue
            key = synonym.text.lower()
            owner = names.get(key)
            if owner is not None and owner != term.iri:
                dropped.append((term.id, synonym.text, owner))
                continue
            names[key] = term.iri
            if is_abbreviation:
                graph.add((node, KG.abbreviation, Literal(synonym.text)))
            elif synonym.scope == "EXACT":
                graph.add((node, SKOS.altLabel, Literal(synonym.text, lang="en")))
            else:
                graph.add((node, SKOS.hiddenLabel, Literal(synonym.text, lang="en")))
        for xref in term.xrefs:
            prefix, _, local = xref.partition(":")
            if prefix in CURIE_PREFIXES and identifier_problem(CURIE_PREFIXES[prefix] + local):
                skipped_xrefs.append((term.id, xref))  # e.g. a MeSH tree number where an id belongs
                continue
            graph.add((node, HAS_DBXREF, Literal(xref)))
        if term.definition:
            graph.add((node, SKOS.definition, Literal(term.definition, lang="en")))

    # a term kg already had keeps its place in kg and also gains the imported terms above it, so
    # "which connective tissue cells" finds kg's own osteoblast too
    new_ids = {t.id for t in added}
    for term_id, concept in mapped:
        term = source.terms[term_id]
        for parent in sorted(p for p in term.parents if p in new_ids):
            graph.add((URIRef(concept), RDFS.subClassOf, URIRef(stands_for[parent])))

    header = (
        f"# kg ontology module: the branch of {top.id} ({top.name}) imported by `kg ontology import`.\n"
        f"# source: {Path(source.source).name}" + (f" (data-version {source.version})" if source.version else "") + "\n"
        f"{marker}\n"
        f"# depth: {'all' if depth is None else depth}; attached under {short_iri(parent_of_root)}\n"
        "# Labels, synonyms and definitions are the source ontology's; see its licence (CL and UBERON: CC BY).\n"
        "# Re-running the import rewrites this file.\n"
    )
    if not added:
        raise OntologyError(
            f"nothing to import: every term under {top.id} within the depth is already in kg "
            f"({', '.join(f'{t} as {short_iri(i)}' for t, i in mapped[:5])}{', ...' if len(mapped) > 5 else ''})"
        )
    paths = [p for p in ontology_paths if Path(p).resolve() != module.resolve()]
    warnings = check_and_write(module, graph, paths, header=header, base=base)
    return ImportResult(
        module=module,
        root=top.id,
        under=parent_of_root,
        added=tuple(t.id for t in added),
        mapped=tuple(mapped),
        dropped_names=tuple(dropped),
        skipped_xrefs=tuple(skipped_xrefs),
        warnings=warnings,
    )

