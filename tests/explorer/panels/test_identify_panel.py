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
    from geodata.coords.projection import display_to_lonlat
    import shapely

    lon, lat = display_to_lonlat(x, y)
    district = window.document.layer("districts").data
    inside = district[district.contains(shapely.Point(lon, lat))]
    assert window.identify.shown_value("name_zh") == inside["name_zh"].iloc[0]


def test_identify_speaks_the_ui_language(window, qtbot):
    window.identify.show_feature("projects", 1)  # t-park: industry, innovation; planned
    assert window.identify.shown_value("themes") == "产业协作、科技创新"
    assert window.identify.shown_value("status") == "规划"
    labels = [window.identify.table.item(i, 0).text() for i in range(window.identify.table.rowCount())]
    assert "专题" in labels and "名称" in labels
    window.set_language("en")
    assert window.identify.shown_value("themes") == "Industry, Innovation"
    assert window.identify.shown_value("status") == "Planned"


def test_a_long_feature_name_does_not_widen_the_panel(qtbot, document):
    from explorer.panels.identify_panel import IdentifyPanel

    panel = IdentifyPanel(document)
    qtbot.addWidget(panel)
    panel.chooser.addItem("重点项目: " + "成渝中线香山大道四线中桥" * 6)  # before the chooser is first shown
    panel.chooser.setVisible(True)  # as when a click finds several features
    panel.show()
    assert panel.sizeHint().width() <= 320  # the dock follows its content's size hint


def test_long_english_field_names_leave_the_values_most_of_the_width(window):
    window.set_language("en")
    panel = window.identify
    panel.show_feature("projects", 0)
    table = panel.table
    assert table.columnWidth(0) <= round(table.viewport().width() * 0.36) + 1
    assert table.columnWidth(1) > table.columnWidth(0)


def test_coded_values_read_as_words_like_the_web_popups_and_blanks_stay_empty(window):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import LineString

    from layers.model.document import MapLayer

    lines = gpd.GeoDataFrame({
        "id": ["r1"], "name_zh": ["测试高铁"], "kind": ["high_speed"], "status": ["under_construction"],
        "themes": ["transport,ecology"], "geometry_quality": ["schematic"], "control_points": ['["大足", "荣昌"]'],
        "year": pd.array([pd.NA], dtype="Int64"), "doc_year": [2023.0], "note": [None]},
        geometry=[LineString([(105.7, 29.7), (105.4, 29.4)])], crs=4326)
    window.document.add_layer(MapLayer(name="lines", data=lines, title_zh="测试线路", title_en="Test lines"))
    panel = window.identify
    panel.show_feature("lines", 0)
    shown = {field: panel.shown_value(field) for field in lines.columns if field != "geometry"}
    assert shown == {"id": "r1", "name_zh": "测试高铁", "kind": "高速铁路", "status": "在建", "themes": "交通、生态环保",
                     "geometry_quality": "示意", "control_points": "大足 → 荣昌", "year": "", "doc_year": "2023",
                     "note": ""}
    window.set_language("en")
    assert panel.shown_value("kind") == "High-speed rail" and panel.shown_value("themes") == "Transport, Ecology"
    assert panel.title.text() == "<b>测试高铁</b> — Test lines"  # no English name: the Chinese one


def _label_of(panel, field):
    from explorer.panels.identify_panel import FIELD_ROLE

    for i in range(panel.table.rowCount()):
        if panel.table.item(i, 0).data(FIELD_ROLE) == field:
            return panel.table.item(i, 0).text()
    return None


def test_a_project_line_shows_its_status_and_year_fields_by_name_and_in_words(qtbot):
    from explorer import i18n
    from explorer.panels.identify_panel import IdentifyPanel
    from layers.model.document import MapDocument

    doc = MapDocument.from_bundle(names=["project_lines"])
    data = doc.layer("project_lines").data
    row = int((data["year_kind"] == "opening").to_numpy().argmax())
    assert data["year_kind"].iloc[row] == "opening"
    panel = IdentifyPanel(doc)
    qtbot.addWidget(panel)
    panel.show_feature("project_lines", row)
    labels = {f: _label_of(panel, f) for f in ("status_basis", "status_mode", "year", "year_kind", "doc_year")}
    assert labels == {"status_basis": "状态依据（原文用词）", "status_mode": "状态语气", "year": "年份",
                      "year_kind": "年份类型", "doc_year": "文件年份"}
    assert panel.shown_value("year_kind") == "建成/投用年份"
    assert panel.shown_value("status_mode") == {"reported": "据报道", "target": "目标"}[data["status_mode"].iloc[row]]
    assert panel.shown_value("doc_year") == str(int(data["doc_year"].iloc[row]))
    i18n.set_language("en")
    assert _label_of(panel, "year_kind") == "Year kind" and _label_of(panel, "status_basis").startswith("Status basis")
    assert panel.shown_value("year_kind") == "Opened, completed or put into use"


def test_the_drop_down_of_an_earlier_click_does_not_stay(window, qtbot):
    from explorer.panels.search_box import search

    panel = window.identify
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel_of(window.canvas, "projects", "t-rail"))
    assert panel.chooser.isVisibleTo(panel) and panel.chooser.count() >= 2  # the point and its district
    window.go_to_result(search(window.document, "成都")[0])  # shown another way: the search
    assert panel.current[0] != "projects"
    assert not panel.chooser.isVisibleTo(panel) and panel.chooser.count() == 0
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pixel_of(window.canvas, "projects", "t-rail"))
    assert panel.chooser.count() >= 2
    panel.chooser.setCurrentIndex(1)  # choosing in the drop-down keeps it
    assert panel.chooser.isVisibleTo(panel) and panel.current == (panel.hits[1].layer, panel.hits[1].row)
    window.document.remove_layer("projects")  # the listed features are gone
    assert panel.chooser.count() == 0 and not panel.chooser.isVisibleTo(panel) and panel.current is None
