"""What the pages of ``kg serve`` show, read from an Oxigraph store.

:class:`Site` indexes a graph for the web app without loading it whole: a few
SPARQL queries (pyoxigraph's own engine) read every entity's names,
category and mention count, the skeleton of every claim and the documents'
names; an entity's classes, identifiers and documents and the evidence of
claims are read from the store when a page asks (evidence is kept in a
bounded cache).  A build folder's store is opened read-only; a graph file is
parsed into an in-memory store (:func:`kg.explore.open_oxigraph`).  Nodes and
edges (labels, colours, tooltips, evidence and their order) are those
:func:`kg.view.view_data` gives, so the pages and ``kg view`` agree.
Nothing here knows HTTP.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..namespaces import ENTITY, KG, to_curie
from ..view import (
    EDGE_COLOUR,
    NEGATED_COLOUR,
    ViewEvidence,
    ViewLegend,
    ViewNode,
    category_colour,
)

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


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCTERMS = "http://purl.org/dc/terms/"
_PROV = "http://www.w3.org/ns/prov#"
_KG = str(KG)

#: Sentences of a claim sent with the interactive graph's JSON (with the total, ``evidence_count``); the
#: entity page lists them all.  A graph of millions of triples backs a claim with thousands of sentences.
GRAPH_EVIDENCE = 5
#: Evidence sentences kept in memory (least recently used first out); the rest is read again when asked for.
EVIDENCE_CACHE_SENTENCES = 200_000
#: Statements whose evidence one SPARQL query reads.
_EVIDENCE_BATCH = 400
_MODALITY = {_KG + "Asserted": "asserted", _KG + "Hedged": "hedged", _KG + "Negated": "negated"}


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def entity_key(iri: str) -> str:
    """The URL part of an entity: its IRI without the ``ent:`` namespace."""
    base = str(ENTITY)
    return iri[len(base) :] if iri.startswith(base) else _local(iri)


def _sorted_texts(values: Iterable[str]) -> list[str]:
    """Distinct texts, case-insensitively sorted (ties by the text itself)."""
    return sorted(set(values), key=lambda s: (s.lower(), s))


def _plain_first(values: Iterable[str]) -> str | None:
    """The first text in plain (code point) order, as :func:`kg.view.view_data` picks one."""
    return min(values, default=None)


def _value(term) -> str:
    return term.value


def _first_text(values: Iterable[str]) -> str | None:
    """The first text in case-insensitive order, or None."""
    found = _sorted_texts(values)
    return found[0] if found else None


def _unwrap(n3: str) -> str:
    """An IRI or blank node id from its N-Triples form (``<iri>``, ``_:id``)."""
    if n3.startswith("<") and n3.endswith(">"):
        return n3[1:-1]
    return n3[2:] if n3.startswith("_:") else n3


@dataclass(frozen=True, slots=True)
class _ClaimHead:
    """What the Site keeps of a claim in memory; its evidence is read from the store when asked for."""

    key: str
    term: object  # the statement as a pyoxigraph term
    subject: EntityRef
    relation: str
    relation_iri: str
    object: EntityRef
    modality: str
    confidence: float
    evidence_count: int


class Site:
    """A read-only index of one graph for the web pages, over a :class:`pyoxigraph.Store`.

    Kept in memory, read with a few SPARQL queries when the Site is made:
    every entity's name, category, synonyms, tooltip and mention count (the
    search index and the overview's order are built from these), the
    skeleton of every claim (its ends, relation, modality, confidence and
    how many sentences back it) and the documents' names.  Read when a page
    asks: an entity's classes, identifiers and documents, and the evidence
    of claims (kept in a bounded cache).  ``store`` is a
    :class:`pyoxigraph.Store` or a :class:`kg.store.OxigraphStore`; use
    :func:`kg.web.app.load_site` to open a build folder or a graph file.
    """

    def __init__(self, store, title: str) -> None:
        from cachetools import LRUCache

        self.title = title
        self._store = getattr(store, "oxigraph", store)
        self._owner = store  # keeps an OxigraphStore (and its files) open as long as the Site
        self._triples: int | None = None  # counted when first shown (a full count of a large store takes seconds)
        self._read_entities()
        self._read_documents()
        self._read_claims()
        self._search = tuple(self._search_entries())
        self._ranked: tuple[str, ...] | None = None
        self._layouts: OrderedDict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], dict[str, tuple[int, int]]] = OrderedDict()
        self._cache_lock = threading.Lock()  # guards self._layouts and self._evidence_cache, held only briefly
        self._layout_lock = threading.Lock()  # one layout computed at a time
        self._category_counts: tuple[tuple[str, str, int], ...] | None = None
        self._evidence_cache: LRUCache = LRUCache(maxsize=EVIDENCE_CACHE_SENTENCES, getsizeof=lambda ev: len(ev) + 1)

    @property
    def triples(self) -> int:
        """How many triples the graph holds (quads of the store: each triple sits in one graph)."""
        if self._triples is None:
            self._triples = len(self._store)
        return self._triples

    # -- reading the store ----------------------------------------------------

    def _select(self, sparql: str):
        return self._store.query(sparql, use_default_graph_as_union=True)

    def _objects(self, subject, predicate: str) -> set:
        import pyoxigraph as ox

        return {q.object for q in self._store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)}

    def _texts(self, subject, predicate: str) -> set[str]:
        import pyoxigraph as ox

        return {o.value for o in self._objects(subject, predicate) if isinstance(o, ox.Literal)}

    def _read_entities(self) -> None:
        """Entities (``ent:`` nodes with a type) with their names, categories, ids and mentions: two queries."""
        import pyoxigraph as ox

        base = str(ENTITY)
        found = self._select(
            f'SELECT DISTINCT ?e WHERE {{ ?e a ?t . FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{base}")) }}'
        )
        attributes: dict[str, dict[str, set]] = {row[0].value: defaultdict(set) for row in found}
        predicates = {
            _RDFS + "label": "label",
            _SKOS + "prefLabel": "pref",
            _SKOS + "altLabel": "alt",
            _SKOS + "exactMatch": "ids",
            _KG + "category": "category",
            _KG + "mentionCount": "mentions",
        }
        values = " ".join(f"<{p}>" for p in predicates)
        rows = self._select(
            f"SELECT ?e ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?e ?p ?o . "
            f'FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{base}")) }}'
        )
        for e, p, o in rows:
            known = attributes.get(e.value)
            if known is not None:
                known[predicates[p.value]].add(o)

        categories: dict[str, str] = {}

        def category_label(iri: str) -> str:
            if iri not in categories:
                node = ox.NamedNode(iri)
                label = _plain_first(self._texts(node, _RDFS + "label")) or _plain_first(self._texts(node, _SKOS + "prefLabel"))
                categories[iri] = label or _local(iri)
            return categories[iri]

        def literals(terms: set) -> set[str]:
            return {t.value for t in terms if isinstance(t, ox.Literal)}

        self._nodes: dict[str, ViewNode] = {}
        self._refs: dict[str, EntityRef] = {}
        self._synonyms: dict[str, tuple[str, ...]] = {}
        legend: dict[str, str] = {}
        for iri in sorted(attributes):
            found_attributes = attributes[iri]
            label = (
                _plain_first(literals(found_attributes["label"]))
                or _plain_first(literals(found_attributes["pref"]))
                or _local(iri)
            )
            category = min(found_attributes["category"], key=lambda t: (not isinstance(t, ox.NamedNode), str(t)), default=None)
            cat_label = category_label(category.value) if isinstance(category, ox.NamedNode) else ""
            colour = category_colour(category.value if category is not None else None)
            if cat_label:
                legend[cat_label] = colour
            count = min(found_attributes["mentions"], key=str, default=None)
            mentions = int(count.value) if isinstance(count, ox.Literal) and count.value.isdigit() else 0
            alts = literals(found_attributes["alt"])
            tooltip = [label]
            if cat_label:
                tooltip.append(f"category: {cat_label}")
            if alts:
                # kg.view sorts by str.lower alone, which leaves "COL2" and "Col2" in set order; ties broken here
                tooltip.append("also: " + ", ".join(sorted(alts, key=lambda s: (s.lower(), s))))
            ids = sorted(to_curie(t.value) or t.value for t in found_attributes["ids"])
            if ids:
                tooltip.append("ids: " + ", ".join(ids))
            tooltip.append(f"mentions: {mentions}")
            key = entity_key(iri)
            self._nodes[key] = ViewNode(iri, label, cat_label, colour, "\n".join(tooltip), mentions)
            self._refs[key] = EntityRef(key, iri, label, cat_label, colour)
            self._synonyms[key] = tuple(s for s in _sorted_texts(alts) if s != label)
        self._by_iri = {ref.iri: ref for ref in self._refs.values()}
        self.legend = tuple(ViewLegend(c, legend[c]) for c in sorted(legend))

    def _read_documents(self) -> None:
        """Every kg:Document with its source names and titles: one query."""
        rows = self._select(
            f"SELECT ?d ?p ?o WHERE {{ ?d a <{_KG}Document> . "
            f"OPTIONAL {{ VALUES ?p {{ <{_DCTERMS}source> <{_DCTERMS}title> }} ?d ?p ?o . FILTER(isLiteral(?o)) }} }}"
        )
        found: dict[str, dict[str, set[str]]] = {}
        for d, p, o in rows:
            names = found.setdefault(str(d), {"source": set(), "title": set()})
            if p is not None and o is not None:
                names["source" if p.value.endswith("source") else "title"].add(o.value)
        # by the document as written in N-Triples (str of its term), for evidence and entity pages
        self._doc_names = found
        self.documents = tuple(
            sorted((self._document_ref(d) for d in found), key=lambda d: d.source)
        )

    def _names_of(self, doc) -> dict[str, set[str]]:
        names = self._doc_names.get(str(doc))
        if names is None:  # a document node without kg:Document (a hand-made graph)
            names = {"source": self._texts(doc, _DCTERMS + "source"), "title": self._texts(doc, _DCTERMS + "title")}
            with self._cache_lock:
                self._doc_names[str(doc)] = names
        return names

    def _document_ref(self, doc_n3: str) -> DocumentRef:
        names = self._doc_names[doc_n3]
        source = _sorted_texts(names["source"])
        title = _sorted_texts(names["title"])
        return DocumentRef(source[0] if source else _local(_unwrap(doc_n3)), title[0] if title else "")

    def _source_of(self, doc) -> str:
        """A document's name as the view shows it beside a sentence (kg.view's choice)."""
        return _plain_first(self._names_of(doc)["source"]) or _local(_value(doc))

    def _read_claims(self) -> None:
        """The skeleton of every claim between two entities, and how many sentences back each: two queries."""
        import pyoxigraph as ox

        rows = self._select(
            f"SELECT ?s ?subj ?pred ?obj ?mod ?conf WHERE {{ ?s a <{_RDF}Statement> ; <{_RDF}subject> ?subj ; "
            f"<{_RDF}predicate> ?pred ; <{_RDF}object> ?obj . "
            f"OPTIONAL {{ ?s <{_KG}modality> ?mod }} OPTIONAL {{ ?s <{_KG}confidence> ?conf }} }}"
        )
        statements: dict[str, tuple] = {}
        for s, subj, pred, obj, mod, conf in rows:
            row = (str(subj), str(pred), str(obj), str(mod) if mod is not None else "", str(conf) if conf is not None else "")
            known = statements.get(str(s))
            if known is None or row < known[1]:  # several values: the same one every time
                statements[str(s)] = (s, row, subj, pred, obj, mod, conf)
        counts: dict[str, int] = {}
        for s, n in self._select(f"SELECT ?s (COUNT(DISTINCT ?ev) AS ?n) WHERE {{ ?s <{_KG}hasEvidence> ?ev }} GROUP BY ?s"):
            counts[str(s)] = int(n.value)

        labels: dict[str, str] = {}

        def relation_label(pred) -> str:
            iri = pred.value
            if iri not in labels:
                labels[iri] = _plain_first(self._texts(pred, _RDFS + "label")) or _local(iri).replace("_", " ")
            return labels[iri]

        heads: list[tuple[tuple[str, str, str, str], _ClaimHead]] = []
        for n3, (s, _, subj, pred, obj, mod, conf) in statements.items():
            subject = self._by_iri.get(subj.value) if isinstance(subj, ox.NamedNode) else None
            target = self._by_iri.get(obj.value) if isinstance(obj, ox.NamedNode) else None
            if subject is None or target is None or isinstance(pred, ox.Literal):
                continue
            stmt_id = s.value
            try:
                confidence = float(conf.value) if isinstance(conf, ox.Literal) else 0.0
            except ValueError:
                confidence = 0.0
            modality = _MODALITY.get(mod.value if isinstance(mod, ox.NamedNode) else "", "asserted")
            key = stmt_id[len(_STATEMENT) :] if stmt_id.startswith(_STATEMENT) else _local(stmt_id)
            label = relation_label(pred)
            head = _ClaimHead(key, s, subject, label, pred.value, target, modality, confidence, counts.get(n3, 0))
            heads.append(((subject.iri, label, target.iri, stmt_id), head))
        heads.sort(key=lambda item: item[0])  # kg.view's order of edges
        self._claims: dict[str, _ClaimHead] = {}
        self._outgoing: dict[str, list[str]] = defaultdict(list)
        self._incoming: dict[str, list[str]] = defaultdict(list)
        for _, head in heads:
            self._claims[head.key] = head
            self._outgoing[head.subject.key].append(head.key)
            self._incoming[head.object.key].append(head.key)
        self.evidence_count = sum(h.evidence_count for h in self._claims.values())

    def _search_entries(self) -> Iterable[tuple[str, str, str, int]]:
        """The search index: (lowercased text, text, key, 0 for a label or 1 for a synonym)."""
        for key, ref in self._refs.items():
            yield (ref.label.lower(), ref.label, key, 0)
            for synonym in self._synonyms[key]:
                yield (synonym.lower(), synonym, key, 1)

    def _evidence(self, keys: Iterable[str]) -> dict[str, tuple[ViewEvidence, ...]]:
        """The sentences behind each claim in ``keys``, in kg.view's order, from the cache or the store."""
        import pyoxigraph as ox

        found: dict[str, tuple[ViewEvidence, ...]] = {}
        missing: list[_ClaimHead] = []
        with self._cache_lock:
            for key in dict.fromkeys(keys):
                cached = self._evidence_cache.get(key)
                if cached is not None:
                    found[key] = cached
                else:
                    missing.append(self._claims[key])
        named = [h for h in missing if isinstance(h.term, ox.NamedNode)]
        rows: dict[str, dict[str, dict[str, set]]] = defaultdict(dict)  # statement -> evidence -> field -> values
        fields = {_KG + "sentence": "sentence", _PROV + "wasDerivedFrom": "doc", _KG + "modality": "modality", _KG + "sentenceIndex": "index"}
        predicates = " ".join(f"<{p}>" for p in fields)
        for start in range(0, len(named), _EVIDENCE_BATCH):
            batch = named[start : start + _EVIDENCE_BATCH]
            values = " ".join(str(h.term) for h in batch)
            answer = self._select(
                f"SELECT ?s ?ev ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s <{_KG}hasEvidence> ?ev . "
                f"OPTIONAL {{ VALUES ?p {{ {predicates} }} ?ev ?p ?o }} }}"
            )
            for s, ev, p, o in answer:
                slots = rows[str(s)].setdefault(str(ev), defaultdict(set))
                if p is not None:
                    slots[fields[p.value]].add(o)
        for head in missing:
            if not isinstance(head.term, ox.NamedNode):  # a blank-node statement: read it quad by quad
                for ev in self._objects(head.term, _KG + "hasEvidence"):
                    slots = rows[str(head.term)].setdefault(str(ev), defaultdict(set))
                    for quad in self._store.quads_for_pattern(ev, None, None, None):
                        name = fields.get(quad.predicate.value)
                        if name:
                            slots[name].add(quad.object)
            found[head.key] = self._sentences(rows.get(str(head.term), {}))
        if missing:
            with self._cache_lock:
                for head in missing:
                    self._evidence_cache[head.key] = found[head.key]
        return found

    def _evidence_sample(self, keys: Iterable[str]) -> dict[str, tuple[ViewEvidence, ...]]:
        """At most :data:`GRAPH_EVIDENCE` sentences per claim: all of them when there are no more, else
        the first by evidence IRI (a content hash, so the choice is stable), in kg.view's order."""
        chosen = list(dict.fromkeys(keys))
        found = self._evidence([k for k in chosen if self._claims[k].evidence_count <= GRAPH_EVIDENCE])
        missing = []
        with self._cache_lock:
            for key in chosen:
                if key not in found:
                    cached = self._evidence_cache.get(("sample", key))
                    if cached is not None:
                        found[key] = cached
                    else:
                        missing.append(key)
        fields = {_KG + "sentence": "sentence", _PROV + "wasDerivedFrom": "doc", _KG + "modality": "modality", _KG + "sentenceIndex": "index"}
        for key in missing:
            head = self._claims[key]
            evidence = sorted(self._objects(head.term, _KG + "hasEvidence"), key=str)[:GRAPH_EVIDENCE]
            rows: dict[str, dict[str, set]] = {}
            for ev in evidence:
                slots = rows.setdefault(str(ev), defaultdict(set))
                for quad in self._store.quads_for_pattern(ev, None, None, None):
                    name = fields.get(quad.predicate.value)
                    if name:
                        slots[name].add(quad.object)
            found[key] = self._sentences(rows)
            with self._cache_lock:
                self._evidence_cache[("sample", key)] = found[key]
        return found

    def _sentences(self, evidence: dict[str, dict[str, set]]) -> tuple[ViewEvidence, ...]:
        import pyoxigraph as ox

        items = []
        for slots in evidence.values():
            sentence = _plain_first(t.value for t in slots.get("sentence", ()) if isinstance(t, ox.Literal)) or ""
            doc = min(slots.get("doc", ()), key=str, default=None)
            source = self._source_of(doc) if doc is not None else ""
            modality = min(slots.get("modality", ()), key=str, default=None)
            mod = _MODALITY.get(modality.value if isinstance(modality, ox.NamedNode) else "", "asserted")
            index = min(slots.get("index", ()), key=str, default=None)
            order = int(index.value) if isinstance(index, ox.Literal) and index.value.isdigit() else 0
            items.append((source, order, sentence, ViewEvidence(sentence, source, mod)))
        items.sort(key=lambda e: e[:3])
        return tuple(e[3] for e in items)

    def _claim(self, head: _ClaimHead, evidence: tuple[ViewEvidence, ...]) -> Claim:
        return Claim(
            key=head.key,
            subject=head.subject,
            relation=head.relation,
            relation_iri=head.relation_iri,
            object=head.object,
            modality=head.modality,
            confidence=head.confidence,
            evidence=evidence,
        )

    def _read_details(self, ref: EntityRef) -> EntityDetails:
        import pyoxigraph as ox

        node = ox.NamedNode(ref.iri)
        classes = []
        definition = _first_text(self._texts(node, _SKOS + "definition"))
        for cls in sorted((o for o in self._objects(node, _RDF + "type") if isinstance(o, ox.NamedNode)), key=_value):
            label = _first_text(self._texts(cls, _RDFS + "label")) or _first_text(self._texts(cls, _SKOS + "prefLabel"))
            classes.append((cls.value, label or _local(cls.value)))
            definition = definition or _first_text(self._texts(cls, _SKOS + "definition"))
        identifiers = sorted(
            {Identifier(to_curie(o.value) or o.value, o.value) for o in self._objects(node, _SKOS + "exactMatch") if isinstance(o, ox.NamedNode)},
            key=lambda i: i.curie,
        )
        documents = sorted(
            {self._document_of(d) for d in self._objects(node, _PROV + "wasDerivedFrom")},
            key=lambda d: d.source,
        )
        keys = [*self._outgoing.get(ref.key, ()), *self._incoming.get(ref.key, ())]
        evidence = self._evidence(keys)
        return EntityDetails(
            ref=ref,
            synonyms=self._synonyms[ref.key],
            classes=tuple(classes),
            definition=definition,
            identifiers=tuple(identifiers),
            mentions=self._nodes[ref.key].mentions,
            documents=tuple(documents),
            outgoing=tuple(self._claim(self._claims[k], evidence[k]) for k in self._outgoing.get(ref.key, ())),
            incoming=tuple(self._claim(self._claims[k], evidence[k]) for k in self._incoming.get(ref.key, ())),
        )

    def _document_of(self, doc) -> DocumentRef:
        names = self._names_of(doc)
        source, title = _sorted_texts(names["source"]), _sorted_texts(names["title"])
        return DocumentRef(source[0] if source else _local(_value(doc)), title[0] if title else "")

    # -- queries ------------------------------------------------------------

    @property
    def entity_count(self) -> int:
        return len(self._refs)

    @property
    def claim_count(self) -> int:
        return len(self._claims)

    def entity(self, key: str) -> EntityDetails | None:
        """What the entity page shows; its claims' evidence is read from the store (or the cache)."""
        ref = self._refs.get(key)
        return self._read_details(ref) if ref is not None else None

    def ref(self, key_or_iri: str) -> EntityRef | None:
        return self._refs.get(key_or_iri) or self._by_iri.get(key_or_iri)

    def claim(self, key: str) -> Claim | None:
        head = self._claims.get(key)
        return self._claim(head, self._evidence([key])[key]) if head is not None else None

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

    def edge_json(self, key: str, evidence: tuple[ViewEvidence, ...] | None = None) -> dict[str, object]:
        """A claim for the interactive graph: ``evidence`` holds at most :data:`GRAPH_EVIDENCE` of its
        ``evidence_count`` sentences (the entity page of its subject lists them all)."""
        head = self._claims[key]
        if evidence is None:
            evidence = self._evidence_sample([key])[key]
        return {
            "id": key,
            "from": head.subject.key,
            "to": head.object.key,
            "label": head.relation,
            "subject": head.subject.label,
            "object": head.object.label,
            "modality": head.modality,
            "confidence": head.confidence,
            "colour": NEGATED_COLOUR if head.modality == "negated" else EDGE_COLOUR,
            "dashed": head.modality != "asserted",
            "evidence": [{"sentence": e.sentence, "source": e.source, "modality": e.modality} for e in evidence],
            "evidence_count": head.evidence_count,
        }

    def _slice(self, keys: Iterable[str], claims: Iterable[str], context: Iterable[str] = ()) -> dict[str, object]:
        shown = set(context)
        nodes = []
        for key in sorted(set(keys)):
            node = self.node_json(key)
            if key in shown:
                node["context"] = True
            nodes.append(node)
        chosen = sorted(set(claims))
        evidence = self._evidence_sample(chosen)
        return {"nodes": nodes, "edges": [self.edge_json(c, evidence[c]) for c in chosen]}

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
        _ = self.triples
        self.positioned(self.overview())
