"""Run the extraction pipeline over documents: the stage between corpus and assembly.

One document goes through spaCy (tokens, sentences, concept and trigger
matches: :mod:`kg.nlp`), then through the relation reader
(:mod:`kg.relations`).  Both produce plain data first (:meth:`Extractor.rows`);
records (:class:`~kg.records.Mention`, :class:`~kg.records.Relation`) are
made from it last (:meth:`Extractor.result`).

With ``jobs > 1`` whole documents are read in worker processes, each holding
its own copy of the pipeline, and only the plain data comes back: relation
reading costs more than spaCy's part, so parallelising spaCy alone
(``nlp.pipe(n_process=...)``) would leave most of the work in the main
process, and a Doc sent back from spaCy's workers costs about as much to
decode as to read.  Documents are sent in batches, a few batches at a time, so
a corpus is streamed, never held, and results come back in input order.
"""

from __future__ import annotations

import gc
import multiprocessing
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from .ontology import Ontology
from .records import Document, Mention, Relation, Span

#: One mention as plain data: concept IRI, start and end (characters of the
#: document text), sentence index (-1 when outside every sentence).
MentionRow = tuple[str, int, int, int]

#: Batches in flight per worker process: enough to keep workers busy, few
#: enough that memory stays bounded whatever the corpus size.
BATCHES_PER_JOB = 2


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """What extraction found in one document."""

    document: Document
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]


class Extractor:
    """The spaCy pipeline and the relation reader for one ontology, built once."""

    def __init__(self, ontology: Ontology, *, model: str | None = None) -> None:
        from .nlp import build_nlp  # spaCy is imported only when extraction is needed
        from .relations import RelationReader

        self.ontology = ontology
        self.model = model
        self.nlp = build_nlp(ontology, model)
        matcher = self.nlp.get_pipe("kg_concepts")
        self.reader = RelationReader(ontology, matcher.triggers)

    def run(self, documents: Iterable[Document], *, jobs: int = 1, batch_size: int = 32) -> Iterator[DocumentResult]:
        """Yield one result per document, in input order; ``jobs`` processes read them."""
        if jobs > 1:
            yield from self._run_parallel(documents, jobs, batch_size)
            return
        stream = ((d.text, d) for d in documents)
        for doc, document in self.nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
            yield self.read(doc, document)

    def read(self, doc, document: Document) -> DocumentResult:
        """The result for one document, from the Doc the spaCy pipeline made of its text."""
        with _collection_deferred():
            mentions, relations = self._rows(doc, document.text)
            return self._result(document, mentions, relations)

    def rows(self, doc, text: str) -> tuple[list[MentionRow], list]:
        """Mentions and relations (:data:`kg.relations.RelationRow`) of a Doc, as plain data.

        ``text`` is the text the Doc was made from (``doc.text``, which spaCy
        would rebuild token by token).
        """
        with _collection_deferred():
            return self._rows(doc, text)

    def _rows(self, doc, text: str) -> tuple[list[MentionRow], list]:
        from spacy.attrs import IDX, LENGTH, SENT_START

        from .relations import TokenTable

        n = len(doc)
        arr = doc.to_array([IDX, LENGTH, SENT_START])
        starts = arr[:, 0].tolist()
        lengths = arr[:, 1].tolist()
        tokens = TokenTable(text, starts, lengths)
        words = tokens.texts
        # sentence boundaries read from the array (iterating doc.sents visits every token)
        bounds = (arr[:, 2] == 1).nonzero()[0].tolist() if n else []
        if n and (not bounds or bounds[0] != 0):
            bounds.insert(0, 0)
        sentences = []
        for start, end in zip(bounds, [*bounds[1:], n]):
            while end > start and not words[end - 1].strip():
                end -= 1
            while start < end and not words[start].strip():
                start += 1
            if end > start:
                sentences.append((start, end))
        first_tokens = [s0 for s0, _ in sentences]
        raw = doc._.kg_mentions or []  # [start, end, concept, flag] lists
        mentions: list[MentionRow] = []
        roots = self.reader.roots  # "cells", "therapy": generic words, not entities of the graph
        for s, e, c, _flag in raw:
            if c in roots:
                continue
            si = bisect_right(first_tokens, s) - 1
            inside = si >= 0 and s < sentences[si][1]
            mentions.append((c, starts[s], starts[e - 1] + lengths[e - 1], si if inside else -1))
        relations = self.reader.read_rows(text, tokens, sentences, raw, doc._.kg_triggers or [])
        return mentions, relations

    def result(self, document: Document, mentions: Iterable[MentionRow], relations: Iterable) -> DocumentResult:
        """The records for one document's rows (from :meth:`rows`)."""
        with _collection_deferred():
            return self._result(document, mentions, relations)

    def _result(self, document: Document, mentions: Iterable[MentionRow], relations: Iterable) -> DocumentResult:
        from .relations import relations_from_rows

        doc_id, text = document.doc_id, document.text
        found = tuple(Mention(doc_id, c, text[s:e], Span(s, e), si) for c, s, e, si in mentions)
        return DocumentResult(document, found, tuple(relations_from_rows(doc_id, document.source, text, relations)))

    # -- several processes ------------------------------------------------
    def _run_parallel(self, documents: Iterable[Document], jobs: int, batch_size: int) -> Iterator[DocumentResult]:
        from concurrent.futures import ProcessPoolExecutor

        if "fork" in multiprocessing.get_all_start_methods():
            # workers start as copies of this process: the pipeline is not rebuilt, nothing is pickled
            context = multiprocessing.get_context("fork")
            start, args = _adopt_extractor, (self,)
        else:
            context = multiprocessing.get_context()
            start, args = _build_extractor, (self.ontology, self.model)
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=start, initargs=args)
        pending: deque = deque()
        stream = iter(documents)
        try:
            while True:
                batch = list(islice(stream, batch_size))
                if batch:
                    pending.append((batch, pool.submit(_read_texts, [d.text for d in batch])))
                if pending and (not batch or len(pending) >= BATCHES_PER_JOB * jobs):
                    done, future = pending.popleft()
                    for document, (mentions, relations) in zip(done, future.result()):
                        yield self.result(document, mentions, relations)
                elif not batch:
                    break
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _collection_deferred() -> Iterator[None]:
    """Hold Python's cyclic garbage collector back while one document is read.

    Reading makes many small objects; with a large heap (spaCy, the ontology,
    the caller's results) the collections they trigger cost a quarter of the
    reading time.  Collection is only deferred: it runs, as usual, at the next
    allocation after the document, so garbage does not outlive a document.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_worker: Extractor | None = None  # the extractor of a worker process


def _adopt_extractor(extractor: Extractor) -> None:
    global _worker
    _worker = extractor
    # what the worker inherited stays for its whole life: keep the collector from walking it
    # (which would also copy every page of it into the worker)
    gc.freeze()


def _build_extractor(ontology: Ontology, model: str | None) -> None:
    global _worker
    _worker = Extractor(ontology, model=model)


def _read_texts(texts: list[str]) -> list[tuple[list[MentionRow], list]]:
    """In a worker: the rows of each text."""
    assert _worker is not None
    nlp = _worker.nlp
    return [_worker.rows(doc, text) for doc, text in zip(nlp.pipe(texts, batch_size=len(texts)), texts)]


def extract(
    documents: Iterable[Document],
    ontology: Ontology,
    *,
    model: str | None = None,
    jobs: int = 1,
) -> Iterator[DocumentResult]:
    """Yield one result per document, in input order."""
    yield from Extractor(ontology, model=model).run(documents, jobs=jobs)
