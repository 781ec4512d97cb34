"""The benchmark's basemap rows: pan frames over tiles already in the cache.

Pans are timed as the window makes them (`pan_frames`: cut out of the kept larger frame,
layers/render/pan_cache.py).  The tiles are made here (a pattern a tile, no network: the machine may have none) and put in a
`TileCache`'s memory, as the window holds them after its first frames; the basemap is the
window's non-blocking one, so a pan at the same scale blits its padded warp and a frame that
leaves it warps again (both are in the samples).
"""
from __future__ import annotations

import tempfile
import time

from geodata.core.message import plain


def _tile_image(z: int, x: int, y: int):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QImage, QPainter, QPen

    image = QImage(256, 256, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(236, 232, 222))
    painter = QPainter(image)
    painter.setPen(QPen(QColor(200, 120, 60), 3))
    painter.drawLine(QPointF(0, (x * 37 + y) % 256), QPointF(256, (y * 53 + x) % 256))
    painter.setPen(QPen(QColor(90, 140, 200), 2))
    painter.drawLine(QPointF((x * 11) % 256, 0), QPointF((y * 29) % 256, 256))
    painter.end()
    return image


def cached_tile_basemap(views, dpi: float = 96.0):
    """A non-blocking TileBasemap whose memory holds every tile of `views` (padded as the frame cache pads)."""
    from layers.render.basemap.providers import BasemapSource, TileSet
    from layers.render.basemap.tile_basemap import TileBasemap
    from layers.render.basemap.tile_cache import TileCache
    from layers.render.basemap.tile_math import plan_tiles
    from layers.render.basemap.warp import FRAME_PAD
    from layers.render.fonts import ensure_gui_app
    from layers.render.request import ViewTransform

    ensure_gui_app()  # the tiles are painted here, before the TileBasemap would make the application

    tileset = TileSet("bench", url="http://127.0.0.1:9/{z}/{x}/{y}.png")  # never asked: all tiles are at hand
    cache = TileCache(tempfile.mkdtemp(prefix="chengyu-bench-tiles-"), memory_tiles=4096)
    for view in views:
        px, py = view.width * FRAME_PAD / view.scale, view.height * FRAME_PAD / view.scale
        x0, y0, x1, y1 = view.extent
        padded = ViewTransform((x0 - px, y0 - py, x1 + px, y1 + py), round(view.width * (1 + 2 * FRAME_PAD)),
                               round(view.height * (1 + 2 * FRAME_PAD)), view.scale)
        for tile in plan_tiles(padded, dpi, 0, 19, "wgs84")[1]:
            if cache.image("bench", tile) is None:
                cache.put_image("bench", tile, _tile_image(*tile))
    return TileBasemap(BasemapSource("url", plain("bench"), (tileset,), plain("bench tiles")), cache=cache)


def pan_frames(make_request, extents, basemap=None, layers=None) -> tuple[list[float], list[str]]:
    """Pan frames as the window makes them (layers/render/pan_cache.py): the first view has rested
    (its exact frame shown, then its margin frame kept), then each step is timed; (ms, frame_source)
    per step."""
    from layers.render.pan_cache import PanCache

    cache = PanCache()
    cache.frame(make_request(extents[0], basemap, layers))
    cache.warm(make_request(extents[0], basemap, layers))
    samples, sources = [], []
    for extent in extents[1:]:
        t0 = time.perf_counter()
        _image, result = cache.frame(make_request(extent, basemap, layers))
        samples.append((time.perf_counter() - t0) * 1000.0)
        sources.append(result.frame_source)
    return samples, sources


def pan_with_tiles(make_request, extents, width: int, height: int):
    """(pan frames over cached tiles as the window makes them, their frame sources, exact renders of the
    same views' basemap alone) in ms."""
    from layers.render.renderer import render_image

    from layers.render.pan_cache import padded_request

    requests = [make_request(e) for e in extents]
    # the views and the margin frames around them: their tiles are in memory, as the window's would be
    basemap = cached_tile_basemap([r.view() for r in requests] + [padded_request(r, r.view()).view() for r in requests])
    try:
        with_tiles, sources = pan_frames(make_request, extents, basemap)
        render_image(make_request(extents[0], basemap, ()))
        alone = []
        for extent in extents:
            t0 = time.perf_counter()
            render_image(make_request(extent, basemap, ()))
            alone.append((time.perf_counter() - t0) * 1000.0)
        return with_tiles, sources, alone
    finally:
        basemap.close()
