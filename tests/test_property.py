"""Property-based tests: arbitrary text never breaks extraction, and offsets stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.ontology import load_ontology_from_text
from kg.pipeline import Extractor
from kg.records import Document, content_id

FIXTURES = Path(__file__).parent / "fixtures"
_EXTRACTOR: Extractor | None = None


def extractor() -> Extractor:
    global _EXTRACTOR
    if _EXTRACTOR is None:
        ont = load_ontology_from_text((FIXTURES / "mini-ontology.ttl").read_text(encoding="utf-8"))
        _EXTRACTOR = Extractor(ont)
    return _EXTRACTOR


WORDS = [
    "MSCs", "secrete", "growth", "factors", "IL-1β", "TNF-α", "and", "or", ",", ".", "(", ")", "they",
    "These", "cells", "may", "not", "by", "reducing", "like", "such", "as", "disc", "herniation",
    "compression", "causes", "sciatica", "which", "stem", "cell", "therapy", "for", "DDD", "\n", ";",
    "adverse", "events", "infection", "derived", "from", "bone", "marrow", "\u200b", "\t",
]

vocab_text = st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join)
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # lone surrogates cannot be UTF-8
    max_size=400,
)


def check(text: str) -> None:
    doc = Document(content_id(text), "p.txt", text)
    result = next(extractor().run([doc]))
    for m in result.mentions:
        assert text[m.span.start : m.span.end] == m.text
    for rel in result.relations:
        assert rel.evidence
        for ev in rel.evidence:
            assert text[ev.subject_span.start : ev.subject_span.end] == ev.subject_text
            assert text[ev.object_span.start : ev.object_span.end] == ev.object_text
            assert text[ev.sentence_span.start : ev.sentence_span.end] == ev.sentence


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_arbitrary_unicode_never_raises(text):
    check(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vocab_text)
def test_domain_word_salad_never_raises(text):
    check(text)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=2_000, max_value=20_000), st.sampled_from(WORDS))
def test_very_long_sentences(n, word):
    check(" ".join(["MSCs secrete growth factors", *([word] * n), "and IL-1β"]))


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\ufeff", "\u2028", "\r", "\x0c"])
def test_control_characters(ch):
    check(f"MSCs{ch} secrete{ch}growth factors.{ch}They reduce IL-1β{ch}")
