"""kg.layout: positions that are complete, reproducible, readable, and quick for large graphs."""

from __future__ import annotations

import itertools
import math
import random
import time

import pytest

from kg.layout import layout


def star(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    nodes = [f"n{i:03d}" for i in range(n)]
    return nodes, [(nodes[0], other) for other in nodes[1:]]


def chain(n: int, prefix: str = "c") -> tuple[list[str], list[tuple[str, str]]]:
    nodes = [f"{prefix}{i:03d}" for i in range(n)]
    return nodes, list(zip(nodes, nodes[1:]))


def scale_free(n: int, seed: int = 3) -> tuple[list[str], list[tuple[str, str]]]:
    import networkx as nx

    graph = nx.barabasi_albert_graph(n, 2, seed=seed)
    return [f"v{i:04d}" for i in graph], [(f"v{a:04d}", f"v{b:04d}") for a, b in graph.edges()]


def mixed() -> tuple[list[str], list[tuple[str, str]]]:
    """A hub with leaves, two chains, and isolated nodes: kg's usual shape."""
    a_nodes, a_edges = star(12)
    b_nodes, b_edges = chain(5, "b")
    c_nodes, c_edges = chain(2, "p")
    return a_nodes + b_nodes + c_nodes + ["lonely1", "lonely2", "lonely3"], a_edges + b_edges + c_edges


SHAPES = {
    "single": (["only"], []),
    "pair": (["a", "b"], [("a", "b")]),
    "star": star(15),
    "chain": chain(8),
    "isolated": ([f"i{i}" for i in range(10)], []),
    "mixed": mixed(),
    "scale-free": scale_free(120),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_node_gets_a_distinct_whole_pixel_position(shape):
    nodes, edges = SHAPES[shape]
    positions = layout(nodes, edges)
    assert set(positions) == set(nodes)
    assert all(isinstance(x, int) and isinstance(y, int) for x, y in positions.values())
    assert len(set(positions.values())) == len(nodes)


@pytest.mark.parametrize("shape", SHAPES)
def test_same_graph_same_positions_whatever_the_order(shape):
    nodes, edges = SHAPES[shape]
    first = layout(nodes, edges)
    rng = random.Random(5)
    shuffled_nodes, shuffled_edges = nodes[:], [(b, a) if rng.random() < 0.5 else (a, b) for a, b in edges]
    rng.shuffle(shuffled_nodes)
    rng.shuffle(shuffled_edges)
    assert layout(shuffled_nodes, shuffled_edges + shuffled_edges[:3]) == first
    assert list(first) == sorted(first)


def test_seed_changes_the_layout():
    nodes, edges = SHAPES["scale-free"]
    assert layout(nodes, edges, seed=1) != layout(nodes, edges, seed=2)


def test_empty_graph():
    assert layout([], []) == {}


def test_edges_to_unknown_nodes_and_self_loops_are_ignored():
    positions = layout(["a", "b"], [("a", "b"), ("a", "a"), ("a", "ghost")])
    assert set(positions) == {"a", "b"}


def test_linked_nodes_are_near_each_other():
    nodes, edges = SHAPES["scale-free"]
    positions = layout(nodes, edges)
    linked = sum(math.dist(positions[a], positions[b]) for a, b in edges) / len(edges)
    pairs = list(itertools.combinations(nodes, 2))
    overall = sum(math.dist(positions[a], positions[b]) for a, b in pairs) / len(pairs)
    assert linked < overall / 2


def test_components_do_not_overlap():
    nodes, edges = mixed()
    positions = layout(nodes, edges)
    groups = [star(12)[0], chain(5, "b")[0], chain(2, "p")[0], ["lonely1", "lonely2", "lonely3"]]
    boxes = []
    for group in groups:
        xs = [positions[n][0] for n in group]
        ys = [positions[n][1] for n in group]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) in itertools.combinations(boxes, 2):
        assert ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0


def test_spacing_sets_the_scale():
    nodes, edges = chain(6)
    small, large = layout(nodes, edges, spacing=50), layout(nodes, edges, spacing=200)
    length = lambda p: sum(math.dist(p[a], p[b]) for a, b in edges) / len(edges)  # noqa: E731
    assert length(large) == pytest.approx(4 * length(small), rel=0.1)


def test_leaves_of_a_hub_keep_apart():
    nodes, edges = star(30)
    positions = layout(nodes, edges, spacing=100)
    nearest = [min(math.dist(positions[a], positions[b]) for b in nodes if b != a) for a in nodes]
    assert sorted(nearest)[len(nearest) // 10] >= 0.6 * 100 - 1


def test_a_large_component_is_laid_out_quickly():
    nodes, edges = scale_free(600)  # above networkx's dense-solver limit (500 nodes)
    started = time.perf_counter()
    positions = layout(nodes, edges)
    assert time.perf_counter() - started < 20
    assert len(set(positions.values())) == len(nodes)


def test_the_benchmark_graph_has_kgs_shape():
    """scripts/bench_view.py's synthetic graph: what the 2,000-entity figure in the README is measured on."""
    import importlib.util
    from pathlib import Path

    from kg.explore import stats

    script = Path(__file__).resolve().parents[1] / "scripts" / "bench_view.py"
    spec = importlib.util.spec_from_file_location("bench_view", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    graph, claims = bench.synthetic_graph(200)
    s = stats(graph)
    assert s.entities == 200 and s.claims == claims > 300
    assert s.component_sizes[0] >= 170 - 5  # one large connected part (85%), negated claims aside
    assert s.isolated >= 10  # entities only mentioned
    assert {c.name for c in s.by_modality} == {"asserted", "hedged", "negated"}
