"""The 统计 / Statistics dock shows the map's numbers and follows the filter."""
from __future__ import annotations

from PySide6.QtGui import QColor

from explorer.panels.bar_chart import LEGEND_PX
from layers.model.filter import Filter
from layers.model.stats import SERIES


def _shown(window):
    panel = window.stats_panel
    panel.dock.show()
    panel.dock.raise_()
    return panel


def _cell(panel, row: int, column: int) -> str:
    return panel.table.item(row, column).text()


def _total_projects(panel) -> int:
    return int(_cell(panel, panel.table.rowCount() - 1, 1).replace(",", ""))


def test_panel_counts_what_the_filter_keeps_and_updates_on_filter_change(window, qtbot):
    panel = _shown(window)
    projects = window.document.layer("projects")
    assert panel.isVisible() and panel.grouping == "theme"
    assert _total_projects(panel) == 4 == int(window.document.filter.mask(projects).sum())
    assert panel.table.horizontalHeaderItem(0).text() == "专题" and panel.table.horizontalHeaderItem(1).text() == "重点项目"
    transport_row = next(r for r in range(panel.table.rowCount()) if _cell(panel, r, 0) == "交通")
    assert _cell(panel, transport_row, 1) == "2"

    window.filter_panel.theme_checks["transport"].click()  # untick 交通 in the filter panel
    assert "transport" not in window.document.filter.themes
    assert _total_projects(panel) == 2 == int(window.document.filter.mask(projects).sum())
    assert _cell(panel, transport_row, 1) == "0"
    assert "统计范围" in panel.scope.text() and "生态环保" in panel.scope.text()

    window.document.set_filter(Filter(statuses=["planned"]))
    assert _total_projects(panel) == 2  # t-park, t-road


def test_group_by_combo_regroups_the_same_features(window):
    panel = _shown(window)
    panel.set_grouping("year")
    labels = [_cell(panel, r, 0) for r in range(panel.table.rowCount())]
    assert labels == ["2021年", "2023年", "2025年", "2027年", "合计（不重复）"]
    panel.set_grouping("status")
    assert [_cell(panel, r, 0) for r in range(3)] == ["规划", "在建", "建成/运营"]
    assert [_cell(panel, r, 1) for r in range(3)] == ["2", "1", "1"]


def _bar_pixels(chart, colour: str) -> int:
    """Pixels of `colour` below the legend (its swatch is that colour too)."""
    image = chart.grab().toImage()
    rgb = QColor(colour).rgb()
    return sum(1 for x in range(image.width()) for y in range(LEGEND_PX + 1, image.height()) if image.pixel(x, y) == rgb)


def test_bar_chart_draws_the_counts(window):
    panel = _shown(window)
    blue = dict(SERIES)["projects"]
    assert _bar_pixels(panel.chart, blue) > 100
    window.document.set_filter(Filter(themes=["energy"]))  # no test project has it
    assert _bar_pixels(panel.chart, blue) == 0


def test_a_hidden_panel_catches_up_when_shown(window):
    panel = window.stats_panel
    panel.dock.hide()  # closed (or behind another tab): not recomputed on every change
    assert not panel.isVisible()
    window.document.set_filter(Filter(themes=["ecology"]))
    assert panel._stale
    _shown(window)
    assert _total_projects(panel) == 1


def test_english_labels(window):
    from explorer import i18n

    panel = _shown(window)
    i18n.set_language("en")
    assert panel.table.horizontalHeaderItem(0).text() == "Theme"
    assert panel.dock.windowTitle() == "Statistics"
    assert _cell(panel, 0, 0) == "Transport"
