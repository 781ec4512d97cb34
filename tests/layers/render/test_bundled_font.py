"""The bundled CJK font: ideographs present, radicals not mapped (PDF text must read 大足, not ⼤⾜)."""
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parents[3] / "resources" / "fonts"


@pytest.mark.parametrize("style", ["Regular", "Bold"])
def test_font_maps_ideographs_but_not_radicals(style):
    cmap = TTFont(FONTS / f"NotoSansCJKsc-{style}.otf").getBestCmap()
    assert all(ord(ch) in cmap for ch in "成渝地区双城经济圈大足濑溪河")
    assert not any(0x2E80 <= cp <= 0x2FDF for cp in cmap)


def test_exported_pdf_text_extracts_as_unified_ideographs(tmp_path):
    import subprocess

    from PySide6.QtCore import QMarginsF, QPointF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

    from layers.render.fonts import cjk_family
    from tests.conftest import require_tool

    pdftotext = require_tool("pdftotext")
    out = tmp_path / "t.pdf"
    writer = QPdfWriter(str(out))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A6), QPageLayout.Orientation.Portrait, QMarginsF()))
    painter = QPainter(writer)
    painter.setFont(QFont(cjk_family(), 12))
    painter.drawText(QPointF(100, 300), "大足石刻")
    painter.end()
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "大足石刻" in text
