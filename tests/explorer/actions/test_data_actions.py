"""File-menu data actions against a window: import (dialog, layer chooser, drop), errors in a
message box with the app still running, cancel, save layer as, open/save project."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QProgressDialog

from explorer import i18n
from explorer.actions import data_actions, data_dialogs
from explorer.actions.import_actions import MIN_ZOOM_SPAN_M
from explorer.main_window import MainWindow
from geodata.core.message import plain
from layers.model.document import MapDocument
from layers.model.filter import Filter


def make_window(qtbot):
    window = MainWindow(document=MapDocument(layers=[]), settings=None)
    qtbot.addWidget(window)
    actions = window.data_actions
    actions.show_error = lambda title, text: actions.errors.append(text)  # no modal boxes in tests
    actions.show_report = lambda title, summary, lines: None
    actions.ask_datum = lambda path: "wgs84"
    return window, actions


def sites_csv(folder, name="sites.csv"):
    path = folder / name
    path.write_text("name_zh,themes,经度,纬度\n大足石刻,culture_tourism,105.72,29.70\n"
                    "资阳高新区,\"industry,innovation\",104.63,30.13\n广阳岛,ecology,106.67,29.59\n", encoding="utf-8")
    return path


def test_install_adds_data_actions_to_the_file_menu_in_both_languages(qtbot):
    window, actions = make_window(qtbot)
    texts = [a.text() for a in window.menu("file").actions()]
    assert texts[:6] == ["导入数据…", "图层另存为…", "", "打开项目…", "保存项目…", ""]
    assert texts[6] == "导出地图…"  # the window's own entries follow
    try:
        i18n.set_language("en")
        assert [a.text() for a in window.menu("file").actions()][:5] == ["Import data…", "Save layer as…", "",
                                                                        "Open project…", "Save project…"]
    finally:
        i18n.set_language("zh")
    assert actions.menu_actions["import"].shortcut().toString() == "Ctrl+I"
    assert window.acceptDrops() and window.canvas.acceptDrops()


def test_imported_csv_becomes_a_layer_the_theme_filter_applies_to(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle()
    assert actions.errors == []
    layer = window.document.layer("sites")
    from layers.model.style import default_layer_style

    assert len(layer.data) == 3 and layer.label_field == "name_zh"
    assert layer.style == default_layer_style("sites", "Point")  # the default style of an imported point layer
    assert set(layer.theme_tags) == {"culture_tourism", "industry", "innovation", "ecology"}
    assert layer.data_ref == {"kind": "file", "path": str((tmp_path / "sites.csv").resolve())}
    mask = Filter(themes=("industry",)).mask(layer)
    assert list(layer.data.loc[mask, "name_zh"]) == ["资阳高新区"]
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle() and window.document.layer_names()[-1] == "sites (2)"


def test_geopackage_with_several_layers_asks_which_one(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    gpkg = tmp_path / "two.gpkg"
    g = gpd.GeoDataFrame({"a": [1, 2]}, geometry=gpd.points_from_xy([105.7, 104.6], [29.7, 30.1]), crs=4326)
    g.to_file(gpkg, layer="alpha")
    g.iloc[:1].to_file(gpkg, layer="beta")
    asked = []
    actions.ask_layer = lambda path, layers: asked.append(sorted(layers)) or "beta"
    actions.import_path(gpkg)
    assert actions.wait_idle()
    assert actions.wait_idle()  # the chosen layer is imported by a second job
    assert asked == [["alpha", "beta"]]
    assert len(window.document.layer("beta").data) == 1


def test_broken_file_shows_an_error_and_the_app_keeps_running(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    bad = tmp_path / "broken.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    actions.import_path(bad)
    assert actions.wait_idle()
    assert len(actions.errors) == 1 and "broken.geojson" in actions.errors[0]
    assert window.document.layer_names() == []
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle() and window.document.layer_names() == ["sites"]


def test_cancelled_import_adds_nothing_and_reports_no_error(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    path = tmp_path / "big.csv"
    path.write_text("id,lon,lat\n" + "\n".join(f"{i},105.{i % 1000:03d},29.5" for i in range(200_000)) + "\n", encoding="utf-8")
    job = actions.import_path(path)
    job.feedback.cancel()
    assert actions.wait_idle()
    assert window.document.layer_names() == [] and actions.errors == []


def test_dropping_a_file_on_the_window_imports_it(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(sites_csv(tmp_path)))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()  # the window says "yes, drop files here"
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()
    assert actions.wait_idle()
    assert window.document.layer_names() == ["sites"]


def test_table_import_asks_the_datum_and_converts_gcj02(qtbot, tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    window, actions = make_window(qtbot)
    gx, gy = wgs84_to_gcj02(105.72, 29.70)
    path = tmp_path / "amap.csv"
    path.write_text(f"name,lng,lat\n大足,{gx},{gy}\n", encoding="utf-8")
    asked = []
    actions.ask_datum = lambda p: asked.append(p.name) or "gcj02"
    actions.import_paths([path])
    assert actions.wait_idle()
    layer = window.document.layer("amap")
    assert asked == ["amap.csv"] and layer.data_ref["datum"] == "gcj02"
    assert abs(layer.data.geometry[0].x - 105.72) < 1e-6 and abs(layer.data.geometry[0].y - 29.70) < 1e-6
    actions.ask_datum = lambda p: None  # cancelled: nothing imported
    actions.import_paths([path])
    assert actions.wait_idle() and window.document.layer_names() == ["amap"]


def test_save_layer_as_writes_a_file_and_refuses_the_source(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    src = sites_csv(tmp_path)
    actions.import_path(src)
    assert actions.wait_idle()
    actions.save_layer("sites", tmp_path / "out.gpkg")
    assert actions.wait_idle() and actions.errors == []
    assert list(gpd.read_file(tmp_path / "out.gpkg")["name_zh"]) == ["大足石刻", "资阳高新区", "广阳岛"]
    before = src.read_bytes()
    actions.save_layer("sites", src)
    assert actions.wait_idle()
    assert len(actions.errors) == 1 and "imported from" in actions.errors[0]
    assert src.read_bytes() == before


def test_save_and_open_project_restores_layers_filter_and_asks_for_moved_files(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle()
    window.document.set_filter(Filter(themes=("ecology",)))
    window.document.set_layer("sites", opacity=0.4)
    project = actions.save_project(tmp_path / "s.cyproj")
    assert json.loads(project.read_text(encoding="utf-8"))["document"]["layers"][0]["data_ref"]["path"] == "sites.csv"

    window.document.remove_layer("sites")
    window.document.set_filter(Filter())
    moved = tmp_path / "moved.csv"
    (tmp_path / "sites.csv").rename(moved)
    asked = []
    actions.ask_missing = lambda missing: asked.append(missing.layer) or str(moved)
    actions.open_project(project)
    assert actions.wait_idle()
    assert asked == ["sites"] and actions.errors == []
    assert window.document.layer_names() == ["sites"]
    assert window.document.layer("sites").opacity == pytest.approx(0.4)
    assert window.document.filter == Filter(themes=("ecology",))


def test_project_with_a_missing_file_opens_the_rest_and_lists_it(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle()
    window.document.add_layer(data_actions_layer())
    project = actions.save_project(tmp_path / "s.cyproj")
    (tmp_path / "sites.csv").unlink()
    actions.ask_missing = lambda missing: None
    actions.open_project(project)
    assert actions.wait_idle()
    assert window.document.layer_names() == ["sketch"]
    assert len(actions.errors) == 1 and "sites" in actions.errors[0]
    assert "找不到文件" in actions.errors[0] and "not found" not in actions.errors[0]  # the reason in Chinese


def test_project_notes_reach_the_report_in_the_users_language(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    shown = []
    actions.show_report = lambda title, summary, lines: shown.append((title, summary, lines))
    window.document.add_layer(data_actions_layer())
    project = actions.save_project(tmp_path / "s.cyproj")
    data = json.loads(project.read_text(encoding="utf-8"))
    data["document"]["extent"] = [5, 1, 2, "x"]
    project.write_text(json.dumps(data), encoding="utf-8")
    actions.open_project(project)
    assert actions.wait_idle()
    (title, summary, lines), = shown
    assert title == "项目说明" and summary == "已打开项目 s.cyproj"
    assert [line.zh for line in lines] == ["保存的视图范围无效，地图按全图打开"]


def data_actions_layer():
    from layers.model.document import MapLayer

    return MapLayer(name="sketch", data=gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.LineString([(105, 29), (106, 30)])], crs=4326))


def test_project_carries_the_window_bookmarks(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    window.add_bookmark("大足")
    saved = window.bookmarks()
    project = actions.save_project(tmp_path / "b.cyproj")
    window.set_bookmarks([])
    assert window.bookmarks() == []
    actions.open_project(project)
    assert actions.wait_idle()
    assert [b["name"] for b in window.bookmarks()] == ["大足"]
    assert window.bookmarks()[0]["cx"] == pytest.approx(saved[0]["cx"])


def test_project_reopens_at_the_saved_view(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    window.canvas.zoom_to_extent((0.0, 0.0, 50_000.0, 40_000.0), margin=0.0)
    before = window.canvas.view
    project = actions.save_project(tmp_path / "v.cyproj")
    window.canvas.zoom_by(4.0)
    assert window.canvas.view.resolution != pytest.approx(before.resolution)
    actions.open_project(project)
    assert actions.wait_idle()
    after = window.canvas.view
    assert (after.cx, after.cy) == pytest.approx((before.cx, before.cy), abs=1.0)
    assert after.resolution == pytest.approx(before.resolution, rel=0.01)


def test_save_layer_dialog_can_write_gcj02_for_web_maps(qtbot, tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    window, actions = make_window(qtbot)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle()
    out = tmp_path / "amap.geojson"
    actions.current_layer_name = lambda: "sites"
    actions.ask_layer_save_path = lambda suggested, file_filter: (str(out), "gcj02")
    actions.save_layer_dialog()
    assert actions.wait_idle() and actions.errors == []
    gx, gy = wgs84_to_gcj02(105.72, 29.70)
    p = gpd.read_file(out).geometry[0]
    assert (p.x, p.y) == pytest.approx((gx, gy), abs=1e-9)
    assert any("GCJ02" in line.text("en") for line in actions.last_report)


def test_long_job_shows_a_progress_dialog_whose_cancel_stops_it(qtbot):
    import time

    window, actions = make_window(qtbot)
    steps = []

    def slow(feedback):
        for i in range(400):  # ~8 s unless cancelled
            feedback.check()
            steps.append(i)
            feedback.set_progress(i / 400, plain(f"step {i}"))
            time.sleep(0.02)
        return "finished"

    results = []
    job = actions.run(plain("slow"), slow, done=results.append, failed=results.append)

    def shown():
        return [d for d in window.findChildren(QProgressDialog) if d.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5000)
    (dialog,) = shown()
    qtbot.waitUntil(lambda: dialog.labelText().startswith("step"), timeout=5000)
    assert dialog.maximum() == 1000 and 0 < dialog.value() < 1000  # the fraction, not a busy bar
    from PySide6.QtWidgets import QPushButton

    (button,) = dialog.findChildren(QPushButton)
    assert button.text() == "取消"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert actions.wait_idle(10000)
    assert job.outcome == "cancelled" and results == [] and len(steps) < 400
    assert shown() == []


def test_file_without_crs_asks_for_one_and_the_project_remembers_it(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    shp = tmp_path / "utm.shp"
    gpd.GeoDataFrame({"name_zh": ["大足"]}, geometry=[shapely.Point(105.72, 29.70)], crs=4326).to_crs(32648).to_file(shp)
    shp.with_suffix(".prj").unlink()
    offered = []

    def ask_crs(path, error):
        from geodata.io.crs_detect import region_choices

        offered.extend(code for code, _, fits in region_choices(error.bounds) if fits)
        return "EPSG:32648"

    actions.ask_crs = ask_crs
    actions.import_path(shp)
    assert actions.wait_idle() and actions.wait_idle()
    assert 32648 in offered and actions.errors == []
    layer = window.document.layer("utm")
    assert layer.data.geometry[0].x == pytest.approx(105.72, abs=1e-6)
    assert layer.data_ref["crs"] == "EPSG:32648"
    project = actions.save_project(tmp_path / "u.cyproj")
    window.document.remove_layer("utm")
    actions.open_project(project)
    assert actions.wait_idle() and actions.errors == []
    assert window.document.layer("utm").data.geometry[0].y == pytest.approx(29.70, abs=1e-6)


def test_theme_filter_changes_what_is_drawn_of_an_imported_layer(qtbot, tmp_path):
    from layers.render.renderer import render_with_result
    from layers.render.request import MapRequest

    window, actions = make_window(qtbot)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle()
    doc = window.document

    def draw():
        request = MapRequest(doc.snapshot(), width=400, height=300, labels=False, layers=("sites",), background=None)
        image, result = render_with_result(request)
        names = doc.layer("sites").data["name_zh"]
        drawn_at = {names.iloc[row]: (round(x), round(y))
                    for (layer, row), (x, y) in result.point_positions.items() if layer == "sites"}
        return result.drawn["sites"], drawn_at, image

    all_drawn, positions, all_image = draw()
    doc.set_filter(Filter(themes=("industry",)))
    one_drawn, one_positions, one_image = draw()
    assert (all_drawn, one_drawn) == (3, 1)
    assert sorted(positions) == ["大足石刻", "广阳岛", "资阳高新区"] and list(one_positions) == ["资阳高新区"]
    assert one_positions["资阳高新区"] == positions["资阳高新区"]  # the same frame, one symbol left
    for name, (x, y) in positions.items():
        assert all_image.pixelColor(x, y).alpha() == 255, name  # a symbol at each site
        assert (one_image.pixelColor(x, y).alpha() == 255) == (name == "资阳高新区"), name


def test_closing_the_window_cancels_a_running_job_and_waits_for_it(qtbot):
    import time

    window, actions = make_window(qtbot)
    seen = []

    def slow(feedback):
        while not feedback.is_cancelled():
            seen.append(1)
            time.sleep(0.01)
        return "stopped"

    job = actions.run(plain("slow"), slow, done=lambda value: None, failed=lambda exc: None)
    qtbot.waitUntil(lambda: len(seen) > 3, timeout=5000)
    window.close()
    assert job.feedback.is_cancelled() and job.is_finished()
    assert not actions.jobs.busy()


def test_report_box_appears_only_when_data_were_changed_and_speaks_chinese(qtbot, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    window, actions = make_window(qtbot)
    actions.show_report = data_actions.DataActions.show_report.__get__(actions)  # the real one
    clean = tmp_path / "clean.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(105.7, 29.7)], crs=4326).to_file(clean)
    actions.import_path(clean)
    assert actions.wait_idle()
    assert [b for b in window.findChildren(QMessageBox) if b.isVisible()] == []
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("name,lon,lat\nA,29.70,105.72\n", encoding="utf-8")
    actions.import_path(swapped)
    assert actions.wait_idle()
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    assert "已导入 swapped" in boxes[0].text() and "经纬度顺序颠倒" in boxes[0].detailedText()
    boxes[0].close()


def test_jobs_run_on_the_explorers_one_worker_thread(qtbot, tmp_path):
    import threading

    window, actions = make_window(qtbot)
    names = []
    for _ in range(2):
        actions.run(plain("where"), lambda feedback: names.append(threading.current_thread().name),
                    done=lambda v: None, failed=lambda exc: None)
    assert actions.wait_idle(10000)
    assert names == ["explorer-data-worker"] * 2  # the data lane of explorer.jobs, not a QThread per job


def _answer_datum_dialog(qtbot, choice: str | None, seen: list):
    """Answer the next DatumDialog: pick `choice` and press OK (None: Cancel)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, data_dialogs.DatumDialog):
            QTimer.singleShot(20, answer)
            return
        seen.append((dialog.combo.currentData(), [dialog.combo.itemData(i) for i in range(dialog.combo.count())],
                     " ".join(lbl.text() for lbl in dialog.findChildren(QLabel))))
        if choice is None:
            qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
            return
        dialog.combo.setCurrentIndex(dialog.combo.findData(choice))
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def test_geojson_digitised_on_amap_is_asked_its_datum_in_a_dialog_and_converted(qtbot, tmp_path):
    from geodata.coords.datums import wgs84_to_gcj02

    window, actions = make_window(qtbot)
    actions.ask_datum = data_actions.DataActions.ask_datum.__get__(actions)  # the real dialog
    gx, gy = wgs84_to_gcj02(105.72, 29.70)
    path = tmp_path / "amap_points.geojson"
    gpd.GeoDataFrame({"name": ["大足"]}, geometry=[shapely.Point(gx, gy)], crs=4326).to_file(path)
    seen = []
    _answer_datum_dialog(qtbot, "gcj02", seen)
    actions.import_paths([path])
    assert actions.wait_idle() and actions.errors == []
    default, offered, text = seen[0]
    assert default == "wgs84" and offered == ["wgs84", "gcj02", "bd09", "cgcs2000"] and "GCJ-02" in text
    layer = window.document.layer("amap_points")
    assert layer.data_ref["datum"] == "gcj02"
    p = layer.data.geometry[0]
    assert abs(p.x - 105.72) < 1e-6 and abs(p.y - 29.70) < 1e-6  # ~500 m back from the GCJ-02 position
    _answer_datum_dialog(qtbot, None, seen)  # Cancel: nothing imported
    actions.import_paths([path])
    assert actions.wait_idle() and window.document.layer_names() == ["amap_points"]


def test_projected_file_is_not_asked_a_datum(qtbot, tmp_path):
    window, actions = make_window(qtbot)
    asked = []
    actions.ask_datum = lambda p: asked.append(p.name) or "gcj02"
    path = tmp_path / "survey.gpkg"
    gpd.GeoDataFrame({"name": ["大足"]}, geometry=[shapely.Point(105.72, 29.70)], crs=4326).to_crs(4544).to_file(path)
    actions.import_paths([path])
    assert actions.wait_idle() and asked == []
    p = window.document.layer("survey").data.geometry[0]
    assert abs(p.x - 105.72) < 1e-6 and abs(p.y - 29.70) < 1e-6


def _view_extent(window):
    return window.canvas.view.extent()


def test_import_zooms_the_map_to_the_imported_layer(qtbot, tmp_path):
    from geodata.coords.projection import lonlat_to_display

    window, actions = make_window(qtbot)
    window.resize(900, 600)
    window.canvas.zoom_to_extent(lonlat_bounds((97.0, 26.0, 110.0, 34.0)))  # both provinces
    before = _view_extent(window)
    actions.import_path(sites_csv(tmp_path))
    assert actions.wait_idle() and actions.errors == []
    x0, y0, x1, y1 = _view_extent(window)
    xs, ys = lonlat_to_display([105.72, 104.63, 106.67], [29.70, 30.13, 29.59])
    assert all(x0 < x < x1 for x in xs) and all(y0 < y < y1 for y in ys)
    assert (x1 - x0) < (before[2] - before[0]) / 3  # zoomed in to the three sites, not left at the provinces


def test_import_of_one_point_zooms_to_a_small_area_around_it(qtbot, tmp_path):
    from geodata.coords.projection import lonlat_to_display

    window, actions = make_window(qtbot)
    window.resize(900, 600)
    path = tmp_path / "one.csv"
    path.write_text("name,经度,纬度\n宝顶山,105.8087,29.7477\n", encoding="utf-8")
    actions.import_path(path)
    assert actions.wait_idle() and actions.errors == []
    x0, y0, x1, y1 = _view_extent(window)
    px, py = lonlat_to_display(105.8087, 29.7477)
    assert x0 < px < x1 and y0 < py < y1
    assert MIN_ZOOM_SPAN_M <= min(x1 - x0, y1 - y0) < 10 * MIN_ZOOM_SPAN_M


def test_empty_layer_leaves_the_view_alone(qtbot):
    from layers.model.document import MapLayer

    window, actions = make_window(qtbot)
    window.document.add_layer(MapLayer(name="empty", data=gpd.GeoDataFrame({"a": []}, geometry=[], crs="EPSG:4326")))
    before = _view_extent(window)
    assert actions.zoom_to_layer("empty") is False
    assert _view_extent(window) == before


def lonlat_bounds(bounds):
    from geodata.coords.projection import lonlat_bounds_to_display

    return lonlat_bounds_to_display(bounds)


def test_the_locate_prompt_says_why_the_file_is_asked_for(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from explorer import i18n
    from explorer.actions.data_dialogs import missing_box
    from layers.model.project_file import NOT_FOUND, OUTSIDE_FOLDER, MissingSource

    outside_file = tmp_path / "elsewhere.geojson"
    outside_file.write_text("{}", encoding="utf-8")
    box = missing_box(None, MissingSource("<b>道路</b>", str(outside_file), OUTSIDE_FOLDER))
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText and "<b>道路</b>" in box.text()
    assert "项目文件夹之外" in box.windowTitle() and "原因：在项目文件夹之外" in box.text()
    assert sorted(b.objectName() for b in box.buttons()) == ["locate", "open", "skip"]
    assert box.defaultButton().objectName() == "skip"  # Enter never opens an outside file
    box.grab().save(str(tmp_path / "outside.png"))

    gone = missing_box(None, MissingSource("roads", str(tmp_path / "gone.shp"), NOT_FOUND))
    qtbot.addWidget(gone)
    assert "原因：找不到文件" in gone.text() and "open" not in [b.objectName() for b in gone.buttons()]
    i18n.set_language("en")
    again = missing_box(None, MissingSource("roads", str(outside_file), OUTSIDE_FOLDER))
    qtbot.addWidget(again)
    assert "Reason: outside the project folder" in again.text() and "Open this file" in [b.text() for b in again.buttons()]


def test_choosing_open_this_file_loads_a_layer_from_outside_the_project_folder(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window, actions = make_window(qtbot)
    outside = tmp_path / "outside"
    outside.mkdir()
    actions.import_path(sites_csv(outside))
    assert actions.wait_idle()
    (tmp_path / "proj").mkdir()
    project = actions.save_project(tmp_path / "proj" / "s.cyproj")  # the layer's path leads out: ../outside/
    window.document.remove_layer("sites")
    shown = []

    def click_open(box):
        shown.append(box.text())
        next(b for b in box.buttons() if b.objectName() == "open").click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_open)
    actions.open_project(project)  # the real question (not replaced), answered "open this file"
    assert actions.wait_idle()
    assert window.document.layer_names() == ["sites"] and actions.errors == []
    assert len(shown) == 1 and "原因：在项目文件夹之外" in shown[0]


def test_cancel_during_a_million_vertex_import_adds_nothing_and_the_window_keeps_running(qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from layers.cli.bench_user import synthetic_gpkg

    gpkg = synthetic_gpkg(tmp_path, polygons=20_000, vertices=50, points=10)  # 1,020,000 vertices
    window, actions = make_window(qtbot)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    job = actions.import_path(gpkg, layer="parcels")
    qtbot.waitUntil(lambda: job.feedback.fraction > 0 or job.outcome is not None, timeout=20000)
    before = len(ticks)
    job.feedback.cancel()
    assert actions.wait_idle(60000)
    timer.stop()
    assert job.outcome == "cancelled"
    assert window.document.layer_names() == [] and actions.errors == []
    assert len(ticks) > before  # the window's event loop ran while the import wound down


def test_a_big_import_is_prepared_off_the_window_thread_and_drawn(qtbot, tmp_path, monkeypatch):
    import threading

    from layers.cli.bench_user import synthetic_gpkg
    from layers.model import layer_cache

    gpkg = synthetic_gpkg(tmp_path, polygons=6_000, vertices=50, points=10)
    window, actions = make_window(qtbot)
    built = []
    real = layer_cache.prepare

    def recording(gdf, districts=None):
        cache = real(gdf, districts)
        built.append((cache, threading.current_thread() is threading.main_thread()))
        return cache

    monkeypatch.setattr(layer_cache, "prepare", recording)
    actions.import_path(gpkg, layer="parcels")
    assert actions.wait_idle(60000) and window.document.layer_names() == ["parcels"]
    layer = window.document.layer("parcels")
    assert [(cache is layer.cache, on_gui) for cache, on_gui in built] == [(True, False)]  # the worker's, shared
    assert -1 in layer.cache._rings  # its vertex arrays too: the first frame starts from them
    assert window.canvas.wait_idle(60000)
    assert window.canvas.last_result.drawn["parcels"] == 6_000
