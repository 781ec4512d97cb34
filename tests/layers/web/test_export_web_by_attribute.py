"""A web page of a layer styled by attribute: each feature in its category's colour, the legend
listing each category under a heading naming the field, labels at the layer's label size."""
from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from layers.model.classify import STATUS_COLOURS, categorized_style
from layers.model.document import MapDocument, MapLayer
from layers.model.style import LabelSettings
from layers.web.export_html import export_html
from tests.layers.web.test_export_web import drawn, legend_and_title


def test_categorized_projects_page_colours_and_legend(tmp_path):
    gdf = gpd.GeoDataFrame({"id": ["a", "b", "c"], "name_zh": ["甲项目", "乙项目", "丙项目"],
                            "status": ["planned", "operating", "under_construction"], "themes": ["transport"] * 3},
                           geometry=[Point(105.6, 29.6), Point(105.8, 29.8), Point(105.7, 29.7)], crs=4326)
    layer = MapLayer(name="projects", data=gdf, title_zh="重点项目", title_en="Projects", label_field="name_zh")
    doc = MapDocument(layers=[layer])
    doc.set_style("projects", categorized_style(layer.style, gdf, "point", "status", words=("状态", "Status")))
    doc.set_layer("projects", labels=LabelSettings(size_pt=14))
    out = export_html(doc, tmp_path / "p.html", basemap="none")
    text = out.read_text(encoding="utf-8")
    icons = {f["properties"]["name"]: f["properties"].get("icon", "") for f in drawn(text)}
    for name, status in (("甲项目", "planned"), ("乙项目", "operating"), ("丙项目", "under_construction")):
        assert STATUS_COLOURS[status] in icons[name].lower(), name
    _, legend = legend_and_title(text)
    assert "重点项目（状态）" in legend
    assert all(word in legend for word in ("规划", "在建", "建成/运营"))
    assert "font-size:18.7px" in text  # 14 pt labels (4/3 px a point)
