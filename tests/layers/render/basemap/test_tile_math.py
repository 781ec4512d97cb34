"""Tile maths: zoom choice, which tiles a view needs, and the warp's error bound."""
from __future__ import annotations

import math

import mercantile
import numpy as np
import pytest

from geodata.coords.projection import display_to_lonlat, lonlat_bounds_to_display, region_extent
from layers.render.basemap import tile_math
from layers.render.basemap.tile_math import (MAX_TILES, MAX_WARP_ERROR_PX, cells_for_zoom, count_lonlat_tiles,
                                             lonlat_tiles, lonlat_to_mercator, mercator_to_lonlat, plan_tiles,
                                             tiles_for_view, warp_error_px, zoom_for)
from layers.render.request import ViewTransform


def _tile_px_per_device_px(view, z):
    cx, cy = (view.extent[0] + view.extent[2]) / 2, (view.extent[1] + view.extent[3]) / 2
    lat = float(display_to_lonlat(cx, cy)[1])
    tile_m = tile_math.EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (256 * 2 ** z)
    return view.map_units_per_pixel / tile_m


@pytest.mark.parametrize("extent", [region_extent(), lonlat_bounds_to_display((105.4, 29.4, 106.0, 29.9))])
def test_zoom_makes_tile_pixels_about_device_pixels_on_screen_and_two_on_paper(extent):
    screen = ViewTransform.fit(extent, 1920, 1080)
    z = zoom_for(screen, 96)
    assert 1 / math.sqrt(2) <= _tile_px_per_device_px(screen, z) <= math.sqrt(2)
    paper = ViewTransform.fit(extent, 5760, 3240)  # the same map at 288 dpi
    zp = zoom_for(paper, 288)
    assert 1 / math.sqrt(2) <= _tile_px_per_device_px(paper, zp) * 2 <= math.sqrt(2)


def test_mercator_round_trip():
    lon, lat = np.array([101.8, 105.5, 110.3]), np.array([27.6, 30.0, 32.9])
    u, v = lonlat_to_mercator(lon, lat, 9)
    back = mercator_to_lonlat(u, v, 9)
    assert np.allclose(back[0], lon, atol=1e-10) and np.allclose(back[1], lat, atol=1e-10)
    t = mercantile.tile(105.5, 30.0, 9)
    assert (int(u[1]), int(v[1])) == (t.x, t.y)


@pytest.mark.parametrize("datum", ["wgs84", "gcj02"])
@pytest.mark.parametrize("z", [6, 8, 10, 12, 15])
def test_the_chosen_cells_keep_the_warp_error_within_bound_over_the_region(datum, z):
    n = cells_for_zoom(z, datum)
    rng = np.random.default_rng(z)
    for lon, lat in zip(rng.uniform(102, 110, 6), rng.uniform(28, 32.5, 6)):
        t = mercantile.tile(lon, lat, z)
        assert warp_error_px(t.z, t.x, t.y, datum, n) <= MAX_WARP_ERROR_PX * 1.5
    if z <= 8:  # and the subdivision is needed: one cell a tile would be off by more
        t = mercantile.tile(105.7, 29.7, z)
        assert warp_error_px(t.z, t.x, t.y, datum, 1) > MAX_WARP_ERROR_PX


def test_tiles_for_view_start_at_the_view_centre():
    view = ViewTransform.fit(region_extent(), 1920, 1080)
    z = zoom_for(view, 96)
    tiles = tiles_for_view(view, z)
    cx, cy = display_to_lonlat((view.extent[0] + view.extent[2]) / 2, (view.extent[1] + view.extent[3]) / 2)
    t = mercantile.tile(float(cx), float(cy), z)
    assert tiles[0] == (t.z, t.x, t.y)
    assert len(set(tiles)) == len(tiles) == 45  # 1920×1080 at zoom 8: ~8×6 tiles (every pixel: test_alignment)


def test_a_huge_frame_steps_the_zoom_down_to_stay_within_the_tile_limit():
    view = ViewTransform.fit(region_extent(), 20000, 12000)
    z, tiles = plan_tiles(view, 96, 0, 19, "wgs84")
    assert len(tiles) <= MAX_TILES and z < zoom_for(view, 96)


def test_download_tile_count_agrees_with_the_listing():
    bbox = (105.4, 29.4, 106.0, 29.9)
    assert count_lonlat_tiles(bbox, range(6, 12)) == len(lonlat_tiles(bbox, range(6, 12)))
