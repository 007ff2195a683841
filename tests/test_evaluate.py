"""kg.evaluate: gold files, name matching, and figures computed by hand."""

from __future__ import annotations

import pytest

from kg.errors import GoldError
from kg.evaluate import evaluate, format_report, names_match, normalise_name, parse_gold, read_gold
from kg.graph import build_graph
from kg.namespaces import KG
from kg.ontology import load_ontology_from_text
from kg.records import Document, Evidence, Modality, Relation, Span, content_id

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:Cell ;
    skos:prefLabel "mesenchymal stem cell"@en ; kg:abbreviation "MSC" .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:Inflammation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "inflammation"@en .
kg:MatrixDegradation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "matrix degradation"@en .
kg:NucleusPulposus a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "nucleus pulposus"@en .
kg:IntervertebralDisc a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ;
    skos:prefLabel "intervertebral disc"@en ; skos:altLabel "disc"@en .
kg:Tumor a owl:Class ; rdfs:subClassOf kg:Disease ; skos:prefLabel "tumor"@en .
kg:StemCellTherapy a owl:Class ; rdfs:subClassOf kg:Intervention ; skos:prefLabel "stem cell therapy"@en .
kg:Pain a owl:Class ; rdfs:subClassOf kg:PhenotypicFeature ; skos:prefLabel "pain"@en .
kg:LocalizedPain a owl:Class ; rdfs:subClassOf kg:Pain ; skos:prefLabel "localized pain"@en .
kg:InjectionSitePain a owl:Class ; rdfs:subClassOf kg:LocalizedPain ; skos:prefLabel "injection site pain"@en .
"""

TEXT = "One sentence stands in for all of them."
DOC = Document(content_id(TEXT), "doc.txt", TEXT)


def k(name: str) -> str:
    return str(KG[name])


def rel(subject: str, predicate: str, obj: str, sentence: str, modality: Modality = Modality.ASSERTED) -> Relation:
    e = Evidence(
        DOC.doc_id, DOC.source, sentence, 0, Span(0, len(TEXT)), "x", Span(0, 3), "y", Span(4, 12),
        "", None, f"rule:{predicate}", modality, 0.9,
    )
    return Relation(k(subject), k(predicate), k(obj), (e,))


# Five predictions: four right, one wrong.
RELATIONS = [
    rel("MesenchymalStemCell", "secretes", "GrowthFactor", "MSCs secrete growth factors."),
    rel("IntervertebralDisc", "has_part", "NucleusPulposus", "The disc has a nucleus pulposus."),  # inverse of gold
    rel("MesenchymalStemCell", "inhibits", "Inflammation", "MSCs may reduce inflammation.", Modality.HEDGED),
    rel("StemCellTherapy", "has_adverse_effect", "Tumor", "Tumours may form.", Modality.HEDGED),
    rel("MesenchymalStemCell", "drives", "MatrixDegradation", "MSCs do not drive matrix degradation.", Modality.NEGATED),
]

GOLD = """\
# subject\trelation\tobject\tkind\tmodality\tsentence
mesenchymal stem cells | MSC\tsecretes\tgrowth factors\tcore\tasserted\t1
nucleus pulposus\tpart of\tintervertebral disc | spine\tcore\tasserted\t2

MSC\tinhibits\tInflammation\tcore\tasserted\t3
mesenchymal  stem cell\tinhibits\tmatrix degradation\tcore\tasserted\t4
interleukin-1 beta\tdrives\tmatrix degradation\tcore\tasserted\t4
stem cell therapy\thas adverse effect\ttumors\toptional\thedged\t5
MSC\tsecretes\tcytokine\toptional\tasserted\t1
"""


@pytest.fixture(scope="module")
def ontology():
    return load_ontology_from_text(ONTOLOGY)


@pytest.fixture(scope="module")
def report(ontology):
    graph = build_graph(ontology, [DOC], RELATIONS)
    return evaluate(graph, parse_gold(GOLD, "gold.tsv"), ontology)


# ---------------------------------------------------------------------------
# Reading gold files
# ---------------------------------------------------------------------------


def test_parse_gold():
    rows = parse_gold(GOLD, "gold.tsv")
    assert len(rows) == 7
    first = rows[0]
    assert first.subjects == ("mesenchymal stem cells", "MSC")
    assert (first.relation, first.objects, first.kind, first.modality, first.sentence) == (
        "secretes", ("growth factors",), "core", "asserted", "1",
    )
    assert [r.line for r in rows] == [2, 3, 5, 6, 7, 8, 9]  # comment and blank lines are skipped, not renumbered
    assert rows[3].subjects == ("mesenchymal stem cell",)  # whitespace normalised
    assert rows[1].objects == ("intervertebral disc", "spine")


def test_read_gold_from_file(tmp_path, ontology):
    path = tmp_path / "gold.tsv"
    path.write_text("\ufeff" + GOLD, encoding="utf-8")  # a byte order mark is tolerated
    rows = read_gold(path, ontology)
    assert len(rows) == 7 and rows[0].file == str(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("a\tsecretes\tb\tcore", "expected 6 tab-separated columns"),
        ("a secretes b core asserted 1", "spaces instead of tabs"),
        ("a\tsecretes\tb\tcore\tasserted\t1\textra", "found 7"),
        ("a\tsecretes\tb\tmaybe\tasserted\t1", "kind must be one of core, optional, got 'maybe'"),
        ("a\tsecretes\tb\tcore\tsure\t1", "modality must be one of asserted, hedged, negated"),
        ("a | \tsecretes\tb\tcore\tasserted\t1", "the subject column needs a name"),
        ("a\tsecretes\t\tcore\tasserted\t1", "the object column needs a name"),
        ("a\t\tb\tcore\tasserted\t1", "relation column is empty"),
    ],
)
def test_malformed_rows_name_file_and_line(row, message):
    text = "# header\nx\tsecretes\ty\tcore\tasserted\t1\n" + row + "\n"
    with pytest.raises(GoldError, match=message) as info:
        parse_gold(text, "gold.tsv")
    assert (info.value.file, info.value.line) == ("gold.tsv", 3)
    assert "gold.tsv:3:" in str(info.value)


def test_sentence_column_may_be_left_out():
    (row,) = parse_gold("a\tsecretes\tb\tcore\tasserted\n")
    assert row.sentence == ""


def test_unknown_relation_lists_valid_ones(tmp_path, ontology):
    path = tmp_path / "gold.tsv"
    path.write_text("a\tsecretes\tb\tcore\tasserted\t1\na\teats\tb\tcore\tasserted\t2\n")
    with pytest.raises(GoldError, match=r"unknown relation 'eats'; valid relations: .*part of.*secretes") as info:
        read_gold(path, ontology)
    assert info.value.line == 2
    rows = read_gold(path)  # without an ontology only the structure is checked...
    with pytest.raises(GoldError, match="eats"):  # ...and evaluate catches the label
        evaluate(build_graph(ontology, [DOC], RELATIONS), rows, ontology)


def test_missing_gold_file(tmp_path):
    with pytest.raises(GoldError, match="no such gold file"):
        read_gold(tmp_path / "nope.tsv")


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Growth Factor", "growth factor", True),
        ("growth   factor", " growth factor ", True),
        ("growth factors", "growth factor", True),
        ("processes", "process", True),
        ("MSCs", "MSC", True),
        ("IL-1β", "il-1β", True),
        ("growth factor", "growth", False),
        ("disc", "discus", False),
        ("tumor", "tumour", False),  # spelling variants are the ontology's job (synonyms)
    ],
)
def test_names_match(a, b, same):
    assert names_match(a, b) is same
    assert names_match(b, a) is same


def test_normalise_name():
    assert normalise_name("  Mesenchymal\tStem  CELL ") == "mesenchymal stem cell"


# ---------------------------------------------------------------------------
# Figures, by hand
# ---------------------------------------------------------------------------
# predictions 5: secretes ✓ (core 1), has_part ✓ (core 2, as the inverse of part of),
#   inhibits inflammation ✓ (core 3), adverse effect ✓ (optional), drives matrix degradation ✗
#   -> precision 4/5 = 0.8
# core rows 5: found 1, 2, 3; missed "inhibits matrix degradation", "IL-1β drives"  -> recall 3/5 = 0.6
# f1 = 2 * 0.8 * 0.6 / 1.4 = 0.685714...


def test_overall_figures(report):
    assert report.predicted == 5 and report.correct == 4
    assert report.core == 5 and report.core_found == 3
    assert report.precision == pytest.approx(0.8)
    assert report.recall == pytest.approx(0.6)
    assert report.f1 == pytest.approx(0.96 / 1.4)


def test_lists(report):
    assert [(r.line, r.objects) for r in report.missed] == [(6, ("matrix degradation",)), (7, ("matrix degradation",))]
    (fp,) = report.false_positives
    assert (fp.subject_label, fp.relation_label, fp.object_label, fp.modality) == (
        "mesenchymal stem cell", "drives", "matrix degradation", "negated",
    )
    assert fp.sentences == (("MSCs do not drive matrix degradation.", "doc.txt"),)
    assert [r.line for r in report.optional_found] == [8]  # the cytokine row was not found, and costs nothing


def test_per_relation(report):
    got = {s.relation: (s.predicted, s.correct, s.core, s.found) for s in report.per_relation}
    assert got == {
        "secretes": (1, 1, 1, 1),
        "has part / part of": (1, 1, 1, 1),  # a type and its inverse share a line
        "inhibits": (1, 1, 2, 1),
        "drives": (1, 0, 1, 0),
        "has adverse effect": (1, 1, 0, 0),
    }
    inhibits = next(s for s in report.per_relation if s.relation == "inhibits")
    assert (inhibits.precision, inhibits.recall) == (1.0, 0.5)
    assert inhibits.f1 == pytest.approx(2 / 3)


def test_modality_agreement(report):
    m = report.modality
    # matched rows: secretes (asserted = asserted), part of (asserted = asserted),
    # inhibits inflammation (gold asserted, graph hedged), adverse effect (hedged = hedged)
    assert (m.matched, m.agreed) == (4, 3)
    ((row, predicted),) = m.disagreements
    assert (row.line, row.modality, predicted) == (5, "asserted", "hedged")
    assert m.rate == pytest.approx(0.75)


def test_format_report(report):
    text = format_report(report)
    assert text.splitlines()[-1] == "precision 0.800  recall 0.600  f1 0.686"
    assert "predictions 5, correct 4; core gold 5, found 3" in text
    assert "strict names only (no ancestor names): precision 0.800  recall 0.600  f1 0.686" in text
    assert "Missed core relations (2)" in text and "line 7: interleukin-1 beta —drives→ matrix degradation" in text
    assert "False positives (1)" in text and "MSCs do not drive matrix degradation.  (doc.txt)" in text
    assert "Modality agreement on matched gold rows: 3/4 (0.750)" in text


def test_empty_graph_scores_zero(ontology):
    report = evaluate(build_graph(ontology, [], []), parse_gold(GOLD), ontology)
    assert (report.precision, report.recall, report.f1) == (0.0, 0.0, 0.0)
    assert len(report.missed) == 5
    assert format_report(report).splitlines()[-1] == "precision 0.000  recall 0.000  f1 0.000"


def test_one_prediction_can_match_several_rows(ontology):
    gold = parse_gold("MSC\tsecretes\tgrowth factor\tcore\tasserted\t1\nMSCs\tsecretes\tgrowth factors\tcore\tasserted\t1\n")
    report = evaluate(build_graph(ontology, [DOC], RELATIONS[:1]), gold, ontology)
    assert (report.precision, report.recall) == (1.0, 1.0)


@pytest.mark.parametrize(
    ("gold_object", "hierarchical", "expected_precision"),
    [
        ("injection site pain", False, 1.0),  # the same concept: right either way
        ("localized pain", True, 1.0),  # an ancestor's name: right when ancestors count
        ("localized pain", False, 0.0),  # ... and wrong when only exact names count
        ("pain", True, 1.0),
    ],
)
def test_more_specific_prediction_matches_an_ancestor_name(ontology, gold_object, hierarchical, expected_precision):
    graph = build_graph(ontology, [DOC], [rel("StemCellTherapy", "has_adverse_effect", "InjectionSitePain", "Pain at the injection site.")])
    gold = parse_gold(f"stem cell therapy\thas adverse effect\t{gold_object}\tcore\thedged\t1\n")
    report = evaluate(graph, gold, ontology, hierarchical=hierarchical)
    assert report.precision == expected_precision
    assert report.recall == expected_precision


def test_a_less_specific_prediction_does_not_match(ontology):
    graph = build_graph(ontology, [DOC], [rel("StemCellTherapy", "has_adverse_effect", "Pain", "Pain may occur.")])
    gold = parse_gold("stem cell therapy\thas adverse effect\tlocalized pain\tcore\thedged\t1\n")
    assert evaluate(graph, gold, ontology).precision == 0.0
