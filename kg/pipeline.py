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
        from .relations import Tok

        tokens = [Tok(t.text, t.lower_, t.idx) for t in doc]
        sentences = []
        for s in doc.sents:
            start, end = s.start, s.end
            while end > start and not tokens[end - 1].text.strip():
                end -= 1
            while start < end and not tokens[start].text.strip():
                start += 1
            if end > start:
                sentences.append((start, end))
        sent_of = {}
        for si, (s0, s1) in enumerate(sentences):
            for k in range(s0, s1):
                sent_of[k] = si
        raw = [tuple(m) for m in (doc._.kg_mentions or [])]
        mentions = tuple(
            Mention(
                doc_id=document.doc_id,
                concept=c,
                text=doc[s:e].text,
                span=Span(doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)),
                sentence=sent_of.get(s, -1),
            )
            for s, e, c, flag in raw
        )
        relations = self.reader.read(
            document.doc_id,
            document.source,
            document.text,
            tokens,
            sentences,
            raw,
            [tuple(t) for t in (doc._.kg_triggers or [])],
        )
        return DocumentResult(document, mentions, tuple(relations))


def extract(
    documents: Iterable[Document],
    ontology: Ontology,
    *,
    model: str | None = None,
    jobs: int = 1,
) -> Iterator[DocumentResult]:
    """Yield one result per document, in input order."""
    yield from Extractor(ontology, model=model).run(documents, jobs=jobs)
