#!/usr/bin/env python3
"""Load test of kg serve on loopback: concurrent clients running the bundled queries.

Starts ``kg serve`` on a free loopback port (or uses a running server given
with --url), then runs --clients threads at once.  Each client opens its own
keep-alive HTTP connection and sends every bundled query (listed by the
server's /api/queries) --rounds times as a SPARQL Protocol POST asking for
JSON results, each client starting at a different query so the mix is even.
A request counts as an error unless it answers 200 with a well-formed
SPARQL JSON result.  Latency is measured per request by the client, from
sending the request to reading the last byte of the answer.

Prints, per query and overall: requests, errors, p50 / p95 / max latency;
and the wall time and requests per second.  Exits 1 when any request failed.
Only the standard library is used, so it runs wherever kg runs.

    .venv/bin/python scripts/loadtest.py --graph out/ --clients 50
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:8000/
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sample:
    query: str
    seconds: float
    error: str | None


NOT_SENT = "not sent: the test's deadline passed"


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile (1-99) of ``values``, interpolated between the closest ranks."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summary(samples: list[Sample]) -> dict[str, float | int]:
    """Counts and latencies (in ms) of requests that were sent."""
    times = [s.seconds * 1000 for s in samples if s.error != NOT_SENT]
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.error),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1) if times else float("nan"),
    }


def start_server(graph: Path, workers: int, engine: str | None, timeout: float, cache_mb: float) -> tuple[subprocess.Popen, str]:
    command = [
        sys.executable, "-m", "kg", "serve", str(graph), "--port", "0",
        "--workers", str(workers), "--timeout", str(timeout), "--cache-mb", str(cache_mb),
    ]
    if engine:
        command += ["--engine", engine]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    line = process.stdout.readline()
    match = re.search(r"http://\S+/", line)
    if not match:
        process.kill()
        _, err = process.communicate(timeout=30)
        raise SystemExit(f"kg serve did not start: {line.strip()} {err.strip()}")
    return process, match.group(0)


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fetch_queries(url: str) -> list[tuple[str, str]]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", "/api/queries")
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url}api/queries answered {response.status}")
    finally:
        conn.close()
    return [(q["name"], q["text"]) for q in json.loads(body)["queries"]]


def check(status: int, body: bytes) -> str | None:
    """None when the answer is a well-formed SPARQL JSON result, else what is wrong."""
    if status != 200:
        return f"HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}"
    try:
        doc = json.loads(body)
    except ValueError as exc:
        return f"not JSON: {exc}"
    if "boolean" in doc or ("head" in doc and "bindings" in doc.get("results", {})):
        return None
    return "not a SPARQL JSON result"


def client(url: str, queries: list[tuple[str, str]], offset: int, rounds: int, timeout: float,
           deadline: float, start: threading.Barrier, out: list[Sample]) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    order = queries[offset % len(queries):] + queries[: offset % len(queries)]
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"}
    start.wait()
    try:
        for _ in range(rounds):
            for name, text in order:
                if time.monotonic() > deadline:
                    out.append(Sample(name, 0.0, NOT_SENT))
                    continue
                body = urlencode({"query": text}).encode()
                began = time.perf_counter()
                try:
                    conn.request("POST", "/sparql", body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    error = check(response.status, data)
                except (OSError, http.client.HTTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    conn.close()
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                out.append(Sample(name, time.perf_counter() - began, error))
    finally:
        conn.close()


def run(url: str, clients: int, rounds: int, timeout: float, deadline_s: float) -> dict:
    queries = fetch_queries(url)
    if not queries:
        raise SystemExit("the server lists no bundled queries")
    samples: list[list[Sample]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    deadline = time.monotonic() + deadline_s
    threads = [
        threading.Thread(target=client, args=(url, queries, i, rounds, timeout, deadline, start, samples[i]), daemon=True)
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join(timeout=max(deadline - time.monotonic(), 0) + timeout + 5)
    wall = time.perf_counter() - began
    flat = [s for per_client in samples for s in per_client]
    expected = clients * rounds * len(queries)
    per_query = {name: summary([s for s in flat if s.query == name]) for name, _ in sorted(queries)}
    errors = [asdict(s) for s in flat if s.error]
    return {
        "url": url,
        "clients": clients,
        "rounds": rounds,
        "queries": len(queries),
        "expected_requests": expected,
        "wall_seconds": round(wall, 2),
        "requests_per_second": round(len(flat) / wall, 1) if wall > 0 else None,
        "overall": summary(flat),
        "per_query": per_query,
        "errors": errors[:20],
        "cpus": os.cpu_count(),
    }


def report(result: dict) -> str:
    lines = [
        f"kg serve load test: {result['clients']} concurrent clients x {result['rounds']} round(s) x "
        f"{result['queries']} bundled queries = {result['expected_requests']} requests against {result['url']}",
        f"{'query':<26} {'requests':>8} {'errors':>6} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}",
    ]
    for name, s in result["per_query"].items():
        lines.append(f"{name:<26} {s['requests']:>8} {s['errors']:>6} {s['p50_ms']:>9.1f} {s['p95_ms']:>9.1f} {s['max_ms']:>9.1f}")
    o = result["overall"]
    lines.append(f"{'overall':<26} {o['requests']:>8} {o['errors']:>6} {o['p50_ms']:>9.1f} {o['p95_ms']:>9.1f} {o['max_ms']:>9.1f}")
    lines.append(f"wall time {result['wall_seconds']} s, {result['requests_per_second']} requests/s, {result['cpus']} CPUs (clients and server share them)")
    for e in result["errors"]:
        lines.append(f"error in {e['query']}: {e['error']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--graph", type=Path, default=REPO / "out", help="build folder or graph file to serve (default: out/)")
    where.add_argument("--url", help="a running kg serve, e.g. http://127.0.0.1:8000/")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--rounds", type=int, default=1, help="times each client runs every query (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server this script starts (default 2)")
    parser.add_argument("--engine", choices=("oxigraph", "rdflib"), help="query engine of the server this script starts")
    parser.add_argument("--cache-mb", type=float, default=64.0, help="answer cache of the server this script starts (0: none, so every request runs its query)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one request may take (default 60)")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds after which no new request is sent (default 600)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rounds < 1:
        parser.error("--clients and --rounds must be at least 1")

    process = None
    url = args.url
    if url is None:
        if not args.graph.exists():
            parser.error(f"{args.graph} does not exist; build it first (kg build corpus/ -o out/) or give --graph/--url")
        process, url = start_server(args.graph, args.workers, args.engine, args.timeout, args.cache_mb)
    elif not url.endswith("/"):
        url += "/"
    try:
        result = run(url, args.clients, args.rounds, args.timeout, args.deadline)
    finally:
        if process is not None:
            stop_server(process)
    result["server"] = "started by this script" if process is not None else "given"
    if process is not None:
        result["server_workers"] = args.workers
        result["engine"] = args.engine or "default"
        result["cache_mb"] = args.cache_mb
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    failed = result["overall"]["errors"] or result["overall"]["requests"] != result["expected_requests"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
