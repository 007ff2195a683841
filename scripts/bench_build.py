"""Benchmark: build speed and peak memory on synthetic corpora, with --jobs 1 and 2.

    .venv/bin/python scripts/bench_build.py                          # 1M and 10M words
    .venv/bin/python scripts/bench_build.py --words 100000,300000 --jobs 1,2

A corpus of N words is made from the sentences of the bundled article
(``corpus/``): documents of about ``--doc-words`` words, each a deterministic
shuffle of the article's sentences, written as .txt files.  Each build runs in
a fresh process (``kg.build.build``, Oxigraph store included) and reports
wall time, words per second, documents extracted, and its peak resident memory
(the build process itself, and the largest of its worker processes for
``--jobs`` > 1).  A second, unchanged build of the same corpus is timed too:
it reuses every cached result.  This script holds no logic of kg.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, resource, sys, time
from kg.build import build
t = time.perf_counter()
s = build([sys.argv[1]], sys.argv[2], jobs=int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t, "documents": s.documents, "extracted": s.extracted,
    "relations": s.relations, "evidence": s.evidence,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "workers_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def sentences() -> list[str]:
    text = (ROOT / "corpus" / "stem-cells-ddd.txt").read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if len(p.split()) >= 4]


def make_corpus(folder: Path, words: int, doc_words: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    pool = sentences()
    written, n = 0, 0
    while written < words:
        rng.shuffle(pool)
        body, count = [], 0
        for s in pool:
            body.append(s)
            count += len(s.split())
            if count >= doc_words:
                break
        (folder / f"doc{n:06d}.txt").write_text(f"Synthetic document {n}\n\n" + " ".join(body) + "\n", encoding="utf-8")
        written += count
        n += 1
    return written


def run(corpus: Path, out: Path, jobs: int) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus), str(out), str(jobs)], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", default="1000000,10000000", help="comma-separated corpus sizes in words")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values")
    parser.add_argument("--doc-words", type=int, default=1000, help="words per document")
    args = parser.parse_args()
    print(f"{'words':>10} {'docs':>6} {'jobs':>4} {'seconds':>8} {'words/s':>8} {'rss MB':>7} {'worker MB':>9} {'rebuild s':>9}")
    for words in (int(w) for w in args.words.split(",")):
        with tempfile.TemporaryDirectory(prefix="kg-bench-build-") as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            actual = make_corpus(corpus, words, args.doc_words)
            for jobs in (int(j) for j in args.jobs.split(",")):
                out = Path(tmp) / f"out-{jobs}"
                first = run(corpus, out, jobs)
                start = time.perf_counter()
                again = run(corpus, out, jobs)
                assert again["extracted"] == 0, again
                rebuild = time.perf_counter() - start
                print(
                    f"{actual:>10} {first['documents']:>6} {jobs:>4} {first['seconds']:>8.1f} "
                    f"{actual / first['seconds']:>8.0f} {first['rss_mb']:>7.0f} {first['workers_rss_mb']:>9.0f} {rebuild:>9.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
