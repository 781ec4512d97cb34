"""Drawing primitives every painter shares: colours, pens, brushes, point symbols, glyph
outlines, and the sprites raster frames blit instead of painting paths.

The caches here are bounded (a long session's labels must not grow without end) and
keyed by everything that changes the pixels, so a hit is always right.  Sprites cost a
little at first use and save most of the per-frame cost: a filled and stroked symbol
path ~4x, a haloed label ~0.4 ms, a turned label (rotated bitmap blit) ~0.15 ms.  A label
sprite's halo is its glyph mask dilated (`layers.render.halo`, ~0.2 ms) rather than stroked
outlines (~1-3 ms a CJK name): a pan or zoom to a new place builds a few each frame.
Symbol paths are cached per thread: the window's legend swatches are drawn in the GUI thread
while the map lane paints, and a QPainterPath's lazy bounds are not safe to share.
"""
from __future__ import annotations

import math
import threading

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPaintEngine, QPen,
                           QPolygonF, QTransform)

from layers.model.style import DASHES, Style
from layers.render.fonts import map_font
from layers.render.halo import MAX_DILATE_PX, haloed_image


def qcolor(hex_color: str, alpha: float = 1.0) -> QColor:
    c = QColor(hex_color)
    c.setAlphaF(max(0.0, min(1.0, alpha)))
    return c


def make_pen(color: str, width_px: float, dash: str = "solid", cosmetic: bool = True) -> QPen:
    pen = QPen(qcolor(color), max(width_px, 0.1))
    pen.setCosmetic(cosmetic)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pattern = DASHES.get(dash, ()) if isinstance(dash, str) else tuple(dash)
    if pattern:
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pen.setDashPattern(list(pattern))
    else:
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


_SYMBOL_CACHES = threading.local()


def symbol_path(symbol: str, size_px: float) -> QPainterPath:
    """A point symbol of diameter `size_px` centred on (0, 0)."""
    key = (symbol, round(size_px, 2))
    cache = getattr(_SYMBOL_CACHES, "paths", None)
    if cache is None:
        cache = _SYMBOL_CACHES.paths = {}
    path = cache.get(key)
    if path is not None:
        return path
    r = size_px / 2
    path = QPainterPath()

    def polygon(n: int, radius: float, start_deg: float, inner: float | None = None):
        pts = []
        steps = n * 2 if inner else n
        for k in range(steps):
            rr = radius if (inner is None or k % 2 == 0) else radius * inner
            a = math.radians(start_deg + 360.0 * k / steps)
            pts.append(QPointF(rr * math.cos(a), -rr * math.sin(a)))
        path.addPolygon(QPolygonF(pts))
        path.closeSubpath()

    if symbol == "square":
        path.addRect(QRectF(-r * 0.88, -r * 0.88, r * 1.76, r * 1.76))
    elif symbol == "triangle":
        polygon(3, r * 1.15, 90)
    elif symbol == "triangle_down":
        polygon(3, r * 1.15, -90)
    elif symbol == "diamond":
        polygon(4, r * 1.15, 90)
    elif symbol == "star":
        polygon(5, r * 1.25, 90, inner=0.45)
    elif symbol == "hexagon":
        polygon(6, r * 1.05, 0)
    elif symbol == "pentagon":
        polygon(5, r * 1.08, 90)
    elif symbol == "plus":
        t = r * 0.38
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in (
            (-t, -r), (t, -r), (t, -t), (r, -t), (r, t), (t, t), (t, r), (-t, r), (-t, t), (-r, t), (-r, -t), (-t, -t))]))
        path.closeSubpath()
    elif symbol == "cross":
        plus = symbol_path("plus", size_px * 1.05)
        path = QTransform().rotate(45).map(plus)
    else:  # circle
        path.addEllipse(QPointF(0, 0), r, r)
    path.setFillRule(Qt.FillRule.WindingFill)
    if len(cache) > 2000:  # symbols x sizes x dpis: small, but bounded like the others
        cache.clear()
    cache[key] = path
    return path


_TEXT_CACHE: dict[tuple[str, float, float, bool], tuple[QPainterPath, QRectF]] = {}


def text_path(text: str, size_pt: float, dpi: float, bold: bool) -> tuple[QPainterPath, QRectF]:
    """Glyph outlines of `text` with the baseline-left at (0, 0), and their box (cached)."""
    key = (text, size_pt, dpi, bold)
    hit = _TEXT_CACHE.get(key)
    if hit is None:
        font = map_font(size_pt, dpi, bold=bold)
        path = QPainterPath()
        path.addText(0, 0, font, text)
        fm = QFontMetricsF(font)
        box = QRectF(0, -fm.ascent(), fm.horizontalAdvance(text), fm.ascent() + fm.descent())
        if len(_TEXT_CACHE) > 5000:
            _TEXT_CACHE.clear()
        hit = _TEXT_CACHE[key] = (path, box)
    return hit


def vector_font(size_pt: float, dpi: float, bold: bool) -> QFont:
    """The label font for SVG/PDF text: `text_path`'s font without shaping (Qt's PDF output
    loses the text of shaped runs, "G348" extracted as "G"; these names need no shaping)."""
    font = QFont(map_font(size_pt, dpi, bold=bold))
    font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
    return font


def is_raster(painter: QPainter) -> bool:
    """Pixels (QImage, the window) rather than a vector device (SVG, PDF, QPicture)."""
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (QPaintEngine.Type.Raster, QPaintEngine.Type.OpenGL2)


def brush(style: Style) -> QBrush:
    if not style.fill:
        return QBrush(Qt.BrushStyle.NoBrush)
    return QBrush(qcolor(style.fill, style.fill_opacity))


def halo_pen(width_px: float, color: str = "#ffffff") -> QPen:
    halo = QPen(qcolor(color, 235 / 255), width_px)
    halo.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return halo


_SPRITES: dict[tuple, tuple[QImage, int]] = {}


def _keep_sprite(key: tuple, sprite: tuple):
    if len(_SPRITES) > 4000:  # bounded: labels of a long session must not grow without end
        _SPRITES.clear()
    _SPRITES[key] = sprite
    return sprite


def _sprite_canvas(width: int, height: int) -> tuple[QImage, QPainter]:
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    return image, painter


def _haloed_sprite(path: QPainterPath, width: int, height: int, color: str, halo_px: float, halo: str | None,
                   transform: QTransform) -> QImage:
    """`path` under `transform` filled with `color` over a `halo_px`-wide halo (a pen's width:
    half of it outside the outline), in a new width x height image."""
    halo_colour = halo_pen(halo_px, halo).color() if halo and halo_px > 0 else None
    if halo_px / 2 <= MAX_DILATE_PX:
        return haloed_image(path, width, height, qcolor(color), halo_colour, halo_px / 2, transform)
    image, painter = _sprite_canvas(width, height)  # print-size halos: stroking is cheaper there
    painter.setTransform(transform)
    if halo_colour is not None:
        painter.strokePath(path, halo_pen(halo_px, halo))
    painter.fillPath(path, qcolor(color))
    painter.end()
    return image


def symbol_sprite(st: Style, ppt: float) -> tuple[QImage, int]:
    """The point symbol of a style drawn once into a small image centred on pixel (off, off)."""
    key = ("symbol", st.symbol, st.symbol_size_pt, st.fill, st.fill_opacity, st.stroke, st.width_pt, st.dash, ppt)
    hit = _SPRITES.get(key)
    if hit is None:
        size_px = st.symbol_size_pt * ppt
        off = math.ceil(size_px * 0.75 + st.width_pt * ppt) + 1
        image, p = _sprite_canvas(2 * off + 1, 2 * off + 1)
        p.setBrush(brush(st))
        p.setPen(make_pen(st.stroke, st.width_pt * ppt, st.dash, cosmetic=False) if st.stroke else Qt.PenStyle.NoPen)
        p.drawPath(symbol_path(st.symbol or "circle", size_px).translated(off + 0.5, off + 0.5))
        p.end()
        hit = _keep_sprite(key, (image, off))
    return hit


def label_sprite(text: str, path: QPainterPath, box: QRectF, color: str, halo_px: float,
                 halo: str | None = "#ffffff") -> tuple[QImage, int]:
    key = (text, box.width(), box.height(), color, round(halo_px, 2), path.elementCount(), halo)
    hit = _SPRITES.get(key)
    if hit is None:
        pad = math.ceil(halo_px) + 1
        image = _haloed_sprite(path.translated(pad - box.left(), pad - box.top()), math.ceil(box.width()) + 2 * pad,
                               math.ceil(box.height()) + 2 * pad, color, halo_px, halo, QTransform())
        hit = _keep_sprite(key, (image, pad))
    return hit


def turned_label_sprite(text: str, path: QPainterPath, box: QRectF, color: str, halo_px: float,
                         angle: float, halo: str | None = "#ffffff") -> tuple[QImage, QPointF]:
    """A label turned by `angle` degrees about its centre, drawn once (glyphs, not a rotated
    bitmap, so it stays crisp); returns the image and where the label's centre is in it."""
    angle = round(angle, 1)  # a line's label keeps its angle while panning and zooming: always a hit
    key = ("turned", text, box.width(), box.height(), color, round(halo_px, 2), path.elementCount(), angle, halo)
    hit = _SPRITES.get(key)
    if hit is None:
        turn = QTransform().rotate(angle)
        w, h = box.width(), box.height()
        outer = turn.mapRect(QRectF(-w / 2, -h / 2, w, h))
        pad = math.ceil(halo_px) + 2
        width, height = math.ceil(outer.width()) + 2 * pad, math.ceil(outer.height()) + 2 * pad
        centre = QPointF(width / 2, height / 2)
        place = QTransform()
        place.translate(centre.x(), centre.y())
        place.rotate(angle)
        image = _haloed_sprite(path.translated(-w / 2 - box.left(), -h / 2 - box.top()), width, height, color,
                               halo_px, halo, place)
        hit = _keep_sprite(key, (image, centre))
    return hit

