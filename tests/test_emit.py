"""kg.emit: the streaming graph writer gives exactly the graph kg.graph.build_graph describes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kg.assembly import assemble
from kg.emit import GraphWriter, literal, sort_unique
from kg.errors import GraphError
from kg.graph import DocumentInfo, build_graph, load_graph, to_sorted_ntriples
from kg.namespaces import DOCUMENT, KG
from kg.ontology import load_ontology
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id
from kg.view import store_view_graph, view_data

MSC, GF, MD, INF = (str(KG[n]) for n in ("MesenchymalStemCell", "GrowthFactor", "MatrixDegradation", "Inflammation"))
SECRETES, INHIBITS, DRIVES = (str(KG[n]) for n in ("secretes", "inhibits", "drives"))


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def _doc(text: str, source: str, **meta: str) -> Document:
    return Document(content_id(text), source, text, title=f"Title of {source}", meta=tuple(sorted(meta.items())))


def _ev(doc: Document, start: int, *, rule="verb:active", modality=Modality.ASSERTED, confidence=0.8, sentence=None) -> Evidence:
    sentence = doc.text if sentence is None else sentence
    return Evidence(
        doc.doc_id, doc.source, sentence, start, Span(0, len(doc.text)), "MSCs", Span(start, start + 4), "growth factors",
        Span(start + 5, start + 19), "secrete", Span(start + 4, start + 5), rule, modality, confidence,
    )  # fmt: skip


def _records():
    """Documents and results covering what the model writes: metadata, modalities, shared keys, odd text."""
    plain = _doc("MSCs secrete growth factors.", "a.txt")
    odd = _doc('Odd "quoted" \\ text\nwith a newline,\r a tab\t, Greek β and <script>.', "odd <b>.txt", pmid="123",
               pmcid="PMC42", doi="10.1000/x(y)", journal="Spine J", year="2024")  # fmt: skip
    third = _doc("MSCs do not drive inflammation.", "c.txt", year="20x4")
    ev_a = _ev(plain, 0)
    ev_hedged = _ev(plain, 0, rule="verb:hedged", modality=Modality.HEDGED, confidence=0.55)
    ev_odd = _ev(odd, 0, sentence=odd.text, confidence=0.9)
    ev_odd_weaker = _ev(odd, 0, sentence=odd.text, confidence=0.3)  # same key, lower confidence: dropped
    ev_neg = _ev(third, 0, modality=Modality.NEGATED, rule="verb:negated", confidence=0.7)
    results = [
        (plain, [Mention(plain.doc_id, MSC, "MSCs", Span(0, 4), 0), Mention(plain.doc_id, GF, "growth factors", Span(13, 27), 0)],
         [Relation(MSC, SECRETES, GF, (ev_a, ev_hedged)), Relation(MSC, INHIBITS, GF, (ev_a,))]),
        (odd, [Mention(odd.doc_id, MD, "Odd", Span(0, 3), 0)],
         [Relation(MSC, SECRETES, GF, (ev_odd,)), Relation(MSC, SECRETES, GF, (ev_odd_weaker,))]),
        (third, [], [Relation(MSC, DRIVES, INF, (ev_neg,))]),
    ]  # fmt: skip
    return results


def _write(ontology, results, folder: Path):
    writer = GraphWriter(ontology, folder)
    for doc, mentions, relations in results:
        writer.add(DocumentInfo.of(doc), mentions, relations)
    return writer, writer.finish()


def _reference(ontology, results) -> str:
    infos = [DocumentInfo.of(doc) for doc, _, _ in results]
    relations = assemble([r for _, _, rels in results for r in rels])
    mentions = [m for _, ms, _ in results for m in ms]
    return to_sorted_ntriples(build_graph(ontology, infos, relations, mentions))


def test_same_lines_as_the_rdflib_model(ontology, tmp_path):
    results = _records()
    _, written = _write(ontology, results, tmp_path / "w")
    expected = _reference(ontology, results)
    assert written.ntriples.read_text(encoding="utf-8") == expected
    assert written.triples == len(expected.splitlines())


def test_order_of_documents_does_not_matter(ontology, tmp_path):
    results = _records()
    _, one = _write(ontology, results, tmp_path / "one")
    _, two = _write(ontology, list(reversed(results)), tmp_path / "two")
    assert one.ntriples.read_bytes() == two.ntriples.read_bytes()
    assert one.graph_digests == two.graph_digests and one.default_digest == two.default_digest


def test_real_extraction_matches(ontology, tmp_path, default_corpus):
    from kg.corpus import read_corpus
    from kg.pipeline import extract

    docs = [d for d in read_corpus([default_corpus, Path(__file__).parent / "fixtures" / "pubmed" / "articles.xml"])
            if isinstance(d, Document)]  # fmt: skip
    results = [(r.document, r.mentions, r.relations) for r in extract(docs, ontology)]
    _, written = _write(ontology, results, tmp_path / "w")
    assert written.ntriples.read_text(encoding="utf-8") == _reference(ontology, results)


def test_documents_own_their_named_graphs(ontology, tmp_path):
    results = _records()
    _, written = _write(ontology, results, tmp_path / "w")
    quads = written.quads.read_text(encoding="utf-8").splitlines()
    docs = {str(DOCUMENT[doc.doc_id]) for doc, _, _ in results}
    graphs = {line[line.rindex(" <") + 2 : -3] for line in quads}
    assert graphs == docs == set(written.graph_digests)
    for line in quads:  # the document node, its evidence and the links to that evidence
        subject = line.split(" ", 1)[0]
        assert subject.startswith(("<https://w3id.org/kg/document/", "<https://w3id.org/kg/evidence/")) or (
            " <https://w3id.org/kg/ontology/hasEvidence> " in line
        )
    default = written.default.read_text(encoding="utf-8")
    assert "/evidence/" not in default.replace("hasEvidence", "")
    assert default.splitlines() == sorted(set(default.splitlines()))


def test_a_document_added_twice_is_refused(ontology, tmp_path):
    doc, mentions, relations = _records()[0]
    writer = GraphWriter(ontology, tmp_path)
    writer.add(DocumentInfo.of(doc), mentions, relations)
    with pytest.raises(GraphError, match="already added"):
        writer.add(DocumentInfo.of(doc), mentions, relations)


def test_unknown_concepts_are_refused(ontology, tmp_path):
    doc, _, _ = _records()[0]
    bad = Relation(MSC, SECRETES, str(KG["NoSuchThing"]), (_ev(doc, 0),))
    with pytest.raises(GraphError, match="not in the ontology"):
        GraphWriter(ontology, tmp_path).add(DocumentInfo.of(doc), [], [bad])


def test_tallies(ontology, tmp_path):
    writer, _ = _write(ontology, _records(), tmp_path)
    assert (writer.statements, writer.evidence, writer.mentions) == (3, 5, 3)
    assert writer.counts_by_modality() == {Modality.ASSERTED: 2, Modality.NEGATED: 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("plain", '"plain"'), ('a "q"', '"a \\"q\\""'), ("back\\slash", '"back\\\\slash"'), ("l1\nl2\r", '"l1\\nl2\\r"'),
     ("tab\tβ", '"tab\tβ"')],
)  # fmt: skip
def test_literal_escaping(text, expected):
    assert literal(text) == expected


@pytest.mark.parametrize(("chunk", "system_sort"), [(1, False), (3, False), (10_000, False), (10_000, True)])
def test_sort_unique_on_disk(tmp_path, monkeypatch, chunk, system_sort):
    import kg.emit

    if system_sort and kg.emit.shutil.which("sort") is None:
        pytest.skip("no sort command on this system")
    if not system_sort:  # the pure-Python merge sort used where there is no sort command
        monkeypatch.setattr(kg.emit.shutil, "which", lambda name: None)
    rng = random.Random(7)
    lines = [f"<s{rng.randint(0, 50)}> <p> \"{rng.choice(['a', 'ä', 'z', 'β', 'Z', '~'])}\" .\n" for _ in range(200)]
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text("".join(lines[:100]), encoding="utf-8")
    second.write_text("".join(lines[100:]), encoding="utf-8")
    out = tmp_path / "out.nt"
    count = sort_unique([first, second], out, tmp_path, chunk=chunk)
    expected = sorted(set(lines))
    assert out.read_text(encoding="utf-8").splitlines(keepends=True) == expected and count == len(expected)
    assert sorted(expected, key=lambda s: s.encode("utf-8")) == expected  # code-point order is byte order
    assert not list(tmp_path.glob("run-*"))


def test_view_from_the_store_equals_the_view_of_the_graph(default_build):
    from kg.store import OxigraphStore

    whole = view_data(load_graph(default_build))
    with OxigraphStore(default_build / "store", read_only=True) as store:
        assert view_data(store_view_graph(store, max_evidence=1000)) == whole
        top = view_data(store_view_graph(store, max_nodes=5, max_evidence=1))
    assert len(top.nodes) == 5
    degree = {n.id: 0 for n in whole.nodes}
    for edge in whole.edges:
        degree[edge.source] += 1
        degree[edge.target] += 1
    most = sorted(degree.values(), reverse=True)
    assert sorted((degree[n.id] for n in top.nodes), reverse=True) == most[:5]
    assert all(len(e.evidence) <= 1 for e in top.edges)
    assert {e.id for e in top.edges} == {
        e.id for e in whole.edges if {e.source, e.target} <= {n.id for n in top.nodes}
    }
