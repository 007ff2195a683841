"""ontology/README.md cannot rot: its worked examples run, in order, and print what it shows.

Conventions of the README's code blocks:

- a block tagged ``file=PATH`` is written to PATH (relative to an empty
  working folder) where it appears;
- in a ``console`` block, a line starting ``$ kg`` is a command; the lines up
  to the next command are what it must print (stdout and stderr, trailing
  spaces ignored); a line ``...`` stands for any number of lines;
- a block tagged ``expect=PATH`` must equal the content of PATH at that point.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app

REPO = Path(__file__).resolve().parents[1]
README = REPO / "ontology" / "README.md"
_FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def steps(text: str) -> list[tuple[str, str, str]]:
    """("file", path, body), ("expect", path, body) and ("run", command, expected output), in README order."""
    out: list[tuple[str, str, str]] = []
    for m in _FENCE.finditer(text):
        lang, attrs, body = m.group(1), m.group(2), m.group(3)
        if f := re.search(r"\bfile=(\S+)", attrs):
            out.append(("file", f.group(1), body))
        elif f := re.search(r"\bexpect=(\S+)", attrs):
            out.append(("expect", f.group(1), body))
        elif lang == "console":
            command, expected = None, []
            for line in body.splitlines():
                if line.startswith("$ "):
                    if command is not None:
                        out.append(("run", command, "\n".join(expected)))
                    command, expected = line[2:], []
                else:
                    expected.append(line)
            if command is not None:
                out.append(("run", command, "\n".join(expected)))
    return out


def matches(expected: str, actual: str) -> bool:
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line.rstrip()) + r"\n" for line in expected.splitlines()
    )
    normal = "".join(line.rstrip() + "\n" for line in actual.splitlines())
    return re.fullmatch(pattern, normal) is not None


STEPS = steps(README.read_text(encoding="utf-8"))


def test_the_readme_has_every_extension_path():
    commands = [s[1] for s in STEPS if s[0] == "run"]
    for needed in ("kg ontology suggest", "kg ontology add ", "kg ontology add-relation", "kg ontology import", "kg ontology check", "kg build", "kg query", "kg validate", "kg ontology docs"):
        assert any(c.startswith(needed) for c in commands), needed
    assert any(s[0] == "file" for s in STEPS) and any(s[0] == "expect" for s in STEPS)


def test_worked_examples(tmp_path, monkeypatch):
    (tmp_path / "tests").symlink_to(REPO / "tests", target_is_directory=True)  # for tests/fixtures/obo/...
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for kind, what, body in STEPS:
        if kind == "file":
            path = tmp_path / what
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        elif kind == "expect":
            assert (tmp_path / what).read_text(encoding="utf-8") == body, what
        else:
            args = shlex.split(what)
            assert args[0] == "kg", what
            result = runner.invoke(app, args[1:])
            assert result.exit_code == 0, f"{what}\n{result.output}"
            assert matches(body, result.output), f"{what}\n--- expected\n{body}\n--- got\n{result.output}"


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [("a\nb", "a\nb\n", True), ("a\n...\nd", "a\nb\nc\nd\n", True), ("a", "a  \n", True), ("a\nb", "a\nc\n", False)],
)
def test_matches(expected, actual, ok):
    assert matches(expected, actual) is ok
