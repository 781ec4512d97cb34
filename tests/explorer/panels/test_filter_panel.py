"""The theme filter drives map, table and counts together."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex

from tests.explorer.helpers import patch, pixel_of, rerender


def _no_labels(window):
    window.canvas.labels = False  # labels dodge points: keep the compared patches about symbols only
    rerender(window.canvas)


def test_unticking_a_theme_removes_its_features_from_map_and_table(window, qtbot):
    _no_labels(window)
    doc, canvas = window.document, window.canvas
    rail, park = pixel_of(canvas, "projects", "t-rail"), pixel_of(canvas, "projects", "t-park")
    with_points = canvas.current_image().copy()
    doc.set_visible("projects", False)
    rerender(canvas)
    without_points = canvas.current_image().copy()
    doc.set_visible("projects", True)
    rerender(canvas)
    # the test points are drawn at all: their patches differ from the map without them
    assert patch(with_points, rail) != patch(without_points, rail)
    assert patch(with_points, park) != patch(without_points, park)

    window.table.set_layer("projects")
    assert window.table.row_count() == 4
    window.filter_panel.theme_checks["transport"].click()

    assert doc.filter.themes and "transport" not in doc.filter.themes
    rerender(canvas)
    after = canvas.current_image()
    assert patch(after, rail) == patch(without_points, rail)  # transport project gone
    assert patch(after, park) != patch(without_points, park)  # industry project still there
    assert window.table.row_count() == 2
    assert sorted(window.table.model.feature_id(r) for r in range(window.table.row_count())) == ["t-eco", "t-park"]


def test_counts_follow_the_rest_of_the_filter(window):
    panel = window.filter_panel
    assert "(2)" in panel.theme_checks["transport"].text()
    panel.status_checks["planned"].click()  # untick planned: t-road (transport, planned) leaves
    assert "(1)" in panel.theme_checks["transport"].text()
    assert "(2)" in panel.status_checks["planned"].text()  # status counts ignore the status choice


def test_last_theme_cannot_be_unticked_into_an_unfiltered_map(window):
    panel = window.filter_panel
    for key, check in panel.theme_checks.items():
        if key != "ecology":
            check.click()
    assert window.document.filter.themes == ("ecology",)
    panel.theme_checks["ecology"].click()
    assert panel.theme_checks["ecology"].isChecked()
    assert window.document.filter.themes == ("ecology",)


def test_year_range_and_text_filter_the_table(window, qtbot):
    window.table.set_layer("projects")
    panel = window.filter_panel
    panel.year_min.setValue(2024)
    assert window.table.row_count() == 2  # 2025 and 2027
    panel.year_min.setValue(panel.year_min.minimum())
    panel.text.setText("ceshi tielu")  # pinyin of 测试铁路
    qtbot.waitUntil(lambda: window.table.row_count() == 1)
    assert window.table.model.feature_id(0) == "t-rail"


def test_choosing_a_district_filters_and_zooms_there(window):
    panel = window.filter_panel
    before = window.canvas.view.resolution
    index = panel.district.findData("500111")
    panel.district.setCurrentIndex(index)
    assert window.document.filter.districts == ("500111",)
    assert window.canvas.view.resolution < before / 4
    window.table.set_layer("projects")
    assert [window.table.model.feature_id(r) for r in range(window.table.row_count())] == ["t-rail"]


def _shown(window, layer):
    window.table.set_layer(layer)
    return {window.table.model.feature_id(r) for r in range(window.table.row_count())}


def test_undated_features_stay_with_a_year_range_unless_the_box_is_unticked(window, qtbot):
    import numpy as np

    data = window.document.layer("projects").data.copy()
    data["year"] = data["year"].astype(float)
    data.loc[data["id"] == "t-eco", "year"] = np.nan  # one undated project
    window.document.set_layer_data("projects", data)
    panel = window.filter_panel
    box = panel.keep_undated
    assert box.isChecked() and not box.isEnabled()  # no range yet: the choice has nothing to decide
    assert "无年份" in box.text() and "（1）" in box.text()  # says how many features it is about
    assert "不勾选" in box.toolTip() and "doc_year" in box.toolTip()
    assert window.document.filter.is_empty
    panel.year_min.setValue(2024)  # keeps t-park 2025, t-road 2027
    assert box.isEnabled() and window.document.filter.keep_undated
    assert _shown(window, "projects") == {"t-eco", "t-park", "t-road"}
    assert "含无年份" in panel.note.text()
    box.setChecked(False)
    assert _shown(window, "projects") == {"t-park", "t-road"}
    assert "含无年份" not in panel.note.text()
    panel.year_min.setValue(panel.year_min.minimum())  # range cleared: no filter at all, box remembers
    assert window.document.filter.is_empty and not box.isChecked() and not box.isEnabled()
    assert len(_shown(window, "projects")) == 4


def test_a_year_range_applies_to_project_lines(qtbot, document):
    from explorer.main_window import MainWindow
    from layers.model.document import MapDocument

    lines = MapDocument.from_bundle(names=["project_lines"]).layer("project_lines")
    document.add_layer(lines)
    window = MainWindow(document=document)
    qtbot.addWidget(window)
    data = lines.data
    dated = set(data.loc[data["year"].notna() & (data["year"] <= 2023), "id"])
    undated = set(data.loc[data["year"].isna(), "id"])
    assert dated and undated
    panel = window.filter_panel
    panel.year_max.setValue(2023)
    assert _shown(window, "project_lines") == dated | undated
    panel.keep_undated.setChecked(False)
    assert _shown(window, "project_lines") == dated
    window.canvas.shutdown()


def test_only_this_theme_from_the_context_menu(window):
    check = window.filter_panel.theme_checks["ecology"]
    only, every = check.actions()
    only.trigger()
    assert window.document.filter.themes == ("ecology",)
    assert [k for k, c in window.filter_panel.theme_checks.items() if c.isChecked()] == ["ecology"]
    window.table.set_layer("projects")
    assert [window.table.model.feature_id(r) for r in range(window.table.row_count())] == ["t-eco"]
    every.trigger()
    assert window.document.filter.themes == ()
    assert window.table.row_count() == 4


def test_summary_names_the_chosen_district(window):
    panel = window.filter_panel
    panel.district.setCurrentIndex(panel.district.findData("500111"))
    assert "大足区" in panel.note.text() and "500111" not in panel.note.text()


def test_the_summary_line_shows_only_while_something_is_filtered(window):
    panel = window.filter_panel
    assert not panel.note.isVisibleTo(panel) and panel.note.text() == ""
    panel.theme_checks["transport"].click()
    assert panel.note.isVisibleTo(panel) and panel.note.text().startswith("当前筛选：")
    panel.reset()
    assert not panel.note.isVisibleTo(panel)


def test_filter_count_and_status_bar_count_say_what_they_count(window, qtbot):
    from explorer import i18n

    doc, panel = window.document, window.filter_panel
    thematic = doc.filter.counts(doc.layers)["total"]["features"]
    assert thematic == 4  # the four test projects: districts and other layers carry no theme
    assert panel.count_label.text() == "筛选后 4 个专题要素（全图）"
    rerender(window.canvas)
    drawn = sum(window.canvas.last_result.drawn.values())
    assert drawn > thematic  # boundaries are drawn too: the two numbers differ, and each label says why
    assert window.render_label.text() == f"本视图绘制 {drawn} 个要素（含边界、线路）"
    assert "不论是否在当前视图内" in panel.count_label.toolTip() and "区县边界" in window.render_label.toolTip()
    try:
        window._actions["act.english"].trigger()
        assert i18n.language() == "en"
        assert panel.count_label.text() == "4 thematic features after the filter (whole map)"
        qtbot.waitUntil(lambda: window.render_label.text().endswith("drawn in this view (incl. boundaries, lines)"))
        panel.text.setText("ceshi tielu")  # pinyin of 测试铁路: one project left
        qtbot.waitUntil(lambda: panel.count_label.text().startswith("1 "))
        assert panel.count_label.text() == "1 thematic feature after the filter (whole map)"  # singular
    finally:
        window._actions["act.chinese"].trigger()
        panel.text.setText("")


def test_right_click_on_the_theme_list_is_never_a_blank_menu(window):
    from PySide6.QtCore import Qt

    panel = window.filter_panel
    assert panel.theme_box.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu = panel.theme_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert len(texts) == 11 and all(texts) and texts[0] == "显示全部专题" and "只看“生态环保”" in texts
    next(a for a in menu.actions() if a.text() == "只看“生态环保”").trigger()
    assert window.document.filter.themes == ("ecology",)
    menu.actions()[0].trigger()
    assert window.document.filter.themes == ()
    status = panel.status_menu()
    next(a for a in status.actions() if a.text() == "只看“在建”").trigger()
    assert window.document.filter.statuses == ("under_construction",)
    # elsewhere in the dock the window's menu of panels: every entry named (the toolbar had none)
    popup = window.createPopupMenu()
    assert all(a.text() for a in popup.actions() if not a.isSeparator()) and "工具栏" in [a.text() for a in popup.actions()]


def test_the_district_list_is_grouped_by_city_and_found_by_typing(window, qtbot):
    from PySide6.QtCore import Qt

    panel = window.filter_panel
    combo = panel.district
    items = [(combo.itemText(i), combo.itemData(i), bool(combo.model().item(i).flags() & Qt.ItemFlag.ItemIsSelectable))
             for i in range(combo.count())]
    headings = [text for text, code, selectable in items[1:] if code is None]
    assert "成都市" in headings and "重庆市" in headings and all(not s for t, c, s in items[1:] if c is None)
    # every district sits under its own city's heading
    table = window.document.districts_table()
    city_of = dict(zip(table["adcode"].astype(str), table["city_zh"]))
    heading = None
    for text, code, _ in items[1:]:
        if code is None:
            heading = text
        else:
            assert city_of[code] == heading, (text, heading)
    assert len([c for _, c, _ in items if c]) == len(table)
    # typing pinyin initials or Chinese finds the district; choosing it filters to it
    finder = panel.district_finder
    for typed in ("dzq", "大足", "DaZu"):
        finder.setCompletionPrefix(typed)
        found = [finder.completionModel().index(r, 0).data(Qt.ItemDataRole.UserRole)
                 for r in range(finder.completionModel().rowCount())]
        assert "500111" in found, typed
    finder.setCompletionPrefix("dzq")
    row = next(r for r in range(finder.completionModel().rowCount())
               if finder.completionModel().index(r, 0).data(Qt.ItemDataRole.UserRole) == "500111")
    finder.activated[QModelIndex].emit(finder.completionModel().index(row, 0))
    assert window.document.filter.districts == ("500111",)
    assert combo.currentText() == "大足区"
    # a chosen city lists its districts without headings
    panel.city.setCurrentIndex(panel.city.findData("510100"))
    assert all(combo.itemData(i) is not None for i in range(1, combo.count()))
