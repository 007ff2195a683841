"""kg ontology import: branches of CL and UBERON become user modules whose terms are found in text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import OntologyError, SourceOntologyError
from kg.graph import build_graph, entity_iri
from kg.importer import import_branch, parse_obo, parse_owl, read_source, select_branch
from kg.namespaces import KG
from kg.ontology import load_ontology
from kg.pipeline import Extractor
from kg.records import Document, content_id

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "obo"
CL_EXCERPT = FIXTURES / "cl-excerpt.obo"
UBERON_EXCERPT = FIXTURES / "uberon-excerpt.obo"
SHARED = REPO.parent / "shared" / "ontologies"
CORE = REPO / "ontology" / "core.ttl"
OBO = "http://purl.obolibrary.org/obo/"


def mentions(ontology, text: str) -> dict[str, str]:
    """Mention text -> concept IRI."""
    result = next(Extractor(ontology).run([Document(content_id(text), "t.txt", text)]))
    return {m.text: m.concept for m in result.mentions}


# -- reading OBO ------------------------------------------------------------------


def test_parse_cl_excerpt():
    source = read_source(CL_EXCERPT)
    assert source.version == "cl/releases/2022-11-25/cl-basic.owl"
    osteoblast = source.terms["CL:0000062"]
    assert osteoblast.name == "osteoblast"
    assert osteoblast.parents == ("CL:0000055", "CL:0002320", "CL:0011026")
    assert "FMA:66780" in osteoblast.xrefs
    assert osteoblast.definition.startswith("Skeletogenic cell that secretes osteoid")
    assert source.terms["CL:0000002"].obsolete
    hepatic = source.terms["CL:0002195"]
    assert any(s.text == "HpSC" and s.kind == "abbreviation" for s in hepatic.synonyms)


def test_a_malformed_line_inside_a_stanza_is_skipped_not_fatal():
    # UBERON's musculoskeletal.obo has "xref: :bony projection", which strict parsers reject
    source = read_source(UBERON_EXCERPT)
    bony = source.terms["UBERON:0004530"]
    assert bony.name == "bony projection"
    assert all(not x.startswith(":") for x in bony.xrefs)


OBO_TEXT = """format-version: 1.2

[Term]
id: X:0000001
name: thing ! a comment
def: "A \\"quoted\\" definition." [REF:1]
synonym: "other thing" EXACT []
synonym: "OT" EXACT abbreviation [REF:2]
synonym: "loose thing" RELATED []
synonym: "things" EXACT PLURAL []
is_a: X:0000000 {is_inferred="true"} ! root
xref: MESH:D000001 {source="x"}
"""


def test_parse_obo_details():
    term = parse_obo(OBO_TEXT).terms["X:0000001"]
    assert term.name == "thing"
    assert term.definition == 'A "quoted" definition.'
    assert [(s.text, s.scope, s.kind) for s in term.synonyms] == [
        ("other thing", "EXACT", None),
        ("OT", "EXACT", "abbreviation"),
        ("loose thing", "RELATED", None),
        ("things", "EXACT", "PLURAL"),
    ]
    assert term.parents == ("X:0000000",)
    assert term.xrefs == ("MESH:D000001",)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("format-version: 1.2\n\n[Term]\nname: no id\n", "has no 'id:' line", 3),
        ("format-version: 1.2\n\n[Term]\nid: X:1\nthis line has no tag\n", "expected 'tag: value'", 5),
        ("just some text\n", "no [Term] stanzas", None),
    ],
)
def test_bad_obo_is_reported_with_line(text, message, line):
    with pytest.raises(SourceOntologyError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        parse_obo(text, "bad.obo")
    assert info.value.file == "bad.obo" and info.value.line == line


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.obo", None, "no such file"),
        ("terms.csv", "a,b\n", "unknown kind of file"),
        ("functional.owl", "Prefix(:=<http://x/>)\nOntology(<http://x/>)\n", "OWL functional syntax"),
        ("broken.owl", "<rdf:RDF oops", "cannot read it as RDF/XML"),
        ("latin1.obo", b"name: caf\xe9\n", "not UTF-8"),
    ],
)
def test_unreadable_sources(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceOntologyError, match=message):
        read_source(path)


def test_owl_rdf_xml_reads_like_obo(tmp_path):
    """An RDF/XML rendering of the excerpt (made here with rdflib) gives the same terms."""
    obo = read_source(CL_EXCERPT)
    g = Graph()
    oio = "http://www.geneontology.org/formats/oboInOwl#"
    for term in obo.terms.values():
        node = URIRef(term.iri)
        g.add((node, RDF.type, OWL.Class))
        if term.name:
            g.add((node, RDFS.label, Literal(term.name)))
        for p in term.parents:
            g.add((node, RDFS.subClassOf, URIRef(OBO + p.replace(":", "_"))))
        for s in term.synonyms:
            pred = {"EXACT": "hasExactSynonym", "RELATED": "hasRelatedSynonym", "BROAD": "hasBroadSynonym", "NARROW": "hasNarrowSynonym"}[s.scope]
            g.add((node, URIRef(oio + pred), Literal(s.text)))
        for x in term.xrefs:
            g.add((node, URIRef(oio + "hasDbXref"), Literal(x)))
        if term.obsolete:
            g.add((node, OWL.deprecated, Literal(True)))
    path = tmp_path / "excerpt.owl"
    g.serialize(path, format="xml")
    owl = parse_owl(path)
    assert set(owl.terms) == set(obo.terms)
    for term_id, term in obo.terms.items():
        other = owl.terms[term_id]
        assert (other.name, sorted(other.parents), sorted(other.xrefs), other.obsolete) == (
            term.name, sorted(term.parents), sorted(term.xrefs), term.obsolete,
        )
        assert sorted(s.text for s in other.synonyms) == sorted(s.text for s in term.synonyms)


@pytest.mark.parametrize(
    ("root", "depth", "expected"),
    [
        ("CL:0002320", 0, ["CL:0002320"]),
        ("connective tissue cell", 1, ["CL:0002320", "CL:0000057", "CL:0000058", "CL:0000062", "CL:0000140", "CL:0000499", "CL:0002148"]),
        ("http://purl.obolibrary.org/obo/CL_0000062", None, ["CL:0000062", "CL:0000061"]),
        ("CL:0000499", None, ["CL:0000499", "CL:0000135", "CL:0000388"]),
    ],
)
def test_select_branch(root, depth, expected):
    assert [t.id for t in select_branch(read_source(CL_EXCERPT), root, depth)] == expected


@pytest.mark.parametrize(("root", "message"), [("CL:9999999", "no term"), ("CL:0000002", "obsolete")])
def test_bad_root(root, message):
    with pytest.raises(SourceOntologyError, match=message):
        select_branch(read_source(CL_EXCERPT), root)


# -- importing ---------------------------------------------------------------------


def test_import_into_the_core_schema_alone(tmp_path):
    """Without kg's cell module, osteoblast and chondroblast come from CL and are found, typed, in text."""
    module = tmp_path / "cl.ttl"
    result = import_branch(CL_EXCERPT, "CL:0002320", module, base=[CORE])
    assert result.under == str(KG.Cell)  # kg:Cell is skos:exactMatch CL:0000000, an ancestor of the root
    assert result.mapped == ()
    ontology = load_ontology([CORE], extra=[module])
    found = mentions(ontology, "Osteoblasts and chondroblasts lay down matrix; cementoblasts too.")
    assert found == {
        "Osteoblasts": OBO + "CL_0000062",
        "chondroblasts": OBO + "CL_0000058",
        "cementoblasts": OBO + "CL_0000061",
    }
    osteoblast = ontology.concepts[OBO + "CL_0000062"]
    assert osteoblast.category == str(KG.Cell)
    assert osteoblast.parents == (OBO + "CL_0002320",)
    assert OBO + "CL_0000062" in osteoblast.xrefs
    assert ontology.is_a(OBO + "CL_0000061", OBO + "CL_0000062")  # cementoblast is_a osteoblast
    assert entity_iri(OBO + "CL_0000062").endswith("/entity/CL_0000062")
    graph = build_graph(ontology, [], [])
    assert (URIRef(OBO + "CL_0000062"), RDFS.subClassOf, URIRef(OBO + "CL_0002320")) in graph


def test_import_with_the_builtin_ontology_reuses_its_concepts(tmp_path):
    module = tmp_path / "cl.ttl"
    result = import_branch(CL_EXCERPT, "CL:0002320", module)
    mapped = dict(result.mapped)
    assert mapped["CL:0000062"] == str(KG["Osteoblast"])  # kg:Osteoblast is skos:exactMatch CL:0000062
    assert mapped["CL:0000388"] == str(KG["Tenocyte"])
    assert "CL:0000061" in result.added and "CL:0000062" not in result.added
    ontology = load_ontology(extra=[module])
    cementoblast = ontology.concepts[OBO + "CL_0000061"]
    assert cementoblast.parents == (str(KG["Osteoblast"]),)  # hangs under kg's own osteoblast
    found = mentions(ontology, "Cementoblasts resemble osteoblasts.")
    assert found == {"Cementoblasts": OBO + "CL_0000061", "osteoblasts": str(KG["Osteoblast"])}


def test_reimport_is_byte_identical_and_foreign_modules_are_kept(tmp_path):
    module = tmp_path / "cl.ttl"
    import_branch(CL_EXCERPT, "CL:0002320", module, depth=1)
    first = module.read_bytes()
    import_branch(CL_EXCERPT, "CL:0002320", module, depth=1)
    assert module.read_bytes() == first
    assert b"# import-root: CL:0002320" in first
    other = tmp_path / "mine.ttl"
    other.write_text("# my own module\n", encoding="utf-8")
    with pytest.raises(OntologyError, match="was not written by an import of CL:0002320"):
        import_branch(CL_EXCERPT, "CL:0002320", other)
    assert other.read_text(encoding="utf-8") == "# my own module\n"


def test_import_under_an_explicit_class(tmp_path):
    module = tmp_path / "cl.ttl"
    result = import_branch(CL_EXCERPT, "CL:0000499", module, under="mesenchymal stem cell")
    assert result.under == str(KG["MesenchymalStemCell"])


def test_nothing_new_to_import(tmp_path):
    with pytest.raises(OntologyError, match="nothing to import"):
        import_branch(CL_EXCERPT, "CL:0000062", tmp_path / "x.ttl", depth=0)


def test_uberon_branch(tmp_path):
    module = tmp_path / "uberon.ttl"
    result = import_branch(UBERON_EXCERPT, "UBERON:0002412", module)
    assert dict(result.mapped)["UBERON:0002412"] == str(KG["Vertebra"])
    ontology = load_ontology(extra=[module])
    found = mentions(ontology, "The sacral vertebrae and the caudal vertebra were imaged.")
    assert found["sacral vertebrae"] == OBO + "UBERON_0001094"
    assert ontology.category(OBO + "UBERON_0001094") == str(KG.AnatomicalEntity)
    assert ontology.is_a(OBO + "UBERON_0001094", str(KG["Vertebra"]))


def test_cli_import(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["ontology", "import", str(CL_EXCERPT), "--root", "CL:0002320", "--depth", "1"])
    assert result.exit_code == 0, result.output
    assert "into kg-ontology/cl_0002320.ttl, attached under kg:Cell" in result.stdout
    assert "CL:0000062 is kg:Osteoblast" in result.stdout
    assert (tmp_path / "kg-ontology" / "cl_0002320.ttl").is_file()
    bad = CliRunner().invoke(app, ["ontology", "import", str(CL_EXCERPT), "--root", "CL:1234567"])
    assert bad.exit_code == 2 and "no term 'CL:1234567'" in bad.stderr


# -- the real files in shared/ontologies, when they are beside the repository ----------

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared/ontologies is not beside the repository")


@needs_shared
def test_real_cell_ontology_branch(tmp_path):
    source = SHARED / "cl" / "cl-basic.2022-11-25.obo"
    module = tmp_path / "cl.ttl"
    result = import_branch(source, "connective tissue cell", module)
    assert len(result.added) > 100
    ontology = load_ontology(extra=[module])
    found = mentions(ontology, "Cementoblasts and odontoblasts were compared with osteoblasts and chondroblasts.")
    assert found["Cementoblasts"] == OBO + "CL_0000061"
    assert found["osteoblasts"] == str(KG["Osteoblast"]) and found["chondroblasts"] == str(KG["Chondroblast"])
    assert ontology.category(OBO + "CL_0000061") == str(KG.Cell)


@needs_shared
def test_real_uberon_file_parses_despite_its_malformed_line():
    source = read_source(SHARED / "uberon" / "musculoskeletal.obo")
    assert len(source.terms) > 2500
    assert source.terms["UBERON:0001066"].name == "intervertebral disk"


@needs_shared
def test_real_uberon_branch(tmp_path):
    module = tmp_path / "uberon.ttl"
    result = import_branch(SHARED / "uberon" / "musculoskeletal.obo", "vertebra", module)
    assert dict(result.mapped)["UBERON:0002412"] == str(KG["Vertebra"])
    # MeSH tree numbers given as MESH: cross-references are left out, not fatal
    assert ("UBERON:0001092", "MESH:A.02.835.232.834.151.213") in result.skipped_xrefs
    ontology = load_ontology(extra=[module])
    assert mentions(ontology, "The atlas articulates with the skull.")["atlas"] == OBO + "UBERON_0001092"


@needs_shared
def test_real_cl_edit_owl_is_refused_with_advice():
    with pytest.raises(SourceOntologyError, match="functional syntax"):
        read_source(SHARED / "cl" / "cl-edit.owl")
