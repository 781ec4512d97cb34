"""Exports of maps styled by attribute: each category's colour is on the map, the legend
lists each category (PNG legend rows, SVG and PDF text), graduated classes in order."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from layers.model.classify import STATUS_COLOURS, categorized_style, graduated_style
from layers.model.document import MapDocument
from layers.page.export_map import export_map
from tests.conftest import require_tool

WORDS = {"planned": "规划", "under_construction": "在建", "operating": "建成/运营"}


@pytest.fixture(scope="module")
def status_doc():
    doc = MapDocument.from_bundle(names=["districts", "projects"])
    projects = doc.layer("projects")
    doc.set_style("projects", categorized_style(projects.style, projects.data, "point", "status",
                                                words=("状态", "Status")))
    return doc


def _pixels(path):
    from PySide6.QtGui import QImage

    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()  # the QImage goes away


def _count(pixels, colour: str) -> int:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int(np.all(np.abs(pixels.astype(int) - rgb) <= 2, axis=-1).sum())


def test_png_of_projects_by_status_has_each_category_colour_and_a_legend_row_each(tmp_path, status_doc):
    result = export_map(status_doc, tmp_path / "status.png", preset="a4-landscape", dpi=200)
    left, top, width, height = result.layout.map_frame
    pixels = _pixels(result.path)
    frame = pixels[round(top):round(top + height), round(left):round(left + width)]
    lx, ly, lw, lh = result.layout.legend
    legend = pixels[round(ly):round(ly + lh), round(lx):round(lx + lw)]
    rows = [e for e in result.legend if e.layer == "projects"]
    assert [e.key for e in rows] == ["planned", "under_construction", "operating"]
    assert [e.label_zh for e in rows] == [WORDS[k] for k in ("planned", "under_construction", "operating")]
    assert sum(e.count for e in rows) == len(status_doc.layer("projects").data)
    assert not [e for e in result.legend if e.layer == "status"]  # categories listed as they are, not folded
    for key, colour in STATUS_COLOURS.items():
        assert _count(frame, colour) > 50, key  # symbols of each status on the map
        assert _count(legend, colour) > 5, key  # and its swatch in the legend


def test_svg_and_pdf_legends_name_each_category(tmp_path, status_doc):
    svg = export_map(status_doc, tmp_path / "status.svg", preset="a4-landscape", dpi=72).path
    root = ET.parse(svg).getroot()
    texts = "".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert all(word in texts for word in WORDS.values())
    assert "重点项目（状态）" in texts  # the heading names the field the colours stand for
    fills = {(e.get("fill") or "").lower() for e in root.iter()}
    assert set(STATUS_COLOURS.values()) <= fills
    pdftotext = require_tool("pdftotext")
    pdf = export_map(status_doc, tmp_path / "status.pdf", preset="a4-landscape").path
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert all(word in text for word in WORDS.values())


def test_graduated_districts_legend_lists_classes_in_order_with_their_ramp_colours(tmp_path):
    doc = MapDocument.from_bundle(names=["districts"])
    districts = doc.layer("districts")
    style = graduated_style(districts.style, districts.data, "polygon", "area_km2", 4, "quantile", "blues")
    doc.set_style("districts", style)
    result = export_map(doc, tmp_path / "area.png", preset="a4-landscape", dpi=60,
                        extent=(102.0, 27.5, 110.5, 33.0))
    rows = [e for e in result.legend if e.layer == "districts" and e.key != "focus"]
    assert [e.key for e in rows] == ["0", "1", "2", "3"]
    assert rows[0].layer_title_zh == "区县（area_km2）"  # no words given: the field's own name
    assert [e.style.fill for e in rows] == [c.style.fill for c in style.classes.values()]
    assert [e.label_zh for e in rows] == [c.label_zh for c in style.classes.values()]
    pixels = _pixels(result.path)
    for c in style.classes.values():
        assert _count(pixels, c.style.fill) > 100
