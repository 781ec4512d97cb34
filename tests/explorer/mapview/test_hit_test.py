"""Hit tests find point symbols where the renderer drew them (after displacement)."""
import geopandas as gpd
from shapely.geometry import Point

from explorer.mapview.hit_test import features_at
from layers.model.document import MapDocument, MapLayer
from geodata.coords.projection import lonlat_bounds_to_display, lonlat_to_display
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest
from layers.model.style import LayerStyle, Style


def test_a_click_on_a_displaced_symbol_finds_that_point_only():
    gdf = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(105.0, 29.5), Point(105.0, 29.5)], crs=4326)
    style = LayerStyle(base=Style(fill="#ff0000", stroke=None, symbol="circle", symbol_size_pt=10))
    doc = MapDocument([MapLayer("sites", gdf, style=style, label_field=None)])
    extent = lonlat_bounds_to_display((104.9, 29.4, 105.1, 29.6))
    _, result = render_with_result(MapRequest(doc, extent=extent, width=200, height=200))
    positions = result.point_map_positions()
    tolerance = 3 * result.view.map_units_per_pixel
    x, y = positions[("sites", 1)]
    assert [h.feature_id for h in features_at(doc, x, y, tolerance, positions=positions)] == ["b"]
    # without the drawn positions both lie at the true position
    tx, ty = lonlat_to_display(105.0, 29.5)
    assert {h.feature_id for h in features_at(doc, tx, ty, tolerance)} == {"a", "b"}
    assert features_at(doc, tx, ty, tolerance, positions=positions) == []  # only the centre marker there
