"""Big polygon and line layers drawn in bulk: QPainterPaths per level, class and spatial chunk.

A layer of more than `BULK_FEATURES` features (layers.model.layer_cache) is not drawn feature by
feature.  Its vertices are flat numpy arrays at a level of detail (layers.model.ring_arrays),
simplified for the chunks a frame shows as they come into view (LayerCache.rings_of); the
layer is cut into CHUNKS x CHUNKS spatial chunks, and a chunk's features of one class are handed
to Qt in one block — the bytes of Qt's own QDataStream form of a QPainterPath, built with numpy —
so no Python runs per feature or vertex.  Features smaller than `TINY_PX` at the level's scale are
drawn as one pixel each (a single drawPoints call over a QPolygonF filled by memmove): at that
size an outline is a dot anyway.  Chunk paths are kept, so a pan draws the chunks it has and
builds only those coming into view; a cancelled frame stops between batches of chunks.
Translucent fills go onto one sheet laid once (`_fill_sheet`): blending costs ~3.5x writing.
"""
from __future__ import annotations

import ctypes
import threading
import weakref
from collections import OrderedDict

import numpy as np
import shiboken6
from PySide6.QtCore import QByteArray, QDataStream, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPolygonF

from layers.model.layer_cache import bulk_level, bulk_tolerance
from layers.render.scratch import fill_as_sheet
from layers.render.symbols import brush, make_pen

TINY_PX = 2.0  # features whose box is smaller than this on screen are drawn as a pixel
# Raster outlines up to this width (px) are drawn one pixel wide: the cosmetic fast path.  Qt
# strokes a wider antialiased pen by outlining the whole path, which for a path of a million
# vertices takes seconds (the small layers' segment lists are no help at that size).
HAIRLINE_MAX_PX = 2.0
HAIRLINE_MAX_PT = 1.5  # and outlines up to this width, whatever the dpi (a 300-dpi export too)

_MOVE_TO, _LINE_TO = 0, 1
_RECORD = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])


def qpolygon(xy: np.ndarray) -> QPolygonF:
    """An (m, 2) float array as a QPolygonF, copied in one memmove (QPointF is two doubles)."""
    xy = np.ascontiguousarray(xy, dtype=np.float64)
    poly = QPolygonF()
    poly.resize(len(xy))
    if len(xy):
        ctypes.memmove(shiboken6.getCppPointer(poly.data())[0], xy.ctypes.data, xy.nbytes)
    return poly


def array_path(xy: np.ndarray, begins: np.ndarray, winding: bool = True) -> QPainterPath:
    """A QPainterPath of subpaths starting where `begins` is set (numpy -> Qt's stream format)."""
    return _stream_path(_records(xy, begins), begins, winding)


def _records(xy: np.ndarray, begins: np.ndarray) -> np.ndarray:
    """Qt's stream elements (type, x, y) of every vertex: one array for many paths' slices."""
    records = np.empty(len(xy), dtype=_RECORD)
    records["type"] = np.where(begins, _MOVE_TO, _LINE_TO)
    records["x"], records["y"] = xy[:, 0], xy[:, 1]
    return records


def _stream_path(records: np.ndarray, begins: np.ndarray, winding: bool, last_start: int | None = None) -> QPainterPath:
    path = QPainterPath()
    if not len(records):
        return path
    fill = Qt.FillRule.WindingFill if winding else Qt.FillRule.OddEvenFill
    if last_start is None:
        last_start = int(np.flatnonzero(begins)[-1]) if begins.any() else 0
    # element count, elements, index of the last subpath's start (cStart), fill rule
    data = (np.array([len(records)], ">i4").tobytes() + records.tobytes()
            + np.array([last_start, fill.value], ">i4").tobytes())
    block = QByteArray(data)  # kept referenced while read: the stream reads it in place
    stream = QDataStream(block)  # the read-only constructor (the two-argument one writes through a pointer)
    stream >> path
    return path


CHUNKS = 32  # a big layer is cut into CHUNKS x CHUNKS spatial chunks, each with its own paths
BATCH = 64  # chunks built together (a cancelled frame stops between batches)
_KEPT_CHUNKS = 4096  # per layer: chunk paths kept (levels x classes x chunks in use)


class BulkPaths:
    """Paths of one big layer per (level, class, filter, chunk), built on first use and kept, so
    a pan draws the chunks it already has and builds only those coming into view."""

    def __init__(self, cache) -> None:
        b = cache.bounds
        x0, y0, x1, y1 = cache.total_bounds or (0.0, 0.0, 1.0, 1.0)
        cx = np.nan_to_num((b[:, 0] + b[:, 2]) / 2, nan=x0)
        cy = np.nan_to_num((b[:, 1] + b[:, 3]) / 2, nan=y0)
        i = np.clip(((cx - x0) / max(x1 - x0, 1e-9) * CHUNKS).astype(np.int64), 0, CHUNKS - 1)
        j = np.clip(((cy - y0) / max(y1 - y0, 1e-9) * CHUNKS).astype(np.int64), 0, CHUNKS - 1)
        chunk = j * CHUNKS + i
        order = np.argsort(chunk, kind="stable")
        cuts = np.searchsorted(chunk[order], np.arange(CHUNKS * CHUNKS + 1))
        self.rows = [order[cuts[k]:cuts[k + 1]] for k in range(CHUNKS * CHUNKS)]  # sorted rows of each chunk
        # each chunk's box: min/max over its run of the sorted boxes (an empty chunk meets nothing)
        bb = np.nan_to_num(b, nan=0.0)[order]
        self.boxes = np.tile([np.inf, np.inf, -np.inf, -np.inf], (CHUNKS * CHUNKS, 1))
        used = np.flatnonzero(cuts[1:] > cuts[:-1])
        if len(used):
            at = cuts[:-1][used]
            self.boxes[used, :2] = np.minimum.reduceat(bb[:, :2], at, axis=0)
            self.boxes[used, 2:] = np.maximum.reduceat(bb[:, 2:], at, axis=0)
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def chunks_in(self, extent) -> np.ndarray:
        x0, y0, x1, y1 = extent
        bx = self.boxes
        return np.flatnonzero((bx[:, 0] <= x1) & (bx[:, 2] >= x0) & (bx[:, 1] <= y1) & (bx[:, 3] >= y0))

    def get(self, cache, level: int, key, members: np.ndarray, chunk: int):
        """(path, tiny feature centres) of the chunk's `members` (bool over all features) at a level."""
        return self.get_many(cache, level, key, members, [chunk])[0]

    def get_many(self, cache, level: int, key, members: np.ndarray, chunks: list[int], feedback=None):
        """`get` of each chunk, those not kept built BATCH at a time with one select and one
        record array per batch (per-chunk numpy calls were most of a first frame's path
        building); None when `feedback` was cancelled between batches."""
        found: dict[int, tuple] = {}
        missing = []
        with self._lock:
            for c in chunks:
                hit = self._kept.get((level, key, c))
                if hit is None:
                    missing.append(c)
                else:
                    self._kept.move_to_end((level, key, c))
                    found[c] = hit
        for i in range(0, len(missing), BATCH):
            if feedback is not None and feedback.is_cancelled():
                return None
            batch = missing[i:i + BATCH]
            made = self._build(cache, level, members, batch)
            with self._lock:
                for c, m in zip(batch, made):
                    found[c] = self._kept[(level, key, c)] = m
                while len(self._kept) > _KEPT_CHUNKS:
                    self._kept.popitem(last=False)
        return [found[c] for c in chunks]

    def _build(self, cache, level: int, members: np.ndarray, batch: list[int]) -> list[tuple]:
        picked = [r[members[r]] for r in (self.rows[c] for c in batch)]
        rows = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        owner = np.repeat(np.arange(len(batch)), [len(r) for r in picked])  # which chunk each row is in
        b = cache.bounds[rows]
        # a feature under TINY_PX at this level's scale (its grid is about a pixel) is a pixel
        px_size = 1.0 / bulk_tolerance(level) if level >= 0 else np.inf
        tiny = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * px_size < TINY_PX
        dots = np.column_stack([(b[tiny, 0] + b[tiny, 2]) / 2, (b[tiny, 1] + b[tiny, 3]) / 2])
        dot_cuts = np.searchsorted(owner[tiny], np.arange(len(batch) + 1))
        rings = cache.rings_of(level, rows[~tiny])  # this level of just these features
        xy, begins = rings.xy, rings.ring_begins[:-1]
        counts = np.bincount(owner[~tiny], weights=np.diff(rings.vertex_start), minlength=len(batch))
        cuts = np.r_[0, np.cumsum(counts)].astype(np.int64)  # each chunk's slice of the vertices
        records = _records(xy, begins)
        starts = np.flatnonzero(begins)  # each chunk's last ring start (Qt's stream records it)
        last = (starts[np.maximum(np.searchsorted(starts, cuts[1:]) - 1, 0)] if len(starts)
                else np.zeros(len(batch), np.int64))
        return [(_stream_path(records[cuts[k]:cuts[k + 1]], begins[cuts[k]:cuts[k + 1]], rings.closed,
                              int(last[k] - cuts[k]) if last[k] >= cuts[k] else 0),
                 dots[dot_cuts[k]:dot_cuts[k + 1]]) for k in range(len(batch))]


_STORE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_STORE_LOCK = threading.Lock()


def bulk_paths(cache) -> BulkPaths:
    with _STORE_LOCK:
        found = _STORE.get(cache)
        if found is None:
            found = _STORE[cache] = BulkPaths(cache)
    return found


def _draw_dots(painter, dots: np.ndarray, color: str, world, raster: bool) -> None:
    """Tiny features: one aliased pixel each, in device pixels."""
    if not len(dots):
        return
    x, y = dots[:, 0], dots[:, 1]
    px = world.m11() * x + world.dx()
    py = world.m22() * y + world.dy()
    painter.save()
    painter.resetTransform()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(make_pen(color, 1.0, cosmetic=raster))
    painter.drawPoints(qpolygon(np.column_stack([np.floor(px) + 0.5, np.floor(py) + 0.5])))
    painter.restore()


def draw_bulk(painter, cache, groups, classes, world, raster, ppt, view, members, feedback=None) -> bool:
    """Each class of a big layer: fill (aliased), casing, outline; tiny features as pixels.
    `members(key)` is the bool mask over all features of that class passing the filter: chunk
    paths hold every such feature of the chunk (Qt clips what is off the frame), so they stay
    valid while the view pans.  Returns False when `feedback` was cancelled part-way."""
    store = bulk_paths(cache)
    level = bulk_level(1.0 / view.scale)
    chunks = store.chunks_in(view.extent).tolist()
    closed = cache.kind == "polygon"
    drawn = {}
    for key in groups:
        mask = members(key)
        # building chunk paths is the slow part of a new level: stop when asked
        parts = store.get_many(cache, level, (key, hash(mask.tobytes())), mask, chunks, feedback)
        if parts is None:
            painter.resetTransform()
            return False
        drawn[key] = parts
    sheet = raster and closed and _fill_sheet(painter, drawn, classes, world)
    for key, parts in drawn.items():
        st = classes[key].style
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        if raster:
            painter.setWorldTransform(world)
            shown = [p for p, _ in parts]
        else:  # vector devices: page units and real pens (as draw_paths does)
            painter.resetTransform()
            shown = [world.map(p) for p, _ in parts]
        if closed and st.fill and not sheet:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(brush(st))
            # aliased: Qt's antialiased fill of many subpaths costs seconds (and an outline hides the edge)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, not raster)
            for path in shown:
                painter.drawPath(path)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width_pt, dash in ((st.casing, st.casing_width_pt, st.casing_dash), (st.stroke, st.width_pt, st.dash)):
            if not color or width_pt <= 0:
                continue
            width_px = width_pt * ppt
            hairline = raster and (width_px <= HAIRLINE_MAX_PX or width_pt <= HAIRLINE_MAX_PT)
            pen = make_pen(color, 1.0 if hairline else width_px, dash, cosmetic=raster)
            if not hairline:
                pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # round joins double the raster cost
            painter.setPen(pen)
            for path in shown:
                painter.drawPath(path)
        dots = [d for _, d in parts if len(d)]
        if dots:
            _draw_dots(painter, np.vstack(dots), st.stroke or st.fill or "#000000", world, raster)
        painter.restore()
    painter.resetTransform()
    return True


def _fill_sheet(painter, drawn: dict, classes, world) -> bool:
    """Every class's translucent fill on one sheet (scratch.fill_as_sheet; 29 -> 10 ms for 20,000
    parcels at full extent).  Unlike a partition of districts, a big layer's features may overlap:
    an overlap is then tinted once, as one layer-wide sheet of paint.  False: fill class by class."""
    filled = [k for k in drawn if classes[k].style.fill]

    def draw(inner):
        for key in filled:
            inner.setBrush(brush(classes[key].style))
            for path, _dots in drawn[key]:
                inner.drawPath(path)

    return fill_as_sheet(painter, [classes[k].style for k in filled], world, False, draw)  # aliased, as directly
