"""What the pages of ``kg serve`` show, read once from the graph.

:class:`Site` indexes a graph for the web app: every entity with its labels,
synonyms, class, standard identifiers and documents; every claim with its
evidence; a search index over labels and synonyms; and neighbourhoods for
the interactive graph.  Nodes and edges (colours, tooltips, evidence) come
from :func:`kg.view.view_data`, the same data ``kg view`` draws, so the two
views agree.  Everything is plain immutable data; nothing here knows HTTP.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from ..namespaces import ENTITY, KG, to_curie
from ..view import ViewData, ViewEdge, ViewEvidence, ViewNode, view_data

__all__ = [
    "Claim",
    "DocumentRef",
    "EntityDetails",
    "EntityPage",
    "EntityRef",
    "Identifier",
    "Site",
    "Suggestion",
]

_STATEMENT = "https://w3id.org/kg/statement/"

#: How many entities the graph page starts with (the best connected when there are more).
DEFAULT_OVERVIEW = 2000
#: Above this many nodes a drawing gets no precomputed positions (the layout would take minutes).
MAX_LAYOUT_NODES = 5000
#: How many computed layouts are kept (the overview's, focused views', query results').
LAYOUT_CACHE_SIZE = 32


@dataclass(frozen=True, slots=True)
class EntityRef:
    """Enough about an entity to link to its page: ``key`` is its local name (the URL part)."""

    key: str
    iri: str
    label: str
    category: str
    colour: str


@dataclass(frozen=True, slots=True)
class Identifier:
    """A standard identifier: ``CL:0000134`` and the IRI that resolves it."""

    curie: str
    iri: str

    @property
    def url(self) -> str | None:
        """The IRI as a link, only when it is a web address (never ``javascript:`` and the like)."""
        return self.iri if self.iri.lower().startswith(("http://", "https://")) else None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    source: str
    title: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement as the pages show it, with every sentence behind it."""

    key: str  # the statement's local name
    subject: EntityRef
    relation: str  # the relation type's label
    relation_iri: str
    object: EntityRef
    modality: str  # asserted, hedged or negated (the strongest over the evidence)
    confidence: float
    evidence: tuple[ViewEvidence, ...]


@dataclass(frozen=True, slots=True)
class EntityDetails:
    """Everything the entity page shows."""

    ref: EntityRef
    synonyms: tuple[str, ...]
    classes: tuple[tuple[str, str], ...]  # (class IRI, label)
    definition: str | None
    identifiers: tuple[Identifier, ...]
    mentions: int
    documents: tuple[DocumentRef, ...]
    outgoing: tuple[Claim, ...]
    incoming: tuple[Claim, ...]


@dataclass(frozen=True, slots=True)
class EntityPage:
    """One page of the list of every entity: ``entries`` are (entity, mentions) pairs."""

    entries: tuple[tuple[EntityRef, int], ...]
    page: int  # counted from 1
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the whole list takes (at least one, even when empty)."""
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The position (from 1) of the first entry on this page; 0 when the page is empty."""
        return (self.page - 1) * self.size + 1 if self.entries else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * self.size + len(self.entries)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A search hit: ``matched`` is the label or synonym the query matched."""

    ref: EntityRef
    matched: str
    mentions: int


def _literals(graph: Graph, node, predicate) -> list[str]:
    return sorted({str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal)}, key=lambda s: (s.lower(), s))


def _first(graph: Graph, node, *predicates) -> str | None:
    for predicate in predicates:
        values = _literals(graph, node, predicate)
        if values:
            return values[0]
    return None


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def entity_key(iri: str) -> str:
    """The URL part of an entity: its IRI without the ``ent:`` namespace."""
    base = str(ENTITY)
    return iri[len(base) :] if iri.startswith(base) else _local(iri)


class Site:
    """A read-only index of one graph for the web pages."""

    def __init__(self, graph: Graph, title: str) -> None:
        self.title = title
        self.triples = len(graph)
        data: ViewData = view_data(graph)
        self.legend = data.legend
        self._nodes: dict[str, ViewNode] = {}
        self._refs: dict[str, EntityRef] = {}
        for node in data.nodes:
            key = entity_key(node.id)
            self._nodes[key] = node
            self._refs[key] = EntityRef(key, node.id, node.label, node.category, node.colour)
        self._by_iri = {ref.iri: ref for ref in self._refs.values()}

        self._claims: dict[str, Claim] = {}
        self._edges: dict[str, ViewEdge] = {}
        self._outgoing: dict[str, list[str]] = defaultdict(list)
        self._incoming: dict[str, list[str]] = defaultdict(list)
        for edge in data.edges:
            subject, obj = self._by_iri.get(edge.source), self._by_iri.get(edge.target)
            if subject is None or obj is None:
                continue
            pred = graph.value(URIRef(edge.id), RDF.predicate)
            key = edge.id[len(_STATEMENT) :] if edge.id.startswith(_STATEMENT) else _local(edge.id)
            claim = Claim(
                key=key,
                subject=subject,
                relation=edge.label,
                relation_iri=str(pred) if pred is not None else "",
                object=obj,
                modality=edge.modality,
                confidence=edge.confidence,
                evidence=edge.evidence,
            )
            self._claims[key] = claim
            self._edges[key] = edge
            self._outgoing[subject.key].append(key)
            self._incoming[obj.key].append(key)
        self.evidence_count = sum(len(c.evidence) for c in self._claims.values())

        self._details: dict[str, EntityDetails] = {}
        for key, ref in self._refs.items():
            self._details[key] = self._read_details(graph, ref)
        docs = {d for d in graph.subjects(RDF.type, KG.Document)}
        self.documents = tuple(
            sorted(
                (DocumentRef(_first(graph, d, DCTERMS.source) or _local(str(d)), _first(graph, d, DCTERMS.title) or "") for d in docs),
                key=lambda d: d.source,
            )
        )
        # Search index: (lowercased text, text, key), labels before synonyms.
        entries: list[tuple[str, str, str, int]] = []
        for key, details in self._details.items():
            entries.append((details.ref.label.lower(), details.ref.label, key, 0))
            for synonym in details.synonyms:
                entries.append((synonym.lower(), synonym, key, 1))
        self._search = tuple(entries)
        self._ranked: tuple[str, ...] | None = None
        self._layouts: OrderedDict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], dict[str, tuple[int, int]]] = OrderedDict()
        self._cache_lock = threading.Lock()  # guards self._layouts, held only briefly
        self._layout_lock = threading.Lock()  # one layout computed at a time
        self._category_counts: tuple[tuple[str, str, int], ...] | None = None

    # -- reading ------------------------------------------------------------

    def _read_details(self, graph: Graph, ref: EntityRef) -> EntityDetails:
        node = URIRef(ref.iri)
        classes = []
        definition = _first(graph, node, SKOS.definition)
        for cls in sorted({o for o in graph.objects(node, RDF.type) if isinstance(o, URIRef)}, key=str):
            label = _first(graph, cls, RDFS.label, SKOS.prefLabel) or _local(str(cls))
            classes.append((str(cls), label))
            definition = definition or _first(graph, cls, SKOS.definition)
        identifiers = sorted(
            {Identifier(to_curie(str(o)) or str(o), str(o)) for o in graph.objects(node, SKOS.exactMatch) if isinstance(o, URIRef)},
            key=lambda i: i.curie,
        )
        documents = sorted(
            {
                DocumentRef(_first(graph, d, DCTERMS.source) or _local(str(d)), _first(graph, d, DCTERMS.title) or "")
                for d in graph.objects(node, PROV.wasDerivedFrom)
            },
            key=lambda d: d.source,
        )
        return EntityDetails(
            ref=ref,
            synonyms=tuple(s for s in _literals(graph, node, SKOS.altLabel) if s != ref.label),
            classes=tuple(classes),
            definition=definition,
            identifiers=tuple(identifiers),
            mentions=self._nodes[ref.key].mentions,
            documents=tuple(documents),
            outgoing=tuple(self._claims[k] for k in self._outgoing.get(ref.key, ())),
            incoming=tuple(self._claims[k] for k in self._incoming.get(ref.key, ())),
        )

    # -- queries ------------------------------------------------------------

    @property
    def entity_count(self) -> int:
        return len(self._refs)

    @property
    def claim_count(self) -> int:
        return len(self._claims)

    def entity(self, key: str) -> EntityDetails | None:
        return self._details.get(key)

    def ref(self, key_or_iri: str) -> EntityRef | None:
        return self._refs.get(key_or_iri) or self._by_iri.get(key_or_iri)

    def claim(self, key: str) -> Claim | None:
        return self._claims.get(key)

    def entities_by_category(self) -> tuple[tuple[str, str, tuple[EntityRef, ...]], ...]:
        """``(category, colour, entities)`` sorted by category ("" last), entities by label."""
        groups: dict[str, list[EntityRef]] = defaultdict(list)
        colours: dict[str, str] = {}
        for ref in self._refs.values():
            groups[ref.category].append(ref)
            colours[ref.category] = ref.colour
        return tuple(
            (category, colours[category], tuple(sorted(refs, key=lambda r: (r.label.lower(), r.key))))
            for category, refs in sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0].lower()))
        )

    def ranked_keys(self) -> tuple[str, ...]:
        """Every entity, most mentioned first, then by label and name: the overview's stable order."""
        if self._ranked is None:
            nodes = self._nodes
            self._ranked = tuple(
                sorted(self._refs, key=lambda k: (-nodes[k].mentions, self._refs[k].label.lower(), k))
            )
        return self._ranked

    def entity_page(self, page: int, size: int) -> EntityPage:
        """Page ``page`` (from 1) of :meth:`ranked_keys`, ``size`` entities to a page.

        Only the page's own entities are read, so a page of a graph with a
        hundred thousand entities costs no more than one of a small graph
        (after the order has been computed once).  Raises ``ValueError`` for
        a page or size below 1 and for a page after the last.
        """
        if size < 1:
            raise ValueError("the page size must be at least 1")
        if page < 1:
            raise ValueError("pages are counted from 1")
        keys = self.ranked_keys()
        last_page = max(1, -(-len(keys) // size))
        if page > last_page:
            raise ValueError(f"there is no page {page}: the last page is {last_page}")
        chosen = keys[(page - 1) * size : page * size]
        entries = tuple((self._refs[k], self._nodes[k].mentions) for k in chosen)
        return EntityPage(entries, page, size, len(keys))

    def suggest(self, query: str, limit: int = 10) -> tuple[Suggestion, ...]:
        """Entities whose label or a synonym matches ``query``, best first.

        Exact matches come first, then names that start with the query, then
        names with a word that starts with it, then names that contain it;
        ties go to the entity mentioned most.  One hit per entity.
        """
        wanted = " ".join(query.lower().split())
        if not wanted:
            return ()
        best: dict[str, tuple[tuple[int, int, int, str], str]] = {}
        for lowered, text, key, is_synonym in self._search:
            if lowered == wanted:
                rank = 0
            elif lowered.startswith(wanted):
                rank = 1
            elif any(word.startswith(wanted) for word in lowered.replace("-", " ").replace("/", " ").split()):
                rank = 2
            elif wanted in lowered:
                rank = 3
            else:
                continue
            order = (rank, is_synonym, -self._nodes[key].mentions, text.lower())
            if key not in best or order < best[key][0]:
                best[key] = (order, text)
        ranked = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))[: max(limit, 0)]
        return tuple(Suggestion(self._refs[key], text, self._nodes[key].mentions) for key, (_, text) in ranked)

    # -- graph data (JSON-ready) -------------------------------------------------

    def node_json(self, key: str) -> dict[str, object]:
        node, ref = self._nodes[key], self._refs[key]
        return {
            "id": key,
            "iri": ref.iri,
            "label": ref.label,
            "category": ref.category,
            "colour": ref.colour,
            "tooltip": node.tooltip,
            "mentions": node.mentions,
        }

    def edge_json(self, key: str) -> dict[str, object]:
        claim, edge = self._claims[key], self._edges[key]
        return {
            "id": key,
            "from": claim.subject.key,
            "to": claim.object.key,
            "label": claim.relation,
            "subject": claim.subject.label,
            "object": claim.object.label,
            "modality": claim.modality,
            "confidence": claim.confidence,
            "colour": edge.colour,
            "dashed": edge.dashed,
            "evidence": [{"sentence": e.sentence, "source": e.source, "modality": e.modality} for e in claim.evidence],
        }

    def _slice(self, keys: Iterable[str], claims: Iterable[str], context: Iterable[str] = ()) -> dict[str, object]:
        shown = set(context)
        nodes = []
        for key in sorted(set(keys)):
            node = self.node_json(key)
            if key in shown:
                node["context"] = True
            nodes.append(node)
        return {"nodes": nodes, "edges": [self.edge_json(c) for c in sorted(set(claims))]}

    def neighbours(self, key: str) -> dict[str, object] | None:
        """The entity, its neighbours and every claim between it and them (None if unknown)."""
        if key not in self._refs:
            return None
        claims = [*self._outgoing.get(key, ()), *self._incoming.get(key, ())]
        keys = {key} | {self._claims[c].subject.key for c in claims} | {self._claims[c].object.key for c in claims}
        return {"center": key, **self._slice(keys, claims)}

    def subgraph(self, ids: Iterable[str], neighbours: bool = False) -> dict[str, object]:
        """Entities and claims named by ``ids``, and the claims among those entities.

        ``ids`` may hold entity names or IRIs and statement IRIs (a statement
        brings its subject and object); unknown ones are left out.  With
        ``neighbours``, every claim touching one of the entities is added too,
        and the entities this brings in are marked ``"context": true``.
        """
        keys: set[str] = set()
        claims: set[str] = set()
        for item in ids:
            ref = self.ref(item)
            if ref is not None:
                keys.add(ref.key)
                continue
            claim = self._claims.get(item[len(_STATEMENT) :] if item.startswith(_STATEMENT) else item)
            if claim is not None:
                claims.add(claim.key)
                keys.update((claim.subject.key, claim.object.key))
        claims.update(c for k in keys for c in self._outgoing.get(k, ()) if self._claims[c].object.key in keys)
        context: set[str] = set()
        if neighbours:
            for key in list(keys):
                for c in (*self._outgoing.get(key, ()), *self._incoming.get(key, ())):
                    claims.add(c)
                    for end in (self._claims[c].subject.key, self._claims[c].object.key):
                        if end not in keys:
                            context.add(end)
        return self._slice(keys | context, claims, context)

    def overview(self, limit: int = DEFAULT_OVERVIEW) -> dict[str, object]:
        """The whole graph when it has at most ``limit`` entities, else the ``limit`` best connected."""
        if len(self._refs) <= limit:
            return {"truncated": False, **self._slice(self._refs, self._claims)}
        degree = {k: len(self._outgoing.get(k, ())) + len(self._incoming.get(k, ())) for k in self._refs}
        top = sorted(self._refs, key=lambda k: (-degree[k], -self._nodes[k].mentions, k))[:limit]
        return {"truncated": True, **self.subgraph(top)}

    def category_counts(self) -> tuple[tuple[str, str, int], ...]:
        """``(category, colour, entities)`` in :meth:`entities_by_category`'s order, counted once."""
        if self._category_counts is None:
            counts: dict[str, int] = defaultdict(int)
            colours: dict[str, str] = {}
            for ref in self._refs.values():
                counts[ref.category] += 1
                colours[ref.category] = ref.colour
            order = sorted(counts, key=lambda c: (c == "", c.lower()))
            self._category_counts = tuple((c, colours[c], counts[c]) for c in order)
        return self._category_counts

    def relation_counts(self) -> tuple[tuple[str, int], ...]:
        counts: dict[str, int] = defaultdict(int)
        for claim in self._claims.values():
            counts[claim.relation] += 1
        return tuple(sorted(counts.items(), key=lambda kv: kv[0].lower()))

    # -- precomputed layouts ---------------------------------------------------

    def positioned(self, data: dict[str, object]) -> dict[str, object]:
        """``data`` (nodes and edges as JSON) with an ``x`` and ``y`` on every node.

        Positions come from :func:`kg.layout.layout` over the nodes and edges
        of ``data``, computed once per distinct drawing and cached, so the
        browser draws at once instead of running a physics simulation.
        ``"positioned": true`` tells the page; a drawing of more than
        :data:`MAX_LAYOUT_NODES` nodes is returned without positions.
        """
        nodes: Sequence[dict[str, object]] = data["nodes"]  # type: ignore[assignment]
        edges: Sequence[dict[str, object]] = data["edges"]  # type: ignore[assignment]
        if not nodes or len(nodes) > MAX_LAYOUT_NODES:
            return {**data, "positioned": False}
        positions = self.layout_of(
            (str(n["id"]) for n in nodes), ((str(e["from"]), str(e["to"])) for e in edges)
        )
        placed = [{**n, "x": positions[str(n["id"])][0], "y": positions[str(n["id"])][1]} for n in nodes]
        return {**data, "nodes": placed, "positioned": True}

    def layout_of(self, keys: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[int, int]]:
        """Pixel positions of ``keys`` joined by ``pairs``, from the cache when this drawing was laid out before.

        Computing is serialised by a lock: two requests for the same drawing
        lay it out once, and two layouts never compete for the machine's
        cores.  A drawing found in the cache never waits for another's layout.
        """
        from ..layout import layout

        names = tuple(sorted(set(keys)))
        links = tuple(sorted({(a, b) if a <= b else (b, a) for a, b in pairs}))
        cache_key = (names, links)
        found = self._cached_layout(cache_key)
        if found is not None:
            return found
        with self._layout_lock:
            found = self._cached_layout(cache_key)  # laid out while this request waited
            if found is None:
                found = layout(names, links)
                with self._cache_lock:
                    self._layouts[cache_key] = found
                    while len(self._layouts) > LAYOUT_CACHE_SIZE:
                        self._layouts.popitem(last=False)
            return found

    def _cached_layout(self, cache_key) -> dict[str, tuple[int, int]] | None:
        with self._cache_lock:
            found = self._layouts.get(cache_key)
            if found is not None:
                self._layouts.move_to_end(cache_key)
            return found

    def warm(self) -> None:
        """Order the overview's list and lay out the graph page's starting view now, so no visitor waits."""
        self.ranked_keys()
        self.category_counts()
        self.positioned(self.overview())
