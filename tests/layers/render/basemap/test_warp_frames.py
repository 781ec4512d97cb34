"""The window's warp shortcuts change no pixel: cell transforms kept in a tile's own metres map
points where a fresh quadToQuad in device pixels does, and the opaque (RGB32) frame cache over an
opaque background draws what a fresh warp draws; a transparent background keeps a transparent frame."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QTransform

from geodata.coords.projection import lonlat_bounds_to_display
from layers.cli.bench_tiles import cached_tile_basemap
from layers.model.document import MapDocument
from layers.render.basemap.tile_math import TILE_PX, cells_for_zoom, tile_grid, tiles_for_view
from layers.render.basemap.warp import _cells, _local_cells
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest, ViewTransform
from tests.layers.render.basemap.helpers import DISTRICT_BBOX, pixels

EXTENT = lonlat_bounds_to_display(DISTRICT_BBOX)


@pytest.mark.parametrize("z", [7, 10, 13])
def test_kept_cell_transforms_map_like_a_fresh_solve_in_device_pixels(z):
    view = ViewTransform.fit(EXTENT, 1600, 900)
    n = cells_for_zoom(z, "wgs84")
    s, ox, oy = view.scale, view.extent[0], view.extent[3]
    for tile in tiles_for_view(view, z)[:6]:
        grid = tile_grid(*tile, "wgs84", n)
        px = np.empty_like(grid)
        px[..., 0] = (grid[..., 0] - ox) * s + 12.0  # an offset, as a padded frame has
        px[..., 1] = (oy - grid[..., 1]) * s - 7.0
        fresh = _cells(px, (0.0, 0.0, float(TILE_PX)))
        kept, (x0, y0), _box = _local_cells(tile, "wgs84", n, (0.0, 0.0, float(TILE_PX)))
        to_device = QTransform(s, 0.0, 0.0, s, (x0 - ox) * s + 12.0, (oy - y0) * s - 7.0)
        assert len(kept) == len(fresh) == n * n
        for (rect_a, a), (rect_b, b) in zip(fresh, kept):
            assert rect_a == rect_b
            for u in (rect_a.left(), rect_a.center().x(), rect_a.right()):
                for v in (rect_a.top(), rect_a.center().y(), rect_a.bottom()):
                    pa, pb = a.map(QPointF(u, v)), (b * to_device).map(QPointF(u, v))
                    assert abs(pa.x() - pb.x()) < 1e-6 and abs(pa.y() - pb.y()) < 1e-6


@pytest.mark.parametrize("background, pan", [("#dfe9f0", (-60, 30)), (None, (-60, 30)),
                                             ("#dfe9f0", (-330, 170)), (None, (290, -150))])
def test_the_cached_frame_blits_what_a_fresh_warp_draws(background, pan):
    """A pan within the padded frame is a blit; one leaving it moves the frame and warps only
    the strips it uncovers (the `moves`): either way the pixels of a fresh warp."""
    doc = MapDocument()
    view = MapRequest(document=doc, extent=EXTENT, width=800, height=450).view()
    window = cached_tile_basemap([view, view.pan(*pan)])
    try:
        moved = view.pan(*pan).extent
        request = dict(document=doc, width=800, height=450, background=background)
        render_with_result(MapRequest(extent=EXTENT, basemap=window, **request))  # builds the padded frame
        blit, result = render_with_result(MapRequest(extent=moved, basemap=window, **request))
        leaves = abs(pan[0]) > 200 or abs(pan[1]) > 112  # FRAME_PAD of 800×450
        assert (window._frames.moves, window._frames.hits) == ((1, 0) if leaves else (0, 1))
        assert result.basemap.missing == 0 and result.basemap.drawn == result.basemap.tiles > 0
        frame = window._frames._frame.image
        opaque = QImage.Format.Format_RGB32 if background else QImage.Format.Format_ARGB32_Premultiplied
        assert frame.format() == opaque
        fresh = cached_tile_basemap([view, view.pan(*pan)])  # a new basemap: no frame yet, this one warps the view afresh
        fresh._frames.get = lambda key, view: None
        fresh._frames.build = lambda *a, **k: pytest.fail("no frame cache here")
        fresh.pending = lambda: 1  # "tiles still coming": _draw_cached warps just the view
        again, _ = render_with_result(MapRequest(extent=moved, basemap=fresh, **request))
        fresh.close()
        diff = np.abs(pixels(blit).astype(int) - pixels(again).astype(int))
        assert diff.max() <= 1
        assert (pixels(blit)[..., 3] == 255).all()  # the tiles cover the view
    finally:
        window.close()
