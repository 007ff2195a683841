"""kg.sources: PubMed/MEDLINE XML and BioC XML/JSON into documents, safely, reporting what is skipped."""

from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.corpus import corpus_files, read_corpus
from kg.namespaces import DOCUMENT, SCHEMA
from kg.records import Document, Skipped, content_id
from kg.sources import iter_xml, read_structured, structured_suffix

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PUBMED = FIXTURES / "pubmed"
BIOC = FIXTURES / "bioc"

T1 = "Mesenchymal stem cells for degenerative disc disease: a pilot study."
TEXT1 = (
    f"{T1}\n\n"
    "BACKGROUND: Degenerative disc disease causes low back pain in many adults.\n\n"
    "METHODS: We injected mesenchymal stem cells into the nucleus pulposus of 12 patients.\n\n"
    "RESULTS: Mesenchymal stem cells secrete growth factors."
)
TEXT2 = (
    "Growth factors and the intervertebral disc.\n\n"
    "The annulus fibrosus is part of the intervertebral disc. Growth factors may slow disc degeneration."
)

# An expected Document: ("doc", source, title, text, meta); a Skipped: ("skip", source, words in the reason).
FILE_CASES = [
    (
        PUBMED / "articles.xml",
        [
            (
                "doc",
                "articles.xml#PMID:90000001",
                T1,
                TEXT1,
                {"format": "PubMed XML", "pmid": "90000001", "journal": "J Imag Spine Res", "year": "2019",
                 "doi": "10.9999/jisr.2019.001", "pmcid": "PMC9900001"},
            ),
            ("skip", "articles.xml#record 2", ["line 44", "no <MedlineCitation>/<PMID>"]),
            (
                "doc",
                "articles.xml#PMID:90000002",
                "Growth factors and the intervertebral disc.",
                TEXT2,
                {"format": "PubMed XML", "pmid": "90000002", "journal": "Annals of Invented Medicine", "year": "1998"},
            ),
            (
                "doc",
                "articles.xml#PMID:90000003",
                "Low back pain in office workers.",
                "Low back pain in office workers.",
                {"format": "PubMed XML", "pmid": "90000003", "journal": "Annals of Invented Medicine", "year": "2021"},
            ),
            ("skip", "articles.xml#PMID:90000004", ["line 99", "neither a title nor an abstract"]),
        ],
    ),
    (
        PUBMED / "update.xml",
        [
            (
                "doc",
                "update.xml#PMID:90000005",
                "Nucleus pulposus cells after injury.",
                "Nucleus pulposus cells after injury.\n\nMesenchymal stem cells may differentiate into nucleus pulposus cells.",
                {"format": "PubMed XML", "pmid": "90000005", "journal": "J Imag Spine Res", "year": "2023"},
            ),
            ("skip", "update.xml#record 2", ["line 22", "<PubmedBookArticle>", "not read"]),
            ("skip", "update.xml#DeleteCitation", ["line 27", "withdraws 2 citations", "PMID:90000007, PMID:90000008"]),
        ],
    ),
    (
        BIOC / "pubtator.bioc.xml",
        [
            (
                "doc",
                "pubtator.bioc.xml#PMID:90000011",
                "Growth factors from mesenchymal stem cells.",
                "Growth factors from mesenchymal stem cells.\n\n"
                "Mesenchymal stem cells secrete growth factors. Degenerative disc disease causes low back pain.",
                {"format": "BioC XML", "pmid": "90000011", "doi": "10.9999/si.2018.010", "journal": "Spine Imag", "year": "2018"},
            ),
            ("skip", "pubtator.bioc.xml#PMID:90000012", ["line 28", "no passage with text"]),
            (
                "doc",
                "pubtator.bioc.xml#PMID:90000013",
                "The nucleus pulposus is part of the intervertebral disc.",
                "The nucleus pulposus is part of the intervertebral disc.",
                {"format": "BioC XML", "pmid": "90000013", "journal": "Ann Invent Med", "year": "2016"},
            ),
        ],
    ),
    (
        BIOC / "pubtator3.bioc.json",
        [
            (
                "doc",
                "pubtator3.bioc.json#PMID:90000014",
                "Stem cell therapy for low back pain.",
                "Stem cell therapy for low back pain.\n\nMesenchymal stem cells may reduce low back pain.",
                {"format": "BioC JSON", "pmid": "90000014", "doi": "10.9999/jisr.2024.002", "journal": "J Imag Spine Res", "year": "2024"},
            ),
            ("skip", "pubtator3.bioc.json#id:90000015", ["PubTator3[1].passages[0].text", "expected a string, got a number"]),
            (
                "doc",
                "pubtator3.bioc.json#PMID:90000016",
                "Annulus fibrosus tears.",
                "Annulus fibrosus tears.",
                {"format": "BioC JSON", "pmid": "90000016", "year": "2010"},
            ),
        ],
    ),
    (
        BIOC / "pmc.bioc.json",
        [
            (
                "doc",
                "pmc.bioc.json#PMID:90000017",
                "Disc cells and the cells that might replace them",
                "Disc cells and the cells that might replace them\n\n"
                "Mesenchymal stem cells may differentiate into nucleus pulposus cells.\n\n"
                "Degenerative disc disease causes low back pain.",  # references and competing interests left out
                {"format": "BioC JSON", "pmid": "90000017", "pmcid": "PMC9900002", "doi": "10.9999/ocr.2022.5",
                 "journal": "Open Cell Res", "year": "2022"},
            ),
        ],
    ),
]


def check(records, expected):
    assert len(records) == len(expected), records
    for record, want in zip(records, expected):
        assert record.source == want[1]
        if want[0] == "doc":
            assert isinstance(record, Document), record
            assert record.title == want[2]
            assert record.text == want[3]
            assert record.doc_id == content_id(want[3])
            assert dict(record.meta) == want[4]
            assert [k for k, _ in record.meta][0] == "format"  # a stable order
        else:
            assert isinstance(record, Skipped), record
            for word in want[2]:
                assert word in record.reason, record.reason


@pytest.mark.parametrize(("path", "expected"), FILE_CASES, ids=[c[0].name for c in FILE_CASES])
def test_fixture_files(path, expected):
    check(list(read_corpus([path])), expected)


def test_gzipped_pubmed_reads_like_plain(tmp_path):
    plain = list(read_corpus([PUBMED / "update.xml"]))
    gz = tmp_path / "update.xml.gz"
    gz.write_bytes(gzip.compress((PUBMED / "update.xml").read_bytes(), mtime=0))
    zipped = list(read_corpus([gz]))
    assert [r.source.replace("update.xml.gz", "update.xml") for r in zipped] == [r.source for r in plain]
    assert [getattr(r, "text", None) for r in zipped] == [getattr(r, "text", None) for r in plain]
    assert zipped[0].source == "update.xml.gz#PMID:90000005"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("xxe.xml", ["line 3", "unsafe XML refused", "'xxe'", "file:///etc/passwd", "never expands"]),
        ("billion-laughs.xml", ["line 3", "unsafe XML refused", "'lol'"]),
        ("external-dtd-entity.xml", ["line 3", "unsafe XML refused", "'remote'", "http://example.invalid/evil.dtd"]),
    ],
)
def test_unsafe_xml_is_refused_not_expanded(name, words):
    records = list(read_corpus([PUBMED / "unsafe" / name]))
    assert len(records) == 1 and isinstance(records[0], Skipped), records
    assert records[0].source == name
    for word in words:
        assert word in records[0].reason
    assert "root:" not in records[0].reason  # nothing of /etc/passwd leaked into the report


ARTICLE = """<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>
<ArticleTitle>{title}</ArticleTitle></Article></MedlineCitation></PubmedArticle>
"""


def pubmed_xml(*articles: tuple[str, str], tail: str = "</PubmedArticleSet>\n") -> str:
    body = "".join(ARTICLE.format(pmid=p, title=t) for p, t in articles)
    return f'<?xml version="1.0"?>\n<PubmedArticleSet>\n{body}{tail}'


# (id, file name, content, expected records as in FILE_CASES, with meta left out)
INLINE_CASES = [
    (
        "broken XML after a good record",
        "broken.xml",
        pubmed_xml(("90000020", "Fine title."), tail="<PubmedArticle><MedlineCitation>\n</PubmedArticleSet>\n"),
        [("doc", "broken.xml#PMID:90000020", "Fine title."), ("skip", "broken.xml", ["line 6, column 3", "not well-formed XML", "mismatched tag", "the 1 document before it were read"])],
    ),
    ("unknown root", "page.xml", "<html><body>hi</body></html>", [("skip", "page.xml", ["line 1", "unknown XML", "<html>", "<PubmedArticleSet>", "<collection>"])]),
    ("efetch error answer", "err.xml", "<eFetchResult><ERROR>Empty result</ERROR></eFetchResult>", [("skip", "err.xml", ["unknown XML", "<eFetchResult>"])]),
    ("empty xml", "empty.xml", "", [("skip", "empty.xml", ["line 1", "not well-formed XML", "no element found"])]),
    ("undefined entity", "ent.xml", pubmed_xml(("90000021", "Caf&eacute;")), [("skip", "ent.xml", ["line 4", "undefined entity"])]),
    ("non-numeric PMID", "pmid.xml", pubmed_xml(("abc", "Title.")), [("skip", "pmid.xml#PMID:abc", ["line 3", "PMID 'abc' is not a number"])]),
    ("not gzip", "fake.xml.gz", b"\x1f\x8bnot really gzip", [("skip", "fake.xml.gz", ["not a valid gzip file"])]),
    ("truncated gzip", "cut.xml.gz", gzip.compress(pubmed_xml(("90000022", "T.")).encode())[:-12], [("skip", "cut.xml.gz", ["not a valid gzip file"])]),
    ("not json", "bad.json", '{"documents": [\n  {"id": 1,}\n]}', [("skip", "bad.json", ["line 2, column 12", "not valid JSON"])]),
    ("json that is not bioc", "data.json", '{"rows": [1, 2]}', [("skip", "data.json", ["JSON that is not BioC", "\"documents\""])]),
    ("empty json", "none.json", "", [("skip", "none.json", ["empty file"])]),
    (
        "bioc json: a collection, bad passages and a document that is not an object",
        "c.bioc.json",
        json.dumps({"source": "x", "documents": [
            {"id": "d1", "passages": [{"infons": {"type": "title"}, "text": "Title one."}]},
            {"id": "d2", "passages": "oops"},
            "not a document",
            {"id": "PMC5", "infons": {"article-id_pmc": "5"}, "passages": [{"text": "Only text."}]},
        ]}),
        [
            ("doc", "c.bioc.json#id:d1", "Title one."),
            ("skip", "c.bioc.json#id:d2", ["documents[1].passages", "expected a list of passages, got a string"]),
            ("skip", "c.bioc.json#document 3", ["documents[2]", "expected a BioC document (an object), got a string"]),
            ("doc", "c.bioc.json#PMC5", None),
        ],
    ),
    (
        "bioc json: one document",
        "one.json",
        json.dumps({"id": "77", "passages": [{"infons": {"type": "abstract"}, "text": "  Abstract only.  "}]}),
        [("doc", "one.json#PMID:77", None)],
    ),
    (
        "bioc xml: a stray element",
        "c.xml",
        "<collection><source>s</source><document><id>1</id><passage><text>T.</text></passage></document><note/></collection>",
        [("doc", "c.xml#PMID:1", None), ("skip", "c.xml#record 3", ["<note> is not part of a BioC collection"])],
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), [c[1:] for c in INLINE_CASES], ids=[c[0] for c in INLINE_CASES])
def test_inline_cases(make_corpus, name, content, expected):
    records = list(read_corpus([make_corpus({name: content}) / name]))
    assert len(records) == len(expected), records
    for record, want in zip(records, expected):
        assert record.source == want[1]
        if want[0] == "doc":
            assert isinstance(record, Document), record
            assert record.title == want[2]
        else:
            assert isinstance(record, Skipped), record
            for word in want[2]:
                assert word in record.reason, record.reason


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("a.xml", ".xml"),
        ("A.XML", ".xml"),
        ("pubmed25n0001.xml.gz", ".xml.gz"),
        ("x.bioc.xml", ".xml"),
        ("x.bioc.json", ".json"),
        ("x.json", ".json"),
        ("x.txt", None),
        ("x.gz", None),
        ("x.json.gz", None),
        (".xml", None),
    ],
)
def test_structured_suffix(name, suffix):
    assert structured_suffix(name) == suffix


def test_folders_list_the_new_formats(make_corpus):
    root = make_corpus({"a.txt": "A", "b.xml": "<x/>", "c.xml.gz": b"", "d.bioc.json": "{}", "e.csv": "x", "f.gz": b""})
    assert [f.source for f in corpus_files([root])] == ["a.txt", "b.xml", "c.xml.gz", "d.bioc.json"]


def test_a_folder_of_xml_only_is_a_corpus(tmp_path):
    shutil.copy(PUBMED / "update.xml", tmp_path / "update.xml")
    records = list(read_corpus([tmp_path]))
    assert isinstance(records[0], Document)


def test_same_article_in_two_files_is_a_duplicate(tmp_path):
    for name in ("batch-1.xml", "batch-2.xml"):
        (tmp_path / name).write_text(pubmed_xml(("90000030", "Same article.")), encoding="utf-8")
    records = list(read_corpus([tmp_path]))
    assert isinstance(records[0], Document)
    assert records[1] == Skipped("batch-2.xml#PMID:90000030", "duplicate of batch-1.xml#PMID:90000030")


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_large_files_are_streamed():
    data = pubmed_xml(*((str(90_100_000 + i), f"Article number {i}.") for i in range(5000))).encode()
    stream = CountingStream(data)
    items = iter_xml(stream)
    assert next(items) == ("PubmedArticleSet", 2)
    first = next(items)
    assert first.index == 1 and first.line == 3
    assert stream.consumed < len(data) / 4  # the first record arrives long before the end is read
    rest = list(items)
    assert len(rest) == 4999
    assert rest[-1].element.findtext("MedlineCitation/PMID") == "90104999"


def test_read_structured_never_raises_for_unreadable_files(tmp_path, monkeypatch):
    path = tmp_path / "a.xml"
    path.write_text("<PubmedArticleSet/>")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    assert list(read_structured(path, "a.xml")) == [Skipped("a.xml", "cannot read: Permission denied")]


# -- the document nodes of a built graph -------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A build of the PubMed fixtures and one BioC file (the unsafe files are reported)."""
    from kg.build import build
    from kg.graph import load_graph

    corpus = tmp_path_factory.mktemp("sources-corpus")
    shutil.copytree(PUBMED, corpus / "pubmed")
    shutil.copy(BIOC / "pmc.bioc.json", corpus / "pmc.bioc.json")
    out = tmp_path_factory.mktemp("sources-build") / "out"
    summary = build([corpus], out)
    return summary, load_graph(out)


def test_build_reports_skipped_records(built):
    summary, _ = built
    assert summary.documents == 5
    skipped = {s.source for s in summary.skipped}
    assert {"pubmed/unsafe/xxe.xml", "pubmed/unsafe/billion-laughs.xml", "pubmed/articles.xml#record 2",
            "pubmed/update.xml#DeleteCitation"} <= skipped


def test_document_node_carries_bibliographic_metadata(built):
    from rdflib.namespace import XSD

    _, graph = built
    node = DOCUMENT[content_id(TEXT1)]
    assert graph.value(node, DCTERMS.source) == Literal("pubmed/articles.xml#PMID:90000001")
    assert graph.value(node, DCTERMS.title) == Literal(T1)
    assert set(graph.objects(node, DCTERMS.identifier)) == {
        Literal("PMID:90000001"), Literal("PMCID:PMC9900001"), Literal("doi:10.9999/jisr.2019.001")
    }
    assert set(graph.objects(node, SCHEMA.sameAs)) == {
        URIRef("https://pubmed.ncbi.nlm.nih.gov/90000001/"),
        URIRef("https://pmc.ncbi.nlm.nih.gov/articles/PMC9900001/"),
        URIRef("https://doi.org/10.9999/jisr.2019.001"),
    }
    assert graph.value(node, SCHEMA.isPartOf) == Literal("J Imag Spine Res")
    assert graph.value(node, DCTERMS.issued) == Literal("2019", datatype=XSD.gYear)


def test_relations_read_from_abstracts_point_to_their_article(built):
    _, graph = built
    rows = graph.query(
        """SELECT DISTINCT ?pmid WHERE {
             ?stmt rdf:predicate kg:secretes ; kg:hasEvidence ?ev .
             ?ev prov:wasDerivedFrom ?doc . ?doc dcterms:identifier ?pmid .
             FILTER(STRSTARTS(?pmid, "PMID:"))
           }"""
    )
    assert {str(row.pmid) for row in rows} == {"PMID:90000001"}


def test_text_documents_get_no_bibliographic_triples(built):
    from kg.graph import build_graph
    from kg.ontology import load_ontology_from_text

    doc = Document(content_id("Plain."), "plain.txt", "Plain.", "Plain.", (("format", "text/plain"),))
    graph = build_graph(load_ontology_from_text(), [doc], [])
    node = DOCUMENT[doc.doc_id]
    for predicate in (DCTERMS.identifier, SCHEMA.sameAs, SCHEMA.isPartOf, DCTERMS.issued):
        assert graph.value(node, predicate) is None


def test_rebuild_keeps_bibliographic_metadata(tmp_path):
    from kg.build import build
    from kg.graph import load_graph

    out = tmp_path / "out"
    for _ in range(2):
        build([BIOC / "pmc.bioc.json"], out)
    identifiers = {str(o) for o in load_graph(out).objects(None, DCTERMS.identifier)}
    assert "PMID:90000017" in identifiers
