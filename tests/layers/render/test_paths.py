"""The renderer's Qt paths of a layer: right shapes, built once per feature and level, shared by
every document showing the same frame, warmed for the bundle before the first frame, and gone
with their LayerCache."""
import gc

import geopandas as gpd
import pytest
from PySide6.QtCore import QPointF
from shapely.geometry import LineString, MultiLineString, Point, Polygon

from layers.model.document import MapDocument, MapLayer
from layers.model.layer_cache import LOD_TOLERANCES, LayerCache
from layers.render import paths
from layers.render.paths import geometry_path, geometry_segment_array, layer_paths, warm_bundle_paths
from tests.layers.engine_fixtures import districts_gdf, railway_gdf

SQUARE_WITH_HOLE = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(4, 4), (6, 4), (6, 6), (4, 6)]])


def test_polygon_path_keeps_its_hole_and_its_outline():
    path = geometry_path(SQUARE_WITH_HOLE)
    assert path.boundingRect().getCoords() == (0.0, 0.0, 10.0, 10.0)
    assert path.contains(QPointF(2, 2)) and not path.contains(QPointF(5, 5))  # odd-even: the hole is empty
    assert path.elementCount() == 5 + 5  # two closed rings of four corners


def test_segments_are_every_edge_of_every_ring_and_part():
    segs = geometry_segment_array(SQUARE_WITH_HOLE)
    assert segs.shape == (8, 4)
    assert tuple(segs[0]) == (0, 0, 10, 0)
    two_lines = MultiLineString([[(0, 0), (1, 1), (2, 0)], [(5, 5), (6, 6)]])
    assert geometry_segment_array(two_lines).tolist() == [[0, 0, 1, 1], [1, 1, 2, 0], [5, 5, 6, 6]]  # no edge between parts
    assert len(geometry_segment_array(Point(1, 1))) == 0 and len(geometry_segment_array(None)) == 0
    assert geometry_path(Polygon()).isEmpty()


def test_paths_are_built_once_per_feature_and_level_and_follow_the_simplified_geometry():
    cache = LayerCache(railway_gdf())
    store = layer_paths(cache)
    assert layer_paths(cache) is store
    first = store.path(0, 0)
    assert store.path(0, 0) is first
    assert store.segment_array(0, 0) is store.segment_array(0, 0)
    bounds = cache.geoms[0].bounds
    rect = first.boundingRect()
    assert (rect.left(), rect.right()) == pytest.approx((bounds[0], bounds[2]))
    # a straight two-point line cannot be simplified: every level is served by level 0's path
    assert store.path(0, len(LOD_TOLERANCES) - 1) is first


def test_documents_showing_the_same_frame_share_paths_and_paths_go_with_their_cache():
    gdf = districts_gdf()
    a = MapDocument([MapLayer("districts", gdf)])
    b = MapDocument([MapLayer("districts", gdf)])
    assert layer_paths(a.layer("districts").cache) is layer_paths(b.layer("districts").cache)
    before = len(paths._PATHS)
    own = LayerCache(districts_gdf())
    layer_paths(own).path(0, 0)
    assert len(paths._PATHS) == before + 1
    del own
    gc.collect()
    assert len(paths._PATHS) == before  # the paths do not keep their cache alive


def test_bundle_paths_are_warmed_for_every_level_and_user_layers_stay_lazy():
    doc = MapDocument.from_bundle(names=["railways", "stations"])
    user = gpd.GeoDataFrame({"name_zh": ["线"]}, geometry=[LineString([(104, 29), (105, 30)])], crs=4326)
    doc.add_layer(MapLayer("mine", user))
    warm_bundle_paths(doc)
    rail = layer_paths(doc.layer("railways").cache)
    levels = {doc.layer("railways").cache.effective_lod(lod) for lod in range(len(LOD_TOLERANCES))}
    assert rail.warmed and set(rail._paths) == levels and set(rail._arrays) == levels
    assert all(p is not None for level in levels for p in rail._paths[level])
    assert not layer_paths(doc.layer("stations").cache)._paths  # points are sprites: no paths
    assert not layer_paths(doc.layer("mine").cache)._paths  # built at its first frame instead
