"""Canvas mechanics: pan, zoom, box zoom, keys, threaded renders and the pending image."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.explorer.helpers import patch


def _wheel(canvas, pos: QPoint, steps: int) -> None:
    event = QWheelEvent(QPointF(pos), QPointF(canvas.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas, event)


def test_wheel_zooms_around_the_cursor(window):
    canvas = window.canvas
    pos = QPoint(200, 150)
    anchor = canvas.view.to_map(pos.x(), pos.y())
    before = canvas.view.resolution
    _wheel(canvas, pos, 2)
    assert canvas.view.resolution == pytest.approx(before / 1.25 ** 2)
    assert canvas.view.to_map(pos.x(), pos.y()) == pytest.approx(anchor)


def test_drag_pans_and_does_not_identify(window, qtbot):
    canvas = window.canvas
    start = canvas.view
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 300))
    qtbot.mouseMove(canvas, QPoint(340, 320))
    qtbot.mouseMove(canvas, QPoint(400, 350))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(400, 350))
    assert canvas.view.cx == pytest.approx(start.cx - 100 * start.resolution)
    assert canvas.view.cy == pytest.approx(start.cy + 50 * start.resolution)
    assert window.identify.current is None


def test_shift_drag_zooms_to_the_box(window, qtbot):
    canvas = window.canvas
    a, b = QPoint(100, 100), QPoint(300, 200)
    corner_a = canvas.view.to_map(a.x(), a.y())
    corner_b = canvas.view.to_map(b.x(), b.y())
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, shift, QPoint(100, 100))
    qtbot.mouseMove(canvas, b)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, shift, b)
    x0, y0, x1, y1 = canvas.view.extent()
    assert x0 <= corner_a[0] + 1 and x1 >= corner_b[0] - 1
    assert y0 <= corner_b[1] + 1 and y1 >= corner_a[1] - 1
    # the box fills the view along its tighter side
    assert min(x1 - x0 - (corner_b[0] - corner_a[0]), y1 - y0 - (corner_a[1] - corner_b[1])) == pytest.approx(0, abs=1)


def test_keys_pan_and_zoom(window, qtbot):
    canvas = window.canvas
    start = canvas.view
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.view.cx > start.cx
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.view.resolution < start.resolution
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    assert canvas.view.resolution == pytest.approx(start.resolution, rel=1e-6)


def test_pending_render_shows_the_last_image_shifted(window):
    canvas = window.canvas
    before = canvas.grab().toImage()
    canvas.pan_by(60, 0)  # a new render is queued, not finished
    assert canvas.is_render_pending()
    during = canvas.grab().toImage()
    centre = QPoint(400, 300)
    assert patch(during, centre + QPoint(60, 0), 10) == patch(before, centre, 10)
    assert canvas.wait_idle()


def test_only_the_last_of_many_quick_renders_is_shown(window, qtbot):
    canvas = window.canvas
    results = []
    canvas.render_finished.connect(results.append)
    for _ in range(6):
        canvas.pan_by(15, 0)
        QApplication.processEvents()
    assert canvas.wait_idle()
    assert results, "the last render must arrive"
    assert results[-1].view.extent == pytest.approx(canvas.view.extent(), abs=1e-3)


def test_a_result_already_sent_for_an_old_view_does_not_end_the_wait_for_the_new_one(window):
    canvas = window.canvas
    results = []
    canvas.render_finished.connect(results.append)
    canvas.pan_by(15, 0)
    canvas._debounce.stop()
    canvas._start_render()  # the render of this view starts at once ...
    old = canvas.frame_job()
    assert old.wait(30)  # ... and its result is queued, not handled
    canvas.pan_by(15, 0)  # the view moves on before that result is delivered
    QCoreApplication.sendPostedEvents()  # delivers the old result (timers, the new job's start, wait)
    assert canvas.is_render_pending()
    assert canvas.wait_idle()
    assert results[-1].view.extent == pytest.approx(canvas.view.extent(), abs=1e-3)
    assert canvas.last_result is results[-1]
    assert old.outcome == "cancelled"  # its result arrived too late to count


def test_each_project_is_drawn_in_its_class_colour_where_it_lies(window):
    from tests.explorer.helpers import rerender

    canvas, doc = window.canvas, window.document
    result, image = canvas.last_result, canvas_image(window)
    layer = doc.layer("projects")
    keys = layer.cache.class_keys(layer.style.fields)
    drawn_at = {row: (round(x), round(y)) for (name, row), (x, y) in result.point_positions.items() if name == "projects"}
    assert sorted(drawn_at) == [0, 1, 2, 3]
    doc.set_visible("projects", False)
    rerender(canvas)
    under = canvas_image(window)  # the map beneath the symbols
    for row, (x, y) in drawn_at.items():
        style = layer.style.classes[keys[row]].style  # e.g. transport|under_construction: 55 % blue
        fill, below, shown = QColor(style.fill), QColor(under.pixel(x, y)), QColor(image.pixel(x, y))
        expected = [style.fill_opacity * f + (1 - style.fill_opacity) * b
                    for f, b in zip(fill.getRgb()[:3], below.getRgb()[:3])]
        assert shown.getRgb()[:3] == pytest.approx(expected, abs=2), layer.data["id"].iloc[row]
    assert result.drawn["projects"] == 4
    assert result.drawn["districts"] == len(doc.layer("districts").cache.visible(canvas.view.extent()))


def canvas_image(window) -> QImage:
    return window.canvas.current_image()


def test_scale_bar_length_is_geodesic(window):
    from geodata.coords.projection import display_to_lonlat
    from pyproj import Geod

    canvas = window.canvas
    bar, (x, y) = canvas.scale_bar()
    a = display_to_lonlat(*canvas.view.to_map(x, y))
    b = display_to_lonlat(*canvas.view.to_map(x + bar.pixels, y))
    assert Geod(ellps="WGS84").inv(*a, *b)[2] == pytest.approx(bar.length_m, rel=1e-3)
    assert bar.length_m in {k * 10 ** e for k in (1, 2, 5) for e in range(0, 7)}
    # and it is painted: dark pixels on the bar's row that the bare map image lacks there
    shown = canvas.grab().toImage()
    row = round(y - 2)
    bare = canvas.current_image()

    def dark(image):
        return sum(1 for px in range(int(x), int(x + bar.pixels)) if QColor(image.pixel(px, row)).lightness() < 60)

    assert dark(shown) > bar.pixels * 0.3 > dark(bare)


def test_a_render_overtaken_by_a_newer_view_is_cancelled_and_never_shown(window, qtbot):
    import threading

    from explorer.jobs import Job

    canvas = window.canvas
    gate = threading.Event()
    Job(lambda feedback: gate.wait(10), "map").start()  # keeps the map lane busy so both renders queue up
    finished = []
    canvas.render_finished.connect(finished.append)
    canvas.pan_by(30, 0)
    canvas.schedule_render(immediate=True)
    qtbot.waitUntil(lambda: canvas.frame_job() is not None)
    first = canvas.frame_job()
    canvas.pan_by(30, 0)
    canvas.schedule_render(immediate=True)
    qtbot.waitUntil(lambda: canvas.frame_job() is not first)
    assert first.feedback.is_cancelled()
    gate.set()
    assert canvas.wait_idle()
    assert len(finished) == 1
    assert finished[0].view.extent == pytest.approx(canvas.view.extent(), abs=1e-3)
    assert first.outcome == "cancelled" and not first.feedback.fraction  # skipped: it never started painting


def test_a_long_data_job_does_not_hold_up_map_work():
    import threading

    from explorer.jobs import Job

    release = threading.Event()
    map_done = threading.Event()
    slow = Job(lambda feedback: release.wait(10), "data").start()
    Job(lambda feedback: map_done.set(), "map").start()
    try:
        assert map_done.wait(5), "a map job waited behind a data job"
    finally:
        release.set()
        slow.wait(5)


def _label_under_the_scale_bar(window, box):
    """A labelled project put in the middle of the scale bar's box; the labels placed for it."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geodata.coords.projection import display_to_lonlat
    from tests.explorer.helpers import rerender

    canvas, doc = window.canvas, window.document
    x, y, w, h = box
    lon, lat = display_to_lonlat(*canvas.view.to_map(x + 60, y + h / 2))
    data = gpd.GeoDataFrame({"id": ["under-bar"], "name_zh": ["比例尺下的项目名称"], "themes": ["transport"],
                             "status": ["planned"]}, geometry=[Point(lon, lat)], crs=4326)
    if "bar_test" in doc:
        doc.remove_layer("bar_test")
    from layers.model.document import MapLayer

    doc.add_layer(MapLayer(name="bar_test", data=data, label_field="name_zh", show_labels=True))
    rerender(canvas)
    return [lab for lab in canvas.last_result.labels if lab.feature_id == "under-bar"], QRectF(x, y, w, h)


def test_no_map_label_is_placed_under_the_scale_bar(window, monkeypatch):
    reserve = window.canvas.furniture_boxes(window.canvas.view)[0]
    bar, _ = window.canvas.scale_bar()
    assert reserve[2] >= bar.pixels + 70  # the reserve holds the bar's painted box at any length
    labels, box = _label_under_the_scale_bar(window, reserve)
    assert all(not lab.rect.intersects(box) for lab in labels)
    # the check can fail: without the reserve the label sits there, covered by the bar's white box
    monkeypatch.setattr(type(window.canvas), "furniture_boxes", lambda self, view: [])
    labels, box = _label_under_the_scale_bar(window, reserve)
    assert labels and any(lab.rect.intersects(box) for lab in labels)


def test_many_views_during_a_slow_render_give_one_frame_for_the_last_view(window, qtbot, monkeypatch):
    """A frame in progress is replaced, not queued: each new view cancels it through its Feedback."""
    import time

    from explorer.mapview import canvas as canvas_module
    from geodata.core.feedback import Cancelled

    real = canvas_module.render_frame
    painted, stopped = [], []

    def slow_frame(request, dpr, feedback, **kw):
        for _ in range(40):  # ~0.4 s of "painting" that looks at its Feedback, as the renderer does
            if feedback.is_cancelled():
                stopped.append(request.extent)
                raise Cancelled()
            time.sleep(0.01)
        painted.append(request.extent)
        return real(request, dpr, feedback, **kw)

    canvas = window.canvas
    assert canvas.wait_idle()
    monkeypatch.setattr(canvas_module, "render_frame", slow_frame)
    finished = []
    canvas.render_finished.connect(finished.append)
    for _ in range(12):
        canvas.pan_by(7, 3)
        qtbot.wait(60)  # past the debounce: a frame starts, then the next view overtakes it
    assert canvas.wait_idle(30000)
    assert len(finished) == 1 and len(painted) == 1  # one frame, for ...
    assert finished[0].view.extent == pytest.approx(canvas.view.extent(), abs=1e-3)  # ... the last view
    assert stopped, "frames in progress were cancelled, not left to finish"


def test_a_pan_after_the_view_rested_is_a_cut_and_the_view_at_rest_is_the_exact_frame(window, qtbot):
    """A rested view gets a kept margin frame; a pan within it shows a cut (same counts as an exact
    render); once the view rests again the exact frame replaces the cut; hiding a layer is never
    answered from the kept frame."""
    from layers.render.renderer import render_with_result
    from tests.explorer.helpers import rerender

    canvas, doc = window.canvas, window.document
    qtbot.waitUntil(lambda: canvas._pan_cache._kept is not None, timeout=10000)  # rested: margin frame kept
    canvas.pan_by(-30, 0)  # the map moves 30 px left under the mouse
    assert canvas.wait_idle()
    cut = canvas.last_result
    assert cut.frame_source == "cached"
    exact_image, exact = render_with_result(canvas.make_request(canvas.view, canvas.devicePixelRatioF()))
    assert cut.drawn == exact.drawn and cut.drawn["projects"] > 0
    qtbot.waitUntil(lambda: canvas.last_result.frame_source == "direct", timeout=10000)  # rested again
    assert canvas.current_image() == exact_image.convertToFormat(canvas.current_image().format())
    doc.set_visible("projects", False)
    rerender(canvas)
    assert canvas.last_result.frame_source != "cached"
    assert "projects" not in canvas.last_result.drawn
