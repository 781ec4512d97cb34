import json

import pytest

from layers.model.document import MapDocument, MapLayer
from layers.model.filter import Filter
from layers.model.style import LayerStyle, Style
from tests.layers.engine_fixtures import districts_gdf, projects_gdf, railway_gdf


def small_doc() -> MapDocument:
    return MapDocument([
        MapLayer("districts", districts_gdf(), title_zh="区县", title_en="Districts", label_field="name_zh"),
        MapLayer("railways", railway_gdf()),
        MapLayer("projects", projects_gdf(), label_field="name_zh"),
    ])


def test_mutators_change_the_document():  # the events they send: test_events.py
    doc = small_doc()
    doc.set_visible("railways", False)
    doc.set_opacity("projects", 0.5)
    doc.move_layer("projects", 0)
    doc.language = "en"
    assert doc.layer("railways").visible is False
    assert doc.layer("projects").opacity == 0.5
    assert doc.layer_names() == ["projects", "districts", "railways"]
    assert doc.language == "en"


def test_document_round_trips_through_json():
    doc = small_doc()
    doc.set_layer("projects", opacity=0.4, style=LayerStyle(base=Style(fill="#123456", symbol="star")))
    doc.set_visible("railways", False)
    doc.set_filter(Filter(themes=["industry"], text="dz"))
    doc.language = "en"
    doc.set_extent((1.0, 2.0, 3.0, 4.0))
    data = json.loads(json.dumps(doc.to_dict()))
    again = MapDocument.from_dict(data)
    assert again.layer_names() == doc.layer_names()
    assert again.filter == doc.filter
    assert again.language == "en"
    assert again.extent == (1.0, 2.0, 3.0, 4.0)
    assert again.layer("projects").opacity == 0.4
    assert again.layer("projects").style.base.fill == "#123456"
    assert again.layer("railways").visible is False
    assert len(again.layer("projects").data) == 3
    assert again.layer("projects").data.geometry.iloc[0].x == pytest.approx(104.5)
    assert again.to_dict() == data


def test_bad_document_is_a_clear_error():
    with pytest.raises(ValueError, match="not a map document"):
        MapDocument.from_dict({"nothing": 1})
    with pytest.raises(ValueError, match="already exists"):
        MapDocument([MapLayer("a", projects_gdf()), MapLayer("a", projects_gdf())])


def test_snapshot_is_independent_of_later_changes():
    doc = small_doc()
    snap = doc.snapshot()
    doc.set_visible("projects", False)
    assert snap.layer("projects").visible is True
    assert snap.layer("projects").cache is doc.layer("projects").cache


def test_replacing_layer_data_rebuilds_its_cache():
    doc = small_doc()
    old_cache = doc.layer("projects").cache
    assert old_cache.n == 3
    doc.set_layer_data("projects", projects_gdf().iloc[:1].copy())
    assert doc.layer("projects").cache is not old_cache
    assert doc.layer("projects").cache.n == 1


def test_documents_showing_the_same_frame_share_one_cache():
    gdf = projects_gdf()
    a = MapDocument([MapLayer("projects", gdf)])
    b = MapDocument([MapLayer("projects", gdf)])
    assert a.layer("projects").cache is b.layer("projects").cache
    c = MapDocument([MapLayer("projects", projects_gdf())])
    assert c.layer("projects").cache is not a.layer("projects").cache


def test_geometry_type_names_the_kinds_present_and_skips_missing_geometries():
    import geopandas as gpd
    import shapely

    def kind(geoms):
        return MapLayer("x", gpd.GeoDataFrame(geometry=geoms, crs=4326)).geometry_type

    assert kind([shapely.Point(0, 0), None, shapely.Point(1, 1)]) == "Point"
    assert kind([shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]), shapely.box(2, 2, 3, 3),
                 shapely.LineString([(0, 0), (1, 1)])]) == "LineString,MultiPolygon,Polygon"
    assert kind([None]) == ""
