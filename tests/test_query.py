"""kg.query: prefixes, bindings, syntax errors, formats and the bundled queries."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import QueryError
from kg.graph import build_graph
from kg.namespaces import ENTITY, KG
from kg.ontology import load_ontology_from_text
from kg.query import (
    FORMATS,
    QueryResult,
    bundled_queries,
    compact,
    format_result,
    get_query,
    parse_query_header,
    run_query,
)
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:Cell ;
    skos:prefLabel "mesenchymal stem cell"@en ; skos:altLabel "mesenchymal stromal cell"@en ; kg:abbreviation "MSC" .
kg:Chondrocyte a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "chondrocyte"@en .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:Interleukin1Beta a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ;
    skos:prefLabel "interleukin-1 beta"@en ; kg:abbreviation "IL-1β" .
kg:Proteoglycan a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "proteoglycan"@en .
kg:Inflammation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "inflammation"@en .
kg:MatrixDegradation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "matrix degradation"@en .
kg:ImmuneResponse a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "immune response"@en .
kg:DegenerativeDiscDisease a owl:Class ; rdfs:subClassOf kg:Disease ;
    skos:prefLabel "degenerative disc disease"@en ; kg:abbreviation "DDD" .
kg:Tumor a owl:Class ; rdfs:subClassOf kg:Disease ; skos:prefLabel "tumor"@en ; skos:altLabel "tumour"@en .
kg:StemCellTherapy a owl:Class ; rdfs:subClassOf kg:Intervention ; skos:prefLabel "stem cell therapy"@en .
kg:IntervertebralDisc a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "intervertebral disc"@en .
kg:NucleusPulposus a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "nucleus pulposus"@en .
kg:AnnulusFibrosus a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "annulus fibrosus"@en .
"""

TEXT1 = (
    "Stem cells for the disc. MSCs secrete growth factors. MSCs may inhibit matrix degradation. "
    "IL-1β drives matrix degradation. MSCs reduce inflammation. MSCs do not drive an immune response. "
    "The nucleus pulposus is part of the intervertebral disc. The disc has an annulus fibrosus. "
    "Proteoglycans are part of the nucleus pulposus. MSCs can differentiate into chondrocytes."
)
TEXT2 = "Stem cell therapy treats degenerative disc disease. It may cause a tumor. MSCs release growth factors."
DOC1 = Document(content_id(TEXT1), "disc.txt", TEXT1, title="Stem cells for the disc")
DOC2 = Document(content_id(TEXT2), "therapy.txt", TEXT2)
H, N = Modality.HEDGED, Modality.NEGATED


def k(name: str) -> str:
    return str(KG[name])


def ev(doc: Document, sentence: str, subj: str, obj: str, trigger: str = "", **kw) -> Evidence:
    s0 = doc.text.index(sentence)
    a, b = doc.text.index(subj, s0), doc.text.index(obj, s0)
    t = doc.text.index(trigger, s0) if trigger else None
    return Evidence(
        doc_id=doc.doc_id, source=doc.source, sentence=sentence, sentence_index=doc.text[:s0].count(". "),
        sentence_span=Span(s0, s0 + len(sentence)), subject_text=subj, subject_span=Span(a, a + len(subj)),
        object_text=obj, object_span=Span(b, b + len(obj)), trigger_text=trigger,
        trigger_span=Span(t, t + len(trigger)) if t is not None else None, rule=kw.pop("rule", "verb:active"), **kw,
    )


def rel(subject: str, predicate: str, obj: str, *evidence: Evidence) -> Relation:
    return Relation(k(subject), k(predicate), k(obj), evidence)


RELATIONS = [
    rel("MesenchymalStemCell", "secretes", "GrowthFactor",
        ev(DOC1, "MSCs secrete growth factors.", "MSCs", "growth factors", "secrete", confidence=0.8),
        ev(DOC2, "MSCs release growth factors.", "MSCs", "growth factors", "release", confidence=0.5)),
    rel("MesenchymalStemCell", "inhibits", "MatrixDegradation",
        ev(DOC1, "MSCs may inhibit matrix degradation.", "MSCs", "matrix degradation", "inhibit", modality=H, confidence=0.6)),
    rel("Interleukin1Beta", "drives", "MatrixDegradation",
        ev(DOC1, "IL-1β drives matrix degradation.", "IL-1β", "matrix degradation", "drives", confidence=0.9)),
    rel("MesenchymalStemCell", "inhibits", "Inflammation",
        ev(DOC1, "MSCs reduce inflammation.", "MSCs", "inflammation", "reduce", confidence=0.7)),
    rel("MesenchymalStemCell", "drives", "ImmuneResponse",
        ev(DOC1, "MSCs do not drive an immune response.", "MSCs", "immune response", "drive", modality=N, confidence=0.7)),
    rel("NucleusPulposus", "part_of", "IntervertebralDisc",
        ev(DOC1, "The nucleus pulposus is part of the intervertebral disc.", "nucleus pulposus", "intervertebral disc", "is part of")),
    rel("IntervertebralDisc", "has_part", "AnnulusFibrosus",
        ev(DOC1, "The disc has an annulus fibrosus.", "disc", "annulus fibrosus", "has")),
    rel("Proteoglycan", "part_of", "NucleusPulposus",
        ev(DOC1, "Proteoglycans are part of the nucleus pulposus.", "Proteoglycans", "nucleus pulposus", "are part of")),
    rel("MesenchymalStemCell", "differentiates_into", "Chondrocyte",
        ev(DOC1, "MSCs can differentiate into chondrocytes.", "MSCs", "chondrocytes", "differentiate into", modality=H, confidence=0.6)),
    rel("StemCellTherapy", "treats", "DegenerativeDiscDisease",
        ev(DOC2, "Stem cell therapy treats degenerative disc disease.", "Stem cell therapy", "degenerative disc disease", "treats")),
    rel("StemCellTherapy", "has_adverse_effect", "Tumor",
        ev(DOC2, "It may cause a tumor.", "It", "tumor", "", modality=H, confidence=0.5, rule="topic")),
]


@pytest.fixture(scope="module")
def graph() -> Graph:
    start = TEXT1.index("MSCs")
    mentions = [Mention(DOC1.doc_id, k("MesenchymalStemCell"), "MSCs", Span(start, start + 4), 1)]
    return build_graph(load_ontology_from_text(ONTOLOGY), [DOC1, DOC2], RELATIONS, mentions)


# ---------------------------------------------------------------------------
# run_query
# ---------------------------------------------------------------------------


def test_prefixes_are_predeclared(graph):
    result = run_query(graph, "SELECT ?o WHERE { ent:MesenchymalStemCell kg:secretes ?o }")
    assert result.kind == "SELECT"
    assert result.variables == ("o",)
    assert result.rows == ((ENTITY.GrowthFactor,),)


def test_own_prefix_declarations_still_work(graph):
    text = "PREFIX e: <https://w3id.org/kg/entity/>\nASK { e:MesenchymalStemCell ?p e:GrowthFactor }"
    assert run_query(graph, text).boolean is True


@pytest.mark.parametrize(
    ("bindings", "expected"),
    [
        ({"name": "growth factor"}, [str(ENTITY.GrowthFactor)]),
        ({"?name": Literal("inflammation")}, [str(ENTITY.Inflammation)]),
        ({"$name": "no such thing"}, []),
    ],
)
def test_bindings(graph, bindings, expected):
    result = run_query(graph, "SELECT ?e WHERE { ?e rdfs:label ?name . FILTER(STRSTARTS(STR(?e), STR(ent:))) }", bindings)
    assert [row[0] for row in result.values()] == expected


def test_bound_values_are_not_pasted_into_the_text(graph):
    """A value that would break the query if pasted is only ever a value."""
    nasty = '"} ?s ?p ?o { "'
    result = run_query(graph, "SELECT ?e WHERE { ?e rdfs:label ?name }", {"name": nasty})
    assert result.rows == ()


def test_bind_an_iri(graph):
    result = run_query(graph, "SELECT ?o WHERE { ?s kg:secretes ?o }", {"s": URIRef(ENTITY.MesenchymalStemCell)})
    assert len(result) == 1


def test_ask_and_construct(graph):
    assert run_query(graph, "ASK { ?s kg:drives ent:MatrixDegradation }").boolean is True
    built = run_query(graph, "CONSTRUCT { ?s kg:secretes ?o } WHERE { ?s kg:secretes ?o }")
    assert built.kind == "CONSTRUCT" and len(built.graph) == 1
    turtle = format_result(built, "table")
    assert "ent:MesenchymalStemCell kg:secretes ent:GrowthFactor" in turtle


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("SELECT ?x WHERE { ?x ?y }", 1, 19),
        ("SELEC ?x WHERE { ?x ?y ?z }", 1, 1),
        ("SELECT ?x WHERE {\n  ?x ?y ?z .\n  FILTER(?x = )\n}", 3, 3),
        ("SELECT ?x WHERE { ?x ?y ?z } ORDER BY", 1, 30),
        ("SELECT ?x WHERE {\n  ?x kg:secretes ?y\n  ?y kg:drives ?z }", 3, 3),
        ("# a comment\nSELECT ?x WHERE {\n  ?x foo:bar ?z .\n}", 3, 6),  # unknown prefix
    ],
)
def test_syntax_error_position(graph, text, line, column):
    with pytest.raises(QueryError) as info:
        run_query(graph, text)
    assert (info.value.line, info.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(info.value)


def test_unknown_prefix_lists_known_ones(graph):
    with pytest.raises(QueryError, match="unknown prefix 'foo'.*kg, obo"):
        run_query(graph, "SELECT * WHERE { ?s foo:p ?o }")


# ---------------------------------------------------------------------------
# format_result
# ---------------------------------------------------------------------------

SAMPLE = QueryResult(
    kind="SELECT",
    variables=("entity", "label", "count", "missing"),
    rows=(
        (URIRef(ENTITY.GrowthFactor), Literal("growth factor"), Literal(2), None),
        (URIRef("http://example.org/x"), Literal("a, \"quoted\"\tlabel", lang="en"), Literal(10), None),
    ),
)


def test_table_compacts_iris_and_aligns():
    text = format_result(SAMPLE, "table")
    lines = text.splitlines()
    assert lines[0].split() == ["entity", "label", "count", "missing"]
    assert lines[2].startswith("ent:GrowthFactor")
    assert "<http://example.org/x>" in lines[3]
    assert lines[-1] == "(2 rows)"
    assert lines[2].index("growth factor") == lines[0].index("label")


def test_csv():
    rows = list(csv.reader(io.StringIO(format_result(SAMPLE, "csv"))))
    assert rows[0] == ["entity", "label", "count", "missing"]
    assert rows[1] == [str(ENTITY.GrowthFactor), "growth factor", "2", ""]
    assert rows[2][1] == 'a, "quoted"\tlabel'


def test_tsv_uses_rdf_term_syntax():
    lines = format_result(SAMPLE, "tsv").splitlines()
    assert lines[0] == "?entity\t?label\t?count\t?missing"
    assert lines[1].split("\t") == [f"<{ENTITY.GrowthFactor}>", '"growth factor"', "2", ""]
    assert lines[2].split("\t")[1] == '"a, \\"quoted\\"\\tlabel"@en'


def test_json_is_sparql_results_format():
    data = json.loads(format_result(SAMPLE, "json"))
    assert data["head"]["vars"] == ["entity", "label", "count", "missing"]
    first, second = data["results"]["bindings"]
    assert first["entity"] == {"type": "uri", "value": str(ENTITY.GrowthFactor)}
    assert first["label"] == {"type": "literal", "value": "growth factor"}
    assert first["count"] == {"type": "literal", "value": "2", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert "missing" not in first
    assert second["label"]["xml:lang"] == "en"


@pytest.mark.parametrize(("fmt", "expected"), [("table", "true\n"), ("csv", "true\n"), ("json", None)])
def test_ask_formats(fmt, expected):
    result = QueryResult(kind="ASK", boolean=True)
    text = format_result(result, fmt)
    if expected is None:
        assert json.loads(text) == {"head": {}, "boolean": True}
    else:
        assert text == expected


def test_unknown_format():
    with pytest.raises(QueryError, match="valid: table, csv, tsv, json"):
        format_result(SAMPLE, "xlsx")
    assert FORMATS == ("table", "csv", "tsv", "json")


@pytest.mark.parametrize(
    ("term", "text"),
    [
        (URIRef(KG["secretes"]), "kg:secretes"),
        (URIRef("http://purl.obolibrary.org/obo/CL_0000134"), "obo:CL_0000134"),
        (URIRef("https://w3id.org/kg/entity/a(b)"), "<https://w3id.org/kg/entity/a(b)>"),
        (Literal("x"), "x"),
        (None, ""),
    ],
)
def test_compact(term, text):
    assert compact(term) == text


def test_values_and_dicts():
    assert SAMPLE.values()[0] == (str(ENTITY.GrowthFactor), "growth factor", 2, None)
    assert SAMPLE.dicts()[0]["count"] == 2


# ---------------------------------------------------------------------------
# Bundled queries
# ---------------------------------------------------------------------------

QUERIES = bundled_queries()


def test_enough_bundled_queries_with_headers():
    assert len(QUERIES) >= 10
    for q in QUERIES:
        assert q.title and not q.title.startswith("#"), q.name
        assert len(q.description) > 40, q.name
        assert q.text.lstrip().startswith("#"), q.name
        assert not re.search(r"^\s*PREFIX\s", q.text, re.MULTILINE | re.IGNORECASE), q.name  # predeclared


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_bundled_query_runs_as_is_and_finds_something(graph, query):
    result = run_query(graph, query.text)
    assert result.kind == "SELECT"
    assert len(result.rows) >= 1, f"{query.name} found nothing in the sample graph"
    for fmt in FORMATS:
        assert format_result(result, fmt)


@pytest.mark.parametrize("query", [q for q in QUERIES if q.parameters], ids=lambda q: q.name)
def test_declared_parameters_are_used(query):
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    for param in query.parameters:
        assert re.search(rf"COALESCE\(\?{param.name}\b", body), param.name  # has a default
        assert param.description


@pytest.mark.parametrize("name", ["MSC", "mesenchymal stem cell", "Mesenchymal Stromal Cell", "msc"])
def test_what_does_msc_secrete(graph, name):
    result = run_query(graph, get_query("cell-secretes").text, {"cell": name})
    rows = result.dicts()
    assert len(rows) == 1
    row = rows[0]
    assert (row["cellLabel"], row["substanceLabel"], row["modality"], row["evidenceCount"]) == (
        "mesenchymal stem cell", "growth factor", "asserted", 2,
    )
    assert row["substance"] == str(ENTITY.GrowthFactor)


def test_what_does_msc_secrete_default_and_other_cell(graph):
    query = get_query("cell-secretes").text
    assert [r["substanceLabel"] for r in run_query(graph, query).dicts()] == ["growth factor"]
    assert run_query(graph, query, {"cell": "chondrocyte"}).rows == ()


@pytest.mark.parametrize(
    ("name", "bindings", "column", "expected"),
    [
        ("drivers-of", None, "driverLabel", ["interleukin-1 beta"]),  # the negated claim is left out
        ("inhibitions", None, "targetLabel", ["inflammation", "matrix degradation"]),
        ("treatments-for", {"disease": "DDD"}, "treatmentLabel", ["stem cell therapy"]),
        ("adverse-effects", None, "effectLabel", ["tumor"]),
        ("parts-of", None, "partLabel", ["annulus fibrosus", "nucleus pulposus", "proteoglycan"]),
        ("parts-of", {"whole": "Nucleus Pulposus"}, "partLabel", ["proteoglycan"]),
        ("differentiation", None, "productLabel", ["chondrocyte"]),
        ("hedged-and-negated", None, "sentenceModality", ["hedged", "hedged", "hedged", "negated"]),
        ("evidence-for", {"subjectName": "IL-1β", "objectName": "matrix degradation"}, "charStart", [91]),
        ("relations-by-document", {"document": "THERAPY"}, "relation", ["has adverse effect", "secretes", "treats"]),
    ],
)
def test_bundled_query_answers(graph, name, bindings, column, expected):
    rows = run_query(graph, get_query(name).text, bindings).dicts()
    assert [r[column] for r in rows] == expected


def test_evidence_for_relation_reports_offsets_into_the_text(graph):
    rows = run_query(graph, get_query("evidence-for").text).dicts()
    assert {r["source"] for r in rows} == {"disc.txt", "therapy.txt"}
    for r in rows:
        text = TEXT1 if r["source"] == "disc.txt" else TEXT2
        assert text[r["charStart"] : r["charEnd"]] == r["sentence"]
        assert r["rule"] == "verb:active" and r["modality"] == "asserted"


def test_most_connected_ranks_by_degree(graph):
    rows = run_query(graph, get_query("most-connected").text).dicts()
    assert (rows[0]["label"], rows[0]["degree"]) == ("mesenchymal stem cell", 5)


def test_get_query_unknown_lists_names():
    with pytest.raises(QueryError, match="valid names: .*cell-secretes"):
        get_query("no-such-query")
    assert get_query("cell-secretes.rq").name == "cell-secretes"


def test_parse_query_header():
    text = (
        "# What does X do?\n"
        "# It lists what X does,\n"
        "# one line after another.\n"
        "#\n"
        "# Second paragraph.\n"
        "# param: ?x  the thing (default \"y\")\n"
        "SELECT * WHERE { ?s ?p ?o }  # not part of the header\n"
    )
    title, description, params = parse_query_header(text)
    assert title == "What does X do?"
    assert description == "It lists what X does, one line after another.\n\nSecond paragraph."
    assert [(p.name, p.description) for p in params] == [("x", 'the thing (default "y")')]


def test_capped_listings_say_so():
    """A bundled query that stops at a LIMIT says how many rows it lists."""
    for q in QUERIES:
        body = "\n".join(line for line in q.text.splitlines() if not line.lstrip().startswith("#"))
        m = re.search(r"\bLIMIT\s+(\d+)\s*$", body)
        if m:
            assert m.group(1) in q.description, q.name


@pytest.mark.parametrize("query", [q for q in QUERIES if q.parameters], ids=lambda q: q.name)
def test_parameter_defaults_and_bindings_agree(graph, query):
    """Binding a parameter to its own default gives what the query gives unbound (also inside subqueries)."""
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("#"))
    bindings = {}
    for param in query.parameters:
        m = re.search(rf'COALESCE\(\?{param.name}\s*,\s*(?:"([^"]*)"|([-+\d.]+))\)', body)
        assert m, param.name
        bindings[param.name] = m.group(1) if m.group(1) is not None else float(m.group(2))
    assert run_query(graph, query.text, bindings).rows == run_query(graph, query.text).rows
