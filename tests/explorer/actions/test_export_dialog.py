"""Export dialog: a live preview of the page, and files that reopen."""
from __future__ import annotations

import re
import subprocess

import pytest
from PySide6.QtGui import QImage

from explorer.actions.export_dialog import PREVIEW_WIDTH, PRESET_NAMES, ExportDialog, formats
from tests.conftest import require_tool


def _page_size(document, preset: str) -> tuple[int, int]:
    """The page the export engine lays out for `preset` at the preview's DPI."""
    from layers.page.layout_geometry import preset as get_preset
    from layers.page.page_plan import plan_page

    p = get_preset(preset)
    layout = plan_page(document, preset=preset, dpi=PREVIEW_WIDTH / (max(p.width_mm, p.height_mm) / 25.4)).layout
    return layout.width_px, layout.height_px


def test_preview_shows_the_page_of_the_chosen_preset(qtbot, window):
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        pass
    landscape = dialog.preview_image
    assert (landscape.width(), landscape.height()) == _page_size(window.document, "a4-landscape") == (560, 396)
    assert landscape.pixelColor(2, 2).name() == "#ffffff"  # the paper's margin
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        dialog.preset.setCurrentIndex(dialog.preset.findData("a4-portrait"))
    assert (dialog.preview_image.width(), dialog.preview_image.height()) == _page_size(window.document, "a4-portrait")
    assert dialog.preview_image.height() > dialog.preview_image.width()
    dialog.reject()


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_export_writes_a_file_that_reopens(qtbot, document, tmp_path, fmt):
    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.dpi.setValue(72)
    out = tmp_path / f"map.{fmt}"
    with qtbot.waitSignal(dialog.exported, timeout=120000) as blocker:
        dialog.start_export(str(out))
    assert blocker.args == [str(out)]
    data = out.read_bytes()
    if fmt == "png":  # the engine's own page for the dialog's choices, pixel for pixel
        from layers.page.export_map import export_map

        image = QImage(str(out))
        assert (image.width(), image.height()) == (842, 595)  # A4 landscape at 72 dpi
        export_map(document, tmp_path / "direct.png", preset="a4-landscape", dpi=72, title=dialog.title.text())
        assert image == QImage(str(tmp_path / "direct.png"))
        assert (tmp_path / "map.pgw").exists()
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
        text = subprocess.run([require_tool("pdftotext"), str(out), "-"], capture_output=True, text=True).stdout
        assert text.splitlines()[0] == "成渝地区双城经济圈"  # the dialog's default title heads the page
    else:
        assert re.search(r'viewBox="0 0 842 595"', data[:2000].decode()) and b"<title>\xe6\x88\x90" in data[:2000]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    dialog.reject()


def test_every_export_format_is_offered():
    assert formats() == ["png", "svg", "pdf", "html"]


def test_every_layout_preset_of_the_engine_is_named_in_both_languages():
    from layers.page.layout_geometry import PRESETS

    assert set(PRESET_NAMES) == set(PRESETS)


def test_html_export_goes_through_the_web_map_dialog_and_writes_a_page(qtbot, document, tmp_path):
    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    assert dialog.save_button.text() == "网页地图选项…"
    assert "底图" in dialog.message.text()
    out = tmp_path / "map.html"
    with qtbot.waitSignal(dialog.exported, timeout=120000):
        dialog.start_export(str(out))
    web = dialog.web_dialog
    qtbot.addWidget(web)
    assert web.basemap.currentData() == "osm"  # the basemap is the web dialog's choice
    text = out.read_text(encoding="utf-8")
    assert "leaflet" in text.lower()
    assert "测试生态项目" in text or "\\u6d4b\\u8bd5\\u751f\\u6001" in text  # the name, raw or JSON-escaped
    dialog.reject()
    web.reject()


def test_choosing_html_in_the_window_opens_its_web_map_dialog_with_the_title(qtbot, window):
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    dialog.title.setText("大足区重点项目")
    dialog.choose_and_export()  # no file dialog for HTML: the web-map dialog asks for the basemap first
    web = window.web_export.dialog
    assert web is dialog.web_dialog and web.isVisible()
    assert web.title.text() == "大足区重点项目"
    assert not dialog.isVisible()
    web.reject()


def test_cancelled_export_leaves_no_file(qtbot, document, tmp_path):
    import threading

    from explorer.jobs import Job

    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    dialog.dpi.setValue(300)
    out = tmp_path / "big.png"
    gate = threading.Event()
    Job(lambda feedback: gate.wait(10), "map").start()  # keeps the map lane busy: the export is still queued
    with qtbot.waitSignal(dialog.failed, timeout=60000) as blocker:
        dialog.start_export(str(out))
        assert dialog.cancel_button.isVisible() or not dialog.isVisible()
        dialog.cancel_export()
        gate.set()
    assert blocker.args == ["cancelled"]
    assert not out.exists() and not list(tmp_path.iterdir())
    assert "未写入" in dialog.message.text()
    dialog.reject()


def test_layout_presets_are_named_in_the_ui_language(qtbot, document):
    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    names = [dialog.preset.itemText(i) for i in range(dialog.preset.count())]
    assert "A4 横向" in names and all(not n.startswith("a4-") for n in names)
    assert dialog.preset.currentData() == "a4-landscape"
    dialog.reject()


def test_preview_is_the_page_the_export_writes(qtbot, document, tmp_path):
    """Same preset, title and DPI: the preview and the exported PNG are the same picture."""
    from explorer.actions.export_dialog import PREVIEW_WIDTH
    from layers.page.export_map import export_map

    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        dialog.preset.setCurrentIndex(dialog.preset.findData("a4-portrait"))
    preview = dialog.preview_image.convertToFormat(QImage.Format.Format_RGB32)
    dpi = PREVIEW_WIDTH / (297 / 25.4)
    out = tmp_path / "same.png"
    export_map(document, out, preset="a4-portrait", dpi=dpi, title=dialog.title.text() or None)
    exported = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB32)
    assert (exported.width(), exported.height()) == (preview.width(), preview.height())
    differing = sum(1 for y in range(0, preview.height(), 3) for x in range(0, preview.width(), 3)
                    if preview.pixel(x, y) != exported.pixel(x, y))
    sampled = (preview.height() // 3 + 1) * (preview.width() // 3 + 1)
    assert differing / sampled < 0.02, f"{differing} of {sampled} sampled pixels differ"
    dialog.reject()
