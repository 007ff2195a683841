"""A build killed with SIGKILL at any stage leaves the previous outputs usable, and the next run completes.

The build is run in a subprocess with ``KG_TEST_KILL_AT`` naming one of the
checkpoints of :func:`kg.build.build`; the process then kills itself with
SIGKILL (no clean-up code can run).  After the kill, every output is either the
previous build's or the new one's, never a mixture inside one file, and the
store opens and answers queries.  A normal build afterwards gives exactly the
graph a fresh build gives.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.incremental import KILL_ENV
from kg.store import OxigraphStore

REPO = Path(__file__).resolve().parents[1]

A = "Stem cells for disc repair\n\nMesenchymal stem cells secrete growth factors.\n"
B = "Back pain\n\nDegenerative disc disease causes chronic low back pain. Age causes disc degeneration.\n"

CHECKPOINTS = ["extracted", "store-staged", "outputs-written", "cache-moved", "generation-moved", "committed"]

pytestmark = pytest.mark.slow


def store_triples(out: Path) -> bytes:
    with OxigraphStore(out / "store", read_only=True) as store:
        assert store.query("ASK { ?s a kg:Document }").boolean is True
        return store.serialize("nt")


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The previous build (corpus A) and a fresh build of the new corpus (A and B)."""
    root = tmp_path_factory.mktemp("crash")
    old_corpus, new_corpus = root / "old", root / "new"
    old_corpus.mkdir()
    new_corpus.mkdir()
    (old_corpus / "a.txt").write_text(A, encoding="utf-8")
    (new_corpus / "a.txt").write_text(A, encoding="utf-8")
    (new_corpus / "b.txt").write_text(B, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KG_ONTOLOGY_PATH", raising=False)
        build([old_corpus], root / "old-out")
        build([new_corpus], root / "new-out")
    return {
        "new_corpus": new_corpus,
        "old_out": root / "old-out",
        "old": ((root / "old-out" / "graph.nt").read_bytes(), store_triples(root / "old-out")),
        "new": ((root / "new-out" / "graph.nt").read_bytes(), store_triples(root / "new-out")),
    }


def run_build(corpus: Path, out: Path, kill_at: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KG_ONTOLOGY_PATH"}
    if kill_at:
        env[KILL_ENV] = kill_at
    code = "import sys; from kg.build import build; build([sys.argv[1]], sys.argv[2])"
    return subprocess.run(
        [sys.executable, "-c", code, str(corpus), str(out)], env=env, cwd=REPO, capture_output=True, timeout=300
    )


@pytest.mark.parametrize("kill_at", CHECKPOINTS)
def test_killed_build_leaves_usable_outputs(builds, tmp_path, kill_at):
    out = tmp_path / "out"
    shutil.copytree(builds["old_out"], out, symlinks=True)

    killed = run_build(builds["new_corpus"], out, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    graph_nt = (out / "graph.nt").read_bytes()
    assert graph_nt in (builds["old"][0], builds["new"][0])
    assert store_triples(out) in (builds["old"][1], builds["new"][1])
    if CHECKPOINTS.index(kill_at) < CHECKPOINTS.index("outputs-written"):
        assert graph_nt == builds["old"][0]
    if CHECKPOINTS.index(kill_at) < CHECKPOINTS.index("committed"):
        assert store_triples(out) == builds["old"][1]

    again = run_build(builds["new_corpus"], out, None)
    assert again.returncode == 0, again.stderr.decode()
    assert (out / "graph.nt").read_bytes() == builds["new"][0]
    assert store_triples(out) == builds["new"][1]
    # the killed run's leftovers are gone: one store generation, no staging folders
    assert len([p for p in (out / ".kg").iterdir() if p.name.startswith("gen-")]) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
