"""kg.export and ``kg export``: every format read back with the library that reads it."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import ExploreError, OutputError
from kg.export import (
    CSV_COLUMNS,
    FORMATS,
    KGX_EDGE_COLUMNS,
    KGX_NODE_COLUMNS,
    document_dataset,
    export,
    get_format,
    render,
    to_csv,
    to_cytoscape,
    to_gexf,
    to_graphml,
    to_jsonld,
    to_kgx,
    to_nquads,
    to_trig,
)
from kg.graph import build_graph, load_graph, to_sorted_ntriples
from kg.namespaces import DOCUMENT, ENTITY, KG
from kg.ontology import load_ontology_from_text
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix CL: <http://purl.obolibrary.org/obo/CL_> .

kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:Cell ;
    skos:prefLabel "mesenchymal stem cell"@en ; kg:abbreviation "MSC" ; skos:exactMatch CL:0000134 .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:Inflammation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "inflammation"@en .
kg:DiscHerniation a owl:Class ; rdfs:subClassOf kg:Disease ; skos:prefLabel "disc herniation"@en .
kg:SpinalNerve a owl:Class ; rdfs:subClassOf kg:AnatomicalEntity ; skos:prefLabel "spinal nerve"@en .
kg:StemCellTherapy a owl:Class ; rdfs:subClassOf kg:Intervention ; skos:prefLabel "stem cell therapy"@en .
kg:Aggrecan a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "aggrecan"@en .
"""

SCRIPT = "<script>alert(1)</script>"
TEXT_A = f"MSCs secrete growth factors {SCRIPT}. Growth factors reduce inflammation. Herniated discs compress spinal nerves."
TEXT_B = "MSCs secrete growth factors, too. Growth factors do not reduce inflammation. Stem cell therapy uses MSCs."
DOC_A = Document(content_id(TEXT_A), "a.txt", TEXT_A, title="A", meta=(("pmid", "123456"),))
DOC_B = Document(content_id(TEXT_B), "b, \"quoted\".txt", TEXT_B, title="B")


def k(name: str) -> str:
    return str(KG[name])


def ev(doc: Document, sentence: str, subj: str, obj: str, modality=Modality.ASSERTED, confidence=0.8) -> Evidence:
    start = doc.text.index(sentence)
    a, b = doc.text.index(subj, start), doc.text.index(obj, start)
    return Evidence(
        doc.doc_id, doc.source, sentence, doc.text[:start].count(". "), Span(start, start + len(sentence)),
        subj, Span(a, a + len(subj)), obj, Span(b, b + len(obj)), "", None, "test", modality, confidence,
    )


S1 = f"MSCs secrete growth factors {SCRIPT}."
RELATIONS = [
    Relation(
        k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"),
        (ev(DOC_A, S1, "MSCs", "growth factors"), ev(DOC_B, "MSCs secrete growth factors, too.", "MSCs", "growth factors")),
    ),
    Relation(
        k("GrowthFactor"), k("inhibits"), k("Inflammation"),
        (
            ev(DOC_A, "Growth factors reduce inflammation.", "Growth factors", "inflammation", confidence=0.6),
            ev(DOC_B, "Growth factors do not reduce inflammation.", "Growth factors", "inflammation", Modality.NEGATED),
        ),
    ),
    Relation(
        k("DiscHerniation"), k("compresses"), k("SpinalNerve"),
        (ev(DOC_A, "Herniated discs compress spinal nerves.", "Herniated discs", "spinal nerves", Modality.HEDGED),),
    ),
    Relation(
        k("StemCellTherapy"), k("uses"), k("MesenchymalStemCell"),
        (ev(DOC_B, "Stem cell therapy uses MSCs.", "Stem cell therapy", "MSCs", Modality.NEGATED),),
    ),
]


def make_graph() -> Graph:
    mention = Mention(DOC_A.doc_id, k("Aggrecan"), "x", Span(0, 1), 0)
    return build_graph(load_ontology_from_text(ONTOLOGY), [DOC_A, DOC_B], RELATIONS, [mention])


@pytest.fixture(scope="module")
def graph() -> Graph:
    return make_graph()


@pytest.fixture(scope="module")
def reloaded(graph, tmp_path_factory) -> Graph:
    """The same graph read back from a file: other blank-node labels, other insertion order."""
    path = tmp_path_factory.mktemp("reloaded") / "graph.nt"
    path.write_text(to_sorted_ntriples(graph), encoding="utf-8")
    return load_graph(path)


# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_same_graph_same_bytes(graph, reloaded, fmt):
    first = render(graph, fmt)
    assert first == render(reloaded, fmt)
    assert all(text.endswith("\n") for text in first.values())


# ---------------------------------------------------------------------------
# RDF formats
# ---------------------------------------------------------------------------


def test_jsonld_is_the_same_graph(graph):
    text = to_jsonld(graph)
    doc = json.loads(text)
    assert doc["@context"]["ent"] == str(ENTITY)
    ids = [node.get("@id") for node in doc["@graph"]]
    assert ids == sorted(ids, key=str)
    assert isomorphic(Graph().parse(data=text, format="json-ld"), graph)


def quads(text: str, fmt: str) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=text, format=fmt)
    return dataset


def named(dataset: Dataset) -> dict[str, Graph]:
    out = {}
    for g in dataset.graphs():
        name = str(g.identifier)
        if name.startswith(str(DOCUMENT)):
            out[name] = g
    return out


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_named_graphs_union_is_the_graph(graph, fmt):
    text = {"trig": to_trig, "nquads": to_nquads}[fmt](graph)
    dataset = quads(text, fmt)
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(union, graph)
    assert set(named(dataset)) == {str(DOCUMENT[DOC_A.doc_id]), str(DOCUMENT[DOC_B.doc_id])}


def test_each_document_graph_holds_what_the_document_says(graph):
    graphs = named(document_dataset(graph))
    a, b = graphs[str(DOCUMENT[DOC_A.doc_id])], graphs[str(DOCUMENT[DOC_B.doc_id])]
    for doc, g in ((DOC_A, a), (DOC_B, b)):
        evidence = set(g.subjects(RDF.type, KG.Evidence))
        assert evidence and all(g.value(e, PROV.wasDerivedFrom) == DOCUMENT[doc.doc_id] for e in evidence)
        assert {str(o) for o in g.objects(None, KG.sentence)} <= {s for s in (doc.text.split(". "))} | {
            s + "." for s in doc.text.rstrip(".").split(". ")
        }
    secretes = (ENTITY.MesenchymalStemCell, KG["secretes"], ENTITY.GrowthFactor)
    inhibits = (ENTITY.GrowthFactor, KG["inhibits"], ENTITY.Inflammation)
    uses = (ENTITY.StemCellTherapy, KG["uses"], ENTITY.MesenchymalStemCell)
    assert secretes in a and secretes in b  # both documents assert it
    assert inhibits in a and inhibits not in b  # document B denies it
    assert uses not in b and uses not in graph  # denied everywhere: no direct triple at all
    assert (None, RDF.type, KG.Document) not in a  # documents are described in the default graph


def test_default_graph_holds_the_rest(graph):
    dataset = document_dataset(graph)
    default = dataset.graph(URIRef("urn:x-rdflib:default"))
    assert (DOCUMENT[DOC_A.doc_id], DCTERMS.source, Literal("a.txt")) in default
    assert (ENTITY.MesenchymalStemCell, RDF.type, KG["MesenchymalStemCell"]) in default
    assert (None, KG.sentence, None) not in default
    assert (None, KG.evidenceCount, None) in default


def test_nquads_are_sorted(graph):
    lines = to_nquads(graph).splitlines()
    assert lines == sorted(lines) and all(line.endswith(" .") for line in lines)


# ---------------------------------------------------------------------------
# Property graphs
# ---------------------------------------------------------------------------


def read_back(text: str, reader) -> nx.Graph:
    return reader(io.BytesIO(text.encode("utf-8")))


@pytest.mark.parametrize(
    ("make", "reader"),
    [(to_graphml, lambda f: nx.read_graphml(f, force_multigraph=True)), (to_gexf, nx.read_gexf)],
)
def test_graphml_and_gexf_read_back(graph, make, reader):
    nxg = read_back(make(graph), reader)
    assert nxg.is_directed()
    msc = str(ENTITY.MesenchymalStemCell)
    assert nxg.number_of_nodes() == 7 and nxg.number_of_edges() == 4
    assert nxg.nodes[msc]["label"] == "mesenchymal stem cell"
    assert nxg.nodes[msc]["biolink_category"] == "biolink:Cell"
    edges = {data["label"]: data for _, _, data in nxg.edges(data=True)}
    assert edges["secretes"]["biolink_predicate"] == "biolink:produces"
    assert edges["secretes"]["modality"] == "asserted" and int(edges["secretes"]["evidence_count"]) == 2
    assert edges["uses"]["modality"] == "negated" and edges["uses"]["negated"] in (True, "true")
    assert edges["compresses"]["biolink_predicate"] == ""


def test_gexf_has_no_date_and_colours_nodes(graph):
    text = to_gexf(graph)
    assert "lastmodifieddate" not in text
    assert 'viz:color r="78" g="121" b="167"' in text  # kg view's colour for cells, #4e79a7


def test_cytoscape_json(graph):
    data = json.loads(to_cytoscape(graph))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert len(nodes) == 7 and len(edges) == 4
    assert all({"id", "label"} <= set(n["data"]) for n in nodes)
    (secretes,) = [e["data"] for e in edges if e["data"]["label"] == "secretes"]
    assert secretes["source"] == str(ENTITY.MesenchymalStemCell) and secretes["id"].startswith("https://w3id.org/kg/statement/")
    assert [s["source"] for s in secretes["evidence"]] == ["a.txt", 'b, "quoted".txt']
    assert secretes["evidence"][0]["sentence"] == S1  # raw text: it is data, not HTML


def test_csv_edge_list(graph):
    rows = list(csv.DictReader(io.StringIO(to_csv(graph))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 4
    (row,) = [r for r in rows if r["relation"] == "kg:secretes"]
    assert (row["subject"], row["object"], row["subject_label"], row["object_label"]) == (
        "ent:MesenchymalStemCell", "ent:GrowthFactor", "mesenchymal stem cell", "growth factor",
    )
    assert (row["modality"], row["evidence_count"], row["sentence"], row["source"]) == ("asserted", "2", S1, "a.txt")
    assert float(row["confidence"]) == pytest.approx(0.96)


def tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def test_kgx_nodes(graph):
    rows = {r["id"]: r for r in tsv(to_kgx(graph)["nodes.tsv"])}
    assert tuple(next(iter(rows.values()))) == KGX_NODE_COLUMNS
    msc = rows["ent:MesenchymalStemCell"]
    assert (msc["category"], msc["name"], msc["synonym"], msc["xref"]) == ("biolink:Cell", "mesenchymal stem cell", "MSC", "CL:0000134")
    assert rows["ent:StemCellTherapy"]["category"] == "biolink:Procedure|biolink:Treatment"
    assert rows["ent:Aggrecan"]["kg_mentions"] == "1"


def test_kgx_edges(graph):
    rows = {r["original_predicate"]: r for r in tsv(to_kgx(graph)["edges.tsv"])}
    assert tuple(next(iter(rows.values()))) == KGX_EDGE_COLUMNS
    secretes = rows["kg:secretes"]
    assert (secretes["subject"], secretes["predicate"], secretes["object"]) == (
        "ent:MesenchymalStemCell", "biolink:produces", "ent:GrowthFactor",
    )
    assert (secretes["knowledge_level"], secretes["agent_type"], secretes["category"]) == (
        "not_provided", "text_mining_agent", "biolink:Association",
    )
    assert secretes["publications"] == "PMID:123456"  # only document A has a PMID
    assert secretes["kg_sources"] == 'a.txt|b, "quoted".txt'
    assert secretes["id"].startswith("stmt:")
    assert rows["kg:compresses"]["predicate"] == "kg:compresses"  # no Biolink alignment
    assert rows["kg:uses"]["negated"] == "True" and rows["kg:inhibits"]["negated"] == "False"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "out", "expected"),
    [
        ("json-ld", "g.x", "json-ld"),
        ("JSONLD", "g.x", "json-ld"),
        ("nq", "g.x", "nquads"),
        ("cytoscape.js", "g.x", "cytoscape"),
        (None, "g.graphml", "graphml"),
        (None, "g.trig", "trig"),
        (None, "g.CSV", "csv"),
        (None, "g.cyjs", "cytoscape"),
    ],
)
def test_format_names(name, out, expected):
    assert get_format(name, out).name == expected


@pytest.mark.parametrize(("name", "out", "message"), [("dot", "g.dot", "unknown export format 'dot'; valid: json-ld"), (None, "g.txt", "cannot tell the format")])
def test_format_errors(name, out, message):
    with pytest.raises(ExploreError, match=message):
        get_format(name, out)


def test_export_writes_a_file(graph, tmp_path):
    target = tmp_path / "sub" / "graph.graphml"
    assert export(graph, None, target) == [target]
    assert target.read_text(encoding="utf-8") == to_graphml(graph)
    assert [p.name for p in target.parent.iterdir()] == ["graph.graphml"]  # no temporary files left


def test_export_kgx_writes_a_folder(graph, tmp_path):
    written = export(graph, "kgx", tmp_path / "kgx")
    assert [p.name for p in written] == ["edges.tsv", "nodes.tsv"]
    assert (tmp_path / "kgx" / "nodes.tsv").read_text(encoding="utf-8") == to_kgx(graph)["nodes.tsv"]


@pytest.mark.parametrize(
    ("fmt", "make", "message"),
    [
        ("csv", lambda p: p.mkdir(), "is a folder"),
        ("kgx", lambda p: p.write_text("keep me"), "is a file"),
    ],
)
def test_export_refuses_the_wrong_kind_of_target(graph, tmp_path, fmt, make, message):
    target = tmp_path / "target"
    make(target)
    with pytest.raises(OutputError, match=message):
        export(graph, fmt, target)
    if target.is_file():
        assert target.read_text() == "keep me"


def test_export_failure_keeps_the_old_file(graph, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot write"):
        export(graph, "csv", blocker / "graph.csv")
    assert blocker.read_text() == "not a folder"


# ---------------------------------------------------------------------------
# kg export
# ---------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "files"),
    [
        (["--format", "json-ld", "-o", "g.jsonld"], ["g.jsonld"]),
        (["-o", "g.trig"], ["g.trig"]),
        (["-f", "nquads", "-o", "g.nq"], ["g.nq"]),
        (["-o", "g.graphml"], ["g.graphml"]),
        (["-o", "g.gexf"], ["g.gexf"]),
        (["-f", "cytoscape", "-o", "g.json"], ["g.json"]),
        (["-o", "g.csv"], ["g.csv"]),
        (["-f", "kgx", "-o", "kgx"], ["kgx/edges.tsv", "kgx/nodes.tsv"]),
    ],
)
def test_cli_export(default_build, tmp_path, monkeypatch, args, files):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["export", str(default_build), *args])
    assert result.exit_code == 0, result.output
    for name in files:
        assert (tmp_path / name).is_file() and (tmp_path / name).stat().st_size > 0
        assert f"Wrote {name}" in result.stdout


def test_cli_export_graphml_reads_back(default_build, tmp_path):
    out = tmp_path / "g.graphml"
    assert runner.invoke(app, ["export", str(default_build), "-o", str(out)]).exit_code == 0
    nxg = nx.read_graphml(out)
    graph = load_graph(default_build)
    assert nxg.number_of_edges() == len(set(graph.subjects(RDF.type, RDF.Statement)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "dot", "-o", "g.dot"], "unknown export format 'dot'"),
        (["-o", "g.txt"], "cannot tell the format"),
    ],
)
def test_cli_export_errors(default_build, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["export", str(default_build), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert list(tmp_path.iterdir()) == []
