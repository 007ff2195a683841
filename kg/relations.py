"""Read relations out of a matched document.

Input: the tokens, sentences, concept mentions and trigger matches that the
spaCy components found (:mod:`kg.nlp`), and the ontology.  Output: one
:class:`~kg.records.Relation` per reading, each with its evidence.

The approach is shallow and rule based, so it needs no trained parser:

* a trigger (a verb, a phrase, a topic noun; all from the ontology) is
  anchored in a sentence;
* its object is the first mention to its right that the relation's range
  accepts, widened over coordination ("A, B, and C") and narrowed to the
  examples a generic word introduces ("substances like IL-1β and TNF-α");
* its subject is the nearest mention to its left that the relation's domain
  accepts, or, when the clause has none, the subject the clause inherits: the
  antecedent of a relative pronoun, the main subject for a participle clause
  (", causing …", "When injected into …, MSCs …"), the previous sentence's
  subject for "They"/"These cells", the document's main intervention for
  "adverse events such as …";
* passive voice with an agent ("secreted by") swaps the roles;
* hedging and negation cues between the arguments set the modality;
* "By reducing X, S interrupts Y" adds the chained claim X → Y with the sign
  of both verbs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import add

from .lexicon import BE_FORMS, TriggerForm
from .namespaces import KG
from .ontology import Ontology
from .records import Evidence, Modality, Relation, Span

# Closed-class words the rules need.  Grammar, not domain knowledge.
PRONOUNS = frozenset({"they", "it", "them", "these", "this", "those", "both"})
DEMONSTRATIVES = frozenset({"this", "these", "those", "such", "that"})
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "these", "those", "his", "her", "our", "such"})
RELATIVES = frozenset({"which", "who", "whom", "whose", "that"})
SUBORDINATORS = frozenset(
    {"when", "while", "although", "though", "because", "since", "whereas", "if", "unless", "where",
     "whether", "after", "before", "once", "meaning", "so", "but", "yet"}
)
FRONTING = frozenset(
    {"when", "while", "although", "though", "because", "since", "whereas", "if", "unless", "after",
     "before", "once", "by", "despite", "as", "in", "to", "for", "with", "without", "following", "upon"}
)
COORDINATORS = frozenset({",", "and", "or", "and/or", "as", "well", "plus", "&"})
HARD_STOPS = frozenset({";", ":", ".", "!", "?", "(", ")", "[", "]", "—", "–"})
GENERIC_EVENT_HEADS = frozenset(
    {"process", "release", "reduction", "effect", "mechanism", "approach", "treatment", "procedure",
     "therapy", "intervention", "technique", "method", "strategy", "change", "increase", "decrease",
     "loss", "production", "secretion", "activity", "action", "response", "product", "products"}
)
ADVERBS = frozenset(
    {"often", "also", "then", "thus", "thereby", "typically", "usually", "primarily", "mainly", "frequently",
     "commonly", "still", "further", "not", "directly", "subsequently", "eventually", "ultimately", "in", "turn"}
)
MODALS = frozenset({"may", "might", "can", "could", "will", "would", "should", "must", "does", "do", "did", "also", "not"})
ADJECTIVE_CONTEXT = frozenset({"upon", "on", "in", "into", "onto", "with", "within", "between", "at", "from"})
PREPOSITIONS = frozenset({"with", "of", "in", "to", "at", "by", "from", "on", "into", "for", "among", "between"})
# unions and differences the rules test against, made once
_DEFINITE = DETERMINERS - {"a", "an"}
_ANAPHORS = PRONOUNS | DEMONSTRATIVES
_ADVERBS_OR_MODALS = ADVERBS | MODALS
_DEMONSTRATIVES_OR_THE = DEMONSTRATIVES | {"the"}
_CLAUSE_RELATIVES = RELATIVES - {"that"}
_UNKNOWN = object()  # not in a memo yet
_VERB_KINDS = frozenset({"verb", "inverse_verb"})
_KIND_RANK = {"verb": 0, "inverse_verb": 1, "phrase": 2, "inverse_phrase": 3, "topic": 4}
MAX_OBJECT_GAP = 8
MAX_SUBJECT_DISTANCE = 30

BASE_CONFIDENCE = {
    "verb:active": 0.85,
    "verb:passive": 0.8,
    "verb:participle": 0.7,
    "phrase": 0.75,
    "hyponym": 0.8,
    "topic": 0.6,
    "means-effect": 0.6,
}


@dataclass(frozen=True, slots=True)
class Tok:
    text: str
    lower: str
    idx: int


class TokenTable(Sequence[Tok]):
    """Tokens of one document as parallel lists: texts, lower-cased texts, character offsets.

    The reader works on the lists (``texts``, ``lowers``, ``starts``); indexing
    the table makes a :class:`Tok` record, for callers that want one.  Slicing
    the document text per token costs far less than asking spaCy for Token
    objects, and lists are cheaper to index than records.
    """

    def __init__(
        self, text: str, starts: Sequence[int], lengths: Sequence[int], lowers: Sequence[str | None] | None = None
    ) -> None:
        self.starts: list[int] = list(starts)
        self.texts: list[str] = list(map(text.__getitem__, map(slice, starts, map(add, starts, lengths))))
        if lowers is None:
            self.lowers: list[str] = list(map(str.lower, self.texts))
        else:
            self.lowers = [w.lower() if lw is None else lw for w, lw in zip(self.texts, lowers)]

    @classmethod
    def from_toks(cls, toks: Sequence[Tok]) -> TokenTable:
        table = cls.__new__(cls)
        table.starts = [t.idx for t in toks]
        table.texts = [t.text for t in toks]
        table.lowers = [t.lower for t in toks]
        return table

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        return Tok(self.texts[k], self.lowers[k], self.starts[k])


@dataclass(slots=True)
class Arg:
    """A mention taking part in a relation (possibly resolved from an anaphor)."""

    start: int
    end: int
    concept: str
    text_start: int  # token where the evidence text starts (an anaphor's own start)
    resolved: bool = False
    also: tuple[str, ...] = ()  # further concepts a plural anaphor stands for ("these cytokines")

    def each(self) -> list[Arg]:
        """One argument per concept this mention stands for."""
        if not self.also:
            return [self]
        return [self] + [Arg(self.start, self.end, c, self.text_start, True) for c in self.also]


@dataclass(frozen=True, slots=True)
class Trig:
    start: int
    end: int
    forms: tuple[TriggerForm, ...]
    kind: str = field(init=False, compare=False)  # the first form's, read often enough to keep
    form: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", self.forms[0].kind)
        object.__setattr__(self, "form", self.forms[0].form)


@dataclass
class DocState:
    """What the reader remembers across sentences of one document."""

    salient: list[list[Arg]] = field(default_factory=list)  # per sentence: main subject first, then the rest
    recent: list[tuple[int, Arg]] = field(default_factory=list)  # (sentence, mention)
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One relation read from a sentence, before it becomes a Relation record."""

    subject: Arg
    predicate: str
    object: Arg
    trigger: Trig | None
    rule: str
    scope: tuple[int, int]
    confidence: float


class RelationReader:
    """Extracts relations from one document at a time; built once per ontology."""

    def __init__(self, ontology: Ontology, triggers: Sequence[TriggerForm]) -> None:
        self.ont = ontology
        self.triggers = tuple(triggers)
        self.roots = frozenset((*ontology.categories, str(KG.Entity)))
        self.hedges = _cue_index(ontology.hedge_cues)
        self.negations = _cue_index(ontology.negation_cues)
        self.naming = tuple(tuple(c.split()) for c in ontology.naming_cues)
        self._naming_first = frozenset(c[0] for c in self.naming if c)
        self.polar = {iri: r.polarity for iri, r in ontology.relations.items() if r.polarity}
        self.is_a = str(KG.is_a)
        self._intervention = str(KG.Intervention)
        # the ontology does not change while it is read with: remember its answers
        self._is_a_memo: dict[tuple[str, str], bool] = {}
        self._fits_memo: dict[tuple[str, Sequence[str]], bool] = {}
        self._category_memo: dict[str, str | None] = {}
        self._label_head_memo: dict[str, str | None] = {}
        self._narrower_index: dict[str, frozenset[str]] | None = None
        self._best_forms_memo: dict[tuple[int, ...], tuple[TriggerForm, ...]] = {}
        self._signature_memo: dict = {}

    # -- ontology lookups, memoised ---------------------------------------
    def _isa(self, iri: str, ancestor: str) -> bool:
        key = (iri, ancestor)
        found = self._is_a_memo.get(key)
        if found is None:
            found = self._is_a_memo[key] = self.ont.is_a(iri, ancestor)
        return found

    def _fits(self, iri: str, classes: Sequence[str]) -> bool:
        if not classes:
            return True
        key = (iri, classes)
        try:
            found = self._fits_memo.get(key)
        except TypeError:  # classes given as a list
            return self.ont.fits(iri, classes)
        if found is None:
            found = self._fits_memo[key] = self.ont.fits(iri, classes)
        return found

    def _category(self, iri: str) -> str | None:
        try:
            return self._category_memo[iri]
        except KeyError:
            found = self._category_memo[iri] = self.ont.category(iri)
            return found

    def _best_forms(self, indices: tuple[int, ...]) -> tuple[TriggerForm, ...]:
        """One kind per span: prefer verb readings, then phrases, then topic nouns; by relation."""
        found = self._best_forms_memo.get(indices)
        if found is None:
            forms = [self.triggers[i] for i in indices]
            rank = _KIND_RANK
            best = min(rank[f.kind] for f in forms)
            found = tuple(sorted((f for f in forms if rank[f.kind] == best), key=lambda f: f.relation))
            self._best_forms_memo[indices] = found
        return found

    def _signature(self, forms: tuple[TriggerForm, ...], inverse: bool):
        """What a predicate's forms allow: relation types, whether the phrase is tight, domain, range,
        and a memo of the relation chosen for each pair of concepts."""
        key = (forms, inverse)
        found = self._signature_memo.get(key)
        if found is None:
            rels = [self.ont.relations[f.relation] for f in forms]
            tight = forms[0].kind in ("phrase", "inverse_phrase") and _is_function_phrase(forms[0].text)
            all_domain = tuple(sorted({c for r in rels for c in (r.range if inverse else r.domain)})) if all(
                (r.range if inverse else r.domain) for r in rels) else ()
            all_range = tuple(sorted({c for r in rels for c in (r.domain if inverse else r.range)})) if all(
                (r.domain if inverse else r.range) for r in rels) else ()
            choices: dict[tuple[str, str], str | None] = {}  # (subject, object) concepts -> relation
            found = self._signature_memo[key] = (rels, tight, all_domain, all_range, choices)
        return found

    def _index_narrower(self) -> dict[str, frozenset[str]]:
        """For each concept, its subclasses (``is_a`` it, other than itself)."""
        index: dict[str, set[str]] = {}
        for concept, ancestors in self.ont.ancestors.items():
            for ancestor in ancestors:
                if ancestor != concept:
                    index.setdefault(ancestor, set()).add(concept)
        self._narrower_index = {k: frozenset(v) for k, v in index.items()}
        return self._narrower_index

    def _label_head(self, iri: str) -> str | None:
        """The last word of a concept's label, lower-cased ("growth factor" -> "factor")."""
        try:
            return self._label_head_memo[iri]
        except KeyError:
            words = self.ont.label(iri).lower().split()
            found = self._label_head_memo[iri] = words[-1] if words else None
            return found

    # ------------------------------------------------------------------
    def read(
        self,
        doc_id: str,
        source: str,
        text: str,
        tokens: Sequence[Tok] | TokenTable,
        sentences: Sequence[tuple[int, int]],
        mentions: Sequence[tuple[int, int, str, str]],
        triggers: Sequence[tuple[int, int, int]],
    ) -> list[Relation]:
        return relations_from_rows(doc_id, source, text, self.read_rows(text, tokens, sentences, mentions, triggers))

    def read_rows(
        self,
        text: str,
        tokens: Sequence[Tok] | TokenTable,
        sentences: Sequence[tuple[int, int]],
        mentions: Sequence[tuple[int, int, str, str]],
        triggers: Sequence[tuple[int, int, int]],
    ) -> list[RelationRow]:
        """What :meth:`read` finds, as plain tuples (see :data:`RelationRow`): cheap to make and to send between processes."""
        table = tokens if isinstance(tokens, TokenTable) else TokenTable.from_toks(tokens)
        self._text, self._lower, self._idx = table.texts, table.lowers, table.starts
        txt, idx = self._text, self._idx
        args = self._prepare_mentions(table, mentions)
        trig_by_sent = self._group_triggers(triggers, sentences)
        state = DocState(topic=self._topic(args))
        out: list[RelationRow] = []
        by_sentence: dict[int, list[Arg]] = {}
        starts = [s0 for s0, _ in sentences]
        for a in args:
            by_sentence.setdefault(bisect_right(starts, a.start) - 1, []).append(a)
        for si, (s0, s1) in enumerate(sentences):
            sent_args = [a for a in by_sentence.get(si, ()) if s0 <= a.start < s1]
            sent_args = self._resolve_definites(sent_args, state, si)
            readings = self._read_sentence(si, s0, s1, sent_args, trig_by_sent.get(si, []), state)
            if readings:
                sent_start = idx[s0]
                sent_end = sent_start + len(text[sent_start : idx[s1 - 1] + len(txt[s1 - 1])].rstrip())
                for r in readings:
                    out.append(self._row(si, sent_start, sent_end, r))
            recent = state.recent
            recent.extend([(si, a) for a in sent_args])
            for r in readings:  # what a pronoun stood for is a mention too
                for a in (r.subject, r.object):
                    if a.resolved:
                        recent.append((si, a))
            # forget mentions more than five sentences back: in sentence order, they are at the front
            old = 0
            while old < len(recent) and recent[old][0] < si - 5:
                old += 1
            del recent[:old]
        return out

    # ------------------------------------------------------------------
    # mentions
    # ------------------------------------------------------------------
    def _prepare_mentions(self, tokens: TokenTable, mentions) -> list[Arg]:
        """Drop short forms inside their definition; fold "proteins called proteoglycans" into one."""
        kept = [Arg(s, e, c, s) for s, e, c, flag in mentions if flag != "definition"]
        kept.sort(key=lambda a: a.start)
        out: list[Arg] = []
        i = 0
        while i < len(kept):
            a = kept[i]
            if i + 1 < len(kept) and kept[i + 1].start - a.end <= 5:
                b = kept[i + 1]
                gap = [w for w in tokens.lowers[a.end : b.start] if w not in DETERMINERS]
                if tuple(gap) in self.naming:
                    out.append(Arg(b.start, b.end, b.concept, a.start))
                    i += 2
                    continue
            out.append(a)
            i += 1
        return out

    def _generic(self, concept: str) -> bool:
        return concept in self.roots

    def _resolve_definites(self, args: list[Arg], state: DocState, si: int) -> list[Arg]:
        """"the stem cells" after "mesenchymal stem cells": the more specific concept, recently named."""
        out = []
        low = self._lower
        narrower_of = self._narrower_index if self._narrower_index is not None else self._index_narrower()
        for a in args:
            narrower = narrower_of.get(a.concept)
            if not narrower:  # nothing more specific to resolve to
                out.append(a)
                continue
            prev = low[a.start - 1] if a.start > 0 else ""
            prev2 = low[a.start - 2] if a.start > 1 else ""
            definite = prev in _DEFINITE or prev2 in _DEFINITE
            # a bare plural ("stem cells") right after its hyponym ("MSCs") usually means the same cells
            bare_plural = not definite and low[a.end - 1].endswith("s") and not self._generic(a.concept)
            if definite or bare_plural:
                horizon = si - (2 if bare_plural else 5)
                plural = prev in ("these", "those") or prev2 in ("these", "those") or bare_plural
                found: list[str] = []
                found_in: int | None = None
                last_found: Arg | None = None
                for k, cand in reversed(state.recent):
                    if k < horizon or (found_in is not None and k != found_in):
                        break
                    if cand.concept in narrower:
                        if found and not self._coordinated(cand, last_found):
                            break
                        if cand.concept not in found:
                            found.append(cand.concept)
                        found_in, last_found = k, cand
                        if not plural:
                            break
                if found:
                    # "these cytokines" after "IL-1β, TNF-α and IL-6": all of them, in text order
                    found.reverse()
                    a = Arg(a.start, a.end, found[0], a.text_start, resolved=True, also=tuple(found[1:]))
            out.append(a)
        return out

    def _coordinated(self, first: Arg, second: Arg | None) -> bool:
        """True when only commas, conjunctions or a parenthesis separate two mentions."""
        if second is None or first.end > second.text_start:
            return False
        depth = 0
        for w, lw in zip(self._text[first.end : second.text_start], self._lower[first.end : second.text_start]):
            if w == "(":
                depth += 1
            elif w == ")":
                depth -= 1
            elif depth == 0 and lw not in COORDINATORS:
                return False
        return True

    def _topic(self, args: list[Arg]) -> str | None:
        """The document's main intervention: the one mentioned most (first on ties)."""
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for a in args:
            if not self._generic(a.concept) and self._isa(a.concept, self._intervention):
                counts[a.concept] += 1
                first.setdefault(a.concept, a.start)
        if not counts:
            return None
        return min(counts, key=lambda c: (-counts[c], first[c]))

    # ------------------------------------------------------------------
    # triggers
    # ------------------------------------------------------------------
    def _group_triggers(self, triggers, sentences) -> dict[int, list[Trig]]:
        spans: dict[tuple[int, int], list[int]] = {}  # trigger indices by span
        for s, e, i in triggers:
            spans.setdefault((s, e), []).append(i)
        # longest match wins where trigger spans overlap
        ordered = sorted(spans.items(), key=lambda kv: (-(kv[0][1] - kv[0][0]), kv[0][0]))
        taken: set[int] = set()
        chosen: list[Trig] = []
        for (s, e), indices in ordered:
            if (s in taken) if e - s == 1 else any(k in taken for k in range(s, e)):
                continue
            taken.update(range(s, e))
            chosen.append(Trig(s, e, self._best_forms(tuple(indices))))
        chosen.sort(key=lambda t: t.start)
        by_sent: dict[int, list[Trig]] = {}
        si = 0
        for t in chosen:
            while si < len(sentences) and t.start >= sentences[si][1]:
                si += 1
            if si < len(sentences):
                by_sent.setdefault(si, []).append(t)
        return by_sent

    # ------------------------------------------------------------------
    # one sentence
    # ------------------------------------------------------------------
    def _read_sentence(self, si, s0, s1, args: list[Arg], trigs: list[Trig], state: DocState) -> list[Reading]:
        low = self._lower
        mention_at = {a.start: a for a in args}
        covered: dict[int, Arg] = {}
        for a in args:
            if a.end - a.text_start == 1:
                covered[a.text_start] = a
            else:
                covered.update(dict.fromkeys(range(a.text_start, a.end), a))
        if trigs:
            # a trigger word inside a mention is part of a name, not a predicate
            trigs = [
                t for t in trigs
                if not ((t.start in covered) if t.end - t.start == 1 else all(k in covered for k in range(t.start, t.end)))
            ]
            self._trigger_ends = {t.end - 1 for t in trigs if t.kind in _VERB_KINDS}
            trigs = [
                t for t in trigs
                if not (t.kind in _VERB_KINDS and t.end - t.start == 1 and self._adjectival(t, covered))
            ]
        verbs = [t for t in trigs if t.kind in _VERB_KINDS]
        verb_positions = {k for t in verbs for k in range(t.start, t.end)}
        ctx = _Sentence(
            si, s0, s1, args, mention_at, covered, trigs, verb_positions,
            {t.start: t for t in trigs}, {t.end - 1: t for t in verbs},
        )
        main = self._main_subject(ctx, state)
        readings: list[Reading] = []
        for t in trigs:
            if t.kind == "topic":
                readings.extend(self._topic_readings(ctx, t, state))
            elif t.kind == "inverse_phrase" and any(f.relation == self.is_a for f in t.forms):
                readings.extend(self._hyponym_readings(ctx, t, inverse=True))
            else:
                found = self._predicate_readings(ctx, t, main, state)
                readings.extend(found)
                infinitive = t.start > ctx.s0 and low[t.start - 1] == "to"
                if found and t.kind == "verb" and not infinitive:
                    # the grammatical subject: in "X is produced by Y and drives Z" that is X
                    passive = found[0].rule.startswith("verb:passive")
                    ctx.last_subject = found[0].object if passive else found[0].subject
        if readings and low[s0] == "by":
            readings.extend(self._means_effect(ctx, readings))
        # remember the sentence's subject (and its other mentions) for pronouns in the next one
        subj = next((r.subject for r in readings if r.rule != "hyponym"), None) or main
        ranked = ([subj] if subj is not None else []) + [a for a in args if not self._generic(a.concept)]
        if ranked:
            state.salient.append(ranked)
        return _dedupe(readings) if readings else readings

    def _adjectival(self, t: Trig, covered: dict[int, Arg]) -> bool:
        """A trigger word used as a noun or adjective, not as a verb.

        "the underlying cause", "upon surrounding nerves" (participles as adjectives);
        "this local release of molecules" (a verb's base form as a noun).
        """
        if t.kind not in ("verb", "inverse_verb") or t.end - t.start != 1:
            return False
        low = self._lower
        prev = low[t.start - 1] if t.start > 0 else ""
        if t.form in ("gerund", "participle"):
            # "by activated macrophages" (adjective) but "By reducing IL-1β" (a means clause)
            after_by = prev == "by" and t.form == "participle"
            return prev in DETERMINERS or prev in ADJECTIVE_CONTEXT or after_by or (t.start - 1) in self._trigger_ends
        if t.form in ("base", "s"):
            if prev in DETERMINERS:
                return True
            prev2 = low[t.start - 2] if t.start > 1 else ""
            return (
                prev2 in DETERMINERS
                and prev.isalpha()
                and (t.start - 1) not in covered
                and (t.start - 1) not in self._trigger_ends
                and not prev.endswith("ly")
                and prev not in ADVERBS
            )
        return False

    # -- subjects ------------------------------------------------------
    def _main_subject(self, ctx: _Sentence, state: DocState) -> Arg | None:
        """The subject of the sentence's main clause (after a fronted clause, if any)."""
        low, txt = self._lower, self._text
        start = ctx.s0
        if low[ctx.s0] in FRONTING:
            comma = _find(txt, ",", ctx.s0, ctx.s1)
            if comma is not None:
                start = comma + 1
        first_verb = next((t.start for t in ctx.trigs if t.kind in ("verb", "inverse_verb") and t.start >= start), ctx.s1)
        if _ANAPHORS.isdisjoint(low[start:first_verb]):
            # no pronoun to resolve: the first specific mention (ctx.args are in text order)
            for a in ctx.args:
                if start <= a.start < first_verb and not self._generic(a.concept):
                    return a
            return None
        for k in range(start, first_verb):
            a = ctx.mention_at.get(k)
            if a is not None and not self._generic(a.concept):
                return a
            if a is None and k not in ctx.covered and low[k] in _ANAPHORS:
                ref = self._anaphor(ctx, k, first_verb, state, ())
                if ref is not None:
                    return ref
        return None

    def _anaphor(self, ctx: _Sentence, k: int, limit: int, state: DocState, domain: Sequence[str]) -> Arg | None:
        """Resolve a pronoun or "these <noun>" at token k to an earlier mention."""
        low = self._lower
        word = low[k]
        head = None
        j = k + 1
        while j < limit and j < ctx.s1 and low[j].isalpha() and low[j] not in ("of", "in", "from") and j not in ctx.verb_positions and j - k <= 4:
            head = low[j]
            j += 1
        if word in DEMONSTRATIVES and head is None and word != "this" and word != "these":
            return None

        def fits(a: Arg) -> bool:
            return not self._generic(a.concept) and self._fits(a.concept, domain)

        if head is not None and word in _DEMONSTRATIVES_OR_THE:
            stem = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
            for _, cand in reversed(state.recent):
                last_word = self._label_head(cand.concept)
                if last_word is not None and last_word in (stem, head) and fits(cand):
                    return self._as_anaphor(cand, k, ctx)
            if stem not in GENERIC_EVENT_HEADS and head not in GENERIC_EVENT_HEADS:
                return None
        # a pronoun (or a generic "this process"): the latest subject that fits
        earlier = [a for a in ctx.args if a.end <= k and fits(a)]
        if earlier and word in ("they", "it", "them"):
            return self._as_anaphor(earlier[0], k, ctx)
        for ranked in reversed(state.salient[-2:]):
            for cand in ranked:
                if fits(cand):
                    return self._as_anaphor(cand, k, ctx)
        for _, cand in reversed(state.recent):
            if fits(cand) and word in ("they", "it", "them", "these", "this"):
                return self._as_anaphor(cand, k, ctx)
        return None

    def _as_anaphor(self, cand: Arg, k: int, ctx: _Sentence) -> Arg:
        end = k + 1
        low = self._lower
        while end < ctx.s1 and low[end].isalpha() and end not in ctx.verb_positions and end - k < 4 and low[end] not in ("of", "in"):
            end += 1
        return Arg(k, end, cand.concept, k, resolved=True)

    def _left(self, ctx: _Sentence, t: Trig, main: Arg | None, state: DocState, domain: Sequence[str]) -> tuple[list[Arg], str]:
        """The subject side of a trigger, and how it was found."""
        low, txt = self._lower, self._text
        # a participle clause after a comma (", causing ...") inherits the main subject
        prev = t.start - 1
        while prev >= ctx.s0 and prev not in ctx.covered and (low[prev].endswith("ly") or low[prev] in ADVERBS):
            prev -= 1
        if t.form in ("gerund", "participle") and prev >= ctx.s0 and txt[prev] == ",":
            fits = main is not None and self._fits(main.concept, domain)
            return ([main] if fits else []), "participle"
        # "TGF-β1 stimulates X and inhibits Y": the second verb shares the first one's subject
        j = t.start - 1
        while j >= ctx.s0 and j not in ctx.covered and (low[j].endswith("ly") or low[j] in _ADVERBS_OR_MODALS):
            j -= 1
        if j >= ctx.s0 and low[j] in ("and", "but", "or") and ctx.last_subject is not None:
            subj = ctx.last_subject
            if not self._generic(subj.concept) and self._fits(subj.concept, domain):
                return [subj], "coordinated-verb"
        k = t.start - 1
        steps = 0
        while k >= ctx.s0 and steps < MAX_SUBJECT_DISTANCE:
            a = ctx.covered.get(k)
            if a is not None:
                agent_of = ctx.trig_end.get(a.text_start - 2) if a.text_start - 1 >= ctx.s0 and low[a.text_start - 1] == "by" else None
                if agent_of is not None and agent_of.form in ("participle", "past") and agent_of is not t:
                    # "TGF-β1 released by MPCs stimulates ...": the agent belongs to the participle
                    k = agent_of.start - 1
                    steps += 1
                    continue
                if not self._generic(a.concept) and self._fits(a.concept, domain):
                    return self._left_group(ctx, a, t), "local"
                k = a.text_start - 1
                steps += 1
                continue
            w = low[k]
            if w == ")":
                opening = next((j for j in range(k - 1, max(ctx.s0, k - 12) - 1, -1) if txt[j] == "("), None)
                if opening is not None:
                    k = opening - 1
                    steps += 1
                    continue
            if w in HARD_STOPS:
                break
            if k in ctx.verb_positions and not (t.start <= k < t.end):
                before = ctx.trig_end.get(k)
                if before is not None and before.form in ("participle", "past") and k + 1 < ctx.s1 and low[k + 1] == "by":
                    k = before.start - 1  # step over "released by"
                    steps += 1
                    continue
                break
            if w in RELATIVES:
                ante = self._antecedent(ctx, k, domain)
                if ante is None:
                    return [], "relative"
                # "TGF-β and IGF-1, which stimulate ...": both; "bulging or herniating, which ...": the last
                group = [g for g in self._left_group_plain(ctx, ante) if not self._generic(g.concept) and self._fits(g.concept, domain)]
                joined = {low[j] for j in range(group[0].end, ante.text_start)} if len(group) > 1 else set()
                return (group if "and" in joined and "or" not in joined else [ante]), "relative"
            if w in PRONOUNS and (k + 1 >= ctx.s1 or low[k + 1] not in ("of",)):
                ref = self._anaphor(ctx, k, t.start, state, domain)
                if ref is not None:
                    return [ref], "anaphora"
            if w.endswith("ing") and self._after_comma(ctx, k):
                return ([main] if main is not None and self._fits(main.concept, domain) else []), "participle"
            if w in SUBORDINATORS or (k == ctx.s0 and w in FRONTING):
                break
            k -= 1
            steps += 1
        # fronted clause ("When injected into X, MSCs ..."): the main subject after the comma
        if low[ctx.s0] in FRONTING and main is not None and main.start > t.start and self._fits(main.concept, domain):
            return [main], "fronted"
        return [], "none"

    def _after_comma(self, ctx: _Sentence, k: int) -> bool:
        """True when token k follows a comma, possibly with adverbs between (", typically involving")."""
        low, txt = self._lower, self._text
        j = k - 1
        while j >= ctx.s0 and j not in ctx.covered and (low[j].endswith("ly") or low[j] in ADVERBS):
            j -= 1
        return j >= ctx.s0 and txt[j] == ","

    def _left_group(self, ctx: _Sentence, a: Arg, t: Trig) -> list[Arg]:
        """"IL-1β and TNF-α drive": coordinated subjects directly before their verb."""
        low = self._lower
        if t.start - a.end > 4 or any(w in HARD_STOPS or w == "," or w in RELATIVES for w in low[a.end : t.start]):
            return [a]
        group = [a]
        cur = a
        while True:
            k = cur.text_start - 1
            seps = []
            while k >= ctx.s0 and k not in ctx.covered and low[k] in COORDINATORS and len(seps) < 3:
                seps.append(low[k])
                k -= 1
            if not seps or k < ctx.s0 or k not in ctx.covered or seps == [","] and not any(
                low[j] in ("and", "or") for j in range(a.end, t.start)
            ):
                break
            prev = ctx.covered[k]
            if self._generic(prev.concept) or "and" not in seps and "or" not in seps and "," not in seps:
                break
            group.insert(0, prev)
            cur = prev
        return group

    def _antecedent(self, ctx: _Sentence, k: int, domain: Sequence[str]) -> Arg | None:
        """The noun a relative pronoun at k refers to: the nearest fitting mention before it."""
        low, txt = self._lower, self._text
        j = k - 1
        while j >= ctx.s0 and k - j <= 8:
            a = ctx.covered.get(j)
            if a is not None:
                if not self._generic(a.concept) and self._fits(a.concept, domain):
                    return a
                return None
            if txt[j] == ")":
                opening = next((i for i in range(j - 1, max(ctx.s0, j - 12) - 1, -1) if txt[i] == "("), None)
                if opening is not None:
                    j = opening - 1
                    continue
            if low[j] in HARD_STOPS:
                return None
            j -= 1
        return None

    # -- objects --------------------------------------------------------
    def _right(self, ctx: _Sentence, start: int, rng: Sequence[str], *, tight: bool = False) -> list[Arg]:
        """The object side: first fitting mention to the right, its coordination, its examples."""
        low, txt = self._lower, self._text
        if start < ctx.s1 and txt[start] == ":":
            found = []
            for a in ctx.args:
                if a.start > start and not self._generic(a.concept) and self._fits(a.concept, rng):
                    found.append(a)
            return found
        k = start
        gap = 0
        limit = 3 if tight else MAX_OBJECT_GAP
        while k < ctx.s1 and gap <= limit:
            a = ctx.mention_at.get(k)
            if a is None:
                a = ctx.covered.get(k)
                if a is not None and a.text_start != k:
                    a = None
            if a is not None:
                if self._generic(a.concept) or not self._fits(a.concept, rng):
                    examples = self._examples_after(ctx, a)
                    if examples:
                        return [e for e in examples if self._fits(e.concept, rng)]
                    if self._generic(a.concept) or tight:
                        k = a.end
                        gap += 1
                        continue
                    k = a.end
                    gap += 1
                    continue
                group = self._right_group(ctx, a)
                out: list[Arg] = []
                for g in group:
                    examples = self._examples_after(ctx, g)
                    if examples and (self._generic(g.concept) or True):
                        out.extend(e for e in examples if self._fits(e.concept, rng))
                    elif not self._generic(g.concept) and self._fits(g.concept, rng):
                        out.append(g)
                return out
            w = low[k]
            if w in HARD_STOPS or w in _CLAUSE_RELATIVES or (k in ctx.verb_positions):
                break
            if tight and w in PREPOSITIONS:
                break
            if w in SUBORDINATORS and w not in ("as",):
                break
            k += 1
            gap += 1
        return []

    def _right_group(self, ctx: _Sentence, a: Arg) -> list[Arg]:
        """"growth factors, signaling molecules, and anti-inflammatory cytokines"."""
        low, txt = self._lower, self._text
        group = [a]
        cur = a
        while True:
            k = cur.end
            if k < ctx.s1 and txt[k] == "(":
                # "interleukin-1 beta (IL-1β), TNF-α": step over a parenthesis
                close = next((j for j in range(k + 1, min(ctx.s1, k + 12)) if txt[j] == ")"), None)
                if close is not None:
                    k = close + 1
            seps: list[str] = []
            while k < ctx.s1 and low[k] in COORDINATORS and len(seps) < 3:
                seps.append(low[k])
                k += 1
            if not seps:
                break
            mods = 0
            while k < ctx.s1 and k not in ctx.covered and mods < 2 and low[k].isalpha() and low[k] not in ("other", "which", "that") and k not in ctx.verb_positions and low[k] not in SUBORDINATORS:
                k += 1
                mods += 1
            if k >= ctx.s1 or k not in ctx.covered or ctx.covered[k].text_start != k:
                # "water and specialized proteins called proteoglycans": a noun named by what follows
                named = self._named_after(ctx, k)
                if named is None:
                    break
                k = named
            nxt = ctx.covered[k]
            if nxt is cur:
                break
            group.append(nxt)
            cur = nxt
        return group

    def _named_after(self, ctx: _Sentence, k: int) -> int | None:
        """If tokens from k read "<noun> called <mention>", the mention's start, else None."""
        low = self._lower
        if k >= ctx.s1 or not low[k].isalpha() or k in ctx.verb_positions:
            return None
        first = self._naming_first
        if not (low[k] in first or (k + 1 < len(low) and low[k + 1] in first) or () in self.naming):
            return None  # no naming cue starts at k or k + 1
        for cue, j in ((c, s) for c in self.naming for s in (k, k + 1)):
            if tuple(low[j : j + len(cue)]) == cue:
                j += len(cue)
                if j < ctx.s1 and low[j] in DETERMINERS:
                    j += 1
                if j in ctx.covered and ctx.covered[j].text_start <= j:
                    return ctx.covered[j].text_start
        return None

    def _examples_after(self, ctx: _Sentence, a: Arg) -> list[Arg]:
        """Mentions introduced after ``a`` by "such as", "like", "including"."""
        txt = self._text
        for start in (a.end, a.end + 1):
            t = ctx.trig_at.get(start)
            if t is None or t.kind != "inverse_phrase" or not any(f.relation == self.is_a for f in t.forms):
                continue
            if start == a.end + 1 and txt[a.end] not in (",", "("):
                continue
            first = self._first_mention_after(ctx, t.end, 3)
            if first is not None:
                return self._right_group(ctx, first)
        return []

    def _first_mention_after(self, ctx: _Sentence, k: int, max_gap: int) -> Arg | None:
        low = self._lower
        gap = 0
        while k < ctx.s1 and gap <= max_gap:
            a = ctx.covered.get(k)
            if a is not None and a.text_start == k:
                return a
            if low[k] in HARD_STOPS:
                return None
            k += 1
            gap += 1
        return None

    # -- readings -----------------------------------------------------
    def _predicate_readings(self, ctx: _Sentence, t: Trig, main: Arg | None, state: DocState) -> list[Reading]:
        low = self._lower
        forms = t.forms
        inverse = t.kind in ("inverse_verb", "inverse_phrase")
        passive = False
        after = t.end
        if t.kind in ("verb", "inverse_verb") and t.form in ("participle", "past"):
            agent = after < ctx.s1 and low[after] == "by" and not _has_preposition(forms[0].text)
            be = self._be_before(ctx, t.start)
            if agent:
                passive = True
                after += 1
            elif be and not _has_preposition(forms[0].text):
                # "X is secreted" without an agent names no subject
                return []
        if passive:
            inverse = not inverse
        rels, tight, all_domain, all_range, choices = self._signature(forms, inverse)
        right = self._right(ctx, after, all_range, tight=tight)
        if not right:
            return []
        if tight:
            left = self._tight_left(ctx, t, all_domain)
            how = "local"
        else:
            left, how = self._left(ctx, t, main, state, all_domain)
        if not left:
            return []
        rule_base = "phrase" if t.kind in ("phrase", "inverse_phrase") else (
            "verb:passive" if passive else ("verb:participle" if how in ("participle", "fronted") else "verb:active"))
        out = []
        left = [x for a in left for x in a.each()]
        right = [x for a in right for x in a.each()]
        clause = None
        for la in left:
            for ra in right:
                subj, obj = (ra, la) if inverse else (la, ra)
                pair = (subj.concept, obj.concept)
                rel = choices.get(pair, _UNKNOWN)
                if rel is _UNKNOWN:
                    rel = choices[pair] = self._choose_relation(rels, subj, obj)
                if rel is None:
                    continue
                conf = BASE_CONFIDENCE[rule_base]
                if how in ("anaphora", "relative") or subj.resolved or obj.resolved:
                    conf *= 0.85
                rule = rule_base if how in ("local", "none") else f"{rule_base}+{how}"
                # the clause the trigger stands in, from its start ("It is unclear whether X drives Y"),
                # but not reaching back over another verb ("often uses MSCs harvested from ...")
                if clause is None:
                    clause = self._clause_start(ctx, t.start)
                if how == "local":
                    scope_start = min(la.start, t.start)
                    while scope_start > clause and (scope_start - 1) not in ctx.verb_positions:
                        scope_start -= 1
                else:
                    scope_start = clause
                scope_end = max(ra.end, t.end)
                out.append(Reading(subj, rel, obj, t, rule, (scope_start, scope_end), round(conf, 4)))
        return out

    def _tight_left(self, ctx: _Sentence, t: Trig, domain: Sequence[str]) -> list[Arg]:
        low, txt = self._lower, self._text
        k = t.start - 1
        gap = 0
        while k >= ctx.s0 and gap <= 1:
            a = ctx.covered.get(k)
            if a is not None:
                if not self._generic(a.concept) and self._fits(a.concept, domain):
                    return [a]
                return []
            if low[k] in HARD_STOPS or txt[k] == ",":
                return []
            k -= 1
            gap += 1
        return []

    def _be_before(self, ctx: _Sentence, k: int) -> bool:
        low = self._lower
        j = k - 1
        steps = 0
        while j >= ctx.s0 and steps < 3:
            w = low[j]
            if w in BE_FORMS:
                return True
            if not (w.endswith("ly") or w in ("not", "also", "then", "often", "first", "still", "now", "being")):
                return False
            j -= 1
            steps += 1
        return False

    def _clause_start(self, ctx: _Sentence, k: int) -> int:
        low, txt = self._lower, self._text
        j = k - 1
        while j >= ctx.s0:
            w = txt[j]
            if w in (",", ";", ":") or low[j] in RELATIVES:
                return j + 1
            j -= 1
        return ctx.s0

    def _choose_relation(self, rels, subj: Arg, obj: Arg) -> str | None:
        if subj.concept == obj.concept:
            return None
        for rel in rels:
            if not self._fits(subj.concept, rel.domain) or not self._fits(obj.concept, rel.range):
                continue
            if rel.iri == self.is_a and not self._same_category(subj.concept, obj.concept):
                continue
            return rel.iri
        return None

    def _same_category(self, a: str, b: str) -> bool:
        return (
            not self._generic(b)
            and self._category(a) is not None
            and self._category(a) == self._category(b)
            and not self._isa(b, a)
        )

    def _hyponym_readings(self, ctx: _Sentence, t: Trig, *, inverse: bool) -> list[Reading]:
        """"X such as Y and Z" (inverse) or "Y and other X": Y is a X."""
        txt = self._text
        if inverse:
            k = t.start - 1
            while k >= ctx.s0 and txt[k] in (",", "("):
                k -= 1
            general = ctx.covered.get(k)
            first = self._first_mention_after(ctx, t.end, 3)
            if general is None or first is None:
                return []
            specifics = self._right_group(ctx, first)
        else:
            general = self._first_mention_after(ctx, t.end, 2)
            k = t.start - 1
            while k >= ctx.s0 and txt[k] == ",":
                k -= 1
            last = ctx.covered.get(k)
            if general is None or last is None:
                return []
            specifics = [a for a in self._left_group_plain(ctx, last)]
        out = []
        for s in specifics:
            if self._generic(general.concept) or not self._same_category(s.concept, general.concept):
                continue
            scope = (min(general.start, s.start), max(general.end, s.end))
            out.append(Reading(s, self.is_a, general, t, "hyponym", scope, BASE_CONFIDENCE["hyponym"]))
        return out

    def _left_group_plain(self, ctx: _Sentence, last: Arg) -> list[Arg]:
        group = [last]
        cur = last
        low = self._lower
        while True:
            k = cur.text_start - 1
            seps = 0
            while k >= ctx.s0 and k not in ctx.covered and low[k] in COORDINATORS and seps < 2:
                k -= 1
                seps += 1
            if not seps or k not in ctx.covered:
                break
            cur = ctx.covered[k]
            group.insert(0, cur)
        return group

    def _topic_readings(self, ctx: _Sentence, t: Trig, state: DocState) -> list[Reading]:
        """"adverse events such as infection": the document's intervention has that effect."""
        rels = [self.ont.relations[f.relation] for f in t.forms]
        rng = tuple(sorted({c for r in rels for c in r.range}))
        dom = tuple(sorted({c for r in rels for c in r.domain}))
        # objects: the first fitting mentions after the noun (over "such as", "is the potential for", ...)
        k = t.end
        first = None
        gap = 0
        low = self._lower
        while k < ctx.s1 and gap <= MAX_OBJECT_GAP + 4:
            a = ctx.covered.get(k)
            if a is not None and a.text_start == k:
                if not self._generic(a.concept) and self._fits(a.concept, rng):
                    first = a
                    break
                k = a.end
                gap += 1
                continue
            if low[k] in (";", ".") or low[k] in _CLAUSE_RELATIVES:
                break
            k += 1
            gap += 1
        if first is None:
            return []
        objects = [a for a in self._right_group(ctx, first) if not self._generic(a.concept) and self._fits(a.concept, rng)]
        # subject: an intervention named before the noun in this sentence, else the document topic
        subj = None
        for a in ctx.args:
            if a.end <= t.start and t.start - a.end <= 6 and not self._generic(a.concept) and self._fits(a.concept, dom):
                subj = a
        if subj is None:
            if state.topic is None:
                return []
            subj = Arg(t.start, t.end, state.topic, t.start, resolved=True)
        out = []
        scope_start = max(ctx.s0, t.start - 3)
        for o in objects:
            rel = self._choose_relation(rels, subj, o)
            if rel:
                out.append(Reading(subj, rel, o, t, "topic", (scope_start, o.end), BASE_CONFIDENCE["topic"]))
        return out

    def _means_effect(self, ctx: _Sentence, readings: list[Reading]) -> list[Reading]:
        """"By reducing X, the cells interrupt Y": X and Y are linked with the sign of both verbs."""
        low, txt = self._lower, self._text
        if low[ctx.s0] != "by":
            return []
        comma = _find(txt, ",", ctx.s0, ctx.s1)
        if comma is None:
            return []
        means = [r for r in readings if r.trigger and r.trigger.start < comma and r.predicate in self.polar]
        effects = [r for r in readings if r.trigger and r.trigger.start > comma and r.predicate in self.polar]
        out = []
        for m in means:
            for e in effects:
                sign = self.polar[m.predicate] * self.polar[e.predicate]
                candidates = [self.ont.relations[iri] for iri, p in sorted(self.polar.items()) if p == sign]
                rel = self._choose_relation(candidates, m.object, e.object)
                if rel:
                    scope = (ctx.s0, e.scope[1])
                    out.append(Reading(m.object, rel, e.object, None, "means-effect", scope, BASE_CONFIDENCE["means-effect"]))
        return out

    # ------------------------------------------------------------------
    def _modality(self, scope: tuple[int, int]) -> Modality:
        words = self._lower[scope[0] : scope[1]]
        if _contains_any(words, self.negations):
            return Modality.NEGATED
        if _contains_any(words, self.hedges):
            return Modality.HEDGED
        return Modality.ASSERTED

    def _row(self, si: int, sent_start: int, sent_end: int, r: Reading) -> RelationRow:
        txt, idx = self._text, self._idx
        subj, obj, trig = r.subject, r.object, r.trigger
        if trig is not None:
            trig_start, trig_end = idx[trig.start], idx[trig.end - 1] + len(txt[trig.end - 1])
        else:
            trig_start = trig_end = -1
        return (
            subj.concept, r.predicate, obj.concept, si, sent_start, sent_end,
            idx[subj.text_start], idx[subj.end - 1] + len(txt[subj.end - 1]),
            idx[obj.text_start], idx[obj.end - 1] + len(txt[obj.end - 1]),
            trig_start, trig_end, r.rule, self._modality(r.scope).value, r.confidence,
        )


#: One relation as plain data: subject, predicate, object, sentence index,
#: sentence start and end, subject start and end, object start and end,
#: trigger start and end (-1 when there is none), rule, modality value,
#: confidence.  Offsets are characters of the document text.
RelationRow = tuple[str, str, str, int, int, int, int, int, int, int, int, int, str, str, float]

_MODALITIES = {m.value: m for m in Modality}


def relations_from_rows(doc_id: str, source: str, text: str, rows: Iterable[Sequence]) -> list[Relation]:
    """The records for rows made by :meth:`RelationReader.read_rows` from ``text``."""
    out = []
    for subj, pred, obj, si, s0, s1, ss, se, os_, oe, ts, te, rule, modality, confidence in rows:
        trigger = Span(ts, te) if ts >= 0 else None
        ev = Evidence(
            doc_id=doc_id,
            source=source,
            sentence=text[s0:s1],
            sentence_index=si,
            sentence_span=Span(s0, s1),
            subject_text=text[ss:se],
            subject_span=Span(ss, se),
            object_text=text[os_:oe],
            object_span=Span(os_, oe),
            trigger_text=text[ts:te] if trigger is not None else "",
            trigger_span=trigger,
            rule=rule,
            modality=_MODALITIES[modality],
            confidence=confidence,
        )
        out.append(Relation(subj, pred, obj, (ev,)))
    return out


@dataclass(slots=True)
class _Sentence:
    si: int
    s0: int
    s1: int
    args: list[Arg]
    mention_at: dict[int, Arg]
    covered: dict[int, Arg]
    trigs: list[Trig]
    verb_positions: set[int]
    trig_at: dict[int, Trig]
    trig_end: dict[int, Trig]  # verb triggers by their last token
    last_subject: Arg | None = None  # subject of the latest verb reading (for "and inhibits")


def _find(words: list[str], word: str, start: int, end: int) -> int | None:
    """The first position of ``word`` in ``words[start:end]``, or None."""
    try:
        return words.index(word, start, end)
    except ValueError:
        return None


def _has_preposition(text: str) -> bool:
    return len(text.split()) > 1


_FUNCTION_WORDS = frozenset(
    {"for", "of", "the", "with", "using", "against", "in", "to", "within", "based", "on", "treatment",
     "-derived", "derived", "is", "are", "was", "were", "a", "an"}
)


def _is_function_phrase(text: str) -> bool:
    return all(w in _FUNCTION_WORDS for w in text.split())


def _cue_index(cues: Sequence[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Cue phrases grouped by their first word, for a single pass over a scope."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for cue in cues:
        words = tuple(cue.split())
        if words:
            index.setdefault(words[0], []).append(words)
    return {k: tuple(v) for k, v in index.items()}


def _contains_any(words: list[str], cues: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    if cues.keys().isdisjoint(words):  # no cue can start here: the usual case, decided in C
        return False
    for i, w in enumerate(words):
        for cue in cues.get(w, ()):
            if tuple(words[i : i + len(cue)]) == cue:
                return True
    return False


def _dedupe(readings: list[Reading]) -> list[Reading]:
    seen = set()
    out = []
    for r in readings:
        key = (r.subject.concept, r.predicate, r.object.concept, r.subject.start, r.object.start)
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out
