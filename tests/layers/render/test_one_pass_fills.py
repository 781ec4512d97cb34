"""Translucent fills laid in one pass (draw_paths.one_pass_fills) draw the pixels that filling
each polygon in turn draws: districts over a basemap, and a place filter's focus tint."""
from __future__ import annotations

import numpy as np
import pytest

from geodata.coords.projection import lonlat_bounds_to_display
from layers.cli.bench_tiles import cached_tile_basemap
from layers.model.document import MapDocument
from layers.model.filter import Filter
from layers.render import draw_paths
from layers.render.renderer import render_image
from layers.render.request import MapRequest
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, pixels

EXTENT = lonlat_bounds_to_display((104.6, 29.0, 106.6, 30.3))


@pytest.fixture(scope="module")
def doc():
    return MapDocument.from_bundle(names=["districts", "circle"])


@pytest.mark.parametrize("case", ["districts over tiles", "focus tint"])
def test_one_pass_fills_match_filling_each_polygon(doc, case, monkeypatch):
    used = []
    real = draw_paths.one_pass_fills
    monkeypatch.setattr(draw_paths, "one_pass_fills", lambda *a: used.append(real(*a)) or used[-1])
    if case == "districts over tiles":
        view = MapRequest(document=doc, extent=EXTENT, width=960, height=540).view()
        basemap = cached_tile_basemap([view])
        request = MapRequest(document=doc, extent=EXTENT, width=960, height=540, labels=False, basemap=basemap)
    else:
        basemap = None
        request = MapRequest(document=doc, extent=lonlat_bounds_to_display(DISTRICT_BBOX), width=960, height=540,
                             labels=False, filter=Filter(districts=("500111",)))
    try:
        fast_image = render_image(request)  # kept: pixels() is a view of its memory
        fast = pixels(fast_image).astype(int)
        assert any(used)  # the one-pass fill did the filling
        monkeypatch.setattr(draw_paths, "one_pass_fills", lambda *a: False)  # each polygon blended in turn
        slow_image = render_image(request)
        slow = pixels(slow_image).astype(int)
    finally:
        if basemap is not None:
            basemap.close()
    assert np.array_equal(fast, slow)
