"""Clicking the map identifies the feature under the cursor and selects it everywhere."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.explorer.helpers import pixel_of


def test_click_on_a_project_shows_its_attributes_and_source_sentence(window, qtbot):
    pos = pixel_of(window.canvas, "projects", "t-eco")
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    panel = window.identify
    assert panel.current[0] == "projects"
    assert panel.shown_value("id") == "t-eco"
    assert panel.shown_value("name_zh") == "测试生态项目"
    assert "测试生态项目的测试句子" in panel.source.text()
    assert "000_test.txt" in panel.source.text() and "2023-01-08" in panel.source.text()
    # the same feature is selected in the document and in the table
    assert window.document.selection == {"projects": ("t-eco",)}
    assert window.table.layer_name == "projects"
    assert window.table.selected_ids() == ["t-eco"]


def test_click_beside_the_points_identifies_the_district(window, qtbot):
    pos = pixel_of(window.canvas, "projects", "t-rail") + QPoint(30, 0)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    assert window.identify.current[0] == "districts"
    x, y = window.canvas.view.to_map(pos.x(), pos.y())
    from layers.projection import display_to_lonlat
    import shapely

    lon, lat = display_to_lonlat(x, y)
    district = window.document.layer("districts").data
    inside = district[district.contains(shapely.Point(lon, lat))]
    assert window.identify.shown_value("name_zh") == inside["name_zh"].iloc[0]


def test_selecting_a_table_row_highlights_it_on_the_map(window, qtbot):
    from tests.explorer.helpers import patch, rerender

    window.canvas.labels = False
    rerender(window.canvas)
    pos = pixel_of(window.canvas, "projects", "t-park")
    before = window.canvas.current_image().copy()
    window.table.set_layer("projects")
    row = next(r for r in range(window.table.row_count()) if window.table.model.feature_id(r) == "t-park")
    window.table.view.selectRow(window.table.proxy.mapFromSource(window.table.model.index(row, 0)).row())
    assert window.document.selection == {"projects": ("t-park",)}
    rerender(window.canvas)
    assert patch(window.canvas.current_image(), pos, 10) != patch(before, pos, 10)
    window.document.set_selection({})
    rerender(window.canvas)
    assert patch(window.canvas.current_image(), pos, 10) == patch(before, pos, 10)


def test_copy_gives_tab_separated_rows_with_a_header(window, qtbot):
    from PySide6.QtGui import QGuiApplication

    window.table.set_layer("projects")
    window.table.view.selectRow(0)
    window.table.copy_selection()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:2] == ["id", "name_zh"]
    assert len(lines) == 2 and lines[1].split("\t")[0] == window.table.selected_ids()[0]


def test_identify_speaks_the_ui_language(window, qtbot):
    window.identify.show_feature("projects", 1)  # t-park: industry, innovation; planned
    assert window.identify.shown_value("themes") == "产业协作、科技创新"
    assert window.identify.shown_value("status") == "规划"
    labels = [window.identify.table.item(i, 0).text() for i in range(window.identify.table.rowCount())]
    assert "专题" in labels and "名称" in labels
    window.set_language("en")
    assert window.identify.shown_value("themes") == "Industry, Innovation"
    assert window.identify.shown_value("status") == "Planned"
