"""The README cannot rot: its quick start exists as described and its kg examples run."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")

# ```lang attrs\n body ```
_FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def code_blocks(text: str) -> list[tuple[str, str, str]]:
    """(language, attributes, body) of every fenced code block."""
    return [(m.group(1), m.group(2).strip(), m.group(3)) for m in _FENCE.finditer(text)]


def section(text: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert m, f"README has no '## {heading}' section"
    return m.group(1)


def kg_commands(text: str) -> list[str]:
    """Lines starting with ``kg `` in console and bash blocks, in README order."""
    commands = []
    for lang, _, body in code_blocks(text):
        if lang not in ("console", "bash", "shell", "sh"):
            continue
        for line in body.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.startswith("kg "):
                commands.append(line)
    return commands


def example_files(text: str) -> dict[str, str]:
    """Blocks marked ``file=NAME``: files the examples expect to exist."""
    files = {}
    for _, attrs, body in code_blocks(text):
        m = re.search(r"\bfile=(\S+)", attrs)
        if m:
            files[m.group(1)] = body
    return files


# -- quick start ---------------------------------------------------------------

QUICK_START = ["bash scripts/setup-and-build.sh", "bash scripts/setup-and-test.sh"]


def test_quick_start_is_exactly_two_commands():
    blocks = code_blocks(section(README, "Quick start"))
    commands = [line.strip() for _, _, body in blocks for line in body.splitlines() if line.strip()]
    assert commands == QUICK_START


@pytest.mark.parametrize("command", QUICK_START)
def test_quick_start_scripts(command):
    script = REPO / command.split()[-1]
    assert script.is_file()
    assert os.access(script, os.X_OK), f"{script} is not executable"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert 'cd "$(dirname "${BASH_SOURCE[0]}")/.."' in text  # works from any cwd
    assert "make_venv" in text  # python3 -m venv .venv, see scripts/_venv.sh
    assert "pip install" in text and " -e " in text
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_venv_helper():
    text = (REPO / "scripts" / "_venv.sh").read_text(encoding="utf-8")
    assert "python3 -m venv --clear .venv" in text
    subprocess.run(["bash", "-n", str(REPO / "scripts" / "_venv.sh")], check=True)


def test_build_script_builds_the_default_corpus():
    assert "kg build corpus/ -o out/" in (REPO / "scripts" / "setup-and-build.sh").read_text(encoding="utf-8")


def test_test_script_installs_test_extras_and_runs_pytest():
    text = (REPO / "scripts" / "setup-and-test.sh").read_text(encoding="utf-8")
    assert "-e '.[test]'" in text
    assert "-m pytest" in text


def test_ci_runs_the_readme_test_command():
    ci = REPO / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    text = ci.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    commands = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1].strip() == f"exec {QUICK_START[1]}"
    subprocess.run(["bash", "-n", str(ci)], check=True)


# -- the rest of the README ------------------------------------------------------


def test_readme_names_every_module():
    modules = sorted(p.name for p in (REPO / "kg").glob("*.py") if not p.name.startswith("_"))
    missing = [m for m in modules if f"kg/{m}" not in README]
    assert not missing, f"README's layout table does not mention {missing}"


def test_readme_has_kg_examples():
    commands = kg_commands(README)
    for sub in ("build", "query", "view", "eval"):
        assert any(c.split()[1] == sub for c in commands), f"no `kg {sub}` example"


@pytest.fixture(scope="module")
def readme_cwd(default_build, tmp_path_factory) -> Path:
    """A folder that looks like the checkout after the quick start: out/ already built."""
    cwd = tmp_path_factory.mktemp("readme")
    for entry in REPO.iterdir():
        if entry.name not in (".git", ".venv", "out"):
            (cwd / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(default_build, cwd / "out")
    for name, body in example_files(README).items():
        (cwd / name).write_text(body, encoding="utf-8")
    return cwd


@pytest.mark.parametrize("command", kg_commands(README))
def test_readme_example_runs(command, readme_cwd, monkeypatch):
    args = shlex.split(command)[1:]
    if "--model" in args:
        import spacy.util

        model = args[args.index("--model") + 1]
        if not spacy.util.is_package(model):
            pytest.skip(f"spaCy model {model} is not installed")
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    operators = [t for t in lexer if t and set(t) <= set("();<>|&")]
    assert not operators, f"keep README kg examples single commands: {command}"
    monkeypatch.chdir(readme_cwd)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    assert result.stdout.strip(), f"{command} printed nothing"
