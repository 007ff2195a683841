"""kg.graph: the RDF model, determinism, atomic outputs, reading graph files."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

import kg.graph as kg_graph
from kg.errors import GraphError, OutputError
from kg.graph import build_graph, entity_iri, load_graph, local_name, to_sorted_ntriples, write_outputs
from kg.namespaces import DOCUMENT, ENTITY, EVIDENCE, KG, PREFIXES, STATEMENT
from kg.ontology import load_ontology_from_text
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id

ROOT = Path(__file__).resolve().parent.parent

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix CL: <http://purl.obolibrary.org/obo/CL_> .

kg:StemCell a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "stem cell"@en .
kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:StemCell ;
    skos:prefLabel "mesenchymal stem cell"@en ; skos:altLabel "mesenchymal stromal cell"@en ;
    kg:abbreviation "MSC" ; skos:exactMatch CL:0000134 .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:MatrixDegradation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "matrix degradation"@en .
kg:ImmuneResponse a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "immune response"@en .
kg:Inflammation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "inflammation"@en .
"""

TEXT1 = "Stem cells. MSCs secrete growth factors. MSCs may inhibit matrix degradation. MSCs do not drive an immune response."
TEXT2 = "MSCs release growth factors."
DOC1 = Document(content_id(TEXT1), "a.txt", TEXT1, title="Stem cells")
DOC2 = Document(content_id(TEXT2), "b.txt", TEXT2)


def _xsd(name: str) -> URIRef:
    # rdflib's XSD namespace object warns when pytest inspects module globals, so no import of it here
    return URIRef("http://www.w3.org/2001/XMLSchema#" + name)


def k(name: str) -> str:
    return str(KG[name])


def ev(doc: Document, sentence: str, subj: str, obj: str, trigger: str = "", **kw) -> Evidence:
    """Evidence located by finding the words in the document's text."""
    s0 = doc.text.index(sentence)
    a, b = doc.text.index(subj, s0), doc.text.index(obj, s0)
    t = doc.text.index(trigger, s0) if trigger else None
    return Evidence(
        doc_id=doc.doc_id,
        source=doc.source,
        sentence=sentence,
        sentence_index=doc.text[:s0].count(". "),
        sentence_span=Span(s0, s0 + len(sentence)),
        subject_text=subj,
        subject_span=Span(a, a + len(subj)),
        object_text=obj,
        object_span=Span(b, b + len(obj)),
        trigger_text=trigger,
        trigger_span=Span(t, t + len(trigger)) if t is not None else None,
        rule=kw.pop("rule", "verb:active"),
        **kw,
    )


SECRETE_1 = ev(DOC1, "MSCs secrete growth factors.", "MSCs", "growth factors", "secrete", confidence=0.8)
SECRETE_2 = ev(DOC2, "MSCs release growth factors.", "MSCs", "growth factors", "release", confidence=0.5)
INHIBIT = ev(
    DOC1, "MSCs may inhibit matrix degradation.", "MSCs", "matrix degradation", "inhibit",
    modality=Modality.HEDGED, confidence=0.6,
)
NO_DRIVE = ev(
    DOC1, "MSCs do not drive an immune response.", "MSCs", "immune response", "",
    modality=Modality.NEGATED, confidence=0.7, rule="abbrev",
)


def relations() -> list[Relation]:
    return [
        Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"), (SECRETE_1,)),
        Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"), (SECRETE_2, SECRETE_1)),
        Relation(k("MesenchymalStemCell"), k("inhibits"), k("MatrixDegradation"), (INHIBIT,)),
        Relation(k("MesenchymalStemCell"), k("drives"), k("ImmuneResponse"), (NO_DRIVE,)),
    ]


def mentions() -> list[Mention]:
    start = TEXT1.index("Stem cells")
    msc = TEXT1.index("MSCs")
    return [
        Mention(DOC1.doc_id, k("StemCell"), "Stem cells", Span(start, start + 10), 0),
        Mention(DOC1.doc_id, k("MesenchymalStemCell"), "MSCs", Span(msc, msc + 4), 1),  # also an evidence span
    ]


@pytest.fixture(scope="module")
def ontology():
    return load_ontology_from_text(ONTOLOGY)


@pytest.fixture(scope="module")
def graph(ontology) -> Graph:
    return build_graph(ontology, [DOC1, DOC2], relations(), mentions())


MSC = ENTITY.MesenchymalStemCell
GF = ENTITY.GrowthFactor
SECRETES_KEY = Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor")).key


# ---------------------------------------------------------------------------
# Model shape
# ---------------------------------------------------------------------------


def test_entity_node(graph):
    assert (MSC, RDF.type, KG["MesenchymalStemCell"]) in graph
    assert graph.value(MSC, RDFS.label) == Literal("mesenchymal stem cell")
    assert graph.value(MSC, SKOS.prefLabel) == Literal("mesenchymal stem cell")
    assert set(graph.objects(MSC, SKOS.altLabel)) == {Literal("mesenchymal stromal cell"), Literal("MSC")}
    assert (MSC, SKOS.exactMatch, URIRef("http://purl.obolibrary.org/obo/CL_0000134")) in graph
    assert graph.value(MSC, KG.category) == KG.Cell
    assert set(graph.objects(MSC, PROV.wasDerivedFrom)) == {DOCUMENT[DOC1.doc_id], DOCUMENT[DOC2.doc_id]}


@pytest.mark.parametrize(
    ("entity", "count"),
    [
        # MSCs in doc 1 (sentences 1, 2, 3: the mention coincides with sentence 1's subject) and doc 2
        ("MesenchymalStemCell", 4),
        ("GrowthFactor", 2),
        ("StemCell", 1),  # a mention without any relation still gets a node
        ("ImmuneResponse", 1),
    ],
)
def test_mention_count(graph, entity, count):
    value = graph.value(ENTITY[entity], KG.mentionCount)
    assert value == Literal(count) and value.datatype == _xsd('integer')


def test_only_mentioned_or_related_concepts_get_nodes(graph):
    entities = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(ENTITY))}
    assert entities == {ENTITY[n] for n in ("MesenchymalStemCell", "GrowthFactor", "MatrixDegradation", "ImmuneResponse", "StemCell")}
    assert (ENTITY.Inflammation, None, None) not in graph


def test_document_nodes(graph):
    d1, d2 = DOCUMENT[DOC1.doc_id], DOCUMENT[DOC2.doc_id]
    for node, doc in ((d1, DOC1), (d2, DOC2)):
        assert (node, RDF.type, KG.Document) in graph and (node, RDF.type, PROV.Entity) in graph
        assert graph.value(node, DCTERMS.source) == Literal(doc.source)
        assert graph.value(node, KG.characterCount) == Literal(len(doc.text))
        assert len(str(graph.value(node, KG.sha256))) == 64
    assert graph.value(d1, DCTERMS.title) == Literal("Stem cells")
    assert graph.value(d2, DCTERMS.title) is None  # no title given: none invented


def test_statement_and_merged_evidence(graph):
    stmt = STATEMENT[SECRETES_KEY]
    assert (stmt, RDF.type, RDF.Statement) in graph
    assert graph.value(stmt, RDF.subject) == MSC
    assert graph.value(stmt, RDF.predicate) == KG["secretes"]
    assert graph.value(stmt, RDF.object) == GF
    assert graph.value(stmt, KG.modality) == KG.Asserted
    # two Relation records with one key, three evidence records of which two are the same
    assert graph.value(stmt, KG.evidenceCount) == Literal(2)
    assert set(graph.objects(stmt, KG.hasEvidence)) == {EVIDENCE[SECRETE_1.key], EVIDENCE[SECRETE_2.key]}
    confidence = graph.value(stmt, KG.confidence)
    assert confidence.datatype == _xsd('decimal') and str(confidence) == "0.9"  # 1 - 0.2 * 0.5


def test_evidence_node(graph):
    node = EVIDENCE[SECRETE_1.key]
    expected = {
        KG.sentence: Literal("MSCs secrete growth factors."),
        KG.sentenceIndex: Literal(1),
        KG.charStart: Literal(SECRETE_1.sentence_span.start),
        KG.charEnd: Literal(SECRETE_1.sentence_span.end),
        KG.subjectText: Literal("MSCs"),
        KG.subjectStart: Literal(SECRETE_1.subject_span.start),
        KG.subjectEnd: Literal(SECRETE_1.subject_span.end),
        KG.objectText: Literal("growth factors"),
        KG.objectStart: Literal(SECRETE_1.object_span.start),
        KG.objectEnd: Literal(SECRETE_1.object_span.end),
        KG.triggerText: Literal("secrete"),
        KG.rule: Literal("verb:active"),
        KG.modality: KG.Asserted,
        KG.confidence: Literal("0.8", datatype=_xsd('decimal')),
        PROV.wasDerivedFrom: DOCUMENT[DOC1.doc_id],
    }
    for prop, value in expected.items():
        assert list(graph.objects(node, prop)) == [value], prop
    assert {KG.Evidence, PROV.Entity} <= set(graph.objects(node, RDF.type))
    assert TEXT1[SECRETE_1.sentence_span.start : SECRETE_1.sentence_span.end] == str(expected[KG.sentence])


def test_no_trigger_text_when_rule_has_no_trigger(graph):
    assert graph.value(EVIDENCE[NO_DRIVE.key], KG.triggerText) is None


@pytest.mark.parametrize(
    ("subject", "predicate", "obj", "direct", "modality"),
    [
        ("MesenchymalStemCell", "secretes", "GrowthFactor", True, KG.Asserted),
        ("MesenchymalStemCell", "inhibits", "MatrixDegradation", True, KG.Hedged),  # hedged still asserts the triple
        ("MesenchymalStemCell", "drives", "ImmuneResponse", False, KG.Negated),  # negated only: statement, no triple
    ],
)
def test_direct_triple_only_when_not_negated(graph, subject, predicate, obj, direct, modality):
    triple = (ENTITY[subject], KG[predicate], ENTITY[obj])
    assert (triple in graph) is direct
    key = Relation(k(subject), k(predicate), k(obj)).key
    assert graph.value(STATEMENT[key], KG.modality) == modality


def test_negated_claim_has_zero_confidence(graph):
    key = Relation(k("MesenchymalStemCell"), k("drives"), k("ImmuneResponse")).key
    assert str(graph.value(STATEMENT[key], KG.confidence)) == "0.0"


def test_modality_individuals(graph):
    for node, label in ((KG.Asserted, "asserted"), (KG.Hedged, "hedged"), (KG.Negated, "negated")):
        assert (node, RDF.type, KG.Modality) in graph
        assert graph.value(node, RDFS.label) is not None
        assert label in {str(o) for o in graph.objects(node, RDFS.label)}


def test_ontology_triples_are_copied(graph, ontology):
    assert (KG["secretes"], RDF.type, OWL.ObjectProperty) in graph
    assert (KG["MesenchymalStemCell"], RDFS.subClassOf, KG["StemCell"]) in graph
    assert len(graph) > len(ontology.graph)
    assert any(isinstance(s, BNode) for s in graph.subjects(OWL.unionOf, None))


def test_prefixes_bound(graph):
    bound = {prefix: str(ns) for prefix, ns in graph.namespaces()}
    for prefix, iri in PREFIXES.items():
        assert bound.get(prefix) == iri


def test_literals_have_no_language_tag_except_ontology(graph):
    for s, p, o in graph:
        if isinstance(o, Literal) and str(s).startswith(("https://w3id.org/kg/entity/", "https://w3id.org/kg/evidence/")):
            assert o.language is None


def test_isomorphic_to_hand_written_model(ontology):
    """One relation, compared as a graph with the model written out in Turtle."""
    text = "MSCs secrete growth factors."
    doc = Document(content_id(text), "x.txt", text, title="X")
    e = ev(doc, text, "MSCs", "growth factors", "secrete", confidence=0.85)
    rel = Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"), (e,))
    built = build_graph(ontology, [doc], [rel])
    # the modality individuals come with the ontology (core.ttl)
    for m in (KG.Asserted, KG.Hedged, KG.Negated):
        assert (m, RDF.type, KG.Modality) in built
    own = Graph()
    for triple in built:
        if triple not in ontology.graph:
            own.add(triple)
    import hashlib

    expected = Graph().parse(
        format="turtle",
        data=textwrap.dedent(
            f"""
            @prefix kg: <{KG}> . @prefix ent: <{ENTITY}> . @prefix stmt: <{STATEMENT}> .
            @prefix ev: <{EVIDENCE}> . @prefix doc: <{DOCUMENT}> .
            @prefix rdf: <{RDF}> . @prefix rdfs: <{RDFS}> . @prefix skos: <{SKOS}> .
            @prefix prov: <{PROV}> . @prefix dcterms: <{DCTERMS}> . @prefix owl: <{OWL}> .
            @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

            doc:{doc.doc_id} a kg:Document, prov:Entity ; dcterms:source "x.txt" ; dcterms:title "X" ;
                kg:sha256 "{hashlib.sha256(text.encode()).hexdigest()}" ; kg:characterCount {len(text)} .

            ent:MesenchymalStemCell a kg:MesenchymalStemCell ;
                rdfs:label "mesenchymal stem cell" ; skos:prefLabel "mesenchymal stem cell" ;
                skos:altLabel "mesenchymal stromal cell", "MSC" ;
                skos:exactMatch <http://purl.obolibrary.org/obo/CL_0000134> ;
                kg:category kg:Cell ; kg:mentionCount 1 ; prov:wasDerivedFrom doc:{doc.doc_id} .
            ent:GrowthFactor a kg:GrowthFactor ;
                rdfs:label "growth factor" ; skos:prefLabel "growth factor" ;
                kg:category kg:ChemicalEntity ; kg:mentionCount 1 ; prov:wasDerivedFrom doc:{doc.doc_id} .

            ent:MesenchymalStemCell kg:secretes ent:GrowthFactor .

            stmt:{rel.key} a rdf:Statement ;
                rdf:subject ent:MesenchymalStemCell ; rdf:predicate kg:secretes ; rdf:object ent:GrowthFactor ;
                kg:modality kg:Asserted ; kg:confidence "0.85"^^xsd:decimal ; kg:evidenceCount 1 ;
                kg:hasEvidence ev:{e.key} .

            ev:{e.key} a kg:Evidence, prov:Entity ;
                prov:wasDerivedFrom doc:{doc.doc_id} ;
                kg:sentence "{text}" ; kg:sentenceIndex 0 ; kg:charStart 0 ; kg:charEnd {len(text)} ;
                kg:subjectText "MSCs" ; kg:subjectStart 0 ; kg:subjectEnd 4 ;
                kg:objectText "growth factors" ; kg:objectStart 13 ; kg:objectEnd 27 ;
                kg:triggerText "secrete" ; kg:rule "verb:active" ;
                kg:modality kg:Asserted ; kg:confidence "0.85"^^xsd:decimal .

            # precomputed figures (kg/tally.py)
            doc:{doc.doc_id} kg:entityCount 2 ; kg:claimCount 1 ; kg:sentenceCount 1 .
            ent:MesenchymalStemCell kg:degree 1 ;
                kg:nameKey "mesenchymal stem cell", "mesenchymal stromal cell", "msc" .
            ent:GrowthFactor kg:degree 1 ; kg:nameKey "growth factor" .
            <{tally("relation", str(k("secretes")), "asserted")}> a kg:RelationTally ;
                kg:relationType kg:secretes ; kg:strongestModality kg:Asserted ;
                kg:claimCount 1 ; kg:sentenceCount 1 .
            <{tally("rule", "verb:active", "asserted")}> a kg:RuleTally ;
                kg:extractionRule "verb:active" ; kg:sentenceModality kg:Asserted ;
                kg:sentenceCount 1 ; kg:meanConfidence "0.85"^^xsd:decimal .
            """
        ),
    )
    assert isomorphic(own, expected)


def tally(kind: str, *parts: str) -> str:
    """A tally node's IRI as docs/rdf-model.md defines it."""
    import hashlib

    return f"https://w3id.org/kg/tally/{kind}-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        (Relation(k("Nope"), k("secretes"), k("GrowthFactor"), (SECRETE_1,)), "not in the ontology"),
        (Relation(k("MesenchymalStemCell"), k("eats"), k("GrowthFactor"), (SECRETE_1,)), "unknown relation type"),
        (Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"), ()), "no evidence"),
    ],
)
def test_bad_relations_are_refused(ontology, relation, message):
    with pytest.raises(GraphError, match=message):
        build_graph(ontology, [DOC1], [relation])


def test_evidence_from_unlisted_document_gets_minimal_node(ontology):
    graph = build_graph(ontology, [], [relations()[0]])
    node = DOCUMENT[DOC1.doc_id]
    assert (node, RDF.type, KG.Document) in graph
    assert graph.value(node, DCTERMS.source) == Literal("a.txt")


@pytest.mark.parametrize(
    ("iri", "local"),
    [
        ("https://w3id.org/kg/ontology/MesenchymalStemCell", "MesenchymalStemCell"),
        ("http://purl.obolibrary.org/obo/CL_0000134", "CL_0000134"),
        ("http://example.org/onto#Thing", "Thing"),
    ],
)
def test_local_name(iri, local):
    assert local_name(iri) == local
    assert entity_iri(iri) == ENTITY[local]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.9, "0.9"), (1.0, "1.0"), (0.0, "0.0"), (0.123456, "0.1235"), (0.85, "0.85"), (0.99999, "1.0")],
)
def test_confidence_literal(value, text):
    lit = kg_graph._decimal(value)
    assert str(lit) == text and lit.datatype == _xsd('decimal')


# ---------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------


def test_same_input_same_sorted_ntriples(ontology, graph):
    shuffled = relations()
    random.Random(3).shuffle(shuffled)
    shuffled = [Relation(r.subject, r.predicate, r.object, tuple(reversed(r.evidence))) for r in shuffled]
    again = build_graph(ontology, [DOC2, DOC1], shuffled, list(reversed(mentions())))
    first, second = to_sorted_ntriples(graph), to_sorted_ntriples(again)
    assert first == second
    assert isomorphic(graph, again)
    lines = first.splitlines()
    assert lines == sorted(lines) and len(lines) == len(graph)
    assert first.endswith("\n")


def test_sorted_ntriples_relabels_blank_nodes_canonically(graph):
    text = to_sorted_ntriples(graph)
    assert "_:cb" in text  # canonical labels, not rdflib's random ones
    assert isomorphic(Graph().parse(data=text, format="nt"), graph)


@pytest.mark.slow
def test_sorted_ntriples_identical_across_processes():
    """Hash randomisation and fresh blank node ids must not change a byte."""
    script = textwrap.dedent(
        f"""
        import sys, hashlib
        sys.path.insert(0, {str(ROOT)!r})
        from kg.graph import build_graph, to_sorted_ntriples
        from kg.ontology import load_ontology_from_text
        print(hashlib.sha256(to_sorted_ntriples(build_graph(load_ontology_from_text(), [], [])).encode()).hexdigest())
        """
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------


def test_write_outputs(tmp_path, graph):
    out = tmp_path / "build"
    paths = write_outputs(graph, out, "<html>view</html>")
    assert paths == {"ttl": out / "graph.ttl", "nt": out / "graph.nt", "html": out / "graph.html"}
    assert (out / "graph.nt").read_text(encoding="utf-8") == to_sorted_ntriples(graph)
    assert isomorphic(Graph().parse(out / "graph.ttl", format="turtle"), graph)
    assert (out / "graph.html").read_text(encoding="utf-8") == "<html>view</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]  # no temporary folder left


def test_write_outputs_without_html_keeps_other_files(tmp_path, graph):
    out = tmp_path / "build"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    paths = write_outputs(graph, out, None)
    assert set(paths) == {"ttl", "nt"}
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "graph.html").exists()


def _previous_outputs(out: Path) -> dict[str, str]:
    out.mkdir(parents=True)
    old = {"graph.ttl": "old ttl", "graph.nt": "old nt", "graph.html": "old html"}
    for name, text in old.items():
        (out / name).write_text(text)
    return old


def test_failed_serialisation_keeps_previous_outputs(tmp_path, graph, monkeypatch):
    out = tmp_path / "build"
    old = _previous_outputs(out)

    def broken(_graph):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(kg_graph, "to_sorted_ntriples", broken)  # graph.ttl is written, then this fails
    with pytest.raises(OutputError, match="graph.nt"):
        write_outputs(graph, out, "<html>new</html>")
    assert {p.name: p.read_text() for p in out.iterdir()} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_failed_move_restores_previous_outputs(tmp_path, graph, monkeypatch):
    out = tmp_path / "build"
    old = _previous_outputs(out)
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 2:  # graph.ttl is already in place when graph.nt fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(kg_graph.os, "replace", flaky)
    with pytest.raises(OutputError, match="No space left"):
        write_outputs(graph, out, "<html>new</html>")
    assert {p.name: p.read_text() for p in out.iterdir()} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def _shared_bnode_graph() -> Graph:
    """A blank node two triples point at: rdflib cannot write it inline."""
    g = Graph()
    shared = BNode()  # a fresh random label each time
    g.add((URIRef("http://example.org/a"), RDFS.seeAlso, shared))
    g.add((URIRef("http://example.org/b"), RDFS.seeAlso, shared))
    g.add((shared, RDFS.label, Literal("shared")))
    return g


@pytest.mark.parametrize("make", [_shared_bnode_graph, lambda: build_graph(load_ontology_from_text(ONTOLOGY), [DOC1], relations())])
def test_turtle_output_is_byte_identical(tmp_path, make):
    first = write_outputs(make(), tmp_path / "one", None)["ttl"].read_bytes()
    second = write_outputs(make(), tmp_path / "two", None)["ttl"].read_bytes()
    assert first == second
    assert isomorphic(Graph().parse(data=first, format="turtle"), make())


def test_output_dir_that_is_a_file(tmp_path, graph):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        write_outputs(graph, target, None)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [("g.ttl", "turtle"), ("g.nt", "nt"), ("g.jsonld", "json-ld"), ("g.nq", "nquads")])
def test_load_graph_round_trip(tmp_path, graph, name, fmt):
    path = tmp_path / name
    if fmt == "nquads":
        path.write_text(to_sorted_ntriples(graph).replace(" .\n", " <http://example.org/g> .\n"), encoding="utf-8")
    else:
        path.write_bytes(graph.serialize(format=fmt, encoding="utf-8"))
    assert isomorphic(load_graph(path), graph)


def test_load_graph_from_build_folder(tmp_path, graph):
    write_outputs(graph, tmp_path / "build", None)
    loaded = load_graph(tmp_path / "build")
    assert isomorphic(loaded, graph)
    assert dict((p, str(n)) for p, n in loaded.namespaces())["ent"] == str(ENTITY)


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.ttl", "@prefix x: <http://x/> .\nx:a x:b x:c .\nx:a x:b .\n", "bad.ttl:3"),
        ("bad.nt", "<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> <http://x/b> \"open .\n", "bad.nt:2"),
        ("bad.jsonld", '{"@id": \n', "bad.jsonld:2"),
    ],
)
def test_load_graph_reports_file_and_line(tmp_path, name, content, where):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(GraphError) as info:
        load_graph(path)
    assert where in str(info.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.ttl", "no such graph file"),
        (lambda p: p, "holds no graph.nt or graph.ttl"),
        (lambda p: (p / "g.csv").write_text("a,b") and p / "g.csv", "unknown graph file type"),
    ],
)
def test_load_graph_errors(tmp_path, make, message):
    with pytest.raises(GraphError, match=message):
        load_graph(make(tmp_path))


def test_json_ld_output_is_parseable(graph):
    data = json.loads(graph.serialize(format="json-ld"))
    assert data
