"""Pan/zoom arithmetic of the canvas view, without widgets."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from explorer.mapview.view_state import ViewState, image_transform, scale_denominator

coord = st.floats(-2e6, 2e6, allow_nan=False)


def test_fit_shows_the_whole_extent_with_widget_aspect():
    view = ViewState.fit((0, 0, 1000, 500), 400, 400)
    xmin, ymin, xmax, ymax = view.extent()
    assert xmin <= 0 and xmax >= 1000 and ymin <= 0 and ymax >= 500
    assert (xmax - xmin) / (ymax - ymin) == pytest.approx(1.0)


@given(coord, coord, st.floats(0.1, 50), st.floats(0, 800), st.floats(0, 600))
def test_zoom_keeps_the_point_under_the_cursor(cx, cy, factor, px, py):
    view = ViewState(cx, cy, 500.0, 800, 600)
    before = view.to_map(px, py)
    after = view.zoomed(factor, px, py)
    mapped = after.to_map(px, py)
    if after.resolution == pytest.approx(500.0 / factor):
        assert mapped == pytest.approx(before, abs=1e-3)


def test_pan_moves_content_with_the_mouse():
    view = ViewState(0, 0, 10.0, 100, 100)
    moved = view.panned(20, -10)
    # the map point that was at pixel (50, 50) is now at (70, 40)
    assert moved.to_pixel(0, 0) == pytest.approx((70, 40))


def test_pending_image_is_shifted_and_scaled_into_new_view():
    old = ViewState(0, 0, 10.0, 200, 100)
    new = old.zoomed(2.0, 50, 50)
    scale, dx, dy = image_transform(old, new)
    assert scale == pytest.approx(2.0)
    # the old image's pixel (50, 50) maps to the same screen pixel after the zoom
    assert (dx + 50 * scale, dy + 50 * scale) == pytest.approx((50, 50))


def test_scale_at_the_centre_is_geodesic():
    # 100 m per pixel at 96 dpi is 1:377 953 on a true-scale plane; LCC is near true scale here
    view = ViewState(0, 0, 100.0, 800, 600)
    n = scale_denominator(view, 96)
    assert n == pytest.approx(100 / (0.0254 / 96), rel=0.01)
    assert n != pytest.approx(100 / (0.0254 / 96), rel=1e-9)
