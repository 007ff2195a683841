"""Write a build's graph as N-Triples lines straight from records, one document at a time.

:func:`kg.graph.build_graph` assembles the whole graph in an rdflib graph,
which is the clearest statement of the model but holds every triple in memory
(about a kilobyte each).  A large build instead goes through
:class:`GraphWriter`: each document's results are turned into N-Triples lines
as soon as they arrive and appended to spool files on disk, and only small
per-claim and per-concept tallies stay in memory.  When the corpus is done,
the tallies become the entity and statement lines, the spools are sorted on
disk (:func:`sort_unique`), and the result is the same sorted N-Triples as
``to_sorted_ntriples(build_graph(...))`` (``tests/test_emit.py`` holds them
to that).

The lines a document contributes (its document node, its evidence nodes and
the ``kg:hasEvidence`` links to them) are its named graph in the store; they
are spooled as N-Quads so the store can be bulk-loaded or updated graph by
graph.  Everything else is the default graph.
"""

from __future__ import annotations

import hashlib
import heapq
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .errors import GraphError, OutputError
from .graph import decimal_text
from .namespaces import DOCUMENT, ENTITY, EVIDENCE, KG, SCHEMA, STATEMENT
from .ontology import Ontology
from .records import Evidence, Mention, Modality, Relation
from .tally import Tallies, document_figures, entity_figures

__all__ = ["GraphWriter", "WrittenGraph", "literal", "sort_unique"]


def _iri(term: object) -> str:
    return f"<{term}>"


# Terms used on every line, formatted once.
_TYPE, _LABEL = _iri(RDF.type), _iri(RDFS.label)
_PREF, _ALT, _EXACT = _iri(SKOS.prefLabel), _iri(SKOS.altLabel), _iri(SKOS.exactMatch)
_DERIVED, _PROV_ENTITY = _iri(PROV.wasDerivedFrom), _iri(PROV.Entity)
_SOURCE, _TITLE, _IDENT, _ISSUED = _iri(DCTERMS.source), _iri(DCTERMS.title), _iri(DCTERMS.identifier), _iri(DCTERMS.issued)
_SAME_AS, _PART_OF = _iri(SCHEMA.sameAs), _iri(SCHEMA.isPartOf)
_STATEMENT, _SUBJ, _PRED, _OBJ = _iri(RDF.Statement), _iri(RDF.subject), _iri(RDF.predicate), _iri(RDF.object)
_INTEGER, _DECIMAL, _YEAR = f"^^<{XSD.integer}>", f"^^<{XSD.decimal}>", f"^^<{XSD.gYear}>"
_K = {name: _iri(KG[name]) for name in (
    "Document", "Evidence", "sha256", "characterCount", "category", "mentionCount", "modality", "confidence",
    "evidenceCount", "hasEvidence", "sentence", "sentenceIndex", "charStart", "charEnd", "subjectText",
    "subjectStart", "subjectEnd", "objectText", "objectStart", "objectEnd", "triggerText", "rule",
)}  # fmt: skip
_MODALITY = {m: _iri(KG[m.value.capitalize()]) for m in Modality}
_ENT, _DOC, _EV, _STMT = str(ENTITY), str(DOCUMENT), str(EVIDENCE), str(STATEMENT)


def literal(text: str) -> str:
    """A plain string literal as N-Triples, escaped exactly as rdflib's serialiser does."""
    return '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'


def _int(value: int) -> str:
    return f'"{int(value)}"{_INTEGER}'


def _dec(value: float) -> str:
    return f'"{decimal_text(value)}"{_DECIMAL}'


def _entity(concept: str, cache: dict[str, str]) -> str:
    node = cache.get(concept)
    if node is None:
        cut = max(concept.rfind("/"), concept.rfind("#"))
        node = cache[concept] = f"<{_ENT}{concept[cut + 1:]}>"
    return node


@dataclass(frozen=True, slots=True)
class WrittenGraph:
    """Where a finished :class:`GraphWriter` left its lines, and what they hold."""

    ntriples: Path  # the whole graph: sorted, unique N-Triples
    default: Path  # the default graph's lines (unsorted N-Triples)
    quads: Path  # every document's named-graph lines (N-Quads, grouped by document)
    graph_digests: dict[str, str]  # document IRI -> digest of its named graph's sorted lines
    default_digest: str
    triples: int


class _Claim:
    """What the graph needs to know of one claim once all its evidence is in."""

    __slots__ = ("subject", "predicate", "object", "modalities", "weights", "count")

    def __init__(self, subject: str, predicate: str, obj: str) -> None:
        self.subject, self.predicate, self.object = subject, predicate, obj
        self.modalities: set[Modality] = set()
        self.weights: list[tuple[str, float]] = []  # (evidence key, confidence) of non-negated evidence
        self.count = 0

    def strongest(self) -> Modality:
        return next(m for m in (Modality.ASSERTED, Modality.HEDGED, Modality.NEGATED) if m in self.modalities)

    def lines(self, key: str, entities: dict[str, str]) -> Iterator[str]:
        s, o, p = _entity(self.subject, entities), _entity(self.object, entities), _iri(self.predicate)
        if any(m is not Modality.NEGATED for m in self.modalities):
            yield f"{s} {p} {o} .\n"
        node = f"<{_STMT}{key}>"
        modality = self.strongest()
        miss = 1.0
        for _, confidence in sorted(self.weights):  # the order Relation.confidence multiplies in
            miss *= 1.0 - confidence
        yield f"{node} {_TYPE} {_STATEMENT} .\n"
        yield f"{node} {_SUBJ} {s} .\n"
        yield f"{node} {_PRED} {p} .\n"
        yield f"{node} {_OBJ} {o} .\n"
        yield f"{node} {_K['modality']} {_MODALITY[modality]} .\n"
        yield f"{node} {_K['confidence']} {_dec(round(1.0 - miss, 4))} .\n"
        yield f"{node} {_K['evidenceCount']} {_int(self.count)} .\n"


class GraphWriter:
    """Turns each document's results into graph lines as they arrive; see the module docstring.

    Call :meth:`add` once per document, then :meth:`finish`.  ``folder`` is a
    private scratch folder (the build's staging folder); the spools and the
    sorted result are written there.
    """

    def __init__(self, ontology: Ontology, folder: Path, *, static_lines: Sequence[str] | None = None) -> None:
        self.ontology = ontology
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._static = list(static_lines) if static_lines is not None else ontology_lines(ontology)
        self._default = open(self.folder / "default.nt", "w", encoding="utf-8", newline="\n")
        self._quads = open(self.folder / "documents.nq", "w", encoding="utf-8", newline="\n")
        self._doc_triples = open(self.folder / "documents.nt", "w", encoding="utf-8", newline="\n")
        self._entities: dict[str, str] = {}
        self._claims: dict[str, _Claim] = {}
        self._places: Counter[str] = Counter()  # concept -> distinct places it was read
        self._concepts: set[str] = set()
        self._docs: set[str] = set()
        self._tallies = Tallies()
        self.digests: dict[str, str] = {}
        self.mentions = 0

    # -- per document -----------------------------------------------------

    def add(self, info, mentions: Sequence[Mention], relations: Iterable[Relation]) -> None:
        """Spool one document's lines (``info`` is a :class:`kg.graph.DocumentInfo`)."""
        from .assembly import assemble
        from .graph import _check_known, _merge_relations

        if info.doc_id in self._docs:
            raise GraphError(f"{info.source}: document {info.doc_id} was already added (same text as another)")
        self._docs.add(info.doc_id)
        merged = _merge_relations(assemble(relations))  # evidence keys hold the document, so merging is local
        _check_known(self.ontology, merged, mentions)
        self.mentions += len(mentions)
        doc = f"<{_DOC}{info.doc_id}>"
        lines = list(_document_lines(doc, info))
        places: dict[str, set[tuple[int, int]]] = {}
        for m in mentions:
            places.setdefault(m.concept, set()).add((m.span.start, m.span.end))
        sentences: dict[str, Evidence] = {}
        for rel in merged:
            key = rel.key
            claim = self._claims.get(key)
            if claim is None:
                claim = self._claims[key] = _Claim(rel.subject, rel.predicate, rel.object)
            stmt = f"<{_STMT}{key}>"
            for ev in rel.evidence:
                ev_key = ev.key
                claim.count += 1
                claim.modalities.add(ev.modality)
                if ev.modality is not Modality.NEGATED:
                    claim.weights.append((ev_key, ev.confidence))
                node = f"<{_EV}{ev_key}>"
                sentences[ev_key] = ev
                lines.append(f"{stmt} {_K['hasEvidence']} {node} .\n")
                lines.extend(_evidence_lines(node, doc, ev))
                for concept, span in ((rel.subject, ev.subject_span), (rel.object, ev.object_span)):
                    bucket = places.setdefault(concept, set())
                    if span.end > span.start:
                        bucket.add((span.start, span.end))
        for ev in sentences.values():  # evidence keys hold the document: these are new to the build
            self._tallies.sentence(ev.rule, ev.modality, decimal_text(ev.confidence))
        lines.extend(document_figures(doc, len(places), len(merged), len(sentences)))
        lines = sorted(set(lines))
        self.digests[doc[1:-1]] = _digest(lines)
        graph = f" {doc} .\n"
        self._quads.writelines(line[:-3] + graph for line in lines)
        self._doc_triples.writelines(lines)
        for concept in sorted(places):
            self._concepts.add(concept)
            self._places[concept] += len(places[concept])
            self._default.write(f"{_entity(concept, self._entities)} {_DERIVED} {doc} .\n")

    # -- at the end -------------------------------------------------------

    def finish(self) -> WrittenGraph:
        """Write the entity and claim lines, sort everything; returns where it all is."""
        for claim in self._claims.values():
            self._tallies.claim(claim.subject, claim.predicate, claim.object, claim.strongest(), claim.count)
        self._default.writelines(self._tallies.lines())
        for concept in sorted(self._concepts):
            self._default.writelines(self._entity_lines(concept))
        for key in sorted(self._claims):
            self._default.writelines(self._claims[key].lines(key, self._entities))
        self._default.writelines(self._static)
        self._default.close()
        self._quads.close()
        self._doc_triples.close()
        default = self.folder / "default.nt"
        sorted_default = self.folder / "default.sorted.nt"
        sort_unique([default], sorted_default, self.folder)
        digest = hashlib.sha256()
        with open(sorted_default, "rb") as fh:
            for line in fh:
                digest.update(line)
        result = self.folder / "graph.nt"
        triples = sort_unique([sorted_default, self.folder / "documents.nt"], result, self.folder)
        for spool in (default, self.folder / "documents.nt"):
            spool.unlink()
        return WrittenGraph(result, sorted_default, self.folder / "documents.nq", dict(self.digests),
                            digest.hexdigest()[:32], triples)  # fmt: skip

    def _entity_lines(self, iri: str) -> Iterator[str]:
        concept = self.ontology.concepts[iri]
        node = _entity(iri, self._entities)
        label = literal(concept.label)
        yield f"{node} {_TYPE} <{iri}> .\n"
        yield f"{node} {_LABEL} {label} .\n"
        yield f"{node} {_PREF} {label} .\n"
        for alt in (*concept.synonyms, *concept.abbreviations):
            yield f"{node} {_ALT} {literal(alt)} .\n"
        for xref in concept.xrefs:
            yield f"{node} {_EXACT} <{xref}> .\n"
        if concept.category:
            yield f"{node} {_K['category']} <{concept.category}> .\n"
        yield f"{node} {_K['mentionCount']} {_int(self._places[iri])} .\n"
        yield from entity_figures(node, concept, self._tallies.claims_of(iri))

    # -- figures for the build summary -------------------------------------

    @property
    def entities(self) -> int:
        return len(self._concepts)

    @property
    def statements(self) -> int:
        return len(self._claims)

    @property
    def evidence(self) -> int:
        return sum(c.count for c in self._claims.values())

    def counts_by_predicate(self) -> Counter[str]:
        return Counter(c.predicate for c in self._claims.values())

    def counts_by_modality(self) -> Counter[Modality]:
        return Counter(c.strongest() for c in self._claims.values())


def ontology_lines(ontology: Ontology) -> list[str]:
    """The ontology's own triples and the modality individuals, as sorted N-Triples lines.

    These come from rdflib (they hold the ontology's blank nodes, which need
    canonical labels); they are the same for every build with this ontology.
    """
    from .graph import _add_modalities, new_graph, to_sorted_ntriples

    graph = new_graph()
    for triple in ontology.graph:
        graph.add(triple)
    _add_modalities(graph)
    return to_sorted_ntriples(graph).splitlines(keepends=True)


def _document_lines(node: str, info) -> Iterator[str]:
    yield f"{node} {_TYPE} {_K['Document']} .\n"
    yield f"{node} {_TYPE} {_PROV_ENTITY} .\n"
    yield f"{node} {_SOURCE} {literal(info.source)} .\n"
    if info.title:
        yield f"{node} {_TITLE} {literal(info.title)} .\n"
    yield f"{node} {_K['sha256']} {literal(info.sha256)} .\n"
    yield f"{node} {_K['characterCount']} {_int(info.characters)} .\n"
    meta = dict(info.meta)
    pmid, pmcid, doi = meta.get("pmid", ""), meta.get("pmcid", ""), meta.get("doi", "")
    if pmid.isdigit():
        yield f"{node} {_IDENT} {literal('PMID:' + pmid)} .\n"
        yield f"{node} {_SAME_AS} <https://pubmed.ncbi.nlm.nih.gov/{pmid}/> .\n"
    if pmcid.startswith("PMC") and pmcid[3:].isdigit():
        yield f"{node} {_IDENT} {literal('PMCID:' + pmcid)} .\n"
        yield f"{node} {_SAME_AS} <https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/> .\n"
    if doi.startswith("10."):
        yield f"{node} {_IDENT} {literal('doi:' + doi)} .\n"
        yield f"{node} {_SAME_AS} <https://doi.org/{quote(doi, safe='/:;()._-')}> .\n"
    if meta.get("journal"):
        yield f"{node} {_PART_OF} {literal(meta['journal'])} .\n"
    year = meta.get("year", "")
    if len(year) == 4 and year.isdigit():
        yield f'{node} {_ISSUED} "{year}"{_YEAR} .\n'


def _evidence_lines(node: str, doc: str, ev: Evidence) -> Iterator[str]:
    k = _K
    yield f"{node} {_TYPE} {k['Evidence']} .\n"
    yield f"{node} {_TYPE} {_PROV_ENTITY} .\n"
    yield f"{node} {_DERIVED} {doc} .\n"
    yield f"{node} {k['sentence']} {literal(ev.sentence)} .\n"
    yield f"{node} {k['sentenceIndex']} {_int(ev.sentence_index)} .\n"
    yield f"{node} {k['charStart']} {_int(ev.sentence_span.start)} .\n"
    yield f"{node} {k['charEnd']} {_int(ev.sentence_span.end)} .\n"
    yield f"{node} {k['subjectText']} {literal(ev.subject_text)} .\n"
    yield f"{node} {k['subjectStart']} {_int(ev.subject_span.start)} .\n"
    yield f"{node} {k['subjectEnd']} {_int(ev.subject_span.end)} .\n"
    yield f"{node} {k['objectText']} {literal(ev.object_text)} .\n"
    yield f"{node} {k['objectStart']} {_int(ev.object_span.start)} .\n"
    yield f"{node} {k['objectEnd']} {_int(ev.object_span.end)} .\n"
    if ev.trigger_text:
        yield f"{node} {k['triggerText']} {literal(ev.trigger_text)} .\n"
    yield f"{node} {k['rule']} {literal(ev.rule)} .\n"
    yield f"{node} {k['modality']} {_MODALITY[ev.modality]} .\n"
    yield f"{node} {k['confidence']} {_dec(ev.confidence)} .\n"


def _digest(lines: Iterable[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
    return h.hexdigest()[:32]


# ---------------------------------------------------------------------------
# Sorting on disk
# ---------------------------------------------------------------------------

#: Lines sorted in memory at a time by :func:`sort_unique` (about 150 MB of text).
CHUNK_LINES = 500_000


def sort_unique(inputs: Sequence[Path], output: Path, scratch: Path, *, chunk: int = CHUNK_LINES) -> int:
    """Sort the lines of ``inputs`` into ``output``, dropping repeats; returns the number of lines.

    Lines are compared as Python compares strings, by code point, which is
    the byte order of their UTF-8: what ``LC_ALL=C sort -u`` gives.  On a
    POSIX system that command does the work (it sorts on disk, in C, on
    several cores); elsewhere :func:`_merge_sort` does the same in Python.
    Either way memory stays bounded however large the graph.
    """
    command = shutil.which("sort") if os.name == "posix" else None
    try:
        if command is not None:
            env = {**os.environ, "LC_ALL": "C"}
            args = [command, "-u", "-S", "256M", "-T", str(scratch), "-o", str(output), *map(str, inputs)]
            done = subprocess.run(args, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise OutputError(f"{output}: sort failed: {done.stderr.strip() or done.returncode}")
        else:
            _merge_sort(inputs, output, scratch, chunk)
        return _count_lines(output)
    except OSError as exc:
        raise OutputError(f"{output}: cannot sort the graph: {exc.strerror or exc}") from None


def _merge_sort(inputs: Sequence[Path], output: Path, scratch: Path, chunk: int) -> None:
    """An external merge sort: sorted runs of ``chunk`` lines on disk, merged by :func:`heapq.merge`."""
    runs: list[Path] = []
    try:
        buffer: list[str] = []
        for path in inputs:
            with open(path, encoding="utf-8", newline="\n") as fh:
                for line in fh:
                    buffer.append(line)
                    if len(buffer) >= chunk:
                        runs.append(_write_run(buffer, scratch, len(runs)))
                        buffer = []
        if buffer or not runs:
            runs.append(_write_run(buffer, scratch, len(runs)))
        handles = [open(run, encoding="utf-8", newline="\n") for run in runs]
        try:
            previous = None
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                for line in heapq.merge(*handles):
                    if line != previous:
                        out.write(line)
                        previous = line
        finally:
            for handle in handles:
                handle.close()
    finally:
        for run in runs:
            run.unlink(missing_ok=True)


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
    return count


def _write_run(lines: list[str], scratch: Path, number: int) -> Path:
    lines.sort()
    path = scratch / f"run-{os.getpid()}-{number}.txt"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(lines)
    return path
