"""The basemap in a frame and on a page: fills turn translucent over tiles (outlines stay), the
credit sits bottom right and in the page's sources line, a pan blits the cached warp."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QColor

from geodata.coords.projection import lonlat_bounds_to_display, lonlat_to_display
from layers.model.document import MapDocument, MapLayer
from layers.model.style import LayerStyle, Style
from layers.page.export_map import export_map
from layers.render.basemap.tile_basemap import FILL_OVER_TILES, TileBasemap
from layers.render.basemap.tile_cache import TileCache
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.conftest import require_tool
from tests.layers.engine_fixtures import districts_gdf
from tests.layers.render.basemap.helpers import MARKERS, pixels, source
from tests.layers.render.basemap.tile_server import TILE_RGB, TileServer

EXTENT = lonlat_bounds_to_display((103.9, 28.9, 106.1, 30.1))


@pytest.fixture(scope="module")
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


def _polygons() -> MapDocument:
    style = LayerStyle(base=Style(fill="#ff0000", stroke="#000000", width_pt=2.0))
    return MapDocument([MapLayer("areas", districts_gdf(), style=style, label_field=None)])


def _colour_at(image, lon, lat, view):
    px, py = view.to_pixel(*lonlat_to_display(lon, lat))
    return QColor(image.pixel(int(px), int(py)))


def test_fills_turn_translucent_over_tiles_and_outlines_stay(server, tmp_path):
    doc = _polygons()
    plain_image, plain = render_with_result(MapRequest(document=doc, extent=EXTENT, width=800, height=500))
    basemap = TileBasemap(source(server.url()), cache=TileCache(tmp_path), blocking=True)
    tiled, result = render_with_result(MapRequest(document=doc, extent=EXTENT, width=800, height=500, basemap=basemap))
    basemap.close()
    inside = _colour_at(tiled, 104.3, 29.3, result.view)
    expected = [round(255 * FILL_OVER_TILES + t * (1 - FILL_OVER_TILES)) if i == 0 else round(t * (1 - FILL_OVER_TILES))
                for i, t in enumerate(TILE_RGB)]
    assert abs(inside.red() - expected[0]) <= 2 and abs(inside.green() - expected[1]) <= 2
    assert _colour_at(plain_image, 104.3, 29.3, plain.view).name() == "#ff0000"  # without tiles: as styled
    # the outline between the two districts (lon 105) is as dark over the tiles as without them
    view = result.view
    px, py = view.to_pixel(*lonlat_to_display(105.0, 29.5))
    column = [QColor(tiled.pixel(int(px) + dx, int(py))).lightness() for dx in range(-3, 4)]
    assert min(column) < 40


def test_the_credit_sits_small_in_the_bottom_right_corner(tmp_path):
    blank = TileServer([])  # tiles of one colour: everything else is the credit
    basemap = TileBasemap(source(blank.url()), cache=TileCache(tmp_path), blocking=True)
    image, _ = render_with_result(MapRequest(document=_polygons(), extent=EXTENT, width=800, height=500, layers=(),
                                             basemap=basemap))
    basemap.close()
    blank.close()
    a = pixels(image).astype(int)
    changed = np.abs(a[..., :3] - np.array(TILE_RGB[::-1])).sum(axis=2) > 30  # the credit's backing and text
    ys, xs = np.nonzero(changed)
    assert xs.max() == 799 and ys.max() == 499  # flush with the corner
    assert 60 < xs.max() - xs.min() < 300 and 8 < ys.max() - ys.min() < 25  # small but legible (6.5 pt)
    dark = (a[..., :3].sum(axis=2) < 300)[ys.min():, xs.min():]
    assert dark.sum() > 40  # there is lettering on the backing


def test_a_pan_at_the_same_scale_blits_the_cached_warp_and_matches_a_fresh_one(server, tmp_path):
    cache = TileCache(tmp_path)
    warm = TileBasemap(source(server.url()), cache=cache, blocking=True)
    request = MapRequest(document=_polygons(), extent=EXTENT, width=800, height=500, layers=(), basemap=warm)
    _, first = render_with_result(request)
    warm.close()
    window = TileBasemap(source(server.url()), cache=cache)  # non-blocking
    moved = first.view.pan(37, -21).extent
    frame = MapRequest(document=_polygons(), extent=EXTENT, width=800, height=500, layers=(), basemap=window)
    render_with_result(frame)  # asks for the padding's tiles too
    assert window.wait_idle(10.0)
    render_with_result(frame)  # every tile at hand: this warp is kept
    blit, _ = render_with_result(MapRequest(document=_polygons(), extent=moved, width=800, height=500, layers=(),
                                            basemap=window))
    assert window._frames.hits == 1
    fresh = TileBasemap(source(server.url()), cache=cache, blocking=True)
    again, _ = render_with_result(MapRequest(document=_polygons(), extent=moved, width=800, height=500, layers=(),
                                             basemap=fresh))
    window.close()
    fresh.close()
    diff = np.abs(pixels(blit).astype(int) - pixels(again).astype(int))
    assert diff.mean() < 0.2 and diff.max() <= 8


def test_a_pdf_page_credits_the_basemap_in_its_sources_and_on_the_map(server, tmp_path):
    pdftotext = require_tool("pdftotext")
    basemap = TileBasemap(source(server.url()), cache=TileCache(tmp_path / "c"), blocking=True)
    out = tmp_path / "tiles.pdf"
    export_map(_polygons(), out, preset="a4-landscape", dpi=150, extent=(104.0, 29.0, 106.0, 30.0), basemap=basemap)
    basemap.close()
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "底图 test tiles © 127.0.0.1" in text  # the footer's sources line
    assert text.count("test tiles © 127.0.0.1") == 2  # and on the map, bottom right
