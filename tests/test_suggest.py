"""kg ontology suggest: the gap report, and that its commands close the gaps."""

from __future__ import annotations

import shlex

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.ontology import load_ontology
from kg.suggest import candidate_phrases, find_long_form, singular, suggest, verb_base

TEXT = """Tendon stem cells in tendon repair

Tendon stem cells (TSCs) reside in the tendon. Tendon stem cells colonise the tendon after injury.
TSCs secrete collagen and growth factors. In tendinopathy, tendon stem cells colonise the tendon poorly.
Mesenchymal stem cells colonise the tendon and may secrete growth factors.
"""


@pytest.fixture(scope="module")
def ontology():
    return load_ontology()


@pytest.fixture
def corpus(make_corpus):
    return make_corpus({"tendon.txt": TEXT})


@pytest.mark.parametrize(
    ("short", "before", "long"),
    [
        ("TSCs", "cells called tendon stem cells", "tendon stem cells"),
        ("MSC", "we used mesenchymal stem cell", "mesenchymal stem cell"),
        ("IVD", "degeneration of the intervertebral disc", "intervertebral disc"),
        ("HNP", "herniated nucleus pulposus", "herniated nucleus pulposus"),
        ("XYZ", "nothing that fits here", None),
        ("a", "too short", None),
    ],
)
def test_find_long_form(short, before, long):
    assert find_long_form(short, before) == long


@pytest.mark.parametrize(
    ("word", "base"),
    [("secretes", "secrete"), ("colonises", "colonise"), ("stimulated", "stimulate"), ("inhibited", "inhibit"),
     ("stopped", "stop"), ("carries", "carry"), ("binds", "bind"), ("cells", "cell"), ("process", None), ("bind", None)],
)
def test_verb_base(word, base):
    assert verb_base(word) == base


@pytest.mark.parametrize(("phrase", "one"), [("tendon stem cells", "tendon stem cell"), ("bodies", "body"), ("disc", "disc")])
def test_singular(phrase, one):
    assert singular(phrase) == one


def test_candidate_phrases_do_not_cut_a_mention():
    words = ["tendon", "stem", "cells", "colonise", "tendons"]
    spans = candidate_phrases(words, [False] * 5, frozenset(), mentions=[(1, 3)])
    texts = {" ".join(words[s:e]) for s, e in spans}
    assert "tendon stem cells" in texts
    assert "tendon stem" not in texts and "cells colonise" not in texts


def test_gap_report(corpus, ontology):
    report = suggest([corpus], ontology)
    assert report.documents == 1
    assert report.terms[0].text == "tendon stem cell" and report.terms[0].count == 4
    assert report.terms[0].command == "kg ontology add 'tendon stem cell' --parent 'stem cell'"
    (abbr,) = report.abbreviations
    assert (abbr.text, abbr.detail) == ("TSC", "tendon stem cell")
    assert abbr.example == "Tendon stem cells (TSCs) reside in the tendon."
    verb = report.verbs[0]
    assert (verb.text, verb.count) == ("colonise", 3)
    assert verb.command == "kg ontology add-relation colonises --trigger colonise --domain cell --range 'anatomical entity'"
    assert "stem cell -> tendon" in verb.detail


def test_the_suggested_commands_close_the_gaps(corpus, tmp_path, monkeypatch, ontology):
    report = suggest([corpus], ontology)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in (report.abbreviations[0].command, report.verbs[0].command):
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, result.output
    after = suggest([corpus], load_ontology(extra=[tmp_path / "kg-ontology"]))
    assert after.abbreviations == () and after.verbs == ()
    assert all("tendon stem cell" != s.text for s in after.terms)


@pytest.mark.parametrize("fmt", ["table", "tsv", "json"])
def test_cli_formats(corpus, fmt):
    result = CliRunner().invoke(app, ["ontology", "suggest", str(corpus), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "tendon stem cell" in result.stdout and "colonise" in result.stdout


def test_cli_empty_corpus(make_corpus):
    result = CliRunner().invoke(app, ["ontology", "suggest", str(make_corpus({"empty.txt": ""}))])
    assert result.exit_code == 2 and "no readable documents" in result.stderr
