"""Clip paths for Qt's SVG output.

QSvgGenerator writes no clip paths: a map would spill over the whole page.  The map's
drawing is bracketed by two invisible marker rectangles with unique colours
(`svg_clip_begin` / `svg_clip_end`); after writing, `clip_svg_file` wraps the groups
between them in `<g clip-path>` (still all vector) and drops the markers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

SVG_NS = "http://www.w3.org/2000/svg"


def _is_svg(painter: QPainter) -> bool:
    from PySide6.QtSvg import QSvgGenerator

    return isinstance(painter.device(), QSvgGenerator)


def _marker(painter: QPainter, color: QColor) -> None:
    painter.save()
    painter.resetTransform()
    painter.setClipping(False)
    painter.setPen(Qt.NoPen)
    painter.setBrush(color)
    painter.drawRect(QRectF(0, 0, 1, 1))
    painter.restore()


def svg_clip_begin(painter: QPainter, rect) -> tuple[int, Any] | None:
    """Open clip `rect` on an SVG painter (the rectangles are kept on the generator); None elsewhere."""
    if not _is_svg(painter):
        return None
    clips = painter.device().__dict__.setdefault("_clips", [])
    n = len(clips)
    clips.append(tuple(rect))
    _marker(painter, QColor(254, 0, n))
    return n, clips


def svg_clip_end(painter: QPainter, marker) -> None:
    if marker is not None:
        _marker(painter, QColor(254, 1, marker[0]))


def svg_clips(generator) -> list[tuple[float, float, float, float]]:
    """The clip rectangles opened on `generator`, in order (for `clip_svg_file`)."""
    return generator.__dict__.get("_clips", [])


def clip_svg_file(path: Path, clips: list[tuple[float, float, float, float]]) -> None:
    """Wrap each marked run of groups in a clip-path to its rectangle; drop the markers."""
    import xml.etree.ElementTree as ET

    if not clips:
        return
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(path)
    root = tree.getroot()
    root.set("version", "1.1")  # clip paths are SVG 1.1 full, not Tiny 1.2
    root.attrib.pop("baseProfile", None)
    defs = root.find(f"{{{SVG_NS}}}defs")
    if defs is None:
        defs = ET.SubElement(root, f"{{{SVG_NS}}}defs")
    body = next(g for g in root if g.tag == f"{{{SVG_NS}}}g")
    for n, (left, top, width, height) in enumerate(clips):
        children = list(body)
        begin_fill, end_fill = f"#fe00{n:02x}", f"#fe01{n:02x}"
        starts = [i for i, c in enumerate(children) if c.get("fill") == begin_fill]
        ends = [i for i, c in enumerate(children) if c.get("fill") == end_fill]
        if not starts or not ends:
            raise RuntimeError(f"SVG clip marker {n} not found: cannot clip the map frame")
        start, end = starts[0], ends[0]
        clip = ET.SubElement(defs, f"{{{SVG_NS}}}clipPath", id=f"frame{n}")
        ET.SubElement(clip, f"{{{SVG_NS}}}rect", x=f"{left:g}", y=f"{top:g}", width=f"{width:g}", height=f"{height:g}")
        wrapper = ET.Element(f"{{{SVG_NS}}}g", {"clip-path": f"url(#frame{n})"})
        for child in children[start + 1 : end]:
            body.remove(child)
            wrapper.append(child)
        body.remove(children[start])
        body.remove(children[end])
        body.insert(start, wrapper)
    tree.write(path, encoding="UTF-8", xml_declaration=True)
