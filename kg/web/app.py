"""The web app of ``kg serve``: routes, pages and the server.

:func:`create_app` builds a Starlette application from a :class:`~kg.web.site.Site`
(what the pages show) and a :class:`~kg.web.pool.QueryPool` (who runs SPARQL);
:func:`serve` loads a graph, binds a socket and runs the app with uvicorn.

Routes:

========================  ==================================================
``/``                     overview: counts, every entity a page at a time (``?page=&size=``)
``/query``                SPARQL editor with the bundled example queries and their parameters
``/sparql``               SPARQL 1.1 Protocol endpoint (GET and POST)
``/entity/<name>``        one entity: names, class, identifiers, claims
``/search?q=``            search over labels and synonyms
``/graph``                the interactive graph (``?focus=<name>``)
``/api/suggest?q=``       search suggestions (JSON)
``/api/neighbours/<name>``  an entity, its neighbours and their claims (JSON)
``/api/graph``            the start of the interactive graph, with node positions (JSON)
``/api/subgraph``         POST ``{"ids": [...]}``: entities, claims and the claims among them
``/api/queries``          the bundled queries and their parameters (JSON)
``/api/queries/<name>``   POST ``{"params": {...}}``: the query's text with the values bound
========================  ==================================================

The interactive graph is drawn at positions computed on the server
(:mod:`kg.layout`) once per drawing and cached (see
:meth:`~kg.web.site.Site.positioned`), so the browser runs no physics
simulation and a graph of thousands of entities is usable as soon as it is
drawn; the starting view is laid out when the server starts.

Pages are Jinja2 templates with autoescaping on; scripts are static files
(no inline script, enforced by a Content-Security-Policy) that put document
text into the page with ``textContent`` only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ServeError
from . import STATIC_DIR, TEMPLATES_DIR
from .sparql import DEFAULT_MAX_ROWS, SparqlRequest, error_answer, read_request

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from .pool import QueryPool
    from .site import Site

__all__ = ["ServeConfig", "create_app", "is_loopback", "load_site", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_TIMEOUT = 20.0
DEFAULT_WORKERS = 2
#: Entities listed on one page of the overview, unless ``?size=`` asks otherwise.
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

# Sent with every response.  Scripts only from this server (no inline script
# can run, whatever a page holds); vis-network's stylesheet uses data: images.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """How ``kg serve`` runs."""

    path: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    engine: str | None = None  # see kg.store.open_store
    workers: int = DEFAULT_WORKERS
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    title: str | None = None
    cache_mb: float = 64.0  # answers kept for repeated queries; 0 keeps none


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_site(path: Path | str, title: str | None = None) -> Site:
    """The :class:`Site` the pages show, over a build folder's Oxigraph store or a graph file.

    A build folder with a store (``FOLDER/store``) is read from the store
    (opened read-only); a graph file (or a folder with only ``graph.nt``) is
    parsed into an in-memory Oxigraph store.  Either way nothing is loaded
    into rdflib.
    """
    from ..explore import open_oxigraph
    from .site import Site

    source = Path(path)
    store, _ = open_oxigraph(source)
    return Site(store, title or f"kg: {source.resolve().name}")


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------


class _SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import MutableHeaders

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


def create_app(
    site: Site,
    pool: QueryPool,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]"),
    on_ready: Callable[[], None] | None = None,
) -> Starlette:
    """The Starlette app over ``site`` (pages) and ``pool`` (SPARQL).

    The pool's workers are started when the app starts (its lifespan) and
    stopped when it stops; ``on_ready`` is called once they are up.  Requests
    whose Host header is not in ``allowed_hosts`` are refused, which keeps a
    web page elsewhere from reaching a loopback server by DNS rebinding.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.responses import (
        HTMLResponse,
        JSONResponse,
        RedirectResponse,
        Response,
    )
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from ..query import bundled_queries
    from .queryform import ParameterError, describe_parameter, fill_query
    from .site import DEFAULT_OVERVIEW

    templates = _templates()
    bundled = {q.name: q for q in bundled_queries()}
    queries = [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "text": q.text,
            "parameters": [describe_parameter(p, q.text) for p in q.parameters],
        }
        for q in bundled.values()
    ]

    def bad_request(message: str, **extra: object) -> JSONResponse:
        return JSONResponse({"error": {"status": 400, "message": message, **extra}}, status_code=400)

    async def positioned(data: dict[str, object]) -> JSONResponse:
        """``data`` with node positions, laid out in a thread so other requests go on meanwhile."""
        return JSONResponse(await in_thread(site.positioned, data))

    async def in_thread(function: Callable, *args: object):
        """``function(*args)`` in a worker thread: reading the store must not hold up other requests."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(function, *args)

    def page(name: str, status: int = 200, **context: object) -> HTMLResponse:
        html = templates.get_template(name).render(site=site, **context)
        return HTMLResponse(html, status_code=status)

    def not_found(request: Request, what: str) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"status": 404, "message": what}}, status_code=404)
        return page("error.html", 404, heading="Not found", message=what)

    async def index(request: Request) -> Response:
        params = request.query_params
        try:
            size = _whole_number(params.get("size"), "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
            number = _whole_number(params.get("page"), "page", 1, 1, None)
        except ValueError as exc:
            return page("error.html", 400, heading="No such page", message=str(exc))
        try:
            listing = site.entity_page(number, size)
        except ValueError as exc:
            return page("error.html", 404, heading="No such page", message=str(exc))
        return page(
            "index.html",
            listing=listing,
            default_size=DEFAULT_PAGE_SIZE,
            categories=site.category_counts(),
            documents=site.documents,
        )

    async def query_page(request: Request) -> Response:
        return page(
            "query.html",
            queries=queries,
            selected=request.query_params.get("name", ""),
            initial=request.query_params.get("query", ""),
            max_rows=max_rows,
            timeout=pool.timeout,
        )

    async def sparql(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        body = await request.body() if request.method == "POST" else b""
        try:
            text, fmt = read_request(
                request.method, request.query_params.multi_items(), request.headers.get("content-type", ""), body
            )
        except ServeError as exc:
            if request.method == "GET" and not request.query_params and "text/html" in accept:
                return RedirectResponse("/query", status_code=303)  # a person opened /sparql in a browser
            problem = error_answer(exc.status, exc, accept)
            return Response(problem.body, status_code=problem.status, media_type=problem.media_type)
        answer = await pool.run(SparqlRequest(text, accept, fmt, max_rows))
        headers = {"cache-control": "no-store"}
        if answer.ok:
            headers["kg-rows"] = str(answer.rows)
            headers["kg-truncated"] = "true" if answer.truncated else "false"
            headers["server-timing"] = f"query;dur={answer.seconds * 1000:.1f}"
            headers["kg-cache"] = "hit" if answer.cached else "miss"
        if answer.status == 503:
            headers["retry-after"] = "5"
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers=headers)

    async def entity(request: Request) -> Response:
        key = request.path_params["key"]
        details = await in_thread(site.entity, key)
        if details is None:
            return not_found(request, f"no entity called {key!r} in this graph")
        return page("entity.html", entity=details)

    async def search(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        hits = site.suggest(q, limit=50) if q else ()
        exact = [h for h in hits if h.matched.lower() == " ".join(q.lower().split())]
        if len(exact) == 1:
            return RedirectResponse(f"/entity/{exact[0].ref.key}", status_code=303)
        return page("search.html", q=q, hits=hits)

    async def graph_page(request: Request) -> Response:
        focus = request.query_params.get("focus", "")
        ref = site.ref(focus) if focus else None
        return page(
            "graph.html",
            focus=ref.key if ref else "",
            categories=site.category_counts(),
            relations=site.relation_counts(),
        )

    async def api_suggest(request: Request) -> Response:
        q = request.query_params.get("q", "")
        try:
            limit = min(max(int(request.query_params.get("limit", "10")), 1), 50)
        except ValueError:
            return JSONResponse({"error": {"status": 400, "message": "limit must be a whole number"}}, status_code=400)
        hits = site.suggest(q, limit=limit)
        return JSONResponse(
            {
                "query": q,
                "suggestions": [
                    {
                        "id": h.ref.key,
                        "label": h.ref.label,
                        "matched": h.matched,
                        "category": h.ref.category,
                        "colour": h.ref.colour,
                        "mentions": h.mentions,
                        "url": f"/entity/{h.ref.key}",
                    }
                    for h in hits
                ],
            }
        )

    async def api_neighbours(request: Request) -> Response:
        key = request.path_params["key"]
        data = await in_thread(site.neighbours, key)
        if data is None:
            return not_found(request, f"no entity called {key!r} in this graph")
        return JSONResponse(data)

    async def api_graph(request: Request) -> Response:
        focus = request.query_params.get("focus", "")
        if focus:
            ref = site.ref(focus)
            data = await in_thread(site.neighbours, ref.key) if ref else None
            if data is None:
                return not_found(request, f"no entity called {focus!r} in this graph")
            return await positioned(data)
        try:
            limit = min(max(int(request.query_params.get("limit", str(DEFAULT_OVERVIEW))), 1), 5000)
        except ValueError:
            return bad_request("limit must be a whole number")
        return await positioned(await in_thread(site.overview, limit))

    async def api_subgraph(request: Request) -> Response:
        import json

        try:
            doc = json.loads(await request.body())
            ids = doc["ids"] if isinstance(doc, dict) else None
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                raise ValueError
        except (ValueError, KeyError):
            message = 'send a JSON object {"ids": ["<entity or statement name or IRI>", ...], "neighbours": false}'
            return JSONResponse({"error": {"status": 400, "message": message}}, status_code=400)
        wide = doc.get("neighbours") is True
        return await positioned(await in_thread(lambda: site.subgraph(ids[:5000], neighbours=wide)))

    async def api_queries(request: Request) -> Response:
        from ..namespaces import PREFIXES

        return JSONResponse({"queries": queries, "prefixes": PREFIXES})

    async def api_fill_query(request: Request) -> Response:
        """The text of a bundled query with the form's values bound (escaped as ``kg query --param`` does)."""
        import json

        name = request.path_params["name"]
        query = bundled.get(name)
        if query is None:
            return not_found(request, f"no bundled query called {name!r}")
        try:
            doc = json.loads(await request.body())
        except ValueError:
            doc = None
        values = doc.get("params", {}) if isinstance(doc, dict) else None
        if not isinstance(values, dict):
            return bad_request('send a JSON object {"params": {"<parameter>": "<value>", ...}}')
        try:
            text = fill_query(query, values)
        except ParameterError as exc:
            return bad_request(exc.message, parameter=exc.parameter)
        return JSONResponse({"name": name, "query": text})

    async def vendor(request: Request) -> Response:
        js, css = _vis_assets()
        name = request.path_params["name"]
        if name == "vis-network.min.js":
            return Response(js, media_type="text/javascript; charset=utf-8", headers={"cache-control": "max-age=86400"})
        if name == "vis-network.css":
            return Response(css, media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=86400"})
        return not_found(request, f"no file {name!r}")

    async def missing(request: Request, exc: Exception) -> Response:
        return not_found(request, f"nothing at {request.url.path}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        import anyio.to_thread

        await anyio.to_thread.run_sync(pool.start)
        # Lay out the graph page's starting view in the background; a request
        # for it meanwhile waits for this layout rather than computing another.
        threading.Thread(target=site.warm, name="kg-layout", daemon=True).start()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    routes = [
        Route("/", index),
        Route("/query", query_page),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/entity/{key:path}", entity),
        Route("/search", search),
        Route("/graph", graph_page),
        Route("/api/suggest", api_suggest),
        Route("/api/neighbours/{key:path}", api_neighbours),
        Route("/api/graph", api_graph),
        Route("/api/subgraph", api_subgraph, methods=["POST"]),
        Route("/api/queries", api_queries),
        Route("/api/queries/{name}", api_fill_query, methods=["POST"]),
        Route("/vendor/{name}", vendor),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    middleware = [
        Middleware(_SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers={404: missing})


def _whole_number(text: str | None, name: str, default: int, low: int, high: int | None) -> int:
    """A query parameter as a whole number between ``low`` and ``high``; ``ValueError`` says what is wrong."""
    if text is None or not text.strip():
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {text!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def _vis_assets() -> tuple[str, str]:
    # kg.view knows where the pyvis package keeps vis-network; ask it rather than look again.
    from ..view import _vis_assets as vis_assets

    return vis_assets()


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        reason = "the port is in use; choose another with --port" if exc.errno in (98, 48, 10048) else exc.strerror or str(exc)
        raise ServeError(f"cannot listen on {host}:{port}: {reason}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(config: ServeConfig, on_ready: Callable[[str], None] | None = None) -> None:
    """Load the graph, start the workers and serve until interrupted.

    ``on_ready(url)`` is called once the server accepts requests.  Raises
    :class:`ServeError` (a port in use, workers that cannot open the graph)
    or :class:`~kg.errors.GraphError` (a graph that cannot be read) before
    anything is served.
    """
    import uvicorn

    from .pool import QueryPool

    if not 0 <= config.port <= 65535:
        raise ServeError(f"--port must be between 0 and 65535, got {config.port}")
    if config.max_rows < 1:
        raise ServeError(f"--max-rows must be at least 1, got {config.max_rows}")
    pool = QueryPool(
        config.path,
        engine=config.engine,
        workers=config.workers,
        timeout=config.timeout,
        cache_bytes=int(config.cache_mb * 2**20),
    )
    sock = bind(config.host, config.port)
    # The workers open the graph in their own processes while this one reads
    # the pages' index; both are done before anything is served.  Starting
    # them here rather than in the app's startup makes a failure one clear error.
    started: list[BaseException] = []

    def start_pool() -> None:
        try:
            pool.start()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the serving thread
            started.append(exc)

    starter = threading.Thread(target=start_pool, name="kg-workers", daemon=True)
    starter.start()
    try:
        site = load_site(config.path, config.title)
    except BaseException:
        starter.join()
        pool.close()
        sock.close()
        raise
    starter.join()
    if started:
        pool.close()
        sock.close()
        raise started[0]
    url = url_of(sock)
    if is_loopback(config.host):
        bound = f"[{config.host.strip('[]')}]" if ":" in config.host else config.host
        allowed = tuple(sorted({"127.0.0.1", "localhost", "[::1]", bound.lower()}))
    else:
        allowed = ("*",)
    app = create_app(
        site,
        pool,
        max_rows=config.max_rows,
        allowed_hosts=allowed,
        on_ready=(lambda: on_ready(url)) if on_ready is not None else None,
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5)
    )
    try:
        server.run(sockets=[sock])
    finally:
        pool.close()
        sock.close()
