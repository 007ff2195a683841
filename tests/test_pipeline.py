"""The extraction stage (kg.pipeline): parallel runs, order, streaming, plain rows."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from kg.ontology import load_ontology
from kg.pipeline import BATCHES_PER_JOB, DocumentResult, Extractor, extract
from kg.records import Document, content_id
from kg.relations import TokenTable, relations_from_rows

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def extractor():
    return Extractor(load_ontology())


def _documents(n: int, seed: int = 5) -> list[Document]:
    text = (ROOT / "corpus" / "stem-cells-ddd.txt").read_text(encoding="utf-8")
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    rng = random.Random(seed)
    docs = [Document(content_id(text), "article.txt", text)]
    for i in range(n - 1):
        rng.shuffle(sentences)
        body = "".join(s + rng.choice([" ", " ", "\n\n"]) for s in sentences[: rng.randrange(1, 25)])
        docs.append(Document(content_id(body), f"doc{i}.txt", body))
    docs.append(Document(content_id(""), "empty.txt", ""))
    return docs


def test_two_jobs_give_the_same_results_in_the_same_order(extractor):
    docs = _documents(40)
    one = list(extractor.run(docs, jobs=1))
    two = list(extractor.run(docs, jobs=2, batch_size=3))
    assert [r.document for r in two] == docs
    assert two == one
    assert sum(len(r.relations) for r in one) > 100  # the comparison means something


def test_extract_with_jobs(extractor):
    docs = _documents(6)
    assert list(extract(docs, extractor.ontology, jobs=2)) == list(extractor.run(docs))


def test_parallel_run_streams_its_input(extractor):
    docs = _documents(30)
    taken = 0

    def source():
        nonlocal taken
        for d in docs:
            taken += 1
            yield d

    results = extractor.run(source(), jobs=2, batch_size=2)
    first = next(results)
    assert first.document == docs[0]
    # a bounded number of batches is read ahead, not the whole corpus
    assert taken <= 2 * (BATCHES_PER_JOB * 2 + 1)
    results.close()  # stopping early shuts the workers down


def test_parallel_run_of_nothing(extractor):
    assert list(extractor.run([], jobs=2)) == []


def test_read_matches_run(extractor):
    docs = _documents(3)
    for (doc, document), result in zip(
        extractor.nlp.pipe(((d.text, d) for d in docs), as_tuples=True), extractor.run(docs)
    ):
        found = extractor.read(doc, document)
        assert isinstance(found, DocumentResult)
        assert found == result


def test_reader_records_are_made_from_its_rows(extractor):
    from spacy.attrs import IDX, LENGTH

    text = "MSCs secrete growth factors. They reduce inflammation and IL-1β."
    doc = extractor.nlp(text)
    arr = doc.to_array([IDX, LENGTH])
    tokens = TokenTable(text, arr[:, 0].tolist(), arr[:, 1].tolist())
    sentences = [(s.start, s.end) for s in doc.sents]
    mentions = [tuple(m) for m in doc._.kg_mentions]
    triggers = [tuple(t) for t in doc._.kg_triggers]
    rows = extractor.reader.read_rows(text, tokens, sentences, mentions, triggers)
    records = extractor.reader.read("d", "s", text, tokens, sentences, mentions, triggers)
    assert records and records == relations_from_rows("d", "s", text, rows)
    # the reader takes Tok records too, with the same result
    assert extractor.reader.read("d", "s", text, list(tokens), sentences, mentions, triggers) == records
