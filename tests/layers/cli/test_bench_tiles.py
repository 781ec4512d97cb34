"""The benchmark's basemap rows measure what they say: every tile at hand, no request made."""
from __future__ import annotations

from geodata.coords.projection import lonlat_bounds_to_display
from layers.cli.bench_tiles import cached_tile_basemap, pan_with_tiles
from layers.model.document import MapDocument
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest

START = lonlat_bounds_to_display((105.3, 29.3, 106.2, 29.9))


def _pans(n=6):
    step = (START[2] - START[0]) * 0.05
    return [(START[0] + i * step, START[1], START[2] + i * step, START[3]) for i in range(n)]


def test_the_cached_basemap_draws_every_tile_without_asking_for_any():
    doc = MapDocument()
    extents = _pans()
    views = [MapRequest(document=doc, extent=e, width=960, height=540).view() for e in extents]
    basemap = cached_tile_basemap(views)
    try:
        for extent in extents:
            _, result = render_with_result(MapRequest(document=doc, extent=extent, width=960, height=540,
                                                      basemap=basemap))
            assert result.basemap.missing == 0 and result.basemap.drawn == result.basemap.tiles > 0
        assert basemap.pending() == 0 and not basemap.failures
        assert basemap._frames.hits >= 3  # pans at the same scale were blits
    finally:
        basemap.close()


def test_pan_with_tiles_times_the_window_s_cuts_and_the_basemap_alone():
    doc = MapDocument()

    def make_request(extent, basemap=None, layers=None):
        return MapRequest(document=doc, extent=extent, width=480, height=270, basemap=basemap, layers=layers)

    with_tiles, sources, alone = pan_with_tiles(make_request, _pans(4), 480, 270)
    # the first view rested (its margin frame kept, every tile at hand): the 24-px steps are cuts of it
    assert sources == ["cached"] * 3 and len(with_tiles) == 3
    assert len(alone) == 4 and all(s > 0 for s in with_tiles + alone)
