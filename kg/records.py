"""Typed, immutable records passed between pipeline stages.

Every stage takes and returns these; none of them is a tuple whose meaning
depends on its length.  All are frozen so a record can be hashed, shared
between threads and compared in tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum


class Modality(str, Enum):
    """How firmly a sentence states a relation."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    NEGATED = "negated"


@dataclass(frozen=True, slots=True)
class Document:
    """One source text.

    ``doc_id`` is derived from the text itself (see :func:`content_id`), so the
    same text gives the same document node wherever it is read from.
    ``source`` is the name the user gave (a path relative to the corpus root).
    """

    doc_id: str
    source: str
    text: str
    title: str | None = None
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A corpus file that was reported and not processed."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Concept:
    """A class of the ontology that text can mention."""

    iri: str
    label: str
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()  # standard identifiers as IRIs
    definition: str | None = None
    category: str | None = None  # IRI of the top-level category class
    source: str | None = None  # "file:line" where the class was declared


@dataclass(frozen=True, slots=True)
class RelationType:
    """An ``owl:ObjectProperty`` of the ontology and the words that express it."""

    iri: str
    label: str
    domain: tuple[str, ...] = ()  # class IRIs (union); empty means any
    range: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()  # verb phrases in base form, subject first
    inverse_triggers: tuple[str, ...] = ()  # verb phrases, object first
    phrase_triggers: tuple[str, ...] = ()  # literal phrases, subject first
    inverse_phrase_triggers: tuple[str, ...] = ()  # literal phrases, object first
    topic_triggers: tuple[str, ...] = ()  # nouns whose subject is the document topic
    inverse_of: str | None = None
    polarity: int = 0  # +1 promotes, -1 suppresses, 0 neither
    symmetric: bool = False
    alignments: tuple[str, ...] = ()  # RO / Biolink IRIs
    definition: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets into a document's text, end exclusive."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Mention:
    """A concept found in a document."""

    doc_id: str
    concept: str  # concept IRI
    text: str
    span: Span
    sentence: int  # index of the sentence in the document


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the graph holds a relation: where it was read and how."""

    doc_id: str
    source: str
    sentence: str
    sentence_index: int
    sentence_span: Span
    subject_text: str
    subject_span: Span
    object_text: str
    object_span: Span
    trigger_text: str
    trigger_span: Span | None
    rule: str
    modality: Modality = Modality.ASSERTED
    confidence: float = 1.0

    @property
    def key(self) -> str:
        """Content hash: the same reading of the same text gives the same key."""
        parts = (
            self.doc_id,
            str(self.sentence_index),
            f"{self.subject_span.start}-{self.subject_span.end}",
            f"{self.object_span.start}-{self.object_span.end}",
            self.rule,
            self.modality.value,
        )
        return stable_hash(*parts)


@dataclass(frozen=True, slots=True)
class Relation:
    """A claim ``subject predicate object`` with every evidence that supports it."""

    subject: str  # concept IRI
    predicate: str  # relation type IRI
    object: str  # concept IRI
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def key(self) -> str:
        """Identity of the claim itself, independent of its evidence."""
        return stable_hash(self.subject, self.predicate, self.object)

    @property
    def asserted(self) -> bool:
        """True when at least one evidence does not negate the claim."""
        return any(e.modality is not Modality.NEGATED for e in self.evidence)

    @property
    def modality(self) -> Modality:
        """The strongest modality among the evidence (asserted > hedged > negated)."""
        found = {e.modality for e in self.evidence}
        for m in (Modality.ASSERTED, Modality.HEDGED, Modality.NEGATED):
            if m in found:
                return m
        return Modality.ASSERTED

    @property
    def confidence(self) -> float:
        """Noisy-or of the evidence confidences of non-negated evidence."""
        miss = 1.0
        for e in self.evidence:
            if e.modality is not Modality.NEGATED:
                miss *= 1.0 - e.confidence
        return round(1.0 - miss, 4)


def stable_hash(*parts: str, length: int = 16) -> str:
    """A short hex digest of the parts; the basis of every generated IRI."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:length]


def content_id(text: str) -> str:
    """Identifier of a document: a digest of its text."""
    return stable_hash(text, length=20)
