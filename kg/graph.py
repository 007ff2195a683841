"""Assemble the RDF graph of a build, and read and write graph files.

:func:`build_graph` turns records (documents, mentions, relations with their
evidence) into the model described in ``docs/rdf-model.md``.  It does no I/O
and generates no random identifiers: every IRI is a concept's local name or a
content hash, so the same input always gives the same graph.

The I/O sits at the edge, in separate functions: :func:`write_outputs` writes
``graph.ttl``, ``graph.nt`` and ``graph.html`` atomically, and
:func:`load_graph` reads a graph file or a build folder back.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from .errors import GraphError, OutputError
from .namespaces import DOCUMENT, ENTITY, EVIDENCE, KG, PREFIXES, SCHEMA, STATEMENT
from .ontology import Ontology
from .records import Document, Evidence, Mention, Modality, Relation

__all__ = [
    "GRAPH_FORMATS",
    "MODALITY_IRIS",
    "DocumentInfo",
    "build_graph",
    "entity_iri",
    "load_graph",
    "local_name",
    "new_graph",
    "ntriples_to_turtle",
    "place_outputs",
    "to_sorted_ntriples",
    "write_outputs",
]

#: kg:Asserted, kg:Hedged, kg:Negated: the individuals of kg:Modality.
MODALITY_IRIS: Mapping[Modality, URIRef] = {
    Modality.ASSERTED: KG.Asserted,
    Modality.HEDGED: KG.Hedged,
    Modality.NEGATED: KG.Negated,
}

#: File suffix -> rdflib parser name, for :func:`load_graph`.
GRAPH_FORMATS: Mapping[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".trig": "trig",
    ".n3": "n3",
    ".rdf": "xml",
    ".owl": "xml",
}

# Files a build folder may hold, in the order load_graph prefers them
# (N-Triples first: it parses fastest and is what the build sorts).
_BUILD_FILES = ("graph.nt", "graph.ttl")


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def new_graph() -> Graph:
    """An empty graph with exactly kg's prefixes bound (none of rdflib's defaults)."""
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def local_name(iri: str) -> str:
    """The part of an IRI after its last ``/`` or ``#``."""
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[cut + 1 :]


def entity_iri(concept_iri: str) -> URIRef:
    """The entity node of a concept: ``ent:`` + the concept's local name."""
    name = local_name(concept_iri)
    if not name:
        raise GraphError(f"concept IRI {concept_iri!r} has no local name (it ends with '/' or '#')")
    return ENTITY[name]


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """What the graph records about a document, without its text.

    A build keeps only this per document (not the text), so a large corpus
    need not fit in memory; :func:`build_graph` accepts it in place of a
    :class:`~kg.records.Document`.
    """

    doc_id: str
    source: str
    title: str | None
    sha256: str
    characters: int
    meta: tuple[tuple[str, str], ...] = ()  # Document.meta: pmid, journal, year, doi, pmcid, ...

    @classmethod
    def of(cls, doc: Document) -> DocumentInfo:
        return cls(
            doc.doc_id, doc.source, doc.title, sha256(doc.text.encode("utf-8")).hexdigest(), len(doc.text), doc.meta
        )


def write_text_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (UTF-8, or bytes as they are) to ``path`` via a temporary file and a rename.

    A failure leaves no half file; it raises :class:`OutputError`.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def build_graph(
    ontology: Ontology,
    documents: Sequence[Document | DocumentInfo],
    relations: Sequence[Relation],
    mentions: Sequence[Mention] = (),
) -> Graph:
    """The knowledge graph of a build, exactly as ``docs/rdf-model.md`` describes it.

    Relations that share a key (same subject, predicate and object) are merged,
    and so is evidence that shares a key, wherever it occurs.  Every concept and
    relation type must belong to ``ontology``; a relation without evidence is
    refused (a claim needs a reason).  A document referred to by evidence but
    not passed in ``documents`` gets a minimal node (type and source only).
    """
    graph = new_graph()
    for triple in ontology.graph:
        graph.add(triple)
    _add_modalities(graph)

    merged = _merge_relations(relations)
    _check_known(ontology, merged, mentions)

    docs = {d.doc_id: d for d in documents}
    for doc in sorted(docs.values(), key=lambda d: d.doc_id):
        _add_document(graph, doc)
    for relation in merged:
        for ev in relation.evidence:
            if ev.doc_id not in docs:
                doc_node = DOCUMENT[ev.doc_id]
                graph.add((doc_node, RDF.type, KG.Document))
                graph.add((doc_node, RDF.type, PROV.Entity))
                graph.add((doc_node, DCTERMS.source, Literal(ev.source)))

    entity_docs = _add_entities(graph, ontology, merged, mentions)
    for relation in merged:
        _add_relation(graph, relation)
    _add_figures(graph, ontology, merged, sorted(docs), entity_docs)
    return graph


def _add_figures(
    graph: Graph, ontology: Ontology, relations: Sequence[Relation], doc_ids: Sequence[str],
    entity_docs: Mapping[str, set[str]],
) -> None:
    """The precomputed figures of :mod:`kg.tally`, written by the same code as the streaming build's."""
    from .tally import Tallies, document_figures, entity_figures

    tallies = Tallies()
    sentences: dict[str, Evidence] = {}
    claims_in: dict[str, int] = defaultdict(int)
    for rel in relations:
        tallies.claim(rel.subject, rel.predicate, rel.object, rel.modality, len(rel.evidence))
        for doc_id in {ev.doc_id for ev in rel.evidence}:
            claims_in[doc_id] += 1
        for ev in rel.evidence:
            sentences[ev.key] = ev
    sentences_in: dict[str, int] = defaultdict(int)
    for key in sorted(sentences):
        ev = sentences[key]
        tallies.sentence(ev.rule, ev.modality, decimal_text(ev.confidence))
        sentences_in[ev.doc_id] += 1
    entities_in: dict[str, int] = defaultdict(int)
    for doc_set in entity_docs.values():
        for doc_id in doc_set:
            entities_in[doc_id] += 1
    lines = list(tallies.lines())
    for doc_id in doc_ids:
        node = f"<{DOCUMENT[doc_id]}>"
        lines += document_figures(node, entities_in[doc_id], claims_in[doc_id], sentences_in[doc_id])
    for iri in sorted(entity_docs):
        lines += entity_figures(f"<{entity_iri(iri)}>", ontology.concepts[iri], tallies.claims_of(iri))
    graph.parse(data="".join(lines), format="nt")


def _merge_relations(relations: Iterable[Relation]) -> list[Relation]:
    """One relation per key, with one evidence per evidence key, in a stable order.

    When two evidence records share a key but differ (for example in
    confidence), the one with the highest confidence is kept, ties broken by
    content, so the choice does not depend on input order.
    """
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    grouped: dict[str, tuple[Relation, set[str]]] = {}
    for rel in relations:
        if not rel.evidence:
            raise GraphError(
                f"relation {rel.subject} {rel.predicate} {rel.object} has no evidence; "
                "every relation needs at least one sentence that supports it"
            )
        keys: set[str] = set()
        for ev in rel.evidence:
            key = ev.key
            evidence[key].append(ev)
            keys.add(key)
        if rel.key in grouped:
            grouped[rel.key][1].update(keys)
        else:
            grouped[rel.key] = (rel, keys)
    chosen = {key: evs[0] if len(evs) == 1 else min(evs, key=lambda e: (-e.confidence, repr(e))) for key, evs in evidence.items()}
    merged = [
        Relation(rel.subject, rel.predicate, rel.object, tuple(chosen[k] for k in sorted(keys)))
        for rel, keys in grouped.values()
    ]
    return sorted(merged, key=lambda r: r.key)


def _check_known(ontology: Ontology, relations: Sequence[Relation], mentions: Sequence[Mention]) -> None:
    """Refuse concepts and relation types the ontology does not define."""
    for rel in relations:
        if rel.predicate not in ontology.relations:
            valid = ", ".join(sorted(r.label for r in ontology.relations.values()))
            raise GraphError(f"unknown relation type {rel.predicate!r}; valid relation types: {valid}")
    concepts = {c for r in relations for c in (r.subject, r.object)} | {m.concept for m in mentions}
    unknown = sorted(c for c in concepts if c not in ontology.concepts)
    if unknown:
        raise GraphError(f"concepts not in the ontology: {', '.join(unknown)}")
    seen: dict[URIRef, str] = {}
    for concept in sorted(concepts):
        node = entity_iri(concept)
        if node in seen:
            raise GraphError(
                f"concepts {seen[node]} and {concept} share the local name {local_name(concept)!r}, "
                "so they would get the same entity node; rename one of them"
            )
        seen[node] = concept


def _add_modalities(graph: Graph) -> None:
    graph.add((KG.Modality, RDF.type, OWL.Class))
    if graph.value(KG.Modality, RDFS.label) is None:
        graph.add((KG.Modality, RDFS.label, Literal("modality")))
    for modality, node in MODALITY_IRIS.items():
        graph.add((node, RDF.type, KG.Modality))
        if graph.value(node, RDFS.label) is None:
            graph.add((node, RDFS.label, Literal(modality.value)))


def _add_document(graph: Graph, doc: Document | DocumentInfo) -> None:
    if isinstance(doc, Document):
        doc = DocumentInfo.of(doc)
    node = DOCUMENT[doc.doc_id]
    graph.add((node, RDF.type, KG.Document))
    graph.add((node, RDF.type, PROV.Entity))
    graph.add((node, DCTERMS.source, Literal(doc.source)))
    if doc.title:
        graph.add((node, DCTERMS.title, Literal(doc.title)))
    graph.add((node, KG.sha256, Literal(doc.sha256)))
    graph.add((node, KG.characterCount, _integer(doc.characters)))
    # Bibliographic metadata of articles read from PubMed/BioC (docs/rdf-model.md).
    meta = dict(doc.meta)
    pmid, pmcid, doi = meta.get("pmid", ""), meta.get("pmcid", ""), meta.get("doi", "")
    if pmid.isdigit():
        graph.add((node, DCTERMS.identifier, Literal(f"PMID:{pmid}")))
        graph.add((node, SCHEMA.sameAs, URIRef(f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/")))
    if pmcid.startswith("PMC") and pmcid[3:].isdigit():
        graph.add((node, DCTERMS.identifier, Literal(f"PMCID:{pmcid}")))
        graph.add((node, SCHEMA.sameAs, URIRef(f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/")))
    if doi.startswith("10."):
        graph.add((node, DCTERMS.identifier, Literal(f"doi:{doi}")))
        graph.add((node, SCHEMA.sameAs, URIRef("https://doi.org/" + quote(doi, safe="/:;()._-"))))
    if meta.get("journal"):
        graph.add((node, SCHEMA.isPartOf, Literal(meta["journal"])))
    if len(meta.get("year", "")) == 4 and meta["year"].isdigit():
        graph.add((node, DCTERMS.issued, Literal(meta["year"], datatype=XSD.gYear)))


def _add_entities(
    graph: Graph, ontology: Ontology, relations: Sequence[Relation], mentions: Sequence[Mention]
) -> dict[str, set[str]]:
    """One node per concept that occurs in a mention or a relation.

    ``kg:mentionCount`` counts distinct places (document, start, end) where the
    concept was read: the mentions, plus the subject and object spans of the
    evidence not already among them.
    """
    places: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    docs: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        places[m.concept].add((m.doc_id, m.span.start, m.span.end))
        docs[m.concept].add(m.doc_id)
    for rel in relations:
        for ev in rel.evidence:
            for concept, span in ((rel.subject, ev.subject_span), (rel.object, ev.object_span)):
                docs[concept].add(ev.doc_id)
                if span.end > span.start:
                    places[concept].add((ev.doc_id, span.start, span.end))

    for iri in sorted(docs):
        concept = ontology.concepts[iri]
        node = entity_iri(iri)
        graph.add((node, RDF.type, URIRef(iri)))
        graph.add((node, RDFS.label, Literal(concept.label)))
        graph.add((node, SKOS.prefLabel, Literal(concept.label)))
        for alt in (*concept.synonyms, *concept.abbreviations):
            graph.add((node, SKOS.altLabel, Literal(alt)))
        for xref in concept.xrefs:
            graph.add((node, SKOS.exactMatch, URIRef(xref)))
        if concept.category:
            graph.add((node, KG.category, URIRef(concept.category)))
        graph.add((node, KG.mentionCount, _integer(len(places[iri]))))
        for doc_id in sorted(docs[iri]):
            graph.add((node, PROV.wasDerivedFrom, DOCUMENT[doc_id]))
    return docs


def _add_relation(graph: Graph, rel: Relation) -> None:
    subject, predicate, obj = entity_iri(rel.subject), URIRef(rel.predicate), entity_iri(rel.object)
    if rel.asserted:
        graph.add((subject, predicate, obj))
    stmt = STATEMENT[rel.key]
    graph.add((stmt, RDF.type, RDF.Statement))
    graph.add((stmt, RDF.subject, subject))
    graph.add((stmt, RDF.predicate, predicate))
    graph.add((stmt, RDF.object, obj))
    graph.add((stmt, KG.modality, MODALITY_IRIS[rel.modality]))
    graph.add((stmt, KG.confidence, _decimal(rel.confidence)))
    graph.add((stmt, KG.evidenceCount, _integer(len(rel.evidence))))
    for ev in rel.evidence:
        node = EVIDENCE[ev.key]
        graph.add((stmt, KG.hasEvidence, node))
        _add_evidence(graph, node, ev)


def _add_evidence(graph: Graph, node: URIRef, ev: Evidence) -> None:
    graph.add((node, RDF.type, KG.Evidence))
    graph.add((node, RDF.type, PROV.Entity))
    graph.add((node, PROV.wasDerivedFrom, DOCUMENT[ev.doc_id]))
    graph.add((node, KG.sentence, Literal(ev.sentence)))
    graph.add((node, KG.sentenceIndex, _integer(ev.sentence_index)))
    graph.add((node, KG.charStart, _integer(ev.sentence_span.start)))
    graph.add((node, KG.charEnd, _integer(ev.sentence_span.end)))
    graph.add((node, KG.subjectText, Literal(ev.subject_text)))
    graph.add((node, KG.subjectStart, _integer(ev.subject_span.start)))
    graph.add((node, KG.subjectEnd, _integer(ev.subject_span.end)))
    graph.add((node, KG.objectText, Literal(ev.object_text)))
    graph.add((node, KG.objectStart, _integer(ev.object_span.start)))
    graph.add((node, KG.objectEnd, _integer(ev.object_span.end)))
    if ev.trigger_text:
        graph.add((node, KG.triggerText, Literal(ev.trigger_text)))
    graph.add((node, KG.rule, Literal(ev.rule)))
    graph.add((node, KG.modality, MODALITY_IRIS[ev.modality]))
    graph.add((node, KG.confidence, _decimal(ev.confidence)))


def _integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


def _decimal(value: float) -> Literal:
    return Literal(decimal_text(value), datatype=XSD.decimal)


def decimal_text(value: float) -> str:
    """A confidence's xsd:decimal lexical form: rounded to 4 places, canonical (``0.5``, ``1.0``)."""
    text = f"{round(float(value), 4):.4f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return "0.0" if text == "-0.0" else text


# ---------------------------------------------------------------------------
# Deterministic serialisation
# ---------------------------------------------------------------------------


def to_sorted_ntriples(graph: Graph) -> str:
    """N-Triples of ``graph``, one triple a line, sorted: byte-identical across runs.

    rdflib writes blank nodes with random labels, so the triples that hold
    blank nodes (in kg, only those copied from the ontology, such as
    ``owl:unionOf`` lists) are relabelled canonically with
    :func:`rdflib.compare.to_canonical_graph`; the labels depend only on the
    graph's structure.  The other triples are written as rdflib writes them.
    """
    from rdflib.compare import to_canonical_graph

    with_bnodes = Graph(bind_namespaces="none")
    for triple in graph:
        if isinstance(triple[0], BNode) or isinstance(triple[2], BNode):
            with_bnodes.add(triple)
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    # An N-Triples line holds a blank node when it starts with one or ends with
    # one as object; a literal object always ends with '"', '>' or a language tag.
    lines = [
        line for line in text.splitlines() if line.strip() and not (line.startswith("_:") or _BNODE_OBJECT.search(line))
    ]
    if len(with_bnodes):
        canonical = to_canonical_graph(with_bnodes).serialize(format="nt", encoding="utf-8").decode("utf-8")
        lines.extend(line for line in canonical.splitlines() if line.strip())
    lines.sort()
    return "\n".join(lines) + "\n" if lines else ""


_BNODE_OBJECT = re.compile(r" _:[A-Za-z0-9_.-]+ \.\s*$")


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


def write_outputs(
    graph: Graph, out_dir: Path | str, html: str | None, *, ntriples: str | None = None
) -> dict[str, Path]:
    """Write ``graph.ttl``, ``graph.nt`` (sorted) and ``graph.html`` (when given) into ``out_dir``.

    All files are serialised into a temporary folder beside ``out_dir`` and
    flushed to disk first; only then is each moved into place with
    :func:`os.replace`.  If serialising fails nothing in ``out_dir`` changes;
    if a move fails, the files already moved are put back as they were.
    Other files in ``out_dir`` are left alone (an old ``graph.html`` too, when
    ``html`` is None).  ``ntriples`` is the graph's :func:`to_sorted_ntriples`
    text when the caller already has it.  Returns ``{"ttl": path, "nt": path,
    "html": path}``.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot create a temporary folder: {exc.strerror or exc}") from None

    current: Path = staging
    try:
        files: dict[str, Path] = {}
        try:
            current = staging / "graph.ttl"
            _write_bytes(current, _stable_turtle(graph))
            files["ttl"] = current
            current = staging / "graph.nt"
            _write_bytes(current, (ntriples if ntriples is not None else to_sorted_ntriples(graph)).encode("utf-8"))
            files["nt"] = current
            if html is not None:
                current = staging / "graph.html"
                _write_bytes(current, html.encode("utf-8"))
                files["html"] = current
        except OutputError:
            raise
        except Exception as exc:  # serialisers and the file system raise many types
            raise OutputError(f"{current}: cannot write: {_reason(exc)}") from exc
        return place_outputs(files, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def place_outputs(files: Mapping[str, Path], out_dir: Path | str) -> dict[str, Path]:
    """Move finished files (``{kind: path}``) into ``out_dir`` under their own names, all or none.

    The files must be complete and on the same file system as ``out_dir``
    (each move is an :func:`os.replace`); if a move fails, the outputs already
    replaced are put back as they were.  Returns ``{kind: new path}``.
    """
    out = Path(out_dir)
    try:
        for path in files.values():
            _fsync_file(path)
        out.mkdir(parents=True, exist_ok=True)
        backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {_reason(exc)}") from exc
    try:
        return _move_into_place(files, out, backup)
    finally:
        shutil.rmtree(backup, ignore_errors=True)


def ntriples_to_turtle(ntriples: Path, turtle: Path) -> None:
    """Write Turtle with kg's prefixes from an N-Triples file, streaming (pyoxigraph's serialiser).

    The triples keep the file's order, so sorted N-Triples give the same
    Turtle every time; rdflib's Turtle writer would need the whole graph in
    memory, which a large build cannot afford.
    """
    import pyoxigraph as ox

    try:
        triples = (quad.triple for quad in ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES))
        ox.serialize(triples, str(turtle), ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))
    except (SyntaxError, ValueError, OSError) as exc:
        raise OutputError(f"{turtle}: cannot write Turtle: {_reason(exc)}") from exc


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _stable_turtle(graph: Graph) -> bytes:
    """Turtle that is the same for the same graph.

    rdflib writes a blank node inline (``[ ... ]``) when exactly one triple
    points at it, and then the output does not depend on its random label.
    Otherwise the label would show, so the graph is first copied with its blank
    nodes relabelled canonically.
    """
    from rdflib.compare import to_canonical_graph

    with_bnodes = [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    incoming: dict[BNode, int] = defaultdict(int)
    nodes: set[BNode] = set()
    for s, _, o in with_bnodes:
        for node in (s, o):
            if isinstance(node, BNode):
                nodes.add(node)
        if isinstance(o, BNode):
            incoming[o] += 1
    if all(incoming[n] == 1 for n in nodes):
        return graph.serialize(format="turtle", encoding="utf-8")
    stable = new_graph()
    for triple in graph:
        if not (isinstance(triple[0], BNode) or isinstance(triple[2], BNode)):
            stable.add(triple)
    bnode_part = Graph(bind_namespaces="none")
    for triple in with_bnodes:
        bnode_part.add(triple)
    for triple in to_canonical_graph(bnode_part):
        stable.add(triple)
    for prefix, iri in graph.namespaces():
        stable.bind(prefix, iri, override=False)
    return stable.serialize(format="turtle", encoding="utf-8")


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _move_into_place(files: Mapping[str, Path], out: Path, backup: Path) -> dict[str, Path]:
    """Replace the outputs one by one (old ones linked into ``backup``); on failure, restore them."""
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None if it was new)
    result: dict[str, Path] = {}
    target = out
    try:
        for kind, path in files.items():
            target = out / path.name
            saved: Path | None = None
            if target.exists():
                saved = backup / path.name
                try:
                    os.link(target, saved)
                except OSError:
                    shutil.copy2(target, saved)
            os.replace(path, target)
            done.append((target, saved))
            result[kind] = target
        _fsync_dir(out)
    except Exception as exc:
        for placed, saved in reversed(done):
            try:
                if saved is not None:
                    os.replace(saved, placed)
                else:
                    placed.unlink()
            except OSError:
                pass
        raise OutputError(f"{target}: cannot move into place: {_reason(exc)}") from exc
    return result


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not possible on some platforms (Windows); the data is already synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def load_graph(path: Path | str) -> Graph:
    """Read a graph file (.ttl, .nt, .nq, .jsonld, ...) or a build folder.

    A build folder is one holding ``graph.nt`` or ``graph.ttl``.  Named graphs
    of an N-Quads or TriG file are merged into one graph.  Raises
    :class:`GraphError` naming the file, and the line when the parser tells it.
    """
    source = Path(path)
    if source.is_dir():
        for name in _BUILD_FILES:
            if (source / name).is_file():
                source = source / name
                break
        else:
            raise GraphError(f"{source}: folder holds no {' or '.join(_BUILD_FILES)}; is it a kg build folder?")
    elif not source.exists():
        raise GraphError(f"{source}: no such graph file or build folder")
    fmt = GRAPH_FORMATS.get(source.suffix.lower())
    if fmt is None:
        valid = ", ".join(sorted(GRAPH_FORMATS))
        raise GraphError(f"{source}: unknown graph file type {source.suffix!r}; valid: {valid}")
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise GraphError(f"{source}: cannot read: {exc.strerror or exc}") from None

    graph = new_graph()
    try:
        if fmt in ("nquads", "trig"):
            dataset = Dataset()
            dataset.parse(data=data, format=fmt)
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(data=data, format=fmt)
    except Exception as exc:  # rdflib's parsers raise many exception types
        line = _error_line(exc, data, fmt)
        where = f"{source}:{line}" if line is not None else str(source)
        raise GraphError(f"{where}: not valid {fmt}: {_parse_reason(exc)}") from None
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def _parse_reason(exc: Exception) -> str:
    why = getattr(exc, "_why", None) or getattr(exc, "msg", None) or str(exc)
    return str(why).splitlines()[0] if str(why) else type(exc).__name__


def _error_line(exc: Exception, data: bytes, fmt: str) -> int | None:
    """The 1-based line of a parse error, from the exception or by re-parsing line by line."""
    lines = getattr(exc, "lines", None)  # notation3's BadSyntax: 0-based
    if isinstance(lines, int):
        return lines + 1
    lineno = getattr(exc, "lineno", None)  # json.JSONDecodeError, xml SAXParseException
    if isinstance(lineno, int):
        return lineno
    get_line = getattr(exc, "getLineNumber", None)
    if callable(get_line):
        try:
            return int(get_line())
        except Exception:
            return None
    if fmt in ("nt", "nquads"):  # line-based formats: find the first line that fails alone
        for number, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            try:
                (Dataset() if fmt == "nquads" else Graph()).parse(data=raw, format=fmt)
            except Exception:
                return number
    return None
