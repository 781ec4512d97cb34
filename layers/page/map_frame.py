"""The map (and the inset's overview) painted into a page rectangle by the one renderer."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter

from geodata.core.feedback import Feedback, feedback_or_new
from layers.page.svg_clip import svg_clip_begin, svg_clip_end


def set_dpi(image: QImage, dpi: float) -> None:
    """Record `dpi` in the image (a PNG written from it then says its resolution)."""
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)


def render_into(painter: QPainter, document, rect, extent, dpi: float, *, labels: bool, language: str,
                feedback: Feedback | None = None, layers: tuple[str, ...] | None = None, raster: bool = True,
                unfiltered: bool = False, basemap=None, keep_clear: tuple = ()):
    """Render the map into page rectangle `rect` through the one renderer; raises `Cancelled`.

    The renderer paints at (0, 0) and sets its own transforms, so it cannot draw
    straight into an offset frame: raster pages get a frame-sized image drawn at
    the offset (pixel-exact), vector pages a QPicture replayed at the offset (the
    commands stay vector).  QPicture replays scaled by device dpi / 96; undone here.
    `basemap`: a TileBasemap drawn under the layers (layers/render/basemap/); `keep_clear`: frame-pixel
    boxes (x, y, w, h) of furniture drawn over the map, which no label enters.
    """
    from PySide6.QtGui import QPicture

    from layers.model.filter import Filter
    from layers.render.renderer import render
    from layers.render.request import MapRequest

    feedback = feedback_or_new(feedback)
    left, top, width, height = rect
    request = MapRequest(document=document, extent=tuple(extent), width=int(width), height=int(height), dpi=dpi,
                         labels=labels, language=language, layers=layers, filter=Filter() if unfiltered else None,
                         basemap=basemap, keep_clear=tuple(keep_clear))
    if raster:
        image = QImage(int(width), int(height), QImage.Format_RGB32)
        image.fill(Qt.white)
        set_dpi(image, dpi)
        inner = QPainter(image)
        try:
            result = render(request, inner, feedback=feedback)
        finally:
            inner.end()
        painter.drawImage(QPointF(left, top), image)
    else:
        picture = QPicture()
        inner = QPainter(picture)
        try:
            result = render(request, inner, feedback=feedback)
        finally:
            inner.end()
        clip_marker = svg_clip_begin(painter, rect)
        painter.save()
        painter.translate(left, top)
        painter.setClipRect(QRectF(0, 0, width, height))
        factor = picture.logicalDpiX() / painter.device().logicalDpiX()
        painter.scale(factor, factor)
        painter.drawPicture(QPointF(0, 0), picture)
        painter.restore()
        svg_clip_end(painter, clip_marker)
    feedback.check()  # the renderer stops early when cancelled: its half map must not be kept
    return result
