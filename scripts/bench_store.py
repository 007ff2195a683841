"""Benchmark: rdflib in memory vs the Oxigraph store, on synthetic graphs of kg's shape.

    .venv/bin/python scripts/bench_store.py                      # 100k, 1M and 5M triples
    .venv/bin/python scripts/bench_store.py --sizes 100000 --timeout 10

For each size, a graph is generated deterministically (fixed seed) with the
node kinds of a kg build in the proportions of a real one: the ontology,
document nodes, evidence nodes (one per supporting sentence, ~17 triples
each), statement nodes pooling evidence over documents, direct triples and
entity nodes (real ontology concepts, so the bundled queries find answers,
plus synthetic ones).  It is written as sorted N-Triples, then:

* loaded with ``kg.graph.load_graph`` (rdflib, what ``kg query`` does
  without a store) and into an on-disk ``kg.store.OxigraphStore``
  (``bulk_load``); load times are reported;
* every bundled query (``kg/queries/*.rq``, default parameters) is run
  through each store's ``query`` (results converted to kg's QueryResult):
  Oxigraph ``--runs`` times, rdflib up to ``--rdflib-runs`` times, each rdflib
  run in a forked process killed after ``--timeout`` seconds (shown as
  "> N s").  Median and p95 per query and the rdflib/Oxigraph ratio of the
  medians are printed as a table, and the answers of the two engines are
  checked to have the same number of rows.

This script holds no logic of kg; it only drives kg's stores.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.graph import load_graph, to_sorted_ntriples  # noqa: E402
from kg.namespaces import DOCUMENT, ENTITY, EVIDENCE, KG, STATEMENT  # noqa: E402
from kg.ontology import load_ontology  # noqa: E402
from kg.query import bundled_queries  # noqa: E402
from kg.store import MemoryStore, OxigraphStore  # noqa: E402

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
MODALITIES = ("Asserted", "Hedged", "Negated")


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def integer(n: int) -> str:
    return f'"{n}"^^<{XSD}integer>'


def decimal(x: float) -> str:
    return f'"{x:.4f}"^^<{XSD}decimal>'


def generate(target: int, seed: int = 7) -> list[str]:
    """About ``target`` N-Triples lines of a kg-shaped graph, the same for the same arguments."""
    rng = random.Random(seed)
    ontology = load_ontology()
    lines = to_sorted_ntriples(ontology.graph).splitlines()
    concepts = sorted(ontology.concepts.values(), key=lambda c: c.iri)
    relation_types = sorted(ontology.relations)
    entities = [(c.iri, c.label, c.category) for c in concepts]
    categories = sorted({c.category for c in concepts if c.category})
    n_docs = max(1, target // 420)
    for i in range(max(0, n_docs // 2 - len(entities))):  # entities grow with the corpus
        entities.append((None, f"synthetic entity {i}", categories[i % len(categories)]))
    weights = [1.0 / (k + 1) for k in range(len(entities))]  # Zipf-like: a few entities are everywhere
    # The claims of a real build of the bundled article come first, so the
    # bundled queries (whose defaults name its entities) have answers.
    index = {iri: k for k, (iri, _, _) in enumerate(entities) if iri}
    statements = [(index[s], p, index[o], k) for k, (s, p, o) in enumerate(real_claims())]
    n_real = len(statements)
    n_statements = max(n_real + 10, n_docs * 6)
    for k in range(n_real, n_statements):
        s, o = rng.choices(range(len(entities)), weights, k=2)
        statements.append((s, rng.choice(relation_types), o, k))
    stmt_evidence: dict[int, list[tuple[str, str]]] = {}
    entity_docs: dict[int, set[str]] = {}
    for d in range(n_docs):
        doc = f"<{DOCUMENT}d{d:07d}>"
        lines += [
            f"{doc} {RDF_TYPE} <{KG.Document}> .",
            f"{doc} {RDF_TYPE} <{PROV}Entity> .",
            f"{doc} <{DCT}source> {lit(f'doc{d}.txt')} .",
            f"{doc} <{DCT}title> {lit(f'Synthetic document {d}')} .",
            f"{doc} <{KG.sha256}> {lit(f'{rng.getrandbits(256):064x}')} .",
            f"{doc} <{KG.characterCount}> {integer(rng.randint(2000, 9000))} .",
        ]
        for e in rng.choices(range(len(entities)), weights, k=30):
            entity_docs.setdefault(e, set()).add(doc)
        for j in range(20):
            k = rng.randrange(n_real) if rng.random() < 0.2 else rng.randrange(n_statements)
            ev = f"<{EVIDENCE}e{d:07d}x{j:02d}>"
            modality = rng.choices(MODALITIES, (8, 3, 1))[0]
            stmt_evidence.setdefault(k, []).append((ev, modality))
            s_start = rng.randint(0, 8000)
            lines += [
                f"{ev} {RDF_TYPE} <{KG.Evidence}> .",
                f"{ev} {RDF_TYPE} <{PROV}Entity> .",
                f"{ev} <{PROV}wasDerivedFrom> {doc} .",
                f"{ev} <{KG.sentence}> {lit(f'Sentence {j} of document {d} says something about a claim.')} .",
                f"{ev} <{KG.sentenceIndex}> {integer(j)} .",
                f"{ev} <{KG.charStart}> {integer(s_start)} .",
                f"{ev} <{KG.charEnd}> {integer(s_start + 120)} .",
                f"{ev} <{KG.subjectText}> {lit('subject')} .",
                f"{ev} <{KG.subjectStart}> {integer(s_start + 4)} .",
                f"{ev} <{KG.subjectEnd}> {integer(s_start + 11)} .",
                f"{ev} <{KG.objectText}> {lit('object')} .",
                f"{ev} <{KG.objectStart}> {integer(s_start + 30)} .",
                f"{ev} <{KG.objectEnd}> {integer(s_start + 36)} .",
                f"{ev} <{KG.triggerText}> {lit('causes')} .",
                f"{ev} <{KG.rule}> {lit('verb:active')} .",
                f"{ev} <{KG.modality}> <{KG[modality]}> .",
                f"{ev} <{KG.confidence}> {decimal(rng.random())} .",
            ]
    for k, evs in stmt_evidence.items():
        s, p, o, _ = statements[k]
        subject, obj = entity_node(entities, s), entity_node(entities, o)
        stmt = f"<{STATEMENT}s{k:08d}>"
        best = min(evs, key=lambda e: MODALITIES.index(e[1]))[1]
        if any(m != "Negated" for _, m in evs):
            lines.append(f"{subject} <{p}> {obj} .")
        lines += [
            f"{stmt} {RDF_TYPE} <{RDF}Statement> .",
            f"{stmt} <{RDF}subject> {subject} .",
            f"{stmt} <{RDF}predicate> <{p}> .",
            f"{stmt} <{RDF}object> {obj} .",
            f"{stmt} <{KG.modality}> <{KG[best]}> .",
            f"{stmt} <{KG.confidence}> {decimal(rng.random())} .",
            f"{stmt} <{KG.evidenceCount}> {integer(len(evs))} .",
        ]
        lines += [f"{stmt} <{KG.hasEvidence}> {ev} ." for ev, _ in evs]
        entity_docs.setdefault(s, set())
        entity_docs.setdefault(o, set())
    for e, docs in sorted(entity_docs.items()):
        iri, label, category = entities[e]
        node = entity_node(entities, e)
        lines += [
            f"{node} {RDF_TYPE} <{iri or KG.Entity}> .",
            f"{node} {RDFS_LABEL} {lit(label)} .",
            f"{node} <{SKOS}prefLabel> {lit(label)} .",
            f"{node} <{KG.mentionCount}> {integer(len(docs) * 3 + 1)} .",
        ]
        if category:
            lines.append(f"{node} <{KG.category}> <{category}> .")
        if iri:
            concept = ontology.concepts[iri]
            lines += [f"{node} <{SKOS}altLabel> {lit(a)} ." for a in (*concept.synonyms, *concept.abbreviations)]
        lines += [f"{node} <{PROV}wasDerivedFrom> {doc} ." for doc in sorted(docs)]
    lines = sorted(set(lines))
    return lines


def real_claims() -> list[tuple[str, str, str]]:
    """(subject concept, relation type, object concept) of every claim kg finds in corpus/."""
    from kg.assembly import assemble
    from kg.corpus import read_corpus
    from kg.pipeline import extract
    from kg.records import Document

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    docs = [d for d in read_corpus([corpus]) if isinstance(d, Document)]
    found = [r for result in extract(docs, load_ontology()) for r in result.relations]
    return [(r.subject, r.predicate, r.object) for r in assemble(found)]


def entity_node(entities, e: int) -> str:
    iri = entities[e][0]
    return f"<{ENTITY}{iri.rsplit('/', 1)[-1]}>" if iri else f"<{ENTITY}Synthetic{e}>"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _rdflib_child(store, text, conn):
    seconds, result = timed(lambda: store.query(text))
    conn.send((seconds, len(result)))
    conn.close()


def rdflib_run(store, text: str, timeout: float) -> tuple[float | None, int | None]:
    """One rdflib query in a forked child (it shares the loaded graph); None on timeout."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_rdflib_child, args=(store, text, child))
    proc.start()
    child.close()
    if parent.poll(timeout):
        seconds, rows = parent.recv()
        proc.join()
        return seconds, rows
    proc.kill()
    proc.join()
    return None, None


def _oxigraph_child(path, text, runs, conn):
    store = OxigraphStore(path, read_only=True)
    for _ in range(runs):
        seconds, result = timed(lambda: store.query(text))
        conn.send((seconds, len(result)))
    conn.close()


def oxigraph_runs(path: Path, text: str, runs: int, timeout: float) -> tuple[list[float], int | None, bool]:
    """``runs`` timings of one query over the store opened read-only in a fresh process.

    Stops (and reports a timeout) when the runs together take longer than ``timeout``.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_oxigraph_child, args=(path, text, runs, child))
    proc.start()
    child.close()
    times, rows = [], None
    deadline = time.monotonic() + timeout + 5  # + the worker's start-up
    while len(times) < runs:
        if not parent.poll(max(0.0, deadline - time.monotonic())):
            proc.kill()
            proc.join()
            return times, rows, True
        seconds, rows = parent.recv()
        times.append(seconds)
    proc.join()
    return times, rows, False


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(value: float | None, timeout: float) -> str:
    return f"> {timeout:.0f} s" if value is None else f"{value * 1000:.1f}"


def bench(size: int, args, workdir: Path) -> None:
    seconds, lines = timed(lambda: generate(size))
    nt = workdir / f"graph-{size}.nt"
    nt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n## {len(lines):,} triples (asked {size:,}; generated in {seconds:.1f} s, {nt.stat().st_size / 1e6:.0f} MB)")

    ox_dir = workdir / f"ox-{size}"
    ox = OxigraphStore(ox_dir)
    ox_load, _ = timed(lambda: ox.bulk_load(nt))
    ox.close()
    rdf = graph = None
    if args.rdflib_runs > 0:
        rd_load, graph = timed(lambda: load_graph(nt))
        rdf = MemoryStore()
        rdf._graph = graph  # noqa: SLF001 - the loaded graph, not a copy (copying 5M triples would dominate)
        print(f"load: rdflib {rd_load:.1f} s, Oxigraph {ox_load:.1f} s ({rd_load / ox_load:.0f}x)")
    else:
        print(f"load: Oxigraph {ox_load:.1f} s (rdflib not run: --rdflib-runs 0)")

    header = f"{'query':<26}{'rows':>7}{'ox median ms':>14}{'ox p95 ms':>11}{'rdflib median ms':>18}{'rdflib p95 ms':>15}{'ratio':>9}"
    print(header)
    print("-" * len(header))
    ox_medians, ratios = [], []
    for q in bundled_queries():
        ox_times, rows, ox_timeout = oxigraph_runs(ox_dir, q.text, args.runs, args.timeout)
        if not ox_times:
            print(f"{q.name:<26}{'?':>7}{'> ' + str(int(args.timeout)) + ' s':>14}  (rdflib not run)")
            continue
        rd_times, rd_rows, timed_out = [], None, False
        for _ in range(args.rdflib_runs):
            t, n = rdflib_run(rdf, q.text, args.timeout)
            if t is None:
                timed_out = True
                break
            rd_times.append(t)
            rd_rows = n
        ox_med = statistics.median(ox_times)
        ox_medians.append(ox_med)
        if rdf is None:
            rd_med_s, rd_p95_s, ratio = "-", "-", "-"
        elif timed_out:
            rd_med_s, rd_p95_s, ratio = f"> {args.timeout:.0f} s", f"> {args.timeout:.0f} s", f"> {args.timeout / ox_med:.0f}x"
            ratios.append(args.timeout / ox_med)
        else:
            rd_med = statistics.median(rd_times)
            rd_med_s, rd_p95_s, ratio = ms(rd_med, args.timeout), ms(p95(rd_times), args.timeout), f"{rd_med / ox_med:.0f}x"
            ratios.append(rd_med / ox_med)
        flag = "" if timed_out or rdf is None or rd_rows == rows else f"  (rdflib rows {rd_rows})"
        print(
            f"{q.name:<26}{rows:>7}{ms(ox_med, 0):>14}{ms(p95(ox_times), 0):>11}{rd_med_s:>18}{rd_p95_s:>15}{ratio:>9}{flag}"
        )
    print(
        f"Oxigraph: median of the per-query medians {statistics.median(ox_medians) * 1000:.1f} ms, "
        f"slowest query median {max(ox_medians) * 1000:.1f} ms; "
        + (
            f"rdflib/Oxigraph ratio: median {statistics.median(ratios):.0f}x, smallest {min(ratios):.0f}x "
            "(a '>' ratio is a lower bound)"
            if ratios
            else "rdflib not run"
        )
    )
    del rdf, graph
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000", help="comma-separated triple counts")
    parser.add_argument("--runs", type=int, default=10, help="Oxigraph runs per query")
    parser.add_argument("--rdflib-runs", type=int, default=3, help="rdflib runs per query (at most)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an rdflib run is stopped")
    args = parser.parse_args()
    print(f"kg store benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="kg-bench-store-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            bench(size, args, Path(tmp))


if __name__ == "__main__":
    main()
