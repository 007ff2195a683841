"""Run the extraction pipeline over documents: the stage between corpus and assembly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .ontology import Ontology
from .records import Document, Mention, Relation, Span


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
        self.nlp = build_nlp(ontology, model)
        matcher = self.nlp.get_pipe("kg_concepts")
        self.reader = RelationReader(ontology, matcher.triggers)

    def run(self, documents: Iterable[Document], *, jobs: int = 1, batch_size: int = 32) -> Iterator[DocumentResult]:
        """Yield one result per document, in input order."""
        stream = ((d.text, d) for d in documents)
        kwargs = {"as_tuples": True, "batch_size": batch_size}
        if jobs > 1:
            kwargs["n_process"] = jobs
        for doc, document in self.nlp.pipe(stream, **kwargs):
            yield self.read(doc, document)

    def read(self, doc, document: Document) -> DocumentResult:
        from bisect import bisect_right

        from spacy.attrs import IDX, LENGTH, SENT_START

        from .relations import TokenTable

        arr = doc.to_array([IDX, LENGTH, SENT_START])
        starts = arr[:, 0].tolist()
        lengths = arr[:, 1].tolist()
        tokens = TokenTable(doc.text, starts, lengths)
        # sentence boundaries read from the array (iterating doc.sents visits every token)
        bounds = [i for i in (arr[:, 2] == 1).nonzero()[0].tolist()] if len(doc) else []
        if len(doc) and (not bounds or bounds[0] != 0):
            bounds.insert(0, 0)
        sentences = []
        for start, end in zip(bounds, [*bounds[1:], len(doc)]):
            while end > start and not tokens[end - 1].text.strip():
                end -= 1
            while start < end and not tokens[start].text.strip():
                start += 1
            if end > start:
                sentences.append((start, end))
        first_tokens = [s0 for s0, _ in sentences]
        text = doc.text
        raw = [tuple(m) for m in (doc._.kg_mentions or [])]
        mentions = []
        roots = self.reader.roots  # "cells", "therapy": generic words, not entities of the graph
        for s, e, c, _flag in raw:
            if c in roots:
                continue
            span = Span(starts[s], starts[e - 1] + lengths[e - 1])
            si = bisect_right(first_tokens, s) - 1
            inside = si >= 0 and s < sentences[si][1]
            mentions.append(Mention(document.doc_id, c, text[span.start : span.end], span, si if inside else -1))
        relations = self.reader.read(
            document.doc_id,
            document.source,
            document.text,
            tokens,
            sentences,
            raw,
            [tuple(t) for t in (doc._.kg_triggers or [])],
        )
        return DocumentResult(document, tuple(mentions), tuple(relations))


def extract(
    documents: Iterable[Document],
    ontology: Ontology,
    *,
    model: str | None = None,
    jobs: int = 1,
) -> Iterator[DocumentResult]:
    """Yield one result per document, in input order."""
    yield from Extractor(ontology, model=model).run(documents, jobs=jobs)
