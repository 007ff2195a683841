"""Merge relations from all documents: one claim per (subject, predicate, object).

Duplicates are not dropped: their evidence is pooled, so the graph can show
every sentence that supports a claim.
"""

from __future__ import annotations

from collections.abc import Iterable

from .records import Evidence, Relation


def assemble(relations: Iterable[Relation]) -> tuple[Relation, ...]:
    """Group relations by claim, merge and de-duplicate their evidence, sort deterministically."""
    pooled: dict[tuple[str, str, str], dict[str, Evidence]] = {}
    for rel in relations:
        bucket = pooled.setdefault((rel.subject, rel.predicate, rel.object), {})
        for ev in rel.evidence:
            bucket.setdefault(ev.key, ev)
    merged = [
        Relation(s, p, o, tuple(sorted(evs.values(), key=_evidence_order)))
        for (s, p, o), evs in pooled.items()
    ]
    return tuple(sorted(merged, key=lambda r: (r.subject, r.predicate, r.object)))


def _evidence_order(ev: Evidence) -> tuple:
    return (ev.source, ev.doc_id, ev.sentence_index, ev.subject_span.start, ev.object_span.start, ev.rule)
