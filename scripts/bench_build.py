"""Synthetic corpora for the benchmarks: documents of shuffled sentences of the bundled article.

    .venv/bin/python scripts/bench_build.py FOLDER --words 1000000

Each document is a deterministic shuffle of the article's sentences (about
``--doc-words`` words), written as a .txt file.  ``scripts/bench.py`` builds
such corpora and times whole builds; this script only writes one.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the documents (created if missing)")
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--doc-words", type=int, default=1000, help="words per document")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"wrote {make_corpus(args.folder, args.words, args.doc_words)} words into {args.folder}")


if __name__ == "__main__":
    main()
