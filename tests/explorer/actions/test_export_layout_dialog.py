"""The export dialog edits the print layout: title, subtitle, legend entries, inset, extent."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from explorer.actions.export_dialog import ExportDialog
from layers.page.export_map import export_map
from layers.page.extent import resolve_extent
from layers.page.layout_spec import LayoutSpec, LegendItem, load_layout


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return arr[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def _preview(qtbot, dialog, change=None) -> QImage:
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        if change is not None:
            change()
    return dialog.preview_image.copy()


def _export(qtbot, dialog, path) -> QImage:
    with qtbot.waitSignal(dialog.exported, timeout=120000):
        dialog.start_export(str(path))
    return QImage(str(path))


@pytest.fixture
def dialog(qtbot, document):
    dialog = ExportDialog(document)
    qtbot.addWidget(dialog)
    dialog.dpi.setValue(72)
    yield dialog
    dialog.reject()


def test_changing_the_title_changes_the_preview_and_the_exported_png(qtbot, dialog, tmp_path):
    before = _preview(qtbot, dialog)
    first = _export(qtbot, dialog, tmp_path / "a.png")
    after = _preview(qtbot, dialog, lambda: dialog.title.setText("大足区重点项目分布图"))
    second = _export(qtbot, dialog, tmp_path / "b.png")
    title_top, title_bottom = 0, round(dialog.last_result.layout.map_frame[1])
    for old, new, top in ((before, after, round(title_bottom * before.height() / first.height())),
                          (first, second, title_bottom)):
        diff = np.abs(_pixels(old) - _pixels(new)).max(axis=-1) > 40
        assert diff[title_top:top].sum() > 200  # the title's glyphs moved
        assert diff[top:].mean() < 0.01  # the map and the furniture stayed
    direct = tmp_path / "direct.png"
    export_map(dialog.document, direct, preset="a4-landscape", dpi=72, title="大足区重点项目分布图", subtitle="")
    assert second == QImage(str(direct))  # the page the engine prints for that title, pixel for pixel


def test_fit_to_dazu_exports_that_extent(qtbot, dialog, document, tmp_path):
    _preview(qtbot, dialog, lambda: dialog.extent_chooser.choose_district("500111"))
    assert dialog.layout_spec().extent == "district:500111"
    _export(qtbot, dialog, tmp_path / "dazu.png")
    shown, wanted = dialog.last_result.extent, resolve_extent(document, "district:大足区")
    assert shown[0] <= wanted[0] + 0.01 and shown[1] <= wanted[1] + 0.01  # metres: float rounding only
    assert shown[2] >= wanted[2] - 0.01 and shown[3] >= wanted[3] - 0.01
    assert min(shown[2] - shown[0] - (wanted[2] - wanted[0]), shown[3] - shown[1] - (wanted[3] - wanted[1])) < 1
    whole = resolve_extent(document, None)
    assert (shown[2] - shown[0]) < (whole[2] - whole[0]) / 10  # a district, not the circle
    assert dialog.last_result.layout.inset is not None  # zoomed in: the automatic inset shows


def test_legend_entries_can_be_hidden_renamed_and_reordered(qtbot, dialog, tmp_path):
    _preview(qtbot, dialog)
    assert dialog.legend.row("projects", "transport") is not None
    dialog.legend.row("projects", "transport").setCheckState(0, Qt.CheckState.Unchecked)
    _preview(qtbot, dialog, lambda: dialog.legend.row("projects", "ecology").setText(1, "生态项目"))
    status = dialog.legend.row("status", "planned")
    dialog.legend.tree.setCurrentItem(status)
    _preview(qtbot, dialog, lambda: [dialog.legend.move_current(-1) for _ in range(20)])
    spec = dialog.layout_spec()
    assert spec.legend[0] == LegendItem("status", "planned")
    assert LegendItem("projects", "transport", shown=False) in spec.legend
    assert LegendItem("projects", "ecology", "生态项目") in spec.legend
    dialog.format.setCurrentIndex(dialog.format.findData("svg"))
    _export(qtbot, dialog, tmp_path / "m.svg")
    printed = [(e.layer, e.key, e.label_zh) for e in dialog.last_result.legend]
    assert printed[0][:2] == ("status", "planned") and ("projects", "ecology", "生态项目") in printed
    assert ("projects", "transport") not in [p[:2] for p in printed]
    assert "生态项目" in (tmp_path / "m.svg").read_text(encoding="utf-8")


def test_subtitle_inset_and_layout_files(qtbot, dialog, tmp_path):
    dialog.subtitle.setText("第二行说明")
    dialog.inset.setCurrentIndex(dialog.inset.findData(False))
    dialog.extent_chooser.choose_district("500111")
    dialog.save_layout(str(tmp_path / "layout.json"))
    spec = load_layout(tmp_path / "layout.json")
    assert (spec.subtitle, spec.inset, spec.extent, spec.dpi) == ("第二行说明", False, "district:500111", 72)
    _export(qtbot, dialog, tmp_path / "p.png")
    assert dialog.last_result.layout.inset is None  # the inset was switched off
    other = ExportDialog(dialog.document)
    qtbot.addWidget(other)
    assert other.open_layout(str(tmp_path / "layout.json"))
    assert other.layout_spec() == spec
    (tmp_path / "bad.json").write_text('{"preset": "letter"}', encoding="utf-8")
    assert not other.open_layout(str(tmp_path / "bad.json")) and "letter" in other.message.text()
    other.reject()


def test_selection_extent_is_offered_only_with_a_selection(qtbot, document):
    plain = ExportDialog(document)
    qtbot.addWidget(plain)
    assert not plain.extent_chooser.kind.model().item(1).isEnabled()
    plain.reject()
    document.set_selection({"projects": ["t-rail"]})
    chosen = ExportDialog(document, layout=LayoutSpec(extent="selection"))
    qtbot.addWidget(chosen)
    assert chosen.layout_spec().extent == "selection"
    with qtbot.waitSignal(chosen.preview_ready, timeout=60000):
        pass
    chosen.reject()


def test_the_window_keeps_the_layout_in_its_project(qtbot, window, tmp_path):
    dialog = window.open_export_dialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        dialog.title.setText("项目里的版式")
    dialog.reject()
    path = window.data_actions.save_project(tmp_path / "p.cyproj")
    window.print_layout = None
    job = window.data_actions.open_project(path)
    with qtbot.waitSignal(window.data_actions.project_loaded, timeout=60000):
        pass
    assert job is not None and window.print_layout.title == "项目里的版式"
    again = window.open_export_dialog()
    qtbot.addWidget(again)
    assert again.title.text() == "项目里的版式"
    again.reject()
