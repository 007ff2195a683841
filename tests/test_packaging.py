"""An installed wheel works on its own: ontology and queries come from the wheel, not the checkout.

Slow (builds a wheel and a virtual environment) but run by default: this is what
a user gets from ``pip install``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_ONTOLOGY_PATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.append("--no-isolation")  # the backend is here already: no download
    _run([*cmd, str(REPO)], cwd=dist, env=_clean_env())
    [built] = dist.glob("kg-*.whl")
    return built


def test_wheel_carries_ontology_and_queries(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    ontology = sorted(n for n in names if n.startswith("kg/_ontology/"))
    assert "kg/_ontology/core.ttl" in ontology
    expected = {f"kg/_ontology/{p.relative_to(REPO / 'ontology').as_posix()}" for p in (REPO / "ontology").rglob("*.ttl")}
    assert expected <= names
    queries = {f"kg/queries/{p.name}" for p in (REPO / "kg" / "queries").glob("*.rq")}
    assert queries <= names
    assert "kg/cli.py" in names and "kg/__main__.py" in names
    assert not any(n.startswith(("tests/", "corpus/")) for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "kg = kg.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; kg's dependencies are borrowed, not downloaded."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(root)], env=env)
    python = root / "bin" / "python"
    # The dependencies (spaCy, rdflib, ...) are those of the environment running
    # the tests; a .pth line makes them visible without installing them again.
    # It adds only that folder to sys.path (its own .pth files, such as the
    # editable install of the checkout, are not processed).
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], env=env).stdout.strip()
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib, "_kg_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], env=env)
    return root


def test_installed_wheel_finds_its_data(venv, tmp_path):
    python = venv / "bin" / "python"
    code = (
        "import kg, kg.paths\n"
        "from kg.ontology import load_ontology\n"
        "from kg.query import bundled_queries\n"
        "o = load_ontology()\n"
        "qs = bundled_queries()\n"
        "print(kg.__file__)\n"
        "print(kg.paths.default_ontology_dir())\n"
        "print(len(o.concepts), len(o.relations), len(qs))\n"
        "print(' '.join(q.name for q in qs))\n"
    )
    done = _run([str(python), "-c", code], cwd=tmp_path, env=_clean_env())
    module, ontology_dir, counts, names = done.stdout.splitlines()
    assert Path(module).resolve().is_relative_to(venv.resolve()), module
    assert Path(ontology_dir).resolve().is_relative_to(venv.resolve()), ontology_dir
    assert Path(ontology_dir).name == "_ontology"
    concepts, relations, queries = map(int, counts.split())
    assert concepts > 0 and relations > 0
    assert queries == len(list((REPO / "kg" / "queries").glob("*.rq"))) > 0
    assert "cell-secretes" in names.split()


def test_installed_kg_command_builds(venv, tmp_path):
    text = tmp_path / "note.txt"
    text.write_text(
        "Stem cells and discs\n\nMesenchymal stem cells secrete growth factors.\n", encoding="utf-8"
    )
    kg = venv / "bin" / "kg"
    done = _run([str(kg), "build", "note.txt", "-o", "out"], cwd=tmp_path, env=_clean_env())
    assert "graph.ttl" in done.stdout
    for name in ("graph.ttl", "graph.nt", "graph.html"):
        assert (tmp_path / "out" / name).is_file()
    done = _run([str(kg), "query", "out", "--name", "documents", "--format", "csv"], cwd=tmp_path, env=_clean_env())
    assert "note.txt" in done.stdout
    done = _run([str(venv / "bin" / "python"), "-m", "kg", "--version"], cwd=tmp_path, env=_clean_env())
    assert done.stdout.startswith("kg ")
