"""Benchmark: rdflib in memory vs the Oxigraph store, on synthetic graphs of kg's shape.

    .venv/bin/python scripts/bench_store.py                      # 100k, 1M and 5M triples
    .venv/bin/python scripts/bench_store.py --sizes 100000 --timeout 10

For each size, a graph is generated deterministically (fixed seed) with the
node kinds of a kg build in the proportions of a real one: the ontology,
document nodes, evidence nodes (one per supporting sentence, ~17 triples
each), statement nodes pooling evidence over documents, direct triples,
entity nodes (real ontology concepts, so the bundled queries find answers,
plus synthetic ones), and the figures a build precomputes (name keys, claim
counts, per-document counts, relation and rule tallies: ``kg/tally.py``,
whose code writes them here too).  It is written as sorted N-Triples, then:

* loaded with ``kg.graph.load_graph`` (rdflib, what ``kg query`` does
  without a store) and into an on-disk ``kg.store.OxigraphStore`` as a build
  loads it (``kg.incremental.bulk_load``, then ``optimize``); load times are
  reported;
* every bundled query (``kg/queries/*.rq``, default parameters) is run
  through each store's ``query`` (results converted to kg's QueryResult):
  Oxigraph up to ``--runs`` times in a fresh process on the store opened
  read-only, all of them before rdflib loads the graph (so that rdflib's
  memory does not crowd Oxigraph's files out of the page cache), then rdflib up to ``--rdflib-runs`` times, each rdflib run in a forked
  process killed after ``--timeout`` seconds (shown as "> N s", its ratio as
  ">= x": a lower bound).  Repetitions stop early once a query has used
  ``--budget`` seconds, so slow queries are timed once or twice and the whole
  default run (100k, 1M and 5M triples) stays near half an hour on two cores.
  Median and p95 per query, the rdflib/Oxigraph ratio of the medians, and the
  median over the queries are printed as a table (``--json FILE`` writes them
  too), and the answers of the two engines are checked to have the same
  number of rows.

The machine's conditions (CPUs, load average before each size, Python,
pyoxigraph and rdflib versions) are printed with the figures, since other
work on the machine changes them.

This script holds no logic of kg; it only drives kg's stores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.graph import load_graph, to_sorted_ntriples  # noqa: E402
from kg.incremental import bulk_load  # noqa: E402
from kg.namespaces import DOCUMENT, ENTITY, EVIDENCE, KG, STATEMENT  # noqa: E402
from kg.ontology import load_ontology  # noqa: E402
from kg.query import bundled_queries  # noqa: E402
from kg.records import Modality  # noqa: E402
from kg.store import MemoryStore, OxigraphStore  # noqa: E402
from kg.tally import Tallies, document_figures, name_keys  # noqa: E402

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
    tallies = Tallies()  # the figures a build precomputes (kg/tally.py), made by kg's own code
    doc_claims: dict[str, set[int]] = {}
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
            doc_claims.setdefault(doc, set()).add(k)
            confidence = f"{rng.random():.4f}"
            tallies.sentence("verb:active", Modality(modality.lower()), confidence)
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
                f"{ev} <{KG.confidence}> \"{confidence}\"^^<{XSD}decimal> .",
            ]
    for k, evs in stmt_evidence.items():
        s, p, o, _ = statements[k]
        subject, obj = entity_node(entities, s), entity_node(entities, o)
        stmt = f"<{STATEMENT}s{k:08d}>"
        best = min(evs, key=lambda e: MODALITIES.index(e[1]))[1]
        if any(m != "Negated" for _, m in evs):
            lines.append(f"{subject} <{p}> {obj} .")
        tallies.claim(str(s), p, str(o), Modality(best.lower()), len(evs))
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
    lines += [line.rstrip("\n") for line in tallies.lines()]
    doc_entities: dict[str, int] = {}
    for docs in entity_docs.values():
        for doc in docs:
            doc_entities[doc] = doc_entities.get(doc, 0) + 1
    for d in range(n_docs):
        doc = f"<{DOCUMENT}d{d:07d}>"
        figures = document_figures(doc, doc_entities.get(doc, 0), len(doc_claims.get(doc, ())), 20)
        lines += [line.rstrip("\n") for line in figures]
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
            names = (label, *concept.synonyms, *concept.abbreviations)
        else:
            names = (label,)
        lines += [line.rstrip("\n") for line in name_keys(node, names)]
        lines.append(f"{node} <{KG.degree}> {integer(tallies.claims_of(str(e)))} .")
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


def _oxigraph_child(path, text, runs, budget, conn):
    store = OxigraphStore(path, read_only=True)
    spent = 0.0
    for _ in range(runs):
        seconds, result = timed(lambda: store.query(text))
        spent += seconds
        conn.send((seconds, len(result)))
        if spent > budget:
            break
    conn.send(None)
    conn.close()


def oxigraph_runs(path: Path, text: str, runs: int, budget: float, timeout: float) -> tuple[list[float], int | None, bool]:
    """Up to ``runs`` timings of one query over the store opened read-only in a fresh process.

    Repeats while the runs together took at most ``budget`` seconds; stops
    (and reports a timeout) when one run takes longer than ``timeout``.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_oxigraph_child, args=(path, text, runs, budget, child))
    proc.start()
    child.close()
    times, rows = [], None
    while True:
        if not parent.poll(timeout + 10):  # + the worker's start-up
            proc.kill()
            proc.join()
            return times, rows, True
        message = parent.recv()
        if message is None:
            break
        seconds, rows = message
        times.append(seconds)
    proc.join()
    return times, rows, False


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(value: float | None, timeout: float) -> str:
    return f"> {timeout:.0f} s" if value is None else f"{value * 1000:.1f}"


def conditions() -> dict[str, object]:
    import pyoxigraph
    import rdflib

    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def bench(size: int, args, workdir: Path) -> dict[str, object]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    seconds, lines = timed(lambda: generate(size))
    nt = workdir / f"graph-{size}.nt"
    nt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n_triples = len(lines)
    del lines
    print(
        f"\n## {n_triples:,} triples (asked {size:,}; generated in {seconds:.1f} s, {nt.stat().st_size / 1e6:.0f} MB); "
        f"load average before: {' '.join(map(str, load_before))}"
    )
    rdflib_runs = args.rdflib_runs if size < 5_000_000 else min(args.rdflib_runs, args.rdflib_runs_5m)
    report: dict[str, object] = {"asked": size, "triples": n_triples, "load_average_before": load_before, "queries": []}

    ox_dir = workdir / f"ox-{size}"
    ox = OxigraphStore(ox_dir)
    ox_load, _ = timed(lambda: bulk_load(ox, nt))  # as a build loads it (chunked) ...
    ox_optimize, _ = timed(ox.optimize)  # ... and compacts it
    ox.close()
    report["load_seconds"] = {"oxigraph": round(ox_load, 3), "oxigraph_optimize": round(ox_optimize, 3)}
    # Every Oxigraph query is timed before rdflib loads the graph: rdflib holds
    # gigabytes at 5M triples, and the memory it takes from the page cache
    # would slow Oxigraph's reads from disk (seen here: name lookups 4x slower).
    queries = bundled_queries()
    ox_results = {q.name: oxigraph_runs(ox_dir, q.text, args.runs, args.budget, args.timeout) for q in queries}
    rdf = graph = None
    if rdflib_runs > 0:
        rd_load, graph = timed(lambda: load_graph(nt))
        rdf = MemoryStore()
        rdf._graph = graph  # noqa: SLF001 - the loaded graph, not a copy (copying 5M triples would dominate)
        report["load_seconds"]["rdflib"] = round(rd_load, 3)
        print(f"load: rdflib {rd_load:.1f} s, Oxigraph (bulk_load, on disk) {ox_load:.1f} s ({rd_load / ox_load:.1f}x), "
              f"then compacted (optimize) in {ox_optimize:.1f} s")
    else:
        print(f"load: Oxigraph {ox_load:.1f} s, compacted in {ox_optimize:.1f} s (rdflib not run: --rdflib-runs 0)")

    header = (
        f"{'query':<26}{'rows':>7}{'ox runs':>8}{'ox median ms':>14}{'ox p95 ms':>11}"
        f"{'rdflib runs':>12}{'rdflib median ms':>18}{'ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    ox_medians, rd_medians, ratios, lower_bound = [], [], [], False
    for q in queries:
        ox_times, rows, ox_timeout = ox_results[q.name]
        entry: dict[str, object] = {"name": q.name}
        report["queries"].append(entry)
        if not ox_times:
            print(f"{q.name:<26}{'?':>7}{0:>8}{'> ' + str(int(args.timeout)) + ' s':>14}  (rdflib not run)")
            entry.update(oxigraph_timeout=args.timeout)
            ox_medians.append(args.timeout)
            continue
        rd_times, rd_rows, timed_out = [], None, False
        for _ in range(rdflib_runs):
            t, n = rdflib_run(rdf, q.text, args.timeout)
            if t is None:
                timed_out = True
                break
            rd_times.append(t)
            rd_rows = n
            if sum(rd_times) > args.budget:
                break
        ox_med = statistics.median(ox_times)
        ox_medians.append(ox_med)
        entry.update(rows=rows, oxigraph_runs=len(ox_times), oxigraph_median_ms=round(ox_med * 1000, 2),
                     oxigraph_p95_ms=round(p95(ox_times) * 1000, 2))
        if rdf is None:
            rd_med_s, ratio = "-", "-"
        elif timed_out:
            rd_med_s, ratio = f"> {args.timeout:.0f} s", f">={args.timeout / ox_med:.0f}x"
            ratios.append(args.timeout / ox_med)
            rd_medians.append(args.timeout)
            lower_bound = True
            entry.update(rdflib_timeout_s=args.timeout, ratio_at_least=round(args.timeout / ox_med, 1))
        else:
            rd_med = statistics.median(rd_times)
            rd_med_s, ratio = ms(rd_med, args.timeout), f"{rd_med / ox_med:.0f}x"
            ratios.append(rd_med / ox_med)
            rd_medians.append(rd_med)
            entry.update(rdflib_runs=len(rd_times), rdflib_median_ms=round(rd_med * 1000, 2),
                         rdflib_rows=rd_rows, ratio=round(rd_med / ox_med, 1))
        flag = "" if timed_out or rdf is None or rd_rows == rows else f"  (rdflib rows {rd_rows})"
        print(
            f"{q.name:<26}{rows:>7}{len(ox_times):>8}{ms(ox_med, 0):>14}{ms(p95(ox_times), 0):>11}"
            f"{len(rd_times) if rdf is not None else 0:>12}{rd_med_s:>18}{ratio:>9}{flag}"
        )
    ox_overall = statistics.median(ox_medians)
    summary = {"oxigraph_median_of_medians_ms": round(ox_overall * 1000, 2),
               "oxigraph_slowest_ms": round(max(ox_medians) * 1000, 2),
               "queries_under_100ms": sum(m < 0.1 for m in ox_medians), "queries": len(ox_medians)}
    line = (
        f"median over the {len(ox_medians)} queries: Oxigraph {ox_overall * 1000:.1f} ms "
        f"({summary['queries_under_100ms']} under 100 ms, slowest {max(ox_medians) * 1000:.0f} ms)"
    )
    if ratios:
        bound = ">" if lower_bound else ""
        rd_overall = statistics.median(rd_medians)
        summary.update(rdflib_median_of_medians_ms=round(rd_overall * 1000, 2),
                       ratio_of_medians=round(rd_overall / ox_overall, 1),
                       median_ratio=round(statistics.median(ratios), 1), smallest_ratio=round(min(ratios), 1),
                       ratios_are_lower_bounds=lower_bound)
        line += (
            f"; rdflib {bound}{rd_overall * 1000:.0f} ms; ratio of the medians {bound}{rd_overall / ox_overall:.0f}x, "
            f"median ratio {statistics.median(ratios):.0f}x, smallest {min(ratios):.0f}x"
            + (" (a '>' figure is a lower bound: rdflib was stopped at the time limit)" if lower_bound else "")
        )
    print(line)
    report["summary"] = summary
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average after: {' '.join(map(str, report['load_average_after']))}")
    del rdf, graph
    nt.unlink()
    sys.stdout.flush()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000", help="comma-separated triple counts")
    parser.add_argument("--runs", type=int, default=10, help="Oxigraph runs per query (at most)")
    parser.add_argument("--rdflib-runs", type=int, default=3, help="rdflib runs per query (at most)")
    parser.add_argument("--rdflib-runs-5m", type=int, default=1, help="rdflib runs per query from 5M triples on (at most)")
    parser.add_argument("--budget", type=float, default=5.0, help="stop repeating a query once its runs took this many seconds")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a run is stopped (reported as a lower bound)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    machine = conditions()
    print(
        f"kg store benchmark: {machine['cpus']} CPUs, load average {' '.join(map(str, machine['load_average']))}, "
        f"Python {machine['python']}, pyoxigraph {machine['pyoxigraph']}, rdflib {machine['rdflib']}, {machine['platform']}"
    )
    print(f"settings: runs {args.runs}, rdflib runs {args.rdflib_runs} ({args.rdflib_runs_5m} from 5M), "
          f"budget {args.budget:g} s per query, time limit {args.timeout:g} s per run")
    started = time.monotonic()
    reports = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-store-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            reports.append(bench(size, args, Path(tmp)))
    print(f"\ntotal time {(time.monotonic() - started) / 60:.1f} min")
    if args.json is not None:
        data = {"machine": machine, "settings": vars(args) | {"json": str(args.json)}, "sizes": reports}
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
