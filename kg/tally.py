"""Figures a build writes into its graph so that queries look them up instead of counting.

A SPARQL store answers "how many claims of each relation type?" or "which
entity takes part in most claims?" by reading every claim, and finds an
entity by a name given in any case by reading every label: on a graph of
millions of triples that is seconds per question.  The build knows all of it
already, so it writes it down (``docs/rdf-model.md``, "Precomputed figures"):

* on each entity, ``kg:nameKey``: its label, synonyms and abbreviations in
  lower case, so a case-insensitive lookup is one short scan of the keys;
  and ``kg:degree``: the claims it takes part in, as subject or object;
* on each document (in its named graph), ``kg:entityCount``,
  ``kg:claimCount`` and ``kg:sentenceCount``: the entities read in it, the
  claims its sentences support, and those sentences;
* one ``kg:RelationTally`` per (relation type, strongest modality) with its
  ``kg:claimCount`` and ``kg:sentenceCount``, and one ``kg:RuleTally`` per
  (extraction rule, sentence modality) with its ``kg:sentenceCount`` and
  ``kg:meanConfidence``.

Everything here is N-Triples text, made the same way for the streaming writer
(:mod:`kg.emit`) and for :func:`kg.graph.build_graph`, which parses it; the
figures follow from the records alone, so an incremental build writes the same
ones as a full build.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal

from rdflib.namespace import RDF, XSD

from .graph import MODALITY_IRIS, decimal_text
from .namespaces import KG, TALLY
from .records import Modality

__all__ = ["Tallies", "document_figures", "entity_figures", "name_keys"]

_TYPE = f"<{RDF.type}>"
_INTEGER, _DECIMAL = f"^^<{XSD.integer}>", f"^^<{XSD.decimal}>"
_NAME_KEY, _DEGREE, _CLAIMS, _ENTITIES, _SENTENCES = (
    f"<{KG[t]}>" for t in ("nameKey", "degree", "claimCount", "entityCount", "sentenceCount")
)
_REL_TALLY, _RULE_TALLY = f"<{KG.RelationTally}>", f"<{KG.RuleTally}>"
_REL_TYPE, _STRONGEST = f"<{KG.relationType}>", f"<{KG.strongestModality}>"
_RULE, _SENT_MODALITY, _MEAN = f"<{KG.extractionRule}>", f"<{KG.sentenceModality}>", f"<{KG.meanConfidence}>"
_FOUR_PLACES = Decimal("0.0001")


def _literal(text: str) -> str:
    from .emit import literal

    return literal(text)


def _int(value: int) -> str:
    return f'"{int(value)}"{_INTEGER}'


def name_keys(node: str, names: Iterable[str]) -> Iterator[str]:
    """``kg:nameKey`` lines of an entity node (``<iri>``): each distinct name, lower-cased.

    Lower-casing is Python's ``str.lower``, which follows Unicode's full case
    mapping as SPARQL's ``LCASE`` does, so ``LCASE("IL-1Β")`` finds ``"il-1β"``.
    """
    for key in sorted({name.lower() for name in names}):
        yield f"{node} {_NAME_KEY} {_literal(key)} .\n"


def entity_figures(node: str, concept, claims: int) -> Iterator[str]:
    """The figures of an entity node: how many claims it takes part in, and its name keys."""
    yield f"{node} {_DEGREE} {_int(claims)} .\n"
    yield from name_keys(node, (concept.label, *concept.synonyms, *concept.abbreviations))


def document_figures(node: str, entities: int, claims: int, sentences: int) -> list[str]:
    """The count lines of one document node: entities read in it, claims and sentences it supports."""
    return [
        f"{node} {_ENTITIES} {_int(entities)} .\n",
        f"{node} {_CLAIMS} {_int(claims)} .\n",
        f"{node} {_SENTENCES} {_int(sentences)} .\n",
    ]


def _node(kind: str, *parts: str) -> str:
    # The parts (an IRI, a rule name) may hold any character, so the node is
    # named by a digest of them: deterministic, and the same in every build.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
    return f"<{TALLY}{kind}-{digest}>"


class Tallies:
    """Per-claim and per-sentence figures of a whole build, as they are gathered.

    Call :meth:`claim` once per distinct claim and :meth:`sentence` once per
    distinct evidence node; then :meth:`claims_of` gives an entity's degree
    and :meth:`lines` the tally nodes.
    """

    def __init__(self) -> None:
        self._relations: dict[tuple[str, Modality], list[int]] = {}  # -> [claims, sentences]
        self._rules: dict[tuple[str, Modality], list] = {}  # -> [sentences, sum of confidences]
        self._degree: Counter[str] = Counter()

    def claim(self, subject: str, predicate: str, obj: str, strongest: Modality, sentences: int) -> None:
        figures = self._relations.setdefault((predicate, strongest), [0, 0])
        figures[0] += 1
        figures[1] += sentences
        self._degree[subject] += 1
        if obj != subject:
            self._degree[obj] += 1

    def sentence(self, rule: str, modality: Modality, confidence_text: str) -> None:
        """One evidence node; ``confidence_text`` is its written confidence (summed exactly)."""
        figures = self._rules.setdefault((rule, modality), [0, Decimal(0)])
        figures[0] += 1
        figures[1] += Decimal(confidence_text)

    def claims_of(self, concept: str) -> int:
        return self._degree[concept]

    def lines(self) -> Iterator[str]:
        for (predicate, modality), (claims, sentences) in self._relations.items():
            node = _node("relation", predicate, modality.value)
            yield f"{node} {_TYPE} {_REL_TALLY} .\n"
            yield f"{node} {_REL_TYPE} <{predicate}> .\n"
            yield f"{node} {_STRONGEST} <{MODALITY_IRIS[modality]}> .\n"
            yield f"{node} {_CLAIMS} {_int(claims)} .\n"
            yield f"{node} {_SENTENCES} {_int(sentences)} .\n"
        for (rule, modality), (sentences, total) in self._rules.items():
            node = _node("rule", rule, modality.value)
            mean = (total / sentences).quantize(_FOUR_PLACES, rounding=ROUND_HALF_EVEN)
            text = decimal_text(float(mean))  # already 4 places: only the canonical form is applied
            yield f"{node} {_TYPE} {_RULE_TALLY} .\n"
            yield f"{node} {_RULE} {_literal(rule)} .\n"
            yield f"{node} {_SENT_MODALITY} <{MODALITY_IRIS[modality]}> .\n"
            yield f"{node} {_SENTENCES} {_int(sentences)} .\n"
            yield f'{node} {_MEAN} "{text}"{_DECIMAL} .\n'
