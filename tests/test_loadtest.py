"""scripts/loadtest.py works: a small run against a real `kg serve` of the default build."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.query import bundled_queries

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "loadtest.py"


@pytest.mark.slow
@pytest.mark.parametrize("cache_mb", ["64", "0"])
def test_loadtest_runs_every_bundled_query_for_every_client(default_build, tmp_path, cache_mb):
    figures = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--graph", str(default_build), "--clients", "3", "--workers", "1",
         "--cache-mb", cache_mb, "--deadline", "240", "--json", str(figures)],
        capture_output=True, text=True, timeout=400,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(figures.read_text(encoding="utf-8"))
    queries = [q.name for q in bundled_queries()]
    assert data["expected_requests"] == 3 * len(queries)
    assert data["overall"]["requests"] == data["expected_requests"] and data["overall"]["errors"] == 0
    assert sorted(data["per_query"]) == sorted(queries)
    for name, figures_of_query in data["per_query"].items():
        assert figures_of_query["requests"] == 3, name
        assert 0 < figures_of_query["p50_ms"] <= figures_of_query["p95_ms"] <= figures_of_query["max_ms"], name
    assert data["requests_per_second"] > 0
    for heading in ("p50 ms", "p95 ms", "max ms", "overall", "requests/s"):
        assert heading in result.stdout


def test_loadtest_checks_answers_and_computes_percentiles(monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    loadtest = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "loadtest", loadtest)
    spec.loader.exec_module(loadtest)
    assert loadtest.check(200, b'{"head": {"vars": []}, "results": {"bindings": []}}') is None
    assert loadtest.check(200, b'{"head": {}, "boolean": true}') is None
    assert loadtest.check(503, b"busy").startswith("HTTP 503")
    assert loadtest.check(200, b"<html>").startswith("not JSON")
    assert loadtest.check(200, b"{}") == "not a SPARQL JSON result"
    samples = [loadtest.Sample("q", s / 1000, None) for s in range(1, 101)]
    figures = loadtest.summary(samples + [loadtest.Sample("q", 0.0, loadtest.NOT_SENT)])
    assert figures["requests"] == 101 and figures["errors"] == 1
    assert figures["p50_ms"] == 50.5 and figures["p95_ms"] == 95.0 and figures["max_ms"] == 100.0
