"""The field-check dock and Tools actions, driven through pytest-qt on the main window."""
from __future__ import annotations

import csv
import time

import geopandas as gpd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget
from pyproj import Geod
from shapely.geometry import Point, box

from explorer.actions.field_check.corrections import CORRECTED_LAYER
from explorer.actions.field_check.locate import GOTO_LAYER, GoToDialog
from explorer.actions.field_check.panel import COL_DISTANCE, COL_MATCH, COL_STATUS, DISCREPANCY_LAYER
from explorer.main_window import MainWindow
from geodata.coords import datums as coords
from geodata.coords.projection import lonlat_to_display
from geodata.core.message import plain
from layers.model.document import MapDocument, MapLayer

GEOD = Geod(ellps="WGS84")
REGISTRY = [("P001", "大足石刻宝顶山", 105.8087, 29.7477), ("P002", "天府广场", 104.0657, 30.6595),
            ("P003", "解放碑", 106.5770, 29.5576)]


@pytest.fixture()
def window(qtbot):
    districts = gpd.GeoDataFrame({"name_zh": ["大足", "成都", "渝中"], "adcode": ["1", "2", "3"], "in_circle": [1, 1, 1],
                                  "partial": [0, 0, 0], "province_adcode": ["50", "51", "50"],
                                  "province_zh": ["重庆市", "四川省", "重庆市"], "city_adcode": ["50", "5101", "50"],
                                  "city_zh": ["重庆市", "成都市", "重庆市"]},
                                 geometry=[box(105.6, 29.6, 106.0, 29.9), box(103.9, 30.5, 104.2, 30.8),
                                           box(106.4, 29.4, 106.7, 29.7)], crs="EPSG:4326")
    projects = gpd.GeoDataFrame({"id": [r[0] for r in REGISTRY], "name_zh": [r[1] for r in REGISTRY],
                                 "name_en": ["", "", ""], "status": ["planned"] * 3, "themes": ["culture_tourism"] * 3},
                                geometry=[Point(r[2], r[3]) for r in REGISTRY], crs="EPSG:4326")
    doc = MapDocument(layers=[MapLayer(name="districts", data=districts), MapLayer(name="projects", data=projects)])
    win = MainWindow(document=doc, settings=None)
    qtbot.addWidget(win)
    win.resize(900, 600)
    yield win
    win.canvas.shutdown()


@pytest.fixture()
def obs_file(tmp_path):
    lines = ["编号,名称,经度,纬度"]
    for pid, name, lon, lat in REGISTRY:
        lon2, lat2, _ = GEOD.fwd(lon, lat, 60.0, 20.0 if pid == "P002" else 500.0)
        x, y = coords.wgs84_to_gcj02(lon2, lat2)
        lines.append(f"{pid},{name},{x:.7f},{y:.7f}")
    path = tmp_path / "obs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_check(qtbot, panel, path):
    with qtbot.waitSignal(panel.result_ready, timeout=20000):
        panel.run_check(str(path), "gcj02", 200)
    qtbot.waitUntil(lambda: not panel.is_busy())


def test_install_adds_dock_and_tools_actions(window):
    panel = window.field_check_panel
    names = [a.objectName() for a in window.menu("tools").actions()][-7:]
    assert names == ["field_check.goto", "field_check.here", "field_check.check", "field_check.correct", "field_check.undo",
                     "field_check.store", "field_check.refresh"]
    assert [a.text() for a in window.menu("tools").actions()][-7:] == [
        "转到坐标…", "这里有什么（点击地图）", "核查观测…", "修正位置…", "撤销修正", "修正存储…", "刷新修正"]
    assert isinstance(panel.dock, QDockWidget) and panel.dock.widget() is panel
    assert panel.dock.objectName() == "dock_field_check" and panel.dock.windowTitle() == "实地核查"


def test_check_fills_table_and_adds_discrepancy_layer(qtbot, window, obs_file):
    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    assert panel.table.rowCount() == 3
    assert [panel.table.item(r, COL_STATUS).text() for r in range(3)] == ["超差", "符合", "超差"]
    assert float(panel.table.item(0, COL_DISTANCE).text()) == pytest.approx(500.0, abs=1.0)
    layer = window.document.layer(DISCREPANCY_LAYER)
    assert len(layer.data) == 3 and set(layer.data.geom_type) == {"LineString"}


def test_status_and_distance_columns_are_visible_in_a_300_px_dock(qtbot, window, obs_file):
    panel = window.field_check_panel
    window.show()
    window.resizeDocks([panel.dock], [300], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: panel.dock.width() <= 320)
    run_check(qtbot, panel, obs_file)
    table = panel.table
    assert table.horizontalHeaderItem(COL_STATUS).text() == "状态" and table.item(0, COL_STATUS).text() == "超差"

    def settled() -> bool:  # the dock's resize, column sizing and scroll range arrive as queued layout events
        width = table.viewport().width()
        return 0 < width < 300 and table.horizontalScrollBar().maximum() > 0 and all(
            0 <= table.columnViewportPosition(c) and table.columnViewportPosition(c) + table.columnWidth(c) <= width
            for c in (COL_STATUS, COL_DISTANCE))

    qtbot.waitUntil(settled, timeout=5000)
    viewport = table.viewport().width()
    assert viewport < 300
    for col in (COL_STATUS, COL_DISTANCE):  # wholly inside the visible part, without scrolling
        left = table.columnViewportPosition(col)
        assert 0 <= left and left + table.columnWidth(col) <= viewport, col
    assert table.columnWidth(COL_STATUS) >= table.fontMetrics().horizontalAdvance("超差")  # sized to contents
    total = sum(table.columnWidth(c) for c in range(table.columnCount()))
    assert total > viewport and table.horizontalScrollBar().maximum() > 0  # the rest scrolls


def test_exports_csv_and_pdf_from_the_panel(qtbot, window, obs_file, tmp_path):
    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    out = panel.export_csv(str(tmp_path / "r.csv"))
    with open(out, encoding="utf-8-sig") as fh:
        assert [r["status"] for r in csv.DictReader(fh)] == ["flagged", "ok", "flagged"]
    panel.export_pdf(str(tmp_path / "r.pdf"))
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


def test_cancelling_the_pdf_says_so_and_leaves_no_file(qtbot, window, obs_file, tmp_path):
    import threading

    from explorer.jobs import Job

    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    gate = threading.Event()
    Job(lambda feedback: gate.wait(10), "data").start()  # keeps the data lane busy: the report is still queued
    out = tmp_path / "r.pdf"
    task = panel.export_pdf(str(out))
    panel.cancel_button.click()
    gate.set()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=30000)
    assert task.feedback.is_cancelled()
    assert "已取消" in panel.summary.text() or "Cancelled" in panel.summary.text()
    assert [p.name for p in tmp_path.iterdir()] == ["obs.csv"]  # neither the report nor a temporary file


def test_correct_location_writes_users_file_and_undo_restores(qtbot, window, obs_file, tmp_path):
    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    panel.table.selectRow(0)
    edits = tmp_path / "mine.gpkg"
    assert panel.correct_selected(reason="实地 GPS 复核", edits_path=str(edits)) is not None
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=20000)
    edit = panel.last_edit
    assert edit.project_id == "P001" and edits.exists()
    layer = window.document.layer(CORRECTED_LAYER)
    assert layer.data_ref == {"kind": "file", "path": str(edits), "layer": CORRECTED_LAYER}
    moved = layer.data.set_index("id").loc["P001"].geometry
    assert (moved.x, moved.y) == pytest.approx((panel.result.rows.iloc[0]["obs_lon"], panel.result.rows.iloc[0]["obs_lat"]))
    assert window.document.layer("projects").visible is False
    assert panel.undo_button.isEnabled()
    panel.undo_correction()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=20000)
    back = window.document.layer(CORRECTED_LAYER).data.set_index("id").loc["P001"].geometry
    assert (back.x, back.y) == pytest.approx((105.8087, 29.7477))
    assert not panel.undo_button.isEnabled()
    # A second check runs against the corrected registry.
    run_check(qtbot, panel, obs_file)
    assert panel.table.rowCount() == 3


def test_correct_without_reason_or_selection_explains(qtbot, window, obs_file, tmp_path):
    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    assert panel.correct_selected(reason="x", edits_path=str(tmp_path / "e.gpkg")) is None
    assert "Select" in panel.summary.text() or "选择" in panel.summary.text()
    panel.table.selectRow(1)
    assert panel.correct_selected(reason="  ", edits_path=str(tmp_path / "e.gpkg")) is None
    assert "reason" in panel.summary.text()
    assert not (tmp_path / "e.gpkg").exists()


def test_go_to_marks_and_centres_on_converted_position(window):
    panel = window.field_check_panel
    parsed = panel.go_to("东经105°42′ 北纬29°41′", "gcj02")
    assert (parsed.lon, parsed.lat) == pytest.approx(coords.gcj02_to_wgs84(105.7, 29 + 41 / 60))
    marker = window.document.layer(GOTO_LAYER).data.geometry.iloc[0]
    assert (marker.x, marker.y) == pytest.approx((parsed.lon, parsed.lat))
    x, y = lonlat_to_display(parsed.lon, parsed.lat)
    assert (window.canvas.view.cx, window.canvas.view.cy) == pytest.approx((x, y))
    assert "29°41′" in panel.info.toPlainText() or "29°40′" in panel.info.toPlainText()


def test_whats_here_answers_a_canvas_click_only_when_the_tool_is_on(qtbot, window):
    panel = window.field_check_panel
    x, y = lonlat_to_display(105.7, 29.69)
    window.canvas.clicked.emit(float(x), float(y))
    assert panel.info.toPlainText() == "" and not panel.is_busy()
    panel.actions_by_key["here"].setChecked(True)
    with qtbot.waitSignal(panel.here_ready, timeout=30000) as blocker:
        window.canvas.clicked.emit(float(x), float(y))
    assert blocker.args[0].lon == pytest.approx(105.7)
    assert "大足区" in panel.info.toPlainText()  # from the bundled districts


def test_cancel_stops_a_running_task_and_says_so(qtbot, window):
    panel = window.field_check_panel

    def slow(feedback):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            feedback.check()
            time.sleep(0.01)
        return "finished"

    panel._start(slow, lambda v: panel.summary.setText(v), plain("…"))
    assert panel.cancel_button.isEnabled()
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=5000)
    assert panel.summary.text().endswith("已取消。</span>") or "Cancelled" in panel.summary.text()
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_go_to_dialog_refuses_bad_text_and_accepts_gauss_kruger(qtbot):
    dialog = GoToDialog()
    qtbot.addWidget(dialog)
    dialog.edit.setText("somewhere")
    dialog._try_accept()
    assert dialog.result() != dialog.DialogCode.Accepted  # the reason in the window's language, as text
    assert "无法识别坐标 'somewhere'" in dialog.message.text() and "cannot read" not in dialog.message.text()
    dialog.edit.setText("<b>1</b>")
    dialog._try_accept()
    assert "&lt;b&gt;1&lt;/b&gt;" in dialog.message.text()
    easting, northing, _ = coords.wgs84_to_gk(106.55, 29.56, 3)
    dialog.datum.setCurrentIndex(dialog.datum.findData("gk3"))
    dialog.edit.setText(f"{northing:.2f}, {easting:.2f}")
    dialog._try_accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert (dialog.parsed.lon, dialog.parsed.lat) == pytest.approx((106.55, 29.56), abs=1e-6)


def test_switching_language_retranslates_actions_and_table(qtbot, window, obs_file):
    from explorer import i18n

    panel = window.field_check_panel
    run_check(qtbot, panel, obs_file)
    before = i18n.language()
    try:
        i18n.set_language("en")
        assert panel.actions_by_key["check"].text() == "Check observations…"
        assert panel.table.item(0, COL_STATUS).text() == "flagged" and panel.run_button.text() == "Check"
        assert panel.summary.text().startswith("3 observations")
        i18n.set_language("zh")
        assert panel.table.item(0, COL_STATUS).text() == "超差" and panel.dock.windowTitle() == "实地核查"
    finally:
        i18n.set_language(before)


def test_name_tie_is_marked_in_the_table_with_the_note_as_tooltip(qtbot, window, tmp_path):
    # Two registered names contain 大足石刻站; the window's registry gets a second one for this test.
    projects = window.document.layer("projects").data
    projects.loc[len(projects)] = {"id": "P004", "name_zh": "大足石刻站站前广场", "name_en": "", "status": "planned",
                                   "themes": "culture_tourism", "geometry": Point(105.8, 29.755)}
    projects.loc[len(projects)] = {"id": "P005", "name_zh": "大足石刻文化城（大足石刻站站城一体）", "name_en": "",
                                   "status": "planned", "themes": "culture_tourism", "geometry": Point(105.8, 29.755)}
    path = tmp_path / "tie.csv"
    path.write_text("id,name,lon,lat\nA,大足石刻站,105.8,29.755\nB,天府广场,104.0657,30.6595\n", encoding="utf-8")
    panel = window.field_check_panel
    with qtbot.waitSignal(panel.result_ready, timeout=20000):
        panel.run_check(str(path), "wgs84", 200)
    qtbot.waitUntil(lambda: not panel.is_busy())
    assert panel.table.item(0, COL_MATCH).text() == "name ⚠" and panel.table.item(1, COL_MATCH).text() == "name"
    from PySide6.QtGui import QTextDocument

    shown = QTextDocument()
    shown.setHtml(panel.table.item(0, COL_MATCH).toolTip())  # escaped inside <qt>: it reads as the note
    tip = shown.toPlainText()
    assert "P004" in tip and "P005" in tip and tip.startswith("名称并列 2 项") and "name tie" not in tip  # UI language
    assert panel.table.item(1, COL_MATCH).toolTip() == ""


def test_panel_work_runs_on_the_explorers_one_worker_thread(qtbot, window):
    import threading

    panel = window.field_check_panel
    names = []
    with qtbot.waitSignal(panel.result_ready, timeout=10000):
        panel._start(lambda feedback: names.append(threading.current_thread().name), lambda v: panel.result_ready.emit(v),
                     plain("…"))
    assert names == ["explorer-data-worker"]


def test_the_check_and_whats_here_include_the_project_lines(qtbot, window, tmp_path):
    from shapely.geometry import LineString

    line = LineString([(105.60, 29.80), (105.95, 29.85)])
    lines = gpd.GeoDataFrame({"id": ["L001"], "name_zh": ["测试快速通道"], "name_en": ["Test link road"],
                              "status": ["planned"], "themes": ["transport"]}, geometry=[line], crs="EPSG:4326")
    window.document.add_layer(MapLayer(name="project_lines", data=lines))
    on_line = line.interpolate(0.3, normalized=True)
    lon, lat, _ = GEOD.fwd(on_line.x, on_line.y, 0.0, 120.0)  # 120 m north of the line, named by nothing
    path = tmp_path / "obs.csv"
    path.write_text(f"编号,名称,经度,纬度\nA1,,{lon:.7f},{lat:.7f}\n", encoding="utf-8")
    panel = window.field_check_panel
    with qtbot.waitSignal(panel.result_ready, timeout=20000) as blocker:
        panel.run_check(str(path), "wgs84", 200)
    row = blocker.args[0].rows.iloc[0]
    assert row["project_id"] == "L001" and row["status"] == "ok"
    assert 110 < row["distance_m"] < 125  # to the line, not to its first or middle vertex
    qtbot.waitUntil(lambda: not panel.is_busy())
    from geodata.bundle import loader

    bundled = loader.load_layer("project_lines").iloc[0]  # what's here answers from the bundle's index
    mid = bundled.geometry.interpolate(0.5, normalized=True)
    with qtbot.waitSignal(panel.here_ready, timeout=30000) as here:
        panel.whats_here_at(mid.x, mid.y)
    assert [p.layer for p in here.args[0].projects if p.id == bundled["id"]] == ["project_lines"]
    assert f"{bundled['name_zh']}（线路）" in panel.info.toPlainText()
