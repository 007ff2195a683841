"""Extraction on a Dask cluster (``kg build --executor dask --scheduler ADDRESS``).

:func:`extract_dask` gives the same results as :meth:`kg.pipeline.Extractor.run`
(one :class:`~kg.pipeline.DocumentResult` per document, in input order, equal
records), but runs the spaCy pipeline on the workers of a
``dask.distributed`` cluster:

* **The ontology travels as data.** The texts of the ontology's files (with
  their names) are read on the client, digested, and scattered to the workers
  once; a worker never opens an ontology path, so workers need not share the
  client's file system.  (An ontology that was not read from files, for
  example one from :func:`kg.ontology.load_ontology_from_text`, travels as the
  N-Triples of its merged graph.)  Workers need kg itself installed (the same
  version), and the spaCy model when ``model`` names one.
* **Each worker builds the pipeline once** per ontology and model: the built
  :class:`~kg.pipeline.Extractor` is cached in the worker process, keyed by
  the digest (at most :data:`CACHE_SIZE` of them are kept).
* **Streaming.** Documents are read lazily and sent in batches of
  ``batch_size``; at most ``in_flight`` batches per worker thread are on the
  cluster at a time, so the corpus is never submitted at once.  Results are
  taken back in submission order (a batch that finishes early waits on the
  cluster until the ones before it are taken), so the output order is the
  input order whatever order the workers finish in.

Errors: :class:`~kg.errors.MissingDependencyError` when ``distributed`` is not
installed; :class:`ClusterError` when no Dask scheduler answers at the address
within ``timeout`` seconds (refused, unknown host, or something else listening
on the port: the connection and the handshake are both bounded), when it has
no workers, when a batch fails on the cluster, or when the cluster has had
no workers at all for ``timeout`` seconds while documents are still to be
extracted (every worker died; a slow batch on a live worker is waited for).  A
kg error raised on a worker (an unknown spaCy model, say) is raised again on
the client as the same class with the same message.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import traceback
import uuid
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ClusterError, KgError, MissingDependencyError

if TYPE_CHECKING:
    from .ontology import Ontology
    from .pipeline import DocumentResult, Extractor
    from .records import Document

__all__ = ["CACHE_SIZE", "ClusterError", "OntologyPayload", "extract_dask", "ontology_payload", "pipeline_builds"]

#: How many built pipelines (ontology, model) a worker process keeps.
CACHE_SIZE = 2

INSTALL_HINT = "pip install 'dask[distributed]>=2024'  (or: pip install 'kg[dask]')"


# ---------------------------------------------------------------------------
# The ontology as data
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OntologyPayload:
    """What a worker needs to build the pipeline: the ontology's sources and the model, digested."""

    digest: str
    model: str | None
    modules: tuple[tuple[str, str], ...]  # (name, Turtle or N-Triples text), in load order
    files: tuple[str, ...]  # Ontology.files as the client has it
    from_graph: bool  # modules hold the merged graph, not the files

    def ontology(self) -> Ontology:
        """Parse and index the ontology, as :func:`kg.ontology.load_ontology` does from the files."""
        import dataclasses

        from .ontology import _raise_first, build_ontology, read_modules

        parsed = read_modules([], self.modules)
        _raise_first(parsed.problems)
        ontology = build_ontology(parsed.graph, parsed.lines, parsed.files, modules=parsed.modules)
        if self.from_graph:
            ontology = dataclasses.replace(ontology, files=self.files)
        return ontology


def ontology_payload(ontology: Ontology, model: str | None = None) -> OntologyPayload:
    """The ontology's file texts (or its graph when it was not read from files) and a digest of them."""
    modules: list[tuple[str, str]] = []
    from_graph = False
    try:
        if not ontology.files:
            raise OSError("no files")
        for name in ontology.files:
            path = Path(name)
            if not path.is_file():
                raise OSError(name)
            modules.append((name, path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        modules = [("<ontology graph>", ontology.graph.serialize(format="nt"))]
        from_graph = True
    h = hashlib.sha256()
    for part in (model or "", *(x for pair in modules for x in pair)):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return OntologyPayload(h.hexdigest(), model, tuple(modules), tuple(ontology.files), from_graph)


# ---------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------

_lock = threading.Lock()
_extractors: OrderedDict[str, tuple[Extractor, threading.Lock]] = OrderedDict()
_stats = {"builds": 0, "batches": 0}


@dataclass(frozen=True, slots=True)
class _Failure:
    """A kg error raised on a worker, carried back as data (KgError's pickling would repeat its code)."""

    cls: type
    args: tuple
    state: dict

    def raise_(self) -> None:
        exc = self.cls.__new__(self.cls)
        exc.args = self.args
        exc.__dict__.update(self.state)
        raise exc


def _extractor(payload: OntologyPayload) -> tuple[Extractor, threading.Lock]:
    """This process's pipeline for ``payload``, built on first use."""
    with _lock:
        found = _extractors.get(payload.digest)
        if found is not None:
            _extractors.move_to_end(payload.digest)
            return found
        from .pipeline import Extractor

        built = (Extractor(payload.ontology(), model=payload.model), threading.Lock())
        _stats["builds"] += 1
        _extractors[payload.digest] = built
        while len(_extractors) > CACHE_SIZE:
            _extractors.popitem(last=False)
        return built


def _extract_batch(payload: OntologyPayload, documents: list[Document]) -> list[DocumentResult] | _Failure:
    """Run on a worker: extract one batch of documents."""
    try:
        extractor, lock = _extractor(payload)
        with lock:  # one spaCy pipeline is not shared between threads of a worker
            _stats["batches"] += 1
            return list(extractor.run(documents, batch_size=max(1, len(documents))))
    except KgError as exc:
        return _Failure(type(exc), exc.args, dict(exc.__dict__))


def pipeline_builds() -> dict[str, int]:
    """In a worker process: how many pipelines it built and how many batches it ran (for tests and diagnostics)."""
    return dict(_stats)


# ---------------------------------------------------------------------------
# Client side
# ---------------------------------------------------------------------------


def _distributed():
    try:
        import distributed
    except ImportError:
        raise MissingDependencyError(
            f"distributed extraction (kg build --executor dask) needs dask.distributed, which is not installed; "
            f"install it with: {INSTALL_HINT}"
        ) from None
    return distributed


def _connect(distributed, scheduler: str | None, timeout: float):
    """A client for ``scheduler`` (and the LocalCluster started when it is None)."""
    cluster = None
    if scheduler is None:
        try:
            cluster = distributed.LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
        except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
            raise ClusterError(f"cannot start a local Dask cluster: {type(exc).__name__}: {exc}") from None
        target: Any = cluster
        where = "the local Dask cluster"
    else:
        target = scheduler
        where = f"the Dask scheduler at {scheduler}"
        _probe(scheduler, where, timeout)
    try:
        client = distributed.Client(target, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        # the half-made client sits in the traceback's frames; let it go now, not at exit
        traceback.clear_frames(exc.__traceback__)
        if cluster is not None:
            cluster.close()
        detail = str(exc) or type(exc).__name__
        raise ClusterError(f"cannot reach {where} within {timeout:g} s: {detail}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"{where} has no workers (waited {timeout:g} s): {exc or type(exc).__name__}") from None
    return client, cluster


def _probe(address: str, where: str, timeout: float) -> None:
    """Fail fast, with a plain message, unless a Dask scheduler answers at ``address``.

    ``distributed.Client`` bounds the connection but not the handshake that
    follows: pointed at a port where something else listens, it waits
    forever.  So the scheduler is asked who it is first, every step bounded.
    """
    import asyncio
    import concurrent.futures
    import socket
    from urllib.parse import urlsplit

    plain = address if "://" in address else f"tcp://{address}"
    if plain.startswith("tcp://"):
        try:
            parts = urlsplit(plain)
            host, port = parts.hostname, parts.port
        except ValueError as exc:
            raise ClusterError(f"{where}: not a scheduler address ({exc}); expected tcp://HOST:PORT") from None
        if not host or port is None:
            raise ClusterError(f"{where}: not a scheduler address; expected tcp://HOST:PORT")
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise ClusterError(f"cannot reach {where}: {reason} (is the scheduler running? waited up to {timeout:g} s)") from None

    async def identity():
        from distributed.comm import connect

        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        try:
            await asyncio.wait_for(comm.write({"op": "identity"}), timeout)
            return await asyncio.wait_for(comm.read(), timeout)
        finally:
            comm.abort()

    # in a thread of its own: the caller may be running an event loop already
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="kg-dask-probe") as pool:
        try:
            reply = pool.submit(asyncio.run, identity()).result()
        except TimeoutError:  # asyncio.TimeoutError is TimeoutError since Python 3.11
            raise ClusterError(
                f"cannot reach {where}: no answer from a Dask scheduler within {timeout:g} s "
                "(is ADDRESS the scheduler's port, 8786 by default, not its dashboard?)"
            ) from None
        except (OSError, ValueError, TypeError) as exc:
            raise ClusterError(f"cannot reach {where}: {str(exc) or type(exc).__name__}") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        kind = reply.get("type") if isinstance(reply, dict) else type(reply).__name__
        raise ClusterError(f"{where} is not a Dask scheduler (it answered as {kind!r})")


def extract_dask(
    documents: Iterable[Document],
    ontology: Ontology,
    *,
    model: str | None = None,
    scheduler: str | None = None,
    batch_size: int = 16,
    in_flight: int = 3,
    timeout: float = 10.0,
) -> Iterator[DocumentResult]:
    """Yield one DocumentResult per document, in input order, extracted on a Dask cluster.

    ``scheduler`` is the scheduler's address (``tcp://host:8786``); None
    starts a :class:`distributed.LocalCluster` of worker processes for the
    duration of the run.  ``in_flight`` batches per worker thread are kept on
    the cluster.  ``timeout`` (seconds) bounds each step of connecting to the
    scheduler and waiting for a first worker, and how long the run goes on
    without any worker (all of them died) before it gives up; a batch that is
    merely slow on a live worker has no time limit.  Raises
    :class:`ClusterError` (when iterated) if the cluster cannot be used; the
    results yielded before stay valid.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
    if in_flight < 1:
        raise ValueError(f"in_flight must be 1 or more, got {in_flight}")
    distributed = _distributed()  # fails here, before any document is read, when it is missing
    return _run(distributed, iter(documents), ontology, model, scheduler, batch_size, in_flight, timeout)


def _run(distributed, documents, ontology, model, scheduler, batch_size, in_flight, timeout) -> Iterator[DocumentResult]:
    first = next(documents, None)
    if first is None:
        return  # nothing to do: no cluster needed
    batches = _batches(itertools.chain([first], documents), batch_size)
    payload = ontology_payload(ontology, model)
    client, cluster = _connect(distributed, scheduler, timeout)
    pending: deque[tuple[Any, int, int]] = deque()  # (future, first document number, count)
    try:
        threads = sum(client.nthreads().values()) or 1
        window = max(2, in_flight * threads)
        try:
            [shared] = client.scatter([payload], broadcast=True, hash=False)
        except (OSError, TimeoutError) as exc:  # the workers went between connecting and now
            raise ClusterError(f"cannot send the ontology to the Dask workers: {str(exc) or type(exc).__name__}") from None
        counter = itertools.count()
        run = uuid.uuid4().hex[:12]
        done = 0

        def fill() -> None:
            nonlocal done
            while len(pending) < window:
                batch = next(batches, None)
                if batch is None:
                    return
                number = next(counter)
                key = f"kg-extract-{run}-{number}"
                pending.append((client.submit(_extract_batch, shared, batch, key=key, pure=False), done, len(batch)))
                done += len(batch)

        fill()
        watch = _WorkerWatch(client, timeout)
        while pending:
            future, start, count = pending[0]
            try:
                out = watch.result(future, f"documents {start + 1}-{start + count}")
            except ClusterError:
                raise
            except Exception as exc:  # a worker died, kg is not installed there, ...
                raise ClusterError(
                    f"documents {start + 1}-{start + count} could not be extracted on the cluster: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            pending.popleft()
            future.release()
            fill()  # keep the cluster busy while the caller handles this batch
            if isinstance(out, _Failure):
                out.raise_()
            yield from out
    finally:
        for future, _, _ in pending:
            future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()


class _WorkerWatch:
    """Waits for results, but not forever on a cluster that has lost all its workers.

    A batch may take as long as it takes while the scheduler has at least one
    worker; when it has had none for ``timeout`` seconds (every worker died
    or was closed, and none came back), :meth:`result` raises
    :class:`ClusterError` instead of waiting for work that nothing can do.
    """

    def __init__(self, client, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self.poll = min(1.0, max(0.1, timeout / 4))  # how often the scheduler is asked whether it has workers
        self.idle_since: float | None = None  # when the scheduler was first seen without workers

    def result(self, future, what: str):
        import time

        while True:
            try:
                return future.result(timeout=self.poll)
            except TimeoutError:
                if future.done():
                    if future.status == "finished":  # done just after the wait ran out: take it
                        continue
                    raise  # the batch itself failed with a TimeoutError
            now = time.monotonic()
            if self._workers() > 0:
                self.idle_since = None
                continue
            if self.idle_since is None:
                self.idle_since = now
            elif now - self.idle_since >= self.timeout:
                raise ClusterError(
                    f"the Dask cluster has had no workers for {self.timeout:g} s with {what} still to extract "
                    "(did every worker die or get closed?); the results before them were delivered"
                )

    def _workers(self) -> int:
        try:
            return len(self.client.nthreads(callback_timeout=self.timeout))
        except (OSError, TimeoutError):  # the scheduler does not answer either: no worker to be had
            return 0


def _batches(documents: Iterator[Document], size: int) -> Iterator[list[Document]]:
    while True:
        batch = list(itertools.islice(documents, size))
        if not batch:
            return
        yield batch
