#!/usr/bin/env python3
"""How quickly does ``kg view``'s page of a large graph become usable in Chromium?

Makes a synthetic graph of kg's shape (2,000 entities by default: one large
connected part with a few hubs, many small groups, some entities that are
only mentioned; a few thousand claims, each with one to three evidence
sentences in a hundred documents), writes it as graph.nt, runs ``kg view`` on
it, opens the page in headless Chromium and measures, from navigation start:

* drawn:   when vis-network first drew the network (the page's ``kg:drawn``
           performance mark);
* clicked: when a mouse click on a node, sent as soon as the page was drawn,
           had been handled (vis-network's ``click`` event selected the node).

``clicked`` is the figure that answers "is it interactive yet".

``--served`` measures ``kg serve``'s graph page instead: the same graph is
served by ``kg serve`` on a free loopback port, and the page (which fetches
the graph with positions the server computed once, at start) is opened the
same way.  Besides ``clicked`` it reports ``details``: when the click's
answer (the node's claims and evidence, fetched from the server) was shown.
The server is started once and asked for the graph before the runs, so the
runs measure the page, not the one-time layout (which is reported apart).

Needs Chromium with its driver (Debian: ``apt-get install chromium
chromium-driver``) and Selenium (``pip install selenium``); nothing is
downloaded.  Example::

    .venv/bin/python scripts/bench_view.py --entities 2000 --runs 3
    .venv/bin/python scripts/bench_view.py --entities 2000 --runs 3 --served

``--physics`` draws the same graph without precomputed positions, letting
vis-network's physics stabilise the layout in the browser, for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)
CATEGORIES = (
    "Cell", "AnatomicalEntity", "ChemicalEntity", "BiologicalProcess", "Disease",
    "PhenotypicFeature", "Intervention", "RiskFactor", "ClinicalResearchConcept",
)
RELATIONS = (
    "secretes", "produces", "differentiates_into", "drives", "inhibits", "causes", "treats",
    "part_of", "has_part", "derived_from", "located_in", "is_a", "uses", "has_adverse_effect",
)


def synthetic_graph(entities: int = 2000, seed: int = 1):
    """An RDF graph made by kg's own build_graph from synthetic records.

    85% of the entities form one preferential-attachment network (two claims
    per new entity, so a few hubs gather many), 10% sit in small groups of
    two to five, 5% are only mentioned.  Modalities: about 70% asserted, 22%
    hedged, 8% negated.
    """
    import networkx as nx

    from kg.graph import build_graph
    from kg.namespaces import KG
    from kg.ontology import load_ontology_from_text
    from kg.records import Document, Evidence, Mention, Modality, Relation, Span, content_id

    rng = random.Random(seed)
    names = [f"Synthetic{i:05d}" for i in range(entities)]
    turtle = ["@prefix kg: <https://w3id.org/kg/ontology/> .", "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
              "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ."]
    for i, name in enumerate(names):
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        turtle.append(f'kg:{name} a owl:Class ; rdfs:subClassOf kg:{category} ; skos:prefLabel "synthetic {category.lower()} {i}"@en .')
    ontology = load_ontology_from_text("\n".join(turtle))

    giant = int(entities * 0.85)
    small = int(entities * 0.10)
    pairs = list(nx.barabasi_albert_graph(giant, 2, seed=seed).edges())
    start = giant
    while start < giant + small:
        size = min(rng.randint(2, 5), giant + small - start)
        members = list(range(start, start + size))
        pairs.extend((members[j], members[rng.randrange(j + 1, size)]) for j in range(size - 1))
        start += size

    documents = []
    for d in range(100):
        text = " ".join(f"Sentence {s} of synthetic document {d} about entities." for s in range(60))
        documents.append(Document(content_id(text), f"doc-{d:03d}.txt", text, title=f"Synthetic document {d}"))

    def evidence(doc: Document, sentence: int, modality: Modality) -> Evidence:
        piece = f"Sentence {sentence} of synthetic document"
        begin = doc.text.index(piece)
        end = doc.text.index(".", begin) + 1
        return Evidence(
            doc.doc_id, doc.source, doc.text[begin:end], sentence, Span(begin, end),
            "Sentence", Span(begin, begin + 8), "document", Span(begin + 26, begin + 34),
            "", None, "synthetic", modality, round(rng.uniform(0.5, 0.95), 2),
        )

    relations = []
    for a, b in pairs:
        if rng.random() < 0.5:
            a, b = b, a
        roll = rng.random()
        modality = Modality.ASSERTED if roll < 0.70 else Modality.HEDGED if roll < 0.92 else Modality.NEGATED
        evs = tuple(
            evidence(documents[rng.randrange(len(documents))], rng.randrange(60), modality)
            for _ in range(rng.randint(1, 3))
        )
        relations.append(Relation(str(KG[names[a]]), str(KG[RELATIONS[rng.randrange(len(RELATIONS))]]), str(KG[names[b]]), evs))
    mentions = []
    for i in range(giant + small, entities):
        doc = documents[i % len(documents)]
        mentions.append(Mention(doc.doc_id, str(KG[names[i]]), "Sentence", Span(0, 8), 0))
    return build_graph(ontology, documents, relations, mentions), len(relations)


def measure(page: Path | str, chromium: str, chromedriver: str, timeout: float, details: bool = False) -> dict[str, float]:
    """Open ``page`` (a file or a URL) in a fresh headless Chromium; times in ms from navigation start.

    With ``details`` (kg serve's graph page), also wait until the clicked
    node's claims are shown in the details panel.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="kg-bench-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        driver.set_script_timeout(timeout)
        driver.get(page.as_uri() if isinstance(page, Path) else page)
        drawn = driver.execute_async_script(
            """
            var done = arguments[arguments.length - 1];
            (function wait() {
              var mark = performance.getEntriesByName("kg:drawn");
              if (mark.length) { done(mark[0].startTime); } else { setTimeout(wait, 5); }
            })();
            """
        )
        # Where is a node on the screen?  Take the most connected one (it is drawn on top of nothing).
        target = driver.execute_script(
            """
            var net = window.kgNetwork, best = null, most = -1;
            net.body.data.nodes.getIds().forEach(function (id) {
              var n = net.getConnectedEdges(id).length;
              if (n > most) { most = n; best = id; }
            });
            net.focus(best, {scale: 1.0, animation: false});
            var p = net.canvasToDOM(net.getPosition(best));
            var box = document.getElementById("graph").getBoundingClientRect();
            window.kgClicked = null;
            net.on("click", function (params) {
              if (window.kgClicked === null && params.nodes.indexOf(best) >= 0) {
                window.kgClicked = performance.now();
              }
            });
            return {id: best, x: box.left + p.x, y: box.top + p.y};
            """
        )
        sent = driver.execute_script("return performance.now();")
        for kind in ("mousePressed", "mouseReleased"):
            driver.execute_cdp_cmd(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": target["x"], "y": target["y"], "button": "left", "clickCount": 1},
            )
        clicked = driver.execute_async_script(
            """
            var done = arguments[arguments.length - 1];
            (function wait() {
              if (window.kgClicked !== null) { done(window.kgClicked); } else { setTimeout(wait, 5); }
            })();
            """
        )
        shown = float("nan")
        if details:
            shown = driver.execute_async_script(
                """
                var done = arguments[arguments.length - 1], wanted = "node:" + arguments[0];
                (function wait() {
                  if (document.getElementById("details").dataset.shows === wanted) { done(performance.now()); }
                  else { setTimeout(wait, 5); }
                })();
                """,
                target["id"],
            )
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"] if hasattr(driver, "get_log") else []
        return {
            "drawn": float(drawn), "click_sent": float(sent), "clicked": float(clicked),
            "details": float(shown), "errors": len(errors),
        }
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


@contextmanager
def kg_serve(graph: Path, timeout: float) -> Iterator[str]:
    """Run ``kg serve graph`` on a free loopback port until the block ends; yields the base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "kg", "serve", str(graph), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"kg serve stopped with exit code {server.returncode}")
            try:
                _get(url + "api/queries", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"kg serve did not answer at {url} within {timeout:.0f} s") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def bench_served(folder: Path, args: argparse.Namespace) -> list[dict[str, float]]:
    """Time kg serve's graph page over ``folder/graph.nt``; prints the server's one-time costs too."""
    started = time.perf_counter()
    with kg_serve(folder / "graph.nt", args.timeout) as url:
        print(f"kg serve: answering at {url} after {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        data = json.loads(_get(url + "api/graph", timeout=args.timeout))
        print(
            f"first /api/graph (waits for the one-time layout begun at start): {time.perf_counter() - started:.1f} s, "
            f"{len(data['nodes'])} nodes, {len(data['edges'])} edges, positioned: {data.get('positioned')}"
        )
        started = time.perf_counter()
        body = _get(url + "api/graph", timeout=args.timeout)
        print(f"later /api/graph (cached): {(time.perf_counter() - started) * 1000:.0f} ms, {len(body) / 1e6:.1f} MB")
        return [measure(url + "graph", args.chromium, args.chromedriver, args.timeout, details=True) for _ in range(args.runs)]


def load_average() -> str:
    """The machine's load averages (1, 5, 15 minutes), to read timings against."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--physics", action="store_true", help="no precomputed positions: vis-network lays out in the browser")
    parser.add_argument("--served", action="store_true", help="measure kg serve's graph page instead of kg view's file")
    parser.add_argument("--keep", type=Path, help="write the graph and the page into this folder and keep them")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not try to download a driver

    from kg.graph import to_sorted_ntriples

    folder = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    graph, claims = synthetic_graph(args.entities)
    (folder / "graph.nt").write_text(to_sorted_ntriples(graph), encoding="utf-8")
    made = time.perf_counter() - started
    print(f"synthetic graph: {args.entities} entities, {claims} claims, {len(graph)} triples ({made:.1f} s)")

    if args.served:
        results = bench_served(folder, args)
    else:
        page = view_page(folder, args)
        results = [measure(page, args.chromium, args.chromedriver, args.timeout) for _ in range(args.runs)]
    for i, r in enumerate(results, 1):
        shown = f", details shown {r['details']:.0f} ms" if args.served else ""
        print(f"run {i}: drawn {r['drawn']:.0f} ms, click sent {r['click_sent']:.0f} ms, "
              f"click handled {r['clicked']:.0f} ms{shown} after navigation start")
    median = statistics.median(r["clicked"] for r in results)
    what = "kg serve's graph page" if args.served else "kg view's page"
    print(f"median ({what}): interactive (click handled) {median:.0f} ms; "
          f"drawn {statistics.median(r['drawn'] for r in results):.0f} ms; load average {load_average()}")
    summary = {"entities": args.entities, "claims": claims, "served": args.served, "median_clicked_ms": round(median),
               "load_average": load_average()}
    if args.served:
        summary["median_details_ms"] = round(statistics.median(r["details"] for r in results))
    print(json.dumps(summary))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def view_page(folder: Path, args: argparse.Namespace) -> Path:
    """Run ``kg view`` over ``folder/graph.nt``; returns the page it wrote."""
    page = folder / "view.html"
    command = [sys.executable, "-m", "kg", "view", str(folder / "graph.nt"), "-o", str(page)]
    if args.physics:
        command.extend(["--layout", "physics"])
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    print(f"kg view: {time.perf_counter() - started:.1f} s, page {page.stat().st_size / 1e6:.1f} MB")
    return page


if __name__ == "__main__":
    sys.exit(main())
