"""Run SPARQL queries in worker processes, with a time limit that really stops them.

Neither rdflib nor Oxigraph can interrupt a running query from another
thread, so a thread pool could only stop *waiting* for a slow query while it
kept a core busy.  :class:`QueryPool` runs queries in a pool of worker
processes instead (Pebble's ``ProcessPool``): when a query passes the time
limit its worker is terminated, which frees the core, and Pebble starts a
fresh worker in its place.  Processes also let queries use every core, which
rdflib's pure-Python engine could not do from threads.

Each worker opens the graph once, with :func:`kg.store.open_store` (the
build's Oxigraph store when it has one, else the graph file in memory), and
answers with :func:`kg.web.sparql.answer`, so results are serialised in the
worker and only bytes come back.  Workers are started with the ``spawn``
method: forking a server that already runs threads is unsafe.

The graph does not change while it is served, so answers are kept: a
successful answer is cached (least recently used first out, bounded in bytes
with ``cachetools``) under the query text, the Accept header and the format,
and a request for a query that is still running waits for that run instead
of starting another.  ``cache_bytes=0`` turns this off.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path

from ..errors import ServeError
from .sparql import SparqlAnswer, SparqlRequest, answer, error_answer

__all__ = ["QueryPool"]

_STORE = None  # the worker's store, opened by _open_store


def _open_store(path: str, engine: str | None) -> None:
    """Pebble's worker initializer: open the graph once per worker."""
    global _STORE
    import signal

    # Pebble stops a worker with SIGTERM and a Python-level handler, which
    # cannot run while a query is inside native code (Oxigraph); it then waits
    # seconds before SIGKILL.  The default action ends the worker at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    _STORE = _open(Path(path), engine)


def _open(path: Path, engine: str | None):
    """The store a worker answers from: :func:`kg.store.open_store`, except that a graph
    file asked for with the Oxigraph engine is parsed by pyoxigraph itself (not via rdflib)."""
    from ..store import OxigraphStore, open_store, store_path

    if engine == "oxigraph" and store_path(path) is None:
        from ..explore import open_oxigraph

        store = OxigraphStore()
        open_oxigraph(path, into=store.oxigraph)
        return store
    return open_store(path, engine=engine)


def _answer(request: SparqlRequest) -> SparqlAnswer:
    if _STORE is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker has no store")
    return answer(_STORE, request)


def _ping() -> bool:
    return _STORE is not None


def _done(answer: SparqlAnswer) -> Future[SparqlAnswer]:
    future: Future[SparqlAnswer] = Future()
    future.set_result(answer)
    return future


class QueryPool:
    """Worker processes answering :class:`SparqlRequest` objects.

    ``timeout`` is the time limit of one query in seconds, counted from when a
    worker starts it; ``max_pending`` bounds the queries waiting or running
    (more are answered with 503 at once).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        engine: str | None = None,
        workers: int = 2,
        timeout: float = 20.0,
        max_pending: int = 256,
        cache_bytes: int = 64 * 2**20,
    ) -> None:
        if workers < 1:
            raise ServeError(f"workers must be at least 1, got {workers}")
        if timeout <= 0:
            raise ServeError(f"the query time limit must be positive, got {timeout}")
        self.path = Path(path)
        self.engine = engine
        self.workers = workers
        self.timeout = timeout
        self.max_pending = max_pending
        self._pool = None
        self._pending = 0
        self._lock = threading.Lock()
        self._running: dict[SparqlRequest, Future[SparqlAnswer]] = {}
        self._cache = None
        if cache_bytes > 0:
            from cachetools import LRUCache

            self._cache = LRUCache(maxsize=cache_bytes, getsizeof=lambda answer: len(answer.body) + 512)
        self.cache_hits = 0

    def start(self) -> None:
        """Start the workers and wait until each has opened the graph."""
        from pebble import ProcessPool

        if self._pool is not None:
            return
        self._pool = ProcessPool(
            max_workers=self.workers,
            initializer=_open_store,
            initargs=(str(self.path), self.engine),
            context=multiprocessing.get_context("spawn"),
        )
        pings = [self._pool.schedule(_ping) for _ in range(self.workers)]
        for ping in pings:
            try:
                ping.result(timeout=max(120.0, self.timeout))
            except Exception as exc:  # noqa: BLE001 - whatever stopped a worker from opening the graph
                self.close()
                raise ServeError(f"the query workers could not open {self.path}: {exc or type(exc).__name__}", 500) from None

    def close(self) -> None:
        """Stop the workers (a running query is abandoned)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)

    def __enter__(self) -> QueryPool:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, request: SparqlRequest) -> Future[SparqlAnswer]:
        """Schedule a request; the future holds its answer (never an exception)."""
        with self._lock:
            if self._cache is not None:
                cached = self._cache.get(request)
                if cached is not None:
                    self.cache_hits += 1
                    return _done(replace(cached, cached=True))
                running = self._running.get(request)
                if running is not None:
                    self.cache_hits += 1
                    return running
            if self._pool is None:
                return _done(error_answer(503, ServeError("the query workers are not running", 503), request.accept))
            if self._pending >= self.max_pending:
                busy = ServeError(f"too many queries at once ({self._pending} waiting or running); try again shortly", 503)
                return _done(error_answer(503, busy, request.accept))
            self._pending += 1
            result: Future[SparqlAnswer] = Future()
            if self._cache is not None:
                self._running[request] = result
            task = self._pool.schedule(_answer, args=(request,), timeout=self.timeout)
        task.add_done_callback(lambda done: self._finish(done, result, request))
        return result

    def _finish(self, done: Future, result: Future[SparqlAnswer], request: SparqlRequest) -> None:
        try:
            answer = done.result()
        except FutureTimeout:
            stopped = ServeError(
                f"the query ran longer than the time limit of {self.timeout:g} s and was stopped; "
                "add a LIMIT or make it more selective",
                503,
            )
            answer = error_answer(503, stopped, request.accept)
        except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed) or a bug
            failed = ServeError(f"the query could not be run: {type(exc).__name__}: {exc}", 500)
            answer = error_answer(500, failed, request.accept)
        with self._lock:
            self._pending -= 1
            self._running.pop(request, None)
            if self._cache is not None and answer.ok:
                try:
                    self._cache[request] = answer
                except ValueError:  # larger than the whole cache: not kept
                    pass
        result.set_result(answer)

    async def run(self, request: SparqlRequest) -> SparqlAnswer:
        """Answer a request without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(request))
