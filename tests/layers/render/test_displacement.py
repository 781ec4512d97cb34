"""Point displacement: coincident points spread on a ring/spiral for display only."""
import math

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor
from shapely.geometry import Point

from layers.render.displacement import RING_MAX, displace, find_clusters, ring_offsets
from layers.model.document import MapDocument, MapLayer
from geodata.coords.projection import lonlat_bounds_to_display, lonlat_to_display
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from layers.model.style import LayerStyle, Style, StyleClass

EXTENT = lonlat_bounds_to_display((104.9, 29.4, 105.1, 29.6))


def test_points_within_tolerance_form_one_cluster_and_a_distant_point_stays_alone():
    px = np.array([100.0, 101.0, 100.5, 300.0])
    py = np.array([50.0, 50.0, 51.0, 50.0])
    clusters = find_clusters(px, py, tolerance=5.0)
    assert [c.members for c in clusters] == [(0, 1, 2)]
    assert clusters[0].centre == (100.5, pytest.approx(50 + 1 / 3))


def test_nan_positions_are_never_grouped():
    clusters = find_clusters(np.array([10.0, np.nan, 10.0]), np.array([10.0, np.nan, 10.0]), tolerance=4.0)
    assert [c.members for c in clusters] == [(0, 2)]


@given(st.integers(min_value=2, max_value=60))
@settings(max_examples=30, deadline=None)
def test_spread_symbols_keep_at_least_most_of_a_spacing_apart(n):
    spacing = 12.0
    offsets = np.array(ring_offsets(n, spacing))
    d = np.hypot(offsets[:, None, 0] - offsets[None, :, 0], offsets[:, None, 1] - offsets[None, :, 1])
    d[np.arange(n), np.arange(n)] = np.inf
    assert d.min() >= 0.9 * spacing
    assert np.hypot(offsets[:, 0], offsets[:, 1]).min() >= spacing * 0.99  # clear of the centre marker


def test_few_points_sit_on_one_ring_many_on_a_widening_spiral():
    ring = np.hypot(*np.array(ring_offsets(RING_MAX, 10.0)).T)
    assert np.allclose(ring, ring[0])
    spiral = np.hypot(*np.array(ring_offsets(25, 10.0)).T)
    assert np.all(np.diff(spiral) > 0)


def test_displace_moves_only_clustered_points_and_keeps_inputs():
    px = np.array([10.0, 10.0, 200.0])
    py = np.array([10.0, 10.0, 20.0])
    dx, dy, clusters = displace(px, py, tolerance=3.0, spacing=8.0)
    assert (px == [10.0, 10.0, 200.0]).all()  # inputs untouched
    assert (dx[2], dy[2]) == (200.0, 20.0)
    assert math.hypot(dx[0] - dx[1], dy[0] - dy[1]) >= 8.0 * 0.99
    assert len(clusters) == 1


def _two_coincident_points_doc():
    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "kind": ["red", "blue"]},
                           geometry=[Point(105.0, 29.5), Point(105.0, 29.5)], crs=4326)
    red = Style(fill="#ff0000", stroke=None, symbol="square", symbol_size_pt=10)
    blue = Style(fill="#0000ff", stroke=None, symbol="square", symbol_size_pt=10)
    style = LayerStyle(base=red, fields=("kind",), classes={
        "red": StyleClass("red", "红", "red", red), "blue": StyleClass("blue", "蓝", "blue", blue)})
    return gdf, MapDocument([MapLayer("sites", gdf, style=style, label_field=None)])


def _count(image, pred) -> int:
    return sum(1 for y in range(image.height()) for x in range(image.width()) if pred(QColor(image.pixel(x, y))))


def test_two_coincident_points_of_different_colours_are_both_visible():
    gdf, doc = _two_coincident_points_doc()
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=160, height=160, background="#ffffff"))
    reds = _count(image, lambda c: c.red() > 200 and c.green() < 60 and c.blue() < 60)
    blues = _count(image, lambda c: c.blue() > 200 and c.red() < 60 and c.green() < 60)
    side = 10 * 96 / 72 * 0.88  # the square symbol's side in pixels
    assert reds > 0.6 * side * side and blues > 0.6 * side * side  # each symbol (nearly) whole
    # drawn apart, around the true position, which keeps a grey centre marker
    (ax, ay), (bx, by) = result.point_positions[("sites", 0)], result.point_positions[("sites", 1)]
    assert math.hypot(ax - bx, ay - by) >= side
    view = result.view
    tx, ty = view.to_pixel(*lonlat_to_display(105.0, 29.5))
    centre = QColor(image.pixel(int(tx), int(ty)))
    assert abs(centre.red() - 0x55) < 40 and abs(centre.red() - centre.blue()) < 10
    # display only: the data keeps its coordinates
    assert list(doc.layers[0].data.geometry) == list(gdf.geometry)


def test_a_lone_point_is_drawn_at_its_true_position():
    gdf, doc = _two_coincident_points_doc()
    doc.set_layer_data("sites", gdf.iloc[:1].copy())
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=160, height=160))
    tx, ty = result.view.to_pixel(*lonlat_to_display(105.0, 29.5))
    x, y = result.point_positions[("sites", 0)]
    assert (round(x, 6), round(y, 6)) == (round(float(tx), 6), round(float(ty), 6))
