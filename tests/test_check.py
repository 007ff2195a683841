"""kg ontology check: every problem at once, with file and line; conflicts between modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.check import ID_PATTERNS, check_ontology, identifier_problem
from kg.cli import app
from kg.namespaces import CURIE_PREFIXES
from kg.ontology import load_ontology

HEADER = """@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix CL: <http://purl.obolibrary.org/obo/CL_> .
@prefix FMA: <http://purl.obolibrary.org/obo/FMA_> .
"""


# the core schema and the cells module: enough for every case, and quick to read
BASE = [Path(__file__).resolve().parents[1] / "ontology" / name for name in ("core.ttl", "cells.ttl")]


def check(*paths: Path):
    return check_ontology([*BASE, *paths], builtin=False)


def write(tmp_path: Path, body: str, name: str = "user.ttl") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def builtin_report():
    return check_ontology([])


def test_builtin_ontology_checks_clean(builtin_report):
    assert builtin_report.ok
    assert builtin_report.problems == ()
    stats = builtin_report.stats
    assert stats.files == 8 and stats.categories == 9
    assert stats.concepts > 700 and stats.relation_types >= 17
    assert stats.standard_ids > 250 and stats.triggers > 300


# (module body, severity, words in the message, line of the problem; the header has 6 lines)
CASES = [
    ('kg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a ;\n', "error", "syntax", 9),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell .\n', "error", "no label", 8),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Nope ;\n  skos:prefLabel "a" .\n', "error", "not a class", 8),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf CL:0099999 ;\n  skos:prefLabel "a" .\n', "error", "not a class", 8),
    ('\nkg:r a owl:ObjectProperty ;\n  rdfs:label "r" ;\n  kg:trigger "r" ;\n  rdfs:range kg:Nope .\n', "error", "does not exist", 8),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a" ;\n  skos:exactMatch CL:12 .\n', "error", "CL identifiers are 7 digits", 11),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a" ;\n  skos:exactMatch "CL:0000001" .\n', "error", "must be an IRI", 11),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a" ;\n  skos:exactMatch FMA:1234 .\n', "warning", "FMA: is not a known prefix", 11),
    ('\nkg:r a owl:ObjectProperty ;\n  rdfs:label "r" ;\n  kg:polarity 2 ;\n  kg:trigger "r" .\n', "error", "polarity must be", 10),
    ('\nkg:r a owl:ObjectProperty ;\n  rdfs:label "r" ;\n  kg:trigger kg:Cell .\n', "error", "trigger must be non-empty text", 10),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a"@en, "b"@en .\n', "error", "at most one per language", 10),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a" ;\n  skos:altLabel "stem cell" .\n', "warning", 'ambiguous name "stem cell"', 11),
    ('\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "a" ;\n  kg:abbreviation "MSC" .\n', "warning", 'ambiguous name "msc"', 11),
    ('\nkg:r a owl:ObjectProperty ;\n  rdfs:label "r" ;\n  kg:trigger "inhibit" .\n', "warning", 'trigger "inhibit" is claimed by kg:inhibits and kg:r', 10),
]


@pytest.mark.parametrize(("body", "severity", "words", "line"), CASES)
def test_problem_is_reported_with_file_and_line(tmp_path, body, severity, words, line):
    path = write(tmp_path, body)
    report = check(path)
    found = [p for p in report.problems if words in p.message or words in p.message.lower()]
    assert found, [str(p) for p in report.problems]
    assert found[0].severity == severity
    assert found[0].file == str(path)
    assert found[0].line == line
    assert report.ok is (severity != "error")


def test_every_error_is_listed_not_only_the_first(tmp_path):
    a = write(tmp_path, '\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Nope ;\n  skos:prefLabel "a" .\n', "a.ttl")
    b = write(tmp_path, 'kg:B a owl:Class ;\n  skos:prefLabel "b ;\n', "b.ttl")
    report = check(a, b)
    assert {p.file for p in report.errors} == {str(a), str(b)}


def test_shared_trigger_with_disjoint_ranges_is_not_a_conflict(tmp_path):
    # "reduce" is inhibits (processes) and treats (diseases): the ranges cannot overlap
    path = write(tmp_path, '\nkg:eases a owl:ObjectProperty ;\n  rdfs:label "eases" ;\n  rdfs:range kg:Disease ;\n  kg:trigger "inhibit" .\n')
    assert check(path).problems == ()


def test_conflicts_are_warnings_of_the_loaded_ontology(tmp_path):
    path = write(tmp_path, '\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Cell ;\n  skos:prefLabel "stem cell" .\n')
    ontology = load_ontology(extra=[path])
    assert any("ambiguous" in w.message and w.file == str(path) for w in ontology.warnings)


@pytest.mark.parametrize(
    ("iri", "problem"),
    [
        ("http://purl.obolibrary.org/obo/CL_0000062", None),
        ("http://purl.obolibrary.org/obo/CL_62", "7 digits"),
        ("http://purl.obolibrary.org/obo/NCIT_C12345", None),
        ("http://purl.obolibrary.org/obo/NCIT_12345", "C and digits"),
        ("http://identifiers.org/hgnc/5992", None),
        ("https://w3id.org/biolink/vocab/causes", None),
        ("http://www.w3.org/2000/01/rdf-schema#subClassOf", None),
        ("http://purl.obolibrary.org/obo/FMA_1234", "not a known prefix"),
        ("http://example.org/x", "not under a known prefix"),
    ],
)
def test_identifier_problem(iri, problem):
    found = identifier_problem(iri)
    assert (found is None) if problem is None else (problem in found)


def test_every_known_prefix_has_a_pattern():
    assert set(CURIE_PREFIXES) == set(ID_PATTERNS)


def test_cli_check_exit_status(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["ontology", "check", "--no-user"])
    assert ok.exit_code == 0, ok.output
    assert "0 errors, 0 warnings" in ok.stdout and "concepts in 9 categories" in ok.stdout
    bad = write(tmp_path, '\nkg:A a owl:Class ;\n  rdfs:subClassOf kg:Nope ;\n  skos:prefLabel "a" .\n')
    result = runner.invoke(app, ["ontology", "check", "--no-user", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:8: error:" in result.stderr
    missing = runner.invoke(app, ["ontology", "check", str(tmp_path / "nope.ttl")])
    assert missing.exit_code == 2 and "no such ontology file or folder" in missing.stderr
