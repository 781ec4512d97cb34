"""Big polygon and line layers drawn in bulk: one QPainterPath per style class and frame.

A layer of more than `BULK_FEATURES` features (layers.model.layer_cache) is not drawn feature by
feature.  Its vertices are flat numpy arrays at a level of detail (layers.model.ring_arrays); the
visible features' vertices are sliced out and handed to Qt in one block — the bytes of Qt's own
QDataStream form of a QPainterPath, built with numpy — so no Python runs per feature or vertex.
Features smaller than `TINY_PX` on screen are drawn as one pixel each (a single drawPoints call
over a QPolygonF filled by memmove): at that size an outline is a dot anyway.  A frame's path is
kept (a few per layer), so repeated frames of the same features and level reuse it.
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

from layers.model.layer_cache import bulk_level
from layers.render.symbols import brush, make_pen

TINY_PX = 2.0  # features whose box is smaller than this on screen are drawn as a pixel
# Raster outlines up to this width (px) are drawn one pixel wide: the cosmetic fast path.  Qt
# strokes a wider antialiased pen by outlining the whole path, which for a path of a million
# vertices takes seconds (the small layers' segment lists are no help at that size).
HAIRLINE_MAX_PX = 2.0
_KEPT_PATHS = 6  # per layer: recent frames' paths (full extent, a zoom level or two)

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
    path = QPainterPath()
    if not len(xy):
        return path
    records = np.empty(len(xy), dtype=_RECORD)
    records["type"] = np.where(begins, _MOVE_TO, _LINE_TO)
    records["x"], records["y"] = xy[:, 0], xy[:, 1]
    fill = Qt.FillRule.WindingFill if winding else Qt.FillRule.OddEvenFill
    # element count, elements, index of the last subpath's start (cStart), fill rule
    last_start = int(np.flatnonzero(begins)[-1]) if begins.any() else 0
    data = (np.array([len(xy)], ">i4").tobytes() + records.tobytes()
            + np.array([last_start, fill.value], ">i4").tobytes())
    block = QByteArray(data)  # kept referenced while read: the stream reads it in place
    stream = QDataStream(block)  # the read-only constructor (the two-argument one writes through a pointer)
    stream >> path
    return path


class BulkPaths:
    """Recent frames' paths of one layer: (lod, class, features) -> (path, tiny pixel centres)."""

    def __init__(self) -> None:
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, cache, key: str, indices: np.ndarray, scale: float):
        lod = bulk_level(1.0 / scale)
        digest = (lod, key, len(indices), hash(indices.tobytes()), round(scale, 9))
        with self._lock:
            hit = self._kept.get(digest)
            if hit is not None:
                self._kept.move_to_end(digest)
                return hit
        b = cache.bounds[indices]
        tiny = np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) * scale < TINY_PX
        rings = cache.rings(lod)
        xy, begins = rings.select(indices[~tiny])
        path = array_path(xy, begins, winding=rings.closed)
        dots = np.column_stack([(b[tiny, 0] + b[tiny, 2]) / 2, (b[tiny, 1] + b[tiny, 3]) / 2])
        made = (path, dots)
        with self._lock:
            self._kept[digest] = made
            while len(self._kept) > _KEPT_PATHS:
                self._kept.popitem(last=False)
        return made


_STORE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_STORE_LOCK = threading.Lock()


def bulk_paths(cache) -> BulkPaths:
    with _STORE_LOCK:
        found = _STORE.get(cache)
        if found is None:
            found = _STORE[cache] = BulkPaths()
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


def draw_bulk(painter, cache, groups, classes, world, raster, ppt, scale: float) -> None:
    """Each class of a big layer: fill (aliased under an outline), casing, outline; tiny ones as pixels."""
    store = bulk_paths(cache)
    closed = cache.kind == "polygon"
    for key, indices in groups.items():
        st = classes[key].style
        path, dots = store.get(cache, key, indices, scale)
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        if raster:
            painter.setWorldTransform(world)
            shown = path
        else:  # vector devices: page units and real pens (as draw_paths does)
            painter.resetTransform()
            shown = world.map(path)
        if closed and st.fill:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(brush(st))
            # aliased: Qt's antialiased fill of many subpaths costs seconds (and an outline hides the edge)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, not raster)
            painter.drawPath(shown)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for color, width_pt, dash in ((st.casing, st.casing_width_pt, st.casing_dash), (st.stroke, st.width_pt, st.dash)):
            if not color or width_pt <= 0:
                continue
            width_px = width_pt * ppt
            pen = make_pen(color, 1.0 if raster and width_px <= HAIRLINE_MAX_PX else width_px, dash, cosmetic=raster)
            if raster and width_px > HAIRLINE_MAX_PX:
                pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # round joins double the raster cost
            painter.setPen(pen)
            painter.drawPath(shown)
        _draw_dots(painter, dots, st.stroke or st.fill or "#000000", world, raster)
        painter.restore()
    painter.resetTransform()
