"""The real main window keeps working when users do things wrong.

Each case drives the window as a user would (bad project files, bad imports, exports to places
that cannot be written, nonsense typed into fields, language switch and close at awkward times)
and then asserts two things: the user was told (captured message text), and the map still
renders afterwards (a new render finishes with features drawn).
"""
from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from geodata.core.message import plain


@pytest.fixture
def boxes(monkeypatch):
    """Text of every message box the app opens (captured instead of shown)."""
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "open", lambda self, *a: seen.append(self.text()))
    monkeypatch.setattr(QMessageBox, "exec", lambda self, *a: seen.append(self.text()) or 0)
    for name in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda parent, title, text, *a, **k: seen.append(text) or 0))
    return seen


@pytest.fixture
def win(qtbot, document, settings, boxes):
    from explorer.main_window import MainWindow

    w = MainWindow(document=document, settings=settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    assert w.canvas.wait_idle()
    w.data_actions.ask_datum = lambda path: "wgs84"
    w.data_actions.asked = []  # modal questions would block the test: record them, answer Cancel
    w.data_actions.ask_crs = lambda path, error: w.data_actions.asked.append(("crs", path.name)) or None
    w.data_actions.ask_layer = lambda path, layers: w.data_actions.asked.append(("layer", path.name)) or None
    yield w
    w.data_actions.shutdown()
    w.canvas.shutdown()


def still_renders(w) -> None:
    """A fresh render finishes and draws features: the window still works."""
    done = []
    w.canvas.render_finished.connect(done.append)
    try:
        w.canvas.schedule_render(immediate=True)
        assert w.canvas.wait_idle()
    finally:
        w.canvas.render_finished.disconnect(done.append)
    assert done, "no render finished"
    assert sum(done[-1].drawn.values()) > 0
    # what the window shows is the engine's picture of the document at this view
    from layers.render.renderer import render_image

    shown = w.canvas.current_image()
    dpr = w.canvas.devicePixelRatioF()
    assert shown == render_image(w.canvas.make_request(w.canvas.view, dpr)).convertToFormat(shown.format())


def run(w) -> None:
    assert w.data_actions.wait_idle(60000)


def project_error(boxes) -> str:
    assert boxes, "no message shown"
    return boxes[-1]


# ---- opening bad project files -----------------------------------------------------------------

def _ours(rest: str) -> bytes:
    from layers.model.project_file import FORMAT

    return ('{"format": %s, ' % json.dumps(FORMAT) + rest).encode()


@pytest.mark.parametrize("content, expect", [
    (b"\x00\xff\xfe garbage \x89PNG", "JSON"),
    (b'{"format_version": 1, "document": {"layers": [', "JSON"),
    (b"[" * 100_000, "JSON"),  # nesting deeper than the parser's recursion limit
    (b"[1, 2, 3]", "not a project file"),
    (b'{"hello": "world"}', "not a project file"),
    (b"", "JSON"),
    ("ours", "format_version"),
    ("newer", "newer version"),
    ("layers", "list of layers"),
])
def test_a_broken_project_file_is_reported_and_the_map_stays(win, boxes, tmp_path, content, expect):
    content = {"ours": lambda: _ours('"document": {"layers": []}}'),
               "newer": lambda: _ours('"format_version": 999, "document": {"layers": []}}'),
               "layers": lambda: _ours('"format_version": 1, "document": {"layers": "nope"}}'),
               }.get(content, lambda: content)()
    path = tmp_path / "bad.cyproj"
    path.write_bytes(content)
    layers_before = win.document.layer_names()
    win.data_actions.open_project(path)
    run(win)
    message = project_error(boxes)
    assert expect in message
    assert "Traceback" not in message
    assert win.document.layer_names() == layers_before  # nothing half loaded
    assert path.read_bytes() == content  # the user's file untouched
    still_renders(win)


def test_a_project_with_a_nonsense_layer_opens_with_that_layer_skipped_and_says_so(win, boxes, tmp_path):
    path = tmp_path / "odd.cyproj"
    path.write_bytes(_ours('"format_version": 1, "document": {"layers": [{"name": 5, "data_ref": 7,'
                           ' "style": "x", "visible": "maybe"}]}}'))
    win.data_actions.open_project(path)
    run(win)
    assert boxes and "odd.cyproj" in boxes[-1]
    assert win.data_actions.last_report and any("skipped" in line.text("en") for line in win.data_actions.last_report)
    assert win.document.layer_names() == []  # the project's content replaced the map, as opening does
    assert win.canvas.wait_idle()


def test_a_project_file_too_large_is_refused_without_reading_it(win, boxes, tmp_path, monkeypatch):
    import layers.model.project_file as project_file

    monkeypatch.setattr(project_file, "MAX_BYTES", 10_000)
    path = tmp_path / "huge.cyproj"
    path.write_text(json.dumps({"format_version": 1, "document": {"layers": []}, "pad": "x" * 50_000}))
    win.data_actions.open_project(path)
    run(win)
    assert "too large" in project_error(boxes)
    assert "projects" in win.document.layer_names()
    still_renders(win)


def test_a_project_whose_data_file_is_gone_opens_without_it_when_the_user_declines(win, boxes, tmp_path):
    csv = tmp_path / "sites.csv"
    csv.write_text("name_zh,经度,纬度\n大足石刻,105.72,29.70\n广阳岛,106.67,29.59\n", encoding="utf-8")
    win.data_actions.import_path(csv, datum="wgs84")
    run(win)
    assert "sites" in win.document.layer_names()
    saved = win.data_actions.save_project(tmp_path / "p.cyproj")
    assert saved is not None
    csv.unlink()
    asked = []
    win.data_actions.ask_missing = lambda missing: asked.append(missing.layer) or None
    win.data_actions.open_project(saved)
    run(win)
    assert asked == ["sites"]
    assert "sites" not in win.document.layer_names()
    assert "projects" in win.document.layer_names()
    assert "sites" in project_error(boxes)
    still_renders(win)


def test_a_missing_project_path_is_reported(win, boxes, tmp_path):
    win.data_actions.open_project(tmp_path / "nowhere.cyproj")
    run(win)
    assert "not found" in project_error(boxes)
    still_renders(win)


# ---- importing bad data ------------------------------------------------------------------------

def _gpkg_without_layers(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    con.execute("PRAGMA user_version = 10300")
    con.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,"
                " organization_coordsys_id INTEGER, definition TEXT, description TEXT)")
    con.execute("CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT,"
                " description TEXT, last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, srs_id INTEGER)")
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,"
                " srs_id INTEGER, z TINYINT, m TINYINT)")
    con.commit()
    con.close()


def _bad_inputs(tmp_path):
    wrong_ext = tmp_path / "photo.geojson"
    wrong_ext.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    no_shp = tmp_path / "docs.zip"
    with zipfile.ZipFile(no_shp, "w") as z:
        z.writestr("readme.txt", "no shapefile here")
    no_xy = tmp_path / "table.csv"
    no_xy.write_text("名称,金额\n大足石刻,12\n广阳岛,7\n", encoding="utf-8")
    gpkg = tmp_path / "nothing.gpkg"
    _gpkg_without_layers(gpkg)
    unknown = tmp_path / "notes.docx"
    unknown.write_bytes(b"PK\x03\x04 not really a document")
    return {"wrong extension": wrong_ext, "empty": empty, "zip without shapefile": no_shp,
            "csv without coordinates": no_xy, "geopackage without layers": gpkg, "unknown type": unknown}


@pytest.mark.parametrize("case", ["wrong extension", "empty", "zip without shapefile", "csv without coordinates",
                                  "geopackage without layers", "unknown type"])
def test_a_bad_import_is_reported_and_adds_no_layer(win, boxes, tmp_path, case):
    path = _bad_inputs(tmp_path)[case]
    before = path.read_bytes()
    layers_before = win.document.layer_names()
    win.data_actions.import_paths([path])
    run(win)
    assert win.document.layer_names() == layers_before
    assert win.data_actions.asked == []  # told, not asked a question it cannot answer
    message = project_error(boxes)
    # the file named (a zip's message may name the member it tried)
    assert path.name in message or "empty" in message or "readme.txt" in message
    assert "Traceback" not in message
    assert path.read_bytes() == before
    still_renders(win)


def test_a_file_that_vanished_before_import_is_reported(win, boxes, tmp_path):
    win.data_actions.import_paths([tmp_path / "gone.csv"])
    run(win)
    assert "not found" in project_error(boxes)
    still_renders(win)


def test_cancelling_an_import_adds_nothing_and_says_nothing(win, boxes, tmp_path):
    csv = tmp_path / "sites.csv"
    csv.write_text("name_zh,经度,纬度\n大足石刻,105.72,29.70\n", encoding="utf-8")
    job = win.data_actions.import_path(csv, datum="wgs84")
    job.feedback.cancel()  # as the progress dialog's Cancel does
    run(win)
    assert "sites" not in win.document.layer_names()
    assert boxes == []
    still_renders(win)


# ---- exporting where nothing can be written ----------------------------------------------------

def _export(win, qtbot, path):
    dialog = win.open_export_dialog()
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    dialog.dpi.setValue(72)
    results = {}
    dialog.exported.connect(lambda p: results.setdefault("ok", p))
    dialog.failed.connect(lambda e: results.setdefault("error", e))
    dialog.start_export(str(path))
    qtbot.waitUntil(lambda: bool(results), timeout=120000)
    return dialog, results


def test_export_under_a_regular_file_says_why_and_leaves_no_file(win, qtbot, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("a regular file")
    path = blocker / "map.png"  # a folder that cannot exist (root may bypass chmod, not this)
    dialog, results = _export(win, qtbot, path)
    assert "error" in results and "ok" not in results
    assert dialog.message.text().strip()  # the reason, in the dialog
    assert dialog.save_button.isEnabled()  # the user can try again
    assert blocker.read_text() == "a regular file"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".ini") == ["file.txt"]
    dialog.close()
    still_renders(win)


def test_export_to_a_folder_not_yet_there_creates_it_and_writes_a_whole_png(win, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    path = tmp_path / "no" / "such" / "dir" / "map.png"
    dialog, results = _export(win, qtbot, path)
    assert results == {"ok": str(path)}
    image = QImage(str(path))
    assert (image.width(), image.height()) == (842, 595)  # a whole A4 landscape page at 72 dpi
    dialog.close()
    still_renders(win)


def test_cancelling_an_export_leaves_no_file(win, qtbot, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    path = tmp_path / "map.png"
    dialog = win.open_export_dialog()
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    dialog.dpi.setValue(300)
    results = {}
    dialog.exported.connect(lambda p: results.setdefault("ok", p))
    dialog.failed.connect(lambda e: results.setdefault("error", e))
    dialog.start_export(str(path))
    dialog.cancel_export()
    qtbot.waitUntil(lambda: bool(results), timeout=120000)
    assert results == {"error": "cancelled"}
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
    assert dialog.save_button.isEnabled()
    dialog.close()
    still_renders(win)


# ---- nonsense typed into fields ----------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "%%%", "'; DROP TABLE", "(((", "\\", "*" * 500, "\u0000", "🐼🐼"])
def test_nonsense_in_the_search_box_finds_nothing_and_breaks_nothing(win, qtbot, text):
    box = win.search_box
    box.update_results(text)
    box.choose_first()
    still_renders(win)


def test_nonsense_in_the_go_to_dialog_keeps_it_open_with_a_message(win, qtbot):
    from explorer.actions.field_check.locate import GoToDialog

    dialog = GoToDialog(win)
    qtbot.addWidget(dialog)
    for text in ["", "abc", "999, 999", "105.7", "north", "1e400, 1e400", "nan, nan", "29°99′N 105°E"]:
        dialog.edit.setText(text)
        dialog._try_accept()
        assert dialog.result() != dialog.DialogCode.Accepted, text
        assert dialog.message.text(), f"no message for {text!r}"
    dialog.edit.setText("105.72, 29.70")
    dialog._try_accept()
    assert dialog.parsed is not None and abs(dialog.parsed.lon - 105.72) < 1e-9
    still_renders(win)


@pytest.mark.parametrize("text", ["abc", "999, 999", "nan, nan", "inf, inf"])
def test_the_go_to_action_with_nonsense_raises_a_value_error_not_a_crash(win, text):
    panel = win.field_check_panel
    with pytest.raises(ValueError):
        panel.go_to(text)
    still_renders(win)


def test_nonsense_typed_into_the_year_boxes_keeps_a_valid_filter(win, qtbot):
    panel = win.filter_panel
    for spin, keys in ((panel.year_min, "abc"), (panel.year_max, "99999"), (panel.year_min, "-5")):
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, keys)
        qtbot.keyClick(spin, Qt.Key.Key_Return)
        assert spin.minimum() <= spin.value() <= spin.maximum()
    panel.year_min.setValue(2027)
    panel.year_max.setValue(2021)  # reversed range: read as 2021–2027, not as "nothing"
    flt = win.document.filter
    assert (flt.year_min, flt.year_max) == (2021, 2027)
    still_renders(win)
    panel.reset()
    assert win.document.filter.year_min is None
    still_renders(win)


def test_selecting_a_district_then_resetting_the_filter_shows_everything_again(win, qtbot):
    panel = win.filter_panel
    total = len(win.document.layer("projects").data)
    i = panel.province.findData("500000") if panel.province.findData("500000") >= 0 else 1
    panel.province.setCurrentIndex(i)
    assert panel.city.count() > 1 or panel.district.count() > 1
    if panel.district.count() > 1:
        panel.district.setCurrentIndex(1)
    assert win.document.filter.districts or win.document.filter.provinces or win.document.filter.cities
    still_renders(win)
    panel.reset()
    assert not win.document.filter.districts and not win.document.filter.provinces
    assert panel.district.currentData() is None and panel.province.currentData() is None
    assert int(win.document.filter.mask(win.document.layer("projects")).sum()) == total
    still_renders(win)


# ---- timing: language switch, closing during work ----------------------------------------------

def test_switching_language_while_a_render_is_pending_ends_with_the_new_language(win, qtbot):
    win.canvas.zoom_by(1.5)
    assert win.canvas.is_render_pending()
    win.set_language("en")
    win.canvas.zoom_by(0.8)
    win.set_language("zh")
    win.set_language("en")
    assert win.canvas.wait_idle()
    assert win.document.language == "en"
    assert win.windowTitle() == "Chengdu–Chongqing Economic Circle Explorer"
    still_renders(win)


def test_closing_the_window_during_an_export_stops_it_and_leaves_no_partial_file(win, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "out"
    out.mkdir()
    path = out / "map.png"
    dialog = win.open_export_dialog()
    dialog.format.setCurrentIndex(dialog.format.findData("png"))
    dialog.dpi.setValue(600)
    job = dialog.start_export(str(path))
    win.close()
    # the app may exit right after close (the worker is a daemon thread): the export must be over by then
    assert job.is_finished() and job.is_cancelled()
    files = sorted(p.name for p in out.iterdir())
    assert files in ([], ["map.pgw", "map.png", "map.prj"])  # nothing, or a whole PNG with its world file
    assert not any(".part" in name for name in files)
    if files:
        assert not QImage(str(path)).isNull()


def test_closing_the_window_during_an_import_cancels_it_without_a_crash(win, qtbot, tmp_path):
    csv = tmp_path / "sites.csv"
    csv.write_text("name_zh,经度,纬度\n" + "".join(f"点{i},{104 + i / 1e4:.4f},30.1\n" for i in range(20000)),
                   encoding="utf-8")
    job = win.data_actions.import_path(csv, datum="wgs84")
    win.close()
    assert job.is_finished() and job.is_cancelled()  # stopped and waited for, before the window is gone
    qtbot.wait(100)
    assert job.outcome is None and not win.data_actions.jobs.busy()  # withdrawn: it reports nothing more
    assert "sites" not in win.document.layer_names()
    assert csv.exists()


# ---- damaged settings, odd navigation -----------------------------------------------------------

@pytest.mark.parametrize("bookmarks", ["5", '"text"', "{bad", '{"name": "x"}', "[null, 3, []]",
                                       '[{"name": 5, "cx": "a", "cy": null, "resolution": -1}]',
                                       '[{"name": "far", "cx": 1e300, "cy": -1e300, "resolution": 0}]',
                                       '[{"name": "nan", "cx": NaN, "cy": 0, "resolution": 100}]'])
@pytest.mark.parametrize("view", ["{not json", '{"cx": 1e300, "cy": 1e300, "resolution": 50}',
                                  '{"cx": NaN, "cy": 0, "resolution": 50}', '{"cx": 0, "cy": 0, "resolution": NaN}'])
def test_damaged_settings_never_stop_the_window_from_opening_and_rendering(qtbot, document, settings, boxes,
                                                                            bookmarks, view):
    from explorer.main_window import SETTINGS_VERSION, MainWindow

    settings.setValue("version", SETTINGS_VERSION)
    settings.setValue("view", view)
    settings.setValue("filter", '{"themes": 5, "year_min": "soon"}')
    settings.setValue("state", "garbage")
    settings.setValue("bookmarks", bookmarks)
    w = MainWindow(document=document, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    try:
        assert w.canvas.wait_idle()
        for action in w.menu("bookmarks").actions():
            if not action.isSeparator() and action is not w._actions["act.add_bookmark"]:
                action.trigger()  # a damaged bookmark goes nowhere rather than crashing
        still_renders(w)
        w.add_bookmark("here")  # and bookmarks still work
        assert [b["name"] for b in w.bookmarks()][-1] == "here"
        w.set_bookmarks([{"name": 7}, {"name": "x", "cx": float("nan"), "cy": 0, "resolution": 1}, "junk"])
        assert w.bookmarks() == []  # a damaged project's bookmarks are dropped, the menu still builds
    finally:
        w.data_actions.shutdown()
        w.canvas.shutdown()


@pytest.mark.parametrize("factor", [1e-12, 1e12])
def test_zooming_absurdly_far_in_or_out_still_renders_and_home_brings_the_map_back(win, factor):
    for _ in range(5):
        win.canvas.zoom_by(factor)
    assert win.canvas.wait_idle()
    win.canvas.full_extent()
    still_renders(win)


def test_a_tiny_window_and_back_still_renders(win, qtbot):
    win.resize(1, 1)
    qtbot.wait(20)
    assert win.canvas.wait_idle()
    win.resize(1100, 760)
    qtbot.wait(20)
    still_renders(win)


@pytest.mark.parametrize("text", ["(((", "*", "\\", "🐼", "   ", "a" * 2000])
def test_nonsense_in_the_filter_text_box_filters_without_error(win, text):
    win.filter_panel.text.setText(text)
    win.filter_panel._apply()
    assert win.document.filter.text == text.strip()
    still_renders(win)  # districts and the circle still draw even when no project matches


def test_saving_a_project_or_layer_under_a_regular_file_is_reported(win, boxes, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert win.data_actions.save_project(blocker / "p.cyproj") is None
    assert boxes and "p.cyproj" in boxes[-1]
    n = len(boxes)
    win.data_actions.save_layer("projects", blocker / "projects.gpkg")
    run(win)
    assert len(boxes) == n + 1
    assert blocker.read_text() == "x"
    still_renders(win)


def test_a_field_check_of_a_bad_file_says_so_in_the_panel(win, qtbot, tmp_path):
    bad = tmp_path / "obs.csv"
    bad.write_text("名称\n无坐标\n", encoding="utf-8")
    panel = win.field_check_panel
    panel.run_check(str(bad))
    qtbot.waitUntil(lambda: not panel.is_busy(), timeout=60000)
    assert "c00" in panel.summary.text()  # shown as an error
    assert panel.run_button.isEnabled()
    still_renders(win)


@pytest.mark.parametrize("name, content", [
    ("text_xy.csv", "name,lon,lat\nA,abc,def\nB,,\n"),
    ("far_xy.csv", "name,lon,lat\nA,999,999\nB,-500,95\n"),
    ("not_geo.geojson", '{"type": "Feature"}'),
    ("list.geojson", "[1, 2, 3]"),
    ("broken.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Po'),
    ("bad.kml", "<kml><Document><Placemark><Point><coordinates>x,y</coordinates></Point></Placemark>"),
    ("bad.gpx", "<gpx><wpt lat='abc' lon='1'/></gpx>"),
    ("fake.xlsx", "not a workbook"),
    ("fake.shp", "not a shapefile"),
])
def test_bad_content_in_a_known_format_is_reported_or_imported_honestly(win, boxes, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = win.document.layer_names()
    win.data_actions.import_paths([path])
    run(win)
    added = [n for n in win.document.layer_names() if n not in before]
    if added:  # imported: then every kept feature is a real place, and the notes say what was dropped
        data = win.document.layer(added[0]).data
        assert len(data) and data.geometry.notna().all()
        assert data.total_bounds[0] >= -180 and data.total_bounds[2] <= 180
    elif not win.data_actions.asked:  # (a file without a CRS asks for one; Cancel adds nothing)
        assert boxes and "Traceback" not in boxes[-1]
    still_renders(win)


def test_dropping_a_broken_project_and_a_bad_file_reports_both(win, boxes, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    proj = tmp_path / "broken.cyproj"
    proj.write_text("{", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(proj)), QUrl.fromLocalFile(str(empty))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    assert win.data_actions.eventFilter(win.canvas, event)
    run(win)
    assert any("broken.cyproj" in b for b in boxes) and any("empty.csv" in b for b in boxes)
    still_renders(win)


def test_an_empty_map_exports_and_renders_without_error(win, qtbot, tmp_path):
    for name in list(win.document.layer_names()):
        win.document.remove_layer(name)
    assert win.canvas.wait_idle()
    dialog, results = _export(win, qtbot, tmp_path / "out" / "empty.png")
    assert "ok" in results, results
    dialog.close()


def test_closing_the_window_while_a_project_load_needs_an_answer_does_not_hang(win, boxes, tmp_path, monkeypatch):
    import threading

    from explorer import jobs

    reached = threading.Event()
    original = jobs.ask_in_gui

    def ask_in_gui(handler, feedback):
        ask = original(handler, feedback)

        def asking(payload):
            reached.set()  # the worker is about to wait for the GUI thread's answer
            return ask(payload)

        return asking

    monkeypatch.setattr(jobs, "ask_in_gui", ask_in_gui)
    csv = tmp_path / "sites.csv"
    csv.write_text("name_zh,经度,纬度\n大足石刻,105.72,29.70\n", encoding="utf-8")
    win.data_actions.import_path(csv, datum="wgs84")
    run(win)
    saved = win.data_actions.save_project(tmp_path / "p.cyproj")
    csv.unlink()
    asked = []
    win.data_actions.ask_missing = lambda missing: asked.append(missing.layer) or None
    job = win.data_actions.open_project(saved)
    assert reached.wait(30)  # (no event processing here: the question is still unanswered)
    win.close()  # the GUI thread waits for the worker; the worker must not wait for the GUI thread
    assert job.is_finished()
    assert asked == []  # nobody is asked about a project the user walked away from


def test_closing_the_window_while_the_field_check_writes_a_file_stops_it_and_leaves_nothing(win, tmp_path):
    import threading
    import time

    from geodata.core.atomic import atomic_path

    out = tmp_path / "out"
    out.mkdir()
    writing = threading.Event()

    def work(feedback):  # a report writer: many slow pages, checking cancel between them
        with atomic_path(out / "report.pdf") as tmp:
            with open(tmp, "wb") as fh:
                for page in range(10_000):
                    fh.write(b"%PDF page\n")
                    writing.set()
                    feedback.check()
                    time.sleep(0.01)
        return out / "report.pdf"

    task = win.field_check_panel._start(work, lambda path: None, plain("…"))
    assert writing.wait(30)
    win.close()
    assert task.is_finished() and task.is_cancelled()
    assert list(out.iterdir()) == []  # neither the report nor its .part file


def test_choosing_a_stale_search_result_after_its_layer_went_away_does_nothing_harmful(win, qtbot):
    box = win.search_box
    box.update_results("测试")
    assert box.results  # the test projects are found
    stale = box.results[0]
    win.document.remove_layer(stale.layer)  # e.g. another project was opened meanwhile
    view = win.canvas.view
    box.result_chosen.emit(stale)
    box.choose_first()
    assert win.canvas.view == view  # nowhere to go: the map stays where it was
    still_renders(win)


def test_switching_language_with_the_export_dialog_open_keeps_its_preview_coming(win, qtbot):
    dialog = win.open_export_dialog()
    win.set_language("en")
    dialog.update_preview()
    win.set_language("zh")
    with qtbot.waitSignal(dialog.preview_ready, timeout=60000):
        dialog.update_preview()
    assert (dialog.preview_image.width(), dialog.preview_image.height()) == (560, 396)  # the A4 landscape page
    dialog.close()
    still_renders(win)


def test_selection_table_and_identify_survive_their_layer_being_removed(win, qtbot):
    from tests.explorer.helpers import display_xy

    x, y = display_xy(win.document, "projects", "t-rail")
    hits = win.identify_at(x, y)
    assert hits and hits[0].layer == "projects"
    win.table.set_layer("projects")
    win.document.remove_layer("projects")
    view = win.canvas.view
    win.zoom_to_selection()
    win.zoom_to_feature("projects", "t-rail")
    win.table.feature_activated.emit("projects", "t-rail")
    assert win.canvas.view == view
    assert all(h.layer != "projects" for h in win.identify_at(x, y))
    still_renders(win)
