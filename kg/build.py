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
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CorpusError, OntologyError, OutputError
from .records import Document, Modality, Skipped

if TYPE_CHECKING:
    from .graph import DocumentInfo

#: Where extraction runs: this machine, or a Dask cluster.
EXECUTORS = ("local", "dask")

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
    stages: tuple[tuple[str, float], ...] = ()  # (stage, seconds) in the order they ran

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
    executor: str = "local",
    scheduler: str | None = None,
) -> BuildSummary:
    """Build the knowledge graph of the texts under ``paths`` into ``out_dir``.

    The ontology is the built-in one plus ``ontology_paths`` plus the user
    modules found by :func:`kg.paths.user_ontology_paths`.  ``store`` also
    writes the Oxigraph store ``out_dir/store``; ``incremental`` reuses the
    cached results of documents that have not changed since the last build
    into ``out_dir`` (the graph is the same either way).  ``executor``:
    ``"local"`` extracts in this process (``jobs`` processes when above 1),
    ``"dask"`` on the Dask cluster at ``scheduler`` (:mod:`kg.distributed`).
    The graph is written document by document (:class:`kg.emit.GraphWriter`),
    so memory holds per-claim tallies, not the graph.  Raises
    :class:`CorpusError` when no document could be read (previous outputs are
    left untouched), :class:`OntologyError` for a bad ontology module.
    """
    import shutil

    from .corpus import corpus_files, read_corpus
    from .emit import GraphWriter
    from .graph import DocumentInfo, place_outputs
    from .incremental import CACHE_DIR, STATE_DIR, CachedResult, ResultCache, cache_key, checkpoint, fingerprint, staging_folder
    from .ontology import load_ontology
    from .paths import user_ontology_paths

    started = time.perf_counter()
    clock = _Clock()
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
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
        writer = GraphWriter(ontology, staging / "graph")
        infos: list[DocumentInfo] = []
        keys: dict[str, str] = {}  # doc IRI -> cache key
        first_source: dict[str, str] = {}  # doc id -> the file it was first read from

        def keep(info: DocumentInfo, doc_mentions, doc_relations, key: str) -> None:
            if info.doc_id in first_source:  # the same text under another name: one document node
                tracker.skipped.append(Skipped(info.source, f"same text as {first_source[info.doc_id]}, read once"))
            else:
                first_source[info.doc_id] = info.source
                writer.add(info, doc_mentions, doc_relations)
                infos.append(info)
                keys[info.doc_id] = key
            tracker.advance()

        def to_extract(records: Iterable[Document]) -> Iterator[Document]:
            for document in records:
                key = cache_key(document.doc_id, document.source, print_)
                cached = cache.get(key)
                if cached is None:
                    yield document
                else:
                    keep(cached.info, cached.mentions, cached.relations, key)

        extracted = 0
        pending = to_extract(tracker.documents(read_corpus(paths)))
        first = next(pending, None)  # the pipeline is set up only when a document needs it
        documents = itertools.chain([first], pending)
        stream = _extract(documents, ontology, model, jobs, executor, scheduler) if first is not None else ()
        for result in stream:
            info = DocumentInfo.of(result.document)
            key = cache_key(info.doc_id, info.source, print_)
            cache.put(key, CachedResult(info, result.mentions, result.relations))
            keep(info, result.mentions, result.relations, key)
            extracted += 1
        checkpoint("extracted")
        clock.lap("read and extract")

        if not infos:
            raise CorpusError(no_documents_message(paths, tracker.skipped))

        written = writer.finish()
        clock.lap("sort")
        generation = None
        changes: dict[str, int] = {}
        if store:
            # The store is loaded and compacted (in Oxigraph, which releases
            # the GIL) while graph.ttl is written from the sorted lines.
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store") as pool:
                staged = pool.submit(_stage_store, out, staging, written, infos, keys, print_)
                files = _write_turtle(staging, written)
                generation, changes = staged.result()
        else:
            files = _write_turtle(staging, written)
        checkpoint("store-staged")
        clock.lap("store and turtle")
        files["html"] = _write_view(staging, Path(files["nt"]), generation, title or default_title(infos))
        clock.lap("view")
        outputs = place_outputs(files, out)
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

    by_type = Counter({ontology.label(p): n for p, n in writer.counts_by_predicate().items()})
    modalities = writer.counts_by_modality()
    return BuildSummary(
        documents=len(infos),
        skipped=tuple(tracker.skipped),
        entities=writer.entities,
        mentions=writer.mentions,
        relations=writer.statements,
        evidence=writer.evidence,
        relations_by_type=tuple(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        modalities=tuple((m.value, modalities.get(m, 0)) for m in Modality),
        out_dir=out,
        outputs=tuple((kind, Path(path)) for kind, path in outputs.items()),
        seconds=round(time.perf_counter() - started, 3),
        ontology_files=tuple(ontology.files),
        warnings=tuple(str(w) for w in ontology.warnings),
        store=store_dir,
        extracted=extracted,
        reused=len(infos) - extracted,
        store_changes=tuple(changes.items()),
        stages=tuple(clock.laps),
    )


def _extract(documents, ontology, model, jobs, executor, scheduler):
    if executor == "dask":
        from .distributed import extract_dask

        return extract_dask(documents, ontology, model=model, scheduler=scheduler)
    from .pipeline import extract

    return extract(documents, ontology, model=model, jobs=jobs)


def _stage_store(out, staging, written, infos, keys, print_):
    """Prepare the next store generation in the staging folder, from the previous one if any."""
    from .graph import local_name
    from .incremental import ManifestEntry, StoreGeneration, current_generation
    from .namespaces import DOCUMENT

    sources = {str(DOCUMENT[i.doc_id]): i.source for i in infos}

    def entry(graph: str, digest: str) -> ManifestEntry:
        doc_id = local_name(graph)
        return ManifestEntry(sources.get(graph, ""), doc_id, graph, digest, keys.get(doc_id, ""))

    generation = StoreGeneration(staging)
    try:
        _, changes = generation.write(current_generation(out), written, entry, print_)
    except OSError as exc:
        raise OutputError(f"cannot write the Oxigraph store: {exc.strerror or exc}") from None
    return generation, changes


class _Clock:
    """Seconds spent in each stage of a build, for the summary and the benchmark."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps.append((stage, round(now - self._last, 3)))
        self._last = now


def _write_turtle(staging: Path, written) -> dict[str, Path]:
    """graph.nt (already sorted by the writer) and graph.ttl, in the staging folder."""
    from .graph import ntriples_to_turtle

    ntriples = staging / "graph.nt"
    os.replace(written.ntriples, ntriples)
    turtle = staging / "graph.ttl"
    ntriples_to_turtle(ntriples, turtle)
    return {"ttl": turtle, "nt": ntriples}


def _write_view(staging: Path, ntriples: Path, generation, title: str) -> Path:
    """graph.html in the staging folder, drawn from the staged store (or an in-memory one)."""
    from .view import render_html, store_view_graph, view_data

    if generation is not None:
        from .store import OxigraphStore

        store = OxigraphStore(generation.store_dir, read_only=True)
        try:
            data = view_data(store_view_graph(store))
        finally:
            store.close()
    else:  # no store asked for: an in-memory one for the view
        import pyoxigraph as ox

        memory = ox.Store()
        memory.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        data = view_data(store_view_graph(memory))
    page = staging / "graph.html"
    try:
        page.write_text(render_html(data, title), encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OutputError(f"{page}: cannot write: {exc.strerror or exc}") from None
    return page


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
