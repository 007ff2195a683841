"""The gap report: what a corpus says that the ontology does not cover.

:func:`suggest` (``kg ontology suggest CORPUS``) runs kg's own pipeline over
the corpus and ranks three kinds of gaps, each with an example sentence and
a ``kg ontology add`` / ``add-relation`` command to close it:

- **terms**: frequent noun phrases no concept covers.  kg's pipeline is blank
  English, with no part-of-speech tagger, so noun phrases come from a
  heuristic over tokens (:func:`candidate_phrases`): a sentence is cut at
  punctuation, stop words, numbers, hedging and negation cues, concept
  mentions and trigger words; the n-grams (up to four words) of what remains
  are candidates when their last word does not look like a verb form or an
  adverb (-ed, -ing, -ly).  Candidates are ranked by C-value (Frantzi,
  Ananiadou & Mima 2000): frequency weighted by length, less the frequency of
  the longer candidates that contain them.
- **abbreviations** defined in the text ("tendon stem cells (TSCs)") whose
  long form is not a concept, found with the Schwartz & Hearst (2003)
  algorithm (:func:`find_long_form`).  kg's concept matcher only learns
  abbreviations of long forms it already knows; this finds the others.
- **verbs** between two concept mentions where no trigger matched
  ("TSCs *colonise* the tendon"), with the relation type whose domain and
  range fit the two concepts, or a new one.
"""

from __future__ import annotations

import math
import re
import shlex
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .lexicon import plural, surface_forms, verb_forms
from .ontology import Ontology
from .records import Document, Skipped

__all__ = ["SuggestReport", "Suggestion", "candidate_phrases", "find_long_form", "suggest", "verb_base"]

MAX_WORDS = 4
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*$")
_PREPOSITIONS = frozenset({"to", "into", "in", "with", "from", "on", "onto", "by", "against", "within", "toward", "towards"})
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "these", "those"})
# Nouns, not verbs, end like this ("injection into the disc").
_NOUN_ENDINGS = ("tion", "sion", "ment", "ity", "ness", "ance", "ence", "ism", "ist", "ogy", "ure", "age")
_CLAUSE_WORDS = frozenset({"and", "or", "but", "when", "while", "which", "that", "where", "whereas", "because", "if"})
_MODALS = frozenset({"may", "might", "can", "could", "will", "would", "should", "must", "to", "also", "often", "not"})


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One gap in the ontology, ranked, with how to close it."""

    kind: str  # "term", "abbreviation" or "verb"
    text: str
    count: int
    score: float
    example: str  # a sentence where it occurs
    source: str  # the document of that sentence
    detail: str  # long form, or the concepts a verb links
    command: str  # a kg ontology add / add-relation command line


@dataclass(frozen=True)
class SuggestReport:
    documents: int
    terms: tuple[Suggestion, ...]
    abbreviations: tuple[Suggestion, ...]
    verbs: tuple[Suggestion, ...]
    skipped: tuple[Skipped, ...] = field(default=())

    def all(self) -> tuple[Suggestion, ...]:
        return (*self.terms, *self.abbreviations, *self.verbs)


# ---------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _looks_like_verb_or_adverb(word: str) -> bool:
    w = word.lower()
    return len(w) > 4 and w.endswith(("ed", "ing", "ly"))


# Endings of adjectives: a noun phrase does not end in one ("widely available", "biological").
_ADJECTIVE_ENDINGS = ("able", "ible", "ous", "ful", "ive", "ic", "ical", "less", "ary", "ant", "ent")


def candidate_phrases(
    words: Sequence[str],
    blocked: Sequence[bool],
    stop: frozenset[str],
    mentions: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Token spans ``(start, end)`` that may be noun phrases (see the module docstring).

    ``blocked[i]`` marks tokens that cannot be part of a phrase (trigger
    words, cues).  A phrase may hold concept mentions ("tendon stem cells"
    holds "stem cells") but never cuts one in two.
    """
    inside = [False] * (len(words) + 1)  # inside[k]: a mention continues across the boundary before k
    for s, e in mentions:
        for k in range(s + 1, e):
            inside[k] = True
    chunks: list[tuple[int, int]] = []
    start = None
    for i, word in enumerate(words):
        ok = not blocked[i] and bool(_WORD.match(word)) and word.lower() not in stop and len(word) > 1
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            chunks.append((start, i))
            start = None
    if start is not None:
        chunks.append((start, len(words)))
    spans = []
    for s, e in chunks:
        for i in range(s, e):
            if inside[i]:
                continue
            for j in range(i + 1, min(e, i + MAX_WORDS) + 1):
                if inside[j]:
                    continue
                last = words[j - 1]
                if _looks_like_verb_or_adverb(last) or words[i].lower().endswith("ly"):
                    continue
                if len(last) > 4 and last.lower().endswith(_ADJECTIVE_ENDINGS):
                    continue
                if j - i == 1 and (len(last) < 4 or sum(c.isupper() for c in last) > 1):
                    continue  # short words and acronyms alone are rarely worth a concept
                spans.append((i, j))
    return spans


def singular(phrase: str) -> str:
    """The phrase with its last word in the singular, when a plural rule explains it."""
    words = phrase.split()
    last = words[-1]
    for cut, add in ((3, "y"), (2, ""), (1, ""), (2, "is"), (1, "um"), (1, "on")):
        if len(last) > cut + 2:
            stem = last[: len(last) - cut] + add
            if last in plural(stem) and stem != last:
                return " ".join([*words[:-1], stem])
    return phrase


def find_long_form(short: str, before: str) -> str | None:
    """Schwartz & Hearst's long form of ``short`` at the end of ``before``, or None.

    Each letter or digit of the short form, right to left, must be found in
    the long form in the same order, and the first must start a word.
    """
    sf, lf = short.strip(), before.strip()
    if not (2 <= len(sf) <= 10) or not any(c.isalpha() for c in sf) or not sf[0].isalnum():
        return None
    s, pos = len(sf) - 1, len(lf) - 1
    while s >= 0:
        c = sf[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while pos >= 0 and (lf[pos].lower() != c or (s == 0 and pos > 0 and lf[pos - 1].isalnum())):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
        s -= 1
    start = lf.rfind(" ", 0, pos + 1) + 1
    long_form = lf[start:]
    if len(long_form) <= len(sf) or len(long_form.split()) > min(len(sf) + 5, len(sf) * 2):
        return None
    return long_form


# Stem endings after which a verb's base form usually ends in -e (cause, reduce, stimulate,
# colonise): used only when the corpus itself does not show which base is right.
_E_STEMS = ("at", "iz", "is", "ys", "uc", "ur", "us", "ot", "ud", "ag", "iv", "ov", "ib", "ut", "as", "rg", "in", "et", "ar", "od", "rv", "lv", "rc", "ng", "dg", "ps", "ns", "uir")


def verb_base(word: str, vocabulary: frozenset[str] = frozenset()) -> str | None:
    """The base form of an inflected verb (``secretes`` -> ``secrete``), or None when it is not inflected.

    Candidates are the stems whose inflections, as kg generates them
    (:func:`kg.lexicon.verb_forms`), include ``word``.  The one with most of
    its forms in ``vocabulary`` (the corpus's words) wins; ties go to a
    spelling rule (:data:`_E_STEMS`).  A heuristic: English has no rule that
    settles "focused" versus "caused" without a dictionary.
    """
    w = word.lower()
    if not w.endswith(("s", "ed", "ing")) or w.endswith(("ss", "us", "is")) or len(w) < 4:
        return None
    candidates: set[str] = set()
    for cut in (1, 2, 3, 4):
        if len(w) > cut + 2:
            stem = w[:-cut]
            candidates |= {stem, stem + "e", stem + "y"}
            if len(stem) > 2 and stem[-1] == stem[-2]:
                candidates.add(stem[:-1])
    found = [c for c in candidates if c != w and any(f.text == w for f in verb_forms(c))]
    if not found:
        return None

    def key(c: str) -> tuple:
        attested = sum(f.text in vocabulary for f in verb_forms(c))
        e_rule = c.endswith("e") == c[:-1].endswith(_E_STEMS) if c.endswith("e") else not c.endswith(_E_STEMS)
        doubled = len(c) > 2 and c[-1] == c[-2] and c[-1] not in "sl"
        return (-attested, c.endswith("i"), not e_rule, doubled, -len(c), c)

    return sorted(found, key=key)[0]


# ---------------------------------------------------------------------------
# Running over a corpus
# ---------------------------------------------------------------------------


def suggest(
    paths: Sequence[Path | str],
    ontology: Ontology,
    *,
    limit: int = 15,
    min_count: int = 2,
) -> SuggestReport:
    """Read the corpus under ``paths`` with ``ontology`` and rank what it does not cover."""
    from .corpus import read_corpus
    from .errors import CorpusError

    documents: list[Document] = []
    skipped: list[Skipped] = []
    for record in read_corpus(paths):
        (skipped if isinstance(record, Skipped) else documents).append(record)
    if not documents:
        raise CorpusError(f"no readable documents in {', '.join(str(p) for p in paths)}")
    return _report(_sentences(documents, ontology), ontology, len(documents), tuple(skipped), limit, min_count)


@dataclass(frozen=True, slots=True)
class _Sent:
    source: str
    text: str
    words: tuple[str, ...]
    mentions: tuple[tuple[int, int, str], ...]  # token start, end, concept (sentence-relative)
    triggered: frozenset[int]  # token positions inside a trigger match


def _sentences(documents: Sequence[Document], ontology: Ontology) -> list[_Sent]:
    from .pipeline import Extractor

    extractor = Extractor(ontology)
    out: list[_Sent] = []
    for doc, document in extractor.nlp.pipe(((d.text, d) for d in documents), as_tuples=True):
        mentions = [tuple(m) for m in (doc._.kg_mentions or [])]
        triggered = {k for s, e, _ in (doc._.kg_triggers or []) for k in range(s, e)}
        for sent in doc.sents:
            tokens = [t for t in sent if t.text.strip()]
            if not tokens:
                continue
            first, last = tokens[0].i, tokens[-1].i + 1
            index = {t.i: n for n, t in enumerate(tokens)}
            inside = [(index[s], index[e - 1] + 1, c) for s, e, c, _ in mentions if s in index and e - 1 in index]
            out.append(
                _Sent(
                    source=document.source,
                    text=doc.text[doc[first].idx : doc[last - 1].idx + len(doc[last - 1].text)],
                    words=tuple(t.text for t in tokens),
                    mentions=tuple(sorted(inside)),
                    triggered=frozenset(index[k] for k in triggered if k in index),
                )
            )
    return out


def _known_names(ontology: Ontology) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    abbreviations: set[str] = set()
    for c in ontology.concepts.values():
        for n in (c.label, *c.synonyms, *c.hidden):
            names |= {f.lower() for f in surface_forms(n)}
        abbreviations |= set(c.abbreviations)
    return names, abbreviations


def _head_concept(ontology: Ontology, phrase: str, names: dict[str, str]) -> str | None:
    """The concept named by the longest proper suffix of ``phrase`` ("tendon stem cell" -> stem cell)."""
    words = phrase.lower().split()
    for k in range(1, len(words)):
        found = names.get(" ".join(words[k:]))
        if found:
            return found
    return None


def _add_command(label: str, parent: str | None, abbreviation: str | None = None) -> str:
    parts = ["kg", "ontology", "add", label]
    if abbreviation:
        parts += ["--abbreviation", abbreviation]
    parts += ["--parent", parent or "CATEGORY"]
    return shlex.join(parts)


def _report(
    sentences: Iterable[_Sent], ontology: Ontology, documents: int, skipped: tuple[Skipped, ...], limit: int, min_count: int
) -> SuggestReport:
    stop = _stop_words() | {c for c in (*ontology.hedge_cues, *ontology.negation_cues) if " " not in c}
    known, known_abbr = _known_names(ontology)
    name_to_concept: dict[str, str] = {}
    for iri in sorted(ontology.concepts):
        c = ontology.concepts[iri]
        for n in (c.label, *c.synonyms):
            for f in surface_forms(n):
                name_to_concept.setdefault(f.lower(), iri)

    phrase_count: Counter[str] = Counter()
    phrase_example: dict[str, _Sent] = {}
    abbr_count: Counter[str] = Counter()
    abbr_long: dict[str, Counter[str]] = defaultdict(Counter)
    abbr_example: dict[str, _Sent] = {}
    verb_count: Counter[tuple[str, str, str]] = Counter()
    verb_example: dict[tuple[str, str, str], tuple[_Sent, str, str]] = {}

    sentences = list(sentences)
    vocabulary = frozenset(w.lower() for sent in sentences for w in sent.words)
    for sent in sentences:
        words = sent.words
        blocked = [False] * len(words)
        for k in sent.triggered:
            blocked[k] = True
        # -- terms
        for s, e in candidate_phrases(words, blocked, stop, [(m[0], m[1]) for m in sent.mentions]):
            key = singular(" ".join(words[s:e]).lower())
            if key in known:
                continue
            phrase_count[key] += 1
            phrase_example.setdefault(key, sent)
        # -- abbreviations: "long form (SF)"
        for i, w in enumerate(words):
            if w != "(" or i == 0:
                continue
            close = next((j for j in range(i + 2, min(i + 4, len(words))) if words[j] == ")"), None)
            if close is None:
                continue
            short = " ".join(words[i + 1 : close])
            if short in known_abbr:
                continue
            window = " ".join(words[max(0, i - (len(short) + 5)) : i])
            long_form = find_long_form(short, window)
            if long_form is None or long_form.lower() in known:
                continue
            key = short[:-1] if short.endswith("s") and short[:-1].isupper() and len(short) > 2 else short
            abbr_count[key] += 1
            abbr_long[key][singular(long_form.lower())] += 1
            abbr_example.setdefault(key, sent)
        # -- verbs between two mentions that no trigger covers
        for (s1, e1, c1), (s2, e2, c2) in zip(sent.mentions, sent.mentions[1:]):
            gap = list(range(e1, s2))
            if not 1 <= len(gap) <= 4 or c1 == c2 or any(k in sent.triggered for k in gap):
                continue
            if any(not _WORD.match(words[k]) or words[k].lower() in _CLAUSE_WORDS for k in gap):
                continue  # punctuation, coordination or a new clause: the two mentions are not linked by a verb
            for n, k in enumerate(gap):
                word = words[k].lower()
                if word in stop:
                    continue
                base = verb_base(word, vocabulary)
                nxt = words[gap[n + 1]].lower() if n + 1 < len(gap) else ""
                after_modal = n > 0 and words[gap[n - 1]].lower() in _MODALS
                # a word not inflected may still be a verb in the base form ("cells colonise the tendon")
                bare = nxt in _PREPOSITIONS or nxt in _DETERMINERS or n == len(gap) - 1
                if base is None and not (after_modal or bare) or word.endswith(_NOUN_ENDINGS) or word.endswith(_ADJECTIVE_ENDINGS):
                    break
                base = base or word
                phrase = f"{base} {nxt}" if nxt in _PREPOSITIONS else base
                key = (phrase, c1, c2)
                verb_count[key] += 1
                verb_example.setdefault(key, (sent, words[k], c1))
                break

    verb_words = {singular(w) for (phrase, _, _), (_, w, _) in ((k, verb_example[k]) for k in verb_count)} | {
        k[0].split()[0] for k in verb_count
    }
    verb_words = {w.lower() for w in verb_words}
    found_abbreviations = {a.lower() for a in abbr_count} | {a.lower() + "s" for a in abbr_count}
    for term in list(phrase_count):
        words_of = term.split()
        if any(w in verb_words for w in words_of) or (len(words_of) == 1 and term in found_abbreviations):
            del phrase_count[term]
    terms = _rank_terms(phrase_count, min_count)[: max(limit, 0)]
    term_suggestions = tuple(
        Suggestion(
            "term", text, phrase_count[text], round(score, 2), phrase_example[text].text, phrase_example[text].source,
            "", _add_command(text, _parent_label(ontology, _head_concept(ontology, text, name_to_concept))),
        )
        for text, score in terms
    )
    abbreviations = sorted(abbr_count, key=lambda k: (-abbr_count[k], k))[: max(limit, 0)]
    abbr_suggestions = []
    for short in abbreviations:
        long_form = sorted(abbr_long[short].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        parent = _head_concept(ontology, long_form, name_to_concept) or name_to_concept.get(long_form.split()[-1])
        abbr_suggestions.append(
            Suggestion(
                "abbreviation", short, abbr_count[short], float(abbr_count[short]), abbr_example[short].text,
                abbr_example[short].source, long_form, _add_command(long_form, _parent_label(ontology, parent), short),
            )
        )
    by_phrase: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for (phrase, c1, c2), n in verb_count.items():
        by_phrase[phrase][(c1, c2)] += n
    verb_suggestions = []
    for phrase in sorted(by_phrase, key=lambda p: (-sum(by_phrase[p].values()), p)):
        pairs = sorted(by_phrase[phrase].items(), key=lambda kv: (-kv[1], kv[0]))
        (c1, c2), _ = pairs[0]
        sent = verb_example[(phrase, c1, c2)][0]
        detail = "; ".join(f"{ontology.label(a)} -> {ontology.label(b)}" for (a, b), _ in pairs[:3])
        command, fitting = _relation_command(ontology, phrase, c1, c2)
        if fitting:
            detail += f"; existing types that fit: {', '.join(fitting[:3])}"
        verb_suggestions.append(
            Suggestion("verb", phrase, sum(by_phrase[phrase].values()), float(sum(by_phrase[phrase].values())), sent.text, sent.source, detail, command)
        )
    return SuggestReport(documents, term_suggestions, tuple(abbr_suggestions), tuple(verb_suggestions[: max(limit, 0)]), skipped)


def _parent_label(ontology: Ontology, iri: str | None) -> str | None:
    return ontology.label(iri) if iri else None


def _rank_terms(counts: Counter[str], min_count: int) -> list[tuple[str, float]]:
    """C-value ranking: longer phrases score more; a phrase seen only inside longer ones scores less."""
    containers: dict[str, list[str]] = defaultdict(list)
    by_words = {t: t.split() for t in counts}
    for longer, lw in by_words.items():
        for n in range(1, len(lw)):
            for i in range(len(lw) - n + 1):
                sub = " ".join(lw[i : i + n])
                if sub in counts:
                    containers[sub].append(longer)
    scored = []
    for term, freq in counts.items():
        if freq < min_count:
            continue
        nested = containers.get(term, [])
        value = freq - (sum(counts[c] for c in nested) / len(nested) if nested else 0)
        score = math.log2(len(by_words[term]) + 1) * value
        if score > 0:
            scored.append((term, score))
    return sorted(scored, key=lambda ts: (-ts[1], ts[0]))


def _relation_command(ontology: Ontology, phrase: str, subject: str, obj: str) -> tuple[str, list[str]]:
    """A command for a new relation type (domain and range: the two concepts' categories), and the existing types that fit."""
    fitting = [
        r.label
        for r in sorted(ontology.relations.values(), key=lambda r: r.label)
        if r.domain and r.range and ontology.fits(subject, r.domain) and ontology.fits(obj, r.range)
    ]
    words = phrase.split()
    label = " ".join([_third_person(words[0]), *words[1:]])
    parts = ["kg", "ontology", "add-relation", label, "--trigger", phrase]
    for option, concept in (("--domain", subject), ("--range", obj)):
        category = ontology.category(concept)
        if category:
            parts += [option, ontology.label(category)]
    return shlex.join(parts), fitting


def _third_person(verb: str) -> str:
    forms = [f.text for f in verb_forms(verb) if f.form == "s"]
    return forms[0] if forms else verb
