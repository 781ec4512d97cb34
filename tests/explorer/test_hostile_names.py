"""Hostile layer, feature and field names are shown as the characters they are, everywhere in the window:
never drawn as markup (<b>, <img src=x>) and never turned around by a bidi override (U+202E)."""
from __future__ import annotations

import geopandas as gpd
import pytest
from PySide6.QtGui import Qt  # QtGui's Qt namespace has mightBeRichText
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox
from shapely.geometry import Point

from layers.model.document import MapLayer

NAME = "<b>粗体</b><img src=x>\u202e反转"
VISIBLE = "<b>粗体</b><img src=x>反转"  # what a person must read: the same characters, less the bidi mark
FIELD = "<i>字段</i>"


def reads(text: str, fmt=Qt.TextFormat.AutoText) -> str:
    """What a widget showing `text` in `fmt` puts on screen."""
    if fmt == Qt.TextFormat.PlainText or (fmt == Qt.TextFormat.AutoText and not Qt.mightBeRichText(text)):
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def label_reads(label: QLabel) -> str:
    return reads(label.text(), label.textFormat())


@pytest.fixture
def hostile(window):
    data = gpd.GeoDataFrame({"id": ["h1"], "name_zh": [NAME], "name_en": [NAME], FIELD: [NAME]},
                            geometry=[Point(105.72, 29.70)], crs=4326)
    window.document.add_layer(MapLayer(name="hostile", data=data, title_zh=NAME, title_en=NAME, source=NAME))
    return window


def test_identify_shows_names_fields_and_values_as_typed(hostile):
    panel = hostile.identify
    panel.show_feature("hostile", 0)
    assert VISIBLE in label_reads(panel.title) and "\u202e" not in panel.title.text()
    assert VISIBLE in label_reads(panel.source)
    row = next(i for i in range(panel.table.rowCount()) if panel.table.item(i, 0).text() == FIELD)
    assert reads(panel.table.item(row, 0).toolTip()) == FIELD  # a tooltip is always guessed: escaped
    assert panel.table.item(row, 1).text() == VISIBLE


def test_table_headers_cells_and_tooltips_read_as_typed(hostile):
    table = hostile.table
    table.set_layer("hostile")
    model = table.model
    col = model.columns.index(FIELD)
    assert model.headerData(col, Qt.Orientation.Horizontal) == FIELD  # a header paints plain text
    assert reads(model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)) == FIELD
    index = model.index(0, col)
    assert model.data(index) == VISIBLE
    assert reads(model.data(index, Qt.ItemDataRole.ToolTipRole)) == VISIBLE
    assert VISIBLE in [table.layer_combo.itemText(i) for i in range(table.layer_combo.count())]


def test_layer_list_tooltip_info_box_and_error_boxes_are_plain(hostile, qtbot, monkeypatch):
    panel = hostile.layer_panel
    items = [panel.list.item(i) for i in range(panel.list.count())]
    item = next(i for i in items if VISIBLE in i.text())
    assert item.text() == VISIBLE
    assert VISIBLE in reads(item.toolTip())
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.textFormat())) or 0)
    panel.list.setCurrentItem(item)
    panel.show_info()
    assert shown and VISIBLE in reads(*shown[0])
    actions = hostile.data_actions
    actions.show_error("错误", f"无法读取 {NAME}")
    box = next(b for b in hostile.findChildren(QMessageBox) if b.isVisible())
    assert box.textFormat() == Qt.TextFormat.PlainText and VISIBLE in box.text()
    box.close()


def test_the_identify_chooser_lists_the_name_without_its_bidi_mark(hostile):
    x, y = hostile.document.layer("hostile").cache.point_xy[0]
    hits = hostile.identify_at(x, y)
    assert len(hits) >= 2  # the point and the district under it: the chooser is shown
    labels = [hostile.identify.chooser.itemText(i) for i in range(hostile.identify.chooser.count())]
    assert any(text.endswith(f"{VISIBLE}: {VISIBLE}") for text in labels)
    assert not any("\u202e" in text for text in labels)


def test_the_checks_above_would_see_markup_that_was_parsed():
    assert reads(VISIBLE) != VISIBLE  # an unescaped name in a guessing widget loses its tags (and the image)
    assert reads(VISIBLE, Qt.TextFormat.PlainText) == VISIBLE


def test_an_error_naming_a_hostile_file_reads_as_typed_in_red(hostile):
    panel = hostile.field_check_panel
    panel._error(f"无法读取 {NAME}.csv")
    assert f"无法读取 {VISIBLE}.csv" in label_reads(panel.summary) and "color:#c00" in panel.summary.text()
