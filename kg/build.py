"""One build, end to end: corpus -> extraction -> assembly -> graph -> outputs.

:func:`build` is what ``kg build`` runs; it is importable so tests and other
programs can build a graph without the command line.

Documents are read one at a time and reduced to what extraction found (their
texts are not kept).  Results are cached per document in the build folder, so
a second build extracts only new or changed documents (see
:mod:`kg.incremental`).  The graph files are written atomically by
:func:`kg.graph.write_outputs`, and the Oxigraph store is prepared as a new
generation beside the old one and switched in by one atomic rename, so a build
that fails or is killed leaves the previous outputs readable.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CorpusError, OntologyError, OutputError
from .records import Document, Mention, Modality, Relation, Skipped

if TYPE_CHECKING:
    from .graph import DocumentInfo

#: ``progress(done, total)``: called as documents are handled; ``total`` may be None.
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class BuildSummary:
    """What a build read, found and wrote."""

    documents: int  # documents processed
    skipped: tuple[Skipped, ...]  # files not processed, with the reason
    entities: int  # distinct concepts mentioned or related
    mentions: int
    relations: int  # statements: one per (subject, predicate, object) claim
    evidence: int  # evidence records over all statements
    relations_by_type: tuple[tuple[str, int], ...]  # (relation type label, statements), most first
    modalities: tuple[tuple[str, int], ...]  # (modality, statements), asserted/hedged/negated
    out_dir: Path
    outputs: tuple[tuple[str, Path], ...]  # (kind, path) as kg.graph.write_outputs names them
    seconds: float
    ontology_files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # ontology warnings worth showing to the user
    store: Path | None = None  # the Oxigraph store (OUT/store), when written
    extracted: int = 0  # documents run through the pipeline in this build
    reused: int = 0  # documents whose cached results were reused
    store_changes: tuple[tuple[str, int], ...] = ()  # named graphs added/replaced/removed/kept

    def output(self, kind: str) -> Path:
        """The path of one output (``"ttl"``, ``"nt"``, ``"html"``, ...)."""
        for name, path in self.outputs:
            if name == kind:
                return path
        valid = ", ".join(name for name, _ in self.outputs)
        raise KeyError(f"no output {kind!r}; this build wrote: {valid}")


def build(
    paths: Sequence[Path | str],
    out_dir: Path | str,
    *,
    ontology_paths: Sequence[Path | str] = (),
    model: str | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    title: str | None = None,
    store: bool = True,
    incremental: bool = True,
) -> BuildSummary:
    """Build the knowledge graph of the texts under ``paths`` into ``out_dir``.

    The ontology is the built-in one plus ``ontology_paths`` plus the user
    modules found by :func:`kg.paths.user_ontology_paths`.  ``store`` also
    writes the Oxigraph store ``out_dir/store``; ``incremental`` reuses the
    cached results of documents that have not changed since the last build
    into ``out_dir`` (the graph is the same either way).  Raises
    :class:`CorpusError` when no document could be read (previous outputs are
    left untouched), :class:`OntologyError` for a bad ontology module.
    """
    import shutil

    from .assembly import assemble
    from .corpus import corpus_files, read_corpus
    from .graph import DocumentInfo, build_graph, write_outputs
    from .incremental import CACHE_DIR, STATE_DIR, ResultCache, cache_key, checkpoint, fingerprint, staging_folder
    from .ontology import load_ontology
    from .paths import user_ontology_paths
    from .pipeline import extract
    from .view import render_html, view_data

    started = time.perf_counter()
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    total = len(corpus_files(paths))  # checks the paths before the slow parts start
    try:
        ontology = load_ontology(extra=[*ontology_paths, *user_ontology_paths()])
    except FileNotFoundError as exc:  # the built-in ontology is missing: a broken install
        raise OntologyError(str(exc)) from None
    print_ = fingerprint(ontology.files, model)

    staging: Path | None = None
    try:
        staging = staging_folder(out)
        cache = ResultCache(out / STATE_DIR / CACHE_DIR if incremental else staging / "none", staging / "cache")
        tracker = _Tracker(total, progress)
        infos: list[DocumentInfo] = []
        keys: dict[str, str] = {}  # doc IRI -> cache key
        mentions: list[Mention] = []
        found: list[Relation] = []

        def keep(info: DocumentInfo, doc_mentions, doc_relations, key: str) -> None:
            infos.append(info)
            keys[info.doc_id] = key
            mentions.extend(doc_mentions)
            found.extend(doc_relations)
            tracker.advance()

        def to_extract(records: Iterable[Document]) -> Iterator[Document]:
            for document in records:
                key = cache_key(document.doc_id, document.source, print_)
                cached = cache.get(key)
                if cached is None:
                    yield document
                else:
                    keep(cached.info, cached.mentions, cached.relations, key)

        from .incremental import CachedResult

        extracted = 0
        pending = to_extract(tracker.documents(read_corpus(paths)))
        first = next(pending, None)  # the pipeline is set up only when a document needs it
        stream = extract(itertools.chain([first], pending), ontology, model=model, jobs=jobs) if first is not None else ()
        for result in stream:
            info = DocumentInfo.of(result.document)
            key = cache_key(info.doc_id, info.source, print_)
            cache.put(key, CachedResult(info, result.mentions, result.relations))
            keep(info, result.mentions, result.relations, key)
            extracted += 1
        checkpoint("extracted")

        if not infos:
            raise CorpusError(no_documents_message(paths, tracker.skipped))

        relations = assemble(found)
        graph = build_graph(ontology, infos, relations, mentions)
        ntriples = _sorted_ntriples(graph)
        generation = None
        manifest = None
        changes: dict[str, int] = {}
        if store:
            generation, manifest, changes = _stage_store(out, staging, ntriples, relations, infos, keys, print_)
        checkpoint("store-staged")
        html = render_html(view_data(graph), title or default_title(infos))
        outputs = write_outputs(graph, out, html, ntriples=ntriples)
        checkpoint("outputs-written")
        if incremental:
            cache.commit()
        checkpoint("cache-moved")
        store_dir = None
        if generation is not None:
            from .incremental import STORE_LINK, cleanup

            kept = generation.commit(out)
            checkpoint("committed")
            cleanup(out, kept)
            store_dir = out / STORE_LINK
        elif (out / "store").is_symlink():  # a store of an earlier build would no longer match the graph
            from .incremental import cleanup

            (out / "store").unlink()
            cleanup(out, None)
        if incremental:
            cache.prune(keys.values())
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

    return BuildSummary(
        documents=len(infos),
        skipped=tuple(tracker.skipped),
        entities=len({m.concept for m in mentions} | {c for r in relations for c in (r.subject, r.object)}),
        mentions=len(mentions),
        relations=len(relations),
        evidence=sum(len(r.evidence) for r in relations),
        relations_by_type=count_by_type(relations, ontology.label),
        modalities=count_by_modality(relations),
        out_dir=out,
        outputs=tuple((kind, Path(path)) for kind, path in outputs.items()),
        seconds=round(time.perf_counter() - started, 3),
        ontology_files=tuple(ontology.files),
        warnings=tuple(str(w) for w in ontology.warnings),
        store=store_dir,
        extracted=extracted,
        reused=len(infos) - extracted,
        store_changes=tuple(changes.items()),
    )


def _sorted_ntriples(graph) -> str:
    from . import graph as graph_module

    try:
        return graph_module.to_sorted_ntriples(graph)
    except Exception as exc:  # rdflib's serialisers raise many types
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else (str(exc) or type(exc).__name__)
        raise OutputError(f"cannot serialise the graph: {reason}") from exc


def _stage_store(out, staging, ntriples, relations, infos, keys, print_):
    """Prepare the next store generation in ``staging`` from the previous one, if any."""
    from .graph import local_name
    from .incremental import ManifestEntry, StoreGeneration, current_generation, partition_ntriples
    from .namespaces import DOCUMENT, EVIDENCE

    evidence_docs = {str(EVIDENCE[ev.key]): str(DOCUMENT[ev.doc_id]) for r in relations for ev in r.evidence}
    default_lines, per_doc = partition_ntriples(ntriples, evidence_docs)
    sources = {str(DOCUMENT[i.doc_id]): i.source for i in infos}

    def entry(graph: str, digest: str) -> ManifestEntry:
        doc_id = local_name(graph)
        return ManifestEntry(sources.get(graph, ""), doc_id, graph, digest, keys.get(doc_id, ""))

    generation = StoreGeneration(staging)
    try:
        manifest, changes = generation.write(current_generation(out), default_lines, per_doc, entry, print_)
    except OSError as exc:
        raise OutputError(f"cannot write the Oxigraph store: {exc.strerror or exc}") from None
    return generation, manifest, changes


class _Tracker:
    """Separates skipped files from documents and reports progress over both."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.progress = progress
        self.done = 0
        self.skipped: list[Skipped] = []
        if progress is not None:
            progress(0, total)

    def documents(self, records: Iterable[Document | Skipped]) -> Iterator[Document]:
        for record in records:
            if isinstance(record, Skipped):
                self.skipped.append(record)
                self.advance()
            else:
                yield record

    def advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def count_by_type(relations: Iterable[Relation], label: Callable[[str], str]) -> tuple[tuple[str, int], ...]:
    """Statements per relation type label, most frequent first, ties by label."""
    counts = Counter(label(r.predicate) for r in relations)
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def count_by_modality(relations: Iterable[Relation]) -> tuple[tuple[str, int], ...]:
    """Statements per (strongest) modality, in the order asserted, hedged, negated."""
    counts = Counter(r.modality for r in relations)
    return tuple((m.value, counts.get(m, 0)) for m in Modality)


def default_title(documents: Sequence[Document | DocumentInfo]) -> str:
    """The viewer's title: the document's own for one document, else a count."""
    if len(documents) == 1:
        return documents[0].title or documents[0].source
    return f"Knowledge graph of {len(documents)} documents"


def no_documents_message(paths: Sequence[Path | str], skipped: Sequence[Skipped]) -> str:
    given = ", ".join(str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths))
    reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:10])
    more = f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return f"no readable documents in {given} (every file was skipped: {reasons}{more}); nothing was written"
