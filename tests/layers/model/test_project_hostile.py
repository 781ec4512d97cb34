"""Hostile and damaged project files: damaged values fall back to their defaults at load (and the
loaded map renders and web-exports), paths outside the project folder are opened only when the
resolver (the user) confirms them, and huge layer counts are refused before they cost memory."""
from __future__ import annotations

import json
import os
import tracemalloc

import geopandas as gpd
import pytest
import shapely

from layers.model.document import MapDocument, MapLayer
from layers.model.project_file import (MAX_LAYERS, OUTSIDE_FOLDER, ProjectFileError, load_project,
                                       save_project)
from layers.model.style import default_layer_style

HEADER = {"format": "chengyu-explorer-project", "format_version": 1}


def _project(folder, layers, **document):
    path = folder / "p.cyproj"
    path.write_text(json.dumps({**HEADER, "document": {"version": 1, "layers": layers, **document}}), encoding="utf-8")
    return path


def _points_file(path):
    gpd.GeoDataFrame({"name_zh": ["大足", "资阳"]}, geometry=[shapely.Point(105.72, 29.70), shapely.Point(104.63, 30.13)],
                     crs=4326).to_file(path)
    return path


DAMAGED_STYLES = [
    {"base": {"symbol_size_pt": 1e308}},
    {"base": {"width_pt": -1e308}},
    {"base": {"width_pt": "abc"}},
    {"base": {"fill": [1, 2, 3]}},
    {"base": {"stroke": "javascript:alert(1)"}},
    {"base": {"dash": "bogus"}},
    {"base": {"opacity": 7}},
    {"base": {"label_size_pt": 1e6}},
    {"base": {"symbol": "skull"}},
    {"base": {"label_bold": "yes"}},
    {"base": {}, "classes": {"a": {"label_zh": "a", "label_en": "a", "style": {"casing_width_pt": 1e300}}}},
    {"base": {}, "label_priority": float("1e308")},
    {"base": {}, "fields": "themes"},
    "not a style",
]


@pytest.mark.parametrize("style", DAMAGED_STYLES)
def test_a_damaged_style_falls_back_to_the_default_and_the_map_renders_and_exports(tmp_path, style):
    from layers.render.renderer import render_image
    from layers.render.request import MapRequest
    from layers.web.export_html import export_html

    _points_file(tmp_path / "pts.geojson")
    layer = {"name": "pts", "data_ref": {"kind": "file", "path": "pts.geojson"}, "style": style,
             "opacity": 1e308, "visible": "yes", "theme_tags": 7, "filter_dims": ["bogus"], "title_zh": ["x"],
             "label_field": 5}
    path = _project(tmp_path, [layer], extent=[-1e308, -1e308, 1e308, 1e308], selection={"pts": 5},
                    filter={"year_min": 1e308})
    loaded = load_project(path)
    doc = loaded.document
    pts = doc.layer("pts")
    assert pts.style.to_dict() == default_layer_style("pts", pts.geometry_type).to_dict()
    assert (pts.opacity, pts.visible, pts.theme_tags, pts.filter_dims, pts.title_zh) == (1.0, True, (), None, "pts")
    assert doc.extent is None and doc.selection == {}
    en = [line.text("en") for line in loaded.report]
    assert any("style is not valid" in line for line in en)
    assert any("damaged saved values reset" in line and "opacity" in line for line in en)
    assert any("extent is not valid" in line for line in en) and any("filter is not valid" in line for line in en)
    image = render_image(MapRequest(doc, doc.full_extent(), width=320, height=240))
    assert image.width() == 320 and not image.isNull()
    out = export_html(doc, tmp_path / "map.html", basemap="none", offline=True)
    html = out.read_text(encoding="utf-8")
    assert "105.72" in html and "104.63" in html  # both points are on the web map


def test_extreme_but_valid_sizes_load_and_render(tmp_path):
    from layers.render.renderer import render_image
    from layers.render.request import MapRequest

    _points_file(tmp_path / "pts.geojson")
    style = {"base": {"symbol": "star", "symbol_size_pt": 100.0, "width_pt": 50.0, "label_size_pt": 100.0}}
    loaded = load_project(_project(tmp_path, [{"name": "pts", "data_ref": {"kind": "file", "path": "pts.geojson"},
                                                "style": style}]))
    assert loaded.document.layer("pts").style.base.symbol_size_pt == 100.0 and loaded.report == []
    doc = loaded.document
    assert not render_image(MapRequest(doc, doc.full_extent(), width=200, height=200, dpi=300)).isNull()


def test_bookmarks_beyond_the_earth_are_dropped(tmp_path):
    path = tmp_path / "p.cyproj"
    path.write_text(json.dumps({**HEADER, "document": {"version": 1, "layers": []}, "bookmarks": [
        {"name": "ok", "cx": 1000.0, "cy": 2000.0, "resolution": 10.0},
        {"name": "far", "cx": 1e308, "cy": 0, "resolution": 10.0},
        {"name": "zero", "cx": 0, "cy": 0, "resolution": 0},
        {"name": "huge", "cx": 0, "cy": 0, "resolution": 1e300}]}), encoding="utf-8")
    assert [b["name"] for b in load_project(path).bookmarks] == ["ok"]


@pytest.mark.parametrize("ref_path", ["/etc/passwd", "../outside.geojson", "../../../../../etc/hostname", "link.geojson"])
def test_paths_outside_the_project_folder_are_not_opened_unasked(tmp_path, ref_path):
    folder = tmp_path / "project"
    folder.mkdir()
    outside = _points_file(tmp_path / "outside.geojson")
    os.symlink(outside, folder / "link.geojson")  # a link inside that leads out counts as outside
    path = _project(folder, [{"name": "x", "data_ref": {"kind": "file", "path": ref_path}}])
    loaded = load_project(path)
    assert loaded.document.layer_names() == []
    assert [m.reason for m in loaded.missing] == [OUTSIDE_FOLDER]
    assert "outside the project folder" in loaded.missing[0].reason.text("en")


def test_the_resolver_is_asked_and_a_confirmed_outside_file_opens(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    outside = _points_file(tmp_path / "outside.geojson")
    path = _project(folder, [{"name": "x", "data_ref": {"kind": "file", "path": "../outside.geojson"}},
                             {"name": "y", "data_ref": {"kind": "file", "path": "/etc/passwd"}}])
    asked = []

    def resolver(missing):
        asked.append((missing.layer, missing.reason))
        return missing.path if missing.layer == "x" else None  # the user confirms x, refuses y

    loaded = load_project(path, resolver=resolver)
    assert asked == [("x", OUTSIDE_FOLDER), ("y", OUTSIDE_FOLDER)]
    assert loaded.document.layer_names() == ["x"] and len(loaded.document.layer("x").data) == 2
    assert any("outside the project folder, opened as confirmed" in line.text("en") for line in loaded.report)
    assert [m.layer for m in loaded.missing] == ["y"]
    assert str(outside.resolve()) in loaded.document.layer("x").data_ref["path"]


def test_a_bundle_reference_to_another_file_outside_the_folder_is_asked_too(tmp_path):
    path = _project(tmp_path / "p" if (tmp_path / "p").mkdir() is None else tmp_path,
                    [{"name": "d", "data_ref": {"kind": "bundle", "layer": "districts", "path": "/etc/passwd"}},
                     {"name": "e", "data_ref": {"kind": "bundle", "layer": "districts"}}])
    loaded = load_project(path)
    assert loaded.document.layer_names() == ["e"] and [m.reason for m in loaded.missing] == [OUTSIDE_FOLDER]


def test_a_million_layers_are_refused_before_parsing_and_in_bounded_memory(tmp_path):
    path = tmp_path / "many.cyproj"
    entry = '{"name":"l","data_ref":{"kind":"bundle","layer":"districts"}}'
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"format":"chengyu-explorer-project","format_version":1,"document":{"version":1,"layers":[')
        fh.write(",".join([entry] * 1_000_000))
        fh.write("]}}")
    assert path.stat().st_size > 50 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ProjectFileError, match=f"more than {MAX_LAYERS} layers"):
            load_project(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * path.stat().st_size  # the bytes read once, never a million dicts (5.7 GB before)


def test_more_layers_than_the_limit_without_references_are_refused_too(tmp_path):
    path = _project(tmp_path, [{"name": f"l{i}"} for i in range(MAX_LAYERS + 1)])
    with pytest.raises(ProjectFileError, match=f"{MAX_LAYERS + 1} layers, more than the limit"):
        load_project(path)


@pytest.mark.parametrize("document,fails", [
    ({"version": "1", "layers": []}, False),
    ({"version": 1, "layers": [[1, 2]]}, True),
    ({"version": 1, "layers": "x"}, True),
    ({"version": 1, "layers": [{"name": 5, "data_ref": {"kind": "bundle", "layer": "districts"}}]}, False),
    ({"version": 1, "layers": [{"name": "a", "data_ref": {"kind": "bundle", "layer": ["x"]}}]}, False),
    ({"version": 1, "layers": [{"name": "a", "data_ref": {"kind": "file", "path": "x\u0000y"}}]}, False),
    ({"version": 1, "layers": [], "language": ["zh"]}, False),
])
def test_wrong_types_give_a_project_error_or_a_report_never_a_crash(tmp_path, document, fails):
    path = tmp_path / "p.cyproj"
    path.write_text(json.dumps({**HEADER, "document": document}), encoding="utf-8")
    if fails:
        with pytest.raises(ProjectFileError):
            load_project(path)
    else:
        loaded = load_project(path)
        assert loaded.document.language == "zh"


def test_duplicate_layer_names_are_renamed_not_shadowed(tmp_path):
    ref = {"kind": "bundle", "layer": "districts"}
    loaded = load_project(_project(tmp_path, [{"name": "d", "data_ref": ref}, {"name": "d", "data_ref": dict(ref)}]))
    assert loaded.document.layer_names() == ["d", "d (2)"]
    assert any("renamed 'd (2)'" in line.text("en") for line in loaded.report)


def test_from_dict_refuses_damaged_values_by_name(tmp_path):
    data = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(105, 29)], crs=4326)
    doc = MapDocument(layers=[MapLayer(name="s", data=data)])
    saved = doc.to_dict()
    saved["layers"][0]["opacity"] = float("1e308")
    with pytest.raises(ValueError, match="layer 's': opacity"):
        MapDocument.from_dict(saved)
    saved["layers"][0]["opacity"] = 1.0
    saved["layers"][0]["style"]["base"]["symbol_size_pt"] = 1e308
    with pytest.raises(ValueError, match="symbol_size_pt"):
        MapDocument.from_dict(saved)
    saved["layers"][0]["style"]["base"]["symbol_size_pt"] = 5.0
    saved["extent"] = [0, 0, 1e308, 1]
    with pytest.raises(ValueError, match="extent"):
        MapDocument.from_dict(saved)
    saved["extent"] = None
    assert MapDocument.from_dict(saved).layer("s").opacity == 1.0


def test_a_saved_project_of_the_bundle_still_round_trips(tmp_path):
    doc = MapDocument.from_bundle()
    path = save_project(doc, tmp_path / "b.cyproj")
    loaded = load_project(path)
    assert loaded.report == [] and loaded.document.layer_names() == doc.layer_names()
