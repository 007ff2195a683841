"""Run the extraction pipeline over documents: the stage between corpus and assembly.

(Interface fixed here; the implementation lands with the NLP components.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .ontology import Ontology
from .records import Document, Mention, Relation


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """What extraction found in one document."""

    document: Document
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]


def extract(
    documents: Iterable[Document],
    ontology: Ontology,
    *,
    model: str | None = None,
    jobs: int = 1,
) -> Iterator[DocumentResult]:
    """Yield one result per document, in input order."""
    raise NotImplementedError("extraction lands in the next commit")
