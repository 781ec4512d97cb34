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
