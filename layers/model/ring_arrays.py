"""Flat coordinate arrays of a big layer's rings and lines, and their levels of detail (numpy only).

A layer of tens of thousands of features is drawn from these in bulk (layers/render/bulk_paths.py)
rather than from one Qt path per feature: every ring (polygon exterior or hole) or line part, in
feature order, as one (m, 2) array with offsets.  Rings of a feature are contiguous, so the
vertices of a set of features are a few slices.  Exteriors run counter-clockwise and holes
clockwise, so one path of many features fills correctly with the winding rule.

A level of detail keeps a vertex only when it leaves the previous one's grid cell of the level's
tolerance (and always each ring's first and last vertex): one pass of numpy, ~20 ms for a million
vertices, against ~1 s for shapely's simplify.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely


@dataclass
class RingArrays:
    xy: np.ndarray  # (m, 2) vertices in display metres, ring after ring
    start: np.ndarray  # (r + 1,) offset of each ring's first vertex in xy, then m
    feature_start: np.ndarray  # (n + 1,) offset of each feature's first ring, then r
    closed: bool  # polygon rings (filled) or lines
    # derived once, not per chunk: `select` runs for every chunk a frame builds, and rebuilding
    # these there cost O(all vertices) each time (hundreds of chunks on a first frame)
    _vertex_start: np.ndarray | None = field(default=None, repr=False, compare=False)
    _ring_begins: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def vertex_start(self) -> np.ndarray:
        """(n + 1,) offset of each feature's first vertex in xy."""
        if self._vertex_start is None:
            self._vertex_start = self.start[self.feature_start]
        return self._vertex_start

    @property
    def ring_begins(self) -> np.ndarray:
        """(m + 1,) bool: the vertex begins a ring."""
        if self._ring_begins is None:
            begins = np.zeros(len(self.xy) + 1, dtype=bool)
            begins[self.start[:-1]] = True
            self._ring_begins = begins
        return self._ring_begins

    def select(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vertices of `features` (sorted rows) and a mask of those that begin a ring."""
        if not len(features):
            return np.zeros((0, 2)), np.zeros(0, dtype=bool)
        vs = self.vertex_start
        lo, hi = vs[features], vs[features + 1]
        counts = hi - lo
        total = int(counts.sum())
        # concatenated ranges lo..hi without a Python loop (np.r_ here cost more than the rest)
        offsets = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        index = np.arange(total) + offsets
        return self.xy[index], self.ring_begins[index]

    def subset(self, features: np.ndarray) -> "RingArrays":
        """The rings of `features` alone, in that order (a level of detail of just these costs
        what they hold: see LayerCache.rings_of)."""
        xy, begins = self.select(features)
        features = np.asarray(features, dtype=np.int64)
        ring_counts = self.feature_start[features + 1] - self.feature_start[features]
        start = np.concatenate([np.flatnonzero(begins), [len(xy)]]).astype(np.int64)
        feature_start = np.concatenate([[0], np.cumsum(ring_counts)]).astype(np.int64)
        return RingArrays(xy, start, feature_start, self.closed)


def build(geoms: np.ndarray, n: int, kind: str) -> RingArrays:
    """The rings (polygons) or line parts (lines; polygon outlines too) of `geoms`, in feature order."""
    parts, part_feature = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    polygons = types == 3
    pieces, piece_feature, exterior = [], [], []
    if polygons.any():
        rings, ring_part = shapely.get_rings(parts[polygons], return_index=True)
        pieces.append(rings)
        piece_feature.append(part_feature[polygons][ring_part])
        exterior.append(np.r_[True, ring_part[1:] != ring_part[:-1]] if len(ring_part) else np.zeros(0, bool))
    if kind != "polygon":
        lines = (types == 1) | (types == 2)
        pieces.append(parts[lines])
        piece_feature.append(part_feature[lines])
        exterior.append(np.zeros(int(lines.sum()), dtype=bool))
    if pieces:
        ring_geoms = np.concatenate(pieces)
        ring_feature = np.concatenate(piece_feature)
        is_exterior = np.concatenate(exterior)
        if len(pieces) > 1 or (len(ring_feature) > 1 and (np.diff(ring_feature) < 0).any()):
            order = np.argsort(ring_feature, kind="stable")  # rings of a feature together, in order
            ring_geoms, ring_feature, is_exterior = ring_geoms[order], ring_feature[order], is_exterior[order]
    else:
        ring_geoms, ring_feature, is_exterior = np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0, bool)
    xy, ring_of = shapely.get_coordinates(ring_geoms, return_index=True)
    counts = np.bincount(ring_of, minlength=len(ring_geoms))
    start = np.r_[0, np.cumsum(counts)].astype(np.int64)
    closed = kind == "polygon"
    if closed and len(xy):
        xy = _oriented(xy, start, counts, is_exterior)
    feature_start = np.searchsorted(ring_feature, np.arange(n + 1)).astype(np.int64)
    return RingArrays(np.ascontiguousarray(xy, dtype=np.float64), start, feature_start, closed)


def _oriented(xy: np.ndarray, start: np.ndarray, counts: np.ndarray, is_exterior: np.ndarray) -> np.ndarray:
    """Exteriors counter-clockwise, holes clockwise (shoelace areas, reversed rings in one index)."""
    m = len(xy)
    ring_id = np.repeat(np.arange(len(counts)), counts)
    nxt = np.arange(1, m + 1)
    last = start[1:] - 1
    nxt[last] = start[:-1]  # wrap within each ring
    cross = xy[:, 0] * xy[nxt, 1] - xy[nxt, 0] * xy[:, 1]
    area = np.bincount(ring_id, weights=cross, minlength=len(counts))
    flip = (area < 0) == is_exterior
    if not flip.any():
        return xy
    k = np.arange(m) - start[ring_id]
    index = np.where(flip[ring_id], start[ring_id] + counts[ring_id] - 1 - k, np.arange(m))
    return xy[index]


def decimate(rings: RingArrays, tolerance: float) -> RingArrays:
    """A level of detail: a vertex kept when it leaves the last one's `tolerance` grid cell."""
    xy = rings.xy
    m = len(xy)
    if not m or tolerance <= 0:
        return rings
    # x and y columns apart: no (m, 2) temporaries and no any(axis=1) (half the time)
    cx, cy = np.floor(xy[:, 0] / tolerance), np.floor(xy[:, 1] / tolerance)
    keep = np.ones(m, dtype=bool)
    np.not_equal(cx[1:], cx[:-1], out=keep[1:])
    keep[1:] |= cy[1:] != cy[:-1]
    keep[rings.start[:-1]] = True
    keep[rings.start[1:] - 1] = True  # each ring's last vertex: closed rings stay closed
    # kept vertices before each ring start: the new offsets, without a ring id per vertex
    running = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    start = running[rings.start]
    return RingArrays(np.ascontiguousarray(xy[keep]), start, rings.feature_start, rings.closed)


def simplify(rings: RingArrays, tolerance: float) -> RingArrays:
    """Douglas-Peucker over every ring at once (shapely on line strings, so each keeps its first
    and last vertex and closed rings stay closed); run on a decimated level, it costs little."""
    counts = np.diff(rings.start)
    if not len(counts) or tolerance <= 0:
        return rings
    ring_id = np.repeat(np.arange(len(counts)), counts)
    single = counts < 2  # a one-vertex ring is no line string: kept as it is
    lines = shapely.linestrings(rings.xy[~single[ring_id]], indices=ring_id[~single[ring_id]])
    simplified = shapely.simplify(lines, tolerance, preserve_topology=False)
    xy, which = shapely.get_coordinates(simplified, return_index=True)
    kept_rings = np.flatnonzero(~single)
    new_counts = counts.copy()
    new_counts[kept_rings] = np.bincount(which, minlength=len(kept_rings))
    # reassemble in ring order: simplified rings and the untouched one-vertex rings
    out = np.empty((int(new_counts.sum()), 2))
    start = np.r_[0, np.cumsum(new_counts)].astype(np.int64)
    dest_multi = np.repeat(start[kept_rings], new_counts[kept_rings]) + (
        np.arange(len(xy)) - np.repeat(np.r_[0, np.cumsum(new_counts[kept_rings])[:-1]], new_counts[kept_rings]))
    out[dest_multi] = xy
    if single.any():
        out[start[np.flatnonzero(single)]] = rings.xy[rings.start[:-1][single]]
    return RingArrays(np.ascontiguousarray(out), start, rings.feature_start, rings.closed)
