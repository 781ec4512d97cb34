"""Measuring on the canvas gives geodesic distances and areas."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, Qt
from pyproj import Geod

from explorer.mapview.measure import path_length_km, polygon_area_km2
from geodata.coords.projection import display_to_lonlat, lonlat_to_display
from tests.explorer.helpers import pixel_of

GEOD = Geod(ellps="WGS84")


def test_distance_between_two_clicks_is_the_geodesic(window, qtbot):
    window.set_tool("measure_distance")
    canvas = window.canvas
    a = pixel_of(canvas, "projects", "t-park")  # 成都 seat
    b = pixel_of(canvas, "projects", "t-eco")  # 重庆 seat
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=b)
    (lon1, lat1), (lon2, lat2) = [display_to_lonlat(*canvas.view.to_map(p.x(), p.y())) for p in (a, b)]
    expected = GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000
    shown = float(re.search(r"([\d.]+) km", window.measure_label.text()).group(1))
    assert shown == pytest.approx(expected, abs=0.006)
    assert 255 < shown < 280  # Chengdu–Chongqing seats are ~266 km apart


def test_area_of_a_one_degree_box_is_geodesic():
    corners = [(105, 30), (106, 30), (106, 31), (105, 31)]
    pts = [lonlat_to_display(lon, lat) for lon, lat in corners]
    expected = abs(GEOD.polygon_area_perimeter(*zip(*corners))[0]) / 1e6
    assert polygon_area_km2(pts) == pytest.approx(expected, rel=1e-3)
    assert 10_000 < polygon_area_km2(pts) < 11_000


def test_path_length_sums_segments():
    pts = [lonlat_to_display(105, 30), lonlat_to_display(106, 30), lonlat_to_display(106, 31)]
    expected = (GEOD.inv(105, 30, 106, 30)[2] + GEOD.inv(106, 30, 106, 31)[2]) / 1000
    assert path_length_km(pts) == pytest.approx(expected, rel=1e-9)


def test_escape_clears_the_measurement(window, qtbot):
    window.set_tool("measure_area")
    for dx, dy in ((0, 0), (100, 0), (100, 100)):
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(300 + dx, 300 + dy))
    assert "km²" in window.measure_label.text()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert window.canvas.measure_points == []
    assert "km²" not in window.measure_label.text()


def test_each_segment_is_labelled_on_the_map_and_listed_with_the_total(window, qtbot):
    from tests.explorer.helpers import rerender

    window.set_tool("measure_distance")
    canvas = window.canvas
    window.canvas.labels = False
    rerender(canvas)
    pts = [pixel_of(canvas, "projects", pid) for pid in ("t-park", "t-eco", "t-road")]
    before = canvas.grab().toImage()
    for p in pts:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=p)
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=pts[-1])
    lonlat = [display_to_lonlat(*canvas.view.to_map(p.x(), p.y())) for p in pts]
    legs = [GEOD.inv(*a, *b)[2] / 1000 for a, b in zip(lonlat, lonlat[1:])]
    text = window.measure_label.text()
    total = float(re.search(r"共 ([\d.]+) km", text).group(1))
    parts = [float(x) for x in re.findall(r"([\d.]+) km", text.split("各段")[1])]
    from explorer.mapview.measure import km_text

    assert total == pytest.approx(sum(legs), abs=0.01) and parts == pytest.approx(legs, abs=0.051)  # 264.1 km
    labels = canvas.segment_labels(canvas.measure_points)
    assert [t for t, _ in labels][:2] == [km_text(k) for k in legs] and labels[2][0] == f"共 {km_text(sum(legs))}"
    # the labels are drawn: the middle of each segment is covered by a white label box now
    after = canvas.grab().toImage()
    for _, at in labels[:2]:
        spot = QPoint(round(at.x()), round(at.y()) - 6)
        assert after.pixelColor(spot) != before.pixelColor(spot)
