"""The page legend: how its rows are planned (type size, columns) and drawn (swatches, labels).

The rows are the renderer's folded legend grouped by `layers.render.legend.legend_blocks`;
`legend_plan` picks the largest type (then more columns) at which every row fits whole, and
`draw_legend` paints exactly that plan, so a test can read where each row went.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from geodata.core.message import Message
from layers.page.furniture import page_font
from layers.page.layout_geometry import Layout, PlacedRow, pack_legend
from layers.render.legend import CONTINUED, STATUS_GEOMETRY, legend_blocks

LEGEND_TITLE = Message("图例", "Legend")
MIN_LEGEND_PT = 7.0  # smallest legend type for print (A4-equivalent points; scaled with the page)
LEGEND_SIZES = (9, 8, 7, 6, 5.5, 5)  # tried in turn; below MIN_LEGEND_PT only if no larger panel helps
SWATCH_W, SWATCH_H = 1.2, 0.62  # a symbol's box, in row heights
SWATCH_GAP = 0.5  # between a symbol and its label, in row heights (a line's cap must not touch the text)


def draw_swatch(painter: QPainter, entry, rect: QRectF, dpi: float) -> None:
    """The entry's symbol as the renderer draws it (same style value, same pens and symbols)."""
    from layers.render.symbols import make_pen, qcolor, symbol_path

    style = entry.style
    ppt = dpi / 72.0
    painter.save()
    painter.setOpacity(style.opacity)
    kind = entry.geometry
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
    body_top = top + pad + QFontMetricsF(page_font(layout, 11, bold=True)).height() + pad * 0.5
    body_h = height - (body_top - top) - pad
    blocks = legend_blocks(entries, language)
    continued = CONTINUED.text(language)
    for size_pt in LEGEND_SIZES:
        fm, fmb = QFontMetricsF(page_font(layout, size_pt)), QFontMetricsF(page_font(layout, size_pt, bold=True))
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


def draw_legend(painter: QPainter, layout: Layout, entries: list, language: str) -> None:
    """The legend panel: its title, then the rows where `legend_plan` puts them."""
    left, top, width, height = layout.legend
    pad = layout.mm(2 * layout.scale)
    painter.setPen(QPen(QColor("#999999"), max(1.0, layout.pt(0.5))))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(left, top, width, height))
    head = page_font(layout, 11, bold=True)
    painter.setFont(head)
    painter.setPen(QColor("#1a1a1a"))
    head_h = QFontMetricsF(head).height()
    painter.drawText(QRectF(left + pad, top + pad, width - 2 * pad, head_h), Qt.AlignLeft | Qt.AlignVCenter, LEGEND_TITLE.text(language))
    if not entries:
        return
    plan = legend_plan(layout, entries, language)
    font, bold = page_font(layout, plan.size_pt), page_font(layout, plan.size_pt, bold=True)
    fm, fmb = QFontMetricsF(font), QFontMetricsF(bold)
    row, placed, body_top = plan.row, plan.rows, plan.top
    continued = CONTINUED.text(language)
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
        draw_swatch(painter, p.row.entry, QRectF(x, y + (row - swatch.height()) / 2, swatch.width(), swatch.height()),
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
