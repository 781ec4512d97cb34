"""What a planner sees on opening: the map is the largest part, docks stay narrow, the
toolbar speaks through icons and tooltips, and an old saved layout does not come back."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMainWindow

from explorer import i18n
from explorer.main_window import MainWindow


@pytest.fixture
def full_window(qtbot, document, settings):
    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    win.resize(1504, 920)  # the default on a 1600×1000 screen
    win.show()
    qtbot.waitExposed(win)
    assert win.canvas.wait_idle()
    yield win
    win.canvas.shutdown()


def _docks_on(win, area):
    return [d for d in win.findChildren(type(win.filter_dock)) if win.dockWidgetArea(d) == area and d.isVisible()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_map_is_wider_than_both_side_docks_together(full_window, qtbot, lang):
    i18n.set_language(lang)
    qtbot.waitUntil(lambda: full_window.canvas.width() > 0)
    canvas = full_window.canvas
    left = max(d.width() for d in _docks_on(full_window, Qt.DockWidgetArea.LeftDockWidgetArea))
    right = max(d.width() for d in _docks_on(full_window, Qt.DockWidgetArea.RightDockWidgetArea))
    assert left <= 320 and right <= 320
    assert canvas.width() > left + right
    assert canvas.width() * canvas.height() > 0.45 * full_window.width() * full_window.height()
    assert full_window.table_dock.height() < canvas.height() / 2


def test_identify_and_field_check_share_one_narrow_tabbed_dock(full_window):
    field = next(d for d in full_window.findChildren(type(full_window.identify_dock)) if d.objectName() == "dock_field_check")
    assert field in full_window.tabifiedDockWidgets(full_window.identify_dock)
    for lang in ("zh", "en"):
        i18n.set_language(lang)
        assert field.widget().minimumSizeHint().width() <= 300, lang  # its table scrolls instead


def test_toolbar_buttons_have_icons_and_tooltips_with_shortcuts(full_window):
    actions = [a for a in full_window.toolbar.actions() if not a.isSeparator() and a.text()]
    assert [a.text() for a in actions] == ["全图", "放大", "缩小", "上一视图", "下一视图", "平移/识别", "测量距离", "测量面积", "导出地图…",
                                           "导出网页地图…", "属性表"]
    for action in actions:
        assert not action.icon().isNull(), action.text()
        assert action.toolTip(), action.text()
    zoom_in = full_window._actions["act.zoom_in"]
    keys = zoom_in.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    assert keys and zoom_in.toolTip() == f"放大（{keys}）"
    assert full_window._actions["act.pan"].toolTip() == "拖动平移地图，单击要素查看属性"
    assert full_window._actions["act.export"].toolTip().startswith("导出地图为 PNG、SVG、PDF（带图例、比例尺）（")
    i18n.set_language("en")
    assert zoom_in.toolTip() == f"Zoom in ({keys})"
    assert full_window._actions["act.pan"].toolTip() == "Drag to pan, click a feature to see its attributes"
    assert full_window.web_export.action in actions
    assert full_window.web_export.action.toolTip().startswith("Export an interactive web map")


def test_the_table_folds_away_and_the_map_takes_its_room(full_window, qtbot):
    table = full_window.table_dock.toggleViewAction()
    assert table in full_window.toolbar.actions() and table.isChecked()
    before = full_window.canvas.height()
    table.trigger()
    qtbot.waitUntil(lambda: full_window.canvas.height() > before)
    assert not full_window.table_dock.isVisible()
    table.trigger()
    qtbot.waitUntil(lambda: full_window.table_dock.isVisible())


def test_a_layout_saved_by_the_older_arrangement_is_not_restored(qtbot, document, settings):
    old = QMainWindow()
    settings.setValue("version", 1)
    settings.setValue("state", QByteArray(old.saveState(1)))  # LAYOUT_VERSION 1: the wide docks
    win = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win)
    assert not win._layout_restored  # so showEvent lays out the narrow default
    win.canvas.shutdown()
    win.close()
    win2 = MainWindow(document=document, settings=settings)
    qtbot.addWidget(win2)
    assert win2._layout_restored  # what this version saved comes back
    win2.canvas.shutdown()


def test_the_arranged_docks_come_back_at_the_next_start(qtbot, document, settings):
    def open_window():
        win = MainWindow(document=document, settings=settings)
        qtbot.addWidget(win)
        win.resize(1504, 920)
        win.show()
        qtbot.waitExposed(win)
        return win

    win = open_window()
    win.resizeDocks([win.filter_dock], [260], Qt.Orientation.Horizontal)
    win.table_dock.hide()
    qtbot.waitUntil(lambda: abs(win.filter_dock.width() - 260) <= 2)
    win.canvas.shutdown()
    win.close()

    win2 = open_window()
    assert win2._layout_restored
    qtbot.waitUntil(lambda: abs(win2.filter_dock.width() - 260) <= 2)
    assert not win2.table_dock.isVisible()
    field = next(d for d in win2.findChildren(type(win2.identify_dock)) if d.objectName() == "dock_field_check")
    assert field in win2.tabifiedDockWidgets(win2.identify_dock)
    win2.canvas.shutdown()
