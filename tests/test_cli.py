"""The kg command line: happy paths, and user errors reported without a traceback."""

from __future__ import annotations

import re

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import __version__
from kg.cli import app
from kg.query import bundled_queries

SMALL = (
    "Stem cells for disc repair\n\n"
    "Mesenchymal stem cells secrete growth factors. "
    "Degenerative disc disease causes chronic low back pain.\n"
)

TINY_GRAPH = """\
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix ent: <https://w3id.org/kg/entity/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ent:A rdfs:label "alpha" .
ent:B rdfs:label "beta" .
"""


def run(*args: str):
    """Invoke kg in-process; stdout and stderr are captured separately."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    # A user error never shows a traceback, and nothing unexpected escaped.
    assert "Traceback" not in result.output, result.output
    if result.exit_code != 0 and result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture
def tiny_graph(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.ttl"
    path.write_text(TINY_GRAPH, encoding="utf-8")
    return path


# -- version -----------------------------------------------------------------


def test_version_in_process():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"kg {__version__}"


@pytest.mark.slow
def test_python_dash_m_kg_version(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "kg", "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"kg {__version__}"


def test_no_arguments_shows_help():
    result = CliRunner().invoke(app, [])
    assert "build" in result.output and "query" in result.output


# -- build -------------------------------------------------------------------


def test_build_happy_path(make_corpus, tmp_path):
    out = tmp_path / "out"
    result = run("build", make_corpus({"a.txt": SMALL}), "-o", out)
    assert result.exit_code == 0, result.output
    for name in ("graph.ttl", "graph.nt", "graph.html"):
        assert (out / name).is_file()
        assert name in result.stdout
    assert "Built the graph of 1 document" in result.stdout
    assert "entities" in result.stdout and "relations" in result.stdout
    assert "asserted" in result.stdout


def test_build_summary_lists_relation_types(default_build_summary, default_corpus, tmp_path):
    result = run("build", default_corpus, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Relations by type" in result.stdout
    for label, count in default_build_summary.relations_by_type:
        assert label in result.stdout


def test_build_reports_skipped_documents_and_succeeds(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": SMALL, "latin1.txt": "Title\ncaf\u00e9\n".encode("latin-1")})
    result = run("build", corpus, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Skipped 1 file" in result.stdout
    assert "latin1.txt" in result.stdout and "not UTF-8" in result.stdout


def test_build_quiet(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": SMALL, "empty.txt": ""})
    result = run("build", corpus, "-o", tmp_path / "out", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "skipped empty.txt" in result.stderr
    assert (tmp_path / "out" / "graph.ttl").is_file()


@pytest.mark.parametrize(
    ("files", "args", "words"),
    [
        (None, ["does-not-exist.txt"], ["no such file or folder", "does-not-exist.txt"]),
        ({"only.pdf": b"%PDF"}, [], ["holds no readable files"]),
        ({"empty.txt": b"", "bad.txt": b"\xff"}, [], ["no readable documents", "empty.txt: empty"]),
        ({"a.txt": SMALL}, ["--ontology", "no-such-module.ttl"], ["no such ontology file", "no-such-module.ttl"]),
        ({"a.txt": SMALL}, ["--model", "no_such_model_xyz"], ["E300", "no_such_model_xyz"]),
    ],
    ids=["missing path", "folder without texts", "all skipped", "missing ontology module", "unknown model"],
)
def test_build_user_errors(make_corpus, tmp_path, monkeypatch, files, args, words):
    monkeypatch.chdir(tmp_path)
    paths = [make_corpus(files)] if files is not None else []
    result = run("build", *paths, *args, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr
    assert result.stderr.startswith("error: [E")
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_build_bad_ontology_module_names_file_and_line(make_corpus, tmp_path):
    module = tmp_path / "mine.ttl"
    module.write_text("@prefix kg: <https://w3id.org/kg/ontology/> .\nkg:Foo a .\n", encoding="utf-8")
    result = run("build", make_corpus({"a.txt": SMALL}), "--ontology", module, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "mine.ttl:2" in result.stderr


# -- query -------------------------------------------------------------------


def test_query_list():
    result = run("query", "--list")
    assert result.exit_code == 0, result.output
    for q in bundled_queries():
        assert q.name in result.stdout


@pytest.mark.parametrize("name", [q.name for q in bundled_queries()] or ["(none)"])
def test_every_bundled_query_runs(default_build, name):
    if name == "(none)":
        pytest.skip("no bundled queries yet")
    result = run("query", default_build / "graph.ttl", "--name", name)
    assert result.exit_code == 0, result.output
    assert "row" in result.stdout


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?label }"


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_query_formats(tiny_graph, fmt):
    result = run("query", tiny_graph, COUNT, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["results"]["bindings"][0]["n"]["value"] == "2"
    else:
        assert "2" in result.stdout


def test_query_from_file_and_build_folder(default_build, tmp_path):
    rq = tmp_path / "docs.rq"
    rq.write_text("# Documents\nSELECT ?source WHERE { ?d a kg:Document ; dcterms:source ?source }\n", encoding="utf-8")
    result = run("query", default_build, "-f", rq, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["source", "stem-cells-ddd.txt"]


@pytest.mark.parametrize(
    ("value", "rows"),
    [("alpha", ["label", "alpha"]), ("ent:B", ["label", "beta"]), ("<https://w3id.org/kg/entity/A>", ["label", "alpha"])],
)
def test_query_params(tiny_graph, value, rows):
    if value == "alpha":
        text, param = "SELECT ?label WHERE { ?e rdfs:label ?label . FILTER(?label = ?want) }", f"want={value}"
    else:
        text, param = "SELECT ?label WHERE { ?e rdfs:label ?label }", f"e={value}"
    result = run("query", tiny_graph, text, "--param", param, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == rows


def test_bad_sparql_reports_line_and_column(tiny_graph):
    result = run("query", tiny_graph, "SELECT ?s\nWHERE { ?s ?p }\n")
    assert result.exit_code == 2
    # where the parser noticed: rdflib says line 2, Oxigraph (the default engine) the end of the text
    assert re.search(r"line [23], column \d+", result.stderr), result.stderr
    assert result.stderr.startswith("error: [E400]")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["missing.ttl", COUNT], ["missing.ttl"]),
        (["{graph}"], ["give exactly one query"]),
        (["{graph}", COUNT, "--name", "x"], ["exactly one query", "QUERY and --name"]),
        (["{graph}", "--name", "no-such-query"], ["no bundled query called 'no-such-query'"]),
        (["{graph}", "-f", "missing.rq"], ["no such query file"]),
        (["{graph}", COUNT, "--param", "novalue"], ["NAME=VALUE"]),
        ([COUNT], ["give exactly one query"]),
    ],
    ids=["missing graph", "no query", "two queries", "unknown name", "missing rq", "bad param", "query as graph"],
)
def test_query_user_errors(tiny_graph, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    result = run("query", *[str(tiny_graph) if a == "{graph}" else a for a in args])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr


def test_query_without_graph():
    result = run("query")
    assert result.exit_code == 2
    assert "missing GRAPH" in result.stderr


def test_bad_graph_file(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix kg: <https://w3id.org/kg/ontology/> .\nkg:a kg:b .\n", encoding="utf-8")
    result = run("query", bad, COUNT)
    assert result.exit_code == 2
    assert "bad.ttl" in result.stderr


# -- view --------------------------------------------------------------------


def test_view(default_build, tmp_path):
    target = tmp_path / "sub" / "view.html"
    result = run("view", default_build / "graph.ttl", "-o", target)
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "<html" in html.lower()
    assert "view.html" in result.stdout
    assert [p.name for p in target.parent.iterdir()] == ["view.html"]  # no temporary file left


def test_view_missing_graph(tmp_path):
    result = run("view", tmp_path / "nope.ttl", "-o", tmp_path / "v.html")
    assert result.exit_code == 2
    assert "nope.ttl" in result.stderr
    assert not (tmp_path / "v.html").exists()


# -- eval --------------------------------------------------------------------

GOLD = (
    "# subject\trelation\tobject\tkind\tmodality\tsentence\n"
    "mesenchymal stem cell\tsecretes\tgrowth factor\tcore\tasserted\t2\n"
    "degenerative disc disease\tcauses\tchronic low back pain | low back pain\tcore\tasserted\t3\n"
)


def test_eval(make_corpus, tmp_path):
    out = tmp_path / "out"
    assert run("build", make_corpus({"a.txt": SMALL}), "-o", out, "-q").exit_code == 0
    gold = tmp_path / "gold.tsv"
    gold.write_text(GOLD, encoding="utf-8")
    result = run("eval", out, gold)
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("precision ") and " recall " in last and " f1 " in last


def test_eval_fail_under(default_build, tmp_path):
    gold = tmp_path / "gold.tsv"
    gold.write_text("water\ttreats\tstem cell\tcore\tasserted\t1\n", encoding="utf-8")
    result = run("eval", default_build, gold, "--fail-under", "0.9")
    assert result.exit_code == 1, result.output
    assert "below --fail-under 0.9" in result.stderr
    assert "precision" in result.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("just one column\n", ["gold.tsv:1", "E600"]),
        ("mesenchymal stem cell\tno such relation\tgrowth factor\tcore\tasserted\t1\n", ["gold.tsv:1", "no such relation"]),
    ],
    ids=["too few columns", "unknown relation"],
)
def test_eval_bad_gold(tiny_graph, tmp_path, content, words):
    gold = tmp_path / "gold.tsv"
    gold.write_text(content, encoding="utf-8")
    result = run("eval", tiny_graph, gold)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr


def test_eval_missing_gold(tiny_graph, tmp_path):
    result = run("eval", tiny_graph, tmp_path / "missing.tsv")
    assert result.exit_code == 2
    assert "missing.tsv" in result.stderr and "no such gold file" in result.stderr
