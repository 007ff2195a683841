"""kg.view: the view as data, and the self-contained, escaped HTML page."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph

from kg.graph import build_graph
from kg.namespaces import ENTITY, KG
from kg.ontology import load_ontology_from_text
from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id
from kg.view import (
    CATEGORY_COLOURS,
    NEGATED_COLOUR,
    NO_CATEGORY_COLOUR,
    ViewEvidence,
    category_colour,
    render_html,
    view_data,
)

ONTOLOGY = """
@prefix kg: <https://w3id.org/kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

kg:MesenchymalStemCell a owl:Class ; rdfs:subClassOf kg:Cell ;
    skos:prefLabel "mesenchymal stem cell"@en ; kg:abbreviation "MSC" .
kg:GrowthFactor a owl:Class ; rdfs:subClassOf kg:ChemicalEntity ; skos:prefLabel "growth factor"@en .
kg:MatrixDegradation a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "matrix degradation"@en .
kg:ImmuneResponse a owl:Class ; rdfs:subClassOf kg:BiologicalProcess ; skos:prefLabel "immune response"@en .
kg:Tumor a owl:Class ; rdfs:subClassOf kg:Disease ; skos:prefLabel "tumor"@en .
"""

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
TEXT = (
    f"MSCs secrete growth factors {SCRIPT}. "
    f"MSCs may inhibit matrix degradation {IMG}. "
    "MSCs do not drive an immune response. "
    "Tumors are mentioned here."
)
DOC = Document(content_id(TEXT), "<b>evil</b>.txt", TEXT, title="Evil & co")


def k(name: str) -> str:
    return str(KG[name])


def ev(sentence: str, subj: str, obj: str, modality: Modality = Modality.ASSERTED) -> Evidence:
    s0 = TEXT.index(sentence)
    a, b = TEXT.index(subj, s0), TEXT.index(obj, s0)
    return Evidence(
        DOC.doc_id, DOC.source, sentence, TEXT[:s0].count(". "), Span(s0, s0 + len(sentence)),
        subj, Span(a, a + len(subj)), obj, Span(b, b + len(obj)), "", None, "verb:active", modality, 0.8,
    )


S1 = f"MSCs secrete growth factors {SCRIPT}."
S2 = f"MSCs may inhibit matrix degradation {IMG}."
S3 = "MSCs do not drive an immune response."
RELATIONS = [
    Relation(k("MesenchymalStemCell"), k("secretes"), k("GrowthFactor"), (ev(S1, "MSCs", "growth factors"),)),
    Relation(k("MesenchymalStemCell"), k("inhibits"), k("MatrixDegradation"), (ev(S2, "MSCs", "matrix degradation", Modality.HEDGED),)),
    Relation(k("MesenchymalStemCell"), k("drives"), k("ImmuneResponse"), (ev(S3, "MSCs", "immune response", Modality.NEGATED),)),
]


def make_graph() -> Graph:
    start = TEXT.index("Tumors")
    mention = Mention(DOC.doc_id, k("Tumor"), "Tumors", Span(start, start + 6), 3)
    return build_graph(load_ontology_from_text(ONTOLOGY), [DOC], RELATIONS, [mention])


@pytest.fixture(scope="module")
def data():
    return view_data(make_graph())


@pytest.fixture(scope="module")
def page(data) -> str:
    return render_html(data, "Stem cells <script>alert('title')</script>")


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def test_nodes(data):
    by_label = {n.label: n for n in data.nodes}
    assert set(by_label) == {"mesenchymal stem cell", "growth factor", "matrix degradation", "immune response", "tumor"}
    msc = by_label["mesenchymal stem cell"]
    assert msc.id == str(ENTITY.MesenchymalStemCell)
    assert (msc.category, msc.colour) == ("cell", CATEGORY_COLOURS["Cell"])
    assert "also: MSC" in msc.tooltip and "category: cell" in msc.tooltip
    assert by_label["tumor"].colour == CATEGORY_COLOURS["Disease"]  # mentioned only, no edge
    assert [n.id for n in data.nodes] == sorted(n.id for n in data.nodes)


@pytest.mark.parametrize(
    ("label", "modality", "dashed", "grey"),
    [("secretes", "asserted", False, False), ("inhibits", "hedged", True, False), ("drives", "negated", True, True)],
)
def test_edges_show_modality(data, label, modality, dashed, grey):
    (edge,) = [e for e in data.edges if e.label == label]
    assert edge.modality == modality
    assert edge.dashed is dashed
    assert (edge.colour == NEGATED_COLOUR) is grey
    assert edge.source == str(ENTITY.MesenchymalStemCell)


def test_edge_evidence(data):
    (edge,) = [e for e in data.edges if e.label == "secretes"]
    assert edge.evidence == (ViewEvidence(S1, "<b>evil</b>.txt", "asserted"),)  # raw text in the data
    assert edge.confidence == pytest.approx(0.8)


def test_legend_lists_categories_present(data):
    assert [(e.category, e.colour) for e in data.legend] == [
        ("biological process", CATEGORY_COLOURS["BiologicalProcess"]),
        ("cell", CATEGORY_COLOURS["Cell"]),
        ("chemical entity", CATEGORY_COLOURS["ChemicalEntity"]),
        ("disease", CATEGORY_COLOURS["Disease"]),
    ]


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        (str(KG.Cell), CATEGORY_COLOURS["Cell"]),
        (str(KG.Intervention), CATEGORY_COLOURS["Intervention"]),
        (None, NO_CATEGORY_COLOUR),
    ],
)
def test_category_colour(iri, expected):
    assert category_colour(iri) == expected


def test_colour_of_a_user_category_is_stable():
    first = category_colour("http://example.org/MyCategory")
    assert first == category_colour("http://example.org/MyCategory")
    assert re.fullmatch(r"#[0-9a-f]{6}", first)


def test_view_data_is_deterministic(data):
    assert view_data(make_graph()) == data


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [SCRIPT, IMG, "<b>evil</b>", "<script>alert('title')</script>", "onerror=alert(1)>"])
def test_document_text_is_escaped(page, raw):
    assert raw not in page


def test_escaped_text_is_still_there(page):
    # escaped for HTML, then embedded in JSON with <, > and & as \\u escapes
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert "<title>Stem cells &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</title>" in page


def test_only_our_scripts(page):
    # exactly two script elements (vis-network inlined, and the drawing code), neither with a src
    assert len(re.findall(r"</script", page, re.IGNORECASE)) == 2
    assert len(re.findall(r"^<script>", page, re.MULTILINE)) == 2
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE)


def test_no_remote_resources(page):
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)  # in CSS
    assert not re.search(r"@import", page)
    assert "new vis.Network" in page
    assert len(page) > 100_000  # vis-network itself is inlined


def test_legend_and_labels_in_page(page, data):
    for entry in data.legend:
        assert entry.colour in page and f"</span>{entry.category}</span>" in page
    for word in ("asserted", "hedged", "negated", '"label": "secretes"', '"dashes": true'):
        assert word in page


def test_layout_is_seeded_and_page_is_deterministic(page, data):
    assert '"randomSeed": 7' in page
    assert render_html(view_data(make_graph()), "Stem cells <script>alert('title')</script>") == page


def test_empty_graph_renders():
    html = render_html(view_data(Graph()), "empty")
    assert "0 entities, 0 claims" in html


# ---------------------------------------------------------------------------
# Layout, parts of the graph, and the page in a real browser
# ---------------------------------------------------------------------------


def embedded(page: str, name: str):
    """The JSON value of ``var name = ...;`` in the page's script."""
    import json

    match = re.search(rf"var {name} = (.*?);\n", page)
    assert match, f"no var {name} in the page"
    return json.loads(match.group(1))


def test_nodes_come_with_positions_and_physics_is_off(page, data):
    nodes = embedded(page, "nodes")
    assert {n["id"] for n in nodes} == {n.id for n in data.nodes}
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in nodes)
    options = embedded(page, "options")
    assert options["physics"] == {"enabled": False}
    assert options["layout"]["improvedLayout"] is False


def test_given_positions_are_used(data):
    positions = {n.id: (10.4 * i, -3.6 * i) for i, n in enumerate(data.nodes)}
    nodes = embedded(render_html(data, "t", positions=positions), "nodes")
    assert [(n["x"], n["y"]) for n in nodes] == [(round(10.4 * i), round(-3.6 * i)) for i in range(len(nodes))]


def test_empty_positions_leave_the_layout_to_the_browser(data):
    html = render_html(data, "t", positions={})
    assert all("x" not in n for n in embedded(html, "nodes"))
    assert embedded(html, "options")["physics"]["enabled"] is True


def test_large_graphs_draw_straight_edges_and_hide_them_while_moving():
    from kg.view import LARGE_GRAPH_EDGES, ViewData, ViewEdge, ViewNode

    nodes = tuple(ViewNode(f"n{i}", f"node {i}", "", NO_CATEGORY_COLOUR, f"node {i}") for i in range(60))
    edges = tuple(
        ViewEdge(f"e{i}", f"n{i % 60}", f"n{(i * 7 + 1) % 60}", "r", "asserted", 0.5, (), "#707070", False)
        for i in range(LARGE_GRAPH_EDGES + 1)
    )
    options = embedded(render_html(ViewData(nodes, edges, ()), "big"), "options")
    assert options["edges"]["smooth"] == {"enabled": False}
    assert options["interaction"]["hideEdgesOnDrag"] and options["interaction"]["hideEdgesOnZoom"]


def test_page_marks_when_it_is_drawn(page):
    assert 'performance.mark("kg:drawn")' in page
    assert "data-kg-drawn" in page and "window.kgNetwork = network" in page


def test_subview(data):
    from kg.view import subview

    msc, gf = str(ENTITY.MesenchymalStemCell), str(ENTITY.GrowthFactor)
    part = subview(data, [msc, gf, "https://example.org/not-a-node"])
    assert [n.id for n in part.nodes] == sorted([msc, gf])
    assert [e.label for e in part.edges] == ["secretes"]
    assert [entry.category for entry in part.legend] == ["cell", "chemical entity"]
    assert subview(data, [msc, gf], claims=[]).edges == ()


# -- kg view: --focus, --query, --layout ----------------------------------------------


@pytest.fixture
def graph_file(tmp_path):
    from kg.graph import to_sorted_ntriples

    path = tmp_path / "graph.nt"
    path.write_text(to_sorted_ntriples(make_graph()), encoding="utf-8")
    return path


def run_view(*args):
    from typer.testing import CliRunner

    from kg.cli import app

    return CliRunner().invoke(app, ["view", *map(str, args)])


def test_cli_view_focus(graph_file, tmp_path):
    out = tmp_path / "focus.html"
    result = run_view(graph_file, "-o", out, "--focus", "MSC", "--hops", "1")
    assert result.exit_code == 0, result.output
    assert "(4 entities, 3 claims)" in result.stdout  # the tumor is mentioned only: not a neighbour
    page = out.read_text(encoding="utf-8")
    assert "1 hop around MSC" in page
    assert {n["label"] for n in embedded(page, "nodes")} == {"mesenchymal stem cell", "growth factor", "matrix degradation", "immune response"}


def test_cli_view_query(graph_file, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?e WHERE { ?e kg:category ?c ; rdfs:label ?label FILTER(?label = ?wanted) }", encoding="utf-8")
    out = tmp_path / "query.html"
    result = run_view(graph_file, "-o", out, "--query", query, "--param", "wanted=tumor")
    assert result.exit_code == 0, result.output
    assert [n["label"] for n in embedded(out.read_text(encoding="utf-8"), "nodes")] == ["tumor"]


def test_cli_view_physics_layout(graph_file, tmp_path):
    out = tmp_path / "physics.html"
    assert run_view(graph_file, "-o", out, "--layout", "physics").exit_code == 0
    assert embedded(out.read_text(encoding="utf-8"), "options")["physics"]["enabled"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--focus", "MCS"], "close matches: 'mesenchymal stem cell'"),
        (["--focus", "MSC", "--query", "q.rq"], "give --focus or --query, not both"),
        (["--param", "a=b"], "--param needs --query"),
        (["--query", "missing.rq"], "no such query file"),
    ],
)
def test_cli_view_errors(graph_file, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "never.html"
    result = run_view(graph_file, "-o", out, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert not out.exists()


def test_cli_view_empty_selection_warns(graph_file, tmp_path):
    query = tmp_path / "none.rq"
    query.write_text("SELECT ?e WHERE { ?e a kg:NoSuchClass }", encoding="utf-8")
    result = run_view(graph_file, "-o", tmp_path / "empty.html", "--query", query)
    assert result.exit_code == 0 and "the selection is empty" in result.stderr


def test_page_is_drawn_in_chromium(page, tmp_path):
    """The page really draws in a browser (skipped where Chromium is not installed)."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("Chromium is not installed")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
    ]
    result = subprocess.run([browser, *flags, path.as_uri()], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'data-kg-drawn="true"' in result.stdout


# -- kg view on a build folder reads its Oxigraph store ------------------------------


@pytest.fixture(scope="module")
def store_only_build(default_build, tmp_path_factory):
    """A copy of the default build without graph.nt and graph.ttl: only the store (and graph.html) is left."""
    import shutil

    folder = tmp_path_factory.mktemp("store-only") / "out"
    shutil.copytree(default_build, folder, symlinks=True)
    (folder / "graph.nt").unlink()
    (folder / "graph.ttl").unlink()
    assert (folder / "store").is_dir()
    return folder


def _comparable(page: str) -> str:
    """The page with each tooltip's "also:" list sorted: kg.view orders synonyms that differ only in case by set order."""

    def also(match: re.Match) -> str:
        return "also: " + ", ".join(sorted(match.group(1).split(", ")))

    return re.sub(r"also: (.*?)(?=\\u003cbr\\u003e)", also, page)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--focus", "MSC", "--hops", "2"],
        ["--focus", "growth factor", "--hops", "0"],
        ["--query", "{queries}/relations-with-evidence.rq"],
        ["--query", "{queries}/cell-secretes.rq", "--param", "cell=MSC"],
        ["--query", "construct.rq"],
    ],
)
def test_cli_view_of_a_build_folder_reads_the_store(default_build, store_only_build, tmp_path, monkeypatch, args):
    """Without graph.nt or graph.ttl the folder's store is drawn, and the page is the one the graph file gives."""
    from pathlib import Path

    import kg

    monkeypatch.chdir(tmp_path)
    (tmp_path / "construct.rq").write_text(
        "CONSTRUCT { ?a kg:secretes ?b . ?a kg:near ?b } WHERE { ?a kg:secretes ?b }", encoding="utf-8"
    )
    queries = Path(kg.__file__).parent / "queries"
    args = [a.format(queries=queries) for a in args]
    from_store, from_file = tmp_path / "store.html", tmp_path / "file.html"
    result = run_view(store_only_build, "-o", from_store, "--title", "T", *args)
    assert result.exit_code == 0, result.output
    assert run_view(default_build / "graph.nt", "-o", from_file, "--title", "T", *args).exit_code == 0
    page = from_store.read_text(encoding="utf-8")
    assert embedded(page, "nodes"), "the selection is not empty"
    assert _comparable(page) == _comparable(from_file.read_text(encoding="utf-8"))
    if not args:  # the whole view is the one the build drew from the store
        built = (default_build / "graph.html").read_text(encoding="utf-8")
        assert _comparable(page.replace("<title>T<", "<title>X<").replace("<h1>T<", "<h1>X<")) == _comparable(
            re.sub(r"<title>.*?<", "<title>X<", re.sub(r"<h1>.*?<", "<h1>X<", built, count=1), count=1)
        )


def test_cli_view_of_a_build_folder_never_loads_the_whole_graph(store_only_build, tmp_path, monkeypatch):
    """The store path reads no graph file: load_graph is never called."""
    import kg.graph

    def refuse(*args, **kwargs):
        raise AssertionError("kg view loaded the whole graph")

    monkeypatch.setattr(kg.graph, "load_graph", refuse)
    out = tmp_path / "focus.html"
    result = run_view(store_only_build, "-o", out, "--focus", "MSC")
    assert result.exit_code == 0, result.output
    assert "1 hop around MSC" in out.read_text(encoding="utf-8")
    bad = run_view(store_only_build, "-o", tmp_path / "never.html", "--focus", "MCS")
    assert bad.exit_code == 2 and "close matches: 'mesenchymal stem cell'" in bad.stderr
