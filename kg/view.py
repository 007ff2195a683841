"""An interactive HTML view of a kg graph.

Two steps, so the first can be tested as data: :func:`view_data` reads the
entities and claims of a graph into plain records (nodes, edges, legend), and
:func:`render_html` draws them with pyvis (vis-network) into one
self-contained page.  The page loads nothing from the network: vis-network's
script and stylesheet, as shipped inside the pyvis package, are inlined.

Text from documents is escaped with :func:`html.escape` before it reaches a
tooltip, and the node and edge data are embedded as JSON with ``<``, ``>``
and ``&`` escaped, so a sentence holding markup shows as text.

Node positions are computed in Python (:mod:`kg.layout`) and the browser's
physics simulation is off, so even a page of thousands of entities is
interactive as soon as it is drawn.  :func:`subview` keeps part of the data
(``kg view --focus`` and ``--query``).  The page marks its first drawing
(``performance.mark("kg:drawn")`` and ``data-kg-drawn`` on ``<html>``) and
exposes the network as ``window.kgNetwork`` for scripts and tests.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from .errors import OutputError
from .namespaces import ENTITY, KG, to_curie
from .records import stable_hash

__all__ = [
    "CATEGORY_COLOURS",
    "ViewData",
    "ViewEdge",
    "ViewEvidence",
    "ViewLegend",
    "ViewNode",
    "render_html",
    "store_view_graph",
    "subview",
    "view_data",
]

#: Colour of each top-level category of the core ontology (by local name).
CATEGORY_COLOURS: Mapping[str, str] = {
    "Cell": "#4e79a7",
    "AnatomicalEntity": "#f28e2b",
    "ChemicalEntity": "#59a14f",
    "BiologicalProcess": "#b07aa1",
    "Disease": "#e15759",
    "PhenotypicFeature": "#ff9da7",
    "Intervention": "#76b7b2",
    "RiskFactor": "#edc948",
    "ClinicalResearchConcept": "#9c755f",
}
# For categories a user's ontology adds, picked by a hash of the IRI.
_EXTRA_COLOURS = ("#8cd17d", "#d4a6c8", "#86bcb6", "#f1ce63", "#a0cbe8", "#ffbe7d", "#d37295", "#b6992d")
NO_CATEGORY_COLOUR = "#bab0ac"
NEGATED_COLOUR = "#b0b0b0"
EDGE_COLOUR = "#707070"

_MODALITY = {KG.Asserted: "asserted", KG.Hedged: "hedged", KG.Negated: "negated"}
_MODALITY_RANK = {"asserted": 0, "hedged": 1, "negated": 2}


@dataclass(frozen=True, slots=True)
class ViewNode:
    """An entity as drawn: ``tooltip`` is plain text (escaped when rendered)."""

    id: str  # the entity IRI
    label: str
    category: str  # label of the top-level category, "" when none
    colour: str
    tooltip: str
    mentions: int = 0


@dataclass(frozen=True, slots=True)
class ViewEvidence:
    """One sentence behind an edge."""

    sentence: str
    source: str  # the document's source name
    modality: str


@dataclass(frozen=True, slots=True)
class ViewEdge:
    """A claim as drawn; negated-only claims are grey and dashed, hedged ones dashed."""

    id: str  # the statement IRI
    source: str
    target: str
    label: str
    modality: str
    confidence: float
    evidence: tuple[ViewEvidence, ...]
    colour: str
    dashed: bool


@dataclass(frozen=True, slots=True)
class ViewLegend:
    category: str
    colour: str


@dataclass(frozen=True, slots=True)
class ViewData:
    nodes: tuple[ViewNode, ...]
    edges: tuple[ViewEdge, ...]
    legend: tuple[ViewLegend, ...]


# ---------------------------------------------------------------------------
# Graph -> data
# ---------------------------------------------------------------------------


def category_colour(category_iri: str | None) -> str:
    """The fixed colour of a top-level category (grey when there is none)."""
    if not category_iri:
        return NO_CATEGORY_COLOUR
    local = category_iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    if category_iri.startswith(str(KG)) and local in CATEGORY_COLOURS:
        return CATEGORY_COLOURS[local]
    return _EXTRA_COLOURS[int(stable_hash(category_iri), 16) % len(_EXTRA_COLOURS)]


def _text(graph: Graph, node, *predicates) -> str | None:
    """The first value (in sorted order) of the first predicate that has one."""
    for pred in predicates:
        values = sorted(str(o) for o in graph.objects(node, pred) if isinstance(o, Literal))
        if values:
            return values[0]
    return None


def _texts(graph: Graph, node, predicate) -> list[str]:
    return sorted({str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal)}, key=lambda t: (t.lower(), t))


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def view_data(graph: Graph) -> ViewData:
    """The entities and claims of ``graph`` as plain node, edge and legend records.

    Nodes are the entity nodes (``ent:``); edges are the ``rdf:Statement``
    nodes, negated-only ones included.  Everything is sorted, so the same
    graph gives the same data.
    """
    entities = sorted(
        {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(ENTITY))},
        key=str,
    )
    nodes: list[ViewNode] = []
    legend: dict[str, str] = {}
    node_ids = set()
    for ent in entities:
        label = _text(graph, ent, RDFS.label, SKOS.prefLabel) or _local(str(ent))
        cat = graph.value(ent, KG.category)
        cat_label = ""
        if isinstance(cat, URIRef):
            cat_label = _text(graph, cat, RDFS.label, SKOS.prefLabel) or _local(str(cat))
        colour = category_colour(str(cat) if cat is not None else None)
        if cat_label:
            legend[cat_label] = colour
        count_lit = graph.value(ent, KG.mentionCount)
        mentions = int(count_lit) if isinstance(count_lit, Literal) and str(count_lit).isdigit() else 0
        tooltip = [label]
        if cat_label:
            tooltip.append(f"category: {cat_label}")
        alts = _texts(graph, ent, SKOS.altLabel)
        if alts:
            tooltip.append("also: " + ", ".join(alts))
        ids = sorted(to_curie(str(o)) or str(o) for o in graph.objects(ent, SKOS.exactMatch))
        if ids:
            tooltip.append("ids: " + ", ".join(ids))
        tooltip.append(f"mentions: {mentions}")
        nodes.append(ViewNode(str(ent), label, cat_label, colour, "\n".join(tooltip), mentions))
        node_ids.add(str(ent))

    sources: dict[str, str] = {}

    def doc_source(doc) -> str:
        key = str(doc)
        if key not in sources:
            sources[key] = _text(graph, doc, DCTERMS.source) or _local(key)
        return sources[key]

    edges: list[ViewEdge] = []
    for stmt in sorted(graph.subjects(RDF.type, RDF.Statement), key=str):
        subj, pred, obj = (graph.value(stmt, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        if str(subj) not in node_ids or str(obj) not in node_ids or pred is None:
            continue
        modality = _MODALITY.get(graph.value(stmt, KG.modality), "asserted")
        conf_lit = graph.value(stmt, KG.confidence)
        try:
            confidence = float(conf_lit) if conf_lit is not None else 0.0
        except ValueError:
            confidence = 0.0
        evidence = []
        for ev in graph.objects(stmt, KG.hasEvidence):
            sentence = _text(graph, ev, KG.sentence) or ""
            doc = graph.value(ev, PROV.wasDerivedFrom)
            source = doc_source(doc) if doc is not None else ""
            ev_mod = _MODALITY.get(graph.value(ev, KG.modality), "asserted")
            index = graph.value(ev, KG.sentenceIndex)
            order = int(index) if isinstance(index, Literal) and str(index).isdigit() else 0
            evidence.append((source, order, sentence, ViewEvidence(sentence, source, ev_mod)))
        evidence.sort(key=lambda e: e[:3])
        label = _text(graph, pred, RDFS.label) or _local(str(pred)).replace("_", " ")
        negated = modality == "negated"
        edges.append(
            ViewEdge(
                id=str(stmt),
                source=str(subj),
                target=str(obj),
                label=label,
                modality=modality,
                confidence=confidence,
                evidence=tuple(e[3] for e in evidence),
                colour=NEGATED_COLOUR if negated else EDGE_COLOUR,
                dashed=modality != "asserted",
            )
        )
    edges.sort(key=lambda e: (e.source, e.label, e.target, e.id))
    return ViewData(
        nodes=tuple(nodes),
        edges=tuple(edges),
        legend=tuple(ViewLegend(c, legend[c]) for c in sorted(legend)),
    )


#: Entities drawn by default when a view is read from a store (the 2,000-node target of kg view).
STORE_VIEW_NODES = 2000
#: Sentences kept per claim in such a view; the full evidence is a query away (kg serve, kg query).
STORE_VIEW_EVIDENCE = 5


def store_view_graph(store, *, max_nodes: int = STORE_VIEW_NODES, max_evidence: int = STORE_VIEW_EVIDENCE) -> Graph:
    """The part of an Oxigraph store a view needs, as a small rdflib graph for :func:`view_data`.

    ``store`` is a :class:`pyoxigraph.Store` (or a :class:`kg.store.OxigraphStore`).
    When the store holds more than ``max_nodes`` entities, the most connected
    ones are kept (claims they take part in, then mentions, then IRI); each
    claim keeps at most ``max_evidence`` of its sentences (the first the
    store lists, an order fixed by the terms themselves, so the choice is
    the same in every build of the same graph).  Within those
    limits ``view_data(store_view_graph(store))`` equals ``view_data`` of the
    whole graph, without loading the whole graph into memory.
    """
    import pyoxigraph as ox

    from .store import from_oxigraph

    ox_store = getattr(store, "oxigraph", store)
    rows = ox_store.query(
        "SELECT ?e (COUNT(?s) AS ?n) ?m WHERE { ?e <%s> ?m . OPTIONAL { { ?s <%s> ?e } UNION { ?s <%s> ?e } } }"
        " GROUP BY ?e ?m" % (KG.mentionCount, RDF.subject, RDF.object)
    )
    ranked = []
    for row in rows:
        mentions = row["m"].value
        ranked.append((-int(row["n"].value), -(int(mentions) if mentions.isdigit() else 0), row["e"].value))
    ranked.sort()
    chosen = {iri for _, _, iri in ranked[:max_nodes]}

    graph = Graph(bind_namespaces="none")

    def copy(subject, predicate=None) -> list:
        quads = list(ox_store.quads_for_pattern(subject, predicate, None, None))
        for quad in quads:
            graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate), from_oxigraph(quad.object)))
        return quads

    labelled = set()

    def copy_labels(iri) -> None:
        if iri.value not in labelled:
            labelled.add(iri.value)
            copy(iri, ox.NamedNode(str(RDFS.label)))
            copy(iri, ox.NamedNode(str(SKOS.prefLabel)))

    rdf_subject, rdf_object = ox.NamedNode(str(RDF.subject)), ox.NamedNode(str(RDF.object))
    has_evidence = ox.NamedNode(str(KG.hasEvidence))
    derived, source = ox.NamedNode(str(PROV.wasDerivedFrom)), ox.NamedNode(str(DCTERMS.source))
    wanted = [ox.NamedNode(str(p)) for p in (KG.sentence, KG.modality, KG.sentenceIndex, PROV.wasDerivedFrom)]
    documents = set()
    about_entity = [ox.NamedNode(str(p)) for p in (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.exactMatch, KG.mentionCount)]
    category = ox.NamedNode(str(KG.category))
    for iri in sorted(chosen):
        entity = ox.NamedNode(iri)
        for predicate in about_entity:
            copy(entity, predicate)
        for quad in copy(entity, category):
            copy_labels(quad.object)
        for link in ox_store.quads_for_pattern(None, rdf_subject, entity, None):
            stmt = link.subject
            objects = [q.object.value for q in ox_store.quads_for_pattern(stmt, rdf_object, None, None)]
            if not objects or objects[0] not in chosen:
                continue
            for quad in ox_store.quads_for_pattern(stmt, None, None, None):
                if quad.predicate != has_evidence:
                    graph.add((from_oxigraph(quad.subject), from_oxigraph(quad.predicate), from_oxigraph(quad.object)))
                    if quad.predicate.value == str(RDF.predicate):
                        copy_labels(quad.object)
            # the store's own order of a claim's evidence (by term encoding: the same in every build),
            # so only the sentences shown are read, however many support the claim
            links = ox_store.quads_for_pattern(stmt, has_evidence, None, None)
            evidence = sorted({q.object.value for q in itertools.islice(links, max_evidence)})
            for ev in evidence:
                node = ox.NamedNode(ev)
                graph.add((URIRef(stmt.value), KG.hasEvidence, URIRef(ev)))
                for predicate in wanted:
                    for quad in copy(node, predicate):
                        if quad.predicate == derived:
                            documents.add(quad.object.value)
    for doc in sorted(documents):
        copy(ox.NamedNode(doc), source)
    return graph


def subview(
    data: ViewData,
    entities: Iterable[str],
    claims: Iterable[str] | None = None,
    extra_edges: Iterable[ViewEdge] = (),
) -> ViewData:
    """The part of ``data`` about ``entities`` (node ids).

    Edges: those whose id is in ``claims``, or every edge between two of the
    entities when ``claims`` is None; then ``extra_edges`` between two of
    them.  The legend lists only the categories left.
    """
    keep = set(entities)
    wanted = None if claims is None else set(claims)
    nodes = tuple(n for n in data.nodes if n.id in keep)
    present = {n.id for n in nodes}
    edges = [
        e
        for e in data.edges
        if e.source in present and e.target in present and (wanted is None or e.id in wanted)
    ]
    edges.extend(e for e in extra_edges if e.source in present and e.target in present)
    edges.sort(key=lambda e: (e.source, e.label, e.target, e.id))
    categories = {n.category for n in nodes}
    return ViewData(nodes, tuple(edges), tuple(entry for entry in data.legend if entry.category in categories))


# ---------------------------------------------------------------------------
# Data -> HTML
# ---------------------------------------------------------------------------


def _node_tooltip(node: ViewNode) -> str:
    lines = [html.escape(line) for line in node.tooltip.splitlines()]
    if lines:
        lines[0] = f"<b>{lines[0]}</b>"
    return "<br>".join(lines)


def _edge_tooltip(edge: ViewEdge, labels: Mapping[str, str]) -> str:
    head = (
        f"<b>{html.escape(labels.get(edge.source, edge.source))} {html.escape(edge.label)} "
        f"{html.escape(labels.get(edge.target, edge.target))}</b><br>"
        f"{html.escape(edge.modality)}, confidence {edge.confidence:.2f}, "
        f"{len(edge.evidence)} sentence{'s' if len(edge.evidence) != 1 else ''}"
    )
    items = "".join(
        f"<li>{html.escape(ev.sentence)} <i>({html.escape(ev.source)}"
        f"{'' if ev.modality == 'asserted' else ', ' + html.escape(ev.modality)})</i></li>"
        for ev in edge.evidence
    )
    return head + (f"<ul>{items}</ul>" if items else "")


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet as shipped inside the pyvis package."""
    import pyvis

    base = Path(pyvis.__file__).resolve().parent
    candidates = sorted(
        {d for root in (base / "templates" / "lib", base / "lib") if root.is_dir() for d in root.glob("vis-*")},
        key=lambda d: tuple(int(p) if p.isdigit() else 0 for p in d.name[4:].split(".")),
    )
    for folder in reversed(candidates):
        js, css = folder / "vis-network.min.js", folder / "vis-network.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    raise OutputError(f"vis-network is not where pyvis keeps it ({base}/templates/lib/vis-*/); reinstall pyvis")


_OPTIONS = {
    "autoResize": True,
    "layout": {"randomSeed": 7, "improvedLayout": True},
    "physics": {
        "enabled": True,
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120, "avoidOverlap": 0.4},
        "stabilization": {"enabled": True, "iterations": 400, "fit": True},
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
    "nodes": {"shape": "dot", "font": {"size": 14}, "scaling": {"min": 10, "max": 36}},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "font": {"size": 10, "align": "middle", "color": "#505050"},
        "smooth": {"enabled": True, "type": "dynamic"},
    },
}

#: Above this many edges the page draws straight edges and hides edges while
#: the view is dragged or zoomed, which keeps large graphs responsive.
LARGE_GRAPH_EDGES = 1000


def _options(positioned: bool, n_edges: int) -> dict:
    """vis-network options: physics and edge shapes depend on how the nodes are placed.

    With positions computed in Python (kg.layout) the physics simulation is
    off, so the page is interactive as soon as it is drawn; edges are then
    static curves (``curvedCW`` bends A->B and B->A to opposite sides), or
    straight lines for large graphs, which draw faster.
    """
    import copy

    options = copy.deepcopy(_OPTIONS)
    large = n_edges > LARGE_GRAPH_EDGES
    if positioned:
        options["layout"]["improvedLayout"] = False
        options["physics"] = {"enabled": False}
        options["edges"]["smooth"] = {"enabled": False} if large else {"enabled": True, "type": "curvedCW", "roundness": 0.15}
    if large:
        options["interaction"]["hideEdgesOnDrag"] = True
        options["interaction"]["hideEdgesOnZoom"] = True
    return options


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ vis_css }}</style>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
  header { padding: 0.6rem 1rem; border-bottom: 1px solid #ddd; }
  header h1 { font-size: 1.2rem; margin: 0 0 0.4rem 0; }
  .legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; font-size: 0.85rem; align-items: center; }
  .legend span.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%;
                         vertical-align: middle; margin-right: 0.3rem; }
  .legend span.line { display: inline-block; width: 1.6rem; vertical-align: middle; margin-right: 0.3rem;
                      border-top: 2px solid #707070; }
  .legend span.line.dashed { border-top-style: dashed; }
  .legend span.line.negated { border-top: 2px dashed #b0b0b0; }
  #graph { width: 100%; height: calc(100vh - 5.5rem); }
  div.vis-tooltip { max-width: 32rem; white-space: normal; font-size: 0.85rem; line-height: 1.3; }
  div.vis-tooltip ul { margin: 0.3rem 0 0 1rem; padding: 0; }
</style>
</head>
<body>
<header>
  <h1>{{ title }}</h1>
  <div class="legend">
    {%- for entry in legend %}
    <span><span class="swatch" style="background: {{ entry.colour }}"></span>{{ entry.category }}</span>
    {%- endfor %}
    <span><span class="line"></span>asserted</span>
    <span><span class="line dashed"></span>hedged</span>
    <span><span class="line negated"></span>negated</span>
    <span>{{ counts }}</span>
  </div>
</header>
<div id="graph"></div>
<script>{{ vis_js }}</script>
<script>
(function () {
  var nodes = {{ nodes|tojson }};
  var edges = {{ edges|tojson }};
  // vis-network shows a string title as plain text; kg's titles are escaped
  // HTML, turned into elements here so that line breaks and lists show.
  function asElement(item) {
    if (typeof item.title === "string") {
      var box = document.createElement("div");
      box.innerHTML = item.title;
      item.title = box;
    }
    return item;
  }
  var data = {
    nodes: new vis.DataSet(nodes.map(asElement)),
    edges: new vis.DataSet(edges.map(asElement))
  };
  var options = {{ options|tojson }};
  var network = new vis.Network(document.getElementById("graph"), data, options);
  // For scripts and tests: the network object, and a mark when it is first drawn.
  window.kgNetwork = network;
  network.once("afterDrawing", function () {
    if (window.performance && performance.mark) { performance.mark("kg:drawn"); }
    document.documentElement.setAttribute("data-kg-drawn", "true");
  });
})();
</script>
</body>
</html>
"""


def render_html(
    data: ViewData,
    title: str,
    *,
    positions: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """A self-contained HTML page drawing ``data`` with pyvis / vis-network.

    The page has a legend of categories and line styles, labelled edges, and
    tooltips listing each claim's sentences with their documents.

    Nodes are placed at ``positions`` (pixels by node id); when none are given
    they are computed with :func:`kg.layout.layout` (seeded), and the physics
    simulation stays off, so the page is interactive as soon as it is drawn.
    An empty mapping leaves the layout to vis-network's physics in the
    browser (seeded too), which suits small graphs only.  Either way the same
    data give the same page, byte for byte.
    """
    from jinja2 import Environment
    from markupsafe import Markup
    from pyvis.edge import Edge
    from pyvis.node import Node

    # pyvis's Node and Edge build the option dicts vis-network reads.  They are
    # used directly rather than through Network.add_node/add_edge, which check
    # for duplicates against a list (quadratic in the size of the graph); the
    # data here are already unique and consistent.
    if positions is None:
        from .layout import layout

        positions = layout([n.id for n in data.nodes], ((e.source, e.target) for e in data.edges))
    labels = {n.id: n.label for n in data.nodes}
    nodes = [
        Node(
            node.id,
            "dot",
            label=node.label,
            color=node.colour,
            title=_node_tooltip(node),
            value=max(node.mentions, 1),
            **_xy(positions.get(node.id)),
        ).options
        for node in data.nodes
    ]
    edges = [
        Edge(
            edge.source,
            edge.target,
            directed=True,
            id=edge.id,
            label=edge.label,
            title=_edge_tooltip(edge, labels),
            color=edge.colour,
            dashes=edge.dashed,
            width=1 + min(len(edge.evidence), 5) * 0.5,
        ).options
        for edge in data.edges
        if edge.source in labels and edge.target in labels
    ]

    vis_js, vis_css = _vis_assets()
    env = Environment(autoescape=True, keep_trailing_newline=True)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    n_nodes, n_edges = len(data.nodes), len(data.edges)
    page = env.from_string(_PAGE).render(
        title=title,
        legend=data.legend,
        counts=f"{n_nodes} entit{'y' if n_nodes == 1 else 'ies'}, {n_edges} claim{'' if n_edges == 1 else 's'}",
        nodes=nodes,
        edges=edges,
        options=_options(bool(positions), len(edges)),
        vis_js=Markup(vis_js),
        vis_css=Markup(vis_css),
    )
    return page


def _xy(point: tuple[float, float] | None) -> dict[str, int]:
    """vis-network's ``x``/``y`` node options, in whole pixels (none for an unplaced node)."""
    if point is None:
        return {}
    return {"x": round(point[0]), "y": round(point[1])}
