"""Polygons and lines: cached paths under the world transform, fills, outlines and casings.

Raster devices draw the cached map-unit paths (`layers.render.paths`) under the view's
world transform with cosmetic pens; vector devices (SVG, PDF) get the paths mapped to
page units and real pens, so the files stay exact.

Translucent fills on a raster device (districts over a basemap, a place filter's focus) are
written (composition Source: no blending) into a scratch image and laid on the map in one
source-over pass: the raster engine writes spans ~4x faster than it blends them, and as every
pixel belongs to one polygon the sums are those of blending each fill (`one_pass_fills`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QTransform

from layers.render.paths import LayerPaths
from layers.render.scratch import fill_as_sheet
from layers.render.symbols import brush, make_pen, qcolor

_HAIRLINE_MAX = 1.25  # raster lines up to this width (px) are drawn one pixel wide


def feature_paths(shapes: LayerPaths, indices, lod, world, raster):
    """Yield paths ready to draw: cached map-unit paths (world transform) or mapped copies."""
    if raster:
        for i in indices.tolist():
            yield shapes.path(i, lod)
    else:
        for i in indices.tolist():
            yield world.map(shapes.path(i, lod))


def begin_world(painter, world, raster):
    if raster:
        painter.setWorldTransform(world)
    else:
        painter.resetTransform()


def stroke(painter: QPainter, paths: list[QPainterPath], color: str, width_px: float, dash, raster: bool,
           world: QTransform, segments: Callable[[float, bool], object] | None = None) -> None:
    """Stroke paths (map units under `world` on raster devices, device units otherwise).

    Qt's antialiased stroker is slow for pens wider than one pixel (it outlines the whole
    path with joins, then fills the outline: a 3.7-px railway casing costs ~3.5 ms a
    frame), while a list of separate segments takes the raster engine's per-line fast
    path (~0.6 ms).  So on raster devices opaque wide lines are drawn as their segments
    (`segments(width, dashed)`, edges cached per feature, culled to the frame) with square caps, which cover the joins; dashes
    run on across segments.  Translucent lines keep the path (caps would overlap and darken).
    """
    if not paths or width_px <= 0:
        return
    if raster and width_px <= _HAIRLINE_MAX:
        width_px = 1.0  # the cosmetic one-pixel fast path; a fifth of a pixel less does not show
    opaque = painter.opacity() >= 0.999 and QColor(color).alpha() == 255
    if raster and width_px > 1.0 and opaque and segments is not None:
        pen = make_pen(color, width_px, dash, cosmetic=True)
        dashed = bool(pen.dashPattern())
        pen.setCapStyle(Qt.PenCapStyle.FlatCap if dashed else Qt.PenCapStyle.SquareCap)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawLines(segments(width_px, dashed))
        return
    pen = make_pen(color, width_px, dash, cosmetic=raster)
    if raster and width_px > 1.0:
        pen.setJoinStyle(Qt.PenJoinStyle.BevelJoin)  # round joins double the raster cost
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for path in paths:
        painter.drawPath(path)


def _segment_supplier(painter, shapes: LayerPaths, indices, lod, world):
    """A callable `get(width_px, dashed)` giving the edges of `indices` as point pairs for
    drawLines (a QPolygonF filled by memmove); solid lines keep only the edges that can touch
    the device (its rectangle grown by the pen): at a district's scale most of a long line's
    edges are off the frame, and Qt would still clip each.  Dashed lines keep every edge, since
    their dashes run on from edge to edge."""
    from layers.render.bulk_paths import qpolygon

    memo: dict = {}

    def get(width_px: float, dashed: bool):
        if "all" not in memo:
            arrays = [shapes.segment_array(i, lod) for i in indices.tolist()]
            memo["all"] = np.concatenate(arrays) if arrays else np.zeros((0, 4))
        segs = memo["all"]
        if not dashed and len(segs):
            device = painter.device()
            inverse, ok = world.inverted()
            if ok:
                grow = width_px + 2.0
                r = inverse.mapRect(QRectF(-grow, -grow, device.width() + 2 * grow, device.height() + 2 * grow))
                x0, x1 = np.minimum(segs[:, 0], segs[:, 2]), np.maximum(segs[:, 0], segs[:, 2])
                y0, y1 = np.minimum(segs[:, 1], segs[:, 3]), np.maximum(segs[:, 1], segs[:, 3])
                segs = segs[(x1 >= r.left()) & (x0 <= r.right()) & (y1 >= r.top()) & (y0 <= r.bottom())]
        return qpolygon(segs.reshape(-1, 2))
    return get


def one_pass_fills(painter, shapes: LayerPaths, groups, classes, lod, world) -> bool:
    """Fill every class's polygons at once when they share one alpha below 1 (see the module doc);
    False when they do not (or the device is not an image): the caller fills them one by one."""
    filled = [k for k in groups if classes[k].style.fill]
    outlined = {bool(classes[k].style.stroke) for k in filled}
    if len(outlined) != 1:
        return False

    def draw(inner):
        for key in filled:
            st = classes[key].style
            inner.setBrush(qcolor(st.fill, st.fill_opacity))
            for i in groups[key].tolist():
                inner.drawPath(shapes.path(i, lod))

    # aliased under an outline, as the one-by-one fill
    return fill_as_sheet(painter, [classes[k].style for k in filled], world, not outlined.pop(), draw)


def draw_polygons(painter, shapes: LayerPaths, groups, classes, lod, world, raster, ppt):
    """Each class's polygons: fill (aliased under an outline), then casing and outline."""
    begin_world(painter, world, raster)
    filled = raster and one_pass_fills(painter, shapes, groups, classes, lod, world)
    for key, indices in groups.items():
        st = classes[key].style
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        paths = list(feature_paths(shapes, indices, lod, world, raster))
        if st.fill and not filled:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(brush(st))
            # an antialiased outline covers the fill's edge: an aliased fill is 4x cheaper and looks the same
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, not (raster and st.stroke))
            for path in paths:
                painter.drawPath(path)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        segments = _segment_supplier(painter, shapes, indices, lod, world)
        if st.casing and st.casing_width_pt > 0:  # a pale halo under the outline (the circle)
            stroke(painter, paths, st.casing, st.casing_width_pt * ppt, st.casing_dash, raster, world, segments)
        if st.stroke:
            stroke(painter, paths, st.stroke, st.width_pt * ppt, st.dash, raster, world, segments)
        painter.restore()
    painter.resetTransform()


def draw_lines(painter, shapes: LayerPaths, groups, classes, lod, world, raster, ppt):
    """Each class's lines: every casing first, then every core."""
    begin_world(painter, world, raster)
    paths = {key: list(feature_paths(shapes, indices, lod, world, raster)) for key, indices in groups.items()}
    segments = {key: _segment_supplier(painter, shapes, indices, lod, world) for key, indices in groups.items()}
    # all casings first, then all cores: crossings of the same kind merge like on a printed map
    for pass_ in ("casing", "core"):
        for key in groups:
            st = classes[key].style
            painter.save()
            painter.setOpacity(painter.opacity() * st.opacity)
            if pass_ == "casing" and st.casing and st.casing_width_pt > 0:
                stroke(painter, paths[key], st.casing, st.casing_width_pt * ppt, st.casing_dash, raster, world,
                       segments[key])
            elif pass_ == "core" and st.stroke:
                stroke(painter, paths[key], st.stroke, st.width_pt * ppt, st.dash, raster, world, segments[key])
            painter.restore()
    painter.resetTransform()
