"""Readable stacks: a click on the centre of the projects spread round 大足区's seat lists them all."""
from __future__ import annotations

import numpy as np
import pytest

from geodata.coords.projection import lonlat_to_display


@pytest.fixture(scope="module")
def bundle_document():
    from layers.model.document import MapDocument

    return MapDocument.from_bundle()


@pytest.fixture
def dazu_window(qtbot, bundle_document, settings):
    from explorer.main_window import MainWindow

    doc = bundle_document.snapshot()
    win = MainWindow(document=doc, settings=settings)
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    qtbot.waitExposed(win)
    assert win.canvas.wait_idle()
    seats = doc.layer("seats").data
    seat = seats[seats["name_zh"] == "大足区"].geometry.iloc[0]
    x, y = lonlat_to_display(seat.x, seat.y)
    win.canvas.center_on(float(x), float(y), 150.0)  # metres per pixel: the district fills the map
    assert win.canvas.wait_idle()
    yield win, (float(x), float(y))
    if win.stack_popup is not None:
        win.stack_popup.close()


def _stacked_projects(doc, x, y) -> set[str]:
    cache = doc.layer("projects").cache
    xy = cache.point_xy
    return {cache.ids[i] for i in np.flatnonzero(np.hypot(xy[:, 0] - x, xy[:, 1] - y) < 1.0)}


def test_a_click_on_the_stack_centre_lists_every_project_there(qtbot, dazu_window):
    win, (x, y) = dazu_window
    there = _stacked_projects(win.document, x, y)
    assert len(there) >= 40  # the seat of 大足区 holds dozens of projects
    hits = win.identify_at(x, y)
    popup = win.stack_popup
    assert popup is not None and popup.isVisible()
    assert {h.feature_id for h in hits} == there and {h.layer for h in hits} == {"projects"}
    assert len(popup.rows()) == len(there)
    assert set(win.document.selection["projects"]) == there  # the whole stack is highlighted
    texts = [popup.list.item(i).text() for i in range(popup.list.count())]
    assert all(" · " in t for t in texts)  # name · primary theme
    names = win.document.layer("projects").data["name_zh"]
    assert {t.split(" · ")[0] for t in texts} == {names.iloc[win._feature_row("projects", i)] for i in there}
    wanted = texts[len(texts) // 2].split(" · ")[0]
    popup.filter.setText(wanted)
    shown = popup.rows()
    assert 1 <= len(shown) < len(there)
    with qtbot.waitSignal(popup.picked, timeout=5000):
        popup.filter.returnPressed.emit()
    chosen = win.document.layer("projects").cache.ids[shown[0]]
    assert win.document.selection == {"projects": (chosen,)}
    assert not popup.isVisible()
    assert win.identify.current == ("projects", shown[0])
    popup.grab().save("/tmp/stack-popup.png")


def test_a_click_on_a_spread_symbol_picks_that_symbol(dazu_window):
    win, (x, y) = dazu_window
    positions = win.canvas.last_result.point_map_positions()
    rows = [row for (layer, row), _ in positions.items() if layer == "projects"]
    cache = win.document.layer("projects").cache
    member = next(r for r in rows if np.hypot(*(cache.point_xy[r] - (x, y))) < 1.0)
    sx, sy = positions[("projects", member)]
    assert np.hypot(sx - x, sy - y) > 0  # spread off the seat
    hits = win.identify_at(sx, sy)
    assert hits[0].layer == "projects" and hits[0].row == member
    assert win.stack_popup is None or not win.stack_popup.isVisible()


def test_no_stack_where_points_stand_alone(qtbot, window):
    from explorer.mapview.stacks import stack_at

    doc = window.document
    cache = doc.layer("projects").cache
    x, y = cache.point_xy[0]
    assert stack_at(doc, window.canvas.last_result, float(x), float(y), 6 * window.canvas.view.resolution) is None
