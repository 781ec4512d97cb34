"""The search box finds by Chinese, pinyin and initials and moves the view there."""
from __future__ import annotations

import pytest
import shapely

from explorer.panels.search_box import search


@pytest.mark.parametrize("text", ["大足", "dazu", "dzq"])
def test_district_found_by_name_pinyin_or_initials(document, text):
    results = search(document, text)
    assert results, text
    assert results[0].layer == "districts" and results[0].feature_id == "500111"


def test_choosing_a_result_moves_the_view_onto_it(window, qtbot):
    before = window.canvas.view
    qtbot.keyClicks(window.search_box, "dazu")
    qtbot.keyClick(window.search_box, "\r")
    view = window.canvas.view
    assert view.resolution < before.resolution / 4
    cache = window.document.layer("districts").cache
    district = cache.geoms[cache.ids.index("500111")]
    assert district.contains(shapely.Point(view.cx, view.cy)) or district.distance(shapely.Point(view.cx, view.cy)) < 5000
    assert window.document.selection == {"districts": ("500111",)}
    assert window.identify.shown_value("name_zh") == "大足区"


def test_a_project_is_found_and_centred(window, qtbot):
    window.search_box.setText("ceshi gongyuan")  # no such pinyin: nothing found
    window.search_box.update_results(window.search_box.text())
    assert window.search_box.results == []
    window.search_box.update_results("cszt")  # no match either
    window.search_box.update_results("测试园区")
    window.search_box.choose_first()
    x, y = window.document.layer("projects").cache.point_xy[1]
    assert (window.canvas.view.cx, window.canvas.view.cy) == pytest.approx((x, y))


def test_picking_the_second_suggestion_goes_to_that_feature(window, qtbot):
    from PySide6.QtCore import Qt

    box = window.search_box
    window.activateWindow()
    box.setFocus()
    qtbot.keyClicks(box, "ceshi")  # pinyin of 测试: the four test projects
    assert len(box.results) == 4
    popup = box.completer().popup()
    qtbot.waitUntil(popup.isVisible)
    second = box.results[1]
    for _ in range(4):
        if popup.currentIndex().row() == 1:
            break
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    assert popup.currentIndex().row() == 1
    with qtbot.waitSignal(box.result_chosen) as blocker:
        qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert blocker.args[0] == second
    assert window.document.selection == {"projects": (second.feature_id,)}


def test_a_project_line_is_found_and_framed(qtbot, document):
    from explorer.main_window import MainWindow
    from layers.model.document import MapDocument

    document.add_layer(MapDocument.from_bundle(names=["project_lines"]).layer("project_lines"))
    lines = document.layer("project_lines").data
    row = int((lines["name_zh"] == "“客货邮”线路（石马至拾万）").to_numpy().argmax())
    results = search(document, "石马")
    assert results and results[0].layer == "project_lines" and results[0].feature_id == lines["id"].iloc[row]
    assert "项目线路" in results[0].label
    window = MainWindow(document=document)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.go_to_result(results[0])
    view = window.canvas.view
    geom = document.layer("project_lines").cache.geoms[row]
    assert geom.distance(shapely.Point(view.cx, view.cy)) < 3000  # framed on the line
    assert window.document.selection == {"project_lines": (lines["id"].iloc[row],)}
    assert window.identify.shown_value("name_zh") == lines["name_zh"].iloc[row]
    window.canvas.shutdown()


def test_a_hit_the_filter_hides_is_announced_and_shown_on_request(window):
    from layers.model.filter import Filter

    doc = window.document
    doc.set_filter(Filter(themes=("ecology",), year_min=2020))  # t-rail (transport, 2023) hidden by theme only
    result = next(r for r in search(doc, "测试铁路") if r.feature_id == "t-rail")
    box = window.go_to_result(result)
    assert box is not None and box.isVisible()
    assert "测试铁路项目" in box.text() and "专题" in box.text() and "年份" not in box.text()
    assert doc.filter.themes == ("ecology",)  # nothing changes until asked
    next(b for b in box.buttons() if b.objectName() == "show").click()
    assert doc.filter.themes == () and doc.filter.year_min == 2020  # only what hid it is relaxed
    assert doc.filter.mask(doc.layer("projects"))[doc.layer("projects").cache.ids.index("t-rail")]
    # a switched-off layer is named too; a hit already shown asks nothing
    doc.set_visible("projects", False)
    box = window.go_to_result(result)
    assert "已关闭" in box.text()
    next(b for b in box.buttons() if b.objectName() == "show").click()
    assert doc.layer("projects").visible
    assert window.go_to_result(result) is None
