"""spaCy pipeline: sentence splitting and concept/trigger matching components.

The components are thin: they tokenize what :mod:`kg.lexicon` generated into
matchers and store what they find as plain data on the Doc
(``doc._.kg_mentions``, ``doc._.kg_triggers``), so the results survive
``nlp.pipe(n_process=...)``.  Relation logic lives in :mod:`kg.relations`.

Default pipeline: spaCy's blank English plus these components; no trained
model needed.  With ``model="en_core_web_sm"`` (or any installed pipeline) the
same components are added after the model's own; its sentence boundaries are
kept unless they split inside a heading or paragraph break.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER, ORTH, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .errors import PipelineError
from .lexicon import Term, TriggerForm, concept_terms, trigger_forms
from .namespaces import KG
from .ontology import Ontology

for _name in ("kg_mentions", "kg_triggers", "kg_abbreviations"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

# Tokens ending in "." that do not end a sentence (when the tokenizer kept the dot).
NON_FINAL = frozenset(
    {
        "fig", "figs", "e.g", "i.e", "al", "vs", "dr", "mr", "mrs", "ms", "prof", "approx", "ca",
        "no", "nos", "vol", "ref", "refs", "eq", "st", "inc", "ltd", "co", "etc", "resp", "cf",
        "min", "max", "sec", "incl", "dept", "univ", "jan", "feb", "mar", "apr", "jun", "jul",
        "aug", "sep", "sept", "oct", "nov", "dec",
    }
)
_FINAL_PUNCT = frozenset({".", "!", "?", "…"})
_OPENERS = frozenset({'"', "“", "‘", "'", "(", "["})


# ---------------------------------------------------------------------------
# Sentence boundaries
# ---------------------------------------------------------------------------


def sentence_starts(words: Sequence[str]) -> list[bool]:
    """Decide where sentences start, from token texts alone.

    A line break always ends a sentence (headings are sentences of their own);
    otherwise a sentence ends at ``.``/``!``/``?`` followed by a token that
    starts with a capital letter, a digit or an opening quote, unless the
    token before the dot is a known abbreviation ("Fig.", "et al.", "e.g.").
    """
    candidates = [i for i, w in enumerate(words) if w in _FINAL_PUNCT or ("\n" in w and not w.strip())]
    return _starts(len(words), words.__getitem__, candidates)


def _starts(n: int, text_at: Callable[[int], str], candidates: Sequence[int]) -> list[bool]:
    """The boundary rule, applied only at candidate tokens (final punctuation or line breaks).

    Looking at candidates only keeps the cost proportional to sentences, not tokens.
    """
    starts = [False] * n
    if n:
        starts[0] = True
    for i in candidates:
        word = text_at(i)
        j = i + 1
        while j < n and not text_at(j).strip():
            j += 1
        if j >= n:
            continue
        if "\n" in word and not word.strip():
            starts[j] = True
            continue
        k = i - 1
        while k >= 0 and not text_at(k).strip():
            k -= 1
        before = text_at(k).lower().rstrip(".") if k >= 0 else ""
        if before in NON_FINAL:
            continue
        nxt = text_at(j)
        if nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in _OPENERS:
            starts[j] = True
    return starts


@Language.factory("kg_sentences", assigns=["token.is_sent_start"])
def make_sentences(nlp: Language, name: str) -> SentenceSplitter:
    return SentenceSplitter()


class SentenceSplitter:
    """Sets sentence starts with :func:`sentence_starts`, unless a trained parser already did."""

    def __init__(self) -> None:
        self.keep_existing = False  # set by build_nlp when the pipeline has a parser or senter

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc) or self.keep_existing:
            return doc
        # only final punctuation and line breaks can end a sentence: find them with numpy
        arr = doc.to_array([ORTH, IS_SPACE])
        strings = doc.vocab.strings
        orth = arr[:, 0].tolist()

        def text_at(i: int) -> str:  # a token's text from the string store: no Token object made
            return strings[orth[i]]

        final = numpy.isin(arr[:, 0], [strings.add(p) for p in _FINAL_PUNCT])
        candidates = numpy.flatnonzero(final | (arr[:, 1] == 1)).tolist()
        candidates = [i for i in candidates if final[i] or "\n" in text_at(i)]
        flags = _starts(len(doc), text_at, candidates)
        values = numpy.where(numpy.array(flags, dtype=bool), numpy.int32(1), numpy.int32(-1))
        doc.from_array([SENT_START], values.reshape(-1, 1).astype("uint64"))
        return doc


# ---------------------------------------------------------------------------
# Concepts and triggers
# ---------------------------------------------------------------------------


@Language.factory(
    "kg_concepts",
    assigns=["doc._.kg_mentions", "doc._.kg_triggers", "doc._.kg_abbreviations"],
)
def make_concepts(nlp: Language, name: str) -> ConceptMatcher:
    return ConceptMatcher(nlp)


class ConceptMatcher:
    """Finds concept mentions, abbreviations defined in the text, and trigger words.

    Results on the Doc, all plain lists so they serialise:

    - ``doc._.kg_mentions``: ``[start, end, concept_iri, flag]`` token spans,
      ``flag`` is ``""``, ``"definition"`` (the short form inside its own
      definition) or ``"local"`` (found through an abbreviation the document defined);
    - ``doc._.kg_triggers``: ``[start, end, trigger_index]`` (index into ``self.triggers``);
    - ``doc._.kg_abbreviations``: ``[short_form, concept_iri]`` defined in this document.
    """

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.terms: tuple[Term, ...] = ()
        self.triggers: tuple[TriggerForm, ...] = ()
        self._lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._trig = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._gaps = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._gap_heads: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._trigger_ids: dict[str, list[int]] = {}
        self._preferred: dict[tuple[str, str], bool] = {}
        self._roots: frozenset[str] = frozenset()

    def initialize_from(self, ontology: Ontology) -> None:
        """Index the ontology's terms and triggers (called once per pipeline)."""
        self.terms = concept_terms(ontology)
        self.triggers = trigger_forms(ontology)
        self._roots = frozenset((*ontology.categories, str(KG.Entity)))
        by_concept: dict[tuple[str, bool], list[str]] = {}
        for term in self.terms:
            by_concept.setdefault((term.concept, term.case_sensitive), []).append(term.text)
            if term.preferred:
                self._preferred[(term.text, term.concept)] = True
        make = self.nlp.make_doc
        for (concept, exact), texts in sorted(by_concept.items()):
            matcher = self._exact if exact else self._lower
            matcher.add(concept, [make(t) for t in sorted(set(texts))])
        for i, form in enumerate(self.triggers):
            self._trigger_ids.setdefault(form.text, []).append(i)
        for text in sorted(self._trigger_ids):
            if " * " in f" {text} ":
                # "have * part": match the tail with the phrase matcher, then look back for the head
                head, _, tail = text.partition("*")
                head_words = tuple(t.lower_ for t in make(head.strip()))
                self._gap_heads.setdefault(tail.strip(), []).append((head_words, text))
            else:
                self._trig.add(text, [make(text)])
        for tail in sorted(self._gap_heads):
            self._gaps.add(tail, [make(tail)])

    # -- component --------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        mentions = self._match_concepts(doc)
        mentions, abbreviations = self._local_abbreviations(doc, mentions)
        doc._.kg_mentions = [[m[0], m[1], m[2], m[3]] for m in sorted(mentions)]
        doc._.kg_abbreviations = [[sf, c] for sf, c in sorted(abbreviations.items())]
        doc._.kg_triggers = self._match_triggers(doc)
        return doc

    def _match_concepts(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        strings = self.nlp.vocab.strings
        found: dict[tuple[int, int], list[str]] = {}
        for matcher in (self._lower, self._exact):
            for match_id, start, end in matcher(doc):
                found.setdefault((start, end), []).append(strings[match_id])
        # longest match first, then leftmost; a token belongs to one mention at most
        # (spaCy's filter_spans does the same on Span objects, which cost more to make)
        kept: list[tuple[int, int, str, str]] = []
        taken = bytearray(len(doc))  # 1 where a token belongs to a kept mention
        for _, start, end in sorted((start - end, start, end) for start, end in found):
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            concepts = found[(start, end)]
            names = concepts if len(concepts) == 1 else sorted(set(concepts))
            concept = names[0] if len(names) == 1 else self._choose(doc[start:end].text.lower(), names)
            kept.append((start, end, concept, ""))
        return sorted(kept)

    def _choose(self, text: str, concepts: list[str]) -> str:
        """Pick one concept for a surface form claimed by several: its label wins, then the most specific."""
        if len(concepts) == 1:
            return concepts[0]
        preferred = [c for c in concepts if self._preferred.get((text, c))]
        if len(preferred) == 1:
            return preferred[0]
        specific = [c for c in concepts if c not in self._roots]
        return (specific or concepts)[0]

    def _local_abbreviations(
        self, doc: Doc, mentions: list[tuple[int, int, str, str]]
    ) -> tuple[list[tuple[int, int, str, str]], dict[str, str]]:
        """Short forms defined as "Long Form (SF)" name the long form's concept in this document."""
        by_end = {m[1]: m for m in mentions}
        by_start = {m[0]: m for m in mentions}
        defined: dict[str, str] = {}
        definition_spans: set[tuple[int, int]] = set()
        n = len(doc)
        orth = doc.to_array([ORTH])
        opening = numpy.flatnonzero(orth == doc.vocab.strings.add("(")).tolist()
        for i in opening:
            if i == 0:
                continue
            close = next((j for j in range(i + 1, min(i + 4, n)) if doc[j].text == ")"), None)
            if close is None or close == i + 1:
                continue
            short = doc[i + 1 : close].text
            long_mention = by_end.get(i)
            inner = by_start.get(i + 1)
            if long_mention is not None and inner is not None and inner[1] == close and inner[2] == long_mention[2]:
                # "interleukin-1 beta (IL-1β)": the ontology already knows both names
                definition_spans.add((i + 1, close))
                continue
            if long_mention is None:
                continue
            # the long form may start a word or two before the matched concept ("mesenchymal precursor cells")
            if not any(
                _is_short_form(short, doc[max(0, long_mention[0] - extra) : long_mention[1]].text)
                for extra in (0, 1, 2)
            ):
                continue
            concept = long_mention[2]
            for variant in _short_form_variants(short):
                defined.setdefault(variant, concept)
            definition_spans.add((i + 1, close))
        if not defined and not definition_spans:
            return mentions, defined
        covered = [False] * n
        for m in mentions:
            for k in range(m[0], m[1]):
                covered[k] = True
        out = []
        for m in mentions:
            flag = "definition" if (m[0], m[1]) in definition_spans else m[3]
            out.append((m[0], m[1], m[2], flag))
        wanted = [doc.vocab.strings.add(sf) for sf in defined]
        for i in numpy.flatnonzero(numpy.isin(orth, wanted)).tolist():
            text = doc[i].text
            if not covered[i] and text in defined:
                flag = "definition" if (i, i + 1) in definition_spans else "local"
                out.append((i, i + 1, defined[text], flag))
        return out, defined

    def _match_triggers(self, doc: Doc) -> list[list[int]]:
        strings = self.nlp.vocab.strings
        hits: set[tuple[int, int, int]] = set()
        for match_id, start, end in self._trig(doc):
            for idx in self._trigger_ids.get(strings[match_id], ()):
                hits.add((start, end, idx))
        gap_matches = self._gaps(doc)
        if gap_matches:
            arr = doc.to_array([LOWER, IS_PUNCT])
            lowers = _Lowers(strings, arr[:, 0].tolist())
            punct = arr[:, 1].tolist()
        for match_id, start, end in gap_matches:
            for head, text in self._gap_heads[strings[match_id]]:
                begin = _head_before(lowers, punct, start, head, GAP_WORDS)
                if begin is not None:
                    for idx in self._trigger_ids[text]:
                        hits.add((begin, end, idx))
        return [[s, e, i] for s, e, i in sorted(hits)]


GAP_WORDS = 4  # how many words a "*" in a trigger may stand for


class _Lowers:
    """A Doc's lower-cased token texts, looked up in the string store only where sliced."""

    def __init__(self, strings, hashes: list[int]) -> None:
        self._strings = strings
        self._hashes = hashes

    def __getitem__(self, k: slice) -> list[str]:
        return [self._strings[h] for h in self._hashes[k]]


def _head_before(
    lowers: Sequence[str] | _Lowers, punct: Sequence[int], tail_start: int, head: tuple[str, ...], gap: int
) -> int | None:
    """Where ``head`` starts, at most ``gap`` words (no punctuation) before ``tail_start``.

    ``lowers`` and ``punct`` are the Doc's lower-cased token texts and ``is_punct`` flags.
    """
    n = len(head)
    for skipped in range(0, gap + 1):
        begin = tail_start - skipped - n
        if begin < 0:
            return None
        if skipped and punct[tail_start - skipped]:
            return None
        if tuple(lowers[begin : begin + n]) == head:
            return begin
    return None


def _is_short_form(short: str, long: str) -> bool:
    """Schwartz & Hearst's test: the short form's letters occur in order in the long form.

    The first character must start a word of the long form.
    """
    sf = short.strip()
    if not (2 <= len(sf) <= 12) or not any(c.isalpha() for c in sf) or not sf[0].isalnum():
        return False
    if len(sf.split()) > 2 or len(sf) >= len(long):
        return False
    chars = [c.lower() for c in sf if c.isalnum()]
    if chars and chars[-1] == "s" and long.lower().endswith("s"):
        chars = chars[:-1]
    lf = long.lower()
    pos = len(lf)
    for k in range(len(chars) - 1, -1, -1):
        c = chars[k]
        pos = lf.rfind(c, 0, pos)
        while k == 0 and pos > 0 and lf[pos - 1].isalnum():
            pos = lf.rfind(c, 0, pos)
        if pos < 0:
            return False
    return True


def _short_form_variants(short: str) -> list[str]:
    """"MSCs" -> ["MSCs", "MSC"]; "MSC" -> ["MSC", "MSCs"]."""
    if short.endswith("s") and len(short) > 2 and short[-2].isupper():
        return [short, short[:-1]]
    return [short, short + "s"]


# ---------------------------------------------------------------------------
# Building the pipeline
# ---------------------------------------------------------------------------


def build_nlp(ontology: Ontology, model: str | None = None) -> Language:
    """The kg pipeline: blank English (or an installed ``model``) plus kg's components."""
    if model:
        try:
            nlp = spacy.load(model)
        except OSError as exc:
            raise PipelineError(
                f"spaCy pipeline {model!r} is not installed ({exc}). "
                "Leave --model out to use kg's default pipeline, which needs no trained model."
            ) from None
    else:
        nlp = spacy.blank("en")
    splitter: SentenceSplitter = nlp.add_pipe("kg_sentences", last=True)
    splitter.keep_existing = any(name in nlp.pipe_names for name in ("parser", "senter"))
    matcher: ConceptMatcher = nlp.add_pipe("kg_concepts", last=True)
    matcher.initialize_from(ontology)
    return nlp
