"""The figures a build precomputes (kg/tally.py) agree with counting at query time."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kg.records import Modality
from kg.store import open_store
from kg.tally import Tallies, name_keys


@pytest.mark.parametrize(
    ("names", "keys"),
    [
        (["MSC", "msc", "Mesenchymal Stem Cell"], ["mesenchymal stem cell", "msc"]),  # repeats after lower-casing go
        (["IL-1Β"], ["il-1β"]),  # Greek capital beta
        (['TNF-"α"'], ['tnf-\\"α\\"']),  # quotes escaped as N-Triples
        (["ΟΔΟΣ"], ["οδος"]),  # final sigma, as SPARQL's LCASE gives it
    ],
)
def test_name_keys(names, keys):
    lines = list(name_keys("<e>", names))
    assert lines == [f'<e> <https://w3id.org/kg/ontology/nameKey> "{k}" .\n' for k in keys]


@pytest.mark.parametrize(
    ("confidences", "mean"),
    [
        (["0.1", "0.2", "0.2"], "0.1667"),
        (["0.0001", "0.0002"], "0.0002"),  # 0.00015: half-even rounds up to the even digit
        (["0.0002", "0.0003"], "0.0002"),  # 0.00025: half-even rounds down to the even digit
        (["1.0", "1.0"], "1.0"),
        (["0.85"], "0.85"),
    ],
)
def test_rule_mean_is_exact_and_rounded_half_even(confidences, mean):
    tallies = Tallies()
    for c in confidences:
        tallies.sentence("verb:active", Modality.ASSERTED, c)
    lines = [line for line in tallies.lines() if "meanConfidence" in line]
    assert len(lines) == 1
    assert f'"{mean}"^^' in lines[0]
    assert Decimal(mean) == round(sum(map(Decimal, confidences)) / len(confidences), 4)


def test_degree_counts_each_claim_once():
    tallies = Tallies()
    tallies.claim("a", "p", "b", Modality.ASSERTED, 2)
    tallies.claim("a", "q", "a", Modality.HEDGED, 1)  # a claim about itself counts once
    tallies.claim("c", "p", "a", Modality.NEGATED, 1)
    assert [tallies.claims_of(x) for x in "abcd"] == [3, 1, 1, 0]
    text = "".join(tallies.lines())
    assert text.count("RelationTally") == 3  # (p, asserted), (q, hedged), (p, negated)


def _values(result) -> list[tuple]:
    return sorted(tuple(str(v) if v is not None else None for v in row) for row in result.rows)


# Each precomputed figure against the same figure counted from the claims and
# sentences themselves, on the store of a real build of the default corpus.
COUNTED = {
    "claims per relation type and modality": (
        "SELECT ?p ?m ?n ?s WHERE { ?t a kg:RelationTally ; kg:relationType ?p ; kg:strongestModality ?m ;"
        " kg:claimCount ?n ; kg:sentenceCount ?s }",
        "SELECT ?p ?m (COUNT(?st) AS ?n) (SUM(?c) AS ?s) WHERE { ?st a rdf:Statement ; rdf:predicate ?p ;"
        " kg:modality ?m ; kg:evidenceCount ?c } GROUP BY ?p ?m",
    ),
    "sentences per rule and modality": (
        "SELECT ?r ?m ?n ?mean WHERE { ?t a kg:RuleTally ; kg:extractionRule ?r ; kg:sentenceModality ?m ;"
        " kg:sentenceCount ?n ; kg:meanConfidence ?mean }",
        "SELECT ?r ?m (COUNT(?e) AS ?n) (ROUND(SUM(?c) / COUNT(?e) * 10000) / 10000 AS ?mean) WHERE {"
        " ?e a kg:Evidence ; kg:rule ?r ; kg:modality ?m ; kg:confidence ?c } GROUP BY ?r ?m",
    ),
    "claims per entity": (
        "SELECT ?e ?n WHERE { ?e kg:degree ?n ; kg:mentionCount [] }",
        "SELECT ?e (COUNT(DISTINCT ?st) AS ?n) WHERE { ?e kg:mentionCount [] ."
        " OPTIONAL { { ?st rdf:subject ?e } UNION { ?st rdf:object ?e } } } GROUP BY ?e",
    ),
    "per document": (
        "SELECT ?d ?e ?c ?s WHERE { ?d a kg:Document ; kg:entityCount ?e ; kg:claimCount ?c ; kg:sentenceCount ?s }",
        "SELECT ?d (COUNT(DISTINCT ?ent) AS ?e) (COUNT(DISTINCT ?st) AS ?c) (COUNT(DISTINCT ?ev) AS ?s) WHERE {"
        " ?d a kg:Document . OPTIONAL { ?ent prov:wasDerivedFrom ?d ; kg:mentionCount [] }"
        " OPTIONAL { ?ev prov:wasDerivedFrom ?d ; a kg:Evidence . ?st kg:hasEvidence ?ev } } GROUP BY ?d",
    ),
}


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_precomputed_figures_equal_counting(default_build, name):
    stored, counted = COUNTED[name]
    with open_store(default_build) as store:
        got, expected = store.query(stored), store.query(counted)
    assert len(got.rows) > 0
    if name == "sentences per rule and modality":  # compare the means as numbers
        norm = lambda rows: sorted((str(r), str(m), int(n), Decimal(str(x))) for r, m, n, x in rows)  # noqa: E731
        assert norm(got.rows) == norm(expected.rows)
    else:
        assert _values(got) == _values(expected)


def test_name_key_lookup_finds_what_labels_find(default_build):
    """Every entity found by its label or a synonym in any case is found by its name key, and nothing else."""
    with open_store(default_build) as store:
        by_label = store.query(
            "SELECT DISTINCT ?e ?name WHERE { ?e kg:mentionCount [] . { ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name } }"
        )
        for entity, name in by_label.rows[:40]:
            for asked in (str(name), str(name).upper()):
                found = store.query(
                    "SELECT DISTINCT ?e WHERE { ?e kg:nameKey ?k . FILTER(STR(?k) = LCASE(?asked)) }", {"asked": asked}
                )
                expected = {row[0] for row in by_label.rows if str(row[1]).lower() == asked.lower()}
                assert {row[0] for row in found.rows} == expected, asked
                assert entity in expected
