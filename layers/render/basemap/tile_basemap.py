"""The basemap a render draws under its layers: `MapRequest(basemap=TileBasemap(...))`.

A `TileBasemap` is a provider (`BasemapSource`), a cache (`TileCache`) and a mode:
- non-blocking (the window): `draw` paints the tiles in memory (stand-ins from lower zooms for
  the rest), asks the fetcher for what is missing and returns at once; `on_tiles(tiles)` is
  called on a fetcher thread when tiles arrive — the canvas hops to its GUI thread and renders
  again.  A pan at the same scale blits the last warped frame (`warp.FrameCache`).
- blocking (exports): `prefetch(view, dpi, feedback)` waits for every tile (progress, cancel,
  per-tile timeout) and `draw` paints them; with `strict` a tile that cannot be had raises
  `BasemapError` (nothing is written), otherwise the map goes without it and `failures` says so.

The renderer calls `draw` first, `translucent(classes)` for polygon fills (the tiles show
through `FILL_OVER_TILES`; outlines stay as they are) and `draw_attribution` last (bottom right).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from geodata.core.feedback import Cancelled, Feedback
from geodata.core.message import Message
from layers.render.basemap.fetcher import DEFAULT_TIMEOUT_S, TileFetcher
from layers.render.basemap.providers import BasemapError, BasemapSource
from layers.render.basemap.tile_cache import EMPTY, TileCache
from layers.render.basemap.tile_math import plan_tiles
from layers.render.basemap.warp import FrameCache, draw_tiles

# Polygon fills over tiles keep at most this opacity: the districts still read as areas while the
# roads and towns under them show (the web map thins its fills to 0.45 for the same reason).
FILL_OVER_TILES = 0.35
ATTRIBUTION_PT = 6.5
NO_TILES = Message("{name} 没有覆盖此地图范围的瓦片", "{name} has no tiles for this map's area")


@dataclass
class BasemapReport:
    """What one frame's basemap drew (RenderResult.basemap)."""

    zoom: int = 0
    tiles: int = 0  # wanted, over every tile set
    drawn: int = 0
    missing: int = 0  # not (yet) at hand: stand-ins or nothing drawn there
    pending: int = 0  # non-blocking: still being fetched
    failures: list[Message] = field(default_factory=list)


def _view_like(view, extent, width, height):
    from layers.render.request import ViewTransform

    return ViewTransform(tuple(extent), int(width), int(height), view.scale)


class TileBasemap:
    """See the module doc.  Safe to share between the window's frames; `close()` stops its threads."""

    def __init__(self, source: BasemapSource, *, cache: TileCache | None = None, blocking: bool = False,
                 strict: bool = True, timeout: float = DEFAULT_TIMEOUT_S, on_tiles=None, opener=None,
                 workers: int | None = None) -> None:
        from layers.render.fonts import ensure_gui_app

        ensure_gui_app()  # Qt's image readers load in this thread, before the fetcher threads decode
        self.source = source
        self.cache = cache if cache is not None else TileCache()
        self.blocking = blocking
        self.strict = strict
        self.fetchers = [TileFetcher(t, self.cache, timeout=timeout, opener=opener, workers=workers,
                                     on_tiles=self._arrived) for t in source.tilesets]
        self.on_tiles = on_tiles
        self._frames = FrameCache()
        self._frame_report = BasemapReport()
        self._credit_sprites: dict = {}
        self._lock = threading.Lock()
        self.revision = 0  # counts tile arrivals: a kept window frame (layers/render/pan_cache.py) is stale after one

    # ---- what the canvas and the exports ask -------------------------------------------
    def attribution(self, language: str = "zh") -> str:
        return self.source.attribution.text(language)

    @property
    def failures(self) -> list[Message]:
        """One line per tile set that lost tiles (empty when every tile was had)."""
        return [m for m in (f.failure_summary() for f in self.fetchers) if m is not None]

    def pending(self) -> int:
        return sum(f.pending() for f in self.fetchers)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return all(f.wait_idle(timeout) for f in self.fetchers)

    def close(self) -> None:
        for f in self.fetchers:
            f.close()

    def _arrived(self, tiles) -> None:
        self.revision += 1
        callback = self.on_tiles
        if callback is not None:
            callback(tiles)

    # ---- fetching ------------------------------------------------------------------------
    def _plans(self, view, dpi):
        return [(f, *plan_tiles(view, dpi, f.tileset.min_zoom, f.tileset.max_zoom, f.tileset.datum))
                for f in self.fetchers]

    def prefetch(self, view, dpi: float, feedback: Feedback | None = None) -> None:
        """Blocking: every tile of the frame in memory (progress and cancel on `feedback`); strict
        mode raises BasemapError for tiles that cannot be had."""
        plans = self._plans(view, dpi)
        total = sum(len(tiles) for _, _, tiles in plans) or 1
        start = 0
        for fetcher, _z, tiles in plans:
            sub = feedback.sub(start / total, (start + len(tiles)) / total) if feedback is not None else None
            fetcher.fetch(tiles, sub)
            start += len(tiles)
        self._check(plans)

    def _check(self, plans) -> None:
        if not self.strict:
            return
        failures = self.failures
        if failures:
            raise BasemapError(failures[0])
        if plans and all(all(f.cached(t) is EMPTY for t in tiles) for f, _z, tiles in plans):
            raise BasemapError(NO_TILES.format(name=self.source.name))

    # ---- drawing -------------------------------------------------------------------------
    def draw(self, painter: QPainter, view, dpi: float, feedback: Feedback | None = None,
             background=None) -> BasemapReport:
        """Paint the basemap over the whole view (device pixels = view pixels); `background`, the
        colour already under it, lets the window's cached frame be opaque (a faster blit)."""
        from layers.render.symbols import is_raster

        try:
            return self._draw(painter, view, dpi, feedback, is_raster(painter), background)
        except Cancelled:  # the renderer sees the cancelled feedback and says .cancelled (it raises nothing)
            return BasemapReport()

    def _draw(self, painter, view, dpi, feedback, raster, background=None) -> BasemapReport:
        if not self.blocking and raster:
            return self._draw_cached(painter, view, dpi, background)
        if raster:
            return self._paint(painter, view, dpi, feedback)
        # SVG/PDF: one image of the warped tiles (thousands of cell images would bloat the file)
        image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        inner = QPainter(image)
        try:
            report = self._paint(inner, view, dpi, feedback)
        finally:
            inner.end()
        painter.save()
        painter.resetTransform()
        painter.drawImage(QRectF(0, 0, view.width, view.height), image)
        painter.restore()
        return report

    def _paint(self, painter, view, dpi, feedback, offset=(0.0, 0.0), clip=None) -> BasemapReport:
        plans = self._plans(view, dpi)
        report = BasemapReport(zoom=plans[0][1] if plans else 0)
        for fetcher, z, tiles in plans:
            if self.blocking:
                images = fetcher.fetch(tiles, feedback, report=False)
            else:
                images = {t: fetcher.cached(t) for t in tiles}
                images = {t: i for t, i in images.items() if i is not None}
                fetcher.want([t for t in tiles if t not in images])
                report.pending += fetcher.pending()
            drawn, missing = draw_tiles(painter, view, z, fetcher.tileset.datum, tiles, images, fetcher.cached, offset,
                                        clip)
            report.tiles += len(tiles)
            report.drawn += drawn
            report.missing += missing
        if self.blocking:
            self._check(plans)
        report.failures = self.failures
        return report

    def _draw_cached(self, painter, view, dpi, background=None) -> BasemapReport:
        """Non-blocking raster frames: blit the padded frame cache when it covers the view (a
        frame that leaves it moves it and warps only what it uncovers)."""
        key = (round(dpi, 3), self.cache.version, view.width, view.height, background)
        with self._lock:
            hit = self._frames.get(key, view)
            report = self._frame_report
            if hit is None and self.pending():  # tiles still coming: warp just the view until they are in
                return self._paint(painter, view, dpi, None)
            if hit is None:
                def paint(inner, extent, w, h, clip):
                    return self._paint(inner, _view_like(view, extent, w, h), dpi, None, clip=clip)

                image, origin, report = self._frames.build(key, view, paint, background)
                self._frame_report = report
                # a frame still missing tiles changes as they come: do not reuse it
                if report.missing:
                    self._frames.clear()
            else:
                image, origin = hit
        painter.save()
        painter.resetTransform()
        x, y = origin.x(), origin.y()
        if abs(x - round(x)) < 0.01 and abs(y - round(y)) < 0.01:  # the view's part of the frame, copied
            painter.drawImage(QPointF(0, 0), image, QRectF(-round(x), -round(y), view.width, view.height))
        else:  # a pan by a fraction of a pixel: resample rather than be off by up to half a pixel
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(QPointF(x, y), image)
        painter.restore()
        return report

    # ---- what goes over the tiles -----------------------------------------------------
    @staticmethod
    def translucent(classes: dict) -> dict:
        """Style classes with polygon fills thinned to FILL_OVER_TILES (outlines untouched)."""
        out = {}
        for key, c in classes.items():
            st = c.style
            out[key] = c if not st.fill or st.fill_opacity <= FILL_OVER_TILES else \
                replace(c, style=replace(st, fill_opacity=FILL_OVER_TILES))
        return out

    def draw_attribution(self, painter: QPainter, view, dpi: float, language: str) -> QRectF:
        """The provider's credit, small on a pale backing, in the bottom-right corner; its box.
        Raster frames blit it from a sprite (laying the text out costs more than the blit)."""
        from layers.render.symbols import is_raster

        if not is_raster(painter):
            return self._paint_attribution(painter, view.width, view.height, dpi, language)
        key = (language, round(dpi, 3))
        sprite = self._credit_sprites.get(key)
        if sprite is None:
            box = self._paint_attribution(None, 0, 0, dpi, language)
            sprite = QImage(max(1, round(box.width())), max(1, round(box.height())),
                            QImage.Format.Format_ARGB32_Premultiplied)
            sprite.fill(0)
            inner = QPainter(sprite)
            try:
                self._paint_attribution(inner, sprite.width(), sprite.height(), dpi, language)
            finally:
                inner.end()
            self._credit_sprites[key] = sprite
        painter.save()
        painter.resetTransform()
        box = QRectF(view.width - sprite.width(), view.height - sprite.height(), sprite.width(), sprite.height())
        painter.drawImage(box.topLeft(), sprite)
        painter.restore()
        return box

    def _paint_attribution(self, painter: QPainter | None, right: float, bottom: float, dpi: float,
                           language: str) -> QRectF:
        """Paint the credit with its bottom-right corner at (right, bottom); None: only measure."""
        from layers.render.fonts import map_font

        text = self.attribution(language)
        font = QFont(map_font(ATTRIBUTION_PT, dpi))
        # unshaped: Qt's PDF output loses shaped runs' text ("127.0.0.1" after letters), see page_font
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        fm = QFontMetricsF(font)
        pad = max(2.0, dpi / 72.0 * 2.0)
        w, h = fm.horizontalAdvance(text) + 2 * pad, fm.height() + pad
        box = QRectF(right - w, bottom - h, w, h)
        if painter is None:
            return box
        painter.save()
        painter.resetTransform()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 200))
        painter.drawRect(box)
        painter.setFont(font)
        painter.setPen(QColor("#333333"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
        return box


def prefetch_frame(basemap: TileBasemap, extent, frame, dpi: float, feedback: Feedback | None = None) -> None:
    """Fetch, waiting, every tile a page's map frame (left, top, width, height px) will draw."""
    from layers.render.request import ViewTransform

    basemap.prefetch(ViewTransform.fit(extent, int(frame[2]), int(frame[3])), dpi, feedback)
