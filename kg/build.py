"""One build, end to end: corpus -> extraction -> assembly -> graph -> outputs.

:func:`build` is what ``kg build`` runs; it is importable so tests and other
programs can build a graph without the command line.  Everything is computed
in memory first and the outputs are written last (atomically, by
:func:`kg.graph.write_outputs`), so a build that fails leaves the outputs of
the previous build as they were.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, OntologyError
from .records import Document, Mention, Modality, Relation, Skipped

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
) -> BuildSummary:
    """Build the knowledge graph of the texts under ``paths`` into ``out_dir``.

    The ontology is the built-in one plus ``ontology_paths`` plus the user
    modules found by :func:`kg.paths.user_ontology_paths`.  Raises
    :class:`CorpusError` when no document could be read (previous outputs are
    left untouched), :class:`OntologyError` for a bad ontology module.
    """
    from .assembly import assemble
    from .corpus import corpus_files, read_corpus
    from .graph import build_graph, write_outputs
    from .ontology import load_ontology
    from .paths import user_ontology_paths
    from .pipeline import extract
    from .view import render_html, view_data

    started = time.perf_counter()
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    total = len(corpus_files(paths))  # checks the paths before the slow parts start
    try:
        ontology = load_ontology(extra=[*ontology_paths, *user_ontology_paths()])
    except FileNotFoundError as exc:  # the built-in ontology is missing: a broken install
        raise OntologyError(str(exc)) from None

    tracker = _Tracker(total, progress)
    documents: list[Document] = []
    mentions: list[Mention] = []
    found: list[Relation] = []
    for result in extract(tracker.documents(read_corpus(paths)), ontology, model=model, jobs=jobs):
        documents.append(result.document)
        mentions.extend(result.mentions)
        found.extend(result.relations)
        tracker.advance()

    if not documents:
        raise CorpusError(no_documents_message(paths, tracker.skipped))

    relations = assemble(found)
    graph = build_graph(ontology, documents, relations, mentions)
    html = render_html(view_data(graph), title or default_title(documents))
    outputs = write_outputs(graph, Path(out_dir), html)

    return BuildSummary(
        documents=len(documents),
        skipped=tuple(tracker.skipped),
        entities=len({m.concept for m in mentions} | {c for r in relations for c in (r.subject, r.object)}),
        mentions=len(mentions),
        relations=len(relations),
        evidence=sum(len(r.evidence) for r in relations),
        relations_by_type=count_by_type(relations, ontology.label),
        modalities=count_by_modality(relations),
        out_dir=Path(out_dir),
        outputs=tuple((kind, Path(path)) for kind, path in outputs.items()),
        seconds=round(time.perf_counter() - started, 3),
        ontology_files=tuple(ontology.files),
        warnings=tuple(str(w) for w in ontology.warnings),
    )


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


def default_title(documents: Sequence[Document]) -> str:
    """The viewer's title: the document's own for one document, else a count."""
    if len(documents) == 1:
        return documents[0].title or documents[0].source
    return f"Knowledge graph of {len(documents)} documents"


def no_documents_message(paths: Sequence[Path | str], skipped: Sequence[Skipped]) -> str:
    given = ", ".join(str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths))
    reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:10])
    more = f"; and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return f"no readable documents in {given} (every file was skipped: {reasons}{more}); nothing was written"
