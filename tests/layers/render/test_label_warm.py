"""The bundle's label groundwork is done before the first frame (layers.render.label_warm, called
by warm_bundle_paths): a first visit at district scale then lays out no name and finds no
district spot of its own; user layers and English names stay lazy."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from geodata.coords.projection import lonlat_to_display, region_extent
from layers.cli.bench import _scaled
from layers.model.document import MapDocument, MapLayer
from layers.render import district_labels, symbols
from layers.render.paths import warm_bundle_paths
from layers.render.renderer import render_with_result
from layers.render.request import MapRequest


def test_a_first_visit_after_the_warm_lays_out_no_name_and_finds_no_district_spot():
    doc = MapDocument.from_bundle()
    user = gpd.GeoDataFrame({"name_zh": ["我的点"]}, geometry=[Point(105.72, 29.70)], crs=4326)
    doc.add_layer(MapLayer("mine", user, label_field="name_zh"))
    symbols._TEXT_CACHE.clear()
    district_labels._spots.clear()
    warm_bundle_paths(doc)
    districts = doc.layer("districts").cache
    assert len(district_labels._spots[districts]) == districts.n  # every district's spots
    outlines = set(symbols._TEXT_CACHE)
    assert any(key[0] == "大足区" for key in outlines) and not any(key[0] == "我的点" for key in outlines)
    # a district-scale frame round Dazu: every bundled name it lays out was laid out already
    extent = _scaled(region_extent(), 0.06, lonlat_to_display(105.72, 29.70))
    _, result = render_with_result(MapRequest(document=doc, extent=extent, width=1280, height=720))
    bundled = {lab.text for lab in result.labels if lab.layer != "mine"}
    assert "大足区" in bundled and len(bundled) > 10
    assert set(symbols._TEXT_CACHE) - outlines == {k for k in symbols._TEXT_CACHE if k[0] == "我的点"}
    assert len(district_labels._spots[districts]) == districts.n
