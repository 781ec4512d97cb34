"""Main window: its panels and feature actions, settings restored at the next start, language, bookmarks."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer import i18n
from explorer.main_window import MainWindow


def _open(qtbot, document, settings):
    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.canvas.wait_idle()
    return win


def test_the_window_builds_its_feature_actions_and_docks(window):
    file_menu = [a.text() for a in window.menu("file").actions()]
    assert file_menu == ["导入数据…", "图层另存为…", "", "打开项目…", "保存项目…", "", "导出地图…", "导出网页地图…", "",
                         "退出"]
    tools = [a.objectName() for a in window.menu("tools").actions()]
    assert tools[3:] == ["field_check.goto", "field_check.here", "field_check.check", "field_check.correct",
                         "field_check.undo", "field_check.store", "field_check.refresh"]
    assert [a.objectName() for a in window.menu("layer").actions()] == ["postgis_add_layer"]
    assert window.menu("layer").title() == "图层(&L)"
    assert window.field_check_panel.dock.widget() is window.field_check_panel
    assert window.web_export.action in window.toolbar.actions()
    assert window.data_actions.window is window


def test_view_filter_and_layout_come_back_at_the_next_start(qtbot, document, settings):
    from layers.model.filter import Filter

    win = _open(qtbot, document, settings)
    win.canvas.zoom_by(3.0)
    win.canvas.pan_by(50, 20)
    view = win.canvas.view
    win.document.set_filter(Filter(themes=["ecology"], year_min=2020))
    win.table_dock.hide()
    win.close()

    from tests.explorer.conftest import make_projects  # a fresh document, as at a new start
    from layers.model.document import MapDocument, MapLayer

    doc2 = MapDocument.from_bundle(names=["districts", "circle"])
    doc2.add_layer(MapLayer(name="projects", data=make_projects()))
    win2 = _open(qtbot, doc2, settings)
    assert win2.document.filter == Filter(themes=["ecology"], year_min=2020)
    assert (win2.canvas.view.cx, win2.canvas.view.cy) == pytest.approx((view.cx, view.cy))
    assert win2.canvas.view.resolution == pytest.approx(view.resolution)
    assert not win2.table_dock.isVisible()
    assert win2.filter_panel.theme_checks["ecology"].isChecked()
    assert not win2.filter_panel.theme_checks["transport"].isChecked()


def test_switching_language_changes_menus_panels_and_map_labels(window):
    assert window.menu("file").title().startswith("文件")
    window._actions["act.english"].trigger()
    assert i18n.language() == "en"
    assert window.menu("file").title() == "&File"
    assert window.layer_dock.windowTitle() == "Layers"
    assert window.document.language == "en"  # the renderer labels in English now
    assert window.filter_panel.theme_checks["transport"].text().startswith("Transport")
    assert window.settings.value("language") == "en"
    window._actions["act.chinese"].trigger()
    assert window.filter_panel.theme_checks["transport"].text().startswith("交通")


def test_bookmark_returns_to_a_saved_view(window):
    window.canvas.zoom_by(4.0, 100, 100)
    saved = window.canvas.view
    window.add_bookmark("大足")
    window.canvas.full_extent()
    assert window.canvas.view.resolution != pytest.approx(saved.resolution)
    window.go_to_bookmark("大足")
    assert (window.canvas.view.cx, window.canvas.view.cy, window.canvas.view.resolution) == pytest.approx(
        (saved.cx, saved.cy, saved.resolution))
    names = [a.text() for a in window._menus["bookmarks"].actions()]
    assert "大足" in names


def test_status_bar_shows_wgs84_decimal_dms_and_scale(window, qtbot):
    from geodata.coords.projection import display_to_lonlat

    qtbot.mouseMove(window.canvas, window.canvas.rect().center())
    x, y = window.canvas.view.to_map(window.canvas.rect().center().x(), window.canvas.rect().center().y())
    window.canvas.cursor_moved.emit(x, y)
    lon, lat = display_to_lonlat(x, y)
    text = window.coord_label.text()
    assert f"{lon:.5f}" in text and f"{lat:.5f}" in text and "°" in text and "″" in text
    assert window.scale_label.text().startswith("比例尺 1:")


def test_zoom_to_layer_fits_its_features(window):
    window.zoom_to_layer("projects")
    x0, y0, x1, y1 = window.canvas.view.extent()
    for x, y in window.document.layer("projects").cache.point_xy:
        assert x0 < x < x1 and y0 < y < y1


def test_set_bookmarks_replaces_them_and_rebuilds_the_menu(window):
    window.add_bookmark("旧书签")
    view = window.canvas.view.to_dict()
    window.set_bookmarks([{"name": "合川", **view}, {"name": "  ", **view}])
    assert [b["name"] for b in window.bookmarks()] == ["合川"]  # a nameless entry is dropped
    names = [a.text() for a in window._menus["bookmarks"].actions()]
    assert "合川" in names and "旧书签" not in names


def test_a_click_on_a_spread_symbol_identifies_that_point(window, qtbot):
    import geopandas as gpd
    from PySide6.QtCore import QPoint
    from shapely.geometry import Point

    from layers.model.document import MapLayer
    from tests.explorer.helpers import rerender

    where = window.document.layer("projects").data.geometry.iloc[0]
    sites = gpd.GeoDataFrame({"id": ["s-a", "s-b", "s-c"], "name_zh": ["甲", "乙", "丙"]},
                             geometry=[Point(where.x, where.y)] * 3, crs=4326)
    window.document.add_layer(MapLayer(name="sites", data=sites, label_field=None))
    window.canvas.labels = False
    rerender(window.canvas)
    drawn = {row: xy for (name, row), xy in window.canvas.last_result.point_positions.items() if name == "sites"}
    assert len(drawn) == 3 and len(set(drawn.values())) == 3  # spread apart, not stacked
    dpr = window.canvas.devicePixelRatioF()
    for row, (px, py) in drawn.items():
        with qtbot.waitSignal(window.canvas.clicked, timeout=5000):
            qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(px / dpr), round(py / dpr)))
        assert {k: list(v) for k, v in window.document.selection.items()} == {"sites": [sites["id"][row]]}
