"""Where kg's bundled data lives: resolved here and nowhere else.

In a source checkout the ontology is the top-level ``ontology/`` folder; an
installed wheel carries a copy at ``kg/_ontology`` (see pyproject.toml).
Bundled SPARQL queries are package data in ``kg/queries``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

# A project may keep its own ontology modules here; `kg build` loads them after
# the built-in ontology when the folder exists in the current directory.
PROJECT_ONTOLOGY_DIR = Path("kg-ontology")
ONTOLOGY_ENV = "KG_ONTOLOGY_PATH"


def default_ontology_dir() -> Path:
    """The built-in ontology folder, from a wheel or from a checkout."""
    packaged = _PACKAGE / "_ontology"
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent / "ontology"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"kg's ontology folder was not found: looked in {packaged} and {checkout}"
    )


def user_ontology_paths() -> list[Path]:
    """User modules loaded by default: $KG_ONTOLOGY_PATH entries, then ./kg-ontology/."""
    found: list[Path] = []
    env = os.environ.get(ONTOLOGY_ENV)
    if env:
        found.extend(Path(p) for p in env.split(os.pathsep) if p)
    if PROJECT_ONTOLOGY_DIR.is_dir():
        found.append(PROJECT_ONTOLOGY_DIR)
    return found


def default_user_module() -> Path:
    """Where ``kg ontology add`` writes when no ``--module`` is given: ``kg-ontology/user.ttl``.

    It sits in the project-local folder, so every later ``kg`` command run from
    the same directory loads it.
    """
    return PROJECT_ONTOLOGY_DIR / "user.ttl"


def queries_dir() -> Path:
    """The bundled example SPARQL queries."""
    return _PACKAGE / "queries"
