"""Presentation export: one page with title, map, legend, scale bar, north arrow,
inset, sources and date, written as PNG (+ world file), SVG or PDF.

The map itself is painted by `layers.render.renderer.render` — the same call the window
uses — into the layout's map frame (`map_frame.py`); `furniture.py` and `legend_panel.py`
add what goes around it, and `page_plan.py` decides the page.  This module only sets up the
device of each format: PNG, SVG and PDF share one `paint_page`, so the three agree.
Every file is written through `geodata.core.atomic.atomic_group` (a PNG with its world file
and .prj as one group): a failed, cancelled or killed export leaves the old files or the new.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from geodata.core.atomic import atomic_group
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message
from geodata.coords import projection
from layers.page.furniture import SOURCE_LINE
from layers.page.layout_geometry import Layout
from layers.page.map_frame import set_dpi
from layers.page.page_plan import paint_page, plan_page, printed_legend
from layers.page.scale_bar import ScaleBar
from layers.page.svg_clip import clip_svg_file, svg_clips
from layers.page.svg_fonts import embed_fonts
from layers.page.world_file import WorldFile, world_for_frame, world_sidecars, write_sidecar_texts
from layers.render.fonts import cjk_family

FORMATS = (".png", ".svg", ".pdf")
LAYING_OUT = Message("排版", "layout")
WRITING_PNG = Message("写入 PNG", "writing PNG")
DONE = Message("完成", "done")


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


def _write_png(tmp: Path, out: Path, layout: Layout, paint, feedback: Feedback):
    image = QImage(layout.width_px, layout.height_px, QImage.Format_RGB32)  # a page is opaque
    set_dpi(image, layout.dpi)
    painter = QPainter(image)
    try:
        painted = paint(painter)
    finally:
        painter.end()
    feedback.check()
    feedback.set_progress(0.85, WRITING_PNG)
    # Qt maps PNG "quality" 80 to zlib level 1: about twice as fast as the default
    # level for an A3 page, for a file ~10 % larger
    if not image.save(str(tmp), "PNG", 80):
        raise OSError(f"could not write {out}")
    return painted


def _write_svg(tmp: Path, layout: Layout, paint, title: str, description: str):
    from PySide6.QtSvg import QSvgGenerator

    gen = QSvgGenerator()
    gen.setFileName(str(tmp))
    gen.setSize(QSize(layout.width_px, layout.height_px))
    gen.setViewBox(QRectF(0, 0, layout.width_px, layout.height_px))
    gen.setResolution(round(layout.dpi))
    gen.setTitle(title)
    gen.setDescription(description)
    painter = QPainter(gen)
    try:
        painted = paint(painter)
    finally:
        painter.end()
    clip_svg_file(tmp, svg_clips(gen))
    embed_fonts(tmp, cjk_family())  # the text stays <text>, shown in the bundled face anywhere
    return painted


def _write_pdf(tmp: Path, layout: Layout, paint, title: str, p):
    writer = QPdfWriter(str(tmp))
    writer.setResolution(round(layout.dpi))
    writer.setPageSize(QPageSize(QSizeF(p.width_mm, p.height_mm), QPageSize.Millimeter, p.name))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Millimeter)
    writer.setTitle(title)
    writer.setCreator("chengyu-explorer")
    painter = QPainter(writer)
    try:
        return paint(painter)
    finally:
        painter.end()


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
    feedback: Feedback | None = None,
    basemap=None,
    legend=None,
    layout=None,
) -> ExportResult:
    """Write a laid-out map to `out_path` (.png, .svg or .pdf); see the module doc.

    `extent`: see `layers.page.extent.resolve_extent`.  `inset`: True, False, or "auto" (only
    when the map does not already show the whole circle).  `feedback` gets the progress
    (0 … 1 with a `Message`) and may be cancelled from any thread: then `Cancelled` is raised
    and nothing is written.  `basemap`: a blocking TileBasemap (layers/render/basemap/): its
    tiles are fetched first (progress 0 … 0.1), drawn under the map and credited in the footer.
    `legend`: `layout_spec.LegendItem`s (which entries, in which order, under which labels).
    `layout`: a `layout_spec.LayoutSpec` standing for preset, dpi, title, subtitle, extent, inset
    and legend (it replaces those arguments).
    """
    if layout is not None:
        options = layout.export_options()
        preset, dpi, title, subtitle = options["preset"], options["dpi"], options["title"], options["subtitle"]
        extent, inset, legend = options["extent"], options["inset"], options["legend"]
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unsupported format {out.suffix or '(none)'!r}; use one of {', '.join(FORMATS)}")
    feedback = feedback_or_new(feedback)
    plan = plan_page(document, preset=preset, dpi=dpi, title=title, subtitle=subtitle, extent=extent,
                     inset=inset, language=language, legend=legend)
    layout, shown = plan.layout, plan.extent
    world = world_for_frame(shown, layout.map_frame)
    feedback.set_progress(0.0, LAYING_OUT)
    feedback.check()
    if basemap is not None:
        from layers.render.basemap.tile_basemap import prefetch_frame

        prefetch_frame(basemap, shown, layout.map_frame, layout.dpi, feedback.sub(0.0, 0.1))

    def paint(painter: QPainter):
        return paint_page(painter, layout, document, shown, title=plan.title, subtitle=plan.subtitle,
                          language=language, inset=plan.inset, feedback=feedback, raster=suffix == ".png",
                          basemap=basemap, legend=plan.legend)

    # a PNG and its world file + .prj are one group: all three new or all three old (image renamed last)
    sidecars = list(world_sidecars(out)) if suffix == ".png" else []
    with atomic_group([*sidecars, out]) as temps:
        tmp = temps[-1]
        if suffix == ".png":
            result, bar, origin = _write_png(tmp, out, layout, paint, feedback)
            write_sidecar_texts(*temps[:2], world, projection.DISPLAY_CRS.to_wkt("WKT1_ESRI"))
        elif suffix == ".svg":
            result, bar, origin = _write_svg(tmp, layout, paint, plan.title, SOURCE_LINE.text(language))
        else:
            result, bar, origin = _write_pdf(tmp, layout, paint, plan.title, plan.preset)
        feedback.check()  # cancelled while writing: atomic_group drops the temporary files
    files: list[Path] = [out, *sidecars]
    feedback.set_progress(1.0, DONE)
    return ExportResult(
        path=out,
        files=files,
        layout=layout,
        extent=shown,
        world=world,
        scale_bar=bar,
        scale_bar_origin=origin,
        legend=printed_legend(result, document, plan.legend),
        drawn=dict(result.drawn),
    )
