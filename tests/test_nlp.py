"""spaCy components (kg.nlp): sentences, concept mentions, local abbreviations, triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from kg.errors import PipelineError
from kg.nlp import build_nlp, sentence_starts
from kg.ontology import load_ontology_from_text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_ontology_from_text((FIXTURES / "mini-ontology.ttl").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nlp(mini):
    return build_nlp(mini)


def _sents(nlp, text):
    return [s.text.strip() for s in nlp(text).sents if s.text.strip()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One sentence. Another one.", ["One sentence.", "Another one."]),
        ("Approved by the U.S. Food and Drug Administration for trials. Next.",
         ["Approved by the U.S. Food and Drug Administration for trials.", "Next."]),
        ("See Fig. 2 for details. Then stop.", ["See Fig. 2 for details.", "Then stop."]),
        ("Smith et al. showed it. Good.", ["Smith et al. showed it.", "Good."]),
        ("A heading\n\nThe body text here.", ["A heading", "The body text here."]),
        ("Values of e.g. five or i.e. six are fine.", ["Values of e.g. five or i.e. six are fine."]),
        ("It rose to 5.5 mg. It fell.", ["It rose to 5.5 mg.", "It fell."]),
    ],
)
def test_sentence_splitting(nlp, text, expected):
    assert _sents(nlp, text) == expected


def test_sentence_starts_pure_function():
    assert sentence_starts(["A", ".", "B", "."]) == [True, False, True, False]
    assert sentence_starts([]) == []


def _mentions(nlp, text):
    doc = nlp(text)
    return [(doc[s:e].text, c.rsplit("/", 1)[-1], flag) for s, e, c, flag in doc._.kg_mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mesenchymal stem cells help.", ("Mesenchymal stem cells", "MesenchymalStemCell")),
        ("MSCs help.", ("MSCs", "MesenchymalStemCell")),
        ("IL-1beta rises.", ("IL-1beta", "Interleukin1Beta")),
        ("IL-1 beta rises.", ("IL-1 beta", "Interleukin1Beta")),
        ("interleukin-1β rises.", ("interleukin-1β", "Interleukin1Beta")),
        ("TNF-alpha rises.", ("TNF-alpha", "TumorNecrosisFactorAlpha")),
        ("Proinflammatory cytokines rise.", ("Proinflammatory cytokines", "ProInflammatoryCytokine")),
        ("nucleus pulposus-like cells form.", ("nucleus pulposus-like cells", "NucleusPulposusCell")),
        ("The disks dry out.", ("disks", "IntervertebralDisc")),
    ],
)
def test_concept_mentions(nlp, text, expected):
    assert (*expected, "") in _mentions(nlp, text)


def test_longest_match_wins(nlp):
    found = _mentions(nlp, "nucleus pulposus cells live in the nucleus pulposus.")
    assert ("nucleus pulposus cells", "NucleusPulposusCell", "") in found
    assert ("nucleus pulposus", "NucleusPulposus", "") in found
    assert len(found) == 2


def test_abbreviation_is_case_sensitive(nlp):
    assert _mentions(nlp, "The msc group.") == []


def test_abbreviation_defined_in_text(nlp):
    text = "Nucleus pulposus cells (NPCs) were cultured. Later, NPCs and NPC lines died."
    found = _mentions(nlp, text)
    assert ("NPCs", "NucleusPulposusCell", "definition") in found
    assert found.count(("NPCs", "NucleusPulposusCell", "local")) == 1
    assert ("NPC", "NucleusPulposusCell", "local") in found
    doc = nlp(text)
    assert ["NPCs", str(doc._.kg_mentions[0][2])] in doc._.kg_abbreviations


def test_abbreviation_needs_matching_letters(nlp):
    # "(XYZ)" cannot abbreviate "nucleus pulposus cells": its letters are not there
    found = _mentions(nlp, "Nucleus pulposus cells (XYZ) grow. XYZ again.")
    assert all(m[0] != "XYZ" for m in found)


def test_triggers_found(nlp):
    doc = nlp("MSCs secreted growth factors and differentiate into chondrocytes.")
    matcher = nlp.get_pipe("kg_concepts")
    found = {(doc[s:e].text, matcher.triggers[i].relation.rsplit("/", 1)[-1]) for s, e, i in doc._.kg_triggers}
    assert ("secreted", "secretes") in found
    assert ("differentiate into", "differentiates_into") in found


def test_results_survive_serialisation(nlp):
    doc = nlp("MSCs secrete growth factors.")
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=True)
    db.add(doc)
    back = list(DocBin(store_user_data=True).from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]
    assert [list(m) for m in back._.kg_mentions] == [list(m) for m in doc._.kg_mentions]
    assert [list(t) for t in back._.kg_triggers] == [list(t) for t in doc._.kg_triggers]


def test_unknown_model_is_a_clear_error(mini):
    with pytest.raises(PipelineError, match="not installed"):
        build_nlp(mini, model="no_such_pipeline_xyz")


def test_factories_are_registered():
    nlp = spacy.blank("en")
    nlp.add_pipe("kg_sentences")
    assert "kg_sentences" in nlp.pipe_names


@pytest.fixture(scope="module")
def full_nlp():
    from kg.ontology import load_ontology

    return build_nlp(load_ontology())


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("The disc has a central part.", "has a central part"),  # "have * part": words in the gap
        ("The disc has part of it.", "has part"),  # an empty gap
        ("The disc has one, central part.", None),  # punctuation in the gap
        ("The disc has one very large central soft part.", None),  # more than four words in the gap
    ],
)
def test_gap_triggers(full_nlp, text, found):
    doc = full_nlp(text)
    matcher = full_nlp.get_pipe("kg_concepts")
    gaps = {doc[s:e].text for s, e, i in doc._.kg_triggers if "*" in matcher.triggers[i].text}
    assert gaps == ({found} if found else set())


def test_sentence_starts_are_set_on_the_doc(nlp):
    doc = nlp("First one here. Second one.\n\nA heading\nBody text.")
    assert [t.is_sent_start for t in doc] == [
        bool(f) for f in sentence_starts([t.text for t in doc])
    ]
