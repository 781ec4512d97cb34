"""Pan frames cut out of a kept larger frame (layers/render/pan_cache.py)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtGui import QImage

from geodata.coords.projection import lonlat_bounds_to_display
from geodata.core.feedback import Feedback
from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.style import LayerStyle, Style
from layers.render.pan_cache import PAD, PanCache, padded_request
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf

EXTENT = lonlat_bounds_to_display((104.2, 29.1, 105.8, 29.9))
W, H = 400, 300


def _doc() -> MapDocument:
    red = LayerStyle(base=Style(fill="#ff0000", stroke=None, symbol="square", symbol_size_pt=12))
    return MapDocument([MapLayer("districts", districts_gdf(), label_field="name_zh"),
                        MapLayer("railways", railway_gdf(), label_field="name_zh"),
                        MapLayer("projects", projects_gdf(), style=red, label_field="name_zh")])


def _request(doc, extent=EXTENT, **kw) -> MapRequest:
    return MapRequest(doc, extent=extent, width=W, height=H, **kw)


def _panned(request: MapRequest, dx_px: float, dy_px: float) -> MapRequest:
    view = request.view().pan(dx_px, dy_px)
    return dataclasses.replace(request, extent=view.extent)


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.bytesPerLine() // 4 * image.height())
    return raw.reshape(image.height(), image.bytesPerLine() // 4)[:, :image.width()].copy()


def _red_pixels(image: QImage) -> int:
    p = _pixels(image)
    r, g, b = (p >> 16) & 255, (p >> 8) & 255, p & 255
    return int(((r > 200) & (g < 60) & (b < 60)).sum())


def _rested(**kw):
    """A document, and a pan cache holding the margin frame of a view that has rested."""
    doc = _doc()
    cache = PanCache()
    first = _request(doc, **kw)
    cache.warm(first)
    return doc, cache, first


def test_a_pan_at_the_same_scale_is_cut_from_the_kept_frame_pixel_for_pixel():
    doc = _doc()
    cache = PanCache()
    first = _request(doc)
    image, result = cache.frame(first)
    assert result.frame_source == "direct"  # the first view: exact
    assert np.array_equal(_pixels(image), _pixels(render_with_result(first)[0]))
    assert cache.warm(first)  # it rested: the margin frame is made and kept
    padded, _ = render_with_result(padded_request(first, first.view()))  # what the cache keeps
    moved = _panned(first, -40, 25)  # the view 40 px right and 25 px up (the map dragged left and down)
    image, result = cache.frame(moved)
    assert result.frame_source == "cached"
    assert (image.width(), image.height()) == (W, H)
    px, py = round(W * PAD), round(H * PAD)
    expected = _pixels(padded)[py - 25:py - 25 + H, px + 40:px + 40 + W]
    assert np.array_equal(_pixels(image), expected)
    assert _red_pixels(image) > 50  # the project squares are in it


def test_a_pan_beyond_the_kept_frame_renders_it_again_around_the_new_view():
    doc, cache, first = _rested()
    _image, result = cache.frame(_panned(first, -W * PAD - 10, 0))  # past the margin
    assert result.frame_source == "padded"
    _image, result = cache.frame(_panned(first, -W * PAD - 20, 0))  # inside the new one
    assert result.frame_source == "cached"


def test_a_new_scale_is_rendered_exactly_and_nothing_is_kept_for_it():
    doc, cache, first = _rested()
    x0, y0, x1, y1 = EXTENT
    zoomed = _request(doc, extent=(x0, y0, x0 + (x1 - x0) / 2, y0 + (y1 - y0) / 2))
    image, result = cache.frame(zoomed)
    direct, _ = render_with_result(zoomed)
    assert result.frame_source == "direct"
    assert np.array_equal(_pixels(image), _pixels(direct))
    # a pan at that new scale: the pan is under way, so the frame is rendered with its margin and kept
    assert cache.frame(_panned(zoomed, 10, 0))[1].frame_source == "padded"
    assert cache.frame(_panned(zoomed, 20, 0))[1].frame_source == "cached"


@pytest.mark.parametrize("change", ["hide", "filter", "style", "language", "selection", "labels"])
def test_any_change_of_content_is_never_answered_from_the_kept_frame(change):
    doc, cache, first = _rested()
    before = _red_pixels(cache.frame(_panned(first, 5, 0))[0])
    assert before > 50
    request = _panned(first, 10, 0)
    if change == "hide":
        doc.set_visible("projects", False)
    elif change == "filter":
        doc.set_filter(Filter(themes=frozenset({"culture_tourism"})))
    elif change == "style":
        doc.set_style("projects", LayerStyle(base=Style(fill="#0000ff", stroke=None, symbol="square",
                                                        symbol_size_pt=12)))
    elif change == "language":
        doc.language = "en"
    elif change == "selection":
        doc.set_selection({"projects": ["p-west"]})
    else:
        request = dataclasses.replace(request, labels=False)
    image, result = cache.frame(request)
    assert result.frame_source != "cached"
    red = _red_pixels(image)
    if change in ("hide", "style"):
        assert red == 0  # the red squares are gone, not shown from the old frame
    elif change == "filter":
        assert 0 < red < before  # the east county's park is filtered out
    else:
        assert red > 50


def test_a_cut_counts_and_places_what_its_own_view_shows():
    doc, cache, first = _rested()
    moved = _panned(first, -60, 0)
    _image, cut = cache.frame(moved)
    assert cut.frame_source == "cached"
    _direct_image, direct = render_with_result(moved)
    assert cut.drawn == direct.drawn  # the margin's features are not counted
    cut_points, direct_points = cut.point_map_positions(), direct.point_map_positions()
    assert set(direct_points) <= set(cut_points)
    for key, (x, y) in direct_points.items():  # the same map positions (a pixel at most: whole-pixel cut)
        assert cut_points[key] == pytest.approx((x, y), abs=cut.view.map_units_per_pixel)
    assert cut.view.extent == pytest.approx(moved.view().extent, abs=cut.view.map_units_per_pixel)
    for placed in cut.labels:  # labels in the cut's own pixels
        assert placed.rect.right() > 0 and placed.rect.left() < W


def test_new_tiles_make_the_kept_frame_stale():
    class Tiles:  # the part of a TileBasemap the cache looks at
        revision = 0

        def draw(self, painter, view, dpi, feedback, background):
            return None

        @staticmethod
        def translucent(classes):
            return classes

        def draw_attribution(self, painter, view, dpi, language):
            return None

    tiles = Tiles()
    doc = _doc()
    cache = PanCache()
    first = _request(doc, basemap=tiles)
    cache.warm(first)
    assert cache.frame(_panned(first, 5, 0))[1].frame_source == "cached"
    tiles.revision += 1  # a tile arrived
    assert cache.frame(_panned(first, 10, 0))[1].frame_source != "cached"


def test_a_cancelled_margin_frame_is_not_kept():
    doc = _doc()
    cache = PanCache()
    feedback = Feedback()
    feedback.cancel()
    assert not cache.warm(_request(doc), feedback)
    assert cache.frame(_panned(_request(doc), 5, 0))[1].frame_source != "cached"


def test_the_same_view_again_is_rendered_exactly_not_cut():
    """A refresh or new content at the view shown is what an export of that view draws."""
    doc, cache, first = _rested()
    moved = _panned(first, -30, 0)
    assert cache.frame(moved)[1].frame_source == "cached"
    image, result = cache.frame(moved)  # the same view again
    assert result.frame_source == "direct"
    assert np.array_equal(_pixels(image), _pixels(render_with_result(moved)[0]))
