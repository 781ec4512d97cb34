"""Edit → Undo/Redo of style and filter changes, and View → previous/next view, in the window."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence

from layers.model.classify import STATUS_COLOURS, categorized_style
from layers.model.filter import Filter
from tests.explorer.helpers import pixel_of, rerender


def _colour_at(canvas, layer: str, feature_id: str) -> str:
    point = pixel_of(canvas, layer, feature_id)
    dpr = canvas.current_image().devicePixelRatio()
    return QColor(canvas.current_image().pixel(round(point.x() * dpr), round(point.y() * dpr))).name()


def test_undo_of_a_style_change_restores_the_previous_colours_on_the_map(window):
    doc, canvas, history = window.document, window.canvas, window.history
    window.zoom_to_layer("projects")
    rerender(canvas)
    before = {pid: _colour_at(canvas, "projects", pid) for pid in ("t-rail", "t-park", "t-eco")}
    projects = doc.layer("projects")
    doc.set_style("projects", categorized_style(projects.style, projects.data, "point", "status"))
    rerender(canvas)
    assert _colour_at(canvas, "projects", "t-rail") == STATUS_COLOURS["under_construction"]
    assert _colour_at(canvas, "projects", "t-eco") == STATUS_COLOURS["operating"]
    assert history.undo.isEnabled() and "重点项目" in history.undo.text()
    history.undo.trigger()
    rerender(canvas)
    assert {pid: _colour_at(canvas, "projects", pid) for pid in before} == before
    assert doc.layer("projects").style.renderer == "single" and history.redo.isEnabled()
    history.redo.trigger()
    rerender(canvas)
    assert _colour_at(canvas, "projects", "t-rail") == STATUS_COLOURS["under_construction"]


def test_undo_and_redo_of_a_filter_and_their_shortcuts(window):
    history = window.history
    assert history.undo.shortcut() == QKeySequence("Ctrl+Z")
    assert QKeySequence("Ctrl+Shift+Z") in history.redo.shortcuts()
    assert history.back.shortcut() == QKeySequence("Alt+Left")
    assert history.forward.shortcut() == QKeySequence("Alt+Right")
    assert not history.undo.isEnabled()
    window.document.set_filter(Filter(themes=("transport",)))
    window.filter_panel  # the panel follows the document
    history.undo.trigger()
    assert window.document.filter == Filter()
    history.redo.trigger()
    assert window.document.filter == Filter(themes=("transport",))
    assert "撤销" in history.undo.text() and "筛选" in history.undo.text()


def test_edit_menu_sits_before_view_and_view_menu_offers_previous_and_next(window):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("编辑(&E)") == titles.index("视图(&V)") - 1
    view = [a.objectName() for a in window.menu("view").actions()]
    assert view[:2] == ["view_back", "view_forward"]
    assert window.history.back in window.toolbar.actions()


def test_back_and_forward_restore_the_extents_exactly(window, qtbot):
    canvas, history = window.canvas, window.history
    qtbot.waitUntil(lambda: history.settled)  # the window's first view is noted
    start = history.views.index
    first = canvas.view.extent()
    canvas.zoom_by(2.0, 200, 150)
    history.note_view()
    second = canvas.view.extent()
    canvas.pan_by(120, -40)
    qtbot.waitUntil(lambda: history.settled)  # noted once the map settles
    assert history.views.index == start + 2
    third = canvas.view.extent()
    assert len({first, second, third}) == 3
    history.back.trigger()
    assert canvas.view.extent() == second
    history.back.trigger()
    assert canvas.view.extent() == first
    assert not history.back.isEnabled() and history.forward.isEnabled()  # the window's first view
    history.forward.trigger()
    history.forward.trigger()
    assert canvas.view.extent() == third
    assert not history.forward.isEnabled()
    history.back.trigger()
    canvas.zoom_by(1.5)  # a new view after going back drops the views ahead
    history.note_view()
    assert not history.forward.isEnabled()
    history.back.trigger()
    assert canvas.view.extent() == second


def test_a_view_not_yet_noted_is_kept_before_going_back(window, qtbot):
    canvas, history = window.canvas, window.history
    qtbot.waitUntil(lambda: history.settled)
    first = canvas.view.extent()
    canvas.center_on(canvas.view.cx + 5000, canvas.view.cy)
    moved = canvas.view.extent()
    history.back.trigger()  # straight away, before the settle timer: still goes back and can return
    assert canvas.view.extent() == first
    history.forward.trigger()
    assert canvas.view.extent() == moved


def test_keyboard_alt_left_goes_back(window, qtbot):
    canvas, history = window.canvas, window.history
    qtbot.waitUntil(lambda: history.settled)
    first = canvas.view.extent()
    canvas.zoom_by(2.0)
    history.note_view()
    window.activateWindow()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert canvas.view.extent() == first


def test_an_opened_project_starts_a_new_history(window):
    window.document.set_filter(Filter(themes=("water",)))
    assert window.history.undo.isEnabled()
    window.data_actions.project_loaded.emit("p.cyproj")
    assert not window.history.undo.isEnabled() and window.history.undo.text() == "撤销"
