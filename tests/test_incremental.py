"""kg.incremental: a build redoes only new or changed documents, and equals a full rebuild."""

from __future__ import annotations

import json
from pathlib import Path


from kg.build import build
from kg.incremental import (
    CachedResult,
    Manifest,
    current_generation,
    decode_result,
    encode_result,
)
from kg.store import OxigraphStore

A = "Stem cells for disc repair\n\nMesenchymal stem cells secrete growth factors.\n"
B = "Back pain\n\nDegenerative disc disease causes chronic low back pain.\n"
B2 = "Back pain, revised\n\nDegenerative disc disease may cause low back pain. Age causes disc degeneration.\n"
C = "Inflammation\n\nInterleukin-1 promotes matrix degradation. Stem cell therapy does not cause tumour formation.\n"


def store_state(out: Path) -> tuple[bytes, list[str], list[str]]:
    """What the store of a build folder holds: all triples sorted, graph names, quads without blank nodes."""
    with OxigraphStore(out / "store", read_only=True) as store:
        triples = store.serialize("nt")
        graphs = store.named_graphs()
        quads = sorted(line for line in store.dump_nquads().decode().splitlines() if "_:" not in line)
    return triples, graphs, quads


def test_unchanged_rebuild_reuses_everything(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": A, "b.txt": B})
    out = tmp_path / "out"
    first = build([corpus], out)
    assert (first.extracted, first.reused) == (2, 0)
    before = (out / "graph.nt").read_bytes()
    again = build([corpus], out)
    assert (again.extracted, again.reused) == (0, 2)
    assert dict(again.store_changes) == {"added": 0, "replaced": 0, "removed": 0, "kept": 2}
    assert (out / "graph.nt").read_bytes() == before


def test_added_and_changed_documents_equal_a_full_rebuild(make_corpus, tmp_path):
    out = tmp_path / "out"
    build([make_corpus({"a.txt": A, "b.txt": B})], out)
    corpus = make_corpus({"a.txt": A, "b.txt": B2, "c.txt": C})
    summary = build([corpus], out)
    assert (summary.extracted, summary.reused) == (2, 1)  # b changed, c is new, a is reused
    # b's text changed, so its id and named graph did: the old graph is dropped, the new one added
    assert dict(summary.store_changes) == {"added": 2, "replaced": 0, "removed": 1, "kept": 1}

    full = build([corpus], tmp_path / "full", incremental=False)
    assert full.extracted == 3
    assert (out / "graph.nt").read_bytes() == (tmp_path / "full" / "graph.nt").read_bytes()
    assert (out / "graph.ttl").read_bytes() == (tmp_path / "full" / "graph.ttl").read_bytes()
    assert store_state(out) == store_state(tmp_path / "full")


def test_removed_document_leaves_no_trace(make_corpus, tmp_path):
    out = tmp_path / "out"
    build([make_corpus({"a.txt": A, "c.txt": C})], out)
    corpus = make_corpus({"a.txt": A})
    summary = build([corpus], out)
    assert dict(summary.store_changes)["removed"] == 1
    build([corpus], tmp_path / "full", incremental=False)
    assert (out / "graph.nt").read_bytes() == (tmp_path / "full" / "graph.nt").read_bytes()
    assert store_state(out) == store_state(tmp_path / "full")
    assert "Interleukin-1 promotes" not in (out / "graph.nt").read_text(encoding="utf-8")
    # the cache keeps only the documents of the last build
    assert len(list((out / ".kg" / "cache").iterdir())) == 1


def test_renamed_document_is_extracted_again(make_corpus, tmp_path):
    out = tmp_path / "out"
    build([make_corpus({"a.txt": A})], out)
    summary = build([make_corpus({"renamed.txt": A})], out)
    assert summary.extracted == 1  # the evidence names the source, so it must be read again
    assert '"renamed.txt"' in (out / "graph.nt").read_text(encoding="utf-8")


def test_ontology_change_invalidates_the_cache(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": A})
    out = tmp_path / "out"
    build([corpus], out)
    module = tmp_path / "extra.ttl"
    module.write_text(
        "@prefix kg: <https://w3id.org/kg/ontology/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'kg:StemCell skos:altLabel "stem-like cell"@en .\n',
        encoding="utf-8",
    )
    summary = build([corpus], out, ontology_paths=[module])
    assert (summary.extracted, summary.reused) == (1, 0)


def test_damaged_cache_entry_is_ignored(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": A})
    out = tmp_path / "out"
    build([corpus], out)
    before = (out / "graph.nt").read_bytes()
    (entry,) = (out / ".kg" / "cache").iterdir()
    entry.write_text('{"version": 1, "document": ', encoding="utf-8")
    summary = build([corpus], out)
    assert summary.extracted == 1
    assert (out / "graph.nt").read_bytes() == before


def test_no_store_option(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": A})
    summary = build([corpus], tmp_path / "plain", store=False)
    assert summary.store is None
    assert not (tmp_path / "plain" / "store").exists()
    # a build without a store removes the store of an earlier build, which would be stale
    build([corpus], tmp_path / "out")
    build([make_corpus({"a.txt": A, "b.txt": B})], tmp_path / "out", store=False)
    assert not (tmp_path / "out" / "store").exists()
    assert not [p for p in (tmp_path / "out" / ".kg").iterdir() if p.name.startswith("gen-")]


def test_cache_round_trip(default_build_summary):
    from kg.graph import DocumentInfo
    from kg.ontology import load_ontology
    from kg.pipeline import extract
    from kg.records import Document

    text = A + B2 + C
    doc = Document(doc_id="x1", source="x.txt", text=text, title="x")
    (result,) = list(extract([doc], load_ontology()))
    cached = CachedResult(DocumentInfo.of(doc), result.mentions, result.relations)
    assert result.relations and result.mentions
    back = decode_result(encode_result(cached))
    assert back == cached
    assert json.loads(encode_result(cached))["document"]["source"] == "x.txt"


def test_manifest_describes_the_store(make_corpus, tmp_path):
    out = tmp_path / "out"
    build([make_corpus({"a.txt": A, "b.txt": B})], out)
    generation = current_generation(out)
    assert generation is not None and (out / "store").resolve() == generation / "oxigraph"
    manifest = Manifest.read(generation / "manifest.json")
    assert [e.source for e in manifest.documents] == ["a.txt", "b.txt"]
    with OxigraphStore(out / "store", read_only=True) as store:
        assert store.named_graphs() == sorted(e.graph for e in manifest.documents)


def test_build_folder_copied_without_symlinks(make_corpus, tmp_path):
    import shutil

    corpus = make_corpus({"a.txt": A})
    build([corpus], tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "copy")  # follows the store symlink: a real folder
    assert not (tmp_path / "copy" / "store").is_symlink()
    build([make_corpus({"a.txt": A, "b.txt": B})], tmp_path / "copy")
    assert (tmp_path / "copy" / "store").is_symlink()
    assert len(store_state(tmp_path / "copy")[1]) == 2


def test_bulk_load_in_chunks_keeps_blank_node_structures(tmp_path):
    from kg.incremental import bulk_load

    lines = [f"<http://x/s{i}> <http://x/p> \"{i}\" .\n" for i in range(25)]
    lines += ["<http://x/c> <http://x/union> _:b0 .\n", "_:b0 <http://x/first> <http://x/a> .\n", "_:b0 <http://x/rest> _:b1 .\n",
              "_:b1 <http://x/first> <http://x/b> .\n"]  # fmt: skip
    path = tmp_path / "g.nt"
    path.write_text("".join(sorted(lines)), encoding="utf-8")
    with OxigraphStore(tmp_path / "store") as store:
        bulk_load(store, path, lines=4)  # many calls; the blank-node lines in one
        assert len(store) == len(lines)
        rows = store.query(
            "SELECT ?a ?b WHERE { <http://x/c> <http://x/union> ?l . ?l <http://x/first> ?a ; <http://x/rest>/<http://x/first> ?b }"
        ).rows
        assert [(str(a), str(b)) for a, b in rows] == [("http://x/a", "http://x/b")]
