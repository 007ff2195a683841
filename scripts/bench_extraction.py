"""Benchmark: extraction speed against the bare spaCy floor, measured in one run.

    .venv/bin/python scripts/bench_extraction.py                 # about 1M words
    .venv/bin/python scripts/bench_extraction.py --words 200000 --repeat 5

Prints words per second for

(a) ``floor``: spaCy's blank English tokenizer plus kg's own components
    (``kg_sentences``, ``kg_concepts``: the entity ruler and trigger matcher),
    ``nlp.pipe`` only, no relation logic;
(b) ``spacy_ruler``: a reference floor, spaCy's blank tokenizer plus its stock
    EntityRuler loaded with the ontology's names (phrase patterns matched on
    ``LOWER``), nothing else;
(c) ``extract_j1``: full extraction (``Extractor.run``, records included), one process;
(d) ``extract_j2``: the same with ``jobs=2`` (or whatever ``--jobs`` lists);

and the ratios (c)/(a), (c)/(b), (d)/(c).

Words are counted the same way everywhere: whitespace-separated tokens of the
document texts (``len(text.split())``).  The corpus is made in memory from the
sentences of the bundled article (``corpus/``): documents of about
``--doc-words`` words, each a deterministic shuffle of the article's
sentences.  Every measurement is repeated ``--repeat`` times, the variants
interleaved so that a change in machine load hits all of them alike; the best
time of each is reported, with the load average before and after.

Other scripts can call :func:`measure` (for instance through ``runpy`` or
``importlib``); it returns a plain dict.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def count_words(text: str) -> int:
    """How this benchmark counts words: whitespace-separated tokens."""
    return len(text.split())


def _sentences() -> list[str]:
    text = (ROOT / "corpus" / "stem-cells-ddd.txt").read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if len(p.split()) >= 4]


def make_documents(words: int, doc_words: int = 700, seed: int = 11) -> list:
    """Synthetic documents of about ``doc_words`` words, ``words`` in all."""
    from kg.records import Document, content_id

    rng = random.Random(seed)
    pool = _sentences()
    docs, written = [], 0
    while written < words:
        rng.shuffle(pool)
        body, count = [], 0
        for s in pool:
            body.append(s)
            count += count_words(s)
            if count >= doc_words:
                break
        text = f"Synthetic document {len(docs)}\n\n" + " ".join(body) + "\n"
        docs.append(Document(content_id(text), f"doc{len(docs):06d}.txt", text))
        written += count_words(text)
    return docs


def _spacy_ruler(ontology):
    """spaCy's blank English with its stock EntityRuler holding the ontology's names."""
    import spacy

    from kg.lexicon import concept_terms

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    patterns = sorted({(t.text, t.concept) for t in concept_terms(ontology)})
    ruler.add_patterns([{"label": "CONCEPT", "pattern": text, "id": concept} for text, concept in patterns])
    return nlp


def measure(words: int = 1_000_000, jobs: tuple[int, ...] = (1, 2), *, repeat: int = 3, doc_words: int = 700) -> dict:
    """Words per second of the floor, the reference floor and extraction with each ``jobs``, and their ratios.

    ``jobs`` should contain 1 for the ratios against the floors.
    """
    from kg.ontology import load_ontology
    from kg.pipeline import Extractor

    ontology = load_ontology()
    docs = make_documents(words, doc_words)
    texts = [d.text for d in docs]
    n_words = sum(count_words(t) for t in texts)
    extractor = Extractor(ontology)
    ruler = _spacy_ruler(ontology)

    def floor() -> None:
        for _ in extractor.nlp.pipe(texts, batch_size=32):
            pass

    def reference() -> None:
        for _ in ruler.pipe(texts, batch_size=32):
            pass

    def extraction(n: int):
        def run() -> None:
            for _ in extractor.run(docs, jobs=n):
                pass

        return run

    variants = {"floor": floor, "spacy_ruler": reference}
    variants.update({f"extract_j{n}": extraction(n) for n in jobs})
    best = {name: float("inf") for name in variants}
    load_before = os.getloadavg()
    for _ in range(repeat):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    load_after = os.getloadavg()
    speed = {name: n_words / seconds for name, seconds in best.items()}
    ratios = {}
    if "extract_j1" in speed:
        ratios["extract_j1/floor"] = speed["extract_j1"] / speed["floor"]
        ratios["extract_j1/spacy_ruler"] = speed["extract_j1"] / speed["spacy_ruler"]
        for n in jobs:
            if n != 1:
                ratios[f"extract_j{n}/extract_j1"] = speed[f"extract_j{n}"] / speed["extract_j1"]
    return {
        "words": n_words,
        "documents": len(docs),
        "word_count": "whitespace-separated tokens of the document texts",
        "repeat": repeat,
        "seconds": best,
        "words_per_second": speed,
        "ratios": ratios,
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=1_000_000, help="corpus size in words (default 1M)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated jobs values for full extraction")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions; the best time counts")
    parser.add_argument("--doc-words", type=int, default=700, help="words per synthetic document")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    jobs = tuple(int(j) for j in args.jobs.split(","))
    result = measure(args.words, jobs, repeat=args.repeat, doc_words=args.doc_words)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['words']} words ({result['word_count']}), {result['documents']} documents, "
          f"best of {result['repeat']}, {result['cpus']} CPUs")
    print(f"load average before {' '.join(f'{x:.2f}' for x in result['load_average_before'])}, "
          f"after {' '.join(f'{x:.2f}' for x in result['load_average_after'])}")
    for name, wps in result["words_per_second"].items():
        print(f"  {name:<14} {wps:>10,.0f} words/s  ({result['seconds'][name]:.2f} s)")
    for name, ratio in result["ratios"].items():
        print(f"  {name:<24} {ratio:.2f}")


if __name__ == "__main__":
    main()
