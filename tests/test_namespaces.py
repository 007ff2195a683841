"""The kg namespace: schema terms used in code exist in the ontology; typos raise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import URIRef

from kg.namespaces import KG, SCHEMA_TERMS, from_curie, to_curie
from kg.ontology import load_ontology

ROOT = Path(__file__).resolve().parent.parent


def test_every_schema_term_is_declared_in_the_ontology():
    graph = load_ontology().graph
    declared = {str(s) for s in graph.subjects()}
    missing = sorted(t for t in SCHEMA_TERMS if str(KG[t]) not in declared)
    assert not missing, f"schema terms used by code but not declared in ontology/: {missing}"


def test_code_uses_only_schema_terms():
    used = set()
    for path in (ROOT / "kg").rglob("*.py"):
        used |= set(re.findall(r"\bKG\.([A-Za-z_][A-Za-z0-9_]*)", path.read_text(encoding="utf-8")))
    assert used <= SCHEMA_TERMS, sorted(used - SCHEMA_TERMS)


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no schema term"):
        KG.Mesenchymalstemcell  # noqa: B018


def test_item_access_stays_open_for_concepts():
    assert KG["MesenchymalStemCell"] == URIRef("https://w3id.org/kg/ontology/MesenchymalStemCell")


@pytest.mark.parametrize(
    ("curie", "iri"),
    [
        ("CL:0000134", "http://purl.obolibrary.org/obo/CL_0000134"),
        ("HGNC:5992", "http://identifiers.org/hgnc/5992"),
        ("UBERON:0001066", "http://purl.obolibrary.org/obo/UBERON_0001066"),
    ],
)
def test_curies_round_trip(curie, iri):
    assert from_curie(curie) == iri
    assert to_curie(iri) == curie


def test_unknown_curie_prefix():
    assert from_curie("NOPE:1") is None
    assert to_curie("http://example.org/x") is None
