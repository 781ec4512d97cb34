"""The map year by year: one cumulative frame per year (`layers/model/timeline.py`'s `up_to`),
each a whole page painted by `paint_page` — the one renderer, as the PNG export — with the year
in the title, written as an animated GIF (Pillow) or an MP4 (ffmpeg from the imageio-ffmpeg wheel).

The page is planned once, for the last (fullest) year, so the map frame, extent and legend panel
stay put while the features appear.  Writing is atomic: a cancelled or failed export leaves
nothing at the destination.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QImage, QPainter

from geodata.core.atomic import atomic_path
from geodata.core.feedback import Feedback, feedback_or_new
from geodata.core.message import Message, plain
from geodata.io.errors import MessageError
from layers.model.timeline import UP_TO, up_to
from layers.page.extent import filter_caption
from layers.page.map_frame import set_dpi
from layers.page.page_plan import default_title, paint_page, plan_page

ANIMATION_FORMATS = (".gif", ".mp4")
FRAME_MS = 1000
LAST_FRAME_MS = 2500  # the last year stays up a little longer before the loop starts again
PAINTING_YEAR = Message("绘制 {year} 年", "painting {year}")
WRITING = Message("写入动画", "writing the animation")
NO_FFMPEG = Message("写 MP4 需要 imageio-ffmpeg（pip install imageio-ffmpeg）；GIF 不需要",
                    "MP4 needs imageio-ffmpeg (pip install imageio-ffmpeg); GIF does not")


class AnimationError(MessageError, ValueError):
    """The animation cannot be written as asked (format, missing encoder): nothing was written."""


@dataclass(frozen=True)
class AnimationResult:
    path: Path
    years: tuple[int, ...]
    size: tuple[int, int]  # frame width, height in pixels
    drawn: tuple[dict, ...]  # per frame: features drawn per layer (RenderResult.drawn)


def export_by_year(document, out_path: str | os.PathLike, *, years: tuple[int, int], preset: str = "slide-16x9",
                   dpi: float | None = None, title: str | None = None, subtitle: str | None = None, extent=None,
                   inset: bool | str = "auto",
                   language: str = "zh", feedback: Feedback | None = None, basemap=None) -> AnimationResult:
    """Write one frame per year `years[0]`…`years[1]` (inclusive) to a .gif or .mp4."""
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise AnimationError(plain(f"unsupported animation format {out.suffix or '(none)'!r}; use .gif or .mp4"))
    encoder = _mp4_encoder() if suffix == ".mp4" else None
    feedback = feedback_or_new(feedback)
    first, last = int(years[0]), int(years[1])
    frames_years = tuple(range(first, last + 1))
    if not frames_years:
        raise AnimationError(plain(f"empty year range {first}–{last}"))
    base_title = title or default_title(document).text(language)
    caption = filter_caption(document)  # what the user filtered, the time line apart
    if subtitle is None:
        subtitle = caption.text(language) if caption is not None else ""
    documents = []
    for year in frames_years:
        frame_doc = document.snapshot()
        frame_doc.set_filter(up_to(document.filter, year))
        documents.append(frame_doc)
    plan = plan_page(documents[-1], preset=preset, dpi=dpi, title=base_title, subtitle=subtitle, extent=extent,
                     inset=inset, language=language)
    layout = plan.layout
    if basemap is not None:
        from layers.render.basemap.tile_basemap import prefetch_frame

        prefetch_frame(basemap, plan.extent, layout.map_frame, layout.dpi, feedback.sub(0.0, 0.1))
    images, drawn = [], []
    share = 0.8 / len(frames_years)
    for i, (year, frame_doc) in enumerate(zip(frames_years, documents)):
        feedback.check()
        feedback.set_progress(0.1 + i * share, PAINTING_YEAR.format(year=year))
        frame_title = f"{base_title} · {UP_TO.format(year=year).text(language)}"
        image = QImage(layout.width_px, layout.height_px, QImage.Format_RGB32)
        set_dpi(image, layout.dpi)
        painter = QPainter(image)
        try:
            result, _bar, _origin = paint_page(painter, layout, frame_doc, plan.extent, title=frame_title,
                                               subtitle=plan.subtitle, language=language, inset=plan.inset,
                                               feedback=feedback.sub(0.1 + i * share, 0.1 + (i + 1) * share),
                                               basemap=basemap)
        finally:
            painter.end()
        images.append(_to_pillow(image))
        drawn.append(dict(getattr(result, "drawn", {}) or {}))
    feedback.check()
    feedback.set_progress(0.9, WRITING)
    with atomic_path(out) as tmp:
        if suffix == ".gif":
            _write_gif(tmp, images)
        else:
            _write_mp4(tmp, images, encoder)
        feedback.check()
    feedback.set_progress(1.0, None)
    return AnimationResult(out, frames_years, (layout.width_px, layout.height_px), tuple(drawn))


def _to_pillow(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1).copy()


def _write_gif(path: Path, images) -> None:
    # one adaptive palette per frame: the page is mostly pale fills and a few symbol colours
    frames = [image.quantize(colors=255, method=2, dither=0) for image in images]  # 2 = fast octree
    durations = [FRAME_MS] * (len(frames) - 1) + [LAST_FRAME_MS]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   disposal=1)


def _mp4_encoder():
    try:
        import imageio_ffmpeg
    except ImportError:
        raise AnimationError(NO_FFMPEG) from None
    try:
        imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # the wheel without a binary for this platform
        raise AnimationError(NO_FFMPEG + f": {exc}") from None
    return imageio_ffmpeg


def _write_mp4(path: Path, images, imageio_ffmpeg) -> None:
    from PIL import Image

    width, height = images[0].size
    even = (width + width % 2, height + height % 2)  # H.264 with yuv420p needs even sides
    writer = imageio_ffmpeg.write_frames(str(path), even, fps=1, codec="libx264", macro_block_size=1,
                                         ffmpeg_log_level="error", output_params=["-movflags", "+faststart"])
    writer.send(None)  # start ffmpeg
    try:
        for image in images + images[-1:]:  # the last year twice: it stays up a moment longer
            if image.size != even:
                padded = Image.new("RGB", even, "white")
                padded.paste(image, (0, 0))
                image = padded
            writer.send(image.tobytes())
    finally:
        writer.close()
