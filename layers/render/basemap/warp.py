"""Tiles reprojected into the display CRS: each tile cell drawn under the projective transform
of its four corners (`tile_math.tile_grid`), so the Web Mercator (or GCJ-02) squares land where
the Lambert conformal conic puts them.

No seams: neighbouring cells and tiles share their corner points exactly, and the cells are
filled without antialiasing, so the raster engine's pixel-centre rule gives every pixel to
exactly one cell (antialiased edges would let the background show through as hairlines).
Missing tiles are drawn from the nearest ancestor held in memory (scaled up, blurry) until they
arrive.  `FrameCache` keeps the last warped frame a little larger than the view: a pan at the
same scale is then one blit, and a pan that leaves it moves it and warps only the strips it
uncovers.  Over an opaque background the frame is opaque (RGB32, the background under the
tiles): the blit is then a plain copy.  Each tile cell's projective
transform is kept in the tile's own metres (`_local_cells`): a frame composes it with one
affine map instead of solving it again.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPolygonF, QRegion, QTransform

from layers.render.basemap.tile_cache import EMPTY
from layers.render.basemap.tile_math import TILE_PX, cells_for_zoom, parent, tile_grid

ANCESTOR_LEVELS = 4  # how far up a missing tile looks for a stand-in
FRAME_PAD = 0.25  # the frame cache reaches this share of the view beyond each side


def _quad(points) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in points])


def _cells(grid: np.ndarray, src: tuple[float, float, float]) -> tuple:
    """((source rect, projective transform) per cell, ...) taking the square `src` = (left, top,
    size) of a tile image onto the cell grid `grid` ((n+1, n+1, 2), any units, y down)."""
    n = grid.shape[0] - 1
    left, top, size = src
    step = size / n
    out = []
    for j in range(n):
        for i in range(n):
            s = QRectF(left + i * step, top + j * step, step, step)
            d = _quad((grid[j, i], grid[j, i + 1], grid[j + 1, i + 1], grid[j + 1, i]))
            t = QTransform.quadToQuad(_quad(((s.left(), s.top()), (s.right(), s.top()), (s.right(), s.bottom()),
                                             (s.left(), s.bottom()))), d)
            if t is not None:  # None: a degenerate cell (off the projection's domain): nothing sensible to draw
                out.append((s, t))
    return tuple(out)


def draw_tile(painter: QPainter, image: QImage, grid_px: np.ndarray, src: tuple[float, float, float]) -> None:
    """Draw the square `src` = (left, top, size) of `image` onto the warped cell grid `grid_px`
    ((n+1, n+1, 2) device pixels), one projective transform per cell."""
    for s, t in _cells(grid_px, src):
        painter.setTransform(t)
        painter.drawImage(s, image, s)


@lru_cache(maxsize=8192)
def _local_cells(tile, datum: str, n: int, src: tuple[float, float, float]):
    """A tile's cells in metres from its top-left corner (y down), that corner in display metres and
    the tile's box in those local metres: a frame's part is then one affine map (scale, shift), the
    same transform up to rounding."""
    grid = tile_grid(*tile, datum, n)
    x0, y0 = float(grid[0, 0, 0]), float(grid[0, 0, 1])
    local = np.empty_like(grid)
    local[..., 0] = grid[..., 0] - x0
    local[..., 1] = y0 - grid[..., 1]
    lo, hi = local.reshape(-1, 2).min(axis=0), local.reshape(-1, 2).max(axis=0)
    return _cells(local, src), (x0, y0), (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def stand_in(lookup, tile):
    """(image, (left, top, size)) from the nearest ancestor in memory, or None."""
    z, x, y = tile
    for k in range(1, ANCESTOR_LEVELS + 1):
        if z - k < 0:
            break
        found = lookup(parent(tile, k))
        if found is not None and found is not EMPTY:
            size = TILE_PX / (1 << k)
            return found, ((x - ((x >> k) << k)) * size, (y - ((y >> k) << k)) * size, size)
    return None


def draw_tiles(painter: QPainter, view, z: int, datum: str, tiles, images: dict, lookup=None,
               offset: tuple[float, float] = (0.0, 0.0), clip: QRegion | None = None) -> tuple[int, int]:
    """Draw `tiles` (their `images`: QImage, EMPTY or missing) warped onto `painter` whose pixels
    are `view`'s shifted by `offset`; stand-ins from `lookup` for missing ones.  With `clip`
    (device pixels) only that region is painted and tiles wholly outside it are skipped.
    Returns (tiles drawn, tiles missing), counted over all `tiles`."""
    n = cells_for_zoom(z, datum)
    s = view.scale
    ox, oy = view.extent[0], view.extent[3]
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    if clip is not None:
        painter.setClipRegion(clip)
        clip_rects = [QRectF(r) for r in clip]
    drawn = missing = 0
    jobs = []
    for tile in tiles:
        image = images.get(tile)
        if image is EMPTY:
            continue
        if image is None:
            missing += 1
            found = stand_in(lookup, tile) if lookup is not None else None
            if found is None:
                continue
            jobs.insert(0, (tile, found[0], found[1]))  # stand-ins first: real tiles cover them
        else:
            jobs.append((tile, image, (0.0, 0.0, float(TILE_PX))))
            drawn += 1
    for tile, image, src in jobs:
        cells, (x0, y0), (bx0, by0, bx1, by1) = _local_cells(tile, datum, n, src)
        tx, ty = (x0 - ox) * s + offset[0], (oy - y0) * s + offset[1]  # the tile's corner in device pixels
        if clip is not None:
            box = QRectF(tx + bx0 * s - 1, ty + by0 * s - 1, (bx1 - bx0) * s + 2, (by1 - by0) * s + 2)
            if not any(box.intersects(r) for r in clip_rects):
                continue
        to_device = QTransform(s, 0.0, 0.0, s, tx, ty)
        for rect, t in cells:
            painter.setTransform(t * to_device)
            painter.drawImage(rect, image, rect)
    painter.restore()
    return drawn, missing


@dataclass
class _Frame:
    key: tuple
    image: QImage
    extent: tuple[float, float, float, float]  # what the image covers (display CRS)
    scale: float


def _frame_image(w: int, h: int, background, spare: QImage | None) -> QImage:
    """A w×h frame filled with `background` (opaque: RGB32) or transparent; `spare` reused if it fits."""
    opaque = background is not None and QColor(background).alpha() == 255
    fmt = QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    image = spare if spare is not None and spare.size().width() == w and spare.size().height() == h \
        and spare.format() == fmt else QImage(w, h, fmt)
    if opaque:
        image.fill(QColor(background))
    else:
        image.fill(0)
    return image


class FrameCache:
    """The last warped basemap, padded by FRAME_PAD: a pan at the same scale reuses it."""

    def __init__(self) -> None:
        self._frame: _Frame | None = None
        self._spare: QImage | None = None  # the frame before the last: its memory is reused
        self.hits = 0  # frames served by a blit (the benchmark and the tests read it)
        self.moves = 0  # frames made by moving the last one and warping only what it uncovered

    def get(self, key, view) -> tuple[QImage, QPointF] | None:
        """(image, where its top-left goes in view pixels) when the cached frame covers `view`."""
        f = self._frame
        if f is None or f.key != key or abs(f.scale - view.scale) > 1e-9 * view.scale:
            return None
        x0, y0, x1, y1 = view.extent
        if x0 < f.extent[0] or y0 < f.extent[1] or x1 > f.extent[2] or y1 > f.extent[3]:
            return None
        self.hits += 1
        return f.image, QPointF((f.extent[0] - x0) * view.scale, (y1 - f.extent[3]) * view.scale)

    def build(self, key, view, paint, background=None) -> tuple[QImage, QPointF, object]:
        """A padded frame for `view`, kept: `paint(painter, extent, w, h, clip)` warps the tiles
        (clip None: all of it; a QRegion of device pixels: only there).  When the last frame has
        the same key and scale and still overlaps, the new one is laid on its pixel grid (moved
        by whole pixels), the overlap copied and only the strips it uncovers warped: the warp's
        pixel work is most of a re-warp.  `background` (opaque) fills the frame under the tiles."""
        pad_x = round(view.width * FRAME_PAD)
        pad_y = round(view.height * FRAME_PAD)
        w, h = view.width + 2 * pad_x, view.height + 2 * pad_y
        s = view.scale
        x0, y0, x1, y1 = view.extent
        left, top = x0 - pad_x / s, y1 + pad_y / s
        old = self._frame
        shift = None
        if old is not None and old.key == key and abs(old.scale - s) <= 1e-9 * s \
                and old.image.width() == w and old.image.height() == h:
            dx = round((left - old.extent[0]) * s)  # the new frame's corner in the old one's pixels
            dy = round((old.extent[3] - top) * s)
            if abs(dx) < w and abs(dy) < h:
                shift = (dx, dy)
                left, top = old.extent[0] + dx / s, old.extent[3] - dy / s
        extent = (left, top - h / s, left + w / s, top)
        image = _frame_image(w, h, background, self._spare)
        painter = QPainter(image)
        try:
            clip = None
            if shift is not None:
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                painter.drawImage(QPoint(-shift[0], -shift[1]), old.image)
                painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
                clip = QRegion(0, 0, w, h).subtracted(QRegion(QRect(-shift[0], -shift[1], w, h)))
                self.moves += 1
            info = paint(painter, extent, w, h, clip)
        finally:
            painter.end()
        # the last frame's memory serves the next build: a fresh 19 MB image costs its page faults
        self._spare = old.image if old is not None else None
        self._frame = _Frame(key, image, extent, s)
        return image, QPointF((extent[0] - x0) * s, (y1 - extent[3]) * s), info

    def clear(self) -> None:
        self._frame = None
