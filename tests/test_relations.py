"""Relation reading (kg.relations) on short texts with a small ontology, table-driven.

Each case is a text and the complete set of relations expected from it, as
(subject label, relation label, object label, modality).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.ontology import load_ontology_from_text
from kg.pipeline import Extractor
from kg.records import Document, content_id

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_ontology_from_text((FIXTURES / "mini-ontology.ttl").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extractor(mini):
    return Extractor(mini)


def read(extractor, text):
    doc = Document(content_id(text), "t.txt", text)
    result = next(extractor.run([doc]))
    ont = extractor.ontology
    return {
        (ont.label(r.subject), ont.label(r.predicate), ont.label(r.object), r.evidence[0].modality.value)
        for r in result.relations
    }


CASES = [
    pytest.param(
        "Mesenchymal stem cells secrete growth factors, cytokines, and aggrecan.",
        {
            ("mesenchymal stem cell", "secretes", "growth factor", "asserted"),
            ("mesenchymal stem cell", "secretes", "cytokine", "asserted"),
            ("mesenchymal stem cell", "secretes", "aggrecan", "asserted"),
        },
        id="coordination",
    ),
    pytest.param(
        "Growth factors are secreted by MSCs.",
        {("mesenchymal stem cell", "secretes", "growth factor", "asserted")},
        id="passive-with-agent",
    ),
    pytest.param("Growth factors are secreted.", set(), id="passive-without-agent"),
    pytest.param(
        "Mesenchymal Stem Cells (MSCs) are studied. They secrete growth factors.",
        {("mesenchymal stem cell", "secretes", "growth factor", "asserted")},
        id="pronoun-previous-sentence",
    ),
    pytest.param(
        "MSCs can differentiate into nucleus pulposus-like cells. These new cells produce aggrecan.",
        {
            ("mesenchymal stem cell", "differentiates into", "nucleus pulposus cell", "hedged"),
            ("nucleus pulposus cell", "produces", "aggrecan", "asserted"),
        },
        id="demonstrative-noun-phrase",
    ),
    pytest.param(
        "MSCs harvested from the patient's bone marrow were injected.",
        {("mesenchymal stem cell", "derived from", "bone marrow", "asserted")},
        id="reduced-relative-participle",
    ),
    pytest.param(
        "Degenerative disc disease affects millions, causing low back pain.",
        {("degenerative disc disease", "causes", "low back pain", "asserted")},
        id="participle-clause-inherits-subject",
    ),
    pytest.param(
        "Degenerative disc disease begins early, often triggered by age or injury.",
        {
            ("age", "causes", "degenerative disc disease", "hedged"),
            ("injury", "causes", "degenerative disc disease", "hedged"),
        },
        id="passive-participle-clause",
    ),
    pytest.param(
        "Mesenchymal stem cells are used. By reducing pro-inflammatory substances like IL-1β and TNF-α, "
        "the stem cells interrupt the destructive cycle of matrix degradation.",
        {
            ("mesenchymal stem cell", "inhibits", "interleukin-1 beta", "asserted"),
            ("mesenchymal stem cell", "inhibits", "tumor necrosis factor alpha", "asserted"),
            ("mesenchymal stem cell", "inhibits", "matrix degradation", "asserted"),
            ("interleukin-1 beta", "is a", "pro-inflammatory cytokine", "asserted"),
            ("tumor necrosis factor alpha", "is a", "pro-inflammatory cytokine", "asserted"),
            ("interleukin-1 beta", "drives", "matrix degradation", "asserted"),
            ("tumor necrosis factor alpha", "drives", "matrix degradation", "asserted"),
        },
        id="means-effect-hyponymy-definite-anaphora",
    ),
    pytest.param(
        "MSCs are unlikely to trigger a strong immune response.",
        {("mesenchymal stem cell", "drives", "immune response", "negated")},
        id="negation",
    ),
    pytest.param(
        "A herniated disc may press upon surrounding spinal nerves.",
        {("disc herniation", "compresses", "spinal nerve", "hedged")},
        id="hedge-and-adjectival-participle",
    ),
    pytest.param(
        "The disc bulges into a herniated disc, which may press upon spinal nerves.",
        {("disc herniation", "compresses", "spinal nerve", "hedged")},
        id="relative-pronoun",
    ),
    pytest.param(
        "Stem cell therapy for DDD uses mesenchymal stem cells.",
        {
            ("stem cell therapy", "treats", "degenerative disc disease", "asserted"),
            ("stem cell therapy", "uses", "mesenchymal stem cell", "asserted"),
        },
        id="prepositional-phrase-trigger",
    ),
    pytest.param(
        "Stem cell therapy is studied. Researchers watch for potential adverse events, such as the risk of infection.",
        {("stem cell therapy", "has adverse effect", "infection", "hedged")},
        id="topic-subject",
    ),
    pytest.param(
        "Patients may choose surgical procedures like spinal fusion.",
        {("spinal fusion", "is a", "surgical procedure", "asserted")},
        id="hyponym-like",
    ),
    pytest.param(
        "Stem cell therapy could become an alternative to spinal fusion.",
        {("stem cell therapy", "alternative to", "spinal fusion", "hedged")},
        id="phrase-through-copula",
    ),
    pytest.param(
        "When injected into a damaged disc, stem cell therapy relieves low back pain.",
        {
            ("stem cell therapy", "delivered into", "intervertebral disc", "asserted"),
            ("stem cell therapy", "treats", "low back pain", "asserted"),
        },
        id="fronted-participle",
    ),
    pytest.param(
        "MSCs do not secrete aggrecan.",
        {("mesenchymal stem cell", "secretes", "aggrecan", "negated")},
        id="do-not",
    ),
    pytest.param(
        "This compression causes low back pain, sciatica, or other problems.",
        {
            ("nerve compression", "causes", "low back pain", "asserted"),
            ("nerve compression", "causes", "sciatica", "asserted"),
        },
        id="list-with-other",
    ),
    pytest.param(
        "Growth factors released by MSCs stimulate chondrocytes and inhibit inflammation.",
        {
            ("mesenchymal stem cell", "secretes", "growth factor", "asserted"),
            ("growth factor", "drives", "chondrocyte", "asserted"),
            ("growth factor", "inhibits", "inflammation", "asserted"),
        },
        id="reduced-relative-agent-and-coordinated-verbs",
    ),
    pytest.param(
        "Spinal fusion is a surgical procedure.",
        {("spinal fusion", "is a", "surgical procedure", "asserted")},
        id="copula-is-a",
    ),
    pytest.param(
        "Age and injury are risk factors for degenerative disc disease.",
        {
            ("age", "causes", "degenerative disc disease", "hedged"),
            ("injury", "causes", "degenerative disc disease", "hedged"),
        },
        id="risk-factor",
    ),
    pytest.param(
        "Growth factors and cytokines, which stimulate inflammation, are studied.",
        {
            ("growth factor", "drives", "inflammation", "asserted"),
            ("cytokine", "drives", "inflammation", "asserted"),
        },
        id="relative-after-and-group",
    ),
    pytest.param(
        "Cytokines such as IL-1β and TNF-α rise. These cytokines drive matrix degradation.",
        {
            ("interleukin-1 beta", "is a", "cytokine", "asserted"),
            ("tumor necrosis factor alpha", "is a", "cytokine", "asserted"),
            ("interleukin-1 beta", "drives", "matrix degradation", "asserted"),
            ("tumor necrosis factor alpha", "drives", "matrix degradation", "asserted"),
        },
        id="plural-anaphor-over-a-list",
    ),
    pytest.param(
        "Nucleus pulposus cells (NPCs) were studied. NPCs produce aggrecan.",
        {("nucleus pulposus cell", "produces", "aggrecan", "asserted")},
        id="abbreviation-defined-in-text",
    ),
    pytest.param(
        "Growth factors are produced by activated MSCs and drive inflammation.",
        {
            ("mesenchymal stem cell", "produces", "growth factor", "asserted"),
            ("growth factor", "drives", "inflammation", "asserted"),
        },
        id="passive-then-coordinated-verb-and-adjectival-participle",
    ),
    pytest.param(
        "It is unclear whether MSCs trigger an immune response.",
        {("mesenchymal stem cell", "drives", "immune response", "hedged")},
        id="hedge-before-the-subject",
    ),
    pytest.param(
        "Sciatica results from nerve compression.",
        {("nerve compression", "causes", "sciatica", "asserted")},
        id="inverse-verb-trigger",
    ),
    pytest.param(
        "Stem cell therapy often uses MSCs harvested from bone marrow.",
        {
            ("stem cell therapy", "uses", "mesenchymal stem cell", "hedged"),
            ("mesenchymal stem cell", "derived from", "bone marrow", "asserted"),
        },
        id="hedge-scope-stops-at-another-verb",
    ),
    pytest.param("Spinal nerves secrete the disc.", set(), id="domain-and-range-respected"),
    pytest.param("The cells secrete molecules.", set(), id="generic-words-are-not-arguments"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_relations(extractor, text, expected):
    assert read(extractor, text) == expected


def test_evidence_offsets_point_into_the_text(extractor):
    text = "Intro line\n\nMSCs secrete growth factors."
    doc = Document(content_id(text), "t.txt", text)
    (rel,) = next(extractor.run([doc])).relations
    ev = rel.evidence[0]
    assert text[ev.sentence_span.start : ev.sentence_span.end] == ev.sentence == "MSCs secrete growth factors."
    assert text[ev.subject_span.start : ev.subject_span.end] == "MSCs"
    assert text[ev.object_span.start : ev.object_span.end] == "growth factors"
    assert text[ev.trigger_span.start : ev.trigger_span.end] == "secrete"
    assert ev.sentence_index == 1
    assert ev.rule == "verb:active"
    assert 0 < ev.confidence <= 1


def test_same_text_same_relations(extractor):
    text = "MSCs secrete growth factors. They reduce IL-1β."
    doc = Document(content_id(text), "t.txt", text)
    a = next(extractor.run([doc])).relations
    b = next(extractor.run([doc])).relations
    assert a == b
