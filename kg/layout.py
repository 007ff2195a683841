"""Node positions for the graph view, computed once in Python.

A browser that has to run a physics simulation before it can draw a graph of
a few thousand nodes stays busy for many seconds; a page that is handed the
positions draws at once.  :func:`layout` computes them with networkx's
force-directed (Fruchterman-Reingold) layout, one connected component at a
time, and packs the components side by side, largest first, with the
isolated nodes in a grid below them.

The result depends only on the nodes, the edges and the seed: nodes and edges
are sorted before networkx sees them, the seed is fixed, and the coordinates
are rounded to whole pixels, so the same graph gives the same page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_SEED", "Positions", "layout"]

#: Seed of the layout's random start; any fixed value gives reproducible pages.
DEFAULT_SEED = 7

#: Node id -> (x, y) in pixels, as vis-network reads them (y grows downwards).
Positions = Mapping[str, tuple[int, int]]

# networkx's spring layout runs its own dense force computation below this many
# nodes; from it on it needs scipy, and its cost grows with the square of the
# component's size, so large components get fewer iterations.
_DENSE_LIMIT = 500
_KAMADA_KAWAI_LIMIT = 80  # its cost grows steeply: about 1 s at 100 nodes
_GAP = 0.6
_ITERATIONS = 50
_MIN_ITERATIONS = 15


@dataclass(frozen=True, slots=True)
class _Block:
    """A laid-out component: positions relative to its own top-left corner."""

    positions: dict[str, tuple[float, float]]
    width: float
    height: float


def layout(
    nodes: Sequence[str],
    edges: Iterable[tuple[str, str]],
    *,
    seed: int = DEFAULT_SEED,
    spacing: float = 130.0,
) -> dict[str, tuple[int, int]]:
    """Positions of ``nodes``, in pixels, from a force-directed layout.

    ``edges`` are ``(source, target)`` pairs; their direction, repetitions and
    self-loops do not matter, and edges to unknown nodes are ignored.
    ``spacing`` is roughly the length of an edge in pixels.
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(nodes)))
    known = set(graph)
    graph.add_edges_from(sorted({tuple(sorted((a, b))) for a, b in edges if a != b and a in known and b in known}))
    if not len(graph):
        return {}

    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    blocks = [_component_block(graph.subgraph(c), seed, spacing) for c in components if len(c) > 1]
    singles = [c[0] for c in components if len(c) == 1]
    if singles:
        blocks.append(_grid_block(singles, spacing))
    return _pack(blocks, spacing)


def _component_block(component, seed: int, spacing: float) -> _Block:
    """One connected component laid out by networkx, scaled to ``spacing``."""
    import networkx as nx

    size = len(component)
    # Relabel to 0..n-1 in sorted order so networkx sees the same graph whatever
    # the node names' hashes, and so its adjacency matrix order is fixed.
    names = sorted(component)
    index = {name: i for i, name in enumerate(names)}
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(sorted((index[a], index[b]) for a, b in component.edges()))
    if size == 2:
        raw = {0: (0.0, 0.0), 1: (1.0, 0.0)}
    elif size <= _KAMADA_KAWAI_LIMIT:
        raw = nx.kamada_kawai_layout(graph)  # starts from a circle: no randomness
    else:
        iterations = _ITERATIONS if size < _DENSE_LIMIT else max(_MIN_ITERATIONS, _ITERATIONS * _DENSE_LIMIT // size)
        raw = nx.spring_layout(graph, seed=seed, iterations=iterations, method="force")
    factor = _scale(raw, graph.edges(), spacing)
    points = {names[i]: (float(x) * factor, float(y) * factor) for i, (x, y) in raw.items()}
    return _normalise(points, spacing)


def _scale(raw: Mapping[int, Sequence[float]], edges: Iterable[tuple[int, int]], spacing: float) -> float:
    """How much to enlarge networkx's coordinates (which fit a unit box).

    Enough that the median edge is ``spacing`` pixels long, and that most
    nodes (nine in ten) keep at least ``_GAP * spacing`` pixels from their
    nearest neighbour, so the labels of a hub's leaves do not pile up.
    """
    import numpy as np
    from scipy.spatial import KDTree

    lengths = sorted(math.dist(raw[a], raw[b]) for a, b in edges)
    median = lengths[len(lengths) // 2] if lengths else 0.0
    factor = spacing / median if median > 0 else spacing
    points = np.array([raw[i] for i in sorted(raw)], dtype=float)
    nearest = KDTree(points).query(points, k=2)[0][:, 1]
    tenth = float(np.percentile(nearest, 10))
    if tenth > 0:
        factor = max(factor, _GAP * spacing / tenth)
    return factor


def _grid_block(names: Sequence[str], spacing: float) -> _Block:
    """Isolated nodes in a grid about as wide as it is tall, in sorted order.

    Columns are wider than rows are tall: a node's label is written below it
    and is wider than the node.
    """
    step_x, step_y = spacing * 1.4, spacing * 0.7
    columns = max(1, math.ceil(math.sqrt(len(names) * step_y / step_x)))
    points = {name: ((i % columns) * step_x, (i // columns) * step_y) for i, name in enumerate(names)}
    return _normalise(points, spacing)


def _normalise(points: Mapping[str, tuple[float, float]], spacing: float) -> _Block:
    xs = [p[0] for p in points.values()]
    ys = [p[1] for p in points.values()]
    left, top = min(xs), min(ys)
    shifted = {name: (x - left, y - top) for name, (x, y) in points.items()}
    return _Block(shifted, max(xs) - left + spacing * 0.5, max(ys) - top + spacing * 0.5)


def _pack(blocks: Sequence[_Block], spacing: float) -> dict[str, tuple[int, int]]:
    """Place blocks left to right in rows about as wide as the whole is tall.

    A plain shelf packing: networkx has no component packing, and graphviz's
    (gvpack) would add a system dependency for a few lines of arithmetic.
    """
    if not blocks:
        return {}
    gap = spacing
    area = sum((b.width + gap) * (b.height + gap) for b in blocks)
    row_width = max(max(b.width for b in blocks), math.sqrt(area) * 1.3)
    placed: dict[str, tuple[int, int]] = {}
    x = y = row_height = 0.0
    for block in blocks:
        if x > 0 and x + block.width > row_width:
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for name, (px, py) in block.positions.items():
            placed[name] = (round(x + px), round(y + py))
        x += block.width + gap
        row_height = max(row_height, block.height)
    # centre the drawing on the origin, where vis-network looks first
    cx = round((min(p[0] for p in placed.values()) + max(p[0] for p in placed.values())) / 2)
    cy = round((min(p[1] for p in placed.values()) + max(p[1] for p in placed.values())) / 2)
    return {name: (px - cx, py - cy) for name, (px, py) in sorted(placed.items())}
