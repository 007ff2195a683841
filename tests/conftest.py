"""Shared fixtures.  Everything is located from this file, never from the cwd."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO / "corpus"
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the checkout (holds pyproject.toml, corpus/, ontology/)."""
    return REPO


@pytest.fixture(scope="session")
def default_corpus() -> Path:
    return DEFAULT_CORPUS


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """Write files into a fresh folder and return it.

    ``make_corpus({"a.txt": "text", "sub/b.md": b"raw bytes"})``: a str is
    written as UTF-8 exactly as given (no newline translation), bytes as they are.
    """
    counter = iter(range(1_000_000))

    def make(files: Mapping[str, str | bytes]) -> Path:
        root = tmp_path / f"corpus{next(counter)}"
        root.mkdir()
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            data = content.encode("utf-8") if isinstance(content, str) else content
            path.write_bytes(data)
        return root

    return make


@pytest.fixture(scope="session")
def default_build_summary(tmp_path_factory: pytest.TempPathFactory):
    """Build the default corpus once per test session; returns the BuildSummary.

    The build runs from an empty working directory with $KG_ONTOLOGY_PATH unset,
    so a developer's own ontology modules cannot change what the tests see.
    """
    from kg.build import build

    out = tmp_path_factory.mktemp("default-build") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("KG_ONTOLOGY_PATH", raising=False)
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        return build([DEFAULT_CORPUS], out)


@pytest.fixture(scope="session")
def default_build(default_build_summary) -> Path:
    """The output folder of one build of the default corpus (graph.ttl, graph.nt, graph.html).

    Shared by the whole session: read it, do not write into it.
    """
    return default_build_summary.out_dir


@pytest.fixture(autouse=True)
def _no_user_ontology(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's $KG_ONTOLOGY_PATH."""
    monkeypatch.delenv("KG_ONTOLOGY_PATH", raising=False)
