"""What a build keeps between runs, so the next run redoes only what changed.

A build folder holds, besides the graph files::

    out/store -> .kg/gen-<id>/oxigraph     the Oxigraph store (a relative symlink)
    out/.kg/gen-<id>/manifest.json         what that store holds, per document
    out/.kg/cache/<key>.json               extraction results, one file per document

**Cache.** The extraction results of a document (its mentions and relations
with their evidence, not its text) are saved under a key that digests the
document's text, its source name, the ontology files, the spaCy model and
kg's version.  The next build reads a document, computes the key and, when
the file exists, reuses the results instead of running the pipeline.  Cache
files are only ever added whole (a file appears by rename), so a stale or
half-written one cannot be read.

**Store generations.** The store is never changed in place.  A build copies
the current generation (Oxigraph's ``backup``, which hard-links its immutable
files, so this is cheap), updates the copy, and then points ``out/store`` at
it by replacing the symlink, which is atomic.  The manifest lives inside the
generation, so the store and its description always change together.  A build
killed at any moment leaves ``out/store`` pointing at a complete generation.

**Named graphs.** In the store, the triples about one document (its document
node, its evidence nodes and the ``kg:hasEvidence`` links to them) sit in a
named graph whose name is the document's IRI; everything else (entities,
statements, direct triples, the ontology) sits in the default graph.  When a
document changes or disappears its named graph is replaced or dropped; the
default graph, whose counts and confidences pool all documents, is rewritten
on every build.  See ``docs/rdf-model.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import GraphError, OutputError
from .records import Evidence, Mention, Modality, Relation, Span

__all__ = [
    "CACHE_VERSION",
    "CachedResult",
    "Manifest",
    "ResultCache",
    "StoreGeneration",
    "checkpoint",
    "current_generation",
    "fingerprint",
]

#: Bump when the cache file format or the meaning of a result changes.
CACHE_VERSION = 2  # 2: document metadata (PMID, journal, year) kept

STATE_DIR = ".kg"
CACHE_DIR = "cache"
MANIFEST = "manifest.json"
STORE_LINK = "store"

#: Set to a checkpoint name to have a build kill itself there (for crash tests).
KILL_ENV = "KG_TEST_KILL_AT"


def checkpoint(name: str) -> None:
    """A point where a crash test may kill the build: ``KG_TEST_KILL_AT=name`` sends SIGKILL.

    The build cannot clean up after SIGKILL, which is what the crash tests
    want to check; without the variable this does nothing.
    """
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


# ---------------------------------------------------------------------------
# Cache of extraction results
# ---------------------------------------------------------------------------


def fingerprint(ontology_files: Sequence[str], model: str | None) -> str:
    """A digest of everything besides the text that decides what extraction finds."""
    from . import __version__

    h = hashlib.sha256()
    h.update(f"kg {__version__} cache {CACHE_VERSION} model {model or '-'}\n".encode())
    for name in ontology_files:
        try:
            data = Path(name).read_bytes()
        except OSError:
            data = name.encode()
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class CachedResult:
    """What extraction found in one document, without the document's text."""

    info: object  # kg.graph.DocumentInfo
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]


def cache_key(doc_id: str, source: str, print_: str) -> str:
    return hashlib.sha256(f"{doc_id}\x1f{source}\x1f{print_}".encode()).hexdigest()[:32]


def _span(span: Span | None) -> list[int] | None:
    return None if span is None else [span.start, span.end]


def _evidence_json(ev: Evidence) -> dict:
    return {
        "sentence": ev.sentence,
        "index": ev.sentence_index,
        "span": _span(ev.sentence_span),
        "subject": [ev.subject_text, *_span(ev.subject_span)],
        "object": [ev.object_text, *_span(ev.object_span)],
        "trigger": [ev.trigger_text, _span(ev.trigger_span)],
        "rule": ev.rule,
        "modality": ev.modality.value,
        "confidence": ev.confidence,
    }


def encode_result(result: CachedResult) -> str:
    """A result as one JSON document (no pickle: a cache file cannot run code)."""
    info = result.info
    doc = {
        "version": CACHE_VERSION,
        "document": {
            "doc_id": info.doc_id,
            "source": info.source,
            "title": info.title,
            "sha256": info.sha256,
            "characters": info.characters,
            "meta": [list(kv) for kv in info.meta],
        },
        "mentions": [[m.concept, m.text, m.span.start, m.span.end, m.sentence] for m in result.mentions],
        "relations": [
            [r.subject, r.predicate, r.object, [_evidence_json(e) for e in r.evidence]] for r in result.relations
        ],
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def decode_result(text: str) -> CachedResult:
    from .graph import DocumentInfo

    data = json.loads(text)
    if data.get("version") != CACHE_VERSION:
        raise ValueError(f"cache version {data.get('version')!r}, expected {CACHE_VERSION}")
    d = data["document"]
    info = DocumentInfo(
        d["doc_id"], d["source"], d["title"], d["sha256"], d["characters"], tuple(tuple(kv) for kv in d.get("meta", ()))
    )
    mentions = tuple(Mention(info.doc_id, c, t, Span(s, e), si) for c, t, s, e, si in data["mentions"])
    relations = []
    for subject, predicate, obj, evs in data["relations"]:
        evidence = tuple(
            Evidence(
                doc_id=info.doc_id,
                source=info.source,
                sentence=e["sentence"],
                sentence_index=e["index"],
                sentence_span=Span(*e["span"]),
                subject_text=e["subject"][0],
                subject_span=Span(e["subject"][1], e["subject"][2]),
                object_text=e["object"][0],
                object_span=Span(e["object"][1], e["object"][2]),
                trigger_text=e["trigger"][0],
                trigger_span=None if e["trigger"][1] is None else Span(*e["trigger"][1]),
                rule=e["rule"],
                modality=Modality(e["modality"]),
                confidence=e["confidence"],
            )
            for e in evs
        )
        relations.append(Relation(subject, predicate, obj, evidence))
    return CachedResult(info, mentions, tuple(relations))


class ResultCache:
    """Extraction results by key: read from the build folder, new ones staged elsewhere.

    ``folder`` is the committed cache (may not exist); ``staging`` receives
    the results computed by this build until :meth:`commit` moves them in.
    """

    def __init__(self, folder: Path, staging: Path) -> None:
        self.folder = folder
        self.staging = staging
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedResult | None:
        path = self.folder / f"{key}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            self.misses += 1
            return None
        try:
            result = decode_result(text)
        except (ValueError, KeyError, TypeError, IndexError):  # an old or damaged entry: extract again
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put(self, key: str, result: CachedResult) -> None:
        self.staging.mkdir(parents=True, exist_ok=True)
        (self.staging / f"{key}.json").write_text(encode_result(result), encoding="utf-8")

    def commit(self) -> None:
        """Move the staged entries into the cache folder, each by an atomic rename."""
        if not self.staging.is_dir():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(self.staging.iterdir()):
            os.rename(path, self.folder / path.name)

    def prune(self, keep: Iterable[str]) -> None:
        """Delete the entries not in ``keep`` (documents no longer in the corpus)."""
        wanted = {f"{k}.json" for k in keep}
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------
# Named graphs per document
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Manifest and store generations
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    source: str
    doc_id: str
    graph: str  # the document IRI, name of its graph in the store
    digest: str  # digest of the document's named graph (sorted N-Triples)
    cache: str  # key of its cached extraction result


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a store generation holds: one entry per document, and the default graph's digest."""

    fingerprint: str
    default_digest: str
    documents: tuple[ManifestEntry, ...]

    def by_graph(self) -> dict[str, ManifestEntry]:
        return {e.graph: e for e in self.documents}

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": CACHE_VERSION,
                "fingerprint": self.fingerprint,
                "default_digest": self.default_digest,
                "documents": [
                    {"source": e.source, "doc_id": e.doc_id, "graph": e.graph, "digest": e.digest, "cache": e.cache}
                    for e in self.documents
                ],
            },
            indent=1,
            ensure_ascii=False,
        )

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION:
                return None
            entries = tuple(ManifestEntry(**e) for e in data["documents"])
            return cls(data["fingerprint"], data["default_digest"], entries)
        except (OSError, ValueError, KeyError, TypeError):
            return None


#: Lines per call of Oxigraph's bulk loader: it holds a call's input in memory (about 1 KB a triple).
BULK_LINES = 200_000


def bulk_load(store, path: Path, *, lines: int = BULK_LINES) -> None:
    """Load an N-Triples (``.nt``) or N-Quads file into a :class:`kg.store.OxigraphStore` in bounded memory.

    Oxigraph's bulk loader is fast but keeps what one call loads in memory,
    so the file goes in calls of ``lines`` lines.  It also gives the blank
    nodes of each call fresh names, so every line that holds a blank node
    goes into one last call, keeping the ontology's blank-node structures
    whole.  For a store no one else is using (a new generation).
    """
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    target = store.oxigraph

    def load(chunk: list[bytes]) -> None:
        try:
            target.bulk_load(input=b"".join(chunk), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise GraphError(f"{path}: cannot load into the store: {exc}") from None

    with_blank_nodes: list[bytes] = []
    chunk: list[bytes] = []
    with open(path, "rb") as fh:
        for line in fh:
            if line.startswith(b"_:") or b" _:" in line:  # (a literal holding " _:" lands here too: harmless)
                with_blank_nodes.append(line)
                continue
            chunk.append(line)
            if len(chunk) >= lines:
                load(chunk)
                chunk = []
    for rest in (chunk, with_blank_nodes):
        if rest:
            load(rest)


def _select_graphs(quads: Path, graphs: set[str], target: Path) -> Path:
    """Copy the N-Quads lines of ``graphs`` (document IRIs) into ``target``."""
    names = {f" <{g}> .\n" for g in graphs}
    with open(quads, encoding="utf-8", newline="\n") as src, open(target, "w", encoding="utf-8", newline="\n") as dst:
        for line in src:
            if line[line.rindex(" <") :] in names:
                dst.write(line)
    return target


def current_generation(out_dir: Path) -> Path | None:
    """The folder of the committed store generation of a build folder, or None."""
    link = out_dir / STORE_LINK
    if not link.is_symlink():
        return None
    target = link.resolve()
    if not target.is_dir():
        return None
    return target.parent


class StoreGeneration:
    """A new store generation being prepared in a staging folder, then committed."""

    def __init__(self, staging: Path) -> None:
        self.folder = staging / "gen"
        self.store_dir = self.folder / "oxigraph"
        self.folder.mkdir(parents=True)

    def write(
        self,
        previous: Path | None,
        written,  # kg.emit.WrittenGraph
        manifest_of: Callable[[str, str], ManifestEntry],
        fingerprint_: str,
    ) -> tuple[Manifest, dict[str, int]]:
        """Fill the store (from ``previous`` when usable), write the manifest; return it and counts.

        A new store is bulk-loaded from the writer's files.  Otherwise the
        previous generation is copied, its default graph replaced, and only
        the named graphs whose digest changed are dropped and loaded again.
        """
        from .store import OxigraphStore

        old = Manifest.read(previous / MANIFEST) if previous is not None else None
        counts = {"added": 0, "replaced": 0, "removed": 0, "kept": 0}
        digests: dict[str, str] = written.graph_digests
        if old is not None:
            try:
                source = OxigraphStore(previous / "oxigraph", read_only=True)
                try:
                    source.oxigraph.backup(str(self.store_dir))
                finally:
                    source.close()
            except (OSError, GraphError):
                old = None
                shutil.rmtree(self.store_dir, ignore_errors=True)
        store = OxigraphStore(self.store_dir)
        try:
            if old is None:
                bulk_load(store, written.default)
                bulk_load(store, written.quads)
                counts["added"] = len(digests)
            else:
                known = old.by_graph()
                store.clear_default_graph()
                bulk_load(store, written.default)
                for graph in sorted(known.keys() - digests.keys()):
                    store.remove_graph(graph)
                    counts["removed"] += 1
                changed = set()
                for graph in sorted(digests):
                    entry = known.get(graph)
                    if entry is not None and entry.digest == digests[graph]:
                        counts["kept"] += 1
                        continue
                    if entry is not None:
                        store.remove_graph(graph)
                        counts["replaced"] += 1
                    else:
                        counts["added"] += 1
                    changed.add(graph)
                if changed:
                    bulk_load(store, _select_graphs(written.quads, changed, self.folder / "changed.nq"))
            store.optimize()  # compacted once loaded: queries read a bulk-loaded store ~3x slower
            store.flush()
        finally:
            store.close()
        (self.folder / "changed.nq").unlink(missing_ok=True)
        manifest = Manifest(
            fingerprint_,
            written.default_digest,
            tuple(sorted((manifest_of(g, digests[g]) for g in digests), key=lambda e: (e.source, e.doc_id))),
        )
        path = self.folder / MANIFEST
        path.write_text(manifest.to_json(), encoding="utf-8")
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
        return manifest, counts

    def commit(self, out_dir: Path) -> Path:
        """Move the generation into ``out_dir`` and point ``out_dir/store`` at it (atomically)."""
        state = out_dir / STATE_DIR
        state.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns():x}-{os.getpid()}"
        target = state / name
        try:
            os.rename(self.folder, target)
            checkpoint("generation-moved")
            link_tmp = out_dir / f".{STORE_LINK}.{os.getpid()}.tmp"
            link_tmp.unlink(missing_ok=True)
            os.symlink(Path(STATE_DIR) / name / "oxigraph", link_tmp, target_is_directory=True)
            link = out_dir / STORE_LINK
            aside = None
            if link.is_dir() and not link.is_symlink():
                # a real folder (a build folder copied without its symlink): a
                # folder cannot be swapped for a link in one step, so move it aside first
                aside = state / f"old-{name}"
                os.rename(link, aside)
            os.rename(link_tmp, link)
            from .graph import _fsync_dir

            _fsync_dir(out_dir)
            if aside is not None:
                shutil.rmtree(aside, ignore_errors=True)
        except OSError as exc:
            raise OutputError(f"{out_dir / STORE_LINK}: cannot put the store in place: {exc.strerror or exc}") from None
        return target


def cleanup(out_dir: Path, keep: Path | None) -> None:
    """Remove store generations other than ``keep`` and leftovers of killed builds."""
    state = out_dir / STATE_DIR
    if state.is_dir():
        for child in state.iterdir():
            if child.name.startswith("gen-") and (keep is None or child.resolve() != keep.resolve()):
                shutil.rmtree(child, ignore_errors=True)
    for child in out_dir.glob(f".{STORE_LINK}.*.tmp"):
        child.unlink(missing_ok=True)
    for child in out_dir.parent.glob(f".{out_dir.name}.kg-*.tmp"):
        pid = child.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)


def staging_folder(out_dir: Path) -> Path:
    """A fresh private folder beside ``out_dir`` (same file system, so renames are atomic)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    path = out_dir.parent / f".{out_dir.name}.kg-{time.time_ns():x}-{os.getpid()}.tmp"
    path.mkdir()
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
