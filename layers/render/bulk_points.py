"""Big point layers: one symbol per occupied cell, displacement only where points coincide,
symbols stamped with numpy and blitted in a few drawImage calls.

A layer of more than `BULK_FEATURES` points (layers.model.layer_cache) would hide most of its
symbols under others at a small scale, and cost one Python call each.  Here:
- points at the very same position (to the millimetre, `LayerCache.coincident`) are spread on a
  ring or spiral as the small layers' displacement does (layers.render.displacement), with leaders;
- every other point falls in a grid of cells one symbol wide; the first point (in data order) of
  each occupied cell is drawn, the rest are covered by it anyway and are skipped;
- on raster devices the kept symbols are stamped into images with numpy, in four passes of cells
  two apart (symbols of one pass never overlap, so a plain copy is exact) and each pass is one
  drawImage; vector devices (SVG, PDF) get a symbol path per kept point.
`RenderResult.symbols[layer]` says how many symbols were drawn.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from layers.render.displacement import ring_offsets
from layers.render.symbols import brush, make_pen, symbol_path, symbol_sprite

_SPRITE_PIXELS: dict = {}


def sprite_pixels(st, ppt: float) -> tuple[np.ndarray, int, int]:
    """The style's sprite as uint32 premultiplied pixels cropped to what it paints, and the
    pixel offsets (x, y) of that crop's top-left from the symbol's centre."""
    sprite, off = symbol_sprite(st, ppt)
    key = (id(sprite), sprite.cacheKey())
    hit = _SPRITE_PIXELS.get(key)
    if hit is None:
        image = sprite.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        w, h = image.width(), image.height()
        raw = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.bytesPerLine() // 4 * h)
        pixels = raw.reshape(h, image.bytesPerLine() // 4)[:, :w].copy()
        rows = np.flatnonzero((pixels >> 24).any(axis=1))
        cols = np.flatnonzero((pixels >> 24).any(axis=0))
        if not len(rows):
            rows = cols = np.array([off])
        crop = np.ascontiguousarray(pixels[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
        if len(_SPRITE_PIXELS) > 500:
            _SPRITE_PIXELS.clear()
        hit = _SPRITE_PIXELS[key] = (crop, int(cols[0]) - off, int(rows[0]) - off)
    return hit


def cell_size(classes, ppt: float) -> float:
    """The thinning grid's cell: the widest symbol the layer's classes paint (px)."""
    return float(max((max(sprite_pixels(c.style, ppt)[0].shape) for c in classes), default=1))


def bulk_positions(cache, idx, classes, view, ppt, spread=True):
    """Like draw_points.displaced_positions, for a big layer: (x, y) over all features with NaN
    where no symbol is drawn (outside, or thinned away), the clusters of coincident points, the
    symbol size (px)."""
    classes = list(classes)
    size = max((c.style.symbol_size_pt + c.style.width_pt for c in classes), default=5.0) * ppt
    xy = cache.point_xy[idx]
    px, py = view.to_pixel(xy[:, 0], xy[:, 1])
    px, py = np.asarray(px, float), np.asarray(py, float)
    clusters = []
    in_cluster = np.zeros(len(idx), dtype=bool)
    if spread:
        group = cache.coincident[idx]
        members = np.flatnonzero(group >= 0)
        if len(members):
            order = members[np.argsort(group[members], kind="stable")]
            g = group[order]
            cuts = np.flatnonzero(np.r_[True, g[1:] != g[:-1], True])
            for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
                if b - a < 2:
                    continue  # its twin is out of view: nothing to spread
                rows = order[a:b]
                cx, cy = float(px[rows[0]]), float(py[rows[0]])
                spots = ring_offsets(len(rows), size * 1.3)
                px[rows] = cx + np.array([s[0] for s in spots])
                py[rows] = cy + np.array([s[1] for s in spots])
                in_cluster[rows] = True
                clusters.append(((cx, cy), [(float(x), float(y)) for x, y in zip(px[rows], py[rows])]))
    cell = cell_size(classes, ppt)
    margin = cell
    on = ((px >= -margin) & (px <= view.width + margin) & (py >= -margin) & (py <= view.height + margin)
          & ~np.isnan(px))
    free = np.flatnonzero(on & ~in_cluster)
    ci = np.floor((px[free] + margin) / cell).astype(np.int64)
    cj = np.floor((py[free] + margin) / cell).astype(np.int64)
    columns = int((view.width + 2 * margin) // cell) + 2
    cells = cj * columns + ci
    # the first point (in data order) of each occupied cell: a minimum per cell over a grid the
    # size of the screen's cells (np.unique sorted every point in view: 10 ms for 100k, this 0.3)
    first = np.full(columns * (int((view.height + 2 * margin) // cell) + 2), len(free), dtype=np.int64)
    np.minimum.at(first, cells, np.arange(len(free)))
    drawn = np.zeros(len(idx), dtype=bool)
    drawn[free[first[first < len(free)]]] = True
    drawn |= in_cluster & on
    full_x = np.full(cache.n, np.nan)
    full_y = np.full(cache.n, np.nan)
    full_x[idx[drawn]], full_y[idx[drawn]] = px[drawn], py[drawn]
    spread_rows = np.zeros(cache.n, dtype=bool)
    spread_rows[idx[in_cluster]] = True
    return full_x, full_y, clusters, size, spread_rows


def _stamp(painter, crop: np.ndarray, dx: int, dy: int, x: np.ndarray, y: np.ndarray, width: int, height: int):
    """Copy `crop` with its top-left at (round(x) + dx, round(y) + dy) into one image; one drawImage.
    The image has a margin of one crop on each side, so no symbol needs clipping here."""
    h, w = crop.shape
    left = np.round(x).astype(np.int64) + dx
    top = np.round(y).astype(np.int64) + dy
    inside = (left > -w) & (left < width) & (top > -h) & (top < height)
    left, top = left[inside], top[inside]
    if not len(left):
        return
    x0, y0 = int(left.min()), int(top.min())
    cw, ch = int(left.max()) - x0 + w, int(top.max()) - y0 + h
    canvas = np.zeros((ch, cw), dtype=np.uint32)
    rows, cols = np.nonzero(crop)
    offsets = (rows * cw + cols).astype(np.int32)  # the painted pixels of one symbol, as flat offsets
    corners = ((top - y0) * cw + (left - x0)).astype(np.int32)  # an image of under 2**31 pixels
    # symbols of one pass never overlap: a plain copy is exact (the symbol's pixels broadcast,
    # not tiled into a copy per symbol)
    canvas.ravel()[corners[:, None] + offsets[None, :]] = crop[rows, cols][None, :]
    image = QImage(canvas.data, cw, ch, canvas.strides[0], QImage.Format.Format_ARGB32_Premultiplied)
    painter.drawImage(QPointF(x0, y0), image)


def draw_bulk_points(painter, groups, classes, ppt, shown, raster: bool, width: int, height: int) -> int:
    """Draw the kept symbols of each class (see bulk_positions); returns how many were drawn.
    Spread (coincident) points are blitted one at a time (they may overlap), before the passes."""
    painter.resetTransform()
    total = 0
    spread = shown[4]
    cell = cell_size(classes.values(), ppt)
    for key, indices in groups.items():
        st = classes[key].style
        x, y = shown[0][indices], shown[1][indices]
        ok = ~np.isnan(x)
        total += int(ok.sum())
        if raster and spread[indices].any():
            sprite, off = symbol_sprite(st, ppt)
            painter.save()
            painter.setOpacity(painter.opacity() * st.opacity)
            for sx, sy in zip(x[ok & spread[indices]].tolist(), y[ok & spread[indices]].tolist()):
                painter.drawImage(QPointF(round(sx) - off, round(sy) - off), sprite)
            painter.restore()
            ok &= ~spread[indices]
        x, y = x[ok], y[ok]
        if not len(x):
            continue
        painter.save()
        painter.setOpacity(painter.opacity() * st.opacity)
        if raster:
            crop, dx, dy = sprite_pixels(st, ppt)
            ci = np.floor(x / cell).astype(np.int64) % 2
            cj = np.floor(y / cell).astype(np.int64) % 2
            for a in (0, 1):
                for b in (0, 1):
                    part = (ci == a) & (cj == b)
                    if part.any():
                        _stamp(painter, crop, dx, dy, x[part], y[part], width, height)
        else:
            sym = symbol_path(st.symbol or "circle", st.symbol_size_pt * ppt)
            painter.setBrush(brush(st))
            painter.setPen(make_pen(st.stroke, st.width_pt * ppt, st.dash, cosmetic=False) if st.stroke
                           else Qt.PenStyle.NoPen)
            for px, py in zip(x.tolist(), y.tolist()):
                painter.drawPath(sym.translated(px, py))
        painter.restore()
    return total
