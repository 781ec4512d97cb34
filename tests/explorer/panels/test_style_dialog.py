"""The layer Properties (样式) dialog: renderer, field, classes, entries and labels reach the
document, the map and the panel's legend at once, and can be undone."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from layers.model.classify import STATUS_COLOURS
from tests.explorer.helpers import pixel_of, rerender


def _select(panel, name: str) -> None:
    for i in range(panel.list.count()):
        if panel.list.item(i).data(Qt.ItemDataRole.UserRole) == name:
            panel.list.setCurrentRow(i)
            return
    raise AssertionError(name)


def _colour_at(canvas, feature_id: str) -> str:
    point = pixel_of(canvas, "projects", feature_id)
    image = canvas.current_image()
    dpr = image.devicePixelRatio()
    return QColor(image.pixel(round(point.x() * dpr), round(point.y() * dpr))).name()


@pytest.fixture
def dialog(window, qtbot):
    _select(window.layer_panel, "projects")
    window.layer_dock.raise_()
    dlg = window.layer_panel.open_style_dialog()
    qtbot.addWidget(dlg)
    return dlg


def test_categorized_by_status_colours_the_map_and_lists_each_category(window, dialog):
    doc, canvas = window.document, window.canvas
    fields = [dialog.field.itemText(i) for i in range(dialog.field.count())]
    assert "状态" in fields and "status" not in fields  # Chinese field names, the raw one in the tooltip
    dialog.choose("categorized", "status")
    style = doc.layer("projects").style
    assert style.renderer == "categorized" and style.attribute == "status"
    assert style.legend_titles("重点项目", "Projects") == ("重点项目（状态）", "Projects (Status)")
    rows = [dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())]
    assert rows == ["规划", "在建", "建成/运营"]
    assert sum(int(dialog.table.item(r, 3).text()) for r in range(dialog.table.rowCount())) == 4
    window.zoom_to_layer("projects")
    rerender(canvas)
    assert _colour_at(canvas, "t-rail") == STATUS_COLOURS["under_construction"]
    assert _colour_at(canvas, "t-park") == STATUS_COLOURS["planned"]
    legend = [window.layer_panel.legend.item(i).text() for i in range(window.layer_panel.legend.count())]
    assert legend == ["规划（2）", "在建（1）", "建成/运营（1）"]


def test_an_entrys_colour_and_label_are_edited_and_undone(window, dialog, qtbot):
    doc, canvas = window.document, window.canvas
    dialog.choose("categorized", "status")
    row = next(r for r in range(dialog.table.rowCount()) if dialog.entry_key(r) == "under_construction")
    dialog.set_entry_colour(row, "#ff00ff")
    dialog.table.item(row, 2).setText("施工中")  # as typing in the cell
    qtbot.waitUntil(lambda: doc.layer("projects").style.classes["under_construction"].label_zh == "施工中")
    cls = doc.layer("projects").style.classes["under_construction"]
    assert cls.style.fill == "#ff00ff" and cls.label_zh == "施工中" and cls.label_en == "Under construction"
    window.zoom_to_layer("projects")
    rerender(canvas)
    assert _colour_at(canvas, "t-rail") == "#ff00ff"
    assert "施工中（1）" in [window.layer_panel.legend.item(i).text() for i in range(window.layer_panel.legend.count())]
    window.history.undo.trigger()  # the label
    window.history.undo.trigger()  # the colour
    rerender(canvas)
    assert _colour_at(canvas, "t-rail") == STATUS_COLOURS["under_construction"]
    assert dialog.table.item(row, 2).text() == "在建"  # the dialog follows the undo


def test_graduated_by_year_in_classes_and_back_to_the_layers_own_symbols(window, dialog):
    doc = window.document
    before = doc.layer("projects").style
    dialog.choose("graduated", "year", classes=3, method="equal_interval", palette="blues")
    style = doc.layer("projects").style
    assert style.breaks == (2021.0, 2023.0, 2025.0, 2027.0)
    assert dialog.table.rowCount() == 3 and dialog.classes.value() == 3
    assert [int(dialog.table.item(r, 3).text()) for r in range(3)] == [2, 1, 1]  # 2021, 2023 | 2025 | 2027
    dialog.choose("graduated", "year", classes=3, method="quantile")
    assert doc.layer("projects").style.method == "quantile"
    dialog.choose("single")
    assert doc.layer("projects").style == before


def test_labels_tab_turns_labels_on_and_sets_size_colour_and_halo(window, dialog):
    doc = window.document
    tab = dialog.label_tab
    assert not tab.show_labels.isChecked()
    tab.show_labels.setChecked(True)
    assert doc.layer("projects").show_labels
    tab.size.setValue(12)
    tab.halo.setChecked(False)
    labels = doc.layer("projects").labels
    assert labels.size_pt == 12 and not labels.halo and not tab.halo_colour.isEnabled()
    names = [tab.field.itemText(i) for i in range(tab.field.count())]
    assert "名称" in names and "英文名称" in names
    tab.field.setCurrentIndex(tab.field.findData("name_en"))
    assert doc.layer("projects").label_field == "name_en"
    window.canvas.schedule_render(immediate=True)
    assert window.canvas.wait_idle()
    texts = {label.text for label in window.canvas.last_result.labels}
    assert "Test rail project" in texts
    tab.reset.click()
    assert doc.layer("projects").labels.is_default


def test_dialog_speaks_english_and_closes_when_its_layer_goes(window, dialog):
    window.set_language("en")
    assert dialog.tabs.tabText(1) == "Labels" and dialog.windowTitle() == "Layer properties — Projects"
    assert dialog.renderer.itemText(1) == "Categorized (by value)"
    window.document.remove_layer("projects")
    assert not dialog.isVisible()


def test_a_graduated_range_typed_in_the_table_moves_the_breaks(window, dialog, qtbot):
    doc = window.document
    dialog.choose("graduated", "year", classes=3, method="equal_interval")
    dialog.table.item(0, 1).setText("2021 – 2022")  # as typing in the cell
    qtbot.waitUntil(lambda: doc.layer("projects").style.breaks[1] == 2022.0)
    assert doc.layer("projects").style.breaks == (2021.0, 2022.0, 2025.0, 2027.0)
    assert [int(dialog.table.item(r, 3).text()) for r in range(3)] == [1, 2, 1]
    assert dialog.table.item(1, 2).text() == "2022 – 2025"  # the neighbour's label follows its new range
    assert not dialog.set_entry_range(1, "2030-2031")
    assert doc.layer("projects").style.breaks == (2021.0, 2022.0, 2025.0, 2027.0)  # out of order: refused


@pytest.fixture(autouse=True)
def _no_message_boxes(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))


def test_the_panels_legend_follows_its_own_colour_edit(window, dialog):
    panel = window.layer_panel
    dialog.choose("single")
    def greens():
        icon = panel.legend.item(0).icon().pixmap(30, 16).toImage()
        pixels = [icon.pixelColor(x, y) for x in range(30) for y in range(16)]
        return sum(1 for c in pixels if c.alpha() == 255 and c.green() == 255 and c.red() < 128 and c.blue() < 128)

    assert greens() == 0
    panel.set_colour("#00ff00")  # hollow planned symbols take it as their outline
    assert greens() > 3


def test_graduated_offers_quantities_not_codes(window, qtbot):
    _select(window.layer_panel, "districts")
    dlg = window.layer_panel.open_style_dialog()
    qtbot.addWidget(dlg)
    dlg.choose("graduated", "area_km2")
    offered = [dlg.field.itemData(i) for i in range(dlg.field.count())]
    assert "area_km2" in offered and not [f for f in offered if "adcode" in f]
    assert dlg.field.currentText() == "面积 (km²)"
