"""IRIs and prefixes used throughout kg.

``KG`` is the namespace of the ontology (classes, relation types and the
annotation properties the extractor reads); the other namespaces hold the
nodes a build generates.  ``PREFIXES`` is what queries and serialisations
predeclare.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/kg/"

# Terms of the kg schema that code refers to by name.  ``KG.<name>`` fails for
# any other name, so a typo raises instead of minting a new IRI; a test checks
# that each is declared in ontology/core.ttl.  Concepts and relation types, which
# are data, are reached by item access: ``KG[local_name]``.
SCHEMA_TERMS = frozenset(
    {
        # categories
        "Entity", "Cell", "AnatomicalEntity", "ChemicalEntity", "BiologicalProcess", "Disease",
        "PhenotypicFeature", "Intervention", "RiskFactor", "ClinicalResearchConcept",
        # annotation properties read by the extractor
        "abbreviation", "trigger", "inverseTrigger", "phraseTrigger", "inversePhraseTrigger",
        "topicTrigger", "polarity", "hedgeCue", "negationCue", "namingCue",
        # relation types code reasons about
        "is_a",
        # provenance vocabulary
        "Document", "Evidence", "Modality", "Asserted", "Hedged", "Negated", "hasEvidence",
        "modality", "category", "sentence", "sentenceIndex", "charStart", "charEnd", "subjectText",
        "subjectStart", "subjectEnd", "objectText", "objectStart", "objectEnd", "triggerText",
        "rule", "confidence", "evidenceCount", "mentionCount", "characterCount", "sha256",
        # figures the build precomputes (kg/tally.py)
        "nameKey", "degree", "claimCount", "entityCount", "sentenceCount", "RelationTally", "RuleTally",
        "relationType", "strongestModality", "extractionRule", "sentenceModality", "meanConfidence",
    }
)


class _SchemaNamespace(Namespace):
    """A namespace whose attribute access is limited to :data:`SCHEMA_TERMS`."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in SCHEMA_TERMS:
            raise AttributeError(f"kg: has no schema term {name!r}; use KG[{name!r}] for a concept or relation type")
        return self.term(name)


KG = _SchemaNamespace(BASE + "ontology/")
ENTITY = Namespace(BASE + "entity/")
STATEMENT = Namespace(BASE + "statement/")
EVIDENCE = Namespace(BASE + "evidence/")
DOCUMENT = Namespace(BASE + "document/")
TALLY = Namespace(BASE + "tally/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
HGNC = Namespace("http://identifiers.org/hgnc/")
SCHEMA = Namespace("https://schema.org/")

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "ent": str(ENTITY),
    "stmt": str(STATEMENT),
    "ev": str(EVIDENCE),
    "doc": str(DOCUMENT),
    "tally": str(TALLY),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "skos": str(SKOS),
    "xsd": str(XSD),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "obo": str(OBO),
    "biolink": str(BIOLINK),
    "schema": str(SCHEMA),
}

# Compact identifiers (CURIEs) of standard ontologies -> IRI prefix.  Used to
# show a standard identifier as "CL:0000134" and to link it to a resolver.
_OBO_PREFIXES = ("CL", "UBERON", "MONDO", "HP", "GO", "CHEBI", "PR", "NCIT", "RO", "BFO", "OGMS", "MAXO", "DOID")
CURIE_PREFIXES: dict[str, str] = {
    **{prefix: f"{OBO}{prefix}_" for prefix in _OBO_PREFIXES},
    "HGNC": str(HGNC),
    "biolink": str(BIOLINK),
    "MESH": "http://id.nlm.nih.gov/mesh/",
}


def to_curie(iri: str) -> str | None:
    """``http://purl.obolibrary.org/obo/CL_0000134`` -> ``CL:0000134`` (None if unknown)."""
    best: tuple[int, str] | None = None
    for prefix, base in CURIE_PREFIXES.items():
        if iri.startswith(base) and (best is None or len(base) > best[0]):
            best = (len(base), prefix)
    if best is None:
        return None
    return f"{best[1]}:{iri[best[0]:]}"


def from_curie(curie: str) -> str | None:
    """``CL:0000134`` -> its IRI, or None when the prefix is unknown."""
    prefix, sep, local = curie.partition(":")
    if not sep or prefix not in CURIE_PREFIXES or not local:
        return None
    return CURIE_PREFIXES[prefix] + local
