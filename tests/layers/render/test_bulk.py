"""Big layers (over BULK_FEATURES features) drawn in bulk: what is drawn, counted, thinned, spread."""
import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtGui import QColor

from geodata.coords.projection import lonlat_bounds_to_display, lonlat_to_display
from layers.model import ring_arrays
from layers.model.document import MapDocument, MapLayer
from layers.model.layer_cache import BULK_FEATURES, LayerCache
from layers.model.style import LayerStyle, Style
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest, ViewTransform

EXTENT = lonlat_bounds_to_display((105.0, 29.0, 106.0, 30.0))
RED = "#ff0000"
N = BULK_FEATURES + 1000


def points_layer(xy, name="pts", **kw):
    gdf = gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(xy))]}, geometry=shapely.points(xy), crs=4326)
    style = LayerStyle(base=Style(fill=RED, stroke=None, symbol="square", symbol_size_pt=6))
    return MapLayer(name, gdf, style=style, label_field="name", **kw)


def pixel(image, lon, lat):
    view = ViewTransform.fit(EXTENT, image.width(), image.height())
    px, py = view.to_pixel(*lonlat_to_display(lon, lat))
    return QColor(image.pixel(int(px), int(py)))


def test_dense_points_are_thinned_to_one_symbol_a_cell_and_sparse_ones_all_drawn():
    rng = np.random.default_rng(1)
    dense = np.column_stack([rng.uniform(105.4, 105.45, N), rng.uniform(29.4, 29.45, N)])  # a small patch
    sparse = np.array([[105.1 + 0.08 * i, 29.8] for i in range(10)])  # far apart
    doc = MapDocument([points_layer(np.vstack([dense, sparse]), show_labels=False)])
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=600, labels=False))
    assert doc.layer("pts").cache.bulk
    assert result.drawn["pts"] == N + 10  # every point is in view and counted in the legend
    drawn = result.symbols["pts"]
    view = ViewTransform.fit(EXTENT, 600, 600)
    patch_px = (0.05 * view.scale * (lonlat_to_display(105.45, 29.4)[0] - lonlat_to_display(105.4, 29.4)[0]) / 0.05)
    cell = 6 * 96 / 72  # the square's sprite is ~8 px
    assert 10 < drawn < 10 + (patch_px / cell + 2) ** 2 < N  # at most one a cell in the patch, plus the sparse
    for lon, _lat in sparse:
        assert QColor(pixel(image, lon, 29.8)).red() > 200  # each lone point is there
    positions = [result.point_positions[k] for k in result.point_positions]
    assert len(positions) == drawn  # the hit test sees exactly the drawn symbols


def test_coincident_points_are_spread_and_near_ones_are_not():
    rng = np.random.default_rng(2)
    xy = np.column_stack([rng.uniform(105.05, 105.95, N), rng.uniform(29.05, 29.6, N)])
    xy = np.vstack([xy, [[105.5, 29.85]] * 3, [[105.2, 29.85], [105.2001, 29.85]]])  # 3 at one spot; 2 ~10 m apart
    doc = MapDocument([points_layer(xy, show_labels=False)])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=600, labels=False))
    spots = [result.point_positions[("pts", N + k)] for k in range(3)]
    assert len({(round(x), round(y)) for x, y in spots}) == 3  # spread on a ring
    drawn_near = [("pts", N + 3) in result.point_positions, ("pts", N + 4) in result.point_positions]
    assert drawn_near == [True, False]  # near but not coincident: thinned, one symbol stands for both


def test_unlabelled_layer_does_not_block_labels_of_others():
    rng = np.random.default_rng(3)
    cover = np.column_stack([rng.uniform(105.0, 106.0, N), rng.uniform(29.0, 30.0, N)])
    named = gpd.GeoDataFrame({"name_zh": ["甲地", "乙地"]}, geometry=shapely.points([[105.3, 29.5], [105.7, 29.5]]),
                             crs=4326)
    base = MapLayer("named", named, label_field="name_zh",
                    style=LayerStyle(base=Style(fill="#000000", symbol="circle", symbol_size_pt=3)))
    for labels_on, expected in ((False, 2), (True, 0)):
        doc = MapDocument([base, points_layer(cover, show_labels=labels_on)])
        _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=600, height=600, labels=True))
        placed = [lab.text for lab in result.labels if lab.layer == "named"]
        assert len(placed) == expected, labels_on  # a labelled layer's symbols do block them


def squares(n, lon0=105.05, lat0=29.05, size=0.004, step=0.009):
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0, y0 = lon0 + (i % side) * step, lat0 + (i // side) * step
    return shapely.box(x0, y0, x0 + size, y0 + size)


def test_bulk_polygons_fill_and_keep_holes():
    holed = shapely.Polygon([(105.70, 29.70), (105.95, 29.70), (105.95, 29.95), (105.70, 29.95)],
                            [[(105.78, 29.78), (105.78, 29.87), (105.87, 29.87), (105.87, 29.78)][::-1]])
    gdf = gpd.GeoDataFrame({"k": range(N + 1)}, geometry=np.r_[squares(N), [holed]], crs=4326)
    style = LayerStyle(base=Style(fill=RED, fill_opacity=1.0, stroke="#0000ff", width_pt=0.5))
    doc = MapDocument([MapLayer("parcels", gdf, style=style)])
    image, result = render_with_result(MapRequest(doc, extent=EXTENT, width=800, height=800, labels=False,
                                                  background="#ffffff"))
    assert doc.layer("parcels").cache.bulk and result.drawn["parcels"] == N + 1
    assert pixel(image, 105.73, 29.73).red() > 200 and pixel(image, 105.73, 29.73).green() < 60  # filled ring
    assert pixel(image, 105.825, 29.825).name() == "#ffffff"  # its hole stays open
    assert pixel(image, 105.052, 29.052).red() > 200  # a small square
    assert pixel(image, 105.0485, 29.0485).name() == "#ffffff"  # between squares: nothing


def test_ring_arrays_select_the_vertices_of_features_and_levels_keep_ring_ends():
    geoms = np.array([shapely.box(0, 0, 10, 10), shapely.LineString([(0, 0), (1, 0)]).buffer(0.5),
                      shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)])], dtype=object)
    rings = ring_arrays.build(geoms, 3, "polygon")
    xy, begins = rings.select(np.array([0, 2]))
    assert len(xy) == 5 + 5 + 5 and begins.sum() == 3  # three rings, each closed
    assert {tuple(p) for p in xy[:5]} == {(0, 0), (10, 0), (10, 10), (0, 10)}
    coarse = ring_arrays.decimate(rings, 100.0)
    counts = np.diff(coarse.start)
    assert (counts >= 2).all() and len(coarse.xy) < len(rings.xy)
    assert np.allclose(coarse.xy[coarse.start[:-1]], coarse.xy[coarse.start[1:] - 1])  # still closed


def test_bulk_cache_visible_matches_the_exact_geometry_test():
    geoms = squares(N)
    cache = LayerCache(gpd.GeoDataFrame(geometry=geoms, crs=4326))
    for box in (EXTENT, lonlat_bounds_to_display((105.3, 29.3, 105.31, 29.31))):
        expected = np.sort(cache.tree.query(shapely.box(*box), predicate="intersects"))
        assert np.array_equal(cache.visible(box), expected)


def test_simplified_levels_keep_every_ring_closed_and_in_place():
    circle = shapely.Point(0, 0).buffer(1000, quad_segs=64)
    geoms = np.array([circle, shapely.box(5000, 0, 5001, 1)], dtype=object)
    rings = ring_arrays.build(geoms, 2, "polygon")
    coarse = ring_arrays.simplify(ring_arrays.decimate(rings, 64.0), 32.0)
    assert len(np.diff(coarse.start)) == 2 and len(coarse.xy) < len(rings.xy) / 4
    assert np.allclose(coarse.xy[coarse.start[:-1]], coarse.xy[coarse.start[1:] - 1])
    radius = np.hypot(*coarse.xy[: coarse.start[1]].T)
    assert np.all(np.abs(radius - 1000) < 64)  # every kept vertex still on the outline


def test_a_frame_cancelled_while_a_big_layer_draws_stops_there():
    from geodata.core.feedback import Feedback

    class CancelsSoon(Feedback):  # cancelled while the big layer's chunks are being made
        calls = 0

        def is_cancelled(self):
            CancelsSoon.calls += 1
            return CancelsSoon.calls > 3 or super().is_cancelled()

    gdf = gpd.GeoDataFrame({"k": range(N)}, geometry=squares(N), crs=4326)
    above = gpd.GeoDataFrame({"name_zh": ["甲"]}, geometry=shapely.points([[105.5, 29.5]]), crs=4326)
    doc = MapDocument([MapLayer("parcels", gdf), MapLayer("above", above, label_field="name_zh")])
    _, result = render_with_result(MapRequest(doc, extent=EXTENT, width=400, height=400), CancelsSoon())
    assert result.cancelled and "above" not in result.drawn and not result.labels


def test_a_multipoint_whose_box_meets_the_view_but_no_point_does_is_not_visible():
    pts = [shapely.MultiPoint([(105.0, 29.0), (106.0, 30.0)]), shapely.Point(105.5, 29.5)]
    cache = LayerCache(gpd.GeoDataFrame(geometry=pts, crs=4326))
    view = lonlat_bounds_to_display((105.4, 29.7, 105.6, 29.8))  # inside the MultiPoint's box, off both its points
    assert cache.visible(view).tolist() == []
    assert cache.visible(lonlat_bounds_to_display((105.4, 29.4, 105.6, 29.6))).tolist() == [1]


def test_a_level_keeps_about_ten_vertices_of_a_ten_pixel_circle_and_stays_within_a_pixel():
    from layers.model.layer_cache import BULK_SIMPLIFY

    angles = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    circle = shapely.Polygon(np.c_[0.3 + 10 * np.cos(angles), 0.37 + 10 * np.sin(angles)])  # radius 10 grids
    rings = ring_arrays.build(np.array([circle], dtype=object), 1, "polygon")
    level = ring_arrays.simplify(ring_arrays.decimate(rings, 1.0), BULK_SIMPLIFY)  # a grid of one pixel
    assert 8 <= len(level.xy) - 1 <= 12  # (the ring repeats its first vertex)
    assert shapely.Polygon(level.xy).hausdorff_distance(circle) < 1.0  # the shape moves under a pixel


def test_thinning_draws_exactly_the_first_point_of_each_occupied_cell():
    from layers.render.bulk_points import bulk_positions, cell_size

    rng = np.random.default_rng(5)
    xy = np.column_stack([rng.uniform(105.0, 106.0, N), rng.uniform(29.0, 30.0, N)])
    layer = points_layer(xy, show_labels=False)
    doc = MapDocument([layer])
    cache = doc.layer("pts").cache
    view = ViewTransform.fit(EXTENT, 500, 400)
    classes = [layer.style.style_class("", ("", ""))]
    idx = cache.visible(view.extent)
    x, _y, _clusters, _size, _spread = bulk_positions(cache, idx, classes, view, 96 / 72)
    px, py = view.to_pixel(cache.point_xy[idx, 0], cache.point_xy[idx, 1])
    cell = cell_size(classes, 96 / 72)
    ci, cj = np.floor((np.asarray(px) + cell) / cell), np.floor((np.asarray(py) + cell) / cell)
    _, first = np.unique(cj * 10_000 + ci, return_index=True)  # reference: the first row of every cell
    drawn = idx[~np.isnan(x[idx])]
    assert np.array_equal(np.sort(drawn), np.sort(idx[first]))
    assert 100 < len(drawn) < len(idx)  # thinned, and not to nothing


def test_chunk_paths_built_in_batches_are_those_built_one_by_one():
    from layers.render.bulk_paths import BulkPaths

    rng = np.random.default_rng(6)
    centres = np.column_stack([rng.uniform(105.0, 106.0, N), rng.uniform(29.0, 30.0, N)])
    sizes = rng.uniform(0.0005, 0.02, N)  # some under a pixel at the coarse level: dots
    geoms = shapely.buffer(shapely.points(centres), sizes, quad_segs=6)
    cache = LayerCache(gpd.GeoDataFrame(geometry=geoms, crs=4326))
    members = rng.random(N) < 0.8  # a filter
    level = 4
    together = BulkPaths(cache)
    chunks = together.chunks_in(cache.total_bounds).tolist()
    batched = together.get_many(cache, level, "k", members, chunks)
    alone = BulkPaths(cache)
    singles = [alone.get(cache, level, "k", members, c) for c in chunks]
    assert len(chunks) > 100 and sum(p.elementCount() for p, _ in batched) > 10_000
    assert sum(len(d) for _, d in batched) > 100  # tiny features drawn as dots
    for (p, d), (q, e) in zip(batched, singles):
        assert p == q and np.array_equal(d, e)
    assert sum(len(d) for _, d in batched) + sum(  # every member is either a dot or a ring of a path
        p.elementCount() and sum(1 for i in range(p.elementCount()) if p.elementAt(i).isMoveTo()) for p, _ in batched
    ) == sum(int(members[r].sum()) for r in (together.rows[c] for c in chunks))


def test_a_level_of_some_features_is_that_of_the_whole_layer_and_a_zoom_builds_only_what_it_shows():
    rng = np.random.default_rng(7)
    centres = np.column_stack([rng.uniform(105.0, 106.0, N), rng.uniform(29.0, 30.0, N)])
    geoms = shapely.buffer(shapely.points(centres), rng.uniform(0.002, 0.02, N), quad_segs=12)
    gdf = gpd.GeoDataFrame({"k": range(N)}, geometry=geoms, crs=4326)
    doc = MapDocument([MapLayer("parcels", gdf)])
    cache = doc.layer("parcels").cache
    zoom = lonlat_bounds_to_display((105.4, 29.4, 105.5, 29.5))
    image, result = render_with_result(MapRequest(doc, extent=zoom, width=800, height=800, labels=False))
    assert 0 < result.drawn["parcels"] < N / 10
    assert [k for k in cache._rings if k >= 0] == []  # no level of the whole layer was simplified
    rows = np.sort(rng.choice(N, 500, replace=False))
    for level in (1, 4):
        some = cache.rings_of(level, rows)
        whole = cache.rings(level).subset(rows)
        assert np.array_equal(some.xy, whole.xy) and np.array_equal(some.start, whole.start)
        assert np.array_equal(some.feature_start, whole.feature_start) and len(some.xy) < len(cache.rings(-1).subset(rows).xy)


def test_translucent_fills_of_a_big_layer_are_one_sheet_blended_once(monkeypatch):
    from layers.render import bulk_paths

    over = [shapely.box(105.70, 29.70, 105.90, 29.90), shapely.box(105.80, 29.80, 106.00, 30.00)]  # overlapping
    gdf = gpd.GeoDataFrame({"k": range(N + 2)}, geometry=np.r_[squares(N), over], crs=4326)
    style = LayerStyle(base=Style(fill=RED, fill_opacity=0.4, stroke=None, width_pt=0.0))
    doc = MapDocument([MapLayer("parcels", gdf, style=style)])
    request = MapRequest(doc, extent=EXTENT, width=800, height=800, labels=False, background="#ffffff")
    used = []
    real = bulk_paths._fill_sheet
    monkeypatch.setattr(bulk_paths, "_fill_sheet", lambda *a: used.append(real(*a)) or used[-1])
    sheet, _ = render_with_result(request)
    monkeypatch.setattr(bulk_paths, "_fill_sheet", lambda *a: False)  # each fill blended in turn
    blended, _ = render_with_result(request)
    assert used == [True]
    once = pixel(blended, 105.75, 29.75)
    assert once.green() in range(150, 156)  # white under 40 % red: 255 * 0.6
    for lon, lat in ((105.75, 29.75), (105.052, 29.052)):  # one feature: the same pixel either way
        assert pixel(sheet, lon, lat) == pixel(blended, lon, lat)
    assert pixel(blended, 105.85, 29.85).green() < 100  # blended twice where the two overlap
    assert pixel(sheet, 105.85, 29.85) == once  # one sheet of paint: once
