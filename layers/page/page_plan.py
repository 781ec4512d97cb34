"""One page, planned then painted: the same plan and the same `paint_page` serve the export
dialog's preview and every file format, so the preview shows what the file will hold.

`plan_page` resolves the defaults (title, filter caption, inset, extent) and picks the layout
whose legend is legible (`legible_layout`); `paint_page` paints map, frame and furniture.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, check_language
from layers.page.extent import filter_caption, filter_places, resolve_extent
from layers.page.furniture import (draw_footer, draw_inset, draw_north_arrow, draw_scale_bar, draw_title, inset_useful,
                                   scale_bar_box)
from layers.page.layout_geometry import Layout, compute_layout, fit_extent, legend_shares, preset as get_preset
from layers.page.layout_spec import apply_legend
from layers.page.legend_panel import MIN_LEGEND_PT, draw_legend, legend_plan
from layers.page.map_frame import render_into
from layers.page.scale_bar import ScaleBar
from layers.render.fonts import cjk_family, ensure_gui_app
from layers.render.legend import fold_legend

DEFAULT_TITLE = Message("成渝地区双城经济圈", "Chengdu–Chongqing Economic Circle")
PAINTING_MAP = Message("绘制地图", "map")
PAINTING_FURNITURE = Message("绘制图廓要素", "furniture")
PAINTING_INSET = Message("绘制位置示意图", "inset")


@dataclass(frozen=True)
class PagePlan:
    """Everything decided before painting: a preview that paints this plan shows the export."""

    preset: Any
    layout: Layout
    extent: tuple[float, float, float, float]  # fitted to the map frame
    title: str
    subtitle: str | None
    inset: bool
    legend: tuple | None = None  # layout_spec.LegendItem values: order, hidden, renamed entries


def plan_page(document, *, preset: str = "a4-landscape", dpi: float | None = None, title: str | None = None,
              subtitle: str | None = None, extent=None, inset: bool | str = "auto", language: str = "zh",
              legend=None) -> PagePlan:
    """Resolve defaults (title, filter caption, inset, extent) and lay out the page.

    The export dialog's preview calls this at screen DPI, then `paint_page(painter,
    plan.layout, document, plan.extent, title=plan.title, subtitle=plan.subtitle,
    language=..., inset=plan.inset)`, so it shows exactly what the file will hold.
    """
    check_language(language)
    p = get_preset(preset)
    ensure_gui_app()
    cjk_family()
    title = title or default_title(document).text(language)
    if subtitle is None:
        caption = filter_caption(document)
        subtitle = caption.text(language) if caption is not None else None
    wanted = resolve_extent(document, extent)
    if inset == "auto":
        inset = inset_useful(document, wanted)
    elif not isinstance(inset, bool):
        raise ValueError(f"inset must be True, False or 'auto', got {inset!r}")
    legend = tuple(legend) if legend is not None else None
    layout = legible_layout(p, dpi or p.default_dpi, document, wanted, inset=inset, subtitle=bool(subtitle),
                            language=language, legend=legend)
    frame = layout.map_frame
    return PagePlan(p, layout, fit_extent(wanted, frame[2], frame[3]), title, subtitle or None, inset, legend)


def printed_legend(result, document, legend=None) -> list:
    """The legend a page prints: the render's folded legend, then the layout's choices."""
    return apply_legend(fold_legend(list(getattr(result, "legend", []) or []), document), legend)


def default_title(document) -> Message:
    """The circle's name, then the places a place filter keeps: 成渝地区双城经济圈 · 大足区."""
    places = filter_places(document)
    return DEFAULT_TITLE if places is None else DEFAULT_TITLE + " · " + places


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


def legible_layout(p, dpi: float, document, wanted, *, inset: bool, subtitle: bool, language: str,
                   legend=None) -> Layout:
    """The layout with the smallest legend panel whose legend is set at MIN_LEGEND_PT or more
    with every row whole (a wider side column in landscape, a taller band in portrait)."""
    shares = legend_shares(p)
    layouts = [compute_layout(p, dpi, inset=inset, subtitle=subtitle, legend_share=s) for s in shares]
    # every panel size shows a little more or less around `wanted`: probe the union of their views
    fitted = [fit_extent(wanted, lay.map_frame[2], lay.map_frame[3]) for lay in (layouts[0], layouts[-1])]
    probe = (min(f[0] for f in fitted), min(f[1] for f in fitted), max(f[2] for f in fitted), max(f[3] for f in fitted))
    entries = apply_legend(probe_legend(document, probe), legend)
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
    feedback: Feedback | None = None,
    raster: bool = True,
    today: _dt.date | None = None,
    basemap=None,
    legend=None,
) -> tuple[Any, ScaleBar, tuple[float, float]]:
    """Paint one layout page onto `painter` (device pixels); returns (render result, bar, bar origin).
    `basemap` (a TileBasemap) goes under the map; its credit into the sources line.  `legend`:
    `layout_spec.LegendItem`s (order, hidden and renamed entries; None: the legend as drawn).

    Reports 0.1 (map), 0.6 (furniture) and 0.75 (inset) on `feedback`; raises `Cancelled`."""
    feedback = feedback_or_new(feedback)
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setRenderHint(QPainter.TextAntialiasing, True)
    painter.fillRect(QRectF(0, 0, layout.width_px, layout.height_px), QColor("#ffffff"))
    feedback.check()
    feedback.set_progress(0.1, PAINTING_MAP)
    result = render_into(painter, document, layout.map_frame, extent, layout.dpi, labels=True, language=language,
                         feedback=feedback, raster=raster, basemap=basemap,
                         keep_clear=(scale_bar_box(layout, extent, language),))  # no label under the bar
    feedback.set_progress(0.6, PAINTING_FURNITURE)
    painter.setPen(QPen(QColor("#333333"), max(1.0, layout.pt(0.6))))
    painter.setBrush(Qt.NoBrush)
    painter.drawRect(QRectF(*layout.map_frame))
    bar, origin = draw_scale_bar(painter, layout, extent, language)
    draw_north_arrow(painter, layout, extent, language)
    draw_title(painter, layout, title, subtitle)
    draw_legend(painter, layout, printed_legend(result, document, legend), language)
    draw_footer(painter, layout, language, today or _dt.date.today(),
                basemap.attribution(language) if basemap is not None else None)
    if inset and layout.inset is not None:
        feedback.check()
        feedback.set_progress(0.75, PAINTING_INSET)
        draw_inset(painter, layout, document, extent, language, feedback, raster)
    return result, bar, origin
