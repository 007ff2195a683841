"""The scale benchmark: extraction against its floor, and whole builds, in one run.

    .venv/bin/python scripts/bench.py                        # the issue's figures (about 15 minutes)
    .venv/bin/python scripts/bench.py --quick                # small sizes, to try the script
    .venv/bin/python scripts/bench.py --sizes 1000000 --jobs 2 --skip-extraction

Part 1, extraction (``scripts/bench_extraction.py``'s :func:`measure`): words
per second of the bare floor (spaCy's blank tokenizer with kg's entity ruler
and trigger matcher, no relation logic), of full extraction with one and two
processes, and the ratios.

Part 2, end to end: synthetic corpora (``scripts/bench_build.py``'s
:func:`make_corpus`: documents of shuffled sentences of the bundled article,
written as .txt files) built with ``kg build`` from scratch, each build in a
fresh process, with the time of each stage (``BuildSummary.stages``), words
per second, words per second per process, and the peak memory of the build's
whole process tree (sampled from /proc every 0.1 s, so Linux only).  Then the
growth ratio between the smallest and largest corpus: 1.0 means time grows
exactly linearly with the words.

Words are whitespace-separated tokens, everywhere.  The targets the output is
checked against: extraction >= 0.8 of the floor; >= 50k words/s per process
end to end; 10M words in under 5 minutes on 2 processes, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CHILD = """
import json, sys, time
from kg.build import build
t = time.perf_counter()
s = build([sys.argv[1]], sys.argv[2], jobs=int(sys.argv[3]), incremental=sys.argv[4] == "1")
print(json.dumps({"seconds": time.perf_counter() - t, "documents": s.documents, "statements": s.relations,
                  "evidence": s.evidence, "stages": s.stages}))
"""


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, ()))
    return total


def timed_build(corpus: Path, out: Path, jobs: int, incremental: bool) -> dict:
    """One build in a fresh process; its result, wall time and peak memory of its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(corpus), str(out), str(jobs), "1" if incremental else "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    result["peak_mb"] = peak[0] / 2**20
    return result


def conditions() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}, Python {platform.python_version()}, {platform.platform()}"


def extraction_part(words: int) -> dict:
    from bench_extraction import measure

    print(f"\n== Extraction, {words:,} words ({conditions()})", flush=True)
    result = measure(words, (1, 2))
    print(json.dumps(result, indent=1, default=str), flush=True)
    return result


def build_part(sizes: list[int], jobs_list: list[int], doc_words: int, keep: Path | None) -> list[dict]:
    from bench_build import make_corpus

    rows = []
    print(f"\n== End to end ({conditions()})", flush=True)
    header = f"{'words':>11} {'docs':>6} {'jobs':>4} {'wall s':>7} {'words/s':>8} {'/process':>8} {'peak MB':>8}  stages (s)"
    print(header, flush=True)
    for words in sizes:
        with tempfile.TemporaryDirectory(prefix="kg-bench-", dir=keep) as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            actual = make_corpus(corpus, words, doc_words)
            for jobs in jobs_list:
                result = timed_build(corpus, Path(tmp) / f"out-{jobs}", jobs, incremental=False)
                rate = actual / result["wall"]
                stages = " ".join(f"{name}={seconds:.1f}" for name, seconds in result["stages"])
                print(
                    f"{actual:>11,} {result['documents']:>6} {jobs:>4} {result['wall']:>7.1f} {rate:>8.0f} "
                    f"{rate / jobs:>8.0f} {result['peak_mb']:>8.0f}  {stages}",
                    flush=True,
                )
                rows.append({"words": actual, "jobs": jobs, **result})
    return rows


def summary(extraction: dict | None, rows: list[dict]) -> None:
    print("\n== Against the targets", flush=True)
    if extraction:
        for key, value in extraction.get("ratios", {}).items():
            print(f"  ratio {key}: {value:.2f}")
    for jobs in sorted({r["jobs"] for r in rows}):
        mine = sorted((r for r in rows if r["jobs"] == jobs), key=lambda r: r["words"])
        for r in mine:
            print(f"  jobs={jobs} {r['words']:>11,} words: {r['wall']:.1f} s, {r['words'] / r['wall'] / jobs:,.0f} words/s "
                  f"per process, peak {r['peak_mb']:.0f} MB")  # fmt: skip
        if len(mine) >= 2:
            small, large = mine[0], mine[-1]
            growth = (large["wall"] / small["wall"]) / (large["words"] / small["words"])
            print(f"  jobs={jobs} growth {small['words']:,} -> {large['words']:,} words: time x"
                  f"{large['wall'] / small['wall']:.2f} for words x{large['words'] / small['words']:.2f} "
                  f"(1.00 = linear: {growth:.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated corpus sizes in words")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values for the builds")
    parser.add_argument("--doc-words", type=int, default=1000, help="words per synthetic document")
    parser.add_argument("--extraction-words", type=int, default=1_000_000)
    parser.add_argument("--skip-extraction", action="store_true")
    parser.add_argument("--quick", action="store_true", help="100k/300k words, 100k for extraction")
    parser.add_argument("--scratch", type=Path, help="folder for the corpora and builds (default: the system's)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    sizes = [100_000, 300_000] if args.quick else [int(w) for w in args.sizes.split(",")]
    extraction = None
    if not args.skip_extraction:
        extraction = extraction_part(100_000 if args.quick else args.extraction_words)
    rows = build_part(sizes, [int(j) for j in args.jobs.split(",")], args.doc_words, args.scratch)
    summary(extraction, rows)
    if args.json:
        args.json.write_text(json.dumps({"conditions": conditions(), "extraction": extraction, "builds": rows},
                                        indent=1, default=str), encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
