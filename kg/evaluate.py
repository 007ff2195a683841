"""Compare a graph's claims with gold relations: precision, recall, F1.

A gold file is tab-separated text, one relation a line, ``#`` comments::

    subject <TAB> relation <TAB> object <TAB> kind <TAB> modality <TAB> sentence

Subject and object are concept names; equally right alternatives are separated
by ``|``.  ``kind`` is ``core`` (must be found, counts for recall) or
``optional`` (right if found, not required).  ``modality`` is asserted, hedged
or negated; ``sentence`` is a pointer for people.

Every ``rdf:Statement`` of the graph is a prediction, whatever its modality.
A prediction matches a gold row when the relation type is the same (or the
inverse, with subject and object swapped: ``has part`` for ``part of``) and
subject and object each match one of the row's alternatives by name.
Modality is compared separately and does not affect matching.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from .errors import GoldError
from .graph import local_name
from .namespaces import KG
from .ontology import Ontology

__all__ = [
    "EvalReport",
    "GoldRow",
    "ModalityAgreement",
    "Prediction",
    "RelationScore",
    "evaluate",
    "format_report",
    "names_match",
    "normalise_name",
    "read_gold",
]

KINDS = ("core", "optional")
MODALITIES = ("asserted", "hedged", "negated")
COLUMNS = ("subject", "relation", "object", "kind", "modality", "sentence")
_MODALITY_IRIS = {KG.Asserted: "asserted", KG.Hedged: "hedged", KG.Negated: "negated"}


@dataclass(frozen=True, slots=True)
class GoldRow:
    """One gold relation, with where it was read."""

    subjects: tuple[str, ...]
    relation: str  # the relation type's label, as written
    objects: tuple[str, ...]
    kind: str  # core | optional
    modality: str  # asserted | hedged | negated
    sentence: str  # pointer for people (a sentence number)
    line: int
    file: str = ""

    def __str__(self) -> str:
        return f"{' | '.join(self.subjects)} —{self.relation}→ {' | '.join(self.objects)}"


@dataclass(frozen=True, slots=True)
class Prediction:
    """A claim of the graph, with names to match and evidence to show."""

    statement: str  # the statement IRI
    subject: str  # entity IRI
    predicate: str  # relation type IRI
    object: str
    subject_label: str
    relation_label: str
    object_label: str
    modality: str
    sentences: tuple[tuple[str, str], ...] = ()  # (sentence, document source)

    def __str__(self) -> str:
        return f"{self.subject_label} —{self.relation_label}→ {self.object_label}"


@dataclass(frozen=True, slots=True)
class RelationScore:
    """Figures for one relation type."""

    relation: str
    predicted: int  # predictions of this type
    correct: int  # of which match a gold row
    core: int  # core gold rows of this type
    found: int  # of which some prediction matches
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class ModalityAgreement:
    """How often the graph's modality equals the gold modality on matched rows."""

    matched: int
    agreed: int
    disagreements: tuple[tuple[GoldRow, str], ...]  # (row, predicted modality)

    @property
    def rate(self) -> float:
        return self.agreed / self.matched if self.matched else 0.0


@dataclass(frozen=True, slots=True)
class EvalReport:
    precision: float
    recall: float
    f1: float
    predicted: int
    correct: int
    core: int
    core_found: int
    per_relation: tuple[RelationScore, ...]
    missed: tuple[GoldRow, ...]
    false_positives: tuple[Prediction, ...]
    optional_found: tuple[GoldRow, ...]
    modality: ModalityAgreement
    hierarchical: bool = False
    strict: tuple[float, float, float] | None = None  # (precision, recall, f1) without ancestor names


# ---------------------------------------------------------------------------
# Reading gold files
# ---------------------------------------------------------------------------


def read_gold(path: Path | str, ontology: Ontology | None = None) -> list[GoldRow]:
    """The rows of a gold TSV file.

    Raises :class:`GoldError` with the file and line for a malformed row, and
    (when ``ontology`` is given) for a relation label the ontology does not
    define; :func:`evaluate` checks the labels too.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GoldError("no such gold file", file=str(source), line=0) from None
    except UnicodeDecodeError as exc:
        raise GoldError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", file=str(source), line=0) from None
    except OSError as exc:
        raise GoldError(f"cannot read: {exc.strerror}", file=str(source), line=0) from None
    rows = parse_gold(text, str(source))
    if ontology is not None:
        for row in rows:
            resolve_relation(row, ontology)
    return rows


def parse_gold(text: str, file: str = "<gold>") -> list[GoldRow]:
    """Parse gold TSV text; see :func:`read_gold`."""
    rows: list[GoldRow] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t")
        while len(cells) > len(COLUMNS) and not cells[-1].strip():
            cells.pop()
        if len(cells) == len(COLUMNS) - 1:  # the sentence pointer may be left out
            cells.append("")
        if len(cells) != len(COLUMNS):
            hint = " (are the columns separated by spaces instead of tabs?)" if len(cells) == 1 else ""
            raise GoldError(
                f"expected {len(COLUMNS)} tab-separated columns ({', '.join(COLUMNS)}), found {len(cells)}{hint}",
                file=file,
                line=number,
            )
        subj, relation, obj, kind, modality, sentence = (c.strip() for c in cells)
        subjects = _alternatives(subj, "subject", file, number)
        objects = _alternatives(obj, "object", file, number)
        if not relation:
            raise GoldError("the relation column is empty", file=file, line=number)
        kind = kind.lower()
        if kind not in KINDS:
            raise GoldError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}", file=file, line=number)
        modality = modality.lower()
        if modality not in MODALITIES:
            raise GoldError(
                f"modality must be one of {', '.join(MODALITIES)}, got {modality!r}", file=file, line=number
            )
        rows.append(GoldRow(subjects, " ".join(relation.split()), objects, kind, modality, sentence, number, file))
    return rows


def _alternatives(cell: str, column: str, file: str, line: int) -> tuple[str, ...]:
    names = tuple(" ".join(part.split()) for part in cell.split("|"))
    if not cell.strip() or any(not n for n in names):
        raise GoldError(
            f"the {column} column needs a name, or names separated by ' | ', got {cell!r}", file=file, line=line
        )
    return names


def resolve_relation(row: GoldRow, ontology: Ontology) -> str:
    """The IRI of the relation type a gold row names (by label, ignoring case)."""
    wanted = row.relation.lower()
    for rel in ontology.relations.values():
        if rel.label.lower() == wanted:
            return rel.iri
    valid = ", ".join(sorted(r.label for r in ontology.relations.values()))
    raise GoldError(f"unknown relation {row.relation!r}; valid relations: {valid}", file=row.file, line=row.line)


# ---------------------------------------------------------------------------
# Name matching
# ---------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """Lower case (casefolded), whitespace collapsed."""
    return " ".join(name.casefold().split())


def _keys(name: str) -> set[str]:
    """A normalised name and its forms without a plural ending ("s", "es")."""
    n = normalise_name(name)
    keys = {n}
    if len(n) > 3 and n.endswith("s"):
        keys.add(n[:-1])
        if n.endswith("es"):
            keys.add(n[:-2])
    return keys


def names_match(a: str, b: str) -> bool:
    """True when two names are the same up to case, spacing and a plural 's'."""
    return bool(_keys(a) & _keys(b))


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def predictions(graph: Graph) -> list[Prediction]:
    """Every ``rdf:Statement`` of the graph, sorted."""
    found: dict[tuple[str, str, str], Prediction] = {}
    for stmt in graph.subjects(RDF.type, RDF.Statement):
        subj, pred, obj = (graph.value(stmt, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        if not (isinstance(subj, URIRef) and isinstance(pred, URIRef) and isinstance(obj, URIRef)):
            continue
        key = (str(subj), str(pred), str(obj))
        sentences = []
        for ev in graph.objects(stmt, KG.hasEvidence):
            sentence = graph.value(ev, KG.sentence)
            doc = graph.value(ev, PROV.wasDerivedFrom)
            source = graph.value(doc, DCTERMS.source) if doc is not None else None
            if sentence is not None:
                sentences.append((str(sentence), str(source) if source is not None else ""))
        prediction = Prediction(
            statement=str(stmt),
            subject=key[0],
            predicate=key[1],
            object=key[2],
            subject_label=_label(graph, subj),
            relation_label=_label(graph, pred).replace("_", " "),
            object_label=_label(graph, obj),
            modality=_MODALITY_IRIS.get(graph.value(stmt, KG.modality), "asserted"),
            sentences=tuple(sorted(sentences)),
        )
        if key not in found or prediction.statement < found[key].statement:
            found[key] = prediction
    return [found[k] for k in sorted(found)]


def _label(graph: Graph, node) -> str:
    labels = sorted(str(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal))
    return labels[0] if labels else re.split(r"[/#]", str(node))[-1]


def _names(graph: Graph, node: str) -> set[str]:
    ref = URIRef(node)
    return {
        str(o)
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
        for o in graph.objects(ref, p)
        if isinstance(o, Literal)
    }


def evaluate(graph: Graph, gold: Sequence[GoldRow], ontology: Ontology, *, hierarchical: bool = True) -> EvalReport:
    """Score the claims of ``graph`` against ``gold``.

    precision = predictions matching any gold row (core or optional) / predictions;
    recall = core rows matched by some prediction / core rows; F1 their harmonic mean.
    With ``hierarchical`` (the default), an entity also answers to the names of its
    ontology ancestors below the top-level categories: a claim about "injection site
    pain" is right where the gold says "localized pain", because it entails it.
    The report always carries the strict figures too (see :attr:`EvalReport.strict`).
    Raises :class:`GoldError` for a gold relation the ontology does not define.
    """
    report = _evaluate(graph, gold, ontology, hierarchical=hierarchical)
    if hierarchical:
        strict = _evaluate(graph, gold, ontology, hierarchical=False)
        report = replace(report, strict=(strict.precision, strict.recall, strict.f1))
    return report


def _evaluate(graph: Graph, gold: Sequence[GoldRow], ontology: Ontology, *, hierarchical: bool) -> EvalReport:
    resolved = [(row, resolve_relation(row, ontology)) for row in gold]
    preds = predictions(graph)
    roots = {*ontology.categories, str(KG.Entity)}
    by_local = {local_name(iri): iri for iri in ontology.concepts}
    name_keys: dict[str, set[str]] = {}
    for p in preds:
        for node in (p.subject, p.object):
            if node not in name_keys:
                names = set(_names(graph, node))
                concept = by_local.get(local_name(node))
                if hierarchical and concept is not None:
                    for ancestor in ontology.ancestors.get(concept, ()):
                        if ancestor not in roots and ancestor in ontology.concepts:
                            c = ontology.concepts[ancestor]
                            names |= {c.label, *c.synonyms}
                name_keys[node] = {key for name in names for key in _keys(name)}
    inverse = _inverses(ontology)

    def fits(node: str, alternatives: Iterable[str]) -> bool:
        keys = name_keys.get(node, set())
        return any(_keys(a) & keys for a in alternatives)

    def matches(p: Prediction, row: GoldRow, predicate: str) -> bool:
        if p.predicate == predicate and fits(p.subject, row.subjects) and fits(p.object, row.objects):
            return True
        if predicate in inverse.get(p.predicate, ()) and fits(p.object, row.subjects) and fits(p.subject, row.objects):
            return True
        return False

    matched_rows: dict[int, list[Prediction]] = defaultdict(list)
    correct: set[str] = set()
    for i, (row, predicate) in enumerate(resolved):
        for p in preds:
            if matches(p, row, predicate):
                matched_rows[i].append(p)
                correct.add(p.statement)

    core_rows = [i for i, (row, _) in enumerate(resolved) if row.kind == "core"]
    core_found = [i for i in core_rows if matched_rows.get(i)]
    precision = len(correct) / len(preds) if preds else 0.0
    recall = len(core_found) / len(core_rows) if core_rows else 0.0

    # Per relation type; a type and its inverse ("part of / has part") share a line.
    labels = {iri: rel.label for iri, rel in ontology.relations.items()}

    def bucket(iri: str, fallback: str) -> str:
        names = {labels.get(iri, fallback)} | {labels[i] for i in inverse.get(iri, ()) if i in labels}
        return " / ".join(sorted(names))

    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in preds:
        counts = per[bucket(p.predicate, p.relation_label)]
        counts[0] += 1
        counts[1] += p.statement in correct
    for i in core_rows:
        counts = per[bucket(resolved[i][1], resolved[i][0].relation)]
        counts[2] += 1
        counts[3] += bool(matched_rows.get(i))
    per_relation = tuple(
        RelationScore(rel, n, c, k, f, *_prf(c, n, f, k)) for rel, (n, c, k, f) in sorted(per.items())
    )

    agreed = 0
    disagreements: list[tuple[GoldRow, str]] = []
    for i, found in sorted(matched_rows.items()):
        row = resolved[i][0]
        predicted = sorted({p.modality for p in found}, key=lambda m: MODALITIES.index(m))
        if row.modality in predicted:
            agreed += 1
        else:
            disagreements.append((row, ", ".join(predicted)))

    return EvalReport(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        predicted=len(preds),
        correct=len(correct),
        core=len(core_rows),
        core_found=len(core_found),
        per_relation=per_relation,
        missed=tuple(resolved[i][0] for i in core_rows if not matched_rows.get(i)),
        false_positives=tuple(p for p in preds if p.statement not in correct),
        optional_found=tuple(row for i, (row, _) in enumerate(resolved) if row.kind == "optional" and matched_rows.get(i)),
        modality=ModalityAgreement(len(matched_rows), agreed, tuple(disagreements)),
        hierarchical=hierarchical,
    )


def _inverses(ontology: Ontology) -> Mapping[str, set[str]]:
    """Relation type -> the types it can stand for with subject and object swapped."""
    out: dict[str, set[str]] = defaultdict(set)
    for iri, rel in ontology.relations.items():
        if rel.inverse_of:
            out[iri].add(rel.inverse_of)
            out[rel.inverse_of].add(iri)
        if rel.symmetric:
            out[iri].add(iri)
    return out


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _prf(correct: int, predicted: int, found: int, core: int) -> tuple[float, float, float]:
    p = correct / predicted if predicted else 0.0
    r = found / core if core else 0.0
    return p, r, _f1(p, r)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def format_report(report: EvalReport) -> str:
    """The report as text; its last line holds the overall precision, recall and F1."""
    out: list[str] = []
    out.append("Per relation type")
    out.append(f"  {'relation':<22} {'predicted':>9} {'correct':>7} {'core':>5} {'found':>5}  {'P':>5} {'R':>5} {'F1':>5}")
    for s in report.per_relation:
        p = f"{s.precision:.3f}" if s.predicted else "-"
        r = f"{s.recall:.3f}" if s.core else "-"
        f = f"{s.f1:.3f}" if s.predicted and s.core else "-"
        out.append(f"  {s.relation:<22} {s.predicted:>9} {s.correct:>7} {s.core:>5} {s.found:>5}  {p:>5} {r:>5} {f:>5}")
    out.append("")
    out.append(f"Missed core relations ({len(report.missed)})")
    for row in report.missed:
        out.append(f"  line {row.line}: {row}  [{row.modality}, sentence {row.sentence or '?'}]")
    out.append("")
    out.append(f"False positives ({len(report.false_positives)})")
    for p in report.false_positives:
        out.append(f"  {p}  [{p.modality}]")
        for sentence, source in p.sentences[:2]:
            out.append(f"      {_shorten(sentence)}" + (f"  ({source})" if source else ""))
    out.append("")
    out.append(f"Optional relations found ({len(report.optional_found)})")
    for row in report.optional_found:
        out.append(f"  line {row.line}: {row}")
    out.append("")
    m = report.modality
    out.append(f"Modality agreement on matched gold rows: {m.agreed}/{m.matched} ({m.rate:.3f})")
    for row, predicted in m.disagreements:
        out.append(f"  line {row.line}: {row}: gold {row.modality}, graph {predicted}")
    out.append("")
    out.append(
        f"predictions {report.predicted}, correct {report.correct}; "
        f"core gold {report.core}, found {report.core_found}"
    )
    if report.strict is not None:
        sp, sr, sf = report.strict
        out.append(f"strict names only (no ancestor names): precision {sp:.3f}  recall {sr:.3f}  f1 {sf:.3f}")
        out.append("with ancestor names (a more specific concept than the gold's counts as right):")
    out.append(f"precision {report.precision:.3f}  recall {report.recall:.3f}  f1 {report.f1:.3f}")
    return "\n".join(out) + "\n"


def _shorten(text: str, width: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
