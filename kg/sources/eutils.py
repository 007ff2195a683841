"""Fetch PubMed records with NCBI E-utilities, politely, into files kg can build from.

:func:`fetch_pubmed` runs one ESearch (``usehistory=y``, so the result stays
on NCBI's history server) and then EFetch in batches, writing each batch of
PubMed XML to its own file: ``pubmed-000001-000500.xml``,
``pubmed-000501-001000.xml``, ...  The folder can then be given to
``kg build``.

NCBI's rules for E-utilities (https://www.ncbi.nlm.nih.gov/books/NBK25497/)
are kept by :class:`EUtils`:

- at most 3 requests a second without an API key, 10 with one
  (:class:`RateLimiter`; every attempt counts, retries too);
- every request names the ``tool`` and, when given, the ``email`` of whoever
  runs it, and the ``api_key`` when there is one;
- HTTP 429 (too many requests) and 5xx answers and timeouts are retried after
  a growing pause (or the pause the server asks for in ``Retry-After``).

HTTP goes through a *transport*, a function from URL to :class:`Response`.
The default uses :mod:`urllib.request`; tests pass one that replays recorded
answers, and a fake clock, so nothing touches the network or really sleeps.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from ..errors import KgError

__all__ = [
    "BASE_URL",
    "EUtils",
    "FetchError",
    "FetchSummary",
    "RateLimiter",
    "Response",
    "SearchResult",
    "batch_file_name",
    "fetch_pubmed",
    "urllib_transport",
]

BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"

#: Requests a second NCBI allows without and with an API key.
RATE_WITHOUT_KEY = 3.0
RATE_WITH_KEY = 10.0

#: PubMed's ESearch gives access to the first 10,000 records of a search only.
MAX_RECORDS = 10_000
#: Records per EFetch request (NCBI allows up to 10,000; 500 keeps answers small).
DEFAULT_BATCH = 500

#: HTTP statuses worth trying again.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(KgError):
    """E-utilities could not be reached or did not answer as expected."""

    code = "E210"


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer: status, body and headers (names in lower case)."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


Transport = Callable[[str], Response]


def urllib_transport(timeout: float = 60.0) -> Transport:
    """A transport over :mod:`urllib.request` (GET, with kg's User-Agent).

    An HTTP error status is returned as a Response; a failure to connect
    raises :class:`OSError` (``TimeoutError`` for a timeout).
    """
    import urllib.error
    import urllib.request

    from .. import __version__

    def get(url: str) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": f"kg/{__version__} (python urllib)"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - a fixed https URL
                return Response(answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()})
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp is not None else b""
            return Response(exc.code, body, {k.lower(): v for k, v in (exc.headers or {}).items()})
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise TimeoutError(str(exc.reason)) from None
            raise ConnectionError(str(exc.reason)) from None

    return get


class RateLimiter:
    """Spaces calls at least ``1 / per_second`` seconds apart.

    ``clock`` and ``sleep`` default to :func:`time.monotonic` and
    :func:`time.sleep`; tests pass a fake pair.
    """

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second}")
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self.last: float | None = None

    def wait(self) -> None:
        """Return when the next call may be made (at once for the first)."""
        now = self.clock()
        if self.last is not None:
            pause = self.last + self.interval - now
            if pause > 0:
                self.sleep(pause)
                now = self.clock()
        self.last = now


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What ESearch answered: how many records match, and where NCBI keeps them."""

    count: int
    webenv: str
    query_key: str
    translation: str | None = None


class EUtils:
    """A polite E-utilities client: rate-limited, identified, retrying.

    ``api_key`` raises the allowed rate from 3 to 10 requests a second.
    ``retries`` is how many times a request is tried again after a 429/5xx
    answer or a timeout; the pauses are ``backoff``, ``2 * backoff``,
    ``4 * backoff`` ... seconds unless the server names one.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        email: str | None = None,
        tool: str = "kg",
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 3,
        backoff: float = 1.0,
        base_url: str = BASE_URL,
    ) -> None:
        if not tool or not tool.strip():
            raise FetchError("--tool must not be empty: NCBI asks every request to name the software making it")
        self.api_key = api_key or None
        self.email = email or None
        self.tool = tool
        self.transport = transport or urllib_transport()
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.base_url = base_url
        self.limiter = RateLimiter(RATE_WITH_KEY if self.api_key else RATE_WITHOUT_KEY, clock, sleep)
        self.requests = 0

    def url(self, endpoint: str, params: Sequence[tuple[str, str]]) -> str:
        """The full URL of a request, with the identifying parameters last."""
        common = [("tool", self.tool)]
        if self.email:
            common.append(("email", self.email))
        if self.api_key:
            common.append(("api_key", self.api_key))
        return f"{self.base_url}{endpoint}?{urlencode([*params, *common])}"

    def get(self, endpoint: str, params: Sequence[tuple[str, str]]) -> bytes:
        """GET ``endpoint`` and return the body of a 200 answer; retry what can be retried."""
        url = self.url(endpoint, params)
        name = endpoint.removesuffix(".fcgi")
        attempt = 0
        while True:
            self.limiter.wait()
            self.requests += 1
            try:
                answer = self.transport(url)
            except TimeoutError:
                problem = "the request timed out"
                retry_after = None
            except OSError as exc:
                host = self.base_url.split("/")[2]
                raise FetchError(
                    f"cannot reach {host} for {name}: {exc}; kg fetch-pubmed needs internet access "
                    "(are you offline, or behind a proxy? urllib honours $https_proxy)"
                ) from None
            else:
                if answer.status == 200:
                    return answer.body
                problem = f"HTTP {answer.status}: {_snippet(answer.body)}"
                if answer.status not in RETRY_STATUSES:
                    raise FetchError(f"{name} failed with {problem}")
                retry_after = _seconds(answer.headers.get("retry-after"))
            if attempt >= self.retries:
                tries = attempt + 1
                raise FetchError(f"{name} failed after {tries} attempt{'s' if tries != 1 else ''}: {problem}")
            self.sleep(retry_after if retry_after is not None else self.backoff * 2**attempt)
            attempt += 1

    def esearch(self, query: str) -> SearchResult:
        """Search PubMed and keep the result on the history server."""
        body = self.get(
            "esearch.fcgi",
            [("db", "pubmed"), ("term", query), ("usehistory", "y"), ("retmax", "0"), ("retmode", "json")],
        )
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise FetchError(f"esearch answered with something that is not JSON: {_snippet(body)}") from None
        result = data.get("esearchresult") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            error = data.get("error") if isinstance(data, dict) else None
            raise FetchError(f"esearch answered without a result: {error or _snippet(body)}")
        if result.get("ERROR"):
            raise FetchError(f"esearch refused the query {query!r}: {result['ERROR']}")
        try:
            count = int(result["count"])
        except (KeyError, TypeError, ValueError):
            raise FetchError(f"esearch answered without a record count: {_snippet(body)}") from None
        webenv, key = result.get("webenv"), result.get("querykey")
        if count and not (webenv and key):
            raise FetchError("esearch answered without webenv/querykey although usehistory=y was asked for")
        return SearchResult(count, str(webenv or ""), str(key or ""), result.get("querytranslation"))

    def efetch(self, search: SearchResult, start: int, size: int) -> bytes:
        """PubMed XML of ``size`` records from position ``start`` (0-based) of a search."""
        return self.get(
            "efetch.fcgi",
            [
                ("db", "pubmed"),
                ("query_key", search.query_key),
                ("WebEnv", search.webenv),
                ("retstart", str(start)),
                ("retmax", str(size)),
                ("retmode", "xml"),
            ],
        )


@dataclass(frozen=True, slots=True)
class FetchSummary:
    """What :func:`fetch_pubmed` did."""

    query: str
    count: int  # records matching the query
    fetched: int  # <PubmedArticle> records written
    files: tuple[Path, ...]
    requests: int  # HTTP requests made, retries included
    translation: str | None = None  # how PubMed read the query


def batch_file_name(first: int, last: int) -> str:
    """``pubmed-000001-000500.xml``: the records (1-based, inclusive) a batch file holds."""
    return f"pubmed-{first:06d}-{last:06d}.xml"


def fetch_pubmed(
    query: str,
    out_dir: Path | str,
    *,
    max_records: int = 1000,
    batch_size: int = DEFAULT_BATCH,
    client: EUtils | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FetchSummary:
    """Search PubMed for ``query`` and write up to ``max_records`` records as PubMed XML files.

    Each EFetch answer is checked (it must be a ``<PubmedArticleSet>``, parsed
    safely) and written atomically to ``out_dir`` under
    :func:`batch_file_name`, so the same search gives the same file names.
    Raises :class:`FetchError` when NCBI cannot be reached or answers with an
    error; files of batches already fetched are kept.
    """
    if not query.strip():
        raise FetchError("the query is empty: give a PubMed search, e.g. 'stem cells AND intervertebral disc'")
    if not 1 <= max_records <= MAX_RECORDS:
        raise FetchError(f"--max must be between 1 and {MAX_RECORDS} (PubMed's ESearch reaches no further), got {max_records}")
    if not 1 <= batch_size <= MAX_RECORDS:
        raise FetchError(f"--batch-size must be between 1 and {MAX_RECORDS}, got {batch_size}")
    client = client or EUtils()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FetchError(f"{out}: exists and is not a folder")

    search = client.esearch(query)
    wanted = min(search.count, max_records)
    files: list[Path] = []
    fetched = 0
    for start in range(0, wanted, batch_size):
        size = min(batch_size, wanted - start)
        body = client.efetch(search, start, size)
        fetched += _count_articles(body, start)
        path = out / batch_file_name(start + 1, start + size)
        _write_atomic(path, body)
        files.append(path)
        if progress is not None:
            progress(start + size, wanted)
    return FetchSummary(query, search.count, fetched, tuple(files), client.requests, search.translation)


def _count_articles(body: bytes, start: int) -> int:
    """Check an EFetch answer is PubMed XML (parsed safely) and count its articles."""
    from . import SourceProblem, element_text, iter_xml
    from .pubmed import ROOT

    try:
        items = iter_xml(io.BytesIO(body))
        root, _ = next(items)  # type: ignore[misc]
        if root != ROOT:  # NCBI's errors come as <eFetchResult><ERROR>...</ERROR></eFetchResult>
            said = "; ".join(filter(None, (element_text(item.element) for item in items)))  # type: ignore[union-attr]
            raise FetchError(f"efetch (records from {start + 1}) answered <{root}> instead of <{ROOT}>: {said or _snippet(body)}")
        return sum(1 for item in items if item.element.tag == "PubmedArticle")  # type: ignore[union-attr]
    except SourceProblem as problem:
        raise FetchError(f"efetch (records from {start + 1}) answered with unusable XML: {problem.reason}") from None


def _write_atomic(path: Path, data: bytes) -> None:
    from ..errors import OutputError
    from ..graph import write_text_atomic

    try:
        write_text_atomic(path, data)
    except OutputError as exc:
        raise FetchError(exc.message) from None


def _snippet(body: bytes, limit: int = 200) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return (text[:limit] + "…") if len(text) > limit else (text or "(empty answer)")


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date; the usual back-off is used instead
    return seconds if seconds >= 0 else None
