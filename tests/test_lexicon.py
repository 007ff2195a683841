"""Surface forms of concepts and triggers (kg.lexicon): pure functions, table-driven."""

from __future__ import annotations

import pytest

from kg.lexicon import plural, surface_forms, verb_forms


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cell", "cells"),
        ("factor", "factors"),
        ("fibrosus", "fibrosi"),
        ("matrix", "matrixes"),
        ("injury", "injuries"),
        ("stimulus", "stimuli"),
        ("analysis", "analyses"),
        ("vertebra", "vertebrae"),
    ],
)
def test_plural(word, expected):
    assert expected in plural(word)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("IL-1β", {"IL-1β", "IL-1beta", "IL-1 beta", "IL 1 beta", "IL1beta"}),
        ("TNF-α", {"TNF-α", "TNF-alpha", "TNF alpha", "TNFalpha"}),
        ("interleukin-1 beta", {"interleukin-1 beta", "interleukin-1β", "interleukin 1 beta"}),
        ("pro-inflammatory cytokine", {"proinflammatory cytokine", "pro inflammatory cytokine", "pro-inflammatory cytokines"}),
        ("growth factor", {"growth factor", "growth factors"}),
    ],
)
def test_surface_forms_cover_spelling_variants(term, expected):
    forms = surface_forms(term)
    missing = expected - forms
    assert not missing, f"{term}: missing {missing}"


def test_surface_forms_without_plural():
    assert surface_forms("MSC", pluralize=False) == {"MSC"}


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("secrete", {("secrete", "base"), ("secretes", "s"), ("secreted", "participle"), ("secreting", "gerund")}),
        ("differentiate into", {("differentiates into", "s"), ("differentiated into", "participle"), ("differentiating into", "gerund")}),
        ("drive", {("drives", "s"), ("drove", "past"), ("driven", "participle"), ("driving", "gerund")}),
        ("be rich in", {("is rich in", "s"), ("are rich in", "s"), ("was rich in", "past")}),
        ("stop", {("stopped", "participle"), ("stopping", "gerund")}),
        ("press upon", {("presses upon", "s"), ("pressed upon", "participle")}),
        ("carry", {("carries", "s"), ("carried", "participle")}),
        ("have * part", {("has * part", "s"), ("having * part", "gerund")}),
    ],
)
def test_verb_forms(phrase, expected):
    got = {(f.text, f.form) for f in verb_forms(phrase)}
    assert expected <= got, expected - got
