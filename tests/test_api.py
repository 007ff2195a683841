"""kg.api: build, query, view and explore from Python (notebooks)."""

from __future__ import annotations

import html
import re
import sys

import pytest
from rdflib import Graph, URIRef

from kg import api
from kg.errors import KgError, MissingDependencyError, QueryError
from kg.namespaces import ENTITY

TEXT = (
    "Mesenchymal stem cells secrete growth factors. Growth factors reduce inflammation. "
    "Stem cell therapy relieves low back pain. Stem cell therapy uses mesenchymal stem cells."
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("api-corpus")
    (corpus / "msc.txt").write_text(TEXT, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        return api.build(corpus)


def test_build_in_memory(built):
    assert built.out_dir is None
    assert isinstance(built.graph, Graph) and len(built.graph) > 0
    assert built.summary.documents == 1 and built.summary.relations >= 2


def test_build_into_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(TEXT, encoding="utf-8")
    result = api.build([tmp_path / "c"], out_dir=tmp_path / "out")
    assert result.out_dir == tmp_path / "out" and (tmp_path / "out" / "graph.nt").is_file()
    assert len(result.graph) == len(api.load(tmp_path / "out"))


def test_build_errors_are_kg_errors(tmp_path):
    with pytest.raises(KgError):
        api.build([tmp_path / "missing"])


def test_query_text_gives_rows_of_dicts(built):
    rows = api.query(built.graph, "SELECT ?label WHERE { ?e kg:category kg:Cell ; rdfs:label ?label } ORDER BY ?label")
    assert rows == [{"label": "mesenchymal stem cell"}]
    assert rows.variables == ("label",)


def test_query_bundled_by_name_with_parameters(built):
    rows = api.query(built.graph, "treatments-for", disease="low back pain")
    assert [r["treatmentLabel"] for r in rows] == ["stem cell therapy"]
    assert isinstance(rows[0]["confidence"], float) or rows[0]["confidence"] is not None


def test_query_iri_parameter_and_file(built, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?o WHERE { ?s kg:secretes ?o }", encoding="utf-8")
    rows = api.query(built.graph, query, s=URIRef(ENTITY.MesenchymalStemCell))
    assert rows == [{"o": str(ENTITY.GrowthFactor)}]
    assert api.query(built.graph, str(query)) == rows


def test_query_ask_and_construct(built):
    assert api.query(built.graph, "ASK { ?a kg:secretes ?b }") is True
    constructed = api.query(built.graph, "CONSTRUCT { ?a kg:secretes ?b } WHERE { ?a kg:secretes ?b }")
    assert isinstance(constructed, Graph) and len(constructed) == 1


def test_query_errors(built):
    with pytest.raises(QueryError, match="no bundled query called 'no-such-query'"):
        api.query(built.graph, "no-such-query")
    with pytest.raises(QueryError, match="line 1"):
        api.query(built.graph, "SELECT ?x WHERE { ?x")


def test_query_accepts_a_path(built, tmp_path):
    from kg.graph import to_sorted_ntriples

    path = tmp_path / "g.nt"
    path.write_text(to_sorted_ntriples(built.graph), encoding="utf-8")
    assert api.query(path, "claims-by-type") == api.query(built.graph, "claims-by-type")


def test_rows_to_dataframe(built):
    pandas = pytest.importorskip("pandas")
    frame = api.query(built.graph, "claims-by-type").to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["relation", "claims", "asserted", "hedged", "negated", "sentences"]
    assert frame["claims"].sum() == built.summary.relations


def test_rows_to_dataframe_without_pandas(built, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    rows = api.query(built.graph, "claims-by-type")
    with pytest.raises(MissingDependencyError, match="needs pandas, which is not installed; install it with: pip install pandas"):
        rows.to_dataframe()
    with pytest.raises(ImportError):  # also an ImportError, as Python code expects
        rows.to_dataframe()


def test_view_shows_inline(built):
    shown = api.view(built.graph, focus="MSC", hops=1, title="MSC <b>")
    assert {n.label for n in shown.data.nodes} >= {"mesenchymal stem cell", "growth factor"}
    frame = shown._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and frame.endswith("</iframe>")
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)".*', frame, re.DOTALL).group(1)
    assert "<" not in srcdoc  # the whole page is escaped into the attribute
    assert html.unescape(srcdoc) == shown.html
    assert "<title>MSC &lt;b&gt;</title>" in shown.html
    assert "kg view" in repr(shown)


def test_view_of_a_query_and_save(built, tmp_path):
    shown = api.view(built.graph, query="CONSTRUCT { ?a kg:secretes ?b } WHERE { ?a kg:secretes ?b }")
    assert len(shown.data.nodes) == 2 and len(shown.data.edges) == 1
    target = shown.save(tmp_path / "v.html")
    assert target.read_text(encoding="utf-8") == shown.html


def test_explore_helpers(built, tmp_path):
    found = api.paths(built.graph, "MSC", "inflammation")
    assert [h.relation_label for h in found.paths[0].hops] == ["secretes", "inhibits"]
    (top,) = api.stats(built.graph, top=1).most_connected
    assert (top.label, top.degree) == ("growth factor", 2)  # tied with the stem cells; ties go by label
    (written,) = api.export(built.graph, "csv", tmp_path / "g.csv")
    assert written.read_text(encoding="utf-8").startswith("subject,relation,object")


def test_importing_kg_stays_cheap():
    import subprocess

    code = "import sys, kg; print(sorted(m for m in ('rdflib', 'spacy', 'networkx', 'pandas', 'pyvis') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
