"""kg.distributed: extraction on a real dask.distributed cluster (two worker processes on loopback).

The cluster is started once for the module; every test compares with the
single-process :class:`kg.pipeline.Extractor`.
"""

from __future__ import annotations

import inspect
import socket
import sys
import time
from pathlib import Path

import pytest

from kg.errors import MissingDependencyError, PipelineError
from kg.ontology import load_ontology, load_ontology_from_text
from kg.pipeline import Extractor
from kg.records import Document, content_id

distributed = pytest.importorskip("distributed", reason="needs dask.distributed: pip install -e '.[test]'")

from kg.distributed import ClusterError, extract_dask, ontology_payload, pipeline_builds

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "stem-cells-ddd.txt"


def _doc(text: str, source: str) -> Document:
    return Document(content_id(text), source, text)


def _documents() -> list[Document]:
    """The seed article, then each of its paragraphs as a small document, then a few more."""
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n\n") if len(p.strip()) > 200][:10]
    docs = [_doc(text, "stem-cells-ddd.txt")]
    docs += [_doc(p, f"part-{i:02d}.txt") for i, p in enumerate(paragraphs)]
    docs += [
        _doc("Mesenchymal stem cells secrete growth factors that reduce inflammation in the disc.", "short-1.txt"),
        _doc("No concepts here at all.", "short-2.txt"),
        _doc("x", "tiny.txt"),
    ]
    return docs


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as c:
        yield c


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_same_results_in_input_order(cluster, ontology):
    docs = _documents()
    expected = list(Extractor(ontology).run(docs))
    got = list(extract_dask(docs, ontology, scheduler=cluster.scheduler_address, batch_size=2, in_flight=1))
    assert [r.document for r in got] == docs  # input order, documents intact
    assert got == expected  # every mention and relation, with its evidence, compares equal
    assert sum(len(r.relations) for r in got) > 10 and sum(len(r.mentions) for r in got) > 100
    assert got[-1].mentions == () and got[-2].mentions == ()


def test_streams_from_a_generator_in_bounded_windows(cluster, ontology):
    """Documents are pulled lazily: after the first result, only a bounded number have been read."""
    docs = _documents() * 4
    read = 0

    def source():
        nonlocal read
        for d in docs:
            read += 1
            yield d

    stream = extract_dask(source(), ontology, scheduler=cluster.scheduler_address, batch_size=2, in_flight=1)
    first = next(stream)
    # 2 worker threads x 1 batch in flight (at least 2 batches), plus the refill after the first one
    assert read <= 3 * 2
    rest = list(stream)
    assert [first, *rest] == list(Extractor(ontology).run(docs))


def test_pipeline_built_once_per_worker(cluster, client):
    # an ontology of its own (from text, so it travels as its graph), so the counts start at zero
    extra = """
    @prefix kg: <https://w3id.org/kg/ontology/> .
    @prefix owl: <http://www.w3.org/2002/07/owl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    kg:Zorblast a owl:Class ; rdfs:subClassOf kg:Cell ; skos:prefLabel "zorblast"@en .
    """
    ontology = load_ontology_from_text(extra)
    payload = ontology_payload(ontology)
    assert payload.from_graph and ontology_payload(load_ontology()).from_graph is False
    docs = [_doc(f"Zorblast number {i} lives in the disc.", f"z{i}.txt") for i in range(12)]
    before = client.run(pipeline_builds)
    for _ in range(2):  # a second run reuses the pipelines the workers built
        got = list(extract_dask(docs, ontology, scheduler=cluster.scheduler_address, batch_size=1))
        assert got == list(Extractor(ontology).run(docs))
        assert all(any(m.concept.endswith("Zorblast") for m in r.mentions) for r in got)
    after = client.run(pipeline_builds)
    builds = {w: after[w]["builds"] - before[w]["builds"] for w in after}
    batches = {w: after[w]["batches"] - before[w]["batches"] for w in after}
    assert sum(batches.values()) == 24
    assert len(builds) == 2
    assert builds == {w: 1 for w in after}, (builds, batches)


def test_unreachable_scheduler_fails_fast(ontology):
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(ClusterError, match="cannot reach the Dask scheduler at " + address):
        list(extract_dask(_documents()[:2], ontology, scheduler=address, timeout=1.5))
    assert time.monotonic() - started < 10


def test_something_else_on_the_port_fails_fast(ontology):
    """A port where something listens but never speaks Dask (a dashboard, a web server) must not hang."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ClusterError, match="no answer from a Dask scheduler within 1.5 s"):
            list(extract_dask(_documents()[:2], ontology, scheduler=address, timeout=1.5))
        assert time.monotonic() - started < 10


def test_not_an_address(ontology):
    with pytest.raises(ClusterError, match="not a scheduler address"):
        list(extract_dask(_documents()[:1], ontology, scheduler="tcp://127.0.0.1", timeout=1))


def test_no_documents_needs_no_cluster(ontology):
    assert list(extract_dask([], ontology, scheduler=f"tcp://127.0.0.1:{_free_port()}", timeout=1)) == []


def test_worker_error_comes_back_as_kg_error(cluster, ontology):
    with pytest.raises(PipelineError) as info:
        list(extract_dask(_documents()[:1], ontology, model="no_such_spacy_model", scheduler=cluster.scheduler_address))
    assert type(info.value) is PipelineError
    assert str(info.value).startswith("[E300] spaCy pipeline 'no_such_spacy_model' is not installed")
    assert str(info.value).count("[E300]") == 1


def test_missing_distributed_is_reported(monkeypatch, ontology):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(MissingDependencyError, match=r"pip install"):
        extract_dask(_documents()[:1], ontology)


def test_build_with_dask_executor_gives_the_same_graph(cluster, client, make_corpus, tmp_path):
    from kg.build import build

    params = inspect.signature(build).parameters
    assert "executor" in params and "scheduler" in params, "kg.build.build() has no executor/scheduler parameters yet"
    docs = _documents()
    corpus = make_corpus({d.source: d.text for d in docs if len(d.text) > 1})
    plain = build([corpus], tmp_path / "plain")
    before = client.run(pipeline_builds)
    dask = build([corpus], tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
    after = client.run(pipeline_builds)
    assert sum(after[w]["batches"] - before[w]["batches"] for w in after) > 0  # the cluster did the extraction
    assert dask.extracted == plain.extracted == plain.documents > 10
    assert (tmp_path / "dask" / "graph.nt").read_bytes() == (tmp_path / "plain" / "graph.nt").read_bytes()



@pytest.mark.parametrize("payload", ["scattered", "inline"])
def test_losing_every_worker_fails_instead_of_hanging(ontology, monkeypatch, payload):
    """All workers of the cluster go mid-run: ClusterError in bounded time, not a wait for ever.

    With the ontology scattered (what extract_dask does), the scheduler cancels
    the batches that need it once the last worker holding it is gone.  With
    "inline", the payload travels inside each task, so nothing is lost and the
    batches just wait on a scheduler without workers: only the run's own
    watch (no worker for ``timeout`` seconds) ends that.
    """
    import threading

    if payload == "inline":
        monkeypatch.setattr(distributed.Client, "scatter", lambda self, data, **kw: list(data))
    docs = _documents() * 4
    got: list = []
    failure: list[BaseException] = []
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0", silence_logs=50
    ) as local:
        stream = extract_dask(docs, ontology, scheduler=local.scheduler_address, batch_size=1, in_flight=1, timeout=2)
        got.append(next(stream))  # the workers are up and have built their pipelines

        def consume() -> None:
            try:
                got.extend(stream)
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                failure.append(exc)

        local.scale(0)  # every worker goes, nanny and all, so none comes back
        started = time.monotonic()
        consumer = threading.Thread(target=consume, daemon=True)
        consumer.start()
        consumer.join(60)
        waited = time.monotonic() - started
        assert not consumer.is_alive(), "extract_dask still waits for workers that are gone"
    assert len(failure) == 1 and isinstance(failure[0], ClusterError), failure
    assert waited < 30
    if payload == "inline":
        assert "the Dask cluster has had no workers for 2 s with documents" in str(failure[0])
        assert waited >= 2
    assert 1 <= len(got) < len(docs)
    assert got == list(Extractor(ontology).run(docs[: len(got)]))  # what was yielded before is intact
