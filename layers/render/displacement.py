"""Point displacement, as QGIS's point displacement renderer does it: points of one layer
that fall within `tolerance` pixels of each other at the current scale are drawn on a
ring (a spiral when many) around their shared position, with a thin leader to it and a
centre marker.  Display only: the data's coordinates never change.

Pure numpy/Python on pixel positions, so the renderer, exports and tests share it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RING_MAX = 8  # up to this many symbols sit on one ring; more wind out on a spiral


@dataclass(frozen=True)
class Cluster:
    centre: tuple[float, float]  # pixels: the members' mean true position
    members: tuple[int, ...]  # positions in the input arrays, in input order


def find_clusters(px: np.ndarray, py: np.ndarray, tolerance: float) -> list[Cluster]:
    """Groups of two or more points lying within `tolerance` px of their group's first point.

    Greedy in input order over a grid of `tolerance`-sized cells (QGIS groups each point
    with the nearest existing group within the distance), so the grouping is stable while
    panning.  NaN positions (empty geometry) are never grouped.
    """
    if tolerance <= 0 or len(px) < 2:
        return []
    cells: dict[tuple[int, int], list[int]] = {}
    seeds: list[tuple[float, float]] = []
    members: list[list[int]] = []
    tol2 = tolerance * tolerance
    xs, ys = np.asarray(px, float).tolist(), np.asarray(py, float).tolist()
    for k, (x, y) in enumerate(zip(xs, ys)):
        if x != x or y != y:
            continue
        ci, cj = int(x // tolerance), int(y // tolerance)
        best, best_d = -1, tol2
        for i in (ci - 1, ci, ci + 1):
            for j in (cj - 1, cj, cj + 1):
                for g in cells.get((i, j), ()):
                    sx, sy = seeds[g]
                    d = (sx - x) ** 2 + (sy - y) ** 2
                    if d <= best_d:
                        best, best_d = g, d
        if best < 0:
            best = len(seeds)
            seeds.append((x, y))
            members.append([])
            cells.setdefault((ci, cj), []).append(best)
        members[best].append(k)
    out = []
    for group in members:
        if len(group) > 1:
            cx = sum(xs[k] for k in group) / len(group)
            cy = sum(ys[k] for k in group) / len(group)
            out.append(Cluster((cx, cy), tuple(group)))
    return out


def ring_offsets(n: int, spacing: float) -> list[tuple[float, float]]:
    """Pixel offsets of `n` symbols `spacing` px apart around a centre, first at the top, clockwise.

    Up to RING_MAX on one ring whose radius keeps neighbours `spacing` apart (and the ring
    clear of the centre marker); more on an Archimedean spiral, one `spacing` between
    successive symbols and between its turns.
    """
    if n <= 0:
        return []
    if n <= RING_MAX:
        radius = max(spacing, n * spacing / (2 * math.pi))
        return [(radius * math.sin(2 * math.pi * k / n), -radius * math.cos(2 * math.pi * k / n)) for k in range(n)]
    b = spacing / (2 * math.pi)  # radius grows one spacing per turn
    theta = 2 * math.pi  # start one turn out: the first symbols stay clear of the centre
    out = []
    for _ in range(n):
        r = b * theta
        out.append((r * math.sin(theta), -r * math.cos(theta)))
        theta += spacing / r  # arc length of one spacing
    return out


def displace(px: np.ndarray, py: np.ndarray, tolerance: float, spacing: float):
    """Displayed positions for points at (px, py): returns (dx, dy, clusters) where dx/dy are
    the displayed pixel positions (unchanged outside clusters)."""
    dx = np.array(px, dtype=float, copy=True)
    dy = np.array(py, dtype=float, copy=True)
    clusters = find_clusters(px, py, tolerance)
    for cluster in clusters:
        cx, cy = cluster.centre
        for k, (ox, oy) in zip(cluster.members, ring_offsets(len(cluster.members), spacing)):
            dx[k], dy[k] = cx + ox, cy + oy
    return dx, dy, clusters
