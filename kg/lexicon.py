"""Turn the ontology into the surface forms the matchers look for.

Pure functions, no spaCy: given the ontology, produce every way a concept can
be written (plurals, Greek letters spelled out, hyphen variants) and every
inflected form of every relation trigger.  The NLP components only tokenize
and index what this module generates.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .namespaces import KG
from .ontology import Ontology

# Greek letters as written in biomedical names, with their spelled-out forms.
GREEK: Mapping[str, str] = MappingProxyType(
    {
        "α": "alpha",
        "β": "beta",
        "γ": "gamma",
        "δ": "delta",
        "ε": "epsilon",
        "κ": "kappa",
        "λ": "lambda",
        "μ": "mu",
        "σ": "sigma",
        "τ": "tau",
        "ω": "omega",
    }
)
_GREEK_NAMES = {v: k for k, v in GREEK.items()}

# Irregular English verbs that occur in trigger phrases: base -> (3sg, past, participle, gerund).
# This is grammar, not domain knowledge, so it lives in code; the triggers themselves are data.
IRREGULAR: Mapping[str, tuple[str, str, str, str]] = MappingProxyType(
    {
        "be": ("is", "was", "been", "being"),
        "have": ("has", "had", "had", "having"),
        "do": ("does", "did", "done", "doing"),
        "go": ("goes", "went", "gone", "going"),
        "drive": ("drives", "drove", "driven", "driving"),
        "give": ("gives", "gave", "given", "giving"),
        "lead": ("leads", "led", "led", "leading"),
        "make": ("makes", "made", "made", "making"),
        "come": ("comes", "came", "come", "coming"),
        "become": ("becomes", "became", "become", "becoming"),
        "arise": ("arises", "arose", "arisen", "arising"),
        "bring": ("brings", "brought", "brought", "bringing"),
        "take": ("takes", "took", "taken", "taking"),
        "lie": ("lies", "lay", "lain", "lying"),
        "hold": ("holds", "held", "held", "holding"),
        "build": ("builds", "built", "built", "building"),
        "grow": ("grows", "grew", "grown", "growing"),
        "begin": ("begins", "began", "begun", "beginning"),
        "undergo": ("undergoes", "underwent", "undergone", "undergoing"),
        "underlie": ("underlies", "underlay", "underlain", "underlying"),
        "rise": ("rises", "rose", "risen", "rising"),
        "show": ("shows", "showed", "shown", "showing"),
        "put": ("puts", "put", "put", "putting"),
        "set": ("sets", "set", "set", "setting"),
        "cut": ("cuts", "cut", "cut", "cutting"),
        "slow": ("slows", "slowed", "slowed", "slowing"),
        "feed": ("feeds", "fed", "fed", "feeding"),
        "keep": ("keeps", "kept", "kept", "keeping"),
        "find": ("finds", "found", "found", "finding"),
        "spread": ("spreads", "spread", "spread", "spreading"),
        "fight": ("fights", "fought", "fought", "fighting"),
        "seek": ("seeks", "sought", "sought", "seeking"),
        "mean": ("means", "meant", "meant", "meaning"),
        "upregulate": ("upregulates", "upregulated", "upregulated", "upregulating"),
    }
)

BE_FORMS = frozenset({"be", "is", "are", "was", "were", "been", "being", "'s", "’s", "'re"})

_VOWELS = set("aeiou")


@dataclass(frozen=True, slots=True)
class VerbForm:
    """One surface form of a trigger phrase."""

    text: str
    form: str  # base | s | past | participle | gerund | literal


def verb_forms(phrase: str) -> tuple[VerbForm, ...]:
    """All inflections of a verb phrase; only the first word is inflected.

    ``*`` gaps are kept as they are.  Forms that come out the same are kept
    once, with the more specific tag (participle beats past).
    """
    words = phrase.split()
    if not words:
        return ()
    head, rest = words[0].lower(), words[1:]
    forms: dict[str, str] = {}

    def put(word: str, form: str) -> None:
        text = " ".join([word, *rest])
        if text not in forms or form == "participle":
            forms[text] = form

    put(head, "base")
    if head in IRREGULAR:
        s3, past, part, ger = IRREGULAR[head]
        put(s3, "s")
        put(past, "past")
        put(part, "participle")
        put(ger, "gerund")
        if head == "be":
            for extra in ("are", "were"):
                put(extra, "s")
        return tuple(VerbForm(t, f) for t, f in sorted(forms.items()))
    put(_third_person(head), "s")
    for p in _past(head):
        put(p, "participle")
    for g in _gerund(head):
        put(g, "gerund")
    return tuple(VerbForm(t, f) for t, f in sorted(forms.items()))


def _third_person(v: str) -> str:
    if v.endswith(("s", "x", "z", "ch", "sh", "o")):
        return v + "es"
    if len(v) > 1 and v.endswith("y") and v[-2] not in _VOWELS:
        return v[:-1] + "ies"
    return v + "s"


def _cvc(v: str) -> bool:
    """Ends consonant-vowel-consonant, so the final consonant may double (stop -> stopped)."""
    return (
        len(v) >= 3
        and v[-1] not in _VOWELS
        and v[-1] not in "wxy"
        and v[-2] in _VOWELS
        and v[-3] not in _VOWELS
    )


def _past(v: str) -> list[str]:
    if v.endswith("e"):
        return [v + "d"]
    if len(v) > 1 and v.endswith("y") and v[-2] not in _VOWELS:
        return [v[:-1] + "ied"]
    out = [v + "ed"]
    if _cvc(v):
        out.append(v + v[-1] + "ed")
    return out


def _gerund(v: str) -> list[str]:
    if v.endswith("ie"):
        return [v[:-2] + "ying"]
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")):
        return [v[:-1] + "ing"]
    out = [v + "ing"]
    if _cvc(v):
        out.append(v + v[-1] + "ing")
    return out


# ---------------------------------------------------------------------------
# Concept surface forms
# ---------------------------------------------------------------------------


def plural(word: str) -> list[str]:
    """Plural forms of an English (or Latin-derived) noun; extra guesses are harmless."""
    w = word
    low = w.lower()
    if not w or not w[-1].isalpha():
        return []
    if low.endswith(("s", "x", "z", "ch", "sh")):
        out = [w + "es"]
        if low.endswith("us"):
            out.append(w[:-2] + "i")
        if low.endswith("is"):
            out.append(w[:-2] + "es")
        return out
    if low.endswith("y") and len(low) > 1 and low[-2] not in _VOWELS:
        return [w[:-1] + "ies"]
    if low.endswith("um"):
        return [w + "s", w[:-2] + "a"]
    if low.endswith("on") and len(low) > 4:
        return [w + "s", w[:-2] + "a"]
    if low.endswith("a") and len(low) > 3:
        return [w + "s", w + "e"]
    if low.endswith(("f", "fe")) and low not in {"chief", "roof"}:
        stem = w[:-1] if low.endswith("f") else w[:-2]
        return [w + "s", stem + "ves"]
    return [w + "s"]


def _greek_variants(text: str) -> set[str]:
    """Greek symbols spelled out (and back), joined or separated by a space or hyphen."""
    out = {text}
    if any(ch in GREEK for ch in text):
        spelled = text
        spaced = text
        for sym, name in GREEK.items():
            spelled = spelled.replace(sym, name)
            spaced = re.sub(rf"(?<=[\w])-?{re.escape(sym)}", f" {name}", spaced).replace(sym, name)
        out |= {spelled, spaced, spaced.replace(" ", "-")}
    low = text.lower()
    for name in _GREEK_NAMES:
        if re.search(rf"(?<=[a-z0-9]) {name}(?![a-z])", low):
            out.add(re.sub(rf"(?<=[A-Za-z0-9]) ({name})(?![a-z])", r"-\1", text, flags=re.IGNORECASE))
    for name, sym in _GREEK_NAMES.items():
        m = re.search(rf"(?<![a-z])[- ]?{name}(?![a-z])", low)
        if m:
            out.add(text[: m.start()] + sym + text[m.end():])
            out.add(text[: m.start()] + "-" + sym + text[m.end():])
    out = {re.sub(r"\s+-", "-", " ".join(t.split())) for t in out}
    # "TGF-β 1" is usually written "TGF-β1"
    out |= {re.sub(r"([\u03b1-\u03c9]) (\d)", r"\1\2", t) for t in out}
    return out


def _hyphen_variants(text: str) -> set[str]:
    """"pro-inflammatory" -> also "proinflammatory" and "pro inflammatory"."""
    out = {text}
    if "-" in text:
        out.add(text.replace("-", " "))
        out.add(text.replace("-", ""))
    return out


def surface_forms(term: str, *, pluralize: bool = True) -> set[str]:
    """Every way ``term`` may appear: spelling variants, each also in the plural."""
    base = {" ".join(term.split())}
    for fn in (_greek_variants, _hyphen_variants):
        base = set(itertools.chain.from_iterable(fn(t) for t in base))
    out = set(base)
    if pluralize:
        for t in base:
            words = t.split(" ")
            for p in plural(words[-1]):
                out.add(" ".join([*words[:-1], p]))
    out = {t for t in out if t.strip()}
    return out


_HEAD_NOUNS = ("cell", "tissue")


def _like_variants(label: str, category: str | None) -> set[str]:
    """"nucleus pulposus cell" -> "nucleus pulposus-like cell"; "chondrocyte" -> "chondrocyte-like cell"."""
    out: set[str] = set()
    if category != str(KG.Cell):
        return out
    words = label.split()
    if len(words) >= 2 and words[-1] in _HEAD_NOUNS:
        out.add(" ".join(words[:-2] + [words[-2] + "-like", words[-1]]))
    elif len(words) == 1:
        out.add(f"{label}-like cell")
    return out


@dataclass(frozen=True, slots=True)
class Term:
    """A surface form to look for and the concept it names."""

    text: str
    concept: str
    case_sensitive: bool
    preferred: bool  # the concept's label (wins ties between concepts)


def concept_terms(ontology: Ontology) -> tuple[Term, ...]:
    """All terms of all concepts, sorted so the result is stable."""
    terms: dict[tuple[str, str, bool], Term] = {}
    for iri, concept in ontology.concepts.items():
        if iri == str(KG.Entity):
            continue
        names = [concept.label, *concept.synonyms, *concept.hidden]
        for i, name in enumerate(names):
            forms = surface_forms(name)
            for like in _like_variants(name, concept.category):
                forms |= surface_forms(like)
            for f in forms:
                key = (f.lower(), iri, False)
                terms.setdefault(key, Term(f.lower(), iri, False, i == 0))
        for abbr in concept.abbreviations:
            for f in surface_forms(abbr, pluralize=False) | {abbr + "s"}:
                key = (f, iri, True)
                terms.setdefault(key, Term(f, iri, True, False))
    return tuple(sorted(terms.values(), key=lambda t: (t.text, t.concept, t.case_sensitive)))


# ---------------------------------------------------------------------------
# Trigger surface forms
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriggerForm:
    """One surface form of one trigger of one relation type."""

    text: str  # lower-case words; "*" is a gap of up to four words
    relation: str  # relation IRI
    kind: str  # verb | inverse_verb | phrase | inverse_phrase | topic
    form: str  # base | s | past | participle | gerund | literal
    source: str  # the trigger as written in the ontology


def trigger_forms(ontology: Ontology) -> tuple[TriggerForm, ...]:
    """Every surface form of every trigger, sorted for stability."""
    out: set[TriggerForm] = set()
    for iri, rel in ontology.relations.items():
        for kind, phrases in (("verb", rel.triggers), ("inverse_verb", rel.inverse_triggers)):
            for phrase in phrases:
                for vf in verb_forms(phrase.lower()):
                    out.add(TriggerForm(vf.text, iri, kind, vf.form, phrase))
        for kind, phrases in (
            ("phrase", rel.phrase_triggers),
            ("inverse_phrase", rel.inverse_phrase_triggers),
        ):
            for phrase in phrases:
                out.add(TriggerForm(" ".join(phrase.lower().split()), iri, kind, "literal", phrase))
        for phrase in rel.topic_triggers:
            for form in surface_forms(phrase.lower()):
                out.add(TriggerForm(form, iri, "topic", "literal", phrase))
    return tuple(sorted(out, key=lambda t: (t.text, t.relation, t.kind, t.form)))


def cue_forms(cues: Iterable[str]) -> tuple[str, ...]:
    """Cue phrases, lower-cased, de-duplicated and sorted."""
    return tuple(sorted({" ".join(c.lower().split()) for c in cues if c.strip()}))
