"""The field-check PDF report: a summary table, then a small map per flagged project.

Each map is one `layers.render.renderer` request on an extent around the observed and the
registered position (the same renderer as the window), with the observed → registered
arrow drawn over it.  The PDF is written with QPdfWriter through `atomic_path`, so a
failure or a cancel (`Cancelled`) leaves nothing behind.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPageLayout, QPageSize, QPainter, QPainterPath, QPdfWriter, QPen, QPolygonF

from geodata.core.atomic import atomic_path
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, check_language, plain
from geodata.fieldcheck.check import note_text
from layers.render.fonts import cjk_family, ensure_gui_app, map_font
from geodata.coords.projection import lonlat_to_display

PDF_DPI = 300
MAP_DPI = 200
MARGIN_MM = 15.0
MAP_W_MM, MAP_H_MM = 180.0, 100.0
MIN_HALF_WIDTH_M = 2000.0  # the smallest map still shows the streets and rivers around the point
ARROW_COLOR = "#d7191c"
# Partnership lines radiate across every small map and say nothing about a position; the check's own
# layers would draw a second arrow.
OMITTED_LAYERS = ("partnerships", "field_check", "goto_marker")
REGISTERED_COLOR = "#2b83ba"
# Layers holding registered projects (the bundle's and the explorer's corrected copy): a per-project map
# shows only the project checked, else a district seat's ring of displaced symbols buries the arrow.
PROJECT_LAYERS = ("projects", "projects_corrected")

STATUS_COLORS = {"ok": "#1a9641", "flagged": "#d7191c", "unmatched": "#b8860b"}

TITLE = Message("实地核查报告", "Field check report")
HEADER = Message("观测文件: {source}    坐标系: {datum}    容差: {tolerance} m    生成时间: {made}",
                 "Observations: {source}    Datum: {datum}    Tolerance: {tolerance} m    Generated: {made}")
FLAGGED_MAPS = Message("超差项目 ({n})", "Flagged projects ({n})")
NONE_FLAGGED = Message("没有超差项目。", "No project is beyond the tolerance.")
MAP_HEADING = Message("{name} ({id}) — 偏差 {distance} m", "{name} ({id}) — offset {distance} m")
OBSERVATION = Message("观测点 {id} {name}", "observation {id} {name}")
POSITIONS = Message("观测位置 {obs} → 登记位置 {reg} (WGS84)   图幅宽 ≈ {width} km",
                    "Observed {obs} → Registered {reg} (WGS84)   map width ≈ {width} km")
KEY = Message("红色空心圆 = 观测位置，蓝色圆圈 = 登记位置，箭头由观测指向登记位置",
              "red open circle = observed, blue ring = registered, arrow from observed to registered")
KEY_SCHEMATIC = Message("{key}；登记位置为示意位置（按控制点手工放置）",
                        "{key}; the registered position is schematic (hand-placed)").format(key=KEY)
NOTE = Message("备注：{note}", "Note: {note}")
COLUMNS = (Message("编号", "Obs"), Message("名称", "Name"), Message("项目", "Project"), Message("匹配", "Match"),
           Message("距离 m", "Dist. m"), Message("状态", "Status"))
STATUS_WORDS = {"ok": Message("符合", "ok"), "flagged": Message("超差", "flagged"),
                "unmatched": Message("未匹配", "unmatched")}
METHOD_WORDS = {"id": Message("编号", "id"), "name": Message("名称", "name"), "nearest": Message("最近", "nearest"),
                "": plain("—")}
DONE = Message("完成", "done")


def _pdf_font(size_pt: float, bold: bool = False):
    """The CJK font for PDF text, unshaped: with shaping, Qt's PDF loses the text of digits that follow
    letters ("P001" extracts as "P"), so search and copy from the report would fail."""
    font = map_font(size_pt, PDF_DPI, bold=bold)
    font.setStyleStrategy(QFont.StyleStrategy(QFont.StyleStrategy.PreferNoShaping | QFont.StyleStrategy.PreferAntialias))
    return font


def _mm(mm: float, dpi: float = PDF_DPI) -> float:
    return mm / 25.4 * dpi


def map_extent(obs: tuple[float, float], reg: tuple[float, float], aspect: float) -> tuple[float, float, float, float]:
    """Display-CRS extent around both points with a margin, of the given width/height aspect."""
    (x0, x1), (y0, y1) = lonlat_to_display([obs[0], reg[0]], [obs[1], reg[1]])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max(abs(x1 - x0) * 0.8, abs(y1 - y0) * 0.8 * aspect, MIN_HALF_WIDTH_M)
    half_h = half_w / aspect
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def draw_arrow(painter: QPainter, start: QPointF, end: QPointF, width_px: float, color: str = ARROW_COLOR) -> None:
    """A straight arrow start -> end with a filled head; the head shrinks for short arrows."""
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    if length < 1e-6:
        painter.restore()
        return
    ux, uy = dx / length, dy / length
    head = min(width_px * 5, length * 0.4)
    base = QPointF(end.x() - ux * head, end.y() - uy * head)
    pen = QPen(QColor(color), width_px)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawLine(start, base)
    left = QPointF(base.x() - uy * head * 0.45, base.y() + ux * head * 0.45)
    right = QPointF(base.x() + uy * head * 0.45, base.y() - ux * head * 0.45)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawPolygon(QPolygonF([end, left, right]))
    painter.restore()


def focused_document(document, project_id: str):
    """A snapshot of `document` whose project layers hold only `project_id` and whose filter is
    cleared (the map is about that project, whatever the window filters); the document is unchanged."""
    from layers.model.filter import Filter

    doc = document.snapshot()
    doc.set_filter(Filter())
    for name in PROJECT_LAYERS:
        if name in doc:
            data = doc.layer(name).data
            if data is not None and "id" in data.columns:
                doc.set_layer_data(name, data[data["id"].astype(str) == str(project_id)])
    return doc


def discrepancy_map(document, row, width: int, height: int, dpi: float = MAP_DPI, lang: str = "zh") -> QImage:
    """The map around one matched observation: the document with only this project, arrow observed -> registered."""
    from layers.render.renderer import render_with_result
    from layers.render.request import MapRequest

    obs = (float(row["obs_lon"]), float(row["obs_lat"]))
    reg = (float(row["reg_lon"]), float(row["reg_lat"]))
    extent = map_extent(obs, reg, width / height)
    document = focused_document(document, row["project_id"])
    shown = tuple(name for name in document.layer_names() if name not in OMITTED_LAYERS)
    image, result = render_with_result(MapRequest(document=document, extent=extent, width=width, height=height,
                                                  dpi=dpi, labels=True, language=lang, layers=shown))
    view = result.view
    (ox, rx), (oy, ry) = lonlat_to_display([obs[0], reg[0]], [obs[1], reg[1]])
    opx, opy = view.to_pixel(ox, oy)
    rpx, rpy = view.to_pixel(rx, ry)
    start, end = QPointF(float(opx), float(opy)), QPointF(float(rpx), float(rpy))
    ppt = dpi / 72.0
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        draw_arrow(painter, start, end, 2.2 * ppt)
        painter.setPen(QPen(QColor(ARROW_COLOR), 1.5 * ppt))
        painter.setBrush(QColor("white"))
        painter.drawEllipse(start, 4 * ppt, 4 * ppt)
        painter.setPen(QPen(QColor(REGISTERED_COLOR), 2.0 * ppt))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(end, 6 * ppt, 6 * ppt)
        # Distance label with a white halo, beside the arrow's middle.
        text = f"{float(row['distance_m']):.0f} m"
        font = map_font(9, dpi, bold=True)
        path = QPainterPath()
        mid = QPointF((start.x() + end.x()) / 2 + 8 * ppt, (start.y() + end.y()) / 2 - 6 * ppt)
        path.addText(mid, font, text)
        painter.setPen(QPen(QColor("white"), 3 * ppt))
        painter.drawPath(path)
        painter.fillPath(path, QColor(ARROW_COLOR))
        painter.setPen(QPen(QColor("#333333"), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(0.5, 0.5, width - 1, height - 1))
    finally:
        painter.end()
    return image


class _Page:
    """Cursor over the pages of a QPdfWriter: text lines, rows and images, breaking pages as needed."""

    def __init__(self, writer: QPdfWriter, painter: QPainter):
        self.writer, self.painter = writer, painter
        rect = writer.pageLayout().paintRectPixels(PDF_DPI)
        self.width, self.height = rect.width(), rect.height()
        self.y = 0.0

    def ensure(self, needed: float) -> None:
        if self.y + needed > self.height:
            self.writer.newPage()
            self.y = 0.0

    def text(self, text: str, size_pt: float, bold: bool = False, color: str = "#222222", gap_mm: float = 1.5) -> None:
        font = _pdf_font(size_pt, bold)
        metrics = QFontMetricsF(font)
        self.ensure(metrics.height())
        self.painter.setFont(font)
        self.painter.setPen(QColor(color))
        self.painter.drawText(QPointF(0, self.y + metrics.ascent()), metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.width))
        self.y += metrics.height() + _mm(gap_mm)


def _fmt_distance(value) -> str:
    return "" if value is None or value != value else f"{float(value):.1f}"


def _table(page: _Page, rows, lang: str) -> None:
    headers = [h.text(lang) for h in COLUMNS]
    fractions = (0.11, 0.25, 0.34, 0.09, 0.11, 0.10)
    xs = [0.0]
    for f in fractions[:-1]:
        xs.append(xs[-1] + f * page.width)
    font = _pdf_font(8.5)
    bold = _pdf_font(8.5, bold=True)
    metrics = QFontMetricsF(font)
    row_h = metrics.height() * 1.45
    status_text = {k: m.text(lang) for k, m in STATUS_WORDS.items()}
    method_text = {k: m.text(lang) for k, m in METHOD_WORDS.items()}
    painter = page.painter

    def header() -> None:
        page.ensure(row_h * 2)
        painter.fillRect(QRectF(0, page.y, page.width, row_h), QColor("#e8eef3"))
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        for x, h, f in zip(xs, headers, fractions):
            painter.drawText(QRectF(x + _mm(1), page.y, f * page.width - _mm(2), row_h),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, h)
        page.y += row_h

    header()
    for n, r in enumerate(rows.itertuples(index=False)):
        if page.y + row_h > page.height:
            page.ensure(page.height)  # new page, then repeat the header
            header()
        if n % 2:
            painter.fillRect(QRectF(0, page.y, page.width, row_h), QColor("#f6f8fa"))
        cells = (r.obs_id, r.obs_name, f"{r.project_id} {r.project_name_zh}".strip(), method_text.get(r.match_method, r.match_method),
                 _fmt_distance(r.distance_m), status_text.get(r.status, r.status))
        painter.setFont(font)
        for i, (x, cell, f) in enumerate(zip(xs, cells, fractions)):
            painter.setPen(QColor(STATUS_COLORS.get(r.status, "#222222")) if i == 5 else QColor("#222222"))
            box = QRectF(x + _mm(1), page.y, f * page.width - _mm(2), row_h)
            align = Qt.AlignmentFlag.AlignRight if i == 4 else Qt.AlignmentFlag.AlignLeft
            painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | align,
                             metrics.elidedText(str(cell), Qt.TextElideMode.ElideRight, box.width()))
        page.y += row_h
        note = getattr(r, "match_note", "") or ""
        if note == note and str(note).strip():  # NaN-safe; a name tie: which projects tied, how one was taken
            _note_row(page, NOTE.format(note=note_text(note, lang)).text(lang), xs[1], n % 2 == 1)
    page.y += _mm(4)


def _note_row(page: _Page, text: str, x: float, shaded: bool) -> None:
    """A wrapped note line under its table row (a tie lists every tied project: never elided)."""
    font = _pdf_font(7.5)
    painter = page.painter
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
    width = page.width - x - _mm(1)
    height = QFontMetricsF(font).boundingRect(QRectF(0, 0, width, page.height), flags, text).height() + _mm(1)
    page.ensure(height)
    if shaded:
        painter.fillRect(QRectF(0, page.y, page.width, height), QColor("#f6f8fa"))
    painter.setFont(font)
    painter.setPen(QColor("#555555"))
    painter.drawText(QRectF(x + _mm(1), page.y, width, height), flags, text)
    page.y += height


def write_report(result, out_path: str | Path, document=None, lang: str = "zh", title: str | None = None,
                 feedback: Feedback | None = None) -> Path:
    """Write the PDF for a `geodata.fieldcheck.check.CheckResult`; returns the path.

    `document` is the MapDocument the small maps show (default: the bundle's).  `feedback` gets
    the progress per map and may be cancelled: then `Cancelled` is raised and nothing is written.
    """
    check_language(lang)
    feedback = feedback_or_new(feedback)
    out = Path(out_path)
    if out.suffix.lower() != ".pdf":
        raise ValueError(f"{out.name}: the report is a .pdf file")
    ensure_gui_app()
    cjk_family()
    if document is None:
        from layers.model.document import MapDocument

        document = MapDocument.from_bundle()
    flagged = result.flagged
    with atomic_path(out) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(PDF_DPI)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                         QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter))
        writer.setTitle(title or TITLE.text(lang))
        writer.setCreator("成渝地区双城经济圈 GIS explorer")
        painter = QPainter(writer)
        try:
            page = _Page(writer, painter)
            page.text(title or TITLE.text(lang), 18, bold=True, gap_mm=3)
            made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            source = Path(result.source).name if result.source else "—"
            page.text(HEADER.format(source=source, datum=result.datum, tolerance=f"{result.tolerance_m:g}",
                                    made=made).text(lang), 9)
            page.text(result.summary(lang), 11, bold=True, gap_mm=3)
            _table(page, result.rows, lang)
            page.text(FLAGGED_MAPS.format(n=len(flagged)).text(lang), 13, bold=True, gap_mm=2)
            if not len(flagged):
                page.text(NONE_FLAGGED.text(lang), 10)
            map_w, map_h = int(round(_mm(MAP_W_MM, MAP_DPI))), int(round(_mm(MAP_H_MM, MAP_DPI)))
            for n, (_, row) in enumerate(flagged.iterrows(), start=1):
                feedback.check()
                feedback.set_progress((n - 1) / max(1, len(flagged)), plain(f"{row['project_id']} {row['project_name_zh']}"))
                page.ensure(_mm(MAP_H_MM + 28))
                page.text(MAP_HEADING.format(name=row["project_name_zh"], id=row["project_id"],
                                             distance=f"{float(row['distance_m']):.1f}").text(lang), 11, bold=True, gap_mm=0.5)
                page.text(OBSERVATION.format(id=row["obs_id"], name=row["obs_name"]).text(lang).strip(), 8.5,
                          color="#444444", gap_mm=1)
                image = discrepancy_map(document, row, map_w, map_h, MAP_DPI, lang)
                target = QRectF(0, page.y, _mm(MAP_W_MM), _mm(MAP_H_MM))
                painter.drawImage(target, image)
                page.y += target.height() + _mm(1.5)
                x0, _, x1, _ = map_extent((row["obs_lon"], row["obs_lat"]), (row["reg_lon"], row["reg_lat"]), map_w / map_h)
                width_km = (x1 - x0) / 1000
                page.text(POSITIONS.format(obs=f"{row['obs_lon']:.6f}, {row['obs_lat']:.6f}",
                                           reg=f"{row['reg_lon']:.6f}, {row['reg_lat']:.6f}",
                                           width=f"{width_km:.1f}").text(lang), 8, color="#444444", gap_mm=0.5)
                schematic = row.get("reg_geometry_quality", "") == "schematic"
                page.text((KEY_SCHEMATIC if schematic else KEY).text(lang), 8, color="#444444", gap_mm=5)
        finally:
            painter.end()
        feedback.check()  # cancelled during the last map: atomic_path drops the temporary file
    feedback.set_progress(1.0, DONE)
    return out
