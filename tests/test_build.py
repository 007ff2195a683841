"""kg.build: one build end to end, its summary, determinism, and failure safety."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from kg.build import BuildSummary, build
from kg.errors import CorpusError, OutputError
from kg.namespaces import ENTITY, KG

SMALL = (
    "Stem cells for disc repair\n\n"
    "Mesenchymal stem cells secrete growth factors. "
    "Degenerative disc disease causes chronic low back pain.\n"
)
OTHER = "Back pain\n\nDegenerative disc disease may cause low back pain. Age causes disc degeneration.\n"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (the store's files too), and where ``store`` points."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    link = folder / "store"
    files["store ->"] = os.readlink(link).encode() if link.is_symlink() else b""
    return files


def test_default_build_writes_the_outputs(default_build_summary: BuildSummary, default_build: Path):
    summary = default_build_summary
    assert {kind for kind, _ in summary.outputs} == {"ttl", "nt", "html"}
    for kind, path in summary.outputs:
        assert path.parent == default_build
        assert path.name == f"graph.{kind}"
        assert path.stat().st_size > 0
    html = summary.output("html").read_text(encoding="utf-8")
    assert "<html" in html.lower()
    # nothing else is left in the folder (no temporary files)
    # besides the store and the build's state (see kg.incremental)
    assert sorted(p.name for p in default_build.iterdir()) == [".kg", "graph.html", "graph.nt", "graph.ttl", "store"]


def test_default_build_summary_is_consistent(default_build_summary: BuildSummary):
    s = default_build_summary
    assert s.documents == 1
    assert s.skipped == ()
    assert s.relations > 0 and s.entities > 0 and s.mentions >= s.entities
    assert s.evidence >= s.relations
    assert sum(n for _, n in s.relations_by_type) == s.relations
    assert sum(n for _, n in s.modalities) == s.relations
    assert [m for m, _ in s.modalities] == ["asserted", "hedged", "negated"]
    counts = [n for _, n in s.relations_by_type]
    assert counts == sorted(counts, reverse=True)
    assert s.seconds >= 0
    with pytest.raises(KeyError, match="ttl"):
        s.output("pdf")


def test_summary_matches_the_graph(default_build_summary: BuildSummary):
    s = default_build_summary
    graph = Graph().parse(s.output("nt"), format="nt")
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    assert len(statements) == s.relations
    assert len(set(graph.subjects(RDF.type, KG.Document))) == s.documents
    entities = {n for n in graph.subjects(KG.mentionCount, None) if str(n).startswith(str(ENTITY))}
    assert len(entities) == s.entities
    evidence = set(graph.objects(None, KG.hasEvidence))
    assert len(evidence) <= s.evidence  # evidence nodes may be shared between statements


def test_build_is_deterministic(default_build: Path, tmp_path: Path, default_corpus: Path):
    again = build([default_corpus], tmp_path / "again")
    assert again.output("nt").read_bytes() == (default_build / "graph.nt").read_bytes()
    assert again.output("ttl").read_bytes() == (default_build / "graph.ttl").read_bytes()
    assert again.output("html").read_bytes() == (default_build / "graph.html").read_bytes()


def test_build_reports_progress(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": SMALL, "b.txt": OTHER, "bad.txt": b"\xff\xfe\x00"})
    calls: list[tuple[int, int | None]] = []
    summary = build([corpus], tmp_path / "out", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 3)
    assert calls[-1] == (3, 3)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert summary.documents == 2
    assert [s.source for s in summary.skipped] == ["bad.txt"]


def test_skipped_files_are_in_the_summary(make_corpus, tmp_path):
    corpus = make_corpus({"a.txt": SMALL, "latin1.txt": "caf\u00e9".encode("latin-1"), "empty.md": ""})
    summary = build([corpus], tmp_path / "out")
    assert summary.documents == 1
    reasons = dict((s.source, s.reason) for s in summary.skipped)
    assert set(reasons) == {"latin1.txt", "empty.md"}
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.md"]


def test_no_readable_document_raises_and_writes_nothing(make_corpus, tmp_path):
    good = make_corpus({"a.txt": SMALL})
    out = tmp_path / "out"
    build([good], out)
    before = _snapshot(out)
    bad = make_corpus({"x.txt": b"", "y.txt": b"\xff\xff"})
    with pytest.raises(CorpusError) as info:
        build([bad], out)
    message = str(info.value)
    assert "no readable documents" in message
    assert "x.txt: empty" in message and "y.txt: not UTF-8" in message
    assert _snapshot(out) == before
    fresh = tmp_path / "fresh"
    with pytest.raises(CorpusError):
        build([bad], fresh)
    assert not fresh.exists()


def test_missing_corpus_raises_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(CorpusError, match="no such file or folder"):
        build([tmp_path / "nope"], out)
    assert not out.exists()


@pytest.mark.parametrize("fail_at", ["serialising", "moving into place"])
def test_failed_write_leaves_previous_outputs_intact(make_corpus, tmp_path, monkeypatch, fail_at):
    out = tmp_path / "out"
    build([make_corpus({"a.txt": SMALL})], out)
    before = _snapshot(out)

    if fail_at == "serialising":
        import pyoxigraph

        def broken(*args, **kwargs):  # the Turtle writer runs out of disk
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(pyoxigraph, "serialize", broken)
    else:
        real_replace = os.replace
        calls = {"n": 0}

        def flaky_replace(src, dst, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:  # the first output is already in place; the second fails
                raise OSError(5, "Input/output error")
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", flaky_replace)

    with pytest.raises(OutputError):
        build([make_corpus({"b.txt": OTHER})], out)
    monkeypatch.undo()
    assert _snapshot(out) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_title_of_the_view(make_corpus, tmp_path):
    summary = build([make_corpus({"a.txt": SMALL})], tmp_path / "one")
    assert "Stem cells for disc repair" in summary.output("html").read_text(encoding="utf-8")
    summary = build([make_corpus({"a.txt": SMALL})], tmp_path / "titled", title="My graph")
    assert "My graph" in summary.output("html").read_text(encoding="utf-8")


def test_bad_jobs_value(tmp_path, default_corpus):
    with pytest.raises(ValueError, match="jobs"):
        build([default_corpus], tmp_path / "out", jobs=0)


@pytest.mark.slow
def test_jobs_do_not_change_the_graph(make_corpus, tmp_path):
    corpus = make_corpus({f"{i}.txt": f"Copy {i}\n\n{SMALL}{OTHER}" for i in range(3)})
    one = build([corpus], tmp_path / "one", jobs=1)
    two = build([corpus], tmp_path / "two", jobs=2)
    assert one.output("nt").read_bytes() == two.output("nt").read_bytes()
    assert one.documents == two.documents == 3


@pytest.mark.parametrize("name", ["claims-by-type", "documents"])
def test_query_engines_print_the_same(default_build, capsys, name):
    from kg.cli import main

    printed = {}
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(SystemExit) as code:
            main(["query", str(default_build), "--name", name, "--engine", engine, "--format", "csv"])
        assert code.value.code in (0, None)
        printed[engine] = capsys.readouterr().out
    assert printed["oxigraph"] == printed["rdflib"]
    assert len(printed["rdflib"].splitlines()) > 1


def test_build_writes_a_store_that_matches_the_graph(default_build):
    from kg.store import OxigraphStore

    with OxigraphStore(default_build / "store", read_only=True) as store:
        in_store = store.serialize("nt").decode().splitlines()
    in_file = (default_build / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert len(in_store) == len(in_file)
    # the same triples, except that Oxigraph writes decimals canonically ("0.0" as "0")
    differ = set(in_store) ^ set(in_file)
    assert all("XMLSchema#decimal" in line for line in differ)
