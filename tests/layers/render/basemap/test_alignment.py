"""Tiles land where the vector data are: a local tile server draws magenta markers at known
lon/lat (Web Mercator tiles; GCJ-02 tiles for the Amap-style set, so the warp back to WGS84 is
what is measured; TMS rows through an MBTiles file), and the same points are a vector layer.
At slide size (1920×1080), full circle and district scale, every marker centre must be within
1 px of the vector symbol, and no pixel of the background may show between tiles."""
from __future__ import annotations

import numpy as np
import pytest

from geodata.coords.projection import lonlat_bounds_to_display, region_extent
from layers.render.basemap.mbtiles import download_area, mbtiles_source
from layers.render.basemap.tile_basemap import TileBasemap
from layers.render.basemap.tile_cache import TileCache
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from tests.layers.render.basemap.helpers import (DISTRICT_BBOX, MARKERS, background_pixels, marker_centre,
                                                 marker_document, source)
from tests.layers.render.basemap.tile_server import TileServer

SCALES = {"full circle": region_extent(), "district": lonlat_bounds_to_display(DISTRICT_BBOX)}


@pytest.fixture(scope="module")
def server():
    srv = TileServer(MARKERS)
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def package(server, tmp_path_factory):
    """An MBTiles file of the district downloaded from the local server (rows stored TMS)."""
    out = tmp_path_factory.mktemp("pkg") / "dazu.mbtiles"
    download_area(source(server.url("xyz"), name="pkg"), DISTRICT_BBOX, range(9, 12), out,
                  cache=TileCache(tmp_path_factory.mktemp("pkg-cache")))
    return out


def _basemap(kind, server, package, tmp_path):
    if kind == "xyz":
        src = source(server.url("xyz"))
    elif kind == "gcj02":
        src = source(server.url("gcj"), datum="gcj02")
    else:
        src = mbtiles_source(package)
    return TileBasemap(src, cache=TileCache(tmp_path / "cache"), blocking=True)


def _offsets(basemap, extent):
    """(marker-to-symbol distances in px, pixels of background, the render result); markers
    nearer than 30 px to another (the fine grid at full-circle scale) are not measured."""
    doc = marker_document()
    request = MapRequest(document=doc, extent=extent, width=1920, height=1080, background="#ff0000",
                         labels=False, basemap=basemap)
    _, vectors = render_with_result(request)  # where the vector symbols were drawn
    tiles, result = render_with_result(MapRequest(document=doc, extent=extent, width=1920, height=1080,
                                                  background="#ff0000", layers=(), basemap=basemap))
    xy = np.array(list(vectors.point_positions.values()))
    gaps = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) + np.eye(len(xy)) * 1e9
    offsets = []
    for (x, y), gap in zip(xy.tolist(), gaps.min(axis=1).tolist()):
        if not (20 < x < 1900 and 20 < y < 1060) or gap < 30:
            continue
        found = marker_centre(tiles, x, y)
        assert found is not None, f"no marker near the symbol at ({x:.0f}, {y:.0f})"
        offsets.append(float(np.hypot(found[0] - x, found[1] - y)))
    return offsets, background_pixels(tiles), result


@pytest.mark.parametrize("kind, scale", [("xyz", "full circle"), ("xyz", "district"), ("gcj02", "full circle"),
                                         ("gcj02", "district"), ("mbtiles", "district")])  # the package: district only
def test_tile_markers_sit_on_the_vector_points_within_a_pixel_and_tiles_leave_no_seam(kind, scale, server, package,
                                                                                         tmp_path):
    basemap = _basemap(kind, server, package, tmp_path)
    try:
        offsets, seams, result = _offsets(basemap, SCALES[scale])
    finally:
        basemap.close()
    assert len(offsets) >= (20 if scale == "district" else 40)
    assert max(offsets) <= 1.0, f"{kind} at {scale}: a marker is {max(offsets):.2f} px from its point"
    report = result.basemap
    assert report.missing == 0 and report.drawn > 0
    if kind != "mbtiles":  # the package holds the district box only; the 16:9 view is wider
        assert seams == 0, f"{seams} background pixels show between the tiles"
        assert report.drawn == report.tiles


def test_gcj02_tiles_taken_for_wgs84_would_be_off_by_many_pixels(server, tmp_path):
    """The control: the warp is what aligns Amap tiles (GCJ-02 is ~460 m off WGS84 here)."""
    wrong = TileBasemap(source(server.url("gcj"), datum="wgs84", name="wrong"), cache=TileCache(tmp_path), blocking=True)
    try:
        offsets, _, _ = _offsets(wrong, SCALES["district"])
    finally:
        wrong.close()
    assert len(offsets) >= 20 and min(offsets) > 5.0
