"""kg.sources.eutils and ``kg fetch-pubmed``, against recorded E-utilities answers (no network, no real sleeping)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.corpus import read_corpus
from kg.records import Document
from kg.sources import eutils
from kg.sources.eutils import EUtils, FetchError, RateLimiter, Response, batch_file_name, fetch_pubmed

RECORDED = Path(__file__).resolve().parent / "fixtures" / "eutils"
BASE = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
QUERY = "stem cells AND intervertebral disc"
ESEARCH = f"{BASE}esearch.fcgi?db=pubmed&term=stem+cells+AND+intervertebral+disc&usehistory=y&retmax=0&retmode=json"
EFETCH = f"{BASE}efetch.fcgi?db=pubmed&query_key=1&WebEnv=MCID_0000kgtest0000"


def recorded(name: str, status: int = 200, **headers: str) -> Response:
    return Response(status, (RECORDED / name).read_bytes(), headers)


class FakeClock:
    """Time that passes only when someone sleeps (or a request takes ``latency``)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Replay:
    """A transport that answers each expected URL from a script, recording when it was asked."""

    def __init__(self, clock: FakeClock, script: list[tuple[str, Response | Exception]], latency: float = 0.0) -> None:
        self.clock = clock
        self.script = list(script)
        self.latency = latency
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str) -> Response:
        self.calls.append((url, round(self.clock.now, 6)))
        assert self.script, f"unexpected request {url}"
        expected, answer = self.script.pop(0)
        assert url == expected
        self.clock.now += self.latency
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(script, *, api_key=None, email="someone@example.org", latency=0.0, **kw):
    clock = FakeClock()
    replay = Replay(clock, script, latency)
    made = EUtils(api_key=api_key, email=email, tool="kg", transport=replay, clock=clock, sleep=clock.sleep, **kw)
    return made, replay, clock


IDENT = "&tool=kg&email=someone%40example.org"
FULL_SCRIPT = [
    (ESEARCH + IDENT, recorded("esearch.json")),
    (EFETCH + "&retstart=0&retmax=2&retmode=xml" + IDENT, recorded("efetch-1.xml")),
    (EFETCH + "&retstart=2&retmax=1&retmode=xml" + IDENT, recorded("efetch-2.xml")),
]


def test_search_then_fetch_in_batches(tmp_path):
    made, replay, clock = client(FULL_SCRIPT)
    summary = fetch_pubmed(QUERY, tmp_path / "pubmed", max_records=3, batch_size=2, client=made)
    assert replay.script == []  # every recorded request was made, in order, with exactly these URLs
    assert summary.count == 3 and summary.fetched == 3 and summary.requests == 3
    assert summary.translation == '"stem cells"[All Fields] AND "intervertebral disc"[All Fields]'
    assert [p.name for p in summary.files] == ["pubmed-000001-000002.xml", "pubmed-000003-000003.xml"]
    assert summary.files[0].read_bytes() == (RECORDED / "efetch-1.xml").read_bytes()
    assert summary.files[1].read_bytes() == (RECORDED / "efetch-2.xml").read_bytes()
    assert sorted(p.name for p in (tmp_path / "pubmed").iterdir()) == ["pubmed-000001-000002.xml", "pubmed-000003-000003.xml"]


@pytest.mark.parametrize(
    ("api_key", "times"),
    [(None, [0.0, 0.333333, 0.666667]), ("SECRET", [0.0, 0.1, 0.2])],
    ids=["3 per second without a key", "10 per second with a key"],
)
def test_rate_limit(tmp_path, api_key, times):
    ident = IDENT + (f"&api_key={api_key}" if api_key else "")
    script = [(url.replace(IDENT, ident), answer) for url, answer in FULL_SCRIPT]
    made, replay, _ = client(script, api_key=api_key)
    fetch_pubmed(QUERY, tmp_path, max_records=3, batch_size=2, client=made)
    assert [t for _, t in replay.calls] == times


def test_rate_limit_counts_only_the_time_still_to_wait():
    clock = FakeClock()
    limiter = RateLimiter(2.0, clock, clock.sleep)
    limiter.wait()  # first: at once
    clock.now += 0.2  # the request took 0.2 s
    limiter.wait()
    clock.now += 0.7  # longer than the interval
    limiter.wait()
    assert clock.sleeps == [0.3]


def test_max_records_limits_the_fetch(tmp_path):
    script = [FULL_SCRIPT[0], (EFETCH + "&retstart=0&retmax=2&retmode=xml" + IDENT, recorded("efetch-1.xml"))]
    made, replay, _ = client(script)
    summary = fetch_pubmed(QUERY, tmp_path, max_records=2, batch_size=500, client=made)
    assert summary.count == 3 and summary.fetched == 2
    assert [p.name for p in summary.files] == ["pubmed-000001-000002.xml"]


def test_retries_with_back_off_and_retry_after(tmp_path):
    url = ESEARCH + IDENT
    script = [
        (url, recorded("rate-limited.json", 429, **{"retry-after": "2"})),
        (url, Response(503, b"<html>Service unavailable</html>")),
        (url, TimeoutError("timed out")),
        (url, recorded("esearch-none.json")),
    ]
    made, replay, clock = client(script, backoff=0.5)
    summary = fetch_pubmed(QUERY, tmp_path, client=made)
    assert summary.count == 0 and summary.files == () and summary.requests == 4
    assert clock.sleeps == [2.0, 1.0, 2.0]  # Retry-After, then 0.5 * 2**1, 0.5 * 2**2
    assert list(tmp_path.iterdir()) == []


def test_gives_up_after_the_last_retry(tmp_path):
    url = ESEARCH + IDENT
    made, replay, _ = client([(url, Response(503, b"busy"))] * 3, retries=2)
    with pytest.raises(FetchError, match=r"esearch failed after 3 attempts: HTTP 503: busy"):
        fetch_pubmed(QUERY, tmp_path, client=made)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (Response(400, b'{"error":"API key invalid"}'), ["esearch failed with HTTP 400", "API key invalid"]),
        (recorded("esearch-error.json"), ["refused the query", "Invalid query"]),
        (Response(200, b"<html>maintenance</html>"), ["not JSON", "maintenance"]),
        (ConnectionError("[Errno -2] Name or service not known"), ["cannot reach eutils.ncbi.nlm.nih.gov", "offline"]),
    ],
    ids=["bad request", "refused query", "not json", "offline"],
)
def test_clear_errors_without_leaking_the_key(tmp_path, answer, words):
    ident = IDENT + "&api_key=SECRET"
    made, replay, _ = client([(ESEARCH + ident, answer)], api_key="SECRET")
    with pytest.raises(FetchError) as info:
        fetch_pubmed(QUERY, tmp_path, client=made)
    assert len(replay.calls) == 1  # not retried
    for word in words:
        assert word in str(info.value)
    assert "SECRET" not in str(info.value)


def test_efetch_error_answer_is_refused_and_nothing_written(tmp_path):
    script = [FULL_SCRIPT[0], (EFETCH + "&retstart=0&retmax=3&retmode=xml" + IDENT, recorded("efetch-error.xml"))]
    made, _, _ = client(script)
    with pytest.raises(FetchError, match=r"answered <eFetchResult> instead of <PubmedArticleSet>.*Unable to obtain query #1"):
        fetch_pubmed(QUERY, tmp_path, client=made)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "  "}, "the query is empty"),
        ({"max_records": 0}, "--max must be between 1 and 10000"),
        ({"max_records": 20_000}, "--max must be between 1 and 10000"),
        ({"batch_size": 0}, "--batch-size must be between 1 and 10000"),
    ],
)
def test_bad_arguments_fail_before_any_request(tmp_path, kwargs, message):
    made, replay, _ = client([])
    args = {"query": QUERY, "out_dir": tmp_path, "client": made, **kwargs}
    with pytest.raises(FetchError, match=message):
        fetch_pubmed(**args)
    assert replay.calls == []


def test_batch_file_names_sort_in_record_order():
    names = [batch_file_name(s + 1, s + 500) for s in range(0, 10_000, 500)]
    assert names == sorted(names)
    assert names[0] == "pubmed-000001-000500.xml"


def test_fetched_files_build_into_a_graph(tmp_path):
    from rdflib import Literal
    from rdflib.namespace import DCTERMS

    from kg.build import build
    from kg.graph import load_graph

    made, _, _ = client(FULL_SCRIPT)
    summary = fetch_pubmed(QUERY, tmp_path / "pubmed", max_records=3, batch_size=2, client=made)
    records = list(read_corpus([tmp_path / "pubmed"]))
    assert [r.source for r in records] == [
        "pubmed-000001-000002.xml#PMID:90000101",
        "pubmed-000001-000002.xml#PMID:90000102",
        "pubmed-000003-000003.xml#PMID:90000103",
    ]
    assert all(isinstance(r, Document) for r in records)
    built = build([tmp_path / "pubmed"], tmp_path / "out")
    assert built.documents == summary.fetched == 3
    assert built.relations > 0
    graph = load_graph(tmp_path / "out")
    identifiers = {str(o) for o in graph.objects(None, DCTERMS.identifier)}
    assert {"PMID:90000101", "PMID:90000102", "PMID:90000103"} <= identifiers
    assert Literal("PMID:90000103") in set(graph.objects(None, DCTERMS.identifier))


def test_cli_fetch_pubmed(tmp_path, monkeypatch):
    clock = FakeClock()
    ident = "&tool=kg&email=me%40example.org&api_key=ENVKEY"
    replay = Replay(clock, [(url.replace(IDENT, ident), answer) for url, answer in FULL_SCRIPT])
    monkeypatch.setattr(eutils, "EUtils", functools.partial(EUtils, transport=replay, clock=clock, sleep=clock.sleep))
    monkeypatch.setenv("NCBI_API_KEY", "ENVKEY")
    out = tmp_path / "fetched"
    result = CliRunner().invoke(
        app, ["fetch-pubmed", QUERY, "-o", str(out), "--max", "3", "--batch-size", "2", "--email", "me@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "3 records match" in result.stdout and "wrote 3" in result.stdout
    assert "pubmed-000003-000003.xml" in result.stdout
    assert f"kg build {out} -o OUT" in result.stdout
    assert replay.script == []
    assert [t for _, t in replay.calls] == [0.0, 0.1, 0.2]  # the key from $NCBI_API_KEY allows 10 a second


def test_cli_fetch_pubmed_offline(tmp_path, monkeypatch):
    clock = FakeClock()
    replay = Replay(clock, [(ESEARCH + "&tool=kg", ConnectionError("Network is unreachable"))])
    monkeypatch.setattr(eutils, "EUtils", functools.partial(EUtils, transport=replay, clock=clock, sleep=clock.sleep))
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    result = CliRunner().invoke(app, ["fetch-pubmed", QUERY, "-o", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "[E210] cannot reach eutils.ncbi.nlm.nih.gov" in result.stderr
    assert not (tmp_path / "x").exists()
