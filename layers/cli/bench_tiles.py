"""The benchmark's basemap rows: pan frames over tiles already in the cache.

The tiles are made here (a pattern a tile, no network: the machine may have none) and put in a
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


def pan_with_tiles(document, extents, width: int, height: int):
    """(samples of whole pan frames over cached tiles, samples of the same frames' basemap alone) in ms."""
    from layers.render.renderer import render_image
    from layers.render.request import MapRequest

    views = [MapRequest(document=document, extent=e, width=width, height=height).view() for e in extents]
    basemap = cached_tile_basemap(views)
    try:
        out = []
        for layers in (None, ()):
            def frame(extent):
                return render_image(MapRequest(document=document, extent=extent, width=width, height=height,
                                               labels=True, basemap=basemap, layers=layers))
            frame(extents[0])
            samples = []
            for extent in extents:
                t0 = time.perf_counter()
                frame(extent)
                samples.append((time.perf_counter() - t0) * 1000.0)
            out.append(samples)
        return out[0], out[1]
    finally:
        basemap.close()
