"""Export a kg graph to the formats other tools read.

=============  =================================================================
format         what is written
=============  =================================================================
``json-ld``    the whole RDF graph as compacted JSON-LD, kg's prefixes as context
``trig``       the graph as a dataset: one named graph per source document
``nquads``     the same dataset as N-Quads, one quad a line, sorted
``graphml``    entities and claims as a property graph (Cytoscape, Gephi, yEd)
``gexf``       the same property graph for Gephi, nodes coloured by category
``cytoscape``  Cytoscape.js JSON, ``{"elements": {"nodes": [...], "edges": [...]}}``
``csv``        one row per claim: ids, labels, modality, confidence, first sentence
``kgx``        a folder with KGX ``nodes.tsv`` and ``edges.tsv`` (Biolink categories
               and predicates)
=============  =================================================================

Named graphs (TriG, N-Quads).  For each document ``doc:D`` the graph named
``doc:D`` holds what that document says: every triple of each evidence node
read from it, the ``stmt:S kg:hasEvidence ev:E`` links to those evidence
nodes, and the direct triple ``ent:A kg:rel ent:B`` of each claim for which
it has evidence that does not negate the claim (a direct triple supported by
two documents is in both their graphs).  Everything else is in the default
graph: the ontology, the entities, the documents' own descriptions, and the
statements with their pooled modality, confidence and evidence count.  The
union of all the graphs is exactly the original graph.

Property graphs (GraphML, GEXF, Cytoscape.js, CSV, KGX) have a node per entity
and an edge per claim, negated-only claims included with modality
``negated``; see :func:`kg.explore.to_networkx` for the attributes.

Every format is deterministic: blank nodes (the ontology's class unions) are
relabelled canonically, and nodes, edges, rows and quads are sorted, so the
same graph gives the same bytes.  Each format is a function from the graph to
the files' contents (:data:`FORMATS`); :func:`export` writes them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import PROV, RDF

from .errors import ExploreError, OutputError
from .explore import GraphIndex, curie, read_index, to_networkx
from .namespaces import KG, PREFIXES, to_curie

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "ExportFormat",
    "document_dataset",
    "export",
    "render",
    "to_csv",
    "to_cytoscape",
    "to_gexf",
    "to_graphml",
    "to_jsonld",
    "to_kgx",
    "to_nquads",
    "to_trig",
]

#: Written into KGX's ``primary_knowledge_source``.  kg is not a registered
#: Information Resource; pass your own ``infores:`` id to :func:`to_kgx`.
KNOWLEDGE_SOURCE = "infores:kg"


# ---------------------------------------------------------------------------
# RDF formats
# ---------------------------------------------------------------------------


def _canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` whose blank nodes carry labels derived from the graph's structure.

    rdflib gives parsed blank nodes random labels; JSON-LD, TriG and N-Quads
    would show them.  Only the triples that hold blank nodes are relabelled
    (with :func:`rdflib.compare.to_canonical_graph`), as ``kg.graph`` does for
    N-Triples.
    """
    from rdflib.compare import to_canonical_graph

    from .graph import new_graph

    out = new_graph()
    with_bnodes = Graph(bind_namespaces="none")
    for triple in graph:
        if isinstance(triple[0], BNode) or isinstance(triple[2], BNode):
            with_bnodes.add(triple)
        else:
            out.add(triple)
    if len(with_bnodes):
        for triple in to_canonical_graph(with_bnodes):
            out.add(triple)
    return out


def _sorted_json(value):
    """JSON-LD with every unordered array sorted (``@list`` keeps its order)."""
    if isinstance(value, dict):
        return {k: (_sorted_json(v) if k != "@list" else [_sorted_json(i) for i in v]) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def to_jsonld(graph: Graph) -> str:
    """The whole graph as compacted JSON-LD (``@context``: kg's prefixes), nodes sorted by ``@id``."""
    text = _canonical(graph).serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
    doc = json.loads(text)
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
        doc["@graph"] = sorted((_sorted_json(n) for n in doc["@graph"]), key=lambda n: (str(n.get("@id", "")), json.dumps(n, sort_keys=True)))
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def document_dataset(graph: Graph) -> Dataset:
    """The graph split into one named graph per document (see the module's notes)."""
    dataset = Dataset()
    for prefix, iri in PREFIXES.items():
        dataset.bind(prefix, iri, override=True, replace=True)
    source = _canonical(graph)
    placed: set = set()
    named: dict[URIRef, list] = {}

    def put(doc, triple) -> None:
        named.setdefault(doc, []).append(triple)
        placed.add(triple)

    for stmt in source.subjects(RDF.type, RDF.Statement):
        subj, pred, obj = (source.value(stmt, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        direct = (subj, pred, obj)
        has_direct = subj is not None and pred is not None and obj is not None and direct in source
        for ev in source.objects(stmt, KG.hasEvidence):
            doc = source.value(ev, PROV.wasDerivedFrom)
            if not isinstance(doc, URIRef):
                continue
            put(doc, (stmt, KG.hasEvidence, ev))
            for p, o in source.predicate_objects(ev):
                put(doc, (ev, p, o))
            if has_direct and source.value(ev, KG.modality) != KG.Negated:
                put(doc, direct)
    default = dataset.default_graph if hasattr(dataset, "default_graph") else dataset.default_context
    for triple in source:
        if triple not in placed:
            default.add(triple)
    for doc in sorted(named, key=str):
        target = dataset.graph(doc)
        for triple in named[doc]:
            target.add(triple)
    return dataset


def to_trig(graph: Graph) -> str:
    """TriG: the default graph, then a named graph per document (``doc:D { ... }``), each sorted."""
    dataset = document_dataset(graph)
    text = dataset.serialize(format="trig")
    return text if text.endswith("\n") else text + "\n"


def to_nquads(graph: Graph) -> str:
    """N-Quads of :func:`document_dataset`, one quad a line, sorted."""
    text = document_dataset(graph).serialize(format="nquads")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------------------
# Property-graph formats
# ---------------------------------------------------------------------------


def to_graphml(graph: Graph | GraphIndex) -> str:
    """GraphML (networkx's writer): node ids are entity IRIs, edge ids statement IRIs."""
    import networkx as nx

    return "\n".join(nx.generate_graphml(to_networkx(graph))) + "\n"


_LAST_MODIFIED = re.compile(r' lastmodifieddate="[^"]*"')


def to_gexf(graph: Graph | GraphIndex) -> str:
    """GEXF 1.2 (networkx's writer) with each node coloured by its category, as in ``kg view``."""
    import networkx as nx

    from .view import category_colour

    nxg = to_networkx(graph)
    for _, data in nxg.nodes(data=True):
        colour = category_colour(data["category_iri"] or None)
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        data["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}}
    text = "\n".join(nx.generate_gexf(nxg)) + "\n"
    # networkx stamps today's date on <meta>; drop it so the same graph gives the same file.
    return _LAST_MODIFIED.sub("", text, count=1)


def to_cytoscape(graph: Graph | GraphIndex) -> str:
    """Cytoscape.js JSON (networkx's ``cytoscape_data``), edges with their evidence sentences."""
    import networkx as nx

    index = graph if isinstance(graph, GraphIndex) else read_index(graph)
    data = nx.cytoscape_data(to_networkx(index), name="label", ident="id")
    by_id = {c.id: c for c in index.claims}
    for edge in data["elements"]["edges"]:
        claim = by_id[edge["data"]["id"]]
        edge["data"]["evidence"] = [
            {"sentence": s.sentence, "source": s.source, "modality": s.modality} for s in claim.evidence
        ]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "subject", "relation", "object", "subject_label", "relation_label", "object_label",
    "modality", "confidence", "evidence_count", "sentence", "source", "statement",
)


def to_csv(graph: Graph | GraphIndex) -> str:
    """One row per claim; ``sentence`` and ``source`` are its first evidence (by document, then position)."""
    index = graph if isinstance(graph, GraphIndex) else read_index(graph)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for claim in index.claims:
        first = claim.evidence[0] if claim.evidence else None
        writer.writerow(
            [
                curie(claim.subject), curie(claim.predicate), curie(claim.object),
                index.label(claim.subject), claim.relation, index.label(claim.object),
                claim.modality, f"{claim.confidence:g}", len(claim.evidence),
                first.sentence if first else "", first.source if first else "", curie(claim.id),
            ]
        )
    return buf.getvalue()


KGX_NODE_COLUMNS = ("id", "category", "name", "synonym", "xref", "iri", "kg_category", "kg_mentions")
KGX_EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "category", "original_predicate", "negated",
    "knowledge_level", "agent_type", "primary_knowledge_source", "publications",
    "kg_modality", "kg_confidence", "kg_evidence_count", "kg_sources",
)


def _tsv_field(value: str) -> str:
    return " ".join(str(value).split())


def _multi(values) -> str:
    return "|".join(_tsv_field(v).replace("|", "/") for v in values)


def to_kgx(graph: Graph | GraphIndex, knowledge_source: str = KNOWLEDGE_SOURCE) -> dict[str, str]:
    """KGX TSV: ``{"nodes.tsv": text, "edges.tsv": text}``.

    Nodes: ``id`` (``ent:`` CURIE), ``category`` (Biolink classes from the
    ontology's ``skos:exactMatch``/``closeMatch`` on the entity's class or its
    nearest ancestor that has one, else ``biolink:NamedThing``), ``name``,
    ``synonym``, ``xref`` (standard identifiers as CURIEs).  Edges: ``id``
    (``stmt:`` CURIE: a content hash), ``predicate`` (the relation type's
    Biolink alignment, else its ``kg:`` CURIE, also kept in
    ``original_predicate``), ``negated`` for negated-only claims,
    ``knowledge_level`` ``not_provided`` and ``agent_type``
    ``text_mining_agent`` (Biolink's values for text-mined assertions),
    ``publications`` (the documents' PMID/PMCID/DOI, where known), and
    kg's own modality, confidence, evidence count and source names.
    Multiple values are joined with ``|``.
    """
    index = graph if isinstance(graph, GraphIndex) else read_index(graph)
    # Plain tab-joined lines: every field is free of tabs and line breaks
    # (_tsv_field), and KGX readers take quotes literally, so csv's quoting
    # and escaping would only add characters.
    nodes = ["\t".join(KGX_NODE_COLUMNS)]
    for entity in index.entities.values():
        nodes.append(
            _row(
                curie(entity.iri), _multi(entity.biolink), entity.label, _multi(entity.synonyms),
                _multi(to_curie(x) or curie(x) for x in entity.xrefs), entity.iri, entity.category_label, entity.mentions,
            )
        )
    edges = ["\t".join(KGX_EDGE_COLUMNS)]
    for claim in index.claims:
        relation = index.relations.get(claim.predicate)
        predicate = relation.biolink[0] if relation and relation.biolink else curie(claim.predicate)
        docs = sorted({s.document for s in claim.evidence})
        publications = sorted({i for d in docs if d in index.documents for i in index.documents[d].identifiers})
        edges.append(
            _row(
                curie(claim.id), curie(claim.subject), predicate, curie(claim.object), "biolink:Association",
                curie(claim.predicate), "True" if claim.negated else "False", "not_provided", "text_mining_agent",
                knowledge_source, _multi(publications), claim.modality, f"{claim.confidence:g}",
                len(claim.evidence), _multi(sorted({s.source for s in claim.evidence})),
            )
        )
    return {"nodes.tsv": "\n".join(nodes) + "\n", "edges.tsv": "\n".join(edges) + "\n"}


def _row(*fields) -> str:
    return "\t".join(_tsv_field(str(f)) for f in fields)


# ---------------------------------------------------------------------------
# Registry and writing
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """A format: its name, how it is made, and whether it is a folder of files."""

    name: str
    description: str
    make: Callable[[Graph], Mapping[str, str]]  # file name ("" for the single file) -> text
    suffix: str  # the usual file suffix ("" for a folder)
    folder: bool = False


def _single(function: Callable[[Graph], str]) -> Callable[[Graph], Mapping[str, str]]:
    return lambda graph: {"": function(graph)}


FORMATS: Mapping[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("json-ld", "JSON-LD, the whole RDF graph", _single(to_jsonld), ".jsonld"),
        ExportFormat("trig", "TriG, a named graph per source document", _single(to_trig), ".trig"),
        ExportFormat("nquads", "N-Quads, a named graph per source document", _single(to_nquads), ".nq"),
        ExportFormat("graphml", "GraphML property graph (Cytoscape, Gephi, yEd)", _single(to_graphml), ".graphml"),
        ExportFormat("gexf", "GEXF property graph (Gephi)", _single(to_gexf), ".gexf"),
        ExportFormat("cytoscape", "Cytoscape.js JSON elements", _single(to_cytoscape), ".cyjs"),
        ExportFormat("csv", "CSV edge list, one row per claim", _single(to_csv), ".csv"),
        ExportFormat("kgx", "KGX TSV folder: nodes.tsv and edges.tsv (Biolink)", to_kgx, "", folder=True),
    )
}
_ALIASES = {"jsonld": "json-ld", "nq": "nquads", "cytoscape.js": "cytoscape", "cyjs": "cytoscape", "kgx-tsv": "kgx"}
#: File suffix -> format, for :func:`export` when no format is given.
SUFFIXES: Mapping[str, str] = {f.suffix: f.name for f in FORMATS.values() if f.suffix} | {".json": "cytoscape", ".nquads": "nquads"}


def get_format(name: str | None, out: Path | str | None = None) -> ExportFormat:
    """The format called ``name`` (or guessed from ``out``'s suffix when ``name`` is None)."""
    valid = ", ".join(FORMATS)
    if name is None:
        suffix = Path(out).suffix.lower() if out is not None else ""
        if suffix in SUFFIXES:
            return FORMATS[SUFFIXES[suffix]]
        raise ExploreError(f"cannot tell the format from {str(out)!r}; give --format, one of: {valid}")
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in FORMATS:
        raise ExploreError(f"unknown export format {name!r}; valid: {valid}")
    return FORMATS[key]


def render(graph: Graph, fmt: str) -> dict[str, str]:
    """The contents of an export, without writing anything: file name -> text."""
    return dict(get_format(fmt).make(graph))


def export(graph: Graph, fmt: str | None, out: Path | str) -> list[Path]:
    """Write ``graph`` in ``fmt`` to ``out`` (a file; a folder for ``kgx``); returns the files written.

    Everything is rendered before anything is written, and each file is
    written to a temporary file first and then moved into place, so a
    failure leaves earlier files as they were.
    """
    target = Path(out)
    spec = get_format(fmt, target)
    if spec.folder and target.exists() and not target.is_dir():
        raise OutputError(f"{target}: the {spec.name} export is a folder, and this is a file")
    if not spec.folder and target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name for the {spec.name} export (e.g. graph{spec.suffix})")
    contents = spec.make(graph)
    files = {(target / name if spec.folder else target): text for name, text in contents.items()}
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(tmp), path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
        for tmp, path in staged:
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    return sorted(files)
