"""Explore a kg graph: its claims as records and as a networkx graph, paths, statistics.

:func:`read_index` reads the RDF graph once into typed records: the entities,
every claim (one per ``rdf:Statement``, negated-only ones included, with its
evidence sentences and their documents), the relation types and categories
with their Biolink mappings, and the documents.  Everything else here works on
that index:

* :func:`to_networkx`: a ``MultiDiGraph`` with one node per entity and one
  edge per claim (keyed by the statement IRI), plain scalar attributes only,
  so GraphML and GEXF writers take it as it is;
* :func:`resolve`: find an entity by label, synonym, ``ent:`` name or IRI;
* :func:`paths`: mechanistic paths from one concept to another, each hop with
  its evidence;
* :func:`stats`: counts by category, relation type and modality, the most
  connected entities, connected components;
* :func:`neighbourhood` and :func:`query_selection`: the parts of a graph that
  ``kg view --focus`` and ``kg view --query`` draw.

Nothing here writes files; the same graph always gives the same records, in
the same (sorted) order.
"""

from __future__ import annotations

import difflib
import itertools
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from .errors import ExploreError
from .namespaces import BIOLINK, ENTITY, KG, PREFIXES
from .records import stable_hash

if TYPE_CHECKING:
    import networkx as nx

    from .query import QueryResult
    from .view import ViewData

__all__ = [
    "MECHANISTIC_RELATIONS",
    "Category",
    "Claim",
    "Count",
    "DocumentRecord",
    "Entity",
    "GraphIndex",
    "GraphStats",
    "Hop",
    "Path",
    "PathResult",
    "RankedEntity",
    "RelationType",
    "Selection",
    "Support",
    "curie",
    "neighbourhood",
    "open_oxigraph",
    "paths",
    "query_selection",
    "read_index",
    "resolve",
    "resolve_relation",
    "selected_view",
    "stats",
    "store_neighbourhood",
    "store_query_selection",
    "store_selected_view",
    "to_networkx",
]

#: Relation types :func:`paths` follows by default (local names in the kg:
#: namespace), and every relation type declared a sub-property of one of them.
#: They say how one thing acts on or becomes another: regulation (drives,
#: inhibits), causation (causes, compresses, has adverse effect, treats),
#: production (secretes, produces, differentiates into), participation (uses)
#: and composition (part of, has part).  Left out: is a, derived from, located
#: in, delivered into and alternative to, which classify, locate or compare
#: rather than explain.
MECHANISTIC_RELATIONS: tuple[str, ...] = (
    "drives",
    "inhibits",
    "causes",
    "compresses",
    "has_adverse_effect",
    "treats",
    "secretes",
    "produces",
    "differentiates_into",
    "uses",
    "part_of",
    "has_part",
)

_MODALITIES = {KG.Asserted: "asserted", KG.Hedged: "hedged", KG.Negated: "negated"}
MODALITY_ORDER = ("asserted", "hedged", "negated")
#: Biolink category of an entity whose classes map to none.
NAMED_THING = "biolink:NamedThing"


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    """A top-level category (kg:Cell, ...) with its Biolink classes."""

    iri: str
    label: str
    biolink: tuple[str, ...]  # CURIEs, e.g. ("biolink:Cell",)


@dataclass(frozen=True, slots=True)
class RelationType:
    """A relation type as the graph describes it.

    ``biolink`` is the Biolink predicate the ontology aligns it with: its own
    ``skos:exactMatch``, else ``closeMatch``, else ``broadMatch`` (a broader
    predicate is still true), else those of the nearest super-property;
    related and narrower matches are not used.  Empty when there is none.
    """

    iri: str
    label: str
    ancestors: tuple[str, ...]  # super-properties, nearest first
    biolink: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity node (``ent:``) and what the graph says about it."""

    iri: str
    label: str
    category: str  # IRI of its top-level category, "" when none
    category_label: str
    classes: tuple[str, ...]  # its rdf:type IRIs (the ontology concept)
    synonyms: tuple[str, ...]
    xrefs: tuple[str, ...]  # standard identifiers (IRIs)
    biolink: tuple[str, ...]  # Biolink categories (CURIEs)
    mentions: int
    documents: tuple[str, ...]  # document IRIs


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    iri: str
    source: str
    title: str
    identifiers: tuple[str, ...]  # dcterms:identifier values: PMID:..., doi:...


@dataclass(frozen=True, slots=True)
class Support:
    """One evidence of a claim: the sentence and where it was read."""

    iri: str
    sentence: str
    document: str  # document IRI
    source: str  # the document's source name
    sentence_index: int
    modality: str
    confidence: float
    rule: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim ``subject relation object``: one rdf:Statement of the graph.

    ``asserted`` is True when the graph holds the direct triple, that is when
    some evidence does not negate the claim.  A direct triple between two
    entities with no statement behind it (a hand-made graph) becomes a claim
    without evidence whose ``id`` is a ``urn:kg:triple:`` hash.
    """

    id: str
    subject: str
    predicate: str
    object: str
    relation: str  # the relation type's label
    modality: str  # asserted, hedged or negated: the strongest over the evidence
    confidence: float
    evidence: tuple[Support, ...]
    asserted: bool

    @property
    def negated(self) -> bool:
        return not self.asserted


@dataclass(frozen=True)
class GraphIndex:
    """The entities, claims, relation types, categories and documents of a graph."""

    entities: Mapping[str, Entity]
    claims: tuple[Claim, ...]
    relations: Mapping[str, RelationType]
    categories: Mapping[str, Category]
    documents: Mapping[str, DocumentRecord]
    triples: int
    concepts: Mapping[str, str] = field(default_factory=dict)  # folded name -> ontology class IRI


    def claim(self, claim_id: str) -> Claim:
        return self._claims_by_id()[claim_id]

    def _claims_by_id(self) -> Mapping[str, Claim]:
        cached = self.__dict__.get("_by_id")
        if cached is None:
            cached = {c.id: c for c in self.claims}
            object.__setattr__(self, "_by_id", cached)
        return cached

    def label(self, iri: str) -> str:
        entity = self.entities.get(iri)
        if entity is not None:
            return entity.label
        relation = self.relations.get(iri)
        if relation is not None:
            return relation.label
        return _local(iri)


# ---------------------------------------------------------------------------
# Reading the graph
# ---------------------------------------------------------------------------


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def curie(iri: str) -> str:
    """``https://w3id.org/kg/entity/X`` -> ``ent:X``; the IRI itself when no kg prefix fits."""
    best = ""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(base) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and len(iri) > len(PREFIXES[best]):
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    from .namespaces import to_curie

    return to_curie(iri) or iri


def _texts(graph: Graph, node, predicate) -> list[str]:
    return sorted({str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal)}, key=lambda t: (t.lower(), t))


def _label(graph: Graph, node) -> str | None:
    for predicate in (RDFS.label, SKOS.prefLabel):
        values = sorted(
            (o for o in graph.objects(node, predicate) if isinstance(o, Literal)),
            key=lambda o: (o.language not in (None, "en"), str(o)),
        )
        if values:
            return str(values[0])
    return None


def _integer(value) -> int:
    try:
        return int(value) if isinstance(value, Literal) else 0
    except (TypeError, ValueError):
        return 0


def _decimal(value) -> float:
    try:
        return float(value) if isinstance(value, Literal) else 0.0
    except (TypeError, ValueError):
        return 0.0


def _biolink_matches(graph: Graph, node, predicates) -> tuple[str, ...]:
    """The Biolink terms ``node`` is mapped to by the first of ``predicates`` that has any."""
    base = str(BIOLINK)
    for predicate in predicates:
        found = sorted(
            f"biolink:{str(o)[len(base):]}" for o in graph.objects(node, predicate) if str(o).startswith(base)
        )
        if found:
            return tuple(found)
    return ()


def _ancestors(graph: Graph, start: URIRef, predicate) -> list[URIRef]:
    """Super-classes or super-properties of ``start``, breadth first (nearest first), sorted within a level."""
    seen = {start}
    order: list[URIRef] = []
    level = [start]
    while level:
        nxt: list[URIRef] = []
        for node in level:
            for parent in sorted((p for p in graph.objects(node, predicate) if isinstance(p, URIRef)), key=str):
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        order.extend(nxt)
        level = nxt
    return order


def _mapped(graph: Graph, start: URIRef, parent: URIRef, predicates) -> tuple[str, ...]:
    """Biolink mapping of ``start`` or, failing that, of its nearest ancestor that has one."""
    for node in (start, *_ancestors(graph, start, parent)):
        found = _biolink_matches(graph, node, predicates)
        if found:
            return found
    return ()


_CATEGORY_MATCHES = (SKOS.exactMatch, SKOS.closeMatch)
_RELATION_MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)


def read_index(graph: Graph) -> GraphIndex:
    """Read ``graph`` (kg's model, ``docs/rdf-model.md``) into a :class:`GraphIndex`."""
    entity_prefix = str(ENTITY)
    entity_nodes = sorted(
        {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(entity_prefix)},
        key=str,
    )

    categories: dict[str, Category] = {}

    def category(iri: URIRef) -> Category:
        key = str(iri)
        if key not in categories:
            categories[key] = Category(
                key,
                _label(graph, iri) or _local(key),
                _mapped(graph, iri, RDFS.subClassOf, _CATEGORY_MATCHES),
            )
        return categories[key]

    entities: dict[str, Entity] = {}
    for node in entity_nodes:
        classes = sorted(str(c) for c in graph.objects(node, RDF.type) if isinstance(c, URIRef))
        cat = graph.value(node, KG.category)
        cat_record = category(cat) if isinstance(cat, URIRef) else None
        biolink: tuple[str, ...] = ()
        for cls in classes:
            biolink = _mapped(graph, URIRef(cls), RDFS.subClassOf, _CATEGORY_MATCHES)
            if biolink:
                break
        if not biolink and cat_record is not None:
            biolink = cat_record.biolink
        label = _label(graph, node) or _local(str(node))
        entities[str(node)] = Entity(
            iri=str(node),
            label=label,
            category=cat_record.iri if cat_record else "",
            category_label=cat_record.label if cat_record else "",
            classes=tuple(classes),
            synonyms=tuple(t for t in _texts(graph, node, SKOS.altLabel) if t != label),
            xrefs=tuple(sorted(str(o) for o in graph.objects(node, SKOS.exactMatch) if isinstance(o, URIRef))),
            biolink=biolink or (NAMED_THING,),
            mentions=_integer(graph.value(node, KG.mentionCount)),
            documents=tuple(sorted(str(d) for d in graph.objects(node, PROV.wasDerivedFrom))),
        )

    documents: dict[str, DocumentRecord] = {}
    for doc in sorted(graph.subjects(RDF.type, KG.Document), key=str):
        documents[str(doc)] = DocumentRecord(
            str(doc),
            _label_or(graph, doc, DCTERMS.source, _local(str(doc))),
            _label_or(graph, doc, DCTERMS.title, ""),
            tuple(_texts(graph, doc, DCTERMS.identifier)),
        )

    relations: dict[str, RelationType] = {}

    def relation(iri: URIRef) -> RelationType:
        key = str(iri)
        if key not in relations:
            relations[key] = RelationType(
                key,
                _label(graph, iri) or _local(key).replace("_", " "),
                tuple(str(a) for a in _ancestors(graph, iri, RDFS.subPropertyOf)),
                _mapped(graph, iri, RDFS.subPropertyOf, _RELATION_MATCHES),
            )
        return relations[key]

    for prop in sorted(graph.subjects(RDF.type, OWL.ObjectProperty), key=str):
        if isinstance(prop, URIRef):
            relation(prop)

    claims: list[Claim] = []
    covered: set[tuple[str, str, str]] = set()
    for stmt in sorted(graph.subjects(RDF.type, RDF.Statement), key=str):
        subj, pred, obj = (graph.value(stmt, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        if str(subj) not in entities or str(obj) not in entities or not isinstance(pred, URIRef):
            continue
        support = []
        for ev in graph.objects(stmt, KG.hasEvidence):
            doc = graph.value(ev, PROV.wasDerivedFrom)
            doc_record = documents.get(str(doc)) if doc is not None else None
            support.append(
                Support(
                    iri=str(ev),
                    sentence=_label_or(graph, ev, KG.sentence, ""),
                    document=str(doc) if doc is not None else "",
                    source=doc_record.source if doc_record else (_local(str(doc)) if doc is not None else ""),
                    sentence_index=_integer(graph.value(ev, KG.sentenceIndex)),
                    modality=_MODALITIES.get(graph.value(ev, KG.modality), "asserted"),
                    confidence=_decimal(graph.value(ev, KG.confidence)),
                    rule=_label_or(graph, ev, KG.rule, ""),
                )
            )
        support.sort(key=lambda s: (s.source, s.sentence_index, s.sentence, s.iri))
        asserted = (subj, pred, obj) in graph
        modality = _MODALITIES.get(graph.value(stmt, KG.modality))
        if modality is None:
            modality = _strongest(s.modality for s in support) if support else ("asserted" if asserted else "negated")
        claims.append(
            Claim(
                id=str(stmt),
                subject=str(subj),
                predicate=str(pred),
                object=str(obj),
                relation=relation(pred).label,
                modality=modality,
                confidence=_decimal(graph.value(stmt, KG.confidence)),
                evidence=tuple(support),
                asserted=asserted,
            )
        )
        covered.add((str(subj), str(pred), str(obj)))

    # Direct triples between entities that no statement describes.
    for node in entity_nodes:
        for pred, obj in graph.predicate_objects(node):
            key = (str(node), str(pred), str(obj))
            if str(obj) in entities and isinstance(pred, URIRef) and key not in covered:
                covered.add(key)
                claims.append(
                    Claim(
                        id="urn:kg:triple:" + stable_hash(*key),
                        subject=key[0],
                        predicate=key[1],
                        object=key[2],
                        relation=relation(pred).label,
                        modality="asserted",
                        confidence=0.0,
                        evidence=(),
                        asserted=True,
                    )
                )
    claims.sort(key=lambda c: (c.subject, c.predicate, c.object, c.id))

    concepts: dict[str, str] = {}
    for cls in sorted(graph.subjects(RDF.type, OWL.Class), key=str):
        if isinstance(cls, URIRef):
            for predicate in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.abbreviation):
                for name in _texts(graph, cls, predicate):
                    concepts.setdefault(_fold(name), str(cls))

    return GraphIndex(
        entities=MappingProxyType(entities),
        claims=tuple(claims),
        relations=MappingProxyType(dict(sorted(relations.items()))),
        categories=MappingProxyType(dict(sorted(categories.items()))),
        documents=MappingProxyType(documents),
        triples=len(graph),
        concepts=MappingProxyType(concepts),
    )


def _label_or(graph: Graph, node, predicate, default: str) -> str:
    values = _texts(graph, node, predicate)
    return values[0] if values else default


def _strongest(modalities: Iterable[str]) -> str:
    found = set(modalities)
    for m in MODALITY_ORDER:
        if m in found:
            return m
    return "asserted"


def _index(source: Graph | GraphIndex) -> GraphIndex:
    return source if isinstance(source, GraphIndex) else read_index(source)


# ---------------------------------------------------------------------------
# networkx
# ---------------------------------------------------------------------------


def to_networkx(source: Graph | GraphIndex) -> nx.MultiDiGraph:
    """A ``MultiDiGraph``: a node per entity, an edge per claim (negated ones flagged).

    Node attributes: ``label``, ``category`` (its label), ``category_iri``,
    ``biolink_category`` (CURIEs joined by ``|``), ``mentions``.  Edge key:
    the claim's id (the statement IRI); attributes: ``id``, ``label`` (the
    relation's label), ``predicate`` (IRI), ``biolink_predicate`` (CURIE or
    ""), ``modality``, ``confidence``, ``evidence_count``, ``negated``.  Nodes
    and edges are added in sorted order.
    """
    import networkx as nx

    index = _index(source)
    graph = nx.MultiDiGraph()
    for entity in index.entities.values():
        graph.add_node(
            entity.iri,
            label=entity.label,
            category=entity.category_label,
            category_iri=entity.category,
            biolink_category="|".join(entity.biolink),
            mentions=entity.mentions,
        )
    for claim in index.claims:
        relation = index.relations.get(claim.predicate)
        graph.add_edge(
            claim.subject,
            claim.object,
            key=claim.id,
            id=claim.id,
            label=claim.relation,
            predicate=claim.predicate,
            biolink_predicate=relation.biolink[0] if relation and relation.biolink else "",
            modality=claim.modality,
            confidence=claim.confidence,
            evidence_count=len(claim.evidence),
            negated=claim.negated,
        )
    return graph


# ---------------------------------------------------------------------------
# Finding entities and relation types by name
# ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def resolve(source: Graph | GraphIndex, name: str) -> Entity:
    """The entity called ``name``: its IRI, ``ent:Name``, its local name, its label or a synonym.

    Labels and synonyms are matched ignoring case and spacing; a label wins
    over a synonym.  Raises :class:`ExploreError` naming close matches when
    nothing fits, and listing the candidates when a synonym is shared.
    """
    index = _index(source)
    wanted = name.strip()
    if not wanted:
        raise ExploreError("expected a concept name, got an empty string")
    by_iri = index.entities.get(wanted) or index.entities.get(wanted.removeprefix("<").removesuffix(">"))
    if by_iri is not None:
        return by_iri
    prefix, colon, local = wanted.partition(":")
    if colon and prefix in ("ent", "kg") and local:
        found = index.entities.get(str(ENTITY) + local)
        if found is not None:
            return found
    found = index.entities.get(str(ENTITY) + wanted)
    if found is not None:
        return found
    folded = _fold(wanted)
    for kind in ("label", "synonyms"):
        hits = [
            e
            for e in index.entities.values()
            if (folded == _fold(e.label) if kind == "label" else any(folded == _fold(s) for s in e.synonyms))
        ]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            options = "; ".join(f"{e.label} ({curie(e.iri)})" for e in hits)
            raise ExploreError(f"{name!r} names {len(hits)} entities: {options}; give one by its ent: name")
    names: dict[str, str] = {}
    for e in index.entities.values():
        for text in (e.label, *e.synonyms, _local(e.iri)):
            names.setdefault(_fold(text), e.label)
    close = difflib.get_close_matches(folded, list(names), n=5, cutoff=0.6)
    contains = sorted({names[n] for n in names if folded in n and len(folded) >= 3}, key=str.lower)[:5]
    suggestions = list(dict.fromkeys([names[c] for c in close] + contains))[:6]
    hint = f"; close matches: {', '.join(repr(s) for s in suggestions)}" if suggestions else ""
    concept = index.concepts.get(folded)
    if concept is not None:
        hint = f"; the ontology has it ({curie(concept)}) but no text in this graph mentions it" + hint
    raise ExploreError(f"no entity called {name!r} in this graph ({len(index.entities)} entities){hint}")


def resolve_relation(source: Graph | GraphIndex, name: str) -> RelationType:
    """A relation type by label ("differentiates into"), local name, ``kg:`` name or IRI."""
    index = _index(source)
    wanted = name.strip()
    folded = _fold(wanted.replace("_", " "))
    for relation in index.relations.values():
        if wanted in (relation.iri, curie(relation.iri)) or folded in (
            _fold(relation.label),
            _fold(_local(relation.iri).replace("_", " ")),
        ):
            return relation
    valid = ", ".join(sorted({r.label for r in index.relations.values()}, key=str.lower))
    raise ExploreError(f"no relation type called {name!r}; valid: {valid}")


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hop:
    """One step of a path: a claim, walked forwards or (with any_direction) backwards."""

    subject: str
    subject_label: str
    relation: str  # relation type IRI
    relation_label: str
    object: str
    object_label: str
    modality: str
    confidence: float
    evidence: tuple[Support, ...]
    forward: bool = True  # False: the path goes from the object to the subject
    claim: str = ""  # the claim's id (statement IRI)


@dataclass(frozen=True, slots=True)
class Path:
    hops: tuple[Hop, ...]

    @property
    def score(self) -> float:
        """Product of the hops' confidences: how well supported the whole chain is."""
        score = 1.0
        for hop in self.hops:
            score *= hop.confidence
        return round(score, 6)

    @property
    def nodes(self) -> tuple[str, ...]:
        if not self.hops:
            return ()
        first = self.hops[0]
        out = [first.subject if first.forward else first.object]
        for hop in self.hops:
            out.append(hop.object if hop.forward else hop.subject)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class PathResult:
    source: Entity
    target: Entity
    relations: tuple[str, ...]  # labels of the relation types followed
    paths: tuple[Path, ...]
    max_hops: int
    any_direction: bool
    truncated: bool  # more paths exist than were returned


def default_relations(index: GraphIndex) -> tuple[str, ...]:
    """IRIs of :data:`MECHANISTIC_RELATIONS` and of their sub-properties, as found in the graph."""
    base = {str(KG[name]) for name in MECHANISTIC_RELATIONS}
    chosen = {iri for iri, r in index.relations.items() if iri in base or base.intersection(r.ancestors)}
    chosen |= {c.predicate for c in index.claims if c.predicate in base}
    return tuple(sorted(chosen))


def paths(
    source: Graph | GraphIndex,
    start: str,
    end: str,
    *,
    max_hops: int = 4,
    relations: Sequence[str] | None = None,
    limit: int = 10,
    any_direction: bool = False,
    include_negated: bool = False,
) -> PathResult:
    """Paths of claims from ``start`` to ``end`` (names as :func:`resolve` takes them).

    A path follows the claims of ``relations`` (names as
    :func:`resolve_relation` takes them; default: the mechanistic relation
    types, :data:`MECHANISTIC_RELATIONS`) from subject to object, never
    visiting an entity twice, in at most ``max_hops`` steps.  With
    ``any_direction`` claims are also walked from object to subject.
    Negated-only claims are left out unless ``include_negated``.

    The shortest paths come first; paths of the same length are ordered by
    their score (the product of the claims' confidences), then by their
    labels.  At most ``limit`` paths are returned.
    """
    import networkx as nx

    if max_hops < 1:
        raise ExploreError(f"max_hops must be 1 or more, got {max_hops}")
    if limit < 1:
        raise ExploreError(f"limit must be 1 or more, got {limit}")
    index = _index(source)
    a, b = resolve(index, start), resolve(index, end)
    if a.iri == b.iri:
        raise ExploreError(f"{start!r} and {end!r} are the same entity ({a.label}); give two different concepts")
    if relations is None:
        allowed = set(default_relations(index))
    else:
        allowed = {resolve_relation(index, r).iri for r in relations}

    # One edge per ordered pair of entities, holding every claim that links them.
    steps: dict[tuple[str, str], list[tuple[Claim, bool]]] = defaultdict(list)
    for claim in index.claims:
        if claim.predicate not in allowed or (claim.negated and not include_negated):
            continue
        if claim.subject == claim.object:
            continue
        steps[(claim.subject, claim.object)].append((claim, True))
        if any_direction:
            steps[(claim.object, claim.subject)].append((claim, False))
    walk = nx.DiGraph()
    walk.add_nodes_from(sorted(index.entities))
    walk.add_edges_from(sorted(steps))

    found: list[Path] = []
    truncated = False
    examined = 0
    budget = 50 * limit + 200  # node paths examined at most; keeps dense graphs bounded
    try:
        generator = nx.shortest_simple_paths(walk, a.iri, b.iri)
        shortest_kept = None
        for node_path in generator:
            length = len(node_path) - 1
            if length > max_hops:
                break
            if len(found) >= limit and shortest_kept is not None and length > shortest_kept:
                truncated = True
                break
            examined += 1
            if examined > budget:
                truncated = True
                break
            choices = [sorted(steps[(u, v)], key=lambda cf: (-cf[0].confidence, cf[0].relation, cf[0].id)) for u, v in zip(node_path, node_path[1:])]
            for combo in itertools.islice(itertools.product(*choices), limit):
                found.append(Path(tuple(_hop(index, claim, forward) for claim, forward in combo)))
            if len(found) >= limit:
                shortest_kept = length
    except nx.NetworkXNoPath:
        pass

    found.sort(key=lambda p: (len(p.hops), -p.score, tuple((h.relation_label, h.object_label, h.subject_label) for h in p.hops)))
    if len(found) > limit:
        truncated = True
    labels = tuple(sorted({index.relations[r].label if r in index.relations else _local(r) for r in allowed}, key=str.lower))
    return PathResult(a, b, labels, tuple(found[:limit]), max_hops, any_direction, truncated)


def _hop(index: GraphIndex, claim: Claim, forward: bool) -> Hop:
    return Hop(
        subject=claim.subject,
        subject_label=index.label(claim.subject),
        relation=claim.predicate,
        relation_label=claim.relation,
        object=claim.object,
        object_label=index.label(claim.object),
        modality=claim.modality,
        confidence=claim.confidence,
        evidence=claim.evidence,
        forward=forward,
        claim=claim.id,
    )


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class RankedEntity:
    iri: str
    label: str
    category: str
    degree: int  # claims it takes part in (negated-only claims not counted)
    out_degree: int
    in_degree: int


@dataclass(frozen=True, slots=True)
class GraphStats:
    """What a graph holds, for ``kg stats``."""

    triples: int
    documents: int
    entities: int
    claims: int
    evidence: int
    by_category: tuple[Count, ...]
    by_relation: tuple[Count, ...]
    by_modality: tuple[Count, ...]
    most_connected: tuple[RankedEntity, ...]
    components: int  # weakly connected components over the claims that are not negated
    component_sizes: tuple[int, ...]  # largest first, isolated entities included as 1s
    isolated: int  # entities in no claim (other than negated ones)

    def to_dict(self) -> dict:
        """Plain data (for JSON)."""
        return asdict(self)


def stats(source: Graph | GraphIndex, *, top: int = 10) -> GraphStats:
    """Counts by category, relation type and modality; the ``top`` most connected entities; components.

    Connections count the claims the graph asserts (hedged included);
    negated-only claims say two things are *not* related, so they join no
    components and add no degree.
    """
    import networkx as nx

    if top < 0:
        raise ExploreError(f"top must be 0 or more, got {top}")
    index = _index(source)
    categories = Counter(e.category_label or "(none)" for e in index.entities.values())
    relations = Counter(c.relation for c in index.claims)
    modalities = Counter(c.modality for c in index.claims)

    graph = nx.MultiDiGraph()
    graph.add_nodes_from(index.entities)
    for claim in index.claims:
        if claim.asserted:
            graph.add_edge(claim.subject, claim.object, key=claim.id)
    ranked = sorted(
        (
            RankedEntity(
                iri,
                entity.label,
                entity.category_label,
                graph.degree(iri),
                graph.out_degree(iri),
                graph.in_degree(iri),
            )
            for iri, entity in index.entities.items()
            if graph.degree(iri) > 0
        ),
        key=lambda r: (-r.degree, r.label.lower(), r.iri),
    )
    sizes = sorted((len(c) for c in nx.weakly_connected_components(graph)), reverse=True)
    return GraphStats(
        triples=index.triples,
        documents=len(index.documents),
        entities=len(index.entities),
        claims=len(index.claims),
        evidence=len({s.iri for c in index.claims for s in c.evidence}),
        by_category=_counts(categories),
        by_relation=_counts(relations),
        by_modality=tuple(Count(m, modalities[m]) for m in MODALITY_ORDER if modalities[m]),
        most_connected=tuple(ranked[:top]),
        components=len(sizes),
        component_sizes=tuple(sizes),
        isolated=sum(1 for iri in index.entities if graph.degree(iri) == 0),
    )


def _counts(counter: Counter) -> tuple[Count, ...]:
    return tuple(Count(name, n) for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].lower(), kv[0])))


# ---------------------------------------------------------------------------
# Subgraphs for the view
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtraEdge:
    """An edge a CONSTRUCT query made between two entities with no claim behind it."""

    id: str
    source: str
    target: str
    label: str


@dataclass(frozen=True, slots=True)
class Selection:
    """A part of a graph to draw: entities, claims among them, and constructed edges.

    ``claims`` None means every claim between the selected entities.
    """

    entities: frozenset[str]
    claims: frozenset[str] | None = None
    extra_edges: tuple[ExtraEdge, ...] = ()


def neighbourhood(source: Graph | GraphIndex, name: str, hops: int = 1) -> Selection:
    """The entity called ``name`` and every entity within ``hops`` claims of it, either direction.

    All claims count here, negated ones too (the view draws them).
    """
    if hops < 0:
        raise ExploreError(f"hops must be 0 or more, got {hops}")
    index = _index(source)
    centre = resolve(index, name)
    adjacent: dict[str, set[str]] = defaultdict(set)
    for claim in index.claims:
        adjacent[claim.subject].add(claim.object)
        adjacent[claim.object].add(claim.subject)
    return _within_hops(centre.iri, hops, lambda node: adjacent[node])


def query_selection(source: Graph | GraphIndex, result: QueryResult) -> Selection:
    """What a query's answer points at.

    SELECT: every entity in the rows (statements and evidence in the rows
    bring their subject and object), and every claim among those entities.
    CONSTRUCT or DESCRIBE: the entities in the triples, and only the claims
    the triples name (a statement node, an evidence node, or a direct
    ``ent:A kg:rel ent:B`` triple); a triple between two entities that no
    claim backs is drawn as a plain edge.  ASK has nothing to draw.
    """
    index = _index(source)
    by_statement = {c.id: c for c in index.claims}
    by_evidence: dict[str, list[Claim]] = defaultdict(list)
    by_triple: dict[tuple[str, str, str], Claim] = {}
    for claim in index.claims:
        by_triple[(claim.subject, claim.predicate, claim.object)] = claim
        for s in claim.evidence:
            by_evidence[s.iri].append(claim)

    entities: set[str] = set()
    claims: set[str] = set()

    def take(term) -> None:
        key = str(term)
        if key in index.entities:
            entities.add(key)
        elif key in by_statement:
            claims.add(key)
        elif key in by_evidence:
            claims.update(c.id for c in by_evidence[key])

    def on_triple(s, p, o) -> ExtraEdge | None:
        key = (str(s), str(p), str(o))
        if key in by_triple:
            claims.add(by_triple[key].id)
        elif key[0] in index.entities and key[2] in index.entities and p != RDF.type:
            edge_id = "urn:kg:constructed:" + stable_hash(*key)
            return ExtraEdge(edge_id, key[0], key[2], index.label(key[1]) if key[1] in index.relations else curie(key[1]))
        return None

    def ends_of(claim_id: str) -> tuple[str, ...]:
        return (by_statement[claim_id].subject, by_statement[claim_id].object)

    return _selection(result, take, on_triple, ends_of, entities, claims)


def _selection(result: QueryResult, take, on_triple, ends_of, entities: set[str], claims: set[str]) -> Selection:
    """The walk over a query's answer shared by :func:`query_selection` and :func:`store_query_selection`.

    ``take(term)`` files a term of the answer under ``entities`` or
    ``claims``; ``on_triple(s, p, o)`` handles a constructed triple (adding
    the claim it names, or returning a plain edge to draw); ``ends_of(claim)``
    gives the entities a claim joins.
    """
    if result.kind == "ASK":
        raise ExploreError("an ASK query answers yes or no; there is nothing to draw (use SELECT or CONSTRUCT)")
    if result.graph is None:
        for row in result.rows:
            for term in row:
                if isinstance(term, URIRef):
                    take(term)
        for claim_id in claims:
            entities.update(ends_of(claim_id))
        return Selection(frozenset(entities))
    extra: dict[str, ExtraEdge] = {}
    for s, p, o in result.graph:
        for term in (s, o):
            if isinstance(term, URIRef):
                take(term)
        edge = on_triple(s, p, o)
        if edge is not None:
            extra[edge.id] = edge
    for claim_id in claims:
        entities.update(ends_of(claim_id))
    return Selection(frozenset(entities), frozenset(claims), tuple(extra[k] for k in sorted(extra)))


def selected_view(
    graph: Graph,
    *,
    focus: str | None = None,
    hops: int = 1,
    query: QueryResult | None = None,
    index: GraphIndex | None = None,
) -> ViewData:
    """The view data (:func:`kg.view.view_data`) of the whole graph, or of part of it.

    ``focus``: the entity of that name and its neighbours within ``hops``
    claims (:func:`neighbourhood`).  ``query``: what a query's answer points
    at (:func:`query_selection`).  Not both.
    """
    from .view import EDGE_COLOUR, ViewEdge, subview, view_data

    if focus is not None and query is not None:
        raise ExploreError("give a focus or a query to select what to draw, not both")
    data = view_data(graph)
    if focus is None and query is None:
        return data
    index = index or read_index(graph)
    selection = neighbourhood(index, focus, hops) if focus is not None else query_selection(index, query)
    extra = [
        ViewEdge(e.id, e.source, e.target, e.label, "asserted", 0.0, (), EDGE_COLOUR, False)
        for e in selection.extra_edges
    ]
    return subview(data, selection.entities, selection.claims, extra)


# ---------------------------------------------------------------------------
# Reading from an Oxigraph store (kg view and kg serve on large graphs)
# ---------------------------------------------------------------------------

#: File suffix -> pyoxigraph format name, for the formats pyoxigraph parses itself
#: (others go through rdflib, see :func:`open_oxigraph`).
_OXIGRAPH_FORMATS = {
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".ttl": "TURTLE",
    ".trig": "TRIG",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
}


def open_oxigraph(path, into=None) -> tuple[object, bool]:
    """The graph at ``path`` as a :class:`pyoxigraph.Store`, and whether it came from a build's store.

    A build folder with an Oxigraph store (``FOLDER/store``) has it opened
    read-only (nothing is read up front).  A graph file, or a build folder
    with only ``graph.nt``/``graph.ttl``, is parsed into an in-memory store by
    pyoxigraph's own parser (N-Triples, N-Quads, Turtle, TriG, RDF/XML;
    JSON-LD and N3 are read with rdflib first), or into the store ``into``
    when given.  Raises :class:`~kg.errors.GraphError` naming the file, and
    the line when the parser tells it.
    """
    from pathlib import Path as _Path

    import pyoxigraph as ox

    from .errors import GraphError
    from .graph import GRAPH_FORMATS
    from .store import OxigraphStore, store_path

    found = store_path(path)
    if found is not None:
        return OxigraphStore(found, read_only=True).oxigraph, True
    source = _Path(path)
    if source.is_dir():
        for name in ("graph.nt", "graph.ttl"):
            if (source / name).is_file():
                source = source / name
                break
        else:
            raise GraphError(f"{source}: folder holds no store, graph.nt or graph.ttl; is it a kg build folder?")
    elif not source.exists():
        raise GraphError(f"{source}: no such graph file or build folder")
    suffix = source.suffix.lower()
    if suffix not in GRAPH_FORMATS:
        valid = ", ".join(sorted(GRAPH_FORMATS))
        raise GraphError(f"{source}: unknown graph file type {source.suffix!r}; valid: {valid}")
    store = into if into is not None else ox.Store()
    fmt = _OXIGRAPH_FORMATS.get(suffix)
    if fmt is None:  # JSON-LD, N3: rdflib reads them (and reports errors as load_graph does)
        from .graph import load_graph, to_sorted_ntriples

        store.load(to_sorted_ntriples(load_graph(source)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return store, False
    try:
        store.bulk_load(path=str(source), format=getattr(ox.RdfFormat, fmt))
    except SyntaxError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{source}:{line}" if line else str(source)
        reason = str(exc.msg if getattr(exc, "msg", None) else exc).split(" (line ")[0]
        raise GraphError(f"{where}: not valid {GRAPH_FORMATS[suffix]}: {reason}") from None
    except (OSError, ValueError) as exc:
        raise GraphError(f"{source}: cannot read: {exc}") from None
    return store, False


_RDF_NS = str(RDF)
_ENTITY_NS = str(ENTITY)


class _StoreGraph:
    """Look-ups over a :class:`pyoxigraph.Store` (all graphs merged) for the view of part of a graph."""

    def __init__(self, store) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.store = getattr(store, "oxigraph", store)
        self._entities: dict[str, Entity] | None = None
        self._relations: dict[str, str | None] = {}

    def node(self, iri: str):
        return self.ox.NamedNode(iri)

    def objects(self, subject, predicate) -> list:
        found = {q.object for q in self.store.quads_for_pattern(subject, self.ox.NamedNode(str(predicate)), None, None)}
        return sorted(found, key=str)

    def subjects(self, predicate, obj) -> list:
        found = {q.subject for q in self.store.quads_for_pattern(None, self.ox.NamedNode(str(predicate)), obj, None)}
        return sorted(found, key=str)

    def label_of(self, term) -> str | None:
        """:func:`_label` over the store: rdfs:label, else skos:prefLabel; English or untagged first."""
        for predicate in (RDFS.label, SKOS.prefLabel):
            values = sorted(
                (o for o in self.objects(term, predicate) if isinstance(o, self.ox.Literal)),
                key=lambda o: (o.language not in (None, "en"), o.value),
            )
            if values:
                return values[0].value
        return None

    def entities(self) -> dict[str, Entity]:
        """Every entity with its names (enough for :func:`resolve`): one query.

        Only ``iri``, ``label`` and ``synonyms`` are read; the other fields of
        these records are left empty.
        """
        if self._entities is None:
            rows = self.store.query(
                f'SELECT ?e ?p ?o WHERE {{ ?e a ?t . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{_ENTITY_NS}")) '
                f"OPTIONAL {{ VALUES ?p {{ <{RDFS.label}> <{SKOS.prefLabel}> <{SKOS.altLabel}> }} ?e ?p ?o FILTER(isLiteral(?o)) }} }}",
                use_default_graph_as_union=True,
            )
            names: dict[str, dict[str, set]] = {}
            for e, p, o in rows:
                slots = names.setdefault(e.value, defaultdict(set))
                if p is not None:
                    slots[p.value].add(o)
            entities = {}
            for iri in sorted(names):
                slots = names[iri]
                label = None
                for predicate in (str(RDFS.label), str(SKOS.prefLabel)):
                    values = sorted(slots.get(predicate, ()), key=lambda o: (o.language not in (None, "en"), o.value))
                    if values:
                        label = values[0].value
                        break
                label = label or _local(iri)
                synonyms = sorted({o.value for o in slots.get(str(SKOS.altLabel), ())}, key=lambda t: (t.lower(), t))
                entities[iri] = Entity(iri, label, "", "", (), tuple(t for t in synonyms if t != label), (), (), 0, ())
            self._entities = entities
        return self._entities

    def concepts(self) -> dict[str, str]:
        """Folded names of the ontology's classes, as :attr:`GraphIndex.concepts` (for resolve's hints)."""
        names = " ".join(f"<{p}>" for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.abbreviation))
        rows = self.store.query(
            f"SELECT ?c ?p ?n WHERE {{ ?c a <{OWL.Class}> . VALUES ?p {{ {names} }} ?c ?p ?n FILTER(isIRI(?c) && isLiteral(?n)) }}",
            use_default_graph_as_union=True,
        )
        order = {str(p): i for i, p in enumerate((RDFS.label, SKOS.prefLabel, SKOS.altLabel, KG.abbreviation))}
        names = sorted((c.value, order[p.value], n.value.lower(), n.value) for c, p, n in rows)
        concepts: dict[str, str] = {}
        for iri, _, _, name in names:
            concepts.setdefault(_fold(name), iri)
        return concepts

    def index(self) -> GraphIndex:
        """A :class:`GraphIndex` with entities' names and no claims: what :func:`resolve` needs."""
        return GraphIndex(
            entities=MappingProxyType(self.entities()),
            claims=(),
            relations=MappingProxyType({}),
            categories=MappingProxyType({}),
            documents=MappingProxyType({}),
            triples=0,
            concepts=MappingProxyType(self.concepts()),
        )

    def is_entity(self, term) -> bool:
        return isinstance(term, self.ox.NamedNode) and term.value in self.entities()

    def ends(self, statement) -> list[tuple[str, str, str]]:
        """(subject, predicate, object) of a statement that is a claim (both ends entities, an IRI predicate)."""
        found = []
        for s in self.objects(statement, RDF.subject):
            for p in self.objects(statement, RDF.predicate):
                for o in self.objects(statement, RDF.object):
                    if self.is_entity(s) and self.is_entity(o) and isinstance(p, self.ox.NamedNode):
                        found.append((s.value, p.value, o.value))
        return found

    def is_claim(self, statement) -> bool:
        types = self.objects(statement, RDF.type)
        return self.ox.NamedNode(str(RDF.Statement)) in types and bool(self.ends(statement))

    def neighbours(self, iri: str) -> set[str]:
        """Entities one claim away from ``iri`` (statements either way, and direct triples between entities)."""
        ox = self.ox
        node = ox.NamedNode(iri)
        found: set[str] = set()
        statement_type = ox.NamedNode(str(RDF.Statement))
        for end, other in ((RDF.subject, RDF.object), (RDF.object, RDF.subject)):
            for statement in self.subjects(end, node):
                if statement_type in self.objects(statement, RDF.type):
                    for s, _, o in self.ends(statement):
                        found.add(o if end == RDF.subject else s)
        for quad in self.store.quads_for_pattern(node, None, None, None):
            if self.is_entity(quad.object):
                found.add(quad.object.value)
        for quad in self.store.quads_for_pattern(None, None, node, None):
            if self.is_entity(quad.subject):
                found.add(quad.subject.value)
        return found

    def relation_label(self, iri: str) -> str | None:
        """The label of a relation type the graph knows (an owl:ObjectProperty or a claim's predicate), else None."""
        if iri not in self._relations:
            node = self.ox.NamedNode(iri)
            known = self.ox.NamedNode(str(OWL.ObjectProperty)) in self.objects(node, RDF.type) or bool(
                self.subjects(RDF.predicate, node)
            )
            self._relations[iri] = (self.label_of(node) or _local(iri).replace("_", " ")) if known else None
        return self._relations[iri]

    def view_graph(self, entities: Iterable[str]) -> Graph:
        """The triples :func:`kg.view.view_data` reads about ``entities`` and the claims among them, every sentence kept."""
        from .store import from_oxigraph

        ox = self.ox
        chosen = set(entities)
        graph = Graph(bind_namespaces="none")

        iris: dict[str, URIRef] = {}
        named = ox.NamedNode

        def term(node):
            if type(node) is named:  # most terms: IRIs, many repeated (predicates, documents)
                found = iris.get(node.value)
                if found is None:
                    found = iris[node.value] = URIRef(node.value)
                return found
            return from_oxigraph(node)

        def add(quad) -> None:
            graph.add((term(quad.subject), term(quad.predicate), term(quad.object)))

        def copy(subject, predicate) -> list:
            quads = list(self.store.quads_for_pattern(subject, ox.NamedNode(str(predicate)), None, None))
            for quad in quads:
                add(quad)
            return quads

        labelled: set[str] = set()

        def copy_labels(term) -> None:
            if str(term) not in labelled:
                labelled.add(str(term))
                copy(term, RDFS.label)
                copy(term, SKOS.prefLabel)

        documents: set = set()
        for iri in sorted(chosen):
            entity = ox.NamedNode(iri)
            for predicate in (RDF.type, RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.exactMatch, KG.mentionCount):
                copy(entity, predicate)
            for quad in copy(entity, KG.category):
                copy_labels(quad.object)
            for statement in self.subjects(RDF.subject, entity):
                objects = [o.value for o in self.objects(statement, RDF.object) if isinstance(o, ox.NamedNode)]
                if not any(o in chosen for o in objects):
                    continue
                for quad in self.store.quads_for_pattern(statement, None, None, None):
                    add(quad)
                    if quad.predicate.value == str(RDF.predicate):
                        copy_labels(quad.object)
                for evidence in self.objects(statement, KG.hasEvidence):
                    for predicate in (KG.sentence, KG.modality, KG.sentenceIndex):
                        copy(evidence, predicate)
                    for quad in copy(evidence, PROV.wasDerivedFrom):
                        documents.add(quad.object)
        for doc in sorted(documents, key=str):
            copy(doc, DCTERMS.source)
        return graph


def store_neighbourhood(store, name: str, hops: int = 1) -> Selection:
    """:func:`neighbourhood` read from an Oxigraph store: the claims are walked hop by hop, nothing else is read."""
    if hops < 0:
        raise ExploreError(f"hops must be 0 or more, got {hops}")
    lookup = store if isinstance(store, _StoreGraph) else _StoreGraph(store)
    centre = resolve(lookup.index(), name)
    return _within_hops(centre.iri, hops, lookup.neighbours)


def _within_hops(centre: str, hops: int, neighbours) -> Selection:
    """The entities at most ``hops`` claims from ``centre`` (breadth first; ``neighbours(iri)`` gives the next ones)."""
    seen = {centre: 0}
    queue = deque([centre])
    while queue:
        node = queue.popleft()
        if seen[node] >= hops:
            continue
        for other in sorted(neighbours(node)):
            if other not in seen:
                seen[other] = seen[node] + 1
                queue.append(other)
    return Selection(frozenset(seen))


def store_query_selection(store, result: QueryResult) -> Selection:
    """:func:`query_selection` with the claims looked up in an Oxigraph store, term by term."""
    lookup = store if isinstance(store, _StoreGraph) else _StoreGraph(store)
    ox = lookup.ox
    entities: set[str] = set()
    claims: set[str] = set()
    ends: dict[str, tuple[str, str, str]] = {}

    def claim(statement) -> bool:
        if statement.value in ends:
            return True
        if isinstance(statement, ox.NamedNode) and lookup.is_claim(statement):
            ends[statement.value] = lookup.ends(statement)[0]
            return True
        return False

    def take(term) -> None:
        node = ox.NamedNode(str(term))
        if lookup.is_entity(node):
            entities.add(node.value)
        elif claim(node):
            claims.add(node.value)
        else:
            for statement in lookup.subjects(KG.hasEvidence, node):
                if claim(statement):
                    claims.add(statement.value)

    def on_triple(s, p, o) -> ExtraEdge | None:
        if not (isinstance(s, URIRef) and isinstance(p, URIRef) and isinstance(o, URIRef)):
            return None
        key = (str(s), str(p), str(o))
        subject, predicate, obj = (ox.NamedNode(k) for k in key)
        if not (lookup.is_entity(subject) and lookup.is_entity(obj)):
            return None
        statements = [
            st
            for st in lookup.subjects(RDF.subject, subject)
            if predicate in lookup.objects(st, RDF.predicate) and obj in lookup.objects(st, RDF.object) and claim(st)
        ]
        if statements:
            claims.add(max(st.value for st in statements))
        elif any(True for _ in lookup.store.quads_for_pattern(subject, predicate, obj, None)):
            claims.add("urn:kg:triple:" + stable_hash(*key))  # a direct triple: a claim with nothing to draw
        elif p != RDF.type:
            edge_id = "urn:kg:constructed:" + stable_hash(*key)
            return ExtraEdge(edge_id, key[0], key[2], lookup.relation_label(key[1]) or curie(key[1]))
        return None

    def ends_of(claim_id: str) -> tuple[str, ...]:
        return (ends[claim_id][0], ends[claim_id][2]) if claim_id in ends else ()

    return _selection(result, take, on_triple, ends_of, entities, claims)


def store_selected_view(
    store,
    *,
    focus: str | None = None,
    hops: int = 1,
    query: QueryResult | None = None,
) -> ViewData:
    """:func:`selected_view` read from an Oxigraph store (``kg view`` on a build folder), the graph never loaded whole.

    Without ``focus`` or ``query``: the most connected entities, as the
    build draws ``graph.html`` (:func:`kg.view.store_view_graph`).  With
    ``focus``: the neighbourhood walked in the store (:func:`store_neighbourhood`).
    With ``query`` (run on the store): what its answer points at
    (:func:`store_query_selection`).  Then only the selected entities, the
    claims among them and their sentences are read.
    """
    from .view import EDGE_COLOUR, ViewEdge, store_view_graph, subview, view_data

    if focus is not None and query is not None:
        raise ExploreError("give a focus or a query to select what to draw, not both")
    if focus is None and query is None:
        return view_data(store_view_graph(store))
    lookup = _StoreGraph(store)
    selection = store_neighbourhood(lookup, focus, hops) if focus is not None else store_query_selection(lookup, query)
    data = view_data(lookup.view_graph(selection.entities))
    extra = [
        ViewEdge(e.id, e.source, e.target, e.label, "asserted", 0.0, (), EDGE_COLOUR, False)
        for e in selection.extra_edges
    ]
    return subview(data, selection.entities, selection.claims, extra)
